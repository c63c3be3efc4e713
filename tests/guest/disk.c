/*
 * Files on a FAT disk (the root, from unishyper-run --disk): reads what
 * the host put there with mtools, writes a tree the host then checks with
 * mtools and fsck.fat (tests/integration/disk.sh), and checks the errors
 * of a read-only disk when given "ro".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

/* The bytes of file n: the same generator as tests/integration/disk.sh. */
static unsigned char pattern(int n, long i)
{
	return (unsigned char)((i * 7 + n * 13) % 251);
}

static int write_file(const char *path, int n, long size)
{
	unsigned char buf[4096];
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0)
		return 0;
	for (long done = 0; done < size;) {
		long k = size - done < (long)sizeof(buf) ? size - done : (long)sizeof(buf);
		for (long i = 0; i < k; i++)
			buf[i] = pattern(n, done + i);
		if (write(fd, buf, (size_t)k) != k)
			return 0;
		done += k;
	}
	return fsync(fd) == 0 && close(fd) == 0;
}

int main(int argc, char **argv)
{
	char buf[256];
	struct stat st;

	if (argc > 1 && !strcmp(argv[1], "ro")) {
		int fd = open("/in/host.txt", O_RDONLY);
		CHECK(fd >= 0 && read(fd, buf, 5) == 5, "read-only disk: reading works");
		close(fd);
		CHECK(open("/new", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS, "create: EROFS");
		CHECK(open("/in/host.txt", O_WRONLY) == -1 && errno == EROFS, "open for writing: EROFS");
		CHECK(mkdir("/d", 0755) == -1 && errno == EROFS, "mkdir: EROFS");
		CHECK(unlink("/in/host.txt") == -1 && errno == EROFS, "unlink: EROFS");
		return tap_done();
	}
	FILE *f = fopen("/in/host.txt", "r");
	CHECK(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "written by mtools\n"),
	      "a file written by mtools reads correctly");
	if (f)
		fclose(f);
	CHECK(stat("/in/Long Name From The Host.bin", &st) == 0 && st.st_size == 100000,
	      "long names from the host");

	CHECK(mkdir("/out", 0755) == 0 && mkdir("/out/sub", 0755) == 0, "mkdir");
	long sizes[] = { 0, 1, 511, 512, 4097, 65536, 1000003 };
	int ok = 1;
	for (int n = 0; n < 7; n++) {
		snprintf(buf, sizeof(buf), "/out/file %d with a long name.dat", n);
		ok &= write_file(buf, n, sizes[n]);
	}
	CHECK(ok, "7 files from 0 B to 1 MB written and fsync'ed");
	CHECK(write_file("/out/moved.dat", 9, 3000) && rename("/out/moved.dat", "/out/sub/moved.dat") == 0,
	      "rename across directories");
	CHECK(write_file("/out/gone.dat", 8, 100) && unlink("/out/gone.dat") == 0, "unlink");
	CHECK(write_file("/out/cut.dat", 7, 10000) && truncate("/out/cut.dat", 1234) == 0 &&
		      stat("/out/cut.dat", &st) == 0 && st.st_size == 1234, "truncate");
	int made = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(buf, sizeof(buf), "/out/sub/many-%03d.txt", i);
		int fd = open(buf, O_CREAT | O_WRONLY, 0644);
		made += fd >= 0 && close(fd) == 0;
	}
	for (int i = 0; i < 300; i += 2) {
		snprintf(buf, sizeof(buf), "/out/sub/many-%03d.txt", i);
		made -= unlink(buf) != 0;
	}
	CHECK(made == 300, "300 creates and 150 deletes in one directory");
	CHECK(rmdir("/out") == -1 && errno == ENOTEMPTY, "rmdir of a full directory: ENOTEMPTY");
	CHECK(open("/out/sub/nope", O_RDONLY) == -1 && errno == ENOENT, "ENOENT");
	sync();
	return tap_done();
}

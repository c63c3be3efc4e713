/*
 * filebench.c - file-system throughput: a large file written and read
 * sequentially, and many small files created.
 *
 *   filebench DIR [MIB [FILES]]
 *
 * In DIR (the root / of Unishyper's FAT disk, the vfat mount point in the
 * Linux guest), in this order:
 *   write_seq    DIR/filebench.dat: MIB (256) MiB written in 1 MiB chunks,
 *                then fsync and close: MiB/s over all of it
 *   read_seq     the same file read back in 1 MiB chunks: MiB/s.  Before it
 *                the program calls sync() and writes 3 to
 *                /proc/sys/vm/drop_caches when that file exists (Linux), so
 *                the data comes from the device; the comment line
 *                `# page_cache ...` says whether it did
 *   create_small FILES (1000) files of 4 KiB in DIR/small, each created,
 *                written and closed, then one sync(): files per second over
 *                all of it, the sync included
 * Each figure is measured once and printed as `name value unit`, followed
 * by comment lines with the parts of its time; the last line is
 * `# filebench done`.  Every chunk carries its own index, checked on
 * reading back, and after the sync DIR/small must list FILES files of 4 KiB:
 * a failing call, a short write or read, a wrong size or wrong data ends the
 * program with status 1 and a line on standard error.  Only the timed loops
 * are timed (CLOCK_MONOTONIC); the buffer is filled beforehand.  The same source
 * runs as a Unishyper image and in the Linux microVM (bench/run.sh, (g)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK (1 << 20)
#define SMALL 4096

static char dir[512];
static unsigned char *buf;

static void fail(const char *what, const char *path)
{
	fprintf(stderr, "filebench: %s %s: %s\n", what, path, strerror(errno));
	fflush(NULL);
	exit(1);
}

static void corrupt(const char *what, const char *path, long long got, long long want)
{
	fprintf(stderr, "filebench: %s %s: %lld, expected %lld\n", what, path, got, want);
	fflush(NULL);
	exit(1);
}

/* path_of NAME: DIR/NAME in a static buffer, without a doubled slash */
static const char *path_of(const char *name)
{
	static char p[1024];
	size_t n = strlen(dir);

	snprintf(p, sizeof p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
	return p;
}

/* fill: a pattern in all of buf, once, so that no timed loop computes it */
static void fill(void)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < CHUNK; i += 8) {
		v = i * 0x9e3779b97f4a7c15ull;
		memcpy(buf + i, &v, 8);
	}
}

/* tag N: the number N in the first bytes of buf, to be checked on reading */
static void tag(uint64_t n)
{
	memcpy(buf, &n, 8);
}

/* writefull FD SIZE PATH: write SIZE bytes of buf, or end the program */
static void writefull(int fd, size_t size, const char *path)
{
	ssize_t n = write(fd, buf, size);

	if (n < 0)
		fail("write", path);
	if ((size_t)n != size)
		corrupt("short write to", path, n, (long long)size);
}

static void write_seq(long mib)
{
	const char *p = path_of("filebench.dat");
	double t0, t1, t2;
	struct stat st;
	long i;
	int fd;

	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("open", p);
	t0 = now_s();
	for (i = 0; i < mib; i++) {
		tag(i);
		writefull(fd, CHUNK, p);
	}
	t1 = now_s();
	if (fsync(fd) < 0)
		fail("fsync", p);
	if (close(fd) < 0)
		fail("close", p);
	t2 = now_s();
	if (stat(p, &st) < 0)
		fail("stat", p);
	if (st.st_size != (off_t)mib * CHUNK)
		corrupt("size of", p, st.st_size, (long long)mib * CHUNK);
	printf("write_seq %.2f MiB/s\n", mib / (t2 - t0));
	printf("# write_seq bytes=%lld write_s=%.3f fsync_close_s=%.3f\n",
	       (long long)mib * CHUNK, t1 - t0, t2 - t1);
	fflush(stdout);
}

/* drop_caches: write out and drop the page cache where the system has one */
static void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0) {
		printf("# page_cache not dropped: /proc/sys/vm/drop_caches: %s\n", strerror(errno));
		return;
	}
	if (write(fd, "3\n", 2) != 2)
		fail("write", "/proc/sys/vm/drop_caches");
	close(fd);
	printf("# page_cache dropped\n");
}

static void read_seq(long mib)
{
	const char *p = path_of("filebench.dat");
	uint64_t got;
	double t0, t1;
	ssize_t n;
	long i;
	int fd;

	drop_caches();
	fd = open(p, O_RDONLY);
	if (fd < 0)
		fail("open", p);
	t0 = now_s();
	for (i = 0; i < mib; i++) {
		n = read(fd, buf, CHUNK);
		if (n < 0)
			fail("read", p);
		if (n != CHUNK)
			corrupt("short read of", p, (long long)i * CHUNK + n, (long long)mib * CHUNK);
		memcpy(&got, buf, 8);
		if (got != (uint64_t)i)
			corrupt("wrong data in", p, (long long)got, i);
	}
	n = read(fd, buf, CHUNK);
	t1 = now_s();
	if (n != 0)
		corrupt("read past the end of", p, n, 0);
	close(fd);
	printf("read_seq %.2f MiB/s\n", mib / (t1 - t0));
	printf("# read_seq read_s=%.3f\n", t1 - t0);
	fflush(stdout);
}

/* check_small FILES: DIR/small holds exactly FILES files of SMALL bytes */
static void check_small(long files)
{
	char name[64];
	const char *p;
	struct stat st;
	struct dirent *e;
	long i, seen = 0;
	DIR *d;

	p = path_of("small");
	d = opendir(p);
	if (!d)
		fail("opendir", p);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			seen++;
	closedir(d);
	if (seen != files)
		corrupt("entries in", p, seen, files);
	for (i = 0; i < files; i++) {
		snprintf(name, sizeof name, "small/f%05ld.txt", i);
		p = path_of(name);
		if (stat(p, &st) < 0)
			fail("stat", p);
		if (st.st_size != SMALL)
			corrupt("size of", p, st.st_size, SMALL);
	}
}

static void create_small(long files)
{
	char name[64];
	const char *p;
	double t0, t1, t2;
	long i;
	int fd;

	p = path_of("small");
	if (mkdir(p, 0755) < 0)
		fail("mkdir", p);
	sync();
	t0 = now_s();
	for (i = 0; i < files; i++) {
		snprintf(name, sizeof name, "small/f%05ld.txt", i);
		p = path_of(name);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			fail("open", p);
		tag(i);
		writefull(fd, SMALL, p);
		if (close(fd) < 0)
			fail("close", p);
	}
	t1 = now_s();
	sync();
	t2 = now_s();
	printf("create_small %.1f files/s\n", files / (t2 - t0));
	printf("# create_small files=%ld bytes_each=%d create_s=%.3f sync_s=%.3f\n", files, SMALL,
	       t1 - t0, t2 - t1);
	fflush(stdout);
	check_small(files);
}

int main(int argc, char **argv)
{
	long mib = 256, files = 1000;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: filebench DIR [MIB [FILES]]\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s", argv[1]);
	if (argc > 2)
		mib = atol(argv[2]);
	if (argc > 3)
		files = atol(argv[3]);
	if (mib < 1 || files < 1 || files > 99999) {
		fprintf(stderr, "filebench: MIB and FILES must be positive, FILES at most 99999\n");
		return 2;
	}
	buf = malloc(CHUNK);
	if (!buf)
		fail("malloc", "buffer");
	fill();
	write_seq(mib);
	read_seq(mib);
	create_small(files);
	printf("# filebench done\n");
	return 0;
}

/*
 * manyfiles.c - one folder with many files: created, listed, deleted.
 *
 *   manyfiles DIR [FILES]      (FILES defaults to 100000)
 *
 * Makes the folder DIR/many and holds it open (an O_DIRECTORY fd) for the
 * whole run, then times three loops (CLOCK_MONOTONIC):
 *   create  FILES empty files F0000000, F0000001, ... made with
 *           openat(fd, name, O_CREAT | O_EXCL | O_RDONLY) and closed
 *   list    the folder read with readdir from start to end
 *   delete  each file removed with unlinkat(fd, name)
 * The names are upper-case 8.3 names, so FAT stores each in one directory
 * entry (FAT32 holds at most 65 534 of them in a folder).  Each figure is
 * printed as `name value files/s`, with a comment line giving its seconds;
 * the last line is `# manyfiles done`.  The listing must hold exactly the
 * FILES names, and every call must succeed: otherwise the program ends with
 * status 1 and a line on standard error.  The same source runs as a
 * Unishyper image, in the Linux microVM and natively (bench/run.sh, (k)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

static void fail(const char *what, const char *name)
{
	fprintf(stderr, "manyfiles: %s %s: %s\n", what, name, strerror(errno));
	fflush(NULL);
	exit(1);
}

static void report(const char *name, long files, double s)
{
	printf("%s %.1f files/s\n# %s_s=%.3f files=%ld\n", name, files / s, name, s, files);
	fflush(stdout);
}

static void name_of(char *buf, long i)
{
	snprintf(buf, 9, "F%07ld", i);
}

int main(int argc, char **argv)
{
	long files = argc > 2 ? atol(argv[2]) : 100000, i, seen = 0;
	char path[1024], name[16];
	struct dirent *e;
	double t;
	DIR *d;
	int fd, f;

	if (argc < 2 || files < 1 || files > 9999999) {
		fprintf(stderr, "usage: manyfiles DIR [FILES (1-9999999)]\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/many", argv[1]);
	if (mkdir(path, 0755) != 0)
		fail("mkdir", path);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		fail("open", path);

	t = now_s();
	for (i = 0; i < files; i++) {
		name_of(name, i);
		f = openat(fd, name, O_CREAT | O_EXCL | O_RDONLY, 0644);
		if (f < 0 || close(f) != 0)
			fail("create", name);
	}
	report("create", files, now_s() - t);

	t = now_s();
	d = opendir(path);
	if (!d)
		fail("opendir", path);
	while ((errno = 0, e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_name[0] != 'F' || strlen(e->d_name) != 8 || atol(e->d_name + 1) >= files)
			fail("unexpected name", e->d_name);
		seen++;
	}
	if (errno)
		fail("readdir", path);
	closedir(d);
	report("list", files, now_s() - t);
	if (seen != files) {
		fprintf(stderr, "manyfiles: listed %ld files, expected %ld\n", seen, files);
		return 1;
	}

	t = now_s();
	for (i = 0; i < files; i++) {
		name_of(name, i);
		if (unlinkat(fd, name, 0) != 0)
			fail("unlink", name);
	}
	report("delete", files, now_s() - t);
	close(fd);
	if (rmdir(path) != 0)
		fail("rmdir", path);
	printf("# manyfiles done\n");
	return 0;
}

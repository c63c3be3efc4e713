/*
 * Folders of any size. "folders tmp" fills one /tmp folder with 100 000
 * files; "folders fat" fills a folder of the FAT root disk up to the 65 534
 * files a FAT directory can hold (65 536 entries less "." and ".."), then
 * expects ENOSPC, checks names that differ only in case, and leaves a
 * folder of long names for tests/integration/folders.sh to compare with
 * mtools. Each run stats random files, lists the folder (every name
 * exactly once), renames and unlinks in the middle, and deletes it all.
 *
 * That time per file does not grow is checked without trusting any one
 * timing: the same small probe (create, stat and unlink 500 files) runs
 * five times in the empty folder and five times in the full one, and the
 * fastest run of each is compared. A folder searched entry by entry makes
 * the second a hundred times slower; the bound allows a factor of 8.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define PROBE 500
#define PROBE_RUNS 5
#define LONG_FILES 15000

static const char *dir;
static int count;
static unsigned char *seen; /* per file: 0 absent, 1 under its name, 2 renamed */

static void path_of(char *buf, int i, int state)
{
	sprintf(buf, "%s/%c%06d", dir, state == 2 ? 'r' : 'f', i);
}

static int create(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);

	return fd >= 0 && close(fd) == 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The fastest of PROBE_RUNS rounds of create, stat and unlink of PROBE
 * files; 0 when one of them fails. */
static double probe(void)
{
	double best = 1e9;
	char path[256];
	struct stat st;

	for (int run = 0; run < PROBE_RUNS; run++) {
		double t = now();
		for (int i = 0; i < PROBE; i++) {
			sprintf(path, "%s/p%06d", dir, i);
			if (!create(path) || stat(path, &st))
				return 0;
		}
		for (int i = 0; i < PROBE; i++) {
			sprintf(path, "%s/p%06d", dir, i);
			if (unlink(path))
				return 0;
		}
		t = now() - t;
		best = t < best ? t : best;
	}
	return best;
}

/* Lists the folder: true when every present file shows exactly once under
 * its current name and nothing else shows. */
static int list_matches(void)
{
	unsigned char *got = calloc(count, 1);
	DIR *d = opendir(dir);
	struct dirent *e;
	int ok = got && d, n;
	char c;

	while (ok && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (sscanf(e->d_name, "%c%d", &c, &n) != 2 || n < 0 || n >= count || got[n] ||
		    (c == 'r') != (seen[n] == 2) || !seen[n])
			ok = 0;
		else
			got[n] = 1;
	}
	for (int i = 0; ok && i < count; i++)
		ok = !seen[i] == !got[i];
	if (d)
		closedir(d);
	free(got);
	return ok;
}

/* Every file is where seen says, for a sample of lookups by name. */
static int lookups_match(unsigned seed, int n)
{
	char path[256];
	struct stat st;

	srand(seed);
	for (int k = 0; k < n; k++) {
		int i = rand() % count;
		path_of(path, i, 1);
		if (!stat(path, &st) != (seen[i] == 1))
			return 0;
		path_of(path, i, 2);
		if (!stat(path, &st) != (seen[i] == 2))
			return 0;
	}
	return 1;
}

static void big_folder(int limit)
{
	char path[256], to[256];
	double empty, full;
	int ok = 1, held;

	CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	/* Held open, a FAT directory is not written through to the disk each
	 * time a change to it lets its last reference go. */
	held = open(dir, O_RDONLY | O_DIRECTORY);
	empty = probe();
	for (int i = 0; i < count && ok; i++) {
		path_of(path, i, 1);
		ok = create(path);
		seen[i] = 1;
	}
	CHECK(ok, "%d files created in %s", count, dir);
	if (limit) {
		path_of(path, count, 1);
		CHECK(open(path, O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOSPC,
		      "file %d: ENOSPC, the directory is full", count + 1);
		sprintf(path, "%s/sub", dir);
		CHECK(mkdir(path, 0755) == -1 && errno == ENOSPC, "mkdir in the full directory: ENOSPC");
		/* Room for the probe: the last PROBE files go. */
		for (int i = count - PROBE; i < count; i++) {
			path_of(path, i, 1);
			ok &= unlink(path) == 0;
			seen[i] = 0;
		}
		CHECK(ok, "the last %d files unlinked", PROBE);
	}
	CHECK(lookups_match(1, 20000), "20000 random files stat as created");
	full = probe();
	CHECK(empty > 0 && full > 0 && full < 8 * empty,
	      "a probe in the full folder costs about what it costs in the empty one (%.3f s, %.3f s)",
	      full, empty);
	CHECK(list_matches(), "the listing shows every file exactly once");
	for (int i = 3; i < count; i += 7) {
		if (!seen[i])
			continue;
		path_of(path, i, 1);
		path_of(to, i, 2);
		ok &= rename(path, to) == 0;
		seen[i] = 2;
	}
	for (int i = 5; i < count; i += 11) {
		if (!seen[i])
			continue;
		path_of(path, i, seen[i]);
		ok &= unlink(path) == 0;
		seen[i] = 0;
	}
	CHECK(ok, "every 7th file renamed and every 11th unlinked");
	CHECK(lookups_match(2, 20000), "lookups after renames and unlinks find what is there");
	CHECK(list_matches(), "the listing after renames and unlinks is exact");
	for (int i = 0; i < count; i++) {
		if (!seen[i])
			continue;
		path_of(path, i, seen[i]);
		ok &= unlink(path) == 0;
		seen[i] = 0;
	}
	CHECK(ok && list_matches(), "every file deleted, the listing is empty");
	close(held);
	CHECK(rmdir(dir) == 0, "the empty folder is removed");
}

/* Names that differ only in case are one name on FAT, as on Linux vfat. */
static void fat_case(void)
{
	struct stat st;
	char name[256] = "";
	DIR *d;
	struct dirent *e;

	mkdir("/case", 0755);
	CHECK(create("/case/Mixed Case.txt"), "create 'Mixed Case.txt'");
	CHECK(open("/case/MIXED CASE.TXT", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 &&
		      errno == EEXIST,
	      "O_EXCL in another case: EEXIST");
	CHECK(stat("/case/mixed case.txt", &st) == 0, "stat in another case finds it");
	CHECK(rename("/case/mixed case.txt", "/case/MIXED case.TXT") == 0,
	      "rename to another case");
	d = opendir("/case");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(name, sizeof(name), "%s", e->d_name);
	if (d)
		closedir(d);
	CHECK(!strcmp(name, "MIXED case.TXT"), "the listing shows the new case (%s)", name);
	CHECK(create("/case/short") && stat("/case/SHORT", &st) == 0, "short names ignore case");
	CHECK(unlink("/case/Mixed Case.TXT") == 0 && unlink("/case/SHORT") == 0 &&
		      stat("/case/MIXED case.TXT", &st) == -1 && errno == ENOENT,
	      "unlink in another case removes the file");
}

/* A folder of long names whose short forms all share one basis, left on
 * the disk for the host to list. */
static void long_names(void)
{
	char path[256];
	int ok = mkdir("/long", 0755) == 0, held = open("/long", O_RDONLY | O_DIRECTORY);

	for (int i = 0; i < LONG_FILES && ok; i++) {
		sprintf(path, "/long/Long file name %05d.txt", i);
		ok = create(path);
	}
	for (int i = 0; i < LONG_FILES && ok; i += 10) {
		sprintf(path, "/long/Long file name %05d.txt", i);
		ok = unlink(path) == 0;
	}
	for (int i = 1; i < LONG_FILES && ok; i += 10) {
		char to[256];
		sprintf(path, "/long/Long file name %05d.txt", i);
		sprintf(to, "/long/Renamed %05d.txt", i);
		ok = rename(path, to) == 0;
	}
	CHECK(ok, "%d long names created, a tenth unlinked, a tenth renamed", LONG_FILES);
	close(held);
}

int main(int argc, char **argv)
{
	int fat = argc > 1 && !strcmp(argv[1], "fat");

	dir = fat ? "/big" : "/tmp/big";
	count = fat ? 65534 : 100000;
	seen = calloc(count + 1, 1);
	big_folder(fat);
	if (fat) {
		fat_case();
		long_names();
	}
	return tap_done();
}

/*
 * A stress test of the FAT file system on a big disk, driven by
 * tests/integration/disk-stress.sh and tests/integration/crash.sh.
 *
 * With no argument: 2000 creates, with renames (some replacing a file)
 * and deletes in between, across four directories, checked against a
 * model kept in memory and listed in /churn/manifest.txt for the host;
 * then two threads write a 64 MiB file each at the same time, and read
 * them back and compare. Prints TAP, and the speeds as "# " comments.
 *
 * With "crash": writes /synced/NNNNN.dat files, each fsync'ed and closed
 * before "synced NAME" goes to standard output, until the disk is full
 * (the host kills the machine long before), while a second thread keeps
 * changing /scratch without syncing. The host checks that every file
 * reported survives the kill.
 *
 * The contents come from generators the host scripts repeat in Python:
 * small files are byte i = (i * 7 + id * 13) % 251; the big files are
 * 16-byte lines, letter 'A' + k, the line number in 14 hex digits, '\n'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define NDIRS 4
#define CREATES 2000
#define MAXLIVE 400
#define BIG_SIZE (64L << 20)

static const char *const dirs[NDIRS] = {
	"/churn/Dir A", "/churn/dir_b", "/churn/Ünïcödé 目录", "/churn/D4",
};

static uint64_t rng = 0x9e3779b97f4a7c15;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int failures;

/* Reports one failed step as a comment; the TAP line counts them. */
static void fail(const char *what, const char *path)
{
	if (failures++ < 10)
		printf("# %s %s: %s\n", what, path, strerror(errno));
}

static void small_fill(unsigned char *buf, unsigned id, size_t size)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)((i * 7 + id * 13) % 251);
}

/* Writes file id of size bytes at path in one write; 0 on success. */
static int small_write(const char *path, unsigned id, size_t size, int do_fsync)
{
	unsigned char *buf = malloc(size + 1);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	int err = !buf || fd < 0;

	if (!err) {
		small_fill(buf, id, size);
		err = write(fd, buf, size) != (ssize_t)size || (do_fsync && fsync(fd));
	}
	free(buf);
	if (fd >= 0)
		err |= close(fd) != 0;
	return err ? -1 : 0;
}

/* Whether path holds exactly file id of size bytes. */
static int small_check(const char *path, unsigned id, size_t size)
{
	static unsigned char want[8192], got[8192];
	int fd = open(path, O_RDONLY);

	if (fd < 0 || size > sizeof(want))
		return 0;
	ssize_t n = read(fd, got, sizeof(got));
	close(fd);
	small_fill(want, id, size);
	return n == (ssize_t)size && !memcmp(got, want, size);
}

/* The metadata churn. */

struct live {
	int dir;
	unsigned id;
	size_t size;
	char name[96];
};

static struct live live[MAXLIVE];
static int nlive;
static unsigned next_name;

static void make_name(char *name, size_t cap)
{
	unsigned k = next_name++;

	switch (k % 5) {
	case 0: snprintf(name, cap, "f%u.txt", k); break;
	case 1: snprintf(name, cap, "F%05u.DAT", k); break;
	case 2: snprintf(name, cap, "A long file name, number %u.data", k); break;
	case 3: snprintf(name, cap, "ünï-%u-名前.bin", k); break;
	default: snprintf(name, cap, "Mixed Case %u.Txt", k); break;
	}
}

static void path_of(char *path, size_t cap, const struct live *l)
{
	snprintf(path, cap, "%s/%s", dirs[l->dir], l->name);
}

static void churn_create(unsigned id)
{
	struct live *l = &live[nlive];
	char path[256];

	l->dir = rnd(NDIRS);
	l->id = id;
	l->size = rnd(8) ? rnd(6000) : 0;
	make_name(l->name, sizeof(l->name));
	path_of(path, sizeof(path), l);
	if (small_write(path, l->id, l->size, 0))
		fail("create", path);
	nlive++;
}

static void churn_delete(int i)
{
	char path[256];

	path_of(path, sizeof(path), &live[i]);
	if (unlink(path))
		fail("unlink", path);
	live[i] = live[--nlive];
}

/* Moves file i to a new name, or onto file j (which it replaces). */
static void churn_rename(int i, int j)
{
	char from[256], to[256];
	struct live *l = &live[i];

	path_of(from, sizeof(from), l);
	if (j >= 0) {
		path_of(to, sizeof(to), &live[j]);
		l->dir = live[j].dir;
		strcpy(l->name, live[j].name);
	} else {
		l->dir = rnd(NDIRS);
		make_name(l->name, sizeof(l->name));
		path_of(to, sizeof(to), l);
	}
	if (rename(from, to))
		fail("rename to", to);
	if (j >= 0) {
		live[j] = *l;
		live[i] = live[--nlive];
	}
}

/* Whether each directory lists exactly the files of the model. */
static int churn_listing_matches(void)
{
	int seen = 0;

	for (int d = 0; d < NDIRS; d++) {
		DIR *dp = opendir(dirs[d]);
		struct dirent *e;

		if (!dp)
			return 0;
		while ((e = readdir(dp))) {
			int found = 0;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			for (int i = 0; i < nlive && !found; i++)
				found = live[i].dir == d && !strcmp(live[i].name, e->d_name);
			if (!found)
				printf("# %s/%s: listed but not in the model\n", dirs[d], e->d_name);
			seen += found;
		}
		closedir(dp);
	}
	return seen == nlive;
}

static void churn(void)
{
	unsigned creates = 0, renames = 0, replaces = 0, deletes = 0;
	char path[256];
	double t0 = now();

	CHECK(mkdir("/churn", 0755) == 0, "mkdir /churn");
	int ok = 1;
	for (int d = 0; d < NDIRS; d++)
		ok &= mkdir(dirs[d], 0755) == 0;
	CHECK(ok, "mkdir of %d directories, one with a Unicode name", NDIRS);

	while (creates < CREATES) {
		unsigned r = rnd(100);

		if (nlive < 20 || (r < 50 && nlive < MAXLIVE)) {
			churn_create(creates++);
		} else if (r < 80) {
			int i = rnd(nlive), j = rnd(nlive);

			if (r < 58 && i != j) {
				churn_rename(i, j);
				replaces++;
			} else {
				churn_rename(i, -1);
			}
			renames++;
		} else {
			churn_delete(rnd(nlive));
			deletes++;
		}
	}
	double t = now() - t0;
	CHECK(failures == 0, "%u creates, %u renames (%u onto an existing file), %u deletes: no call fails",
	      creates, renames, replaces, deletes);
	printf("# churn: %u operations in %.1f s\n", creates + renames + deletes, t);

	CHECK(churn_listing_matches(), "the directories list exactly the %d live files", nlive);
	ok = 1;
	for (int i = 0; i < nlive; i++) {
		path_of(path, sizeof(path), &live[i]);
		if (!small_check(path, live[i].id, live[i].size)) {
			printf("# %s: wrong content\n", path);
			ok = 0;
		}
	}
	CHECK(ok, "every live file has its content");

	FILE *m = fopen("/churn/manifest.txt", "w");
	for (int i = 0; m && i < nlive; i++)
		fprintf(m, "%s/%s\t%u\t%zu\n", dirs[live[i].dir] + 7, live[i].name, live[i].id, live[i].size);
	CHECK(m && fclose(m) == 0, "/churn/manifest.txt written for the host");
}

/* The two big files. */

static void big_fill(unsigned char *buf, int k, long off, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char line[16];
	long l = off / 16;
	size_t done = 0, skip = (size_t)(off % 16);

	while (done < len) {
		line[0] = (char)('A' + k);
		for (int d = 0; d < 14; d++)
			line[14 - d] = hex[(l >> (4 * d)) & 15];
		line[15] = '\n';
		size_t n = 16 - skip < len - done ? 16 - skip : len - done;
		memcpy(buf + done, line + skip, n);
		done += n;
		skip = 0;
		l++;
	}
}

struct big {
	int k;
	int ok;
	char path[64];
};

/*
 * Chunk sizes that are not all multiples of the sector or cluster size.
 * Writes are large: each growing write costs a walk of the chain.
 */
static size_t write_chunk(int i)
{
	static const size_t sizes[] = { 4 << 20, 1, 4096, (2 << 20) + 7, 511, 300000, 1 << 20, 12345 };

	return sizes[i % 8];
}

static size_t read_chunk(int i)
{
	static const size_t sizes[] = { 1 << 20, 4096, 1, 65536 + 7, 511, 300000, 131072, 12345 };

	return sizes[i % 8];
}

static void *big_write(void *arg)
{
	struct big *b = arg;
	unsigned char *buf = malloc(4 << 20);
	int fd = open(b->path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	b->ok = buf && fd >= 0;
	for (long off = 0, i = b->k; b->ok && off < BIG_SIZE; i++) {
		size_t n = write_chunk((int)i);

		if (n > (size_t)(BIG_SIZE - off))
			n = (size_t)(BIG_SIZE - off);
		big_fill(buf, b->k, off, n);
		if (write(fd, buf, n) != (ssize_t)n) {
			printf("# %s: write at %ld: %s\n", b->path, off, strerror(errno));
			b->ok = 0;
		}
		off += (long)n;
	}
	b->ok = b->ok && fsync(fd) == 0 && close(fd) == 0;
	free(buf);
	return NULL;
}

static void *big_read(void *arg)
{
	struct big *b = arg;
	unsigned char *got = malloc(1 << 20), *want = malloc(1 << 20);
	int fd = open(b->path, O_RDONLY);
	long off = 0;

	b->ok = got && want && fd >= 0;
	for (int i = b->k + 3; b->ok && off < BIG_SIZE; i++) {
		size_t n = read_chunk(i);
		ssize_t r = read(fd, got, n);

		if (r <= 0) {
			printf("# %s: read at %ld returns %zd\n", b->path, off, r);
			b->ok = 0;
			break;
		}
		big_fill(want, b->k, off, (size_t)r);
		if (memcmp(got, want, (size_t)r)) {
			size_t d = 0;
			while (got[d] == want[d])
				d++;
			printf("# %s: first difference at byte %ld\n", b->path, off + (long)d);
			b->ok = 0;
		}
		off += r;
	}
	b->ok = b->ok && off == BIG_SIZE && read(fd, got, 1) == 0 && close(fd) == 0;
	free(got);
	free(want);
	return NULL;
}

/* Runs fn on both files at once; the rate of the two together in MiB/s. */
static double both(void *(*fn)(void *), struct big *b)
{
	pthread_t t;
	double t0 = now();

	pthread_create(&t, NULL, fn, &b[1]);
	fn(&b[0]);
	pthread_join(t, NULL);
	return 2.0 * (BIG_SIZE >> 20) / (now() - t0);
}

static void big_files(void)
{
	struct big b[2] = { { .k = 0 }, { .k = 1 } };
	struct stat st;

	CHECK(mkdir("/big", 0755) == 0, "mkdir /big");
	for (int k = 0; k < 2; k++)
		snprintf(b[k].path, sizeof(b[k].path), "/big/pattern %d.dat", k);
	double w = both(big_write, b);
	CHECK(b[0].ok && b[1].ok, "two threads write 64 MiB each at once, fsync and close");
	printf("# write: %.1f MiB/s (two files at once)\n", w);
	CHECK(stat(b[1].path, &st) == 0 && st.st_size == BIG_SIZE, "the size is 64 MiB");
	double r = both(big_read, b);
	CHECK(b[0].ok && b[1].ok, "two threads read both files back: byte-identical");
	printf("# read: %.1f MiB/s (two files at once)\n", r);
}

/* The crash mode. */

static size_t crash_size(unsigned i)
{
	return i % 5 == 4 ? 0 : (i * 104729u) % 250000u;
}

/*
 * Keeps the block cache full of unsynced changes: writes into a file it
 * never closes, cuts it back now and then, and renames a file to and fro
 * (only fsync, close of a written file, sync and exit flush).
 */
static void *scratch(void *arg)
{
	static unsigned char buf[16384];
	int fd = open("/scratch/open file.tmp", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	int other = open("/scratch/a.tmp", O_CREAT | O_WRONLY, 0644);

	(void)arg;
	if (fd < 0 || other < 0 || close(other)) {
		perror("/scratch");
		return NULL;
	}
	for (unsigned i = 0;; i++) {
		memset(buf, (int)i, sizeof(buf));
		if (i % 64 == 63)
			ftruncate(fd, 0), lseek(fd, 0, SEEK_SET);
		else
			write(fd, buf, sizeof(buf));
		if (i % 8 == 0)
			rename(i % 16 ? "/scratch/b.tmp" : "/scratch/a.tmp",
			       i % 16 ? "/scratch/a.tmp" : "/scratch/b.tmp");
	}
	return NULL;
}

static int crash(void)
{
	pthread_t t;
	char path[64];

	if (mkdir("/synced", 0755) || mkdir("/scratch", 0755)) {
		perror("mkdir");
		return 1;
	}
	pthread_create(&t, NULL, scratch, NULL);
	for (unsigned i = 0;; i++) {
		snprintf(path, sizeof(path), "/synced/%05u.dat", i);
		if (small_write(path, i, crash_size(i), 1)) {
			perror(path);
			return 1;
		}
		printf("synced %s\n", path);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "crash"))
		return crash();
	churn();
	big_files();
	sync();
	return tap_done();
}

/*
 * Workloads on a host folder shared over virtio-9p (unishyper-run
 * --share), the guest half of tests/integration/share.sh with share.c
 * (which tests the file system calls one by one): share.sh prepares the
 * host folders, boots this program once per mode and checks on the host
 * what it did.
 *
 *   sharestress threads DIR N  N threads write and read back files at once
 *   sharestress vanish DIR     share.sh changes DIR, then deletes it, each
 *                              time while this waits for a line on stdin:
 *                              the changes show at once, then every call
 *                              fails cleanly
 *   sharestress copy SRC DST   copies a tree (getdents64) for share.sh to hash
 *   sharestress gen DIR        writes a generated tree and prints "hash FNV
 *                              SIZE PATH" lines that share.sh recomputes
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "share.h"

struct worker {
	pthread_t t;
	int id, ok;
};

#define PER_THREAD 16
#define BLOCK	   32768

static int common_fd, nthreads; /* common.bin, written by all threads at once */

/* Block b of common.bin: pattern b. */
static int put_block(int b)
{
	unsigned char *buf = malloc(BLOCK);
	int ok = buf != NULL;

	for (long i = 0; ok && i < BLOCK; i++)
		buf[i] = pattern(b, i);
	ok = ok && pwrite(common_fd, buf, BLOCK, (off_t)b * BLOCK) == BLOCK;
	free(buf);
	return ok;
}

static int block_ok(int b)
{
	unsigned char *buf = malloc(BLOCK);
	int ok = buf && pread(common_fd, buf, BLOCK, (off_t)b * BLOCK) == BLOCK;

	for (long i = 0; ok && i < BLOCK; i++)
		ok = buf[i] == pattern(b, i);
	free(buf);
	return ok;
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	char path[512], text[64];

	snprintf(path, sizeof(path), "%s/t%d", dir, w->id);
	w->ok = mkdir(path, 0755) == 0;
	for (int j = 0; j < PER_THREAD; j++) {
		int n = w->id * PER_THREAD + j;
		long size = 1000 + (n * 7919L) % 90000;
		snprintf(path, sizeof(path), "%s/t%d/f%02d", dir, w->id, j);
		w->ok &= write_pattern(path, n, size) && check_pattern(path, n, size);
		snprintf(path, sizeof(path), "%s/shared/t%d-%02d", dir, w->id, j);
		snprintf(text, sizeof(text), "thread %d file %d\n", w->id, j);
		w->ok &= put(path, text);
		w->ok &= put_block(j * nthreads + w->id) && block_ok(j * nthreads + w->id);
	}
	for (int j = 0; j < PER_THREAD; j++) {
		snprintf(path, sizeof(path), "%s/shared/t%d-%02d", dir, w->id, j);
		snprintf(text, sizeof(text), "thread %d file %d\n", w->id, j);
		w->ok &= has(path, text);
	}
	return NULL;
}

static void mode_threads(int n)
{
	struct worker w[16];
	char want[16 * PER_THREAD * 8] = "";

	if (n < 1 || n > 16)
		n = 4;
	TRY(mkdir(at("shared"), 0755) == 0, "mkdir shared");
	nthreads = n;
	common_fd = open(at("common.bin"), O_CREAT | O_RDWR, 0644);
	TRY(common_fd >= 0, "common.bin, one descriptor for every thread");
	for (int i = 0; i < n; i++) {
		w[i].id = i;
		CHECK(pthread_create(&w[i].t, NULL, worker, &w[i]) == 0, "thread %d starts", i);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		CHECK(w[i].ok,
		      "thread %d wrote and read back its %d files, its shared ones and its blocks",
		      i, PER_THREAD);
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < PER_THREAD; j++)
			sprintf(want + strlen(want), "%st%d-%02d", i || j ? "|" : "", i, j);
	TRY(lists(at("shared"), 512, want), "the shared directory lists every thread's files once");
	int same = 1;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < PER_THREAD; j++) {
			int k = i * PER_THREAD + j;
			same &= check_pattern(at("t%d/f%02d", i, j), k, 1000 + (k * 7919L) % 90000);
		}
	TRY(same, "after the join, every file reads back");
	same = 1;
	for (int b = 0; b < n * PER_THREAD; b++)
		same &= block_ok(b);
	struct stat st;
	TRY(same && fstat(common_fd, &st) == 0 && st.st_size == (off_t)n * PER_THREAD * BLOCK &&
		close(common_fd) == 0,
	    "common.bin holds every thread's blocks");
}

static int err_ok(long r)
{
	int e = errno;

	printf("#   -> %ld, errno %d (%s)\n", r, r < 0 ? e : 0, r < 0 ? strerror(e) : "-");
	return r == -1 && e != 0;
}

static void mode_vanish(void)
{
	char line[64], buf[64];
	struct stat st;

	TRY(has(at("file.txt"), "here\n") && lists(dir, 4096, "file.txt|sub/"),
	    "the share is there");
	int fd = open(at("file.txt"), O_RDONLY), dfd = open(at("sub"), O_RDONLY | O_DIRECTORY);
	TRY(fd >= 0 && dfd >= 0, "a file and a directory held open");
	printf("# ready 1\n");
	fflush(stdout);
	TRY(fgets(line, sizeof(line), stdin) != NULL,
	    "the host's line arrives (it changed the share)");
	TRY(has(at("file.txt"), "changed on the host\n") && stat(at("file.txt"), &st) == 0 &&
		st.st_size == 20,
	    "the host's new content and size are seen at once");
	TRY(pread(fd, buf, sizeof(buf), 0) == 20 && !memcmp(buf, "changed on the host\n", 20) &&
		fstat(fd, &st) == 0 && st.st_size == 20,
	    "and through the descriptor opened before");
	TRY(lists(dir, 4096, "file.txt|new.txt|sub/") && has(at("new.txt"), "new\n"),
	    "a file the host added");
	printf("# ready 2\n");
	fflush(stdout);
	TRY(fgets(line, sizeof(line), stdin) != NULL,
	    "the host's line arrives (the folder is gone now)");

	CHECK(err_ok(open(at("file.txt"), O_RDONLY)), "open of a file: an error");
	CHECK(err_ok(stat(at("file.txt"), &st)), "stat of a file: an error");
	CHECK(err_ok(stat(at("sub"), &st)), "stat of a directory: an error");
	CHECK(err_ok(open(at("sub"), O_RDONLY | O_DIRECTORY)), "opening a directory: an error");
	CHECK(err_ok(open(at("new"), O_CREAT | O_WRONLY, 0644)), "create: an error");
	CHECK(err_ok(mkdir(at("newdir"), 0755)), "mkdir: an error");
	CHECK(err_ok(unlink(at("file.txt"))), "unlink: an error");
	CHECK(err_ok(rename(at("file.txt"), at("x"))), "rename: an error");
	CHECK(err_ok(symlink("file.txt", at("l"))), "symlink: an error");
	char *l = list_at(AT_FDCWD, dir, 4096);
	printf("#   %s lists %s\n", dir, l ? l : "(error)");
	CHECK(!l || !*l, "the share's root lists nothing (or fails)");
	free(l);
	long r = read(fd, buf, sizeof(buf));
	printf("#   read from the open file: %ld\n", r);
	r = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
	printf("#   getdents64 of the open directory: %ld\n", r);
	close(fd);
	close(dfd);
	struct statfs sf;
	r = statfs(dir, &sf);
	printf("#   statfs: %ld\n", r);
	CHECK(1, "the program is still running after every call");
}

static long files_copied, dirs_copied, bytes_copied;

/* Copies the tree src into the existing directory dst; returns the number
 * of things that failed. */
static int copy_tree(const char *src, const char *dst)
{
	static char data[256 << 10];
	char buf[4096], from[1024], to[1024];
	int fd = open(src, O_RDONLY | O_DIRECTORY), bad = 0;
	long r = 0;

	if (fd < 0) {
		printf("# open %s: errno %d\n", src, errno);
		return 1;
	}
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long p = 0; p < r;) {
			struct dent64 *d = (struct dent64 *)(buf + p);
			struct stat st;
			int type = d->type;
			p += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			snprintf(from, sizeof(from), "%s/%s", src, d->name);
			snprintf(to, sizeof(to), "%s/%s", dst, d->name);
			if (type == DT_UNKNOWN)
				type = lstat(from, &st)	     ? DT_UNKNOWN
				       : S_ISDIR(st.st_mode) ? DT_DIR
							     : DT_REG;
			if (type == DT_DIR) {
				if (mkdir(to, 0755)) {
					printf("# mkdir %s: errno %d\n", to, errno);
					bad++;
					continue;
				}
				dirs_copied++;
				bad += copy_tree(from, to);
				continue;
			}
			int in = open(from, O_RDONLY),
			    out = open(to, O_CREAT | O_EXCL | O_WRONLY, 0644);
			long n = -1;
			while (in >= 0 && out >= 0 && (n = read(in, data, sizeof(data))) > 0 &&
			       write(out, data, (size_t)n) == n)
				bytes_copied += n;
			int failed = in < 0 || out < 0 || n != 0;
			if (in >= 0)
				failed |= close(in) != 0;
			if (out >= 0)
				failed |= close(out) != 0;
			if (failed) {
				printf("# copy %s: errno %d\n", from, errno);
				bad++;
			}
			files_copied++;
		}
	if (r < 0) {
		printf("# getdents64 %s: errno %d\n", src, errno);
		bad++;
	}
	close(fd);
	return bad;
}

static void mode_copy(const char *src, const char *dst)
{
	TRY(copy_tree(src, dst) == 0, "copied %s to %s: %ld files, %ld directories, %ld bytes", src,
	    dst, files_copied, dirs_copied, bytes_copied);
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

#define FNV_START 0xcbf29ce484222325ull

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define GEN_FILES 120

static void mode_gen(void)
{
	static unsigned char data[80000];
	uint64_t seed = 42, hashes[GEN_FILES];
	long sizes[GEN_FILES];
	char path[512];
	int ok = mkdir(at("gen"), 0755) == 0;

	for (int d = 0; d < 6; d++) {
		ok &= mkdir(at("gen/d%d", d), 0755) == 0;
		for (int s = 0; s < 3; s++)
			ok &= mkdir(at("gen/d%d/s%d", d, s), 0755) == 0;
	}
	ok &= mkdir(at("gen/empty"), 0755) == 0;
	TRY(ok, "25 directories made");
	ok = 1;
	for (int f = 0; f < GEN_FILES; f++) {
		long size = (long)(splitmix(&seed) % 65536);
		if (f == 1)
			size = 0;
		else if (f == 2)
			size = 4096;
		else if (f % 40 == 0)
			size = (1 << 20) + f;
		uint64_t s = (uint64_t)f * 1000003, h = FNV_START, word = 0;
		snprintf(path, sizeof(path), "%s/gen/d%d/s%d/file-%03d.bin", dir, f % 6, f / 6 % 3,
			 f);
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		ok &= fd >= 0;
		for (long done = 0, i = 0; fd >= 0 && done < size;) {
			long k = (long)(splitmix(&seed) % sizeof(data)) + 1;
			if (k > size - done)
				k = size - done;
			for (long j = 0; j < k; j++, i++) {
				if (i % 8 == 0)
					word = splitmix(&s);
				data[j] = (unsigned char)(word >> (i % 8 * 8));
			}
			h = fnv1a(h, data, (size_t)k);
			ok &= write(fd, data, (size_t)k) == k;
			done += k;
		}
		if (fd >= 0)
			ok &= close(fd) == 0;
		hashes[f] = h;
		sizes[f] = size;
		printf("hash %016llx %ld gen/d%d/s%d/file-%03d.bin\n", (unsigned long long)h, size,
		       f % 6, f / 6 % 3, f);
	}
	TRY(ok, "%d files written with generated content", GEN_FILES);
	int same = 1;
	for (int f = 0; f < GEN_FILES; f++) {
		snprintf(path, sizeof(path), "%s/gen/d%d/s%d/file-%03d.bin", dir, f % 6, f / 6 % 3,
			 f);
		int fd = open(path, O_RDONLY);
		uint64_t h = FNV_START;
		long n, total = 0;
		while (fd >= 0 && (n = read(fd, data, sizeof(data))) > 0) {
			h = fnv1a(h, data, (size_t)n);
			total += n;
		}
		if (fd >= 0)
			close(fd);
		same &= fd >= 0 && h == hashes[f] && total == sizes[f];
	}
	TRY(same, "the guest reads back the hashes it wrote");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[1] : "";

	dir = argc > 2 ? argv[2] : "";
	if (!strcmp(mode, "threads"))
		mode_threads(argc > 3 ? atoi(argv[3]) : 4);
	else if (!strcmp(mode, "vanish"))
		mode_vanish();
	else if (!strcmp(mode, "copy") && argc > 3)
		mode_copy(argv[2], argv[3]);
	else if (!strcmp(mode, "gen"))
		mode_gen();
	else {
		fprintf(stderr, "usage: sharestress threads DIR [N], sharestress vanish|gen DIR, "
				"sharestress copy SRC DST\n");
		return 2;
	}
	return tap_done();
}

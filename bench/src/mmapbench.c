/*
 * mmapbench.c - a large file read with read() against the same file
 * mapped and touched (bench/mmap.sh, section (o) of bench/run.sh); one
 * source for Unishyper, the Linux microVM and the host.
 *
 *   mmapbench DIR MIB [write]
 *
 * With `write` it creates DIR/mmapbench.dat of MIB MiB, whose 8-byte word i
 * holds i * GOLDEN, fsyncs it and prints `mmapbench: wrote mib=MIB`.  The
 * host does this before any guest starts, so that no guest holds the file's
 * pages from having written them.  Without it, in this order:
 *   read   open, read() in 1 MiB chunks into one buffer, each chunk's words
 *          summed, close
 *   mmap   open, mmap(PROT_READ, MAP_PRIVATE) of the whole file, its words
 *          summed (each page faulted in at its first touch), then munmap
 *          and close
 *   touch  a second pass over that mapping before the munmap, its pages now
 *          in place: the summing alone, left out of mmap's time
 * Read first: neither peer's read() fills the cache its faults read from
 * (Unishyper's page cache of mapped files, the Linux guest's page cache
 * under 9p's cache=none), so mmap's faults go to the file too.
 * The sum weighs word i by i + 1, so a page missing, zero or misplaced
 * changes it; it must equal its closed form for every pass, or the
 * program ends with status 1 and a line on standard error.  Each pass
 * prints `RESULT NAME mib=MIB s=SECONDS sum=HEX`; the last line is
 * `# mmapbench done`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK (1 << 20)
#define WORDS_PER_CHUNK (CHUNK / 8)
#define GOLDEN 0x9e3779b97f4a7c15ull

static char path[512];

static void fail(const char *what)
{
	fprintf(stderr, "mmapbench: %s %s: %s\n", what, path, strerror(errno));
	fflush(NULL);
	exit(1);
}

/* the sum of words[k] * (first + k + 1) over n words */
static uint64_t sum_words(const uint64_t *words, uint64_t n, uint64_t first)
{
	uint64_t s = 0;

	for (uint64_t k = 0; k < n; k++)
		s += words[k] * (first + k + 1);
	return s;
}

/* what sum_words gives over the whole file: GOLDEN * sum of i(i+1), i < n,
 * which is GOLDEN * (n-1)n(n+1)/3 (mod 2^64) */
static uint64_t expected_sum(uint64_t n)
{
	unsigned __int128 p = (unsigned __int128)(n - 1) * n * (n + 1) / 3;

	return (uint64_t)p * GOLDEN;
}

static int write_file(uint64_t mib, uint64_t *buf)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		fail("create");
	for (uint64_t c = 0; c < mib; c++) {
		for (uint64_t k = 0; k < WORDS_PER_CHUNK; k++)
			buf[k] = (c * WORDS_PER_CHUNK + k) * GOLDEN;
		if (write(fd, buf, CHUNK) != CHUNK)
			fail("write");
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		fail("fsync");
	printf("mmapbench: wrote mib=%llu\n", (unsigned long long)mib);
	return 0;
}

static void result(const char *name, uint64_t mib, double s, uint64_t sum, uint64_t want)
{
	printf("RESULT %s mib=%llu s=%.4f sum=%016llx\n", name, (unsigned long long)mib, s,
	       (unsigned long long)sum);
	fflush(stdout);
	if (sum != want) {
		fprintf(stderr, "mmapbench: %s: sum %016llx, expected %016llx\n", name,
			(unsigned long long)sum, (unsigned long long)want);
		exit(1);
	}
}

/* the read pass: its sum */
static uint64_t read_pass(uint64_t *buf)
{
	uint64_t sum = 0, first = 0;
	int fd = open(path, O_RDONLY);
	ssize_t got, r;

	if (fd < 0)
		fail("open");
	do {
		/* a 9p read returns at most msize: fill the chunk before summing */
		for (got = 0; got < CHUNK; got += r) {
			r = read(fd, (char *)buf + got, CHUNK - got);
			if (r < 0)
				fail("read");
			if (r == 0)
				break;
		}
		sum += sum_words(buf, got / 8, first);
		first += got / 8;
	} while (got == CHUNK);
	close(fd);
	return sum;
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 2 ? strtoull(argv[2], NULL, 10) : 0, words = mib * WORDS_PER_CHUNK;
	uint64_t *buf = malloc(CHUNK), *map, sum, want;
	struct stat st;
	double t0, t1, t2, t3;
	int fd;

	if (argc < 3 || argc > 4 || mib == 0 || (argc == 4 && strcmp(argv[3], "write"))) {
		fprintf(stderr, "usage: mmapbench DIR MIB [write]\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/mmapbench.dat", argv[1]);
	if (!buf)
		fail("a buffer for");
	if (argc == 4)
		return write_file(mib, buf);
	want = expected_sum(words);

	t0 = now_s();
	sum = read_pass(buf);
	result("read", mib, now_s() - t0, sum, want);

	t0 = now_s();
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		fail("open");
	if ((uint64_t)st.st_size != mib * CHUNK) {
		errno = EINVAL;
		fail("size of");
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		fail("mmap");
	sum = sum_words(map, words, 0);
	t1 = now_s();
	uint64_t again = sum_words(map, words, 0);
	t2 = now_s();
	if (munmap(map, st.st_size) < 0)
		fail("munmap");
	close(fd);
	t3 = now_s();
	result("mmap", mib, (t1 - t0) + (t3 - t2), sum, want);
	result("touch", mib, t2 - t1, again, want);
	printf("# mmapbench done\n");
	return 0;
}

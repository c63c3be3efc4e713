/*
 * streambench.c - the standard-stream throughput benchmark (bench/streams.sh).
 *
 *   streambench in N    reads N bytes from standard input (fewer at its end)
 *   streambench out N   writes N bytes to standard output
 *
 * 64 KiB at a time, as cat does. A terminal (the Linux guest's serial
 * console) is put in raw mode first, so that every byte passes as it is.
 * Then prints "streambench: ready" on standard error, and at the end
 * "streambench: bytes=B ns=T", T the time from the first byte moved to the
 * last, so that a guest's boot is not part of the figure. Exits 0 when all
 * N bytes moved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BUF (64 * 1024)

static char buf[BUF];

static void raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
}

int main(int argc, char **argv)
{
	unsigned long long n = argc > 2 ? strtoull(argv[2], NULL, 10) : 0, done = 0;
	int in = argc > 1 && !strcmp(argv[1], "in");
	struct timespec t0 = { 0 }, t1 = { 0 };
	ssize_t k;

	raw(in ? 0 : 1);
	memset(buf, 'x', sizeof(buf));
	fprintf(stderr, "streambench: ready\n");
	while (done < n) {
		size_t want = n - done < BUF ? (size_t)(n - done) : BUF;
		k = in ? read(0, buf, want) : write(1, buf, want);
		if (k <= 0)
			break;
		if (!done)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		done += (unsigned long long)k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "\nstreambench: bytes=%llu ns=%lld\n", done,
		(long long)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec));
	return done == n ? 0 : 1;
}

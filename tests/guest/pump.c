/*
 * The standard-stream workhorse of tests/integration/streams.sh and of the
 * stream benchmark; also built natively with musl-gcc -static, to compare.
 *
 *   pump cat            copies standard input to standard output
 *   pump count          reads standard input to its end, prints the count
 *   pump gen N [err]    writes N bytes (i * 7 + i / 251) to standard output
 *                       (or standard error)
 *   pump yes            writes "y\n" until a write fails
 *   pump epipe          same, with SIGPIPE ignored: reports the errno
 *
 * Without arguments it does nothing (the guest-test runner boots every
 * test once) and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF (64 * 1024)

static char buf[BUF];

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	ssize_t n;

	if (!strcmp(mode, "cat")) {
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write_all(1, buf, (size_t)n))
				return 1;
		return n < 0;
	}
	if (!strcmp(mode, "count")) {
		unsigned long long total = 0;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			total += (unsigned long long)n;
		printf("%llu\n", total);
		return n < 0;
	}
	if (!strcmp(mode, "gen") && argc > 2) {
		unsigned long long left = strtoull(argv[2], NULL, 10), i = 0;
		int fd = argc > 3 ? 2 : 1;
		while (left) {
			size_t k = left < BUF ? (size_t)left : BUF;
			for (size_t j = 0; j < k; j++, i++)
				buf[j] = (char)(i * 7 + i / 251);
			if (write_all(fd, buf, k))
				return 1;
			left -= k;
		}
		return 0;
	}
	if (!strcmp(mode, "yes") || !strcmp(mode, "epipe")) {
		if (!strcmp(mode, "epipe"))
			signal(SIGPIPE, SIG_IGN);
		while (write(1, "y\n", 2) == 2)
			;
		fprintf(stderr, "write: %s\n", strerror(errno));
		return errno == EPIPE ? 7 : 1;
	}
	return 0;
}

/*
 * pipebench: pipe throughput and ping-pong latency between two threads.
 * usage: pipebench [MIB [ROUNDS]]: MIB MiB through one pipe in 64 KiB
 * writes, then ROUNDS one-byte round trips over two pipes. Prints
 * "pipebench: bytes=B ns=T" and "pipebench: rounds=R ns=T", each timed
 * from the first byte to the last, then "# pipebench done".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int a[2], b[2];
static long mib = 256, rounds = 20000;
static char buf[65536];

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void *sink(void *arg)
{
	static char in[65536];
	while (read(a[0], in, sizeof(in)) > 0)
		;
	return arg;
}

static void *echo(void *arg)
{
	char c;
	while (read(b[0], &c, 1) == 1 && write(a[1], &c, 1) == 1)
		;
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t;
	char c = 'x';

	if (argc > 1)
		mib = atol(argv[1]);
	if (argc > 2)
		rounds = atol(argv[2]);
	if (pipe(a) || pipe(b))
		return 1;
	pthread_create(&t, NULL, sink, NULL);
	long long t0 = now();
	for (long i = 0; i < mib * 16; i++)
		if (write(a[1], buf, sizeof(buf)) != sizeof(buf))
			return 1;
	close(a[1]);
	pthread_join(t, NULL);
	printf("pipebench: bytes=%ld ns=%lld\n", mib * 1048576, now() - t0);
	close(a[0]);
	if (pipe(a))
		return 1;
	pthread_create(&t, NULL, echo, NULL);
	t0 = now();
	for (long i = 0; i < rounds; i++)
		if (write(b[1], &c, 1) != 1 || read(a[0], &c, 1) != 1)
			return 1;
	printf("pipebench: rounds=%ld ns=%lld\n", rounds, now() - t0);
	close(b[1]);
	pthread_join(t, NULL);
	printf("# pipebench done\n");
	return 0;
}

/*
 * epollbench: the cost of epoll_wait over 1000 idle descriptors (both
 * ends of 500 pipes, watched for input that never comes) and 10 ready
 * ones (eventfds holding a count, level-triggered), timeout 0.
 * usage: epollbench [ROUNDS]: 5 passes of ROUNDS calls; prints
 * "RESULT epoll_wait median=NS min=NS" (ns per call), then
 * "# epollbench done". Each call must return the 10 ready descriptors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define IDLE_PIPES 500
#define READY 10
#define PASSES 5

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	int ep = epoll_create1(0);
	struct epoll_event ev[64];
	long long per[PASSES];

	for (int i = 0; i < IDLE_PIPES; i++) {
		int p[2];
		if (pipe(p)) {
			perror("pipe");
			return 1;
		}
		for (int k = 0; k < 2; k++) {
			struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0 };
			epoll_ctl(ep, EPOLL_CTL_ADD, p[k], &e);
		}
	}
	for (int i = 0; i < READY; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = 1 };
		epoll_ctl(ep, EPOLL_CTL_ADD, eventfd(1, 0), &e);
	}
	for (int p = 0; p < PASSES; p++) {
		long long t0 = now();
		for (long r = 0; r < rounds; r++)
			if (epoll_wait(ep, ev, 64, 0) != READY) {
				fprintf(stderr, "epollbench: a call did not return the %d ready\n", READY);
				return 1;
			}
		per[p] = (now() - t0) / rounds;
	}
	qsort(per, PASSES, sizeof(per[0]), cmp);
	printf("RESULT epoll_wait median=%lld min=%lld\n", per[PASSES / 2], per[0]);
	printf("# epollbench done\n");
	return 0;
}

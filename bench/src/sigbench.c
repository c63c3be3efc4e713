/*
 * sigbench.c - signal delivery latency.
 *
 *   sigbench [ROUNDS]                          (default 2000)
 *
 *   kill_self  kill(getpid(), SIGUSR1) with a handler installed: the whole
 *              round trip, from the call to its return after the handler
 *              ran (ns per signal, median of 5 passes of ROUNDS)
 *   timer      a one-shot CLOCK_MONOTONIC timer (SIGEV_SIGNAL) expires
 *              while the program spins without system calls; the handler
 *              reads the clock: ns from the expiry to the handler
 *              (median and minimum of ROUNDS / 20 timers)
 * One line per figure:
 *   RESULT <name> median=<ns> min=<ns> n=<samples>
 * The same source runs as a Unishyper image, in the Linux microVM and
 * natively, so the figures compare directly.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PASSES 5

static volatile long handled;
static volatile double handled_at;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void on_timer(int sig)
{
	(void)sig;
	handled_at = now_s();
	handled++;
}

static void result(const char *name, double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("RESULT %s median=%.0f min=%.0f n=%d\n", name, v[n / 2] * 1e9, v[0] * 1e9, n);
}

static void bench_kill(int rounds)
{
	double v[PASSES];
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	for (int p = 0; p < PASSES; p++) {
		double t0 = now_s();
		for (int i = 0; i < rounds; i++)
			kill(getpid(), SIGUSR1);
		v[p] = (now_s() - t0) / rounds;
	}
	result("kill_self", v, PASSES);
}

static void bench_timer(int n)
{
	double *v = malloc(n * sizeof(*v));
	struct sigaction sa = { .sa_handler = on_timer };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct timespec now;
	timer_t id;

	sigaction(SIGALRM, &sa, NULL);
	if (!v || timer_create(CLOCK_MONOTONIC, &ev, &id)) {
		printf("RESULT timer failed\n");
		return;
	}
	for (int i = 0; i < n; i++) {
		long before = handled;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* 2 ms ahead, so the program is spinning when it expires */
		now.tv_nsec += 2000000;
		if (now.tv_nsec >= 1000000000) {
			now.tv_sec++;
			now.tv_nsec -= 1000000000;
		}
		its.it_value = now;
		timer_settime(id, TIMER_ABSTIME, &its, NULL);
		while (handled == before)
			;
		v[i] = handled_at - (now.tv_sec + now.tv_nsec / 1e9);
	}
	timer_delete(id);
	result("timer", v, n);
	free(v);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;

	bench_kill(rounds > 0 ? rounds : 2000);
	bench_timer(rounds / 20 > 0 ? rounds / 20 : 1);
	printf("# sigbench done\n");
	return 0;
}

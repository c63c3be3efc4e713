/*
 * tsckhz.c - host helper: the host TSC rate in kHz.
 *
 * Under TCG a guest's RDTSC reads the host TSC (minus the value it had when
 * QEMU started the virtual CPUs), so the guest TSC runs at this rate.  The
 * Linux guest gets it as tsc_early_khz= instead of calibrating against the
 * emulated PIT, which fails now and then under TCG; bench/run.sh also uses
 * it to turn guest TSC readings into milliseconds.
 *
 * Method: five 50 ms windows of RDTSC against CLOCK_MONOTONIC_RAW; prints
 * the median.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	struct timespec nap = { 0, 50000000 };
	double khz[5];

	for (int i = 0; i < 5; i++) {
		double t0 = now_s();
		unsigned long long c0 = __rdtsc();

		nanosleep(&nap, NULL);
		khz[i] = (__rdtsc() - c0) / (now_s() - t0) / 1e3;
	}
	qsort(khz, 5, sizeof *khz, cmp);
	printf("%.0f\n", khz[2]);
	return 0;
}

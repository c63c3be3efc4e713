/*
 * boottime.c - how long the guest took to reach main, read inside it.
 *
 * Prints, at the top of main, one line
 *   BOOTTIME monotonic_ns=<N> boottime_ns=<N> tsc=<N>
 * In Unishyper CLOCK_MONOTONIC counts from the PVH entry (the TSC read at
 * the first instruction), so monotonic_ns is the time from PVH entry to
 * main.  Linux starts its clocks later, when timekeeping comes up;
 * CLOCK_BOOTTIME at main of init is its nearest figure.  Under TCG the raw
 * TSC counts from the moment QEMU started the virtual CPUs, which gives an
 * outside view that includes the firmware (bench/run.sh converts it with
 * the host TSC rate).  A clock the guest does not offer is printed as -1.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	unsigned long long tsc = __rdtsc();
	long long mono = clock_ns(CLOCK_MONOTONIC);
	long long boot = clock_ns(CLOCK_BOOTTIME);

	printf("BOOTTIME monotonic_ns=%lld boottime_ns=%lld tsc=%llu\n", mono, boot, tsc);
	return 0;
}

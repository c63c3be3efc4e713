/*
 * Clocks from the TSC.
 *
 * CLOCK_MONOTONIC is the TSC since the PVH entry scaled to nanoseconds
 * with a 32.32 fixed-point factor, from a start the command line may give
 * (unishyper.monotonic=: a host command's is the host's); CLOCK_REALTIME adds the wall-clock time
 * at boot: the host's, to the microsecond, when the command line gives it
 * (unishyper.realtime=), else the RTC's whole seconds. A sleeping thread blocks in the scheduler
 * until its deadline, so a CPU with nothing to run halts.
 */
#include <errno.h>

#include <arch/cpu.h>
#include <unishyper/boot.h>
#include <unishyper/sched.h>
#include <unishyper/spinlock.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>

static uint64_t tsc_khz, ns_mult; /* ns = ticks * ns_mult >> 32 */
static uint64_t realtime_base, start_ns;

static uint64_t ticks_to_ns(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * ns_mult) >> 32);
}

int time_init(uint64_t khz, uint64_t start, uint64_t realtime)
{
	if (!khz)
		khz = arch_tsc_khz();
	if (!khz)
		return -ENODEV;
	tsc_khz = khz;
	ns_mult = (1000000ull << 32) / khz;
	start_ns = start;
	uint64_t now = time_ns();
	if (realtime) {
		realtime_base = realtime - now;
	} else {
		int64_t rtc = arch_rtc_seconds();
		realtime_base = rtc > 0 ? (uint64_t)rtc * NSEC_PER_SEC - now : 0;
	}
	return 0;
}

uint64_t time_tsc_khz(void)
{
	return tsc_khz;
}

uint64_t time_since_boot_ns(void)
{
	return ticks_to_ns(rdtsc() - boot_info.tsc0);
}

uint64_t time_ns(void)
{
	return start_ns + time_since_boot_ns();
}

void time_set_realtime(uint64_t ns)
{
	__atomic_store_n(&realtime_base, ns - time_ns(), __ATOMIC_RELAXED);
}

uint64_t time_realtime_ns(void)
{
	return realtime_base + time_ns();
}

int time_sleep_until(uint64_t deadline, bool interruptible)
{
	spinlock_t lock = SPINLOCK_INIT;

	/* Nobody wakes this sleep but its deadline, or a signal. */
	while (time_ns() < deadline) {
		spin_lock_irqsave(&lock);
		if (sched_block(&lock, deadline, interruptible) == -EINTR)
			return -EINTR;
	}
	return 0;
}

bool time_timespec_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NSEC_PER_SEC;
}

uint64_t time_timespec_ns(const struct timespec *ts)
{
	uint64_t ns;

	if (__builtin_mul_overflow((uint64_t)ts->tv_sec, NSEC_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, (uint64_t)ts->tv_nsec, &ns) || ns > INT64_MAX)
		return INT64_MAX;
	return ns;
}

struct timespec time_ns_timespec(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };
}

uint64_t time_after(uint64_t span)
{
	uint64_t now = time_ns();

	return span > UINT64_MAX - now ? UINT64_MAX : now + span;
}

long time_get_timespec(const struct timespec *uts, uint64_t *ns)
{
	struct timespec k;

	if (uaccess_get(k, uts))
		return -EFAULT;
	if (!time_timespec_valid(&k))
		return -EINVAL;
	*ns = time_timespec_ns(&k);
	return 0;
}

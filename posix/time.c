/*
 * Time system calls: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep, clock_nanosleep. CLOCK_MONOTONIC and CLOCK_BOOTTIME count
 * from the PVH entry; CLOCK_REALTIME adds the RTC's time at boot. The
 * CPU-time clocks read the same monotonic time (no per-thread accounting
 * is exported yet). Sleeps are interrupted by signals.
 */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>


static int clock_read(clockid_t clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = time_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE2(clock_gettime, clockid_t, clk, struct timespec *, ts)
{
	uint64_t ns;
	int r = clock_read(clk, &ns);

	if (r)
		return r;
	struct timespec k = time_ns_timespec(ns);

	return uaccess_put(ts, k);
}

SYSCALL_DEFINE2(clock_getres, clockid_t, clk, struct timespec *, ts)
{
	uint64_t ns;
	int r = clock_read(clk, &ns);

	if (r)
		return r;
	struct timespec k = { 0, 1 };

	return ts ? uaccess_put(ts, k) : 0;
}

SYSCALL_DEFINE2(gettimeofday, struct timeval *, tv, void *, tz)
{
	uint64_t ns = time_realtime_ns();

	struct timeval k = { (time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC / 1000) };
	uint64_t zone = 0; /* struct timezone: UTC, no DST */

	if (tz && uaccess_put((uint64_t *)tz, zone))
		return -EFAULT;
	return tv ? uaccess_put(tv, k) : 0;
}

SYSCALL_DEFINE1(time, time_t *, t)
{
	time_t now = (time_t)(time_realtime_ns() / NSEC_PER_SEC);

	return t && uaccess_put(t, now) ? -EFAULT : now;
}

/* Sleeps until the absolute deadline on the monotonic clock. A signal
 * whose handler runs ends the sleep with -EINTR and what was left in rem
 * (if given), SA_RESTART or not, as on Linux; one that runs none does
 * not end it. */
static long sleep_until(uint64_t deadline, struct timespec *rem)
{
	uint64_t now, left;

	do {
		if (!time_sleep_until(deadline, true))
			return 0;
		now = time_ns();
		left = deadline > now ? deadline - now : 0;
	} while (signal_restart(false));
	struct timespec k = time_ns_timespec(left);
	if (rem && uaccess_put(rem, k))
		return -EFAULT;
	return -EINTR;
}

SYSCALL_DEFINE2(nanosleep, const struct timespec *, req, struct timespec *, rem)
{
	uint64_t span, deadline;
	long r = time_get_timespec(req, &span);

	if (r)
		return r;
	if (!uaccess_ok(rem, sizeof(*rem)))
		return -EFAULT;
	if (__builtin_add_overflow(span, time_ns(), &deadline))
		deadline = UINT64_MAX;
	return sleep_until(deadline, rem);
}

SYSCALL_DEFINE4(clock_nanosleep, clockid_t, clk, int, flags, const struct timespec *, req,
		struct timespec *, rem)
{
	uint64_t t, deadline, now;
	long r;

	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((r = clock_read(clk, &now)))
		return r;
	if (clk == CLOCK_PROCESS_CPUTIME_ID)
		return -EOPNOTSUPP;
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	if ((r = time_get_timespec(req, &t)))
		return r;
	if (!(flags & TIMER_ABSTIME) && !uaccess_ok(rem, sizeof(*rem)))
		return -EFAULT;
	/* Turn the request into a deadline on the monotonic clock. */
	if (flags & TIMER_ABSTIME)
		deadline = t > now ? time_ns() + (t - now) : 0;
	else if (__builtin_add_overflow(t, time_ns(), &deadline))
		deadline = UINT64_MAX;
	return sleep_until(deadline, flags & TIMER_ABSTIME ? NULL : rem);
}

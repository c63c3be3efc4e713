/*
 * Time system calls: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep. CLOCK_MONOTONIC and CLOCK_BOOTTIME count from the PVH entry.
 * The CPU-time clocks give the monotonic time: one process, and until
 * threads arrive, one thread that runs from boot.
 */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/vm.h>

#define NSEC 1000000000ull

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
	if (!vm_check(ts, sizeof(*ts), VM_WRITE))
		return -EFAULT;
	ts->tv_sec = (time_t)(ns / NSEC);
	ts->tv_nsec = (long)(ns % NSEC);
	return 0;
}

SYSCALL_DEFINE2(clock_getres, clockid_t, clk, struct timespec *, ts)
{
	uint64_t ns;
	int r = clock_read(clk, &ns);

	if (r)
		return r;
	if (ts) {
		if (!vm_check(ts, sizeof(*ts), VM_WRITE))
			return -EFAULT;
		ts->tv_sec = 0;
		ts->tv_nsec = 1;
	}
	return 0;
}

SYSCALL_DEFINE2(gettimeofday, struct timeval *, tv, void *, tz)
{
	uint64_t ns = time_realtime_ns();

	if (tz) {
		if (!vm_check(tz, 8, VM_WRITE))
			return -EFAULT;
		((int *)tz)[0] = ((int *)tz)[1] = 0;
	}
	if (tv) {
		if (!vm_check(tv, sizeof(*tv), VM_WRITE))
			return -EFAULT;
		tv->tv_sec = (time_t)(ns / NSEC);
		tv->tv_usec = (long)(ns % NSEC / 1000);
	}
	return 0;
}

SYSCALL_DEFINE1(time, time_t *, t)
{
	time_t now = (time_t)(time_realtime_ns() / NSEC);

	if (t) {
		if (!vm_check(t, sizeof(*t), VM_WRITE))
			return -EFAULT;
		*t = now;
	}
	return now;
}

SYSCALL_DEFINE2(nanosleep, const struct timespec *, req, struct timespec *, rem)
{
	if (!vm_check(req, sizeof(*req), VM_READ))
		return -EFAULT;
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= (long)NSEC)
		return -EINVAL;
	if (rem && !vm_check(rem, sizeof(*rem), VM_WRITE))
		return -EFAULT;
	uint64_t now = time_ns(), span;
	if (__builtin_mul_overflow((uint64_t)req->tv_sec, NSEC, &span) ||
	    __builtin_add_overflow(span, (uint64_t)req->tv_nsec + now, &span))
		span = UINT64_MAX;
	time_sleep_until(span);
	return 0;
}

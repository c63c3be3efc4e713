/*
 * Thread system calls: futex. With one thread no waiter can exist, so a
 * wake finds nobody and a wait sleeps until its timeout (or, without one,
 * for good, as Linux would). The SMP issue brings the waiter queues.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/vm.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define NSEC 1000000000ull

SYSCALL_DEFINE6(futex, uint32_t *, uaddr, int, op, uint32_t, val,
		const struct timespec *, ts, uint32_t *, uaddr2, uint32_t, val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

	if ((uintptr_t)uaddr & 3)
		return -EINVAL;
	if (!vm_check(uaddr, 4, VM_READ))
		return -EFAULT;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		uint64_t deadline = UINT64_MAX;
		if (cmd == FUTEX_WAIT_BITSET && !val3)
			return -EINVAL;
		if (*uaddr != val)
			return -EAGAIN;
		if (ts) {
			if (!vm_check(ts, sizeof(*ts), VM_READ))
				return -EFAULT;
			if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC)
				return -EINVAL;
			deadline = (uint64_t)ts->tv_sec * NSEC + (uint64_t)ts->tv_nsec;
			if (cmd == FUTEX_WAIT)
				deadline += time_ns();
			else if (op & FUTEX_CLOCK_REALTIME)
				deadline -= time_realtime_ns() - time_ns();
		}
		time_sleep_until(deadline);
		return -ETIMEDOUT;
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return cmd == FUTEX_WAKE_BITSET && !val3 ? -EINVAL : 0;
	case FUTEX_CMP_REQUEUE:
		if (*uaddr != val3)
			return -EAGAIN;
		/* fall through */
	case FUTEX_REQUEUE:
		(void)uaddr2;
		return 0;
	default:
		return -ENOSYS;
	}
}

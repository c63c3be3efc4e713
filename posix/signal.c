/*
 * Signal dispositions and the signal mask. They are recorded and read back
 * as Linux does, and checked; delivery arrives with threads and timers.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/syscall.h>
#include <unishyper/vm.h>

#define NSIG_MAX 64
#define SIGSET_SIZE 8

/* The kernel's struct sigaction (musl's struct k_sigaction). */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static struct ksigaction actions[NSIG_MAX + 1];
static uint64_t sigmask;

SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct ksigaction *, act,
		struct ksigaction *, old, size_t, size)
{
	if (size != SIGSET_SIZE || sig < 1 || sig > NSIG_MAX)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (act && !vm_check(act, sizeof(*act), VM_READ))
		return -EFAULT;
	if (old && !vm_check(old, sizeof(*old), VM_WRITE))
		return -EFAULT;
	if (old)
		*old = actions[sig];
	if (act)
		actions[sig] = *act;
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, old,
		size_t, size)
{
	const uint64_t unblockable = 1ull << (SIGKILL - 1) | 1ull << (SIGSTOP - 1);

	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (set && !vm_check(set, sizeof(*set), VM_READ))
		return -EFAULT;
	if (old && !vm_check(old, sizeof(*old), VM_WRITE))
		return -EFAULT;
	if (old)
		*old = sigmask;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK:
		sigmask |= *set;
		break;
	case SIG_UNBLOCK:
		sigmask &= ~*set;
		break;
	case SIG_SETMASK:
		sigmask = *set;
		break;
	default:
		return -EINVAL;
	}
	sigmask &= ~unblockable;
	return 0;
}

/*
 * Signals: dispositions (process-wide), masks and pending sets (per
 * thread), and delivery.
 *
 * Delivery is synchronous, in the receiving thread: a signal a thread
 * sends itself runs its handler at once when not blocked; a signal sent
 * to another thread is made pending and interrupts that thread's sleep
 * (futex, nanosleep, poll, console read return -EINTR), and its handler
 * runs as that system call returns, before -EINTR reaches the program.
 * A thread running program code is not interrupted: it sees the signal at
 * its next interrupted sleep or change of mask. Default actions terminate
 * (the machine, as the process, with status 128 + the signal) or ignore.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include <unishyper/console.h>
#include <unishyper/format.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/spinlock.h>
#include <unishyper/syscall.h>
#include <unishyper/vm.h>

#define NSIG_MAX 64
#define SIGSET_SIZE 8
#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
/* Signals whose default action is to do nothing (no job control here). */
#define DEFAULT_IGNORED                                                        \
	(BIT(SIGCHLD) | BIT(SIGCONT) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGSTOP) | \
	 BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))

/* The kernel's struct sigaction (musl's struct k_sigaction). */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static struct ksigaction actions[NSIG_MAX + 1];
static spinlock_t actions_lock = SPINLOCK_INIT;

static _Noreturn void terminate(int sig)
{
	char msg[64];
	int n = ksnprintf(msg, sizeof(msg), "unishyper: terminated by signal %d\n", sig);

	console_write(2, msg, (size_t)n);
	process_exit(128 + sig);
}

/* Runs the handler of sig in the calling thread, as Linux's signal frame
 * and sigreturn would: with sa_mask (and sig) blocked, then the mask the
 * handler left in its ucontext. */
static void run_handler(int sig, const struct ksigaction *a)
{
	struct thread *t = current();
	siginfo_t info;
	ucontext_t uc;

	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = SI_TKILL;
	info.si_pid = 1;
	memset(&uc, 0, sizeof(uc));
	memcpy(&uc.uc_sigmask, &t->sig_blocked, SIGSET_SIZE);
	t->sig_blocked |= a->mask | (a->flags & SA_NODEFER ? 0 : BIT(sig));
	t->sig_blocked &= ~UNBLOCKABLE;
	if (a->flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))a->handler)(sig, &info, &uc);
	else
		((void (*)(int))a->handler)(sig);
	memcpy(&t->sig_blocked, &uc.uc_sigmask, SIGSET_SIZE);
	t->sig_blocked &= ~UNBLOCKABLE;
}

/* Acts on sig in the calling thread, which does not block it. */
static void act(int sig)
{
	unsigned long flags = spin_lock_irqsave(&actions_lock);
	struct ksigaction a = actions[sig];

	if (a.handler != SIG_DFL && a.handler != SIG_IGN && (a.flags & SA_RESETHAND))
		actions[sig].handler = SIG_DFL;
	spin_unlock_irqrestore(&actions_lock, flags);
	if (a.handler == SIG_IGN)
		return;
	if (a.handler == SIG_DFL) {
		if (!(BIT(sig) & DEFAULT_IGNORED))
			terminate(sig);
		return;
	}
	run_handler(sig, &a);
}

void signal_deliver_pending(void)
{
	struct thread *t = current();
	uint64_t ready;

	while ((ready = __atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) & ~t->sig_blocked)) {
		int sig = __builtin_ctzll(ready) + 1;
		__atomic_fetch_and(&t->sig_pending, ~BIT(sig), __ATOMIC_ACQ_REL);
		act(sig);
	}
}

int signal_send(struct thread *t, int sig)
{
	if (sig < 0 || sig > NSIG_MAX)
		return -EINVAL;
	if (!sig)
		return 0;
	__atomic_fetch_or(&t->sig_pending, BIT(sig), __ATOMIC_ACQ_REL);
	if (t == current())
		signal_deliver_pending();
	else
		sched_interrupt(t);
	return 0;
}

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
	struct ksigaction copy = act ? *act : (struct ksigaction){ 0 };
	unsigned long flags = spin_lock_irqsave(&actions_lock);
	struct ksigaction prev = actions[sig];
	if (act)
		actions[sig] = copy;
	spin_unlock_irqrestore(&actions_lock, flags);
	if (old)
		*old = prev;
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, old,
		size_t, size)
{
	struct thread *t = current();

	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (set && !vm_check(set, sizeof(*set), VM_READ))
		return -EFAULT;
	if (old && !vm_check(old, sizeof(*old), VM_WRITE))
		return -EFAULT;
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return -EINVAL;
	uint64_t prev = t->sig_blocked;
	if (set) {
		if (how == SIG_BLOCK)
			t->sig_blocked |= *set;
		else if (how == SIG_UNBLOCK)
			t->sig_blocked &= ~*set;
		else
			t->sig_blocked = *set;
		t->sig_blocked &= ~UNBLOCKABLE;
	}
	if (old)
		*old = prev;
	signal_deliver_pending(); /* what was just unblocked */
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, uint64_t *, set, size_t, size)
{
	struct thread *t = current();

	if (size > SIGSET_SIZE)
		return -EINVAL;
	if (!vm_check(set, size, VM_WRITE))
		return -EFAULT;
	uint64_t pending = t->sig_pending & t->sig_blocked;
	memcpy(set, &pending, size);
	return 0;
}

SYSCALL_DEFINE3(tgkill, int, tgid, int, tid, int, sig)
{
	struct thread *t;

	if (tgid != 1)
		return tgid <= 0 ? -EINVAL : -ESRCH;
	if (tid <= 0)
		return -EINVAL;
	if (!(t = sched_find(tid)))
		return -ESRCH;
	return signal_send(t, sig);
}

SYSCALL_DEFINE2(tkill, int, tid, int, sig)
{
	return sys_tgkill(1, tid, sig, 0, 0, 0);
}

SYSCALL_DEFINE2(kill, int, pid, int, sig)
{
	/* The one process is pid 1; 0 and -1 mean it too. */
	if (pid != 1 && pid != 0 && pid != -1)
		return -ESRCH;
	return signal_send(current(), sig);
}

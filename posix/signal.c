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
 *
 * A fault of the program (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) comes
 * from the exception handler. With a handler installed and the signal not
 * blocked, the faulting thread leaves the exception for
 * signal_enter_fault() on the stack the handler will use (the program's
 * below its red zone, or the alternate stack with SA_ONSTACK), which
 * writes the signal frame there and starts the handler; a fault while
 * doing so, or a blocked or ignored fault signal, takes the default
 * action, as on Linux.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include <arch/signal.h>
#include <unishyper/ksyms.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/spinlock.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>

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

#define RED_ZONE 128
#define MINSIGSTKSZ_LINUX 2048

static const char *const names[32] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSYS] = "SIGSYS", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
};

const char *signal_name(int sig)
{
	return sig > 0 && sig < 32 && names[sig] ? names[sig] : "signal";
}

_Noreturn void signal_terminate(int sig)
{
	panic_printf("unishyper: program terminated by signal %d (%s)\n", sig, signal_name(sig));
	ksyms_backtrace((uintptr_t)__builtin_return_address(0),
			(uintptr_t)__builtin_frame_address(0));
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
			signal_terminate(sig);
		return;
	}
	run_handler(sig, &a);
}

static bool on_altstack(const struct thread *t, uintptr_t sp)
{
	return sp - t->altstack_sp < t->altstack_size;
}

bool signal_fault(struct trap_frame *f, int sig, int code, uintptr_t addr)
{
	struct thread *t = current();
	uintptr_t sp = f->rsp - RED_ZONE;

	if (!t || t->idle || t->sig_delivering || (t->sig_blocked & BIT(sig)))
		return false;
	spin_lock(&actions_lock);
	struct ksigaction a = actions[sig];
	if (a.handler != SIG_DFL && a.handler != SIG_IGN && (a.flags & SA_RESETHAND))
		actions[sig].handler = SIG_DFL;
	spin_unlock(&actions_lock);
	if (a.handler == SIG_DFL || a.handler == SIG_IGN)
		return false;
	if ((a.flags & SA_ONSTACK) && t->altstack_size && !on_altstack(t, f->rsp))
		sp = t->altstack_sp + t->altstack_size;
	t->sig_frame = *f;
	t->sig_handler = a.handler;
	t->sig_flags = a.flags;
	t->sig_mask = a.mask;
	t->sig_fault = sig;
	t->sig_code = code;
	t->sig_addr = addr;
	t->sig_delivering = true;
	arch_signal_redirect(f, sp & ~15ul);
	return true;
}

/* The faulting thread, out of the exception, on the stack the handler
 * will use (see the top): hands it the fault, or ends the run. */
void signal_enter_fault(uintptr_t top)
{
	struct thread *t = current();
	siginfo_t info;
	stack_t ss = { (void *)t->altstack_sp, 0, t->altstack_size };

	memset(&info, 0, sizeof(info));
	info.si_signo = t->sig_fault;
	info.si_code = t->sig_code;
	info.si_addr = (void *)t->sig_addr;
	if (!t->altstack_size)
		ss.ss_flags = SS_DISABLE;
	else if (on_altstack(t, t->sig_frame.rsp))
		ss.ss_flags = SS_ONSTACK;
	arch_signal_start(top, &t->sig_frame, &info, t->sig_handler, t->sig_blocked, &ss);
	t->sig_delivering = false;
	signal_terminate(t->sig_fault); /* the frame could not be written */
}

void signal_fault_started(void)
{
	struct thread *t = current();

	t->sig_blocked |= t->sig_mask | (t->sig_flags & SA_NODEFER ? 0 : BIT(t->sig_fault));
	t->sig_blocked &= ~UNBLOCKABLE;
	t->sig_delivering = false;
}

void signal_set_mask(uint64_t mask)
{
	current()->sig_blocked = mask & ~UNBLOCKABLE;
	signal_deliver_pending();
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
	struct ksigaction copy = { 0 };
	if (act && uaccess_get(copy, act))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&actions_lock);
	struct ksigaction prev = actions[sig];
	if (act)
		actions[sig] = copy;
	spin_unlock_irqrestore(&actions_lock, flags);
	return old ? uaccess_put(old, prev) : 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, old,
		size_t, size)
{
	struct thread *t = current();

	uint64_t prev = t->sig_blocked, want = 0;

	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (set && uaccess_get(want, set))
		return -EFAULT;
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return -EINVAL;
	if (old && uaccess_put(old, prev))
		return -EFAULT;
	if (set) {
		if (how == SIG_BLOCK)
			t->sig_blocked |= want;
		else if (how == SIG_UNBLOCK)
			t->sig_blocked &= ~want;
		else
			t->sig_blocked = want;
		t->sig_blocked &= ~UNBLOCKABLE;
	}
	signal_deliver_pending(); /* what was just unblocked */
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, uint64_t *, set, size_t, size)
{
	struct thread *t = current();

	if (size > SIGSET_SIZE)
		return -EINVAL;
	uint64_t pending = t->sig_pending & t->sig_blocked;
	return uaccess_to(set, &pending, size);
}

SYSCALL_DEFINE2(sigaltstack, const stack_t *, ss, stack_t *, old)
{
	struct thread *t = current();
	stack_t want, prev = { (void *)t->altstack_sp, 0, t->altstack_size };
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	if (!t->altstack_size)
		prev.ss_flags = SS_DISABLE;
	else if (on_altstack(t, sp))
		prev.ss_flags = SS_ONSTACK;
	if (ss && uaccess_get(want, ss))
		return -EFAULT;
	if (ss) {
		if (prev.ss_flags == SS_ONSTACK)
			return -EPERM;
		if (want.ss_flags & ~SS_DISABLE)
			return -EINVAL;
		if (want.ss_flags & SS_DISABLE) {
			t->altstack_sp = 0;
			t->altstack_size = 0;
		} else if (want.ss_size < MINSIGSTKSZ_LINUX) {
			return -ENOMEM;
		} else {
			t->altstack_sp = (uintptr_t)want.ss_sp;
			t->altstack_size = want.ss_size;
		}
	}
	return old ? uaccess_put(old, prev) : 0;
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

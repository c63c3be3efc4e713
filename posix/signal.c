/*
 * Signals: dispositions (process-wide), masks and pending sets (one per
 * thread and one for the process), and delivery.
 *
 * A sender makes the signal pending and tells the receiver
 * (sched_interrupt): an interruptible sleep ends with -EINTR, a CPU
 * running the thread gets an IPI. The thread takes the signal at the
 * first of these points:
 *
 * - a system call returns to the program (the SYSCALL_DEFINEn wrapper),
 *   or a sleep a signal interrupted ends: the handler is called from the
 *   kernel on the stack the call runs on (or the alternate stack with
 *   SA_ONSTACK), with a ucontext_t that carries the mask only, and the
 *   call gives -EINTR or restarts (SA_RESTART);
 * - an interrupt ends, or the thread is switched in, while it was running
 *   the program's own code (signal_on_resume): the thread is redirected,
 *   as after a fault, to signal_enter() on the stack the handler will use
 *   (the program's below its red zone, or the alternate stack with
 *   SA_ONSTACK), which writes the full signal frame (every register and
 *   the vector state) and starts the handler;
 * - a fault of the program: the exception handler redirects the same way
 *   (signal_fault); a blocked or ignored fault signal, or a fault while
 *   the frame is written, takes the default action, as on Linux.
 *
 * A signal for the process waits in the shared set and is offered to the
 * sender if it does not block it, else to the first thread that does not.
 * Each signal is pending at most once per set, real-time ones included: a
 * second one merges into the first (a timer's adds to its overrun).
 * Default actions end the process (the run with status 128 + the signal,
 * a fork child for its parent's wait4), or ignore. A parent waiting for
 * its fork child keeps its state aside (signal_fork): what is sent to it
 * meanwhile waits there.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include <arch/percpu.h>
#include <arch/signal.h>
#include <unishyper/kmalloc.h>
#include <unishyper/ksyms.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/spinlock.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/timer.h>
#include <unishyper/uaccess.h>

#define SIGSET_SIZE 8
#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
/* Signals whose default action is to do nothing (no job control here). */
#define DEFAULT_IGNORED                                                        \
	(BIT(SIGCHLD) | BIT(SIGCONT) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGSTOP) | \
	 BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))
/* musl's cancellation request; see run_handler(). */
#define SIGCANCEL 33
#define RED_ZONE 128
#define MINSIGSTKSZ_LINUX 2048

/* The kernel's struct sigaction (musl's struct k_sigaction). */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* One signal taken for delivery: its number, info and action. */
struct delivery {
	int sig;
	struct signal_info info;
	struct ksigaction a;
};

/* Guards the actions and every pending set (thread ones included). */
static spinlock_t signal_lock = SPINLOCK_INIT;
static struct ksigaction actions[SIGNAL_MAX + 1];
static struct signal_set shared;

struct waitq signal_posted = WAITQ_INIT(signal_posted);

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

/* A default action ends the run as a shell would report it: nothing on
 * standard error for SIGPIPE and SIGINT (a pipeline's reader went away, a
 * person pressed ^C: the kernel log still has the line), one line for the
 * others, and where the program stopped for abort() and SIGQUIT. */
_Noreturn void signal_terminate(int sig)
{
	if (process_is_child()) {
		printk("unishyper: process %d terminated by signal %d (%s)\n", process_pid, sig,
		       signal_name(sig));
	} else if (sig == SIGPIPE || sig == SIGINT) {
		printk("unishyper: program terminated by signal %d (%s)\n", sig, signal_name(sig));
	} else {
		panic_printf("unishyper: program terminated by signal %d (%s)\n", sig,
			     signal_name(sig));
		if (sig == SIGABRT || sig == SIGQUIT)
			ksyms_backtrace((uintptr_t)__builtin_return_address(0),
					(uintptr_t)__builtin_frame_address(0));
	}
	process_killed(sig);
}

/* Lock held. */
static bool ignored(int sig)
{
	void *h = actions[sig].handler;

	return h == SIG_IGN || (h == SIG_DFL && (BIT(sig) & DEFAULT_IGNORED));
}

/* Lock held. */
static void enqueue(struct signal_set *s, int sig, const struct signal_info *info)
{
	struct signal_info *p = &s->info[sig - 1];

	if (s->bits & BIT(sig)) {
		if (info->code == SI_TIMER && p->code == SI_TIMER && p->timerid == info->timerid)
			p->overrun += 1 + info->overrun;
		return;
	}
	*p = *info;
	__atomic_or_fetch(&s->bits, BIT(sig), __ATOMIC_RELEASE);
}

/* Makes sig pending for t (or, shared, for the process through t) unless
 * t would ignore it, and tells t. Thread table locked, so t stays. */
static void post_to(struct thread *t, struct signal_set *s, int sig,
		    const struct signal_info *info)
{
	unsigned long flags = spin_lock_irqsave(&signal_lock);
	bool keep = !ignored(sig) || (t->sig_blocked & BIT(sig));

	if (keep)
		enqueue(s, sig, info);
	spin_unlock_irqrestore(&signal_lock, flags);
	if (keep) {
		sched_interrupt(t);
		waitq_wake_all(&signal_posted);
	}
}

struct post {
	int tid, sig;
	const struct signal_info *info;
};

static int post_thread(struct thread *t, void *arg)
{
	struct post *p = arg;

	if (t->tid != p->tid)
		return 0;
	if (p->sig)
		post_to(t, &t->sig_pending, p->sig, p->info);
	return 1;
}

static int post_process(struct thread *t, void *arg)
{
	struct post *p = arg;

	if ((t->sig_blocked & BIT(p->sig)) || t->frozen) /* frozen: a waiting parent's */
		return 0;
	post_to(t, &shared, p->sig, p->info);
	return 1;
}

int signal_post(int tid, int sig, const struct signal_info *info)
{
	struct post p = { tid, sig, info };
	struct thread *self = current();

	if (sig < 0 || sig > SIGNAL_MAX)
		return -EINVAL;
	if (tid)
		return sched_each_thread(post_thread, &p) ? 0 : -ESRCH;
	if (!sig)
		return 0;
	if (self && !self->idle && !self->service && !(self->sig_blocked & BIT(sig))) {
		post_to(self, &shared, sig, info); /* the caller runs: no lookup */
		return 0;
	}
	if (!sched_each_thread(post_process, &p)) {
		/* Every thread blocks it: it waits for the first to unblock. */
		unsigned long flags = spin_lock_irqsave(&signal_lock);
		enqueue(&shared, sig, info);
		spin_unlock_irqrestore(&signal_lock, flags);
		waitq_wake_all(&signal_posted);
	}
	return 0;
}

int signal_post_pid(int pid, int sig, const struct signal_info *info)
{
	if (sig < 0 || sig > SIGNAL_MAX)
		return -EINVAL;
	return pid == process_pid ? signal_post(0, sig, info) : fork_post_parent(pid, sig, info);
}

int signal_send(struct thread *t, int sig)
{
	struct signal_info info = { .code = SI_KERNEL };

	return signal_post(t->tid, sig, &info);
}

bool signal_pending_for(const struct thread *t)
{
	uint64_t p = __atomic_load_n(&t->sig_pending.bits, __ATOMIC_ACQUIRE) |
		     __atomic_load_n(&shared.bits, __ATOMIC_ACQUIRE);

	return !t->idle && !t->service && (p & ~t->sig_blocked);
}

/* Takes the lowest signal of want pending for t, its own before the
 * process's; 0 when none. Lock held. */
static int take(struct thread *t, uint64_t want, struct signal_info *info)
{
	struct signal_set *s = &t->sig_pending;
	uint64_t ready = s->bits & want;

	if (!ready) {
		s = &shared;
		ready = s->bits & want;
	}
	if (!ready)
		return 0;
	int sig = __builtin_ctzll(ready) + 1;
	*info = s->info[sig - 1];
	__atomic_and_fetch(&s->bits, ~BIT(sig), __ATOMIC_RELEASE);
	if (info->code == SI_TIMER)
		timer_note_overrun(info->timerid, info->overrun);
	return sig;
}

uint64_t signal_pending_now(void)
{
	return __atomic_load_n(&current()->sig_pending.bits, __ATOMIC_ACQUIRE) |
	       __atomic_load_n(&shared.bits, __ATOMIC_ACQUIRE);
}

int signal_dequeue(uint64_t want, struct signal_info *info)
{
	unsigned long flags = spin_lock_irqsave(&signal_lock);
	int sig = take(current(), want, info);

	spin_unlock_irqrestore(&signal_lock, flags);
	return sig;
}

/* Takes t's next signal that it does not block and does not ignore, with
 * its action (SA_RESETHAND applied); false when there is none. */
static bool next_delivery(struct thread *t, struct delivery *d)
{
	unsigned long flags = spin_lock_irqsave(&signal_lock);

	while ((d->sig = take(t, ~t->sig_blocked, &d->info))) {
		d->a = actions[d->sig];
		if (ignored(d->sig))
			continue;
		if (d->a.handler != SIG_DFL && (d->a.flags & SA_RESETHAND))
			actions[d->sig].handler = SIG_DFL;
		break;
	}
	spin_unlock_irqrestore(&signal_lock, flags);
	return d->sig != 0;
}

static void to_siginfo(siginfo_t *si, int sig, const struct signal_info *in)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = in->code;
	if (sig == SIGCHLD && in->code >= CLD_EXITED && in->code <= CLD_CONTINUED) {
		si->si_pid = in->pid;
		si->si_status = (int)in->value;
	} else if (in->code > 0 && in->code != SI_KERNEL) {
		si->si_addr = (void *)in->value; /* a fault */
	} else if (in->code == SI_TIMER) {
		si->si_timerid = in->timerid;
		si->si_overrun = in->overrun;
		si->si_value.sival_ptr = (void *)in->value;
	} else if (in->code != SI_KERNEL) {
		si->si_pid = in->pid ? in->pid : process_pid; /* uid 0 */
		si->si_value.sival_ptr = (void *)in->value;
	}
}

/* What the thread blocks while the handler of d runs. */
static void block_for(struct thread *t, int sig, const struct ksigaction *a)
{
	t->sig_blocked |= a->mask | (a->flags & SA_NODEFER ? 0 : BIT(sig));
	t->sig_blocked &= ~UNBLOCKABLE;
}

/*
 * Runs the handler of d in the calling thread from kernel code, as a
 * signal frame and sigreturn would: with sa_mask (and the signal) blocked,
 * then the mask the handler left in its ucontext. The handler is program
 * code, so it runs at system-call depth 0. musl's cancellation handler is
 * installed with SA_RESTART and asks for the interrupted PC, which this
 * context does not give: a cancellation request therefore always ends the
 * interrupted call with -EINTR, where musl acts on it.
 */
struct handler_call {
	const struct delivery *d;
	siginfo_t *info;
	ucontext_t *uc;
};

static long call_handler(void *arg)
{
	const struct handler_call *c = arg;

	if (c->d->a.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))c->d->a.handler)(c->d->sig, c->info, c->uc);
	else
		((void (*)(int))c->d->a.handler)(c->d->sig);
	return 0;
}

static bool on_altstack(const struct thread *t, uintptr_t sp)
{
	return sp - t->altstack_sp < t->altstack_size;
}

static enum signal_outcome run_handler(struct thread *t, const struct delivery *d)
{
	int depth = t->sys_depth;
	siginfo_t info;
	ucontext_t uc;
	struct handler_call call = { d, &info, &uc };

	to_siginfo(&info, d->sig, &d->info);
	memset(&uc, 0, sizeof(uc));
	memcpy(&uc.uc_sigmask, &t->sig_blocked, SIGSET_SIZE);
	block_for(t, d->sig, &d->a);
	t->sys_depth = 0;
	/* SA_ONSTACK: on the alternate stack, unless already there */
	if ((d->a.flags & SA_ONSTACK) && t->altstack_size &&
	    !on_altstack(t, (uintptr_t)__builtin_frame_address(0)))
		arch_call_on_stack(t->altstack_sp + t->altstack_size, call_handler, &call);
	else
		call_handler(&call);
	t->sys_depth = depth;
	memcpy(&t->sig_blocked, &uc.uc_sigmask, SIGSET_SIZE);
	t->sig_blocked &= ~UNBLOCKABLE;
	return (d->a.flags & SA_RESTART) && d->sig != SIGCANCEL ? SIGNAL_RESTART : SIGNAL_EINTR;
}

enum signal_outcome signal_deliver_pending(void)
{
	struct thread *t = current();
	enum signal_outcome out = SIGNAL_NONE, o;
	struct delivery d;

	while (next_delivery(t, &d)) {
		if (d.a.handler == SIG_DFL && process_is_child() && t->sys_depth > 0) {
			/* A fork child ends once its call has unwound and let go
			 * of what it holds (signal_syscall_leave). */
			t->killed_by = d.sig;
			return SIGNAL_EINTR;
		}
		if (d.a.handler == SIG_DFL)
			signal_terminate(d.sig);
		if ((o = run_handler(t, &d)) > out)
			out = o;
	}
	return out;
}

bool signal_restart(bool sa_restart)
{
	enum signal_outcome o = signal_deliver_pending();

	return o == SIGNAL_NONE || (sa_restart && o == SIGNAL_RESTART);
}

struct thread *signal_syscall_enter(void)
{
	struct thread *t = current();

	if (!t->sys_depth++) /* the frames above are the program's */
		t->sys_sp = (uintptr_t)__builtin_frame_address(0);
	return t;
}

void signal_syscall_leave(struct thread *t)
{
	if (t->sys_depth == 1 && signal_pending_for(t))
		signal_deliver_pending();
	if (t->sys_depth == 1 && t->killed_by) {
		int sig = t->killed_by;
		t->killed_by = 0;
		signal_terminate(sig);
	}
	if (t->sys_depth == 1)
		sched_stop_point(); /* the shell's kill TID parks it here */
	t->sys_depth--;
}

/* Makes f run signal_enter() for d in t, on the handler's stack. */
static void redirect(struct thread *t, struct trap_frame *f, const struct delivery *d)
{
	uintptr_t sp = f->rsp - RED_ZONE;

	if (d->a.handler != SIG_DFL && (d->a.flags & SA_ONSTACK) && t->altstack_size &&
	    !on_altstack(t, f->rsp))
		sp = t->altstack_sp + t->altstack_size;
	t->sig_frame = *f;
	t->sig_handler = d->a.handler;
	t->sig_flags = d->a.flags;
	t->sig_mask = d->a.mask;
	t->sig_signo = d->sig;
	t->sig_info = d->info;
	t->sig_depth = t->sys_depth;
	t->sig_delivering = true;
	arch_signal_redirect(f, sp & ~15ul);
}

bool signal_fault(struct trap_frame *f, int sig, int code, uintptr_t addr)
{
	struct thread *t = current();
	struct delivery d = { sig, { .code = code, .value = addr }, { 0 } };

	if (!t || t->idle || t->service || t->sig_delivering || (t->sig_blocked & BIT(sig)))
		return false;
	spin_lock(&signal_lock);
	d.a = actions[sig];
	if (d.a.handler != SIG_DFL && d.a.handler != SIG_IGN && (d.a.flags & SA_RESETHAND))
		actions[sig].handler = SIG_DFL;
	spin_unlock(&signal_lock);
	if (d.a.handler == SIG_DFL || d.a.handler == SIG_IGN)
		return false;
	redirect(t, f, &d);
	return true;
}

void signal_on_resume(struct trap_frame *f)
{
	struct thread *t = current();
	struct delivery d;

	if (t->sys_depth || t->sig_delivering || !signal_pending_for(t) ||
	    !arch_frame_is_program(f))
		return;
	if (next_delivery(t, &d))
		redirect(t, f, &d);
}

/* The thread, out of the exception or interrupt, on the stack the handler
 * will use (see the top): starts the handler, or takes the default
 * action. */
void signal_enter(uintptr_t top)
{
	struct thread *t = current();
	siginfo_t info;
	stack_t ss = { (void *)t->altstack_sp, 0, t->altstack_size };

	t->sys_depth = t->sig_depth + 1;
	if (t->sig_handler == SIG_DFL)
		signal_terminate(t->sig_signo);
	to_siginfo(&info, t->sig_signo, &t->sig_info);
	if (!t->altstack_size)
		ss.ss_flags = SS_DISABLE;
	else if (on_altstack(t, t->sig_frame.rsp))
		ss.ss_flags = SS_ONSTACK;
	arch_signal_start(top, &t->sig_frame, &info, t->sig_handler, t->sig_blocked, &ss);
	t->sig_delivering = false;
	signal_terminate(t->sig_signo); /* the frame could not be written */
}

void signal_handler_started(void)
{
	struct thread *t = current();
	struct ksigaction a = { .flags = t->sig_flags, .mask = t->sig_mask };

	block_for(t, t->sig_signo, &a);
	t->sys_depth = t->sig_depth;
	t->sig_delivering = false;
}

void signal_restore_mask(uint64_t mask)
{
	current()->sig_blocked = mask & ~UNBLOCKABLE;
}

SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct ksigaction *, act,
		struct ksigaction *, old, size_t, size)
{
	if (size != SIGSET_SIZE || sig < 1 || sig > SIGNAL_MAX)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct ksigaction copy = { 0 };
	if (act && uaccess_get(copy, act))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&signal_lock);
	struct ksigaction prev = actions[sig];
	if (act) {
		actions[sig] = copy;
		/* A signal that becomes ignored is discarded (POSIX). */
		if (ignored(sig))
			__atomic_and_fetch(&shared.bits, ~BIT(sig), __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&signal_lock, flags);
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
	return 0; /* what was unblocked arrives as the call returns */
}

SYSCALL_DEFINE2(rt_sigpending, uint64_t *, set, size_t, size)
{
	struct thread *t = current();

	if (size > SIGSET_SIZE)
		return -EINVAL;
	uint64_t pending = (t->sig_pending.bits | shared.bits) & t->sig_blocked;
	return uaccess_to(set, &pending, size);
}

/* Sleeps, interruptibly, until a signal t does not block or the deadline;
 * -EINTR or 0. */
static int wait_signal(uint64_t deadline)
{
	return time_sleep_until(deadline, true);
}

/* Waits with mask blocked until a handler has run (or a default action
 * ended the run); handlers return to mask, then the caller's comes back. */
static long suspend(uint64_t mask)
{
	struct thread *t = current();
	uint64_t old = t->sig_blocked;

	t->sig_blocked = mask & ~UNBLOCKABLE;
	do
		wait_signal(SCHED_FOREVER);
	while (signal_deliver_pending() == SIGNAL_NONE);
	t->sig_blocked = old;
	return -EINTR;
}

SYSCALL_DEFINE2(rt_sigsuspend, const uint64_t *, set, size_t, size)
{
	uint64_t mask;

	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (uaccess_get(mask, set))
		return -EFAULT;
	return suspend(mask);
}

SYSCALL_DEFINE0(pause)
{
	return suspend(current()->sig_blocked);
}

SYSCALL_DEFINE4(rt_sigtimedwait, const uint64_t *, set, siginfo_t *, uinfo,
		const struct timespec *, timeout, size_t, size)
{
	struct thread *t = current();
	uint64_t want, deadline = SCHED_FOREVER, old = t->sig_blocked;
	struct signal_info in;
	int sig, r = 0;

	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (uaccess_get(want, set))
		return -EFAULT;
	want &= ~UNBLOCKABLE;
	if (timeout) {
		uint64_t span;
		if ((r = (int)time_get_timespec(timeout, &span)))
			return r;
		deadline = time_after(span);
	}
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&signal_lock);
		sig = take(t, want, &in);
		/* While waiting the set counts as unblocked, so that its
		 * signals end the sleep as any other does. */
		t->sig_blocked = sig || r ? old : old & ~want;
		spin_unlock_irqrestore(&signal_lock, flags);
		if (sig || r)
			break;
		if (!(r = wait_signal(deadline)))
			r = -EAGAIN;
	}
	if (!sig) {
		if (r == -EINTR)
			signal_deliver_pending();
		return r;
	}
	if (uinfo) {
		siginfo_t k;
		to_siginfo(&k, sig, &in);
		if (uaccess_put(uinfo, k))
			return -EFAULT;
	}
	return sig;
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

SYSCALL_DEFINE0(rt_sigreturn)
{
	return arch_signal_sigreturn();
}

/* The target of a thread-directed call: tid in the running process. */
static long thread_of(int tgid, int tid)
{
	if (tgid != process_pid)
		return tgid <= 0 ? -EINVAL : -ESRCH;
	return tid <= 0 ? -EINVAL : 0;
}

SYSCALL_DEFINE3(tgkill, int, tgid, int, tid, int, sig)
{
	struct signal_info info = { .code = SI_TKILL };
	long r = thread_of(tgid, tid);

	return r ? r : signal_post(tid, sig, &info);
}

SYSCALL_DEFINE2(tkill, int, tid, int, sig)
{
	return sys_tgkill(process_pid, tid, sig, 0, 0, 0);
}

SYSCALL_DEFINE2(kill, int, pid, int, sig)
{
	struct signal_info info = { .code = SI_USER, .pid = process_pid };

	/* A process, or the one group every process is in (0, -pgid), or
	 * every process (-1): the running one and the parents waiting for
	 * their fork children. */
	if (sig < 0 || sig > SIGNAL_MAX)
		return -EINVAL;
	if (pid == 0 || pid == -1 || pid == -process_pgid) {
		fork_post_parents(sig, &info);
		return signal_post(0, sig, &info);
	}
	return pid > 0 ? signal_post_pid(pid, sig, &info) : -ESRCH;
}

/* The info a program queues with a signal: si_code and si_value. Linux
 * lets a process claim any code when it signals itself, which is all a
 * program here can do. */
static long queued_info(const siginfo_t *uinfo, struct signal_info *in)
{
	siginfo_t k;

	if (uaccess_get(k, uinfo))
		return -EFAULT;
	*in = (struct signal_info){ .code = k.si_code, .value = (uintptr_t)k.si_value.sival_ptr,
				    .pid = process_pid };
	return 0;
}

SYSCALL_DEFINE3(rt_sigqueueinfo, int, pid, int, sig, const siginfo_t *, uinfo)
{
	struct signal_info in;
	long r;

	if (sig < 0 || sig > SIGNAL_MAX)
		return -EINVAL;
	if ((r = queued_info(uinfo, &in)))
		return r;
	return signal_post_pid(pid, sig, &in);
}

SYSCALL_DEFINE4(rt_tgsigqueueinfo, int, tgid, int, tid, int, sig, const siginfo_t *, uinfo)
{
	struct signal_info in;
	long r = thread_of(tgid, tid);

	if (r)
		return r;
	if ((r = queued_info(uinfo, &in)))
		return r;
	return signal_post(tid, sig, &in);
}

struct signal_state {
	struct ksigaction actions[SIGNAL_MAX + 1];
	struct signal_set shared, pending; /* the process's, the thread's */
	uint64_t blocked;
	uintptr_t sig_uc, altstack_sp;
	size_t altstack_size;
	int sig_depth;
};

#define SWAP(a, b)                                                             \
	do {                                                                   \
		__typeof__(a) swap_ = (a);                                     \
		(a) = (b);                                                     \
		(b) = swap_;                                                   \
	} while (0)

/* Exchanges the running process's signal state, and the calling
 * thread's, with s. */
static void exchange(struct signal_state *s)
{
	struct thread *t = current();
	unsigned long flags = spin_lock_irqsave(&signal_lock);

	for (int sig = 0; sig <= SIGNAL_MAX; sig++)
		SWAP(actions[sig], s->actions[sig]);
	SWAP(shared, s->shared);
	SWAP(t->sig_pending, s->pending);
	SWAP(t->sig_blocked, s->blocked);
	SWAP(t->sig_uc, s->sig_uc);
	SWAP(t->sig_depth, s->sig_depth);
	SWAP(t->altstack_sp, s->altstack_sp);
	SWAP(t->altstack_size, s->altstack_size);
	spin_unlock_irqrestore(&signal_lock, flags);
}

struct signal_state *signal_fork(void)
{
	struct signal_state *s = kmalloc(sizeof(*s));
	struct thread *t = current();

	if (!s)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&signal_lock);
	memcpy(s->actions, actions, sizeof(actions));
	s->shared.bits = s->pending.bits = 0;
	s->blocked = t->sig_blocked;
	s->sig_uc = t->sig_uc;
	s->sig_depth = t->sig_depth;
	s->altstack_sp = t->altstack_sp;
	s->altstack_size = t->altstack_size;
	spin_unlock_irqrestore(&signal_lock, flags);
	exchange(s); /* the child's state is the parent's, nothing pending */
	return s;
}

void signal_state_post(struct signal_state *s, int sig, const struct signal_info *info)
{
	unsigned long flags = spin_lock_irqsave(&signal_lock);
	void *h = s->actions[sig].handler;

	if (sig && h != SIG_IGN && (h != SIG_DFL || !(BIT(sig) & DEFAULT_IGNORED)))
		enqueue(&s->shared, sig, info);
	spin_unlock_irqrestore(&signal_lock, flags);
}

void signal_fork_end(struct signal_state *s)
{
	exchange(s);
	kfree(s);
}

bool signal_child_reaped(void)
{
	unsigned long flags = spin_lock_irqsave(&signal_lock);
	bool r = actions[SIGCHLD].handler == SIG_IGN || (actions[SIGCHLD].flags & SA_NOCLDWAIT);

	spin_unlock_irqrestore(&signal_lock, flags);
	return r;
}

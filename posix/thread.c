/*
 * Thread system calls: clone (threads only: a process comes from fork.c),
 * exit, futex, gettid, sched_yield and CPU affinity.
 * sched_exit_unmap() is musl's __unmapself.
 *
 * clone's contract on the direct path (toolchain/musl clone.s): the sixth
 * argument is the address where the child starts, with %rsp = stack and
 * %rax = 0, as the `syscall` instruction's child would.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <arch/percpu.h>
#include <unishyper/file.h>
#include <unishyper/futex.h>
#include <unishyper/power.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/thread.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/vm.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

/* What musl's pthread_create passes: a thread sharing everything. */
#define CLONE_THREAD_FLAGS                                                     \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define CLONE_KNOWN                                                            \
	(CLONE_THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
	 CLONE_CHILD_SETTID | CLONE_DETACHED | 0xff /* exit signal */)

SYSCALL_DEFINE6(clone, unsigned long, flags, uintptr_t, stack, int *, ptid, int *, ctid,
		unsigned long, tls, uintptr_t, entry)
{
	struct trap_frame f;
	struct thread *self = current(), *t;

	if ((flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS)
		return process_refuse("clone of a new process", -ENOSYS);
	if (process_is_child())
		return -EAGAIN; /* a fork child runs alone (fork.c) */
	if (flags & ~(unsigned long)CLONE_KNOWN)
		return -EINVAL;
	if (!stack || !vm_check((void *)(stack - 16), 16, VM_WRITE) ||
	    !vm_check((void *)entry, 1, VM_EXEC))
		return -EINVAL;
	if ((flags & CLONE_PARENT_SETTID) && !vm_check(ptid, sizeof(*ptid), VM_WRITE))
		return -EFAULT;
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
	    !vm_check(ctid, sizeof(*ctid), VM_WRITE))
		return -EFAULT;
	arch_frame_init(&f, entry, stack);
	t = sched_create(&f, flags & CLONE_SETTLS ? tls : self->fs_base, self->name);
	if (!t)
		return -EAGAIN;
	arch_fpu_save(t->fpu); /* the child starts with the parent's FPU state */
	t->affinity = self->affinity;
	t->sig_blocked = self->sig_blocked;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	int tid = t->tid;

	/* Checked above; a page another thread unmaps meanwhile only loses
	 * the copy, as it would on Linux. */
	if (flags & CLONE_PARENT_SETTID)
		(void)uaccess_put(ptid, tid);
	if (flags & CLONE_CHILD_SETTID)
		(void)uaccess_put(ctid, tid);
	sched_start(t);
	return tid;
}

struct exit_args {
	int status;
	int *clear_tid;
	uintptr_t stack_base;
	size_t stack_size;
};

/* The end of a thread, on its CPU's interrupt stack: once the tid word is
 * cleared, a joiner may unmap the thread's own stack at any moment. */
static void exit_off_stack(void *arg)
{
	struct exit_args *a = arg, copy = *a;

	if (copy.clear_tid) {
		__atomic_store_n(copy.clear_tid, 0, __ATOMIC_SEQ_CST);
		futex_wake((uint32_t *)copy.clear_tid, 1, FUTEX_BITSET_ANY);
	}
	if (!sched_exit(copy.stack_base, copy.stack_size)) {
		streams_report();
		power_off(copy.status); /* threads ended together: no one to sync after */
	}
	__builtin_unreachable();
}

/* Ends the calling thread: clears and wakes its tid word (what
 * pthread_join waits on); the last thread ends the process. */
_Noreturn void thread_exit(int status, uintptr_t stack_base, size_t stack_size)
{
	struct thread *t = current();
	struct exit_args a = { status, NULL, stack_base, stack_size };

	if (sched_thread_count() == 1 || process_is_child())
		process_exit(status);
	robust_list_release(t);
	if (t->clear_child_tid && vm_check(t->clear_child_tid, 4, VM_WRITE)) {
		a.clear_tid = t->clear_child_tid;
		/* Fault its page in now: no fault may happen on the interrupt stack. */
		__atomic_fetch_add(a.clear_tid, 0, __ATOMIC_SEQ_CST);
	}
	irq_disable();
	/* Copied to the new stack's frame before anything can reuse this one. */
	arch_run_on_stack(this_cpu()->arch.ist_top, exit_off_stack, &a);
}

SYSCALL_DEFINE1(exit, int, status)
{
	thread_exit(status, 0, 0);
}

KERNEL_API _Noreturn void sched_exit_unmap(void *base, size_t size)
{
	thread_exit(0, (uintptr_t)base, size);
}

static long futex_deadline(const struct timespec *ts, int cmd, int op, uint64_t *deadline)
{
	*deadline = SCHED_FOREVER;
	if (!ts)
		return 0;
	uint64_t t;
	long r = time_get_timespec(ts, &t);

	if (r)
		return r;
	if (cmd == FUTEX_WAIT) {
		t = time_after(t); /* relative */
	} else if (cmd == FUTEX_LOCK_PI) { /* always absolute CLOCK_REALTIME */
		uint64_t offset = time_realtime_ns() - time_ns();
		t = t > offset ? t - offset : 0;
	} else if (op & FUTEX_CLOCK_REALTIME) {
		uint64_t offset = time_realtime_ns() - time_ns();
		t = t > offset ? t - offset : 0;
	}
	*deadline = t;
	return 0;
}

SYSCALL_DEFINE6(futex, uint32_t *, uaddr, int, op, uint32_t, val,
		const struct timespec *, ts, uint32_t *, uaddr2, uint32_t, val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint64_t deadline = SCHED_FOREVER;
	long r;

	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS; /* as Linux: the other operations take no clock */
	if ((uintptr_t)uaddr & 3)
		return -EINVAL;
	if (!uaccess_ok(uaddr, 4))
		return -EFAULT;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (cmd == FUTEX_WAIT_BITSET && !val3)
			return -EINVAL;
		if ((r = futex_deadline(ts, cmd, op, &deadline)))
			return r;
		/* SA_RESTART applies to a wait without a timeout, as on Linux. */
		do
			r = futex_wait(uaddr, val, cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : val3,
				       deadline);
		while (r == -EINTR && signal_restart(!ts));
		return r;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !val3)
			return -EINVAL;
		return futex_wake(uaddr, (int)val, cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* The fourth argument is a count here, not a timeout. */
		if (((uintptr_t)uaddr2 & 3) || (long)ts < 0 || (int)val < 0)
			return -EINVAL;
		if (!uaccess_ok(uaddr2, 4))
			return -EFAULT;
		return futex_requeue(uaddr, (int)val, uaddr2, (int)(long)ts,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
		if (cmd != FUTEX_TRYLOCK_PI && (r = futex_deadline(ts, cmd, op, &deadline)))
			return r;
		/* A signal runs its handler and the wait goes on, as Linux
		 * restarts this operation: the deadline is absolute. */
		while ((r = futex_lock_pi(uaddr, deadline, cmd == FUTEX_TRYLOCK_PI)) == -EINTR)
			signal_deliver_pending();
		return r;
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(uaddr);
	default:
		return -ENOSYS;
	}
}

SYSCALL_DEFINE0(gettid)
{
	return current()->tid;
}

static struct thread *thread_of(int pid)
{
	return pid == 0 ? current() : sched_find(pid);
}

SYSCALL_DEFINE0(sched_yield)
{
	sched_reschedule();
	return 0;
}

SYSCALL_DEFINE3(getcpu, unsigned *, cpu, unsigned *, node, void *, cache)
{
	unsigned long flags = irq_save();
	unsigned id = (unsigned)this_cpu()->id, zero = 0;

	irq_restore(flags);
	if ((cpu && uaccess_put(cpu, id)) || (node && uaccess_put(node, zero)))
		return -EFAULT;
	return 0;
}

/* One scheduling class: SCHED_OTHER (and its BATCH and IDLE variants),
 * priority 0. The real-time classes are refused. */
static long policy_check(int pid, int policy, const struct sched_param *p)
{
	if (!thread_of(pid))
		return -ESRCH;
	if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE &&
	    policy != SCHED_FIFO && policy != SCHED_RR)
		return -EINVAL;
	struct sched_param k;

	if (uaccess_get(k, p))
		return -EFAULT;
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		return -EPERM;
	return k.sched_priority ? -EINVAL : 0;
}

SYSCALL_DEFINE3(sched_setscheduler, int, pid, int, policy, const struct sched_param *, p)
{
	return policy_check(pid, policy, p);
}

SYSCALL_DEFINE1(sched_getscheduler, int, pid)
{
	return thread_of(pid) ? SCHED_OTHER : -ESRCH;
}

SYSCALL_DEFINE2(sched_setparam, int, pid, const struct sched_param *, p)
{
	return policy_check(pid, SCHED_OTHER, p);
}

SYSCALL_DEFINE2(sched_getparam, int, pid, struct sched_param *, p)
{
	if (!thread_of(pid))
		return -ESRCH;
	struct sched_param k = { 0 };

	return uaccess_put(p, k);
}

SYSCALL_DEFINE1(sched_get_priority_max, int, policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

SYSCALL_DEFINE1(sched_get_priority_min, int, policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}


static uint64_t online_mask(void)
{
	uint64_t m = 0;

	for (int i = 0; i < sched_ncpus; i++)
		if (sched_cpus[i] && sched_cpus[i]->online)
			m |= 1ull << i;
	return m;
}

SYSCALL_DEFINE3(sched_getaffinity, int, pid, size_t, size, uint64_t *, mask)
{
	struct thread *t = thread_of(pid);

	if (!t)
		return -ESRCH;
	if (size < sizeof(*mask) || (size & (sizeof(long) - 1)))
		return -EINVAL;
	uint64_t m = t->affinity & online_mask();

	return uaccess_put(mask, m) ? -EFAULT : (long)sizeof(*mask);
}

SYSCALL_DEFINE3(sched_setaffinity, int, pid, size_t, size, const uint8_t *, mask)
{
	struct thread *t = thread_of(pid);
	uint64_t m = 0;

	if (!t)
		return -ESRCH;
	if (!uaccess_ok(mask, size) || uaccess_from(&m, mask, size < sizeof(m) ? size : sizeof(m)))
		return -EFAULT;
	m &= online_mask();
	if (!m)
		return -EINVAL;
	t->affinity = m;
	/* Off an allowed CPU: move at once (the scheduler honours the mask). */
	if (t == current() && !(m & (1ull << this_cpu()->id)))
		sched_reschedule();
	return 0;
}

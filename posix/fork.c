/*
 * fork, vfork, wait4 and waitid: a child process that runs while its
 * parent waits.
 *
 * An image is one address space, so a child cannot run beside its
 * parent. fork() turns the calling thread into the child instead: the
 * parent's other threads are frozen where they would next run program
 * code or asleep in a system call (sched_freeze), and what the child may
 * change is kept aside for the parent: a copy of every page of program
 * memory it could write (vm_snapshot; the kernel's memory and shared
 * mappings are not copied), the descriptor table (the child's files are
 * the same open files, each with one more reference), the shared-memory
 * attaches, the signal state, the interval timers, the working folder,
 * the umask and the limits.
 * fork() returns 0 in the child, which has a process id of its own.
 *
 * The child ends as any process does: exit, a fatal signal, a fault. Then
 * its descriptors are closed and its timers deleted, and on a stack of
 * its own (nothing of the program's stack may be in use while it is
 * rewritten) the parent's memory is put back, except where the parent's
 * sleeping threads keep kernel state on their stacks; fork() returns the
 * child's id in the parent, its threads run again, SIGCHLD is sent, and
 * the child waits as a zombie for wait4 or waitid.
 *
 * So the child runs first and to its end, as after vfork(), which POSIX
 * allows: programs that fork a child to save, compress or check something
 * and wait for it work unchanged. What cannot work is a child that waits
 * for its parent. Pipes spare the common cases (kernel/pipe.c); a child
 * asleep without a deadline for FORK_WAIT_MAX_NS, which can only be
 * waiting for what its parent would do (a connection, a signal), is
 * killed with SIGKILL, with a line in the kernel log, so that the parent
 * goes on instead of both waiting forever. A child cannot create threads
 * (EAGAIN) nor run another program (execve: no loader). Children nest,
 * up to FORK_DEPTH_MAX deep.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <arch/percpu.h>
#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/program.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/spinlock.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/timer.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/vm.h>
#include <unishyper/wait.h>

#include "ipc.h"

#define FORK_DEPTH_MAX 8
#define END_STACK_SIZE 8192
#define MAX_KEEP 64 /* sleeping threads whose kernel frames stay */
#define FRAMES_MAX (64ul << 10) /* the most a system call's frames take */
#define FORK_WAIT_MAX_NS (10 * NSEC_PER_SEC)

/* A parent waiting for its child: where its fork() returns, and what the
 * child's run may change. */
struct parent {
	struct trap_frame resume; /* fork()'s return in the parent */
	int pid, ppid;
	struct thread thread;     /* the calling thread's fields a child may change */
	int child, wstatus;
	int lost;                 /* pages vm_restore() could not put back */
	struct vm_snapshot *vm;
	struct fd_entry *fds;
	struct shm_attach *shm;
	struct signal_state *signals;
	struct ktimer *itimers;
	struct rlimit limits[RLIM_NLIMITS];
	unsigned umask;
	char cwd[VFS_PATH_MAX];
	void *fpu;                /* the thread's vector state at fork() */
	void *end_stack;          /* where the memory is put back */
	struct vm_range keep[MAX_KEEP];
	int nkeep;
	struct parent *up;
};

/* A child that ended, until its parent waits for it. */
struct zombie {
	int pid, ppid, wstatus;
	struct zombie *next;
};

static spinlock_t fork_lock = SPINLOCK_INIT; /* waiting and zombies */
static struct parent *waiting;               /* innermost first */
static int depth;
static struct zombie *zombies;

bool process_is_child(void)
{
	return __atomic_load_n(&depth, __ATOMIC_RELAXED) > 0;
}

static void *fpu_area(void *raw)
{
	return (void *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
}

static void free_parent(struct parent *p)
{
	vm_snapshot_free(p->vm);
	kfree(p->fpu);
	kfree(p->end_stack);
	kfree(p);
}

/* Keeps what the child may change; false without memory, with nothing
 * changed. */
static bool keep_state(struct parent *p)
{
	struct thread *t = current();

	p->fpu = kmalloc(arch_fpu_size() + 64);
	p->end_stack = kmalloc(END_STACK_SIZE);
	if (!p->fpu || !p->end_stack || !(p->vm = vm_snapshot()) || shm_fork(&p->shm))
		return false;
	if (!(p->fds = fd_fork()))
		goto no_fds;
	if (!(p->signals = signal_fork()))
		goto no_signals;
	if (!(p->itimers = timer_fork()))
		goto no_timers;
	arch_fpu_save(fpu_area(p->fpu));
	memcpy(p->limits, process_limits, sizeof(p->limits));
	p->umask = program_umask();
	vfs_getcwd(p->cwd, sizeof(p->cwd));
	p->pid = process_pid;
	p->ppid = process_ppid;
	p->thread = *t;
	return true;

no_timers:
	signal_fork_end(p->signals);
no_signals:
	fd_fork_end(p->fds);
no_fds:
	shm_fork_end(p->shm);
	return false;
}

static struct parent *resumed; /* for fork()'s second return */

/* Once a second while a child runs: a child asleep without a deadline
 * for FORK_WAIT_MAX_NS waits for its parent, which cannot run. */
static struct sched_timer watchdog;
static struct thread *child_thread;

static void watch(struct sched_timer *st)
{
	struct thread *t = __atomic_load_n(&child_thread, __ATOMIC_ACQUIRE);
	uint64_t now = time_ns();

	if (!t)
		return;
	if (t->state == THREAD_BLOCKED && t->interruptible && t->sleeps_forever &&
	    now - t->slept_at > FORK_WAIT_MAX_NS) {
		struct signal_info info = { .code = SI_KERNEL };
		printk("unishyper: process %d waited %llu s for its parent, which runs only after "
		       "it: killed\n", process_pid, (unsigned long long)(FORK_WAIT_MAX_NS / NSEC_PER_SEC));
		signal_post(t->tid, SIGKILL, &info);
	}
	sched_timer_arm(st, now + NSEC_PER_SEC);
}

/* One thread of the first process freezes the others at a time: another
 * that forks meanwhile waits here, where the freeze holds it. */
static struct waitq gate = WAITQ_INIT(gate);
static bool freezing;

static bool gate_open(void *arg)
{
	(void)arg;
	return !__atomic_load_n(&freezing, __ATOMIC_ACQUIRE);
}

/* Freezes the first process's other threads; a child's are frozen
 * already (it cannot create threads). 0 or -EAGAIN. */
static int freeze_others(void)
{
	if (process_is_child())
		return 0;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&fork_lock);
		bool mine = !freezing;
		freezing = true;
		spin_unlock_irqrestore(&fork_lock, flags);
		if (mine)
			break;
		/* fork is restarted after a handler, as on Linux */
		if (waitq_wait(&gate, gate_open, NULL, SCHED_FOREVER, true))
			signal_deliver_pending();
	}
	int r = sched_freeze(vm_dma_idle);
	__atomic_store_n(&freezing, false, __ATOMIC_RELEASE);
	waitq_wake_all(&gate);
	return r;
}

static void thaw_others(void)
{
	if (!process_is_child())
		sched_thaw();
}

/* fork()'s return in the parent, once the child ended: its threads run
 * again, and it learns how the child ended. */
static long parent_resumes(void)
{
	struct parent *p = resumed;
	int child = p->child, wstatus = p->wstatus, lost = p->lost;
	struct signal_info info = {
		.code = WIFEXITED(wstatus) ? CLD_EXITED : CLD_KILLED,
		.value = (uint64_t)(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus)),
		.pid = child,
	};

	free_parent(p);
	if (!process_is_child()) {
		__atomic_store_n(&child_thread, NULL, __ATOMIC_RELEASE);
		sched_timer_cancel(&watchdog, true);
	}
	thaw_others();
	if (lost) {
		printk("unishyper: out of memory: %d pages of process %d lost at its child's end\n",
		       lost, process_pid);
		signal_post(current()->tid, SIGKILL, &info);
	}
	signal_post(0, SIGCHLD, &info);
	return child;
}

static long do_fork(void)
{
	struct parent *p;

	if (__atomic_load_n(&depth, __ATOMIC_RELAXED) >= FORK_DEPTH_MAX)
		return -EAGAIN;
	if (!(p = kzalloc(sizeof(*p))))
		return -ENOMEM;
	if (freeze_others()) {
		kfree(p);
		return -EAGAIN;
	}
	if (arch_frame_save(&p->resume))
		return parent_resumes();
	if (!keep_state(p)) {
		free_parent(p);
		thaw_others();
		return -ENOMEM;
	}
	p->child = sched_new_tid();
	unsigned long flags = spin_lock_irqsave(&fork_lock);
	p->up = waiting;
	waiting = p;
	depth++;
	process_ppid = process_pid;
	process_pid = p->child;
	current()->tid = p->child;
	spin_unlock_irqrestore(&fork_lock, flags);
	if (depth == 1) {
		__atomic_store_n(&child_thread, current(), __ATOMIC_RELEASE);
		watchdog.fn = watch;
		sched_timer_arm(&watchdog, time_ns() + NSEC_PER_SEC);
	}
	return 0;
}

SYSCALL_DEFINE0(fork)
{
	return do_fork();
}

/* The child gets a copy, so it may do anything a fork child may; the
 * parent waits as vfork's does. */
SYSCALL_DEFINE0(vfork)
{
	return do_fork();
}

/* The kernel frames of a parent's thread asleep in a system call: what
 * wake-ups changed there must stay when the memory is put back. */
static void keep_frames(struct thread *t, void *arg)
{
	struct parent *p = arg;

	uintptr_t sp = t->frame.rsp, top = t->sys_sp + 16;

	/* A handler on the alternate stack may be in the call: the frames
	 * below its stack pointer are then what matters. */
	if (top <= sp || top - sp > FRAMES_MAX)
		top = sp + FRAMES_MAX;
	if (t->sys_depth && p->nkeep < MAX_KEEP)
		p->keep[p->nkeep++] = (struct vm_range){ sp - 128, top };
}

/* On the parent's end stack, interrupts off: the parent's memory comes
 * back, then its thread returns from fork(). */
static void put_back(void *arg)
{
	struct parent *p = arg;
	struct thread *t = current();

	p->lost = vm_restore(p->vm, p->keep, p->nkeep);
	t->tid = p->thread.tid;
	t->sys_depth = p->thread.sys_depth;
	t->sys_sp = p->thread.sys_sp;
	t->fs_base = p->thread.fs_base;
	t->clear_child_tid = p->thread.clear_child_tid;
	t->robust_list = p->thread.robust_list;
	memcpy(t->name, p->thread.name, sizeof(t->name));
	arch_set_fs_base(t->fs_base);
	arch_fpu_restore(fpu_area(p->fpu));
	resumed = p;
	arch_resume(&p->resume);
}

_Noreturn void fork_child_end(int wstatus)
{
	struct parent *p = waiting;
	struct zombie *z = kmalloc(sizeof(*z));

	timer_fork_end(p->itimers);
	fd_fork_end(p->fds);
	shm_fork_end(p->shm);
	sem_process_end(process_pid);
	signal_fork_end(p->signals);
	memcpy(process_limits, p->limits, sizeof(p->limits));
	vm_set_limits(process_limits[RLIMIT_AS].rlim_cur, process_limits[RLIMIT_DATA].rlim_cur);
	program_set_umask(p->umask);
	vfs_setcwd(p->cwd);
	p->wstatus = wstatus;
	sched_frozen(keep_frames, p);

	unsigned long flags = spin_lock_irqsave(&fork_lock);
	/* Its own children that were never waited for go with it. */
	for (struct zombie **zz = &zombies; *zz;) {
		struct zombie *dead = *zz;
		if (dead->ppid == process_pid) {
			*zz = dead->next;
			kfree(dead);
		} else {
			zz = &dead->next;
		}
	}
	waiting = p->up;
	depth--;
	process_pid = p->pid;
	process_ppid = p->ppid;
	if (z && !signal_child_reaped()) {
		*z = (struct zombie){ p->child, p->pid, wstatus, zombies };
		zombies = z;
	} else {
		kfree(z);
	}
	spin_unlock_irqrestore(&fork_lock, flags);
	irq_disable();
	arch_run_on_stack((uintptr_t)p->end_stack + END_STACK_SIZE, put_back, p);
}

int fork_post_parent(int pid, int sig, const struct signal_info *info)
{
	unsigned long flags = spin_lock_irqsave(&fork_lock);
	int r = -ESRCH;

	for (struct parent *p = waiting; p && r; p = p->up)
		if (p->pid == pid) {
			signal_state_post(p->signals, sig, info);
			r = 0;
		}
	for (struct zombie *z = zombies; z && r; z = z->next)
		if (z->pid == pid)
			r = 0; /* as Linux: a zombie takes signals, to no effect */
	spin_unlock_irqrestore(&fork_lock, flags);
	return r;
}

void fork_post_parents(int sig, const struct signal_info *info)
{
	unsigned long flags = spin_lock_irqsave(&fork_lock);

	for (struct parent *p = waiting; p; p = p->up)
		signal_state_post(p->signals, sig, info);
	spin_unlock_irqrestore(&fork_lock, flags);
}

/* Whether a child whose id is pid matches wait4's or waitid's choice:
 * any (-1), one id, or a group (0: the caller's; -g); every process is
 * in the first process's group. */
static bool chosen(int pid, int want)
{
	return want == -1 || want == pid || want == 0 || want == -process_pgid;
}

/* Takes (unless peek) the first zombie child that want chooses:
 * its id, and its status in *wstatus; -ECHILD when there is none. Every
 * child has ended by the time its parent runs, so there is never one to
 * wait for. */
static int reap(int want, bool peek, int *wstatus)
{
	unsigned long flags = spin_lock_irqsave(&fork_lock);
	int pid = -ECHILD;

	for (struct zombie **zz = &zombies; *zz; zz = &(*zz)->next) {
		struct zombie *z = *zz;
		if (z->ppid != process_pid || !chosen(z->pid, want))
			continue;
		pid = z->pid;
		*wstatus = z->wstatus;
		if (!peek) {
			*zz = z->next;
			kfree(z);
		}
		break;
	}
	spin_unlock_irqrestore(&fork_lock, flags);
	return pid;
}

/* A child's resource usage: not counted, all zero. */
static int put_usage(struct rusage *usage)
{
	struct rusage none;

	memset(&none, 0, sizeof(none));
	return usage ? uaccess_put(usage, none) : 0;
}

SYSCALL_DEFINE4(wait4, int, pid, int *, status, int, options, struct rusage *, usage)
{
	int wstatus, r;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if ((r = reap(pid, false, &wstatus)) < 0)
		return r;
	if (status && uaccess_put(status, wstatus))
		return -EFAULT;
	return put_usage(usage) ? -EFAULT : r;
}

SYSCALL_DEFINE5(waitid, int, type, int, id, siginfo_t *, info, int, options,
		struct rusage *, usage)
{
	int want, wstatus, pid;
	siginfo_t si;

	if ((options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | __WNOTHREAD |
			 __WCLONE | __WALL)) ||
	    !(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (type == P_ALL)
		want = -1;
	else if (type == P_PID && id > 0)
		want = id;
	else if (type == P_PGID && id >= 0)
		want = id ? -id : 0;
	else
		return -EINVAL;
	memset(&si, 0, sizeof(si));
	pid = options & WEXITED ? reap(want, options & WNOWAIT, &wstatus) : -ECHILD;
	if (pid < 0)
		return pid;
	si.si_signo = SIGCHLD;
	si.si_code = WIFEXITED(wstatus) ? CLD_EXITED : CLD_KILLED;
	si.si_pid = pid;
	si.si_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus);
	if (info && uaccess_put(info, si))
		return -EFAULT;
	return put_usage(usage) ? -EFAULT : 0;
}

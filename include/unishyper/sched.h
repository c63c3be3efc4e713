/*
 * Threads, CPUs and the scheduler.
 *
 * Every CPU has a run queue of threads ready to run, a list of timers
 * (threads sleeping until a deadline) and an idle thread that halts the CPU
 * when there is nothing else. A thread's saved registers live in the thread
 * (struct trap_frame), so switching never writes to a thread's own stack.
 * Threads are preempted by the local APIC timer after their time slice; an
 * idle CPU takes work from the busiest one, and a woken thread goes to an
 * idle CPU its affinity allows.
 */
#ifndef UNISHYPER_SCHED_H
#define UNISHYPER_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/percpu.h>
#include <arch/trap.h>
#include <unishyper/list.h>
#include <unishyper/signal.h>
#include <unishyper/spinlock.h>

#define SCHED_MAX_CPUS 64
#define SCHED_NAME_MAX 16
#define SCHED_SLICE_NS 10000000ull
#define SCHED_FOREVER UINT64_MAX

/* STOPPED: parked by sched_stop() until sched_stop(tid, false). */
enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD, THREAD_STOPPED };

struct cpu;

struct thread {
	struct trap_frame frame;  /* registers while not running */
	volatile int on_cpu;      /* 1 until its registers are saved */
	int tid;
	enum thread_state state;
	bool idle, interruptible;
	bool service;             /* a kernel service thread (sched_spawn) */
	bool stop;                /* sched_stop(): park on the way to program code */
	bool frozen;              /* sched_freeze(): park likewise */
	bool held;                /* frozen, asleep or parked: wake-ups wait */
	bool wake_held;           /* woken while held: runs at sched_thaw() */
	int wake_reason;          /* what sched_block() returns */
	uint64_t slept_at;        /* time_ns() of its last sched_block() */
	bool sleeps_forever;      /* that sleep has no deadline */
	struct cpu *cpu;          /* the run queue it belongs to */
	uint64_t affinity;        /* allowed CPUs, one bit each */
	struct list_node run_link, all_link, timer_link;
	uint64_t deadline;        /* while on a timer list */
	struct cpu *timer_cpu;
	uint64_t fs_base;
	void *fpu;                /* XSAVE/FXSAVE area */
	uint64_t runtime_ns, slice_start;
	int *clear_child_tid;
	void *robust_list;
	struct signal_set sig_pending; /* sent to this thread */
	uint64_t sig_blocked;
	int sys_depth;            /* system calls in progress (syscall.h) */
	int killed_by;            /* a fork child's fatal signal, taken at its call's end */
	uintptr_t sys_sp;         /* the stack at the outermost call's entry */
	/* A signal from the moment its frame is decided until its handler
	 * starts (posix/signal.c): the registers, the action, the info. */
	struct trap_frame sig_frame;
	void *sig_handler;
	uint64_t sig_mask, sig_flags;
	int sig_signo, sig_depth;
	struct signal_info sig_info;
	bool sig_delivering;
	uintptr_t sig_uc;         /* the innermost handler's context */
	uintptr_t altstack_sp;    /* sigaltstack(2); size 0: none */
	size_t altstack_size;
	uintptr_t stack_base;     /* freed when the thread is reaped */
	size_t stack_size;
	char name[SCHED_NAME_MAX];
};

struct cpu {
	struct cpu *self;         /* %gs:0 */
	struct thread *current;   /* %gs:8 */
	int id;
	uint32_t apic_id;
	bool online;
	spinlock_t lock;          /* run queue, timers, callouts, zombies */
	struct list_node runq, timers, callouts, zombies;
	int nr_running;           /* on runq */
	bool need_resched;
	struct thread *idle;
	uint64_t slice_end;
	struct arch_cpu arch;
};

extern struct cpu *sched_cpus[SCHED_MAX_CPUS];
extern int sched_ncpus;

static inline struct thread *current(void)
{
	return this_cpu()->current;
}

/* Fills in the generic part of a CPU's struct (id set) and registers it. */
void sched_cpu_setup(struct cpu *c);

/* Makes the running boot code the first thread, with id first_tid (the
 * process id; later threads count up from it), and gives the boot CPU
 * its idle thread; needs the allocators. */
void sched_init(int first_tid);

/* Brings a CPU into the scheduler; runs its idle loop (never returns). */
_Noreturn void sched_cpu_start(struct cpu *c);

/* Creates a thread that starts with the registers of frame; returns it with
 * a new tid, or NULL without memory. It runs once sched_start() is called. */
struct thread *sched_create(const struct trap_frame *frame, uint64_t fs_base,
			    const char *name);
void sched_start(struct thread *t);
/*
 * Starts a kernel service thread running fn(arg) on a stack of its own
 * (stack bytes): a driver's or the network stack's worker. Service
 * threads run forever, take no signals, are not in the thread table and
 * do not keep the program alive: the process ends with its last own
 * thread. Returns the thread, or NULL without memory.
 */
struct thread *sched_spawn(const char *name, void (*fn)(void *), void *arg, size_t stack);

/* Gives up the CPU to another ready thread, if any. */
void sched_reschedule(void);

/*
 * Sleeps. The caller holds lock (a spinlock taken with interrupts off)
 * and has put the thread on some wait list; sched_block() releases the
 * lock and switches away until sched_wake(), the deadline (time_ns(), or
 * SCHED_FOREVER) or, when interruptible, a signal. Returns 0 when woken,
 * -ETIMEDOUT, or -EINTR; interrupts are on again on return.
 */
int sched_block(spinlock_t *lock, uint64_t deadline, bool interruptible);

/* Makes a blocked thread ready, with the reason sched_block() returns.
 * Returns false if it was not blocked (already woken). */
bool sched_wake(struct thread *t, int reason);

/* Tells t that a signal waits: wakes it with -EINTR from an
 * interruptible sleep, or interrupts the CPU that runs it. */
void sched_interrupt(struct thread *t);

/* A function called at a deadline from the timer interrupt of the CPU
 * that armed it, with interrupts off and no lock held. */
struct sched_timer {
	struct list_node link;
	uint64_t deadline;
	void (*fn)(struct sched_timer *st);
	struct cpu *cpu;          /* whose list holds it; NULL when unarmed */
	struct cpu *running;      /* the CPU calling fn, else NULL */
};

/* (Re)arms st for deadline (time_ns()); fn may arm it again. */
void sched_timer_arm(struct sched_timer *st, uint64_t deadline);

/* Disarms st; with wait, also waits until fn is no longer running, after
 * which st may be freed (never with wait from fn itself). */
void sched_timer_cancel(struct sched_timer *st, bool wait);

/* Calls fn for each thread, with the thread table locked (so none is
 * freed meanwhile), until fn returns non-zero; returns that, or 0. */
int sched_each_thread(int (*fn)(struct thread *t, void *arg), void *arg);

/* Ends the calling thread; its stack [base, base+size) (if size) is
 * unmapped once it has switched away. Returns false, without ending, when
 * the caller is the last thread: the process is over. */
bool sched_exit(uintptr_t stack_base, size_t stack_size);

/* Threads alive (not yet exited), the number of online CPUs. */
int sched_thread_count(void);

/* The thread with this tid, or NULL. */
struct thread *sched_find(int tid);

/*
 * A fork child runs alone (posix/fork.c). sched_freeze() stops every
 * program thread but the caller: each parks where sched_stop() parks it,
 * or stays asleep in a system call, and from then on runs no code at all
 * (a wake-up of a sleeping one waits for sched_thaw()); idle() must be
 * true meanwhile (no device moving data into program memory). Returns 0,
 * or -EAGAIN when they did not all stop within a second; then nothing
 * stays frozen. sched_thaw() lets them run again. sched_frozen() calls fn
 * for each frozen thread.
 */
int sched_freeze(bool (*idle)(void));
void sched_thaw(void);
void sched_frozen(void (*fn)(struct thread *t, void *arg), void *arg);
/* A new thread id, for a fork child (its process id). */
int sched_new_tid(void);

/* Called at the end of every interrupt: returns the frame to resume, which
 * is another thread's when the interrupted one is preempted. */
struct trap_frame *sched_interrupt_exit(struct trap_frame *f);

/* Timer interrupt work: expire timers, end the time slice. */
void sched_tick(void);

/* The TRAP_RESCHED interrupt: another CPU changed this one's run queue. */
void sched_resched_ipi(void);

/* Fills the caller's array with a snapshot of the thread table for `ps`;
 * stop: a stop was asked and the thread has not parked yet. */
struct sched_info {
	int tid, cpu;
	enum thread_state state;
	bool stop;
	uint64_t runtime_ns;
	char name[SCHED_NAME_MAX];
};
int sched_snapshot(struct sched_info *out, int max);

/*
 * Stops the program's thread tid (stop true) or lets it go on (false), for
 * the shell's kill and run. A stopped thread parks where it would next
 * resume the program's own code: as an interrupt ends or it is switched
 * in there, or as its outermost system call returns (sched_stop_point), so
 * it never parks holding a kernel lock; a thread asleep in a call parks
 * when the call returns. Signals sent meanwhile wait until it goes on.
 * Returns 0, -ESRCH (no such thread) or -EDEADLK (the caller itself).
 */
int sched_stop(int tid, bool stop);

/* Parks the calling thread while a stop is asked; the system-call layer
 * calls it as the outermost call returns to the program. */
void sched_stop_point(void);

#endif

/*
 * Sending and delivering signals (posix/signal.c has the model).
 */
#ifndef UNISHYPER_SIGNAL_H
#define UNISHYPER_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <unishyper/wait.h>

#define SIGNAL_MAX 64

struct thread;
struct trap_frame;

/* What a siginfo_t says besides the number, in the kernel's compact form:
 * code is si_code; value is si_value (SI_QUEUE, SI_TIMER) or si_addr (a
 * fault); timerid and overrun only for SI_TIMER. */
struct signal_info {
	int code;
	int timerid, overrun;
	uint64_t value; /* SIGCHLD: the child's exit status or signal */
	int pid;        /* the sender (SI_USER, SI_QUEUE), the child (SIGCHLD) */
};

/* Signals waiting for a thread, or for the process (any thread). */
struct signal_set {
	uint64_t bits;
	struct signal_info info[SIGNAL_MAX];
};

/* Sends sig (0: only checks) with info to the thread tid, or with tid 0 to
 * the process, whose threads that do not block it may take it. Any
 * context, interrupts included. 0, -EINVAL (bad sig) or -ESRCH. */
int signal_post(int tid, int sig, const struct signal_info *info);

/* Sends sig to the process pid: the running one, or a parent waiting for
 * its fork child (posix/fork.c). 0, -EINVAL or -ESRCH. */
int signal_post_pid(int pid, int sig, const struct signal_info *info);
/* Sends sig to t as the kernel's own doing (SIGPIPE): si_code SI_KERNEL. */
int signal_send(struct thread *t, int sig);

/* Woken whenever a signal becomes pending (signalfd's readiness). */
extern struct waitq signal_posted;

/* The signals pending for the calling thread: its own and the
 * process's. */
uint64_t signal_pending_now(void);

/* Takes the lowest signal of want pending for the calling thread, its
 * own before the process's, as a handler would; its info in *info.
 * Returns the signal, or 0 when none is pending. */
int signal_dequeue(uint64_t want, struct signal_info *info);

/* Whether t has a signal pending that it does not block. */
bool signal_pending_for(const struct thread *t);

/* What signal_deliver_pending() did, for a call a signal interrupted. */
enum signal_outcome {
	SIGNAL_NONE,    /* no handler ran */
	SIGNAL_RESTART, /* handlers ran, all with SA_RESTART */
	SIGNAL_EINTR,   /* a handler without SA_RESTART ran */
};

/* Acts on the calling thread's pending, unblocked signals: runs their
 * handlers or default actions, in the calling thread. */
enum signal_outcome signal_deliver_pending(void);

/* For a blocking call a signal interrupted (-EINTR from its sleep):
 * delivers what is pending and says whether to go on waiting, which is
 * when no handler ran, or, when sa_restart applies to the call, every
 * handler that ran had SA_RESTART. */
bool signal_restart(bool sa_restart);

/*
 * A fork child's signal state (posix/fork.c). signal_fork() keeps the
 * process's and the calling thread's (dispositions, pending signals, mask,
 * alternate stack) and gives the child the same dispositions, mask and
 * alternate stack with nothing pending; NULL without memory.
 * signal_state_post() makes a signal pending for the waiting parent, unless
 * it ignores it; signal_fork_end() gives the parent its state back.
 * signal_child_reaped() says whether the process's SIGCHLD disposition
 * (SIG_IGN, SA_NOCLDWAIT) leaves no zombie for wait4.
 */
struct signal_state;
struct signal_state *signal_fork(void);
void signal_state_post(struct signal_state *s, int sig, const struct signal_info *info);
void signal_fork_end(struct signal_state *s);
bool signal_child_reaped(void);
/* "SIGSEGV" and the like; "signal" for numbers without a name. */
const char *signal_name(int sig);

/* Ends the process as the default action of sig would: for the run, one
 * line on standard error with the caller's backtrace, then status 128 +
 * sig; a fork child ends silently, as its parent's wait4 reports it. */
_Noreturn void signal_terminate(int sig);

/*
 * From the exception handler, for a fault the program caused (f its
 * registers): when the program has a handler for sig that is not blocked,
 * arranges for it to run in the faulting thread and returns true. false
 * means the default action: the caller reports the fault and ends the run.
 */
bool signal_fault(struct trap_frame *f, int sig, int code, uintptr_t addr);

/*
 * Interrupts off, f the registers the current thread is about to resume
 * (at the end of an interrupt, or when switched in): when f is the
 * program's own code and a signal the thread does not block is pending,
 * makes f start its delivery instead, through the same frame as a fault.
 */
void signal_on_resume(struct trap_frame *f);

/* For the architecture's signal code: the handler of a signal is about to
 * start; a handler returned and its context restores the blocked set
 * (pending signals it unblocks are delivered as that context resumes). */
void signal_handler_started(void);
void signal_restore_mask(uint64_t mask);

#endif

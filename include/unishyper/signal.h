/*
 * Sending and delivering signals (posix/signal.c has the model).
 */
#ifndef UNISHYPER_SIGNAL_H
#define UNISHYPER_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

struct thread;
struct trap_frame;

/* Sends sig (0: only checks) to t; 0 or -EINVAL. */
int signal_send(struct thread *t, int sig);

/* Acts on the calling thread's pending, unblocked signals: runs their
 * handlers or default actions. System calls call it before returning
 * -EINTR. */
void signal_deliver_pending(void);

/* "SIGSEGV" and the like; "signal" for numbers without a name. */
const char *signal_name(int sig);

/* Ends the run as the default action of sig would: one line on standard
 * error with the caller's backtrace, then status 128 + sig. */
_Noreturn void signal_terminate(int sig);

/*
 * From the exception handler, for a fault the program caused (f its
 * registers): when the program has a handler for sig that is not blocked,
 * arranges for it to run in the faulting thread and returns true. false
 * means the default action: the caller reports the fault and ends the run.
 */
bool signal_fault(struct trap_frame *f, int sig, int code, uintptr_t addr);

/* For the architecture's signal code: the handler of a fault is about to
 * start; a handler returned and its context restores the blocked set. */
void signal_fault_started(void);
void signal_set_mask(uint64_t mask);

#endif

/*
 * Sending and delivering signals (posix/signal.c has the model).
 */
#ifndef UNISHYPER_SIGNAL_H
#define UNISHYPER_SIGNAL_H

struct thread;

/* Sends sig (0: only checks) to t; 0 or -EINVAL. */
int signal_send(struct thread *t, int sig);

/* Acts on the calling thread's pending, unblocked signals: runs their
 * handlers or default actions. System calls call it before returning
 * -EINTR. */
void signal_deliver_pending(void);

#endif

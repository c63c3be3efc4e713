/*
 * Interval timers and POSIX timers (posix/timer.c): what the signal code
 * tells them.
 */
#ifndef UNISHYPER_TIMER_H
#define UNISHYPER_TIMER_H

/* The signal of timer id was taken with overrun more expirations merged
 * into it: timer_getoverrun() answers that from now on. */
void timer_note_overrun(int id, int overrun);

/* A fork child's timers (posix/fork.c): timer_fork() gives the child
 * interval timers of its own, all disarmed, and no POSIX timers, while
 * the parent's go on; it returns the parent's interval timers (NULL
 * without memory). timer_fork_end() deletes the child's timers and gives
 * the parent its interval timers back. */
struct ktimer;
struct ktimer *timer_fork(void);
void timer_fork_end(struct ktimer *parent);

#endif

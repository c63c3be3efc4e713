/*
 * Interval timers and POSIX timers (posix/timer.c): what the signal code
 * tells them.
 */
#ifndef UNISHYPER_TIMER_H
#define UNISHYPER_TIMER_H

/* The signal of timer id was taken with overrun more expirations merged
 * into it: timer_getoverrun() answers that from now on. */
void timer_note_overrun(int id, int overrun);

#endif

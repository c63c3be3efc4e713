/*
 * What the readiness calls share (posix/poll.c): the wait over a set of
 * descriptors that poll, ppoll, select and pselect6 are made of, the
 * timeouts they take, and the signal mask a call installs for its wait.
 */
#ifndef POSIX_POLLWAIT_H
#define POSIX_POLLWAIT_H

#include <poll.h>
#include <stdint.h>
#include <time.h>

/* A deadline that does not wait at all (poll's timeout 0). */
#define POLL_NOW 0

/* Fills the revents of fds[0..n) (POLLNVAL for a descriptor that is not
 * open, 0 for a negative one), waiting until one is not zero, the
 * deadline (time_ns(), SCHED_FOREVER or POLL_NOW) or a signal. Returns
 * how many are not zero (0 at the deadline), -EINTR (nothing delivered
 * yet) or -ENOMEM. */
long poll_files(struct pollfd *fds, unsigned long n, uint64_t deadline);

/* The deadline of a relative timeout from the program (NULL: forever):
 * 0, -EFAULT or -EINVAL. */
long poll_deadline(const struct timespec *uts, uint64_t *deadline);

/* Writes the time left until deadline back to the program's timeout, as
 * Linux does for ppoll, select and pselect6; a failed write is ignored,
 * as there. */
void poll_time_left(struct timespec *uts, uint64_t deadline);

/* For the calls that take a signal mask for their wait (ppoll, pselect6,
 * epoll_pwait): installs *umask (when given; size must be 8) as the
 * blocked set and saves the caller's in *old. The scheduler checks for
 * pending signals under the lock it sleeps with, so one the new mask
 * unblocks, sent at any moment, ends the wait. 0, -EINVAL or -EFAULT. */
long poll_sigmask_set(const uint64_t *umask, size_t size, uint64_t *old);

/* Ends such a call with result r: on -EINTR the signals the wait's mask
 * lets through are delivered first (their handlers run with it), then the
 * caller's mask comes back, so a signal it blocks stays pending. */
long poll_sigmask_done(long r, const uint64_t *umask, uint64_t old);

#endif

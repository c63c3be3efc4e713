/*
 * BSD file locks (flock(2), kernel/flock.c): a shared or an exclusive
 * lock that an open file holds on the file it is open on. The lock
 * belongs to the struct file, so descriptors that share it (dup, a fork
 * child's) share the lock; another open of the same file conflicts.
 */
#ifndef UNISHYPER_FLOCK_H
#define UNISHYPER_FLOCK_H

struct file;

/* flock(2) on f: LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB not to wait.
 * A held lock of the other kind is given up first, as on Linux. 0,
 * -EINVAL, -EWOULDBLOCK, -ENOMEM, or -EINTR when a signal's handler ran
 * while it waited. */
int flock_lock(struct file *f, int op);

/* The last reference to f went: its lock goes. */
void flock_release(struct file *f);

#endif

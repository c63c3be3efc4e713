/*
 * BSD file locks (include/unishyper/flock.h).
 *
 * A lock names its file by mount and inode number, so every open of a
 * file of a file system meets the others; a file that is no file
 * system's (a pipe, a socket) locks only itself. The locks are one list,
 * guarded by the lock of the wait queue where waiters sleep: a waiter's
 * ready() takes its lock under it as soon as nothing conflicts.
 */
#include <errno.h>
#include <sys/file.h>

#include <unishyper/file.h>
#include <unishyper/flock.h>
#include <unishyper/kmalloc.h>
#include <unishyper/list.h>
#include <unishyper/sched.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

struct flock_entry {
	struct list_node link;
	const void *space; /* the mount, or NULL for a file of no file system */
	uint64_t ino;      /* the inode number, or the struct file */
	struct file *owner;
	bool exclusive;
};

static struct waitq waiters = WAITQ_INIT(waiters);
static struct list_node locks = LIST_INIT(locks);

static bool conflicts(const struct flock_entry *want)
{
	struct list_node *n;

	list_for_each(n, &locks) {
		struct flock_entry *e = list_entry(n, struct flock_entry, link);
		if (e->space == want->space && e->ino == want->ino && e->owner != want->owner &&
		    (e->exclusive || want->exclusive))
			return true;
	}
	return false;
}

/* A waiter's ready(): takes the lock when nothing conflicts. */
static bool take(void *arg)
{
	struct flock_entry *want = arg;

	if (conflicts(want))
		return false;
	list_push_back(&locks, &want->link);
	return true;
}

/* Takes f's lock off the list and returns it (NULL for none); the list's
 * lock is held. */
static struct flock_entry *remove_own(struct file *f)
{
	struct list_node *n;

	list_for_each(n, &locks) {
		struct flock_entry *e = list_entry(n, struct flock_entry, link);
		if (e->owner == f) {
			list_remove(&e->link);
			return e;
		}
	}
	return NULL;
}

static void unlock(struct file *f)
{
	unsigned long flags = spin_lock_irqsave(&waiters.lock);
	struct flock_entry *e = remove_own(f);

	spin_unlock_irqrestore(&waiters.lock, flags);
	if (e)
		waitq_wake_all(&waiters);
	kfree(e);
}

int flock_lock(struct file *f, int op)
{
	struct vnode *v = vfs_file_vnode(f);
	struct flock_entry *e, *old;
	struct vfs_attr a;
	int kind = op & ~LOCK_NB;

	if (kind == LOCK_UN) {
		unlock(f);
		return 0;
	}
	if (kind != LOCK_SH && kind != LOCK_EX)
		return -EINVAL;
	if (!(e = kmalloc(sizeof(*e))))
		return -ENOMEM;
	*e = (struct flock_entry){ .space = NULL, .ino = (uintptr_t)f, .owner = f,
				   .exclusive = kind == LOCK_EX };
	if (v && !f->ops->stat(f, &a)) {
		e->space = v->mount;
		e->ino = a.ino;
	}
	f->flocked = true;
	unsigned long flags = spin_lock_irqsave(&waiters.lock);
	old = remove_own(f);
	if (old && old->exclusive == e->exclusive) { /* held already */
		list_push_back(&locks, &old->link);
		old = NULL;
		kfree(e);
		e = NULL;
	}
	bool got = !e || take(e);
	spin_unlock_irqrestore(&waiters.lock, flags);
	if (old)
		waitq_wake_all(&waiters);
	kfree(old);
	if (got)
		return 0;
	int r = op & LOCK_NB ? -EWOULDBLOCK : waitq_wait(&waiters, take, e, SCHED_FOREVER, true);
	if (r)
		kfree(e);
	return r;
}

void flock_release(struct file *f)
{
	if (f->flocked)
		unlock(f);
}

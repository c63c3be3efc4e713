/*
 * SysV semaphores: semget, semop, semtimedop, semctl.
 *
 * A set is an array of values under ipc_lock. semop applies its whole
 * list of operations at once or not at all: when one would block, none
 * is applied, the caller counts itself in that semaphore's semncnt or
 * semzcnt and sleeps until something changes, then tries the whole list
 * again. SEM_UNDO is accepted and needs nothing: its adjustments apply
 * when the process ends, and the one process ending ends everything that
 * could see them.
 */
#include <errno.h>
#include <sys/sem.h>
#include <time.h>

#include <unishyper/kmalloc.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>

#include "ipc.h"

/* Linux's limits: semaphores per set, operations per call, top value. */
#define SEM_MAX_SEMS 32000
#define SEM_MAX_OPS 500
#define SEM_VALUE_MAX 32767

struct sem {
	unsigned short val;
	int ncnt, zcnt, pid;
};

struct sem_set {
	struct ipc_obj obj; /* first: ipc_find() gives it back */
	int nsems;
	int64_t otime;
	struct sem sems[];
};

static struct ipc_ids sem_ids;

static struct ipc_obj *create(void *arg, int *err)
{
	int nsems = *(int *)arg;
	struct sem_set *s;

	if (nsems <= 0 || nsems > SEM_MAX_SEMS) {
		*err = -EINVAL;
		return NULL;
	}
	if (!(s = kzalloc(sizeof(*s) + (size_t)nsems * sizeof(s->sems[0]))))
		return NULL;
	s->nsems = nsems;
	return &s->obj;
}

static int check(struct ipc_obj *o, void *arg)
{
	int nsems = *(int *)arg;

	return nsems < 0 || nsems > ((struct sem_set *)o)->nsems ? -EINVAL : 0;
}

SYSCALL_DEFINE3(semget, key_t, key, int, nsems, int, flags)
{
	if (nsems < 0 || nsems > SEM_MAX_SEMS)
		return -EINVAL;
	mutex_lock(&ipc_lock);
	int r = ipc_get(&sem_ids, key, flags, create, check, &nsems);
	mutex_unlock(&ipc_lock);
	return r;
}

/* Applies ops to s if none blocks: 0, -ERANGE, or 1 with *blocked the
 * operation that would block. */
static int try_ops(struct sem_set *s, const struct sembuf *ops, size_t n, size_t *blocked)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		struct sem *m = &s->sems[ops[i].sem_num];
		int v = m->val + ops[i].sem_op;
		if (ops[i].sem_op == 0 ? m->val != 0 : v < 0) {
			*blocked = i;
			r = 1;
			break;
		}
		if (v > SEM_VALUE_MAX) {
			r = -ERANGE;
			break;
		}
		m->val = (unsigned short)v;
	}
	while (i--) /* undone in reverse: each op saw its predecessors' values */
		s->sems[ops[i].sem_num].val -= ops[i].sem_op;
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		s->sems[ops[i].sem_num].val += ops[i].sem_op;
		s->sems[ops[i].sem_num].pid = process_pid;
	}
	return 0;
}

static long semop_common(int id, const struct sembuf *uops, size_t n, uint64_t deadline)
{
	struct sembuf *ops;
	struct sem_set *s;
	long r;

	if (n < 1)
		return -EINVAL;
	if (n > SEM_MAX_OPS)
		return -E2BIG;
	if (!(ops = kmalloc(n * sizeof(*ops))))
		return -ENOMEM;
	if (uaccess_from(ops, uops, n * sizeof(*ops))) {
		kfree(ops);
		return -EFAULT;
	}
	mutex_lock(&ipc_lock);
	if (!(s = (struct sem_set *)ipc_find(&sem_ids, id))) {
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (ops[i].sem_num >= s->nsems) {
			r = -EFBIG;
			goto out;
		}
	}
	for (;;) {
		size_t b = 0;
		if ((r = try_ops(s, ops, n, &b)) <= 0)
			break;
		if (ops[b].sem_flg & IPC_NOWAIT) {
			r = -EAGAIN;
			break;
		}
		unsigned short num = ops[b].sem_num;
		bool zero = ops[b].sem_op == 0;
		(zero ? &s->sems[num].zcnt : &s->sems[num].ncnt)[0]++;
		int slept = ipc_wait(&sem_ids, id, deadline, (struct ipc_obj **)&s);
		if (slept == -EIDRM) {
			r = slept;
			break;
		}
		(zero ? &s->sems[num].zcnt : &s->sems[num].ncnt)[0]--;
		if (slept) { /* a timeout is EAGAIN, as on Linux */
			r = slept == -ETIMEDOUT ? -EAGAIN : slept;
			break;
		}
	}
	if (!r) {
		s->otime = ipc_now();
		ipc_wake();
	}
out:
	mutex_unlock(&ipc_lock);
	kfree(ops);
	return r;
}

SYSCALL_DEFINE3(semop, int, id, struct sembuf *, ops, size_t, n)
{
	return semop_common(id, ops, n, SCHED_FOREVER);
}

SYSCALL_DEFINE4(semtimedop, int, id, struct sembuf *, ops, size_t, n,
		const struct timespec *, timeout)
{
	uint64_t deadline = SCHED_FOREVER;
	uint64_t span;
	long r;

	if (timeout) {
		if ((r = time_get_timespec(timeout, &span)))
			return r;
		deadline = time_after(span);
	}
	return semop_common(id, ops, n, deadline);
}

static long stat_set(struct sem_set *s, struct semid_ds *buf)
{
	struct semid_ds k = { .sem_otime = s->otime, .sem_ctime = s->obj.ctime,
			      .sem_nsems = (unsigned short)s->nsems };

	ipc_perm_get(&s->obj, &k.sem_perm);
	return uaccess_put(buf, k);
}

/* SETALL's values, copied in before ipc_lock is taken. */
static long set_all(struct sem_set *s, const unsigned short *vals)
{
	for (int i = 0; i < s->nsems; i++)
		if (vals[i] > SEM_VALUE_MAX)
			return -ERANGE;
	for (int i = 0; i < s->nsems; i++)
		s->sems[i].val = vals[i];
	s->obj.ctime = ipc_now();
	ipc_wake();
	return 0;
}

static long ctl_locked(struct sem_set *s, int num, int cmd, unsigned long arg,
		       const struct semid_ds *in)
{
	bool one = cmd == GETVAL || cmd == SETVAL || cmd == GETPID || cmd == GETNCNT ||
		   cmd == GETZCNT;

	if (one && (num < 0 || num >= s->nsems))
		return -EINVAL;
	switch (cmd) {
	case IPC_STAT:
		return stat_set(s, (struct semid_ds *)arg);
	case IPC_SET:
		ipc_perm_set(&s->obj, &in->sem_perm);
		return 0;
	case IPC_RMID: /* sleepers find it gone: EIDRM */
		ipc_remove(&sem_ids, &s->obj);
		kfree(s);
		return 0;
	case GETVAL:
		return s->sems[num].val;
	case GETPID:
		return s->sems[num].pid;
	case GETNCNT:
		return s->sems[num].ncnt;
	case GETZCNT:
		return s->sems[num].zcnt;
	case SETVAL:
		if ((int)arg < 0 || (int)arg > SEM_VALUE_MAX)
			return -ERANGE;
		s->sems[num].val = (unsigned short)(int)arg;
		s->obj.ctime = ipc_now();
		ipc_wake();
		return 0;
	case GETALL: {
		unsigned short *out = (unsigned short *)arg;
		for (int i = 0; i < s->nsems; i++)
			if (uaccess_put(&out[i], s->sems[i].val))
				return -EFAULT;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE4(semctl, int, id, int, num, int, cmd, unsigned long, arg)
{
	unsigned short *vals = NULL;
	struct semid_ds in;
	struct sem_set *s;
	long r;

	cmd = ipc_cmd(cmd);
	if (cmd == IPC_SET && uaccess_get(in, (struct semid_ds *)arg))
		return -EFAULT;
	mutex_lock(&ipc_lock);
	if (!(s = (struct sem_set *)ipc_find(&sem_ids, id))) {
		r = -EINVAL;
	} else if (cmd == SETALL) {
		size_t size = (size_t)s->nsems * sizeof(*vals);
		if (!(vals = kmalloc(size)))
			r = -ENOMEM;
		else
			r = uaccess_from(vals, (void *)arg, size) ? -EFAULT : set_all(s, vals);
	} else {
		r = ctl_locked(s, num, cmd, arg, &in);
	}
	mutex_unlock(&ipc_lock);
	kfree(vals);
	return r;
}

/*
 * SysV semaphores: semget, semop, semtimedop, semctl.
 *
 * A set is an array of values under ipc_lock. semop applies its whole
 * list of operations at once or not at all: when one would block, none
 * is applied, the caller counts itself in that semaphore's semncnt or
 * semzcnt and sleeps until something changes, then tries the whole list
 * again. SEM_UNDO keeps, per process and semaphore, the adjustment that
 * undoes the operations so flagged; it is applied when a fork child ends
 * (sem_process_end), clamped to the semaphore's range as on Linux, and
 * dropped by SETVAL and SETALL. The first process's end ends everything
 * that could see its adjustments.
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

/* The adjustment SEM_UNDO keeps for one process and semaphore. */
struct sem_undo {
	int pid, id, num, adj;
	struct sem_undo *next;
};

static struct ipc_ids sem_ids;
static struct sem_undo *undos;

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

/* The running process's adjustment of semaphore num of set id, or NULL.
 * ipc_lock held. */
static struct sem_undo *find_undo(int id, int num)
{
	for (struct sem_undo *u = undos; u; u = u->next)
		if (u->pid == process_pid && u->id == id && u->num == num)
			return u;
	return NULL;
}

/* Applies ops to s if none blocks: 0, -ERANGE, or 1 with *blocked the
 * operation that would block; the SEM_UNDO entries exist. */
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
		if (ops[i].sem_flg & SEM_UNDO)
			find_undo(s->obj.id, ops[i].sem_num)->adj -= ops[i].sem_op;
	}
	return 0;
}

/* Makes sure every SEM_UNDO operation of ops has its adjustment entry, so
 * that applying them cannot fail: 0 or -ENOMEM. ipc_lock held. */
static int undo_entries(int id, const struct sembuf *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!(ops[i].sem_flg & SEM_UNDO) || find_undo(id, ops[i].sem_num))
			continue;
		struct sem_undo *u = kmalloc(sizeof(*u));
		if (!u)
			return -ENOMEM;
		*u = (struct sem_undo){ process_pid, id, ops[i].sem_num, 0, undos };
		undos = u;
	}
	return 0;
}

/* Drops the adjustments that match: of semaphore num of set id (num -1:
 * every one), or (id -1) of the process pid. ipc_lock held. */
static void drop_undos(int pid, int id, int num)
{
	for (struct sem_undo **uu = &undos; *uu;) {
		struct sem_undo *u = *uu;
		if (id < 0 ? u->pid == pid : u->id == id && (num < 0 || u->num == num)) {
			*uu = u->next;
			kfree(u);
		} else {
			uu = &u->next;
		}
	}
}

void sem_process_end(int pid)
{
	mutex_lock(&ipc_lock);
	for (struct sem_undo *u = undos; u; u = u->next) {
		struct sem_set *s = (struct sem_set *)ipc_find(&sem_ids, u->id);
		if (u->pid != pid || !u->adj || !s)
			continue;
		int v = s->sems[u->num].val + u->adj;
		s->sems[u->num].val = (unsigned short)(v < 0 ? 0 : v > SEM_VALUE_MAX ? SEM_VALUE_MAX : v);
		s->sems[u->num].pid = pid;
		ipc_wake();
	}
	drop_undos(pid, -1, -1);
	mutex_unlock(&ipc_lock);
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
		if ((r = undo_entries(id, ops, n)) || (r = try_ops(s, ops, n, &b)) <= 0)
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
	drop_undos(0, s->obj.id, -1);
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
		drop_undos(0, s->obj.id, -1);
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
		drop_undos(0, s->obj.id, num);
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

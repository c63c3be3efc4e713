/*
 * SysV message queues: msgget, msgsnd, msgrcv, msgctl.
 *
 * A queue is a list of messages in the order they were sent, bounded by
 * msg_qbytes (bytes of text, and as many messages, as Linux counts). A
 * sender waits for room and a receiver for a message of the type it
 * asks for; both sleep through ipc_wait(). A received message is
 * copied out before it leaves the queue, so a bad buffer loses nothing.
 */
#include <errno.h>
#include <sys/msg.h>

#include <unishyper/kmalloc.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>

#include "ipc.h"

/* Linux's defaults: the largest message and a new queue's msg_qbytes. */
#define MSG_MAX 8192
#define MSG_QBYTES 16384

struct msg {
	struct msg *next;
	long type;
	size_t len;
	char text[];
};

struct msg_queue {
	struct ipc_obj obj; /* first: ipc_find() gives it back */
	struct msg *head, **tail;
	size_t qnum, cbytes, qbytes;
	int64_t stime, rtime;
	int lspid, lrpid;
};

static struct ipc_ids msg_ids;

static void free_queue(struct msg_queue *q)
{
	while (q->head) {
		struct msg *m = q->head;
		q->head = m->next;
		kfree(m);
	}
	kfree(q);
}

static struct ipc_obj *create(void *arg, int *err)
{
	struct msg_queue *q = kzalloc(sizeof(*q));

	if (!q)
		return NULL;
	q->tail = &q->head;
	q->qbytes = MSG_QBYTES;
	return &q->obj;
}

static int check(struct ipc_obj *o, void *arg)
{
	return 0;
}

SYSCALL_DEFINE2(msgget, key_t, key, int, flags)
{
	mutex_lock(&ipc_lock);
	int r = ipc_get(&msg_ids, key, flags, create, check, NULL);
	mutex_unlock(&ipc_lock);
	return r;
}

SYSCALL_DEFINE4(msgsnd, int, id, const void *, msgp, size_t, size, int, flags)
{
	struct msg_queue *q;
	struct msg *m;
	long type, r = 0;

	if (size > MSG_MAX)
		return -EINVAL;
	if (uaccess_get(type, (const long *)msgp))
		return -EFAULT;
	if (type < 1)
		return -EINVAL;
	if (!(m = kmalloc(sizeof(*m) + size)))
		return -ENOMEM;
	*m = (struct msg){ NULL, type, size };
	if (uaccess_from(m->text, (const char *)msgp + sizeof(long), size)) {
		kfree(m);
		return -EFAULT;
	}
	mutex_lock(&ipc_lock);
	if (!(q = (struct msg_queue *)ipc_find(&msg_ids, id))) {
		r = -EINVAL;
		goto out;
	}
	while (q->cbytes + size > q->qbytes || q->qnum + 1 > q->qbytes) {
		if (flags & IPC_NOWAIT) {
			r = -EAGAIN;
			goto out;
		}
		if ((r = ipc_wait(&msg_ids, id, SCHED_FOREVER, (struct ipc_obj **)&q)))
			goto out;
	}
	*q->tail = m;
	q->tail = &m->next;
	m = NULL;
	q->qnum++;
	q->cbytes += size;
	q->stime = ipc_now();
	q->lspid = process_pid;
	ipc_wake();
out:
	mutex_unlock(&ipc_lock);
	kfree(m);
	return r;
}

/* The link to the first message msgrcv's type and flags select, or NULL:
 * 0 the first; above 0 the first of that type (of any other with
 * MSG_EXCEPT); below 0 the first of the lowest type up to -type. */
static struct msg **select_msg(struct msg_queue *q, long type, int flags)
{
	struct msg **best = NULL;

	for (struct msg **pp = &q->head; *pp; pp = &(*pp)->next) {
		long t = (*pp)->type;
		if (type == 0 || (type > 0 && (flags & MSG_EXCEPT ? t != type : t == type)))
			return pp;
		if (type < 0 && t <= -type && (!best || t < (*best)->type))
			best = pp;
	}
	return best;
}

SYSCALL_DEFINE5(msgrcv, int, id, void *, msgp, size_t, size, long, type, int, flags)
{
	struct msg_queue *q;
	struct msg **pp, *m = NULL;
	long r;

	if ((long)size < 0)
		return -EINVAL;
	if (flags & 040000) /* MSG_COPY: checkpoint/restore only */
		return -ENOSYS;
	mutex_lock(&ipc_lock);
	if (!(q = (struct msg_queue *)ipc_find(&msg_ids, id))) {
		r = -EINVAL;
		goto out;
	}
	while (!(pp = select_msg(q, type, flags))) {
		if (flags & IPC_NOWAIT) {
			r = -ENOMSG;
			goto out;
		}
		if ((r = ipc_wait(&msg_ids, id, SCHED_FOREVER, (struct ipc_obj **)&q)))
			goto out;
	}
	m = *pp;
	if (m->len > size && !(flags & MSG_NOERROR)) {
		r = -E2BIG;
		m = NULL;
		goto out;
	}
	size_t n = m->len < size ? m->len : size;
	if (uaccess_put((long *)msgp, m->type) ||
	    uaccess_to((char *)msgp + sizeof(long), m->text, n)) {
		r = -EFAULT;
		m = NULL;
		goto out;
	}
	*pp = m->next;
	if (q->tail == &m->next)
		q->tail = pp;
	q->qnum--;
	q->cbytes -= m->len;
	q->rtime = ipc_now();
	q->lrpid = process_pid;
	ipc_wake();
	r = (long)n;
out:
	mutex_unlock(&ipc_lock);
	kfree(m);
	return r;
}

static long stat_queue(struct msg_queue *q, struct msqid_ds *buf)
{
	struct msqid_ds k = { .msg_stime = q->stime, .msg_rtime = q->rtime,
			      .msg_ctime = q->obj.ctime, .msg_cbytes = q->cbytes,
			      .msg_qnum = q->qnum, .msg_qbytes = q->qbytes,
			      .msg_lspid = q->lspid, .msg_lrpid = q->lrpid };

	ipc_perm_get(&q->obj, &k.msg_perm);
	return uaccess_put(buf, k);
}

SYSCALL_DEFINE3(msgctl, int, id, int, cmd, struct msqid_ds *, buf)
{
	struct msqid_ds in;
	struct msg_queue *q;
	long r = 0;

	cmd = ipc_cmd(cmd);
	if (cmd == IPC_SET && uaccess_get(in, buf))
		return -EFAULT;
	mutex_lock(&ipc_lock);
	if (!(q = (struct msg_queue *)ipc_find(&msg_ids, id))) {
		r = -EINVAL;
		goto out;
	}
	switch (cmd) {
	case IPC_STAT:
		r = stat_queue(q, buf);
		break;
	case IPC_SET: /* root may raise msg_qbytes past the default */
		ipc_perm_set(&q->obj, &in.msg_perm);
		q->qbytes = in.msg_qbytes;
		ipc_wake();
		break;
	case IPC_RMID: /* sleepers find it gone: EIDRM */
		ipc_remove(&msg_ids, &q->obj);
		free_queue(q);
		break;
	default:
		r = -EINVAL;
	}
out:
	mutex_unlock(&ipc_lock);
	return r;
}

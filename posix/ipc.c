/*
 * SysV IPC identifiers, keys, permissions and sleeping (see ipc.h).
 *
 * An id is a slot index plus IPC_SLOTS times a sequence number, so the id
 * of a removed object does not find the object that takes its slot next
 * (Linux does the same with IPCMNI). Sleepers wait on one queue for a
 * generation counter to move: changes are few and the program is one, so
 * waking every sleeper costs less than tracking who waits for what.
 */
#include <errno.h>

#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/time.h>
#include <unishyper/wait.h>

#include "ipc.h"

struct mutex ipc_lock = MUTEX_INIT(ipc_lock);
static struct waitq ipc_waitq = WAITQ_INIT(ipc_waitq);
static uint64_t ipc_generation;

int ipc_get(struct ipc_ids *ids, key_t key, int flags,
	    struct ipc_obj *(*create)(void *arg, int *err), int (*check)(struct ipc_obj *o, void *arg),
	    void *arg)
{
	int free_slot = -1, err = -ENOMEM;

	for (int i = 0; i < IPC_SLOTS; i++) {
		struct ipc_obj *o = ids->slots[i];
		if (!o) {
			free_slot = free_slot < 0 ? i : free_slot;
			continue;
		}
		if (key == IPC_PRIVATE || o->key != key)
			continue;
		if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
			return -EEXIST;
		int r = check(o, arg);
		return r ? r : o->id;
	}
	if (key != IPC_PRIVATE && !(flags & IPC_CREAT))
		return -ENOENT;
	if (free_slot < 0)
		return -ENOSPC;
	struct ipc_obj *o = create(arg, &err);
	if (!o)
		return err;
	ids->seq = (ids->seq + 1) % (0x7fffffff / IPC_SLOTS);
	o->id = (int)(ids->seq * IPC_SLOTS) + free_slot;
	o->key = key;
	o->mode = (unsigned)flags & 0777;
	o->uid = o->gid = 0;
	o->ctime = ipc_now();
	ids->slots[free_slot] = o;
	return o->id;
}

struct ipc_obj *ipc_find(struct ipc_ids *ids, int id)
{
	struct ipc_obj *o;

	if (id < 0)
		return NULL;
	o = ids->slots[id % IPC_SLOTS];
	return o && o->id == id ? o : NULL;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
	ids->slots[o->id % IPC_SLOTS] = NULL;
	ipc_wake();
}

void ipc_perm_get(const struct ipc_obj *o, struct ipc_perm *p)
{
	*p = (struct ipc_perm){ .__ipc_perm_key = o->key, .uid = o->uid, .gid = o->gid,
				.cuid = 0, .cgid = 0, .mode = o->mode,
				.__ipc_perm_seq = o->id / IPC_SLOTS };
}

void ipc_perm_set(struct ipc_obj *o, const struct ipc_perm *p)
{
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = p->mode & 0777;
	o->ctime = ipc_now();
}

int64_t ipc_now(void)
{
	return (int64_t)(time_realtime_ns() / 1000000000ull);
}

struct since {
	uint64_t generation;
};

static bool moved(void *arg)
{
	const struct since *s = arg;

	return __atomic_load_n(&ipc_generation, __ATOMIC_ACQUIRE) != s->generation;
}

static int ipc_sleep(uint64_t deadline)
{
	struct since s = { __atomic_load_n(&ipc_generation, __ATOMIC_ACQUIRE) };

	mutex_unlock(&ipc_lock);
	int r = waitq_wait(&ipc_waitq, moved, &s, deadline, true);
	if (r == -EINTR)
		signal_deliver_pending();
	mutex_lock(&ipc_lock);
	return r;
}

int ipc_wait(struct ipc_ids *ids, int id, uint64_t deadline, struct ipc_obj **o)
{
	int r = ipc_sleep(deadline);

	return (*o = ipc_find(ids, id)) ? r : -EIDRM;
}

void ipc_wake(void)
{
	__atomic_add_fetch(&ipc_generation, 1, __ATOMIC_RELEASE);
	waitq_wake_all(&ipc_waitq);
}

/*
 * SysV IPC within the image (posix/ipc.c): the identifiers, keys and
 * permissions that shared memory, semaphores and message queues share,
 * and the sleeping of their blocking calls.
 *
 * Everything is under one sleeping lock, ipc_lock, which never covers a
 * lock the page-fault path needs: handlers copy program memory while they
 * hold it. A blocking call sleeps with ipc_wait(), which drops the lock;
 * every change that may let a sleeper go on calls ipc_wake(), and the
 * sleepers look again. The program is root, so permission bits are kept
 * and reported but never refuse anything.
 */
#ifndef POSIX_IPC_H
#define POSIX_IPC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ipc.h>

#include <unishyper/mutex.h>

/* Objects of one kind at once (Linux's SHMMNI; IPCMNI bounds the ids). */
#define IPC_SLOTS 1024

struct ipc_obj {
	int id;
	key_t key;
	unsigned mode; /* the low 9 bits of the creating flags, or IPC_SET's */
	uid_t uid;
	gid_t gid;
	int64_t ctime; /* seconds: creation or the last IPC_SET */
};

struct ipc_ids {
	struct ipc_obj *slots[IPC_SLOTS];
	unsigned seq; /* makes a reused slot give a new id */
};

extern struct mutex ipc_lock;

/*
 * The object with key (a new one for IPC_PRIVATE, or when absent and
 * IPC_CREAT), as the *get calls find it; ipc_lock held. create() makes a
 * new object (or returns NULL for -ENOMEM, or an ERR via *err); check()
 * vets an existing one (0 or a negative errno). Returns the id or
 * -ENOENT, -EEXIST (IPC_CREAT|IPC_EXCL), -ENOSPC, -ENOMEM, check's error.
 */
int ipc_get(struct ipc_ids *ids, key_t key, int flags,
	    struct ipc_obj *(*create)(void *arg, int *err), int (*check)(struct ipc_obj *o, void *arg),
	    void *arg);

/* The object with id, or NULL; ipc_lock held. */
struct ipc_obj *ipc_find(struct ipc_ids *ids, int id);

/* Takes o out of ids (its id no longer finds it); ipc_lock held. The
 * caller frees o. Wakes every sleeper, which sees its object gone. */
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);

/* The ipc_perm of o, for IPC_STAT; IPC_SET's changes from p. */
void ipc_perm_get(const struct ipc_obj *o, struct ipc_perm *p);
void ipc_perm_set(struct ipc_obj *o, const struct ipc_perm *p);

/* Seconds of CLOCK_REALTIME, for the *_time fields. */
int64_t ipc_now(void);

/* Sleeps with ipc_lock dropped until ipc_wake(), the deadline (time_ns();
 * SCHED_FOREVER) or a signal, then finds the object with id again in *o;
 * ipc_lock is held again on return. -EIDRM when the object was removed
 * meanwhile (*o is NULL); else 0, -ETIMEDOUT or -EINTR (the signal's
 * handler has run). */
int ipc_wait(struct ipc_ids *ids, int id, uint64_t deadline, struct ipc_obj **o);

/* Something changed: every ipc_wait() looks again. ipc_lock held. */
void ipc_wake(void);

/* The command of a *ctl call without the IPC_64 flag musl adds. */
static inline int ipc_cmd(int cmd)
{
	return cmd & ~0x100;
}

/*
 * A fork child's shared-memory attaches (shm.c): shm_fork() gives the
 * child records of its own for the parent's attaches, each segment
 * counting one attach more, as on Linux, and keeps the parent's in
 * *parent: 0 or -ENOMEM. shm_fork_end() detaches what the child still
 * has attached (its mappings go with its memory) and gives the parent its
 * records back.
 */
struct shm_attach;
int shm_fork(struct shm_attach **parent);
void shm_fork_end(struct shm_attach *parent);

/* A process ended: its SEM_UNDO adjustments apply (sem.c). */
void sem_process_end(int pid);

#endif

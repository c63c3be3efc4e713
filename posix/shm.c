/*
 * SysV shared memory: shmget, shmat, shmdt, shmctl.
 *
 * A segment is one set of frames, allocated and zeroed when it is created
 * and mapped whole at every attach (vm_map_frames), so threads that attach
 * it at different addresses see the same bytes. The segment owns the
 * frames: an unmap leaves them, and they go back once the segment is
 * removed (IPC_RMID) and its last attach is gone. A removed segment keeps
 * its id while attached, as on Linux, but no key finds it any more.
 * shmdt undoes the attach that begins at its address; a segment unmapped
 * with munmap instead still counts that attach until the process ends.
 * The records of the attaches are the running process's: a fork child
 * gets copies (shm_fork).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include <arch/mmu.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/process.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>
#include <unishyper/vm.h>

#include "ipc.h"

/* Linux's SHMMAX and SHMALL defaults bound a segment to what a 64-bit
 * address can hold; memory bounds it here first. */
#define SHM_DEST_MODE 01000

struct shm_seg {
	struct ipc_obj obj; /* first: ipc_find() gives it back */
	size_t size, npages;
	uint64_t *frames;
	unsigned long nattch;
	int64_t atime, dtime;
	bool removed;
};

struct shm_attach {
	uintptr_t addr;
	struct shm_seg *seg;
	struct shm_attach *next;
};

static struct ipc_ids shm_ids;
static struct shm_attach *shm_attaches;

static void free_seg(struct shm_seg *s)
{
	vm_free_frames(s->frames, s->npages);
	kfree(s->frames);
	kfree(s);
}

static struct ipc_obj *create(void *arg, int *err)
{
	size_t size = *(size_t *)arg, npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct shm_seg *s;

	if (!size || npages > pmem_free_pages()) {
		*err = size ? -ENOMEM : -EINVAL;
		return NULL;
	}
	if (!(s = kmalloc(sizeof(*s))))
		return NULL;
	*s = (struct shm_seg){ .size = size, .npages = 0 };
	if (!(s->frames = kmalloc(npages * sizeof(*s->frames)))) {
		kfree(s);
		return NULL;
	}
	for (; s->npages < npages; s->npages++) {
		uint64_t phys = pmem_alloc(1);
		if (!phys) {
			free_seg(s);
			return NULL;
		}
		memset(phys_to_virt(phys), 0, PAGE_SIZE);
		s->frames[s->npages] = phys;
	}
	return &s->obj;
}

static int check(struct ipc_obj *o, void *arg)
{
	return *(size_t *)arg > ((struct shm_seg *)o)->size ? -EINVAL : 0;
}

SYSCALL_DEFINE3(shmget, key_t, key, size_t, size, int, flags)
{
	mutex_lock(&ipc_lock);
	int r = ipc_get(&shm_ids, key, flags, create, check, &size);
	mutex_unlock(&ipc_lock);
	return r;
}

SYSCALL_DEFINE3(shmat, int, id, uintptr_t, addr, int, flags)
{
	struct shm_attach *a;
	struct shm_seg *s;
	long r;

	if (addr && (flags & SHM_RND))
		addr &= ~(uintptr_t)(SHMLBA - 1);
	if (addr & (SHMLBA - 1))
		return -EINVAL;
	if (!(a = kmalloc(sizeof(*a))))
		return -ENOMEM;
	mutex_lock(&ipc_lock);
	if (!(s = (struct shm_seg *)ipc_find(&shm_ids, id))) {
		r = -EINVAL;
		goto out;
	}
	unsigned prot = VM_READ | (flags & SHM_RDONLY ? 0 : VM_WRITE) |
			(flags & SHM_EXEC ? VM_EXEC : 0);
	if (addr && (flags & SHM_REMAP))
		(void)vm_unmap(addr, s->npages * PAGE_SIZE);
	if ((r = vm_map_frames(addr, s->frames, s->npages, prot, addr != 0)) < 0)
		goto out;
	*a = (struct shm_attach){ (uintptr_t)r, s, shm_attaches };
	shm_attaches = a;
	a = NULL;
	s->nattch++;
	s->atime = ipc_now();
out:
	mutex_unlock(&ipc_lock);
	kfree(a);
	return r;
}

/* One attach of s fewer; ipc_lock held. */
static void detach(struct shm_seg *s)
{
	s->dtime = ipc_now();
	if (!--s->nattch && s->removed) {
		ipc_remove(&shm_ids, &s->obj);
		free_seg(s);
	}
}

SYSCALL_DEFINE1(shmdt, uintptr_t, addr)
{
	struct shm_attach **pp, *a = NULL;

	mutex_lock(&ipc_lock);
	for (pp = &shm_attaches; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr) {
			a = *pp;
			*pp = a->next;
			break;
		}
	}
	if (a) {
		(void)vm_unmap(addr, a->seg->npages * PAGE_SIZE);
		detach(a->seg);
	}
	mutex_unlock(&ipc_lock);
	kfree(a);
	return a ? 0 : -EINVAL;
}

static void free_records(struct shm_attach *list)
{
	while (list) {
		struct shm_attach *next = list->next;
		kfree(list);
		list = next;
	}
}

int shm_fork(struct shm_attach **parent)
{
	struct shm_attach *copy = NULL, **tail = &copy;

	mutex_lock(&ipc_lock);
	for (struct shm_attach *a = shm_attaches; a; a = a->next) {
		if (!(*tail = kmalloc(sizeof(**tail)))) {
			mutex_unlock(&ipc_lock);
			free_records(copy);
			return -ENOMEM;
		}
		**tail = (struct shm_attach){ a->addr, a->seg, NULL };
		tail = &(*tail)->next;
	}
	for (struct shm_attach *a = copy; a; a = a->next)
		a->seg->nattch++;
	*parent = shm_attaches;
	shm_attaches = copy;
	mutex_unlock(&ipc_lock);
	return 0;
}

void shm_fork_end(struct shm_attach *parent)
{
	mutex_lock(&ipc_lock);
	struct shm_attach *child = shm_attaches;
	shm_attaches = parent;
	for (struct shm_attach *a = child; a; a = a->next)
		detach(a->seg);
	mutex_unlock(&ipc_lock);
	free_records(child);
}

static long stat_seg(struct shm_seg *s, struct shmid_ds *buf)
{
	struct shmid_ds k = { .shm_segsz = s->size, .shm_atime = s->atime,
			      .shm_dtime = s->dtime, .shm_ctime = s->obj.ctime,
			      .shm_cpid = process_pid, .shm_lpid = s->nattch || s->dtime ? process_pid : 0,
			      .shm_nattch = s->nattch };

	ipc_perm_get(&s->obj, &k.shm_perm);
	k.shm_perm.mode |= s->removed ? SHM_DEST_MODE : 0;
	return uaccess_put(buf, k);
}

SYSCALL_DEFINE3(shmctl, int, id, int, cmd, struct shmid_ds *, buf)
{
	struct shmid_ds in;
	struct shm_seg *s;
	long r = 0;

	cmd = ipc_cmd(cmd);
	if (cmd == IPC_SET && uaccess_get(in, buf))
		return -EFAULT;
	mutex_lock(&ipc_lock);
	if (!(s = (struct shm_seg *)ipc_find(&shm_ids, id))) {
		r = -EINVAL;
		goto out;
	}
	switch (cmd) {
	case IPC_STAT:
		r = stat_seg(s, buf);
		break;
	case IPC_SET:
		ipc_perm_set(&s->obj, &in.shm_perm);
		break;
	case IPC_RMID:
		if (s->nattch) { /* goes with its last detach */
			s->removed = true;
			s->obj.key = IPC_PRIVATE;
		} else {
			ipc_remove(&shm_ids, &s->obj);
			free_seg(s);
		}
		break;
	case SHM_LOCK:
	case SHM_UNLOCK: /* nothing is ever swapped out */
		break;
	default:
		r = -EINVAL;
	}
out:
	mutex_unlock(&ipc_lock);
	return r;
}

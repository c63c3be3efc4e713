/*
 * Robust futex lists: set_robust_list, get_robust_list, and what the
 * kernel does with the list when its thread ends.
 *
 * A thread's list (Linux's struct robust_list_head, in program memory)
 * chains the robust mutexes it holds; each entry is a pointer to the next,
 * and the futex word of an entry lies futex_offset bytes from it (bit 0 of
 * an entry pointer marks a PI mutex). musl walks the list itself in
 * pthread_exit; the kernel's walk covers a thread that ends otherwise (a
 * direct SYS_exit), so the next locker gets EOWNERDEAD instead of a hang.
 * The list is read only through uaccess: a corrupt list ends the walk,
 * never the kernel.
 */
#include <errno.h>
#include <stdint.h>

#include <unishyper/futex.h>
#include <unishyper/sched.h>
#include <unishyper/syscall.h>
#include <unishyper/thread.h>
#include <unishyper/uaccess.h>

/* As Linux: a cycle in a corrupt list stops after this many entries. */
#define ROBUST_LIST_LIMIT 2048

struct robust_head {
	uintptr_t list;
	long futex_offset;
	uintptr_t pending;
};

SYSCALL_DEFINE2(set_robust_list, struct robust_head *, head, size_t, len)
{
	if (len != sizeof(*head))
		return -EINVAL;
	current()->robust_list = head;
	return 0;
}

SYSCALL_DEFINE3(get_robust_list, int, tid, struct robust_head **, head, size_t *, len)
{
	struct thread *t = tid ? sched_find(tid) : current();
	size_t size = sizeof(struct robust_head);

	if (!t)
		return -ESRCH;
	struct robust_head *h = t->robust_list;

	return uaccess_put(head, h) || uaccess_put(len, size) ? -EFAULT : 0;
}

static void release_entry(uintptr_t entry, long offset, uint32_t tid)
{
	uintptr_t word = (entry & ~(uintptr_t)1) + (uintptr_t)offset;

	if (!(word & 3))
		(void)futex_owner_died((uint32_t *)word, tid);
}

void robust_list_release(struct thread *t)
{
	uintptr_t head = (uintptr_t)t->robust_list, entry;
	struct robust_head h;

	if (!head || uaccess_get(h, (struct robust_head *)head))
		return;
	entry = h.list;
	for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		uintptr_t next;
		if (uaccess_get(next, (uintptr_t *)(entry & ~(uintptr_t)1)))
			return;
		if (entry != h.pending)
			release_entry(entry, h.futex_offset, (uint32_t)t->tid);
		entry = next;
	}
	if (h.pending)
		release_entry(h.pending, h.futex_offset, (uint32_t)t->tid);
}

/*
 * Address-space areas (see vm.h).
 *
 * Areas are kept in a sorted singly linked list; a program has a few dozen
 * at most, as a new anonymous mapping or a growth of the brk heap joins
 * its anonymous neighbours. Anonymous areas get their pages on first touch through
 * vm_fault(), zeroed; unmapping returns them to pmem. Guard pages are areas
 * without permissions, so nothing is placed there and touching them is
 * reported as a stack overflow; under a stack the guard is 1 MiB. The
 * page tables are changed only through arch/mmu.h, under vm_lock; a frame
 * is freed only after every CPU has flushed its TLB, and not while a
 * device may still be moving data into it (vm_dma_map): such frames wait
 * on a list until the last DMA is done. Page-table pages left empty by an
 * unmap go back to pmem too, and new areas take the lowest gap that fits,
 * so address space and tables are reused.
 *
 * The calls that change areas run on a stack of the CPU's own
 * (arch_call_on_cpu_stack): a program may unmap or protect the very stack
 * its system call runs on, and the kernel must not fault on it while it
 * holds vm_lock, which the page-fault path takes. Back on the program's
 * stack, such a fault is the program's (trap.c).
 *
 * A mapping is refused when it could never be backed: larger than all of
 * RAM plus what is free now (Linux's heuristic overcommit). A page that
 * cannot be backed when first touched is VM_FAULT_OOM. It is refused too
 * beyond RLIMIT_AS (all areas) or RLIMIT_DATA (the brk heap and writable
 * private mappings that are not stacks), as Linux counts them.
 *
 * Frame areas (VM_FRAMES) map frames that someone else owns (SysV shared
 * memory): one set of frames at several addresses, mapped at once and
 * never freed by an unmap, only given back by their owner through
 * vm_free_frames().
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <arch/percpu.h>
#include <unishyper/filemap.h>
#include <unishyper/image.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/spinlock.h>
#include <unishyper/vm.h>

#define VM_LAZY 0x100u  /* pages allocated on first touch */
#define VM_GUARD 0x200u /* a guard page: never accessible */
#define VM_FILE 0x400u  /* pages of a file (fm, pgoff) */
#define VM_STACK 0x1000u  /* a stack: not data for RLIMIT_DATA */
#define VM_FRAMES 0x2000u /* frames owned elsewhere, mapped from the start */
#define VM_KERNEL 0x4000u /* the kernel's own: its data, its threads' stacks */
#define BRK_MAX (1ul << 30)
/* Below every stack: 1 MiB of address space, no memory. A page would do
 * for small frames, but one frame larger than the gap could step over it. */
#define STACK_GUARD (1ul << 20)

struct vm_area {
	uintptr_t start, end;
	unsigned flags; /* VM_READ/WRITE/EXEC and the VM_ flags above */
	const char *name;
	struct vm_area *next;
	struct filemap *fm; /* VM_FILE: the file's pages, one reference */
	uint64_t pgoff;     /* VM_FILE: the file page at start */
};

extern char __image_start[], __text_start[], __text_end[], __rodata_end[];
extern char __data_end[], __program_data_start[], __program_data_end[];
extern char __boot_stack_guard[], __ist_stack_guard[];

static spinlock_t vm_lock = SPINLOCK_INIT; /* the areas and the page tables */
static struct vm_area *areas;
static uintptr_t brk_start, brk_cur;
static uint64_t resident;
static struct vm_area *dead; /* removed file areas: their filemap_put waits for
			      * the end of the change (it may sleep) */
static int file_areas;       /* VM_FILE areas: vm_populate's fast path */
static uint64_t limit_as = UINT64_MAX, limit_data = UINT64_MAX; /* bytes */

static unsigned mmu_flags(unsigned flags)
{
	return (flags & VM_WRITE ? MMU_WRITE : 0) | (flags & VM_EXEC ? MMU_EXEC : 0);
}

static struct vm_area *find(uintptr_t addr)
{
	for (struct vm_area *a = areas; a && a->start <= addr; a = a->next)
		if (addr < a->end)
			return a;
	return NULL;
}

static struct vm_area *insert(uintptr_t start, uintptr_t end, unsigned flags, const char *name)
{
	struct vm_area *a = kmalloc(sizeof(*a)), **pp = &areas;

	if (!a)
		return NULL;
	*a = (struct vm_area){ .start = start, .end = end, .flags = flags, .name = name };
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	a->next = *pp;
	*pp = a;
	return a;
}

/* Whether b continues a: adjacent anonymous memory of the same kind. */
static bool mergeable(const struct vm_area *a, const struct vm_area *b)
{
	return a->end == b->start && a->flags == b->flags && a->name == b->name &&
	       (a->flags & (VM_LAZY | VM_FILE | VM_FRAMES | VM_GUARD | VM_STACK)) == VM_LAZY;
}

/* Joins the area that starts at addr with its neighbours where they are
 * mergeable, as Linux merges mappings: the brk heap grown page by page and
 * the many small mmaps of musl's malloc then stay a few areas, and the
 * list walks stay short. */
static void merge_around(uintptr_t addr)
{
	struct vm_area *prev = NULL, *a = areas, *next;

	while (a && a->start < addr) {
		prev = a;
		a = a->next;
	}
	if (!a || a->start != addr)
		return;
	if ((next = a->next) && mergeable(a, next)) {
		a->end = next->end;
		a->next = next->next;
		kfree(next);
	}
	if (prev && mergeable(prev, a)) {
		prev->end = a->end;
		prev->next = a->next;
		kfree(a);
	}
}

/* Makes addr an area boundary, splitting the area that contains it. */
static int split(uintptr_t addr)
{
	struct vm_area *a = find(addr), *b;

	if (!a || a->start == addr)
		return 0;
	if (!(b = kmalloc(sizeof(*b))))
		return -ENOMEM;
	*b = *a;
	b->start = addr;
	a->end = addr;
	a->next = b;
	if (a->flags & VM_FILE) {
		filemap_ref(a->fm);
		b->pgoff += (addr - a->start) / PAGE_SIZE;
		file_areas++;
	}
	return 0;
}

static int dma_users; /* vm_dma_map() calls not yet done */
static struct deferred {
	uint64_t phys;
	struct deferred *next;
} *deferred; /* frames unmapped while dma_users > 0 */

/* Frees a frame, or defers it while a device may be writing into it. A
 * frame that cannot be listed is lost rather than reused too early. */
static void release_frame(uint64_t phys)
{
	struct deferred *d;

	if (!dma_users) {
		pmem_free(phys, 1);
	} else if ((d = kmalloc(sizeof(*d)))) {
		d->phys = phys;
		d->next = deferred;
		deferred = d;
	}
}

/* Frees the page-table pages that [start, end) left empty, once no CPU
 * can still walk them. */
static void free_tables(uintptr_t start, uintptr_t end)
{
	uint64_t batch[64];
	int n;

	do {
		n = mmu_prune(start, end, batch, 64);
		if (n)
			mmu_shootdown();
		for (int i = 0; i < n; i++)
			pmem_free(batch[i], 1);
	} while (n == 64);
}

static uint64_t file_page(const struct vm_area *a, uintptr_t va)
{
	return a->pgoff + (va - a->start) / PAGE_SIZE;
}

/* Unmaps one page of a; returns the frame to free (0 for none): a file
 * page belongs to the cache, whose copy learns that it was written, and a
 * frame area's frames to their owner. */
static uint64_t unmap_page(const struct vm_area *a, uintptr_t va)
{
	if (a->flags & VM_FRAMES) {
		mmu_unmap(va);
		return 0;
	}
	if (!(a->flags & VM_FILE))
		return mmu_unmap(va);
	if ((a->flags & VM_SHARED) && mmu_clear_dirty(va))
		filemap_dirty(a->fm, file_page(a, va));
	uint64_t phys = mmu_unmap(va);
	return phys && phys != filemap_peek(a->fm, file_page(a, va)) ? phys : 0;
}

/* Frames unmapped and not yet freed: other CPUs must have flushed their
 * TLBs before a frame is reused, so they go in batches. */
struct batch {
	uint64_t phys[64];
	int n;
	bool owed; /* a shootdown, for pages unmapped but kept */
};

static void flush_batch(struct batch *b)
{
	if (b->n || b->owed)
		mmu_shootdown();
	while (b->n)
		release_frame(b->phys[--b->n]);
	b->owed = false;
}

/* Unmaps page va of area a; its frame, if a's own, goes in b. */
static void drop_page(struct batch *b, const struct vm_area *a, uintptr_t va)
{
	uint64_t phys = unmap_page(a, va);

	b->owed = true;
	if (!phys)
		return;
	b->phys[b->n++] = phys;
	resident--;
	if (b->n == 64)
		flush_batch(b);
}

/* Unmaps the pages of [start, end) within area a and frees their frames.
 * Only mapped pages cost time. */
static void free_pages(const struct vm_area *a, uintptr_t start, uintptr_t end)
{
	struct batch b = { .n = 0 };

	for (uintptr_t va = mmu_next_mapped(start, end); va < end;
	     va = mmu_next_mapped(va + PAGE_SIZE, end))
		drop_page(&b, a, va);
	flush_batch(&b);
	free_tables(start, end);
}

static void remove_range(uintptr_t start, uintptr_t end, bool release)
{
	struct vm_area **pp = &areas;

	while (*pp) {
		struct vm_area *a = *pp;
		if (a->start >= start && a->end <= end) {
			if (release)
				free_pages(a, a->start, a->end);
			*pp = a->next;
			if (a->flags & VM_FILE) {
				file_areas--;
				a->next = dead;
				dead = a;
			} else {
				kfree(a);
			}
		} else {
			pp = &a->next;
		}
	}
}

static bool range_free(uintptr_t start, uintptr_t end)
{
	for (struct vm_area *a = areas; a; a = a->next)
		if (a->start < end && start < a->end)
			return false;
	return true;
}

/* The lowest gap of len bytes in the mmap range, or 0. */
static uintptr_t find_gap(size_t len)
{
	uintptr_t at = MMAP_BASE;

	for (struct vm_area *a = areas; a; a = a->next) {
		if (a->end <= at)
			continue;
		if (a->start >= at + len)
			break;
		at = a->end;
	}
	return at + len <= MMAP_END && at + len > at ? at : 0;
}

/* Whether len more bytes could ever be backed (see the top). */
static bool may_commit(size_t len)
{
	return len / PAGE_SIZE <= pmem_total_pages() + pmem_free_pages();
}

static bool is_data(unsigned flags)
{
	return (flags & (VM_LAZY | VM_WRITE)) == (VM_LAZY | VM_WRITE) &&
	       !(flags & (VM_STACK | VM_FRAMES | VM_SHARED));
}

/* Whether len more bytes of an area with flags stay within RLIMIT_AS and
 * RLIMIT_DATA. The areas are counted only when a limit is set. */
static bool within_limits(size_t len, unsigned flags)
{
	uint64_t as = len, data = is_data(flags) ? len : 0;

	if (limit_as == UINT64_MAX && (limit_data == UINT64_MAX || !data))
		return true;
	for (struct vm_area *a = areas; a; a = a->next) {
		as += a->end - a->start;
		data += is_data(a->flags) ? a->end - a->start : 0;
	}
	return as <= limit_as && (!is_data(flags) || data <= limit_data);
}

void vm_init(void)
{
	insert((uintptr_t)__image_start, (uintptr_t)__text_start, VM_READ, "image headers");
	insert((uintptr_t)__text_start, (uintptr_t)__text_end, VM_READ | VM_EXEC, "text");
	insert((uintptr_t)__text_end, (uintptr_t)__rodata_end, VM_READ, "rodata");
	insert((uintptr_t)__rodata_end, (uintptr_t)__program_data_start,
	       VM_READ | VM_WRITE | VM_KERNEL, "kernel data");
	insert((uintptr_t)__program_data_start, (uintptr_t)__program_data_end,
	       VM_READ | VM_WRITE, "data");
	insert((uintptr_t)__program_data_end, (uintptr_t)__boot_stack_guard,
	       VM_READ | VM_WRITE | VM_KERNEL, "kernel data");
	insert((uintptr_t)__boot_stack_guard, (uintptr_t)__boot_stack_guard + PAGE_SIZE,
	       VM_GUARD | VM_KERNEL, "kernel stack guard page");
	insert((uintptr_t)__boot_stack_guard + PAGE_SIZE, (uintptr_t)__ist_stack_guard,
	       VM_READ | VM_WRITE | VM_KERNEL, "kernel stack");
	insert((uintptr_t)__ist_stack_guard, (uintptr_t)__ist_stack_guard + PAGE_SIZE,
	       VM_GUARD | VM_KERNEL, "interrupt stack guard page");
	insert((uintptr_t)__ist_stack_guard + PAGE_SIZE, (uintptr_t)__data_end,
	       VM_READ | VM_WRITE | VM_KERNEL, "interrupt stack");
	insert((uintptr_t)__data_end, image_end(), VM_READ, "symbols");
	brk_start = brk_cur = (image_end() + (2ul << 20) - 1) & ~((2ul << 20) - 1);
}

static int unmap_locked(uintptr_t addr, size_t len);

static long map_locked(uintptr_t addr, size_t len, unsigned prot, bool fixed)
{
	if (!len || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (len > MMAP_END)
		return -ENOMEM; /* as Linux: larger than the address space */
	len = PAGE_ROUND_UP(len);
	/* As Linux, only writable memory counts: a reservation without
	 * access, or a shared file mapping (backed by the file), is free. */
	if (((prot & VM_WRITE) && !(prot & VM_SHARED) && !may_commit(len)) ||
	    !within_limits(len, (prot & (7 | VM_SHARED)) | VM_LAZY))
		return -ENOMEM;
	if (fixed) {
		if (addr + len < addr || addr + len > MMAP_END || addr < 0x10000)
			return -EINVAL;
		if (unmap_locked(addr, len))
			return -ENOMEM;
	} else if (!addr || addr < MMAP_BASE || !range_free(addr, addr + len) ||
		   addr + len > MMAP_END) {
		if (!(addr = find_gap(len)))
			return -ENOMEM;
	}
	if (!insert(addr, addr + len, (prot & 7) | VM_LAZY, "mmap"))
		return -ENOMEM;
	return (long)addr;
}

static int unmap_locked(uintptr_t addr, size_t len)
{
	uintptr_t end = addr + PAGE_ROUND_UP(len);

	if ((addr & (PAGE_SIZE - 1)) || !len || end < addr)
		return -EINVAL;
	for (struct vm_area *a = areas; a; a = a->next)
		if (a->start < end && addr < a->end &&
		    (!(a->flags & (VM_LAZY | VM_FRAMES)) || (a->flags & VM_KERNEL)))
			return -EINVAL; /* the image, guard pages and kernel stacks stay */
	if (split(addr) || split(end))
		return -ENOMEM;
	remove_range(addr, end, true);
	return 0;
}

/* The permissions of the mapped page va of a: a private mapping's view of
 * a cached file page is read-only, so that a write copies it first. */
static unsigned page_flags(const struct vm_area *a, uintptr_t va)
{
	unsigned f = mmu_flags(a->flags);

	if ((a->flags & (VM_FILE | VM_SHARED)) == VM_FILE &&
	    mmu_lookup(va) == filemap_peek(a->fm, file_page(a, va)))
		f &= ~MMU_WRITE;
	return f;
}

static int protect_locked(uintptr_t addr, size_t len, unsigned prot)
{
	uintptr_t end = addr + PAGE_ROUND_UP(len);

	if (addr & (PAGE_SIZE - 1) || end < addr)
		return -EINVAL;
	if ((prot & VM_WRITE) && !may_commit(end - addr))
		return -ENOMEM;
	for (uintptr_t p = addr; p < end;) {
		struct vm_area *a = find(p);
		if (!a || (a->flags & VM_GUARD))
			return -ENOMEM;
		p = a->end;
	}
	if (split(addr) || split(end))
		return -ENOMEM;
	for (struct vm_area *a = find(addr); a && a->start < end; a = a->next) {
		a->flags = (a->flags & ~7u) | (prot & 7);
		for (uintptr_t va = mmu_next_mapped(a->start, a->end); va < a->end;
		     va = mmu_next_mapped(va + PAGE_SIZE, a->end))
			mmu_protect(va, page_flags(a, va));
	}
	mmu_shootdown();
	return 0;
}

static long remap_locked(uintptr_t old, size_t old_len, size_t new_len, bool may_move,
			 bool fixed, uintptr_t new_addr)
{
	struct vm_area *a = find(old);

	old_len = PAGE_ROUND_UP(old_len);
	new_len = PAGE_ROUND_UP(new_len);
	if ((old & (PAGE_SIZE - 1)) || !new_len || (fixed && !may_move))
		return -EINVAL;
	if (!a || !(a->flags & VM_LAZY) || old + old_len > a->end)
		return -EFAULT;
	if (!fixed && new_len <= old_len) {
		if (new_len < old_len)
			unmap_locked(old + new_len, old_len - new_len);
		return (long)old;
	}
	if (!may_commit(new_len) || !within_limits(new_len - old_len, a->flags))
		return -ENOMEM;
	if (!fixed && a->end == old + old_len && range_free(a->end, old + new_len) &&
	    old + new_len <= MMAP_END) {
		a->end = old + new_len;
		return (long)old;
	}
	if (!may_move)
		return -ENOMEM;
	long to = map_locked(fixed ? new_addr : 0, new_len,
			     (a->flags & 7) | (a->flags & VM_SHARED), fixed);
	if (to < 0)
		return to;
	struct vm_area *b = find((uintptr_t)to);
	b->flags |= a->flags & VM_SHARED;
	if (a->flags & VM_FILE) {
		b->flags |= a->flags & (VM_FILE | VM_SHARED);
		b->fm = a->fm;
		b->pgoff = file_page(a, old);
		b->name = a->name;
		filemap_ref(b->fm);
		file_areas++;
	}
	size_t move = old_len < new_len ? old_len : new_len;
	for (uintptr_t va = mmu_next_mapped(old, old + move); va < old + move;
	     va = mmu_next_mapped(va + PAGE_SIZE, old + move)) {
		unsigned flags = page_flags(a, va);
		if ((a->flags & VM_SHARED) && mmu_clear_dirty(va))
			filemap_dirty(a->fm, file_page(a, va));
		uint64_t phys = mmu_unmap(va);
		if (phys && mmu_map((uintptr_t)to + (va - old), phys, flags))
			return -ENOMEM;
	}
	unmap_locked(old, old_len);
	mmu_shootdown();
	return to;
}

static int discard_locked(uintptr_t addr, size_t len)
{
	uintptr_t end = addr + PAGE_ROUND_UP(len);

	for (uintptr_t p = addr; p < end;) {
		struct vm_area *a = find(p);
		if (!a || !(a->flags & VM_LAZY))
			return -EINVAL;
		p = a->end;
	}
	for (struct vm_area *a = find(addr); a && a->start < end; a = a->next)
		free_pages(a, a->start > addr ? a->start : addr, a->end < end ? a->end : end);
	free_tables(addr, end);
	return 0;
}

static uintptr_t brk_locked(uintptr_t brk)
{
	uintptr_t old_end = PAGE_ROUND_UP(brk_cur), new_end = PAGE_ROUND_UP(brk);

	if (brk < brk_start || brk > brk_start + BRK_MAX)
		return brk_cur;
	if (new_end > old_end) {
		if (!may_commit(new_end - old_end) ||
		    !within_limits(new_end - old_end, VM_READ | VM_WRITE | VM_LAZY) ||
		    !range_free(old_end, new_end) ||
		    !insert(old_end, new_end, VM_READ | VM_WRITE | VM_LAZY, "brk heap"))
			return brk_cur;
		merge_around(old_end);
	} else if (new_end < old_end) {
		if (split(new_end))
			return brk_cur;
		remove_range(new_end, old_end, true);
	}
	brk_cur = brk;
	return brk_cur;
}

static uintptr_t stack_locked(size_t size, bool program)
{
	unsigned owner = program ? 0 : VM_KERNEL;
	size = PAGE_ROUND_UP(size);
	uintptr_t base = find_gap(size + STACK_GUARD);

	if (!base || !insert(base, base + STACK_GUARD, VM_GUARD | owner, "stack guard page") ||
	    !insert(base + STACK_GUARD, base + STACK_GUARD + size,
		    VM_READ | VM_WRITE | VM_LAZY | VM_STACK | owner, "stack"))
		return 0;
	return base + STACK_GUARD + size;
}

/* A fault on page va of file area a: maps the cached page (read-only in a
 * private area), or a private copy of it on a write to a private area.
 * VM_FAULT_IO when the page must be read in first (vm_fault_in). */
static enum vm_fault_result file_fault_locked(struct vm_area *a, uintptr_t va, bool write)
{
	uint64_t idx = file_page(a, va), cached = filemap_peek(a->fm, idx);
	uint64_t mapped = mmu_lookup(va);

	if (!cached)
		return filemap_bad(a->fm, idx) ? VM_FAULT_SIGBUS : VM_FAULT_IO;
	if (mapped && (mapped != cached || !write || (a->flags & VM_SHARED)))
		return VM_FAULT_OK; /* another CPU mapped it first */
	if (!write || (a->flags & VM_SHARED)) {
		unsigned flags = mmu_flags(a->flags) & (a->flags & VM_SHARED ? ~0u : ~MMU_WRITE);
		return mmu_map(va, cached, flags) ? VM_FAULT_OOM : VM_FAULT_OK;
	}
	uint64_t copy = pmem_alloc(1);
	if (!copy)
		return VM_FAULT_OOM;
	memcpy(phys_to_virt(copy), phys_to_virt(cached), PAGE_SIZE);
	if (mmu_map(va, copy, mmu_flags(a->flags))) {
		pmem_free(copy, 1);
		return VM_FAULT_OOM;
	}
	if (mapped)
		mmu_shootdown(); /* other CPUs may still see the cached page */
	resident++;
	return VM_FAULT_OK;
}

static long map_frames_locked(uintptr_t addr, const uint64_t *frames, size_t npages,
			      unsigned prot, bool fixed)
{
	size_t len = npages * PAGE_SIZE;

	if (!npages || len / PAGE_SIZE != npages || len > MMAP_END)
		return -EINVAL;
	if (!within_limits(len, (prot & 7) | VM_FRAMES))
		return -ENOMEM;
	if (fixed) {
		if ((addr & (PAGE_SIZE - 1)) || addr < 0x10000 || addr + len > MMAP_END ||
		    !range_free(addr, addr + len))
			return -EINVAL;
	} else if (!(addr = find_gap(len))) {
		return -ENOMEM;
	}
	if (!insert(addr, addr + len, (prot & 7) | VM_FRAMES, "shared memory"))
		return -ENOMEM;
	for (size_t i = 0; i < npages; i++) {
		if (mmu_map(addr + i * PAGE_SIZE, frames[i], mmu_flags(prot))) {
			remove_range(addr, addr + len, true);
			return -ENOMEM;
		}
	}
	return (long)addr;
}

static enum vm_fault_result fault_locked(uintptr_t addr, bool write, bool exec)
{
	struct vm_area *a = find(addr);
	uintptr_t va = PAGE_ROUND_DOWN(addr);

	if (!a || (a->flags & VM_GUARD))
		return VM_FAULT_MAPERR;
	if (!(a->flags & VM_LAZY) || (write && !(a->flags & VM_WRITE)) ||
	    (exec && !(a->flags & VM_EXEC)) || !(a->flags & VM_READ))
		return VM_FAULT_ACCERR;
	if (a->flags & VM_FILE)
		return file_fault_locked(a, va, write);
	if (mmu_lookup(va))
		return VM_FAULT_OK; /* another CPU mapped it first */
	uint64_t phys = pmem_alloc(1);
	if (!phys)
		return VM_FAULT_OOM;
	memset(phys_to_virt(phys), 0, PAGE_SIZE);
	if (mmu_map(va, phys, mmu_flags(a->flags))) {
		pmem_free(phys, 1);
		return VM_FAULT_OOM;
	}
	resident++;
	return VM_FAULT_OK;
}

static bool check_locked(const void *p, size_t len, unsigned access)
{
	uintptr_t addr = (uintptr_t)p, end = addr + len;

	/* As on Linux, an empty range is never a fault. */
	if (!len)
		return true;
	if (end < addr)
		return false;
	while (addr < end) {
		struct vm_area *a = find(addr);
		if (!a || (a->flags & access) != access || (a->flags & VM_GUARD))
			return false;
		addr = a->end;
	}
	return true;
}

static int dma_map_locked(void *p, size_t len, bool write, struct vm_run *runs, int max,
			  size_t *covered)
{
	uintptr_t va = (uintptr_t)p, end = va + len;
	int n = 0;

	if (va >= PHYS_MAP_BASE) { /* the kernel's direct map: one run */
		if (max < 1 || len > UINT32_MAX)
			return -EINVAL;
		runs[0] = (struct vm_run){ va - PHYS_MAP_BASE, (uint32_t)len };
		*covered = len;
		dma_users++;
		return 1;
	}
	if (!check_locked(p, len, write ? VM_WRITE : VM_READ))
		return -EFAULT;
	while (va < end) {
		uint64_t phys = mmu_lookup(va);
		if (!phys && (fault_locked(va, write, false) != VM_FAULT_OK ||
			      !(phys = mmu_lookup(va))))
			return -EFAULT;
		size_t piece = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (piece > end - va)
			piece = end - va;
		if (n && runs[n - 1].phys + runs[n - 1].len == phys &&
		    runs[n - 1].len <= UINT32_MAX - piece) {
			runs[n - 1].len += (uint32_t)piece;
		} else {
			if (n == max)
				break;
			runs[n++] = (struct vm_run){ phys, (uint32_t)piece };
		}
		va += piece;
	}
	*covered = va - (uintptr_t)p;
	dma_users++;
	return n;
}

/*
 * Fork snapshots (vm.h). The pages are kept sorted by address, as the
 * areas are walked in order; a frame area's pages are its frames
 * themselves (BORROWED), which stay its owner's.
 */
#define BORROWED 1ull

struct saved_page {
	uintptr_t va;
	uint64_t phys; /* a copy of the page, or a frame | BORROWED */
};

struct vm_snapshot {
	struct vm_area *areas;    /* the program's, with their file references */
	struct saved_page *pages; /* sorted by va */
	size_t npages, cap;
	uintptr_t brk_cur;
};

/* Whether a child shares a's pages with its parent (MAP_SHARED, SysV
 * segments) rather than getting copies. */
static bool shared_area(const struct vm_area *a)
{
	return a->flags & (VM_SHARED | VM_FRAMES);
}

/* Whether a child may change what a's pages hold, so that they are
 * copied: not the image's read-only sections, which stay mapped as they
 * are (munmap refuses them). */
static bool copied_area(const struct vm_area *a)
{
	return !shared_area(a) && !(a->flags & VM_GUARD) && (a->flags & (VM_LAZY | VM_WRITE));
}

static int save_page(struct vm_snapshot *s, uintptr_t va, uint64_t phys)
{
	if (s->npages == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct saved_page *p = krealloc(s->pages, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->pages = p;
		s->cap = cap;
	}
	s->pages[s->npages++] = (struct saved_page){ va, phys };
	return 0;
}

static struct vm_area *find_in(struct vm_area *list, uintptr_t va)
{
	for (struct vm_area *a = list; a && a->start <= va; a = a->next)
		if (va < a->end)
			return a;
	return NULL;
}

/* Copies a's pages that a child may change into s. */
static int save_area(struct vm_snapshot *s, const struct vm_area *a)
{
	if (!copied_area(a) && !(a->flags & VM_FRAMES))
		return 0;
	for (uintptr_t va = mmu_next_mapped(a->start, a->end); va < a->end;
	     va = mmu_next_mapped(va + PAGE_SIZE, a->end)) {
		uint64_t phys = mmu_lookup(va), copy;
		if ((a->flags & (VM_FILE | VM_SHARED)) == VM_FILE &&
		    phys == filemap_peek(a->fm, file_page(a, va)))
			continue; /* the file's own page: read again when touched */
		if (a->flags & VM_FRAMES) {
			copy = phys | BORROWED;
		} else {
			if (!(copy = pmem_alloc(1)))
				return -ENOMEM;
			memcpy(phys_to_virt(copy), phys_to_virt(phys), PAGE_SIZE);
		}
		if (save_page(s, va, copy)) {
			if (!(copy & BORROWED))
				pmem_free(copy, 1);
			return -ENOMEM;
		}
	}
	return 0;
}

static int snapshot_locked(struct vm_snapshot *s)
{
	struct vm_area **tail = &s->areas;

	s->brk_cur = brk_cur;
	for (struct vm_area *a = areas; a; a = a->next) {
		if (a->flags & VM_KERNEL)
			continue;
		struct vm_area *c = kmalloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		*c = *a;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
		if (a->flags & VM_FILE)
			filemap_ref(a->fm);
		int r = save_area(s, a);
		if (r)
			return r;
	}
	return 0;
}

static const struct saved_page *saved_at(const struct vm_snapshot *s, uintptr_t va)
{
	size_t lo = 0, hi = s->npages;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->pages[mid].va == va)
			return &s->pages[mid];
		if (s->pages[mid].va < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Copies what the page at va (mapped) holds now within the kept ranges
 * into copy, the page as it was: the bytes the kernel changed stay, the
 * rest of the page is the parent's again. */
static void keep_bytes(uintptr_t va, uint64_t copy, const struct vm_range *keep, int nkeep)
{
	for (int i = 0; i < nkeep; i++) {
		uintptr_t lo = keep[i].start > va ? keep[i].start : va;
		uintptr_t hi = keep[i].end < va + PAGE_SIZE ? keep[i].end : va + PAGE_SIZE;
		if (lo < hi)
			memcpy((char *)phys_to_virt(copy) + (lo - va), (void *)lo, hi - lo);
	}
}

static bool kept(uintptr_t va, const struct vm_range *keep, int nkeep)
{
	for (int i = 0; i < nkeep; i++)
		if (keep[i].start < va + PAGE_SIZE && va < keep[i].end)
			return true;
	return false;
}

/* Whether the page now mapped at va in area a stays as it is when the
 * parent's areas come back (was: the parent's area at va; saved: whether
 * the page has a copy): shared with the parent, the image's own, or in a
 * kept range without a copy. */
static bool page_stays(const struct vm_area *a, const struct vm_area *was, uintptr_t va,
		       bool saved, const struct vm_range *keep, int nkeep)
{
	if (!was || (was->flags & VM_GUARD))
		return false;
	if (shared_area(was))
		return a->flags == was->flags && a->fm == was->fm;
	return !copied_area(was) || (!saved && kept(va, keep, nkeep));
}

/* Takes the program's areas off the list, unmaps the pages that do not
 * stay and returns the areas. */
static struct vm_area *drop_program_areas(const struct vm_snapshot *s,
					  const struct vm_range *keep, int nkeep)
{
	struct vm_area *old = NULL, **tail = &old, **pp = &areas;
	struct batch b = { .n = 0 };

	while (*pp) {
		struct vm_area *a = *pp;
		if (a->flags & VM_KERNEL) {
			pp = &a->next;
			continue;
		}
		*pp = a->next;
		a->next = NULL;
		*tail = a;
		tail = &a->next;
		if (a->flags & VM_FILE)
			file_areas--;
	}
	for (struct vm_area *a = old; a; a = a->next) {
		for (uintptr_t va = mmu_next_mapped(a->start, a->end); va < a->end;
		     va = mmu_next_mapped(va + PAGE_SIZE, a->end)) {
			const struct saved_page *sp = saved_at(s, va);
			if (sp && !(sp->phys & BORROWED))
				keep_bytes(va, sp->phys, keep, nkeep);
			if (!page_stays(a, find_in(s->areas, va), va, sp != NULL, keep, nkeep))
				drop_page(&b, a, va);
		}
	}
	flush_batch(&b);
	for (struct vm_area *a = old; a; a = a->next)
		free_tables(a->start, a->end);
	return old;
}

static int restore_locked(struct vm_snapshot *s, const struct vm_range *keep, int nkeep)
{
	struct vm_area *old = drop_program_areas(s, keep, nkeep);
	int lost = 0;

	while (old) {
		struct vm_area *next = old->next;
		if (old->flags & VM_FILE) {
			old->next = dead;
			dead = old;
		} else {
			kfree(old);
		}
		old = next;
	}
	for (struct vm_area *a = s->areas, *next; a; a = next) {
		struct vm_area **pp = &areas;
		next = a->next;
		while (*pp && (*pp)->start < a->start)
			pp = &(*pp)->next;
		a->next = *pp;
		*pp = a;
		if (a->flags & VM_FILE)
			file_areas++;
	}
	s->areas = NULL;
	for (size_t i = 0; i < s->npages; i++) {
		uintptr_t va = s->pages[i].va;
		uint64_t phys = s->pages[i].phys & ~BORROWED;
		bool own = !(s->pages[i].phys & BORROWED);
		if (mmu_lookup(va) || mmu_map(va, phys, page_flags(find(va), va))) {
			lost += !mmu_lookup(va);
			if (own)
				pmem_free(phys, 1);
		} else if (own) {
			resident++;
		}
	}
	for (struct vm_area *a = areas; a; a = a->next) /* what the child changed */
		if (!(a->flags & VM_KERNEL))
			for (uintptr_t va = mmu_next_mapped(a->start, a->end); va < a->end;
			     va = mmu_next_mapped(va + PAGE_SIZE, a->end))
				mmu_protect(va, page_flags(a, va));
	mmu_shootdown();
	brk_cur = s->brk_cur;
	s->npages = 0;
	return lost;
}

/* For fault reports: no lock, as the faulting code may hold it. */
bool vm_readable(const void *p, size_t len)
{
	return check_locked(p, len, VM_READ);
}

const char *vm_describe(uintptr_t addr)
{
	struct vm_area *a = find(addr);

	if (a)
		return a->flags & VM_GUARD && !strcmp(a->name, "stack guard page") ?
			       "a stack guard page: stack overflow" : a->name;
	return addr >= PHYS_MAP_BASE ? "kernel memory" : "no mapped area";
}

uint64_t vm_resident_pages(void)
{
	return resident;
}

/* The public entry points: each runs its _locked body under vm_lock. */
#define LOCKED(type, call)                                                     \
	do {                                                                   \
		unsigned long flags_ = spin_lock_irqsave(&vm_lock);            \
		type r_ = call;                                                \
		spin_unlock_irqrestore(&vm_lock, flags_);                      \
		return r_;                                                     \
	} while (0)

/* The calls that change areas: their arguments, and their body run under
 * vm_lock on the CPU's own stack (see the top). */
struct change {
	long (*body)(const struct change *c);
	uintptr_t a, b, c, d;
	bool x, y;
	struct filemap *fm;
	uint64_t off;
};

static long change_on_cpu_stack(void *arg)
{
	const struct change *c = arg;

	spin_lock(&vm_lock);
	long r = c->body(c);
	spin_unlock(&vm_lock);
	return r;
}

/* Drops the filemaps of the file areas a change removed. */
static void reap(void)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	struct vm_area *list = dead;

	dead = NULL;
	spin_unlock_irqrestore(&vm_lock, flags);
	while (list) {
		struct vm_area *next = list->next;
		filemap_put(list->fm);
		kfree(list);
		list = next;
	}
}

static long change(const struct change c)
{
	unsigned long flags = irq_save();
	long r = arch_call_on_cpu_stack(change_on_cpu_stack, (void *)&c);

	irq_restore(flags);
	reap();
	return r;
}

static long map_body(const struct change *c)
{
	/* Shared anonymous memory counts as private memory does: RAM backs it. */
	long r = map_locked(c->a, c->b, (unsigned)c->c & ~VM_SHARED, c->x);

	if (r >= 0 && (c->c & VM_SHARED))
		find((uintptr_t)r)->flags |= VM_SHARED;
	if (r >= 0)
		merge_around((uintptr_t)r);
	return r;
}

static long unmap_body(const struct change *c)
{
	return unmap_locked(c->a, c->b);
}

static long protect_body(const struct change *c)
{
	return protect_locked(c->a, c->b, (unsigned)c->c);
}

static long remap_body(const struct change *c)
{
	return remap_locked(c->a, c->b, c->c, c->x, c->y, c->d);
}

static long discard_body(const struct change *c)
{
	return discard_locked(c->a, c->b);
}

static long map_file_body(const struct change *c)
{
	bool shared = c->y;
	long r = map_locked(c->a, c->b, (unsigned)c->c | (shared ? VM_SHARED : 0), c->x);

	if (r >= 0) {
		struct vm_area *a = find((uintptr_t)r);
		a->flags |= VM_FILE | (shared ? VM_SHARED : 0);
		a->fm = c->fm;
		a->pgoff = c->off / PAGE_SIZE;
		a->name = "file mapping";
		file_areas++;
	}
	return r;
}

static long map_frames_body(const struct change *c)
{
	return map_frames_locked(c->a, (const uint64_t *)c->b, c->c, (unsigned)c->d, c->x);
}

static long brk_body(const struct change *c)
{
	return (long)brk_locked(c->a);
}

long vm_map(uintptr_t addr, size_t len, unsigned prot, bool fixed)
{
	return change((struct change){ map_body, addr, len, prot, 0, fixed, false, NULL, 0 });
}

long vm_map_file(uintptr_t addr, size_t len, unsigned prot, bool fixed, bool shared,
		 struct filemap *fm, uint64_t off)
{
	if (off / PAGE_SIZE + PAGE_ROUND_UP(len) / PAGE_SIZE < off / PAGE_SIZE)
		return -EOVERFLOW;
	return change((struct change){ map_file_body, addr, len, prot, 0, fixed, shared, fm,
				       off });
}

int vm_unmap(uintptr_t addr, size_t len)
{
	return (int)change((struct change){ unmap_body, addr, len, 0, 0, false, false, NULL, 0 });
}

int vm_protect(uintptr_t addr, size_t len, unsigned prot)
{
	return (int)change((struct change){ protect_body, addr, len, prot, 0, false, false, NULL, 0 });
}

long vm_remap(uintptr_t old, size_t old_len, size_t new_len, bool may_move, bool fixed,
	      uintptr_t new_addr)
{
	return change((struct change){ remap_body, old, old_len, new_len, new_addr, may_move,
				       fixed, NULL, 0 });
}

int vm_discard(uintptr_t addr, size_t len)
{
	return (int)change((struct change){ discard_body, addr, len, 0, 0, false, false, NULL, 0 });
}

long vm_map_frames(uintptr_t addr, const uint64_t *frames, size_t npages, unsigned prot,
		   bool fixed)
{
	return change((struct change){ map_frames_body, addr, (uintptr_t)frames, npages, prot,
				       fixed, false, NULL, 0 });
}

void vm_free_frames(const uint64_t *frames, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);

	for (size_t i = 0; i < n; i++)
		release_frame(frames[i]);
	spin_unlock_irqrestore(&vm_lock, flags);
}

void vm_set_limits(uint64_t as, uint64_t data)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);

	limit_as = as;
	limit_data = data;
	spin_unlock_irqrestore(&vm_lock, flags);
}

uintptr_t vm_brk(uintptr_t brk)
{
	return (uintptr_t)change((struct change){ brk_body, brk, 0, 0, 0, false, false, NULL, 0 });
}

struct vm_snapshot *vm_snapshot(void)
{
	struct vm_snapshot *s = kzalloc(sizeof(*s));

	if (!s)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	int r = snapshot_locked(s);
	spin_unlock_irqrestore(&vm_lock, flags);
	if (r) {
		vm_snapshot_free(s);
		return NULL;
	}
	return s;
}

int vm_restore(struct vm_snapshot *s, const struct vm_range *keep, int nkeep)
{
	spin_lock(&vm_lock);
	int lost = restore_locked(s, keep, nkeep);
	spin_unlock(&vm_lock);
	return lost;
}

void vm_snapshot_free(struct vm_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npages; i++)
		if (!(s->pages[i].phys & BORROWED))
			pmem_free(s->pages[i].phys, 1);
	while (s->areas) {
		struct vm_area *next = s->areas->next;
		if (s->areas->flags & VM_FILE)
			filemap_put(s->areas->fm);
		kfree(s->areas);
		s->areas = next;
	}
	kfree(s->pages);
	kfree(s);
	reap();
}

uintptr_t vm_stack(size_t size, bool program)
{
	LOCKED(uintptr_t, stack_locked(size, program));
}

enum vm_fault_result vm_fault(uintptr_t addr, bool write, bool exec)
{
	LOCKED(enum vm_fault_result, fault_locked(addr, write, exec));
}

bool vm_check(const void *p, size_t len, unsigned access)
{
	LOCKED(bool, check_locked(p, len, access));
}

int vm_dma_map(void *p, size_t len, bool write, struct vm_run *runs, int max, size_t *covered)
{
	vm_populate(p, len, write);
	LOCKED(int, dma_map_locked(p, len, write, runs, max, covered));
}

bool vm_dma_idle(void)
{
	return !__atomic_load_n(&dma_users, __ATOMIC_ACQUIRE);
}

void vm_dma_done(void)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	struct deferred *list = NULL;

	if (--dma_users == 0) {
		list = deferred;
		deferred = NULL;
	}
	spin_unlock_irqrestore(&vm_lock, flags);
	while (list) {
		struct deferred *next = list->next;
		pmem_free(list->phys, 1);
		kfree(list);
		list = next;
	}
}

/* File mappings: the calls that may sleep for the file's I/O. Each takes
 * vm_lock only to look, and drops it around the I/O. */

enum vm_fault_result vm_fault_in(uintptr_t addr, bool write)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	struct vm_area *a = find(addr);
	struct filemap *fm = NULL;
	uint64_t idx = 0;
	enum vm_fault_result r = VM_FAULT_OK;

	if (a && (a->flags & VM_FILE) && !filemap_peek(a->fm, file_page(a, addr))) {
		if ((write && !(a->flags & VM_WRITE)) || !(a->flags & VM_READ)) {
			r = VM_FAULT_ACCERR;
		} else if (filemap_bad(a->fm, file_page(a, addr))) {
			r = VM_FAULT_SIGBUS; /* known: no I/O, no lock */
		} else {
			fm = a->fm;
			idx = file_page(a, PAGE_ROUND_DOWN(addr));
			filemap_ref(fm);
		}
	} else {
		r = fault_locked(addr, write, false);
	}
	spin_unlock_irqrestore(&vm_lock, flags);
	if (!fm)
		return r;
	int e = filemap_fill(fm, idx);
	filemap_put(fm);
	return !e ? VM_FAULT_OK : e == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/* The first page of [addr, end) in a file area whose page is not mapped,
 * or end; vm_lock is held. */
static uintptr_t first_missing_locked(uintptr_t addr, uintptr_t end)
{
	for (struct vm_area *a = areas; a && a->start < end; a = a->next) {
		if (!(a->flags & VM_FILE) || a->end <= addr)
			continue;
		uintptr_t va = PAGE_ROUND_DOWN(a->start > addr ? a->start : addr);
		for (; va < a->end && va < end; va += PAGE_SIZE)
			if (!mmu_lookup(va))
				return va;
	}
	return end;
}

void vm_populate(const void *p, size_t n, bool write)
{
	uintptr_t addr = (uintptr_t)p, end = addr + n;

	if (!__atomic_load_n(&file_areas, __ATOMIC_RELAXED) || end < addr)
		return;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&vm_lock);
		uintptr_t va = first_missing_locked(addr, end);
		spin_unlock_irqrestore(&vm_lock, flags);
		if (va >= end || vm_fault_in(va, write) != VM_FAULT_OK)
			return;
		if (vm_fault(va, write, false) != VM_FAULT_OK)
			return;
		addr = va + PAGE_SIZE;
	}
}

void vm_harvest_dirty(struct filemap *fm)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	bool any = false;

	for (struct vm_area *a = areas; a; a = a->next) {
		if (a->fm != fm || !(a->flags & VM_SHARED))
			continue;
		for (uintptr_t va = mmu_next_mapped(a->start, a->end); va < a->end;
		     va = mmu_next_mapped(va + PAGE_SIZE, a->end)) {
			if (mmu_clear_dirty(va)) {
				filemap_dirty(fm, file_page(a, va));
				any = true;
			}
		}
	}
	if (any)
		mmu_shootdown(); /* the next write sets the bit again */
	spin_unlock_irqrestore(&vm_lock, flags);
}

int vm_msync(uintptr_t addr, size_t len, bool sync)
{
	uintptr_t end = addr + PAGE_ROUND_UP(len);
	int err = 0;

	if ((addr & (PAGE_SIZE - 1)) || end < addr)
		return -EINVAL;
	for (uintptr_t p = addr; p < end;) {
		unsigned long flags = spin_lock_irqsave(&vm_lock);
		struct vm_area *a = find(p);
		struct filemap *fm = a && (a->flags & VM_SHARED) ? a->fm : NULL;
		if (fm)
			filemap_ref(fm);
		if (a)
			p = a->end;
		spin_unlock_irqrestore(&vm_lock, flags);
		if (!a)
			return -ENOMEM;
		if (fm) {
			int r = filemap_writeback(fm, sync);
			if (r && !err)
				err = r;
			filemap_put(fm);
		}
	}
	return err;
}

int vm_mincore(uintptr_t addr, size_t pages, unsigned char *vec)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	int r = 0;

	for (size_t i = 0; i < pages; i++) {
		uintptr_t va = addr + i * PAGE_SIZE;
		struct vm_area *a = find(va);
		if (!a || (a->flags & VM_GUARD)) {
			r = -ENOMEM;
			break;
		}
		vec[i] = mmu_lookup(va) ||
			 ((a->flags & VM_FILE) && filemap_peek(a->fm, file_page(a, va)));
	}
	spin_unlock_irqrestore(&vm_lock, flags);
	return r;
}

/*
 * The address space of the program: areas, lazy allocation, brk, mmap.
 *
 * Every valid address lies in an area with permissions. The image's
 * sections are areas from the start; brk, mmap and stacks add areas whose
 * pages are allocated, zeroed, on first touch. An address outside every
 * area is invalid: system calls answer -EFAULT, program accesses are fatal.
 */
#ifndef UNISHYPER_VM_H
#define UNISHYPER_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_READ 1u
#define VM_WRITE 2u
#define VM_EXEC 4u
/* With vm_map()'s prot: shared memory (MAP_SHARED), whose pages a fork
 * child shares with its parent; in file areas, writes reach the file. */
#define VM_SHARED 0x800u

/* Registers the image's sections and sets the brk start after the image. */
void vm_init(void);

/*
 * Reserves len bytes (page-rounded) with prot. With fixed, exactly at addr,
 * replacing what is there; otherwise addr is a hint, and the lowest free
 * range is taken. Returns the address or -ENOMEM (also for more than
 * memory could ever back) / -EINVAL.
 */
long vm_map(uintptr_t addr, size_t len, unsigned prot, bool fixed);

/* Removes the areas in [addr, addr+len), freeing their pages. 0 or -EINVAL. */
int vm_unmap(uintptr_t addr, size_t len);

/* Changes permissions of [addr, addr+len); -ENOMEM where not all mapped. */
int vm_protect(uintptr_t addr, size_t len, unsigned prot);

/* mremap(2): resizes or moves an area, moving its pages without copying. */
long vm_remap(uintptr_t old, size_t old_len, size_t new_len, bool may_move,
	      bool fixed, uintptr_t new_addr);

/* Drops the pages of [addr, addr+len); they read as zero when touched
 * again. 0 or -EINVAL for areas that are not anonymous memory. */
int vm_discard(uintptr_t addr, size_t len);

/*
 * Maps npages frames that the caller owns (SysV shared memory) with prot:
 * with fixed, exactly at addr, which must be page-aligned and free (else
 * -EINVAL); otherwise at the lowest free range. Unmapping the area never
 * frees the frames. Returns the address, or -ENOMEM (also beyond
 * RLIMIT_AS).
 */
long vm_map_frames(uintptr_t addr, const uint64_t *frames, size_t npages, unsigned prot,
		   bool fixed);

/* Gives n frames back to pmem once no device is moving data into them;
 * they must be mapped nowhere. */
void vm_free_frames(const uint64_t *frames, size_t n);

/* RLIMIT_AS and RLIMIT_DATA in bytes (UINT64_MAX: none): mappings and
 * brk growth beyond them fail with -ENOMEM (brk keeps the old break). */
void vm_set_limits(uint64_t as, uint64_t data);

/* brk(2): sets the program break (0: query) and returns the break. */
uintptr_t vm_brk(uintptr_t brk);

/* Allocates a stack of size bytes with an unmapped guard region below it,
 * for the program or for a thread of the kernel's own; returns its top, or
 * 0. */
uintptr_t vm_stack(size_t size, bool program);

/*
 * A fork child's memory (posix/fork.c). vm_snapshot() keeps the program's
 * areas and a copy of every page of them a child could change: not the
 * kernel's memory, not the image's read-only sections, not shared memory
 * (MAP_SHARED mappings, SysV segments), whose changes the parent sees, as
 * on Linux. NULL when memory runs out. Only the caller may run meanwhile.
 *
 * vm_restore() gives the program its areas, pages and break back from s
 * when the child ends: the child's pages are freed, except shared memory
 * and the image's read-only pages, which stay as they are; the bytes in
 * the ranges keep[0..nkeep) (the kernel's frames of the parent's other
 * threads, asleep in system calls) keep what they hold now. It runs on a
 * stack that is not the program's, with interrupts off; it returns how
 * many saved pages it could not map again (memory ran out). s is then
 * left for vm_snapshot_free(), which also frees a snapshot never used.
 */
struct vm_snapshot;
struct vm_range {
	uintptr_t start, end;
};
struct vm_snapshot *vm_snapshot(void);
int vm_restore(struct vm_snapshot *s, const struct vm_range *keep, int nkeep);
void vm_snapshot_free(struct vm_snapshot *s);
/* The page-fault handler: maps the page if the access is allowed. The
 * other results say why not: no area there (or a guard), an area that
 * forbids the access, or no memory left to back the page. */
enum vm_fault_result {
	VM_FAULT_OK, VM_FAULT_MAPERR, VM_FAULT_ACCERR, VM_FAULT_OOM,
	VM_FAULT_IO,     /* a file page must be read in: vm_fault_in() */
	VM_FAULT_SIGBUS, /* a file page wholly past the end of the file */
};
enum vm_fault_result vm_fault(uintptr_t addr, bool write, bool exec);

/*
 * File mappings (the page cache is include/unishyper/filemap.h). All may
 * sleep: thread context, no vm_lock held.
 *
 * vm_map_file maps len bytes of the file fm caches from off (page-aligned)
 * as vm_map() does, shared (writes reach the file) or private (copy on
 * write); it takes over the caller's reference to fm on success.
 */
struct filemap;
long vm_map_file(uintptr_t addr, size_t len, unsigned prot, bool fixed, bool shared,
		 struct filemap *fm, uint64_t off);

/* Brings the file page at addr in (reading the file) when it is missing;
 * other pages as vm_fault() does. VM_FAULT_SIGBUS past the end of the
 * file or on a read error. The page fault handler sends VM_FAULT_IO here,
 * out of the exception; uaccess.c retries a copy after it. */
enum vm_fault_result vm_fault_in(uintptr_t addr, bool write);

/* Brings in the file pages of [p, p+n) before a caller takes a lock that
 * reading them would need (file I/O into a mapped buffer). */
void vm_populate(const void *p, size_t n, bool write);

/* Moves the dirty bits of fm's shared mappings into fm. */
void vm_harvest_dirty(struct filemap *fm);

/* msync(2): writes back the shared file pages of [addr, addr+len), to the
 * device too when sync. 0, -EINVAL, -ENOMEM where nothing is mapped. */
int vm_msync(uintptr_t addr, size_t len, bool sync);

/* mincore(2) for pages pages from addr into the kernel's vec: 0 or
 * -ENOMEM where nothing is mapped. */
int vm_mincore(uintptr_t addr, size_t pages, unsigned char *vec);

/* Whether [p, p+len) lies in areas that allow the access (VM_READ/WRITE);
 * an empty range always does. This asks about areas only: program memory
 * itself is read and written through uaccess.h. */
bool vm_check(const void *p, size_t len, unsigned access);
bool vm_readable(const void *p, size_t len);

/*
 * DMA to or from memory of the program or the kernel: the physically
 * contiguous runs behind [p, p+len), its pages brought in first (for
 * writing when write). Fills at most max runs and returns how many, with
 * *covered the bytes they hold (less than len when max ran out), or
 * -EFAULT. Each success must be followed by vm_dma_done() once the device
 * is done: frames unmapped meanwhile are not reused before it.
 */
struct vm_run {
	uint64_t phys;
	uint32_t len;
};
int vm_dma_map(void *p, size_t len, bool write, struct vm_run *runs, int max, size_t *covered);
void vm_dma_done(void);
/* Whether no vm_dma_map() is waiting for its vm_dma_done(). */
bool vm_dma_idle(void);

/* A short description of what lies at addr ("stack guard page", ...). */
const char *vm_describe(uintptr_t addr);

/* Pages of RAM the areas hold now. */
uint64_t vm_resident_pages(void);

#endif

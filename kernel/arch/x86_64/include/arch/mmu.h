/*
 * The x86_64 virtual memory map (docs/architecture.md, "Memory map") and
 * the page-table interface used by the memory manager.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul
#define IMAGE_VOFF 0x40000000ul
#define PHYS_MAP_BASE 0xffff800000000000ul
#define MMAP_BASE 0x100000000000ul
#define MMAP_END 0x700000000000ul

#define PAGE_ROUND_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(PHYS_MAP_BASE + phys);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	return v >= PHYS_MAP_BASE ? v - PHYS_MAP_BASE : v - IMAGE_VOFF;
}

/* Page permissions; a page is always readable. */
#define MMU_WRITE 1u
#define MMU_EXEC 2u
#define MMU_NOCACHE 4u

/*
 * Builds and loads the final page tables for the image and the direct map of
 * the RAM ranges in boot_info. Needs pmem to be ready.
 */
void mmu_init(void);

/* Maps one 4 KiB page; returns 0 or -ENOMEM for a missing table page. */
int mmu_map(uintptr_t va, uint64_t phys, unsigned flags);

/* Changes the permissions of a mapped page; false when it is not mapped. */
bool mmu_protect(uintptr_t va, unsigned flags);

/* The physical address of the byte at va, or 0 when it is not mapped. */
uint64_t mmu_lookup(uintptr_t va);

/* Unmaps one page and returns its frame, or 0 when it was not mapped. */
uint64_t mmu_unmap(uintptr_t va);

/* The lowest page address in [va, end) that a 4 KiB entry maps, or end;
 * table levels that map nothing are skipped whole, so a sparse range
 * costs time in proportion to what is mapped in it. va is page-aligned. */
uintptr_t mmu_next_mapped(uintptr_t va, uintptr_t end);

/* Clears the dirty bit of the page at va and says whether it was set.
 * The caller flushes the TLBs (mmu_shootdown) before it relies on the
 * next write setting it again. */
bool mmu_clear_dirty(uintptr_t va);

/* Removes the page-table pages under [start, end) that map nothing (the
 * top level stays), up to max of them, and stores their frames in freed.
 * Returns how many; the caller frees them after mmu_shootdown(), as no CPU
 * may walk them any more. */
int mmu_prune(uintptr_t start, uintptr_t end, uint64_t *freed, int max);

/* Flushes this CPU's TLB. */
void mmu_flush_all(void);

/* Flushes every CPU's TLB and returns once all have: call after unmapping
 * or restricting pages, before their frames are reused. */
void mmu_shootdown(void);

/* Serves a pending shootdown request on this CPU (see mmu.c). */
void mmu_tlb_poll(void);

/* Maps device memory uncached in the direct map and returns its address. */
void *mmu_map_device(uint64_t phys, uint64_t size);

#endif

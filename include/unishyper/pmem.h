/*
 * Physical page frames: a bitmap allocator of 4 KiB frames.
 *
 * The allocator manages one range of physical addresses and never touches
 * the memory it hands out; its only storage is the bitmap the caller gives
 * pmem_init(). Every frame starts reserved; the boot code adds the usable
 * RAM with pmem_add() and then reserves what is in use (the image, boot
 * structures, the bitmap itself) with pmem_reserve(). Physical address 0 is
 * never handed out, so 0 can mean "no frame".
 */
#ifndef UNISHYPER_PMEM_H
#define UNISHYPER_PMEM_H

#include <stddef.h>
#include <stdint.h>

#define PMEM_PAGE_SIZE 4096

/* The number of 64-bit words of bitmap pmem_init() needs for npages frames. */
size_t pmem_bitmap_words(uint64_t npages);

/*
 * Manages the frames [base, base + npages * PMEM_PAGE_SIZE), all reserved.
 * base is page-aligned and the range ends at or below 2^64; bitmap holds
 * pmem_bitmap_words(npages) words and belongs to the allocator from now on.
 * Forgets any earlier state.
 */
void pmem_init(uint64_t *bitmap, uint64_t base, uint64_t npages);

/*
 * Marks usable RAM free: the whole frames inside [start, start + len),
 * clipped to the managed range. Frames that are already free stay free.
 */
void pmem_add(uint64_t start, uint64_t len);

/*
 * Marks taken every frame that [start, start + len) touches, clipped to the
 * managed range. A reserved frame is not counted free and never allocated.
 */
void pmem_reserve(uint64_t start, uint64_t len);

/*
 * Allocates npages contiguous frames and returns the physical address of
 * the first, or 0 when no run is free (or npages is 0). Always returns the
 * lowest-address run that fits.
 */
uint64_t pmem_alloc(size_t npages);

/*
 * Like pmem_alloc(), with the first frame's address a multiple of align, a
 * power of two no smaller than PMEM_PAGE_SIZE; any other align gives 0.
 */
uint64_t pmem_alloc_aligned(size_t npages, uint64_t align);

/*
 * Frees npages frames from phys, which must have been allocated (or
 * reserved after pmem_add()). An address that is not page-aligned or not
 * in the managed range, a frame that is already free (a double free) and a
 * frame that was never added as RAM are reported through pmem_bug(), and
 * then nothing is freed.
 */
void pmem_free(uint64_t phys, size_t npages);

/* Frames free now. */
uint64_t pmem_free_pages(void);

/* Frames ever added with pmem_add(), each counted once. */
uint64_t pmem_total_pages(void);

/*
 * Called with a short static message when pmem_free() finds a bug in its
 * caller. This weak default traps; the kernel overrides it with one that
 * panics, and host tests with one that records the message and returns.
 */
void pmem_bug(const char *msg);

#endif

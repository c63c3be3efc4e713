/*
 * Physical page frames: a bitmap allocator of whole 4 KiB frames.
 *
 * Two bitmaps of one bit per frame live in the caller's storage: "taken"
 * (reserved or allocated) and "ram" (ever added by pmem_add()). The
 * allocator reads and writes nothing else, never the frames themselves, so
 * it runs unchanged in host tests (tests/host/test_pmem.c). It relies only
 * on <stdint.h>, <stddef.h> and <stdbool.h>.
 *
 * Allocation is first-fit by address. A hint records the lowest frame that
 * may be free, so the search skips the full low memory in whole words: the
 * cost of next-fit with the predictability of lowest-address-first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unishyper/pmem.h>
#include <unishyper/spinlock.h>

#define PAGE_SHIFT 12

/*
 * The allocator's whole state. pmem_lock guards it in pmem_alloc_aligned()
 * and pmem_free(), which run on every CPU; pmem_init(), pmem_add() and
 * pmem_reserve() run at boot, before other CPUs start.
 */
static struct {
	uint64_t *taken; /* 1: reserved or allocated; bits past npages set */
	uint64_t *ram;   /* 1: added by pmem_add() at some time */
	uint64_t base;
	uint64_t npages;
	uint64_t nfree;
	uint64_t ntotal;
	uint64_t hint; /* every frame below it is taken */
} pmem;

__attribute__((weak)) void pmem_bug(const char *msg)
{
	(void)msg;
	__builtin_trap();
}

static size_t map_words(uint64_t npages)
{
	return (size_t)((npages + 63) / 64);
}

static bool test_bit(const uint64_t *map, uint64_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static void set_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static void clear_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] &= ~(1ull << (i % 64));
}

/*
 * Clips the frame numbers [first, end) to the managed range and turns them
 * into indices. Returns false when nothing is left.
 */
static bool clip(uint64_t first, uint64_t end, uint64_t *from, uint64_t *to)
{
	uint64_t lo = pmem.base >> PAGE_SHIFT, hi = lo + pmem.npages;

	if (first < lo)
		first = lo;
	if (end > hi)
		end = hi;
	if (first >= end)
		return false;
	*from = first - lo;
	*to = end - lo;
	return true;
}

/* start + len, or the top of the address space when that overflows. */
static uint64_t range_end(uint64_t start, uint64_t len)
{
	return len > UINT64_MAX - start ? UINT64_MAX : start + len;
}

size_t pmem_bitmap_words(uint64_t npages)
{
	return 2 * map_words(npages);
}

void pmem_init(uint64_t *bitmap, uint64_t base, uint64_t npages)
{
	size_t words = map_words(npages);

	pmem.taken = bitmap;
	pmem.ram = bitmap + words;
	pmem.base = base;
	pmem.npages = npages;
	pmem.nfree = 0;
	pmem.ntotal = 0;
	pmem.hint = 0;
	for (size_t i = 0; i < words; i++) {
		pmem.taken[i] = ~0ull;
		pmem.ram[i] = 0;
	}
}

void pmem_add(uint64_t start, uint64_t len)
{
	uint64_t end = range_end(start, len) >> PAGE_SHIFT;
	uint64_t first = start >> PAGE_SHIFT;
	uint64_t from, to;

	/* Round up without overflowing at the top of the address space. */
	if (start & (PMEM_PAGE_SIZE - 1))
		first++;
	/* Frame 0 stays reserved: address 0 means "no frame". */
	if (first == 0)
		first = 1;
	if (!clip(first, end, &from, &to))
		return;
	for (uint64_t i = from; i < to; i++) {
		if (test_bit(pmem.taken, i)) {
			clear_bit(pmem.taken, i);
			pmem.nfree++;
		}
		if (!test_bit(pmem.ram, i)) {
			set_bit(pmem.ram, i);
			pmem.ntotal++;
		}
	}
	if (from < pmem.hint)
		pmem.hint = from;
}

void pmem_reserve(uint64_t start, uint64_t len)
{
	uint64_t from, to;

	if (!len)
		return;
	if (!clip(start >> PAGE_SHIFT,
		  ((range_end(start, len) - 1) >> PAGE_SHIFT) + 1, &from, &to))
		return;
	for (uint64_t i = from; i < to; i++) {
		if (!test_bit(pmem.taken, i)) {
			set_bit(pmem.taken, i);
			pmem.nfree--;
		}
	}
}

/* The first free frame at or after i, or npages; skips full words. */
static uint64_t find_free(uint64_t i)
{
	uint64_t w = i / 64;
	uint64_t bits;

	if (i >= pmem.npages)
		return pmem.npages;
	bits = pmem.taken[w] | ((1ull << (i % 64)) - 1);
	while (bits == ~0ull) {
		if (++w >= map_words(pmem.npages))
			return pmem.npages;
		bits = pmem.taken[w];
	}
	i = w * 64 + (uint64_t)__builtin_ctzll(~bits);
	return i < pmem.npages ? i : pmem.npages;
}

/* The first taken frame in [i, end), or end; skips empty words. */
static uint64_t find_taken(uint64_t i, uint64_t end)
{
	while (i < end) {
		uint64_t bits = pmem.taken[i / 64] & ~((1ull << (i % 64)) - 1);

		if (bits) {
			i = i / 64 * 64 + (uint64_t)__builtin_ctzll(bits);
			return i < end ? i : end;
		}
		i = (i / 64 + 1) * 64;
	}
	return end;
}

static spinlock_t pmem_lock = SPINLOCK_INIT;

static uint64_t alloc_locked(size_t npages, uint64_t align)
{
	uint64_t step, lo = pmem.base >> PAGE_SHIFT;
	uint64_t i;

	if (!npages || npages > pmem.npages || align < PMEM_PAGE_SIZE ||
	    (align & (align - 1)))
		return 0;
	step = align >> PAGE_SHIFT;
	i = find_free(pmem.hint);
	pmem.hint = i;
	for (;;) {
		uint64_t taken;

		/* Align the absolute frame number, not the index. */
		i = ((lo + i + step - 1) & ~(step - 1)) - lo;
		if (i > pmem.npages || pmem.npages - i < npages)
			return 0;
		taken = find_taken(i, i + npages);
		if (taken == i + npages)
			break;
		i = find_free(taken + 1);
	}
	for (uint64_t j = i; j < i + npages; j++)
		set_bit(pmem.taken, j);
	pmem.nfree -= npages;
	if (i == pmem.hint)
		pmem.hint = i + npages;
	return pmem.base + (i << PAGE_SHIFT);
}

uint64_t pmem_alloc_aligned(size_t npages, uint64_t align)
{
	unsigned long flags = spin_lock_irqsave(&pmem_lock);
	uint64_t phys = alloc_locked(npages, align);

	spin_unlock_irqrestore(&pmem_lock, flags);
	return phys;
}

uint64_t pmem_alloc(size_t npages)
{
	return pmem_alloc_aligned(npages, PMEM_PAGE_SIZE);
}

static void free_locked(uint64_t phys, size_t npages)
{
	uint64_t i;

	if (!npages)
		return;
	if (phys & (PMEM_PAGE_SIZE - 1)) {
		pmem_bug("pmem_free: address is not page-aligned");
		return;
	}
	i = (phys - pmem.base) >> PAGE_SHIFT;
	if (phys < pmem.base || i >= pmem.npages || pmem.npages - i < npages) {
		pmem_bug("pmem_free: address outside the managed range");
		return;
	}
	for (uint64_t j = i; j < i + npages; j++) {
		if (!test_bit(pmem.ram, j)) {
			pmem_bug("pmem_free: frame was never added as RAM");
			return;
		}
		if (!test_bit(pmem.taken, j)) {
			pmem_bug("pmem_free: double free");
			return;
		}
	}
	for (uint64_t j = i; j < i + npages; j++)
		clear_bit(pmem.taken, j);
	pmem.nfree += npages;
	if (i < pmem.hint)
		pmem.hint = i;
}

void pmem_free(uint64_t phys, size_t npages)
{
	unsigned long flags = spin_lock_irqsave(&pmem_lock);

	free_locked(phys, npages);
	spin_unlock_irqrestore(&pmem_lock, flags);
}

uint64_t pmem_free_pages(void)
{
	return pmem.nfree;
}

uint64_t pmem_total_pages(void)
{
	return pmem.ntotal;
}

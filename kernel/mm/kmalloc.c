/*
 * The kernel heap: size classes of 16 to 2048 bytes carved from single
 * pages (slabs), and whole pages for anything larger.
 *
 * Every page the heap owns starts with a header whose first word is a
 * magic number, so the owner of any pointer is found by rounding it down to
 * its page. A slab header keeps a bitmap of its allocated blocks: a double
 * free is caught exactly, and a pointer into the middle of a block or into
 * a page the heap does not own is caught by its offset or by the magic.
 * Slabs with a free block sit on a list per class; a slab that empties goes
 * back to the page source at once, with its magic cleared.
 *
 * Pages come from the callbacks given to kmalloc_init(), so this file
 * relies on nothing but <stdint.h>, <stddef.h>, <stdbool.h>, memset() and
 * memcpy(), and runs unchanged in host tests (tests/host/test_kmalloc.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/spinlock.h>

#define ALIGN 16
#define MIN_SHIFT 4   /* the smallest class: 16 bytes */
#define NCLASSES 8    /* 16 .. 2048 bytes */
#define MAX_SMALL (1u << (MIN_SHIFT + NCLASSES - 1))
#define SLAB_MAGIC 0x534c4142u  /* "SLAB" */
#define LARGE_MAGIC 0x4c415247u /* "LARG" */
#define JUNK 0x6b

struct slab {
	uint32_t magic;
	uint16_t class;
	uint16_t inuse;
	struct slab *next, *prev; /* the class's list of slabs with room */
	uint64_t used[4];         /* 1 bit per allocated block */
};

struct large {
	uint32_t magic;
	uint32_t unused;
	uint64_t npages;
};

/* Blocks start after the slab header, 16-byte aligned. */
#define SLAB_HDR ((sizeof(struct slab) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

_Static_assert((PMEM_PAGE_SIZE - SLAB_HDR) >> MIN_SHIFT <= 64 * 4,
	       "the block bitmap is too small for the 16-byte class");
_Static_assert(sizeof(struct large) == ALIGN, "large header is not 16 bytes");

/*
 * The heap's whole state, guarded by heap_lock in kmalloc() and kfree()
 * (the only functions that change it; the page callbacks take their own).
 */
static struct {
	void *(*alloc_pages)(size_t npages);
	void (*free_pages)(void *p, size_t npages);
	struct slab *partial[NCLASSES];
} heap;

__attribute__((weak)) void kmalloc_bug(const char *msg)
{
	(void)msg;
	__builtin_trap();
}

static size_t block_size(unsigned int class)
{
	return (size_t)1 << (MIN_SHIFT + class);
}

static size_t capacity(unsigned int class)
{
	return (PMEM_PAGE_SIZE - SLAB_HDR) >> (MIN_SHIFT + class);
}

static unsigned int class_of(size_t size)
{
	unsigned int c = 0;

	while (block_size(c) < size)
		c++;
	return c;
}

/* Pages for a large allocation of size bytes, or 0 when it cannot fit. */
static size_t large_pages(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct large) - PMEM_PAGE_SIZE)
		return 0;
	return (size + sizeof(struct large) + PMEM_PAGE_SIZE - 1) / PMEM_PAGE_SIZE;
}

static void list_add(struct slab *s)
{
	s->prev = NULL;
	s->next = heap.partial[s->class];
	if (s->next)
		s->next->prev = s;
	heap.partial[s->class] = s;
}

static void list_del(struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		heap.partial[s->class] = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

static void *slab_alloc(unsigned int class)
{
	struct slab *s = heap.partial[class];
	size_t i = 0;

	if (!s) {
		s = heap.alloc_pages(1);
		if (!s)
			return NULL;
		memset(s, 0, sizeof(*s));
		s->magic = SLAB_MAGIC;
		s->class = (uint16_t)class;
		list_add(s);
	}
	/* A slab on the list has a clear bit below its capacity. */
	while (s->used[i / 64] == ~0ull)
		i += 64;
	i += (size_t)__builtin_ctzll(~s->used[i / 64]);
	s->used[i / 64] |= 1ull << (i % 64);
	if (++s->inuse == capacity(class))
		list_del(s);
	return (char *)s + SLAB_HDR + i * block_size(class);
}

static void slab_free(struct slab *s, size_t i)
{
	unsigned int class = s->class;

	s->used[i / 64] &= ~(1ull << (i % 64));
	memset((char *)s + SLAB_HDR + i * block_size(class), JUNK,
	       block_size(class));
	if (s->inuse-- == capacity(class))
		list_add(s);
	if (!s->inuse) {
		list_del(s);
		s->magic = 0;
		heap.free_pages(s, 1);
	}
}

/*
 * Finds what p belongs to: sets *slab and *index for a small block or
 * *large for a large allocation and returns true, or reports a bad pointer
 * and returns false.
 */
static bool lookup(const void *p, struct slab **slab, size_t *index,
		   struct large **large)
{
	uintptr_t a = (uintptr_t)p;
	uintptr_t page = a & ~(uintptr_t)(PMEM_PAGE_SIZE - 1);
	const char *bad = "kmalloc: pointer was not returned by kmalloc";

	*slab = NULL;
	*large = NULL;
	/* Check the alignment before reading anything at the page. */
	if (a % ALIGN || a == page) {
		kmalloc_bug(bad);
		return false;
	}
	if (*(const uint32_t *)page == LARGE_MAGIC) {
		if (a != page + sizeof(struct large)) {
			kmalloc_bug(bad);
			return false;
		}
		*large = (struct large *)page;
		return true;
	}
	if (*(const uint32_t *)page == SLAB_MAGIC) {
		struct slab *s = (struct slab *)page;
		size_t off = a - page - SLAB_HDR;

		if (a - page < SLAB_HDR || off % block_size(s->class) ||
		    off / block_size(s->class) >= capacity(s->class)) {
			kmalloc_bug(bad);
			return false;
		}
		*index = off / block_size(s->class);
		if (!(s->used[*index / 64] >> (*index % 64) & 1)) {
			kmalloc_bug("kmalloc: block is already free");
			return false;
		}
		*slab = s;
		return true;
	}
	/* A freed large allocation's page lost its magic too. */
	kmalloc_bug("kmalloc: pointer is not allocated (double free?)");
	return false;
}

void kmalloc_init(void *(*alloc_pages)(size_t npages),
		  void (*free_pages)(void *p, size_t npages))
{
	heap.alloc_pages = alloc_pages;
	heap.free_pages = free_pages;
	for (unsigned int c = 0; c < NCLASSES; c++)
		heap.partial[c] = NULL;
}

static spinlock_t heap_lock = SPINLOCK_INIT;

void *kmalloc(size_t size)
{
	struct large *l;
	size_t npages;

	if (!size)
		return NULL;
	if (size <= MAX_SMALL) {
		unsigned long flags = spin_lock_irqsave(&heap_lock);
		void *p = slab_alloc(class_of(size));
		spin_unlock_irqrestore(&heap_lock, flags);
		return p;
	}
	npages = large_pages(size);
	if (!npages)
		return NULL;
	l = heap.alloc_pages(npages);
	if (!l)
		return NULL;
	l->magic = LARGE_MAGIC;
	l->unused = 0;
	l->npages = npages;
	return l + 1;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct slab *s;
	struct large *l;
	size_t i;

	if (!p)
		return;
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	if (!lookup(p, &s, &i, &l)) {
		spin_unlock_irqrestore(&heap_lock, flags);
		return;
	}
	if (s) {
		slab_free(s, i);
		spin_unlock_irqrestore(&heap_lock, flags);
	} else {
		l->magic = 0;
		spin_unlock_irqrestore(&heap_lock, flags);
		heap.free_pages(l, l->npages);
	}
}

size_t kmalloc_usable_size(void *p)
{
	struct slab *s;
	struct large *l;
	size_t i, size = 0;

	if (!p)
		return 0;
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	if (lookup(p, &s, &i, &l))
		size = s ? block_size(s->class) : l->npages * PMEM_PAGE_SIZE - sizeof(struct large);
	spin_unlock_irqrestore(&heap_lock, flags);
	return size;
}

/* What kmalloc(size) would make usable, for a nonzero size that fits. */
static size_t usable_for(size_t size)
{
	if (size <= MAX_SMALL)
		return block_size(class_of(size));
	return large_pages(size) * PMEM_PAGE_SIZE - sizeof(struct large);
}

void *krealloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (!p)
		return kmalloc(size);
	if (!size) {
		kfree(p);
		return NULL;
	}
	old = kmalloc_usable_size(p);
	if (!old)
		return NULL;
	/* Stay in place unless a new block would be less than half as big. */
	if (size <= old && usable_for(size) > old / 2)
		return p;
	q = kmalloc(size);
	if (!q)
		return size <= old ? p : NULL;
	memcpy(q, p, size < old ? size : old);
	kfree(p);
	return q;
}

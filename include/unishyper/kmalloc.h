/*
 * The kernel heap.
 *
 * Requests up to 2048 bytes come from size classes (16, 32, 64, ... 2048
 * bytes) carved out of single pages; larger ones take whole pages with a
 * 16-byte header. Every pointer returned is 16-byte aligned. Pages come
 * from the callbacks given to kmalloc_init(), so the heap does not depend on
 * any particular page allocator.
 */
#ifndef UNISHYPER_KMALLOC_H
#define UNISHYPER_KMALLOC_H

#include <stddef.h>

/*
 * Sets the page source and forgets every earlier allocation. alloc_pages
 * returns npages contiguous, 4096-byte-aligned, writable pages or NULL;
 * free_pages takes back exactly a run alloc_pages returned. Empty slab pages
 * and large allocations are given back as soon as they are free.
 */
void kmalloc_init(void *(*alloc_pages)(size_t npages),
		  void (*free_pages)(void *p, size_t npages));

/* At least size bytes, 16-byte aligned; NULL for size 0 or out of memory. */
void *kmalloc(size_t size);

/* kmalloc() and zero the memory. */
void *kzalloc(size_t size);

/*
 * Resizes p, keeping the first min(old, new) bytes; may move it. NULL p is
 * kmalloc(size); size 0 frees p and returns NULL. On failure returns NULL
 * and p stays valid, except when shrinking, where p itself is returned.
 */
void *krealloc(void *p, size_t size);

/*
 * Frees p; NULL is a no-op. Freed small blocks are filled with 0x6b so a
 * use after free shows. A pointer kmalloc() did not return, or one already
 * freed, is reported through kmalloc_bug() (for freed memory: as long as
 * its page has not been reused).
 */
void kfree(void *p);

/* The bytes usable at p (at least what was asked for); 0 for NULL. */
size_t kmalloc_usable_size(void *p);

/*
 * Called with a short static message when kfree(), krealloc() or
 * kmalloc_usable_size() is given a bad pointer; the call then does nothing
 * (and returns NULL or 0). This weak default traps; the kernel overrides it
 * with one that panics, and host tests with one that records.
 */
void kmalloc_bug(const char *msg);

#endif

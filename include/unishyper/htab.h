/*
 * An intrusive hash table with chaining: the element embeds a struct
 * htab_node, the table holds only the bucket array, which doubles as the
 * table fills, so lookup, insert and remove take constant expected time.
 * The owner computes hashes (htab_hash() for bytes) and compares keys
 * itself while walking the nodes of one hash. No locking: the owner
 * serialises calls.
 */
#ifndef UNISHYPER_HTAB_H
#define UNISHYPER_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab_node {
	struct htab_node *next;
	uint32_t hash;
};

struct htab {
	struct htab_node **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
};

/* An empty table with its first buckets: 0, -ENOMEM. */
int htab_init(struct htab *h);

/* Frees the bucket array; the elements are the owner's. */
void htab_destroy(struct htab *h);

/* Adds n under hash to a table htab_init() set up. Never fails: when the
 * table cannot grow for want of memory, its chains get longer. */
void htab_insert(struct htab *h, struct htab_node *n, uint32_t hash);

/* Takes n, which must be in h, out. */
void htab_remove(struct htab *h, struct htab_node *n);

/* The first node with hash, then the next after n with the same hash;
 * NULL when there is none. */
struct htab_node *htab_first(const struct htab *h, uint32_t hash);
struct htab_node *htab_next(const struct htab_node *n);

/* Takes every node out, calling drop (which may free it) on each, and
 * frees the bucket array. */
void htab_clear(struct htab *h, void (*drop)(struct htab_node *n));

/* FNV-1a of len bytes, continued from h (start with HTAB_SEED). */
#define HTAB_SEED 2166136261u
uint32_t htab_hash(uint32_t h, const void *p, size_t len);

#endif

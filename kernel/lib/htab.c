/*
 * The intrusive hash table of <unishyper/htab.h>. Buckets double when the
 * table holds as many nodes as buckets, so chains stay short on average
 * and the rehash costs amortised constant time per insert. Needs only
 * kmalloc and kfree, so host tests link it as it is.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <unishyper/htab.h>
#include <unishyper/kmalloc.h>

#define FIRST_BUCKETS 8

int htab_init(struct htab *h)
{
	h->buckets = kzalloc(FIRST_BUCKETS * sizeof(*h->buckets));
	h->nbuckets = h->buckets ? FIRST_BUCKETS : 0;
	h->count = 0;
	return h->buckets ? 0 : -ENOMEM;
}

void htab_destroy(struct htab *h)
{
	kfree(h->buckets);
	h->buckets = NULL;
	h->nbuckets = h->count = 0;
}

static void grow(struct htab *h)
{
	size_t n = h->nbuckets * 2;
	struct htab_node **b = kzalloc(n * sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < h->nbuckets; i++) {
		while (h->buckets[i]) {
			struct htab_node *e = h->buckets[i];

			h->buckets[i] = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	kfree(h->buckets);
	h->buckets = b;
	h->nbuckets = n;
}

void htab_insert(struct htab *h, struct htab_node *n, uint32_t hash)
{
	struct htab_node **b;

	if (h->count >= h->nbuckets)
		grow(h);
	b = &h->buckets[hash & (h->nbuckets - 1)];
	n->hash = hash;
	n->next = *b;
	*b = n;
	h->count++;
}

void htab_remove(struct htab *h, struct htab_node *n)
{
	struct htab_node **p = &h->buckets[n->hash & (h->nbuckets - 1)];

	while (*p && *p != n)
		p = &(*p)->next;
	if (*p) {
		*p = n->next;
		h->count--;
	}
}

static struct htab_node *same_hash(struct htab_node *n, uint32_t hash)
{
	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct htab_node *htab_first(const struct htab *h, uint32_t hash)
{
	if (!h->nbuckets)
		return NULL;
	return same_hash(h->buckets[hash & (h->nbuckets - 1)], hash);
}

struct htab_node *htab_next(const struct htab_node *n)
{
	return same_hash(n->next, n->hash);
}

void htab_clear(struct htab *h, void (*drop)(struct htab_node *n))
{
	for (size_t i = 0; i < h->nbuckets; i++) {
		while (h->buckets[i]) {
			struct htab_node *e = h->buckets[i];

			h->buckets[i] = e->next;
			drop(e);
		}
	}
	htab_destroy(h);
}

uint32_t htab_hash(uint32_t h, const void *p, size_t len)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/*
 * Host tests for the intrusive hash table (kernel/lib/htab.c): lookups
 * find exactly what was inserted through growth, removal in any order,
 * colliding hashes, a table that cannot grow for want of memory, and
 * clearing. kmalloc is the C library's malloc (ASan sees every block),
 * and can be made to fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unishyper/htab.h>
#include <unishyper/kmalloc.h>

static int fail_allocs; /* kmalloc returns NULL while this is set */

void *kmalloc(size_t size)
{
	return size && !fail_allocs ? malloc(size) : NULL;
}

void *kzalloc(size_t size)
{
	return size && !fail_allocs ? calloc(1, size) : NULL;
}

void kfree(void *p)
{
	free(p);
}

struct item {
	struct htab_node node;
	int key;
	int dropped;
};

static uint32_t key_hash(int key)
{
	return htab_hash(HTAB_SEED, &key, sizeof(key));
}

static struct item *find(struct htab *h, int key, uint32_t hash)
{
	for (struct htab_node *n = htab_first(h, hash); n; n = htab_next(n)) {
		struct item *it = (struct item *)n;
		if (it->key == key)
			return it;
	}
	return NULL;
}

static void grows_and_finds(void **state)
{
	enum { N = 100000 };
	struct item *items = calloc(N, sizeof(*items));
	struct htab h;

	(void)state;
	assert_int_equal(htab_init(&h), 0);
	for (int i = 0; i < N; i++) {
		items[i].key = i;
		htab_insert(&h, &items[i].node, key_hash(i));
	}
	assert_int_equal(h.count, N);
	assert_true(h.nbuckets >= N / 2);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(find(&h, i, key_hash(i)), &items[i]);
	assert_null(find(&h, N, key_hash(N)));
	for (int i = 0; i < N; i += 2)
		htab_remove(&h, &items[i].node);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(find(&h, i, key_hash(i)), i % 2 ? &items[i] : NULL);
	assert_int_equal(h.count, N / 2);
	htab_destroy(&h);
	free(items);
}

static void collisions(void **state)
{
	struct item items[50];
	struct htab h;
	int n = 0;

	(void)state;
	assert_int_equal(htab_init(&h), 0);
	for (int i = 0; i < 50; i++) {
		items[i].key = i;
		htab_insert(&h, &items[i].node, 7);
	}
	for (struct htab_node *e = htab_first(&h, 7); e; e = htab_next(e))
		n++;
	assert_int_equal(n, 50);
	htab_remove(&h, &items[25].node);
	assert_null(find(&h, 25, 7));
	assert_ptr_equal(find(&h, 49, 7), &items[49]);
	assert_null(htab_first(&h, 8));
	htab_destroy(&h);
}

static void full_memory(void **state)
{
	struct item items[1000];
	struct htab h;

	(void)state;
	fail_allocs = 1;
	assert_int_equal(htab_init(&h), -ENOMEM);
	assert_null(htab_first(&h, 1));
	fail_allocs = 0;
	assert_int_equal(htab_init(&h), 0);
	fail_allocs = 1;
	for (int i = 0; i < 1000; i++) {
		items[i].key = i;
		htab_insert(&h, &items[i].node, key_hash(i));
	}
	fail_allocs = 0;
	assert_int_equal(h.nbuckets, 8);
	for (int i = 0; i < 1000; i++)
		assert_ptr_equal(find(&h, i, key_hash(i)), &items[i]);
	htab_destroy(&h);
}

static void drop(struct htab_node *n)
{
	((struct item *)n)->dropped++;
}

static void clear(void **state)
{
	struct item items[300] = {0};
	struct htab h;

	(void)state;
	assert_int_equal(htab_init(&h), 0);
	for (int i = 0; i < 300; i++)
		htab_insert(&h, &items[i].node, key_hash(i));
	htab_clear(&h, drop);
	for (int i = 0; i < 300; i++)
		assert_int_equal(items[i].dropped, 1);
	assert_int_equal(h.count, 0);
	assert_null(h.buckets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_and_finds),
		cmocka_unit_test(collisions),
		cmocka_unit_test(full_memory),
		cmocka_unit_test(clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

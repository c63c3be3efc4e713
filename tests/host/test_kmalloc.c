/*
 * Host tests for kernel/mm/kmalloc.c over a fake page source: a static pool
 * of aligned pages that counts every call, checks that each free matches an
 * earlier allocation exactly, and can be limited to simulate running out.
 * Freed pages are left as the heap left them, so the tests see what the
 * heap itself does to memory it gives back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unishyper/kmalloc.h>

#define PG 4096
#define POOL_PAGES 4096

static unsigned char pool[POOL_PAGES][PG] __attribute__((aligned(PG)));
static size_t run_len[POOL_PAGES]; /* at the first page of a run; 0 free */
static bool page_used[POOL_PAGES];
static size_t pages_out, page_limit, alloc_calls, free_calls;
static int bugs;
static const char *last_bug;

void kmalloc_bug(const char *msg)
{
	bugs++;
	last_bug = msg;
}

static void *pool_alloc(size_t n)
{
	alloc_calls++;
	if (n > page_limit - pages_out)
		return NULL;
	for (size_t i = 0; i + n <= POOL_PAGES; i++) {
		size_t j = 0;

		while (j < n && !page_used[i + j])
			j++;
		if (j == n) {
			for (j = 0; j < n; j++)
				page_used[i + j] = true;
			run_len[i] = n;
			pages_out += n;
			return pool[i];
		}
		i += j;
	}
	return NULL;
}

static void pool_free(void *p, size_t n)
{
	size_t i = (size_t)((unsigned char (*)[PG])p - pool);

	free_calls++;
	assert_true((unsigned char *)p >= pool[0] &&
		    (unsigned char *)p < pool[POOL_PAGES]);
	assert_ptr_equal(p, pool[i]);
	assert_int_equal(run_len[i], n);
	for (size_t j = 0; j < n; j++)
		page_used[i + j] = false;
	run_len[i] = 0;
	pages_out -= n;
}

static void reset(void)
{
	memset(page_used, 0, sizeof(page_used));
	memset(run_len, 0, sizeof(run_len));
	pages_out = alloc_calls = free_calls = 0;
	page_limit = POOL_PAGES;
	bugs = 0;
	last_bug = NULL;
	kmalloc_init(pool_alloc, pool_free);
}

/* Every test ends with all memory given back and no bug reported. */
static void expect_clean(void)
{
	assert_int_equal(pages_out, 0);
	assert_int_equal(bugs, 0);
}

static void expect_bug(const char *word)
{
	assert_int_equal(bugs, 1);
	assert_non_null(strstr(last_bug, word));
	bugs = 0;
}

static void fill(void *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)p)[i] = (unsigned char)(seed * 31 + i * 7);
}

static bool intact(const void *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		if (((const unsigned char *)p)[i] !=
		    (unsigned char)(seed * 31 + i * 7))
			return false;
	return true;
}

static void test_sizes_alignment_no_overlap(void **state)
{
	enum { N = 2100 + 40 };
	static void *p[N];
	static size_t size[N];

	(void)state;
	reset();
	for (unsigned int i = 0; i < N; i++) {
		size[i] = i < 2100 ? i + 1 : 2100 + (i - 2100) * 997;
		p[i] = kmalloc(size[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		assert_true(kmalloc_usable_size(p[i]) >= size[i]);
		fill(p[i], kmalloc_usable_size(p[i]), i);
	}
	for (unsigned int i = 0; i < N; i++)
		assert_true(intact(p[i], kmalloc_usable_size(p[i]), i));
	for (unsigned int i = 0; i < N; i += 2)
		kfree(p[i]);
	for (unsigned int i = 1; i < N; i += 2) {
		assert_true(intact(p[i], kmalloc_usable_size(p[i]), i));
		kfree(p[i]);
	}
	assert_int_equal(alloc_calls, free_calls);
	expect_clean();
}

static void test_usable_size(void **state)
{
	static const size_t table[][2] = {
		{ 1, 16 },       { 16, 16 },     { 17, 32 },     { 33, 64 },
		{ 100, 128 },    { 256, 256 },   { 257, 512 },   { 1000, 1024 },
		{ 1025, 2048 },  { 2048, 2048 }, { 2049, 4080 }, { 4080, 4080 },
		{ 4081, 8176 },  { 100000, 25 * 4096 - 16 },
	};

	(void)state;
	reset();
	assert_int_equal(kmalloc_usable_size(NULL), 0);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		void *p = kmalloc(table[i][0]);

		assert_int_equal(kmalloc_usable_size(p), table[i][1]);
		kfree(p);
	}
	expect_clean();
}

static void test_kzalloc(void **state)
{
	static const size_t sizes[] = { 1, 24, 2048, 5000 };

	(void)state;
	reset();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* Keep a neighbour so the dirty slab page is reused. */
		void *keep = kmalloc(sizes[i]);
		unsigned char *p = kmalloc(sizes[i]);

		memset(p, 0xff, sizes[i]);
		kfree(p);
		p = kzalloc(sizes[i]);
		assert_non_null(p);
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		kfree(p);
		kfree(keep);
	}
	assert_null(kzalloc(0));
	expect_clean();
}

static void test_zero_and_huge(void **state)
{
	(void)state;
	reset();
	assert_null(kmalloc(0));
	assert_null(kmalloc(SIZE_MAX));
	assert_null(kmalloc(SIZE_MAX - 4095));
	assert_null(kmalloc(SIZE_MAX / 2));
	kfree(NULL);
	expect_clean();
}

static void test_out_of_memory(void **state)
{
	void *p, *q;

	(void)state;
	reset();
	page_limit = 0;
	assert_null(kmalloc(16));
	assert_null(kmalloc(5000));
	page_limit = 1;
	p = kmalloc(16);
	assert_non_null(p);
	/* The slab page has room; a second page does not. */
	q = kmalloc(16);
	assert_non_null(q);
	assert_null(kmalloc(32));
	assert_null(kmalloc(3000));
	kfree(p);
	kfree(q);
	p = kmalloc(3000);
	assert_non_null(p);
	kfree(p);
	expect_clean();
}

static void test_realloc_keeps_data(void **state)
{
	static const size_t steps[] = { 1,    15,    16,   17,   100, 2048,
					2049, 10000, 4080, 3000, 2000, 64,
					8,    40000, 1 };
	unsigned char *p = NULL;
	size_t have = 0;

	(void)state;
	reset();
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t keep = have < steps[i] ? have : steps[i];

		p = krealloc(p, steps[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_true(kmalloc_usable_size(p) >= steps[i]);
		assert_true(intact(p, keep, 7));
		fill(p, steps[i], 7);
		have = steps[i];
	}
	assert_null(krealloc(p, 0));
	assert_int_equal(alloc_calls, free_calls);
	expect_clean();
}

static void test_realloc_in_place_or_moved(void **state)
{
	void *p, *q;

	(void)state;
	reset();
	/* Within the block, or shrinking by less than half: in place. */
	p = kmalloc(100);
	assert_ptr_equal(krealloc(p, 128), p);
	assert_ptr_equal(krealloc(p, 65), p);
	/* Into a smaller class: moved. */
	q = krealloc(p, 64);
	assert_true(q != p);
	assert_int_equal(kmalloc_usable_size(q), 64);
	kfree(q);

	p = kmalloc(40000);
	assert_ptr_equal(krealloc(p, 30000), p);
	q = krealloc(p, 10000);
	assert_true(q != p);
	assert_int_equal(kmalloc_usable_size(q), 3 * PG - 16);
	kfree(q);

	/* NULL is kmalloc. */
	p = krealloc(NULL, 10);
	assert_int_equal(kmalloc_usable_size(p), 16);
	kfree(p);
	expect_clean();
}

static void test_realloc_out_of_memory(void **state)
{
	unsigned char *p, *q;

	(void)state;
	reset();
	p = kmalloc(5000);
	fill(p, 5000, 3);
	page_limit = pages_out;
	/* Growing fails and leaves p alone. */
	assert_null(krealloc(p, 9000));
	assert_true(intact(p, 5000, 3));
	/* Shrinking a lot cannot move either, so p itself comes back. */
	q = krealloc(p, 10);
	assert_ptr_equal(q, p);
	assert_true(intact(p, 5000, 3));
	page_limit = POOL_PAGES;
	kfree(p);
	expect_clean();
}

static void test_freed_blocks_are_junk(void **state)
{
	unsigned char *a, *b;

	(void)state;
	reset();
	a = kmalloc(64);
	b = kmalloc(64);
	memset(a, 0x11, 64);
	memset(b, 0x22, 64);
	kfree(a);
	for (int i = 0; i < 64; i++)
		assert_int_equal(a[i], 0x6b);
	for (int i = 0; i < 64; i++)
		assert_int_equal(b[i], 0x22);
	kfree(b);
	expect_clean();
}

static void test_slab_pages_reused_and_returned(void **state)
{
	enum { MAX = 300 };
	static void *p[MAX];
	int n = 0;

	(void)state;
	reset();
	/* Fill the first slab page of the 16-byte class. */
	while (n < MAX) {
		p[n] = kmalloc(16);
		if (alloc_calls == 2)
			break;
		n++;
	}
	assert_true(n >= 200 && n < MAX);
	for (int i = 0; i < n; i++)
		assert_true(((uintptr_t)p[i] & ~(uintptr_t)(PG - 1)) ==
			    ((uintptr_t)p[0] & ~(uintptr_t)(PG - 1)));
	/* A freed block is handed out again before any new page. */
	kfree(p[5]);
	assert_ptr_equal(kmalloc(16), p[5]);
	assert_int_equal(alloc_calls, 2);
	/* Emptying the second page gives it back, the first one too. */
	kfree(p[n]);
	assert_int_equal(free_calls, 1);
	for (int i = 0; i < n; i++)
		kfree(p[i]);
	assert_int_equal(free_calls, 2);
	expect_clean();
}

static void test_fill_and_free_cycles(void **state)
{
	enum { N = 1500 };
	static void *p[N];
	static size_t size[N];
	uint64_t seed = 42;

	(void)state;
	reset();
	for (int cycle = 0; cycle < 5; cycle++) {
		for (unsigned int i = 0; i < N; i++) {
			seed = seed * 6364136223846793005ull + 1;
			size[i] = 1 + (seed >> 33) % (cycle == 4 ? 9000 : 2100);
			p[i] = kmalloc(size[i]);
			assert_non_null(p[i]);
			fill(p[i], size[i], i);
		}
		/* Free in a shuffled order. */
		for (unsigned int i = N - 1; i > 0; i--) {
			unsigned int j;
			void *t;
			size_t s;

			seed = seed * 6364136223846793005ull + 1;
			j = (unsigned int)((seed >> 33) % (i + 1));
			t = p[i], p[i] = p[j], p[j] = t;
			s = size[i], size[i] = size[j], size[j] = s;
		}
		for (unsigned int i = 0; i < N; i++)
			kfree(p[i]);
		assert_int_equal(pages_out, 0);
		assert_int_equal(alloc_calls, free_calls);
	}
	expect_clean();
}

static void test_double_free(void **state)
{
	void *a, *b, *big;
	size_t frees;

	(void)state;
	reset();
	/* A block in a slab that still has another one in use. */
	a = kmalloc(32);
	b = kmalloc(32);
	kfree(a);
	kfree(a);
	expect_bug("free");
	assert_int_equal(kmalloc_usable_size(a), 0);
	expect_bug("free");
	assert_null(krealloc(a, 100));
	expect_bug("free");
	/* The bitmap is intact: the slab goes back when b is freed. */
	frees = free_calls;
	kfree(b);
	assert_int_equal(free_calls, frees + 1);
	/* The last block of a slab: the page went back with it. */
	kfree(b);
	expect_bug("double free");
	assert_int_equal(free_calls, frees + 1);
	/* A large allocation. */
	big = kmalloc(10000);
	kfree(big);
	kfree(big);
	expect_bug("double free");
	assert_int_equal(free_calls, frees + 2);
	expect_clean();
}

static void test_foreign_pointers(void **state)
{
	static unsigned char page[PG] __attribute__((aligned(PG)));
	unsigned char *small, *big;
	size_t frees;

	(void)state;
	reset();
	small = kmalloc(32);
	big = kmalloc(10000);
	frees = free_calls;
	/* Misaligned, in the middle of a block, in the slab header. */
	kfree(small + 1);
	expect_bug("not returned");
	kfree(small + 8);
	expect_bug("not returned");
	kfree(small + 16);
	expect_bug("not returned");
	kfree((void *)((uintptr_t)small & ~(uintptr_t)(PG - 1)));
	expect_bug("not returned");
	kfree((void *)(((uintptr_t)small & ~(uintptr_t)(PG - 1)) + 16));
	expect_bug("not returned");
	/* Inside a large allocation. */
	kfree(big + 16);
	expect_bug("not returned");
	kfree(big + PG);
	expect_bug("not allocated");
	/* A page the heap never owned; misaligned, it is not even read. */
	kfree(page + 64);
	expect_bug("not allocated");
	kfree(page + 65);
	expect_bug("not returned");
	assert_int_equal(kmalloc_usable_size(page + 64), 0);
	expect_bug("not allocated");
	assert_null(krealloc(small + 16, 8));
	expect_bug("not returned");
	assert_int_equal(free_calls, frees);
	/* The real pointers still work. */
	assert_int_equal(kmalloc_usable_size(small), 32);
	assert_int_equal(kmalloc_usable_size(big), 3 * PG - 16);
	kfree(small);
	kfree(big);
	expect_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_alignment_no_overlap),
		cmocka_unit_test(test_usable_size),
		cmocka_unit_test(test_kzalloc),
		cmocka_unit_test(test_zero_and_huge),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_realloc_keeps_data),
		cmocka_unit_test(test_realloc_in_place_or_moved),
		cmocka_unit_test(test_realloc_out_of_memory),
		cmocka_unit_test(test_freed_blocks_are_junk),
		cmocka_unit_test(test_slab_pages_reused_and_returned),
		cmocka_unit_test(test_fill_and_free_cycles),
		cmocka_unit_test(test_double_free),
		cmocka_unit_test(test_foreign_pointers),
	};

	/* Line by line, so a sanitizer abort keeps the finished results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kmalloc", tests, NULL, NULL);
}

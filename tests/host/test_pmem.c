/*
 * Host tests for kernel/mm/pmem.c: rounding and clipping of pmem_add() and
 * pmem_reserve(), lowest-address-first contiguous and aligned allocation,
 * the counters, bug reports for bad frees, and a random sequence checked
 * step by step against a plain array model. The bitmap is a heap block of
 * exactly pmem_bitmap_words() words, so AddressSanitizer catches an access
 * past it; the managed addresses are never memory of this process.
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

#include <unishyper/pmem.h>

#define PG PMEM_PAGE_SIZE

static uint64_t *bitmap;
static int bugs;
static const char *last_bug;

void pmem_bug(const char *msg)
{
	bugs++;
	last_bug = msg;
}

static void setup_range(uint64_t base, uint64_t npages)
{
	size_t bytes = pmem_bitmap_words(npages) * sizeof(uint64_t);

	free(bitmap);
	bitmap = malloc(bytes ? bytes : 1);
	assert_non_null(bitmap);
	pmem_init(bitmap, base, npages);
	bugs = 0;
	last_bug = NULL;
}

static int teardown(void **state)
{
	(void)state;
	free(bitmap);
	bitmap = NULL;
	return 0;
}

static void expect_bug(const char *word)
{
	assert_int_equal(bugs, 1);
	assert_non_null(strstr(last_bug, word));
	bugs = 0;
}

static void test_bitmap_words(void **state)
{
	const uint64_t base = 0x100000;

	(void)state;
	assert_int_equal(pmem_bitmap_words(0), 0);
	/* Small, and enough: ASan checks every access to the exact block. */
	for (uint64_t n = 1; n <= 200; n++) {
		assert_true(pmem_bitmap_words(n) <= 2 * ((n + 63) / 64));
		setup_range(base, n);
		pmem_add(base, n * PG);
		assert_int_equal(pmem_free_pages(), n);
		assert_int_equal(pmem_alloc(n), base);
		assert_int_equal(pmem_alloc(1), 0);
		pmem_free(base, n);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(pmem_alloc(1), base + i * PG);
		pmem_reserve(base, n * PG);
		assert_int_equal(bugs, 0);
	}
}

static void test_starts_reserved(void **state)
{
	(void)state;
	setup_range(0x100000, 100);
	assert_int_equal(pmem_free_pages(), 0);
	assert_int_equal(pmem_total_pages(), 0);
	assert_int_equal(pmem_alloc(1), 0);
	setup_range(0x100000, 0);
	assert_int_equal(pmem_alloc(1), 0);
	pmem_add(0, UINT64_MAX);
	assert_int_equal(pmem_free_pages(), 0);
}

static void test_add_rounds_inward_and_clips(void **state)
{
	const uint64_t base = 0x200000;

	(void)state;
	setup_range(base, 16);
	/* [base + 100, base + 3 pages + 100): frames 1 and 2 only. */
	pmem_add(base + 100, 3 * PG);
	assert_int_equal(pmem_free_pages(), 2);
	assert_int_equal(pmem_total_pages(), 2);
	assert_int_equal(pmem_alloc(1), base + PG);
	assert_int_equal(pmem_alloc(1), base + 2 * PG);
	assert_int_equal(pmem_alloc(1), 0);

	/* Less than a page, or a range below or above the managed one. */
	setup_range(base, 16);
	pmem_add(base + 1, PG);
	pmem_add(0, base);
	pmem_add(base + 16 * PG, 100 * PG);
	pmem_add(base + 5 * PG, 0);
	pmem_add(UINT64_MAX - 100, 50);
	pmem_add(UINT64_MAX - 100, UINT64_MAX);
	assert_int_equal(pmem_free_pages(), 0);

	/* Overlapping both ends is clipped; length overflow saturates. */
	setup_range(base, 16);
	pmem_add(0, UINT64_MAX);
	assert_int_equal(pmem_free_pages(), 16);
	assert_int_equal(pmem_alloc(16), base);
	setup_range(base, 16);
	pmem_add(base + 15 * PG, UINT64_MAX);
	assert_int_equal(pmem_free_pages(), 1);
	assert_int_equal(pmem_alloc(1), base + 15 * PG);
}

static void test_reserve_rounds_outward(void **state)
{
	const uint64_t base = 0x200000;

	(void)state;
	setup_range(base, 16);
	pmem_add(base, 16 * PG);
	/* One byte in frame 1, and 2 bytes straddling frames 4 and 5. */
	pmem_reserve(base + PG + 1, 1);
	pmem_reserve(base + 5 * PG - 1, 2);
	pmem_reserve(base + 8 * PG, 0);
	assert_int_equal(pmem_free_pages(), 13);
	assert_int_equal(pmem_total_pages(), 16);
	assert_int_equal(pmem_alloc(1), base);
	assert_int_equal(pmem_alloc(1), base + 2 * PG);
	assert_int_equal(pmem_alloc(1), base + 3 * PG);
	/* Reserving twice, and outside the range, changes nothing. */
	pmem_reserve(base + PG, PG);
	pmem_reserve(0, base);
	pmem_reserve(base + 16 * PG, UINT64_MAX);
	assert_int_equal(pmem_free_pages(), 10);
	/* A length that overflows reserves to the end. */
	pmem_reserve(base + 14 * PG + 5, UINT64_MAX);
	assert_int_equal(pmem_free_pages(), 8);
	assert_int_equal(pmem_alloc(3), base + 6 * PG);
	assert_int_equal(pmem_alloc(6), 0);
	assert_int_equal(pmem_alloc(5), base + 9 * PG);
}

static void test_total_counts_each_frame_once(void **state)
{
	const uint64_t base = 0x10000000;

	(void)state;
	setup_range(base, 64);
	pmem_add(base, 10 * PG);
	pmem_add(base + 5 * PG, 10 * PG);
	assert_int_equal(pmem_total_pages(), 15);
	assert_int_equal(pmem_free_pages(), 15);
	pmem_reserve(base, 4 * PG);
	assert_int_equal(pmem_total_pages(), 15);
	assert_int_equal(pmem_free_pages(), 11);
	/* Giving reserved RAM back (boot memory, say) counts it once. */
	pmem_add(base, 2 * PG);
	assert_int_equal(pmem_total_pages(), 15);
	assert_int_equal(pmem_free_pages(), 13);
	/* Reserved frames that were RAM can be freed like allocated ones. */
	pmem_free(base + 2 * PG, 2);
	assert_int_equal(bugs, 0);
	assert_int_equal(pmem_free_pages(), 15);
}

static void test_frame_zero_is_never_returned(void **state)
{
	(void)state;
	setup_range(0, 8);
	pmem_add(0, 8 * PG);
	assert_int_equal(pmem_total_pages(), 7);
	assert_int_equal(pmem_free_pages(), 7);
	assert_int_equal(pmem_alloc(7), PG);
	assert_int_equal(pmem_alloc(1), 0);
	pmem_free(PG, 7);
	assert_int_equal(pmem_alloc(8), 0);
	assert_int_equal(pmem_alloc_aligned(1, 8 * PG), 0);
	assert_int_equal(pmem_alloc_aligned(1, 4 * PG), 4 * PG);
	pmem_free(0, 1);
	expect_bug("RAM");
}

static void test_lowest_first_and_contiguous(void **state)
{
	const uint64_t base = 0x100000;

	(void)state;
	setup_range(base, 200);
	pmem_add(base, 200 * PG);
	for (int i = 0; i < 200; i++)
		assert_int_equal(pmem_alloc(1), base + (uint64_t)i * PG);
	assert_int_equal(pmem_alloc(1), 0);
	assert_int_equal(pmem_free_pages(), 0);
	/* Holes of 1 at 10, 2 at 20, 3 at 30 and 1 at 150. */
	pmem_free(base + 150 * PG, 1);
	pmem_free(base + 30 * PG, 3);
	pmem_free(base + 20 * PG, 2);
	pmem_free(base + 10 * PG, 1);
	assert_int_equal(pmem_free_pages(), 7);
	assert_int_equal(pmem_alloc(3), base + 30 * PG);
	assert_int_equal(pmem_alloc(2), base + 20 * PG);
	assert_int_equal(pmem_alloc(2), 0);
	assert_int_equal(pmem_alloc(1), base + 10 * PG);
	assert_int_equal(pmem_alloc(1), base + 150 * PG);
	assert_int_equal(pmem_alloc(1), 0);
	/* A run across a 64-frame word boundary. */
	pmem_free(base + 60 * PG, 70);
	assert_int_equal(pmem_alloc(70), base + 60 * PG);
	assert_int_equal(pmem_free_pages(), 0);
	assert_int_equal(pmem_alloc(0), 0);
	assert_int_equal(pmem_alloc(201), 0);
	assert_int_equal(pmem_alloc(SIZE_MAX), 0);
}

static void test_partial_last_word(void **state)
{
	const uint64_t base = 0x100000;

	(void)state;
	/* 100 frames: the bits past frame 99 must never be handed out. */
	setup_range(base, 100);
	pmem_add(base, 1000 * PG);
	assert_int_equal(pmem_free_pages(), 100);
	assert_int_equal(pmem_alloc(99), base);
	assert_int_equal(pmem_alloc(2), 0);
	assert_int_equal(pmem_alloc(1), base + 99 * PG);
	assert_int_equal(pmem_alloc(1), 0);
}

static void test_aligned(void **state)
{
	const uint64_t base = 0x101000; /* page- but not 64 KiB-aligned */
	uint64_t p;

	(void)state;
	setup_range(base, 256);
	pmem_add(base, 256 * PG);
	p = pmem_alloc_aligned(1, 0x10000);
	assert_int_equal(p, 0x110000);
	p = pmem_alloc_aligned(4, 0x10000);
	assert_int_equal(p, 0x120000);
	p = pmem_alloc_aligned(16, 0x10000);
	assert_int_equal(p, 0x130000);
	p = pmem_alloc_aligned(17, 0x10000);
	assert_int_equal(p, 0x140000);
	/* Below the aligned runs the low frames are still lowest-first. */
	assert_int_equal(pmem_alloc(1), base);
	p = pmem_alloc_aligned(2, 2 * PG);
	assert_int_equal(p, base + 1 * PG);
	/* An aligned run skips a taken frame at the aligned address. */
	pmem_reserve(0x160000, 1);
	assert_int_equal(pmem_alloc_aligned(1, 0x20000), 0x180000);
	/* Too large an alignment for the range. */
	assert_int_equal(pmem_alloc_aligned(1, 1ull << 40), 0);
	assert_int_equal(pmem_alloc_aligned(1, 1ull << 63), 0);
	/* Bad alignments. */
	assert_int_equal(pmem_alloc_aligned(1, 0), 0);
	assert_int_equal(pmem_alloc_aligned(1, 2048), 0);
	assert_int_equal(pmem_alloc_aligned(1, 3 * PG), 0);
	assert_int_equal(pmem_alloc_aligned(1, PG + 1), 0);
	assert_int_equal(pmem_alloc_aligned(0, PG), 0);
}

static void test_bad_frees(void **state)
{
	const uint64_t base = 0x100000;
	uint64_t p;

	(void)state;
	setup_range(base, 64);
	pmem_add(base, 32 * PG);
	p = pmem_alloc(4);
	assert_int_equal(p, base);
	assert_int_equal(pmem_free_pages(), 28);

	pmem_free(p, 4);
	assert_int_equal(bugs, 0);
	assert_int_equal(pmem_free_pages(), 32);
	pmem_free(p, 4);
	expect_bug("double free");
	assert_int_equal(pmem_free_pages(), 32);

	/* Partly free: nothing is freed. */
	p = pmem_alloc(2);
	pmem_free(p, 3);
	expect_bug("double free");
	assert_int_equal(pmem_free_pages(), 30);
	assert_int_equal(pmem_alloc(1), base + 2 * PG);

	pmem_free(p + 1, 1);
	expect_bug("aligned");
	pmem_free(base - PG, 1);
	expect_bug("outside");
	pmem_free(base + 64 * PG, 1);
	expect_bug("outside");
	pmem_free(base + 63 * PG, 2);
	expect_bug("outside");
	pmem_free(base, SIZE_MAX);
	expect_bug("outside");
	pmem_free(0, 1);
	expect_bug("outside");
	/* Reserved from the start, never added: not RAM. */
	pmem_free(base + 40 * PG, 1);
	expect_bug("RAM");
	pmem_free(p, 0);
	assert_int_equal(bugs, 0);
	assert_int_equal(pmem_free_pages(), 29);
	pmem_free(p, 2);
	assert_int_equal(bugs, 0);
	assert_int_equal(pmem_free_pages(), 31);
}

/*
 * Random allocations and frees, each result compared with the lowest fit
 * found by brute force in a plain array.
 */
static void test_against_model(void **state)
{
	enum { N = 300, MAX_LIVE = 64 };
	const uint64_t base = 0x40000000;
	bool taken[N];
	struct { uint64_t idx, n; } live[MAX_LIVE];
	int nlive = 0;
	uint64_t seed = 12345, nfree = 0;

	(void)state;
	setup_range(base, N);
	for (int i = 0; i < N; i++)
		taken[i] = true;
	/* RAM with a few holes. */
	pmem_add(base, 100 * PG);
	pmem_add(base + 110 * PG, 150 * PG);
	pmem_add(base + 270 * PG, 30 * PG);
	for (int i = 0; i < N; i++)
		if ((i < 100) || (i >= 110 && i < 260) || i >= 270) {
			taken[i] = false;
			nfree++;
		}
	for (int step = 0; step < 20000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = seed >> 33;

		if (nlive == MAX_LIVE || (nlive && r % 5 < 2)) {
			int k = (int)(r / 5 % (uint64_t)nlive);

			pmem_free(base + live[k].idx * PG, live[k].n);
			for (uint64_t j = 0; j < live[k].n; j++)
				taken[live[k].idx + j] = false;
			nfree += live[k].n;
			live[k] = live[--nlive];
		} else {
			uint64_t n = 1 + r / 5 % 12;
			uint64_t step_pages = 1ull << (r / 60 % 4);
			uint64_t want = 0, got;

			for (uint64_t i = 0; i + n <= N; i++) {
				bool fits = (base / PG + i) % step_pages == 0;

				for (uint64_t j = 0; fits && j < n; j++)
					fits = !taken[i + j];
				if (fits) {
					want = base + i * PG;
					break;
				}
			}
			got = pmem_alloc_aligned(n, step_pages * PG);
			assert_int_equal(got, want);
			if (got) {
				uint64_t idx = (got - base) / PG;

				for (uint64_t j = 0; j < n; j++)
					taken[idx + j] = true;
				nfree -= n;
				live[nlive].idx = idx;
				live[nlive].n = n;
				nlive++;
			}
		}
		assert_int_equal(pmem_free_pages(), nfree);
	}
	assert_int_equal(bugs, 0);
	assert_int_equal(pmem_total_pages(), 280);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_words),
		cmocka_unit_test(test_starts_reserved),
		cmocka_unit_test(test_add_rounds_inward_and_clips),
		cmocka_unit_test(test_reserve_rounds_outward),
		cmocka_unit_test(test_total_counts_each_frame_once),
		cmocka_unit_test(test_frame_zero_is_never_returned),
		cmocka_unit_test(test_lowest_first_and_contiguous),
		cmocka_unit_test(test_partial_last_word),
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_bad_frees),
		cmocka_unit_test(test_against_model),
	};

	/* Line by line, so a sanitizer abort keeps the finished results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("pmem", tests, NULL, teardown);
}

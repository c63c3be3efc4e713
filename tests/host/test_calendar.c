/*
 * Host tests for civil dates and day counts (kernel/lib/calendar.c):
 * known dates on both sides of the epoch, leap days and centuries, and a
 * round trip over more than a thousand years.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unishyper/calendar.h>

static void known_dates(void **state)
{
	(void)state;
	assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(cal_days_from_civil(1980, 1, 1), 3652);
	assert_int_equal(cal_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(cal_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(cal_days_from_civil(2100, 3, 1), 47541);
	assert_int_equal(cal_days_from_civil(1900, 1, 1), -25567);
}

static void round_trip(void **state)
{
	(void)state;
	int64_t first = cal_days_from_civil(1500, 1, 1), last = cal_days_from_civil(2600, 12, 31);
	int64_t y0 = 1500;
	unsigned m0 = 1, d0 = 1;

	for (int64_t z = first; z <= last; z++) {
		int64_t y;
		unsigned m, d;

		cal_civil_from_days(z, &y, &m, &d);
		assert_int_equal(cal_days_from_civil(y, m, d), z);
		if (z > first) /* the next day after the previous one */
			assert_true((y == y0 && m == m0 && d == d0 + 1) ||
				    (y == y0 && m == m0 + 1 && d == 1) || (y == y0 + 1 && m == 1 && d == 1));
		y0 = y, m0 = m, d0 = d;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_dates),
		cmocka_unit_test(round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Civil dates and day counts, by the era arithmetic of Howard Hinnant's
 * public-domain date algorithms: 400-year eras of 146 097 days, years that
 * start in March so the leap day comes last, correct for any year.
 */
#include <unishyper/calendar.h>

/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT 719468

int64_t cal_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - EPOCH_SHIFT;
}

void cal_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += EPOCH_SHIFT;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

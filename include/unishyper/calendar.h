/*
 * Dates of the proleptic Gregorian calendar as days since 1970-01-01
 * (kernel/lib/calendar.c): the real-time clock and FAT's timestamps speak
 * in dates, the kernel in seconds.
 */
#ifndef UNISHYPER_CALENDAR_H
#define UNISHYPER_CALENDAR_H

#include <stdint.h>

/* Days from 1970-01-01 to year y, month m (1-12), day d (1-31); negative
 * before 1970. */
int64_t cal_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The date of day z (days since 1970-01-01). */
void cal_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif

/*
 * A tiny TAP producer for guest tests: CHECK(cond, "what") prints
 * "ok N - what" or "not ok N - what"; tap_done() gives main's status.
 * tests/run.sh counts the lines and checks the exit status.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_count, tap_failed;

static void tap_check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	tap_failed += !ok;
}

#define CHECK(cond, ...) tap_check(!!(cond), __VA_ARGS__)

static int tap_done(void)
{
	fflush(stdout);
	return tap_failed != 0;
}

#endif

/*
 * Host test of the code posix/gen-syscalls.py generates from a list, with
 * posix/dispatch.c: the table routes numbers to handlers with all six
 * arguments, missing and unknown numbers give -ENOSYS and are logged once,
 * the name table is complete, and the direct-call header calls a handler
 * by constant number without the table. The rule that builds this test
 * runs the generator on tests/host/fixtures/syscalls.list.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "syscall_direct.h"

static long last_args[6];
static int calls, logged;
static char last_log[256];

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	logged++;
}

static long record(long a1, long a2, long a3, long a4, long a5, long a6, long ret)
{
	long a[6] = { a1, a2, a3, a4, a5, a6 };

	memcpy(last_args, a, sizeof(a));
	calls++;
	return ret;
}

long sys_read(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return record(a1, a2, a3, a4, a5, a6, 100);
}

long sys_write(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return record(a1, a2, a3, a4, a5, a6, 101);
}

long sys_getpid(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return record(a1, a2, a3, a4, a5, a6, 1);
}

long sys_mmap(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return record(a1, a2, a3, a4, a5, a6, 109);
}

/* The generated stubs are assembly that jumps to sys_missing; this test
 * links the C equivalent for the one missing call. */
long sys_missing_open(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return sys_missing(2);
}

static void table_size_covers_highest_number(void **state)
{
	(void)state;
	assert_int_equal(SYS_TABLE_SIZE, 10);
}

static void dispatch_passes_all_arguments(void **state)
{
	(void)state;
	calls = 0;
	assert_int_equal(sys_dispatch(9, 1, 2, 3, 4, 5, 6), 109);
	assert_int_equal(calls, 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(last_args[i], i + 1);
	assert_int_equal(sys_dispatch(1, 7, 8, 9, 0, 0, 0), 101);
	assert_int_equal(last_args[0], 7);
}

static void missing_and_unknown_are_enosys_logged_once(void **state)
{
	(void)state;
	logged = 0;
	assert_int_equal(sys_dispatch(2, 0, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(logged, 1);
	assert_non_null(strstr(last_log, "open"));
	assert_int_equal(sys_dispatch(2, 0, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(logged, 1);
	assert_int_equal(sys_dispatch(7, 0, 0, 0, 0, 0, 0), -ENOSYS); /* a hole */
	assert_int_equal(logged, 2);
	assert_non_null(strstr(last_log, "unknown system call 7"));
	assert_int_equal(sys_dispatch(7, 0, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(logged, 2);
	assert_int_equal(sys_dispatch(-1, 0, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(sys_dispatch(100000, 0, 0, 0, 0, 0, 0), -ENOSYS);
}

static void names_cover_the_list(void **state)
{
	(void)state;
	assert_string_equal(sys_names[0], "read");
	assert_string_equal(sys_names[2], "open");
	assert_string_equal(sys_names[5], "getpid");
	assert_null(sys_names[3]);
	assert_null(sys_table[2]);
	assert_ptr_equal(sys_table[5], sys_getpid);
}

static void direct_call_resolves_constant_numbers(void **state)
{
	(void)state;
	calls = 0;
	assert_int_equal(__unishyper_syscall(5, 0, 0, 0, 0, 0, 0), 1);
	assert_int_equal(__unishyper_syscall(2, 0, 0, 0, 0, 0, 0), -ENOSYS);
	volatile long n = 0;
	assert_int_equal(__unishyper_syscall(n, 4, 0, 0, 0, 0, 0), 100);
	assert_int_equal(last_args[0], 4);
	assert_int_equal(calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_size_covers_highest_number),
		cmocka_unit_test(dispatch_passes_all_arguments),
		cmocka_unit_test(missing_and_unknown_are_enosys_logged_once),
		cmocka_unit_test(names_cover_the_list),
		cmocka_unit_test(direct_call_resolves_constant_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

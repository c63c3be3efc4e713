/*
 * Host tests for kernel/lib/format.c: kvsnprintf() against the C library's
 * vsnprintf() over a table of formats, each at every buffer size from 0 to
 * one past the full length, so truncation, the terminating NUL and the
 * bytes past the buffer are compared too. What the C standard leaves to the
 * implementation (null pointers, unknown conversions, overflow) is checked
 * against fixed strings instead.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include <unishyper/format.h>

#define CANARY 0xa5
#define MAX_OUT 2048

/*
 * Formats with both implementations at every size up to the full length
 * plus one and compares the return values and whole buffers.
 */
static void vcheck(const char *fmt, va_list ap)
{
	static char want[MAX_OUT + 8], got[MAX_OUT + 8];
	va_list aq;
	int n, m;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	assert_true(n >= 0 && n <= MAX_OUT);
	for (size_t size = 0; size <= (size_t)n + 1; size++) {
		memset(want, CANARY, sizeof(want));
		memset(got, CANARY, sizeof(got));
		va_copy(aq, ap);
		assert_int_equal(vsnprintf(want, size, fmt, aq), n);
		va_end(aq);
		va_copy(aq, ap);
		m = kvsnprintf(got, size, fmt, aq);
		va_end(aq);
		if (m != n || memcmp(want, got, sizeof(want)))
			fail_msg("format \"%s\" size %zu: want %d \"%.*s\", "
				 "got %d \"%.*s\"",
				 fmt, size, n, (int)size, want, m, (int)size,
				 got);
	}
}

__attribute__((format(printf, 1, 2))) static void check(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(fmt, ap);
	va_end(ap);
}

/*
 * Like check(), for the formats with redundant or ignored flags that gcc
 * warns about on purpose; the argument types are checked by eye.
 */
static void check_odd(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(fmt, ap);
	va_end(ap);
}

static void test_integers(void **state)
{
	(void)state;
	check("%d %d %d %d %d", 0, 1, -1, INT_MAX, INT_MIN);
	check("%i|%5i|%-5i|%05i", 42, 42, 42, -42);
	check("%u %u %u", 0u, 1u, UINT_MAX);
	check("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
	check("%x %X %o", 0u, 0u, 0u);
	check("%#x %#X %#o %#x %#o", 255u, 255u, 8u, 0u, 0u);
	check("%#.0o %#.3o %#5o %#-6o|", 0u, 8u, 8u, 8u);
	check("%.0d|%.0x|%5.0d|%-3.0u|", 0, 0u, 0, 0u);
	check("%.0d %.1d %.5d %.5d", 7, 0, 42, -42);
	check_odd("%+d %+d % d % d %+ d % +d", 5, -5, 5, -5, 5, 5);
	check("%+05d|% 05d|%-+5d|%+.3d", 5, 5, 5, 5);
	check_odd("%05d %05d %08.3d %-05d|%0-5d|", 42, -42, 42, 42, 42);
	check("%#08x %#-8x| %#08X %#08o", 0x1fu, 0x1fu, 0x1fu, 7u);
	check_odd("%#.4x %#10.4x %#010.4x", 0x1fu, 0x1fu, 0x1fu);
	check_odd("%--5d|%-0-5d|%00005d", 1, 2, 3);
	check("%20d|%-20d|%020d", INT_MIN, INT_MIN, INT_MIN);
	check("%.30d|%40.30x|", 1, 0xabcu);
}

static void test_lengths(void **state)
{
	(void)state;
	check("%hhd %hhd %hhu %hhx", 300, -129, 511, 0x1ff);
	check("%hd %hd %hu %ho", 70000, -32769, 131071u, 0xfffffu);
	check("%ld %ld %lu %lx", LONG_MIN, LONG_MAX, ULONG_MAX, ULONG_MAX);
	check("%lld %llu %llo %llX", LLONG_MIN, ULLONG_MAX, ULLONG_MAX,
	      0x0123456789abcdefull);
	check("%zu %zx %zd %zd", SIZE_MAX, (size_t)4096, (ssize_t)-1,
	      (ssize_t)SSIZE_MAX);
	check("%td %td %tx", (ptrdiff_t)-5, PTRDIFF_MIN, (ptrdiff_t)0x7f);
	check("%jd %jd %ju %jx", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX,
	      UINTMAX_MAX);
	check("%ld %d %lld %hhd", -1l, 2, 3ll, 4);
}

static void test_width_precision_args(void **state)
{
	(void)state;
	check("%*d|%*d|%-*d|", 5, 42, -5, 42, 5, 42);
	check("%.*d|%.*d|%*.*d|", 3, 7, -1, 7, 6, 3, 7);
	check("%*s|%.*s|%-*.*s|", 8, "ab", 1, "ab", 6, 2, "abc");
	check("%*d", 1000, 1);
	check("%-*d|", 1000, 1);
	check("%.*x", 1000, 0xfu);
}

static void test_strings_chars(void **state)
{
	static const char no_nul[3] = { 'a', 'b', 'c' };

	(void)state;
	check("%s|%s|%s", "hello", "", "world");
	check("%.3s|%.0s|%.10s|", "hello", "hello", "hello");
	check("%10s|%-10s|%3s|", "hi", "hi", "hello");
	check("%10.2s|%-10.2s|", "hello", "hello");
	/* The precision bounds the read: ASan fails this on an overread. */
	check("%.3s|%.2s", no_nul, no_nul);
	check("%c%c%c|%5c|%-5c|", 'a', 'b', 'c', 'x', 'y');
	check("%c|%c", 0, 255);
	check("100%% %5s%%", "sure");
	check("%s", "");
	check("no conversions at all");
	check("a%db%sc%xd%ce", 1, "two", 3u, '4');
}

static void test_pointers(void **state)
{
	(void)state;
	check("%p %p", (void *)0x1234, (void *)UINTPTR_MAX);
	check("%20p|%-20p|", (void *)0xabc, (void *)0xabc);
	check("%p|%10p|%-10p|", NULL, NULL, NULL);
}

/* Without the format attribute: gcc rightly warns about these literals. */
static int fmt_nonliteral(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_null_and_size_zero(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(ksnprintf(NULL, 0, "%d", 12345), 5);
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(ksnprintf(buf, 0, "abc"), 3);
	assert_int_equal((unsigned char)buf[0], CANARY);
	assert_int_equal(ksnprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal((unsigned char)buf[1], CANARY);
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), ""), 0);
	assert_string_equal(buf, "");
}

static void test_implementation_defined(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "[%s]", (char *)NULL),
			 8);
	assert_string_equal(buf, "[(null)]");
	assert_int_equal(
		fmt_nonliteral(buf, sizeof(buf), "[%8s]", (char *)NULL), 10);
	assert_string_equal(buf, "[  (null)]");
	/* Unknown conversions are copied as written, consuming nothing. */
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "a%yb%-5qc%d", 7),
			 10);
	assert_string_equal(buf, "a%yb%-5qc7");
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "%n%d", 3), 3);
	assert_string_equal(buf, "%n3");
	/* A '%' at the very end, alone or with flags, stops at the NUL. */
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "50%"), 3);
	assert_string_equal(buf, "50%");
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "x%-08"), 5);
	assert_string_equal(buf, "x%-08");
	/* A length that does not fit an int is an error, as in snprintf. */
	assert_int_equal(fmt_nonliteral(buf, sizeof(buf), "%*d%*d", INT_MAX, 1,
					INT_MAX, 1),
			 -1);
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
	assert_int_equal(fmt_nonliteral(NULL, 0, "%*d", INT_MIN, 1), INT_MAX);
	assert_int_equal(fmt_nonliteral(NULL, 0, "%99999999999d", 1), INT_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_width_precision_args),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_null_and_size_zero),
		cmocka_unit_test(test_implementation_defined),
	};

	/* Line by line, so a sanitizer abort keeps the finished results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}

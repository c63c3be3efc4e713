/*
 * Host tests for kernel/cmdline.c: word splitting, quoting and escapes,
 * options against environment against argv, the word array's layout,
 * errors, and a round-trip property over random argument vectors. Every
 * line is parsed from a heap copy of exactly its size, so AddressSanitizer
 * catches a read past the NUL.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unishyper/cmdline.h>

#define MAX_WORDS 32

struct parsed {
	char *line;
	char *words[MAX_WORDS];
	struct cmdline cl;
	int ret;
};

/* Parses a copy of text with max_words slots; free with done(). */
static struct parsed *parse_n(const char *text, int max_words)
{
	struct parsed *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->line = strdup(text);
	assert_non_null(p->line);
	/* Garbage, so that every NULL in the result is the parser's. */
	memset(p->words, 0x5a, sizeof(p->words));
	p->ret = cmdline_parse(p->line, p->words, max_words, &p->cl);
	return p;
}

static struct parsed *parse(const char *text)
{
	return parse_n(text, MAX_WORDS);
}

static void done(struct parsed *p)
{
	free(p->line);
	free(p);
}

/* Checks argv against a NULL-terminated list, and the layout of words. */
static void expect_argv(struct parsed *p, const char *const *want)
{
	int n = 0;

	assert_int_equal(p->ret, 0);
	assert_null(p->cl.error);
	assert_ptr_equal(p->cl.argv, p->words);
	for (; want[n]; n++) {
		assert_true(n < p->cl.argc);
		assert_string_equal(p->cl.argv[n], want[n]);
	}
	assert_int_equal(p->cl.argc, n);
	assert_null(p->cl.argv[n]);
}

static void expect_envp(struct parsed *p, const char *const *want)
{
	int n = 0;

	assert_int_equal(p->ret, 0);
	assert_ptr_equal(p->cl.envp, p->words + p->cl.argc + 1);
	for (; want[n]; n++) {
		assert_true(n < p->cl.envc);
		assert_string_equal(p->cl.envp[n], want[n]);
	}
	assert_int_equal(p->cl.envc, n);
	assert_null(p->cl.envp[n]);
}

static void expect_error(struct parsed *p, int err, const char *word_in_msg)
{
	assert_int_equal(p->ret, err);
	assert_non_null(p->cl.error);
	assert_non_null(strstr(p->cl.error, word_in_msg));
	assert_int_equal(p->cl.argc, 0);
	assert_int_equal(p->cl.envc, 0);
	assert_null(p->cl.argv);
	assert_null(p->cl.envp);
	for (int i = 0; i < CMDLINE_OPT_COUNT; i++)
		assert_null(p->cl.opt[i]);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

static void test_full_line(void **state)
{
	struct parsed *p = parse("unishyper.console=ttyS0 HOME=/root TERM=vt100 -- "
				 "/bin/prog a b");

	(void)state;
	expect_argv(p, ARGV("/bin/prog", "a", "b"));
	expect_envp(p, ARGV("HOME=/root", "TERM=vt100"));
	assert_string_equal(p->cl.opt[CMDLINE_CONSOLE], "ttyS0");
	assert_null(p->cl.opt[CMDLINE_SEED]);
	/* The exact layout: argv, NULL, envp, NULL. */
	assert_string_equal(p->words[2], "b");
	assert_null(p->words[3]);
	assert_string_equal(p->words[4], "HOME=/root");
	assert_string_equal(p->words[5], "TERM=vt100");
	assert_null(p->words[6]);
	done(p);
}

static void test_empty_and_blank(void **state)
{
	static const char *const blank[] = { "", " ", "\t\n\r  \t", "--",
					     " -- " };

	(void)state;
	for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		struct parsed *p = parse(blank[i]);

		expect_argv(p, NONE);
		expect_envp(p, NONE);
		for (int o = 0; o < CMDLINE_OPT_COUNT; o++)
			assert_null(p->cl.opt[o]);
		done(p);
	}
}

static void test_separators(void **state)
{
	struct parsed *p = parse("--\ta\nb\r c  \t d");

	(void)state;
	expect_argv(p, ARGV("a", "b", "c", "d"));
	done(p);
}

static void test_quotes(void **state)
{
	struct parsed *p;

	(void)state;
	p = parse("-- \"a b\" c \"x\ty\nz\"");
	expect_argv(p, ARGV("a b", "c", "x\ty\nz"));
	done(p);
	p = parse("-- a\"b c\"d \"\"\"\"e\"\" f\"\"");
	expect_argv(p, ARGV("ab cd", "e", "f"));
	done(p);
	p = parse("-- \"\" \"\"   \"\"");
	expect_argv(p, ARGV("", "", ""));
	done(p);
	p = parse("--\"\"");
	expect_argv(p, NONE);
	done(p);
	p = parse("-- \"--\" \" \"");
	expect_argv(p, ARGV("--", " "));
	done(p);
}

static void test_escapes(void **state)
{
	struct parsed *p;

	(void)state;
	p = parse("-- \\\"x \\\\ a\\ b \\a \"q\\\"uo\\\\te\" \\\"\\\"");
	expect_argv(p, ARGV("\"x", "\\", "a b", "a", "q\"uo\\te", "\"\""));
	done(p);
	p = parse("-- \"\\ \" \\\t \\\n end\\ ");
	expect_argv(p, ARGV(" ", "\t", "\n", "end "));
	done(p);
}

static void test_options(void **state)
{
	struct parsed *p;

	(void)state;
	p = parse("unishyper.console=com1 unishyper.seed=0x1234 unishyper.tsc_khz=2000000 "
		  "unishyper.loglevel=7");
	expect_argv(p, NONE);
	expect_envp(p, NONE);
	assert_string_equal(p->cl.opt[CMDLINE_CONSOLE], "com1");
	assert_string_equal(p->cl.opt[CMDLINE_SEED], "0x1234");
	assert_string_equal(p->cl.opt[CMDLINE_TSC_KHZ], "2000000");
	assert_string_equal(p->cl.opt[CMDLINE_LOGLEVEL], "7");
	done(p);

	/* The last one wins; an empty value and a quoted one are values. */
	p = parse("unishyper.seed=1 unishyper.seed=2 unishyper.console= "
		  "unishyper.loglevel=\"a b\" unishyper.seed=3");
	assert_int_equal(p->ret, 0);
	assert_string_equal(p->cl.opt[CMDLINE_SEED], "3");
	assert_string_equal(p->cl.opt[CMDLINE_CONSOLE], "");
	assert_string_equal(p->cl.opt[CMDLINE_LOGLEVEL], "a b");
	done(p);
}

static void test_env_vs_options_vs_argv(void **state)
{
	struct parsed *p;

	(void)state;
	/* Every option name without the prefix is the environment. */
	p = parse("console=tty seed=1 tsc_khz=2 loglevel=3 mount=none shares=/x "
		  "unishyper=4 unishyper_console=5 -- a");
	expect_envp(p, ARGV("console=tty", "seed=1", "tsc_khz=2", "loglevel=3",
			    "mount=none", "shares=/x", "unishyper=4", "unishyper_console=5"));
	expect_argv(p, ARGV("a"));
	for (int o = 0; o < CMDLINE_OPT_COUNT; o++)
		assert_null(p->cl.opt[o]);
	done(p);
	/* Close to an option name is still the environment. */
	p = parse("consolex=1 CONSOLE=2 seed_=3 see=4 A=b=c _=x "
		  "\"Q R\"=\"s t\" -- seed=5 -- x=y");
	expect_envp(p, ARGV("consolex=1", "CONSOLE=2", "seed_=3", "see=4",
			    "A=b=c", "_=x", "Q R=s t"));
	expect_argv(p, ARGV("seed=5", "--", "x=y"));
	for (int o = 0; o < CMDLINE_OPT_COUNT; o++)
		assert_null(p->cl.opt[o]);
	done(p);
	/* Options may follow environment variables. */
	p = parse("X=1 unishyper.tsc_khz=9 Y=2 --");
	expect_envp(p, ARGV("X=1", "Y=2"));
	expect_argv(p, NONE);
	assert_string_equal(p->cl.opt[CMDLINE_TSC_KHZ], "9");
	done(p);
	/* Only the environment, no "--". */
	p = parse("PATH=/bin:/usr/bin");
	expect_envp(p, ARGV("PATH=/bin:/usr/bin"));
	expect_argv(p, NONE);
	done(p);
}

static void test_syntax_errors(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "prog", "NAME=value" },
		{ "A=1 prog -- x", "NAME=value" },
		{ "=x", "NAME=value" },
		{ "\"\"=x", "NAME=value" },
		{ "\"\"", "NAME=value" },
		{ "-- \"abc", "quote" },
		{ "-- a\"", "quote" },
		{ "unishyper.console=\"x -- y", "quote" },
		{ "unishyper.bogus=1 -- x", "unknown kernel option" },
		{ "unishyper.=1", "unknown kernel option" },
		{ "unishyper.seedx=1", "unknown kernel option" },
		{ "-- abc\\", "backslash" },
		{ "-- \"abc\\", "backslash" },
		{ "\\", "backslash" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct parsed *p = parse(bad[i].line);

		expect_error(p, -EINVAL, bad[i].msg);
		done(p);
	}
}

static void test_too_many_words(void **state)
{
	struct parsed *p;

	(void)state;
	/* Two words and two NULLs fit four slots exactly. */
	p = parse_n("A=1 -- x", 4);
	expect_argv(p, ARGV("x"));
	expect_envp(p, ARGV("A=1"));
	done(p);
	p = parse_n("-- x y", 4);
	expect_argv(p, ARGV("x", "y"));
	done(p);
	/* Options and "--" take no slot. */
	p = parse_n("unishyper.seed=1 unishyper.console=a unishyper.loglevel=3 -- x y", 4);
	expect_argv(p, ARGV("x", "y"));
	done(p);
	p = parse_n("-- x y z", 4);
	expect_error(p, -E2BIG, "too many");
	done(p);
	p = parse_n("A=1 B=2 C=3", 4);
	expect_error(p, -E2BIG, "too many");
	done(p);
	p = parse_n("", 2);
	expect_argv(p, NONE);
	expect_envp(p, NONE);
	done(p);
	p = parse_n("--", 1);
	expect_error(p, -E2BIG, "small");
	done(p);
	p = parse_n("", 0);
	expect_error(p, -E2BIG, "small");
	done(p);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * The quoting a tool writing the line would use: each argument in double
 * quotes with '"' and '\' escaped (escape_all: every byte escaped, no
 * quotes, "" for an empty argument). Parsing must give the vector back.
 */
/* Any byte but NUL, favouring the ones that matter to the parser. */
static char random_byte(void)
{
	static const char special[] = "\"\\ \t\n\r=-";
	uint64_t r = rng();

	if (r % 3)
		return (char)(r / 3 % 255 + 1);
	return special[r / 3 % (sizeof(special) - 1)];
}

static void round_trip(bool escape_all)
{
	for (int iter = 0; iter < 2000; iter++) {
		char args[8][24];
		int argc = (int)(rng() % 8);
		char line[8 * (24 * 2 + 3) + 8], *w = line;
		char *words[10], *copy;
		struct cmdline cl;

		w += sprintf(w, "%s--", rng() % 2 ? "A=1 " : "");
		for (int i = 0; i < argc; i++) {
			size_t len = rng() % sizeof(args[i]);

			for (size_t j = 0; j < len; j++)
				args[i][j] = random_byte();
			args[i][len] = '\0';
			*w++ = ' ';
			if (escape_all && len) {
				for (size_t j = 0; j < len; j++) {
					*w++ = '\\';
					*w++ = args[i][j];
				}
				continue;
			}
			*w++ = '"';
			for (size_t j = 0; j < len; j++) {
				if (args[i][j] == '"' || args[i][j] == '\\')
					*w++ = '\\';
				*w++ = args[i][j];
			}
			*w++ = '"';
		}
		*w = '\0';
		copy = strdup(line);
		assert_non_null(copy);
		assert_int_equal(cmdline_parse(copy, words, 10, &cl), 0);
		assert_int_equal(cl.argc, argc);
		for (int i = 0; i < argc; i++)
			assert_string_equal(cl.argv[i], args[i]);
		assert_null(cl.argv[argc]);
		free(copy);
	}
}

static void test_round_trip_quoted(void **state)
{
	(void)state;
	round_trip(false);
}

static void test_round_trip_escaped(void **state)
{
	(void)state;
	round_trip(true);
}

static void test_u64(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 },
		{ "7", 7 },
		{ "007", 7 },
		{ "1234567890", 1234567890 },
		{ "18446744073709551615", UINT64_MAX },
		{ "0x0", 0 },
		{ "0x1f", 31 },
		{ "0XAb", 0xab },
		{ "0xdeadBEEF", 0xdeadbeef },
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "0x000000000000000000001", 1 },
	};
	static const char *const bad[] = {
		"", "0x", "0X", "x1", "12a", "a", "-1", "+1", " 1", "1 ",
		"0x-1", "0xg", "0x1g", "1.5", "18446744073709551616",
		"99999999999999999999", "0x10000000000000000", "0b101", "1e3",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *s = strdup(good[i].s);

		v = 42;
		assert_int_equal(cmdline_u64(s, &v), 0);
		assert_true(v == good[i].v);
		free(s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = strdup(bad[i]);

		v = 42;
		if (cmdline_u64(s, &v) != -EINVAL)
			fail_msg("cmdline_u64 accepted \"%s\"", bad[i]);
		assert_true(v == 42);
		free(s);
	}
}

static void test_stream_file(void **state)
{
	static const char *const bad[] = {
		"file:", "file:1", "file:1:", "file::r:/a", "file:x:r:/a", "file:-1:r:/a",
		"file:1:r:", "file:1:r:a", "file:1:x:/a", "file:1:ra/a", "file:1:rwx:/a",
		"file:1:aw:/a", "file:18446744073709551616:r:/a", "file:1 :r:/a",
	};
	uint64_t off = 7;
	const char *path = NULL;
	int flags = -1;

	(void)state;
	assert_int_equal(cmdline_stream_file("pipe", &off, &flags, &path), 1);
	assert_int_equal(cmdline_stream_file("stdout", &off, &flags, &path), 1);
	assert_true(off == 7 && flags == -1 && !path);
	assert_int_equal(cmdline_stream_file("file:0:r:/in", &off, &flags, &path), 0);
	assert_true(off == 0 && flags == O_RDONLY);
	assert_string_equal(path, "/in");
	assert_int_equal(cmdline_stream_file("file:18446744073709551615:wa:/a:b c", &off,
					     &flags, &path), 0);
	assert_true(off == UINT64_MAX && flags == (O_WRONLY | O_APPEND));
	assert_string_equal(path, "/a:b c");
	assert_int_equal(cmdline_stream_file("file:42:rw:/", &off, &flags, &path), 0);
	assert_true(off == 42 && flags == O_RDWR);
	assert_int_equal(cmdline_stream_file("file:9:rwa:/x", &off, &flags, &path), 0);
	assert_true(off == 9 && flags == (O_RDWR | O_APPEND));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		off = 7, flags = -1, path = NULL;
		if (cmdline_stream_file(bad[i], &off, &flags, &path) != -EINVAL)
			fail_msg("cmdline_stream_file accepted \"%s\"", bad[i]);
		assert_true(off == 7 && flags == -1 && !path);
	}
}

static void test_hex_bytes(void **state)
{
	uint8_t out[5];
	static const uint8_t want[4] = { 0x00, 0xff, 0x7f, 0xa0 };
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		{ "00ff7fa", 4 }, { "00ff7fa00", 4 }, { "00ff7fa0", 3 },
		{ "", 1 },        { "0", 1 },         { "0g", 1 },
		{ "g0", 1 },      { " 0", 1 },        { "a", 0 },
		{ "0x00", 2 },
	};

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(cmdline_hex_bytes("00ff7Fa0", out, 4), 0);
	assert_memory_equal(out, want, 4);
	assert_int_equal(out[4], 0xee);
	assert_int_equal(cmdline_hex_bytes("", out, 0), 0);
	assert_int_equal(cmdline_hex_bytes("AbCdEf09", out, 4), 0);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[3], 0x09);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = strdup(bad[i].s);

		memset(out, 0xee, sizeof(out));
		if (cmdline_hex_bytes(s, out, bad[i].n) != -EINVAL)
			fail_msg("cmdline_hex_bytes accepted \"%s\" for %zu",
				 bad[i].s, bad[i].n);
		for (size_t j = 0; j < sizeof(out); j++)
			assert_int_equal(out[j], 0xee);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_empty_and_blank),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_env_vs_options_vs_argv),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_round_trip_quoted),
		cmocka_unit_test(test_round_trip_escaped),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_hex_bytes),
		cmocka_unit_test(test_stream_file),
	};

	/* Line by line, so a sanitizer abort keeps the finished results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}

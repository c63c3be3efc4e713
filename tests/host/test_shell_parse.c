/*
 * Host tests for kernel/shell/parse.c: words, quotes and escapes, output
 * redirection, comments, refused operators, errors and the word limit.
 * Every line is parsed from a heap copy of exactly its size, so
 * AddressSanitizer catches a read past the NUL.
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

#include "../../kernel/shell/parse.h"

struct parsed {
	char *line;
	struct shell_words w;
	int ret;
};

static struct parsed *parse(const char *text)
{
	struct parsed *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->line = strdup(text);
	assert_non_null(p->line);
	p->ret = shell_parse(p->line, &p->w);
	return p;
}

static void done(struct parsed *p)
{
	free(p->line);
	free(p);
}

/* Parses text and checks its words against a NULL-terminated list and
 * the redirection (NULL: none). */
static void expect(const char *text, const char *const *want, const char *redirect, bool append)
{
	struct parsed *p = parse(text);
	int n = 0;

	assert_int_equal(p->ret, 0);
	assert_null(p->w.error);
	for (; want[n]; n++) {
		assert_true(n < p->w.argc);
		assert_string_equal(p->w.argv[n], want[n]);
	}
	assert_int_equal(p->w.argc, n);
	assert_null(p->w.argv[n]);
	if (redirect) {
		assert_non_null(p->w.redirect);
		assert_string_equal(p->w.redirect, redirect);
		assert_int_equal(p->w.append, append);
	} else {
		assert_null(p->w.redirect);
	}
	done(p);
}

/* Parses text and expects a failure whose message contains what. */
static void expect_error(const char *text, const char *what)
{
	struct parsed *p = parse(text);

	assert_int_equal(p->ret, -1);
	assert_non_null(p->w.error);
	assert_non_null(strstr(p->w.error, what));
	assert_int_equal(p->w.argc, 0);
	assert_null(p->w.argv[0]);
	assert_null(p->w.redirect);
	done(p);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

static void test_words(void **state)
{
	(void)state;
	expect("ls", W("ls"), NULL, false);
	expect("  ls   -l\t/tmp  ", W("ls", "-l", "/tmp"), NULL, false);
	expect("", NONE, NULL, false);
	expect(" \t ", NONE, NULL, false);
	expect("cat a b c d", W("cat", "a", "b", "c", "d"), NULL, false);
}

static void test_quotes(void **state)
{
	(void)state;
	expect("echo 'a  b'", W("echo", "a  b"), NULL, false);
	expect("echo \"a  b\"", W("echo", "a  b"), NULL, false);
	expect("echo a'b c'd", W("echo", "ab cd"), NULL, false);
	expect("echo '' \"\"", W("echo", "", ""), NULL, false);
	expect("echo 'it\"s'", W("echo", "it\"s"), NULL, false);
	expect("echo \"it's\"", W("echo", "it's"), NULL, false);
	expect("echo '\\n'", W("echo", "\\n"), NULL, false);
	expect("echo \"a\\\"b\\\\c\\n\"", W("echo", "a\"b\\c\\n"), NULL, false);
	expect("echo '>' \"|\" '#'", W("echo", ">", "|", "#"), NULL, false);
}

static void test_escapes(void **state)
{
	(void)state;
	expect("echo a\\ b", W("echo", "a b"), NULL, false);
	expect("echo \\'x\\\"", W("echo", "'x\""), NULL, false);
	expect("echo \\> \\#", W("echo", ">", "#"), NULL, false);
	expect("echo \\\\", W("echo", "\\"), NULL, false);
}

static void test_redirection(void **state)
{
	(void)state;
	expect("echo hi > f", W("echo", "hi"), "f", false);
	expect("echo hi >> f", W("echo", "hi"), "f", true);
	expect("echo hi>f", W("echo", "hi"), "f", false);
	expect("echo hi>>f", W("echo", "hi"), "f", true);
	expect("> f echo hi", W("echo", "hi"), "f", false);
	expect("echo > 'a b' x", W("echo", "x"), "a b", false);
	expect("ls -l >/tmp/out", W("ls", "-l"), "/tmp/out", false);
}

static void test_comments(void **state)
{
	(void)state;
	expect("# a comment", NONE, NULL, false);
	expect("ls # the rest > f", W("ls"), NULL, false);
	expect("echo a#b", W("echo", "a#b"), NULL, false);
	expect("echo \\#b", W("echo", "#b"), NULL, false);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("echo 'abc", "unterminated quote");
	expect_error("echo \"abc", "unterminated quote");
	expect_error("echo abc\\", "trailing backslash");
	expect_error("echo >", "missing file name");
	expect_error("echo > > f", "missing file name");
	expect_error("echo > a > b", "only one redirection");
	expect_error("echo > a >> b", "only one redirection");
	expect_error("> f", "needs a command");
	expect_error("ls | wc", "pipes");
	expect_error("cat < f", "input redirection");
	expect_error("ls; ls", "one command a line");
	expect_error("sleep &", "background");
	expect_error("ls|wc", "pipes");
}

static void test_word_limit(void **state)
{
	char line[4 * (SHELL_ARGS_MAX + 2)] = "";

	(void)state;
	for (int i = 0; i < SHELL_ARGS_MAX; i++)
		strcat(line, "a ");
	struct parsed *p = parse(line);
	assert_int_equal(p->ret, 0);
	assert_int_equal(p->w.argc, SHELL_ARGS_MAX);
	assert_null(p->w.argv[SHELL_ARGS_MAX]);
	done(p);
	strcat(line, "b");
	expect_error(line, "too many words");
}

/* Any byte but NUL is accepted inside a word: binary junk is a word. */
static void test_binary(void **state)
{
	char line[256];
	int n = 0;

	(void)state;
	for (int c = 1; c < 256; c++)
		if (c != ' ' && c != '\t' && c != '\'' && c != '"' && c != '\\' && c != '#' &&
		    c != '>' && c != '|' && c != '<' && c != ';' && c != '&')
			line[n++] = (char)c;
	line[n] = 0;
	struct parsed *p = parse(line);
	assert_int_equal(p->ret, 0);
	assert_int_equal(p->w.argc, 1);
	assert_int_equal(strlen(p->w.argv[0]), (size_t)n);
	done(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_redirection),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_word_limit),
		cmocka_unit_test(test_binary),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("shell_parse", tests, NULL, NULL);
}

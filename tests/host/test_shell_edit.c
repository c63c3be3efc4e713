/*
 * Host tests for kernel/shell/edit.c: typing and the editing keys, escape
 * sequences, the history, ^C and ^D, Tab completion through a callback,
 * over-long lines, and the plain line mode of a pipe (no echo, no escape
 * sequences), with its switch to terminal mode on a lone CR.
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

#include "../../kernel/shell/edit.h"

static char out[1 << 16];
static size_t out_len;

static void emit(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	assert_true(out_len + n < sizeof(out));
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

static struct shell_edit *editor(bool tty)
{
	struct shell_edit *e = malloc(sizeof(*e));

	assert_non_null(e);
	shell_edit_init(e, tty, emit, NULL);
	e->prompt = "$ ";
	out_len = 0;
	out[0] = 0;
	shell_edit_begin(e);
	return e;
}

/* Feeds s; every byte but the last must give EDIT_MORE; returns the
 * last's result. */
static enum shell_edit_result feed(struct shell_edit *e, const char *s)
{
	enum shell_edit_result r = EDIT_MORE;
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		r = shell_edit_feed(e, (unsigned char)s[i]);
		if (i + 1 < n)
			assert_int_equal(r, EDIT_MORE);
	}
	return r;
}

/* Types s (ending with Enter) and expects the line want. */
static void line_is(struct shell_edit *e, const char *s, const char *want)
{
	assert_int_equal(feed(e, s), EDIT_LINE);
	assert_string_equal(e->line, want);
	shell_edit_remember(e, e->line);
	shell_edit_begin(e);
}

static void test_typing_and_echo(void **state)
{
	struct shell_edit *e = editor(true);

	(void)state;
	assert_string_equal(out, "$ ");
	assert_int_equal(feed(e, "ls -l"), EDIT_MORE);
	assert_string_equal(out, "$ ls -l");
	assert_int_equal(feed(e, "\r"), EDIT_LINE);
	assert_string_equal(e->line, "ls -l");
	assert_non_null(strstr(out, "ls -l\r\n"));
	shell_edit_begin(e);
	/* LF alone is Enter too; the LF of CR LF is not a second one */
	line_is(e, "pwd\n", "pwd");
	line_is(e, "a\r", "a");
	assert_int_equal(feed(e, "\n"), EDIT_MORE);
	line_is(e, "b\r", "b");
	free(e);
}

static void test_editing_keys(void **state)
{
	struct shell_edit *e = editor(true);

	(void)state;
	line_is(e, "abc\x7f\x7f" "d\r", "ad");              /* Backspace */
	line_is(e, "abc\x08x\r", "abx");                    /* ^H */
	line_is(e, "abc\x1b[D\x1b[DX\r", "aXbc");           /* Left */
	line_is(e, "abc\x01X\x05Y\r", "XabcY");             /* ^A, ^E */
	line_is(e, "abc\x1b[H1\x1b[F2\r", "1abc2");         /* Home, End */
	line_is(e, "abc\x1bOH1\x1bOF2\r", "1abc2");         /* ESC O Home, End */
	line_is(e, "abc\x1b[1~1\x1b[4~2\r", "1abc2");       /* ESC [ 1 ~, 4 ~ */
	line_is(e, "abcdef\x1b[D\x1b[D\x1b[D\x0b\r", "abc"); /* ^K */
	line_is(e, "abcdef\x1b[D\x1b[D\x15\r", "ef");       /* ^U */
	line_is(e, "ls foo bar\x17\r", "ls foo ");          /* ^W */
	line_is(e, "ls foo bar  \x17\r", "ls foo ");
	line_is(e, "abc\x01\x1b[3~\r", "bc");               /* Delete */
	line_is(e, "abc\x01\x04\r", "bc");                  /* ^D deletes */
	line_is(e, "ab\x02X\x06Y\r", "aXbY");               /* ^B, ^F */
	line_is(e, "a\x1b[1;5Db\r", "ba");                  /* a modified Left */
	line_is(e, "a\x1b[99zb\r", "ab");                   /* unknown: skipped */
	line_is(e, "a\x7f\x7f\x7f" "b\x1b[C\x1b[C\r", "b"); /* nothing to delete */
	line_is(e, "\x01\x02\x1b[D\x1b[Cx\r", "x");
	free(e);
}

static void test_redraw(void **state)
{
	struct shell_edit *e = editor(true);

	(void)state;
	feed(e, "abc\x1b[D\x1b[D");
	out_len = 0;
	feed(e, "X");
	/* CR, the prompt, the line, erase to the end, two columns back */
	assert_string_equal(out, "\r$ aXbc\x1b[K\x1b[2D");
	free(e);
}

static void test_history(void **state)
{
	struct shell_edit *e = editor(true);

	(void)state;
	line_is(e, "one\r", "one");
	line_is(e, "two\r", "two");
	line_is(e, "two\r", "two"); /* the same again is not remembered */
	line_is(e, "\r", "");      /* nor an empty line */
	assert_int_equal(e->total, 2);
	line_is(e, "\x1b[A\r", "two");
	line_is(e, "\x1b[A\x1b[A\r", "one");
	line_is(e, "\x1b[A\x1b[A\x1b[A\x1b[B\r", "two"); /* stops at the oldest */
	line_is(e, "thr\x1b[A\x1b[B" "ee\r", "three");   /* Down gives back the typed line */
	line_is(e, "\x10\x10\x0e\r", "three");          /* ^P ^P ^N */
	assert_string_equal(shell_edit_history(e, 1), "one");
	assert_string_equal(shell_edit_history(e, 3), "one"); /* recalled lines count again */
	assert_string_equal(shell_edit_history(e, 5), "three");
	assert_null(shell_edit_history(e, 6));
	assert_null(shell_edit_history(e, 0));
	/* only the last SHELL_HISTORY lines are kept */
	for (int i = 0; i < SHELL_HISTORY + 5; i++) {
		char l[16];
		snprintf(l, sizeof(l), "cmd%d\r", i);
		feed(e, l);
		shell_edit_remember(e, e->line);
		shell_edit_begin(e);
	}
	assert_null(shell_edit_history(e, 1));
	assert_string_equal(shell_edit_history(e, e->total), "cmd36");
	assert_int_equal(e->total, 5 + SHELL_HISTORY + 5);
	char up[8 * (SHELL_HISTORY + 3) + 2] = "";
	for (int i = 0; i < SHELL_HISTORY + 3; i++)
		strcat(up, "\x1b[A");
	strcat(up, "\r");
	assert_int_equal(feed(e, up), EDIT_LINE);
	assert_string_equal(e->line, shell_edit_history(e, e->total - SHELL_HISTORY + 1));
	free(e);
}

static void test_cancel_and_eof(void **state)
{
	struct shell_edit *e = editor(true);

	(void)state;
	assert_int_equal(feed(e, "rm -r /\x03"), EDIT_CANCEL);
	assert_non_null(strstr(out, "^C\r\n"));
	shell_edit_begin(e);
	assert_int_equal(feed(e, "\x04"), EDIT_EOF);
	shell_edit_begin(e);
	line_is(e, "x\r", "x");
	free(e);
}

static void test_too_long(void **state)
{
	struct shell_edit *e = editor(true);
	char *l = malloc(10002);

	(void)state;
	memset(l, 'a', 10000);
	l[10000] = '\r';
	l[10001] = 0;
	assert_int_equal(feed(e, l), EDIT_TOO_LONG);
	assert_non_null(memchr(out, '\a', out_len));
	assert_int_equal(strchr(out, '\a') - out, strrchr(out, '\a') - out); /* once */
	shell_edit_begin(e);
	line_is(e, "ok\r", "ok");
	free(e);
	e = editor(false);
	l[10000] = '\n';
	assert_int_equal(feed(e, l), EDIT_TOO_LONG);
	shell_edit_begin(e);
	line_is(e, "ok\n", "ok");
	/* exactly the longest line */
	memset(l, 'b', SHELL_LINE_MAX - 1);
	l[SHELL_LINE_MAX - 1] = '\n';
	l[SHELL_LINE_MAX] = 0;
	assert_int_equal(feed(e, l), EDIT_LINE);
	assert_int_equal(strlen(e->line), SHELL_LINE_MAX - 1);
	free(l);
	free(e);
}

/* Completion over a fixed set of words: commands first, then paths. */
static void fake_complete(void *ctx, const char *line, size_t pos, struct shell_completion *c)
{
	static const char *const all[] = { "cat", "cd", "cp", "dir/", "dir/sub/", "dir/file",
					   "docs/", "README" };
	size_t start = pos;

	(void)ctx;
	while (start && line[start - 1] != ' ')
		start--;
	c->start = start;
	c->n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *w = all[i];
		const char *slash = strchr(w, '/');
		/* names inside a folder only once the folder is typed */
		if (slash && slash[1] &&
		    strncmp(line + start, "dir/", pos - start < 4 ? pos - start : 4))
			continue;
		if (slash && slash[1] && pos - start < 4)
			continue;
		if (slash && !slash[1] && pos - start == strlen(w)) /* the folder typed whole */
			continue;
		if (!strncmp(w, line + start, pos - start))
			c->names[c->n++] = w;
	}
}

static void test_completion(void **state)
{
	struct shell_edit *e = editor(true);

	(void)state;
	e->complete = fake_complete;
	line_is(e, "ca\t\r", "cat ");         /* one: the word and a space */
	line_is(e, "ls di\t\r", "ls dir/");   /* a folder: no space */
	line_is(e, "ls dir/s\t\r", "ls dir/sub/");
	line_is(e, "ls R\tx\r", "ls README x");
	out_len = 0;
	assert_int_equal(feed(e, "c\t"), EDIT_MORE); /* several: listed */
	assert_non_null(strstr(out, "\r\ncat  cd  cp\r\n"));
	assert_non_null(strstr(out, "$ c"));
	feed(e, "\x15");
	out_len = 0;
	feed(e, "ls dir/\t"); /* listed by their names inside the folder */
	assert_non_null(strstr(out, "\r\nsub/  file\r\n"));
	feed(e, "\x15");
	line_is(e, "ls d\t\r", "ls d");        /* dir/ and docs/: nothing common */
	line_is(e, "zz\t\r", "zz");            /* none: the bell */
	assert_non_null(memchr(out, '\a', out_len));
	e->complete = NULL;
	line_is(e, "ca\t\r", "ca");
	free(e);
}

static void test_line_mode(void **state)
{
	struct shell_edit *e = editor(false);

	(void)state;
	assert_int_equal(out_len, 0); /* no prompt */
	line_is(e, "ls -l\n", "ls -l");
	line_is(e, "a\x7f" "b\x1b[A\x03\t\n", "a\x7f" "b\x1b[A\x03\t"); /* bytes as they are */
	line_is(e, "dos\r\n", "dos");
	line_is(e, "a\rb\n", "a\rb");
	assert_int_equal(shell_edit_feed(e, 'x'), EDIT_MORE);
	assert_int_equal(shell_edit_feed(e, 0), EDIT_MORE);
	assert_int_equal(shell_edit_feed(e, 'y'), EDIT_MORE);
	assert_int_equal(shell_edit_feed(e, '\n'), EDIT_LINE);
	assert_string_equal(e->line, "xy");
	shell_edit_begin(e);
	assert_int_equal(feed(e, "\x04\n"), EDIT_LINE); /* ^D is a byte */
	assert_int_equal(out_len, 0);
	free(e);
}

static void test_cr_switches_to_tty(void **state)
{
	struct shell_edit *e = editor(false);

	(void)state;
	e->cr_means_tty = true;
	line_is(e, "pipe\n", "pipe");
	assert_false(e->tty);
	assert_int_equal(feed(e, "\r"), EDIT_LINE);
	assert_true(e->tty);
	assert_string_equal(e->line, "");
	out_len = 0;
	shell_edit_begin(e);
	assert_string_equal(out, "$ ");
	assert_int_equal(feed(e, "\n"), EDIT_MORE); /* the LF of CR LF */
	line_is(e, "ab\x7f\r", "a");
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_and_echo),
		cmocka_unit_test(test_editing_keys),
		cmocka_unit_test(test_redraw),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_cancel_and_eof),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_line_mode),
		cmocka_unit_test(test_cr_switches_to_tty),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("shell_edit", tests, NULL, NULL);
}

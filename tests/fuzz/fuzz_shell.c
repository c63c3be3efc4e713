/*
 * libFuzzer target for the shell's input: the command-line parser
 * (kernel/shell/parse.c) and the line editor (kernel/shell/edit.c), both
 * fed what a person or a script types.
 *
 * The input, cut at its first NUL, is parsed in place. On success every
 * word and the redirection lie inside the buffer and end at a NUL in it,
 * argv ends with NULL and holds at most SHELL_ARGS_MAX words; on failure
 * there is one message and no words. Then every input byte goes through an
 * editor on a terminal (with a completion callback that offers names made
 * from the input) and one in line mode: the line, the cursor and the
 * history stay within their bounds. Any violation traps. Built with clang
 * -fsanitize=fuzzer,address,undefined by tests/host/rules.mk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/shell/edit.h"
#include "../../kernel/shell/parse.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

/* What the editor writes must be readable: each byte is touched. */
static void emit(void *ctx, const char *s, size_t n)
{
	volatile unsigned char sink = 0;

	(void)ctx;
	for (size_t i = 0; i < n; i++)
		sink ^= (unsigned char)s[i];
}

/* Offers the word under the cursor with one, two or three endings. */
static void complete(void *ctx, const char *line, size_t pos, struct shell_completion *c)
{
	static const char *const endings[] = { "x", "x/", "xy z" };
	size_t start = pos, len;

	(void)ctx;
	while (start && line[start - 1] != ' ')
		start--;
	len = pos - start;
	c->start = start;
	c->n = 0;
	for (size_t i = 0; i <= len % 3 && len + 5 < sizeof(c->buf) / 3; i++) {
		char *p = c->buf + i * (sizeof(c->buf) / 3);
		memcpy(p, line + start, len);
		strcpy(p + len, endings[i]);
		c->names[c->n++] = p;
	}
}

static void check_string(const char *s, const char *buf, size_t len)
{
	CHECK(s >= buf && s < buf + len);
	CHECK(memchr(s, '\0', (size_t)(buf + len - s)) != NULL);
}

static void check_editor(const struct shell_edit *e)
{
	CHECK(e->len < SHELL_LINE_MAX && e->pos <= e->len);
	CHECK(e->total >= 0 && e->view >= 1 && e->view <= e->total + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct shell_edit tty, pipe;
	struct shell_words w;
	char *buf = malloc(size + 1);
	size_t len;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	len = strlen(buf) + 1;
	if (shell_parse(buf, &w)) {
		CHECK(w.error && w.error[0]);
		CHECK(w.argc == 0 && !w.argv[0] && !w.redirect);
	} else {
		CHECK(!w.error);
		CHECK(w.argc >= 0 && w.argc <= SHELL_ARGS_MAX && !w.argv[w.argc]);
		for (int i = 0; i < w.argc; i++)
			check_string(w.argv[i], buf, len);
		if (w.redirect)
			check_string(w.redirect, buf, len);
		CHECK(!w.redirect || w.argc);
	}
	free(buf);

	shell_edit_init(&tty, true, emit, NULL);
	tty.prompt = "$ ";
	tty.complete = complete;
	shell_edit_init(&pipe, false, emit, NULL);
	pipe.cr_means_tty = size & 1;
	shell_edit_begin(&tty);
	shell_edit_begin(&pipe);
	for (size_t i = 0; i < size; i++) {
		struct shell_edit *e = &tty;
		for (int k = 0; k < 2; k++, e = &pipe) {
			enum shell_edit_result r = shell_edit_feed(e, data[i]);
			check_editor(e);
			if (r == EDIT_LINE) {
				CHECK(strlen(e->line) == e->len);
				shell_edit_remember(e, e->line);
			}
			if (r != EDIT_MORE)
				shell_edit_begin(e);
		}
	}
	return 0;
}

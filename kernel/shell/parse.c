/*
 * The shell's command-line parser (grammar in parse.h).
 *
 * A typed line is outside input, so the parser is a pure function over the
 * buffer it is given, written as kernel/cmdline.c is: the words are
 * unquoted in place, the write position never passing the read position,
 * and a word is closed only after the character that ends it has been
 * read, so its NUL never overwrites input still to be read. It relies on
 * memset() only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "parse.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Operators that end a word; > is the only one the shell runs. */
static bool is_operator(char c)
{
	return c == '>' || c == '|' || c == '<' || c == ';' || c == '&';
}

/* The message for an operator the shell does not run. */
static const char *refused(int op)
{
	switch (op) {
	case '|':
		return "pipes (|) are not supported";
	case '<':
		return "input redirection (<) is not supported";
	case ';':
		return "one command a line: ; is not supported";
	default:
		return "background commands (&) are not supported";
	}
}

static int fail(struct shell_words *out, const char *error)
{
	memset(out, 0, sizeof(*out));
	out->error = error;
	return -1;
}

/*
 * Unquotes the word at *rp into *wp and closes it with a NUL. Returns the
 * operator that ended it (already read), 0 when a blank or the end did, or
 * -1 with *error set.
 */
static int read_word(char **rp, char **wp, const char **error)
{
	char *r = *rp, *w = *wp;
	char quote = 0;
	int end = 0;

	for (;;) {
		char c = *r;
		if (!c) {
			if (quote) {
				*error = "unterminated quote";
				return -1;
			}
			break;
		}
		r++;
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				*w++ = c;
			continue;
		}
		if (quote == '"') {
			if (c == '"') {
				quote = 0;
				continue;
			}
			if (c == '\\' && (*r == '"' || *r == '\\'))
				c = *r++;
			*w++ = c;
			continue;
		}
		if (is_blank(c))
			break;
		if (is_operator(c)) {
			end = c;
			break;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			continue;
		}
		if (c == '\\') {
			if (!*r) {
				*error = "trailing backslash";
				return -1;
			}
			c = *r++;
		}
		*w++ = c;
	}
	*w++ = '\0';
	*rp = r;
	*wp = w;
	return end;
}

int shell_parse(char *line, struct shell_words *out)
{
	char *r = line, *w = line;
	const char *error = NULL;
	bool want_file = false;
	int op = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		if (!op) {
			while (is_blank(*r))
				r++;
			if (!*r || *r == '#')
				break;
			if (is_operator(*r))
				op = *r++;
		}
		if (op) {
			if (op != '>')
				return fail(out, refused(op));
			if (want_file)
				return fail(out, "missing file name after >");
			if (out->redirect)
				return fail(out, "only one redirection (> or >>) a command");
			out->append = *r == '>';
			r += out->append;
			want_file = true;
			op = 0;
			continue;
		}
		char *word = w;
		if ((op = read_word(&r, &w, &error)) < 0)
			return fail(out, error);
		if (want_file) {
			out->redirect = word;
			want_file = false;
		} else if (out->argc == SHELL_ARGS_MAX) {
			return fail(out, "too many words (at most 64)");
		} else {
			out->argv[out->argc++] = word;
		}
	}
	if (want_file)
		return fail(out, "missing file name after >");
	if (out->redirect && !out->argc)
		return fail(out, "a redirection needs a command");
	out->argv[out->argc] = NULL;
	return 0;
}

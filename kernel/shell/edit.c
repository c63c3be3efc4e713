/*
 * The shell's line editor (the keys and modes are in edit.h).
 *
 * After every change that is not a byte typed at the end of the line, the
 * line is drawn again whole from the start of the terminal's row: CR, the
 * prompt, the line, "erase to the end of the row", then the cursor moved
 * back to its place. A line wider than the terminal is therefore drawn
 * right only while the cursor is on its last row, as with other small
 * editors that know nothing of the terminal's width. The editor is pure:
 * it relies on memcpy(), memmove(), memset(), strcmp() and strlen() only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "edit.h"

#define CTRL(c) ((c) & 0x1f)
#define ESC 0x1b
#define DEL 0x7f

static void put(struct shell_edit *e, const char *s, size_t n)
{
	if (e->tty && n)
		e->emit(e->ctx, s, n);
}

static void say(struct shell_edit *e, const char *s)
{
	put(e, s, strlen(s));
}

/* Moves the cursor n columns left: ESC [ n D. */
static void left(struct shell_edit *e, size_t n)
{
	char buf[24], digits[20];
	size_t k = 0, d = 0;

	if (!n)
		return;
	do
		digits[d++] = (char)('0' + n % 10);
	while ((n /= 10));
	buf[k++] = ESC;
	buf[k++] = '[';
	while (d)
		buf[k++] = digits[--d];
	buf[k++] = 'D';
	put(e, buf, k);
}

static void refresh(struct shell_edit *e)
{
	say(e, "\r");
	say(e, e->prompt);
	put(e, e->line, e->len);
	say(e, "\x1b[K");
	left(e, e->len - e->pos);
}

static void bell(struct shell_edit *e)
{
	say(e, "\a");
}

void shell_edit_init(struct shell_edit *e, bool tty,
		     void (*emit)(void *ctx, const char *s, size_t n), void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->tty = tty;
	e->emit = emit;
	e->ctx = ctx;
	e->prompt = "";
	e->view = 1;
}

void shell_edit_begin(struct shell_edit *e)
{
	e->len = e->pos = 0;
	e->line[0] = 0;
	e->too_long = false;
	e->esc = 0;
	e->view = e->total + 1;
	say(e, e->prompt);
}

void shell_edit_remember(struct shell_edit *e, const char *line)
{
	const char *last = shell_edit_history(e, e->total);

	if (!line[0] || (last && !strcmp(last, line)) || strlen(line) >= SHELL_LINE_MAX)
		return;
	strcpy(e->history[e->total % SHELL_HISTORY], line);
	e->total++;
}

const char *shell_edit_history(const struct shell_edit *e, int n)
{
	if (n < 1 || n > e->total || n <= e->total - SHELL_HISTORY)
		return NULL;
	return e->history[(n - 1) % SHELL_HISTORY];
}

/* Replaces the line by s, the cursor at its end. */
static void set_line(struct shell_edit *e, const char *s)
{
	e->len = e->pos = strlen(s);
	memcpy(e->line, s, e->len + 1);
	refresh(e);
}

/* Up (-1) or Down (+1) through the history. */
static void walk(struct shell_edit *e, int dir)
{
	int oldest = e->total - SHELL_HISTORY + 1 > 1 ? e->total - SHELL_HISTORY + 1 : 1;
	int to = e->view + dir;

	if (to < oldest || to > e->total + 1) {
		bell(e);
		return;
	}
	if (e->view == e->total + 1) {
		e->line[e->len] = 0;
		memcpy(e->saved, e->line, e->len + 1);
	}
	e->view = to;
	set_line(e, to == e->total + 1 ? e->saved : shell_edit_history(e, to));
}

/* Replaces line[from, to) by n bytes of s; false when the line would not
 * fit. The caller draws. */
static bool splice(struct shell_edit *e, size_t from, size_t to, const char *s, size_t n)
{
	if (e->len - (to - from) + n > SHELL_LINE_MAX - 1)
		return false;
	memmove(e->line + from + n, e->line + to, e->len - to);
	memcpy(e->line + from, s, n);
	e->len = e->len - (to - from) + n;
	e->line[e->len] = 0;
	return true;
}

static void insert(struct shell_edit *e, char c)
{
	if (!splice(e, e->pos, e->pos, &c, 1)) {
		if (!e->too_long)
			bell(e);
		e->too_long = true;
		return;
	}
	e->pos++;
	if (e->pos == e->len)
		put(e, &c, 1);
	else
		refresh(e);
}

/* Deletes line[from, to) and puts the cursor at from. */
static void erase(struct shell_edit *e, size_t from, size_t to)
{
	if (from == to)
		return;
	splice(e, from, to, "", 0);
	e->pos = from;
	refresh(e);
}

static void complete(struct shell_edit *e)
{
	struct shell_completion *c = &e->completion;

	c->n = 0;
	c->start = e->pos;
	if (e->complete)
		e->complete(e->ctx, e->line, e->pos, c);
	if (c->n <= 0 || c->start > e->pos) {
		bell(e);
		return;
	}
	size_t common = strlen(c->names[0]);
	for (int i = 1; i < c->n; i++) {
		size_t k = 0;
		while (k < common && c->names[i][k] == c->names[0][k])
			k++;
		common = k;
	}
	size_t typed = e->pos - c->start;
	if (c->n == 1 || common > typed) {
		if (!splice(e, c->start, e->pos, c->names[0], common)) {
			bell(e);
			return;
		}
		e->pos = c->start + common;
		/* One candidate is a whole word: a space follows, unless it is
		 * a folder, whose names come next. */
		if (c->n == 1 && common && c->names[0][common - 1] != '/' &&
		    splice(e, e->pos, e->pos, " ", 1))
			e->pos++;
		refresh(e);
		return;
	}
	/* Several: list them by the part after the typed word's folder. */
	size_t dir = typed;
	while (dir && e->line[c->start + dir - 1] != '/')
		dir--;
	say(e, "\r\n");
	for (int i = 0; i < c->n; i++) {
		const char *name = c->names[i] + (strlen(c->names[i]) >= dir ? dir : 0);
		say(e, name);
		say(e, i + 1 < c->n ? "  " : "\r\n");
	}
	refresh(e);
}

/* The end of a line. */
static enum shell_edit_result enter(struct shell_edit *e)
{
	say(e, "\r\n");
	e->line[e->len] = 0;
	e->view = e->total + 1;
	if (e->too_long) {
		e->len = e->pos = 0;
		e->line[0] = 0;
		e->too_long = false;
		return EDIT_TOO_LONG;
	}
	return EDIT_LINE;
}

/* A key sent as an escape sequence: its final byte, with the number
 * before it (ESC [ 3 ~). */
static void key(struct shell_edit *e, unsigned char final, unsigned num)
{
	if (final == '~') /* Home, End, Delete by number; X stands for Delete */
		final = num == 1 || num == 7 ? 'H' : num == 4 || num == 8 ? 'F' :
			num == 3 ? 'X' : 0;
	switch (final) {
	case 'A':
		walk(e, -1);
		break;
	case 'B':
		walk(e, 1);
		break;
	case 'C':
		if (e->pos < e->len) {
			e->pos++;
			put(e, "\x1b[C", 3);
		}
		break;
	case 'D':
		if (e->pos) {
			e->pos--;
			left(e, 1);
		}
		break;
	case 'H':
		e->pos = 0;
		refresh(e);
		break;
	case 'F':
		e->pos = e->len;
		refresh(e);
		break;
	case 'X':
		erase(e, e->pos, e->pos < e->len ? e->pos + 1 : e->pos);
		break;
	}
}

/* A byte inside an escape sequence. */
static void escape(struct shell_edit *e, unsigned char c)
{
	if (c < 0x20) { /* not part of a sequence: drop what came */
		e->esc = c == ESC;
		return;
	}
	if (e->esc == 1) {
		e->esc = c == '[' || c == 'O' ? 2 : 0;
		e->esc_num = 0;
		return;
	}
	if (c >= '0' && c <= '9') {
		if (e->esc_num < 1000)
			e->esc_num = e->esc_num * 10 + (c - '0');
		e->esc = 3;
		return;
	}
	if (c >= 0x40 && c <= 0x7e) {
		e->esc = 0;
		key(e, c, e->esc_num);
	}
	/* parameters and intermediates (';', '?', ...): go on */
}

/* A terminal's byte. */
static enum shell_edit_result feed_tty(struct shell_edit *e, unsigned char c)
{
	bool after_cr = e->after_cr;

	e->after_cr = c == '\r';
	if (e->esc && c != '\r' && c != '\n') {
		escape(e, c);
		return EDIT_MORE;
	}
	e->esc = 0;
	switch (c) {
	case '\r':
		return enter(e);
	case '\n':
		return after_cr ? EDIT_MORE : enter(e);
	case ESC:
		e->esc = 1;
		break;
	case CTRL('A'):
		key(e, 'H', 0);
		break;
	case CTRL('E'):
		key(e, 'F', 0);
		break;
	case CTRL('B'):
		key(e, 'D', 0);
		break;
	case CTRL('F'):
		key(e, 'C', 0);
		break;
	case CTRL('P'):
		walk(e, -1);
		break;
	case CTRL('N'):
		walk(e, 1);
		break;
	case CTRL('D'):
		if (!e->len) {
			say(e, "\r\n");
			return EDIT_EOF;
		}
		key(e, 'X', 0);
		break;
	case CTRL('C'):
		say(e, "^C\r\n");
		e->len = e->pos = 0;
		e->line[0] = 0;
		e->too_long = false;
		e->view = e->total + 1;
		return EDIT_CANCEL;
	case DEL:
	case CTRL('H'):
		if (e->pos)
			erase(e, e->pos - 1, e->pos);
		break;
	case CTRL('K'):
		erase(e, e->pos, e->len);
		break;
	case CTRL('U'):
		erase(e, 0, e->pos);
		break;
	case CTRL('W'): {
		size_t from = e->pos;
		while (from && e->line[from - 1] == ' ')
			from--;
		while (from && e->line[from - 1] != ' ')
			from--;
		erase(e, from, e->pos);
		break;
	}
	case CTRL('L'):
		say(e, "\x1b[H\x1b[2J");
		refresh(e);
		break;
	case '\t':
		complete(e);
		break;
	default:
		if (c >= 0x20)
			insert(e, (char)c);
	}
	return EDIT_MORE;
}

/* A byte of a pipe or file. */
static enum shell_edit_result feed_line(struct shell_edit *e, unsigned char c)
{
	if (c == '\n') {
		if (e->len && e->line[e->len - 1] == '\r' && !e->too_long)
			e->pos = --e->len;
		return enter(e);
	}
	if (c == '\r' && e->cr_means_tty) {
		e->tty = true;
		e->after_cr = true;
		return enter(e);
	}
	if (!c)
		return EDIT_MORE;
	if (e->len < SHELL_LINE_MAX - 1)
		e->line[e->len++] = (char)c;
	else
		e->too_long = true;
	e->pos = e->len;
	return EDIT_MORE;
}

enum shell_edit_result shell_edit_feed(struct shell_edit *e, unsigned char c)
{
	return e->tty ? feed_tty(e, c) : feed_line(e, c);
}

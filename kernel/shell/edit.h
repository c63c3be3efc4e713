/*
 * The shell's line editor (kernel/shell/edit.c): a state machine fed the
 * input one byte at a time, which hands back whole lines and writes what
 * the terminal must show through a callback.
 *
 * On a terminal (tty true) it echoes and edits: printable bytes insert at
 * the cursor; Backspace (DEL or ^H) and ^D delete, ^D on an empty line is
 * the end of input; Left/Right (also ^B/^F), Home/End (also ^A/^E) move;
 * ^K deletes to the end, ^U to the start, ^W the word before the cursor;
 * Up/Down (also ^P/^N) walk the history; ^C drops the line; ^L clears the
 * screen; Tab completes through a callback. Enter is CR or LF (one LF
 * right after a CR is the same Enter). Escape sequences of VT100 and xterm
 * are understood (ESC [ or ESC O, with a number for Home, End and Delete);
 * others are skipped whole.
 *
 * Elsewhere (tty false: a pipe, a file, a serial line without a person)
 * it echoes nothing and writes no escape sequence: every byte up to LF is
 * part of the line (a CR right before the LF is dropped), NUL bytes are
 * dropped. With cr_means_tty, a line ended by a lone CR switches the editor
 * to terminal mode: a terminal in raw mode sends CR for Enter, a pipe LF.
 *
 * A line longer than SHELL_LINE_MAX - 1 bytes is refused whole when it
 * ends (EDIT_TOO_LONG); on a terminal the bell rings once when it fills.
 *
 * The editor is pure (no allocation, no kernel calls): tests/host/
 * test_shell_edit.c feeds it bytes on the host.
 */
#ifndef SHELL_EDIT_H
#define SHELL_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#define SHELL_LINE_MAX 1024
#define SHELL_HISTORY 32
#define SHELL_COMPLETIONS 64

/* What the completion callback fills: the candidates for the word that
 * starts at start and ends at the cursor, each a whole replacement word
 * (a folder's ending in '/', which adds no space after it). */
struct shell_completion {
	size_t start;
	int n;
	const char *names[SHELL_COMPLETIONS];
	char buf[4096]; /* the callback's storage for the names */
};

struct shell_edit {
	/* Set by the caller (shell_edit_init). */
	bool tty, cr_means_tty;
	const char *prompt;
	void (*emit)(void *ctx, const char *s, size_t n);
	/* Fills c for line[0..pos) (line NUL-terminated at pos); may be NULL. */
	void (*complete)(void *ctx, const char *line, size_t pos, struct shell_completion *c);
	void *ctx;

	/* The line being typed: len bytes, the cursor at pos. */
	char line[SHELL_LINE_MAX];
	size_t len, pos;
	bool too_long, after_cr;
	int esc;          /* escape state: 0 none, 1 ESC, 2 ESC [ or O, 3 its number */
	unsigned esc_num;

	/* The history: line n (1 the first ever remembered) of total lives
	 * in history[(n - 1) % SHELL_HISTORY] while it is among the last
	 * SHELL_HISTORY; view is the line Up/Down show (total + 1: the line
	 * being typed). */
	char history[SHELL_HISTORY][SHELL_LINE_MAX];
	int total, view;
	char saved[SHELL_LINE_MAX]; /* the line typed before walking */
	struct shell_completion completion;
};

enum shell_edit_result {
	EDIT_MORE,     /* nothing finished yet */
	EDIT_LINE,     /* line[] holds a whole line (NUL-terminated, no newline) */
	EDIT_EOF,      /* ^D on an empty line */
	EDIT_CANCEL,   /* ^C dropped the line */
	EDIT_TOO_LONG, /* the line was longer than SHELL_LINE_MAX - 1 and dropped */
};

/* Sets the editor up, empty and with no history. */
void shell_edit_init(struct shell_edit *e, bool tty,
		     void (*emit)(void *ctx, const char *s, size_t n), void *ctx);

/* Starts a new line: on a terminal writes the prompt. */
void shell_edit_begin(struct shell_edit *e);

/* Takes one input byte; see enum shell_edit_result. After EDIT_LINE the
 * line stays in e->line until shell_edit_begin(). */
enum shell_edit_result shell_edit_feed(struct shell_edit *e, unsigned char c);

/* Adds a line to the history (not an empty one, nor the same as the
 * last). */
void shell_edit_remember(struct shell_edit *e, const char *line);

/* Remembered line n (1 the first ever), or NULL when it is not kept. */
const char *shell_edit_history(const struct shell_edit *e, int n);

#endif

/*
 * The shell's session: the loop that reads a line through the editor
 * (edit.c), parses it (parse.c) and runs the command, the command tables,
 * the output every command writes through (shell-impl.h), Tab completion,
 * and the session's own commands: help, cd, pwd, history and exit.
 *
 * Output is gathered in the session's buffer and written when it fills,
 * when a command ends, before an error line and, while a command runs,
 * FLUSH_NS after the last write, so that a listing costs a few writes and
 * slow output still shows; on a terminal each LF goes out as CR LF (a
 * client in raw mode does not add the CR). While a command runs on a
 * terminal, input that arrives is read ahead to find a ^C; the rest waits
 * for the editor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/file.h>
#include <unishyper/format.h>
#include <unishyper/kmalloc.h>
#include <unishyper/time.h>
#include <unishyper/vfs.h>

#include "parse.h"
#include "shell-impl.h"

#define CTRL_C 0x03
#define NAME_SHOWN 64
#define FLUSH_NS 100000000ull

static int cmd_help(struct shell *sh, int argc, char **argv);
static int cmd_cd(struct shell *sh, int argc, char **argv);
static int cmd_pwd(struct shell *sh, int argc, char **argv);
static int cmd_history(struct shell *sh, int argc, char **argv);
static int cmd_exit(struct shell *sh, int argc, char **argv);

static const struct shell_command session_commands[] = {
	{ "help", "[COMMAND]", "list the commands, or show how to use one", cmd_help },
	{ "cd", "[DIR]", "change the shell's working folder (default /)", cmd_cd },
	{ "pwd", "", "print the shell's working folder", cmd_pwd },
	{ "history", "", "list the lines typed last", cmd_history },
	{ "exit", "[STATUS]", "leave the shell (on the console: power off)", cmd_exit },
	{ NULL, NULL, NULL, NULL },
};

static const struct shell_command *const tables[] = {
	session_commands, shell_file_commands, shell_tree_commands, shell_mount_commands,
	shell_sys_commands,
};

/* Writes to the terminal, LF as CR LF on a terminal. */
static void term_write(struct shell *sh, const char *s, size_t n)
{
	while (n && !sh->gone) {
		size_t k = 0;
		while (k < n && (s[k] != '\n' || !sh->edit.tty))
			k++;
		if (k && sh->io->write(sh->io, s, k) < 0)
			sh->gone = true;
		if (k < n && !sh->gone && sh->io->write(sh->io, "\r\n", 2) < 0)
			sh->gone = true;
		k += k < n;
		s += k;
		n -= k;
	}
}

static void edit_emit(void *ctx, const char *s, size_t n)
{
	struct shell *sh = ctx;

	if (!sh->gone && sh->io->write(sh->io, s, n) < 0)
		sh->gone = true;
}

/* Writes the output buffer to the redirection or the terminal. */
static void flush(struct shell *sh)
{
	size_t n = sh->olen;

	sh->olen = 0;
	sh->flushed_at = time_ns();
	if (!sh->out) {
		term_write(sh, sh->obuf, n);
		return;
	}
	for (size_t done = 0; done < n && !sh->out_failed;) {
		ssize_t r = sh->out->ops->write(sh->out, sh->obuf + done, n - done, NULL);
		if (r <= 0) {
			sh->out_failed = true;
			shell_fail(sh, "shell", sh->out_name, r < 0 ? (int)r : -EIO);
		}
		done += r > 0 ? (size_t)r : 0;
	}
}

void shell_write(struct shell *sh, const char *s, size_t n)
{
	while (n && !sh->gone && !sh->out_failed) {
		size_t k = SHELL_OUT_BUF - sh->olen < n ? SHELL_OUT_BUF - sh->olen : n;
		memcpy(sh->obuf + sh->olen, s, k);
		sh->olen += k;
		s += k;
		n -= k;
		if (sh->olen == SHELL_OUT_BUF)
			flush(sh);
	}
}

/* Formats into buf, or into the heap when it does not fit; the caller
 * frees what is not buf. NULL without memory. */
static char *format(char *buf, size_t size, int *len, const char *fmt, va_list ap)
{
	va_list again;

	va_copy(again, ap);
	*len = kvsnprintf(buf, size, fmt, ap);
	if (*len >= 0 && (size_t)*len >= size) {
		char *big = kmalloc((size_t)*len + 1);
		if (big)
			kvsnprintf(big, (size_t)*len + 1, fmt, again);
		buf = big;
	}
	va_end(again);
	return *len < 0 ? NULL : buf;
}

void shell_print(struct shell *sh, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	char *s = format(small, sizeof(small), &n, fmt, ap);
	va_end(ap);
	if (s)
		shell_write(sh, s, (size_t)n);
	if (s != small)
		kfree(s);
}

int shell_error(struct shell *sh, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	if (!sh->out)
		flush(sh);
	va_start(ap, fmt);
	char *s = format(small, sizeof(small), &n, fmt, ap);
	va_end(ap);
	if (s) {
		term_write(sh, s, (size_t)n);
		term_write(sh, "\n", 1);
	}
	if (s != small)
		kfree(s);
	return 1;
}

int shell_fail(struct shell *sh, const char *cmd, const char *what, int err)
{
	return shell_error(sh, "%s: %s: %s", cmd, what, shell_strerror(err));
}

int shell_usage(struct shell *sh, const char *cmd)
{
	const struct shell_command *c = shell_find(cmd);

	shell_error(sh, "usage: %s%s%s", cmd, c && c->usage[0] ? " " : "", c ? c->usage : "");
	return 2;
}

bool shell_stopped(struct shell *sh)
{
	if (sh->olen && time_ns() - sh->flushed_at > FLUSH_NS)
		flush(sh);
	if (sh->gone || sh->interrupted || sh->out_failed)
		return true;
	if (!sh->edit.tty)
		return false;
	while (sh->io->ready(sh->io)) {
		if (sh->ahead_pos == sh->ahead)
			sh->ahead = sh->ahead_pos = 0;
		if (sh->ahead == SHELL_TYPEAHEAD)
			break; /* a full typeahead: ^C waits its turn */
		ssize_t r = sh->io->read(sh->io, (char *)sh->typeahead + sh->ahead,
					 SHELL_TYPEAHEAD - sh->ahead);
		if (r <= 0) {
			sh->gone = true;
			return true;
		}
		if (memchr(sh->typeahead + sh->ahead, CTRL_C, (size_t)r)) {
			sh->interrupted = true; /* what was typed before goes too */
			sh->ahead = sh->ahead_pos = 0;
			return true;
		}
		sh->ahead += (size_t)r;
	}
	return false;
}

const struct shell_command *shell_find(const char *name)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct shell_command *c = tables[t]; c->name; c++)
			if (!strcmp(c->name, name))
				return c;
	return NULL;
}

/* The session's commands. */

static int cmd_help(struct shell *sh, int argc, char **argv)
{
	if (argc > 2)
		return shell_usage(sh, argv[0]);
	if (argc == 2) {
		const struct shell_command *c = shell_find(argv[1]);
		if (!c)
			return shell_error(sh, "help: %s: no such command", argv[1]);
		shell_print(sh, "usage: %s%s%s\n%s\n", c->name, c->usage[0] ? " " : "", c->usage,
			    c->help);
		return 0;
	}
	shell_print(sh, "Commands (help COMMAND shows how to use one; > FILE and >> FILE send "
			"the output to a file):\n");
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct shell_command *c = tables[t]; c->name; c++)
			shell_print(sh, "  %-9s %s\n", c->name, c->help);
	return 0;
}

static int cmd_cd(struct shell *sh, int argc, char **argv)
{
	char *abs = kmalloc(VFS_PATH_MAX);
	const char *to = argc > 1 ? argv[1] : "/";
	struct vfs_attr a;
	int r;

	if (argc > 2) {
		kfree(abs);
		return shell_usage(sh, argv[0]);
	}
	if (!abs)
		return shell_fail(sh, "cd", to, -ENOMEM);
	if (!(r = shell_path(sh, to, abs)) && !(r = vfs_stat(abs, &a)) && !S_ISDIR(a.mode))
		r = -ENOTDIR;
	if (!r)
		strcpy(sh->cwd, abs);
	kfree(abs);
	return r ? shell_fail(sh, "cd", to, r) : 0;
}

static int cmd_pwd(struct shell *sh, int argc, char **argv)
{
	if (argc > 1)
		return shell_usage(sh, argv[0]);
	shell_print(sh, "%s\n", sh->cwd);
	return 0;
}

static int cmd_history(struct shell *sh, int argc, char **argv)
{
	if (argc > 1)
		return shell_usage(sh, argv[0]);
	for (int n = 1; n <= sh->edit.total; n++) {
		const char *line = shell_edit_history(&sh->edit, n);
		if (line)
			shell_print(sh, "%5d  %s\n", n, line);
	}
	return 0;
}

static int cmd_exit(struct shell *sh, int argc, char **argv)
{
	uint64_t status = 0;

	if (argc > 2)
		return shell_usage(sh, argv[0]);
	if (argc == 2 && shell_number(sh, argv[0], argv[1], &status))
		return 2;
	if (status > 255)
		return shell_error(sh, "exit: %s: not 0 to 255", argv[1]) + 1;
	sh->leave = true;
	sh->exit_status = (int)status;
	return 0;
}

/* Tab: command names for the first word, else the names in a folder. */
static void complete(void *ctx, const char *line, size_t pos, struct shell_completion *c)
{
	struct shell *sh = ctx;
	size_t start = pos, used = 0;

	while (start && (line[start - 1] != ' ' || (start > 1 && line[start - 2] == '\\')))
		start--;
	c->start = start;
	bool first = true;
	for (size_t i = 0; i < start; i++)
		first = first && (line[i] == ' ' || line[i] == '\t');
	if (first) {
		for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
			for (const struct shell_command *k = tables[t]; k->name; k++)
				if (c->n < SHELL_COMPLETIONS &&
				    !strncmp(k->name, line + start, pos - start))
					c->names[c->n++] = k->name;
		return;
	}
	/* The word without its backslashes: the folder part and the start of
	 * the name. */
	char *word = kmalloc(2 * VFS_PATH_MAX);
	if (!word)
		return;
	char *abs = word + VFS_PATH_MAX;
	size_t w = 0, typed_dir = start, base = 0;
	for (size_t i = start; i < pos && w < VFS_PATH_MAX - 1; i++) {
		if (line[i] == '\\' && i + 1 < pos)
			i++;
		word[w++] = line[i];
		if (line[i] == '/') {
			typed_dir = i + 1;
			base = w;
		}
	}
	word[w] = 0;
	struct shell_names names = { 0 };
	char save = word[base];
	word[base] = 0;
	if (!shell_path(sh, base ? word : ".", abs) && !shell_names_read(abs, &names)) {
		word[base] = save;
		const char *prefix = word + base;
		size_t plen = strlen(prefix);
		for (size_t i = 0; i < names.n && c->n < SHELL_COMPLETIONS; i++) {
			const char *name = names.v[i];
			if (strncmp(name, prefix, plen) || (name[0] == '.' && prefix[0] != '.'))
				continue;
			/* the typed folder part, then the name with blanks escaped */
			size_t need = (typed_dir - start) + 2 * strlen(name) + 2;
			if (used + need > sizeof(c->buf))
				break;
			char *out = c->buf + used;
			memcpy(out, line + start, typed_dir - start);
			size_t k = typed_dir - start;
			for (const char *p = name; *p; p++) {
				if (*p == ' ' || *p == '\\' || *p == '\'' || *p == '"')
					out[k++] = '\\';
				out[k++] = *p;
			}
			if (shell_name_type(name) == DT_DIR)
				out[k++] = '/';
			out[k++] = 0;
			c->names[c->n++] = out;
			used += k;
		}
		shell_names_free(&names);
	}
	kfree(word);
}

/* A name as it may be shown: control bytes as '?', at most NAME_SHOWN. */
static const char *shown(const char *name, char *buf)
{
	size_t n = 0;

	for (; name[n] && n < NAME_SHOWN; n++)
		buf[n] = (unsigned char)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n];
	strcpy(buf + n, name[n] ? "..." : "");
	return buf;
}

/* Runs one line; returns the command's status. */
static int run_line(struct shell *sh, char *line)
{
	struct shell_words w;
	char name[NAME_SHOWN + 4];
	int r;

	if (shell_parse(line, &w))
		return shell_error(sh, "shell: %s", w.error) + 1;
	if (!w.argc)
		return 0;
	const struct shell_command *c = shell_find(w.argv[0]);
	if (!c) {
		shell_error(sh, "%s: command not found (help lists the commands)",
			    shown(w.argv[0], name));
		return 127;
	}
	if (w.redirect) {
		char *abs = kmalloc(VFS_PATH_MAX);
		int flags = O_WRONLY | O_CREAT | (w.append ? O_APPEND : O_TRUNC);
		if (!abs)
			return shell_fail(sh, "shell", w.redirect, -ENOMEM);
		r = shell_path(sh, w.redirect, abs);
		if (!r)
			r = vfs_open(abs, flags, 0644, &sh->out);
		kfree(abs);
		if (r) {
			sh->out = NULL;
			return shell_fail(sh, "shell", w.redirect, r);
		}
		sh->out_name = w.redirect;
	}
	r = c->run(sh, w.argc, w.argv);
	flush(sh);
	if (sh->out) {
		file_put(sh->out);
		sh->out = NULL;
	}
	if (sh->interrupted)
		term_write(sh, "^C\n", 3);
	if (sh->interrupted || sh->out_failed)
		r = r ? r : 1;
	sh->interrupted = sh->out_failed = false;
	return r;
}

/* The next input byte for the editor: what was read ahead first. */
static int next_byte(struct shell *sh)
{
	if (sh->ahead_pos == sh->ahead) {
		ssize_t r = sh->io->read(sh->io, (char *)sh->typeahead, SHELL_TYPEAHEAD);
		if (r <= 0)
			return -1;
		sh->ahead = (size_t)r;
		sh->ahead_pos = 0;
	}
	return sh->typeahead[sh->ahead_pos++];
}

static void set_prompt(struct shell *sh)
{
	const char *at = sh->cwd;

	if (strlen(at) > 40)
		at = strrchr(at, '/');
	ksnprintf(sh->prompt, sizeof(sh->prompt), "unishyper:%s%s$ ", at == sh->cwd ? "" : "...",
		  at);
}

void shell_init(struct shell *sh, struct shell_io *io, bool tty, char **envp)
{
	memset(sh, 0, sizeof(*sh));
	sh->io = io;
	sh->envp = envp;
	strcpy(sh->cwd, "/");
	shell_edit_init(&sh->edit, tty, edit_emit, sh);
	sh->edit.complete = complete;
	sh->edit.prompt = sh->prompt;
}

void shell_run(struct shell *sh)
{
	bool greeted = false;

	sh->leave = sh->gone = false;
	sh->ahead = sh->ahead_pos = 0;
	while (!sh->leave && !sh->gone) {
		if (sh->edit.tty && !greeted) {
			static const char hello[] =
				"Unishyper shell: help lists the commands, exit leaves.\n";
			term_write(sh, hello, sizeof(hello) - 1);
			greeted = true;
		}
		set_prompt(sh);
		shell_edit_begin(&sh->edit);
		enum shell_edit_result e = EDIT_MORE;
		int c;
		while (e == EDIT_MORE && !sh->gone && (c = next_byte(sh)) >= 0)
			e = shell_edit_feed(&sh->edit, (unsigned char)c);
		if (e == EDIT_MORE || e == EDIT_EOF)
			return; /* the end of input, or ^D */
		if (e == EDIT_TOO_LONG)
			shell_error(sh, "shell: line too long (at most %d characters)",
				    SHELL_LINE_MAX - 1);
		if (e != EDIT_LINE)
			continue;
		shell_edit_remember(&sh->edit, sh->edit.line);
		run_line(sh, sh->edit.line);
	}
}

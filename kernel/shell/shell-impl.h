/*
 * What the shell's files share: the session and its output
 * (kernel/shell/shell.c), the helpers commands use to name and list files
 * and read their options (kernel/shell/helpers.c), and the command tables
 * of each group (kernel/shell/cmd_*.c).
 *
 * A command writes its output with shell_print()/shell_write(), which go
 * to the file of a > or >> redirection when the line has one, else to the
 * terminal; errors go to the terminal always, one line each, through
 * shell_error() or shell_fail(). A command returns its status: 0, 1 when
 * something failed, 2 for a usage error. Long commands call
 * shell_stopped() in their loops and end early when it says so (^C on a
 * terminal, a client that went away, a redirection that failed).
 */
#ifndef SHELL_IMPL_H
#define SHELL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <unishyper/vfs.h>

#include "edit.h"

struct file;

/* Where a session reads and writes: the console or the shell's port. */
struct shell_io {
	/* Blocks until input; 0 at its end (or when the client left). */
	ssize_t (*read)(struct shell_io *io, char *buf, size_t n);
	/* Whether read would not wait. */
	bool (*ready)(struct shell_io *io);
	/* Writes n bytes: n, or below 0 when the other end went away. */
	long (*write)(struct shell_io *io, const char *buf, size_t n);
	void *priv;
};

#define SHELL_OUT_BUF 4096
#define SHELL_TYPEAHEAD 512

struct shell {
	struct shell_io *io;
	struct shell_edit edit;
	char cwd[VFS_PATH_MAX];
	char prompt[80];
	char **envp;
	struct file *out;          /* the redirection's file, or NULL */
	const char *out_name;      /* its name, for an error */
	char obuf[SHELL_OUT_BUF];  /* output not yet written */
	size_t olen;
	uint64_t flushed_at;       /* time_ns() of the last write of it */
	/* Input read while a command ran (looking for ^C), for the editor. */
	unsigned char typeahead[SHELL_TYPEAHEAD];
	size_t ahead, ahead_pos;
	bool interrupted, gone, out_failed;
	bool leave;                /* exit asked the session to end */
	int exit_status;
};

struct shell_command {
	const char *name;
	const char *usage; /* the arguments, after the name */
	const char *help;  /* one line */
	int (*run)(struct shell *sh, int argc, char **argv);
};

/* Each group's commands, ending with an entry whose name is NULL. */
extern const struct shell_command shell_file_commands[], shell_tree_commands[],
	shell_sys_commands[], shell_mount_commands[];

/* Output (to the redirection or the terminal). */
void shell_write(struct shell *sh, const char *s, size_t n);
void shell_print(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line on the terminal (a newline is added); returns 1. */
int shell_error(struct shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "cmd: what: the error's text" on the terminal; returns 1. */
int shell_fail(struct shell *sh, const char *cmd, const char *what, int err);

/* "usage: cmd ARGS" on the terminal; returns 2. */
int shell_usage(struct shell *sh, const char *cmd);

/* The text of a negative errno ("No such file or directory"). */
const char *shell_strerror(int err);

/* Makes path absolute against the shell's working directory and folds it
 * (out: VFS_PATH_MAX bytes): 0 or a negative errno. */
int shell_path(struct shell *sh, const char *path, char *out);

/* Whether the running command should stop now (see the top). */
bool shell_stopped(struct shell *sh);

/*
 * Takes the options of argv (single letters after '-', grouped or not, up
 * to "--" or the first word that is not an option) that allowed lists;
 * sets bit (c - 'A') of *flags for each. Returns the index of the first
 * operand, or -1 after reporting an unknown option.
 */
int shell_options(struct shell *sh, int argc, char **argv, const char *allowed, uint64_t *flags);

#define SHELL_FLAG(c) (1ull << ((c) - 'A'))

/* Parses a decimal number into *out: 0, or -1 after reporting it. */
int shell_number(struct shell *sh, const char *cmd, const char *s, uint64_t *out);

/* The command of this name, or NULL. */
const struct shell_command *shell_find(const char *name);

/* The names in a folder, sorted by byte order, without "." and "..". */
struct shell_names {
	size_t n;
	char **v;         /* n names; each followed in memory by its type byte */
	char *buf;        /* the storage of v and the names */
	size_t len, cap;
};

/* Reads the folder at the absolute path abs into *out (freed with
 * shell_names_free): 0 or a negative errno. */
int shell_names_read(const char *abs, struct shell_names *out);
void shell_names_free(struct shell_names *names);

/* The type (DT_REG, DT_DIR, ...) readdir gave a name of shell_names. */
static inline unsigned char shell_name_type(const char *name)
{
	while (*name)
		name++;
	return (unsigned char)name[1];
}

/* Joins dir and name into out (VFS_PATH_MAX bytes; it may be dir itself):
 * 0, or -ENAMETOOLONG with out unchanged. */
int shell_join(const char *dir, const char *name, char *out);

/* A time in nanoseconds since 1970 as "YYYY-MM-DD HH:MM:SS" (out: at least
 * 20 bytes; seconds left out when short). */
void shell_date(uint64_t ns, char *out, bool seconds);

/* Sets a session up on io (tty: a terminal at the other end; envp: for
 * env) and runs it until exit, the end of input or the client's leaving. */
void shell_init(struct shell *sh, struct shell_io *io, bool tty, char **envp);
void shell_run(struct shell *sh);

#endif

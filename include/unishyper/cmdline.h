/*
 * The kernel command line: kernel options, the environment and argv.
 *
 *     [unishyper.option=value ...] [NAME=value ...] -- [argv0 arg1 ...]
 *
 * Words are separated by spaces, tabs, carriage returns and newlines. A
 * double-quoted part of a word may contain separators; a backslash, inside
 * or outside quotes, makes the next character literal (\" \\ \ ). Quoted and
 * unquoted parts join: a"b c"d is the one word "ab cd", and "" is an empty
 * word. Before the first word "--", a word unishyper.NAME=value sets the
 * kernel option NAME (the last one wins; an unknown NAME is an error), any
 * other NAME=value (NAME not empty) is an environment variable, and
 * anything else is an error. Kernel options live in their own namespace, so
 * every environment name reaches the program, "console" and "seed"
 * included; only names beginning "unishyper." are reserved.
 * After it every word is an argument, "--" and NAME=value included.
 */
#ifndef UNISHYPER_CMDLINE_H
#define UNISHYPER_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define CMDLINE_PREFIX "unishyper."

enum cmdline_opt {
	CMDLINE_CONSOLE,  /* unishyper.console=tty|pipe */
	CMDLINE_SEED,     /* unishyper.seed=64 hex digits */
	CMDLINE_TSC_KHZ,  /* unishyper.tsc_khz=... */
	CMDLINE_LOGLEVEL, /* unishyper.loglevel=0|1|2 */
	CMDLINE_MOUNT,    /* mount=auto|none: mount the disks, or leave them raw */
	CMDLINE_SHARES,   /* shares=PATH[:ro],...: where the 9p shares share0, ... go */
	CMDLINE_CWD,      /* cwd=PATH: the program's working directory */
	CMDLINE_IP,       /* ip=ADDR/PREFIX|dhcp|none,...: each interface's IPv4 address */
	CMDLINE_GW,       /* gw=ADDR: the IPv4 default gateway */
	CMDLINE_DNS,      /* dns=ADDR,...: name servers for the program's resolver */
	CMDLINE_IP6,      /* ip6=ADDR/PREFIX|none,...: each interface's static IPv6 address */
	CMDLINE_HOSTNAME, /* hostname=NAME: uname's nodename, gethostname, DHCP */
	CMDLINE_STDIN,    /* stdin=file:...: standard input is a host file */
	CMDLINE_STDOUT,   /* stdout=tty|pipe|full|file:...|stdin: the host end of standard output */
	CMDLINE_STDERR,   /* stderr=tty|pipe|full|file:...|stdin|stdout: that of standard error */
	CMDLINE_WINSIZE,  /* winsize=COLSxROWS: the host terminal's size */
	CMDLINE_UMASK,    /* umask=OCTAL: the program's file-mode creation mask */
	CMDLINE_SHELL,    /* shell=console|port: where the shell runs (kernel/shell/) */
	CMDLINE_MONOTONIC, /* monotonic=NS: CLOCK_MONOTONIC at the start (time.h) */
	CMDLINE_PID,      /* pid=N: the process id (process.h) */
	CMDLINE_REALTIME, /* realtime=NS: CLOCK_REALTIME at the start (time.h) */
	CMDLINE_OPT_COUNT
};

struct cmdline {
	int argc;
	char **argv; /* argv[argc] is NULL */
	int envc;
	char **envp; /* envp[envc] is NULL; each entry is "NAME=value" */
	/* The value of each option given, or NULL. */
	const char *opt[CMDLINE_OPT_COUNT];
	/* After a failed parse, a short static message naming the problem. */
	const char *error;
};

/*
 * Parses line in place: words are unquoted into the same buffer and every
 * pointer in *out points into it. words is caller storage for max_words
 * pointers; on success it holds argv[0..argc-1], NULL, envp[0..envc-1],
 * NULL, and out->argv and out->envp point into it (options and the "--"
 * take no slot). Reads nothing past the terminating NUL.
 *
 * Returns 0 (out->error is NULL), -EINVAL for an unterminated quote, a
 * trailing backslash, a word before "--" that is not NAME=value or an
 * unknown unishyper. option, or
 * -E2BIG when argc + envc + 2 > max_words; on failure out->error names the
 * problem, out holds no words and line is partly rewritten.
 */
int cmdline_parse(char *line, char **words, int max_words, struct cmdline *out);

/*
 * Parses a whole string as an unsigned 64-bit number: decimal, or
 * hexadecimal after "0x" or "0X". Returns 0, or -EINVAL (*out untouched)
 * when s is empty, holds anything else or overflows.
 */
int cmdline_u64(const char *s, uint64_t *out);

/*
 * Parses a standard stream's host end that is a file the program may reach
 * in its own tree (unishyper.stdin=, stdout=, stderr=):
 *
 *     file:OFFSET:MODE:PATH
 *
 * OFFSET is decimal, MODE is r, w or rw with an optional a (append), PATH
 * is absolute. Sets *offset, *flags (O_RDONLY, O_WRONLY or O_RDWR, with
 * O_APPEND) and *path (pointing into s). Returns 0, 1 when s is not of
 * this kind (outputs untouched), or -EINVAL (outputs untouched).
 */
int cmdline_stream_file(const char *s, uint64_t *offset, int *flags, const char **path);

/*
 * Parses exactly 2n hexadecimal digits (either case) into n bytes. Returns
 * 0, or -EINVAL (out untouched) for a shorter or longer string or a
 * character that is not a hexadecimal digit.
 */
int cmdline_hex_bytes(const char *s, uint8_t *out, size_t n);

#endif

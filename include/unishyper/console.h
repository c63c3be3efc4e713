/*
 * The console: the program's standard input, output and error.
 *
 * Each stream goes through the virtio console when it carries a port of
 * that name (include/unishyper/vcon.h): bytes pass unchanged there, the end
 * of input is the host closing the port, and output to a closed port fails
 * with -EPIPE. Otherwise output goes to COM1 (stdout) and COM2 (stderr, or
 * COM1 when there is no COM2), and input comes from COM1. In tty mode (console=tty, the default, for
 * a person at a terminal) input is line-edited and echoed, and ^D at the
 * start of a line is end of file. In pipe mode (console=pipe, which
 * unishyper-run uses when its input is not a terminal) bytes pass through
 * unchanged and the byte 0x04 marks the end of the input.
 *
 * What the host has at the other end of each stream decides how its file
 * answers: a terminal (isatty, TCGETS, TIOCGWINSZ with the host's size), a
 * pipe or file (-ENOTTY), or a full device (/dev/full: writes fail with
 * -ENOSPC). Standard input is a terminal in tty mode; standard output and
 * error follow the mode unless unishyper.stdout=/stderr= say otherwise.
 */
#ifndef UNISHYPER_CONSOLE_H
#define UNISHYPER_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct file;

/* Finds the UARTs and the debug console; before anything prints. */
void console_early_init(void);

/* Sets the input mode from the console= option (NULL: tty); 0 or -EINVAL. */
int console_set_mode(const char *mode);

/*
 * Sets what the host has at the end of output stream 1 or 2 from the
 * stdout=/stderr= options: "tty", "pipe" or "full" (NULL: as the input
 * mode). 0 or -EINVAL.
 */
int console_set_output(int stream, const char *kind);

/* Sets the terminal size from the winsize=COLSxROWS option; 0 or -EINVAL. */
int console_set_winsize(const char *size);

/* Starts interrupt-driven input; needs the interrupt controllers. */
void console_init_irq(void);

/* Writes to standard output (stream 1) or standard error (stream 2);
 * returns n, or -EPIPE when the host closed the stream. */
long console_write(int stream, const void *buf, size_t n);

/* Blocks until input is available; returns bytes read, 0 at end of input,
 * -EFAULT when buf (a program's) cannot take them, or -EINTR when a
 * signal came before any input (none is taken then). */
ssize_t console_read(void *buf, size_t n);

/* console_write() of a program's buffer: n, -EPIPE when the host closed
 * the stream, or the bytes before a page that cannot be read (-EFAULT if
 * none). */
ssize_t console_write_user(int stream, const void *buf, size_t n);

/* The queue that input wakes; its lock guards the input. */
struct waitq *console_input_queue(void);

/* Whether console_read() would return without waiting. */
bool console_input_ready(void);

/* For the shell, which edits lines itself (kernel/shell/): in tty mode,
 * input then passes as typed, without echo, editing or ^D as the end. */
void console_set_raw(bool on);

/* A new open file on the console (file.h) for stream 0, 1 or 2 (0 reads
 * standard input and writes to standard output, as a terminal does):
 * standard input, output and error, /dev/console and /dev/tty. NULL
 * without memory. */
struct file *console_open(int stream, int flags);

/* Set on a panic, and for the report of a program's fatal fault, which is
 * written from the trap: output then goes straight to the UARTs, without
 * taking locks or sleeping. */
extern bool console_panic;

/* Writes to the kernel log channel. */
void console_log(const void *buf, size_t n);

/* Whether standard error and the kernel log share one channel. */
bool console_log_is_stderr(void);

bool console_is_tty(void);

#endif

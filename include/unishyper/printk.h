/*
 * The kernel log.
 *
 * printk() formats with kvsnprintf() and writes to the kernel-log channel
 * (the debug console, or COM1 when there is none): never to the program's
 * output. panic() also writes to the program's standard error so that a
 * crash is always shown, then powers off with status 134.
 */
#ifndef UNISHYPER_PRINTK_H
#define UNISHYPER_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The parts of a fatal report, for code that prints more than a message
 * (the exception handler): panic_begin() starts the report, panic_printf()
 * writes to the kernel log and to standard error, panic_end() prints the
 * backtrace from the frame (rip, rbp) and powers off with status 134.
 */
void panic_begin(void);
void panic_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic_end(unsigned long rip, unsigned long rbp);

/* Copies the last bytes the kernel logged, at most n and at most the
 * ring's 16 KiB, oldest first (the first line may be cut); returns how
 * many. */
size_t printk_log_copy(char *buf, size_t n);

/* Kernel log verbosity: 0 quiet, 1 normal (default), 2 debug. */
extern int printk_level;

#endif

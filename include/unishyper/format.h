/*
 * printf-style formatting for the kernel, with no floating point and no
 * vector registers, so that it is safe in interrupt context.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, with the length modifiers
 * hh h l ll z t j, the flags '-' '0' ' ' '+' '#', a width and a precision
 * (numbers or '*'). Returns the length the full result would have (like
 * snprintf), or -1 when that does not fit an int; writes at most size
 * bytes including the terminating NUL.
 */
#ifndef UNISHYPER_FORMAT_H
#define UNISHYPER_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

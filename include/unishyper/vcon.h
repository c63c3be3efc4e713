/*
 * The virtio console's standard streams (drivers/virtio/console.c), used by
 * the console (kernel/console.c) for every stream the device carries;
 * streams it does not carry stay on the UART.
 */
#ifndef UNISHYPER_VCON_H
#define UNISHYPER_VCON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether a port carries stream 0 (stdin), 1 (stdout) or 2 (stderr). */
bool vcon_has(int stream);

/* Writes n bytes of buf (a program's buffer or the kernel's) to stream 1
 * or 2 and waits until the host has them; returns n, -EPIPE once the host
 * closed the stream, or the bytes before a page that cannot be read
 * (-EFAULT if none). */
long vcon_write(int stream, const void *buf, size_t n);

/* Blocks until input or its end; returns bytes read into buf (a program's
 * buffer), 0 once the host has closed standard input, -EFAULT when none
 * could be stored (the input stays for the next read), -EINTR when a
 * signal came before any input. One reader at a time (the console's
 * lock). */
ssize_t vcon_read(void *buf, size_t n);

/* Whether vcon_read() would not wait; with the console input queue's lock
 * held. */
bool vcon_input_ready_locked(void);

#endif

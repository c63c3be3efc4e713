/*
 * The virtio console's ports (drivers/virtio/console.c): the standard
 * streams, used by the console (kernel/console.c) for every stream the
 * device carries (streams it does not carry stay on the UART), and three
 * lines of the kernel's own: the shell's, a port named "shell"
 * (kernel/shell/) that unishyper-run --shell-socket connects to a UNIX
 * socket on the host, "hostnet", the host network's requests to the
 * launcher (kernel/net/hostnet.c), and "host", a host command's line to
 * its launcher (kernel/hostline.c).
 */
#ifndef UNISHYPER_VCON_H
#define UNISHYPER_VCON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vcon_port;

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

/* The line port named name ("shell", "hostnet" or "host"), or NULL when
 * the device has none. */
struct vcon_port *vcon_line_port(const char *name);

/* Sleeps until the host has the port open (a client connected to its
 * socket). */
void vcon_port_wait_connected(struct vcon_port *p);

/* Blocks until input or the host's close; returns the bytes read into buf
 * (the kernel's), 0 while the host has the port closed. One reader at a
 * time. */
ssize_t vcon_port_read(struct vcon_port *p, void *buf, size_t n);

/* Reads the next line into buf (NUL-terminated, without its '\n'; what
 * does not fit is dropped): the kernel's line ports. false once the host
 * closed the port. */
bool vcon_port_read_line(struct vcon_port *p, char *buf, size_t size);

/* Whether vcon_port_read() would not wait. */
bool vcon_port_ready(struct vcon_port *p);

/* Writes n bytes of buf and waits until the host has them: n, or -EPIPE
 * when the host has the port closed (the bytes are lost). */
long vcon_port_write(struct vcon_port *p, const void *buf, size_t n);

#endif

/*
 * Where the shell runs (include/unishyper/shell.h): on the console in
 * place of the program, or on the virtio-console port named "shell" as a
 * kernel thread beside it. Each is a struct shell_io for the session.
 *
 * On the console the shell reads standard input and writes standard
 * output; on a terminal (unishyper.console=tty) the console passes the
 * keys unedited (console_set_raw) and the shell's editor does the rest.
 * On the port, a session starts when a client connects; it is in line
 * mode until a line ends with a lone CR, which a terminal in raw mode
 * sends and unishyper-run --attach sends first, and ends when the client
 * leaves or types exit (then the shell waits for the client to go).
 */
#include <errno.h>
#include <string.h>

#include <unishyper/console.h>
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/shell.h>
#include <unishyper/vcon.h>

#include "shell-impl.h"

#define PORT_STACK (128 * 1024)

static ssize_t console_in(struct shell_io *io, char *buf, size_t n)
{
	ssize_t r;

	(void)io;
	while ((r = console_read(buf, n)) == -EINTR)
		;
	return r;
}

static bool console_ready(struct shell_io *io)
{
	(void)io;
	return console_input_ready();
}

static long console_out(struct shell_io *io, const char *buf, size_t n)
{
	(void)io;
	return console_write(1, buf, n);
}

_Noreturn void shell_console(char **envp)
{
	static struct shell_io io = { console_in, console_ready, console_out, NULL };
	struct shell *sh = kmalloc(sizeof(*sh));

	if (!sh)
		process_exit(125);
	strcpy(current()->name, "shell");
	printk("unishyper: the shell has the console\n");
	console_set_raw(console_is_tty());
	shell_init(sh, &io, console_is_tty(), envp);
	shell_run(sh);
	process_exit(sh->exit_status);
}

static ssize_t port_in(struct shell_io *io, char *buf, size_t n)
{
	return vcon_port_read(io->priv, buf, n);
}

static bool port_ready(struct shell_io *io)
{
	return vcon_port_ready(io->priv);
}

static long port_out(struct shell_io *io, const char *buf, size_t n)
{
	return vcon_port_write(io->priv, buf, n);
}

/* The port's thread: one session per client, for ever. */
static void port_loop(void *arg)
{
	struct shell *sh = arg;
	char drain[64];

	for (;;) {
		vcon_port_wait_connected(sh->io->priv);
		sh->edit.tty = false;
		sh->edit.cr_means_tty = true;
		shell_run(sh);
		if (sh->leave)
			port_out(sh->io, "logout\r\n", 8);
		while (port_in(sh->io, drain, sizeof(drain)) > 0)
			; /* until the client has gone */
	}
}

int shell_port_start(char **envp)
{
	static struct shell_io io = { port_in, port_ready, port_out, NULL };
	struct shell *sh;

	if (!(io.priv = vcon_line_port("shell")))
		return -ENODEV;
	if (!(sh = kmalloc(sizeof(*sh))))
		return -ENOMEM;
	shell_init(sh, &io, false, envp);
	if (!sched_spawn("shell", port_loop, sh, PORT_STACK)) {
		kfree(sh);
		return -ENOMEM;
	}
	printk("unishyper: the shell is on the port named shell\n");
	return 0;
}

/*
 * The console as a file: read and write, and the terminal ioctls that
 * programs and musl's stdio use (TCGETS/TCSETS*, TIOCGWINSZ). In pipe mode
 * the console is not a terminal, so those answer -ENOTTY and stdio buffers
 * fully, as it would with a pipe on Linux.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/uaccess.h>

/* The kernel's struct termios (not libc's larger one). */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};

static struct ktermios tty_termios = {
	.c_iflag = 0x0500,		/* ICRNL | IXON */
	.c_oflag = 0x0005,		/* OPOST | ONLCR */
	.c_cflag = 0x00bf,		/* B38400 | CS8 | CREAD */
	.c_lflag = 0x8a3b,		/* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
};

static ssize_t tty_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	(void)f;
	(void)off;
	return console_read(buf, n);
}

static ssize_t tty_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	(void)off;
	long r = console_write_user(f->stream, buf, n);
	if (r == -EPIPE)
		signal_send(current(), SIGPIPE);
	return r;
}

static long tty_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	void *p = (void *)arg;

	(void)f;
	if (!console_is_tty())
		return -ENOTTY;
	switch (cmd) {
	case TCGETS:
		return uaccess_to(p, &tty_termios, sizeof(tty_termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return uaccess_from(&tty_termios, p, sizeof(tty_termios));
	case TIOCGWINSZ: {
		struct winsize ws = { .ws_row = 24, .ws_col = 80 };
		return uaccess_put((struct winsize *)p, ws);
	}
	default:
		return -ENOTTY;
	}
}

static short tty_poll(struct file *f, short events)
{
	(void)f;
	return (events & (POLLOUT | POLLWRNORM)) |
	       (console_input_ready_locked() ? events & (POLLIN | POLLRDNORM) : 0);
}

static const struct file_ops tty_ops = {
	.read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll,
};

struct file *tty_open(int stream, int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (f)
		*f = (struct file){ .ops = &tty_ops, .refs = 1, .flags = flags, .stream = stream };
	return f;
}

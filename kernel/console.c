/*
 * The console streams and the terminal line discipline.
 *
 * See include/unishyper/console.h for the contract. A stream the virtio
 * console carries goes there (include/unishyper/vcon.h), the rest to the
 * UARTs. Bytes received on COM1 are queued by its interrupt handler under
 * the input queue's lock, and wake the readers sleeping on it (the virtio
 * console wakes the same queue); one reader at a time reads or edits a
 * line. UART output takes a spinlock so that lines from several CPUs do
 * not mix.
 *
 * The console is also one kind of open file (include/unishyper/file.h):
 * standard input, output and error, /dev/console and /dev/tty are all
 * files of these operations, with the terminal ioctls programs and musl's
 * stdio use (TCGETS/TCSETS*, TIOCGWINSZ). A stream whose host end is not
 * a terminal answers those with -ENOTTY, and stdio buffers fully, as it
 * would with a pipe on Linux.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/mutex.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/uaccess.h>
#include <unishyper/uart.h>
#include <unishyper/vcon.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

#define RX_SIZE 4096
#define LINE_MAX 4096
#define EOT 0x04
#define OUT_PIECE 1024

static bool have_com2, have_debugcon, tty_mode = true, raw, input_ended;
bool console_panic;
static unsigned char rx[RX_SIZE];
static unsigned rx_head, rx_tail;
static char line[LINE_MAX];
static size_t line_len, line_pos;
static bool line_ready, line_eof;
static struct waitq rx_wq = WAITQ_INIT(rx_wq);  /* its lock guards rx[] */
static struct mutex reader = MUTEX_INIT(reader); /* guards the line state */
static spinlock_t out_lock = SPINLOCK_INIT;

/* What the host has at the end of each output stream (END_MODE: what the
 * input mode says), and the terminal size it reports. */
enum end { END_MODE, END_TTY, END_PIPE, END_FULL };
static enum end out_end[3];
static struct winsize winsize = { .ws_row = 24, .ws_col = 80 };

void console_early_init(void)
{
	uart_probe(UART_COM1);
	have_com2 = uart_probe(UART_COM2);
	have_debugcon = debugcon_probe();
}

int console_set_mode(const char *mode)
{
	if (!mode || !strcmp(mode, "tty"))
		tty_mode = true;
	else if (!strcmp(mode, "pipe"))
		tty_mode = false;
	else
		return -EINVAL;
	return 0;
}

int console_set_output(int stream, const char *kind)
{
	if (!kind)
		out_end[stream] = END_MODE;
	else if (!strcmp(kind, "tty"))
		out_end[stream] = END_TTY;
	else if (!strcmp(kind, "pipe"))
		out_end[stream] = END_PIPE;
	else if (!strcmp(kind, "full"))
		out_end[stream] = END_FULL;
	else
		return -EINVAL;
	return 0;
}

int console_set_winsize(const char *size)
{
	unsigned long v[2] = { 0, 0 };
	int i = 0;

	if (!size)
		return 0;
	for (const char *p = size; *p; p++) {
		if (*p == 'x' && i == 0 && p != size)
			i = 1;
		else if (*p >= '0' && *p <= '9' && v[i] < 65536)
			v[i] = v[i] * 10 + (unsigned long)(*p - '0');
		else
			return -EINVAL;
	}
	if (i != 1 || !v[0] || !v[1] || v[0] > 65535 || v[1] > 65535)
		return -EINVAL;
	winsize = (struct winsize){ .ws_col = (unsigned short)v[0], .ws_row = (unsigned short)v[1] };
	return 0;
}

/* What the host has at the end of stream 0, 1 or 2. */
static enum end stream_end(int stream)
{
	if (stream == 0 || out_end[stream] == END_MODE)
		return tty_mode ? END_TTY : END_PIPE;
	return out_end[stream];
}

bool console_is_tty(void)
{
	return tty_mode;
}

void console_set_raw(bool on)
{
	mutex_lock(&reader);
	raw = on;
	mutex_unlock(&reader);
}

static void rx_drain(void)
{
	int c;

	while ((c = uart_getc(UART_COM1)) >= 0)
		if (rx_head - rx_tail < RX_SIZE)
			rx[rx_head++ % RX_SIZE] = (unsigned char)c;
}

static void rx_interrupt(struct trap_frame *f)
{
	(void)f;
	spin_lock(&rx_wq.lock);
	rx_drain();
	spin_unlock(&rx_wq.lock);
	waitq_wake_all(&rx_wq);
}

void console_init_irq(void)
{
	trap_set_handler(TRAP_IRQ_BASE + 4, rx_interrupt);
	ioapic_route(4, TRAP_IRQ_BASE + 4);
	uart_enable_rx_irq(UART_COM1);
}

/* Runs under rx_wq's lock. */
static bool rx_waiting(void *arg)
{
	(void)arg;
	rx_drain();
	return rx_head != rx_tail;
}

/* Next input byte; sleeps until one arrives. */
static int rx_get(void)
{
	for (;;) {
		waitq_wait(&rx_wq, rx_waiting, NULL, SCHED_FOREVER, false);
		unsigned long flags = spin_lock_irqsave(&rx_wq.lock);
		int c = rx_head != rx_tail ? rx[rx_tail++ % RX_SIZE] : -1;
		spin_unlock_irqrestore(&rx_wq.lock, flags);
		if (c >= 0)
			return c;
	}
}

static bool rx_available(void)
{
	unsigned long flags = spin_lock_irqsave(&rx_wq.lock);
	bool any = rx_waiting(NULL);

	spin_unlock_irqrestore(&rx_wq.lock, flags);
	return any;
}

/* Whether console_read() would return without waiting; rx_wq locked. */
static bool input_ready_locked(void)
{
	if (vcon_has(0))
		return vcon_input_ready_locked();
	bool ready = input_ended || line_ready;

	rx_drain();
	for (unsigned i = rx_tail; !ready && i != rx_head; i++) {
		unsigned char c = rx[i % RX_SIZE];
		ready = !tty_mode || raw || c == '\r' || c == '\n' || c == EOT;
	}
	return ready;
}

struct waitq *console_input_queue(void)
{
	return &rx_wq;
}

bool console_input_ready(void)
{
	unsigned long flags = spin_lock_irqsave(&rx_wq.lock);
	bool ready = input_ready_locked();

	spin_unlock_irqrestore(&rx_wq.lock, flags);
	return ready;
}

static bool panicking(void)
{
	return console_panic;
}

long console_write(int stream, const void *buf, size_t n)
{
	uint16_t port = stream == 2 && have_com2 ? UART_COM2 : UART_COM1;

	if (panicking()) {
		uart_write(port, buf, n);
		return (long)n;
	}
	if (vcon_has(stream))
		return vcon_write(stream, buf, n);
	/* In pieces, so interrupts are never off for long; a piece from one
	 * writer never mixes with another's. */
	for (size_t done = 0; done < n;) {
		size_t k = n - done < OUT_PIECE ? n - done : OUT_PIECE;
		unsigned long flags = spin_lock_irqsave(&out_lock);
		uart_write(port, (const char *)buf + done, k);
		spin_unlock_irqrestore(&out_lock, flags);
		done += k;
	}
	return (long)n;
}

void console_log(const void *buf, size_t n)
{
	unsigned long flags = 0;

	if (!panicking())
		flags = spin_lock_irqsave(&out_lock);
	if (have_debugcon)
		debugcon_write(buf, n);
	else
		uart_write(UART_COM1, buf, n);
	if (!panicking())
		spin_unlock_irqrestore(&out_lock, flags);
}

bool console_log_is_stderr(void)
{
	return !have_debugcon && !have_com2;
}

static void echo(const char *s, size_t n)
{
	console_write(1, s, n);
}

/* Reads one edited line into line[] (tty mode). */
static void read_line(void)
{
	line_len = line_pos = 0;
	line_eof = false;
	for (;;) {
		int c = rx_get();
		if (c == '\r' || c == '\n') {
			echo("\r\n", 2);
			line[line_len++] = '\n';
			break;
		}
		if (c == EOT) {
			line_eof = line_len == 0;
			break;
		}
		if (c == 0x7f || c == 0x08) {
			if (line_len) {
				line_len--;
				echo("\b \b", 3);
			}
			continue;
		}
		if (c == 0x15) { /* ^U: erase the line */
			for (; line_len; line_len--)
				echo("\b \b", 3);
			continue;
		}
		if (line_len < LINE_MAX - 1) {
			line[line_len++] = (char)c;
			echo((char *)&c, 1);
		}
	}
	line_ready = true;
}

static size_t read_locked(char *p, size_t n)
{
	size_t got = 0;

	if (!tty_mode || raw) {
		if (input_ended)
			return 0;
		/* Return what is there, but wait for at least one byte. */
		do {
			int c = rx_get();
			if (c == EOT && !raw) {
				input_ended = true;
				break;
			}
			p[got++] = (char)c;
		} while (got < n && rx_available());
		return got;
	}
	if (!line_ready)
		read_line();
	if (line_eof) {
		line_ready = false;
		return 0;
	}
	got = line_len - line_pos < n ? line_len - line_pos : n;
	memcpy(p, line + line_pos, got);
	line_pos += got;
	if (line_pos == line_len)
		line_ready = false;
	return got;
}

/* Over the UARTs, program buffers are filled and emptied through a bounce
 * buffer on the stack, so the input and output paths never touch program
 * memory; the virtio console copies with the program-memory routines
 * itself. */
#define BOUNCE 1024

ssize_t console_read(void *buf, size_t n)
{
	char k[BOUNCE];
	ssize_t got;

	if (!n)
		return 0;
	mutex_lock(&reader);
	if (vcon_has(0)) {
		got = vcon_read(buf, n);
	} else if (!(tty_mode && !raw ? line_ready : input_ended) &&
		   waitq_wait(&rx_wq, rx_waiting, NULL, SCHED_FOREVER, true)) {
		got = -EINTR; /* a signal before any input: nothing taken */
	} else if (uaccess_writable(buf, n < BOUNCE ? n : BOUNCE)) {
		got = -EFAULT; /* checked first: input taken is never lost */
	} else {
		got = (ssize_t)read_locked(k, n < BOUNCE ? n : BOUNCE);
		if (uaccess_copy(buf, k, (size_t)got))
			got = -EFAULT;
	}
	mutex_unlock(&reader);
	return got;
}

ssize_t console_write_user(int stream, const void *buf, size_t n)
{
	char k[BOUNCE];

	if (vcon_has(stream) && !panicking())
		return vcon_write(stream, buf, n);
	for (size_t done = 0; done < n; done += BOUNCE) {
		size_t len = n - done < BOUNCE ? n - done : BOUNCE;
		if (uaccess_copy(k, (const char *)buf + done, len))
			return done ? (ssize_t)done : -EFAULT;
		console_write(stream, k, len);
	}
	return (ssize_t)n;
}

/* The console as an open file. */

/* The kernel's struct termios (not libc's larger one). */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};

static struct ktermios termios = {
	.c_iflag = 0x0500,		/* ICRNL | IXON */
	.c_oflag = 0x0005,		/* OPOST | ONLCR */
	.c_cflag = 0x00bf,		/* B38400 | CS8 | CREAD */
	.c_lflag = 0x8a3b,		/* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
};

static ssize_t file_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	return off ? -ESPIPE : console_read(buf, n);
}

static ssize_t file_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	int stream = (int)(intptr_t)f->priv;

	if (off)
		return -ESPIPE;
	if (stream_end(stream) == END_FULL)
		return -ENOSPC;
	ssize_t r = console_write_user(stream ? stream : 1, buf, n);
	if (r == -EPIPE)
		signal_send(current(), SIGPIPE);
	return r;
}

static long file_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	void *p = (void *)arg;

	if (stream_end((int)(intptr_t)f->priv) != END_TTY)
		return -ENOTTY;
	switch (cmd) {
	case TCGETS:
		return uaccess_to(p, &termios, sizeof(termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return uaccess_from(&termios, p, sizeof(termios));
	case TIOCGWINSZ:
		return uaccess_put((struct winsize *)p, winsize);
	default:
		return -ENOTTY;
	}
}

static short file_poll(struct file *f, short events, struct poll_table *pt)
{
	poll_wait(pt, &rx_wq);
	unsigned long flags = spin_lock_irqsave(&rx_wq.lock);
	bool in = input_ready_locked();
	spin_unlock_irqrestore(&rx_wq.lock, flags);
	return (events & (POLLOUT | POLLWRNORM)) | (in ? events & (POLLIN | POLLRDNORM) : 0);
}

/* A terminal as /dev/pts/0 shows itself on Linux, /dev/full as itself,
 * anything else as a pipe. */
static int file_stat(struct file *f, struct vfs_attr *a)
{
	switch (stream_end((int)(intptr_t)f->priv)) {
	case END_TTY:
		*a = (struct vfs_attr){ .ino = 3, .mode = S_IFCHR | 0620, .nlink = 1,
					.blksize = 1024, .rdev = 0x8800 };
		break;
	case END_FULL:
		*a = (struct vfs_attr){ .ino = 7, .mode = S_IFCHR | 0666, .nlink = 1,
					.blksize = 4096, .rdev = 0x107 };
		break;
	default:
		*a = (struct vfs_attr){ .ino = 4, .mode = S_IFIFO | 0600, .nlink = 1,
					.blksize = 4096 };
	}
	return 0;
}

static const struct file_ops console_file_ops = {
	.read = file_read, .write = file_write, .ioctl = file_ioctl, .poll = file_poll,
	.stat = file_stat,
};

struct file *console_open(int stream, int flags)
{
	return file_alloc(&console_file_ops, (void *)(intptr_t)stream, flags);
}

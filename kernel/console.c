/*
 * The console streams and the terminal line discipline.
 *
 * See include/unishyper/console.h for the contract. Received bytes are
 * queued by the COM1 interrupt handler; a reader sleeps with hlt until the
 * queue has what it needs (a whole line in tty mode).
 */
#include <errno.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <unishyper/console.h>
#include <unishyper/uart.h>

#define RX_SIZE 4096
#define LINE_MAX 4096
#define EOT 0x04

static bool have_com2, have_debugcon, tty_mode = true, input_ended;
static unsigned char rx[RX_SIZE];
static unsigned rx_head, rx_tail;
static char line[LINE_MAX];
static size_t line_len, line_pos;
static bool line_ready, line_eof;

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

bool console_is_tty(void)
{
	return tty_mode;
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
	rx_drain();
}

void console_init_irq(void)
{
	trap_set_handler(TRAP_IRQ_BASE + 4, rx_interrupt);
	ioapic_route(4, TRAP_IRQ_BASE + 4);
	uart_enable_rx_irq(UART_COM1);
}

/* Next input byte; sleeps until one arrives. */
static int rx_get(void)
{
	unsigned long flags = irq_save();
	int c;

	rx_drain();
	while (rx_head == rx_tail) {
		cpu_idle();
		rx_drain();
	}
	c = rx[rx_tail++ % RX_SIZE];
	irq_restore(flags);
	return c;
}

bool console_input_ready(void)
{
	unsigned long flags = irq_save();
	bool ready = input_ended || line_ready;

	rx_drain();
	for (unsigned i = rx_tail; !ready && i != rx_head; i++) {
		unsigned char c = rx[i % RX_SIZE];
		ready = !tty_mode || c == '\r' || c == '\n' || c == EOT;
	}
	irq_restore(flags);
	return ready;
}

void console_write(int stream, const void *buf, size_t n)
{
	uart_write(stream == 2 && have_com2 ? UART_COM2 : UART_COM1, buf, n);
}

void console_log(const void *buf, size_t n)
{
	if (have_debugcon)
		debugcon_write(buf, n);
	else
		uart_write(UART_COM1, buf, n);
}

bool console_log_is_stderr(void)
{
	return !have_debugcon && !have_com2;
}

static void echo(const char *s, size_t n)
{
	uart_write(UART_COM1, s, n);
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

size_t console_read(void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	if (!n)
		return 0;
	if (!tty_mode) {
		if (input_ended)
			return 0;
		/* Return what is there, but wait for at least one byte. */
		do {
			int c = rx_get();
			if (c == EOT) {
				input_ended = true;
				break;
			}
			p[got++] = (char)c;
		} while (got < n && rx_head != rx_tail);
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

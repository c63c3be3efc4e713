/*
 * 16550 UART driver, polled output and interrupt-driven input.
 *
 * A UART is detected by writing and reading back its scratch register, so
 * an absent COM2 is noticed and its stream falls back to COM1. The line
 * speed is irrelevant in a virtual machine and left at 115200 baud. The
 * FIFOs stay off: turning them on discards what has already been received,
 * and QEMU starts sending input before the kernel runs.
 */
#include <arch/cpu.h>
#include <unishyper/uart.h>

#define THR 0 /* transmit holding (write) / receive buffer (read) */
#define IER 1
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define LSR_DR 0x01
#define LSR_THRE 0x20

bool uart_probe(uint16_t base)
{
	outb(base + SCR, 0x5a);
	if (inb(base + SCR) != 0x5a)
		return false;
	outb(base + SCR, 0xa5);
	if (inb(base + SCR) != 0xa5)
		return false;
	outb(base + IER, 0);
	outb(base + LCR, 0x80); /* divisor latch */
	outb(base + 0, 1);
	outb(base + 1, 0);
	outb(base + LCR, 0x03); /* 8N1 */
	outb(base + MCR, 0x0b); /* DTR, RTS, OUT2 (interrupts to the PIC/IOAPIC) */
	return true;
}

void uart_write(uint16_t base, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n--) {
		while (!(inb(base + LSR) & LSR_THRE))
			cpu_pause();
		outb(base + THR, *p++);
	}
}

int uart_getc(uint16_t base)
{
	if (!(inb(base + LSR) & LSR_DR))
		return -1;
	return inb(base + THR);
}

void uart_enable_rx_irq(uint16_t base)
{
	outb(base + IER, 0x01);
}

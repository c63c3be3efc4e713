/*
 * 16550 UART on an I/O port (COM1 0x3f8, COM2 0x2f8) and the debug console
 * port (0xe9): the byte channels the console and the kernel log use.
 */
#ifndef UNISHYPER_UART_H
#define UNISHYPER_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8

/* Checks that a UART answers at base and sets it up (8N1, FIFO on). */
bool uart_probe(uint16_t base);

/* Writes n bytes, waiting while the transmitter is busy. */
void uart_write(uint16_t base, const void *buf, size_t n);

/* Returns the next received byte, or -1 when none is waiting. */
int uart_getc(uint16_t base);

/* Raises the UART's interrupt line whenever a byte arrives. */
void uart_enable_rx_irq(uint16_t base);

/* Checks for the debug console device (QEMU isa-debugcon) at port 0xe9. */
bool debugcon_probe(void);
void debugcon_write(const void *buf, size_t n);

#endif

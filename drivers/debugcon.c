/*
 * QEMU's debug console: a write-only byte port at 0xe9 that QEMU sends to a
 * chardev. Reading the port gives 0xe9 when the device is present.
 */
#include <arch/cpu.h>
#include <unishyper/uart.h>

#define DEBUGCON_PORT 0xe9

bool debugcon_probe(void)
{
	return inb(DEBUGCON_PORT) == DEBUGCON_PORT;
}

void debugcon_write(const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n--)
		outb(DEBUGCON_PORT, *p++);
}

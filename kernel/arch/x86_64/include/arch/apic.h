/*
 * Local APIC (xAPIC, memory-mapped) and I/O APIC: interrupt delivery and
 * the one-shot timer that wakes a halted CPU.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdint.h>

/* Maps and enables the local and I/O APICs, masks the legacy PIC. */
void apic_init(void);

/* Acknowledges the interrupt being handled. */
void apic_eoi(void);

/* Delivers ISA interrupt line irq as vector on this CPU. */
void ioapic_route(int irq, int vector);

/* Arms the one-shot timer to fire after ns nanoseconds (0 disarms). */
void apic_timer_oneshot(uint64_t ns);

#endif

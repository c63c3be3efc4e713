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

/* Delivers interrupt line irq (0-23 on the first I/O APIC, 24-47 on
 * microvm's second one) as vector to the boot CPU. */
void ioapic_route(int irq, int vector);

/* How many interrupt lines the I/O APICs have: 24, or 48 with a second. */
int ioapic_lines(void);

/* Finishes measuring the local APIC timer's rate, begun by apic_init()
 * (boot CPU, once, before the timer is used). */
void apic_timer_calibrate(void);

/* Arms this CPU's one-shot timer to fire after ns nanoseconds (0 disarms). */
void apic_timer_oneshot(uint64_t ns);

/* Sets up an application processor's own local APIC. */
void apic_init_ap(void);

/* This CPU's local APIC id. */
uint32_t apic_id(void);

/* Sends vector to the CPU with local APIC id, or to all others. */
void apic_send_ipi(uint32_t id, int vector);
void apic_broadcast_ipi(int vector);

/* INIT, then SIPI twice, starting the CPU at physical entry (page-aligned,
 * below 1 MiB). */
void apic_start_ap(uint32_t id, uint64_t entry);

#endif

/*
 * Bringing up the other CPUs that the firmware tables list.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* Starts every CPU found in the ACPI MADT or the MP table; each enters the
 * scheduler's idle loop. Needs the allocators, the scheduler and the APIC. */
void smp_init(void);

/* Halts every other CPU for good, keeping their state (for a panic). */
void smp_stop_others(void);

#endif

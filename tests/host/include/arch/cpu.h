/*
 * Host stand-in for kernel/arch/x86_64/include/arch/cpu.h, for the host
 * unit tests: single-threaded, so interrupt control and pausing do nothing.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

static inline unsigned long irq_save(void) { return 0; }
static inline void irq_restore(unsigned long f) { (void)f; }
static inline void spin_pause(void) {}

#endif

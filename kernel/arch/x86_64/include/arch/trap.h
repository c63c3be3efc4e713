/*
 * Interrupts and exceptions: the saved register frame and the handlers
 * that device code registers for its interrupt vectors.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

/* Registers as entry.S saves them, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Bytes under a program's stack pointer that its code may use (the
 * x86_64 red zone): nothing the kernel places on that stack goes there. */
#define ARCH_RED_ZONE 128

/* First vector for device interrupts; 32 + IRQ line for the I/O APIC. */
#define TRAP_IRQ_BASE 32
#define TRAP_TIMER 0xf0
#define TRAP_RESCHED 0xf1   /* IPI: look at the run queue */
#define TRAP_TLB 0xf2       /* IPI: flush the TLB */
#define TRAP_STOP 0xf3      /* IPI: halt for good */
#define TRAP_SPURIOUS 0xff

typedef void (*trap_handler_t)(struct trap_frame *f);

/* Sets the handler of a vector; the handler runs with interrupts off. */
void trap_set_handler(int vector, trap_handler_t h);

/* Called by entry.S for every vector. */
void trap_dispatch(struct trap_frame *f);

/* Prints the registers of f to the kernel log and to standard error. */
void trap_dump(const struct trap_frame *f);

#endif

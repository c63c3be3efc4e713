/*
 * The x86_64 side of per-CPU data: %gs holds the address of the CPU's
 * struct cpu (its first word points to itself), so this_cpu() is one load.
 * The kernel owns %gs; programs get -EINVAL for ARCH_SET_GS.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stddef.h>
#include <stdint.h>

struct cpu;
struct trap_frame;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

struct arch_cpu {
	uint64_t gdt[5];
	struct tss tss;
	uintptr_t ist_top;   /* interrupts; also the stack a switch passes over */
	int trap_depth;      /* nested exceptions: only a page fault may nest */
	uint64_t tlb_seen;   /* the last TLB flush request served */
	uintptr_t call_top;  /* arch_call_on_cpu_stack(); 0 until first used */
};

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Loads this CPU's descriptor tables, stacks, %gs, syscall MSRs and FPU
 * state; c->arch.ist_top must be set. */
void arch_cpu_init(struct cpu *c);

/*
 * Saves the calling thread's registers into save (it resumes by returning
 * from this call), clears *on_cpu, then loads the registers of load using
 * the stack at stack_top. Interrupts must be off.
 */
void arch_switch(struct trap_frame *save, const struct trap_frame *load,
		 volatile int *on_cpu, uintptr_t stack_top);

/* Calls fn(arg) on the stack whose top is top; fn does not return. */
_Noreturn void arch_run_on_stack(uintptr_t top, void (*fn)(void *), void *arg);

/* Calls fn(arg) with the stack pointer at top (aligned down to 16 bytes)
 * and returns its result. */
long arch_call_on_stack(uintptr_t top, long (*fn)(void *), void *arg);

/* Calls fn(arg) on a stack of this CPU's own and returns its result.
 * Interrupts must be off until it returns. Runs on the caller's stack
 * when that stack cannot be allocated. */
long arch_call_on_cpu_stack(long (*fn)(void *), void *arg);

/* Makes f resume its registers: %rsp, %rip and the flags from f. */
_Noreturn void arch_resume(const struct trap_frame *f);

/* As setjmp: writes the caller's registers into f and returns 0; a later
 * arch_resume(f) returns from it again, with 1. */
__attribute__((returns_twice)) int arch_frame_save(struct trap_frame *f);

/* A frame that starts at rip with stack pointer rsp, interrupts on. */
void arch_frame_init(struct trap_frame *f, uintptr_t rip, uintptr_t rsp);
/* Sets the first argument of the function a new frame starts in. */
void arch_frame_set_arg(struct trap_frame *f, uintptr_t arg);

/* Vector register state: its size, saving, restoring, and a clean state. */
size_t arch_fpu_size(void);
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);
void arch_fpu_init_state(void *area);
/* Makes a state the program handed back (a signal context) safe to
 * restore: reserved bits it may not set are cleared. */
void arch_fpu_sanitize(void *area);

void arch_set_fs_base(uint64_t base);

#endif

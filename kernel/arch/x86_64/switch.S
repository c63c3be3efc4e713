/*
 * arch_switch(save, load, on_cpu, stack_top): the voluntary thread switch.
 *
 * Writes the caller's registers into *save as a struct trap_frame whose
 * rip/rsp make it resume as if this function had returned, clears *on_cpu
 * once nothing of the old thread is in use any more (from then on another
 * CPU may run it), copies *load onto the per-CPU stack and returns into it
 * with iretq, exactly as an interrupt returns. Interrupts are off.
 */
#include "frame.h"
#define F_R15 0
#define F_RAX 112
#define F_RIP 136
#define F_CS 144
#define F_RFLAGS 152
#define F_RSP 160
#define F_SS 168
#define FRAME_SIZE 176

/* Writes the caller's registers into the frame at %rdi so that it resumes
 * as if the function had returned, with %rax = \rax. Clobbers %rax. */
	.macro SAVE_CALLER_FRAME rax
	mov %r15, 0(%rdi)
	mov %r14, 8(%rdi)
	mov %r13, 16(%rdi)
	mov %r12, 24(%rdi)
	mov %r11, 32(%rdi)
	mov %r10, 40(%rdi)
	mov %r9, 48(%rdi)
	mov %r8, 56(%rdi)
	mov %rbp, 64(%rdi)
	mov %rdi, 72(%rdi)
	mov %rsi, 80(%rdi)
	mov %rdx, 88(%rdi)
	mov %rcx, 96(%rdi)
	mov %rbx, 104(%rdi)
	movq \rax, F_RAX(%rdi)
	movq $0, 120(%rdi)
	movq $0, 128(%rdi)
	mov (%rsp), %rax
	mov %rax, F_RIP(%rdi)
	movq $0x08, F_CS(%rdi)
	pushfq
	pop %rax
	mov %rax, F_RFLAGS(%rdi)
	lea 8(%rsp), %rax
	mov %rax, F_RSP(%rdi)
	movq $0x10, F_SS(%rdi)
	.endm

	.text
	.globl arch_switch
	.hidden arch_switch
arch_switch:
	SAVE_CALLER_FRAME %rax

	/* Off the old stack, then the old thread may run elsewhere. */
	mov %rcx, %rsp
	sub $FRAME_SIZE, %rsp
	movl $0, (%rdx)

	mov %rsp, %rdi
	mov $(FRAME_SIZE / 8), %ecx
	cld
	rep movsq
	RESTORE_FRAME

/*
 * arch_frame_save(frame): as setjmp, returns 0 after writing the caller's
 * registers into frame; arch_resume(frame) returns from it again, with 1.
 */
	.globl arch_frame_save
	.hidden arch_frame_save
arch_frame_save:
	SAVE_CALLER_FRAME $1
	xor %eax, %eax
	ret

/*
 * arch_run_on_stack(top, fn, arg): calls fn(arg) with %rsp = top (16-byte
 * aligned); fn never returns. Interrupts must be off when top is the
 * CPU's interrupt stack.
 */
	.globl arch_run_on_stack
	.hidden arch_run_on_stack
arch_run_on_stack:
	mov %rdi, %rsp
	and $-16, %rsp
	xor %ebp, %ebp
	mov %rdx, %rdi
	call *%rsi
	ud2

/* long arch_call_on_stack(top, fn, arg): fn(arg) with %rsp = top. */
	.globl arch_call_on_stack
	.hidden arch_call_on_stack
arch_call_on_stack:
	push %rbp
	mov %rsp, %rbp
	mov %rdi, %rsp
	and $-16, %rsp
	mov %rdx, %rdi
	call *%rsi
	mov %rbp, %rsp
	pop %rbp
	ret

/* arch_resume(frame): loads the registers of a struct trap_frame. */
	.globl arch_resume
	.hidden arch_resume
arch_resume:
	mov %rdi, %rsp
	RESTORE_FRAME

	.section .note.GNU-stack, "", @progbits

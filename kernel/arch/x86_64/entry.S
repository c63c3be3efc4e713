/*
 * Entries into the kernel that are not function calls: the 256 interrupt
 * and exception vectors, and the `syscall` instruction of unmodified
 * executables.
 *
 * Vectors run on IST stacks (cpu.c sets the IDT), so the interrupted code's
 * red zone is never written. Each stub pushes an error code (zero where the
 * CPU pushes none) and its vector number, then trap_common saves the general
 * registers as a struct trap_frame and calls trap_dispatch(frame). Kernel C
 * code is built without vector registers, so they need no saving here.
 */
#include "frame.h"
	.text
	.code64

/* 16 bytes per vector; the CPU pushes an error code for 8, 10-14, 17, 21, 29, 30. */
	.balign 16
	.globl trap_vectors
	.hidden trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	.balign 16
	.if (i == 8) || (i >= 10 && i <= 14) || (i == 17) || (i == 21) || (i == 29) || (i == 30)
	pushq $i
	.else
	pushq $0
	pushq $i
	.endif
	jmp trap_common
	.set i, i + 1
	.endr

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap_dispatch
	RESTORE_FRAME

/*
 * The `syscall` instruction, ring 0 to ring 0: %rax holds the number, the
 * arguments are in %rdi %rsi %rdx %r10 %r8 %r9, %rcx the return address and
 * %r11 the flags. The stack is the caller's, so step below its red zone
 * first. As on Linux, only %rax, %rcx and %r11 change.
 */
	.globl syscall_entry
	.hidden syscall_entry
syscall_entry:
	lea -128(%rsp), %rsp
	push %rcx
	push %r11
	push %rbp
	mov %rsp, %rbp
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	and $-16, %rsp
	sub $8, %rsp
	push %r9
	mov %r8, %r9
	mov %r10, %r8
	mov %rdx, %rcx
	mov %rsi, %rdx
	mov %rdi, %rsi
	mov %rax, %rdi
	call sys_dispatch
	lea -48(%rbp), %rsp
	pop %r9
	pop %r8
	pop %r10
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	mov (%rsp), %r11
	popfq
	pop %rcx
	lea 128(%rsp), %rsp
	jmp *%rcx

	.section .note.GNU-stack, "", @progbits

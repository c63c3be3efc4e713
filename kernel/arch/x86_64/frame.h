/*
 * The register layout of struct trap_frame, for assembly: the general
 * registers as entry.S saves them, then vector, error code and the CPU's
 * interrupt frame. RESTORE_FRAME pops a frame at %rsp and returns into it.
 */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

	.macro RESTORE_FRAME
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp /* vector and error code */
	iretq
	.endm

#endif

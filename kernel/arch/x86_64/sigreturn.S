/*
 * The return address of a signal handler's frame (signal.c): the handler's
 * `ret` leaves %rsp at the frame's ucontext_t, which goes to
 * arch_signal_return() on an aligned stack below it.
 */
	.text
	.code64
	.globl signal_return
	.hidden signal_return
signal_return:
	mov %rsp, %rdi
	and $-16, %rsp
	xor %ebp, %ebp
	call arch_signal_return
	ud2

	.section .note.GNU-stack, "", @progbits

/* Unishyper: the cancellable system call of musl as a function call.
 *
 * long __syscall_cp_asm(volatile int *cancel, long nr, u, v, w, x, y, z)
 * calls sys_dispatch(nr, u, v, w, x, y, z) instead of executing `syscall`.
 * musl's cancellation contract is kept: a cancel signal that arrives with
 * the PC in [__cp_begin, __cp_end) has not let the call start, and the
 * handler resumes at __cp_cancel, which must leave the stack as it was at
 * entry so that __cancel() can return -ECANCELED to our caller. The only
 * stack change, the slot for z, is therefore made before __cp_begin and
 * undone at __cp_cancel; %rsp is the same at every PC of the range. */
	.text
	.global __cp_begin
	.hidden __cp_begin
	.global __cp_end
	.hidden __cp_end
	.global __cp_cancel
	.hidden __cp_cancel
	.hidden __cancel
	.global __syscall_cp_asm
	.hidden __syscall_cp_asm
	.type __syscall_cp_asm,@function
__syscall_cp_asm:
	pushq 16(%rsp)          /* z: 7th argument, %rsp now 16-byte aligned */
__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov %rsi,%rdi           /* nr */
	mov %rdx,%rsi           /* u */
	mov %rcx,%rdx           /* v */
	mov %r8,%rcx            /* w */
	mov %r9,%r8             /* x */
	mov 16(%rsp),%r9        /* y */
	call sys_dispatch
__cp_end:
	add $8,%rsp
	ret
__cp_cancel:
	add $8,%rsp
	jmp __cancel
	.size __syscall_cp_asm,.-__syscall_cp_asm

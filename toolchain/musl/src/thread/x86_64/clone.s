/* Unishyper: musl's __clone as a function call into the kernel.
 *
 * int __clone(int (*func)(void *), void *stack, int flags, void *arg,
 *             pid_t *ptid, void *tls, pid_t *ctid)
 * pushes func and arg on the new stack (16-byte aligned) and calls
 * sys_dispatch(56, flags, stack, ptid, ctid, tls, child_entry). The kernel
 * starts the child at child_entry (the label below) with %rsp = stack and
 * %rax = 0; the child pops func and arg, calls func(arg) and ends the
 * thread with sys_dispatch(60, ret), which never returns. The parent gets
 * the new thread id or a negative errno. */
	.text
	.global __clone
	.hidden __clone
	.type __clone,@function
__clone:
	and $-16,%rsi
	sub $16,%rsi
	mov %rcx,8(%rsi)        /* arg */
	mov %rdi,(%rsi)         /* func */
	mov 8(%rsp),%rax        /* ctid */
	lea 1f(%rip),%r10
	push %r10               /* 7th argument: child_entry; %rsp aligned */
	mov %rdx,%r11
	mov %rsi,%rdx           /* stack */
	mov %r11,%rsi           /* flags */
	mov %r8,%rcx            /* ptid */
	mov %rax,%r8            /* ctid */
	mov $56,%edi            /* SYS_clone; tls is already in %r9 */
	call sys_dispatch
	add $8,%rsp
	ret

1:	/* child_entry: %rsp = stack, %rax = 0 */
	pop %r11                /* func */
	pop %rdi                /* arg */
	xor %ebp,%ebp           /* end of the frame chain */
	call *%r11
	movslq %eax,%rsi
	mov $60,%edi            /* SYS_exit */
	xor %edx,%edx
	xor %ecx,%ecx
	xor %r8d,%r8d
	xor %r9d,%r9d
	push $0
	push $0                 /* 7th argument 0; %rsp stays aligned */
	call sys_dispatch
	ud2
	.size __clone,.-__clone

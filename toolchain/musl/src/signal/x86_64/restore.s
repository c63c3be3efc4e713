/* Unishyper: __restore_rt, the return path of a signal handler (musl's
 * ksigaction.h makes __restore the same symbol on x86_64). It calls
 * sys_dispatch(15 = rt_sigreturn, 0, ...), which does not return when the
 * kernel implements it; ud2 stops the thread loudly otherwise. The nop
 * before the label is musl's, for unwinders that look at PC-1. */
	.text
	nop
	.global __restore_rt
	.hidden __restore_rt
	.type __restore_rt,@function
__restore_rt:
	and $-16,%rsp
	push $0
	push $0                 /* 7th argument 0; %rsp aligned */
	mov $15,%edi            /* SYS_rt_sigreturn */
	xor %esi,%esi
	xor %edx,%edx
	xor %ecx,%ecx
	xor %r8d,%r8d
	xor %r9d,%r9d
	call sys_dispatch
	ud2
	.size __restore_rt,.-__restore_rt

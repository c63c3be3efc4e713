/* Unishyper: pid_t vfork(void) asks the kernel, sys_dispatch(58, 0, ...),
 * and returns through __syscall_ret like musl. A unikernel has one
 * process, so this fails with ENOSYS; no child ever returns here, which is
 * why the return address need not be kept off the stack as musl does. */
	.text
	.global vfork
	.type vfork,@function
vfork:
	push $0                 /* 7th argument 0; %rsp now aligned */
	mov $58,%edi            /* SYS_vfork */
	xor %esi,%esi
	xor %edx,%edx
	xor %ecx,%ecx
	xor %r8d,%r8d
	xor %r9d,%r9d
	call sys_dispatch
	add $8,%rsp
	mov %rax,%rdi
	.hidden __syscall_ret
	jmp __syscall_ret
	.size vfork,.-vfork

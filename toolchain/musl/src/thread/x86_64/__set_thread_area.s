/* Unishyper: int __set_thread_area(void *p) sets the FS base (the thread
 * pointer) through the kernel's arch_prctl handler, called directly:
 * sys_arch_prctl(ARCH_SET_FS, p, 0, 0, 0, 0). Returns 0 or -errno. */
	.text
	.global __set_thread_area
	.hidden __set_thread_area
	.type __set_thread_area,@function
__set_thread_area:
	mov %rdi,%rsi
	mov $0x1002,%edi        /* ARCH_SET_FS */
	xor %edx,%edx
	xor %ecx,%ecx
	xor %r8d,%r8d
	xor %r9d,%r9d
	jmp sys_arch_prctl
	.size __set_thread_area,.-__set_thread_area

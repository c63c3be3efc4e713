/* Unishyper: void __unmapself(void *base, size_t size) ends a detached
 * thread whose stack is [base, base+size). The kernel's sched_exit_unmap()
 * leaves that stack for its own before unmapping it and never returns. */
	.text
	.global __unmapself
	.type __unmapself,@function
__unmapself:
	jmp sched_exit_unmap
	.size __unmapself,.-__unmapself

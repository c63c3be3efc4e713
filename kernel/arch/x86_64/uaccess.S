/*
 * Fault-tolerant copies between the kernel and program memory.
 *
 * Every instruction here that may touch a page the program has unmapped
 * (or never mapped) is listed in uaccess_fixups with the address where
 * execution continues after such a fault: trap.c looks the faulting %rip
 * up there (arch_uaccess_fixup) before it decides that a fault is the
 * kernel's bug. The lazy pages of a mapping are brought in by the page
 * fault handler as for any access; only what cannot be mapped ends here.
 */
	.text
	.code64

/*
 * size_t arch_copy(void *dst, const void *src, size_t n): the bytes NOT
 * copied (0 when all were). Eight bytes at a time, then the rest; a fault
 * in the quadword loop falls back to bytes, which stop exactly at the
 * first byte that cannot be reached.
 */
	.globl arch_copy
	.hidden arch_copy
arch_copy:
	mov %rdx, %rcx
	shr $3, %rcx
	and $7, %edx
copy_quads:
	rep movsq
copy_rest:
	add %rdx, %rcx
copy_bytes:
	rep movsb
copy_done:
	mov %rcx, %rax
	ret
copy_quads_fault:
	lea (%rdx, %rcx, 8), %rcx
	jmp copy_bytes

/*
 * long arch_copy_string(char *dst, const char *src, size_t max): copies
 * up to max bytes of src, stopping after its NUL. Returns the length
 * without the NUL, max when no NUL was found, or -1 on a fault.
 */
	.globl arch_copy_string
	.hidden arch_copy_string
arch_copy_string:
	xor %eax, %eax
1:	cmp %rdx, %rax
	jae 2f
string_load:
	movzbl (%rsi, %rax), %ecx
	mov %cl, (%rdi, %rax)
	test %cl, %cl
	jz 2f
	inc %rax
	jmp 1b
2:	ret
string_fault:
	mov $-1, %rax
	ret

/*
 * int arch_cmpxchg32(uint32_t *p, uint32_t *old, uint32_t new): one
 * locked compare-and-exchange of the word at p. Returns 0 with *old set
 * to the value found (the exchange happened when it equals the *old
 * passed in), or -1 on a fault. A write to a page that allows no writing
 * faults even when the values differ, as a locked instruction always
 * writes.
 */
	.globl arch_cmpxchg32
	.hidden arch_cmpxchg32
arch_cmpxchg32:
	mov (%rsi), %eax
cmpxchg_insn:
	lock cmpxchg %edx, (%rdi)
	mov %eax, (%rsi)
	xor %eax, %eax
	ret
cmpxchg_fault:
	mov $-1, %eax
	ret

/* Pairs of (faulting instruction, where to continue), then a zero. */
	.section .rodata
	.balign 8
	.globl uaccess_fixups
	.hidden uaccess_fixups
uaccess_fixups:
	.quad copy_quads, copy_quads_fault
	.quad copy_bytes, copy_done
	.quad string_load, string_fault
	.quad cmpxchg_insn, cmpxchg_fault
	.quad 0, 0

	.section .note.GNU-stack, "", @progbits

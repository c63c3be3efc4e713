/*
 * The start of an application processor: from real mode to ap_entry().
 *
 * smp.c copies this code to physical SMP_TRAMPOLINE (below 1 MiB, where a
 * SIPI can point) and fills the data block at its end. The AP enters at
 * the first byte in 16-bit real mode with CS = SMP_TRAMPOLINE >> 4, loads
 * a small GDT, goes through protected mode into long mode with the
 * kernel's page tables (which map this page at its own address while APs
 * start) and jumps to ap_entry(cpu) on its own stack.
 */
#define SMP_TRAMPOLINE 0x8000
#define REL(x) ((x) - trampoline_start + SMP_TRAMPOLINE)

	.section .rodata
	.code16
	.globl trampoline_start, trampoline_end
	.hidden trampoline_start, trampoline_end
	.balign 16
trampoline_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl REL(tr_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $REL(tr_32)

	.code32
tr_32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov REL(tr_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or REL(tr_efer), %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG, WP, PE */
	mov %eax, %cr0
	ljmpl $0x18, $REL(tr_64)

	.code64
tr_64:
	mov REL(tr_stack), %rsp
	mov REL(tr_cpu), %rdi
	mov REL(tr_entry), %rax
	xor %ebp, %ebp
	jmp *%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tr_gdt_ptr:
	.word tr_gdt_ptr - tr_gdt - 1
	.long REL(tr_gdt)

	/* Filled by smp.c: struct trampoline_data. */
	.balign 8
	.globl trampoline_data
	.hidden trampoline_data
trampoline_data:
tr_cr3:
	.quad 0
tr_efer:
	.quad 0
tr_stack:
	.quad 0
tr_cpu:
	.quad 0
tr_entry:
	.quad 0
trampoline_end:

	.section .note.GNU-stack, "", @progbits

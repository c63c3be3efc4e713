/*
 * PVH entry: from 32-bit protected mode to kernel_main in long mode.
 *
 * QEMU finds pvh_start through the Xen PHYS32_ENTRY note and enters it with
 * paging off, %ebx holding the physical address of the hvm_start_info block.
 * This code runs at its load address (1 MiB). It reads the TSC first (time
 * zero of CLOCK_MONOTONIC), maps the first GiB of physical memory three
 * times with 2 MiB pages (identity, at IMAGE_VOFF where the rest of the
 * image is linked, and at PHYS_MAP_BASE), enables long mode and jumps to
 * the linked addresses. mmu.c replaces these tables with the final ones.
 */
#define IMAGE_VOFF 0x40000000
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR0_PG (1 << 31)
#define CR0_WP (1 << 16)
#define CR0_PE 1
#define CR4_PAE (1 << 5)
#define PTE_P 1
#define PTE_W 2
#define PTE_PS 0x80

	.section .note.Xen, "a", @note
	.balign 4
	.long 4			/* name size: "Xen\0" */
	.long 8			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad pvh_start

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %edi		/* hvm_start_info: kept in %edi for kernel_main */
	rdtsc
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4

	/* PD: 512 x 2 MiB pages over physical 0..1 GiB. */
	mov $boot_pd, %ebx
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_P | PTE_W | PTE_PS), %eax
	mov %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	/* PDPT[0] (identity) and PDPT[1] (IMAGE_VOFF) both use that PD. */
	mov $(boot_pd + PTE_P + PTE_W), %eax
	mov %eax, boot_pdpt
	mov %eax, boot_pdpt + 8
	/* PML4[0]: identity; PML4[256]: the direct map at PHYS_MAP_BASE. */
	mov $(boot_pdpt + PTE_P + PTE_W), %eax
	mov %eax, boot_pml4
	mov %eax, boot_pml4 + 256 * 8

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	/* NX only where CPUID offers it (leaf 0x80000001, EDX bit 20). */
	mov %eax, %esi
	mov $0x80000001, %eax
	cpuid
	mov %esi, %eax
	bt $20, %edx
	jnc 2f
	or $EFER_NXE, %eax
2:	mov $MSR_EFER, %ecx
	xor %edx, %edx
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_WP | CR0_PE), %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $__boot_stack_top, %rsp
	xor %ebp, %ebp
	/* kernel_main(physical address of hvm_start_info, TSC at entry) */
	mov %edi, %edi
	mov boot_tsc, %rsi
	movabs $kernel_main, %rax
	call *%rax
3:	hlt
	jmp 3b

	.section .boot.data, "aw"
	.balign 8
boot_tsc:
	.quad 0
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
	.balign 4096
boot_pml4:
	.fill 512, 8, 0
boot_pdpt:
	.fill 512, 8, 0
boot_pd:
	.fill 512, 8, 0
	.section .note.GNU-stack, "", @progbits

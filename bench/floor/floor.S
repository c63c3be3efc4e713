/*
 * floor.S - the smallest PVH guest: QEMU's floor for launch-to-exit time.
 *
 * QEMU's -kernel loader boots an ELF that carries a Xen
 * XEN_ELFNOTE_PHYS32_ENTRY note (type 18, name "Xen") through the PVH entry:
 * the CPU starts at that address in 32-bit protected mode, paging off, with
 * no stack.  The guest reads the TSC once, writes one line to COM1
 * ("FLOOR tsc=<16 hex digits>") and writes to the isa-debug-exit port 0xf4,
 * which makes QEMU exit with status (0 << 1) | 1 = 1.
 *
 * Under TCG the guest TSC counts from the moment QEMU starts the virtual
 * CPUs, so the printed value is what the firmware (qboot on microvm,
 * SeaBIOS on q35) cost before the first guest instruction.  No stack is
 * needed: the code is straight-line, no call.
 */
        .section .note.Xen, "a", @note
        .balign 4
        .long 4                 /* namesz: "Xen\0" */
        .long 4                 /* descsz */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .long floor_start

        .text
        .code32
        .globl floor_start
floor_start:
        rdtsc
        mov     %eax, %edi              /* TSC low  */
        mov     %edx, %ebp              /* TSC high */
        mov     $0x3f8, %dx
        mov     $prefix, %esi
1:      lodsb                           /* "FLOOR tsc=" */
        test    %al, %al
        jz      2f
        outb    %al, %dx
        jmp     1b
2:      mov     %ebp, %ebx              /* 8 hex digits of each half */
        mov     $2, %ecx
3:      mov     $8, %esi
4:      rol     $4, %ebx
        mov     %ebx, %eax
        and     $15, %eax
        movb    digits(%eax), %al
        outb    %al, %dx
        dec     %esi
        jnz     4b
        mov     %edi, %ebx
        dec     %ecx
        jnz     3b
        mov     $'\r', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
        mov     $0xf4, %dx              /* isa-debug-exit */
        xor     %eax, %eax
        outb    %al, %dx
5:      cli
        hlt
        jmp     5b

        .section .rodata
prefix: .asciz  "FLOOR tsc="
digits: .ascii  "0123456789abcdef"

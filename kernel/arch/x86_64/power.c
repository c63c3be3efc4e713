/*
 * Power-off with an exit status, through QEMU's isa-debug-exit device at
 * port 0xf4 (unishyper-run adds it with a 4-byte port), so the whole status
 * reaches QEMU's own exit code as 2N+1 and the kernel log's last line; and
 * a reset, by a triple fault, which every machine type takes.
 */
#include <arch/cpu.h>
#include <unishyper/power.h>
#include <unishyper/printk.h>

#define DEBUG_EXIT_PORT 0xf4

_Noreturn void power_off(int status)
{
	int level = printk_level;

	irq_disable();
	printk_level = 1;
	printk("unishyper: exit status %d\n", status & 0xff);
	printk_level = level;
	outl(DEBUG_EXIT_PORT, (uint32_t)status & 0xff);
	printk("unishyper: no isa-debug-exit device; halted\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

_Noreturn void power_reboot(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	irq_disable();
	printk("unishyper: reboot\n");
	/* An exception with no interrupt table to take it: a triple fault. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * Application-processor start-up (INIT, SIPI, SIPI) for every CPU the
 * firmware tables list (drivers/acpi.c, with the MP table as fallback).
 *
 * Each AP gets its own struct cpu, interrupt stack and boot stack (which
 * becomes its idle thread's), runs trampoline.S from below 1 MiB, and
 * reports in by going online; one that does not within a second is
 * reported and left out.
 */
#include <stdint.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <unishyper/firmware.h>
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>
#include <unishyper/sched.h>
#include <unishyper/time.h>
#include <unishyper/vm.h>

#define SMP_TRAMPOLINE 0x8000ul
#define AP_STACK_SIZE 16384
#define IST_SIZE 16384

struct trampoline_data {
	uint64_t cr3, efer, stack, cpu, entry;
};

extern const char trampoline_start[], trampoline_end[], trampoline_data[];

static _Noreturn void ap_entry(struct cpu *c)
{
	arch_cpu_init(c);
	apic_init_ap();
	sched_cpu_start(c);
}

static int start_ap(int id, uint32_t apic_id, struct trampoline_data *td)
{
	struct cpu *c = kzalloc(sizeof(*c));
	void *ist = kmalloc(IST_SIZE);
	uintptr_t stack = vm_stack(AP_STACK_SIZE, false);

	if (!c || !ist || !stack) {
		printk("smp: no memory for CPU %d\n", id);
		return -1;
	}
	memset((void *)(stack - AP_STACK_SIZE), 0, AP_STACK_SIZE); /* never fault */
	c->id = id;
	c->apic_id = apic_id;
	c->arch.ist_top = (uintptr_t)ist + IST_SIZE;
	sched_cpu_setup(c);
	td->stack = stack - 8;
	td->cpu = (uint64_t)c;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	apic_start_ap(apic_id, SMP_TRAMPOLINE);
	uint64_t deadline = time_ns() + NSEC_PER_SEC;
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (time_ns() > deadline) {
			printk("smp: CPU %d (APIC %u) did not start\n", id, apic_id);
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

void smp_init(void)
{
	uint32_t ids[SCHED_MAX_CPUS];
	int n = firmware_cpus(ids, SCHED_MAX_CPUS), next = 1;
	uint32_t bsp = this_cpu()->apic_id;
	uint64_t cr3;

	if (n <= 1)
		return;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if (cr3 >> 32)
		panic("smp: page tables above 4 GiB");
	size_t size = trampoline_end - trampoline_start;
	memcpy(phys_to_virt(SMP_TRAMPOLINE), trampoline_start, size);
	struct trampoline_data *td =
		phys_to_virt(SMP_TRAMPOLINE + (trampoline_data - trampoline_start));
	td->cr3 = cr3;
	td->efer = (1u << 8) | (cpu_has.nx ? 1u << 11 : 0); /* LME, NXE */
	td->entry = (uint64_t)ap_entry;
	if (mmu_map(SMP_TRAMPOLINE, SMP_TRAMPOLINE, MMU_EXEC))
		panic("smp: cannot map the trampoline");
	for (int i = 0; i < n && next < SCHED_MAX_CPUS; i++) {
		if (ids[i] == bsp)
			continue;
		if (!start_ap(next, ids[i], td))
			next++;
	}
	mmu_unmap(SMP_TRAMPOLINE);
	mmu_flush_all();
	if (printk_level > 1)
		printk("smp: %d CPUs online\n", next);
}

void smp_stop_others(void)
{
	if (sched_ncpus > 1)
		apic_broadcast_ipi(TRAP_STOP);
}

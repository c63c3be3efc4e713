/*
 * Page tables: the final address space, with honest permissions.
 *
 * mmu_init() replaces the boot tables with four-level tables that map the
 * image page by page (text RX, rodata R, data/bss RW+NX, guard pages under
 * the boot and interrupt stacks left out), the direct map of RAM at
 * PHYS_MAP_BASE (RW+NX, 2 MiB pages where they fit) and nothing else: the
 * identity map of the boot code disappears, so NULL faults. Table pages come
 * from pmem and are reached through the direct map.
 */
#include <errno.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <unishyper/boot.h>
#include <unishyper/image.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/sched.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

extern char __image_start[], __boot_end[], __text_start[], __text_end[];
extern char __rodata_end[], __data_end[];
extern char __boot_stack_guard[], __ist_stack_guard[];

static uint64_t *mmu_pml4;
static uint64_t mmu_nx;
static bool mmu_live; /* the tables are loaded: changes need a TLB flush */

static void flush(uintptr_t va)
{
	if (mmu_live)
		invlpg(va);
}

static uint64_t *table_alloc(void)
{
	uint64_t phys = pmem_alloc(1);

	if (!phys)
		return NULL;
	memset(phys_to_virt(phys), 0, PAGE_SIZE);
	return phys_to_virt(phys);
}

/* Returns the entry for va at the given level (1: 4 KiB, 2: 2 MiB). */
static uint64_t *walk(uintptr_t va, int level, int create)
{
	uint64_t *t = mmu_pml4;

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & PTE_P)) {
			uint64_t *n;
			if (!create || !(n = table_alloc()))
				return NULL;
			*e = virt_to_phys(n) | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static uint64_t pte_flags(unsigned flags)
{
	uint64_t f = PTE_P;

	if (flags & MMU_WRITE)
		f |= PTE_W;
	if (!(flags & MMU_EXEC))
		f |= mmu_nx;
	if (flags & MMU_NOCACHE)
		f |= PTE_PCD | PTE_PWT;
	return f;
}

int mmu_map(uintptr_t va, uint64_t phys, unsigned flags)
{
	uint64_t *e = walk(va, 1, 1);

	if (!e)
		return -ENOMEM;
	*e = (phys & PTE_ADDR) | pte_flags(flags);
	flush(va);
	return 0;
}

bool mmu_protect(uintptr_t va, unsigned flags)
{
	uint64_t *e = walk(va, 1, 0);

	if (!e || !(*e & PTE_P))
		return false;
	*e = (*e & PTE_ADDR) | pte_flags(flags);
	flush(va);
	return true;
}

uint64_t mmu_lookup(uintptr_t va)
{
	uint64_t *t = mmu_pml4;

	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (e & PTE_PS)) {
			uint64_t offset = (1ull << (12 + 9 * (l - 1))) - 1;
			return (e & PTE_ADDR & ~offset) | (va & offset);
		}
		t = phys_to_virt(e & PTE_ADDR);
	}
	return 0;
}

uint64_t mmu_unmap(uintptr_t va)
{
	uint64_t *e = walk(va, 1, 0);
	uint64_t phys;

	if (!e || !(*e & PTE_P))
		return 0;
	phys = *e & PTE_ADDR;
	*e = 0;
	flush(va);
	return phys;
}

uintptr_t mmu_next_mapped(uintptr_t va, uintptr_t end)
{
	while (va < end) {
		uint64_t *t = mmu_pml4;
		int l = 4;
		for (;;) {
			int shift = 12 + 9 * (l - 1);
			uint64_t e = t[(va >> shift) & 511];
			if (!(e & PTE_P) || (l > 1 && (e & PTE_PS))) {
				/* Nothing (or no 4 KiB page) under this entry. */
				uintptr_t next = (va | ((1ul << shift) - 1)) + 1;
				if (next <= va)
					return end;
				va = next;
				break;
			}
			if (l == 1)
				return va;
			t = phys_to_virt(e & PTE_ADDR);
			l--;
		}
	}
	return end;
}

bool mmu_clear_dirty(uintptr_t va)
{
	uint64_t *e = walk(va, 1, 0);

	if (!e || !(*e & PTE_P) || !(*e & PTE_D))
		return false;
	__atomic_fetch_and(e, ~PTE_D, __ATOMIC_ACQ_REL);
	return true;
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

/* Clears the entry e of a table at level (2: points at a page table) when
 * the table below it is empty, recursing first; adds freed frames to out. */
static void prune_entry(uint64_t *e, int level, uintptr_t va, uintptr_t start, uintptr_t end,
			uint64_t *out, int max, int *n)
{
	if (!(*e & PTE_P) || (*e & PTE_PS) || *n == max)
		return;
	uint64_t *t = phys_to_virt(*e & PTE_ADDR);
	if (level > 2) {
		uintptr_t span = 1ul << (12 + 9 * (level - 2));
		for (int i = 0; i < 512 && *n < max; i++) {
			uintptr_t sub = va + i * span;
			if (sub < end && start < sub + span)
				prune_entry(&t[i], level - 1, sub, start, end, out, max, n);
		}
	}
	if (*n < max && table_empty(t)) {
		out[(*n)++] = *e & PTE_ADDR;
		*e = 0;
	}
}

int mmu_prune(uintptr_t start, uintptr_t end, uint64_t *freed, int max)
{
	const uintptr_t span = 1ul << 39;
	int n = 0;

	for (uintptr_t va = start & ~(span - 1); va < end && n < max; va += span)
		prune_entry(&mmu_pml4[(va >> 39) & 511], 4, va, start, end, freed, max, &n);
	return n;
}

void mmu_flush_all(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

/*
 * TLB shootdown. A request is a new generation number; every CPU serves
 * it by flushing its TLB, on the TRAP_TLB interrupt or, when it is
 * spinning with interrupts off, from the spin loop (spin_pause), so two
 * CPUs that wait for each other still make progress.
 */
static uint64_t tlb_gen;

void mmu_tlb_poll(void)
{
	struct arch_cpu *a = &this_cpu()->arch;
	uint64_t g = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);

	if (a->tlb_seen < g) {
		mmu_flush_all();
		__atomic_store_n(&a->tlb_seen, g, __ATOMIC_RELEASE);
	}
}

void spin_pause(void)
{
	cpu_pause();
	mmu_tlb_poll();
}

void mmu_shootdown(void)
{
	struct cpu *self = this_cpu();
	uint64_t g = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_ACQ_REL);

	mmu_tlb_poll();
	if (sched_ncpus <= 1)
		return;
	apic_broadcast_ipi(TRAP_TLB);
	for (int i = 0; i < sched_ncpus; i++) {
		struct cpu *o = sched_cpus[i];
		if (o == self || !__atomic_load_n(&o->online, __ATOMIC_ACQUIRE))
			continue;
		while (__atomic_load_n(&o->arch.tlb_seen, __ATOMIC_ACQUIRE) < g)
			spin_pause();
	}
}

void *mmu_map_device(uint64_t phys, uint64_t size)
{
	uint64_t start = PAGE_ROUND_DOWN(phys);

	for (uint64_t p = start; p < phys + size; p += PAGE_SIZE) {
		uint64_t *huge = walk((uintptr_t)phys_to_virt(p), 2, 0);
		if (huge && (*huge & PTE_PS))
			continue; /* RAM already in the direct map */
		if (mmu_map((uintptr_t)phys_to_virt(p), p, MMU_WRITE | MMU_NOCACHE))
			panic("mmu: out of memory mapping device at %#lx", (unsigned long)p);
	}
	return phys_to_virt(phys);
}

static void map_range(uintptr_t va, uintptr_t end, unsigned flags)
{
	for (; va < end; va += PAGE_SIZE)
		if (mmu_map(va, virt_to_phys((void *)va), flags))
			panic("mmu: out of memory mapping the image");
}

/* Direct map of one RAM range, with 2 MiB pages where they fit. */
static void map_ram(uint64_t start, uint64_t end)
{
	const uint64_t huge = 2ul << 20;
	uint64_t p = PAGE_ROUND_UP(start);

	end = PAGE_ROUND_DOWN(end);
	while (p < end) {
		if (!(p & (huge - 1)) && end - p >= huge) {
			uint64_t *e = walk((uintptr_t)phys_to_virt(p), 2, 1);
			if (!e)
				panic("mmu: out of memory for the direct map");
			*e = p | PTE_P | PTE_W | PTE_PS | mmu_nx;
			p += huge;
		} else {
			if (mmu_map((uintptr_t)phys_to_virt(p), p, MMU_WRITE))
				panic("mmu: out of memory for the direct map");
			p += PAGE_SIZE;
		}
	}
}

void mmu_init(void)
{
	uint32_t r[4];

	cpuid(0x80000001, 0, r);
	mmu_nx = (r[3] & (1u << 20)) ? PTE_NX : 0;

	/* The boot tables map the first GiB at PHYS_MAP_BASE too, so the new
	 * table pages (allocated lowest first) are reachable while building. */
	if (!(mmu_pml4 = table_alloc()))
		panic("mmu: no memory for page tables");
	for (int i = 0; i < boot_info.nmem; i++)
		if (boot_info.mem[i].type == BOOT_MEM_RAM)
			map_ram(boot_info.mem[i].base,
				boot_info.mem[i].base + boot_info.mem[i].len);

	map_range((uintptr_t)__image_start, (uintptr_t)__text_start, 0);
	map_range((uintptr_t)__text_start, (uintptr_t)__text_end, MMU_EXEC);
	map_range((uintptr_t)__text_end, (uintptr_t)__rodata_end, 0);
	map_range((uintptr_t)__rodata_end, (uintptr_t)__data_end, MMU_WRITE);
	map_range((uintptr_t)__data_end, image_end(), 0);
	mmu_unmap((uintptr_t)__boot_stack_guard);
	mmu_unmap((uintptr_t)__ist_stack_guard);

	write_cr3(virt_to_phys(mmu_pml4));
	mmu_live = true;
}

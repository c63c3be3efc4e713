/*
 * CPU setup: feature detection, descriptor tables and FPU state.
 *
 * Reads CPUID once into cpu_has (every optional feature is checked here and
 * has a fallback elsewhere). For each CPU: loads its own GDT with a TSS whose
 * IST stacks take every interrupt and exception (so the red zone of
 * interrupted code is never written), the shared IDT of entry.S's vectors,
 * %gs for per-CPU data, the syscall MSRs (syscall_entry), and enables SSE,
 * and AVX through XSAVE where the CPU offers it, so that programs can use
 * vector registers. Also the save and restore of that state for switches.
 */
#include <stdint.h>
#include <string.h>

#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <unishyper/kmalloc.h>
#include <unishyper/sched.h>

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define EFER_SCE 1

struct cpu_features cpu_has;

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define FAULT_STACK_SIZE 8192

extern char trap_vectors[], syscall_entry[];

static struct idt_entry idt[256];
static uint64_t xcr0;
/* Each CPU's stack for NMI, double fault and machine check. */
static uint8_t cpu_fault_stacks[SCHED_MAX_CPUS][FAULT_STACK_SIZE] __attribute__((aligned(16)));

static void detect_features(void)
{
	uint32_t r[4], max;

	cpuid(0, 0, r);
	max = r[0];
	cpuid(1, 0, r);
	cpu_has.rdrand = r[2] & (1u << 30);
	cpu_has.x2apic = r[2] & (1u << 21);
	cpu_has.tsc_deadline = r[2] & (1u << 24);
	cpu_has.xsave = r[2] & (1u << 26);
	cpu_has.avx = r[2] & (1u << 28);
	cpu_has.hypervisor = r[2] & (1u << 31);
	if (max >= 7) {
		cpuid(7, 0, r);
		cpu_has.fsgsbase = r[1] & 1;
		cpu_has.pku = r[2] & (1u << 3);
	}
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu_has.nx = r[3] & (1u << 20);
	}
	if (r[0] >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		cpu_has.invariant_tsc = r[3] & (1u << 8);
	}
	if (cpu_has.hypervisor) {
		cpuid(0x40000000, 0, r);
		/* "KVMKVMKVM\0\0\0" and the kvmclock feature bit (3: new MSRs). */
		if (r[1] == 0x4b4d564b && r[2] == 0x564b4d56 && r[3] == 0x4d) {
			cpuid(0x40000001, 0, r);
			cpu_has.kvmclock = r[0] & (1u << 3);
		}
	}
}

static void enable_fpu(void)
{
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 &= ~(1ul << 2);		/* EM: no emulation */
	cr0 |= (1ul << 1) | (1ul << 5); /* MP, NE */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1ul << 9) | (1ul << 10); /* OSFXSR, OSXMMEXCPT */
	if (cpu_has.xsave)
		cr4 |= 1ul << 18; /* OSXSAVE */
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	__asm__ volatile("fninit");
	if (cpu_has.xsave) {
		uint32_t r[4];
		xcr0 = 3; /* x87, SSE */
		cpuid(0xd, 0, r);
		if (cpu_has.avx && (r[0] & 4))
			xcr0 |= 4;
		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)));
		cpuid(0xd, 0, r);
		cpu_has.xsave_size = r[1];
	} else {
		cpu_has.xsave_size = 512;
	}
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
}

static void load_gdt(struct cpu *c)
{
	struct arch_cpu *a = &c->arch;
	uint64_t base = (uint64_t)&a->tss, limit = sizeof(a->tss) - 1;

	a->gdt[0] = 0;
	a->gdt[1] = 0x00af9a000000ffff; /* 0x08: 64-bit code */
	a->gdt[2] = 0x00cf92000000ffff; /* 0x10: data */
	a->gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ul << 40 |
		    ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	a->gdt[4] = base >> 32;
	a->tss.ist[0] = a->ist_top;
	a->tss.ist[1] = (uint64_t)(cpu_fault_stacks[c->id] + FAULT_STACK_SIZE);
	a->tss.iomap = sizeof(a->tss);

	struct desc_ptr p = { sizeof(a->gdt) - 1, (uint64_t)a->gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 "mov $0x18, %%eax\n\t"
			 "ltr %%ax"
			 : : "m"(p) : "rax", "memory");
}

static void load_idt(void)
{
	if (!idt[0].sel) {
		for (int v = 0; v < 256; v++) {
			uint64_t a = (uint64_t)(trap_vectors + 16 * v);
			idt[v].off0 = a & 0xffff;
			idt[v].sel = 0x08;
			idt[v].ist = (v == 2 || v == 8 || v == 18) ? 2 : 1;
			idt[v].type = 0x8e; /* present, interrupt gate */
			idt[v].off1 = (a >> 16) & 0xffff;
			idt[v].off2 = a >> 32;
		}
	}
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void arch_cpu_init(struct cpu *c)
{
	if (c->id == 0)
		detect_features();
	enable_fpu();
	load_gdt(c);
	load_idt();
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, 0x08ull << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, (1u << 8) | (1u << 10) | (1u << 18)); /* TF, DF, AC */
}

#define CALL_STACK_SIZE 8192

long arch_call_on_cpu_stack(long (*fn)(void *), void *arg)
{
	struct arch_cpu *a = &this_cpu()->arch;

	if (!a->call_top) {
		void *stack = kmalloc(CALL_STACK_SIZE);
		if (!stack)
			return fn(arg);
		a->call_top = (uintptr_t)stack + CALL_STACK_SIZE;
	}
	return arch_call_on_stack(a->call_top, fn, arg);
}

void arch_frame_init(struct trap_frame *f, uintptr_t rip, uintptr_t rsp)
{
	memset(f, 0, sizeof(*f));
	f->rip = rip;
	f->rsp = rsp;
	f->cs = 0x08;
	f->ss = 0x10;
	f->rflags = 0x202; /* IF */
}

void arch_frame_set_arg(struct trap_frame *f, uintptr_t arg)
{
	f->rdi = arg;
}

size_t arch_fpu_size(void)
{
	return cpu_has.xsave_size;
}

void arch_fpu_save(void *area)
{
	if (cpu_has.xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void arch_fpu_restore(const void *area)
{
	if (cpu_has.xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

void arch_fpu_init_state(void *area)
{
	uint32_t mxcsr = 0x1f80;

	/* A clean x87/SSE state: what fninit and the default MXCSR give. */
	memset(area, 0, arch_fpu_size());
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	arch_fpu_save(area);
}

void arch_set_fs_base(uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

void arch_fpu_sanitize(void *area)
{
	uint32_t *mxcsr = (uint32_t *)((char *)area + 24);
	uint64_t *header = (uint64_t *)((char *)area + 512);

	*mxcsr &= 0xffff; /* higher bits fault in fxrstor and xrstor */
	if (cpu_has.xsave) {
		header[0] &= xcr0; /* XSTATE_BV */
		memset(&header[1], 0, 56); /* XCOMP_BV and the reserved words */
	}
}

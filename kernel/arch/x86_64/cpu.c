/*
 * The boot CPU: feature detection, descriptor tables and FPU state.
 *
 * Reads CPUID once into cpu_has (every optional feature is checked here and
 * has a fallback elsewhere), loads the final GDT with a TSS whose IST stacks
 * take every interrupt and exception (so the red zone of interrupted code is
 * never written), fills the IDT from entry.S's vectors, points the syscall
 * MSRs at syscall_entry, and enables SSE, and AVX through XSAVE where the
 * CPU offers it, so that programs can use vector registers.
 */
#include <stdint.h>
#include <string.h>

#include <arch/cpu.h>
#include <arch/trap.h>

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define EFER_SCE 1

struct cpu_features cpu_has;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

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

extern char trap_vectors[], syscall_entry[], __ist_stack_top[];

static uint64_t gdt[5];
static struct tss tss;
static struct idt_entry idt[256];
/* A separate stack for NMI, double fault and machine check. */
static uint8_t cpu_fault_stack[8192] __attribute__((aligned(16)));

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
		uint64_t xcr0 = 3; /* x87, SSE */
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

static void load_gdt(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	gdt[1] = 0x00af9a000000ffff; /* 0x08: 64-bit code */
	gdt[2] = 0x00cf92000000ffff; /* 0x10: data */
	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ul << 40 |
		 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
	tss.ist[0] = (uint64_t)__ist_stack_top;
	tss.ist[1] = (uint64_t)(cpu_fault_stack + sizeof(cpu_fault_stack));
	tss.iomap = sizeof(tss);

	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };
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
	for (int v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(trap_vectors + 16 * v);
		idt[v].off0 = a & 0xffff;
		idt[v].sel = 0x08;
		idt[v].ist = (v == 2 || v == 8 || v == 18) ? 2 : 1;
		idt[v].type = 0x8e; /* present, interrupt gate */
		idt[v].off1 = (a >> 16) & 0xffff;
		idt[v].off2 = a >> 32;
	}
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void cpu_init(void)
{
	detect_features();
	enable_fpu();
	load_gdt();
	load_idt();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, 0x08ull << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, (1u << 8) | (1u << 10) | (1u << 18)); /* TF, DF, AC */
}

/*
 * Local APIC and I/O APIC.
 *
 * Uses the memory-mapped xAPIC interface, which every QEMU machine and CPU
 * model offers, at the standard addresses (0xfee00000, 0xfec00000). The
 * local APIC timer runs one-shot; its rate is calibrated against the TSC
 * on first use, so boots that never sleep do not pay for it. ISA interrupt lines map to I/O
 * APIC pins one to one, which holds for microvm and for q35's serial lines.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <unishyper/time.h>

#define LAPIC_BASE 0xfee00000ul
#define IOAPIC_BASE 0xfec00000ul
#define MSR_APIC_BASE 0x1b

#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_TPR 0x080
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic;
static uint64_t lapic_ticks_per_ms;

static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }
static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }

static void ioapic_write(unsigned reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

void apic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void ioapic_route(int irq, int vector)
{
	/* Edge-triggered, active high, fixed delivery to APIC id 0. */
	ioapic_write(0x10 + 2 * irq, (uint32_t)vector);
	ioapic_write(0x11 + 2 * irq, 0);
}

static void timer_interrupt(struct trap_frame *f)
{
	(void)f;
}

/* Measures the timer's rate against the TSC over a millisecond. */
static void timer_calibrate(void)
{
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER | (1u << 16)); /* masked */
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	uint64_t t0 = time_ns();
	while (time_ns() - t0 < 1000000)
		cpu_pause();
	uint32_t left = lapic_read(LAPIC_TIMER_CUR);
	uint64_t elapsed = time_ns() - t0;
	lapic_ticks_per_ms = (0xffffffffull - left) * 1000000 / elapsed;
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER); /* one-shot, unmasked */
}

void apic_timer_oneshot(uint64_t ns)
{
	if (!lapic_ticks_per_ms)
		timer_calibrate();
	uint64_t ticks = ns * lapic_ticks_per_ms / 1000000;

	if (ns && !ticks)
		ticks = 1;
	lapic_write(LAPIC_TIMER_INIT, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
}

void apic_init(void)
{
	outb(0x21, 0xff); /* mask the legacy PICs */
	outb(0xa1, 0xff);
	wrmsr(MSR_APIC_BASE, (rdmsr(MSR_APIC_BASE) & ~0xfffff000ull) | LAPIC_BASE | (1u << 11));
	lapic = mmu_map_device(LAPIC_BASE, PAGE_SIZE);
	ioapic = mmu_map_device(IOAPIC_BASE, PAGE_SIZE);
	for (int pin = 0; pin < 24; pin++)
		ioapic_write(0x10 + 2 * pin, 1u << 16); /* masked */
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, 0x100 | TRAP_SPURIOUS);

	trap_set_handler(TRAP_TIMER, timer_interrupt);
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER | (1u << 16)); /* masked */
}

/*
 * Local APIC and I/O APIC.
 *
 * Uses the memory-mapped xAPIC interface, which every QEMU machine and CPU
 * model offers, at the standard addresses (0xfee00000, 0xfec00000). The
 * interrupts between CPUs (reschedule, TLB flush, stop) and the start of
 * application processors go through the interrupt command register. The
 * local APIC timer runs one-shot for the scheduler; its rate is calibrated
 * against the TSC at boot. ISA interrupt lines map to I/O
 * APIC pins one to one, which holds for microvm and for q35's serial lines.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <unishyper/sched.h>
#include <unishyper/time.h>

#define LAPIC_BASE 0xfee00000ul
#define IOAPIC_BASE 0xfec00000ul
#define IOAPIC2_BASE 0xfec10000ul /* microvm's second I/O APIC: lines 24-47 */
#define IOAPIC_PINS 24
#define MSR_APIC_BASE 0x1b

#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0b0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12)
#define LAPIC_SVR 0x0f0
#define LAPIC_TPR 0x080
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic, *ioapic2;
static uint64_t lapic_ticks_per_ms;

static void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }
static uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }

static void ioapic_write_at(volatile uint32_t *io, unsigned reg, uint32_t v)
{
	io[0] = reg;
	io[4] = v;
}

static void ioapic_write(unsigned reg, uint32_t v)
{
	ioapic_write_at(ioapic, reg, v);
}

/* The second I/O APIC answers its version register (0x11 or 0x20, with
 * 23 in bits 16-23); an empty address reads as zero or all ones. */
static bool ioapic2_present(volatile uint32_t *io)
{
	io[0] = 1;
	uint32_t v = io[4];
	return (v & 0xff) >= 0x11 && (v & 0xff) <= 0x20 && ((v >> 16) & 0xff) == IOAPIC_PINS - 1;
}

int ioapic_lines(void)
{
	return ioapic2 ? 2 * IOAPIC_PINS : IOAPIC_PINS;
}

void apic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void ioapic_route(int irq, int vector)
{
	volatile uint32_t *io = ioapic;

	if (irq >= IOAPIC_PINS) {
		if (!ioapic2 || irq >= 2 * IOAPIC_PINS)
			return;
		io = ioapic2;
		irq -= IOAPIC_PINS;
	}
	/* Edge-triggered, active high, fixed delivery to APIC id 0. */
	ioapic_write_at(io, 0x10 + 2 * irq, (uint32_t)vector);
	ioapic_write_at(io, 0x11 + 2 * irq, 0);
}

static void timer_interrupt(struct trap_frame *f)
{
	(void)f;
	sched_tick();
}

static void resched_interrupt(struct trap_frame *f)
{
	(void)f;
	sched_resched_ipi();
}

static void tlb_interrupt(struct trap_frame *f)
{
	(void)f;
	mmu_tlb_poll();
}

static void stop_interrupt(struct trap_frame *f)
{
	(void)f;
	for (;;)
		__asm__ volatile("cli; hlt");
}

uint32_t apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

static void icr_send(uint32_t hi, uint32_t lo)
{
	unsigned long flags = irq_save();

	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_pause();
	lapic_write(LAPIC_ICR_HI, hi);
	lapic_write(LAPIC_ICR_LO, lo);
	irq_restore(flags);
}

void apic_send_ipi(uint32_t id, int vector)
{
	icr_send(id << 24, (uint32_t)vector);
}

void apic_broadcast_ipi(int vector)
{
	icr_send(0, (uint32_t)vector | 3u << 18); /* all but self */
}

void apic_start_ap(uint32_t id, uint64_t entry)
{
	icr_send(id << 24, 0x4500); /* INIT */
	uint64_t t0 = time_ns();
	while (time_ns() - t0 < 10000)
		cpu_pause();
	for (int i = 0; i < 2; i++) {
		icr_send(id << 24, 0x4600 | (uint32_t)(entry >> 12)); /* SIPI */
		t0 = time_ns();
		while (time_ns() - t0 < 200000)
			cpu_pause();
	}
}

/* Measures the timer's rate against the TSC over a millisecond. */
static uint64_t calibrate_t0;

/* Starts the measurement: the masked timer counts down from the top. */
static void timer_count(void)
{
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER | (1u << 16)); /* masked */
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	calibrate_t0 = time_ns();
}

/* The rate is measured once, on the boot CPU, over at least 1 ms since
 * apic_init() (the boot work in between is most of it), and shared: QEMU's
 * local APIC timers all run at the same rate. */
void apic_timer_calibrate(void)
{
	if (lapic_ticks_per_ms)
		return;
	while (time_ns() - calibrate_t0 < 1000000)
		cpu_pause();
	uint32_t left = lapic_read(LAPIC_TIMER_CUR);
	uint64_t elapsed = time_ns() - calibrate_t0;
	lapic_ticks_per_ms = (0xffffffffull - left) * 1000000 / elapsed;
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER); /* one-shot, unmasked */
}

void apic_timer_oneshot(uint64_t ns)
{
	uint64_t ticks = ns * lapic_ticks_per_ms / 1000000;

	if (ns && !ticks)
		ticks = 1;
	lapic_write(LAPIC_TIMER_INIT, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
}

/* This CPU's local APIC: on, no priority masking, timer masked. */
static void lapic_setup(void)
{
	wrmsr(MSR_APIC_BASE, (rdmsr(MSR_APIC_BASE) & ~0xfffff000ull) | LAPIC_BASE | (1u << 11));
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, 0x100 | TRAP_SPURIOUS);
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER | (1u << 16)); /* masked */
}

void apic_init_ap(void)
{
	lapic_setup();
	lapic_write(LAPIC_LVT_TIMER, TRAP_TIMER); /* one-shot, unmasked */
}

void apic_init(void)
{
	outb(0x21, 0xff); /* mask the legacy PICs */
	outb(0xa1, 0xff);
	lapic = mmu_map_device(LAPIC_BASE, PAGE_SIZE);
	ioapic = mmu_map_device(IOAPIC_BASE, PAGE_SIZE);
	for (int pin = 0; pin < IOAPIC_PINS; pin++)
		ioapic_write(0x10 + 2 * pin, 1u << 16); /* masked */
	ioapic2 = mmu_map_device(IOAPIC2_BASE, PAGE_SIZE);
	if (ioapic2_present(ioapic2)) {
		for (int pin = 0; pin < IOAPIC_PINS; pin++)
			ioapic_write_at(ioapic2, 0x10 + 2 * pin, 1u << 16);
	} else {
		ioapic2 = NULL;
	}
	lapic_setup();
	trap_set_handler(TRAP_TIMER, timer_interrupt);
	trap_set_handler(TRAP_RESCHED, resched_interrupt);
	trap_set_handler(TRAP_TLB, tlb_interrupt);
	trap_set_handler(TRAP_STOP, stop_interrupt);
	timer_count();
}

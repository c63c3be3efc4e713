/*
 * Hardware clocks of a PC: the TSC rate and the CMOS real-time clock.
 *
 * The TSC rate comes from CPUID leaf 0x15 where the CPU reports it, else
 * it is measured against channel 0 of the 8254 PIT (1.193182 MHz) over at
 * least 2 ms, counted from arch_clock_start() at the top of boot (the
 * 16-bit count wraps after 55 ms, far longer than boot takes). QEMU's default CPU models do not report the rate, and TCG's TSC
 * runs at the host's rate, so measuring is the common case.
 */
#include <arch/cpu.h>
#include <unishyper/calendar.h>
#include <unishyper/time.h>

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43

static uint16_t pit_read(void)
{
	outb(PIT_CMD, 0x00); /* latch channel 0 */
	uint8_t lo = inb(PIT_CH0);
	return (uint16_t)(inb(PIT_CH0) << 8 | lo);
}

static uint16_t pit_start;
static uint64_t tsc_start;

void arch_clock_start(void)
{
	outb(PIT_CMD, 0x34); /* channel 0, lo/hi, mode 2 (rate generator) */
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	pit_start = pit_read();
	tsc_start = rdtsc();
}

/* The PIT has counted since arch_clock_start(); the boot work in between
 * is most of the measuring window, so only a short wait remains. */
static uint64_t pit_calibrate(void)
{
	const unsigned span = PIT_HZ / 500; /* 2 ms */
	uint16_t now;
	uint64_t t1;
	unsigned guard = 0;

	do {
		now = pit_read();
		t1 = rdtsc();
		if (++guard > 10000000) /* no PIT: the count never moves */
			return 0;
	} while ((uint16_t)(pit_start - now) < span);
	return (t1 - tsc_start) * PIT_HZ / (uint16_t)(pit_start - now) / 1000;
}

uint64_t arch_tsc_khz(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0] / 1000;
	}
	return pit_calibrate();
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd(int v, int binary)
{
	return binary ? v : (v & 15) + (v >> 4) * 10;
}

int64_t arch_rtc_seconds(void)
{
	uint8_t s, mi, h, d, mo, y, b;

	if (cmos(0x0a) == 0xff) /* no RTC */
		return -1;
	for (int tries = 0; tries < 1000000 && (cmos(0x0a) & 0x80); tries++)
		cpu_pause(); /* update in progress */
	s = cmos(0x00), mi = cmos(0x02), h = cmos(0x04);
	d = cmos(0x07), mo = cmos(0x08), y = cmos(0x09), b = cmos(0x0b);
	int bin = b & 4, hour = bcd(h & 0x7f, bin);
	if (!(b & 2) && (h & 0x80))
		hour = (hour % 12) + 12;
	int64_t days = cal_days_from_civil(2000 + bcd(y, bin), (unsigned)bcd(mo, bin), (unsigned)bcd(d, bin));
	return days * 86400 + hour * 3600 + bcd(mi, bin) * 60 + bcd(s, bin);
}

/*
 * The kernel log and fatal reports.
 *
 * printk() goes to the kernel-log channel only, so the program's output
 * stays clean, and into a ring of the last LOG_RING bytes that the shell's
 * dmesg reads (printk_log_copy). A panic goes to the log and to the
 * program's standard error, ends with a symbolised backtrace, and powers
 * off with status 134; it leaves the ring alone, as it takes no locks.
 */
#include <stdarg.h>
#include <stdint.h>

#include <arch/smp.h>

#include <unishyper/console.h>
#include <unishyper/format.h>
#include <unishyper/ksyms.h>
#include <unishyper/power.h>
#include <unishyper/printk.h>
#include <unishyper/spinlock.h>

#define LOG_RING 16384

int printk_level = 1;
static int panicking;
static char ring[LOG_RING];
static uint64_t ring_end; /* bytes ever written; the ring holds the last */
static spinlock_t ring_lock = SPINLOCK_INIT;

static void ring_put(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&ring_lock);

	for (size_t i = 0; i < n; i++)
		ring[ring_end++ % LOG_RING] = s[i];
	spin_unlock_irqrestore(&ring_lock, flags);
}

size_t printk_log_copy(char *buf, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&ring_lock);
	uint64_t kept = ring_end < LOG_RING ? ring_end : LOG_RING;
	uint64_t from = ring_end - (kept < n ? kept : n);
	size_t got = 0;

	while (from < ring_end)
		buf[got++] = ring[from++ % LOG_RING];
	spin_unlock_irqrestore(&ring_lock, flags);
	return got;
}

static void vlog(int to_stderr, const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (!console_panic)
		ring_put(buf, (size_t)n);
	console_log(buf, n);
	if (to_stderr && !console_log_is_stderr())
		console_write(2, buf, n);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	if (printk_level <= 0)
		return;
	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void panic_begin(void)
{
	console_panic = true;
	if (panicking++ > 1)
		power_off(POWER_PANIC_STATUS);
	if (panicking == 1)
		smp_stop_others();
	panic_printf("unishyper: panic: ");
}

void panic_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(1, fmt, ap);
	va_end(ap);
}

_Noreturn void panic_end(unsigned long rip, unsigned long rbp)
{
	ksyms_backtrace(rip, rbp);
	power_off(POWER_PANIC_STATUS);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	va_start(ap, fmt);
	vlog(1, fmt, ap);
	va_end(ap);
	panic_printf("\n");
	panic_end((unsigned long)__builtin_return_address(0),
		  (unsigned long)__builtin_frame_address(0));
}

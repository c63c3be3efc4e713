/*
 * Symbolised backtraces from the .ksyms section (see ksyms.h). The frame
 * walk follows saved frame pointers and stops at the first frame that is
 * not on readable memory, so code built without frame pointers ends the
 * trace instead of crashing it.
 */
#include <stddef.h>

#include <unishyper/image.h>
#include <unishyper/ksyms.h>
#include <unishyper/printk.h>
#include <unishyper/vm.h>

struct ksym {
	uint64_t addr;
	uint32_t name, size;
};

extern const char __ksyms_start[], __ksyms_end[];

const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	const uint64_t *count = (const void *)__ksyms_start;
	const struct ksym *tab = (const void *)(count + 1);
	size_t lo = 0, hi;

	if (__ksyms_end - __ksyms_start < (long)sizeof(*count))
		return NULL;
	hi = *count;
	/* unishyper-gcc wrote the table after the link: the segment, not
	 * __ksyms_end, bounds it. */
	if (hi > (image_end() - (uintptr_t)tab) / sizeof(*tab))
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tab[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct ksym *s = &tab[lo - 1];
	if (addr - s->addr >= (s->size ? s->size : 4096))
		return NULL;
	*offset = addr - s->addr;
	return (const char *)(tab + *count) + s->name;
}

static void print_frame(int n, uintptr_t addr)
{
	uintptr_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		panic_printf("  #%d %s+%#lx (%#lx)\n", n, name, off, addr);
	else
		panic_printf("  #%d %#lx\n", n, addr);
}

void ksyms_backtrace(uintptr_t rip, uintptr_t rbp)
{
	panic_printf("backtrace:\n");
	print_frame(0, rip);
	for (int n = 1; n < 32; n++) {
		const uintptr_t *frame = (const uintptr_t *)rbp;
		if (!rbp || (rbp & 7) || !vm_readable(frame, 2 * sizeof(*frame)))
			break;
		if (!frame[1])
			break;
		/* A return address points after the call; name the call itself. */
		print_frame(n, frame[1] - 1);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

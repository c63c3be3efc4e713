/*
 * Copies to and from program memory (see uaccess.h).
 *
 * The range check keeps the kernel's own memory (the direct map) out of
 * reach of a program pointer; arch_copy() does the copy and stops at the
 * first page it cannot reach, which the page-fault handler resolves
 * through the architecture's fixup list instead of a kernel panic.
 */
#include <errno.h>
#include <stdint.h>

#include <arch/cpu.h>
#include <arch/uaccess.h>
#include <unishyper/pmem.h>
#include <unishyper/uaccess.h>
#include <unishyper/vm.h>

bool uaccess_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return !n || (a + n >= a && a + n <= ARCH_USER_END);
}

/* After a copy stopped at dst or src: reads in the file page it needs,
 * which the page-fault handler cannot do (it may sleep). False when
 * nothing can be brought in, or the caller may not sleep. */
static bool page_in(void *dst, const void *src)
{
	bool in = false;

	if (!irq_enabled())
		return false;
	if (uaccess_ok(src, 1) && vm_fault_in((uintptr_t)src, false) == VM_FAULT_OK)
		in = true;
	if (uaccess_ok(dst, 1) && vm_fault_in((uintptr_t)dst, true) == VM_FAULT_OK)
		in = true;
	return in;
}

int uaccess_copy(void *dst, const void *src, size_t n)
{
	bool retried = false;

	for (;;) {
		size_t left = arch_copy(dst, src, n), done = n - left;
		if (!left)
			return 0;
		if (done)
			retried = false;
		if (retried || !page_in((char *)dst + done, (const char *)src + done))
			return -EFAULT;
		retried = true;
		dst = (char *)dst + done;
		src = (const char *)src + done;
		n = left;
	}
}

int uaccess_clear(void *dst, size_t n)
{
	static const char zero[512];

	for (size_t done = 0; done < n; done += sizeof(zero)) {
		size_t k = n - done < sizeof(zero) ? n - done : sizeof(zero);
		if (arch_copy((char *)dst + done, zero, k))
			return -EFAULT;
	}
	return 0;
}

int uaccess_writable(void *dst, size_t n)
{
	char *p = dst, *end = p + n;

	/* One byte of each page, read and written back unchanged. */
	while (p < end) {
		char c;
		if (arch_copy(&c, p, 1) || arch_copy(p, &c, 1))
			return -EFAULT;
		p = (char *)(((uintptr_t)p | (PMEM_PAGE_SIZE - 1)) + 1);
	}
	return 0;
}

int uaccess_from(void *dst, const void *src, size_t n)
{
	return uaccess_ok(src, n) ? uaccess_copy(dst, src, n) : -EFAULT;
}

int uaccess_to(void *dst, const void *src, size_t n)
{
	return uaccess_ok(dst, n) ? uaccess_copy(dst, src, n) : -EFAULT;
}

long uaccess_string(char *dst, const char *src, size_t size)
{
	uintptr_t a = (uintptr_t)src;
	size_t max = size;
	long r;

	if (a >= ARCH_USER_END || !size)
		return -EFAULT;
	if (max > ARCH_USER_END - a)
		max = ARCH_USER_END - a;
	if ((r = arch_copy_string(dst, src, max)) < 0)
		return -EFAULT;
	if ((size_t)r < max)
		return r;
	return max < size ? -EFAULT : -ENAMETOOLONG;
}

int uaccess_cmpxchg32(uint32_t *p, uint32_t *old, uint32_t new)
{
	if (((uintptr_t)p & 3) || !uaccess_ok(p, sizeof(*p)))
		return -EFAULT;
	return arch_cmpxchg32(p, old, new) ? -EFAULT : 0;
}

/*
 * Host stand-in for kernel/arch/x86_64/include/arch/uaccess.h, for the
 * host tests and fuzz targets of code that copies through uaccess.h (the
 * FAT file code): on the host every buffer is the test's own, so a copy
 * is memcpy and never faults.
 */
#ifndef ARCH_UACCESS_H
#define ARCH_UACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARCH_USER_END UINTPTR_MAX

static inline size_t arch_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

static inline long arch_copy_string(char *dst, const char *src, size_t max)
{
	size_t n = strnlen(src, max);

	memcpy(dst, src, n < max ? n + 1 : max);
	return (long)n;
}

static inline int arch_cmpxchg32(uint32_t *p, uint32_t *old, uint32_t new)
{
	__atomic_compare_exchange_n(p, old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return 0;
}

#endif

/*
 * The architecture's side of program-memory access (kernel/mm/uaccess.c):
 * copies that survive a missing page, and the highest program address.
 */
#ifndef ARCH_UACCESS_H
#define ARCH_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/mmu.h>

struct trap_frame;

/* Program memory lies below this address; above it is the kernel's. */
#define ARCH_USER_END MMAP_END

/* Copies n bytes; returns how many were NOT copied because a page could
 * not be reached (0 on success). */
size_t arch_copy(void *dst, const void *src, size_t n);

/* Copies a NUL-terminated string of at most max bytes: its length, max
 * when src holds no NUL within max bytes, or -1 on a fault. */
long arch_copy_string(char *dst, const char *src, size_t max);

/* Atomically replaces *p with new if it holds *old; stores the value
 * found in *old. 0, or -1 on a fault. */
int arch_cmpxchg32(uint32_t *p, uint32_t *old, uint32_t new);

/* For the fault handler: when f faulted inside one of the copies above,
 * makes it resume at the copy's error exit and returns true. */
bool arch_uaccess_fixup(struct trap_frame *f);

#endif

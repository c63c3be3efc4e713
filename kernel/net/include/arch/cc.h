/*
 * lwIP's compiler and platform definitions for Unishyper: the kernel's C
 * library headers give the types, byte order and errno values; lwIP's
 * assertions and diagnostics go to the kernel log.
 */
#ifndef UNISHYPER_LWIP_CC_H
#define UNISHYPER_LWIP_CC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include <unishyper/printk.h>

#define LWIP_NO_CTYPE_H 0
#define LWIP_NO_UNISTD_H 1
#define LWIP_ERRNO_STDINCLUDE 1

#define LWIP_PLATFORM_DIAG(x) printk x
#define LWIP_PLATFORM_ASSERT(x) panic("lwip: %s (%s:%d)", x, __FILE__, __LINE__)

/* The random number for ports, sequence numbers and DHCP transaction ids. */
uint32_t net_random(void);
#define LWIP_RAND() net_random()

#endif

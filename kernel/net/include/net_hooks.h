/* The functions lwIP calls through its hooks (lwipopts.h's LWIP_HOOK_*),
 * included by lwIP's sources that call them. */
#ifndef UNISHYPER_NET_HOOKS_H
#define UNISHYPER_NET_HOOKS_H

#include "lwip/ip_addr.h"

/* A new connection's initial sequence number (kernel/net/isn.c). */
u32_t net_tcp_isn(const ip_addr_t *local, u16_t local_port, const ip_addr_t *remote,
		  u16_t remote_port);

#endif

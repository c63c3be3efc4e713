/*
 * TCP's initial sequence numbers, as RFC 6528 describes them: a clock
 * that ticks every 4 microseconds plus a keyed function of the
 * connection's addresses and ports, the key drawn at the first connection.
 * An outsider can guess neither the number of a connection nor, from one,
 * that of another; a connection that reuses the addresses and ports of one
 * just closed starts past it. lwIP asks through LWIP_HOOK_TCP_ISN
 * (lwipopts.h), with the core locked; its own numbers counted up from a
 * constant.
 */
#include <stdbool.h>

#include <unishyper/net.h>
#include <unishyper/random.h>
#include <unishyper/time.h>

#include "lwip/ip_addr.h"
#include "net_hooks.h"

/* An address as one word (IPv6's four folded together). */
static uint32_t fold(const ip_addr_t *ip)
{
	if (IP_IS_V4(ip))
		return ip4_addr_get_u32(ip_2_ip4(ip));
	const uint32_t *w = ip_2_ip6(ip)->addr;
	return w[0] ^ w[1] ^ w[2] ^ w[3] ^ 0x80000000u;
}

uint32_t net_isn(const uint32_t key[8], uint32_t local, uint16_t local_port, uint32_t remote,
		 uint16_t remote_port, uint64_t now_ns)
{
	const uint32_t in[4] = {local, remote, (uint32_t)local_port << 16 | remote_port, 0};
	uint32_t out[16];

	random_keyed_block(key, in, out);
	return out[0] + (uint32_t)(now_ns / 4000);
}

u32_t net_tcp_isn(const ip_addr_t *local, u16_t local_port, const ip_addr_t *remote,
		  u16_t remote_port)
{
	static uint32_t key[8];
	static bool keyed;

	if (!keyed) {
		random_bytes(key, sizeof(key));
		keyed = true;
	}
	return net_isn(key, fold(local), local_port, fold(remote), remote_port, time_ns());
}

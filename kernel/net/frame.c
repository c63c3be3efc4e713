/*
 * Ethernet frames as drivers need to see them (include/unishyper/net.h):
 * TCP and UDP checksums for devices that compute or verify them, and
 * which frames carry data, for dropping them when memory runs short. The
 * headers are parsed here, bounded by the frame's length; anything that
 * is not plain IPv4 or IPv6 with TCP or UDP right after the IP header is
 * left alone.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/net.h>

#define ETH_HLEN 14
#define PROTO_TCP 6
#define PROTO_UDP 17

struct l4 {
	size_t start;   /* offset of the TCP or UDP header */
	size_t len;     /* its bytes, header and data, as the IP header says */
	uint8_t proto;
	uint64_t pseudo; /* the pseudo-header's sum, unfolded */
	bool fragment;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The one's-complement sum of n bytes from p (big-endian words), added
 * to acc, unfolded. */
static uint64_t sum_bytes(uint64_t acc, const uint8_t *p, size_t n)
{
	while (n >= 2) {
		acc += be16(p);
		p += 2;
		n -= 2;
	}
	if (n)
		acc += (uint64_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* Finds the TCP or UDP header of a frame of len bytes whose first avail
 * bytes are at f; false for anything else. */
static bool parse(const uint8_t *f, size_t avail, size_t len, struct l4 *l)
{
	if (avail < ETH_HLEN || avail > len)
		return false;
	uint16_t type = be16(f + 12);
	const uint8_t *ip = f + ETH_HLEN;
	size_t room = len - ETH_HLEN;

	if (type == 0x0800) {
		if (avail < ETH_HLEN + 20 || ip[0] >> 4 != 4)
			return false;
		size_t hl = (size_t)(ip[0] & 15) * 4, total = be16(ip + 2);
		if (hl < 20 || total < hl || total > room || ETH_HLEN + hl > avail)
			return false;
		l->proto = ip[9];
		l->start = ETH_HLEN + hl;
		l->len = total - hl;
		l->fragment = (be16(ip + 6) & 0x3fff) != 0;
		l->pseudo = sum_bytes(0, ip + 12, 8) + l->proto + l->len;
	} else if (type == 0x86dd) {
		if (avail < ETH_HLEN + 40 || ip[0] >> 4 != 6)
			return false;
		size_t plen = be16(ip + 4);
		if (40 + plen > room)
			return false;
		l->proto = ip[6]; /* only a transport header right after */
		l->start = ETH_HLEN + 40;
		l->len = plen;
		l->fragment = l->proto == 44;
		l->pseudo = sum_bytes(0, ip + 8, 32) + l->proto + l->len;
	} else {
		return false;
	}
	if (l->proto != PROTO_TCP && l->proto != PROTO_UDP)
		return l->fragment;
	size_t min = l->proto == PROTO_TCP ? 20 : 8;
	return l->fragment || (l->len >= min && l->start + min <= avail);
}

bool net_csum_offload(uint8_t *frame, size_t avail, size_t len, uint16_t *start, uint16_t *offset)
{
	struct l4 l;

	if (!parse(frame, avail, len, &l) || l.fragment || l.proto != PROTO_TCP)
		return false;
	/* The device sums from start to the end and adds the field: it holds
	 * the pseudo-header's sum. */
	uint16_t ps = fold(l.pseudo);
	frame[l.start + 16] = (uint8_t)(ps >> 8);
	frame[l.start + 17] = (uint8_t)ps;
	*start = (uint16_t)l.start;
	*offset = 16;
	return true;
}

bool net_tcp_headers(const uint8_t *frame, size_t avail, size_t len, uint16_t *hdr_len, bool *v6)
{
	struct l4 l;

	if (!parse(frame, avail, len, &l) || l.fragment || l.proto != PROTO_TCP)
		return false;
	size_t thl = (size_t)(frame[l.start + 12] >> 4) * 4;
	if (thl < 20 || thl > l.len)
		return false;
	*hdr_len = (uint16_t)(l.start + thl);
	*v6 = be16(frame + 12) == 0x86dd;
	return true;
}

bool net_csum_bad(const uint8_t *frame, size_t len)
{
	struct l4 l;

	if (!parse(frame, len, len, &l) || l.fragment)
		return false;
	if (l.proto == PROTO_UDP && be16(frame + 12) == 0x0800 && be16(frame + l.start + 6) == 0)
		return false; /* an IPv4 UDP datagram without a checksum */
	return fold(sum_bytes(l.pseudo, frame + l.start, l.len)) != 0xffff;
}

bool net_frame_carries_data(const uint8_t *frame, size_t len)
{
	struct l4 l;

	if (!parse(frame, len, len, &l))
		return false;
	if (l.fragment || l.proto == PROTO_UDP)
		return true;
	if (l.proto != PROTO_TCP)
		return false;
	size_t thl = (size_t)(frame[l.start + 12] >> 4) * 4;
	return thl >= 20 && l.len > thl;
}

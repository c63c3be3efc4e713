/*
 * TCP's initial sequence numbers (kernel/net/isn.c, RFC 6528): the clock
 * part counts 4-microsecond steps exactly, and the keyed part makes the
 * numbers of connections that differ in one port, or in the key, look
 * unrelated (lwIP's own counted up from a constant: all within a few
 * thousand of each other).
 */
#include <stdint.h>
#include <stdlib.h>

#include <unishyper/net.h>

#include "../guest/tap.h"

#define PORTS 64

int main(void)
{
	const uint32_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8}, other[8] = {1, 2, 3, 4, 5, 6, 7, 9};
	const uint32_t a = 0x0f02000a, b = 0x0202000a; /* 10.0.2.15, 10.0.2.2 */
	uint64_t t = 123456789000;
	uint32_t isn[PORTS];
	int close = 0;

	uint32_t first = net_isn(key, a, 6379, b, 40000, t);
	CHECK(net_isn(key, a, 6379, b, 40000, t) == first,
	      "the same connection at the same time: the same number");
	CHECK(net_isn(key, a, 6379, b, 40000, t + 4000) == first + 1, "4 us later: one more");
	CHECK(net_isn(key, a, 6379, b, 40000, t + 1000000) == first + 250, "1 ms later: 250 more");
	CHECK(net_isn(key, a, 6379, b, 40000, t + 17179869184000ull) == first,
	      "2^32 steps later: the same again (the clock wraps)");
	for (int i = 0; i < PORTS; i++)
		isn[i] = net_isn(key, a, 6379, b, (uint16_t)(40000 + i), t);
	for (int i = 0; i < PORTS; i++)
		for (int j = i + 1; j < PORTS; j++)
			close += (uint32_t)(isn[i] - isn[j] + (1u << 20)) < (2u << 20);
	CHECK(close <= 4,
	      "64 connections differing in one port: %d pairs within 2^20 of each other", close);
	CHECK(net_isn(other, a, 6379, b, 40000, t) != first, "another key: another number");
	CHECK(net_isn(key, b, 6379, a, 40000, t) != first, "the addresses swapped: another number");
	return tap_done();
}

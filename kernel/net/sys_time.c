/*
 * lwIP's clock and random numbers.
 */
#include <unishyper/random.h>
#include <unishyper/time.h>

#include "lwip/sys.h"

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(time_ns() / 1000000);
}

uint32_t net_random(void)
{
	uint32_t r;

	random_bytes(&r, sizeof(r));
	return r;
}

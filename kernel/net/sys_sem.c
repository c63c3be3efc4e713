/*
 * lwIP's semaphores on kernel counting semaphores.
 */
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/sched.h>
#include <unishyper/time.h>

#include "lwip/sys.h"

err_t sys_sem_new(sys_sem_t *s, u8_t count)
{
	*s = kmalloc(sizeof(**s));
	if (!*s)
		return ERR_MEM;
	semaphore_init(*s, count);
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *s)
{
	semaphore_up(*s);
}

/* Milliseconds waited, or SYS_ARCH_TIMEOUT after timeout ms (0: none). */
u32_t sys_arch_sem_wait(sys_sem_t *s, u32_t timeout)
{
	uint64_t start = time_ns();
	uint64_t deadline = timeout ? start + timeout * 1000000ull : SCHED_FOREVER;

	if (semaphore_down(*s, deadline))
		return SYS_ARCH_TIMEOUT;
	return (u32_t)((time_ns() - start) / 1000000);
}

void sys_sem_free(sys_sem_t *s)
{
	kfree(*s);
	*s = NULL;
}

/*
 * Threads. Until the SMP issue brings more, the program has one thread,
 * and ending it ends the machine.
 */
#include <stddef.h>

#include <unishyper/power.h>
#include <unishyper/thread.h>

_Noreturn void sched_exit_unmap(void *base, size_t size)
{
	(void)base;
	(void)size;
	/* musl unmaps the stack of a detached thread that is not the last
	 * one; with one thread this is the process's end. */
	power_off(0);
}

/*
 * lwIP's mutexes (the core lock among them) on kernel mutexes, and
 * SYS_ARCH_PROTECT: interrupts off and one spinlock that the CPU holding
 * it may take again.
 */
#include <arch/cpu.h>
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/sched.h>
#include <unishyper/spinlock.h>

#include "lwip/sys.h"

err_t sys_mutex_new(sys_mutex_t *m)
{
	*m = kmalloc(sizeof(**m));
	if (!*m)
		return ERR_MEM;
	mutex_init(*m);
	return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	mutex_lock(*m);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	mutex_unlock(*m);
}

void sys_mutex_free(sys_mutex_t *m)
{
	kfree(*m);
	*m = NULL;
}

static spinlock_t protect_lock = SPINLOCK_INIT;
static struct cpu *protect_owner;
static int protect_depth;

sys_prot_t sys_arch_protect(void)
{
	unsigned long flags = irq_save();

	if (__atomic_load_n(&protect_owner, __ATOMIC_RELAXED) != this_cpu()) {
		spin_lock(&protect_lock);
		protect_owner = this_cpu();
	}
	protect_depth++;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (--protect_depth == 0) {
		protect_owner = NULL;
		spin_unlock(&protect_lock);
	}
	irq_restore(flags);
}

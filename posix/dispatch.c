/*
 * System-call dispatch by number.
 *
 * Direct calls with a constant number never come here: the generated
 * syscall_direct.h resolves them at compile time. This is the path for a
 * number known only at run time (musl's syscall(), the cancellable-call
 * wrapper, the trap entry of unmodified executables). The table and the
 * names come from posix/syscalls.list.
 */
#include <errno.h>
#include <stdint.h>

#include <unishyper/printk.h>
#include <unishyper/syscall.h>

/* One bit per number: whether its absence has been logged already. */
static uint64_t sys_logged[(SYS_TABLE_SIZE + 63) / 64];

KERNEL_API long sys_missing(long n)
{
	if (n >= 0 && n < SYS_TABLE_SIZE) {
		uint64_t bit = 1ull << (n % 64);
		if (!(sys_logged[n / 64] & bit)) {
			sys_logged[n / 64] |= bit;
			if (sys_names[n])
				printk("unishyper: system call %s (%ld) is not implemented\n",
				       sys_names[n], n);
			else
				printk("unishyper: unknown system call %ld\n", n);
		}
	} else {
		printk("unishyper: unknown system call %ld\n", n);
	}
	return -ENOSYS;
}

KERNEL_API long sys_dispatch(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	if (n < 0 || n >= SYS_TABLE_SIZE || !sys_table[n])
		return sys_missing(n);
	return sys_table[n](a1, a2, a3, a4, a5, a6);
}

/*
 * Unishyper's arch/x86_64/syscall_arch.h for musl: a system call is a plain
 * function call into the kernel, never a `syscall` instruction. Every
 * __syscallN pads its arguments to six and calls __unishyper_syscall()
 * (build/gen/syscall_direct.h, generated from posix/syscalls.list), which
 * resolves a constant number to its handler at compile time and otherwise
 * goes through sys_dispatch(). The functions are always inlined so that the
 * number stays a compile-time constant in musl's callers. There is no vDSO,
 * so the VDSO_* definitions of the original are gone.
 */

#include "syscall_direct.h"

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

#define __UNISHYPER_SC static __inline __attribute__((__always_inline__)) long

__UNISHYPER_SC __syscall0(long n)
{
	return __unishyper_syscall(n, 0, 0, 0, 0, 0, 0);
}

__UNISHYPER_SC __syscall1(long n, long a1)
{
	return __unishyper_syscall(n, a1, 0, 0, 0, 0, 0);
}

__UNISHYPER_SC __syscall2(long n, long a1, long a2)
{
	return __unishyper_syscall(n, a1, a2, 0, 0, 0, 0);
}

__UNISHYPER_SC __syscall3(long n, long a1, long a2, long a3)
{
	return __unishyper_syscall(n, a1, a2, a3, 0, 0, 0);
}

__UNISHYPER_SC __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return __unishyper_syscall(n, a1, a2, a3, a4, 0, 0);
}

__UNISHYPER_SC __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	return __unishyper_syscall(n, a1, a2, a3, a4, a5, 0);
}

__UNISHYPER_SC __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return __unishyper_syscall(n, a1, a2, a3, a4, a5, a6);
}

#undef __UNISHYPER_SC

#define IPC_64 0

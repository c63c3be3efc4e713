/*
 * Writing a system call handler.
 *
 * A handler is defined once with SYSCALL_DEFINEn(name, type, arg, ...) and
 * listed once in posix/syscalls.list. At the ABI level every handler is
 * long sys_NAME(long, long, long, long, long, long), so the dispatch table
 * has one type; the macro converts the longs to the declared types and calls
 * the typed body. Handlers return the result or a negative errno.
 *
 * The wrapper counts the calls in progress of the thread, so that an
 * interrupt can tell the program's code from the kernel's (both run on
 * the program's stack, and the kernel calls libc's string functions), and
 * delivers pending signals as the outermost call returns to the program.
 */
#ifndef UNISHYPER_SYSCALL_H
#define UNISHYPER_SYSCALL_H

#include <unishyper/syscalls.h>

struct thread;

/* The SYSCALL_DEFINEn wrapper's bookkeeping (posix/signal.c): enter
 * counts the call and returns the calling thread; leave delivers pending
 * signals when the outermost call returns, then uncounts it. */
struct thread *signal_syscall_enter(void);
void signal_syscall_leave(struct thread *t);

#define SYSCALL_ABI_ARGS long x1, long x2, long x3, long x4, long x5, long x6

/*
 * The kernel is built with hidden visibility and its hidden symbols are
 * made local in build/unishyper.o, so no kernel name can collide with a
 * program's. KERNEL_API marks what libc and programs call into.
 */
#define KERNEL_API __attribute__((visibility("default")))

#define SYSCALL_CALL(call)                                                     \
	struct thread *t_ = signal_syscall_enter();                            \
	long r_ = (call);                                                      \
	signal_syscall_leave(t_);                                              \
	return r_

#define SYSCALL_DEFINE0(name)                                                  \
	static long do_sys_##name(void);                                       \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		(void)x1, (void)x2, (void)x3, (void)x4, (void)x5, (void)x6;    \
		SYSCALL_CALL(do_sys_##name());                                        \
	}                                                                      \
	static long do_sys_##name(void)

#define SYSCALL_DEFINE1(name, t1, a1)                                          \
	static long do_sys_##name(t1 a1);                                      \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		(void)x2, (void)x3, (void)x4, (void)x5, (void)x6;              \
		SYSCALL_CALL(do_sys_##name((t1)x1));                                  \
	}                                                                      \
	static long do_sys_##name(t1 a1)

#define SYSCALL_DEFINE2(name, t1, a1, t2, a2)                                  \
	static long do_sys_##name(t1 a1, t2 a2);                               \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		(void)x3, (void)x4, (void)x5, (void)x6;                        \
		SYSCALL_CALL(do_sys_##name((t1)x1, (t2)x2));                          \
	}                                                                      \
	static long do_sys_##name(t1 a1, t2 a2)

#define SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3)                          \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3);                        \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		(void)x4, (void)x5, (void)x6;                                  \
		SYSCALL_CALL(do_sys_##name((t1)x1, (t2)x2, (t3)x3));                  \
	}                                                                      \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3)

#define SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4)                  \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4);                 \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		(void)x5, (void)x6;                                            \
		SYSCALL_CALL(do_sys_##name((t1)x1, (t2)x2, (t3)x3, (t4)x4));          \
	}                                                                      \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)

#define SYSCALL_DEFINE5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)          \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);          \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		(void)x6;                                                      \
		SYSCALL_CALL(do_sys_##name((t1)x1, (t2)x2, (t3)x3, (t4)x4, (t5)x5));  \
	}                                                                      \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)

#define SYSCALL_DEFINE6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)  \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6);   \
	KERNEL_API long sys_##name(SYSCALL_ABI_ARGS)                                      \
	{                                                                      \
		SYSCALL_CALL(do_sys_##name((t1)x1, (t2)x2, (t3)x3, (t4)x4, (t5)x5,   \
				     (t6)x6));                                  \
	}                                                                      \
	static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

#endif

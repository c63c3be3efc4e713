/*
 * Signal frames: how a handler the program installed starts after one of
 * its faults or an interrupt of its code, and how it returns
 * (kernel/arch/x86_64/signal.c). The decisions (which handler, which
 * stack, which mask) are posix/signal.c's.
 */
#ifndef ARCH_SIGNAL_H
#define ARCH_SIGNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* Whether f stopped in the program's own code (libc included), not the
 * kernel's (kernel/arch/x86_64/trap.c). */
bool arch_frame_is_program(const struct trap_frame *f);

/*
 * In the exception or interrupt: makes f resume in the kernel, in the
 * same thread, at signal_enter(top) with its stack just below the room the frame
 * for a handler needs under top. top is the program's stack pointer past
 * its red zone, or the top of its alternate signal stack.
 */
void arch_signal_redirect(struct trap_frame *f, uintptr_t top);

/*
 * In the thread, from signal_enter(): writes under top the frame a
 * handler expects (return address, ucontext_t with the registers of at and
 * the vector state, siginfo_t) and starts handler(sig, info, context) with
 * the blocked set mask recorded in the context and ss as its stack.
 * Returns -EFAULT only, when the frame cannot be written.
 */
int arch_signal_start(uintptr_t top, const struct trap_frame *at, const siginfo_t *info,
		      void *handler, uint64_t mask, const stack_t *ss);

/* rt_sigreturn: returns from the innermost handler whose frame
 * arch_signal_start() wrote, as if it returned; -EINVAL when none. */
long arch_signal_sigreturn(void);

#endif

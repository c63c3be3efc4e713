/*
 * Signal frames on x86_64, laid out as Linux lays them out for a handler
 * (after a fault, or an interrupt of the program's code):
 * under the stack pointer (past the red zone) or at the top of the
 * alternate stack, the vector state (XSAVE or FXSAVE image, 64-byte
 * aligned), a siginfo_t, a ucontext_t whose uc_mcontext holds every
 * general register of the faulting instruction (the fault address in the
 * CR2 slot) and points at the vector state, and a return address, so that
 * the handler starts as if called.
 *
 * The return address is signal_return below, not the program's restorer:
 * when the handler returns it restores the registers, vector state and
 * signal mask from the context (which the handler may have changed) and
 * resumes there, which retries a faulting instruction. A handler may also
 * leave by siglongjmp or _exit and never come back. The context's uc_link
 * names the enclosing handler's, for rt_sigreturn.
 */
#include <errno.h>
#include <string.h>
#include <ucontext.h>

#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/signal.h>
#include <arch/trap.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/uaccess.h>

#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define RFLAGS_IF 0x200ul
/* Flags a context may change: the arithmetic ones, DF, TF and AC stay the
 * kernel's choice (only IF set). */
#define RFLAGS_USER 0x8d5ul

struct sigframe {
	uint64_t ret;
	ucontext_t uc;
	siginfo_t info;
};

void signal_return(void);
void signal_enter(uintptr_t top);
_Noreturn void arch_signal_return(const ucontext_t *uc);

/* Where the frame for top starts (&frame->ret): %rsp + 8 is a multiple of
 * 16 at the handler's first instruction, as after a call. */
static uintptr_t frame_at(uintptr_t top, uintptr_t *fpu)
{
	*fpu = (top - arch_fpu_size()) & ~63ul;
	return ((*fpu - sizeof(struct sigframe)) & ~15ul) - 8;
}

void arch_signal_redirect(struct trap_frame *f, uintptr_t top)
{
	uintptr_t fpu;

	f->rsp = frame_at(top, &fpu) - 8;
	f->rip = (uintptr_t)signal_enter;
	f->rdi = top;
	f->rflags = 0x202;
}

static void to_gregs(greg_t *g, const struct trap_frame *f)
{
	g[REG_R8] = f->r8, g[REG_R9] = f->r9, g[REG_R10] = f->r10, g[REG_R11] = f->r11;
	g[REG_R12] = f->r12, g[REG_R13] = f->r13, g[REG_R14] = f->r14, g[REG_R15] = f->r15;
	g[REG_RDI] = f->rdi, g[REG_RSI] = f->rsi, g[REG_RBP] = f->rbp, g[REG_RBX] = f->rbx;
	g[REG_RDX] = f->rdx, g[REG_RAX] = f->rax, g[REG_RCX] = f->rcx, g[REG_RSP] = f->rsp;
	g[REG_RIP] = f->rip, g[REG_EFL] = f->rflags, g[REG_CSGSFS] = f->cs;
	g[REG_ERR] = f->error, g[REG_TRAPNO] = f->vector;
}

static void from_gregs(struct trap_frame *f, const greg_t *g)
{
	memset(f, 0, sizeof(*f));
	f->r8 = g[REG_R8], f->r9 = g[REG_R9], f->r10 = g[REG_R10], f->r11 = g[REG_R11];
	f->r12 = g[REG_R12], f->r13 = g[REG_R13], f->r14 = g[REG_R14], f->r15 = g[REG_R15];
	f->rdi = g[REG_RDI], f->rsi = g[REG_RSI], f->rbp = g[REG_RBP], f->rbx = g[REG_RBX];
	f->rdx = g[REG_RDX], f->rax = g[REG_RAX], f->rcx = g[REG_RCX], f->rsp = g[REG_RSP];
	f->rip = g[REG_RIP];
	f->rflags = ((uint64_t)g[REG_EFL] & RFLAGS_USER) | RFLAGS_IF | 2;
	f->cs = KERNEL_CS;
	f->ss = KERNEL_SS;
}

int arch_signal_start(uintptr_t top, const struct trap_frame *at, const siginfo_t *info,
		      void *handler, uint64_t mask, const stack_t *ss)
{
	struct thread *t = current();
	uintptr_t fpu, base = frame_at(top, &fpu);
	struct sigframe *uf = (struct sigframe *)base;
	struct sigframe k;
	struct trap_frame f;
	int r;

	memset(&k, 0, sizeof(k));
	k.ret = (uintptr_t)signal_return;
	k.uc.uc_stack = *ss;
	k.uc.uc_link = (ucontext_t *)t->sig_uc;
	to_gregs(k.uc.uc_mcontext.gregs, at);
	k.uc.uc_mcontext.gregs[REG_OLDMASK] = (greg_t)mask;
	k.uc.uc_mcontext.gregs[REG_CR2] = at->vector == 14 ? (greg_t)info->si_addr : 0;
	k.uc.uc_mcontext.fpregs = (fpregset_t)fpu;
	memcpy(&k.uc.uc_sigmask, &mask, sizeof(mask));
	k.info = *info;

	/* The thread's switch area holds the state while interrupts are off. */
	unsigned long flags = irq_save();
	arch_fpu_save(t->fpu);
	r = uaccess_to((void *)fpu, t->fpu, arch_fpu_size());
	irq_restore(flags);
	if (r || uaccess_to(uf, &k, sizeof(k)))
		return -EFAULT;

	memset(&f, 0, sizeof(f));
	f.rip = (uintptr_t)handler;
	f.rsp = base;
	f.rdi = (uint64_t)info->si_signo;
	f.rsi = (uintptr_t)&uf->info;
	f.rdx = (uintptr_t)&uf->uc;
	f.rflags = RFLAGS_IF | 2;
	f.cs = KERNEL_CS;
	f.ss = KERNEL_SS;
	t->sig_uc = (uintptr_t)&uf->uc;
	signal_handler_started();
	arch_resume(&f);
}

/* The handler returned into signal_return (signal.S) with uc the context
 * it was given. */
void arch_signal_return(const ucontext_t *uc)
{
	struct thread *t = current();
	int depth = t->sys_depth++;
	ucontext_t k;
	struct trap_frame f;
	uint64_t mask;

	if (uaccess_from(&k, uc, sizeof(k)))
		signal_terminate(SIGSEGV);
	t->sig_uc = (uintptr_t)k.uc_link;
	if (k.uc_mcontext.fpregs) {
		unsigned long flags = irq_save();
		if (uaccess_from(t->fpu, k.uc_mcontext.fpregs, arch_fpu_size())) {
			irq_restore(flags);
			signal_terminate(SIGSEGV);
		}
		arch_fpu_sanitize(t->fpu);
		arch_fpu_restore(t->fpu);
		irq_restore(flags);
	}
	memcpy(&mask, &k.uc_sigmask, sizeof(mask));
	from_gregs(&f, k.uc_mcontext.gregs);
	/* What the restored mask unblocks is delivered through a new frame,
	 * since a handler called from here would clobber the vector state
	 * just restored. */
	irq_disable();
	signal_restore_mask(mask);
	t->sys_depth = depth;
	signal_on_resume(&f);
	arch_resume(&f);
}

long arch_signal_sigreturn(void)
{
	struct thread *t = current();

	if (!t->sig_uc)
		return -EINVAL;
	t->sys_depth--; /* the call does not return through its wrapper */
	arch_signal_return((const ucontext_t *)t->sig_uc);
}

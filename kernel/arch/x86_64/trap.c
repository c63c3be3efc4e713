/*
 * Interrupt and exception dispatch.
 *
 * Device vectors go to the handler registered for them and are acknowledged
 * at the local APIC; on the way out the scheduler may switch to another
 * thread by replacing the saved registers. A page fault goes to the memory
 * manager, which maps lazily allocated pages. What it cannot resolve, and
 * every other exception, is sorted by who caused it:
 *
 * - a copy routine of uaccess.S: it resumes at its error exit (-EFAULT);
 * - the program (its code, or kernel code running on the program's stack
 *   and faulting on it, as after munmap of that stack): the program gets
 *   the signal a native process would (posix/signal.c), and without a
 *   handler the run ends with 128 + the signal and one report;
 * - the kernel anywhere else: a kernel bug, and a panic.
 *
 * A report names the fault, dumps the registers and a symbolised
 * backtrace. Exceptions run on IST stacks, so ending the run (which syncs
 * the disks and may sleep) continues in thread context on a stack of its
 * own.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/signal.h>
#include <arch/trap.h>
#include <arch/uaccess.h>
#include <unishyper/console.h>
#include <unishyper/ksyms.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/vm.h>

#define EXIT_STACK_SIZE 16384

extern char __kernel_text_start[], __kernel_text_end[];
extern const uint64_t uaccess_fixups[];

static trap_handler_t trap_handlers[256];
static uint8_t trap_exit_stack[EXIT_STACK_SIZE] __attribute__((aligned(16)));
static int trap_exit_taken;

static const char *const trap_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection fault",
	"page fault", "reserved", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point error", "virtualization error",
	"control protection error",
};

void trap_set_handler(int vector, trap_handler_t h)
{
	trap_handlers[vector] = h;
}

void trap_dump(const struct trap_frame *f)
{
	panic_printf("rip %016lx rsp %016lx rflags %016lx error %lx\n"
		     "rax %016lx rbx %016lx rcx %016lx rdx %016lx\n"
		     "rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n"
		     "r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n"
		     "r13 %016lx r14 %016lx r15 %016lx\n",
		     f->rip, f->rsp, f->rflags, f->error, f->rax, f->rbx, f->rcx,
		     f->rdx, f->rsi, f->rdi, f->rbp, f->r8, f->r9, f->r10, f->r11,
		     f->r12, f->r13, f->r14, f->r15);
}

bool arch_uaccess_fixup(struct trap_frame *f)
{
	for (const uint64_t *p = uaccess_fixups; p[0]; p += 2)
		if (f->rip == p[0]) {
			f->rip = p[1];
			return true;
		}
	return false;
}

/* The fault, the thread and the registers, for a panic or a program's end. */
static void report(const struct trap_frame *f, uint64_t addr)
{
	const char *name = f->vector < 32 && trap_names[f->vector] ?
				   trap_names[f->vector] : "unexpected interrupt";
	struct cpu *c = this_cpu();

	if (f->vector == 14)
		panic_printf("%s at address %#lx (%s, %s) in %s\n",
			     addr < 4096 ? "NULL pointer dereference" : name, addr,
			     f->error & 2 ? "write" : (f->error & 16 ? "execute" : "read"),
			     f->error & 1 ? "protection violation" : "not mapped",
			     vm_describe(addr));
	else
		panic_printf("%s (vector %lu) at %#lx\n", name, f->vector, f->rip);
	if (c->current)
		panic_printf("in thread %d (%s) on CPU %d\n", c->current->tid, c->current->name,
			     c->id);
	trap_dump(f);
}

static _Noreturn void kernel_bug(struct trap_frame *f, uint64_t addr)
{
	panic_begin();
	panic_printf("kernel ");
	report(f, addr);
	panic_end(f->rip, f->rbp);
}

static void park(void)
{
	for (;;)
		__asm__ volatile("sti; hlt");
}

/* Ends the process as signal sig does, from thread context: f resumes in
 * process_killed() on a stack of its own. Only the first thread to end
 * the run this way gets it; a later one waits for the end. A fork child
 * runs alone, and its end returns to its parent. */
static void exit_from_trap(struct trap_frame *f, int sig)
{
	f->rflags = 0x202;
	if (this_cpu()->current)
		this_cpu()->current->sys_depth++; /* kernel code from here on */
	if (!process_is_child() && __atomic_exchange_n(&trap_exit_taken, 1, __ATOMIC_ACQ_REL)) {
		f->rip = (uintptr_t)park;
		return;
	}
	f->rip = (uintptr_t)process_killed;
	f->rdi = (uint64_t)sig;
	f->rsp = (uintptr_t)trap_exit_stack + EXIT_STACK_SIZE - 8;
	f->rbp = 0;
}

/* The signal a native process gets for exception f, with si_code. */
static int signal_of(const struct trap_frame *f, enum vm_fault_result r, int *code)
{
	switch (f->vector) {
	case 0:
		*code = FPE_INTDIV;
		return SIGFPE;
	case 16:
	case 19:
		*code = FPE_FLTINV;
		return SIGFPE;
	case 1:
	case 3:
		*code = TRAP_BRKPT;
		return SIGTRAP;
	case 6:
		*code = ILL_ILLOPN;
		return SIGILL;
	case 12:
		*code = SI_KERNEL;
		return SIGBUS;
	case 17:
		*code = BUS_ADRALN;
		return SIGBUS;
	case 14:
		if (r == VM_FAULT_SIGBUS) {
			*code = BUS_ADRERR;
			return SIGBUS;
		}
		*code = r == VM_FAULT_ACCERR ? SEGV_ACCERR : SEGV_MAPERR;
		return SIGSEGV;
	default:
		*code = SI_KERNEL;
		return SIGSEGV;
	}
}

static bool in_kernel_text(uintptr_t pc)
{
	return pc >= (uintptr_t)__kernel_text_start && pc < (uintptr_t)__kernel_text_end;
}

bool arch_frame_is_program(const struct trap_frame *f)
{
	return !in_kernel_text(f->rip) && f->rip < ARCH_USER_END;
}

/* Whether the program caused f: its own code faulted, or kernel code on
 * the program's stack (a system call is a function call) faulted on that
 * stack, which only the program can have unmapped or protected. */
static bool program_fault(const struct trap_frame *f, uint64_t addr)
{
	if (!in_kernel_text(f->rip))
		return f->rip < ARCH_USER_END;
	return f->vector == 14 && addr + PAGE_SIZE >= f->rsp && addr < f->rsp + PAGE_SIZE &&
	       f->rsp < ARCH_USER_END;
}

/* The thread of a program fault that needs a file page read in, out of
 * the exception where it may sleep: reads it, then retries the access
 * from the registers saved at at, which fault it again if the page is
 * past the end of the file (a SIGBUS then). */
static void page_in(struct trap_frame *at, uintptr_t addr, bool write)
{
	struct thread *t = current();

	if (!t->sys_depth++) /* the frames above are the program's */
		t->sys_sp = (uintptr_t)(at + 1);
	vm_fault_in(addr, write);
	t->sys_depth--;
	arch_resume(at);
}

/* Sends f's thread to page_in(): the registers go on the program's stack
 * past the red zone, where nothing the program keeps lives. False when
 * that stack cannot take them. */
static bool page_in_later(struct trap_frame *f, uintptr_t addr)
{
	uintptr_t at = (f->rsp - ARCH_RED_ZONE - sizeof(*f)) & ~15ul;

	if (vm_fault(at, true, false) != VM_FAULT_OK ||
	    vm_fault(at + sizeof(*f) - 1, true, false) != VM_FAULT_OK)
		return false;
	memcpy((void *)at, f, sizeof(*f));
	f->rip = (uintptr_t)page_in;
	f->rdi = at;
	f->rsi = addr;
	f->rdx = (f->error & 2) != 0;
	f->rsp = at - 8; /* as after a call */
	f->rflags = 0x202;
	return true;
}

static void fault(struct trap_frame *f)
{
	uint64_t addr = f->vector == 14 ? read_cr2() : 0;
	enum vm_fault_result r = VM_FAULT_MAPERR;
	int sig, code;

	if (f->vector == 14 && (r = vm_fault(addr, f->error & 2, f->error & 16)) == VM_FAULT_OK)
		return;
	if (r == VM_FAULT_IO && !in_kernel_text(f->rip) && f->rip < ARCH_USER_END &&
	    page_in_later(f, addr))
		return;
	if (r == VM_FAULT_OOM) {
		if (process_is_child()) {
			printk("unishyper: out of memory: process %d killed\n", process_pid);
		} else {
			console_panic = true; /* reports from a trap go out without sleeping */
			panic_printf("unishyper: out of memory: program killed "
				     "(no page for address %#lx)\n", addr);
		}
		exit_from_trap(f, SIGKILL);
		return;
	}
	if ((f->vector == 14 || f->vector == 13) && arch_uaccess_fixup(f))
		return;
	if (f->vector == 2 || f->vector == 8 || f->vector == 18 || !program_fault(f, addr))
		kernel_bug(f, addr);
	sig = signal_of(f, r, &code);
	if (signal_fault(f, sig, code, f->vector == 14 ? addr : f->rip))
		return;
	if (process_is_child()) { /* as on Linux, the parent's wait4 tells */
		printk("unishyper: process %d terminated by signal %d (%s) at %#lx\n",
		       process_pid, sig, signal_name(sig), f->rip);
		exit_from_trap(f, sig);
		return;
	}
	console_panic = true;
	panic_printf("unishyper: program terminated by signal %d (%s): ", sig, signal_name(sig));
	report(f, addr);
	ksyms_backtrace(f->rip, f->rbp);
	exit_from_trap(f, sig);
}

void trap_dispatch(struct trap_frame *f)
{
	struct arch_cpu *a = &this_cpu()->arch;

	if (a->trap_depth++ && f->vector < TRAP_IRQ_BASE) {
		panic_begin();
		panic_printf("fault while handling an interrupt or fault (vector %lu)\n", f->vector);
		trap_dump(f);
		panic_end(f->rip, f->rbp);
	}
	if (f->vector < TRAP_IRQ_BASE) {
		fault(f);
	} else if (f->vector != TRAP_SPURIOUS) {
		if (trap_handlers[f->vector])
			trap_handlers[f->vector](f);
		apic_eoi();
	}
	a->trap_depth--;
	/* May replace *f with the registers of the thread to run next. */
	sched_interrupt_exit(f);
}

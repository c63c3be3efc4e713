/*
 * Interrupt and exception dispatch.
 *
 * Device vectors go to the handler registered for them and are acknowledged
 * at the local APIC; on the way out the scheduler may switch to another
 * thread by replacing the saved registers. A page fault goes to the memory manager, which maps
 * lazily allocated pages; any fault it cannot resolve, and every other
 * exception, is fatal: the report names the fault, dumps the registers and
 * a symbolised backtrace, and powers off.
 */
#include <stdint.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <unishyper/sched.h>
#include <unishyper/printk.h>
#include <unishyper/vm.h>

static trap_handler_t trap_handlers[256];

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

static _Noreturn void fatal(struct trap_frame *f)
{
	const char *name = f->vector < 32 && trap_names[f->vector] ?
				   trap_names[f->vector] : "unexpected interrupt";
	struct cpu *c = this_cpu();

	panic_begin();
	if (c->current)
		panic_printf("in thread %d (%s) on CPU %d: ", c->current->tid, c->current->name,
			     c->id);
	if (f->vector == 14) {
		uint64_t addr = read_cr2();
		panic_printf("%s at address %#lx (%s, %s) in %s\n",
			     addr < 4096 ? "NULL pointer dereference" : name, addr,
			     f->error & 2 ? "write" : (f->error & 16 ? "execute" : "read"),
			     f->error & 1 ? "protection violation" : "not mapped",
			     vm_describe(addr));
	} else {
		panic_printf("%s (vector %lu)\n", name, f->vector);
	}
	trap_dump(f);
	panic_end(f->rip, f->rbp);
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
	if (f->vector == 14 && vm_fault(read_cr2(), f->error & 2, f->error & 16)) {
		a->trap_depth--;
		return;
	}
	if (f->vector < TRAP_IRQ_BASE)
		fatal(f);
	if (f->vector != TRAP_SPURIOUS) {
		if (trap_handlers[f->vector])
			trap_handlers[f->vector](f);
		apic_eoi();
	}
	a->trap_depth--;
	/* May replace *f with the registers of the thread to run next. */
	sched_interrupt_exit(f);
}

/*
 * The `syscall` instruction path that unmodified executables take: same
 * table, Linux's register contract (only rax, rcx, r11 change), and the
 * caller's red zone left alone.
 */
#include <errno.h>
#include <sys/syscall.h>

#include "tap.h"

static long raw(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	CHECK(raw(SYS_getpid, 0, 0, 0) == 1, "getpid through the syscall instruction");
	CHECK(raw(SYS_write, 1, (long)"# via syscall\n", 14) == 14, "write through the syscall instruction");
	CHECK(raw(SYS_write, 1, 8, 4) == -EFAULT, "a bad pointer gives -EFAULT");
	CHECK(raw(SYS_write, 1234, 0, 0) == -EBADF, "a bad fd gives -EBADF");
	CHECK(raw(999, 0, 0, 0) == -ENOSYS, "an unknown number gives -ENOSYS");

	/* Registers other than rax, rcx, r11 survive, and so does the red zone. */
	long rdi = 0x1111, rsi = 0x2222, rdx = 0x3333, r8v = 0x4444, r9v = 0x5555, r10v = 0x6666;
	long red = 0;
	__asm__ volatile("movq $0x7777, -64(%%rsp)\n\t"
			 "mov %[r8], %%r8\n\t"
			 "mov %[r9], %%r9\n\t"
			 "mov %[r10], %%r10\n\t"
			 "mov $39, %%eax\n\t"
			 "syscall\n\t"
			 "mov -64(%%rsp), %[red]\n\t"
			 "mov %%r8, %[r8]\n\t"
			 "mov %%r9, %[r9]\n\t"
			 "mov %%r10, %[r10]"
			 : [red] "=r"(red), [r8] "+m"(r8v), [r9] "+m"(r9v), [r10] "+m"(r10v), "+D"(rdi),
			   "+S"(rsi), "+d"(rdx)
			 :
			 : "rax", "rcx", "r11", "r8", "r9", "r10", "memory");
	CHECK(red == 0x7777, "the red zone below the stack pointer survives");
	CHECK(rdi == 0x1111 && rsi == 0x2222 && rdx == 0x3333 && r8v == 0x4444 && r9v == 0x5555 &&
		      r10v == 0x6666, "argument registers survive");
	return tap_done();
}

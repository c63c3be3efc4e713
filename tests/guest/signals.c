/*
 * A program's faults and its own handlers, as a native process sees them:
 * siginfo_t and ucontext_t of a SIGSEGV, siglongjmp out of a handler,
 * return after mprotect (the access is retried), the alternate stack,
 * -EFAULT from system calls on bad pointers (a page unmapped by another
 * thread during a blocking read included), munmap and mprotect of the
 * caller's own stack, memory that comes back and out-of-memory as ENOMEM.
 * Built natively with musl-gcc -static it gives the same answers.
 * With an argument it runs one case that ends the program (oom, stack,
 * abort, bus) and the runner checks the status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "tap.h"

static sigjmp_buf jump;
static volatile siginfo_t seen;
static volatile greg_t seen_rip, seen_cr2;
static volatile uintptr_t seen_sp;
static char *page;
static long pg;

static void on_segv_jump(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int local;

	seen = *si;
	seen_rip = uc->uc_mcontext.gregs[REG_RIP];
	seen_cr2 = uc->uc_mcontext.gregs[REG_CR2];
	seen_sp = (uintptr_t)&local;
	siglongjmp(jump, 1);
}

static void on_segv_fix(int sig, siginfo_t *si, void *ctx)
{
	seen = *si;
	mprotect(page, pg, PROT_READ | PROT_WRITE);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static unsigned long free_kib(void)
{
	struct sysinfo si;

	sysinfo(&si);
	return si.freeram / 1024;
}

/* Free memory once it has come back to at least want - slack KiB, waiting
 * up to 10 s for idle CPUs to free what ended threads left (a loaded host
 * can keep them from it for a while): the last reading. */
static unsigned long settled_kib(unsigned long want, unsigned long slack)
{
	struct timespec tick = { 0, 10 * 1000000 };
	unsigned long now = free_kib();

	for (int i = 0; i < 1000 && now + slack < want; i++) {
		nanosleep(&tick, NULL);
		now = free_kib();
	}
	return now;
}

static void *nothing(void *arg)
{
	return arg;
}

static char *victim;

static void *unmapper(void *arg)
{
	struct timespec ts = { 0, 300 * 1000000 };

	nanosleep(&ts, NULL);
	munmap(victim, 4 * pg);
	return arg;
}

static int ends(const char *what)
{
	if (!strcmp(what, "oom")) {
		/* Promised within the limits, then more touched than exists. */
		for (;;) {
			char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (p == MAP_FAILED)
				return 3;
			for (long i = 0; i < 16 << 20; i += pg)
				p[i] = 1;
		}
	}
	if (!strcmp(what, "stack")) {
		/* munmap of the page the caller's stack pointer is in. */
		char here;
		uintptr_t sp = (uintptr_t)&here & ~(uintptr_t)(pg - 1);
		syscall(SYS_munmap, sp, pg);
		return 0;
	}
	if (!strcmp(what, "stackro")) {
		char here;
		uintptr_t sp = (uintptr_t)&here & ~(uintptr_t)(pg - 1);
		syscall(SYS_mprotect, sp, pg, PROT_READ);
		return 0;
	}
	if (!strcmp(what, "abort"))
		abort();
	if (!strcmp(what, "bus")) {
		/* A stack-segment fault: a non-canonical address based on %rsp. */
		__asm__ volatile("mov %%rsp, %%rax; neg %%rax; movabs $0x8000000000000000, %%rcx;"
				 "add %%rcx, %%rax; movq (%%rsp, %%rax, 1), %%rax" : : : "rax", "rcx",
				 "memory");
	}
	return 2;
}

int main(int argc, char **argv)
{
	pg = sysconf(_SC_PAGESIZE);
	if (argc > 1)
		return ends(argv[1]);

	/* A handler sees the fault and leaves by siglongjmp. */
	handle(SIGSEGV, on_segv_jump, 0);
	volatile int *bad = (int *)0x10;
	if (!sigsetjmp(jump, 1))
		*bad = 1;
	CHECK(seen.si_signo == SIGSEGV && seen.si_code == SEGV_MAPERR && seen.si_addr == (void *)0x10,
	      "SIGSEGV handler: si_signo, SEGV_MAPERR, si_addr");
	CHECK(seen_cr2 == 0x10 && seen_rip != 0, "ucontext: RIP and the fault address in CR2");

	page = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)&seen, 0, sizeof(seen));
	if (!sigsetjmp(jump, 1))
		page[0] = 1;
	CHECK(seen.si_code == SEGV_ACCERR && seen.si_addr == page,
	      "a write to a read-only page: SEGV_ACCERR");

	/* Returning after mprotect retries the access. */
	handle(SIGSEGV, on_segv_fix, 0);
	page[5] = 42;
	CHECK(page[5] == 42 && seen.si_addr == page + 5, "return after mprotect retries the write");

	/* The alternate stack. */
	stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536 };
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
	handle(SIGSEGV, on_segv_jump, SA_ONSTACK);
	if (!sigsetjmp(jump, 1))
		*bad = 2;
	CHECK(seen_sp - (uintptr_t)ss.ss_sp < ss.ss_size, "SA_ONSTACK: the handler runs on it");
	signal(SIGSEGV, SIG_DFL);

	/* System calls answer EFAULT, never fault. */
	char *hole = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, pg);
	struct stat st;
	errno = 0;
	CHECK(write(1, hole, 10) == -1 && errno == EFAULT, "write from an unmapped buffer: EFAULT");
	/* Raw calls: libc's wrappers may copy through buffers of their own. */
	CHECK(syscall(SYS_stat, "/", hole) == -1 && errno == EFAULT, "stat into unmapped memory: EFAULT");
	CHECK(syscall(SYS_stat, hole, &st) == -1 && errno == EFAULT, "a path in unmapped memory: EFAULT");
	CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME, hole) == -1 && errno == EFAULT,
	      "clock_gettime into unmapped memory: EFAULT");
	CHECK(write(1, (void *)0xffff800000000000ul, 8) == -1 && errno == EFAULT,
	      "a kernel address: EFAULT");

	/* A buffer unmapped by another thread while read blocks on it. */
	pthread_t t;
	victim = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_create(&t, NULL, unmapper, NULL);
	errno = 0;
	ssize_t n = read(0, victim, 4 * pg);
	pthread_join(t, NULL);
	CHECK(n == -1 && errno == EFAULT, "read into a buffer unmapped meanwhile: EFAULT (got %zd)", n);

	/* Memory comes back. */
	for (int i = 0; i < 2000; i++) {
		char *p = malloc(1 << 20);
		p[0] = p[(1 << 20) - 1] = 1;
		free(p);
	}
	unsigned long before = free_kib();
	for (int i = 0; i < 20000; i++) {
		char *p = malloc(1 << 20);
		for (long j = 0; j < 1 << 20; j += 4 * pg)
			p[j] = 1;
		free(p);
	}
	unsigned long after = settled_kib(before, 256);
	CHECK(after + 256 >= before, "20000 rounds of malloc/free of 1 MiB: free memory %lu -> %lu KiB",
	      before, after);
	for (int i = 0; i < 200; i++) {
		pthread_create(&t, NULL, nothing, NULL);
		pthread_join(t, NULL);
	}
	before = free_kib();
	for (int i = 0; i < 3000; i++) {
		pthread_create(&t, NULL, nothing, NULL);
		pthread_join(t, NULL);
	}
	after = settled_kib(before, 64);
	CHECK(after + 64 >= before, "3000 threads created and joined: free memory %lu -> %lu KiB",
	      before, after);

	errno = 0;
	CHECK(mmap(NULL, 1ul << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
			      MAP_FAILED && errno == ENOMEM, "mmap of 1 TiB: ENOMEM");
	CHECK(malloc(1ul << 40) == NULL && errno == ENOMEM, "malloc of 1 TiB: NULL, ENOMEM");
	return tap_done();
}

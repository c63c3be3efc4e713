/*
 * Program start, the same for every program: a stack as Linux's execve
 * leaves it (argc, argv pointers, NULL, envp pointers, NULL, auxv pairs,
 * then the strings and AT_RANDOM bytes above), %rsp at argc, and a jump to
 * _start. musl's start code finds the TLS segment through AT_PHDR, which
 * points at the program headers the image carries in its first page.
 */
#include <elf.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/program.h>
#include <unishyper/random.h>
#include <unishyper/vm.h>

extern void _start(void);
extern char __image_start[];

static char exe_path[256] = "/";

const char *program_path(void)
{
	return exe_path;
}

_Noreturn void program_start(int argc, char **argv, int envc, char **envp)
{
	const Elf64_Ehdr *eh = (const void *)__image_start;
	uintptr_t top = vm_stack(PROCESS_STACK_SIZE, true), sp = top;
	uint64_t random[2];
	char *str_argv[argc + 1], *str_envp[envc + 1];

	if (!top)
		panic("no memory for the program's stack");
	if (argc)
		strncpy(exe_path + 1, argv[0][0] == '/' ? argv[0] + 1 : argv[0], sizeof(exe_path) - 2);
	for (int i = envc - 1; i >= 0; i--) {
		size_t n = strlen(envp[i]) + 1;
		sp -= n;
		memcpy((void *)sp, envp[i], n);
		str_envp[i] = (char *)sp;
	}
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		memcpy((void *)sp, argv[i], n);
		str_argv[i] = (char *)sp;
	}
	random_bytes(random, sizeof(random));
	sp = (sp - sizeof(random)) & ~15ul;
	memcpy((void *)sp, random, sizeof(random));
	uintptr_t at_random = sp;

	uint64_t auxv[] = {
		AT_PHDR, (uint64_t)__image_start + eh->e_phoff,
		AT_PHENT, eh->e_phentsize,
		AT_PHNUM, eh->e_phnum,
		AT_PAGESZ, PAGE_SIZE,
		AT_ENTRY, (uint64_t)_start,
		AT_RANDOM, at_random,
		AT_HWCAP, 0,
		AT_EXECFN, argc ? (uint64_t)str_argv[0] : 0,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_SECURE, 0,
		AT_NULL, 0,
	};
	size_t words = 1 + argc + 1 + envc + 1 + sizeof(auxv) / 8;
	sp = (sp - words * 8) & ~15ul;
	uint64_t *w = (uint64_t *)sp;
	*w++ = (uint64_t)argc;
	for (int i = 0; i < argc; i++)
		*w++ = (uint64_t)str_argv[i];
	*w++ = 0;
	for (int i = 0; i < envc; i++)
		*w++ = (uint64_t)str_envp[i];
	*w++ = 0;
	memcpy(w, auxv, sizeof(auxv));

	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "xor %%edx, %%edx\n\t"
			 "jmp *%1"
			 : : "r"(sp), "r"(_start) : "memory");
	__builtin_unreachable();
}

/*
 * The image in memory (see image.h).
 */
#include <elf.h>

#include <arch/mmu.h>
#include <unishyper/image.h>

extern char __image_start[], __image_end[];

uintptr_t image_end(void)
{
	static uintptr_t end;

	if (!end) {
		const Elf64_Ehdr *eh = (const void *)__image_start;
		const Elf64_Phdr *ph = (const void *)(__image_start + eh->e_phoff);
		uintptr_t e = (uintptr_t)__image_end;
		for (int i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > e)
				e = ph[i].p_vaddr + ph[i].p_memsz;
		end = PAGE_ROUND_UP(e);
	}
	return end;
}

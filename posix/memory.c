/*
 * Memory system calls: brk, mmap (anonymous), munmap, mprotect, mremap,
 * madvise. The address-space work is kernel/mm/vm.c's; this file checks
 * the arguments as Linux does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>
#include <unishyper/vm.h>

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

SYSCALL_DEFINE1(brk, uintptr_t, addr)
{
	return (long)vm_brk(addr);
}

SYSCALL_DEFINE6(mmap, uintptr_t, addr, size_t, len, int, prot, int, flags, int, fd,
		long, off)
{
	int type = flags & MAP_TYPE;

	if (!len || (prot & ~PROT_ALL) || (off & 4095) ||
	    (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return fd < 0 ? -EBADF : -ENODEV;
	if (flags & MAP_FIXED_NOREPLACE) {
		if (addr & 4095)
			return -EINVAL;
		if (vm_check((void *)addr, 1, 0) || vm_check((void *)(addr + len - 1), 1, 0))
			return -EEXIST;
	}
	return vm_map(addr, len, (unsigned)prot, flags & (MAP_FIXED | MAP_FIXED_NOREPLACE));
}

SYSCALL_DEFINE2(munmap, uintptr_t, addr, size_t, len)
{
	if (!uaccess_ok((void *)addr, len))
		return -EINVAL;
	return vm_unmap(addr, len);
}

SYSCALL_DEFINE3(mprotect, uintptr_t, addr, size_t, len, int, prot)
{
	if (prot & ~PROT_ALL)
		return -EINVAL;
	return vm_protect(addr, len, (unsigned)prot);
}

SYSCALL_DEFINE5(mremap, uintptr_t, old, size_t, old_len, size_t, new_len, int, flags,
		uintptr_t, new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED) || !old_len)
		return -EINVAL;
	return vm_remap(old, old_len, new_len, flags & MREMAP_MAYMOVE, flags & MREMAP_FIXED,
			new_addr);
}

/* The advice values Linux knows (MADV_NORMAL ... MADV_DONTNEED, and
 * MADV_FREE ... MADV_COLLAPSE); all but MADV_DONTNEED are hints here. */
static bool madvise_known(int advice)
{
	return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25);
}

SYSCALL_DEFINE3(madvise, uintptr_t, addr, size_t, len, int, advice)
{
	if (!madvise_known(advice) || addr & 4095)
		return -EINVAL;
	if (!vm_check((void *)addr, len, 0))
		return -ENOMEM;
	if (advice == MADV_DONTNEED)
		return vm_discard(addr, len);
	return 0;
}

/*
 * Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
 * msync, mincore. The address-space work is kernel/mm/vm.c's, a file
 * mapping is made by the file's own mmap operation (file.h); this file
 * checks the arguments as Linux does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include <unishyper/file.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>
#include <unishyper/vm.h>

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

SYSCALL_DEFINE1(brk, uintptr_t, addr)
{
	return (long)vm_brk(addr);
}

static long map_file(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get(fd);
	long r;

	if (!f)
		return -EBADF;
	r = f->ops->mmap ? f->ops->mmap(f, addr, len, prot, flags, off) : -ENODEV;
	file_put(f);
	return r;
}

SYSCALL_DEFINE6(mmap, uintptr_t, addr, size_t, len, int, prot, int, flags, int, fd,
		long, off)
{
	int type = flags & MAP_TYPE;

	if (!len || (prot & ~PROT_ALL) || (off & 4095) ||
	    (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE))
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE) {
		if (addr & 4095)
			return -EINVAL;
		if (vm_check((void *)addr, 1, 0) || vm_check((void *)(addr + len - 1), 1, 0))
			return -EEXIST;
	}
	if (!(flags & MAP_ANONYMOUS))
		return map_file(addr, len, prot, flags, fd, (uint64_t)off);
	return vm_map(addr, len, (unsigned)prot | (type == MAP_PRIVATE ? 0 : VM_SHARED),
		      flags & (MAP_FIXED | MAP_FIXED_NOREPLACE));
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

SYSCALL_DEFINE3(msync, uintptr_t, addr, size_t, len, int, flags)
{
	if ((flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
		return -EINVAL;
	return vm_msync(addr, len, flags & MS_SYNC);
}

SYSCALL_DEFINE3(mincore, uintptr_t, addr, size_t, len, unsigned char *, vec)
{
	unsigned char chunk[256];
	size_t pages = (len + 4095) / 4096;
	int r;

	if (addr & 4095)
		return -EINVAL;
	if (!uaccess_ok((void *)addr, len))
		return -ENOMEM;
	for (size_t done = 0; done < pages; done += sizeof(chunk)) {
		size_t n = pages - done < sizeof(chunk) ? pages - done : sizeof(chunk);
		if ((r = vm_mincore(addr + done * 4096, n, chunk)) ||
		    (r = uaccess_to(vec + done, chunk, n)))
			return r;
	}
	return 0;
}

/*
 * memfd_create: an unnamed file in memory. It is a ramfs file created in
 * /dev/shm under a name of its own and unlinked at once, so it lives
 * exactly as long as its descriptors and mappings, and ftruncate, mmap
 * and fstat work on it as on any ramfs file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <unishyper/file.h>
#include <unishyper/format.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

#define MFD_NAME_MAX 249 /* Linux's limit, without the "memfd:" prefix */

SYSCALL_DEFINE2(memfd_create, const char *, uname, unsigned, flags)
{
	static unsigned long seq;
	char name[MFD_NAME_MAX + 1], path[64];
	struct file *f;
	long r;

	if (flags & ~(unsigned)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	if ((r = uaccess_string(name, uname, sizeof(name))) < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	ksnprintf(path, sizeof(path), "/dev/shm/.memfd-%lu",
		  __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	if ((r = vfs_open(path, O_RDWR | O_CREAT | O_EXCL, 0600, &f)))
		return r;
	vfs_unlink(path);
	if ((r = fd_install(f, 0, flags & MFD_CLOEXEC)) < 0)
		file_put(f);
	return r;
}

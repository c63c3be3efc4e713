/*
 * System calls on paths: open and creat, directories, unlink, rename,
 * hard and symbolic links, truncate, the working directory and the umask.
 * Paths are copied in from the program first; the *at forms resolve a
 * relative path against the directory an fd was opened as. The work is
 * the VFS's (kernel/fs/vfs.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <unishyper/file.h>
#include <unishyper/syscall.h>
#include <unishyper/program.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

#include "path.h"

static uint32_t umask_bits = 022;

long path_get(const char *u, char *out)
{
	long n = uaccess_string(out, u, VFS_PATH_MAX);

	return n < 0 ? n : n ? 0 : -ENOENT;
}

long path_at(int dirfd, const char *u, char *out)
{
	char rel[VFS_PATH_MAX];
	long r = path_get(u, rel);

	if (r)
		return r;
	if (rel[0] == '/' || dirfd == AT_FDCWD) {
		strcpy(out, rel);
		return 0;
	}
	struct file *f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	const char *dir = vfs_file_dir(f);
	if (!dir) {
		file_put(f);
		return -ENOTDIR;
	}
	size_t l = strlen(dir);
	if (l + 1 + strlen(rel) >= VFS_PATH_MAX) {
		file_put(f);
		return -ENAMETOOLONG;
	}
	memcpy(out, dir, l);
	out[l] = '/';
	strcpy(out + l + 1, rel);
	file_put(f);
	return 0;
}

long path_means_fd(const char *upath, int flags)
{
	if (!(flags & AT_EMPTY_PATH))
		return upath ? 0 : -EFAULT;
	if (!upath)
		return 1;
	char c;

	return uaccess_get(c, upath) ? -EFAULT : !c;
}


static long do_open(int dirfd, const char *upath, int flags, uint32_t mode)
{
	char path[VFS_PATH_MAX];
	struct file *f;
	long r = path_at(dirfd, upath, path);

	if (r)
		return r;
	if ((r = vfs_open(path, flags, mode & ~umask_bits & 07777, &f)))
		return r;
	if ((r = fd_install(f, 0, flags & O_CLOEXEC)) < 0)
		file_put(f);
	return r;
}

SYSCALL_DEFINE3(open, const char *, path, int, flags, uint32_t, mode)
{
	return do_open(AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE4(openat, int, dirfd, const char *, path, int, flags, uint32_t, mode)
{
	return do_open(dirfd, path, flags, mode);
}

SYSCALL_DEFINE2(creat, const char *, path, uint32_t, mode)
{
	return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static long path_op(int dirfd, const char *upath, int (*op)(const char *))
{
	char path[VFS_PATH_MAX];
	long r = path_at(dirfd, upath, path);

	return r ? r : op(path);
}

SYSCALL_DEFINE2(mkdir, const char *, upath, uint32_t, mode)
{
	char path[VFS_PATH_MAX];
	long r = path_get(upath, path);

	return r ? r : vfs_mkdir(path, mode & ~umask_bits & 07777);
}

SYSCALL_DEFINE3(mkdirat, int, dirfd, const char *, upath, uint32_t, mode)
{
	char path[VFS_PATH_MAX];
	long r = path_at(dirfd, upath, path);

	return r ? r : vfs_mkdir(path, mode & ~umask_bits & 07777);
}

SYSCALL_DEFINE1(rmdir, const char *, path)
{
	return path_op(AT_FDCWD, path, vfs_rmdir);
}

SYSCALL_DEFINE1(unlink, const char *, path)
{
	return path_op(AT_FDCWD, path, vfs_unlink);
}

SYSCALL_DEFINE3(unlinkat, int, dirfd, const char *, path, int, flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return path_op(dirfd, path, flags & AT_REMOVEDIR ? vfs_rmdir : vfs_unlink);
}

static long do_rename(int olddir, const char *uold, int newdir, const char *unew, unsigned flags)
{
	char from[VFS_PATH_MAX], to[VFS_PATH_MAX];
	long r;

	if (flags & ~1u) /* RENAME_NOREPLACE only; no RENAME_EXCHANGE */
		return -EINVAL;
	if ((r = path_at(olddir, uold, from)) || (r = path_at(newdir, unew, to)))
		return r;
	return vfs_rename(from, to, flags & 1u);
}

static long do_link(int olddir, const char *uold, int newdir, const char *unew, int flags)
{
	char from[VFS_PATH_MAX], to[VFS_PATH_MAX];
	long r;

	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	if ((r = path_at(olddir, uold, from)) || (r = path_at(newdir, unew, to)))
		return r;
	return vfs_link(from, to, flags & AT_SYMLINK_FOLLOW);
}

SYSCALL_DEFINE2(link, const char *, from, const char *, to)
{
	return do_link(AT_FDCWD, from, AT_FDCWD, to, 0);
}

SYSCALL_DEFINE5(linkat, int, olddir, const char *, from, int, newdir, const char *, to, int,
		flags)
{
	return do_link(olddir, from, newdir, to, flags);
}

SYSCALL_DEFINE2(rename, const char *, from, const char *, to)
{
	return do_rename(AT_FDCWD, from, AT_FDCWD, to, 0);
}

SYSCALL_DEFINE4(renameat, int, olddir, const char *, from, int, newdir, const char *, to)
{
	return do_rename(olddir, from, newdir, to, 0);
}

SYSCALL_DEFINE5(renameat2, int, olddir, const char *, from, int, newdir, const char *, to,
		unsigned, flags)
{
	return do_rename(olddir, from, newdir, to, flags);
}

SYSCALL_DEFINE2(truncate, const char *, upath, long, size)
{
	char path[VFS_PATH_MAX];
	long r = path_get(upath, path);

	if (r)
		return r;
	return size < 0 ? -EINVAL : vfs_truncate(path, NULL, (uint64_t)size);
}

SYSCALL_DEFINE2(getcwd, char *, buf, size_t, size)
{
	char cwd[VFS_PATH_MAX];

	int n = vfs_getcwd(cwd, sizeof(cwd));

	if (!uaccess_ok(buf, size))
		return -EFAULT;
	if ((size_t)n > size)
		return -ERANGE;
	return uaccess_to(buf, cwd, (size_t)n) ? -EFAULT : n;
}

SYSCALL_DEFINE1(chdir, const char *, path)
{
	return path_op(AT_FDCWD, path, vfs_chdir);
}

SYSCALL_DEFINE1(fchdir, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = vfs_fchdir(f);
	file_put(f);
	return r;
}

void program_set_umask(unsigned mask)
{
	umask_bits = mask & 0777;
}

unsigned program_umask(void)
{
	return umask_bits;
}

SYSCALL_DEFINE1(umask, uint32_t, mask)
{
	uint32_t old = umask_bits;

	umask_bits = mask & 0777;
	return old;
}

static long do_readlink(int dirfd, const char *upath, char *buf, size_t size)
{
	char path[VFS_PATH_MAX];
	long r;

	char target[VFS_PATH_MAX];

	if (!uaccess_ok(buf, size))
		return -EFAULT;
	if ((r = path_at(dirfd, upath, path)))
		return r;
	if (!size)
		return -EINVAL;
	r = vfs_readlink(path, target, size < VFS_PATH_MAX ? size : VFS_PATH_MAX);
	return r < 0 || !uaccess_to(buf, target, (size_t)r) ? r : -EFAULT;
}

static long do_symlink(const char *utarget, int dirfd, const char *upath)
{
	char target[VFS_PATH_MAX], path[VFS_PATH_MAX];
	long r;

	if ((r = path_get(utarget, target)) || (r = path_at(dirfd, upath, path)))
		return r;
	return vfs_symlink(target, path);
}

SYSCALL_DEFINE2(symlink, const char *, target, const char *, path)
{
	return do_symlink(target, AT_FDCWD, path);
}

SYSCALL_DEFINE3(symlinkat, const char *, target, int, dirfd, const char *, path)
{
	return do_symlink(target, dirfd, path);
}

SYSCALL_DEFINE3(readlink, const char *, path, char *, buf, size_t, size)
{
	return do_readlink(AT_FDCWD, path, buf, size);
}

SYSCALL_DEFINE4(readlinkat, int, dirfd, const char *, path, char *, buf, size_t, size)
{
	return do_readlink(dirfd, path, buf, size);
}

/*
 * System calls that read and change what a file is rather than what it
 * holds: stat, lstat, fstat, newfstatat and statx, access, owners
 * (chown), permissions (chmod), times (utimensat, utimes) and file-system
 * statistics (statfs). fstat asks the open file's own operations; the
 * rest is the VFS's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

#include <unishyper/file.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

#include "path.h"

#define UTIME_NOW_NS ((1l << 30) - 1)
#define UTIME_OMIT_NS ((1l << 30) - 2)

/* The attributes behind a path, or an fd (AT_EMPTY_PATH, fstat). */
static long attr_of(int dirfd, const char *upath, int flags, struct vfs_attr *a)
{
	char path[VFS_PATH_MAX];
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | 0x6000))
		return -EINVAL;
	if ((r = path_means_fd(upath, flags)) < 0)
		return r;
	if (r) {
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		r = f->ops->stat(f, a);
		file_put(f);
		return r;
	}
	if ((r = path_at(dirfd, upath, path)))
		return r;
	return flags & AT_SYMLINK_NOFOLLOW ? vfs_lstat(path, a) : vfs_stat(path, a);
}

static void fill_stat(struct stat *st, const struct vfs_attr *a)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = a->ino;
	st->st_nlink = a->nlink;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = a->blksize;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_atim = time_ns_timespec(a->atime);
	st->st_mtim = time_ns_timespec(a->mtime);
	st->st_ctim = time_ns_timespec(a->ctime);
}

static long do_stat(int dirfd, const char *path, struct stat *st, int flags)
{
	struct vfs_attr a;
	long r;

	struct stat k;

	if ((r = attr_of(dirfd, path, flags, &a)))
		return r;
	fill_stat(&k, &a);
	return uaccess_put(st, k);
}

SYSCALL_DEFINE2(stat, const char *, path, struct stat *, st)
{
	return do_stat(AT_FDCWD, path, st, 0);
}

SYSCALL_DEFINE2(lstat, const char *, path, struct stat *, st)
{
	return do_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE2(fstat, int, fd, struct stat *, st)
{
	return do_stat(fd, NULL, st, AT_EMPTY_PATH);
}

SYSCALL_DEFINE4(newfstatat, int, dirfd, const char *, path, struct stat *, st, int, flags)
{
	return do_stat(dirfd, path, st, flags);
}

/* Linux's struct statx (256 bytes). */
struct kstatx_time {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

static struct kstatx_time statx_time(uint64_t ns)
{
	return (struct kstatx_time){ (int64_t)(ns / NSEC_PER_SEC), (uint32_t)(ns % NSEC_PER_SEC), 0 };
}

SYSCALL_DEFINE5(statx, int, dirfd, const char *, path, int, flags, unsigned, mask,
		struct kstatx *, sx)
{
	struct vfs_attr a;
	struct kstatx k, *usx = sx;
	long r;

	(void)mask;
	if ((r = attr_of(dirfd, path, flags, &a)))
		return r;
	sx = &k;
	memset(sx, 0, sizeof(*sx));
	sx->mask = 0x7ff; /* STATX_BASIC_STATS */
	sx->blksize = a.blksize;
	sx->nlink = a.nlink;
	sx->mode = (uint16_t)a.mode;
	sx->ino = a.ino;
	sx->size = a.size;
	sx->blocks = a.blocks;
	sx->atime = statx_time(a.atime);
	sx->mtime = statx_time(a.mtime);
	sx->ctime = statx_time(a.ctime);
	sx->rdev_major = (uint32_t)(a.rdev >> 8);
	sx->rdev_minor = (uint32_t)(a.rdev & 0xff);
	sx->dev_minor = 1;
	return uaccess_put(usx, k);
}

static long do_access(int dirfd, const char *upath, int mode, int flags)
{
	char path[VFS_PATH_MAX];
	struct vfs_attr a;
	long r;

	if (mode & ~(R_OK | W_OK | X_OK) || flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if ((r = path_at(dirfd, upath, path)) || (r = vfs_stat(path, &a)))
		return r;
	if ((mode & W_OK) && vfs_is_readonly(path))
		return -EROFS;
	/* Root may read and write anything; executing needs an x bit. */
	if ((mode & X_OK) && !S_ISDIR(a.mode) && !(a.mode & 0111))
		return -EACCES;
	return 0;
}

SYSCALL_DEFINE2(access, const char *, path, int, mode)
{
	return do_access(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE3(faccessat, int, dirfd, const char *, path, int, mode)
{
	return do_access(dirfd, path, mode, 0);
}

SYSCALL_DEFINE4(faccessat2, int, dirfd, const char *, path, int, mode, int, flags)
{
	return do_access(dirfd, path, mode, flags);
}

static long set_times(int dirfd, const char *upath, const struct timespec *times, int flags);

SYSCALL_DEFINE4(utimensat, int, dirfd, const char *, upath, const struct timespec *, times,
		int, flags)
{
	return set_times(dirfd, upath, times, flags);
}

/* Sets attributes of a path, or of fd dirfd when upath is NULL. */
static long setattr_at(int dirfd, const char *upath, const struct vfs_attr *a, unsigned mask)
{
	char path[VFS_PATH_MAX];
	long r;

	if (!upath) {
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		r = vfs_setattr(NULL, f, a, mask);
		file_put(f);
		return r;
	}
	if ((r = path_at(dirfd, upath, path)))
		return r;
	return vfs_setattr(path, NULL, a, mask);
}

/* chown and its kin: the owner of a path, or of fd; (uid_t)-1 keeps one. */
static long set_owner(int dirfd, const char *upath, uint32_t uid, uint32_t gid, int flags)
{
	struct vfs_attr a = { .uid = uid, .gid = gid };
	unsigned mask = VFS_SET_OWNER;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		mask |= VFS_NOFOLLOW;
	long r = path_means_fd(upath, flags);
	if (r < 0)
		return r;
	return setattr_at(dirfd, r ? NULL : upath, &a, mask);
}

SYSCALL_DEFINE3(chown, const char *, path, uint32_t, uid, uint32_t, gid)
{
	return set_owner(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL_DEFINE3(lchown, const char *, path, uint32_t, uid, uint32_t, gid)
{
	return set_owner(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE3(fchown, int, fd, uint32_t, uid, uint32_t, gid)
{
	return set_owner(fd, NULL, uid, gid, AT_EMPTY_PATH);
}

SYSCALL_DEFINE5(fchownat, int, dirfd, const char *, path, uint32_t, uid, uint32_t, gid, int,
		flags)
{
	return set_owner(dirfd, path, uid, gid, flags);
}

/* chmod and its kin: the permission bits of a path, or of fd. */
static long set_mode(int dirfd, const char *upath, uint32_t mode)
{
	struct vfs_attr a = { .mode = mode & 07777 };

	return setattr_at(dirfd, upath, &a, VFS_SET_MODE);
}

SYSCALL_DEFINE2(chmod, const char *, path, uint32_t, mode)
{
	return set_mode(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE2(fchmod, int, fd, uint32_t, mode)
{
	return set_mode(fd, NULL, mode);
}

SYSCALL_DEFINE3(fchmodat, int, dirfd, const char *, path, uint32_t, mode)
{
	return set_mode(dirfd, path, mode);
}

/* utimes and futimesat take microseconds. */
static long set_times_us(int dirfd, const char *upath, const struct timeval *tv)
{
	struct timespec ts[2];
	struct timeval ktv[2];

	if (!tv)
		return set_times(dirfd, upath, NULL, 0);
	if (uaccess_from(ktv, tv, sizeof(ktv)))
		return -EFAULT;
	tv = ktv;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
	}
	return set_times(dirfd, upath, ts, 0);
}

SYSCALL_DEFINE2(utimes, const char *, path, const struct timeval *, tv)
{
	return set_times_us(AT_FDCWD, path, tv);
}

SYSCALL_DEFINE3(futimesat, int, dirfd, const char *, path, const struct timeval *, tv)
{
	return set_times_us(dirfd, path, tv);
}

static long set_times(int dirfd, const char *upath, const struct timespec *times, int flags)
{
	struct vfs_attr a = { 0 };
	unsigned mask = VFS_SET_ATIME | VFS_SET_MTIME;
	uint64_t now = time_realtime_ns();

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	a.atime = a.mtime = now;
	if (flags & AT_SYMLINK_NOFOLLOW)
		mask |= VFS_NOFOLLOW;
	if (times) {
		/* A copy: utimensat's times are the program's (set_times_us's
		 * are on the stack, which is the program's too). */
		struct timespec k[2];
		if (uaccess_from(k, times, sizeof(k)))
			return -EFAULT;
		times = k;
		for (int i = 0; i < 2; i++) {
			long ns = times[i].tv_nsec;
			uint64_t *t = i ? &a.mtime : &a.atime;
			if (ns == UTIME_OMIT_NS)
				mask &= ~(i ? VFS_SET_MTIME : VFS_SET_ATIME);
			else if (ns == UTIME_NOW_NS)
				*t = now;
			else if (!time_timespec_valid(&times[i]))
				return -EINVAL;
			else
				*t = time_timespec_ns(&times[i]);
		}
	}
	return setattr_at(dirfd, upath, &a, mask); /* upath NULL: futimens */
}

static void fill_statfs(struct statfs *st, const struct vfs_statfs *s)
{
	memset(st, 0, sizeof(*st));
	st->f_type = s->magic;
	st->f_bsize = s->bsize;
	st->f_frsize = s->bsize;
	st->f_blocks = s->blocks;
	st->f_bfree = s->bfree;
	st->f_bavail = s->bfree;
	st->f_files = s->files;
	st->f_ffree = s->ffree;
	st->f_namelen = s->name_max;
}

SYSCALL_DEFINE2(statfs, const char *, upath, struct statfs *, st)
{
	char path[VFS_PATH_MAX];
	struct vfs_statfs s;
	long r;

	struct statfs k;

	if ((r = path_get(upath, path)) || (r = vfs_statfs(path, NULL, &s)))
		return r;
	fill_statfs(&k, &s);
	return uaccess_put(st, k);
}

SYSCALL_DEFINE2(fstatfs, int, fd, struct statfs *, st)
{
	struct vfs_statfs s;
	struct file *f;
	long r;

	struct statfs k;

	if (!(f = fd_get(fd)))
		return -EBADF;
	r = vfs_statfs(NULL, f, &s);
	file_put(f);
	if (r)
		return r;
	fill_statfs(&k, &s);
	return uaccess_put(st, k);
}


/*
 * The virtual file system: the interface every file system implements
 * (FAT, ramfs, devfs, and later unilib-fs over 9p) and the VFS calls the
 * system-call layer uses.
 *
 * A file system hands out vnodes. lookup() and create() return a vnode
 * holding one more reference (refs is 1 on a new vnode); one that keeps
 * state per file (FAT, ramfs) gives the same vnode for the same file while
 * it has references, one whose state is elsewhere (9p) may give a new one
 * each time. The VFS drops references and calls release() when the last
 * goes. The VFS serialises all calls into one mounted file system
 * with a per-mount lock, so a file system's operations need no locking of
 * their own and can be tested on the host single-threaded. Names passed
 * to operations are one path component (no '/'), not NUL-terminated
 * (name, len), never "." or "..", at most VFS_NAME_MAX bytes. Every
 * operation returns 0 (or a byte count) or a negative errno.
 */
#ifndef UNISHYPER_VFS_H
#define UNISHYPER_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096

struct blockdev;
struct file;
struct vnode;
struct mount;

/* What stat() shows. mode holds the type (S_IFREG, S_IFDIR, S_IFCHR,
 * S_IFLNK) and the permission bits. Times are nanoseconds since 1970. */
struct vfs_attr {
	uint64_t ino, size, blocks; /* blocks: 512-byte units allocated */
	uint32_t mode, nlink;
	uint32_t uid, gid; /* 0 where the file system keeps no owners */
	uint64_t atime, mtime, ctime;
	uint32_t blksize;
	uint64_t rdev;
};

/* setattr() mask bits. */
#define VFS_SET_MODE 1u
#define VFS_SET_ATIME 2u
#define VFS_SET_MTIME 4u
#define VFS_SET_OWNER 8u   /* uid and gid; (uint32_t)-1 leaves one as it is */
#define VFS_NOFOLLOW 0x100u /* vfs_setattr on a link itself, not its target */

struct vfs_dirent {
	uint64_t ino;
	uint8_t type; /* DT_REG, DT_DIR, DT_CHR, DT_LNK */
	char name[VFS_NAME_MAX + 1];
};

struct vfs_statfs {
	uint32_t magic;   /* e.g. MSDOS_SUPER_MAGIC 0x4d44, TMPFS 0x01021994 */
	uint32_t bsize;   /* allocation unit in bytes */
	uint64_t blocks, bfree, files, ffree;
	uint32_t name_max;
};

struct vnode_ops {
	/* Directories. lookup: -ENOENT when absent. create: a regular file,
	 * -EEXIST when the name exists. unlink: files only (-EISDIR); rmdir:
	 * directories only (-ENOTDIR, -ENOTEMPTY). rename replaces an existing
	 * target of the same kind (a directory only when empty), -EINVAL when
	 * moving a directory into itself. readdir returns the entry at *pos
	 * and advances *pos (an opaque cookie, 0 first): 1 with an entry, 0 at
	 * the end; "." and ".." are the VFS's business, not the file system's. */
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		      struct vnode **out);
	int (*mkdir)(struct vnode *dir, const char *name, size_t len, uint32_t mode);
	/* Optional: a symbolic link name -> target (NULL: -EPERM). */
	int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target);
	/* Optional: a second name for the file target, not a directory
	 * (NULL: -EPERM). */
	int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *target);
	int (*unlink)(struct vnode *dir, const char *name, size_t len);
	int (*rmdir)(struct vnode *dir, const char *name, size_t len);
	int (*rename)(struct vnode *from_dir, const char *from, size_t from_len,
		      struct vnode *to_dir, const char *to, size_t to_len);
	int (*readdir)(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out);
	/* Optional: a file is being opened with open(2)'s access mode
	 * (O_RDONLY, O_WRONLY, O_RDWR); an error fails the open. */
	int (*open)(struct vnode *v, int acc);
	/* Optional: a device that is a kind of file of its own (the console)
	 * sets *out to its own open file for open(2)'s flags; *out left NULL
	 * opens v as a file of this file system. */
	int (*open_file)(struct vnode *v, int flags, struct file **out);
	/* Files. read/write at an offset: a byte count (short only at the
	 * end of file for read, on -ENOSPC for write when nothing fits).
	 * write past the end extends the file (the gap reads as zeros). */
	ssize_t (*read)(struct vnode *v, void *buf, size_t n, uint64_t off);
	ssize_t (*write)(struct vnode *v, const void *buf, size_t n, uint64_t off);
	int (*truncate)(struct vnode *v, uint64_t size);
	/* Optional: reserve space so that writes up to off+len cannot fail
	 * with -ENOSPC (NULL: -EOPNOTSUPP). */
	int (*allocate)(struct vnode *v, uint64_t off, uint64_t len);
	int (*getattr)(struct vnode *v, struct vfs_attr *a);
	int (*setattr)(struct vnode *v, const struct vfs_attr *a, unsigned mask);
	/* Optional: copies a link's target (at most n bytes, no NUL) and
	 * returns its length. */
	int (*readlink)(struct vnode *v, char *buf, size_t n);
	/* Writes the file's data and metadata through to the device. */
	int (*fsync)(struct vnode *v);
	/* The last reference went: free the vnode (an unlinked file's space
	 * may be freed now). */
	void (*release)(struct vnode *v);
};

struct vnode {
	const struct vnode_ops *ops;
	struct mount *mount; /* set by the VFS */
	int refs;            /* see the top of this file */
	bool is_dir;
	bool is_link;        /* a symbolic link: the VFS follows it */
	void *priv;          /* the file system's */
};

struct fs_ops {
	/* Mounts source (a struct blockdev for vfat, a struct p9_chan for 9p,
	 * NULL for ramfs and devfs) and returns the root directory's vnode;
	 * -EINVAL (with a kernel-log message) for a device that does not hold
	 * this file system or is corrupt. */
	int (*mount)(void *source, bool readonly, struct vnode **root, void **fs);
	int (*statfs)(void *fs, struct vfs_statfs *out);
	/* Writes everything dirty through to the device and flushes it. */
	int (*sync)(void *fs);
	void (*unmount)(void *fs);
	/* read, write, getattr and fsync of open files may run at once, without
	 * the mount lock (the file system locks what it shares). */
	bool concurrent_io;
	/* A completed write is already out of the guest (9p): closing a
	 * written file needs no fsync. */
	bool write_through;
	/* Files have owners (9p: the host's). Elsewhere every file is root's:
	 * the VFS accepts a change of owner to root and refuses others. */
	bool owners;
};

struct fs_type {
	const char *name; /* "vfat", "ramfs", "devfs" */
	const struct fs_ops *ops;
};

extern const struct fs_type fat_fs_type, ramfs_fs_type, devfs_fs_type, p9_fs_type;

/*
 * The VFS calls (kernel/fs/vfs.c). Paths are absolute or relative to the
 * working directory; all return 0 or a negative errno unless said.
 * Reading and writing open files, fstat, lseek, fsync and getdents64 go
 * through their file operations (include/unishyper/file.h).
 * Symbolic links are followed in every component but the last; the last
 * too where POSIX says (open without O_NOFOLLOW, stat, chdir, truncate).
 */

/* Folds a path against the working directory into an absolute path
 * without ".", ".." or repeated slashes (out: VFS_PATH_MAX bytes). */
int vfs_normalize(const char *path, char *out);

/* Mounts a file system of type at path (source: see fs_ops.mount);
 * -ENOSPC when the table is full. */
int vfs_mount(const char *path, const struct fs_type *type, void *source, bool readonly);

/* A mount, for listings: where, what and from what source (a struct
 * blockdev for vfat, a struct p9_chan for 9p, NULL otherwise). */
struct vfs_mount_info {
	const char *path;
	const struct fs_type *type;
	void *source;
	bool readonly;
};

/* Fills *out with the i-th mount (0 the first made): 0, or -ENOENT past
 * the last. */
int vfs_mount_info(int i, struct vfs_mount_info *out);

/* Unmounts the file system mounted at path after writing it back:
 * -EINVAL when nothing is mounted there, -EBUSY for the root, a mount with
 * another inside it, open files or the working directory inside it,
 * -EOPNOTSUPP for a file system that cannot be unmounted (vfat and 9p
 * can). */
int vfs_umount(const char *path);

/* Opens path with open(2)'s flags (O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY,
 * O_APPEND, access mode) and returns a new struct file. */
int vfs_open(const char *path, int flags, uint32_t mode, struct file **out);
int vfs_mkdir(const char *path, uint32_t mode);
int vfs_unlink(const char *path);
int vfs_rmdir(const char *path);
int vfs_rename(const char *from, const char *to, bool noreplace);
int vfs_stat(const char *path, struct vfs_attr *a);
int vfs_lstat(const char *path, struct vfs_attr *a); /* the link itself */
int vfs_symlink(const char *target, const char *path);
/* A hard link path -> the file at old (its last link followed when
 * follow). */
int vfs_link(const char *old, const char *path, bool follow);
/* Copies the target of the link at path (at most n bytes, no NUL);
 * returns its length, -EINVAL when path is not a link. /proc/self/exe
 * names the program (program_path()). */
int vfs_readlink(const char *path, char *buf, size_t n);
/* Either path or an open file f (path NULL). */
int vfs_setattr(const char *path, struct file *f, const struct vfs_attr *a, unsigned mask);
int vfs_truncate(const char *path, struct file *f, uint64_t size);
int vfs_statfs(const char *path, struct file *f, struct vfs_statfs *s);
int vfs_fallocate(struct file *f, uint64_t off, uint64_t len);
/* The calls on an open file f that only files of a file system answer
 * (kernel/fs/file.c opens them): the vnode of f, or NULL for another kind
 * of file; the path a directory f was opened by, or NULL. The VFS calls
 * that take a file answer for other kinds as Linux does for a pipe:
 * setattr 0, truncate -EINVAL, fallocate -ENODEV, syncfs 0, statfs
 * -ENOSYS, fchdir -ENOTDIR. */
struct vnode *vfs_file_vnode(struct file *f);
const char *vfs_file_dir(struct file *f);
int vfs_syncfs(struct file *f);
int vfs_chdir(const char *path);
int vfs_fchdir(struct file *f);
/* Copies the working directory; returns its length with the NUL. */
int vfs_getcwd(char *buf, size_t n);
/* Makes dir, which vfs_getcwd() gave, the working directory again, as it
 * is (a fork child's parent gets its own back). */
void vfs_setcwd(const char *dir);
bool vfs_is_readonly(const char *path);
/* Writes everything dirty of every mount through to its device. */
int vfs_sync(void);

#endif

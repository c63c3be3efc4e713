/*
 * devfs: /dev with the devices a program expects: null, zero, full,
 * random and urandom (the kernel generator), console and tty. Those two
 * open as the console's own kind of file (kernel/console.c), the same
 * kind as standard input and output: a terminal that reads the input and
 * writes standard output.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/console.h>
#include <unishyper/random.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

enum dev_kind { DEV_ROOT, DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM, DEV_URANDOM, DEV_CONSOLE, DEV_TTY };

struct dev {
	struct vnode vnode;
	const char *name;
	uint32_t rdev; /* Linux's major:minor, for stat */
};

static const struct vnode_ops devfs_ops;

static struct dev devs[] = {
	[DEV_ROOT] = { { &devfs_ops, NULL, 1, true, NULL }, "", 0 },
	[DEV_NULL] = { { &devfs_ops, NULL, 1, false, NULL }, "null", 0x103 },
	[DEV_ZERO] = { { &devfs_ops, NULL, 1, false, NULL }, "zero", 0x105 },
	[DEV_FULL] = { { &devfs_ops, NULL, 1, false, NULL }, "full", 0x107 },
	[DEV_RANDOM] = { { &devfs_ops, NULL, 1, false, NULL }, "random", 0x108 },
	[DEV_URANDOM] = { { &devfs_ops, NULL, 1, false, NULL }, "urandom", 0x109 },
	[DEV_CONSOLE] = { { &devfs_ops, NULL, 1, false, NULL }, "console", 0x501 },
	[DEV_TTY] = { { &devfs_ops, NULL, 1, false, NULL }, "tty", 0x500 },
};
#define NDEVS (sizeof(devs) / sizeof(devs[0]))

static enum dev_kind kind(struct vnode *v)
{
	return (enum dev_kind)((struct dev *)v - devs);
}

static int devfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	(void)dir;
	for (size_t i = 1; i < NDEVS; i++) {
		if (strlen(devs[i].name) == len && !memcmp(devs[i].name, name, len)) {
			devs[i].vnode.refs++;
			*out = &devs[i].vnode;
			return 0;
		}
	}
	return -ENOENT;
}

static int devfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
			struct vnode **out)
{
	(void)mode;
	return devfs_lookup(dir, name, len, out) ? -EACCES : -EEXIST;
}

static int devfs_readdir(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out)
{
	(void)dir;
	if (*pos + 1 >= NDEVS)
		return 0;
	struct dev *d = &devs[++*pos];
	out->ino = *pos + 1;
	out->type = DT_CHR;
	strcpy(out->name, d->name);
	return 1;
}

static ssize_t devfs_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
	(void)off;
	switch (kind(v)) {
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
	case DEV_FULL:
		return uaccess_clear(buf, n) ? -EFAULT : (ssize_t)n;
	case DEV_RANDOM:
	case DEV_URANDOM:
		return random_to_user(buf, n);
	default:
		return -EINVAL;
	}
}

static ssize_t devfs_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
	(void)off;
	switch (kind(v)) {
	case DEV_FULL:
		return -ENOSPC;
	default: /* null, zero, random: writes vanish */
		return (ssize_t)n;
	}
}

static int devfs_open_file(struct vnode *v, int flags, struct file **out)
{
	if (kind(v) != DEV_CONSOLE && kind(v) != DEV_TTY)
		return 0;
	*out = console_open(1, flags);
	return *out ? 0 : -ENOMEM;
}

static int devfs_truncate(struct vnode *v, uint64_t size)
{
	(void)v;
	(void)size;
	return 0; /* O_TRUNC on a device does nothing */
}

static int devfs_getattr(struct vnode *v, struct vfs_attr *a)
{
	struct dev *d = (struct dev *)v;

	*a = (struct vfs_attr){ .ino = (uint64_t)kind(v) + 1,
				.mode = v->is_dir ? S_IFDIR | 0755 : S_IFCHR | 0666,
				.nlink = v->is_dir ? 2 : 1, .blksize = 4096, .rdev = d->rdev };
	return 0;
}

static int devfs_setattr(struct vnode *v, const struct vfs_attr *a, unsigned mask)
{
	(void)v;
	(void)a;
	(void)mask;
	return 0;
}

static int devfs_refuse(struct vnode *dir, const char *name, size_t len)
{
	struct vnode *v;

	return devfs_lookup(dir, name, len, &v) ? -ENOENT : -EACCES;
}

static int devfs_mkdir(struct vnode *dir, const char *name, size_t len, uint32_t mode)
{
	(void)mode;
	return devfs_lookup(dir, name, len, &dir) ? -EACCES : -EEXIST;
}

static int devfs_rename(struct vnode *from_dir, const char *from, size_t from_len,
			struct vnode *to_dir, const char *to, size_t to_len)
{
	(void)to_dir;
	(void)to;
	(void)to_len;
	return devfs_refuse(from_dir, from, from_len);
}

static void devfs_release(struct vnode *v)
{
	(void)v; /* devices are static */
}

static const struct vnode_ops devfs_ops = {
	.lookup = devfs_lookup, .create = devfs_create, .mkdir = devfs_mkdir,
	.unlink = devfs_refuse, .rmdir = devfs_refuse, .rename = devfs_rename,
	.readdir = devfs_readdir, .open_file = devfs_open_file, .read = devfs_read,
	.write = devfs_write,
	.truncate = devfs_truncate, .getattr = devfs_getattr, .setattr = devfs_setattr,
	.release = devfs_release,
};

static int devfs_mount(void *source, bool readonly, struct vnode **root, void **fs)
{
	(void)source;
	(void)readonly;
	*root = &devs[DEV_ROOT].vnode;
	*fs = devs;
	return 0;
}

static int devfs_statfs(void *fs, struct vfs_statfs *s)
{
	(void)fs;
	*s = (struct vfs_statfs){ .magic = 0x1373, .bsize = 4096, .name_max = VFS_NAME_MAX };
	return 0;
}

static const struct fs_ops devfs_fs_ops = { .mount = devfs_mount, .statfs = devfs_statfs };

const struct fs_type devfs_fs_type = { "devfs", &devfs_fs_ops };

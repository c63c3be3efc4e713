/*
 * The VFS: mounts, path resolution and the operations on paths and open
 * files that the system-call layer uses (include/unishyper/vfs.h).
 *
 * Paths are resolved lexically: the working directory is an absolute
 * path, a relative path is appended to it, and ".", ".." and repeated
 * slashes are folded before the walk (there are no symbolic links to
 * follow in the file systems mounted today). The mount with the longest
 * matching prefix owns the rest of the walk. Each mount has a mutex that
 * serialises every call into its file system, as vfs.h promises them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/printk.h>
#include <unishyper/vfs.h>

#define MOUNT_MAX 16

struct mount {
	char path[VFS_PATH_MAX]; /* normalised, "/" or without a trailing '/' */
	size_t path_len;
	const struct fs_type *type;
	void *fs;
	struct vnode *root;
	bool readonly;
	struct mutex lock;
};

static struct mount *mounts[MOUNT_MAX];
static int nmounts;
static char cwd[VFS_PATH_MAX] = "/";
static struct mutex cwd_lock = MUTEX_INIT(cwd_lock);

int vfs_normalize(const char *path, char *out)
{
	char tmp[VFS_PATH_MAX];
	size_t n = 0;

	if (!path[0])
		return -ENOENT;
	if (path[0] != '/') {
		mutex_lock(&cwd_lock);
		size_t c = strlen(cwd);
		memcpy(tmp, cwd, c + 1);
		mutex_unlock(&cwd_lock);
		if (c + 1 + strlen(path) >= VFS_PATH_MAX)
			return -ENAMETOOLONG;
		tmp[c] = '/';
		strcpy(tmp + c + 1, path);
	} else {
		if (strlen(path) >= VFS_PATH_MAX)
			return -ENAMETOOLONG;
		strcpy(tmp, path);
	}
	out[n++] = '/';
	for (const char *p = tmp; *p;) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - start);
		if (!len || (len == 1 && start[0] == '.'))
			continue;
		if (len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (len == 2 && start[0] == '.' && start[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* the slash before the dropped component */
			continue;
		}
		if (n > 1)
			out[n++] = '/';
		memcpy(out + n, start, len);
		n += len;
	}
	out[n] = 0;
	return 0;
}

/* The mount owning an absolute normalised path, and the rest of it. */
static struct mount *mount_of(const char *abs, const char **rest)
{
	struct mount *best = NULL;

	for (int i = 0; i < nmounts; i++) {
		struct mount *m = mounts[i];
		size_t l = m->path_len;
		bool match = l == 1 || (!strncmp(abs, m->path, l) && (abs[l] == '/' || !abs[l]));
		if (match && (!best || l > best->path_len))
			best = m;
	}
	if (best)
		*rest = abs + (best->path_len == 1 ? 0 : best->path_len);
	return best;
}

/* Drops a reference; the mount lock is held. */
static void put_locked(struct vnode *v)
{
	if (v && --v->refs == 0)
		v->ops->release(v);
}

static void get_locked(struct vnode *v)
{
	v->refs++;
}

/*
 * Walks rest (the part of a path inside m, starting with '/' or empty)
 * to its vnode, with a reference. With parent_only, stops at the parent
 * and returns the last component in name and len (-EBUSY for the mount's
 * own root, which has no name in it). Mount lock held.
 */
static int walk(struct mount *m, const char *rest, bool parent_only, struct vnode **out,
		const char **name, size_t *len)
{
	struct vnode *v = m->root;

	get_locked(v);
	while (*rest == '/')
		rest++;
	if (!*rest && parent_only) {
		put_locked(v);
		return -EBUSY;
	}
	while (*rest) {
		const char *start = rest;
		while (*rest && *rest != '/')
			rest++;
		size_t l = (size_t)(rest - start);
		while (*rest == '/')
			rest++;
		if (!v->is_dir) {
			put_locked(v);
			return -ENOTDIR;
		}
		if (!*rest && parent_only) {
			*out = v;
			*name = start;
			*len = l;
			return 0;
		}
		struct vnode *next;
		int r = v->ops->lookup(v, start, l, &next);
		put_locked(v);
		if (r)
			return r;
		next->mount = m;
		v = next;
	}
	*out = v;
	return 0;
}

/* Normalises path into abs and locks the mount that owns it; *rest is the
 * part of abs inside that mount. */
static int lock_mount_of(const char *path, char *abs, struct mount **mp, const char **rest)
{
	int r = vfs_normalize(path, abs);

	if (r)
		return r;
	if (!(*mp = mount_of(abs, rest)))
		return -ENOENT;
	mutex_lock(&(*mp)->lock);
	return 0;
}

/* Looks up a path: the mount, locked, and the vnode with a reference. */
static int lookup_path(const char *path, struct mount **mp, struct vnode **out)
{
	char abs[VFS_PATH_MAX];
	const char *rest;
	int r = lock_mount_of(path, abs, mp, &rest);

	if (r)
		return r;
	if ((r = walk(*mp, rest, false, out, NULL, NULL)))
		mutex_unlock(&(*mp)->lock);
	return r;
}

/* Like lookup_path for the parent directory and the last name. */
static int lookup_parent(const char *path, char *abs, struct mount **mp, struct vnode **dir,
			 const char **name, size_t *len)
{
	const char *rest;
	int r = lock_mount_of(path, abs, mp, &rest);

	if (r)
		return r;
	struct mount *m = *mp;
	if ((r = walk(m, rest, true, dir, name, len))) {
		mutex_unlock(&m->lock);
		return r;
	}
	if (!(*dir)->is_dir) {
		put_locked(*dir);
		mutex_unlock(&m->lock);
		return -ENOTDIR;
	}
	return 0;
}

static void done(struct mount *m, struct vnode *v)
{
	put_locked(v);
	mutex_unlock(&m->lock);
}

int vfs_mount(const char *path, const struct fs_type *type, struct blockdev *dev, bool readonly)
{
	struct mount *m;
	int r;

	if (nmounts == MOUNT_MAX)
		return -ENOSPC;
	if (!(m = kzalloc(sizeof(*m))))
		return -ENOMEM;
	if ((r = vfs_normalize(path, m->path))) {
		kfree(m);
		return r;
	}
	m->path_len = strlen(m->path);
	m->type = type;
	m->readonly = readonly;
	mutex_init(&m->lock);
	if ((r = type->ops->mount(dev, readonly, &m->root, &m->fs))) {
		kfree(m);
		return r;
	}
	m->root->mount = m;
	mounts[nmounts++] = m;
	return 0;
}

int vfs_sync(void)
{
	int err = 0;

	for (int i = 0; i < nmounts; i++) {
		struct mount *m = mounts[i];
		mutex_lock(&m->lock);
		int r = m->type->ops->sync ? m->type->ops->sync(m->fs) : 0;
		mutex_unlock(&m->lock);
		if (r && !err)
			err = r;
	}
	return err;
}

/* Files of a file system. */

static ssize_t file_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct vnode *v = f->vnode;
	uint64_t pos = off ? *off : f->offset;

	if (v->is_dir)
		return -EISDIR;
	mutex_lock(&v->mount->lock);
	ssize_t r = v->ops->read(v, buf, n, pos);
	mutex_unlock(&v->mount->lock);
	if (r > 0 && !off)
		f->offset = pos + (uint64_t)r;
	return r;
}

static ssize_t file_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct vnode *v = f->vnode;
	struct vfs_attr a;

	if (v->mount->readonly)
		return -EROFS;
	mutex_lock(&v->mount->lock);
	uint64_t pos = off ? *off : f->offset;
	if ((f->flags & O_APPEND) && !off) {
		int r = v->ops->getattr(v, &a);
		if (r) {
			mutex_unlock(&v->mount->lock);
			return r;
		}
		pos = a.size;
	}
	ssize_t r = v->ops->write(v, buf, n, pos);
	mutex_unlock(&v->mount->lock);
	if (r > 0 && !off)
		f->offset = pos + (uint64_t)r;
	return r;
}

static void file_close(struct file *f)
{
	struct vnode *v = f->vnode;
	struct mount *m = v->mount;

	mutex_lock(&m->lock);
	/* A written file reaches the disk when it is closed. */
	if ((f->flags & O_ACCMODE) != O_RDONLY && !m->readonly && v->ops->fsync)
		v->ops->fsync(v);
	put_locked(v);
	mutex_unlock(&m->lock);
}

static const struct file_ops vnode_file_ops = {
	.read = file_read, .write = file_write, .close = file_close,
};

/* A struct file for v (whose reference it takes over). */
static struct file *file_new(struct vnode *v, int flags, const char *abs)
{
	struct file *f = kzalloc(sizeof(*f));
	char *p = kmalloc(strlen(abs) + 1);

	if (!f || !p) {
		kfree(f);
		kfree(p);
		return NULL;
	}
	strcpy(p, abs);
	*f = (struct file){ .ops = &vnode_file_ops, .refs = 1, .flags = flags, .vnode = v, .path = p };
	return f;
}

int vfs_open(const char *path, int flags, uint32_t mode, struct file **out)
{
	char abs[VFS_PATH_MAX];
	struct mount *m;
	struct vnode *dir, *v;
	const char *name;
	size_t len;
	int acc = flags & O_ACCMODE, r;

	const char *rest;

	if (acc == 3)
		return -EINVAL;
	if ((r = lock_mount_of(path, abs, &m, &rest)))
		return r;
	while (*rest == '/')
		rest++;
	if (!*rest) { /* the mount's root */
		v = m->root;
		get_locked(v);
	} else {
		if ((r = walk(m, rest, true, &dir, &name, &len)))
			goto unlock;
		r = dir->ops->lookup(dir, name, len, &v);
		if (r == -ENOENT && (flags & O_CREAT)) {
			r = m->readonly ? -EROFS : dir->ops->create(dir, name, len, mode, &v);
		} else if (!r && (flags & O_CREAT) && (flags & O_EXCL)) {
			put_locked(v);
			r = -EEXIST;
		}
		put_locked(dir);
		if (r)
			goto unlock;
		v->mount = m;
	}
	if ((flags & O_DIRECTORY) && !v->is_dir)
		r = -ENOTDIR;
	else if (v->is_dir && (acc != O_RDONLY || (flags & O_TRUNC)))
		r = -EISDIR;
	else if (acc != O_RDONLY && m->readonly)
		r = -EROFS;
	else if ((flags & O_TRUNC) && acc != O_RDONLY)
		r = v->ops->truncate(v, 0);
	if (r) {
		put_locked(v);
		goto unlock;
	}
	mutex_unlock(&m->lock);
	if (!(*out = file_new(v, flags & ~(O_CREAT | O_EXCL | O_TRUNC), abs))) {
		mutex_lock(&m->lock);
		put_locked(v);
		mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	return 0;
unlock:
	mutex_unlock(&m->lock);
	return r;
}

/* Runs a change of a directory entry: mkdir, unlink, rmdir. */
static int change(const char *path, int (*op)(struct vnode *, const char *, size_t, uint32_t),
		  uint32_t mode)
{
	char abs[VFS_PATH_MAX];
	struct mount *m;
	struct vnode *dir;
	const char *name;
	size_t len;
	int r = lookup_parent(path, abs, &m, &dir, &name, &len);

	if (r)
		return r;
	r = m->readonly ? -EROFS : op(dir, name, len, mode);
	done(m, dir);
	return r;
}

static int do_mkdir(struct vnode *d, const char *n, size_t l, uint32_t mode)
{
	return d->ops->mkdir(d, n, l, mode);
}

static int do_unlink(struct vnode *d, const char *n, size_t l, uint32_t mode)
{
	(void)mode;
	return d->ops->unlink(d, n, l);
}

static int do_rmdir(struct vnode *d, const char *n, size_t l, uint32_t mode)
{
	(void)mode;
	return d->ops->rmdir(d, n, l);
}

int vfs_mkdir(const char *path, uint32_t mode)
{
	return change(path, do_mkdir, mode);
}

int vfs_unlink(const char *path)
{
	return change(path, do_unlink, 0);
}

int vfs_rmdir(const char *path)
{
	int r = change(path, do_rmdir, 0);

	return r == -EBUSY ? -EBUSY : r;
}

int vfs_rename(const char *from, const char *to, bool noreplace)
{
	char a1[VFS_PATH_MAX], a2[VFS_PATH_MAX];
	const char *r1, *r2, *n1, *n2;
	size_t l1, l2;
	struct vnode *d1, *d2, *v;
	int r;

	if ((r = vfs_normalize(from, a1)) || (r = vfs_normalize(to, a2)))
		return r;
	struct mount *m = mount_of(a1, &r1);
	if (!m || mount_of(a2, &r2) != m)
		return m ? -EXDEV : -ENOENT;
	size_t l = strlen(a1);
	if (!strncmp(a2, a1, l) && a2[l] == '/')
		return -EINVAL; /* into itself */
	mutex_lock(&m->lock);
	if ((r = walk(m, r1, true, &d1, &n1, &l1)))
		goto out;
	if ((r = walk(m, r2, true, &d2, &n2, &l2))) {
		put_locked(d1);
		goto out;
	}
	if (noreplace && !d2->ops->lookup(d2, n2, l2, &v)) {
		put_locked(v);
		r = -EEXIST;
	} else {
		r = m->readonly ? -EROFS : d1->ops->rename(d1, n1, l1, d2, n2, l2);
	}
	put_locked(d1);
	put_locked(d2);
out:
	mutex_unlock(&m->lock);
	return r;
}

int vfs_stat(const char *path, struct vfs_attr *a)
{
	struct mount *m;
	struct vnode *v;
	int r = lookup_path(path, &m, &v);

	if (r)
		return r;
	r = v->ops->getattr(v, a);
	done(m, v);
	return r;
}

int vfs_fstat(struct file *f, struct vfs_attr *a)
{
	struct vnode *v = f->vnode;

	mutex_lock(&v->mount->lock);
	int r = v->ops->getattr(v, a);
	mutex_unlock(&v->mount->lock);
	return r;
}

/* The vnode of an open file f, or else of path: locked mount, a reference. */
static int target(const char *path, struct file *f, struct mount **mp, struct vnode **vp)
{
	if (!f)
		return lookup_path(path, mp, vp);
	*vp = f->vnode;
	*mp = f->vnode->mount;
	mutex_lock(&(*mp)->lock);
	get_locked(*vp);
	return 0;
}

int vfs_setattr(const char *path, struct file *f, const struct vfs_attr *a, unsigned mask)
{
	struct mount *m;
	struct vnode *v;
	int r = target(path, f, &m, &v);

	if (r)
		return r;
	r = m->readonly ? -EROFS : v->ops->setattr(v, a, mask);
	done(m, v);
	return r;
}

int vfs_truncate(const char *path, struct file *f, uint64_t size)
{
	struct mount *m;
	struct vnode *v;
	int r;

	if (f && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	if ((r = target(path, f, &m, &v)))
		return r;
	if (v->is_dir)
		r = -EISDIR;
	else
		r = m->readonly ? -EROFS : v->ops->truncate(v, size);
	done(m, v);
	return r;
}

int vfs_fallocate(struct file *f, uint64_t off, uint64_t len)
{
	struct vnode *v = f->vnode;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (v->mount->readonly)
		return -EROFS;
	if (!v->ops->allocate)
		return -EOPNOTSUPP;
	mutex_lock(&v->mount->lock);
	int r = v->ops->allocate(v, off, len);
	mutex_unlock(&v->mount->lock);
	return r;
}

int vfs_fsync(struct file *f)
{
	struct vnode *v = f->vnode;
	struct mount *m = v->mount;

	mutex_lock(&m->lock);
	int r = v->ops->fsync ? v->ops->fsync(v) : 0;
	mutex_unlock(&m->lock);
	return r;
}

int vfs_syncfs(struct file *f)
{
	struct mount *m = f->vnode->mount;

	mutex_lock(&m->lock);
	int r = m->type->ops->sync ? m->type->ops->sync(m->fs) : 0;
	mutex_unlock(&m->lock);
	return r;
}

int vfs_readdir(struct file *f, struct vfs_dirent *d)
{
	struct vnode *v = f->vnode;

	if (!v->is_dir)
		return -ENOTDIR;
	/* ".." and "." first, then the file system's entries. */
	if (f->dir_pos < 2) {
		d->ino = 0;
		d->type = DT_DIR;
		strcpy(d->name, f->dir_pos ? ".." : ".");
		f->dir_pos++;
		return 1;
	}
	uint64_t pos = f->dir_pos - 2;
	mutex_lock(&v->mount->lock);
	int r = v->ops->readdir(v, &pos, d);
	mutex_unlock(&v->mount->lock);
	f->dir_pos = pos + 2;
	return r;
}

int vfs_statfs(const char *path, struct file *f, struct vfs_statfs *s)
{
	struct mount *m;
	struct vnode *v;
	int r;

	if (f) {
		m = f->vnode->mount;
		mutex_lock(&m->lock);
	} else {
		if ((r = lookup_path(path, &m, &v)))
			return r;
		put_locked(v);
	}
	r = m->type->ops->statfs(m->fs, s);
	mutex_unlock(&m->lock);
	return r;
}

int vfs_chdir(const char *path)
{
	char abs[VFS_PATH_MAX];
	struct mount *m;
	struct vnode *v;
	int r = lookup_path(path, &m, &v);

	if (r)
		return r;
	bool dir = v->is_dir;
	done(m, v);
	if (!dir)
		return -ENOTDIR;
	vfs_normalize(path, abs);
	mutex_lock(&cwd_lock);
	strcpy(cwd, abs);
	mutex_unlock(&cwd_lock);
	return 0;
}

int vfs_getcwd(char *buf, size_t n)
{
	mutex_lock(&cwd_lock);
	size_t l = strlen(cwd) + 1;
	if (l <= n)
		memcpy(buf, cwd, l);
	mutex_unlock(&cwd_lock);
	return l <= n ? (int)l : -ERANGE;
}

bool vfs_is_readonly(const char *path)
{
	char abs[VFS_PATH_MAX];
	const char *rest;

	if (vfs_normalize(path, abs))
		return false;
	struct mount *m = mount_of(abs, &rest);
	return m && m->readonly;
}

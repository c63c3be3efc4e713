/*
 * The VFS: mounts, path resolution and the operations on paths and open
 * files that the system-call layer uses (include/unishyper/vfs.h).
 *
 * Paths are resolved lexically: the working directory is an absolute
 * path, a relative path is appended to it, and ".", ".." and repeated
 * slashes are folded before the walk. The mount with the longest
 * matching prefix owns the rest of the walk. A symbolic link met on the
 * way is expanded in the path, which is folded again and resolved from
 * the start, at most LINK_HOPS times: its target is a path of the guest's
 * own tree, so a link on a host share cannot lead outside the tree. Each
 * mount has a mutex that serialises every call into its file system, as
 * vfs.h promises them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/file.h>
#include <unishyper/filemap.h>
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/printk.h>
#include <unishyper/program.h>
#include <unishyper/vfs.h>

#include "vfs-impl.h"

#define MOUNT_MAX 16

static struct mount *mounts[MOUNT_MAX];
static int nmounts;
static spinlock_t table_lock = SPINLOCK_INIT;
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

/* Whether the absolute normalised path lies in the folder at (len bytes,
 * normalised). */
static bool inside(const char *path, const char *at, size_t len)
{
	return len == 1 || (!strncmp(path, at, len) && (path[len] == '/' || !path[len]));
}

/* The mount owning an absolute normalised path, and the rest of it. */
static struct mount *mount_of(const char *abs, const char **rest)
{
	struct mount *best = NULL;
	unsigned long flags = spin_lock_irqsave(&table_lock);

	for (int i = 0; i < nmounts; i++) {
		struct mount *m = mounts[i];
		if (inside(abs, m->path, m->path_len) && (!best || m->path_len > best->path_len))
			best = m;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	if (best)
		*rest = abs + (best->path_len == 1 ? 0 : best->path_len);
	return best;
}

void vfs_put_locked(struct vnode *v)
{
	if (v && --v->refs == 0)
		v->ops->release(v);
}

static void get_locked(struct vnode *v)
{
	v->refs++;
}

/* Where a path led: the mount (locked), the parent directory and the
 * last component's vnode (each with a reference, either may be NULL),
 * the last name (inside abs), and the absolute path with every symbolic
 * link met on the way expanded. */
struct where {
	struct mount *m;
	struct vnode *dir, *v;
	const char *name;
	size_t len;
	char abs[VFS_PATH_MAX];
};

#define R_PARENT 1 /* stop at the parent: the last name is not looked up */
#define R_FOLLOW 2 /* a link as the last component is followed */
#define R_MAYBE 4  /* the last component may be absent (v NULL) */
#define RESTART 1  /* walk expanded a link in w->abs: resolve again */
#define LINK_HOPS 40

/*
 * Replaces, in w->abs, the components up to the link (which starts at
 * name) by its target: an absolute target from the root, a relative one
 * from the link's directory. rest is what followed the link.
 */
static int expand_link(struct where *w, struct vnode *link, const char *name, const char *rest)
{
	char *tmp = kmalloc(2 * VFS_PATH_MAX);
	int r;

	if (!tmp)
		return -ENOMEM;
	char *target = tmp + VFS_PATH_MAX;
	if (!link->ops->readlink)
		r = -EINVAL;
	else if ((r = link->ops->readlink(link, target, VFS_PATH_MAX - 1)) >= 0)
		target[r] = 0;
	if (r == 0)
		r = -ENOENT;
	else if (r >= VFS_PATH_MAX - 1)
		r = -ENAMETOOLONG; /* perhaps cut short */
	if (r > 0) {
		size_t keep = target[0] == '/' ? 0 : (size_t)(name - w->abs);
		size_t tl = strlen(target), rl = strlen(rest);
		if (keep + tl + 1 + rl + 1 > VFS_PATH_MAX) {
			r = -ENAMETOOLONG;
		} else {
			memcpy(tmp, w->abs, keep);
			memcpy(tmp + keep, target, tl);
			tmp[keep + tl] = '/';
			memcpy(tmp + keep + tl + 1, rest, rl + 1);
			r = vfs_normalize(tmp, w->abs);
		}
	}
	kfree(tmp);
	return r < 0 ? r : RESTART;
}

/*
 * Walks rest (the part of w->abs inside w->m, whose lock is held) as
 * flags say, filling w. Returns 0, RESTART, or a negative errno (-EBUSY
 * with R_PARENT for the mount's own root, which has no name in it).
 */
static int walk(struct where *w, const char *rest, int flags)
{
	struct vnode *v = w->m->root;

	get_locked(v);
	while (*rest == '/')
		rest++;
	w->dir = NULL;
	w->v = v;
	w->name = rest;
	w->len = 0;
	if (!*rest && (flags & R_PARENT)) {
		vfs_put_locked(v);
		return -EBUSY;
	}
	while (*rest) {
		const char *start = rest;
		while (*rest && *rest != '/')
			rest++;
		size_t l = (size_t)(rest - start);
		while (*rest == '/')
			rest++;
		bool last = !*rest;
		if (!v->is_dir) {
			vfs_put_locked(v);
			return -ENOTDIR;
		}
		w->dir = v;
		w->v = NULL;
		w->name = start;
		w->len = l;
		if (last && (flags & R_PARENT))
			return 0;
		struct vnode *next;
		int r = v->ops->lookup(v, start, l, &next);
		if (r == -ENOENT && last && (flags & R_MAYBE))
			return 0;
		if (r) {
			vfs_put_locked(v);
			return r;
		}
		next->mount = w->m;
		if (next->is_link && (!last || (flags & R_FOLLOW))) {
			r = expand_link(w, next, start, rest);
			vfs_put_locked(next);
			vfs_put_locked(v);
			return r;
		}
		if (last) {
			w->v = next;
			return 0;
		}
		vfs_put_locked(v);
		v = next;
	}
	return 0;
}

/* Drops what w holds and unlocks its mount. */
static void release(struct where *w)
{
	vfs_put_locked(w->dir);
	vfs_put_locked(w->v);
	mutex_unlock(&w->m->lock);
}

/* Resolves path as flags say: on success w->m is locked and w holds the
 * references walk took; release() gives them back. */
static int resolve(const char *path, int flags, struct where *w)
{
	int r = vfs_normalize(path, w->abs);

	for (int hops = 0; !r; hops++) {
		const char *rest;
		if (hops > LINK_HOPS)
			return -ELOOP;
		if (!(w->m = mount_of(w->abs, &rest)))
			return -ENOENT;
		mutex_lock(&w->m->lock);
		if (w->m->gone) {
			mutex_unlock(&w->m->lock);
			hops--;
			continue;
		}
		r = walk(w, rest, flags);
		if (r <= 0) {
			if (r)
				mutex_unlock(&w->m->lock);
			return r;
		}
		mutex_unlock(&w->m->lock);
		r = 0;
	}
	return r;
}

/* Looks up a path: the mount, locked, and the vnode with a reference. */
static int lookup_path(const char *path, bool follow, struct mount **mp, struct vnode **out)
{
	struct where *w = kmalloc(sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	if (!(r = resolve(path, follow ? R_FOLLOW : 0, w))) {
		vfs_put_locked(w->dir);
		*mp = w->m;
		*out = w->v;
	}
	kfree(w);
	return r;
}

static void done(struct mount *m, struct vnode *v)
{
	vfs_put_locked(v);
	mutex_unlock(&m->lock);
}

int vfs_mount(const char *path, const struct fs_type *type, void *source, bool readonly)
{
	struct mount *m;
	int r;

	if (__atomic_load_n(&nmounts, __ATOMIC_RELAXED) == MOUNT_MAX)
		return -ENOSPC;
	if (!(m = kzalloc(sizeof(*m))))
		return -ENOMEM;
	if ((r = vfs_normalize(path, m->path))) {
		kfree(m);
		return r;
	}
	m->path_len = strlen(m->path);
	m->type = type;
	m->source = source;
	m->readonly = readonly;
	mutex_init(&m->lock);
	if ((r = type->ops->mount(source, readonly, &m->root, &m->fs))) {
		kfree(m);
		return r;
	}
	m->root->mount = m;
	unsigned long flags = spin_lock_irqsave(&table_lock);
	mounts[nmounts++] = m;
	spin_unlock_irqrestore(&table_lock, flags);
	return 0;
}

int vfs_mount_info(int i, struct vfs_mount_info *out)
{
	unsigned long flags = spin_lock_irqsave(&table_lock);
	int r = i >= 0 && i < nmounts ? 0 : -ENOENT;

	if (!r)
		*out = (struct vfs_mount_info){ mounts[i]->path, mounts[i]->type, mounts[i]->source,
						mounts[i]->readonly };
	spin_unlock_irqrestore(&table_lock, flags);
	return r;
}

/* The mounts now, into out (MOUNT_MAX); returns how many. */
static int snapshot(struct mount **out)
{
	unsigned long flags = spin_lock_irqsave(&table_lock);
	int n = nmounts;

	memcpy(out, mounts, (size_t)n * sizeof(*out));
	spin_unlock_irqrestore(&table_lock, flags);
	return n;
}

int vfs_umount(const char *path)
{
	char abs[VFS_PATH_MAX];
	struct mount *m = NULL;
	int r, i;

	if ((r = vfs_normalize(path, abs)))
		return r;
	unsigned long flags = spin_lock_irqsave(&table_lock);
	for (i = 0; i < nmounts && !m; i++)
		if (!strcmp(mounts[i]->path, abs))
			m = mounts[i];
	for (int k = 0; m && !r && k < nmounts; k++)
		if (mounts[k] != m && inside(mounts[k]->path, abs, m->path_len))
			r = -EBUSY; /* another is mounted inside it */
	spin_unlock_irqrestore(&table_lock, flags);
	if (!m)
		return -EINVAL;
	if (!r && m->path_len == 1)
		r = -EBUSY;
	if (!r && !m->type->ops->unmount)
		r = -EOPNOTSUPP;
	mutex_lock(&cwd_lock);
	if (!r && inside(cwd, abs, m->path_len))
		r = -EBUSY;
	mutex_unlock(&cwd_lock);
	if (r)
		return r;
	mutex_lock(&m->lock);
	if (m->files || m->gone) {
		mutex_unlock(&m->lock);
		return -EBUSY;
	}
	flags = spin_lock_irqsave(&table_lock);
	for (i = 0; i < nmounts && mounts[i] != m; i++)
		;
	memmove(mounts + i, mounts + i + 1, (size_t)(nmounts - i - 1) * sizeof(*mounts));
	nmounts--;
	spin_unlock_irqrestore(&table_lock, flags);
	m->gone = true;
	m->type->ops->unmount(m->fs); /* writes everything back first */
	mutex_unlock(&m->lock);
	return 0;
}

int vfs_sync(void)
{
	struct mount *m[MOUNT_MAX];
	int err = filemap_sync_all(), n = snapshot(m);

	for (int i = 0; i < n; i++) {
		mutex_lock(&m[i]->lock);
		int r = !m[i]->gone && m[i]->type->ops->sync ? m[i]->type->ops->sync(m[i]->fs) : 0;
		mutex_unlock(&m[i]->lock);
		if (r && !err)
			err = r;
	}
	return err;
}

int vfs_open(const char *path, int flags, uint32_t mode, struct file **out)
{
	int acc = flags & O_ACCMODE, r;
	int how = (flags & O_CREAT ? R_MAYBE : 0) | (flags & (O_NOFOLLOW | O_EXCL) ? 0 : R_FOLLOW);
	struct where *w = kmalloc(sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (acc == 3)
		r = -EINVAL;
	else
		r = resolve(path, how, w);
	if (r) {
		kfree(w);
		return r;
	}
	struct mount *m = w->m;
	struct vnode *v = w->v;
	if (!v) {
		r = m->readonly ? -EROFS : w->dir->ops->create(w->dir, w->name, w->len, mode, &v);
		if (!r)
			v->mount = m;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		r = -EEXIST;
	}
	vfs_put_locked(w->dir);
	w->dir = NULL;
	if (r)
		v = NULL;
	else if (v->is_link)
		r = -ELOOP; /* O_NOFOLLOW */
	else if ((flags & O_DIRECTORY) && !v->is_dir)
		r = -ENOTDIR;
	else if (v->is_dir && (acc != O_RDONLY || (flags & O_TRUNC)))
		r = -EISDIR;
	else if (acc != O_RDONLY && m->readonly)
		r = -EROFS;
	else if (v->ops->open)
		r = v->ops->open(v, acc);
	if (!r && (flags & O_TRUNC) && acc != O_RDONLY)
		r = v->ops->truncate(v, 0);
	if (r) {
		w->v = v;
		release(w);
		kfree(w);
		return r;
	}
	*out = NULL;
	if (v->ops->open_file && ((r = v->ops->open_file(v, flags & ~(O_CREAT | O_EXCL | O_TRUNC), out)) ||
				  *out)) {
		done(m, v); /* a device that is a kind of file of its own */
		kfree(w);
		return r;
	}
	m->files++; /* from here the mount cannot go */
	mutex_unlock(&m->lock);
	*out = vfs_file_new(v, flags & ~(O_CREAT | O_EXCL | O_TRUNC), w->abs);
	kfree(w);
	if (!*out) {
		mutex_lock(&m->lock);
		vfs_put_locked(v);
		m->files--;
		mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	return 0;
}

/* Runs a change of a directory entry (mkdir, unlink, rmdir, symlink) on
 * the parent of path and the last name. */
static int change(const char *path,
		  int (*op)(struct vnode *, const char *, size_t, uint32_t, const char *),
		  uint32_t mode, const char *target)
{
	struct where *w = kmalloc(sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	if (!(r = resolve(path, R_PARENT, w))) {
		r = w->m->readonly ? -EROFS : op(w->dir, w->name, w->len, mode, target);
		release(w);
	}
	kfree(w);
	return r;
}

static int do_mkdir(struct vnode *d, const char *n, size_t l, uint32_t mode, const char *t)
{
	(void)t;
	return d->ops->mkdir(d, n, l, mode);
}

static int do_unlink(struct vnode *d, const char *n, size_t l, uint32_t mode, const char *t)
{
	(void)mode, (void)t;
	return d->ops->unlink(d, n, l);
}

static int do_rmdir(struct vnode *d, const char *n, size_t l, uint32_t mode, const char *t)
{
	(void)mode, (void)t;
	return d->ops->rmdir(d, n, l);
}

static int do_symlink(struct vnode *d, const char *n, size_t l, uint32_t mode, const char *t)
{
	(void)mode;
	return d->ops->symlink ? d->ops->symlink(d, n, l, t) : -EPERM;
}

/* 1 when path's last name is ".", 2 when it is "..", else 0: a change of
 * a directory entry never names the directory itself that way. */
static int last_dot(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t i = n;
	while (i > 0 && path[i - 1] != '/')
		i--;
	if (n - i == 1 && path[i] == '.')
		return 1;
	return n - i == 2 && path[i] == '.' && path[i + 1] == '.' ? 2 : 0;
}

/* A mount's root (EBUSY from walk) exists, and is a folder, as Linux
 * answers for "/" and a mount point. */
int vfs_mkdir(const char *path, uint32_t mode)
{
	int r = last_dot(path) ? -EEXIST : change(path, do_mkdir, mode, NULL);

	return r == -EBUSY ? -EEXIST : r;
}

int vfs_unlink(const char *path)
{
	int r = last_dot(path) ? -EISDIR : change(path, do_unlink, 0, NULL);

	return r == -EBUSY ? -EISDIR : r;
}

/* As Linux: "." is -EINVAL, ".." is not empty. */
int vfs_rmdir(const char *path)
{
	static const int dot_error[] = { 0, -EINVAL, -ENOTEMPTY };
	int dot = last_dot(path);

	return dot ? dot_error[dot] : change(path, do_rmdir, 0, NULL);
}

int vfs_symlink(const char *target, const char *path)
{
	if (!target[0])
		return -ENOENT;
	if (strlen(target) >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	return change(path, do_symlink, 0, target);
}

/* The absolute path of path's parent with its links expanded, and the
 * last name after it, in w->abs (no lock or reference held). */
static int parent_path(const char *path, struct where *w)
{
	int r = resolve(path, R_PARENT, w);

	if (!r)
		release(w);
	return r;
}

/*
 * Walks again, under one lock of their mount, two paths resolved before
 * (a->abs and b->abs, links expanded): a as flags_a says, b to its parent.
 * Returns 0 with the lock held (release(a) and put b->dir when done), or
 * an errno with nothing held; a link put in the way since is not followed
 * (-ELOOP).
 */
static int walk_two(struct where *a, int flags_a, struct where *b)
{
	const char *r1, *r2;
	struct mount *m = a->m;
	int r;

	if (b->m != m)
		return -EXDEV;
	mount_of(a->abs, &r1);
	mount_of(b->abs, &r2);
	mutex_lock(&m->lock);
	if ((r = walk(a, r1, flags_a))) {
		mutex_unlock(&m->lock);
		return r > 0 ? -ELOOP : r;
	}
	if ((r = walk(b, r2, R_PARENT))) {
		release(a);
		return r > 0 ? -ELOOP : r;
	}
	return 0;
}

int vfs_rename(const char *from, const char *to, bool noreplace)
{
	struct where *w = kmalloc(2 * sizeof(*w));
	struct vnode *v;
	int r;

	if (!w)
		return -ENOMEM;
	struct where *a = &w[0], *b = &w[1];
	if (last_dot(from) || last_dot(to)) {
		r = -EBUSY; /* as Linux: "." and ".." are not entries to move */
		goto out;
	}
	if ((r = parent_path(from, a)) || (r = parent_path(to, b)))
		goto out;
	size_t l = strlen(a->abs);
	if (!strncmp(b->abs, a->abs, l) && b->abs[l] == '/')
		r = a->m == b->m ? -EINVAL : -EXDEV; /* into itself */
	if (r || (r = walk_two(a, R_PARENT, b)))
		goto out;
	if (noreplace && !b->dir->ops->lookup(b->dir, b->name, b->len, &v)) {
		vfs_put_locked(v);
		r = -EEXIST;
	} else {
		r = a->m->readonly ? -EROFS
				   : a->dir->ops->rename(a->dir, a->name, a->len, b->dir, b->name,
							 b->len);
	}
	vfs_put_locked(b->dir);
	release(a);
out:
	kfree(w);
	return r;
}

int vfs_link(const char *old, const char *path, bool follow)
{
	struct where *w = kmalloc(2 * sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	struct where *a = &w[0], *b = &w[1];
	if ((r = resolve(old, follow ? R_FOLLOW : 0, a)))
		goto out;
	release(a); /* a->abs: the file's path with its links expanded */
	if ((r = parent_path(path, b)) || (r = walk_two(a, 0, b)))
		goto out;
	if (a->v->is_dir)
		r = -EPERM;
	else if (a->m->readonly)
		r = -EROFS;
	else if (!b->dir->ops->link)
		r = -EPERM;
	else
		r = b->dir->ops->link(b->dir, b->name, b->len, a->v);
	vfs_put_locked(b->dir);
	release(a);
out:
	kfree(w);
	return r;
}

static int stat_path(const char *path, bool follow, struct vfs_attr *a)
{
	struct mount *m;
	struct vnode *v;
	int r = lookup_path(path, follow, &m, &v);

	if (r)
		return r;
	r = v->ops->getattr(v, a);
	done(m, v);
	return r;
}

int vfs_stat(const char *path, struct vfs_attr *a)
{
	return stat_path(path, true, a);
}

int vfs_lstat(const char *path, struct vfs_attr *a)
{
	return stat_path(path, false, a);
}

int vfs_readlink(const char *path, char *buf, size_t n)
{
	char abs[VFS_PATH_MAX];
	struct mount *m;
	struct vnode *v;

	/* The program is the image, which no file system holds: Linux's
	 * /proc/self/exe names it by argv[0]. */
	if (!vfs_normalize(path, abs) && !strcmp(abs, "/proc/self/exe")) {
		size_t len = strlen(program_path());
		memcpy(buf, program_path(), len < n ? len : n);
		return (int)(len < n ? len : n);
	}
	int r = lookup_path(path, false, &m, &v);

	if (r)
		return r;
	r = v->is_link && v->ops->readlink ? v->ops->readlink(v, buf, n) : -EINVAL;
	done(m, v);
	return r;
}

/* The vnode of an open file f, or else of path (its last link followed
 * when follow): locked mount, a reference. */
static int target(const char *path, bool follow, struct file *f, struct mount **mp,
		  struct vnode **vp)
{
	if (!f)
		return lookup_path(path, follow, mp, vp);
	*vp = f->priv;
	*mp = (*vp)->mount;
	mutex_lock(&(*mp)->lock);
	get_locked(*vp);
	return 0;
}

static bool root_or_unchanged(uint32_t id)
{
	return id == 0 || id == (uint32_t)-1;
}

/* A change of owner where files have none: to root (or no change) is
 * nothing to do, to anyone else -EPERM. */
static int owner_change(const struct mount *m, const struct vfs_attr *a, unsigned *mask)
{
	if (!(*mask & VFS_SET_OWNER) || m->type->ops->owners)
		return 0;
	*mask &= ~VFS_SET_OWNER;
	return root_or_unchanged(a->uid) && root_or_unchanged(a->gid) ? 0 : -EPERM;
}

int vfs_setattr(const char *path, struct file *f, const struct vfs_attr *a, unsigned mask)
{
	struct mount *m;
	struct vnode *v;

	if (f && !vfs_file_vnode(f))
		return 0; /* a device or pipe keeps no attributes */
	int r = target(path, !(mask & VFS_NOFOLLOW), f, &m, &v);

	if (r)
		return r;
	mask &= ~VFS_NOFOLLOW;
	if (m->readonly)
		r = -EROFS;
	else if (!(r = owner_change(m, a, &mask)) && mask)
		r = v->ops->setattr(v, a, mask);
	done(m, v);
	return r;
}

int vfs_truncate(const char *path, struct file *f, uint64_t size)
{
	struct mount *m;
	struct vnode *v;
	int r;

	if (f && ((f->flags & O_ACCMODE) == O_RDONLY || !vfs_file_vnode(f)))
		return -EINVAL;
	if ((r = target(path, true, f, &m, &v)))
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
	struct vnode *v = vfs_file_vnode(f);

	if (!v)
		return -ENODEV;
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

int vfs_syncfs(struct file *f)
{
	struct vnode *v = vfs_file_vnode(f);

	if (!v)
		return 0; /* nothing of a pipe or device is on a disk */
	struct mount *m = v->mount;

	mutex_lock(&m->lock);
	int r = m->type->ops->sync ? m->type->ops->sync(m->fs) : 0;
	mutex_unlock(&m->lock);
	return r;
}

int vfs_statfs(const char *path, struct file *f, struct vfs_statfs *s)
{
	struct mount *m;
	struct vnode *v;
	int r;

	if (f) {
		if (!(v = vfs_file_vnode(f)))
			return -ENOSYS;
		m = v->mount;
		mutex_lock(&m->lock);
	} else {
		if ((r = lookup_path(path, true, &m, &v)))
			return r;
		vfs_put_locked(v);
	}
	r = m->type->ops->statfs(m->fs, s);
	mutex_unlock(&m->lock);
	return r;
}

int vfs_chdir(const char *path)
{
	struct where *w = kmalloc(sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	if (!(r = resolve(path, R_FOLLOW, w))) {
		r = w->v->is_dir ? 0 : -ENOTDIR;
		release(w);
	}
	if (!r) {
		mutex_lock(&cwd_lock);
		strcpy(cwd, w->abs);
		mutex_unlock(&cwd_lock);
	}
	kfree(w);
	return r;
}

int vfs_fchdir(struct file *f)
{
	const char *dir = vfs_file_dir(f);

	return dir ? vfs_chdir(dir) : -ENOTDIR;
}

void vfs_setcwd(const char *dir)
{
	mutex_lock(&cwd_lock);
	strcpy(cwd, dir);
	mutex_unlock(&cwd_lock);
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

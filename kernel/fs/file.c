/*
 * Open files of a file system: the file operations (include/unishyper/
 * file.h) of every file the VFS opens, over the vnode operations of its
 * file system (include/unishyper/vfs.h). Reads, writes and fsync take the
 * mount lock unless the file system runs them concurrently
 * (fs_ops.concurrent_io); everything else takes it always. A directory's
 * getdents64 cursor and the path an open file was reached by live in the
 * struct file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <unishyper/filemap.h>
#include <unishyper/kmalloc.h>
#include <unishyper/vm.h>

#include "vfs-impl.h"

static const struct file_ops vfs_file_ops;

struct vnode *vfs_file_vnode(struct file *f)
{
	return f->ops == &vfs_file_ops ? f->priv : NULL;
}

const char *vfs_file_dir(struct file *f)
{
	struct vnode *v = vfs_file_vnode(f);

	return v && v->is_dir ? f->path : NULL;
}

static ssize_t file_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct vnode *v = f->priv;
	uint64_t pos = off ? *off : f->offset;

	if (v->is_dir)
		return -EISDIR;
	vm_populate(buf, n, true);
	vfs_io_lock(v);
	ssize_t r = v->ops->read(v, buf, n, pos);
	vfs_io_unlock(v);
	if (r > 0)
		filemap_after_read(v, buf, pos, (size_t)r);
	if (r > 0 && !off)
		f->offset = pos + (uint64_t)r;
	return r;
}

static ssize_t file_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct vnode *v = f->priv;
	struct vfs_attr a;

	if (v->mount->readonly)
		return -EROFS;
	vm_populate(buf, n, false);
	vfs_io_lock(v);
	uint64_t pos = off ? *off : f->offset;
	if ((f->flags & O_APPEND) && !off) {
		int r = v->ops->getattr(v, &a);
		if (r) {
			vfs_io_unlock(v);
			return r;
		}
		pos = a.size;
	}
	ssize_t r = v->ops->write(v, buf, n, pos);
	vfs_io_unlock(v);
	if (r > 0)
		filemap_after_write(v, buf, pos, (size_t)r);
	if (r > 0 && !off)
		f->offset = pos + (uint64_t)r;
	return r;
}

static int file_stat(struct file *f, struct vfs_attr *a)
{
	struct vnode *v = f->priv;

	mutex_lock(&v->mount->lock);
	int r = v->ops->getattr(v, a);
	mutex_unlock(&v->mount->lock);
	return r;
}

static long file_seek(struct file *f, long off, int whence)
{
	struct vfs_attr a;
	long base, r;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (long)f->offset;
		break;
	case SEEK_END:
		if ((r = file_stat(f, &a)))
			return r;
		base = (long)a.size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, off, &r) || r < 0)
		return -EINVAL;
	f->offset = (uint64_t)r;
	if (((struct vnode *)f->priv)->is_dir)
		f->dir_pos = 0; /* rewinddir */
	return r;
}

static int file_sync(struct file *f)
{
	struct vnode *v = f->priv;
	int mapped = filemap_sync_vnode(v, false);

	if (mapped)
		return mapped;
	vfs_io_lock(v);
	int r = v->ops->fsync ? v->ops->fsync(v) : 0;
	vfs_io_unlock(v);
	return r;
}

static int file_readdir(struct file *f, vfs_emit_fn emit, void *ctx)
{
	struct vnode *v = f->priv;
	struct vfs_dirent *d;
	int r = 0;

	if (!v->is_dir)
		return -ENOTDIR;
	if (!(d = kmalloc(sizeof(*d))))
		return -ENOMEM;
	while (!r) {
		/* "." and ".." first, then the file system's entries; the
		 * cursor moves past an entry only once emit has taken it. */
		uint64_t pos = f->dir_pos;
		if (pos < 2) {
			*d = (struct vfs_dirent){ .type = DT_DIR };
			strcpy(d->name, pos ? ".." : ".");
			pos++;
		} else {
			pos -= 2;
			mutex_lock(&v->mount->lock);
			r = v->ops->readdir(v, &pos, d);
			mutex_unlock(&v->mount->lock);
			if (r <= 0)
				break;
			pos += 2;
		}
		if (!(r = emit(ctx, d, pos)))
			f->dir_pos = pos;
	}
	kfree(d);
	return r;
}

static void file_close(struct file *f)
{
	struct vnode *v = f->priv;
	struct mount *m = v->mount;

	filemap_sync_vnode(v, false);
	mutex_lock(&m->lock);
	/* A written file reaches the disk when it is closed. */
	if ((f->flags & O_ACCMODE) != O_RDONLY && !m->readonly && v->ops->fsync &&
	    !m->type->ops->write_through)
		v->ops->fsync(v);
	vfs_put_locked(v);
	m->files--;
	mutex_unlock(&m->lock);
}

/* Files of a file system map through the page cache (filemap.h); the
 * access mode limits the mapping as on Linux. */
static long file_mmap(struct file *f, uintptr_t addr, size_t len, int prot, int flags,
		      uint64_t off)
{
	struct vnode *v = f->priv;
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	struct filemap *fm;
	long r;

	if (v->is_dir)
		return -ENODEV;
	if ((f->flags & O_ACCMODE) == O_WRONLY ||
	    (shared && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR))
		return -EACCES;
	if ((r = filemap_get(f, shared && (prot & PROT_WRITE), &fm)))
		return r;
	r = vm_map_file(addr, len, (unsigned)prot, flags & (MAP_FIXED | MAP_FIXED_NOREPLACE),
			shared, fm, off);
	if (r < 0)
		filemap_put(fm);
	return r;
}

static const struct file_ops vfs_file_ops = {
	.read = file_read, .write = file_write, .stat = file_stat, .seek = file_seek,
	.sync = file_sync, .readdir = file_readdir, .mmap = file_mmap, .close = file_close,
};

struct file *vfs_file_new(struct vnode *v, int flags, const char *abs)
{
	struct file *f = file_alloc(&vfs_file_ops, v, flags);
	char *p = kmalloc(strlen(abs) + 1);

	if (!f || !p) {
		kfree(f);
		kfree(p);
		return NULL;
	}
	strcpy(p, abs);
	f->path = p;
	return f;
}

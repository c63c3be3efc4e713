/*
 * The life of a struct file (include/unishyper/file.h): made by the owner
 * of its kind, shared by descriptors and by calls in progress through a
 * reference count, closed through its operations table when the last
 * reference goes.
 */
#include <unishyper/epoll.h>
#include <unishyper/file.h>
#include <unishyper/flock.h>
#include <unishyper/kmalloc.h>
#include <unishyper/vfs.h>

struct file *file_alloc(const struct file_ops *ops, void *priv, int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (f) {
		*f = (struct file){ .ops = ops, .refs = 1, .flags = flags, .priv = priv };
		list_init(&f->epolls);
	}
	return f;
}

void file_get(struct file *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	epoll_file_release(f);
	flock_release(f);
	if (f->ops->close)
		f->ops->close(f);
	kfree(f->path);
	kfree(f);
}

long file_anon_seek(struct file *f, long off, int whence)
{
	return 0;
}

void file_anon_attr(struct vfs_attr *a, uint64_t ino)
{
	*a = (struct vfs_attr){ .ino = ino, .mode = 0600, .nlink = 1, .blksize = 4096 };
}

/*
 * What the VFS's two halves share: the mount table's entries and vnode
 * references (kernel/fs/vfs.c), and open files of a file system
 * (kernel/fs/file.c).
 */
#ifndef VFS_IMPL_H
#define VFS_IMPL_H

#include <unishyper/file.h>
#include <unishyper/mutex.h>
#include <unishyper/vfs.h>

struct mount {
	char path[VFS_PATH_MAX]; /* normalised, "/" or without a trailing '/' */
	size_t path_len;
	const struct fs_type *type;
	void *source;            /* what fs_ops.mount was given */
	void *fs;
	struct vnode *root;
	bool readonly;
	struct mutex lock;
	/* Under lock: the open files of the mount (vfs_umount refuses while
	 * there are any), and whether it was unmounted (a walk that found it
	 * before then starts again). */
	int files;
	bool gone;
};

/* The lock around a file's read, write and fsync: the mount lock unless
 * the file system runs them concurrently (fs_ops.concurrent_io). */
static inline void vfs_io_lock(struct vnode *v)
{
	if (!v->mount->type->ops->concurrent_io)
		mutex_lock(&v->mount->lock);
}

static inline void vfs_io_unlock(struct vnode *v)
{
	if (!v->mount->type->ops->concurrent_io)
		mutex_unlock(&v->mount->lock);
}

/* Drops a reference to v (NULL is nothing); the mount lock is held. */
void vfs_put_locked(struct vnode *v);

/* A new open file of v (whose reference it takes over) opened by the
 * absolute path abs; NULL without memory. */
struct file *vfs_file_new(struct vnode *v, int flags, const char *abs);

#endif

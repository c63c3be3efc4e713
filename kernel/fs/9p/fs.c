/*
 * unilib-fs: a file system whose files live on the host, reached over a
 * 9p channel (client.h). The guest keeps no data of its own: every
 * operation is a request to the host's server.
 *
 * Each vnode holds a fid walked to its file, and, from its first read,
 * write or listing on, a second fid opened for I/O (read-write when the
 * host allows it, else read-only; reopened read-write when a write needs
 * it). A file created here keeps the one fid Tlcreate opened for both.
 * Every lookup gives a new vnode: the state of a file is on the host, and
 * a table by inode number could hand out the vnode of a deleted file
 * whose number the host gave to a new one. Names come from the VFS as single
 * components; every name is checked again before it is sent, so that no
 * request ever names "..", "." or a path: the guest cannot leave the
 * share through the server. Symbolic links are resolved by the VFS in
 * the guest's own tree.
 *
 * Reads, writes and fsync run without the mount lock (the VFS allows it
 * for this file system, vfs.h), so many requests are in flight at once;
 * io_lock guards opening the I/O fid.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/printk.h>
#include <unishyper/vfs.h>
#include <unishyper/vm.h>

#include "client.h"

#define V9FS_MAGIC 0x01021997
#define DIR_BATCH 8192u
#define DIRECT_MIN 16384u /* bytes from which data moves without a copy */
#define P9_MAX_RUNS 64

struct p9_fs;

struct p9_node {
	struct vnode v;
	struct p9_fs *fs;
	uint32_t fid;         /* walked to the file, or the created file's open fid */
	uint32_t io_fid;      /* opened for I/O, P9_NOFID before */
	uint32_t old_fid;     /* the read-only io_fid a write replaced */
	bool io_write;        /* io_fid is open for writing */
	/* The last Rreaddir's data, asked for at offset dir_off. */
	uint8_t *dir_buf;
	uint32_t dir_len;
	uint64_t dir_off;
};

struct p9_fs {
	struct p9_client c;
	struct p9_node *root;
	struct mutex io_lock;
};

static const struct vnode_ops p9_ops;

static struct p9_node *node_of(struct vnode *v)
{
	return v->priv;
}

static bool bad_name(const char *name, size_t len)
{
	if (!len || len > VFS_NAME_MAX || (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
		return true;
	return memchr(name, '/', len) || memchr(name, 0, len);
}

/* A new vnode for the file with qid, taking over fid (opened for
 * reading and writing when fid_open). */
static int node_new(struct p9_fs *fs, uint32_t fid, const struct p9_qid *qid, bool fid_open,
		    struct vnode **out)
{
	struct p9_node *n = kzalloc(sizeof(*n));
	if (!n) {
		p9c_clunk(&fs->c, fid);
		return -ENOMEM;
	}
	n->fs = fs;
	n->fid = fid;
	n->io_fid = fid_open ? fid : P9_NOFID;
	n->old_fid = P9_NOFID;
	n->io_write = fid_open;
	n->v = (struct vnode){
		.ops = &p9_ops,
		.refs = 1,
		.is_dir = (qid->type & P9_QTDIR) != 0,
		.is_link = (qid->type & P9_QTSYMLINK) != 0,
		.priv = n,
	};
	*out = &n->v;
	return 0;
}

static void p9_release(struct vnode *v)
{
	struct p9_node *n = node_of(v);
	struct p9_fs *fs = n->fs;

	if (n->io_fid != P9_NOFID && n->io_fid != n->fid)
		p9c_clunk(&fs->c, n->io_fid);
	if (n->old_fid != P9_NOFID)
		p9c_clunk(&fs->c, n->old_fid);
	p9c_clunk(&fs->c, n->fid);
	kfree(n->dir_buf);
	kfree(n);
}

/* Opens the I/O fid of n, for writing when write is set. */
static int io_open(struct p9_node *n, bool write)
{
	struct p9_fs *fs = n->fs;
	int r = 0;

	mutex_lock(&fs->io_lock);
	if (n->io_fid != P9_NOFID && (n->io_write || !write))
		goto out;
	uint32_t fid = p9c_fid(&fs->c);
	struct p9_qid qid;
	if ((r = p9c_walk(&fs->c, n->fid, fid, NULL, 0, &qid)))
		goto out;
	bool w = !n->v.is_dir;
	if (n->v.is_dir)
		r = p9c_lopen(&fs->c, fid, O_RDONLY | O_DIRECTORY);
	else if ((r = p9c_lopen(&fs->c, fid, O_RDWR)) && !write)
		w = false, r = p9c_lopen(&fs->c, fid, O_RDONLY);
	if (r) {
		p9c_clunk(&fs->c, fid);
		goto out;
	}
	/* A reader may be using the read-only fid in a request in flight:
	 * it stays open until the vnode goes. */
	if (n->io_fid != P9_NOFID)
		n->old_fid = n->io_fid;
	n->io_fid = fid;
	n->io_write = w;
out:
	mutex_unlock(&fs->io_lock);
	return r;
}

/* The I/O fid is opened with the file, so that the file stays readable
 * and writable after it is unlinked, as POSIX promises. */
static int p9_open(struct vnode *v, int acc)
{
	return io_open(node_of(v), acc != O_RDONLY);
}

static int p9_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct p9_node *d = node_of(dir);
	struct p9_qid qid;

	if (bad_name(name, len))
		return -ENOENT;
	uint32_t fid = p9c_fid(&d->fs->c);
	int r = p9c_walk(&d->fs->c, d->fid, fid, name, len, &qid);
	if (r)
		return r;
	return node_new(d->fs, fid, &qid, false, out);
}

static void dir_changed(struct vnode *dir)
{
	node_of(dir)->dir_len = 0;
}

static int p9_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		     struct vnode **out)
{
	struct p9_node *d = node_of(dir);
	struct p9_qid qid;

	if (bad_name(name, len))
		return -EINVAL;
	uint32_t fid = p9c_fid(&d->fs->c);
	int r = p9c_walk(&d->fs->c, d->fid, fid, NULL, 0, &qid);
	if (r)
		return r;
	dir_changed(dir);
	r = p9c_lcreate(&d->fs->c, fid, name, len, O_RDWR | O_CREAT | O_EXCL, mode & 07777, &qid);
	if (r) {
		p9c_clunk(&d->fs->c, fid);
		return r;
	}
	return node_new(d->fs, fid, &qid, true, out);
}

static int p9_mkdir(struct vnode *dir, const char *name, size_t len, uint32_t mode)
{
	struct p9_node *d = node_of(dir);

	if (bad_name(name, len))
		return -EINVAL;
	dir_changed(dir);
	return p9c_mkdir(&d->fs->c, d->fid, name, len, mode & 07777);
}

static int p9_symlink(struct vnode *dir, const char *name, size_t len, const char *target)
{
	struct p9_node *d = node_of(dir);

	if (bad_name(name, len))
		return -EINVAL;
	dir_changed(dir);
	return p9c_symlink(&d->fs->c, d->fid, name, len, target);
}

static int p9_link(struct vnode *dir, const char *name, size_t len, struct vnode *target)
{
	struct p9_node *d = node_of(dir);

	if (bad_name(name, len))
		return -EINVAL;
	dir_changed(dir);
	return p9c_link(&d->fs->c, d->fid, node_of(target)->fid, name, len);
}

static int p9_unlink(struct vnode *dir, const char *name, size_t len)
{
	struct p9_node *d = node_of(dir);

	if (bad_name(name, len))
		return -ENOENT;
	dir_changed(dir);
	return p9c_unlinkat(&d->fs->c, d->fid, name, len, 0);
}

static int p9_rmdir(struct vnode *dir, const char *name, size_t len)
{
	struct p9_node *d = node_of(dir);

	if (bad_name(name, len))
		return -ENOENT;
	dir_changed(dir);
	return p9c_unlinkat(&d->fs->c, d->fid, name, len, P9_AT_REMOVEDIR);
}

static int p9_rename(struct vnode *from_dir, const char *from, size_t from_len,
		     struct vnode *to_dir, const char *to, size_t to_len)
{
	struct p9_node *a = node_of(from_dir), *b = node_of(to_dir);

	if (bad_name(from, from_len) || bad_name(to, to_len))
		return -ENOENT;
	dir_changed(from_dir);
	dir_changed(to_dir);
	return p9c_renameat(&a->fs->c, a->fid, from, from_len, b->fid, to, to_len);
}

/*
 * Listing: one Treaddir fetches a batch of entries, kept in dir_buf; an
 * entry is served from it when *pos is the batch's offset or the offset
 * one of its entries gives as the next. "." and "..", and names the VFS
 * could not pass on, are skipped.
 */
static int p9_readdir(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out)
{
	struct p9_node *d = node_of(dir);
	struct p9_dirent e;
	struct p9_msg m;
	int r;

	if (!d->dir_buf && !(d->dir_buf = kmalloc(DIR_BATCH)))
		return -ENOMEM;
	if (*pos == 0)
		d->dir_len = 0; /* a new listing sees the directory as it is now */
	for (int batches = 0; batches < 1000; batches++) {
		bool found = false;
		uint64_t start = d->dir_off;
		m = (struct p9_msg){ .buf = d->dir_buf, .cap = d->dir_len };
		while (d->dir_len && p9_next_dirent(&m, &e)) {
			found = found || start == *pos;
			start = e.offset;
			if (!found)
				continue;
			*pos = e.offset;
			if (bad_name(e.name, e.len))
				continue;
			out->ino = e.qid.path;
			out->type = e.qid.type & P9_QTDIR ? DT_DIR : e.qid.type & P9_QTSYMLINK ? DT_LNK : e.type;
			memcpy(out->name, e.name, e.len);
			out->name[e.len] = 0;
			return 1;
		}
		if (m.bad)
			return -EPROTO;
		if (d->dir_len && found && d->dir_off == *pos)
			return -EPROTO; /* a batch that does not move on */
		if ((r = io_open(d, false)))
			return r;
		r = p9c_readdir(&d->fs->c, d->io_fid, *pos, d->dir_buf, DIR_BATCH);
		if (r <= 0) {
			d->dir_len = 0;
			return r;
		}
		d->dir_off = *pos;
		d->dir_len = (uint32_t)r;
	}
	return -EIO;
}

/* One request of at most want bytes at buf: large ones move the data
 * straight between the caller's memory and the device, small ones
 * through the slot, which costs less than mapping the memory. */
static int transfer_one(struct p9_node *p, char *buf, uint32_t want, uint64_t off, bool write)
{
	struct p9_client *c = &p->fs->c;
	struct vm_run runs[P9_MAX_RUNS];
	size_t covered;

	if (want < DIRECT_MIN)
		return write ? p9c_write(c, p->io_fid, off, buf, want)
			     : p9c_read(c, p->io_fid, off, buf, want);
	int max = c->chan->max_runs < P9_MAX_RUNS ? c->chan->max_runs : P9_MAX_RUNS;
	int n = vm_dma_map(buf, want, !write, runs, max, &covered);
	if (n < 0)
		return n;
	int r = p9c_io_runs(c, write, p->io_fid, off, runs, n, (uint32_t)covered);
	vm_dma_done();
	return r;
}

/* Reads or writes n bytes at off in requests of at most iounit bytes;
 * stops at the end of the file or when the server takes no more. */
static ssize_t transfer(struct vnode *v, char *buf, size_t n, uint64_t off, bool write)
{
	struct p9_node *p = node_of(v);
	struct p9_client *c = &p->fs->c;
	size_t done = 0;
	int r;

	if ((r = io_open(p, write)))
		return r;
	if (write && !p->io_write)
		return -EACCES;
	while (done < n) {
		uint32_t want = n - done < c->iounit ? (uint32_t)(n - done) : c->iounit;
		r = transfer_one(p, buf + done, want, off + done, write);
		if (r < 0)
			return done ? (ssize_t)done : r;
		if (!r)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static ssize_t p9_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
	return transfer(v, buf, n, off, false);
}

static ssize_t p9_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
	return transfer(v, (char *)buf, n, off, true);
}

/* The fid to ask about the file: the open one where there is one, as an
 * open file that was unlinked has no name on the host any more. */
static uint32_t attr_fid(struct p9_node *p)
{
	return p->io_fid != P9_NOFID ? p->io_fid : p->fid;
}

static int p9_getattr(struct vnode *v, struct vfs_attr *a)
{
	struct p9_node *p = node_of(v);
	struct p9_qid qid;
	struct p9_attr pa;
	int r = p9c_getattr(&p->fs->c, attr_fid(p), &qid, &pa);

	if (r)
		return r;
	*a = (struct vfs_attr){
		.ino = qid.path,
		.size = pa.size,
		.blocks = pa.blocks,
		.mode = pa.mode,
		.nlink = (uint32_t)pa.nlink,
		.uid = pa.uid,
		.gid = pa.gid,
		.atime = pa.atime_sec * 1000000000 + pa.atime_nsec,
		.mtime = pa.mtime_sec * 1000000000 + pa.mtime_nsec,
		.ctime = pa.ctime_sec * 1000000000 + pa.ctime_nsec,
		.blksize = (uint32_t)pa.blksize,
		.rdev = pa.rdev,
	};
	return 0;
}

static int p9_setattr(struct vnode *v, const struct vfs_attr *a, unsigned mask)
{
	struct p9_node *p = node_of(v);
	struct p9_setattr s = { .mode = a->mode & 07777, .uid = a->uid, .gid = a->gid,
				.atime = a->atime, .mtime = a->mtime };

	if (mask & VFS_SET_MODE)
		s.valid |= P9_SETATTR_MODE;
	if (mask & VFS_SET_ATIME)
		s.valid |= P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET;
	if (mask & VFS_SET_MTIME)
		s.valid |= P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
	if ((mask & VFS_SET_OWNER) && a->uid != (uint32_t)-1)
		s.valid |= P9_SETATTR_UID;
	if ((mask & VFS_SET_OWNER) && a->gid != (uint32_t)-1)
		s.valid |= P9_SETATTR_GID;
	return s.valid ? p9c_setattr(&p->fs->c, p->fid, &s) : 0;
}

static int p9_truncate(struct vnode *v, uint64_t size)
{
	struct p9_node *p = node_of(v);

	struct p9_setattr s = { .valid = P9_SETATTR_SIZE, .size = size };

	return p9c_setattr(&p->fs->c, attr_fid(p), &s);
}

static int p9_readlink(struct vnode *v, char *buf, size_t n)
{
	struct p9_node *p = node_of(v);

	return v->is_link ? p9c_readlink(&p->fs->c, p->fid, buf, n) : -EINVAL;
}

static int p9_fsync(struct vnode *v)
{
	struct p9_node *p = node_of(v);

	return p->io_fid != P9_NOFID && p->io_write ? p9c_fsync(&p->fs->c, p->io_fid) : 0;
}

static const struct vnode_ops p9_ops = {
	.lookup = p9_lookup,
	.create = p9_create,
	.mkdir = p9_mkdir,
	.symlink = p9_symlink,
	.link = p9_link,
	.unlink = p9_unlink,
	.rmdir = p9_rmdir,
	.rename = p9_rename,
	.readdir = p9_readdir,
	.open = p9_open,
	.read = p9_read,
	.write = p9_write,
	.truncate = p9_truncate,
	.getattr = p9_getattr,
	.setattr = p9_setattr,
	.readlink = p9_readlink,
	.fsync = p9_fsync,
	.release = p9_release,
};

static int p9_mount(void *source, bool readonly, struct vnode **root, void **out)
{
	struct p9_chan *chan = source;
	struct p9_fs *fs = kzalloc(sizeof(*fs));
	struct p9_qid qid;
	struct vnode *v;

	if (!fs)
		return -ENOMEM;
	mutex_init(&fs->io_lock);
	uint32_t fid = p9c_fid(&fs->c);
	int r = p9c_connect(&fs->c, chan, fid, &qid);
	if (!r && !(qid.type & P9_QTDIR))
		r = -ENOTDIR;
	if (!r)
		r = node_new(fs, fid, &qid, false, &v);
	if (r) {
		printk("9p: %s: cannot attach the share (error %d)\n", chan->tag, r);
		kfree(fs);
		return r;
	}
	fs->root = node_of(v);
	*root = v;
	*out = fs;
	return 0;
}

/* No file of the mount is open (vfs_umount): only the root holds a fid. */
static void p9_unmount(void *p)
{
	struct p9_fs *fs = p;

	p9_release(&fs->root->v);
	kfree(fs);
}

static int p9_statfs(void *p, struct vfs_statfs *out)
{
	struct p9_fs *fs = p;
	struct p9_statfs s;
	int r = p9c_statfs(&fs->c, fs->root->fid, &s);

	if (r)
		return r;
	*out = (struct vfs_statfs){
		.magic = V9FS_MAGIC,
		.bsize = s.bsize,
		.blocks = s.blocks,
		.bfree = s.bavail,
		.files = s.files,
		.ffree = s.ffree,
		.name_max = s.namelen,
	};
	return 0;
}

static const struct fs_ops p9_fs_ops = {
	.mount = p9_mount,
	.statfs = p9_statfs,
	.unmount = p9_unmount,
	.concurrent_io = true,
	.write_through = true,
	.owners = true,
};

const struct fs_type p9_fs_type = { .name = "9p", .ops = &p9_fs_ops };

/*
 * ramfs: files in memory, for /tmp and for the root when no disk is
 * attached. A node is a directory or a file (an array of page-sized
 * chunks, allocated as written; holes read as zero). A directory keeps its
 * children twice: hashed by name, so lookup and create take the same time
 * in a folder of any size, and in a list in the order they were added,
 * each with a rising sequence number that readdir uses as its cookie. The
 * directory remembers the child readdir gave last, so the next call goes
 * on from there instead of counting from the start; removing that child
 * moves the mark to a neighbour. A node's vnode is embedded in it; an
 * unlinked node lives on until its last reference goes. The VFS serialises
 * calls (vfs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/htab.h>
#include <unishyper/kmalloc.h>
#include <unishyper/list.h>
#include <unishyper/pmem.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

#define CHUNK 4096
#define RAMFS_MAGIC 0x858458f6

struct node {
	struct vnode vnode;
	struct list_node link;     /* in the parent's children */
	struct htab_node hlink;    /* in the parent's names */
	uint64_t seq;              /* place in the parent's list, from 1 */
	struct list_node children; /* directories: in seq order */
	struct htab names;         /* directories: the children by name */
	uint64_t next_seq;         /* directories */
	struct node *mark;         /* directories: a child near readdir's place */
	struct node *parent;       /* NULL once unlinked */
	char *name;
	uint32_t mode;
	uint64_t ino, size, nchunks, atime, mtime, ctime;
	char **chunks;
};

static const struct vnode_ops ramfs_ops;
static uint64_t next_ino = 1;

static struct node *node_of(struct vnode *v)
{
	return (struct node *)v;
}

static struct node *node_new(const char *name, size_t len, uint32_t mode)
{
	struct node *n = kzalloc(sizeof(*n));

	if (!n || !(n->name = kmalloc(len + 1))) {
		kfree(n);
		return NULL;
	}
	if (S_ISDIR(mode) && htab_init(&n->names)) {
		kfree(n->name);
		kfree(n);
		return NULL;
	}
	memcpy(n->name, name, len);
	n->name[len] = 0;
	n->next_seq = 1;
	n->vnode.ops = &ramfs_ops;
	n->vnode.is_dir = S_ISDIR(mode);
	n->mode = mode;
	n->ino = next_ino++;
	n->atime = n->mtime = n->ctime = time_realtime_ns();
	list_init(&n->children);
	list_init(&n->link);
	return n;
}

static void node_free(struct node *n)
{
	for (uint64_t i = 0; i < n->nchunks; i++)
		kfree(n->chunks[i]);
	kfree(n->chunks);
	kfree(n->name);
	htab_destroy(&n->names);
	kfree(n);
}

static uint32_t name_hash(const char *name, size_t len)
{
	return htab_hash(HTAB_SEED, name, len);
}

static struct node *find(struct node *dir, const char *name, size_t len)
{
	for (struct htab_node *h = htab_first(&dir->names, name_hash(name, len)); h;
	     h = htab_next(h)) {
		struct node *c = list_entry(h, struct node, hlink);
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	}
	return NULL;
}

/* Puts n, already named, at the end of directory d. */
static void attach(struct node *d, struct node *n)
{
	n->parent = d;
	n->seq = d->next_seq++;
	list_push_back(&d->children, &n->link);
	htab_insert(&d->names, &n->hlink, name_hash(n->name, strlen(n->name)));
}

/* Takes n out of its directory, keeping readdir's mark on a child. */
static void unhook(struct node *n)
{
	struct node *d = n->parent;

	if (d->mark == n) {
		struct list_node *l = n->link.prev != &d->children ? n->link.prev : n->link.next;
		d->mark = l != &d->children ? list_entry(l, struct node, link) : NULL;
	}
	htab_remove(&d->names, &n->hlink);
	list_remove(&n->link);
}

/* A node stays allocated while it is in the tree or referenced. */
static void maybe_free(struct node *n)
{
	if (!n->parent && !n->vnode.refs)
		node_free(n);
}

static int ramfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct node *c = find(node_of(dir), name, len);

	if (!c)
		return -ENOENT;
	c->vnode.refs++;
	*out = &c->vnode;
	return 0;
}

static int add(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct node **out)
{
	struct node *d = node_of(dir), *n;

	if (find(d, name, len))
		return -EEXIST;
	if (!(n = node_new(name, len, mode)))
		return -ENOSPC;
	attach(d, n);
	d->mtime = d->ctime = n->ctime;
	*out = n;
	return 0;
}

static int ramfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
			struct vnode **out)
{
	struct node *n;
	int r = add(dir, name, len, S_IFREG | (mode & 07777), &n);

	if (r)
		return r;
	n->vnode.refs = 1;
	*out = &n->vnode;
	return 0;
}

static int ramfs_mkdir(struct vnode *dir, const char *name, size_t len, uint32_t mode)
{
	struct node *n;

	return add(dir, name, len, S_IFDIR | (mode & 07777), &n);
}

static void detach(struct node *n)
{
	unhook(n);
	n->parent = NULL;
	maybe_free(n);
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len)
{
	struct node *n = find(node_of(dir), name, len);

	if (!n)
		return -ENOENT;
	if (n->vnode.is_dir)
		return -EISDIR;
	detach(n);
	return 0;
}

static int ramfs_rmdir(struct vnode *dir, const char *name, size_t len)
{
	struct node *n = find(node_of(dir), name, len);

	if (!n)
		return -ENOENT;
	if (!n->vnode.is_dir)
		return -ENOTDIR;
	if (!list_empty(&n->children))
		return -ENOTEMPTY;
	detach(n);
	return 0;
}

static int ramfs_rename(struct vnode *from_dir, const char *from, size_t from_len,
			struct vnode *to_dir, const char *to, size_t to_len)
{
	struct node *n = find(node_of(from_dir), from, from_len);
	struct node *target = find(node_of(to_dir), to, to_len);
	char *name;

	if (!n)
		return -ENOENT;
	if (n == target)
		return 0;
	for (struct node *p = node_of(to_dir);; p = p->parent) {
		if (p == n)
			return -EINVAL; /* a directory into itself */
		if (!p->parent || p->parent == p)
			break;
	}
	if (target) {
		if (target->vnode.is_dir != n->vnode.is_dir)
			return n->vnode.is_dir ? -ENOTDIR : -EISDIR;
		if (target->vnode.is_dir && !list_empty(&target->children))
			return -ENOTEMPTY;
	}
	if (!(name = kmalloc(to_len + 1)))
		return -ENOSPC;
	memcpy(name, to, to_len);
	name[to_len] = 0;
	if (target)
		detach(target);
	unhook(n);
	kfree(n->name);
	n->name = name;
	attach(node_of(to_dir), n);
	n->ctime = time_realtime_ns();
	return 0;
}

static struct node *child_at(struct node *d, struct list_node *l)
{
	return l != &d->children ? list_entry(l, struct node, link) : NULL;
}

/* The first child of d whose seq is above pos: found from the mark when it
 * is next to that place, otherwise by a walk from the start. */
static struct node *child_after(struct node *d, uint64_t pos)
{
	struct node *m = d->mark, *c;
	struct list_node *l;

	if (m && m->seq <= pos) {
		c = child_at(d, m->link.next);
		if (!c || c->seq > pos)
			return c;
	} else if (m) {
		c = child_at(d, m->link.prev);
		if (!c || c->seq <= pos)
			return m;
	}
	list_for_each(l, &d->children) {
		c = list_entry(l, struct node, link);
		if (c->seq > pos)
			return c;
	}
	return NULL;
}

/* The cookie is the seq of the child returned last. */
static int ramfs_readdir(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out)
{
	struct node *d = node_of(dir), *c = child_after(d, *pos);

	if (!c)
		return 0;
	out->ino = c->ino;
	out->type = c->vnode.is_dir ? DT_DIR : DT_REG;
	strcpy(out->name, c->name);
	*pos = c->seq;
	d->mark = c;
	return 1;
}

static ssize_t ramfs_read(struct vnode *v, void *buf, size_t n, uint64_t off)
{
	struct node *f = node_of(v);
	size_t done = 0;

	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = f->size - off;
	while (done < n) {
		uint64_t c = (off + done) / CHUNK, in = (off + done) % CHUNK;
		size_t k = CHUNK - in < n - done ? CHUNK - in : n - done;
		if (c < f->nchunks && f->chunks[c] ?
			    uaccess_copy((char *)buf + done, f->chunks[c] + in, k) :
			    uaccess_clear((char *)buf + done, k))
			return done ? (ssize_t)done : -EFAULT;
		done += k;
	}
	f->atime = time_realtime_ns();
	return (ssize_t)n;
}

/* Makes room for chunk index c; false without memory. */
static bool grow(struct node *f, uint64_t c)
{
	if (c < f->nchunks)
		return true;
	uint64_t n = f->nchunks ? f->nchunks : 4;
	while (n <= c)
		n *= 2;
	char **chunks = krealloc(f->chunks, n * sizeof(*chunks));
	if (!chunks)
		return false;
	memset(chunks + f->nchunks, 0, (n - f->nchunks) * sizeof(*chunks));
	f->chunks = chunks;
	f->nchunks = n;
	return true;
}

static ssize_t ramfs_write(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
	struct node *f = node_of(v);
	size_t done = 0;
	int fault = 0;

	while (done < n) {
		uint64_t c = (off + done) / CHUNK, in = (off + done) % CHUNK;
		size_t k = CHUNK - in < n - done ? CHUNK - in : n - done;
		if (!grow(f, c) || (!f->chunks[c] && !(f->chunks[c] = kzalloc(CHUNK))))
			break;
		if ((fault = uaccess_copy(f->chunks[c] + in, (const char *)buf + done, k)))
			break;
		done += k;
	}
	if (!done && n)
		return fault ? fault : -ENOSPC;
	if (off + done > f->size)
		f->size = off + done;
	f->mtime = f->ctime = time_realtime_ns();
	return (ssize_t)done;
}

static int ramfs_truncate(struct vnode *v, uint64_t size)
{
	struct node *f = node_of(v);

	for (uint64_t c = (size + CHUNK - 1) / CHUNK; c < f->nchunks; c++) {
		kfree(f->chunks[c]);
		f->chunks[c] = NULL;
	}
	/* Zero the tail of the last kept chunk, so a later extension reads zeros. */
	if (size % CHUNK && size / CHUNK < f->nchunks && f->chunks[size / CHUNK])
		memset(f->chunks[size / CHUNK] + size % CHUNK, 0, CHUNK - size % CHUNK);
	f->size = size;
	f->mtime = f->ctime = time_realtime_ns();
	return 0;
}

static int ramfs_allocate(struct vnode *v, uint64_t off, uint64_t len)
{
	struct node *f = node_of(v);

	for (uint64_t c = off / CHUNK; c * CHUNK < off + len; c++)
		if (!grow(f, c) || (!f->chunks[c] && !(f->chunks[c] = kzalloc(CHUNK))))
			return -ENOSPC;
	if (off + len > f->size)
		f->size = off + len;
	return 0;
}

static int ramfs_getattr(struct vnode *v, struct vfs_attr *a)
{
	struct node *n = node_of(v);
	uint64_t blocks = 0;

	for (uint64_t c = 0; c < n->nchunks; c++)
		blocks += n->chunks[c] ? CHUNK / 512 : 0;
	*a = (struct vfs_attr){ .ino = n->ino, .size = n->vnode.is_dir ? CHUNK : n->size,
				.blocks = blocks, .mode = n->mode, .nlink = n->vnode.is_dir ? 2 : 1,
				.atime = n->atime, .mtime = n->mtime, .ctime = n->ctime,
				.blksize = CHUNK };
	return 0;
}

static int ramfs_setattr(struct vnode *v, const struct vfs_attr *a, unsigned mask)
{
	struct node *n = node_of(v);

	if (mask & VFS_SET_MODE)
		n->mode = (n->mode & S_IFMT) | (a->mode & 07777);
	if (mask & VFS_SET_ATIME)
		n->atime = a->atime;
	if (mask & VFS_SET_MTIME)
		n->mtime = a->mtime;
	n->ctime = time_realtime_ns();
	return 0;
}

static int ramfs_fsync(struct vnode *v)
{
	(void)v;
	return 0;
}

static void ramfs_release(struct vnode *v)
{
	maybe_free(node_of(v));
}

static const struct vnode_ops ramfs_ops = {
	.lookup = ramfs_lookup, .create = ramfs_create, .mkdir = ramfs_mkdir,
	.unlink = ramfs_unlink, .rmdir = ramfs_rmdir, .rename = ramfs_rename,
	.readdir = ramfs_readdir, .read = ramfs_read, .write = ramfs_write,
	.truncate = ramfs_truncate, .allocate = ramfs_allocate, .getattr = ramfs_getattr,
	.setattr = ramfs_setattr, .fsync = ramfs_fsync, .release = ramfs_release,
};

static int ramfs_mount(void *source, bool readonly, struct vnode **root, void **fs)
{
	struct node *r = node_new("", 0, S_IFDIR | 01777);

	(void)source;
	(void)readonly;
	if (!r)
		return -ENOMEM;
	r->parent = r; /* the root is never freed */
	r->vnode.refs = 1;
	*root = &r->vnode;
	*fs = r;
	return 0;
}

static int ramfs_statfs(void *fs, struct vfs_statfs *s)
{
	(void)fs;
	*s = (struct vfs_statfs){ .magic = RAMFS_MAGIC, .bsize = CHUNK,
				  .blocks = pmem_total_pages(), .bfree = pmem_free_pages(),
				  .files = 1 << 20, .ffree = 1 << 20, .name_max = VFS_NAME_MAX };
	return 0;
}

static const struct fs_ops ramfs_fs_ops = { .mount = ramfs_mount, .statfs = ramfs_statfs };

const struct fs_type ramfs_fs_type = { "ramfs", &ramfs_fs_ops };

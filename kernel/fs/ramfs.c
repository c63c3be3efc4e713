/*
 * ramfs: files in memory, for /tmp, /dev/shm and the root when no disk is
 * attached. A node is a directory or a file (an array of page-sized
 * chunks, allocated as written; holes read as zero); an entry is a name of
 * a node in a directory, so a file can have several (hard links; a
 * directory has one). A directory keeps its entries twice: hashed by name,
 * so lookup and create take the same time in a folder of any size, and in
 * a list in the order they were added, each with a rising sequence number
 * that readdir uses as its cookie. The directory remembers the entry
 * readdir gave last, so the next call goes on from there instead of
 * counting from the start; removing that entry moves the mark to a
 * neighbour. A node's vnode is embedded in it; a node without names lives
 * on until its last reference goes. The VFS serialises calls (vfs.h).
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

/* A name in a directory. A file may have several (hard links); a
 * directory has exactly one, its self. */
struct entry {
	struct list_node link;  /* in the directory's children */
	struct htab_node hlink; /* in the directory's names */
	uint64_t seq;           /* place in the directory's list, from 1 */
	struct node *dir;       /* the directory that holds it */
	struct node *node;      /* what it names */
	char *name;
};

struct node {
	struct vnode vnode;
	uint32_t nlink;            /* entries that name it */
	struct entry *self;        /* directories: the entry naming it */
	struct list_node children; /* directories: entries in seq order */
	struct htab names;         /* directories: the entries by name */
	uint64_t next_seq;         /* directories */
	struct entry *mark;        /* directories: an entry near readdir's place */
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

static struct node *node_new(uint32_t mode)
{
	struct node *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	if (S_ISDIR(mode) && htab_init(&n->names)) {
		kfree(n);
		return NULL;
	}
	n->next_seq = 1;
	n->vnode.ops = &ramfs_ops;
	n->vnode.is_dir = S_ISDIR(mode);
	n->mode = mode;
	n->ino = next_ino++;
	n->atime = n->mtime = n->ctime = time_realtime_ns();
	list_init(&n->children);
	return n;
}

static void node_free(struct node *n)
{
	for (uint64_t i = 0; i < n->nchunks; i++)
		kfree(n->chunks[i]);
	kfree(n->chunks);
	htab_destroy(&n->names);
	kfree(n);
}

/* A node stays allocated while a name or a reference holds it. */
static void maybe_free(struct node *n)
{
	if (!n->nlink && !n->vnode.refs)
		node_free(n);
}

static struct entry *entry_new(const char *name, size_t len, struct node *n)
{
	struct entry *e = kzalloc(sizeof(*e));

	if (!e || !(e->name = kmalloc(len + 1))) {
		kfree(e);
		return NULL;
	}
	memcpy(e->name, name, len);
	e->name[len] = 0;
	e->node = n;
	list_init(&e->link);
	return e;
}

static uint32_t name_hash(const char *name, size_t len)
{
	return htab_hash(HTAB_SEED, name, len);
}

static struct entry *find(struct node *dir, const char *name, size_t len)
{
	for (struct htab_node *h = htab_first(&dir->names, name_hash(name, len)); h;
	     h = htab_next(h)) {
		struct entry *e = list_entry(h, struct entry, hlink);
		if (strlen(e->name) == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

/* Puts e, already named, at the end of directory d. */
static void attach(struct node *d, struct entry *e)
{
	e->dir = d;
	e->seq = d->next_seq++;
	list_push_back(&d->children, &e->link);
	htab_insert(&d->names, &e->hlink, name_hash(e->name, strlen(e->name)));
}

/* Takes e out of its directory, keeping readdir's mark on an entry. */
static void unhook(struct entry *e)
{
	struct node *d = e->dir;

	if (d->mark == e) {
		struct list_node *l = e->link.prev != &d->children ? e->link.prev : e->link.next;
		d->mark = l != &d->children ? list_entry(l, struct entry, link) : NULL;
	}
	htab_remove(&d->names, &e->hlink);
	list_remove(&e->link);
}

/* Removes the name e; its node goes when nothing else holds it. */
static void drop(struct entry *e)
{
	struct node *n = e->node;

	unhook(e);
	kfree(e->name);
	kfree(e);
	if (n->vnode.is_dir) {
		n->self = NULL;
		n->nlink = 0;
	} else {
		n->nlink--;
	}
	maybe_free(n);
}

static int ramfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct entry *e = find(node_of(dir), name, len);

	if (!e)
		return -ENOENT;
	e->node->vnode.refs++;
	*out = &e->node->vnode;
	return 0;
}

/* Names n in directory dir. */
static int name_node(struct vnode *dir, const char *name, size_t len, struct node *n)
{
	struct node *d = node_of(dir);
	struct entry *e;

	if (find(d, name, len))
		return -EEXIST;
	if (!(e = entry_new(name, len, n)))
		return -ENOSPC;
	attach(d, e);
	n->nlink++;
	if (n->vnode.is_dir)
		n->self = e;
	d->mtime = d->ctime = n->ctime = time_realtime_ns();
	return 0;
}

static int add(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct node **out)
{
	struct node *n;
	int r;

	if (find(node_of(dir), name, len))
		return -EEXIST;
	if (!(n = node_new(mode)))
		return -ENOSPC;
	if ((r = name_node(dir, name, len, n))) {
		node_free(n);
		return r;
	}
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

/* A new name for a file (not a directory: EPERM, as Linux). */
static int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *target)
{
	if (target->is_dir)
		return -EPERM;
	return name_node(dir, name, len, node_of(target));
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len)
{
	struct entry *e = find(node_of(dir), name, len);

	if (!e)
		return -ENOENT;
	if (e->node->vnode.is_dir)
		return -EISDIR;
	drop(e);
	return 0;
}

static int ramfs_rmdir(struct vnode *dir, const char *name, size_t len)
{
	struct entry *e = find(node_of(dir), name, len);

	if (!e)
		return -ENOENT;
	if (!e->node->vnode.is_dir)
		return -ENOTDIR;
	if (!list_empty(&e->node->children))
		return -ENOTEMPTY;
	drop(e);
	return 0;
}

static int ramfs_rename(struct vnode *from_dir, const char *from, size_t from_len,
			struct vnode *to_dir, const char *to, size_t to_len)
{
	struct entry *e = find(node_of(from_dir), from, from_len);
	struct entry *target = find(node_of(to_dir), to, to_len);
	struct node *n;
	char *name;

	if (!e)
		return -ENOENT;
	n = e->node;
	if (target && target->node == n)
		return 0; /* two names of one file: nothing to do, as Linux */
	for (struct node *p = node_of(to_dir); p->self; p = p->self->dir)
		if (p == n)
			return -EINVAL; /* a directory into itself */
	if (target) {
		if (target->node->vnode.is_dir != n->vnode.is_dir)
			return n->vnode.is_dir ? -ENOTDIR : -EISDIR;
		if (target->node->vnode.is_dir && !list_empty(&target->node->children))
			return -ENOTEMPTY;
	}
	if (!(name = kmalloc(to_len + 1)))
		return -ENOSPC;
	memcpy(name, to, to_len);
	name[to_len] = 0;
	if (target)
		drop(target);
	unhook(e);
	kfree(e->name);
	e->name = name;
	attach(node_of(to_dir), e);
	n->ctime = time_realtime_ns();
	return 0;
}

static struct entry *entry_at(struct node *d, struct list_node *l)
{
	return l != &d->children ? list_entry(l, struct entry, link) : NULL;
}

/* The first entry of d whose seq is above pos: found from the mark when
 * it is next to that place, otherwise by a walk from the start. */
static struct entry *entry_after(struct node *d, uint64_t pos)
{
	struct entry *m = d->mark, *c;
	struct list_node *l;

	if (m && m->seq <= pos) {
		c = entry_at(d, m->link.next);
		if (!c || c->seq > pos)
			return c;
	} else if (m) {
		c = entry_at(d, m->link.prev);
		if (!c || c->seq <= pos)
			return m;
	}
	list_for_each(l, &d->children) {
		c = list_entry(l, struct entry, link);
		if (c->seq > pos)
			return c;
	}
	return NULL;
}

/* The cookie is the seq of the entry returned last. */
static int ramfs_readdir(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out)
{
	struct node *d = node_of(dir);
	struct entry *c = entry_after(d, *pos);

	if (!c)
		return 0;
	out->ino = c->node->ino;
	out->type = c->node->vnode.is_dir ? DT_DIR : DT_REG;
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
				.blocks = blocks, .mode = n->mode, .nlink = n->vnode.is_dir ? 2 : n->nlink,
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
	.unlink = ramfs_unlink, .rmdir = ramfs_rmdir, .rename = ramfs_rename, .link = ramfs_link,
	.readdir = ramfs_readdir, .read = ramfs_read, .write = ramfs_write,
	.truncate = ramfs_truncate, .allocate = ramfs_allocate, .getattr = ramfs_getattr,
	.setattr = ramfs_setattr, .fsync = ramfs_fsync, .release = ramfs_release,
};

static int ramfs_mount(void *source, bool readonly, struct vnode **root, void **fs)
{
	struct node *r = node_new(S_IFDIR | 01777);

	(void)source;
	(void)readonly;
	if (!r)
		return -ENOMEM;
	r->nlink = 1; /* the root is never freed */
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

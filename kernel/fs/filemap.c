/*
 * The page cache of mapped files (include/unishyper/filemap.h).
 *
 * A filemap is found by (mount, inode number) in one registry, so every
 * open of a file reaches the same pages. It holds the struct file of its
 * first mapping for reading pages in, and that of its first shared
 * writable mapping for writing them back: a file stays open while it is
 * mapped, as on Linux. Pages sit in a two-level table (512 entries a
 * leaf) indexed by page number; an entry is the frame's address with the
 * dirty flag in its low bit. Entries change under the spinlock, which the
 * fault path takes under vm_lock; reading pages in and writing them back
 * is serialised by the filemap's mutex and done through the vnode's read
 * and write with the mount's I/O lock, as read(2) and write(2) do. Pages
 * are never evicted while the filemap lives, so a frame found by
 * filemap_peek() stays valid while the caller holds a reference or
 * vm_lock over a mapping of it.
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/filemap.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/spinlock.h>
#include <unishyper/uaccess.h>
#include <unishyper/vm.h>

#include "vfs-impl.h"

#define LEAF 512u
#define DIRTY 1ull
#define NO_PAGE UINT64_MAX

struct filemap {
	struct list_node link; /* in filemaps */
	struct mount *mount;
	uint64_t ino;
	int refs;                /* under filemaps_lock; atomic for filemap_ref */
	struct file *rf, *wf;    /* for reading in / writing back (wf may be NULL) */
	struct mutex io;         /* reading in, writing back, growing the table */
	spinlock_t lock;         /* the table's entries, bad */
	uint64_t **leaves;
	uint64_t nleaves;
	uint64_t bad;            /* a page found past the end, or unreadable */
};

static struct mutex filemaps_lock = MUTEX_INIT(filemaps_lock);
static struct list_node filemaps = LIST_INIT(filemaps);
static int filemaps_live; /* filemaps in the list: the hooks' fast path */

static struct vnode *vnode_of(struct file *f)
{
	return f ? vfs_file_vnode(f) : NULL;
}

/* The size (ino: the inode number) of v's file. */
static int file_attr(struct vnode *v, uint64_t *size, bool ino)
{
	struct vfs_attr a;

	mutex_lock(&v->mount->lock);
	int r = v->ops->getattr(v, &a);
	mutex_unlock(&v->mount->lock);
	*size = ino ? a.ino : a.size;
	return r;
}

/* The filemap of v with a reference, or NULL; filemaps_lock is held. */
static struct filemap *find_locked(struct vnode *v, uint64_t ino, bool have_ino)
{
	struct list_node *l;

	list_for_each(l, &filemaps) {
		struct filemap *fm = list_entry(l, struct filemap, link);
		bool same = fm->mount == v->mount &&
			    (have_ino ? fm->ino == ino :
					vnode_of(fm->rf) == v || vnode_of(fm->wf) == v);
		if (same) {
			__atomic_add_fetch(&fm->refs, 1, __ATOMIC_ACQ_REL);
			return fm;
		}
	}
	return NULL;
}

static bool mount_mapped_locked(struct mount *m)
{
	struct list_node *l;

	list_for_each(l, &filemaps)
		if (list_entry(l, struct filemap, link)->mount == m)
			return true;
	return false;
}

/* The filemap of v's file with a reference, or NULL when it is not
 * mapped. Costs nothing while no file is mapped. */
static struct filemap *lookup(struct vnode *v)
{
	struct filemap *fm;
	uint64_t ino;

	if (!__atomic_load_n(&filemaps_live, __ATOMIC_ACQUIRE))
		return NULL;
	mutex_lock(&filemaps_lock);
	fm = find_locked(v, 0, false);
	bool other = !fm && mount_mapped_locked(v->mount);
	mutex_unlock(&filemaps_lock);
	if (fm || !other || file_attr(v, &ino, true))
		return fm;
	mutex_lock(&filemaps_lock);
	fm = find_locked(v, ino, true);
	mutex_unlock(&filemaps_lock);
	return fm;
}

int filemap_get(struct file *f, bool shared_write, struct filemap **out)
{
	struct vnode *v = vfs_file_vnode(f);
	struct filemap *fm;
	uint64_t ino;
	int r;

	if ((r = file_attr(v, &ino, true)))
		return r;
	mutex_lock(&filemaps_lock);
	if (!(fm = find_locked(v, ino, true))) {
		if (!(fm = kzalloc(sizeof(*fm)))) {
			mutex_unlock(&filemaps_lock);
			return -ENOMEM;
		}
		fm->mount = v->mount;
		fm->ino = ino;
		fm->refs = 1;
		fm->bad = NO_PAGE;
		fm->lock = (spinlock_t)SPINLOCK_INIT;
		mutex_init(&fm->io);
		file_get(f);
		fm->rf = f;
		list_push_back(&filemaps, &fm->link);
		__atomic_add_fetch(&filemaps_live, 1, __ATOMIC_RELEASE);
	}
	if (shared_write && !fm->wf) {
		file_get(f);
		fm->wf = f;
	}
	mutex_unlock(&filemaps_lock);
	*out = fm;
	return 0;
}

void filemap_ref(struct filemap *fm)
{
	__atomic_add_fetch(&fm->refs, 1, __ATOMIC_ACQ_REL);
}

void filemap_put(struct filemap *fm)
{
	mutex_lock(&filemaps_lock);
	bool last = __atomic_sub_fetch(&fm->refs, 1, __ATOMIC_ACQ_REL) == 0;
	if (last) {
		list_remove(&fm->link);
		__atomic_sub_fetch(&filemaps_live, 1, __ATOMIC_RELEASE);
	}
	mutex_unlock(&filemaps_lock);
	if (!last)
		return;
	filemap_writeback(fm, false);
	for (uint64_t l = 0; l < fm->nleaves; l++) {
		for (unsigned i = 0; fm->leaves[l] && i < LEAF; i++)
			if (fm->leaves[l][i])
				pmem_free(fm->leaves[l][i] & ~(PAGE_SIZE - 1), 1);
		kfree(fm->leaves[l]);
	}
	kfree(fm->leaves);
	file_put(fm->rf);
	if (fm->wf)
		file_put(fm->wf);
	kfree(fm);
}

/* The entry of page idx, or NULL when its leaf does not exist; fm->lock
 * is held. */
static uint64_t *entry_locked(struct filemap *fm, uint64_t idx)
{
	uint64_t l = idx / LEAF;

	return l < fm->nleaves && fm->leaves[l] ? &fm->leaves[l][idx % LEAF] : NULL;
}

uint64_t filemap_peek(struct filemap *fm, uint64_t idx)
{
	unsigned long flags = spin_lock_irqsave(&fm->lock);
	uint64_t *e = entry_locked(fm, idx);
	uint64_t phys = e ? *e & ~(PAGE_SIZE - 1) : 0;

	spin_unlock_irqrestore(&fm->lock, flags);
	return phys;
}

bool filemap_bad(struct filemap *fm, uint64_t idx)
{
	return __atomic_load_n(&fm->bad, __ATOMIC_ACQUIRE) == idx;
}

void filemap_dirty(struct filemap *fm, uint64_t idx)
{
	unsigned long flags = spin_lock_irqsave(&fm->lock);
	uint64_t *e = entry_locked(fm, idx);

	if (e && *e)
		*e |= DIRTY;
	spin_unlock_irqrestore(&fm->lock, flags);
}

/* Makes the leaf of page idx exist; fm->io is held. */
static int grow(struct filemap *fm, uint64_t idx)
{
	uint64_t l = idx / LEAF, **top = fm->leaves, n = fm->nleaves;
	uint64_t *leaf = NULL;

	if (l >= n) {
		n = l + 1 > 2 * n ? l + 1 : 2 * n;
		if (!(top = kzalloc(n * sizeof(*top))))
			return -ENOMEM;
		memcpy(top, fm->leaves, fm->nleaves * sizeof(*top));
	}
	if (!top[l] && !(leaf = kzalloc(LEAF * sizeof(*leaf)))) {
		if (top != fm->leaves)
			kfree(top);
		return -ENOMEM;
	}
	unsigned long flags = spin_lock_irqsave(&fm->lock);
	uint64_t **old = fm->leaves;
	if (!top[l])
		top[l] = leaf;
	fm->leaves = top;
	fm->nleaves = n;
	spin_unlock_irqrestore(&fm->lock, flags);
	if (old != top)
		kfree(old);
	return 0;
}

static void set_bad(struct filemap *fm, uint64_t idx)
{
	unsigned long flags = spin_lock_irqsave(&fm->lock);

	fm->bad = idx;
	spin_unlock_irqrestore(&fm->lock, flags);
}

int filemap_fill(struct filemap *fm, uint64_t idx)
{
	struct vnode *v = vnode_of(fm->rf);
	uint64_t size, phys, off = idx * PAGE_SIZE;
	int r = 0;

	/* A fault inside file I/O on the same mount (a read into a mapping
	 * that another thread has just replaced) cannot wait for the lock
	 * its own thread holds: the copy fails with EFAULT. */
	if (mutex_held(&v->mount->lock))
		return -EDEADLK;
	mutex_lock(&fm->io);
	if (filemap_peek(fm, idx))
		goto out;
	r = -EFAULT;
	if (file_attr(v, &size, false) || off >= size) {
		set_bad(fm, idx);
		goto out;
	}
	if ((r = grow(fm, idx)))
		goto out;
	if (!(phys = pmem_alloc(1))) {
		r = -ENOMEM;
		goto out;
	}
	char *page = phys_to_virt(phys);
	size_t n = size - off < PAGE_SIZE ? size - off : PAGE_SIZE;
	memset(page, 0, PAGE_SIZE);
	vfs_io_lock(v);
	ssize_t got = v->ops->read(v, page, n, off);
	vfs_io_unlock(v);
	if (got < 0) {
		pmem_free(phys, 1);
		set_bad(fm, idx);
		goto out;
	}
	unsigned long flags = spin_lock_irqsave(&fm->lock);
	*entry_locked(fm, idx) = phys;
	spin_unlock_irqrestore(&fm->lock, flags);
	r = 0;
out:
	mutex_unlock(&fm->io);
	return r;
}

/* Takes the dirty flag of page idx: its frame when it was dirty, else 0. */
static uint64_t take_dirty(struct filemap *fm, uint64_t idx)
{
	unsigned long flags = spin_lock_irqsave(&fm->lock);
	uint64_t *e = entry_locked(fm, idx), phys = 0;

	if (e && (*e & DIRTY)) {
		*e &= ~DIRTY;
		phys = *e;
	}
	spin_unlock_irqrestore(&fm->lock, flags);
	return phys;
}

int filemap_writeback(struct filemap *fm, bool sync)
{
	struct vnode *v = vnode_of(fm->wf);
	uint64_t size;
	int err = 0;

	if (!v)
		return 0; /* no shared writable mapping: nothing can be dirty */
	vm_harvest_dirty(fm);
	mutex_lock(&fm->io);
	if ((err = file_attr(v, &size, false)))
		goto out;
	for (uint64_t idx = 0; idx < fm->nleaves * LEAF; idx++) {
		if (!fm->leaves[idx / LEAF]) { /* the table only grows under fm->io */
			idx += LEAF - 1;
			continue;
		}
		uint64_t phys = take_dirty(fm, idx), off = idx * PAGE_SIZE;
		if (!phys || off >= size)
			continue;
		size_t n = size - off < PAGE_SIZE ? size - off : PAGE_SIZE;
		vfs_io_lock(v);
		ssize_t r = v->ops->write(v, phys_to_virt(phys), n, off);
		vfs_io_unlock(v);
		if (r < 0 && !err) {
			err = (int)r;
			filemap_dirty(fm, idx);
		}
	}
	if (sync && v->ops->fsync) {
		vfs_io_lock(v);
		int r = v->ops->fsync(v);
		vfs_io_unlock(v);
		if (r && !err)
			err = r;
	}
out:
	mutex_unlock(&fm->io);
	return err;
}

/* Copies between the cached pages of [pos, pos+n) and buf: into buf when
 * to_buf. The pages stay while the reference is held. */
static void copy_cached(struct filemap *fm, char *buf, uint64_t pos, size_t n, bool to_buf)
{
	for (uint64_t at = pos; at < pos + n;) {
		uint64_t next = PAGE_ROUND_DOWN(at) + PAGE_SIZE, end = next < pos + n ? next : pos + n;
		uint64_t phys = filemap_peek(fm, at / PAGE_SIZE);
		if (phys) {
			char *c = (char *)phys_to_virt(phys) + (at & (PAGE_SIZE - 1));
			if (to_buf)
				uaccess_copy(buf + (at - pos), c, end - at);
			else
				uaccess_copy(c, buf + (at - pos), end - at);
		}
		at = end;
	}
}

void filemap_after_read(struct vnode *v, void *buf, uint64_t pos, size_t n)
{
	struct filemap *fm = n ? lookup(v) : NULL;

	if (fm) {
		copy_cached(fm, buf, pos, n, true);
		filemap_put(fm);
	}
}

void filemap_after_write(struct vnode *v, const void *buf, uint64_t pos, size_t n)
{
	struct filemap *fm = n ? lookup(v) : NULL;

	if (fm) {
		copy_cached(fm, (char *)buf, pos, n, false);
		set_bad(fm, NO_PAGE); /* the file may have grown */
		filemap_put(fm);
	}
}

int filemap_sync_vnode(struct vnode *v, bool sync)
{
	struct filemap *fm = lookup(v);
	int r = 0;

	if (fm) {
		r = filemap_writeback(fm, sync);
		filemap_put(fm);
	}
	return r;
}

int filemap_sync_all(void)
{
	struct filemap **all;
	struct list_node *l;
	int n = 0, err = 0;

	mutex_lock(&filemaps_lock);
	if (!(all = kmalloc((filemaps_live + 1) * sizeof(*all)))) {
		mutex_unlock(&filemaps_lock);
		return -ENOMEM;
	}
	list_for_each(l, &filemaps) {
		all[n] = list_entry(l, struct filemap, link);
		__atomic_add_fetch(&all[n++]->refs, 1, __ATOMIC_ACQ_REL);
	}
	mutex_unlock(&filemaps_lock);
	for (int i = 0; i < n; i++) {
		int r = filemap_writeback(all[i], false);
		if (r && !err)
			err = r;
		filemap_put(all[i]);
	}
	kfree(all);
	return err;
}

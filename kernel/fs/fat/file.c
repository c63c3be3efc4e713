/*
 * FAT file data: reading and writing through the block cache one sector
 * at a time, growing and shrinking the cluster chain. A vnode remembers
 * where it last was in its chain, so sequential I/O follows one link per
 * cluster instead of walking from the start. Growth is all or what fits:
 * when the disk fills, a write keeps the clusters it got, writes what fits
 * and returns the short count (or -ENOSPC when nothing fits), and clusters
 * past the file's size are given back, so the chain always matches the
 * size (fsck.fat checks this). Before a chain grows it is walked to its end
 * once, which finds a cyclic chain in a corrupt image.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <unishyper/uaccess.h>

#include "fat.h"

#define FAT_FILE_MAX 0xffffffffull

static uint32_t clusters_for(const struct fat_fs *fs, uint64_t size)
{
	return (uint32_t)((size + fs->csize - 1) / fs->csize);
}

/*
 * Walks n's chain towards cluster number idx: *clus is that cluster, or
 * the last one when the chain is shorter, and *at its number. The chain
 * must not be empty.
 */
static int node_seek(struct fat_node *n, uint32_t idx, uint32_t *clus, uint32_t *at)
{
	struct fat_fs *fs = n->fs;
	uint32_t i = 0, c = n->first;

	if (n->cur_clus && n->cur_idx <= idx) {
		i = n->cur_idx;
		c = n->cur_clus;
	}
	if (!fat_is_data(fs, c))
		return -EIO;
	while (i < idx) {
		uint32_t next;
		int err;

		if (i >= fs->nclusters)
			return -EIO; /* longer than the disk: a cycle */
		err = fat_next(fs, c, &next);
		if (err)
			return err;
		if (!next)
			break;
		c = next;
		i++;
	}
	n->cur_idx = i;
	n->cur_clus = c;
	*clus = c;
	*at = i;
	return 0;
}

static int grow(struct fat_node *n, uint32_t count, uint32_t *have, uint32_t *lastp);

/* Grows n's chain to count clusters: *have is how many it has after,
 * also on -ENOSPC. */
static int ensure(struct fat_node *n, uint32_t count, uint32_t *have)
{
	uint32_t last = 0, at = 0, idx = n->cur_idx, clus = n->cur_clus;
	int err = 0;

	*have = n->nclus;
	if (count <= n->nclus)
		return 0;
	if (n->first) {
		/* Walking to the end once also finds a cyclic chain. */
		err = node_seek(n, UINT32_MAX, &last, &at);
		if (err)
			return err;
		*have = n->nclus = at + 1;
	}
	if (clus) {
		/* Come back to where I/O was: the write that needed this growth
		 * starts there or after it, and seeks only go forward. */
		err = grow(n, count, have, &last);
		n->cur_idx = idx;
		n->cur_clus = clus;
		return err;
	}
	return grow(n, count, have, &last);
}

/* Appends clusters after last until the chain has count. */
static int grow(struct fat_node *n, uint32_t count, uint32_t *have, uint32_t *lastp)
{
	uint32_t last = *lastp;
	int err = 0;

	while (*have < count) {
		uint32_t c;

		err = fat_alloc(n->fs, last, false, &c);
		if (err)
			break;
		if (!last)
			n->first = c;
		last = c;
		n->cur_idx = (*have)++;
		n->cur_clus = c;
		n->nclus = *have;
	}
	*lastp = last;
	return err;
}

/* Cuts n's chain to keep clusters. */
static int trim(struct fat_node *n, uint32_t keep)
{
	struct fat_fs *fs = n->fs;
	uint32_t c, at, next;
	int err;

	n->nclus = 0;
	if (!n->first)
		return 0;
	if (!keep) {
		err = fat_free_chain(fs, n->first);
		n->first = 0;
		n->cur_clus = 0;
		return err;
	}
	err = node_seek(n, keep - 1, &c, &at);
	if (err || at < keep - 1)
		return err;
	err = fat_get(fs, c, &next);
	if (err || !fat_is_data(fs, next))
		return err;
	err = fat_set(fs, c, fat_eoc(fs));
	return err ? err : fat_free_chain(fs, next);
}

/* Copies len bytes at off between the file and rbuf (reading) or wbuf
 * (writing; NULL writes zeros); the clusters must exist. */
static int node_io(struct fat_node *n, uint8_t *rbuf, const uint8_t *wbuf, size_t len, uint64_t off,
		   bool write)
{
	struct fat_fs *fs = n->fs;

	while (len) {
		uint32_t in = (uint32_t)(off % fs->csize), so = in % fs->bps, c, at;
		size_t chunk = fs->bps - so < len ? fs->bps - so : len;
		struct bcache_buf *b;
		int err = node_seek(n, (uint32_t)(off / fs->csize), &c, &at);

		if (!err && at != off / fs->csize)
			err = -EIO;
		if (!err)
			err = bcache_get(fs->bc, fat_clus_sector(fs, c) + in / fs->bps,
					 write && chunk == fs->bps, &b);
		if (err)
			return err;
		if (!write) {
			err = uaccess_copy(rbuf, b->data + so, chunk);
			rbuf += chunk;
		} else if (wbuf) {
			err = uaccess_copy(b->data + so, wbuf, chunk);
			wbuf += chunk;
		} else {
			memset(b->data + so, 0, chunk);
		}
		if (write)
			bcache_dirty(b);
		bcache_put(fs->bc, b);
		if (err)
			return err;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

ssize_t fat_file_read(struct vnode *v, void *buf, size_t len, uint64_t off)
{
	struct fat_node *n = v->priv;
	int err;

	if (v->is_dir)
		return -EISDIR;
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = (size_t)(n->size - off);
	err = node_io(n, buf, NULL, len, off, false);
	return err ? err : (ssize_t)len;
}

/* Sets the size after a change of contents and writes the entry. */
static int set_size(struct fat_node *n, uint32_t size)
{
	n->size = size;
	fat_node_touch(n, true);
	return fat_node_write_entry(n);
}

ssize_t fat_file_write(struct vnode *v, const void *buf, size_t len, uint64_t off)
{
	struct fat_node *n = v->priv;
	struct fat_fs *fs = n->fs;
	uint32_t have;
	uint64_t avail;
	int err;

	if (fs->readonly)
		return -EROFS;
	if (v->is_dir)
		return -EISDIR;
	if (!len)
		return 0;
	if (off >= FAT_FILE_MAX)
		return -EFBIG;
	if (len > FAT_FILE_MAX - off)
		len = (size_t)(FAT_FILE_MAX - off);
	err = ensure(n, clusters_for(fs, off + len), &have);
	avail = (uint64_t)have * fs->csize;
	if ((err && err != -ENOSPC) || avail <= off) {
		trim(n, clusters_for(fs, n->size));
		fat_node_write_entry(n);
		return err;
	}
	err = 0;
	if (avail < off + len)
		len = (size_t)(avail - off);
	if (off > n->size)
		err = node_io(n, NULL, NULL, off - n->size, n->size, true);
	if (!err)
		err = node_io(n, NULL, buf, len, off, true);
	if (!err)
		err = set_size(n, off + len > n->size ? (uint32_t)(off + len) : n->size);
	return err ? err : (ssize_t)len;
}

int fat_file_truncate(struct vnode *v, uint64_t size)
{
	struct fat_node *n = v->priv;
	struct fat_fs *fs = n->fs;
	uint32_t have;
	int err;

	if (fs->readonly)
		return -EROFS;
	if (v->is_dir)
		return -EISDIR;
	if (size > FAT_FILE_MAX)
		return -EFBIG;
	if (size > n->size) {
		err = ensure(n, clusters_for(fs, size), &have);
		if (!err)
			err = node_io(n, NULL, NULL, size - n->size, n->size, true);
		if (err) {
			trim(n, clusters_for(fs, n->size));
			fat_node_write_entry(n);
			return err;
		}
	} else {
		err = trim(n, clusters_for(fs, size));
		if (err)
			return err;
	}
	return set_size(n, (uint32_t)size);
}

int fat_file_allocate(struct vnode *v, uint64_t off, uint64_t len)
{
	struct fat_node *n = v->priv;

	if (n->fs->readonly)
		return -EROFS;
	if (v->is_dir)
		return -EISDIR;
	if (len > FAT_FILE_MAX || off > FAT_FILE_MAX - len)
		return -EFBIG;
	if (off + len <= n->size)
		return 0;
	return fat_file_truncate(v, off + len);
}

/*
 * The block cache: a fixed set of buffers over one block device, kept in
 * least-recently-used order and written back lazily. File systems read and
 * change whole blocks through it; a block is a power-of-two multiple of the
 * device's sector size. The cache has no lock of its own: its owner (one
 * mounted file system, which the VFS serialises) makes all calls.
 */
#ifndef UNISHYPER_BCACHE_H
#define UNISHYPER_BCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct blockdev;
struct bcache;

struct bcache_buf {
	uint64_t blkno;
	uint8_t *data; /* block_size bytes */
	int refs;
	bool dirty;
	struct bcache_buf *hnext;		/* hash chain */
	struct bcache_buf *lru_prev, *lru_next; /* least recent first */
};

/*
 * A cache of nbufs blocks of block_size bytes over dev (block_size a
 * multiple of dev->sector_size); NULL when out of memory or the size does
 * not divide.
 */
struct bcache *bcache_create(struct blockdev *dev, uint32_t block_size, unsigned nbufs);

/* Frees the cache without writing anything back (flush first). */
void bcache_destroy(struct bcache *c);

/*
 * Holds block blkno and sets *out; the data is read from the device unless
 * overwrite is true, when the caller promises to fill the whole block (its
 * contents are then undefined). 0, -EIO on a device error, -EINVAL beyond
 * the device, -EBUSY when every buffer is held.
 */
int bcache_get(struct bcache *c, uint64_t blkno, bool overwrite, struct bcache_buf **out);

/* Marks a held buffer as changed: it is written back before reuse or on flush. */
void bcache_dirty(struct bcache_buf *b);

/* Lets go of a buffer from bcache_get(). */
void bcache_put(struct bcache *c, struct bcache_buf *b);

/* Writes every dirty block, then flushes the device: 0 or -EIO. */
int bcache_flush(struct bcache *c);

/* Writes the dirty blocks in [blkno, blkno + count), then flushes the
 * device: 0 or -EIO. */
int bcache_sync(struct bcache *c, uint64_t blkno, uint64_t count);

#endif

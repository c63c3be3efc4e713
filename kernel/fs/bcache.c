/*
 * The block cache (include/unishyper/bcache.h): nbufs buffers, found
 * through a hash of block numbers and recycled least recently used first.
 * A dirty buffer is written back when it is recycled or on a flush; a
 * device error comes back as -EIO and leaves the buffer dirty, so nothing
 * is lost silently. Device requests cover runs of blocks: a miss reads the
 * uncached blocks that follow it too (read-ahead, into clean buffers only),
 * and a write-back takes the dirty blocks that follow along, so sequential
 * I/O costs one request per RUN blocks instead of one per block.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/bcache.h>
#include <unishyper/blockdev.h>
#include <unishyper/kmalloc.h>

#define RUN 16 /* blocks per device request at most */

struct bcache {
	struct blockdev *dev;
	uint32_t bsize, spb; /* block size, device sectors per block */
	uint64_t nblocks;
	unsigned nbufs, hmask;
	struct bcache_buf *bufs;
	struct bcache_buf **hash;
	struct bcache_buf lru; /* list head: lru.lru_next is the oldest */
	uint8_t *mem;
	uint8_t *run;          /* RUN blocks: the staging area of a request */
};

static unsigned hash_of(struct bcache *c, uint64_t blkno)
{
	return (unsigned)(blkno ^ (blkno >> 13)) & c->hmask;
}

static void lru_unlink(struct bcache_buf *b)
{
	b->lru_prev->lru_next = b->lru_next;
	b->lru_next->lru_prev = b->lru_prev;
}

static void lru_append(struct bcache *c, struct bcache_buf *b)
{
	b->lru_prev = c->lru.lru_prev;
	b->lru_next = &c->lru;
	c->lru.lru_prev->lru_next = b;
	c->lru.lru_prev = b;
}

static void hash_remove(struct bcache *c, struct bcache_buf *b)
{
	struct bcache_buf **p = &c->hash[hash_of(c, b->blkno)];

	while (*p && *p != b)
		p = &(*p)->hnext;
	if (*p)
		*p = b->hnext;
	b->hnext = NULL;
}

struct bcache *bcache_create(struct blockdev *dev, uint32_t block_size, unsigned nbufs)
{
	struct bcache *c;
	unsigned h = 1;

	if (!dev->sector_size || block_size % dev->sector_size || !nbufs)
		return NULL;
	c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	while (h < nbufs)
		h <<= 1;
	c->dev = dev;
	c->bsize = block_size;
	c->spb = block_size / dev->sector_size;
	c->nblocks = dev->sectors / c->spb;
	c->nbufs = nbufs;
	c->hmask = h - 1;
	c->bufs = kzalloc(nbufs * sizeof(*c->bufs));
	c->hash = kzalloc(h * sizeof(*c->hash));
	c->mem = kmalloc((size_t)nbufs * block_size);
	c->run = kmalloc((size_t)RUN * block_size);
	if (!c->bufs || !c->hash || !c->mem || !c->run) {
		bcache_destroy(c);
		return NULL;
	}
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	for (unsigned i = 0; i < nbufs; i++) {
		c->bufs[i].data = c->mem + (size_t)i * block_size;
		c->bufs[i].blkno = UINT64_MAX;
		lru_append(c, &c->bufs[i]);
	}
	return c;
}

void bcache_destroy(struct bcache *c)
{
	if (!c)
		return;
	kfree(c->run);
	kfree(c->mem);
	kfree(c->hash);
	kfree(c->bufs);
	kfree(c);
}

static struct bcache_buf *lookup(struct bcache *c, uint64_t blkno)
{
	struct bcache_buf *b;

	for (b = c->hash[hash_of(c, blkno)]; b; b = b->hnext)
		if (b->blkno == blkno)
			return b;
	return NULL;
}

/* Writes b back with the dirty blocks that directly follow it. */
static int write_back(struct bcache *c, struct bcache_buf *b)
{
	struct bcache_buf *run[RUN];
	unsigned n = 0;

	if (!b->dirty)
		return 0;
	for (run[n++] = b; n < RUN; n++) {
		struct bcache_buf *next = lookup(c, b->blkno + n);
		if (!next || !next->dirty)
			break;
		run[n] = next;
	}
	for (unsigned i = 0; i < n; i++)
		memcpy(c->run + (size_t)i * c->bsize, run[i]->data, c->bsize);
	if (c->dev->write(c->dev, b->blkno * c->spb, n * c->spb, c->run))
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		run[i]->dirty = false;
	return 0;
}

/* The oldest buffer nobody holds, or NULL; with clean_only, only a clean
 * one (read-ahead never writes back). */
static struct bcache_buf *victim(struct bcache *c, bool clean_only)
{
	for (struct bcache_buf *b = c->lru.lru_next; b != &c->lru; b = b->lru_next)
		if (!b->refs && (!clean_only || !b->dirty))
			return b;
	return NULL;
}

static void assign(struct bcache *c, struct bcache_buf *b, uint64_t blkno)
{
	if (b->blkno != UINT64_MAX)
		hash_remove(c, b);
	b->blkno = blkno;
	b->hnext = c->hash[hash_of(c, blkno)];
	c->hash[hash_of(c, blkno)] = b;
	lru_unlink(b);
	lru_append(c, b);
}

/* Reads blkno into b, and the uncached blocks after it into clean buffers. */
static int read_run(struct bcache *c, struct bcache_buf *b, uint64_t blkno)
{
	unsigned n = 1;

	while (n < RUN && blkno + n < c->nblocks && !lookup(c, blkno + n))
		n++;
	if (c->dev->read(c->dev, blkno * c->spb, n * c->spb, c->run))
		return -EIO;
	memcpy(b->data, c->run, c->bsize);
	for (unsigned i = 1; i < n; i++) {
		struct bcache_buf *ahead = victim(c, true);
		if (!ahead || ahead == b)
			break;
		assign(c, ahead, blkno + i);
		memcpy(ahead->data, c->run + (size_t)i * c->bsize, c->bsize);
	}
	return 0;
}

int bcache_get(struct bcache *c, uint64_t blkno, bool overwrite, struct bcache_buf **out)
{
	struct bcache_buf *b;

	if (blkno >= c->nblocks)
		return -EINVAL;
	if ((b = lookup(c, blkno)))
		goto found;
	if (!(b = victim(c, false)))
		return -EBUSY;
	if (write_back(c, b))
		return -EIO;
	if (b->blkno != UINT64_MAX)
		hash_remove(c, b);
	b->blkno = UINT64_MAX;
	b->refs++; /* not a read-ahead victim */
	int err = overwrite ? 0 : read_run(c, b, blkno);
	b->refs--;
	if (err)
		return err;
	assign(c, b, blkno);
found:
	b->refs++;
	lru_unlink(b);
	lru_append(c, b);
	*out = b;
	return 0;
}

void bcache_dirty(struct bcache_buf *b)
{
	b->dirty = true;
}

void bcache_put(struct bcache *c, struct bcache_buf *b)
{
	(void)c;
	b->refs--;
}

int bcache_sync(struct bcache *c, uint64_t blkno, uint64_t count)
{
	int err = 0;

	for (unsigned i = 0; i < c->nbufs; i++) {
		struct bcache_buf *b = &c->bufs[i];

		if (b->blkno >= blkno && b->blkno - blkno < count && write_back(c, b))
			err = -EIO;
	}
	if (c->dev->flush && c->dev->flush(c->dev))
		err = -EIO;
	return err;
}

int bcache_flush(struct bcache *c)
{
	return bcache_sync(c, 0, UINT64_MAX);
}

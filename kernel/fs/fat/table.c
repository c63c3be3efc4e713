/*
 * The file allocation table: reading and changing entries of FAT12 (a
 * packed 12 bits, possibly straddling two sectors), FAT16 and FAT32 (28
 * bits, the top four kept), in every copy at once; allocating and freeing
 * clusters with the free count kept in memory (super.c writes it to the
 * FAT32 FSInfo sector). Chains are walked at most nclusters steps, so a
 * cyclic chain in a corrupt image ends in -EIO instead of a hang.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fat.h"

bool fat_is_data(const struct fat_fs *fs, uint32_t clus)
{
	return clus >= 2 && clus - 2 < fs->nclusters;
}

uint32_t fat_eoc(const struct fat_fs *fs)
{
	return fs->type == 12 ? 0xfff : fs->type == 16 ? 0xffff : 0x0fffffff;
}

/* The byte at offset off of FAT copy k: held in *b, returned as a pointer. */
static uint8_t *fat_byte(struct fat_fs *fs, unsigned k, uint32_t off, struct bcache_buf **b)
{
	uint64_t sec = fs->fat_start + (uint64_t)k * fs->fat_secs + off / fs->bps;

	if (bcache_get(fs->bc, sec, false, b))
		return NULL;
	return (*b)->data + off % fs->bps;
}

static int fat12_get(struct fat_fs *fs, uint32_t clus, uint32_t *val)
{
	uint32_t off = clus + clus / 2;
	struct bcache_buf *b;
	uint8_t *p, lo;

	p = fat_byte(fs, 0, off, &b);
	if (!p)
		return -EIO;
	lo = *p;
	bcache_put(fs->bc, b);
	p = fat_byte(fs, 0, off + 1, &b);
	if (!p)
		return -EIO;
	*val = lo | (uint32_t)*p << 8;
	bcache_put(fs->bc, b);
	*val = clus & 1 ? *val >> 4 : *val & 0xfff;
	return 0;
}

int fat_get(struct fat_fs *fs, uint32_t clus, uint32_t *val)
{
	uint32_t width = fs->type / 8, off = clus * width;
	struct bcache_buf *b;
	uint8_t *p;

	if (fs->type == 12)
		return fat12_get(fs, clus, val);
	p = fat_byte(fs, 0, off, &b);
	if (!p)
		return -EIO;
	*val = fs->type == 16 ? le16_load(p) : le32_load(p) & 0x0fffffff;
	bcache_put(fs->bc, b);
	return 0;
}

static int set_byte(struct fat_fs *fs, unsigned k, uint32_t off, uint8_t mask, uint8_t v)
{
	struct bcache_buf *b;
	uint8_t *p = fat_byte(fs, k, off, &b);

	if (!p)
		return -EIO;
	*p = (uint8_t)((*p & ~mask) | (v & mask));
	bcache_dirty(b);
	bcache_put(fs->bc, b);
	return 0;
}

int fat_set(struct fat_fs *fs, uint32_t clus, uint32_t val)
{
	uint32_t width = fs->type / 8;

	for (unsigned k = 0; k < fs->nfats; k++) {
		int err = 0;

		if (fs->type == 12) {
			uint32_t off = clus + clus / 2;

			if (clus & 1) {
				err = set_byte(fs, k, off, 0xf0, (uint8_t)(val << 4));
				if (!err)
					err = set_byte(fs, k, off + 1, 0xff, (uint8_t)(val >> 4));
			} else {
				err = set_byte(fs, k, off, 0xff, (uint8_t)val);
				if (!err)
					err = set_byte(fs, k, off + 1, 0x0f, (uint8_t)(val >> 8));
			}
		} else {
			for (unsigned i = 0; i < width && !err; i++) {
				uint8_t mask = fs->type == 32 && i == 3 ? 0x0f : 0xff;

				err = set_byte(fs, k, clus * width + i, mask,
					       (uint8_t)(val >> (8 * i)));
			}
		}
		if (err)
			return err;
	}
	return 0;
}

int fat_next(struct fat_fs *fs, uint32_t clus, uint32_t *next)
{
	uint32_t v;
	int err = fat_get(fs, clus, &v);

	if (err)
		return err;
	if (v >= (fat_eoc(fs) & ~7u)) {
		*next = 0;
		return 0;
	}
	if (!fat_is_data(fs, v))
		return -EIO;
	*next = v;
	return 0;
}

static int zero_cluster(struct fat_fs *fs, uint32_t clus)
{
	for (uint32_t i = 0; i < fs->spc; i++) {
		struct bcache_buf *b;
		int err = bcache_get(fs->bc, fat_clus_sector(fs, clus) + i, true, &b);

		if (err)
			return err;
		memset(b->data, 0, fs->bps);
		bcache_dirty(b);
		bcache_put(fs->bc, b);
	}
	return 0;
}

int fat_alloc(struct fat_fs *fs, uint32_t prev, bool zero, uint32_t *out)
{
	uint32_t c = fs->next_free, v = 1;
	int err;

	if (!fs->free)
		return -ENOSPC;
	for (uint32_t i = 0; i < fs->nclusters; i++, c++) {
		if (!fat_is_data(fs, c))
			c = 2;
		err = fat_get(fs, c, &v);
		if (err)
			return err;
		if (!v)
			break;
	}
	if (v) {
		fs->free = 0;
		return -ENOSPC;
	}
	if (zero && (err = zero_cluster(fs, c)))
		return err;
	err = fat_set(fs, c, fat_eoc(fs));
	if (!err && prev)
		err = fat_set(fs, prev, c);
	if (err)
		return err;
	fs->free--;
	fs->next_free = c + 1;
	fs->fsinfo_dirty = true;
	*out = c;
	return 0;
}

int fat_free_chain(struct fat_fs *fs, uint32_t c)
{
	for (uint32_t i = 0; fat_is_data(fs, c) && i < fs->nclusters; i++) {
		uint32_t v;
		int err = fat_get(fs, c, &v);

		if (!err && v)
			err = fat_set(fs, c, 0);
		if (err)
			return err;
		if (!v)
			return 0; /* a corrupt chain ran into a free (or just freed) cluster */
		fs->free++;
		fs->fsinfo_dirty = true;
		if (c < fs->next_free)
			fs->next_free = c;
		c = v;
	}
	return 0;
}

int fat_count_free(struct fat_fs *fs)
{
	uint32_t v, n = 0;

	for (uint32_t c = 2; c < fs->nclusters + 2; c++) {
		int err = fat_get(fs, c, &v);

		if (err)
			return err;
		n += !v;
	}
	fs->free = n;
	return 0;
}

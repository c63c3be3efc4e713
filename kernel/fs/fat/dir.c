/*
 * FAT directories: a directory is a cluster chain, or on FAT12/16 the
 * fixed root area before the data; it holds 32-byte entries, a name being
 * zero or more long-name slots (13 UTF-16 units each, last part first,
 * tied to the short entry by its checksum) followed by the short entry.
 * A cursor walks a directory once from its start, so a full scan costs one
 * pass over the chain. Where the directory has an index (index.c), a
 * cursor seeks in one step and names are found, placed and given short
 * names through it; otherwise, when memory is short, by walking the
 * directory. Long names whose slots are out of order or whose
 * checksum does not match are ignored and the short name shows instead, as
 * every FAT implementation does. A directory never grows beyond 65536
 * entries, nor beyond the disk's cluster count, which bounds any walk of a
 * corrupt (cyclic) chain.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/kmalloc.h>

#include "fat.h"

#define TAIL_MAX 4096 /* "~N" tails tried for one short-name basis */

static const uint8_t lfn_pos[FAT_LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

int fat_dcur_seek(struct fat_fs *fs, struct fat_dcur *c, uint32_t dir, uint32_t off)
{
	c->dir = dir;
	c->off = off;
	c->clus = dir;
	if (!dir || off >= FAT_DIR_MAX)
		return 0;
	if (!fat_is_data(fs, dir))
		return -EIO;
	struct fat_index *ix = fat_index_get(fs, dir, false);
	if (ix) {
		c->clus = fat_index_cluster(ix, off, fs->csize);
		return 0;
	}
	for (uint32_t i = 0; i < off / fs->csize && c->clus; i++) {
		int err = fat_next(fs, c->clus, &c->clus);

		if (err)
			return err;
	}
	return 0;
}

/* The entry at the cursor, held in *b: 0, 1 at the end of the directory. */
static int dcur_get(struct fat_fs *fs, struct fat_dcur *c, struct bcache_buf **b, uint8_t **p)
{
	uint64_t sec;
	int err;

	if (!c->dir) {
		if (c->off >= fs->root_secs * fs->bps)
			return 1;
		sec = fs->root_start + c->off / fs->bps;
	} else {
		if (!c->clus || c->off >= FAT_DIR_MAX)
			return 1;
		if (c->off / fs->csize >= fs->nclusters)
			return -EIO; /* longer than the disk: a cycle */
		sec = fat_clus_sector(fs, c->clus) + c->off % fs->csize / fs->bps;
	}
	err = bcache_get(fs->bc, sec, false, b);
	if (err)
		return err;
	*p = (*b)->data + c->off % fs->bps;
	return 0;
}

static int dcur_advance(struct fat_fs *fs, struct fat_dcur *c)
{
	c->off += FAT_DIRENT;
	if (c->dir && c->clus && c->off % fs->csize == 0)
		return fat_next(fs, c->clus, &c->clus);
	return 0;
}

int fat_dcur_read(struct fat_fs *fs, struct fat_dcur *c, uint8_t *ent)
{
	struct bcache_buf *b;
	uint8_t *p;
	int r = dcur_get(fs, c, &b, &p);

	if (r)
		return r;
	memcpy(ent, p, FAT_DIRENT);
	bcache_put(fs->bc, b);
	return dcur_advance(fs, c);
}

/* Writes ent at the cursor and moves on: 0, 1 at the end. */
static int dcur_write(struct fat_fs *fs, struct fat_dcur *c, const uint8_t *ent)
{
	struct bcache_buf *b;
	uint8_t *p;
	int r = dcur_get(fs, c, &b, &p);

	if (r)
		return r;
	memcpy(p, ent, FAT_DIRENT);
	bcache_dirty(b);
	bcache_put(fs->bc, b);
	return dcur_advance(fs, c);
}

int fat_dir_next(struct fat_fs *fs, struct fat_dcur *c, struct fat_dirent *e)
{
	uint8_t ent[FAT_DIRENT], sum = 0;
	unsigned total = 0, expect = 0;

	for (;;) {
		uint32_t off = c->off;
		int r = fat_dcur_read(fs, c, ent);

		if (r)
			return r < 0 ? r : 0;
		if (ent[0] == 0) {
			c->off = off;
			return 0;
		}
		if (ent[0] == 0xe5) {
			total = 0;
			continue;
		}
		if ((ent[DE_ATTR] & 0x3f) == FAT_ATTR_LFN) {
			unsigned ord = ent[0] & 0x3f;

			if (ent[0] & 0x40) {
				total = ord <= 20 ? ord : 0;
				expect = ord;
				sum = ent[13];
				e->start = off;
			} else if (!total || ord != expect || ent[13] != sum) {
				total = 0;
			}
			if (!total || !ord)
				continue;
			for (unsigned i = 0; i < FAT_LFN_CHARS; i++) {
				unsigned at = (ord - 1) * FAT_LFN_CHARS + i;

				if (at <= FAT_NAME16_MAX)
					e->name[at] = le16_load(ent + lfn_pos[i]);
			}
			expect--;
			continue;
		}
		if ((ent[DE_ATTR] & FAT_ATTR_VOLUME) || ent[0] == '.') {
			total = 0;
			continue;
		}
		memcpy(e->de, ent, FAT_DIRENT);
		e->off = off;
		e->len = 0;
		if (total && !expect && fat_sfn_checksum(ent) == sum) {
			unsigned max = total * FAT_LFN_CHARS;

			if (max > FAT_NAME16_MAX + 1)
				max = FAT_NAME16_MAX + 1;
			while (e->len < max && e->name[e->len])
				e->len++;
			if (e->len > FAT_NAME16_MAX)
				e->len = 0;
		}
		if (!e->len) {
			e->start = off;
			e->len = fat_sfn_to_name(ent, e->name);
		}
		return 1;
	}
}

int fat_dir_find(struct fat_fs *fs, uint32_t dir, const uint16_t *name, unsigned len,
		 struct fat_dirent *e)
{
	struct fat_index *ix = fat_index_get(fs, dir, true);
	struct fat_dcur c;
	uint16_t sname[13];
	int r;

	if (ix)
		return fat_index_find(fs, ix, name, len, e);
	r = fat_dcur_seek(fs, &c, dir, 0);
	if (r)
		return r;
	while ((r = fat_dir_next(fs, &c, e)) == 1) {
		if (fat_name_eq(name, len, e->name, e->len))
			return 0;
		if (fat_name_eq(name, len, sname, fat_sfn_to_name(e->de, sname)))
			return 0;
	}
	return r < 0 ? r : -ENOENT;
}

/*
 * One pass over dir: the first run of need free slots (*start, or the end
 * of the directory with *found false), the last cluster of the chain, and
 * the directory's size (*end), which "~N" tails of basis (when not NULL) are taken.
 */
static int scan_free(struct fat_fs *fs, uint32_t dir, unsigned need, const uint8_t *basis,
		     uint8_t *tails, uint32_t *start, bool *found, uint32_t *last, uint32_t *end)
{
	struct fat_dcur c;
	uint8_t ent[FAT_DIRENT];
	unsigned run = 0;
	int r = fat_dcur_seek(fs, &c, dir, 0);

	*start = 0;
	*found = false;
	*last = dir;
	while (!r) {
		uint32_t off = c.off, clus = c.clus;

		r = fat_dcur_read(fs, &c, ent);
		if (r)
			break;
		*last = clus;
		if (ent[0] == 0 || ent[0] == 0xe5) {
			if (!run)
				*start = off;
			if (++run == need && !*found)
				*found = true;
			if (ent[0] == 0 && *found)
				return 0;
			continue;
		}
		if (!*found)
			run = 0;
		if (basis && (ent[DE_ATTR] & 0x3f) != FAT_ATTR_LFN) {
			unsigned n = fat_sfn_tail_of(basis, ent);

			if (n && n < TAIL_MAX)
				tails[n / 8] |= (uint8_t)(1 << n % 8);
		}
	}
	if (r < 0)
		return r;
	if (!*found && !run)
		*start = c.off;
	*end = c.off;
	return 0;
}

/* Writes name's long-name slots and then its short entry de from start:
 * need slots in all; *off is where the short entry went. */
static int write_name(struct fat_fs *fs, uint32_t dir, uint32_t start, unsigned need,
		      const uint16_t *name, unsigned len, const uint8_t *de, uint32_t *off)
{
	uint8_t ent[FAT_DIRENT], sum = fat_sfn_checksum(de);
	struct fat_dcur c;
	int err = fat_dcur_seek(fs, &c, dir, start);

	for (unsigned slot = need - 1; slot > 0 && !err; slot--) {
		memset(ent, 0, sizeof(ent));
		ent[0] = (uint8_t)(slot | (slot == need - 1 ? 0x40 : 0));
		ent[DE_ATTR] = FAT_ATTR_LFN;
		ent[13] = sum;
		for (unsigned i = 0; i < FAT_LFN_CHARS; i++) {
			unsigned at = (slot - 1) * FAT_LFN_CHARS + i;

			le16_store(ent + lfn_pos[i], at < len ? name[at] : at == len ? 0 : 0xffff);
		}
		err = dcur_write(fs, &c, ent);
	}
	if (!err) {
		*off = c.off;
		err = dcur_write(fs, &c, de);
	}
	return err > 0 ? -EIO : err;
}

/* Whether the need slots from start are free on the disk: 1, 0 or an
 * error. An index that disagrees with the disk is not trusted. */
static int slots_free(struct fat_fs *fs, uint32_t dir, uint32_t start, unsigned need)
{
	uint8_t ent[FAT_DIRENT];
	struct fat_dcur c;
	int err = fat_dcur_seek(fs, &c, dir, start);

	for (unsigned i = 0; i < need && !err; i++) {
		err = fat_dcur_read(fs, &c, ent);
		if (!err && ent[0] != 0 && ent[0] != 0xe5)
			return 0;
	}
	return err < 0 ? err : !err;
}

/* fat_dir_add through the index: 1 when the index cannot serve (and is
 * gone), so the caller walks the directory instead. */
static int index_add(struct fat_fs *fs, struct fat_index *ix, uint32_t dir,
		     const uint16_t *name, unsigned len, uint8_t *de, bool lfn, unsigned need,
		     uint32_t *off)
{
	uint8_t basis[11];
	struct fat_dirent *e;
	uint32_t start;
	int err = 0;

	if (lfn) {
		fat_sfn_basis(name, len, basis);
		err = fat_index_tail(fs, ix, basis, de);
	}
	if (!err)
		err = fat_index_place(fs, ix, need, &start);
	if (!err && (err = slots_free(fs, dir, start, need)) == 1)
		err = write_name(fs, dir, start, need, name, len, de, off);
	else if (!err)
		err = -ENOMEM; /* the index is wrong: drop it */
	if (err == -ENOMEM)
		goto drop;
	if (err)
		return err;
	e = kmalloc(sizeof(*e));
	if (!e)
		goto drop;
	memcpy(e->de, de, FAT_DIRENT);
	e->start = start;
	e->off = *off;
	memcpy(e->name, name, len * sizeof(*name));
	e->len = len;
	if (!lfn)
		e->len = fat_sfn_to_name(de, e->name);
	err = fat_index_add(ix, e);
	kfree(e);
	if (err)
		fat_index_drop_all(fs);
	return 0;
drop:
	fat_index_drop_all(fs);
	return 1;
}

int fat_dir_add(struct fat_fs *fs, uint32_t dir, const uint16_t *name, unsigned len, uint8_t *de,
		uint32_t *off)
{
	uint8_t basis[11], tails[TAIL_MAX / 8];
	unsigned need = 1, n;
	uint32_t start, last, end, have;
	struct fat_index *ix = fat_index_get(fs, dir, true);
	bool found, lfn;
	int err;

	lfn = !fat_sfn_exact(name, len, de, &de[DE_LCASE]);
	if (lfn) {
		need += (len + FAT_LFN_CHARS - 1) / FAT_LFN_CHARS;
		de[DE_LCASE] = 0;
	}
	if (ix && (err = index_add(fs, ix, dir, name, len, de, lfn, need, off)) <= 0)
		return err;
	if (lfn) {
		fat_sfn_basis(name, len, basis);
		memset(tails, 0, sizeof(tails));
	}
	err = scan_free(fs, dir, need, lfn ? basis : NULL, tails, &start, &found, &last, &end);
	if (err)
		return err;
	if (lfn) {
		for (n = 1; n < TAIL_MAX && (tails[n / 8] & (1 << n % 8)); n++)
			;
		if (n == TAIL_MAX)
			return -ENOSPC;
		fat_sfn_tail(de, basis, n);
	}
	if (start + need * FAT_DIRENT > FAT_DIR_MAX)
		return -ENOSPC;
	if (!found) {
		if (!dir)
			return -ENOSPC;
		for (have = end - start; have < need * FAT_DIRENT;) {
			err = fat_alloc(fs, last, true, &last);
			if (err)
				return err;
			have += fs->csize;
		}
	}
	return write_name(fs, dir, start, need, name, len, de, off);
}

int fat_dir_remove(struct fat_fs *fs, uint32_t dir, const struct fat_dirent *e)
{
	struct fat_index *ix = fat_index_get(fs, dir, false);
	struct fat_dcur c;
	int err = fat_dcur_seek(fs, &c, dir, e->start);

	if (ix)
		fat_index_remove(ix, e);
	while (!err && c.off <= e->off) {		struct bcache_buf *b;
		uint8_t *p;

		err = dcur_get(fs, &c, &b, &p);
		if (err)
			break;
		p[0] = 0xe5;
		bcache_dirty(b);
		bcache_put(fs->bc, b);
		err = dcur_advance(fs, &c);
	}
	return err > 0 ? -EIO : err;
}

int fat_dir_write_entry(struct fat_fs *fs, uint32_t dir, uint32_t off, const uint8_t *de)
{
	struct fat_dcur c;
	int err = fat_dcur_seek(fs, &c, dir, off);

	if (!err)
		err = dcur_write(fs, &c, de);
	return err > 0 ? -EIO : err;
}

int fat_dir_read_entry(struct fat_fs *fs, uint32_t dir, uint32_t off, uint8_t *de)
{
	struct fat_dcur c;
	int err = fat_dcur_seek(fs, &c, dir, off);

	if (!err)
		err = fat_dcur_read(fs, &c, de);
	return err > 0 ? -EIO : err;
}

int fat_dir_empty(struct fat_fs *fs, uint32_t dir)
{
	struct fat_dirent e;
	struct fat_dcur c;
	int r = fat_dcur_seek(fs, &c, dir, 0);

	if (!r)
		r = fat_dir_next(fs, &c, &e);
	return r < 0 ? r : !r;
}

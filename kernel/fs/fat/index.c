/*
 * FAT directory indexes: what a directory holds, kept in memory so that
 * finding a name, finding room for a new one and choosing its "~N" short
 * name take the same time in a directory of any size. An index is built
 * by one pass over the directory the first time a name in it is looked
 * up, created or listed, and holds:
 *
 *  - the cluster chain as an array, so a cursor seeks in one step;
 *  - every name hashed (ignoring case, as FAT compares) to the offsets of
 *    its first slot and short entry, under its long name and under its
 *    short name; a match is confirmed by reading the entry, so the disk
 *    stays the truth and a corrupt directory (duplicate names, stray
 *    slots) gives wrong answers at worst, never unsafe ones;
 *  - a bitmap of free slots with a mark below which none is free;
 *  - for each short-name basis given a tail, the next tail to try.
 *
 * dir.c keeps the index in step with every entry it adds or removes;
 * node.c drops the index of a directory it removes. The mount keeps at
 * most FAT_INDEX_MAX indexes, dropping the least recently used; when
 * memory runs out every index of the mount goes, and dir.c falls back to
 * walking the directory, which is slower and needs no memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/kmalloc.h>

#include "fat.h"

#define FAT_INDEX_MAX 16
#define SLOTS_MAX     (FAT_DIR_MAX / FAT_DIRENT)
#define TAIL_LIMIT    1000000 /* "~999999" is the longest tail an 8.3 name takes */

struct fat_index {
	struct htab_node link; /* in fs->indexes, by first cluster */
	struct list_node lru;  /* in fs->index_lru, most recent first */
	uint32_t dir;
	uint32_t *clus, nclus; /* the chain; none for the fixed root */
	uint64_t *free;	       /* one bit per slot, set when free */
	uint32_t slots, nfree, low;
	struct htab names; /* struct name_rec */
	struct htab tails; /* struct tail_rec */
};

struct name_rec {
	struct htab_node link;
	uint32_t start, off;
};

struct tail_rec {
	struct htab_node link;
	uint8_t basis[11];
	uint32_t next;
};

static bool slot_free(const struct fat_index *ix, uint32_t i)
{
	return ix->free[i / 64] >> (i % 64) & 1;
}

static void set_free(struct fat_index *ix, uint32_t i, bool f)
{
	if (slot_free(ix, i) == f)
		return;
	ix->free[i / 64] ^= 1ull << (i % 64);
	ix->nfree += f ? 1 : -1;
	if (f && i < ix->low)
		ix->low = i;
}

static void drop_rec(struct htab_node *n)
{
	kfree(n);
}

static void index_free(struct fat_fs *fs, struct fat_index *ix)
{
	htab_remove(&fs->indexes, &ix->link);
	list_remove(&ix->lru);
	fs->nindexes--;
	htab_clear(&ix->names, drop_rec);
	htab_clear(&ix->tails, drop_rec);
	kfree(ix->clus);
	kfree(ix->free);
	kfree(ix);
}

void fat_index_drop_all(struct fat_fs *fs)
{
	while (!list_empty(&fs->index_lru))
		index_free(fs, list_entry(fs->index_lru.next, struct fat_index, lru));
}

static struct fat_index *lookup(struct fat_fs *fs, uint32_t dir)
{
	for (struct htab_node *n = htab_first(&fs->indexes, dir); n; n = htab_next(n)) {
		struct fat_index *ix = (struct fat_index *)n;

		if (ix->dir == dir)
			return ix;
	}
	return NULL;
}

void fat_index_drop(struct fat_fs *fs, uint32_t dir)
{
	struct fat_index *ix = lookup(fs, dir);

	if (ix)
		index_free(fs, ix);
}

/* Makes room for slots up to n in the bitmap; the new ones are free. */
static int grow_slots(struct fat_index *ix, uint32_t n)
{
	uint32_t words = (n + 63) / 64, old = (ix->slots + 63) / 64;
	uint64_t *f = krealloc(ix->free, words * sizeof(*f));

	if (!f)
		return -ENOMEM;
	memset(f + old, 0, (words - old) * sizeof(*f));
	ix->free = f;
	while (ix->slots < n)
		set_free(ix, ix->slots++, true);
	return 0;
}

static int add_cluster(struct fat_index *ix, uint32_t clus, uint32_t csize)
{
	uint32_t *c = krealloc(ix->clus, (ix->nclus + 1) * sizeof(*c));
	uint32_t slots = (ix->nclus + 1) * (csize / FAT_DIRENT);

	if (!c)
		return -ENOMEM;
	ix->clus = c;
	ix->clus[ix->nclus++] = clus;
	return grow_slots(ix, slots < SLOTS_MAX ? slots : SLOTS_MAX);
}

uint32_t fat_index_cluster(const struct fat_index *ix, uint32_t off, uint32_t csize)
{
	return off / csize < ix->nclus ? ix->clus[off / csize] : 0;
}

static int add_rec(struct fat_index *ix, uint32_t hash, uint32_t start, uint32_t off)
{
	struct name_rec *r = kmalloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->start = start;
	r->off = off;
	htab_insert(&ix->names, &r->link, hash);
	return 0;
}

static void remove_rec(struct fat_index *ix, uint32_t hash, uint32_t off)
{
	for (struct htab_node *n = htab_first(&ix->names, hash); n; n = htab_next(n)) {
		struct name_rec *r = (struct name_rec *)n;

		if (r->off == off) {
			htab_remove(&ix->names, n);
			kfree(r);
			return;
		}
	}
}

/* The hash of e's short name as a name, and whether it differs from the
 * name e shows (so that it needs a record of its own). */
static bool short_key(const struct fat_dirent *e, uint32_t *hash)
{
	uint16_t sname[13];
	unsigned n = fat_sfn_to_name(e->de, sname);

	*hash = fat_name_hash(sname, n);
	return !fat_name_eq(e->name, e->len, sname, n);
}

int fat_index_add(struct fat_index *ix, const struct fat_dirent *e)
{
	uint32_t h;
	int err = add_rec(ix, fat_name_hash(e->name, e->len), e->start, e->off);

	if (!err && short_key(e, &h))
		err = add_rec(ix, h, e->start, e->off);
	for (uint32_t s = e->start / FAT_DIRENT; s <= e->off / FAT_DIRENT && s < ix->slots; s++)
		set_free(ix, s, false);
	return err;
}

void fat_index_remove(struct fat_index *ix, const struct fat_dirent *e)
{
	uint32_t h;

	remove_rec(ix, fat_name_hash(e->name, e->len), e->off);
	if (short_key(e, &h))
		remove_rec(ix, h, e->off);
	for (uint32_t s = e->start / FAT_DIRENT; s <= e->off / FAT_DIRENT && s < ix->slots; s++)
		set_free(ix, s, true);
}

int fat_index_find(struct fat_fs *fs, struct fat_index *ix, const uint16_t *name, unsigned len,
		   struct fat_dirent *e)
{
	uint16_t sname[13];

	for (struct htab_node *n = htab_first(&ix->names, fat_name_hash(name, len)); n;
	     n = htab_next(n)) {
		struct name_rec *r = (struct name_rec *)n;
		struct fat_dcur c;
		int err = fat_dcur_seek(fs, &c, ix->dir, r->start);

		if (!err)
			err = fat_dir_next(fs, &c, e);
		if (err < 0)
			return err;
		if (err == 1 && e->off == r->off &&
		    (fat_name_eq(name, len, e->name, e->len) ||
		     fat_name_eq(name, len, sname, fat_sfn_to_name(e->de, sname))))
			return 0;
	}
	return -ENOENT;
}

/* Whether a short entry of the directory has the 11-byte name sfn. */
static int sfn_taken(struct fat_fs *fs, struct fat_index *ix, const uint8_t *sfn)
{
	uint8_t de[FAT_DIRENT];
	uint16_t sname[13];
	unsigned n;

	memcpy(de, sfn, 11);
	de[DE_LCASE] = 0;
	n = fat_sfn_to_name(de, sname);
	for (struct htab_node *h = htab_first(&ix->names, fat_name_hash(sname, n)); h;
	     h = htab_next(h)) {
		int err = fat_dir_read_entry(fs, ix->dir, ((struct name_rec *)h)->off, de);

		if (err)
			return err;
		if (!memcmp(de, sfn, 11))
			return 1;
	}
	return 0;
}

int fat_index_tail(struct fat_fs *fs, struct fat_index *ix, const uint8_t *basis, uint8_t *sfn)
{
	uint32_t hash = htab_hash(HTAB_SEED, basis, 11);
	struct tail_rec *t = NULL;
	int taken = 1;
	uint32_t n;

	for (struct htab_node *h = htab_first(&ix->tails, hash); h && !t; h = htab_next(h)) {
		if (!memcmp(((struct tail_rec *)h)->basis, basis, 11))
			t = (struct tail_rec *)h;
	}
	if (!t) {
		t = kmalloc(sizeof(*t));
		if (!t)
			return -ENOMEM;
		memcpy(t->basis, basis, 11);
		t->next = 1;
		htab_insert(&ix->tails, &t->link, hash);
	}
	for (n = t->next; n < TAIL_LIMIT && taken > 0; n++) {
		fat_sfn_tail(sfn, basis, n);
		taken = sfn_taken(fs, ix, sfn);
	}
	if (taken < 0)
		return taken;
	t->next = n;
	return taken ? -ENOSPC : 0;
}

/* The first run of need free slots at or after from; slots when none. */
static uint32_t free_run(struct fat_index *ix, uint32_t from, unsigned need)
{
	uint32_t i = from;

	while (i < ix->slots) {
		uint32_t j;

		if (!ix->free[i / 64]) {
			i = (i / 64 + 1) * 64;
			continue;
		}
		if (!slot_free(ix, i)) {
			i++;
			continue;
		}
		for (j = i; j < ix->slots && j - i < need && slot_free(ix, j); j++)
			;
		if (j - i == need)
			return i;
		i = j;
	}
	return ix->slots;
}

int fat_index_place(struct fat_fs *fs, struct fat_index *ix, unsigned need, uint32_t *start)
{
	uint32_t s = ix->slots, last;
	int err;

	if (ix->nfree >= need) {
		while (ix->low < ix->slots && !slot_free(ix, ix->low))
			ix->low++;
		s = free_run(ix, ix->low, need);
	}
	if (s == ix->slots) {
		/* None: the directory grows, the free run at its end first. */
		while (s > 0 && slot_free(ix, s - 1) && ix->slots - s < need)
			s--;
		if (!ix->dir || s + need > SLOTS_MAX)
			return -ENOSPC;
		while (ix->slots < s + need) {
			last = ix->clus[ix->nclus - 1];
			err = fat_alloc(fs, last, true, &last);
			if (!err)
				err = add_cluster(ix, last, fs->csize);
			if (err)
				return err;
		}
	}
	*start = s * FAT_DIRENT;
	return 0;
}

/* The chain and the free slots of the directory, read from the disk. */
static int scan(struct fat_fs *fs, struct fat_index *ix)
{
	uint8_t ent[FAT_DIRENT];
	struct fat_dcur c;
	bool end = false;
	int err = 0;

	if (!ix->dir)
		err = grow_slots(ix, fs->root_secs * fs->bps / FAT_DIRENT);
	for (uint32_t clus = ix->dir; clus && !err; err = fat_next(fs, clus, &clus)) {
		if (ix->nclus >= fs->nclusters)
			return -EIO; /* a cycle */
		if (ix->slots >= SLOTS_MAX)
			break;
		err = add_cluster(ix, clus, fs->csize);
		if (err)
			return err;
	}
	if (!err)
		err = fat_dcur_seek(fs, &c, ix->dir, 0);
	for (uint32_t i = 0; i < ix->slots && !err; i++) {
		err = fat_dcur_read(fs, &c, ent);
		end |= !err && ent[0] == 0;
		set_free(ix, i, end || ent[0] == 0xe5);
	}
	ix->low = 0;
	return err > 0 ? -EIO : err;
}

static int fill(struct fat_fs *fs, struct fat_index *ix)
{
	struct fat_dirent *e = kmalloc(sizeof(*e));
	struct fat_dcur c;
	int err = e ? scan(fs, ix) : -ENOMEM;

	if (!err)
		err = fat_dcur_seek(fs, &c, ix->dir, 0);
	while (!err && (err = fat_dir_next(fs, &c, e)) == 1)
		err = fat_index_add(ix, e);
	kfree(e);
	return err;
}

struct fat_index *fat_index_get(struct fat_fs *fs, uint32_t dir, bool build)
{
	struct fat_index *ix = lookup(fs, dir);
	int err;

	if (ix) {
		list_remove(&ix->lru);
		list_insert_after(&fs->index_lru, &ix->lru);
		return ix;
	}
	if (!build || !fs->indexes.nbuckets)
		return NULL;
	if (fs->nindexes >= FAT_INDEX_MAX)
		index_free(fs, list_entry(fs->index_lru.prev, struct fat_index, lru));
	ix = kzalloc(sizeof(*ix));
	if (!ix || htab_init(&ix->names) || htab_init(&ix->tails)) {
		if (ix) {
			htab_destroy(&ix->names);
			kfree(ix);
		}
		fat_index_drop_all(fs);
		return NULL;
	}
	ix->dir = dir;
	htab_insert(&fs->indexes, &ix->link, dir);
	list_insert_after(&fs->index_lru, &ix->lru);
	fs->nindexes++;
	err = fill(fs, ix);
	if (err) {
		index_free(fs, ix);
		if (err == -ENOMEM)
			fat_index_drop_all(fs);
		return NULL;
	}
	return ix;
}

/*
 * FAT vnodes and the directory operations. A vnode stands for one short
 * entry, found by its parent directory's first cluster and the entry's
 * byte offset there; the mount keeps every vnode that has references in a
 * list, so looking a file up again gives the same vnode. A vnode keeps a
 * copy of its short entry and writes it back whenever size, first cluster,
 * attributes or times change, so the cache always holds a consistent
 * image. A file or directory removed while it still has references loses
 * its entry at once and its clusters when the last reference goes.
 * Inode numbers are the first cluster when there is one (directories
 * always), otherwise the entry's place; a vnode keeps the number it was
 * given while it lives. FAT stores local time without a zone: it is
 * treated as UTC.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/calendar.h>
#include <unishyper/kmalloc.h>
#include <unishyper/time.h>

#include "fat.h"


static struct fat_node *node_of(struct vnode *v)
{
	return v->priv;
}

/* The first cluster of a directory vnode's contents (0: the fixed root). */
static uint32_t dir_clus(struct fat_node *n)
{
	return n->first;
}

uint64_t fat_ino(const struct fat_fs *fs, uint32_t dir, uint32_t off, const uint8_t *de)
{
	uint32_t first = fat_de_first(fs, de);

	if (fat_is_data(fs, first))
		return first;
	return 1ull << 48 | (uint64_t)dir << 16 | off / FAT_DIRENT;
}

void fat_time_to_fat(uint64_t ns, uint16_t *date, uint16_t *time, uint8_t *ms10)
{
	uint64_t secs = ns / NSEC_PER_SEC, sod = secs % 86400;
	int64_t y;
	unsigned m, d;

	cal_civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
	if (y < 1980) {
		y = 1980, m = 1, d = 1, sod = 0, ns = 0;
	} else if (y > 2107) {
		y = 2107, m = 12, d = 31, sod = 86399, ns = 0;
	}
	*date = (uint16_t)((unsigned)(y - 1980) << 9 | m << 5 | d);
	*time = (uint16_t)(sod / 3600 << 11 | sod / 60 % 60 << 5 | sod % 60 / 2);
	if (ms10)
		*ms10 = (uint8_t)(sod % 2 * 100 + ns % NSEC_PER_SEC / 10000000);
}

uint64_t fat_time_from_fat(uint16_t date, uint16_t time)
{
	unsigned m = date >> 5 & 15, d = date & 31;
	uint64_t secs;

	if (!m || m > 12)
		m = 1;
	if (!d)
		d = 1;
	secs = (uint64_t)cal_days_from_civil(1980 + (date >> 9), m, d) * 86400;
	secs += (time >> 11) * 3600u + (time >> 5 & 63) * 60u + (time & 31) * 2u;
	return secs * NSEC_PER_SEC;
}

/* Sets the access date, and the modification time when modify is set. */
void fat_node_touch(struct fat_node *n, bool modify)
{
	uint16_t date, time;

	fat_time_to_fat(time_realtime_ns(), &date, &time, NULL);
	le16_store(n->de + DE_ADATE, date);
	if (modify) {
		le16_store(n->de + DE_MDATE, date);
		le16_store(n->de + DE_MTIME, time);
		n->de[DE_ATTR] |= FAT_ATTR_ARCH;
	}
	n->written = true;
}

int fat_node_write_entry(struct fat_node *n)
{
	if (n == n->fs->root || n->unlinked)
		return 0;
	fat_de_set_first(n->de, n->first);
	le32_store(n->de + DE_SIZE, n->vn.is_dir ? 0 : n->size);
	n->written = true;
	return fat_dir_write_entry(n->fs, n->dir, n->off, n->de);
}

static struct fat_node *node_find(struct fat_fs *fs, uint32_t dir, uint32_t off)
{
	for (struct fat_node *n = fs->nodes; n; n = n->next) {
		if (n->dir == dir && n->off == off && !n->unlinked)
			return n;
	}
	return NULL;
}

static int node_get(struct fat_fs *fs, uint32_t dir, uint32_t off, const uint8_t *de,
		    struct vnode **out)
{
	struct fat_node *n = node_find(fs, dir, off);

	if (n) {
		n->vn.refs++;
		*out = &n->vn;
		return 0;
	}
	n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->vn.ops = &fat_vnode_ops;
	n->vn.refs = 1;
	n->vn.is_dir = de[DE_ATTR] & FAT_ATTR_DIR;
	n->vn.priv = n;
	n->fs = fs;
	n->dir = dir;
	n->off = off;
	memcpy(n->de, de, FAT_DIRENT);
	n->first = fat_de_first(fs, de);
	n->size = n->vn.is_dir ? 0 : le32_load(de + DE_SIZE);
	n->ino = fat_ino(fs, dir, off, de);
	n->next = fs->nodes;
	fs->nodes = n;
	*out = &n->vn;
	return 0;
}

/* Checks that dv is a live directory and converts name; for a change,
 * also that the mount is writable. */
static int dir_name(struct vnode *dv, const char *name, size_t len, bool change, uint16_t *name16,
		    unsigned *len16)
{
	struct fat_node *d = node_of(dv);

	if (change && d->fs->readonly)
		return -EROFS;
	if (!dv->is_dir)
		return -ENOTDIR;
	if (d->unlinked)
		return -ENOENT;
	return fat_name_from_utf8(name, len, name16, len16);
}

static int fat_lookup(struct vnode *dv, const char *name, size_t len, struct vnode **out)
{
	struct fat_node *d = node_of(dv);
	uint16_t name16[FAT_NAME16_MAX + 1];
	struct fat_dirent e;
	unsigned len16;
	int err = dir_name(dv, name, len, false, name16, &len16);

	if (err)
		return err == -EINVAL ? -ENOENT : err;
	err = fat_dir_find(d->fs, dir_clus(d), name16, len16, &e);
	if (err)
		return err;
	return node_get(d->fs, dir_clus(d), e.off, e.de, out);
}

/* A new short entry: attributes from the mode, every time set to now. */
static void new_entry(uint8_t *de, uint8_t attr, uint32_t mode, uint32_t first)
{
	uint16_t date, time;
	uint8_t ms10;

	memset(de, 0, FAT_DIRENT);
	de[DE_ATTR] = attr | (mode & 0200 ? 0 : FAT_ATTR_RO);
	fat_time_to_fat(time_realtime_ns(), &date, &time, &ms10);
	de[DE_CTIME_MS] = ms10;
	le16_store(de + DE_CTIME, time);
	le16_store(de + DE_CDATE, date);
	le16_store(de + DE_ADATE, date);
	le16_store(de + DE_MTIME, time);
	le16_store(de + DE_MDATE, date);
	fat_de_set_first(de, first);
}

static int fat_create(struct vnode *dv, const char *name, size_t len, uint32_t mode,
		      struct vnode **out)
{
	struct fat_node *d = node_of(dv);
	uint16_t name16[FAT_NAME16_MAX + 1];
	struct fat_dirent e;
	uint8_t de[FAT_DIRENT];
	unsigned len16;
	uint32_t off;
	int err = dir_name(dv, name, len, true, name16, &len16);

	if (err)
		return err;
	err = fat_dir_find(d->fs, dir_clus(d), name16, len16, &e);
	if (err != -ENOENT)
		return err ? err : -EEXIST;
	new_entry(de, FAT_ATTR_ARCH, mode, 0);
	err = fat_dir_add(d->fs, dir_clus(d), name16, len16, de, &off);
	if (err)
		return err;
	d->written = true;
	return node_get(d->fs, dir_clus(d), off, de, out);
}

static int fat_mkdir(struct vnode *dv, const char *name, size_t len, uint32_t mode)
{
	struct fat_node *d = node_of(dv);
	struct fat_fs *fs = d->fs;
	uint16_t name16[FAT_NAME16_MAX + 1];
	struct fat_dirent e;
	uint8_t de[FAT_DIRENT], dot[FAT_DIRENT];
	unsigned len16;
	uint32_t clus, off;
	int err = dir_name(dv, name, len, true, name16, &len16);

	if (err)
		return err;
	err = fat_dir_find(fs, dir_clus(d), name16, len16, &e);
	if (err != -ENOENT)
		return err ? err : -EEXIST;
	err = fat_alloc(fs, 0, true, &clus);
	if (err)
		return err;
	new_entry(dot, FAT_ATTR_DIR, 0755, clus);
	memcpy(dot, ".          ", 11);
	err = fat_dir_write_entry(fs, clus, 0, dot);
	new_entry(dot, FAT_ATTR_DIR, 0755, d == fs->root ? 0 : dir_clus(d));
	memcpy(dot, "..         ", 11);
	if (!err)
		err = fat_dir_write_entry(fs, clus, FAT_DIRENT, dot);
	new_entry(de, FAT_ATTR_DIR, mode, clus);
	if (!err)
		err = fat_dir_add(fs, dir_clus(d), name16, len16, de, &off);
	if (err) {
		fat_free_chain(fs, clus);
		return err;
	}
	d->written = true;
	return 0;
}

/* Removes e's entry from dir; its clusters go now, or with the last
 * reference to its vnode. */
static int drop_entry(struct fat_fs *fs, uint32_t dir, const struct fat_dirent *e)
{
	struct fat_node *n = node_find(fs, dir, e->off);
	int err = fat_dir_remove(fs, dir, e);

	if (err)
		return err;
	if (e->de[DE_ATTR] & FAT_ATTR_DIR)
		fat_index_drop(fs, fat_de_first(fs, e->de));
	if (n) {
		n->unlinked = true;
		return 0;
	}
	return fat_free_chain(fs, fat_de_first(fs, e->de));
}

static int remove_name(struct vnode *dv, const char *name, size_t len, bool want_dir)
{
	struct fat_node *d = node_of(dv);
	uint16_t name16[FAT_NAME16_MAX + 1];
	struct fat_dirent e;
	unsigned len16;
	int err = dir_name(dv, name, len, true, name16, &len16);

	if (err)
		return err == -EINVAL ? -ENOENT : err;
	err = fat_dir_find(d->fs, dir_clus(d), name16, len16, &e);
	if (err)
		return err;
	if (!(e.de[DE_ATTR] & FAT_ATTR_DIR) != !want_dir)
		return want_dir ? -ENOTDIR : -EISDIR;
	if (want_dir) {
		err = fat_dir_empty(d->fs, fat_de_first(d->fs, e.de));
		if (err <= 0)
			return err ? err : -ENOTEMPTY;
	}
	d->written = true;
	return drop_entry(d->fs, dir_clus(d), &e);
}

static int fat_unlink(struct vnode *dv, const char *name, size_t len)
{
	return remove_name(dv, name, len, false);
}

static int fat_rmdir(struct vnode *dv, const char *name, size_t len)
{
	return remove_name(dv, name, len, true);
}

/* -EINVAL when directory dir is clus or lies inside it. */
static int check_not_inside(struct fat_fs *fs, uint32_t dir, uint32_t clus)
{
	uint8_t de[FAT_DIRENT];

	for (uint32_t i = 0; i < fs->nclusters && dir != fs->root_clus; i++) {
		int err;

		if (dir == clus)
			return -EINVAL;
		err = fat_dir_read_entry(fs, dir, FAT_DIRENT, de);
		if (err)
			return err;
		dir = fat_dir_of(fs, fat_de_first(fs, de));
	}
	return 0;
}

static int fat_rename(struct vnode *fv, const char *from, size_t flen, struct vnode *tv,
		      const char *to, size_t tlen)
{
	struct fat_node *fd = node_of(fv), *td = node_of(tv), *n;
	struct fat_fs *fs = fd->fs;
	uint16_t fname[FAT_NAME16_MAX + 1], tname[FAT_NAME16_MAX + 1];
	struct fat_dirent *src, *dst;
	uint8_t de[FAT_DIRENT];
	unsigned flen16, tlen16;
	uint32_t off, first;
	bool is_dir;
	int err = dir_name(fv, from, flen, true, fname, &flen16);

	if (err)
		return err == -EINVAL ? -ENOENT : err;
	err = dir_name(tv, to, tlen, true, tname, &tlen16);
	if (err)
		return err;
	src = kmalloc(2 * sizeof(*src));
	if (!src)
		return -ENOMEM;
	dst = src + 1;
	err = fat_dir_find(fs, dir_clus(fd), fname, flen16, src);
	if (err)
		goto out;
	is_dir = src->de[DE_ATTR] & FAT_ATTR_DIR;
	first = fat_de_first(fs, src->de);
	if (is_dir) {
		err = check_not_inside(fs, dir_clus(td), first);
		if (err)
			goto out;
	}
	err = fat_dir_find(fs, dir_clus(td), tname, tlen16, dst);
	if (!err && fd == td && dst->off == src->off) {
		if (flen16 == tlen16 && !memcmp(fname, tname, 2 * flen16))
			goto out;
	} else if (!err) {
		bool dst_dir = dst->de[DE_ATTR] & FAT_ATTR_DIR;

		if (is_dir != dst_dir) {
			err = is_dir ? -ENOTDIR : -EISDIR;
			goto out;
		}
		if (dst_dir) {
			err = fat_dir_empty(fs, fat_de_first(fs, dst->de));
			if (err <= 0) {
				err = err ? err : -ENOTEMPTY;
				goto out;
			}
		}
		err = drop_entry(fs, dir_clus(td), dst);
		if (err)
			goto out;
	} else if (err != -ENOENT) {
		goto out;
	}
	memcpy(de, src->de, FAT_DIRENT);
	err = fat_dir_add(fs, dir_clus(td), tname, tlen16, de, &off);
	if (!err)
		err = fat_dir_remove(fs, dir_clus(fd), src);
	if (!err && is_dir && fd != td) {
		uint8_t dotdot[FAT_DIRENT];

		err = fat_dir_read_entry(fs, first, FAT_DIRENT, dotdot);
		fat_de_set_first(dotdot, td == fs->root ? 0 : dir_clus(td));
		if (!err)
			err = fat_dir_write_entry(fs, first, FAT_DIRENT, dotdot);
	}
	n = node_find(fs, dir_clus(fd), src->off);
	if (!err && n) {
		n->dir = dir_clus(td);
		n->off = off;
		memcpy(n->de, de, 11);
		n->de[DE_LCASE] = de[DE_LCASE];
	}
	fd->written = td->written = true;
out:
	kfree(src);
	return err;
}

static int fat_readdir(struct vnode *dv, uint64_t *pos, struct vfs_dirent *out)
{
	struct fat_node *d = node_of(dv), *n;
	struct fat_dirent e;
	struct fat_dcur c;
	int r;

	if (!dv->is_dir)
		return -ENOTDIR;
	if (d->unlinked || *pos >= FAT_DIR_MAX)
		return 0;
	/* With the index the seek below takes one step, not a walk. */
	fat_index_get(d->fs, dir_clus(d), true);
	r = fat_dcur_seek(d->fs, &c, dir_clus(d), (uint32_t)*pos);
	if (r)
		return r;
	while ((r = fat_dir_next(d->fs, &c, &e)) == 1) {
		*pos = c.off;
		if (!fat_name_to_utf8(e.name, e.len, out->name, sizeof(out->name)))
			continue;
		n = node_find(d->fs, dir_clus(d), e.off);
		out->ino = n ? n->ino : fat_ino(d->fs, dir_clus(d), e.off, e.de);
		out->type = e.de[DE_ATTR] & FAT_ATTR_DIR ? DT_DIR : DT_REG;
		return 1;
	}
	return r;
}

/* Bytes in a directory's cluster chain. */
static uint64_t dir_size(struct fat_node *n)
{
	struct fat_fs *fs = n->fs;
	uint32_t c = dir_clus(n), count = 0;

	if (!c)
		return (uint64_t)fs->root_secs * fs->bps;
	while (c && count < FAT_DIR_MAX / fs->csize) {
		count++;
		if (fat_next(fs, c, &c))
			break;
	}
	return (uint64_t)count * fs->csize;
}

static int fat_getattr(struct vnode *v, struct vfs_attr *a)
{
	struct fat_node *n = node_of(v);
	struct fat_fs *fs = n->fs;

	memset(a, 0, sizeof(*a));
	a->blksize = fs->csize;
	if (v->is_dir) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
		a->size = dir_size(n);
	} else {
		a->mode = S_IFREG | 0644;
		a->nlink = 1;
		a->size = n->size;
	}
	a->blocks = (a->size + fs->csize - 1) / fs->csize * (fs->csize / 512);
	if (n == fs->root) {
		a->ino = 1;
		return 0;
	}
	a->ino = n->ino;
	if (n->de[DE_ATTR] & FAT_ATTR_RO)
		a->mode &= ~0222u;
	a->mtime = fat_time_from_fat(le16_load(n->de + DE_MDATE), le16_load(n->de + DE_MTIME));
	a->ctime = a->mtime;
	a->atime = fat_time_from_fat(le16_load(n->de + DE_ADATE), 0);
	return 0;
}

static int fat_setattr(struct vnode *v, const struct vfs_attr *a, unsigned mask)
{
	struct fat_node *n = node_of(v);
	uint16_t date, time;

	if (n->fs->readonly)
		return -EROFS;
	if (n == n->fs->root)
		return 0;
	if (mask & VFS_SET_MODE) {
		n->de[DE_ATTR] &= ~FAT_ATTR_RO;
		if (!(a->mode & 0200))
			n->de[DE_ATTR] |= FAT_ATTR_RO;
	}
	if (mask & VFS_SET_ATIME) {
		fat_time_to_fat(a->atime, &date, &time, NULL);
		le16_store(n->de + DE_ADATE, date);
	}
	if (mask & VFS_SET_MTIME) {
		fat_time_to_fat(a->mtime, &date, &time, NULL);
		le16_store(n->de + DE_MDATE, date);
		le16_store(n->de + DE_MTIME, time);
	}
	return fat_node_write_entry(n);
}

static int fat_fsync(struct vnode *v)
{
	struct fat_node *n = node_of(v);

	return n->fs->readonly ? 0 : fat_fs_sync(n->fs);
}

static void fat_release(struct vnode *v)
{
	struct fat_node *n = node_of(v), **p;
	struct fat_fs *fs = n->fs;

	if (n == fs->root)
		return;
	for (p = &fs->nodes; *p && *p != n; p = &(*p)->next)
		;
	if (*p)
		*p = n->next;
	if (n->unlinked && !fs->readonly)
		fat_free_chain(fs, n->first);
	if ((n->written || n->unlinked) && !fs->readonly)
		fat_fs_sync(fs);
	kfree(n);
}

const struct vnode_ops fat_vnode_ops = {
    .lookup = fat_lookup,
    .create = fat_create,
    .mkdir = fat_mkdir,
    .unlink = fat_unlink,
    .rmdir = fat_rmdir,
    .rename = fat_rename,
    .readdir = fat_readdir,
    .read = fat_file_read,
    .write = fat_file_write,
    .truncate = fat_file_truncate,
    .allocate = fat_file_allocate,
    .getattr = fat_getattr,
    .setattr = fat_setattr,
    .fsync = fat_fsync,
    .release = fat_release,
};

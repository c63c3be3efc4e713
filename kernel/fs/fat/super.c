/*
 * Mounting FAT: the boot sector's BIOS parameter block is checked field by
 * field (a corrupt or foreign disk is refused with -EINVAL and a kernel-log
 * line saying why, never trusted), the FAT type follows from the cluster
 * count as the specification says, and the free-cluster count comes from
 * the FAT32 FSInfo sector when it is plausible, otherwise from counting.
 * Also statfs, sync (which writes FSInfo back) and unmount, and the
 * file-system type the VFS mounts by name, "vfat".
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unishyper/blockdev.h>
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>

#include "fat.h"

#define CACHE_BYTES  (256 * 1024)
#define FSINFO_LEAD  0x41615252
#define FSINFO_STRUC 0x61417272
#define FSINFO_TRAIL 0xaa550000

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int bad(struct blockdev *dev, const char *why)
{
	printk("fat: %s: not mountable: %s\n", dev->name, why);
	return -EINVAL;
}

/* Fills the geometry of fs from boot sector bs. */
static int parse_bpb(struct fat_fs *fs, const uint8_t *bs)
{
	struct blockdev *dev = fs->dev;
	uint32_t reserved, root_ents, total, fatsz, clusters, entries;

	fs->bps = le16_load(bs + 11);
	fs->spc = bs[13];
	reserved = le16_load(bs + 14);
	fs->nfats = bs[16];
	root_ents = le16_load(bs + 17);
	total = le16_load(bs + 19) ? le16_load(bs + 19) : le32_load(bs + 32);
	fatsz = le16_load(bs + 22) ? le16_load(bs + 22) : le32_load(bs + 36);
	if (le16_load(bs + 510) != 0xaa55 && bs[0] != 0xeb && bs[0] != 0xe9)
		return bad(dev, "no boot sector signature");
	if (fs->bps < 512 || fs->bps > 4096 || !pow2(fs->bps))
		return bad(dev, "bytes per sector not 512, 1024, 2048 or 4096");
	if (fs->bps < dev->sector_size)
		return bad(dev, "sectors smaller than the device's");
	if (!pow2(fs->spc) || fs->spc * fs->bps > 65536)
		return bad(dev, "sectors per cluster not a power of two up to 64 KiB");
	if (!reserved)
		return bad(dev, "no reserved sectors");
	if (!fs->nfats || fs->nfats > 4)
		return bad(dev, "FAT count not 1 to 4");
	if (!total || !fatsz)
		return bad(dev, "zero total sectors or FAT size");
	if ((uint64_t)total * fs->bps > dev->sectors * dev->sector_size)
		return bad(dev, "file system larger than the device");
	fs->csize = fs->bps * fs->spc;
	fs->fat_start = reserved;
	fs->fat_secs = fatsz;
	fs->root_start = reserved + fs->nfats * fatsz;
	fs->root_secs = (root_ents * FAT_DIRENT + fs->bps - 1) / fs->bps;
	fs->data_start = fs->root_start + fs->root_secs;
	if ((uint64_t)reserved + (uint64_t)fs->nfats * fatsz + fs->root_secs >= total)
		return bad(dev, "no room for data");
	clusters = (total - fs->data_start) / fs->spc;
	fs->type = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
	if (!clusters || clusters > 0x0ffffff4)
		return bad(dev, "cluster count out of range");
	fs->nclusters = clusters;
	entries = (uint32_t)((uint64_t)fatsz * fs->bps * 8 / (uint32_t)fs->type);
	if (entries < clusters + 2)
		return bad(dev, "FAT too small for the clusters");
	if (fs->type != 32) {
		if (!root_ents || !le16_load(bs + 22))
			return bad(dev, "FAT12/16 without a root directory or FAT size");
		return 0;
	}
	if (root_ents || le16_load(bs + 22))
		return bad(dev, "FAT32 with FAT16 fields set");
	if (le16_load(bs + 42))
		return bad(dev, "unknown FAT32 version");
	fs->root_clus = le32_load(bs + 44);
	if (!fat_is_data(fs, fs->root_clus))
		return bad(dev, "root cluster out of range");
	fs->fsinfo = le16_load(bs + 48);
	if (fs->fsinfo >= reserved || fs->fsinfo == 0xffff)
		fs->fsinfo = 0;
	return 0;
}

/* Takes the free count and hint from FSInfo when they are plausible. */
static int read_fsinfo(struct fat_fs *fs)
{
	struct bcache_buf *b;
	uint8_t *p;
	uint32_t free, next;
	int err;

	if (!fs->fsinfo)
		return 1;
	err = bcache_get(fs->bc, fs->fsinfo, false, &b);
	if (err)
		return err;
	p = b->data;
	free = le32_load(p + 488);
	next = le32_load(p + 492);
	if (le32_load(p) != FSINFO_LEAD || le32_load(p + 484) != FSINFO_STRUC ||
	    le32_load(p + 508) != FSINFO_TRAIL)
		fs->fsinfo = 0;
	bcache_put(fs->bc, b);
	if (!fs->fsinfo || free > fs->nclusters)
		return 1;
	fs->free = free;
	if (fat_is_data(fs, next))
		fs->next_free = next;
	return 0;
}

static int write_fsinfo(struct fat_fs *fs)
{
	struct bcache_buf *b;
	int err;

	if (!fs->fsinfo || !fs->fsinfo_dirty)
		return 0;
	err = bcache_get(fs->bc, fs->fsinfo, false, &b);
	if (err)
		return err;
	le32_store(b->data + 488, fs->free);
	le32_store(b->data + 492, fs->next_free);
	bcache_dirty(b);
	bcache_put(fs->bc, b);
	fs->fsinfo_dirty = false;
	return 0;
}

int fat_fs_sync(struct fat_fs *fs)
{
	int err;

	if (fs->readonly)
		return 0;
	err = write_fsinfo(fs);
	if (!err)
		err = bcache_flush(fs->bc);
	for (struct fat_node *n = fs->nodes; n && !err; n = n->next)
		n->written = false;
	return err;
}

static void fat_unmount(void *p)
{
	struct fat_fs *fs = p;

	fat_fs_sync(fs);
	fat_index_drop_all(fs);
	htab_destroy(&fs->indexes);
	while (fs->nodes) {
		struct fat_node *n = fs->nodes;

		fs->nodes = n->next;
		kfree(n);
	}
	kfree(fs->root);
	bcache_destroy(fs->bc);
	kfree(fs);
}

static int make_root(struct fat_fs *fs)
{
	struct fat_node *r = kzalloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->vn.ops = &fat_vnode_ops;
	r->vn.refs = 1;
	r->vn.is_dir = true;
	r->vn.priv = r;
	r->fs = fs;
	r->first = fs->root_clus;
	r->de[DE_ATTR] = FAT_ATTR_DIR;
	r->ino = 1;
	fs->root = r;
	return 0;
}

static int fat_mount(void *source, bool readonly, struct vnode **root, void **out)
{
	struct blockdev *dev = source;
	struct fat_fs *fs;
	uint8_t *bs;
	int err;

	if (!dev || dev->sector_size < 512 || dev->sector_size > 4096 || !dev->sectors)
		return -EINVAL;
	fs = kzalloc(sizeof(*fs));
	bs = kmalloc(dev->sector_size);
	if (!fs || !bs) {
		kfree(fs);
		kfree(bs);
		return -ENOMEM;
	}
	fs->dev = dev;
	fs->readonly = readonly || dev->readonly;
	err = dev->read(dev, 0, 1, bs) ? -EIO : parse_bpb(fs, bs);
	kfree(bs);
	if (!err) {
		fs->bc = bcache_create(dev, fs->bps,
				       CACHE_BYTES / fs->bps > 16 ? CACHE_BYTES / fs->bps : 16);
		err = fs->bc ? 0 : -ENOMEM;
	}
	fs->next_free = 2;
	list_init(&fs->index_lru);
	htab_init(&fs->indexes); /* without it, directories are walked */
	if (!err && (err = read_fsinfo(fs)) > 0)
		err = fat_count_free(fs);
	if (!err)
		err = make_root(fs);
	if (err) {
		htab_destroy(&fs->indexes);
		bcache_destroy(fs->bc);
		kfree(fs);
		return err;
	}
	*root = &fs->root->vn;
	*out = fs;
	return 0;
}

static int fat_statfs(void *p, struct vfs_statfs *out)
{
	struct fat_fs *fs = p;

	memset(out, 0, sizeof(*out));
	out->magic = 0x4d44;
	out->bsize = fs->csize;
	out->blocks = fs->nclusters;
	out->bfree = fs->free;
	out->name_max = VFS_NAME_MAX;
	return 0;
}

static int fat_sync(void *p)
{
	return fat_fs_sync(p);
}

static const struct fs_ops fat_ops = {
    .mount = fat_mount,
    .statfs = fat_statfs,
    .sync = fat_sync,
    .unmount = fat_unmount,
};

const struct fs_type fat_fs_type = {"vfat", &fat_ops};

/*
 * FAT12/16/32 with VFAT long names: what the files of kernel/fs/fat share.
 * super.c mounts (the boot sector), table.c keeps the allocation table,
 * name.c converts and checks names, dir.c reads and changes directory
 * entries, index.c keeps directories' names in memory, node.c holds the vnodes and the directory operations, file.c
 * reads and writes file data. All sector I/O goes through the block cache,
 * in blocks of the file system's own sector size; the VFS serialises every
 * call into one mount, so nothing here locks.
 */
#ifndef FAT_FAT_H
#define FAT_FAT_H

#include <stdbool.h>
#include <stdint.h>

#include <unishyper/bcache.h>
#include <unishyper/endian.h>
#include <unishyper/htab.h>
#include <unishyper/list.h>
#include <unishyper/vfs.h>

#define FAT_ATTR_RO	0x01
#define FAT_ATTR_VOLUME 0x08
#define FAT_ATTR_DIR	0x10
#define FAT_ATTR_ARCH	0x20
#define FAT_ATTR_LFN	0x0f

#define FAT_DIRENT     32
#define FAT_DIR_MAX    (65536u * FAT_DIRENT) /* the most a directory may hold */
#define FAT_LFN_CHARS  13
#define FAT_NAME16_MAX 255

/* Short entry fields (offsets in the 32-byte entry). */
#define DE_NAME	    0
#define DE_ATTR	    11
#define DE_LCASE    12
#define DE_CTIME_MS 13
#define DE_CTIME    14
#define DE_CDATE    16
#define DE_ADATE    18
#define DE_CLUS_HI  20
#define DE_MTIME    22
#define DE_MDATE    24
#define DE_CLUS_LO  26
#define DE_SIZE	    28

#define FAT_LCASE_BASE 0x08
#define FAT_LCASE_EXT  0x10

struct fat_node;

struct fat_fs {
	struct blockdev *dev;
	struct bcache *bc;
	bool readonly;
	int type;		  /* 12, 16 or 32 */
	uint32_t bps, spc, csize; /* bytes per sector, sectors and bytes per cluster */
	uint32_t fat_start, fat_secs, nfats;
	uint32_t root_start, root_secs; /* the fixed root of FAT12/16 */
	uint32_t data_start;
	uint32_t nclusters; /* data clusters are 2 .. nclusters + 1 */
	uint32_t root_clus; /* FAT32; 0 otherwise */
	uint32_t fsinfo;    /* FSInfo sector of FAT32, 0 when none */
	uint32_t free, next_free;
	bool fsinfo_dirty;
	struct fat_node *root;
	struct fat_node *nodes; /* every other node with references */
	struct htab indexes;	/* struct fat_index by directory (index.c) */
	struct list_node index_lru;
	unsigned nindexes;
};

struct fat_node {
	struct vnode vn;
	struct fat_fs *fs;
	struct fat_node *next;
	uint64_t ino;
	uint32_t dir, off; /* parent directory's first cluster, entry offset */
	uint32_t first, size;
	uint8_t de[FAT_DIRENT];	    /* the short entry as last written */
	bool unlinked;		    /* no entry any more: free the clusters on release */
	bool written;		    /* changed since the last sync */
	uint32_t cur_idx, cur_clus; /* cur_clus is cluster number cur_idx of the chain */
	uint32_t nclus;		    /* clusters in the chain, 0 until walked to its end */
};

/* One name found in a directory. */
struct fat_dirent {
	uint8_t de[FAT_DIRENT]; /* the short entry */
	uint32_t off;		/* byte offset of the short entry */
	uint32_t start;		/* byte offset of its first (long-name) slot */
	uint16_t name[FAT_NAME16_MAX + 1];
	unsigned len;
};

static inline uint32_t fat_de_first(const struct fat_fs *fs, const uint8_t *de)
{
	uint32_t hi = fs->type == 32 ? (uint32_t)le16_load(de + DE_CLUS_HI) << 16 : 0;

	return hi | le16_load(de + DE_CLUS_LO);
}

static inline void fat_de_set_first(uint8_t *de, uint32_t clus)
{
	le16_store(de + DE_CLUS_HI, (uint16_t)(clus >> 16));
	le16_store(de + DE_CLUS_LO, (uint16_t)clus);
}

static inline uint64_t fat_clus_sector(const struct fat_fs *fs, uint32_t clus)
{
	return fs->data_start + (uint64_t)(clus - 2) * fs->spc;
}

/* A directory's first cluster from a ".." entry's (0 means the root). */
static inline uint32_t fat_dir_of(const struct fat_fs *fs, uint32_t clus)
{
	return clus ? clus : fs->root_clus;
}

/* table.c: the allocation table. Each returns 0 or a negative errno. */
bool fat_is_data(const struct fat_fs *fs, uint32_t clus);
int fat_get(struct fat_fs *fs, uint32_t clus, uint32_t *val);
int fat_set(struct fat_fs *fs, uint32_t clus, uint32_t val);
/* *next: the following cluster, 0 at the end of the chain; -EIO when the
 * entry is free, bad or out of range. */
int fat_next(struct fat_fs *fs, uint32_t clus, uint32_t *next);
/* Takes a free cluster, ends a chain with it (linked after prev unless 0)
 * and zeroes it when zero is set. -ENOSPC when the disk is full. */
int fat_alloc(struct fat_fs *fs, uint32_t prev, bool zero, uint32_t *out);
int fat_free_chain(struct fat_fs *fs, uint32_t first);
int fat_count_free(struct fat_fs *fs);
uint32_t fat_eoc(const struct fat_fs *fs);

/* name.c */
int fat_name_from_utf8(const char *s, size_t len, uint16_t *out, unsigned *outlen);
size_t fat_name_to_utf8(const uint16_t *u, unsigned len, char *out, size_t cap);
bool fat_name_eq(const uint16_t *a, unsigned alen, const uint16_t *b, unsigned blen);
uint8_t fat_sfn_checksum(const uint8_t *sfn);
unsigned fat_sfn_to_name(const uint8_t *de, uint16_t *out);
bool fat_sfn_exact(const uint16_t *name, unsigned len, uint8_t *sfn, uint8_t *lcase);
void fat_sfn_basis(const uint16_t *name, unsigned len, uint8_t *sfn);
void fat_sfn_tail(uint8_t *sfn, const uint8_t *basis, unsigned n);
unsigned fat_sfn_tail_of(const uint8_t *basis, const uint8_t *sfn);
/* A hash of name that ignores case as fat_name_eq() does. */
uint32_t fat_name_hash(const uint16_t *name, unsigned len);

/* dir.c: directories by first cluster (0: the fixed root of FAT12/16). */
struct fat_dcur {
	uint32_t dir, clus, off; /* clus holds off (chain directories) */
};
int fat_dcur_seek(struct fat_fs *fs, struct fat_dcur *c, uint32_t dir, uint32_t off);
/* Copies the 32-byte slot at the cursor and moves on: 0, 1 at the end. */
int fat_dcur_read(struct fat_fs *fs, struct fat_dcur *c, uint8_t *ent);
/* The next name at the cursor: 1 (and the cursor is past it), 0 at the end. */
int fat_dir_next(struct fat_fs *fs, struct fat_dcur *c, struct fat_dirent *e);
/* Finds name: 0, -ENOENT. */
int fat_dir_find(struct fat_fs *fs, uint32_t dir, const uint16_t *name, unsigned len,
		 struct fat_dirent *e);
/* Adds name with the short entry de (its name field is chosen here). */
int fat_dir_add(struct fat_fs *fs, uint32_t dir, const uint16_t *name, unsigned len, uint8_t *de,
		uint32_t *off);
/* Removes e, found in dir by fat_dir_find(). */
int fat_dir_remove(struct fat_fs *fs, uint32_t dir, const struct fat_dirent *e);
int fat_dir_write_entry(struct fat_fs *fs, uint32_t dir, uint32_t off, const uint8_t *de);
int fat_dir_read_entry(struct fat_fs *fs, uint32_t dir, uint32_t off, uint8_t *de);
/* 1 when the directory holds nothing but "." and "..". */
int fat_dir_empty(struct fat_fs *fs, uint32_t dir);

/* index.c: the in-memory index of a directory's entries. fat_index_get
 * returns the index of dir, building it when build is set; NULL when
 * there is none (out of memory: the caller walks the directory). */
struct fat_index;
struct fat_index *fat_index_get(struct fat_fs *fs, uint32_t dir, bool build);
void fat_index_drop(struct fat_fs *fs, uint32_t dir);
void fat_index_drop_all(struct fat_fs *fs);
/* The cluster of the directory that holds byte off, 0 past its end. */
uint32_t fat_index_cluster(const struct fat_index *ix, uint32_t off, uint32_t csize);
/* As fat_dir_find. */
int fat_index_find(struct fat_fs *fs, struct fat_index *ix, const uint16_t *name, unsigned len,
		   struct fat_dirent *e);
/* The first free "~N" short name of basis into sfn: 0, -ENOSPC, -ENOMEM. */
int fat_index_tail(struct fat_fs *fs, struct fat_index *ix, const uint8_t *basis, uint8_t *sfn);
/* Room for need slots (*start, a byte offset), growing the directory:
 * 0, -ENOSPC, -ENOMEM (the index no longer matches: drop it), -EIO. */
int fat_index_place(struct fat_fs *fs, struct fat_index *ix, unsigned need, uint32_t *start);
/* An entry was written (-ENOMEM: drop the index) or removed. */
int fat_index_add(struct fat_index *ix, const struct fat_dirent *e);
void fat_index_remove(struct fat_index *ix, const struct fat_dirent *e);

/* node.c */
extern const struct vnode_ops fat_vnode_ops;
uint64_t fat_ino(const struct fat_fs *fs, uint32_t dir, uint32_t off, const uint8_t *de);
void fat_time_to_fat(uint64_t ns, uint16_t *date, uint16_t *time, uint8_t *ms10);
uint64_t fat_time_from_fat(uint16_t date, uint16_t time);
int fat_node_write_entry(struct fat_node *n);
void fat_node_touch(struct fat_node *n, bool modify);

/* file.c */
ssize_t fat_file_read(struct vnode *v, void *buf, size_t n, uint64_t off);
ssize_t fat_file_write(struct vnode *v, const void *buf, size_t n, uint64_t off);
int fat_file_truncate(struct vnode *v, uint64_t size);
int fat_file_allocate(struct vnode *v, uint64_t off, uint64_t len);

/* super.c */
int fat_fs_sync(struct fat_fs *fs);

#endif

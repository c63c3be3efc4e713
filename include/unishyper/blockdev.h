/*
 * Block devices: what disk drivers (virtio-blk) provide and file systems
 * (FAT, through the block cache) use. Sectors are the device's own size.
 */
#ifndef UNISHYPER_BLOCKDEV_H
#define UNISHYPER_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

struct blockdev {
	char name[8];         /* "vda", "vdb", ... */
	uint32_t sector_size; /* bytes, a power of two >= 512 */
	uint64_t sectors;
	bool readonly;
	/* Each returns 0 or a negative errno: -EIO for a device error, -EROFS
	 * for a write to a read-only device, -EINVAL beyond the end. Several
	 * calls may be in flight from different threads. */
	int (*read)(struct blockdev *d, uint64_t sector, uint32_t count, void *buf);
	int (*write)(struct blockdev *d, uint64_t sector, uint32_t count, const void *buf);
	int (*flush)(struct blockdev *d); /* written data reaches the disk */
	void *priv;
};

#define BLOCKDEV_MAX 8

/* Adds a device (drivers, at boot); returns its index or -ENOSPC. */
int blockdev_register(struct blockdev *d);

/* The index-th registered device, or NULL. */
struct blockdev *blockdev_get(int index);

#endif

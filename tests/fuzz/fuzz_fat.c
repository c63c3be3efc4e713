/*
 * libFuzzer target for the FAT file system (kernel/fs/fat/), which parses
 * whatever disk it is given.
 *
 * The input is the start of a disk image in a memory block device; the
 * device is as large as the boot sector claims (up to 4 MiB, zeros past
 * the input), so a seed only needs the image's metadata. The image is
 * mounted read-only and then read-write; each time every directory is
 * walked (readdir, lookup of each name, getattr, reading each file), and
 * the writable mount also creates, writes, renames and removes a file and
 * a directory before unmounting. Only sanitizer reports and hangs count as
 * failures: a corrupt image may well give errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unishyper/blockdev.h>
#include <unishyper/kmalloc.h>
#include <unishyper/vfs.h>

#define DEV_MAX	    (4u << 20)
#define DEPTH_MAX   4
#define ENTRIES_MAX 64
#define READ_MAX    (64u << 10)

void printk(const char *fmt, ...)
{
	(void)fmt;
}

uint64_t time_realtime_ns(void)
{
	return 1700000000ull * 1000000000ull;
}

void *kmalloc(size_t size)
{
	return size ? malloc(size) : NULL;
}

void *kzalloc(size_t size)
{
	return size ? calloc(1, size) : NULL;
}

void *krealloc(void *p, size_t size)
{
	return realloc(p, size);
}

void kfree(void *p)
{
	free(p);
}

static int mem_read(struct blockdev *d, uint64_t sector, uint32_t count, void *buf)
{
	if (sector > d->sectors || count > d->sectors - sector)
		return -EINVAL;
	memcpy(buf, (uint8_t *)d->priv + sector * 512, count * 512ul);
	return 0;
}

static int mem_write(struct blockdev *d, uint64_t sector, uint32_t count, const void *buf)
{
	if (sector > d->sectors || count > d->sectors - sector)
		return -EINVAL;
	memcpy((uint8_t *)d->priv + sector * 512, buf, count * 512ul);
	return 0;
}

static int mem_flush(struct blockdev *d)
{
	(void)d;
	return 0;
}

static void put(struct vnode *v)
{
	if (--v->refs == 0)
		v->ops->release(v);
}

static void walk(struct vnode *dir, int depth)
{
	static uint8_t buf[4096];
	struct vfs_dirent d;
	uint64_t pos = 0;

	for (int i = 0; i < ENTRIES_MAX && dir->ops->readdir(dir, &pos, &d) == 1; i++) {
		struct vfs_attr a;
		struct vnode *v;

		if (dir->ops->lookup(dir, d.name, strlen(d.name), &v))
			continue;
		v->ops->getattr(v, &a);
		if (v->is_dir && depth < DEPTH_MAX)
			walk(v, depth + 1);
		for (uint64_t off = 0; !v->is_dir && off < READ_MAX; off += sizeof(buf)) {
			if (v->ops->read(v, buf, sizeof(buf), off) <= 0)
				break;
		}
		put(v);
	}
}

static void change(struct vnode *root)
{
	static const uint8_t data[3000] = {1, 2, 3};
	struct vnode *v;

	if (root->ops->create(root, "fuzz file.txt", 13, 0644, &v) == 0) {
		v->ops->write(v, data, sizeof(data), 0);
		v->ops->write(v, data, 10, 9000);
		v->ops->truncate(v, 100);
		v->ops->fsync(v);
		put(v);
	}
	root->ops->mkdir(root, "D", 1, 0755);
	root->ops->rename(root, "fuzz file.txt", 13, root, "moved", 5);
	root->ops->unlink(root, "moved", 5);
	root->ops->rmdir(root, "D", 1);
}

static void run(struct blockdev *dev, bool ro)
{
	struct vfs_statfs sf;
	struct vnode *root;
	void *fs;

	if (fat_fs_type.ops->mount(dev, ro, &root, &fs))
		return;
	fat_fs_type.ops->statfs(fs, &sf);
	walk(root, 0);
	if (!ro) {
		change(root);
		walk(root, 0);
		fat_fs_type.ops->sync(fs);
	}
	put(root);
	fat_fs_type.ops->unmount(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct blockdev dev = {.name = "fuzz", .sector_size = 512};
	uint64_t size = len > DEV_MAX ? DEV_MAX : len;

	if (len >= 512) {
		uint64_t bps = data[11] | data[12] << 8;
		uint64_t total = data[19] | data[20] << 8;

		if (!total)
			total =
			    data[32] | data[33] << 8 | data[34] << 16 | (uint64_t)data[35] << 24;
		if (total * bps > size && total * bps <= DEV_MAX)
			size = total * bps;
	}
	dev.sectors = size / 512;
	dev.read = mem_read;
	dev.write = mem_write;
	dev.flush = mem_flush;
	dev.priv = calloc(1, size + 512);
	if (!dev.priv)
		return 0;
	memcpy(dev.priv, data, len < size ? len : size);
	run(&dev, true);
	run(&dev, false);
	free(dev.priv);
	return 0;
}

/*
 * Block devices through the kernel's blockdev interface (virtio-blk over
 * virtio-mmio on microvm, virtio-pci on q35): concurrent writes and reads
 * from several threads, flush, bounds and read-only checks, and a quick
 * sequential throughput figure printed as a TAP comment.
 *
 * Run with a writable disk as vda (at least 8 MiB) and, optionally, a
 * read-only one as vdb:
 *   unishyper-run build/tests/kblk.img --disk a.img --disk b.img:ro
 * The test leaves "unishyper blk test" at the start of vda's sector 1, so
 * the runner can check on the host that the data reached the file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unishyper/blockdev.h>

#include "../guest/tap.h"

#define THREADS 4
#define AREA 1024 /* sectors per thread */
#define SEQ_BYTES (4u << 20)
#define CHUNK (64u << 10)

static struct blockdev *dev;
static int thread_errors[THREADS];

static uint8_t pattern(int t, uint64_t sector, unsigned i)
{
	return (uint8_t)(t * 37 + sector * 11 + i * 7 + (i >> 8));
}

static void fill(uint8_t *buf, int t, uint64_t sector, uint32_t count)
{
	for (uint32_t s = 0; s < count; s++)
		for (unsigned i = 0; i < dev->sector_size; i++)
			buf[s * dev->sector_size + i] = pattern(t, sector + s, i);
}

/* Each thread owns AREA sectors from 64 + t * AREA and writes them in runs
 * of 1 to 200 sectors (so some cross a bounce buffer), reading each run
 * back at once. */
static void *writer(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t first = 64 + (uint64_t)t * AREA, s = first;
	uint8_t *buf = malloc(200 * dev->sector_size), *back = malloc(200 * dev->sector_size);
	unsigned seed = (unsigned)t + 1;

	while (s < first + AREA) {
		uint32_t n = 1 + (uint32_t)(rand_r(&seed) % 200);
		if (s + n > first + AREA)
			n = (uint32_t)(first + AREA - s);
		fill(buf, t, s, n);
		if (dev->write(dev, s, n, buf))
			thread_errors[t]++;
		memset(back, 0, n * dev->sector_size);
		if (dev->read(dev, s, n, back) || memcmp(buf, back, n * dev->sector_size))
			thread_errors[t]++;
		s += n;
	}
	free(buf);
	free(back);
	return NULL;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void throughput(void)
{
	uint8_t *buf = malloc(CHUNK);
	uint32_t per = CHUNK / dev->sector_size;
	uint64_t start = 64 + THREADS * AREA;
	int err = 0;

	if ((start + SEQ_BYTES / dev->sector_size) > dev->sectors) {
		printf("# disk too small for the throughput figure\n");
		free(buf);
		return;
	}
	memset(buf, 0x5a, CHUNK);
	double t0 = seconds();
	for (uint32_t off = 0; off < SEQ_BYTES; off += CHUNK)
		err |= dev->write(dev, start + off / dev->sector_size, per, buf);
	err |= dev->flush(dev);
	double t1 = seconds();
	for (uint32_t off = 0; off < SEQ_BYTES; off += CHUNK)
		err |= dev->read(dev, start + off / dev->sector_size, per, buf);
	double t2 = seconds();
	CHECK(!err, "sequential 4 MiB write and read in 64 KiB requests");
	printf("# sequential write %.1f MiB/s, read %.1f MiB/s (64 KiB requests, one thread)\n",
	       SEQ_BYTES / 1048576.0 / (t1 - t0), SEQ_BYTES / 1048576.0 / (t2 - t1));
	free(buf);
}

int main(void)
{
	pthread_t th[THREADS];

	dev = blockdev_get(0);
	CHECK(dev != NULL, "block device 0 exists");
	if (!dev)
		return tap_done();
	CHECK(dev->sector_size >= 512 && !(dev->sector_size & (dev->sector_size - 1)) &&
		      dev->sectors >= 64 + THREADS * AREA && !dev->readonly,
	      "%s: %llu sectors of %u bytes, writable", dev->name,
	      (unsigned long long)dev->sectors, dev->sector_size);

	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	int errors = 0;
	for (int t = 0; t < THREADS; t++)
		errors += thread_errors[t];
	CHECK(errors == 0, "%d threads write and read back their areas at once (%d errors)",
	      THREADS, errors);
	CHECK(dev->flush(dev) == 0, "flush");

	/* Everything again, in one large read per area. */
	uint8_t *want = malloc(AREA * dev->sector_size), *got = malloc(AREA * dev->sector_size);
	int bad = 0;
	for (int t = 0; t < THREADS; t++) {
		uint64_t first = 64 + (uint64_t)t * AREA;
		fill(want, t, first, AREA);
		if (dev->read(dev, first, AREA, got) || memcmp(want, got, AREA * dev->sector_size))
			bad++;
	}
	CHECK(bad == 0, "the areas read back whole after the flush");

	uint8_t *one = calloc(1, dev->sector_size);
	CHECK(dev->read(dev, dev->sectors, 1, one) == -EINVAL, "read at the end: -EINVAL");
	CHECK(dev->read(dev, dev->sectors - 1, 2, got) == -EINVAL,
	      "read across the end: -EINVAL");
	CHECK(dev->write(dev, dev->sectors, 1, one) == -EINVAL, "write at the end: -EINVAL");
	CHECK(dev->write(dev, UINT64_MAX, 2, one) == -EINVAL, "write at 2^64-1: -EINVAL");
	CHECK(dev->read(dev, dev->sectors - 1, 1, one) == 0, "read of the last sector");

	strcpy((char *)one, "unishyper blk test");
	CHECK(dev->write(dev, 1, 1, one) == 0 && dev->flush(dev) == 0, "signature in sector 1");

	throughput();

	struct blockdev *ro = blockdev_get(1);
	if (ro) {
		CHECK(ro->readonly, "%s is read-only", ro->name);
		CHECK(ro->write(ro, 0, 1, one) == -EROFS, "write to %s: -EROFS", ro->name);
		CHECK(ro->read(ro, 0, 1, one) == 0, "read from %s", ro->name);
	} else {
		printf("# no second disk: read-only checks skipped\n");
	}
	CHECK(blockdev_get(BLOCKDEV_MAX) == NULL && blockdev_get(-1) == NULL,
	      "blockdev_get outside the table: NULL");
	return tap_done();
}

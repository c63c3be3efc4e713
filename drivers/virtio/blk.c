/*
 * virtio-blk: each device becomes a struct blockdev (vda, vdb, ...).
 *
 * Caller buffers may lie anywhere in the address space (a program's heap or
 * stack is not physically contiguous), so data moves through bounce
 * buffers in DMA memory. The device has SLOTS request slots, each with its
 * own header, status byte and bounce buffer; a counting semaphore hands
 * them out, so that many threads have requests in flight at once while the
 * queue itself is shared under its lock (virtq_transfer). A request larger
 * than a bounce buffer is split; each piece is cut into segments no larger
 * than SIZE_MAX and no more than SEG_MAX of them, as the device asks.
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/blockdev.h>
#include <unishyper/format.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/virtio.h>

#define BLK_F_SIZE_MAX (1ull << 1)
#define BLK_F_SEG_MAX (1ull << 2)
#define BLK_F_RO (1ull << 5)
#define BLK_F_BLK_SIZE (1ull << 6)
#define BLK_F_FLUSH (1ull << 9)

#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4

#define S_OK 0
#define S_UNSUPP 2

#define SLOTS 8
#define BOUNCE_PAGES 16 /* 64 KiB per slot */
#define MAX_SEGS 16

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct slot {
	struct blk_header *hdr; /* DMA page: header, then status at +16 */
	uint64_t hdr_phys;
	uint8_t *bounce;
	uint64_t bounce_phys;
	struct virtq_req req;
};

struct blk {
	struct blockdev bd;
	struct virtio_dev *dev;
	struct virtqueue *vq;
	uint32_t seg_size; /* bytes per segment */
	uint32_t max_bytes; /* per request, a multiple of the sector size */
	struct virtio_slots pool;
	struct slot slots[SLOTS];
};

static int blk_count;

static struct slot *slot_get(struct blk *b)
{
	return &b->slots[virtio_slot_get(&b->pool)];
}

static void slot_put(struct blk *b, struct slot *s)
{
	virtio_slot_put(&b->pool, (int)(s - b->slots));
}

/* One request of type with len bytes of the slot's bounce buffer. */
static int do_request(struct blk *b, struct slot *s, uint32_t type, uint64_t sector,
		      uint32_t len)
{
	struct virtq_buf bufs[MAX_SEGS + 2];
	volatile uint8_t *status = (uint8_t *)s->hdr + sizeof(struct blk_header);
	int n = 0;

	s->hdr->type = type;
	s->hdr->reserved = 0;
	s->hdr->sector = sector * (b->bd.sector_size / 512);
	*status = 0xff;
	bufs[n++] = (struct virtq_buf){ s->hdr_phys, sizeof(struct blk_header), false };
	for (uint32_t off = 0; off < len; off += b->seg_size) {
		uint32_t piece = len - off < b->seg_size ? len - off : b->seg_size;
		bufs[n++] = (struct virtq_buf){ s->bounce_phys + off, piece, type == T_IN };
	}
	bufs[n++] = (struct virtq_buf){ s->hdr_phys + sizeof(struct blk_header), 1, true };
	int err = virtq_transfer(b->vq, bufs, n, &s->req);
	if (err)
		return err;
	if (*status == S_OK)
		return 0;
	if (*status == S_UNSUPP && type != T_IN && type != T_OUT)
		return -EOPNOTSUPP;
	return -EIO;
}

static int check(struct blk *b, uint64_t sector, uint32_t count)
{
	if (sector > b->bd.sectors || count > b->bd.sectors - sector)
		return -EINVAL;
	return 0;
}

/* Reads or writes count sectors through a slot's bounce buffer, in
 * requests of at most max_bytes. */
static int transfer(struct blockdev *d, uint64_t sector, uint32_t count, uint8_t *buf, bool write)
{
	struct blk *b = d->priv;
	int err = check(b, sector, count);

	if (write && d->readonly)
		return -EROFS;
	if (err || !count)
		return err;
	struct slot *s = slot_get(b);
	uint64_t total = (uint64_t)count * d->sector_size;
	for (uint64_t done = 0; done < total && !err;) {
		uint32_t len = total - done < b->max_bytes ? (uint32_t)(total - done) : b->max_bytes;
		if (write)
			memcpy(s->bounce, buf + done, len);
		err = do_request(b, s, write ? T_OUT : T_IN, sector + done / d->sector_size, len);
		if (!err && !write)
			memcpy(buf + done, s->bounce, len);
		done += len;
	}
	slot_put(b, s);
	return err;
}

static int blk_read(struct blockdev *d, uint64_t sector, uint32_t count, void *buf)
{
	return transfer(d, sector, count, buf, false);
}

static int blk_write(struct blockdev *d, uint64_t sector, uint32_t count, const void *buf)
{
	return transfer(d, sector, count, (uint8_t *)buf, true);
}

/* Without the FLUSH feature the device has no write cache to flush: QEMU
 * then writes through, and every completed write is on the disk. */
static int blk_flush(struct blockdev *d)
{
	struct blk *b = d->priv;

	if (d->readonly || !(b->dev->features & BLK_F_FLUSH))
		return 0;
	struct slot *s = slot_get(b);
	int err = do_request(b, s, T_FLUSH, 0, 0);
	slot_put(b, s);
	return err;
}

static int slots_init(struct blk *b)
{
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &b->slots[i];
		s->hdr_phys = pmem_alloc(1);
		s->bounce_phys = pmem_alloc(BOUNCE_PAGES);
		if (!s->hdr_phys || !s->bounce_phys)
			return -ENOMEM;
		s->hdr = phys_to_virt(s->hdr_phys);
		s->bounce = phys_to_virt(s->bounce_phys);
	}
	return 0;
}

int virtio_blk_probe(struct virtio_dev *d)
{
	uint64_t wanted = BLK_F_SIZE_MAX | BLK_F_SEG_MAX | BLK_F_RO | BLK_F_BLK_SIZE | BLK_F_FLUSH;
	struct blk *b = kzalloc(sizeof(*b));

	if (!b)
		return -ENOMEM;
	if (virtio_negotiate(d, wanted))
		return -ENODEV;
	b->dev = d;
	b->vq = virtio_queue_create(d, 0, 128);
	if (!b->vq || slots_init(b)) {
		printk("virtio-blk: %s: cannot set up the queue\n", d->where);
		virtio_fail(d);
		return -ENOMEM;
	}
	uint32_t sector_size = 512;
	if (d->features & BLK_F_BLK_SIZE) {
		uint32_t bs = virtio_config_read32(d, CFG_BLK_SIZE);
		if (bs >= 512 && bs <= 4096 && !(bs & (bs - 1)))
			sector_size = bs;
	}
	/* Segments: at most SIZE_MAX bytes (whole sectors), at most SEG_MAX
	 * of them, and header and status need two more descriptors. */
	uint32_t seg_size = BOUNCE_PAGES * PAGE_SIZE, segs = MAX_SEGS;
	if (d->features & BLK_F_SIZE_MAX) {
		uint32_t m = virtio_config_read32(d, CFG_SIZE_MAX);
		if (m && m < seg_size)
			seg_size = m;
	}
	seg_size -= seg_size % sector_size;
	if (!seg_size)
		seg_size = sector_size;
	if (d->features & BLK_F_SEG_MAX) {
		uint32_t m = virtio_config_read32(d, CFG_SEG_MAX);
		if (m && m < segs)
			segs = m;
	}
	if (segs + 2 > b->vq->size)
		segs = b->vq->size - 2u;
	uint64_t max = (uint64_t)seg_size * segs;
	if (max > BOUNCE_PAGES * PAGE_SIZE)
		max = BOUNCE_PAGES * PAGE_SIZE;
	b->seg_size = seg_size;
	b->max_bytes = (uint32_t)(max - max % sector_size);
	virtio_slots_init(&b->pool, SLOTS);
	ksnprintf(b->bd.name, sizeof(b->bd.name), "vd%c", 'a' + blk_count);
	b->bd.sector_size = sector_size;
	b->bd.sectors = virtio_config_read64(d, CFG_CAPACITY) / (sector_size / 512);
	b->bd.readonly = (d->features & BLK_F_RO) != 0;
	b->bd.read = blk_read;
	b->bd.write = blk_write;
	b->bd.flush = blk_flush;
	b->bd.priv = b;
	d->driver = b;
	virtio_ready(d);
	if (blockdev_register(&b->bd) < 0) {
		printk("virtio-blk: %s: too many block devices\n", d->where);
		return -ENOSPC;
	}
	blk_count++;
	if (printk_level > 1)
		printk("virtio-blk: %s: %s, %lu sectors of %u bytes%s%s%s\n", d->where,
		       b->bd.name, b->bd.sectors, sector_size, b->bd.readonly ? ", read-only" : "",
		       d->features & BLK_F_FLUSH ? ", flush" : "", d->legacy ? ", legacy" : "");
	return 0;
}

/*
 * virtio-9p: each device is a channel to the host's 9p server
 * (include/unishyper/p9.h), found by its mount tag.
 *
 * The device has one queue; a request is two descriptors, the T-message
 * the device reads and the buffer it writes the R-message into. Both live
 * in physically contiguous DMA memory, one pair per slot, so that up to
 * SLOTS threads have requests in flight at once; the slot index is the
 * request's 9p tag.
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/kmalloc.h>
#include <unishyper/p9.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/vm.h>
#include <unishyper/virtio.h>

#define F_MOUNT_TAG (1ull << 0)
#define CFG_TAG_LEN 0
#define CFG_TAG 2

#define SLOTS 8
#define MSIZE (512u * 1024)   /* bytes of each buffer: the largest message */
#define MIN_MSIZE (16u * 1024) /* with little memory: fewer slots, then smaller */
#define MAX_RUNS 64         /* memory runs of one request's data */

struct vslot {
	struct p9_slot s;
	uint64_t req_phys, reply_phys;
	struct virtq_req vreq;
};

struct v9p {
	struct p9_chan chan;
	struct virtqueue *vq;
	struct virtio_slots pool;
	struct vslot slots[SLOTS];
};

static struct p9_slot *slot_get(struct p9_chan *c)
{
	struct v9p *p = c->priv;

	return &p->slots[virtio_slot_get(&p->pool)].s;
}

static void slot_put(struct p9_chan *c, struct p9_slot *slot)
{
	struct v9p *p = c->priv;

	virtio_slot_put(&p->pool, slot->tag);
}

/* Adds data's runs to bufs at *n. */
static void add_runs(struct virtq_buf *bufs, int *n, const struct p9_data *data)
{
	for (int i = 0; i < data->n; i++)
		bufs[(*n)++] = (struct virtq_buf){ data->runs[i].phys, data->runs[i].len, !data->out };
}

static int rpc(struct p9_chan *c, struct p9_slot *slot, uint32_t req_len,
	       const struct p9_data *data)
{
	struct v9p *p = c->priv;
	struct vslot *s = &p->slots[slot->tag];
	struct virtq_buf bufs[MAX_RUNS + 2];
	int n = 0;

	if (req_len > c->msize || (data && (data->n < 0 || data->n > MAX_RUNS)))
		return -EIO;
	bufs[n++] = (struct virtq_buf){ s->req_phys, req_len, false };
	if (data && data->out)
		add_runs(bufs, &n, data);
	bufs[n++] = (struct virtq_buf){ s->reply_phys,
					data && !data->out ? P9_RREAD_HDR : c->msize, true };
	if (data && !data->out)
		add_runs(bufs, &n, data);
	if (virtq_transfer(p->vq, bufs, n, &s->vreq))
		return -EIO;
	return s->vreq.len <= c->msize ? (int)s->vreq.len : -EIO;
}

/* Allocates the slots' buffers, at most an eighth of the guest's memory
 * for each share: SLOTS pairs of MSIZE bytes where memory allows, else
 * fewer pairs, else smaller messages (down to MIN_MSIZE). Returns the
 * number of slots, 0 when nothing fits. */
static int slots_init(struct v9p *p)
{
	uint64_t budget = pmem_total_pages() * PAGE_SIZE / 8;

	for (uint32_t size = MSIZE; size >= MIN_MSIZE; size /= 2) {
		int n = 0;
		for (; n < SLOTS && (uint64_t)(n + 1) * 2 * size <= budget; n++) {
			struct vslot *s = &p->slots[n];
			s->req_phys = pmem_alloc(size / PAGE_SIZE);
			s->reply_phys = s->req_phys ? pmem_alloc(size / PAGE_SIZE) : 0;
			if (!s->reply_phys) {
				if (s->req_phys)
					pmem_free(s->req_phys, size / PAGE_SIZE);
				break;
			}
			s->s.req = phys_to_virt(s->req_phys);
			s->s.reply = phys_to_virt(s->reply_phys);
			s->s.tag = (uint16_t)n;
		}
		if (n) {
			p->chan.msize = size;
			return n;
		}
	}
	return 0;
}

int virtio_9p_probe(struct virtio_dev *d)
{
	struct v9p *p = kzalloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (virtio_negotiate(d, F_MOUNT_TAG))
		return -ENODEV;
	unsigned len = 0;
	if (d->features & F_MOUNT_TAG)
		len = d->ops->config_read(d, CFG_TAG_LEN, 2);
	if (!len || len >= sizeof(p->chan.tag)) {
		printk("virtio-9p: %s: no usable mount tag\n", d->where);
		virtio_fail(d);
		return -EINVAL;
	}
	for (unsigned i = 0; i < len; i++)
		p->chan.tag[i] = (char)d->ops->config_read(d, CFG_TAG + i, 1);
	p->vq = virtio_queue_create(d, 0, 128);
	int nslots = p->vq ? slots_init(p) : 0;
	if (!nslots) {
		printk("virtio-9p: %s: no memory for the queue and its buffers\n", d->where);
		virtio_fail(d);
		return -ENOMEM;
	}
	virtio_slots_init(&p->pool, nslots);
	p->chan.get = slot_get;
	p->chan.rpc = rpc;
	p->chan.max_runs = p->vq->size - 2 < MAX_RUNS ? p->vq->size - 2 : MAX_RUNS;
	p->chan.put = slot_put;
	p->chan.priv = p;
	d->driver = p;
	virtio_ready(d);
	if (p9_chan_register(&p->chan)) {
		printk("virtio-9p: %s: too many shares\n", d->where);
		return -ENOSPC;
	}
	if (printk_level > 1)
		printk("virtio-9p: %s: tag %s, %d slots of %u bytes%s\n", d->where, p->chan.tag,
		       nslots, p->chan.msize, d->legacy ? ", legacy" : "");
	return 0;
}

/*
 * virtio-net: an Ethernet interface of the network stack
 * (include/unishyper/net.h) on either transport.
 *
 * Receive: RX_BUFS buffers of RX_BUF bytes stay posted. The interrupt
 * collects the used ones in the device's order and wakes the device's
 * receive thread, which hands the whole batch to lwIP under one hold of
 * the core lock. A frame is lent to lwIP in place (a custom pbuf whose
 * release posts the buffer again) unless it is small or few buffers are
 * left posted; then it is copied and its buffer posted at once, so a
 * program that leaves data unread cannot starve the interface. With
 * GUEST_TSO4/6 the host sends TCP frames of up to 64 KiB, each in as many
 * merged buffers (MRG_RXBUF) as it needs, lent as one chain.
 *
 * Transmit: a frame goes to the device where lwIP built it (its pbufs'
 * memory, with the virtio header in the room lwIP leaves before every
 * frame), held by a reference until the device has used it; the device
 * does not interrupt for sent frames, they are reaped at the next send
 * (and it interrupts only while the ring is full). The device computes
 * TCP checksums and checks received ones when it offers to (CSUM,
 * GUEST_CSUM), and cuts TCP frames of up to 64 KiB into segments
 * (HOST_TSO4/6, see net_tso_mss).
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/net.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/random.h>
#include <unishyper/sched.h>
#include <unishyper/spinlock.h>
#include <unishyper/virtio.h>

#include "lwip/pbuf.h"

#define F_CSUM (1ull << 0)
#define F_GUEST_CSUM (1ull << 1)
#define F_MAC (1ull << 5)
#define F_GUEST_TSO4 (1ull << 7)
#define F_GUEST_TSO6 (1ull << 8)
#define F_HOST_TSO4 (1ull << 11)
#define F_HOST_TSO6 (1ull << 12)
#define F_MRG_RXBUF (1ull << 15)
#define F_STATUS (1ull << 16)

#define CFG_MAC 0

#define RXQ 0
#define TXQ 1
#define RX_BUFS 256
#define RX_BUF 2048
#define TX_SLOTS 256
#define COPY_BELOW 256   /* frames this short are copied */
#define MAX_SEGS 64      /* descriptors of one frame, its header included */

#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2
#define GSO_TCPV4 1
#define GSO_TCPV6 4

struct vnet_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
	uint16_t num_buffers; /* with MRG_RXBUF or VERSION_1 only */
} __attribute__((packed));

struct vnet;

struct rx_buf {
	struct pbuf_custom pc; /* first: lwIP's pbuf points here */
	struct virtq_req req;
	struct vnet *net;
	struct rx_buf *next; /* on the done list */
	uint8_t *data;
	uint64_t phys;
};

struct tx_slot {
	struct virtq_req req;
	struct pbuf *p;
	struct tx_slot *next; /* on the free or done list */
	struct vnet_hdr hdr;  /* when the frame has no room in front */
};

struct vnet {
	struct net_device dev;
	struct virtio_dev *vdev;
	struct virtqueue *rx, *tx;
	unsigned hdr_len;
	spinlock_t lock;               /* the lists below */
	struct rx_buf *done, *done_tail; /* received, in order */
	struct tx_slot *tx_free, *tx_done;
	struct semaphore rx_ready;
	struct waitq tx_wait;          /* transmitters waiting for a slot */
	int posted;                    /* receive buffers with the device */
	struct rx_buf rxb[RX_BUFS];
	struct tx_slot txs[TX_SLOTS];
};

static void rx_post(struct rx_buf *b)
{
	struct virtq_buf vb = { b->phys, RX_BUF, true };

	__atomic_fetch_add(&b->net->posted, 1, __ATOMIC_RELAXED);
	if (virtq_post(b->net->rx, &vb, 1, &b->req))
		panic("virtio-net: a receive buffer found no descriptor");
}

/* lwIP let go of a frame lent to it. */
static void rx_release(struct pbuf *p)
{
	rx_post((struct rx_buf *)p);
}

/* Interrupt, receive queue locked: the device used b. */
static void rx_complete(struct virtqueue *vq, struct virtq_req *req)
{
	struct rx_buf *b = (struct rx_buf *)((char *)req - offsetof(struct rx_buf, req));
	struct vnet *net = vq->dev->driver;

	__atomic_fetch_sub(&net->posted, 1, __ATOMIC_RELAXED);
	b->next = NULL;
	spin_lock(&net->lock);
	if (net->done_tail)
		net->done_tail->next = b;
	else
		net->done = b;
	net->done_tail = b;
	spin_unlock(&net->lock);
}

static void tx_complete(struct virtqueue *vq, struct virtq_req *req)
{
	struct tx_slot *s = (struct tx_slot *)((char *)req - offsetof(struct tx_slot, req));
	struct vnet *net = vq->dev->driver;

	spin_lock(&net->lock);
	s->next = net->tx_done;
	net->tx_done = s;
	spin_unlock(&net->lock);
}

static void vnet_interrupt(struct virtio_dev *d)
{
	struct vnet *net = d->driver;

	if (__atomic_load_n(&net->done, __ATOMIC_RELAXED))
		semaphore_up(&net->rx_ready);
	if (__atomic_load_n(&net->tx_done, __ATOMIC_RELAXED))
		waitq_wake_all(&net->tx_wait);
}

/* A pbuf for the frame in b: b itself lent, or a copy (b posted again). */
static struct pbuf *rx_frame(struct vnet *net, struct rx_buf *b)
{
	uint32_t len = b->req.len > net->hdr_len ? b->req.len - net->hdr_len : 0;
	uint8_t *frame = b->data + net->hdr_len;
	struct pbuf *p;

	if (len > RX_BUF - net->hdr_len)
		len = 0;
	/* Frames the device neither checked nor left for the stack to
	 * complete (NEEDS_CSUM: from the host itself) are checked here. */
	uint8_t hflags = ((struct vnet_hdr *)b->data)->flags;
	if (len && net->dev.rx_csum && !(hflags & (HDR_F_NEEDS_CSUM | HDR_F_DATA_VALID)) &&
	    net_csum_bad(frame, len))
		len = 0;
	if (len && pmem_free_pages() < NET_LOW_MEMORY_PAGES && net_frame_carries_data(frame, len))
		len = 0;
	if (len < COPY_BELOW || __atomic_load_n(&net->posted, __ATOMIC_RELAXED) < RX_BUFS / 4) {
		p = len ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM) : NULL;
		if (p || !len || __atomic_load_n(&net->posted, __ATOMIC_RELAXED) < RX_BUFS / 16) {
			if (p)
				pbuf_take(p, frame, (u16_t)len);
			rx_post(b);
			return p;
		}
		/* No memory for a copy: lend the buffer after all, so that the
		 * frames that free memory (a reset, an acknowledgement) still
		 * get in. */
	}
	b->pc.custom_free_function = rx_release;
	return pbuf_alloced_custom(PBUF_RAW, (u16_t)len, PBUF_REF, &b->pc, frame,
				   RX_BUF - net->hdr_len);
}

/* The buffers the frame that starts in b takes. */
static unsigned rx_buffers(const struct vnet *net, const struct rx_buf *b)
{
	unsigned n = net->hdr_len == 12 && b->req.len >= 12 ? ((struct vnet_hdr *)b->data)->num_buffers : 1;

	return n < 1 ? 1 : n > RX_BUFS ? RX_BUFS : n;
}

/* A frame in several buffers (MRG_RXBUF: up to 64 KiB, which the host
 * sends once GUEST_TSO4/6 are on): the n buffers from b, lent as one
 * chain, or copied when few buffers are left posted. NULL when dropped;
 * every buffer goes back to the device then. */
static struct pbuf *rx_merged(struct vnet *net, struct rx_buf *b, unsigned n)
{
	struct vnet_hdr *h = (struct vnet_hdr *)b->data;
	uint32_t total = 0;
	struct rx_buf *q = b;
	struct pbuf *p = NULL;

	for (unsigned i = 0; i < n; i++, q = q->next)
		total += q->req.len > RX_BUF ? RX_BUF : q->req.len;
	total = total > net->hdr_len ? total - net->hdr_len : 0;
	uint8_t *frame = b->data + net->hdr_len;
	uint32_t first = b->req.len > net->hdr_len ? b->req.len - net->hdr_len : 0;
	/* The host completes the checksums of what it merged (NEEDS_CSUM) or
	 * has checked them (DATA_VALID); a frame with neither is dropped, as
	 * is one too long for a pbuf or one that carries data while memory
	 * is short. */
	bool keep = total <= 0xffff - PBUF_LINK_ENCAPSULATION_HLEN && first >= 14 &&
		    (h->flags & (HDR_F_NEEDS_CSUM | HDR_F_DATA_VALID)) &&
		    !(pmem_free_pages() < NET_LOW_MEMORY_PAGES &&
		      net_frame_carries_data(frame, first));
	bool lend = __atomic_load_n(&net->posted, __ATOMIC_RELAXED) >= RX_BUFS / 4;

	q = b;
	for (unsigned i = 0; i < n; i++) {
		struct rx_buf *next = q->next;
		uint8_t *data = i ? q->data : frame;
		uint32_t len = i ? q->req.len : first;
		if (len > RX_BUF - (uint32_t)(data - q->data))
			len = RX_BUF - (uint32_t)(data - q->data);
		if (keep && lend) {
			q->pc.custom_free_function = rx_release;
			struct pbuf *r = pbuf_alloced_custom(PBUF_RAW, (u16_t)len, PBUF_REF, &q->pc, data,
							     (u16_t)len);
			if (p)
				pbuf_cat(p, r);
			else
				p = r;
		} else {
			if (keep && !p && !(p = pbuf_alloc(PBUF_RAW, (u16_t)total, PBUF_RAM)))
				keep = false;
			if (keep)
				pbuf_take_at(p, data, (u16_t)len, (u16_t)(p->tot_len - total));
			total -= len;
			rx_post(q);
		}
		q = next;
	}
	return p;
}

/* Takes the frames received so far, in order. */
static struct rx_buf *rx_take(struct vnet *net)
{
	unsigned long flags = spin_lock_irqsave(&net->lock);
	struct rx_buf *b = net->done;

	net->done = net->done_tail = NULL;
	spin_unlock_irqrestore(&net->lock, flags);
	return b;
}

/* The receive thread: hands each batch of frames to the stack. While
 * frames keep coming it polls the ring with the device's interrupts off,
 * and sleeps with them on when a look finds none. */
static _Noreturn void rx_thread(void *arg)
{
	struct vnet *net = arg;
	struct rx_buf *carry = NULL; /* the start of a frame whose end is still out */

	for (;;) {
		semaphore_down(&net->rx_ready, SCHED_FOREVER);
		virtq_quiet(net->rx, true);
		for (;;) {
			struct rx_buf *b = rx_take(net);
			if (!b) {
				virtq_quiet(net->rx, false);
				virtq_collect(net->rx); /* what came before the device saw it */
				if (!(b = rx_take(net)))
					break;
				virtq_quiet(net->rx, true);
			}
			if (carry) {
				struct rx_buf *t = carry;
				while (t->next)
					t = t->next;
				t->next = b;
				b = carry;
				carry = NULL;
			}
			net_lock();
			while (b) {
				unsigned n = rx_buffers(net, b), have = 1;
				struct rx_buf *last = b;
				while (have < n && last->next) {
					last = last->next;
					have++;
				}
				if (have < n) {
					carry = b;
					break;
				}
				struct rx_buf *next = last->next;
				struct pbuf *p = n == 1 ? rx_frame(net, b) : rx_merged(net, b, n);
				if (p)
					net_input(&net->dev, p);
				b = next;
			}
			net_unlock();
			virtq_collect(net->rx);
		}
	}
}

/* Frees the frames the device has sent. */
static void tx_reap(struct vnet *net)
{
	virtq_collect(net->tx); /* the device does not interrupt for them */
	unsigned long flags = spin_lock_irqsave(&net->lock);
	struct tx_slot *done = net->tx_done;

	net->tx_done = NULL;
	spin_unlock_irqrestore(&net->lock, flags);
	while (done) {
		struct tx_slot *next = done->next;
		pbuf_free(done->p);
		done->p = NULL;
		flags = spin_lock_irqsave(&net->lock);
		done->next = net->tx_free;
		net->tx_free = done;
		spin_unlock_irqrestore(&net->lock, flags);
		done = next;
	}
}

/* Frees the frames the device has sent; returns a free slot or NULL. */
static struct tx_slot *tx_slot_get(struct vnet *net)
{
	tx_reap(net);
	unsigned long flags = spin_lock_irqsave(&net->lock);
	struct tx_slot *s = net->tx_free;
	if (s)
		net->tx_free = s->next;
	spin_unlock_irqrestore(&net->lock, flags);
	return s;
}

static bool tx_some_done(void *arg)
{
	struct vnet *net = arg;

	return __atomic_load_n(&net->tx_done, __ATOMIC_RELAXED) != NULL;
}

/* The ring is full: waits for the device's interrupt for a sent frame,
 * then frees what it sent. */
static void tx_wait(struct vnet *net)
{
	virtq_quiet(net->tx, false);
	/* Frames the device sent while it was told not to interrupt raise
	 * nothing now: collected here, or the wait could outlast them all. */
	virtq_collect(net->tx);
	waitq_wait(&net->tx_wait, tx_some_done, net, SCHED_FOREVER, false);
	virtq_quiet(net->tx, true);
	tx_reap(net);
}

static int vnet_transmit(struct net_device *dev, struct pbuf *p)
{
	struct vnet *net = dev->driver;
	struct virtq_buf bufs[MAX_SEGS];
	struct tx_slot *s;
	struct vnet_hdr *hdr;
	int n = 0;

	while (!(s = tx_slot_get(net)))
		tx_wait(net);
	bool in_place = pbuf_add_header(p, net->hdr_len) == 0;
	if (in_place) {
		hdr = p->payload;
	} else {
		hdr = &s->hdr;
		bufs[n++] = (struct virtq_buf){ virt_to_phys(hdr), net->hdr_len, false };
	}
	memset(hdr, 0, net->hdr_len);
	if (net->dev.tx_csum) {
		uint8_t *frame = (uint8_t *)p->payload + (in_place ? net->hdr_len : 0);
		size_t avail = p->len - (in_place ? net->hdr_len : 0);
		size_t len = p->tot_len - (in_place ? net->hdr_len : 0);
		uint16_t start, offset;
		if (net_csum_offload(frame, avail, len, &start, &offset)) {
			hdr->flags = HDR_F_NEEDS_CSUM;
			hdr->csum_start = start;
			hdr->csum_offset = offset;
		}
		uint16_t hlen;
		bool v6;
		/* A TSO frame sent later than built (after address
		 * resolution) no longer has its segment size: the MTU gives
		 * one. */
		if (len > (size_t)net->dev.mtu + 14 && net_tcp_headers(frame, avail, len, &hlen, &v6) &&
		    (v6 ? net->dev.tso6 : net->dev.tso4)) {
			hdr->gso_type = v6 ? GSO_TCPV6 : GSO_TCPV4;
			hdr->gso_size = net_tso_mss ? net_tso_mss : (uint16_t)(net->dev.mtu + 14 - hlen);
			hdr->hdr_len = hlen;
		}
	}
	for (struct pbuf *q = p; q; q = q->next) {
		if (!q->len)
			continue;
		if (n == MAX_SEGS || n == net->tx->size) {
			n = -1;
			break;
		}
		bufs[n++] = (struct virtq_buf){ virt_to_phys(q->payload), q->len, false };
	}
	if (in_place)
		pbuf_remove_header(p, net->hdr_len);
	if (n < 0) {
		/* A chain too long for one request: send a flat copy. */
		struct pbuf *flat = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
		unsigned long flags = spin_lock_irqsave(&net->lock);
		s->next = net->tx_free;
		net->tx_free = s;
		spin_unlock_irqrestore(&net->lock, flags);
		if (!flat)
			return -ENOMEM;
		int err = vnet_transmit(dev, flat);
		pbuf_free(flat);
		return err;
	}
	pbuf_ref(p);
	s->p = p;
	/* A slot for every descriptor, but a TSO frame takes many. */
	while (virtq_post(net->tx, bufs, n, &s->req) == -EAGAIN)
		tx_wait(net);
	return 0;
}

static int buffers_init(struct vnet *net)
{
	uint64_t phys = pmem_alloc(RX_BUFS * RX_BUF / PAGE_SIZE);

	if (!phys)
		return -ENOMEM;
	for (int i = 0; i < RX_BUFS; i++) {
		struct rx_buf *b = &net->rxb[i];
		b->net = net;
		b->phys = phys + (uint64_t)i * RX_BUF;
		b->data = phys_to_virt(b->phys);
	}
	for (int i = 0; i < TX_SLOTS; i++) {
		net->txs[i].next = net->tx_free;
		net->tx_free = &net->txs[i];
	}
	return 0;
}

int virtio_net_probe(struct virtio_dev *d)
{
	struct vnet *net = kzalloc(sizeof(*net));

	if (!net)
		return -ENOMEM;
	uint64_t wanted = F_CSUM | F_GUEST_CSUM | F_MAC | F_MRG_RXBUF | F_STATUS | F_HOST_TSO4 |
			  F_HOST_TSO6 | F_GUEST_TSO4 | F_GUEST_TSO6;
	int err = virtio_negotiate(d, wanted);
	/* Frames of 64 KiB from the host fit only merged buffers. */
	if (!err && (d->features & (F_GUEST_TSO4 | F_GUEST_TSO6)) && !(d->features & F_MRG_RXBUF))
		err = virtio_negotiate(d, wanted & ~(F_GUEST_TSO4 | F_GUEST_TSO6));
	if (err) {
		kfree(net);
		return -ENODEV;
	}
	net->vdev = d;
	d->driver = net;
	net->hdr_len = d->legacy && !(d->features & F_MRG_RXBUF) ? 10 : 12;
	net->lock = (spinlock_t)SPINLOCK_INIT;
	semaphore_init(&net->rx_ready, 0);
	waitq_init(&net->tx_wait);
	net->rx = virtio_queue_create(d, RXQ, RX_BUFS);
	net->tx = virtio_queue_create(d, TXQ, TX_SLOTS);
	if (!net->rx || !net->tx || buffers_init(net)) {
		printk("virtio-net: %s: no memory for the queues\n", d->where);
		virtio_fail(d);
		return -ENOMEM;
	}
	net->rx->complete = rx_complete;
	net->tx->complete = tx_complete;
	if (d->features & F_MAC) {
		for (unsigned i = 0; i < 6; i++)
			net->dev.mac[i] = (uint8_t)d->ops->config_read(d, CFG_MAC + i, 1);
	} else {
		/* A locally administered address of our own. */
		net->dev.mac[0] = 0x52;
		net->dev.mac[1] = 0x54;
		random_bytes(&net->dev.mac[2], 4);
	}
	net->dev.mtu = 1500;
	net->dev.tx_csum = d->features & F_CSUM;
	net->dev.rx_csum = d->features & F_GUEST_CSUM;
	net->dev.tso4 = net->dev.tx_csum && (d->features & F_HOST_TSO4);
	net->dev.tso6 = net->dev.tx_csum && (d->features & F_HOST_TSO6);
	virtq_quiet(net->tx, true);
	net->dev.transmit = vnet_transmit;
	net->dev.driver = net;
	d->interrupt = vnet_interrupt;
	for (unsigned i = 0; i < net->rx->size && i < RX_BUFS; i++)
		rx_post(&net->rxb[i]);
	virtio_ready(d);
	if (!sched_spawn("virtio-net", rx_thread, net, 64 * 1024) || net_add_ethernet(&net->dev)) {
		printk("virtio-net: %s: no memory for the interface\n", d->where);
		return -ENOMEM;
	}
	if (printk_level > 1)
		printk("virtio-net: %s: %02x:%02x:%02x:%02x:%02x:%02x%s%s%s%s%s\n", d->where,
		       net->dev.mac[0], net->dev.mac[1], net->dev.mac[2], net->dev.mac[3],
		       net->dev.mac[4], net->dev.mac[5], net->dev.tx_csum ? " csum" : "",
		       net->dev.rx_csum ? " guest-csum" : "", net->dev.tso4 ? " tso4" : "",
		       net->dev.tso6 ? " tso6" : "",
		       d->features & (F_GUEST_TSO4 | F_GUEST_TSO6) ? " guest-tso" : "");
	return 0;
}

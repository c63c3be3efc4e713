/*
 * The virtio core shared by every transport and device driver: device
 * reset and feature negotiation, split virtqueues and the request path.
 *
 * A queue's three rings sit in one run of physically contiguous pages from
 * pmem, laid out as the legacy interface requires (the used ring on the
 * next 4096-byte boundary), so the same memory serves legacy and modern
 * devices. A submitter takes descriptors under the queue's spinlock,
 * publishes the chain, notifies the device and sleeps on the queue's wait
 * queue; the interrupt handler collects used chains, frees their
 * descriptors, marks each request done and wakes the sleepers, each of
 * which checks its own request.
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/sched.h>
#include <unishyper/virtio.h>

#define QUEUE_MAX 256

void virtio_dev_found(struct virtio_dev *d)
{
	d->ops->set_status(d, 0); /* reset */
	switch (d->device_id) {
	case VIRTIO_ID_BLOCK:
		if (virtio_blk_probe(d))
			printk("virtio: %s: block device not started\n", d->where);
		break;
	case VIRTIO_ID_CONSOLE:
		if (virtio_console_probe(d))
			printk("virtio: %s: console device not started\n", d->where);
		break;
	case VIRTIO_ID_NET:
		if (virtio_net_probe(d))
			printk("virtio: %s: network device not started\n", d->where);
		break;
	case VIRTIO_ID_9P:
		if (virtio_9p_probe(d))
			printk("virtio: %s: 9p device not started\n", d->where);
		break;
	default:
		if (printk_level > 1)
			printk("virtio: %s: device type %u has no driver\n", d->where,
			       d->device_id);
		break;
	}
}

int virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	d->ops->set_status(d, 0);
	d->ops->set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	d->ops->set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	uint64_t offered = d->ops->get_features(d);
	if (!d->legacy) {
		if (!(offered & VIRTIO_F_VERSION_1)) {
			printk("virtio: %s: modern transport without VERSION_1\n", d->where);
			virtio_fail(d);
			return -ENODEV;
		}
		wanted |= VIRTIO_F_VERSION_1;
	}
	d->features = offered & wanted;
	d->ops->set_features(d, d->features);
	if (d->legacy)
		return 0;
	uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	d->ops->set_status(d, s);
	if (!(d->ops->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
		printk("virtio: %s: features refused\n", d->where);
		virtio_fail(d);
		return -ENODEV;
	}
	return 0;
}

void virtio_ready(struct virtio_dev *d)
{
	d->ops->set_status(d, d->ops->get_status(d) | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *d)
{
	d->ops->set_status(d, d->ops->get_status(d) | VIRTIO_STATUS_FAILED);
}

uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off)
{
	return d->ops->config_read(d, off, 4);
}

/* Reads a 64-bit field as two halves; the generation counter is not
 * needed for the fields read once at probe time. */
uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off)
{
	uint64_t lo = d->ops->config_read(d, off, 4);

	return lo | (uint64_t)d->ops->config_read(d, off + 4, 4) << 32;
}

struct virtqueue *virtio_queue_create(struct virtio_dev *d, unsigned idx, uint16_t max_size)
{
	uint16_t size = d->ops->queue_max(d, idx);

	if (!size || idx >= VIRTIO_MAX_QUEUES)
		return NULL;
	/* Legacy devices fix the size; modern ones take a power of two up to
	 * their maximum. */
	if (!d->legacy) {
		if (max_size > QUEUE_MAX)
			max_size = QUEUE_MAX;
		while (size > max_size)
			size /= 2;
	}
	uint64_t ring_bytes = 16ul * size + 6 + 2ul * size;
	uint64_t used_off = PAGE_ROUND_UP(ring_bytes);
	uint64_t total = PAGE_ROUND_UP(used_off + 6 + 8ul * size);
	uint64_t phys = pmem_alloc(total / PAGE_SIZE);
	struct virtqueue *vq = kzalloc(sizeof(*vq));
	struct virtq_req **reqs = kzalloc(size * sizeof(*reqs));

	if (!phys || !vq || !reqs) {
		if (phys)
			pmem_free(phys, total / PAGE_SIZE);
		kfree(vq);
		kfree(reqs);
		return NULL;
	}
	uint8_t *mem = phys_to_virt(phys);
	memset(mem, 0, total);
	vq->dev = d;
	vq->index = idx;
	vq->size = size;
	vq->desc_phys = phys;
	vq->avail_phys = phys + 16ul * size;
	vq->used_phys = phys + used_off;
	vq->desc = (struct virtq_desc *)mem;
	vq->avail = (struct virtq_avail *)(mem + 16ul * size);
	vq->used = (struct virtq_used *)(mem + used_off);
	vq->reqs = reqs;
	for (uint16_t i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->nfree = size;
	vq->lock = (spinlock_t)SPINLOCK_INIT;
	waitq_init(&vq->wq);
	if (d->ops->queue_setup(d, vq)) {
		pmem_free(phys, total / PAGE_SIZE);
		kfree(vq);
		kfree(reqs);
		return NULL;
	}
	d->vqs[idx] = vq;
	if ((int)idx >= d->nqueues)
		d->nqueues = (int)idx + 1;
	return vq;
}

struct wait_arg {
	struct virtqueue *vq;
	struct virtq_req *req;
	int n;
};

static bool enough_free(void *arg)
{
	struct wait_arg *w = arg;

	return __atomic_load_n(&w->vq->nfree, __ATOMIC_RELAXED) >= w->n;
}

static bool req_done(void *arg)
{
	struct virtq_req *req = arg;

	return __atomic_load_n(&req->done, __ATOMIC_ACQUIRE);
}

/* Puts the chain on the avail ring; the queue is locked. */
static int add_locked(struct virtqueue *vq, const struct virtq_buf *bufs, int n,
		      struct virtq_req *req)
{
	if (n < 1 || n > vq->nfree)
		return n < 1 || n > vq->size ? -EINVAL : -EAGAIN;
	req->done = 0;
	req->len = 0;
	uint16_t head = vq->free_head, i = head;
	for (int k = 0; k < n; k++) {
		struct virtq_desc *desc = &vq->desc[i];
		desc->addr = bufs[k].phys;
		desc->len = bufs[k].len;
		desc->flags = (uint16_t)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					 (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = desc->next;
	}
	vq->free_head = i;
	vq->nfree = (uint16_t)(vq->nfree - n);
	vq->reqs[head] = req;
	uint16_t idx = vq->avail->idx;
	vq->avail->ring[idx % vq->size] = head;
	__atomic_store_n(&vq->avail->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	return 0;
}

/* Notifies the device unless it asked not to be; the queue is locked. */
static void kick_locked(struct virtqueue *vq)
{
	/* The device must see the new index before the notification, and we
	 * must see its flags after it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&vq->used->flags, __ATOMIC_ACQUIRE) & VIRTQ_USED_F_NO_NOTIFY))
		vq->dev->ops->notify(vq->dev, vq);
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, int n, struct virtq_req *req)
{
	unsigned long flags = spin_lock_irqsave(&vq->lock);
	int err = add_locked(vq, bufs, n, req);

	spin_unlock_irqrestore(&vq->lock, flags);
	return err;
}

void virtq_kick(struct virtqueue *vq)
{
	unsigned long flags = spin_lock_irqsave(&vq->lock);

	kick_locked(vq);
	spin_unlock_irqrestore(&vq->lock, flags);
}

int virtq_post(struct virtqueue *vq, const struct virtq_buf *bufs, int n, struct virtq_req *req)
{
	unsigned long flags = spin_lock_irqsave(&vq->lock);
	int err = add_locked(vq, bufs, n, req);

	if (!err)
		kick_locked(vq);
	spin_unlock_irqrestore(&vq->lock, flags);
	return err;
}

void virtq_quiet(struct virtqueue *vq, bool quiet)
{
	__atomic_store_n(&vq->avail->flags, quiet ? VIRTQ_AVAIL_F_NO_INTERRUPT : 0,
			 __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int virtq_submit(struct virtqueue *vq, const struct virtq_buf *bufs, int n, struct virtq_req *req)
{
	struct wait_arg w = { vq, req, n };
	int r;

	while ((r = virtq_post(vq, bufs, n, req)) == -EAGAIN)
		waitq_wait(&vq->wq, enough_free, &w, SCHED_FOREVER, false);
	return r;
}

void virtq_wait(struct virtqueue *vq, struct virtq_req *req)
{
	waitq_wait(&vq->wq, req_done, req, SCHED_FOREVER, false);
}

int virtq_transfer(struct virtqueue *vq, const struct virtq_buf *bufs, int n,
		   struct virtq_req *req)
{
	int r = virtq_submit(vq, bufs, n, req);

	if (!r)
		virtq_wait(vq, req);
	return r;
}

/* Collects used chains; true when any was found. Runs with interrupts off. */
bool virtq_collect(struct virtqueue *vq)
{
	bool any = false;
	unsigned long flags = spin_lock_irqsave(&vq->lock);

	for (;;) {
		uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
		if (vq->last_used == used_idx)
			break;
		struct virtq_used_elem *e = &vq->used->ring[vq->last_used % vq->size];
		uint32_t head = e->id;
		if (head >= vq->size || !vq->reqs[head]) {
			printk("virtio: %s: bad used descriptor %u\n", vq->dev->where, head);
			vq->last_used++;
			continue;
		}
		struct virtq_req *req = vq->reqs[head];
		vq->reqs[head] = NULL;
		uint16_t tail = (uint16_t)head, n = 1;
		while (vq->desc[tail].flags & VIRTQ_DESC_F_NEXT) {
			tail = vq->desc[tail].next;
			n++;
		}
		vq->desc[tail].next = vq->free_head;
		vq->free_head = (uint16_t)head;
		vq->nfree = (uint16_t)(vq->nfree + n);
		req->len = e->len;
		__atomic_store_n(&req->done, 1, __ATOMIC_RELEASE);
		vq->last_used++;
		any = true;
		if (vq->complete)
			vq->complete(vq, req);
	}
	spin_unlock_irqrestore(&vq->lock, flags);
	return any;
}

void virtio_dev_interrupt(struct virtio_dev *d)
{
	if (d->ops->ack_interrupt)
		d->ops->ack_interrupt(d);
	for (int i = 0; i < d->nqueues; i++) {
		struct virtqueue *vq = d->vqs[i];
		if (vq && virtq_collect(vq))
			waitq_wake_all(&vq->wq);
	}
	if (d->interrupt)
		d->interrupt(d);
}

/* The words QEMU's microvm appends after the arguments (and, without "--",
 * among the environment) describe its virtio-mmio transports. */
static const char mmio_word[] = "virtio_mmio.device=";

static int take_mmio_words(char **words, int n, bool trailing)
{
	size_t len = sizeof(mmio_word) - 1;
	int kept = 0;

	if (trailing) {
		while (n > 0 && !strncmp(words[n - 1], mmio_word, len))
			n--;
		for (int i = n; words[i]; i++)
			virtio_mmio_add(words[i] + len);
		words[n] = NULL;
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (!strncmp(words[i], mmio_word, len))
			virtio_mmio_add(words[i] + len);
		else
			words[kept++] = words[i];
	}
	words[kept] = NULL;
	return kept;
}

void virtio_init(struct cmdline *cl)
{
	cl->envc = take_mmio_words(cl->envp, cl->envc, false);
	cl->argc = take_mmio_words(cl->argv, cl->argc, true);
	virtio_mmio_probe_window();
	virtio_pci_probe();
}

void virtio_slots_init(struct virtio_slots *p, int n)
{
	semaphore_init(&p->free, n);
	p->lock = (spinlock_t)SPINLOCK_INIT;
	p->busy = 0;
}

int virtio_slot_get(struct virtio_slots *p)
{
	semaphore_down(&p->free, SCHED_FOREVER);
	unsigned long flags = spin_lock_irqsave(&p->lock);
	int i = __builtin_ctz(~p->busy);
	p->busy |= 1u << i;
	spin_unlock_irqrestore(&p->lock, flags);
	return i;
}

void virtio_slot_put(struct virtio_slots *p, int i)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	p->busy &= ~(1u << i);
	spin_unlock_irqrestore(&p->lock, flags);
	semaphore_up(&p->free);
}

/*
 * Virtio 1.x (and legacy 0.9.5) devices: what the transports (MMIO in
 * drivers/virtio/mmio.c, PCI in drivers/virtio/pci.c) provide, and what
 * device drivers (blk.c, ...) use: feature negotiation, split virtqueues in
 * physically contiguous DMA memory, and interrupt-driven completion that
 * wakes the thread waiting for its request.
 */
#ifndef UNISHYPER_VIRTIO_H
#define UNISHYPER_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include <unishyper/cmdline.h>
#include <unishyper/mutex.h>
#include <unishyper/spinlock.h>
#include <unishyper/wait.h>

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_9P 9

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_F_VERSION_1 (1ull << 32)

/* A console with its control queues and six ports (the standard streams,
 * the shell's, the host network's and the signals') needs 16. */
#define VIRTIO_MAX_QUEUES 16

struct virtio_dev;
struct virtqueue;

/* What a transport does; registers are little-endian on every transport. */
struct virtio_transport {
	uint8_t (*get_status)(struct virtio_dev *d);
	void (*set_status)(struct virtio_dev *d, uint8_t status);
	uint64_t (*get_features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t features);
	/* Device-specific configuration: one aligned field of size 1, 2 or 4. */
	uint32_t (*config_read)(struct virtio_dev *d, unsigned off, unsigned size);
	/* The largest size of queue idx (0: absent). */
	uint16_t (*queue_max)(struct virtio_dev *d, unsigned idx);
	/* Tells the device where vq's rings are and enables it; 0 or -errno. */
	int (*queue_setup)(struct virtio_dev *d, struct virtqueue *vq);
	void (*notify)(struct virtio_dev *d, struct virtqueue *vq);
	/* Reads and acknowledges the interrupt status (bit 0: used buffers,
	 * bit 1: configuration change). */
	uint32_t (*ack_interrupt)(struct virtio_dev *d);
};

struct virtio_dev {
	const struct virtio_transport *ops;
	void *transport; /* the transport's own state */
	const char *where; /* "mmio@0xfeb00e00", "pci 00:03.0" */
	uint32_t device_id;
	bool legacy;       /* 0.9.5 interface: no VERSION_1, 4096-aligned rings */
	uint64_t features; /* negotiated */
	int nqueues;
	struct virtqueue *vqs[VIRTIO_MAX_QUEUES];
	void *driver; /* the device driver's state */
	/* Called from the interrupt handler after used buffers are collected
	 * (optional): for drivers whose device sends on its own. */
	void (*interrupt)(struct virtio_dev *d);
};

/* One piece of a request: a DMA address, its length, and whether the
 * device writes it (true) or reads it. */
struct virtq_buf {
	uint64_t phys;
	uint32_t len;
	bool device_writes;
};

/* A request in flight; the submitter waits until done. */
struct virtq_req {
	volatile int done;
	uint32_t len; /* bytes the device wrote */
};

struct virtqueue {
	struct virtio_dev *dev;
	unsigned index;
	uint16_t size;
	uint16_t notify_off; /* PCI: the queue's notification offset */
	uint64_t desc_phys, avail_phys, used_phys;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t free_head, nfree, last_used;
	struct virtq_req **reqs; /* by head descriptor */
	spinlock_t lock;  /* the rings and the free list */
	struct waitq wq;  /* submitters waiting for descriptors or completion */
	/* Optional: called for each finished request in the order the device
	 * used them, from the interrupt handler with the queue locked (it
	 * must not post to this queue). */
	void (*complete)(struct virtqueue *vq, struct virtq_req *req);
};

/*
 * Finds the devices: the virtio-mmio transports named by the words QEMU
 * appends to the command line (virtio_mmio.device=..., taken out of argv
 * and the environment here), the microvm transport window, and virtio-pci
 * functions; then starts a driver for each device it knows.
 */
void virtio_init(struct cmdline *cl);

/* Adds the virtio-mmio transport described by one "SIZE@BASE:IRQ" value;
 * malformed values are reported and ignored. */
void virtio_mmio_add(const char *value);

/* Scans microvm's fixed transport window (see drivers/virtio/mmio.c). */
void virtio_mmio_probe_window(void);

/* Looks for virtio-pci functions (vendor 0x1af4). */
void virtio_pci_probe(void);

/* Called by a transport for each device it found: resets it and hands it
 * to the driver for its device id. */
void virtio_dev_found(struct virtio_dev *d);

/* Called by a transport's interrupt handler: completes used buffers of
 * every queue and wakes their waiters. */
void virtio_dev_interrupt(struct virtio_dev *d);

/*
 * Driver side. virtio_negotiate() acknowledges the device and accepts the
 * wanted features it offers (VERSION_1 is added for modern devices); 0 or
 * -ENODEV when the device refuses. Then virtio_queue_create() for each
 * queue, then virtio_ready().
 */
int virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
struct virtqueue *virtio_queue_create(struct virtio_dev *d, unsigned idx, uint16_t max_size);
void virtio_ready(struct virtio_dev *d);
void virtio_fail(struct virtio_dev *d);
uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off);
uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off);

/*
 * Submits n buffers as one descriptor chain (n <= the queue size), sleeping
 * while the queue has too few free descriptors, notifies the device, and
 * waits until it has used the chain. Returns 0 or -EINVAL (n too large).
 * Several threads may call it at once.
 */
int virtq_transfer(struct virtqueue *vq, const struct virtq_buf *bufs, int n,
		   struct virtq_req *req);

/* The two halves of virtq_transfer: submit (0 or -EINVAL) without waiting
 * for the device, and wait until it has used req's chain. */
int virtq_submit(struct virtqueue *vq, const struct virtq_buf *bufs, int n, struct virtq_req *req);
void virtq_wait(struct virtqueue *vq, struct virtq_req *req);

/* Like virtq_submit but never sleeps (interrupt handlers may call it):
 * -EAGAIN when the queue has too few free descriptors. */
int virtq_post(struct virtqueue *vq, const struct virtq_buf *bufs, int n, struct virtq_req *req);

/* virtq_post without notifying the device, for a batch of requests that
 * virtq_kick() then announces at once. */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, int n, struct virtq_req *req);
void virtq_kick(struct virtqueue *vq);

/* Asks the device not to interrupt when it uses buffers of vq (true) or
 * to interrupt again (false); a hint the device may ignore. */
void virtq_quiet(struct virtqueue *vq, bool quiet);

/* Collects the requests the device has finished (as the interrupt
 * handler does); true when there were any. */
bool virtq_collect(struct virtqueue *vq);

/*
 * Request slots of a driver that keeps DMA buffers per request (blk, 9p):
 * slot_get sleeps until one of the n (at most 32) is free and returns its
 * index; several threads may call both at once.
 */
struct virtio_slots {
	struct semaphore free;
	spinlock_t lock;
	uint32_t busy; /* a bit per slot */
};

void virtio_slots_init(struct virtio_slots *p, int n);
int virtio_slot_get(struct virtio_slots *p);
void virtio_slot_put(struct virtio_slots *p, int i);

/* Ring layout, little-endian as the specification fixes. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* Allocates a virtio-blk driver for d (drivers/virtio/blk.c). */
int virtio_blk_probe(struct virtio_dev *d);

/* Starts the virtio-console ports of d (drivers/virtio/console.c). */
int virtio_console_probe(struct virtio_dev *d);

/* Adds a virtio-net device as a network interface (drivers/virtio/net.c). */
int virtio_net_probe(struct virtio_dev *d);

/* Allocates a virtio-9p channel for d (drivers/virtio/9p.c). */
int virtio_9p_probe(struct virtio_dev *d);

#endif

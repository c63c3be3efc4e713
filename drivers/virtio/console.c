/*
 * virtio-console (virtio-serial) with named ports: the program's standard
 * streams when unishyper-run attaches them, at rates a 16550 cannot reach,
 * and lines of the kernel's own: the shell's (a port named "shell"), the
 * host network's requests ("hostnet") and a host command's line to its
 * launcher ("host"; include/unishyper/vcon.h).
 *
 * The device must offer MULTIPORT: the control queues carry the ports'
 * names and the host's open and close of each port, which is how the end
 * of standard input (the host closed "stdin") and a reader that went away
 * (the host closed "stdout" or "stderr") travel without reserving a byte
 * value. Ports 1 to 6 are used; each input port (stdin, a line) gets
 * RX_BUFS one-page buffers posted at all times (QEMU fills them in order,
 * a few KiB at a time), and each output port (stdout, stderr, a line) sends
 * a write as up to TX_SLOTS buffers in flight at once. The control
 * handshake (DEVICE_READY, then PORT_READY and our PORT_OPEN for each
 * port) runs at probe time; later control messages are handled in the
 * interrupt hook, which only sets flags, reposts the buffer and wakes the
 * ports' readers and writers. Once the host has
 * closed a port, its buffers still in flight are given up (QEMU may drop
 * one without returning it) and nothing more is sent on it.
 */
#include <errno.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/console.h>
#include <unishyper/mutex.h>
#include <unishyper/pmem.h>
#include <unishyper/printk.h>
#include <unishyper/sched.h>
#include <unishyper/uaccess.h>
#include <unishyper/vcon.h>
#include <unishyper/virtio.h>

#define F_MULTIPORT (1ull << 1)
#define CFG_MAX_PORTS 4

#define DEVICE_READY 0
#define DEVICE_ADD 1
#define PORT_READY 3
#define PORT_OPEN 6
#define PORT_NAME 7

#define PORTS 7 /* port 0 (the legacy console) unused, 1 to 6 */
#define CTRL_RX 2
#define CTRL_TX 3
#define CTRL_BUFS 16
#define CTRL_BUF_SIZE 128
#define RX_BUFS 64
#define TX_SLOTS 4
#define TX_BUF (32u * 1024)
#define NAME_MAX 16

struct ctrl_msg {
	uint32_t id;
	uint16_t event, value;
};

struct vcon_port {
	char name[NAME_MAX];
	bool added;
	bool host_open;
	struct virtqueue *rx, *tx;
	struct mutex writer; /* one write at a time keeps its bytes together */
	uint8_t *tx_buf;
	uint64_t tx_phys;
	struct virtq_req tx_req[TX_SLOTS];
	/* Input: the queue its readers sleep on (the console's for stdin, the
	 * receive queue's own for the shell) and the buffers, taken in turn
	 * from rx_next, rx_off bytes of it already read. */
	struct waitq *rx_wq;
	uint8_t *rx_buf;
	uint64_t rx_phys;
	struct virtq_req rx_req[RX_BUFS];
	unsigned rx_next, rx_off;
};

static struct virtio_dev *vcon_dev;
static struct vcon_port vcon_ports[PORTS];
static struct vcon_port *vcon_stream[3], *vcon_line[3];
static uint8_t *ctrl_rx_buf, *ctrl_tx_buf;
static uint64_t ctrl_rx_phys, ctrl_tx_phys;
static struct virtq_req ctrl_rx_req[CTRL_BUFS], ctrl_tx_req;
static unsigned ctrl_next;

static const char *const stream_names[3] = { "stdin", "stdout", "stderr" };
static const char *const line_names[3] = { "shell", "hostnet", "host" };

static void ctrl_post(unsigned i)
{
	struct virtq_buf b = { ctrl_rx_phys + i * CTRL_BUF_SIZE, CTRL_BUF_SIZE, true };

	virtq_post(vcon_dev->vqs[CTRL_RX], &b, 1, &ctrl_rx_req[i]);
}

static void rx_post(struct vcon_port *p, unsigned i)
{
	struct virtq_buf b = { p->rx_phys + (uint64_t)i * PAGE_SIZE, PAGE_SIZE, true };

	virtq_post(p->rx, &b, 1, &p->rx_req[i]);
}

/* Acts on one control message from the device. */
static void ctrl_handle(const uint8_t *buf, uint32_t len)
{
	struct ctrl_msg m;

	if (len < sizeof(m))
		return;
	memcpy(&m, buf, sizeof(m));
	if (m.id >= PORTS || m.id == 0)
		return;
	struct vcon_port *p = &vcon_ports[m.id];
	switch (m.event) {
	case DEVICE_ADD:
		p->added = true;
		break;
	case PORT_NAME: {
		uint32_t n = len - sizeof(m) < NAME_MAX - 1 ? len - sizeof(m) : NAME_MAX - 1;
		memcpy(p->name, buf + sizeof(m), n);
		p->name[n] = 0;
		break;
	}
	case PORT_OPEN:
		__atomic_store_n(&p->host_open, m.value != 0, __ATOMIC_RELEASE);
		break;
	}
}

/* Handles the control messages the device has sent, in order. */
static void ctrl_collect(void)
{
	while (__atomic_load_n(&ctrl_rx_req[ctrl_next].done, __ATOMIC_ACQUIRE)) {
		unsigned i = ctrl_next;
		ctrl_handle(ctrl_rx_buf + i * CTRL_BUF_SIZE, ctrl_rx_req[i].len);
		ctrl_next = (i + 1) % CTRL_BUFS;
		ctrl_post(i);
	}
}

static void vcon_interrupt(struct virtio_dev *d)
{
	struct waitq *q = console_input_queue();

	(void)d;
	spin_lock(&q->lock);
	ctrl_collect();
	spin_unlock(&q->lock);
	waitq_wake_all(q);
	for (int i = 1; i < PORTS; i++) {
		if (vcon_ports[i].tx)
			waitq_wake_all(&vcon_ports[i].tx->wq);
		if (vcon_ports[i].rx)
			waitq_wake_all(&vcon_ports[i].rx->wq);
	}
}

/* Sends a control message and waits until the device has taken it (and
 * queued its answers). Probe time only. */
static void ctrl_send(uint32_t id, uint16_t event, uint16_t value)
{
	struct ctrl_msg m = { id, event, value };
	struct virtq_buf b = { ctrl_tx_phys, sizeof(m), false };

	memcpy(ctrl_tx_buf, &m, sizeof(m));
	virtq_transfer(vcon_dev->vqs[CTRL_TX], &b, 1, &ctrl_tx_req);
	struct waitq *q = console_input_queue();
	unsigned long flags = spin_lock_irqsave(&q->lock);
	ctrl_collect();
	spin_unlock_irqrestore(&q->lock, flags);
}

static uint64_t dma_pages(unsigned n)
{
	uint64_t phys = pmem_alloc(n);

	if (phys)
		memset(phys_to_virt(phys), 0, (size_t)n * PAGE_SIZE);
	return phys;
}

/* Creates the queues of ports 1 to 3 and the control queues. */
static int queues_init(struct virtio_dev *d)
{
	uint32_t max = virtio_config_read32(d, CFG_MAX_PORTS);

	if (!virtio_queue_create(d, CTRL_RX, CTRL_BUFS) || !virtio_queue_create(d, CTRL_TX, 8))
		return -ENOMEM;
	for (unsigned i = 1; i < PORTS && i < max; i++) {
		struct vcon_port *p = &vcon_ports[i];
		p->rx = virtio_queue_create(d, 2 * (i + 1), RX_BUFS);
		p->tx = virtio_queue_create(d, 2 * (i + 1) + 1, TX_SLOTS);
		if (!p->rx || !p->tx)
			return -ENOMEM;
		mutex_init(&p->writer);
	}
	return 0;
}

/* The port named name, or NULL. */
static struct vcon_port *named(const char *name)
{
	for (int i = 1; i < PORTS; i++)
		if (vcon_ports[i].added && vcon_ports[i].rx && !strcmp(vcon_ports[i].name, name))
			return &vcon_ports[i];
	return NULL;
}

/* Gives the named ports their roles and buffers, and opens them. */
static int streams_init(void)
{
	struct vcon_port *open[PORTS];
	int n = 0;

	for (int s = 0; s < 3; s++)
		if ((vcon_stream[s] = named(stream_names[s])))
			open[n++] = vcon_stream[s];
	for (int l = 0; l < 3; l++)
		if ((vcon_line[l] = named(line_names[l])))
			open[n++] = vcon_line[l];
	for (int i = 0; i < n; i++) {
		struct vcon_port *p = open[i];
		bool in = p != vcon_stream[1] && p != vcon_stream[2];
		bool out = p != vcon_stream[0];
		if (in && !(p->rx_phys = dma_pages(RX_BUFS)))
			return -ENOMEM;
		if (out && !(p->tx_phys = dma_pages(TX_SLOTS * TX_BUF / PAGE_SIZE)))
			return -ENOMEM;
		p->tx_buf = out ? phys_to_virt(p->tx_phys) : NULL;
		p->rx_buf = in ? phys_to_virt(p->rx_phys) : NULL;
		p->rx_wq = p == vcon_stream[0] ? console_input_queue() : &p->rx->wq;
	}
	for (int i = 0; i < n; i++)
		ctrl_send((uint32_t)(open[i] - vcon_ports), PORT_OPEN, 1);
	/* Only after our PORT_OPEN: QEMU looks for input to send when
	 * buffers arrive, and ignores a port the guest has not opened. */
	for (int i = 0; i < n; i++)
		for (unsigned k = 0; open[i]->rx_buf && k < RX_BUFS; k++)
			rx_post(open[i], k);
	return 0;
}

int virtio_console_probe(struct virtio_dev *d)
{
	if (vcon_dev) {
		printk("virtio-console: %s: a second console is not used\n", d->where);
		return 0;
	}
	if (virtio_negotiate(d, F_MULTIPORT))
		return -ENODEV;
	if (!(d->features & F_MULTIPORT)) {
		printk("virtio-console: %s: no MULTIPORT, ports unknown\n", d->where);
		virtio_fail(d);
		return -ENODEV;
	}
	vcon_dev = d;
	if (queues_init(d) || !(ctrl_rx_phys = dma_pages(1)) || !(ctrl_tx_phys = dma_pages(1))) {
		printk("virtio-console: %s: no memory for the queues\n", d->where);
		virtio_fail(d);
		vcon_dev = NULL;
		return -ENOMEM;
	}
	ctrl_rx_buf = phys_to_virt(ctrl_rx_phys);
	ctrl_tx_buf = phys_to_virt(ctrl_tx_phys);
	for (unsigned i = 0; i < CTRL_BUFS; i++)
		ctrl_post(i);
	d->interrupt = vcon_interrupt;
	virtio_ready(d);
	/* The device answers each message before it returns the buffer, so
	 * the answers are there when ctrl_send() returns. */
	ctrl_send(0, DEVICE_READY, 1);
	for (uint32_t i = 1; i < PORTS; i++)
		if (vcon_ports[i].added && vcon_ports[i].rx)
			ctrl_send(i, PORT_READY, 1);
	if (streams_init()) {
		printk("virtio-console: %s: no memory for the buffers\n", d->where);
		memset(vcon_stream, 0, sizeof(vcon_stream));
		memset(vcon_line, 0, sizeof(vcon_line));
		return -ENOMEM;
	}
	if (printk_level > 1)
		printk("virtio-console: %s: stdin %s, stdout %s, stderr %s, shell %s, hostnet %s, "
		       "host %s\n",
		       d->where, vcon_stream[0] ? "yes" : "no", vcon_stream[1] ? "yes" : "no",
		       vcon_stream[2] ? "yes" : "no", vcon_line[0] ? "yes" : "no",
		       vcon_line[1] ? "yes" : "no", vcon_line[2] ? "yes" : "no");
	return 0;
}

struct tx_wait {
	struct vcon_port *p;
	struct virtq_req *req;
};

static bool tx_done(void *arg)
{
	struct tx_wait *w = arg;

	return __atomic_load_n(&w->req->done, __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&w->p->host_open, __ATOMIC_ACQUIRE);
}

bool vcon_has(int stream)
{
	return stream >= 0 && stream < 3 && vcon_stream[stream];
}

long vcon_port_write(struct vcon_port *p, const void *buf, size_t n)
{
	const char *src = buf;
	size_t done = 0;
	bool fault = false;

	mutex_lock(&p->writer);
	while (!fault && done < n && __atomic_load_n(&p->host_open, __ATOMIC_ACQUIRE)) {
		int k = 0;
		for (; k < TX_SLOTS && done < n; k++) {
			uint32_t len = n - done < TX_BUF ? (uint32_t)(n - done) : TX_BUF;
			struct virtq_buf b = { p->tx_phys + (uint64_t)k * TX_BUF, len, false };
			if ((fault = uaccess_copy(p->tx_buf + (size_t)k * TX_BUF, src + done, len)))
				break;
			virtq_submit(p->tx, &b, 1, &p->tx_req[k]);
			done += len;
		}
		/* When the host closes the port, QEMU drops the buffer it was
		 * writing without returning it: stop waiting then. */
		for (int i = 0; i < k; i++) {
			struct tx_wait w = { p, &p->tx_req[i] };
			waitq_wait(&p->tx->wq, tx_done, &w, SCHED_FOREVER, false);
		}
	}
	bool open = __atomic_load_n(&p->host_open, __ATOMIC_ACQUIRE);
	mutex_unlock(&p->writer);
	if (fault) /* what went before the bad page was written */
		return done ? (long)done : -EFAULT;
	/* Bytes sent while the reader went away are lost, as in a pipe. */
	return open || (done == n && n) ? (long)n : -EPIPE;
}

long vcon_write(int stream, const void *buf, size_t n)
{
	return vcon_port_write(vcon_stream[stream], buf, n);
}

bool vcon_port_ready(struct vcon_port *p)
{
	bool closed = !__atomic_load_n(&p->host_open, __ATOMIC_ACQUIRE);

	return closed || __atomic_load_n(&p->rx_req[p->rx_next].done, __ATOMIC_ACQUIRE);
}

bool vcon_input_ready_locked(void)
{
	return vcon_port_ready(vcon_stream[0]);
}

static bool input_ready(void *arg)
{
	return vcon_port_ready(arg);
}

ssize_t vcon_port_read(struct vcon_port *p, void *buf, size_t n)
{
	char *dst = buf;
	size_t got = 0;

	if (waitq_wait(p->rx_wq, input_ready, p, SCHED_FOREVER, true))
		return -EINTR; /* a signal came first: nothing was taken */
	while (got < n && __atomic_load_n(&p->rx_req[p->rx_next].done, __ATOMIC_ACQUIRE)) {
		struct virtq_req *req = &p->rx_req[p->rx_next];
		size_t k = req->len - p->rx_off < n - got ? req->len - p->rx_off : n - got;
		/* Input is taken only once it reached the reader. */
		const uint8_t *src = p->rx_buf + (size_t)p->rx_next * PAGE_SIZE + p->rx_off;
		if (uaccess_copy(dst + got, src, k))
			return got ? (ssize_t)got : -EFAULT;
		got += k;
		p->rx_off += (unsigned)k;
		if (p->rx_off >= req->len) {
			rx_post(p, p->rx_next);
			p->rx_next = (p->rx_next + 1) % RX_BUFS;
			p->rx_off = 0;
		}
	}
	return (ssize_t)got;
}

bool vcon_port_read_line(struct vcon_port *p, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	for (;;) {
		if (vcon_port_read(p, &c, 1) <= 0)
			return false;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = 0;
	return true;
}

ssize_t vcon_read(void *buf, size_t n)
{
	return vcon_port_read(vcon_stream[0], buf, n);
}

struct vcon_port *vcon_line_port(const char *name)
{
	for (int l = 0; l < 3; l++)
		if (!strcmp(name, line_names[l]))
			return vcon_line[l];
	return NULL;
}

static bool connected(void *arg)
{
	return __atomic_load_n(&((struct vcon_port *)arg)->host_open, __ATOMIC_ACQUIRE);
}

void vcon_port_wait_connected(struct vcon_port *p)
{
	waitq_wait(p->rx_wq, connected, p, SCHED_FOREVER, false);
}

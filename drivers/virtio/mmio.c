/*
 * The virtio-mmio transport, version 2 (virtio 1.x) and version 1 (legacy,
 * QEMU's default unless virtio-mmio.force-legacy=off).
 *
 * Transports are found two ways. The words "virtio_mmio.device=SIZE@BASE:IRQ"
 * that QEMU's microvm appends to the command line when it has no ACPI
 * (acpi=off) name each transport with a device behind it, and
 * virtio_mmio_add() takes one such value. With ACPI (QEMU's default) the
 * transports are described only in the DSDT; there microvm has 24 of them
 * at 0xfeb00000 + i * 0x200 wired to lines 24 + i of its second I/O APIC,
 * a fixed layout that virtio_mmio_probe_window() scans when the machine
 * has that second I/O APIC and no word named a transport. QEMU plugs the
 * first -device into the last transport, so the scan runs downwards and
 * the first disk given becomes vda. The interrupt
 * line is routed edge-triggered: the handler acknowledges the status
 * before it collects the used rings, so no completion is lost.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <unishyper/cmdline.h>
#include <unishyper/format.h>
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>
#include <unishyper/virtio.h>

#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_GUEST_PAGE_SIZE 0x028
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_ALIGN 0x03c
#define MMIO_QUEUE_PFN 0x040
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC 0x080
#define MMIO_QUEUE_AVAIL 0x090
#define MMIO_QUEUE_USED 0x0a0
#define MMIO_CONFIG 0x100

#define MAGIC 0x74726976 /* "virt" */
#define MAX_TRANSPORTS 32
#define MAX_IRQ 48
#define WINDOW_BASE 0xfeb00000ul
#define WINDOW_COUNT 24
#define WINDOW_IRQ_BASE 24

struct mmio {
	struct virtio_dev dev;
	volatile uint8_t *regs;
	uint64_t base;
	int irq;
	char where[24];
};

static struct mmio *mmio_by_irq[MAX_IRQ];
static uint64_t mmio_bases[MAX_TRANSPORTS];
static int mmio_count;

static uint32_t rd(struct mmio *m, unsigned off)
{
	return *(volatile uint32_t *)(m->regs + off);
}

static void wr(struct mmio *m, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(m->regs + off) = v;
}

#define MMIO(d) ((struct mmio *)(d)->transport)

static uint8_t get_status(struct virtio_dev *d)
{
	return (uint8_t)rd(MMIO(d), MMIO_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
	wr(MMIO(d), MMIO_STATUS, s);
}

static uint64_t get_features(struct virtio_dev *d)
{
	struct mmio *m = MMIO(d);

	wr(m, MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t lo = rd(m, MMIO_DEVICE_FEATURES);
	if (d->legacy)
		return lo;
	wr(m, MMIO_DEVICE_FEATURES_SEL, 1);
	return lo | (uint64_t)rd(m, MMIO_DEVICE_FEATURES) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
	struct mmio *m = MMIO(d);

	wr(m, MMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, MMIO_DRIVER_FEATURES, (uint32_t)f);
	if (d->legacy)
		return;
	wr(m, MMIO_DRIVER_FEATURES_SEL, 1);
	wr(m, MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint32_t config_read(struct virtio_dev *d, unsigned off, unsigned size)
{
	volatile uint8_t *p = MMIO(d)->regs + MMIO_CONFIG + off;

	switch (size) {
	case 1:
		return *p;
	case 2:
		return *(volatile uint16_t *)p;
	default:
		return *(volatile uint32_t *)p;
	}
}

static uint16_t queue_max(struct virtio_dev *d, unsigned idx)
{
	struct mmio *m = MMIO(d);

	wr(m, MMIO_QUEUE_SEL, idx);
	if (!d->legacy && rd(m, MMIO_QUEUE_READY))
		return 0;
	uint32_t max = rd(m, MMIO_QUEUE_NUM_MAX);
	return max > 32768 ? 32768 : (uint16_t)max;
}

static int queue_setup(struct virtio_dev *d, struct virtqueue *vq)
{
	struct mmio *m = MMIO(d);

	wr(m, MMIO_QUEUE_SEL, vq->index);
	wr(m, MMIO_QUEUE_NUM, vq->size);
	if (d->legacy) {
		wr(m, MMIO_QUEUE_ALIGN, PAGE_SIZE);
		wr(m, MMIO_QUEUE_PFN, (uint32_t)(vq->desc_phys / PAGE_SIZE));
		return 0;
	}
	wr(m, MMIO_QUEUE_DESC, (uint32_t)vq->desc_phys);
	wr(m, MMIO_QUEUE_DESC + 4, (uint32_t)(vq->desc_phys >> 32));
	wr(m, MMIO_QUEUE_AVAIL, (uint32_t)vq->avail_phys);
	wr(m, MMIO_QUEUE_AVAIL + 4, (uint32_t)(vq->avail_phys >> 32));
	wr(m, MMIO_QUEUE_USED, (uint32_t)vq->used_phys);
	wr(m, MMIO_QUEUE_USED + 4, (uint32_t)(vq->used_phys >> 32));
	wr(m, MMIO_QUEUE_READY, 1);
	return 0;
}

static void notify(struct virtio_dev *d, struct virtqueue *vq)
{
	wr(MMIO(d), MMIO_QUEUE_NOTIFY, vq->index);
}

static uint32_t ack_interrupt(struct virtio_dev *d)
{
	struct mmio *m = MMIO(d);
	uint32_t s = rd(m, MMIO_INTERRUPT_STATUS);

	if (s)
		wr(m, MMIO_INTERRUPT_ACK, s);
	return s;
}

static const struct virtio_transport mmio_ops = {
	.get_status = get_status,
	.set_status = set_status,
	.get_features = get_features,
	.set_features = set_features,
	.config_read = config_read,
	.queue_max = queue_max,
	.queue_setup = queue_setup,
	.notify = notify,
	.ack_interrupt = ack_interrupt,
};

static void mmio_interrupt(struct trap_frame *f)
{
	struct mmio *m = mmio_by_irq[f->vector - TRAP_IRQ_BASE];

	if (m)
		virtio_dev_interrupt(&m->dev);
}

/* Sets up the transport at base; quiet when no device is behind it. */
static int mmio_attach(uint64_t base, uint64_t size, int irq, bool quiet)
{
	for (int i = 0; i < mmio_count; i++)
		if (mmio_bases[i] == base)
			return -EEXIST;
	if (mmio_count == MAX_TRANSPORTS || irq < 0 || irq >= MAX_IRQ || mmio_by_irq[irq] ||
	    irq >= ioapic_lines()) {
		printk("virtio-mmio: 0x%lx: cannot use interrupt line %d\n", base, irq);
		return -EBUSY;
	}
	volatile uint8_t *regs = mmu_map_device(base, size);
	uint32_t magic = *(volatile uint32_t *)(regs + MMIO_MAGIC);
	uint32_t version = *(volatile uint32_t *)(regs + MMIO_VERSION);
	uint32_t id = *(volatile uint32_t *)(regs + MMIO_DEVICE_ID);
	if (magic != MAGIC || (version != 1 && version != 2)) {
		if (!quiet)
			printk("virtio-mmio: 0x%lx: no virtio-mmio transport there\n", base);
		return -ENODEV;
	}
	if (!id)
		return -ENODEV; /* an empty transport */
	struct mmio *m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->regs = regs;
	m->base = base;
	m->irq = irq;
	ksnprintf(m->where, sizeof(m->where), "mmio@0x%lx", base);
	m->dev.ops = &mmio_ops;
	m->dev.transport = m;
	m->dev.where = m->where;
	m->dev.device_id = id;
	m->dev.legacy = version == 1;
	if (m->dev.legacy)
		wr(m, MMIO_GUEST_PAGE_SIZE, PAGE_SIZE);
	mmio_bases[mmio_count++] = base;
	mmio_by_irq[irq] = m;
	trap_set_handler(TRAP_IRQ_BASE + irq, mmio_interrupt);
	ioapic_route(irq, TRAP_IRQ_BASE + irq);
	virtio_dev_found(&m->dev);
	return 0;
}

/* Parses "SIZE@BASE:IRQ" (SIZE may end in K or M, as Linux accepts). */
void virtio_mmio_add(const char *value)
{
	char buf[64], *at, *colon;
	uint64_t size, base, irq, unit = 1;
	size_t n = strlen(value);

	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, value, n + 1);
	at = strchr(buf, '@');
	colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		goto bad;
	*at = *colon = '\0';
	n = strlen(buf);
	if (n && (buf[n - 1] == 'K' || buf[n - 1] == 'k'))
		unit = 1024;
	else if (n && (buf[n - 1] == 'M' || buf[n - 1] == 'm'))
		unit = 1024 * 1024;
	if (unit != 1)
		buf[n - 1] = '\0';
	if (cmdline_u64(buf, &size) || cmdline_u64(at + 1, &base) ||
	    cmdline_u64(colon + 1, &irq))
		goto bad;
	if (size == 0 || size > (1ul << 20) / unit) /* at most 1 MiB */
		goto bad;
	size *= unit;
	if (size < 0x100 + 8 || base % 4 || base + size < base || base >= (1ul << 52) ||
	    irq >= MAX_IRQ)
		goto bad;
	mmio_attach(base, size, (int)irq, false);
	return;
bad:
	printk("virtio-mmio: ignoring malformed virtio_mmio.device=%s\n", value);
}

void virtio_mmio_probe_window(void)
{
	if (mmio_count || ioapic_lines() < WINDOW_IRQ_BASE + WINDOW_COUNT)
		return;
	for (int i = WINDOW_COUNT - 1; i >= 0; i--)
		mmio_attach(WINDOW_BASE + i * 0x200ul, 0x200, WINDOW_IRQ_BASE + i, true);
}

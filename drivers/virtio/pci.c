/*
 * The virtio-pci transport: the modern interface (virtio 1.x, found through
 * vendor capabilities that point into a memory BAR) when the function has
 * it, else the legacy interface in I/O BAR 0 (transitional devices with
 * disable-modern=on, or legacy-only ones). Interrupts come by MSI-X, one
 * vector for the configuration and every queue, delivered to the CPU that
 * probes; a function without MSI-X is not used, because INTx would need
 * the ACPI interrupt routing tables.
 */
#include <errno.h>
#include <stdbool.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <unishyper/format.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pci.h>
#include <unishyper/printk.h>
#include <unishyper/virtio.h>

#define VENDOR_VIRTIO 0x1af4

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* Modern common configuration. */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX_CONFIG 0x10
#define C_STATUS 0x14
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_AVAIL 0x28
#define C_Q_USED 0x30

/* Legacy I/O registers. */
#define L_HOST_FEATURES 0x00
#define L_GUEST_FEATURES 0x04
#define L_Q_PFN 0x08
#define L_Q_SIZE 0x0c
#define L_Q_SELECT 0x0e
#define L_Q_NOTIFY 0x10
#define L_STATUS 0x12
#define L_ISR 0x13
#define L_MSIX_CONFIG 0x14
#define L_Q_MSIX 0x16
#define L_CONFIG_MSIX 0x18

#define NO_VECTOR 0xffff
#define FIRST_VECTOR 0x80
#define LAST_VECTOR 0xe0

struct vpci {
	struct virtio_dev dev;
	struct pci_dev pci;
	volatile uint8_t *common, *isr, *device, *notify;
	uint32_t notify_mult;
	uint16_t io; /* legacy I/O base */
	char where[24];
};

static struct vpci *vpci_by_vector[256];
static int next_vector = FIRST_VECTOR;

#define VPCI(d) ((struct vpci *)(d)->transport)

static void c_wr8(struct vpci *p, unsigned off, uint8_t v) { *(volatile uint8_t *)(p->common + off) = v; }
static void c_wr16(struct vpci *p, unsigned off, uint16_t v) { *(volatile uint16_t *)(p->common + off) = v; }
static void c_wr32(struct vpci *p, unsigned off, uint32_t v) { *(volatile uint32_t *)(p->common + off) = v; }
static uint8_t c_rd8(struct vpci *p, unsigned off) { return *(volatile uint8_t *)(p->common + off); }
static uint16_t c_rd16(struct vpci *p, unsigned off) { return *(volatile uint16_t *)(p->common + off); }
static uint32_t c_rd32(struct vpci *p, unsigned off) { return *(volatile uint32_t *)(p->common + off); }

static void c_wr64(struct vpci *p, unsigned off, uint64_t v)
{
	c_wr32(p, off, (uint32_t)v);
	c_wr32(p, off + 4, (uint32_t)(v >> 32));
}

static uint8_t get_status(struct virtio_dev *d)
{
	struct vpci *p = VPCI(d);

	return d->legacy ? inb((uint16_t)(p->io + L_STATUS)) : c_rd8(p, C_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
	struct vpci *p = VPCI(d);

	if (d->legacy)
		outb((uint16_t)(p->io + L_STATUS), s);
	else
		c_wr8(p, C_STATUS, s);
}

static uint64_t get_features(struct virtio_dev *d)
{
	struct vpci *p = VPCI(d);

	if (d->legacy)
		return inl((uint16_t)(p->io + L_HOST_FEATURES));
	c_wr32(p, C_DFSELECT, 0);
	uint64_t lo = c_rd32(p, C_DF);
	c_wr32(p, C_DFSELECT, 1);
	return lo | (uint64_t)c_rd32(p, C_DF) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
	struct vpci *p = VPCI(d);

	if (d->legacy) {
		outl((uint16_t)(p->io + L_GUEST_FEATURES), (uint32_t)f);
		return;
	}
	c_wr32(p, C_GFSELECT, 0);
	c_wr32(p, C_GF, (uint32_t)f);
	c_wr32(p, C_GFSELECT, 1);
	c_wr32(p, C_GF, (uint32_t)(f >> 32));
}

static uint32_t config_read(struct virtio_dev *d, unsigned off, unsigned size)
{
	struct vpci *p = VPCI(d);

	if (d->legacy) {
		uint16_t port = (uint16_t)(p->io + L_CONFIG_MSIX + off);
		return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
	}
	volatile uint8_t *a = p->device + off;
	return size == 1 ? *a : size == 2 ? *(volatile uint16_t *)a : *(volatile uint32_t *)a;
}

static uint16_t queue_max(struct virtio_dev *d, unsigned idx)
{
	struct vpci *p = VPCI(d);

	if (d->legacy) {
		outw((uint16_t)(p->io + L_Q_SELECT), (uint16_t)idx);
		return inw((uint16_t)(p->io + L_Q_SIZE));
	}
	c_wr16(p, C_Q_SELECT, (uint16_t)idx);
	return c_rd16(p, C_Q_SIZE);
}

static int queue_setup(struct virtio_dev *d, struct virtqueue *vq)
{
	struct vpci *p = VPCI(d);

	if (d->legacy) {
		outw((uint16_t)(p->io + L_Q_SELECT), (uint16_t)vq->index);
		outw((uint16_t)(p->io + L_Q_MSIX), 0);
		if (inw((uint16_t)(p->io + L_Q_MSIX)) != 0)
			return -EIO;
		outl((uint16_t)(p->io + L_Q_PFN), (uint32_t)(vq->desc_phys / PAGE_SIZE));
		return 0;
	}
	c_wr16(p, C_Q_SELECT, (uint16_t)vq->index);
	c_wr16(p, C_Q_SIZE, vq->size);
	c_wr16(p, C_Q_MSIX, 0);
	if (c_rd16(p, C_Q_MSIX) != 0)
		return -EIO;
	c_wr64(p, C_Q_DESC, vq->desc_phys);
	c_wr64(p, C_Q_AVAIL, vq->avail_phys);
	c_wr64(p, C_Q_USED, vq->used_phys);
	vq->notify_off = c_rd16(p, C_Q_NOFF);
	c_wr16(p, C_Q_ENABLE, 1);
	return 0;
}

static void notify(struct virtio_dev *d, struct virtqueue *vq)
{
	struct vpci *p = VPCI(d);

	if (d->legacy)
		outw((uint16_t)(p->io + L_Q_NOTIFY), (uint16_t)vq->index);
	else
		*(volatile uint16_t *)(p->notify + vq->notify_off * p->notify_mult) =
			(uint16_t)vq->index;
}

static const struct virtio_transport vpci_ops = {
	.get_status = get_status,
	.set_status = set_status,
	.get_features = get_features,
	.set_features = set_features,
	.config_read = config_read,
	.queue_max = queue_max,
	.queue_setup = queue_setup,
	.notify = notify,
	/* With MSI-X the ISR is neither read nor needed. */
};

static void vpci_interrupt(struct trap_frame *f)
{
	struct vpci *p = vpci_by_vector[f->vector & 0xff];

	if (p)
		virtio_dev_interrupt(&p->dev);
}

/* Finds the modern capabilities; false when one is missing. */
static bool find_modern(struct vpci *p)
{
	const struct pci_dev *d = &p->pci;

	for (unsigned cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(d, cap + 3), bar = pci_read8(d, cap + 4);
		uint32_t off = pci_read32(d, cap + 8);
		if (bar > 5 || type < CAP_COMMON || type > CAP_DEVICE)
			continue;
		uint8_t *base = pci_map_bar(d, bar);
		if (!base)
			continue;
		volatile uint8_t *at = base + off;
		switch (type) {
		case CAP_COMMON:
			if (!p->common)
				p->common = at;
			break;
		case CAP_NOTIFY:
			if (!p->notify) {
				p->notify = at;
				p->notify_mult = pci_read32(d, cap + 16);
			}
			break;
		case CAP_ISR:
			if (!p->isr)
				p->isr = at;
			break;
		case CAP_DEVICE:
			if (!p->device)
				p->device = at;
			break;
		}
	}
	return p->common && p->notify && p->isr && p->device;
}

static void found(const struct pci_dev *d, void *arg)
{
	(void)arg;
	/* Transitional ids 0x1000-0x103f (subsystem = device type), modern
	 * ids 0x1040 + type. */
	uint32_t type;
	if (d->device >= 0x1000 && d->device <= 0x103f)
		type = d->subsystem;
	else if (d->device >= 0x1040 && d->device <= 0x107f)
		type = d->device - 0x1040u;
	else
		return;
	if (next_vector > LAST_VECTOR) {
		printk("virtio-pci: out of interrupt vectors\n");
		return;
	}
	struct vpci *p = kzalloc(sizeof(*p));
	if (!p)
		return;
	p->pci = *d;
	ksnprintf(p->where, sizeof(p->where), "pci %02x:%02x.%x", d->bus, d->slot, d->func);
	p->dev.ops = &vpci_ops;
	p->dev.transport = p;
	p->dev.where = p->where;
	p->dev.device_id = type;
	pci_enable(d);
	if (!find_modern(p)) {
		struct pci_bar bar;
		if (pci_bar(d, 0, &bar) || !bar.io) {
			printk("virtio-pci: %s: neither modern nor legacy interface\n", p->where);
			kfree(p);
			return;
		}
		p->io = (uint16_t)bar.base;
		p->dev.legacy = true;
	}
	int vector = next_vector;
	if (pci_msix_enable(d, 1, vector)) {
		printk("virtio-pci: %s: no MSI-X, not used\n", p->where);
		kfree(p);
		return;
	}
	next_vector++;
	vpci_by_vector[vector] = p;
	trap_set_handler(vector, vpci_interrupt);
	set_status(&p->dev, 0);
	if (p->dev.legacy) {
		outw((uint16_t)(p->io + L_MSIX_CONFIG), NO_VECTOR);
	} else {
		c_wr16(p, C_MSIX_CONFIG, NO_VECTOR);
	}
	virtio_dev_found(&p->dev);
}

void virtio_pci_probe(void)
{
	pci_find(VENDOR_VIRTIO, found, NULL);
}

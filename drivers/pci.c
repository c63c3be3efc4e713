/*
 * PCI configuration space through the 0xcf8/0xcfc ports (configuration
 * mechanism #1, which q35 and pc both offer): enumeration of every bus,
 * BAR sizing and mapping, the capability list and MSI-X set-up. The
 * firmware (SeaBIOS on q35) has assigned the BARs; a BAR it left at zero
 * counts as absent. Accesses go through one lock, because the address and
 * data ports are a pair.
 */
#include <errno.h>
#include <stddef.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <unishyper/pci.h>
#include <unishyper/spinlock.h>

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc

#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS 0x08
#define PCI_HEADER 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM 0x2e
#define PCI_CAP_PTR 0x34

#define CMD_IO 1
#define CMD_MEM 2
#define CMD_MASTER 4
#define CMD_INTX_OFF (1 << 10)
#define STATUS_CAPS (1 << 4)

#define MSIX_ENABLE (1 << 15)
#define MSIX_MASKALL (1 << 14)

static spinlock_t pci_lock = SPINLOCK_INIT;

static uint32_t cfg_addr(const struct pci_dev *d, unsigned off)
{
	return 1u << 31 | (uint32_t)d->bus << 16 | (uint32_t)d->slot << 11 |
	       (uint32_t)d->func << 8 | (off & 0xfc);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	unsigned long flags = spin_lock_irqsave(&pci_lock);
	outl(CONFIG_ADDRESS, cfg_addr(d, off));
	uint32_t v = inl(CONFIG_DATA);
	spin_unlock_irqrestore(&pci_lock, flags);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	unsigned long flags = spin_lock_irqsave(&pci_lock);
	outl(CONFIG_ADDRESS, cfg_addr(d, off));
	outl(CONFIG_DATA, v);
	spin_unlock_irqrestore(&pci_lock, flags);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	unsigned long flags = spin_lock_irqsave(&pci_lock);
	outl(CONFIG_ADDRESS, cfg_addr(d, off));
	outw((uint16_t)(CONFIG_DATA + (off & 2)), v);
	spin_unlock_irqrestore(&pci_lock, flags);
}

int pci_find(uint16_t vendor, void (*fn)(const struct pci_dev *d, void *arg), void *arg)
{
	int found = 0;

	for (int bus = 0; bus < 256; bus++) {
		for (int slot = 0; slot < 32; slot++) {
			for (int func = 0; func < 8; func++) {
				struct pci_dev d = { .bus = (uint8_t)bus, .slot = (uint8_t)slot, .func = (uint8_t)func };
				uint32_t id = pci_read32(&d, PCI_VENDOR);
				if ((id & 0xffff) == 0xffff) {
					if (!func)
						break; /* no function 0: no device */
					continue;
				}
				d.vendor = (uint16_t)id;
				d.device = (uint16_t)(id >> 16);
				uint32_t class = pci_read32(&d, PCI_CLASS);
				d.class = (uint8_t)(class >> 24);
				d.subclass = (uint8_t)(class >> 16);
				d.subsystem = pci_read16(&d, PCI_SUBSYSTEM);
				if (vendor == 0xffff || d.vendor == vendor) {
					fn(&d, arg);
					found++;
				}
				if (!func && !(pci_read8(&d, PCI_HEADER) & 0x80))
					break; /* single-function device */
			}
		}
	}
	return found;
}

int pci_bar(const struct pci_dev *d, int i, struct pci_bar *out)
{
	unsigned off = PCI_BAR0 + 4 * i;

	if (i < 0 || i > 5)
		return -ENOENT;
	uint32_t lo = pci_read32(d, off);
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	/* Sizing writes all ones: stop decoding meanwhile. */
	pci_write16(d, PCI_COMMAND, cmd & ~(CMD_IO | CMD_MEM));
	pci_write32(d, off, ~0u);
	uint32_t mask = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (lo & 1) {
		pci_write16(d, PCI_COMMAND, cmd);
		out->io = true;
		out->base = lo & ~3u;
		out->size = (uint16_t)~(mask & ~3u) + 1u;
		return out->base ? 0 : -ENOENT;
	}
	uint64_t base = lo & ~0xfu, size_mask = 0xffffffff00000000ull | (mask & ~0xfu);
	if ((lo & 6) == 4 && i < 5) {
		uint32_t hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, ~0u);
		uint32_t mhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
		base |= (uint64_t)hi << 32;
		size_mask = (uint64_t)mhi << 32 | (mask & ~0xfu);
	}
	pci_write16(d, PCI_COMMAND, cmd);
	out->io = false;
	out->base = base;
	out->size = ~size_mask + 1;
	return base && (mask & ~0xfu) ? 0 : -ENOENT;
}

void *pci_map_bar(const struct pci_dev *d, int i)
{
	struct pci_bar bar;

	if (pci_bar(d, i, &bar) || bar.io)
		return NULL;
	return mmu_map_device(bar.base, bar.size);
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start)
{
	unsigned off;
	int guard = 48; /* a looped list ends here */

	if (!(pci_read16(d, PCI_STATUS) & STATUS_CAPS))
		return 0;
	off = start ? pci_read8(d, start + 1) : pci_read8(d, PCI_CAP_PTR);
	while (off >= 0x40 && guard--) {
		off &= 0xfc;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

void pci_enable(const struct pci_dev *d)
{
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | CMD_IO | CMD_MEM | CMD_MASTER);
}

int pci_msix_enable(const struct pci_dev *d, int n, int vector)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, 0);

	if (!cap)
		return -ENODEV;
	uint16_t ctrl = pci_read16(d, cap + 2);
	if ((ctrl & 0x7ff) + 1 < n)
		return -ENODEV;
	uint32_t table = pci_read32(d, cap + 4);
	uint8_t *base = pci_map_bar(d, table & 7);
	if (!base)
		return -ENODEV;
	volatile uint32_t *entry = (volatile uint32_t *)(base + (table & ~7u));
	pci_write16(d, cap + 2, ctrl | MSIX_ENABLE | MSIX_MASKALL);
	for (int i = 0; i < n; i++, entry += 4) {
		entry[0] = 0xfee00000u | apic_id() << 12;
		entry[1] = 0;
		entry[2] = (uint32_t)vector;
		entry[3] = 0; /* unmasked */
	}
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | CMD_INTX_OFF);
	pci_write16(d, cap + 2, (ctrl | MSIX_ENABLE) & ~MSIX_MASKALL);
	return 0;
}

/*
 * PCI configuration space (drivers/pci.c): enumeration of the devices on
 * buses 0..255 through the 0xcf8/0xcfc mechanism, BAR sizing and mapping,
 * the capability list and MSI-X. Drivers find their devices with
 * pci_find() and never touch configuration ports themselves.
 */
#ifndef UNISHYPER_PCI_H
#define UNISHYPER_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device, subsystem;
	uint8_t class, subclass;
};

struct pci_bar {
	uint64_t base; /* physical address, or I/O port */
	uint64_t size;
	bool io;
};

uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* Calls fn for every function on every bus whose vendor is vendor (0xffff:
 * any); returns how many were found. */
int pci_find(uint16_t vendor, void (*fn)(const struct pci_dev *d, void *arg), void *arg);

/* Reads BAR i (sizing it); 0, or -ENOENT when it is absent or unassigned. */
int pci_bar(const struct pci_dev *d, int i, struct pci_bar *out);

/* BAR i mapped uncached (memory BARs only), or NULL. */
void *pci_map_bar(const struct pci_dev *d, int i);

/* Offset of the first capability with id at or after offset start (0: the
 * first), or 0 when there is none. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start);

/* Turns on memory and I/O decoding and bus mastering (DMA). */
void pci_enable(const struct pci_dev *d);

/* Enables MSI-X and points table entries 0..n-1 at vector (on the boot
 * CPU), with INTx off. 0, or -ENODEV without MSI-X (or a table too small). */
int pci_msix_enable(const struct pci_dev *d, int n, int vector);

#endif

/*
 * ACPI tables: the RSDP (from the PVH start info, else the BIOS area),
 * the RSDT or XSDT, and the MADT's list of CPUs. Every length, signature
 * and checksum is checked before it is used; a table that fails is
 * ignored and the MP table, then the boot CPU alone, are the fallbacks.
 */
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/boot.h>
#include <unishyper/endian.h>
#include <unishyper/firmware.h>

#define SDT_HEADER 36
#define MADT_HEADER 44

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum, reserved[3];
} __attribute__((packed));

uint8_t firmware_checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return sum;
}

int acpi_madt_cpus(const void *madt, size_t len, uint32_t *ids, int max)
{
	const uint8_t *t = madt;
	int n = 0;

	if (len < MADT_HEADER || memcmp(t, "APIC", 4) || le32_load(t + 4) != len ||
	    firmware_checksum(t, len))
		return -1;
	for (size_t off = MADT_HEADER; off + 2 <= len;) {
		uint8_t type = t[off], elen = t[off + 1];
		if (elen < 2 || off + elen > len)
			return -1;
		uint32_t id = 0, flags = 0;
		int cpu = 0;
		if (type == 0 && elen >= 8) { /* processor local APIC */
			id = t[off + 3];
			flags = le32_load(t + off + 4);
			cpu = 1;
		} else if (type == 9 && elen >= 16) { /* processor local x2APIC */
			id = le32_load(t + off + 4);
			flags = le32_load(t + off + 8);
			cpu = 1;
		}
		/* Enabled (bit 0); an online-capable CPU (bit 1 only) is not there yet. */
		if (cpu && (flags & 1) && n < max)
			ids[n++] = id;
		off += elen;
	}
	return n;
}

/* Maps and checks one table: the signature, a sane length, the checksum. */
static const uint8_t *table(uint64_t phys, const char *sig)
{
	if (!phys)
		return NULL;
	const uint8_t *h = mmu_map_device(phys, SDT_HEADER);
	uint32_t len = le32_load(h + 4);
	if ((sig && memcmp(h, sig, 4)) || len < SDT_HEADER || len > (1u << 20))
		return NULL;
	h = mmu_map_device(phys, len);
	return firmware_checksum(h, len) ? NULL : h;
}

static uint64_t find_rsdp(void)
{
	if (boot_info.rsdp)
		return boot_info.rsdp;
	const uint8_t *bios = mmu_map_device(0xe0000, 0x20000);
	for (uint32_t off = 0; off + 20 <= 0x20000; off += 16)
		if (!memcmp(bios + off, "RSD PTR ", 8) && !firmware_checksum(bios + off, 20))
			return 0xe0000 + off;
	return 0;
}

int firmware_cpus(uint32_t *ids, int max)
{
	uint64_t rsdp_phys = find_rsdp();

	if (rsdp_phys) {
		const struct rsdp *r = mmu_map_device(rsdp_phys, sizeof(*r));
		int xsdt = r->revision >= 2 && r->xsdt && !firmware_checksum(r, sizeof(*r));
		const uint8_t *root = table(xsdt ? r->xsdt : r->rsdt, xsdt ? "XSDT" : "RSDT");
		if (root) {
			size_t entry = xsdt ? 8 : 4, count = (le32_load(root + 4) - SDT_HEADER) / entry;
			for (size_t i = 0; i < count; i++) {
				const uint8_t *p = root + SDT_HEADER + i * entry;
				const uint8_t *madt = table(xsdt ? le64_load(p) : le32_load(p), "APIC");
				if (madt) {
					int n = acpi_madt_cpus(madt, le32_load(madt + 4), ids, max);
					if (n > 0)
						return n;
				}
			}
		}
	}
	return mptable_find_cpus(ids, max);
}

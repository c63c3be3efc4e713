/*
 * The Intel MultiProcessor table, for machines without ACPI: the floating
 * pointer ("_MP_") in the BIOS areas and the configuration table ("PCMP")
 * it names, whose processor entries list the CPUs. Checked like ACPI.
 */
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/endian.h>
#include <unishyper/firmware.h>

#define PCMP_HEADER 44

int mptable_cpus(const void *config, size_t len, uint32_t *ids, int max)
{
	const uint8_t *t = config;
	int n = 0;

	if (len < PCMP_HEADER || memcmp(t, "PCMP", 4) || le16_load(t + 4) != len ||
	    firmware_checksum(t, len))
		return -1;
	size_t off = PCMP_HEADER;
	for (unsigned i = 0, count = le16_load(t + 34); i < count; i++) {
		if (off >= len)
			return -1;
		size_t elen = t[off] == 0 ? 20 : 8; /* processor entries are 20 bytes */
		if (off + elen > len)
			return -1;
		if (t[off] == 0 && (t[off + 3] & 1) && n < max)
			ids[n++] = t[off + 1];
		off += elen;
	}
	return n;
}

static int scan(uint64_t base, size_t size, uint32_t *ids, int max)
{
	const uint8_t *p = mmu_map_device(base, size);

	for (size_t off = 0; off + 16 <= size; off += 16) {
		if (memcmp(p + off, "_MP_", 4) || firmware_checksum(p + off, 16))
			continue;
		uint32_t phys = p[off + 4] | p[off + 5] << 8 | p[off + 6] << 16 |
				(uint32_t)p[off + 7] << 24;
		if (!phys)
			return 0;
		const uint8_t *h = mmu_map_device(phys, PCMP_HEADER);
		size_t len = le16_load(h + 4);
		if (len < PCMP_HEADER)
			return 0;
		int n = mptable_cpus(mmu_map_device(phys, len), len, ids, max);
		return n > 0 ? n : 0;
	}
	return -1;
}

int mptable_find_cpus(uint32_t *ids, int max)
{
	int n = scan(0x9fc00, 0x400, ids, max); /* the last KiB of base memory */

	if (n < 0)
		n = scan(0xf0000, 0x10000, ids, max);
	return n > 0 ? n : 0;
}

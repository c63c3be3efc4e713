/*
 * The PVH boot protocol: reads QEMU's hvm_start_info block into boot_info.
 *
 * Runs first, under the boot page tables, which map the low GiB where QEMU
 * puts the block, the command line and the memory map. Everything is copied,
 * so the memory they occupy can be reused afterwards.
 */
#include <stdint.h>

#include <arch/mmu.h>
#include <unishyper/boot.h>
#include <unishyper/printk.h>

#define HVM_START_MAGIC 0x336ec578
#define HVM_MEMMAP_RAM 1

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct boot_info boot_info;

void boot_parse(uint64_t info)
{
	const struct hvm_start_info *si = phys_to_virt(info);

	if (si->magic != HVM_START_MAGIC)
		panic("pvh: bad start-info magic %#x", si->magic);
	if (si->version < 1 || !si->memmap_paddr)
		panic("pvh: start info version %u has no memory map", si->version);

	const struct hvm_memmap_entry *m = phys_to_virt(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries && boot_info.nmem < BOOT_MEM_MAX; i++) {
		struct boot_mem *b = &boot_info.mem[boot_info.nmem++];
		b->base = m[i].addr;
		b->len = m[i].size;
		b->type = m[i].type == HVM_MEMMAP_RAM ? BOOT_MEM_RAM : BOOT_MEM_RESERVED;
	}

	if (si->cmdline_paddr) {
		const char *c = phys_to_virt(si->cmdline_paddr);
		size_t n = 0;
		while (c[n] && n < BOOT_CMDLINE_MAX - 1) {
			boot_info.cmdline[n] = c[n];
			n++;
		}
		boot_info.cmdline[n] = 0;
		boot_info.cmdline_truncated = c[n] != 0;
	}
	boot_info.rsdp = si->rsdp_paddr;
}

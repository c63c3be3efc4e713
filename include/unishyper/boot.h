/*
 * What the boot protocol told the kernel: the memory map, the command line
 * and the firmware tables. Filled by the architecture's entry code (PVH on
 * x86_64) before anything else runs, read by the rest of the kernel.
 */
#ifndef UNISHYPER_BOOT_H
#define UNISHYPER_BOOT_H

#include <stdint.h>

#define BOOT_MEM_MAX 64
#define BOOT_CMDLINE_MAX 65536

enum boot_mem_type { BOOT_MEM_RAM = 1, BOOT_MEM_RESERVED = 2 };

struct boot_mem {
	uint64_t base, len;
	enum boot_mem_type type;
};

struct boot_info {
	struct boot_mem mem[BOOT_MEM_MAX];
	int nmem;
	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated copy */
	int cmdline_truncated;
	uint64_t rsdp;   /* physical address of the ACPI RSDP, or 0 */
	uint64_t tsc0;   /* TSC at the first instruction */
};

extern struct boot_info boot_info;

/* Reads the boot protocol's block at physical address info (PVH). */
void boot_parse(uint64_t info);

#endif

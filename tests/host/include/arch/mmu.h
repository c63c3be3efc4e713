/*
 * Host stand-in for kernel/arch/x86_64/include/arch/mmu.h, for the host
 * tests and fuzz targets of the firmware table code (drivers/acpi.c,
 * drivers/mptable.c): only the device mapping they call. The test or
 * fuzz target that links those files defines it.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>

/* Maps device memory and returns its address. */
void *mmu_map_device(uint64_t phys, uint64_t size);

#endif

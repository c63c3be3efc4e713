/*
 * What the firmware tables say about the machine's CPUs: the ACPI MADT
 * (drivers/acpi.c), or the MP table on machines without ACPI
 * (drivers/mptable.c). The parsers take the raw bytes and trust nothing in
 * them, so they are host-tested and fuzzed.
 */
#ifndef UNISHYPER_FIRMWARE_H
#define UNISHYPER_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

/* Local APIC ids of the usable CPUs, at most max; returns how many were
 * found (0: no table, so only the boot CPU is known). */
int firmware_cpus(uint32_t *ids, int max);

/* The enabled CPUs of a MADT of len bytes (header included); -1 when the
 * table is malformed (bad length, signature or checksum). */
int acpi_madt_cpus(const void *madt, size_t len, uint32_t *ids, int max);

/* The enabled CPUs of an MP configuration table of len bytes; -1 when it
 * is malformed. */
int mptable_cpus(const void *config, size_t len, uint32_t *ids, int max);

/* Looks for the MP table in the BIOS areas; same result as firmware_cpus. */
int mptable_find_cpus(uint32_t *ids, int max);

/* Sum of n bytes modulo 256: zero for a valid table. */
uint8_t firmware_checksum(const void *p, size_t n);

#endif

/*
 * libFuzzer target for the firmware table parsers, acpi_madt_cpus
 * (drivers/acpi.c) and mptable_cpus (drivers/mptable.c), which read what
 * the VMM put in memory.
 *
 * The first byte picks the parser: 0 the MADT, 1 the MP table, 2 both
 * (modulo 3). The rest is the table, parsed from a heap copy of exactly
 * its size, once as it is and once with its length field and checksum
 * made right, so that the fuzzer reaches the entries without having to
 * guess a checksum. Checked: the count is -1 or at most max; no id is
 * written at or past max, nor past the count; success only for a table
 * whose signature, length field and checksum are right; a smaller max
 * gives a prefix of the same ids; MP ids fit in a byte. Any violation
 * traps. Built with clang -fsanitize=fuzzer,address,undefined by
 * tests/host/rules.mk, with the stub arch/mmu.h of tests/host/include.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/mmu.h>
#include <unishyper/boot.h>
#include <unishyper/firmware.h>

#define MAX_IDS	 64
#define SENTINEL 0xdeadbeefu

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* What the parsers need from the rest of the kernel, never called here. */
struct boot_info boot_info;

void *mmu_map_device(uint64_t phys, uint64_t size)
{
	(void)phys;
	(void)size;
	__builtin_trap();
}

typedef int parser(const void *table, size_t len, uint32_t *ids, int max);

/* Where each table keeps its signature, length field and checksum. */
struct format {
	parser *parse;
	const char *signature;
	size_t length_bytes; /* of the length field, at offset 4 */
	size_t checksum_at;
	int id_bits;
};

static const struct format formats[] = {
    {acpi_madt_cpus, "APIC", 4, 9, 32},
    {mptable_cpus, "PCMP", 2, 7, 8},
};

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static uint64_t length_field(const struct format *f, const uint8_t *t)
{
	uint64_t v = 0;

	for (size_t i = 0; i < f->length_bytes; i++)
		v |= (uint64_t)t[4 + i] << (8 * i);
	return v;
}

static int run(const struct format *f, const uint8_t *t, size_t len, uint32_t *ids, int max)
{
	for (int i = 0; i < MAX_IDS; i++)
		ids[i] = SENTINEL;
	int n = f->parse(t, len, ids, max);
	CHECK(n >= -1 && n <= max);
	for (int i = n >= 0 ? n : max; i < MAX_IDS; i++)
		CHECK(ids[i] == SENTINEL);
	return n;
}

static void check(const struct format *f, const uint8_t *t, size_t len)
{
	uint32_t ids[MAX_IDS], fewer[MAX_IDS];
	int n = run(f, t, len, ids, MAX_IDS);

	CHECK(firmware_checksum(t, len) == sum8(t, len));
	if (n < 0) {
		CHECK(run(f, t, len, fewer, 1) == -1);
		return;
	}
	CHECK(len >= 8 && !memcmp(t, f->signature, 4));
	CHECK(length_field(f, t) == len && sum8(t, len) == 0);
	for (int i = 0; i < n; i++)
		CHECK(f->id_bits == 32 || ids[i] >> f->id_bits == 0);
	int max = n / 2;
	CHECK(run(f, t, len, fewer, max) == max);
	CHECK(!memcmp(ids, fewer, (size_t)max * sizeof(uint32_t)));
}

/* The table as given, and with its length field and checksum fitted. */
static void fuzz(const struct format *f, const uint8_t *data, size_t size)
{
	uint8_t *t = malloc(size);

	if (size && !t)
		return;
	if (size)
		memcpy(t, data, size);
	check(f, t, size);
	if (size > f->checksum_at && size >> (8 * f->length_bytes) == 0) {
		for (size_t i = 0; i < f->length_bytes; i++)
			t[4 + i] = (uint8_t)(size >> (8 * i));
		t[f->checksum_at] = 0;
		t[f->checksum_at] = (uint8_t)-sum8(t, size);
		check(f, t, size);
	}
	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int which = data[0] % 3;
	if (which != 1)
		fuzz(&formats[0], data + 1, size - 1);
	if (which != 0)
		fuzz(&formats[1], data + 1, size - 1);
	return 0;
}

/*
 * Host tests for the firmware table parsers, drivers/acpi.c and
 * drivers/mptable.c: MADTs and MP configuration tables built byte by byte
 * after the ACPI and Intel MP 1.4 specifications, then enabled CPUs in
 * order, disabled ones and other entry types skipped, the id array's
 * limit, every malformed-table case, and every truncation of a valid
 * table. Each table is parsed from a heap copy of exactly the length
 * given, so AddressSanitizer catches a read past it.
 *
 * The discovery path (firmware_cpus: RSDP, RSDT or XSDT, MADT, then the MP
 * floating pointer) runs over a fake physical memory: mmu_map_device, from
 * the stub arch/mmu.h in tests/host/include, returns a heap copy of exactly
 * the range asked for, so reading more than was mapped is caught too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/mmu.h>
#include <unishyper/boot.h>
#include <unishyper/firmware.h>

#define SDT_HEADER  36
#define MADT_HEADER 44
#define PCMP_HEADER 44
#define MAX_IDS	    16
#define MAX_ENTRIES 64
#define SENTINEL    0xdeadbeefu

typedef int parser(const void *table, size_t len, uint32_t *ids, int max);

/* A table being built, with where each entry ends and how many enabled
 * CPUs the entries up to there hold, to predict the result of a cut. */
struct table {
	uint8_t b[2048];
	size_t len;
	int entries;
	size_t end[MAX_ENTRIES];
	int ncpus[MAX_ENTRIES];
	uint32_t cpus[MAX_ENTRIES]; /* the enabled CPUs' ids, in order */
};

struct result {
	int n;
	uint32_t ids[MAX_IDS];
};

/* The checksum the tables are sealed with, independent of the one tested. */
static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void put(struct table *t, const void *p, size_t n)
{
	assert_true(t->len + n <= sizeof(t->b));
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void put8(struct table *t, uint8_t v)
{
	put(t, &v, 1);
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)v);
	set16(p + 2, (uint16_t)(v >> 16));
}

static void put16(struct table *t, uint16_t v)
{
	uint8_t b[2];

	set16(b, v);
	put(t, b, 2);
}

static void put32(struct table *t, uint32_t v)
{
	uint8_t b[4];

	set32(b, v);
	put(t, b, 4);
}

static void put64(struct table *t, uint64_t v)
{
	put32(t, (uint32_t)v);
	put32(t, (uint32_t)(v >> 32));
}

/* Records the entry just added; cpu is its id if it is an enabled CPU. */
static void entry_done(struct table *t, bool enabled, uint32_t cpu)
{
	int prev = t->entries ? t->ncpus[t->entries - 1] : 0;

	assert_true(t->entries < MAX_ENTRIES);
	if (enabled)
		t->cpus[prev++] = cpu;
	t->end[t->entries] = t->len;
	t->ncpus[t->entries] = prev;
	t->entries++;
}

/* ACPI system description table header; length and checksum by sdt_seal. */
static void sdt_begin(struct table *t, const char *sig)
{
	memset(t, 0, sizeof(*t));
	put(t, sig, 4);
	put32(t, 0);	       /* length */
	put8(t, 2);	       /* revision */
	put8(t, 0);	       /* checksum */
	put(t, "UNISHY", 6);   /* OEM id */
	put(t, "TESTTABL", 8); /* OEM table id */
	put32(t, 1);	       /* OEM revision */
	put(t, "UTST", 4);     /* creator id */
	put32(t, 1);	       /* creator revision */
	assert_int_equal(t->len, SDT_HEADER);
}

static void sdt_seal(struct table *t)
{
	set32(t->b + 4, (uint32_t)t->len);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum8(t->b, t->len);
}

static void madt_begin(struct table *t)
{
	sdt_begin(t, "APIC");
	put32(t, 0xfee00000); /* local APIC address */
	put32(t, 1);	      /* PC-AT compatible */
	assert_int_equal(t->len, MADT_HEADER);
}

static void madt_lapic(struct table *t, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	put8(t, 0);
	put8(t, 8);
	put8(t, uid);
	put8(t, apic_id);
	put32(t, flags);
	entry_done(t, flags & 1, apic_id);
}

static void madt_x2apic(struct table *t, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	put8(t, 9);
	put8(t, 16);
	put16(t, 0);
	put32(t, x2apic_id);
	put32(t, flags);
	put32(t, uid);
	entry_done(t, flags & 1, x2apic_id);
}

static void madt_ioapic(struct table *t, uint8_t id)
{
	put8(t, 1);
	put8(t, 12);
	put8(t, id);
	put8(t, 0);
	put32(t, 0xfec00000);
	put32(t, 0); /* global system interrupt base */
	entry_done(t, false, 0);
}

static void madt_override(struct table *t, uint8_t irq, uint32_t gsi)
{
	put8(t, 2);
	put8(t, 10);
	put8(t, 0); /* ISA */
	put8(t, irq);
	put32(t, gsi);
	put16(t, 0);
	entry_done(t, false, 0);
}

/* An entry of any type and length, filled with pattern. */
static void madt_raw(struct table *t, uint8_t type, uint8_t len, uint8_t pattern)
{
	put8(t, type);
	put8(t, len);
	for (int i = 2; i < len; i++)
		put8(t, pattern);
	entry_done(t, false, 0);
}

/* MP configuration table header; length, count and checksum by pcmp_seal. */
static void pcmp_begin(struct table *t)
{
	memset(t, 0, sizeof(*t));
	put(t, "PCMP", 4);
	put16(t, 0);		    /* base table length */
	put8(t, 4);		    /* specification 1.4 */
	put8(t, 0);		    /* checksum */
	put(t, "UNISHYPR", 8);	    /* OEM id */
	put(t, "TEST PRODUCT", 12); /* product id */
	put32(t, 0);		    /* OEM table pointer */
	put16(t, 0);		    /* OEM table size */
	put16(t, 0);		    /* entry count */
	put32(t, 0xfee00000);	    /* local APIC address */
	put16(t, 0);		    /* extended table length */
	put8(t, 0);		    /* extended table checksum */
	put8(t, 0);
	assert_int_equal(t->len, PCMP_HEADER);
}

static void pcmp_cpu(struct table *t, uint8_t apic_id, uint8_t flags)
{
	put8(t, 0);
	put8(t, apic_id);
	put8(t, 0x14);	/* local APIC version */
	put8(t, flags); /* bit 0 enabled, bit 1 bootstrap processor */
	put32(t, 0x000306a9);
	put32(t, 0x0781abfd);
	put64(t, 0);
	entry_done(t, flags & 1, apic_id);
}

static void pcmp_bus(struct table *t, uint8_t id, const char *name)
{
	char type[6] = "      ";

	memcpy(type, name, strlen(name));
	put8(t, 1);
	put8(t, id);
	put(t, type, 6);
	entry_done(t, false, 0);
}

static void pcmp_ioapic(struct table *t, uint8_t id)
{
	put8(t, 2);
	put8(t, id);
	put8(t, 0x11);
	put8(t, 1);
	put32(t, 0xfec00000);
	entry_done(t, false, 0);
}

/* An I/O interrupt (type 3) or local interrupt (type 4) assignment. */
static void pcmp_irq(struct table *t, uint8_t type, uint8_t irq)
{
	put8(t, type);
	put8(t, 0); /* INT */
	put16(t, 0);
	put8(t, 0); /* bus */
	put8(t, irq);
	put8(t, type == 3 ? 2 : 0xff);
	put8(t, irq);
	entry_done(t, false, 0);
}

static void pcmp_seal_count(struct table *t, uint16_t count)
{
	set16(t->b + 4, (uint16_t)t->len);
	set16(t->b + 34, count);
	t->b[7] = 0;
	t->b[7] = (uint8_t)-sum8(t->b, t->len);
}

static void pcmp_seal(struct table *t)
{
	pcmp_seal_count(t, (uint16_t)t->entries);
}

/*
 * Parses a heap copy of exactly len bytes of bytes (len may exceed the
 * copy's size only when the parser must fail on the header). Checks that
 * no id was written at or past max, nor past the count returned.
 */
static struct result parse_bytes(parser *p, const uint8_t *bytes, size_t len, int max)
{
	struct result r;
	uint8_t *copy = malloc(len);

	assert_true(max <= MAX_IDS);
	assert_true(len == 0 || copy != NULL);
	if (len)
		memcpy(copy, bytes, len);
	for (int i = 0; i < MAX_IDS; i++)
		r.ids[i] = SENTINEL;
	r.n = p(copy, len, r.ids, max);
	free(copy);
	assert_true(r.n >= -1 && r.n <= (max > 0 ? max : 0));
	for (int i = r.n >= 0 ? r.n : (max > 0 ? max : 0); i < MAX_IDS; i++)
		assert_int_equal(r.ids[i], SENTINEL);
	return r;
}

static struct result parse(parser *p, const struct table *t, int max)
{
	return parse_bytes(p, t->b, t->len, max);
}

static void expect_ids(struct result r, const uint32_t *want, int n)
{
	assert_int_equal(r.n, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(r.ids[i], want[i]);
}

#define EXPECT_IDS(r, ...)                                                                         \
	expect_ids((r), (const uint32_t[]){__VA_ARGS__},                                           \
		   (int)(sizeof((uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)))

/* A MADT like QEMU's for four CPUs, with an x2APIC entry and a disabled
 * CPU among them. */
static void madt_typical(struct table *t)
{
	madt_begin(t);
	madt_lapic(t, 0, 0, 1);
	madt_lapic(t, 1, 1, 1);
	madt_ioapic(t, 0);
	madt_override(t, 0, 2);
	madt_lapic(t, 2, 2, 0);
	madt_override(t, 9, 9);
	madt_x2apic(t, 0x1234, 1, 3);
	madt_lapic(t, 4, 4, 1);
	sdt_seal(t);
}

static void pcmp_typical(struct table *t)
{
	pcmp_begin(t);
	pcmp_cpu(t, 0, 3);
	pcmp_cpu(t, 1, 1);
	pcmp_cpu(t, 2, 0);
	pcmp_bus(t, 0, "ISA");
	pcmp_ioapic(t, 2);
	pcmp_irq(t, 3, 4);
	pcmp_cpu(t, 3, 1);
	pcmp_irq(t, 4, 1);
	pcmp_seal(t);
}

static void test_checksum(void **state)
{
	const uint8_t bytes[] = {0x80, 0x80, 0x01, 0xff};
	struct table t;

	(void)state;
	assert_int_equal(firmware_checksum(bytes, 0), 0);
	assert_int_equal(firmware_checksum(bytes, 1), 0x80);
	assert_int_equal(firmware_checksum(bytes, 2), 0);
	assert_int_equal(firmware_checksum(bytes, 4), 0);
	assert_int_equal(firmware_checksum(bytes + 2, 2), 0);
	madt_typical(&t);
	assert_int_equal(firmware_checksum(t.b, t.len), 0);
	t.b[20]++;
	assert_int_equal(firmware_checksum(t.b, t.len), 1);
}

static void test_madt_cpus_in_order(void **state)
{
	struct table t;

	(void)state;
	madt_begin(&t);
	madt_lapic(&t, 0, 0, 1);
	madt_ioapic(&t, 8);
	madt_lapic(&t, 1, 2, 1);
	madt_override(&t, 0, 2);
	madt_override(&t, 9, 9);
	madt_lapic(&t, 2, 5, 1);
	madt_lapic(&t, 3, 255, 1);
	sdt_seal(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 0, 2, 5, 255);
}

static void test_madt_skips_disabled(void **state)
{
	struct table t;

	(void)state;
	/* Online-capable alone (bit 1) is a CPU that is not there yet. */
	madt_begin(&t);
	madt_lapic(&t, 0, 0, 0);
	madt_lapic(&t, 1, 1, 1);
	madt_lapic(&t, 2, 2, 2);
	madt_lapic(&t, 3, 3, 3);
	madt_x2apic(&t, 0x100, 0, 4);
	madt_x2apic(&t, 0x101, 2, 5);
	madt_lapic(&t, 6, 6, 0xfffffffe);
	madt_lapic(&t, 7, 7, 0xffffffff);
	sdt_seal(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 1, 3, 7);
}

static void test_madt_x2apic(void **state)
{
	struct table t;

	(void)state;
	madt_begin(&t);
	madt_x2apic(&t, 0x100, 1, 0);
	madt_lapic(&t, 1, 7, 1);
	madt_x2apic(&t, 0xffffffff, 1, 2);
	madt_x2apic(&t, 0x12345678, 1, 3);
	sdt_seal(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 0x100, 7, 0xffffffff, 0x12345678);
}

static void test_madt_max(void **state)
{
	struct table t;

	(void)state;
	madt_typical(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 0, 1, 0x1234, 4);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, 4), 0, 1, 0x1234, 4);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, 3), 0, 1, 0x1234);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, 1), 0);
	assert_int_equal(parse(acpi_madt_cpus, &t, 0).n, 0);
	assert_int_equal(parse(acpi_madt_cpus, &t, -1).n, 0);
	assert_int_equal(acpi_madt_cpus(t.b, t.len, NULL, 0), 0);
}

static void test_madt_no_cpus(void **state)
{
	struct table t;

	(void)state;
	madt_begin(&t);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, 0);
	madt_begin(&t);
	madt_ioapic(&t, 0);
	madt_override(&t, 0, 2);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, 0);
}

/* Types the parser does not know, and CPU entries too short to hold what
 * it reads, are stepped over by their length, even as the last entry. */
static void test_madt_other_entries(void **state)
{
	struct table t;

	(void)state;
	madt_begin(&t);
	madt_raw(&t, 0x7f, 2, 0);
	madt_lapic(&t, 0, 1, 1);
	madt_raw(&t, 0xff, 255, 0xff);
	madt_raw(&t, 0x11, 40, 0x01); /* a GIC CPU interface: not x86 */
	madt_raw(&t, 0, 7, 0xff);     /* local APIC, one byte short */
	madt_lapic(&t, 2, 3, 1);
	madt_raw(&t, 9, 15, 0xff); /* local x2APIC, one byte short */
	sdt_seal(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 1, 3);
	madt_begin(&t);
	madt_raw(&t, 0, 4, 0xff);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, 0);
	madt_begin(&t);
	madt_raw(&t, 9, 8, 0xff);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, 0);
	/* Longer entries than the specification's are read by their start. */
	madt_begin(&t);
	put(&t, (const uint8_t[]){0, 10, 0, 9, 1, 0, 0, 0, 0xee, 0xee}, 10);
	entry_done(&t, true, 9);
	sdt_seal(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 9);
}

static void test_madt_bad_header(void **state)
{
	struct table t;

	(void)state;
	madt_typical(&t);
	memcpy(t.b, "APIX", 4);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	madt_typical(&t);
	memcpy(t.b, "apic", 4);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);

	/* The checksum, off by one either way. */
	madt_typical(&t);
	t.b[9]++;
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	madt_typical(&t);
	t.b[t.len - 1]--;
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);

	/* The length field against the length given, both ways, each sealed. */
	madt_typical(&t);
	set32(t.b + 4, (uint32_t)t.len + 1);
	t.b[9] = 0;
	t.b[9] = (uint8_t)-sum8(t.b, t.len);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	madt_typical(&t);
	set32(t.b + 4, (uint32_t)t.len - 8);
	t.b[9] = 0;
	t.b[9] = (uint8_t)-sum8(t.b, t.len);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	madt_typical(&t);
	assert_int_equal(parse_bytes(acpi_madt_cpus, t.b, t.len - 8, MAX_IDS).n, -1);

	/* A length field equal to len modulo 2^32 is no match: the parser
	 * must fail on the header, reading none of the missing bytes. */
	if (sizeof(size_t) > 4) {
		uint32_t ids[MAX_IDS];
		uint8_t *copy;

		madt_typical(&t);
		copy = malloc(t.len);
		assert_non_null(copy);
		memcpy(copy, t.b, t.len);
		assert_int_equal(acpi_madt_cpus(copy, t.len + ((size_t)1 << 32), ids, MAX_IDS), -1);
		free(copy);
	}

	/* Shorter than the MADT header, though a valid SDT. */
	sdt_begin(&t, "APIC");
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	assert_int_equal(parse_bytes(acpi_madt_cpus, t.b, 0, MAX_IDS).n, -1);
	assert_int_equal(parse_bytes(acpi_madt_cpus, t.b, 4, MAX_IDS).n, -1);
}

static void test_madt_bad_entries(void **state)
{
	struct table t;

	(void)state;
	/* Lengths 0 and 1 would never advance, or land inside the entry. */
	for (uint8_t len = 0; len < 2; len++) {
		madt_begin(&t);
		madt_lapic(&t, 0, 0, 1);
		put8(&t, 0x7f);
		put8(&t, len);
		put16(&t, 0);
		sdt_seal(&t);
		assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	}
	/* Length 1, though read from its second byte the rest is valid. */
	madt_begin(&t);
	put(&t, (const uint8_t[]){0x55, 1, 3, 0}, 4);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	/* Past the end by one byte, as the first and as a later entry. */
	madt_begin(&t);
	put(&t, (const uint8_t[]){0, 8, 0, 0, 1, 0, 0}, 7);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	madt_begin(&t);
	madt_lapic(&t, 0, 0, 1);
	madt_x2apic(&t, 0x100, 1, 1);
	put(&t, (const uint8_t[]){9, 16, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0}, 15);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
	/* A huge entry length, of an unknown type. */
	madt_begin(&t);
	put(&t, (const uint8_t[]){0x42, 0xff, 0, 0}, 4);
	sdt_seal(&t);
	assert_int_equal(parse(acpi_madt_cpus, &t, MAX_IDS).n, -1);
}

/* Fewer bytes left than an entry header: nothing more to read, as ACPICA
 * treats it. */
static void test_madt_trailing_byte(void **state)
{
	struct table t;

	(void)state;
	madt_begin(&t);
	madt_lapic(&t, 0, 6, 1);
	put8(&t, 0);
	sdt_seal(&t);
	EXPECT_IDS(parse(acpi_madt_cpus, &t, MAX_IDS), 6);
}

/*
 * Every cut of a valid table: as is (the length field now disagrees), and
 * with the length field and checksum fitted to the cut, which succeeds
 * only at an entry boundary (or one byte past it) with the CPUs before it.
 */
static void test_madt_truncated(void **state)
{
	struct table full, cut;

	(void)state;
	madt_typical(&full);
	for (size_t c = 0; c < full.len; c++) {
		int want = -1;

		assert_int_equal(parse_bytes(acpi_madt_cpus, full.b, c, MAX_IDS).n, -1);
		if (c < 10)
			continue;
		memcpy(&cut, &full, sizeof(cut));
		cut.len = c;
		sdt_seal(&cut);
		if (c >= MADT_HEADER) {
			size_t start = MADT_HEADER;
			int n = 0;

			for (int e = 0; e < full.entries && full.end[e] <= c; e++) {
				start = full.end[e];
				n = full.ncpus[e];
			}
			if (c - start < 2)
				want = n;
		}
		struct result r = parse(acpi_madt_cpus, &cut, MAX_IDS);
		if (want < 0)
			assert_int_equal(r.n, -1);
		else
			expect_ids(r, full.cpus, want);
	}
}

static void test_mp_cpus_in_order(void **state)
{
	struct table t;

	(void)state;
	pcmp_begin(&t);
	pcmp_cpu(&t, 0, 3);
	pcmp_bus(&t, 0, "PCI");
	pcmp_cpu(&t, 4, 1);
	pcmp_bus(&t, 1, "ISA");
	pcmp_ioapic(&t, 9);
	pcmp_irq(&t, 3, 0);
	pcmp_irq(&t, 3, 1);
	pcmp_irq(&t, 4, 0);
	pcmp_cpu(&t, 2, 1);
	pcmp_cpu(&t, 255, 1);
	pcmp_seal(&t);
	EXPECT_IDS(parse(mptable_cpus, &t, MAX_IDS), 0, 4, 2, 255);
}

static void test_mp_skips_disabled(void **state)
{
	struct table t;

	(void)state;
	pcmp_begin(&t);
	pcmp_cpu(&t, 0, 0);
	pcmp_cpu(&t, 1, 2); /* bootstrap but not enabled */
	pcmp_cpu(&t, 2, 1);
	pcmp_cpu(&t, 3, 0xfe);
	pcmp_cpu(&t, 4, 0xff);
	pcmp_seal(&t);
	EXPECT_IDS(parse(mptable_cpus, &t, MAX_IDS), 2, 4);
}

static void test_mp_max(void **state)
{
	struct table t;

	(void)state;
	pcmp_typical(&t);
	EXPECT_IDS(parse(mptable_cpus, &t, MAX_IDS), 0, 1, 3);
	EXPECT_IDS(parse(mptable_cpus, &t, 3), 0, 1, 3);
	EXPECT_IDS(parse(mptable_cpus, &t, 2), 0, 1);
	assert_int_equal(parse(mptable_cpus, &t, 0).n, 0);
	assert_int_equal(parse(mptable_cpus, &t, -5).n, 0);
	assert_int_equal(mptable_cpus(t.b, t.len, NULL, 0), 0);
	pcmp_begin(&t);
	pcmp_seal(&t);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, 0);
}

/* Only the entries the count names are read; bytes after them are not. */
static void test_mp_count(void **state)
{
	struct table t;

	(void)state;
	pcmp_typical(&t);
	pcmp_seal_count(&t, 2);
	EXPECT_IDS(parse(mptable_cpus, &t, MAX_IDS), 0, 1);
	pcmp_seal_count(&t, 0);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, 0);
	pcmp_seal_count(&t, (uint16_t)t.entries + 1);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	pcmp_seal_count(&t, 0xffff);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
}

static void test_mp_bad_header(void **state)
{
	struct table t;

	(void)state;
	pcmp_typical(&t);
	memcpy(t.b, "PCMQ", 4);
	pcmp_seal(&t);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	pcmp_typical(&t);
	memcpy(t.b, "_MP_", 4);
	pcmp_seal(&t);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);

	pcmp_typical(&t);
	t.b[7]++;
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	pcmp_typical(&t);
	t.b[t.len - 1] ^= 0x10;
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);

	pcmp_typical(&t);
	set16(t.b + 4, (uint16_t)t.len + 8);
	t.b[7] = 0;
	t.b[7] = (uint8_t)-sum8(t.b, t.len);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	pcmp_typical(&t);
	set16(t.b + 4, (uint16_t)t.len - 8);
	t.b[7] = 0;
	t.b[7] = (uint8_t)-sum8(t.b, t.len);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);

	/* The 16-bit length field matches len modulo 2^16 only. */
	{
		uint32_t ids[MAX_IDS];
		uint8_t *copy;

		pcmp_typical(&t);
		copy = malloc(t.len);
		assert_non_null(copy);
		memcpy(copy, t.b, t.len);
		assert_int_equal(mptable_cpus(copy, t.len + 0x10000, ids, MAX_IDS), -1);
		free(copy);
	}

	pcmp_begin(&t);
	t.len = 40;
	pcmp_seal_count(&t, 0);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	assert_int_equal(parse_bytes(mptable_cpus, t.b, 0, MAX_IDS).n, -1);
	assert_int_equal(parse_bytes(mptable_cpus, t.b, 3, MAX_IDS).n, -1);
}

static void test_mp_bad_entries(void **state)
{
	struct table t;

	(void)state;
	/* A processor entry needs 20 bytes, others 8. */
	pcmp_begin(&t);
	pcmp_cpu(&t, 0, 1);
	put(&t, (const uint8_t[]){0, 1, 0x14, 1, 0, 0, 0, 0}, 8);
	pcmp_seal_count(&t, 2);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	pcmp_begin(&t);
	put(&t, (const uint8_t[]){2, 1, 0x11, 1, 0, 0, 0xc0}, 7);
	pcmp_seal_count(&t, 1);
	assert_int_equal(parse(mptable_cpus, &t, MAX_IDS).n, -1);
	/* Unknown types are taken as 8 bytes long. */
	pcmp_begin(&t);
	put(&t, (const uint8_t[]){0x80, 0, 0, 0, 0, 0, 0, 0}, 8);
	pcmp_cpu(&t, 7, 1);
	pcmp_seal_count(&t, 2);
	EXPECT_IDS(parse(mptable_cpus, &t, MAX_IDS), 7);
}

/* Every cut: as is, with the length fitted and the count unchanged (too
 * many entries), and with the count of the entries wholly inside. */
static void test_mp_truncated(void **state)
{
	struct table full, cut;

	(void)state;
	pcmp_typical(&full);
	for (size_t c = 0; c < full.len; c++) {
		assert_int_equal(parse_bytes(mptable_cpus, full.b, c, MAX_IDS).n, -1);
		if (c < 8)
			continue;
		memcpy(&cut, &full, sizeof(cut));
		cut.len = c;
		pcmp_seal(&cut);
		assert_int_equal(parse(mptable_cpus, &cut, MAX_IDS).n, -1);
		if (c < PCMP_HEADER)
			continue;
		int e = 0;
		while (e < full.entries && full.end[e] <= c)
			e++;
		pcmp_seal_count(&cut, (uint16_t)e);
		expect_ids(parse(mptable_cpus, &cut, MAX_IDS), full.cpus,
			   e ? full.ncpus[e - 1] : 0);
	}
}

/*
 * The discovery path over a fake physical memory of 1 MiB, which holds the
 * BIOS areas. Each mapping is a heap copy of exactly the range asked for.
 */
#define PHYS_SIZE 0x100000
#define MAX_MAPS  256

struct boot_info boot_info;
static uint8_t *phys_mem;
static void *maps[MAX_MAPS];
static int nmaps;

void *mmu_map_device(uint64_t phys, uint64_t size)
{
	void *p;

	assert_true(phys <= PHYS_SIZE && size <= PHYS_SIZE - phys);
	assert_true(nmaps < MAX_MAPS);
	p = malloc(size ? size : 1);
	assert_non_null(p);
	memcpy(p, phys_mem + phys, size);
	maps[nmaps++] = p;
	return p;
}

static int phys_setup(void **state)
{
	(void)state;
	phys_mem = calloc(1, PHYS_SIZE);
	nmaps = 0;
	boot_info.rsdp = 0;
	return phys_mem ? 0 : -1;
}

static int phys_teardown(void **state)
{
	(void)state;
	while (nmaps)
		free(maps[--nmaps]);
	free(phys_mem);
	phys_mem = NULL;
	return 0;
}

static void place(uint64_t at, const struct table *t)
{
	assert_true(at + t->len <= PHYS_SIZE);
	memcpy(phys_mem + at, t->b, t->len);
}

/* An RSDP of revision 0 (20 bytes) or 2 (36 bytes, with the XSDT). */
static void place_rsdp(uint64_t at, int revision, uint32_t rsdt, uint64_t xsdt)
{
	struct table t;

	memset(&t, 0, sizeof(t));
	put(&t, "RSD PTR ", 8);
	put8(&t, 0);
	put(&t, "UNISHY", 6);
	put8(&t, (uint8_t)revision);
	put32(&t, rsdt);
	if (revision >= 2) {
		put32(&t, 36);
		put64(&t, xsdt);
		put32(&t, 0);
	}
	t.b[8] = (uint8_t)-sum8(t.b, 20);
	if (revision >= 2)
		t.b[32] = (uint8_t)-sum8(t.b, 36);
	place(at, &t);
}

/* An RSDT (entry size 4) or XSDT (8) pointing at the tables given. */
static void place_root(uint64_t at, const char *sig, const uint64_t *tables, int n)
{
	struct table t;

	sdt_begin(&t, sig);
	for (int i = 0; i < n; i++) {
		if (sig[0] == 'X')
			put64(&t, tables[i]);
		else
			put32(&t, (uint32_t)tables[i]);
	}
	sdt_seal(&t);
	place(at, &t);
}

static void place_other_sdt(uint64_t at, const char *sig)
{
	struct table t;

	sdt_begin(&t, sig);
	put64(&t, 0);
	sdt_seal(&t);
	place(at, &t);
}

/* The MP floating pointer, 16 bytes, naming the configuration table. */
static void place_mp_pointer(uint64_t at, uint32_t config)
{
	struct table t;

	memset(&t, 0, sizeof(t));
	put(&t, "_MP_", 4);
	put32(&t, config);
	put8(&t, 1); /* length in paragraphs */
	put8(&t, 4);
	put8(&t, 0);
	put(&t, (const uint8_t[]){0, 0, 0, 0, 0}, 5);
	t.b[10] = (uint8_t)-sum8(t.b, 16);
	place(at, &t);
}

static int discover(uint32_t *ids, int max)
{
	for (int i = 0; i < MAX_IDS; i++)
		ids[i] = SENTINEL;
	return firmware_cpus(ids, max);
}

static void test_discover_nothing(void **state)
{
	uint32_t ids[MAX_IDS];

	(void)state;
	assert_int_equal(discover(ids, MAX_IDS), 0);
	assert_int_equal(ids[0], SENTINEL);
}

static void test_discover_xsdt_from_boot_info(void **state)
{
	const uint64_t tables[] = {0x3000, 0, 0x4000};
	uint32_t ids[MAX_IDS];
	struct table madt;

	(void)state;
	madt_typical(&madt);
	place(0x4000, &madt);
	place_other_sdt(0x3000, "FACP");
	place_root(0x2000, "XSDT", tables, 3);
	place_rsdp(0x1000, 2, 0, 0x2000);
	boot_info.rsdp = 0x1000;
	assert_int_equal(discover(ids, MAX_IDS), 4);
	assert_memory_equal(ids, madt.cpus, 4 * sizeof(uint32_t));
	assert_int_equal(discover(ids, 2), 2);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], SENTINEL);
}

static void test_discover_rsdt_in_bios_area(void **state)
{
	const uint64_t tables[] = {0x5000, 0x6000};
	uint32_t ids[MAX_IDS];
	struct table madt;

	(void)state;
	madt_begin(&madt);
	madt_lapic(&madt, 0, 3, 1);
	madt_lapic(&madt, 1, 9, 1);
	sdt_seal(&madt);
	place(0x6000, &madt);
	place_other_sdt(0x5000, "HPET");
	place_root(0x2000, "RSDT", tables, 2);
	/* A signature with a bad checksum first, then the real one. */
	memcpy(phys_mem + 0xe0040, "RSD PTR ", 8);
	place_rsdp(0xf5a30, 0, 0x2000, 0);
	assert_int_equal(discover(ids, MAX_IDS), 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 9);
}

/* The RSDT is used when the RSDP is older than revision 2, names no XSDT,
 * or fails its extended checksum. */
static void test_discover_rsdt_fallbacks(void **state)
{
	const uint64_t rsdt_tables[] = {0x4000}, xsdt_tables[] = {0x5000};
	uint32_t ids[MAX_IDS];
	struct table madt;

	(void)state;
	madt_begin(&madt);
	madt_lapic(&madt, 0, 1, 1);
	sdt_seal(&madt);
	place(0x4000, &madt);
	place_root(0x2000, "RSDT", rsdt_tables, 1);
	madt_begin(&madt);
	madt_lapic(&madt, 0, 2, 1);
	sdt_seal(&madt);
	place(0x5000, &madt);
	place_root(0x3000, "XSDT", xsdt_tables, 1);
	boot_info.rsdp = 0x1000;

	place_rsdp(0x1000, 2, 0x2000, 0x3000);
	assert_int_equal(discover(ids, MAX_IDS), 1);
	assert_int_equal(ids[0], 2);
	/* Revision 1 over the revision 2 one: its XSDT address and extended
	 * checksum are still there, and still right. */
	place_rsdp(0x1000, 1, 0x2000, 0);
	assert_int_equal(discover(ids, MAX_IDS), 1);
	assert_int_equal(ids[0], 1);
	place_rsdp(0x1000, 2, 0x2000, 0);
	assert_int_equal(discover(ids, MAX_IDS), 1);
	assert_int_equal(ids[0], 1);
	place_rsdp(0x1000, 2, 0x2000, 0x3000);
	phys_mem[0x1000 + 32]++;
	assert_int_equal(discover(ids, MAX_IDS), 1);
	assert_int_equal(ids[0], 1);
}

/* A root table that fails its checksum or names the wrong signature is
 * not followed, however valid the MADT it points at. */
static void test_discover_bad_root(void **state)
{
	const uint64_t tables[] = {0x4000};
	uint32_t ids[MAX_IDS];
	struct table madt;

	(void)state;
	madt_typical(&madt);
	place(0x4000, &madt);
	place_rsdp(0x1000, 2, 0, 0x2000);
	boot_info.rsdp = 0x1000;
	place_root(0x2000, "XSDT", tables, 1);
	assert_int_equal(discover(ids, MAX_IDS), 4);
	phys_mem[0x2000 + 10]++;
	assert_int_equal(discover(ids, MAX_IDS), 0);
	place_root(0x2000, "XSDX", tables, 1);
	assert_int_equal(discover(ids, MAX_IDS), 0);
	/* Too short for its header: nothing past it is read. */
	place_root(0x2000, "XSDT", tables, 1);
	set32(phys_mem + 0x2000 + 4, SDT_HEADER - 1);
	phys_mem[0x2000 + 9] = 0;
	phys_mem[0x2000 + 9] = (uint8_t)-sum8(phys_mem + 0x2000, SDT_HEADER - 1);
	assert_int_equal(discover(ids, MAX_IDS), 0);
}

/* A bad MADT, then one without CPUs: neither counts, the next one does. */
static void test_discover_skips_bad_madt(void **state)
{
	const uint64_t tables[] = {0x3000, 0x4000, 0x5000};
	uint32_t ids[MAX_IDS];
	struct table madt;

	(void)state;
	madt_typical(&madt);
	madt.b[madt.len - 1]++;
	place(0x3000, &madt);
	madt_begin(&madt);
	madt_lapic(&madt, 0, 0, 0);
	sdt_seal(&madt);
	place(0x4000, &madt);
	madt_begin(&madt);
	madt_x2apic(&madt, 0x500, 1, 0);
	sdt_seal(&madt);
	place(0x5000, &madt);
	place_root(0x2000, "XSDT", tables, 3);
	place_rsdp(0x1000, 2, 0, 0x2000);
	boot_info.rsdp = 0x1000;
	assert_int_equal(discover(ids, MAX_IDS), 1);
	assert_int_equal(ids[0], 0x500);
}

static void test_discover_mp_table(void **state)
{
	uint32_t ids[MAX_IDS];
	struct table pcmp;

	(void)state;
	pcmp_typical(&pcmp);
	place(0x9000, &pcmp);
	place_mp_pointer(0xf6a50, 0x9000);
	assert_int_equal(discover(ids, MAX_IDS), 3);
	assert_memory_equal(ids, pcmp.cpus, 3 * sizeof(uint32_t));
	assert_int_equal(mptable_find_cpus(ids, 1), 1);
}

static void test_discover_mp_in_base_memory(void **state)
{
	uint32_t ids[MAX_IDS];
	struct table pcmp;

	(void)state;
	pcmp_begin(&pcmp);
	pcmp_cpu(&pcmp, 5, 3);
	pcmp_seal(&pcmp);
	place(0x9000, &pcmp);
	place_mp_pointer(0x9fff0, 0x9000);
	assert_int_equal(mptable_find_cpus(ids, MAX_IDS), 1);
	assert_int_equal(ids[0], 5);
}

/* ACPI without a usable MADT falls back on the MP table. */
static void test_discover_falls_back_on_mp(void **state)
{
	const uint64_t tables[] = {0x3000};
	uint32_t ids[MAX_IDS];
	struct table t;

	(void)state;
	madt_typical(&t);
	t.b[9]++;
	place(0x3000, &t);
	place_root(0x2000, "RSDT", tables, 1);
	place_rsdp(0x1000, 0, 0x2000, 0);
	boot_info.rsdp = 0x1000;
	pcmp_begin(&t);
	pcmp_cpu(&t, 0, 3);
	pcmp_cpu(&t, 8, 1);
	pcmp_seal(&t);
	place(0x9000, &t);
	place_mp_pointer(0xf0000, 0x9000);
	assert_int_equal(discover(ids, MAX_IDS), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 8);
	/* A broken MP table too: only the boot CPU is known. */
	phys_mem[0x9000 + 7]++;
	assert_int_equal(discover(ids, MAX_IDS), 0);
}

#define PHYS_TEST(f) cmocka_unit_test_setup_teardown(f, phys_setup, phys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_madt_cpus_in_order),
	    cmocka_unit_test(test_madt_skips_disabled),
	    cmocka_unit_test(test_madt_x2apic),
	    cmocka_unit_test(test_madt_max),
	    cmocka_unit_test(test_madt_no_cpus),
	    cmocka_unit_test(test_madt_other_entries),
	    cmocka_unit_test(test_madt_bad_header),
	    cmocka_unit_test(test_madt_bad_entries),
	    cmocka_unit_test(test_madt_trailing_byte),
	    cmocka_unit_test(test_madt_truncated),
	    cmocka_unit_test(test_mp_cpus_in_order),
	    cmocka_unit_test(test_mp_skips_disabled),
	    cmocka_unit_test(test_mp_max),
	    cmocka_unit_test(test_mp_count),
	    cmocka_unit_test(test_mp_bad_header),
	    cmocka_unit_test(test_mp_bad_entries),
	    cmocka_unit_test(test_mp_truncated),
	    PHYS_TEST(test_discover_nothing),
	    PHYS_TEST(test_discover_xsdt_from_boot_info),
	    PHYS_TEST(test_discover_rsdt_in_bios_area),
	    PHYS_TEST(test_discover_rsdt_fallbacks),
	    PHYS_TEST(test_discover_bad_root),
	    PHYS_TEST(test_discover_skips_bad_madt),
	    PHYS_TEST(test_discover_mp_table),
	    PHYS_TEST(test_discover_mp_in_base_memory),
	    PHYS_TEST(test_discover_falls_back_on_mp),
	};

	/* Line by line, so a sanitizer abort keeps the finished results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("firmware", tests, NULL, NULL);
}

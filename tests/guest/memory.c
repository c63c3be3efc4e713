/*
 * Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise, and
 * malloc over many sizes; many neighbouring one-page mappings and a brk
 * heap grown page by page (which the kernel joins into few areas) keep
 * their pages apart when parts of them go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"

static int all(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int main(void)
{
	const size_t pg = 4096;

	/* brk */
	char *b0 = (char *)syscall(SYS_brk, 0);
	CHECK(b0 && (uintptr_t)b0 % pg == 0, "brk(0) gives a page-aligned break");
	char *b1 = (char *)syscall(SYS_brk, b0 + 3 * pg + 5);
	CHECK(b1 == b0 + 3 * pg + 5, "brk grows");
	CHECK(all((unsigned char *)b0, 3 * pg, 0), "new brk memory reads as zero");
	memset(b0, 7, 3 * pg + 5);
	CHECK((char *)syscall(SYS_brk, b0 + pg) == b0 + pg, "brk shrinks");
	CHECK((char *)syscall(SYS_brk, b0 - pg) == b0 + pg, "brk below its start is refused");

	/* mmap */
	unsigned char *m = mmap(NULL, 10 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED && all(m, 10 * pg, 0), "anonymous mmap is zeroed");
	memset(m, 0xab, 10 * pg);
	CHECK(all(m, 10 * pg, 0xab), "anonymous mmap is writable");
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
	      "mmap of length 0: EINVAL");
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 0, 0) == MAP_FAILED && errno == ENODEV,
	      "mmap of the console: ENODEV");
	CHECK(mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
	      "mmap without MAP_PRIVATE or MAP_SHARED: EINVAL");
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 123) == MAP_FAILED &&
		      errno == EINVAL, "mmap at an unaligned offset: EINVAL");
	unsigned char *fx = mmap(m + 2 * pg, pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(fx == m + 2 * pg && all(fx, pg, 0) && all(m + 3 * pg, pg, 0xab),
	      "MAP_FIXED replaces exactly its pages");
	CHECK(mmap(m, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
		      MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping: EEXIST");

	/* mprotect, madvise, munmap */
	CHECK(mprotect(m, pg, PROT_READ) == 0, "mprotect to read-only");
	CHECK(m[0] == 0xab, "read-only page still reads");
	int zero = open("/dev/zero", O_RDONLY);
	CHECK(read(zero, m, 1) == -1 && errno == EFAULT, "read into a read-only page: EFAULT");
	close(zero);
	CHECK(mprotect(m, pg, PROT_READ | PROT_WRITE) == 0 && (m[0] = 1) == 1, "mprotect back to writable");
	CHECK(syscall(SYS_mprotect, m + 1, pg, PROT_READ) == -1 && errno == EINVAL, "mprotect unaligned: EINVAL");
	CHECK(madvise(m + pg, pg, MADV_DONTNEED) == 0 && all(m + pg, pg, 0),
	      "MADV_DONTNEED pages read as zero again");
	CHECK(munmap(m + 5 * pg, pg) == 0, "munmap a page in the middle");
	CHECK(write(1, m + 5 * pg, 1) == -1 && errno == EFAULT, "an unmapped hole gives EFAULT");
	CHECK(all(m + 6 * pg, 4 * pg, 0xab), "pages after the hole are intact");
	CHECK(munmap(m + 1, pg) == -1 && errno == EINVAL, "munmap unaligned: EINVAL");
	CHECK(munmap((void *)main, pg) == -1 && errno == EINVAL, "munmap of program text: EINVAL");

	/* mremap */
	unsigned char *r = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(r, 0x3c, 2 * pg);
	unsigned char *blocker = mmap(r + 2 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(blocker == r + 2 * pg, "a mapping right after");
	CHECK(mremap(r, 2 * pg, 8 * pg, 0) == MAP_FAILED && errno == ENOMEM,
	      "mremap cannot grow in place without MREMAP_MAYMOVE");
	unsigned char *r2 = mremap(r, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
	CHECK(r2 != MAP_FAILED && r2 != r && all(r2, 2 * pg, 0x3c) && all(r2 + 2 * pg, 6 * pg, 0),
	      "mremap moves the data and zero-fills the growth");
	CHECK(mremap(r2, 8 * pg, pg, 0) == r2 && r2[0] == 0x3c, "mremap shrinks in place");
	CHECK(mremap((void *)0x10000, pg, 2 * pg, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT,
	      "mremap of nothing: EFAULT");

	/* malloc */
	int ok = 1;
	void *keep[64];
	for (int i = 0; i < 64; i++) {
		size_t size = (size_t)1 << (i % 22);
		keep[i] = malloc(size);
		if (!keep[i])
			ok = 0;
		else
			memset(keep[i], i, size);
	}
	for (int i = 0; i < 64; i++) {
		size_t size = (size_t)1 << (i % 22);
		if (keep[i] && !all(keep[i], size, (unsigned char)i))
			ok = 0;
		free(keep[i]);
	}
	CHECK(ok, "malloc of sizes 1 B to 2 MiB keeps every block intact");
	void *big = malloc(64 << 20);
	CHECK(big && memset(big, 1, 64 << 20), "malloc of 64 MiB");
	free(big);

	/* 2000 one-page mappings, each with its own value; every other one
	 * unmapped, then every other one made read-only */
	enum { PAGES = 2000 };
	static unsigned char *page[PAGES];
	zero = open("/dev/zero", O_RDONLY);
	ok = 1;
	for (int i = 0; i < PAGES; i++) {
		page[i] = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page[i] == MAP_FAILED)
			ok = 0;
		else
			memset(page[i], i & 0xff, pg);
	}
	CHECK(ok, "2000 one-page mappings");
	ok = 1;
	for (int i = 1; i < PAGES; i += 2)
		if (munmap(page[i], pg))
			ok = 0;
	for (int i = 0; i < PAGES; i++)
		if (i % 2 ? read(zero, page[i], 1) != -1 || errno != EFAULT
			  : !all(page[i], pg, (unsigned char)i))
			ok = 0;
	CHECK(ok, "every other one unmapped: those give EFAULT, the rest keep their bytes");
	ok = 1;
	for (int i = 0; i < PAGES; i += 4)
		if (mprotect(page[i], pg, PROT_READ))
			ok = 0;
	for (int i = 0; i < PAGES; i += 2)
		if (!all(page[i], pg, (unsigned char)i) ||
		    (i % 4 == 0 && (read(zero, page[i], 1) != -1 || errno != EFAULT)) ||
		    (i % 4 == 2 && (page[i][0] = (unsigned char)i) != (unsigned char)i))
			ok = 0;
	CHECK(ok, "a quarter made read-only: those refuse writes, the others take them");
	for (int i = 0; i < PAGES; i += 2)
		munmap(page[i], pg);

	/* the brk heap grown one page at a time, then shrunk by half */
	char *h0 = (char *)syscall(SYS_brk, 0);
	ok = 1;
	for (int i = 0; i < 1000; i++) {
		char *want = h0 + (size_t)(i + 1) * pg;
		if ((char *)syscall(SYS_brk, want) != want)
			ok = 0;
		else
			memset(want - pg, i & 0xff, pg);
	}
	CHECK(ok, "brk grown 1000 times by a page");
	CHECK((char *)syscall(SYS_brk, h0 + 500 * pg) == h0 + 500 * pg &&
		      all((unsigned char *)h0 + 499 * pg, pg, 499 & 0xff) &&
		      read(zero, h0 + 500 * pg, 1) == -1 && errno == EFAULT,
	      "brk shrunk by half: the kept pages keep their bytes, the rest are gone");
	syscall(SYS_brk, h0);
	close(zero);
	return tap_done();
}

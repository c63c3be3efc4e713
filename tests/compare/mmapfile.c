/*
 * File mapping semantics and errnos, printed line by line, so that the
 * image and the native program can be compared byte for byte: mmap's
 * errors by open mode, offset and kind of file, private and shared
 * views, msync, mincore and madvise answers, memfd_create. Ends by
 * touching a page past the end of a file without a handler: both die of
 * SIGBUS (status 135).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static void show(const char *what, long r)
{
	printf("%-36s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
	errno = 0;
}

static long map(size_t len, int prot, int flags, int fd, long off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -1;
	munmap(p, len);
	return 0;
}

int main(void)
{
	const char *path = "/tmp/unishyper-compare-mmap";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), pfd[2];
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	char buf[8];

	setvbuf(stdout, NULL, _IOLBF, 0);
	show("write 5000 bytes", write(fd, memset((char[5000]){ 0 }, 'a', 5000), 5000));
	show("shared rw of O_RDONLY", map(PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
	show("shared r of O_RDONLY", map(PG, PROT_READ, MAP_SHARED, ro, 0));
	show("private rw of O_RDONLY", map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0));
	show("shared r of O_WRONLY", map(PG, PROT_READ, MAP_SHARED, wo, 0));
	show("offset 100", map(PG, PROT_READ, MAP_SHARED, fd, 100));
	show("bad fd", map(PG, PROT_READ, MAP_SHARED, 77, 0));
	show("directory", map(PG, PROT_READ, MAP_SHARED, dir, 0));
	show("pipe", pipe(pfd) ? -1 : map(PG, PROT_READ, MAP_SHARED, pfd[0], 0));
	show("length 0", map(0, PROT_READ, MAP_SHARED, fd, 0));
	show("no type", map(PG, PROT_READ, 0, fd, 0));
	show("past the address space", map(1ul << 47, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	show("1 TiB reserved", map(1ul << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));

	char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	s[0] = 's';
	p[1] = 'p';
	show("private sees shared write", p[0] == 's');
	show("shared does not see private", s[1] == 'a');
	show("pread sees shared write", pread(fd, buf, 2, 0) == 2 && buf[0] == 's' && buf[1] == 'a');
	show("byte past EOF in last page", s[5000] == 0);
	show("msync MS_SYNC", msync(s, 2 * PG, MS_SYNC));
	show("msync MS_ASYNC|MS_SYNC", msync(s, 2 * PG, MS_ASYNC | MS_SYNC));
	show("msync bad flag", msync(s, 2 * PG, 8));
	show("msync unaligned", msync(s + 1, PG, MS_SYNC));
	unsigned char vec[2];
	show("mincore", mincore(s, 2 * PG, vec));
	show("mincore first page resident", vec[0] & 1);
	show("mincore unaligned", mincore(s + 1, PG, vec));
	show("madvise DONTNEED private", madvise(p, PG, MADV_DONTNEED));
	show("private reads the file again", p[1] == 'a' && p[0] == 's');
	show("madvise bad advice", madvise(p, PG, 1000));
	show("munmap shared", munmap(s, 2 * PG));
	show("munmap private", munmap(p, 2 * PG));

	int m = memfd_create("compare", MFD_CLOEXEC);
	show("memfd_create", m >= 0);
	show("memfd cloexec", fcntl(m, F_GETFD));
	show("memfd ftruncate", ftruncate(m, PG));
	show("memfd size", lseek(m, 0, SEEK_END));
	show("memfd bad flags", memfd_create("x", 0x100));

	volatile char *e = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
	unlink(path);
	printf("touching past the end\n");
	return e[2 * PG + 10];
}

/*
 * File mappings: private (copy on write) and shared (written back) maps of
 * files in the folder argv[1] (default /tmp: ramfs; a share or a FAT disk
 * from tests/integration/mmap.sh), agreement with read() and write(),
 * the errors of mmap, SIGBUS past the end of a file, mremap, madvise,
 * mincore, msync, a page 1 GiB into a sparse file, shm_open between
 * threads, memfd_create, huge reserved ranges, and ENOMEM for mappings
 * that cannot exist.
 * Leaves DIR/threads.bin, written by several threads through one shared
 * mapping, for the host to check: byte i is (i * 7 + i / 4096) & 0xff.
 * "sigbus" as argv[2] touches a page past the end of a file without a
 * handler: the run ends with status 135.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

#define PG 4096
#define THREADS 4
#define THREAD_PAGES 16

static char path[256], dir[200];

static const char *at(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 7 + i / PG);
}

/* A file of n bytes of pat() under name, open O_RDWR. */
static int make_file(const char *name, size_t n)
{
	int fd = open(at(name), O_RDWR | O_CREAT | O_TRUNC, 0644);
	unsigned char *b = malloc(n);

	for (size_t i = 0; i < n; i++)
		b[i] = pat(i);
	if (fd < 0 || write(fd, b, n) != (ssize_t)n)
		fd = -1;
	free(b);
	return fd;
}

static int matches(const unsigned char *p, size_t from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pat(from + i))
			return 0;
	return 1;
}

static sigjmp_buf bus_jmp;
static volatile siginfo_t bus_info;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	bus_info = *si;
	siglongjmp(bus_jmp, 1);
}

static void private_maps(void)
{
	size_t n = 3 * PG + 100;
	int fd = make_file("private.bin", n);
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	unsigned char b[8];

	CHECK(p != MAP_FAILED && matches(p, 0, n), "a private mapping reads the file");
	CHECK(p[n] == 0 && p[4 * PG - 1] == 0, "the last page reads zeros past the end");
	p[5] = 0xee;
	CHECK(pread(fd, b, 8, 0) == 8 && b[5] == pat(5), "a private write does not reach the file");
	CHECK(p[5] == 0xee && matches(p + PG, PG, 100), "the private copy keeps the write");
	CHECK(madvise(p, PG, MADV_DONTNEED) == 0 && p[5] == pat(5),
	      "MADV_DONTNEED drops the private copy: the file's byte again");
	unsigned char *q = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, PG);
	CHECK(q != MAP_FAILED && matches(q, PG, 2 * PG), "a mapping from an offset");
	CHECK(mprotect(q, PG, PROT_READ | PROT_WRITE) == 0, "mprotect of a private file mapping");
	q[0] = 1;
	CHECK(pread(fd, b, 1, PG) == 1 && b[0] == pat(PG) && p[PG] == pat(PG),
	      "a write after mprotect copies the page: the file and other mappings unchanged");
	munmap(q, 2 * PG);
	q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
	q[0] = 1;
	q = mremap(q, 2 * PG, 3 * PG, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q[0] == 1 && matches(q + 1, PG + 1, 2 * PG - 1) &&
		      matches(q + 2 * PG, 3 * PG, 100),
	      "mremap grows a file mapping, keeping its private page");
	unsigned char vec[4] = { 9, 9, 9, 9 };
	CHECK(mincore(p, 4 * PG, vec) == 0 && (vec[0] & 1) && vec[3] <= 1, "mincore");
	CHECK(mincore(p + 1, PG, vec) == -1 && errno == EINVAL, "mincore: unaligned: EINVAL");
	munmap(q, 3 * PG);
	munmap(p, n);
	close(fd);
}

static void shared_maps(void)
{
	size_t n = 4 * PG;
	int fd = make_file("shared.bin", n);
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unsigned char *p2 = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char b[4];

	CHECK(p != MAP_FAILED && p2 != MAP_FAILED && matches(p2, 0, n), "two shared mappings");
	p[10] = 0xab;
	CHECK(p2[10] == 0xab, "a write through one shared mapping shows in the other");
	CHECK(pread(fd, b, 1, 10) == 1 && b[0] == 0xab, "read() sees a shared write before msync");
	CHECK(pwrite(fd, "\x42", 1, PG + 1) == 1 && p[PG + 1] == 0x42 && p2[PG + 1] == 0x42,
	      "write() shows in the shared mappings");
	CHECK(msync(p, n, MS_SYNC) == 0 && msync(p, n, MS_ASYNC) == 0 &&
		      msync(p, n, MS_INVALIDATE) == 0, "msync MS_SYNC, MS_ASYNC, MS_INVALIDATE");
	CHECK(msync(p, n, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL, "msync: both: EINVAL");
	CHECK(msync(p + 1, n, MS_SYNC) == -1 && errno == EINVAL, "msync: unaligned: EINVAL");
	p[3 * PG] = 0x5a;
	munmap(p, n);
	munmap(p2, n);
	CHECK(close(fd) == 0, "close");
	fd = open(at("shared.bin"), O_RDONLY);
	CHECK(pread(fd, b, 1, 3 * PG) == 1 && b[0] == 0x5a && pread(fd, b, 1, 10) == 1 &&
		      b[0] == 0xab, "munmap wrote the shared pages back");
	close(fd);
}

static void errors(void)
{
	int fd = make_file("errors.bin", PG), ro = open(at("errors.bin"), O_RDONLY);
	int wo = open(at("errors.bin"), O_WRONLY), d = open(dir, O_RDONLY | O_DIRECTORY);
	int pfd[2];
	void *p;

	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
		      errno == EACCES, "a shared writable mapping of an O_RDONLY file: EACCES");
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(p != MAP_FAILED, "a private writable mapping of an O_RDONLY file");
	munmap(p, PG);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED && errno == EACCES,
	      "a mapping of an O_WRONLY file: EACCES");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100) == MAP_FAILED && errno == EINVAL,
	      "an unaligned offset: EINVAL");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, 999, 0) == MAP_FAILED && errno == EBADF,
	      "a bad descriptor: EBADF");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, d, 0) == MAP_FAILED && errno == ENODEV,
	      "a directory: ENODEV");
	CHECK(pipe(pfd) == 0 && mmap(NULL, PG, PROT_READ, MAP_SHARED, pfd[0], 0) == MAP_FAILED &&
		      errno == ENODEV, "a pipe: ENODEV");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, 0, 0) == MAP_FAILED && errno == ENODEV,
	      "the console: ENODEV");
	CHECK(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "length 0: EINVAL");
	CHECK(mmap(NULL, 1ul << 46, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
			      MAP_FAILED && errno == ENOMEM,
	      "writable anonymous memory larger than RAM: ENOMEM");
	CHECK(mmap(NULL, 1ul << 47, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
			      MAP_FAILED && errno == ENOMEM,
	      "a reservation larger than the address space: ENOMEM");
	close(pfd[0]);
	close(pfd[1]);
	close(d);
	close(wo);
	close(ro);
	close(fd);
}

static void sigbus(void)
{
	int fd = make_file("short.bin", 100);
	volatile unsigned char *p = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO }, old;

	sigaction(SIGBUS, &sa, &old);
	CHECK(p[99] == pat(99) && p[PG - 1] == 0, "the page holding the end of the file reads");
	if (!sigsetjmp(bus_jmp, 1)) {
		(void)p[PG + 5];
		CHECK(0, "a page past the end of the file faults");
	} else {
		CHECK(bus_info.si_signo == SIGBUS && bus_info.si_code == BUS_ADRERR &&
			      bus_info.si_addr == (void *)(p + PG + 5),
		      "a page past the end of the file: SIGBUS, BUS_ADRERR, si_addr");
	}
	CHECK(write(fd, (void *)(p + 2 * PG), 1) == -1 && errno == EFAULT,
	      "write() from a page past the end: EFAULT");
	sigaction(SIGBUS, &old, NULL);
	munmap((void *)p, 3 * PG);
	close(fd);
}

/* A page of a sparse file 1 GiB in: written back by sync() and msync()
 * as quickly as a page at the start. */
static void far_page(void)
{
	int fd = memfd_create("far", 0);
	off_t far = (off_t)1 << 30;
	char c = 0;

	CHECK(fd >= 0 && ftruncate(fd, far + PG) == 0, "a memfd of 1 GiB and a page");
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, far);
	CHECK(p != MAP_FAILED, "a shared mapping of its last page");
	if (p == MAP_FAILED)
		return;
	p[7] = 'x';
	sync();
	CHECK(msync(p, PG, MS_SYNC) == 0 && pread(fd, &c, 1, far + 7) == 1 && c == 'x',
	      "sync and msync write the far page back");
	munmap(p, PG);
	close(fd);
}

static unsigned char *tmap;

static void *writer(void *arg)
{
	size_t k = (size_t)arg, from = k * THREAD_PAGES * PG, n = THREAD_PAGES * PG;

	for (size_t i = from; i < from + n; i++)
		tmap[i] = pat(i);
	return (void *)(long)msync(tmap + from, n, MS_SYNC);
}

static void threads(void)
{
	size_t n = THREADS * THREAD_PAGES * PG;
	int fd = open(at("threads.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644), ok = 1;
	pthread_t t[THREADS];

	CHECK(ftruncate(fd, n) == 0, "ftruncate the threads' file");
	tmap = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (long k = 0; k < THREADS; k++)
		pthread_create(&t[k], NULL, writer, (void *)k);
	for (int k = 0; k < THREADS; k++) {
		void *r;
		pthread_join(t[k], &r);
		ok &= r == NULL;
	}
	unsigned char *b = malloc(n);
	CHECK(ok && pread(fd, b, n, 0) == (ssize_t)n && matches(b, 0, n),
	      "%d threads write one shared mapping; each msyncs; read() sees every byte",
	      THREADS);
	free(b);
	CHECK(fsync(fd) == 0, "fsync of a mapped file");
	munmap(tmap, n);
	close(fd);
}

struct shared {
	sem_t sem;
	int counter;
};
static struct shared *sh;

static void *sem_worker(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		sem_wait(&sh->sem);
		sh->counter++;
		sem_post(&sh->sem);
	}
	return NULL;
}

static void shm(void)
{
	int fd = shm_open("/unishyper-test", O_RDWR | O_CREAT | O_EXCL, 0600);
	pthread_t t[2];

	CHECK(fd >= 0 && ftruncate(fd, PG) == 0, "shm_open and ftruncate");
	sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int fd2 = shm_open("/unishyper-test", O_RDWR, 0);
	struct shared *again = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	CHECK(sh != MAP_FAILED && again != MAP_FAILED && sem_init(&sh->sem, 1, 1) == 0,
	      "two opens of a shared memory object map; a process-shared semaphore in it");
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sem_worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(again->counter == 2000, "two threads count under the semaphore: %d",
	      again->counter);
	CHECK(shm_unlink("/unishyper-test") == 0 && shm_open("/unishyper-test", O_RDWR, 0) == -1 &&
		      errno == ENOENT, "shm_unlink");
	munmap(sh, PG);
	munmap(again, PG);
	close(fd);
	close(fd2);
}

static void memfd(void)
{
	int fd = memfd_create("test", MFD_CLOEXEC);
	char b[6];

	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "memfd_create with MFD_CLOEXEC");
	CHECK(ftruncate(fd, 2 * PG) == 0, "ftruncate a memfd");
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "map a memfd shared");
	memcpy(p + PG, "hello", 6);
	CHECK(pread(fd, b, 6, PG) == 6 && !strcmp(b, "hello"), "read() sees the mapping's write");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 2 * PG && S_ISREG(st.st_mode), "fstat a memfd");
	CHECK(memfd_create("x", 0x100) == -1 && errno == EINVAL, "memfd_create: bad flags: EINVAL");
	CHECK(memfd_create(NULL, 0) == -1 && errno == EFAULT, "memfd_create: bad name: EFAULT");
	munmap(p, 2 * PG);
	close(fd);
}

static void reservations(void)
{
	const size_t tib = 1ul << 40;
	int done = 0;

	for (int i = 0; i < 200; i++) {
		char *p = mmap(NULL, tib, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
		if (p == MAP_FAILED)
			break;
		if (mprotect(p + tib / 2, PG, PROT_READ | PROT_WRITE))
			break;
		p[tib / 2] = 1;
		if (mprotect(p, tib, PROT_NONE) || munmap(p, tib))
			break;
		done++;
	}
	CHECK(done == 200, "200 reservations of 1 TiB, protected, touched and unmapped: %d",
	      done);
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a[0] = 7;
	a[PG] = 8;
	CHECK(madvise(a, 2 * PG, MADV_DONTNEED) == 0 && a[0] == 0 && a[PG] == 0,
	      "MADV_DONTNEED zeroes anonymous memory");
	munmap(a, 4 * PG);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : "/tmp");
	if (argc > 2 && !strcmp(argv[2], "sigbus")) {
		int fd = make_file("short.bin", 100);
		volatile char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
		return p[PG];
	}
	private_maps();
	shared_maps();
	errors();
	sigbus();
	far_page();
	threads();
	shm();
	memfd();
	reservations();
	return tap_done();
}

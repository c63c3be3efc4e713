/*
 * A system-call fuzzer: several threads issue random system calls with
 * random arguments — small and huge integers, pointers into mapped,
 * unmapped, read-only and kernel memory, NULL, bad descriptors — and the
 * kernel must answer every one: no panic, no hang, and the program ends
 * normally.
 *
 *   sysfuzz [CALLS [THREADS [SEED]]]     (default 100000 4 1)
 *
 * The calls are drawn from a table that says what kind each argument is,
 * so the fuzzer never does what would end a correct program by design:
 * it never touches descriptors 0-2, never unmaps or protects memory
 * outside its own playground, never installs a handler, never sets limits,
 * never blocks without a short timeout and never changes the FS base to a
 * usable address. Calls the kernel does not have are drawn too (ENOSYS).
 * Prints a TAP line per thread and a summary; exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define PLAY_PAGES 64

/* What an argument may be. */
enum kind {
	NONE,  /* 0 */
	FD,    /* one of the fuzzer's descriptors or a bad one */
	NEWFD, /* a descriptor above the fuzzer's own: dup3 targets, closes */
	BUF,   /* a pointer anywhere: good, NULL, kernel, unmapped, read-only */
	RBUF,  /* a pointer the kernel only reads: good ones hold harmless data */
	PATH,  /* a path string, or a bad pointer */
	LEN,   /* a length: small, page-sized, huge, negative */
	INT,   /* any integer */
	FLAGS, /* small bit sets */
	OFF,   /* a file offset */
	PLAY,  /* an address in the playground, unaligned or bad */
	TIME,  /* a pointer to a short timeout, or a bad pointer */
	SIG0,  /* signal 0 */
	TID,   /* a thread id, real or not */
	GETFS, /* ARCH_GET_FS, or ARCH_SET_FS with an address that must be refused */
};

struct call {
	long nr;
	enum kind arg[6];
};

static const struct call calls[] = {
	{ SYS_read, { FD, BUF, LEN } },
	{ SYS_write, { FD, RBUF, LEN } },
	{ SYS_pread64, { FD, BUF, LEN, OFF } },
	{ SYS_pwrite64, { FD, RBUF, LEN, OFF } },
	{ SYS_readv, { FD, RBUF, INT } },
	{ SYS_writev, { FD, RBUF, INT } },
	{ SYS_preadv, { FD, RBUF, INT, OFF } },
	{ SYS_open, { PATH, FLAGS, INT } },
	{ SYS_openat, { FD, PATH, FLAGS, INT } },
	{ SYS_close, { NEWFD } },
	{ SYS_stat, { PATH, BUF } },
	{ SYS_lstat, { PATH, BUF } },
	{ SYS_fstat, { FD, BUF } },
	{ SYS_newfstatat, { FD, PATH, BUF, FLAGS } },
	{ SYS_statx, { FD, PATH, FLAGS, INT, BUF } },
	{ SYS_access, { PATH, INT } },
	{ SYS_faccessat, { FD, PATH, INT } },
	{ SYS_mkdir, { PATH, INT } },
	{ SYS_rmdir, { PATH } },
	{ SYS_unlink, { PATH } },
	{ SYS_rename, { PATH, PATH } },
	{ SYS_link, { PATH, PATH } },
	{ SYS_symlink, { PATH, PATH } },
	{ SYS_readlink, { PATH, BUF, LEN } },
	{ SYS_chmod, { PATH, INT } },
	{ SYS_truncate, { PATH, OFF } },
	{ SYS_ftruncate, { FD, OFF } },
	{ SYS_utimensat, { FD, PATH, RBUF, FLAGS } },
	{ SYS_getdents64, { FD, BUF, LEN } },
	{ SYS_lseek, { FD, OFF, INT } },
	{ SYS_fcntl, { FD, INT, INT } },
	{ SYS_dup, { FD } },
	{ SYS_dup3, { FD, NEWFD, FLAGS } },
	{ SYS_ioctl, { FD, INT, BUF } },
	{ SYS_fsync, { FD } },
	{ SYS_fallocate, { FD, INT, OFF, LEN } },
	{ SYS_statfs, { PATH, BUF } },
	{ SYS_fstatfs, { FD, BUF } },
	{ SYS_getcwd, { BUF, LEN } },
	{ SYS_mmap, { PLAY, LEN, FLAGS, FLAGS, FD, OFF } },
	{ SYS_munmap, { PLAY, LEN } },
	{ SYS_mprotect, { PLAY, LEN, FLAGS } },
	{ SYS_madvise, { PLAY, LEN, INT } },
	{ SYS_mremap, { PLAY, LEN, LEN, FLAGS, PLAY } },
	{ SYS_clock_gettime, { INT, BUF } },
	{ SYS_clock_getres, { INT, BUF } },
	{ SYS_nanosleep, { TIME, BUF } },
	{ SYS_clock_nanosleep, { INT, FLAGS, TIME, BUF } },
	{ SYS_gettimeofday, { BUF, BUF } },
	{ SYS_time, { BUF } },
	{ SYS_uname, { BUF } },
	{ SYS_sysinfo, { BUF } },
	{ SYS_getrandom, { BUF, LEN, FLAGS } },
	{ SYS_getrlimit, { INT, BUF } },
	{ SYS_prlimit64, { NONE, INT, NONE, BUF } },
	{ SYS_rt_sigprocmask, { INT, RBUF, BUF, LEN } },
	{ SYS_rt_sigaction, { INT, NONE, BUF, LEN } },
	{ SYS_rt_sigpending, { BUF, LEN } },
	{ SYS_sched_getaffinity, { TID, LEN, BUF } },
	{ SYS_sched_yield, { NONE } },
	{ SYS_poll, { RBUF, INT, NONE } },
	{ SYS_futex, { BUF, FLAGS, INT, TIME } },
	{ SYS_arch_prctl, { GETFS, BUF } },
	{ SYS_kill, { TID, SIG0 } },
	{ SYS_tgkill, { TID, TID, SIG0 } },
	{ SYS_getcpu, { BUF, BUF } },
	{ SYS_umask, { INT } },
	{ SYS_sync, { NONE } },
	{ SYS_gettid, { NONE } },
	{ SYS_sched_getparam, { TID, BUF } },
	{ SYS_fork, { NONE } },
	{ SYS_socket, { INT, INT, INT } },
	{ SYS_pipe, { BUF } },
	{ SYS_epoll_create1, { FLAGS } },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static int fds[6];
static char *play, *readonly, *hole;
static char harmless[PAGE] __attribute__((aligned(4096)));
static const char *paths[] = { "/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/d", "/tmp/fz/d/e",
			       "/tmp/fz", "/tmp", "/", "", ".", "..", "/dev/null",
			       "/tmp/fz/../fz/a", "/nonexistent/x" };
static const struct timespec short_wait = { 0, 100000 };

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static long pick(uint64_t *s, const long *v, size_t n)
{
	return v[next(s) % n];
}
#define PICK(s, ...) pick(s, (const long[]){ __VA_ARGS__ }, sizeof((const long[]){ __VA_ARGS__ }) / sizeof(long))

/* A pointer that is wrong in one of the ways programs get wrong. */
static long bad_pointer(uint64_t *s)
{
	return PICK(s, 0, 8, (long)hole, (long)hole + 100, (long)readonly, 0xffff800000000000l,
		    0xffff800000001000l + (long)(next(s) & 0xfffff000), 0xffffffffffffe000l,
		    0x0000800000000000l, -1l, (long)play + PLAY_PAGES * PAGE - 8);
}

static long arg_of(enum kind k, uint64_t *s)
{
	uint64_t r = next(s);

	switch (k) {
	case NONE:
		return 0;
	case FD:
		return r % 4 ? fds[r % 6] : PICK(s, -1, 999, 1 << 20, 0x7fffffff, AT_FDCWD);
	case NEWFD:
		return 9 + r % 55;
	case BUF: /* a page before the playground's end: structures fit */
		return r % 3 ? (long)play + (long)(next(s) % ((PLAY_PAGES - 1) * PAGE)) : bad_pointer(s);
	case RBUF:
		return r % 3 ? (long)harmless + (long)(next(s) % 512) : bad_pointer(s);
	case PATH:
		return r % 4 ? (long)paths[next(s) % (sizeof(paths) / sizeof(paths[0]))] : bad_pointer(s);
	case LEN:
		return PICK(s, 0, 1, 7, 64, 511, 4096, 65536, 1 << 20, -1, 0x7fffffffffffffffl,
			    (long)(next(s) & 0xffff), 1l << 40);
	case INT:
		return PICK(s, 0, 1, 2, 3, -1, 255, 0x7fffffff, (long)r, (long)(int)r, (long)(r & 0xff));
	case FLAGS:
		return (long)(r & PICK(s, 0, 1, 3, 0xf, 0xff, 0xfff, 0x7ffff, -1));
	case OFF:
		return PICK(s, 0, 1, 4096, -1, -4096, 1l << 40, 0x7fffffffffffffffl, (long)(r & 0xffff));
	case PLAY: {
		long a = (long)play + (long)((next(s) % PLAY_PAGES) * PAGE);
		return r % 5 ? a : r % 2 ? a + 1 : bad_pointer(s);
	}
	case TIME: /* never memory the fuzz may have filled: it could sleep for years */
		return r % 3 ? (long)&short_wait :
			       PICK(s, 0, 8, (long)hole, 0xffff800000000000l, 0x0000800000000000l, -1l);
	case SIG0:
		return 0;
	case TID:
		return PICK(s, 0, 1, 2, 3, -1, 100000, 0x7fffffff);
	case GETFS:
		return r % 2 ? 0x1003 : PICK(s, 0x1001, 0x1002, 0x1004, 999);
	}
	return 0;
}

struct worker {
	pthread_t thread;
	uint64_t seed;
	long calls, failed;
};

/* The room left after p inside the playground or the harmless page; a
 * pointer elsewhere is a bad one, and a page is enough to show it. */
static long room(long p)
{
	long play_end = (long)play + (long)(PLAY_PAGES * PAGE);
	long harmless_end = (long)harmless + (long)sizeof(harmless);

	if (p >= (long)play && p < play_end)
		return play_end - p;
	if (p >= (long)harmless && p < harmless_end)
		return harmless_end - p;
	return (long)PAGE;
}

/* Keeps a call inside what the fuzzer owns (see the top of the file). */
static void confine(const struct call *c, long *a, uint64_t *s)
{
	long ptr = 0;

	for (int j = 0; j < 6; j++) {
		enum kind k = c->arg[j];

		if (k == BUF || k == RBUF || k == PLAY)
			ptr = a[j];
		else if (k == LEN && ptr && a[j] > room(ptr))
			a[j] = room(ptr);
	}
	switch (c->nr) {
	case SYS_futex: /* waits end after a short timeout */
		a[1] &= 0x80 | 0xf;
		a[3] = (long)&short_wait;
		break;
	case SYS_mmap: /* no population; MAP_FIXED only in the playground */
		a[3] &= ~(long)(MAP_POPULATE | MAP_LOCKED);
		if (room(a[0]) < a[1] || a[0] < (long)play || a[0] >= (long)play + (long)(PLAY_PAGES * PAGE))
			a[3] &= ~(long)(MAP_FIXED | MAP_FIXED_NOREPLACE);
		break;
	case SYS_mremap: /* resizing in place only */
		a[3] &= ~(long)(MREMAP_FIXED | MREMAP_MAYMOVE);
		if (a[2] > room(a[0]))
			a[2] = room(a[0]);
		break;
	case SYS_arch_prctl: /* SET_FS only with addresses that must be refused */
		if (a[0] == 0x1002)
			a[1] = PICK(s, 0xffff800000000000l, 0x0000800000000000l, -4096l);
		break;
	}
}

/* No thread starts before all exist: a stack mapped into a hole of the
 * playground would be unmapped by the next call. */
static pthread_barrier_t all_created;

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t s = w->seed;

	pthread_barrier_wait(&all_created);

	for (long i = 0; i < w->calls; i++) {
		const struct call *c = &calls[next(&s) % NCALLS];
		long a[6], r;

		for (int j = 0; j < 6; j++)
			a[j] = arg_of(c->arg[j], &s);
		confine(c, a, &s);
		r = syscall(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (c->nr == SYS_fork && r == 0)
			_exit(0); /* the child of a fork amid the other workers' calls */
		if (c->nr == SYS_fork && r > 0)
			waitpid((pid_t)r, NULL, 0);
		if (r < 0)
			w->failed++;
		else if (c->nr == SYS_mmap && room(r) == (long)PAGE && a[1] > 0)
			munmap((void *)r, (size_t)a[1]); /* a new mapping outside the playground */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long total = argc > 1 ? atol(argv[1]) : 100000;
	int threads = argc > 2 ? atoi(argv[2]) : 4;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	struct worker w[16];

	if (threads < 1 || threads > 16 || total < 0) {
		fprintf(stderr, "usage: sysfuzz [CALLS [THREADS(1-16) [SEED]]]\n");
		return 2;
	}
	mkdir("/tmp/fz", 0700);
	mkdir("/tmp/fz/d", 0700);
	close(open("/tmp/fz/a", O_CREAT | O_WRONLY, 0600));
	fds[0] = open("/dev/null", O_RDWR);
	fds[1] = open("/dev/zero", O_RDONLY);
	fds[2] = open("/tmp/fz/a", O_RDWR);
	fds[3] = open("/tmp/fz", O_RDONLY | O_DIRECTORY);
	fds[4] = open("/tmp/fz/b", O_RDWR | O_CREAT, 0600);
	fds[5] = open("/", O_RDONLY | O_DIRECTORY);
	play = mmap(NULL, PLAY_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	readonly = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = readonly + PAGE;
	munmap(hole, PAGE);
	if (play == MAP_FAILED || readonly == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(harmless, 0, sizeof(harmless));

	pthread_barrier_init(&all_created, NULL, (unsigned)threads);
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){ .seed = seed * 0x9e3779b97f4a7c15ull + (uint64_t)i + 1,
					.calls = total / threads };
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	long failed = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		printf("ok - thread %d: %ld calls answered, %ld of them errors\n", i, w[i].calls,
		       w[i].failed);
		failed += w[i].failed;
	}
	printf("ok - sysfuzz: %ld calls in %d threads, seed %llu, %ld errors: the kernel answered all\n",
	       total / threads * threads, threads, (unsigned long long)seed, failed);
	return 0;
}

/*
 * System-call arguments checked as Linux checks them: one line per case
 * with the result or the errno, for bad descriptors, NULL, kernel,
 * unmapped and read-only pointers, overflowing and out-of-range values.
 * Calls go through syscall(), so libc's own checks do not hide the
 * kernel's. The image must print exactly what the same program prints on
 * the host (tests/integration/compare.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_PTR ((void *)0xffff800000001000ul)
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static void *unmapped, *readonly;
static char buf[8192];

/* Prints the result: a count where one is meaningful, else ok or errno. */
static void result(const char *what, long r, int count)
{
	if (r < 0)
		printf("%-48s %s\n", what, strerror(errno));
	else if (count)
		printf("%-48s = %ld\n", what, r);
	else
		printf("%-48s ok\n", what);
}

#define T(what, call) do { errno = 0; result(what, (long)(call), 1); } while (0)
#define OK(what, call) do { errno = 0; result(what, (long)(call), 0); } while (0)

static int file_with(const char *path, const char *data)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0 && write(fd, data, strlen(data)) < 0)
		perror("write");
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void files(void)
{
	char longname[5000];
	int fd = file_with("/tmp/sysargs.dat", "0123456789abcdef");
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	int zero = open("/dev/zero", O_RDONLY);

	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;

	T("read bad fd -1", syscall(SYS_read, -1, buf, 1));
	T("read fd 999", syscall(SYS_read, 999, buf, 1));
	T("read into NULL", syscall(SYS_read, zero, NULL, 16));
	T("read into a kernel address", syscall(SYS_read, zero, KERNEL_PTR, 16));
	T("read into unmapped memory", syscall(SYS_read, zero, unmapped, 16));
	T("read into read-only memory", syscall(SYS_read, zero, readonly, 16));
	T("read 0 bytes into NULL", syscall(SYS_read, zero, NULL, 0));
	T("write from NULL to a file", syscall(SYS_write, fd, NULL, 4));
	T("write from a kernel address", syscall(SYS_write, fd, KERNEL_PTR, 4));
	T("write from unmapped memory", syscall(SYS_write, fd, unmapped, 4));
	T("pread at a negative offset", syscall(SYS_pread64, fd, buf, 4, -1l));
	T("pwrite at a negative offset", syscall(SYS_pwrite64, fd, buf, 4, -1l));
	T("sync_file_range of a file", syscall(SYS_sync_file_range, fd, 0l, 4l, 7));
	T("sync_file_range with flags 8", syscall(SYS_sync_file_range, fd, 0l, 4l, 8));
	T("sync_file_range at a negative offset", syscall(SYS_sync_file_range, fd, -1l, 4l, 2));
	T("sync_file_range of /dev/zero", syscall(SYS_sync_file_range, zero, 0l, 4l, 2));
	T("sync_file_range of fd 999", syscall(SYS_sync_file_range, 999, 0l, 4l, 2));

	struct iovec big[2] = { { buf, 4 }, { buf, (size_t)SSIZE_MAX + 1 } };
	struct iovec neg[1] = { { buf, (size_t)-1 } };
	struct iovec bad2[2] = { { buf, 4 }, { NULL, 4 } };
	struct iovec kern2[2] = { { buf, 4 }, { KERNEL_PTR, 4 } };
	T("writev whose second length overflows", syscall(SYS_writev, fd, big, 2));
	T("writev with a length of -1", syscall(SYS_writev, fd, neg, 1));
	T("writev with iovcnt -1", syscall(SYS_writev, fd, big, -1));
	T("writev with iovcnt 1025", syscall(SYS_writev, fd, big, 1025));
	T("writev with iovcnt 0", syscall(SYS_writev, fd, big, 0));
	T("writev of a NULL vector", syscall(SYS_writev, fd, NULL, 1));
	lseek(fd, 0, SEEK_SET);
	T("readv with a NULL second vector", syscall(SYS_readv, fd, bad2, 2));
	lseek(fd, 0, SEEK_SET);
	T("readv with a kernel second vector", syscall(SYS_readv, fd, kern2, 2));
	T("readv whose second length overflows", syscall(SYS_readv, fd, big, 2));
	T("lseek with whence 99", syscall(SYS_lseek, fd, 0, 99));
	T("lseek before the start", syscall(SYS_lseek, fd, -5, SEEK_SET));
	T("ftruncate to a negative size", syscall(SYS_ftruncate, fd, -1l));
	T("fcntl with command 9999", syscall(SYS_fcntl, fd, 9999, 0));
	T("dup2 of fd -1", syscall(SYS_dup2, -1, 5));
	T("dup3 onto itself", syscall(SYS_dup3, fd, fd, 0));
	T("dup3 with bad flags", syscall(SYS_dup3, fd, 50, 0x7));
	T("ioctl 0xdead on a file", syscall(SYS_ioctl, fd, 0xdead, 0));

	T("open NULL", syscall(SYS_open, NULL, O_RDONLY));
	T("open a kernel address", syscall(SYS_open, KERNEL_PTR, O_RDONLY));
	T("open unmapped memory", syscall(SYS_open, unmapped, O_RDONLY));
	T("open a 5000-byte path", syscall(SYS_open, longname, O_RDONLY));
	T("open an empty path", syscall(SYS_open, "", O_RDONLY));
	T("open O_CREAT|O_EXCL of an existing file",
	  syscall(SYS_open, "/tmp/sysargs.dat", O_CREAT | O_EXCL | O_WRONLY, 0600));
	T("stat NULL", syscall(SYS_stat, NULL, buf));
	T("stat a kernel address", syscall(SYS_stat, KERNEL_PTR, buf));
	T("stat into NULL", syscall(SYS_stat, "/tmp", NULL));
	T("stat into a kernel address", syscall(SYS_stat, "/tmp", KERNEL_PTR));
	T("stat into read-only memory", syscall(SYS_stat, "/tmp", readonly));
	T("stat an empty path", syscall(SYS_stat, "", buf));
	T("stat a 5000-byte path", syscall(SYS_stat, longname, buf));
	T("lstat NULL", syscall(SYS_lstat, NULL, buf));
	T("fstat into NULL", syscall(SYS_fstat, fd, NULL));
	T("newfstatat with bad flags", syscall(SYS_newfstatat, AT_FDCWD, "/tmp", buf, 0x12345));
	T("access NULL", syscall(SYS_access, NULL, F_OK));
	T("access with mode 99", syscall(SYS_access, "/tmp", 99));
	T("mkdir NULL", syscall(SYS_mkdir, NULL, 0700));
	T("mkdir a kernel address", syscall(SYS_mkdir, KERNEL_PTR, 0700));
	T("unlink an empty path", syscall(SYS_unlink, ""));
	T("rename from NULL", syscall(SYS_rename, NULL, "/tmp/sysargs.x"));
	T("rename to NULL", syscall(SYS_rename, "/tmp/sysargs.dat", NULL));
	T("chdir NULL", syscall(SYS_chdir, NULL));
	T("readlink with size 0", syscall(SYS_readlink, "/tmp", buf, 0));
	T("readlink of a non-link", syscall(SYS_readlink, "/tmp", buf, 10));
	T("getdents64 into NULL", syscall(SYS_getdents64, dir, NULL, 4096));
	T("getdents64 into 1 byte", syscall(SYS_getdents64, dir, buf, 1));
	T("getdents64 of a file", syscall(SYS_getdents64, fd, buf, sizeof(buf)));
	T("getcwd into NULL", syscall(SYS_getcwd, NULL, 100));
	T("getcwd of size 0", syscall(SYS_getcwd, buf, 0));
	T("getcwd of size 1", syscall(SYS_getcwd, buf, 1));
	struct timespec badns[2] = { { 0, 1000000000 }, { 0, 0 } };
	T("utimensat with tv_nsec 1e9", syscall(SYS_utimensat, AT_FDCWD, "/tmp/sysargs.dat", badns, 0));
	T("utimensat with bad flags", syscall(SYS_utimensat, AT_FDCWD, "/tmp/sysargs.dat", NULL, 0x999));
	close(fd);
	close(dir);
	close(zero);
	unlink("/tmp/sysargs.dat");
}

static void memory(void)
{
	T("mmap of length 0", syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) < 0 ? -1 : 0);
	OK("mmap of 1 TiB", syscall(SYS_mmap, 0, 1ul << 40, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == -1 ? -1 : 0);
	OK("mmap neither private nor shared",
	   syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0) == -1 ? -1 : 0);
	OK("mmap MAP_FIXED at an unaligned address",
	   syscall(SYS_mmap, 0x200000001000ul + 1, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == -1 ? -1 : 0);
	OK("mmap of fd -1 without MAP_ANONYMOUS",
	   syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, -1, 0) == -1 ? -1 : 0);
	OK("mmap at an unaligned offset",
	   syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1) == -1 ? -1 : 0);
	T("munmap at an unaligned address", syscall(SYS_munmap, (char *)readonly + 1, 4096));
	T("munmap of length 0", syscall(SYS_munmap, readonly, 0));
	T("munmap of a kernel address", syscall(SYS_munmap, (void *)0xffff800000000000ul, 4096));
	T("munmap of an unmapped range", syscall(SYS_munmap, unmapped, 4096));
	T("mprotect at an unaligned address", syscall(SYS_mprotect, (char *)readonly + 1, 4096, PROT_READ));
	T("mprotect of an unmapped range", syscall(SYS_mprotect, unmapped, 4096, PROT_READ));
	T("mprotect with bad bits", syscall(SYS_mprotect, readonly, 4096, 0x100));
	T("madvise with advice 999", syscall(SYS_madvise, readonly, 4096, 999));
	T("brk(0) succeeds", syscall(SYS_brk, 0) > 0 ? 0 : -1);
}

static void *sleeper(void *arg)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += 1000000000l;
	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	*(volatile int *)arg = 1;
	return NULL;
}

static void timing(void)
{
	struct timespec t = { 0, 1000000000 }, neg = { -1, 0 };
	static volatile int woke;
	pthread_t th;

	T("clock_gettime of clock 999", syscall(SYS_clock_gettime, 999, buf));
	T("clock_gettime into NULL", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL));
	T("clock_gettime into a kernel address", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL_PTR));
	T("clock_gettime into read-only memory", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, readonly));
	T("clock_getres of clock -5", syscall(SYS_clock_getres, -5, buf));
	T("nanosleep with tv_nsec 1e9", syscall(SYS_nanosleep, &t, NULL));
	T("nanosleep with tv_sec -1", syscall(SYS_nanosleep, &neg, NULL));
	T("nanosleep of NULL", syscall(SYS_nanosleep, NULL, NULL));
	T("clock_nanosleep with flags 99", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 99, &t, NULL));
	T("gettimeofday into a kernel address", syscall(SYS_gettimeofday, KERNEL_PTR, NULL));
	T("time into a kernel address", syscall(SYS_time, KERNEL_PTR) < 0 ? -1 : 0);
	pthread_create(&th, NULL, sleeper, (void *)&woke);
	usleep(300000);
	OK("clock_nanosleep to a far deadline still sleeps", woke ? (errno = EINTR, -1) : 0);
}

static void rest(void)
{
	struct pollfd p = { 0, POLLIN, 0 };
	uint64_t fsbase;

	T("uname into NULL", syscall(SYS_uname, NULL));
	T("sysinfo into NULL", syscall(SYS_sysinfo, NULL));
	T("getrandom into NULL", syscall(SYS_getrandom, NULL, 16, 0));
	T("getrandom with flags 0xff", syscall(SYS_getrandom, buf, 16, 0xff));
	T("getrlimit of resource 999", syscall(SYS_getrlimit, 999, buf));
	T("getrlimit into NULL", syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL));
	T("arch_prctl SET_FS to a kernel address", syscall(SYS_arch_prctl, ARCH_SET_FS, KERNEL_PTR));
	T("arch_prctl GET_FS into NULL", syscall(SYS_arch_prctl, ARCH_GET_FS, NULL));
	T("arch_prctl GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase));
	T("arch_prctl code 999", syscall(SYS_arch_prctl, 999, 0));
	T("rt_sigaction of signal 65", syscall(SYS_rt_sigaction, 65, NULL, buf, 8));
	T("rt_sigaction of signal 0", syscall(SYS_rt_sigaction, 0, NULL, buf, 8));
	T("rt_sigaction with sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, buf, 4));
	T("rt_sigaction from a kernel address", syscall(SYS_rt_sigaction, SIGUSR1, KERNEL_PTR, NULL, 8));
	T("rt_sigprocmask with how 99", syscall(SYS_rt_sigprocmask, 99, buf, NULL, 8));
	T("rt_sigprocmask from a kernel address",
	  syscall(SYS_rt_sigprocmask, SIG_BLOCK, KERNEL_PTR, NULL, 8));
	T("rt_sigprocmask into read-only memory",
	  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, readonly, 8));
	T("poll of NULL with nfds 1", syscall(SYS_poll, NULL, 1, 0));
	T("poll with nfds 2^20", syscall(SYS_poll, &p, 1 << 20, 0));
	T("sched_getaffinity into 1 byte", syscall(SYS_sched_getaffinity, 0, 1, buf));
	T("sched_getaffinity into NULL", syscall(SYS_sched_getaffinity, 0, 128, NULL));
	T("futex with op 99", syscall(SYS_futex, buf, 99, 0, NULL, NULL, 0));
	T("futex wait on NULL", syscall(SYS_futex, NULL, 0, 0, NULL, NULL, 0));
	T("futex wait on a kernel address", syscall(SYS_futex, KERNEL_PTR, 0, 0, NULL, NULL, 0));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A read-only page with a hole after it that nothing else fills. */
	readonly = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = (char *)readonly + 4096;
	munmap(unmapped, 4096);
	files();
	memory();
	timing();
	rest();
	return 0;
}

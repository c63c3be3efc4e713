/*
 * Resource limits that are enforced: RLIMIT_NOFILE (EMFILE for every new
 * descriptor past it), RLIMIT_AS and RLIMIT_DATA (ENOMEM from mmap, brk
 * and malloc), RLIMIT_STACK (the main thread's stack is what it says),
 * and the errors of getrlimit, setrlimit and prlimit64.
 */
#define _GNU_SOURCE /* prlimit */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"

static int touch_stack(size_t bytes)
{
	volatile char big[bytes];

	big[0] = 1;
	big[bytes - 1] = 2;
	return big[0] + big[bytes - 1];
}

int main(void)
{
	struct rlimit r, old;

	CHECK(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur == 8 << 20,
	      "RLIMIT_STACK is 8 MiB");
	CHECK(touch_stack(7 << 20) == 3, "and the main thread has 7 MiB of stack to use");

	getrlimit(RLIMIT_NOFILE, &old);
	CHECK(old.rlim_cur == 1024 && old.rlim_max == 1024, "RLIMIT_NOFILE is 1024");
	r = (struct rlimit){ 8, old.rlim_max };
	CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0, "lower RLIMIT_NOFILE to 8");
	int fds = 0, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		fds++;
	CHECK(errno == EMFILE && fds == 5, "open past it: EMFILE after %d more", fds);
	CHECK(dup(0) == -1 && errno == EMFILE, "dup past it: EMFILE");
	CHECK(fcntl(0, F_DUPFD, 0) == -1 && errno == EMFILE, "F_DUPFD past it: EMFILE");
	CHECK(fcntl(0, F_DUPFD, 8) == -1 && errno == EINVAL, "F_DUPFD from the limit: EINVAL");
	close(7);
	CHECK(open("/dev/null", O_RDONLY) == 7, "a closed descriptor is reused");
	r.rlim_max = 4096;
	CHECK(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EPERM,
	      "raising it past the table: EPERM");
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0, "back to 1024");
	CHECK(open("/dev/null", O_RDONLY) == 8, "and open works again");

	r = (struct rlimit){ 64 << 20, RLIM_INFINITY };
	CHECK(setrlimit(RLIMIT_AS, &r) == 0, "RLIMIT_AS 64 MiB");
	CHECK(mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
			      MAP_FAILED && errno == ENOMEM,
	      "mmap of 128 MiB: ENOMEM");
	void *small = mmap(NULL, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(small != MAP_FAILED, "mmap of 1 MiB still works");
	munmap(small, 1 << 20);
	CHECK(malloc(100 << 20) == NULL && errno == ENOMEM, "malloc of 100 MiB: NULL, ENOMEM");
	r.rlim_cur = RLIM_INFINITY;
	CHECK(setrlimit(RLIMIT_AS, &r) == 0, "RLIMIT_AS unlimited again");
	void *big = malloc(100 << 20);
	CHECK(big != NULL, "then malloc of 100 MiB works");
	free(big);

	r = (struct rlimit){ 16 << 20, RLIM_INFINITY };
	CHECK(setrlimit(RLIMIT_DATA, &r) == 0, "RLIMIT_DATA 16 MiB");
	CHECK(sbrk(32 << 20) == (void *)-1 && errno == ENOMEM, "brk 32 MiB further: ENOMEM");
	CHECK(mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
			      MAP_FAILED && errno == ENOMEM,
	      "a writable private mapping of 32 MiB: ENOMEM");
	void *ro = mmap(NULL, 32 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED, "a read-only one is not data");
	munmap(ro, 32 << 20);
	r.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_DATA, &r);

	CHECK(getrlimit(99, &r) == -1 && errno == EINVAL, "getrlimit of no resource: EINVAL");
	CHECK(getrlimit(RLIMIT_AS, (void *)8) == -1 && errno == EFAULT,
	      "getrlimit to a bad pointer: EFAULT");
	r = (struct rlimit){ 10, 5 };
	CHECK(setrlimit(RLIMIT_CORE, &r) == -1 && errno == EINVAL, "soft above hard: EINVAL");
	CHECK(prlimit(2, RLIMIT_CORE, NULL, &old) == -1 && errno == ESRCH,
	      "prlimit of another process: ESRCH");
	CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &old) == 0 && old.rlim_cur == 1024,
	      "prlimit of the caller reads the limit");
	return tap_done();
}

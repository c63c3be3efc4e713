/*
 * Process system calls: identities, uname, limits, sysinfo, getrandom,
 * signal dispositions, thread setup, and the answer to unknown and
 * missing calls. Checks the argv and environment the runner passes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tap.h"

static void on_usr1(int sig) { (void)sig; }

int main(int argc, char **argv)
{
	struct utsname u;
	struct rlimit rl;
	struct sysinfo si;
	unsigned char r1[32], r2[32];

	CHECK(argc == 3 && !strcmp(argv[1], "two words") && !strcmp(argv[2], "q\"uote\\"),
	      "argv arrives whole (argc %d)", argc);
	CHECK(getenv("UNISHYPER_TEST") && !strcmp(getenv("UNISHYPER_TEST"), "a=b c"),
	      "the environment arrives");
	CHECK(getpid() == 1 && getppid() == 0, "one process: pid 1");
	CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0, "runs as root");
	CHECK(syscall(SYS_gettid) == 1, "gettid is 1");
	CHECK(uname(&u) == 0 && !strcmp(u.sysname, "Unishyper") && !strcmp(u.machine, "x86_64"),
	      "uname: %s %s %s", u.sysname, u.release, u.machine);
	CHECK(syscall(SYS_uname, (void *)8) == -1 && errno == EFAULT, "uname into a bad pointer: EFAULT");

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 1024, "RLIMIT_NOFILE is 1024");
	rl.rlim_cur = 512;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		      rl.rlim_cur == 512, "setrlimit lowers a limit");
	rl.rlim_cur = rl.rlim_max + 1;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EINVAL, "soft above hard: EINVAL");
	CHECK(prlimit(2, RLIMIT_NOFILE, NULL, &rl) == -1 && errno == ESRCH, "prlimit of another pid: ESRCH");
	CHECK(getrlimit(999, &rl) == -1 && errno == EINVAL, "an unknown resource: EINVAL");

	CHECK(sysinfo(&si) == 0 && si.totalram > (16ul << 20) && si.freeram <= si.totalram &&
		      si.procs == 1, "sysinfo: %lu MiB, %lu MiB free", si.totalram >> 20, si.freeram >> 20);

	CHECK(getrandom(r1, sizeof(r1), 0) == 32 && getrandom(r2, sizeof(r2), 0) == 32 &&
		      memcmp(r1, r2, sizeof(r1)), "getrandom gives different bytes each time");
	CHECK(getrandom(r1, 8, 0xff00) == -1 && errno == EINVAL, "getrandom with bad flags: EINVAL");
	CHECK(getrandom((void *)8, 8, 0) == -1 && errno == EFAULT, "getrandom into a bad pointer: EFAULT");

	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGUSR1, NULL, &old) == 0 &&
		      old.sa_handler == on_usr1, "sigaction records a handler");
	CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "sigaction on SIGKILL: EINVAL");
	CHECK(sigaction(99, &sa, NULL) == -1 && errno == EINVAL, "sigaction on signal 99: EINVAL");
	sigset_t set, cur;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGKILL);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0 && sigprocmask(SIG_SETMASK, NULL, &cur) == 0 &&
		      sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGKILL),
	      "sigprocmask blocks, but never SIGKILL");
	CHECK(sigprocmask(77, &set, NULL) == -1 && errno == EINVAL, "sigprocmask with a bad how: EINVAL");

	unsigned long fs = 0;
	CHECK(syscall(SYS_arch_prctl, 0x1003, &fs) == 0 && fs == (unsigned long)pthread_self(),
	      "ARCH_GET_FS is the thread pointer");
	CHECK(syscall(SYS_arch_prctl, 0x9999, &fs) == -1 && errno == EINVAL, "arch_prctl unknown code: EINVAL");
	CHECK(syscall(SYS_set_tid_address, NULL) == 1, "set_tid_address returns the tid");
	CHECK(sched_yield() == 0, "sched_yield");

	CHECK(syscall(400) == -1 && errno == ENOSYS, "an unknown system call: ENOSYS");
	CHECK(syscall(-5) == -1 && errno == ENOSYS, "a negative system call number: ENOSYS");
	CHECK(syscall(SYS_acct, 0) == -1 && errno == ENOSYS, "a missing system call: ENOSYS");
	CHECK(syscall(SYS_acct, 0) == -1 && errno == ENOSYS, "and again (logged once)");
	return tap_done();
}

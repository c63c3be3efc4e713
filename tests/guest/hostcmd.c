/*
 * An image run as a host command (tests/integration/hostcmd.sh): prints
 * its working directory, arguments and the variable HOSTCMD_VAR, then does
 * what its first argument says:
 *
 *   show              nothing more
 *   cat FILE          prints FILE's contents, or "cat: ERROR"
 *   write FILE TEXT   writes TEXT and a newline to FILE
 *   exit N            exits with status N
 *   kill SIG          raises signal SIG (a number)
 *   alloc MIB         allocates and fills MIB MiB, then prints "alloc ok 2"
 *   umask             prints the file-mode creation mask it started with
 *   realtime          prints CLOCK_REALTIME in microseconds
 *   mtime FILE        creates FILE between two readings of CLOCK_REALTIME
 *                     and prints whether its modification time (the
 *                     host's clock) lies between them, give or take the
 *                     10 ms of a host's coarse file times
 *   wait [catch]      prints "ready", then waits 30 s for a signal (with
 *                     catch: a handler for SIGTERM and SIGUSR1), prints
 *                     the one that came and exits with status 3
 *   pid               prints getpid(), whether the main thread's id is the
 *                     same, and what kill(getpid(), 0) returns
 *   streams           prints, on standard error, what each of descriptors
 *                     0, 1 and 2 answers to isatty, tcgetattr, TIOCGWINSZ
 *                     and fstat, then the result of writing a line to
 *                     standard output (tests/integration/hostcmd.sh runs
 *                     it natively too and compares)
 *   seek [FILE]       with files as standard input and output: reads 4
 *                     bytes of input, seeks it to 2 and reads 3, and
 *                     prints what it read, the types and sizes of both,
 *                     where output stood, and whether input is FILE
 *                     (same inode); a line on standard error first
 *   clock             prints CLOCK_MONOTONIC's seconds, then sleeps until
 *                     0.2 s later on that clock (TIMER_ABSTIME) and
 *                     prints whether it woke then
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void streams(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct winsize ws = { 0 };
		struct termios t;
		struct stat st;
		int tty = isatty(fd), tc = tcgetattr(fd, &t), w = ioctl(fd, TIOCGWINSZ, &ws);
		const char *type = fstat(fd, &st) ? "?" : S_ISCHR(st.st_mode) ? "chr"
				   : S_ISFIFO(st.st_mode)		 ? "fifo"
				   : S_ISREG(st.st_mode)		 ? "reg"
									 : "other";
		fprintf(stderr, "fd %d isatty %d tcgetattr %d winsize %dx%d %s\n", fd, tty, tc,
			w ? 0 : ws.ws_col, w ? 0 : ws.ws_row, type);
	}
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	ssize_t r = write(1, "line\n", 5);
	fprintf(stderr, "write %zd %s\n", r, r < 0 ? strerror(errno) : "ok");
}

static void seek_streams(const char *name)
{
	char b[8] = { 0 };
	struct stat in, out, named;
	off_t at = lseek(1, 0, SEEK_CUR);
	ssize_t n1 = read(0, b, 4);
	off_t to = lseek(0, 2, SEEK_SET);
	ssize_t n2 = read(0, b + 4, 3);
	int same = name && !stat(name, &named) && !fstat(0, &in) && in.st_ino == named.st_ino &&
		   in.st_dev == named.st_dev;

	if (fstat(0, &in) || fstat(1, &out))
		return;
	fprintf(stderr, "seek: standard error\n");
	printf("read %zd seek %lld read %zd <%s> in %s %lld out %s at %lld same %d\n", n1,
	       (long long)to, n2, b, S_ISREG(in.st_mode) ? "reg" : "other", (long long)in.st_size,
	       S_ISREG(out.st_mode) ? "reg" : "other", (long long)at, same);
}

static void clock_check(void)
{
	struct timespec start, until, end;

	clock_gettime(CLOCK_MONOTONIC, &start);
	until = start;
	until.tv_nsec += 200000000;
	if (until.tv_nsec >= 1000000000)
		until.tv_sec++, until.tv_nsec -= 1000000000;
	int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	clock_gettime(CLOCK_MONOTONIC, &end);
	long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
	printf("monotonic %lld\nslept %s\n", (long long)start.tv_sec,
	       !r && ms >= 200 && ms < 2000 ? "ok" : "wrong");
}

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

int main(int argc, char **argv)
{
	char buf[4096];

	if (argc == 2 && !strcmp(argv[1], "streams")) {
		streams();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "clock")) {
		clock_check();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "seek")) {
		seek_streams(argv[2]);
		return 0;
	}
	printf("cwd %s\n", getcwd(buf, sizeof(buf)) ? buf : strerror(errno));
	for (int i = 0; i < argc; i++)
		printf("argv[%d] <%s>\n", i, argv[i]);
	const char *v = getenv("HOSTCMD_VAR");
	printf("HOSTCMD_VAR %s\n", v ? v : "(unset)");
	if (argc >= 3 && !strcmp(argv[1], "cat")) {
		FILE *f = fopen(argv[2], "r");
		if (!f) {
			printf("cat: %s\n", strerror(errno));
			return 1;
		}
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)))
			fwrite(buf, 1, n, stdout);
		fclose(f);
	} else if (argc >= 4 && !strcmp(argv[1], "write")) {
		FILE *f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%s\n", argv[3]) < 0 || fclose(f)) {
			printf("write: %s\n", strerror(errno));
			return 1;
		}
	} else if (argc >= 3 && !strcmp(argv[1], "exit")) {
		return atoi(argv[2]);
	} else if (argc >= 2 && !strcmp(argv[1], "umask")) {
		mode_t m = umask(0);
		printf("umask %03o\n", (unsigned)m);
	} else if (argc >= 2 && !strcmp(argv[1], "wait")) {
		if (argc >= 3 && !strcmp(argv[2], "catch")) {
			signal(SIGTERM, on_signal);
			signal(SIGUSR1, on_signal);
		}
		printf("ready\n");
		fflush(stdout);
		for (int i = 0; i < 300 && !caught; i++)
			usleep(100000);
		printf("caught %d\n", (int)caught);
		return 3;
	} else if (argc >= 3 && !strcmp(argv[1], "mtime")) {
		struct timespec t1, t2;
		struct stat st;
		clock_gettime(CLOCK_REALTIME, &t1);
		FILE *f = fopen(argv[2], "w");
		if (!f || fclose(f) || stat(argv[2], &st)) {
			printf("mtime: %s\n", strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_REALTIME, &t2);
		long long a = t1.tv_sec * 1000000000ll + t1.tv_nsec, b = t2.tv_sec * 1000000000ll + t2.tv_nsec;
		long long m = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec, slack = 10000000;
		if (m >= a - slack && m <= b + slack)
			printf("mtime: between the clock's readings\n");
		else
			printf("mtime: %lld ms from the clock's readings\n",
			       (m < a ? m - a : m - b) / 1000000);
	} else if (argc >= 2 && !strcmp(argv[1], "realtime")) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("realtime %lld\n", (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	} else if (argc >= 2 && !strcmp(argv[1], "pid")) {
		pid_t pid = getpid();
		printf("pid %d, main thread %s, kill(pid, 0) %d\n", (int)pid,
		       gettid() == pid ? "the same" : "another", kill(pid, 0));
	} else if (argc >= 3 && !strcmp(argv[1], "alloc")) {
		size_t n = (size_t)atoi(argv[2]) << 20;
		char *p = malloc(n);
		if (!p) {
			printf("alloc: %s\n", strerror(errno));
			return 1;
		}
		memset(p, 1, n);
		printf("alloc ok %d\n", p[n / 2] + p[n - 1]);
	} else if (argc >= 3 && !strcmp(argv[1], "kill")) {
		fflush(stdout);
		raise(atoi(argv[2]));
	}
	return 0;
}

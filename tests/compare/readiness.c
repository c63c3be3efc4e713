/*
 * Readiness calls whose answers are deterministic, printed so the image
 * and the native program can be compared line by line: select, pselect,
 * ppoll and epoll over pipes, eventfds, timerfds, signalfds, epoll
 * instances and regular files, with their errnos.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SHOW(what, call)                                                       \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(call);                                        \
		printf("%-40s %ld %s\n", what, r_, r_ < 0 ? strerror(errno) : ""); \
	} while (0)

static void show_events(const char *what, struct epoll_event *ev, int n)
{
	printf("%s: %d:", what, n);
	for (int i = 0; i < n; i++)
		printf(" %llu/%#x", (unsigned long long)ev[i].data.u64, ev[i].events);
	printf("\n");
}

static int wait_now(int ep, const char *what)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, 0);

	show_events(what, ev, n);
	return n;
}

static void epoll_errors(void)
{
	int p[2], ep = epoll_create1(0), ep2 = epoll_create1(EPOLL_CLOEXEC);
	int file = open("/tmp", O_RDONLY | O_DIRECTORY);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out[4];

	pipe(p);
	SHOW("epoll_create(0)", epoll_create(0));
	SHOW("epoll_create(-1)", epoll_create(-1));
	SHOW("epoll_create1(bad flags)", epoll_create1(1));
	SHOW("cloexec of epoll_create1(EPOLL_CLOEXEC)", fcntl(ep2, F_GETFD));
	SHOW("ctl bad epfd", epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev));
	SHOW("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
	SHOW("ctl epfd not epoll", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev));
	SHOW("ctl on itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	SHOW("ctl folder (no poll)", epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev));
	SHOW("ctl bad op", epoll_ctl(ep, 99, p[0], &ev));
	SHOW("ctl MOD absent", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	SHOW("ctl DEL absent", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	SHOW("ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	SHOW("ctl ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	SHOW("ctl ADD bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (void *)8));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	SHOW("ctl MOD with EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	SHOW("ctl ADD EPOLLEXCLUSIVE epoll", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	SHOW("ctl ADD EPOLLEXCLUSIVE|ONESHOT", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	ev.events = EPOLLOUT | EPOLLEXCLUSIVE;
	SHOW("ctl ADD EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	SHOW("ctl MOD of an exclusive item", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
	SHOW("ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	SHOW("wait maxevents 0", epoll_wait(ep, out, 0, 0));
	SHOW("wait maxevents -1", epoll_wait(ep, out, -1, 0));
	SHOW("wait bad epfd", epoll_wait(-1, out, 4, 0));
	SHOW("wait not epoll", epoll_wait(p[0], out, 4, 0));
	SHOW("wait bad buffer", epoll_wait(ep, (void *)-4096L, 4, 0));
	sigset_t m;
	sigemptyset(&m);
	SHOW("pwait bad sigset size", syscall(SYS_epoll_pwait, ep, out, 4, 0, &m, 4));
	/* Loops and depth. */
	int chain[7];
	for (int i = 0; i < 7; i++)
		chain[i] = epoll_create1(0);
	ev.events = EPOLLIN;
	SHOW("ctl ep2 in ep", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
	SHOW("ctl ep in ep2 (loop)", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
	for (int i = 0; i < 6; i++) {
		char what[40];
		snprintf(what, sizeof(what), "ctl chain %d in %d", i + 1, i);
		SHOW(what, epoll_ctl(chain[i], EPOLL_CTL_ADD, chain[i + 1], &ev));
	}
	for (int i = 0; i < 7; i++)
		close(chain[i]);
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
	close(file);
}

/* Level- and edge-triggered, one-shot, MOD re-arming, nesting and close. */
static void epoll_semantics(void)
{
	int p[2], e = eventfd(0, EFD_NONBLOCK), ep = epoll_create1(0), outer = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
	uint64_t one = 1, v;
	char c;

	pipe2(p, O_NONBLOCK);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 2 };
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
	ev = (struct epoll_event){ .events = EPOLLOUT | EPOLLONESHOT, .data.u64 = 3 };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 9 };
	epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev);
	wait_now(ep, "one-shot writable");
	wait_now(ep, "one-shot disabled");
	write(p[1], "xy", 2);
	write(e, &one, 8);
	wait_now(outer, "outer sees inner");
	wait_now(ep, "pipe (level) and eventfd (edge)");
	wait_now(ep, "pipe again (level), eventfd not (edge)");
	write(e, &one, 8);
	wait_now(ep, "eventfd again after a new write");
	read(p[0], &c, 1);
	read(p[0], &c, 1);
	read(e, &v, 8);
	wait_now(ep, "all drained");
	wait_now(outer, "outer idle");
	ev = (struct epoll_event){ .events = EPOLLOUT | EPOLLONESHOT, .data.u64 = 4 };
	SHOW("MOD re-arms one-shot", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
	wait_now(ep, "one-shot again");
	struct pollfd pf = { .fd = ep, .events = POLLIN };
	write(p[1], "z", 1);
	SHOW("poll on an epoll fd", poll(&pf, 1, 0));
	printf("revents %#x\n", pf.revents);
	close(p[1]);
	wait_now(ep, "writer closed: EPOLLHUP");
	int d = dup(p[0]);
	close(p[0]);
	wait_now(ep, "closed fd, file still open by dup");
	close(d);
	wait_now(ep, "file closed: gone from the set");
	SHOW("ctl DEL of the closed fd", epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
	close(e);
	close(ep);
	close(outer);
}

static void select_calls(void)
{
	int p[2], file = open("/proc/self/exe", O_RDONLY);
	fd_set r, w, x;
	struct timeval tv = { 0, 0 };

	if (file < 0)
		file = open("/", O_RDONLY | O_DIRECTORY);
	pipe(p);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &x);
	FD_SET(file, &r);
	FD_SET(file, &w);
	SHOW("select pipe and file", select(file + 1, &r, &w, &x, &tv));
	printf("r %d %d w %d %d x %d\n", FD_ISSET(p[0], &r), FD_ISSET(file, &r), FD_ISSET(p[1], &w),
	       FD_ISSET(file, &w), FD_ISSET(p[0], &x));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	write(p[1], "a", 1);
	SHOW("select readable pipe", select(p[0] + 1, &r, NULL, NULL, &tv));
	FD_ZERO(&r);
	FD_SET(100, &r);
	SHOW("select closed fd", select(101, &r, NULL, NULL, &tv));
	SHOW("select nfds -1", select(-1, NULL, NULL, NULL, &tv));
	tv.tv_usec = -1;
	SHOW("select negative timeout", select(0, NULL, NULL, NULL, &tv));
	tv = (struct timeval){ 0, 1500000 }; /* Linux folds whole seconds */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	SHOW("select usec past a second", select(p[0] + 1, &r, NULL, NULL, &tv));
	SHOW("select bad set pointer", select(p[0] + 1, (void *)8, NULL, NULL, &tv));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	SHOW("select nfds past FD_SETSIZE", select(5000, &r, NULL, NULL, &(struct timeval){ 0, 0 }));
	struct timespec ts = { 0, 1000000000 };
	SHOW("pselect bad timespec", pselect(0, NULL, NULL, NULL, &ts, NULL));
	ts.tv_nsec = 1000000;
	SHOW("pselect times out", pselect(0, NULL, NULL, NULL, &ts, NULL));
	struct pollfd pf[3] = { { p[0], POLLIN, 0 }, { 77, POLLIN, 0 }, { -1, POLLIN, 0 } };
	SHOW("ppoll with a closed fd", ppoll(pf, 3, &ts, NULL));
	printf("revents %#x %#x %#x\n", pf[0].revents, pf[1].revents, pf[2].revents);
	SHOW("ppoll bad timespec", ppoll(pf, 1, &(struct timespec){ -1, 0 }, NULL));
	SHOW("ppoll too many", ppoll(pf, 1u << 20, &ts, NULL));
	SHOW("ppoll bad sigset size", syscall(SYS_ppoll, pf, 1, &ts, &r, 4));
	close(p[0]);
	close(p[1]);
	close(file);
}

static void timerfds(void)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } }, old;
	uint64_t v;
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);

	SHOW("timerfd_create bad clock", timerfd_create(99, 0));
	SHOW("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 4));
	SHOW("timerfd read disarmed", read(t, &v, 8));
	SHOW("timerfd short read", read(t, &v, 4));
	its.it_value.tv_nsec = 1000000000;
	SHOW("timerfd_settime bad nsec", timerfd_settime(t, 0, &its, NULL));
	its.it_value.tv_nsec = 1000;
	SHOW("timerfd_settime bad flags", timerfd_settime(t, 8, &its, NULL));
	SHOW("timerfd_settime not a timerfd", timerfd_settime(0, 0, &its, NULL));
	SHOW("timerfd_settime bad fd", timerfd_settime(99, 0, &its, NULL));
	SHOW("timerfd_gettime bad fd", timerfd_gettime(99, &old));
	SHOW("timerfd_settime 1 us", timerfd_settime(t, 0, &its, NULL));
	usleep(20000);
	SHOW("timerfd read once", read(t, &v, 8));
	printf("count %llu\n", (unsigned long long)v);
	its = (struct itimerspec){ { 0, 5000000 }, { 0, 5000000 } };
	timerfd_settime(t, 0, &its, NULL);
	usleep(27000);
	read(t, &v, 8);
	printf("periodic count at least 4: %d\n", v >= 4 && v <= 6);
	its = (struct itimerspec){ { 3, 0 }, { 100, 0 } };
	SHOW("settime with old value", timerfd_settime(t, 0, &its, &old));
	printf("old interval %ld.%09ld\n", (long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
	timerfd_gettime(t, &old);
	printf("left about 100 s: %d, interval %ld\n", old.it_value.tv_sec == 99,
	       (long)old.it_interval.tv_sec);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int rt = timerfd_create(CLOCK_REALTIME, 0);
	its = (struct itimerspec){ { 0, 0 }, { now.tv_sec - 1, 0 } };
	SHOW("realtime absolute in the past", timerfd_settime(rt, TFD_TIMER_ABSTIME, &its, NULL));
	SHOW("fires at once", read(rt, &v, 8));
	its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	timerfd_settime(t, 0, &its, &old);
	timerfd_gettime(t, &old);
	printf("disarmed: %ld %ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);
	close(t);
	close(rt);
}

static void signalfds(void)
{
	sigset_t m;
	struct signalfd_siginfo si[2];
	int s;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	sigdelset(&m, SIGRTMIN + 1);
	SHOW("signalfd bad flags", signalfd(-1, &m, 1));
	SHOW("signalfd bad mask size", syscall(SYS_signalfd4, -1, &m, 4, 0));
	SHOW("signalfd bad fd", signalfd(99, &m, 0));
	SHOW("signalfd on a non-signalfd", signalfd(0, &m, 0));
	sigdelset(&m, SIGUSR2);
	s = signalfd(-1, &m, SFD_NONBLOCK);
	SHOW("signalfd read nothing", read(s, si, sizeof(si)));
	SHOW("signalfd short read", read(s, si, 100));
	kill(getpid(), SIGUSR2);
	struct pollfd pf = { s, POLLIN, 0 };
	SHOW("poll: SIGUSR2 outside the mask", poll(&pf, 1, 0));
	sigaddset(&m, SIGUSR2);
	SHOW("signalfd update mask", signalfd(s, &m, 0) == s);
	SHOW("poll: now inside", poll(&pf, 1, 0));
	kill(getpid(), SIGUSR1);
	union sigval sv = { .sival_int = 42 };
	sigqueue(getpid(), SIGRTMIN + 1, sv);
	SHOW("signalfd read two", read(s, si, sizeof(si)));
	printf("%u code %d, %u code %d\n", si[0].ssi_signo, si[0].ssi_code, si[1].ssi_signo,
	       si[1].ssi_code);
	sigpending(&m);
	SHOW("RT outside the mask still pending", sigismember(&m, SIGRTMIN + 1));
	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN + 1);
	signalfd(s, &m, 0);
	SHOW("signalfd read RT", read(s, si, sizeof(si)));
	printf("%d int %d\n", (int)si[0].ssi_signo - SIGRTMIN, si[0].ssi_int);
	close(s);
}

static void mixed(void)
{
	int p[2], e = eventfd(1, 0), t = timerfd_create(CLOCK_MONOTONIC, 0), ep = epoll_create1(0);
	struct itimerspec its = { { 0, 0 }, { 0, 1000 } };
	struct pollfd pf[6];
	int file = open("/proc/self/exe", O_RDONLY);

	if (file < 0)
		file = open("/", O_RDONLY | O_DIRECTORY);
	pipe(p);
	timerfd_settime(t, 0, &its, NULL);
	usleep(5000);
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &(struct epoll_event){ .events = EPOLLIN });
	int fds[6] = { p[0], p[1], e, t, ep, file };
	for (int i = 0; i < 6; i++)
		pf[i] = (struct pollfd){ fds[i], POLLIN | POLLOUT, 0 };
	SHOW("poll over every kind", poll(pf, 6, 0));
	for (int i = 0; i < 6; i++)
		printf(" %#x", pf[i].revents);
	printf("\n");
	close(p[0]);
	close(p[1]);
	close(e);
	close(t);
	close(ep);
	close(file);
}

/* More level-triggered items ready than one round of the kernel gathers
 * (32), fewer than the call takes:
 * every item once per call, however many calls. */
static void epoll_many(void)
{
	enum { N = 40 };
	int ep = epoll_create1(0), fds[N], seen[N];
	struct epoll_event ev[64];

	for (int i = 0; i < N; i++) {
		fds[i] = eventfd(1, 0);
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
	}
	for (int round = 0; round < 3; round++) {
		int max = round == 1 ? N : 64, dup = 0; /* more than ready */
		memset(seen, 0, sizeof(seen));
		int n = epoll_wait(ep, ev, max, 0);
		for (int i = 0; i < n; i++)
			dup += seen[ev[i].data.u32]++ > 0;
		printf("epoll_many: round %d max %d: %d events, %d repeated\n", round, max, n, dup);
	}
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(ep);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	epoll_errors();
	epoll_semantics();
	select_calls();
	timerfds();
	signalfds();
	mixed();
	epoll_many();
	return 0;
}

/*
 * Waiting on many files: wake-ups from another thread (and CPU) for
 * epoll_wait, ppoll, select and blocking timerfd and signalfd reads;
 * timeouts that end on time; the signal masks of ppoll, pselect and
 * epoll_pwait; many idle files with a few ready; closing a watched file.
 * The answers and errnos of each call are tests/compare/readiness.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static int late_fd;

static void *late_write(void *arg)
{
	uint64_t one = 1;

	nap_ms(50);
	write(late_fd, &one, 8);
	return arg;
}

static void *late_kill(void *arg)
{
	nap_ms(50);
	kill(getpid(), (int)(intptr_t)arg);
	return NULL;
}

static pthread_t later(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	pthread_create(&t, NULL, fn, arg);
	return t;
}

static volatile int handled;

static void on_usr1(int sig)
{
	handled = sig;
}

static void wakeups(void)
{
	int e = eventfd(0, 0), ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
	pthread_t t;

	late_fd = e;
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
	t = later(late_write, NULL);
	int n = epoll_wait(ep, &ev, 1, 5000);
	CHECK(n == 1 && ev.data.u64 == 7, "epoll_wait is woken by a write from another thread");
	pthread_join(t, NULL);
	uint64_t v;
	read(e, &v, 8);

	t = later(late_write, NULL);
	struct pollfd pf = { e, POLLIN, 0 };
	struct timespec ts = { 5, 0 };
	/* musl passes a copy of the timeout: the call itself shows the write-back. */
	CHECK(syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) == 1 && ts.tv_sec < 5,
	      "ppoll is woken, time left written back");
	pthread_join(t, NULL);
	read(e, &v, 8);

	t = later(late_write, NULL);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(e, &r);
	CHECK(select(e + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(e, &r), "select is woken");
	pthread_join(t, NULL);
	read(e, &v, 8);

	/* An epoll inside poll, woken through the inner instance. */
	t = later(late_write, NULL);
	pf = (struct pollfd){ ep, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && pf.revents == POLLIN, "poll on an epoll fd is woken");
	pthread_join(t, NULL);
	read(e, &v, 8);
	close(ep);
	close(e);
}

static void timeouts(void)
{
	int ep = epoll_create1(0), p[2];
	struct epoll_event ev;
	uint64_t t0;

	pipe(p);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &(struct epoll_event){ .events = EPOLLIN });
	t0 = now_ns();
	int n = epoll_wait(ep, &ev, 1, 30);
	uint64_t took = now_ns() - t0;
	CHECK(n == 0 && took >= 30000000 && took < 300000000, "epoll_wait 30 ms: %llu us",
	      (unsigned long long)took / 1000);
	struct timeval tv = { 0, 30000 };
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	t0 = now_ns();
	n = syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv);
	took = now_ns() - t0;
	CHECK(n == 0 && took >= 30000000 && !tv.tv_sec && !tv.tv_usec && !FD_ISSET(p[0], &r),
	      "select 30 ms: %llu us, timeval cleared, set cleared", (unsigned long long)took / 1000);
	struct timespec ts = { 0, 30000000 };
	t0 = now_ns();
	n = pselect(0, NULL, NULL, NULL, &ts, NULL);
	took = now_ns() - t0;
	CHECK(n == 0 && took >= 30000000, "pselect 30 ms: %llu us", (unsigned long long)took / 1000);

	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { { 0, 0 }, { 0, 30000000 } };
	uint64_t v;
	t0 = now_ns();
	timerfd_settime(t, 0, &its, NULL);
	CHECK(read(t, &v, 8) == 8 && v == 1 && now_ns() - t0 >= 30000000,
	      "a blocking timerfd read returns after 30 ms with 1");
	its = (struct itimerspec){ { 0, 10000000 }, { 0, 10000000 } };
	timerfd_settime(t, 0, &its, NULL);
	epoll_ctl(ep, EPOLL_CTL_ADD, t, &(struct epoll_event){ .events = EPOLLIN | EPOLLET,
							      .data.u64 = 5 });
	int got = 0;
	for (int i = 0; i < 5; i++)
		got += epoll_wait(ep, &ev, 1, 1000) == 1 && ev.data.u64 == 5;
	nap_ms(5);
	read(t, &v, 8);
	CHECK(got == 5 && v >= 1, "a periodic timerfd wakes edge-triggered epoll every period");
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int trt = timerfd_create(CLOCK_REALTIME, 0);
	rt.tv_nsec += 30000000;
	if (rt.tv_nsec >= 1000000000) {
		rt.tv_sec++;
		rt.tv_nsec -= 1000000000;
	}
	its = (struct itimerspec){ { 0, 0 }, rt };
	t0 = now_ns();
	timerfd_settime(trt, TFD_TIMER_ABSTIME, &its, NULL);
	CHECK(read(trt, &v, 8) == 8 && now_ns() - t0 >= 25000000,
	      "an absolute CLOCK_REALTIME timerfd fires at its time");
	close(trt);
	close(t);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void masks(void)
{
	sigset_t block, empty, cur;
	struct sigaction sa = { .sa_handler = on_usr1 };
	int ep = epoll_create1(0), p[2];
	struct epoll_event ev;

	pipe(p);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &(struct epoll_event){ .events = EPOLLIN });
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	/* Pending before the call: the call's mask lets it in at once. */
	kill(getpid(), SIGUSR1);
	handled = 0;
	int r = epoll_pwait(ep, &ev, 1, 5000, &empty);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(r == -1 && errno == EINTR && handled == SIGUSR1 && sigismember(&cur, SIGUSR1),
	      "epoll_pwait: a pending signal its mask unblocks interrupts it, then the mask returns");
	handled = 0;
	pthread_t t = later(late_kill, (void *)(intptr_t)SIGUSR1);
	struct timespec ts = { 5, 0 };
	r = pselect(0, NULL, NULL, NULL, &ts, &empty);
	CHECK(r == -1 && errno == EINTR && handled == SIGUSR1, "pselect: a signal during the wait");
	pthread_join(t, NULL);
	handled = 0;
	t = later(late_kill, (void *)(intptr_t)SIGUSR1);
	struct pollfd pf = { p[0], POLLIN, 0 };
	r = ppoll(&pf, 1, &ts, &empty);
	CHECK(r == -1 && errno == EINTR && handled == SIGUSR1, "ppoll: a signal during the wait");
	pthread_join(t, NULL);
	/* Blocked by the call's mask: stays pending, the call times out. */
	handled = 0;
	kill(getpid(), SIGUSR1);
	r = epoll_pwait(ep, &ev, 1, 20, &block);
	CHECK(r == 0 && !handled, "epoll_pwait: a signal its mask blocks waits");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	CHECK(handled == SIGUSR1, "and arrives when unblocked");

	/* signalfd: a blocking read woken by a signal from another thread. */
	sigprocmask(SIG_BLOCK, &block, NULL);
	int s = signalfd(-1, &block, 0);
	t = later(late_kill, (void *)(intptr_t)SIGUSR1);
	struct signalfd_siginfo si;
	handled = 0;
	CHECK(read(s, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR1 && !handled,
	      "a blocking signalfd read takes a signal another thread sends");
	pthread_join(t, NULL);
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 3 });
	t = later(late_kill, (void *)(intptr_t)SIGUSR1);
	r = epoll_wait(ep, &ev, 1, 5000);
	CHECK(r == 1 && ev.data.u64 == 3 && read(s, &si, sizeof(si)) == sizeof(si),
	      "epoll_wait on a signalfd is woken by a signal");
	pthread_join(t, NULL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(s);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* 1000 idle pipes and 10 ready eventfds: only the ready ones come back,
 * and the wait does not cost 100 times a wait on 10. */
static void many(void)
{
	static int pipes[1000][2];
	int ev10[10], ep = epoll_create1(0), small = epoll_create1(0), ok = 1;
	struct epoll_event out[64];
	uint64_t one = 1;

	for (int i = 0; i < 500; i++) {
		if (pipe(pipes[i]))
			ok = 0;
		epoll_ctl(ep, EPOLL_CTL_ADD, pipes[i][0], &(struct epoll_event){ .events = EPOLLIN });
		epoll_ctl(ep, EPOLL_CTL_ADD, pipes[i][1], &(struct epoll_event){ .events = EPOLLIN });
	}
	for (int i = 0; i < 10; i++) {
		ev10[i] = eventfd(1, 0);
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = 1000 + (uint64_t)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, ev10[i], &e);
		epoll_ctl(small, EPOLL_CTL_ADD, ev10[i], &e);
	}
	int n = epoll_wait(ep, out, 64, 0);
	for (int i = 0; i < n; i++)
		ok &= out[i].data.u64 >= 1000;
	CHECK(ok && n == 10, "1010 watched, the 10 ready come back (%d)", n);
	uint64_t t0 = now_ns();
	for (int i = 0; i < 200; i++)
		epoll_wait(ep, out, 64, 0);
	uint64_t big = now_ns() - t0;
	t0 = now_ns();
	for (int i = 0; i < 200; i++)
		epoll_wait(small, out, 64, 0);
	uint64_t little = now_ns() - t0;
	CHECK(big < little * 4, "a wait over 1010 costs about one over 10 (%llu vs %llu ns)",
	      (unsigned long long)big / 200, (unsigned long long)little / 200);
	/* Small maxevents still serves every ready item in turn. */
	uint64_t seen = 0;
	for (int i = 0; i < 10; i++)
		if (epoll_wait(ep, out, 1, 0) == 1)
			seen |= 1ull << (out[0].data.u64 - 1000);
	CHECK(seen == 0x3ff, "maxevents 1 goes round all ten level-triggered items");
	for (int i = 0; i < 500; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	for (int i = 0; i < 10; i++)
		close(ev10[i]);
	CHECK(epoll_wait(ep, out, 64, 0) == 0 && epoll_wait(small, out, 64, 0) == 0,
	      "closing every watched file empties both sets");
	(void)one;
	close(ep);
	close(small);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	wakeups();
	timeouts();
	masks();
	many();
	return tap_done();
}

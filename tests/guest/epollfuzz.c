/*
 * Random epoll_ctl, epoll_wait, poll and select argument combinations
 * over a pool of descriptors of every kind (pipes, eventfds, timerfds,
 * signalfds, epoll instances, a regular file, closed and invalid numbers,
 * bad pointers): every call must return a result or an errno Linux gives
 * for it, and the kernel must survive. Arguments: iterations (default
 * 20000) and a seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tap.h"

#define POOL 24

static uint64_t seed = 88172645463325252ull;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static int pool[POOL];

static void *any_pointer(void *good)
{
	switch (rnd() % 8) {
	case 0:
		return NULL;
	case 1:
		return (void *)8;
	case 2:
		return (void *)-4096L;
	default:
		return good;
	}
}

static int any_fd(void)
{
	switch (rnd() % 10) {
	case 0:
		return -1;
	case 1:
		return (int)(rnd() % 2000);
	default:
		return pool[rnd() % POOL];
	}
}

/* Replaces slot i with a new file of a random kind. */
static void refill(int i)
{
	int p[2];
	sigset_t m;
	struct itimerspec its = { { 0, rnd() % 3000000 }, { 0, rnd() % 3000000 + 1 } };

	if (pool[i] > 2)
		close(pool[i]);
	switch (rnd() % 6) {
	case 0:
		pipe2(p, O_NONBLOCK);
		pool[i] = p[rnd() % 2];
		close(p[pool[i] == p[0]]);
		break;
	case 1:
		pool[i] = eventfd((unsigned)(rnd() % 2), EFD_NONBLOCK);
		break;
	case 2:
		pool[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
		timerfd_settime(pool[i], 0, &its, NULL);
		break;
	case 3:
		sigemptyset(&m);
		sigaddset(&m, SIGUSR1);
		pool[i] = signalfd(-1, &m, SFD_NONBLOCK);
		break;
	case 4:
		pool[i] = epoll_create1(0);
		break;
	default:
		pool[i] = open("/proc/self/exe", O_RDONLY);
	}
}

static int allowed(long r, const int *errs)
{
	if (r >= 0)
		return 1;
	for (; *errs; errs++)
		if (errno == *errs)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const int ctl_errs[] = { EBADF, EINVAL, EEXIST, ENOENT, EPERM, ELOOP, EFAULT, 0 };
	static const int wait_errs[] = { EBADF, EINVAL, EFAULT, 0 };
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	long bad = 0, calls = 0;
	sigset_t m;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2)
		seed ^= (uint64_t)atoll(argv[2]) * 0x9e3779b97f4a7c15ull;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	signal(SIGPIPE, SIG_IGN); /* writes into pipes whose reader went */
	for (int i = 0; i < POOL; i++) {
		pool[i] = -1;
		refill(i);
	}
	for (long it = 0; it < iters; it++) {
		struct epoll_event ev = { .events = (uint32_t)rnd(), .data.u64 = rnd() }, out[8];
		struct pollfd pf[6];
		fd_set r, w;
		struct timeval tv = { 0, 0 };
		long res;
		uint64_t v;

		switch (rnd() % 8) {
		case 0:
		case 1:
		case 2:
			if (rnd() % 2)
				ev.events &= EPOLLIN | EPOLLOUT | EPOLLET | EPOLLONESHOT | EPOLLRDHUP |
					     EPOLLEXCLUSIVE | EPOLLPRI;
			res = epoll_ctl(any_fd(), (int)(rnd() % 5), any_fd(), any_pointer(&ev));
			bad += !allowed(res, ctl_errs);
			break;
		case 3:
			res = epoll_wait(any_fd(), any_pointer(out), (int)(rnd() % 10) - 1, 0);
			bad += !allowed(res, wait_errs);
			break;
		case 4:
			for (int k = 0; k < 6; k++)
				pf[k] = (struct pollfd){ any_fd(), (short)rnd(), 0 };
			res = poll(any_pointer(pf), rnd() % 7, 0);
			bad += !allowed(res, (const int[]){ EFAULT, 0 });
			break;
		case 5:
			FD_ZERO(&r);
			FD_ZERO(&w);
			for (int k = 0; k < 4; k++) {
				FD_SET(pool[rnd() % POOL] & 1023, &r);
				FD_SET(pool[rnd() % POOL] & 1023, &w);
			}
			res = select((int)(rnd() % 1100) - 20, any_pointer(&r), &w, NULL, &tv);
			bad += !allowed(res, (const int[]){ EBADF, EINVAL, EFAULT, 0 });
			break;
		case 6:
			res = read(any_fd(), &v, rnd() % 2 ? 8 : 4);
			write(pool[rnd() % POOL], &v, 8);
			break;
		default:
			refill((int)(rnd() % POOL));
		}
		calls++;
		if (rnd() % 64 == 0)
			kill(getpid(), SIGUSR1);
	}
	CHECK(!bad, "%ld random calls, %ld answered outside Linux's errnos", calls, bad);
	return tap_done();
}

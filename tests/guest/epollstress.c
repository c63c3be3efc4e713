/*
 * epoll under load: producer threads write numbered records into pipes
 * and add to eventfds while a periodic timerfd ticks; consumer threads
 * share one epoll instance with EPOLLET | EPOLLONESHOT items (each
 * re-armed with EPOLL_CTL_MOD after draining) and check that every record
 * arrives once, in order per pipe, with the right checksum, and that the
 * eventfd totals add up. Then: more level-triggered items than the kernel
 * gathers in one round, all ready and woken again and again by another
 * thread while epoll_wait collects them, are each reported once per call
 * (a program frees what an event names once it has handled it).
 * Arguments: records per pipe (default 20000).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tap.h"

#define PIPES 4
#define EVENTS 2
#define CONSUMERS 2

static int records = 20000;
static int rd[PIPES], wr[PIPES], efd[EVENTS], tfd, ep;
static uint64_t next_seq[PIPES], sum_got[PIPES], sum_sent[PIPES], ev_sent[EVENTS], ev_got[EVENTS];
static uint64_t ticks;
static int order_errors, closed_pipes;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char partial[PIPES][8];
static int partial_len[PIPES];

static void *produce(void *arg)
{
	int i = (int)(intptr_t)arg;
	uint64_t s = 0;

	for (uint64_t seq = 0; seq < (uint64_t)records; seq++) {
		uint64_t rec = seq * PIPES + (uint64_t)i;
		const char *p = (const char *)&rec;
		size_t left = sizeof(rec);
		while (left) {
			ssize_t n = write(wr[i], p, left);
			if (n > 0) {
				p += n;
				left -= (size_t)n;
			}
		}
		s += rec * 2654435761u;
		if (seq % 64 == 0) {
			uint64_t add = seq % 7 + 1;
			write(efd[i % EVENTS], &add, 8);
			__atomic_fetch_add(&ev_sent[i % EVENTS], add, __ATOMIC_RELAXED);
		}
	}
	sum_sent[i] = s;
	close(wr[i]);
	return NULL;
}

/* Drains pipe i (the only consumer of it until re-armed); 1 at its end. */
static int drain(int i)
{
	char buf[4096];
	ssize_t n;

	pthread_mutex_lock(&lock);
	while ((n = read(rd[i], buf, sizeof(buf))) > 0) {
		for (ssize_t k = 0; k < n; k++) {
			partial[i][partial_len[i]++] = buf[k];
			if (partial_len[i] < 8)
				continue;
			uint64_t rec;
			memcpy(&rec, partial[i], 8);
			partial_len[i] = 0;
			order_errors += rec != next_seq[i] * PIPES + (uint64_t)i;
			next_seq[i]++;
			sum_got[i] += rec * 2654435761u;
		}
	}
	pthread_mutex_unlock(&lock);
	return n == 0;
}

static void *consume(void *arg)
{
	struct epoll_event ev[4];

	for (;;) {
		if (__atomic_load_n(&closed_pipes, __ATOMIC_ACQUIRE) == PIPES)
			return arg;
		int n = epoll_wait(ep, ev, 4, 100);
		for (int k = 0; k < n; k++) {
			int id = (int)ev[k].data.u64;
			struct epoll_event re = { .events = EPOLLIN | EPOLLET | EPOLLONESHOT, .data.u64 = (uint64_t)id };
			if (id < PIPES) {
				if (drain(id)) {
					__atomic_fetch_add(&closed_pipes, 1, __ATOMIC_ACQ_REL);
					continue;
				}
				epoll_ctl(ep, EPOLL_CTL_MOD, rd[id], &re);
			} else if (id < PIPES + EVENTS) {
				uint64_t v;
				if (read(efd[id - PIPES], &v, 8) == 8)
					__atomic_fetch_add(&ev_got[id - PIPES], v, __ATOMIC_RELAXED);
				epoll_ctl(ep, EPOLL_CTL_MOD, efd[id - PIPES], &re);
			} else {
				uint64_t v;
				if (read(tfd, &v, 8) == 8)
					__atomic_fetch_add(&ticks, v, __ATOMIC_RELAXED);
				epoll_ctl(ep, EPOLL_CTL_MOD, tfd, &re);
			}
		}
	}
}

enum { LT_ITEMS = 48, LT_CALLS = 3000 };
static int lt_fd[LT_ITEMS];
static volatile int lt_stop;

static void *lt_poke(void *arg)
{
	(void)arg;
	for (uint64_t one = 1; !lt_stop;)
		for (int i = 0; i < LT_ITEMS && !lt_stop; i++)
			write(lt_fd[i], &one, sizeof(one));
	return NULL;
}

static void level_triggered_once(void)
{
	int lep = epoll_create1(0), dup_calls = 0, short_calls = 0;
	pthread_t t;

	for (int i = 0; i < LT_ITEMS; i++) {
		lt_fd[i] = eventfd(1, EFD_NONBLOCK);
		epoll_ctl(lep, EPOLL_CTL_ADD, lt_fd[i],
			  &(struct epoll_event){ .events = EPOLLIN, .data.u64 = (uint64_t)i });
	}
	pthread_create(&t, NULL, lt_poke, NULL);
	for (int call = 0; call < LT_CALLS; call++) {
		struct epoll_event evs[64];
		int n = epoll_wait(lep, evs, 64, 0), seen[LT_ITEMS] = { 0 }, dup = 0, missed = 0;
		for (int i = 0; i < n; i++)
			dup |= seen[evs[i].data.u64 % LT_ITEMS]++;
		for (int i = 0; i < LT_ITEMS; i++)
			missed |= !seen[i];
		dup_calls += dup;
		short_calls += missed;
	}
	lt_stop = 1;
	pthread_join(t, NULL);
	CHECK(!dup_calls && !short_calls,
	      "%d ready level-triggered items woken during epoll_wait: each once per call "
	      "(%d of %d calls repeated one, %d missed one)",
	      LT_ITEMS, dup_calls, LT_CALLS, short_calls);
	for (int i = 0; i < LT_ITEMS; i++)
		close(lt_fd[i]);
	close(lep);
}

int main(int argc, char **argv)
{
	pthread_t prod[PIPES], cons[CONSUMERS];
	struct itimerspec its = { { 0, 2000000 }, { 0, 2000000 } };

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1)
		records = atoi(argv[1]);
	ep = epoll_create1(0);
	for (int i = 0; i < PIPES; i++) {
		int p[2];
		pipe2(p, O_NONBLOCK);
		rd[i] = p[0];
		wr[i] = p[1];
		fcntl(wr[i], F_SETFL, 0);
		struct epoll_event e = { .events = EPOLLIN | EPOLLET | EPOLLONESHOT, .data.u64 = (uint64_t)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, rd[i], &e);
	}
	for (int i = 0; i < EVENTS; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK);
		struct epoll_event e = { .events = EPOLLIN | EPOLLET | EPOLLONESHOT,
					 .data.u64 = (uint64_t)(PIPES + i) };
		epoll_ctl(ep, EPOLL_CTL_ADD, efd[i], &e);
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	timerfd_settime(tfd, 0, &its, NULL);
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &(struct epoll_event){
		.events = EPOLLIN | EPOLLET | EPOLLONESHOT, .data.u64 = PIPES + EVENTS });
	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&cons[i], NULL, consume, NULL);
	for (int i = 0; i < PIPES; i++)
		pthread_create(&prod[i], NULL, produce, (void *)(intptr_t)i);
	for (int i = 0; i < PIPES; i++)
		pthread_join(prod[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(cons[i], NULL);
	int ok = 1;
	for (int i = 0; i < PIPES; i++)
		ok &= next_seq[i] == (uint64_t)records && sum_got[i] == sum_sent[i];
	CHECK(ok && !order_errors, "%d pipes x %d records arrive once, in order, checksums match",
	      PIPES, records);
	for (int i = 0; i < EVENTS; i++) {
		uint64_t v;
		if (read(efd[i], &v, 8) == 8)
			ev_got[i] += v;
		CHECK(ev_got[i] == ev_sent[i], "eventfd %d: %llu added, %llu taken", i,
		      (unsigned long long)ev_sent[i], (unsigned long long)ev_got[i]);
	}
	CHECK(ticks > 0, "the timerfd ticked %llu times under load", (unsigned long long)ticks);
	level_triggered_once();
	return tap_done();
}

/*
 * Stress: 8 threads on 4 CPUs pass 100 MB (argv[1] MB) through pipes and
 * eventfds under epoll. Four writers each send a quarter through its own
 * pipe to its reader, never more than WINDOW bytes ahead: the reader grants
 * credit through an eventfd, which the writer waits for with epoll_wait
 * before reading it; the reader drains its non-blocking pipe until EAGAIN
 * and waits with an edge-triggered epoll_wait. Both sides checksum the
 * bytes; a sum that differs means a byte was lost, doubled or reordered.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tap.h"

#define PAIRS 4
#define CHUNK 65536
#define WINDOW (8 * CHUNK)

struct pair {
	int pipe[2], credit;
	size_t bytes;
	uint64_t sent, got;
	int failed;
};

static uint64_t mix(uint64_t sum, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ p[i]) * 0x100000001b3ull;
	return sum;
}

static void *writer(void *arg)
{
	struct pair *q = arg;
	static __thread unsigned char buf[CHUNK];
	uint64_t x = (uintptr_t)q | 1, sum = 0xcbf29ce484222325ull, credit = WINDOW / CHUNK, c;
	size_t done = 0;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, q->credit, &ev))
		q->failed = 1;

	while (done < q->bytes) {
		size_t n = q->bytes - done < CHUNK ? q->bytes - done : CHUNK;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = (unsigned char)x;
		}
		if (!credit) {
			if (epoll_wait(ep, &ev, 1, -1) != 1 || read(q->credit, &c, 8) != 8)
				q->failed = 1;
			credit += c;
		}
		credit--;
		sum = mix(sum, buf, n);
		/* Odd sizes, so that writes and reads never line up. */
		for (size_t off = 0; off < n;) {
			size_t len = n - off < 7777 ? n - off : 7777;
			ssize_t w = write(q->pipe[1], buf + off, len);
			if (w <= 0) {
				q->failed = 1;
				return NULL;
			}
			off += (size_t)w;
		}
		done += n;
	}
	q->sent = sum;
	close(q->pipe[1]);
	close(ep);
	return NULL;
}

static void *reader(void *arg)
{
	struct pair *q = arg;
	static __thread unsigned char buf[CHUNK];
	uint64_t sum = 0xcbf29ce484222325ull, one = 1;
	size_t total = 0, granted = 0;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep = epoll_create1(0);
	ssize_t r;

	if (ep < 0 || fcntl(q->pipe[0], F_SETFL, O_NONBLOCK) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, q->pipe[0], &ev))
		q->failed = 1;
	for (;;) {
		r = read(q->pipe[0], buf, 5000);
		if (r > 0) {
			sum = mix(sum, buf, (size_t)r);
			total += (size_t)r;
			for (; granted + CHUNK <= total; granted += CHUNK)
				write(q->credit, &one, 8);
		} else if (r < 0 && errno == EAGAIN && epoll_wait(ep, &ev, 1, -1) == 1) {
			continue;
		} else {
			break;
		}
	}
	close(ep);
	q->failed |= r < 0 || total != q->bytes;
	q->got = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	struct pair pairs[PAIRS];
	pthread_t t[2 * PAIRS];
	int ok = 1;

	for (int i = 0; i < PAIRS; i++) {
		pairs[i] = (struct pair){ .bytes = mb * 1000000 / PAIRS };
		ok &= pipe(pairs[i].pipe) == 0 && (pairs[i].credit = eventfd(0, 0)) >= 0;
	}
	CHECK(ok, "4 pipes and 4 eventfds");
	for (int i = 0; i < PAIRS; i++) {
		pthread_create(&t[2 * i], NULL, writer, &pairs[i]);
		pthread_create(&t[2 * i + 1], NULL, reader, &pairs[i]);
	}
	for (int i = 0; i < 2 * PAIRS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < PAIRS; i++)
		ok &= !pairs[i].failed && pairs[i].sent == pairs[i].got;
	CHECK(ok, "%zu MB through pipes from 4 writers to 4 readers under epoll, paced by eventfds: checksums match", mb);
	return tap_done();
}

/*
 * AF_INET and AF_INET6 sockets where a byte-for-byte comparison with Linux
 * (tests/compare/inet.c) cannot reach: a blocking receive interrupted by
 * a signal (EINTR without SA_RESTART, restarted with it), accept with
 * SO_RCVTIMEO, concurrent senders, another thread's close(2) or
 * shutdown(2) while a thread is blocked in accept or recv (as on Linux,
 * close leaves the blocked call waiting on the still-open socket;
 * shutdown wakes it), SO_SNDTIMEO and FIONBIO, thousands of sockets
 * created and closed with the memory coming back, listeners sharing a port
 * with SO_REUSEPORT, and what Unishyper answers differently from Linux:
 * multicast membership (no IGMP: ENOPROTOOPT). No check depends on timing
 * beyond "eventually".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static socklen_t lo(struct sockaddr_in *a, int port)
{
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return sizeof(*a);
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	return getsockname(fd, (struct sockaddr *)&a, &len) ? -1 : ntohs(a.sin_port);
}

static int listener(int *port)
{
	struct sockaddr_in a;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, lo(&a, 0)) || listen(l, 64))
		return -1;
	*port = port_of(l);
	return l;
}

static int dial(int port)
{
	struct sockaddr_in a;
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(c, (struct sockaddr *)&a, lo(&a, port))) {
		close(c);
		return -1;
	}
	return c;
}

static int pair(int *s)
{
	int port, l = listener(&port), c = dial(port);

	*s = accept(l, NULL, NULL);
	close(l);
	return c;
}

/* --- signals --- */

static void on_usr1(int sig)
{
	(void)sig;
}

struct poke {
	pthread_t target;
	int fd;
};

static void *poke(void *arg)
{
	struct poke *p = arg;

	nap(100);
	pthread_kill(p->target, SIGUSR1);
	nap(100);
	if (p->fd >= 0)
		send(p->fd, "late", 4, 0);
	return NULL;
}

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	char buf[8];
	int s, c = pair(&s);
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	struct poke p = { pthread_self(), c };
	pthread_create(&t, NULL, poke, &p);
	errno = 0;
	long r = recv(s, buf, sizeof(buf), 0);
	CHECK(r == -1 && errno == EINTR, "recv without SA_RESTART: EINTR (%ld %d)", r, errno);
	pthread_join(t, NULL);
	CHECK(recv(s, buf, sizeof(buf), 0) == 4, "the data sent after the signal is read");

	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&t, NULL, poke, &p);
	r = recv(s, buf, sizeof(buf), 0);
	CHECK(r == 4, "recv with SA_RESTART restarts and reads (%ld)", r);
	pthread_join(t, NULL);

	struct timeval tv = { 5, 0 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	p.fd = -1;
	pthread_create(&t, NULL, poke, &p);
	errno = 0;
	r = recv(s, buf, sizeof(buf), 0);
	CHECK(r == -1 && errno == EINTR, "SA_RESTART with SO_RCVTIMEO: EINTR, as Linux");
	pthread_join(t, NULL);
	close(s);
	close(c);
}

/* --- timeouts --- */

static void timeouts(void)
{
	int port, l = listener(&port);
	struct timeval tv = { 0, 200000 };

	CHECK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO on a listener");
	errno = 0;
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "accept times out: EAGAIN");
	int c = dial(port), a = accept(l, NULL, NULL);
	CHECK(c >= 0 && a >= 0, "accept with a timeout still takes a connection");
	close(a);
	close(c);
	close(l);
}

/* SO_SNDTIMEO: a send to a peer that never reads ends with EAGAIN once
 * the buffers are full and the time is up; FIONBIO makes a socket
 * nonblocking as O_NONBLOCK does. */
static void send_timeout(void)
{
	int s, c = pair(&s), one = 1, zero = 0;
	struct timeval tv = { 0, 200000 };
	static char buf[64 * 1024];
	long r = 0;

	CHECK(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0, "SO_SNDTIMEO on a connection");
	int calls = 0;
	errno = 0;
	while (calls < 2000 && (r = send(c, buf, sizeof(buf), 0)) > 0)
		calls++;
	CHECK(r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK),
	      "  a send the peer never reads ends with EAGAIN after %d sends (%ld, %d)", calls, r, errno);
	close(s);
	close(c);

	char b[8];
	c = pair(&s);
	CHECK(ioctl(s, FIONBIO, &one) == 0, "FIONBIO on");
	errno = 0;
	CHECK(recv(s, b, sizeof(b), 0) == -1 && errno == EAGAIN, "  recv with nothing there: EAGAIN at once");
	CHECK((fcntl(s, F_GETFL) & O_NONBLOCK) && ioctl(s, FIONBIO, &zero) == 0 &&
		      !(fcntl(s, F_GETFL) & O_NONBLOCK),
	      "  it is O_NONBLOCK, and FIONBIO off clears it");
	close(s);
	close(c);
}

/* --- concurrent senders --- */

enum { SENDERS = 4, PER = 256 * 1024 };

static void *sender(void *arg)
{
	int c = dial(*(int *)arg);
	static char buf[4096];

	for (int done = 0; done < PER;) {
		int n = (int)send(c, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		done += n;
	}
	close(c);
	return NULL;
}

static void senders(void)
{
	int port, l = listener(&port), s[SENDERS];
	pthread_t t[SENDERS];
	long total = 0;
	char buf[8192];

	for (int i = 0; i < SENDERS; i++)
		pthread_create(&t[i], NULL, sender, &port);
	for (int i = 0; i < SENDERS; i++)
		s[i] = accept(l, NULL, NULL);
	struct pollfd pf[SENDERS];
	int open = SENDERS;
	for (int i = 0; i < SENDERS; i++)
		pf[i] = (struct pollfd){ s[i], POLLIN, 0 };
	while (open && poll(pf, SENDERS, 10000) > 0) {
		for (int i = 0; i < SENDERS; i++) {
			if (!pf[i].revents)
				continue;
			long n = recv(s[i], buf, sizeof(buf), 0);
			if (n > 0) {
				total += n;
			} else {
				pf[i].fd = -1;
				open--;
			}
		}
	}
	for (int i = 0; i < SENDERS; i++) {
		pthread_join(t[i], NULL);
		close(s[i]);
	}
	CHECK(total == (long)SENDERS * PER, "%d concurrent senders: %ld bytes arrive", SENDERS, total);
	close(l);
}

/* --- close and shutdown from another thread --- */

struct blocked {
	int fd;
	bool accept;
	long r;
	int err;
	volatile int done;
};

static void *block(void *arg)
{
	struct blocked *b = arg;
	char buf[8];

	errno = 0;
	b->r = b->accept ? accept(b->fd, NULL, NULL) : recv(b->fd, buf, sizeof(buf), 0);
	b->err = errno;
	b->done = 1;
	return NULL;
}

static bool finished(struct blocked *b)
{
	for (int i = 0; i < 500 && !b->done; i++)
		nap(10);
	return b->done;
}

static void closing(void)
{
	pthread_t t;
	int port, l = listener(&port);

	/* shutdown(SHUT_RD) ends a blocked accept with EINVAL. */
	struct blocked b = { l, true, 0, 0, 0 };
	pthread_create(&t, NULL, block, &b);
	nap(100);
	CHECK(shutdown(l, SHUT_RD) == 0, "shutdown SHUT_RD of a listener");
	CHECK(finished(&b) && b.r == -1 && b.err == EINVAL, "  wakes the blocked accept: EINVAL");
	pthread_join(t, NULL);
	close(l);

	/* close(2) leaves the accept waiting on the open socket, which still
	 * takes the next connection (Linux: the file stays until the call
	 * returns). */
	l = listener(&port);
	b = (struct blocked){ l, true, 0, 0, 0 };
	pthread_create(&t, NULL, block, &b);
	nap(100);
	close(l);
	nap(100);
	CHECK(!b.done, "close does not end a blocked accept");
	int c = dial(port);
	CHECK(c >= 0, "  the listener still takes a connection");
	CHECK(finished(&b) && b.r >= 0, "  and the blocked accept returns it");
	pthread_join(t, NULL);
	close((int)b.r);
	close(c);
	c = dial(port);
	CHECK(c < 0, "once it returned, the port is closed");

	/* The same for recv: close leaves it, shutdown ends it with 0. */
	int s;
	c = pair(&s);
	b = (struct blocked){ s, false, 0, 0, 0 };
	pthread_create(&t, NULL, block, &b);
	nap(100);
	close(s);
	nap(100);
	CHECK(!b.done, "close does not end a blocked recv");
	send(c, "data", 4, 0);
	CHECK(finished(&b) && b.r == 4, "  which reads what the peer sends next");
	pthread_join(t, NULL);
	close(c);

	c = pair(&s);
	b = (struct blocked){ s, false, 0, 0, 0 };
	pthread_create(&t, NULL, block, &b);
	nap(100);
	CHECK(shutdown(s, SHUT_RDWR) == 0, "shutdown SHUT_RDWR of a connection");
	CHECK(finished(&b) && b.r == 0, "  ends a blocked recv with 0");
	pthread_join(t, NULL);
	close(s);
	close(c);
}

/* --- many sockets --- */

static unsigned long freeram(void)
{
	struct sysinfo si;

	return sysinfo(&si) ? 0 : si.freeram * si.mem_unit;
}

static void churn(void)
{
	unsigned long before, after;
	int ok = 0;

	/* A first round warms up lwIP's and the kernel's caches. */
	for (int i = 0; i < 200; i++)
		close(socket(i & 1 ? AF_INET6 : AF_INET, i & 2 ? SOCK_DGRAM : SOCK_STREAM, 0));
	before = freeram();
	for (int i = 0; i < 2000; i++) {
		int s = socket(i & 1 ? AF_INET6 : AF_INET, i & 2 ? SOCK_DGRAM : SOCK_STREAM, 0);
		struct sockaddr_in a;
		if (s >= 0 && (!(i & 1) ? bind(s, (struct sockaddr *)&a, lo(&a, 0)) == 0 : 1))
			ok++;
		close(s);
	}
	after = freeram();
	CHECK(ok == 2000, "2000 sockets created, bound and closed (%d)", ok);
	int port, l = listener(&port), c = dial(port), a = accept(l, NULL, NULL);
	CHECK(l >= 0 && c >= 0 && a >= 0, "the 2001st works");
	close(a);
	close(c);
	close(l);
	CHECK(after + (1 << 20) >= before, "free memory comes back (%lu KiB before, %lu after)",
	      before >> 10, after >> 10);
}

/* --- SO_REUSEPORT --- */

static int reuse_listener(int port)
{
	struct sockaddr_in sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, lo(&sa, port)) || listen(s, 8)) {
		close(s);
		return -1;
	}
	return s;
}

/* Dials port until each of the n listeners has accepted a connection (at
 * most 32 times); returns how many did, with the dials in *dialled and
 * the accepted connections closed. */
static int spread(const int *l, int n, int port, int *dialled)
{
	bool took[4] = { false };
	int got = 0;

	for (*dialled = 0; *dialled < 32 && got < n; (*dialled)++) {
		struct pollfd pf[4];
		int c = dial(port);
		for (int i = 0; i < n; i++)
			pf[i] = (struct pollfd){ l[i], POLLIN, 0 };
		if (c < 0 || poll(pf, (nfds_t)n, 5000) <= 0)
			break;
		for (int i = 0; i < n; i++) {
			int a = pf[i].revents & POLLIN ? accept(l[i], NULL, NULL) : -1;
			if (a < 0)
				continue;
			close(a);
			got += !took[i];
			took[i] = true;
		}
		close(c);
	}
	return got;
}

static void reuseport(void)
{
	int l[3], dialled, port;

	l[0] = reuse_listener(0);
	port = port_of(l[0]);
	l[1] = reuse_listener(port);
	l[2] = reuse_listener(port);
	CHECK(l[0] >= 0 && l[1] >= 0 && l[2] >= 0, "three listeners with SO_REUSEPORT on one port");
	CHECK(port_of(l[1]) == port && port_of(l[2]) == port, "  getsockname gives each that port");
	int got = spread(l, 3, port, &dialled);
	CHECK(got == 3, "  connections are spread over all three (%d dialled)", dialled);

	struct sockaddr_in sa;
	int plain = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	CHECK(bind(plain, (struct sockaddr *)&sa, lo(&sa, port)) == -1 && errno == EADDRINUSE,
	      "  a socket without SO_REUSEPORT cannot bind the port: EADDRINUSE");
	close(plain);

	close(l[0]);
	shutdown(l[2], SHUT_RD);
	int a1 = dial(port), a2 = dial(port), s1 = accept(l[1], NULL, NULL), s2 = accept(l[1], NULL, NULL);
	CHECK(a1 >= 0 && a2 >= 0 && s1 >= 0 && s2 >= 0,
	      "  the first closed and the third shut down, the second takes every connection");
	close(a1), close(a2), close(s1), close(s2);
	close(l[1]);
	close(l[2]);
	errno = 0;
	CHECK(dial(port) == -1 && errno == ECONNREFUSED, "  once all are closed the port refuses");
}

/* --- what Unishyper answers differently --- */

static void differences(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct ip_mreq m = { .imr_multiaddr.s_addr = htonl(0xe0000101) };
	errno = 0;
	CHECK(setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) == -1 && errno == ENOPROTOOPT,
	      "IP_ADD_MEMBERSHIP: ENOPROTOOPT (no IGMP)");
	close(u);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signals();
	timeouts();
	send_timeout();
	senders();
	closing();
	churn();
	reuseport();
	differences();
	return tap_done();
}

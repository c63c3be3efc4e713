/*
 * echo: a TCP and UDP echo server (RFC 862) in one epoll loop.
 *
 *   echo [-p PORT] [-4 | -6] [-c MAXCONN]
 *
 * Port 7 by default. Without -4 or -6 one IPv6 socket per protocol with
 * IPV6_V6ONLY off serves both families (IPv4 alone when the system has no
 * IPv6); -4 or -6 serve that family only. Every socket is nonblocking.
 * A TCP connection keeps what it could not write yet and stops reading
 * until that is gone, so a client that does not read holds back only
 * itself. When the client ends its side, what is pending is written and
 * the connection closed (nothing is pending then: reading stops while
 * anything is). A UDP datagram goes back to its sender; one that
 * cannot be sent at once is dropped, as UDP may. Prints one line when it
 * listens. Ordinary POSIX (plus epoll): the same source builds natively.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536

enum kind { K_LISTEN, K_UDP, K_CONN };

struct conn {
	enum kind kind;
	int fd;
	size_t off, len; /* pending output: buf[off, len) */
	char buf[BUF_SIZE];
};

static int ep;
static int nconns, maxconns = 4096;
static struct conn *listeners[2];
static int nlisteners;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void watch(struct conn *c, int op, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(ep, op, c->fd, &ev) < 0)
		die("epoll_ctl");
}

/* listen_on FAMILY TYPE PORT: a bound nonblocking socket, or -1 with errno
 * when the family is not supported (EAFNOSUPPORT and friends) */
static int listen_on(int family, int type, int port, int dual)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, v6only = !dual;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0 && dual) {
			close(fd);
			errno = EAFNOSUPPORT;
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons(port);
		len = sizeof *s4;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 1024) < 0)
		die("listen");
	return fd;
}

static void add(enum kind kind, int fd)
{
	struct conn *c = malloc(kind == K_CONN ? sizeof *c : offsetof(struct conn, buf));
	if (!c)
		die("malloc");
	c->kind = kind;
	c->fd = fd;
	c->off = c->len = 0;
	watch(c, EPOLL_CTL_ADD, EPOLLIN);
	if (kind == K_LISTEN)
		listeners[nlisteners++] = c;
}

static void drop(struct conn *c)
{
	close(c->fd); /* also leaves the epoll set */
	free(c);
	if (nconns-- == maxconns) /* room again: accept once more */
		for (int i = 0; i < nlisteners; i++)
			watch(listeners[i], EPOLL_CTL_MOD, EPOLLIN);
}

static void accept_all(struct conn *l)
{
	for (;;) {
		if (nconns == maxconns) {
			/* stop accepting until a connection ends; clients wait in
			 * the backlog */
			for (int i = 0; i < nlisteners; i++)
				watch(listeners[i], EPOLL_CTL_MOD, 0);
			return;
		}
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				maxconns = nconns; /* what this system allows */
				continue;
			}
			return; /* EAGAIN, or a connection that already went away */
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		nconns++;
		add(K_CONN, fd);
	}
}

/* flush: writes what is pending; 0 when all of it went, 1 when the socket
 * is full, -1 when the connection failed */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : errno == EINTR ? 0 : -1;
		c->off += n;
	}
	c->off = c->len = 0;
	return 0;
}

static void serve(struct conn *c)
{
	if (c->len) { /* waiting for room: only EPOLLOUT (or an error) wakes us */
		int r = flush(c);
		if (r < 0)
			drop(c);
		else if (r == 0)
			watch(c, EPOLL_CTL_MOD, EPOLLIN);
		return;
	}
	for (int rounds = 0; rounds < 16; rounds++) { /* then let others run */
		ssize_t n = recv(c->fd, c->buf, BUF_SIZE, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			drop(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		c->len = n;
		int r = flush(c);
		if (r < 0) {
			drop(c);
			return;
		}
		if (r > 0) { /* stop reading this client until it reads */
			watch(c, EPOLL_CTL_MOD, EPOLLOUT);
			return;
		}
	}
}

static void serve_udp(struct conn *c)
{
	char buf[BUF_SIZE];
	for (int rounds = 0; rounds < 64; rounds++) {
		struct sockaddr_storage from;
		socklen_t len = sizeof from;
		ssize_t n = recvfrom(c->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
		if (n < 0)
			return;
		sendto(c->fd, buf, n, MSG_NOSIGNAL, (struct sockaddr *)&from, len);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: echo [-p PORT] [-4 | -6] [-c MAXCONN]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 7, want4 = 0, want6 = 0, opt;
	while ((opt = getopt(argc, argv, "p:46c:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			if (port < 1 || port > 65535)
				usage();
			break;
		case '4': want4 = 1; break;
		case '6': want6 = 1; break;
		case 'c':
			maxconns = atoi(optarg);
			if (maxconns < 1)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (!want4 && !want6)
		want4 = want6 = 1;
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");

	const char *fam;
	int t, u;
	if (want6 && (t = listen_on(AF_INET6, SOCK_STREAM, port, want4)) >= 0) {
		u = listen_on(AF_INET6, SOCK_DGRAM, port, want4);
		fam = want4 ? "ipv4+ipv6" : "ipv6";
	} else if (want4) {
		t = listen_on(AF_INET, SOCK_STREAM, port, 0);
		u = listen_on(AF_INET, SOCK_DGRAM, port, 0);
		fam = "ipv4";
	} else {
		die("socket(AF_INET6)");
	}
	if (t < 0 || u < 0)
		die("socket");
	add(K_LISTEN, t);
	add(K_UDP, u);
	printf("echo: listening on port %d (tcp, udp; %s)\n", port, fam);
	fflush(stdout);

	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			switch (c->kind) {
			case K_LISTEN: accept_all(c); break;
			case K_UDP: serve_udp(c); break;
			case K_CONN: serve(c); break;
			}
		}
	}
}

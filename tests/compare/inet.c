/*
 * AF_INET and AF_INET6 socket semantics over the loopback (127.0.0.1 and
 * ::1), printed line by line so that the image and the native program can
 * be compared byte for byte: creation errors, binding and its errors,
 * connections (blocking, nonblocking, refused), accept4, names, message
 * flags, shutdown and the ends of a connection, options, IPV6_V6ONLY,
 * UDP, readiness through poll, select and epoll, SO_LINGER resets, a
 * large transfer between threads, many connections at once and sendfile.
 * Ports and the loopback's timing differ from run to run: the program
 * prints only whether a port is set or two names are equal, and waits
 * (with poll) for what the loopback delivers before it looks. Ends by
 * sending to a reset connection under SIGPIPE's default action: both die
 * of it (status 141).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

static void show(const char *what, long r)
{
	printf("%-40s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
	errno = 0;
}

static int iopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, name, &v, &len) ? -1 : v;
}

static int seti(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Waits up to 5 s for one of events on fd; the events that hold then. */
static int waitfor(int fd, short events)
{
	struct pollfd pf = { fd, events, 0 };

	return poll(&pf, 1, 5000) == 1 ? pf.revents : 0;
}

/* Waits up to 5 s until FIONREAD shows at least n bytes. */
static int waitbytes(int fd, int n)
{
	int v = 0;

	for (int i = 0; i < 500; i++) {
		if (ioctl(fd, FIONREAD, &v) || v >= n)
			break;
		nap(10);
	}
	return v;
}

/* A loopback address of the family with port (host order). */
static socklen_t lo(struct sockaddr_storage *ss, int family, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (void *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons((uint16_t)port);
	a->sin6_addr = in6addr_loopback;
	return sizeof(*a);
}

static int port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port) :
					  ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Prints a name without its port: family, length, address, port set. */
static void showname(const char *what, int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[INET6_ADDRSTRLEN] = "?";
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		       getsockname(fd, (struct sockaddr *)&ss, &len);

	if (r) {
		show(what, r);
		return;
	}
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof(buf));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, sizeof(buf));
	printf("%-40s family %d len %u %s port %s\n", what, ss.ss_family, len, buf,
	       port_of(&ss) ? "set" : "0");
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return getsockname(fd, (struct sockaddr *)&ss, &len) ? -1 : port_of(&ss);
}

/* A listener on the loopback of family, port chosen by the system. */
static int listener(int family, int *port)
{
	struct sockaddr_storage ss;
	int l = socket(family, SOCK_STREAM, 0);
	socklen_t len = lo(&ss, family, 0);

	if (bind(l, (struct sockaddr *)&ss, len) || listen(l, 256))
		printf("listener: %s\n", strerror(errno));
	*port = bound_port(l);
	return l;
}

static int dial(int family, int port, int flags)
{
	struct sockaddr_storage ss;
	int c = socket(family, SOCK_STREAM | flags, 0);
	socklen_t len = lo(&ss, family, port);

	if (connect(c, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		printf("dial: %s\n", strerror(errno));
	return c;
}

/* A connected pair over the loopback: c the client, *s the accepted. */
static int tcp_pair(int family, int *s)
{
	int port, l = listener(family, &port), c = dial(family, port, 0);

	*s = accept(l, NULL, NULL);
	close(l);
	return c;
}

static void creation(void)
{
	show("socket AF_INET SOCK_STREAM", socket(AF_INET, SOCK_STREAM, 0) >= 0);
	show("socket stream IPPROTO_TCP", socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) >= 0);
	show("socket stream IPPROTO_UDP", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	show("socket dgram IPPROTO_TCP", socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP));
	show("socket stream protocol 3", socket(AF_INET, SOCK_STREAM, 3));
	show("socket SOCK_SEQPACKET", socket(AF_INET, SOCK_SEQPACKET, 0));
	show("socket SOCK_RDM", socket(AF_INET6, SOCK_RDM, 0));
	show("socket type 77", socket(AF_INET, 77, 0));
	show("socket type 0", socket(AF_INET, 0, 0));
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	show("SO_TYPE", iopt(s, SOL_SOCKET, SO_TYPE));
	show("SO_DOMAIN", iopt(s, SOL_SOCKET, SO_DOMAIN));
	show("SO_PROTOCOL", iopt(s, SOL_SOCKET, SO_PROTOCOL));
	show("IPV6_V6ONLY default", iopt(s, IPPROTO_IPV6, IPV6_V6ONLY));
	show("IP_TTL on AF_INET6", iopt(s, IPPROTO_IP, IP_TTL));
	show("unknown level v6", iopt(s, 4444, 1));
	show("set unknown level v6", seti(s, 4444, 1, 1));
	show("TCP level on UDP v6", iopt(s, IPPROTO_TCP, 1));
	showname("getsockname unbound v6", s, false);
	show("getpeername unconnected", getpeername(s, (struct sockaddr *)&(struct sockaddr_storage){ 0 },
						    &(socklen_t){ sizeof(struct sockaddr_storage) }));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	showname("getsockname unbound v4", s, false);
	show("IP_TTL", iopt(s, IPPROTO_IP, IP_TTL));
	show("IPV6_V6ONLY on AF_INET", iopt(s, IPPROTO_IPV6, IPV6_V6ONLY));
	show("set IPV6_V6ONLY on AF_INET", seti(s, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	show("unknown level", iopt(s, 4444, 1));
	show("set unknown level", seti(s, 4444, 1, 1));
	show("UDP level on TCP", iopt(s, IPPROTO_UDP, 1));
	close(s);
}

static void binding(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int port, l = listener(AF_INET, &port);

	showname("listener", l, false);
	show("SO_ACCEPTCONN", iopt(l, SOL_SOCKET, SO_ACCEPTCONN));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET, port);
	show("bind a listening port", bind(s, (struct sockaddr *)&ss, len));
	seti(s, SOL_SOCKET, SO_REUSEADDR, 1);
	show("  with SO_REUSEADDR", bind(s, (struct sockaddr *)&ss, len));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET, 0);
	show("bind port 0", bind(s, (struct sockaddr *)&ss, len));
	show("  port set", bound_port(s) > 0);
	show("bind again", bind(s, (struct sockaddr *)&ss, len));
	show("bind short address", bind(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&ss, 8));
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	len = lo(&ss, AF_INET6, 0);
	show("bind AF_INET6 address to AF_INET", bind(s, (struct sockaddr *)&ss, len));
	((struct sockaddr_in *)&ss)->sin_family = AF_INET;
	((struct sockaddr_in *)&ss)->sin_addr.s_addr = inet_addr("192.0.2.1");
	show("bind a foreign address", bind(s, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)));
	((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_ANY);
	show("bind INADDR_ANY", bind(s, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)));
	showname("  name", s, false);
	close(s);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET6, 0);
	((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[0] = 0x20;
	show("bind a foreign v6 address", bind(s, (struct sockaddr *)&ss, len));
	len = lo(&ss, AF_INET6, 0);
	show("bind ::1", bind(s, (struct sockaddr *)&ss, len));
	showname("  name", s, false);
	close(s);

	/* The port of a listener with SO_REUSEADDR, held by a connection in
	 * TIME_WAIT after the server closed first: a new listener needs
	 * SO_REUSEADDR too. */
	close(l);
	l = socket(AF_INET, SOCK_STREAM, 0);
	seti(l, SOL_SOCKET, SO_REUSEADDR, 1);
	len = lo(&ss, AF_INET, 0);
	bind(l, (struct sockaddr *)&ss, len);
	listen(l, 5);
	port = bound_port(l);
	int c = dial(AF_INET, port, 0), a = accept(l, NULL, NULL);
	close(l);
	close(a);
	waitfor(c, POLLRDHUP);
	close(c);
	nap(100);
	s = socket(AF_INET, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET, port);
	show("bind a port in TIME_WAIT", bind(s, (struct sockaddr *)&ss, len));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	seti(s, SOL_SOCKET, SO_REUSEADDR, 1);
	show("  with SO_REUSEADDR", bind(s, (struct sockaddr *)&ss, len));
	show("  listen", listen(s, 5));
	close(s);
}

static void connecting(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int port, l = listener(AF_INET, &port);

	/* A port bound without a listener refuses. */
	int b = socket(AF_INET, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET, 0);
	bind(b, (struct sockaddr *)&ss, len);
	int closed = bound_port(b);

	int c = socket(AF_INET, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET, closed);
	show("connect to a closed port", connect(c, (struct sockaddr *)&ss, len));
	show("  SO_ERROR", iopt(c, SOL_SOCKET, SO_ERROR));
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&ss, len);
	show("nonblocking connect, closed port", r == 0 || errno == EINPROGRESS || errno == ECONNREFUSED);
	show("  poll", waitfor(c, POLLOUT) & (POLLOUT | POLLERR | POLLHUP));
	show("  SO_ERROR", iopt(c, SOL_SOCKET, SO_ERROR));
	show("  SO_ERROR again", iopt(c, SOL_SOCKET, SO_ERROR));
	close(c);
	close(b);

	c = socket(AF_INET, SOCK_STREAM, 0);
	len = lo(&ss, AF_INET, port);
	show("connect", connect(c, (struct sockaddr *)&ss, len));
	show("connect again", connect(c, (struct sockaddr *)&ss, len));
	showname("  client name", c, false);
	showname("  client peer", c, true);
	show("listen on a connected socket", listen(c, 1));
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int a = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	show("accept4", a >= 0);
	printf("  peer len %u port is the client's %d nonblock %d cloexec %d\n", plen,
	       port_of(&peer) == bound_port(c), !!(fcntl(a, F_GETFL) & O_NONBLOCK),
	       !!(fcntl(a, F_GETFD) & FD_CLOEXEC));
	showname("  accepted name", a, false);
	showname("  accepted peer", a, true);
	show("accept4 bad flags", syscall(SYS_accept4, l, NULL, NULL, 0x40));
	close(a);
	close(c);

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&ss, len);
	show("nonblocking connect", r == 0 || errno == EINPROGRESS);
	errno = 0;
	show("  poll POLLOUT", waitfor(c, POLLOUT));
	show("  SO_ERROR", iopt(c, SOL_SOCKET, SO_ERROR));
	show("  connect again", connect(c, (struct sockaddr *)&ss, len));
	show("  and again", connect(c, (struct sockaddr *)&ss, len));
	show("  listener readable", waitfor(l, POLLIN));
	a = accept(l, NULL, NULL);
	show("  accept", a >= 0);
	fcntl(l, F_SETFL, O_NONBLOCK);
	show("accept nothing waiting", accept(l, NULL, NULL));
	struct pollfd pf = { l, POLLIN | POLLOUT, 0 };
	show("poll idle listener", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	close(a);
	close(c);

	c = socket(AF_INET, SOCK_STREAM, 0);
	pf = (struct pollfd){ c, POLLIN | POLLOUT | POLLRDHUP, 0 };
	show("poll new socket", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	show("recv unconnected", recv(c, &r, 1, 0));
	show("send unconnected", send(c, &r, 1, MSG_NOSIGNAL));
	show("accept unlistened", accept(c, NULL, NULL));
	struct sockaddr_storage a6;
	lo(&a6, AF_INET6, port);
	show("connect AF_INET6 address", connect(c, (struct sockaddr *)&a6, sizeof(a6)));
	show("connect short address", connect(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&ss, 4));
	show("shutdown unconnected", shutdown(c, SHUT_RDWR));
	show("connect AF_UNSPEC unconnected",
	     connect(socket(AF_INET, SOCK_STREAM, 0), &(struct sockaddr){ AF_UNSPEC }, sizeof(struct sockaddr)));
	close(c);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	show("listen on UDP", listen(u, 1));
	show("accept on UDP", accept(u, NULL, NULL));
	close(u);
	close(l);
}

struct later {
	int fd, ms;
	const char *data;
};

static void *send_later(void *arg)
{
	struct later *w = arg;

	nap(w->ms);
	send(w->fd, w->data, strlen(w->data), 0);
	return NULL;
}

static void streams(int family)
{
	char buf[64];
	int s, c = tcp_pair(family, &s), n = -1;

	printf("-- streams, family %d\n", family);
	show("send", send(c, "hello world", 11, 0));
	show("FIONREAD", waitbytes(s, 11));
	for (int i = 0; i < 500 && !ioctl(c, SIOCOUTQ, &n) && n; i++)
		nap(10);
	show("SIOCOUTQ once acknowledged", ioctl(c, SIOCOUTQ, &n) ? -1 : n);
	show("recv MSG_PEEK 5", recv(s, buf, 5, MSG_PEEK));
	show("recv 100", recv(s, buf, 100, 0));
	printf("  %.11s\n", buf);
	show("recv MSG_DONTWAIT", recv(s, buf, 100, MSG_DONTWAIT));
	show("FIONREAD empty", ioctl(s, FIONREAD, &n) ? -1 : n);

	pthread_t t;
	struct later w = { c, 100, "world" };
	send(c, "hello", 5, 0);
	pthread_create(&t, NULL, send_later, &w);
	show("recv MSG_WAITALL 10", recv(s, buf, 10, MSG_WAITALL));
	pthread_join(t, NULL);
	printf("  %.10s\n", buf);

	struct timeval tv = { 0, 100000 };
	show("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	show("  recv times out", recv(s, buf, 10, 0));
	tv = (struct timeval){ 0, 0 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	struct iovec out[3] = { { "ab", 2 }, { "cde", 3 }, { "fghi", 4 } };
	char x[3], y[3], z[10];
	struct iovec in[3] = { { x, 3 }, { y, 3 }, { z, 10 } };
	struct msghdr mh = { .msg_iov = out, .msg_iovlen = 3 };
	show("sendmsg 3 buffers", sendmsg(c, &mh, 0));
	waitbytes(s, 9);
	mh = (struct msghdr){ .msg_name = buf, .msg_namelen = 64, .msg_iov = in, .msg_iovlen = 3 };
	show("recvmsg 3 buffers", recvmsg(s, &mh, 0));
	printf("  %.3s %.3s %.3s namelen %u flags %d\n", x, y, z, mh.msg_namelen, mh.msg_flags);
	show("send 0 bytes", send(c, "", 0, 0));
	show("recv MSG_OOB", recv(s, buf, 1, MSG_OOB));

	struct pollfd pf = { s, POLLIN | POLLOUT | POLLRDHUP, 0 };
	show("poll idle", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	show("shutdown SHUT_WR", shutdown(c, SHUT_WR));
	show("  peer poll", waitfor(s, POLLRDHUP) | (poll(&pf, 1, 0) == 1 ? pf.revents : 0));
	show("  peer reads the end", recv(s, buf, 10, 0));
	show("  peer reads it again", read(s, buf, 10));
	show("  send after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
	show("  peer still sends", send(s, "back", 4, 0));
	show("  and we read", recv(c, buf, 10, 0));
	show("shutdown how 3", shutdown(c, 3));
	show("shutdown SHUT_RD", shutdown(s, SHUT_RD));
	show("  recv after SHUT_RD", recv(s, buf, 10, 0));
	close(c);
	close(s);

	/* The peer closed: the first send goes out and draws a reset, later
	 * ones fail. */
	c = tcp_pair(family, &s);
	close(s);
	show("poll after peer closed", waitfor(c, POLLRDHUP));
	show("  recv", recv(c, buf, 10, 0));
	show("  send to a closed peer", send(c, "x", 1, MSG_NOSIGNAL));
	show("  poll after the reset", waitfor(c, POLLHUP));
	show("  send again", send(c, "x", 1, MSG_NOSIGNAL));
	show("  send again", send(c, "x", 1, MSG_NOSIGNAL));
	show("  recv", recv(c, buf, 10, 0));
	show("  SO_ERROR", iopt(c, SOL_SOCKET, SO_ERROR));
	close(c);

	/* SO_LINGER {1, 0}: close resets. */
	c = tcp_pair(family, &s);
	struct linger lg = { 1, 0 };
	show("SO_LINGER 1 0", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	send(c, "unread", 6, 0);
	close(s);
	show("  peer poll", waitfor(c, POLLHUP) & ~POLLOUT);
	show("  peer recv", recv(c, buf, 10, 0));
	show("  peer recv again", recv(c, buf, 10, 0));
	show("  peer send", send(c, "x", 1, MSG_NOSIGNAL));
	close(c);

	/* Unread data at close resets too. */
	c = tcp_pair(family, &s);
	send(c, "unread", 6, 0);
	waitbytes(s, 6);
	close(s);
	show("close with unread data: peer recv", (waitfor(c, POLLHUP), recv(c, buf, 10, 0)));
	close(c);
}

static void options(void)
{
	int s, c = tcp_pair(AF_INET, &s);
	struct linger lg;
	socklen_t len = sizeof(lg);

	show("TCP_NODELAY default", iopt(c, IPPROTO_TCP, TCP_NODELAY));
	show("set TCP_NODELAY", seti(c, IPPROTO_TCP, TCP_NODELAY, 1));
	show("TCP_NODELAY", iopt(c, IPPROTO_TCP, TCP_NODELAY));
	show("SO_KEEPALIVE default", iopt(c, SOL_SOCKET, SO_KEEPALIVE));
	show("set SO_KEEPALIVE", seti(c, SOL_SOCKET, SO_KEEPALIVE, 1));
	show("SO_KEEPALIVE", iopt(c, SOL_SOCKET, SO_KEEPALIVE));
	show("TCP_KEEPIDLE default", iopt(c, IPPROTO_TCP, TCP_KEEPIDLE));
	show("TCP_KEEPINTVL default", iopt(c, IPPROTO_TCP, TCP_KEEPINTVL));
	show("TCP_KEEPCNT default", iopt(c, IPPROTO_TCP, TCP_KEEPCNT));
	show("set TCP_KEEPIDLE 30", seti(c, IPPROTO_TCP, TCP_KEEPIDLE, 30));
	show("set TCP_KEEPINTVL 5", seti(c, IPPROTO_TCP, TCP_KEEPINTVL, 5));
	show("set TCP_KEEPCNT 3", seti(c, IPPROTO_TCP, TCP_KEEPCNT, 3));
	show("set TCP_KEEPIDLE 0", seti(c, IPPROTO_TCP, TCP_KEEPIDLE, 0));
	show("set TCP_KEEPCNT 200", seti(c, IPPROTO_TCP, TCP_KEEPCNT, 200));
	show("TCP_KEEPIDLE", iopt(c, IPPROTO_TCP, TCP_KEEPIDLE));
	show("TCP_KEEPINTVL", iopt(c, IPPROTO_TCP, TCP_KEEPINTVL));
	show("TCP_KEEPCNT", iopt(c, IPPROTO_TCP, TCP_KEEPCNT));
	show("SO_REUSEADDR default", iopt(c, SOL_SOCKET, SO_REUSEADDR));
	show("set SO_REUSEADDR", seti(c, SOL_SOCKET, SO_REUSEADDR, 1));
	show("SO_REUSEADDR", iopt(c, SOL_SOCKET, SO_REUSEADDR));
	memset(&lg, 0x55, sizeof(lg));
	getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("SO_LINGER default %d %d len %u\n", lg.l_onoff, lg.l_linger, len);
	show("set TCP_NODELAY short", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, "", 1));
	show("unknown TCP option", iopt(c, IPPROTO_TCP, 999));
	show("unknown IP option", iopt(c, IPPROTO_IP, 999));
	show("set IP_TTL 64", seti(c, IPPROTO_IP, IP_TTL, 64));
	show("set IP_TTL 0", seti(c, IPPROTO_IP, IP_TTL, 0));
	show("IP_TTL", iopt(c, IPPROTO_IP, IP_TTL));
	show("set IP_TOS 16", seti(c, IPPROTO_IP, IP_TOS, 16));
	show("IP_TOS", iopt(c, IPPROTO_IP, IP_TOS));
	show("set SO_RCVBUF 10000", seti(c, SOL_SOCKET, SO_RCVBUF, 10000));
	show("SO_RCVBUF", iopt(c, SOL_SOCKET, SO_RCVBUF));
	close(s);
	close(c);
}

static void v6only(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l, port, c, a;

	for (int only = 0; only < 2; only++) {
		printf("-- IPV6_V6ONLY %d\n", only);
		l = socket(AF_INET6, SOCK_STREAM, 0);
		show("set IPV6_V6ONLY", seti(l, IPPROTO_IPV6, IPV6_V6ONLY, only));
		struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
		show("bind ::", bind(l, (struct sockaddr *)&any, sizeof(any)));
		show("set IPV6_V6ONLY after bind", seti(l, IPPROTO_IPV6, IPV6_V6ONLY, only));
		show("IPV6_V6ONLY", iopt(l, IPPROTO_IPV6, IPV6_V6ONLY));
		listen(l, 5);
		port = bound_port(l);
		showname("listener", l, false);
		c = socket(AF_INET, SOCK_STREAM, 0);
		len = lo(&ss, AF_INET, port);
		show("IPv4 connect", connect(c, (struct sockaddr *)&ss, len));
		if (!only) {
			a = accept(l, NULL, NULL);
			showname("  accepted peer", a, true);
			showname("  accepted name", a, false);
			close(a);
		}
		close(c);
		c = socket(AF_INET6, SOCK_STREAM, 0);
		len = lo(&ss, AF_INET6, port);
		show("IPv6 connect", connect(c, (struct sockaddr *)&ss, len));
		a = accept(l, NULL, NULL);
		showname("  accepted peer", a, true);
		close(a);
		close(c);
		close(l);
	}

	/* A v4-mapped destination from an AF_INET6 socket. */
	int port4, l4 = listener(AF_INET, &port4);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port4) };
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
	show("connect to ::ffff:127.0.0.1", connect(c, (struct sockaddr *)&m, sizeof(m)));
	showname("  name", c, false);
	showname("  peer", c, true);
	a = accept(l4, NULL, NULL);
	showname("  accepted peer", a, true);
	close(a);
	close(c);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	seti(c, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	show("  the same with IPV6_V6ONLY", connect(c, (struct sockaddr *)&m, sizeof(m)));
	close(c);
	close(l4);
}

static void udp(int family)
{
	struct sockaddr_storage ss, from, name;
	socklen_t len, flen, nlen;
	char buf[64];
	int n;

	printf("-- UDP, family %d\n", family);
	int r = socket(family, SOCK_DGRAM, 0), s = socket(family, SOCK_DGRAM, 0);
	len = lo(&ss, family, 0);
	bind(r, (struct sockaddr *)&ss, len);
	len = lo(&ss, family, bound_port(r));
	show("send unconnected", send(s, "x", 1, 0));
	show("sendto port 0", sendto(s, "x", 1, 0, (struct sockaddr *)&(struct sockaddr_storage){ 0 }, len));
	show("sendto", sendto(s, "0123456789", 10, 0, (struct sockaddr *)&ss, len));
	showname("  sender autobound", s, false);
	show("  poll", waitfor(r, POLLIN));
	show("  FIONREAD", ioctl(r, FIONREAD, &n) ? -1 : n);
	flen = sizeof(from);
	show("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	showname("  from", r, false);
	printf("  from len %u port is the sender's %d\n", flen, port_of(&from) == bound_port(s));
	show("recv MSG_DONTWAIT", recv(r, buf, 10, MSG_DONTWAIT));

	sendto(s, "abc", 3, 0, (struct sockaddr *)&ss, len);
	sendto(s, "", 0, 0, (struct sockaddr *)&ss, len);
	sendto(s, "defgh", 5, 0, (struct sockaddr *)&ss, len);
	sendto(s, "0123456789", 10, 0, (struct sockaddr *)&ss, len);
	sendto(s, "0123456789", 10, 0, (struct sockaddr *)&ss, len);
	waitfor(r, POLLIN);
	for (int i = 0; i < 50 && (ioctl(r, FIONREAD, &n), n != 3); i++)
		nap(10);
	show("FIONREAD next datagram", n);
	show("recv 100", recv(r, buf, 100, 0));
	waitfor(r, POLLIN);
	show("FIONREAD empty datagram", ioctl(r, FIONREAD, &n) ? -1 : n);
	show("poll an empty datagram", waitfor(r, POLLIN));
	show("recv empty", recv(r, buf, 100, 0));
	show("recv MSG_PEEK 2", recv(r, buf, 2, MSG_PEEK));
	show("recv 100", recv(r, buf, 100, 0));
	struct iovec v = { buf, 4 };
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1 };
	show("recvmsg 4 of 10", recvmsg(r, &mh, 0));
	show("  msg_flags MSG_TRUNC", !!(mh.msg_flags & MSG_TRUNC));
	show("recv 4 MSG_TRUNC", recv(r, buf, 4, MSG_TRUNC));
	show("recv MSG_DONTWAIT", recv(r, buf, 4, MSG_DONTWAIT));

	int c = socket(family, SOCK_DGRAM, 0);
	show("connect", connect(c, (struct sockaddr *)&ss, len));
	showname("  name", c, false);
	showname("  peer", c, true);
	show("send connected", send(c, "conn", 4, 0));
	flen = sizeof(from);
	show("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	nlen = sizeof(name);
	getsockname(c, (struct sockaddr *)&name, &nlen);
	show("  from the connected socket", flen == nlen && !memcmp(&from, &name, flen));
	show("reply", sendto(r, "re", 2, 0, (struct sockaddr *)&from, flen));
	show("recv connected", recv(c, buf, sizeof(buf), 0));
	sendto(s, "stranger", 8, 0, (struct sockaddr *)&name, nlen);
	show("a stranger's datagram is dropped", (nap(100), recv(c, buf, sizeof(buf), MSG_DONTWAIT)));
	show("sendto on a connected socket", sendto(c, "to", 2, 0, (struct sockaddr *)&ss, len));
	show("  arrives", recv(r, buf, sizeof(buf), 0));
	show("disconnect", connect(c, &(struct sockaddr){ AF_UNSPEC }, sizeof(struct sockaddr)));
	show("  peer", getpeername(c, (struct sockaddr *)&from, &flen));
	show("  send", send(c, "x", 1, 0));
	struct pollfd pf = { c, POLLIN | POLLOUT, 0 };
	show("poll idle", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	static char big[70000];
	show("send too big", sendto(c, big, sizeof(big), 0, (struct sockaddr *)&ss, len));
	show("send 65000", sendto(c, big, 65000, 0, (struct sockaddr *)&ss, len));
	show("  recv", recv(r, big, sizeof(big), 0));
	show("shutdown SHUT_RDWR unconnected", shutdown(c, SHUT_RDWR));
	show("  sendto after it", sendto(c, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&ss, len));
	pf = (struct pollfd){ c, POLLIN | POLLOUT, 0 };
	show("  poll", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	show("  recv", recv(c, buf, sizeof(buf), 0));
	close(c);
	close(s);
	close(r);
}

static void readiness(void)
{
	int port, l = listener(AF_INET6, &port), c, a;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP }, out[4];
	fd_set rd, wr;
	struct timeval tv = { 0, 0 };

	ev.data.fd = l;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	show("epoll idle listener", epoll_wait(ep, out, 4, 0));
	c = dial(AF_INET6, port, 0);
	show("epoll listener with a connection", epoll_wait(ep, out, 4, 5000));
	printf("  events %x\n", out[0].events);
	FD_ZERO(&rd);
	FD_SET(l, &rd);
	show("select listener", select(l + 1, &rd, NULL, NULL, &tv));
	a = accept(l, NULL, NULL);
	ev.data.fd = a;
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
	show("epoll connected", epoll_wait(ep, out, 4, 0));
	printf("  events %x\n", out[0].events);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(a, &rd);
	FD_SET(a, &wr);
	show("select connected", select(a + 1, &rd, &wr, NULL, &tv));
	printf("  read %d write %d\n", FD_ISSET(a, &rd), FD_ISSET(a, &wr));
	send(c, "x", 1, 0);
	waitfor(a, POLLIN);
	show("epoll with data", epoll_wait(ep, out, 4, 0));
	printf("  events %x\n", out[0].events);
	close(c);
	waitfor(a, POLLRDHUP);
	show("epoll after peer closed", epoll_wait(ep, out, 4, 0));
	printf("  events %x\n", out[0].events);
	struct pollfd pf = { a, POLLIN | POLLOUT | POLLRDHUP, 0 };
	show("poll after peer closed", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	shutdown(a, SHUT_WR);
	nap(100);
	show("poll after both ends shut", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	close(a);

	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = lo(&ss, AF_INET, 0);
	bind(u, (struct sockaddr *)&ss, len);
	len = lo(&ss, AF_INET, bound_port(u));
	pf = (struct pollfd){ u, POLLIN | POLLOUT, 0 };
	show("poll idle UDP", poll(&pf, 1, 0) == 1 ? pf.revents : 0);
	ev.data.fd = u;
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev);
	sendto(v, "d", 1, 0, (struct sockaddr *)&ss, len);
	show("epoll UDP datagram", epoll_wait(ep, out, 4, 5000));
	printf("  events %x\n", out[0].events);
	FD_ZERO(&rd);
	FD_SET(u, &rd);
	show("select UDP", select(u + 1, &rd, NULL, NULL, &tv));
	close(u);
	close(v);
	close(ep);
	close(l);
}

struct bulk {
	int fd;
	uint32_t sum;
	long bytes;
};

#define BULK (8 << 20)

static void *bulk_send(void *arg)
{
	struct bulk *b = arg;
	static unsigned char buf[65536 + 7];
	uint32_t x = 1;

	for (long done = 0; done < BULK;) {
		long n = BULK - done < (long)sizeof(buf) ? BULK - done : (long)sizeof(buf);
		for (long i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			buf[i] = (unsigned char)(x >> 16);
		}
		for (long off = 0; off < n;) {
			long k = send(b->fd, buf + off, (size_t)(n - off), 0);
			if (k <= 0)
				return NULL;
			off += k;
		}
		done += n;
	}
	shutdown(b->fd, SHUT_WR);
	return NULL;
}

static void transfer(void)
{
	int s, c = tcp_pair(AF_INET, &s);
	struct bulk b = { c, 0, 0 };
	pthread_t t;
	static unsigned char buf[50000];
	uint32_t sum = 0, x = 1;
	long n, bad = 0;

	pthread_create(&t, NULL, bulk_send, &b);
	while ((n = recv(s, buf, sizeof(buf), 0)) > 0) {
		for (long i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			bad += buf[i] != (unsigned char)(x >> 16);
			sum = sum * 31 + buf[i];
		}
		b.bytes += n;
	}
	pthread_join(t, NULL);
	printf("8 MiB transfer: %ld bytes, %ld wrong, checksum %08x\n", b.bytes, bad, sum);
	close(c);
	close(s);
}

static void many(void)
{
	enum { N = 200 };
	int port, l = listener(AF_INET, &port), c[N], a[N], ok = 0, echoed = 0;

	for (int i = 0; i < N; i++)
		c[i] = dial(AF_INET, port, SOCK_NONBLOCK);
	for (int i = 0; i < N; i++)
		ok += (a[i] = accept(l, NULL, NULL)) >= 0;
	printf("%d connections: %d accepted\n", N, ok);
	for (int i = 0; i < N; i++) {
		char ch = (char)i;
		waitfor(c[i], POLLOUT);
		send(c[i], &ch, 1, 0);
	}
	/* Each accepted socket echoes its byte back; the client reads it. */
	for (int i = 0; i < N; i++) {
		char ch;
		if (recv(a[i], &ch, 1, 0) == 1)
			send(a[i], &ch, 1, 0);
	}
	for (int i = 0; i < N; i++) {
		char ch;
		waitfor(c[i], POLLIN);
		echoed += recv(c[i], &ch, 1, 0) == 1;
	}
	int sum = 0;
	printf("  %d echoed\n", echoed);
	for (int i = 0; i < N; i++) {
		close(c[i]);
		close(a[i]);
	}
	(void)sum;
	close(l);
}

static void files(void)
{
	char name[64], buf[8192], back[8192];
	int s, c = tcp_pair(AF_INET, &s), f;
	off_t off = 100;

	snprintf(name, sizeof(name), "/tmp/ush-inet-%d.dat", (int)getpid());
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	f = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(f, buf, sizeof(buf));
	lseek(f, 0, SEEK_SET);
	show("sendfile to a TCP socket", sendfile(c, f, NULL, sizeof(buf)));
	show("  file offset", lseek(f, 0, SEEK_CUR));
	long got = 0, n;
	while (got < (long)sizeof(buf) && (n = recv(s, back + got, sizeof(back) - (size_t)got, 0)) > 0)
		got += n;
	show("  received", got);
	show("  same bytes", !memcmp(back, buf, sizeof(buf)));
	show("sendfile at 100", sendfile(c, f, &off, 50));
	show("  offset", (long)off);
	got = 0;
	while (got < 50 && (n = recv(s, back + got, 50 - (size_t)got, 0)) > 0)
		got += n;
	show("  same bytes", got == 50 && !memcmp(back, buf + 100, 50));
	close(f);
	unlink(name);
	close(s);

	waitfor(c, POLLRDHUP);
	send(c, "x", 1, MSG_NOSIGNAL);
	waitfor(c, POLLHUP);
	send(c, "x", 1, MSG_NOSIGNAL);
	fflush(stdout);
	send(c, "x", 1, 0); /* EPIPE: SIGPIPE ends the run */
	printf("not reached\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	creation();
	binding();
	connecting();
	streams(AF_INET);
	streams(AF_INET6);
	options();
	v6only();
	udp(AF_INET);
	udp(AF_INET6);
	readiness();
	transfer();
	many();
	files();
	return 0;
}

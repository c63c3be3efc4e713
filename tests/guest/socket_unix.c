/*
 * AF_UNIX sockets and the socket system calls: socketpairs (stream and
 * datagram), a listener with connect and accept across threads, backlog
 * and nonblocking errors, readiness through poll, select and epoll beside
 * a pipe, shutdown and end of stream, EPIPE with and without SIGPIPE,
 * message flags, timeouts, signals, several buffers per message,
 * sendmmsg/recvmmsg, sendfile to a socket and to a pipe, and bad
 * arguments that must give an errno, not a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static socklen_t unaddr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void pairs(void)
{
	int sv[2];
	char buf[64];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
	CHECK(write(sv[0], "ping", 4) == 4 && read(sv[1], buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4),
	      "stream: 0 to 1");
	CHECK(send(sv[1], "pong!", 5, 0) == 5 && recv(sv[0], buf, sizeof(buf), 0) == 5 &&
		      !memcmp(buf, "pong!", 5),
	      "stream: 1 to 0");
	struct stat st;
	int type = 0;
	socklen_t len = sizeof(type);
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat: a socket");
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM &&
		      len == sizeof(int),
	      "SO_TYPE stream");
	write(sv[0], "abcdef", 6);
	int n = -1;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 6, "FIONREAD 6");
	CHECK(recv(sv[1], buf, 3, 0) == 3 && recv(sv[1], buf + 3, 10, 0) == 3 && !memcmp(buf, "abcdef", 6),
	      "stream: bytes without boundaries");
	close(sv[0]);
	close(sv[1]);

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	send(sv[0], "one", 3, 0);
	send(sv[0], "three", 5, 0);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 3 && recv(sv[1], buf, sizeof(buf), 0) == 5,
	      "dgram: boundaries kept");
	CHECK(send(sv[1], "back", 4, 0) == 4 && recv(sv[0], buf, sizeof(buf), 0) == 4, "dgram: 1 to 0");
	send(sv[0], "0123456789", 10, 0);
	CHECK(recv(sv[1], buf, 4, MSG_PEEK) == 4 && recv(sv[1], buf, 4, 0) == 4 &&
		      recv(sv[1], buf, 4, MSG_DONTWAIT) == -1 && errno == EAGAIN,
	      "dgram: MSG_PEEK keeps it, a short read drops the rest");
	send(sv[0], "0123456789", 10, 0);
	CHECK(recv(sv[1], buf, 4, MSG_TRUNC) == 10, "dgram: MSG_TRUNC gives the real length");
	struct iovec v = { buf, 4 };
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1 };
	send(sv[0], "0123456789", 10, 0);
	CHECK(recvmsg(sv[1], &mh, 0) == 4 && (mh.msg_flags & MSG_TRUNC), "dgram: msg_flags MSG_TRUNC");
	CHECK(send(sv[0], "", 0, 0) == 0 && recv(sv[1], buf, sizeof(buf), 0) == 0, "dgram: an empty datagram");
	close(sv[0]);
	close(sv[1]);

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0 && send(sv[0], "rec", 3, 0) == 3 &&
		      send(sv[0], "ord", 3, 0) == 3 && recv(sv[1], buf, sizeof(buf), 0) == 3,
	      "seqpacket: records");
	close(sv[0]);
	close(sv[1]);
}

static const char *sock_path = "/tmp/listener.sock";

static void *client(void *arg)
{
	struct sockaddr_un a;
	socklen_t len = unaddr(&a, sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	char buf[16];

	if (connect(fd, (struct sockaddr *)&a, len))
		return (void *)1;
	if (write(fd, "hello", 5) != 5 || read(fd, buf, sizeof(buf)) != 5 || memcmp(buf, "HELLO", 5))
		return (void *)2;
	close(fd);
	return NULL;
}

static void listener(void)
{
	struct sockaddr_un a, b;
	socklen_t len = unaddr(&a, sock_path), blen;
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c, one;
	pthread_t t[3];
	char buf[16];
	void *res;
	int ok = 1;

	CHECK(bind(l, (struct sockaddr *)&a, len) == 0, "bind to a path");
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l2, (struct sockaddr *)&a, len) == -1 && errno == EADDRINUSE, "bind a taken path: EADDRINUSE");
	CHECK(bind(l, (struct sockaddr *)&a, len) == -1 && errno == EADDRINUSE, "bind twice to the path: EADDRINUSE");
	struct sockaddr_un o;
	socklen_t olen = unaddr(&o, "/tmp/other.sock");
	CHECK(bind(l, (struct sockaddr *)&o, olen) == -1 && errno == EINVAL, "bind a bound socket elsewhere: EINVAL");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED,
	      "connect before listen: ECONNREFUSED");
	close(c);
	CHECK(listen(l, 1) == 0, "listen");
	one = 0;
	blen = sizeof(one);
	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &one, &blen) == 0 && one == 1, "SO_ACCEPTCONN");
	blen = sizeof(b);
	CHECK(getsockname(l, (struct sockaddr *)&b, &blen) == 0 && blen == len && !strcmp(b.sun_path, sock_path),
	      "getsockname gives the path");
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, client, NULL);
	for (int i = 0; i < 3; i++) {
		blen = sizeof(b);
		int s = accept(l, (struct sockaddr *)&b, &blen);
		ok &= s >= 0 && blen == offsetof(struct sockaddr_un, sun_path) && read(s, buf, 5) == 5 &&
		      !memcmp(buf, "hello", 5) && write(s, "HELLO", 5) == 5;
		close(s);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &res);
		ok &= res == NULL;
	}
	CHECK(ok, "three clients in threads connect, are accepted and answered");

	fcntl(l, F_SETFL, O_NONBLOCK);
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "nonblocking accept: EAGAIN");
	int cs[4];
	for (int i = 0; i < 4; i++) {
		cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		errno = 0;
		connect(cs[i], (struct sockaddr *)&a, len);
		buf[i] = (char)errno;
	}
	CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == EAGAIN, "backlog 1 takes two; the third: EAGAIN");
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(s >= 0 && fcntl(s, F_GETFD) == FD_CLOEXEC, "accept4 SOCK_CLOEXEC");
	blen = sizeof(b);
	CHECK(getpeername(cs[0], (struct sockaddr *)&b, &blen) == 0 && !strcmp(b.sun_path, sock_path),
	      "getpeername of a client: the listener's path");
	close(s);
	for (int i = 0; i < 4; i++)
		close(cs[i]);
	close(l);
	close(l2);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, len) == 0, "the path is free again after close");
	close(l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	len = unaddr(&a, "/tmp/nobody.sock");
	CHECK(connect(c, (struct sockaddr *)&a, len) == -1 && errno == ENOENT, "connect to no path: ENOENT");
	len = unaddr(&a, "/no/such/dir/x.sock");
	CHECK(bind(c, (struct sockaddr *)&a, len) == -1 && errno == ENOENT, "bind in no folder: ENOENT");
	struct sockaddr_un ab = { AF_UNIX, "" };
	memcpy(ab.sun_path, "\0abstract", 9);
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 9;
	l = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(l, (struct sockaddr *)&ab, alen) == 0, "bind an abstract name");
	CHECK(sendto(c, "x", 1, 0, (struct sockaddr *)&ab, alen) == -1 && errno == EOPNOTSUPP,
	      "sendto on an unconnected stream socket: EOPNOTSUPP");
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	blen = sizeof(b);
	CHECK(sendto(d, "dg", 2, 0, (struct sockaddr *)&ab, alen) == 2 &&
		      recvfrom(l, buf, sizeof(buf), 0, (struct sockaddr *)&b, &blen) == 2 &&
		      blen == 0,
	      "sendto an abstract name; recvfrom an unbound sender: no address");
	CHECK(bind(d, (struct sockaddr *)&ab, sizeof(sa_family_t)) == 0, "autobind");
	blen = sizeof(b);
	CHECK(getsockname(d, (struct sockaddr *)&b, &blen) == 0 && blen == 8 && b.sun_path[0] == 0,
	      "autobind: an abstract name of five digits");
	close(c);
	close(l);
	close(d);
}

static void readiness(void)
{
	int sv[2], p[2], ep;
	struct pollfd pf[3];
	struct epoll_event ev, out[4];
	fd_set rs, ws;
	struct timeval tv = { 0, 0 };
	char c;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	pf[0] = (struct pollfd){ sv[1], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[2] = (struct pollfd){ sv[0], POLLOUT, 0 };
	CHECK(poll(pf, 3, 0) == 1 && pf[2].revents == POLLOUT, "poll: a socket is writable, nothing to read");
	write(sv[0], "x", 1);
	CHECK(poll(pf, 2, 0) == 1 && pf[0].revents == POLLIN, "poll: readable after a write");
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(sv[1], &rs);
	FD_SET(p[0], &rs);
	FD_SET(sv[0], &ws);
	CHECK(select(FD_SETSIZE, &rs, &ws, NULL, &tv) == 2 && FD_ISSET(sv[1], &rs) && !FD_ISSET(p[0], &rs),
	      "select: the socket, not the pipe");
	read(sv[1], &c, 1);
	ep = epoll_create1(0);
	ev = (struct epoll_event){ EPOLLIN, { .fd = sv[1] } };
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	ev = (struct epoll_event){ EPOLLIN, { .fd = p[0] } };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "epoll: nothing ready");
	write(sv[0], "y", 1);
	CHECK(epoll_wait(ep, out, 4, 100) == 1 && out[0].data.fd == sv[1], "epoll: the socket after a write");
	read(sv[1], &c, 1);
	shutdown(sv[0], SHUT_WR);
	CHECK(epoll_wait(ep, out, 4, 100) == 1 && (out[0].events & EPOLLIN), "epoll: readable at end of stream");
	pf[0] = (struct pollfd){ sv[1], POLLIN | POLLRDHUP, 0 };
	CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLRDHUP), "poll: POLLRDHUP after the peer's SHUT_WR");
	close(ep);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static volatile int sigpipes, alarms;

static void on_sigpipe(int sig)
{
	sigpipes++;
}

static void on_alarm(int sig)
{
	alarms++;
}

static int late_fd;

static void *late_writer(void *arg)
{
	nap(300);
	write(late_fd, arg, strlen(arg));
	return NULL;
}

static void ends_and_signals(void)
{
	int sv[2];
	char buf[32];
	struct sigaction sa = { .sa_handler = on_sigpipe };

	sigaction(SIGPIPE, &sa, NULL);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "last", 4);
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown SHUT_WR");
	CHECK(read(sv[1], buf, sizeof(buf)) == 4 && read(sv[1], buf, sizeof(buf)) == 0,
	      "the peer reads the data, then end of stream");
	CHECK(write(sv[0], "x", 1) == -1 && errno == EPIPE && sigpipes == 1, "write after own SHUT_WR: EPIPE");
	CHECK(write(sv[1], "back", 4) == 4 && read(sv[0], buf, sizeof(buf)) == 4, "the other way still works");
	CHECK(shutdown(sv[0], 7) == -1 && errno == EINVAL, "shutdown with a bad how: EINVAL");
	close(sv[0]);
	sigpipes = 0;
	CHECK(write(sv[1], "x", 1) == -1 && errno == EPIPE && sigpipes == 1, "write after the peer closed: EPIPE and SIGPIPE");
	CHECK(send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && sigpipes == 1,
	      "MSG_NOSIGNAL: EPIPE without SIGPIPE");
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct timeval tv = { 0, 200000 }, got;
	socklen_t len = sizeof(got);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && got.tv_usec == 200000,
	      "SO_RCVTIMEO reads back");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = (int)recv(sv[0], buf, sizeof(buf), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(r == -1 && errno == EAGAIN && ms >= 190, "SO_RCVTIMEO: EAGAIN after the timeout");
	tv.tv_usec = 2000000;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 && errno == EDOM,
	      "SO_RCVTIMEO with tv_usec out of range: EDOM");
	tv = (struct timeval){ 0, 0 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	struct sigaction al = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &al, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	r = (int)recv(sv[0], buf, sizeof(buf), 0);
	CHECK(r == -1 && errno == EINTR && alarms == 1, "a blocking recv interrupted by a handler without SA_RESTART: EINTR");
	al.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &al, NULL);
	pthread_t t;
	late_fd = sv[1];
	pthread_create(&t, NULL, late_writer, "later");
	setitimer(ITIMER_REAL, &it, NULL);
	r = (int)recv(sv[0], buf, sizeof(buf), 0);
	pthread_join(t, NULL);
	CHECK(r == 5 && alarms == 2, "with SA_RESTART the recv goes on and gets the data");
	pthread_create(&t, NULL, late_writer, "abc");
	write(sv[1], "12", 2);
	r = (int)recv(sv[0], buf, 5, MSG_WAITALL);
	pthread_join(t, NULL);
	CHECK(r == 5 && !memcmp(buf, "12abc", 5), "MSG_WAITALL waits for all 5 bytes");
	CHECK(recv(sv[0], buf, 5, MSG_DONTWAIT) == -1 && errno == EAGAIN, "MSG_DONTWAIT: EAGAIN");
	write(sv[1], "peek", 4);
	CHECK(recv(sv[0], buf, 2, MSG_PEEK) == 2 && recv(sv[0], buf, 10, 0) == 4, "stream MSG_PEEK leaves the bytes");
	close(sv[0]);
	close(sv[1]);
}

static void messages(void)
{
	int sv[2];
	char a[4], b[6], c[8], big[32];
	struct iovec out[3] = { { "abcd", 4 }, { "efghij", 6 }, { "klmnopqr", 8 } };
	struct iovec in[3] = { { a, 4 }, { b, 6 }, { c, 8 } };
	struct msghdr mh = { .msg_iov = out, .msg_iovlen = 3 };

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	CHECK(sendmsg(sv[0], &mh, 0) == 18, "sendmsg with three buffers");
	mh.msg_iov = in;
	CHECK(recvmsg(sv[1], &mh, 0) == 18 && !memcmp(a, "abcd", 4) && !memcmp(b, "efghij", 6) &&
		      !memcmp(c, "klmnopqr", 8) && mh.msg_controllen == 0,
	      "recvmsg into three buffers");
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	struct mmsghdr mm[3];
	struct iovec v[3] = { { "1", 1 }, { "22", 2 }, { "333", 3 } };
	for (int i = 0; i < 3; i++)
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &v[i], .msg_iovlen = 1 } };
	CHECK(sendmmsg(sv[0], mm, 3, 0) == 3 && mm[2].msg_len == 3, "sendmmsg: three datagrams");
	struct iovec r[4] = { { big, 8 }, { big + 8, 8 }, { big + 16, 8 }, { big + 24, 8 } };
	struct mmsghdr rm[4];
	for (int i = 0; i < 4; i++)
		rm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &r[i], .msg_iovlen = 1 } };
	struct timespec to = { 1, 0 };
	CHECK(recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, &to) == 3 && rm[0].msg_len == 1 && rm[1].msg_len == 2 &&
		      rm[2].msg_len == 3 && !memcmp(big + 16, "333", 3),
	      "recvmmsg: three datagrams, then EAGAIN ends it");
	send(sv[0], "w", 1, 0);
	CHECK(recvmmsg(sv[1], rm, 4, MSG_WAITFORONE, NULL) == 1, "recvmmsg MSG_WAITFORONE");
	send(sv[0], "w", 1, 0);
	/* musl's wrapper walks the whole vector; the kernel must not */
	CHECK(syscall(SYS_recvmmsg, sv[1], rm, 0x7fffffff, MSG_DONTWAIT, NULL) == 1, "recvmmsg with a huge vlen");
	to = (struct timespec){ 0, -1 };
	CHECK(recvmmsg(sv[1], rm, 4, 0, &to) == -1 && errno == EINVAL, "recvmmsg with a bad timeout: EINVAL");
	close(sv[0]);
	close(sv[1]);
}

static void files(void)
{
	int sv[2], p[2], f;
	char buf[8192], back[8192];
	off_t off = 100;

	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	f = open("/tmp/sendfile.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(f, buf, sizeof(buf));
	lseek(f, 0, SEEK_SET);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	CHECK(sendfile(sv[0], f, NULL, sizeof(buf)) == sizeof(buf) && lseek(f, 0, SEEK_CUR) == sizeof(buf),
	      "sendfile to a socket at the file offset");
	CHECK(recv(sv[1], back, sizeof(back), MSG_WAITALL) == sizeof(back) && !memcmp(buf, back, sizeof(buf)),
	      "the socket carries the file's bytes");
	pipe(p);
	CHECK(sendfile(p[1], f, &off, 1000) == 1000 && off == 1100 && lseek(f, 0, SEEK_CUR) == sizeof(buf),
	      "sendfile to a pipe at an offset, the file offset left alone");
	CHECK(read(p[0], back, sizeof(back)) == 1000 && !memcmp(back, buf + 100, 1000), "the pipe carries the bytes");
	off = 8000;
	CHECK(sendfile(p[1], f, &off, 1000) == 192 && off == 8192, "sendfile stops at the end of the file");
	CHECK(sendfile(p[1], f, &off, 10) == 0, "sendfile at the end: 0");
	CHECK(sendfile(p[1], 999, NULL, 10) == -1 && errno == EBADF, "sendfile from a bad fd: EBADF");
	CHECK(sendfile(p[0], f, NULL, 10) == -1 && errno == EBADF,
	      "sendfile to the read end of a pipe fails");
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(f);
	unlink("/tmp/sendfile.dat");
}

static void bad_inputs(void)
{
	int sv[2], fd, p[2];
	char buf[8];
	struct sockaddr_un a;
	socklen_t len;
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	pipe(p);
	CHECK(send(999, "x", 1, 0) == -1 && errno == EBADF, "send on a bad fd: EBADF");
	CHECK(send(p[1], "x", 1, 0) == -1 && errno == ENOTSOCK, "send on a pipe: ENOTSOCK");
	CHECK(listen(p[0], 1) == -1 && errno == ENOTSOCK, "listen on a pipe: ENOTSOCK");
	CHECK(socket(12345, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "socket with a bad domain: EAFNOSUPPORT");
	CHECK(socket(AF_UNIX, 99, 0) == -1 && errno == EINVAL, "socket with a bad type: EINVAL");
	CHECK(socket(AF_UNIX, SOCK_STREAM, 7) == -1 && errno == EPROTONOSUPPORT, "a bad protocol: EPROTONOSUPPORT");
	CHECK(socket(AF_UNIX, SOCK_RDM, 0) == -1 && errno == ESOCKTNOSUPPORT, "SOCK_RDM: ESOCKTNOSUPPORT");
	/* musl's sendmsg and recvmmsg copy the headers themselves: the raw
	 * calls reach the kernel with the bad pointers */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, NULL) == -1 && errno == EFAULT, "socketpair into NULL: EFAULT");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, NULL, sizeof(a)) == -1 && errno == EFAULT, "bind a NULL address: EFAULT");
	CHECK(connect(fd, unmapped, sizeof(a)) == -1 && errno == EFAULT, "connect an unmapped address: EFAULT");
	len = unaddr(&a, "/tmp/x");
	CHECK(bind(fd, (struct sockaddr *)&a, 0) == -1 && errno == EINVAL, "addrlen 0: EINVAL");
	CHECK(bind(fd, (struct sockaddr *)&a, -1) == -1 && errno == EINVAL, "addrlen -1: EINVAL");
	char longer[sizeof(a) + 16];
	memset(longer, 'p', sizeof(longer));
	((struct sockaddr_un *)longer)->sun_family = AF_UNIX;
	CHECK(bind(fd, (struct sockaddr *)longer, sizeof(longer)) == -1 && errno == EINVAL, "too long a sun_path: EINVAL");
	CHECK(getsockname(fd, unmapped, &len) == -1 && errno == EFAULT, "getsockname into unmapped memory: EFAULT");
	CHECK(getsockname(fd, (struct sockaddr *)&a, unmapped) == -1 && errno == EFAULT,
	      "getsockname with an unmapped length: EFAULT");
	CHECK(getpeername(fd, (struct sockaddr *)&a, &len) == -1 && errno == ENOTCONN, "getpeername unconnected: ENOTCONN");
	CHECK(send(fd, "x", 1, 0) == -1 && errno == ENOTCONN, "send unconnected: ENOTCONN");
	CHECK(accept(fd, NULL, NULL) == -1 && errno == EINVAL, "accept without listen: EINVAL");
	CHECK(listen(fd, 1) == -1 && errno == EINVAL, "listen unbound: EINVAL");
	close(fd);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	CHECK(recv(sv[0], unmapped, 8, MSG_DONTWAIT) == -1 && (errno == EFAULT || errno == EAGAIN),
	      "recv into unmapped memory, nothing queued");
	send(sv[1], "data", 4, 0);
	CHECK(recv(sv[0], unmapped, 8, 0) == -1 && errno == EFAULT, "recv into unmapped memory: EFAULT");
	CHECK(syscall(SYS_sendmsg, sv[0], unmapped, 0) == -1 && errno == EFAULT, "sendmsg of an unmapped header: EFAULT");
	CHECK(syscall(SYS_recvmmsg, sv[0], unmapped, 4, MSG_DONTWAIT, NULL) == -1 && errno == EFAULT,
	      "recvmmsg into unmapped headers: EFAULT");
	int v = 0;
	len = 4;
	CHECK(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len) == -1 && errno == ENOPROTOOPT, "an unknown option: ENOPROTOOPT");
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, 2) == -1 && errno == EINVAL, "a short option value: EINVAL");
	len = (socklen_t)-1;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == -1 && errno == EINVAL, "a negative optlen: EINVAL");
	CHECK(read(sv[0], buf, 0) == 0, "read of 0 bytes");
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	pairs();
	listener();
	readiness();
	ends_and_signals();
	messages();
	files();
	bad_inputs();
	return tap_done();
}

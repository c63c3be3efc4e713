/*
 * AF_UNIX socket semantics and errnos, printed line by line so that the
 * image and the native program can be compared byte for byte: creation
 * errors, options, names and their lengths, connections and backlog,
 * datagram flags, shutdown, the ends of a connection, readiness bits,
 * several buffers per message, sendmmsg/recvmmsg and sendfile. Ends by
 * writing to a socket whose peer is gone under SIGPIPE's default action:
 * both die of it (status 141).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-34s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
	errno = 0;
}

static int opt(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, name, &v, &len) ? -1 : v;
}

static socklen_t unaddr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void creation(void)
{
	int sv[2], v = 10000;
	socklen_t len;
	struct stat st;
	struct timeval tv = { 1, 500000 };

	show("socket bad domain", socket(1000, SOCK_STREAM, 0));
	show("socket bad type", socket(AF_UNIX, 77, 0));
	show("socket type 0", socket(AF_UNIX, 0, 0));
	show("socket bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
	show("socket bad protocol", socket(AF_UNIX, SOCK_STREAM, 3));
	show("socket SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0));
	show("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	show("fstat S_ISSOCK", fstat(sv[0], &st) ? -1 : S_ISSOCK(st.st_mode));
	show("SO_TYPE", opt(sv[0], SO_TYPE));
	show("SO_DOMAIN", opt(sv[0], SO_DOMAIN));
	show("SO_PROTOCOL", opt(sv[0], SO_PROTOCOL));
	show("SO_ACCEPTCONN", opt(sv[0], SO_ACCEPTCONN));
	show("SO_ERROR", opt(sv[0], SO_ERROR));
	show("SO_SNDBUF default", opt(sv[0], SO_SNDBUF));
	show("set SO_SNDBUF 10000", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	show("SO_SNDBUF", opt(sv[0], SO_SNDBUF));
	v = 1;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	show("SO_RCVBUF after 1", opt(sv[0], SO_RCVBUF));
	show("set SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	len = sizeof(tv);
	memset(&tv, 0, sizeof(tv));
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("SO_RCVTIMEO %ld.%06ld len %u\n", (long)tv.tv_sec, (long)tv.tv_usec, len);
	show("set SO_RCVTIMEO short", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
	short sh = 0;
	len = sizeof(sh);
	show("SO_TYPE into 2 bytes", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &sh, &len));
	printf("  value %d len %u\n", sh, len);
	show("set SO_REUSEADDR", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)));
	show("SO_REUSEADDR", opt(sv[0], SO_REUSEADDR));
	show("unknown option", opt(sv[0], 4444));
	show("unknown level", setsockopt(sv[0], 4444, 1, &v, sizeof(v)));
	struct sockaddr_un a;
	len = sizeof(a);
	show("getsockname of a pair", getsockname(sv[0], (struct sockaddr *)&a, &len));
	printf("  len %u family %d\n", len, a.sun_family);
	len = sizeof(a);
	show("getpeername of a pair", getpeername(sv[0], (struct sockaddr *)&a, &len));
	printf("  len %u\n", len);
	show("lseek", lseek(sv[0], 0, SEEK_CUR));
	show("pread", pread(sv[0], &v, 1, 0));
	show("isatty", isatty(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

static void streams(void)
{
	int sv[2], n = 0;
	char buf[64];
	struct pollfd pf;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	show("write", write(sv[0], "hello world", 11));
	show("FIONREAD", ioctl(sv[1], FIONREAD, &n) ? -1 : n);
	show("recv MSG_PEEK 5", recv(sv[1], buf, 5, MSG_PEEK));
	show("recv 100", recv(sv[1], buf, 100, 0));
	show("recv MSG_DONTWAIT", recv(sv[1], buf, 100, MSG_DONTWAIT));
	pf = (struct pollfd){ sv[1], POLLIN | POLLOUT | POLLRDHUP, 0 };
	show("poll idle", poll(&pf, 1, 0) == 1 ? pf.revents : -1);
	show("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
	show("poll after peer SHUT_WR", poll(&pf, 1, 0) == 1 ? pf.revents : -1);
	show("read at end", read(sv[1], buf, 10));
	show("send after SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
	show("shutdown how 3", shutdown(sv[0], 3));
	show("shutdown SHUT_RD", shutdown(sv[1], SHUT_RD));
	pf = (struct pollfd){ sv[1], POLLIN | POLLOUT, 0 };
	show("poll both shut", poll(&pf, 1, 0) == 1 ? pf.revents : -1);
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	close(sv[1]);
	pf = (struct pollfd){ sv[0], POLLIN | POLLOUT, 0 };
	show("poll after peer closed", poll(&pf, 1, 0) == 1 ? pf.revents : -1);
	show("read after unread close", read(sv[0], buf, 10));
	show("read again", read(sv[0], buf, 10));
	show("send to closed peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
	close(sv[0]);

	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	pf = (struct pollfd){ s, POLLIN | POLLOUT, 0 };
	show("poll unconnected", poll(&pf, 1, 0) == 1 ? pf.revents : -1);
	show("read unconnected", read(s, buf, 1));
	show("send unconnected", send(s, "x", 1, MSG_NOSIGNAL));
	show("accept unlistened", accept(s, NULL, NULL));
	show("listen unbound", listen(s, 1));
	show("shutdown unconnected", shutdown(s, SHUT_RDWR));
	close(s);

	struct iovec out[3] = { { "ab", 2 }, { "cde", 3 }, { "fghi", 4 } };
	char x[3], y[3], z[10];
	struct iovec in[3] = { { x, 3 }, { y, 3 }, { z, 10 } };
	struct msghdr mh = { .msg_iov = out, .msg_iovlen = 3 };
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	show("sendmsg 3 buffers", sendmsg(sv[0], &mh, 0));
	mh = (struct msghdr){ .msg_name = buf, .msg_namelen = 64, .msg_iov = in, .msg_iovlen = 3 };
	show("recvmsg 3 buffers", recvmsg(sv[1], &mh, 0));
	printf("  %.3s %.3s %.3s namelen %u flags %d\n", x, y, z, mh.msg_namelen, mh.msg_flags);
	mh.msg_iovlen = 2000;
	show("sendmsg 2000 buffers", sendmsg(sv[0], &mh, 0));
	show("send 0 bytes", send(sv[0], "", 0, 0));
	close(sv[0]);
	close(sv[1]);
}

static void datagrams(void)
{
	int sv[2];
	char buf[64];
	static char big[300000];
	struct iovec v = { buf, 4 };
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1 };

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	show("send 10", send(sv[0], "0123456789", 10, 0));
	show("recv MSG_PEEK 4", recv(sv[1], buf, 4, MSG_PEEK));
	show("recvmsg 4", recvmsg(sv[1], &mh, 0));
	show("  msg_flags MSG_TRUNC", !!(mh.msg_flags & MSG_TRUNC));
	show("recv MSG_DONTWAIT", recv(sv[1], buf, 4, MSG_DONTWAIT));
	send(sv[0], "0123456789", 10, 0);
	show("recv 4 MSG_TRUNC", recv(sv[1], buf, 4, MSG_TRUNC));
	show("send empty", send(sv[0], "", 0, 0));
	show("recv empty", recv(sv[1], buf, 4, 0));
	show("send too big", send(sv[0], big, sizeof(big), 0));
	int n = -1;
	send(sv[0], "abc", 3, 0);
	send(sv[0], "defgh", 5, 0);
	show("FIONREAD next datagram", ioctl(sv[1], FIONREAD, &n) ? -1 : n);
	struct mmsghdr mm[4];
	struct iovec vv[4] = { { buf, 8 }, { buf + 8, 8 }, { buf + 16, 8 }, { buf + 24, 8 } };
	for (int i = 0; i < 4; i++)
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &vv[i], .msg_iovlen = 1 } };
	show("recvmmsg", recvmmsg(sv[1], mm, 4, MSG_DONTWAIT, NULL));
	printf("  lens %u %u\n", mm[0].msg_len, mm[1].msg_len);
	show("sendmmsg", sendmmsg(sv[0], mm, 3, 0));
	show("recvmmsg WAITFORONE", recvmmsg(sv[1], mm, 4, MSG_WAITFORONE, NULL));
	struct pollfd pf = { sv[1], POLLIN | POLLOUT, 0 };
	show("poll dgram idle", poll(&pf, 1, 0) == 1 ? pf.revents : -1);
	close(sv[1]);
	show("send to closed peer", send(sv[0], "x", 1, 0));
	show("send again", send(sv[0], "x", 1, 0));
	close(sv[0]);
}

static void names(void)
{
	char path[64], other[64], buf[16];
	struct sockaddr_un a, b;
	socklen_t len, blen;
	int l, c[4];

	snprintf(path, sizeof(path), "/tmp/ush-compare-%d.sock", (int)getpid());
	snprintf(other, sizeof(other), "/tmp/ush-compare-%d.none", (int)getpid());
	unlink(path);
	len = unaddr(&a, path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	show("bind addrlen 0", bind(l, (struct sockaddr *)&a, 0));
	show("bind addrlen -1", bind(l, (struct sockaddr *)&a, -1));
	show("bind addrlen 300", bind(l, (struct sockaddr *)&a, 300));
	show("bind NULL", bind(l, NULL, len));
	a.sun_family = AF_INET;
	show("bind AF_INET address", bind(l, (struct sockaddr *)&a, len));
	a.sun_family = AF_UNIX;
	show("bind", bind(l, (struct sockaddr *)&a, len));
	show("bind again", bind(l, (struct sockaddr *)&a, len));
	show("bind again elsewhere", bind(l, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "/tmp" }, 8));
	blen = sizeof(b);
	getsockname(l, (struct sockaddr *)&b, &blen);
	show("getsockname len is path + 3", blen == strlen(path) + 3);
	blen = 5;
	show("getsockname into 5 bytes", getsockname(l, (struct sockaddr *)&b, &blen));
	show("  reports the full length", blen == strlen(path) + 3);
	c[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	show("bind a taken path", bind(c[0], (struct sockaddr *)&a, len));
	show("connect before listen", connect(c[0], (struct sockaddr *)&a, len));
	close(c[0]);
	show("listen 1", listen(l, 1));
	show("SO_ACCEPTCONN", opt(l, SO_ACCEPTCONN));
	fcntl(l, F_SETFL, O_NONBLOCK);
	show("accept nothing waiting", accept(l, NULL, NULL));
	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		show("connect nonblocking", connect(c[i], (struct sockaddr *)&a, len));
	}
	show("connect again", connect(c[0], (struct sockaddr *)&a, len));
	show("write before accept", write(c[0], "early", 5));
	blen = sizeof(b);
	int s = accept4(l, (struct sockaddr *)&b, &blen, SOCK_NONBLOCK);
	show("accept4", s >= 0);
	printf("  peer len %u flags %d\n", blen, fcntl(s, F_GETFL) & O_NONBLOCK ? 1 : 0);
	show("read the early bytes", read(s, buf, sizeof(buf)));
	blen = sizeof(b);
	getsockname(s, (struct sockaddr *)&b, &blen);
	show("accepted getsockname is the path", !strcmp(b.sun_path, path));
	blen = sizeof(b);
	getpeername(c[0], (struct sockaddr *)&b, &blen);
	show("client getpeername is the path", !strcmp(b.sun_path, path));
	show("sendto on a connected stream", sendto(c[0], "x", 1, 0, (struct sockaddr *)&a, len));
	show("listen on a connected socket", listen(c[0], 1));
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("dgram connect to a stream", connect(d, (struct sockaddr *)&a, len));
	show("dgram listen", listen(d, 1));
	show("dgram accept", accept(d, NULL, NULL));
	close(s);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(l);
	unlink(path);
	show("connect after the listener went", connect(d, (struct sockaddr *)&a, len));
	len = unaddr(&a, other);
	show("connect to no file", connect(d, (struct sockaddr *)&a, len));
	show("sendto no file", sendto(d, "x", 1, 0, (struct sockaddr *)&a, len));
	len = unaddr(&a, "/no/such/folder/s");
	show("bind in no folder", bind(d, (struct sockaddr *)&a, len));

	struct sockaddr_un ab = { AF_UNIX, "" };
	snprintf(ab.sun_path + 1, sizeof(ab.sun_path) - 1, "ush-compare-%d", (int)getpid());
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(ab.sun_path + 1));
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("bind abstract", bind(r, (struct sockaddr *)&ab, alen));
	blen = sizeof(b);
	getsockname(r, (struct sockaddr *)&b, &blen);
	show("abstract name length kept", blen == alen);
	show("sendto abstract", sendto(d, "dg", 2, 0, (struct sockaddr *)&ab, alen));
	blen = sizeof(b);
	show("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&b, &blen));
	printf("  from len %u\n", blen);
	show("autobind", bind(d, (struct sockaddr *)&ab, sizeof(sa_family_t)));
	blen = sizeof(b);
	getsockname(d, (struct sockaddr *)&b, &blen);
	printf("  autobind len %u first byte %d\n", blen, b.sun_path[0]);
	sendto(d, "dg", 2, 0, (struct sockaddr *)&ab, alen);
	blen = sizeof(b);
	show("recvfrom an autobound sender", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&b, &blen));
	printf("  from len %u\n", blen);
	int e = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("connect r to d's name", connect(r, (struct sockaddr *)&b, blen));
	show("connect r to d again", connect(r, (struct sockaddr *)&b, blen));
	show("e sendto r (r is d's)", sendto(e, "x", 1, 0, (struct sockaddr *)&ab, alen));
	show("dgram disconnect", connect(r, &(struct sockaddr){ AF_UNSPEC }, sizeof(struct sockaddr)));
	show("e sendto r now", sendto(e, "x", 1, 0, (struct sockaddr *)&ab, alen));
	show("send unconnected dgram", send(e, "x", 1, 0));
	close(e);
	close(r);
	close(d);
}

static void files(void)
{
	char name[64], buf[4096], back[4096];
	int sv[2], p[2], f;
	off_t off = 10;

	snprintf(name, sizeof(name), "/tmp/ush-compare-%d.dat", (int)getpid());
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	f = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(f, buf, sizeof(buf));
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	show("sendfile at the end", sendfile(sv[0], f, NULL, 100));
	lseek(f, 0, SEEK_SET);
	show("sendfile to a socket", sendfile(sv[0], f, NULL, 1000));
	show("  file offset", lseek(f, 0, SEEK_CUR));
	show("  received", recv(sv[1], back, sizeof(back), 0));
	show("sendfile to a pipe at 10", sendfile(p[1], f, &off, 50));
	show("  offset", (long)off);
	show("  file offset", lseek(f, 0, SEEK_CUR));
	show("  read", read(p[0], back, sizeof(back)));
	show("  same bytes", !memcmp(back, buf + 10, 50));
	off = -1;
	show("sendfile negative offset", sendfile(p[1], f, &off, 5));
	show("sendfile to a read end", sendfile(p[0], f, NULL, 5));
	show("sendfile bad fd", sendfile(p[1], 555, NULL, 5));
	show("sendfile 0 bytes", sendfile(p[1], f, NULL, 0));
	close(f);
	unlink(name);
	close(p[0]);
	close(p[1]);
	close(sv[1]);
	show("bad fd", send(555, "x", 1, 0));
	show("not a socket", send(0, "x", 1, 0));
	fflush(stdout);
	send(sv[0], "x", 1, 0); /* the peer is gone: SIGPIPE ends the run */
	printf("not reached\n");
}

int main(void)
{
	creation();
	streams();
	datagrams();
	names();
	files();
	return 0;
}

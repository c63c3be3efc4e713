/*
 * The socket system calls: socket, socketpair, bind, listen, accept,
 * accept4, connect, getsockname, getpeername, sendto, recvfrom, sendmsg,
 * recvmsg, sendmmsg, recvmmsg, shutdown, setsockopt and getsockopt.
 *
 * This file copies what the program hands over into the kernel and back
 * (addresses, option values, message headers and their iovec arrays),
 * with Linux's checks, and installs descriptors; what a socket does is
 * kernel/net/socket.c's and its family's (include/unishyper/socket.h).
 * A call a signal interrupted restarts after SA_RESTART handlers unless
 * the socket has a timeout in that direction, as on Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/signal.h>
#include <unishyper/socket.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>

#define IO_MAX 0x7ffff000l /* Linux's limit for one transfer */
#define OPT_MAX 256        /* the largest option value kept in the kernel */
#define MSG_IOV_MAX 1024   /* UIO_MAXIOV */

/* Linux's struct msghdr and struct mmsghdr on x86_64 (musl's has the same
 * layout with padding where Linux has size_t). */
struct user_msghdr {
	void *name;
	int namelen;
	struct iovec *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	unsigned flags;
};

struct user_mmsghdr {
	struct user_msghdr hdr;
	unsigned len;
};

/* The socket behind fd with a reference on its file (put it with
 * file_put(s->file)): -EBADF, -ENOTSOCK. */
static long sock_get(int fd, struct socket **out)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if (!(*out = socket_of(f))) {
		file_put(f);
		return -ENOTSOCK;
	}
	return 0;
}

/* An address from the program (Linux's move_addr_to_kernel). */
static long addr_in(const void *u, int len, struct sockaddr_storage *k)
{
	if (len < 0 || (size_t)len > sizeof(*k))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	return len && uaccess_from(k, u, (size_t)len) ? -EFAULT : 0;
}

/* An address to the program: at most *ulen bytes of it, and its full
 * length in *ulen (Linux's move_addr_to_user). */
static long addr_out(const struct sockaddr_storage *k, socklen_t klen, void *u, socklen_t *ulen)
{
	int len;

	if (uaccess_get(len, ulen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if ((socklen_t)len > klen)
		len = (int)klen;
	if (len && uaccess_to(u, k, (size_t)len))
		return -EFAULT;
	return uaccess_put(ulen, klen) ? -EFAULT : 0;
}

/* Installs the file of a new socket: its descriptor, or an error (the
 * socket is closed). */
static long install(struct socket *s, bool cloexec)
{
	long fd = fd_install(s->file, 0, cloexec);

	if (fd < 0)
		file_put(s->file);
	return fd;
}

static long check_type(int *type, int *fflags)
{
	if (*type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	*fflags = *type & SOCK_NONBLOCK ? O_NONBLOCK : 0;
	return 0;
}

SYSCALL_DEFINE3(socket, int, domain, int, type, int, protocol)
{
	struct socket *s;
	int fflags;
	long r;

	if ((r = check_type(&type, &fflags)) ||
	    (r = socket_create(domain, type & 0xf, protocol, fflags, &s)))
		return r;
	return install(s, type & SOCK_CLOEXEC);
}

SYSCALL_DEFINE4(socketpair, int, domain, int, type, int, protocol, int *, usv)
{
	struct socket *pair[2];
	int fflags, fds[2];
	long r;

	if ((r = check_type(&type, &fflags)))
		return r;
	if ((r = socket_create_pair(domain, type & 0xf, protocol, fflags, pair)))
		return r;
	if (uaccess_writable(usv, sizeof(fds))) {
		file_put(pair[0]->file);
		file_put(pair[1]->file);
		return -EFAULT;
	}
	if ((fds[0] = (int)install(pair[0], type & SOCK_CLOEXEC)) < 0) {
		file_put(pair[1]->file);
		return fds[0];
	}
	if ((fds[1] = (int)install(pair[1], type & SOCK_CLOEXEC)) < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	if (uaccess_to(usv, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE3(bind, int, fd, const void *, uaddr, int, len)
{
	struct sockaddr_storage a;
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (!(r = addr_in(uaddr, len, &a)))
		r = socket_bind(s, (struct sockaddr *)&a, (socklen_t)len);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE3(connect, int, fd, const void *, uaddr, int, len)
{
	struct sockaddr_storage a;
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (!(r = addr_in(uaddr, len, &a)))
		do
			r = socket_connect(s, (struct sockaddr *)&a, (socklen_t)len);
		while (r == -EINTR && signal_restart(socket_restartable(s, true)));
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE2(listen, int, fd, int, backlog)
{
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	r = socket_listen(s, backlog);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE4(accept4, int, fd, void *, uaddr, socklen_t *, ulen, int, flags)
{
	struct sockaddr_storage a;
	struct socket *s, *ns;
	socklen_t len;
	long r;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if ((r = sock_get(fd, &s)))
		return r;
	do
		r = socket_accept(s, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0, &ns);
	while (r == -EINTR && signal_restart(socket_restartable(s, false)));
	file_put(s->file);
	if (r)
		return r;
	/* As Linux: the connection is taken before the address is copied,
	 * and lost when that fails. */
	if (uaddr && ((r = socket_getname(ns, &a, &len, true)) ||
		      (r = addr_out(&a, len, uaddr, ulen)))) {
		file_put(ns->file);
		return r;
	}
	return install(ns, flags & SOCK_CLOEXEC);
}

SYSCALL_DEFINE3(accept, int, fd, void *, uaddr, socklen_t *, ulen)
{
	return do_sys_accept4(fd, uaddr, ulen, 0);
}

static long getname(int fd, void *uaddr, socklen_t *ulen, bool peer)
{
	struct sockaddr_storage a;
	struct socket *s;
	socklen_t len;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (!(r = socket_getname(s, &a, &len, peer)))
		r = addr_out(&a, len, uaddr, ulen);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE3(getsockname, int, fd, void *, uaddr, socklen_t *, ulen)
{
	return getname(fd, uaddr, ulen, false);
}

SYSCALL_DEFINE3(getpeername, int, fd, void *, uaddr, socklen_t *, ulen)
{
	return getname(fd, uaddr, ulen, true);
}

SYSCALL_DEFINE2(shutdown, int, fd, int, how)
{
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	r = socket_shutdown(s, how);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE5(setsockopt, int, fd, int, level, int, name, const void *, uval, int, len)
{
	char val[OPT_MAX] = { 0 };
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (len < 0)
		r = -EINVAL;
	else if (uaccess_from(val, uval, len < OPT_MAX ? (size_t)len : OPT_MAX))
		r = -EFAULT;
	else
		r = socket_setopt(s, level, name, val, len < OPT_MAX ? (socklen_t)len : OPT_MAX);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE5(getsockopt, int, fd, int, level, int, name, void *, uval, socklen_t *, ulen)
{
	char val[OPT_MAX] = { 0 };
	struct socket *s;
	socklen_t len;
	int ilen;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (uaccess_get(ilen, (int *)ulen))
		r = -EFAULT;
	else if (ilen < 0)
		r = -EINVAL;
	else {
		len = ilen < OPT_MAX ? (socklen_t)ilen : OPT_MAX;
		if (!(r = socket_getopt(s, level, name, val, &len)))
			r = uaccess_to(uval, val, len) || uaccess_put(ulen, len) ? -EFAULT : 0;
	}
	file_put(s->file);
	return r;
}

/* --- messages --- */

/* A message the kernel can work on: its iovec array copied and checked,
 * with a kernel address buffer. */
struct kmsg {
	struct socket_msg m;
	struct sockaddr_storage addr;
	struct iovec small[8], *iov;
};

static void kmsg_free(struct kmsg *k)
{
	if (k->iov != k->small)
		kfree(k->iov);
}

/* Checks and copies an iovec array (Linux's import_iovec): -EMSGSIZE for
 * too many, -EINVAL for a negative length, -EFAULT for a buffer outside
 * the program. The total is cut at IO_MAX. */
static long kmsg_iov(struct kmsg *k, const struct iovec *uiov, size_t cnt)
{
	size_t total = 0;

	if (cnt > MSG_IOV_MAX)
		return -EMSGSIZE;
	k->iov = k->small;
	if (cnt > sizeof(k->small) / sizeof(k->small[0]) && !(k->iov = kmalloc(cnt * sizeof(*k->iov))))
		return -ENOMEM;
	if (cnt && uaccess_from(k->iov, uiov, cnt * sizeof(*k->iov))) {
		kmsg_free(k);
		return -EFAULT;
	}
	for (size_t i = 0; i < cnt; i++) {
		struct iovec *v = &k->iov[i];
		if ((ssize_t)v->iov_len < 0) {
			kmsg_free(k);
			return -EINVAL;
		}
		if (v->iov_len > (size_t)IO_MAX - total)
			v->iov_len = (size_t)IO_MAX - total;
		if (!uaccess_ok(v->iov_base, v->iov_len)) {
			kmsg_free(k);
			return -EFAULT;
		}
		total += v->iov_len;
	}
	k->m = (struct socket_msg){ .iov = k->iov, .iovcnt = (int)cnt, .len = total };
	return 0;
}

/* A message header from the program, for sending or receiving. */
static long kmsg_get(struct kmsg *k, const struct user_msghdr *u, struct user_msghdr *h, bool send)
{
	long r;

	if (uaccess_get(*h, u))
		return -EFAULT;
	if (h->iovlen > MSG_IOV_MAX)
		return -EMSGSIZE;
	if (!h->name)
		h->namelen = 0;
	if (h->namelen < 0)
		return -EINVAL;
	if ((size_t)h->namelen > sizeof(k->addr)) /* as Linux: cut, not refused */
		h->namelen = sizeof(k->addr);
	if ((r = kmsg_iov(k, h->iov, h->iovlen)))
		return r;
	if (send && h->name && h->namelen) {
		if ((r = addr_in(h->name, h->namelen, &k->addr))) {
			kmsg_free(k);
			return r;
		}
		k->m.addr = &k->addr;
		k->m.addrlen = (socklen_t)h->namelen;
	} else if (!send && h->name) {
		k->m.addr = &k->addr;
	}
	return 0;
}

static ssize_t send_k(struct socket *s, struct kmsg *k, int flags)
{
	ssize_t r;

	do
		r = socket_send(s, &k->m, flags);
	while (r == -EINTR && signal_restart(socket_restartable(s, true)));
	return r;
}

static ssize_t recv_k(struct socket *s, struct kmsg *k, int flags)
{
	ssize_t r;

	do
		r = socket_recv(s, &k->m, flags);
	while (r == -EINTR && signal_restart(socket_restartable(s, false)));
	return r;
}

SYSCALL_DEFINE6(sendto, int, fd, const void *, buf, size_t, n, int, flags, const void *, uaddr,
		int, alen)
{
	struct socket *s;
	struct kmsg k;
	struct iovec v = { (void *)buf, n > IO_MAX ? IO_MAX : n };
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (!uaccess_ok(buf, v.iov_len))
		r = -EFAULT;
	else if (!(r = uaddr ? addr_in(uaddr, alen, &k.addr) : 0)) {
		k.m = (struct socket_msg){ .iov = &v, .iovcnt = 1, .len = v.iov_len };
		if (uaddr && alen) {
			k.m.addr = &k.addr;
			k.m.addrlen = (socklen_t)alen;
		}
		r = send_k(s, &k, flags);
	}
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE6(recvfrom, int, fd, void *, buf, size_t, n, int, flags, void *, uaddr,
		socklen_t *, ulen)
{
	struct socket *s;
	struct kmsg k;
	struct iovec v = { buf, n > IO_MAX ? IO_MAX : n };
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	if (!uaccess_ok(buf, v.iov_len)) {
		file_put(s->file);
		return -EFAULT;
	}
	k.m = (struct socket_msg){ .iov = &v, .iovcnt = 1, .len = v.iov_len,
				   .addr = uaddr ? &k.addr : NULL };
	if ((r = recv_k(s, &k, flags)) >= 0 && uaddr) {
		long e = addr_out(&k.addr, k.m.addrlen, uaddr, ulen);
		if (e)
			r = e;
	}
	file_put(s->file);
	return r;
}

static long sendmsg_one(struct socket *s, struct user_msghdr *u, int flags)
{
	struct user_msghdr h;
	struct kmsg k;
	long r;

	if ((r = kmsg_get(&k, u, &h, true)))
		return r;
	r = send_k(s, &k, flags);
	kmsg_free(&k);
	return r;
}

static long recvmsg_one(struct socket *s, struct user_msghdr *u, int flags)
{
	struct user_msghdr h;
	struct kmsg k;
	long r, e = 0;

	if ((r = kmsg_get(&k, u, &h, false)))
		return r;
	if ((r = recv_k(s, &k, flags)) >= 0) {
		size_t none = 0;
		if (h.name) {
			socklen_t full = k.m.addrlen, len = (socklen_t)h.namelen;
			if (len > full)
				len = full;
			if (len && uaccess_to(h.name, &k.addr, len))
				e = -EFAULT;
			int v = (int)full;
			e = e ?: uaccess_put(&u->namelen, v);
		}
		unsigned fl = (unsigned)k.m.out_flags;
		e = e ?: uaccess_put(&u->flags, fl);
		e = e ?: uaccess_put(&u->controllen, none); /* no control messages */
		if (e)
			r = e;
	}
	kmsg_free(&k);
	return r;
}

SYSCALL_DEFINE3(sendmsg, int, fd, void *, umsg, int, flags)
{
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	r = sendmsg_one(s, umsg, flags);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE3(recvmsg, int, fd, void *, umsg, int, flags)
{
	struct socket *s;
	long r;

	if ((r = sock_get(fd, &s)))
		return r;
	r = recvmsg_one(s, umsg, flags);
	file_put(s->file);
	return r;
}

SYSCALL_DEFINE4(sendmmsg, int, fd, void *, uvec, unsigned, vlen, int, flags)
{
	struct user_mmsghdr *mv = uvec;
	struct socket *s;
	long r = 0;
	unsigned i;

	if ((r = sock_get(fd, &s)))
		return r;
	if (vlen > MSG_IOV_MAX)
		vlen = MSG_IOV_MAX;
	for (i = 0; i < vlen; i++) {
		if ((r = sendmsg_one(s, &mv[i].hdr, flags)) < 0)
			break;
		unsigned n = (unsigned)r;
		if ((r = uaccess_put(&mv[i].len, n)))
			break;
	}
	file_put(s->file);
	return i ? (long)i : r;
}

SYSCALL_DEFINE5(recvmmsg, int, fd, void *, uvec, unsigned, vlen, int, flags,
		struct timespec *, utimeout)
{
	struct user_mmsghdr *mv = uvec;
	uint64_t deadline = 0, ns;
	struct socket *s;
	long r = 0;
	unsigned i;

	if (utimeout) {
		if ((r = time_get_timespec(utimeout, &ns)))
			return r;
		deadline = time_after(ns);
	}
	if ((r = sock_get(fd, &s)))
		return r;
	if (vlen > MSG_IOV_MAX)
		vlen = MSG_IOV_MAX;
	for (i = 0; i < vlen; i++) {
		if ((r = recvmsg_one(s, &mv[i].hdr, flags & ~MSG_WAITFORONE)) < 0)
			break;
		unsigned n = (unsigned)r;
		if ((r = uaccess_put(&mv[i].len, n)))
			break;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		/* As Linux: the timeout is looked at after each message. */
		if (utimeout && time_ns() >= deadline) {
			i++;
			break;
		}
	}
	file_put(s->file);
	if (utimeout) {
		uint64_t now = time_ns(), left = now < deadline ? deadline - now : 0;
		struct timespec ts = time_ns_timespec(left);
		if (uaccess_put(utimeout, ts) && !i)
			return -EFAULT;
	}
	return i ? (long)i : r;
}

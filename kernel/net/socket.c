/*
 * Sockets as open files (include/unishyper/socket.h): the file kind
 * "socket", the families' registry, the sleep and wake helpers every
 * family blocks with, the message cursor, and the SOL_SOCKET options
 * that need no family (types, timeouts, buffer sizes, flags).
 *
 * It relies on the families for everything a protocol decides, and on
 * kernel/wait.c for sleeping: a socket's sequence number makes the sleep
 * condition, so a family's own lock never has to be held by a sleeper.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/socket.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

#define FAMILY_MAX 46 /* Linux's AF_MAX */

static socket_create_fn families[FAMILY_MAX] = {
	[AF_UNIX] = unix_socket_create,
};

static uint64_t socket_next_ino = 1;

int socket_register_family(int domain, socket_create_fn create)
{
	if (domain <= 0 || domain >= FAMILY_MAX || !create)
		return -EINVAL;
	socket_create_fn none = NULL;
	return __atomic_compare_exchange_n(&families[domain], &none, create, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ?
		       0 :
		       -EEXIST;
}

/* --- blocking --- */

bool socket_nonblock(struct socket *s, int flags)
{
	return (flags & MSG_DONTWAIT) || (__atomic_load_n(&s->file->flags, __ATOMIC_RELAXED) & O_NONBLOCK);
}

uint64_t socket_deadline(struct socket *s, bool send)
{
	uint64_t t = send ? s->sndtimeo : s->rcvtimeo;

	return t ? time_after(t) : SCHED_FOREVER;
}

bool socket_restartable(struct socket *s, bool send)
{
	return !(send ? s->sndtimeo : s->rcvtimeo);
}

uint32_t socket_wait_seq(struct socket *s)
{
	return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
}

struct sleeper {
	struct socket *s;
	uint32_t seq;
};

static bool moved(void *arg)
{
	struct sleeper *w = arg;

	return __atomic_load_n(&w->s->seq, __ATOMIC_ACQUIRE) != w->seq;
}

int socket_sleep(struct socket *s, uint32_t seq, uint64_t deadline)
{
	struct sleeper w = { s, seq };
	int r = waitq_wait(&s->wq, moved, &w, deadline, true);

	return r == -ETIMEDOUT ? -EAGAIN : r;
}

void socket_wake(struct socket *s)
{
	__atomic_add_fetch(&s->seq, 1, __ATOMIC_RELEASE);
	waitq_wake_all(&s->wq);
}

/* --- the message cursor --- */

void socket_msg_init(struct socket_msg *m, struct iovec *one, void *buf, size_t n)
{
	*one = (struct iovec){ buf, n };
	*m = (struct socket_msg){ .iov = one, .iovcnt = 1, .len = n };
}

static int msg_move(struct socket_msg *m, void *k, size_t n, bool in)
{
	int seg = m->seg;
	size_t off = m->seg_off;
	char *p = k;

	while (n) {
		const struct iovec *v = &m->iov[seg];
		size_t c = v->iov_len - off < n ? v->iov_len - off : n;
		char *u = (char *)v->iov_base + off;
		if (c && (in ? uaccess_copy(p, u, c) : uaccess_copy(u, p, c)))
			return -EFAULT;
		p += c, n -= c, off += c;
		if (off == v->iov_len && seg + 1 < m->iovcnt)
			seg++, off = 0;
	}
	m->done += (size_t)(p - (char *)k);
	m->seg = seg;
	m->seg_off = off;
	return 0;
}

int socket_msg_from(struct socket_msg *m, void *k, size_t n)
{
	return msg_move(m, k, n, true);
}

int socket_msg_to(struct socket_msg *m, const void *k, size_t n)
{
	return msg_move(m, (void *)k, n, false);
}

/* --- the file kind --- */

static ssize_t sock_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct socket_msg m;
	struct iovec v;

	if (off)
		return -ESPIPE;
	if (!n) /* read(2) of nothing returns at once, as on Linux */
		return 0;
	socket_msg_init(&m, &v, buf, n);
	return socket_recv(f->priv, &m, 0);
}

static ssize_t sock_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct socket_msg m;
	struct iovec v;

	if (off)
		return -ESPIPE;
	socket_msg_init(&m, &v, (void *)buf, n);
	return socket_send(f->priv, &m, 0);
}

static short sock_poll(struct file *f, short events, struct poll_table *pt)
{
	struct socket *s = f->priv;

	poll_wait(pt, &s->wq);
	return s->ops && s->ops->poll ? s->ops->poll(s) : 0;
}

static long sock_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct socket *s = f->priv;

	if (cmd == FIONBIO) {
		int on;
		if (uaccess_get(on, (int *)arg))
			return -EFAULT;
		if (on)
			__atomic_fetch_or(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&f->flags, ~O_NONBLOCK, __ATOMIC_RELAXED);
		return 0;
	}
	return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static int sock_stat(struct file *f, struct vfs_attr *a)
{
	struct socket *s = f->priv;

	*a = (struct vfs_attr){ .ino = s->ino, .mode = S_IFSOCK | 0777, .nlink = 1, .blksize = 4096 };
	return 0;
}

static void socket_free(struct socket *s)
{
	kfree(s);
}

static void sock_close(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops && s->ops->release)
		s->ops->release(s);
	socket_free(s);
}

static const struct file_ops socket_file_ops = {
	.read = sock_read, .write = sock_write, .ioctl = sock_ioctl, .poll = sock_poll,
	.stat = sock_stat, .close = sock_close,
};

struct socket *socket_of(struct file *f)
{
	return f->ops == &socket_file_ops ? f->priv : NULL;
}

/* A socket with its file and Linux's default options; NULL without
 * memory. */
static struct socket *socket_alloc(int domain, int type, int protocol, int fflags)
{
	struct socket *s = kzalloc(sizeof(*s));

	if (!s)
		return NULL;
	*s = (struct socket){ .domain = domain, .type = type, .protocol = protocol,
			      .sndbuf = SOCKET_BUF_DEFAULT, .rcvbuf = SOCKET_BUF_DEFAULT,
			      .rcvlowat = 1 };
	s->ino = __atomic_fetch_add(&socket_next_ino, 1, __ATOMIC_RELAXED);
	waitq_init(&s->wq);
	if (!(s->file = file_alloc(&socket_file_ops, s, O_RDWR | (fflags & O_NONBLOCK)))) {
		kfree(s);
		return NULL;
	}
	return s;
}

/* --- the operations the system calls use --- */

int socket_create(int domain, int type, int protocol, int fflags, struct socket **out)
{
	socket_create_fn create;
	struct socket *s;
	int r;

	if (domain < 0 || domain >= FAMILY_MAX)
		return -EAFNOSUPPORT;
	if (type < 0 || type > SOCK_PACKET)
		return -EINVAL;
	if (!(create = __atomic_load_n(&families[domain], __ATOMIC_ACQUIRE)))
		return -EAFNOSUPPORT;
	if (!(s = socket_alloc(domain, type, protocol, fflags)))
		return -ENOMEM;
	if ((r = create(s, type, protocol))) {
		s->ops = NULL;
		file_put(s->file);
		return r;
	}
	*out = s;
	return 0;
}

int socket_create_pair(int domain, int type, int protocol, int fflags, struct socket *pair[2])
{
	int r;

	if ((r = socket_create(domain, type, protocol, fflags, &pair[0])))
		return r;
	if ((r = socket_create(domain, type, protocol, fflags, &pair[1]))) {
		file_put(pair[0]->file);
		return r;
	}
	r = pair[0]->ops->socketpair ? pair[0]->ops->socketpair(pair[0], pair[1]) : -EOPNOTSUPP;
	if (r) {
		file_put(pair[0]->file);
		file_put(pair[1]->file);
	}
	return r;
}

int socket_bind(struct socket *s, const struct sockaddr *addr, socklen_t len)
{
	return s->ops->bind ? s->ops->bind(s, addr, len) : -EOPNOTSUPP;
}

int socket_connect(struct socket *s, const struct sockaddr *addr, socklen_t len)
{
	bool nb = __atomic_load_n(&s->file->flags, __ATOMIC_RELAXED) & O_NONBLOCK;

	return s->ops->connect ? s->ops->connect(s, addr, len, nb) : -EOPNOTSUPP;
}

int socket_listen(struct socket *s, int backlog)
{
	int r;

	if ((unsigned)backlog > SOCKET_SOMAXCONN)
		backlog = SOCKET_SOMAXCONN;
	if (!s->ops->listen)
		return -EOPNOTSUPP;
	if (!(r = s->ops->listen(s, backlog)))
		s->listening = true;
	return r;
}

int socket_accept(struct socket *s, int fflags, struct socket **out)
{
	struct socket *ns;
	int r;

	if (!s->ops->accept)
		return -EOPNOTSUPP;
	if (!(ns = socket_alloc(s->domain, s->type, s->protocol, fflags)))
		return -ENOMEM;
	ns->ops = s->ops;
	if ((r = s->ops->accept(s, ns, socket_nonblock(s, 0)))) {
		ns->ops = NULL;
		file_put(ns->file);
		return r;
	}
	*out = ns;
	return 0;
}

ssize_t socket_send(struct socket *s, struct socket_msg *m, int flags)
{
	ssize_t r = s->ops->sendmsg ? s->ops->sendmsg(s, m, flags) : -EOPNOTSUPP;

	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		signal_send(current(), SIGPIPE);
	return r;
}

ssize_t socket_recv(struct socket *s, struct socket_msg *m, int flags)
{
	return s->ops->recvmsg ? s->ops->recvmsg(s, m, flags) : -EOPNOTSUPP;
}

int socket_shutdown(struct socket *s, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	return s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
}

int socket_getname(struct socket *s, struct sockaddr_storage *addr, socklen_t *len, bool peer)
{
	memset(addr, 0, sizeof(*addr));
	return s->ops->getname ? s->ops->getname(s, addr, len, peer) : -EOPNOTSUPP;
}

/* --- SOL_SOCKET options --- */

/* x86_64 numbers of the timeouts: the old ones (a 64-bit struct timeval
 * here) and the _NEW ones, which have the same layout. */
#define SO_RCVTIMEO_OLD_ 20
#define SO_SNDTIMEO_OLD_ 21
#define SO_RCVTIMEO_NEW_ 66
#define SO_SNDTIMEO_NEW_ 67

static int set_timeout(uint64_t *to, const void *val, socklen_t len)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) /* Linux: no wait at all */
		*to = 1;
	else if (!tv.tv_sec && !tv.tv_usec)
		*to = 0;
	else
		*to = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000;
	return 0;
}

static int bufsize(int v, int min)
{
	if (v < 0 || v > SOCKET_BUF_MAX)
		v = v < 0 ? 0 : SOCKET_BUF_MAX;
	return v * 2 < min ? min : v * 2;
}

int socket_setopt(struct socket *s, int level, int name, const void *val, socklen_t len)
{
	int v = 0, r = 0;

	if (level != SOL_SOCKET)
		return s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) : -EOPNOTSUPP;
	switch (name) {
	case SO_RCVTIMEO_OLD_:
	case SO_RCVTIMEO_NEW_:
		return set_timeout(&s->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD_:
	case SO_SNDTIMEO_NEW_:
		return set_timeout(&s->sndtimeo, val, len);
	case SO_LINGER:
		if (len < sizeof(struct linger))
			return -EINVAL;
		memcpy(&s->linger, val, sizeof(s->linger));
		s->linger.l_onoff = !!s->linger.l_onoff;
		break;
	default:
		if (len < sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		switch (name) {
		case SO_REUSEADDR: s->reuseaddr = v; break;
		case SO_REUSEPORT: s->reuseport = v; break;
		case SO_KEEPALIVE: s->keepalive = v; break;
		case SO_BROADCAST: s->broadcast = v; break;
		case SO_DONTROUTE: s->dontroute = v; break;
		case SO_OOBINLINE: s->oobinline = v; break;
		case SO_PASSCRED: s->passcred = v; break;
		case SO_PRIORITY:
			if (v < 0 || v > 6)
				return -EPERM;
			s->priority = v;
			break;
		case SO_RCVLOWAT: s->rcvlowat = v < 1 ? 1 : v; break;
		case SO_SNDBUF:
		case SO_SNDBUFFORCE: s->sndbuf = bufsize(v, SOCKET_SNDBUF_MIN); break;
		case SO_RCVBUF:
		case SO_RCVBUFFORCE: s->rcvbuf = bufsize(v, SOCKET_RCVBUF_MIN); break;
		default:
			return s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) :
						    -ENOPROTOOPT;
		}
	}
	if (s->ops->setsockopt && (r = s->ops->setsockopt(s, level, name, val, len)) == -ENOPROTOOPT)
		r = 0;
	socket_wake(s); /* a bigger buffer may make room */
	return r;
}

static int put_timeout(uint64_t ns, void *val, socklen_t *len)
{
	struct timeval tv = { (time_t)(ns / NSEC_PER_SEC), (suseconds_t)(ns % NSEC_PER_SEC / 1000) };
	socklen_t n = *len < sizeof(tv) ? *len : sizeof(tv);

	memcpy(val, &tv, n);
	*len = n;
	return 0;
}

int socket_getopt(struct socket *s, int level, int name, void *val, socklen_t *len)
{
	int v, r;

	if (level != SOL_SOCKET)
		return s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, len) : -EOPNOTSUPP;
	switch (name) {
	case SO_TYPE: v = s->type; break;
	case SO_DOMAIN: v = s->domain; break;
	case SO_PROTOCOL: v = s->protocol; break;
	case SO_ACCEPTCONN: v = s->listening; break;
	case SO_REUSEADDR: v = s->reuseaddr; break;
	case SO_REUSEPORT: v = s->reuseport; break;
	case SO_KEEPALIVE: v = s->keepalive; break;
	case SO_BROADCAST: v = s->broadcast; break;
	case SO_DONTROUTE: v = s->dontroute; break;
	case SO_OOBINLINE: v = s->oobinline; break;
	case SO_PASSCRED: v = s->passcred; break;
	case SO_PRIORITY: v = s->priority; break;
	case SO_RCVLOWAT: v = s->rcvlowat; break;
	case SO_SNDLOWAT: v = 1; break;
	case SO_SNDBUF: v = s->sndbuf; break;
	case SO_RCVBUF: v = s->rcvbuf; break;
	case SO_RCVTIMEO_OLD_:
	case SO_RCVTIMEO_NEW_:
		return put_timeout(s->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD_:
	case SO_SNDTIMEO_NEW_:
		return put_timeout(s->sndtimeo, val, len);
	case SO_LINGER: {
		socklen_t n = *len < sizeof(s->linger) ? *len : sizeof(s->linger);
		memcpy(val, &s->linger, n);
		*len = n;
		return 0;
	}
	case SO_ERROR:
		if (s->ops->getsockopt && (r = s->ops->getsockopt(s, level, name, val, len)) != -ENOPROTOOPT)
			return r;
		v = __atomic_exchange_n(&s->error, 0, __ATOMIC_RELAXED);
		break;
	default:
		return s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, len) : -ENOPROTOOPT;
	}
	if (*len > sizeof(v))
		*len = sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}

/*
 * AF_UNIX sockets (include/unishyper/socket.h): SOCK_STREAM, SOCK_DGRAM
 * and SOCK_SEQPACKET between threads of the image.
 *
 * Each socket's receive queue holds buffers (struct unix_skb) of the
 * bytes or datagrams sent to it; a buffer counts against its sender's
 * SO_SNDBUF until it is read (Linux's model: a writer blocks when its
 * unread bytes reach its send buffer; a datagram may be at most the send
 * buffer less 32 bytes). A datagram receiver that is not connected back to
 * a sender takes at most 11 queued datagrams from it (net.unix.
 * max_dgram_qlen 10), a listener at most backlog + 1 connections waiting
 * for accept, as on Linux.
 *
 * Names. The VFS has no socket nodes, so a path name lives in a kernel
 * table keyed by the absolute path: bind creates no file, fails with
 * EADDRINUSE when the path is bound or names an existing file, and
 * ENOENT/ENOTDIR when its folder does not exist; the name is freed when
 * the socket closes (unlink cannot remove it). Abstract names (a leading
 * NUL) live in the same table; binding to an empty name (only the family)
 * autobinds an abstract name of five hex digits.
 *
 * One mutex (unix_lock) guards every socket, queue and name: a connection
 * touches two sockets and a name lookup a third, and none of it is hot
 * enough to need finer locks. Bytes are copied to and from the program
 * under it (page faults may sleep; nothing of the fault path takes it).
 * A reader, accept, or a writer waiting for its own buffer sleeps on its
 * socket (socket_sleep); a writer waiting for another socket (a full
 * backlog or datagram queue) sleeps on one queue for the whole family,
 * woken whenever such room appears, since the other socket's struct
 * socket may go away while it sleeps. unix_socks are reference counted:
 * the socket, a peer and every queued buffer hold one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <unishyper/kmalloc.h>
#include <unishyper/list.h>
#include <unishyper/mutex.h>
#include <unishyper/sched.h>
#include <unishyper/socket.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

#define RCV_SHUT 1
#define SEND_SHUT 2
#define DGRAM_QLEN 10
#define CHUNK_MAX 65536
#define SUN_PATH_OFF 2 /* offsetof(struct sockaddr_un, sun_path) */

enum { UNCONNECTED, LISTENING, CONNECTED };

struct unix_sock;

struct unix_skb {
	struct list_node link;
	struct unix_sock *from; /* holds a reference; the bytes count in its wmem */
	size_t len, off;        /* off: bytes of a stream buffer already read */
	char data[];
};

struct unix_sock {
	struct socket *sock; /* NULL while waiting for accept, and after release */
	int type, state, refs, shut, error;
	bool dead;
	struct unix_sock *peer; /* holds a reference */
	/* the name: the address as getsockname shows it, and the table key */
	struct sockaddr_un addr;
	socklen_t addrlen; /* 0: unbound */
	char *key;
	size_t keylen;
	struct list_node named; /* in names, when bound */
	struct list_node rxq;
	size_t rxbytes;
	int rxcount;
	size_t wmem; /* bytes sent, not yet read */
	struct list_node pending; /* listener: connections waiting for accept */
	int npending, backlog;
	struct list_node plink; /* in the listener's pending list */
};

static struct mutex unix_lock = MUTEX_INIT(unix_lock);
static struct list_node names = LIST_INIT(names);
static unsigned autobind_next;
static struct waitq room_wq = WAITQ_INIT(room_wq);
static uint32_t room_seq;

static const struct socket_ops unix_stream_ops, unix_dgram_ops;

static struct unix_sock *us_new(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (u) {
		u->type = type;
		u->refs = 1;
		list_init(&u->rxq);
		list_init(&u->pending);
		list_init(&u->named);
	}
	return u;
}

static struct unix_sock *us_get(struct unix_sock *u)
{
	u->refs++;
	return u;
}

static void us_put(struct unix_sock *u)
{
	if (--u->refs)
		return;
	kfree(u->key);
	kfree(u);
}

static bool connected_type(const struct unix_sock *u)
{
	return u->type != SOCK_DGRAM;
}

static int sndbuf(const struct unix_sock *u)
{
	return u->sock ? u->sock->sndbuf : SOCKET_BUF_DEFAULT;
}

static void wake(struct unix_sock *u)
{
	if (u && u->sock)
		socket_wake(u->sock);
}

static void room_changed(void)
{
	__atomic_add_fetch(&room_seq, 1, __ATOMIC_RELEASE);
	waitq_wake_all(&room_wq);
}

static bool room_moved(void *arg)
{
	return __atomic_load_n(&room_seq, __ATOMIC_ACQUIRE) != *(uint32_t *)arg;
}

/* Sleeps, without unix_lock, until room appears anywhere: 0, -EAGAIN at
 * the deadline, -EINTR. */
static int wait_room(uint64_t deadline)
{
	uint32_t seq = __atomic_load_n(&room_seq, __ATOMIC_ACQUIRE);

	mutex_unlock(&unix_lock);
	int r = waitq_wait(&room_wq, room_moved, &seq, deadline, true);
	mutex_lock(&unix_lock);
	return r == -ETIMEDOUT ? -EAGAIN : r;
}

/* Sleeps, without unix_lock, until s is woken. */
static int wait_on(struct socket *s, uint64_t deadline)
{
	uint32_t seq = socket_wait_seq(s);

	mutex_unlock(&unix_lock);
	int r = socket_sleep(s, seq, deadline);
	mutex_lock(&unix_lock);
	return r;
}

/* Takes b off its queue: its bytes leave the sender's count. */
static void skb_free(struct unix_sock *u, struct unix_skb *b)
{
	list_remove(&b->link);
	u->rxcount--;
	b->from->wmem -= b->len;
	wake(b->from);
	us_put(b->from);
	kfree(b);
	room_changed();
}

/* --- names --- */

struct name {
	struct sockaddr_un addr;
	socklen_t addrlen;
	char *key; /* kmalloc'd: the absolute path, or the abstract bytes */
	size_t keylen;
	bool path;
};

/* Checks a program's address (-EINVAL) and makes its key. */
static int name_parse(const struct sockaddr *sa, socklen_t len, struct name *n)
{
	const struct sockaddr_un *a = (const void *)sa;
	int r;

	if (len <= SUN_PATH_OFF || len > sizeof(*a) || sa->sa_family != AF_UNIX)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	memcpy(&n->addr, a, len);
	if (!a->sun_path[0]) {
		n->addrlen = len;
		n->keylen = len - SUN_PATH_OFF;
		if (!(n->key = kmalloc(n->keylen)))
			return -ENOMEM;
		memcpy(n->key, a->sun_path, n->keylen);
		return 0;
	}
	char path[sizeof(a->sun_path) + 1];
	memcpy(path, a->sun_path, len - SUN_PATH_OFF);
	path[len - SUN_PATH_OFF] = 0;
	n->path = true;
	n->addrlen = SUN_PATH_OFF + strlen(path) + 1;
	if (n->addrlen > sizeof(n->addr))
		n->addrlen = sizeof(n->addr);
	if (!(n->key = kmalloc(VFS_PATH_MAX)))
		return -ENOMEM;
	if ((r = vfs_normalize(path, n->key))) {
		kfree(n->key);
		return r;
	}
	n->keylen = strlen(n->key);
	return 0;
}

static struct unix_sock *name_find(const struct name *n)
{
	struct list_node *p;

	list_for_each(p, &names) {
		struct unix_sock *u = list_entry(p, struct unix_sock, named);
		if (u->keylen == n->keylen && (u->addr.sun_path[0] != 0) == n->path &&
		    !memcmp(u->key, n->key, n->keylen))
			return u;
	}
	return NULL;
}

/* The error for a name nobody listens on: a path that names no file is
 * ENOENT, anything else ECONNREFUSED. */
static int name_refused(const struct name *n)
{
	struct vfs_attr a;

	return n->path && vfs_stat(n->key, &a) ? -ENOENT : -ECONNREFUSED;
}

/* Whether a path may be bound: its folder exists, the path names nothing. */
static int path_free(const char *key)
{
	char dir[VFS_PATH_MAX];
	struct vfs_attr a;
	const char *slash = strrchr(key, '/');
	size_t n = slash > key ? (size_t)(slash - key) : 1;
	int r;

	memcpy(dir, key, n);
	dir[n] = 0;
	if ((r = vfs_stat(dir, &a)))
		return r;
	if (!S_ISDIR(a.mode))
		return -ENOTDIR;
	return vfs_stat(key, &a) ? 0 : -EADDRINUSE;
}

static void name_take(struct unix_sock *u, struct name *n)
{
	u->addr = n->addr;
	u->addrlen = n->addrlen;
	u->key = n->key;
	u->keylen = n->keylen;
	n->key = NULL;
	list_push_back(&names, &u->named);
}

static int autobind(struct unix_sock *u)
{
	for (int tries = 0; tries < 0x100000; tries++) {
		struct name n = { .addrlen = SUN_PATH_OFF + 6, .keylen = 6 };
		n.addr.sun_family = AF_UNIX;
		snprintf(n.addr.sun_path + 1, 6, "%05x", autobind_next++ & 0xfffff);
		n.key = n.addr.sun_path;
		if (name_find(&n))
			continue;
		if (!(n.key = kmalloc(6)))
			return -ENOMEM;
		memcpy(n.key, n.addr.sun_path, 6);
		name_take(u, &n);
		return 0;
	}
	return -ENOSPC;
}

static int unix_bind(struct socket *s, const struct sockaddr *addr, socklen_t len)
{
	struct unix_sock *u = s->priv;
	struct name n;
	int r;

	if (len == SUN_PATH_OFF && addr->sa_family == AF_UNIX) {
		mutex_lock(&unix_lock);
		r = u->addrlen ? -EINVAL : autobind(u);
		mutex_unlock(&unix_lock);
		return r;
	}
	if ((r = name_parse(addr, len, &n)))
		return r;
	if (!n.path || !(r = path_free(n.key))) {
		/* As Linux: a path is checked before the socket, which makes
		 * its node first; an abstract name after. */
		mutex_lock(&unix_lock);
		if (n.path && name_find(&n))
			r = -EADDRINUSE;
		else if (u->addrlen)
			r = -EINVAL;
		else if (name_find(&n))
			r = -EADDRINUSE;
		else
			name_take(u, &n);
		mutex_unlock(&unix_lock);
	}
	kfree(n.key);
	return r;
}

/* --- life --- */

static void connect_pair(struct unix_sock *a, struct unix_sock *b)
{
	a->peer = us_get(b);
	b->peer = us_get(a);
	a->state = b->state = CONNECTED;
}

/* The socket u goes: its peer sees the end, its queue and its waiting
 * connections go. */
static void us_kill(struct unix_sock *u, bool embryo)
{
	struct unix_sock *peer = u->peer;
	struct list_node *p, *t;

	u->dead = true;
	u->shut = RCV_SHUT | SEND_SHUT;
	if (u->addrlen && !list_empty(&u->named))
		list_remove(&u->named);
	list_init(&u->named);
	if (peer) {
		u->peer = NULL;
		if (connected_type(u)) {
			peer->shut = RCV_SHUT | SEND_SHUT;
			if (!list_empty(&u->rxq) || embryo)
				peer->error = ECONNRESET;
		}
		wake(peer);
		us_put(peer);
	}
	list_for_each_safe(p, t, &u->rxq)
		skb_free(u, list_entry(p, struct unix_skb, link));
	u->rxbytes = 0;
	list_for_each_safe(p, t, &u->pending) {
		struct unix_sock *e = list_entry(p, struct unix_sock, plink);
		list_remove(&e->plink);
		us_kill(e, true);
		us_put(e);
	}
	u->npending = 0;
	room_changed();
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = s->priv;

	mutex_lock(&unix_lock);
	u->sock = NULL;
	us_kill(u, false);
	us_put(u);
	mutex_unlock(&unix_lock);
}

int unix_socket_create(struct socket *s, int type, int protocol)
{
	struct unix_sock *u;

	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case SOCK_RAW: /* Linux takes it for SOCK_DGRAM */
		s->type = type = SOCK_DGRAM;
		/* fallthrough */
	case SOCK_DGRAM:
		s->ops = &unix_dgram_ops;
		break;
	case SOCK_STREAM:
	case SOCK_SEQPACKET:
		s->ops = &unix_stream_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	if (!(u = us_new(type)))
		return -ENOMEM;
	u->sock = s;
	s->priv = u;
	return 0;
}

static int unix_socketpair(struct socket *a, struct socket *b)
{
	mutex_lock(&unix_lock);
	connect_pair(a->priv, b->priv);
	mutex_unlock(&unix_lock);
	return 0;
}

/* --- connections --- */

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = s->priv;
	int r = 0;

	mutex_lock(&unix_lock);
	if (!u->addrlen || u->state == CONNECTED)
		r = -EINVAL;
	else {
		u->backlog = backlog;
		u->state = LISTENING;
		room_changed();
	}
	mutex_unlock(&unix_lock);
	return r;
}

static int stream_connect(struct socket *s, const struct sockaddr *addr, socklen_t len, bool nonblock)
{
	struct unix_sock *u = s->priv, *l, *e = NULL;
	uint64_t deadline = socket_deadline(s, true);
	struct name n;
	int r;

	if ((r = name_parse(addr, len, &n)))
		return r;
	/* Linux's order: the listener, its backlog, then this socket. */
	mutex_lock(&unix_lock);
	for (;;) {
		if (!(l = name_find(&n))) {
			mutex_unlock(&unix_lock);
			r = name_refused(&n);
			kfree(n.key);
			kfree(e);
			return r;
		}
		if (l->type != u->type) {
			r = -EPROTOTYPE;
			break;
		}
		if (l->state != LISTENING || (l->shut & RCV_SHUT)) {
			r = -ECONNREFUSED;
			break;
		}
		if (l->npending > l->backlog) {
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			if ((r = wait_room(deadline)))
				break;
			continue;
		}
		if (u->state != UNCONNECTED) {
			r = u->state == CONNECTED ? -EISCONN : -EINVAL;
			break;
		}
		if (!e && !(e = us_new(u->type))) {
			r = -ENOMEM;
			break;
		}
		e->addr = l->addr;
		e->addrlen = l->addrlen;
		connect_pair(u, e);
		list_push_back(&l->pending, &e->plink);
		l->npending++;
		e = NULL;
		wake(l);
		wake(u);
		break;
	}
	mutex_unlock(&unix_lock);
	kfree(n.key);
	kfree(e);
	return r;
}

static int unix_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	struct unix_sock *u = s->priv, *e;
	uint64_t deadline = socket_deadline(s, false);
	int r = 0;

	mutex_lock(&unix_lock);
	for (;;) {
		if (u->state != LISTENING) {
			r = -EINVAL;
			break;
		}
		if (!list_empty(&u->pending)) {
			e = list_entry(list_pop_front(&u->pending), struct unix_sock, plink);
			u->npending--;
			e->sock = ns;
			ns->priv = e;
			room_changed();
			break;
		}
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if ((r = wait_on(s, deadline)))
			break;
	}
	mutex_unlock(&unix_lock);
	return r;
}

static int dgram_connect(struct socket *s, const struct sockaddr *addr, socklen_t len, bool nonblock)
{
	struct unix_sock *u = s->priv, *t;
	struct name n;
	int r = 0;

	if (len >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
		mutex_lock(&unix_lock);
		if (u->peer)
			us_put(u->peer);
		u->peer = NULL;
		u->state = UNCONNECTED;
		mutex_unlock(&unix_lock);
		return 0;
	}
	if ((r = name_parse(addr, len, &n)))
		return r;
	mutex_lock(&unix_lock);
	if (!(t = name_find(&n))) {
		mutex_unlock(&unix_lock);
		r = name_refused(&n);
		kfree(n.key);
		return r;
	}
	if (t->type != u->type)
		r = -EPROTOTYPE;
	else if (t->peer && t->peer != u)
		r = -EPERM;
	else {
		if (u->peer)
			us_put(u->peer);
		u->peer = us_get(t);
		u->state = CONNECTED;
	}
	mutex_unlock(&unix_lock);
	kfree(n.key);
	return r;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = s->priv, *peer;
	int mode = how + 1; /* SHUT_RD 0 -> RCV_SHUT 1, ... */

	mutex_lock(&unix_lock);
	u->shut |= mode;
	if ((peer = u->peer) && connected_type(u)) {
		peer->shut |= (mode & RCV_SHUT ? SEND_SHUT : 0) | (mode & SEND_SHUT ? RCV_SHUT : 0);
		wake(peer);
	}
	wake(u);
	room_changed();
	mutex_unlock(&unix_lock);
	return 0;
}

/* --- data --- */

/* Queues n bytes of m (one buffer) on t from u: 0, -ENOMEM, -EFAULT. */
static int enqueue(struct unix_sock *u, struct unix_sock *t, struct socket_msg *m, size_t n)
{
	struct unix_skb *b = kmalloc(sizeof(*b) + (n ? n : 1));

	if (!b)
		return -ENOMEM;
	if (socket_msg_from(m, b->data, n)) {
		kfree(b);
		return -EFAULT;
	}
	b->len = n;
	b->off = 0;
	b->from = us_get(u);
	u->wmem += n;
	list_push_back(&t->rxq, &b->link);
	t->rxbytes += n;
	t->rxcount++;
	wake(t);
	return 0;
}

static ssize_t stream_send(struct socket *s, struct socket_msg *m, int flags)
{
	struct unix_sock *u = s->priv;
	uint64_t deadline = socket_deadline(s, true);
	bool records = u->type == SOCK_SEQPACKET, nb = socket_nonblock(s, flags);
	ssize_t r = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addr && !records) {
		mutex_lock(&unix_lock);
		r = u->state == CONNECTED ? -EISCONN : -EOPNOTSUPP;
		mutex_unlock(&unix_lock);
		return r;
	}
	mutex_lock(&unix_lock);
	if (records && m->len > (size_t)sndbuf(u) - 32) {
		mutex_unlock(&unix_lock);
		return -EMSGSIZE;
	}
	do {
		struct unix_sock *peer = u->peer;
		if (u->state != CONNECTED || !peer) {
			r = -ENOTCONN;
			break;
		}
		if ((u->shut & SEND_SHUT) || peer->dead || (peer->shut & RCV_SHUT)) {
			r = -EPIPE;
			break;
		}
		if (u->wmem >= (size_t)sndbuf(u)) {
			if (nb) {
				r = -EAGAIN;
				break;
			}
			if ((r = wait_on(s, deadline)))
				break;
			continue;
		}
		size_t c = socket_msg_left(m), most = (size_t)sndbuf(u) / 2 - 64;
		if (!records && c > most)
			c = most;
		if (!records && c > CHUNK_MAX)
			c = CHUNK_MAX;
		if ((r = enqueue(u, peer, m, c)))
			break;
	} while (socket_msg_left(m));
	mutex_unlock(&unix_lock);
	return m->done ? (ssize_t)m->done : r;
}

/* The source of what u reads: its peer's name. */
static void peer_name(struct unix_sock *from, struct socket_msg *m)
{
	if (!m->addr)
		return;
	m->addrlen = from ? from->addrlen : 0;
	if (m->addrlen)
		memcpy(m->addr, &from->addr, m->addrlen);
}

static ssize_t stream_recv(struct socket *s, struct socket_msg *m, int flags)
{
	struct unix_sock *u = s->priv;
	uint64_t deadline = socket_deadline(s, false);
	bool peek = flags & MSG_PEEK, nb = socket_nonblock(s, flags);
	size_t target = flags & MSG_WAITALL ? m->len : (size_t)s->rcvlowat;
	struct unix_sock *from = NULL;
	ssize_t r = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (target > m->len)
		target = m->len;
	if (!target)
		target = 1;
	mutex_lock(&unix_lock);
	if (u->state != CONNECTED) {
		mutex_unlock(&unix_lock);
		return -EINVAL;
	}
	struct list_node *p = u->rxq.next;
	size_t skip = 0; /* peeking: bytes of p already copied */
	for (;;) {
		if (p == &u->rxq) {
			if (m->done >= target)
				break;
			if (u->error) {
				r = -u->error;
				u->error = 0;
				break;
			}
			if ((u->shut & RCV_SHUT) || nb) {
				r = u->shut & RCV_SHUT ? 0 : -EAGAIN;
				break;
			}
			if ((r = wait_on(s, deadline)))
				break;
			p = u->rxq.next;
			if (peek) /* start again: the peeked bytes are still first */
				m->done = 0, m->seg = 0, m->seg_off = 0, skip = 0;
			continue;
		}
		struct unix_skb *b = list_entry(p, struct unix_skb, link);
		size_t avail = b->len - b->off - skip, c = socket_msg_left(m) < avail ? socket_msg_left(m) : avail;
		from = b->from;
		if (socket_msg_to(m, b->data + b->off + skip, c)) {
			r = -EFAULT;
			break;
		}
		if (peek) {
			skip += c;
			if (skip == b->len - b->off)
				p = p->next, skip = 0;
		} else {
			b->off += c;
			u->rxbytes -= c;
			p = p->next;
			if (b->off == b->len)
				skb_free(u, b);
			else
				p = &b->link, wake(b->from);
		}
		if (!socket_msg_left(m))
			break;
	}
	peer_name(from ? from : u->peer, m);
	mutex_unlock(&unix_lock);
	return m->done ? (ssize_t)m->done : r;
}

/* One datagram or record. */
static ssize_t record_recv(struct socket *s, struct socket_msg *m, int flags)
{
	struct unix_sock *u = s->priv;
	uint64_t deadline = socket_deadline(s, false);
	bool nb = socket_nonblock(s, flags);
	ssize_t r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	if (u->type == SOCK_SEQPACKET && u->state != CONNECTED) {
		mutex_unlock(&unix_lock);
		return -ENOTCONN;
	}
	for (;;) {
		if (!list_empty(&u->rxq)) {
			struct unix_skb *b = list_entry(u->rxq.next, struct unix_skb, link);
			size_t c = b->len < m->len ? b->len : m->len;
			if (socket_msg_to(m, b->data, c)) {
				r = -EFAULT;
				break;
			}
			if (b->len > m->len)
				m->out_flags |= MSG_TRUNC;
			if (u->type == SOCK_SEQPACKET)
				m->out_flags |= MSG_EOR;
			peer_name(b->from, m);
			r = flags & MSG_TRUNC ? (ssize_t)b->len : (ssize_t)c;
			if (!(flags & MSG_PEEK)) {
				u->rxbytes -= b->len;
				skb_free(u, b);
			}
			break;
		}
		if (u->error) {
			r = -u->error;
			u->error = 0;
			break;
		}
		if (u->shut & RCV_SHUT) {
			r = 0;
			break;
		}
		if (nb) {
			r = -EAGAIN;
			break;
		}
		if ((r = wait_on(s, deadline)))
			break;
	}
	mutex_unlock(&unix_lock);
	return r;
}

static ssize_t unix_stream_recv(struct socket *s, struct socket_msg *m, int flags)
{
	struct unix_sock *u = s->priv;

	return u->type == SOCK_SEQPACKET ? record_recv(s, m, flags) : stream_recv(s, m, flags);
}

static ssize_t dgram_send(struct socket *s, struct socket_msg *m, int flags)
{
	struct unix_sock *u = s->priv, *t;
	uint64_t deadline = socket_deadline(s, true);
	bool nb = socket_nonblock(s, flags);
	struct name n = { 0 };
	ssize_t r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addr && (r = name_parse((struct sockaddr *)m->addr, m->addrlen, &n)))
		return r;
	mutex_lock(&unix_lock);
	for (;;) {
		if (m->len > (size_t)sndbuf(u) - 32) {
			r = -EMSGSIZE;
			break;
		}
		if (m->addr) {
			if (!(t = name_find(&n))) {
				mutex_unlock(&unix_lock);
				r = name_refused(&n);
				kfree(n.key);
				return r;
			}
		} else if (!(t = u->peer)) {
			r = -ENOTCONN;
			break;
		}
		if (t->dead) {
			if (t == u->peer) {
				u->peer = NULL;
				u->state = UNCONNECTED;
				us_put(t);
			}
			r = -ECONNREFUSED;
			break;
		}
		if (t->type != u->type) {
			r = -EPROTOTYPE;
			break;
		}
		if (t->peer && t->peer != u) {
			r = -EPERM;
			break;
		}
		if ((u->shut & SEND_SHUT) || (t->shut & RCV_SHUT)) {
			r = -EPIPE;
			break;
		}
		bool own = u->wmem >= (size_t)sndbuf(u);
		if (own || (t->peer != u && t->rxcount > DGRAM_QLEN)) {
			if (nb) {
				r = -EAGAIN;
				break;
			}
			if ((r = own ? wait_on(s, deadline) : wait_room(deadline)))
				break;
			continue;
		}
		r = enqueue(u, t, m, m->len) ?: (ssize_t)m->len;
		break;
	}
	mutex_unlock(&unix_lock);
	kfree(n.key);
	return r;
}

/* --- the rest --- */

static short unix_poll(struct socket *s)
{
	struct unix_sock *u = s->priv, *peer;
	short r = 0;

	mutex_lock(&unix_lock);
	if (u->error)
		r |= POLLERR;
	if (u->shut == (RCV_SHUT | SEND_SHUT))
		r |= POLLHUP;
	if (u->shut & RCV_SHUT)
		r |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rxq) || !list_empty(&u->pending))
		r |= POLLIN | POLLRDNORM;
	if (connected_type(u) && u->state == UNCONNECTED)
		r |= POLLHUP;
	bool writable = u->state != LISTENING && u->wmem * 4 <= (size_t)sndbuf(u);
	if (writable && !connected_type(u) && (peer = u->peer) && peer->peer != u &&
	    peer->rxcount > DGRAM_QLEN)
		writable = false;
	if (writable)
		r |= POLLOUT | POLLWRNORM | POLLWRBAND;
	mutex_unlock(&unix_lock);
	return r;
}

static int unix_getname(struct socket *s, struct sockaddr_storage *addr, socklen_t *len, bool peer)
{
	struct unix_sock *u = s->priv, *w = u;
	int r = 0;

	mutex_lock(&unix_lock);
	if (peer && ((connected_type(u) && u->state != CONNECTED) || !(w = u->peer)))
		r = -ENOTCONN;
	else if (w->addrlen) {
		memcpy(addr, &w->addr, w->addrlen);
		*len = w->addrlen;
	} else {
		addr->ss_family = AF_UNIX;
		*len = SUN_PATH_OFF;
	}
	mutex_unlock(&unix_lock);
	return r;
}

static long unix_ioctl(struct socket *s, unsigned long cmd, unsigned long arg)
{
	struct unix_sock *u = s->priv;
	int n = 0;

	if (cmd != FIONREAD && cmd != TIOCOUTQ)
		return -ENOTTY;
	mutex_lock(&unix_lock);
	if (cmd == TIOCOUTQ)
		n = (int)u->wmem;
	else if (u->state == LISTENING)
		n = -EINVAL;
	else if (u->type == SOCK_STREAM)
		n = (int)u->rxbytes;
	else if (!list_empty(&u->rxq))
		n = (int)list_entry(u->rxq.next, struct unix_skb, link)->len;
	mutex_unlock(&unix_lock);
	return n < 0 ? n : uaccess_put((int *)arg, n);
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, socklen_t *len)
{
	struct unix_sock *u = s->priv;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name != SO_PEERCRED)
		return -ENOPROTOOPT;
	mutex_lock(&unix_lock);
	struct ucred c = u->peer ? (struct ucred){ 1, 0, 0 } : (struct ucred){ 0, -1, -1 };
	mutex_unlock(&unix_lock);
	if (*len > sizeof(c))
		*len = sizeof(c);
	memcpy(val, &c, *len);
	return 0;
}

static const struct socket_ops unix_stream_ops = {
	.bind = unix_bind, .connect = stream_connect, .listen = unix_listen,
	.accept = unix_accept, .socketpair = unix_socketpair, .sendmsg = stream_send,
	.recvmsg = unix_stream_recv, .shutdown = unix_shutdown, .getsockopt = unix_getsockopt,
	.getname = unix_getname, .poll = unix_poll, .ioctl = unix_ioctl, .release = unix_release,
};

static const struct socket_ops unix_dgram_ops = {
	.bind = unix_bind, .connect = dgram_connect, .socketpair = unix_socketpair,
	.sendmsg = dgram_send, .recvmsg = record_recv, .shutdown = unix_shutdown,
	.getsockopt = unix_getsockopt, .getname = unix_getname, .poll = unix_poll,
	.ioctl = unix_ioctl, .release = unix_release,
};

/*
 * AF_INET and AF_INET6 sockets, TCP and UDP, on lwIP's raw API
 * (include/unishyper/socket.h is the contract).
 *
 * lwIP's core lock (net_lock) is the lock of every socket of these
 * families: lwIP calls the callbacks below with it held (from the tcpip
 * thread, a driver's receive thread or a program's thread that entered
 * the core), and the socket operations take it for every look at a
 * socket's state. Waits follow the generic layer's pattern: read the
 * wake-up sequence under the lock, drop it, sleep, take it again.
 *
 * TCP: received segments are kept as lwIP delivered them (a pbuf chain)
 * and the window is reopened (tcp_recved) as the program reads. Sends
 * copy the program's bytes into lwIP's send buffer (tcp_write), bounded
 * by it. A listening socket takes connections as lwIP completes them and
 * holds them, counted against lwIP's backlog, until accept(2).
 *
 * UDP: datagrams wait in a queue with their sources, bounded by the
 * receive buffer size; beyond it they are dropped, as Linux does.
 *
 * An AF_INET6 socket reaches IPv4 peers through v4-mapped addresses
 * (::ffff:a.b.c.d) unless IPV6_V6ONLY is set.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include <unishyper/kmalloc.h>
#include <unishyper/net.h>
#include <unishyper/socket.h>
#include <unishyper/uaccess.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "hostnet.h"

#define CHUNK (64 * 1024) /* bytes of a send copied in one go */

enum conn_state { ST_NEW, ST_CONNECTING, ST_CONNECTED, ST_LISTENING, ST_CLOSED };

struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t addr;
	u16_t port;
};

struct inet {
	struct socket *s; /* NULL while a connection waits for accept */
	bool v6, v6only;
	bool tcp;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
	} pcb;
	enum conn_state state;
	int err;          /* a connection's error, positive errno; 0 */
	bool rx_fin;      /* the peer sent FIN */
	bool shut_rd, shut_wr;
	/* A nonblocking connect that returned EINPROGRESS: the next
	 * connect(2) after it completed reports its outcome (Linux). */
	bool connect_pending;
	bool bound_addr;  /* bind(2) chose a local address (UDP keeps it) */
	/* Host network (hostnet.h): bound to 127.0.0.1, which became "any";
	 * the port the host forwards to this listener, 0 for none. */
	bool loopback_bind;
	u16_t forwarded;
	/* TCP: bytes received, not yet read, as lwIP delivered them: pbufs
	 * linked by hand (a pbuf chain counts its length in 16 bits). */
	struct pbuf *rx, *rx_tail;
	size_t rx_bytes;
	/* A listener's completed connections, oldest first. */
	struct inet *acc_head, *acc_tail, *acc_next;
	int acc_count;
	/* Listeners sharing a port (SO_REUSEPORT) share one lwIP listen pcb
	 * and form a ring through rp_next (a listener alone points to
	 * itself); the pcb's argument is the one the next connection goes
	 * to. backlog is this listener's part of the pcb's backlog. */
	struct inet *rp_next;
	u16_t backlog;
	struct inet *listener; /* a connection waiting for accept: its listener */
	/* UDP: datagrams waiting. */
	struct dgram *dq_head, *dq_tail;
	size_t dq_bytes;
};

static const struct socket_ops inet_tcp_ops, inet_udp_ops;

static void wake(struct inet *in)
{
	if (in->s)
		socket_wake(in->s);
	else if (in->listener && in->listener->s)
		socket_wake(in->listener->s);
}

static int errno_of(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: return ENOMEM;
	case ERR_BUF: return ENOBUFS;
	case ERR_TIMEOUT: return ETIMEDOUT;
	case ERR_RTE: return ENETUNREACH;
	case ERR_INPROGRESS: return EINPROGRESS;
	case ERR_VAL: return EINVAL;
	case ERR_WOULDBLOCK: return EWOULDBLOCK;
	case ERR_USE: return EADDRINUSE;
	case ERR_ALREADY: return EALREADY;
	case ERR_ISCONN: return EISCONN;
	case ERR_CONN: return ENOTCONN;
	case ERR_IF: return ENETDOWN;
	case ERR_ABRT: return ECONNABORTED;
	case ERR_RST: return ECONNRESET;
	case ERR_CLSD: return ENOTCONN;
	case ERR_ARG: return EINVAL;
	default: return EIO;
	}
}

/* --- addresses --- */

/* The address and port of a program's sockaddr for a socket of in's
 * family: 0, -EINVAL (too short), -EAFNOSUPPORT (another family). */
static int addr_in(const struct inet *in, const struct sockaddr *sa, socklen_t len, ip_addr_t *ip,
		   u16_t *port)
{
	if (len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (!in->v6) {
		const struct sockaddr_in *a = (const void *)sa;
		if (len < (socklen_t)sizeof(*a))
			return -EINVAL;
		if (a->sin_family != AF_INET)
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, a->sin_addr.s_addr);
		*port = lwip_ntohs(a->sin_port);
		return 0;
	}
	const struct sockaddr_in6 *a = (const void *)sa;
	if (len < (socklen_t)sizeof(*a))
		return -EINVAL;
	if (a->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	const uint32_t *w = (const uint32_t *)&a->sin6_addr;
	if (w[0] == 0 && w[1] == 0 && w[2] == lwip_htonl(0xffff)) {
		if (in->v6only)
			return -ENETUNREACH;
		ip_addr_set_ip4_u32_val(*ip, w[3]);
	} else {
		IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
		/* A link-local address without a scope: the default interface. */
		if (a->sin6_scope_id)
			ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)a->sin6_scope_id);
		else if (ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN) && netif_default)
			ip6_addr_set_zone(ip_2_ip6(ip), netif_get_index(netif_default));
	}
	*port = lwip_ntohs(a->sin6_port);
	return 0;
}

/* Writes ip and port as a sockaddr of in's family; *len its length. */
static void addr_out(const struct inet *in, const ip_addr_t *ip, u16_t port,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (!in->v6) {
		struct sockaddr_in *a = (void *)ss;
		a->sin_family = AF_INET;
		a->sin_port = lwip_htons(port);
		a->sin_addr.s_addr = IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		*len = sizeof(*a);
		return;
	}
	struct sockaddr_in6 *a = (void *)ss;
	uint32_t *w = (uint32_t *)&a->sin6_addr;
	a->sin6_family = AF_INET6;
	a->sin6_port = lwip_htons(port);
	if (IP_IS_V4(ip)) {
		if (!ip4_addr_isany(ip_2_ip4(ip))) {
			w[2] = lwip_htonl(0xffff);
			w[3] = ip4_addr_get_u32(ip_2_ip4(ip));
		}
	} else {
		memcpy(w, ip_2_ip6(ip)->addr, 16);
		a->sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	*len = sizeof(*a);
}

/* Whether ip is "any" or an address of one of the interfaces. */
static bool addr_is_local(const ip_addr_t *ip)
{
	bool found = ip_addr_isany(ip);
	struct netif *n;

	if (found)
		return true;
	if (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip)))
		return true;
	net_lock();
	NETIF_FOREACH(n)
	{
		if (IP_IS_V4(ip) ? ip4_addr_cmp(netif_ip4_addr(n), ip_2_ip4(ip)) :
				   netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			found = true;
	}
	net_unlock();
	return found;
}

/* The "any" address a socket of in's family binds to by default. */
static void addr_any(const struct inet *in, ip_addr_t *ip)
{
	if (!in->v6)
		ip_addr_copy(*ip, *IP4_ADDR_ANY);
	else if (in->v6only)
		ip_addr_copy(*ip, *IP6_ADDR_ANY);
	else
		ip_addr_copy(*ip, *IP_ANY_TYPE);
}

/* An AF_INET6 socket bound to :: takes IPv4 too, unless v6only. */
static void bind_addr_fix(const struct inet *in, ip_addr_t *ip)
{
	if (in->v6 && !in->v6only && IP_IS_V6(ip) && ip6_addr_isany(ip_2_ip6(ip)))
		ip_addr_copy(*ip, *IP_ANY_TYPE);
}

/* --- TCP callbacks (core locked) --- */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet *in = arg;

	if (!p) {
		in->rx_fin = true;
	} else if (in->shut_rd) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	} else {
		struct pbuf *last = p;
		while (last->next)
			last = last->next;
		in->rx_bytes += p->tot_len;
		if (in->rx_tail)
			in->rx_tail->next = p;
		else
			in->rx = p;
		in->rx_tail = last;
	}
	wake(in);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	wake(arg);
	return ERR_OK;
}

/* lwIP freed the pcb: the connection is gone. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet *in = arg;

	in->pcb.tcp = NULL;
	/* As Linux: a refused or timed-out connect, EPIPE for a reset after
	 * the peer's FIN (CLOSE_WAIT), no error for a close completed in
	 * order (LAST_ACK acknowledged). */
	in->err = in->state == ST_CONNECTING && err == ERR_RST ? ECONNREFUSED :
		  in->state == ST_CONNECTING && err == ERR_ABRT ? ETIMEDOUT :
		  err == ERR_RST && in->rx_fin		       ? EPIPE :
		  err == ERR_CLSD			       ? 0 :
								 errno_of(err);
	in->state = ST_CLOSED;
	wake(in);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet *in = arg;

	in->state = ST_CONNECTED;
	wake(in);
	return ERR_OK;
}

static void tcp_hook(struct inet *in, struct tcp_pcb *pcb)
{
	in->pcb.tcp = pcb;
	tcp_arg(pcb, in);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

/* The listener of a port's group that takes the next connection (the
 * next one still accepting, round robin); NULL when none does. */
static struct inet *group_take(struct inet *l)
{
	struct inet *m = l;

	while (m->shut_rd) {
		m = m->rp_next;
		if (m == l)
			return NULL;
	}
	if (m->rp_next != m)
		tcp_arg(m->pcb.tcp, m->rp_next);
	return m;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet *l = arg, *in;

	if (err != ERR_OK || !pcb || !(l = group_take(l)))
		return ERR_VAL; /* lwIP resets it */
	in = kzalloc(sizeof(*in));
	if (!in)
		return ERR_MEM; /* lwIP aborts the connection */
	in->tcp = true;
	in->v6 = l->v6;
	in->v6only = l->v6only;
	in->state = ST_CONNECTED;
	in->listener = l;
	tcp_hook(in, pcb);
	tcp_backlog_delayed(pcb);
	if (l->acc_tail)
		l->acc_tail->acc_next = in;
	else
		l->acc_head = in;
	l->acc_tail = in;
	l->acc_count++;
	wake(l);
	return ERR_OK;
}

/* Frees the unread bytes. */
static void rx_free(struct inet *in)
{
	while (in->rx) {
		struct pbuf *q = in->rx;
		in->rx = q->next;
		q->next = NULL;
		pbuf_free(q);
	}
	in->rx_tail = NULL;
	in->rx_bytes = 0;
}

/* Drops n bytes from the front of the unread ones and reopens the window
 * by as much. */
static void rx_consume(struct inet *in, size_t n)
{
	size_t done = n;

	while (n) {
		struct pbuf *q = in->rx;
		if (n >= q->len) {
			n -= q->len;
			in->rx = q->next;
			q->next = NULL;
			pbuf_free(q);
		} else {
			pbuf_remove_header(q, (u16_t)n);
			n = 0;
		}
	}
	if (!in->rx)
		in->rx_tail = NULL;
	in->rx_bytes -= done;
	while (done && in->pcb.tcp) {
		u16_t k = (u16_t)(done > 0xffff ? 0xffff : done);
		tcp_recved(in->pcb.tcp, k);
		done -= k;
	}
}

/* Lets go of a TCP connection's pcb and buffers; core locked. */
static void tcp_drop(struct inet *in, bool abort)
{
	struct tcp_pcb *pcb = in->pcb.tcp;

	if (pcb) {
		tcp_arg(pcb, NULL);
		if (pcb->state == LISTEN) {
			tcp_accept(pcb, NULL);
			tcp_close(pcb);
		} else {
			tcp_recv(pcb, NULL);
			tcp_sent(pcb, NULL);
			tcp_err(pcb, NULL);
			if (abort || in->rx || tcp_close(pcb) != ERR_OK)
				tcp_abort(pcb); /* unread data: a reset, as Linux sends */
		}
		in->pcb.tcp = NULL;
	}
	rx_free(in);
}

/* Resets the connections a listener holds for accept; core locked. */
static void acc_reset(struct inet *l)
{
	struct inet *c;

	while ((c = l->acc_head)) {
		l->acc_head = c->acc_next;
		tcp_drop(c, true);
		kfree(c);
	}
	l->acc_tail = NULL;
	l->acc_count = 0;
}

/* --- TCP operations --- */

static struct inet *inet_of(struct socket *s)
{
	return s->priv;
}

/* Sleeps until s is woken, the deadline or a signal (the generic layer's
 * pattern): the core lock is dropped while it sleeps and held again on
 * return. 0, -EAGAIN or -EINTR. */
static int inet_sleep(struct socket *s, uint64_t deadline)
{
	uint32_t seq = socket_wait_seq(s);

	net_unlock();
	int r = socket_sleep(s, seq, deadline);
	net_lock();
	return r;
}

static int inet_bind(struct socket *s, const struct sockaddr *sa, socklen_t len)
{
	struct inet *in = inet_of(s);
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r = addr_in(in, sa, len, &ip, &port);

	if (r)
		return r;
	if (!addr_is_local(&ip))
		return -EADDRNOTAVAIL;
	bool loopback = in->tcp && hostnet_bind(&ip);
	bind_addr_fix(in, &ip);
	net_lock();
	if (in->tcp) {
		if (!in->pcb.tcp || in->state != ST_NEW || in->pcb.tcp->local_port)
			e = ERR_VAL;
		else
			e = tcp_bind(in->pcb.tcp, &ip, port);
	} else {
		e = in->pcb.udp->local_port ? ERR_VAL : udp_bind(in->pcb.udp, &ip, port);
	}
	if (e == ERR_OK) {
		in->bound_addr = !ip_addr_isany(&ip);
		in->loopback_bind = loopback;
	}
	net_unlock();
	return -errno_of(e);
}

static int tcp_wait_connected(struct inet *in, struct socket *s, uint64_t deadline)
{
	int r = 0;

	while (in->state == ST_CONNECTING) {
		r = inet_sleep(s, deadline);
		if (r)
			break;
	}
	if (in->state == ST_CONNECTING)
		return r == -EAGAIN ? -EINPROGRESS : r;
	if (in->state != ST_CONNECTED) {
		r = -in->err;
		in->err = 0;
		return r ? r : -ECONNREFUSED;
	}
	return 0;
}

static int inet_tcp_connect(struct socket *s, const struct sockaddr *sa, socklen_t len,
			    bool nonblock)
{
	struct inet *in = inet_of(s);
	ip_addr_t ip;
	u16_t port;
	int r = addr_in(in, sa, len, &ip, &port);

	if (r == -EAFNOSUPPORT && sa->sa_family == AF_UNSPEC) {
		/* Dissolving a connection is offered only where there is none
		 * (Linux's tcp_disconnect of an unconnected socket). */
		net_lock();
		r = in->state == ST_NEW ? 0 : -EINVAL;
		net_unlock();
		return r;
	}
	if (r)
		return r;
	hostnet_outgoing(&ip, port);
	net_lock();
	switch (in->state) {
	case ST_CONNECTING:
		r = nonblock ? -EALREADY : tcp_wait_connected(in, s, socket_deadline(s, true));
		if (r != -EALREADY && r != -EINPROGRESS)
			in->connect_pending = false;
		net_unlock();
		return r;
	case ST_CONNECTED:
		r = in->connect_pending ? 0 : -EISCONN;
		in->connect_pending = false;
		net_unlock();
		return r;
	case ST_LISTENING:
	case ST_CLOSED:
		r = in->err ? -in->err : -EISCONN;
		in->err = 0;
		if (in->state == ST_CLOSED && r == -EISCONN)
			r = in->connect_pending ? -ECONNABORTED : -EINVAL;
		in->connect_pending = false;
		net_unlock();
		return r;
	case ST_NEW:
		break;
	}
	err_t e = tcp_connect(in->pcb.tcp, &ip, port, tcp_connected_cb);
	if (e != ERR_OK) {
		net_unlock();
		return e == ERR_VAL ? -EINVAL : -errno_of(e);
	}
	in->state = ST_CONNECTING;
	r = nonblock ? -EINPROGRESS : tcp_wait_connected(in, s, socket_deadline(s, true));
	in->connect_pending = r == -EINPROGRESS;
	net_unlock();
	return r;
}

/* Sets a group's listen pcb's backlog to the sum of its listeners'. */
static void group_backlog(struct inet *in)
{
	u32_t sum = 0;
	struct inet *m = in;
	u16_t bl;

	do {
		sum += m->backlog;
		m = m->rp_next;
	} while (m != in);
	bl = (u16_t)(sum > 0xffff ? 0xffff : sum);
	tcp_backlog_set(in->pcb.tcp, bl);
}

/* SO_REUSEPORT: a socket bound to the address and port of a listener
 * that has it too joins that listener's group instead of listening on
 * its own; returns the group's pcb, or NULL (the port is taken). Core
 * locked. */
static struct tcp_pcb *group_join(struct inet *in)
{
	struct tcp_pcb *own = in->pcb.tcp;
	struct tcp_pcb_listen *l;

	if (!in->s->reuseport)
		return NULL;
	for (l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		struct inet *o = l->callback_arg;
		if (l->local_port != own->local_port || !ip_addr_cmp(&l->local_ip, &own->local_ip) ||
		    !o || !o->s || !o->s->reuseport)
			continue;
		tcp_close(own); /* only bound: it never sent anything */
		in->pcb.tcp = (struct tcp_pcb *)l;
		in->state = ST_LISTENING;
		in->rp_next = o->rp_next;
		o->rp_next = in;
		group_backlog(in);
		return in->pcb.tcp;
	}
	return NULL;
}

/* Takes a listener out of its group; false when it was alone (its pcb is
 * then its own to close). Core locked. */
static bool group_leave(struct inet *in)
{
	struct inet *prev = in;

	if (!in->rp_next || in->rp_next == in)
		return false;
	while (prev->rp_next != in)
		prev = prev->rp_next;
	prev->rp_next = in->rp_next;
	if (in->pcb.tcp->callback_arg == in)
		tcp_arg(in->pcb.tcp, in->rp_next);
	group_backlog(prev);
	in->rp_next = in;
	in->pcb.tcp = NULL;
	return true;
}

/* Whether the host forwards its loopback to this listener: on a host
 * network, for a listener on any IPv4 address (or 127.0.0.1). Core
 * locked. */
static bool forwardable(const struct inet *in)
{
	const ip_addr_t *ip = &in->pcb.tcp->local_ip;

	if (!hostnet_on())
		return false;
	return in->loopback_bind || IP_IS_ANY_TYPE_VAL(*ip) || (IP_IS_V4(ip) && ip4_addr_isany(ip_2_ip4(ip)));
}

static int inet_listen(struct socket *s, int backlog)
{
	struct inet *in = inet_of(s);
	err_t e = ERR_OK;
	struct tcp_pcb *l;

	u16_t bl = (u16_t)(backlog < 1 ? 1 : backlog); /* at most SOCKET_SOMAXCONN */

	net_lock();
	if (in->state == ST_LISTENING) {
		in->backlog = bl;
		group_backlog(in);
		net_unlock();
		return 0;
	}
	if (in->state != ST_NEW) {
		net_unlock();
		return -EINVAL;
	}
	if (!in->pcb.tcp->local_port) {
		ip_addr_t any;
		addr_any(in, &any);
		e = tcp_bind(in->pcb.tcp, &any, 0);
	}
	if (e == ERR_OK && !in->forwarded && forwardable(in)) {
		u16_t port = in->pcb.tcp->local_port;
		net_unlock();
		int r = hostnet_listen(port);
		if (r)
			return r;
		net_lock();
		in->forwarded = port;
	}
	l = e == ERR_OK ? tcp_listen_with_backlog_and_err(in->pcb.tcp, bl, &e) : NULL;
	in->backlog = bl;
	if (!l && e == ERR_USE && (l = group_join(in))) {
		net_unlock();
		return 0;
	}
	if (!l) {
		u16_t port = in->forwarded;
		in->forwarded = 0;
		net_unlock();
		if (port)
			hostnet_unlisten(port);
		return -errno_of(e ? e : ERR_MEM);
	}
	in->pcb.tcp = l;
	in->state = ST_LISTENING;
	in->rp_next = in;
	tcp_arg(l, in);
	tcp_accept(l, tcp_accept_cb);
	net_unlock();
	return 0;
}

static int inet_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	struct inet *l = inet_of(s), *in;
	uint64_t deadline = socket_deadline(s, false);
	int r;

	net_lock();
	while (!l->acc_head) {
		if (l->state != ST_LISTENING || l->shut_rd) {
			net_unlock();
			return -EINVAL;
		}
		if (nonblock) {
			net_unlock();
			return -EAGAIN;
		}
		r = inet_sleep(s, deadline);
		if (r) {
			net_unlock();
			return r;
		}
	}
	in = l->acc_head;
	l->acc_head = in->acc_next;
	if (!l->acc_head)
		l->acc_tail = NULL;
	l->acc_count--;
	in->acc_next = NULL;
	in->listener = NULL;
	in->s = ns;
	ns->priv = in;
	if (in->pcb.tcp)
		tcp_backlog_accepted(in->pcb.tcp);
	net_unlock();
	return 0;
}

/* Bytes of the receive queue copied to the message (all of them or what
 * fits); with peek, the queue stays. Core locked. */
static int tcp_take(struct inet *in, struct socket_msg *m, bool peek, size_t *moved)
{
	size_t want = socket_msg_left(m), avail = in->rx_bytes;
	size_t n = want < avail ? want : avail, off = 0;

	for (struct pbuf *q = in->rx; q && off < n; q = q->next) {
		size_t k = q->len < n - off ? q->len : n - off;
		if (socket_msg_to(m, q->payload, k))
			return -EFAULT;
		off += k;
	}
	*moved = n;
	if (!peek && n)
		rx_consume(in, n);
	return 0;
}

static ssize_t inet_tcp_recvmsg(struct socket *s, struct socket_msg *m, int flags)
{
	struct inet *in = inet_of(s);
	bool nonblock = socket_nonblock(s, flags), peek = flags & MSG_PEEK;
	uint64_t deadline = socket_deadline(s, false);
	size_t total = 0;
	int r = 0;

	if (flags & MSG_OOB)
		return -EINVAL;
	net_lock();
	if (in->state == ST_LISTENING || in->state == ST_NEW || in->state == ST_CONNECTING) {
		net_unlock();
		return -ENOTCONN;
	}
	for (;;) {
		size_t moved = 0;
		r = tcp_take(in, m, peek, &moved);
		if (r)
			break;
		total += moved;
		if (!socket_msg_left(m) || (total && (peek || !(flags & MSG_WAITALL))))
			break;
		if (in->rx_fin || in->shut_rd || !m->len)
			break;
		if (in->err) {
			if (!total) {
				r = -in->err;
				in->err = 0;
			}
			break;
		}
		if (in->state == ST_CLOSED)
			break;
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		r = inet_sleep(s, deadline);
		if (r)
			break;
	}
	if (in->pcb.tcp && total && !peek)
		tcp_output(in->pcb.tcp); /* the window update */
	net_unlock();
	return total ? (ssize_t)total : r;
}

/* Room in lwIP's send buffer worth waking a writer for. */
static bool tcp_writable(const struct tcp_pcb *pcb)
{
	return tcp_sndbuf(pcb) >= TCP_SNDLOWAT && tcp_sndqueuelen(pcb) < TCP_SNDQUEUELOWAT;
}

static ssize_t inet_tcp_sendmsg(struct socket *s, struct socket_msg *m, int flags)
{
	struct inet *in = inet_of(s);
	bool nonblock = socket_nonblock(s, flags);
	uint64_t deadline = socket_deadline(s, true);
	size_t total = 0, left = socket_msg_left(m);
	size_t bsize = left < CHUNK ? left : CHUNK;
	uint8_t *bounce = bsize ? kmalloc(bsize) : NULL;
	int r = 0;

	if (bsize && !bounce)
		return -ENOMEM;
	net_lock();
	while (left) {
		struct tcp_pcb *pcb = in->pcb.tcp;
		if (in->err) {
			r = -in->err;
			in->err = 0;
			break;
		}
		if (in->state == ST_CONNECTING) {
			/* Linux waits for the connection (EAGAIN without waiting). */
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			r = inet_sleep(s, deadline);
			if (r)
				break;
			continue;
		}
		if (in->state != ST_CONNECTED || !pcb) {
			r = -EPIPE; /* never connected, listening or gone: as Linux */
			break;
		}
		if (in->shut_wr) {
			r = -EPIPE;
			break;
		}
		size_t room = tcp_sndbuf(pcb);
		if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 1)
			room = 0;
		if (!room) {
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			r = inet_sleep(s, deadline);
			if (r)
				break;
			continue;
		}
		size_t n = left < room ? left : room;
		if (n > bsize)
			n = bsize;
		if (socket_msg_from(m, bounce, n)) {
			r = -EFAULT;
			break;
		}
		u8_t wflags = TCP_WRITE_FLAG_COPY | (n < left || (flags & MSG_MORE) ? TCP_WRITE_FLAG_MORE : 0);
		err_t e;
		/* Copied already: on a shortage of memory for segments, wait for
		 * acknowledgements to free some, then offer the same bytes. */
		while ((e = tcp_write(pcb, bounce, (u16_t)n, wflags)) == ERR_MEM && !nonblock) {
			tcp_output(pcb);
			r = inet_sleep(s, deadline);
			pcb = in->pcb.tcp;
			if (r || !pcb)
				break;
		}
		if (r || !pcb)
			break;
		if (e != ERR_OK) {
			r = e == ERR_MEM ? -EAGAIN : -errno_of(e);
			break;
		}
		total += n;
		left -= n;
	}
	if (in->pcb.tcp && total && !(flags & MSG_MORE))
		tcp_output(in->pcb.tcp);
	net_unlock();
	kfree(bounce);
	return total ? (ssize_t)total : r;
}

static int inet_shutdown(struct socket *s, int how)
{
	struct inet *in = inet_of(s);
	int r = 0;

	net_lock();
	if (in->tcp && in->state != ST_CONNECTED && in->state != ST_CLOSED) {
		if (in->state == ST_LISTENING && how != SHUT_WR) {
			/* Linux stops a listener on SHUT_RD: accept fails (also in
			 * a thread blocked in it) and connections are reset. */
			in->shut_rd = true;
			acc_reset(in);
			socket_wake(s);
		} else {
			r = -ENOTCONN;
		}
		net_unlock();
		return r;
	}
	if (how != SHUT_WR)
		in->shut_rd = true;
	if (how != SHUT_RD && !in->shut_wr) {
		in->shut_wr = true;
		if (in->tcp && in->pcb.tcp)
			tcp_shutdown(in->pcb.tcp, 0, 1);
	}
	if (!in->tcp && !in->pcb.udp->remote_port)
		r = -ENOTCONN;
	socket_wake(s);
	net_unlock();
	return r;
}

static short inet_tcp_poll(struct socket *s)
{
	struct inet *in = inet_of(s);
	short ev = 0;

	net_lock();
	switch (in->state) {
	case ST_LISTENING:
		if (in->acc_head || in->shut_rd)
			ev |= POLLIN | POLLRDNORM;
		break;
	case ST_NEW:
		ev |= POLLOUT | POLLWRNORM | POLLHUP;
		break;
	case ST_CONNECTING:
		break;
	case ST_CONNECTED:
	case ST_CLOSED:
		if (in->rx || in->rx_fin || in->shut_rd)
			ev |= POLLIN | POLLRDNORM;
		if (in->rx_fin || in->shut_rd)
			ev |= POLLRDHUP;
		if (in->state == ST_CONNECTED && in->pcb.tcp && !in->shut_wr &&
		    tcp_writable(in->pcb.tcp))
			ev |= POLLOUT | POLLWRNORM;
		if (in->state == ST_CLOSED) {
			ev |= POLLIN | POLLRDNORM | POLLHUP | POLLOUT | POLLWRNORM;
			if (in->err)
				ev |= POLLERR;
		} else if (in->rx_fin && in->shut_wr) {
			ev |= POLLHUP;
		}
		break;
	}
	net_unlock();
	return ev;
}

/* --- UDP --- */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port)
{
	struct inet *in = arg;
	struct dgram *d;
	size_t limit = in->s ? (size_t)in->s->rcvbuf : SOCKET_BUF_DEFAULT;

	if (in->shut_rd || in->dq_bytes + p->tot_len > limit || !(d = kmalloc(sizeof(*d)))) {
		pbuf_free(p);
		return;
	}
	d->next = NULL;
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	if (in->dq_tail)
		in->dq_tail->next = d;
	else
		in->dq_head = d;
	in->dq_tail = d;
	in->dq_bytes += p->tot_len;
	wake(in);
}

/* A UDP socket's local address back to "any" of its kind; core locked. */
static void udp_local_any(struct inet *in)
{
	addr_any(in, &in->pcb.udp->local_ip);
}

static int inet_udp_connect(struct socket *s, const struct sockaddr *sa, socklen_t len,
			    bool nonblock)
{
	struct inet *in = inet_of(s);
	ip_addr_t ip;
	u16_t port;
	err_t e;
	int r;

	if (len >= (socklen_t)sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC) {
		net_lock();
		udp_disconnect(in->pcb.udp);
		if (!in->bound_addr)
			udp_local_any(in);
		net_unlock();
		return 0;
	}
	r = addr_in(in, sa, len, &ip, &port);
	if (r)
		return r;
	net_lock();
	e = udp_connect(in->pcb.udp, &ip, port);
	if (e == ERR_OK && !in->bound_addr) {
		/* As Linux: the source address the route gives becomes the
		 * socket's (getsockname shows it, and only datagrams to it
		 * arrive), until the socket is dissolved. */
		struct netif *n = ip_route(&in->pcb.udp->local_ip, &ip);
		const ip_addr_t *src = n ? ip_netif_get_local_ip(n, &ip) : NULL;
		if (src && !ip_addr_isany(src))
			ip_addr_copy(in->pcb.udp->local_ip, *src);
	}
	net_unlock();
	return -errno_of(e);
}

static ssize_t inet_udp_sendmsg(struct socket *s, struct socket_msg *m, int flags)
{
	struct inet *in = inet_of(s);
	size_t len = socket_msg_left(m);
	ip_addr_t ip;
	u16_t port = 0;
	struct pbuf *p;
	err_t e;

	if (len > 65507 - (in->v6 ? 20 : 0))
		return -EMSGSIZE;
	if (m->addr) {
		if (m->addrlen < (socklen_t)sizeof(sa_family_t))
			return -EINVAL;
		/* Linux's udp_sendmsg and udpv6_sendmsg: AF_UNSPEC is AF_INET
		 * to an AF_INET socket and no address to an AF_INET6 one, which
		 * also takes an AF_INET address unless IPV6_V6ONLY. */
		struct sockaddr_in *a4 = (struct sockaddr_in *)m->addr;
		if (a4->sin_family == AF_UNSPEC && in->v6) {
			m->addr = NULL;
		} else if (a4->sin_family == AF_UNSPEC || (in->v6 && a4->sin_family == AF_INET)) {
			if (m->addrlen < (socklen_t)sizeof(*a4))
				return -EINVAL;
			if (in->v6only)
				return -ENETUNREACH;
			ip_addr_set_ip4_u32_val(ip, a4->sin_addr.s_addr);
			port = lwip_ntohs(a4->sin_port);
		} else {
			int r = addr_in(in, (const struct sockaddr *)m->addr, m->addrlen, &ip, &port);
			if (r)
				return r == -EAFNOSUPPORT && in->v6 ? -EINVAL : r;
		}
		if (m->addr && !port)
			return -EINVAL;
	}
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (len && socket_msg_from(m, p->payload, len)) {
		pbuf_free(p);
		return -EFAULT;
	}
	net_lock();
	if (in->shut_wr) {
		e = ERR_CLSD;
	} else if (m->addr) {
		e = udp_sendto(in->pcb.udp, p, &ip, port);
	} else if (!(in->pcb.udp->flags & UDP_FLAGS_CONNECTED)) {
		net_unlock();
		pbuf_free(p);
		return -EDESTADDRREQ;
	} else {
		e = udp_send(in->pcb.udp, p);
	}
	net_unlock();
	pbuf_free(p);
	if (e == ERR_CLSD)
		return -EPIPE;
	return e == ERR_OK ? (ssize_t)len : -errno_of(e);
}

static ssize_t inet_udp_recvmsg(struct socket *s, struct socket_msg *m, int flags)
{
	struct inet *in = inet_of(s);
	bool nonblock = socket_nonblock(s, flags);
	uint64_t deadline = socket_deadline(s, false);
	struct dgram *d;
	int r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	net_lock();
	while (!(d = in->dq_head)) {
		if (in->shut_rd) {
			net_unlock();
			return 0;
		}
		if (nonblock) {
			net_unlock();
			return -EAGAIN;
		}
		r = inet_sleep(s, deadline);
		if (r) {
			net_unlock();
			return r;
		}
	}
	size_t full = d->p->tot_len, want = socket_msg_left(m), n = full < want ? full : want;
	size_t off = 0;
	r = 0;
	for (struct pbuf *q = d->p; q && off < n; q = q->next) {
		size_t k = q->len < n - off ? q->len : n - off;
		if (socket_msg_to(m, q->payload, k)) {
			r = -EFAULT;
			break;
		}
		off += k;
	}
	if (!r && m->addr)
		addr_out(in, &d->addr, d->port, m->addr, &m->addrlen);
	if (!r && n < full)
		m->out_flags |= MSG_TRUNC;
	if (!r && !(flags & MSG_PEEK)) {
		in->dq_head = d->next;
		if (!in->dq_head)
			in->dq_tail = NULL;
		in->dq_bytes -= full;
	} else {
		d = NULL;
	}
	net_unlock();
	if (d) {
		pbuf_free(d->p);
		kfree(d);
	}
	if (r)
		return r;
	return (flags & MSG_TRUNC) ? (ssize_t)full : (ssize_t)n;
}

static short inet_udp_poll(struct socket *s)
{
	struct inet *in = inet_of(s);
	short ev = POLLOUT | POLLWRNORM;

	net_lock();
	if (in->dq_head || in->shut_rd)
		ev |= POLLIN | POLLRDNORM;
	if (in->shut_rd)
		ev |= POLLRDHUP;
	if (in->shut_rd && in->shut_wr)
		ev |= POLLHUP;
	net_unlock();
	return ev;
}

/* --- common --- */

static int opt_int(const void *val, socklen_t len, int *v)
{
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(*v));
	return 0;
}

static struct ip_pcb *ip_pcb(struct inet *in)
{
	return in->tcp ? (struct ip_pcb *)in->pcb.tcp : (struct ip_pcb *)in->pcb.udp;
}

static int inet_setsockopt(struct socket *s, int level, int name, const void *val, socklen_t len)
{
	struct inet *in = inet_of(s);
	int v, r = opt_int(val, len, &v);
	struct ip_pcb *pcb;

	if (level == SOL_SOCKET && name == SO_LINGER)
		return 0;
	if (r)
		return r;
	net_lock();
	pcb = ip_pcb(in);
	r = 0;
	if (level == SOL_SOCKET) {
		u8_t opt = name == SO_REUSEADDR || name == SO_REUSEPORT ? SOF_REUSEADDR :
			   name == SO_KEEPALIVE			   ? SOF_KEEPALIVE :
			   name == SO_BROADCAST			   ? SOF_BROADCAST :
									     0;
		if (!opt)
			r = -ENOPROTOOPT;
		else if (pcb && v)
			ip_set_option(pcb, opt);
		else if (pcb && !(opt == SOF_REUSEADDR && (s->reuseaddr || s->reuseport)))
			ip_reset_option(pcb, opt);
	} else if (level == IPPROTO_TCP && in->tcp) {
		struct tcp_pcb *t = in->pcb.tcp;
		switch (name) {
		case TCP_NODELAY:
			if (t && v)
				tcp_nagle_disable(t);
			else if (t)
				tcp_nagle_enable(t);
			break;
		case TCP_KEEPIDLE:
		case TCP_KEEPINTVL:
		case TCP_KEEPCNT:
			if (v < 1 || (name == TCP_KEEPCNT && v > 127) || v > 32767) {
				r = -EINVAL;
			} else if (t && t->state != LISTEN) {
				if (name == TCP_KEEPIDLE)
					t->keep_idle = (u32_t)v * 1000;
				else if (name == TCP_KEEPINTVL)
					t->keep_intvl = (u32_t)v * 1000;
				else
					t->keep_cnt = (u32_t)v;
			}
			break;
		case TCP_QUICKACK:
		case TCP_CORK:
		case TCP_DEFER_ACCEPT:
		case TCP_FASTOPEN:
			break; /* hints lwIP has no use for */
		default:
			r = -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IPV6 && in->v6 && name == IPV6_V6ONLY) {
		bool bound = in->tcp ? in->state != ST_NEW || in->pcb.tcp->local_port :
				       in->pcb.udp->local_port;
		if (bound)
			r = -EINVAL;
		else
			in->v6only = v;
		if (!r && pcb)
			IP_SET_TYPE_VAL(pcb->local_ip, v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
	} else if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL)) {
		if (name == IP_TTL && (v < -1 || v == 0 || v > 255))
			r = -EINVAL;
		else if (name == IP_TOS)
			pcb->tos = (u8_t)v;
		else
			pcb->ttl = (u8_t)(v == -1 ? IP_DEFAULT_TTL : v);
	} else if (level == IPPROTO_IPV6 && (name == IPV6_UNICAST_HOPS || name == IPV6_TCLASS)) {
		if (name == IPV6_UNICAST_HOPS)
			pcb->ttl = (u8_t)(v < 0 ? IP_DEFAULT_TTL : v);
		else
			pcb->tos = (u8_t)v;
	} else {
		r = -ENOPROTOOPT;
	}
	net_unlock();
	return r;
}

static int inet_getsockopt(struct socket *s, int level, int name, void *val, socklen_t *len)
{
	struct inet *in = inet_of(s);
	int v = 0, r = 0;

	if (*len < (socklen_t)sizeof(int))
		return -EINVAL;
	net_lock();
	struct ip_pcb *pcb = ip_pcb(in);
	if (level == SOL_SOCKET && name == SO_ERROR) {
		v = in->err;
		in->err = 0;
	} else if (level == IPPROTO_TCP && in->tcp) {
		struct tcp_pcb *t = in->pcb.tcp;
		switch (name) {
		case TCP_NODELAY: v = t && t->state != LISTEN ? tcp_nagle_disabled(t) != 0 : 0; break;
		case TCP_KEEPIDLE: v = t && t->state != LISTEN ? (int)(t->keep_idle / 1000) : 7200; break;
		case TCP_KEEPINTVL: v = t && t->state != LISTEN ? (int)(t->keep_intvl / 1000) : 75; break;
		case TCP_KEEPCNT: v = t && t->state != LISTEN ? (int)t->keep_cnt : 9; break;
		case TCP_MAXSEG: v = t && t->state != LISTEN ? t->mss : TCP_MSS; break;
		default: r = -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IPV6 && in->v6 && name == IPV6_V6ONLY) {
		v = in->v6only;
	} else if (level == IPPROTO_IP && name == IP_TTL && pcb) {
		v = pcb->ttl;
	} else if (level == IPPROTO_IP && name == IP_TOS && pcb) {
		v = pcb->tos;
	} else if (!in->v6 && level != IPPROTO_IP && level != (in->tcp ? IPPROTO_TCP : IPPROTO_UDP)) {
		r = -EOPNOTSUPP; /* Linux's ip_getsockopt for another level */
	} else {
		r = -ENOPROTOOPT;
	}
	net_unlock();
	if (!r) {
		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
	}
	return r;
}

static int inet_getname(struct socket *s, struct sockaddr_storage *ss, socklen_t *len, bool peer)
{
	struct inet *in = inet_of(s);
	ip_addr_t ip;
	u16_t port = 0;
	int r = 0;

	net_lock();
	struct ip_pcb *pcb = ip_pcb(in);
	if (peer) {
		bool connected = in->tcp ? in->state == ST_CONNECTED && in->pcb.tcp :
					   in->pcb.udp && (in->pcb.udp->flags & UDP_FLAGS_CONNECTED);
		if (!connected) {
			r = -ENOTCONN;
		} else {
			ip_addr_copy(ip, pcb->remote_ip);
			port = in->tcp ? in->pcb.tcp->remote_port : in->pcb.udp->remote_port;
		}
	} else if (pcb) {
		ip_addr_copy(ip, pcb->local_ip);
		port = in->tcp ? in->pcb.tcp->local_port : in->pcb.udp->local_port;
		if (in->loopback_bind)
			ip_addr_set_ip4_u32_val(ip, PP_HTONL(0x7f000001));
		if (IP_IS_ANY_TYPE_VAL(ip))
			ip_addr_copy(ip, *IP6_ADDR_ANY);
	} else {
		addr_any(in, &ip);
	}
	net_unlock();
	if (r)
		return r;
	hostnet_shown(&ip);
	addr_out(in, &ip, port, ss, len);
	return 0;
}

static long inet_ioctl(struct socket *s, unsigned long cmd, unsigned long arg)
{
	struct inet *in = inet_of(s);
	int v = 0;

	switch (cmd) {
	case FIONREAD:
		net_lock();
		if (in->tcp)
			v = (int)in->rx_bytes;
		else
			v = in->dq_head ? in->dq_head->p->tot_len : 0;
		net_unlock();
		return uaccess_put((int *)arg, v);
	case TIOCOUTQ:
		net_lock();
		if (in->tcp && in->pcb.tcp && in->state == ST_CONNECTED)
			v = TCP_SND_BUF - in->pcb.tcp->snd_buf; /* tcp_sndbuf stops at 64 KiB */
		net_unlock();
		return uaccess_put((int *)arg, v);
	default:
		return -ENOTTY;
	}
}

static void inet_release(struct socket *s)
{
	struct inet *in = inet_of(s);
	u16_t forwarded = 0;

	net_lock();
	if (in->tcp) {
		acc_reset(in); /* connections nobody accepted are reset */
		if (in->state == ST_LISTENING)
			group_leave(in);
		tcp_drop(in, s->linger.l_onoff && !s->linger.l_linger);
		forwarded = in->forwarded;
	} else {
		udp_remove(in->pcb.udp);
		while (in->dq_head) {
			struct dgram *d = in->dq_head;
			in->dq_head = d->next;
			pbuf_free(d->p);
			kfree(d);
		}
	}
	net_unlock();
	kfree(in);
	if (forwarded)
		hostnet_unlisten(forwarded);
}

static const struct socket_ops inet_tcp_ops = {
	.bind = inet_bind,
	.connect = inet_tcp_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.sendmsg = inet_tcp_sendmsg,
	.recvmsg = inet_tcp_recvmsg,
	.shutdown = inet_shutdown,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.getname = inet_getname,
	.poll = inet_tcp_poll,
	.ioctl = inet_ioctl,
	.release = inet_release,
};

static const struct socket_ops inet_udp_ops = {
	.bind = inet_bind,
	.connect = inet_udp_connect,
	.sendmsg = inet_udp_sendmsg,
	.recvmsg = inet_udp_recvmsg,
	.shutdown = inet_shutdown,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.getname = inet_getname,
	.poll = inet_udp_poll,
	.ioctl = inet_ioctl,
	.release = inet_release,
};

static int inet_create(struct socket *s, int type, int protocol)
{
	bool tcp = type == SOCK_STREAM;
	struct inet *in;

	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != (tcp ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->s = s;
	in->tcp = tcp;
	in->v6 = s->domain == AF_INET6;
	u8_t iptype = in->v6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4;
	net_lock();
	if (tcp) {
		struct tcp_pcb *pcb = tcp_new_ip_type(iptype);
		if (pcb)
			tcp_hook(in, pcb);
	} else {
		in->pcb.udp = udp_new_ip_type(iptype);
		if (in->pcb.udp)
			udp_recv(in->pcb.udp, udp_recv_cb, in);
	}
	net_unlock();
	if (!in->pcb.tcp && !in->pcb.udp) {
		kfree(in);
		return -ENOMEM;
	}
	s->ops = tcp ? &inet_tcp_ops : &inet_udp_ops;
	s->protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP; /* SO_PROTOCOL of protocol 0 */
	s->priv = in;
	return 0;
}

void inet_init(void)
{
	socket_register_family(AF_INET, inet_create);
	socket_register_family(AF_INET6, inet_create);
}

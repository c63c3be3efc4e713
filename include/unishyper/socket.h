/*
 * BSD sockets: the generic layer (kernel/net/socket.c) and the contract a
 * family implements (AF_UNIX in kernel/net/unix.c, AF_INET/AF_INET6 on
 * lwIP in kernel/net/inet.c).
 *
 * A socket is an open file of the kind "socket" (include/unishyper/file.h)
 * whose priv is a struct socket. The system calls (posix/socket.c) copy
 * addresses, option values and message headers in and out of the program
 * and call the socket_* functions below, which check what every family
 * shares and call the family's struct socket_ops. read(2) and write(2) on
 * a socket are recvmsg/sendmsg without flags.
 *
 * A family registers a create function for its domain; socket(2) finds it
 * (unknown domain: -EAFNOSUPPORT), allocates the struct socket and its
 * file, and calls create(s, type, protocol), which sets s->ops and s->priv
 * or refuses the type (-ESOCKTNOSUPPORT) or the protocol
 * (-EPROTONOSUPPORT), as Linux answers.
 *
 * Blocking. Every socket has one wait queue and a wake-up sequence
 * number. A family checks its condition under its own lock; when it must
 * wait it reads socket_wait_seq() still under that lock, drops the lock,
 * calls socket_sleep() with the deadline socket_deadline() gave at the
 * start of the operation, takes the lock again and looks again. Whoever
 * changes a condition (data queued or taken, a peer gone, a connection
 * accepted) does so under that lock and then calls socket_wake() on every
 * socket whose state changed: it bumps the sequence and wakes the queue,
 * which also wakes poll, select and epoll (the generic poll operation
 * hangs them on s->wq). So a wake-up between the check and the sleep is
 * never lost, and no lock is held across a sleep. socket_sleep() returns
 * -EAGAIN at the deadline (SO_RCVTIMEO/SO_SNDTIMEO, as Linux answers) and
 * -EINTR on a signal; an operation that moved some data returns that
 * count instead. The system-call layer runs the signal's handlers and
 * restarts a call after SA_RESTART ones when the socket has no timeout
 * for that direction (Linux's rule; read(2) and write(2) go through
 * posix/io.c, which restarts them after SA_RESTART handlers regardless).
 */
#ifndef UNISHYPER_SOCKET_H
#define UNISHYPER_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <unishyper/wait.h>

struct file;
struct socket;

/* Linux's defaults and bounds (net.core.wmem_default, wmem_max,
 * SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF, net.core.somaxconn). */
#define SOCKET_BUF_DEFAULT 212992
#define SOCKET_BUF_MAX 212992
#define SOCKET_SNDBUF_MIN 4608
#define SOCKET_RCVBUF_MIN 2304
#define SOCKET_SOMAXCONN 4096

/*
 * One message, as sendmsg and recvmsg see it in the kernel. iov is a
 * kernel copy of the program's iovec array whose buffers still lie in
 * program memory, checked with uaccess_ok() (or in the kernel's, for
 * sendfile and the write of a gathered writev): a family moves bytes only
 * with socket_msg_from()/socket_msg_to(), which walk the vector from a
 * cursor. addr is in kernel memory: for a send, the destination (NULL when
 * the program gave none); for a receive, room for the source
 * (sizeof(struct sockaddr_storage)) where the family writes it and sets
 * addrlen to its full length, or NULL when the caller does not want it.
 */
struct socket_msg {
	const struct iovec *iov;
	int iovcnt;
	size_t len;                    /* the sum of the iov_len */
	struct sockaddr_storage *addr;
	socklen_t addrlen;
	int out_flags;                 /* recvmsg: MSG_TRUNC, MSG_EOR, ... */
	/* the cursor: segment, offset in it, bytes moved so far */
	int seg;
	size_t seg_off, done;
};

/*
 * One table per family and type. Every operation may be NULL: the
 * generic layer then answers -EOPNOTSUPP (getsockopt/setsockopt too, for
 * a level other than SOL_SOCKET, as Linux's sock_no_*; an unknown
 * SOL_SOCKET option is -ENOPROTOOPT; ioctl: -ENOTTY; poll: ready for
 * nothing). All return 0 or
 * a byte count, or a negative errno.
 */
struct socket_ops {
	/* addr is in kernel memory, len as the program gave it (0 to
	 * sizeof(struct sockaddr_storage)); the family checks it (-EINVAL)
	 * and its sa_family. */
	int (*bind)(struct socket *s, const struct sockaddr *addr, socklen_t len);
	/* nonblock: O_NONBLOCK on the file: a connection that cannot be made
	 * at once is -EINPROGRESS (stream protocols) or -EAGAIN (AF_UNIX with
	 * a full backlog). */
	int (*connect)(struct socket *s, const struct sockaddr *addr, socklen_t len, bool nonblock);
	/* backlog already clamped to 0..SOCKET_SOMAXCONN. */
	int (*listen)(struct socket *s, int backlog);
	/* ns is a new socket of the same domain, type, protocol and ops, with
	 * its file; the family sets ns->priv to the next connection. On
	 * failure ns is freed without release(). */
	int (*accept)(struct socket *s, struct socket *ns, bool nonblock);
	/* socketpair(2): connects two new sockets to each other. */
	int (*socketpair)(struct socket *a, struct socket *b);
	/* flags: MSG_DONTWAIT (or O_NONBLOCK, see socket_nonblock()),
	 * MSG_NOSIGNAL (the generic layer raises SIGPIPE on -EPIPE without
	 * it), MSG_EOR, MSG_MORE... Returns the bytes sent. */
	ssize_t (*sendmsg)(struct socket *s, struct socket_msg *m, int flags);
	/* flags: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC (return the
	 * real length of a longer datagram); sets m->out_flags (MSG_TRUNC
	 * when a datagram was cut). Returns the bytes received (or the
	 * datagram's length with MSG_TRUNC), 0 at end of stream. */
	ssize_t (*recvmsg)(struct socket *s, struct socket_msg *m, int flags);
	/* how: SHUT_RD, SHUT_WR or SHUT_RDWR (checked). */
	int (*shutdown)(struct socket *s, int how);
	/* Options on kernel buffers. setsockopt sees every option the
	 * generic layer does not keep itself, and, after it stored them, the
	 * SOL_SOCKET ones it keeps (so lwIP can act on SO_REUSEADDR or the
	 * buffer sizes; -ENOPROTOOPT is then ignored). getsockopt sets *len
	 * to the bytes written (at most *len on entry); SO_ERROR asks the
	 * family first, -ENOPROTOOPT falls back to s->error. */
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, socklen_t len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val, socklen_t *len);
	/* Own (peer false) or peer address into addr; *len its full length.
	 * A peer's address of an unconnected socket is -ENOTCONN. */
	int (*getname)(struct socket *s, struct sockaddr_storage *addr, socklen_t *len, bool peer);
	/* The POLL* events that hold now (plus POLLERR, POLLHUP, POLLRDHUP);
	 * the generic layer has hung the caller on s->wq already. */
	short (*poll)(struct socket *s);
	/* ioctl(2) other than FIONBIO; arg is the program's (uaccess). */
	long (*ioctl)(struct socket *s, unsigned long cmd, unsigned long arg);
	/* The file's last reference went: let go of priv (wake the peers).
	 * The struct socket is freed after it returns. */
	void (*release)(struct socket *s);
};

struct socket {
	int domain, type, protocol;
	const struct socket_ops *ops;
	struct file *file;      /* its open file (file->priv is s) */
	struct waitq wq;        /* readiness: sleepers and poll tables */
	uint32_t seq;           /* bumped by socket_wake() */
	uint64_t ino;           /* what fstat shows */
	/* SOL_SOCKET options the generic layer keeps and answers. */
	uint64_t rcvtimeo, sndtimeo; /* ns; 0: none */
	int sndbuf, rcvbuf;     /* as getsockopt shows them (doubled, bounded) */
	int rcvlowat;           /* 1 unless SO_RCVLOWAT */
	int error;              /* SO_ERROR pending, positive errno */
	bool listening;         /* SO_ACCEPTCONN */
	bool reuseaddr, reuseport, keepalive, broadcast, dontroute, oobinline, passcred;
	struct linger linger;
	int priority;
	void *priv;             /* the family's */
};

/* A family's socket(2): see the top of this file. */
typedef int (*socket_create_fn)(struct socket *s, int type, int protocol);

/* Registers the family of domain (AF_UNIX is built in). 0, -EINVAL for a
 * domain out of range, -EEXIST when it has one. */
int socket_register_family(int domain, socket_create_fn create);

/* The socket of an open file, or NULL when f is another kind (the system
 * calls answer -ENOTSOCK). */
struct socket *socket_of(struct file *f);

/* --- for families --- */

/* O_NONBLOCK on the file, or MSG_DONTWAIT in flags. */
bool socket_nonblock(struct socket *s, int flags);
/* The deadline of a blocking operation started now: SO_SNDTIMEO when
 * send, else SO_RCVTIMEO; SCHED_FOREVER without one. */
uint64_t socket_deadline(struct socket *s, bool send);
/* See "Blocking" above. socket_sleep: 0 once the sequence moved past seq,
 * -EAGAIN at the deadline, -EINTR on a signal. socket_wake: any context,
 * interrupts included. */
uint32_t socket_wait_seq(struct socket *s);
int socket_sleep(struct socket *s, uint32_t seq, uint64_t deadline);
void socket_wake(struct socket *s);
/* Moves n bytes between the message's buffers, from its cursor on, and
 * kernel memory at k; advances the cursor. 0, or -EFAULT (the cursor then
 * stays where it was). n must not exceed the bytes left. */
int socket_msg_from(struct socket_msg *m, void *k, size_t n);
int socket_msg_to(struct socket_msg *m, const void *k, size_t n);
/* Bytes of the message after the cursor. */
static inline size_t socket_msg_left(const struct socket_msg *m)
{
	return m->len - m->done;
}
/* A message of one buffer (read(2), write(2), sendfile). */
void socket_msg_init(struct socket_msg *m, struct iovec *one, void *buf, size_t n);

/* The AF_UNIX family (kernel/net/unix.c). */
int unix_socket_create(struct socket *s, int type, int protocol);

/* --- for the system calls (posix/socket.c); addresses, option values and
 * messages are in kernel memory except the message's buffers --- */

/* socket(2) without the SOCK_NONBLOCK/SOCK_CLOEXEC bits (fflags: the
 * file's O_NONBLOCK). A new socket with its file, one reference. */
int socket_create(int domain, int type, int protocol, int fflags, struct socket **out);
int socket_create_pair(int domain, int type, int protocol, int fflags, struct socket *pair[2]);
int socket_bind(struct socket *s, const struct sockaddr *addr, socklen_t len);
int socket_connect(struct socket *s, const struct sockaddr *addr, socklen_t len);
int socket_listen(struct socket *s, int backlog);
/* The next connection as a new socket (its file with fflags). */
int socket_accept(struct socket *s, int fflags, struct socket **out);
/* sendmsg and recvmsg: raise SIGPIPE on -EPIPE unless MSG_NOSIGNAL. */
ssize_t socket_send(struct socket *s, struct socket_msg *m, int flags);
ssize_t socket_recv(struct socket *s, struct socket_msg *m, int flags);
int socket_shutdown(struct socket *s, int how);
int socket_setopt(struct socket *s, int level, int name, const void *val, socklen_t len);
int socket_getopt(struct socket *s, int level, int name, void *val, socklen_t *len);
int socket_getname(struct socket *s, struct sockaddr_storage *addr, socklen_t *len, bool peer);
/* Whether a call of s that a signal interrupted may restart after
 * SA_RESTART handlers: only without a timeout in that direction. */
bool socket_restartable(struct socket *s, bool send);

#endif

/*
 * unishyper-supervise's side of the host network (--hostnet CTL QMP): the
 * guest asks, one line at a time on its "hostnet" port, for the host's
 * loopback ports its programs listen on. For each this process listens on
 * the host's 127.0.0.1:PORT itself and relays every connection it accepts
 * to the guest through a forwarding of QEMU's user network (hostfwd_add
 * through QMP's human-monitor-command) from an inner loopback port. QEMU's
 * own forwarding listens with a backlog of one: clients that connect at
 * once would see their SYNs dropped and wait seconds to retry, so the
 * relay connects to it one connection at a time, trying again at once
 * when the inner queue is full. A port some host program already has
 * cannot be listened on: the answer is "busy", and the guest's listen
 * fails with EADDRINUSE as the native program's bind would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervise.h"

struct line_reader {
	int fd;
	char buf[4096];
	size_t len;
};

struct hostnet {
	int ctl_listen, qmp_listen;
	struct line_reader ctl, qmp;
};

/* A port the guest listens on: the host's listener and the inner port
 * QEMU forwards to the guest's. */
struct forward {
	unsigned port, inner;
	int fd; /* -1: free */
};

#define FORWARDS_MAX 64
#define RELAY_BUF 65536

static struct hostnet hn;
static struct forward forwards[FORWARDS_MAX];

/* The next line of r (without its "\r\n" or "\n") into out; -1 at the end. */
static int read_line(struct line_reader *r, char *out, size_t size)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			size_t n = (size_t)(nl - r->buf), k = n;
			if (k && r->buf[k - 1] == '\r')
				k--;
			if (k > size - 1)
				k = size - 1;
			memcpy(out, r->buf, k);
			out[k] = 0;
			r->len -= n + 1;
			memmove(r->buf, nl + 1, r->len);
			return 0;
		}
		if (r->len == sizeof(r->buf))
			r->len = 0; /* a line longer than any answer: dropped */
		ssize_t k = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		r->len += (size_t)k;
	}
}

static int send_all(int fd, const char *s)
{
	return write_all(fd, s, (ssize_t)strlen(s));
}

/* Sends a QMP command and reads its answer's line (events skipped). */
static int qmp(const char *command, char *answer, size_t size)
{
	if (send_all(hn.qmp.fd, command))
		return -1;
	do
		if (read_line(&hn.qmp, answer, size))
			return -1;
	while (!strstr(answer, "\"return\"") && !strstr(answer, "\"error\""));
	return 0;
}

/* Runs a monitor command; 0 when it printed nothing (it succeeded). */
static int monitor(const char *line)
{
	char command[256], answer[1024];

	snprintf(command, sizeof(command),
		 "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"%s\"}}\n",
		 line);
	return qmp(command, answer, sizeof(answer)) || strcmp(answer, "{\"return\": \"\"}") ? -1 : 0;
}

static int accept_one(int fd)
{
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
		;
	return c;
}

/* A listening socket on 127.0.0.1:port (0: any free port), or -1. */
static int loopback_listener(unsigned port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	return getsockname(fd, (struct sockaddr *)&a, &len) ? 0 : ntohs(a.sin_port);
}

/* Connects to QEMU's forwarding at 127.0.0.1:inner: a SYN its full queue
 * dropped is given up after 10 ms and sent again (10 s in all). */
static int inner_connect(unsigned inner)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)inner),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	for (int tries = 0; tries < 1000; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0;
		socklen_t len = sizeof(err);
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    (errno == EINPROGRESS && poll(&p, 1, 10) == 1 &&
		     !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) && !err)) {
			fcntl(fd, F_SETFL, 0);
			return fd;
		}
		close(fd);
	}
	return -1;
}

/* Copies between a host client and its connection into the guest until
 * both directions have ended; an end of one direction is passed on as a
 * shutdown, so half-closed connections work as natively. */
static void *relay(void *arg)
{
	uintptr_t packed = (uintptr_t)arg; /* the inner port << 32 | the client */
	int fd[2] = { (int)(packed & 0xffffffffu), -1 };
	unsigned inner = (unsigned)(packed >> 32);
	char *buf = malloc(RELAY_BUF);
	bool open[2] = { true, true };

	if (buf && (fd[1] = inner_connect(inner)) >= 0) {
		while (open[0] || open[1]) {
			struct pollfd p[2] = { { fd[0], open[0] ? POLLIN : 0, 0 },
					       { fd[1], open[1] ? POLLIN : 0, 0 } };
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < 2; i++) {
				if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				ssize_t n = read(fd[i], buf, RELAY_BUF);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0 || write_all(fd[1 - i], buf, n)) {
					open[i] = false;
					shutdown(fd[1 - i], SHUT_WR);
				}
			}
		}
	}
	free(buf);
	close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	return NULL;
}

/* Accepts the host's clients of a forwarded port, a relay thread each,
 * until the port is closed (its listener shut down). */
static void *acceptor(void *arg)
{
	struct forward *f = arg;
	int fd = f->fd;
	unsigned inner = f->inner;

	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			break;
		}
		pthread_t t;
		if (pthread_create(&t, NULL, relay, (void *)(((uintptr_t)inner << 32) | (unsigned)c)))
			close(c);
		else
			pthread_detach(t);
	}
	close(fd);
	return NULL;
}

/* "listen PORT": the host's listener, QEMU's forwarding from a free inner
 * port to the guest's PORT, the acceptor. 0, or -1 (busy). */
static int forward_add(unsigned port)
{
	char command[128];
	struct forward *f = NULL;

	for (int i = 0; i < FORWARDS_MAX && !f; i++)
		if (forwards[i].fd < 0)
			f = &forwards[i];
	int fd = f ? loopback_listener(port, SOMAXCONN) : -1;
	if (fd < 0)
		return -1;
	/* A free inner port: one the kernel hands out, taken by QEMU next. */
	for (int tries = 0; tries < 20; tries++) {
		int probe = loopback_listener(0, 1);
		unsigned inner = probe >= 0 ? port_of(probe) : 0;
		if (probe >= 0)
			close(probe);
		snprintf(command, sizeof(command), "hostfwd_add hostnet tcp:127.0.0.1:%u-:%u", inner,
			 port);
		if (inner && !monitor(command)) {
			pthread_t t;
			*f = (struct forward){ port, inner, fd };
			if (pthread_create(&t, NULL, acceptor, f))
				break;
			pthread_detach(t);
			return 0;
		}
	}
	close(fd);
	f->fd = -1;
	return -1;
}

/* "close PORT": the listener shut down (its acceptor then ends), QEMU's
 * forwarding removed; connections already relayed go on. */
static void forward_remove(unsigned port)
{
	char command[128];

	for (int i = 0; i < FORWARDS_MAX; i++) {
		struct forward *f = &forwards[i];
		if (f->fd < 0 || f->port != port)
			continue;
		shutdown(f->fd, SHUT_RDWR);
		snprintf(command, sizeof(command), "hostfwd_remove hostnet tcp:127.0.0.1:%u", f->inner);
		monitor(command);
		f->fd = -1;
	}
}

static void *serve(void *arg)
{
	char line[64], answer[1024];
	unsigned port;

	(void)arg;
	hn.qmp.fd = accept_one(hn.qmp_listen);
	hn.ctl.fd = accept_one(hn.ctl_listen);
	if (hn.qmp.fd < 0 || hn.ctl.fd < 0 || read_line(&hn.qmp, answer, sizeof(answer)) ||
	    qmp("{\"execute\":\"qmp_capabilities\"}\n", answer, sizeof(answer)))
		return NULL;
	while (!read_line(&hn.ctl, line, sizeof(line))) {
		const char *reply = "ok\n";
		if (sscanf(line, "listen %u", &port) == 1 && port && port < 65536) {
			if (forward_add(port))
				reply = "busy\n";
		} else if (sscanf(line, "close %u", &port) == 1) {
			forward_remove(port);
		}
		if (send_all(hn.ctl.fd, reply))
			break;
	}
	return NULL;
}

void hostnet_serve(const char *ctl_path, const char *qmp_path)
{
	pthread_t t;

	for (int i = 0; i < FORWARDS_MAX; i++)
		forwards[i].fd = -1;
	hn.ctl_listen = listen_on(ctl_path);
	hn.qmp_listen = listen_on(qmp_path);
	if (pthread_create(&t, NULL, serve, NULL))
		die("hostnet thread");
	pthread_detach(t);
}

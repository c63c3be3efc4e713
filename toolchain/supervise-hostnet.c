/*
 * unishyper-supervise's side of the host network (--hostnet CTL QMP): the
 * guest asks, one line at a time on its "hostnet" port, for the host's
 * loopback ports its programs listen on, and this thread makes QEMU's user
 * network forward them with the monitor's hostfwd_add and hostfwd_remove
 * (through QMP's human-monitor-command). A port some host program already
 * has cannot be forwarded: the answer is "busy", and the guest's listen
 * fails with EADDRINUSE as the native program's bind would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
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

static struct hostnet hn;

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
	size_t n = strlen(s);

	while (n) {
		ssize_t k = write(fd, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		s += k;
		n -= (size_t)k;
	}
	return 0;
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

static void *serve(void *arg)
{
	char line[64], command[128], answer[1024];
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
			snprintf(command, sizeof(command), "hostfwd_add hostnet tcp:127.0.0.1:%u-:%u",
				 port, port);
			if (monitor(command))
				reply = "busy\n";
		} else if (sscanf(line, "close %u", &port) == 1) {
			snprintf(command, sizeof(command), "hostfwd_remove hostnet tcp:127.0.0.1:%u", port);
			monitor(command);
		}
		if (send_all(hn.ctl.fd, reply))
			break;
	}
	return NULL;
}

void hostnet_serve(const char *ctl_path, const char *qmp_path)
{
	pthread_t t;

	hn.ctl_listen = listen_on(ctl_path);
	hn.qmp_listen = listen_on(qmp_path);
	if (pthread_create(&t, NULL, serve, NULL))
		die("hostnet thread");
	pthread_detach(t);
}

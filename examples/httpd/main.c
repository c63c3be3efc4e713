/*
 * httpd: a small static-file HTTP/1.1 server in one epoll loop.
 *
 *   httpd [-p PORT] [-c MAXCONN] [ROOT]
 *
 * Serves the files below ROOT (default /) on PORT (default 80), IPv6 and
 * IPv4 alike where the system has IPv6. GET and HEAD; keep-alive (the
 * HTTP/1.1 default, or "Connection: keep-alive" from an HTTP/1.0 client)
 * and pipelined requests, answered in order; Content-Length on every
 * answer. Errors have small bodies: 400 for a request it cannot parse or a
 * path with a ".." segment, 404, 405 for other methods, 414 for a request
 * line longer than its buffer. A folder is answered with its index.html.
 * The body goes out with sendfile(); where the system refuses that for the
 * file (EINVAL, ENOSYS) with pread() and send(). At most MAXCONN (default
 * 512) connections: one more gets "503 Service Unavailable" and is closed.
 * Ordinary POSIX plus epoll and sendfile: the same source builds natively.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQ_MAX 8192 /* one request head; a longer one is refused */
#define HEAD_MAX 512

struct conn {
	int fd;
	size_t in_len;	/* bytes of in[] read, requests not yet answered */
	int keep;	/* keep the connection after this answer */
	/* the answer in progress: head[head_off, head_len), then the file */
	char head[HEAD_MAX];
	size_t head_off, head_len;
	int file;	/* -1: no body from a file */
	off_t file_off, file_end;
	char body[48]; /* or a small body of its own */
	size_t body_off, body_len;
	unsigned events; /* what epoll waits for */
	size_t draining; /* after the last answer: bytes read and dropped + 1 */
	char in[REQ_MAX];
};

static int ep, listener, rootfd;
static int nconns, maxconns = 512;
static int use_sendfile = 1;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void watch(struct conn *c, int op, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(ep, op, c ? c->fd : listener, &ev) < 0)
		die("epoll_ctl");
}

static const char *content_type(const char *path)
{
	static const char *types[][2] = {
		{ ".html", "text/html" }, { ".htm", "text/html" },	{ ".txt", "text/plain" },
		{ ".css", "text/css" },	  { ".js", "text/javascript" }, { ".json", "application/json" },
		{ ".png", "image/png" },  { ".jpg", "image/jpeg" },	{ ".svg", "image/svg+xml" },
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcasecmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

static void respond(struct conn *c, int status, const char *reason, const char *type, off_t length,
		    int head_only, const char *extra)
{
	c->head_off = 0;
	c->head_len = snprintf(c->head, HEAD_MAX,
			       "HTTP/1.1 %d %s\r\nServer: unishyper-httpd\r\nContent-Type: %s\r\n"
			       "Content-Length: %lld\r\nConnection: %s\r\n%s\r\n",
			       status, reason, type, (long long)length, c->keep ? "keep-alive" : "close",
			       extra);
	if (head_only) {
		if (c->file >= 0)
			close(c->file);
		c->file = -1;
		c->body_len = 0;
	}
}

static void error(struct conn *c, int status, const char *reason, int head_only)
{
	c->file = -1;
	c->body_off = 0;
	c->body_len = snprintf(c->body, sizeof c->body, "%d %s\n", status, reason);
	respond(c, status, reason, "text/plain", c->body_len, head_only,
		status == 405 ? "Allow: GET, HEAD\r\n" : "");
}

static int unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* decode the target into a path relative to the root: "" for the root
 * itself; -1 for a bad escape, a NUL or a ".." segment */
static int clean_path(const char *target, char *out, size_t size)
{
	size_t n = 0;
	if (*target != '/')
		return -1;
	for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
		int ch = (unsigned char)*p;
		if (ch == '%') {
			int hi = unhex(p[1]), lo = hi < 0 ? -1 : unhex(p[2]);
			if (lo < 0)
				return -1;
			ch = hi << 4 | lo;
			p += 2;
		}
		if (ch == 0 || n + 1 >= size)
			return -1;
		out[n++] = ch;
	}
	out[n] = 0;
	/* segments: drop empty ones and ".", refuse ".." */
	char *w = out, *r = out;
	while (*r) {
		while (*r == '/')
			r++;
		char *seg = r;
		while (*r && *r != '/')
			r++;
		size_t len = r - seg;
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.')
			return -1;
		if (w != out)
			*w++ = '/';
		memmove(w, seg, len);
		w += len;
	}
	*w = 0;
	return 0;
}

static void answer(struct conn *c, const char *method, const char *target)
{
	int head_only = !strcmp(method, "HEAD");
	char path[REQ_MAX + 16];
	if (!head_only && strcmp(method, "GET")) {
		error(c, 405, "Method Not Allowed", 0);
		return;
	}
	if (clean_path(target, path, REQ_MAX) < 0) {
		c->keep = 0;
		error(c, 400, "Bad Request", head_only);
		return;
	}
	struct stat st;
	int fd = openat(rootfd, *path ? path : ".", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int dir = fd;
		fd = openat(dir, "index.html", O_RDONLY | O_CLOEXEC);
		close(dir);
		strcat(path, "/index.html");
		if (fd >= 0 && fstat(fd, &st) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		error(c, 404, "Not Found", head_only);
		return;
	}
	c->file = fd;
	c->file_off = 0;
	c->file_end = st.st_size;
	c->body_len = 0;
	respond(c, 200, "OK", content_type(path), st.st_size, head_only, "");
}

/* parse_one: answers the first complete request in in[]; 1 when it did,
 * 0 when the request is incomplete */
static int parse_one(struct conn *c)
{
	char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
	size_t used;
	if (end) {
		used = end + 4 - c->in;
	} else {
		char *lf = memmem(c->in, c->in_len, "\n\n", 2); /* bare LF, as clients may */
		if (!lf) {
			if (c->in_len < REQ_MAX)
				return 0;
			c->keep = 0; /* the head does not fit: refuse and close */
			int line = !memchr(c->in, '\n', c->in_len);
			error(c, line ? 414 : 400, line ? "URI Too Long" : "Bad Request", 0);
			c->in_len = 0;
			return 1;
		}
		end = lf;
		used = lf + 2 - c->in;
	}
	*end = 0;
	char *line = c->in, *next = strpbrk(line, "\r\n");
	if (next)
		*next++ = 0;
	char *method = strtok(line, " "), *target = strtok(NULL, " "), *version = strtok(NULL, " ");
	int minor = -1;
	if (version && !strtok(NULL, " ") && !strncmp(version, "HTTP/1.", 7) &&
	    version[7] >= '0' && version[7] <= '9' && !version[8])
		minor = version[7] - '0';
	c->keep = minor >= 1;
	for (char *h = next; h && *h;) {
		char *eol = strpbrk(h, "\r\n");
		if (eol)
			*eol++ = 0;
		while (eol && (*eol == '\r' || *eol == '\n'))
			eol++;
		if (!strncasecmp(h, "Connection:", 11)) {
			char *v = h + 11;
			v += strspn(v, " \t");
			if (!strncasecmp(v, "close", 5))
				c->keep = 0;
			else if (!strncasecmp(v, "keep-alive", 10))
				c->keep = minor >= 0;
		}
		h = eol;
	}
	if (!method || !target || minor < 0) {
		c->keep = 0;
		error(c, 400, "Bad Request", 0);
	} else {
		answer(c, method, target);
	}
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	return 1;
}

static void drop(struct conn *c)
{
	if (c->file >= 0)
		close(c->file);
	close(c->fd);
	free(c);
	if (nconns-- == maxconns)
		watch(NULL, EPOLL_CTL_MOD, EPOLLIN);
}

/* send_answer: 0 when the answer is all sent, 1 when the socket is full,
 * -1 on a failed connection */
static int send_answer(struct conn *c)
{
	while (c->head_off < c->head_len) {
		ssize_t n = send(c->fd, c->head + c->head_off, c->head_len - c->head_off,
				 MSG_NOSIGNAL | (c->file >= 0 || c->body_len ? MSG_MORE : 0));
		if (n < 0)
			return errno == EAGAIN ? 1 : errno == EINTR ? 0 : -1;
		c->head_off += n;
	}
	while (c->body_off < c->body_len) {
		ssize_t n = send(c->fd, c->body + c->body_off, c->body_len - c->body_off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? 1 : errno == EINTR ? 0 : -1;
		c->body_off += n;
	}
	c->body_len = 0;
	while (c->file >= 0 && c->file_off < c->file_end) {
		size_t want = c->file_end - c->file_off;
		ssize_t n = -1;
		if (want > 1 << 20)
			want = 1 << 20;
		if (use_sendfile) {
			n = sendfile(c->fd, c->file, &c->file_off, want);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
				use_sendfile = 0; /* the system cannot; read and send */
				continue;
			}
		} else {
			char buf[65536];
			n = pread(c->file, buf, want < sizeof buf ? want : sizeof buf, c->file_off);
			if (n > 0) {
				n = send(c->fd, buf, n, MSG_NOSIGNAL);
				if (n > 0)
					c->file_off += n;
			}
		}
		if (n == 0)
			return -1; /* the file shrank: the length sent is wrong now */
		if (n < 0)
			return errno == EAGAIN ? 1 : errno == EINTR ? 0 : -1;
	}
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	c->head_len = c->head_off = 0;
	return 0;
}

static void wait_for(struct conn *c, unsigned events)
{
	if (c->events != events) {
		c->events = events;
		watch(c, EPOLL_CTL_MOD, events);
	}
}

/* drain: after the last answer of a connection its side is shut; what the
 * client still sends is read and dropped until it closes (at most 1 MiB),
 * so that closing with unread data does not reset the connection before
 * the client has read the answer */
static void drain(struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in, REQ_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && c->draining < (1 << 20)) {
			wait_for(c, EPOLLIN);
			return;
		}
		if (n <= 0 || (c->draining += n) >= (1 << 20)) {
			drop(c);
			return;
		}
	}
}

/* progress: answers what it can; the connection waits for EPOLLOUT while an
 * answer is blocked, and for EPOLLIN otherwise */
static void progress(struct conn *c, int readable)
{
	if (c->draining) {
		drain(c);
		return;
	}
	for (;;) {
		if (c->head_len) {
			int r = send_answer(c);
			if (r < 0) {
				drop(c);
				return;
			}
			if (r > 0) {
				wait_for(c, EPOLLOUT);
				return;
			}
			if (!c->keep) {
				shutdown(c->fd, SHUT_WR);
				c->draining = 1;
				drain(c);
				return;
			}
		}
		if (parse_one(c))
			continue;
		if (!readable)
			break;
		ssize_t n = recv(c->fd, c->in + c->in_len, REQ_MAX - c->in_len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		c->in_len += n;
	}
	wait_for(c, EPOLLIN);
}

static void accept_all(void)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
				   "Content-Length: 12\r\nConnection: close\r\n\r\nserver busy\n";
	for (;;) {
		int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* no descriptor to answer with: wait for a close */
				maxconns = nconns;
				watch(NULL, EPOLL_CTL_MOD, 0);
			}
			return;
		}
		if (nconns >= maxconns) { /* refuse clearly, then close */
			send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		struct conn *c = malloc(sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		c->in_len = c->head_len = c->head_off = c->body_off = c->body_len = c->draining = 0;
		c->keep = 0;
		c->file = -1;
		c->events = EPOLLIN;
		nconns++;
		watch(c, EPOLL_CTL_ADD, EPOLLIN);
	}
}

static int listen_on(int port)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, zero = 0;
	if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) == 0) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&s6, sizeof s6) < 0)
			die("bind");
	} else { /* no IPv6 here */
		if (fd >= 0)
			close(fd);
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&s4, sizeof s4) < 0)
			die("bind");
	}
	if (listen(fd, 1024) < 0)
		die("listen");
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: httpd [-p PORT] [-c MAXCONN] [ROOT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 80, opt;
	while ((opt = getopt(argc, argv, "p:c:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			if (port < 1 || port > 65535)
				usage();
			break;
		case 'c':
			maxconns = atoi(optarg);
			if (maxconns < 1)
				usage();
			break;
		default: usage();
		}
	}
	if (argc - optind > 1)
		usage();
	const char *root = optind < argc ? argv[optind] : "/";
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die(root);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	listener = listen_on(port);
	watch(NULL, EPOLL_CTL_ADD, EPOLLIN);
	printf("httpd: serving %s on port %d\n", root, port);
	fflush(stdout);

	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c)
				accept_all();
			else
				progress(c, !!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)));
		}
	}
}

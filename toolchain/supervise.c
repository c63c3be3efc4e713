/*
 * unishyper-supervise: the host process between unishyper-run and QEMU.
 *
 *   unishyper-supervise [--in SOCK] [--out SOCK]... [--err SOCK]...
 *                       [--log SOCK]... [--hostnet CTL QMP] [--host SOCK] [--timeout S]
 *                       -- qemu-system-x86_64 ...
 *
 * It listens on the given Unix sockets (replacing files of those names),
 * starts QEMU (whose chardevs
 * connect to them as clients), and copies its own standard input to --in,
 * and every --out and --err to its standard output and error, a thread
 * each, so that no stream ever waits for another. Everything QEMU writes
 * to the caller's streams goes through this process's own descriptors, so
 * a file shared by both streams (2>&1) is written at one offset. A --log
 * stream (the kernel log, written a byte at a time) goes to standard error
 * in whole lines, so that none is cut by the program's own output. The ends of the streams become
 * connection events that QEMU turns into port open/close messages for the
 * guest: when standard input ends, the --in connection is shut down (the
 * guest reads end of file); when writing standard output or error fails
 * (the reader went away), that connection is closed (the guest's next
 * write fails with EPIPE); a reader gone before QEMU connects closes the
 * connection at once. No byte value is reserved.
 *
 *   unishyper-supervise --seek FD OFFSET
 *
 * moves the offset of descriptor FD, which it shares with its caller, to
 * OFFSET: unishyper-run's way to leave a file the program was given as
 * standard input or output where the program left it. A file open for
 * writing whose offset is already past OFFSET stays there: other commands
 * wrote to the same open file while the program ran (a pipeline's, under
 * one 2>&1), and going back would write over their output.
 *
 * With --hostnet it also serves the guest's requests for the host's
 * loopback ports (toolchain/supervise-hostnet.c). With --host it serves a
 * host command's line (kernel/hostline.c): it answers the guest's "time"
 * with the host's wall clock, forwards the signals it gets (TERM, INT,
 * HUP, QUIT, USR1, USR2: its caller passes on those sent to it) as lines
 * "SIG\n", and takes itself and QEMU out of the terminal's process group,
 * so that a Ctrl-C reaches the program once, through the caller, and QEMU
 * never.
 *
 * QEMU never outlives this process, nor this process its parent: both
 * carry PR_SET_PDEATHSIG(SIGKILL), which holds whatever signal ends the
 * parent, SIGKILL included. The exit status is QEMU's, 128 + the signal
 * that ended it, 124 after --timeout, or 125 when QEMU cannot start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervise.h"

#define BUF_SIZE (256 * 1024)
#define MAX_STREAMS 8

struct stream {
	const char *path;
	int listen_fd, conn_fd, host_fd; /* host_fd 0: copied to the socket */
	int lines;			 /* written in whole lines (--log) */
	pthread_t thread;
};

static struct stream streams[MAX_STREAMS];
static int nstreams;
static volatile sig_atomic_t timed_out;
static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t guest_on_line; /* the guest asked on the host line */
static pid_t qemu;
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

void die(const char *what)
{
	fprintf(stderr, "unishyper-supervise: %s: %s\n", what, strerror(errno));
	exit(125);
}

int listen_on(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(a.sun_path))
		errno = ENAMETOOLONG, die(path);
	strcpy(a.sun_path, path);
	unlink(path); /* left by an earlier run of the same command */
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
		die(path);
	return fd;
}

int write_all(int fd, const char *p, ssize_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, (size_t)n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

static ssize_t read_some(int fd, char *buf, size_t size)
{
	ssize_t n;

	while ((n = read(fd, buf, size)) < 0 && errno == EINTR)
		;
	return n;
}

/* Whether fd is a pipe or socket whose reader has already gone: the
 * guest's stream is then closed before the program writes to it, so its
 * first write fails as the native program's would. */
static int reader_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* Copies one stream until its source ends or its destination fails. */
static void *pump(void *arg)
{
	struct stream *s = arg;
	char *buf = malloc(BUF_SIZE);
	int from, to;
	ssize_t n, held = 0;

	while ((s->conn_fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0 &&
	       errno == EINTR)
		;
	unlink(s->path); /* connected: the name is no longer needed */
	if (s->conn_fd < 0 || !buf)
		return NULL;
	from = s->host_fd ? s->conn_fd : 0;
	to = s->host_fd ? s->host_fd : s->conn_fd;
	while (!(s->host_fd && reader_gone(to)) &&
	       (n = read_some(from, buf + held, BUF_SIZE - held)) > 0) {
		n += held;
		held = 0;
		if (s->lines && n < BUF_SIZE) { /* keep a line's start for its end */
			char *nl = memrchr(buf, '\n', (size_t)n);
			held = nl ? buf + n - (nl + 1) : n;
		}
		if (write_all(to, buf, n - held)) {
			held = 0;
			break;
		}
		memmove(buf, buf + n - held, (size_t)held);
	}
	if (held) /* the source ended inside a line */
		write_all(to, buf, held);
	/* Input ended: QEMU reads end of file. Output failed: QEMU's next
	 * write fails, or it reads end of file, and closes the port. */
	shutdown(s->conn_fd, s->host_fd ? SHUT_RDWR : SHUT_WR);
	free(buf);
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	kill(qemu, SIGKILL);
}

/* A forwarded signal: its number, for the host line's thread. A guest
 * that has not asked on the line (still booting, or a kernel without it)
 * cannot take it: QEMU is stopped and this process ends by the signal, as
 * without a line. */
static void forward(int sig)
{
	unsigned char b = (unsigned char)sig;

	if (!guest_on_line) {
		if (qemu > 0)
			kill(qemu, SIGKILL);
		signal(sig, SIG_DFL);
		raise(sig);
	}
	if (write(signal_pipe[1], &b, 1) < 0)
		return;
}

/* The host line (kernel/hostline.c): answers "time" and writes the
 * signals that came as lines. */
static void *host_line(void *arg)
{
	int fd, listen_fd = (int)(intptr_t)arg;
	char in[64], out[40];
	size_t have = 0;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
		;
	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { signal_pipe[0], POLLIN, 0 } };
		if (fd < 0 || poll(p, 2, -1) < 0) {
			if (fd >= 0 && errno == EINTR)
				continue;
			return NULL;
		}
		if (p[1].revents & POLLIN) {
			unsigned char sig;
			if (read(signal_pipe[0], &sig, 1) == 1) {
				int n = snprintf(out, sizeof(out), "%u\n", sig);
				if (write_all(fd, out, n))
					return NULL;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(fd, in + have, sizeof(in) - have);
		if (n <= 0)
			return NULL;
		have += (size_t)n;
		char *nl;
		while ((nl = memchr(in, '\n', have))) {
			size_t len = (size_t)(nl - in) + 1;
			guest_on_line = 1;
			if (len == 5 && !memcmp(in, "time", 4)) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				int k = snprintf(out, sizeof(out), "time %llu\n",
						 (unsigned long long)ts.tv_sec * 1000000000ull +
							 (unsigned long long)ts.tv_nsec);
				if (write_all(fd, out, k))
					return NULL;
			}
			have -= len;
			memmove(in, in + len, have);
		}
		if (have == sizeof(in))
			have = 0; /* a line longer than any request */
	}
}

/* Serves the host line at path, forwarding the signals of forwarded[]
 * from now on. */
static void host_line_serve(const char *path)
{
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	pthread_t t;

	setpgid(0, 0);
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK))
		die("pipe");
	if (pthread_create(&t, NULL, host_line, (void *)(intptr_t)listen_on(path)))
		die("host line thread");
	pthread_detach(t);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
}

static void start_qemu(char **argv, pid_t parent)
{
	qemu = fork();
	if (qemu < 0)
		die("fork");
	if (qemu)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "unishyper-supervise: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int seek(int fd, off_t to)
{
	int flags = fcntl(fd, F_GETFL);
	off_t now = lseek(fd, 0, SEEK_CUR);

	if (flags < 0 || now < 0)
		return 1;
	if ((flags & O_ACCMODE) != O_RDONLY && now > to)
		return 0;
	return lseek(fd, to, SEEK_SET) < 0;
}

int main(int argc, char **argv)
{
	pid_t parent = getppid();
	unsigned timeout = 0;
	const char *hostnet[2] = { NULL, NULL }, *host = NULL;
	int i, status;

	if (argc == 4 && !strcmp(argv[1], "--seek"))
		return seek(atoi(argv[2]), (off_t)strtoull(argv[3], NULL, 10));
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 125; /* the parent is already gone */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			break;
		int fd = !strcmp(argv[i], "--in") ? 0 : !strcmp(argv[i], "--out") ? 1 :
			 !strcmp(argv[i], "--err") || !strcmp(argv[i], "--log") ? 2 : -1;
		if (fd >= 0 && nstreams < MAX_STREAMS)
			streams[nstreams++] = (struct stream){ v, -1, -1, fd,
							       !strcmp(argv[i], "--log"), 0 };
		else if (!strcmp(argv[i], "--timeout"))
			timeout = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(argv[i], "--host"))
			host = v;
		else if (!strcmp(argv[i], "--hostnet") && i + 2 < argc)
			hostnet[0] = v, hostnet[1] = argv[++i + 1];
		else
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--")) {
		fprintf(stderr, "usage: unishyper-supervise [--in|--out|--err|--log SOCK]... "
				"[--hostnet CTL QMP] [--host SOCK] [--timeout S] -- COMMAND...\n");
		return 125;
	}
	signal(SIGPIPE, SIG_IGN); /* a closed reader is an error from write() */
	for (int s = 0; s < nstreams; s++) {
		streams[s].listen_fd = listen_on(streams[s].path);
		pthread_create(&streams[s].thread, NULL, pump, &streams[s]);
	}
	if (hostnet[0])
		hostnet_serve(hostnet[0], hostnet[1]);
	if (host)
		host_line_serve(host);
	start_qemu(argv + i + 1, getpid());
	signal(SIGALRM, on_alarm);
	alarm(timeout);
	while (waitpid(qemu, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	/* Output QEMU wrote is still in the sockets: drain it. A stream QEMU
	 * never connected is woken by shutting its listener down; input may
	 * block forever on the host and is left. */
	for (int s = 0; s < nstreams; s++) {
		if (!streams[s].host_fd)
			continue;
		shutdown(streams[s].listen_fd, SHUT_RDWR);
		pthread_join(streams[s].thread, NULL);
	}
	if (timed_out)
		return 124;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

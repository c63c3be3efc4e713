/*
 * launchtime.c - host helper: time one launch of a command (a QEMU guest).
 *
 *   launchtime [-t TIMEOUT_S] [-l LOG] [-m MARKER] [-f FAILMARK] -- CMD [ARG...]
 *
 * Starts CMD in its own process group with stdin from /dev/null and its
 * stdout+stderr on a pipe, and prints one line:
 *
 *   marker_ms=M exit_ms=E status=S timeout=T fail=F rss_kb=R
 *
 * M: ms from just before fork() until MARKER first appears in the output
 *    (-1 when it never does or no MARKER was given);
 * E: ms from the same origin until the child has exited and been reaped;
 * S: the child's exit status (128 + signal number when it was killed);
 * T: 1 when TIMEOUT_S (default 30) ran out and the whole process group was
 *    killed with SIGKILL, else 0;
 * F: 1 when FAILMARK (say "Kernel panic") appeared in the output: the
 *    process group is killed at once instead of waiting for the timeout;
 * R: the child's peak resident set (wait4's ru_maxrss), KiB.
 * All output of the child is copied to LOG when given.
 * The clock is CLOCK_MONOTONIC.  SIGINT, SIGTERM and SIGHUP kill the
 * child's process group before launchtime itself goes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child;

static void on_signal(int sig)
{
	if (child > 0)
		kill(-child, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* find S (length N) in the window WIN of TOT bytes */
static int seen(const char *win, size_t tot, const char *s, size_t n)
{
	return s && memmem(win, tot, s, n) != NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-t timeout_s] [-l log] [-m marker] [-f failmark] -- cmd [arg...]\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	double timeout_s = 30, t0, t_marker = -1, t_exit;
	const char *marker = NULL, *failmark = NULL, *logname = NULL;
	char buf[8192];
	size_t keep = 0, mlen = 0, flen = 0, tail;
	int opt, p[2], st, timed_out = 0, failed = 0;
	FILE *log = NULL;
	struct rusage ru;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:l:m:f:")) != -1) {
		if (opt == 't')
			timeout_s = atof(optarg);
		else if (opt == 'l')
			logname = optarg;
		else if (opt == 'm')
			marker = optarg;
		else if (opt == 'f')
			failmark = optarg;
		else
			usage(argv[0]);
	}
	if (optind >= argc)
		usage(argv[0]);
	mlen = marker ? strlen(marker) : 0;
	flen = failmark ? strlen(failmark) : 0;
	if ((marker && mlen == 0) || (failmark && flen == 0) || mlen >= sizeof buf / 2 ||
	    flen >= sizeof buf / 2)
		usage(argv[0]);
	tail = (mlen > flen ? mlen : flen);
	tail = tail ? tail - 1 : 0;
	if (logname && !(log = fopen(logname, "w"))) {
		perror(logname);
		return 1;
	}
	if (pipe(p)) {
		perror("pipe");
		return 1;
	}

	/* exec resets the handlers in the child */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execvp(argv[optind], &argv[optind]);
		perror(argv[optind]);
		_exit(127);
	}
	setpgid(pid, pid);
	child = pid;
	close(p[1]);

	for (;;) {
		double left = timeout_s * 1e3 - (now_ms() - t0);
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t n;
		size_t tot;

		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, (int)left + 1) <= 0)
			continue;
		n = read(p[0], buf + keep, sizeof buf - keep);
		if (n <= 0)
			break;
		if (log)
			fwrite(buf + keep, 1, n, log);
		tot = keep + n;
		if (t_marker < 0 && seen(buf, tot, marker, mlen))
			t_marker = now_ms() - t0;
		if (!failed && seen(buf, tot, failmark, flen)) {
			failed = 1;
			kill(-pid, SIGKILL);
		}
		/* keep a tail so that a marker split over two reads is found */
		keep = tot < tail ? tot : tail;
		memmove(buf, buf + tot - keep, keep);
	}
	wait4(pid, &st, 0, &ru);
	t_exit = now_ms() - t0;
	/* a wrapper may leave children behind when it is killed */
	if (timed_out || failed)
		kill(-pid, SIGKILL);
	if (log)
		fclose(log);
	printf("marker_ms=%.2f exit_ms=%.2f status=%d timeout=%d fail=%d rss_kb=%ld\n",
	       t_marker, t_exit, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	       timed_out, failed, ru.ru_maxrss);
	return 0;
}

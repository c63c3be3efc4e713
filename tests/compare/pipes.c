/*
 * Pipe and eventfd semantics and errnos, printed line by line, so that
 * the image and the native program can be compared byte for byte. Ends
 * by writing to a pipe without a reader under SIGPIPE's default action:
 * both die of it (status 141).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-28s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
	errno = 0;
}

int main(void)
{
	static char big[1 << 17];
	uint64_t v;
	struct stat st;
	struct pollfd pfd;
	int p[2], e, n;

	show("pipe", pipe(p));
	show("write", write(p[1], "hello", 5));
	show("FIONREAD", ioctl(p[0], FIONREAD, &n) ? -1 : n);
	show("read", read(p[0], big, sizeof(big)));
	show("read write end", read(p[1], big, 1));
	show("write read end", write(p[0], big, 1));
	show("lseek", lseek(p[0], 0, SEEK_CUR));
	show("pread", pread(p[0], big, 1, 0));
	show("fstat fifo", fstat(p[0], &st) ? -1 : S_ISFIFO(st.st_mode));
	show("isatty", isatty(p[0]));
	show("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	show("F_SETPIPE_SZ 1", fcntl(p[0], F_SETPIPE_SZ, 1));
	show("F_SETPIPE_SZ 70000", fcntl(p[1], F_SETPIPE_SZ, 70000));
	show("F_SETPIPE_SZ 65536", fcntl(p[1], F_SETPIPE_SZ, 65536));
	show("F_SETFL nonblock", fcntl(p[1], F_SETFL, O_NONBLOCK));
	show("write big", write(p[1], big, sizeof(big)));
	show("write full", write(p[1], big, 1));
	show("F_SETPIPE_SZ busy", fcntl(p[1], F_SETPIPE_SZ, 4096));
	pfd = (struct pollfd){ p[1], POLLOUT, 0 };
	show("poll full", poll(&pfd, 1, 0));
	show("read 100", read(p[0], big, 100));
	show("write PIPE_BUF", write(p[1], big, PIPE_BUF));
	show("drain", read(p[0], big, sizeof(big)));
	pfd = (struct pollfd){ p[0], POLLIN, 0 };
	show("poll empty", poll(&pfd, 1, 0));
	close(p[1]);
	show("poll hup", poll(&pfd, 1, 0) == 1 ? pfd.revents : -1);
	show("read eof", read(p[0], big, 1));
	close(p[0]);
	show("read closed", read(p[0], big, 1));
	show("pipe2 bad flag", pipe2(p, 0x40000000));

	e = eventfd(1, EFD_NONBLOCK | EFD_SEMAPHORE);
	show("eventfd", e >= 0);
	v = 4;
	show("eventfd write", write(e, &v, 8));
	show("eventfd read", read(e, &v, 8) == 8 ? (long)v : -1);
	show("eventfd read short", read(e, &v, 4));
	show("eventfd write short", write(e, &v, 7));
	v = ~0ull;
	show("eventfd write max", write(e, &v, 8));
	v = ~0ull - 10;
	show("eventfd write overflow", write(e, &v, 8));
	show("eventfd lseek", lseek(e, 0, SEEK_SET));
	show("eventfd fstat", fstat(e, &st) ? -1 : (long)(st.st_mode & 0170777));
	close(e);
	show("eventfd bad flag", eventfd(0, 0x40000000));

	fflush(stdout);
	pipe(p);
	close(p[0]);
	write(p[1], "x", 1);
	printf("not reached\n");
	return 0;
}

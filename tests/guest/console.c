/*
 * Console system calls: read, write, readv, writev, lseek, ioctl, close,
 * poll, and their errors. The runner feeds "line one\nline two\n" on
 * standard input, which is not a terminal (pipe mode).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"

int main(void)
{
	char buf[64];
	struct iovec iov[2];

	CHECK(write(1, "", 0) == 0, "write of zero bytes");
	CHECK(write(1, "# written\n", 10) == 10, "write returns the count");
	iov[0] = (struct iovec){ "# two ", 6 };
	iov[1] = (struct iovec){ "pieces\n", 7 };
	CHECK(writev(1, iov, 2) == 13, "writev returns the total");
	CHECK(write(99, "x", 1) == -1 && errno == EBADF, "write to a bad fd: EBADF");
	CHECK(write(-1, "x", 1) == -1 && errno == EBADF, "write to fd -1: EBADF");
	CHECK(write(1, (void *)16, 4) == -1 && errno == EFAULT, "write from an unmapped pointer: EFAULT");
	CHECK(read(0, (void *)0x1000, 4) == -1 && errno == EFAULT, "read into an unmapped pointer: EFAULT");
	CHECK(read(0, (void *)main, 4) == -1 && errno == EFAULT, "read into program text: EFAULT");
	CHECK(writev(1, (void *)8, 1) == -1 && errno == EFAULT, "writev with a bad iovec: EFAULT");
	CHECK(writev(1, iov, -1) == -1 && errno == EINVAL, "writev with a negative count: EINVAL");
	CHECK(lseek(1, 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek on the console: ESPIPE");
	CHECK(!isatty(0) && errno == ENOTTY, "standard input from a pipe is not a terminal");
	CHECK(ioctl(77, TIOCGWINSZ, buf) == -1 && errno == EBADF, "ioctl on a bad fd: EBADF");

	struct pollfd p[3] = { { 0, POLLIN, 0 }, { 1, POLLOUT, 0 }, { 55, POLLIN, 0 } };
	CHECK(poll(p, 3, 1000) == 3, "poll: input, output and a bad fd are ready");
	CHECK(p[0].revents == POLLIN && p[1].revents == POLLOUT && p[2].revents == POLLNVAL,
	      "poll: revents %x %x %x", p[0].revents, p[1].revents, p[2].revents);

	size_t got = 0;
	ssize_t n;
	while ((n = read(0, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	CHECK(n == 0 && !strcmp(buf, "line one\nline two\n"), "read the whole input, then end of file (%zu bytes, last read %zd)", got, n);
	CHECK(read(0, buf, 8) == 0, "read after the end gives 0 again");
	CHECK(poll(p, 1, 0) == 1 && (p[0].revents & POLLIN), "poll at end of input: readable");

	CHECK(close(0) == 0, "close standard input");
	CHECK(read(0, buf, 1) == -1 && errno == EBADF, "read after close: EBADF");
	CHECK(close(0) == -1 && errno == EBADF, "close twice: EBADF");
	return tap_done();
}

/*
 * Pipes and eventfds: data, ends, errors (EBADF, EFAULT, EAGAIN, EPIPE
 * with SIGPIPE, EINVAL), sizes (F_GETPIPE_SZ, F_SETPIPE_SZ, FIONREAD),
 * PIPE_BUF atomicity with several writers, blocking readers and writers
 * woken by other threads, and poll over pipes and eventfds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static volatile int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

static int wfd;

static void *late_writer(void *arg)
{
	nap();
	return (void *)(intptr_t)write(wfd, arg, strlen(arg));
}

static void *late_reader(void *arg)
{
	static char sink[65536];
	nap();
	return (void *)(intptr_t)read(*(int *)arg, sink, sizeof(sink));
}

static void *late_event(void *arg)
{
	uint64_t one = 1;
	nap();
	return (void *)(intptr_t)write(*(int *)arg, &one, 8);
}

#define RECORDS 64

static void *record_writer(void *arg)
{
	char rec[PIPE_BUF];
	memset(rec, (int)(intptr_t)arg, sizeof(rec));
	for (int i = 0; i < RECORDS; i++)
		if (write(wfd, rec, sizeof(rec)) != sizeof(rec))
			return (void *)1;
	return NULL;
}

static void data_and_ends(void)
{
	int p[2];
	char buf[16];
	struct stat st;

	CHECK(pipe(p) == 0 && p[0] >= 3 && p[1] > p[0], "pipe gives two descriptors");
	CHECK(write(p[1], "hello", 5) == 5 && read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5),
	      "bytes written come out of the read end");
	CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: a FIFO");
	CHECK(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek: ESPIPE");
	CHECK(pread(p[0], buf, 1, 0) == -1 && errno == ESPIPE, "pread: ESPIPE");
	CHECK(write(p[0], "x", 1) == -1 && errno == EBADF, "writing the read end: EBADF");
	CHECK(read(p[1], buf, 1) == -1 && errno == EBADF, "reading the write end: EBADF");
	CHECK(!isatty(p[0]) && errno == ENOTTY, "a pipe is not a terminal");
	CHECK(write(p[1], "abc", 3) == 3 && read(p[0], (void *)8, 3) == -1 && errno == EFAULT &&
		      read(p[0], buf, 3) == 3 && !memcmp(buf, "abc", 3),
	      "reading into a bad pointer: EFAULT, the data stays");
	CHECK(write(p[1], (void *)8, 3) == -1 && errno == EFAULT, "writing from a bad pointer: EFAULT");
	close(p[1]);
	CHECK(read(p[0], buf, sizeof(buf)) == 0, "no writer left: end of file");
	close(p[0]);
	CHECK(read(p[0], buf, 1) == -1 && errno == EBADF, "a closed descriptor: EBADF");
	int *volatile bad = (int *)8;
	CHECK(pipe(bad) == -1 && errno == EFAULT, "pipe into a bad pointer: EFAULT");
	CHECK(pipe2(p, O_DIRECT << 4) == -1 && errno == EINVAL, "pipe2 with an unknown flag: EINVAL");
	CHECK(pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
		      fcntl(p[1], F_GETFD) == FD_CLOEXEC,
	      "pipe2 O_CLOEXEC marks both ends");
	close(p[0]);
	close(p[1]);
}

static void sizes_and_nonblock(void)
{
	static char big[1 << 17];
	int p[2], n;
	ssize_t total = 0, r;

	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2 O_NONBLOCK");
	CHECK(read(p[0], big, 1) == -1 && errno == EAGAIN, "an empty pipe: EAGAIN");
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536, "F_GETPIPE_SZ: 64 KiB");
	while ((r = write(p[1], big, PIPE_BUF)) > 0)
		total += r;
	CHECK(r == -1 && errno == EAGAIN && total == 65536, "a full pipe with O_NONBLOCK: EAGAIN after 64 KiB");
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 65536, "FIONREAD counts the bytes buffered");
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096) == -1 && errno == EBUSY, "F_SETPIPE_SZ below the data: EBUSY");
	CHECK(read(p[0], big, sizeof(big)) == 65536, "one read takes everything buffered");
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 10000) == 16384 && fcntl(p[0], F_GETPIPE_SZ) == 16384,
	      "F_SETPIPE_SZ rounds up to a power of two of pages");
	CHECK(write(p[1], big, sizeof(big)) == 16384, "a large non-blocking write fills what is free");
	CHECK(read(p[0], big, 100) == 100 && write(p[1], big, 200) == -1 && errno == EAGAIN,
	      "a write of at most PIPE_BUF goes in whole or not at all");
	CHECK(fcntl(p[0], F_SETFL, 0) == 0 && read(p[0], big, sizeof(big)) == 16284,
	      "F_SETFL clears O_NONBLOCK");
	close(p[0]);
	close(p[1]);
}

static void closed_reader(void)
{
	int p[2];

	signal(SIGPIPE, on_sigpipe);
	pipe(p);
	close(p[0]);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE && sigpipes == 1,
	      "no reader left: EPIPE and SIGPIPE");
	signal(SIGPIPE, SIG_IGN);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE && sigpipes == 1, "SIGPIPE ignored: EPIPE alone");
	close(p[1]);
}

static void blocking(void)
{
	static char fill[65536];
	pthread_t t;
	void *ret;
	char buf[16];
	int p[2];

	pipe(p);
	wfd = p[1];
	pthread_create(&t, NULL, late_writer, "wake");
	CHECK(read(p[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "wake", 4),
	      "a blocked reader wakes when another thread writes");
	pthread_join(t, &ret);
	write(p[1], fill, sizeof(fill));
	pthread_create(&t, NULL, late_reader, &p[0]);
	CHECK(write(p[1], "more", 4) == 4, "a blocked writer wakes when another thread reads");
	pthread_join(t, &ret);
	CHECK((intptr_t)ret == 65536 && read(p[0], buf, sizeof(buf)) == 4, "and nothing is lost");

	pthread_t w[4];
	int ok = 1;
	for (int i = 0; i < 4; i++)
		pthread_create(&w[i], NULL, record_writer, (void *)(intptr_t)('a' + i));
	for (int i = 0; i < 4 * RECORDS; i++) {
		char rec[PIPE_BUF];
		size_t got = 0;
		while (got < sizeof(rec)) {
			ssize_t r = read(p[0], rec + got, sizeof(rec) - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		for (size_t j = 1; j < sizeof(rec); j++)
			ok &= rec[j] == rec[0];
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(w[i], &ret);
		ok &= ret == NULL;
	}
	CHECK(ok, "writes of PIPE_BUF bytes from 4 threads never interleave");
	close(p[0]);
	close(p[1]);
}

static void polling(void)
{
	struct pollfd fds[3];
	pthread_t t;
	void *ret;
	int p[2], e = eventfd(0, 0);

	pipe(p);
	fds[0] = (struct pollfd){ p[0], POLLIN, 0 };
	fds[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	fds[2] = (struct pollfd){ e, POLLIN, 0 };
	CHECK(poll(fds, 3, 0) == 1 && fds[1].revents == POLLOUT && !fds[0].revents && !fds[2].revents,
	      "poll: an empty pipe and a zero eventfd are not readable, the write end is writable");
	wfd = p[1];
	pthread_create(&t, NULL, late_writer, "x");
	CHECK(poll(fds, 1, -1) == 1 && fds[0].revents == POLLIN, "poll sleeps until another thread writes");
	pthread_join(t, &ret);
	pthread_create(&t, NULL, late_event, &e);
	CHECK(poll(&fds[2], 1, 5000) == 1 && fds[2].revents == POLLIN,
	      "poll sleeps until another thread signals an eventfd");
	pthread_join(t, &ret);
	close(p[1]);
	CHECK(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP), "poll: POLLHUP once the writer is gone");
	fds[0].fd = 1000;
	CHECK(poll(fds, 1, 0) == 1 && fds[0].revents == POLLNVAL, "poll: POLLNVAL for a closed fd");
	CHECK(poll((struct pollfd *)8, 1, 0) == -1 && errno == EFAULT, "poll of a bad pointer: EFAULT");
	close(p[0]);
	close(e);
}

static void events(void)
{
	uint64_t v = 3;
	uint32_t small;
	struct stat st;
	pthread_t t;
	void *ret;
	int e = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);

	CHECK(e >= 0 && fcntl(e, F_GETFD) == FD_CLOEXEC, "eventfd with EFD_CLOEXEC");
	CHECK(write(e, &v, 8) == 8 && read(e, &v, 8) == 8 && v == 8, "reads take the whole count");
	CHECK(read(e, &v, 8) == -1 && errno == EAGAIN, "a zero count with EFD_NONBLOCK: EAGAIN");
	CHECK(read(e, &small, 4) == -1 && errno == EINVAL, "a read of 4 bytes: EINVAL");
	CHECK(write(e, &small, 4) == -1 && errno == EINVAL, "a write of 4 bytes: EINVAL");
	v = ~0ull;
	CHECK(write(e, &v, 8) == -1 && errno == EINVAL, "adding 2^64-1: EINVAL");
	v = ~0ull - 1;
	CHECK(write(e, &v, 8) == 8, "the count goes up to 2^64-2");
	v = 1;
	CHECK(write(e, &v, 8) == -1 && errno == EAGAIN, "past it with EFD_NONBLOCK: EAGAIN");
	CHECK(read(e, (void *)8, 8) == -1 && errno == EFAULT && read(e, &v, 8) == 8 && v == ~0ull - 1,
	      "reading into a bad pointer: EFAULT, the count stays");
	CHECK(write(e, (void *)8, 8) == -1 && errno == EFAULT, "writing from a bad pointer: EFAULT");
	CHECK(fstat(e, &st) == 0 && (st.st_mode & 0777) == 0600, "fstat of an eventfd");
	close(e);
	CHECK(eventfd(0, 0x40000000) == -1 && errno == EINVAL, "eventfd with an unknown flag: EINVAL");

	e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(read(e, &v, 8) == 8 && v == 1 && read(e, &v, 8) == 8 && v == 1 &&
		      read(e, &v, 8) == -1 && errno == EAGAIN,
	      "EFD_SEMAPHORE: each read takes 1");
	close(e);
	e = eventfd(0, 0);
	pthread_create(&t, NULL, late_event, &e);
	CHECK(read(e, &v, 8) == 8 && v == 1, "a blocked read wakes when another thread writes");
	pthread_join(t, &ret);
	close(e);
}

int main(void)
{
	data_and_ends();
	sizes_and_nonblock();
	closed_reader();
	blocking();
	polling();
	events();
	return tap_done();
}

/*
 * A signal interrupts a read that is waiting for input, of standard input
 * and of a pipe: without SA_RESTART the read fails with EINTR and no input
 * is lost; with SA_RESTART it goes on and returns the input when it comes.
 * tests/run.sh feeds standard input a few seconds after the start; a
 * thread writes into the pipe two seconds after the read began. The same
 * program passes natively with that input.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void handle(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
}

static int pipe_fd[2];

static void *write_later(void *arg)
{
	(void)arg;
	sleep(2);
	if (write(pipe_fd[1], "pipe\n", 5) != 5)
		return NULL;
	return NULL;
}

int main(void)
{
	pthread_t t;
	char buf[64];
	ssize_t n;

	setvbuf(stdout, NULL, _IONBF, 0);
	handle(0);
	alarm(1);
	n = read(0, buf, sizeof(buf));
	CHECK(n == -1 && errno == EINTR && alarms == 1,
	      "without SA_RESTART a waiting read fails with EINTR (%zd, %s)", n, strerror(errno));

	handle(SA_RESTART);
	alarm(1);
	n = read(0, buf, sizeof(buf));
	CHECK(alarms == 2, "the second alarm's handler ran");
	CHECK(n == 5 && !memcmp(buf, "data\n", 5),
	      "with SA_RESTART the read goes on and returns the input (%zd)", n);
	CHECK(read(0, buf, sizeof(buf)) == 0, "then end of input");

	CHECK(pipe(pipe_fd) == 0, "a pipe");
	handle(0);
	alarm(1);
	n = read(pipe_fd[0], buf, sizeof(buf));
	CHECK(n == -1 && errno == EINTR && alarms == 3,
	      "without SA_RESTART a waiting pipe read fails with EINTR (%zd, %s)", n, strerror(errno));
	handle(SA_RESTART);
	pthread_create(&t, NULL, write_later, NULL);
	alarm(1);
	n = read(pipe_fd[0], buf, sizeof(buf));
	pthread_join(t, NULL);
	CHECK(alarms == 4 && n == 5 && !memcmp(buf, "pipe\n", 5),
	      "with SA_RESTART the pipe read goes on and returns the data (%zd)", n);
	return tap_done();
}

/*
 * A signal interrupts a read of standard input that is waiting for input:
 * without SA_RESTART the read fails with EINTR and no input is lost; with
 * SA_RESTART it goes on and returns the input when it comes. tests/run.sh
 * feeds the input a few seconds after the start; the same program passes
 * natively with that input.
 */
#include <errno.h>
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

int main(void)
{
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
	return tap_done();
}

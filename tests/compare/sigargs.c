/*
 * The errors of the signal and timer calls for bad arguments, and their
 * deterministic answers (alarm's seconds left, sigtimedwait's timeout,
 * the pending set), printed one per line: run natively and as an image,
 * the output must be the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-40s %ld %s\n", what, r, r < 0 && errno ? strerror(errno) : "-");
	errno = 0;
}

int main(void)
{
	struct sigaction sa = { 0 };
	sigset_t set;
	struct timespec zero = { 0, 0 }, bad = { 0, -1 };
	struct itimerval itv = { { 0, 0 }, { 0, 1000000 } };
	struct itimerspec its = { { 0, 0 }, { 0, 1000000000 } };
	struct sigevent ev = { 0 };
	timer_t id;
	siginfo_t si;

	show("kill 65", kill(getpid(), 65));
	show("kill -1", kill(getpid(), -1));
	show("kill 0", kill(getpid(), 0));
	show("sigaction 0", sigaction(0, &sa, NULL));
	show("sigaction 65", sigaction(65, &sa, NULL));
	show("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
	show("sigaction SIGKILL query", sigaction(SIGKILL, NULL, &sa));
	sigemptyset(&set);
	show("sigprocmask how 99", sigprocmask(99, &set, NULL));
	show("pthread_kill 65 (error)", -pthread_kill(pthread_self(), 65));
	show("tgkill 65", syscall(SYS_tgkill, getpid(), gettid(), 65));
	show("tgkill tid 0", syscall(SYS_tgkill, getpid(), 0, SIGUSR1));
	show("tkill tid -5", syscall(SYS_tkill, -5, SIGUSR1));
	show("rt_sigqueueinfo 65", syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si));

	show("setitimer 5", setitimer(5, &itv, NULL));
	show("getitimer 5", getitimer(5, (struct itimerval *)&itv));
	show("setitimer usec 1000000", setitimer(ITIMER_REAL, &itv, NULL));
	show("alarm 5", alarm(5));
	show("alarm 0 (seconds left)", alarm(0));
	show("alarm 0 again", alarm(0));

	show("timer_create clock 1234", timer_create(1234, NULL, &id));
	ev.sigev_notify = 99;
	show("timer_create notify 99", timer_create(CLOCK_MONOTONIC, &ev, &id));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 0;
	show("timer_create signo 0", timer_create(CLOCK_MONOTONIC, &ev, &id));
	ev.sigev_signo = 65;
	show("timer_create signo 65", timer_create(CLOCK_MONOTONIC, &ev, &id));
	show("timer_settime id 12345", timer_settime((timer_t)12345, 0, &its, NULL));
	show("timer_gettime id 12345", timer_gettime((timer_t)12345, &its));
	show("timer_getoverrun id 12345", timer_getoverrun((timer_t)12345));
	show("timer_delete id 12345 (raw)", timer_delete((timer_t)12345));
	ev.sigev_signo = SIGUSR1;
	show("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &id));
	its.it_value.tv_nsec = 1000000000;
	show("timer_settime nsec 1e9", timer_settime(id, 0, &its, NULL));
	show("timer_getoverrun", timer_getoverrun(id));
	show("timer_delete", timer_delete(id));

	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	show("sigtimedwait timeout 0", sigtimedwait(&set, &si, &zero));
	show("sigtimedwait nsec -1", sigtimedwait(&set, &si, &bad));
	raise(SIGUSR1);
	sigpending(&set);
	show("pending after raise", sigismember(&set, SIGUSR1));
	show("sigtimedwait pending", sigtimedwait(&set, &si, &zero));
	show("  si_code", si.si_code);
	return 0;
}

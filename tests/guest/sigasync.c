/*
 * Signals that arrive while a thread computes: SIGALRM from alarm() and
 * setitimer() interrupting a loop without system calls, pthread_kill to a
 * thread spinning on another CPU, asynchronous cancellation, POSIX timers
 * with SIGEV_SIGNAL (periodic, with siginfo) and SIGEV_THREAD, a handler
 * using SSE while the interrupted loop keeps its vector registers, signals
 * held by sigprocmask until unblocked, sigsuspend, sigtimedwait, sigqueue,
 * and blocking calls that a signal interrupts (EINTR) or not (SA_RESTART).
 * Built natively with musl-gcc -static it gives the same answers.
 * With an argument it ends by a default action, which the runner checks:
 * "term" by a timer's SIGTERM while it computes (143), "kill" by
 * kill(getpid(), SIGKILL) (137).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static volatile sig_atomic_t hits;
static volatile siginfo_t seen;
static volatile double sse_result;

static void on_sig(int sig)
{
	(void)sig;
	hits++;
}

static void on_info(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	seen = *si;
	hits++;
}

/* Computes with the vector registers, which the interrupted code uses. */
static void on_sse(int sig)
{
	volatile double x = sig;

	for (int i = 0; i < 100; i++)
		x = x * 1.5 + 0.25;
	sse_result = x;
	hits++;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void handle_info(int sig, int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

/* Spins without system calls until hits reaches n, or for seconds at
 * native speed; returns whether it got there. */
static int spin_until(int n)
{
	for (unsigned long i = 0; i < 10000000000ul; i++)
		if (hits >= n)
			return 1;
	return hits >= n;
}

static void test_alarm(void)
{
	hits = 0;
	handle(SIGALRM, on_sig, 0);
	alarm(1);
	CHECK(spin_until(1), "SIGALRM from alarm() interrupts a loop without system calls");
	CHECK(alarm(0) == 0, "alarm(0) after it fired returns 0");
	CHECK(alarm(100) == 0 && alarm(0) == 100, "alarm() returns the seconds left");
}

static void test_setitimer(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, cur;

	hits = 0;
	handle(SIGALRM, on_sig, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(spin_until(3), "periodic setitimer(ITIMER_REAL) signals a computing loop 3 times");
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_interval.tv_usec == 20000, "getitimer gives the interval back");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &cur);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0, "a zero value disarms");
	CHECK(setitimer(7, &it, NULL) == -1 && errno == EINVAL, "setitimer(7) is EINVAL");
}

/* The interrupted loop's vector registers survive a handler that uses
 * them: the loop keeps a value in %xmm registers the whole time. */
static void test_sse(void)
{
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } };
	double a = 1.0, b = 0.0;

	hits = 0;
	handle(SIGALRM, on_sse, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	while (hits < 5) {
		__asm__ volatile("" : "+x"(a), "+x"(b));
		b += a;
		a += 1.0;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(b == a * (a - 1) / 2, "SSE registers of a loop survive 5 handlers that use SSE");
	CHECK(sse_result > 1e10, "the handler computed with SSE");
}

static volatile int spinning;

static void *spinner(void *arg)
{
	(void)arg;
	spinning = 1;
	while (hits == 0)
		;
	return NULL;
}

static void test_pthread_kill(void)
{
	pthread_t t;

	hits = 0;
	spinning = 0;
	handle(SIGUSR1, on_sig, 0);
	pthread_create(&t, NULL, spinner, NULL);
	while (!spinning)
		;
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	CHECK(hits == 1, "pthread_kill reaches a thread spinning without system calls");
}

static void *cancel_spinner(void *arg)
{
	(void)arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	spinning = 1;
	for (;;)
		__asm__ volatile("");
	return NULL;
}

static void test_async_cancel(void)
{
	pthread_t t;
	void *ret = NULL;

	spinning = 0;
	pthread_create(&t, NULL, cancel_spinner, NULL);
	while (!spinning)
		;
	pthread_cancel(t);
	pthread_join(t, &ret);
	CHECK(ret == PTHREAD_CANCELED, "asynchronous cancellation of a spinning thread");
}

static void test_timer_signal(void)
{
	struct sigevent ev = { 0 };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } }, cur;
	timer_t id;

	hits = 0;
	handle_info(SIGRTMIN + 1, 0);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN + 1;
	ev.sigev_value.sival_int = 4242;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0, "timer_create SIGEV_SIGNAL");
	timer_settime(id, 0, &its, NULL);
	CHECK(spin_until(3), "a periodic timer signals a computing loop 3 times");
	CHECK(seen.si_code == SI_TIMER && seen.si_value.sival_int == 4242,
	      "its siginfo has SI_TIMER and the sigev_value");
	CHECK(seen.si_signo == SIGRTMIN + 1, "and the signal number");
	CHECK(timer_gettime(id, &cur) == 0 && cur.it_interval.tv_nsec == 10000000,
	      "timer_gettime gives the interval");
	CHECK(timer_getoverrun(id) >= 0, "timer_getoverrun answers");
	CHECK(timer_delete(id) == 0, "timer_delete");
	CHECK(timer_delete(id) != 0, "a deleted timer cannot be deleted again");
}

static volatile int thread_calls;
static volatile int thread_value;

static void notified(union sigval v)
{
	thread_value = v.sival_int;
	thread_calls++;
}

static void test_timer_thread(void)
{
	struct sigevent ev = { 0 };
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	struct timespec nap = { 0, 10000000 };
	timer_t id;

	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = notified;
	ev.sigev_value.sival_int = 77;
	CHECK(timer_create(CLOCK_REALTIME, &ev, &id) == 0, "timer_create SIGEV_THREAD");
	timer_settime(id, 0, &its, NULL);
	for (int i = 0; i < 2000 && !thread_calls; i++)
		nanosleep(&nap, NULL);
	CHECK(thread_calls == 1 && thread_value == 77, "SIGEV_THREAD calls the function once");
	CHECK(timer_delete(id) == 0, "timer_delete of a SIGEV_THREAD timer");
}

static void test_blocked(void)
{
	sigset_t set, pend;

	hits = 0;
	handle(SIGUSR2, on_sig, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	raise(SIGUSR2);
	sigpending(&pend);
	CHECK(hits == 0 && sigismember(&pend, SIGUSR2), "a blocked signal stays pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(hits == 1, "sent twice, it arrives once at unblock");
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(hits == 2, "so does one sent to the process");
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR2), "and is no longer pending");
}

static void test_sigsuspend(void)
{
	sigset_t set, old, wait;
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };

	hits = 0;
	handle(SIGALRM, on_sig, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	sigemptyset(&wait);
	int r = sigsuspend(&wait);
	CHECK(r == -1 && errno == EINTR && hits == 1, "sigsuspend returns EINTR after the handler");
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGALRM), "and restores the mask");
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_sigtimedwait(void)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 0, 20000000 };
	union sigval v = { .sival_int = 99 };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN,
	      "sigtimedwait times out with EAGAIN");
	sigqueue(getpid(), SIGUSR1, v);
	memset(&si, 0, sizeof(si));
	CHECK(sigtimedwait(&set, &si, &ts) == SIGUSR1, "sigtimedwait takes a pending signal");
	CHECK(si.si_code == SI_QUEUE && si.si_value.sival_int == 99,
	      "with sigqueue's SI_QUEUE and value");
	raise(SIGUSR1);
	CHECK(sigwaitinfo(&set, &si) == SIGUSR1 && si.si_code == SI_TKILL,
	      "sigwaitinfo takes raise()'s signal with SI_TKILL");
	kill(getpid(), SIGUSR1);
	CHECK(sigwaitinfo(&set, &si) == SIGUSR1 && si.si_code == SI_USER, "kill() gives SI_USER");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int futex_word;
static pthread_t main_thread;

static void *wake_later(void *arg)
{
	struct timespec nap = { 0, 50000000 };

	nanosleep(&nap, NULL);
	pthread_kill(main_thread, SIGUSR1);
	if (arg) {
		nanosleep(&nap, NULL);
		futex_word = 1;
		syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static void test_restart(void)
{
	pthread_t t;
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	long r;

	main_thread = pthread_self();
	hits = 0;
	handle(SIGUSR1, on_sig, 0);
	futex_word = 0;
	pthread_create(&t, NULL, wake_later, NULL);
	r = syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
	pthread_join(t, NULL);
	CHECK(r == -1 && errno == EINTR && hits == 1, "a futex wait ends with EINTR");

	handle(SIGUSR1, on_sig, SA_RESTART);
	futex_word = 0;
	pthread_create(&t, NULL, wake_later, &futex_word);
	r = syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
	pthread_join(t, NULL);
	CHECK(r == 0 && hits == 2 && futex_word == 1, "with SA_RESTART it goes on until woken");

	pthread_create(&t, NULL, wake_later, NULL);
	r = nanosleep(&req, &rem);
	pthread_join(t, NULL);
	CHECK(r == -1 && errno == EINTR && hits == 3, "nanosleep ends with EINTR even with SA_RESTART");
	CHECK(rem.tv_sec >= 3 && rem.tv_sec <= 5, "and gives the time left");
}

/* Ends the run by the default action of a signal. */
static int end_by(const char *how)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGTERM };
	struct itimerspec its = { { 0, 0 }, { 0, 10000000 } };
	timer_t id;

	if (!strcmp(how, "kill"))
		kill(getpid(), SIGKILL);
	timer_create(CLOCK_MONOTONIC, &ev, &id);
	timer_settime(id, 0, &its, NULL);
	spin_until(1);
	return 3; /* not reached */
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return end_by(argv[1]);
	test_alarm();
	test_setitimer();
	test_sse();
	test_pthread_kill();
	test_async_cancel();
	test_timer_signal();
	test_timer_thread();
	test_blocked();
	test_sigsuspend();
	test_sigtimedwait();
	test_restart();
	return tap_done();
}

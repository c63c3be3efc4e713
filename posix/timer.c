/*
 * Timers that send signals: alarm, setitimer and getitimer, and the POSIX
 * timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete).
 *
 * Each timer is a scheduler callout (struct sched_timer): it fires in the
 * timer interrupt of the CPU that armed it, sends its signal from there
 * (signal_post works in any context, and the interrupt's end delivers it
 * to a thread that is computing) and, when periodic, arms itself for the
 * next period; periods that went by unseen, and expirations while the
 * signal was still pending, are the signal's overrun. Deadlines are kept
 * on the monotonic clock: an absolute CLOCK_REALTIME time is converted
 * when set, which is exact since the wall clock is never stepped. The
 * CPU-time clocks, ITIMER_VIRTUAL and ITIMER_PROF count elapsed time,
 * which is the CPU time of a program that computes.
 *
 * SIGEV_THREAD is musl's: its helper thread waits in sigwaitinfo() for
 * the signal of a SIGEV_THREAD_ID timer aimed at it.
 *
 * Every timer belongs to the process that set it, which gets its signal
 * even while it waits for a fork child; a child has timers of its own.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <unishyper/kmalloc.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/spinlock.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/timer.h>
#include <unishyper/uaccess.h>

#define TIMER_MAX 256
/* The shortest period: a shorter one would keep a CPU in its interrupt;
 * the expirations it merges show as overruns. */
#define MIN_PERIOD_NS 50000ull

/* The kernel's struct sigevent: value, signo, notify, then the thread. */
struct ksigevent {
	uint64_t value;
	int signo, notify, tid;
};

struct ktimer {
	struct sched_timer st;     /* first: fire() finds the timer from it */
	spinlock_t lock;
	int id;                    /* -1 for an interval timer */
	clockid_t clock;
	int pid;                   /* the process it belongs to */
	int sig, tid, code;        /* tid 0: the process */
	bool none;                 /* SIGEV_NONE: no signal */
	uint64_t value;            /* si_value */
	uint64_t expiry, interval; /* monotonic ns; expiry 0: disarmed */
};

static spinlock_t timers_lock = SPINLOCK_INIT; /* the table, before a timer's lock */
static struct ktimer *timers[TIMER_MAX];
static int overruns[TIMER_MAX];
static const struct ktimer itimers_unset[3] = {
	[ITIMER_REAL] = { .id = -1, .sig = SIGALRM, .code = SI_KERNEL },
	[ITIMER_VIRTUAL] = { .id = -1, .sig = SIGVTALRM, .code = SI_KERNEL },
	[ITIMER_PROF] = { .id = -1, .sig = SIGPROF, .code = SI_KERNEL },
};
static struct ktimer first_itimers[3] = {
	[ITIMER_REAL] = { .id = -1, .sig = SIGALRM, .code = SI_KERNEL },
	[ITIMER_VIRTUAL] = { .id = -1, .sig = SIGVTALRM, .code = SI_KERNEL },
	[ITIMER_PROF] = { .id = -1, .sig = SIGPROF, .code = SI_KERNEL },
};
static struct ktimer *itimers = first_itimers; /* the running process's */

void timer_note_overrun(int id, int overrun)
{
	if (id >= 0 && id < TIMER_MAX)
		__atomic_store_n(&overruns[id], overrun, __ATOMIC_RELAXED);
}

static void fire(struct sched_timer *st)
{
	struct ktimer *k = (struct ktimer *)st;
	struct signal_info in = { .code = k->code, .timerid = k->id, .value = k->value };
	uint64_t now = time_ns();
	bool send;

	spin_lock(&k->lock);
	send = k->expiry && k->expiry <= now;
	if (send && k->interval) {
		uint64_t missed = (now - k->expiry) / k->interval;
		in.overrun = missed > INT_MAX ? INT_MAX : (int)missed;
		k->expiry += (missed + 1) * k->interval;
	} else if (send) {
		k->expiry = 0;
	}
	if (k->expiry) /* periodic, or set again meanwhile */
		sched_timer_arm(&k->st, k->expiry);
	spin_unlock(&k->lock);
	if (send && !k->none && k->tid)
		signal_post(k->tid, k->sig, &in);
	else if (send && !k->none)
		signal_post_pid(k->pid, k->sig, &in);
}

/* Time left and period of k, as nanoseconds. Lock held. */
static void get(const struct ktimer *k, uint64_t *left, uint64_t *period)
{
	uint64_t now = time_ns();

	*left = !k->expiry ? 0 : k->expiry > now ? k->expiry - now : 1;
	*period = k->interval;
}

/* Arms k for expiry (0: disarms) and period, after reporting the old
 * setting. Lock held. */
static void set(struct ktimer *k, uint64_t expiry, uint64_t period, uint64_t *left,
		uint64_t *old_period)
{
	get(k, left, old_period);
	k->st.fn = fire;
	k->expiry = expiry;
	k->interval = period && period < MIN_PERIOD_NS ? MIN_PERIOD_NS : period;
	if (expiry)
		sched_timer_arm(&k->st, expiry);
	else
		sched_timer_cancel(&k->st, false);
}

/* A relative time from now as a monotonic deadline (0 stays 0). */
static uint64_t deadline_in(uint64_t ns)
{
	return ns ? time_after(ns) : 0;
}

static bool tv_valid(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static uint64_t tv_ns(const struct timeval *tv)
{
	struct timespec ts = { tv->tv_sec, tv->tv_usec * 1000 };

	return time_timespec_ns(&ts);
}

static struct timeval ns_tv(uint64_t ns)
{
	/* Round up, so that an armed timer never reads as disarmed. */
	ns += 999;
	return (struct timeval){ (time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC / 1000) };
}

static long itimer_set(int which, uint64_t value, uint64_t period, uint64_t *left,
		       uint64_t *old_period)
{
	struct ktimer *k = &itimers[which];
	unsigned long flags = spin_lock_irqsave(&k->lock);

	k->pid = process_pid;
	set(k, deadline_in(value), period, left, old_period);
	spin_unlock_irqrestore(&k->lock, flags);
	return 0;
}

SYSCALL_DEFINE3(setitimer, int, which, const struct itimerval *, new, struct itimerval *, old)
{
	struct itimerval k, prev;
	uint64_t left, period;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if (!new || uaccess_get(k, new))
		return -EFAULT;
	if (!tv_valid(&k.it_value) || !tv_valid(&k.it_interval))
		return -EINVAL;
	itimer_set(which, tv_ns(&k.it_value), tv_ns(&k.it_interval), &left, &period);
	prev = (struct itimerval){ ns_tv(period), ns_tv(left) };
	return old ? uaccess_put(old, prev) : 0;
}

SYSCALL_DEFINE2(getitimer, int, which, struct itimerval *, cur)
{
	struct itimerval k;
	uint64_t left, period;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&itimers[which].lock);
	get(&itimers[which], &left, &period);
	spin_unlock_irqrestore(&itimers[which].lock, flags);
	k = (struct itimerval){ ns_tv(period), ns_tv(left) };
	return uaccess_put(cur, k);
}

SYSCALL_DEFINE1(alarm, unsigned int, seconds)
{
	uint64_t left, period;

	itimer_set(ITIMER_REAL, (uint64_t)seconds * NSEC_PER_SEC, 0, &left, &period);
	/* Seconds left, rounded to the nearest, and never 0 when armed. */
	struct timeval tv = ns_tv(left);
	return tv.tv_sec + (tv.tv_usec >= 500000 || (!tv.tv_sec && tv.tv_usec));
}

static bool clock_ok(clockid_t clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_BOOTTIME ||
	       clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
}

/* The notification asked for, checked as Linux checks it. */
static long sigevent_of(const struct ksigevent *uev, struct ktimer *k)
{
	struct ksigevent ev;

	if (!uev) {
		k->sig = SIGALRM;
		k->value = (uint64_t)k->id;
		return 0;
	}
	if (uaccess_get(ev, uev))
		return -EFAULT;
	if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE && ev.notify != SIGEV_THREAD_ID)
		return -EINVAL;
	if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > SIGNAL_MAX))
		return -EINVAL;
	if (ev.notify == SIGEV_THREAD_ID && (ev.tid <= 0 || !sched_find(ev.tid)))
		return -EINVAL;
	k->none = ev.notify == SIGEV_NONE;
	k->sig = ev.signo;
	k->tid = ev.notify == SIGEV_THREAD_ID ? ev.tid : 0;
	k->value = ev.value;
	return 0;
}

SYSCALL_DEFINE3(timer_create, clockid_t, clk, const struct ksigevent *, sev, int *, id)
{
	struct ktimer *k;
	long r;
	int i;

	if (!clock_ok(clk))
		return -EINVAL;
	if (!(k = kzalloc(sizeof(*k))))
		return -EAGAIN;
	k->lock = (spinlock_t)SPINLOCK_INIT;
	k->clock = clk;
	k->pid = process_pid;
	k->code = SI_TIMER;
	k->st.fn = fire;
	unsigned long flags = spin_lock_irqsave(&timers_lock);
	for (i = 0; i < TIMER_MAX && timers[i]; i++)
		;
	if (i < TIMER_MAX) {
		timers[i] = k;
		overruns[i] = 0;
	}
	spin_unlock_irqrestore(&timers_lock, flags);
	if (i == TIMER_MAX) {
		kfree(k);
		return -EAGAIN;
	}
	k->id = i;
	if ((r = sigevent_of(sev, k)) || (r = uaccess_put(id, i))) {
		__atomic_store_n(&timers[i], NULL, __ATOMIC_RELEASE);
		kfree(k);
		return r;
	}
	return 0;
}

/* The running process's timer id, with the table locked (flags saved);
 * NULL, unlocked, when it has none. */
static struct ktimer *timer_lock(int id, unsigned long *flags)
{
	*flags = spin_lock_irqsave(&timers_lock);
	if (id >= 0 && id < TIMER_MAX && timers[id] && timers[id]->pid == process_pid)
		return timers[id];
	spin_unlock_irqrestore(&timers_lock, *flags);
	return NULL;
}

SYSCALL_DEFINE4(timer_settime, int, id, int, flags, const struct itimerspec *, new,
		struct itimerspec *, old)
{
	struct itimerspec k, prev;
	uint64_t value, left, period, now;
	unsigned long irq;
	struct ktimer *t;

	if (!new)
		return -EINVAL;
	if (uaccess_get(k, new))
		return -EFAULT;
	if (!time_timespec_valid(&k.it_value) || !time_timespec_valid(&k.it_interval))
		return -EINVAL;
	if (!(t = timer_lock(id, &irq)))
		return -EINVAL;
	value = time_timespec_ns(&k.it_value);
	if (value && (flags & TIMER_ABSTIME)) {
		now = t->clock == CLOCK_REALTIME ? time_realtime_ns() : time_ns();
		value = value > now ? time_after(value - now) : time_ns();
	} else {
		value = deadline_in(value);
	}
	spin_lock(&t->lock);
	set(t, value, time_timespec_ns(&k.it_interval), &left, &period);
	spin_unlock(&t->lock);
	spin_unlock_irqrestore(&timers_lock, irq);
	prev = (struct itimerspec){ time_ns_timespec(period), time_ns_timespec(left) };
	return old ? uaccess_put(old, prev) : 0;
}

SYSCALL_DEFINE2(timer_gettime, int, id, struct itimerspec *, cur)
{
	struct itimerspec k;
	uint64_t left, period;
	unsigned long irq;
	struct ktimer *t;

	if (!(t = timer_lock(id, &irq)))
		return -EINVAL;
	spin_lock(&t->lock);
	get(t, &left, &period);
	spin_unlock(&t->lock);
	spin_unlock_irqrestore(&timers_lock, irq);
	k = (struct itimerspec){ time_ns_timespec(period), time_ns_timespec(left) };
	return uaccess_put(cur, k);
}

SYSCALL_DEFINE1(timer_getoverrun, int, id)
{
	unsigned long irq;
	int n;

	if (!timer_lock(id, &irq))
		return -EINVAL;
	n = overruns[id];
	spin_unlock_irqrestore(&timers_lock, irq);
	return n;
}

/* Takes t, found by timer_lock(), out of the table, unlocks the table
 * and frees t once its callout cannot run any more. */
static void delete_unlock(struct ktimer *t, unsigned long irq)
{
	timers[t->id] = NULL;
	spin_lock(&t->lock);
	t->expiry = 0;
	spin_unlock(&t->lock);
	spin_unlock_irqrestore(&timers_lock, irq);
	sched_timer_cancel(&t->st, true);
	kfree(t);
}

SYSCALL_DEFINE1(timer_delete, int, id)
{
	unsigned long irq;
	struct ktimer *t;

	if (!(t = timer_lock(id, &irq)))
		return -EINVAL;
	delete_unlock(t, irq);
	return 0;
}

struct ktimer *timer_fork(void)
{
	struct ktimer *child = kmalloc(sizeof(itimers_unset)), *parent = itimers;

	if (!child)
		return NULL;
	memcpy(child, itimers_unset, sizeof(itimers_unset));
	for (int i = 0; i < 3; i++)
		child[i].lock = (spinlock_t)SPINLOCK_INIT;
	itimers = child;
	return parent;
}

void timer_fork_end(struct ktimer *parent)
{
	struct ktimer *child = itimers;

	for (int i = 0; i < 3; i++) {
		unsigned long flags = spin_lock_irqsave(&child[i].lock);
		child[i].expiry = 0;
		spin_unlock_irqrestore(&child[i].lock, flags);
		sched_timer_cancel(&child[i].st, true);
	}
	itimers = parent;
	kfree(child);
	for (int id = 0; id < TIMER_MAX; id++) {
		unsigned long irq;
		struct ktimer *t = timer_lock(id, &irq);
		if (t)
			delete_unlock(t, irq);
	}
}

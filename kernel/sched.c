/*
 * The scheduler (see sched.h for the model).
 *
 * Locking: each CPU's lock guards its run queue, its timers, its
 * callouts (struct sched_timer) and its zombies; a thread's state changes under the lock of the CPU it belongs
 * to. Wait-list locks come before CPU locks. A thread that is being
 * switched out keeps on_cpu set until arch_switch() (or the interrupt
 * path) has saved its registers; whoever picks it spins until then, so a
 * thread woken "too early" is never run twice. Zombies are freed by their
 * CPU from thread context, once they are off every CPU.
 *
 * Whenever a thread is about to resume (the end of an interrupt, a
 * switch), signal_on_resume() may turn its registers into the start of a
 * signal handler.
 *
 * A thread the shell stops (sched_stop) parks, in state THREAD_STOPPED
 * and on no queue, only where it is about to run the program's own code:
 * at the end of an interrupt that came there, or as its outermost system
 * call returns (sched_stop_point). A stopped thread switched in
 * elsewhere gets an interrupt of its own CPU to reach such a point.
 */
#include <errno.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/signal.h>
#include <unishyper/kmalloc.h>
#include <unishyper/printk.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/time.h>
#include <unishyper/vm.h>

#define IDLE_STACK_SIZE 16384

struct cpu *sched_cpus[SCHED_MAX_CPUS];
int sched_ncpus;

static spinlock_t threads_lock = SPINLOCK_INIT;
static struct list_node threads = LIST_INIT(threads);
static int next_tid = 1, nthreads;
static void *fpu_clean;

static void kick(struct cpu *c);

/* A new thread; idle and service threads have tid 0 and are not in the
 * thread table. */
static struct thread *thread_alloc(const char *name, bool idle, bool service)
{
	size_t fpu = arch_fpu_size();
	struct thread *t = kzalloc(sizeof(*t) + fpu + 64);

	if (!t)
		return NULL;
	t->fpu = (void *)(((uintptr_t)(t + 1) + 63) & ~(uintptr_t)63);
	memcpy(t->fpu, fpu_clean, fpu);
	strncpy(t->name, name, SCHED_NAME_MAX - 1);
	list_init(&t->run_link);
	list_init(&t->timer_link);
	t->affinity = ~0ull;
	t->idle = idle;
	t->service = service;
	list_init(&t->all_link);
	if (idle || service)
		return t;
	unsigned long flags = spin_lock_irqsave(&threads_lock);
	t->tid = next_tid++;
	list_push_back(&threads, &t->all_link);
	nthreads++;
	spin_unlock_irqrestore(&threads_lock, flags);
	return t;
}

static uint64_t cpu_bit(const struct cpu *c)
{
	return 1ull << c->id;
}

static void enqueue(struct cpu *c, struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	t->cpu = c;
	list_push_back(&c->runq, &t->run_link);
	c->nr_running++;
}

/* Takes a thread this CPU may run from the busiest other CPU. */
static struct thread *steal(struct cpu *c)
{
	struct cpu *busiest = NULL;

	for (int i = 0; i < sched_ncpus; i++) {
		struct cpu *o = sched_cpus[i];
		if (o != c && o->online && o->nr_running &&
		    (!busiest || o->nr_running > busiest->nr_running))
			busiest = o;
	}
	if (!busiest || !spin_trylock(&busiest->lock))
		return NULL;
	struct thread *found = NULL;
	struct list_node *n;
	list_for_each(n, &busiest->runq) {
		struct thread *t = list_entry(n, struct thread, run_link);
		if (t->affinity & cpu_bit(c)) {
			list_remove(&t->run_link);
			busiest->nr_running--;
			t->cpu = c;
			found = t;
			break;
		}
	}
	spin_unlock(&busiest->lock);
	return found;
}

static struct thread *pick_next(struct cpu *c)
{
	struct list_node *n = list_pop_front(&c->runq);
	struct thread *t;

	if (n) {
		c->nr_running--;
		return list_entry(n, struct thread, run_link);
	}
	t = steal(c);
	return t ? t : c->idle;
}

/* Programs the CPU's timer for its next event: the earliest timer, and the
 * end of the time slice when others wait. Lock held. */
static void arm_timer(struct cpu *c)
{
	uint64_t next = SCHED_FOREVER, now = time_ns();

	if (!list_empty(&c->timers))
		next = list_entry(c->timers.next, struct thread, timer_link)->deadline;
	if (!list_empty(&c->callouts)) {
		uint64_t d = list_entry(c->callouts.next, struct sched_timer, link)->deadline;
		next = d < next ? d : next;
	}
	if (c->nr_running && c->slice_end < next)
		next = c->slice_end;
	if (next == SCHED_FOREVER)
		apic_timer_oneshot(0);
	else
		apic_timer_oneshot(next > now ? next - now : 1);
}

/* Tells this CPU that its run queue changed: an idle CPU switches at once,
 * a busy one arms its time slice. Lock held. Another CPU is told by IPI,
 * sent after its lock is released (else its handler would spin on it). */
static void kick_local(struct cpu *c)
{
	if (c->current->idle)
		c->need_resched = true;
	else
		arm_timer(c);
}

static void kick(struct cpu *c)
{
	if (c == this_cpu())
		kick_local(c);
	else
		apic_send_ipi(c->apic_id, TRAP_RESCHED);
}

void sched_resched_ipi(void)
{
	struct cpu *c = this_cpu();

	spin_lock(&c->lock);
	if (c->current->idle && c->nr_running)
		c->need_resched = true;
	arm_timer(c);
	spin_unlock(&c->lock);
}

/* Makes next current on c; the caller switches to it. Lock held on entry,
 * released on return. */
static void prepare_switch(struct cpu *c, struct thread *prev, struct thread *next)
{
	uint64_t now = time_ns();

	prev->runtime_ns += now - prev->slice_start;
	next->slice_start = now;
	c->slice_end = now + SCHED_SLICE_NS;
	next->state = THREAD_RUNNING;
	next->cpu = c;
	c->current = next;
	arm_timer(c);
	spin_unlock(&c->lock);
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		spin_pause();
	next->on_cpu = 1;
	arch_fpu_save(prev->fpu);
	arch_fpu_restore(next->fpu);
	arch_set_fs_base(next->fs_base);
}

/* Whether t, about to resume f, parks: a stop is asked and f is the
 * program's own code, outside every system call. */
static bool parks(const struct thread *t, const struct trap_frame *f)
{
	return (t->stop || t->frozen) && !t->idle && !t->service && !t->sys_depth && arch_frame_is_program(f);
}

/* next, just made current on c, is to stop: the interrupt this sends to c
 * comes as soon as next runs with interrupts on, and parks it if that is
 * in the program's code (sched_interrupt_exit). */
static void stop_soon(struct cpu *c, struct thread *next)
{
	if (__atomic_load_n(&next->stop, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&next->frozen, __ATOMIC_RELAXED))
		apic_send_ipi(c->apic_id, TRAP_RESCHED);
}

/* Switches away from prev, which is already queued, blocked, stopped or
 * dead. Lock held and interrupts off on entry; the lock is released. */
static void switch_away(struct cpu *c, struct thread *prev)
{
	struct thread *next = pick_next(c);

	if (next == prev) {
		prev->state = THREAD_RUNNING;
		arm_timer(c);
		spin_unlock(&c->lock);
		return;
	}
	prepare_switch(c, prev, next);
	stop_soon(c, next);
	signal_on_resume(&next->frame);
	arch_switch(&prev->frame, &next->frame, &prev->on_cpu, c->arch.ist_top);
}

/* Frees the threads that ended on this CPU. Thread context, lock free. */
static void reap(struct cpu *c)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&c->lock);
		struct list_node *n = list_pop_front(&c->zombies);
		spin_unlock_irqrestore(&c->lock, flags);
		if (!n)
			return;
		struct thread *t = list_entry(n, struct thread, run_link);
		while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			spin_pause();
		if (t->stack_size)
			vm_unmap(t->stack_base, t->stack_size);
		kfree(t);
	}
}

/* Puts the running thread t back on a run queue: c's, unless its affinity
 * excludes c. c's lock held. */
static void requeue(struct cpu *c, struct thread *t)
{
	if (t->affinity & cpu_bit(c)) {
		enqueue(c, t);
		return;
	}
	for (int i = 0; i < sched_ncpus; i++) {
		struct cpu *o = sched_cpus[i];
		if (o == c || !o->online || !(t->affinity & cpu_bit(o)))
			continue;
		if (!spin_trylock(&o->lock))
			continue;
		enqueue(o, t);
		spin_unlock(&o->lock);
		kick(o); /* another CPU: an IPI, no lock needed */
		return;
	}
	enqueue(c, t); /* no allowed CPU free to take it now: try again later */
}

void sched_reschedule(void)
{
	struct cpu *c;
	struct thread *t = current();
	unsigned long flags = irq_save();

	c = this_cpu();
	reap(c);
	spin_lock(&c->lock);
	if (!t->idle)
		requeue(c, t);
	switch_away(c, t);
	irq_restore(flags);
}

static void timer_remove(struct thread *t)
{
	if (!list_empty(&t->timer_link))
		list_remove(&t->timer_link);
}

int sched_block(spinlock_t *lock, uint64_t deadline, bool interruptible)
{
	struct thread *t = current();
	struct cpu *c = this_cpu();

	if (interruptible && signal_pending_for(t)) {
		spin_unlock(lock);
		irq_enable();
		return -EINTR;
	}
	spin_lock(&c->lock);
	t->state = THREAD_BLOCKED;
	t->wake_reason = 0;
	t->interruptible = interruptible;
	t->slept_at = time_ns();
	t->sleeps_forever = deadline == SCHED_FOREVER;
	if (deadline != SCHED_FOREVER) {
		struct list_node *n;
		t->deadline = deadline;
		list_for_each(n, &c->timers)
			if (list_entry(n, struct thread, timer_link)->deadline > deadline)
				break;
		list_insert_after(n->prev, &t->timer_link);
	}
	spin_unlock(lock);
	switch_away(c, t);
	irq_enable();
	return t->wake_reason;
}

/* Makes t ready on its CPU, whose lock is held. Returns false if t was not
 * blocked; *remote is set to a CPU that must be kicked once unlocked. */
static bool wake_locked(struct thread *t, int reason, struct cpu **remote)
{
	struct cpu *c = t->cpu;

	*remote = NULL;
	if (t->state != THREAD_BLOCKED || t->wake_held)
		return false;
	timer_remove(t);
	t->wake_reason = reason;
	if (t->held) {
		t->wake_held = true; /* runs at sched_thaw() */
		return true;
	}
	enqueue(c, t);
	if (c == this_cpu())
		kick_local(c);
	else
		*remote = c;
	return true;
}

/* Sends an idle CPU that may run t to take it. */
static void kick_idle(struct thread *t, struct cpu *busy)
{
	for (int i = 0; i < sched_ncpus; i++) {
		struct cpu *o = sched_cpus[i];
		if (o != busy && o->online && o->current->idle && (t->affinity & cpu_bit(o))) {
			kick(o);
			return;
		}
	}
}

bool sched_wake(struct thread *t, int reason)
{
	unsigned long flags = irq_save();
	struct cpu *c = t->cpu;
	bool woke;

	spin_lock(&c->lock);
	struct cpu *remote;
	woke = wake_locked(t, reason, &remote);
	bool busy = !c->current->idle;
	spin_unlock(&c->lock);
	if (remote)
		kick(remote);
	if (woke && busy)
		kick_idle(t, c);
	irq_restore(flags);
	return woke;
}

void sched_interrupt(struct thread *t)
{
	unsigned long flags = irq_save();
	struct cpu *c = t->cpu;

	struct cpu *remote = NULL;
	spin_lock(&c->lock);
	if (t->state == THREAD_BLOCKED && t->interruptible)
		wake_locked(t, -EINTR, &remote);
	else if (t->state == THREAD_RUNNING && c != this_cpu())
		remote = c; /* its interrupt's end delivers */
	spin_unlock(&c->lock);
	if (remote)
		kick(remote);
	irq_restore(flags);
}

/* Takes st off the list that holds it. Interrupts off. */
static void callout_remove(struct sched_timer *st)
{
	struct cpu *c;

	while ((c = __atomic_load_n(&st->cpu, __ATOMIC_ACQUIRE))) {
		spin_lock(&c->lock);
		if (st->cpu == c) {
			list_remove(&st->link);
			st->cpu = NULL;
		}
		spin_unlock(&c->lock);
	}
}

void sched_timer_arm(struct sched_timer *st, uint64_t deadline)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	struct list_node *n;

	callout_remove(st);
	spin_lock(&c->lock);
	st->deadline = deadline;
	list_for_each(n, &c->callouts)
		if (list_entry(n, struct sched_timer, link)->deadline > deadline)
			break;
	list_insert_after(n->prev, &st->link);
	__atomic_store_n(&st->cpu, c, __ATOMIC_RELEASE);
	arm_timer(c);
	spin_unlock(&c->lock);
	irq_restore(flags);
}

void sched_timer_cancel(struct sched_timer *st, bool wait)
{
	unsigned long flags = irq_save();

	callout_remove(st);
	irq_restore(flags);
	while (wait && __atomic_load_n(&st->running, __ATOMIC_ACQUIRE))
		spin_pause();
}

/* Calls the callouts of c that are due. Lock held; dropped around each. */
static void run_callouts(struct cpu *c, uint64_t now)
{
	while (!list_empty(&c->callouts)) {
		struct sched_timer *st = list_entry(c->callouts.next, struct sched_timer, link);
		if (st->deadline > now)
			break;
		list_remove(&st->link);
		st->cpu = NULL;
		__atomic_store_n(&st->running, c, __ATOMIC_RELEASE);
		spin_unlock(&c->lock);
		st->fn(st);
		__atomic_store_n(&st->running, NULL, __ATOMIC_RELEASE);
		spin_lock(&c->lock);
	}
}

static struct thread *create(const struct trap_frame *frame, uint64_t fs_base, const char *name,
			     bool idle, bool service)
{
	struct thread *t = thread_alloc(name, idle, service);

	if (!t)
		return NULL;
	t->frame = *frame;
	t->fs_base = fs_base;
	t->state = THREAD_BLOCKED;
	return t;
}

struct thread *sched_create(const struct trap_frame *frame, uint64_t fs_base, const char *name)
{
	return create(frame, fs_base, name, false, false);
}

struct thread *sched_spawn(const char *name, void (*fn)(void *), void *arg, size_t stack)
{
	struct trap_frame f;
	uintptr_t top = vm_stack(stack, false);
	struct thread *t;

	if (!top)
		return NULL;
	/* Touched now: a service thread must not fault on its stack while it
	 * holds a lock the fault path takes. */
	memset((void *)(top - stack), 0, stack);
	arch_frame_init(&f, (uintptr_t)fn, top - 8);
	arch_frame_set_arg(&f, (uintptr_t)arg);
	t = create(&f, 0, name, false, true);
	if (!t) {
		vm_unmap(top - stack, stack);
		return NULL;
	}
	sched_start(t);
	return t;
}

void sched_start(struct thread *t)
{
	struct cpu *best = NULL;
	unsigned long flags = irq_save();

	/* The allowed CPU with the least work; an idle one first. */
	for (int i = 0; i < sched_ncpus; i++) {
		struct cpu *o = sched_cpus[i];
		if (!o->online || !(t->affinity & cpu_bit(o)))
			continue;
		int load = o->nr_running + !o->current->idle;
		if (!best || load < best->nr_running + !best->current->idle)
			best = o;
	}
	if (!best)
		best = this_cpu();
	struct cpu *remote;
	spin_lock(&best->lock);
	t->cpu = best;
	wake_locked(t, 0, &remote);
	spin_unlock(&best->lock);
	if (remote)
		kick(remote);
	irq_restore(flags);
}

bool sched_exit(uintptr_t stack_base, size_t stack_size)
{
	struct thread *t = current();
	struct cpu *c;

	irq_disable();
	unsigned long flags = spin_lock_irqsave(&threads_lock);
	list_remove(&t->all_link);
	int left = --nthreads;
	spin_unlock_irqrestore(&threads_lock, flags);
	if (!left)
		return false;
	t->stack_base = stack_base;
	t->stack_size = stack_size;
	c = this_cpu();
	spin_lock(&c->lock);
	t->state = THREAD_DEAD;
	list_push_back(&c->zombies, &t->run_link);
	switch_away(c, t);
	panic("sched: a dead thread ran again");
}

int sched_thread_count(void)
{
	return __atomic_load_n(&nthreads, __ATOMIC_RELAXED);
}

int sched_each_thread(int (*fn)(struct thread *t, void *arg), void *arg)
{
	struct list_node *n;
	int r = 0;
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	list_for_each(n, &threads)
		if ((r = fn(list_entry(n, struct thread, all_link), arg)))
			break;
	spin_unlock_irqrestore(&threads_lock, flags);
	return r;
}

struct thread *sched_find(int tid)
{
	struct thread *found = NULL;
	struct list_node *n;
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	list_for_each(n, &threads) {
		struct thread *t = list_entry(n, struct thread, all_link);
		if (t->tid == tid) {
			found = t;
			break;
		}
	}
	spin_unlock_irqrestore(&threads_lock, flags);
	return found;
}

int sched_snapshot(struct sched_info *out, int max)
{
	int n = 0;
	struct list_node *l;
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	list_for_each(l, &threads) {
		struct thread *t = list_entry(l, struct thread, all_link);
		if (n == max)
			break;
		out[n] = (struct sched_info){ t->tid, t->cpu ? t->cpu->id : 0, t->state,
					      t->stop && t->state != THREAD_STOPPED, t->runtime_ns,
					      { 0 } };
		memcpy(out[n].name, t->name, SCHED_NAME_MAX);
		n++;
	}
	spin_unlock_irqrestore(&threads_lock, flags);
	return n;
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	uint64_t now = time_ns();

	spin_lock(&c->lock);
	while (!list_empty(&c->timers)) {
		struct thread *t = list_entry(c->timers.next, struct thread, timer_link);
		if (t->deadline > now)
			break;
		struct cpu *remote; /* always this CPU: its own timers */
		timer_remove(t);
		wake_locked(t, -ETIMEDOUT, &remote);
	}
	run_callouts(c, now);
	if (c->nr_running && now >= c->slice_end)
		c->need_resched = true;
	arm_timer(c);
	spin_unlock(&c->lock);
}

struct stop_request {
	int tid;
	bool stop;
	int err;
};

/* sched_stop() on t, found in the thread table (locked: t stays). */
static int stop_thread(struct thread *t, void *arg)
{
	struct stop_request *r = arg;
	struct cpu *c, *remote = NULL;

	if (t->tid != r->tid)
		return 0;
	if (t == current()) {
		r->err = -EDEADLK;
		return 1;
	}
	c = t->cpu;
	spin_lock(&c->lock);
	t->stop = r->stop;
	if (!r->stop && t->state == THREAD_STOPPED) {
		enqueue(c, t);
		if (c == this_cpu())
			kick_local(c);
		else
			remote = c;
	} else if (r->stop && t->state == THREAD_RUNNING && c != this_cpu()) {
		remote = c; /* its interrupt's end parks it */
	}
	spin_unlock(&c->lock);
	if (remote)
		kick(remote);
	r->err = 0;
	return 1;
}

int sched_stop(int tid, bool stop)
{
	struct stop_request r = { tid, stop, -ESRCH };

	sched_each_thread(stop_thread, &r);
	return r.err;
}

void sched_stop_point(void)
{
	struct thread *t = current();

	if (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&t->frozen, __ATOMIC_RELAXED))
		return;
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	spin_lock(&c->lock);
	if (t->stop || t->frozen) {
		t->state = THREAD_STOPPED;
		switch_away(c, t);
	} else {
		spin_unlock(&c->lock);
	}
	irq_restore(flags);
}

struct trap_frame *sched_interrupt_exit(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;
	bool park = parks(prev, f);

	if (!c->need_resched && !park) {
		signal_on_resume(f);
		return f;
	}
	c->need_resched = false;
	spin_lock(&c->lock);
	if (park && (prev->stop || prev->frozen))
		prev->state = THREAD_STOPPED;
	else if (!prev->idle)
		requeue(c, prev);
	next = pick_next(c);
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		arm_timer(c);
		spin_unlock(&c->lock);
		signal_on_resume(f);
		return f;
	}
	prev->frame = *f;
	prepare_switch(c, prev, next);
	__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
	*f = next->frame;
	stop_soon(c, next);
	signal_on_resume(f);
	return f;
}

/* The program threads other than the caller: fork's freeze works on them. */
static bool other_program_thread(const struct thread *t)
{
	return t != current() && !t->idle && !t->service && t->state != THREAD_DEAD;
}

static int ask_freeze(struct thread *t, void *arg)
{
	(void)arg;
	if (other_program_thread(t)) {
		struct cpu *c = t->cpu;
		unsigned long flags = spin_lock_irqsave(&c->lock);
		t->frozen = true;
		bool running = t->state == THREAD_RUNNING && c != this_cpu();
		spin_unlock_irqrestore(&c->lock, flags);
		if (running)
			kick(c); /* its interrupt's end parks it */
	}
	return 0;
}

/* Holds t if it is parked, or asleep where a signal could wake it (there
 * it holds no kernel lock), and off its CPU; counts it in *arg otherwise:
 * an uninterruptible sleep ends soon, and the thread parks after it. */
static int try_hold(struct thread *t, void *arg)
{
	if (other_program_thread(t) && !t->held) {
		struct cpu *c = t->cpu;
		unsigned long flags = spin_lock_irqsave(&c->lock);
		if ((t->state == THREAD_STOPPED ||
		     (t->state == THREAD_BLOCKED && t->interruptible)) &&
		    !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			t->held = true;
		else
			++*(int *)arg;
		spin_unlock_irqrestore(&c->lock, flags);
	}
	return 0;
}

static int release(struct thread *t, void *arg)
{
	bool all = *(bool *)arg;

	if (!t->frozen)
		return 0;
	struct cpu *c = t->cpu, *remote = NULL;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	t->held = false;
	if (all)
		t->frozen = false;
	if (t->wake_held) {
		t->wake_held = false;
		enqueue(c, t);
		remote = c;
	} else if (all && t->state == THREAD_STOPPED && !t->stop) {
		enqueue(c, t);
		remote = c;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (remote == this_cpu())
		kick_local(remote);
	else if (remote)
		kick(remote);
	return 0;
}

int sched_freeze(bool (*idle)(void))
{
	uint64_t give_up = time_ns() + 1000000000ull;
	bool all = false;

	sched_each_thread(ask_freeze, NULL);
	for (;;) {
		int busy = 0;
		sched_each_thread(try_hold, &busy);
		if (!busy && idle())
			return 0;
		sched_each_thread(release, &all); /* held ones may finish a wait */
		if (time_ns() > give_up)
			break;
		time_sleep_until(time_ns() + 1000000, false);
	}
	all = true;
	sched_each_thread(release, &all);
	return -EAGAIN;
}

void sched_thaw(void)
{
	bool all = true;

	sched_each_thread(release, &all);
}

struct frozen_call {
	void (*fn)(struct thread *t, void *arg);
	void *arg;
};

static int call_frozen(struct thread *t, void *arg)
{
	struct frozen_call *c = arg;

	if (t->frozen)
		c->fn(t, c->arg);
	return 0;
}

void sched_frozen(void (*fn)(struct thread *t, void *arg), void *arg)
{
	struct frozen_call c = { fn, arg };

	sched_each_thread(call_frozen, &c);
}

int sched_new_tid(void)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);
	int tid = next_tid++;

	spin_unlock_irqrestore(&threads_lock, flags);
	return tid;
}

/* Whether another CPU has threads waiting that this one might take. */
static bool work_elsewhere(struct cpu *c)
{
	for (int i = 0; i < sched_ncpus; i++)
		if (sched_cpus[i] != c && sched_cpus[i]->nr_running)
			return true;
	return false;
}

/* Every CPU's thread of last resort: halts until an interrupt brings work.
 * While other CPUs have threads waiting it looks again every time slice,
 * in case its attempt to take one lost a race. */
static void idle_loop(void)
{
	for (;;) {
		struct cpu *c = this_cpu();
		reap(c);
		irq_disable();
		if (c->nr_running || c->need_resched) {
			c->need_resched = false;
			irq_enable();
			sched_reschedule();
			continue;
		}
		if (work_elsewhere(c)) {
			irq_enable();
			sched_reschedule(); /* steals if it can */
			irq_disable();
			if (c->current->idle && work_elsewhere(c))
				apic_timer_oneshot(SCHED_SLICE_NS);
		}
		cpu_idle();
		irq_enable();
	}
}

/* The idle thread of c; with a stack top it starts afresh in idle_loop,
 * without one it is the code already running (an AP's boot stack). */
static struct thread *idle_create(struct cpu *c, uintptr_t top)
{
	struct trap_frame f;
	struct thread *t;

	arch_frame_init(&f, (uintptr_t)idle_loop, top - 8);
	t = create(&f, 0, "idle", true, false);
	if (!t)
		panic("sched: no memory for an idle thread");
	t->state = THREAD_RUNNING;
	t->cpu = c;
	t->affinity = cpu_bit(c);
	return t;
}

void sched_cpu_setup(struct cpu *c)
{
	c->self = c;
	list_init(&c->runq);
	list_init(&c->timers);
	list_init(&c->callouts);
	list_init(&c->zombies);
	c->lock = (spinlock_t)SPINLOCK_INIT;
	sched_cpus[c->id] = c;
	if (c->id >= sched_ncpus)
		sched_ncpus = c->id + 1;
}

void sched_init(int first_tid)
{
	struct cpu *c = this_cpu();
	struct thread *t;

	next_tid = first_tid;
	fpu_clean = kmalloc(arch_fpu_size() + 64);
	if (!fpu_clean)
		panic("sched: no memory");
	fpu_clean = (void *)(((uintptr_t)fpu_clean + 63) & ~(uintptr_t)63);
	arch_fpu_init_state(fpu_clean);
	t = thread_alloc("main", false, false);
	if (!t)
		panic("sched: no memory for the first thread");
	t->state = THREAD_RUNNING;
	t->on_cpu = 1;
	t->cpu = c;
	c->current = t;
	uintptr_t top = vm_stack(IDLE_STACK_SIZE, false);
	if (!top)
		panic("sched: no memory for the idle stack");
	/* Touch the stack now: an idle thread must never fault. */
	memset((void *)(top - IDLE_STACK_SIZE), 0, IDLE_STACK_SIZE);
	c->idle = idle_create(c, top);
	c->online = true;
}

_Noreturn void sched_cpu_start(struct cpu *c)
{
	c->idle = idle_create(c, 0);
	c->current = c->idle;
	c->idle->on_cpu = 1;
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	irq_enable();
	idle_loop();
	__builtin_unreachable();
}

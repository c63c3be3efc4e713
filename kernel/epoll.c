/*
 * epoll instances (include/unishyper/epoll.h).
 *
 * Locks, outermost first: epoll_mutex guards which items exist (every
 * instance's item list and every file's list of the items watching it),
 * so adding, removing, closing and the loop check see a fixed graph; an
 * instance's mtx orders its waits against changes to its items, and keeps
 * a watched file open while its poll operation is asked (the file's last
 * reference waits for it in epoll_file_release()); the lock of its wait
 * queue wq guards the ready list and is the only one the wake-up entries
 * take, since they run under a file's queue lock, maybe in an interrupt.
 * An instance inside another is locked after it; the loop check keeps
 * that order acyclic.
 *
 * A wake-up puts the item on the ready list (once) and wakes the
 * instance's sleepers and watchers; a waiter checks the list under the
 * same lock before it sleeps, so a file that becomes ready on another CPU
 * is never missed. Wake-ups carry no events, so an item on the list may
 * not be ready after all: the harvest asks the file and drops it then.
 *
 * EPOLLEXCLUSIVE is checked as Linux checks it and otherwise wakes every
 * instance waiting on the file, which its contract ("one or more") allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>

#include <unishyper/epoll.h>
#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

#define MAX_NESTS 4 /* Linux's EP_MAX_NESTS: instances below the outermost */
#define CHUNK 32    /* events gathered per round before they are copied out */
#define PRIVATE_BITS (EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE | EPOLLWAKEUP)
#define EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

struct epoll {
	struct mutex mtx;
	struct waitq wq;        /* epoll_wait's sleepers; its lock guards ready */
	struct waitq poll_wq;   /* poll tables and instances watching this one */
	struct list_node items; /* struct epitem.ep_link */
	struct list_node ready; /* struct epitem.ready_link */
	struct file *file;      /* the instance's own */
	uint64_t ino;
};

struct epitem {
	struct epoll *ep;
	struct file *file;      /* no reference: the item goes with the file */
	int fd;
	uint32_t events;        /* as set, with EPOLLERR and EPOLLHUP; only
				 * PRIVATE_BITS once a one-shot fired */
	uint64_t data;
	struct list_node ep_link, file_link;
	struct list_node ready_link; /* empty when not on a ready list */
	struct ephook *hooks;
};

/* An item's entry on one of its file's wait queues. */
struct ephook {
	struct wait_entry w;
	struct waitq *q;
	struct epitem *item;
	struct ephook *next;
};

/* The poll table that hangs an item's hooks. */
struct hanger {
	struct poll_table pt;
	struct epitem *item;
};

static struct mutex epoll_mutex = MUTEX_INIT(epoll_mutex);
static uint64_t epoll_next_ino = 1;
static const struct file_ops epoll_ops;

bool epoll_is(const struct file *f)
{
	return f->ops == &epoll_ops;
}

/* Puts it on its ready list unless it is there or disabled, and wakes
 * the instance's sleepers and watchers. Any context. */
static void make_ready(struct epitem *it)
{
	struct epoll *ep = it->ep;
	bool woke = false;
	unsigned long flags = spin_lock_irqsave(&ep->wq.lock);

	if (list_empty(&it->ready_link) && (it->events & ~PRIVATE_BITS)) {
		list_push_back(&ep->ready, &it->ready_link);
		woke = true;
	}
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	if (woke) {
		waitq_wake_all(&ep->wq);
		waitq_wake_all(&ep->poll_wq);
	}
}

static void hook_wake(struct wait_entry *w)
{
	make_ready(list_entry(w, struct ephook, w)->item);
}

static void hang(struct poll_table *pt, struct waitq *q)
{
	struct epitem *it = ((struct hanger *)pt)->item;
	struct ephook *h = kzalloc(sizeof(*h));

	if (!h) {
		pt->error = -ENOMEM;
		return;
	}
	*h = (struct ephook){ .w = { .wake = hook_wake }, .q = q, .item = it, .next = it->hooks };
	list_init(&h->w.link);
	it->hooks = h;
	waitq_add(q, &h->w);
}

/* What of its events the item's file has now; with pt, also hangs it. */
static uint32_t item_poll(struct epitem *it, uint32_t events, struct poll_table *pt)
{
	short want = (short)(events & ~PRIVATE_BITS);

	return (uint16_t)it->file->ops->poll(it->file, want, pt) & (events | EPOLLERR | EPOLLHUP);
}

/* Takes it off its file's queues and out of the instance, and frees it.
 * epoll_mutex and the instance's mtx held. */
static void item_free(struct epitem *it)
{
	struct ephook *h, *next;

	for (h = it->hooks; h; h = next) {
		next = h->next;
		waitq_remove(h->q, &h->w);
		kfree(h);
	}
	unsigned long flags = spin_lock_irqsave(&it->ep->wq.lock);
	list_remove(&it->ready_link);
	spin_unlock_irqrestore(&it->ep->wq.lock, flags);
	list_remove(&it->ep_link);
	list_remove(&it->file_link);
	kfree(it);
}

static struct epitem *find(struct epoll *ep, struct file *tf, int fd)
{
	struct list_node *n;

	list_for_each(n, &ep->items) {
		struct epitem *it = list_entry(n, struct epitem, ep_link);
		if (it->file == tf && it->fd == fd)
			return it;
	}
	return NULL;
}

/* The longest chain of instances below ep (0: it watches none). Rejects
 * (returns above MAX_NESTS) a chain that reaches stop. epoll_mutex held. */
static int depth_below(struct epoll *ep, struct epoll *stop)
{
	struct list_node *n;
	int d = 0;

	list_for_each(n, &ep->items) {
		struct epitem *it = list_entry(n, struct epitem, ep_link);
		if (!epoll_is(it->file))
			continue;
		int below = it->file->priv == stop ? MAX_NESTS + 1 : 1 + depth_below(it->file->priv, stop);
		if (below > d)
			d = below;
		if (d > MAX_NESTS)
			break;
	}
	return d;
}

/* The longest chain of instances that watch ep, through its file. */
static int depth_above(struct epoll *ep)
{
	struct list_node *n;
	int d = 0;

	list_for_each(n, &ep->file->epolls) {
		int above = 1 + depth_above(list_entry(n, struct epitem, file_link)->ep);
		if (above > d)
			d = above;
	}
	return d;
}

/* Whether watching target, an instance, from ep would close a loop or
 * make a chain of more than MAX_NESTS + 1 instances, as Linux refuses. */
static bool loops(struct epoll *target, struct epoll *ep)
{
	if (target == ep)
		return true;
	return depth_above(ep) + 2 + depth_below(target, ep) > MAX_NESTS + 1;
}

static int add(struct epoll *ep, struct file *tf, int fd, const struct epoll_event *ev)
{
	struct epitem *it = kzalloc(sizeof(*it));
	struct hanger h = { .pt = { .queue = hang } };

	if (!it)
		return -ENOMEM;
	*it = (struct epitem){ .ep = ep, .file = tf, .fd = fd, .data = ev->data.u64,
			       .events = ev->events | EPOLLERR | EPOLLHUP };
	list_init(&it->ready_link);
	list_push_back(&ep->items, &it->ep_link);
	list_push_back(&tf->epolls, &it->file_link);
	h.item = it;
	uint32_t now = item_poll(it, it->events, &h.pt);
	if (h.pt.error) {
		item_free(it);
		return h.pt.error;
	}
	if (now)
		make_ready(it);
	return 0;
}

static int modify(struct epoll *ep, struct epitem *it, const struct epoll_event *ev)
{
	if (it->events & EPOLLEXCLUSIVE)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	if (item_poll(it, it->events, NULL))
		make_ready(it);
	return 0;
}

int epoll_control(struct file *f, int op, struct file *tf, int fd, const struct epoll_event *ev)
{
	struct epoll *ep = f->priv;
	struct epitem *it;
	int r;

	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || epoll_is(tf) || (ev->events & ~EXCLUSIVE_OK)))
		return -EINVAL;
	mutex_lock(&epoll_mutex);
	if (op == EPOLL_CTL_ADD && epoll_is(tf) && loops(tf->priv, ep)) {
		mutex_unlock(&epoll_mutex);
		return -ELOOP;
	}
	mutex_lock(&ep->mtx);
	it = find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		r = it ? -EEXIST : add(ep, tf, fd, ev);
		break;
	case EPOLL_CTL_MOD:
		r = it ? modify(ep, it, ev) : -ENOENT;
		break;
	case EPOLL_CTL_DEL:
		r = it ? 0 : -ENOENT;
		if (it)
			item_free(it);
		break;
	default:
		r = -EINVAL;
	}
	mutex_unlock(&ep->mtx);
	mutex_unlock(&epoll_mutex);
	return r;
}

static bool has_ready(void *arg)
{
	return !list_empty(&((struct epoll *)arg)->ready);
}

/* Takes up to max ready events off ep's list into out; returns how many.
 * Items left over go back to the front. A reported item that is
 * level-triggered, or was woken again while its file was asked, goes to
 * again: the caller puts those back on the ready list once the whole call
 * is done, so that one call reports each item once and a small max still
 * serves every item. */
static int harvest(struct epoll *ep, struct epoll_event *out, int max, struct list_node *again)
{
	struct list_node tx;
	unsigned long flags;
	int n = 0;

	list_init(&tx);
	mutex_lock(&ep->mtx);
	flags = spin_lock_irqsave(&ep->wq.lock);
	list_splice_front(&tx, &ep->ready);
	while (n < max && !list_empty(&tx)) {
		struct epitem *it = list_entry(list_pop_front(&tx), struct epitem, ready_link);
		uint32_t events = it->events;
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		/* Off the list before the file is asked: a change after the
		 * answer wakes the item again. */
		uint32_t got = events & ~PRIVATE_BITS ? item_poll(it, events, NULL) : 0;
		flags = spin_lock_irqsave(&ep->wq.lock);
		if (!got)
			continue;
		out[n++] = (struct epoll_event){ .events = got, .data.u64 = it->data };
		bool woken = !list_empty(&it->ready_link); /* back on ep->ready */
		if (woken)
			list_remove(&it->ready_link);
		if (it->events & EPOLLONESHOT)
			it->events &= PRIVATE_BITS;
		else if (woken || !(it->events & EPOLLET))
			list_push_back(again, &it->ready_link);
	}
	list_splice_front(&ep->ready, &tx);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	mutex_unlock(&ep->mtx);
	return n;
}

int epoll_wait_events(struct file *f, struct epoll_event *uev, int max, uint64_t deadline)
{
	struct epoll *ep = f->priv;
	struct epoll_event buf[CHUNK];
	struct list_node again;
	int total = 0, n, r, fault;

	list_init(&again);
	for (;;) {
		fault = 0;
		do {
			n = harvest(ep, buf, max - total < CHUNK ? max - total : CHUNK, &again);
			if (n && uaccess_to(uev + total, buf, (size_t)n * sizeof(*buf)))
				fault = -EFAULT;
			total += n;
		} while (!fault && n == CHUNK && total < max);
		unsigned long flags = spin_lock_irqsave(&ep->wq.lock);
		while (!list_empty(&again))
			list_push_back(&ep->ready, list_pop_front(&again));
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		if (fault)
			return fault;
		if (total || !deadline)
			return total;
		r = waitq_wait(&ep->wq, has_ready, ep, deadline, true);
		if (r == -ETIMEDOUT)
			deadline = 0; /* one last look, then 0 */
		else if (r)
			return r;
	}
}

void epoll_file_release(struct file *f)
{
	/* Unlocked: with no reference left, nothing adds an item to f. */
	if (list_empty(&f->epolls))
		return;
	mutex_lock(&epoll_mutex);
	while (!list_empty(&f->epolls)) {
		struct epitem *it = list_entry(f->epolls.next, struct epitem, file_link);
		struct epoll *ep = it->ep;
		mutex_lock(&ep->mtx);
		item_free(it);
		mutex_unlock(&ep->mtx);
	}
	mutex_unlock(&epoll_mutex);
}

/* Readable when an item on the ready list is ready for what it watches;
 * items found not ready leave the list, as on Linux. */
static short file_poll(struct file *f, short events, struct poll_table *pt)
{
	struct epoll *ep = f->priv;
	struct list_node tx, keep;
	unsigned long flags;
	bool ready = false;

	poll_wait(pt, &ep->poll_wq);
	list_init(&tx);
	list_init(&keep);
	mutex_lock(&ep->mtx);
	flags = spin_lock_irqsave(&ep->wq.lock);
	list_splice_front(&tx, &ep->ready);
	while (!ready && !list_empty(&tx)) {
		struct epitem *it = list_entry(list_pop_front(&tx), struct epitem, ready_link);
		uint32_t events = it->events;
		spin_unlock_irqrestore(&ep->wq.lock, flags);
		ready = events & ~PRIVATE_BITS && item_poll(it, events, NULL);
		flags = spin_lock_irqsave(&ep->wq.lock);
		if (ready && list_empty(&it->ready_link))
			list_push_back(&keep, &it->ready_link);
	}
	list_splice_front(&tx, &keep);
	list_splice_front(&ep->ready, &tx);
	spin_unlock_irqrestore(&ep->wq.lock, flags);
	mutex_unlock(&ep->mtx);
	return ready ? events & (POLLIN | POLLRDNORM) : 0;
}

static int file_stat(struct file *f, struct vfs_attr *a)
{
	file_anon_attr(a, ((struct epoll *)f->priv)->ino);
	return 0;
}

/* The instance's own last reference: watchers are gone already
 * (epoll_file_release() ran), the items go now. */
static void file_close(struct file *f)
{
	struct epoll *ep = f->priv;

	mutex_lock(&epoll_mutex);
	mutex_lock(&ep->mtx);
	while (!list_empty(&ep->items))
		item_free(list_entry(ep->items.next, struct epitem, ep_link));
	mutex_unlock(&ep->mtx);
	mutex_unlock(&epoll_mutex);
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.poll = file_poll, .seek = file_anon_seek, .stat = file_stat, .close = file_close,
};

struct file *epoll_open(void)
{
	struct epoll *ep = kzalloc(sizeof(*ep));
	struct file *f;

	if (!ep)
		return NULL;
	mutex_init(&ep->mtx);
	waitq_init(&ep->wq);
	waitq_init(&ep->poll_wq);
	list_init(&ep->items);
	list_init(&ep->ready);
	ep->ino = __atomic_fetch_add(&epoll_next_ino, 1, __ATOMIC_RELAXED);
	if (!(f = file_alloc(&epoll_ops, ep, O_RDWR)))
		kfree(ep);
	else
		ep->file = f;
	return f;
}

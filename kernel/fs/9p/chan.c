/*
 * The table of 9p channels: drivers add theirs at boot, the 9p file
 * system finds them by mount tag.
 */
#include <errno.h>
#include <string.h>

#include <unishyper/p9.h>
#include <unishyper/spinlock.h>

static struct p9_chan *chans[P9_CHAN_MAX];
static int nchans;
static spinlock_t chan_lock = SPINLOCK_INIT;

int p9_chan_register(struct p9_chan *c)
{
	unsigned long flags = spin_lock_irqsave(&chan_lock);
	int r = -ENOSPC;

	if (nchans < P9_CHAN_MAX) {
		chans[nchans++] = c;
		r = 0;
	}
	spin_unlock_irqrestore(&chan_lock, flags);
	return r;
}

struct p9_chan *p9_chan_find(const char *tag)
{
	unsigned long flags = spin_lock_irqsave(&chan_lock);
	struct p9_chan *c = NULL;

	for (int i = 0; i < nchans && !c; i++)
		if (!strcmp(chans[i]->tag, tag))
			c = chans[i];
	spin_unlock_irqrestore(&chan_lock, flags);
	return c;
}

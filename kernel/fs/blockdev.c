/*
 * The table of block devices: drivers add theirs at boot, file systems and
 * tests look them up by index (vda is 0, in the order the drivers found
 * them).
 */
#include <errno.h>
#include <stddef.h>

#include <unishyper/blockdev.h>
#include <unishyper/spinlock.h>

static struct blockdev *blockdev_table[BLOCKDEV_MAX];
static int blockdev_count;
static spinlock_t blockdev_lock = SPINLOCK_INIT;

int blockdev_register(struct blockdev *d)
{
	unsigned long flags = spin_lock_irqsave(&blockdev_lock);
	int index = -ENOSPC;

	if (blockdev_count < BLOCKDEV_MAX) {
		index = blockdev_count++;
		blockdev_table[index] = d;
	}
	spin_unlock_irqrestore(&blockdev_lock, flags);
	return index;
}

struct blockdev *blockdev_get(int index)
{
	unsigned long flags = spin_lock_irqsave(&blockdev_lock);
	struct blockdev *d = NULL;

	if (index >= 0 && index < blockdev_count)
		d = blockdev_table[index];
	spin_unlock_irqrestore(&blockdev_lock, flags);
	return d;
}

/*
 * The file-descriptor table: one per process. A fork child runs while its
 * parent waits (posix/fork.c), so the table of the running process is the
 * one here, and the parent's waits aside. A lock guards the table; each struct file counts the descriptors (and
 * calls in progress) that hold it and is closed when the last goes
 * (kernel/file.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>

#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/process.h>
#include <unishyper/spinlock.h>

struct fd_entry {
	struct file *file;
	bool cloexec;
};

static struct fd_entry fd_table[FD_MAX];
static spinlock_t fd_lock = SPINLOCK_INIT;

void fd_init_console(void)
{
	for (int fd = 0; fd < 3; fd++)
		fd_table[fd].file = console_open(fd, O_RDWR);
}

struct file *fd_get(int fd)
{
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	if ((f = fd_table[fd].file))
		file_get(f);
	spin_unlock_irqrestore(&fd_lock, flags);
	return f;
}

/* The descriptors RLIMIT_NOFILE allows: 0 to the result - 1. */
static int fd_limit(void)
{
	uint64_t nofile = process_rlimit(RLIMIT_NOFILE);

	return nofile < FD_MAX ? (int)nofile : FD_MAX;
}

int fd_install(struct file *f, int min, bool cloexec)
{
	int fd = -EMFILE, limit = fd_limit();

	/* RLIMIT_NOFILE bounds every new descriptor: EMFILE beyond it, and
	 * EINVAL for a lowest descriptor (F_DUPFD's) beyond it, as Linux. */
	if (min < 0 || min >= FD_MAX || (min && min >= limit))
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	for (int i = min; i < limit; i++) {
		if (!fd_table[i].file) {
			fd_table[i] = (struct fd_entry){ f, cloexec };
			fd = i;
			break;
		}
	}
	spin_unlock_irqrestore(&fd_lock, flags);
	return fd;
}

int fd_dup_to(int fd, int newfd, bool cloexec)
{
	struct file *old = NULL;

	/* As Linux: a target at or beyond RLIMIT_NOFILE is EBADF. */
	if (fd < 0 || fd >= FD_MAX || newfd < 0 || newfd >= fd_limit())
		return -EBADF;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	struct file *f = fd_table[fd].file;
	if (!f) {
		spin_unlock_irqrestore(&fd_lock, flags);
		return -EBADF;
	}
	if (fd != newfd) {
		file_get(f);
		old = fd_table[newfd].file;
		fd_table[newfd] = (struct fd_entry){ f, cloexec };
	}
	spin_unlock_irqrestore(&fd_lock, flags);
	if (old)
		file_put(old);
	return newfd;
}

int fd_close(int fd)
{
	struct file *f;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	f = fd_table[fd].file;
	fd_table[fd] = (struct fd_entry){ NULL, false };
	spin_unlock_irqrestore(&fd_lock, flags);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_get_cloexec(int fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	int r = fd_table[fd].file ? fd_table[fd].cloexec : -EBADF;
	spin_unlock_irqrestore(&fd_lock, flags);
	return r;
}

int fd_set_cloexec(int fd, bool on)
{
	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	int r = -EBADF;
	if (fd_table[fd].file) {
		fd_table[fd].cloexec = on;
		r = 0;
	}
	spin_unlock_irqrestore(&fd_lock, flags);
	return r;
}

struct fd_entry *fd_fork(void)
{
	struct fd_entry *parent = kmalloc(sizeof(fd_table));

	if (!parent)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	memcpy(parent, fd_table, sizeof(fd_table));
	for (int fd = 0; fd < FD_MAX; fd++)
		if (fd_table[fd].file)
			file_get(fd_table[fd].file);
	spin_unlock_irqrestore(&fd_lock, flags);
	return parent;
}

void fd_fork_end(struct fd_entry *parent)
{
	for (int fd = 0; fd < FD_MAX; fd++)
		fd_close(fd);
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	memcpy(fd_table, parent, sizeof(fd_table));
	spin_unlock_irqrestore(&fd_lock, flags);
	kfree(parent);
}

bool fd_any(bool (*match)(struct file *f, void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&fd_lock);
	bool found = false;

	for (int fd = 0; fd < FD_MAX && !found; fd++)
		found = fd_table[fd].file && match(fd_table[fd].file, arg);
	spin_unlock_irqrestore(&fd_lock, flags);
	return found;
}

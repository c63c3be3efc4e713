/*
 * Open files and the file-descriptor table.
 *
 * Every kind of file is a struct file with one operations table, filled
 * once by the kind's owner: files of a file system by the VFS
 * (kernel/fs/file.c), the console by kernel/console.c (standard streams,
 * /dev/console and /dev/tty alike), pipes by kernel/pipe.c, eventfds by
 * kernel/eventfd.c, epoll instances by kernel/epoll.c, sockets by
 * kernel/net/socket.c, timerfds and signalfds by posix/timerfd.c and
 * posix/signalfd.c. The system-call
 * layer calls through the table and never asks what kind of file it
 * holds; a missing operation answers with the errno POSIX gives for a
 * file that cannot do it. dup() shares one
 * struct file (offset and status flags) between descriptors.
 */
#ifndef UNISHYPER_FILE_H
#define UNISHYPER_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <unishyper/list.h>

struct file;
struct poll_table;
struct vfs_attr;
struct vfs_dirent;

typedef int (*vfs_emit_fn)(void *ctx, const struct vfs_dirent *d, uint64_t next);

struct file_ops {
	/* read/write at the file's offset (advancing it) when off is NULL,
	 * else at *off without touching the offset (pread/pwrite; a file
	 * without positions answers -ESPIPE). buf is the program's: reach
	 * it only through uaccess.h. NULL: -EBADF (io.c also refuses a
	 * transfer the access mode forbids). */
	ssize_t (*read)(struct file *f, void *buf, size_t n, uint64_t *off);
	ssize_t (*write)(struct file *f, const void *buf, size_t n, uint64_t *off);
	/* ioctl(2); arg is the program's. NULL: -ENOTTY. */
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	/* fcntl(2) commands of one kind (F_GETPIPE_SZ, F_SETPIPE_SZ); the
	 * generic ones are fd.c's. NULL: -EINVAL. */
	long (*fcntl)(struct file *f, int cmd, unsigned long arg);
	/* Readiness: the POLL* bits among events (and POLLERR, POLLHUP) that
	 * hold now; with a poll table, also poll_wait() on every queue whose
	 * wake-up may change the answer (include/unishyper/poll.h). NULL:
	 * always ready for reading and writing. */
	short (*poll)(struct file *f, short events, struct poll_table *pt);
	/* fstat(2). Every kind has it. */
	int (*stat)(struct file *f, struct vfs_attr *a);
	/* lseek(2): the new offset. NULL: -ESPIPE. */
	long (*seek)(struct file *f, long off, int whence);
	/* fsync(2) and fdatasync(2). NULL: -EINVAL. */
	int (*sync)(struct file *f);
	/* Hands emit the directory's entries from the file's cursor on, with
	 * the cursor after each, and moves the cursor past every entry emit
	 * takes (returns 0). Returns what emit returned when it refused one
	 * (above 0: the caller's buffer is full; below: an error), 0 at the
	 * end, or an error. NULL: -ENOTDIR. */
	int (*readdir)(struct file *f, vfs_emit_fn emit, void *ctx);
	/* Maps len bytes of the file from off at addr (file mappings).
	 * NULL: -ENODEV. */
	long (*mmap)(struct file *f, uintptr_t addr, size_t len, int prot, int flags, uint64_t off);
	/* The last reference went. */
	void (*close)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	int refs;            /* descriptors and calls in progress holding it */
	int flags;           /* O_ACCMODE, O_APPEND, O_NONBLOCK, ... */
	uint64_t offset;
	void *priv;          /* the owner's: a vnode, a pipe, a console stream */
	uint64_t dir_pos;    /* files of a file system: the getdents64 cursor */
	char *path;          /* files of a file system: the absolute path opened */
	struct list_node epolls; /* the epoll items watching it (kernel/epoll.c) */
	bool flocked;        /* it has taken a flock(2) lock (kernel/flock.c) */
};

/* A new file of kind ops with one reference (kernel/file.c); NULL without
 * memory. */
struct file *file_alloc(const struct file_ops *ops, void *priv, int flags);
/* For the kinds without a path (eventfds, epoll instances, timerfds,
 * signalfds), as Linux's anonymous inodes answer: a seek is accepted and
 * stays at 0; stat shows inode ino, mode 0600 and no type bits. */
long file_anon_seek(struct file *f, long off, int whence);
void file_anon_attr(struct vfs_attr *a, uint64_t ino);

/* Takes one more reference / drops one (the last closes the file). */
void file_get(struct file *f);
void file_put(struct file *f);

#define FD_MAX 1024

/* The open file behind fd with a reference for the caller (file_put), or
 * NULL (the caller answers -EBADF). */
struct file *fd_get(int fd);

/* Installs f at the lowest free descriptor >= min; returns it or -EMFILE.
 * Takes over the caller's reference. */
int fd_install(struct file *f, int min, bool cloexec);

/* dup2/dup3: puts the file of fd at newfd (closing what was there). */
int fd_dup_to(int fd, int newfd, bool cloexec);

/* Closes fd; 0 or -EBADF. */
int fd_close(int fd);

/* The close-on-exec flag of fd; -EBADF when not open. */
int fd_get_cloexec(int fd);
int fd_set_cloexec(int fd, bool on);

/* Opens fds 0, 1 and 2 on the console. */
void fd_init_console(void);
/*
 * A fork child's descriptors (posix/fork.c): fd_fork() gives the child the
 * parent's descriptors, each file with a reference of its own, and returns
 * the parent's table (NULL without memory). fd_fork_end() closes what the
 * child still has open and gives the parent its table back.
 */
struct fd_entry;
struct fd_entry *fd_fork(void);
/* Whether a descriptor of the running process holds a file match()
 * accepts. */
bool fd_any(bool (*match)(struct file *f, void *arg), void *arg);
void fd_fork_end(struct fd_entry *parent);

/*
 * Standard streams that are host files (posix/streams.c). spec[fd] is the
 * value of unishyper.stdin=, stdout= or stderr= when it names a file
 * ("file:OFFSET:MODE:PATH", cmdline.h) or an earlier stream ("stdin",
 * "stdout": the same open file), else NULL. Opens each such file at its
 * offset in place of the console; 0, or an error of the first that fails
 * with *fd set to its stream.
 */
int streams_open(const char *const spec[3], int *fd);

/* Writes to the kernel log where each file streams_open() opened has its
 * offset now, when it moved ("unishyper: stream FD offset N"), for the
 * host to move its own: called as the program ends. */
void streams_report(void);

#endif

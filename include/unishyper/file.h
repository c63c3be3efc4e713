/*
 * Open files and the file-descriptor table.
 *
 * Every kind of file (the console, files of a file system, devices; sockets
 * later) is a struct file with an operations table; a missing operation
 * answers with the errno POSIX gives for that kind of file. dup() shares
 * one struct file (offset and status flags) between descriptors.
 */
#ifndef UNISHYPER_FILE_H
#define UNISHYPER_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct file;
struct vnode;

struct file_ops {
	/* read/write at the file's offset (advancing it) when off is NULL,
	 * else at *off without touching the offset (pread/pwrite). */
	ssize_t (*read)(struct file *f, void *buf, size_t n, uint64_t *off);
	ssize_t (*write)(struct file *f, const void *buf, size_t n, uint64_t *off);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	/* Readiness for poll: POLLIN/POLLOUT bits of events that hold now. */
	short (*poll)(struct file *f, short events);
	void (*close)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	int refs;             /* descriptors sharing it */
	int flags;            /* O_ACCMODE, O_APPEND, O_NONBLOCK, ... */
	uint64_t offset;
	struct vnode *vnode;  /* NULL for the console */
	uint64_t dir_pos;     /* getdents64 cursor */
	int stream;           /* for the console: 1 stdout, 2 stderr */
	char *path;           /* the absolute path it was opened by (fchdir) */
};

#define FD_MAX 1024

/* The open file behind fd with a reference for the caller (file_put), or
 * NULL (the caller answers -EBADF). */
struct file *fd_get(int fd);
void file_put(struct file *f);

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

/* A new console file for stream 1 or 2 (for /dev/console, /dev/tty). */
struct file *tty_open(int stream, int flags);

#endif

/*
 * Open files and the file-descriptor table.
 *
 * Every kind of file (today the console; files, sockets and devices later)
 * is a struct file with an operations table; a missing operation answers
 * with the errno POSIX gives for that kind of file.
 */
#ifndef UNISHYPER_FILE_H
#define UNISHYPER_FILE_H

#include <stddef.h>

struct file;

struct file_ops {
	long (*read)(struct file *f, void *buf, size_t n);
	long (*write)(struct file *f, const void *buf, size_t n);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
};

struct file {
	const struct file_ops *ops;
	int stream; /* for the console: 1 stdout, 2 stderr */
};

#define FD_MAX 1024

/* The open file behind fd, or NULL (the caller answers -EBADF). */
struct file *fd_get(int fd);

/* Closes fd; 0 or -EBADF. */
int fd_close(int fd);

/* Opens fds 0, 1 and 2 on the console. */
void fd_init_console(void);

/* The console as a file (posix/tty.c). */
extern const struct file_ops tty_ops;

#endif

/*
 * The file-descriptor table: one per process, and there is one process.
 */
#include <errno.h>

#include <unishyper/file.h>

static struct file console_in = { &tty_ops, 1 };
static struct file console_out = { &tty_ops, 1 };
static struct file console_err = { &tty_ops, 2 };
static struct file *fd_table[FD_MAX];

void fd_init_console(void)
{
	fd_table[0] = &console_in;
	fd_table[1] = &console_out;
	fd_table[2] = &console_err;
}

struct file *fd_get(int fd)
{
	return fd >= 0 && fd < FD_MAX ? fd_table[fd] : NULL;
}

int fd_close(int fd)
{
	if (!fd_get(fd))
		return -EBADF;
	fd_table[fd] = NULL;
	return 0;
}

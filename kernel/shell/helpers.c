/*
 * What the shell's commands share besides the session's output: the text
 * of an error, paths made absolute against the shell's own working folder,
 * the names in a folder (sorted, with their types), options and numbers
 * of a command line, and dates. None of it keeps state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <unishyper/calendar.h>
#include <unishyper/file.h>
#include <unishyper/format.h>
#include <unishyper/kmalloc.h>
#include <unishyper/vfs.h>

#include "shell-impl.h"

static const struct {
	int err;
	const char *text;
} errors[] = {
	{ EPERM, "Operation not permitted" },
	{ ENOENT, "No such file or directory" },
	{ ESRCH, "No such thread" },
	{ EINTR, "Interrupted" },
	{ EIO, "Input/output error" },
	{ ENXIO, "No such device or address" },
	{ E2BIG, "Argument list too long" },
	{ ENOEXEC, "Exec format error" },
	{ EBADF, "Bad file descriptor" },
	{ EAGAIN, "Resource temporarily unavailable" },
	{ ENOMEM, "Cannot allocate memory" },
	{ EACCES, "Permission denied" },
	{ EFAULT, "Bad address" },
	{ EBUSY, "Device or resource busy" },
	{ EEXIST, "File exists" },
	{ EXDEV, "Invalid cross-device link" },
	{ ENODEV, "No such device" },
	{ ENOTDIR, "Not a directory" },
	{ EISDIR, "Is a directory" },
	{ EINVAL, "Invalid argument" },
	{ ENFILE, "Too many open files in system" },
	{ EMFILE, "Too many open files" },
	{ ENOTTY, "Inappropriate ioctl for device" },
	{ EFBIG, "File too large" },
	{ ENOSPC, "No space left on device" },
	{ ESPIPE, "Illegal seek" },
	{ EROFS, "Read-only file system" },
	{ EMLINK, "Too many links" },
	{ EPIPE, "Broken pipe" },
	{ ERANGE, "Numerical result out of range" },
	{ EDEADLK, "Resource deadlock avoided" },
	{ ENAMETOOLONG, "File name too long" },
	{ ENOSYS, "Function not implemented" },
	{ ENOTEMPTY, "Directory not empty" },
	{ ELOOP, "Too many levels of symbolic links" },
	{ EPROTO, "Protocol error" },
	{ EOPNOTSUPP, "Operation not supported" },
	{ ETIMEDOUT, "Connection timed out" },
};

const char *shell_strerror(int err)
{
	static char unknown[24];

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].err == -err)
			return errors[i].text;
	ksnprintf(unknown, sizeof(unknown), "error %d", -err);
	return unknown;
}

int shell_join(const char *dir, const char *name, char *out)
{
	size_t d = strlen(dir), n = strlen(name);
	bool slash = d && dir[d - 1] != '/';

	if (d + slash + n + 1 > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	memmove(out, dir, d);
	if (slash)
		out[d++] = '/';
	memcpy(out + d, name, n + 1);
	return 0;
}

void shell_date(uint64_t ns, char *out, bool seconds)
{
	uint64_t s = ns / 1000000000ull;
	int64_t y;
	unsigned m, d;

	cal_civil_from_days((int64_t)(s / 86400), &y, &m, &d);
	s %= 86400;
	if (seconds)
		ksnprintf(out, 20, "%04ld-%02u-%02u %02lu:%02lu:%02lu", (long)y, m, d, s / 3600,
			  s / 60 % 60, s % 60);
	else
		ksnprintf(out, 20, "%04ld-%02u-%02u %02lu:%02lu", (long)y, m, d, s / 3600,
			  s / 60 % 60);
}

int shell_path(struct shell *sh, const char *path, char *out)
{
	if (!path[0])
		return -ENOENT;
	if (path[0] == '/')
		return vfs_normalize(path, out);
	int r = shell_join(sh->cwd, path, out);
	return r ? r : vfs_normalize(out, out);
}

int shell_options(struct shell *sh, int argc, char **argv, const char *allowed, uint64_t *flags)
{
	int i = 1;

	*flags = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1;
		for (const char *o = argv[i] + 1; *o; o++) {
			if (!strchr(allowed, *o) || *o < 'A' || *o > 'z') {
				shell_error(sh, "%s: unknown option -%c", argv[0],
					    *o > ' ' && *o < 0x7f ? *o : '?');
				shell_usage(sh, argv[0]);
				return -1;
			}
			*flags |= SHELL_FLAG(*o);
		}
	}
	return i;
}

int shell_number(struct shell *sh, const char *cmd, const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && v <= (UINT64_MAX - 9) / 10; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (!*s || *p) {
		shell_error(sh, "%s: %s: not a number", cmd, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Heap sort of the name pointers by byte order. */
static void sift(char **v, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && strcmp(v[child], v[child + 1]) < 0)
			child++;
		if (strcmp(v[root], v[child]) >= 0)
			return;
		char *t = v[root];
		v[root] = v[child];
		v[child] = t;
	}
}

static void sort(char **v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(v, i, n);
	for (size_t end = n; end > 1; end--) {
		char *t = v[0];
		v[0] = v[end - 1];
		v[end - 1] = t;
		sift(v, 0, end - 1);
	}
}

/* readdir's emit: appends "name\0type" to the collection. */
static int collect(void *ctx, const struct vfs_dirent *d, uint64_t next)
{
	struct shell_names *names = ctx;
	size_t need = strlen(d->name) + 2;

	(void)next;
	if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
		return 0;
	if (names->len + need > names->cap) {
		size_t cap = names->cap ? 2 * names->cap : 4096;
		char *buf = krealloc(names->buf, cap);
		if (!buf)
			return -ENOMEM;
		names->buf = buf;
		names->cap = cap;
	}
	memcpy(names->buf + names->len, d->name, need - 1);
	names->buf[names->len + need - 1] = (char)d->type;
	names->len += need;
	names->n++;
	return 0;
}

int shell_names_read(const char *abs, struct shell_names *out)
{
	struct file *f;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = vfs_open(abs, O_RDONLY | O_DIRECTORY, 0, &f)))
		return r;
	r = f->ops->readdir ? f->ops->readdir(f, collect, out) : -ENOTDIR;
	file_put(f);
	if (!r && out->n && !(out->v = kmalloc(out->n * sizeof(*out->v))))
		r = -ENOMEM;
	if (r) {
		shell_names_free(out);
		return r;
	}
	for (size_t i = 0, at = 0; i < out->n; i++) {
		out->v[i] = out->buf + at;
		at += strlen(out->v[i]) + 2;
	}
	sort(out->v, out->n);
	return 0;
}

void shell_names_free(struct shell_names *names)
{
	kfree(names->v);
	kfree(names->buf);
	memset(names, 0, sizeof(*names));
}

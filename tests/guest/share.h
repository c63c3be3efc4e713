/*
 * What the two guest halves of tests/integration/share.sh both use:
 * share.c (the file system calls on a share) and sharestress.c (threads,
 * a vanishing share, large trees). Paths under the share under test,
 * files of a generated pattern, whole-file contents, sorted getdents64
 * listings, and TRY. Everything is static: each program includes this
 * once, after defining _GNU_SOURCE.
 */
#ifndef SHARE_H
#define SHARE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"

/* CHECK, and on failure the errno the checked calls left. */
#define TRY(cond, ...)                                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		int ok_ = !!(cond), e_ = errno;                                                    \
		CHECK(ok_, __VA_ARGS__);                                                           \
		if (!ok_)                                                                          \
			printf("#   errno %d (%s)\n", e_, strerror(e_));                           \
	} while (0)

static const char *dir; /* the share (or the folder in it) under test */

/* DIR/name in one of a few rotating buffers, so one check can use several. */
static const char *at(const char *fmt, ...)
{
	static char bufs[8][1024];
	static int next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, sizeof(bufs[0]), "%s/", dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b + n, sizeof(bufs[0]) - (size_t)n, fmt, ap);
	va_end(ap);
	return b;
}

/* The bytes of file n: the generator of tests/integration/disk.sh too. */
static unsigned char pattern(int n, long i)
{
	return (unsigned char)((i * 7 + n * 13) % 251);
}

/* Writes size bytes of pattern n, in writes of changing sizes (1 byte to
 * more than one 9P message). */
static int write_pattern(const char *path, int n, long size)
{
	static const long chunks[] = {1, 4095, 7919, 65537, 300000};
	unsigned char *buf = malloc(300000);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644), ok = fd >= 0 && buf;

	for (long done = 0, c = 0; ok && done < size; c++) {
		long k = chunks[c % 5] < size - done ? chunks[c % 5] : size - done;
		for (long i = 0; i < k; i++)
			buf[i] = pattern(n, done + i);
		ok = write(fd, buf, (size_t)k) == k;
		done += k;
	}
	ok = ok && fsync(fd) == 0;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	free(buf);
	return ok;
}

/* 1 when path holds exactly size bytes of pattern n. */
static int check_pattern(const char *path, int n, long size)
{
	unsigned char *buf = malloc(100003);
	int fd = open(path, O_RDONLY), ok = fd >= 0 && buf;
	long done = 0, r;

	while (ok && (r = read(fd, buf, 100003)) > 0) {
		for (long i = 0; i < r && ok; i++)
			ok = buf[i] == pattern(n, done + i);
		done += r;
	}
	ok = ok && r == 0 && done == size;
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	return ok;
}

/* 1 when the file at path holds exactly want. */
static int has(const char *path, const char *want)
{
	size_t cap = strlen(want) + 2;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY), ok;
	ssize_t n = 0, r = -1;

	while (fd >= 0 && buf && (size_t)n < cap && (r = read(fd, buf + n, cap - (size_t)n)) > 0)
		n += r;
	ok = r == 0 && (size_t)n == strlen(want) && !memcmp(buf, want, (size_t)n);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

struct dent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dirfd/path but . and .., sorted, each followed by '/'
 * for DT_DIR or '@' for DT_LNK, joined with '|'; read by getdents64 into
 * a buffer of bufsize bytes, so a small one takes many calls. NULL when
 * the directory cannot be opened or read. The caller frees it. */
static char *list_at(int dirfd, const char *path, size_t bufsize)
{
	char *buf = malloc(bufsize), **names = NULL, *out = NULL;
	size_t n = 0, cap = 0, len = 1;
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY);
	long r = -1;

	while (fd >= 0 && buf && (r = syscall(SYS_getdents64, fd, buf, bufsize)) > 0)
		for (long p = 0; p < r;) {
			struct dent64 *d = (struct dent64 *)(buf + p);
			p += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			if (n == cap)
				names = realloc(names, (cap = cap * 2 + 64) * sizeof(*names));
			names[n] = malloc(strlen(d->name) + 2);
			sprintf(names[n], "%s%s", d->name,
				d->type == DT_DIR   ? "/"
				: d->type == DT_LNK ? "@"
						    : "");
			len += strlen(names[n++]) + 1;
		}
	if (fd >= 0 && r == 0) {
		int e = errno;
		qsort(names, n, sizeof(*names), by_name);
		out = calloc(1, len);
		for (size_t i = 0; i < n; i++)
			strcat(strcat(out, i ? "|" : ""), names[i]);
		errno = e;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(buf);
	if (fd >= 0)
		close(fd);
	return out;
}

/* 1 when path lists exactly want (see list_at); shows what it got if not. */
static int lists(const char *path, size_t bufsize, const char *want)
{
	char *got = list_at(AT_FDCWD, path, bufsize);
	int ok = got && !strcmp(got, want);

	if (!ok)
		printf("#   %s lists \"%s\"\n", path, got ? got : "(error)");
	free(got);
	return ok;
}

#endif

/*
 * What the path and stat families share (posix/path.c): paths copied in
 * from the program, and the file an *at call means.
 */
#ifndef POSIX_PATH_H
#define POSIX_PATH_H

/* Copies a NUL-terminated path from the program into out (VFS_PATH_MAX):
 * 0, -EFAULT, -ENAMETOOLONG, or -ENOENT for an empty path. */
long path_get(const char *u, char *out);

/* The path an *at call means: relative paths against dirfd's directory
 * (-EBADF, -ENOTDIR when dirfd is not one). */
long path_at(int dirfd, const char *u, char *out);

/* Whether an *at call means the file of dirfd itself rather than a path:
 * with AT_EMPTY_PATH, a path that is empty or NULL (fstat and fchown pass
 * NULL). 1 or 0, or -EFAULT (NULL without AT_EMPTY_PATH, as stat(NULL)). */
long path_means_fd(const char *upath, int flags);

#endif

/*
 * File system calls over the VFS, on the ramfs root and /tmp and on /dev:
 * open flags, read/write/pread/pwrite, lseek, stat family, directories,
 * rename, truncate, dup/fcntl, the working directory, access, utimensat,
 * statfs, and the errors POSIX gives.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"

static int fails(int r, int err)
{
	return r == -1 && errno == err;
}

static int names(const char *dir, const char *want)
{
	char got[256] = "";
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			strcat(got, e->d_name);
			strcat(got, " ");
		}
	closedir(d);
	return !strcmp(got, want);
}

int main(void)
{
	char buf[256];
	struct stat st;
	int fd;

	fd = open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0644);
	CHECK(fd >= 3, "open O_CREAT|O_EXCL gives the lowest free fd (%d)", fd);
	CHECK(write(fd, "hello world", 11) == 11, "write");
	CHECK(lseek(fd, 0, SEEK_CUR) == 11 && lseek(fd, 6, SEEK_SET) == 6, "lseek");
	CHECK(read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "world", 5), "read from the offset");
	CHECK(pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "World", 5),
	      "pwrite/pread leave the offset alone");
	CHECK(lseek(fd, 0, SEEK_CUR) == 11, "offset unchanged by pread/pwrite");
	CHECK(lseek(fd, 100, SEEK_SET) == 100 && write(fd, "!", 1) == 1 && fstat(fd, &st) == 0 &&
		      st.st_size == 101, "writing past the end extends the file");
	CHECK(pread(fd, buf, 10, 50) == 10 && !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10),
	      "the gap reads as zeros");
	CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644, "fstat: a regular file, mode 0644");
	CHECK(st.st_uid == 0 && st.st_gid == 0 && chown("/tmp/a", 0, 0) == 0 &&
		      fchown(fd, (uid_t)-1, (gid_t)-1) == 0,
	      "files here are root's: chown to root is allowed");
	errno = 0;
	CHECK(chown("/tmp/a", 1000, 1000) == -1 && errno == EPERM, "chown to anyone else: EPERM");
	errno = 0;
	CHECK(link("/tmp/a", "/tmp/a2") == 0 && stat("/tmp/a2", &st) == 0 && st.st_nlink == 2 &&
		      unlink("/tmp/a2") == 0 && stat("/tmp/a", &st) == 0 && st.st_nlink == 1,
	      "a hard link in memory: two names, then one");
	/* Straight to the kernel: libc may turn these into fstat and fchown. */
	CHECK(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_size == 101 &&
		      syscall(SYS_fchownat, fd, "", 0, 0, AT_EMPTY_PATH) == 0,
	      "an empty path with AT_EMPTY_PATH means the fd");
	errno = 0;
	CHECK(syscall(SYS_newfstatat, fd, "", &st, 0) == -1 && errno == ENOENT,
	      "an empty path without it: ENOENT");
	errno = 0;
	CHECK(syscall(SYS_fchownat, fd, (char *)1, 0, 0, AT_EMPTY_PATH) == -1 && errno == EFAULT,
	      "a bad path pointer with AT_EMPTY_PATH: EFAULT");
	CHECK(fails(lseek(fd, -1, SEEK_SET), EINVAL), "lseek before the start: EINVAL");
	CHECK(close(fd) == 0, "close");

	CHECK(fails(open("/tmp/a", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST), "O_EXCL on an existing file: EEXIST");
	CHECK(fails(open("/tmp/none", O_RDONLY), ENOENT), "open of nothing: ENOENT");
	CHECK(fails(open("/tmp/a/x", O_RDONLY), ENOTDIR), "a file used as a directory: ENOTDIR");
	CHECK(fails(open("/tmp", O_WRONLY), EISDIR), "a directory opened for writing: EISDIR");
	CHECK(fails(open("/tmp/a", O_RDONLY | O_DIRECTORY), ENOTDIR), "O_DIRECTORY on a file: ENOTDIR");
	char longname[300] = "/tmp/";
	memset(longname + 5, 'x', 256);
	longname[261] = 0;
	CHECK(fails(open(longname, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG), "a 256-byte name: ENAMETOOLONG");

	fd = open("/tmp/a", O_WRONLY | O_APPEND);
	CHECK(write(fd, "+", 1) == 1 && fstat(fd, &st) == 0 && st.st_size == 102, "O_APPEND writes at the end");
	close(fd);
	fd = open("/tmp/a", O_RDWR | O_TRUNC);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties the file");
	CHECK(ftruncate(fd, 4000) == 0 && fstat(fd, &st) == 0 && st.st_size == 4000, "ftruncate grows");
	CHECK(fallocate(fd, 0, 0, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192, "fallocate");
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync, fdatasync");

	int fd2 = dup(fd);
	CHECK(fd2 > fd && lseek(fd, 10, SEEK_SET) == 10 && lseek(fd2, 0, SEEK_CUR) == 10,
	      "dup shares the offset");
	CHECK(dup2(fd, 20) == 20 && fcntl(20, F_GETFD) == 0, "dup2");
	CHECK(dup3(fd, 21, O_CLOEXEC) == 21 && fcntl(21, F_GETFD) == FD_CLOEXEC, "dup3 with O_CLOEXEC");
	CHECK(fcntl(fd, F_DUPFD, 30) == 30, "F_DUPFD takes the lowest fd >= 30");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL");
	CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(fd2, F_GETFL) & O_APPEND), "F_SETFL, shared by dup");
	CHECK(fails(fcntl(99, F_GETFD), EBADF) && fails(dup2(99, 5), EBADF), "bad fds: EBADF");
	close(fd2);
	close(20);
	close(21);
	close(30);
	close(fd);
	CHECK(truncate("/tmp/a", 3) == 0 && stat("/tmp/a", &st) == 0 && st.st_size == 3, "truncate");

	CHECK(mkdir("/tmp/d", 0755) == 0 && stat("/tmp/d", &st) == 0 && S_ISDIR(st.st_mode), "mkdir");
	CHECK(fails(mkdir("/tmp/d", 0755), EEXIST), "mkdir twice: EEXIST");
	CHECK(mkdirat(AT_FDCWD, "/tmp/d/e", 0755) == 0, "mkdirat");
	CHECK(rename("/tmp/a", "/tmp/d/a2") == 0 && fails(stat("/tmp/a", &st), ENOENT) &&
		      stat("/tmp/d/a2", &st) == 0, "rename across directories");
	CHECK(names("/tmp/d", "e a2 "), "readdir lists the entries");
	CHECK(fails(rmdir("/tmp/d"), ENOTEMPTY), "rmdir of a non-empty directory: ENOTEMPTY");
	CHECK(fails(unlink("/tmp/d"), EISDIR), "unlink of a directory: EISDIR");
	CHECK(fails(rmdir("/tmp/d/a2"), ENOTDIR), "rmdir of a file: ENOTDIR");
	CHECK(fails(rename("/tmp/d", "/tmp/d/e/inside"), EINVAL), "a directory into itself: EINVAL");

	CHECK(chdir("/tmp/d") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/d"), "chdir, getcwd");
	CHECK(stat("a2", &st) == 0 && stat("./e/../a2", &st) == 0 && stat("//tmp///d/a2", &st) == 0,
	      "relative paths, . and .., repeated slashes");
	int dfd = open("/tmp/d/e", O_RDONLY | O_DIRECTORY);
	CHECK(openat(dfd, "f", O_CREAT | O_WRONLY, 0600) >= 0 && stat("/tmp/d/e/f", &st) == 0 &&
		      (st.st_mode & 0777) == 0600, "openat relative to a directory fd");
	CHECK(unlinkat(dfd, "f", 0) == 0 && fails(stat("/tmp/d/e/f", &st), ENOENT), "unlinkat");
	CHECK(fchdir(dfd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/d/e"), "fchdir");
	close(dfd);
	CHECK(fails(getcwd(buf, 3) ? 0 : -1, ERANGE), "getcwd into a small buffer: ERANGE");
	CHECK(chdir("/") == 0 && fails(chdir("/tmp/d/a2"), ENOTDIR), "chdir to a file: ENOTDIR");

	CHECK(access("/tmp/d/a2", R_OK | W_OK) == 0 && fails(access("/tmp/d/a2", X_OK), EACCES) &&
		      fails(access("/tmp/none", F_OK), ENOENT), "access");
	struct timespec ts[2] = { { 1000000, 0 }, { 2000000, 500 } };
	CHECK(utimensat(AT_FDCWD, "/tmp/d/a2", ts, 0) == 0 && stat("/tmp/d/a2", &st) == 0 &&
		      st.st_mtim.tv_sec == 2000000 && st.st_atim.tv_sec == 1000000, "utimensat");
	CHECK(umask(077) == 022 && open("/tmp/u", O_CREAT | O_WRONLY, 0666) >= 0 &&
		      stat("/tmp/u", &st) == 0 && (st.st_mode & 0777) == 0600, "umask applies to new files");
	struct statfs sf;
	CHECK(statfs("/tmp", &sf) == 0 && sf.f_bsize > 0 && sf.f_blocks > 0, "statfs");
	CHECK(readlink("/proc/self/exe", buf, sizeof(buf)) > 1 && buf[0] == '/', "readlink /proc/self/exe");

	fd = open("/dev/null", O_RDWR);
	CHECK(write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0, "/dev/null");
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	CHECK(read(fd, buf, 4) == 4 && !memcmp(buf, "\0\0\0\0", 4), "/dev/zero");
	close(fd);
	unsigned char r1[16], r2[16];
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(read(fd, r1, 16) == 16 && read(fd, r2, 16) == 16 && memcmp(r1, r2, 16), "/dev/urandom");
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	CHECK(fails(write(fd, "x", 1), ENOSPC), "/dev/full: ENOSPC");
	close(fd);
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "devices are character devices");
	CHECK(fails(open("/dev/nodev", O_CREAT | O_WRONLY, 0644), EACCES), "no new files in /dev");

	int opened = 0, last = -1;
	while ((last = open("/dev/null", O_RDONLY)) >= 0)
		opened++;
	CHECK(errno == EMFILE && opened > 1000, "descriptors run out with EMFILE after %d", opened);
	for (int i = 3; i < 1024; i++)
		close(i);

	FILE *f = fopen("/tmp/stdio.txt", "w");
	CHECK(f && fprintf(f, "line %d\n", 42) > 0 && fclose(f) == 0, "stdio writes a file");
	f = fopen("/tmp/stdio.txt", "r");
	CHECK(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "line 42\n") && fclose(f) == 0,
	      "stdio reads it back");
	CHECK(fails(open((char *)8, O_RDONLY), EFAULT), "a bad path pointer: EFAULT");
	CHECK(fails(open("", O_RDONLY), ENOENT), "an empty path: ENOENT");
	return tap_done();
}

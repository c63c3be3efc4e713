/*
 * A host folder shared over virtio-9p (unishyper-run --share): the file
 * system's semantics, the guest half of tests/integration/share.sh, which
 * prepares the host folders, boots this program once per mode and checks
 * on the host what it did. Its workloads (threads, a vanishing share,
 * large trees) are sharestress.c.
 *
 *   share write DIR          the file system calls on an empty share; leaves
 *                            the tree share.sh then checks byte for byte
 *   share check DIR          reads the tree share.sh made
 *   share escape DIR SECRET  no path, link or walk reads the host file
 *                            SECRET outside the share or lists its folder
 *   share ro DIR             a read-only share: reads work, changes EROFS
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "share.h"

#define SECRET_MARK "unishyper-secret"

static int fails(long r, int err)
{
	return r == -1 && errno == err;
}

/* Linux's struct statx, up to what is used here (the call fills 256 bytes). */
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	uint64_t rest[25];
};

static void mode_write(void)
{
	char buf[512], zeros[10] = {0};
	struct stat st, st2;
	struct statfs sf, sf2, root;
	struct kstatx sx;
	int fd;

	fd = open(at("a.txt"), O_CREAT | O_EXCL | O_RDWR, 0644);
	TRY(fd >= 0, "open O_CREAT|O_EXCL makes a file on the share");
	TRY(write(fd, "hello world", 11) == 11, "write");
	TRY(lseek(fd, 0, SEEK_CUR) == 11 && lseek(fd, 6, SEEK_SET) == 6, "lseek");
	TRY(read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "world", 5), "read from the offset");
	TRY(pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "World", 5),
	    "pwrite, pread");
	TRY(lseek(fd, 0, SEEK_CUR) == 11, "pread and pwrite leave the offset alone");
	TRY(lseek(fd, 100, SEEK_SET) == 100 && write(fd, "!", 1) == 1 && fstat(fd, &st) == 0 &&
		st.st_size == 101,
	    "writing past the end extends the file");
	TRY(pread(fd, buf, 10, 50) == 10 && !memcmp(buf, zeros, 10), "the gap reads as zeros");
	TRY(lseek(fd, -1, SEEK_END) == 100 && read(fd, buf, 5) == 1 && buf[0] == '!' &&
		read(fd, buf, 5) == 0,
	    "SEEK_END, and read at the end gives 0");
	TRY(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644, "fstat: a regular file, mode 0644");
	TRY(fails(lseek(fd, -1, SEEK_SET), EINVAL), "lseek before the start: EINVAL");
	TRY(close(fd) == 0, "close");

	TRY(fails(open(at("a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST),
	    "O_EXCL on an existing file: EEXIST");
	TRY(fails(open(at("none"), O_RDONLY), ENOENT), "open of nothing: ENOENT");
	TRY(fails(stat(at("none/x"), &st), ENOENT), "stat below a missing directory: ENOENT");
	TRY(fails(open(at("a.txt/x"), O_RDONLY), ENOTDIR), "a file used as a directory: ENOTDIR");
	TRY(fails(mkdir(at("a.txt/x"), 0755), ENOTDIR), "mkdir below a file: ENOTDIR");
	TRY(fails(open(dir, O_WRONLY), EISDIR), "the share opened for writing: EISDIR");
	TRY(fails(open(at("a.txt"), O_RDONLY | O_DIRECTORY), ENOTDIR),
	    "O_DIRECTORY on a file: ENOTDIR");
	char name[300];
	memset(name, 'x', 256);
	name[256] = 0;
	TRY(fails(open(at("%s", name), O_CREAT | O_WRONLY, 0644), ENAMETOOLONG),
	    "a 256-byte name: ENAMETOOLONG");
	TRY(fails(mkdir(at("%s", name), 0755), ENAMETOOLONG),
	    "mkdir of a 256-byte name: ENAMETOOLONG");
	name[255] = 0;
	TRY(put(at("%s", name), "") && unlink(at("%s", name)) == 0, "a 255-byte name is fine");

	fd = open(at("a.txt"), O_RDWR | O_APPEND);
	TRY(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "+", 1) == 1 &&
		fstat(fd, &st) == 0 && st.st_size == 102 && pread(fd, buf, 1, 101) == 1 &&
		buf[0] == '+',
	    "O_APPEND writes at the end");
	close(fd);
	fd = open(at("a.txt"), O_RDWR | O_TRUNC);
	TRY(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties the file");
	TRY(write(fd, "0123456789", 10) == 10 && close(fd) == 0, "write after O_TRUNC");
	TRY(truncate(at("a.txt"), 5) == 0 && stat(at("a.txt"), &st) == 0 && st.st_size == 5 &&
		has(at("a.txt"), "01234"),
	    "truncate shrinks");
	fd = open(at("grown.bin"), O_CREAT | O_WRONLY, 0644);
	TRY(fd >= 0 && write(fd, "0123456789", 10) == 10 && ftruncate(fd, 4000) == 0 &&
		fstat(fd, &st) == 0 && st.st_size == 4000,
	    "ftruncate grows");
	TRY(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync, fdatasync");
	TRY(fchmod(fd, 0600) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600, "fchmod");
	TRY(fstatfs(fd, &sf2) == 0, "fstatfs");
	close(fd);
	TRY(stat(at("grown.bin"), &st) == 0 && st.st_size == 4000 && (st.st_mode & 0777) == 0600,
	    "stat after close sees the size and mode");

	TRY(write_pattern(at("big.bin"), 3, 1000003), "1000003 bytes in writes of 1 B to 300 kB");
	TRY(check_pattern(at("big.bin"), 3, 1000003), "they read back");
	fd = open(at("big.bin"), O_RDONLY);
	int same = fd >= 0;
	for (long off = 0; same && off < 1000003; off += 99991) {
		long want = off + 7 <= 1000003 ? 7 : 1000003 - off;
		same = pread(fd, buf, 7, off) == want;
		for (long i = 0; same && i < want; i++)
			same = (unsigned char)buf[i] == pattern(3, off + i);
	}
	TRY(same, "pread at offsets across the file");
	close(fd);
	TRY(syscall(SYS_statx, AT_FDCWD, at("big.bin"), 0, 0x7ff, &sx) == 0 && sx.size == 1000003 &&
		S_ISREG(sx.mode),
	    "statx");

	fd = open(at("huge.bin"), O_CREAT | O_RDWR, 0644);
	TRY(fd >= 0 && pwrite(fd, "far", 3, 5LL << 30) == 3 && fstat(fd, &st) == 0 &&
		st.st_size == (5LL << 30) + 3 && pread(fd, buf, 8, 5LL << 30) == 3 &&
		!memcmp(buf, "far", 3),
	    "pwrite and pread beyond 4 GiB");
	TRY(close(fd) == 0 && unlink(at("huge.bin")) == 0, "and away again");
	TRY(put(at("tmpfile"), "still here") && (fd = open(at("tmpfile"), O_RDWR)) >= 0 &&
		unlink(at("tmpfile")) == 0 && fails(stat(at("tmpfile"), &st), ENOENT),
	    "unlink of an open file");
	TRY(pread(fd, buf, 20, 0) == 10 && !memcmp(buf, "still here", 10),
	    "an unlinked open file still reads");
	TRY(pwrite(fd, "!", 1, 10) == 1, "and is still written");
	st.st_size = -1;
	TRY(fstat(fd, &st) == 0 && st.st_size == 11,
	    "fstat of an unlinked open file gives its size (%ld)", (long)st.st_size);
	close(fd);

	TRY(mkdir(at("d"), 0755) == 0 && stat(at("d"), &st) == 0 && S_ISDIR(st.st_mode) &&
		(st.st_mode & 0777) == 0755,
	    "mkdir");
	TRY(fails(mkdir(at("d"), 0755), EEXIST), "mkdir twice: EEXIST");
	TRY(fails(open(at("d"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST),
	    "O_CREAT|O_EXCL on a directory: EEXIST");
	TRY(fails(open(at("d"), O_RDWR), EISDIR), "a directory opened for writing: EISDIR");
	TRY(mkdir(at("d/e"), 0755) == 0 && mkdir(at("d/e/f"), 0755) == 0, "nested mkdir");
	fd = put(at("moveme"), "moved\n") ? open(at("moveme"), O_RDONLY) : -1;
	TRY(fd >= 0 && rename(at("moveme"), at("d/moved")) == 0 &&
		fails(stat(at("moveme"), &st), ENOENT) && has(at("d/moved"), "moved\n"),
	    "rename across directories");
	TRY(pread(fd, buf, 16, 0) == 6 && !memcmp(buf, "moved\n", 6) && close(fd) == 0,
	    "a file renamed while open still reads");
	TRY(put(at("d/old"), "old content\n") && put(at("new"), "new content\n") &&
		rename(at("new"), at("d/old")) == 0 && has(at("d/old"), "new content\n") &&
		fails(stat(at("new"), &st), ENOENT),
	    "rename replaces an existing file");
	TRY(put(at("keep"), "keep\n") &&
		fails(syscall(SYS_renameat2, AT_FDCWD, at("d/moved"), AT_FDCWD, at("keep"), 1),
		      EEXIST) &&
		has(at("keep"), "keep\n"),
	    "renameat2 RENAME_NOREPLACE: EEXIST");
	TRY(unlink(at("keep")) == 0 && fails(stat(at("keep"), &st), ENOENT), "unlink");
	TRY(mkdir(at("sub"), 0755) == 0 && put(at("sub/inner.txt"), "inner\n") &&
		rename(at("sub"), at("d/sub2")) == 0 && has(at("d/sub2/inner.txt"), "inner\n") &&
		fails(stat(at("sub"), &st), ENOENT),
	    "rename of a directory with what it holds");
	TRY(fails(rename(at("d"), at("d/e/inside")), EINVAL), "a directory into itself: EINVAL");
	TRY(fails(rename(at("d/old"), at("d/e")), EISDIR), "a file over a directory: EISDIR");
	TRY(fails(rmdir(at("d")), ENOTEMPTY), "rmdir of a non-empty directory: ENOTEMPTY");
	TRY(fails(unlink(at("d")), EISDIR), "unlink of a directory: EISDIR");
	TRY(fails(rmdir(at("d/old")), ENOTDIR), "rmdir of a file: ENOTDIR");
	TRY(rmdir(at("d/e/f")) == 0 && fails(stat(at("d/e/f"), &st), ENOENT), "rmdir");
	TRY(fails(unlink(at("none")), ENOENT) && fails(rmdir(at("none")), ENOENT) &&
		fails(rename(at("none"), at("x")), ENOENT),
	    "unlink, rmdir, rename of nothing: ENOENT");
	TRY(lists(at("d"), 4096, "e/|moved|old|sub2/"), "getdents64 lists a directory, with types");
	TRY(chmod(at("d/e"), 0700) == 0 && stat(at("d/e"), &st) == 0 &&
		(st.st_mode & 07777) == 0700,
	    "chmod of a directory");

	int made = mkdir(at("many"), 0755) == 0, gone = 1;
	for (int i = 0; i < 100; i++) {
		snprintf(buf, 32, "%d\n", i);
		made &= put(at("many/f%03d", i), buf);
	}
	TRY(made, "100 files in one directory");
	char want[2048] = "";
	for (int i = 0; i < 100; i++)
		sprintf(want + strlen(want), "%sf%03d", i ? "|" : "", i);
	TRY(lists(at("many"), 128, want), "getdents64 through a 128-byte buffer sees each once");
	for (int i = 1; i < 100; i += 2)
		gone &= unlink(at("many/f%03d", i)) == 0;
	want[0] = 0;
	for (int i = 0; i < 100; i += 2)
		sprintf(want + strlen(want), "%sf%03d", i ? "|" : "", i);
	TRY(gone && lists(at("many"), 4096, want),
	    "after unlinking half, the other half is listed");
	DIR *dp = opendir(at("many"));
	int count = 0;
	for (struct dirent *e; dp && (e = readdir(dp));)
		count += e->d_name[0] == 'f';
	if (dp)
		rewinddir(dp);
	for (struct dirent *e; dp && (e = readdir(dp));)
		count += e->d_name[0] == 'f';
	TRY(dp && count == 100 && closedir(dp) == 0, "readdir, rewinddir (%d entries)", count);

	TRY(put(at("mode.sh"), "#!/bin/sh\n") && chmod(at("mode.sh"), 0750) == 0 &&
		stat(at("mode.sh"), &st) == 0 && (st.st_mode & 07777) == 0750,
	    "chmod, seen by stat");
	TRY(put(at("owned.txt"), "owned\n") && chown(at("owned.txt"), 1234, 5678) == 0 &&
		stat(at("owned.txt"), &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678,
	    "chown, seen by stat");
	TRY((fd = open(at("owned.txt"), O_RDONLY)) >= 0 && fchown(fd, (uid_t)-1, 4321) == 0 &&
		fstat(fd, &st) == 0 && st.st_uid == 1234 && st.st_gid == 4321 && close(fd) == 0,
	    "fchown of the group only");
	TRY(link(at("owned.txt"), at("owned.hard")) == 0 && stat(at("owned.hard"), &st) == 0 &&
		st.st_nlink == 2 && stat(at("owned.txt"), &st2) == 0 && st2.st_ino == st.st_ino &&
		has(at("owned.hard"), "owned\n") && unlink(at("owned.hard")) == 0 &&
		stat(at("owned.txt"), &st) == 0 && st.st_nlink == 1,
	    "link: a second name for the same file, until it is unlinked");
	TRY(fails(link(at("d"), at("d.hard")), EPERM) && fails(link(at("owned.txt"), "/tmp/x"), EXDEV) &&
		fails(link(at("nothing"), at("x")), ENOENT) &&
		fails(link(at("owned.txt"), at("a.txt")), EEXIST),
	    "link of a directory: EPERM; across mounts: EXDEV; of nothing: ENOENT; over a name: EEXIST");
	TRY(symlink("owned.txt", at("owned.link")) == 0 && lchown(at("owned.link"), 99, 98) == 0 &&
		lstat(at("owned.link"), &st) == 0 && st.st_uid == 99 && st.st_gid == 98 &&
		stat(at("owned.link"), &st) == 0 && st.st_uid == 1234 && unlink(at("owned.link")) == 0,
	    "lchown changes the link, not its target");
	TRY(put(at("naïve file.txt"), "utf-8 name\n") && has(at("naïve file.txt"), "utf-8 name\n"),
	    "a name with a space and UTF-8");
	TRY((fd = open(at(".hidden"), O_CREAT | O_WRONLY, 0644)) >= 0 && close(fd) == 0 &&
		stat(at(".hidden"), &st) == 0 && st.st_size == 0,
	    "an empty dot file");

	TRY(symlink("a.txt", at("link")) == 0, "symlink");
	ssize_t n = readlink(at("link"), buf, sizeof(buf));
	TRY(n == 5 && !memcmp(buf, "a.txt", 5), "readlink gives the target");
	TRY(lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 5,
	    "lstat: S_IFLNK, the size of the target's name");
	TRY(syscall(SYS_statx, AT_FDCWD, at("link"), AT_SYMLINK_NOFOLLOW, 0x7ff, &sx) == 0 &&
		S_ISLNK(sx.mode),
	    "statx with AT_SYMLINK_NOFOLLOW");
	TRY(stat(at("link"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5 &&
		stat(at("a.txt"), &st2) == 0 && st.st_ino == st2.st_ino,
	    "stat follows the link");
	TRY(has(at("link"), "01234"), "open follows the link");
	TRY(fails(open(at("link"), O_RDONLY | O_NOFOLLOW), ELOOP), "O_NOFOLLOW on a link: ELOOP");
	fd = open(at("link"), O_WRONLY | O_APPEND);
	TRY(fd >= 0 && write(fd, "5", 1) == 1 && close(fd) == 0 && has(at("a.txt"), "012345"),
	    "writing through the link writes the target");
	TRY(symlink("d", at("dlink")) == 0 && has(at("dlink/old"), "new content\n") &&
		stat(at("dlink"), &st) == 0 && S_ISDIR(st.st_mode),
	    "a link to a directory, inside a path");
	TRY(fails(symlink("x", at("link")), EEXIST), "symlink over an existing name: EEXIST");
	TRY(fails(readlink(at("a.txt"), buf, sizeof(buf)), EINVAL), "readlink of a file: EINVAL");
	TRY(symlink("nowhere", at("dangling")) == 0 && fails(stat(at("dangling"), &st), ENOENT) &&
		lstat(at("dangling"), &st) == 0 && unlink(at("dangling")) == 0,
	    "a dangling link: stat ENOENT, lstat and unlink work");
	TRY(symlink("a.txt", at("link2")) == 0 && unlink(at("link2")) == 0 &&
		has(at("a.txt"), "012345"),
	    "unlink of a link leaves the target");
	TRY(stat(at("a.txt"), &st) == 0 && stat(at("grown.bin"), &st2) == 0 &&
		st.st_ino != st2.st_ino,
	    "two files, two inode numbers");

	TRY(chdir(at("d")) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, at("d")),
	    "chdir into the share, getcwd");
	TRY(put("rel.txt", "relative\n") && stat("../a.txt", &st) == 0 && st.st_size == 6 &&
		has("./sub2/../old", "new content\n"),
	    "relative paths, . and .. inside the share");
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, "e/at.txt", O_CREAT | O_WRONLY, 0644);
	TRY(fd >= 0 && write(fd, "at\n", 3) == 3 && close(fd) == 0 &&
		fstatat(dfd, "e/at.txt", &st, 0) == 0 && st.st_size == 3,
	    "openat, fstatat");
	close(dfd);
	TRY(chdir("/") == 0, "chdir back out");

	struct timespec ts[2] = {{1000000, 0}, {2000000, 500}};
	TRY(utimensat(AT_FDCWD, at("a.txt"), ts, 0) == 0 && stat(at("a.txt"), &st) == 0 &&
		st.st_mtim.tv_sec == 2000000 && st.st_mtim.tv_nsec == 500 &&
		st.st_atim.tv_sec == 1000000,
	    "utimensat");
	TRY(statfs(dir, &sf) == 0 && sf.f_bsize > 0 && sf.f_blocks > 0 &&
		sf.f_bfree <= sf.f_blocks && sf.f_blocks == sf2.f_blocks,
	    "statfs, the same as fstatfs");
	TRY(statfs("/", &root) == 0 && sf.f_type != root.f_type,
	    "statfs: not the root's file system type (0x%lx)", (unsigned long)sf.f_type);
	printf("statfs %lu %lu\n", (unsigned long)sf.f_bsize, (unsigned long)sf.f_blocks);
	TRY(access(at("a.txt"), R_OK | W_OK) == 0 && fails(access(at("none"), F_OK), ENOENT),
	    "access");
	TRY((fd = open(at("private"), O_CREAT | O_WRONLY, 0600)) >= 0 &&
		write(fd, "private\n", 8) == 8 && close(fd) == 0 && stat(at("private"), &st) == 0 &&
		(st.st_mode & 07777) == 0600,
	    "the mode given to open(O_CREAT)");
	TRY(mkdir(at("privdir"), 0700) == 0 && stat(at("privdir"), &st) == 0 &&
		(st.st_mode & 07777) == 0700,
	    "the mode given to mkdir");
	umask(077);
	TRY(put(at("umasked"), "umask\n") && stat(at("umasked"), &st) == 0 &&
		(st.st_mode & 07777) == 0600,
	    "umask applies to files made on the share");
	umask(022);
	TRY(lists(dir, 4096,
		  ".hidden|a.txt|big.bin|d/|dlink@|grown.bin|link@|many/|mode.sh|naïve file.txt|owned.txt|"
		  "private|privdir/|umasked"),
	    "the share holds the expected names");
}

static char static_buf[200001];

/* 1 when n bytes read at off into buf are pattern 5 of big.bin. */
static int read_ok(int fd, char *buf, size_t n, off_t off)
{
	if (pread(fd, buf, n, off) != (ssize_t)n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] != pattern(5, off + (long)i))
			return 0;
	return 1;
}

/* Large reads move data straight into the program's memory: whatever
 * kind it is, however aligned, and whether its pages exist yet. */
static int reads_into_any_memory(const char *path)
{
	char stack_buf[70001];
	int fd = open(path, O_RDONLY);
	char *fresh =
	    mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = fd >= 0 && fresh != MAP_FAILED && read_ok(fd, static_buf + 1, 200000, 12345) &&
		 read_ok(fd, stack_buf + 3, 70000, 777) && read_ok(fd, fresh + 4095, 900000, 1);

	if (fresh != MAP_FAILED)
		munmap(fresh, 1 << 20);
	if (fd >= 0)
		close(fd);
	return ok;
}

static int bad_memory_faults(const char *path)
{
	int fd = open(path, O_RDONLY);
	char *ro = mmap(NULL, 1 << 18, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole =
	    mmap(NULL, 3 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = fd >= 0 && ro != MAP_FAILED && hole != MAP_FAILED &&
		 munmap(hole + (1 << 16), 1 << 16) == 0 &&
		 fails(pread(fd, ro, 1 << 17, 0), EFAULT) && ro[0] == 0 && ro[(1 << 17) - 1] == 0 &&
		 fails(pread(fd, hole + 100, 1 << 17, 0), EFAULT);

	if (ro != MAP_FAILED)
		munmap(ro, 1 << 18);
	if (hole != MAP_FAILED) {
		munmap(hole, 1 << 16);
		munmap(hole + (2 << 16), 1 << 16);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void mode_check(void)
{
	struct stat st, st2;
	char buf[64];
	int fd;

	TRY(lists(dir, 4096,
		  ".hidden|a/|big.bin|chain@|dlink@|empty|emptydir/|exec.sh|hello.txt|link@|many/|"
		  "name with spaces.txt|old.txt|secret-mode|sparse.bin|ünïcødé.txt"),
	    "the share lists what the host put there, with types");
	TRY(has(at("hello.txt"), "hello from the host\n"), "a file the host wrote");
	TRY(stat(at("hello.txt"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 20 &&
		(st.st_mode & 07777) == 0644,
	    "stat: size and mode");
	TRY(stat(at("exec.sh"), &st) == 0 && (st.st_mode & 07777) == 0755 &&
		stat(at("secret-mode"), &st2) == 0 && (st2.st_mode & 07777) == 0600,
	    "modes 0755 and 0600 from the host");
	TRY(stat(at("old.txt"), &st) == 0 && st.st_mtim.tv_sec == 1000000000 &&
		st.st_mtim.tv_nsec == 0,
	    "the host's modification time");
	TRY(has(at("a/b/c/deep.txt"), "deep\n") && has(at(".hidden"), "hidden\n") &&
		has(at("name with spaces.txt"), "spaces\n") && has(at("ünïcødé.txt"), "utf8\n"),
	    "nested, hidden, spaced and UTF-8 names");
	TRY(stat(at("a/b/c/deep.txt"), &st) == 0 && stat(at("a/b/../b/./c//deep.txt"), &st2) == 0 &&
		st.st_ino == st2.st_ino && stat(at("hello.txt"), &st2) == 0 &&
		st.st_ino != st2.st_ino,
	    "inode numbers: one per file");
	TRY(stat(at("a"), &st) == 0 && S_ISDIR(st.st_mode) && lists(at("a"), 4096, "b/"),
	    "a directory");
	TRY(stat(at("empty"), &st) == 0 && st.st_size == 0 && has(at("empty"), ""),
	    "an empty file");
	TRY(lists(at("emptydir"), 4096, ""), "an empty directory lists nothing");
	TRY(check_pattern(at("big.bin"), 5, 3 << 20), "a 3 MiB file reads back byte for byte");
	fd = open(at("big.bin"), O_RDONLY);
	TRY(fd >= 0 && lseek(fd, 0, SEEK_END) == 3 << 20 &&
		pread(fd, buf, 16, (3 << 20) - 8) == 8 &&
		(unsigned char)buf[7] == pattern(5, (3 << 20) - 1) &&
		pread(fd, buf, 16, 3 << 20) == 0,
	    "pread across the end");
	if (fd >= 0)
		close(fd);
	ssize_t n = readlink(at("link"), buf, sizeof(buf));
	TRY(n == 14 && !memcmp(buf, "a/b/c/deep.txt", 14), "readlink of the host's link");
	TRY(lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 14,
	    "lstat: S_IFLNK");
	TRY(stat(at("link"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5 &&
		has(at("link"), "deep\n"),
	    "stat and open follow the link");
	TRY(lstat(at("dlink"), &st) == 0 && S_ISLNK(st.st_mode) && stat(at("dlink"), &st) == 0 &&
		S_ISDIR(st.st_mode) && lists(at("dlink"), 4096, "c/|up@") &&
		has(at("dlink/c/deep.txt"), "deep\n"),
	    "a link to a directory");
	TRY(has(at("chain"), "deep\n"), "a link to a link");
	TRY(has(at("a/b/up"), "hello from the host\n"),
	    "a relative link is followed from its own folder");
	char *big = malloc((3 << 20) + 1);
	fd = open(at("big.bin"), O_RDONLY);
	n = fd >= 0 && big ? read(fd, big, (3 << 20) + 1) : -1;
	int same = n == 3 << 20;
	for (long i = 0; same && i < n; i++)
		same = (unsigned char)big[i] == pattern(5, i);
	TRY(same, "one read of 3 MiB (%zd)", n);
	free(big);
	if (fd >= 0)
		close(fd);
	TRY(reads_into_any_memory(at("big.bin")),
	    "reads land in static, stack and untouched mmap memory at odd offsets");
	TRY(bad_memory_faults(at("big.bin")),
	    "reads into read-only or unmapped memory: EFAULT, and the memory is untouched");
	fd = open(at("sparse.bin"), O_RDONLY);
	TRY(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == (5LL << 30) + 5 &&
		pread(fd, buf, 16, 5LL << 30) == 5 && !memcmp(buf, "tail\n", 5) &&
		pread(fd, buf, 4, 1LL << 32) == 4 && !memcmp(buf, "\0\0\0\0", 4),
	    "a 5 GiB sparse file: its size, reads beyond 4 GiB");
	if (fd >= 0)
		close(fd);
	char want[4096] = "";
	for (int i = 0; i < 300; i++)
		sprintf(want + strlen(want), "%sn%03d", i ? "|" : "", i);
	TRY(lists(at("many"), 100, want), "300 entries through a 100-byte getdents64 buffer");
	same = 1;
	for (int i = 0; i < 300; i++) {
		snprintf(buf, sizeof(buf), "file %d\n", i);
		same &= has(at("many/n%03d", i), buf);
	}
	TRY(same, "the 300 files hold what the host wrote");
	int fds[300], opened = 0;
	for (int i = 0; i < 300; i++)
		opened += (fds[i] = open(at("many/n%03d", i), O_RDONLY)) >= 0;
	same = opened == 300;
	for (int i = 299; i >= 0 && same; i--) {
		char want1[32];
		int k = snprintf(want1, sizeof(want1), "file %d\n", i);
		same = read(fds[i], buf, sizeof(buf)) == k && !memcmp(buf, want1, (size_t)k);
	}
	for (int i = 0; i < 300; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	TRY(same, "300 files open at once (%d opened), each reads", opened);
	TRY(access(at("hello.txt"), R_OK) == 0 && fails(access(at("nothing"), F_OK), ENOENT),
	    "access");
}

/* 1 when path opens and what it reads holds the secret. Says what it saw. */
static int leaks(const char *path)
{
	char buf[4097];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("#   %s: errno %d\n", path, errno);
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	printf("#   %s: read %zd bytes\n", path, n);
	return n > 0 && strstr(buf, SECRET_MARK) != NULL;
}

/* 1 when dirfd/path lists a name of the host's folders outside the share. */
static int shows_outside(int dirfd, const char *path)
{
	char *l = list_at(dirfd, path, 4096), *p;
	int bad = 0;

	printf("#   %s lists \"%s\"\n", path, l ? l : "(error)");
	for (p = l ? strtok(l, "|") : NULL; p; p = strtok(NULL, "|"))
		bad |= !strcmp(p, "outside/") || !strcmp(p, "secret") ||
		       !strcmp(p, "marker-outside") || !strcmp(p, "outside@");
	free(l);
	return bad;
}

static void mode_escape(const char *secret)
{
	char parent[1024], buf[1024], *slash;
	struct stat st, st2;

	TRY(has(at("ok.txt"), "inside\n"), "a file inside the share reads");
	ssize_t n = readlink(at("abs"), buf, sizeof(buf));
	TRY(n == (ssize_t)strlen(secret) && !memcmp(buf, secret, (size_t)n),
	    "readlink gives an absolute target as it is");
	const char *paths[] = {"abs",
			       "rel",
			       "sub/rel2",
			       "absdir/secret",
			       "reldir/secret",
			       "root%s",
			       "../outside/secret",
			       "../../outside/secret",
			       "sub/../../outside/secret",
			       "../../../../../../outside/secret",
			       "..%s",
			       "../..%s"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		CHECK(!leaks(at(paths[i], secret)), "%s does not read the secret", paths[i]);
	TRY(fails(open(at("loop1"), O_RDONLY), ELOOP) && fails(stat(at("self"), &st), ELOOP) &&
		fails(open(at("self/x"), O_CREAT | O_WRONLY, 0644), ELOOP),
	    "links in a loop: ELOOP");
	TRY(symlink(secret, at("mine")) == 0 && symlink("../outside/secret", at("mine2")) == 0,
	    "the guest makes links out of the share");
	CHECK(!leaks(at("mine")) && !leaks(at("mine2")), "they do not read the secret either");
	int fd = open(at("rel"), O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
	fd = open(at("abs"), O_WRONLY | O_APPEND);
	if (fd >= 0) {
		(void)!write(fd, "pwned\n", 6);
		close(fd);
	}
	fd = open(at("dangling"), O_CREAT | O_WRONLY, 0644);
	if (fd >= 0) {
		(void)!write(fd, "pwned\n", 6);
		close(fd);
	}
	(void)!mkdir(at("absdir/made-by-guest"), 0755);
	(void)!mkdir(at("reldir/made-by-guest"), 0755); /* share.sh checks that nothing changed */
	TRY(fails(rename(at("ok.txt"), at("../ok.txt")), EXDEV) &&
		fails(rename(at("ok.txt"), "/tmp/ok.txt"), EXDEV) && has(at("ok.txt"), "inside\n"),
	    "rename out of the share: EXDEV");

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	TRY(stat(at(".."), &st) == 0 && stat(parent, &st2) == 0 && st.st_ino == st2.st_ino &&
		st.st_dev == st2.st_dev,
	    "DIR/.. is the guest's %s", parent);
	const char *dirs[] = {"..", "../..", "absdir", "reldir", "root", "sub/../..", "root%s/.."};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		CHECK(!shows_outside(AT_FDCWD, at(dirs[i], secret)), "%s lists nothing outside",
		      dirs[i]);
	int rfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(rfd >= 0 && !shows_outside(rfd, "..") && !shows_outside(rfd, "../.."),
	      "openat(share, \"..\") lists nothing outside");
	if (rfd >= 0) {
		int ofd = openat(rfd, "../outside/secret", O_RDONLY);
		n = ofd >= 0 ? read(ofd, buf, sizeof(buf) - 1) : -1;
		buf[n > 0 ? n : 0] = 0;
		CHECK(!strstr(buf, SECRET_MARK),
		      "openat(share, \"../outside/secret\") does not read it");
		if (ofd >= 0)
			close(ofd);
		close(rfd);
	}
	TRY(chdir(dir) == 0 && chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, parent),
	    "chdir(\"..\") from the share goes to the guest's %s", parent);
	CHECK(!shows_outside(AT_FDCWD, ".") && !leaks("outside/secret"),
	      "which shows nothing outside");
	TRY(chdir("/") == 0, "chdir /");
}

static void mode_ro(void)
{
	struct stat st;
	struct timespec ts[2] = {{1, 0}, {1, 0}};

	TRY(has(at("file.txt"), "read only\n") && stat(at("file.txt"), &st) == 0 &&
		st.st_size == 10,
	    "read-only share: read and stat work");
	TRY(lists(dir, 4096, "d/|empty/|file.txt"), "read-only share: getdents64 works");
	TRY(fails(open(at("new"), O_CREAT | O_WRONLY, 0644), EROFS), "create: EROFS");
	TRY(fails(open(at("file.txt"), O_WRONLY), EROFS), "open for writing: EROFS");
	TRY(fails(open(at("file.txt"), O_RDWR), EROFS), "open for reading and writing: EROFS");
	TRY(fails(mkdir(at("newdir"), 0755), EROFS), "mkdir: EROFS");
	TRY(fails(rmdir(at("empty")), EROFS), "rmdir: EROFS");
	TRY(fails(unlink(at("file.txt")), EROFS), "unlink: EROFS");
	TRY(fails(rename(at("file.txt"), at("d/moved")), EROFS), "rename: EROFS");
	TRY(fails(truncate(at("file.txt"), 0), EROFS), "truncate: EROFS");
	TRY(fails(chmod(at("file.txt"), 0600), EROFS), "chmod: EROFS");
	TRY(fails(utimensat(AT_FDCWD, at("file.txt"), ts, 0), EROFS), "utimensat: EROFS");
	TRY(fails(symlink("file.txt", at("link")), EROFS), "symlink: EROFS");
	TRY(has(at("d/inner.txt"), "inner\n") && has(at("file.txt"), "read only\n"),
	    "everything is still there");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[1] : "";

	dir = argc > 2 ? argv[2] : "";
	if (!strcmp(mode, "write"))
		mode_write();
	else if (!strcmp(mode, "check"))
		mode_check();
	else if (!strcmp(mode, "escape") && argc > 3)
		mode_escape(argv[3]);
	else if (!strcmp(mode, "ro"))
		mode_ro();
	else {
		fprintf(stderr, "usage: share write|check|ro DIR, share escape DIR SECRET\n");
		return 2;
	}
	return tap_done();
}

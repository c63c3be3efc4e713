/*
 * Host tests for the FAT file system (kernel/fs/fat/) and the block cache
 * (kernel/fs/bcache.c): images made by mkfs.fat (FAT12, 16 and 32) and
 * filled with mtools sit in a temporary directory behind a file-backed
 * block device; the tests act as the VFS (they hold and drop vnode
 * references), check every result, cross-check contents with mcopy both
 * ways, and end each test that changed an image with `fsck.fat -n`, which
 * must find nothing. kmalloc is the C library's malloc here, so ASan sees
 * every allocation.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <unishyper/bcache.h>
#include <unishyper/blockdev.h>
#include <unishyper/kmalloc.h>
#include <unishyper/vfs.h>

#include "../../kernel/fs/fat/fat.h"

static char last_log[256];
static char tmpdir[64];

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

uint64_t time_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* While set, memory is short: only vnodes and rename's pair of entries
 * can be had, so directory indexes cannot be built. */
static bool starved;

static bool alloc_ok(size_t size)
{
	return size && (!starved || size == sizeof(struct fat_node) ||
			size == 2 * sizeof(struct fat_dirent));
}

void *kmalloc(size_t size)
{
	return alloc_ok(size) ? malloc(size) : NULL;
}

void *kzalloc(size_t size)
{
	return alloc_ok(size) ? calloc(1, size) : NULL;
}

void *krealloc(void *p, size_t size)
{
	return alloc_ok(size) ? realloc(p, size) : NULL;
}

void kfree(void *p)
{
	free(p);
}

/* A disk image file as a block device of 512-byte sectors. */
struct img {
	char path[128];
	int fd;
	struct blockdev dev;
	void *fs;
	struct vnode *root;
};

static int file_read(struct blockdev *d, uint64_t sector, uint32_t count, void *buf)
{
	struct img *m = d->priv;

	if (sector + count > d->sectors)
		return -EINVAL;
	return pread(m->fd, buf, count * 512ul, (off_t)sector * 512) == (ssize_t)(count * 512ul)
		   ? 0
		   : -EIO;
}

static int file_write(struct blockdev *d, uint64_t sector, uint32_t count, const void *buf)
{
	struct img *m = d->priv;

	if (d->readonly)
		return -EROFS;
	if (sector + count > d->sectors)
		return -EINVAL;
	return pwrite(m->fd, buf, count * 512ul, (off_t)sector * 512) == (ssize_t)(count * 512ul)
		   ? 0
		   : -EIO;
}

static int file_flush(struct blockdev *d)
{
	(void)d;
	return 0;
}

__attribute__((format(printf, 1, 2))) static int shell(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Makes tmpdir/name.img: a FAT of the given type and size. */
static void make_image(struct img *m, const char *name, int fat, unsigned kb)
{
	snprintf(m->path, sizeof(m->path), "%s/%s.img", tmpdir, name);
	unlink(m->path);
	assert_int_equal(shell("mkfs.fat -C -F %d -n TEST %s %u >/dev/null", fat, m->path, kb), 0);
}

static int try_mount(struct img *m, bool ro, uint64_t sectors)
{
	struct stat st;

	m->fd = open(m->path, ro ? O_RDONLY : O_RDWR);
	assert_true(m->fd >= 0);
	assert_int_equal(fstat(m->fd, &st), 0);
	memset(&m->dev, 0, sizeof(m->dev));
	strcpy(m->dev.name, "vda");
	m->dev.sector_size = 512;
	m->dev.sectors = sectors ? sectors : (uint64_t)st.st_size / 512;
	m->dev.readonly = ro;
	m->dev.read = file_read;
	m->dev.write = file_write;
	m->dev.flush = file_flush;
	m->dev.priv = m;
	return fat_fs_type.ops->mount(&m->dev, ro, &m->root, &m->fs);
}

static void mount_img(struct img *m, bool ro)
{
	assert_int_equal(try_mount(m, ro, 0), 0);
	assert_non_null(m->root);
	assert_true(m->root->is_dir);
}

static void put(struct vnode *v)
{
	if (--v->refs == 0)
		v->ops->release(v);
}

static void unmount_img(struct img *m)
{
	put(m->root);
	fat_fs_type.ops->unmount(m->fs);
	close(m->fd);
}

/* fsck.fat -n finds nothing: it exits 0 and prints only its banner and
 * the summary line. */
static void fsck_clean(struct img *m)
{
	char cmd[256], line[512];
	int lines = 0, bad = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "fsck.fat -n %s 2>&1", m->path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (lines > 1 && !strstr(line, " files, ")) {
			fprintf(stderr, "fsck: %s", line);
			bad++;
		}
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(bad, 0);
}

static int lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	return dir->ops->lookup(dir, name, strlen(name), out);
}

/* The vnode at a slash-separated path from the root, or NULL. */
static struct vnode *walk(struct img *m, const char *path)
{
	struct vnode *v = m->root, *next;
	char buf[512], *save, *part;

	v->refs++;
	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		int err = lookup(v, part, &next);

		put(v);
		if (err)
			return NULL;
		v = next;
	}
	return v;
}

static struct vnode *create(struct vnode *dir, const char *name)
{
	struct vnode *v = NULL;

	assert_int_equal(dir->ops->create(dir, name, strlen(name), 0644, &v), 0);
	assert_non_null(v);
	return v;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
}

static void write_all(struct vnode *v, const void *buf, size_t len, uint64_t off)
{
	assert_int_equal(v->ops->write(v, buf, len, off), (ssize_t)len);
}

static void check_contents(struct vnode *v, const void *want, size_t len)
{
	uint8_t *got = malloc(len + 1);
	struct vfs_attr a;

	assert_int_equal(v->ops->getattr(v, &a), 0);
	assert_int_equal(a.size, len);
	assert_int_equal(v->ops->read(v, got, len + 1, 0), (ssize_t)len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* Writes len bytes to a new host file under tmpdir. */
static void host_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* The host file's contents equal buf. */
static void host_same(const char *path, const void *buf, size_t len)
{
	uint8_t *got = malloc(len + 1);
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(got, 1, len + 1, f), len);
	fclose(f);
	assert_memory_equal(got, buf, len);
	free(got);
}

/* Every name readdir gives for dir, joined with '|', in order. */
static void list_dir(struct vnode *dir, char *out, size_t cap)
{
	struct vfs_dirent d;
	uint64_t pos = 0;

	out[0] = 0;
	while (dir->ops->readdir(dir, &pos, &d) == 1) {
		strncat(out, d.name, cap - strlen(out) - 2);
		strcat(out, "|");
	}
}

static void test_mount_each_type(void **state)
{
	static const struct {
		int fat;
		unsigned kb;
	} types[] = {{12, 1024}, {16, 16384}, {32, 40000}};
	uint8_t data[5000];

	(void)state;
	fill(data, sizeof(data), 1);
	for (size_t i = 0; i < 3; i++) {
		char name[16], host[128];
		struct vfs_statfs sf;
		struct vnode *v;
		struct img m;

		snprintf(name, sizeof(name), "type%d", types[i].fat);
		make_image(&m, name, types[i].fat, types[i].kb);
		snprintf(host, sizeof(host), "%s/in.bin", tmpdir);
		host_file(host, data, sizeof(data));
		assert_int_equal(shell("mmd -i %s ::/dir && mcopy -i %s %s '::/dir/Mixed Case.bin'",
				       m.path, m.path, host),
				 0);
		mount_img(&m, false);
		assert_int_equal(fat_fs_type.ops->statfs(m.fs, &sf), 0);
		assert_int_equal(sf.magic, 0x4d44);
		assert_true(sf.bfree > 0 && sf.bfree < sf.blocks);
		v = walk(&m, "DIR/mixed case.BIN");
		assert_non_null(v);
		check_contents(v, data, sizeof(data));
		put(v);
		v = create(m.root, "new.txt");
		write_all(v, "hello", 5, 0);
		put(v);
		unmount_img(&m);
		fsck_clean(&m);
		snprintf(host, sizeof(host), "%s/out.txt", tmpdir);
		assert_int_equal(shell("mcopy -n -i %s ::/new.txt %s", m.path, host), 0);
		host_same(host, "hello", 5);
		unlink(m.path);
	}
}

static void test_file_ops(void **state)
{
	static uint8_t data[100000], back[100000];
	struct vnode *v, *w;
	struct vfs_attr a;
	struct img m;

	(void)state;
	make_image(&m, "files", 16, 16384);
	mount_img(&m, false);
	fill(data, sizeof(data), 2);
	v = create(m.root, "data.bin");
	assert_int_equal(m.root->ops->create(m.root, "DATA.BIN", 8, 0644, &w), -EEXIST);
	assert_int_equal(lookup(m.root, "Data.Bin", &w), 0);
	assert_ptr_equal(w, v);
	put(w);
	write_all(v, data, 1000, 0);
	write_all(v, data + 1000, sizeof(data) - 1000, 1000);
	check_contents(v, data, sizeof(data));
	/* A write past the end leaves zeros in the gap. */
	write_all(v, "tail", 4, 200000);
	assert_int_equal(v->ops->read(v, back, 10, 199996), 8);
	assert_memory_equal(back, "\0\0\0\0tail", 8);
	assert_int_equal(v->ops->read(v, back, 1000, 150000), 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(back[i], 0);
	/* Shrink, then grow: the regrown part reads as zeros. */
	assert_int_equal(v->ops->truncate(v, 5000), 0);
	assert_int_equal(v->ops->truncate(v, 9000), 0);
	assert_int_equal(v->ops->read(v, back, sizeof(back), 0), 9000);
	assert_memory_equal(back, data, 5000);
	for (int i = 5000; i < 9000; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(v->ops->allocate(v, 0, 20000), 0);
	assert_int_equal(v->ops->getattr(v, &a), 0);
	assert_int_equal(a.size, 20000);
	assert_true(S_ISREG(a.mode));
	assert_int_equal(a.mode & 0777, 0644);
	assert_true(a.mtime > 1000000000ull * 1600000000ull);
	/* The read-only attribute is the write bit. */
	a.mode = S_IFREG | 0444;
	assert_int_equal(v->ops->setattr(v, &a, VFS_SET_MODE), 0);
	assert_int_equal(v->ops->getattr(v, &a), 0);
	assert_int_equal(a.mode & 0777, 0444);
	a.mode = 0644;
	a.mtime = 1700000000ull * 1000000000ull;
	assert_int_equal(v->ops->setattr(v, &a, VFS_SET_MODE | VFS_SET_MTIME), 0);
	assert_int_equal(v->ops->getattr(v, &a), 0);
	assert_int_equal(a.mode & 0777, 0644);
	assert_int_equal(a.mtime, 1700000000ull * 1000000000ull);
	assert_int_equal(v->ops->truncate(v, 0), 0);
	check_contents(v, data, 0);
	write_all(v, data, 3000, 0);
	assert_int_equal(v->ops->fsync(v), 0);
	put(v);
	/* Errors of directory operations on files and missing names. */
	assert_int_equal(lookup(m.root, "missing", &w), -ENOENT);
	assert_int_equal(m.root->ops->unlink(m.root, "missing", 7), -ENOENT);
	v = walk(&m, "data.bin");
	assert_int_equal(lookup(v, "x", &w), -ENOTDIR);
	assert_int_equal(v->ops->create(v, "x", 1, 0644, &w), -ENOTDIR);
	put(v);
	unmount_img(&m);
	fsck_clean(&m);
	mount_img(&m, false);
	v = walk(&m, "DATA.BIN");
	check_contents(v, data, 3000);
	put(v);
	assert_int_equal(m.root->ops->unlink(m.root, "data.bin", 8), 0);
	assert_int_equal(lookup(m.root, "data.bin", &w), -ENOENT);
	unmount_img(&m);
	fsck_clean(&m);
	unlink(m.path);
}

static void test_unlink_open_file(void **state)
{
	uint8_t data[20000];
	struct vfs_statfs before, after;
	struct vnode *v;
	struct img m;

	(void)state;
	fill(data, sizeof(data), 3);
	make_image(&m, "open", 12, 1024);
	mount_img(&m, false);
	assert_int_equal(fat_fs_type.ops->statfs(m.fs, &before), 0);
	v = create(m.root, "f");
	write_all(v, data, sizeof(data), 0);
	assert_int_equal(m.root->ops->unlink(m.root, "f", 1), 0);
	check_contents(v, data, sizeof(data));
	put(v);
	assert_int_equal(fat_fs_type.ops->statfs(m.fs, &after), 0);
	assert_int_equal(after.bfree, before.bfree);
	unmount_img(&m);
	fsck_clean(&m);
	unlink(m.path);
}

static void test_directories(void **state)
{
	struct vnode *a, *b, *f;
	struct vfs_attr at;
	char list[1024];
	struct img m;

	(void)state;
	make_image(&m, "dirs", 12, 1024);
	mount_img(&m, false);
	assert_int_equal(m.root->ops->mkdir(m.root, "a", 1, 0755), 0);
	assert_int_equal(m.root->ops->mkdir(m.root, "A", 1, 0755), -EEXIST);
	a = walk(&m, "a");
	assert_non_null(a);
	assert_int_equal(a->ops->getattr(a, &at), 0);
	assert_true(S_ISDIR(at.mode));
	assert_int_equal(at.mode & 0777, 0755);
	assert_int_equal(a->ops->mkdir(a, "b", 1, 0755), 0);
	b = walk(&m, "a/b");
	assert_non_null(b);
	f = create(b, "file");
	put(f);
	assert_int_equal(b->ops->read(b, list, 1, 0), -EISDIR);
	assert_int_equal(b->ops->write(b, list, 1, 0), -EISDIR);
	assert_int_equal(a->ops->rmdir(a, "b", 1), -ENOTEMPTY);
	assert_int_equal(b->ops->rmdir(b, "file", 4), -ENOTDIR);
	assert_int_equal(a->ops->unlink(a, "b", 1), -EISDIR);
	assert_int_equal(a->ops->rmdir(a, "nothing", 7), -ENOENT);
	for (int i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "entry number %d", i);
		f = create(b, name);
		put(f);
	}
	list_dir(b, list, sizeof(list));
	assert_non_null(strstr(list, "file|entry number 0|entry number 1|"));
	assert_non_null(strstr(list, "|entry number 39|"));
	for (int i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "entry number %d", i);
		assert_int_equal(b->ops->unlink(b, name, strlen(name)), 0);
	}
	assert_int_equal(b->ops->unlink(b, "file", 4), 0);
	list_dir(b, list, sizeof(list));
	assert_string_equal(list, "");
	put(b);
	assert_int_equal(a->ops->rmdir(a, "b", 1), 0);
	assert_int_equal(lookup(a, "b", &b), -ENOENT);
	put(a);
	unmount_img(&m);
	fsck_clean(&m);
	assert_int_equal(shell("mdir -i %s ::/a >/dev/null", m.path), 0);
	unlink(m.path);
}

static void test_rename(void **state)
{
	struct vnode *d1, *d2, *v, *w;
	char host[128];
	struct img m;

	(void)state;
	make_image(&m, "rename", 16, 16384);
	mount_img(&m, false);
	assert_int_equal(m.root->ops->mkdir(m.root, "d1", 2, 0755), 0);
	assert_int_equal(m.root->ops->mkdir(m.root, "d2", 2, 0755), 0);
	d1 = walk(&m, "d1");
	d2 = walk(&m, "d2");
	v = create(d1, "one");
	write_all(v, "first", 5, 0);
	/* Within a directory, keeping the open vnode. */
	assert_int_equal(d1->ops->rename(d1, "one", 3, d1, "Two Words", 9), 0);
	assert_int_equal(lookup(d1, "one", &w), -ENOENT);
	assert_int_equal(lookup(d1, "two words", &w), 0);
	assert_ptr_equal(w, v);
	put(w);
	/* A change of case only. */
	assert_int_equal(d1->ops->rename(d1, "two words", 9, d1, "TWO WORDS", 9), 0);
	/* Across directories, replacing a file. */
	w = create(d2, "target");
	write_all(w, "old contents", 12, 0);
	put(w);
	assert_int_equal(d1->ops->rename(d1, "TWO WORDS", 9, d2, "target", 6), 0);
	assert_int_equal(lookup(d2, "target", &w), 0);
	assert_ptr_equal(w, v);
	check_contents(w, "first", 5);
	put(w);
	put(v);
	/* Directories: moved with their ".."; never into themselves. */
	assert_int_equal(d1->ops->mkdir(d1, "sub", 3, 0755), 0);
	assert_int_equal(d2->ops->mkdir(d2, "sub", 3, 0755), 0);
	assert_int_equal(d1->ops->rename(d1, "sub", 3, d2, "target", 6), -ENOTDIR);
	assert_int_equal(d2->ops->rename(d2, "target", 6, d1, "sub", 3), -EISDIR);
	assert_int_equal(m.root->ops->rename(m.root, "d1", 2, d1, "x", 1), -EINVAL);
	v = walk(&m, "d1/sub");
	assert_int_equal(m.root->ops->rename(m.root, "d1", 2, v, "x", 1), -EINVAL);
	put(v);
	assert_int_equal(d1->ops->rename(d1, "sub", 3, d2, "sub", 3), 0);
	assert_int_equal(d2->ops->rename(d2, "sub", 3, m.root, "moved", 5), 0);
	v = walk(&m, "d2/target");
	put(v);
	assert_int_equal(d2->ops->rename(d2, "target", 6, m.root, "moved", 5), -EISDIR);
	assert_int_equal(d2->ops->rename(d2, "nothing", 7, m.root, "x", 1), -ENOENT);
	/* A non-empty directory cannot be replaced. */
	assert_int_equal(m.root->ops->rename(m.root, "moved", 5, m.root, "d2", 2), -ENOTEMPTY);
	put(d1);
	put(d2);
	unmount_img(&m);
	fsck_clean(&m);
	snprintf(host, sizeof(host), "%s/target", tmpdir);
	assert_int_equal(shell("mcopy -n -i %s ::/d2/target %s", m.path, host), 0);
	host_same(host, "first", 5);
	assert_int_equal(shell("mdir -i %s ::/moved >/dev/null", m.path), 0);
	unlink(m.path);
}

static void test_long_names(void **state)
{
	static const char *names[] = {
	    "A rather long file name with spaces.text",
	    "Grüße aus Köln.txt",
	    "日本語のファイル名",
	    "emoji 😀 here",
	    "lower.txt",
	    "UPPER.TXT",
	    "Mixed.Txt",
	    "many.dots.in.name",
	    ".hidden",
	    "x",
	};
	char name[300], host[128], list[2048];
	struct vnode *v;
	struct img m;

	(void)state;
	make_image(&m, "names", 16, 16384);
	mount_img(&m, false);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = create(m.root, names[i]);
		write_all(v, names[i], strlen(names[i]), 0);
		put(v);
	}
	list_dir(m.root, list, sizeof(list));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(name, sizeof(name), "%s|", names[i]);
		assert_non_null(strstr(list, name));
	}
	assert_int_equal(lookup(m.root, "GRÜSSE", &v), -ENOENT);
	assert_int_equal(lookup(m.root, "grüße aus köln.TXT", &v), 0);
	put(v);
	/* 255 units fit, 256 do not; forbidden characters do not. */
	memset(name, 'n', 255);
	name[255] = 0;
	v = create(m.root, name);
	put(v);
	name[255] = 'n';
	assert_int_equal(m.root->ops->create(m.root, name, 256, 0644, &v), -ENAMETOOLONG);
	assert_int_equal(m.root->ops->mkdir(m.root, name, 256, 0755), -ENAMETOOLONG);
	assert_int_equal(m.root->ops->create(m.root, "a:b", 3, 0644, &v), -EINVAL);
	assert_int_equal(m.root->ops->create(m.root, "a*b", 3, 0644, &v), -EINVAL);
	assert_int_equal(m.root->ops->create(m.root, "dot.", 4, 0644, &v), -EINVAL);
	assert_int_equal(m.root->ops->create(m.root, "\xff\xfe", 2, 0644, &v), -EINVAL);
	unmount_img(&m);
	fsck_clean(&m);
	/* mtools cannot name characters beyond the BMP (surrogate pairs). */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strchr(names[i], '\xf0'))
			continue;
		snprintf(host, sizeof(host), "%s/name%zu", tmpdir, i);
		assert_int_equal(shell("mcopy -n -i %s '::/%s' %s", m.path, names[i], host), 0);
		host_same(host, names[i], strlen(names[i]));
	}
	unlink(m.path);
}

static void test_churn(void **state)
{
	struct vnode *d, *v;
	char name[64], to[64];
	struct vfs_statfs before, after;
	struct img m;

	(void)state;
	make_image(&m, "churn", 32, 40000);
	mount_img(&m, false);
	assert_int_equal(fat_fs_type.ops->statfs(m.fs, &before), 0);
	assert_int_equal(m.root->ops->mkdir(m.root, "churn", 5, 0755), 0);
	d = walk(&m, "churn");
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "file with a long name %d.data", i);
		v = create(d, name);
		write_all(v, name, strlen(name), 0);
		put(v);
	}
	for (int i = 0; i < 2000; i += 2) {
		snprintf(name, sizeof(name), "file with a long name %d.data", i);
		snprintf(to, sizeof(to), "r%d", i);
		assert_int_equal(d->ops->rename(d, name, strlen(name), m.root, to, strlen(to)), 0);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "file with a long name %d.data", i);
		snprintf(to, sizeof(to), "r%d", i);
		if (i % 2)
			assert_int_equal(d->ops->unlink(d, name, strlen(name)), 0);
		else if (i % 4)
			assert_int_equal(m.root->ops->unlink(m.root, to, strlen(to)), 0);
	}
	put(d);
	unmount_img(&m);
	fsck_clean(&m);
	mount_img(&m, false);
	v = walk(&m, "R1996");
	assert_non_null(v);
	check_contents(v, "file with a long name 1996.data", 31);
	put(v);
	assert_int_equal(fat_fs_type.ops->statfs(m.fs, &after), 0);
	assert_true(after.bfree < before.bfree);
	unmount_img(&m);
	assert_int_equal(shell("mdir -i %s ::/ >/dev/null", m.path), 0);
	unlink(m.path);
}

static void test_big_file(void **state)
{
	const size_t total = 64u << 20, chunk = 1u << 20;
	uint8_t *buf = malloc(chunk), *back = malloc(chunk);
	char host[128];
	struct vnode *v;
	struct img m;

	(void)state;
	make_image(&m, "big", 32, 100 * 1024);
	mount_img(&m, false);
	v = create(m.root, "big.bin");
	for (size_t off = 0; off < total; off += chunk) {
		fill(buf, chunk, (unsigned)(off / chunk));
		write_all(v, buf, chunk, off);
	}
	put(v);
	unmount_img(&m);
	fsck_clean(&m);
	mount_img(&m, true);
	v = walk(&m, "big.bin");
	for (size_t off = 0; off < total; off += chunk) {
		fill(buf, chunk, (unsigned)(off / chunk));
		assert_int_equal(v->ops->read(v, back, chunk, off), (ssize_t)chunk);
		assert_memory_equal(back, buf, chunk);
	}
	put(v);
	unmount_img(&m);
	snprintf(host, sizeof(host), "%s/big.bin", tmpdir);
	assert_int_equal(shell("mcopy -n -i %s ::/big.bin %s", m.path, host), 0);
	{
		FILE *f = fopen(host, "rb");

		assert_non_null(f);
		for (size_t off = 0; off < total; off += chunk) {
			fill(buf, chunk, (unsigned)(off / chunk));
			assert_int_equal(fread(back, 1, chunk, f), chunk);
			assert_memory_equal(back, buf, chunk);
		}
		fclose(f);
	}
	unlink(host);
	unlink(m.path);
	free(buf);
	free(back);
}

static void test_mtools_cross(void **state)
{
	static uint8_t data[300000];
	char host[128];
	struct vnode *v, *d;
	struct img m;

	(void)state;
	fill(data, sizeof(data), 7);
	make_image(&m, "cross", 32, 40000);
	snprintf(host, sizeof(host), "%s/cross.in", tmpdir);
	host_file(host, data, sizeof(data));
	assert_int_equal(shell("mmd -i %s ::/Folder && mcopy -i %s %s '::/Folder/Große Datei.bin'",
			       m.path, m.path, host),
			 0);
	mount_img(&m, false);
	v = walk(&m, "folder/große datei.bin");
	assert_non_null(v);
	check_contents(v, data, sizeof(data));
	put(v);
	d = walk(&m, "Folder");
	v = create(d, "written here.bin");
	write_all(v, data + 7, sizeof(data) - 7, 0);
	put(v);
	put(d);
	unmount_img(&m);
	fsck_clean(&m);
	snprintf(host, sizeof(host), "%s/cross.out", tmpdir);
	assert_int_equal(shell("mcopy -n -i %s '::/Folder/written here.bin' %s", m.path, host), 0);
	host_same(host, data + 7, sizeof(data) - 7);
	unlink(m.path);
}

static void test_enospc(void **state)
{
	static uint8_t data[256 * 1024];
	struct vfs_statfs sf;
	struct vnode *v, *w;
	ssize_t n;
	struct img m;

	(void)state;
	make_image(&m, "full", 12, 160);
	mount_img(&m, false);
	assert_int_equal(fat_fs_type.ops->statfs(m.fs, &sf), 0);
	v = create(m.root, "fill");
	n = v->ops->write(v, data, sizeof(data), 0);
	assert_true(n > 0 && n < (ssize_t)sizeof(data));
	assert_int_equal(n, sf.bfree * sf.bsize);
	assert_int_equal(v->ops->write(v, data, 100, (uint64_t)n), -ENOSPC);
	w = create(m.root, "empty");
	assert_int_equal(w->ops->write(w, data, 1, 0), -ENOSPC);
	assert_int_equal(w->ops->truncate(w, 100000), -ENOSPC);
	assert_int_equal(w->ops->write(w, data, 1, 100000), -ENOSPC);
	put(w);
	/* Directories cannot grow either; the fixed root holds 512 entries. */
	assert_int_equal(m.root->ops->mkdir(m.root, "d", 1, 0755), -ENOSPC);
	put(v);
	unmount_img(&m);
	fsck_clean(&m);
	mount_img(&m, false);
	assert_int_equal(m.root->ops->unlink(m.root, "fill", 4), 0);
	assert_int_equal(m.root->ops->mkdir(m.root, "d", 1, 0755), 0);
	unmount_img(&m);
	fsck_clean(&m);
	unlink(m.path);
}

static void test_readonly(void **state)
{
	struct vnode *v, *w;
	struct vfs_attr a = {.mode = 0644};
	struct img m;

	(void)state;
	make_image(&m, "ro", 12, 1024);
	mount_img(&m, false);
	v = create(m.root, "file");
	write_all(v, "abc", 3, 0);
	put(v);
	assert_int_equal(m.root->ops->mkdir(m.root, "dir", 3, 0755), 0);
	unmount_img(&m);
	mount_img(&m, true);
	v = walk(&m, "file");
	check_contents(v, "abc", 3);
	assert_int_equal(v->ops->write(v, "x", 1, 0), -EROFS);
	assert_int_equal(v->ops->truncate(v, 0), -EROFS);
	assert_int_equal(v->ops->allocate(v, 0, 10), -EROFS);
	assert_int_equal(v->ops->setattr(v, &a, VFS_SET_MODE), -EROFS);
	put(v);
	assert_int_equal(m.root->ops->create(m.root, "new", 3, 0644, &w), -EROFS);
	assert_int_equal(m.root->ops->mkdir(m.root, "new", 3, 0755), -EROFS);
	assert_int_equal(m.root->ops->unlink(m.root, "file", 4), -EROFS);
	assert_int_equal(m.root->ops->rmdir(m.root, "dir", 3), -EROFS);
	assert_int_equal(m.root->ops->rename(m.root, "file", 4, m.root, "f2", 2), -EROFS);
	unmount_img(&m);
	fsck_clean(&m);
	unlink(m.path);
}

/* Changes the boot sector of a fresh FAT16 image and expects -EINVAL. */
static void expect_refused(uint64_t sectors, void (*change)(uint8_t *bs))
{
	uint8_t bs[512];
	struct img m;
	int fd;

	make_image(&m, "bad", 16, 16384);
	fd = open(m.path, O_RDWR);
	assert_int_equal(pread(fd, bs, 512, 0), 512);
	if (change)
		change(bs);
	assert_int_equal(pwrite(fd, bs, 512, 0), 512);
	close(fd);
	last_log[0] = 0;
	assert_int_equal(try_mount(&m, false, sectors), -EINVAL);
	assert_non_null(strstr(last_log, "fat: vda"));
	close(m.fd);
	unlink(m.path);
}

static void spc3(uint8_t *bs)
{
	bs[13] = 3;
}

static void random_bytes(uint8_t *bs)
{
	fill(bs, 512, 99);
}

static void bps_odd(uint8_t *bs)
{
	bs[11] = 0;
	bs[12] = 3;
}

static void no_fats(uint8_t *bs)
{
	bs[16] = 0;
}

static void test_corrupt(void **state)
{
	(void)state;
	expect_refused(0, spc3);
	expect_refused(0, random_bytes);
	expect_refused(0, bps_odd);
	expect_refused(0, no_fats);
	expect_refused(16384 * 2 - 100, NULL); /* the device is smaller */
}

/* Points the FAT16 entry of the cluster that ends name's chain (a root
 * entry of 11 short-name bytes) back to its first cluster. */
static void make_cycle(struct img *m, const char *name)
{
	uint8_t bs[512], de[32], e[2];
	unsigned fat, root, first, c;
	int fd = open(m->path, O_RDWR);

	assert_int_equal(pread(fd, bs, 512, 0), 512);
	fat = (bs[14] | bs[15] << 8) * 512;
	root = fat + bs[16] * (bs[22] | bs[23] << 8) * 512;
	for (off_t off = root;; off += 32) {
		assert_int_equal(pread(fd, de, 32, off), 32);
		assert_true(de[0] != 0);
		if (!memcmp(de, name, 11))
			break;
	}
	first = c = de[26] | de[27] << 8;
	for (;;) {
		assert_int_equal(pread(fd, e, 2, fat + c * 2), 2);
		if ((e[0] | e[1] << 8) >= 0xfff8)
			break;
		c = e[0] | e[1] << 8;
	}
	e[0] = (uint8_t)first;
	e[1] = (uint8_t)(first >> 8);
	assert_int_equal(pwrite(fd, e, 2, fat + c * 2), 2);
	close(fd);
}

static void test_cyclic_chains(void **state)
{
	static uint8_t data[20000], back[sizeof(data)];
	char host[128], list[256];
	struct vnode *v;
	struct img m;

	(void)state;
	fill(data, sizeof(data), 11);
	make_image(&m, "cycle", 16, 16384);
	snprintf(host, sizeof(host), "%s/cycle.in", tmpdir);
	host_file(host, data, sizeof(data));
	assert_int_equal(shell("mcopy -i %s %s ::/F.BIN && mmd -i %s ::/D", m.path, host, m.path),
			 0);
	make_cycle(&m, "F       BIN");
	make_cycle(&m, "D          ");
	mount_img(&m, false);
	v = walk(&m, "F.BIN");
	assert_int_equal(v->ops->read(v, back, sizeof(back), 0), (ssize_t)sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(v->ops->write(v, data, 10, 1 << 20), -EIO);
	put(v);
	v = walk(&m, "D");
	list_dir(v, list, sizeof(list));
	assert_string_equal(list, "");
	assert_int_equal(lookup(v, "nothing", &m.root), -ENOENT);
	put(v);
	assert_int_equal(m.root->ops->unlink(m.root, "F.BIN", 5), 0);
	unmount_img(&m);
	unlink(m.path);
}

static void test_bcache(void **state)
{
	struct bcache_buf *b, *held[4];
	struct bcache *c;
	struct img m;
	uint8_t sec[512];

	(void)state;
	make_image(&m, "cache", 12, 1024);
	assert_int_equal(try_mount(&m, false, 0), 0);
	unmount_img(&m);
	m.fd = open(m.path, O_RDWR);
	c = bcache_create(&m.dev, 1024, 4);
	assert_non_null(c);
	for (int i = 0; i < 4; i++)
		assert_int_equal(bcache_get(c, (uint64_t)i + 100, false, &held[i]), 0);
	assert_int_equal(bcache_get(c, 200, false, &b), -EBUSY);
	memset(held[0]->data, 0x5a, 1024);
	bcache_dirty(held[0]);
	for (int i = 0; i < 4; i++)
		bcache_put(c, held[i]);
	/* Reusing the buffers writes the dirty one back. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(bcache_get(c, (uint64_t)i + 300, false, &b), 0);
		bcache_put(c, b);
	}
	assert_int_equal(pread(m.fd, sec, 512, 100 * 1024 + 512), 512);
	for (int i = 0; i < 512; i++)
		assert_int_equal(sec[i], 0x5a);
	assert_int_equal(bcache_get(c, m.dev.sectors / 2, false, &b), -EINVAL);
	assert_int_equal(bcache_get(c, 301, false, &b), 0);
	b->data[0] = 1;
	bcache_dirty(b);
	bcache_put(c, b);
	assert_int_equal(bcache_sync(c, 301, 1), 0);
	assert_int_equal(pread(m.fd, sec, 512, 301 * 1024), 512);
	assert_int_equal(sec[0], 1);
	bcache_destroy(c);
	close(m.fd);
	unlink(m.path);
}

/* The names of the index tests: long, sharing one short-name basis. */
static void index_name(char *buf, size_t n, int i, bool renamed)
{
	snprintf(buf, n, "%s number %d of the folder", renamed ? "Renamed" : "Entry", i);
}

/* n long names in one folder, then lookups in another case and by
 * short name, unlinks and renames in the middle, and creations reusing
 * the freed slots; with starve, memory is short from the first creation
 * on, and the directory is walked instead. */
static void index_round(bool starve, int N)
{
	char name[96], upper[96], list[256];
	struct vnode *d, *v;
	struct img m;

	make_image(&m, "index", 32, 40000);
	mount_img(&m, false);
	assert_int_equal(m.root->ops->mkdir(m.root, "big", 3, 0755), 0);
	d = walk(&m, "big");
	starved = starve;
	for (int i = 0; i < N; i++) {
		index_name(name, sizeof(name), i, false);
		put(create(d, name));
	}
	index_name(name, sizeof(name), 7, false);
	assert_int_equal(d->ops->create(d, name, strlen(name), 0644, &v), -EEXIST);
	for (int i = 0; i < N; i += 97) {
		index_name(name, sizeof(name), i, false);
		for (size_t k = 0; k <= strlen(name); k++)
			upper[k] = (char)toupper((unsigned char)name[k]);
		assert_int_equal(lookup(d, upper, &v), 0);
		put(v);
	}
	assert_int_equal(lookup(d, "ENTRYN~1", &v), 0);
	put(v);
	assert_int_equal(lookup(d, "entryn~9", &v), 0);
	put(v);
	for (int i = 0; i < N; i += 3) {
		index_name(name, sizeof(name), i, false);
		assert_int_equal(d->ops->unlink(d, name, strlen(name)), 0);
	}
	for (int i = 1; i < N; i += 3) {
		index_name(name, sizeof(name), i, false);
		index_name(upper, sizeof(upper), i, true);
		assert_int_equal(d->ops->rename(d, name, strlen(name), d, upper, strlen(upper)), 0);
	}
	for (int i = 0; i < N; i += 3) {
		index_name(name, sizeof(name), i + N, false);
		put(create(d, name));
	}
	for (int i = 0; i < N; i++) {
		index_name(name, sizeof(name), i, i % 3 == 1);
		assert_int_equal(lookup(d, name, &v), i % 3 ? 0 : -ENOENT);
		if (i % 3 == 0) {
			index_name(name, sizeof(name), i + N, false);
			assert_int_equal(lookup(d, name, &v), 0);
		}
		put(v);
	}
	starved = false;
	put(d);
	unmount_img(&m);
	fsck_clean(&m);
	snprintf(list, sizeof(list), "mdir -b -i %s ::/big | wc -l", m.path);
	FILE *f = popen(list, "r");
	assert_non_null(f);
	assert_non_null(fgets(list, sizeof(list), f));
	assert_int_equal(atoi(list), N);
	pclose(f);
	unlink(m.path);
}

static void test_index(void **state)
{
	(void)state;
	index_round(false, 3000);
}

static void test_index_no_memory(void **state)
{
	(void)state;
	index_round(true, 400);
}

/* A directory with two entries of one short name and a stray long-name
 * slot: lookups give one of them, listing shows both, changes work. */
static void test_index_duplicates(void **state)
{
	uint8_t de[32];
	char list[256];
	struct vnode *v;
	struct img m;
	off_t root;
	int fd;

	(void)state;
	make_image(&m, "dup", 16, 16384);
	assert_int_equal(shell("cd %s && touch a.txt b.txt c.txt && mcopy -i %s a.txt b.txt c.txt ::/",
			       tmpdir, m.path), 0);
	fd = open(m.path, O_RDWR);
	assert_int_equal(pread(fd, de, 32, 0), 32);
	root = ((de[14] | de[15] << 8) + de[16] * (de[22] | de[23] << 8)) * 512;
	for (off_t off = root;; off += 32) {
		assert_int_equal(pread(fd, de, 32, off), 32);
		assert_true(de[0] != 0);
		if (!memcmp(de, "B       TXT", 11)) {
			memcpy(de, "A       TXT", 11);
			assert_int_equal(pwrite(fd, de, 32, off), 32);
		} else if (!memcmp(de, "C       TXT", 11)) {
			memset(de, 0, 32);
			de[0] = 0x41;
			de[11] = 0x0f;
			de[1] = 'x';
			assert_int_equal(pwrite(fd, de, 32, off), 32);
			break;
		}
	}
	close(fd);
	mount_img(&m, false);
	list_dir(m.root, list, sizeof(list));
	assert_string_equal(list, "a.txt|a.txt|");
	assert_int_equal(lookup(m.root, "A.TXT", &v), 0);
	put(v);
	put(create(m.root, "new name that is long.txt"));
	assert_int_equal(m.root->ops->unlink(m.root, "a.txt", 5), 0);
	assert_int_equal(m.root->ops->unlink(m.root, "a.txt", 5), 0);
	assert_int_equal(lookup(m.root, "a.txt", &v), -ENOENT);
	assert_int_equal(lookup(m.root, "NEW NAME THAT IS LONG.TXT", &v), 0);
	put(v);
	unmount_img(&m);
	unlink(m.path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bcache),	cmocka_unit_test(test_mount_each_type),
	    cmocka_unit_test(test_file_ops),	cmocka_unit_test(test_unlink_open_file),
	    cmocka_unit_test(test_directories), cmocka_unit_test(test_rename),
	    cmocka_unit_test(test_long_names),	cmocka_unit_test(test_churn),
	    cmocka_unit_test(test_big_file),	cmocka_unit_test(test_mtools_cross),
	    cmocka_unit_test(test_enospc),	cmocka_unit_test(test_readonly),
	    cmocka_unit_test(test_corrupt),	cmocka_unit_test(test_cyclic_chains),
	    cmocka_unit_test(test_index),	cmocka_unit_test(test_index_no_memory),
	    cmocka_unit_test(test_index_duplicates),
	};
	int rc;

	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_fat.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	shell("rm -rf %s", tmpdir);
	return rc;
}

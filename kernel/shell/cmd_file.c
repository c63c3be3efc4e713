/*
 * The shell's commands that read files and folders: ls, cat, stat,
 * hexdump, head, tail, wc and du. They open files through the VFS with
 * paths the session makes absolute, read them in pieces of CHUNK bytes and
 * stop early on ^C (shell_stopped).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/file.h>
#include <unishyper/format.h>
#include <unishyper/kmalloc.h>
#include <unishyper/vfs.h>

#include "shell-impl.h"

#define CHUNK 16384
#define DU_DEPTH 64

/* Opens the file at path for reading; on failure (a folder included)
 * reports it and returns NULL. */
static struct file *open_file(struct shell *sh, const char *cmd, const char *path)
{
	char *abs = kmalloc(VFS_PATH_MAX);
	struct file *f = NULL;
	struct vfs_attr a;
	int r = abs ? shell_path(sh, path, abs) : -ENOMEM;

	if (!r)
		r = vfs_open(abs, O_RDONLY, 0, &f);
	if (!r && !(r = f->ops->stat(f, &a)) && S_ISDIR(a.mode))
		r = -EISDIR;
	if (r && f)
		file_put(f);
	kfree(abs);
	if (r) {
		shell_fail(sh, cmd, path, r);
		return NULL;
	}
	return f;
}

/* Reads the next piece of f into buf at the file's offset, or at *off
 * (not moving the offset): bytes, 0 at the end, or an error reported. */
static ssize_t read_piece(struct shell *sh, const char *cmd, const char *path, struct file *f,
			  char *buf, size_t n, uint64_t *off)
{
	ssize_t r = f->ops->read(f, buf, n, off);

	if (r < 0)
		shell_fail(sh, cmd, path, (int)r);
	return r;
}

/* "-rwxr-xr-x" for a mode. */
static void mode_string(uint32_t mode, char *out)
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISCHR(mode) ? 'c' :
		 S_ISBLK(mode) ? 'b' : S_ISFIFO(mode) ? 'p' : S_ISSOCK(mode) ? 's' : '-';
	for (int i = 0; i < 9; i++)
		out[i + 1] = mode & (0400u >> i) ? rwx[i] : '-';
	out[10] = 0;
}

/* ls */

struct ls {
	struct shell *sh;
	bool all, longer, several;
	int shown; /* entries and folders listed so far */
	int status;
};

/* One entry of a listing: dir (absolute) and name; path for the messages. */
static void ls_entry(struct ls *ls, const char *abs, const char *name)
{
	struct vfs_attr a;
	char mode[11], date[20];
	int r;

	ls->shown++;
	if (!ls->longer) {
		shell_print(ls->sh, "%s\n", name);
		return;
	}
	if ((r = vfs_lstat(abs, &a))) {
		ls->status = shell_fail(ls->sh, "ls", name, r);
		return;
	}
	mode_string(a.mode, mode);
	shell_date(a.mtime, date, false);
	shell_print(ls->sh, "%s %2u %u %u %9lu %s %s", mode, a.nlink, a.uid, a.gid, a.size, date,
		    name);
	char *target = S_ISLNK(a.mode) ? kmalloc(VFS_PATH_MAX) : NULL;
	if (target && (r = vfs_readlink(abs, target, VFS_PATH_MAX - 1)) >= 0)
		shell_print(ls->sh, " -> %.*s", r, target);
	kfree(target);
	shell_print(ls->sh, "\n");
}

static void ls_dir(struct ls *ls, const char *path, const char *abs)
{
	struct shell_names names;
	char *full = kmalloc(VFS_PATH_MAX);
	int r = full ? shell_names_read(abs, &names) : -ENOMEM;

	if (r) {
		kfree(full);
		ls->status = shell_fail(ls->sh, "ls", path, r);
		return;
	}
	if (ls->several)
		shell_print(ls->sh, "%s%s:\n", ls->shown ? "\n" : "", path);
	ls->shown++;
	if (ls->longer) {
		uint64_t blocks = 0;
		struct vfs_attr a;
		for (size_t i = 0; i < names.n; i++)
			if ((ls->all || names.v[i][0] != '.') &&
			    !shell_join(abs, names.v[i], full) && !vfs_lstat(full, &a))
				blocks += a.blocks;
		shell_print(ls->sh, "total %lu\n", (blocks + 1) / 2);
	}
	if (ls->all) {
		ls_entry(ls, abs, ".");
		shell_join(abs, "..", full);
		vfs_normalize(full, full);
		ls_entry(ls, full, "..");
	}
	for (size_t i = 0; i < names.n && !shell_stopped(ls->sh); i++) {
		if (names.v[i][0] == '.' && !ls->all)
			continue;
		if (shell_join(abs, names.v[i], full))
			ls->status = shell_fail(ls->sh, "ls", names.v[i], -ENAMETOOLONG);
		else
			ls_entry(ls, full, names.v[i]);
	}
	shell_names_free(&names);
	kfree(full);
}

static int cmd_ls(struct shell *sh, int argc, char **argv)
{
	struct ls ls = { sh, false, false, false, 0, 0 };
	uint64_t flags;
	int first = shell_options(sh, argc, argv, "la", &flags);
	char *abs = kmalloc(VFS_PATH_MAX);
	char *dot[] = { ".", NULL };
	struct vfs_attr a;

	if (first < 0 || !abs) {
		kfree(abs);
		return first < 0 ? 2 : shell_fail(sh, "ls", ".", -ENOMEM);
	}
	ls.longer = flags & SHELL_FLAG('l');
	ls.all = flags & SHELL_FLAG('a');
	ls.several = argc - first > 1;
	char **paths = first < argc ? argv + first : dot;
	/* Files first, in the order given, then the folders. */
	for (int pass = 0; pass < 2; pass++) {
		for (char **p = paths; *p && !shell_stopped(sh); p++) {
			int r = shell_path(sh, *p, abs);
			if (!r)
				r = vfs_stat(abs, &a);
			if (r == -ENOENT && !vfs_lstat(abs, &a))
				r = 0; /* a dangling link is listed */
			if (r) {
				if (pass == 0)
					ls.status = shell_fail(sh, "ls", *p, r);
				continue;
			}
			if (pass == 0 && !S_ISDIR(a.mode))
				ls_entry(&ls, abs, *p);
			if (pass == 1 && S_ISDIR(a.mode))
				ls_dir(&ls, *p, abs);
		}
	}
	kfree(abs);
	return ls.status;
}

/* cat */

static int cmd_cat(struct shell *sh, int argc, char **argv)
{
	char *buf = kmalloc(CHUNK);
	int status = 0;

	if (argc < 2 || !buf) {
		kfree(buf);
		return argc < 2 ? shell_usage(sh, argv[0]) :
				  shell_fail(sh, "cat", argv[1], -ENOMEM);
	}
	for (int i = 1; i < argc && !shell_stopped(sh); i++) {
		struct file *f = open_file(sh, "cat", argv[i]);
		ssize_t n = 0;
		if (!f) {
			status = 1;
			continue;
		}
		while (!shell_stopped(sh) &&
		       (n = read_piece(sh, "cat", argv[i], f, buf, CHUNK, NULL)) > 0)
			shell_write(sh, buf, (size_t)n);
		status |= n < 0;
		file_put(f);
	}
	kfree(buf);
	return status;
}

/* stat */

static const char *type_name(uint32_t mode)
{
	return S_ISDIR(mode) ? "directory" : S_ISLNK(mode) ? "symbolic link" :
	       S_ISCHR(mode) ? "character special file" : S_ISBLK(mode) ? "block special file" :
	       S_ISFIFO(mode) ? "fifo" : S_ISSOCK(mode) ? "socket" : "regular file";
}

static int cmd_stat(struct shell *sh, int argc, char **argv)
{
	char *abs = kmalloc(VFS_PATH_MAX);
	char mode[11], date[20];
	struct vfs_attr a;
	int status = 0;

	if (argc < 2 || !abs) {
		kfree(abs);
		return argc < 2 ? shell_usage(sh, argv[0]) :
				  shell_fail(sh, "stat", argv[1], -ENOMEM);
	}
	for (int i = 1; i < argc; i++) {
		int r = shell_path(sh, argv[i], abs);
		if (r || (r = vfs_lstat(abs, &a))) {
			status = shell_fail(sh, "stat", argv[i], r);
			continue;
		}
		mode_string(a.mode, mode);
		shell_print(sh, "  File: %s\n  Size: %-12lu Blocks: %-8lu IO Block: %-6u %s\n",
			    argv[i], a.size, a.blocks, a.blksize, type_name(a.mode));
		shell_print(sh, " Inode: %-12lu Links: %u\nAccess: (%04o/%s)  Uid: %u  Gid: %u\n",
			    a.ino, a.nlink, a.mode & 07777, mode, a.uid, a.gid);
		shell_date(a.atime, date, true);
		shell_print(sh, "Access: %s\n", date);
		shell_date(a.mtime, date, true);
		shell_print(sh, "Modify: %s\n", date);
		shell_date(a.ctime, date, true);
		shell_print(sh, "Change: %s\n", date);
	}
	kfree(abs);
	return status;
}

/* hexdump */

/* One line of 16 bytes (n of them there) at off, as hexdump's default
 * format (canonical: as -C). */
static void hex_line(struct shell *sh, uint64_t off, const unsigned char *b, size_t n,
		     bool canonical)
{
	char line[96];
	int k;

	if (!canonical) {
		k = ksnprintf(line, sizeof(line), "%07lx", off);
		for (size_t i = 0; i < 16; i += 2)
			k += i < n ? ksnprintf(line + k, sizeof(line) - (size_t)k, " %04x",
					       b[i] | (i + 1 < n ? b[i + 1] << 8 : 0)) :
				     ksnprintf(line + k, sizeof(line) - (size_t)k, "     ");
		shell_print(sh, "%s\n", line);
		return;
	}
	k = ksnprintf(line, sizeof(line), "%08lx  ", off);
	for (size_t i = 0; i < 16; i++) {
		if (i < n)
			k += ksnprintf(line + k, sizeof(line) - (size_t)k, "%02x ", b[i]);
		else
			k += ksnprintf(line + k, sizeof(line) - (size_t)k, "   ");
		if (i == 7)
			line[k++] = ' ';
	}
	k += ksnprintf(line + k, sizeof(line) - (size_t)k, " |");
	for (size_t i = 0; i < n; i++)
		line[k++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	shell_print(sh, "%.*s|\n", k, line);
}

static int cmd_hexdump(struct shell *sh, int argc, char **argv)
{
	uint64_t flags, off = 0;
	int first = shell_options(sh, argc, argv, "C", &flags);
	unsigned char *buf, prev[16];
	bool same = false, have_prev = false;
	struct file *f;
	ssize_t n = 0;

	if (first < 0)
		return 2;
	if (first != argc - 1)
		return shell_usage(sh, argv[0]);
	if (!(f = open_file(sh, "hexdump", argv[first])))
		return 1;
	if (!(buf = kmalloc(CHUNK))) {
		file_put(f);
		return shell_fail(sh, "hexdump", argv[first], -ENOMEM);
	}
	size_t have = 0;
	while (!shell_stopped(sh)) {
		n = read_piece(sh, "hexdump", argv[first], f, (char *)buf + have, CHUNK - have,
			       NULL);
		if (n < 0)
			break;
		have += (size_t)n;
		size_t at = 0;
		/* whole lines; the last partial one only at the end */
		while (have - at >= 16 || (n == 0 && have > at)) {
			size_t len = have - at < 16 ? have - at : 16;
			bool repeat = len == 16 && have_prev && !memcmp(prev, buf + at, 16);
			if (repeat && !same)
				shell_print(sh, "*\n");
			if (!repeat)
				hex_line(sh, off, buf + at, len, flags & SHELL_FLAG('C'));
			memcpy(prev, buf + at, len);
			have_prev = len == 16;
			same = repeat;
			at += len;
			off += len;
		}
		memmove(buf, buf + at, have - at);
		have -= at;
		if (n == 0)
			break;
	}
	if (n == 0 && !shell_stopped(sh) && off)
		shell_print(sh, flags & SHELL_FLAG('C') ? "%08lx\n" : "%07lx\n", off);
	kfree(buf);
	file_put(f);
	return n < 0;
}

/* head and tail */

/* Takes -n N (or -nN) from argv; returns the index of the first file. */
static int line_count(struct shell *sh, int argc, char **argv, uint64_t *lines)
{
	int i = 1;

	*lines = 10;
	if (i < argc && !strncmp(argv[i], "-n", 2)) {
		const char *v = argv[i][2] ? argv[i] + 2 : i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return shell_usage(sh, argv[0]), -1;
		if (shell_number(sh, argv[0], v, lines))
			return -1;
		i++;
	}
	if (i < argc && argv[i][0] == '-' && argv[i][1]) {
		shell_error(sh, "%s: unknown option %s", argv[0], argv[i]);
		return shell_usage(sh, argv[0]), -1;
	}
	if (i == argc)
		return shell_usage(sh, argv[0]), -1;
	return i;
}

/* Writes the first lines of f. */
static int head_of(struct shell *sh, const char *path, struct file *f, char *buf, uint64_t lines)
{
	ssize_t n = 0;

	while (lines && !shell_stopped(sh) &&
	       (n = read_piece(sh, "head", path, f, buf, CHUNK, NULL)) > 0) {
		size_t k = 0;
		while (k < (size_t)n && lines)
			if (buf[k++] == '\n')
				lines--;
		shell_write(sh, buf, k);
	}
	return lines && n < 0;
}

/* Writes the last lines of f, found by reading backwards from its end. */
static int tail_of(struct shell *sh, const char *path, struct file *f, char *buf, uint64_t lines)
{
	struct vfs_attr a;
	int r = f->ops->stat(f, &a);
	uint64_t pos, from = 0, left = lines;
	ssize_t n = 0;

	if (r)
		return shell_fail(sh, "tail", path, r);
	pos = a.size;
	if (!lines)
		from = pos;
	/* Back to the newline before the first line wanted; the newline that
	 * ends the file starts no line. */
	while (pos && left && !shell_stopped(sh)) {
		uint64_t at = pos > CHUNK ? pos - CHUNK : 0;
		if ((n = read_piece(sh, "tail", path, f, buf, (size_t)(pos - at), &at)) <= 0)
			return n < 0;
		for (size_t k = (size_t)n; k-- > 0 && left;)
			if (buf[k] == '\n' && at + k + 1 != a.size && !--left)
				from = at + k + 1;
		pos = at;
	}
	while (!shell_stopped(sh) && (n = read_piece(sh, "tail", path, f, buf, CHUNK, &from)) > 0) {
		shell_write(sh, buf, (size_t)n);
		from += (uint64_t)n;
	}
	return n < 0;
}

static int head_tail(struct shell *sh, int argc, char **argv, bool head)
{
	uint64_t lines;
	int first = line_count(sh, argc, argv, &lines), status = 0;
	char *buf;

	if (first < 0)
		return 2;
	if (!(buf = kmalloc(CHUNK)))
		return shell_fail(sh, argv[0], argv[first], -ENOMEM);
	for (int i = first; i < argc && !shell_stopped(sh); i++) {
		struct file *f = open_file(sh, argv[0], argv[i]);
		if (!f) {
			status = 1;
			continue;
		}
		if (argc - first > 1)
			shell_print(sh, "%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
		status |= head ? head_of(sh, argv[i], f, buf, lines) :
				 tail_of(sh, argv[i], f, buf, lines);
		file_put(f);
	}
	kfree(buf);
	return status;
}

static int cmd_head(struct shell *sh, int argc, char **argv)
{
	return head_tail(sh, argc, argv, true);
}

static int cmd_tail(struct shell *sh, int argc, char **argv)
{
	return head_tail(sh, argc, argv, false);
}

/* wc */

static int cmd_wc(struct shell *sh, int argc, char **argv)
{
	uint64_t total[3] = { 0, 0, 0 };
	char *buf = kmalloc(CHUNK);
	int status = 0;

	if (argc < 2 || !buf) {
		kfree(buf);
		return argc < 2 ? shell_usage(sh, argv[0]) : shell_fail(sh, "wc", argv[1], -ENOMEM);
	}
	for (int i = 1; i < argc && !shell_stopped(sh); i++) {
		struct file *f = open_file(sh, "wc", argv[i]);
		uint64_t c[3] = { 0, 0, 0 };
		bool in_word = false;
		ssize_t n = 0;
		if (!f) {
			status = 1;
			continue;
		}
		while (!shell_stopped(sh) &&
		       (n = read_piece(sh, "wc", argv[i], f, buf, CHUNK, NULL)) > 0) {
			for (ssize_t k = 0; k < n; k++) {
				char ch = buf[k];
				bool blank = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' ||
					     ch == '\v' || ch == '\f';
				c[0] += ch == '\n';
				c[1] += !blank && !in_word;
				in_word = !blank;
			}
			c[2] += (uint64_t)n;
		}
		file_put(f);
		if (n < 0) {
			status = 1;
			continue;
		}
		shell_print(sh, "%7lu %7lu %7lu %s\n", c[0], c[1], c[2], argv[i]);
		for (int k = 0; k < 3; k++)
			total[k] += c[k];
	}
	if (argc > 2)
		shell_print(sh, "%7lu %7lu %7lu total\n", total[0], total[1], total[2]);
	kfree(buf);
	return status;
}

/* du */

struct du {
	struct shell *sh;
	bool summary;
	int status;
	char abs[VFS_PATH_MAX], shown[VFS_PATH_MAX]; /* the path, absolute and as typed */
};

/* The 512-byte blocks allocated under du->abs, each folder's printed
 * (in KiB, rounded up) after its contents unless summary. */
static uint64_t du_walk(struct du *du, int depth)
{
	struct vfs_attr a;
	struct shell_names names;
	size_t alen = strlen(du->abs), slen = strlen(du->shown);
	int r = vfs_lstat(du->abs, &a);

	if (r) {
		du->status = shell_fail(du->sh, "du", du->shown, r);
		return 0;
	}
	uint64_t blocks = a.blocks;
	if (!S_ISDIR(a.mode))
		return blocks;
	if (depth == DU_DEPTH) {
		du->status = shell_error(du->sh, "du: %s: folders nested too deep", du->shown);
		return blocks;
	}
	if ((r = shell_names_read(du->abs, &names))) {
		du->status = shell_fail(du->sh, "du", du->shown, r);
		return blocks;
	}
	for (size_t i = 0; i < names.n && !shell_stopped(du->sh); i++) {
		if (shell_join(du->abs, names.v[i], du->abs) ||
		    shell_join(du->shown, names.v[i], du->shown))
			du->status = shell_fail(du->sh, "du", names.v[i], -ENAMETOOLONG);
		else
			blocks += du_walk(du, depth + 1);
		du->abs[alen] = du->shown[slen] = 0;
	}
	shell_names_free(&names);
	if (!du->summary)
		shell_print(du->sh, "%lu\t%s\n", (blocks + 1) / 2, du->shown);
	return blocks;
}

static int cmd_du(struct shell *sh, int argc, char **argv)
{
	uint64_t flags;
	int first = shell_options(sh, argc, argv, "s", &flags);
	struct du *du = kmalloc(sizeof(*du));
	char *dot[] = { ".", NULL };
	int status;

	if (first < 0 || !du) {
		kfree(du);
		return first < 0 ? 2 : shell_fail(sh, "du", ".", -ENOMEM);
	}
	du->sh = sh;
	du->status = 0;
	du->summary = flags & SHELL_FLAG('s');
	for (char **p = first < argc ? argv + first : dot; *p && !shell_stopped(sh); p++) {
		struct vfs_attr a;
		int r = shell_path(sh, *p, du->abs);
		if (r || strlen(*p) >= VFS_PATH_MAX) {
			du->status = shell_fail(sh, "du", *p, r ? r : -ENAMETOOLONG);
			continue;
		}
		strcpy(du->shown, *p);
		uint64_t blocks = du_walk(du, 0);
		if (du->summary || (!vfs_lstat(du->abs, &a) && !S_ISDIR(a.mode)))
			shell_print(sh, "%lu\t%s\n", (blocks + 1) / 2, *p);
	}
	status = du->status;
	kfree(du);
	return status;
}

const struct shell_command shell_file_commands[] = {
	{ "ls", "[-l] [-a] [PATH...]", "list folders (-l: in detail, -a: with hidden names)",
	  cmd_ls },
	{ "cat", "FILE...", "print files", cmd_cat },
	{ "stat", "PATH...", "show what a file or folder is", cmd_stat },
	{ "hexdump", "[-C] FILE", "print a file in hexadecimal (-C: with its bytes as text)",
	  cmd_hexdump },
	{ "head", "[-n LINES] FILE...", "print the first lines of files (10)", cmd_head },
	{ "tail", "[-n LINES] FILE...", "print the last lines of files (10)", cmd_tail },
	{ "wc", "FILE...", "count lines, words and bytes", cmd_wc },
	{ "du", "[-s] [PATH...]", "space used under folders, in KiB (-s: the total only)", cmd_du },
	{ NULL, NULL, NULL, NULL },
};

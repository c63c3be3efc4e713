/*
 * The shell's commands that change the tree: mkdir, rm, rmdir, cp, mv and
 * touch, through the VFS calls with paths the session makes absolute. The
 * recursive ones (rm -r, cp -r, mv across file systems) read a folder's
 * names whole before they change it, and go at most DEPTH folders deep.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/time.h>
#include <unishyper/vfs.h>

#include "shell-impl.h"

#define CHUNK 16384
#define DEPTH 64

/* Two path buffers for a command, from the heap (paths are 4 KiB). */
struct paths {
	char a[VFS_PATH_MAX], b[VFS_PATH_MAX];
};

static const char *last_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* mkdir */

/* Makes every missing folder of abs (mkdir -p). */
static int make_parents(char *abs)
{
	struct vfs_attr a;
	int r = 0;

	for (char *p = abs + 1; !r; p++) {
		char c = *p;
		if (c && c != '/')
			continue;
		*p = 0;
		r = vfs_mkdir(abs, 0755);
		if (r == -EEXIST && !vfs_stat(abs, &a) && S_ISDIR(a.mode))
			r = 0;
		*p = c;
		if (!c)
			break;
	}
	return r;
}

static int cmd_mkdir(struct shell *sh, int argc, char **argv)
{
	uint64_t flags;
	int first = shell_options(sh, argc, argv, "p", &flags), status = 0;
	char *abs;

	if (first < 0)
		return 2;
	if (first == argc)
		return shell_usage(sh, argv[0]);
	if (!(abs = kmalloc(VFS_PATH_MAX)))
		return shell_fail(sh, "mkdir", argv[first], -ENOMEM);
	for (int i = first; i < argc; i++) {
		int r = shell_path(sh, argv[i], abs);
		if (!r)
			r = flags & SHELL_FLAG('p') ? make_parents(abs) : vfs_mkdir(abs, 0755);
		if (r)
			status = shell_fail(sh, "mkdir", argv[i], r);
	}
	kfree(abs);
	return status;
}

/* rm and rmdir */

/* Removes abs (len bytes) and, when it is a folder, everything in it. */
static int remove_tree(struct shell *sh, char *abs, size_t len, int depth)
{
	struct vfs_attr a;
	struct shell_names names;
	int r = vfs_lstat(abs, &a);

	if (r || !S_ISDIR(a.mode))
		return r ? r : vfs_unlink(abs);
	if (depth == DEPTH)
		return -ELOOP;
	if ((r = shell_names_read(abs, &names)))
		return r;
	for (size_t i = 0; i < names.n && !r; i++) {
		int e = shell_stopped(sh) ? -EINTR : shell_join(abs, names.v[i], abs);
		if (!e)
			e = remove_tree(sh, abs, strlen(abs), depth + 1);
		if (e && e != -EINTR && e != -ECANCELED)
			shell_fail(sh, "rm", abs, e);
		abs[len] = 0;
		if (e)
			r = e == -EINTR ? e : -ECANCELED; /* reported: stop here */
	}
	shell_names_free(&names);
	return r ? r : vfs_rmdir(abs);
}

static int cmd_rm(struct shell *sh, int argc, char **argv)
{
	uint64_t flags;
	int first = shell_options(sh, argc, argv, "rRf", &flags), status = 0;
	bool recursive = flags & (SHELL_FLAG('r') | SHELL_FLAG('R'));
	bool force = flags & SHELL_FLAG('f');
	struct vfs_attr a;
	char *abs;

	if (first < 0)
		return 2;
	if (first == argc)
		return force ? 0 : shell_usage(sh, argv[0]);
	if (!(abs = kmalloc(VFS_PATH_MAX)))
		return shell_fail(sh, "rm", argv[first], -ENOMEM);
	for (int i = first; i < argc && !shell_stopped(sh); i++) {
		const char *name = last_name(argv[i]);
		int r = shell_path(sh, argv[i], abs);
		if (!strcmp(name, ".") || !strcmp(name, "..") || (!r && !strcmp(abs, "/"))) {
			status = shell_error(sh, "rm: %s: refusing to remove '.', '..' or '/'",
					     argv[i]);
			continue;
		}
		if (!r && !(r = vfs_lstat(abs, &a)) && S_ISDIR(a.mode) && !recursive)
			r = -EISDIR;
		if (!r)
			r = recursive ? remove_tree(sh, abs, strlen(abs), 0) : vfs_unlink(abs);
		if (r == -ENOENT && force)
			continue;
		if (r && r != -ECANCELED && r != -EINTR)
			shell_fail(sh, "rm", argv[i], r);
		if (r)
			status = 1;
	}
	kfree(abs);
	return status;
}

static int cmd_rmdir(struct shell *sh, int argc, char **argv)
{
	char *abs = kmalloc(VFS_PATH_MAX);
	int status = 0;

	if (argc < 2 || !abs) {
		kfree(abs);
		return argc < 2 ? shell_usage(sh, argv[0]) :
				  shell_fail(sh, "rmdir", argv[1], -ENOMEM);
	}
	for (int i = 1; i < argc; i++) {
		int r = shell_path(sh, argv[i], abs);
		if (!r)
			r = vfs_rmdir(abs);
		if (r)
			status = shell_fail(sh, "rmdir", argv[i], r);
	}
	kfree(abs);
	return status;
}

/* cp and mv */

/* Copies the file from to the new or truncated file to. */
static int copy_file(struct shell *sh, const char *from, const char *to, uint32_t mode)
{
	struct file *in, *out;
	char *buf = kmalloc(CHUNK);
	ssize_t n = 0;
	int r = buf ? vfs_open(from, O_RDONLY, 0, &in) : -ENOMEM;

	if (r) {
		kfree(buf);
		return r;
	}
	if ((r = vfs_open(to, O_WRONLY | O_CREAT | O_TRUNC, mode & 0777, &out))) {
		file_put(in);
		kfree(buf);
		return r;
	}
	while (!r && (n = in->ops->read(in, buf, CHUNK, NULL)) > 0) {
		for (ssize_t done = 0; done < n && !r;) {
			ssize_t w = out->ops->write(out, buf + done, (size_t)(n - done), NULL);
			r = w < 0 ? (int)w : w == 0 ? -ENOSPC : 0;
			done += w > 0 ? w : 0;
		}
		if (!r && shell_stopped(sh))
			r = -EINTR;
	}
	if (!r && n < 0)
		r = (int)n;
	file_put(in);
	file_put(out);
	kfree(buf);
	return r;
}

/* Copies from to to, a folder with all it holds. cmd names the command
 * in messages about what is inside. */
static int copy_tree(struct shell *sh, const char *cmd, char *from, char *to, int depth)
{
	struct vfs_attr a;
	struct shell_names names;
	size_t flen = strlen(from), tlen = strlen(to);
	int r = vfs_stat(from, &a);

	if (r || !S_ISDIR(a.mode))
		return r ? r : copy_file(sh, from, to, a.mode);
	if (depth == DEPTH)
		return -ELOOP;
	if ((r = vfs_mkdir(to, a.mode & 0777)) && r != -EEXIST)
		return r;
	if ((r = shell_names_read(from, &names)))
		return r;
	for (size_t i = 0; i < names.n && r != -EINTR; i++) {
		int e = shell_stopped(sh) ? -EINTR : shell_join(from, names.v[i], from);
		if (!e && !(e = shell_join(to, names.v[i], to)))
			e = copy_tree(sh, cmd, from, to, depth + 1);
		if (e && e != -EINTR && e != -ECANCELED)
			shell_fail(sh, cmd, from, e);
		if (e)
			r = e == -EINTR ? e : -ECANCELED; /* reported: go on with the rest */
		from[flen] = to[tlen] = 0;
	}
	shell_names_free(&names);
	return r;
}

/* Where SRC goes for cp or mv SRC... DST: into DST when it is a folder
 * (its own name there), else DST itself. */
static int target_of(struct shell *sh, const char *src, const char *dst, bool into, char *out)
{
	int r = shell_path(sh, dst, out);

	return r ? r : into ? shell_join(out, last_name(src), out) : 0;
}

/* Whether dst lies inside the folder src (or is it). */
static bool within(const char *dst, const char *src)
{
	size_t n = strlen(src);

	return !strncmp(dst, src, n) && (dst[n] == '/' || !dst[n] || n == 1);
}

static int copy_or_move(struct shell *sh, int argc, char **argv, bool move)
{
	uint64_t flags;
	int first = move ? 1 : shell_options(sh, argc, argv, "rR", &flags), status = 0;
	bool recursive = move || (flags & (SHELL_FLAG('r') | SHELL_FLAG('R')));
	struct paths *p;
	struct vfs_attr a;

	if (first < 0)
		return 2;
	if (argc - first < 2)
		return shell_usage(sh, argv[0]);
	if (!(p = kmalloc(sizeof(*p))))
		return shell_fail(sh, argv[0], argv[first], -ENOMEM);
	const char *dst = argv[argc - 1];
	bool into = !shell_path(sh, dst, p->b) && !vfs_stat(p->b, &a) && S_ISDIR(a.mode);
	if (argc - first > 2 && !into) {
		kfree(p);
		return shell_error(sh, "%s: %s: not a folder (needed for several sources)", argv[0],
				   dst);
	}
	for (int i = first; i < argc - 1 && !shell_stopped(sh); i++) {
		int r = shell_path(sh, argv[i], p->a);
		if (!r)
			r = target_of(sh, argv[i], dst, into, p->b);
		if (!r)
			r = vfs_lstat(p->a, &a);
		if (r) {
			status = shell_fail(sh, argv[0], argv[i], r);
			continue;
		}
		if (S_ISDIR(a.mode) && !recursive) {
			status = shell_error(sh, "cp: %s: a folder (cp -r copies folders)",
					     argv[i]);
			continue;
		}
		if (!strcmp(p->a, p->b)) {
			status = shell_error(sh, "%s: %s and %s are the same", argv[0], argv[i],
					     dst);
			continue;
		}
		if (S_ISDIR(a.mode) && within(p->b, p->a)) {
			status = shell_error(sh, "%s: %s: cannot go inside itself", argv[0],
					     argv[i]);
			continue;
		}
		r = move ? vfs_rename(p->a, p->b, false) : -EXDEV;
		/* Across file systems a move is a copy, then a removal. */
		if (r == -EXDEV && !(r = copy_tree(sh, argv[0], p->a, p->b, 0)) && move)
			r = remove_tree(sh, p->a, strlen(p->a), 0);
		if (r && r != -ECANCELED && r != -EINTR)
			shell_fail(sh, argv[0], argv[i], r);
		if (r)
			status = 1;
	}
	kfree(p);
	return status;
}

static int cmd_cp(struct shell *sh, int argc, char **argv)
{
	return copy_or_move(sh, argc, argv, false);
}

static int cmd_mv(struct shell *sh, int argc, char **argv)
{
	return copy_or_move(sh, argc, argv, true);
}

/* touch */

static int cmd_touch(struct shell *sh, int argc, char **argv)
{
	char *abs = kmalloc(VFS_PATH_MAX);
	int status = 0;

	if (argc < 2 || !abs) {
		kfree(abs);
		return argc < 2 ? shell_usage(sh, argv[0]) :
				  shell_fail(sh, "touch", argv[1], -ENOMEM);
	}
	for (int i = 1; i < argc; i++) {
		struct vfs_attr a = { 0 };
		struct file *f;
		int r = shell_path(sh, argv[i], abs);
		if (!r)
			r = vfs_stat(abs, &a);
		if (r == -ENOENT && !(r = vfs_open(abs, O_WRONLY | O_CREAT, 0644, &f))) {
			file_put(f);
		} else if (!r) {
			a.atime = a.mtime = time_realtime_ns();
			r = vfs_setattr(abs, NULL, &a, VFS_SET_ATIME | VFS_SET_MTIME);
		}
		if (r)
			status = shell_fail(sh, "touch", argv[i], r);
	}
	kfree(abs);
	return status;
}

const struct shell_command shell_tree_commands[] = {
	{ "mkdir", "[-p] DIR...", "make folders (-p: with their parents, no error if there)",
	  cmd_mkdir },
	{ "rm", "[-r] [-f] PATH...", "remove files (-r: folders with what they hold; -f: no error "
				     "if missing)", cmd_rm },
	{ "rmdir", "DIR...", "remove empty folders", cmd_rmdir },
	{ "cp", "[-r] SOURCE... DEST", "copy files (-r: folders too) to DEST, or into it", cmd_cp },
	{ "mv", "SOURCE... DEST", "move or rename files and folders", cmd_mv },
	{ "touch", "FILE...", "make empty files, or set their times to now", cmd_touch },
	{ NULL, NULL, NULL, NULL },
};

/*
 * The shell's commands about file systems: df, mount (list them, or mount
 * a disk or a host share), umount and sync, over the VFS's mount table.
 * A disk is named as its device (vda, vdb, ...: FAT), a host share as its
 * virtio-9p tag (share0, share1, ...).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <unishyper/blockdev.h>
#include <unishyper/kmalloc.h>
#include <unishyper/p9.h>
#include <unishyper/vfs.h>

#include "shell-impl.h"

/* What a mount was made from: a disk's or a share's name, else the type. */
static const char *source_name(const struct vfs_mount_info *m)
{
	if (m->type == &fat_fs_type)
		return ((struct blockdev *)m->source)->name;
	if (m->type == &p9_fs_type)
		return ((struct p9_chan *)m->source)->tag;
	return m->type->name;
}

static int cmd_df(struct shell *sh, int argc, char **argv)
{
	struct vfs_mount_info m;
	struct vfs_statfs s;
	int status = 0;

	if (argc > 1)
		return shell_usage(sh, argv[0]);
	shell_print(sh, "%-10s %12s %12s %12s %4s  %s\n", "Filesystem", "1K-blocks", "Used",
		    "Available", "Use%", "Mounted on");
	for (int i = 0; !vfs_mount_info(i, &m); i++) {
		int r = vfs_statfs(m.path, NULL, &s);
		if (r) {
			status = shell_fail(sh, "df", m.path, r);
			continue;
		}
		uint64_t size = s.blocks * s.bsize / 1024, avail = s.bfree * s.bsize / 1024;
		uint64_t used = size - avail;
		shell_print(sh, "%-10s %12lu %12lu %12lu %3lu%%  %s\n", source_name(&m), size, used,
			    avail, size ? (used * 100 + size - 1) / size : 0, m.path);
	}
	return status;
}

/* The disk or share of this name: its file system type and source. */
static int find_source(const char *name, const struct fs_type **type, void **source, bool *ro)
{
	struct blockdev *d;

	for (int i = 0; (d = blockdev_get(i)); i++) {
		if (!strcmp(d->name, name)) {
			*type = &fat_fs_type;
			*source = d;
			*ro = d->readonly;
			return 0;
		}
	}
	struct p9_chan *c = p9_chan_find(name);
	if (!c)
		return -ENODEV;
	*type = &p9_fs_type;
	*source = c;
	*ro = false;
	return 0;
}

static int cmd_mount(struct shell *sh, int argc, char **argv)
{
	struct vfs_mount_info m;
	const struct fs_type *type;
	void *source;
	uint64_t flags;
	bool ro;
	int first = shell_options(sh, argc, argv, "r", &flags), r;

	if (first < 0)
		return 2;
	if (first == argc && !flags) {
		for (int i = 0; !vfs_mount_info(i, &m); i++)
			shell_print(sh, "%s on %s type %s (%s)\n", source_name(&m), m.path,
				    m.type->name, m.readonly ? "ro" : "rw");
		return 0;
	}
	if (argc - first != 2)
		return shell_usage(sh, argv[0]);
	const char *name = argv[first], *dir = argv[first + 1];
	if (find_source(name, &type, &source, &ro))
		return shell_error(sh, "mount: %s: no such disk or share (disks: vda, vdb, ...; "
				       "shares: share0, ...)", name);
	for (int i = 0; !vfs_mount_info(i, &m); i++)
		if (m.source == source)
			return shell_error(sh, "mount: %s: already mounted on %s", name, m.path);
	char *abs = kmalloc(VFS_PATH_MAX);
	struct vfs_attr a;
	if (!abs)
		return shell_fail(sh, "mount", dir, -ENOMEM);
	/* A folder that is there, or a path nothing holds yet (as the disks
	 * mounted at boot under /mnt). */
	r = shell_path(sh, dir, abs);
	if (!r && !(r = vfs_stat(abs, &a)) && !S_ISDIR(a.mode))
		r = -ENOTDIR;
	if (r == -ENOENT)
		r = 0;
	for (int i = 0; !r && !vfs_mount_info(i, &m); i++)
		if (!strcmp(m.path, abs))
			r = -EBUSY;
	if (!r)
		r = vfs_mount(abs, type, source, ro || (flags & SHELL_FLAG('r')));
	kfree(abs);
	return r ? shell_fail(sh, "mount", dir, r) : 0;
}

static int cmd_umount(struct shell *sh, int argc, char **argv)
{
	char *abs = kmalloc(VFS_PATH_MAX);
	int r;

	if (argc != 2 || !abs) {
		kfree(abs);
		return argc != 2 ? shell_usage(sh, argv[0]) :
				   shell_fail(sh, "umount", argv[1], -ENOMEM);
	}
	r = shell_path(sh, argv[1], abs);
	size_t n = strlen(abs);
	/* The shell's own folder inside it keeps it busy. */
	if (!r && n > 1 && !strncmp(sh->cwd, abs, n) && (!sh->cwd[n] || sh->cwd[n] == '/'))
		r = -EBUSY;
	if (!r)
		r = vfs_umount(abs);
	kfree(abs);
	if (r == -EINVAL)
		return shell_error(sh, "umount: %s: not a mount point", argv[1]);
	if (r == -EOPNOTSUPP)
		return shell_error(sh, "umount: %s: only disks and host shares can be unmounted", argv[1]);
	return r ? shell_fail(sh, "umount", argv[1], r) : 0;
}

static int cmd_sync(struct shell *sh, int argc, char **argv)
{
	int r;

	if (argc > 1)
		return shell_usage(sh, argv[0]);
	r = vfs_sync();
	return r ? shell_fail(sh, "sync", "the disks", r) : 0;
}

const struct shell_command shell_mount_commands[] = {
	{ "df", "", "show the space of every file system", cmd_df },
	{ "mount", "[[-r] DISK|SHARE DIR]", "list the file systems, or mount a disk (vdb) or host "
					    "share (share1) at DIR (-r: read-only)", cmd_mount },
	{ "umount", "DIR", "unmount the disk or share mounted at DIR", cmd_umount },
	{ "sync", "", "write everything waiting to the disks", cmd_sync },
	{ NULL, NULL, NULL, NULL },
};

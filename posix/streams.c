/*
 * Standard streams that are host files. When a host command's standard
 * input, output or error is a regular file (./prog <in >out 2>&1),
 * unishyper-run gives the program that file itself, reached through the
 * host's tree, instead of a stream: the program can seek it, ask its size
 * and compare its inode as the native program does. Each file is opened
 * once with the host's access mode and offset; a stream may share an
 * earlier one's open file, as 2>&1 and <>FILE >&0 share one on the host.
 * As the program ends the offsets that moved go to the kernel log, and
 * unishyper-run moves the host's own offsets there, so that the next
 * command writing to the same file (a shell's `{ ./prog; echo done; } >log`)
 * goes on after the program's output. An offset the program never moved
 * is left alone: others may have written to the same open file meanwhile
 * (a pipeline's other commands, sharing 2>&1).
 */
#include <errno.h>
#include <string.h>

#include <unishyper/cmdline.h>
#include <unishyper/file.h>
#include <unishyper/printk.h>
#include <unishyper/vfs.h>

static struct file *given[3];
static uint64_t start[3]; /* their offsets at the start */

int streams_open(const char *const spec[3], int *fd)
{
	for (int n = 0; n < 3; n++) {
		uint64_t offset;
		const char *path;
		struct file *f;
		int flags, r;

		*fd = n;
		if (!spec[n])
			continue;
		int same = !strcmp(spec[n], "stdin") ? 0 : !strcmp(spec[n], "stdout") ? 1 : 3;
		if (same < n) {
			if ((r = fd_dup_to(same, n, false)) < 0)
				return r;
			continue;
		}
		if (cmdline_stream_file(spec[n], &offset, &flags, &path))
			return -EINVAL;
		if ((r = vfs_open(path, flags, 0, &f)))
			return r;
		f->offset = start[n] = offset;
		file_get(f);
		given[n] = f;
		fd_close(n);
		fd_install(f, n, false);
	}
	return 0;
}

void streams_report(void)
{
	int level = printk_level;

	printk_level = 1;
	for (int n = 0; n < 3; n++) {
		uint64_t at = given[n] ? __atomic_load_n(&given[n]->offset, __ATOMIC_RELAXED) : 0;
		if (given[n] && at != start[n])
			printk("unishyper: stream %d offset %llu\n", n, (unsigned long long)at);
	}
	printk_level = level;
}

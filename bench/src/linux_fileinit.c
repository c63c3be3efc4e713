/*
 * linux_fileinit.c - init of the Linux microVM for the file benchmarks
 * (bench/run.sh, (g), (h) and (k)); never built for Unishyper or natively.
 *
 *   rdinit=/fileinit [fileinit_fs=9p|tmpfs] [fileinit_msize=N]
 *                    [fileinit_prog=NAME] [-- ARG...]
 *
 * Mounts /proc and devtmpfs on /dev, loads the modules listed one per line
 * in /modules.load in dependency order (bench/linuxvm/build.sh writes the
 * list into each initramfs), mounts the file system under test on /mnt and
 * runs `/NAME /mnt ARG...` as its child (NAME: filebench by default, or
 * manyfiles):
 *   vfat (default) /dev/vda, once it shows up, with the default options
 *                  (modules: virtio-mmio, virtio-blk, vfat, its code pages)
 *   9p             the virtio-9p device with mount tag share0, as
 *                  `mount -t 9p -o trans=virtio,version=9p2000.L,msize=N`,
 *                  N from fileinit_msize (131072 by default)
 *                  (modules: virtio-mmio, 9pnet, 9pnet_virtio, 9p)
 *   tmpfs          a tmpfs without a limit on its count of files (its
 *                  default is half the pages of memory)
 * The kernel hands the fileinit_* words of its command line to init as
 * environment variables.  After the program it syncs and unmounts /mnt, so
 * that a vfat image is clean for fsck.fat, prints
 *   # fileinit status=S umount=0|errno
 * and powers the machine off.  Any step that fails is reported on the
 * console with `fileinit:` and the machine powers off at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DISK "/dev/vda"
#define TAG "share0"
#define MNT "/mnt"
#define WAIT_MS 10000

static void poweroff(void)
{
	fflush(NULL);
	tcdrain(1);
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT); /* QEMU runs with -no-reboot: a reset ends it too */
	for (;;)
		pause();
}

static void die(const char *what, const char *arg)
{
	printf("fileinit: %s %s: %s\n", what, arg, strerror(errno));
	poweroff();
}

static void load_modules(void)
{
	char path[512];
	FILE *list = fopen("/modules.load", "r");
	int fd;

	if (!list)
		die("open", "/modules.load");
	while (fgets(path, sizeof path, list)) {
		path[strcspn(path, "\n")] = 0;
		if (!path[0])
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open", path);
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			die("finit_module", path);
		close(fd);
	}
	fclose(list);
}

/* wait_disk: virtio-blk probes the disk when its module loads; give
 * devtmpfs the time to show it */
static void wait_disk(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct stat st;
	int ms;

	for (ms = 0; ms < WAIT_MS; ms += 10) {
		if (stat(DISK, &st) == 0)
			return;
		nanosleep(&tick, NULL);
	}
	die("no disk", DISK);
}

/* mount_9p: the share0 channel exists once 9pnet_virtio has probed the
 * device; until then mount fails with ENOENT, so retry for a while */
static void mount_9p(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	const char *msize = getenv("fileinit_msize");
	char opts[128];
	int ms;

	if (!msize || !*msize || strspn(msize, "0123456789") != strlen(msize))
		msize = "131072";
	snprintf(opts, sizeof opts, "trans=virtio,version=9p2000.L,msize=%s", msize);
	printf("# fileinit mount -t 9p -o %s %s %s\n", opts, TAG, MNT);
	for (ms = 0; mount(TAG, MNT, "9p", 0, opts) < 0; ms += 10) {
		if (errno != ENOENT || ms >= WAIT_MS)
			die("mount -t 9p", TAG);
		nanosleep(&tick, NULL);
	}
}

int main(int argc, char **argv)
{
	char *args[16] = { "filebench", MNT }, prog[64];
	const char *fs = getenv("fileinit_fs"), *name = getenv("fileinit_prog");
	int i, n = 2, status = -1, um = 0;
	pid_t pid;

	if (getpid() != 1)
		return 2;
	mkdir("/proc", 0555);
	mkdir(MNT, 0755);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		die("mount", "/proc");
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0)
		die("mount", "/dev");
	load_modules();
	if (fs && !strcmp(fs, "9p")) {
		mount_9p();
	} else if (fs && !strcmp(fs, "tmpfs")) {
		if (mount("tmpfs", MNT, "tmpfs", 0, "nr_inodes=0") < 0)
			die("mount -t tmpfs", MNT);
	} else if (!fs || !strcmp(fs, "vfat")) {
		wait_disk();
		if (mount(DISK, MNT, "vfat", 0, NULL) < 0)
			die("mount", DISK);
	} else {
		errno = EINVAL;
		die("fileinit_fs", fs);
	}
	if (name && (!*name || strchr(name, '/') || strlen(name) > 32)) {
		errno = EINVAL;
		die("fileinit_prog", name);
	}
	if (name)
		args[0] = (char *)name;
	snprintf(prog, sizeof prog, "/%s", args[0]);
	for (i = 1; i < argc && n < 15; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork", "");
	if (pid == 0) {
		execv(prog, args);
		printf("fileinit: exec %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sync();
	if (umount(MNT) < 0)
		um = errno;
	printf("# fileinit status=%d umount=%d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), um);
	poweroff();
}

/*
 * linux_fileinit.c - init of the Linux microVM for the file benchmark
 * (bench/run.sh, (g)); never built for Unishyper or natively.
 *
 *   rdinit=/fileinit [-- ARG...]
 *
 * Mounts /proc and devtmpfs on /dev, loads the modules listed one per line
 * in /modules.load (virtio-mmio, virtio-blk, fat, vfat and the code pages
 * vfat asks for, in dependency order: bench/linuxvm/build.sh writes the
 * list), waits for /dev/vda, mounts it as vfat on /mnt and runs
 * `/filebench /mnt ARG...` as its child.  Then it syncs, unmounts /mnt, so
 * that the image is clean for fsck.fat, prints
 *   # fileinit status=S umount=0|errno
 * and powers the machine off.  Any step that fails is reported on the
 * console with `fileinit:` and the machine powers off at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
#define MNT "/mnt"
#define DISK_WAIT_MS 10000

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

	for (ms = 0; ms < DISK_WAIT_MS; ms += 10) {
		if (stat(DISK, &st) == 0)
			return;
		nanosleep(&tick, NULL);
	}
	die("no disk", DISK);
}

int main(int argc, char **argv)
{
	char *args[16] = { "filebench", MNT };
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
	wait_disk();
	if (mount(DISK, MNT, "vfat", 0, NULL) < 0)
		die("mount", DISK);
	for (i = 1; i < argc && n < 15; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork", "");
	if (pid == 0) {
		execv("/filebench", args);
		printf("fileinit: exec /filebench: %s\n", strerror(errno));
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

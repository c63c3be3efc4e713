/*
 * linux_netinit.c - init of the Linux microVM for the network benchmarks
 * (bench/net.sh); never built for Unishyper or natively.
 *
 *   rdinit=/netinit -- /PROGRAM ARG...
 *
 * Mounts /proc and devtmpfs on /dev, loads the modules listed in
 * /modules.load (virtio-mmio and virtio-net with their dependencies, in
 * order; bench/linuxvm/build.sh writes the list), brings up lo and eth0
 * with 10.0.0.2/24 and a default route through 10.0.0.1 — what
 * unishyper-run --net tap gives a Unishyper guest — prints
 * "netinit: ready", and runs the program as its child. When the program
 * ends the machine powers off. A step that fails is reported with
 * "netinit:" and the machine powers off at once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void poweroff(void)
{
	fflush(NULL);
	tcdrain(1);
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void die(const char *what, const char *arg)
{
	printf("netinit: %s %s: %s\n", what, arg, strerror(errno));
	poweroff();
}

static void load_modules(void)
{
	char path[512];
	FILE *list = fopen("/modules.load", "r");
	if (!list)
		die("open", "/modules.load");
	while (fgets(path, sizeof path, list)) {
		path[strcspn(path, "\n")] = 0;
		if (!path[0])
			continue;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open", path);
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			die("finit_module", path);
		close(fd);
	}
	fclose(list);
}

static void set_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (ioctl(s, req, &ifr) < 0)
		die("ioctl address", ifname);
}

static void up(int s, const char *ifname)
{
	struct ifreq ifr = { 0 };
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS", ifname);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS", ifname);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	load_modules();
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket", "");
	up(s, "lo");
	/* eth0 appears when virtio-net has probed the device */
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	for (int ms = 0; if_nametoindex("eth0") == 0; ms += 10) {
		if (ms > 10000)
			die("no interface", "eth0");
		nanosleep(&tick, NULL);
	}
	set_addr(s, "eth0", SIOCSIFADDR, "10.0.0.2");
	set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0");
	up(s, "eth0");
	struct rtentry rt = { 0 };
	struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst, *gw = (struct sockaddr_in *)&rt.rt_gateway,
			   *mask = (struct sockaddr_in *)&rt.rt_genmask;
	dst->sin_family = gw->sin_family = mask->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &gw->sin_addr);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		die("SIOCADDRT", "default");
	close(s);
	if (argc < 2) {
		errno = EINVAL;
		die("no program", "(rdinit=/netinit -- /PROGRAM ARG...)");
	}
	printf("netinit: ready\n");
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		die("exec", argv[1]);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	printf("netinit: %s ended with status %d\n", argv[1], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	poweroff();
}

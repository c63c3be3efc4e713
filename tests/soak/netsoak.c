/*
 * netsoak.c - the guest half of the network soak (tests/soak/net.sh):
 * examples/echo on port 7 and examples/httpd on port 80 in one program,
 * each in its own thread, and a line with the free memory every few
 * seconds, so that the host can see whether serving leaks.
 *
 *   netsoak [SECONDS]          (default 5)
 *
 * The two servers are the examples' own sources, unchanged, linked in with
 * their main renamed (net.sh builds them with -Dmain=echo_main and
 * -Dmain=httpd_main); both run with their defaults (echo: TCP and UDP on
 * port 7; httpd: the files below /, which is ramfs here), so neither
 * parses options while the other does. Before they start, /index.html
 * (16 KiB) is written for httpd to serve. Then every SECONDS seconds:
 *
 *   netsoak: free KIB
 *
 * (sysinfo's freeram) on standard output. A server that ends ends the
 * program with its status (both run until killed).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define PAGE_BYTES (16 * 1024)

int echo_main(int argc, char **argv);
int httpd_main(int argc, char **argv);

static void *run(void *main_fn)
{
	int (*fn)(int, char **) = (int (*)(int, char **))main_fn;
	char *argv[] = {"server", NULL};

	exit(fn(1, argv));
}

static int write_page(void)
{
	char buf[PAGE_BYTES];
	int fd = open("/index.html", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	memcpy(buf, "<html>", 6);
	buf[sizeof(buf) - 1] = '\n';
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
	pthread_t echo, httpd;

	if (!seconds)
		seconds = 5;
	if (write_page()) {
		perror("netsoak: /index.html");
		return 1;
	}
	if (pthread_create(&echo, NULL, run, (void *)echo_main) ||
	    pthread_create(&httpd, NULL, run, (void *)httpd_main)) {
		fprintf(stderr, "netsoak: cannot start the servers\n");
		return 1;
	}
	for (;;) {
		struct sysinfo si;

		sysinfo(&si);
		printf("netsoak: free %lu\n", (unsigned long)(si.freeram * si.mem_unit / 1024));
		fflush(stdout);
		sleep(seconds);
	}
}

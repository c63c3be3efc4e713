/*
 * The host's loopback seen by a program run as a host command
 * (tests/integration/hostcmd.sh runs it as an image and natively, and
 * compares): what it prints must not depend on which it is.
 *
 *   hostnet serve PORT    listen on 127.0.0.1:PORT, say so, take one
 *                         client, answer its line
 *   hostnet connect PORT  connect to 127.0.0.1:PORT, send a line, print
 *                         the answer
 *   hostnet busy PORT     bind and listen on 127.0.0.1:PORT: the error
 *   hostnet self          listen on an ephemeral port and connect to it
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void show(const char *what, int fd, int peer, int with_port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len)) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	if (with_port)
		printf("%s %s:%d\n", what, inet_ntoa(a.sin_addr), ntohs(a.sin_port));
	else
		printf("%s %s\n", what, inet_ntoa(a.sin_addr));
}

/* A listening socket on 127.0.0.1:port, or -1 with errno. */
static int listener(int port)
{
	struct sockaddr_in a = loopback(port);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4)) {
		int e = errno;
		close(s);
		errno = e;
		return -1;
	}
	return s;
}

static int line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n + 1 < size && read(fd, buf + n, 1) == 1 && buf[n] != '\n')
		n++;
	buf[n] = 0;
	return (int)n;
}

static int serve(int port)
{
	char buf[128], reply[160];
	int s = listener(port);

	if (s < 0) {
		printf("bind and listen: %s\n", strerror(errno));
		return 1;
	}
	show("listening on", s, 0, 1);
	fflush(stdout);
	int c = accept(s, NULL, NULL);
	if (c < 0) {
		printf("accept: %s\n", strerror(errno));
		return 1;
	}
	show("a client from", c, 1, 0);
	show("  reaching", c, 0, 1);
	line(c, buf, sizeof(buf));
	printf("  it said: %s\n", buf);
	int n = snprintf(reply, sizeof(reply), "you said %s\n", buf);
	if (write(c, reply, (size_t)n) != n)
		printf("write: %s\n", strerror(errno));
	close(c);
	close(s);
	return 0;
}

static int connect_to(int port)
{
	struct sockaddr_in a = loopback(port);
	char buf[128];
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		printf("connect: %s\n", strerror(errno));
		return 1;
	}
	show("connected from", s, 0, 0);
	show("  to", s, 1, 1);
	if (write(s, "hello from the program\n", 23) != 23)
		printf("write: %s\n", strerror(errno));
	line(s, buf, sizeof(buf));
	printf("  the answer: %s\n", buf);
	close(s);
	return 0;
}

static int self(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char buf[16] = "";
	int l = listener(0);

	if (l < 0 || getsockname(l, (struct sockaddr *)&a, &len)) {
		printf("listen: %s\n", strerror(errno));
		return 1;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		printf("connect to itself: %s\n", strerror(errno));
		return 1;
	}
	int c = accept(l, NULL, NULL);
	if (c < 0 || write(s, "x\n", 2) != 2 || line(c, buf, sizeof(buf)) != 1) {
		printf("talking to itself: %s\n", strerror(errno));
		return 1;
	}
	show("to itself: the listener", l, 0, 0);
	show("  the connection from", c, 1, 0);
	close(c);
	close(s);
	close(l);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "connect"))
		return connect_to(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "busy")) {
		int s = listener(atoi(argv[2]));
		printf("bind and listen: %s\n", s < 0 ? strerror(errno) : "ok");
		return s < 0;
	}
	if (argc == 2 && !strcmp(argv[1], "self"))
		return self();
	fprintf(stderr, "usage: hostnet serve|connect|busy PORT, hostnet self\n");
	return 2;
}

/*
 * netstream - the server of the TCP stream benchmark (bench/net.sh).
 *
 *   netstream [-p PORT]      (port 5001 by default)
 *
 * Serves one connection at a time. The client's first byte chooses the
 * direction: 'R' and the server reads and drops everything until the
 * client closes (client to server); 'W' and it writes 64 KiB blocks until
 * the client goes away (server to client). Ordinary POSIX: built for
 * Unishyper, for the Linux guest and natively alike.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[65536];

int main(int argc, char **argv)
{
	int port = argc == 3 && !strcmp(argv[1], "-p") ? atoi(argv[2]) : 5001, one = 1;
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(ls, 8) < 0) {
		perror("netstream");
		return 1;
	}
	printf("netstream: listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept(ls, NULL, NULL);
		char mode;
		if (c < 0)
			continue;
		if (read(c, &mode, 1) == 1) {
			if (mode == 'W')
				while (write(c, buf, sizeof buf) > 0)
					;
			else
				while (read(c, buf, sizeof buf) > 0)
					;
		}
		close(c);
	}
}

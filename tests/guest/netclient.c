/*
 * netclient: the guest's side of the outgoing-connection and DNS tests
 * (tests/integration/net.sh). Resolves HOST with getaddrinfo (a name goes
 * to the servers of unishyper.dns=), prints the address, connects to
 * PORT, sends LINE and a newline, and prints the line that comes back.
 * It first prints its host name (gethostname).
 *
 *   netclient HOST PORT LINE
 *
 * Exits 0 when a reply arrived. Ordinary POSIX: it builds natively too.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: netclient HOST PORT LINE\n");
		return 2;
	}
	char name[256];
	if (gethostname(name, sizeof name) == 0)
		printf("hostname %s\n", name);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int err = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (err) {
		fprintf(stderr, "netclient: %s: %s\n", argv[1], gai_strerror(err));
		return 1;
	}
	char host[64];
	getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
	printf("resolved %s to %s\n", argv[1], host);
	int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		perror("netclient: connect");
		return 1;
	}
	char line[512];
	snprintf(line, sizeof line, "%s\n", argv[3]);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		perror("netclient: write");
		return 1;
	}
	size_t n = 0;
	ssize_t r;
	while (n < sizeof line - 1 && (r = read(fd, line + n, sizeof line - 1 - n)) > 0) {
		n += r;
		if (memchr(line, '\n', n))
			break;
	}
	line[n] = 0;
	close(fd);
	if (!n) {
		fprintf(stderr, "netclient: no reply\n");
		return 1;
	}
	printf("%s", line);
	return 0;
}

/*
 * An image run as a host command (tests/integration/hostcmd.sh): prints
 * its working directory, arguments and the variable HOSTCMD_VAR, then does
 * what its first argument says:
 *
 *   show              nothing more
 *   cat FILE          prints FILE's contents, or "cat: ERROR"
 *   write FILE TEXT   writes TEXT and a newline to FILE
 *   exit N            exits with status N
 *   kill SIG          raises signal SIG (a number)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];

	printf("cwd %s\n", getcwd(buf, sizeof(buf)) ? buf : strerror(errno));
	for (int i = 0; i < argc; i++)
		printf("argv[%d] <%s>\n", i, argv[i]);
	const char *v = getenv("HOSTCMD_VAR");
	printf("HOSTCMD_VAR %s\n", v ? v : "(unset)");
	if (argc >= 3 && !strcmp(argv[1], "cat")) {
		FILE *f = fopen(argv[2], "r");
		if (!f) {
			printf("cat: %s\n", strerror(errno));
			return 1;
		}
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)))
			fwrite(buf, 1, n, stdout);
		fclose(f);
	} else if (argc >= 4 && !strcmp(argv[1], "write")) {
		FILE *f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%s\n", argv[3]) < 0 || fclose(f)) {
			printf("write: %s\n", strerror(errno));
			return 1;
		}
	} else if (argc >= 3 && !strcmp(argv[1], "exit")) {
		return atoi(argv[2]);
	} else if (argc >= 3 && !strcmp(argv[1], "kill")) {
		fflush(stdout);
		raise(atoi(argv[2]));
	}
	return 0;
}

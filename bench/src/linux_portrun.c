/*
 * linux_portrun.c - runs one work figure of a port in the Linux microVM
 * (bench/ports.sh); never built for Unishyper or natively.  Started by
 * linux_fileinit.c (fileinit_fs=9p fileinit_prog=portrun) with the shared
 * folder as its first argument:
 *
 *   /portrun DIR OUT PROG [ARG...]
 *
 * In DIR runs PROG (a path relative to DIR) with ARGs, standard input from
 * /dev/null and standard output into OUT (relative to DIR; "-" for
 * /dev/null), and exits with its status, 127 when it cannot run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status, in, out;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: portrun DIR OUT PROG [ARG...]\n");
		return 2;
	}
	if (chdir(argv[1]) < 0) {
		fprintf(stderr, "portrun: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	in = open("/dev/null", O_RDONLY);
	out = strcmp(argv[2], "-") ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)
				   : open("/dev/null", O_WRONLY);
	if (in < 0 || out < 0) {
		fprintf(stderr, "portrun: %s: %s\n", argv[2], strerror(errno));
		return 127;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in, 0);
		dup2(out, 1);
		execv(argv[3], argv + 3);
		fprintf(stderr, "portrun: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return 127;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

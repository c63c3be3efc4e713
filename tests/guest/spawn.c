/*
 * Starting another program fails cleanly, as an image has no program
 * loader: execve with ENOSYS, and system(), popen() and posix_spawn() with
 * an error the program can report; system(NULL) says there is no shell.
 * Without a child, wait4 and waitid give ECHILD. None of them hangs.
 * (fork itself: tests/compare/fork.c.)
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

extern char **environ;

int main(void)
{
	int status;
	siginfo_t si;
	pid_t pid;

	char *argv[] = { "sh", "-c", "true", NULL };
	CHECK(execve("/bin/sh", argv, environ) == -1 && errno == ENOSYS, "execve: ENOSYS");
	CHECK(waitpid(-1, &status, 0) == -1 && errno == ECHILD, "waitpid: ECHILD");
	CHECK(wait(&status) == -1 && errno == ECHILD, "wait: ECHILD");
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == -1 && errno == ECHILD, "waitid: ECHILD");
	CHECK(system(NULL) == 0, "system(NULL): no shell");
	errno = 0;
	CHECK(system("true") == -1 && errno != 0, "system(\"true\"): -1 with errno %d", errno);
	errno = 0;
	CHECK(popen("true", "r") == NULL && errno != 0, "popen: NULL with errno %d", errno);
	int e = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	CHECK(e != 0, "posix_spawn fails with %d", e);
	CHECK(syscall(SYS_clone, 17 /* SIGCHLD: a new process */, 0, 0, 0, 0) == -1 &&
		      errno == ENOSYS,
	      "clone of a process: ENOSYS");
	return tap_done();
}

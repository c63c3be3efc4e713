/*
 * Starting another program fails cleanly, as an image has no program
 * loader: execve with ENOSYS, and system(), popen() and posix_spawn() with
 * an error the program can report; system(NULL) says there is no shell.
 * Without a child, wait4 and waitid give ECHILD. None of them hangs.
 * (fork itself: tests/compare/fork.c.) A fork child that waits for what
 * only its parent could do is killed after 10 s instead of waiting
 * forever, since the parent runs only after the child.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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
	time_t start = time(NULL);
	pid = fork();
	if (pid == 0) {
		pause(); /* for a signal the parent would send */
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		      WTERMSIG(status) == SIGKILL && time(NULL) - start >= 10,
	      "a child waiting for its parent is killed after %ld s", (long)(time(NULL) - start));
	return tap_done();
}

/*
 * flock(2): locks belong to open files. Another open of the same file
 * conflicts, a dup or a fork child's descriptor shares the lock, a lock
 * changes kind in place, closing the last descriptor of an open file
 * releases its lock, a waiter gets the lock when it is released, and bad
 * arguments give EINVAL and EBADF.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/tmp/flock-test"

static void say(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "NO");
}

static int busy(int fd, int op)
{
	return flock(fd, op | LOCK_NB) == -1 && errno == EWOULDBLOCK;
}

static void *wait_for_lock(void *arg)
{
	int fd = open(PATH, O_RDWR);
	long got = flock(fd, LOCK_EX) == 0;

	*(int *)arg = fd;
	return (void *)got;
}

int main(void)
{
	int a = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644), b = open(PATH, O_RDWR), c;
	int status;

	say("an exclusive lock", flock(a, LOCK_EX) == 0);
	say("another open of the file: EWOULDBLOCK, shared or exclusive",
	    busy(b, LOCK_SH) && busy(b, LOCK_EX));
	say("taking it again on the same open file", flock(a, LOCK_EX | LOCK_NB) == 0);
	c = dup(a);
	say("a dup shares it", flock(c, LOCK_EX | LOCK_NB) == 0);
	say("changed to shared: others may share it", flock(a, LOCK_SH) == 0 &&
	    flock(b, LOCK_SH | LOCK_NB) == 0);
	say("but not take it exclusively; the try gave the shared lock up, as on Linux",
	    busy(b, LOCK_EX) && flock(a, LOCK_EX | LOCK_NB) == 0);
	say("unlocked", flock(b, LOCK_UN) == 0 && flock(a, LOCK_UN) == 0);
	say("then free for another", flock(b, LOCK_EX | LOCK_NB) == 0 && busy(a, LOCK_SH));
	close(b);
	say("closing the last descriptor releases it", flock(a, LOCK_EX | LOCK_NB) == 0);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int d = open(PATH, O_RDWR);
		_exit((flock(a, LOCK_EX | LOCK_NB) == 0) | busy(d, LOCK_SH) << 1);
	}
	waitpid(pid, &status, 0);
	say("a fork child shares the parent's lock, its own open does not",
	    WIFEXITED(status) && WEXITSTATUS(status) == 3);

	pthread_t t;
	int waiter = -1;
	void *got;
	pthread_create(&t, NULL, wait_for_lock, &waiter);
	usleep(50000); /* the thread waits for the lock */
	close(c);
	flock(a, LOCK_UN);
	pthread_join(t, &got);
	say("a waiter gets the lock once it is released", got && busy(a, LOCK_SH));
	close(waiter);

	say("an unknown operation: EINVAL",
	    flock(a, 0) == -1 && errno == EINVAL && flock(a, LOCK_NB) == -1 && errno == EINVAL &&
		    flock(a, LOCK_SH | LOCK_EX) == -1 && errno == EINVAL);
	say("a closed descriptor: EBADF", flock(999, LOCK_SH) == -1 && errno == EBADF);
	int p[2];
	pipe(p);
	say("a pipe locks too", flock(p[0], LOCK_EX) == 0 && flock(p[0], LOCK_UN) == 0);
	close(a);
	unlink(PATH);
	return 0;
}

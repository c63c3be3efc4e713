/*
 * fork, vfork and the waits, as a program sees them: what the child
 * changes stays the child's (globals, heap, stack, break, mappings,
 * descriptors, folder, umask, signal dispositions, limits), what is shared
 * stays shared (open files and their offsets, pipes, MAP_SHARED and SysV
 * shared memory), SEM_UNDO operations are undone at the child's end, the
 * parent learns how each child ended (exit statuses, signals, faults)
 * through wait4, waitid and SIGCHLD, children nest, and a parent's other
 * threads go on afterwards. Every line is printed by the parent after its
 * child ended, so the output does not depend on which runs first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int global = 1;
static volatile sig_atomic_t sigchld, usr1;

static void on_chld(int sig) { (void)sig; sigchld++; }
static void on_usr1(int sig) { (void)sig; usr1++; }

static void say(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "NO");
}

/* Forks; the child runs fn and exits with what it returns. The parent
 * gets the child's wait status. */
static int child(int (*fn)(void *), void *arg)
{
	int status = -1;

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int change_memory(void *arg)
{
	int *heap = arg, local = 5;

	global = 2;
	heap[0] = 2;
	heap[1000000] = 2;
	local = 6;
	return local + global + heap[0];
}

static int ids(void *arg)
{
	pid_t parent = *(pid_t *)arg;

	return getppid() == parent && getpid() != parent && getpid() > 0 ? 0 : 1;
}

static int write_pipe(void *arg)
{
	int *p = arg;

	close(p[0]);
	return write(p[1], "from the child", 14) == 14 ? 0 : 1;
}

static int close_fd(void *arg)
{
	close(*(int *)arg);
	return 0;
}

static int append(void *arg)
{
	return write(*(int *)arg, "child\n", 6) == 6 ? 0 : 1;
}

static int do_abort(void *arg) { (void)arg; abort(); }
static int do_kill(void *arg) { (void)arg; raise(SIGKILL); return 0; }
static int do_segv(void *arg) { (void)arg; *(volatile int *)16 = 1; return 0; }
static int do_exit(void *arg) { exit(*(int *)arg); }

static int grandchild(void *arg)
{
	(void)arg;
	return 3;
}

static int nested(void *arg)
{
	int status = child(grandchild, arg);

	return WIFEXITED(status) ? WEXITSTATUS(status) + 10 : 1;
}

static int mappings(void *arg)
{
	char **m = arg;

	m[0][0] = 'c';  /* private: the parent keeps 'p' */
	m[1][0] = 'c';  /* shared: the parent sees 'c' */
	munmap(m[2], 4096); /* the parent keeps it */
	char *fresh = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return 1;
	memset(fresh, 'x', 1 << 20);
	return 0;
}

static int shm_child(void *arg)
{
	char *p = arg;

	p[0] = 'c';
	return shmdt(p) != 0;
}

static int sem_child(void *arg)
{
	int id = *(int *)arg;
	struct sembuf undone[2] = { { 0, 2, SEM_UNDO }, { 1, -1, SEM_UNDO } };
	struct sembuf kept = { 0, 5, 0 };

	return semop(id, undone, 2) || semop(id, &kept, 1);
}

static long brk_now(void)
{
	return syscall(SYS_brk, 0);
}

static int grow(void *arg)
{
	(void)arg;
	return syscall(SYS_brk, brk_now() + (1 << 20)) != brk_now() || brk_now() <= 0;
}

static int settings(void *arg)
{
	struct rlimit rl = { 64, 64 };

	(void)arg;
	signal(SIGUSR1, SIG_IGN);
	umask(077);
	setrlimit(RLIMIT_NOFILE, &rl);
	return chdir("/") != 0;
}

static int signal_parent(void *arg)
{
	(void)arg;
	return kill(getppid(), SIGUSR1) != 0;
}

static int big_heap(void *arg)
{
	unsigned char *p = arg;

	memset(p, 0xee, 8 << 20);
	return 0;
}

struct waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
	int go, done;
};

static void *wait_for_go(void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->m);
	while (!w->go)
		pthread_cond_wait(&w->c, &w->m);
	w->done = 1;
	pthread_mutex_unlock(&w->m);
	return NULL;
}

static int touch_lock(void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->m);
	w->go = 0;
	pthread_cond_broadcast(&w->c);
	pthread_mutex_unlock(&w->m);
	return 0;
}

int main(void)
{
	int status, p[2], fd;
	pid_t self = getpid();
	char buf[64], dir[256];
	struct sigaction sa = { .sa_handler = on_chld, .sa_flags = SA_RESTART };

	sigaction(SIGCHLD, &sa, NULL);

	int *heap = calloc(1000001, sizeof(int));
	heap[0] = heap[1000000] = 1;
	status = child(change_memory, heap);
	say("the child's exit status", WIFEXITED(status) && WEXITSTATUS(status) == 10);
	say("the parent's global, heap and stack are its own",
	    global == 1 && heap[0] == 1 && heap[1000000] == 1);
	say("SIGCHLD came once", sigchld == 1);
	free(heap);

	say("the child has its own id and the parent's as its parent", child(ids, &self) == 0);

	pipe(p);
	status = child(write_pipe, p);
	close(p[1]);
	ssize_t n = read(p[0], buf, sizeof(buf));
	say("what the child wrote into a pipe reaches the parent",
	    status == 0 && n == 14 && !memcmp(buf, "from the child", 14));
	say("the pipe ends once the child closed its end", read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);

	/* A child that writes more than a pipe holds: natively it waits for
	 * the parent to read; here the pipe grows until the child ends. */
	pipe(p);
	fflush(stdout);
	pid_t writer = fork();
	if (writer == 0) {
		static char chunk[65536];
		close(p[0]);
		memset(chunk, 'w', sizeof(chunk));
		for (int i = 0; i < 16; i++)
			if (write(p[1], chunk, sizeof(chunk)) != sizeof(chunk))
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	size_t total = 0;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += (size_t)n;
	close(p[0]);
	say("1 MiB a child wrote into a pipe reaches the parent",
	    waitpid(writer, &status, 0) == writer && status == 0 && total == 16 * 65536);

	/* A child that waits for its parent to close a pipe (redis's diskless
	 * sync): natively the parent closes it; here it ends at once. */
	int go[2];
	pipe(go);
	fflush(stdout);
	pid_t waiter = fork();
	if (waiter == 0) {
		close(go[1]);
		_exit(read(go[0], buf, 1) == 0 ? 0 : 1);
	}
	close(go[0]);
	usleep(10000);
	close(go[1]);
	say("a child reading a pipe its parent closes sees its end",
	    waitpid(waiter, &status, 0) == waiter && status == 0);

	fd = open("/tmp/fork-test", O_RDWR | O_CREAT | O_TRUNC, 0644);
	child(close_fd, &fd);
	say("a descriptor the child closed stays open", write(fd, "parent\n", 7) == 7);
	child(append, &fd);
	say("the child's write moves the shared offset", lseek(fd, 0, SEEK_CUR) == 13);
	pread(fd, buf, 13, 0);
	say("both writes are in the file", !memcmp(buf, "parent\nchild\n", 13));
	close(fd);
	unlink("/tmp/fork-test");

	status = child(do_abort, NULL);
	say("abort in the child: WIFSIGNALED SIGABRT",
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	status = child(do_kill, NULL);
	say("SIGKILL in the child: WIFSIGNALED SIGKILL",
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	status = child(do_segv, NULL);
	say("a fault in the child: WIFSIGNALED SIGSEGV",
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	int codes[] = { 0, 1, 255, 256 + 7 };
	for (int i = 0; i < 4; i++) {
		status = child(do_exit, &codes[i]);
		printf("exit(%d) in the child: status %d\n", codes[i],
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}

	status = child(nested, NULL);
	say("a child forks and waits for its own child",
	    WIFEXITED(status) && WEXITSTATUS(status) == 13);

	char *m[3];
	m[0] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[1] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	m[2] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0][0] = m[1][0] = 'p';
	m[2][0] = 'k';
	status = child(mappings, m);
	say("a private mapping stays the parent's", status == 0 && m[0][0] == 'p');
	say("a shared mapping shows the child's write", m[1][0] == 'c');
	say("a mapping the child unmapped stays the parent's", m[2][0] == 'k');

	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *sp = shmat(id, NULL, 0);
	struct shmid_ds ds;
	sp[0] = 'p';
	status = child(shm_child, sp);
	say("SysV memory: the child's write shows, its detach leaves the parent's attach",
	    status == 0 && sp[0] == 'c' && shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1);
	shmdt(sp);
	shmctl(id, IPC_RMID, NULL);

	id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	semctl(id, 1, SETVAL, 3);
	status = child(sem_child, &id);
	say("SEM_UNDO: the child's flagged operations are undone at its end, the others stay",
	    status == 0 && semctl(id, 0, GETVAL) == 5 && semctl(id, 1, GETVAL) == 3);
	semctl(id, 0, IPC_RMID);

	long brk_before = brk_now();
	status = child(grow, NULL);
	say("the child's break is its own", status == 0 && brk_now() == brk_before);

	mode_t mask = umask(022);
	umask(mask);
	getcwd(dir, sizeof(dir));
	struct sigaction old;
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	status = child(settings, NULL);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	sigaction(SIGUSR1, NULL, &old);
	say("folder, umask, dispositions and limits stay the parent's",
	    status == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, dir) && umask(mask) == mask &&
		    old.sa_handler == on_usr1 && rl.rlim_cur != 64);

	status = child(signal_parent, NULL);
	say("a signal from the child reaches the parent", status == 0 && usr1 == 1);

	unsigned char *big = malloc(8 << 20);
	memset(big, 0x11, 8 << 20);
	status = child(big_heap, big);
	int same = 1;
	for (int i = 0; i < 8 << 20; i++)
		same &= big[i] == 0x11;
	say("8 MiB the child overwrote are the parent's again", status == 0 && same);
	free(big);

	int bad = 0;
	for (int i = 0; i < 100; i++) {
		int code = i % 7;
		status = child(do_exit, &code);
		bad += !WIFEXITED(status) || WEXITSTATUS(status) != code;
	}
	say("100 children in a row, each status right", bad == 0);

	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0)
		_exit(4);
	say("vfork: the child's _exit status",
	    pid > 0 && waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 4);

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(9);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	say("waitid: CLD_EXITED with the status and the id",
	    pid > 0 && waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_code == CLD_EXITED &&
		    si.si_status == 9 && si.si_pid == pid && si.si_signo == SIGCHLD);
	say("no child left: ECHILD", waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);

	struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	pthread_t t;
	pthread_create(&t, NULL, wait_for_go, &w);
	usleep(20000); /* the thread waits on its condition */
	status = child(touch_lock, &w);
	pthread_mutex_lock(&w.m);
	w.go = 1;
	pthread_cond_broadcast(&w.c);
	pthread_mutex_unlock(&w.m);
	pthread_join(t, NULL);
	say("a parent's thread asleep across a fork runs on", status == 0 && w.done == 1);
	printf("SIGCHLD handled %d times\n", (int)sigchld);
	return 0;
}

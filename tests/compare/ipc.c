/*
 * SysV IPC, resource limits and the process calls, where Unishyper and
 * Linux must agree: the errno of each bad argument, what the limits
 * refuse, and that spawning a program fails or succeeds as a yes/no
 * (natively there is a shell; in the image there is none, and fork is
 * left to tests/guest/spawn.c because it succeeds natively).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY 0x75e1c0de /* unlikely to be in use on the host */

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static void show(const char *what, long r)
{
	printf("%-44s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
	errno = 0;
}

static void shm(void)
{
	struct shmid_ds ds;

	show("shmget size 0", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
	show("shmget absent key", shmget(KEY, 4096, 0));
	int id = shmget(KEY, 5000, IPC_CREAT | IPC_EXCL | 0640);
	show("shmget IPC_CREAT|IPC_EXCL", id >= 0);
	show("shmget IPC_CREAT|IPC_EXCL again", shmget(KEY, 5000, IPC_CREAT | IPC_EXCL | 0640));
	show("shmget larger", shmget(KEY, 8192, 0));
	show("shmget same key", shmget(KEY, 10, 0) == id);
	show("shmctl bad id", shmctl(-1, IPC_STAT, &ds));
	show("shmctl bad command", shmctl(id, 12345, &ds));
	show("shmctl IPC_STAT bad buffer", shmctl(id, IPC_STAT, (void *)8));
	show("shmat bad id", (long)shmat(-1, NULL, 0));
	char *p = shmat(id, NULL, 0);
	show("shmat", p != (void *)-1);
	show("shmat unaligned", (long)shmat(id, p + 1, 0));
	show("shmdt unattached", shmdt(p + 4096 * 4));
	shmctl(id, IPC_STAT, &ds);
	printf("segsz %zu nattch %lu mode %o\n", ds.shm_segsz, (unsigned long)ds.shm_nattch,
	       ds.shm_perm.mode);
	show("IPC_RMID attached", shmctl(id, IPC_RMID, NULL));
	shmctl(id, IPC_STAT, &ds);
	printf("after IPC_RMID nattch %lu mode %o\n", (unsigned long)ds.shm_nattch,
	       ds.shm_perm.mode);
	show("key after IPC_RMID", shmget(KEY, 10, 0));
	show("shmdt", shmdt(p));
	show("IPC_STAT after the last shmdt", shmctl(id, IPC_STAT, &ds));
}

static void sem(void)
{
	union semun arg;
	struct sembuf op = { 0, -1, IPC_NOWAIT }, many[600];
	struct timespec ts = { 0, 20000000 };

	show("semget 0", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
	show("semget -1", semget(IPC_PRIVATE, -1, IPC_CREAT | 0600));
	int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	show("semop none", semop(id, &op, 0));
	memset(many, 0, sizeof(many));
	show("semop 600", semop(id, many, 600));
	show("semop bad list", semop(id, (void *)8, 1));
	struct sembuf far = { 9, 1, 0 };
	show("semop sem_num 9", semop(id, &far, 1));
	show("semop IPC_NOWAIT", semop(id, &op, 1));
	op.sem_flg = 0;
	show("semtimedop timeout", semtimedop(id, &op, 1, &ts));
	struct timespec bad = { 0, -1 };
	show("semtimedop bad timeout", semtimedop(id, &op, 1, &bad));
	arg.val = 40000;
	show("SETVAL 40000", semctl(id, 0, SETVAL, arg));
	arg.val = -1;
	show("SETVAL -1", semctl(id, 0, SETVAL, arg));
	arg.val = 5;
	show("SETVAL 5", semctl(id, 1, SETVAL, arg));
	show("GETVAL", semctl(id, 1, GETVAL));
	show("GETVAL sem 2", semctl(id, 2, GETVAL));
	show("GETNCNT", semctl(id, 0, GETNCNT));
	show("semop up over SEMVMX", semop(id, &(struct sembuf){ 1, 32767, 0 }, 1));
	unsigned short vals[2];
	arg.array = vals;
	show("GETALL", semctl(id, 0, GETALL, arg));
	printf("values %u %u\n", vals[0], vals[1]);
	arg.array = (void *)8;
	show("GETALL bad buffer", semctl(id, 0, GETALL, arg));
	show("semctl bad command", semctl(id, 0, 12345));
	show("IPC_RMID", semctl(id, 0, IPC_RMID));
	show("semctl removed", semctl(id, 0, GETVAL));
}

struct text {
	long type;
	char text[16];
};

static void msg(void)
{
	struct text m = { 1, "hello" }, r;
	struct msqid_ds ds;

	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	show("msgsnd type 0", msgsnd(id, &(struct text){ 0, "x" }, 1, 0));
	show("msgsnd 9000 bytes", msgsnd(id, &m, 9000, 0));
	show("msgsnd bad message", msgsnd(id, (void *)8, 4, 0));
	show("msgsnd bad id", msgsnd(-1, &m, 4, 0));
	show("msgsnd", msgsnd(id, &m, 6, 0));
	show("msgrcv short buffer", msgrcv(id, &r, 2, 0, 0));
	show("msgrcv MSG_NOERROR", msgrcv(id, &r, 2, 0, MSG_NOERROR));
	show("msgrcv empty IPC_NOWAIT", msgrcv(id, &r, 16, 0, IPC_NOWAIT));
	show("msgrcv negative size", msgrcv(id, &r, -1, 0, IPC_NOWAIT));
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 8;
	show("IPC_SET qbytes 8", msgctl(id, IPC_SET, &ds));
	show("msgsnd 6 into 8", msgsnd(id, &m, 6, IPC_NOWAIT));
	show("msgsnd 6 more IPC_NOWAIT", msgsnd(id, &m, 6, IPC_NOWAIT));
	msgctl(id, IPC_STAT, &ds);
	printf("qnum %lu cbytes %lu qbytes %lu\n", (unsigned long)ds.msg_qnum,
	       (unsigned long)ds.msg_cbytes, (unsigned long)ds.msg_qbytes);
	show("msgrcv type 2 IPC_NOWAIT", msgrcv(id, &r, 16, 2, IPC_NOWAIT));
	show("msgrcv MSG_EXCEPT 2", msgrcv(id, &r, 16, 2, IPC_NOWAIT | MSG_EXCEPT));
	show("msgctl bad command", msgctl(id, 12345, &ds));
	show("IPC_RMID", msgctl(id, IPC_RMID, NULL));
	show("msgrcv removed", msgrcv(id, &r, 16, 0, IPC_NOWAIT));
}

static void limits(void)
{
	struct rlimit r, old;
	int fd, last = -1;

	show("getrlimit 99", getrlimit(99, &r));
	show("getrlimit bad pointer", getrlimit(RLIMIT_NOFILE, (void *)8));
	r = (struct rlimit){ 10, 5 };
	show("setrlimit soft above hard", setrlimit(RLIMIT_CORE, &r));
	getrlimit(RLIMIT_NOFILE, &old);
	r = (struct rlimit){ 8, old.rlim_max };
	show("RLIMIT_NOFILE 8", setrlimit(RLIMIT_NOFILE, &r));
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	show("open at the limit", fd);
	printf("last descriptor below 8: %s\n", last < 8 ? "yes" : "no");
	show("dup at the limit", dup(0));
	show("F_DUPFD from 8", fcntl(0, F_DUPFD, 8));
	show("dup2 to 8", dup2(0, 8));
	show("dup3 to 9", dup3(0, 9, 0));
	setrlimit(RLIMIT_NOFILE, &old);
	show("open after restoring", open("/dev/null", O_RDONLY) >= 0);

	getrlimit(RLIMIT_AS, &old);
	r = (struct rlimit){ 64 << 20, old.rlim_max };
	show("RLIMIT_AS 64 MiB", setrlimit(RLIMIT_AS, &r));
	show("mmap 128 MiB", (long)mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	show("malloc 100 MiB is NULL", malloc(100 << 20) == NULL);
	setrlimit(RLIMIT_AS, &old);

	getrlimit(RLIMIT_DATA, &old);
	r = (struct rlimit){ 16 << 20, old.rlim_max };
	show("RLIMIT_DATA 16 MiB", setrlimit(RLIMIT_DATA, &r));
	show("sbrk 32 MiB", (long)sbrk(32 << 20));
	show("mmap writable 32 MiB", (long)mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	setrlimit(RLIMIT_DATA, &old);
}

static void process(void)
{
	extern char **environ;
	char *argv[] = { "x", NULL };
	siginfo_t si;
	pid_t pid;
	int r = system(NULL);

	printf("system(NULL) is 0 or 1: %s\n", r == 0 || r == 1 ? "yes" : "no");
	printf("posix_spawn of a missing program fails: %s\n",
	       posix_spawn(&pid, "/nonexistent/x", NULL, NULL, argv, environ) ? "yes" : "no");
	show("waitpid with no child", waitpid(-1, &r, WNOHANG));
	show("waitid with no child", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
	printf("execve of a missing program fails: %s\n",
	       execve("/nonexistent/x", argv, environ) == -1 ? "yes" : "no");
}

int main(void)
{
	shm();
	sem();
	msg();
	limits();
	process();
	return 0;
}

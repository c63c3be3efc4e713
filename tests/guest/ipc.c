/*
 * SysV IPC between threads: shared memory attached at two addresses,
 * semaphores and message queues that block and are woken, their removal
 * under sleepers (EIDRM), and the errors of bad arguments.
 */
#define _GNU_SOURCE /* semtimedop */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int semid, msqid;

/* Sleeps in the operation arg points to. */
static void *sem_sleeper(void *arg)
{
	semop(semid, arg, 1);
	return NULL;
}

static void *sem_remover(void *arg)
{
	usleep(100000);
	semctl(semid, 0, IPC_RMID);
	return NULL;
}

struct text {
	long type;
	char text[64];
};

static void *msg_sender(void *arg)
{
	struct text m = { 7, "late" };

	usleep(100000);
	msgsnd(msqid, &m, 5, 0);
	return NULL;
}

static void *msg_remover(void *arg)
{
	usleep(100000);
	msgctl(msqid, IPC_RMID, NULL);
	return NULL;
}

#define COUNT_THREADS 4
#define COUNT_ROUNDS 2000
static volatile long *shared_counter;

static void *sem_counter(void *arg)
{
	struct sembuf down = { 0, -1, 0 }, up = { 0, 1, 0 };

	for (int i = 0; i < COUNT_ROUNDS; i++) {
		semop(semid, &down, 1);
		*shared_counter += 1;
		semop(semid, &up, 1);
	}
	return NULL;
}

static void test_shm(void)
{
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	CHECK(id >= 0, "shmget IPC_PRIVATE of 10000 bytes");
	char *a = shmat(id, NULL, 0), *b = shmat(id, NULL, 0);
	CHECK(a != (void *)-1 && b != (void *)-1 && a != b, "attached at two addresses");
	CHECK(a[9999] == 0, "a new segment reads as zero");
	strcpy(a + 5000, "through a");
	CHECK(strcmp(b + 5000, "through a") == 0, "a write through one address shows at the other");
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_nattch == 2 &&
		      (ds.shm_perm.mode & 0777) == 0600,
	      "IPC_STAT: size, two attaches, mode");
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID while attached");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 2 && (ds.shm_perm.mode & 01000),
	      "a removed segment stays while attached, marked SHM_DEST");
	CHECK(shmdt(a) == 0 && strcmp(b + 5000, "through a") == 0, "shmdt of one attach");
	CHECK(shmdt(a) == -1 && errno == EINVAL, "shmdt of a detached address: EINVAL");
	CHECK(shmdt(b) == 0, "shmdt of the last attach");
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL, "then the id is gone: EINVAL");

	key_t key = 0x5eed;
	id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644);
	CHECK(id >= 0, "shmget of a key with IPC_CREAT|IPC_EXCL");
	CHECK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644) == -1 && errno == EEXIST,
	      "again with IPC_EXCL: EEXIST");
	CHECK(shmget(key, 100, 0) == id, "the key finds it");
	CHECK(shmget(key, 8192, 0) == -1 && errno == EINVAL, "larger than the segment: EINVAL");
	CHECK(shmget(0x5eee, 4096, 0) == -1 && errno == ENOENT, "an unknown key: ENOENT");
	CHECK(shmget(IPC_PRIVATE, 0, IPC_CREAT) == -1 && errno == EINVAL, "size 0: EINVAL");
	char *ro = shmat(id, NULL, SHM_RDONLY);
	CHECK(ro != (void *)-1 && uname((void *)ro) == -1 && errno == EFAULT,
	      "SHM_RDONLY: the kernel cannot write there either (EFAULT)");
	CHECK(shmat(id, (void *)(ro + 1), 0) == (void *)-1 && errno == EINVAL,
	      "shmat at an unaligned address: EINVAL");
	CHECK(shmat(id, ro, 0) == (void *)-1 && errno == EINVAL,
	      "shmat over a mapping without SHM_REMAP: EINVAL");
	CHECK(shmat(123456, NULL, 0) == (void *)-1 && errno == EINVAL, "shmat of no id: EINVAL");
	CHECK(shmctl(id, IPC_STAT, (void *)8) == -1 && errno == EFAULT,
	      "IPC_STAT to a bad pointer: EFAULT");
	shmdt(ro);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0 && shmget(key, 100, 0) == -1 && errno == ENOENT,
	      "IPC_RMID frees the key");
}

static void test_sem(void)
{
	pthread_t t;
	union semun arg;

	semid = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	CHECK(semid >= 0, "semget of a set of 3");
	unsigned short vals[3] = { 1, 2, 3 }, got[3];
	arg.array = vals;
	CHECK(semctl(semid, 0, SETALL, arg) == 0, "SETALL");
	arg.array = got;
	CHECK(semctl(semid, 0, GETALL, arg) == 0 && got[0] == 1 && got[1] == 2 && got[2] == 3,
	      "GETALL");
	arg.val = 0;
	CHECK(semctl(semid, 0, SETVAL, arg) == 0 && semctl(semid, 0, GETVAL) == 0,
	      "SETVAL, GETVAL");
	struct sembuf both[2] = { { 1, -2, 0 }, { 0, -1, IPC_NOWAIT } };
	CHECK(semop(semid, both, 2) == -1 && errno == EAGAIN && semctl(semid, 1, GETVAL) == 2,
	      "IPC_NOWAIT: EAGAIN, and no operation of the list applied");
	struct timespec short_ts = { 0, 50000000 };
	struct sembuf down = { 0, -1, 0 };
	CHECK(semtimedop(semid, &down, 1, &short_ts) == -1 && errno == EAGAIN,
	      "semtimedop times out with EAGAIN");
	pthread_create(&t, NULL, sem_sleeper, &down);
	usleep(100000);
	CHECK(semctl(semid, 0, GETNCNT) == 1, "GETNCNT counts the sleeper");
	struct sembuf up2 = { 0, 2, 0 };
	CHECK(semop(semid, &up2, 1) == 0 && pthread_join(t, NULL) == 0 &&
		      semctl(semid, 0, GETVAL) == 1 && semctl(semid, 0, GETNCNT) == 0,
	      "a blocked semop is woken by another thread's");
	struct sembuf zero2 = { 2, 0, 0 };
	pthread_create(&t, NULL, sem_sleeper, &zero2);
	usleep(100000);
	CHECK(semctl(semid, 2, GETZCNT) == 1, "GETZCNT counts the sleeper");
	arg.val = 0;
	CHECK(semctl(semid, 2, SETVAL, arg) == 0 && pthread_join(t, NULL) == 0 &&
		      semctl(semid, 2, GETZCNT) == 0,
	      "SETVAL to 0 wakes a wait-for-zero");
	arg.val = 3;
	semctl(semid, 2, SETVAL, arg);
	struct sembuf zero = { 2, 0, 0 };
	pthread_create(&t, NULL, sem_remover, NULL);
	usleep(20000);
	struct timespec one = { 0, 30000000 };
	CHECK(semtimedop(semid, &zero, 1, &one) == -1 && errno == EAGAIN, "wait-for-zero times out");
	CHECK(semop(semid, &zero, 1) == -1 && errno == EIDRM, "a sleeper sees IPC_RMID: EIDRM");
	pthread_join(t, NULL);
	CHECK(semctl(semid, 0, GETVAL) == -1 && errno == EINVAL, "the removed id: EINVAL");

	semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	arg.val = 1;
	semctl(semid, 0, SETVAL, arg);
	static long counter;
	shared_counter = &counter;
	pthread_t w[COUNT_THREADS];
	for (int i = 0; i < COUNT_THREADS; i++)
		pthread_create(&w[i], NULL, sem_counter, NULL);
	for (int i = 0; i < COUNT_THREADS; i++)
		pthread_join(w[i], NULL);
	CHECK(counter == COUNT_THREADS * COUNT_ROUNDS, "a semaphore as a lock: %ld of %d", counter,
	      COUNT_THREADS * COUNT_ROUNDS);
	struct sembuf wait_zero = { 0, 0, 0 };
	pthread_create(&t, NULL, sem_counter, NULL); /* keeps it busy a while */
	pthread_join(t, NULL);
	arg.val = 0;
	semctl(semid, 0, SETVAL, arg);
	CHECK(semop(semid, &wait_zero, 1) == 0, "wait-for-zero on a zero value returns");
	arg.val = 40000;
	CHECK(semctl(semid, 0, SETVAL, arg) == -1 && errno == ERANGE, "SETVAL above SEMVMX: ERANGE");
	CHECK(semctl(semid, 1, GETVAL) == -1 && errno == EINVAL, "GETVAL of no semaphore: EINVAL");
	struct sembuf far = { 5, 1, 0 };
	CHECK(semop(semid, &far, 1) == -1 && errno == EFBIG, "semop on no semaphore: EFBIG");
	CHECK(semop(semid, (void *)8, 1) == -1 && errno == EFAULT, "semop of a bad list: EFAULT");
	CHECK(semop(semid, &far, 0) == -1 && errno == EINVAL, "semop of no operation: EINVAL");
	CHECK(semget(IPC_PRIVATE, 0, IPC_CREAT) == -1 && errno == EINVAL, "semget of 0: EINVAL");
	semctl(semid, 0, IPC_RMID);
}

static void test_msg(void)
{
	pthread_t t;
	struct text m;

	msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(msqid >= 0, "msgget");
	struct text a = { 2, "two" }, b = { 1, "one" }, c = { 3, "three" };
	CHECK(msgsnd(msqid, &a, 4, 0) == 0 && msgsnd(msqid, &b, 4, 0) == 0 &&
		      msgsnd(msqid, &c, 6, 0) == 0,
	      "msgsnd of three messages");
	struct msqid_ds ds;
	CHECK(msgctl(msqid, IPC_STAT, &ds) == 0 && ds.msg_qnum == 3 && ds.msg_cbytes == 14,
	      "IPC_STAT: msg_qnum and msg_cbytes");
	CHECK(msgrcv(msqid, &m, sizeof(m.text), 3, 0) == 6 && strcmp(m.text, "three") == 0,
	      "msgrcv of a type");
	CHECK(msgrcv(msqid, &m, sizeof(m.text), -2, 0) == 4 && m.type == 1,
	      "msgrcv of the lowest type up to 2");
	CHECK(msgrcv(msqid, &m, 2, 0, 0) == -1 && errno == E2BIG, "too long for the buffer: E2BIG");
	CHECK(msgrcv(msqid, &m, 2, 0, MSG_NOERROR) == 2 && m.type == 2 && !memcmp(m.text, "tw", 2),
	      "MSG_NOERROR truncates");
	CHECK(msgrcv(msqid, &m, sizeof(m.text), 0, IPC_NOWAIT) == -1 && errno == ENOMSG,
	      "an empty queue with IPC_NOWAIT: ENOMSG");
	pthread_create(&t, NULL, msg_sender, NULL);
	CHECK(msgrcv(msqid, &m, sizeof(m.text), 7, 0) == 5 && strcmp(m.text, "late") == 0,
	      "a blocked msgrcv gets a later message");
	pthread_join(t, NULL);

	ds.msg_qbytes = 10;
	CHECK(msgctl(msqid, IPC_SET, &ds) == 0, "IPC_SET msg_qbytes to 10");
	CHECK(msgsnd(msqid, &c, 8, IPC_NOWAIT) == 0 && msgsnd(msqid, &c, 8, IPC_NOWAIT) == -1 &&
		      errno == EAGAIN,
	      "a full queue with IPC_NOWAIT: EAGAIN");
	pthread_create(&t, NULL, msg_remover, NULL);
	CHECK(msgsnd(msqid, &c, 8, 0) == -1 && errno == EIDRM, "a blocked sender sees IPC_RMID: EIDRM");
	pthread_join(t, NULL);
	CHECK(msgsnd(msqid, &c, 8, 0) == -1 && errno == EINVAL, "the removed id: EINVAL");

	msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	pthread_create(&t, NULL, msg_remover, NULL);
	CHECK(msgrcv(msqid, &m, sizeof(m.text), 0, 0) == -1 && errno == EIDRM,
	      "a blocked receiver sees IPC_RMID: EIDRM");
	pthread_join(t, NULL);
	msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct text bad = { 0, "x" };
	CHECK(msgsnd(msqid, &bad, 1, 0) == -1 && errno == EINVAL, "mtype 0: EINVAL");
	CHECK(msgsnd(msqid, &a, 9000, 0) == -1 && errno == EINVAL, "longer than MSGMAX: EINVAL");
	CHECK(msgsnd(msqid, (void *)8, 1, 0) == -1 && errno == EFAULT, "a bad message: EFAULT");
	msgsnd(msqid, &a, 4, 0);
	CHECK(msgrcv(msqid, (void *)8, 4, 0, 0) == -1 && errno == EFAULT,
	      "msgrcv to a bad buffer: EFAULT");
	CHECK(msgrcv(msqid, &m, 4, 0, IPC_NOWAIT) == 4, "and the message is still there");
	msgctl(msqid, IPC_RMID, NULL);
}

int main(void)
{
	test_shm();
	test_sem();
	test_msg();
	return tap_done();
}

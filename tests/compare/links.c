/*
 * Hard links in memory (/tmp, /dev/shm) and the named semaphores musl
 * builds on them (sem_open publishes a semaphore file with link()): link
 * counts, data shared by both names, errors, rename between two names of
 * one file, and a named semaphore created, used, refused a second time
 * with O_EXCL, and removed. The image must print what the native program
 * prints (tests/integration/compare.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-44s %s\n", what, r < 0 ? strerror(errno) : r ? "yes" : "ok");
}

static long nlink(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_nlink;
}

int main(void)
{
	char dir[64], a[80], b[80], c[80], buf[8] = "";
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/links.%d", getpid());
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	mkdir(dir, 0700);
	fd = open(a, O_CREAT | O_WRONLY, 0600);
	show("write through the first name", write(fd, "data", 4) == 4 ? 0 : -1);
	close(fd);
	show("link a b", link(a, b));
	printf("%-44s %ld %ld\n", "link counts", nlink(a), nlink(b));
	show("link onto an existing name", link(a, b));
	show("link of a directory", link(dir, c));
	show("link of a missing file", link(c, "/tmp/nothing-here"));
	show("rename a onto b (one file)", rename(a, b));
	printf("%-44s %ld %ld\n", "both names after it", nlink(a), nlink(b));
	show("unlink a", unlink(a));
	fd = open(b, O_RDONLY);
	show("the other name reads the data", read(fd, buf, 4) == 4 && !memcmp(buf, "data", 4) ? 0 : -1);
	close(fd);
	printf("%-44s %ld\n", "link count of b", nlink(b));
	show("unlink b", unlink(b));
	show("rmdir", rmdir(dir));

	char name[64];
	snprintf(name, sizeof(name), "/links-test-%d", getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	show("sem_open O_CREAT|O_EXCL", s == SEM_FAILED ? -1 : 0);
	show("sem_open it again with O_EXCL",
	     sem_open(name, O_CREAT | O_EXCL, 0600, 1) == SEM_FAILED ? -1 : 0);
	sem_t *t = sem_open(name, 0);
	show("sem_open by name", t == SEM_FAILED ? -1 : 0);
	show("sem_wait", sem_wait(t));
	show("sem_trywait when taken", sem_trywait(s));
	show("sem_post", sem_post(s));
	show("sem_trywait", sem_trywait(t));
	sem_close(t);
	sem_close(s);
	show("sem_unlink", sem_unlink(name));
	show("sem_open after unlink", sem_open(name, 0) == SEM_FAILED ? -1 : 0);
	return 0;
}

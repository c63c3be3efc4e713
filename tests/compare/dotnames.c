/*
 * Directory-entry calls on paths whose last name is "." or "..": rmdir,
 * unlink, mkdir and rename refuse them (the folder is not an entry of
 * itself) and leave the folder in place; mkdir and unlink of the root and
 * of /tmp (a mount point in an image) fail as for any folder there. The
 * image must print what the native program prints
 * (tests/integration/compare.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], sub[80], path[96];

static void show(const char *what, const char *name, long r)
{
	struct stat st;

	printf("%-8s %-14s %-26s %s\n", what, name, r < 0 ? strerror(errno) : "ok",
	       stat(sub, &st) ? "(sub is gone)" : "");
}

static const char *at(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

int main(void)
{
	static const char *const names[] = { "sub/.", "sub/..", "sub/./", "sub/../", ".", ".." };

	snprintf(dir, sizeof(dir), "/tmp/dotnames.%d", getpid());
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	mkdir(dir, 0700);
	mkdir(sub, 0700);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		show("rmdir", names[i], rmdir(at(names[i])));
		show("unlink", names[i], unlink(at(names[i])));
		show("mkdir", names[i], mkdir(at(names[i]), 0700));
		char to[96];
		snprintf(to, sizeof(to), "%s/moved", dir);
		show("rename", names[i], rename(at(names[i]), to));
		show("rename to", names[i], rename(sub, at(names[i])));
	}
	show("mkdir", "/", mkdir("/", 0700));
	show("mkdir", "/tmp", mkdir("/tmp", 0700));
	show("unlink", "/", unlink("/"));
	show("unlink", "/tmp", unlink("/tmp"));
	show("rmdir", "sub", rmdir(sub));
	show("rmdir", "(the folder)", rmdir(dir));
	return 0;
}

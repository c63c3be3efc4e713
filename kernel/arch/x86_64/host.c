/*
 * The host-side entry of an image: what runs when the image is executed
 * as a Linux program (./grep -c x file) rather than booted. QEMU enters
 * an image through its PVH note, so the ELF entry point is free for
 * this: it runs in the host's user mode, with the host's stack (argc,
 * argv, environment), and re-executes the image under Unishyper:
 *
 *   unishyper-run IMAGE --host [--host-net] --stderr-fd N --argv0 ARGV0 -- ARGS...
 *
 * --host-net (the host's loopback as the program's) when the program uses
 * sockets: when libc's socket() is linked into the image.
 * IMAGE is /proc/self/exe. Standard error is moved to descriptor N and
 * /dev/null takes its place while the launcher's shell starts, which warns
 * there about a locale of the caller's the host lacks (LC_ALL=en_US.UTF-8
 * on a host without it) where the native program would print nothing;
 * the launcher puts it back first thing. unishyper-run is the one UNISHYPER_RUN names,
 * else the one of the tree that built the image (UNISHYPER_RUN_PATH,
 * given at build time), else the first on PATH. Nothing of the kernel
 * runs here: only Linux system calls, no memory but the stack, and libc's
 * string functions, which need nothing set up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_dup2 33
#define NR_execve 59
#define NR_fcntl 72
#define NR_readlink 89
#define NR_exit_group 231

#define PATH_BYTES 4096
#define F_DUPFD 0
#define O_WRONLY 1

static _Noreturn void host_exit(int status)
{
	for (;;)
		__asm__ volatile("syscall" : : "a"(NR_exit_group), "D"(status) : "rcx", "r11", "memory");
}

static long host_syscall3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static void host_say(const char *s)
{
	host_syscall3(NR_write, 2, (long)s, (long)strlen(s));
}

/* The value of NAME in the environment, or NULL. */
static const char *host_getenv(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* execve; returns only when it failed. */
static void host_try(const char *path, char **argv, char **envp)
{
	argv[0] = (char *)path;
	host_syscall3(NR_execve, (long)path, (long)argv, (long)envp);
}

/* Tries DIR/unishyper-run for each DIR of PATH. */
static void host_try_path(const char *list, char **argv, char **envp)
{
	static const char name[] = "/unishyper-run";
	char buf[PATH_BYTES];

	while (list && *list) {
		size_t n = strcspn(list, ":");
		if (n && n + sizeof(name) <= sizeof(buf)) {
			memcpy(buf, list, n);
			memcpy(buf + n, name, sizeof(name));
			host_try(buf, argv, envp);
		}
		list += n + (list[n] == ':');
	}
}

_Noreturn void host_main(uintptr_t *sp);

/* Defined when the program (or the libc it uses) opens sockets. */
extern int socket(int domain, int type, int protocol) __attribute__((weak));

/* The ELF entry point (image.ld): the stack as Linux's execve left it. */
__asm__(".text\n"
	".globl host_entry\n"
	".type host_entry, @function\n"
	"host_entry:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call host_main\n"
	"	ud2\n"
	".size host_entry, . - host_entry\n");

/* Moves standard error to a free descriptor from 10 up and opens
 * /dev/null in its place; the descriptor's number in decimal into fd (2
 * when standard error stays where it is). */
static void host_hide_stderr(char fd[4])
{
	long saved = host_syscall3(NR_fcntl, 2, F_DUPFD, 10);
	long null = saved >= 10 && saved < 1000 ? host_syscall3(NR_open, (long)"/dev/null", O_WRONLY, 0) : -1;

	fd[0] = '2', fd[1] = 0;
	if (null < 0 || host_syscall3(NR_dup2, null, 2, 0) != 2) {
		if (saved >= 0)
			host_syscall3(NR_close, saved, 0, 0);
		if (null >= 0)
			host_syscall3(NR_close, null, 0, 0);
		return;
	}
	host_syscall3(NR_close, null, 0, 0);
	int i = 0;
	if (saved >= 100)
		fd[i++] = (char)('0' + saved / 100);
	fd[i++] = (char)('0' + saved / 10 % 10);
	fd[i++] = (char)('0' + saved % 10);
	fd[i] = 0;
}

/* Puts standard error back from fd, for a message of this entry's own. */
static void host_restore_stderr(const char *fd)
{
	long n = 0;

	for (; *fd; fd++)
		n = n * 10 + (*fd - '0');
	if (n != 2)
		host_syscall3(NR_dup2, n, 2, 0);
}

_Noreturn void host_main(uintptr_t *sp)
{
	long argc = (long)sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
	char self[PATH_BYTES], err_fd[4];
	char *args[argc + 9];
	long n = host_syscall3(NR_readlink, (long)"/proc/self/exe", (long)self, sizeof(self) - 1);

	if (n <= 0) {
		host_say("unishyper: this image cannot find itself (/proc/self/exe)\n");
		host_exit(127);
	}
	self[n] = 0;
	host_hide_stderr(err_fd);
	int k = 1;
	args[k++] = self;
	args[k++] = "--host";
	if (socket)
		args[k++] = "--host-net";
	args[k++] = "--stderr-fd";
	args[k++] = err_fd;
	args[k++] = "--argv0";
	args[k++] = argc > 0 ? argv[0] : self;
	args[k++] = "--";
	for (long i = 1; i <= argc; i++)
		args[k - 1 + i] = argv[i]; /* the last one is argv's NULL */
	if (argc < 1)
		args[k] = NULL;
	const char *run = host_getenv(envp, "UNISHYPER_RUN");
	if (run && *run) {
		host_try(run, args, envp);
		host_restore_stderr(err_fd);
		host_say("unishyper: UNISHYPER_RUN=");
		host_say(run);
		host_say(": cannot be run\n");
		host_exit(127);
	}
	host_try(UNISHYPER_RUN_PATH, args, envp);
	host_try_path(host_getenv(envp, "PATH"), args, envp);
	host_restore_stderr(err_fd);
	host_say(self);
	host_say(": a Unishyper image; unishyper-run is neither where it was built ("
		 UNISHYPER_RUN_PATH ") nor on PATH: set UNISHYPER_RUN to it\n");
	host_exit(127);
}

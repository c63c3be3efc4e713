/*
 * The process: its ids, its end, its resource limits; and its fork
 * children, each of which runs while its parent waits (posix/fork.c).
 */
#ifndef UNISHYPER_PROCESS_H
#define UNISHYPER_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

/* The process id: 1, or the host command's own (unishyper.pid=), so that
 * a program that names files or checks logs by it sees the id its caller
 * knows. The main thread's id is the same, as on Linux. */
#define PROCESS_PID_MAX 4194304
extern int process_pid;
/* The process group and session of every process: the first process's
 * id. The parent of the running process (0 for the first). */
extern int process_pgid, process_ppid;

/* The main thread's stack: RLIMIT_STACK's soft limit at start. */
#define PROCESS_STACK_SIZE (8ul << 20)

/* Ends the process with exit status status (exit_group, the last
 * thread's exit): the run syncs every file system and powers off with
 * it; a fork child's parent takes over. */
_Noreturn void process_exit(int status);

/* Ends the process as signal sig does: the run with status 128 + sig; a
 * fork child with the signal its parent's wait4 reports. */
_Noreturn void process_killed(int sig);

/* The resource limits (RLIMIT_*) of the running process. */
extern struct rlimit process_limits[RLIM_NLIMITS];

/* Whether the running process is a fork child. */
bool process_is_child(void);

/* A fork child's end, as process_exit() and process_killed() reach it:
 * wstatus is what wait4 reports. */
_Noreturn void fork_child_end(int wstatus);

/* Makes sig pending for pid when pid is a parent waiting for its fork
 * child: 0; 0 too for a child that ended and waits for wait4; -ESRCH for
 * any other pid. fork_post_parents() sends it to every waiting parent. */
struct signal_info;
int fork_post_parent(int pid, int sig, const struct signal_info *info);
void fork_post_parents(int sig, const struct signal_info *info);

/* The soft limit of resource res (RLIMIT_*; RLIM_INFINITY for none). */
uint64_t process_rlimit(int res);

/* A call that needs another program (execve, a clone that is not a
 * thread's): logs once per call that an image has no program loader, and
 * returns err. call must be a string constant (it is remembered by
 * address). */
long process_refuse(const char *call, long err);

#endif

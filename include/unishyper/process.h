/*
 * The one process: its end, its resource limits, and the calls of a
 * second process that cannot work.
 */
#ifndef UNISHYPER_PROCESS_H
#define UNISHYPER_PROCESS_H

#include <stdint.h>

/* The process id: 1, or the host command's own (unishyper.pid=), so that
 * a program that names files or checks logs by it sees the id its caller
 * knows. The main thread's id is the same, as on Linux. */
#define PROCESS_PID_MAX 4194304
extern int process_pid;

/* The main thread's stack: RLIMIT_STACK's soft limit at start. */
#define PROCESS_STACK_SIZE (8ul << 20)

/* Syncs every file system and powers off with status (exit_group, the
 * last thread's exit, a fatal signal). */
_Noreturn void process_exit(int status);

/* The soft limit of resource res (RLIMIT_*; RLIM_INFINITY for none). */
uint64_t process_rlimit(int res);

/* A call that needs another process (fork, execve, wait4, ...): logs once
 * per call that there is only one, and returns err. call must be a string
 * constant (it is remembered by address). */
long process_refuse(const char *call, long err);

#endif

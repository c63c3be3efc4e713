/*
 * The end of the one process.
 */
#ifndef UNISHYPER_PROCESS_H
#define UNISHYPER_PROCESS_H

/* Syncs every file system and powers off with status (exit_group, the
 * last thread's exit, a fatal signal). */
_Noreturn void process_exit(int status);

#endif

/*
 * Starting the program: builds a Linux-style initial stack (argc, argv,
 * envp, auxv) on a fresh stack and jumps to the program's _start.
 */
#ifndef UNISHYPER_PROGRAM_H
#define UNISHYPER_PROGRAM_H

/* Never returns: the program ends through exit_group(). */
_Noreturn void program_start(int argc, char **argv, int envc, char **envp);

/* Sets the file-mode creation mask the program starts with (posix/path.c;
 * 022 unless unishyper.umask= gives another). */
void program_set_umask(unsigned mask);
/* The file-mode creation mask now. */
unsigned program_umask(void);

/* The program's name as a path ("/" + argv[0]), for /proc/self/exe. */
const char *program_path(void);

#endif

/*
 * The terminal: a shell over the image's files and the running kernel
 * (kernel/shell/, the commands in docs/shell.md).
 *
 * It is kernel code: it works on the VFS, the scheduler and the page
 * allocator directly, never through the program's libc, descriptors or
 * working directory (it keeps its own). Only images linked with
 * unishyper-gcc -shell carry it; the kernel option unishyper.shell= says
 * where it runs. Both entry points are declared weak, so in an image
 * without the shell their addresses are NULL.
 */
#ifndef UNISHYPER_SHELL_H
#define UNISHYPER_SHELL_H

/*
 * unishyper.shell=console: the shell owns the console (standard input and
 * output) and the program's main does not run. Leaving it (exit, ^D, the
 * end of input, poweroff) syncs the disks and powers off with status 0 (or
 * exit's). envp is the environment the image was given, for env.
 */
__attribute__((weak)) _Noreturn void shell_console(char **envp);

/*
 * unishyper.shell=port: starts the shell as a kernel thread on the
 * virtio-console port named "shell", beside the program, whose streams it
 * never touches. A session starts each time a client connects to the
 * port's socket and ends when it leaves or types exit. Returns 0, or
 * -ENODEV when the machine has no such port, -ENOMEM.
 */
__attribute__((weak)) int shell_port_start(char **envp);

#endif

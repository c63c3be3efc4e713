/* What unishyper-supervise's files share (toolchain/supervise.c). */
#ifndef UNISHYPER_SUPERVISE_H
#define UNISHYPER_SUPERVISE_H

/* Prints "unishyper-supervise: what: errno's message" and exits 125. */
_Noreturn void die(const char *what);

/* Writes all n bytes of p (retrying after EINTR); 0, or -1. */
int write_all(int fd, const char *p, ssize_t n);

/* Listens on the Unix socket path (replacing a file of that name). */
int listen_on(const char *path);

/* Serves the guest's "hostnet" port (kernel/net/hostnet.c) from a thread:
 * QEMU connects to ctl_path (the port) and to qmp_path (its QMP monitor);
 * each "listen PORT" adds QEMU's forwarding of the host's 127.0.0.1:PORT
 * to the guest's PORT on the user network "hostnet", "close PORT" removes
 * it (toolchain/supervise-hostnet.c). */
void hostnet_serve(const char *ctl_path, const char *qmp_path);

#endif

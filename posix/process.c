/*
 * Process system calls: exit, identities (root), uname, resource limits,
 * sysinfo, and the thread-setup calls musl makes at start (arch_prctl,
 * set_tid_address). exit_group of the first process ends the machine, a
 * fork child's returns to its parent (fork.c); the exit of one thread is
 * in thread.c.
 *
 * Limits are enforced where they apply: RLIMIT_NOFILE by the descriptor
 * table, RLIMIT_AS and RLIMIT_DATA by the address space (vm_set_limits),
 * RLIMIT_STACK is the size of the main thread's stack. Starting another
 * program (execve) fails cleanly: an image has no program loader.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <arch/percpu.h>
#include <unishyper/net.h>
#include <unishyper/file.h>
#include <unishyper/pmem.h>
#include <unishyper/power.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/vm.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003


struct rlimit process_limits[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { PROCESS_STACK_SIZE, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { 1, 1 },
	[RLIMIT_NOFILE] = { FD_MAX, FD_MAX },
	[RLIMIT_MEMLOCK] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_SIGPENDING] = { 0, 0 },
	[RLIMIT_MSGQUEUE] = { 0, 0 },
	[RLIMIT_NICE] = { 0, 0 },
	[RLIMIT_RTPRIO] = { 0, 0 },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

_Noreturn void process_exit(int status)
{
	if (process_is_child())
		fork_child_end((status & 0xff) << 8);
	vfs_sync(); /* a clean power-off leaves the disks consistent */
	streams_report();
	power_off(status);
}

_Noreturn void process_killed(int sig)
{
	if (process_is_child())
		fork_child_end(sig);
	process_exit(128 + sig);
}

SYSCALL_DEFINE1(exit_group, int, status)
{
	process_exit(status);
}

int process_pid = 1, process_pgid = 1, process_ppid;

/* Whether pid names the running process: its id, or 0 for the caller's
 * own. */
static bool this_process(int pid)
{
	return pid == 0 || pid == process_pid;
}

SYSCALL_DEFINE0(getpid) { return process_pid; }
SYSCALL_DEFINE0(getppid) { return process_ppid; }
SYSCALL_DEFINE0(getuid) { return 0; }
SYSCALL_DEFINE0(geteuid) { return 0; }
SYSCALL_DEFINE0(getgid) { return 0; }
SYSCALL_DEFINE0(getegid) { return 0; }
SYSCALL_DEFINE0(getpgrp) { return process_pgid; }

SYSCALL_DEFINE1(getpgid, int, pid)
{
	return this_process(pid) ? process_pgid : -ESRCH;
}

SYSCALL_DEFINE1(getsid, int, pid)
{
	return this_process(pid) ? process_pgid : -ESRCH;
}

static long put_ids(unsigned *a, unsigned *b, unsigned *c)
{
	unsigned root = 0;

	return uaccess_put(a, root) || uaccess_put(b, root) || uaccess_put(c, root) ? -EFAULT : 0;
}

SYSCALL_DEFINE3(getresuid, unsigned *, r, unsigned *, e, unsigned *, s)
{
	return put_ids(r, e, s);
}

SYSCALL_DEFINE3(getresgid, unsigned *, r, unsigned *, e, unsigned *, s)
{
	return put_ids(r, e, s);
}

SYSCALL_DEFINE1(set_tid_address, int *, tidptr)
{
	current()->clear_child_tid = tidptr;
	return current()->tid;
}

SYSCALL_DEFINE2(arch_prctl, int, code, unsigned long, addr)
{
	switch (code) {
	case ARCH_SET_FS:
		/* As Linux: only a base inside the program's address range (a
		 * non-canonical one would also fault at wrmsr). */
		if (!uaccess_ok((void *)addr, 1))
			return -EPERM;
		current()->fs_base = addr;
		arch_set_fs_base(addr);
		return 0;
	case ARCH_GET_FS:
		return uaccess_put((uint64_t *)addr, current()->fs_base);
	default:
		/* %gs belongs to the kernel (per-CPU data). */
		return -EINVAL;
	}
}

SYSCALL_DEFINE1(uname, struct utsname *, u)
{
	struct utsname k, *uu = u;

	u = &k;
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "Unishyper");
	strcpy(u->nodename, net_hostname());
	strcpy(u->release, "0.1.0");
	strcpy(u->version, "#1");
	strcpy(u->machine, "x86_64");
	strcpy(u->domainname, "(none)");
	return uaccess_put(uu, k);
}

SYSCALL_DEFINE4(prlimit64, int, pid, unsigned, res, const struct rlimit *, new,
		struct rlimit *, old)
{
	if (!this_process(pid))
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit k;

	if (new && uaccess_get(k, new))
		return -EFAULT;
	if (old && uaccess_put(old, process_limits[res]))
		return -EFAULT;
	new = new ? &k : NULL;
	if (!new)
		return 0;
	if (new->rlim_cur > new->rlim_max)
		return -EINVAL;
	/* The program is root, which may raise a hard limit, but no further
	 * than the descriptor table reaches (Linux's nr_open). */
	if (res == RLIMIT_NOFILE && new->rlim_max > FD_MAX)
		return -EPERM;
	process_limits[res] = *new;
	if (res == RLIMIT_AS || res == RLIMIT_DATA)
		vm_set_limits(process_limits[RLIMIT_AS].rlim_cur,
			      process_limits[RLIMIT_DATA].rlim_cur);
	return 0;
}

uint64_t process_rlimit(int res)
{
	return __atomic_load_n(&process_limits[res].rlim_cur, __ATOMIC_RELAXED);
}

long process_refuse(const char *call, long err)
{
	static const char *logged[8];
	static spinlock_t lock = SPINLOCK_INIT;
	unsigned long flags = spin_lock_irqsave(&lock);
	bool first = true;
	int i;

	for (i = 0; i < 8 && logged[i]; i++)
		first = first && logged[i] != call;
	if (first && i < 8)
		logged[i] = call;
	spin_unlock_irqrestore(&lock, flags);
	if (first)
		printk("unishyper: %s: an image has no program loader; no other program can start\n",
		       call);
	return err;
}

SYSCALL_DEFINE3(execve, const char *, path, char *const *, argv, char *const *, envp)
{
	return process_refuse("execve", -ENOSYS);
}

SYSCALL_DEFINE5(execveat, int, dirfd, const char *, path, char *const *, argv,
		char *const *, envp, int, flags)
{
	return process_refuse("execveat", -ENOSYS);
}

SYSCALL_DEFINE2(getrlimit, unsigned, res, struct rlimit *, old)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	return uaccess_put(old, process_limits[res]);
}

SYSCALL_DEFINE2(setrlimit, unsigned, res, const struct rlimit *, new)
{
	return sys_prlimit64(0, res, (long)new, 0, 0, 0);
}

SYSCALL_DEFINE1(sysinfo, struct sysinfo *, si)
{
	struct sysinfo k, *usi = si;

	si = &k;
	memset(si, 0, sizeof(*si));
	si->uptime = (long)(time_ns() / NSEC_PER_SEC);
	si->totalram = pmem_total_pages() * PMEM_PAGE_SIZE;
	si->freeram = pmem_free_pages() * PMEM_PAGE_SIZE;
	si->procs = 1;
	si->mem_unit = 1;
	return uaccess_put(usi, k);
}

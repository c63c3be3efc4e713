/*
 * The shell's commands about the running kernel: echo, free, ps, kill,
 * run, uptime, date, dmesg, env, exec, poweroff and reboot. They read the
 * page allocator, the scheduler's thread table (sched_snapshot), the
 * clocks and the kernel log's ring; kill and run stop and resume the
 * program's threads through sched_stop().
 */
#include <errno.h>
#include <string.h>

#include <unishyper/kmalloc.h>
#include <unishyper/pmem.h>
#include <unishyper/power.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/time.h>
#include <unishyper/vfs.h>

#include "shell-impl.h"

#define LOG_COPY 16384

static int cmd_echo(struct shell *sh, int argc, char **argv)
{
	int i = 1;
	bool newline = true;

	if (i < argc && !strcmp(argv[i], "-n")) {
		newline = false;
		i++;
	}
	for (int first = i; i < argc; i++)
		shell_print(sh, "%s%s", i > first ? " " : "", argv[i]);
	if (newline)
		shell_print(sh, "\n");
	return 0;
}

static int cmd_free(struct shell *sh, int argc, char **argv)
{
	uint64_t total = pmem_total_pages() * (PMEM_PAGE_SIZE / 1024);
	uint64_t free = pmem_free_pages() * (PMEM_PAGE_SIZE / 1024);

	if (argc > 1)
		return shell_usage(sh, argv[0]);
	shell_print(sh, "%-6s %12s %12s %12s\n%-6s %12lu %12lu %12lu\n", "KiB", "total", "used",
		    "free", "Mem:", total, total - free, free);
	return 0;
}

static const char *state_name(const struct sched_info *t)
{
	static const char *const names[] = {
		[THREAD_RUNNABLE] = "ready", [THREAD_RUNNING] = "running",
		[THREAD_BLOCKED] = "sleeping", [THREAD_DEAD] = "ended",
		[THREAD_STOPPED] = "stopped",
	};

	return t->stop ? "stopping" : names[t->state];
}

static int cmd_ps(struct shell *sh, int argc, char **argv)
{
	int max = sched_thread_count() + 16, n;
	struct sched_info *t = kmalloc((size_t)max * sizeof(*t));

	if (argc > 1) {
		kfree(t);
		return shell_usage(sh, argv[0]);
	}
	if (!t)
		return shell_fail(sh, "ps", "threads", -ENOMEM);
	n = sched_snapshot(t, max);
	shell_print(sh, "%5s  %-16s %-9s %3s %12s\n", "TID", "NAME", "STATE", "CPU", "TIME");
	for (int i = 0; i < n; i++) {
		uint64_t ms = t[i].runtime_ns / 1000000;
		shell_print(sh, "%5d  %-16s %-9s %3d %8lu.%03lu\n", t[i].tid, t[i].name,
			    state_name(&t[i]), t[i].cpu, ms / 1000, ms % 1000);
	}
	kfree(t);
	return 0;
}

/* kill TID... (stop true) and run TID... */
static int stop_or_run(struct shell *sh, int argc, char **argv, bool stop)
{
	int status = 0;

	if (argc < 2)
		return shell_usage(sh, argv[0]);
	for (int i = 1; i < argc; i++) {
		uint64_t tid;
		if (shell_number(sh, argv[0], argv[i], &tid)) {
			status = 2;
			continue;
		}
		int r = tid > 0x7fffffff ? -ESRCH : sched_stop((int)tid, stop);
		if (r == -EDEADLK)
			status = shell_error(sh, "%s: %s: that is the shell's own thread", argv[0],
					     argv[i]);
		else if (r)
			status = shell_fail(sh, argv[0], argv[i], r);
	}
	return status;
}

static int cmd_kill(struct shell *sh, int argc, char **argv)
{
	return stop_or_run(sh, argc, argv, true);
}

static int cmd_run(struct shell *sh, int argc, char **argv)
{
	return stop_or_run(sh, argc, argv, false);
}

static int cmd_uptime(struct shell *sh, int argc, char **argv)
{
	uint64_t s = time_since_boot_ns() / 1000000000ull;
	int cpus = 0, threads = sched_thread_count();

	if (argc > 1)
		return shell_usage(sh, argv[0]);
	for (int i = 0; i < sched_ncpus; i++)
		cpus += sched_cpus[i] && sched_cpus[i]->online;
	shell_print(sh, "up %lu:%02lu:%02lu, %d CPU%s, %d thread%s\n", s / 3600, s / 60 % 60,
		    s % 60, cpus, cpus == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
	return 0;
}

static int cmd_date(struct shell *sh, int argc, char **argv)
{
	char date[20];

	if (argc > 1)
		return shell_usage(sh, argv[0]);
	shell_date(time_realtime_ns(), date, true);
	shell_print(sh, "%s UTC\n", date);
	return 0;
}

static int cmd_dmesg(struct shell *sh, int argc, char **argv)
{
	char *log = kmalloc(LOG_COPY);

	if (argc > 1) {
		kfree(log);
		return shell_usage(sh, argv[0]);
	}
	if (!log)
		return shell_fail(sh, "dmesg", "the kernel log", -ENOMEM);
	shell_write(sh, log, printk_log_copy(log, LOG_COPY));
	kfree(log);
	return 0;
}

static int cmd_env(struct shell *sh, int argc, char **argv)
{
	if (argc > 1)
		return shell_usage(sh, argv[0]);
	for (char **e = sh->envp; e && *e; e++)
		shell_print(sh, "%s\n", *e);
	return 0;
}

static int cmd_exec(struct shell *sh, int argc, char **argv)
{
	if (argc < 2)
		return shell_usage(sh, argv[0]);
	shell_error(sh, "exec: %s: not available yet: this kernel has no loader for static "
			"executables (kernel/exec/)", argv[1]);
	return 126;
}

static int cmd_poweroff(struct shell *sh, int argc, char **argv)
{
	if (argc > 1)
		return shell_usage(sh, argv[0]);
	process_exit(0); /* syncs every file system first */
}

static int cmd_reboot(struct shell *sh, int argc, char **argv)
{
	if (argc > 1)
		return shell_usage(sh, argv[0]);
	vfs_sync();
	power_reboot();
}

const struct shell_command shell_sys_commands[] = {
	{ "echo", "[-n] [WORD...]", "print the words (-n: without a newline)", cmd_echo },
	{ "free", "", "show the memory in use and free", cmd_free },
	{ "ps", "", "list the program's threads: id, name, state, CPU, CPU time", cmd_ps },
	{ "kill", "TID...", "stop a thread of the program (run lets it go on)", cmd_kill },
	{ "run", "TID...", "let a thread that kill stopped go on", cmd_run },
	{ "uptime", "", "show how long the machine has run", cmd_uptime },
	{ "date", "", "show the date and time (UTC)", cmd_date },
	{ "dmesg", "", "print the kernel log", cmd_dmesg },
	{ "env", "", "print the environment the image was given", cmd_env },
	{ "exec", "PROGRAM [ARG...]", "run a static executable (not available yet)", cmd_exec },
	{ "poweroff", "", "write everything to the disks and power off (status 0)", cmd_poweroff },
	{ "reboot", "", "write everything to the disks and start the machine again", cmd_reboot },
	{ NULL, NULL, NULL, NULL },
};

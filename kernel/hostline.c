/*
 * A host command's line to its launcher: the virtio-console port named
 * "host", which unishyper-run gives an image it runs as a host command
 * (unishyper-supervise serves it). Lines, both ways:
 *
 *   guest: "time\n"      host: "time NS\n"   the host's CLOCK_REALTIME
 *   host:  "SIG\n"                           a signal sent to the host
 *                                            command (kill PID)
 *
 * At start the kernel asks for the time once and sets the wall clock to it
 * (the launcher's reading on the command line is older by QEMU's start,
 * tens of milliseconds), then a service thread posts each signal to the
 * process as kill(2) would (SI_USER): the program's handler runs, or its
 * default action ends it, and the host command with it, as natively.
 */
#include <signal.h>
#include <string.h>

#include <unishyper/cmdline.h>
#include <unishyper/hostline.h>
#include <unishyper/printk.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/time.h>
#include <unishyper/vcon.h>

#define STACK (16 * 1024)

static void signal_loop(void *arg)
{
	struct vcon_port *p = arg;
	char line[32];

	for (;;) {
		if (!vcon_port_read_line(p, line, sizeof(line))) {
			vcon_port_wait_connected(p);
			continue;
		}
		uint64_t sig;
		if (!cmdline_u64(line, &sig) && sig >= 1 && sig <= SIGNAL_MAX) {
			/* For the host command: the first process. */
			struct signal_info info = { .code = SI_USER };
			signal_post_pid(process_pgid, (int)sig, &info);
		}
	}
}

void hostline_start(void)
{
	struct vcon_port *p = vcon_line_port("host");
	char line[48];
	uint64_t ns;

	if (!p)
		return;
	if (vcon_port_write(p, "time\n", 5) == 5 && vcon_port_read_line(p, line, sizeof(line)) &&
	    !strncmp(line, "time ", 5) && !cmdline_u64(line + 5, &ns) && ns)
		time_set_realtime(ns);
	if (!sched_spawn("host", signal_loop, p, STACK))
		printk("unishyper: no memory for the host line's thread: signals to the host "
		       "command stop the machine\n");
}

/*
 * Signals sent to a host command reach its program. unishyper-run, run as
 * a host command, forwards each signal it catches (kill PID: TERM, INT,
 * HUP, QUIT, USR1, USR2) as a line "SIG\n" on the virtio-console port
 * named "signal"; a service thread posts it to the process as kill(2)
 * would (SI_USER). The program's handler runs, or its default action ends
 * it, and the host command with it, as natively.
 */
#include <signal.h>

#include <unishyper/printk.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/vcon.h>

#define STACK (16 * 1024)

static void forward_loop(void *arg)
{
	struct vcon_port *p = arg;
	int sig = 0;
	char c;

	for (;;) {
		ssize_t n = vcon_port_read(p, &c, 1);
		if (n <= 0) {
			vcon_port_wait_connected(p);
			continue;
		}
		if (c >= '0' && c <= '9' && sig <= SIGNAL_MAX) {
			sig = sig * 10 + (c - '0');
			continue;
		}
		if (c == '\n' && sig >= 1 && sig <= SIGNAL_MAX) {
			struct signal_info info = { .code = SI_USER };
			signal_post(0, sig, &info);
		}
		sig = 0;
	}
}

void hostsignal_start(void)
{
	struct vcon_port *p = vcon_line_port("signal");

	if (p && !sched_spawn("signal", forward_loop, p, STACK))
		printk("unishyper: no memory for the signal thread: signals to the host command "
		       "stop the machine\n");
}

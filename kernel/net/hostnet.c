/*
 * The host's loopback for an image run as a host command. unishyper-run
 * --host-net gives the guest QEMU's user network, where the gateway is the
 * host's 127.0.0.1, and a virtio-console port named "hostnet" on which
 * this file asks the launcher to forward a port of the host's loopback to
 * the guest while a program listens on it. A request is one line and gets
 * one line back:
 *
 *   listen PORT\n  ->  ok\n | busy\n   (a host program has the port)
 *   close PORT\n   ->  ok\n
 *
 * One request at a time (lock, which also guards the table of the ports
 * forwarded). When the launcher does not answer, nothing is forwarded and
 * the program's sockets work inside the guest alone.
 */
#include <errno.h>
#include <string.h>

#include <unishyper/format.h>
#include <unishyper/mutex.h>
#include <unishyper/printk.h>
#include <unishyper/vcon.h>

#include "lwip/netif.h"

#include "hostnet.h"

#define FORWARDS_MAX 64

struct forward {
	uint16_t port;
	int listeners;
};

static struct mutex lock = MUTEX_INIT(lock);
static struct forward forwards[FORWARDS_MAX];

bool hostnet_on(void)
{
	return netif_default && vcon_line_port("hostnet");
}

/* Sends the request "VERB PORT" and reads the answer's line into answer. */
static int ask(const char *verb, uint16_t port, char *answer, size_t size)
{
	struct vcon_port *p = vcon_line_port("hostnet");
	char line[32];
	int len = ksnprintf(line, sizeof(line), "%s %u\n", verb, port);

	if (vcon_port_write(p, line, (size_t)len) != len || !vcon_port_read_line(p, answer, size))
		return -EPIPE;
	return 0;
}

static struct forward *find(uint16_t port)
{
	for (int i = 0; i < FORWARDS_MAX; i++)
		if (forwards[i].listeners && forwards[i].port == port)
			return &forwards[i];
	return NULL;
}

int hostnet_listen(uint16_t port)
{
	char answer[16];
	int r = 0;

	mutex_lock(&lock);
	struct forward *f = find(port);
	if (f) {
		f->listeners++;
		goto out;
	}
	for (int i = 0; i < FORWARDS_MAX && !f; i++)
		if (!forwards[i].listeners)
			f = &forwards[i];
	if (!f) {
		printk("hostnet: port %u: more than %d ports listening, not forwarded\n", port,
		       FORWARDS_MAX);
		goto out;
	}
	if (ask("listen", port, answer, sizeof(answer))) {
		printk("hostnet: port %u: the launcher does not answer, not forwarded\n", port);
		goto out;
	}
	if (!strcmp(answer, "busy")) {
		r = -EADDRINUSE;
		goto out;
	}
	*f = (struct forward){port, 1};
out:
	mutex_unlock(&lock);
	return r;
}

void hostnet_unlisten(uint16_t port)
{
	char answer[16];

	mutex_lock(&lock);
	struct forward *f = find(port);
	if (f && !--f->listeners)
		ask("close", port, answer, sizeof(answer));
	mutex_unlock(&lock);
}

static bool loopback4(const ip_addr_t *ip)
{
	return IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip));
}

void hostnet_outgoing(ip_addr_t *ip, uint16_t port)
{
	if (!loopback4(ip) || !hostnet_on())
		return;
	mutex_lock(&lock);
	bool here = find(port) != NULL;
	mutex_unlock(&lock);
	if (!here)
		ip_addr_copy_from_ip4(*ip, *netif_ip4_gw(netif_default));
}

bool hostnet_bind(ip_addr_t *ip)
{
	if (!loopback4(ip) || !hostnet_on())
		return false;
	ip_addr_copy(*ip, *IP4_ADDR_ANY);
	return true;
}

void hostnet_shown(ip_addr_t *ip)
{
	if (!IP_IS_V4(ip) || !hostnet_on())
		return;
	const ip4_addr_t *a = ip_2_ip4(ip);
	if (ip4_addr_cmp(a, netif_ip4_gw(netif_default)) ||
	    ip4_addr_cmp(a, netif_ip4_addr(netif_default)))
		ip_addr_set_ip4_u32_val(*ip, PP_HTONL(0x7f000001));
}

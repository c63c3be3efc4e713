/*
 * The network settings as the program's C library reads them:
 * /etc/resolv.conf (the name servers of unishyper.dns= or of DHCP) and
 * /etc/hosts (localhost and the host name). Written once before the
 * program starts, when the image has a network interface and the root
 * has no such file of its own. A disk is never written: on a disk root
 * without /etc, a ramfs is mounted at /etc; on one with /etc, its files
 * are the program's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <unishyper/file.h>
#include <unishyper/format.h>
#include <unishyper/net.h>
#include <unishyper/printk.h>
#include <unishyper/vfs.h>

#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"

static void write_file(const char *path, const char *text)
{
	struct file *f;
	int r = vfs_open(path, O_WRONLY | O_CREAT | O_EXCL, 0644, &f);

	if (r) {
		if (r != -EEXIST)
			printk("net: cannot write %s (error %d)\n", path, r);
		return;
	}
	size_t len = strlen(text);
	if (f->ops->write(f, text, len, NULL) != (ssize_t)len)
		printk("net: cannot write %s\n", path);
	file_put(f);
}

/* Whether /etc can take new files: made on a ramfs root, mounted over a
 * disk root that lacks it. */
static bool etc_ready(void)
{
	struct vfs_attr a;

	if (vfs_stat("/etc", &a) == 0)
		return !vfs_is_readonly("/etc");
	if (vfs_mkdir("/etc", 0755) == 0)
		return true;
	return vfs_mount("/etc", &ramfs_fs_type, NULL, false) == 0;
}

void net_publish(void)
{
	char text[512], addr[48];
	const char *dns[NET_MAX_DNS];
	size_t n = 0;
	int ndns = net_dns_servers(dns);

	if (!net_interfaces() || !etc_ready())
		return;
	for (int i = 0; i < ndns; i++)
		n += ksnprintf(text + n, sizeof(text) - n, "nameserver %s\n", dns[i]);
	for (u8_t i = 0; !ndns && i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *s = dns_getserver(i);
		if (!ip_addr_isany(s) && ipaddr_ntoa_r(s, addr, sizeof(addr)))
			n += ksnprintf(text + n, sizeof(text) - n, "nameserver %s\n", addr);
	}
	if (n)
		write_file("/etc/resolv.conf", text);
	n = ksnprintf(text, sizeof(text), "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	if (net_first_address(addr, sizeof(addr)))
		ksnprintf(text + n, sizeof(text) - n, "%s\t%s\n", addr, net_hostname());
	else
		ksnprintf(text + n, sizeof(text) - n, "127.0.1.1\t%s\n", net_hostname());
	write_file("/etc/hosts", text);
}

/*
 * Network interfaces: lwIP started, each Ethernet device added as an
 * interface and configured from the kernel command line
 * (include/unishyper/net.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unishyper/kmalloc.h>
#include <unishyper/net.h>
#include <unishyper/printk.h>
#include <unishyper/time.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/ip6_addr.h"
#include "lwip/mld6.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#define MAX_IFACES 8
#define DHCP_WAIT_NS (10 * 1000000000ull)

enum v4_mode { V4_DEFAULT, V4_STATIC, V4_DHCP, V4_NONE };

struct iface_conf {
	enum v4_mode mode;
	ip4_addr_t addr, mask;
	bool has_ip6;
	ip6_addr_t ip6;
	int ip6_prefix;
};

static struct iface_conf conf[MAX_IFACES];
static ip4_addr_t gateway;
static bool have_gateway;
static char hostname[NET_HOSTNAME_MAX + 1] = "unishyper";
static char dns_text[NET_MAX_DNS][48];
static int ndns;
static struct netif *ifaces[MAX_IFACES];
static int nifaces;

/* Copies the n-th comma-separated item of list into buf; false past the
 * end or when it does not fit. */
static bool list_item(const char *list, int n, char *buf, size_t size)
{
	const char *p = list;

	for (int i = 0; i < n; i++) {
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
	size_t len = strcspn(p, ",");
	if (len >= size)
		return false;
	memcpy(buf, p, len);
	buf[len] = 0;
	return true;
}

static int list_count(const char *list)
{
	int n = 1;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	return n;
}

/* "ADDR/PREFIX" with prefix at most max: 0, or -EINVAL. */
static int split_prefix(char *item, int max, int *prefix)
{
	char *slash = strchr(item, '/'), *end;

	if (!slash || !slash[1])
		return -EINVAL;
	*slash = 0;
	long v = strtol(slash + 1, &end, 10);
	if (*end || v < 0 || v > max)
		return -EINVAL;
	*prefix = (int)v;
	return 0;
}

static const char *parse_ip(const char *list)
{
	char item[64];
	int n = list_count(list), prefix;

	if (n > MAX_IFACES)
		return "unishyper.ip= names more than 8 interfaces";
	for (int i = 0; i < n; i++) {
		if (!list_item(list, i, item, sizeof(item)))
			return "unishyper.ip= takes ADDR/PREFIX, dhcp or none per interface";
		if (!strcmp(item, "dhcp")) {
			conf[i].mode = V4_DHCP;
			continue;
		}
		if (!strcmp(item, "none")) {
			conf[i].mode = V4_NONE;
			continue;
		}
		if (split_prefix(item, 32, &prefix) || !ip4addr_aton(item, &conf[i].addr))
			return "unishyper.ip= takes ADDR/PREFIX, dhcp or none per interface";
		conf[i].mode = V4_STATIC;
		ip4_addr_set_u32(&conf[i].mask, prefix ? lwip_htonl(~0u << (32 - prefix)) : 0);
	}
	return NULL;
}

static const char *parse_ip6(const char *list)
{
	char item[64];
	int n = list_count(list);

	if (n > MAX_IFACES)
		return "unishyper.ip6= names more than 8 interfaces";
	for (int i = 0; i < n; i++) {
		if (!list_item(list, i, item, sizeof(item)))
			return "unishyper.ip6= takes ADDR/PREFIX or none per interface";
		if (!strcmp(item, "none"))
			continue;
		if (split_prefix(item, 128, &conf[i].ip6_prefix) || !ip6addr_aton(item, &conf[i].ip6))
			return "unishyper.ip6= takes ADDR/PREFIX or none per interface";
		conf[i].has_ip6 = true;
	}
	return NULL;
}

static const char *parse_dns(const char *list)
{
	int n = list_count(list);
	ip_addr_t a;

	if (n > NET_MAX_DNS)
		return "unishyper.dns= takes at most 3 name servers";
	for (int i = 0; i < n; i++) {
		if (!list_item(list, i, dns_text[i], sizeof(dns_text[i])) ||
		    !ipaddr_aton(dns_text[i], &a))
			return "unishyper.dns= takes IPv4 or IPv6 addresses";
	}
	ndns = n;
	return NULL;
}

static const char *parse_hostname(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > NET_HOSTNAME_MAX)
		return "unishyper.hostname= takes 1 to 64 characters";
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return "unishyper.hostname= takes letters, digits, '-' and '.'";
	memcpy(hostname, name, len + 1);
	return NULL;
}

const char *net_init(const struct cmdline *cl)
{
	const char *err = NULL;
	const char *ip = cl->opt[CMDLINE_IP], *gw = cl->opt[CMDLINE_GW];

	if (ip)
		err = parse_ip(ip);
	if (!err && cl->opt[CMDLINE_IP6])
		err = parse_ip6(cl->opt[CMDLINE_IP6]);
	if (!err && cl->opt[CMDLINE_DNS])
		err = parse_dns(cl->opt[CMDLINE_DNS]);
	if (!err && cl->opt[CMDLINE_HOSTNAME])
		err = parse_hostname(cl->opt[CMDLINE_HOSTNAME]);
	if (!err && gw) {
		if (!ip4addr_aton(gw, &gateway))
			err = "unishyper.gw= takes an IPv4 address";
		have_gateway = true;
	}
	if (err)
		return err;
	if (!ip && !gw) {
		IP4_ADDR(&gateway, 10, 0, 0, 1);
		have_gateway = true;
	}
	tcpip_init(NULL, NULL);
	inet_init();
	return NULL;
}

static err_t link_output(struct netif *n, struct pbuf *p)
{
	struct net_device *dev = n->state;

	return dev->transmit(dev, p) ? ERR_IF : ERR_OK;
}

unsigned short net_tso_mss;

/* The data one TSO frame may carry: what keeps the frame, with the
 * device's header before it, within a pbuf's 16-bit length. */
#define TSO_LIMIT (0xffff - 160)

unsigned net_tso_limit(const struct netif *n, int v6)
{
	const struct net_device *dev = n->linkoutput == link_output ? n->state : NULL;

	return dev && (v6 ? dev->tso6 : dev->tso4) ? TSO_LIMIT : 0;
}

static err_t ethernet_setup(struct netif *n)
{
	struct net_device *dev = n->state;

	n->name[0] = 'e';
	n->name[1] = 'n';
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, dev->mac, ETH_HWADDR_LEN);
	n->mtu = dev->mtu;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = link_output;
	n->hostname = hostname;
	u16_t csum = NETIF_CHECKSUM_ENABLE_ALL;
	if (dev->tx_csum)
		csum &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
	if (dev->rx_csum)
		csum &= (u16_t)~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
	NETIF_SET_CHECKSUM_CTRL(n, csum);
	return ERR_OK;
}

/* The interface's IPv4 settings; the core is locked. */
static void configure_v4(struct netif *n, const struct iface_conf *c, int index)
{
	ip4_addr_t addr, mask, gw;

	ip4_addr_set_zero(&gw);
	switch (c->mode) {
	case V4_DEFAULT:
		if (index)
			return;
		IP4_ADDR(&addr, 10, 0, 0, 2);
		IP4_ADDR(&mask, 255, 255, 255, 0);
		break;
	case V4_STATIC:
		addr = c->addr;
		mask = c->mask;
		break;
	case V4_DHCP:
		dhcp_start(n);
		return;
	case V4_NONE:
		return;
	}
	if (have_gateway && ip4_addr_netcmp(&gateway, &addr, &mask))
		gw = gateway;
	netif_set_addr(n, &addr, &mask, &gw);
}

static void configure_v6(struct netif *n, const struct iface_conf *c)
{
	s8_t idx;

	netif_create_ip6_linklocal_address(n, 1);
	netif_set_ip6_autoconfig_enabled(n, 1);
	if (c->has_ip6 && netif_add_ip6_address(n, &c->ip6, &idx) == ERR_OK)
		netif_ip6_addr_set_state(n, idx, IP6_ADDR_PREFERRED);
}

int net_add_ethernet(struct net_device *dev)
{
	struct netif *n = kzalloc(sizeof(*n));
	int index = nifaces;

	if (!n)
		return -ENOMEM;
	if (index >= MAX_IFACES) {
		printk("net: more than %d interfaces; %02x:%02x:%02x:%02x:%02x:%02x left out\n",
		       MAX_IFACES, dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
		       dev->mac[5]);
		kfree(n);
		return -ENOSPC;
	}
	dev->netif = n;
	LOCK_TCPIP_CORE();
	netif_add(n, NULL, NULL, NULL, dev, ethernet_setup, tcpip_input);
	configure_v6(n, &conf[index]);
	netif_set_up(n);
	netif_set_link_up(n);
	configure_v4(n, &conf[index], index);
	if (!netif_default && !ip4_addr_isany_val(*netif_ip4_addr(n)))
		netif_set_default(n);
	else if (!netif_default && conf[index].mode == V4_DHCP)
		netif_set_default(n);
	UNLOCK_TCPIP_CORE();
	ifaces[nifaces++] = n;
	return 0;
}

void net_lock(void)
{
	LOCK_TCPIP_CORE();
}

void net_unlock(void)
{
	UNLOCK_TCPIP_CORE();
}

void net_input(struct net_device *dev, struct pbuf *p)
{
	/* The core is locked already: not through n->input (tcpip_input),
	 * which would take the lock again. */
	if (ethernet_input(p, dev->netif) != ERR_OK)
		pbuf_free(p);
}

static bool dhcp_pending(void)
{
	bool pending = false;

	LOCK_TCPIP_CORE();
	for (int i = 0; i < nifaces; i++)
		if (conf[i].mode == V4_DHCP && !dhcp_supplied_address(ifaces[i]))
			pending = true;
	UNLOCK_TCPIP_CORE();
	return pending;
}

void net_wait_configured(void)
{
	uint64_t deadline = time_ns() + DHCP_WAIT_NS;

	while (dhcp_pending()) {
		if (time_ns() > deadline) {
			printk("net: no DHCP answer yet; the program starts without an address\n");
			return;
		}
		time_sleep_until(time_ns() + 10000000, false);
	}
}

int net_interfaces(void)
{
	return nifaces;
}

bool net_first_address(char *buf, size_t size)
{
	bool ok = false;

	LOCK_TCPIP_CORE();
	if (nifaces && !ip4_addr_isany_val(*netif_ip4_addr(ifaces[0])))
		ok = ip4addr_ntoa_r(netif_ip4_addr(ifaces[0]), buf, (int)size) != NULL;
	UNLOCK_TCPIP_CORE();
	return ok;
}

const char *net_hostname(void)
{
	return hostname;
}

int net_dns_servers(const char *out[NET_MAX_DNS])
{
	for (int i = 0; i < ndns; i++)
		out[i] = dns_text[i];
	return ndns;
}

/*
 * The network: lwIP's core (kernel/net/) with its interfaces.
 *
 * net_init() starts the tcpip thread and reads the interface settings of
 * the command line; each network driver then adds its device with
 * net_add_ethernet(), and the interfaces are numbered in the order they
 * are added (en0, en1, ...), which is the order of unishyper-run's --net
 * options. The first interface with an IPv4 address is the default route.
 *
 *   unishyper.ip=ADDR/PREFIX|dhcp|none,...   per interface (default for the
 *                                            first: 10.0.0.2/24)
 *   unishyper.gw=ADDR                        (default with the default
 *                                            address: 10.0.0.1)
 *   unishyper.ip6=ADDR/PREFIX|none,...       static IPv6, per interface;
 *                                            link-local and router-given
 *                                            addresses are always on
 *   unishyper.dns=ADDR,...                   name servers (/etc/resolv.conf)
 *   unishyper.hostname=NAME                  (default "unishyper")
 */
#ifndef UNISHYPER_NET_H
#define UNISHYPER_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unishyper/cmdline.h>

struct netif;
struct pbuf;

#define NET_HOSTNAME_MAX 64
#define NET_MAX_DNS 3

/* Starts lwIP and checks the settings; NULL, or a message naming the
 * option that is wrong (the boot stops with it). */
const char *net_init(const struct cmdline *cl);

/* What a driver of an Ethernet device tells the stack. */
struct net_device {
	uint8_t mac[6];
	uint16_t mtu;
	/* Sends one frame (a pbuf chain); called with the core locked. */
	int (*transmit)(struct net_device *dev, struct pbuf *p);
	void *driver;
	/* The device completes TCP checksums of frames sent with
	 * net_csum_offload(), and verifies received TCP and UDP checksums
	 * itself (the driver checks the frames it did not, net_csum_bad()). */
	bool tx_csum, rx_csum;
	/* The device cuts TCP frames over IPv4 (tso4) or IPv6 (tso6) longer
	 * than the MTU into segments of net_tso_mss bytes (it needs tx_csum). */
	bool tso4, tso6;
	struct netif *netif; /* set by net_add_ethernet() */
};

/* Checksum offload (kernel/net/frame.c). For a TCP frame of len bytes
 * whose first avail bytes are at frame, puts the pseudo-header's sum in
 * its checksum field and gives where the device sums from and where the
 * result goes; false for any other frame. */
bool net_csum_offload(uint8_t *frame, size_t avail, size_t len, uint16_t *start, uint16_t *offset);
/* The segment size of the TCP frame the stack is sending now when the
 * frame is to be cut into segments by the device, else 0 (core locked). */
extern unsigned short net_tso_mss;
/* For a TCP frame of len bytes whose first avail bytes are at frame: the
 * bytes of its Ethernet, IP and TCP headers and whether it is IPv6; false
 * for any other frame. */
bool net_tcp_headers(const uint8_t *frame, size_t avail, size_t len, uint16_t *hdr_len, bool *v6);
/* Whether a received frame's TCP or UDP checksum is wrong; false for a
 * frame it cannot check (not TCP or UDP over IP, a fragment). */
bool net_csum_bad(const uint8_t *frame, size_t len);
/* Whether a frame carries data a socket would have to hold (TCP payload,
 * UDP, fragments) rather than what frees memory or keeps the link alive
 * (ARP, neighbour discovery, TCP without payload: acknowledgements,
 * resets). */
bool net_frame_carries_data(const uint8_t *frame, size_t len);

/* TCP's initial sequence number (RFC 6528; kernel/net/isn.c) for a
 * connection between the addresses local and remote (one word each, IPv6
 * folded) and their ports at time now_ns: a keyed function of them under
 * key, plus now_ns in 4-microsecond steps. */
uint32_t net_isn(const uint32_t key[8], uint32_t local, uint16_t local_port, uint32_t remote,
		 uint16_t remote_port, uint64_t now_ns);

/* Below this many free pages a driver drops frames that carry data: the
 * peers send them again later, and what frees memory still gets in. */
#define NET_LOW_MEMORY_PAGES 4096

/* Adds an interface for dev and configures it from the command line
 * (addresses; DHCP is started). 0 or -ENOMEM. */
int net_add_ethernet(struct net_device *dev);

/* Received frames, handed to the stack in a batch: the driver calls
 * net_input() for each between net_lock() and net_unlock(). */
void net_lock(void);
void net_unlock(void);
void net_input(struct net_device *dev, struct pbuf *p);

/* Waits (up to a few seconds) until every interface that asked DHCP for an
 * address has one; called once before the program starts. */
void net_wait_configured(void);

/* Registers the AF_INET and AF_INET6 socket families (kernel/net/inet.c);
 * net_init() calls it. */
void inet_init(void);

/* Writes /etc/resolv.conf and /etc/hosts for the program's resolver
 * (kernel/net/etc.c); after the file tree is mounted and
 * net_wait_configured(). */
void net_publish(void);

/* Interfaces added so far. */
int net_interfaces(void);

/* The first interface's IPv4 address as text; false when it has none. */
bool net_first_address(char *buf, size_t size);

/* The host name (uname's nodename). */
const char *net_hostname(void);

/* The name servers given, as text, and how many. */
int net_dns_servers(const char *out[NET_MAX_DNS]);

#endif

/*
 * libFuzzer target for the network input path: lwIP's core compiled from
 * the kernel's patched copy of Debian's source (build/lwip-src, the
 * Makefile's LWIP_FILES) with the kernel's options (tests/fuzz/net/
 * lwipopts.h says what differs and why), fed Ethernet frames as
 * virtio-net hands them to ethernet_input().
 *
 * One interface set up as the kernel sets up its first one
 * (kernel/net/iface.c): MAC 52:54:00:12:34:50, MTU 1500, 10.0.0.2/24 via
 * 10.0.0.1, a link-local IPv6 address, fd00::2/64 and address
 * autoconfiguration; DHCP runs beside the static address so that its
 * replies are parsed too. A TCP listener and a UDP pcb on port 7 (IPv4
 * and IPv6) echo what they receive. The interface does not verify
 * checksums: a sender sets any checksum it likes, and a fuzzer should not
 * have to find them.
 *
 * An input is a list of records, each
 *
 *   length (2 bytes, big-endian), time code (1 byte), frame (length bytes,
 *   fewer where the input ends)
 *
 * Each frame is lent to ethernet_input() in a pbuf over exactly its
 * bytes, as the driver lends its receive buffers, with the IP header
 * 4-byte aligned as lwIP expects; the loopback queue is then run and the
 * fake clock moves on by the time code's low six bits times 1, 16, 256 or
 * 4096 ms (its top two bits: up to 258 s), every timer firing at its
 * time: reassembly, retransmission, TIME-WAIT, ARP, neighbour discovery,
 * MLD and DHCP timeouts all run. After the last record every connection
 * is dropped, reassembly, the ARP and neighbour caches and DHCP are
 * cleared, the addresses set back and the clock moved on to the next
 * whole minute (where every periodic timer is in the same phase), so each
 * input starts from the same state and replays alone as it ran.
 *
 * Checked on every frame lwIP sends: 14 to 1514 bytes, the lengths of its
 * pbuf chain add up, and every byte is read (AddressSanitizer sees a frame
 * built from freed memory). An lwIP assertion aborts (panic() below).
 *
 * FUZZ_NET_TRACE=1 in the environment prints every frame received and
 * sent (its first 64 bytes in hex), for writing seeds
 * (tests/fuzz/net-seeds.py).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/priv/nd6_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

#define MTU 1500
#define ECHO_PORT 7
#define RAND_SEED 0x2545f491u /* fuzz seeds depend on it: the DHCP xid */

static struct netif netif;
static struct tcp_pcb *listener;
static struct udp_pcb *udp_echo;
static uint32_t now_ms;
static uint32_t rand_state;
static volatile uint8_t sink;
static bool trace;

/* The kernel's allocator, lwIP's platform hooks and its clock, for the
 * host: what lwipopts.h and arch/cc.h name. */

void *kmalloc(size_t size)
{
	return size ? malloc(size) : NULL;
}

void *kzalloc(size_t size)
{
	return size ? calloc(1, size) : NULL;
}

void kfree(void *p)
{
	free(p);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* xorshift32 from RAND_SEED at the start of every input. */
uint32_t net_random(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 17;
	rand_state ^= rand_state << 5;
	return rand_state;
}

u32_t sys_now(void)
{
	return now_ms;
}

/* Segmentation offload as on a virtio-net device that takes it, so that
 * echoed data goes out in TSO frames too (kernel/net/iface.c). */
unsigned short net_tso_mss;

unsigned net_tso_limit(const struct netif *n, int v6)
{
	(void)n;
	(void)v6;
	return 0xffff - 160;
}

static void trace_frame(const char *dir, struct pbuf *p)
{
	uint8_t head[64];
	uint16_t n = pbuf_copy_partial(p, head, sizeof(head), 0);

	fprintf(stderr, "%s t=%u ms %u bytes:", dir, now_ms, p->tot_len);
	for (uint16_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i == 14 ? " | " : " ", head[i]);
	fputc('\n', stderr);
}

/* Every frame lwIP sends ends here, checked and dropped. */
static err_t link_output(struct netif *n, struct pbuf *p)
{
	uint16_t len = 0;
	uint8_t s = 0;

	(void)n;
	/* longer than the MTU only as a TSO frame, of segments that fit it */
	CHECK(p->tot_len >= SIZEOF_ETH_HDR &&
	      (p->tot_len <= MTU + SIZEOF_ETH_HDR || (net_tso_mss && net_tso_mss <= MTU - 40)));
	for (struct pbuf *q = p; q; q = q->next) {
		CHECK(q->tot_len == q->len + (q->next ? q->next->tot_len : 0));
		for (uint16_t i = 0; i < q->len; i++)
			s += ((const uint8_t *)q->payload)[i];
		len += q->len;
	}
	CHECK(len == p->tot_len);
	sink = s;
	if (trace)
		trace_frame("out", p);
	return ERR_OK;
}

static err_t netif_setup(struct netif *n)
{
	static const uint8_t mac[ETH_HWADDR_LEN] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x50};

	n->name[0] = 'e';
	n->name[1] = 'n';
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, mac, ETH_HWADDR_LEN);
	n->mtu = MTU;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = link_output;
	NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_GEN_IP | NETIF_CHECKSUM_GEN_UDP |
				       NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_ICMP |
				       NETIF_CHECKSUM_GEN_ICMP6);
	return ERR_OK;
}

/* TCP echo: what arrives is written back; the peer's FIN closes. */
static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p) {
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break; /* the send buffer is full: the rest is lost */
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	tcp_recv(pcb, echo_recv);
	return ERR_OK;
}

static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			  u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

static void setup(void)
{
	struct tcp_pcb *pcb;

	lwip_init();
	netif_add(&netif, NULL, NULL, NULL, NULL, netif_setup, ethernet_input);
	netif_set_up(&netif);
	netif_set_link_up(&netif);
	netif_set_default(&netif);

	pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	CHECK(pcb && tcp_bind(pcb, IP_ANY_TYPE, ECHO_PORT) == ERR_OK);
	listener = tcp_listen(pcb);
	CHECK(listener);
	tcp_accept(listener, echo_accept);

	udp_echo = udp_new_ip_type(IPADDR_TYPE_ANY);
	CHECK(udp_echo && udp_bind(udp_echo, IP_ANY_TYPE, ECHO_PORT) == ERR_OK);
	udp_recv(udp_echo, udp_echo_recv, NULL);
}

/* The addresses and DHCP, as iface.c configures them (DHCP first: its
 * transaction id is the first random number of the input). */
static void begin_input(void)
{
	ip4_addr_t addr, mask, gw;
	ip6_addr_t ip6;
	s8_t idx;

	rand_state = RAND_SEED;
	dhcp_start(&netif);
	IP4_ADDR(&addr, 10, 0, 0, 2);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 0, 1);
	netif_set_addr(&netif, &addr, &mask, &gw);
	netif_create_ip6_linklocal_address(&netif, 1);
	netif_set_ip6_autoconfig_enabled(&netif, 1);
	IP6_ADDR(&ip6, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(2));
	if (netif_add_ip6_address(&netif, &ip6, &idx) == ERR_OK)
		netif_ip6_addr_set_state(&netif, idx, IP6_ADDR_PREFERRED);
}

/* Moves the clock on by ms, each timer firing at its own time. */
static void advance(uint32_t ms)
{
	uint32_t end = now_ms + ms;

	for (;;) {
		uint32_t wait = sys_timeouts_sleeptime();

		if (wait == SYS_TIMEOUTS_SLEEPTIME_INFINITE || wait > end - now_ms) {
			now_ms = end;
			sys_check_timeouts();
			return;
		}
		now_ms += wait;
		sys_check_timeouts();
	}
}

/* Back to the state begin_input() starts from. */
static void end_input(void)
{
	while (tcp_active_pcbs)
		tcp_abandon(tcp_active_pcbs, 0);
	while (tcp_tw_pcbs)
		tcp_abandon(tcp_tw_pcbs, 0);
	/* Each call ages every datagram by one tick: 255 outlast any. */
	for (int i = 0; i < 255; i++) {
		ip_reass_tmr();
		ip6_reass_tmr();
	}
	dhcp_release_and_stop(&netif);
	for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		netif_ip6_addr_set_state(&netif, i, IP6_ADDR_INVALID);
	netif_poll_all();
	etharp_cleanup_netif(&netif);
	nd6_cleanup_netif(&netif);
	netif.mtu6 = MTU;
	reachable_time = LWIP_ND6_REACHABLE_TIME;
	retrans_timer = LWIP_ND6_RETRANS_TIMER;
	netif_set_addr(&netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	advance(60000 - now_ms % 60000);
}

struct frame {
	struct pbuf_custom pc; /* first: the pbuf points here */
	uint8_t *buf;
};

static void frame_free(struct pbuf *p)
{
	struct frame *f = (struct frame *)p;

	free(f->buf);
	free(f);
}

/* Lends len bytes to ethernet_input() in a buffer of exactly that size
 * (2 bytes before the frame align the IP header, as ETH_PAD_SIZE would). */
static void deliver(const uint8_t *data, uint16_t len)
{
	struct frame *f = malloc(sizeof(*f));
	struct pbuf *p;

	CHECK(f);
	f->buf = malloc(len + 2u);
	CHECK(f->buf);
	memcpy(f->buf + 2, data, len);
	f->pc.custom_free_function = frame_free;
	p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &f->pc, f->buf + 2, len);
	CHECK(p);
	if (trace)
		trace_frame("in ", p);
	if (netif.input(p, &netif) != ERR_OK)
		pbuf_free(p);
	netif_poll_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		setup();
		trace = getenv("FUZZ_NET_TRACE") != NULL;
		ready = true;
	}
	begin_input();
	while (size >= 3) {
		uint16_t len = (uint16_t)(data[0] << 8 | data[1]);
		uint8_t code = data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = (uint16_t)size;
		/* The driver hands over no empty frame. */
		if (len)
			deliver(data, len);
		data += len;
		size -= len;
		advance((uint32_t)(code & 0x3f) << (4 * (code >> 6)));
	}
	end_input();
	return 0;
}

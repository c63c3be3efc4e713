/*
 * Unishyper's configuration of lwIP (Debian's lwip source, see
 * toolchain/packages.txt): the core runs in the tcpip thread and is also
 * entered directly under its lock (LWIP_TCPIP_CORE_LOCKING) by the
 * socket layer (kernel/net/inet.c, on the raw TCP and UDP API) and by
 * drivers delivering received frames. Memory comes from the kernel heap,
 * so connections are bounded by memory, not by fixed pools.
 */
#ifndef UNISHYPER_LWIPOPTS_H
#define UNISHYPER_LWIPOPTS_H

#include <unishyper/kmalloc.h>

/* The operating-system layer and its threads. */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 1
#define LWIP_TIMERS 1
#define TCPIP_THREAD_NAME "tcpip"
/* Initial sequence numbers an outsider cannot predict (kernel/net/isn.c). */
#define LWIP_HOOK_FILENAME "net_hooks.h"
#define LWIP_HOOK_TCP_ISN net_tcp_isn
#define TCPIP_THREAD_STACKSIZE (64 * 1024)
#define TCPIP_THREAD_PRIO 0
#define TCPIP_MBOX_SIZE 1024
#define DEFAULT_THREAD_STACKSIZE (64 * 1024)
#define LWIP_COMPAT_MUTEX 0

/* No sequential or BSD API of lwIP's own: the kernel's socket layer. */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
#define LWIP_RAW 0
/* The program's resolver asks the name servers itself; lwIP's DNS part
 * only keeps the servers DHCP names (for /etc/resolv.conf). */
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 3
#define LWIP_DHCP_MAX_DNS_SERVERS 3

/* Memory: the kernel heap for the heap and for every pool. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define mem_clib_malloc kmalloc
#define mem_clib_free kfree
#define mem_clib_calloc(n, size) kzalloc((n) * (size))
#define MEM_ALIGNMENT 16
#define MEMP_NUM_SYS_TIMEOUT 64
#define PBUF_POOL_BUFSIZE 1536

/* Interfaces: Ethernet (virtio-net) and the loopback. */
#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
/* Room before the Ethernet header of every frame for the virtio-net
 * header, so a frame goes to the device in place. */
#define PBUF_LINK_ENCAPSULATION_HLEN 12
#define LWIP_CHKSUM_ALGORITHM 3

/* IPv4 with DHCP; IPv6 with link-local, static and SLAAC addresses. */
#define LWIP_IPV4 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 64
#define LWIP_IPV6 1
#define LWIP_IPV6_NUM_ADDRESSES 4
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1 /* 64-bit pointers do not fit the header */
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_ND6_QUEUEING 1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0 /* addresses usable at once */
#define LWIP_ICMP 1
#define IP_DEFAULT_TTL 64 /* Linux's net.ipv4.ip_default_ttl */
#define LWIP_ICMP6 1
#define LWIP_BROADCAST_PING 0

/* UDP and TCP for servers: large windows (with window scaling), many
 * connections, listen backlogs, keep-alive, address reuse. */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_WND (192 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (32 * 1024) /* below 64 KiB: a u16 in lwIP */
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 4)
#define TCP_OVERSIZE TCP_MSS
/* Segmentation offload (the tcp-tso patch): where the device cuts large
 * frames into segments, runs of full segments leave in one frame. */
#define TCP_TSO 1
struct netif;
unsigned net_tso_limit(const struct netif *netif, int v6);
extern unsigned short net_tso_mss;
#define TCP_TSO_LIMIT(netif, v6) net_tso_limit(netif, v6)
#define TCP_TSO_MSS net_tso_mss
#define TCP_QUEUE_OOSEQ 1
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_KEEPALIVE 1
#define SO_REUSE 1
#define SO_REUSE_RXTOALL 1
#define LWIP_TCP_TIMESTAMPS 0
#define MEMP_NUM_TCP_PCB 4096
#define MEMP_NUM_TCP_PCB_LISTEN 256
#define MEMP_NUM_UDP_PCB 1024
#define MEMP_NUM_TCP_SEG 65536

/* No statistics. */
#define LWIP_STATS 0

#endif

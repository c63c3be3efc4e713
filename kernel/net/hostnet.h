/*
 * The host's loopback for an image run as a host command
 * (unishyper-run --host-net, kernel/net/hostnet.c): a program's TCP
 * listeners are reachable at the host's 127.0.0.1, its connections to
 * 127.0.0.1 reach the host's, and both ends read 127.0.0.1, as natively.
 * The socket layer (inet.c) calls these with the core unlocked.
 */
#ifndef UNISHYPER_NET_HOSTNET_H
#define UNISHYPER_NET_HOSTNET_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip_addr.h"

/* Whether the launcher serves the host's loopback (a port "hostnet"). */
bool hostnet_on(void);

/* Asks the host to forward its 127.0.0.1:port to this port; every listener
 * on the port asks, the first one is forwarded. 0, or -EADDRINUSE when a
 * host program has the port. */
int hostnet_listen(uint16_t port);

/* A listener of the port closed: the last one ends the forwarding. */
void hostnet_unlisten(uint16_t port);

/* For connect and sendto: a loopback address with no listener of this
 * image on port becomes the host's. */
void hostnet_outgoing(ip_addr_t *ip, uint16_t port);

/* For bind: a loopback IPv4 address becomes "any" (the host's forwarded
 * connections arrive on the network interface); true when it did. */
bool hostnet_bind(ip_addr_t *ip);

/* For getsockname, getpeername, accept and recvfrom: the host's address
 * and this image's own IPv4 address read as 127.0.0.1. */
void hostnet_shown(ip_addr_t *ip);

#endif

/*
 * lwIP's options for the network fuzz target (tests/fuzz/fuzz_net.c): the
 * kernel's own (kernel/net/include/lwipopts.h), so that frames are parsed
 * with the same protocols, windows, reassembly limits and timers, with
 * only what a single-threaded host process needs instead:
 *
 * - NO_SYS, no lightweight protection and no core lock: there is no
 *   tcpip thread; the target calls ethernet_input() and
 *   sys_check_timeouts() itself, on a fake clock (the kernel calls
 *   ethernet_input() under the core lock, the same entry);
 * - a fixed initial sequence number: an input must replay the same way
 *   when libFuzzer runs it again, and a seed must be able to acknowledge
 *   the SYN-ACK to reach an established connection.
 *
 * arch/cc.h is the kernel's (kernel/net/include/arch/): lwIP's assertions
 * call panic(), which the target defines to abort.
 */
#ifndef FUZZ_NET_LWIPOPTS_H
#define FUZZ_NET_LWIPOPTS_H

#include "../../../kernel/net/include/lwipopts.h"

#undef NO_SYS
#define NO_SYS 1
#undef SYS_LIGHTWEIGHT_PROT
#define SYS_LIGHTWEIGHT_PROT 0
#undef LWIP_TCPIP_CORE_LOCKING
#define LWIP_TCPIP_CORE_LOCKING 0
#undef LWIP_TCPIP_CORE_LOCKING_INPUT
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0

#define FUZZ_NET_ISN 0x01000000u
#undef LWIP_HOOK_TCP_ISN
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) FUZZ_NET_ISN

#endif

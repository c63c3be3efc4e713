#!/usr/bin/env python3
"""net-seeds.py: writes the seed corpus of tests/fuzz/fuzz_net.c.

    tests/fuzz/net-seeds.py [DIR]        (default tests/fuzz/corpus/net)

Each seed is a short exchange with the target's interface (10.0.0.2/24,
fd00::2/64, MAC 52:54:00:12:34:50) from a peer at 10.0.0.1 / fd00::1, in
the target's record format: length (2 bytes, big-endian), time code
(1 byte: low six bits times 1, 16, 256 or 4096 ms by the top two bits),
frame. Checksums are right, though the target does not check them.
The files are committed; run this again after changing it.
"""
import os
import struct
import sys

GUEST_MAC = bytes.fromhex("525400123450")
PEER_MAC = bytes.fromhex("020000000001")
BCAST = b"\xff" * 6
GUEST4 = bytes([10, 0, 0, 2])
PEER4 = bytes([10, 0, 0, 1])
GUEST6 = bytes.fromhex("fd000000000000000000000000000002")
PEER6 = bytes.fromhex("fd000000000000000000000000000001")
GUEST_LL6 = bytes.fromhex("fe80000000000000505400fffe123450")
ROUTER_LL6 = bytes.fromhex("fe800000000000000000000000000001")
ALL_NODES6 = bytes.fromhex("ff020000000000000000000000000001")
ISN = 0x01000000  # FUZZ_NET_ISN in tests/fuzz/net/lwipopts.h
RAND_SEED = 0x2545F491  # fuzz_net.c: the DHCP xid is its first number
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def xorshift32(x):
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    return x


DHCP_XID = xorshift32(RAND_SEED)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, typ, payload, src=PEER_MAC):
    return dst + src + struct.pack("!H", typ) + payload


def arp_request(target=GUEST4):
    return eth(BCAST, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + PEER_MAC + PEER4 +
               b"\0" * 6 + target)


def ipv4(proto, payload, src=PEER4, dst=GUEST4, ident=1, frag=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                      src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def pseudo4(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def pseudo6(src, dst, proto, length):
    return src + dst + struct.pack("!IxxxB", length, proto)


def tcp(seq, ack, flags, payload=b"", opts=b"", sport=40000, dport=7, window=65535):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0, 0) + \
        opts + payload


def with_csum(seg, at, pseudo):
    c = csum(pseudo + seg)
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def tcp4(*args, **kw):
    seg = tcp(*args, **kw)
    return eth(GUEST_MAC, 0x0800, ipv4(6, with_csum(seg, 16, pseudo4(PEER4, GUEST4, 6, len(seg)))))


def tcp6(*args, **kw):
    seg = tcp(*args, **kw)
    return eth(GUEST_MAC, 0x86DD, ipv6(6, with_csum(seg, 16, pseudo6(PEER6, GUEST6, 6, len(seg)))))


def udp(payload, sport=40000, dport=7):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def udp4(payload, src=PEER4, dst=GUEST4, dmac=GUEST_MAC, **kw):
    d = udp(payload, **kw)
    return eth(dmac, 0x0800, ipv4(17, with_csum(d, 6, pseudo4(src, dst, 17, len(d))), src, dst))


def ipv6(nh, payload, src=PEER6, dst=GUEST6, hlim=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hlim) + src + dst + payload


def udp6_datagram(payload):
    d = udp(payload)
    return with_csum(d, 6, pseudo6(PEER6, GUEST6, 17, len(d)))


def icmp6(typ, code, body, src=PEER6, dst=GUEST6, dmac=GUEST_MAC, hlim=255):
    msg = struct.pack("!BBH", typ, code, 0) + body
    msg = with_csum(msg, 2, pseudo6(src, dst, 58, len(msg)))
    return eth(dmac, 0x86DD, ipv6(58, msg, src, dst, hlim))


def neighbour_solicitation():
    sol = bytes.fromhex("ff0200000000000000000001ff000002")
    body = b"\0" * 4 + GUEST6 + struct.pack("!BB", 1, 1) + PEER_MAC
    return icmp6(135, 0, body, dst=sol, dmac=bytes.fromhex("3333ff000002"))


def record(frame, code=0):
    return struct.pack("!HB", len(frame), code) + frame


MS16, MS256, MS4096 = 0x40, 0x80, 0xC0
ONE_S = MS256 | 4  # 1024 ms


def tcp_session(tcpx, opts):
    """Handshake, 6 bytes echoed, the peer's FIN, the last ACK."""
    return [
        record(tcpx(1000, 0, SYN, opts=opts), MS16 | 1),
        record(tcpx(1001, ISN + 1, ACK), MS16 | 1),
        record(tcpx(1001, ISN + 1, ACK | PSH, b"hello\n"), MS16 | 10),
        record(tcpx(1007, ISN + 7, ACK), MS16 | 1),
        record(tcpx(1007, ISN + 7, FIN | ACK), MS16 | 10),
        record(tcpx(1008, ISN + 8, ACK), ONE_S),
    ]


def dhcp(msgtype, yiaddr):
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, DHCP_XID, 0, 0, b"\0" * 4,
                        yiaddr, b"\0" * 4, b"\0" * 4, GUEST_MAC, b"", b"")
    opts = bytes([53, 1, msgtype, 54, 4]) + PEER4 + bytes([51, 4]) + struct.pack("!I", 120) + \
        bytes([1, 4, 255, 255, 255, 0, 3, 4]) + PEER4 + bytes([6, 4]) + PEER4 + b"\xff"
    return udp4(bootp + b"\x63\x82\x53\x63" + opts, dst=b"\xff" * 4, dmac=BCAST,
                sport=67, dport=68)


def seeds():
    mss_ws = struct.pack("!BBHBBBB", 2, 4, 1460, 1, 3, 3, 7)
    payload = bytes(range(64)) * 2
    d4 = udp(payload)
    d4 = with_csum(d4, 6, pseudo4(PEER4, GUEST4, 17, len(d4)))
    frag4 = [eth(GUEST_MAC, 0x0800, ipv4(17, d4[i:i + 48], ident=7, frag=(i // 8) |
                                         (0x2000 if i + 48 < len(d4) else 0)))
             for i in range(0, len(d4), 48)]
    d6 = udp6_datagram(payload)
    frag6 = []
    for i in range(0, len(d6), 72):
        more = 1 if i + 72 < len(d6) else 0
        fh = struct.pack("!BBHI", 17, 0, i | more, 0x1234)
        frag6.append(eth(GUEST_MAC, 0x86DD, ipv6(44, fh + d6[i:i + 72])))
    ra_body = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
    ra_body += struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 3600, 1800, 0,
                           bytes.fromhex("20010db8000000000000000000000000"))
    ra_body += struct.pack("!BBHI", 5, 1, 0, 1400) + struct.pack("!BB", 1, 1) + PEER_MAC
    ping = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
    ping = ping[:2] + struct.pack("!H", csum(ping)) + ping[4:]
    mld_query = struct.pack("!HH16s", 1000, 0, b"\0" * 16)
    return {
        "arp_request": [record(arp_request())],
        "tcp_syn": [record(arp_request()), record(tcp4(1000, 0, SYN, opts=mss_ws), MS256 | 40)],
        "tcp_echo": [record(arp_request())] + tcp_session(tcp4, mss_ws),
        "tcp_ooseq": [record(arp_request()), record(tcp4(1000, 0, SYN, opts=mss_ws)),
                      record(tcp4(1001, ISN + 1, ACK)),
                      record(tcp4(1011, ISN + 1, ACK | PSH, b"world\n")),
                      record(tcp4(1001, ISN + 1, ACK, b"0123456789"), MS16 | 10),
                      record(tcp4(1017, ISN + 1, ACK | FIN), ONE_S)],
        "udp_echo": [record(arp_request()), record(udp4(b"hello\n"))],
        "icmp_echo": [record(arp_request()), record(eth(GUEST_MAC, 0x0800, ipv4(1, ping)))],
        "ipv4_fragments": [record(arp_request())] +
                          [record(f, MS16 | 1) for f in reversed(frag4)],
        "ipv4_fragment_timeout": [record(arp_request()), record(frag4[0], MS4096 | 5)],
        "ipv6_ns": [record(neighbour_solicitation())],
        "ipv6_udp": [record(neighbour_solicitation()), record(eth(GUEST_MAC, 0x86DD,
                                                               ipv6(17, udp6_datagram(b"hi\n"))))],
        "ipv6_fragments": [record(neighbour_solicitation())] +
                          [record(f, MS16 | 1) for f in frag6],
        "ipv6_tcp_echo": [record(neighbour_solicitation())] + tcp_session(tcp6, mss_ws),
        "ipv6_ra": [record(icmp6(134, 0, ra_body, src=ROUTER_LL6, dst=ALL_NODES6,
                                 dmac=bytes.fromhex("333300000001")), MS4096 | 2)],
        "ipv6_ping": [record(neighbour_solicitation()),
                      record(icmp6(128, 0, struct.pack("!HH", 1, 1) + b"ping", hlim=64))],
        "mld_query": [record(icmp6(130, 0, mld_query, src=ROUTER_LL6, dst=ALL_NODES6,
                                   dmac=bytes.fromhex("333300000001"), hlim=1), MS4096 | 2)],
        "dhcp": [record(dhcp(2, bytes([10, 0, 0, 50])), ONE_S),
                 record(dhcp(5, bytes([10, 0, 0, 50])), MS4096 | 20)],
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "corpus", "net")
    os.makedirs(out, exist_ok=True)
    for name, records in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"".join(records))


if __name__ == "__main__":
    main()

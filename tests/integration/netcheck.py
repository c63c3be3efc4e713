#!/usr/bin/env python3
"""netcheck.py: the client side of the network tests, pointed at any address.

    netcheck.py COMMAND [ARGS...]

Each command talks to a server (examples/echo, examples/httpd, or its own
helpers), prints "ok"/"FAIL ..." as its last line and exits 0 on success.
Every wait is bounded. Commands:

  echo-stream HOST PORT MIB       MIB of random bytes through a TCP echo,
                                  sent and received at once; SHA-256 compared
  echo-many HOST PORT N           N concurrent connections, each echoes its
                                  own message
  echo-one HOST PORT              one short TCP echo
  udp HOST PORT N                 N datagrams echoed (each retried)
  reset HOST PORT                 sends 4 MiB, then closes with SO_LINGER 0
  noread HOST PORT N              N connections that send and never read,
                                  held 5 s, then closed
  http-pipeline HOST PORT PATH N  N GETs of PATH in one write, N answers
  http-keepalive HOST PORT PATH   two GETs on one connection
  http-status HOST PORT REQUEST STATUS
                                  a raw request (\\r\\n escapes) answered
                                  with STATUS
  line-server ADDR PORT           answers each line with "reply: LINE" (runs
                                  until killed)
  dns-server ADDR NAME IPV4       answers A queries for NAME (until killed)
  synflood IFACE DSTMAC SRCMAC DSTIP PORT N
                                  N TCP SYNs from spoofed addresses of the
                                  /24, through a packet socket
  malformed IFACE DSTMAC SRCMAC SRCIP DSTIP PORT
                                  broken frames: truncated and bad IP
                                  headers, bad TCP header lengths and
                                  checksums, fragment garbage, random bytes
"""
import asyncio
import hashlib
import os
import random
import socket
import struct
import sys
import threading
import time


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def connect(host, port, timeout=10):
    return socket.create_connection((host, int(port)), timeout=timeout)


def echo_stream(host, port, mib):
    total = int(mib) << 20
    data = os.urandom(total)
    want = hashlib.sha256(data).hexdigest()
    s = connect(host, port, 60)
    got = hashlib.sha256()
    received = 0

    def sender():
        view = memoryview(data)
        for off in range(0, total, 65536):
            s.sendall(view[off:off + 65536])
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    deadline = time.time() + 300
    while received < total and time.time() < deadline:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got.update(chunk)
        received += len(chunk)
    t.join(10)
    s.close()
    if received != total:
        fail("received %d of %d bytes" % (received, total))
    if got.hexdigest() != want:
        fail("SHA-256 differs")
    print("ok %d MiB echoed, sha256 %s" % (int(mib), want[:16]))


async def one_echo(host, port, i, results):
    msg = ("message %d %s\n" % (i, os.urandom(8).hex())).encode()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 60)
        w.write(msg)
        await w.drain()
        got = await asyncio.wait_for(r.readexactly(len(msg)), 60)
        w.close()
        results.append(got == msg)
    except Exception as e:  # counted as a failure below
        results.append(False)


def echo_many(host, port, n):
    n = int(n)
    results = []

    async def main():
        await asyncio.gather(*(one_echo(host, int(port), i, results) for i in range(n)))

    asyncio.run(asyncio.wait_for(main(), 180))
    good = sum(results)
    if good != n:
        fail("%d of %d connections echoed their message" % (good, n))
    print("ok %d connections echoed their own message" % n)


def echo_one(host, port):
    s = connect(host, port)
    msg = b"still serving " + os.urandom(4).hex().encode() + b"\n"
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        c = s.recv(4096)
        if not c:
            break
        got += c
    s.close()
    if got != msg:
        fail("echo returned %r" % got)
    print("ok echo answered")


def udp(host, port, n):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    for i in range(int(n)):
        msg = ("datagram %d %s" % (i, os.urandom(8).hex())).encode() * (1 + i % 20)
        for _ in range(5):
            s.sendto(msg, (host, int(port)))
            try:
                while True:
                    got, _ = s.recvfrom(65536)
                    if got == msg:
                        break
            except socket.timeout:
                continue
            break
        else:
            fail("datagram %d was not echoed in 5 tries" % i)
    print("ok %s datagrams echoed" % n)


def reset(host, port):
    s = connect(host, port)
    s.sendall(os.urandom(1 << 20))
    s.recv(1000)
    s.setblocking(False)
    try:
        for _ in range(3):
            s.send(os.urandom(1 << 20))
    except BlockingIOError:
        pass
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("ok connection reset mid-transfer")


def noread(host, port, n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, int(n) + 256)), hard))
    socks, failed = [], 0
    deadline = time.time() + 60
    blob = os.urandom(65536)
    for i in range(int(n)):
        if time.time() > deadline:
            break
        try:
            s = socket.create_connection((host, int(port)), timeout=2)
            s.setblocking(False)
            try:
                s.send(blob)
            except BlockingIOError:
                pass
            socks.append(s)
        except OSError:
            failed += 1
    time.sleep(5)
    for s in socks:
        s.close()
    print("ok %d connections sent and never read (%d refused or timed out)" % (len(socks), failed))


def http_read(s, buf):
    """one answer from the socket: (status, headers, body, rest)"""
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            fail("connection closed before an answer's head")
        buf += c
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    length = int(headers.get("content-length", "0"))
    while len(buf) < length:
        c = s.recv(65536)
        if not c:
            fail("connection closed inside a body")
        buf += c
    return status, headers, buf[:length], buf[length:]


def http_pipeline(host, port, path, n):
    s = connect(host, port)
    req = ("GET %s HTTP/1.1\r\nHost: test\r\n\r\n" % path).encode()
    s.sendall(req * int(n))
    buf, bodies = b"", []
    for i in range(int(n)):
        status, _, body, buf = http_read(s, buf)
        if status != 200:
            fail("answer %d: status %d" % (i, status))
        bodies.append(body)
    s.close()
    if len(set(bodies)) != 1:
        fail("the answers differ")
    print("ok %s pipelined requests answered in order" % n)


def http_keepalive(host, port, path):
    s = connect(host, port)
    buf = b""
    for i in range(2):
        s.sendall(("GET %s HTTP/1.1\r\nHost: test\r\n\r\n" % path).encode())
        status, headers, _, buf = http_read(s, buf)
        if status != 200 or headers.get("connection", "").lower() == "close":
            fail("request %d: status %d, connection %s" % (i, status, headers.get("connection")))
    s.close()
    print("ok two requests on one connection")


def http_status(host, port, request, status):
    s = connect(host, port)
    s.sendall(request.encode().decode("unicode_escape").encode("latin-1"))
    got, _, body, _ = http_read(s, b"")
    s.close()
    if got != int(status):
        fail("status %d, want %s" % (got, status))
    print("ok status %d" % got)


def line_server(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(16)
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        c.settimeout(30)
        f = c.makefile("rwb")
        try:
            line = f.readline()
            f.write(b"reply: " + line)
            f.flush()
        except OSError:
            pass
        c.close()


def dns_server(addr, name, ipv4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    want = name.lower().rstrip(".")
    print("listening", flush=True)
    while True:
        q, peer = s.recvfrom(512)
        if len(q) < 12:
            continue
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        # the question's name, type and class
        i, labels = 12, []
        while i < len(q) and q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        if i + 5 > len(q):
            continue
        qtype, = struct.unpack("!H", q[i + 1:i + 3])
        question = q[12:i + 5]
        hit = ".".join(labels).lower() == want
        answers = b""
        if hit and qtype == 1:
            answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ipv4)
        rcode = 0 if hit else 3
        head = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, 1 if answers else 0, 0, 0)
        s.sendto(head + question + answers, peer)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, ident=0, frag=0x4000, ihl=5, total=None, bad_sum=False, ttl=64):
    total = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(h) ^ (0x5555 if bad_sum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def tcp(src, dst, sport, dport, flags, seq=0, doff=5, bad_sum=False, payload=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(h) + len(payload))
    c = csum(pseudo + h + payload) ^ (0x1234 if bad_sum else 0)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def packet_socket(iface, dstmac, srcmac):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    eth = bytes.fromhex(dstmac.replace(":", "")) + bytes.fromhex(srcmac.replace(":", ""))
    return s, eth


def synflood(iface, dstmac, srcmac, dstip, port, n):
    s, eth = packet_socket(iface, dstmac, srcmac)
    net = dstip.rsplit(".", 1)[0]
    for i in range(int(n)):
        src = "%s.%d" % (net, 100 + i % 100)
        seg = tcp(src, dstip, 1024 + i % 60000, int(port), 0x02, seq=random.getrandbits(32))
        s.send(eth + b"\x08\x00" + ip4(src, dstip, 6, seg, ident=i & 0xffff))
        if i % 500 == 499:
            time.sleep(0.01)  # the tap's queue is finite; the SYNs still arrive in a burst
    print("ok %s SYNs sent" % n)


def malformed(iface, dstmac, srcmac, srcip, dstip, port):
    s, eth = packet_socket(iface, dstmac, srcmac)
    port = int(port)
    good = tcp(srcip, dstip, 40000, port, 0x02)
    frames = [
        ip4(srcip, dstip, 6, good)[:12],                     # truncated IP header
        ip4(srcip, dstip, 6, good, ihl=3),                   # header length below 20
        ip4(srcip, dstip, 6, good, ihl=15),                  # options past the end
        ip4(srcip, dstip, 6, good, total=2000),              # total length past the frame
        ip4(srcip, dstip, 6, good, total=10),                # total length below the header
        ip4(srcip, dstip, 6, good, bad_sum=True),            # bad IP checksum
        ip4(srcip, dstip, 6, tcp(srcip, dstip, 40001, port, 0x02, doff=2)),   # TCP header too short
        ip4(srcip, dstip, 6, tcp(srcip, dstip, 40002, port, 0x02, doff=15)),  # TCP header past the end
        ip4(srcip, dstip, 6, tcp(srcip, dstip, 40003, port, 0x02, bad_sum=True)),
        ip4(srcip, dstip, 6, tcp(srcip, dstip, 40004, port, 0x18, payload=b"x" * 100)[:10]),
        ip4(srcip, dstip, 6, tcp(srcip, dstip, 40005, port, 0xff)),          # every flag
        ip4(srcip, dstip, 17, b"\x00\x07\x00\x07\xff\xff\x00\x00abc"),       # UDP length lies
        ip4(srcip, dstip, 1, b"\x08"),                                        # truncated ICMP
        ip4(srcip, dstip, 1, b"\x08\x00\x00\x00" + os.urandom(1400)),        # ICMP, bad checksum
        ip4(srcip, dstip, 99, os.urandom(64)),                                # unknown protocol
        bytes([0x60]) + os.urandom(20),                                       # truncated IPv6 in IPv4 type
    ]
    # fragments: overlapping, past 64 KiB, tiny, never completed, each id
    for ident in range(1, 200):
        payload = os.urandom(64)
        frames.append(ip4(srcip, dstip, 17, payload, ident=ident, frag=0x2000 | (ident % 8)))
        frames.append(ip4(srcip, dstip, 17, payload, ident=ident, frag=0x2000 | 8190))
        frames.append(ip4(srcip, dstip, 6, payload[:8], ident=ident, frag=0x2000))
        frames.append(ip4(srcip, dstip, 6, payload[:8], ident=ident, frag=0x0001))
    for _ in range(300):
        frames.append(os.urandom(random.randint(1, 1500)))
    sent = 0
    for f in frames:
        for ethertype in (b"\x08\x00",):
            s.send(eth + ethertype + f)
            sent += 1
    for _ in range(100):  # garbage as IPv6 and ARP too
        s.send(eth + b"\x86\xdd" + os.urandom(random.randint(1, 200)))
        s.send(eth + b"\x08\x06" + os.urandom(random.randint(1, 60)))
        sent += 2
    print("ok %d malformed frames sent" % sent)


COMMANDS = {
    "echo-stream": echo_stream, "echo-many": echo_many, "echo-one": echo_one, "udp": udp,
    "reset": reset, "noread": noread, "http-pipeline": http_pipeline,
    "http-keepalive": http_keepalive, "http-status": http_status, "line-server": line_server,
    "dns-server": dns_server, "synflood": synflood, "malformed": malformed,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except TypeError as e:
        sys.stderr.write(__doc__)
        fail(str(e))
    except (OSError, asyncio.TimeoutError, ValueError) as e:
        fail("%s: %s" % (type(e).__name__, e))

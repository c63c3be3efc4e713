#!/usr/bin/env bash
# The network tests: examples/echo, examples/httpd and tests/guest/netclient
# booted with --net tap in a private namespace (tests/integration/netns.sh),
# the clients (tests/integration/netcheck.py, curl) in that namespace only.
# Prints TAP.
#
#   tests/integration/net.sh [--native]
#
# --native runs the same clients against the native builds of the same
# programs, in a second namespace behind a veth pair with the guest's
# addresses: it shows the tests themselves work where the guest cannot run
# them. Needs root (namespaces), python3 and curl; the flood tests need
# packet sockets. Every client is bounded in count and time.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/tap.sh
. tests/integration/netns.sh
RUN=toolchain/bin/unishyper-run
NC="python3 $PWD/tests/integration/netcheck.py"
mode=unishyper
[ "${1:-}" = --native ] && mode=native
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-net.XXXXXX")
chmod 755 $tmp
done_() { ns_cleanup; rm -rf "$tmp"; }

if [ "$(id -u)" != 0 ] || ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
	echo "ok # skip the network tests need root, curl and python3"
	exit 0
fi
ns_setup $( [ $mode = native ] && echo native) || { echo "not ok - cannot create the namespace"; exit 1; }
trap 'done_' EXIT
trap 'done_; exit 130' INT
trap 'done_; exit 143' TERM

if [ $mode = native ]; then
	gcc -O2 -Wall -o $tmp/netclient tests/guest/netclient.c
	for p in echo httpd; do
		[ -x build/examples/native/$p ] || { echo "not ok - build/examples/native/$p is missing (make)"; exit 1; }
	done
fi

# guest PROGRAM [unishyper-run options] [-- args]: starts the program as the
# guest (its image booted on the tap, or its native build)
guest() {
	local prog=$1 opts=() img
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	if [ $mode = native ]; then
		case $prog in
		netclient) ns_guest $tmp/$prog.log $tmp/netclient "$@" ;;
		*) ns_guest $tmp/$prog.log build/examples/native/$prog "$@" ;;
		esac
	else
		img=build/examples/$prog.img
		[ $prog = netclient ] && img=build/tests/netclient.img
		ns_guest $tmp/$prog.log $RUN $img --smp 2 --mem 256 --net tap=$NS_TAP \
			${opts[@]+"${opts[@]}"} -- "$@"
	fi
}
# nc_ok DESCRIPTION COMMAND...: a netcheck.py command inside the namespace
nc_ok() {
	local what=$1
	shift
	ns timeout 400 $NC "$@" >$tmp/nc.out 2>&1
	local rc=$?
	sed 's/^/# /' $tmp/nc.out | tail -n 3
	check "$what" test $rc = 0
}
still_echoes() { nc_ok "... and echo still answers after it" echo-one 10.0.0.2 7; }
guest_log() { sed 's/^/# guest: /' $tmp/$1.log | tail -n 20; }

# --- echo: TCP both ways, many clients, UDP, IPv6, then the abuse ---
guest echo --ip6 fd00::2/64 --verbose -- -p 7
if check "echo answers on 10.0.0.2:7" ns_wait_tcp 10.0.0.2 7; then
	[ $mode = native ] ||
		check "the tap's virtio-net offloads checksums and segmentation both ways (kernel log)" \
			grep -q 'virtio-net: .* csum guest-csum tso4 tso6 guest-tso' $tmp/echo.log
	nc_ok "16 MiB through TCP echo, SHA-256 equal" echo-stream 10.0.0.2 7 16
	nc_ok "500 concurrent connections each echo their own message" echo-many 10.0.0.2 7 500
	nc_ok "UDP echo of 200 datagrams" udp 10.0.0.2 7 200
	nc_ok "TCP echo over IPv6 (fd00::2)" echo-one fd00::2 7
	nc_ok "UDP echo over IPv6" udp fd00::2 7 20
	nc_ok "a peer that resets mid-transfer" reset 10.0.0.2 7
	still_echoes
	nc_ok "10000 SYNs from spoofed addresses" synflood $NS_TAP $NS_GUEST_MAC $NS_TAP_MAC 10.0.0.2 7 10000
	still_echoes
	nc_ok "malformed and truncated frames" malformed $NS_TAP $NS_GUEST_MAC $NS_TAP_MAC 10.0.0.1 10.0.0.2 7
	still_echoes
	nc_ok "2000 connections that send and never read" noread 10.0.0.2 7 2000
	still_echoes
	nc_ok "16 MiB again after all of it" echo-stream 10.0.0.2 7 16
else
	guest_log echo
fi
ns_guest_stop

# --- the PCI transport (q35), and two interfaces on two taps ---
if [ $mode = unishyper ]; then
	guest echo --machine q35 -- -p 7
	if check "echo on q35 (virtio-net over PCI) answers" ns_wait_tcp 10.0.0.2 7; then
		nc_ok "q35: 16 MiB through TCP echo" echo-stream 10.0.0.2 7 16
		nc_ok "q35: UDP echo" udp 10.0.0.2 7 50
	else
		guest_log echo
	fi
	ns_guest_stop
	ns ip tuntap add ushtap1 mode tap && ns ip addr add 10.1.0.1/24 dev ushtap1 &&
		ns ip link set ushtap1 up
	guest echo --net tap=ushtap1 --ip 10.0.0.2/24,10.1.0.2/24 -- -p 7
	if check "two interfaces: echo answers on 10.0.0.2" ns_wait_tcp 10.0.0.2 7; then
		nc_ok "... and on 10.1.0.2, the second tap" echo-one 10.1.0.2 7
	else
		guest_log echo
	fi
	ns_guest_stop
else
	echo "ok # skip q35 and two interfaces need the guest (not in --native mode)"
fi

# --- httpd: files from a folder (a read-only share in the guest) ---
www=$tmp/www
mkdir -p $www/dir
echo "small file" >$www/small.txt
echo "<p>index</p>" >$www/dir/index.html
head -c $((10 << 20)) /dev/urandom >$www/big.bin
chmod -R a+rX $www
root=$www
[ $mode = unishyper ] && root=/www
guest httpd --share $www:/www:ro -- -p 80 $root
url=http://10.0.0.2
if check "httpd answers on 10.0.0.2:80" ns_wait_tcp 10.0.0.2 80; then
	check "GET of a small file" bash -c "ip netns exec $NS curl -sf -m 60 $url/small.txt | grep -qx 'small file'"
	check "GET of a 10 MiB file, SHA-256 equal" bash -c \
		"[ \"\$(ip netns exec $NS curl -sf -m 300 $url/big.bin | sha256sum)\" = \"\$(sha256sum <$www/big.bin)\" ]"
	check "a folder answers with its index.html" \
		bash -c "ip netns exec $NS curl -sf -m 60 $url/dir/ | grep -q index"
	check "a missing file: 404" bash -c "[ \$(ip netns exec $NS curl -s -m 60 -o /dev/null -w '%{http_code}' $url/nope) = 404 ]"
	check "a path through ..: 400, nothing outside the root" bash -c \
		"[ \$(ip netns exec $NS curl -s -m 60 --path-as-is -o /dev/null -w '%{http_code}' $url/../../etc/passwd) = 400 ]"
	check "HEAD: the length, no body" bash -c \
		"ip netns exec $NS curl -sfI -m 60 $url/big.bin | grep -qi 'content-length: 10485760'"
	check "two requests on one connection (curl reuses it)" bash -c \
		"ip netns exec $NS curl -sv -m 60 $url/small.txt $url/small.txt 2>&1 >/dev/null | grep -q 'Re-using existing connection'"
	nc_ok "keep-alive: two requests, two answers, one connection" http-keepalive 10.0.0.2 80 /small.txt
	nc_ok "ten pipelined requests answered in order" http-pipeline 10.0.0.2 80 /small.txt 10
	nc_ok "another method: 405" http-status 10.0.0.2 80 'DELETE /small.txt HTTP/1.1\r\n\r\n' 405
	nc_ok "a request line longer than 8 KiB: 414" http-status 10.0.0.2 80 \
		"GET /$(head -c 9000 /dev/zero | tr '\0' a) HTTP/1.1\\r\\n\\r\\n" 414
	nc_ok "garbage: 400" http-status 10.0.0.2 80 'no http here\r\n\r\n' 400
	nc_ok "2000 connections that never read" noread 10.0.0.2 80 2000
	check "... and httpd still serves" bash -c "ip netns exec $NS curl -sf -m 60 $url/small.txt | grep -qx 'small file'"
else
	guest_log httpd
fi
ns_guest_stop

# --- nginx and redis from ports/ (unmodified Debian sources), each with
# its own serving checks (ports/*/test-net.sh) run in the namespace ---
# port_check PORT DESCRIPTION: runs ports/PORT/test-net.sh 10.0.0.2 there
port_check() {
	ns "ports/$1/test-net.sh" 10.0.0.2 >$tmp/$1-net.out 2>&1
	local rc=$?
	grep -v '^ok' $tmp/$1-net.out | sed 's/^/# /' | tail -n 5
	check "$2" test $rc = 0
}
if [ $mode = unishyper ]; then
	for p in nginx redis; do
		ports/$p/build.sh >$tmp/$p-build.out 2>&1 || { sed 's/^/# /' $tmp/$p-build.out | tail -n 5; }
	done
	guest_port() { ns_guest $tmp/$1.log $RUN "build/ports/$1/$2" --smp 2 --mem 256 \
		--net tap=$NS_TAP --disk "build/ports/$1/root.img:ro" -- "${@:3}"; }
	guest_port nginx nginx.img
	if check "nginx answers on 10.0.0.2:80" ns_wait_tcp 10.0.0.2 80; then
		port_check nginx "nginx: index, a 10 MiB file by hash, 404, keep-alive, pipelining"
		nc_ok "nginx: 2000 connections that never read" noread 10.0.0.2 80 2000
		port_check nginx "... and nginx still serves"
	else
		guest_log nginx
	fi
	ns_guest_stop
	guest_port redis redis-server.img /etc/redis/redis.conf
	if check "redis answers on 10.0.0.2:6379" ns_wait_tcp 10.0.0.2 6379; then
		port_check redis "redis: SET/GET/INCR/LPUSH/LRANGE, redis-benchmark -n 10000 without errors"
	else
		guest_log redis
	fi
	ns_guest_stop
else
	echo "ok # skip the ports serve from the guest (not in --native mode)"
fi

# --- the guest connects out: to a server here, by address and by name ---
ns python3 tests/integration/netcheck.py line-server 10.0.0.1 9000 >$tmp/line.log 2>&1 &
line_pid=$!
ns python3 tests/integration/netcheck.py dns-server 10.0.0.1 server.test 10.0.0.1 >$tmp/dns.log 2>&1 &
dns_pid=$!
for _ in $(seq 50); do grep -q listening $tmp/line.log && grep -q listening $tmp/dns.log && break; sleep 0.1; done
guest netclient -- 10.0.0.1 9000 "from the guest"
for _ in $(seq 120); do kill -0 $NS_GUEST_PID 2>/dev/null || break; sleep 1; done
check "the guest connects to 10.0.0.1:9000 and reads the reply" grep -qx "reply: from the guest" $tmp/netclient.log ||
	guest_log netclient
guest netclient --dns 10.0.0.1 --hostname guest-one -- server.test 9000 "by name"
for _ in $(seq 120); do kill -0 $NS_GUEST_PID 2>/dev/null || break; sleep 1; done
check "getaddrinfo through --dns 10.0.0.1 finds server.test" \
	bash -c "grep -qx 'resolved server.test to 10.0.0.1' $tmp/netclient.log && grep -qx 'reply: by name' $tmp/netclient.log" ||
	guest_log netclient
[ $mode = unishyper ] && check "--hostname: gethostname answers guest-one" grep -qx "hostname guest-one" $tmp/netclient.log
kill $line_pid $dns_pid 2>/dev/null
wait $line_pid $dns_pid 2>/dev/null
ns_guest_stop

# --- QEMU's user network, reached from the host's loopback (the only test
# that leaves the namespace) ---
if [ $mode = unishyper ]; then
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	timeout 300 $RUN build/examples/echo.img --net user,hostfwd=tcp:127.0.0.1:$port-:7 -- -p 7 \
		>$tmp/user.log 2>&1 </dev/null &
	user_pid=$!
	ok=1
	for _ in $(seq 120); do
		timeout 10 $NC echo-one 127.0.0.1 $port >$tmp/nc.out 2>&1 && { ok=0; break; }
		kill -0 $user_pid 2>/dev/null || break
		sleep 1
	done
	check "--net user,hostfwd: echo reached from 127.0.0.1:$port" test $ok = 0 || sed 's/^/# /' $tmp/user.log
	kill $user_pid 2>/dev/null
	wait $user_pid 2>/dev/null || : # its status (143, or 125 when QEMU took the signal first) is not the test's
else
	echo "ok # skip --net user needs the guest (not in --native mode)"
fi

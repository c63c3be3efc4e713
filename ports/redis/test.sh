#!/bin/sh
# Tests the redis port: builds it with ports/redis/build.sh (a finished
# build is reused), boots the image for what needs no network, and runs
# ports/redis/test-net.sh against the native build on the host's loopback,
# which checks the serving checks themselves, then against the image run as
# a host command on the host's loopback. Prints TAP; exits 0 only when
# every check passes (ports/redis/suite.sh runs redis's own suite).
#
# usage: ports/redis/test.sh [OUTDIR]   (default build/ports/redis)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/redis}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1
img=$out/redis-server.img
native=$out/native/redis-server

port=redis guest_timeout=60
. "$top/ports/tap.sh"

version='^Redis server v=7\.0\.15 sha=00000000:0 malloc=libc bits=64 build=[0-9a-f]*$'

echo "1..6"

start=$(date +%s)
if ! "$top/ports/redis/build.sh" "$out" >"$tmp/build.err" 2>&1; then
	echo "not ok 1 - builds the image and the native program"
	sed 's/^/# /' "$tmp/build.err"
	echo "Bail out! the build failed"
	exit 1
fi
secs=$(($(date +%s) - start))
ok=0
readelf -n "$img" 2>/dev/null | grep -q Xen || ok=1
file "$native" | grep -q 'statically linked' || ok=1
check $ok "builds redis-server.img (a PVH image) and native/redis-server (static) (${secs}s)"

guest -- --version
ok=0
[ "$(wc -l <"$tmp/out")" = 1 ] && grep -q "$version" "$tmp/out" && [ "$rc" = 0 ] || ok=1
check $ok "redis-server --version prints \"Redis server v=7.0.15 ... malloc=libc\" and exits 0 (status $rc)"

# The configuration comes from the FAT disk; with --port 0 the server has
# nothing to listen on and stops right after initialising (no sockets are
# needed for that, before or after the guest has them).
guest --disk "$out/root.img:ro" -- /etc/redis/redis.conf --port 0
ok=0
grep -q '# Configuration loaded$' "$tmp/out" &&
	grep -q '# Configured to not listen anywhere, exiting\.$' "$tmp/out" && [ "$rc" = 1 ] || ok=1
check $ok "redis-server /etc/redis/redis.conf --port 0 loads the disk's configuration, initialises, exits 1 (status $rc)"

"$native" --version >"$tmp/out" 2>"$tmp/err"
rc=$?
ok=0
grep -q "$version" "$tmp/out" && [ "$rc" = 0 ] || ok=1
check $ok "native redis-server --version prints the same version (status $rc)"

# serves WHAT PROGRAM ...: the program (the native build, or the image run
# as a host command, which asks unishyper-run for --host-net as it uses
# sockets) serves on a free port of the host's loopback with
# ports/redis/redis.conf, and test-net.sh passes against it.
serves() {
	what=$1
	shift
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$@" "$top/ports/redis/redis.conf" --bind 127.0.0.1 --port "$port" --dir "$tmp" \
		</dev/null >"$tmp/server.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 600 ] && [ "$(redis-cli -p "$port" PING 2>/dev/null)" != PONG ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$top/ports/redis/test-net.sh" 127.0.0.1 "$port" >"$tmp/net" 2>&1
	rc=$?
	ok=0
	[ "$rc" = 0 ] || { ok=1; sed 's/^/# log: /' "$tmp/server.log" | tail -n 20; }
	sed 's/^/# /' "$tmp/net"
	check $ok "test-net.sh against $what on 127.0.0.1:$port (status $rc)"
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
}
serves "the native build" "$native"
serves "the image as a host command" "$img"

[ "$failed" = 0 ]

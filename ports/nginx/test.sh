#!/bin/sh
# Tests the nginx port: builds it with ports/nginx/build.sh (a finished
# build is reused), boots the image for what needs no network, and runs
# ports/nginx/test-net.sh against the native build of the same
# configuration on the host's loopback, which checks the serving checks
# themselves. Prints TAP; exits 0 only when every check passes.
#
# usage: ports/nginx/test.sh [OUTDIR]   (default build/ports/nginx)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/nginx}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1
img=$out/nginx.img
native=$out/native/nginx

port=nginx guest_timeout=60
. "$top/ports/tap.sh"

echo "1..5"

start=$(date +%s)
if ! "$top/ports/nginx/build.sh" "$out" >"$tmp/build.err" 2>&1; then
	echo "not ok 1 - builds the image and the native program"
	sed 's/^/# /' "$tmp/build.err"
	echo "Bail out! the build failed"
	exit 1
fi
secs=$(($(date +%s) - start))
ok=0
readelf -n "$img" 2>/dev/null | grep -q Xen || ok=1
file "$native" | grep -q 'statically linked' || ok=1
check $ok "builds nginx.img (a PVH image) and native/nginx (static) (${secs}s)"

guest -- -v
ok=0
[ "$(cat "$tmp/err")" = "nginx version: nginx/1.22.1" ] && [ ! -s "$tmp/out" ] && [ "$rc" = 0 ] || ok=1
check $ok "nginx -v prints \"nginx version: nginx/1.22.1\" and exits 0 (status $rc)"

# The configuration is read from the FAT disk (its /etc/nginx). The check
# does not look further: until the guest has sockets, nginx -t then fails
# to open its listening socket.
guest --disk "$out/root.img:ro" -- -t
ok=0
grep -qx 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok' "$tmp/err" || ok=1
check $ok "nginx -t reads /etc/nginx/nginx.conf from root.img: syntax is ok"

"$native" -v >"$tmp/out" 2>"$tmp/err"
rc=$?
ok=0
[ "$(cat "$tmp/err")" = "nginx version: nginx/1.22.1" ] && [ "$rc" = 0 ] || ok=1
check $ok "native nginx -v prints the same version (status $rc)"

# The native build serves the disk's folder on a free loopback port with
# ports/nginx/nginx.conf, its paths moved into a temporary prefix.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/prefix"
cp "$out/root/etc/nginx/mime.types" "$tmp/prefix/"
sed -e "s|/tmp/|$tmp/prefix/|" -e "s|listen 80;|listen 127.0.0.1:$port;|" \
	-e "s|root /srv/www;|root $out/root/srv/www;|" "$top/ports/nginx/nginx.conf" >"$tmp/prefix/nginx.conf"
"$native" -p "$tmp/prefix/" -c "$tmp/prefix/nginx.conf" </dev/null >"$tmp/native.log" 2>&1 &
pid=$!
i=0
while [ $i -lt 50 ] && ! curl -s -o /dev/null "http://127.0.0.1:$port/"; do
	sleep 0.1
	i=$((i + 1))
done
"$top/ports/nginx/test-net.sh" 127.0.0.1 "$port" "$out/root" >"$tmp/net" 2>&1
rc=$?
ok=0
[ "$rc" = 0 ] || ok=1
sed 's/^/# /' "$tmp/net"
check $ok "test-net.sh against the native build on 127.0.0.1:$port (status $rc)"
kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
pid=

[ "$failed" = 0 ]

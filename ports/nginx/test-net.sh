#!/bin/sh
# Checks an nginx of this port that is serving at ADDR:PORT: the guest
# booted with build/ports/nginx/root.img as its root, or the native build
# run against the same folder (ports/nginx/test.sh does that on the host's
# loopback). The documents are compared with ROOT/srv/www, the folder the
# disk was made from. Needs curl and socat. Prints TAP; exits 0 only when
# every check passes.
#
# usage: ports/nginx/test-net.sh ADDR [PORT] [ROOT]
#   PORT  default 80
#   ROOT  default build/ports/nginx/root
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 ADDR [PORT] [ROOT]" >&2; exit 2; }
addr=$1
port=${2:-80}
www=${3:-$top/build/ports/nginx/root}/srv/www
case "$addr" in
*:*) url="http://[$addr]:$port" sock="TCP:[$addr]:$port" ;;
*) url="http://$addr:$port" sock="TCP:$addr:$port" ;;
esac
for t in curl socat sha256sum; do
	command -v $t >/dev/null || { echo "Bail out! $t is missing (toolchain/deps.sh)"; exit 1; }
done
[ -f "$www/big.bin" ] || { echo "Bail out! $www/big.bin is missing: run ports/nginx/build.sh"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nginx-net.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

. "$top/ports/check.sh"

curl_() {
	curl --silent --show-error --max-time 60 "$@" 2>"$tmp/err"
}

echo "1..5"

code=$(curl_ -o "$tmp/index" -w '%{http_code}' "$url/")
ok=0
[ "$code" = 200 ] && cmp -s "$tmp/index" "$www/index.html" || ok=1
check $ok "GET / is index.html, status 200 (status $code)"

: >"$tmp/big"
code=$(curl_ -o "$tmp/big" -w '%{http_code}' "$url/big.bin")
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/big" | cut -d' ' -f1)
ok=0
[ "$code" = 200 ] && [ "$got" = "$want" ] || ok=1
check $ok "GET /big.bin: 10 MiB with the sha256 of the file on the disk (status $code)"

code=$(curl_ -o /dev/null -w '%{http_code}' "$url/no-such-file")
ok=0
[ "$code" = 404 ] || ok=1
check $ok "GET /no-such-file is 404 (status $code)"

# Two requests in one curl: the second reuses the connection (keep-alive),
# so it opens no new one.
conns=$(curl_ -o /dev/null -o /dev/null -w '%{http_code}:%{num_connects} ' \
	"$url/index.html" "$url/index.html")
ok=0
[ "$conns" = "200:1 200:0 " ] || ok=1
check $ok "keep-alive: two requests, one connection (status:new connections = $conns)"

# Pipelining: both requests leave before any answer comes back; nginx
# answers them in order on the one connection and closes after the second.
printf 'GET /index.html HTTP/1.1\r\nHost: t\r\n\r\nGET /no-such-file HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' |
	socat -t 30 -T 30 - "$sock" >"$tmp/pipe" 2>"$tmp/err"
status=$(grep -a '^HTTP/1.1 ' "$tmp/pipe" | tr -d '\r' | cut -d' ' -f2 | tr '\n' ' ')
ok=0
[ "$status" = "200 404 " ] && grep -aq 'nginx on Unishyper' "$tmp/pipe" || ok=1
check $ok "pipelined GET /index.html and GET /no-such-file on one connection: answered in order ($status)"

[ "$failed" = 0 ]

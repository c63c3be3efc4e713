#!/bin/sh
# Checks a redis-server of this port that is serving at ADDR:PORT: the
# guest booted with build/ports/redis/root.img as its root, or the native
# build (ports/redis/test.sh runs it on the host's loopback). Uses Debian's
# redis-cli and redis-benchmark (redis-tools). The keys it writes start
# with "unishyper-test:"; redis-benchmark adds its own (key:__rand_int__,
# mylist, ...), so point it at a server whose data does not matter. Prints
# TAP; exits 0 only when every check passes.
#
# usage: ports/redis/test-net.sh ADDR [PORT]   (PORT default 6379)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 ADDR [PORT]" >&2; exit 2; }
addr=$1
port=${2:-6379}
for t in redis-cli redis-benchmark; do
	command -v $t >/dev/null || { echo "Bail out! $t is missing (redis-tools, toolchain/deps.sh)"; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/redis-net.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

. "$top/ports/check.sh"

# cli ARGS...: one redis-cli command; its reply on standard output, one
# line per element.
cli() {
	redis-cli -h "$addr" -p "$port" "$@" 2>>"$tmp/err"
}

k=unishyper-test
echo "1..6"

got=$(cli PING)
ok=0
[ "$got" = PONG ] || ok=1
check $ok "PING is PONG ($got)"

cli DEL "$k:str" "$k:n" "$k:list" >/dev/null
got=$(cli SET "$k:str" "hello world"):$(cli GET "$k:str")
ok=0
[ "$got" = "OK:hello world" ] || ok=1
check $ok "SET then GET gives the value back ($got)"

got=$(cli INCR "$k:n"),$(cli INCR "$k:n"),$(cli INCRBY "$k:n" 40)
ok=0
[ "$got" = "1,2,42" ] || ok=1
check $ok "INCR, INCR, INCRBY 40 count 1, 2, 42 ($got)"

got=$(cli LPUSH "$k:list" a b c):$(cli LRANGE "$k:list" 0 -1 | tr '\n' ' ')
ok=0
[ "$got" = "3:c b a " ] || ok=1
check $ok "LPUSH a b c then LRANGE 0 -1 gives c b a ($got)"

got=$(cli DEL "$k:str" "$k:n" "$k:list")
ok=0
[ "$got" = 3 ] || ok=1
check $ok "DEL removes the three keys ($got)"

# -q prints one "TEST: N requests per second" per test (after progress
# lines ended by carriage returns); a failed command prints an error.
# Only against a server that answered: redis-benchmark waits for one.
if [ "$(cli PING)" = PONG ]; then
	timeout 600 redis-benchmark -h "$addr" -p "$port" -q -n 10000 >"$tmp/bench" 2>&1
	rc=$?
else
	echo "no PONG from $addr:$port" >"$tmp/bench"
	rc=1
fi
tr '\r' '\n' <"$tmp/bench" | grep -a 'requests per second' >"$tmp/results"
tests=$(wc -l <"$tmp/results")
ok=0
[ "$rc" = 0 ] && [ "$tests" -ge 10 ] && ! grep -aqi 'error' "$tmp/bench" || ok=1
[ "$ok" = 0 ] || tr '\r' '\n' <"$tmp/bench" | grep -av 'requests per second' | grep -a . >"$tmp/err"
sed 's/^/# /' "$tmp/results"
check $ok "redis-benchmark -q -n 10000: $tests tests, no errors (status $rc)"

[ "$failed" = 0 ]

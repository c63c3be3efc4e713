#!/bin/sh
# Runs redis's own test suite (tests/test_helper.tcl in Debian's source,
# Tcl) twice: in the native build's tree and in the image build's, where
# src/redis-server is the image and runs as a host command, its listeners on
# the host's loopback as the suite expects (unishyper-run --host-net). Each
# unit runs on its own (runtest ends a whole run at a unit's exception), one
# client at a time, each test stopped after 3 minutes and each unit after
# 30. The clients the suite calls (src/redis-cli, src/redis-benchmark) are
# Debian's redis-tools, the same for both; src/redis-check-aof and
# src/redis-check-rdb are redis-server under those names, as in a full
# build. Unishyper must pass at least 95 % of what the native build passes.
# Prints TAP, a suite_result line for docs/ports.md and the failing tests
# (build/ports/redis/suite/*.log keep every unit's output).
#
# usage: ports/redis/suite.sh [OUTDIR] [UNIT...]   (default build/ports/redis,
#                                                   every unit below)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/redis}
[ $# -gt 0 ] && shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/redis-suite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"

# The units of test_helper.tcl's all_tests under tests/unit, in its order:
# the commands, data types, scripting, ACLs, clients and limits. The
# integration units (replication, psync, AOF and RDB loading, redis-cli
# and redis-benchmark against replicas) are left out: they take most of
# the suite's hour natively, and nearly every one starts replicas, whose
# full sync is diskless by default: the server's fork child writes the
# data into a pipe and waits until the parent has sent it on, which a
# child that runs while its parent waits cannot (docs/architecture.md).
units=${*:-"unit/printver unit/dump unit/auth unit/protocol unit/keyspace unit/scan unit/info
unit/info-command unit/type/string unit/type/incr unit/type/list unit/type/list-2 unit/type/list-3
unit/type/set unit/type/zset unit/type/hash unit/type/stream unit/type/stream-cgroups unit/sort
unit/expire unit/other unit/multi unit/quit unit/aofrw unit/acl unit/acl-v2 unit/latency-monitor
unit/pubsub unit/pubsubshard unit/slowlog unit/scripting unit/functions unit/maxmemory
unit/introspection unit/introspection-2 unit/limits unit/obuf-limits unit/bitops unit/bitfield
unit/geo unit/memefficiency unit/hyperloglog unit/lazyfree unit/wait unit/pause unit/querybuf
unit/pendingquerybuf unit/tls unit/tracking unit/oom-score-adj unit/shutdown unit/networking
unit/cluster unit/client-eviction unit/violations unit/replybufsize unit/cluster-scripting
unit/cluster/misc unit/cluster/links"}

echo "1..3"
if ! "$top/ports/redis/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds redis-server.img and native/redis-server"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
check 0 "builds redis-server.img and native/redis-server"
logs=$out/suite
rm -rf "$logs"
mkdir -p "$logs"

# suite TREE NAME: runs every unit in TREE; sets pass and total (distinct
# test names: a few names repeat within a unit) and secs, and writes
# NAME.results (one line per test: ok|err|exception UNIT: NAME).
suite() {
	start=$(date +%s)
	for tool in redis-cli redis-benchmark; do
		ln -sf "/usr/bin/$tool" "$1/src/$tool"
	done
	for tool in redis-check-aof redis-check-rdb; do
		ln -sf redis-server "$1/src/$tool"
	done
	: >"$logs/$2.results"
	for u in $units; do
		log=$logs/$2-$(echo "$u" | tr / -).log
		(cd "$1" && timeout 1800 ./runtest --single "$u" --clients 1 --timeout 180) \
			</dev/null >"$log" 2>&1
		# Without colours and timings: "ok UNIT: NAME".
		sed 's/\x1b\[[0-9;]*m//g' "$log" |
			sed -n "s#^\[\(ok\|err\|exception\)\]: \(.*\)#\1 $u: \2#p" |
			sed 's/ ([0-9]* ms)$//' >>"$logs/$2.results"
		grep -q 'The End' "$log" ||
			echo "exception $u: the unit did not run to its end" >>"$logs/$2.results"
	done
	pass=$(sed -n 's/^ok //p' "$logs/$2.results" | sort -u | grep -c '')
	total=$(sed 's/^[a-z]* //' "$logs/$2.results" | sort -u | grep -c '')
	secs=$(($(date +%s) - start))
}

suite "$out/native/redis-7.0.15" native
npass=$pass ntotal=$total nsecs=$secs
[ "$npass" -gt 0 ]
check $? "redis's suite natively: $npass of $ntotal tests pass in $nsecs s"
suite "$out/redis-7.0.15" image
# A test is counted once, by its name in its unit: what the image passes
# among the tests the native run knows (a unit that stopped early lists
# fewer).
sed -n 's/^ok //p' "$logs/native.results" | sort -u >"$tmp/native-ok"
sed -n 's/^ok //p' "$logs/image.results" | sort -u >"$tmp/image-ok"
pass=$(comm -12 "$tmp/native-ok" "$tmp/image-ok" | grep -c '')
comm -23 "$tmp/native-ok" "$tmp/image-ok" >"$logs/failing"
sed 's/^/# fails with the image: /' "$logs/failing" | head -n 200
[ "$pass" -gt 0 ] && [ $((pass * 100)) -ge $((npass * 95)) ]
check $? "redis's suite with the image: $pass of the $npass tests that pass natively pass in $secs s ($(grep -c '' "$logs/failing") fail; build/ports/redis/suite/failing)"
suite_result "$npass" "$pass" "$ntotal" "$nsecs" "$secs"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# The network soak, run by make soak (alone: SOAK=net make soak):
# tests/soak/netsoak.c - examples/echo and examples/httpd in one guest that
# prints its free memory every 5 s - booted with --net tap in a private
# namespace (tests/integration/netns.sh) and driven for SOAK_MINUTES (10)
# minutes by a bounded load: wrk against httpd (one thread, 8 keep-alive
# connections; curl in a loop where wrk is missing) and at the same time
# the netcheck.py clients against echo, round after round (one TCP echo
# over IPv4 and IPv6, 32 concurrent connections, 1 MiB streamed, 20 UDP
# datagrams). Every client error counts, and there must be none.
#
# Memory: the guest's free memory after a warm-up (the first quarter of
# the time, at most a minute) and at the end, each read after 12 s
# without load (the connections the clients closed are gone by then: the
# clients close first, so the guest keeps none in TIME-WAIT). The end
# must be within SLACK_PCT (2) percent of the warm-up figure. Prints TAP
# lines and the figures as comments.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/netns.sh

MINUTES=${SOAK_MINUTES:-10}
SLACK_PCT=${SLACK_PCT:-2}
MEM=256 # MiB, as the network tests give the guest
UCC=toolchain/bin/unishyper-gcc
NC="python3 $PWD/tests/integration/netcheck.py"
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || { echo "soak: SOAK_MINUTES: a whole number of minutes, not '$MINUTES'" >&2; exit 2; }
total=$((MINUTES * 60))
warmup=$((total / 4 < 60 ? total / 4 : 60))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-netsoak.XXXXXX")
done_() { ns_cleanup; rm -rf "$tmp"; }

if [ "$(id -u)" != 0 ] || ! command -v python3 >/dev/null || ! command -v curl >/dev/null; then
	echo "ok # skip the network soak needs root, python3 and curl"
	exit 0
fi

img=build/tests/netsoak.img
mkdir -p build/tests
if $UCC -O2 -Wall -Dmain=echo_main -c -o build/tests/netsoak-echo.o examples/echo/main.c &&
	$UCC -O2 -Wall -Dmain=httpd_main -c -o build/tests/netsoak-httpd.o examples/httpd/main.c &&
	$UCC -O2 -Wall -o $img tests/soak/netsoak.c build/tests/netsoak-echo.o build/tests/netsoak-httpd.o; then
	echo "ok - builds netsoak"
else
	echo "not ok - builds netsoak"
	exit 1
fi

ns_setup || { echo "not ok - cannot create the namespace"; exit 1; }
trap 'done_' EXIT
trap 'done_; exit 130' INT
trap 'done_; exit 143' TERM
NS_TIMEOUT=$((total + 300))
ns_guest $tmp/guest.log toolchain/bin/unishyper-run $img --smp 2 --mem $MEM --net tap=$NS_TAP --ip6 fd00::2/64 -- 5
if ns_wait_tcp 10.0.0.2 7 && ns_wait_tcp 10.0.0.2 80; then
	echo "ok - netsoak answers on 10.0.0.2 ports 7 and 80"
else
	echo "not ok - netsoak answers on 10.0.0.2 ports 7 and 80"
	sed 's/^/# guest: /' $tmp/guest.log | tail -n 20
	exit 1
fi

http_requests=0 http_errors=0 echo_runs=0 echo_errors=0
url=http://10.0.0.2/index.html

# One round of the echo clients; counts runs and errors.
echo_round() {
	local c
	for c in "echo-one 10.0.0.2 7" "echo-one fd00::2 7" "echo-many 10.0.0.2 7 32" \
		"echo-stream 10.0.0.2 7 1" "udp 10.0.0.2 7 20"; do
		echo_runs=$((echo_runs + 1))
		if ! ns timeout 120 $NC $c >$tmp/nc.out 2>&1; then
			echo_errors=$((echo_errors + 1))
			echo "# echo client failed: $c: $(tail -n 1 $tmp/nc.out)"
		fi
	done
}

# load SECONDS: httpd and echo driven at once for about SECONDS seconds.
load() {
	local secs=$1 end=$((SECONDS + $1)) pid n
	if command -v wrk >/dev/null; then
		ns wrk -t1 -c8 -d${secs}s --timeout 10s $url >$tmp/wrk.out 2>&1 &
	else
		ns bash -c "n=0 e=0; while [ \$SECONDS -lt $secs ]; do
			curl -sf -m 10 -o /dev/null $url || e=\$((e + 1)); n=\$((n + 1)); done
			echo \"\$n requests in curl\"; [ \$e = 0 ] || echo \"Socket errors: connect \$e\"" \
			>$tmp/wrk.out 2>&1 &
	fi
	pid=$!
	while [ $SECONDS -lt $end ] && kill -0 "$NS_GUEST_PID" 2>/dev/null; do
		echo_round
	done
	wait $pid || http_errors=$((http_errors + 1))
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' $tmp/wrk.out)
	[ -n "$n" ] || { http_errors=$((http_errors + 1)); sed 's/^/# wrk: /' $tmp/wrk.out; }
	http_requests=$((http_requests + ${n:-0}))
	# wrk: "Socket errors: connect A, read B, write C, timeout D" and
	# "Non-2xx or 3xx responses: E" only when there were any.
	n=$(grep -oE '(connect|read|write|timeout) [0-9]+|responses: [0-9]+' $tmp/wrk.out |
		awk '{ s += $2 } END { print s + 0 }')
	http_errors=$((http_errors + n))
	[ "$n" = 0 ] || grep -E 'Socket errors|Non-2xx' $tmp/wrk.out | sed 's/^/# wrk: /'
}

# The free memory the guest reports after 12 s without load (KiB).
free_after_idle() {
	sleep 12
	sed -n 's/^netsoak: free \([0-9]*\).*/\1/p' $tmp/guest.log | tail -n 1
}

echo "# $MINUTES min: warm-up $warmup s, then $((total - warmup)) s of load; --mem $MEM --smp 2"
start_free=$(sed -n 's/^netsoak: free \([0-9]*\).*/\1/p' $tmp/guest.log | head -n 1)
load $warmup
base=$(free_after_idle)
load $((total - warmup))
end=$(free_after_idle)

if [ $http_errors = 0 ] && [ $http_requests -gt 0 ]; then
	echo "ok - httpd: $http_requests requests, no errors"
else
	echo "not ok - httpd: $http_requests requests, $http_errors errors"
fi
if [ $echo_errors = 0 ]; then
	echo "ok - echo: $echo_runs client runs, no errors"
else
	echo "not ok - echo: $echo_runs client runs, $echo_errors failed"
fi
echo "# free memory (KiB): $start_free at boot, $base after warm-up, $end at the end"
if [ -n "$base" ] && [ -n "$end" ] && [ $((end * 100)) -ge $((base * (100 - SLACK_PCT))) ]; then
	echo "ok - free memory flat: $end KiB at the end, $((end - base)) KiB from the warm-up's $base"
else
	echo "not ok - free memory flat: ${end:-?} KiB at the end, ${base:-?} after the warm-up (${SLACK_PCT}% allowed)"
fi
if kill -0 "$NS_GUEST_PID" 2>/dev/null; then
	echo "ok - netsoak still runs"
else
	echo "not ok - netsoak still runs"
	sed 's/^/# guest: /' $tmp/guest.log | grep -v 'netsoak: free' | tail -n 20
fi

# bench/hostnet.sh - section (s) of `make bench`: a server on the host's
# loopback, sourced by bench/run.sh (which provides B, L, TOP, log, ratio
# and CMDLINES). redis-server natively and the redis image executed as a
# host command (its listener forwarded from the host's 127.0.0.1 by
# unishyper-supervise's relay, kernel/net/hostnet.c), one after the other
# in the same run, each started with ports/redis/redis.conf on a free
# loopback port: the time from the launch to the first PONG, then
# redis-benchmark GET and SET (50 connections, and 16 requests pipelined
# per connection) against it. The redis port must have been built (make
# port NAME=redis). Environment: BENCH_HOSTNET_REQUESTS (requests per
# test, 20000).

HOSTNET_REQUESTS="${BENCH_HOSTNET_REQUESTS:-20000}"
declare -A HOSTNET_CMD=([native]="$TOP/build/ports/redis/native/redis-server"
	[image]="$TOP/build/ports/redis/redis-server.img")
HOSTNET_SKIP=

# hostnet_one PEER: one launch of PEER's redis-server, its figures in
# $L/hostnet-PEER.txt ("ready MS", then "GET-P1 RPS P50" ... lines).
hostnet_one() {
	local peer=$1 port pid t0 t1 p
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	CMDLINES["s-$peer"]="${HOSTNET_CMD[$peer]} ports/redis/redis.conf --bind 127.0.0.1 --port PORT --dir build/bench"
	t0=${EPOCHREALTIME//[!0-9]/}
	"${HOSTNET_CMD[$peer]}" "$TOP/ports/redis/redis.conf" --bind 127.0.0.1 --port "$port" --dir "$B" \
		</dev/null >"$L/hostnet-$peer.log" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		[ "$(redis-cli -p "$port" PING 2>/dev/null)" = PONG ] && break
		sleep 0.01
	done
	t1=${EPOCHREALTIME//[!0-9]/}
	echo "ready $(((t1 - t0) / 1000))" >"$L/hostnet-$peer.txt"
	for p in 1 16; do
		timeout 300 redis-benchmark -p "$port" -c 50 -n "$HOSTNET_REQUESTS" -P "$p" -t get,set --csv \
			>"$L/hostnet-$peer-P$p.csv" 2>&1 || :
		tr -d '"' <"$L/hostnet-$peer-P$p.csv" | awk -F, -v p="$p" '$1 == "SET" || $1 == "GET" {
			printf "%s-P%s %.0f %s\n", $1, p, $2, $5 }' >>"$L/hostnet-$peer.txt"
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || :
}

hostnet_run() {
	local peer
	rm -f "$L"/hostnet-*
	[ -x "${HOSTNET_CMD[native]}" ] && [ -x "${HOSTNET_CMD[image]}" ] ||
		HOSTNET_SKIP="no build in build/ports/redis (make port NAME=redis)"
	command -v redis-benchmark >/dev/null || HOSTNET_SKIP="redis-benchmark is missing (redis-tools)"
	[ -z "$HOSTNET_SKIP" ] || { log "(s) skipped: $HOSTNET_SKIP"; return 0; }
	for peer in native image; do
		log "(s) redis-server on the host's loopback: $peer"
		hostnet_one "$peer"
	done
}

# hostnet_get PEER KEY [FIELD]: a figure of hostnet_one's file ("-" if none).
hostnet_get() {
	awk -v k="$2" -v f="${3:-2}" '$1 == k { print $f; found = 1 } END { if (!found) print "-" }' \
		"$L/hostnet-$1.txt" 2>/dev/null || echo -
}

hostnet_report() {
	local k n i
	echo "## (s) A server on the host's loopback"
	echo
	if [ -n "$HOSTNET_SKIP" ]; then
		echo "Not measured: $HOSTNET_SKIP."
		echo
		return
	fi
	echo "redis-server (ports/redis) with ports/redis/redis.conf on a free port of 127.0.0.1: natively,"
	echo "and the image executed as a host command, whose listener the launcher forwards from the"
	echo "host's loopback (unishyper-supervise accepts and relays each connection into QEMU's user"
	echo "network). redis-benchmark on the host, 50 connections, $HOSTNET_REQUESTS requests per test,"
	echo "without and with 16 requests pipelined; \"ready\" is the wall clock from the launch to the"
	echo "first PONG. One launch each, in the same run."
	echo
	echo "| figure | native | image as a host command | image ÷ native |"
	echo "|---|---:|---:|---:|"
	n=$(hostnet_get native ready) i=$(hostnet_get image ready)
	echo "| ready (ms) | $n | $i | $(ratio "$i" "$n" 1) |"
	for k in GET-P1 SET-P1 GET-P16 SET-P16; do
		n=$(hostnet_get native "$k") i=$(hostnet_get image "$k")
		echo "| $k requests/s (p50 ms native / image: $(hostnet_get native "$k" 3) / $(hostnet_get image "$k" 3)) | $n | $i | $(ratio "$i" "$n" 2) |"
	done
	echo
}

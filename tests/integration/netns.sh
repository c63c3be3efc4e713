# Sourced by the network tests and benchmarks: a private network namespace
# with the guest's tap in it, so that every packet stays between the guest
# and the clients started in that namespace.
#
#   ns_setup [native]   creates the namespace $NS (ush-PID-N) with the tap
#                       $NS_TAP: 10.0.0.1/24 and fd00::1/64. With "native"
#                       the guest side is a second namespace $NS_GUEST at
#                       the other end of a veth pair (10.0.0.2/24,
#                       fd00::2/64, gateway 10.0.0.1), where a native build
#                       of the program stands in for the guest.
#   ns_guest LOG CMD... starts CMD in the background as the guest: run
#                       through ip netns exec $NS, or in $NS_GUEST when
#                       native; its output goes to LOG, its pid to
#                       $NS_GUEST_PID. Bounded by NS_TIMEOUT (300 s).
#   ns_guest_stop       ends it (unishyper-run takes its QEMU along).
#   ns_wait_tcp ADDR PORT [TRIES]
#                       polls the port from the namespace, one try a
#                       second (default 120 tries); fails when it never
#                       answers or the guest has ended.
#   ns CMD...           runs CMD inside $NS.
#   $NS_GUEST_MAC       the guest interface's MAC (packet-level tests).
#   $NS_TAP_MAC         the MAC of the namespace's end.
# The namespaces go away on every exit (trap EXIT INT TERM), with every
# process still running in them (servers a test left in the background);
# a caller with its own EXIT work calls ns_cleanup from it. Safe under
# set -e.
NS_SEQ=${NS_SEQ:-0}
NS_TIMEOUT=${NS_TIMEOUT:-300}
NS= NS_GUEST= NS_TAP= NS_GUEST_PID= NS_GUEST_MAC=52:54:00:12:34:50 NS_TAP_MAC=

ns_cleanup() {
	local n
	ns_guest_stop
	for n in "$NS" "$NS_GUEST"; do
		[ -n "$n" ] || continue
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || :
		ip netns del "$n" 2>/dev/null || :
	done
	[ -z "$NS_GUEST" ] || rm -rf "/etc/netns/$NS_GUEST"
	NS= NS_GUEST=
}

ns_setup() {
	NS_SEQ=$((NS_SEQ + 1))
	NS=ush-$$-$NS_SEQ
	NS_TAP=ushtap0
	trap 'ns_cleanup' EXIT
	trap 'ns_cleanup; exit 130' INT
	trap 'ns_cleanup; exit 143' TERM
	ip netns add "$NS" || return 1
	ip -n "$NS" link set lo up
	if [ "${1:-}" = native ]; then
		NS_GUEST=$NS-g
		ip netns add "$NS_GUEST" || return 1
		ip -n "$NS_GUEST" link set lo up
		ip -n "$NS" link add "$NS_TAP" type veth peer name eth0 netns "$NS_GUEST" || return 1
		ip -n "$NS_GUEST" addr add 10.0.0.2/24 dev eth0
		ip -n "$NS_GUEST" addr add fd00::2/64 dev eth0 nodad
		ip -n "$NS_GUEST" link set eth0 up
		ip -n "$NS_GUEST" route add default via 10.0.0.1
		NS_GUEST_MAC=$(ip netns exec "$NS_GUEST" cat /sys/class/net/eth0/address)
		# getaddrinfo in the guest namespace reads this (ip netns exec
		# binds /etc/netns/NAME/resolv.conf over /etc/resolv.conf)
		mkdir -p "/etc/netns/$NS_GUEST"
		echo "nameserver 10.0.0.1" >"/etc/netns/$NS_GUEST/resolv.conf"
	else
		ip -n "$NS" tuntap add "$NS_TAP" mode tap || return 1
	fi
	ip -n "$NS" addr add 10.0.0.1/24 dev "$NS_TAP"
	ip -n "$NS" addr add fd00::1/64 dev "$NS_TAP" nodad
	ip -n "$NS" link set "$NS_TAP" up
	NS_TAP_MAC=$(ip netns exec "$NS" cat "/sys/class/net/$NS_TAP/address")
}

ns() { ip netns exec "$NS" "$@"; }

ns_guest() {
	local log=$1
	shift
	ns_guest_stop
	if [ -n "$NS_GUEST" ]; then
		ip netns exec "$NS_GUEST" timeout "$NS_TIMEOUT" "$@" >"$log" 2>&1 </dev/null &
	else
		ip netns exec "$NS" timeout "$NS_TIMEOUT" "$@" >"$log" 2>&1 </dev/null &
	fi
	NS_GUEST_PID=$!
}

ns_guest_stop() {
	[ -n "$NS_GUEST_PID" ] || return 0
	kill "$NS_GUEST_PID" 2>/dev/null || :
	for _ in $(seq 50); do kill -0 "$NS_GUEST_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$NS_GUEST_PID" 2>/dev/null || :
	wait "$NS_GUEST_PID" 2>/dev/null || :
	NS_GUEST_PID=
}

ns_wait_tcp() {
	local addr=$1 port=$2 tries=${3:-120} i
	for ((i = 0; i < tries; i++)); do
		ns timeout 2 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && return 0
		[ -n "$NS_GUEST_PID" ] && ! kill -0 "$NS_GUEST_PID" 2>/dev/null && return 1
		sleep 1
	done
	return 1
}

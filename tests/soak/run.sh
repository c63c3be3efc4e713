#!/usr/bin/env bash
# make soak: tests/soak/soak.c in one guest for SOAK_MINUTES (10) minutes:
# malloc/free of 1 MiB, mmap/munmap of 64 KiB and thread create/join,
# round after round, failing when the guest's free memory after a round
# falls below that after the first; then the system-call fuzzer
# (tests/guest/sysfuzz.c) with other seeds and more calls than `make test`
# gives it: one seed of 500 000 calls for every two minutes of
# SOAK_MINUTES; then the network soak (tests/soak/net.sh): echo and httpd
# in one guest under load for SOAK_MINUTES, no client errors and free
# memory flat.  SOAK=mem,sysfuzz,net (the default: all) picks some.  Not
# part of `make test`.  Prints TAP lines and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."

MINUTES=${SOAK_MINUTES:-10}
ROUND_S=20 # a third in each loop: long enough for a leak to add up in a round
MEM=128    # MiB: the guest in which the old leaks ended in a panic
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || { echo "soak: SOAK_MINUTES: a whole number of minutes, not '$MINUTES'" >&2; exit 2; }
PARTS=${SOAK:-mem,sysfuzz,net}
for p in ${PARTS//,/ }; do
	case $p in mem | sysfuzz | net) ;; *) echo "soak: SOAK: mem, sysfuzz or net, not '$p'" >&2; exit 2 ;; esac
done
want() { [[ ",$PARTS," == *",$1,"* ]]; }
rounds=$((MINUTES * 60 / ROUND_S))
img=build/tests/soak.img
log=$(mktemp "${TMPDIR:-/tmp}/unishyper-soak.XXXXXX")
trap 'rm -f "$log"' EXIT

passed=0 failed=0
mkdir -p build/tests
if ! want mem; then
	:
elif toolchain/bin/unishyper-gcc -O2 -Wall -o "$img" tests/soak/soak.c; then
	echo "ok - builds soak"
	passed=1
	echo "# $rounds rounds of $ROUND_S s, --mem $MEM --smp 2"
	toolchain/bin/unishyper-run "$img" --mem "$MEM" --smp 2 --timeout $((MINUTES * 60 + 120)) \
		-- "$rounds" "$ROUND_S" </dev/null | tee "$log"
	rc=${PIPESTATUS[0]}
	passed=$((passed + $(grep -c '^ok' "$log")))
	failed=$(grep -c '^not ok' "$log")
	if [ "$(grep -c '^\(not \)\?ok' "$log")" -ne "$rounds" ]; then
		echo "not ok - $(grep -c '^\(not \)\?ok' "$log") of $rounds rounds reported"
		failed=$((failed + 1))
	fi
	if [ "$rc" -eq 0 ]; then
		echo "ok - soak exits with status 0"
		passed=$((passed + 1))
	else
		echo "not ok - soak exits with status $rc"
		failed=$((failed + 1))
	fi
else
	echo "not ok - builds soak"
	failed=1
fi
# The fuzzer: seed 1 is make test's.
fuzz=build/tests/sysfuzz.img
if ! want sysfuzz; then
	:
elif toolchain/bin/unishyper-gcc -O2 -Wall -o "$fuzz" tests/guest/sysfuzz.c; then
	for seed in $(seq 2 $((MINUTES / 2 + 1))); do
		toolchain/bin/unishyper-run "$fuzz" --smp 2 --timeout 600 -- 500000 4 "$seed" \
			>"$log" 2>&1 </dev/null
		rc=$?
		if [ "$rc" -eq 0 ] && grep -q '^ok - sysfuzz' "$log"; then
			echo "ok - sysfuzz seed $seed: 500000 calls answered"
			passed=$((passed + 1))
		else
			echo "not ok - sysfuzz seed $seed: status $rc"
			tail -n 20 "$log" | sed 's/^/# /'
			failed=$((failed + 1))
		fi
	done
else
	echo "not ok - builds sysfuzz"
	failed=$((failed + 1))
fi
if want net; then
	tests/soak/net.sh | tee "$log"
	passed=$((passed + $(grep -c '^ok' "$log")))
	failed=$((failed + $(grep -c '^not ok' "$log")))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

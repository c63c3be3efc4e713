#!/bin/sh
# Tests the gzip port: builds it (ports/gzip/build.sh) and runs gzip's own
# test suite ("make check", 26 tests of shell scripts that run ./gzip and
# its z* scripts) natively and with the image, which the scripts run as a
# host command. Unishyper must pass at least 95 % of what the native build
# passes; the tests that fail are named. Prints TAP; exits 0 only when
# every check passes.
#
# usage: ports/gzip/test.sh [OUTDIR]   (default build/ports/gzip)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/gzip}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gzip-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
notools="ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true MAKEINFO=true"

echo "1..3"
if ! "$top/ports/gzip/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
readelf -n "$out/gzip-1.12/gzip" 2>/dev/null | grep -q Xen &&
	sed -n '/checking whether we are cross compiling/,/result:/p' "$out/gzip-1.12/config.log" |
	grep -q 'result: no$'
check $? "builds with ./configure CC=unishyper-gcc (not a cross build): gzip is an image"

# suite TREE LOG: runs make check; prints "PASS TOTAL".
suite() {
	# shellcheck disable=SC2086 # one word per variable
	make -C "$1" check $notools </dev/null >"$2" 2>&1
	echo "$(sed -n 's/^# PASS: *//p' "$2" | tail -n 1) $(sed -n 's/^# TOTAL: *//p' "$2" | tail -n 1)"
}
t0=$(date +%s)
read -r npass ntotal <<EOR
$(suite "$out/native/gzip-1.12" "$tmp/native.log")
EOR
t1=$(date +%s)
[ "${npass:-0}" -gt 0 ] && [ "$npass" = "$ntotal" ]
check $? "gzip's make check natively (musl-gcc -static): ${npass:-?} of ${ntotal:-?} pass"
read -r upass utotal <<EOR
$(suite "$out/gzip-1.12" "$tmp/uni.log")
EOR
t2=$(date +%s)
failing=$(sed -n 's/^FAIL: //p; s/^ERROR: //p' "$tmp/uni.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
[ "${upass:-0}" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "gzip's make check with the image: ${upass:-?} of ${utotal:-?} pass (${npass:-?} natively)${failing:+; failing: $failing}"
suite_result "${npass:-0}" "${upass:-0}" "${ntotal:-0}" $((t1 - t0)) $((t2 - t1))

[ "$failed" = 0 ]

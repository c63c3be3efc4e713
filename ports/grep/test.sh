#!/bin/sh
# Tests the grep port: builds it (ports/grep/build.sh, after the pcre2
# port it links), runs grep's own test suite ("make check": the shell
# tests of tests/, which run src/grep, and gnulib's unit tests in
# gnulib-tests/) natively and with the images, which the scripts run as
# host commands, and compares the two; then grep -P and grep -c of the
# image against the native grep on a host file. Unishyper must pass at
# least 95 % of what the native build passes; the failing tests are
# named. Prints TAP; exits 0 only when every check passes.
#
# usage: ports/grep/test.sh [OUTDIR]   (default build/ports/grep)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/grep}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/grep-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
notools="ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true MAKEINFO=true"

echo "1..5"
if ! { "$top/ports/pcre2/build.sh" && "$top/ports/grep/build.sh" "$out"; } >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc PKG_CONFIG=unishyper-pkg-config"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/grep-3.8
ntree=$out/native/grep-3.8
readelf -n "$tree/src/grep" 2>/dev/null | grep -q Xen &&
	grep -q '^#define HAVE_LIBPCRE 1' "$tree/config.h" &&
	[ "$(awk '/checking whether we are cross compiling/ { f = 1 }
		f && / result: / { print $NF; exit }' "$tree/config.log")" = no ]
check $? "builds with ./configure CC=unishyper-gcc PKG_CONFIG=unishyper-pkg-config (not a cross build, PCRE found): src/grep is an image"

# suite TREE LOG: runs make -k check (gnulib-tests/ runs even when tests/
# fails), bounded to 50 minutes; prints "PASS TOTAL SECONDS", summed over
# the summaries that head the two folders' test-suite.log (make's output
# repeats a summary: grep's tests/ show the whole log on a failure).
suite() {
	rm -f "$1/tests/test-suite.log" "$1/gnulib-tests/test-suite.log"
	start=$(date +%s)
	# shellcheck disable=SC2086 # one word per variable
	timeout 3000 make -k -C "$1" check $notools </dev/null >"$2" 2>&1
	end=$(date +%s)
	for d in tests gnulib-tests; do
		sed -n '/^# PASS: /p; /^# TOTAL: /p' "$1/$d/test-suite.log" 2>/dev/null | head -n 2
	done | awk -v s=$((end - start)) '/^# PASS: / { p += $3 } /^# TOTAL: / { t += $3 }
		END { print p + 0, t + 0, s }'
}
read -r npass ntotal nsec <<EOR
$(suite "$ntree" "$tmp/native.log")
EOR
nfailing=$(sed -n 's/^FAIL: //p; s/^ERROR: //p' "$tmp/native.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
[ "$npass" -gt 0 ] && [ -z "$nfailing" ]
check $? "grep's make check natively (musl-gcc -static): $npass of $ntotal pass (${nsec} s)${nfailing:+; failing: $nfailing}"
read -r upass utotal usec <<EOR
$(suite "$tree" "$tmp/uni.log")
EOR
failing=$(sed -n 's/^FAIL: //p; s/^ERROR: //p' "$tmp/uni.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
[ "$upass" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "grep's make check with the images: $upass of $utotal pass ($npass natively; ${usec} s)${failing:+; failing: $failing}"
suite_result "$npass" "$upass" "$ntotal" "$nsec" "$usec"

# A host file: the images read it by its own path.
doc=$tree/doc/grep.texi
"$ntree/src/grep" -c -P '\b(?:grep|egrep)\b(?!-)' "$doc" >"$tmp/native" 2>>"$tmp/err" &&
	"$tree/src/grep" -c -P '\b(?:grep|egrep)\b(?!-)' "$doc" >"$tmp/out" 2>>"$tmp/err" &&
	[ "$(cat "$tmp/native")" -gt 0 ] && cmp -s "$tmp/native" "$tmp/out"
check $? "grep -P (lookahead, through libpcre2-8) counts the same lines of a host file as natively ($(cat "$tmp/out" 2>/dev/null))"
"$ntree/src/grep" -n -i -E 'regular (expression|expressions)' "$doc" >"$tmp/native" 2>>"$tmp/err" &&
	"$tree/src/grep" -n -i -E 'regular (expression|expressions)' "$doc" >"$tmp/out" 2>>"$tmp/err" &&
	[ -s "$tmp/native" ] && cmp -s "$tmp/native" "$tmp/out"
check $? "grep -n -i -E prints the same lines of a host file as natively ($(wc -l <"$tmp/out") lines)"

[ "$failed" = 0 ]

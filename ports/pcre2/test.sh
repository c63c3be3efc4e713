#!/bin/sh
# Tests the pcre2 port: builds it (ports/pcre2/build.sh) and runs PCRE2's
# own test suite ("make check": RunTest, RunGrepTest, pcre2_jit_test and
# pcre2posix_test) natively and with the images, which the scripts run as
# host commands; then a program built with unishyper-pkg-config's flags
# for libpcre2-8 that matches through the JIT. Unishyper must pass at
# least 95 % of what the native build passes; the failing tests are named,
# and for RunGrepTest, which compares one output of about 150 pcre2grep
# runs, the runs whose output differs. Prints TAP; exits 0 only when every
# check passes.
#
# usage: ports/pcre2/test.sh [OUTDIR]   (default build/ports/pcre2)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/pcre2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcre2-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
sysroot=$top/build/sysroot

echo "1..4"
if ! "$top/ports/pcre2/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc --enable-jit"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/pcre2-10.42
ntree=$out/native/pcre2-10.42
readelf -n "$tree/pcre2test" 2>/dev/null | grep -q Xen &&
	readelf -n "$tree/pcre2grep" 2>/dev/null | grep -q Xen &&
	[ "$(awk '/checking whether we are cross compiling/ { f = 1 }
		f && / result: / { print $NF; exit }' "$tree/config.log")" = no ] &&
	[ -f "$sysroot/lib/libpcre2-8.a" ] && [ -f "$sysroot/include/pcre2.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/libpcre2-8.pc" ]
check $? "builds with ./configure CC=unishyper-gcc --enable-jit (not a cross build): images, libpcre2-8.a, pcre2.h and libpcre2-8.pc in the sysroot"

# greptest TREE: RunGrepTest stops at the first of its outputs that
# differs from the expected one and leaves it in testtrygrep; prints
# "SAME TOTAL [TEST...]": how many of its "Test N" sections are as
# expected, of how many, and the numbers of the others. Prints nothing
# when RunGrepTest passed.
greptest() {
	want=$(sed -n 's/^--- \([^	]*\).*/\1/p' "$1/RunGrepTest.log" | head -n 1)
	[ -n "$want" ] && [ -f "$1/testtrygrep" ] || return 0
	(cd "$1" && awk '
		/^-+ Test [0-9]+ -+$/ { sec = $3; if (FNR == NR) order[++n] = sec; next }
		FNR == NR { want[sec] = want[sec] $0 "\n"; next }
		{ got[sec] = got[sec] $0 "\n" }
		END {
			for (i = 1; i <= n; i++)
				if (want[order[i]] == got[order[i]]) same++
				else bad = bad " " order[i]
			print same + 0, n bad
		}' "$want" testtrygrep)
}

# suite TREE LOG: runs make check, bounded to 20 minutes; prints "PASS
# TOTAL SECONDS".
suite() {
	start=$(date +%s)
	timeout 1200 make -C "$1" check </dev/null >"$2" 2>&1
	end=$(date +%s)
	echo "$(sed -n 's/^# PASS: *//p' "$2" | tail -n 1) $(sed -n 's/^# TOTAL: *//p' "$2" | tail -n 1) $((end - start))"
}

# detail TREE LOG: the failing tests, RunGrepTest's differing sections.
detail() {
	failing=$(sed -n 's/^FAIL: //p; s/^ERROR: //p' "$2" | sort -u | tr '\n' ' ' | sed 's/ $//')
	# shellcheck disable=SC2046 # one word per number
	set -- $(greptest "$1")
	[ $# -ge 2 ] && failing="$failing (its Test sections as expected: $1 of $2${3:+; differing:}$(shift 2; printf ' %s' "$@"))"
	echo "$failing"
}

read -r npass ntotal nsec <<EOR
$(suite "$ntree" "$tmp/native.log")
EOR
nfailing=$(detail "$ntree" "$tmp/native.log")
[ "${npass:-0}" -gt 0 ]
check $? "PCRE2's make check natively (musl-gcc -static): ${npass:-?} of ${ntotal:-?} pass (${nsec} s)${nfailing:+; failing: $nfailing}"
read -r upass utotal usec <<EOR
$(suite "$tree" "$tmp/uni.log")
EOR
ufailing=$(detail "$tree" "$tmp/uni.log")
[ "${upass:-0}" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ] &&
	grep -q "OK with JIT" "$tree/RunTest.log"
check $? "PCRE2's make check with the images: ${upass:-?} of ${utotal:-?} pass (${npass:-?} natively; ${usec} s)${ufailing:+; failing: $ufailing}"
suite_result "${npass:-0}" "${upass:-0}" "${ntotal:-0}" "$nsec" "$usec"

cat >"$tmp/p.c" <<'EOC'
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	const char *subject = "port pcre2 10.42 into the sysroot";
	int err, jit, rc;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR) "(\\d+)\\.(\\d+)", PCRE2_ZERO_TERMINATED, 0,
				       &err, &at, NULL);
	pcre2_match_data *md;

	if (!re)
		return 1;
	jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
	if (rc != 3)
		return 1;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	printf("jit %s, match %.*s\n", jit == 0 ? "on" : "off", (int)(ov[1] - ov[0]),
	       subject + ov[0]);
	return 0;
}
EOC
# shellcheck disable=SC2046 # the flags are separate words
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/p" "$tmp/p.c" \
	$("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs libpcre2-8) >"$tmp/err" 2>&1 &&
	"$tmp/p" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -qx 'jit on, match 10\.42' "$tmp/out"
check $? "a program built with unishyper-pkg-config's flags for libpcre2-8 matches through the JIT ($(cat "$tmp/out" 2>/dev/null))"

[ "$failed" = 0 ]

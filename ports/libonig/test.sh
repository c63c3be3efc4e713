#!/bin/sh
# Tests the Oniguruma port: builds it (ports/libonig/build.sh) and runs
# Oniguruma's own test suite ("make check": the 8 test programs of test/,
# each checking hundreds of patterns and exiting non-zero on any failure,
# and the 15 programs of sample/) natively and with the images, which make
# runs as host commands. Unishyper must pass at least 95 % of what the
# native build passes; the failing programs are named. Then a program of
# its own linked through unishyper-pkg-config from the sysroot. Prints
# TAP; exits 0 only when every check passes.
#
# usage: ports/libonig/test.sh [OUTDIR]   (default build/ports/libonig)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/libonig}
sysroot=$top/build/sysroot
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libonig-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"

echo "1..4"
if ! "$top/ports/libonig/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/onig-6.9.8
ntree=$out/native/onig-6.9.8
# configure ran its test programs (not a cross build): config.log says so.
sed -n '/checking whether we are cross compiling/,/result:/p' "$tree/config.log" 2>/dev/null |
	grep -q 'result: no$' &&
	readelf -n "$tree/test/test_utf8" 2>/dev/null | grep -q Xen &&
	readelf -n "$tree/sample/simple" 2>/dev/null | grep -q Xen &&
	[ -x "$ntree/test/test_utf8" ] && ! readelf -l "$ntree/test/test_utf8" | grep -q INTERP &&
	[ -f "$sysroot/lib/libonig.a" ] && [ -f "$sysroot/include/oniguruma.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/oniguruma.pc" ]
check $? "builds with ./configure CC=unishyper-gcc (not a cross build): images, static native peers; libonig.a, oniguruma.h and oniguruma.pc in the sysroot"

# count KEY LOG: the sum of make check's "# KEY: N" lines in LOG (one
# summary per folder).
count() {
	sed -n "s/^# $1: *//p" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

# patterns TREE: "PASSED TOTAL" over the RESULT lines ("SUCC: n, FAIL: n,
# ERROR: n") of the test programs' logs.
patterns() {
	for f in "$1"/test/*.log; do
		[ "$f" = "$1/test/test-suite.log" ] || cat "$f"
	done | sed -n 's/^RESULT *SUCC: *\([0-9]*\), *FAIL: *\([0-9]*\), *ERROR: *\([0-9]*\).*/\1 \2 \3/p' |
		awk '{ ok += $1; all += $1 + $2 + $3 } END { print ok + 0, all + 0 }'
}

# suite TREE LOG: runs make check; prints "PASS TOTAL PATTERNS-PASSED
# PATTERNS SECONDS".
suite() {
	t0=$(date +%s)
	make -C "$1" check </dev/null >"$2" 2>&1
	t1=$(date +%s)
	echo "$(count PASS "$2") $(count TOTAL "$2") $(patterns "$1") $((t1 - t0))"
}
read -r npass ntotal ncase nall nsec <<EOR
$(suite "$ntree" "$tmp/native.log")
EOR
[ "${npass:-0}" -gt 0 ] && [ "$npass" = "$ntotal" ]
check $? "Oniguruma's make check natively (musl-gcc -static): ${npass:-?} of ${ntotal:-?} programs pass, ${ncase:-?} of ${nall:-?} patterns (${nsec:-?} s)"
read -r upass utotal ucase uall usec <<EOR
$(suite "$tree" "$tmp/uni.log")
EOR
failing=$(sed -n 's/^FAIL: //p; s/^ERROR: //p' "$tmp/uni.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
[ "${upass:-0}" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "Oniguruma's make check with the images: ${upass:-?} of ${utotal:-?} programs pass (${npass:-?} natively), ${ucase:-?} of ${uall:-?} patterns (${usec:-?} s)${failing:+; failing: $failing}"
suite_result "${ncase:-0}" "${ucase:-0}" "${nall:-0}" "${nsec:--}" "${usec:--}"

cat >"$tmp/re.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <oniguruma.h>

int main(void)
{
	static const char pattern[] = "(?<year>\\d{4})-(?<month>\\d\\d)";
	static const char text[] = "released on 2022-04-15";
	OnigEncoding enc = ONIG_ENCODING_UTF8;
	OnigErrorInfo einfo;
	OnigRegion *region;
	regex_t *reg;
	int r;

	onig_initialize(&enc, 1);
	if (onig_new(&reg, (const UChar *)pattern, (const UChar *)pattern + strlen(pattern),
		     ONIG_OPTION_NONE, enc, ONIG_SYNTAX_RUBY, &einfo) != ONIG_NORMAL)
		return 1;
	region = onig_region_new();
	r = onig_search(reg, (const UChar *)text, (const UChar *)text + strlen(text),
			(const UChar *)text, (const UChar *)text + strlen(text), region,
			ONIG_OPTION_NONE);
	if (r < 0 || region->num_regs != 3)
		return 1;
	printf("%s at %d: %.*s/%.*s\n", onig_version(), r, region->end[1] - region->beg[1],
	       text + region->beg[1], region->end[2] - region->beg[2], text + region->beg[2]);
	onig_region_free(region, 1);
	onig_free(reg);
	onig_end();
	return 0;
}
EOC
# shellcheck disable=SC2046 # pkg-config prints one word per flag
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/re" "$tmp/re.c" \
	$("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs oniguruma) >"$tmp/err" 2>&1 &&
	"$tmp/re" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -qx '6\.9\.8 at 12: 2022/04' "$tmp/out"
check $? "a program linked with \`unishyper-pkg-config --libs oniguruma\` matches named groups ($(cat "$tmp/out" 2>/dev/null))"

[ "$failed" = 0 ]

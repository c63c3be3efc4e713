#!/bin/sh
# Tests the expat port: builds it (ports/expat/build.sh), runs expat's own
# test suite ("make test": the runners runtests and runtestspp, 365 checks
# each) natively and with the images, which ctest runs as host commands,
# and compares the two; then a program built with unishyper-pkg-config's
# flags for expat, and the xmlwf image's canonical output against the
# native xmlwf's. Unishyper must pass at least 95 % of the checks the
# native build passes; the failing checks are named. Prints TAP; exits 0
# only when every check passes.
#
# usage: ports/expat/test.sh [OUTDIR]   (default build/ports/expat)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/expat}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/expat-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
sysroot=$top/build/sysroot

echo "1..5"
if ! "$top/ports/expat/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with expat's CMake files and the toolchain's"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/expat-2.5.0/build
ntree=$out/native/expat-2.5.0/build
readelf -n "$tree/tests/runtests" 2>/dev/null | grep -q Xen &&
	readelf -n "$tree/xmlwf/xmlwf" 2>/dev/null | grep -q Xen &&
	[ -f "$sysroot/lib/libexpat.a" ] && [ -f "$sysroot/include/expat.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/expat.pc" ]
check $? "builds with expat's CMake files and the toolchain's: images, libexpat.a, expat.h and expat.pc in the sysroot"

# suite TREE LOG: runs make test (ctest, verbose so that the runners'
# lines show), bounded to 15 minutes; prints "PASS TOTAL RUNNERS SECONDS".
# Each runner ends with "N%: Checks: TOTAL, Failed: FAILED" and names each
# failing check on a "FAIL: " line.
suite() {
	start=$(date +%s)
	timeout 900 make -C "$1" test ARGS=--verbose </dev/null >"$2" 2>&1
	end=$(date +%s)
	sed -n 's/.*%: Checks: \([0-9]*\), Failed: \([0-9]*\)$/\1 \2/p' "$2" |
		awk -v s=$((end - start)) '{ t += $1; f += $2 } END { print t - f, t + 0, NR, s }'
}
read -r npass ntotal nrun nsec <<EOR
$(suite "$ntree" "$tmp/native.log")
EOR
[ "$nrun" = 2 ] && [ "$ntotal" -gt 0 ] && [ "$npass" = "$ntotal" ]
check $? "expat's make test natively (musl-gcc -static): $npass of $ntotal checks of $nrun runners pass (${nsec} s)"
read -r upass _ urun usec <<EOR
$(suite "$tree" "$tmp/uni.log")
EOR
# A runner that dies prints no summary: its checks count as failed.
failing=$(sed -n 's/^[0-9]*: FAIL: \([^ ]*\).*/\1/p' "$tmp/uni.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
[ "$urun" = 2 ] || failing="$failing${failing:+; }a runner ended without its summary"
[ "$upass" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "expat's make test with the images: $upass of $ntotal checks pass ($npass natively; ${usec} s)${failing:+; failing: $failing}"
suite_result "$npass" "$upass" "$ntotal" "$nsec" "$usec"

cat >"$tmp/x.c" <<'EOC'
#include <expat.h>
#include <stdio.h>
#include <string.h>

static int depth, deepest, elements;

static void XMLCALL start(void *data, const XML_Char *name, const XML_Char **attr)
{
	(void)data, (void)name, (void)attr;
	elements++;
	if (++depth > deepest)
		deepest = depth;
}

static void XMLCALL end(void *data, const XML_Char *name)
{
	(void)data, (void)name;
	depth--;
}

int main(void)
{
	const char doc[] = "<a><b x='1'><c/><c/></b><d>&amp;</d></a>";
	XML_Parser p = XML_ParserCreate(NULL);

	XML_SetElementHandler(p, start, end);
	if (XML_Parse(p, doc, (int)strlen(doc), 1) != XML_STATUS_OK)
		return 1;
	if (XML_Parse(XML_ParserCreate(NULL), "<a><b></a>", 10, 1) != XML_STATUS_ERROR)
		return 1;
	printf("%s elements %d deepest %d\n", XML_ExpatVersion(), elements, deepest);
	return 0;
}
EOC
# shellcheck disable=SC2046 # the flags are separate words
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/x" "$tmp/x.c" \
	$("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs expat) >"$tmp/err" 2>&1 &&
	"$tmp/x" >"$tmp/out" 2>>"$tmp/err" </dev/null &&
	grep -qx 'expat_2\.5\.0 elements 5 deepest 3' "$tmp/out"
check $? "a program built with unishyper-pkg-config's flags for expat parses a document ($(cat "$tmp/out" 2>/dev/null))"

# xmlwf -d DIR writes each input's canonical form into DIR.
doc=$out/expat-2.5.0/doc/reference.html
mkdir "$tmp/u" "$tmp/n"
"$ntree/xmlwf/xmlwf" -d "$tmp/n" "$doc" </dev/null >"$tmp/out" 2>"$tmp/err" &&
	"$tree/xmlwf/xmlwf" -d "$tmp/u" "$doc" </dev/null >>"$tmp/out" 2>>"$tmp/err" &&
	[ -s "$tmp/n/reference.html" ] && cmp "$tmp/n/reference.html" "$tmp/u/reference.html" >>"$tmp/err" 2>&1
check $? "the xmlwf image writes the same canonical form of a host file as the native xmlwf"

[ "$failed" = 0 ]

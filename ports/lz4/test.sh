#!/bin/sh
# Tests the lz4 port: builds it (ports/lz4/build.sh) and runs the targets
# of LZ4's own tests/Makefile that exercise the lz4 program and the library
# in bounded time (below) natively and with the images, which make runs as
# host commands. Each target is one test; Unishyper must pass at least
# 95 % of what the native build passes, and the targets that fail are
# named. Then a program linked with liblz4 from the sysroot, and the lz4
# image's output read back by the native lz4. Prints TAP; exits 0 only
# when every check passes.
#
# usage: ports/lz4/test.sh [OUTDIR]   (default build/ports/lz4)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/lz4}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lz4-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
sysroot=$top/build/sysroot
ucc=$top/toolchain/bin/unishyper-gcc
# tests/Makefile's "test" target without the ones of many gigabytes
# (test-lz4-hugefile), the 32-bit ones and the compile-only
# test-amalgamation; fullbench for the 13 decompression functions, each
# checked against the input's checksum, once each (-i1 -d: every function
# runs for 2.5 s), and the two fuzzers for 15 s each instead of 90 s.
targets="test-lz4-basic test-lz4-multiple test-lz4-multiple-legacy test-lz4-frame-concatenation
test-lz4-testmode test-lz4-contentSize test-lz4-dict test-lz4-opt-parser test-lz4-sparse
test-lz4-skippable test-lz4c listTest test-decompress-partial test-fullbench test-fuzzer
test-frametest"

echo "1..5"
if ! "$top/ports/lz4/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/lz4-1.9.4
ntree=$out/native/lz4-1.9.4
readelf -n "$tree/programs/lz4" 2>/dev/null | grep -q Xen &&
	readelf -n "$tree/tests/frametest" 2>/dev/null | grep -q Xen &&
	[ -f "$sysroot/lib/liblz4.a" ] && [ -f "$sysroot/include/lz4frame.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/liblz4.pc" ]
check $? "builds with CC=unishyper-gcc: lz4 and the test programs are images, liblz4 in the sysroot"

# suite TREE CC NAME: runs each target (listTest writes to TMPDIR), each
# stopped after 10 minutes; sets pass, total, failing and secs. A target
# that fails leaves its scratch files (tests/tmp*, the makefile's rule for
# their names), which would change the next run: they go first.
suite() {
	pass=0 total=0 failing='' start=$(date +%s)
	mkdir -p "$tmp/$3"
	rm -rf "$1"/tests/tmp*
	for t in $targets; do
		total=$((total + 1))
		if TMPDIR=$tmp/$3 timeout 600 make -C "$1/tests" CC="$2" NB_LOOPS="-i1 -d" FUZZER_TIME=-T15s "$t" \
			</dev/null >"$tmp/$3-$t.log" 2>&1; then
			pass=$((pass + 1))
		else
			failing="$failing $t"
		fi
	done
	secs=$(($(date +%s) - start))
}
suite "$ntree" "musl-gcc -static" native
npass=$pass nsecs=$secs
[ "$pass" = "$total" ]
check $? "LZ4's test targets natively (musl-gcc -static): $pass of $total pass in $secs s${failing:+; failing:$failing}"
suite "$tree" "$ucc" uni
for t in $failing; do
	tail -n 3 "$tmp/uni-$t.log" | sed "s/^/$t: /" >>"$tmp/err"
done
[ "$pass" -gt 0 ] && [ $((pass * 100)) -ge $((npass * 95)) ]
check $? "LZ4's test targets with the images: $pass of $total pass ($npass natively) in $secs s${failing:+; failing:$failing}"
suite_result "$npass" "$pass" "$total" "$nsecs" "$secs"

cat >"$tmp/l.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <lz4.h>
#include <lz4frame.h>

int main(void)
{
	const char text[] = "liblz4 from the sysroot, liblz4 from the sysroot, liblz4 from the sysroot";
	char packed[LZ4F_HEADER_SIZE_MAX + 256], back[256];
	size_t plen, blen = sizeof(back), in;
	LZ4F_dctx *d;

	plen = LZ4F_compressFrame(packed, sizeof(packed), text, sizeof(text), NULL);
	if (LZ4F_isError(plen) || LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return 1;
	in = plen;
	if (LZ4F_decompress(d, back, &blen, packed, &in, NULL) != 0 || in != plen ||
	    blen != sizeof(text) || memcmp(back, text, blen))
		return 1;
	LZ4F_freeDecompressionContext(d);
	printf("%s %zu -> %zu\n", LZ4_versionString(), sizeof(text), plen);
	return 0;
}
EOC
# shellcheck disable=SC2046 # pkg-config's answer is several words
"$ucc" -O2 -o "$tmp/l" "$tmp/l.c" $("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs liblz4) \
	>"$tmp/err" 2>&1 && "$tmp/l" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -q '^1\.9\.4 74 -> ' "$tmp/out"
check $? "a program linked with liblz4 (unishyper-pkg-config) writes and reads a frame ($(cat "$tmp/out" 2>/dev/null))"

cp "$top/docs/architecture.md" "$tmp/data"
cp "$tmp/data" "$tmp/data.orig"
(cd "$tmp" && "$tree/programs/lz4" -q --rm data data.lz4) </dev/null >"$tmp/out" 2>"$tmp/err" &&
	[ ! -e "$tmp/data" ] && "$ntree/programs/lz4" -dc "$tmp/data.lz4" | cmp -s - "$tmp/data.orig"
check $? "the lz4 image compresses a host file (--rm); the native lz4 reads it back"

[ "$failed" = 0 ]

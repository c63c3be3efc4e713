#!/bin/sh
# Tests the xz-utils port: builds it (ports/xz-utils/build.sh) and runs XZ
# Utils' own test suite ("make check": 11 liblzma test programs and 7
# shell-script tests that run xz, xzdec and the xz* scripts) natively and
# with the images, which make and the scripts run as host commands.
# Unishyper must pass at least 95 % of what the native build passes; the
# tests that fail are named. Then a program linked with liblzma from the
# sysroot, and the xz image's output read back by the native xz. Prints
# TAP; exits 0 only when every check passes.
#
# usage: ports/xz-utils/test.sh [OUTDIR]   (default build/ports/xz-utils)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/xz-utils}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xz-utils-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
sysroot=$top/build/sysroot

echo "1..5"
if ! "$top/ports/xz-utils/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/xz-5.4.1
ntree=$out/native/xz-5.4.1
readelf -n "$tree/src/xz/xz" 2>/dev/null | grep -q Xen &&
	sed -n '/checking whether we are cross compiling/,/result:/p' "$tree/config.log" |
	grep -q 'result: no$' &&
	[ -f "$sysroot/lib/liblzma.a" ] && [ -f "$sysroot/include/lzma.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/liblzma.pc" ]
check $? "builds with ./configure CC=unishyper-gcc (not a cross build): xz is an image, liblzma in the sysroot"

# suite TREE LOG: runs make check, stopped after 20 minutes; prints
# "PASS TOTAL SECONDS".
suite() {
	start=$(date +%s)
	timeout 1200 make -C "$1" check </dev/null >"$2" 2>&1
	echo "$(sed -n 's/^# PASS: *//p' "$2" | tail -n 1) $(sed -n 's/^# TOTAL: *//p' "$2" | tail -n 1) $(($(date +%s) - start))"
}
read -r npass ntotal nsec <<EOR
$(suite "$ntree" "$tmp/native.log")
EOR
[ "${npass:-0}" -gt 0 ] && [ "$npass" = "$ntotal" ]
check $? "XZ Utils' make check natively (musl-gcc -static): ${npass:-?} of ${ntotal:-?} pass in $nsec s"
read -r upass utotal usec <<EOR
$(suite "$tree" "$tmp/uni.log")
EOR
failing=$(sed -n 's/^FAIL: //p; s/^ERROR: //p' "$tmp/uni.log" | sort -u | tr '\n' ' ' | sed 's/ $//')
ok=1
[ "${upass:-0}" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ] && ok=0
[ $ok = 0 ] || tail -n 12 "$tmp/uni.log" >"$tmp/err"
check $ok "XZ Utils' make check with the images: ${upass:-?} of ${utotal:-?} pass (${npass:-?} natively) in $usec s${failing:+; failing: $failing}"
suite_result "${npass:-0}" "${upass:-0}" "${ntotal:-0}" "$nsec" "$usec"

cat >"$tmp/x.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <lzma.h>

int main(void)
{
	const char text[] = "liblzma from the sysroot, liblzma from the sysroot, liblzma from the sysroot";
	uint8_t packed[256], back[256];
	size_t plen = 0, blen = 0, in = 0;
	uint64_t limit = UINT64_MAX;

	if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (const uint8_t *)text, sizeof(text),
				    packed, &plen, sizeof(packed)) != LZMA_OK ||
	    lzma_stream_buffer_decode(&limit, 0, NULL, packed, &in, plen, back, &blen,
				      sizeof(back)) != LZMA_OK ||
	    blen != sizeof(text) || memcmp(back, text, blen))
		return 1;
	printf("%s %zu -> %zu\n", lzma_version_string(), sizeof(text), plen);
	return 0;
}
EOC
# shellcheck disable=SC2046 # pkg-config's answer is several words
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/x" "$tmp/x.c" \
	$("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs liblzma) >"$tmp/err" 2>&1 &&
	"$tmp/x" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -q '^5\.4\.1 77 -> ' "$tmp/out"
check $? "a program linked with liblzma (unishyper-pkg-config) compresses and uncompresses ($(cat "$tmp/out" 2>/dev/null))"

cp "$top/docs/architecture.md" "$tmp/data"
cp "$tmp/data" "$tmp/data.orig"
(cd "$tmp" && "$tree/src/xz/xz" data) </dev/null >"$tmp/out" 2>"$tmp/err" && [ ! -e "$tmp/data" ] &&
	"$ntree/src/xz/xz" -dc "$tmp/data.xz" | cmp -s - "$tmp/data.orig"
check $? "the xz image compresses a host file in place; the native xz reads it back"

[ "$failed" = 0 ]

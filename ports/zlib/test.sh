#!/bin/sh
# Tests the zlib port: builds it (ports/zlib/build.sh), runs zlib's own test
# suite ("make test": example and minigzip, static and 64-bit) natively
# and with the images, which make runs as host commands, and compares the
# two; then a program linked with -lz from the sysroot, and minigzip's
# output read back by the host's gzip. Prints TAP; exits 0 only when
# every check passes.
#
# usage: ports/zlib/test.sh [OUTDIR]   (default build/ports/zlib)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/zlib}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zlib-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"

echo "1..5"
if ! "$top/ports/zlib/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with zlib's configure and CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/zlib-1.2.13.dfsg
ntree=$out/native/zlib-1.2.13.dfsg
readelf -n "$tree/example" 2>/dev/null | grep -q Xen && [ -f "$top/build/sysroot/lib/libz.a" ] &&
	[ -f "$top/build/sysroot/include/zlib.h" ]
check $? "builds with zlib's configure and CC=unishyper-gcc: images, libz.a and zlib.h in the sysroot"

# zlib's suite: each of its runs ends with "*** zlib ... test OK ***".
suite() {
	make -C "$1" test </dev/null >"$2" 2>&1
	grep -c 'test OK \*\*\*' "$2"
}
t0=$(date +%s)
native=$(suite "$ntree" "$tmp/native.log")
t1=$(date +%s)
uni=$(suite "$tree" "$tmp/uni.log")
t2=$(date +%s)
[ "$native" -ge 2 ]
check $? "zlib's make test natively (musl-gcc -static): $native runs OK"
[ "$uni" = "$native" ] || tail -n 12 "$tmp/uni.log" >"$tmp/err"
[ "$uni" = "$native" ]
check $? "zlib's make test with the images as host commands: $uni of $native runs OK"
suite_result "$native" "$uni" "$native" $((t1 - t0)) $((t2 - t1))

cat >"$tmp/z.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void)
{
	const char text[] = "zlib from the sysroot, zlib from the sysroot, zlib from the sysroot";
	unsigned char packed[256], back[256];
	uLongf plen = sizeof(packed), blen = sizeof(back);

	if (compress(packed, &plen, (const Bytef *)text, sizeof(text)) != Z_OK ||
	    uncompress(back, &blen, packed, plen) != Z_OK || blen != sizeof(text) ||
	    memcmp(back, text, blen))
		return 1;
	printf("%s %lu -> %lu\n", zlibVersion(), (unsigned long)sizeof(text), (unsigned long)plen);
	return 0;
}
EOC
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/z" "$tmp/z.c" -lz >"$tmp/err" 2>&1 &&
	"$tmp/z" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -q '^1\.2\.13 68 -> ' "$tmp/out"
check $? "a program linked with -lz from the sysroot compresses and uncompresses ($(cat "$tmp/out" 2>/dev/null))"

cp "$top/docs/architecture.md" "$tmp/data"
cp "$tmp/data" "$tmp/data.orig"
(cd "$tmp" && "$tree/minigzip" data) </dev/null >"$tmp/out" 2>"$tmp/err" && [ ! -e "$tmp/data" ] &&
	gzip -dc "$tmp/data.gz" | cmp -s - "$tmp/data.orig"
check $? "the minigzip image gzips a host file in place; the host's gzip reads it back"

[ "$failed" = 0 ]

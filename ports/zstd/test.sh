#!/bin/sh
# Tests the zstd port: builds it (ports/zstd/build.sh) and runs Zstandard's
# own tests natively and with the images, which make and the scripts run
# as host commands: the 37 cases of tests/cli-tests (run.py, each one
# test) and the targets of tests/Makefile's "test" that run in bounded
# time (below), each one test. Unishyper must pass at least 95 % of what
# the native build passes; the tests that fail are named. Then a program
# linked with libzstd from the sysroot, and the zstd image's output read
# back by the native zstd. Prints TAP; exits 0 only when every check
# passes.
#
# usage: ports/zstd/test.sh [OUTDIR]   (default build/ports/zstd)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/zstd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zstd-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
sysroot=$top/build/sysroot
ucc=$top/toolchain/bin/unishyper-gcc
# tests/Makefile's "test" but test-cli-tests (suite below runs it first,
# case by case): test-zstd is playTests.sh without its large-data round
# trips (ZSTDRTTEST empty, as "make check" runs it); the fuzzers run 10 s
# each instead of 200, 90 and 30 s. The build's settings: the same
# formats as build.sh, so that make finds zstd up to date.
targets="test-zstd test-fullbench test-fuzzer test-zstream test-invalidDictionaries test-legacy
test-decodecorpus test-pool"
settings="HAVE_ZLIB=0 HAVE_LZMA=0 HAVE_LZ4=0 ZSTDRTTEST= FUZZERTEST=-T10s ZSTREAM_TESTTIME=-T10s
DECODECORPUS_TESTTIME=-T10"

echo "1..5"
if ! "$top/ports/zstd/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/zstd-1.5.4
ntree=$out/native/zstd-1.5.4
readelf -n "$tree/programs/zstd" 2>/dev/null | grep -q Xen &&
	readelf -n "$tree/tests/fuzzer" 2>/dev/null | grep -q Xen &&
	[ -f "$sysroot/lib/libzstd.a" ] && [ -f "$sysroot/include/zstd.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/libzstd.pc" ]
check $? "builds with CC=unishyper-gcc: zstd and the test programs are images, libzstd in the sysroot"

# suite TREE CC NAME: runs the cli-tests cases and the targets, each
# target stopped after 30 minutes; sets pass, total, failing and secs.
suite() {
	start=$(date +%s)
	mkdir -p "$tmp/$3"
	# shellcheck disable=SC2086 # one word per setting
	TMPDIR=$tmp/$3 timeout 1800 make -C "$1/tests" CC="$2" $settings test-cli-tests \
		</dev/null >"$tmp/$3-cli-tests.log" 2>&1
	# A line per case, "PASS: compression/basic.sh" or "FAIL: ...", and
	# the failures once more at the end.
	sed -n 's/^PASS: \([^ ]*\.sh\)$/\1/p' "$tmp/$3-cli-tests.log" | sort -u >"$tmp/$3-cli-pass"
	sed -n 's/^FAIL: \([^ ]*\.sh\)$/\1/p' "$tmp/$3-cli-tests.log" | sort -u >"$tmp/$3-cli-fail"
	pass=$(($(wc -l <"$tmp/$3-cli-pass")))
	total=$((pass + $(wc -l <"$tmp/$3-cli-fail")))
	failing=$(sed 's|^| cli-tests/|' "$tmp/$3-cli-fail" | tr -d '\n')
	for t in $targets; do
		total=$((total + 1))
		# shellcheck disable=SC2086
		if TMPDIR=$tmp/$3 timeout 1800 make -C "$1/tests" CC="$2" $settings "$t" \
			</dev/null >"$tmp/$3-$t.log" 2>&1; then
			pass=$((pass + 1))
		else
			failing="$failing $t"
		fi
	done
	secs=$(($(date +%s) - start))
}
suite "$ntree" "musl-gcc -static" native
npass=$pass ntotal=$total nsecs=$secs
[ "$pass" -gt 0 ] && [ "$pass" = "$total" ]
check $? "Zstandard's tests natively (musl-gcc -static): $pass of $total pass in $secs s${failing:+; failing:$failing}"
# A native program has the host's memory: the fuzzer's and zstreamtest's
# cases with 2^29-entry tables take up to 2.2 GiB. A host command's guest
# gets 1024 MiB unless UNISHYPER_MEM says otherwise.
UNISHYPER_MEM=3072
export UNISHYPER_MEM
suite "$tree" "$ucc" uni
for t in $failing; do
	case $t in
	cli-tests/*) grep -m 1 -A 5 "^FAIL: ${t#cli-tests/}\.check" "$tmp/uni-cli-tests.log" ;;
	*) tail -n 3 "$tmp/uni-$t.log" | sed "s/^/$t: /" ;;
	esac
done >"$tmp/err"
[ "$pass" -gt 0 ] && [ "$total" = "$ntotal" ] && [ $((pass * 100)) -ge $((npass * 95)) ]
check $? "Zstandard's tests with the images: $pass of $total pass ($npass natively) in $secs s${failing:+; failing:$failing}"
suite_result "$npass" "$pass" "$ntotal" "$nsecs" "$secs"

cat >"$tmp/z.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <zstd.h>

int main(void)
{
	const char text[] = "libzstd from the sysroot, libzstd from the sysroot, libzstd from the sysroot";
	char packed[256], back[256];
	size_t plen, blen;

	plen = ZSTD_compress(packed, sizeof(packed), text, sizeof(text), ZSTD_CLEVEL_DEFAULT);
	if (ZSTD_isError(plen))
		return 1;
	blen = ZSTD_decompress(back, sizeof(back), packed, plen);
	if (ZSTD_isError(blen) || blen != sizeof(text) || memcmp(back, text, blen))
		return 1;
	printf("%s %zu -> %zu\n", ZSTD_versionString(), sizeof(text), plen);
	return 0;
}
EOC
# shellcheck disable=SC2046 # pkg-config's answer is several words
"$ucc" -O2 -o "$tmp/z" "$tmp/z.c" $("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs libzstd) \
	>"$tmp/err" 2>&1 && "$tmp/z" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -q '^1\.5\.4 77 -> ' "$tmp/out"
check $? "a program linked with libzstd (unishyper-pkg-config) compresses and uncompresses ($(cat "$tmp/out" 2>/dev/null))"

cp "$top/docs/architecture.md" "$tmp/data"
cp "$tmp/data" "$tmp/data.orig"
(cd "$tmp" && "$tree/programs/zstd" -q --rm data) </dev/null >"$tmp/out" 2>"$tmp/err" && [ ! -e "$tmp/data" ] &&
	"$ntree/programs/zstd" -dc "$tmp/data.zst" | cmp -s - "$tmp/data.orig"
check $? "the zstd image compresses a host file (--rm); the native zstd reads it back"

[ "$failed" = 0 ]

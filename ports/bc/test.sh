#!/bin/sh
# Tests the bc port: builds it (ports/bc/build.sh) and runs the test
# material of the source tree natively and with the images, which run as
# host commands: bc's Test/ programs (the math library's timing programs,
# checklib.b, the arrays, the division bugs of BUG.bc and signum, testfn.b
# given a function to check), the Examples/ programs given their input,
# and Debian's dc_factor script for dc. A case passes when it exits 0,
# writes nothing to standard error and prints expected/NAME.out (README.md
# says where those come from); the image's output is also compared with
# the native build's. Unishyper must pass at least 95 % of what the
# native build passes; the failing cases are named. Prints TAP; exits 0
# only when every check passes.
#
# usage: ports/bc/test.sh [OUTDIR]   (default build/ports/bc)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/ports/bc
out=${1:-$top/build/ports/bc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bc-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"

echo "1..4"
if ! "$here/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
readelf -n "$out/bc-1.07.1/bc/bc" 2>/dev/null | grep -q Xen &&
	readelf -n "$out/bc-1.07.1/dc/dc" 2>/dev/null | grep -q Xen &&
	sed -n '/checking whether we are cross compiling/,/result:/p' "$out/bc-1.07.1/config.log" |
	grep -q 'result: no$'
check $? "builds with ./configure CC=unishyper-gcc (not a cross build): bc and dc are images"

# The input the Examples and testfn.b take on standard input.
mkdir "$tmp/in"
printf 'define f(x) { return (sqrt(x)) }\nj = t(1, 200, 1, 10, 14)\n' >"$tmp/in/testfn"
printf 'scale = 300\npi()\n' >"$tmp/in/pi"
printf 'primes(3000)\n' >"$tmp/in/primes"
printf 'twins(3000)\n' >"$tmp/in/twins"
printf '100\n25.50\n-10.25\n33.333\n0\n' >"$tmp/in/ckbook"

# one NAME INPUT COMMAND...: runs COMMAND in $tree with standard input from
# INPUT, leaving $dir/NAME.out, .err and .rc.
one() {
	name=$1 input=$2
	shift 2
	(cd "$tree" && timeout 600 "$@") <"$input" >"$dir/$name.out" 2>"$dir/$name.err"
	echo $? >"$dir/$name.rc"
	echo "$name" >>"$dir/cases"
}

# suite TREE DIR: runs every case with TREE's bc/bc and dc/dc.
suite() {
	tree=$1 dir=$2
	mkdir -p "$dir"
	: >"$dir/cases"
	for f in array arrayp aryprm atan checklib div exp fact jn ln mul raise \
		sine sqrt sqrt1 sqrt2; do
		one "$f" /dev/null bc/bc -l "Test/$f.b"
	done
	one BUG /dev/null bc/bc Test/BUG.bc
	one signum /dev/null bc/bc Test/signum
	one testfn "$tmp/in/testfn" bc/bc -l Test/testfn.b
	one pi "$tmp/in/pi" bc/bc -l Examples/pi.b
	one primes "$tmp/in/primes" bc/bc Examples/primes.b
	one twins "$tmp/in/twins" bc/bc Examples/twins.b
	one ckbook "$tmp/in/ckbook" bc/bc Examples/ckbook.b
	for num in 97 3628800 123456789 1000000007 4294967297 600851475143; do
		one "dc_factor-$num" /dev/null env PATH="$tree/dc:$PATH" sh debian/dc_factor "$num"
	done
}

# passes DIR NAME: the case exited 0, wrote nothing to standard error and
# printed the expected output.
passes() {
	[ "$(cat "$1/$2.rc")" = 0 ] && [ ! -s "$1/$2.err" ] &&
		cmp -s "$here/expected/$2.out" "$1/$2.out"
}

start=$(date +%s)
suite "$out/native/bc-1.07.1" "$tmp/native"
mid=$(date +%s)
suite "$out/bc-1.07.1" "$tmp/uni"
end=$(date +%s)

total=0 npass=0 upass=0 nfailing='' failing='' differ=''
while read -r name; do
	total=$((total + 1))
	if passes "$tmp/native" "$name"; then
		npass=$((npass + 1))
	else
		nfailing="$nfailing $name"
	fi
	if passes "$tmp/uni" "$name"; then
		upass=$((upass + 1))
	else
		failing="$failing $name"
	fi
	cmp -s "$tmp/native/$name.out" "$tmp/uni/$name.out" || differ="$differ $name"
done <"$tmp/native/cases"

[ "$npass" -gt 0 ] && [ "$npass" = "$total" ]
check $? "bc's Test/ and Examples/ and dc_factor natively (musl-gcc -static): $npass of $total pass${nfailing:+; failing:$nfailing}"
[ "$upass" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "the same with the images: $upass of $total pass ($npass natively)${failing:+; failing:$failing}"
suite_result "$npass" "$upass" "$total" $((mid - start)) $((end - mid))
[ -z "$differ" ]
check $? "the images print what the native build prints, case for case${differ:+; differing:$differ}"

[ "$failed" = 0 ]

#!/bin/sh
# Tests the jq port: builds it (ports/jq/build.sh) and runs jq's own test
# suite ("make check": tests/mantest, jqtest, onigtest and shtest, shell
# scripts that run ./jq) natively and with the image, which the scripts
# run as a host command. Unishyper must pass at least 95 % of what the
# native build passes; the failing tests are named. Then the tree's three
# other tests, which Debian's patch 0007 took out of make check
# (optionaltest, utf8test, base64test), run directly, and a set of filters
# over a host file whose output and exit status must equal the native
# jq's. Prints TAP; exits 0 only when every check passes.
#
# usage: ports/jq/test.sh [OUTDIR]   (default build/ports/jq)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/jq}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jq-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"

echo "1..6"
if ! "$top/ports/jq/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with ./configure CC=unishyper-gcc --with-oniguruma=SYSROOT"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/jq-1.6
ntree=$out/native/jq-1.6
# configure ran its test programs (not a cross build) and found oniguruma.h
# and -lonig where --with-oniguruma pointed: config.log says so.
sed -n '/checking whether we are cross compiling/,/result:/p' "$tree/config.log" 2>/dev/null |
	grep -q 'result: no$' &&
	grep -q "^ac_cv_lib_onig_onig_version=yes" "$tree/config.log" &&
	grep -q "^onig_LDFLAGS='-L$top/build/sysroot/lib'" "$tree/config.log" &&
	readelf -n "$tree/jq" 2>/dev/null | grep -q Xen &&
	[ -x "$ntree/jq" ] && ! readelf -l "$ntree/jq" | grep -q INTERP
check $? "builds with ./configure CC=unishyper-gcc --with-oniguruma=SYSROOT (not a cross build): jq is an image linked with the sysroot's libonig.a"

# suite TREE LOG: runs make check (bounded: 20 minutes); prints "PASS
# TOTAL CASES-PASSED CASES SECONDS", the cases being the filters of the
# --run-tests files, each log's "N of M tests passed".
suite() {
	t0=$(date +%s)
	timeout 1200 make -C "$1" check </dev/null >"$2" 2>&1
	t1=$(date +%s)
	cases=$(for f in "$1"/tests/*.log; do
		[ "$f" = "$1/tests/test-suite.log" ] || cat "$f"
	done | sed -n 's/^\([0-9]*\) of \([0-9]*\) tests passed.*/\1 \2/p' |
		awk '{ ok += $1; all += $2 } END { print ok + 0, all + 0 }')
	echo "$(sed -n 's/^# PASS: *//p' "$2") $(sed -n 's/^# TOTAL: *//p' "$2") $cases $((t1 - t0))"
}

# failures LOG: the tests make check's LOG names as failing, on one line.
failures() {
	sed -n 's/^FAIL: //p; s/^ERROR: //p' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

read -r npass ntotal ncase nall nsec <<EOR
$(suite "$ntree" "$tmp/native.log")
EOR
nfailing=$(failures "$tmp/native.log")
# tests/mantest takes the manual's examples from `rake mantests` (Debian's
# rake and ruby-ronn). Without rake it cannot run, natively or with the
# image: it is then the one failure allowed here, and the line says so.
allowed=
command -v rake >/dev/null || allowed="tests/mantest"
[ "${npass:-0}" -gt 0 ] && { [ "$npass" = "$ntotal" ] || [ "$nfailing" = "${allowed:-none}" ]; }
check $? "jq's make check natively (musl-gcc -static): ${npass:-?} of ${ntotal:-?} pass, ${ncase:-?} of ${nall:-?} filters (${nsec:-?} s)${nfailing:+; failing: $nfailing}${allowed:+ (no rake: mantest cannot run)}"
read -r upass utotal ucase uall usec <<EOR
$(suite "$tree" "$tmp/uni.log")
EOR
failing=$(failures "$tmp/uni.log")
[ "${upass:-0}" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "jq's make check with the image: ${upass:-?} of ${utotal:-?} pass (${npass:-?} natively), ${ucase:-?} of ${uall:-?} filters (${usec:-?} s)${failing:+; failing: $failing}"
suite_result "${ncase:-0}" "${ucase:-0}" "${nall:-0}" "${nsec:--}" "${usec:--}"

# others TREE: runs the tests make check leaves out, as make check would
# (NO_VALGRIND=1), each bounded to 5 minutes; prints the ones that pass.
others() {
	for t in optionaltest utf8test base64test; do
		NO_VALGRIND=1 timeout 300 "$1/tests/$t" </dev/null >"$tmp/$t.log" 2>&1 && printf '%s ' "$t"
	done
}
nothers=$(others "$ntree")
uothers=$(others "$tree")
[ "$nothers" = "optionaltest utf8test base64test " ] && [ "$uothers" = "$nothers" ]
check $? "the tests Debian leaves out of make check: natively ${nothers:-none}pass; with the image ${uothers:-none}pass"

# The same filters over the same host file, natively and with the image:
# standard output, standard error and exit status must be equal.
awk 'BEGIN {
	printf "[";
	for (i = 1; i <= 300; i++)
		printf "%s{\"n\":%d,\"name\":\"item-%d\",\"tags\":[\"t%d\",\"u%d\"],\"price\":%d.%02d,\"when\":\"2024-%02d-%02dT10:00:00Z\",\"text\":\"caf\\u00e9 \\\"%d\\\" \\u2603\"}",
			(i > 1 ? "," : ""), i, i, i % 7, i % 3, i * 13 % 1000, i % 100, i % 12 + 1, i % 28 + 1, i;
	printf "]\n";
}' >"$tmp/data.json"
cat >"$tmp/filters" <<'EOF'
-c [.[]|select(.n%7==0)|.name]
-r .[]|"\(.n)\t\(.name)\t\(.price)"
-c group_by(.tags[0])|map({tag:.[0].tags[0],count:length,total:(map(.price)|add)})
-c map(.name|capture("(?<word>[a-z]+)-(?<num>[0-9]+)"))|.[0:5]
-c [.[]|.text|gsub("(?<d>[0-9])";"<\(.d)>")]|unique|length
-c [.[]|.text|test("\u2603")]|all
-r .[0:20][]|[.n,.name,.price]|@csv
-r .[0:20][]|.text|@base64
-r .[0:20][]|.text|@base64|@base64d
-c [.[]|.when|fromdateiso8601]|max|todate
-c [.[]|.name|ascii_upcase|explode|add]|add
-c sort_by(-.price)|.[0:3]|map(.n)
-c [paths(type=="number")]|length
-c tostream|select(length==2)|.[1]|numbers|select(.>290)
-c .[0]|to_entries|map(.key)
-c [limit(3;.[]|.n)],input_filename,$__loc__
-e [.[]|.n]|any(.>1000)
-c .[0]|.name|ltrimstr("item-")|tonumber|.+1
-c .[0
-c error("stop")
EOF
: >"$tmp/diff"
# run JQ NAME: the current filter over data.json; its output, errors and
# exit status in $tmp/NAME.out.
run() {
	(cd "$tmp" && "$1" "$opt" "$filter" data.json) </dev/null >"$tmp/$2.out" 2>&1
	echo "status $?" >>"$tmp/$2.out"
}
i=0
while IFS= read -r line; do
	i=$((i + 1))
	opt=${line%% *} filter=${line#* }
	run "$ntree/jq" native
	run "$tree/jq" image
	cmp -s "$tmp/native.out" "$tmp/image.out" || echo "$i: jq $opt '$filter'" >>"$tmp/diff"
done <"$tmp/filters"
[ ! -s "$tmp/diff" ] || cp "$tmp/diff" "$tmp/err"
[ ! -s "$tmp/diff" ] && [ "$i" = 20 ]
check $? "$i filters over a host file (regular expressions, @csv, @base64d, dates, errors): the image's output and status equal the native jq's"

# A larger input through a pipe: 20 000 objects on standard input.
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "{\"n\":%d,\"s\":\"%s\"}\n", i, substr("abcdefghij", i % 10 + 1) }' >"$tmp/many.json"
sum='[length, (map(.n) | add), (map(.s | length) | add)]'
"$ntree/jq" -s -c "$sum" <"$tmp/many.json" >"$tmp/native.out" 2>&1
"$tree/jq" -s -c "$sum" <"$tmp/many.json" >"$tmp/out" 2>"$tmp/err"
cmp -s "$tmp/out" "$tmp/native.out" && grep -qx '\[20000,200010000,110000\]' "$tmp/out"
check $? "20 000 objects on standard input, slurped: $(cat "$tmp/out" 2>/dev/null) as natively"

[ "$failed" = 0 ]

#!/bin/sh
# Runs each libFuzzer target for a bounded time and prints one TAP line per
# target. build/fuzz/fuzz_X starts from the seeds in tests/fuzz/corpus/X/
# and keeps what it finds in build/fuzz/corpus/X/ (the tree stays clean);
# a crashing input is saved as build/fuzz/fuzz_X-crash-*, and the report's
# main lines (error, first frames, summary, input saved) are printed as
# "# " comments; the whole log is build/fuzz/fuzz_X.log. Exits 1 if any
# target failed.
#
# usage: run-tap.sh SECONDS BINARY...

seconds=$1
shift
echo "1..$#"
n=0
status=0
for f in "$@"; do
	n=$((n + 1))
	name=$(basename "$f")
	dir=$(dirname "$f")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	corpus=$dir/corpus/${name#fuzz_}
	mkdir -p "$corpus"
	if "$f" -max_total_time="$seconds" -timeout=5 \
		-artifact_prefix="$dir/$name-" "$corpus" "$seeds" \
		>"$dir/$name.log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir/$name.log")
		echo "ok $n - $name (${runs:-?} runs in ${seconds}s)"
	else
		echo "not ok $n - $name"
		grep -E 'ERROR|^ *#[0-5] |SUMMARY|Test unit written' \
			"$dir/$name.log" | sed 's/^/# /'
		status=1
	fi
done
exit $status

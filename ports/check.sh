# TAP lines for the ports' test scripts (sourced, POSIX sh; $tmp must be a
# scratch folder): check RC DESCRIPTION prints "ok N - DESCRIPTION" when RC
# is 0, else "not ok N - DESCRIPTION" followed by the first lines of
# $tmp/out and $tmp/err (what the checked commands left there); it empties
# both files for the next check. $failed counts the failures. suite_result
# (below) reports the figures of the port's own suite.

n=0
failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		for f in out err; do
			[ -s "$tmp/$f" ] && sed "s/^/# std$f: /" "$tmp/$f" | head -n 10
		done
	fi
	: >"$tmp/out"
	: >"$tmp/err"
}

# suite_result NATIVE UNISHYPER TOTAL [NATIVE_S UNISHYPER_S]: the line make
# ports-check reads for docs/ports.md (ports/catalogue.sh): how many of the
# TOTAL tests of the port's own suite pass natively and with the images,
# and how many seconds the suite took each way.
suite_result() {
	echo "# suite: native $1 unishyper $2 total $3 seconds ${4:--} ${5:--}"
}

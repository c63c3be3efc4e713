#!/bin/sh
# Runs host test binaries (cmocka) with TAP output: their own "ok" and
# "not ok" lines, and their standard error as "# " comments. A binary that
# exits with a failure status without a "not ok" line (a sanitizer abort,
# a signal) gets one of its own, so that the failure is counted. Exits 1
# if any test failed.
#
# usage: run-tap.sh BINARY...

status=0
log=$(mktemp) || exit 1
trap 'rm -f "$log" "$log.err"' EXIT
for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>"$log.err"
	rc=$?
	cat "$log"
	sed 's/^/# /' "$log.err"
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -q '^not ok' "$log" ||
			echo "not ok - $(basename "$t") exited with status $rc"
	fi
done
exit $status

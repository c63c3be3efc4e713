# The shared part of the ports' test.sh scripts (sourced, POSIX sh): a
# scratch folder $tmp removed on exit (a server left in $pid is stopped),
# check RC DESCRIPTION (ports/check.sh: one TAP line, with the guest's
# output kept in $tmp/out and $tmp/err when it fails), and guest
# [unishyper-run options] -- ARGS... booting $img with $runner, $rc its
# status.
#
# Set before sourcing: top, img, port (the scratch folder's name) and
# guest_timeout (seconds).

runner=$top/toolchain/bin/unishyper-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$port-test.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$top/ports/check.sh"

guest() {
	rc=0
	"$runner" "$img" --timeout "$guest_timeout" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# Sourced by the integration scripts: the TAP helper
#   check DESCRIPTION COMMAND...
# prints "ok N - DESCRIPTION" when COMMAND succeeds, else "not ok N - ...",
# numbering from 1, and returns COMMAND's success.
n=0
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; return 1; fi
}

#!/bin/sh
# The whole ports catalogue (make ports-check): builds and tests every port
# in ports/ with its test.sh, libraries before the ports that link them,
# and writes the table of docs/ports.md between its "catalogue" marker
# lines (ports/catalogue.sh PORT... checks those alone and keeps the other
# rows as they were): per port, the Debian source package, how many tests of its own
# suite pass natively (musl-gcc -static) and with the images, the total,
# the suite's time each way, the result of its checks, the wall time of
# the whole script and the day it ran (suite.sh, where a port has one, runs
# after its test.sh: a suite too long for make test). Each test.sh reports its
# suite with suite_result (ports/check.sh); a port without that line (one
# whose checks are not an upstream suite) shows "-". Logs go to
# build/ports/NAME/check.log. Long: not part of make test.
#
# usage: ports/catalogue.sh [PORT...]   (default: all, in dependency order)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
doc=$top/docs/ports.md
# Libraries first: grep links pcre2, jq links libonig, and the ones with
# a library in the sysroot come before any port that might use it.
order="zlib xz-utils zstd lz4 expat pcre2 libonig lua5.4 sqlite3 bc grep gzip jq nginx redis hello"
for t in "$top"/ports/*/test.sh; do
	p=$(basename "$(dirname "$t")")
	case " $order " in *" $p "*) ;; *) order="$order $p" ;; esac
done
ports=${*:-$order}
day=$(date -u +%Y-%m-%d)

table=$(mktemp -d "${TMPDIR:-/tmp}/ports-table.XXXXXX")
trap 'rm -rf "$table"' EXIT
bad=0
for p in $ports; do
	[ -x "$top/ports/$p/test.sh" ] || { echo "ports/$p/test.sh: no such port" >&2; exit 2; }
	mkdir -p "$top/build/ports/$p"
	log=$top/build/ports/$p/check.log
	start=$(date +%s)
	"$top/ports/$p/test.sh" </dev/null >"$log" 2>&1
	rc=$?
	# A port whose own suite is too long for make test (which runs its
	# test.sh) has it in suite.sh.
	if [ -x "$top/ports/$p/suite.sh" ]; then
		"$top/ports/$p/suite.sh" </dev/null >>"$log" 2>&1 || rc=1
	fi
	secs=$(($(date +%s) - start))
	# shellcheck disable=SC2046 # three numbers, or nothing
	set -- $(sed -n 's/^# suite: native \([0-9]*\) unishyper \([0-9]*\) total \([0-9]*\) seconds \([0-9-]*\) \([0-9-]*\)$/\1 \2 \3 \4 \5/p' "$log" | tail -n 1)
	checks="$(grep -c '^ok' "$log") of $(grep -c '^\(not \)\{0,1\}ok' "$log")"
	if [ $rc = 0 ]; then
		result="pass ($checks)"
	else
		result="**fail** ($checks)"
		bad=$((bad + 1))
	fi
	source=$(awk -v p="$p" '$1 == "src" && ($2 == p || $2 == "lib" p) { print $2 " " $3; exit }' \
		"$top/toolchain/packages.txt")
	if [ $# = 5 ]; then
		echo "| [$p]($p/README.md) | $source | $1 | $2 | $3 | $4 s / $5 s | $result | ${secs} s | $day |" >"$table/$p"
	else
		echo "| [$p]($p/README.md) | $source | - | - | - | - | $result | ${secs} s | $day |" >"$table/$p"
	fi
	echo "$p: $result, ${secs} s (build/ports/$p/check.log)"
done

# The table replaces the lines between the markers, a row per port in
# dependency order (a port not checked now keeps its row); the rest of the
# page (the failing tests and their reasons) is written by hand.
{
	sed '/^<!-- catalogue: begin -->$/q' "$doc"
	echo
	echo "Written by \`make ports-check\` on $(nproc) CPUs with QEMU $(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p') (TCG)."
	echo
	echo "| port | Debian source | native passes | Unishyper passes | total | suite time, native / images | checks | time | checked |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for p in $order; do
		if [ -f "$table/$p" ]; then
			cat "$table/$p"
		else
			grep -F "| [$p]($p/README.md) |" "$doc" || :
		fi
	done
	echo
	sed -n '/^<!-- catalogue: end -->$/,$p' "$doc"
} >"$doc.new" && mv "$doc.new" "$doc"
[ $bad = 0 ]

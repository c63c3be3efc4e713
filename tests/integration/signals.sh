#!/usr/bin/env bash
# Statuses of a program that ends by its own fault or by running out of
# memory (tests/guest/signals.c with an argument), compared with the same
# program built by musl-gcc -static and run natively where the behaviour
# is Linux's, and statuses of default actions (tests/guest/sigasync.c).
# Expects build/tests/signals.img and sigasync.img (tests/run.sh builds them).
# Prints TAP.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/tap.sh
RUN=toolchain/bin/unishyper-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-signals.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
native=
if command -v musl-gcc >/dev/null && musl-gcc -static -O2 -o $tmp/native tests/guest/signals.c \
	-lpthread 2>/dev/null; then
	native=$tmp/native
fi

# Default actions of signals the program gets (tests/guest/sigasync.c).
for c in "term:143" "kill:137"; do
	$RUN build/tests/sigasync.img -- ${c%%:*} >/dev/null 2>$tmp/err </dev/null
	rc=$?
	check "${c%%:*}: status ${c#*:}" [ $rc = ${c#*:} ] || echo "# status $rc"
done

for c in "oom:137:out of memory: program killed" "stack:139:SIGSEGV" "stackro:139:SIGSEGV" \
	"abort:134:SIGABRT"; do
	what=${c%%:*} rest=${c#*:}
	$RUN build/tests/signals.img --mem 64 -- $what >/dev/null 2>$tmp/err </dev/null
	rc=$?
	check "$what: status ${rest%%:*}" [ $rc = ${rest%%:*} ] || echo "# status $rc"
	check "$what: one line on standard error says so" grep -q "${rest#*:}" $tmp/err
	if [ -n "$native" ] && [ $what != oom ]; then
		$native $what >/dev/null 2>&1 </dev/null
		check "$what: the native program ends with the same status" [ $? = $rc ]
	fi
done

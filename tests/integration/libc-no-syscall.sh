#!/bin/sh
# Checks that Unishyper's musl makes system calls as function calls.
#
#   tests/integration/libc-no-syscall.sh SYSROOT
#
# 1. No object of SYSROOT/lib (libc.a and crt1.o, crti.o, ...) contains a
#    syscall, sysenter or int $0x80 instruction; offending functions are
#    listed as TAP comments.
# 2. getpid() with its constant number is resolved at compile time: the
#    getpid member of libc.a calls or jumps to sys_getpid (a relocation
#    against sys_getpid), not sys_dispatch.
# Prints TAP; exits 0 when every check passes, 1 otherwise.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 SYSROOT" >&2
	exit 2
fi
lib=$1/lib
objdump=${OBJDUMP:-objdump}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

echo "1..2"

# objdump -d prints "<func>:" before each function and the instruction
# mnemonic in the third tab-separated field of every instruction line.
"$objdump" -d "$lib/libc.a" "$lib"/*.o >"$tmp/dis" 2>"$tmp/err" ||
	{ echo "# objdump failed: $(head -n 1 "$tmp/err")"; : >"$tmp/dis"; }
awk -F '\t' '
	/file format/ { obj = $1; sub(/:.*/, "", obj) }
	/^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn) }
	NF >= 3 && $3 ~ /^(syscall|sysenter|int +\$0x80)( |$)/ { print obj " " fn ": " $3 }
' "$tmp/dis" | sort -u >"$tmp/bad"
if [ -s "$tmp/dis" ] && [ ! -s "$tmp/bad" ]; then
	echo "ok 1 - libc.a contains no syscall instruction"
else
	echo "not ok 1 - libc.a contains no syscall instruction"
	sed 's/^/# /' "$tmp/bad"
	failed=1
fi

# The getpid member is getpid.o; its disassembly with relocations must name
# sys_getpid and must not name sys_dispatch.
"$objdump" -dr "$lib/libc.a" 2>/dev/null | awk '
	/^[0-9a-f]+ <getpid>:$/ { on = 1; print; next }
	/^[0-9a-f]+ <.*>:$/ { on = 0 }
	/^In archive|file format/ { on = 0 }
	on
' >"$tmp/getpid"
if grep -qE 'R_X86_64_[A-Z0-9_]+[[:space:]]+sys_getpid([-+]|$)' "$tmp/getpid" &&
	! grep -q 'sys_dispatch' "$tmp/getpid"; then
	echo "ok 2 - getpid resolves to sys_getpid at compile time"
else
	echo "not ok 2 - getpid resolves to sys_getpid at compile time"
	sed 's/^/# /' "$tmp/getpid"
	failed=1
fi

exit $failed

#!/bin/sh
# Tests the GNU hello port: builds it with ports/hello/build.sh (configure
# and make, see README.md), boots the image with unishyper-run for each case
# (standard input from /dev/null) and prints one TAP line per check. Ends
# with hello's own test suite ("make check"), pointed at the image. Exits 0
# only when every check passes.
#
# usage: ports/hello/test.sh [OUTDIR]   (default build/ports/hello)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/hello}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1
img=$out/hello.img
tree=$out/hello-2.10-3

# The guest gets the host's locale variables from unishyper-run: start from
# none, and set one explicitly where a check depends on it.
unset LANG LANGUAGE LC_ALL LC_MESSAGES LC_CTYPE

port=hello guest_timeout=30
. "$top/ports/tap.sh"

# is FILE TEXT: FILE holds exactly the line TEXT.
is() {
	printf '%s\n' "$2" | cmp -s - "$1"
}

echo "1..10"

start=$(date +%s)
if ! "$top/ports/hello/build.sh" "$out" >"$tmp/build.err" 2>&1; then
	echo "not ok 1 - builds with configure --host=x86_64-linux-musl CC=unishyper-gcc and make"
	sed 's/^/# /' "$tmp/build.err"
	echo "Bail out! the build failed"
	exit 1
fi
secs=$(($(date +%s) - start))
ok=0
grep -qx '  \$ ./configure --host=x86_64-linux-musl CC=.*/toolchain/bin/unishyper-gcc' \
	"$tree/config.log" 2>/dev/null || ok=1
# configure's test programs ran: the images are host commands.
grep -qx 'checking whether we are cross compiling\.\.\. no' "$out/build.log" 2>/dev/null || ok=1
readelf -n "$img" 2>/dev/null | grep -q Xen || ok=1
check $ok "builds with configure --host=x86_64-linux-musl CC=unishyper-gcc and make (${secs}s): a PVH image"

guest --
ok=0
is "$tmp/out" "Hello, world!" && [ ! -s "$tmp/err" ] && [ "$rc" = 0 ] || ok=1
check $ok "hello prints \"Hello, world!\" and exits 0 (status $rc)"

guest -- -g Bonjour
ok=0
is "$tmp/out" Bonjour && [ "$rc" = 0 ] || ok=1
check $ok "hello -g Bonjour prints Bonjour (status $rc)"

guest -- "--greeting=Bonjour, le \"monde\" !"
ok=0
is "$tmp/out" 'Bonjour, le "monde" !' && [ "$rc" = 0 ] || ok=1
check $ok "hello --greeting=TEXT prints TEXT, spaces and quotes kept (status $rc)"

guest -- --version
ok=0
[ "$(head -n 1 "$tmp/out")" = "hello (GNU Hello) 2.10" ] && [ "$rc" = 0 ] || ok=1
check $ok "hello --version prints \"hello (GNU Hello) 2.10\" (status $rc)"

# hello 2.10 reports a bad option, prints its help and then still greets
# and exits 0 (README.md, "Known upstream behaviour"); the same source
# built for Linux does the same.
guest -- --bogus
ok=0
grep -qx "hello: unrecognized option '--bogus'" "$tmp/err" &&
	! grep -q unrecognized "$tmp/out" && grep -q '^Usage: hello' "$tmp/out" &&
	[ "$rc" = 0 ] || ok=1
check $ok "hello --bogus: \"unrecognized option\" on standard error, usage on standard output, status 0 as upstream 2.10 (status $rc)"

# hello's one failing path: a greeting that is not valid in the locale's
# encoding makes it call error(EXIT_FAILURE, ...).
guest --env LC_ALL=C.UTF-8 -- -g "$(printf 'caf\351')"
ok=0
grep -qx 'hello: conversion to a multibyte string failed: Illegal byte sequence' "$tmp/err" &&
	[ ! -s "$tmp/out" ] && [ "$rc" = 1 ] || ok=1
check $ok "hello -g <invalid UTF-8> in C.UTF-8: error on standard error, status 1 (status $rc)"

# hello's own tests take the program from $HELLO; its Makefile sets
# TESTS_ENVIRONMENT to HELLO=hello, which would run the image on the host.
(cd "$tree" && make check TESTS_ENVIRONMENT="HELLO='$runner $img --timeout 30 --'; export HELLO;") \
	</dev/null >"$tmp/check.log" 2>&1
rc=$?
pass=$(sed -n 's/^# PASS: *//p' "$tmp/check.log")
fail=$(sed -n 's/^# FAIL: *//p' "$tmp/check.log")
error=$(sed -n 's/^# ERROR: *//p' "$tmp/check.log")
ok=0
[ "$rc" = 0 ] && [ "${pass:-0}" -ge 4 ] && [ "$fail" = 0 ] && [ "$error" = 0 ] || ok=1
[ "$ok" = 0 ] || grep -E '^(FAIL|ERROR|# )' "$tmp/check.log" >"$tmp/err"
check $ok "make check, hello's own tests on the image: ${pass:-?} passed, ${fail:-?} failed"

# Builds a fresh copy of the tree with ./configure ARGS..., make and make
# check, the toolchain's folder first on PATH; the images run as host
# commands (configure's test programs, the program, make check's runs).
# Returns 0 when all went and make check passed at least 4 tests.
configure_build() {
	rm -rf "$tmp/tree" && cp -Rp "$tree/." "$tmp/tree" || return 1
	(cd "$tmp/tree" && export PATH="$top/toolchain/bin:$PATH" && make distclean >/dev/null 2>&1
	 ./configure "$@" >"$tmp/configure.log" 2>&1 && make >"$tmp/make.log" 2>&1 &&
		make check >"$tmp/check2.log" 2>&1) </dev/null || {
		tail -n 5 "$tmp/configure.log" "$tmp/make.log" "$tmp/check2.log" >"$tmp/err" 2>&1
		return 1
	}
	pass=$(sed -n 's/^# PASS: *//p' "$tmp/check2.log")
	[ "${pass:-0}" -ge 4 ]
}

configure_build CC=unishyper-gcc &&
	grep -qx "checking whether we are cross compiling... no" "$tmp/configure.log"
check $? "./configure CC=unishyper-gcc as for a native compiler, make, make check: ${pass:-?} passed"
configure_build --host=x86_64-unishyper-linux-musl &&
	grep -qx "AR = x86_64-unishyper-linux-musl-ar" "$tmp/tree/Makefile"
check $? "./configure --host=x86_64-unishyper-linux-musl finds x86_64-unishyper-linux-musl-gcc and -ar: ${pass:-?} passed"

[ "$failed" = 0 ]

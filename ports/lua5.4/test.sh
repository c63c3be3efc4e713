#!/bin/sh
# Tests the lua5.4 port: builds it (ports/lua5.4/build.sh) and runs the
# port's own Lua test suite (tests/, README.md says why there is no
# upstream one) with the native interpreter and with the image, which runs
# as a host command. Every check of a script prints one line; a check
# passes with the image when its line is the native build's passing line,
# byte for byte, and each script's standard error must be what its
# NAME.stderr file holds (nothing, without one). Unishyper must pass at
# least 95 % of what the native build passes; the failing checks are named.
# Then a program embedding Lua from the sysroot, and luac's image against
# the native luac. Prints TAP; exits 0 only when every check passes.
#
# usage: ports/lua5.4/test.sh [OUTDIR]   (default build/ports/lua5.4)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/ports/lua5.4
out=${1:-$top/build/ports/lua5.4}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lua5.4-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"
sysroot=$top/build/sysroot

echo "1..5"
if ! "$here/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds with Lua's Makefile and CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/lua5.4-5.4.4
ntree=$out/native/lua5.4-5.4.4
readelf -n "$tree/src/lua5.4" 2>/dev/null | grep -q Xen &&
	readelf -n "$tree/src/luac5.4" 2>/dev/null | grep -q Xen &&
	[ -f "$sysroot/lib/liblua5.4.a" ] && [ -f "$sysroot/include/lua5.4/lua.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/lua5.4.pc" ]
check $? "builds with Lua's Makefile and CC=unishyper-gcc: images, liblua5.4.a, headers and lua5.4.pc in the sysroot"

# suite LUA DIR: runs every script of tests/ with the interpreter LUA, each
# in a fresh folder DIR/NAME holding copies of the script, the harness and
# the standard input, and leaves there out (standard output) and err.
suite() {
	for t in "$here"/tests/*.lua; do
		name=$(basename "$t" .lua)
		[ "$name" = harness ] && continue
		mkdir -p "$2/$name"
		cp "$t" "$here/tests/harness.lua" "$here/tests/stdin.txt" "$2/$name/"
		(cd "$2/$name" && TZ="CET-1CEST,M3.5.0,M10.5.0/3" \
			LUA_TEST_VALUE='a value with spaces = and "quotes"' \
			timeout 300 "$1" harness.lua "$name.lua" <stdin.txt >out 2>err)
	done
}

# stderr_ok DIR NAME: the script's standard error is what tests/NAME.stderr
# holds, or empty.
stderr_ok() {
	if [ -f "$here/tests/$2.stderr" ]; then
		cmp -s "$here/tests/$2.stderr" "$1/$2/err"
	else
		[ ! -s "$1/$2/err" ]
	fi
}

start=$(date +%s)
suite "$ntree/src/lua5.4" "$tmp/native"
mid=$(date +%s)
suite "$tree/src/lua5.4" "$tmp/uni"
end=$(date +%s)

# Count per script: the checks are the native run's "ok"/"not ok" lines and
# one for standard error. An image check passes when the image printed the
# native run's passing line itself.
ntotal=0 npass=0 upass=0 failing=
for d in "$tmp"/native/*/; do
	name=$(basename "$d")
	grep -aE '^(not )?ok ' "$d/out" >"$tmp/checks"
	grep -a '^ok ' "$d/out" >"$tmp/passes"
	total=$(($(wc -l <"$tmp/checks") + 1))
	np=$(wc -l <"$tmp/passes")
	up=$(grep -acFx -f "$tmp/passes" "$tmp/uni/$name/out")
	stderr_ok "$tmp/native" "$name" && np=$((np + 1))
	stderr_ok "$tmp/uni" "$name" && up=$((up + 1))
	while IFS= read -r line; do
		grep -aqFx -e "$line" "$tmp/uni/$name/out" ||
			failing="$failing $name:$(printf '%s\n' "$line" | sed 's/^ok \([^:]*\):.*/\1/' | tr ' ' '_')"
	done <"$tmp/passes"
	stderr_ok "$tmp/uni" "$name" || failing="$failing $name:stderr"
	echo "# $name: $up of $total pass ($np natively)"
	ntotal=$((ntotal + total)) npass=$((npass + np)) upass=$((upass + up))
done

[ "$npass" -gt 0 ] && [ "$npass" = "$ntotal" ]
check $? "the Lua test suite natively (musl-gcc -static): $npass of $ntotal pass"
[ "$upass" -gt 0 ] && [ $((upass * 100)) -ge $((npass * 95)) ]
check $? "the Lua test suite with the image: $upass of $ntotal pass ($npass natively)${failing:+; failing:$failing}"
suite_result "$npass" "$upass" "$ntotal" $((mid - start)) $((end - mid))

# A C program of its own embeds Lua from the sysroot (pkg-config lua5.4).
cat >"$tmp/embed.c" <<'EOC'
#include <stdio.h>
#include <lauxlib.h>
#include <lualib.h>

int main(void)
{
	lua_State *L = luaL_newstate();

	luaL_openlibs(L);
	if (luaL_dostring(L, "return _VERSION .. ' ' .. string.format('%d', 6 * 7)") != LUA_OK)
		return 1;
	printf("%s\n", lua_tostring(L, -1));
	lua_close(L);
	return 0;
}
EOC
# shellcheck disable=SC2046 # the flags are separate words
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/embed" "$tmp/embed.c" \
	$("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs lua5.4) >"$tmp/err" 2>&1 &&
	"$tmp/embed" >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -qx 'Lua 5.4 42' "$tmp/out"
check $? "a program linked with -llua5.4 from the sysroot (unishyper-pkg-config) runs a chunk ($(cat "$tmp/out" 2>/dev/null))"

# luac's image compiles a script of the suite to the same bytecode as the
# native luac, and the native interpreter runs it.
mkdir "$tmp/luac"
cd "$tmp/luac" || exit 1
cp "$here"/tests/*.lua .
"$tree/src/luac5.4" -s -o uni.luac math.lua >"$tmp/out" 2>"$tmp/err" </dev/null &&
	"$ntree/src/luac5.4" -s -o native.luac math.lua >>"$tmp/out" 2>>"$tmp/err" </dev/null &&
	cmp uni.luac native.luac >>"$tmp/err" 2>&1 &&
	"$ntree/src/lua5.4" -e 'function eq() end function ok() end function fails() end' uni.luac \
		>>"$tmp/out" 2>>"$tmp/err" </dev/null
check $? "luac5.4's image writes the native luac5.4's bytecode, which runs"
cd "$top" || exit 1

[ "$failed" = 0 ]

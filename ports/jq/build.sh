#!/bin/sh
# Builds jq 1.6 (Debian source package jq 1.6-2.1+deb12u2) for Unishyper
# with its own configure as for a native compiler, linked with the
# Oniguruma of ports/libonig installed in the sysroot, and the same tree
# natively with musl-gcc -static and ports/libonig's native library, the
# peer of its test suite. See README.md.
#
#   autoreconf -fi
#   ./configure CC=unishyper-gcc --with-oniguruma=SYSROOT --disable-shared \
#       --enable-all-static --disable-maintainer-mode --disable-docs \
#       --disable-valgrind
#   make
#
# Runs ports/libonig/build.sh first (reused when nothing changed; it
# installs libonig.a into the sysroot every time). Outputs, in OUTDIR
# (default build/ports/jq): jq-1.6/ (the Unishyper tree; jq there is the
# image) and native/jq-1.6/. A finished build is reused while this script,
# the source, the sysroot's libc and both libonig.a stay the same
# (OUTDIR/stamp); jq is linked again every time, so it carries the current
# kernel. Output goes to OUTDIR/build.log; on failure its last lines are
# shown.
#
# usage: ports/jq/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=jq-1.6-2.1+deb12u2
sysroot=$top/build/sysroot
port=jq
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/jq-1.6
ntree=$out/native/jq-1.6
onig=$top/build/ports/libonig
# Debian's source package ships configure.ac and Makefile.am only; Debian's
# own build makes configure with dh_autoreconf, and so does this one.
for tool in autoreconf automake libtoolize; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing (Debian's autoconf, automake and libtool make jq's configure)"
done
"$top/ports/libonig/build.sh" "$onig" || die "ports/libonig/build.sh failed"
# --disable-maintainer-mode: the shipped src/parser.c and src/lexer.c are
# used (no bison, no flex). --disable-docs: jq.1 is the shipped
# jq.1.prebuilt (the manual's build needs Ruby gems). --disable-valgrind:
# the tests run jq itself; under valgrind an image would be the launcher's
# trace, not jq's. --enable-all-static: libtool takes the -static of
# "musl-gcc -static" as its own flag, and this is its word for a static jq.
config="--disable-shared --enable-all-static --disable-maintainer-mode --disable-docs --disable-valgrind"

key=$({
	recipe_key
	sha256sum "$sysroot/lib/libonig.a" "$onig/native/root/usr/lib/libonig.a"
} | sha256sum | cut -d' ' -f1)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/jq" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$out/native"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	step "autoreconf" "$tree" autoreconf -fi
	cp -pR "$tree" "$ntree"
	# shellcheck disable=SC2086 # one word per option
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" $config \
		--with-oniguruma="$sysroot"
	step "make (unishyper-gcc)" "$tree" make -j2
	# shellcheck disable=SC2086
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" $config \
		--with-oniguruma="$onig/native/root/usr"
	step "make (musl-gcc -static)" "$ntree" make -j2
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	rm -f "$tree/jq"
	step "link (unishyper-gcc)" "$tree" make jq
fi

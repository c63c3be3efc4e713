#!/bin/sh
# Builds GNU bc 1.07.1 and dc (Debian source package bc 1.07.1-3) for
# Unishyper with their configure as for a native compiler, and the same
# tree natively with musl-gcc -static, the peer of the test suite. See
# README.md.
#
#   ./configure CC=unishyper-gcc CFLAGS="-g -O2 -D_POSIX_SOURCE ..." && make
#
# Outputs, in OUTDIR (default build/ports/bc): bc-1.07.1/ (the Unishyper
# tree; bc/bc and dc/dc there are the images) and native/bc-1.07.1/. A
# finished build is reused while this script, the source and the
# sysroot's libc are unchanged (OUTDIR/stamp); bc and dc are linked again
# every time, so they carry the current kernel. Output goes to
# OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/bc/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=bc-1.07.1-3
port=bc
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/bc-1.07.1
ntree=$out/native/bc-1.07.1
# Debian's patches leave Makefile.am and the texinfo sources newer than
# what was generated from them: make must not run autotools or makeinfo
# (the tree's own configure, Makefile.in and info files are used).
notools="ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true MAKEINFO=true"
# The defines debian/rules adds: a lone '.' is the last value, and an
# interrupt does not end bc. Debian also builds --with-readline; the
# sysroot has no readline, so both builds go without line editing.
cflags="-g -O2 -D_POSIX_SOURCE -DDOT_IS_LAST -DDONTEXIT"

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/bc/bc" ] ||
	[ ! -x "$ntree/dc/dc" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" CFLAGS="$cflags"
	# shellcheck disable=SC2086 # one word per variable
	step "make (unishyper-gcc)" "$tree" make $notools
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" CFLAGS="$cflags"
	# shellcheck disable=SC2086
	step "make (musl-gcc -static)" "$ntree" make $notools
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	rm -f "$tree/bc/bc" "$tree/dc/dc"
	# shellcheck disable=SC2086
	step "link bc (unishyper-gcc)" "$tree/bc" make $notools bc
	# shellcheck disable=SC2086
	step "link dc (unishyper-gcc)" "$tree/dc" make $notools dc
fi

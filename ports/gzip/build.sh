#!/bin/sh
# Builds gzip 1.12 (Debian source package gzip 1.12-1) for Unishyper with
# its configure as for a native compiler, and the same tree natively with
# musl-gcc -static, the peer of its test suite. See README.md.
#
#   ./configure CC=unishyper-gcc && make
#
# Outputs, in OUTDIR (default build/ports/gzip): gzip-1.12/ (the Unishyper
# tree; gzip there is the image) and native/gzip-1.12/. A finished build is
# reused while this script, the source and the sysroot's libc are
# unchanged (OUTDIR/stamp); gzip is linked again every time, so it carries
# the current kernel. Output goes to OUTDIR/build.log; on failure its last
# lines are shown.
#
# usage: ports/gzip/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=gzip-1.12-1
port=gzip
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/gzip-1.12
ntree=$out/native/gzip-1.12
# Debian's patches leave configure.ac and the m4 files newer than what was
# generated from them: make must not run autotools (the tree's own
# configure and Makefile.in are used as shipped).
notools="ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true MAKEINFO=true"

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/gzip" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc"
	# shellcheck disable=SC2086 # one word per variable
	step "make (unishyper-gcc)" "$tree" make $notools
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static"
	# shellcheck disable=SC2086
	step "make (musl-gcc -static)" "$ntree" make $notools
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	rm -f "$tree/gzip"
	# shellcheck disable=SC2086
	step "link (unishyper-gcc)" "$tree" make $notools gzip
fi

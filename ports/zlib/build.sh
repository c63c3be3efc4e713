#!/bin/sh
# Builds zlib 1.2.13 (Debian source package zlib 1:1.2.13.dfsg-1) for
# Unishyper with zlib's own configure, installs libz.a and its headers into
# the toolchain's sysroot (so other ports link -lz), and builds the same
# tree natively with musl-gcc -static, the peer of its test suite. See
# README.md.
#
#   CC=unishyper-gcc ./configure --static --prefix=/usr && make
#   make install DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/zlib): zlib-1.2.13.dfsg/ (the
# Unishyper tree, with libz.a and the example and minigzip images) and
# native/zlib-1.2.13.dfsg/. A finished build is reused while this script,
# the source and the sysroot's libc are unchanged (OUTDIR/stamp); libz.a
# is installed every time (a rebuilt musl empties the sysroot). Output
# goes to OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/zlib/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=zlib-1:1.2.13.dfsg-1
sysroot=$top/build/sysroot
port=zlib
. "$top/ports/recipe.sh"
recipe_start "$@"
# The copies drop the epoch's ':' from the folder name: make treats a ':'
# in a path as a rule separator.
tree=$out/zlib-1.2.13.dfsg
ntree=$out/native/zlib-1.2.13.dfsg

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -f "$tree/libz.a" ] ||
	[ ! -x "$ntree/minigzip" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	step "configure (unishyper-gcc)" "$tree" env CC="$ucc" ./configure --static --prefix=/usr
	step "make (unishyper-gcc)" "$tree" make
	step "configure (musl-gcc -static)" "$ntree" env CC="musl-gcc -static" ./configure --static
	step "make (musl-gcc -static)" "$ntree" make
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	rm -f "$tree/example" "$tree/minigzip" "$tree/example64" "$tree/minigzip64"
	step "link (unishyper-gcc)" "$tree" make example minigzip example64 minigzip64
fi
step "install into the sysroot" "$tree" make install DESTDIR="$sysroot"

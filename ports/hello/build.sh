#!/bin/sh
# Builds GNU hello 2.10 (Debian source package hello 2.10-3) for Unishyper
# the way a user would: ./configure --host=x86_64-linux-musl
# CC=unishyper-gcc, then make. The source tree fetched by toolchain/deps.sh
# stays untouched: a copy is configured and built in OUTDIR, and the image is
# left at OUTDIR/hello.img. Every run starts from a fresh copy, so a second
# run gives the same result. Output goes to OUTDIR/build.log; on failure its
# last lines are shown. No network: a missing source tree is an error.
#
# usage: ports/hello/build.sh [OUTDIR]   (default build/ports/hello)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=hello-2.10-3
src=$top/build/deps/src/$pkg
cc=$top/toolchain/bin/unishyper-gcc

die() {
	echo "hello/build.sh: $*" >&2
	exit 1
}

[ -f "$src/configure" ] ||
	die "$src is missing: run 'make deps' (toolchain/deps.sh) in $top"
if [ ! -f "$top/build/toolchain/unishyper.specs" ] || [ ! -f "$top/build/unishyper.o" ]; then
	die "the toolchain is not built: run 'make' in $top"
fi

out=${1:-$top/build/ports/hello}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/build.log
tree=$out/$pkg

# step NAME COMMAND...: runs COMMAND in the copied tree, output to the log.
step() {
	name=$1
	shift
	echo "== $name: $*" >>"$log"
	if ! (cd "$tree" && "$@") >>"$log" 2>&1; then
		echo "hello/build.sh: $name failed; last lines of $log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
}

: >"$log"
rm -rf "$tree" "$out/hello.img"
# -p keeps the shipped timestamps: configure, Makefile.in and config.in are
# newer than configure.ac and Makefile.am, so make does not try to rerun
# autoconf and automake (which the tarball does not need).
cp -pR "$src" "$tree"

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
step configure ./configure --host=x86_64-linux-musl CC="$cc"
step make make -j"$jobs"

cp "$tree/hello" "$out/hello.img.tmp"
mv "$out/hello.img.tmp" "$out/hello.img"

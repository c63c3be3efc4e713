#!/bin/sh
# Builds LZ4 1.9.4 (Debian source package lz4 1.9.4-1) for Unishyper with
# its own makefiles and CC=unishyper-gcc, installs liblz4 (liblz4.a, lz4.h,
# lz4hc.h, lz4frame.h, liblz4.pc) into the toolchain's sysroot, and builds
# the same tree natively with musl-gcc -static, the peer of its test
# suite. See README.md.
#
#   make CC=unishyper-gcc lz4 && make -C tests CC=unishyper-gcc all
#   make -C lib install BUILD_SHARED=no -o liblz4 PREFIX=/usr DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/lz4): lz4-1.9.4/ (the Unishyper
# tree; programs/lz4 and the test programs in tests/ are images) and
# native/lz4-1.9.4/. A finished build is reused while this script, the
# source and the sysroot's libc are unchanged (OUTDIR/stamp); the programs
# are linked again every time, so they carry the current kernel, and
# liblz4 is installed every time (a rebuilt musl empties the sysroot).
# Output goes to OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/lz4/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=lz4-1.9.4-1
sysroot=$top/build/sysroot
port=lz4
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/lz4-1.9.4
ntree=$out/native/lz4-1.9.4
# The suite's programs (tests/Makefile's "all" and the one more that
# test-decompress-partial runs).
tests="all decompress-partial-usingDict"
images="programs/lz4 lz4 tests/fullbench tests/fuzzer tests/frametest tests/roundTripTest
tests/datagen tests/checkFrame tests/decompress-partial tests/decompress-partial-usingDict"

# build TREE CC: the lz4 program (with lib/liblz4.a, which the top-level
# "lz4" target makes; "lib" would also make the shared library) and the
# test programs.
build() {
	step "make lz4 ($2)" "$1" make -j2 CC="$2" lz4
	# shellcheck disable=SC2086 # one word per target
	step "make the test programs ($2)" "$1/tests" make -j2 CC="$2" $tests
}

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$tree/programs/lz4" ] ||
	[ ! -x "$ntree/programs/lz4" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	build "$tree" "$ucc"
	build "$ntree" "musl-gcc -static"
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	# shellcheck disable=SC2086 # one word per image
	(cd "$tree" && rm -f $images)
	build "$tree" "$ucc"
fi
# lib's install target depends on "lib", which includes the shared
# library that unishyper-gcc cannot make: -o liblz4 takes that target as
# made, BUILD_SHARED=no keeps it out of the installation.
step "install liblz4 into the sysroot" "$tree/lib" make install CC="$ucc" BUILD_SHARED=no -o liblz4 \
	PREFIX=/usr DESTDIR="$sysroot"

#!/bin/sh
# Builds Zstandard 1.5.4 (Debian source package libzstd 1.5.4+dfsg2-5) for
# Unishyper with its own makefiles and CC=unishyper-gcc, installs libzstd
# (libzstd.a, zstd.h, zstd_errors.h, zdict.h, libzstd.pc) into the
# toolchain's sysroot, and builds the same tree natively with musl-gcc
# -static, the peer of its test suite. See README.md.
#
#   make -C tests CC=unishyper-gcc zstd datagen fuzzer ...
#   make -C lib CC=unishyper-gcc PREFIX=/usr libzstd.a-release libzstd.pc
#   make -C lib install-static install-includes install-pc PREFIX=/usr DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/zstd): zstd-1.5.4/ (the Unishyper
# tree; programs/zstd and the test programs in tests/ are images) and
# native/zstd-1.5.4/. A finished build is reused while this script, the
# source and the sysroot's libc are unchanged (OUTDIR/stamp); the programs
# are linked again every time, so they carry the current kernel, and
# libzstd is installed every time (a rebuilt musl empties the sysroot).
# Output goes to OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/zstd/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=libzstd-1.5.4+dfsg2-5
sysroot=$top/build/sysroot
port=zstd
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/zstd-1.5.4
ntree=$out/native/zstd-1.5.4
# zstd as the suite builds it (tests/Makefile: "zstd", with assertions),
# and the programs of the suite's targets that test.sh runs.
programs="zstd datagen fullbench fuzzer zstreamtest invalidDictionaries legacy decodecorpus poolTests"
# The gzip, xz and lz4 formats stay out of both builds: musl-gcc finds no
# zlib, liblzma or liblz4, unishyper-gcc would find them in the sysroot,
# and the two programs must be the same for the suite's comparison.
formats="HAVE_ZLIB=0 HAVE_LZMA=0 HAVE_LZ4=0"

# build TREE CC: the programs and libzstd.a.
build() {
	# shellcheck disable=SC2086 # one word per program and variable
	step "make the programs ($2)" "$1/tests" make -j2 CC="$2" $formats $programs
	step "make libzstd.a ($2)" "$1/lib" make -j2 CC="$2" PREFIX=/usr libzstd.a-release libzstd.pc
}

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$tree/programs/zstd" ] ||
	[ ! -x "$ntree/programs/zstd" ]; then
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
	# Linked again: the images carry the kernel. programs/zstd is a copy
	# of the one linked in programs/obj/*/ (its objects are kept).
	rm -f "$tree/programs/zstd" "$tree"/programs/obj/*/zstd
	# shellcheck disable=SC2086 # one word per program
	(cd "$tree/tests" && rm -f $programs)
	build "$tree" "$ucc"
fi
step "install libzstd into the sysroot" "$tree/lib" make install-static install-includes install-pc \
	PREFIX=/usr DESTDIR="$sysroot"

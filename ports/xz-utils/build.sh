#!/bin/sh
# Builds XZ Utils 5.4.1 (Debian source package xz-utils 5.4.1-1+deb12u2)
# for Unishyper with its configure as for a native compiler, installs
# liblzma (liblzma.a, lzma.h and lzma/, liblzma.pc) into the toolchain's
# sysroot, and builds the same tree natively with musl-gcc -static, the
# peer of its test suite. See README.md.
#
#   ./configure CC=unishyper-gcc --disable-shared --prefix=/usr && make
#   make -C src/liblzma install DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/xz-utils): xz-5.4.1/ (the
# Unishyper tree; src/xz/xz, src/xzdec/xzdec, ... are images) and
# native/xz-5.4.1/. A finished build is reused while this script, the
# source and the sysroot's libc are unchanged (OUTDIR/stamp); the programs
# and the test suite's programs are linked again every time, so they carry
# the current kernel, and liblzma is installed every time (a rebuilt musl
# empties the sysroot). Output goes to OUTDIR/build.log; on failure
# its last lines are shown.
#
# usage: ports/xz-utils/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=xz-utils-5.4.1-1+deb12u2
sysroot=$top/build/sysroot
port=xz-utils
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/xz-5.4.1
ntree=$out/native/xz-5.4.1
# The images of the tree: the programs, and the test suite's own programs
# (tests/Makefile's check_PROGRAMS, made here so that the suite's time is
# its runs only).
images="src/xz/xz src/xzdec/xzdec src/xzdec/lzmadec src/lzmainfo/lzmainfo"
checks="create_compress_files test_check test_hardware test_stream_flags test_filter_flags
test_block_header test_index test_index_hash test_bcj_exact_size test_memlimit test_lzip_decoder
test_vli"

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$tree/src/xz/xz" ] ||
	[ ! -x "$ntree/src/xz/xz" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	# --disable-shared: there are no shared libraries (unishyper-gcc
	# -shared refuses); liblzma.a is linked into the programs.
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" --disable-shared --prefix=/usr
	step "make (unishyper-gcc)" "$tree" make -j2
	# shellcheck disable=SC2086 # one word per program
	step "make the suite's programs (unishyper-gcc)" "$tree/tests" make -j2 $checks
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" --disable-shared
	# libtool drops -static from CC: -all-static is its word for it
	step "make (musl-gcc -static)" "$ntree" make -j2 LDFLAGS=-all-static
	# shellcheck disable=SC2086
	step "make the suite's programs (musl-gcc -static)" "$ntree/tests" make -j2 $checks
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	# shellcheck disable=SC2086 # one word per image
	(cd "$tree" && rm -f $images && cd tests && rm -f $checks)
	step "link (unishyper-gcc)" "$tree" make -j2
	# shellcheck disable=SC2086
	step "link the suite's programs (unishyper-gcc)" "$tree/tests" make -j2 $checks
fi
step "install liblzma into the sysroot" "$tree/src/liblzma" make install DESTDIR="$sysroot"

#!/bin/sh
# Builds expat 2.5.0 (Debian source package expat 2.5.0-1+deb12u2) for
# Unishyper with expat's CMake files and the toolchain's CMake file,
# installs libexpat.a, its headers and expat.pc into the toolchain's
# sysroot (so other ports link -lexpat), and builds the same tree natively
# with musl-gcc -static, the peer of its test suite. See README.md.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=toolchain/unishyper.cmake \
#       -DCMAKE_CXX_COMPILER=unishyper-gcc -DEXPAT_SHARED_LIBS=OFF ... && make
#   make install DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/expat): expat-2.5.0/ (the
# Unishyper tree; its build/ holds libexpat.a and the images
# tests/runtests, tests/runtestspp, xmlwf/xmlwf, examples/*) and
# native/expat-2.5.0/. A finished build is reused while this script, its
# patch, the source and the sysroot's libc are unchanged (OUTDIR/stamp);
# the images are linked again every time, so they carry the current
# kernel, and the library is installed every time (a rebuilt musl empties
# the sysroot). Output goes to OUTDIR/build.log; on failure its last lines
# are shown.
#
# usage: ports/expat/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=expat-2.5.0-1+deb12u2
sysroot=$top/build/sysroot
port=expat
. "$top/ports/recipe.sh"
recipe_start "$@"
patchfile=$top/ports/expat/xml-dtd-cmake.patch
# The source package is upstream's git tree: the library is its expat/
# folder, with CMake files and configure.ac but no generated configure.
tree=$out/expat-2.5.0
ntree=$out/native/expat-2.5.0
bin=$top/toolchain/bin
# Autotools' default flags (Debian's too): optimised, assertions kept.
flags="-g -O2"
# Both C and C++: the suite's runtestspp is runtests.c compiled as C++
# (the test of expat.h from C++); it needs no C++ library.
options="-DEXPAT_SHARED_LIBS=OFF -DEXPAT_BUILD_DOCS=OFF -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib"
images="tests/runtests tests/runtestspp xmlwf/xmlwf examples/elements examples/outline"

key="$(recipe_key) $(sha256sum <"$patchfile" | cut -d' ' -f1)"

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -f "$tree/build/libexpat.a" ] ||
	[ ! -x "$ntree/build/tests/runtests" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src/expat" "$tree"
	cp -pR "$src/expat" "$ntree"
	step "patch $(basename "$patchfile")" "$tree" patch -p1 -i "$patchfile"
	step "patch $(basename "$patchfile") (native)" "$ntree" patch -p1 -i "$patchfile"
	# shellcheck disable=SC2086 # one word per option
	step "cmake (unishyper-gcc)" "$tree" env CFLAGS="$flags" CXXFLAGS="$flags" \
		cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE="$top/toolchain/unishyper.cmake" \
		-DCMAKE_CXX_COMPILER="$bin/unishyper-gcc" $options
	step "make (unishyper-gcc)" "$tree/build" make -j2
	# shellcheck disable=SC2086
	step "cmake (musl-gcc -static)" "$ntree" env CC=musl-gcc CXX=musl-gcc \
		CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS=-static cmake -S . -B build $options
	step "make (musl-gcc -static)" "$ntree/build" make -j2
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	# shellcheck disable=SC2086 # one word per image
	(cd "$tree/build" && rm -f $images)
	step "link (unishyper-gcc)" "$tree/build" make -j2
fi
step "install into the sysroot" "$tree/build" make install DESTDIR="$sysroot"

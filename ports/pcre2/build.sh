#!/bin/sh
# Builds PCRE2 10.42 (Debian source package pcre2 10.42-1) for Unishyper
# with its configure as for a native compiler, JIT on, installs
# libpcre2-8.a (and libpcre2-posix.a), pcre2.h and their .pc files into the
# toolchain's sysroot (so other ports link -lpcre2-8), and builds the same
# tree natively with musl-gcc -static, the peer of its test suite. See
# README.md.
#
#   ./configure CC=unishyper-gcc --enable-jit --disable-shared --prefix=/usr
#   make && make install DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/pcre2): pcre2-10.42/ (the
# Unishyper tree; pcre2test, pcre2grep, pcre2_jit_test and
# pcre2posix_test there are images) and native/pcre2-10.42/. A finished
# build is reused while this script, the source and the sysroot's libc are
# unchanged (OUTDIR/stamp); the images are linked again every time, so
# they carry the current kernel, and the library is installed every time
# (a rebuilt musl empties the sysroot). Output goes to OUTDIR/build.log;
# on failure its last lines are shown.
#
# usage: ports/pcre2/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=pcre2-10.42-1
sysroot=$top/build/sysroot
port=pcre2
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/pcre2-10.42
ntree=$out/native/pcre2-10.42
# Debian's configuration has the JIT on amd64; the kernel gives the
# read-write-execute mappings its allocator asks for.
options="--enable-jit --disable-shared"
programs="pcre2test pcre2grep pcre2_jit_test pcre2posix_test"

key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -f "$tree/.libs/libpcre2-8.a" ] ||
	[ ! -x "$ntree/pcre2test" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	# shellcheck disable=SC2086 # one word per option
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" --prefix=/usr $options
	step "make (unishyper-gcc)" "$tree" make -j2
	# shellcheck disable=SC2086
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" $options
	# libtool drops -static from CC: -all-static is its word for it
	step "make (musl-gcc -static)" "$ntree" make -j2 LDFLAGS=-all-static
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	# shellcheck disable=SC2086
	(cd "$tree" && rm -f $programs)
	# shellcheck disable=SC2086
	step "link (unishyper-gcc)" "$tree" make -j2 $programs
fi
step "install into the sysroot" "$tree" make install DESTDIR="$sysroot"

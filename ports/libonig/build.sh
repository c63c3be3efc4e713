#!/bin/sh
# Builds Oniguruma 6.9.8 (Debian source package libonig 6.9.8-1), the
# regular expression library, for Unishyper with its own configure as for
# a native compiler, installs libonig.a, its headers and oniguruma.pc into
# the toolchain's sysroot (so other ports, jq first, link -lonig), and
# builds the same tree natively with musl-gcc -static, the peer of its test
# suite. See README.md.
#
#   autoreconf -fi
#   ./configure CC=unishyper-gcc --prefix=/usr --disable-shared \
#       --enable-binary-compatible-posix-api
#   make && make install DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/libonig): onig-6.9.8/ (the
# Unishyper tree, with libonig.a and the test and sample images of its
# "make check") and native/onig-6.9.8/, whose library and headers are also
# installed into native/root/usr (the native peer of ports/jq). A finished
# build is reused while this script, the source and the sysroot's libc are
# unchanged (OUTDIR/stamp); the test and sample programs are linked again
# every time, so they carry the current kernel, and the library is
# installed into the sysroot every time (a rebuilt musl empties it). Output
# goes to OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/libonig/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=libonig-6.9.8-1
sysroot=$top/build/sysroot
port=libonig
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/onig-6.9.8
ntree=$out/native/onig-6.9.8
# Debian's source package ships configure.ac and Makefile.am only; Debian's
# own build makes configure with dh_autoreconf, and so does this one.
for tool in autoreconf automake libtoolize; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing (Debian's autoconf, automake and libtool make Oniguruma's configure)"
done
# Debian configures with the POSIX API (regcomp, regexec as onig_posix_*
# and under their own names); its test (testp) and sample (posix) join
# make check.
config="--prefix=/usr --disable-shared --enable-binary-compatible-posix-api"

key=$(recipe_key)

# check_programs NAME DIR [VAR=VALUE...]: compiles and links the test and
# sample programs of make check in DIR without running them (TESTS=
# empties the list of tests run; check_PROGRAMS, the programs built, stays).
check_programs() {
	name=$1 dir=$2
	shift 2
	step "make check programs ($name)" "$dir" make -j2 check TESTS= "$@"
}

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -f "$tree/src/.libs/libonig.a" ] ||
	[ ! -x "$ntree/test/test_utf8" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$out/native"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	step "autoreconf" "$tree" autoreconf -fi
	cp -pR "$tree" "$ntree"
	# shellcheck disable=SC2086 # one word per option
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" $config
	step "make (unishyper-gcc)" "$tree" make -j2
	check_programs unishyper-gcc "$tree"
	# shellcheck disable=SC2086
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" $config
	step "make (musl-gcc -static)" "$ntree" make -j2
	# libtool takes the -static of CC as its own flag and links the programs
	# dynamically; -all-static is its word for a static link.
	check_programs "musl-gcc -static" "$ntree" LDFLAGS=-all-static
	step "install (musl-gcc -static)" "$ntree" make install DESTDIR="$out/native/root"
	rm -f "$out/native/root/usr/lib/libonig.la"
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	step "remove the check programs" "$tree" make -C test clean-checkPROGRAMS
	step "remove the sample programs" "$tree" make -C sample clean-checkPROGRAMS
	check_programs unishyper-gcc "$tree"
fi
step "install into the sysroot" "$tree" make install DESTDIR="$sysroot"
# Without libonig.la, as in Debian's package: it names /usr/lib as the
# library's place, which it is not, and libtool warns at every link.
rm -f "$sysroot/lib/libonig.la"

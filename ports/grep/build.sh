#!/bin/sh
# Builds GNU grep 3.8 (Debian source package grep 3.8-5) for Unishyper with
# its configure as for a native compiler and -P (Perl regular expressions)
# through the libpcre2-8 that ports/pcre2 installed into the sysroot,
# found with unishyper-pkg-config; and the same tree natively with
# musl-gcc -static, linked with the pcre2 port's native libpcre2-8.a, the
# peer of its test suite. See README.md.
#
#   ./configure CC=unishyper-gcc PKG_CONFIG=unishyper-pkg-config && make
#
# Outputs, in OUTDIR (default build/ports/grep): grep-3.8/ (the Unishyper
# tree; src/grep there is the image) and native/grep-3.8/. Needs the
# pcre2 port built first (ports/pcre2/build.sh, default OUTDIR). A
# finished build is reused while this script, the source, the sysroot's
# libc and both libpcre2-8.a are unchanged (OUTDIR/stamp); src/grep is
# linked again every time, so it carries the current kernel, and the test
# suite's programs are removed for make check to link them again. Output
# goes to OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/grep/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=grep-3.8-5
port="grep"
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/grep-3.8
ntree=$out/native/grep-3.8
pcre=$top/build/sysroot/lib/libpcre2-8.a
npcre=$top/build/ports/pcre2/native/pcre2-10.42
if [ ! -f "$pcre" ] || [ ! -f "$npcre/.libs/libpcre2-8.a" ]; then
	die "libpcre2-8 is missing: run ports/pcre2/build.sh first"
fi
# Debian's patches leave Makefile.am files newer than the Makefile.in made
# from them: make must not run autotools (the tree's own configure and
# Makefile.in are used as shipped).
notools="ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true MAKEINFO=true"

key="$(recipe_key) $(cat "$pcre" "$npcre/.libs/libpcre2-8.a" | sha256sum | cut -d' ' -f1)"

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/src/grep" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" \
		PKG_CONFIG="$top/toolchain/bin/unishyper-pkg-config" --enable-perl-regexp
	# shellcheck disable=SC2086 # one word per variable
	step "make (unishyper-gcc)" "$tree" make -j2 $notools
	# The native peer takes the pcre2 port's musl build: the host has no
	# libpcre2-8 for musl.
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" \
		PCRE_CFLAGS="-I$npcre/src" PCRE_LIBS="$npcre/.libs/libpcre2-8.a" --enable-perl-regexp
	# shellcheck disable=SC2086
	step "make (musl-gcc -static)" "$ntree" make -j2 $notools
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	rm -f "$tree/src/grep"
	# shellcheck disable=SC2086
	step "link (unishyper-gcc)" "$tree/src" make $notools grep
	# The test programs are images too: make check links them again.
	for d in tests gnulib-tests; do
		# shellcheck disable=SC2086
		step "remove the $d programs" "$tree/$d" make $notools clean-checkPROGRAMS
	done
fi

#!/bin/sh
# Builds SQLite 3.40.1 (Debian source package sqlite3 3.40.1-2+deb12u2) for
# Unishyper with its own configure, installs libsqlite3.a, sqlite3.h,
# sqlite3ext.h, sqlite3.pc and the sqlite3 shell into the toolchain's
# sysroot, and builds the same trees natively with musl-gcc -static, the
# peer of the test suite. SQLite's test suite is a Tcl program
# (testfixture: Tcl with the library and its test hooks linked in), so Tcl
# 8.6.13 (Debian source package tcl8.6 8.6.13+dfsg-2) is built first, the
# same two ways, as a static library. See README.md.
#
#   tcl8.6/unix: ./configure CC=unishyper-gcc --disable-shared && make install
#   sqlite3:     ./configure CC=unishyper-gcc --disable-shared --enable-all \
#                    --with-tcl=TCL/lib && make sqlite3 testfixture speedtest1
#                make install DESTDIR=SYSROOT
#
# Outputs, in OUTDIR (default build/ports/sqlite3): tcl8.6-8.6.13/ and
# tcl/ (the Unishyper Tcl tree and its installation), sqlite-3.40.1/ (the
# Unishyper tree: sqlite3, testfixture and speedtest1 there are images),
# and the same under native/. A finished build is reused while this
# script, the two sources and the sysroot's libc are unchanged
# (OUTDIR/stamp); the images are linked again whenever what an image is
# linked from changes (OUTDIR/link-stamp: the kernel, the link script, the
# compiler driver), so they carry the current kernel, and the library is
# installed into the sysroot every time (a rebuilt musl empties the
# sysroot). Output goes to
# OUTDIR/build.log; on failure its last lines are shown.
#
# usage: ports/sqlite3/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=sqlite3-3.40.1-2+deb12u2
tclpkg=tcl8.6-8.6.13+dfsg-2
sysroot=$top/build/sysroot
port=sqlite3
. "$top/ports/recipe.sh"
recipe_start "$@"
tclsrc=$top/build/deps/src/$tclpkg
[ -f "$tclsrc/.fetched" ] || die "$tclsrc is missing: run 'make deps' (toolchain/deps.sh) in $top"
tree=$out/sqlite-3.40.1
ttree=$out/tcl8.6-8.6.13
ntree=$out/native/sqlite-3.40.1
nttree=$out/native/tcl8.6-8.6.13
tcl=$out/tcl
ntcl=$out/native/tcl
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$jobs" -le 2 ] || jobs=2

# Both Tcl builds use Tcl's own copy of zlib (compat/zlib, zlib 1.2.13):
# the sysroot may or may not hold the zlib port's libz.a, and musl-gcc has
# none, so configure is told not to look for an installed one.
tclconf="--disable-shared ac_cv_header_zlib_h=no"
# SQLite: every extension the test suite covers (FTS4, FTS5, R-Tree,
# Geopoly, sessions), no readline, and the shell without zlib (no
# .archive) both ways, for the reason above. testfixture always compiles
# ext/misc/zipfile.c, which includes zlib.h: Tcl's copy of the header is
# given, and libtcl8.6.a holds the code. The files configure generates
# with Tcl (sqlite3.h, the amalgamation) are made by the native tclsh.
sqlconf="--disable-shared --enable-all --disable-readline --prefix=/usr
	ac_cv_header_zlib_h=no ac_cv_search_deflate=no"
# libtool drops -static from CC when it links; -all-static is its way
# of passing it on, for the native programs only (images are static).
nstatic=LTLINK_EXTRAS=-all-static
images="sqlite3 testfixture speedtest1"

key=$( {
	recipe_key
	echo "$tclpkg"
} | sha256sum | cut -d' ' -f1)
# What every image is linked from besides the objects and libc (in key):
# relinking testfixture and speedtest1 compiles their sources again, so
# it is done only when one of these changed.
linkkey=$( {
	echo "$key"
	cat "$top/build/unishyper.o" "$top/build/libunishyper-missing.a" \
		"$top/build/toolchain/unishyper.specs" "$top/toolchain/image.ld" \
		"$top/toolchain/bin/unishyper-gcc" "$top/toolchain/mkksyms"
} | sha256sum | cut -d' ' -f1)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/testfixture" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ttree" "$tcl" "$out/native"
	mkdir -p "$out/native"
	cp -pR "$tclsrc" "$ttree"
	cp -pR "$tclsrc" "$nttree"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	# shellcheck disable=SC2086 # one word per option
	step "configure Tcl (musl-gcc -static)" "$nttree/unix" \
		./configure CC="musl-gcc -static" --prefix="$ntcl" $tclconf
	step "make Tcl (musl-gcc -static)" "$nttree/unix" make -j"$jobs"
	step "install Tcl (musl-gcc -static)" "$nttree/unix" make install
	# shellcheck disable=SC2086
	step "configure Tcl (unishyper-gcc)" "$ttree/unix" \
		./configure CC="$ucc" --prefix="$tcl" $tclconf
	step "make Tcl (unishyper-gcc)" "$ttree/unix" make -j"$jobs"
	step "install Tcl (unishyper-gcc)" "$ttree/unix" make install
	# shellcheck disable=SC2086
	step "configure (musl-gcc -static)" "$ntree" ./configure CC="musl-gcc -static" \
		--with-tcl="$ntcl/lib" TCLSH_CMD="$ntcl/bin/tclsh8.6" \
		CPPFLAGS="-I$nttree/compat/zlib" $sqlconf
	# shellcheck disable=SC2086
	step "make (musl-gcc -static)" "$ntree" make -j"$jobs" $nstatic libsqlite3.la $images
	# shellcheck disable=SC2086
	step "configure (unishyper-gcc)" "$tree" ./configure CC="$ucc" \
		--with-tcl="$tcl/lib" TCLSH_CMD="$ntcl/bin/tclsh8.6" \
		CPPFLAGS="-I$ttree/compat/zlib" $sqlconf
	# shellcheck disable=SC2086
	step "make (unishyper-gcc)" "$tree" make -j"$jobs" libsqlite3.la $images
	echo "$key" >"$out/stamp"
	echo "$linkkey" >"$out/link-stamp"
elif [ "$(cat "$out/link-stamp" 2>/dev/null)" != "$linkkey" ]; then
	echo "== reusing the build of $key; linking the images again" >>"$log"
	rm -f "$out/link-stamp" "$ttree/unix/tclsh"
	step "link Tcl (unishyper-gcc)" "$ttree/unix" make install-binaries
	# shellcheck disable=SC2086 # one word per image
	(cd "$tree" && rm -f $images)
	# shellcheck disable=SC2086
	step "link (unishyper-gcc)" "$tree" make -j"$jobs" $images
	echo "$linkkey" >"$out/link-stamp"
else
	echo "== reusing the build of $key and its images" >>"$log"
fi
# Without the Tcl extension (HAVE_TCL empty): it would go to Tcl's
# library folder, not the sysroot. libtool's libsqlite3.la is removed, as
# Debian does: it names /usr/lib, which a later libtool link would take
# for the host's folder.
step "install into the sysroot" "$tree" make install HAVE_TCL= DESTDIR="$sysroot"
rm -f "$sysroot/lib/libsqlite3.la"

#!/bin/sh
# Builds Lua 5.4.4 (Debian source package lua5.4 5.4.4-3+deb12u1) for
# Unishyper with Lua's own Makefile, installs liblua5.4.a, its headers and
# lua5.4.pc into the toolchain's sysroot (so other programs embed Lua with
# -llua5.4), and builds the same tree natively with musl-gcc -static, the
# peer of the test suite. See README.md.
#
#   patch -p1 <static-build.patch
#   make linux CC="unishyper-gcc -std=gnu99"
#   make install INSTALL_TOP=SYSROOT ...
#
# Outputs, in OUTDIR (default build/ports/lua5.4): lua5.4-5.4.4/ (the
# Unishyper tree; src/lua5.4 and src/luac5.4 are the images, also installed
# into OUTDIR/bin) and native/lua5.4-5.4.4/. A finished build is reused
# while this script, the patch, the source and the sysroot's libc are
# unchanged (OUTDIR/stamp); the images are linked again every time, so
# they carry the current kernel, and the library is installed every time
# (a rebuilt musl empties the sysroot). Output goes to OUTDIR/build.log; on
# failure its last lines are shown.
#
# usage: ports/lua5.4/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=lua5.4-5.4.4-3+deb12u1
sysroot=$top/build/sysroot
port=lua5.4
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/lua5.4-5.4.4
ntree=$out/native/lua5.4-5.4.4
patchfile=$top/ports/lua5.4/static-build.patch
# Debian builds linux-readline; the sysroot has no readline, so the
# interpreter is built as upstream's "linux" platform (no line editing).
plat=linux
# Debian's multiarch name of amd64, the architecture of both builds.
multiarch=x86_64-linux-gnu

key=$( (recipe_key && cat "$patchfile") | sha256sum | cut -d' ' -f1)

# prepare TREE: copies the source to TREE, applies the patch and writes
# the header that Debian's luaconf.h includes, as debian/rules does (it
# names the folder for C modules in package.cpath: the same in both trees,
# so that both interpreters search the same paths).
prepare() {
	cp -pR "$src" "$1"
	step "patch $1" "$1" patch -p1 -i "$patchfile"
	{
		echo "#ifndef _LUA_DEB_MULTIARCH_"
		echo "#define _LUA_DEB_MULTIARCH_"
		echo "#define DEB_HOST_MULTIARCH \"$multiarch\""
		echo "#endif"
	} >"$1/src/lua5.4-deb-multiarch.h"
}

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -f "$tree/src/liblua5.4.a" ] ||
	[ ! -x "$ntree/src/lua5.4" ]; then
	rm -f "$out/stamp"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	prepare "$tree"
	prepare "$ntree"
	step "make (unishyper-gcc)" "$tree" make -j2 "$plat" CC="$ucc -std=gnu99"
	step "make (musl-gcc -static)" "$ntree" make -j2 "$plat" CC="musl-gcc -static -std=gnu99"
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
	# Linked again: the images carry the kernel.
	rm -f "$tree/src/lua5.4" "$tree/src/luac5.4"
	step "link (unishyper-gcc)" "$tree" make "$plat" CC="$ucc -std=gnu99"
fi

# Debian's layout: headers in include/lua5.4 (with the multiarch header
# luaconf.h includes), the library in lib; the images and manual pages go
# to OUTDIR rather than into the sysroot (the pages under upstream's names:
# debian/rules makes the lua5.4.1 copies).
step "install into the sysroot" "$tree" make install INSTALL_TOP="$sysroot" \
	INSTALL_LIB="$sysroot/lib" INSTALL_CMOD="$sysroot/lib/lua/5.4" \
	INSTALL_BIN="$out/bin" INSTALL_MAN="$out/man/man1" \
	TO_MAN="lua.1 luac.1" TO_INC="lua.h luaconf.h lualib.h lauxlib.h lua.hpp lua5.4-deb-multiarch.h"
# lua5.4.pc as debian/rules writes it, from debian/lua.pc.in; the sysroot
# keeps its libraries in lib itself, so the multiarch folder is taken out
# of the paths. lua-5.4.pc and lua54.pc are Debian's other names for it.
pc=$sysroot/lib/pkgconfig
mkdir -p "$pc"
{
	echo "prefix=/usr"
	echo "major_version=5.4"
	echo "version=5.4.$(sed -n 's/.*define LUA_VERSION_RELEASE[^"]*"\(.*\)"/\1/p' "$tree/src/lua.h")"
	echo "lib_name_include=lua5.4"
	# shellcheck disable=SC2016 # a literal ${...} of the .pc file
	sed 's|/${deb_host_multiarch}||' "$tree/debian/lua.pc.in"
} >"$pc/lua5.4.pc"
ln -sf lua5.4.pc "$pc/lua-5.4.pc"
ln -sf lua5.4.pc "$pc/lua54.pc"

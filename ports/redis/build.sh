#!/bin/sh
# Builds redis-server 7.0.15 (Debian source package redis
# 5:7.0.15-1~deb12u10) for Unishyper with redis's own Makefile, and the
# same build natively with musl-gcc -static for the peers of the
# benchmarks. See README.md for the flags and why.
#
#   make -C src redis-server CC=unishyper-gcc MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no
#
# builds the bundled dependencies under deps/ (hiredis, linenoise, lua,
# hdr_histogram) with the same compiler; there is no configure step.
#
# Outputs, in OUTDIR (default build/ports/redis):
#   redis-server.img     the bootable image
#   native/redis-server  the static native program
#   root/                the guest's root folder: /etc/redis/redis.conf
#                        (ports/redis/redis.conf)
#   root.img             root/ as a FAT disk, for unishyper-run --disk
#
# A finished build is reused while this script, the source and the
# sysroot's libc are unchanged (OUTDIR/stamp); the image is linked again
# every time, so a new kernel is always in it. Output goes to
# OUTDIR/build.log; on failure its last lines are shown. No network.
#
# usage: ports/redis/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=redis-5:7.0.15-1~deb12u10
here=$top/ports/redis
port=redis
. "$top/ports/recipe.sh"
recipe_start "$@"
# The copies drop the epoch's ':' from the folder name: make treats a ':'
# in a path as a rule separator.
tree=$out/redis-7.0.15
ntree=$out/native/redis-7.0.15
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$jobs" -le 2 ] || jobs=2

flags="MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no"
# src/mkreleasehdr.sh puts "git show-ref --head" into the version; the
# copies sit inside this project's git tree, whose commit is not redis's.
# Keeping git from looking above OUTDIR gives 00000000, as Debian's build.
GIT_CEILING_DIRECTORIES=$out
export GIT_CEILING_DIRECTORIES

# the reuse key (ports/recipe.sh)
key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/src/redis-server" ]; then
	rm -f "$out/stamp" "$out/redis-server.img" "$out/native/redis-server"
	rm -rf "$tree" "$ntree"
	mkdir -p "$out/native"
	cp -pR "$src" "$tree"
	cp -pR "$src" "$ntree"
	# shellcheck disable=SC2086 # one word per flag
	step "make (unishyper-gcc)" "$tree/src" make -j"$jobs" redis-server CC="$ucc" $flags
	# shellcheck disable=SC2086
	step "make (musl-gcc -static)" "$ntree/src" make -j"$jobs" redis-server \
		CC="musl-gcc -static" $flags
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
fi

# Linked again every time: the image carries the kernel.
rm -f "$tree/src/redis-server"
# shellcheck disable=SC2086
step "link (unishyper-gcc)" "$tree/src" make redis-server CC="$ucc" $flags
cp "$tree/src/redis-server" "$out/redis-server.img.tmp"
mv "$out/redis-server.img.tmp" "$out/redis-server.img"
cp "$ntree/src/redis-server" "$out/native/redis-server.tmp"
mv "$out/native/redis-server.tmp" "$out/native/redis-server"

root=$out/root
rm -rf "$root.tmp"
mkdir -p "$root.tmp/etc/redis"
cp "$here/redis.conf" "$root.tmp/etc/redis/"
rm -rf "$root" && mv "$root.tmp" "$root"
step "disk" "$out" "$top/toolchain/bin/unishyper-mkdisk" "$root" "$out/root.img"

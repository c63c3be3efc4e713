#!/bin/sh
# Completes the sysroot after musl's install, so that unishyper-gcc reads
# nothing outside it.
#
#   toolchain/sysroot.sh SYSROOT
#
# gcc's own part of every program — libgcc, libgcc_eh, the crtbegin/crtend
# objects — and its freestanding headers (stddef.h, stdarg.h, the vector
# intrinsics) are copied from the host's gcc into SYSROOT/lib/gcc, which the
# specs name by absolute path. SYSROOT/usr points back at SYSROOT, so a
# library installed with --prefix=SYSROOT and one installed with
# --prefix=/usr DESTDIR=SYSROOT land in the same include/ and lib/;
# SYSROOT/lib/pkgconfig is where their .pc files go (unishyper-pkg-config).
set -eu

[ $# -eq 1 ] || { echo "usage: $0 SYSROOT" >&2; exit 2; }
sysroot=$1
[ -f "$sysroot/lib/libc.a" ] || { echo "$0: $sysroot has no libc.a: build musl first" >&2; exit 1; }

gccdir=$(dirname "$(gcc -print-libgcc-file-name)")
rm -rf "$sysroot/lib/gcc"
mkdir -p "$sysroot/lib/gcc" "$sysroot/lib/pkgconfig" "$sysroot/share/pkgconfig"
for f in libgcc.a libgcc_eh.a crtbeginT.o crtbegin.o crtend.o; do
	cp "$gccdir/$f" "$sysroot/lib/gcc/$f"
done
cp -R "$gccdir/include" "$sysroot/lib/gcc/include"
ln -sfn . "$sysroot/usr"
printf '%s\n' "$(gcc -dumpfullversion)" >"$sysroot/lib/gcc/version"

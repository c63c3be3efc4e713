#!/bin/bash
# build.sh - build the Linux microVM peer of the benchmarks.
#
#   bench/linuxvm/build.sh OUTDIR
#
# OUTDIR/vmlinux        the uncompressed kernel, cut out of Debian's
#                       /boot/vmlinuz-* (newest, or $KERNEL): an ELF with a
#                       PVH entry note, so QEMU boots it with -kernel and no
#                       decompressor runs in the guest
# OUTDIR/initramfs.cpio the guest programs built with musl-gcc -static -O2
#                       plus linux_pid1.c: /hello, /sysbench, /boottime,
#                       /threadbench, /memspeed.
#                       The kernel runs one of them directly as init
#                       (rdinit=/hello), so nothing else is needed: no
#                       shell, no busybox, no modules.  /dev/console comes
#                       from the kernel's own built-in initramfs.  The
#                       archive is left uncompressed: nothing to inflate.
# OUTDIR/initramfs-files.cpio
#                       the file benchmark's guest: /fileinit (init, from
#                       linux_fileinit.c), /filebench, /manyfiles, and the
#                       modules that mount a vfat disk on virtio-blk
#                       (virtio_mmio,
#                       virtio_blk, vfat and the code pages of the kernel's
#                       FAT defaults, with their dependencies) taken from
#                       /lib/modules/VERSION of that same kernel, listed in
#                       load order in /modules.load.  Without those modules
#                       it is not built (a warning; the rest still is).
# OUTDIR/initramfs-9p.cpio
#                       the same for a folder shared over virtio-9p: /fileinit
#                       (booted with fileinit_fs=9p), /filebench, /portrun
#                       (a port's work figure, bench/ports.sh) and the
#                       modules virtio_mmio, 9pnet_virtio and 9p with their
#                       dependencies (netfs, fscache, ...).  Built or left
#                       out on its own, like initramfs-files.cpio.
# OUTDIR/rootfs-net/    the network benchmarks' guest, a tree that
#                       bench/net.sh completes with its programs and files
#                       and packs: /netinit (init, from linux_netinit.c)
#                       and the modules virtio_mmio and virtio_net with
#                       their dependencies, in /modules.load.  Left out
#                       with a warning, like the archives above.
# OUTDIR/kernel.txt     which kernel file was used
# vmlinux is kept when it is newer than the kernel it came from.
set -eu

OUT="${1:?usage: build.sh OUTDIR}"
SRC="$(cd "$(dirname "$0")/../src" && pwd)"
# The kernel of the installed linux-image-amd64, whatever its version: the
# package depends on the versioned image package that holds /boot/vmlinuz-*.
installed_kernel() {
	pkg=$(dpkg-query -W -f '${Depends}' linux-image-amd64 2>/dev/null | sed 's/[ ,(|].*//')
	[ -n "$pkg" ] && dpkg-query -L "$pkg" 2>/dev/null | grep -m1 '^/boot/vmlinuz-'
}
KERNEL="${KERNEL:-$(installed_kernel || :)}"
[ -f "$KERNEL" ] || { echo "linuxvm: no kernel of package linux-image-amd64 (run toolchain/deps.sh --bench)" >&2; exit 1; }
for t in musl-gcc cpio readelf strip; do
	command -v "$t" >/dev/null || { echo "linuxvm: missing tool $t" >&2; exit 1; }
done
mkdir -p "$OUT"

# has_pvh_note FILE: an ELF with XEN_ELFNOTE_PHYS32_ENTRY (type 18 = 0x12)
has_pvh_note() {
	readelf -nW "$1" 2>/dev/null | grep -q 'Xen.*0x00000012'
}

# extract_vmlinux BZIMAGE OUT: what linux/scripts/extract-vmlinux does.
# The payload of a bzImage is one compressed stream; try every place where
# a known magic number starts one, and keep the first that inflates to an
# ELF with a PVH note.  The decompressors complain about the data after the
# stream; that is expected.
extract_vmlinux() {
	local img="$1" out="$2" fmt magic off
	for fmt in xz zstd gzip lzma lz4; do
		case "$fmt" in
		xz) magic='\xFD7zXZ\x00' ;;
		zstd) magic='\x28\xB5\x2F\xFD' ;;
		gzip) magic='\x1F\x8B\x08' ;;
		lzma) magic='\x5D\x00\x00\x00' ;;
		lz4) magic='\x02\x21\x4C\x18' ;;
		esac
		command -v "$fmt" >/dev/null || continue
		for off in $(LC_ALL=C grep -aboP "$magic" "$img" | cut -d: -f1 | head -n 8); do
			tail -c +$((off + 1)) "$img" | "$fmt" -dc > "$out.tmp" 2>/dev/null || true
			if has_pvh_note "$out.tmp"; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

if [ ! -s "$OUT/vmlinux" ] || [ "$KERNEL" -nt "$OUT/vmlinux" ] ||
	[ "$(cat "$OUT/kernel.txt" 2>/dev/null)" != "$KERNEL" ]; then
	extract_vmlinux "$KERNEL" "$OUT/vmlinux" ||
		{ echo "linuxvm: no PVH vmlinux found inside $KERNEL" >&2; exit 1; }
	echo "$KERNEL" > "$OUT/kernel.txt"
fi

# pack ROOT CPIO: the tree ROOT as an uncompressed, reproducible archive
pack() {
	find "$1" -exec touch -h -d @0 {} +
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --owner=0:0 --reproducible --quiet) > "$2.tmp"
	mv "$2.tmp" "$2"
}

root="$OUT/rootfs"
rm -rf "$root"
mkdir -p "$root/dev"
for p in hello sysbench boottime threadbench memspeed; do
	musl-gcc -static -O2 -Wall -o "$root/$p" "$SRC/$p.c" "$SRC/linux_pid1.c"
	strip "$root/$p"
done
pack "$root" "$OUT/initramfs.cpio"

# The file benchmarks' initramfs.  The modules must be those of the kernel
# booted: its version is the suffix of /boot/vmlinuz-VERSION.  vfat loads
# the code page and the character set of the kernel's FAT defaults.
kver="${KERNEL##*/vmlinuz-}"
config="/boot/config-$kver"
codepage="$(sed -n 's/^CONFIG_FAT_DEFAULT_CODEPAGE=//p' "$config" 2>/dev/null)"
charset="$(sed -n 's/^CONFIG_FAT_DEFAULT_IOCHARSET="\(.*\)"/\1/p' "$config" 2>/dev/null)"
musl-gcc -static -O2 -Wall -o "$OUT/fileinit" "$SRC/linux_fileinit.c"
musl-gcc -static -O2 -Wall -o "$OUT/filebench" "$SRC/filebench.c"
musl-gcc -static -O2 -Wall -o "$OUT/manyfiles" "$SRC/manyfiles.c"
musl-gcc -static -O2 -Wall -o "$OUT/portrun" "$SRC/linux_portrun.c"
strip "$OUT/fileinit" "$OUT/filebench" "$OUT/manyfiles" "$OUT/portrun"

# files_initramfs NAME MODULE...: OUTDIR/initramfs-NAME.cpio with /fileinit,
# /filebench, /manyfiles, /portrun and the modules with their dependencies in /modules.load; a
# warning and no archive when modprobe cannot resolve one of them
files_initramfs() {
	local name="$1" root="$OUT/rootfs-$1" m d deps="" kos ko
	shift
	rm -rf "$root" "$OUT/initramfs-$name.cpio"
	for m in "$@"; do
		if ! d="$(modprobe -S "$kver" --show-depends "$m" 2>&1)"; then
			echo "linuxvm: warning: no initramfs-$name.cpio: modprobe -S $kver $m: $d" >&2
			return 0
		fi
		deps+="$d"$'\n'
	done
	mkdir -p "$root/dev"
	kos="$(awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<< "$deps")"
	for ko in $kos; do
		mkdir -p "$root$(dirname "$ko")"
		cp "$ko" "$root$ko"
	done
	printf '%s\n' $kos > "$root/modules.load"
	cp "$OUT/fileinit" "$OUT/filebench" "$OUT/manyfiles" "$OUT/portrun" "$root/"
	pack "$root" "$OUT/initramfs-$name.cpio"
}
files_initramfs files virtio_mmio virtio_blk vfat "nls_cp${codepage:-437}" "nls_${charset:-ascii}"
files_initramfs 9p virtio_mmio 9pnet_virtio 9p

# The network benchmarks' tree: the same module resolution, no archive.
musl-gcc -static -O2 -Wall -o "$OUT/netinit" "$SRC/linux_netinit.c"
strip "$OUT/netinit"
net_root="$OUT/rootfs-net"
rm -rf "$net_root"
if d="$(modprobe -S "$kver" --show-depends virtio_mmio 2>&1 && modprobe -S "$kver" --show-depends virtio_net 2>&1)"; then
	mkdir -p "$net_root/dev" "$net_root/proc"
	kos="$(awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<< "$d")"
	for ko in $kos; do
		mkdir -p "$net_root$(dirname "$ko")"
		cp "$ko" "$net_root$ko"
	done
	printf '%s\n' $kos > "$net_root/modules.load"
	cp "$OUT/netinit" "$net_root/"
else
	echo "linuxvm: warning: no rootfs-net: $d" >&2
fi

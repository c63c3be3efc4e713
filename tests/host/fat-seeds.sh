#!/bin/sh
# Makes the seed images of the FAT fuzz target (tests/fuzz/corpus/fat/):
# a whole 64 KiB FAT12 disk with long names and a subdirectory, and the
# first sectors of a FAT16 disk (boot sector, FATs, root, first files);
# fuzz_fat pads a short image with zeros up to the size its boot sector
# claims. Needs mkfs.fat and mtools.
#
# usage: fat-seeds.sh OUTDIR
set -e
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8
mkdir -p "$out"
echo "hello world" >"$tmp/a.txt"
head -c 3000 /dev/urandom >"$tmp/b.bin"

mkfs.fat -C -F 12 "$tmp/f12.img" 64 >/dev/null
mmd -i "$tmp/f12.img" ::/dir ::/dir/sub
mcopy -i "$tmp/f12.img" "$tmp/a.txt" "::/A long name.txt"
mcopy -i "$tmp/f12.img" "$tmp/b.bin" ::/dir/B.BIN
mcopy -i "$tmp/f12.img" "$tmp/a.txt" "::/dir/sub/Grüße.txt"
cp "$tmp/f12.img" "$out/fat12.img"

mkfs.fat -C -s 1 -F 16 "$tmp/f16.img" 2200 >/dev/null
mmd -i "$tmp/f16.img" ::/Folder
mcopy -i "$tmp/f16.img" "$tmp/a.txt" "::/Folder/some file.txt"
mcopy -i "$tmp/f16.img" "$tmp/b.bin" ::/short.bin
head -c 38400 "$tmp/f16.img" >"$out/fat16-head.img"

#!/usr/bin/env bash
# A FAT disk shared by the host and the guest: mtools writes files in, the
# guest (tests/guest/disk.c) reads them and writes a tree, and the host
# checks that tree byte for byte with mtools and the disk with fsck.fat.
# Also: a read-only disk, a disk that is not FAT, both machine types.
set -u
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-disk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh

# The guest's generator: byte i of file k.
expect() {
	python3 -c "import sys; k,s=int(sys.argv[1]),int(sys.argv[2]); sys.stdout.buffer.write(bytes((i*7+k*13)%251 for i in range(s)))" "$1" "$2"
}

for machine in microvm q35; do
	img=$tmp/$machine.img
	truncate -s 64M "$img"
	mkfs.fat -F 32 -n UNISHYPER "$img" >/dev/null
	mmd -i "$img" ::/in
	echo "written by mtools" >$tmp/host.txt
	head -c 100000 /dev/urandom >$tmp/long.bin
	mcopy -i "$img" $tmp/host.txt ::/in/host.txt
	mcopy -i "$img" $tmp/long.bin "::/in/Long Name From The Host.bin"

	$RUN build/tests/disk.img --machine $machine --smp 2 --disk "$img" </dev/null >$tmp/out 2>&1
	rc=$?
	sed -n "s/^\(not ok\|ok\) [0-9]* - /# $machine guest: \1 - /p" $tmp/out
	check "$machine: the guest's checks pass (status $rc)" bash -c "[ $rc = 0 ] && ! grep -q '^not ok' $tmp/out"
	sizes=(0 1 511 512 4097 65536 1000003)
	same=yes
	for k in 0 1 2 3 4 5 6; do
		mcopy -n -i "$img" "::/out/file $k with a long name.dat" $tmp/got 2>/dev/null || same=no
		cmp -s $tmp/got <(expect $k ${sizes[$k]}) || same=no
	done
	check "$machine: the 7 files read back byte-identical with mtools" [ $same = yes ]
	mcopy -n -i "$img" "::/out/sub/moved.dat" $tmp/got 2>/dev/null
	check "$machine: the renamed file is where it was moved" cmp -s $tmp/got <(expect 9 3000)
	check "$machine: 150 files left in out/sub plus the moved one" \
		bash -c "[ \$(mdir -b -i '$img' ::/out/sub | wc -l) = 151 ]"
	check "$machine: fsck.fat -n finds nothing" bash -c "fsck.fat -n '$img' >/dev/null 2>&1"
done

img=$tmp/microvm.img
$RUN build/tests/disk.img --disk "$img:ro" -- ro </dev/null >$tmp/out 2>&1
rc=$?
sed -n "s/^\(not ok\|ok\) [0-9]* - /# read-only: \1 - /p" $tmp/out
check "a read-only disk refuses every change (status $rc)" bash -c "[ $rc = 0 ] && ! grep -q '^not ok' $tmp/out"

head -c 4M /dev/urandom >$tmp/junk.img
$RUN build/tests/disk.img --disk $tmp/junk.img </dev/null >/dev/null 2>$tmp/err
rc=$?
check "a disk that is not FAT is refused with a message (status 2)" \
	bash -c "[ $rc = 2 ] && grep -q 'no usable FAT file system' $tmp/err"
$RUN build/tests/disk.img --disk $tmp/none.img </dev/null >/dev/null 2>$tmp/err
check "a missing disk image: status 125 and a message" \
	bash -c "[ $? = 125 ] && grep -q 'none.img' $tmp/err"
$RUN build/examples/hello.img --mem 3 --disk "$img" </dev/null >/dev/null 2>$tmp/err
rc=$?
# Depending on how much the boot takes, the launcher or the kernel stops
# the boot (125) or the program finds no page for its memory (137): a
# message either way.
check "a disk in a machine with too little memory: a message (125 or 137), no panic" \
	bash -c "{ { [ $rc = 125 ] && grep -Eq 'not enough memory|needs at least' $tmp/err; } ||
		{ [ $rc = 137 ] && grep -q 'out of memory' $tmp/err; }; } && ! grep -q panic $tmp/err"

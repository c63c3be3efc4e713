#!/usr/bin/env bash
# File mappings where the files live elsewhere than ramfs
# (tests/guest/mmapfile.c; tests/run.sh runs it on /tmp too): on a host
# share and on a FAT disk, where threads.bin, written by several threads
# through one shared mapping and msync, is checked here byte for byte (on
# the disk with mtools after the run); and the status of a program
# killed by SIGBUS past the end of a file, against the same program built
# natively with musl-gcc. Expects build/tests/mmapfile.img. Prints TAP.
set -u
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
IMG=build/tests/mmapfile.img
tmp=$(mktemp -d "$PWD/build/mmap-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh

# The bytes threads.bin must hold (the guest's pat()).
pattern_ok() {
	python3 -c "import sys; d = open(sys.argv[1], 'rb').read()
sys.exit(not (len(d) == 262144 and all(d[i] == (i * 7 + i // 4096) & 255 for i in range(len(d)))))" "$1"
}
booted() { # booted LABEL STATUS: the guest's checks all passed
	sed -n "s/^\(not ok\|ok\) [0-9]* - /# $1 guest: \1 - /p" "$tmp/out"
	[ "$2" = 0 ] || tail -n 5 "$tmp/out" | sed 's/^/# | /'
	check "$1: the guest's checks pass (status $2)" \
		bash -c "[ $2 = 0 ] && grep -q '^ok' '$tmp/out' && ! grep -q '^not ok' '$tmp/out'"
}

mkdir "$tmp/share"
$RUN "$IMG" --timeout 120 --smp 2 --share "$tmp/share:/data" -- /data </dev/null >"$tmp/out" 2>&1
booted share $?
check "share: the threads' shared mapping reached the host byte for byte" \
	pattern_ok "$tmp/share/threads.bin"

disk=$tmp/disk.img
truncate -s 64M "$disk"
mkfs.fat -F 32 -n UNISHYPER "$disk" >/dev/null
mmd -i "$disk" ::/data
$RUN "$IMG" --timeout 120 --smp 2 --disk "$disk" -- /data </dev/null >"$tmp/out" 2>&1
booted "FAT disk" $?
mcopy -n -i "$disk" ::/data/threads.bin "$tmp/fat.bin" 2>/dev/null
check "FAT disk: the threads' shared mapping is on the disk byte for byte (mtools)" \
	pattern_ok "$tmp/fat.bin"

$RUN "$IMG" --timeout 60 -- /tmp sigbus </dev/null >"$tmp/out" 2>&1
got=$?
check "a page past the end of a file without a handler: status 135 (got $got)" [ "$got" = 135 ]
check "the kernel log names SIGBUS" grep -q "SIGBUS" "$tmp/out"
if musl-gcc -static -O2 -o "$tmp/native" tests/guest/mmapfile.c -lpthread 2>"$tmp/cc"; then
	mkdir "$tmp/n"
	{ "$tmp/native" "$tmp/n" sigbus; } >/dev/null 2>&1
	native=$?
	check "natively the same program ends with the same status ($native)" [ "$native" = "$got" ]
else
	check "musl-gcc builds the native program" false
fi

#!/usr/bin/env bash
# A FAT directory filled to the format's limit: the guest
# (tests/guest/folders.c "fat") creates 65 534 files in one folder, checks
# ENOSPC beyond, lists, renames, unlinks and deletes them, checks names
# that differ only in case, and leaves 13 500 long names sharing one
# short-name basis in /long. The host then checks the disk with
# fsck.fat -n and reads /long back with mtools: the names must be exactly
# those the guest wrote, with distinct short names.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-folders.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh

img=$tmp/disk.img
mkdir $tmp/empty
toolchain/bin/unishyper-mkdisk $tmp/empty "$img" 64M
toolchain/bin/unishyper-run build/tests/folders.img --timeout 120 --disk "$img" -- fat \
	</dev/null >$tmp/out 2>&1
rc=$?
sed -n "s/^\(not ok\|ok\) [0-9]* - /# guest: \1 - /p" $tmp/out
check "the guest's checks pass (status $rc)" bash -c "[ $rc = 0 ] && ! grep -q '^not ok' $tmp/out"
check "fsck.fat -n finds nothing" bash -c "fsck.fat -n '$img' >/dev/null 2>&1"
python3 - >$tmp/want <<'PY'
for i in range(15000):
    if i % 10 == 0:
        continue
    print(f"::/long/{'Renamed' if i % 10 == 1 else 'Long file name'} {i:05d}.txt")
PY
mdir -b -i "$img" ::/long >$tmp/got 2>&1
check "mtools lists in /long exactly the names the guest left" \
	cmp -s <(sort $tmp/want) <(sort $tmp/got)
check "their short names are distinct" \
	bash -c "[ -z \"\$(mdir -i '$img' ::/long | awk 'NF > 4 { print \$1, \$2 }' | sort | uniq -d)\" ]"
check "/big is gone and /case is empty" \
	bash -c "! mdir -i '$img' ::/big >/dev/null 2>&1 && [ \$(mdir -b -i '$img' ::/case | wc -l) = 0 ]"

#!/usr/bin/env bash
# unishyper-mkdisk, and a heavy workload on a 256 MiB FAT32 disk.
#
# First the tool: a tree with nested folders, long and Unicode names,
# empty files and a 5 MB file goes into an image and comes back out
# identical through mtools; bad input is refused with a message. Then the
# guest tests/guest/diskstress.c churns 2000 files through four folders and
# writes two 64 MiB files from two CPUs; the host checks the disk with
# fsck.fat, every file the guest's manifest lists, and one big file byte
# for byte against the generator below. Expects build/tests/diskstress.img
# (tests/run.sh builds it). Prints TAP.
set -u
. "$(dirname "$0")/diskstress-common.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-disk-stress.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# refused DESCRIPTION MESSAGE-PART ARGS...: mkdisk fails with status 2,
# says MESSAGE-PART on standard error, and nothing on standard output.
refused() {
	local what=$1 part=$2 rc
	shift 2
	$MKDISK "$@" >$tmp/out 2>$tmp/err
	rc=$?
	check "refused: $what" '[ $rc = 2 ] && grep -qF -- "$part" $tmp/err && [ ! -s $tmp/out ]' ||
		{ echo "# status $rc"; sed 's/^/# /' $tmp/err; }
}
fat_is() { [ "$(dd if="$1" bs=1 skip="$2" count=${#3} 2>/dev/null)" = "$3" ]; }
is_fat32() { fat_is "$1" 82 FAT32; }
is_fat12_16() { fat_is "$1" 54 FAT1; }
size_is() { [ "$(stat -c %s "$1")" = "$2" ]; }
# Big file k of the guest: 16-byte lines, letter 'A'+k, the line number in
# 14 hex digits, '\n' (the small files' generator is in the manifest check).
big() {
	python3 -c '
import sys
k, n = int(sys.argv[1]), int(sys.argv[2]) // 16
c, out = chr(65 + k), sys.stdout.buffer
for base in range(0, n, 65536):
    out.write("".join("%s%014x\n" % (c, l) for l in range(base, min(n, base + 65536))).encode())
' "$1" "$2"
}

# --- unishyper-mkdisk ---
src=$tmp/tree
mkdir -p "$src/a/b/c/d" "$src/empty folder" "$src/Ünïcödé 日本語 folder/sub"
head -c 5000000 /dev/urandom >"$src/a/b/c/d/five megabytes.bin"
: >"$src/a/empty"
: >"$src/a/b/c/d/also empty.txt"
echo "deep" >"$src/Ünïcödé 日本語 folder/sub/a file with a name much longer than eight point three.text"
echo lower >"$src/lower.txt"
echo upper >"$src/UPPER.TXT"
echo mixed >"$src/Mixed.Case.Name.Txt"
echo dot >"$src/.hidden"
head -c 200 /dev/zero >"$src/$(printf 'L%.0s' $(seq 240)).dat"

$MKDISK "$src" $tmp/t.img >$tmp/out 2>&1
rc=$?
check "mkdisk builds an image and prints nothing (status $rc)" '[ $rc = 0 ] && [ ! -s $tmp/out ]'
check "the default size is 33 MiB, FAT32" 'size_is $tmp/t.img $((33 << 20)) && is_fat32 $tmp/t.img'
check "fsck.fat -n finds nothing" 'fsck.fat -n $tmp/t.img >/dev/null 2>&1'
mkdir $tmp/back
mcopy -s -n -m -i $tmp/t.img '::/*' $tmp/back/
check "mcopy brings back the same tree: names, folders, empty files, contents" 'diff -r "$src" $tmp/back'
mdir -/ -i $tmp/t.img ::/ >$tmp/listing 2>&1
check "mdir lists the long and Unicode names" "grep -qF 'Ünïcödé 日本語 folder' $tmp/listing &&
	grep -qF 'a file with a name much longer than eight point three.text' $tmp/listing"

echo old >$tmp/t.img
$MKDISK "$src" $tmp/t.img 8M
rc=$?
check "an existing image file is overwritten; 8M gives FAT12/16 (status $rc)" \
	'[ $rc = 0 ] && size_is $tmp/t.img $((8 << 20)) && is_fat12_16 $tmp/t.img'
rm -rf $tmp/back && mkdir $tmp/back
mcopy -s -n -m -i $tmp/t.img '::/*' $tmp/back/
check "the 8M image holds the same tree" 'diff -r "$src" $tmp/back'
$MKDISK "$src" $tmp/big.img 1G
check "1G: a FAT32 image of 1 GiB that fsck.fat accepts" \
	'size_is $tmp/big.img $((1 << 30)) && is_fat32 $tmp/big.img && fsck.fat -n $tmp/big.img >/dev/null 2>&1'
rm -rf $tmp/big.img $tmp/back
mkdir $tmp/forty && head -c 40000000 /dev/urandom >$tmp/forty/forty.bin
$MKDISK $tmp/forty $tmp/forty.img
check "the default size grows with the contents: 40 MB of files, $(($(stat -c %s $tmp/forty.img) >> 20)) MiB" \
	'[ $(stat -c %s $tmp/forty.img) -ge 60000000 ] && mcopy -n -i $tmp/forty.img ::/forty.bin $tmp/got && cmp -s $tmp/got $tmp/forty/forty.bin'
rm -rf $tmp/forty $tmp/forty.img $tmp/got

cp $tmp/t.img $tmp/keep.img
refused "a missing folder" "no such folder" $tmp/none $tmp/t.img
refused "a file instead of a folder" "not a folder" $tmp/keep.img $tmp/t.img
refused "SIZE 12Q" "SIZE '12Q'" "$src" $tmp/t.img 12Q
refused "SIZE 1000 (not whole sectors)" "512-byte sectors" "$src" $tmp/t.img 1000
refused "SIZE 0" "too small" "$src" $tmp/t.img 0
refused "SIZE 3T" "2T" "$src" $tmp/t.img 3T
refused "SIZE 2M for 5 MB of files" "too small" "$src" $tmp/t.img 2M
refused "SIZE 4900K: the files fit, the file system does not" "too small" "$src" $tmp/t.img 4900K
check "a refused run leaves the old image as it was, and no temporary file" \
	'cmp -s $tmp/t.img $tmp/keep.img && ! ls -A $tmp | grep -q unishyper-mkdisk'
refused "a folder as IMG" "not a regular file" "$src" $tmp/tree/a
refused "a device as IMG" "not a regular file" "$src" /dev/null
refused "the image inside the folder" "inside the folder" "$src" "$src/x.img"
refused "a missing folder for IMG" "no such folder" "$src" $tmp/none/x.img
mkdir -p $tmp/bad1 $tmp/bad2/Sub $tmp/bad2/sub $tmp/bad3 $tmp/bad4
: >"$tmp/bad1/a:b"
refused "a name with ':'" "a:b" $tmp/bad1 $tmp/t.img
refused "two names that differ only in case" "ignores case" $tmp/bad2 $tmp/t.img
ln -s /etc/passwd $tmp/bad3/link
refused "a symbolic link" "symbolic link" $tmp/bad3 $tmp/t.img
(cd $tmp/bad4 && touch $(seq -f 'file%g' 600))
refused "600 files in the root of a FAT16 image" "512 at most" $tmp/bad4 $tmp/t.img 8M
rm -rf $tmp/bad1 $tmp/bad2 $tmp/bad3 $tmp/bad4
if [ "$(id -u)" = 0 ]; then
	echo "ok $((n += 1)) - refused: a read-only image file # SKIP root can write any file"
else
	chmod a-w $tmp/keep.img
	refused "a read-only image file" "not writable" "$src" $tmp/keep.img
fi
check "--help says that IMG is overwritten only if it is a writable regular file" \
	'$MKDISK --help | grep -q "regular file this user"'
rm -rf $tmp/t.img $tmp/keep.img "$src"

# --- the stress workload ---
img=$tmp/stress.img
mkdir $tmp/seed && echo "made by unishyper-mkdisk" >$tmp/seed/README.txt
$MKDISK $tmp/seed $img 256M
check "a 256 MiB FAT32 disk from unishyper-mkdisk" 'size_is $img $((256 << 20)) && is_fat32 $img'
start=$(date +%s)
$RUN build/tests/diskstress.img --smp 2 --mem 256 --disk "$img" --timeout 240 </dev/null >$tmp/out 2>&1
rc=$?
sed -n "s/^\(not ok\|ok\) [0-9]* - /# guest: \1 - /p; t; /^# /p" $tmp/out
echo "# the guest ran $(($(date +%s) - start)) s"
check "the guest's checks pass (status $rc)" '[ $rc = 0 ] && grep -q "^ok" $tmp/out && ! grep -q "^not ok" $tmp/out' ||
	grep -v '^#\|^ok\|^not ok' $tmp/out | tail -n 10 | sed 's/^/# /'
fsck.fat -n $img >$tmp/fsck 2>&1
rc=$?
check "fsck.fat -n finds nothing (status $rc)" '[ $rc = 0 ]' ||
	grep -v '^fsck.fat [0-9]' $tmp/fsck | head -n 10 | sed 's/^/# fsck: /'
mcopy -n -i $img "::/big/pattern 1.dat" $tmp/got
check "one 64 MiB file read with mtools is byte-identical to the pattern" \
	'cmp $tmp/got <(big 1 $((64 << 20))) | sed "s/^/# /"; [ ${PIPESTATUS[0]} = 0 ]'
rm -f $tmp/got
mkdir $tmp/churn
mcopy -s -n -i $img "::/churn/*" $tmp/churn/
python3 - $tmp/churn >$tmp/verdict <<'EOF'
import os, sys
top = sys.argv[1]
want = {}
with open(os.path.join(top, "manifest.txt"), encoding="utf-8") as m:
    for line in m:
        path, fid, size = line.rstrip("\n").split("\t")
        want[path] = (int(fid), int(size))
got = set()
for d, _, files in os.walk(top):
    for f in files:
        rel = os.path.relpath(os.path.join(d, f), top)
        if rel != "manifest.txt":
            got.add(rel)
bad = [p + (": not in the manifest" if p in got else ": missing") for p in sorted(got ^ set(want))]
for path, (fid, size) in sorted(want.items()):
    if path in got:
        with open(os.path.join(top, path), "rb") as f:
            if f.read() != bytes((i * 7 + fid * 13) % 251 for i in range(size)):
                bad.append(path + ": wrong content")
print(len(want), len(bad))
for b in bad[:10]:
    print("# " + b)
EOF
read -r listed wrong <$tmp/verdict
check "the disk holds exactly the ${listed:-?} files of the guest's manifest, with their contents" \
	'[ "${listed:-0}" -gt 0 ] && [ "${wrong:-1}" = 0 ]'
sed -n '/^# /p' $tmp/verdict

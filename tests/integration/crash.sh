#!/usr/bin/env bash
# Crash safety of the FAT disk: what fsync returned for survives a kill.
#
# The guest (tests/guest/diskstress.c, "crash") writes files forever,
# each fsync'ed and closed before it prints "synced NAME", while a second
# thread keeps the block cache full of unsynced changes. The host runs
# QEMU itself (unishyper-run --dry-run gives the command), reads the
# guest's output, and after a number of synced files kills QEMU with
# SIGKILL; then fsck.fat -a repairs a copy of the disk, and every file the
# guest reported must be there with exactly its contents. Three rounds,
# killed at different points. Expects build/tests/diskstress.img (tests/run.sh
# builds it). Prints TAP.
set -u
shopt -s nullglob
. "$(dirname "$0")/diskstress-common.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-crash.XXXXXX")
qemu_pid=
cleanup() {
	[ -z "$qemu_pid" ] || kill -9 "$qemu_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The guest's files: /synced/NNNNN.dat holds size(i) bytes, byte j being
# (j * 7 + i * 13) % 251. Writes the expected files for the ids given.
expect_files() {
	python3 - "$@" <<'EOF'
import os, sys
out = sys.argv[1]
for i in map(int, sys.argv[2:]):
    size = 0 if i % 5 == 4 else (i * 104729) % (1 << 32) % 250000
    with open(os.path.join(out, "%05d.dat" % i), "wb") as f:
        f.write(bytes((j * 7 + i * 13) % 251 for j in range(size)))
EOF
}

mkdir $tmp/empty
round=0
for kill_at in 5 20 40; do
	round=$((round + 1))
	img=$tmp/disk.img out=$tmp/out.$round
	rm -f $img
	$MKDISK $tmp/empty $img 64M
	# QEMU run directly, so that $! is QEMU and SIGKILL reaches only it.
	line=$($RUN build/tests/diskstress.img --smp 2 --disk $img --log $tmp/klog --dry-run -- crash </dev/null)
	eval "qemu=($line)"
	"${qemu[@]}" </dev/null >$out 2>$tmp/err &
	qemu_pid=$!
	synced=0
	for ((t = 0; t < 1200; t++)); do # at most 120 s
		synced=$(grep -c '^synced ' $out)
		[ "$synced" -ge $kill_at ] && break
		kill -0 $qemu_pid 2>/dev/null || break
		sleep 0.1
	done
	kill -9 $qemu_pid 2>/dev/null
	wait $qemu_pid 2>/dev/null
	status=$? qemu_pid=
	synced=$(grep -c '^synced ' $out)
	check "round $round: QEMU killed with SIGKILL after $synced synced files (at least $kill_at)" \
		'[ $status = 137 ] && [ $synced -ge $kill_at ]' || {
		echo "# QEMU status $status (137: killed)"
		tail -n 5 $out $tmp/err | sed 's/^/# /'
		tail -n 5 $tmp/klog | sed 's/^/# kernel: /'
	}

	cp $img $tmp/repaired.img
	fsck.fat -n $img >$tmp/fsck.n 2>&1
	fsck.fat -a $tmp/repaired.img >$tmp/fsck.a 2>&1
	rc=$?
	fsck.fat -n $tmp/repaired.img >$tmp/fsck.after 2>&1
	after=$?
	if [ $rc = 0 ]; then what="found nothing to repair"; else what="repaired the disk"; fi
	check "round $round: fsck.fat -a $what (status $rc), fsck.fat -n then finds nothing" \
		'[ $rc -le 1 ] && [ $after = 0 ]' ||
		grep -v '^fsck.fat [0-9]' $tmp/fsck.after | head -n 10 | sed 's/^/# after repair: /'
	grep -v '^fsck.fat [0-9]\|^  Automatically\|files, .* clusters$' $tmp/fsck.n | head -n 8 |
		sed 's/^/# fsck.fat -n before repair: /'

	rm -rf $tmp/want $tmp/got && mkdir $tmp/want $tmp/got
	ids=$(sed -n 's|^synced /synced/\([0-9]\{5\}\)\.dat$|\1|p' $out | sed 's/^0*\([0-9]\)/\1/')
	expect_files $tmp/want $ids
	mcopy -s -n -i $tmp/repaired.img '::/synced/*' $tmp/got/ 2>/dev/null
	bad=0
	for f in $tmp/want/*.dat; do
		name=$(basename $f)
		if [ ! -f $tmp/got/$name ]; then
			echo "# round $round: /synced/$name was reported synced and is missing"
			bad=$((bad + 1))
		elif ! cmp -s $f $tmp/got/$name; then
			echo "# round $round: /synced/$name: $(stat -c %s $tmp/got/$name) bytes, want $(stat -c %s $f);" \
				"$(cmp $f $tmp/got/$name 2>&1 | head -n 1)"
			bad=$((bad + 1))
		fi
	done
	check "round $round: all $synced synced files are present with exactly their contents" \
		'[ $synced -gt 0 ] && [ $bad = 0 ]'
	echo "# round $round: $(ls $tmp/got | wc -l) files in /synced after repair, the unreported ones possibly cut short"
done

# memfiles.sh - sections (j) and (k) of bench/run.sh, which sources it:
# memory taken and given back, and one folder with many files.
#
# (j) bench/src/memspeed.c once per peer: Unishyper, the Linux microVM (its
#     main initramfs) and native; rounds per second of malloc/free of 1 MiB
#     with every page touched, and of mmap/munmap of 64 KiB.
# (k) bench/src/manyfiles.c, BENCH_MANY_RUNS (3) rounds, each running every
#     column once: files created, listed and deleted in one folder held open.
#     In memory: Unishyper's /tmp (ramfs), a tmpfs the Linux guest's init
#     mounts (bench/src/linux_fileinit.c, fileinit_fs=tmpfs), and natively a
#     fresh folder under TMPDIR (/tmp), BENCH_MANY_FILES (100000) files each.
#     On a fresh FAT32 image of MANY_DISK_MIB on virtio-blk, as in (g):
#     Unishyper with BENCH_MANY_FAT (65534, what a FAT32 folder holds) files
#     and again with BENCH_MANY_FAT_LINUX (4000), and the Linux guest's vfat
#     with BENCH_MANY_FAT_LINUX files: its folder code walks the folder on
#     every create, so its time grows far faster than the count (16000
#     files take it ~2.5 minutes under TCG here).  Each image is checked
#     with fsck.fat -n afterwards.
# The functions use run.sh's launch, set_cmd, fvals and the variables it
# sets ((j) runs through its ns_run); mf_run measures, mem_report and
# mf_report print the sections' Markdown.
MANY_FILES="${BENCH_MANY_FILES:-100000}"
MANY_FAT="${BENCH_MANY_FAT:-65534}"
MANY_FAT_LINUX="${BENCH_MANY_FAT_LINUX:-4000}"
MANY_RUNS="${BENCH_MANY_RUNS:-3}"
MANY_DISK_MIB=64 # a FAT32 folder of 65 536 entries takes 2 MiB; the files are empty
MANY_TMP="${TMPDIR:-/tmp}"

# --------------------------------------------------------------- (j)
mem_report() {
	local g t v
	declare -A OPS=()
	for g in uni linux native; do
		for t in malloc_1m mmap_64k mmap_64k_touch; do
			v=$(result memspeed "$g" "$t")
			OPS["$g-$t"]=$(awk -v ns="$v" 'BEGIN { if (ns ~ /^[0-9.]+$/ && ns > 0) printf "%.0f", 1e9 / ns; else print "-" }')
		done
	done
	echo "## (j) Memory taken and given back: rounds per second"
	echo
	echo "bench/src/memspeed.c, one source built three ways like sysbench.c; each loop is sized"
	echo "to ~0.2 s and run 5 times, median shown.  The guests run on \`-M microvm\` with"
	echo "\`-m ${MEM}M\` and \`-smp $SMP\`.  musl serves a 1 MiB malloc with mmap and its free with"
	echo "munmap, so a malloc round maps 1 MiB, faults in its 256 pages one write each and"
	echo "unmaps it."
	echo
	echo "| rounds per second | Unishyper | Linux microVM | native | Unishyper ÷ Linux | Unishyper ÷ native |"
	echo "|---|---:|---:|---:|---:|---:|"
	for row in "malloc_1m|malloc + touch each page + free, 1 MiB" \
		"mmap_64k|mmap + munmap, 64 KiB anonymous, untouched" \
		"mmap_64k_touch|mmap + touch each page + munmap, 64 KiB anonymous"; do
		t=${row%%|*}
		echo "| ${row#*|} | **$(cell uni "${OPS[uni-$t]}")** | **$(cell linux "${OPS[linux-$t]}")** | ${OPS[native-$t]} | $(ratio "${OPS[uni-$t]}" "${OPS[linux-$t]}") | $(ratio "${OPS[uni-$t]}" "${OPS[native-$t]}") |"
	done
	echo
	echo "- A ratio above 1 means Unishyper is faster."
	echo "- The native column is the host, itself a VM: its page faults go through the host's"
	echo "  own hypervisor, while the guests' faults are emulated by TCG inside QEMU."
	echo
}

# --------------------------------------------------------------- (k)
declare -A MF_MARK=([uni]='# manyfiles done' [linux]='# fileinit status=0 umount=0'
	[native]='# manyfiles done')

# mf_one CASE GUEST FS COUNT: one run of manyfiles with COUNT files.  FS:
# mem (Unishyper's /tmp, the Linux guest's tmpfs, natively a fresh folder
# under MANY_TMP) or fat (a fresh FAT32 image on virtio-blk, checked with
# fsck.fat -n afterwards into $L/CASE.N.fsck)
mf_one() {
	local c="$1" g="$2" fs="$3" count="$4" img="$B/many/$1.img" dir="" n st=0
	n=$(($(wc -l 2>/dev/null < "$L/$c.txt" || echo 0) + 1))
	if [ "$fs" = fat ]; then
		rm -f "$img"
		truncate -s "${MANY_DISK_MIB}M" "$img"
		mkfs.fat -F 32 "$img" > /dev/null 2>&1
		DISK=$img
	fi
	case "$g-$fs" in
	uni-mem) PROG_ARGS=(/tmp "$count") ;;
	uni-fat) PROG_ARGS=(/ "$count") ;;
	linux-mem) LINUX_WORDS="fileinit_fs=tmpfs fileinit_prog=manyfiles" PROG_ARGS=("$count") ;;
	linux-fat) LINUX_WORDS="fileinit_prog=manyfiles" PROG_ARGS=("$count") ;;
	native-mem) dir=$(mktemp -d "$MANY_TMP/manyfiles.XXXXXX") ;;
	esac
	if [ "$g" = native ]; then
		CMD=("$B/native/manyfiles" "$dir" "$count")
	else
		INITRD_OF=$INITRD_FILES
		set_cmd "$g" microvm "$([ "$g" = linux ] && echo fileinit || echo manyfiles)"
	fi
	DISK="" INITRD_OF="" LINUX_WORDS="" PROG_ARGS=()
	CMDLINES["k-$c"]="$(qcmd "${CMD[@]}")"
	launch "$c" "${WANT[$g]:-0}" 600 "${MF_MARK[$g]}" "${FAILM[$g]}" "${CMD[@]}"
	[ -z "$dir" ] || rm -rf "$dir"
	if [ "$fs" = fat ]; then
		fsck.fat -n "$img" > "$L/$c.$n.fsck" 2>&1 || st=$?
		echo "status=$st" >> "$L/$c.$n.fsck"
		rm -f "$img"
	fi
}

# the cases of (k): CASE GUEST FS COUNT, one a line
mf_cases() {
	have uni && echo "many-uni-mem uni mem $MANY_FILES"
	[ "$FILES_LNX" = 1 ] && echo "many-linux-mem linux mem $MANY_FILES"
	echo "many-native-mem native mem $MANY_FILES"
	[ "$FILES" = 1 ] || return 0
	have uni && echo "many-uni-fat uni fat $MANY_FAT" && echo "many-uni-fatl uni fat $MANY_FAT_LINUX"
	[ "$FILES_LNX" = 1 ] && echo "many-linux-fat linux fat $MANY_FAT_LINUX"
	return 0
}

mf_run() {
	local i c g fs count
	mkdir -p "$B/many"
	for i in $(seq 1 "$MANY_RUNS"); do
		while read -r c g fs count; do
			log "(k) many files: ${c#many-}, $count files, run $i of $MANY_RUNS"
			mf_one "$c" "$g" "$fs" "$count"
		done < <(mf_cases)
	done
}

mf_report() {
	local c f row
	declare -A MV=()
	for c in uni-mem linux-mem native-mem uni-fat uni-fatl linux-fat; do
		for f in create list delete; do
			MV["$c-$f"]=$(fvals "many-$c" "$f" | med_min | cut -d' ' -f1)
		done
		MV["$c-ok"]="$(grep -c '^ok=1' "$L/many-$c.txt" 2>/dev/null || true)/$MANY_RUNS"
	done
	# mshow CASE VALUE: VALUE, or why that column has none
	mshow() {
		case "$1" in
		uni-*) [ "$1" = uni-mem ] || [ "$FILES" = 1 ] || { echo "$FILES_WHY"; return; }
			cell uni "$2" ;;
		linux-*) if [ "$FILES_LNX" = 1 ]; then echo "$2"; else echo "not built: no initramfs-files.cpio"; fi ;;
		*) echo "$2" ;;
		esac
	}
	echo "## (k) One folder with many files"
	echo
	echo "bench/src/manyfiles.c, one source built three ways, on \`-M microvm\` with \`-m ${MEM}M\`"
	echo "and \`-smp $SMP\`: in a new folder, held open by an O_DIRECTORY descriptor throughout, it"
	echo "creates N empty files with 8.3 names (F0000000, F0000001, ...) with"
	echo "openat(O_CREAT | O_EXCL | O_RDONLY) and close, lists the folder with readdir (checking"
	echo "every name and the count) and deletes them with unlinkat.  The files are opened"
	echo "read-only because Unishyper's close of a file opened for writing flushes the disk (as in"
	echo "(g)), which would be measured instead of the folder; Linux flushes nothing on close."
	echo "$MANY_RUNS runs per column (BENCH_MANY_RUNS), interleaved run by run, median shown."
	echo
	echo "In memory, $MANY_FILES files (BENCH_MANY_FILES): Unishyper's /tmp (ramfs); the Linux guest's"
	echo "init (bench/src/linux_fileinit.c, \`fileinit_fs=tmpfs\`) mounts a tmpfs with"
	echo "\`nr_inodes=0\` (by default tmpfs allows half as many files as memory has pages); natively a"
	echo "fresh folder in $MANY_TMP, on the host's $(findmnt -no FSTYPE -T "$MANY_TMP" 2>/dev/null || echo own) file system."
	echo
	echo "| files per second | Unishyper ramfs | Linux tmpfs | native | Unishyper ÷ Linux | Unishyper ÷ native |"
	echo "|---|---:|---:|---:|---:|---:|"
	for row in "create|$MANY_FILES files created" "list|listed with readdir" "delete|deleted"; do
		f=${row%%|*}
		echo "| ${row#*|} | **$(mshow uni-mem "${MV[uni-mem-$f]}")** | **$(mshow linux-mem "${MV[linux-mem-$f]}")** | ${MV[native-mem-$f]} | $(ratio "${MV[uni-mem-$f]}" "${MV[linux-mem-$f]}") | $(ratio "${MV[uni-mem-$f]}" "${MV[native-mem-$f]}") |"
	done
	echo "| runs that ended well | $(mshow uni-mem "${MV[uni-mem-ok]}") | $(mshow linux-mem "${MV[linux-mem-ok]}") | ${MV[native-mem-ok]} | | |"
	echo
	echo "On a fresh FAT32 image of $MANY_DISK_MIB MiB (\`mkfs.fat -F 32\`) on virtio-blk, attached as in (g):"
	echo "Unishyper's root \`/\`; the Linux guest's vfat, mounted by the same init with the default"
	echo "options.  A FAT32 folder holds at most 65 534 files with 8.3 names, so Unishyper creates"
	echo "$MANY_FAT there (BENCH_MANY_FAT) rather than $MANY_FILES.  Linux's vfat walks the folder's"
	echo "entries on each lookup, create and delete, so its time grows far faster than the count"
	echo "(in a trial on this machine, 4000 creates took it 13 s and 16 000 took 145 s; 65 534 would"
	echo "take most of an hour under TCG): it runs $MANY_FAT_LINUX files (BENCH_MANY_FAT_LINUX), and"
	echo "Unishyper runs that count too, for the ratio.  No native column: the host has no FAT file"
	echo "system on an emulated disk."
	echo
	echo "| files per second | Unishyper, $MANY_FAT files | Unishyper, $MANY_FAT_LINUX files | Linux vfat, $MANY_FAT_LINUX files | Unishyper ÷ Linux, $MANY_FAT_LINUX files |"
	echo "|---|---:|---:|---:|---:|"
	for row in "create|created" "list|listed with readdir" "delete|deleted"; do
		f=${row%%|*}
		echo "| ${row#*|} | **$(mshow uni-fat "${MV[uni-fat-$f]}")** | $(mshow uni-fatl "${MV[uni-fatl-$f]}") | **$(mshow linux-fat "${MV[linux-fat-$f]}")** | $(ratio "${MV[uni-fatl-$f]}" "${MV[linux-fat-$f]}") |"
	done
	echo "| runs that ended well | $(mshow uni-fat "${MV[uni-fat-ok]}") | $(mshow uni-fatl "${MV[uni-fatl-ok]}") | $(mshow linux-fat "${MV[linux-fat-ok]}") | |"
	echo "| images after the run, \`fsck.fat -n\` (clean: status 0, no message) | $(fsck_sum many-uni-fat) | $(fsck_sum many-uni-fatl) | $(fsck_sum many-linux-fat) | |"
	echo
	echo "- A ratio above 1 means Unishyper is faster."
	echo "- Unishyper's rates at $MANY_FAT_LINUX and at $MANY_FAT files show whether its cost per file"
	echo "  depends on the folder's size (docs/architecture.md: its ramfs hashes names, its FAT"
	echo "  keeps an index per folder in memory)."
	echo "- This section took $((T_K1 - T_K0)) s of the run."
	echo
}

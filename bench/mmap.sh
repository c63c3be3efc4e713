# bench/mmap.sh - section (o) of `make bench`: a large file on a host
# folder shared over virtio-9p, read with read() against mapped with mmap,
# sourced by bench/run.sh (which provides B, L, TOP, UGCC, MEM, SHARE_LNX,
# SHARE_MSIZE, set_cmd, qcmd, have, cell, ratio and CMDLINES).
#
# The program is bench/src/mmapbench.c.  The host writes its file once,
# into a fresh folder, before any guest boots; each run reads it in 1 MiB
# chunks, then maps it and sums its words, timing each pass itself.  Peers
# in the same run, on -M microvm -smp 1 with -m MEM + MIB: Unishyper's page
# cache of a mapped file keeps every page it read in until the file is
# unmapped and closed, so the whole file must fit beside the program.
#   Unishyper  the image, with the command `unishyper-run --share DIR
#              --dry-run` prints (a fresh 9p mount at /host each boot)
#   Linux      the microVM whose init (bench/src/linux_fileinit.c) mounts
#              the folder with its own 9p client as in (h), then runs
#              mmapbench
#   native     mmapbench built with musl-gcc -static, on the folder itself
# Environment: BENCH_MMAP_MIB (the file's size, 256), BENCH_MMAP_RUNS
# (runs per peer, 3; the median is shown).

MMAP_MIB="${BENCH_MMAP_MIB:-256}"
MMAP_RUNS="${BENCH_MMAP_RUNS:-3}"
MMAP_MEM=$((MEM + MMAP_MIB))
MMAP_DIR="$B/mmap/share"

# mmap_build: the native and Unishyper programs and the Linux guest's
# initramfs: that of (h) (fileinit and the 9p modules) with mmapbench added
mmap_build() {
	local root="$B/mmap/root"
	mkdir -p "$B/mmap" "$B/native" "$B/unishyper"
	musl-gcc -static -O2 -Wall -o "$B/native/mmapbench" "$TOP/bench/src/mmapbench.c"
	if have uni; then
		"$UGCC" -O2 -o "$B/unishyper/mmapbench.img" "$TOP/bench/src/mmapbench.c"
	fi
	if have linux && [ "$SHARE_LNX" = 1 ]; then
		rm -rf "$root"
		cp -a "$B/linuxvm/rootfs-9p" "$root"
		musl-gcc -static -O2 -Wall -o "$root/mmapbench" "$TOP/bench/src/mmapbench.c"
		(cd "$root" && find . | cpio -o -H newc --quiet) >"$B/linuxvm/initramfs-mmap.cpio"
	fi
}

# mmap_has GUEST: (o) runs that guest
mmap_has() {
	case "$1" in
	native) true ;;
	linux) have linux && [ "$SHARE_LNX" = 1 ] ;;
	*) have "$1" ;;
	esac
}

# mmap_one GUEST: one run; appends its RESULT lines to $L/mmap-GUEST.txt,
# and "ok" to $L/mmap-GUEST.ok when the run ended well
mmap_one() {
	local g="$1" n log
	n=$(($(wc -l 2>/dev/null <"$L/mmap-$g.runs" || echo 0) + 1))
	echo "$n" >>"$L/mmap-$g.runs"
	log="$L/mmap-$g.$n.log"
	case "$g" in
	uni)
		PROG_ARGS=(/host "$MMAP_MIB")
		SHARE=$MMAP_DIR set_cmd uni microvm mmapbench "$MMAP_MEM"
		;;
	linux)
		PROG_ARGS=("$MMAP_MIB")
		SHARE=$MMAP_DIR INITRD_OF="$B/linuxvm/initramfs-mmap.cpio" \
			LINUX_WORDS="fileinit_fs=9p fileinit_msize=$SHARE_MSIZE fileinit_prog=mmapbench" \
			set_cmd linux microvm fileinit "$MMAP_MEM"
		;;
	native) CMD=("$B/native/mmapbench" "$MMAP_DIR" "$MMAP_MIB") ;;
	esac
	PROG_ARGS=()
	CMDLINES["o-$([ "$g" = native ] && echo host || echo microvm)-$g"]="$(qcmd "${CMD[@]}")"
	timeout $((120 + MMAP_MIB)) "${CMD[@]}" </dev/null >"$log" 2>&1 || true
	tr -d '\r' <"$log" | grep -a '^RESULT ' >>"$L/mmap-$g.txt" || true
	# every pass checked its sum; the Linux guest's init reports the status
	if tr -d '\r' <"$log" | grep -q '^# mmapbench done' &&
		{ [ "$g" != linux ] || tr -d '\r' <"$log" | grep -q '^# fileinit status=0 '; }; then
		echo ok >>"$L/mmap-$g.ok"
	fi
}

mmap_run() {
	local g i t0
	log "(o) mmap against read(): $MMAP_MIB MiB on a share"
	t0=$(date +%s)
	rm -f "$L"/mmap-*
	mmap_build >"$L/mmap-build.log" 2>&1 || { log "(o): build failed, see $L/mmap-build.log"; return 0; }
	rm -rf "$MMAP_DIR"
	mkdir -p "$MMAP_DIR"
	"$B/native/mmapbench" "$MMAP_DIR" "$MMAP_MIB" write >"$L/mmap-write.log" 2>&1 ||
		{ log "(o): writing the file failed, see $L/mmap-write.log"; return 0; }
	for ((i = 0; i < MMAP_RUNS; i++)); do
		for g in uni linux native; do
			mmap_has "$g" || continue
			mmap_one "$g"
		done
	done
	rm -rf "$MMAP_DIR"
	MMAP_SECONDS=$(($(date +%s) - t0))
}

# mmap_fig GUEST PASS: MiB/s of the median run of PASS, or "-"
mmap_fig() {
	sed -n "s/^RESULT $2 mib=\([0-9]*\) s=\([0-9.]*\) .*/\1 \2/p" "$L/mmap-$1.txt" 2>/dev/null |
		sort -k2 -g | awk '{ m[NR] = $1; s[NR] = $2 } END {
		k = int((NR + 1) / 2); if (NR && s[k] > 0) printf "%.1f", m[k] / s[k]; else print "-" }'
}

# mmap_show GUEST VALUE: VALUE, or why the guest has no figures
mmap_show() {
	if [ "$1" = linux ] && have linux && [ "$SHARE_LNX" = 0 ]; then
		echo "not built: no initramfs-9p.cpio"
	elif [ "$1" = native ]; then
		echo "$2"
	else
		cell "$1" "$2"
	fi
}

mmap_report() {
	local g p u l n
	declare -A F=()
	for g in uni linux native; do
		for p in read mmap touch; do
			F[$g-$p]=$(mmap_fig "$g" "$p")
		done
		F[$g-ratio]=$(ratio "${F[$g-mmap]}" "${F[$g-read]}")
		F[$g-ok]="$(wc -l 2>/dev/null <"$L/mmap-$g.ok" || echo 0)/$MMAP_RUNS"
	done
	echo "## (o) A file on a share: mmap against read()"
	echo
	echo "bench/mmap.sh: bench/src/mmapbench.c on a $MMAP_MIB MiB file (BENCH_MMAP_MIB) in a host folder"
	echo "shared over virtio-9p as in (h), on \`-M microvm -smp 1\` with \`-m ${MMAP_MEM}M\` ($MEM MiB"
	echo "plus the file: Unishyper keeps every page of a mapped file it read in until the file is"
	echo "unmapped and closed).  The host writes the file once, before the first guest boots; each"
	echo "run then reads it with read() in 1 MiB chunks and maps it (\`mmap(PROT_READ, MAP_PRIVATE)\`),"
	echo "summing its 8-byte words each time (every page touched, the sum checked against its"
	echo "closed form), and times each pass itself: open to close, munmap included for mmap.  A"
	echo "second pass over the mapping, its pages in place, gives the summing's own cost."
	echo "Unishyper: the command \`unishyper-run --share DIR --dry-run\` prints; Linux: the init of"
	echo "(h) with \`fileinit_prog=mmapbench\`, \`msize=$SHARE_MSIZE\` and cache=none; native: the same"
	echo "program built with musl-gcc -static -O2 on the folder itself.  $MMAP_RUNS runs per peer"
	echo "(BENCH_MMAP_RUNS), interleaved, median shown."
	echo
	echo "| figure | Unishyper | Linux microVM | native | Unishyper ÷ Linux | Unishyper ÷ native |"
	echo "|---|---:|---:|---:|---:|---:|"
	for p in "read|read() in 1 MiB chunks (MiB/s)" "mmap|mmap, every page touched once, munmap (MiB/s)" \
		"touch|a second pass over the mapped pages (MiB/s)"; do
		u=${F[uni-${p%%|*}]} l=${F[linux-${p%%|*}]} n=${F[native-${p%%|*}]}
		echo "| ${p#*|} | **$(mmap_show uni "$u")** | **$(mmap_show linux "$l")** | $(mmap_show native "$n") | $(ratio "$u" "$l" 2) | $(ratio "$u" "$n" 3) |"
	done
	echo "| mmap ÷ read() | $(mmap_show uni "${F[uni-ratio]}") | $(mmap_show linux "${F[linux-ratio]}") | ${F[native-ratio]} | | |"
	echo "| runs that ended well, every sum right | $(mmap_show uni "${F[uni-ok]}") | $(mmap_show linux "${F[linux-ok]}") | ${F[native-ok]} | | |"
	echo
	echo "- A ratio above 1 means Unishyper is faster; mmap ÷ read() above 1, that mapping is."
	echo "- What is cached.  Every guest run is a fresh boot and a fresh 9p mount, and each file"
	echo "  call of a guest is a 9p request that QEMU's server turns into a pread of the host file,"
	echo "  which sits in the host's page cache from the write (nothing drops it).  Unishyper:"
	echo "  read() has no page cache and goes to 9p each call; the mapping's faults fill the page"
	echo "  cache of mapped files, empty at boot and freed at the munmap and close, one 4 KiB"
	echo "  page per fault, each fault a getattr (the file's size) and a read request"
	echo "  (kernel/fs/filemap.c).  Linux: cache=none sends read() straight to 9p requests of up"
	echo "  to msize; it maps such a file read-only through its page cache, empty at boot and left"
	echo "  empty by read(), with readahead off (cache=none sets ra_pages to 0,"
	echo "  fs/9p/vfs_super.c), so each fault is one 4 KiB read request too.  Native: both passes"
	echo "  read the host's page cache, which holds the whole file: they measure copying and"
	echo "  mapping pages, not a disk."
	echo "- This section took ${MMAP_SECONDS:--} s of the run (build, file, runs)."
	echo
}

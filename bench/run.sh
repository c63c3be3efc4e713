#!/bin/bash
# run.sh - the foundation benchmarks (`make bench`): Unishyper against its
# peers in one run, written to docs/benchmarks.md.
#
# Every guest runs on the same QEMU with -accel tcg,thread=multi (what
# unishyper-run passes for TCG, and QEMU's default for x86 guests) and the
# same -m and -smp:
#   floor     bench/floor/: the smallest PVH guest (a marker on COM1, then
#             isa-debug-exit): what QEMU and its firmware cost by themselves
#   Unishyper the image from toolchain/bin/unishyper-gcc, launched with the
#             raw QEMU command `unishyper-run --dry-run` prints, and once
#             more through unishyper-run itself to show the wrapper's cost
#   Linux     Debian's kernel as a PVH vmlinux, an initramfs whose init is
#             the benchmark program itself (bench/linuxvm/build.sh)
#   native    the same program, musl-gcc -static -O2, run on the host
# Figures: (a) image size, (b) smallest -m that runs hello, (c) launch to
# exit against the floor, (d) PVH entry to main read in the guest, (e) ns/op
# of getpid() and write(1, buf, 0) against a function call, and of a fork
# with its child's exit and the wait, (f) threads:
# create+join, futex ping-pong on one and on two CPUs, an uncontended mutex
# and the speed-up of CPU-bound work from -smp 1 to -smp 2
# (bench/src/threadbench.c; natively pinned with taskset to CPU 0 and to
# CPUs 0,1), (g) files on a fresh FAT32 image on virtio-blk: a large file
# written and read sequentially, 1000 small files created
# (bench/src/filebench.c; the Linux guest mounts the disk as vfat from its
# own init, bench/src/linux_fileinit.c; no native figures), (h) the same
# program on a fresh empty host folder shared over virtio-9p (Unishyper:
# unishyper-run --share; Linux: its own 9p client, mounted by the same
# init; natively on the folder itself), (i) standard input and output
# throughput (bench/streams.sh), (j) malloc/free and mmap/munmap rounds per
# second and (k) one folder with many files, in memory and on FAT (both in
# bench/memfiles.sh, which also names their variables), (l) pipe throughput
# and ping-pong latency between two threads (bench/pipes.sh), (m) signal delivery latency
# (bench/signals.sh), (n) epoll_wait over 1000 idle and 10 ready descriptors
# (bench/epoll.sh), (o) a large file on a 9p share read with read() against
# mapped with mmap (bench/mmap.sh), (p) the network: examples/httpd (and
# nginx, redis-server where built) under wrk and redis-benchmark, and TCP
# stream throughput, over a tap in a private namespace (bench/net.sh), (q)
# hello launched as a host command (./hello.img) against unishyper-run
# hello.img and the native program, (r) one work figure per port of the
# catalogue, native, as a host command and in the Linux microVM
# (bench/ports.sh; the ports built with make port NAME=...), (s) a server
# on the host's loopback: redis-server natively and as a host command under
# redis-benchmark (bench/hostnet.sh).
#
# Without the Unishyper tools its rows read "not yet built" and the rest
# still runs.  Build outputs and raw logs: build/bench/.
#
# Environment: BENCH_RUNS (launches per boot-time case, default 10),
# BENCH_BOOT_RUNS (boots per figure (d) and (g), 3), BENCH_MEM (MiB for
# every guest, 256), BENCH_FILE_MIB (size of (g)'s large file, 256),
# BENCH_SHARE_MIB (size of (h)'s large file, BENCH_FILE_MIB),
# BENCH_SHARE_RUNS (runs per column of (h), 5), BENCH_SECTIONS (the
# letters of the sections to run, default all: "bcdefghijklmnopqrs"; (a) comes from the
# build and is always there; a run of fewer sections writes only those, to
# build/bench/benchmarks-partial.md), BENCH_OUT (docs/benchmarks.md), QEMU
# (qemu-system-x86_64), UNISHYPER_GCC, UNISHYPER_RUN (toolchain/bin/...).
set -eu

TOP="$(cd "$(dirname "$0")/.." && pwd)"
B="$TOP/build/bench"
L="$B/logs"
ALL_SECTIONS=bcdefghijklmnopqrs
SECTIONS="${BENCH_SECTIONS:-$ALL_SECTIONS}"
[[ "$SECTIONS" =~ ^[$ALL_SECTIONS]+$ ]] || { echo "bench: BENCH_SECTIONS: letters of $ALL_SECTIONS, not '$SECTIONS'" >&2; exit 2; }
OUT_PARTIAL=1
[ -n "$(tr -d "$SECTIONS" <<< "$ALL_SECTIONS")" ] || OUT_PARTIAL=0
if [ "$OUT_PARTIAL" = 0 ]; then
	OUT="${BENCH_OUT:-$TOP/docs/benchmarks.md}"
else
	OUT="${BENCH_OUT:-$B/benchmarks-partial.md}"
fi
RUNS="${BENCH_RUNS:-10}"
BOOT_RUNS="${BENCH_BOOT_RUNS:-3}"
MEM="${BENCH_MEM:-256}"
FILE_MIB="${BENCH_FILE_MIB:-256}"
FILE_COUNT=1000
FILE_DISK_MIB=512
SHARE_MIB="${BENCH_SHARE_MIB:-$FILE_MIB}"
SHARE_RUNS="${BENCH_SHARE_RUNS:-5}" # (h) is quick: a round of its three runs takes ~15 s
ENTRY_RUNS=500 # (q): launches of the ELF entry alone, in blocks of 50
# the msize Unishyper's 9p client asks for, which the Linux guest mounts with
SHARE_MSIZE=$(sed -n 's/^#define MSIZE (\([0-9]*\)u \* 1024).*/\1/p' "$TOP/drivers/virtio/9p.c" 2>/dev/null)
SHARE_MSIZE=$((${SHARE_MSIZE:-128} * 1024))
SMP=1 # every figure but (f), which runs -smp 2 and -smp 1
ACCEL=tcg,thread=multi
QEMU="${QEMU:-qemu-system-x86_64}"
UGCC="${UNISHYPER_GCC:-$TOP/toolchain/bin/unishyper-gcc}"
URUN="${UNISHYPER_RUN:-$TOP/toolchain/bin/unishyper-run}"
MACHINES="microvm q35"
LINUX_TIMEOUT=20 # s; a Linux hello boots in ~2.5 s under TCG
LINUX_MEM_TIMEOUT=10 # too little memory can hang Linux silently before its console is up
UNI_TIMEOUT=20
UNI_MEM_TIMEOUT=5 # hello takes well under a second; too little memory can hang it
T_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# sec LETTER: that section runs in this run
sec() { [[ "$SECTIONS" == *"$1"* ]]; }

cleanup() {
	# launchtime kills its own QEMU on a signal; remove what a cut-short
	# run leaves half written
	rm -f "$OUT.tmp" "$B"/*.tmp
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shell-quoted rendering of a command line, for the report
qcmd() {
	local a s=""
	for a in "$@"; do
		if [[ "$a" =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
			s+="$a "
		else
			s+="'${a//\'/\'\\\'\'}' "
		fi
	done
	printf '%s\n' "${s% }"
}

# pkg_versions NAME...: "NAME VERSION; ..." of installed Debian packages
pkg_versions() {
	local p
	for p in "$@"; do
		printf '%s %s; ' "$p" "$(dpkg-query -W -f '${Version}' "$p" 2>/dev/null || echo '(not installed)')"
	done | sed 's/; $//'
}

# kernel_package: the Debian package that holds the Linux peer's kernel
kernel_package() { dpkg-query -S "$BZIMAGE" 2>/dev/null | cut -d: -f1 | head -n 1; }

# ---------------------------------------------------------------- build
for t in "$QEMU" gcc musl-gcc as ld strip cpio readelf taskset; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done
rm -rf "$L"
mkdir -p "$B/host" "$B/native" "$B/floor" "$B/unishyper" "$L"

log "building host helpers, floor guest, native programs"
gcc -O2 -Wall -o "$B/host/launchtime" "$TOP/bench/src/launchtime.c"
gcc -O2 -Wall -o "$B/host/tsckhz" "$TOP/bench/src/tsckhz.c"
LT="$B/host/launchtime"
KHZ=$("$B/host/tsckhz")
as --32 -o "$B/floor/floor.o" "$TOP/bench/floor/floor.S"
ld -m elf_i386 -T "$TOP/bench/floor/floor.ld" -o "$B/floor/floor.elf" "$B/floor/floor.o"
FLOOR="$B/floor/floor.elf"
for p in hello sysbench threadbench filebench memspeed manyfiles; do
	musl-gcc -static -O2 -Wall -o "$B/native/$p" "$TOP/bench/src/$p.c"
done
strip -o "$B/native/hello.stripped" "$B/native/hello"

# LNX=1 when the Linux peer is built
log "building the Linux microVM peer"
LNX=1
LNX_WHY="not built: bench/linuxvm/build.sh failed, see build/bench/logs/linuxvm-build.log"
"$TOP/bench/linuxvm/build.sh" "$B/linuxvm" > "$L/linuxvm-build.log" 2>&1 || LNX=0
[ "$LNX" = 1 ] || log "Linux rows skipped: $LNX_WHY"
VMLINUX="$B/linuxvm/vmlinux"
INITRD="$B/linuxvm/initramfs.cpio"
BZIMAGE="$(cat "$B/linuxvm/kernel.txt" 2>/dev/null || echo -)"
LINUX_APPEND="console=ttyS0 quiet panic=-1 tsc=reliable tsc_early_khz=$KHZ"

# runs_hello IMAGE LOG: unishyper-run IMAGE prints hello and exits 0
runs_hello() {
	"$LT" -t "$UNI_TIMEOUT" -l "$2" -m 'hello, world' -- \
		"$URUN" "$1" --mem "$MEM" --smp "$SMP" --accel tcg |
		grep -q 'marker_ms=[0-9].* status=0 timeout=0'
}

# Unishyper: UNI=1 when the tools exist, build the images and hello runs
UNI=0
UNI_WHY="not yet built: $UGCC or $URUN is missing"
STRIPPED_RUNS=no
if [ -x "$UGCC" ] && [ -x "$URUN" ]; then
	log "building the Unishyper images"
	UNI_WHY="unishyper-gcc failed, see build/bench/logs/unishyper-build.log"
	if (for p in hello sysbench boottime threadbench filebench memspeed manyfiles; do
		"$UGCC" -O2 -o "$B/unishyper/$p.img" "$TOP/bench/src/$p.c" || exit 1
	done) > "$L/unishyper-build.log" 2>&1; then
		UNI_WHY="hello.img does not run, see build/bench/logs/unishyper-smoke.log"
		if runs_hello "$B/unishyper/hello.img" "$L/unishyper-smoke.log"; then UNI=1; fi
		if strip -o "$B/unishyper/hello.stripped.img" "$B/unishyper/hello.img" &&
			runs_hello "$B/unishyper/hello.stripped.img" "$L/unishyper-stripped.log"; then
			STRIPPED_RUNS=yes
		fi
	fi
fi
[ "$UNI" = 1 ] || log "Unishyper rows skipped: $UNI_WHY"

# have GUEST: the guest can run in this run
have() {
	case "$1" in
	uni | wrap | ufloor) [ "$UNI" = 1 ] ;;
	linux) [ "$LNX" = 1 ] ;;
	*) true ;;
	esac
}

# FILES=1 when (g) can run: the FAT tools exist; the Linux guest also needs
# its own initramfs (FILES_LNX=1)
FILES=1
FILES_WHY=""
for t in mkfs.fat fsck.fat truncate; do
	command -v "$t" >/dev/null || { FILES=0; FILES_WHY="not run: missing tool $t (dosfstools)"; }
done
FILES_LNX=$LNX
INITRD_FILES="$B/linuxvm/initramfs-files.cpio"
[ -f "$INITRD_FILES" ] || FILES_LNX=0

# (h): the Linux guest needs its 9p initramfs (SHARE_LNX=1).  Natively,
# filebench must not drop the host's page cache, which every other process
# here and both guests' QEMU read through: as root it runs in a mount
# namespace of its own where /proc/sys is read-only (SHARE_NATIVE=1 when
# that, or running unprivileged, keeps drop_caches out of its reach).
SHARE_LNX=$LNX
INITRD_9P="$B/linuxvm/initramfs-9p.cpio"
[ -f "$INITRD_9P" ] || SHARE_LNX=0
SHARE_NATIVE=1
NATIVE_FB=("$B/native/filebench")
if [ -w /proc/sys/vm/drop_caches ]; then
	NATIVE_FB=(unshare -m sh -c
		'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"'
		sh "$B/native/filebench")
	"${NATIVE_FB[@]:0:5}" true 2>/dev/null || SHARE_NATIVE=0
fi

# ---------------------------------------------------------- command lines
# qemu_base MACHINE MIB: the QEMU flags of the floor and the Linux guest,
# into the array BASE: the devices unishyper-run gives its guests (no
# defaults, COM1 on standard output, isa-debug-exit), less its kernel-log
# port.  microvm gets pit=on: without an i8254 Linux cannot calibrate its
# clocks under TCG.
qemu_base() {
	local m="$1"
	[ "$m" = microvm ] && m=microvm,pit=on
	BASE=("$QEMU" -M "$m" -accel "$ACCEL" -m "${2}M" -smp "$SMP" -nodefaults -no-user-config
		-display none -no-reboot -serial stdio -device "isa-debug-exit,iobase=0xf4,iosize=4")
}

# uni_cmd MACHINE PROGRAM MIB: Unishyper's raw QEMU command into the array
# CMD, as `unishyper-run --dry-run` prints it, with the kernel log sent to
# a file that outlives the dry run and -m set to MIB (the wrapper itself
# takes no less than 2 MiB).  Standard input is not a terminal, as in
# every timed launch.  The program's arguments: the array PROG_ARGS; the
# disk: DISK, the shared folder: SHARE (none when empty).
DISK=""
SHARE=""
uni_cmd() {
	local line i
	line=$("$URUN" "$B/unishyper/$2.img" --dry-run --log "$L/klog-$2-$1-smp$SMP.log" \
		--mem "$MEM" --smp "$SMP" --machine "$1" --accel tcg ${DISK:+--disk "$DISK"} \
		${SHARE:+--share "$SHARE"} \
		-- ${PROG_ARGS[@]+"${PROG_ARGS[@]}"} < /dev/null | head -n 1) || true
	[ -n "$line" ] || line=false # no command: every launch fails
	eval "CMD=($line)"
	for i in "${!CMD[@]}"; do
		[ "${CMD[$i]}" = -m ] && CMD[i + 1]="$3"
	done
	return 0
}

# set_cmd GUEST MACHINE PROGRAM [MIB]: the command line into the array CMD,
# with -smp $SMP, the program's arguments from the array PROG_ARGS, the
# raw disk image DISK and the folder SHARE when set (Linux: on virtio-blk
# and virtio-9p exactly as unishyper-run attaches them, with the initramfs
# INITRD_OF and the words LINUX_WORDS added to its command line)
#   GUEST: floor  the floor guest with the flags the Linux guest gets
#          ufloor the floor guest with Unishyper's flags (its raw command
#                 with the floor in place of the image, no -append, and
#                 COM1, where the floor writes, on standard output)
#          uni    Unishyper, raw QEMU       wrap  Unishyper, unishyper-run
#          linux  the Linux microVM
set_cmd() {
	local mib="${4:-$MEM}" i
	qemu_base "$2" "$mib"
	case "$1" in
	floor) CMD=("${BASE[@]}" -kernel "$FLOOR") ;;
	linux)
		CMD=("${BASE[@]}")
		[ -z "$DISK" ] || CMD+=(-drive "file=$DISK,format=raw,if=none,id=d0"
			-device "virtio-blk-$([ "$2" = q35 ] && echo pci || echo device),drive=d0")
		[ -z "$SHARE" ] || CMD+=(
			-fsdev "local,id=s0,path=${SHARE//,/,,},security_model=none,multidevs=remap"
			-device "virtio-9p-$([ "$2" = q35 ] && echo pci || echo device),fsdev=s0,mount_tag=share0")
		CMD+=(-kernel "$VMLINUX" -initrd "${INITRD_OF:-$INITRD}"
			-append "$LINUX_APPEND${LINUX_WORDS:+ $LINUX_WORDS} rdinit=/$3${PROG_ARGS[*]:+ -- ${PROG_ARGS[*]}}")
		;;
	wrap) CMD=("$URUN" "$B/unishyper/$3.img" --mem "$mib" --smp "$SMP" --machine "$2"
		--accel tcg) ;;
	uni) uni_cmd "$2" "$3" "$mib" ;;
	ufloor)
		uni_cmd "$2" "$3" "$mib"
		local out=()
		for ((i = 0; i < ${#CMD[@]}; i++)); do
			case "${CMD[$i]}" in
			-kernel) out+=(-kernel "$FLOOR"); i=$((i + 1)) ;;
			-append) i=$((i + 1)) ;;
			-serial) out+=(-serial stdio); i=$((i + 1)) ;;
			*) out+=("${CMD[$i]}") ;;
			esac
		done
		CMD=("${out[@]}")
		;;
	esac
}

# ------------------------------------------------------------ launching
# launch CASE WANT TIMEOUT MARKER FAILMARK CMD...: one timed launch.  Appends
# "ok=0|1 <launchtime line>" to $L/CASE.txt and keeps the output in
# $L/CASE.N.log.  ok: the marker appeared, no timeout or failure marker,
# and the exit status matches the regular expression WANT.
launch() {
	local c="$1" want="$2" tmo="$3" marker="$4" fail="$5" n line ok=0
	shift 5
	n=$(($(wc -l 2>/dev/null < "$L/$c.txt" || echo 0) + 1))
	line=$("$LT" -t "$tmo" -l "$L/$c.$n.log" -m "$marker" ${fail:+-f "$fail"} -- "$@") || true
	if [[ "$line" != marker_ms=-1* && "$line" == *" timeout=0 fail=0 "* &&
		"$line" =~ status=([0-9]+) ]] && [[ "${BASH_REMATCH[1]}" =~ ^($want)$ ]]; then
		ok=1
	fi
	echo "ok=$ok $line" >> "$L/$c.txt"
	LAST_OK=$ok
}

# stats FILE FIELD: "n median min max" of FIELD over the ok=1 lines
stats() {
	awk -v f="$2" '$1 == "ok=1" { for (i = 2; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$1" 2>/dev/null |
		sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "0 - - -"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%d %.1f %.1f %.1f\n", NR, m, a[1], a[NR] }'
}

# "median min" of the numbers on stdin, "- -" when there are none
med_min() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.2f %.2f\n", m, a[1] }'
}

# ratio A B [DIGITS]: A / B, "-" when either is not a number
ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "-"
		else printf "%.*f\n", d, a / b }'
}

# diff A B: A - B in ms, "-" when either is not a number
diff_ms() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "-"
		else printf "%+.1f\n", a - b }'
}

GUESTS=""
for g in ufloor uni wrap floor linux; do
	if have "$g"; then GUESTS="$GUESTS $g"; fi
done
# raw Unishyper: isa-debug-exit makes QEMU exit with 2 * status + 1
declare -A WANT=([floor]=1 [ufloor]=1 [uni]=1 [wrap]=0 [linux]=0)
declare -A MARK=([floor]=FLOOR [ufloor]=FLOOR [uni]='hello, world' [wrap]='hello, world'
	[linux]='hello, world')
declare -A TMO=([floor]=10 [ufloor]=10 [uni]=$UNI_TIMEOUT [wrap]=$UNI_TIMEOUT
	[linux]=$LINUX_TIMEOUT)
declare -A CMDLINES=() EXIT=()
PROG_ARGS=()

# ------------------------------------------------- (c) launch to exit
if sec c; then
	for m in $MACHINES; do
		log "(c) launch to exit, -M $m: $RUNS rounds of: $GUESTS"
		for i in $(seq 0 "$RUNS"); do
			for g in $GUESTS; do
				set_cmd "$g" "$m" hello
				CMDLINES["c-$m-$g"]="$(qcmd "${CMD[@]}")"
				c="boot-$m-$g"
				[ "$i" = 0 ] && c="warmup-$m-$g" # round 0 only warms caches
				launch "$c" "${WANT[$g]}" "${TMO[$g]}" "${MARK[$g]}" "Kernel panic" "${CMD[@]}"
			done
		done
	done
fi

# ------------------------------------------------- (d) PVH entry to main
if sec d; then
	for m in $MACHINES; do
		log "(d) entry to main, -M $m: $BOOT_RUNS boots per guest"
		for g in uni linux; do
			have "$g" || continue
			set_cmd "$g" "$m" boottime
			CMDLINES["d-$m-$g"]="$(qcmd "${CMD[@]}")"
			for i in $(seq 1 "$BOOT_RUNS"); do
				launch "boottime-$m-$g" "${WANT[$g]}" "${TMO[$g]}" BOOTTIME "Kernel panic" "${CMD[@]}"
			done
		done
	done
fi

# ------------------------------------------------- (e) system-call cost
declare -A FAILM=([uni]="unishyper: panic" [linux]="Kernel panic" [native]="")
# ns_run LETTER PROG MARKER: one run of the ns-per-operation program PROG
# (bench.h's RESULT lines) natively and in each guest on -M microvm, its
# output kept as $L/PROG-GUEST.log; MARKER is a guest's last line
ns_run() {
	local g PROG_ARGS=() # none: the defaults (a section before may have set some)
	log "($1) $2: native"
	"$B/native/$2" > "$L/$2-native.log" 2>&1 || true
	CMDLINES[$1-host-native]="$(qcmd "$B/native/$2") > $L/$2-native.log"
	for g in linux uni; do
		have "$g" || continue
		log "($1) $2: $g"
		set_cmd "$g" microvm "$2"
		CMDLINES["$1-microvm-$g"]="$(qcmd "${CMD[@]}")"
		launch "$2-$g" "${WANT[$g]}" 120 "$3" "${FAILM[$g]}" "${CMD[@]}"
		cp "$L/$2-$g.1.log" "$L/$2-$g.log"
	done
}
# result PROG GUEST NAME: the median ns of RESULT NAME in that run, "-" when none
result() {
	local v
	v=$(tr -d '\r' 2>/dev/null < "$L/$1-$2.log" |
		sed -n "s/^RESULT $3 median=\([0-9.]*\).*/\1/p" | head -n 1)
	echo "${v:--}"
}
if sec e; then ns_run e sysbench 'RESULT fork_16m'; fi

# ------------------------------------------------------------ (f) threads
# threads GUEST SMP FIGURE...: one run of threadbench with SMP CPUs (the
# guests: -smp SMP on -M microvm; native: pinned with taskset to the first
# SMP CPUs of the host), kept as $L/threads-GUEST-smpSMP.1.log
threads() {
	local g="$1" SMP="$2" m=microvm # set_cmd and uni_cmd see this SMP
	shift 2
	if [ "$g" = native ]; then
		m=host
		CMD=(taskset -c "$(seq -s, 0 $((SMP - 1)))" "$B/native/threadbench" "$@")
	else
		PROG_ARGS=("$@")
		set_cmd "$g" microvm threadbench
		PROG_ARGS=()
	fi
	CMDLINES["f-$m-$g-smp$SMP"]="$(qcmd "${CMD[@]}")"
	rm -f "$L/threads-$g-smp$SMP.txt"
	launch "threads-$g-smp$SMP" "${WANT[$g]:-0}" 180 '# threadbench done' "${FAILM[$g]}" "${CMD[@]}"
}
LOAD_F0=$(cut -d' ' -f1 /proc/loadavg)
if sec f; then
	for g in uni linux native; do
		have "$g" || continue
		log "(f) threads: $g, -smp 2 and 1"
		threads "$g" 2
		threads "$g" 1 work_1_thread
	done
fi
LOAD_F1=$(cut -d' ' -f1 /proc/loadavg)

# -------------------------------------------------------------- (g) files
# files_boot GUEST N: boot N of filebench on a fresh FAT32 image, then
# fsck.fat -n of the image (status and output in $L/files-GUEST.N.fsck),
# the size of the large file and the count of small files as the host's
# mtools read them ($L/files-GUEST.N.check), and the image removed.
declare -A FILE_MARK=([uni]='# filebench done' [linux]='# fileinit status=0 umount=0')
declare -A FILE_PROG=([uni]=filebench [linux]=fileinit)
files_boot() {
	local g="$1" n="$2" img="$B/files/$1.$2.img" st=0 size count
	rm -f "$img"
	truncate -s "${FILE_DISK_MIB}M" "$img"
	mkfs.fat -F 32 "$img" > "$L/files-$g.$n.mkfs" 2>&1
	DISK=$img INITRD_OF=$INITRD_FILES
	if [ "$g" = uni ]; then PROG_ARGS=(/ "$FILE_MIB" "$FILE_COUNT"); else PROG_ARGS=("$FILE_MIB" "$FILE_COUNT"); fi
	set_cmd "$g" microvm "${FILE_PROG[$g]}"
	DISK="" INITRD_OF="" PROG_ARGS=()
	CMDLINES["g-microvm-$g"]="$(qcmd "${CMD[@]}")"
	launch "files-$g" "${WANT[$g]}" $((60 + FILE_MIB)) "${FILE_MARK[$g]}" "${FAILM[$g]}" "${CMD[@]}"
	fsck.fat -n "$img" > "$L/files-$g.$n.fsck" 2>&1 || st=$?
	echo "status=$st" >> "$L/files-$g.$n.fsck"
	if command -v mcopy >/dev/null && command -v mdir >/dev/null; then
		size=$(MTOOLS_SKIP_CHECK=1 mcopy -i "$img" ::/filebench.dat - 2>/dev/null | wc -c)
		count=$(MTOOLS_SKIP_CHECK=1 mdir -i "$img" -b ::/small 2>/dev/null | grep -c . || true)
		echo "size=$size count=$count" > "$L/files-$g.$n.check"
	fi
	rm -f "$img"
}
T_G0=$(date +%s)
if sec g && [ "$FILES" = 1 ]; then
	mkdir -p "$B/files"
	rm -f "$B"/files/*.img
	for i in $(seq 1 "$BOOT_RUNS"); do
		for g in uni linux; do
			have "$g" || continue
			[ "$g" = linux ] && [ "$FILES_LNX" = 0 ] && continue
			log "(g) files: $g, boot $i of $BOOT_RUNS"
			files_boot "$g" "$i"
		done
	done
fi
T_G1=$(date +%s)

# ------------------------------------------------------- (h) share (9p)
# share_run GUEST N: run N of filebench on a fresh empty folder
# ($B/share/GUEST.N), shared over virtio-9p with the guests (Unishyper
# mounts it at /host; the Linux guest's init mounts it with its own 9p
# client) or used directly natively; then the size of the large file and
# the count of 4 KiB small files as the host sees them
# ($L/share-GUEST.N.check), and the folder removed.
declare -A SHARE_MARK=([uni]='# filebench done' [linux]='# fileinit status=0 umount=0'
	[native]='# filebench done')
share_run() {
	local g="$1" n="$2" dir="$B/share/$1.$2" size count
	rm -rf "$dir"
	mkdir -p "$dir"
	case "$g" in
	uni)
		SHARE=$dir PROG_ARGS=(/host "$SHARE_MIB" "$FILE_COUNT")
		set_cmd uni microvm filebench
		;;
	linux)
		SHARE=$dir INITRD_OF=$INITRD_9P PROG_ARGS=("$SHARE_MIB" "$FILE_COUNT")
		LINUX_WORDS="fileinit_fs=9p fileinit_msize=$SHARE_MSIZE"
		set_cmd linux microvm fileinit
		;;
	native) CMD=("${NATIVE_FB[@]}" "$dir" "$SHARE_MIB" "$FILE_COUNT") ;;
	esac
	SHARE="" INITRD_OF="" LINUX_WORDS="" PROG_ARGS=()
	CMDLINES["h-$([ "$g" = native ] && echo host || echo microvm)-$g"]="$(qcmd "${CMD[@]}")"
	launch "share-$g" "${WANT[$g]:-0}" $((120 + 2 * SHARE_MIB)) "${SHARE_MARK[$g]}" \
		"${FAILM[$g]}" "${CMD[@]}"
	size=$(stat -c %s "$dir/filebench.dat" 2>/dev/null || echo 0)
	count=$(find "$dir/small" -maxdepth 1 -type f -size 4096c 2>/dev/null | wc -l)
	echo "size=$size count=$count" > "$L/share-$g.$n.check"
	rm -rf "$dir"
}
# share_has GUEST: (h) runs that guest
share_has() {
	case "$1" in
	native) [ "$SHARE_NATIVE" = 1 ] ;;
	linux) have linux && [ "$SHARE_LNX" = 1 ] ;;
	*) have "$1" ;;
	esac
}
T_H0=$(date +%s)
if sec h; then
	mkdir -p "$B/share"
	rm -rf "$B"/share/*
	for i in $(seq 1 "$SHARE_RUNS"); do
		for g in uni linux native; do
			share_has "$g" || continue
			log "(h) share (9p): $g, run $i of $SHARE_RUNS"
			share_run "$g" "$i"
		done
	done
fi
T_H1=$(date +%s)

# ------------------------------------------------- (i) standard streams
. "$TOP/bench/streams.sh"
if sec i; then
	streams_run
fi
# --------------------------------- (j) memory, (k) one folder, many files
. "$TOP/bench/memfiles.sh"
if sec j; then ns_run j memspeed "# memspeed done"; fi
T_K0=$(date +%s)
if sec k; then mf_run; fi
T_K1=$(date +%s)

# ------------------------------------------------------------- (l) pipes
. "$TOP/bench/pipes.sh"
if sec l; then
	pipes_run
fi

# ------------------------------------------------- (m) signal delivery
. "$TOP/bench/signals.sh"
if sec m; then
	signals_run
fi

# ------------------------------------------------- (n) epoll_wait
. "$TOP/bench/epoll.sh"
if sec n; then
	epoll_run
fi

# ------------------------------------------- (o) mmap against read()
. "$TOP/bench/mmap.sh"
if sec o; then
	mmap_run
fi

# ------------------------------------------------------- (p) network
. "$TOP/bench/net.sh"
if sec p; then
	net_run
	trap cleanup EXIT # netns.sh had its own while the namespaces lived
	trap 'exit 130' INT TERM HUP
fi

# ------------------------------------------- (q) an image as a host command
# The same hello three ways, interleaved: unishyper-run IMAGE, the image
# executed itself (its host entry runs unishyper-run --host), native.
declare -A QCMD=([run]="$URUN $B/unishyper/hello.img" [runhost]="$URUN $B/unishyper/hello.img --host"
	[host]="$B/unishyper/hello.img" [native]="$B/native/hello")
if sec q && have uni; then
	log "(q) host command: $RUNS rounds of unishyper-run IMAGE, ./IMAGE and native"
	for k in run runhost host native; do CMDLINES["q-$k"]=${QCMD[$k]}; done
	for i in $(seq 0 "$RUNS"); do
		for k in run runhost host native; do
			c="q-$k"
			[ "$i" = 0 ] && c="q-warmup-$k"
			# shellcheck disable=SC2086 # the words of the command
			launch "$c" 0 "$UNI_TIMEOUT" 'hello, world' "" ${QCMD[$k]}
		done
	done
	# The ELF entry alone, without QEMU's noise: the image executed with
	# UNISHYPER_RUN=/bin/true (it execs that instead of the launcher)
	# against /bin/true itself, ENTRY_RUNS each, in alternating blocks of
	# 50; the difference per launch is what the entry adds.
	entry_ns=0 true_ns=0
	for i in $(seq 1 $((ENTRY_RUNS / 50))); do
		t0=${EPOCHREALTIME/./}
		for j in $(seq 50); do UNISHYPER_RUN=/bin/true "$B/unishyper/hello.img"; done
		t1=${EPOCHREALTIME/./}
		for j in $(seq 50); do /bin/true; done
		t2=${EPOCHREALTIME/./}
		entry_ns=$((entry_ns + (t1 - t0) * 1000)) true_ns=$((true_ns + (t2 - t1) * 1000))
	done
	echo "$((entry_ns / ENTRY_RUNS)) $((true_ns / ENTRY_RUNS))" >"$L/q-entry.txt"
fi

# ------------------------------------------------- (r) the ports' work
. "$TOP/bench/ports.sh"
if sec r; then
	ports_run
fi

# ------------------------------------- (s) a server on the host's loopback
. "$TOP/bench/hostnet.sh"
if sec s; then
	hostnet_run
fi

# ------------------------------------------------- (b) smallest memory
# mem_ok GUEST MIB K: K boots of hello with -m MIB all print the marker and
# exit as expected.  bisect GUEST K: the smallest such MIB in 1..MEM,
# assuming that more memory never breaks a boot; "-" when MEM itself fails.
mem_ok() {
	local g="$1" mib="$2" k tmo
	tmo="${TMO[$g]}"
	[ "$g" = linux ] && tmo=$LINUX_MEM_TIMEOUT
	[ "$g" = uni ] && tmo=$UNI_MEM_TIMEOUT
	set_cmd "$g" microvm hello "$mib"
	for k in $(seq 1 "$3"); do
		launch "mem-$1-${mib}M" "${WANT[$g]}" "$tmo" 'hello, world' "Kernel panic" "${CMD[@]}"
		[ "$LAST_OK" = 1 ] || { echo "$mib fail" >> "$L/mem-$1.txt"; return 1; }
	done
	echo "$mib pass" >> "$L/mem-$1.txt"
}
bisect() {
	local lo=0 hi="$MEM" mid
	mem_ok "$1" "$hi" "$2" || { echo -; return; }
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(((lo + hi) / 2))
		if mem_ok "$1" "$mid" "$2"; then hi=$mid; else lo=$mid; fi
	done
	echo "$hi"
}
MEM_UNI=-
MEM_LINUX=-
if sec b && have uni; then
	log "(b) smallest -m: Unishyper"
	MEM_UNI=$(bisect uni 3)
fi
if sec b && have linux; then
	log "(b) smallest -m: Linux"
	MEM_LINUX=$(bisect linux 2)
fi

# ------------------------------------------------------------- report
log "writing $OUT"
T_END=$(date +%s)
fsize() { if [ -f "$1" ]; then stat -c %s "$1"; else echo -; fi; }
ssize() { # stripped size of an ELF, without touching it
	if [ -f "$1" ] && strip -o "$B/strip.tmp" "$1" 2>/dev/null; then
		stat -c %s "$B/strip.tmp"
	else echo -; fi
	rm -f "$B/strip.tmp"
}
sum() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) print a + b; else print "-" }'; }
mib() { awk -v a="$1" 'BEGIN { if (a ~ /^[0-9]+$/) printf "%.1f MiB", a / 1048576; else print "-" }'; }
kib2mib() { awk -v a="$1" 'BEGIN { if (a ~ /^[0-9.]+$/) printf "%.1f", a / 1024; else print "-" }'; }
# field NAME FILE...: the numbers after NAME= in the given logs
field() { local n="$1"; shift; cat "$@" 2>/dev/null | tr -d '\r' | grep -o "$n=[0-9]*" | cut -d= -f2; }
# floor_tsc MACHINE GUEST: "median min" TSC (ms) at a floor's first instruction
floor_tsc() {
	cat "$L"/boot-"$1"-"$2".*.log 2>/dev/null | tr -d '\r' |
		sed -n 's/.*FLOOR tsc=\([0-9a-f]*\).*/\1/p' |
		while read -r h; do echo $((16#$h)); done | awk -v k="$KHZ" '{ print $1 / k }' | med_min
}
tried() { awk '{ printf "%s%s: %s", (NR > 1 ? ", " : ""), $1, $2 }' "$L/mem-$1.txt" 2>/dev/null || true; }
# cell GUEST VALUE: VALUE, or why the guest has no figures
cell() {
	if have "$1"; then
		echo "$2"
	elif [ "$1" = linux ]; then
		echo "not built"
	else
		echo "not yet built"
	fi
}
declare -A NAME=([floor]="floor, Linux's flags" [ufloor]="floor, Unishyper's flags"
	[uni]="Unishyper (raw QEMU)" [wrap]="Unishyper (unishyper-run)" [linux]="Linux microVM")
# the floor each guest is divided by: the one with its own QEMU flags
declare -A FLOOR_OF=([floor]=floor [linux]=floor [ufloor]=ufloor [uni]=ufloor [wrap]=ufloor)

{
	echo "# Benchmarks"
	echo
	echo "Generated by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in $((T_END - T_START)) s."
	echo "Every guest ran in this same run, on the same QEMU, with \`-accel $ACCEL\`, \`-m ${MEM}M\`"
	echo "(except in b) and \`-smp $SMP\` (except in f); ratios compare figures of this run only."
	echo "BENCH_RUNS, BENCH_BOOT_RUNS and BENCH_MEM change the number of launches, of boots"
	echo "for (d) and (g) and the memory of every guest."
	[ "$OUT_PARTIAL" = 0 ] || echo "This run measured only the sections $SECTIONS (BENCH_SECTIONS) and (a)."
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| machine | \`$(uname -srm)\`, $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), host TSC $KHZ kHz |"
	echo "| QEMU | $("$QEMU" --version | head -n 1) |"
	echo "| Debian packages | $(pkg_versions qemu-system-x86 linux-image-amd64 "$(kernel_package)" musl-tools gcc) |"
	echo "| accelerator | TCG: this machine's /dev/kvm is kvm_pvm, unusable for these guests |"
	echo "| Linux peer | $(basename "$BZIMAGE") as a PVH vmlinux; initramfs holding only the static programs, one of them init (rdinit=); in (g) another one, with the modules that mount vfat; in (h) and (o) one with the 9p modules |"
	echo "| native | static musl $(dpkg-query -W -f '${Version}' musl-tools 2>/dev/null || true) (musl-gcc -static -O2) on the host itself |"
	echo "| load average | $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end: a shared host, figures move between runs |"
	have uni || echo "| Unishyper | **$UNI_WHY**: no figures |"
	have linux || echo "| Linux peer | **$LNX_WHY**: no figures |"
	[ "$FILES" = 1 ] || echo "| (g) files | **$FILES_WHY** |"
	echo

	echo "## (a) Image size of hello"
	echo
	U=$(fsize "$B/unishyper/hello.img")
	US=$(fsize "$B/unishyper/hello.stripped.img")
	LK=$(sum "$(fsize "$VMLINUX")" "$(fsize "$INITRD")")
	LKS=$(sum "$(ssize "$VMLINUX")" "$(fsize "$INITRD")")
	echo "| what QEMU boots | bytes | stripped | stripped, ÷ Unishyper |"
	echo "|---|---:|---:|---:|"
	echo "| Unishyper hello.img: kernel, musl and program in one ELF | $(cell uni "$U") | $(cell uni "$US") | $(cell uni 1) |"
	echo "| Linux: vmlinux + initramfs ($(cell linux "$(mib "$LK")")) | $(cell linux "$LK") | $(cell linux "$LKS") | $(cell linux "$(ratio "$LKS" "$US" 0)") |"
	echo "| Linux: Debian's bzImage as shipped + initramfs | $(cell linux "$(sum "$(fsize "$BZIMAGE")" "$(fsize "$INITRD")")") | | |"
	echo "| the static musl hello by itself (Linux's init; native) | $(fsize "$B/native/hello") | $(fsize "$B/native/hello.stripped") | $(ratio "$(fsize "$B/native/hello.stripped")" "$US" 3) |"
	echo "| floor guest | $(fsize "$FLOOR") | | |"
	echo
	have uni && echo "The stripped Unishyper image (strip, which keeps the PVH note) runs hello: $STRIPPED_RUNS." && echo

	echo "## (b) Smallest -m that runs hello"
	echo
	echo "Bisection over whole MiB in 1..$MEM on \`-M microvm\`, assuming more memory never breaks"
	echo "a boot.  A size passes when every boot prints hello and exits cleanly: 3 boots per step"
	echo "for Unishyper (its raw QEMU command with that -m, which is what \`unishyper-run --mem\`"
	echo "passes), 2 for Linux."
	echo
	echo "| guest | smallest -m (MiB) | sizes tried (MiB: result) |"
	echo "|---|---:|---|"
	echo "| Unishyper | $(cell uni "$MEM_UNI") | $(tried uni) |"
	echo "| Linux microVM | $(cell linux "$MEM_LINUX") | $(tried linux) |"
	echo "| Linux ÷ Unishyper | $(ratio "$MEM_LINUX" "$MEM_UNI" 1) | |"
	echo

	echo "## (c) Launch to exit of hello, against the QEMU floor"
	echo
	echo "Host wall clock (bench/src/launchtime.c) from just before QEMU starts to the hello line"
	echo "on the serial console (marker) and to QEMU's exit: median of $RUNS launches, interleaved"
	echo "round by round after one warm-up round.  The floor is the smallest PVH guest, what QEMU"
	echo "and its firmware cost by themselves; each guest is divided by the floor booted with its"
	echo "own QEMU flags (Unishyper's from \`unishyper-run --dry-run\`; Linux's add \`pit=on\`, which"
	echo "Linux needs on microvm under TCG).  \"÷ floor\" divides medians, \"÷ floor, mins\" the"
	echo "fastest launches, the figure least disturbed by other work on the host."
	echo
	echo "| guest | -M | ok | marker (ms) | exit (ms), median | min – max | ÷ floor | ÷ floor, mins | − floor (ms) | QEMU peak RSS (MiB) |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	declare -A EXIT=()
	for m in $MACHINES; do
		for g in ufloor uni wrap floor linux; do
			have "$g" || { echo "| ${NAME[$g]} | $m | | $(cell "$g" -) | | | | | | |"; continue; }
			f="$L/boot-$m-$g.txt"
			read -r n ex exmin exmax < <(stats "$f" exit_ms)
			read -r _ mk _ _ < <(stats "$f" marker_ms)
			read -r _ rss _ _ < <(stats "$f" rss_kb)
			read -r _ fex fexmin _ < <(stats "$L/boot-$m-${FLOOR_OF[$g]}.txt" exit_ms)
			EXIT["$m-$g"]=$ex
			echo "| ${NAME[$g]} | $m | $n/$RUNS | $mk | **$ex** | $exmin – $exmax | **$(ratio "$ex" "$fex")** | $(ratio "$exmin" "$fexmin") | $(diff_ms "$ex" "$fex") | $(kib2mib "$rss") |"
		done
	done
	echo
	if have uni; then
		for m in $MACHINES; do
			echo "- $m: unishyper-run's own cost (wrapper − raw QEMU, medians) $(diff_ms "${EXIT[$m-wrap]}" "${EXIT[$m-uni]}") ms;" \
				"Linux ÷ Unishyper $(ratio "${EXIT[$m-linux]:-}" "${EXIT[$m-uni]}" 1)"
		done
		echo
	fi

	echo "## (d) From PVH entry to main, read in the guest"
	echo
	echo "bench/src/boottime.c prints its clocks at the top of main; median of $BOOT_RUNS boots."
	echo "Unishyper's CLOCK_MONOTONIC counts from its PVH entry (the TSC read at the first"
	echo "instruction).  Linux's clocks start later, during its early setup, so its"
	echo "CLOCK_BOOTTIME at init's main leaves the earliest boot out.  Under TCG the raw TSC counts"
	echo "from the moment QEMU starts the virtual CPUs: \"TSC at main\" is the same outside view"
	echo "for every guest, firmware included.  A floor row gives the TSC at the floor's first"
	echo "instruction (the firmware's cost), so \"TSC − floor\" is PVH entry to main seen from outside;"
	echo "it takes the minimum of each, as other work on the host only ever adds time (SeaBIOS on"
	echo "q35 varies by tens of ms from boot to boot)."
	echo
	echo "| guest | -M | in-guest clock at main (ms) | TSC at main (ms) | min | TSC − floor, mins (ms) |"
	echo "|---|---|---:|---:|---:|---:|"
	for m in $MACHINES; do
		declare -A FT=()
		for g in ufloor floor; do
			have "$g" || continue
			read -r ftmed FT[$g] < <(floor_tsc "$m" "$g")
			echo "| ${NAME[$g]}: TSC at its first instruction | $m | | $ftmed | ${FT[$g]} | |"
		done
		for g in uni linux; do
			have "$g" || { echo "| ${NAME[$g]} | $m | $(cell "$g" -) | | | |"; continue; }
			logs=("$L"/boottime-"$m"-"$g".*.log)
			if [ "$g" = uni ]; then clk=monotonic_ns; else clk=boottime_ns; fi
			read -r CLK _ < <(field "$clk" "${logs[@]}" | awk '{ print $1 / 1e6 }' | med_min)
			read -r TS TSMIN < <(field tsc "${logs[@]}" | awk -v k="$KHZ" '{ print $1 / k }' | med_min)
			clk=${clk%_ns}
			echo "| ${NAME[$g]}: CLOCK_${clk^^} | $m | **$CLK** | $TS | $TSMIN | $(diff_ms "$TSMIN" "${FT[${FLOOR_OF[$g]}]:-}") |"
		done
		unset FT
	done
	echo

	echo "## (e) System-call cost: ns per operation"
	echo
	echo "bench/src/sysbench.c, one source built three ways; each loop is sized to ~0.2 s and run"
	echo "5 times, median shown.  \`write0\` is write(1, buf, 0): in the guests fd 1 is the serial"
	echo "console, natively a file.  \`fork\` is fork(), the child's _exit(0) and the parent's"
	echo "waitpid(); \`fork_16m\` the same after writing 16 MiB of the program's memory, which"
	echo "Linux shares copy-on-write and Unishyper copies (its child runs while the parent waits)."
	echo "The guests run on \`-M microvm\`."
	echo
	echo "| ns/op | Unishyper (TCG) | Linux microVM (TCG) | native host | Linux ÷ Unishyper |"
	echo "|---|---:|---:|---:|---:|"
	declare -A NS=()
	for g in uni linux native; do
		for t in funccall getpid write0 fork fork_16m; do
			NS["$g-$t"]=$(result sysbench "$g" "$t")
		done
	done
	for t in funccall getpid write0 fork fork_16m; do
		echo "| $t | $(cell uni "${NS[uni-$t]}") | $(cell linux "${NS[linux-$t]}") | ${NS[native-$t]} | $(ratio "${NS[linux-$t]}" "${NS[uni-$t]}" 1) |"
	done
	for t in getpid write0; do
		echo "| $t ÷ funccall | $(cell uni "$(ratio "${NS[uni-$t]}" "${NS[uni-funccall]}" 1)") | $(cell linux "$(ratio "${NS[linux-$t]}" "${NS[linux-funccall]}" 1)") | $(ratio "${NS[native-$t]}" "${NS[native-funccall]}" 1) | |"
	done
	echo

	echo "## (f) Threads"
	echo
	echo "bench/src/threadbench.c, one source built three ways like sysbench.c; each figure's loop"
	echo "is sized to ~0.2 s and run 5 times, median shown.  The guests run on \`-M microvm\` with"
	echo "\`-accel $ACCEL\` (one host thread per vCPU), one boot with \`-smp 2\` for every figure and"
	echo "one with \`-smp 1\` for the speed-up's baseline; natively the program runs pinned with"
	echo "taskset to CPUs 0,1 and to CPU 0 for the baseline.  The ping-pong threads pin themselves"
	echo "with sched_setaffinity (and check sched_getcpu()); they wait with FUTEX_WAIT and wake"
	echo "each other with FUTEX_WAKE, never spinning, so a round trip is two wakes and two waits."
	echo "The CPU-bound work is units of 1000 xorshift64 steps, split evenly over the threads; the"
	echo "speed-up is the time per unit with 1 thread on -smp 1 over that with 2 threads on -smp 2."
	echo
	echo "| figure | Unishyper | Linux microVM | Linux ÷ Unishyper | native |"
	echo "|---|---:|---:|---:|---:|"
	# tb GUEST SMP FIGURE: that figure of that run, "failed" when the run did not end well
	tb() {
		local v
		if ! have "$1"; then cell "$1" -; return; fi
		grep -q '^ok=1' "$L/threads-$1-smp$2.txt" 2>/dev/null || { echo failed; return; }
		v=$(tr -d '\r' < "$L/threads-$1-smp$2.1.log" | sed -n "s/^$3 \([0-9.]*\) .*/\1/p" | head -n 1)
		echo "${v:--}"
	}
	declare -A TB=()
	for g in uni linux native; do
		for f in create_join futex_same_cpu futex_two_cpus mutex work_1_thread work_2_threads; do
			TB["$g-$f"]=$(tb "$g" 2 "$f")
		done
		TB["$g-work_1_thread-1"]=$(tb "$g" 1 work_1_thread)
		TB["$g-speedup"]=$(ratio "${TB[$g-work_1_thread-1]}" "${TB[$g-work_2_threads]}")
	done
	for row in "create_join|thread create + join (ns per pair)" \
		"futex_same_cpu|futex ping-pong, both threads on CPU 0 (ns per round trip)" \
		"futex_two_cpus|futex ping-pong, threads on CPUs 0 and 1 (ns per round trip)" \
		"mutex|pthread_mutex lock + unlock, uncontended (ns)" \
		"work_1_thread-1|CPU-bound work, 1 thread on -smp 1 (ns per unit)" \
		"work_2_threads|CPU-bound work, 2 threads on -smp 2 (ns per unit)" \
		"work_1_thread|CPU-bound work, 1 thread on -smp 2 (ns per unit)" \
		"speedup|**speed-up**, 1 thread on -smp 1 ÷ 2 threads on -smp 2"; do
		k=${row%%|*}
		echo "| ${row#*|} | **${TB[uni-$k]}** | **${TB[linux-$k]}** | $(ratio "${TB[linux-$k]}" "${TB[uni-$k]}") | ${TB[native-$k]} |"
	done
	echo
	echo "- Linux ÷ Unishyper above 1 means Unishyper is faster, except on the speed-up row, where"
	echo "  higher is better: there a ratio below 1 means Unishyper gains more from the second vCPU."
	echo "- This host has $(nproc) cores.  With \`-smp 2\` under TCG the two vCPU threads and QEMU's"
	echo "  I/O thread (plus the benchmark's own helpers and whatever else the host runs) share"
	echo "  them, so the speed-up is bounded by 2 and falls below it whenever anything else wants a"
	echo "  core; the vCPU threads themselves float over the host's cores, pinned or not inside the"
	echo "  guest."
	echo "- Ping-pong on two CPUs is dominated by waking a halted vCPU: the waker's IPI makes QEMU"
	echo "  kick the other vCPU's host thread out of its sleep.  The native figure pays the same"
	echo "  kind of cost, as the host is itself a VM whose idle vCPUs halt."
	echo "- These figures depend on other work on the host far more than those of (e): a vCPU"
	echo "  thread that the host takes off its core can leave the other vCPU spinning on a guest"
	echo "  lock it holds, or waiting for its answer, for a host time slice (milliseconds), which"
	echo "  shows most in the ping-pong on two CPUs and in create + join, and the speed-up drops"
	echo "  towards 1.  The host's 1-minute load average was $LOAD_F0 before these runs and"
	echo "  $LOAD_F1 after them; it counts their own vCPU threads too, so it is only a rough sign"
	echo "  of competition."
	echo "- The uncontended mutex is two locked read-modify-write instructions, which"
	echo "  multi-threaded TCG emulates with helpers on host atomics: both guests pay that alike."
	echo

	echo "## (g) Files on a FAT32 disk"
	echo
	echo "bench/src/filebench.c, one source built for both guests, on \`-M microvm\` with \`-m ${MEM}M\`"
	echo "and \`-smp $SMP\`.  Every boot gets a fresh raw image of $FILE_DISK_MIB MiB (\`truncate\`, then"
	echo "\`mkfs.fat -F 32\`) on virtio-blk, attached the way unishyper-run attaches it (\`-drive"
	echo "file=IMG,format=raw,if=none\` and \`-device virtio-blk-device\`: QEMU's default cache mode,"
	echo "writeback).  Unishyper: the image is its root \`/\` (\`unishyper-run --disk\`).  Linux: its"
	echo "init (bench/src/linux_fileinit.c) loads virtio_mmio, virtio_blk, vfat and their"
	echo "dependencies from the kernel's own /lib/modules, mounts /dev/vda as vfat on /mnt with"
	echo "the default options, runs filebench there, then syncs and unmounts before powering"
	echo "off; its initramfs (initramfs-files.cpio: those modules, fileinit and filebench) is"
	echo "used for this section only.  The program, in order: writes a $FILE_MIB MiB file in 1 MiB"
	echo "chunks and fsyncs it; reads it back in 1 MiB chunks; creates $FILE_COUNT files of 4 KiB in a"
	echo "new directory (open, write, close each) and calls sync() once.  Each figure is taken"
	echo "once per boot, $BOOT_RUNS boots per guest interleaved, median shown (BENCH_FILE_MIB"
	echo "changes the large file's size).  No native figures: the host has no FAT file system on an"
	echo "emulated virtio disk, and its own file systems are nothing like it."
	echo
	# good_logs CASE: the log of each launch of CASE (files-GUEST,
	# share-GUEST) that ended well, one a line
	good_logs() {
		local n=0 ok rest
		[ -f "$L/$1.txt" ] || return 0
		while read -r ok rest; do
			n=$((n + 1))
			[ "$ok" = ok=1 ] && echo "$L/$1.$n.log"
		done < "$L/$1.txt"
	}
	# fvals CASE NAME: figure NAME of each launch of CASE that ended well
	fvals() {
		local log
		good_logs "$1" | while read -r log; do
			tr -d '\r' < "$log" | awk -v k="$2" '$1 == k { print $2; exit }'
		done
	}
	# fpart CASE KEY: KEY=value of the comment lines of each launch that ended well
	fpart() {
		local log
		good_logs "$1" | while read -r log; do
			tr -d '\r' < "$log" | grep -o "$2=[0-9.]*" | head -n 1 | cut -d= -f2
		done
	}
	# file_figures ARRAY CASE GUEST: filebench's figures of CASE into ARRAY:
	# GUEST-FIGURE (median), GUEST-FIGURE-all (each run) and GUEST-PART
	# (median of the parts of the times)
	file_figures() {
		local -n into=$1
		local f k
		for f in write_seq read_seq create_small; do
			into["$3-$f"]=$(fvals "$2" "$f" | med_min | cut -d' ' -f1)
			into["$3-$f-all"]=$(fvals "$2" "$f" | paste -sd' ' | sed 's/ /, /g')
		done
		for k in write_s fsync_close_s read_s create_s sync_s; do
			into["$3-$k"]=$(fpart "$2" "$k" | med_min | cut -d' ' -f1)
		done
	}
	# fcell GUEST: why the guest has no figures in (g), empty when it has
	fcell() {
		if [ "$FILES" = 0 ]; then echo "$FILES_WHY"
		elif ! have "$1"; then cell "$1" -
		elif [ "$1" = linux ] && [ "$FILES_LNX" = 0 ]; then
			echo "not built: no initramfs-files.cpio, see build/bench/logs/linuxvm-build.log"
		fi
	}
	declare -A FV=() FOK=()
	for g in uni linux; do
		FOK[$g]="$(grep -c '^ok=1' "$L/files-$g.txt" 2>/dev/null || true)/$BOOT_RUNS"
		file_figures FV "files-$g" "$g"
	done
	# fshow GUEST VALUE: VALUE, or why the guest has none
	fshow() { local w; w=$(fcell "$1"); echo "${w:-$2}"; }
	echo "| figure | Unishyper | Linux microVM | Unishyper ÷ Linux |"
	echo "|---|---:|---:|---:|"
	for row in "write_seq|sequential write of $FILE_MIB MiB in 1 MiB chunks, then fsync (MiB/s)" \
		"read_seq|sequential read of it in 1 MiB chunks (MiB/s)" \
		"create_small|$FILE_COUNT files of 4 KiB created, written and closed, then sync (files/s)"; do
		k=${row%%|*}
		echo "| ${row#*|} | **$(fshow uni "${FV[uni-$k]}")** | **$(fshow linux "${FV[linux-$k]}")** | $(ratio "${FV[uni-$k]}" "${FV[linux-$k]}" 3) |"
	done
	echo "| boots that ended well | $(fshow uni "${FOK[uni]}") | $(fshow linux "${FOK[linux]}") | |"
	echo
	echo "Each boot's figures, and the parts of the times (medians, seconds):"
	echo
	echo "| | Unishyper | Linux microVM |"
	echo "|---|---|---|"
	for f in write_seq read_seq create_small; do
		echo "| $f, each boot | ${FV[uni-$f-all]:--} | ${FV[linux-$f-all]:--} |"
	done
	echo "| write loop / fsync + close (s) | ${FV[uni-write_s]} / ${FV[uni-fsync_close_s]} | ${FV[linux-write_s]} / ${FV[linux-fsync_close_s]} |"
	echo "| read (s) | ${FV[uni-read_s]} | ${FV[linux-read_s]} |"
	echo "| $FILE_COUNT files: create loop / final sync (s) | ${FV[uni-create_s]} / ${FV[uni-sync_s]} | ${FV[linux-create_s]} / ${FV[linux-sync_s]} |"
	echo
	# fsck_sum CASE: "C/N clean", C images of CASE (files-GUEST, many-...)
	# whose fsck.fat -n printed nothing but its banner and summary and
	# exited 0, and the last summary line
	fsck_sum() {
		local f c=0 n=0 last=-
		for f in "$L/$1".*.fsck; do
			[ -f "$f" ] || continue
			n=$((n + 1))
			if grep -q '^status=0$' "$f" &&
				[ "$(grep -cv -e '^fsck.fat ' -e '^status=' -e ': [0-9]* files, [0-9]*/[0-9]* clusters$' "$f")" = 0 ]; then
				c=$((c + 1))
			fi
			last=$(grep -o '[0-9]* files, [0-9]*/[0-9]* clusters' "$f" || echo -)
		done
		echo "$c/$n clean (last: $last)"
	}
	# host_check CASE MIB: how many of CASE's images or folders held the large
	# file at MIB MiB and all the small files, "C/N"
	host_check() {
		local f c=0 n=0
		for f in "$L/$1".*.check; do
			[ -f "$f" ] || continue
			n=$((n + 1))
			grep -qx "size=$(($2 * 1048576)) count=$FILE_COUNT" "$f" && c=$((c + 1))
		done
		echo "$c/$n"
	}
	UCACHE=$(sed -n 's/^#define CACHE_BYTES *(\([0-9]*\) \* 1024).*/\1/p' "$TOP/kernel/fs/fat/super.c" 2>/dev/null)
	UREAD_REQ=$(awk -v m="${FV[uni-read_seq]}" 'BEGIN { if (m ~ /^[0-9.]+$/) printf "%.0f", m * 2048 }')
	echo "- Unishyper ÷ Linux above 1 means Unishyper is faster."
	echo "- The images after each boot, checked on the host: \`fsck.fat -n\`: Unishyper"
	echo "  $(fshow uni "$(fsck_sum files-uni)"); Linux $(fshow linux "$(fsck_sum files-linux)")"
	echo "  (clean: status 0 and no message).  The large file at $FILE_MIB MiB and $FILE_COUNT entries in"
	echo "  small/, read with mtools: Unishyper $(fshow uni "$(host_check files-uni "$FILE_MIB")"), Linux $(fshow linux "$(host_check files-linux "$FILE_MIB")") images."
	echo "  In the guest, filebench checked each 1 MiB chunk's index on reading and the files'"
	echo "  count and sizes after the sync."
	echo "- Where the read comes from: Linux wrote out and dropped its page cache before reading"
	echo "  (sync, then 3 to /proc/sys/vm/drop_caches: the log says \`page_cache dropped\` in"
	echo "  $(cat "$L"/files-linux.*.log 2>/dev/null | grep -c '^# page_cache dropped' || true) of its boots), so its read went to the device.  Unishyper has no page cache; its"
	echo "  FAT's block cache holds ${UCACHE:-a few hundred} KiB, so its read went to the device too.  The "device" is"
	echo "  QEMU reading the image file, which after the write sits in the host's page cache"
	echo "  (cache mode writeback): for both guests the read measures the guest's I/O path and"
	echo "  QEMU's emulation, not the host's disk.  fsync reaches the host as a flush, which QEMU"
	echo "  turns into fdatasync of the image."
	echo "- Unishyper's FAT moves file data through its block cache one 512-byte sector at a"
	echo "  time, and each sector the cache misses is one virtio request that it waits for"
	echo "  (kernel/fs/fat/file.c, kernel/fs/bcache.c): ${UREAD_REQ:--} requests per second at its read"
	echo "  rate.  Linux sends the device large merged requests and reads ahead."
	echo "- Closing a written file on Unishyper writes its cache through and flushes the device"
	echo "  (docs/architecture.md, Files), so each of the $FILE_COUNT small files costs a flush;"
	echo "  Linux's close leaves the data in its page cache, written by the one sync at the end."
	echo "- This section took $((T_G1 - T_G0)) s of the run (images, boots and checks)."
	echo

	echo "## (h) A host folder shared over virtio-9p"
	echo
	echo "The same bench/src/filebench.c as in (g), on a folder of the host shared with the guest,"
	echo "on \`-M microvm\` with \`-m ${MEM}M\` and \`-smp $SMP\`: a $SHARE_MIB MiB file and $FILE_COUNT small files"
	echo "(BENCH_SHARE_MIB, by default (g)'s size).  Every run gets a fresh empty folder under"
	echo "build/bench/share/, on the host's $(findmnt -no FSTYPE -T "$B" 2>/dev/null || echo own) file system, removed after the run.  Both guests"
	echo "get it the way \`unishyper-run --share\` passes it: \`-fsdev"
	echo "local,path=DIR,security_model=none,multidevs=remap\` and \`-device"
	echo "virtio-9p-device,mount_tag=share0\`, so QEMU's own 9p server makes the file calls on the"
	echo "host.  Unishyper: its 9p client mounts the folder at /host (\`unishyper-run --share DIR"
	echo "-- /host $SHARE_MIB $FILE_COUNT\`; timed with the raw QEMU command it prints).  Linux: the init of"
	echo "(g), booted with \`fileinit_fs=9p\`, loads these modules from the kernel's /lib/modules:"
	echo "$(sed 's|.*/||; s|\.ko$||' "$B/linuxvm/rootfs-9p/modules.load" 2>/dev/null | paste -sd' ' | sed 's/ /, /g'); then it runs"
	echo "\`mount -t 9p -o trans=virtio,version=9p2000.L,msize=$SHARE_MSIZE share0 /mnt\`: the msize"
	echo "Unishyper's client asks for (drivers/virtio/9p.c), and the kernel's default cache mode for"
	echo "9p, none, so that every read and write is a 9p request of at most msize bytes.  Its"
	echo "initramfs is initramfs-9p.cpio.  Native: the program built with musl-gcc -static -O2, on"
	echo "the folder itself, in a mount namespace of its own where /proc/sys is read-only, so that"
	echo "it cannot drop the page cache of the whole host.  $SHARE_RUNS runs per column"
	echo "(BENCH_SHARE_RUNS), interleaved round by round, median shown."
	echo
	# shcell GUEST: why that column has no figures in (h), empty when it has
	shcell() {
		if ! have "$1" && [ "$1" != native ]; then cell "$1" -
		elif [ "$1" = linux ] && [ "$SHARE_LNX" = 0 ]; then
			echo "not built: no initramfs-9p.cpio, see build/bench/logs/linuxvm-build.log"
		elif [ "$1" = native ] && [ "$SHARE_NATIVE" = 0 ]; then
			echo "not run: unshare -m fails here, and as root filebench would drop the host's page cache"
		fi
	}
	shshow() { local w; w=$(shcell "$1"); echo "${w:-$2}"; }
	declare -A SV=()
	for g in uni linux native; do
		SV["$g-ok"]="$(grep -c '^ok=1' "$L/share-$g.txt" 2>/dev/null || true)/$SHARE_RUNS"
		SV["$g-check"]=$(host_check "share-$g" "$SHARE_MIB")
		file_figures SV "share-$g" "$g"
	done
	echo "| figure | Unishyper | Linux microVM | native | Unishyper ÷ Linux | Unishyper ÷ native |"
	echo "|---|---:|---:|---:|---:|---:|"
	for row in "write_seq|sequential write of $SHARE_MIB MiB in 1 MiB chunks, then fsync (MiB/s)" \
		"read_seq|sequential read of it in 1 MiB chunks (MiB/s)" \
		"create_small|$FILE_COUNT files of 4 KiB created, written and closed, then sync (files/s)"; do
		k=${row%%|*}
		echo "| ${row#*|} | **$(shshow uni "${SV[uni-$k]}")** | **$(shshow linux "${SV[linux-$k]}")** | $(shshow native "${SV[native-$k]}") | $(ratio "${SV[uni-$k]}" "${SV[linux-$k]}" 3) | $(ratio "${SV[uni-$k]}" "${SV[native-$k]}" 3) |"
	done
	echo "| runs that ended well | $(shshow uni "${SV[uni-ok]}") | $(shshow linux "${SV[linux-ok]}") | $(shshow native "${SV[native-ok]}") | | |"
	echo "| folders that held the large file at its size and all $FILE_COUNT small files, checked on the host | $(shshow uni "${SV[uni-check]}") | $(shshow linux "${SV[linux-check]}") | $(shshow native "${SV[native-check]}") | | |"
	echo
	echo "Each run's figures, and the parts of the times (medians, seconds):"
	echo
	echo "| | Unishyper | Linux microVM | native |"
	echo "|---|---|---|---|"
	for f in write_seq read_seq create_small; do
		echo "| $f, each run | ${SV[uni-$f-all]:--} | ${SV[linux-$f-all]:--} | ${SV[native-$f-all]:--} |"
	done
	echo "| write loop / fsync + close (s) | ${SV[uni-write_s]} / ${SV[uni-fsync_close_s]} | ${SV[linux-write_s]} / ${SV[linux-fsync_close_s]} | ${SV[native-write_s]} / ${SV[native-fsync_close_s]} |"
	echo "| read (s) | ${SV[uni-read_s]} | ${SV[linux-read_s]} | ${SV[native-read_s]} |"
	echo "| $FILE_COUNT files: create loop / final sync (s) | ${SV[uni-create_s]} / ${SV[uni-sync_s]} | ${SV[linux-create_s]} / ${SV[linux-sync_s]} | ${SV[native-create_s]} / ${SV[native-sync_s]} |"
	echo
	echo "- A ratio above 1 means Unishyper is faster."
	echo "- All three columns end on the same host file system: the guests' writes become QEMU's"
	echo "  pwrite calls on the host files and their fsync QEMU's fsync of the host file, and"
	echo "  their reads QEMU's preads.  Nothing dropped the host's page cache, so every read came"
	echo "  from it: the guests' read figures measure their 9p client, the virtio transport and"
	echo "  QEMU's 9p server, and the native one the host's page cache alone.  The Linux guest's"
	echo "  drop of its own page cache (\`page_cache dropped\` in"
	echo "  $(cat "$L"/share-linux.*.log 2>/dev/null | grep -c '^# page_cache dropped' || true) of its runs) has nothing to drop with cache=none."
	echo "- In the guest, filebench checked each 1 MiB chunk's index on reading and the files'"
	echo "  count and sizes after the sync; the host then checked the folder again (row above)."
	echo "- This section took $((T_H1 - T_H0)) s of the run (folders, runs and checks)."
	echo

	streams_report
	mem_report
	mf_report
	pipes_report
	signals_report
	epoll_report
	mmap_report
	sec p && net_report

	echo "## Reading these figures"
	echo
	echo "- Everything runs under TCG, QEMU's instruction translator: the guests' figures measure"
	echo "  emulated code and say nothing about KVM.  The native column is the host, itself a VM."
	echo "- The Linux peer is set up in its favour: the uncompressed vmlinux boots through PVH (no"
	echo "  decompressor), \`quiet\`, and an initramfs of the static programs alone, one of them init."
	echo "  Its hello, boottime and sysbench power the VM off from an atexit handler"
	echo "  (bench/src/linux_pid1.c, linked into the Linux builds only)."
	echo "- Unishyper's own rows use its raw QEMU command, so they hold no wrapper cost; the"
	echo "  unishyper-run rows show what a user of the wrapper waits."
	echo "- QEMU puts a PVH image at 1 MiB, so -m 1 cannot hold any guest."
	echo

	echo "## (q) An image as a host command"
	echo
	echo "hello launched as \`unishyper-run hello.img\` (its defaults: microvm, 128 MiB), as"
	echo "\`unishyper-run hello.img --host\` (what a host command does: the host's / shared over 9p and"
	echo "mounted as the root, the caller's folder and environment, 1024 MiB), as a host command"
	echo "(\`./hello.img\`: its ELF entry runs \`unishyper-run --host\`) and natively: host wall clock to"
	echo "exit (bench/src/launchtime.c), median of $RUNS launches, interleaved after one warm-up round."
	echo
	echo "| launch | ok | exit (ms), median | min – max |"
	echo "|---|---:|---:|---:|"
	declare -A QEX=()
	for k in run runhost host native; do
		read -r n ex exmin exmax < <(stats "$L/q-$k.txt" exit_ms)
		QEX[$k]=$ex
		echo "| \`${QCMD[$k]//$TOP\//}\` | $n/$RUNS | **$ex** | $exmin – $exmax |"
	done
	echo
	echo "- a host command against unishyper-run hello.img (medians): $(diff_ms "${QEX[host]:-}" "${QEX[run]:-}") ms," \
		"of which the ELF entry (./hello.img − unishyper-run hello.img --host)" \
		"$(diff_ms "${QEX[host]:-}" "${QEX[runhost]:-}") ms and the host's files, folder and environment" \
		"(--host − plain) $(diff_ms "${QEX[runhost]:-}" "${QEX[run]:-}") ms; ÷ native $(ratio "${QEX[host]:-}" "${QEX[native]:-}" 1)"
	if read -r entry_ns true_ns 2>/dev/null <"$L/q-entry.txt"; then
		echo "- the ELF entry alone (\`UNISHYPER_RUN=/bin/true ./hello.img\` against \`/bin/true\`, $ENTRY_RUNS" \
			"launches each in alternating blocks): $(awk -v a="$entry_ns" -v b="$true_ns" 'BEGIN { printf "%.3f", (a - b) / 1e6 }') ms a launch" \
			"($(awk -v a="$entry_ns" 'BEGIN { printf "%.3f", a / 1e6 }') ms against $(awk -v b="$true_ns" 'BEGIN { printf "%.3f", b / 1e6 }') ms)"
	fi
	echo

	ports_report
	sec s && hostnet_report

	echo "## Command lines"
	echo
	echo "As run, paths relative to the top of the tree; KEY = figure-machine-guest.  (b) runs the"
	echo "hello lines with its own -m."
	echo
	echo '```'
	for k in $(printf '%s\n' "${!CMDLINES[@]}" | sort); do
		echo "$k: ${CMDLINES[$k]//$TOP\//}"
	done
	echo '```'
	echo
	echo "Raw output of every launch: build/bench/logs/."
} > "$OUT.tmp"
if [ "$OUT_PARTIAL" = 1 ]; then
	# keep (a), the sections that ran and the unlettered ones
	awk -v keep="a$SECTIONS" '/^## / { skip = $2 ~ /^\([a-z]\)$/ && !index(keep, substr($2, 2, 1)) }
		!skip' "$OUT.tmp" > "$B/partial.tmp"
	mv "$B/partial.tmp" "$OUT.tmp"
fi
mv "$OUT.tmp" "$OUT"
log "done in $((T_END - T_START)) s: $OUT"

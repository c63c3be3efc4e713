# bench/pipes.sh - section (l) of `make bench`: pipe throughput and
# ping-pong latency between two threads, sourced by bench/run.sh (which
# provides B, L, TOP, UGCC, set_cmd, qcmd, have, ratio and CMDLINES).
#
# The program is bench/src/pipebench.c: PIPE_MIB MiB through one pipe in
# 64 KiB writes, then PIPE_ROUNDS one-byte round trips over two pipes,
# each timed inside the program (no boot in the figure), on -smp 2.
# Peers in the same run: the image (the command `unishyper-run --dry-run`
# prints), the Linux microVM with pipebench as init, and pipebench built
# with musl-gcc -static, pinned to two host CPUs.
# Environment: BENCH_PIPE_MIB (256), BENCH_PIPE_ROUNDS (20000),
# BENCH_PIPE_RUNS (runs per figure, 3; the median is shown).

PIPE_MIB="${BENCH_PIPE_MIB:-256}"
PIPE_ROUNDS="${BENCH_PIPE_ROUNDS:-20000}"
PIPE_RUNS="${BENCH_PIPE_RUNS:-3}"

pipes_build() {
	local root="$B/pipes/root"
	mkdir -p "$B/pipes" "$root" "$B/native"
	musl-gcc -static -O2 -Wall -o "$B/native/pipebench" "$TOP/bench/src/pipebench.c" -lpthread
	if have uni; then
		"$UGCC" -O2 -o "$B/unishyper/pipebench.img" "$TOP/bench/src/pipebench.c"
	fi
	if have linux; then
		musl-gcc -static -O2 -Wall -o "$root/pipebench" "$TOP/bench/src/pipebench.c" \
			"$TOP/bench/src/linux_pid1.c" -lpthread
		(cd "$root" && find . | cpio -o -H newc --quiet) >"$B/linuxvm/initramfs-pipes.cpio"
	fi
}

# pipes_one GUEST: one run; appends its two figures to $L/pipes-GUEST.txt
pipes_one() {
	local g="$1" log="$L/pipes-$1.log"
	PROG_ARGS=("$PIPE_MIB" "$PIPE_ROUNDS")
	case "$g" in
	linux) SMP=2 INITRD_OF="$B/linuxvm/initramfs-pipes.cpio" set_cmd linux microvm pipebench ;;
	uni) SMP=2 set_cmd uni microvm pipebench ;;
	native) CMD=(taskset -c 0,1 "$B/native/pipebench" "$PIPE_MIB" "$PIPE_ROUNDS") ;;
	esac
	PROG_ARGS=()
	CMDLINES["l-microvm-$g"]="$(qcmd "${CMD[@]}")"
	timeout 600 "${CMD[@]}" </dev/null >"$log" 2>&1 || true
	tr -d '\r' <"$log" | grep -ao 'pipebench: [a-z]*=[0-9]* ns=[0-9]*' >>"$L/pipes-$g.txt" || true
}

pipes_run() {
	local g i
	log "(l) pipes"
	pipes_build >"$L/pipes-build.log" 2>&1 || { log "(l): build failed, see $L/pipes-build.log"; return 0; }
	for ((i = 0; i < PIPE_RUNS; i++)); do
		for g in uni linux native; do
			have "$g" || continue
			pipes_one "$g"
		done
	done
}

# pipes_fig GUEST KIND: the median MiB/s (bytes) or µs per round trip
# (rounds), or "-"
pipes_fig() {
	awk -v k="$2" '$2 ~ "^" k "=" { split($2, n, "="); split($3, t, "="); if (t[2] > 0)
		print k == "bytes" ? n[2] / 1048576 / (t[2] / 1e9) : t[2] / n[2] / 1000 }' \
		"$L/pipes-$1.txt" 2>/dev/null | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print "-" }'
}

pipes_report() {
	local u l n
	echo "## (l) Pipes between two threads"
	echo
	echo "bench/pipes.sh: bench/src/pipebench.c moves $PIPE_MIB MiB through a pipe from one thread to"
	echo "another in 64 KiB writes, then makes $PIPE_ROUNDS one-byte round trips over two pipes, timing"
	echo "each part itself, on \`-M microvm -smp 2\` with \`-m ${MEM}M\`; natively pinned to two CPUs."
	echo "$PIPE_RUNS runs per figure (BENCH_PIPE_RUNS), median shown."
	echo
	echo "| figure | Unishyper | Linux microVM | native | Unishyper ÷ Linux | Unishyper ÷ native |"
	echo "|---|---:|---:|---:|---:|---:|"
	u=$(pipes_fig uni bytes) l=$(pipes_fig linux bytes) n=$(pipes_fig native bytes)
	echo "| throughput (MiB/s) | **$u** | **$l** | $n | $(ratio "$u" "$l" 2) | $(ratio "$u" "$n" 3) |"
	u=$(pipes_fig uni rounds) l=$(pipes_fig linux rounds) n=$(pipes_fig native rounds)
	echo "| ping-pong (µs per round trip) | **$u** | **$l** | $n | $(ratio "$l" "$u" 2) | $(ratio "$n" "$u" 3) |"
	echo
	echo "- A ratio above 1 means Unishyper is faster."
	echo
}

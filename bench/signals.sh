# bench/signals.sh - section (m) of `make bench`: signal delivery latency,
# sourced by bench/run.sh (which provides B, L, TOP, UGCC, MEM, set_cmd,
# qcmd, have, ratio and CMDLINES).
#
# The program is bench/src/sigbench.c: kill(getpid(), SIGUSR1) with a
# handler (the round trip, ns per signal), and a one-shot CLOCK_MONOTONIC
# timer expiring while the program spins without system calls (ns from
# the expiry to the handler). Peers in the same run, each on -smp 2:
#   Unishyper  the image, with the command `unishyper-run --dry-run` prints
#   Linux      the microVM of bench/linuxvm with sigbench as init
#   native     sigbench built with musl-gcc -static
# Environment: BENCH_SIG_ROUNDS (kill rounds per pass, 2000; the timer
# runs a twentieth as many), BENCH_SIG_RUNS (runs per peer, 3; the median
# of their medians is shown).

SIG_ROUNDS="${BENCH_SIG_ROUNDS:-2000}"
SIG_RUNS="${BENCH_SIG_RUNS:-3}"

# signals_build: the native and Unishyper programs and the Linux guest's
# initramfs (sigbench alone, as init).
signals_build() {
	local root="$B/signals/root"
	mkdir -p "$B/signals" "$root" "$B/native" "$B/unishyper"
	musl-gcc -static -O2 -Wall -o "$B/native/sigbench" "$TOP/bench/src/sigbench.c"
	if have uni; then
		"$UGCC" -O2 -o "$B/unishyper/sigbench.img" "$TOP/bench/src/sigbench.c"
	fi
	if have linux; then
		musl-gcc -static -O2 -Wall -o "$root/sigbench" "$TOP/bench/src/sigbench.c" \
			"$TOP/bench/src/linux_pid1.c"
		(cd "$root" && find . | cpio -o -H newc --quiet) >"$B/linuxvm/initramfs-signals.cpio"
	fi
}

# signals_one GUEST: one run of sigbench in GUEST; appends its RESULT
# lines to $L/signals-GUEST.txt
signals_one() {
	local g="$1" log="$L/signals-$1.log" SMP=2
	PROG_ARGS=("$SIG_ROUNDS")
	case "$g" in
	linux) INITRD_OF="$B/linuxvm/initramfs-signals.cpio" set_cmd linux microvm sigbench ;;
	uni) set_cmd uni microvm sigbench ;;
	native) CMD=("$B/native/sigbench" "$SIG_ROUNDS") ;;
	esac
	PROG_ARGS=()
	CMDLINES["m-$([ "$g" = native ] && echo host || echo microvm)-$g"]="$(qcmd "${CMD[@]}")"
	timeout 600 "${CMD[@]}" </dev/null >"$log" 2>&1 || true
	tr -d '\r' <"$log" | grep -a '^RESULT ' >>"$L/signals-$g.txt" || echo "RESULT failed" >>"$L/signals-$g.txt"
}

signals_run() {
	local g i
	log "(m) signals"
	rm -f "$L"/signals-*.txt
	signals_build >"$L/signals-build.log" 2>&1 || { log "(m): build failed, see $L/signals-build.log"; return 0; }
	for ((i = 0; i < SIG_RUNS; i++)); do
		for g in uni linux native; do
			have "$g" || continue
			signals_one "$g"
		done
	done
}

# signals_fig GUEST NAME: the median over the runs of NAME's median, in µs
signals_fig() {
	sed -n "s/^RESULT $2 median=\([0-9]*\) .*/\1/p" "$L/signals-$1.txt" 2>/dev/null | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)] / 1000; else print "-" }'
}

signals_report() {
	local f u l n
	echo "## (m) Signal delivery"
	echo
	echo "bench/signals.sh: bench/src/sigbench.c on \`-M microvm -smp 2\` with \`-m ${MEM}M\`: the round"
	echo "trip of \`kill(getpid(), SIGUSR1)\` with a handler (median of 5 passes of $SIG_ROUNDS signals), and"
	echo "the time from a one-shot CLOCK_MONOTONIC timer's expiry to its SIGALRM handler while the"
	echo "program spins without system calls (median of $((SIG_ROUNDS / 20)) timers).  Unishyper: the command"
	echo "\`unishyper-run --dry-run\` prints; Linux: the microVM with sigbench as init; native: the"
	echo "same program built with musl-gcc -static -O2.  $SIG_RUNS runs per peer (BENCH_SIG_RUNS),"
	echo "the median of their medians shown, µs."
	echo
	echo "| figure | Unishyper | Linux microVM | native | Linux ÷ Unishyper | native ÷ Unishyper |"
	echo "|---|---:|---:|---:|---:|---:|"
	for f in "kill_self|kill to self, handler included (µs)" "timer|timer expiry to handler, program spinning (µs)"; do
		u=$(signals_fig uni "${f%%|*}")
		l=$(signals_fig linux "${f%%|*}")
		n=$(signals_fig native "${f%%|*}")
		echo "| ${f#*|} | **$u** | **$l** | $n | $(ratio "$l" "$u" 2) | $(ratio "$n" "$u" 2) |"
	done
	echo
	echo "- A ratio above 1 means Unishyper is faster.  A guest's timer figure includes how late"
	echo "  TCG delivers the local APIC timer's interrupt; the native one, the host's timer slack."
	echo
}

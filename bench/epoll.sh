# bench/epoll.sh - section (n) of `make bench`: epoll_wait over 1000 idle
# and 10 ready descriptors, sourced by bench/run.sh (which provides B, L,
# TOP, UGCC, MEM, set_cmd, qcmd, have, ratio and CMDLINES).
#
# The program is bench/src/epollbench.c: ns per epoll_wait(timeout 0)
# that returns the 10 ready eventfds among 1010 watched descriptors,
# median of 5 passes. Peers in the same run, each on -smp 2:
#   Unishyper  the image, with the command `unishyper-run --dry-run` prints
#   Linux      the microVM of bench/linuxvm with epollbench as init
#   native     epollbench built with musl-gcc -static
# Environment: BENCH_EPOLL_ROUNDS (calls per pass, 20000), BENCH_EPOLL_RUNS
# (runs per peer, 3; the median of their medians is shown).

EPOLL_ROUNDS="${BENCH_EPOLL_ROUNDS:-20000}"
EPOLL_RUNS="${BENCH_EPOLL_RUNS:-3}"

epoll_build() {
	local root="$B/epoll/root"
	mkdir -p "$B/epoll" "$root" "$B/native" "$B/unishyper"
	musl-gcc -static -O2 -Wall -o "$B/native/epollbench" "$TOP/bench/src/epollbench.c"
	if have uni; then
		"$UGCC" -O2 -o "$B/unishyper/epollbench.img" "$TOP/bench/src/epollbench.c"
	fi
	if have linux; then
		musl-gcc -static -O2 -Wall -o "$root/epollbench" "$TOP/bench/src/epollbench.c" \
			"$TOP/bench/src/linux_pid1.c"
		(cd "$root" && find . | cpio -o -H newc --quiet) >"$B/linuxvm/initramfs-epoll.cpio"
	fi
}

# epoll_one GUEST: one run; appends its RESULT line to $L/epoll-GUEST.txt
epoll_one() {
	local g="$1" log="$L/epoll-$1.log" SMP=2
	PROG_ARGS=("$EPOLL_ROUNDS")
	case "$g" in
	linux) INITRD_OF="$B/linuxvm/initramfs-epoll.cpio" set_cmd linux microvm epollbench ;;
	uni) set_cmd uni microvm epollbench ;;
	native) CMD=("$B/native/epollbench" "$EPOLL_ROUNDS") ;;
	esac
	PROG_ARGS=()
	CMDLINES["n-$([ "$g" = native ] && echo host || echo microvm)-$g"]="$(qcmd "${CMD[@]}")"
	timeout 600 "${CMD[@]}" </dev/null >"$log" 2>&1 || true
	tr -d '\r' <"$log" | grep -a '^RESULT ' >>"$L/epoll-$g.txt" || echo "RESULT failed" >>"$L/epoll-$g.txt"
}

epoll_run() {
	local g i
	log "(n) epoll"
	rm -f "$L"/epoll-*.txt
	epoll_build >"$L/epoll-build.log" 2>&1 || { log "(n): build failed, see $L/epoll-build.log"; return 0; }
	for ((i = 0; i < EPOLL_RUNS; i++)); do
		for g in uni linux native; do
			have "$g" || continue
			epoll_one "$g"
		done
	done
}

# epoll_fig GUEST: the median over the runs of the median, ns per call
epoll_fig() {
	sed -n 's/^RESULT epoll_wait median=\([0-9]*\) .*/\1/p' "$L/epoll-$1.txt" 2>/dev/null | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

epoll_report() {
	local u l n
	echo "## (n) epoll_wait with 1000 idle and 10 ready descriptors"
	echo
	echo "bench/epoll.sh: bench/src/epollbench.c on \`-M microvm -smp 2\` with \`-m ${MEM}M\`: one epoll"
	echo "instance watches both ends of 500 idle pipes and 10 eventfds that hold a count (level-"
	echo "triggered); each \`epoll_wait(ep, ev, 64, 0)\` returns the 10.  ns per call, median of 5"
	echo "passes of $EPOLL_ROUNDS calls; $EPOLL_RUNS runs per peer (BENCH_EPOLL_RUNS), the median of"
	echo "their medians shown.  Unishyper: the command \`unishyper-run --dry-run\` prints; Linux: the"
	echo "microVM with epollbench as init; native: the same program built with musl-gcc -static -O2."
	echo
	echo "| figure | Unishyper | Linux microVM | native | Linux ÷ Unishyper | native ÷ Unishyper |"
	echo "|---|---:|---:|---:|---:|---:|"
	u=$(epoll_fig uni) l=$(epoll_fig linux) n=$(epoll_fig native)
	echo "| epoll_wait, 10 of 1010 ready (ns per call) | **$u** | **$l** | $n | $(ratio "$l" "$u" 2) | $(ratio "$n" "$u" 2) |"
	echo
	echo "- A ratio above 1 means Unishyper is faster.  The ready list holds only the items woken"
	echo "  since the last call, so the 1000 idle descriptors cost nothing per call (kernel/epoll.c)."
	echo
}

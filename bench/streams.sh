# bench/streams.sh - section (i) of `make bench`: standard input and
# output throughput, sourced by bench/run.sh (which provides B, L, TOP,
# UGCC, set_cmd, qcmd, have, ratio and CMDLINES).
#
# The program is bench/src/streambench.c: it reads or writes N bytes in
# 64 KiB pieces and times itself from the first byte to the last, so that
# a guest's boot is not part of the figure. Peers in the same run:
#   Unishyper  the image, with the command `unishyper-run --dry-run` prints
#              (unishyper-supervise and QEMU): its virtio-console ports
#   Linux      the microVM of bench/linuxvm with streambench as init, on its
#              console, the 16550 ttyS0 behind QEMU's -serial stdio; its
#              input starts STREAM_FEED_DELAY s after launch, once the
#              program has put the console in raw mode (a serial line
#              drops what arrives before), and is smaller: the console is
#              slow
#   native     streambench built with musl-gcc -static, and cat itself
# Output goes into a pipe to cat, input comes from a file.
# Environment: BENCH_STREAM_MIB (Unishyper and native, 64),
# BENCH_STREAM_LINUX_IN_KIB (1024), BENCH_STREAM_LINUX_OUT_MIB (16),
# BENCH_STREAM_RUNS (runs per figure, 3; the median is shown).

STREAM_MIB="${BENCH_STREAM_MIB:-64}"
STREAM_LNX_IN=$((${BENCH_STREAM_LINUX_IN_KIB:-1024} * 1024))
STREAM_LNX_OUT=$((${BENCH_STREAM_LINUX_OUT_MIB:-16} * 1048576))
STREAM_RUNS="${BENCH_STREAM_RUNS:-3}"
STREAM_FEED_DELAY=8
STREAM_DATA="$B/streams/data"

# streams_build: the native and Unishyper programs, the input file and the
# Linux guest's initramfs (streambench alone, as init).
streams_build() {
	local root="$B/streams/root"
	mkdir -p "$B/streams" "$root"
	musl-gcc -static -O2 -Wall -o "$B/native/streambench" "$TOP/bench/src/streambench.c"
	head -c $((STREAM_MIB * 1048576)) /dev/urandom >"$STREAM_DATA"
	head -c "$STREAM_LNX_IN" "$STREAM_DATA" >"$STREAM_DATA.linux"
	if have uni; then
		"$UGCC" -O2 -o "$B/unishyper/streambench.img" "$TOP/bench/src/streambench.c"
	fi
	if have linux; then
		musl-gcc -static -O2 -Wall -o "$root/streambench" "$TOP/bench/src/streambench.c" \
			"$TOP/bench/src/linux_pid1.c"
		(cd "$root" && find . | cpio -o -H newc --quiet) >"$B/linuxvm/initramfs-streams.cpio"
	fi
}

# streams_one GUEST DIR: one run of streambench DIR (in|out) in GUEST;
# appends the "bytes=B ns=T" it printed, or "failed", to
# $L/streams-GUEST-DIR.txt
streams_one() {
	local g="$1" dir="$2" bytes=$((STREAM_MIB * 1048576)) log="$L/streams-$1-$2.log" r
	local PROG_ARGS=() # set below for this run only
	case "$g" in
	linux)
		bytes=$([ "$dir" = in ] && echo "$STREAM_LNX_IN" || echo "$STREAM_LNX_OUT")
		PROG_ARGS=("$dir" "$bytes")
		INITRD_OF="$B/linuxvm/initramfs-streams.cpio" set_cmd linux microvm streambench
		if [ "$dir" = in ]; then
			{ sleep "$STREAM_FEED_DELAY"; cat "$STREAM_DATA.linux"; } |
				timeout 600 "${CMD[@]}" 2>&1 | tail -c 400 >"$log" || true
		else
			timeout 600 "${CMD[@]}" </dev/null 2>&1 | tail -c 400 >"$log" || true
		fi
		;;
	uni)
		PROG_ARGS=("$dir" "$bytes")
		set_cmd uni microvm streambench
		# QEMU's own status is 2N+1 (isa-debug-exit); the figure says
		# whether every byte moved
		timeout 600 "${CMD[@]}" <"$STREAM_DATA" 2>"$log" | cat >/dev/null || true
		;;
	native)
		CMD=("$B/native/streambench" "$dir" "$bytes")
		"${CMD[@]}" <"$STREAM_DATA" 2>"$log" | cat >/dev/null || true
		;;
	cat)
		CMD=(cat)
		local t0 t1
		t0=$(date +%s%N)
		cat <"$STREAM_DATA" | cat >/dev/null
		t1=$(date +%s%N)
		echo "streambench: bytes=$bytes ns=$((t1 - t0))" >"$log"
		;;
	esac
	CMDLINES["i-microvm-$g-$dir"]="$(qcmd "${CMD[@]}")"
	r=$(tr -d '\r' <"$log" | grep -ao "bytes=$bytes ns=[0-9]*" | tail -n 1) || true
	echo "${r:-failed}" >>"$L/streams-$g-$dir.txt"
}

streams_run() {
	local g dir i
	log "(i) standard streams"
	streams_build >"$L/streams-build.log" 2>&1 || { log "(i): build failed, see $L/streams-build.log"; return 0; }
	for ((i = 0; i < STREAM_RUNS; i++)); do
		for g in uni linux native cat; do
			have "$g" || continue
			for dir in in out; do
				streams_one "$g" "$dir"
			done
		done
	done
}

# streams_rate GUEST DIR: median MiB/s of the runs, or "-"
streams_rate() {
	awk '/^bytes=/ { split($1, b, "="); split($2, t, "="); if (t[2] > 0) print b[2] / 1048576 / (t[2] / 1e9) }' \
		"$L/streams-$1-$2.txt" 2>/dev/null | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print "-" }'
}

streams_ok() {
	echo "$(grep -c '^bytes=' "$L/streams-$1-$2.txt" 2>/dev/null || true)/$STREAM_RUNS"
}

streams_report() {
	local dir u l n c
	echo "## (i) Standard input and output"
	echo
	echo "bench/streams.sh: bench/src/streambench.c reads $STREAM_MIB MiB from standard input, or"
	echo "writes $STREAM_MIB MiB to standard output, 64 KiB at a time, and times itself from the first"
	echo "byte to the last (no boot in the figure), on \`-M microvm\` with \`-m ${MEM}M\`.  Unishyper:"
	echo "the command \`unishyper-run --dry-run\` prints (unishyper-supervise and QEMU), input from a"
	echo "file of random bytes, output into a pipe to \`cat >/dev/null\`, through its virtio-console"
	echo "ports.  Linux: the"
	echo "microVM's console, the 16550 ttyS0 on \`-serial stdio\`, put in raw mode by the program;"
	echo "its input starts ${STREAM_FEED_DELAY} s after launch (bytes sent before the program opened the"
	echo "console are lost) and is $((STREAM_LNX_IN / 1024)) KiB, its output $((STREAM_LNX_OUT / 1048576)) MiB: at the"
	echo "console's speed $STREAM_MIB MiB would take hours.  Native: the same program built with"
	echo "musl-gcc -static -O2 (input from the file, output into the same pipe), and"
	echo "\`cat <file | cat >/dev/null\` timed from outside.  $STREAM_RUNS runs per"
	echo "figure (BENCH_STREAM_RUNS), median shown, MiB/s."
	echo
	echo "| figure | Unishyper | Linux microVM | native streambench | native cat | Unishyper ÷ Linux | Unishyper ÷ native cat |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for dir in in out; do
		u=$(streams_rate uni $dir)
		l=$(streams_rate linux $dir)
		n=$(streams_rate native $dir)
		c=$(streams_rate cat $dir)
		echo "| standard $([ $dir = in ] && echo input || echo output) (MiB/s) | **$u** | **$l** | $n | $c | $(ratio "$u" "$l" 1) | $(ratio "$u" "$c" 3) |"
	done
	echo "| runs that moved every byte, in / out | $(streams_ok uni in) / $(streams_ok uni out) | $(streams_ok linux in) / $(streams_ok linux out) | $(streams_ok native in) / $(streams_ok native out) | | | |"
	echo
	echo "- A ratio above 1 means Unishyper is faster."
	echo
}

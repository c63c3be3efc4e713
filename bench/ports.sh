# bench/ports.sh - section (r) of `make bench`: one work figure per port of
# the catalogue (ports/), sourced by bench/run.sh (which provides B, L,
# TOP, MEM, SHARE_LNX, SHARE_MSIZE, INITRD_9P, set_cmd, qcmd, have, ratio
# and CMDLINES).
#
# Each figure is one command of a port, run three ways on the same files in
# one folder (build/bench/ports/):
#   native     the port's native build (musl-gcc -static), in the folder
#   Unishyper  the port's image executed as a host command in the folder
#              (the folder is the host's own, read over virtio-9p)
#   Linux      the native build in the Linux microVM, the folder mounted by
#              its own 9p client (linux_fileinit.c runs linux_portrun.c)
# Each peer's time is its wall clock for the command minus its wall clock
# for the same program doing nothing (--version or the like), so the
# launch of QEMU and of the guest is left out; a figure with an input
# file also shows MB/s. Output goes to /dev/null. Both guests have 1024
# MiB. The ports must have been built (make port NAME=...; each is linked
# again here, so not while make ports-check runs): a port without its
# build shows "not built". Environment: BENCH_PORTS_MIB (the text file's size, 64),
# BENCH_PORTS_JSON_MB (the JSON file's size, 50), BENCH_PORTS_RUNS (runs
# of each figure per peer, median, 1).

PORTS_MIB="${BENCH_PORTS_MIB:-64}"
PORTS_JSON_MB="${BENCH_PORTS_JSON_MB:-50}"
PORTS_RUNS="${BENCH_PORTS_RUNS:-1}"
PORTS_MEM=1024 # what a host command's guest has
PORTS_DIR="$B/ports"

# The figures: NAME;PORT;PROGRAM;ARGS;IDLE ARGS;INPUT. PROGRAM is the image
# under build/ports/PORT; the native build is the same path under
# build/ports/PORT/native. ARGS name files of the folder; INPUT is the
# file whose size gives MB/s ("-": none).
PORTS_FIGURES=(
	"gzip -6, compress;gzip;gzip-1.12/gzip;-c text;--version;text"
	"gzip, decompress;gzip;gzip-1.12/gzip;-dc text.gz;--version;text"
	"xz -1, compress;xz-utils;xz-5.4.1/src/xz/xz;-1 -T1 -c text;--version;text"
	"xz, decompress;xz-utils;xz-5.4.1/src/xz/xz;-dc -T1 text.xz;--version;text"
	"zstd -3, compress;zstd;zstd-1.5.4/programs/zstd;-3 -T1 -c text;--version;text"
	"zstd, decompress;zstd;zstd-1.5.4/programs/zstd;-dc text.zst;--version;text"
	"lz4, compress;lz4;lz4-1.9.4/programs/lz4;-c text;--version;text"
	"lz4, decompress;lz4;lz4-1.9.4/programs/lz4;-dc text.lz4;--version;text"
	"grep -c a word;grep;grep-3.8/src/grep;-c static text;--version;text"
	"grep -cE a regex;grep;grep-3.8/src/grep;-cE [a-z]+_[a-z]+\\( text;--version;text"
	"sqlite speedtest1 --size 10;sqlite3;sqlite-3.40.1/speedtest1;--size 10 speedtest1.db;--help;-"
	"lua fib(32), bisect;lua5.4;lua5.4-5.4.4/src/lua5.4;bench.lua;-v;-"
	"bc, 2000 digits of pi;bc;bc-1.07.1/bc/bc;-l pi.bc;--version;-"
	"jq, filter a JSON array;jq;jq-1.6/jq;[.[]|select(.n%7==0)|.name]|length data.json;--version;data.json"
)

# ports_setup: the folder with its input files and the programs, native
# builds under bin/, images under img/ (named by figure number)
ports_setup() {
	local i f port prog
	mkdir -p "$PORTS_DIR/bin" "$PORTS_DIR/img"
	if [ "$(stat -c %s "$PORTS_DIR/text" 2>/dev/null)" != $((PORTS_MIB * 1048576)) ]; then
		# the project's own sources and documents, repeated: a text file
		# that compresses as source code does
		(cd "$TOP" && while :; do git ls-files -z '*.c' '*.h' '*.md' '*.sh' |
			xargs -0 cat || break; done) | head -c $((PORTS_MIB * 1048576)) >"$PORTS_DIR/text"
		rm -f "$PORTS_DIR"/text.*
	fi
	[ -f "$PORTS_DIR/text.gz" ] || gzip -6 -c "$PORTS_DIR/text" >"$PORTS_DIR/text.gz"
	[ -f "$PORTS_DIR/text.xz" ] || xz -1 -T1 -c "$PORTS_DIR/text" >"$PORTS_DIR/text.xz"
	f=$TOP/build/ports/zstd/native/zstd-1.5.4/programs/zstd
	[ -f "$PORTS_DIR/text.zst" ] || [ ! -x "$f" ] || "$f" -q -c "$PORTS_DIR/text" >"$PORTS_DIR/text.zst"
	f=$TOP/build/ports/lz4/native/lz4-1.9.4/programs/lz4
	[ -f "$PORTS_DIR/text.lz4" ] || [ ! -x "$f" ] || "$f" -q -c "$PORTS_DIR/text" >"$PORTS_DIR/text.lz4"
	if [ "$(du -m "$PORTS_DIR/data.json" 2>/dev/null | cut -f1)" != "$PORTS_JSON_MB" ]; then
		python3 -c 'import json, sys
mb = int(sys.argv[1]); out = sys.stdout; out.write("[")
n = 0; size = 1
while size < mb * 1048576:
    s = json.dumps({"n": n, "name": "item-%d" % n, "value": n * 0.5,
                    "tags": ["t%d" % (n % 13), "u%d" % (n % 7)], "ok": n % 3 == 0})
    out.write(("," if n else "") + s); size += len(s) + 1; n += 1
out.write("]\n")' "$PORTS_JSON_MB" >"$PORTS_DIR/data.json"
	fi
	printf 'scale=2000\n4*a(1)\nquit\n' >"$PORTS_DIR/pi.bc"
	cp "$TOP/ports/lua5.4/bench.lua" "$PORTS_DIR/bench.lua" 2>/dev/null || true
	for i in "${!PORTS_FIGURES[@]}"; do
		IFS=';' read -r _ port prog _ <<<"${PORTS_FIGURES[$i]}"
		rm -f "$PORTS_DIR/bin/$i" "$PORTS_DIR/img/$i"
		f=$TOP/build/ports/$port
		# a built port is linked again with the current kernel
		[ ! -f "$f/stamp" ] || "$TOP/ports/$port/build.sh" >/dev/null 2>&1 || continue
		[ -x "$f/$prog" ] && [ -x "$f/native/$prog" ] || continue
		cp "$f/native/$prog" "$PORTS_DIR/bin/$i"
		cp "$f/$prog" "$PORTS_DIR/img/$i"
	done
}

# ports_time LOG CMD...: CMD's wall clock in ms (its standard output into
# LOG), or "-" when it fails
ports_time() {
	local log=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" </dev/null >"$log" 2>&1 || { echo -; return; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# ports_one I GUEST WORK|IDLE: one run of figure I; appends the wall ms (or
# "-") to $L/ports-I-GUEST-WORK.txt
ports_one() {
	local i=$1 g=$2 what=$3 name args idle ms log
	IFS=';' read -r name _ _ args idle _ <<<"${PORTS_FIGURES[$i]}"
	[ "$what" = idle ] && args=$idle
	local words
	set -f # a jq filter's brackets are not a pattern
	# shellcheck disable=SC2206 # the words of the arguments
	words=($args)
	set +f
	log="$L/ports-$i-$g-$what.log"
	case "$g" in
	native | uni)
		local dir=bin
		[ "$g" = uni ] && dir=img
		CMD=(sh -c 'cd "$1" && shift && "$@" >/dev/null' sh "$PORTS_DIR" "./$dir/$i" "${words[@]}")
		ms=$(ports_time "$log" "${CMD[@]}")
		;;
	linux)
		PROG_ARGS=(- "bin/$i" "${words[@]}")
		SHARE=$PORTS_DIR INITRD_OF=$INITRD_9P \
			LINUX_WORDS="fileinit_fs=9p fileinit_msize=$SHARE_MSIZE fileinit_prog=portrun" \
			set_cmd linux microvm fileinit "$PORTS_MEM"
		PROG_ARGS=()
		ms=$(ports_time "$log" timeout 1800 "${CMD[@]}")
		tr -d '\r' <"$log" | grep -q '^# fileinit status=0 ' || ms=-
		;;
	esac
	[ "$what" = work ] && CMDLINES["r$i-$g"]="$(qcmd "${CMD[@]}")"
	echo "$ms" >>"$L/ports-$i-$g-$what.txt"
}

# ports_has I GUEST: figure I can run on that guest
ports_has() {
	[ -x "$PORTS_DIR/bin/$1" ] || return 1
	case "$2" in
	linux) have linux && [ "$SHARE_LNX" = 1 ] ;;
	uni) have uni ;;
	*) true ;;
	esac
}

ports_run() {
	local i g r what
	log "(r) ports: setting up $PORTS_DIR"
	ports_setup
	rm -f "$L"/ports-*.txt
	for i in "${!PORTS_FIGURES[@]}"; do
		log "(r) ${PORTS_FIGURES[$i]%%;*}: $PORTS_RUNS run(s) per peer"
		for r in $(seq 1 "$PORTS_RUNS"); do
			for g in native uni linux; do
				ports_has "$i" "$g" || continue
				for what in idle work; do ports_one "$i" "$g" "$what"; done
			done
		done
		rm -f "$PORTS_DIR/speedtest1.db"
	done
}

# ports_median I GUEST WHAT: the median of the runs, "-" when one failed
ports_median() {
	local f="$L/ports-$1-$2-$3.txt"
	[ -s "$f" ] && ! grep -qx -- - "$f" || { echo -; return; }
	sort -n "$f" | awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ports_work I GUEST: work minus idle in seconds, "-" when unknown
ports_work() {
	awk -v w="$(ports_median "$1" "$2" work)" -v i="$(ports_median "$1" "$2" idle)" 'BEGIN {
		if (w !~ /^[0-9.]+$/ || i !~ /^[0-9.]+$/) print "-"; else printf "%.2f\n", (w - i) / 1000 }'
}

ports_report() {
	local i g name input w mbs row
	echo "## (r) The ports' work figures"
	echo
	echo "One command of each port of ports/ on the same files in one host folder: natively (the"
	echo "port's musl-gcc -static build), the port's image executed as a host command (the folder"
	echo "read over 9p), and the native build in the Linux microVM (the folder mounted by its own 9p"
	echo "client); both guests have $PORTS_MEM MiB. Seconds of work: each peer's wall clock for the command minus its wall"
	echo "clock for the same program doing nothing, which leaves the launch out; median of"
	echo "$PORTS_RUNS run(s). Output to /dev/null; the text file is $PORTS_MIB MiB of the project's"
	echo "sources repeated, the JSON file $PORTS_JSON_MB MB. Both guests run under TCG here, the"
	echo "native build on the CPU itself."
	echo
	echo "| figure | native (s) | Unishyper (s) | Linux microVM (s) | Unishyper ÷ native | Unishyper ÷ Linux | MB/s, native / Unishyper / Linux |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	for i in "${!PORTS_FIGURES[@]}"; do
		IFS=';' read -r name _ _ _ _ input <<<"${PORTS_FIGURES[$i]}"
		if [ ! -x "$PORTS_DIR/bin/$i" ]; then
			echo "| $name | not built | | | | | |"
			continue
		fi
		declare -A W=()
		mbs=
		for g in native uni linux; do
			W[$g]=$(ports_work "$i" "$g")
			[ "$input" = - ] && continue
			mbs+="${mbs:+ / }$(awk -v s="${W[$g]}" -v b="$(stat -c %s "$PORTS_DIR/$input")" 'BEGIN {
				if (s !~ /^[0-9.]+$/ || s <= 0) print "-"; else printf "%.1f\n", b / 1e6 / s }')"
		done
		echo "| $name | ${W[native]} | **${W[uni]}** | ${W[linux]} | $(ratio "${W[uni]}" "${W[native]}" 1) | **$(ratio "${W[uni]}" "${W[linux]}")** | $mbs |"
		unset W
	done
	echo
}

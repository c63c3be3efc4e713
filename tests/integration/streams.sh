#!/usr/bin/env bash
# Tests of the standard streams and of unishyper-run under abuse: every
# byte value through standard input from a pipe and from a file, byte-exact
# standard output and error, end of input when the host closes it, EPIPE
# and SIGPIPE when the reader goes away, kernel option names in --env, no
# QEMU left behind whatever signal ends the launcher, and the launcher's
# own refusals. Each stream case runs the same program (tests/guest/pump.c)
# natively too, built with musl-gcc -static, and compares. Expects the
# guest test images in build/tests (tests/run.sh builds them). Prints TAP.
set -u
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
IMG=build/tests/pump.img
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-streams.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh
status_is() { [ "$1" = "$2" ] || { echo "# status $1, want $2"; return 1; }; }
qemu_alive() { pgrep -f "qemu-system-x86_64 .*$1" >/dev/null; }
qemu_gone() { ! qemu_alive "$1"; }
same_sum() { [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || { echo "# $1 and $2 differ"; return 1; }; }

musl-gcc -static -O2 -o $tmp/pump tests/guest/pump.c
check "pump builds natively" test -x $tmp/pump

# Every byte value, 0x04 (the end of input of a serial line) in the middle
# of the stream as well, then 1 MiB of every value again.
python3 -c '
import sys
b = bytes(range(256))
sys.stdout.buffer.write(b[:128] + b"\x04" * 8 + b[128:] + b * 4096)' >$tmp/bytes
$RUN $IMG --timeout 60 -- cat <$tmp/bytes >$tmp/out.file
check "standard input from a file: all 256 byte values arrive (status $?)" same_sum $tmp/bytes $tmp/out.file
cat $tmp/bytes | $RUN $IMG --timeout 60 -- cat >$tmp/out.pipe
check "standard input from a pipe: all 256 byte values arrive, 0x04 too" same_sum $tmp/bytes $tmp/out.pipe
$tmp/pump cat <$tmp/bytes >$tmp/native.pipe
check "... as natively" same_sum $tmp/native.pipe $tmp/out.pipe

# Several MiB out, on each stream.
size=$((6 * 1024 * 1024 + 12345))
$tmp/pump gen $size >$tmp/native.out
$RUN $IMG --timeout 60 -- gen $size >$tmp/out 2>$tmp/err
check "standard output carries $size bytes exactly" same_sum $tmp/native.out $tmp/out
check "... and standard error none of them" test ! -s $tmp/err
$RUN $IMG --timeout 60 -- gen $size err 2>$tmp/err | cat >$tmp/out
check "standard error carries $size bytes exactly" same_sum $tmp/native.out $tmp/err
check "... and standard output none of them" test ! -s $tmp/out

# End of input: the host closing standard input, at once or later.
$RUN $IMG --timeout 60 -- count </dev/null >$tmp/out
check "standard input from /dev/null: end of file at once" grep -qx 0 $tmp/out
{ printf 'abc\004def'; sleep 2; } | $RUN $IMG --timeout 60 -- count >$tmp/out
check "the host closing standard input later: the blocked reader gets end of file" \
	grep -qx 7 $tmp/out
printf '' | $RUN $IMG --timeout 60 -- count >$tmp/out
check "an empty pipe: end of file" grep -qx 0 $tmp/out

# The reader of standard output goes away.
timeout 60 bash -c "$RUN $IMG -- yes 2>$tmp/err | head -1 >$tmp/out; echo \${PIPESTATUS[0]} >$tmp/rc"
check "yes | head -1: the pipeline ends" test -s $tmp/rc
check "... saying nothing on standard error, as natively" test ! -s $tmp/err
check "... with status 141 (SIGPIPE), as natively" \
	bash -c "status_is() { [ \"\$1\" = \"\$2\" ] || { echo \"# status \$1, want \$2\"; return 1; }; }
		status_is $(cat $tmp/rc) \$(bash -c '$tmp/pump yes | head -1 >/dev/null; echo \${PIPESTATUS[0]}')"
check "... after the program's first line" grep -qx y $tmp/out
timeout 60 bash -c "$RUN $IMG -- epipe 2>$tmp/err | head -1 >/dev/null; echo \${PIPESTATUS[0]} >$tmp/rc"
check "with SIGPIPE ignored, write fails with EPIPE" \
	bash -c "[ \"\$(cat $tmp/rc)\" = 7 ] && grep -q 'Broken pipe' $tmp/err"
timeout 60 bash -c "$RUN $IMG -- gen 100000000 err 2>&1 >/dev/null | head -c 10 >/dev/null; echo \${PIPESTATUS[0]} >$tmp/rc"
check "standard error's reader going away: status 141" status_is "$(cat $tmp/rc)" 141

# Kernel option names are the program's to use.
opts=(console seed tsc_khz loglevel mount shares)
envs=()
for o in "${opts[@]}"; do envs+=(--env "$o=value of $o"); done
$RUN build/examples/hello.img "${envs[@]}" </dev/null >$tmp/out 2>&1
for o in "${opts[@]}"; do
	check "--env $o=... reaches the program" grep -qxF "env $o=value of $o" $tmp/out
done
check "... and the kernel ignores it" bash -c "! grep -q 'bad kernel command line' $tmp/out"

# No QEMU outlives its launcher. The image gets a name no other process
# has, which pgrep looks for.
for sig in KILL TERM INT HUP; do
	marker=$tmp/marker-$$-$sig.img
	cp build/tests/streams.img $marker
	env --default-signal=INT $RUN $marker -- 100 </dev/null >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do qemu_alive $marker && break; sleep 0.1; done
	check "SIG$sig test: QEMU is running" qemu_alive $marker
	kill -$sig $pid
	wait $pid 2>/dev/null
	for _ in $(seq 50); do qemu_alive $marker || break; sleep 0.1; done
	check "SIG$sig of unishyper-run: its QEMU is gone" qemu_gone $marker
done

# The launcher's own refusals and warnings.
$RUN build/examples/hello.img --timeout 0 </dev/null >/dev/null 2>$tmp/err
check "--timeout 0 is refused: status 125 with a message" \
	bash -c "[ $? = 125 ] && grep -q '^unishyper-run: --timeout' $tmp/err"
$RUN build/examples/hello.img --smp $(($(nproc) + 1)) </dev/null >/dev/null 2>$tmp/err
rc=$?
check "--smp above the host's CPUs runs" status_is $rc 0
check "... with exactly one warning line" \
	bash -c "[ \$(wc -l <$tmp/err) = 1 ] && grep -q 'warning: --smp' $tmp/err"
$RUN build/examples/hello.img --mem 2 </dev/null >/dev/null 2>$tmp/err
check "an image that does not fit --mem: status 125 before boot" status_is $? 125
check "... with a message naming the memory it needs" grep -q 'needs at least 4 MiB' $tmp/err
printf 'char big[8 << 20] = { 1 };\nint main(int c, char **v) { return big[c << 20] + v[0][0] * 0; }\n' >$tmp/big.c
toolchain/bin/unishyper-gcc -O2 -o $tmp/big.img $tmp/big.c
$RUN $tmp/big.img --mem 8 </dev/null >/dev/null 2>$tmp/err
check "an 8 MiB image with --mem 8: status 125 and the size it needs" \
	bash -c "[ $? = 125 ] && grep -q 'needs at least 12 MiB' $tmp/err"
$RUN $tmp/big.img --mem 12 </dev/null >/dev/null 2>$tmp/err
check "... and it runs with that much" status_is $? 0
timeout 30 qemu-system-x86_64 -M microvm -accel tcg -m 3 -nodefaults -no-user-config \
	-display none -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel build/examples/hello.img </dev/null >$tmp/out 2>&1
check "booted by hand with too little memory, the kernel says so" \
	grep -q 'not enough memory: 3072 KiB, this image needs at least 4 MiB' $tmp/out

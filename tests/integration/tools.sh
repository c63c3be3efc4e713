#!/usr/bin/env bash
# Tests of unishyper-run and unishyper-gcc as a user meets them: exit
# statuses, arguments, the separate streams, bad input, crash reports, and
# the compiler driver under ordinary build commands. Expects the guest test
# images in build/tests (tests/run.sh builds them). Prints TAP.
set -u
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
UCC=$PWD/toolchain/bin/unishyper-gcc
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh
status_is() { [ "$1" = "$2" ] || { echo "# status $1, want $2"; return 1; }; }

hello=build/examples/hello.img
for s in 0 7 200 255; do
	$RUN $hello -- $s >/dev/null </dev/null
	check "the exit status of main ($s) is unishyper-run's" status_is $? $s
done

$RUN $hello -- "an arg" 'with "quotes"' 'back\slash' '' >$tmp/out </dev/null
check "arguments with spaces, quotes, backslashes and empty ones arrive" \
	grep -qxF 'argv[3] = back\slash' $tmp/out
check "an empty argument arrives" grep -qxF 'argv[4] = ' $tmp/out
check "argv[0] is the image name" grep -qxF 'argv[0] = hello' $tmp/out

$RUN build/tests/streams.img >$tmp/out 2>$tmp/err </dev/null
rc=$?
check "streams: exit status 3" status_is $rc 3
check "standard output carries only the program's output" diff -u <(echo "to stdout") $tmp/out
check "standard error carries only the program's errors" diff -u <(echo "to stderr") $tmp/err
$RUN build/tests/streams.img >$tmp/both 2>&1 </dev/null
check "with 2>&1 both lines arrive in one file" \
	diff -u <(printf 'to stderr\nto stdout\n') <(sort $tmp/both)
$RUN build/tests/streams.img --log $tmp/klog >/dev/null 2>&1 </dev/null
check "--log keeps the kernel log, ending with the exit status" \
	grep -qx 'unishyper: exit status 3' $tmp/klog
$RUN build/tests/streams.img --verbose >/dev/null 2>$tmp/err </dev/null
check "--verbose shows the kernel log on standard error" \
	grep -q 'unishyper: exit status 3' $tmp/err

echo "hello world" | $RUN build/examples/demo.img >$tmp/out
check "standard input reaches the program" grep -q 'dlrow olleh' $tmp/out

# A terminal: unishyper-run under a pseudo-terminal, as a person uses it.
# Type only once the guest has printed, when QEMU has put the terminal in
# raw mode (before that the pty itself would edit the line).
mkfifo $tmp/tty.in
timeout 60 script -qec "$RUN build/tests/tty.img" /dev/null <$tmp/tty.in >$tmp/tty 2>&1 &
pid=$!
exec 3>$tmp/tty.in
for _ in $(seq 300); do grep -q 'ok 8' $tmp/tty && break; sleep 0.1; done
printf 'abc\177d\rx\004\004' >&3
wait $pid
rc=$?
exec 3>&-
sed -n 's/^.*\(not ok\|ok\) [0-9]* - /# tty: \1 - /p' $tmp/tty
check "on a terminal: line editing, echo and the terminal ioctls (tests/guest/tty.c)" \
	bash -c "[ $rc = 0 ] && ! grep -q 'not ok' $tmp/tty && [ \$(grep -c 'ok ' $tmp/tty) = 11 ]"

$RUN build/tests/process.img --log $tmp/klog -- "two words" 'q"uote\' >/dev/null 2>&1 </dev/null
check "a missing system call is logged once, by name" \
	bash -c "[ \$(grep -c 'system call acct (163) is not implemented' $tmp/klog) = 1 ]"

$RUN build/tests/streams.img --timeout 2 -- 100 >/dev/null 2>$tmp/err </dev/null
check "--timeout stops a program that runs too long (124)" status_is $? 124

$RUN /nonexistent.img 2>$tmp/err
check "a missing image: 127 and a message" status_is $? 127
check "the message names the file" grep -q 'nonexistent.img: no such file' $tmp/err
$RUN /etc/hostname 2>$tmp/err
check "a file that is not an image: 126" status_is $? 126
check "the message says so" grep -q 'not a Unishyper image' $tmp/err
$RUN /tmp 2>/dev/null
check "a directory: 126" status_is $? 126
for bad in "--bogus" "--mem abc" "--mem 1" "--accel xen" "--machine pc99" "--smp 0" "--timeout x" \
	"--env 1BAD=x" "--mem"; do
	$RUN $hello $bad </dev/null >/dev/null 2>$tmp/err
	check "bad option '$bad': status 125 with a message" \
		bash -c "[ $? = 125 ] && grep -q '^unishyper-run: ' $tmp/err"
done
$RUN 2>/dev/null
check "no image at all: status 125" status_is $? 125
check "--dry-run prints the QEMU command" bash -c "$RUN $hello --dry-run | grep -q -- '-kernel'"

# A program's own fault ends it as a native process's would (status 128 +
# the signal) with one report: the fault, registers, a symbolised backtrace.
for crash in "null:139:NULL pointer dereference" "overflow:139:stack overflow" \
	"divide:136:divide error" "ud:132:invalid opcode" "thread:139:in thread 2 (main) on CPU"; do
	what=${crash%%:*} rest=${crash#*:}
	$RUN build/tests/crash.img --smp 2 -- $what >/dev/null 2>$tmp/err </dev/null
	rc=$?
	check "crash $what: status ${rest%%:*}" status_is $rc ${rest%%:*}
	check "crash $what: standard error names it" grep -q "${rest#*:}" $tmp/err
	check "crash $what: with a register dump and a symbolised backtrace" \
		bash -c "grep -q '^rip ' $tmp/err && grep -qE '#[0-9]+ [a-z_]+.*\\+0x' $tmp/err"
	check "crash $what: one report, not a kernel panic" \
		bash -c "[ \$(grep -c 'terminated by signal' $tmp/err) = 1 ] && ! grep -q panic $tmp/err"
done

# The kernel command line as a person might write it.
qemu_bare() {
	timeout 30 qemu-system-x86_64 -M microvm -accel tcg -m 64 -nodefaults -no-user-config \
		-display none -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel $hello -append "$1" </dev/null
}
qemu_bare 'unishyper.console=pipe -- hi 5' >$tmp/out 2>&1
check "booted by plain QEMU: output on the serial line, status 2N+1" \
	bash -c "[ $? = 11 ] && grep -q 'argv\\[1\\] = 5' $tmp/out && grep -q 'exit status 5' $tmp/out"
# refused LINE WHAT MESSAGE: the kernel refuses LINE with status 2 (5 from QEMU)
refused() {
	qemu_bare "$1" >$tmp/out 2>&1
	check "$2 is refused with a message" bash -c "[ $? = 5 ] && grep -q '$3' $tmp/out"
}
refused 'unishyper.console=pipe bareword -- x' "a bad kernel command line" 'bad kernel command line'
refused 'unishyper.console=pipe "unterminated -- x' "an unterminated quote" 'bad kernel command line'
refused 'unishyper.console=bogus -- x' "a bad unishyper.console= value" 'unishyper.console='
refused 'unishyper.bogus=1 -- x' "an unknown kernel option" 'unknown kernel option'

# unishyper-gcc as build systems use it.
mkdir -p $tmp/proj/inc
cat >$tmp/proj/inc/add.h <<'C'
int add(int a, int b);
C
cat >$tmp/proj/add.c <<'C'
#include "add.h"
int add(int a, int b) { return a + b; }
C
cat >$tmp/proj/main.c <<'C'
#include <stdio.h>
#include "add.h"
int main(void) { printf("%d\n", add(VALUE, 2)); return 0; }
C
cat >$tmp/proj/Makefile <<'C'
prog.img: main.o libadd.a
	$(CC) $(LDFLAGS) -o $@ main.o -L. -ladd
libadd.a: add.o
	$(AR) rcs $@ $^
%.o: %.c
	$(CC) $(CFLAGS) -c -o $@ $<
C
(cd $tmp/proj && make -s CC="$UCC" CFLAGS="-O2 -g -std=c99 -Wall -Wextra -Iinc -DVALUE=40" \
	>$tmp/make.log 2>&1)
check "make CC=unishyper-gcc builds objects, a static archive and an image" test -f $tmp/proj/prog.img
check "the image runs" bash -c "$RUN $tmp/proj/prog.img </dev/null | grep -qx 42"
(cd $tmp/proj && $UCC -O1 -Iinc -DVALUE=1 -o two.img main.c add.c >/dev/null 2>&1)
check "several sources in one command" bash -c "$RUN $tmp/proj/two.img </dev/null | grep -qx 3"
(cd $tmp/proj && $UCC -E -DVALUE=9 -Iinc main.c 2>/dev/null | grep -q 'add(9, 2)')
check "-E preprocesses only" status_is $? 0
check "unishyper-gcc --version answers" bash -c "$UCC --version | grep -qi gcc"
(cd $tmp/proj && $UCC -o bad.img nosuch.c >/dev/null 2>&1)
check "a missing source fails the build" bash -c "[ $? != 0 ] && [ ! -e $tmp/proj/bad.img ]"
check "linking a missing system call warns" \
	bash -c "echo 'int acct(const char *); int main(void){return acct(0);}' | $UCC -x c -o $tmp/f.img - 2>&1 | grep -q 'acct system call is not implemented'"

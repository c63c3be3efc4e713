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

printf '#include <stdio.h>\nint main(void) { char l[64]; return !fgets(l, sizeof(l), stdin) || fputs(l, stdout) < 0; }\n' \
	>$tmp/line.c
$UCC -o $tmp/line.img $tmp/line.c
echo "hello world" | $RUN $tmp/line.img >$tmp/out
check "standard input reaches the program" grep -qx 'hello world' $tmp/out

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

# Network interfaces: the QEMU words and kernel options --dry-run shows on
# both machines, and the launcher's refusals. The guest is not booted: the
# kernel refuses unishyper.ip= until it has a network stack.
# dry NEEDLE OPTIONS...: --dry-run with OPTIONS prints NEEDLE
dry() {
	local needle=$1
	shift
	# the words as QEMU gets them, without the shell quoting of --dry-run
	$RUN $hello "$@" --dry-run </dev/null >$tmp/dry.q 2>&1 &&
		eval "printf '%s ' $(cat $tmp/dry.q)" >$tmp/dry && grep -qF -- "$needle" $tmp/dry ||
		{ sed 's/^/# /' $tmp/dry.q; return 1; }
}
nodry() { ! dry "$@" >/dev/null; }
$RUN $hello --dry-run </dev/null >$tmp/dry
check "without --net: no network device and no address options" \
	bash -c "! grep -qE 'netdev|virtio-net|unishyper\\.(ip|gw|dns|ip6|hostname)=' $tmp/dry"
if [ "$(id -u)" = 0 ] && [ -w /dev/net/tun ]; then
	for m in microvm q35; do
		dev=virtio-net-device
		[ $m = q35 ] && dev=virtio-net-pci
		check "$m: --net tap gives tap0 without scripts or vhost" \
			dry "-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off" --machine $m --net tap
		check "$m: ... on $dev with the default MAC" \
			dry "-device $dev,netdev=n0,mac=52:54:00:12:34:50" --machine $m --net tap
		check "$m: ... and the kernel options of a tap" \
			dry "unishyper.ip=10.0.0.2/24 unishyper.gw=10.0.0.1 " --machine $m --net tap
		check "$m: --net tap=NAME --mac" \
			dry "$dev,netdev=n0,mac=02:00:00:00:00:07" --machine $m --net tap=ushtest9 --mac 02:00:00:00:00:07
		check "$m: --net user with two hostfwd" \
			dry "-netdev user,id=n0,hostfwd=tcp::8080-:80,hostfwd=udp:127.0.0.1:5353-:53" \
			--machine $m --net user,hostfwd=tcp::8080-:80,hostfwd=udp:127.0.0.1:5353-:53
		check "$m: ... takes its address by DHCP, with no gateway option" \
			bash -c "grep -q 'unishyper.ip=dhcp ' $tmp/dry && ! grep -q unishyper.gw= $tmp/dry"
		check "$m: two interfaces in order, eth1 with its own MAC" \
			dry "$dev,netdev=n0,mac=52:54:00:12:34:50 -netdev user,id=n1 -device $dev,netdev=n1,mac=52:54:00:12:34:51" \
			--machine $m --net tap=ushtest9 --net user
		check "$m: ... and one address per interface" \
			dry "unishyper.ip=10.0.0.2/24,dhcp unishyper.gw=10.0.0.1 " --machine $m --net tap=ushtest9 --net user
	done
	check "--mac before the first --net names the first interface" \
		dry "netdev=n0,mac=02:aa:bb:cc:dd:ee -netdev user,id=n1 -device virtio-net-device,netdev=n1,mac=52:54:00:12:34:51" \
		--mac 02:aa:bb:cc:dd:ee --net tap --net user
	check "--mac after the second --net names the second" \
		dry "netdev=n0,mac=52:54:00:12:34:50 -netdev user,id=n1 -device virtio-net-device,netdev=n1,mac=02:00:00:00:00:01" \
		--net tap --net user --mac 02:00:00:00:00:01
	check "--ip, --gw, --dns, --ip6 and --hostname become kernel options" \
		dry "unishyper.ip=192.168.7.2/24,10.0.3.2/16 unishyper.gw=192.168.7.1 unishyper.dns=10.0.0.1,fd00::1 unishyper.ip6=fd00::2/64,fd01::2/64 unishyper.hostname=box-1.test " \
		--net tap --net tap=ushtest9 --ip 192.168.7.2/24,10.0.3.2/16 --gw 192.168.7.1 --dns 10.0.0.1,fd00::1 \
		--ip6 fd00::2/64,fd01::2/64 --hostname box-1.test
	check "an empty --ip entry takes the default; --ip6 only on eth1" \
		dry "unishyper.ip=10.0.0.2/24,10.1.0.2/24 unishyper.gw=10.0.0.1 unishyper.ip6=,fd00:0:0:1::2/64 " \
		--net tap --net tap=ushtest9 --ip ,10.1.0.2/24 --ip6 ,fd00:0:0:1::2/64
	check "a tap outside 10.0.0.0/24 gets no default gateway" \
		nodry "unishyper.gw=" --net tap --ip 192.168.1.2/24
	check "--gw none leaves the gateway out" nodry "unishyper.gw=" --net tap --gw none
	check "--ip dhcp on a tap" dry "unishyper.ip=dhcp " --net tap --ip dhcp
	for bad in "--net" "--net bogus" "--net tap=" "--net tap=averyveryverylongname" "--net tap=a/b" \
		"--net tap --net tap" "--net user,hostfwd=tcp::80" "--net user,hostfwd=tcp::0-:7" \
		"--net user,hostfwd=sctp::1-:7" "--net user,restrict=on" \
		"--net tap --mac 01:00:00:00:00:01" "--net tap --mac 52:54:00:12:34" "--net tap --mac 1 --mac 2" \
		"--net tap --ip 10.0.0.2" "--net tap --ip 10.0.0.256/24" "--net tap --ip 10.0.0.2/33" \
		"--net tap --ip 10.0.0.2/24,10.0.0.3/24" "--net tap --gw 10.0.0" "--net tap --dns 1.2.3.4,5.6.7.8,9.9.9.9" \
		"--net tap --dns fd00:::1" "--net tap --ip6 fd00::2" "--net tap --ip6 fd00::2::3/64" \
		"--net tap --ip6 1:2:3:4:5:6:7:8:9/64" "--net tap --ip6 fd00::g/64" "--net tap --ip6 fd00::2/129" \
		"--net tap --hostname -bad" "--net tap --hostname a_b" "--ip 10.0.0.2/24" "--mac 02:00:00:00:00:01" \
		"--hostname x" "--net tap=lo"; do
		$RUN $hello $bad </dev/null >/dev/null 2>$tmp/err
		check "bad network option '$bad': status 125 with one line" \
			bash -c "[ $? = 125 ] && [ \$(wc -l <$tmp/err) = 1 ] && grep -q '^unishyper-run: ' $tmp/err" ||
			sed 's/^/# /' $tmp/err
	done
	check "a device that is not a tap: the message says how to create one" \
		grep -qxF "unishyper-run: --net tap=lo: cannot open the tap device (create it first: ip tuntap add lo mode tap ...)" $tmp/err
	# Someone who may not create the device: the same message, before QEMU.
	if command -v setpriv >/dev/null && [ ! -e /sys/class/net/ushmissing0 ]; then
		cp $hello $tmp/hello.img
		chmod -R a+rX $tmp
		setpriv --reuid=65534 --regid=65534 --clear-groups -- \
			$RUN $tmp/hello.img --net tap=ushmissing0 </dev/null >/dev/null 2>$tmp/err
		check "a missing tap, not root: status 125 and how to create it" \
			bash -c "[ $? = 125 ] && grep -qxF 'unishyper-run: --net tap=ushmissing0: cannot open the tap device (create it first: ip tuntap add ushmissing0 mode tap ...)' $tmp/err" ||
			sed 's/^/# /' $tmp/err
	fi
else
	echo "ok # skip the network options need root and /dev/net/tun"
fi

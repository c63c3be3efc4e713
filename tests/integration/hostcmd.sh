#!/usr/bin/env bash
# An image executed on the host as a command (kernel/arch/x86_64/host.c and
# unishyper-run --host): arguments, argv[0], the environment, the current
# folder, the host's files read and written at their own paths, exit
# statuses, UNISHYPER_ROOT confinement, UNISHYPER_RUN, and the image run by
# env, xargs, find -exec and make. Expects build/tests/hostcmd.img (tests/run.sh
# builds it). Prints TAP.
set -u
cd "$(dirname "$0")/../.."
img=$PWD/build/tests/hostcmd.img
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-hostcmd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh
has() { grep -qxF -- "$1" "$tmp/out" || { sed 's/^/# /' "$tmp/out" | head -n 12; return 1; }; }

top=$PWD
mkdir -p "$tmp/work/sub" "$tmp/jail/inside"
cp "$img" "$tmp/work/prog"
echo "from the host" >"$tmp/work/in.txt"
echo "outside the jail" >"$tmp/secret"
cd "$tmp/work"

HOSTCMD_VAR='a b "c"' ./prog show "one two" 'q"uote' 'back\slash' '' >"$tmp/out" 2>"$tmp/err" </dev/null
check "executed on the host, the image runs (status 0)" test $? = 0
check "  argv[0] is what the caller ran" has 'argv[0] <./prog>'
check "  arguments with spaces and quotes arrive" has 'argv[3] <q"uote>'
check "  a backslash and an empty argument arrive" has 'argv[5] <>'
check "  the environment arrives" has 'HOSTCMD_VAR a b "c"'
check "  the caller's folder is the program's" has "cwd $(pwd -P)"

./prog cat in.txt >"$tmp/out" 2>&1 </dev/null
check "a file named relative to the caller's folder is read" has "from the host"
./prog cat "$tmp/secret" >"$tmp/out" 2>&1 </dev/null
check "a host file outside that folder is read at its absolute path" has "outside the jail"
./prog cat /proc/self/maps >"$tmp/out" 2>&1 </dev/null
check "the host's /proc/self (QEMU's) is hidden: the program reads no maps of QEMU's" \
	has "cat: No such file or directory"
./prog write sub/new.txt "made in the guest" >"$tmp/out" 2>&1 </dev/null
check "a file the image writes is on the host" grep -qx "made in the guest" sub/new.txt

for s in 0 1 255; do
	./prog exit $s >/dev/null 2>&1 </dev/null
	check "exit status $s is the host command's" test $? = $s
done

# How the caller sees the end: a negative return code is death by signal.
ended() { python3 -c 'import subprocess, sys; print(subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode)' "$@"; }
for sig in 11:SIGSEGV 6:SIGABRT 8:SIGFPE 15:SIGTERM; do
	got=$(ended ./prog kill ${sig%%:*})
	check "a program killed by ${sig#*:} ends the host command by it ($got)" test "$got" = -${sig%%:*}
done
got=$(ended "$top/toolchain/bin/unishyper-run" "$img" -- kill 11)
check "unishyper-run without --host keeps status 139 for it ($got)" test "$got" = 139

(umask 027 && ./prog umask) >"$tmp/out" 2>&1 </dev/null
check "the caller's umask is the program's" has "umask 027"

before=${EPOCHREALTIME//[!0-9]/}
./prog realtime >"$tmp/out" 2>&1 </dev/null
after=${EPOCHREALTIME//[!0-9]/}
got=$(sed -n 's/^realtime //p' "$tmp/out")
check "CLOCK_REALTIME is the host's to the microsecond: between the host's before and after the run" \
	test "${got:-0}" -ge "$before" -a "${got:-0}" -le "$after"
./prog mtime made-now >"$tmp/out" 2>&1 </dev/null
check "  and agrees with the host's time of a file the program makes (within 10 ms)" \
	has "mtime: between the clock's readings"

# Signals sent to the host command reach the program: a handler runs, or
# the default action ends it, as for the native program.
signalled() { # WHO SIG ARGS...: output and status, in $tmp/sig-WHO
	local who=$1 sig=$2 prog=./prog p
	shift 2
	[ $who = native ] && prog=$tmp/native-signals
	[ -x "$tmp/native-signals" ] || musl-gcc -static -O2 -o "$tmp/native-signals" "$top/tests/guest/hostcmd.c"
	rm -f "$tmp/sig-$who"
	"$prog" "$@" >"$tmp/sig-$who" 2>&1 </dev/null &
	p=$!
	for _ in $(seq 200); do grep -q ready "$tmp/sig-$who" 2>/dev/null && break; sleep 0.1; done
	kill -s $sig $p
	wait $p
	echo "status $?" >>"$tmp/sig-$who"
	grep -v -e '^cwd' -e '^argv' -e '^HOSTCMD_VAR' "$tmp/sig-$who" >"$tmp/sig-$who.x"
}
same_signalled() {
	signalled native "$@" && signalled image "$@" && cmp -s "$tmp/sig-native.x" "$tmp/sig-image.x" ||
		{ diff "$tmp/sig-native.x" "$tmp/sig-image.x" | sed 's/^/# /'; return 1; }
}
check "kill -TERM to a host command runs the program's handler (as natively)" same_signalled TERM wait catch
check "kill -USR1 likewise" same_signalled USR1 wait catch
check "kill -TERM to a program without a handler ends it by SIGTERM (as natively)" same_signalled TERM wait
check "  status 143" grep -qx "status 143" "$tmp/sig-image.x"

./prog pid >"$tmp/out" 2>&1 </dev/null &
wait $!
check "getpid() is the host command's process id, as is the main thread's" \
	has "pid $!, main thread the same, kill(pid, 0) 0"

./prog alloc 600 >"$tmp/out" 2>&1 </dev/null
check "a host command has 1024 MiB: 600 MiB allocated and filled" has "alloc ok 2"
UNISHYPER_MEM=64 ./prog alloc 100 >"$tmp/out" 2>&1 </dev/null
check "UNISHYPER_MEM=64: 100 MiB is more than the guest has (status 137)" test $? = 137

LC_ALL=xx_YY.UTF-8 ./prog show >"$tmp/out" 2>"$tmp/err" </dev/null
check "a locale the host lacks: no shell warning on standard error, as natively" \
	bash -c "[ ! -s '$tmp/err' ] && grep -q 'argv\[1\] <show>' '$tmp/out'"

# An image named like a tool the launcher uses, first on PATH, runs once.
mkdir "$tmp/tools"
for t in grep sed od tr head readelf mktemp basename stty nproc; do cp prog "$tmp/tools/$t"; done
PATH=$tmp/tools:$PATH timeout 60 "$tmp/tools/grep" show >"$tmp/out" 2>&1 </dev/null
check "an image named grep (and sed, od, ...) first on PATH runs as itself" has "argv[1] <show>"

env HOSTCMD_VAR=by-env ./prog show >"$tmp/out" 2>&1 </dev/null
check "run by env" has "HOSTCMD_VAR by-env"
echo "arg-from-xargs" | xargs ./prog show >"$tmp/out" 2>&1
check "run by xargs" has "argv[2] <arg-from-xargs>"
find . -name in.txt -exec ./prog cat {} \; >"$tmp/out" 2>&1 </dev/null
check "run by find -exec" has "from the host"
printf 'all:\n\t./prog exit 3\n' >Makefile
make -s >/dev/null 2>&1 </dev/null
check "run by make, which sees its status" test $? = 2

# What each stream is, compared with the same program built natively:
# isatty, tcgetattr, the terminal size and the type fstat gives, then the
# result of a write to standard output (tests/guest/hostcmd.c "streams").
# A reader that goes away later is tests/integration/streams.sh's.
musl-gcc -static -O2 -o "$tmp/native" "$top/tests/guest/hostcmd.c"
same_streams() { # DESCRIPTION SHELL-COMMAND (with PROG for the program)
	PROG=$tmp/native bash -c "$2" 2>&1 | tr -d '\r' | sort >"$tmp/native.out"
	PROG=./prog bash -c "$2" 2>&1 | tr -d '\r' | sort >"$tmp/out"
	check "$1" same_output
}
same_output() {
	[ -s "$tmp/out" ] && cmp -s "$tmp/native.out" "$tmp/out" ||
		{ diff "$tmp/native.out" "$tmp/out" | sed 's/^/# /' | head -n 12; return 1; }
}
same_streams "streams from pipes: no terminal, writes succeed, as natively" \
	': | $PROG streams 2>&1 | cat'
same_streams ">/dev/full: the write fails with ENOSPC, as natively" \
	': | $PROG streams 2>&1 >/dev/full | cat'
same_streams "a reader gone before the start: the write fails with EPIPE, as natively" \
	': | python3 -c "import os, subprocess, sys; r, w = os.pipe(); os.close(r); subprocess.run([sys.argv[1], \"streams\"], stdout=w)" "$PROG" 2>&1 | cat'
ended_closed() { python3 -c 'import os, subprocess, sys; r, w = os.pipe(); os.close(r); print(subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.DEVNULL).returncode)' "$@"; }
got=$(ended_closed ./prog show)
check "a closed standard output: the program dies of SIGPIPE as natively ($got)" test "$got" = "$(ended_closed "$tmp/native" show)"
same_streams "at a terminal (script): isatty, TCGETS and its 132x40 size, as natively" \
	'script -qec "stty cols 132 rows 40; $PROG streams 2>&1" /dev/null </dev/null'
same_streams "at a terminal, output to a pipe: only input and error are terminals" \
	'script -qec "stty cols 100 rows 30; $PROG streams | cat" /dev/null </dev/null'

# Files as standard streams: the program has the files themselves (seek,
# size, inode), and the caller's offsets end where the program left them.
printf '0123456789\n' >"$tmp/data"
same_file() { # DESCRIPTION SHELL-COMMAND (with PROG and DATA), whose output is $OUT
	OUT=$tmp/native.out PROG=$tmp/native DATA=$tmp/data bash -c "$2" >/dev/null 2>&1
	OUT=$tmp/out PROG=./prog DATA=$tmp/data bash -c "$2" >/dev/null 2>&1
	check "$1" same_output
}
same_file "a file as input and output: seekable, sized, the same inode, as natively" \
	'{ echo before; $PROG seek "$DATA"; echo after; } <"$DATA" >"$OUT"'
same_file "  the caller reads input on from where the program left it" \
	'{ $PROG seek >/dev/null; cat; } <"$DATA" >"$OUT"'
same_file "  output appended (>>), and error sharing its file (2>&1)" \
	'echo first >"$OUT"; { $PROG seek; $PROG seek; echo last; } <"$DATA" >>"$OUT" 2>&1'
same_file "  one file as input and output (<>), read and written by both" \
	'cp "$DATA" "$OUT"; { $PROG seek; echo end; } <>"$OUT" >&0'
same_file "  an offset the program never moved stays where others wrote meanwhile" \
	'{ { sleep 0.2; echo during >&2; } & $PROG alloc 300 >/dev/null; wait; echo after >&2; } 2>"$OUT"'
cd "$tmp/jail/inside"
UNISHYPER_ROOT="$tmp/jail" "$tmp/work/prog" seek <"$tmp/data" >"$tmp/jail/out" 2>&1
check "UNISHYPER_ROOT: input from outside it is a stream" \
	grep -qx "read 4 seek -1 read 3 <0123456> in other 0 out reg at 0 same 0" "$tmp/jail/out"

# CLOCK_MONOTONIC starts at the host's, as the native program reads it.
near_clock() {
	local a b
	a=$(sed -n 's/^monotonic //p' "$tmp/native.out") b=$(sed -n 's/^monotonic //p' "$tmp/out")
	[ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -ge -5 ] && [ $((b - a)) -le 5 ] &&
		grep -qx "slept ok" "$tmp/out" || { sed 's/^/# /' "$tmp/native.out" "$tmp/out"; return 1; }
}
"$tmp/native" clock >"$tmp/native.out" 2>&1 </dev/null
"$tmp/work/prog" clock >"$tmp/out" 2>&1 </dev/null
check "CLOCK_MONOTONIC reads as the host's (within 5 s), and an absolute sleep on it wakes in time" near_clock

UNISHYPER_ROOT="$tmp/jail" "$tmp/work/prog" show >"$tmp/out" 2>&1 </dev/null
check "UNISHYPER_ROOT: the folder is the root, the current folder inside it" has "cwd /inside"
UNISHYPER_ROOT="$tmp/jail" "$tmp/work/prog" cat ../../secret >"$tmp/out" 2>&1 </dev/null
check "  .. does not lead out of it" has "cat: No such file or directory"
UNISHYPER_ROOT="$tmp/jail" "$tmp/work/prog" cat "$tmp/secret" >"$tmp/out" 2>&1 </dev/null
check "  nor does the host's absolute path" has "cat: No such file or directory"
ln -s "$tmp/secret" "$tmp/jail/link"
UNISHYPER_ROOT="$tmp/jail" "$tmp/work/prog" cat /link >"$tmp/out" 2>&1 </dev/null
check "  nor a symbolic link to outside" has "cat: No such file or directory"

run=$top/toolchain/bin/unishyper-run
"$run" "$img" --cwd /no/such/folder -- show >"$tmp/out" 2>&1 </dev/null
rc=$?
check "--cwd of a missing folder stops the boot (status $rc)" test $rc != 0
check "  with one line that says so" \
	has "unishyper: working directory /no/such/folder: not a folder of the file tree (error -2); see the kernel log"
"$run" "$img" --share "$tmp/work:/" --cwd /sub -- cat ../in.txt >"$tmp/out" 2>&1 </dev/null
check "--share DIR:/ makes DIR the root" has "from the host"

# A host without QEMU: every command but it.
mkdir "$tmp/noqemu"
for d in /usr/local/bin /usr/bin /bin; do
	for f in "$d"/*; do
		b=${f##*/}
		[ "$b" = qemu-system-x86_64 ] || [ -e "$tmp/noqemu/$b" ] || ln -s "$f" "$tmp/noqemu/$b"
	done
done
PATH=$tmp/noqemu "$tmp/work/prog" show >"$tmp/out" 2>&1 </dev/null
rc=$?
check "on a host without QEMU: status 127" test $rc = 127
check "  and one line that says so" \
	has "unishyper-run: qemu-system-x86_64 is not installed here: an image needs it to run (Debian's qemu-system-x86; toolchain/deps.sh installs it)"

UNISHYPER_RUN=/nonexistent/unishyper-run "$tmp/work/prog" show >"$tmp/out" 2>&1 </dev/null
rc=$?
check "UNISHYPER_RUN naming nothing: status 127" test $rc = 127
check "  and one line that says so" has "unishyper: UNISHYPER_RUN=/nonexistent/unishyper-run: cannot be run"



# The host's loopback (unishyper-run --host-net, asked for by an image whose
# program uses sockets): the program's listener reached from the host, its
# connection to a host server, a port a host program has, and a connection
# to itself, each compared with the same program built natively.
net_img=$top/build/tests/hostnet.img
musl-gcc -static -O2 -o "$tmp/hostnet-native" "$top/tests/guest/hostnet.c"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# host_client PORT: connects once the port listens (20 s at most), says a
# line, prints the answer.
host_client() {
	python3 - "$1" <<-'PY'
	import socket, sys, time
	for _ in range(200):
	    try:
	        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
	        break
	    except OSError:
	        time.sleep(0.1)
	else:
	    sys.exit("nothing listens")
	c.sendall(b"hello from the host\n")
	print("host got:", c.makefile().readline().strip())
	PY
}
# host_server PORT: answers one client's line, then ends (30 s at most);
# returns once it listens.
host_server() {
	rm -f "$tmp/listening"
	python3 - "$1" "$tmp/listening" <<-'PY' &
	import socket, sys
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.0.1", int(sys.argv[1])))
	s.listen(1)
	open(sys.argv[2], "w").close()
	s.settimeout(30)
	c, _ = s.accept()
	c.sendall(b"the host read: " + c.makefile("rb").readline())
	PY
	for _ in $(seq 100); do
		[ -e "$tmp/listening" ] && return
		sleep 0.1
	done
}
for who in native image; do
	prog=$tmp/hostnet-native
	[ $who = image ] && { prog=$tmp/work/hostnet; cp "$net_img" "$prog"; }
	port=$(free_port)
	"$prog" serve $port >"$tmp/net-$who" 2>&1 </dev/null &
	host_client $port >>"$tmp/net-$who.client" 2>&1
	wait $!
	sed -i "s/:$port\$/:PORT/" "$tmp/net-$who"
	cat "$tmp/net-$who.client" >>"$tmp/net-$who"
	port=$(free_port)
	# The host server answers its client, which may be the program.
	host_server $port >/dev/null 2>&1
	"$prog" connect $port 2>&1 </dev/null | sed "s/:$port\$/:PORT/" >>"$tmp/net-$who"
	wait
	port=$(free_port)
	python3 -c 'import socket, sys, time; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(60)' $port &
	holder=$!
	sleep 0.5
	"$prog" busy $port >>"$tmp/net-$who" 2>&1 </dev/null
	echo "busy status $?" >>"$tmp/net-$who"
	kill $holder
	wait $holder 2>/dev/null
	"$prog" self >>"$tmp/net-$who" 2>&1 </dev/null
done
sed 's/^/# /' "$tmp/net-image"
same_net() { cmp -s "$tmp/net-native" "$tmp/net-image" || { diff "$tmp/net-native" "$tmp/net-image" | sed 's/^/# /'; return 1; }; }
check "the host's loopback: a listener, a connection, a busy port, a program talking to itself, as natively" same_net
grep -q '^host got: you said hello from the host$' "$tmp/net-image"
check "  the host's client reached the image's listener on 127.0.0.1" test $? = 0
grep -q '^  the answer: the host read: hello from the program$' "$tmp/net-image"
check "  the image's connection to 127.0.0.1 reached the host's server" test $? = 0
grep -q '^bind and listen: Address in use$' "$tmp/net-image"
check "  a port a host program has: EADDRINUSE" test $? = 0
"$run" "$net_img" --host-net --net user -- self >"$tmp/out" 2>&1 </dev/null
rc=$?
check "--host-net with --net: refused (status $rc)" test $rc != 0
check "  with one line that says so" has "unishyper-run: --host-net: not with --net"

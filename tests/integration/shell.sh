#!/usr/bin/env bash
# The terminal (kernel/shell/, docs/shell.md), driven as a person and a
# script drive it:
#  - over the console with standard input a pipe: every command and its
#    error cases, with the output compared line for line, then the disk
#    checked on the host with mtools and fsck.fat -n; bad input (a 10 000
#    character line, binary junk, a read-only disk) gives one line each and
#    the shell goes on; reboot boots the image again;
#  - on a terminal in tmux (send-keys, capture-pane): line editing, the
#    history, Tab completion and Ctrl-C;
#  - on its own port beside a running program (examples/shell, which
#    writes a line a second), through the socket with unishyper-run
#    --attach: ps and ls while the program goes on writing, kill and run on
#    its thread, and a terminal client.
# Prints TAP.
set -u
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
IMG=build/examples/shell.img
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-shell.XXXXXX")
tmux_sock=$tmp/tmux
trap 'tmux -S "$tmux_sock" kill-server 2>/dev/null; kill $(jobs -p) 2>/dev/null; wait; rm -rf "$tmp"' EXIT
. tests/integration/tap.sh
export MTOOLS_SKIP_CHECK=1

# A fresh copy of the sample disk (make run's, which a session there may
# have changed, is made anew), and an empty second one.
toolchain/bin/unishyper-mkdisk examples/shell/disk $tmp/sample.img
fresh_disks() {
	cp $tmp/sample.img $tmp/root.img
	truncate -s 0 $tmp/second.img
	truncate -s 8M $tmp/second.img
	mkfs.fat -n SECOND $tmp/second.img >/dev/null
}

# The lines of section NAME of the output: what follows "@@ NAME".
section() {
	sed -n "/^@@ $1\$/,/^@@ /{/^@@ /d;p}" $tmp/out
}

# same NAME: section NAME is exactly the text on standard input.
same() {
	diff -u - <(section "$1") >$tmp/diff || { sed 's/^/# /' $tmp/diff; return 1; }
}

# clean IMG: fsck.fat -n finds nothing (its report as comments if it does).
clean() {
	fsck.fat -n "$1" >$tmp/fsck 2>&1 || { sed 's/^/# /' $tmp/fsck; return 1; }
}

# has NAME REGEX...: section NAME has a line matching each extended REGEX.
has() {
	local name=$1 re
	shift
	for re in "$@"; do
		section "$name" | grep -qE -- "$re" || { echo "# no line matches: $re"; return 1; }
	done
}

# tm COMMAND...: tmux on the test's own server.
tm() { tmux -S "$tmux_sock" "$@"; }
# wait_for PANE TEXT [COUNT]: until the pane shows COUNT (1) lines holding
# TEXT (at most 60 s); wait_line: lines that are TEXT.
wait_for() {
	local how=-F
	[ "${FUNCNAME[1]}" = wait_line ] && how=-xF
	for _ in $(seq 600); do
		tm capture-pane -p -t "$1" >$tmp/pane 2>/dev/null &&
			[ "$(grep -c $how -- "$2" $tmp/pane)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	echo "# the pane never showed ${3:-1} of: $2"
	sed 's/^/#   /' $tmp/pane
	return 1
}
wait_line() { wait_for "$@"; }

# --- the console, a pipe ---------------------------------------------------

console() {
	fresh_disks
	cat >$tmp/script <<-'EOF'
	@@ pwd
	pwd
	@@ ls
	ls /
	@@ ls -l
	ls -l /docs
	@@ ls -a
	ls -a /projects/empty
	@@ ls several
	ls /README /projects
	@@ cat
	cat /projects/hello/README /docs/../projects/hello/notes/todo.txt
	@@ cd
	cd projects/hello
	pwd
	ls
	cd ..
	pwd
	cd
	pwd
	@@ mkdir
	mkdir /made
	mkdir -p /made/deep/er
	ls /made/deep
	@@ echo
	echo one two   'three  four' > /made/file
	echo five >> /made/file
	cat /made/file
	echo -n no newline
	echo
	@@ touch
	touch /made/empty
	ls -l /made/empty
	@@ wc
	wc /made/file /README
	@@ head
	head -n 1 /README
	head -n1 /made/file
	@@ tail
	tail -n 2 /made/file
	tail -n 0 /made/file
	@@ hexdump
	hexdump /made/file
	@@ hexdump -C
	hexdump -C /made/file
	@@ stat
	stat /made/file
	@@ cp
	cp /made/file /made/copy
	cp -r /projects /made/tree
	cp /README /docs/commands.txt /made
	ls /made /made/tree/hello/notes
	@@ mv
	mv /made/copy /made/moved
	mv /made/moved /made/deep
	mv /made/tree /tmp
	ls /made /made/deep /tmp/tree
	@@ du
	du /tmp/tree
	du -s /made/deep
	@@ rm
	rm /made/deep/moved
	rm -r /made/deep
	rm -f /made/none
	rm /made/empty
	mkdir /made/gone
	rmdir /made/gone
	ls /made
	@@ history
	history
	@@ help
	help cp
	@@ errors
	nosuchcommand
	ls /nope
	cat
	cat /docs
	cat /nope
	cd /README
	mkdir /made
	mkdir /no/parent
	rmdir /made
	rmdir /README
	rm /docs
	rm /nope
	rm -r .
	cp /docs /x
	cp /nope /x
	cp /made/file /made/file
	cp -r /made /made/inside
	mv /nope /x
	mv /made /made/inside
	cp a b c
	stat /nope
	head -n x /README
	tail -z /README
	hexdump /nope
	wc /nope
	ls -q
	echo > /nope/file
	echo 'unterminated
	echo a | wc
	cat < /README
	ls ; ls
	kill
	kill 99
	kill abc
	run 99
	exec /bin/busybox ls
	exit 300
	mount nodisk /mnt
	umount /
	umount /tmp
	umount /made
	help nosuch
	@@ system
	free
	ps
	uptime
	date
	df
	mount
	env
	dmesg
	sync
	@@ mounts
	ls /mnt/vdb
	echo on the second disk > /mnt/vdb/note
	umount /mnt/vdb
	ls /mnt/vdb
	mount vdb /mnt/vdb
	cat /mnt/vdb/note
	mount vdb /tmp/again
	@@ shares
	cat /host/a.txt
	umount /host
	ls /host
	mount share1 /mnt/h
	cat /mnt/h/b.txt
	echo from the shell > /mnt/h/new.txt
	umount /mnt/h
	mount share1 /mnt/again
	ls /mnt/again
	mount share0 /host
	cat /host/a.txt
	mount share0 /other
	@@ end
	EOF
	sed -i 's/^@@ /echo @@ /' $tmp/script
	mkdir -p $tmp/share-a $tmp/share-b
	echo in share a >$tmp/share-a/a.txt
	echo in share b >$tmp/share-b/b.txt
	$RUN $IMG --shell --disk $tmp/root.img --disk $tmp/second.img --env GREETING=hi --timeout 120 \
		--share $tmp/share-a:/host --share $tmp/share-b:- <$tmp/script >$tmp/out 2>$tmp/err
	rc=$?
	check "a script on standard input runs to its end: status 0 (got $rc)" [ $rc = 0 ]
	check "nothing on standard error" [ ! -s $tmp/err ]

	check "pwd" same pwd <<-'EOF'
	/
	EOF
	check "ls: the names, sorted" same ls <<-'EOF'
	README
	docs
	projects
	EOF
	check "ls -l: mode, links, owner, size, date, name" has "ls -l" '^total 1$' \
		'^-rw-r--r--  1 0 0       452 [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} commands.txt$'
	check "ls -a: . and .. and the hidden names" same "ls -a" <<-'EOF'
	.
	..
	.keep
	EOF
	check "ls with a file and a folder: the file, then the folder's names" same "ls several" <<-'EOF'
	/README

	/projects:
	empty
	hello
	EOF
	check "cat: several files, a path with .." same cat <<-'EOF'
	Build it with toolchain/bin/unishyper-gcc -o hello.img main.c
	and run it with toolchain/bin/unishyper-run hello.img
	- try cp -r projects /tmp/p
	- try du projects
	EOF
	check "cd and pwd: relative paths, .., cd alone" same cd <<-'EOF'
	/projects/hello
	README
	main.c
	notes
	/projects
	/
	EOF
	check "mkdir and mkdir -p" same mkdir <<-'EOF'
	er
	EOF
	check "echo with quotes, > and >>, echo -n" same echo <<-'EOF'
	one two three  four
	five
	no newline
	EOF
	check "touch makes an empty file" has touch '^-rw-r--r--  1 0 0         0 .* /made/empty$'
	check "wc: lines, words, bytes and a total" same wc <<-'EOF'
	      2       5      25 /made/file
	     21      91     613 /README
	     23      96     638 total
	EOF
	check "head -n" same head <<-'EOF'
	Welcome to the Unishyper shell.
	one two three  four
	EOF
	check "tail -n" same tail <<-'EOF'
	one two three  four
	five
	EOF
	printf 'one two three  four\nfive\n' >$tmp/file
	check "hexdump prints what the host's hexdump prints" same hexdump < <(hexdump $tmp/file)
	check "hexdump -C prints what the host's hexdump -C prints" same "hexdump -C" < <(hexdump -C $tmp/file)
	check "stat: size, type, mode, times" has stat '^  File: /made/file$' 'Size: 25 .*regular file$' \
		'^Access: \(0644/-rw-r--r--\)  Uid: 0  Gid: 0$' '^Modify: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}$'
	check "cp, cp -r and cp into a folder" same cp <<-'EOF'
	/made:
	README
	commands.txt
	copy
	deep
	empty
	file
	tree

	/made/tree/hello/notes:
	todo.txt
	EOF
	check "mv: rename, into a folder, to another file system" same mv <<-'EOF'
	/made:
	README
	commands.txt
	deep
	empty
	file

	/made/deep:
	er
	moved

	/tmp/tree:
	empty
	hello
	EOF
	check "du and du -s in KiB" same du <<-'EOF'
	0	/tmp/tree/empty
	4	/tmp/tree/hello/notes
	12	/tmp/tree/hello
	12	/tmp/tree
	2	/made/deep
	EOF
	check "rm, rm -r, rm -f, rmdir" same rm <<-'EOF'
	README
	commands.txt
	file
	EOF
	check "history numbers the lines typed" has history '^ +[0-9]+  rm -f /made/none$' '^ +[0-9]+  history$'
	check "help COMMAND shows its usage" same help <<-'EOF'
	usage: cp [-r] SOURCE... DEST
	copy files (-r: folders too) to DEST, or into it
	EOF
	check "every error is one line, and the shell goes on" same errors <<-'EOF'
	nosuchcommand: command not found (help lists the commands)
	ls: /nope: No such file or directory
	usage: cat FILE...
	cat: /docs: Is a directory
	cat: /nope: No such file or directory
	cd: /README: Not a directory
	mkdir: /made: File exists
	mkdir: /no/parent: No such file or directory
	rmdir: /made: Directory not empty
	rmdir: /README: Not a directory
	rm: /docs: Is a directory
	rm: /nope: No such file or directory
	rm: .: refusing to remove '.', '..' or '/'
	cp: /docs: a folder (cp -r copies folders)
	cp: /nope: No such file or directory
	cp: /made/file and /made/file are the same
	cp: /made: cannot go inside itself
	mv: /nope: No such file or directory
	mv: /made: cannot go inside itself
	cp: c: not a folder (needed for several sources)
	stat: /nope: No such file or directory
	head: x: not a number
	tail: unknown option -z
	usage: tail [-n LINES] FILE...
	hexdump: /nope: No such file or directory
	wc: /nope: No such file or directory
	ls: unknown option -q
	usage: ls [-l] [-a] [PATH...]
	shell: /nope/file: No such file or directory
	shell: unterminated quote
	shell: pipes (|) are not supported
	shell: input redirection (<) is not supported
	shell: one command a line: ; is not supported
	usage: kill TID...
	kill: 99: No such thread
	kill: abc: not a number
	run: 99: No such thread
	exec: /bin/busybox: not available yet: this kernel has no loader for static executables (kernel/exec/)
	exit: 300: not 0 to 255
	mount: nodisk: no such disk or share (disks: vda, vdb, ...; shares: share0, ...)
	umount: /: Device or resource busy
	umount: /tmp: only disks and host shares can be unmounted
	umount: /made: not a mount point
	help: nosuch: no such command
	EOF
	check "free: total, used, free" has system '^Mem: +[0-9]+ +[0-9]+ +[0-9]+$'
	check "ps: the shell's own thread" has system '^  TID  NAME +STATE +CPU +TIME$' \
		'^    1  shell +running +0 +[0-9]+\.[0-9]{3}$'
	check "uptime and date" has system '^up 0:[0-9]{2}:[0-9]{2}, 1 CPU, 1 thread$' \
		'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$'
	check "df and mount list the file systems" has system '^vda +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+%  /$' \
		'^vdb +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+%  /mnt/vdb$' '^vdb on /mnt/vdb type vfat \(rw\)$' \
		'^ramfs on /tmp type ramfs \(rw\)$'
	check "env: the image's environment; dmesg: the kernel log" has system '^GREETING=hi$' \
		'^unishyper: the shell has the console$'
	check "umount, and mount again from the shell" same mounts <<-'EOF'
	ls: /mnt/vdb: No such file or directory
	on the second disk
	mount: vdb: already mounted on /mnt/vdb
	EOF

	check "a host share: unmounted, mounted elsewhere, one left unmounted at boot mounted" \
		same shares <<-'EOF'
	in share a
	ls: /host: No such file or directory
	in share b
	b.txt
	new.txt
	in share a
	mount: share0: already mounted on /host
	EOF
	check "the host sees the file the shell wrote on a share" grep -qx 'from the shell' $tmp/share-b/new.txt

	# What the shell left on the disks, read on the host.
	mtype -i $tmp/root.img ::/made/file >$tmp/got 2>&1
	check "mtools reads the file the shell wrote" diff -u $tmp/file $tmp/got
	mdir -b -i $tmp/root.img ::/made 2>&1 | sort >$tmp/got
	check "mtools sees the folder the shell left" diff -u - $tmp/got <<-'EOF'
	::/made/README
	::/made/commands.txt
	::/made/file
	EOF
	mtype -i $tmp/root.img ::/made/README >$tmp/got 2>&1
	check "mtools: the copy cp made is whole" cmp -s $tmp/got examples/shell/disk/README
	mtype -i $tmp/second.img ::/note >$tmp/got 2>&1
	check "mtools reads the second disk's file (written before umount)" grep -qx 'on the second disk' $tmp/got
	check "fsck.fat -n finds nothing on the root disk" clean $tmp/root.img
	check "fsck.fat -n finds nothing on the second disk" clean $tmp/second.img

}

bad_input() {
	# Bad input: a 10 000-character line, binary junk, a read-only disk.
	fresh_disks
	{
		echo '@@ long'
		head -c 10000 /dev/zero | tr '\0' a
		echo
		echo 'echo after the long line'
		echo '@@ junk'
		head -c 4000 /dev/urandom | tr '\n@' 'x#'
		printf '\n\001\033[A\003\004\t\177\000\n'
		echo 'echo after the junk'
		echo '@@ read-only'
		echo 'mkdir /mnt/vdb/x'
		echo 'echo x > /mnt/vdb/file'
		echo 'rm /mnt/vdb/none'
		echo 'touch /mnt/vdb/t'
		echo 'echo still here'
		echo '@@ end'
	} | sed 's/^@@ /echo @@ /' >$tmp/script
	$RUN $IMG --shell --disk $tmp/root.img --disk $tmp/second.img:ro --timeout 120 <$tmp/script \
		>$tmp/out 2>&1
	rc=$?
	check "bad input: the shell ends normally (status $rc)" [ $rc = 0 ]
	check "a 10 000-character line is refused with one line" same long <<-'EOF'
	shell: line too long (at most 1023 characters)
	after the long line
	EOF
	# Only messages, and the answer after the junk last.
	junk_answered() {
		[ "$(section junk | tail -n 1)" = 'after the junk' ] &&
			! section junk | grep -qv -e 'command not found' -e '^shell: ' -e '^after the junk$'
	}
	check "binary junk: one line per junk line, then the shell answers" junk_answered
	check "a read-only disk: one clear line each" same read-only <<-'EOF'
	mkdir: /mnt/vdb/x: Read-only file system
	shell: /mnt/vdb/file: Read-only file system
	rm: /mnt/vdb/none: No such file or directory
	touch: /mnt/vdb/t: Read-only file system
	still here
	EOF
	check "after bad input fsck.fat -n finds nothing" clean $tmp/root.img

	# reboot: the machine starts again (the launcher boots it once more).
	printf 'echo first boot\nreboot\n' |
		$RUN $IMG --shell --disk $tmp/root.img --log $tmp/klog --timeout 60 >$tmp/out 2>&1
	rc=$?
	rebooted() {
		[ $rc = 0 ] && grep -qx 'first boot' $tmp/out && grep -qx 'unishyper: reboot' $tmp/klog &&
			[ "$(grep -c '^unishyper: the shell has the console' $tmp/klog)" = 2 ]
	}
	check "reboot: the machine starts again and the run ends with status 0 (got $rc)" rebooted
	printf 'exit 7\n' | $RUN $IMG --shell --timeout 60 >/dev/null 2>&1
	rc=$?
	check "exit N powers off with status N (got $rc)" [ $rc = 7 ]

	$RUN build/examples/hello.img --shell --timeout 60 </dev/null >/dev/null 2>$tmp/err
	rc=$?
	check "an image without the shell says so (status $rc)" \
		grep -q 'this image has no shell (link it with unishyper-gcc -shell)' $tmp/err
}

# --- a terminal, in tmux ---------------------------------------------------

terminal() {
	fresh_disks

	tm new-session -d -s t -x 100 -y 40 \
		"$RUN $IMG --shell --disk $tmp/root.img --timeout 120; echo \"status \$?\"; sleep 60"
	check "on a terminal: a greeting and a prompt" wait_for t 'help lists the commands, exit leaves.'
	wait_for t 'unishyper:/$' >/dev/null
	tm send-keys -t t 'echo abc' Left Left Left X Home Y End Z Enter
	check "Left, Home and End move the cursor" wait_for t 'unishyper:/$ Yecho XabcZ'
	tm send-keys -t t 'ho kept' C-a 'ec' C-e ' end' Enter
	check "Ctrl-A and Ctrl-E" wait_line t 'kept end'
	tm send-keys -t t 'echo one two three' C-w C-w 'cut here' Left Left Left Left Left C-k Enter
	check "Ctrl-W and Ctrl-K" wait_line t 'one cut'
	tm send-keys -t t 'echo wrong' C-u 'echo rigxx' BSpace BSpace 'ht' Enter
	check "Ctrl-U and Backspace" wait_line t 'right'
	tm send-keys -t t Up Up Up Enter
	check "Up brings back an earlier line" wait_line t 'kept end' 2
	tm send-keys -t t Up Down 'echo down' Enter
	check "Down comes back to the line being typed" wait_line t 'down'
	tm send-keys -t t 'cat /RE' Tab Enter
	check "Tab completes a path" wait_for t 'unishyper:/$ cat /README'
	tm send-keys -t t 'hist' Tab Enter
	check "Tab completes a command" wait_for t '  history'
	tm send-keys -t t 'ls /projects/' Tab
	check "Tab lists the names in a folder" wait_line t 'empty/  hello/'
	tm send-keys -t t C-c 'hexdump /dev/zero' Enter
	wait_line t '*' >/dev/null
	tm send-keys -t t C-c
	check "Ctrl-C stops a long command" wait_line t '^C'
	tm send-keys -t t 'thrown away' C-c 'echo clean' Enter
	check "Ctrl-C drops the line being typed; the shell answers" wait_line t 'clean'
	tm send-keys -t t C-d
	check "Ctrl-D on an empty line leaves: status 0" wait_line t 'status 0'
	check "after the terminal session fsck.fat -n finds nothing" clean $tmp/root.img
	tm kill-server 2>/dev/null

}

# --- beside a running program, on its own port -----------------------------

port() {
	fresh_disks
	sock=$tmp/shell.sock
	# ticks: the lines the program has written so far.
	ticks() { grep -c '^tick' $tmp/ticks; }
	# until COMMAND...: polls COMMAND for at most 60 s.
	until_true() {
		for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
		return 1
	}
	more_ticks() { [ "$(ticks)" -gt "$1" ]; }
	stopped() {
	printf 'ps\n' | $RUN --attach $sock >$tmp/out 2>&1
	grep -qE '^    2  main +stopped ' $tmp/out
	}
	# The program: 300 ticks, one a second; the machine ends with it.
	$RUN $IMG --shell-socket $sock --disk $tmp/root.img --timeout 600 -- 300 >$tmp/ticks 2>&1 </dev/null &
	prog=$!
	until_true grep -q '^tick 2$' $tmp/ticks
	before=$(ticks)
	printf 'ps\nls /\n' | $RUN --attach $sock >$tmp/out 2>&1
	rc=$?
	attached() {
	[ $rc = 0 ] && grep -qE '^    1  main +sleeping +0 +[0-9.]+$' $tmp/out &&
		grep -qE '^    2  main +(sleeping|running|ready) +0 +[0-9.]+$' $tmp/out &&
		[ "$(tail -n 3 $tmp/out)" = $'README\ndocs\nprojects' ]
	}
	check "attach: ps and ls answer (status $rc)" attached
	check "the program kept writing its own output" until_true more_ticks $before
	check "... and nothing but its own" bash -c "! grep -qv '^tick [0-9]*\$' $tmp/ticks"
	printf 'kill 2\n' | $RUN --attach $sock >$tmp/out 2>&1
	check "kill TID: ps shows the program's thread stopped" until_true stopped
	now=$(ticks)
	sleep 3
	check "a stopped thread writes no more" [ "$(ticks)" = "$now" ]
	printf 'run 2\n' | $RUN --attach $sock >$tmp/out 2>&1
	check "run TID lets it go on" until_true more_ticks $now
	# A terminal client: the first CR it sends makes the session a terminal's.
	tm new-session -d -s a -x 100 -y 30 "$RUN --attach $sock; sleep 60"
	check "attach on a terminal: a prompt" wait_for a 'unishyper:/$'
	tm send-keys -t a 'ech' Tab 'o over the port' Enter
	check "attach on a terminal: completion and echo" wait_line a 'o over the port'
	tm send-keys -t a C-]
	sleep 1
	tm kill-server 2>/dev/null
	printf 'echo again\n' | $RUN --attach $sock >$tmp/out 2>&1
	check "Ctrl-] detaches, and the next client gets a session" grep -qx again $tmp/out
	printf 'poweroff\n' | $RUN --attach $sock >/dev/null 2>&1
	wait $prog
	rc=$?
	check "poweroff from the port ends the machine with status 0 (got $rc)" [ $rc = 0 ]
	check "fsck.fat -n finds nothing after poweroff" clean $tmp/root.img
}

# The parts named on the command line, else all.
for p in ${@:-console bad_input terminal port}; do
	"$p"
done

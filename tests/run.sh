#!/usr/bin/env bash
# make test: runs every test of the tree and ends with "N passed, N failed".
#
# Every part prints TAP lines ("ok ..." / "not ok ..."); this script
# prefixes them with the part's name, counts them, and counts a part that
# fails without saying why as one failure. Parts: host unit tests (ASan and
# UBSan), the fuzz pass, the libc and system-call-list checks, the guest
# tests booted on microvm and q35 under TCG, the tool and toolchain tests,
# the set-up's version policy, programs compared with their native builds,
# the shell, and the ported programs.
set -u
cd "$(dirname "$0")/.."

passed=0 failed=0
out=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-test.XXXXXX")
trap 'rm -rf "$out"' EXIT

# part NAME COMMAND...: runs COMMAND, relays and counts its TAP lines.
part() {
	local name=$1 log=$out/part.log rc p f
	shift
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok' "$log")
	f=$(grep -c '^not ok' "$log")
	sed -n "s/^\(ok\|not ok\)/\1 [$name]/p; /^#/p" "$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok [$name] exited with status $rc"
		tail -n 15 "$log" | sed 's/^/# /'
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

docs_current() {
	python3 posix/gen-syscalls.py posix/syscalls.list "$out/gen" "$out/syscalls.md" &&
		if cmp -s "$out/syscalls.md" docs/syscalls.md; then
			echo "ok - docs/syscalls.md matches posix/syscalls.list"
		else
			echo "not ok - docs/syscalls.md is stale: run make docs"
		fi
	if python3 posix/gen-syscalls.py tests/host/fixtures/duplicate.list "$out/dup" 2>/dev/null; then
		echo "not ok - the generator accepts a number listed twice"
	else
		echo "ok - the generator refuses a number listed twice"
	fi
	if python3 posix/gen-syscalls.py tests/host/fixtures/badargs.list "$out/bad" 2>/dev/null; then
		echo "not ok - the generator accepts an argument count its SYSCALL_DEFINEn contradicts"
	else
		echo "ok - the generator refuses an argument count its SYSCALL_DEFINEn contradicts"
	fi
}

# guest NAME MACHINE [unishyper-run options...]: boots tests/guest/NAME.c.
guest() {
	local name=$1 machine=$2 rc
	shift 2
	toolchain/bin/unishyper-run "build/tests/$name.img" --machine "$machine" --timeout 120 "$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok - $name exits with status 0 on $machine"
	else
		echo "not ok - $name exits with status $rc on $machine"
	fi
}

# build_one NAME SOURCE [unishyper-gcc options...]
build_one() {
	local name=$1 src=$2
	shift 2
	if toolchain/bin/unishyper-gcc -O2 -Wall "$@" -o "build/tests/$name.img" "$src" \
		2>"$out/$name.build"; then
		echo "ok - builds $name"
	else
		echo "not ok - builds $name"
		sed 's/^/# /' "$out/$name.build"
		return 1
	fi
}

build_guest_tests() {
	local ok=0 src
	mkdir -p build/tests
	for src in tests/guest/*.c; do
		build_one "$(basename "$src" .c)" "$src" -lm || ok=1
	done
	# Kernel tests link the kernel object whose symbols are not hidden.
	for src in tests/kernel/*.c; do
		build_one "k$(basename "$src" .c)" "$src" -specs=build/toolchain/ktest.specs \
			-Iinclude -Ikernel/arch/x86_64/include -Ibuild/gen || ok=1
	done
	return $ok
}

part host make -s host-tests-run
part fuzz make -s fuzz-run
part libc tests/integration/libc-no-syscall.sh build/sysroot
part syscalls docs_current
part build build_guest_tests
for m in microvm q35; do
	part "console $m" guest console "$m" < <(printf 'line one\nline two\n')
	part "memory $m" guest memory "$m" </dev/null
	part "mmapfile $m" guest mmapfile "$m" --smp 2 </dev/null
	part "time $m" guest time "$m" </dev/null
	part "process $m" guest process "$m" --env "UNISHYPER_TEST=a=b c" -- "two words" 'q"uote\' </dev/null
	part "trap $m" guest trap "$m" </dev/null
	part "fpu $m" guest fpu "$m" </dev/null
	part "files $m" guest files "$m" --smp 2 </dev/null
	part "folders $m" guest folders "$m" </dev/null
done
for n in 1 2 4; do
	part "threads smp $n" guest threads microvm --smp $n -- $n </dev/null
done
part "threads q35 smp 2" guest threads q35 --smp 2 -- 2 </dev/null
part "mutexes smp 1" guest mutexes microvm --smp 1 </dev/null
part "mutexes smp 2" guest mutexes microvm --smp 2 </dev/null
part "ipc smp 2" guest ipc microvm --smp 2 </dev/null
part "ipc q35 smp 2" guest ipc q35 --smp 2 </dev/null
part "limits microvm" guest limits microvm </dev/null
part "spawn microvm" guest spawn microvm </dev/null
part "kernel sync smp 1" guest ksync microvm --smp 1 </dev/null
part "kernel sync smp 4" guest ksync microvm --smp 4 </dev/null
part "kernel isn" guest kisn microvm </dev/null
blk_disks() { # fresh disks for the kernel block test
	rm -f "$out/blk0.img" "$out/blk1.img"
	truncate -s 8M "$out/blk0.img" "$out/blk1.img"
}
blk_disks
part "kernel blk microvm" guest kblk microvm --smp 2 --raw-disks --disk "$out/blk0.img" \
	--disk "$out/blk1.img:ro" </dev/null
blk_disks
part "kernel blk q35" guest kblk q35 --smp 2 --raw-disks --disk "$out/blk0.img" \
	--disk "$out/blk1.img:ro" \
	</dev/null
part disk tests/integration/disk.sh
part share tests/integration/share.sh
part "file mappings" tests/integration/mmap.sh
part "disk stress" tests/integration/disk-stress.sh
part "signals microvm" guest signals microvm --smp 2 < <(sleep 3; echo)
part "signals q35" guest signals q35 --smp 2 < <(sleep 3; echo)
part "sigasync microvm" guest sigasync microvm --smp 2 </dev/null
part "sigasync q35" guest sigasync q35 --smp 2 </dev/null
part "sigasync smp 1" guest sigasync microvm --smp 1 </dev/null
part "sigread microvm" guest sigread microvm < <(sleep 6; echo data)
part "sigread q35" guest sigread q35 < <(sleep 6; echo data)
part "signal statuses" tests/integration/signals.sh
part folders tests/integration/folders.sh
part "pipes microvm" guest pipes microvm --smp 2 </dev/null
part "pipes q35" guest pipes q35 --smp 2 </dev/null
part "pipe stress smp 4" guest pipestress microvm --smp 4 </dev/null
part "sysfuzz smp 2" guest sysfuzz microvm --smp 2 -- 100000 4 1 </dev/null
part "sockets microvm" guest socket_unix microvm --smp 2 </dev/null
part "sockets q35" guest socket_unix q35 --smp 2 </dev/null
part "sockets smp 1" guest socket_unix microvm --smp 1 </dev/null
part "inet sockets microvm" guest socket_inet microvm --smp 2 </dev/null
part "inet sockets smp 1" guest socket_inet microvm --smp 1 </dev/null
part "readiness microvm" guest readiness microvm --smp 2 </dev/null
part "readiness q35" guest readiness q35 --smp 2 </dev/null
part "readiness smp 1" guest readiness microvm --smp 1 </dev/null
part "epoll stress smp 2" guest epollstress microvm --smp 2 -- 50000 </dev/null
part "epoll fuzz smp 2" guest epollfuzz microvm --smp 2 -- 50000 7 </dev/null
part crash tests/integration/crash.sh
part tools tests/integration/tools.sh
part shell tests/integration/shell.sh
part "host command" tests/integration/hostcmd.sh
part toolchain tests/integration/toolchain.sh
part deps tests/integration/deps.sh
part compare tests/integration/compare.sh
part streams tests/integration/streams.sh
part "port hello" ports/hello/test.sh
part "port zlib" ports/zlib/test.sh
part "port gzip" ports/gzip/test.sh
part "port nginx" ports/nginx/test.sh
part "port redis" ports/redis/test.sh

# The network tests boot examples/echo, examples/httpd, netclient, nginx
# and redis on a tap in a private namespace.
part net tests/integration/net.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

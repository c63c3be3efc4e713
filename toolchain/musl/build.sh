#!/bin/sh
# Builds musl libc for Unishyper and installs it as a sysroot.
#
#   toolchain/musl/build.sh SRC GEN SYSROOT [BUILDDIR]
#
# SRC is Debian's musl source (toolchain/deps.sh fetches it; it is never
# modified), GEN the output of posix/gen-syscalls.py (syscall_direct.h and
# unishyper/syscalls.h), SYSROOT where include/ and lib/ go. The source is
# copied into BUILDDIR (default build/musl/src, recreated every run) and the
# files beside this script replace musl's x86_64 syscall_arch.h and its
# raw-syscall assembly, so that a system call becomes a function call into
# the kernel, and its system.c, so that system(NULL) says there is no
# shell. The library is static only. Output goes to BUILDDIR/build.log;
# on failure its tail is printed. SYSROOT/.stamp is written last, so its
# presence means a complete install.
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 SRC GEN SYSROOT [BUILDDIR]" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/$1" ;;
	esac
}

src=$(abspath "$1")
gen=$(abspath "$2")
sysroot=$(abspath "$3")
builddir=$(abspath "${4:-$root/build/musl/src}")

[ -f "$src/arch/x86_64/syscall_arch.h" ] || { echo "$0: $src: not a musl source tree" >&2; exit 1; }
[ -f "$gen/syscall_direct.h" ] || { echo "$0: $gen/syscall_direct.h missing: run posix/gen-syscalls.py" >&2; exit 1; }

# The replacement files, relative to the musl tree (and to this directory).
replaced="src/thread/x86_64/syscall_cp.s
src/thread/x86_64/clone.s
src/thread/x86_64/__set_thread_area.s
src/thread/x86_64/__unmapself.s
src/process/x86_64/vfork.s
src/process/system.c
src/signal/x86_64/restore.s"

rm -rf "$builddir"
mkdir -p "$builddir"
log=$builddir/build.log
: >"$log"

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "$0: failed: $*" >&2
		tail -n 40 "$log" >&2
		echo "$0: full log in $log" >&2
		exit 1
	fi
}

cp -R "$src/." "$builddir/"
rm -rf "$builddir/.pc" "$builddir/debian"
cp "$here/syscall_arch.h" "$builddir/arch/x86_64/syscall_arch.h"
for f in $replaced; do
	cp "$here/$f" "$builddir/$f"
done

cd "$builddir"

# Nothing built for x86_64 may still execute a system call: the only places
# musl does are the files replaced above. Assembly is searched for the
# instructions, C for asm strings that hold them.
others='/(aarch64|arm|i386|m68k|microblaze|mips|mips64|mipsn32|or1k|powerpc|powerpc64|riscv64|s390x|sh|x32)/'
# shellcheck disable=SC2016 # a literal $ for grep
insn='(syscall|sysenter|int[[:space:]]*\$(0x80|128))'
{
	grep -rlE "^[[:space:]]*$insn([[:space:]]|;|\$)" --include='*.s' \
		--include='*.S' src crt ldso arch || :
	grep -rlE "(\"|\\\\[nt]|;)[[:space:]]*${insn}[[:space:]]*(\\\\n|;|\")" \
		--include='*.c' --include='*.h' src crt ldso arch include || :
} | grep -vE "$others" >"$builddir/raw-syscalls" || :
if [ -s "$builddir/raw-syscalls" ]; then
	echo "$0: these files still execute system calls:" >&2
	cat "$builddir/raw-syscalls" >&2
	exit 1
fi
rm -f "$builddir/raw-syscalls"

# --target=x86_64 makes configure assume a cross prefix "x86_64-", so the
# host tools are named explicitly. No musl-gcc wrapper: unishyper-gcc is ours.
# -O2 is the optimisation of Debian's own build (dpkg-buildflags), so the
# library computes, rounds and raises floating-point exceptions as the
# musl-gcc programs it is compared with do; musl's default (-Os, with -O3
# for a few parts) would differ. Debian's hardening flags are left out: the
# kernel calls some of these functions on stacks and TLS of its own.
run ./configure --prefix="$sysroot" --target=x86_64 --disable-shared \
	--disable-wrapper CC="${CC:-gcc}" AR="${AR:-ar}" RANLIB="${RANLIB:-ranlib}" \
	CFLAGS="-O2 -I$gen -fno-omit-frame-pointer -g"
run make -j"$(nproc)"

rm -f "$sysroot/.stamp"
rm -rf "${sysroot:?}/include" "${sysroot:?}/lib"
run make install
printf 'musl %s, direct system calls\n' "$(cat VERSION)" >"$sysroot/.stamp"

# Sourced by crash.sh and disk-stress.sh, which both drive
# tests/guest/diskstress.c: the tools, the locale mtools needs for Unicode
# names, the check that the guest image is built, and the TAP helper
# check DESCRIPTION CONDITION (CONDITION is shell code, evaluated).
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
MKDISK=toolchain/bin/unishyper-mkdisk
export LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1
if [ ! -f build/tests/diskstress.img ]; then
	echo "not ok 1 - build/tests/diskstress.img is missing (tests/run.sh builds it)"
	exit 1
fi
n=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; return 1; fi
}

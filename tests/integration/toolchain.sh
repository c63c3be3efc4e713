#!/usr/bin/env bash
# Tests that the toolchain is sealed: unishyper-gcc answers questions about
# itself from its own sysroot, never takes headers or libraries from the
# host, still honours the -I and -L a user writes, and a library installed
# into the sysroot is found by a configure check through
# unishyper-pkg-config. Prints TAP.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
UCC=$top/toolchain/bin/unishyper-gcc
UPC=$top/toolchain/bin/unishyper-pkg-config
RUN=$top/toolchain/bin/unishyper-run
sysroot=$top/build/sysroot
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-toolchain.XXXXXX")
installed=()
cleanup() {
	for f in ${installed[@]+"${installed[@]}"}; do rm -f "$sysroot/$f"; done
	[ -z "${lib:-}" ] || rmdir "$sysroot/include/$lib" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. tests/integration/tap.sh

inside() { # ANSWER: an existing path inside the project
	case "$1" in "$top"/*) [ -e "$1" ] ;; *) echo "# $1 is outside $top"; false ;; esac
}
for f in libc.a crt1.o crti.o libgcc.a libgcc_eh.a crtbeginT.o include; do
	check "-print-file-name=$f is the sysroot's" inside "$($UCC -print-file-name=$f)"
done
check "-print-libgcc-file-name is the sysroot's" inside "$($UCC -print-libgcc-file-name)"
check "-print-sysroot is the project's sysroot" test "$($UCC -print-sysroot)" = "$sysroot"
check "-print-prog-name=ld is inside the project" inside "$($UCC -print-prog-name=ld)"
check "-print-prog-name=ar names a working ar" bash -c "$($UCC -print-prog-name=ar) --version | grep -q 'GNU ar'"
libs=$($UCC -print-search-dirs | sed -n 's/^libraries: =//p')
only_sysroot() {
	local d
	[ -n "$libs" ] || return 1
	for d in ${libs//:/ }; do inside "$d" || return 1; done
}
check "-print-search-dirs lists only the sysroot's libraries" only_sysroot
check "-print-file-name of a library the sysroot lacks names no host file" \
	test "$($UCC -print-file-name=libcmocka.so)" = libcmocka.so
check "-dumpmachine names the target" test "$($UCC -dumpmachine)" = x86_64-unishyper-linux-musl
check "--version names unishyper-gcc and musl" \
	bash -c "$UCC --version | head -n 1 | grep -q '^unishyper-gcc (x86_64-unishyper-linux-musl, musl '"
check "-print-multiarch is empty" test -z "$($UCC -print-multiarch)"

# Libraries and headers of the host are never found.
echo 'int main(void) { return 0; }' >$tmp/empty.c
# (cmocka: the host has it, and no port installs it into the sysroot.)
$UCC -o $tmp/c.img $tmp/empty.c -lcmocka >/dev/null 2>$tmp/err
check "-lcmocka fails although the host has libcmocka" test $? != 0
check "... with a message naming the library and the sysroot" \
	grep -q "unishyper-gcc: -lcmocka: no libcmocka.a in the sysroot $sysroot/lib" $tmp/err

# Shared libraries: one clear line, so libtool falls back to static ones.
for f in "-shared" "-fPIC -shared"; do
	$UCC $f -o $tmp/lib.so $tmp/empty.c >$tmp/out 2>$tmp/err
	check "$f fails" test $? = 1
	check "  with one line saying why" \
		test "$(cat $tmp/err)" = "unishyper-gcc: -shared: an image is one static program, there are no shared libraries; build static ones (configure --disable-shared)"
done
$UCC -c -fPIC -shared -o $tmp/pic.o $tmp/empty.c
check "-c -fPIC -shared compiles an object" test -s $tmp/pic.o

# What build systems pass for a musl system is accepted; the image stays a
# bootable static program.
for f in -static -pthread -lpthread -lm -lrt -ldl -lutil -lcrypt -lresolv -lxnet; do
	$UCC $f -o $tmp/f.img $tmp/empty.c >/dev/null 2>$tmp/err
	check "$f is accepted" test $? = 0
done
for f in -pie -static-pie -rdynamic -Wl,--export-dynamic; do
	$UCC $f -o $tmp/f.img examples/hello/main.c >/dev/null 2>$tmp/err &&
		toolchain/bin/unishyper-run $tmp/f.img </dev/null 2>/dev/null | grep -qx "hello from Unishyper"
	check "$f: the image links and runs" test $? = 0
done
cat >$tmp/dl.c <<'EOF2'
#include <dlfcn.h>
#include <stdio.h>
int main(void)
{
	void *h = dlopen("libz.so.1", RTLD_NOW);
	puts(h ? "loaded" : dlerror());
	return h != NULL;
}
EOF2
$UCC -o $tmp/dl.img $tmp/dl.c -ldl && toolchain/bin/unishyper-run $tmp/dl.img </dev/null >$tmp/out 2>&1
check "dlopen fails cleanly at run time" grep -qx "Dynamic loading not supported" $tmp/out

# CMake with the toolchain file: the checks run, the executable is an image
# that runs where it was built.
if command -v cmake >/dev/null; then
	cmake -DCMAKE_TOOLCHAIN_FILE="$PWD/toolchain/unishyper.cmake" -B $tmp/cm -S tests/integration/cmake \
		>$tmp/cmake.log 2>&1 </dev/null && make -C $tmp/cm >>$tmp/cmake.log 2>&1 </dev/null
	check "CMake with toolchain/unishyper.cmake configures and builds a project" test $? = 0
	$tmp/cm/demo >$tmp/out 2>&1 </dev/null
	check "  its function check, its run check and its executable work" \
		grep -qx "hello from a CMake project, checks passed, sqrt(2) = 1.414" $tmp/out
else
	echo "not ok - cmake is missing (toolchain/deps.sh installs it)"
fi
for h in gnu/libc-version.h cmocka.h sys/cdefs.h; do
	printf '#include <%s>\nint main(void) { return 0; }\n' "$h" >$tmp/h.c
	$UCC -c -o $tmp/h.o $tmp/h.c >/dev/null 2>&1
	check "#include <$h> (host only) fails at compile time" test $? != 0
done
printf '#include <stddef.h>\n#include <immintrin.h>\n#include <stdio.h>\nint main(void) { return 0; }\n' >$tmp/ok.c
check "gcc's own headers (stddef.h, immintrin.h) come from the sysroot" \
	$UCC -c -o $tmp/ok.o $tmp/ok.c

$UCC -O2 -Wall -o $tmp/threads.img tests/guest/threads.c >$tmp/out 2>&1
check "a program with thread-local data links without a warning" test ! -s $tmp/out
sed 's/^/# /' $tmp/out

# What the user writes is honoured.
mkdir -p $tmp/u/inc $tmp/u/lib
echo 'int twice(int);' >$tmp/u/inc/twice.h
echo 'int twice(int x) { return 2 * x; }' >$tmp/u/twice.c
printf '#include <stdio.h>\n#include <twice.h>\nint main(void) { printf("%%d\\n", twice(21)); return 0; }\n' >$tmp/u/main.c
$UCC -c -o $tmp/u/twice.o $tmp/u/twice.c && ar rcs $tmp/u/lib/libtwice.a $tmp/u/twice.o
$UCC -O2 -I$tmp/u/inc -L$tmp/u/lib -o $tmp/u/main.img $tmp/u/main.c -ltwice >/dev/null 2>&1
check "-I and -L of the user are honoured" bash -c "$RUN $tmp/u/main.img </dev/null | grep -qx 42"

# A library installed into the sysroot (prefix /usr, DESTDIR=sysroot, as a
# port's make install does), then a configure script made by autoconf
# finds it through unishyper-pkg-config and links a program with it.
lib=ushtest$$
mkdir -p $tmp/lib
cat >$tmp/lib/$lib.c <<C
#include <math.h>
double ${lib}_root(double x) { return sqrt(x); }
C
cat >$tmp/lib/$lib.pc <<C
prefix=/usr
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: $lib
Description: a test library of unishyper's toolchain tests
Version: 1.2.3
Libs: -L\${libdir} -l$lib
Libs.private: -lm
Cflags: -I\${includedir}/$lib
C
if $UCC -O2 -c -o $tmp/lib/$lib.o $tmp/lib/$lib.c; then
	mkdir -p $sysroot/usr/include/$lib
	echo "double ${lib}_root(double);" >$sysroot/usr/include/$lib/$lib.h
	ar rcs $sysroot/usr/lib/lib$lib.a $tmp/lib/$lib.o
	cp $tmp/lib/$lib.pc $sysroot/usr/lib/pkgconfig/$lib.pc
	installed=("include/$lib/$lib.h" "lib/lib$lib.a" "lib/pkgconfig/$lib.pc")
fi
check "unishyper-pkg-config finds the installed library" $UPC --exists $lib
check "... with the sysroot's paths and its private libraries" \
	test "$($UPC --cflags --libs $lib)" = "-I$sysroot/usr/include/$lib -L$sysroot/usr/lib -l$lib -lm "
check "unishyper-pkg-config never finds the host's libraries" bash -c "! $UPC --exists cmocka"

mkdir -p $tmp/conf
cat >$tmp/conf/configure.ac <<C
m4_include([pkg.m4])
AC_INIT([usetest], [1.0])
AC_PROG_CC
PKG_PROG_PKG_CONFIG
PKG_CHECK_MODULES([USH], [$lib >= 1.2])
PKG_CHECK_EXISTS([cmocka], [AC_MSG_ERROR([found the host's cmocka])])
save_LIBS=\$LIBS
LIBS="\$USH_LIBS \$LIBS"
AC_CHECK_FUNC([${lib}_root], [], [AC_MSG_ERROR([${lib}_root does not link])])
LIBS=\$save_LIBS
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
C
cat >$tmp/conf/Makefile.in <<C
use.img: use.c
	@CC@ @CFLAGS@ @USH_CFLAGS@ -o \$@ use.c @USH_LIBS@
C
printf '#include <stdio.h>\n#include <%s.h>\nint main(void) { printf("%%.0f\\n", %s_root(1764)); return 0; }\n' \
	$lib $lib >$tmp/conf/use.c
(cd $tmp/conf && autoconf -I /usr/share/aclocal >$tmp/autoconf.log 2>&1 &&
	./configure --host=x86_64-linux-musl CC=$UCC PKG_CONFIG=$UPC >$tmp/configure.log 2>&1)
rc=$?
[ $rc = 0 ] || tail -n 15 $tmp/configure.log $tmp/conf/config.log 2>/dev/null | sed 's/^/# /'
check "./configure --host=x86_64-linux-musl CC=unishyper-gcc PKG_CONFIG=unishyper-pkg-config finds it" \
	test $rc = 0
check "... and the program built with it runs" \
	bash -c "make -s -C $tmp/conf >/dev/null 2>&1 && $RUN $tmp/conf/use.img </dev/null | grep -qx 42"

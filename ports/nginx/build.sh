#!/bin/sh
# Builds nginx 1.22.1 (Debian source package nginx 1.22.1-9+deb12u9) for
# Unishyper, and the same configuration natively with musl-gcc -static for
# the peers of the benchmarks. See README.md for the flags and why.
#
# nginx's configure compiles and runs its feature tests with the compiler
# it is given, and an image cannot run on the build machine. It is
# therefore configured with Debian's musl-gcc (the same musl 1.2.3 headers
# and ABI as the sysroot, so the tests that run answer as the target
# would), and the configured tree is built twice: with
# "make CC=unishyper-gcc" into the image, and with "make CC='musl-gcc
# -static'" into the native program.
#
# Outputs, in OUTDIR (default build/ports/nginx):
#   nginx.img        the bootable image
#   native/nginx     the static native program
#   root/            the guest's root folder: /etc/passwd and /etc/group,
#                    /etc/nginx/nginx.conf (ports/nginx/nginx.conf) with
#                    mime.types, and the documents under /srv/www
#   root.img         root/ as a FAT disk, for unishyper-run --disk
#
# A finished build is reused while this script, the source and the
# sysroot's libc are unchanged (OUTDIR/stamp); the image is linked again
# every time, so a new kernel is always in it. Output goes to
# OUTDIR/build.log; on failure its last lines are shown. No network.
#
# usage: ports/nginx/build.sh [OUTDIR]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=nginx-1.22.1-9+deb12u9
here=$top/ports/nginx
port=nginx
. "$top/ports/recipe.sh"
recipe_start "$@"
tree=$out/$pkg
ntree=$out/native/$pkg
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$jobs" -le 2 ] || jobs=2

# The minimal static server: HTTP core and static files. Modules that need
# a library (rewrite: PCRE, gzip: zlib) or that only talk to upstream
# servers (and keep temporary files for them) are left out. Paths are the
# guest's; error_log goes to standard error. auth_basic is left out
# because Debian's musl has no crypt(), which the native build would need
# (see README.md).
configure_flags="--with-cc=musl-gcc --with-cc-opt=-O2
	--prefix=/etc/nginx --conf-path=/etc/nginx/nginx.conf
	--error-log-path=stderr --http-log-path=/tmp/nginx-access.log
	--pid-path=/tmp/nginx.pid --lock-path=/tmp/nginx.lock
	--http-client-body-temp-path=/tmp/nginx-client-body
	--user=root --group=root
	--without-pcre --without-http_rewrite_module --without-http_gzip_module
	--without-http_proxy_module --without-http_fastcgi_module
	--without-http_uwsgi_module --without-http_scgi_module
	--without-http_grpc_module --without-http_memcached_module
	--without-http_auth_basic_module"

# step and the reuse key (ports/recipe.sh)
key=$(recipe_key)

: >"$log"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$key" ] || [ ! -x "$ntree/objs/nginx" ]; then
	rm -f "$out/stamp" "$out/nginx.img" "$out/native/nginx"
	rm -rf "$tree" "$ntree"
	cp -pR "$src" "$tree"
	# shellcheck disable=SC2086 # one word per flag
	step configure "$tree" ./configure $configure_flags
	mkdir -p "$out/native/include"
	cp -pR "$tree" "$ntree"
	# ngx_linux_config.h includes <crypt.h> unconditionally, and Debian's
	# musl-dev leaves that header out: the native build takes it from
	# the musl 1.2.3 source the sysroot is built from, after musl's own.
	cp "$top/build/deps/src/musl-1.2.3-1/include/crypt.h" "$out/native/include/"
	step "make (unishyper-gcc)" "$tree" make -j"$jobs" CC="$ucc"
	step "make (musl-gcc -static)" "$ntree" make -j"$jobs" \
		CC="musl-gcc -static -idirafter $out/native/include"
	echo "$key" >"$out/stamp"
else
	echo "== reusing the build of $key" >>"$log"
fi

# Linked again every time: the image carries the kernel.
rm -f "$tree/objs/nginx"
step "link (unishyper-gcc)" "$tree" make CC="$ucc"
cp "$tree/objs/nginx" "$out/nginx.img.tmp"
mv "$out/nginx.img.tmp" "$out/nginx.img"
cp "$ntree/objs/nginx" "$out/native/nginx.tmp"
mv "$out/native/nginx.tmp" "$out/native/nginx"

# The guest's root. big.bin is 10 MiB of fixed pseudo-random bytes, so the
# disk is the same on every build and a test can compare checksums.
root=$out/root
rm -rf "$root.tmp"
mkdir -p "$root.tmp/etc/nginx" "$root.tmp/srv/www"
echo 'root:x:0:0:root:/:/bin/sh' >"$root.tmp/etc/passwd"
echo 'root:x:0:' >"$root.tmp/etc/group"
cp "$here/nginx.conf" "$tree/conf/mime.types" "$root.tmp/etc/nginx/"
cp "$here/index.html" "$root.tmp/srv/www/"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(1).randbytes(10 << 20))' \
	>"$root.tmp/srv/www/big.bin"
rm -rf "$root" && mv "$root.tmp" "$root"
step "disk" "$out" "$top/toolchain/bin/unishyper-mkdisk" "$root" "$out/root.img"

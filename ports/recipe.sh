# The shared part of the ports' build.sh scripts (sourced, POSIX sh).
#
# recipe_start [OUTDIR]: what a build.sh does first, once top, port and pkg
# (the source package's folder under build/deps/src) are set: checks that
# the source is fetched, the toolchain built and musl-gcc installed (die
# names the port), and sets src, ucc (unishyper-gcc), out (OUTDIR, default
# build/ports/$port, absolute) and log.
# step NAME DIR COMMAND...: runs COMMAND in DIR with its output appended to
# $log; on failure shows the log's last lines, naming $port, and exits.
# recipe_key: a digest of what a finished build depends on (the build
# script, the source package $pkg, the sysroot's libc, musl-gcc), which a
# build keeps in its stamp to be reused while none of them changes.

die() {
	echo "$port/build.sh: $*" >&2
	exit 1
}

recipe_start() {
	src=$top/build/deps/src/$pkg
	ucc=$top/toolchain/bin/unishyper-gcc
	[ -f "$src/.fetched" ] ||
		die "$src is missing: run 'make deps' (toolchain/deps.sh) in $top"
	[ -f "$top/build/toolchain/unishyper.specs" ] && [ -f "$top/build/unishyper.o" ] ||
		die "the toolchain is not built: run 'make' in $top"
	command -v musl-gcc >/dev/null || die "musl-gcc is missing (Debian's musl-tools): run 'make deps'"
	out=${1:-$top/build/ports/$port}
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	log=$out/build.log
}

step() {
	name=$1 dir=$2
	shift 2
	echo "== $name: $*" >>"$log"
	if ! (cd "$dir" && "$@") >>"$log" 2>&1; then
		echo "$port/build.sh: $name failed; last lines of $log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
}

recipe_key() {
	{
		cat "$0"
		echo "$pkg"
		sha256sum "$top/build/sysroot/lib/libc.a"
		musl-gcc -dumpversion
	} | sha256sum | cut -d' ' -f1
}

# The shared part of the ports' build.sh scripts (sourced, POSIX sh).
#
# step NAME DIR COMMAND...: runs COMMAND in DIR with its output appended to
# $log; on failure shows the log's last lines, naming $port, and exits.
# recipe_key: a digest of what a finished build depends on (the build
# script, the source package $pkg, the sysroot's libc, musl-gcc), which a
# build keeps in its stamp to be reused while none of them changes.

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

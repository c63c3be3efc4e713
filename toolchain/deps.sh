#!/bin/sh
# Installs what the project needs, from Debian only, and checks the versions.
#
# Binary packages come from apt-get install. Source packages come from
# apt-get source through a private apt configuration under build/deps/apt:
# its sources list is derived at run time from this machine's own list, with
# every "deb" entry turned into "deb-src", so no archive is named anywhere in
# the tree. Both steps are idempotent: a second run does nothing.
#
# usage: toolchain/deps.sh [--check] [--bench]
#   --check: report what is missing, install nothing
#   --bench: also the packages only `make bench` needs (the Linux peer)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
list="$top/toolchain/packages.txt"
deps="$top/build/deps"
check_only=
kinds=bin
for arg in "$@"; do
	case "$arg" in
	--check) check_only=yes ;;
	--bench) kinds="bin bench" ;;
	*) echo "usage: toolchain/deps.sh [--check] [--bench]" >&2; exit 2 ;;
	esac
done

die() { echo "deps: $*" >&2; exit 1; }

installed_version() {
	dpkg-query -W -f '${db:Status-Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 == "installed" { print $2 }'
}

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=""
while read -r kind name version; do
	case " $kinds " in *" $kind "*) ;; *) continue ;; esac
	have=$(installed_version "$name")
	if [ -n "$have" ] && { [ "$version" = "*" ] || [ "$have" = "$version" ]; }; then
		continue
	fi
	if [ "$version" = "*" ]; then
		missing="$missing $name"
	else
		[ -n "$have" ] && echo "deps: $name is $have, want $version" >&2
		missing="$missing $name=$version"
	fi
done <"$list"

if [ -n "$missing" ]; then
	[ -n "$check_only" ] && die "missing:$missing"
	echo "deps: installing$missing"
	as_root apt-get update -qq || die "apt-get update failed"
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing </dev/null ||
		die "apt-get install failed for:$missing"
fi

# The private apt configuration for source packages.
apt_src() {
	conf="$deps/apt"
	if [ ! -f "$conf/ready" ]; then
		mkdir -p "$conf/etc/parts" "$conf/lists/partial" "$conf/cache/archives/partial"
		: >"$conf/etc/sources.list"
		if [ -f /etc/apt/sources.list ]; then
			sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
				>>"$conf/etc/sources.list"
		fi
		for f in /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$conf/etc/sources.list"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			sed 's/^Types:.*$/Types: deb-src/' "$f" >"$conf/etc/parts/$(basename "$f")"
		done
		apt-get -qq $(apt_opts) update || die "apt-get update (sources) failed"
		touch "$conf/ready"
	fi
}

apt_opts() {
	conf="$deps/apt"
	echo "-o Dir::Etc::SourceList=$conf/etc/sources.list" \
		"-o Dir::Etc::SourceParts=$conf/etc/parts" \
		"-o Dir::State::Lists=$conf/lists" \
		"-o Dir::Cache=$conf/cache" \
		"-o Dir::State::status=/var/lib/dpkg/status"
}

while read -r kind name version; do
	case "$kind" in src) ;; *) continue ;; esac
	dest="$deps/src/$name-$version"
	[ -f "$dest/.fetched" ] && continue
	[ -n "$check_only" ] && die "source package $name $version not fetched"
	echo "deps: fetching source $name $version"
	apt_src
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	(cd "$dest.tmp" && apt-get -qq $(apt_opts) source "$name=$version" </dev/null) ||
		die "apt-get source $name=$version failed"
	tree=$(find "$dest.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$tree" ] || die "apt-get source $name gave no source tree"
	rm -rf "$dest" && mv "$tree" "$dest" && rm -rf "$dest.tmp"
	touch "$dest/.fetched"
done <"$list"

exit 0

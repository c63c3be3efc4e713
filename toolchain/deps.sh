#!/bin/sh
# Installs what the project needs, from Debian only, and checks the versions.
#
# The list (toolchain/packages.txt) names each package with the version the
# project was tested with. Binary packages ("bin", and "bench" for
# `make bench`) are installed by name, at whatever version the machine's
# Debian release offers now: security updates replace old builds, so an
# exact pin would break every fresh machine. A version other than the tested
# one gives one warning line; a version below a package's stated minimum
# (given only where the project needs a feature) is an error.
#
# Source packages ("src") are what the build patches, so they stay pinned:
# apt-get source fetches exactly the listed version through a private apt
# configuration under build/deps/apt, whose sources list is derived at run
# time from this machine's own list with every "deb" entry turned into
# "deb-src" (no archive is named anywhere in the tree), and the .dsc must
# have the listed SHA-256. When that version is gone from the archive the
# script says which one it can get instead.
#
# Every step is idempotent: a second run installs and fetches nothing.
#
# usage: toolchain/deps.sh [--check] [--bench] [--dry-run] [--list FILE]
#   --check    report what is missing, install nothing
#   --bench    also the packages only `make bench` needs (the Linux peer)
#   --dry-run  show what apt-get would install (apt-get -s), change nothing
#   --list F   read F instead of toolchain/packages.txt
# UNISHYPER_DEPS_DIR moves build/deps (the apt configuration and sources).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
list="$top/toolchain/packages.txt"
deps="${UNISHYPER_DEPS_DIR:-$top/build/deps}"
check_only= dry=
kinds=bin
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check_only=yes ;;
	--bench) kinds="bin bench" ;;
	--dry-run) dry=yes ;;
	--list) [ $# -ge 2 ] || { echo "deps: --list needs a file" >&2; exit 2; }
		list=$2; shift ;;
	*) echo "usage: toolchain/deps.sh [--check] [--bench] [--dry-run] [--list FILE]" >&2; exit 2 ;;
	esac
	shift
done
[ -r "$list" ] || { echo "deps: cannot read $list" >&2; exit 2; }

# One run at a time: `make -j` may start this script for two targets at once,
# and apt-get refuses a second user of the same lists.
mkdir -p "$deps"
exec 9>"$deps/.lock"
flock 9

die() { echo "deps: $*" >&2; exit 1; }
warn() { echo "deps: warning: $*" >&2; }

# The list without comments and blank lines: kind name version [extra].
entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list"; }

installed_version() {
	dpkg-query -W -f '${db:Status-Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 == "installed" { print $2 }'
}

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Binary packages: install the missing ones by name.
missing=""
for_binaries() {
	entries | while read -r kind name tested minimum; do
		case " $kinds " in *" $kind "*) "$@" "$name" "$tested" "${minimum:-}" ;; esac
	done
}
add_missing() { [ -n "$(installed_version "$1")" ] || echo "$1"; }
missing=$(for_binaries add_missing | tr '\n' ' ')

if [ -n "$missing" ]; then
	[ -n "$check_only" ] && die "missing: $missing"
	if [ -n "$dry" ]; then
		echo "deps: would install: $missing"
		apt-get -s -qq install --no-install-recommends $missing </dev/null |
			sed -n 's/^Inst /deps: would install /p'
	else
		echo "deps: installing $missing"
		as_root apt-get update -qq || die "apt-get update failed"
		# shellcheck disable=SC2086 # one word per package
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $missing </dev/null ||
			die "apt-get install failed for: $missing"
	fi
fi

# What is installed now against what was tested.
check_version() {
	name=$1 tested=$2 minimum=$3
	have=$(installed_version "$name")
	[ -n "$have" ] || return 0 # a dry run
	if [ -n "$minimum" ] && dpkg --compare-versions "$have" lt "$minimum"; then
		echo "deps: $name $have is older than $minimum, the oldest that works (see $list)" >&2
		echo fail
		return 0
	fi
	[ "$tested" = "*" ] || [ "$have" = "$tested" ] ||
		warn "$name is $have here, tested with $tested"
}
case "$(for_binaries check_version)" in *fail*) exit 1 ;; esac

# The private apt configuration for source packages.
apt_opts() {
	conf="$deps/apt"
	echo "-o Dir::Etc::SourceList=$conf/etc/sources.list" \
		"-o Dir::Etc::SourceParts=$conf/etc/parts" \
		"-o Dir::State::Lists=$conf/lists" \
		"-o Dir::Cache=$conf/cache" \
		"-o Dir::State::status=/var/lib/dpkg/status"
}

apt_src() {
	conf="$deps/apt"
	[ -f "$conf/ready" ] && return 0
	mkdir -p "$conf/etc/parts" "$conf/lists/partial" "$conf/cache/archives/partial"
	: >"$conf/etc/sources.list"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$conf/etc/sources.list"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*$/Types: deb-src/' "$f" >"$conf/etc/parts/$(basename "$f")"
	done
	# shellcheck disable=SC2046 # apt_opts gives several words
	apt-get -qq $(apt_opts) update || die "apt-get update (sources) failed"
	touch "$conf/ready"
}

# The versions of a source package the archive has now.
source_versions() {
	# shellcheck disable=SC2046
	apt-cache $(apt_opts) showsrc "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | sort -u | tr '\n' ' '
}

fetch_source() {
	name=$1 version=$2 sha=$3
	dest="$deps/src/$name-$version"
	[ -f "$dest/.fetched" ] && return 0
	[ -n "$check_only" ] && die "source package $name $version not fetched"
	[ -n "$dry" ] && { echo "deps: would fetch source $name $version"; return 0; }
	case "$sha" in sha256:????????????????????????????????????????????????????????????????) ;;
	*) die "$list: src $name $version needs the sha256:... of its .dsc" ;; esac
	echo "deps: fetching source $name $version"
	apt_src
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	# shellcheck disable=SC2046
	if ! (cd "$dest.tmp" && apt-get -qq $(apt_opts) source "$name=$version" </dev/null >/dev/null 2>&1); then
		rm -rf "$dest.tmp"
		have=$(source_versions "$name")
		die "source package $name $version is not in the archive any more; it has: ${have:-nothing}. Test one of those and update $list"
	fi
	dsc=$(find "$dest.tmp" -maxdepth 1 -name '*.dsc' | head -n 1)
	got=sha256:$(sha256sum "$dsc" | cut -d' ' -f1)
	if [ "$got" != "$sha" ]; then
		rm -rf "$dest.tmp"
		die "source package $name $version: the .dsc has $got, $list expects $sha"
	fi
	tree=$(find "$dest.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$tree" ] || die "apt-get source $name gave no source tree"
	rm -rf "$dest" && mv "$tree" "$dest" && rm -rf "$dest.tmp"
	touch "$dest/.fetched"
}

entries | while read -r kind name version sha; do
	[ "$kind" = src ] && fetch_source "$name" "$version" "${sha:-}"
	:
done

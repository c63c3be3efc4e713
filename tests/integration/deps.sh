#!/usr/bin/env bash
# Tests the version policy of toolchain/deps.sh with lists that name
# versions the archive no longer has: binary packages are installed at the
# version the archive offers now with one warning; a version below a stated
# minimum, a pinned source version that is gone, and a source whose .dsc
# has another checksum are errors that say what to do. Needs the Debian
# archive (as every fresh set-up does); changes nothing on the machine.
# Prints TAP.
set -u
cd "$(dirname "$0")/../.."
deps=$PWD/toolchain/deps.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-deps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh

# Source look-ups use a private apt configuration; reuse the one made by
# the set-up when it is there.
mkdir -p $tmp/deps
[ -d build/deps/apt ] && cp -R build/deps/apt $tmp/deps/
export UNISHYPER_DEPS_DIR=$tmp/deps

make_v=$(dpkg-query -W -f '${Version}' make)
printf 'bin make 0.1-gone  # a build the archive replaced\n' >$tmp/gone.list
$deps --list $tmp/gone.list >$tmp/out 2>&1
check "an installed package at another version than tested: success" test $? = 0
check "... with one warning line naming both versions" \
	test "$(cat $tmp/out)" = "deps: warning: make is $make_v here, tested with 0.1-gone"

# A package that is not installed, named at a version that is gone: the
# dry run shows apt-get installing the archive's version by name.
absent=
for p in cowsay fortune-mod sl figlet; do
	dpkg-query -W -f '${db:Status-Status}' $p 2>/dev/null | grep -q '^installed' || { absent=$p; break; }
done
candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p'; }
have=$(candidate $absent)
case "$have" in '' | '(none)') apt-get update -qq >/dev/null 2>&1; have=$(candidate $absent) ;; esac
printf 'bin %s 0.1-gone\n' "$absent" >$tmp/absent.list
$deps --dry-run --list $tmp/absent.list >$tmp/out 2>&1
check "a missing package at a gone version: installed by name, not version" test $? = 0
check "... at the version the archive has ($absent $have)" \
	grep -q "would install $absent ($have " $tmp/out
grep -q '0.1-gone' $tmp/out && echo "# asked for the gone version"

printf 'bin make *  99:1  # a feature from a future version\n' >$tmp/min.list
$deps --list $tmp/min.list >$tmp/out 2>&1
check "a package below its stated minimum fails" test $? != 0
check "... with a message naming the minimum" grep -q "make $make_v is older than 99:1" $tmp/out

dsc=sha256:75296f5ef618ae2f1849e22b142a2b5ab52c452ebefa4e7b0564c44617db3790
printf 'src hello 2.10-0gone %s\n' $dsc >$tmp/src.list
$deps --list $tmp/src.list >$tmp/out 2>&1
check "a pinned source version that is gone fails" test $? != 0
check "... naming the version the archive has" \
	grep -q "hello 2.10-0gone is not in the archive any more; it has: 2.10-3" $tmp/out
[ -d $tmp/deps/src/hello-2.10-0gone ] && echo "# left a source tree behind"

printf 'src hello 2.10-3 sha256:%064d\n' 0 >$tmp/sum.list
$deps --list $tmp/sum.list >$tmp/out 2>&1
check "a source whose .dsc has another checksum fails" test $? != 0
check "... naming both checksums" grep -q "the .dsc has $dsc" $tmp/out

printf 'src hello 2.10-3 %s\n' $dsc >$tmp/ok.list
$deps --list $tmp/ok.list >$tmp/out 2>&1 && [ -f $tmp/deps/src/hello-2.10-3/.fetched ]
check "the pinned source with its checksum is fetched" test $? = 0
$deps --list $tmp/ok.list >$tmp/out 2>&1
check "a second run does nothing" test $? = 0 -a ! -s $tmp/out

check "the project's own list passes the check" env -u UNISHYPER_DEPS_DIR $deps --check

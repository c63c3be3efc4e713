#!/usr/bin/env bash
# Host folders shared with the guest over virtio-9p (unishyper-run
# --share). The guest's file system calls (tests/guest/share.c): it
# writes a tree that is checked here byte for byte, with modes and links;
# reads a tree made here; cannot read or list anything outside a share
# through links or ".."; meets EROFS on a read-only share. Its workloads
# (tests/guest/sharestress.c): it writes from several threads; survives
# its share being deleted; copies a large tree between two shares
# (compared here by sha256) and writes a generated one whose hashes are
# recomputed here. Also q35, and unishyper-run's errors for bad --share
# options. Expects build/tests/share.img and build/tests/sharestress.img
# (tests/run.sh builds them). Prints TAP.
set -u
cd "$(dirname "$0")/../.."
RUN=toolchain/bin/unishyper-run
IMG=build/tests/share.img
STRESS=build/tests/sharestress.img
umask 022
tmp=$(mktemp -d "$PWD/build/share-test.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
. tests/integration/tap.sh

# boot LABEL IMAGE [unishyper-run options...] -- ARGS: boots IMAGE, relays
# the guest's TAP lines as comments and checks that they all passed.
boot() {
	local label=$1 img=$2 rc
	shift 2
	$RUN "$img" --timeout 90 "$@" </dev/null >"$tmp/out" 2>&1
	rc=$?
	guest_passed "$label" $rc
}
guest_passed() { # guest_passed LABEL STATUS, on the output in $tmp/out
	sed -n "s/^\(not ok\|ok\) [0-9]* - /# $1 guest: \1 - /p; s/^#   /# $1 guest:     /p" "$tmp/out"
	[ "$2" = 0 ] || tail -n 5 "$tmp/out" | sed 's/^/# | /'
	check "$1: the guest's checks pass (status $2)" \
		bash -c "[ $2 = 0 ] && grep -q '^ok' '$tmp/out' && ! grep -q '^not ok' '$tmp/out'"
}

# One line per entry under a folder: type, mode, size and sha256 of files,
# the target of links.
describe() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
		if [ -L "$p" ]; then
			echo "link $p -> $(readlink "$p")"
		elif [ -d "$p" ]; then
			echo "dir  $p $(stat -c %a "$p")"
		else
			echo "file $p $(stat -c '%a %s' "$p") $(sha256sum <"$p" | cut -c1-16)"
		fi
	done)
}
same() { # same EXPECTED GOT: compares two files, shows the difference
	diff -u "$1" "$2" >"$tmp/diff" && return
	sed 's/^/# /' "$tmp/diff" | head -n 40
	return 1
}
same_tree() { same <(describe "$1") <(describe "$2"); }
# The bytes of file k, as the guest's pattern() (tests/guest/share.h).
pattern() {
	python3 -c "import sys; k, s = int(sys.argv[1]), int(sys.argv[2])
sys.stdout.buffer.write(bytes((i * 7 + k * 13) % 251 for i in range(s)))" "$1" "$2"
}

# unishyper-run refuses bad shares before booting.
mkdir -p "$tmp/a" "$tmp/b"
: >"$tmp/file"
bad_share() { # bad_share DESCRIPTION WORD-IN-MESSAGE OPTIONS...
	local what=$1 word=$2
	shift 2
	$RUN $IMG "$@" </dev/null >/dev/null 2>"$tmp/err"
	local rc=$?
	check "$what: status 125 with a message (status $rc)" \
		bash -c "[ $rc = 125 ] && grep -q '^unishyper-run: .*$word' '$tmp/err'"
}
bad_share "--share of a missing folder" "$tmp/missing" --share "$tmp/missing"
bad_share "--share of a file" "$tmp/file" --share "$tmp/file"
bad_share "--share with a relative guest path" "absolute" --share "$tmp/a:data"
bad_share "a second share at the root" "only the first share can be the root" --share "$tmp/a:/data" --share "$tmp/b:/"
bad_share "two shares at /host" "/host" --share "$tmp/a" --share "$tmp/b"
bad_share "two shares at /data" "/data" --share "$tmp/a:/data" --share "$tmp/b:/data:ro"
bad_share "--share without a folder" "" --share

# write, on both machines: the guest's tree against the one made here.
x=$tmp/expect-write
mkdir -p "$x/d/e" "$x/d/sub2" "$x/many"
printf 012345 >"$x/a.txt"
{ printf 0123456789; head -c 3990 /dev/zero; } >"$x/grown.bin"
pattern 3 1000003 >"$x/big.bin"
printf '#!/bin/sh\n' >"$x/mode.sh"
printf 'utf-8 name\n' >"$x/naïve file.txt"
printf 'owned\n' >"$x/owned.txt"
: >"$x/.hidden"
printf 'new content\n' >"$x/d/old"
printf 'moved\n' >"$x/d/moved"
printf 'relative\n' >"$x/d/rel.txt"
printf 'at\n' >"$x/d/e/at.txt"
printf 'inner\n' >"$x/d/sub2/inner.txt"
for i in $(seq 0 2 98); do printf '%d\n' $i >"$x/many/$(printf f%03d $i)"; done
ln -s a.txt "$x/link"
ln -s d "$x/dlink"
printf 'private\n' >"$x/private"
printf 'umask\n' >"$x/umasked"
mkdir "$x/privdir"
chmod 600 "$x/grown.bin" "$x/private" "$x/umasked"
chmod 700 "$x/privdir"
chmod 750 "$x/mode.sh"
chmod 700 "$x/d/e"
for machine in microvm q35; do
	w=$tmp/write-$machine
	mkdir "$w"
	boot "write $machine" $IMG --machine $machine --share "$w" -- write /host
	check "$machine: the tree the guest wrote is exact (names, modes, sizes, contents, links)" \
		same_tree "$x" "$w"
	check "$machine: chown reaches the host" bash -c "[ \"\$(stat -c %u:%g '$w/owned.txt')\" = 1234:4321 ]"
	check "$machine: utimensat's time reaches the host to the nanosecond" \
		python3 -c "import os,sys; sys.exit(os.stat('$w/a.txt').st_mtime_ns != 2000000000000500)"
	read -r _ bsize blocks < <(grep '^statfs ' "$tmp/out")
	check "$machine: statfs gives the size of the host file system" python3 -c "
import os, sys
s = os.statvfs('$w'); host = s.f_frsize * s.f_blocks; got = ${bsize:-0} * ${blocks:-0}
print('# statfs: guest %d bytes, host %d' % (got, host)); sys.exit(abs(got - host) > host // 100)"
done

# check: a tree made here, read by the guest, left unchanged.
c=$tmp/check
mkdir -p "$c/a/b/c" "$c/emptydir" "$c/many"
printf 'hello from the host\n' >"$c/hello.txt"
printf 'deep\n' >"$c/a/b/c/deep.txt"
printf 'hidden\n' >"$c/.hidden"
printf 'spaces\n' >"$c/name with spaces.txt"
printf 'utf8\n' >"$c/ünïcødé.txt"
: >"$c/empty"
printf '#!/bin/sh\n' >"$c/exec.sh"
printf x >"$c/secret-mode"
printf old >"$c/old.txt"
chmod 755 "$c/exec.sh"
chmod 600 "$c/secret-mode"
touch -d @1000000000 "$c/old.txt"
pattern 5 $((3 << 20)) >"$c/big.bin"
for i in $(seq 0 299); do printf 'file %d\n' $i >"$c/many/$(printf n%03d $i)"; done
ln -s a/b/c/deep.txt "$c/link"
ln -s a/b "$c/dlink"
ln -s link "$c/chain"
ln -s ../../hello.txt "$c/a/b/up"
truncate -s 5G "$c/sparse.bin"
printf 'tail\n' >>"$c/sparse.bin"
stamp() { (cd "$1" && find . -printf '%p %y %m %s %T@ %l\n' | LC_ALL=C sort); }
stamp "$c" >"$tmp/check.before"
boot check $IMG --share "$c" -- check /host
check "check: the guest changed nothing" same "$tmp/check.before" <(stamp "$c")

# escape: links and walks out of the share.
e=$tmp/esc
mkdir -p "$e/outside" "$e/share/sub"
secret="unishyper-secret-$RANDOM$RANDOM"
echo "$secret" >"$e/outside/secret"
: >"$e/outside/marker-outside"
printf 'inside\n' >"$e/share/ok.txt"
ln -s "$e/outside/secret" "$e/share/abs"
ln -s "$e/outside" "$e/share/absdir"
ln -s ../outside/secret "$e/share/rel"
ln -s ../../outside/secret "$e/share/sub/rel2"
ln -s ../outside "$e/share/reldir"
ln -s / "$e/share/root"
ln -s "$e/outside/created-by-guest" "$e/share/dangling"
ln -s loop2 "$e/share/loop1"
ln -s loop1 "$e/share/loop2"
ln -s self "$e/share/self"
boot escape $IMG --share "$e/share" -- escape /host "$e/outside/secret"
check "escape: the secret is unchanged" bash -c "[ \"\$(cat '$e/outside/secret')\" = '$secret' ]"
check "escape: nothing was made outside the share" \
	bash -c "[ \"\$(ls -A '$e/outside' | tr '\n' ' ')\" = 'marker-outside secret ' ] &&
		[ \"\$(ls -A '$e' | tr '\n' ' ')\" = 'outside share ' ]"
check "escape: the guest's links are plain links in the share" \
	bash -c "[ \"\$(readlink '$e/share/mine')\" = '$e/outside/secret' ] &&
		[ \"\$(readlink '$e/share/mine2')\" = ../outside/secret ]"

# ro: a read-only share, in a folder whose name has a comma and spaces.
r="$tmp/ro, with comma and space"
mkdir -p "$r/d" "$r/empty"
printf 'read only\n' >"$r/file.txt"
printf 'inner\n' >"$r/d/inner.txt"
stamp "$r" >"$tmp/ro.before"
boot "read-only" $IMG --share "$r:/ro:ro" -- ro /ro
check "read-only: the folder is unchanged, times included" same "$tmp/ro.before" <(stamp "$r")

# threads: 4 threads on 2 CPUs, checked again here.
t=$tmp/threads
mkdir "$t"
boot threads $STRESS --smp 2 --share "$t:/data" -- threads /data 4
# The same on a small guest, whose share gets one request slot of a
# smaller message size: the threads take turns.
mkdir "$t.small"
boot "threads, 8 MiB guest" $STRESS --mem 8 --smp 2 --share "$t.small:/data" -- threads /data 4
check "threads: the host sees every thread's files with their contents" python3 -c "
import os, sys
bad = 0
for i in range(4):
    for j in range(16):
        k = i * 16 + j; size = 1000 + (k * 7919) % 90000
        with open('$t/t%d/f%02d' % (i, j), 'rb') as f:
            bad += f.read() != bytes((x * 7 + k * 13) % 251 for x in range(size))
        with open('$t/shared/t%d-%02d' % (i, j)) as f:
            bad += f.read() != 'thread %d file %d\n' % (i, j)
bad += len(os.listdir('$t/shared')) != 64
with open('$t/common.bin', 'rb') as f:
    data = f.read()
bad += data != b''.join(bytes((x * 7 + b * 13) % 251 for x in range(32768)) for b in range(64))
sys.exit(bad)"

# vanish: the host changes the share, then deletes it, each time while
# the guest waits for a line.
v=$tmp/vanish
mkdir -p "$v/share/sub"
printf 'here\n' >"$v/share/file.txt"
mkfifo "$tmp/vanish.in"
$RUN $STRESS --timeout 90 --share "$v/share" -- vanish /host <"$tmp/vanish.in" >"$tmp/out" 2>&1 &
pid=$!
exec 3>"$tmp/vanish.in"
await() { for _ in $(seq 600); do grep -q "^# $1" "$tmp/out" && break; sleep 0.1; done; }
await 'ready 1'
printf 'changed on the host\n' >"$v/share/file.txt"
printf 'new\n' >"$v/share/new.txt"
echo go >&3
await 'ready 2'
rm -rf "$v/share"
echo go >&3
wait $pid
rc=$?
exec 3>&-
guest_passed vanish $rc
check "vanish: the deleted folder stays deleted" test ! -e "$v/share"

# A large tree from one share to another, compared by sha256.
src=$tmp/big-src dst=$tmp/big-dst
mkdir -p "$dst"
python3 - "$src" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7)
for top in range(4):
    for sub in range(5):
        d = os.path.join(root, 'top %d' % top, 'sub-%d' % sub, 'leaf')
        os.makedirs(d)
        for f in range(15):
            size = rnd.choice([0, 1, 511, 4096, 4097]) if f < 3 else rnd.randrange(64 << 10)
            where = d if f % 2 else os.path.dirname(d)
            with open(os.path.join(where, 'file-%02d.dat' % f), 'wb') as out:
                out.write(os.urandom(size))
    with open(os.path.join(root, 'top %d' % top, 'large.bin'), 'wb') as out:
        out.write(os.urandom((5 << 20) + top * 12345))
os.makedirs(os.path.join(root, 'empty', 'deeper'))
PY
sums() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum &&
		find . -type d | LC_ALL=C sort)
}
boot copy $STRESS --share "$src:/host:ro" --share "$dst:/data" -- copy /host /data
check "copy: $(find "$src" -type f | wc -l) files, $(du -sm "$src" | cut -f1) MiB arrive identical (sha256)" \
	same <(sums "$src") <(sums "$dst")

# A tree the guest generates, at a deeper guest path, its hashes
# recomputed here.
g=$tmp/gen
mkdir "$g"
boot gen $STRESS --share "$g:/mnt/deep/gen" -- gen /mnt/deep/gen
grep '^hash ' "$tmp/out" >"$tmp/hashes"
check "gen: the files' FNV-1a hashes and sizes match what the guest wrote" python3 - "$g" "$tmp/hashes" <<'PY'
import os, sys
root, bad, listed = sys.argv[1], 0, set()
for line in open(sys.argv[2]):
    _, want, size, path = line.split(' ', 3)
    path = path.rstrip('\n')
    listed.add(path)
    data = open(os.path.join(root, path), 'rb').read()
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    if '%016x' % h != want or len(data) != int(size):
        print('# %s: %016x %d bytes, the guest said %s %s' % (path, h, len(data), want, size))
        bad += 1
found = {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}
if found != listed or len(listed) != 120:
    print('# %d files listed by the guest, %d found' % (len(listed), len(found)))
    bad += 1
sys.exit(bad != 0)
PY

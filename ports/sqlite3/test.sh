#!/bin/sh
# Tests the sqlite3 port: builds it (ports/sqlite3/build.sh), checks the
# images and the sysroot, links a program of its own with -lsqlite3, and
# runs a fixed part of SQLite's own Tcl test suite (testfixture) natively
# and with the images, which run as host commands. Unishyper must pass at
# least 95 % of the test cases the native build passes; the files and the
# cases that fail are named. Prints TAP; exits 0 only when every check
# passes.
#
# usage: ports/sqlite3/test.sh [OUTDIR]   (default build/ports/sqlite3)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/ports/sqlite3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sqlite3-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/ports/check.sh"

# The test files, relative to the source tree: WAL (with its
# shared-memory file mapped), memory-mapped I/O, the pager and journals,
# core SQL, JSON and FTS5. A file that uses do_multiclient_test runs as
# the suite's "valgrind" permutation runs it (test/permutations.test):
# the same file, except that do_multiclient_test runs only its variant
# with all connections in one process, not the one that starts two more
# testfixture processes beside it, which an image cannot (no program
# loader; a fork child runs only while its parent waits).
files="test/wal.test test/wal2.test test/wal4.test test/wal5.test test/wal6.test
	test/wal7.test test/wal8.test test/wal9.test test/walbak.test test/walbig.test
	test/walhook.test test/walmode.test test/walnoshm.test test/walpersist.test
	test/walro.test test/walshared.test test/walvfs.test
	test/mmap1.test test/mmap2.test test/mmap3.test test/mmap4.test
	test/mmapfault.test test/mmapwarm.test
	test/pager1.test test/pager3.test test/pager4.test test/pageropt.test
	test/journal1.test test/journal2.test test/journal3.test
	test/select1.test test/select2.test test/select3.test test/select4.test
	test/select5.test test/select6.test test/select7.test test/select8.test
	test/selectA.test test/insert.test test/insert2.test test/update.test
	test/delete.test test/index.test test/index2.test test/func.test
	test/func2.test test/date.test test/date2.test test/lock.test test/vacuum.test
	test/json101.test test/json102.test test/json103.test test/json104.test
	test/json105.test
	ext/fts5/test/fts5ab.test ext/fts5/test/fts5ad.test ext/fts5/test/fts5ae.test
	ext/fts5/test/fts5ag.test ext/fts5/test/fts5ai.test ext/fts5/test/fts5ak.test
	ext/fts5/test/fts5al.test ext/fts5/test/fts5multiclient.test"
# The shell's own tests: testfixture (native) runs ./sqlite3, the native
# program or the image, as a host command.
shellfiles="test/shell1.test test/shell3.test test/shell4.test test/shell5.test
	test/shell8.test"
# Files that start a second testfixture process in nearly every case
# (crashsql and launch_testfixture): run both ways and reported, not
# counted.
hostonly="test/walcrash.test test/lock2.test"
limit=300

# run TESTFIXTURE TREE CLI DIR FILE: runs the test file TREE/FILE in a new
# folder DIR (its tests write there, and find the shell as DIR/sqlite3, a
# link to CLI); prints "ERRORS TESTS", or "- -" when the file printed no
# summary (it stopped early).
run() {
	rm -rf "$4"
	mkdir -p "$4"
	ln -s "$3" "$4/sqlite3"
	if grep -q do_multiclient_test "$2/$5"; then
		(cd "$4" && timeout "$limit" "$1" "$2/test/permutations.test" valgrind \
			"$(basename "$5")") </dev/null >"$4/log" 2>&1
	else
		(cd "$4" && timeout "$limit" "$1" "$2/$5") </dev/null >"$4/log" 2>&1
	fi
	echo $? >"$4/rc"
	r=$(sed -n 's/^\([0-9]*\) errors out of \([0-9]*\) tests.*/\1 \2/p' "$4/log" | tail -n 1)
	echo "${r:-- -}"
}

# why DIR: what stopped a file early, or the first cases that failed.
why() {
	if [ "$(cat "$1/rc")" = 124 ]; then
		echo "timed out after $limit s"
	elif grep -q '^[0-9]* errors out of' "$1/log"; then
		sed -n 's/^!Failures on these tests: //p' "$1/log" | tr ' ' '\n' | head -n 6 |
			tr '\n' ' ' | sed 's/ $//'
	else
		# the line after the last passing case: Tcl's error
		last=$(grep -n ' Ok$' "$1/log" | tail -n 1 | cut -d: -f1)
		sed -n "$((${last:-0} + 1))p" "$1/log" | cut -c1-100
	fi
}

# compare GROUP NTF NCLI UTF UCLI FILES...: runs FILES with
# testfixture NTF and shell NCLI, then with UTF and UCLI; prints one TAP
# comment per file. Leaves "NPASS NTOTAL UPASS UTOTAL NSECS USECS" in
# $tmp/GROUP.sum (a file that stopped early counts none of its cases as
# passed, out of as many as the other run had; the seconds each side took), the files natively stopped early in
# $tmp/GROUP.nstop and the files whose result differs in $tmp/GROUP.diff.
compare() {
	group=$1 ntf=$2 ncli=$3 utf=$4 ucli=$5
	shift 5
	np=0 nt=0 up=0 ut=0 ns=0 us=0
	: >"$tmp/$group.nstop"
	: >"$tmp/$group.diff"
	for f in "$@"; do
		name=$(basename "$f")
		d=$tmp/$group/${name%.test}
		t0=$(date +%s)
		read -r ne nn <<EOR
$(run "$ntf" "$ntree" "$ncli" "$d/native" "$f")
EOR
		t1=$(date +%s)
		read -r ue un <<EOR
$(run "$utf" "$tree" "$ucli" "$d/image" "$f")
EOR
		t2=$(date +%s)
		ns=$((ns + t1 - t0)) us=$((us + t2 - t1))
		if [ "$nn" = - ]; then
			line="# $name: natively stopped early ($(why "$d/native")) in $((t1 - t0)) s"
			echo "$name" >>"$tmp/$group.nstop"
			[ "$un" = - ] || nt=$((nt + un))
		else
			line="# $name: natively $ne errors out of $nn tests in $((t1 - t0)) s"
			np=$((np + nn - ne)) nt=$((nt + nn))
		fi
		if [ "$un" = - ]; then
			line="$line; image stopped early ($(why "$d/image")) in $((t2 - t1)) s"
			[ "$nn" = - ] || ut=$((ut + nn))
		else
			line="$line; image $ue errors out of $un tests in $((t2 - t1)) s"
			[ "$ue" = 0 ] || line="$line ($(why "$d/image"))"
			up=$((up + un - ue)) ut=$((ut + un))
		fi
		[ "$ne $nn" = "$ue $un" ] || echo "$name" >>"$tmp/$group.diff"
		echo "$line"
	done
	echo "$np $nt $up $ut $ns $us" >"$tmp/$group.sum"
}

echo "1..7"
if ! "$top/ports/sqlite3/build.sh" "$out" >"$tmp/err" 2>&1; then
	check 1 "builds Tcl and SQLite with their configure and CC=unishyper-gcc"
	echo "Bail out! the build failed"
	exit 1
fi
out=$(cd "$out" && pwd)
tree=$out/sqlite-3.40.1
ntree=$out/native/sqlite-3.40.1
sysroot=$top/build/sysroot
ok=0
for f in "$tree/testfixture" "$tree/sqlite3" "$tree/speedtest1"; do
	readelf -n "$f" 2>/dev/null | grep -q Xen || ok=1
done
# configure ran its test programs (the images run as host commands)
sed -n '/checking whether we are cross compiling/,/result:/p' "$tree/config.log" |
	tail -n 1 | grep -q 'result: no$' || ok=1
check $ok "builds with configure and CC=unishyper-gcc (not a cross build): testfixture, sqlite3 and speedtest1 are images"
[ -f "$sysroot/lib/libsqlite3.a" ] && [ -f "$sysroot/include/sqlite3.h" ] &&
	[ -f "$sysroot/lib/pkgconfig/sqlite3.pc" ] && [ ! -e "$sysroot/lib/libsqlite3.la" ]
check $? "libsqlite3.a, sqlite3.h and sqlite3.pc are in the sysroot"

# Two connections of one program on a WAL database with memory-mapped
# I/O: a reader's snapshot stays while the writer commits; the native
# shell then reads the file the image left.
cat >"$tmp/wal.c" <<'EOC'
#include <sqlite3.h>
#include <stdio.h>

static sqlite3_int64 count(sqlite3 *db)
{
	sqlite3_stmt *st;
	sqlite3_int64 n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, 0) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int run(sqlite3 *db, const char *sql)
{
	char *err = 0;

	if (sqlite3_exec(db, sql, 0, 0, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		return 1;
	}
	return 0;
}

int main(void)
{
	sqlite3 *w, *r;
	sqlite3_int64 before, snapshot, after;
	int i;

	if (sqlite3_open("t.db", &w) || sqlite3_open("t.db", &r) ||
	    run(w, "PRAGMA journal_mode=WAL; PRAGMA mmap_size=268435456;"
		   "CREATE TABLE t(x); INSERT INTO t VALUES(randomblob(500))") ||
	    run(r, "PRAGMA mmap_size=268435456; BEGIN"))
		return 1;
	before = count(r);
	for (i = 0; i < 10; i++)
		if (run(w, "INSERT INTO t SELECT randomblob(500) FROM t"))
			return 1;
	snapshot = count(r);
	if (run(r, "COMMIT"))
		return 1;
	after = count(r);
	printf("%s %lld %lld %lld\n", sqlite3_libversion(), before, snapshot, after);
	return sqlite3_close(r) || sqlite3_close(w);
}
EOC
# shellcheck disable=SC2046 # pkg-config's words
"$top/toolchain/bin/unishyper-gcc" -O2 -o "$tmp/wal" "$tmp/wal.c" \
	$("$top/toolchain/bin/unishyper-pkg-config" --cflags --libs sqlite3) >"$tmp/err" 2>&1 &&
	(cd "$tmp" && ./wal) >"$tmp/out" 2>>"$tmp/err" </dev/null && grep -qx '3\.40\.1 1 1 1024' "$tmp/out" &&
	[ "$("$ntree/sqlite3" "$tmp/t.db" 'PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM t' |
		tr '\n' ' ')" = "wal ok 1024 " ]
check $? "a program linked with -lsqlite3 from the sysroot: a WAL snapshot with mmap holds while another connection commits ($(cat "$tmp/out" 2>/dev/null)); the native shell reads the file back"

# shellcheck disable=SC2086 # one word per file
compare suite "$ntree/testfixture" "$ntree/sqlite3" "$tree/testfixture" "$tree/sqlite3" $files
read -r np nt up ut ns us <"$tmp/suite.sum"
nstop=$(tr '\n' ' ' <"$tmp/suite.nstop" | sed 's/ $//')
[ "$np" -gt 0 ] && [ -z "$nstop" ]
check $? "SQLite's test files natively (musl-gcc -static): $np of $nt cases pass in $ns s${nstop:+; stopped early: $nstop}"
diff=$(tr '\n' ' ' <"$tmp/suite.diff" | sed 's/ $//')
[ "$up" -gt 0 ] && [ $((up * 100)) -ge $((np * 95)) ]
check $? "SQLite's test files with the testfixture image: $up of $ut cases pass ($np natively) in $us s${diff:+; files that differ: $diff}"
suite_result "$np" "$up" "$ut" "$ns" "$us"

# shellcheck disable=SC2086
compare shell "$ntree/testfixture" "$ntree/sqlite3" "$ntree/testfixture" "$tree/sqlite3" $shellfiles
read -r np nt up ut ns us <"$tmp/shell.sum"
nstop=$(tr '\n' ' ' <"$tmp/shell.nstop" | sed 's/ $//')
[ "$np" -gt 0 ] && [ -z "$nstop" ]
check $? "the shell's test files with the native shell: $np of $nt cases pass in $ns s${nstop:+; stopped early: $nstop}"
diff=$(tr '\n' ' ' <"$tmp/shell.diff" | sed 's/ $//')
[ "$up" -gt 0 ] && [ $((up * 100)) -ge $((np * 95)) ]
check $? "the shell's test files with the sqlite3 image: $up of $ut cases pass ($np natively) in $us s${diff:+; files that differ: $diff}"

echo "# Not counted: files that start a second testfixture process in nearly every case"
# shellcheck disable=SC2086
compare hostonly "$ntree/testfixture" "$ntree/sqlite3" "$tree/testfixture" "$tree/sqlite3" $hostonly

[ "$failed" = 0 ]

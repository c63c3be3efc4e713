#!/usr/bin/env bash
# Programs that must behave in Unishyper exactly as natively: each
# tests/compare/NAME.c is built twice, with Debian's musl-gcc -static for the
# host and with unishyper-gcc for an image, both run without input, and
# their standard output and exit status must be the same. Prints TAP.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unishyper-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. tests/integration/tap.sh

same() { # NAME: native and image agree
	local name=$1 rn ru
	"$tmp/$name.native" >"$tmp/$name.n" </dev/null 2>/dev/null
	rn=$?
	toolchain/bin/unishyper-run "$tmp/$name.img" --timeout 120 >"$tmp/$name.u" </dev/null
	ru=$?
	diff -u "$tmp/$name.n" "$tmp/$name.u" | head -n 20 | sed 's/^/# /'
	[ "$rn" = "$ru" ] || echo "# exit status $ru in the image, $rn natively"
	cmp -s "$tmp/$name.n" "$tmp/$name.u" && [ "$rn" = "$ru" ]
}

for src in tests/compare/*.c; do
	name=$(basename "$src" .c)
	if musl-gcc -static -O2 -o "$tmp/$name.native" "$src" -lm 2>"$tmp/$name.err" &&
		toolchain/bin/unishyper-gcc -O2 -o "$tmp/$name.img" "$src" -lm 2>>"$tmp/$name.err"; then
		check "$name: the image prints and exits as the native program" same "$name"
	else
		sed 's/^/# /' "$tmp/$name.err"
		check "$name: builds natively and as an image" false
	fi
done

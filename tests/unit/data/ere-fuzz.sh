#!/bin/sh
# tests/unit/data/ere-fuzz.sh [ROUNDS [SEED [PIECES]]] — randomized
# differential test of the ERE translator (src/conf/ere.c) against GNU grep -E
# with LC_ALL=C.
# Not part of make check: it needs GNU grep, and checks the Hyperscan
# translation too when /usr/include/hs/hs.h exists.  PIECES (default 8)
# bounds the pieces per pattern.  Exit 0 when every round agrees with
# grep; mismatches are printed (see ere-fuzz.c for the one known kind).
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
rounds=${1:-3000}
seed=${2:-$(date +%s)}

make -s -C "$root" build/liblogward.a
tmp=$(mktemp -d /tmp/ere-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

hsflags=""
hslibs=""
if [ -f /usr/include/hs/hs.h ]; then
    hsflags="-DWITH_HS"
    hslibs="-lhs"
fi
# shellcheck disable=SC2046,SC2086
cc -std=c11 -D_GNU_SOURCE -O1 -g $hsflags -I"$root/src" \
    $(pkg-config --cflags libpcre2-8) -o "$tmp/ere-fuzz" \
    "$root/tests/unit/data/ere-fuzz.c" "$root/build/liblogward.a" \
    $(pkg-config --libs libpcre2-8) $hslibs
echo "ere-fuzz: seed $seed"
"$tmp/ere-fuzz" "$tmp" "$rounds" "$seed" "${3:-8}"

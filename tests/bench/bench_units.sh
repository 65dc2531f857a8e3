#!/bin/sh
# bench_units.sh -- the speed figures the unit tests no longer assert (no
# wall-clock or CPU-time bound in make check; tests/bench/bench_units.c).
# Not a test: machines are noisy.  Run from the build directory after make:
#     sh tests/bench/bench_units.sh
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
arb_libs="-lflint-arb -lflint"
$CC -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib" -I. "$top/tests/bench/bench_units.c" \
    .libs/libdualact_internal.a lib/core/.libs/version.o $(pkg-config --libs gsl) $arb_libs \
    -lmpfr -lgmp -lm -lpthread -o "$tmp/bench_units" 2>/dev/null ||
$CC -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib" -I. "$top/tests/bench/bench_units.c" \
    .libs/libdualact_internal.a lib/core/.libs/version.o $(pkg-config --libs gsl) -lflint \
    -lmpfr -lgmp -lm -lpthread -o "$tmp/bench_units"
"$tmp/bench_units"

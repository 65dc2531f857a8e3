#!/bin/sh
# run-hostile.sh [SECONDS] -- the hostile-input fuzzers, SECONDS each
# (default 600), beside run-fuzz.sh (the expression fuzzer):
#   1. fuzz_data: libFuzzer + ASan + UBSan on the data-file reader
#      (da_gram_data_parse), corpus tests/fuzz/data-corpus;
#   2. fuzz_cli: random and mutated command lines against a dualact built
#      with ASan + UBSan (a copy of the tree, configured in FUZZ_OUT/asan).
# Environment: CC (default clang), FUZZ_OUT (default /tmp/dualact-hostile),
# FUZZ_SEED (fuzz_cli seed, default the time), FUZZ_CLI_SAFE=1 (leave out
# the formulas with huge scales whose failures belong to the engine).
# Findings: libFuzzer artifacts in FUZZ_OUT/artifacts; fuzz_cli prints each
# failing command line.  Exit status 1 when either found something.
set -u
secs=${1:-600}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CC:-clang}
out=${FUZZ_OUT:-/tmp/dualact-hostile}
seed=${FUZZ_SEED:-$(date +%s)}
mkdir -p "$out/corpus" "$out/artifacts"
cp -n "$here"/data-corpus/* "$out/corpus/" 2>/dev/null || true
confdir=$top
[ -f "$top/config.h" ] || { confdir=$out; printf '#define PACKAGE_VERSION "fuzz"\n' > "$out/config.h"; }
status=0
# Arb/FLINT as configure found them (see run-fuzz.sh)
arb_libs=$(sed -n 's/^ARB_LIBS = //p' "$top/Makefile" 2>/dev/null)
if [ -z "$arb_libs" ]; then
    if echo '#include <flint/arb.h>' | $cc -E -x c - >/dev/null 2>&1; then
        arb_libs=-lflint
    else
        arb_libs="-lflint-arb -lflint"
    fi
fi

# 1. the data-file reader under libFuzzer (lib/core/error.c releases the
#    Gauss-Legendre rules and Arb's caches at thread exit: lib/quad)
# shellcheck disable=SC2086
$cc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$top/lib" -I"$confdir" \
    "$here/fuzz_data.c" "$top/lib/analysis/data.c" "$top/lib/core/error.c" "$top/lib/core/ball.c" \
    "$top/lib/quad/gl_arb.c" "$top/lib/quad/gl_table.c" \
    -o "$out/fuzz_data" -lgsl -lgslcblas $arb_libs -lmpfr -lgmp -lm -lpthread || exit 2
echo "run-hostile: fuzz_data for $secs s"
(cd "$out" && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ./fuzz_data \
    -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus" 2>&1 |
    tee "$out/fuzz_data.log" | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)')
grep -q 'ERROR\|SUMMARY' "$out/fuzz_data.log" && status=1

# 2. the command line against an ASan + UBSan build
if [ ! -x "$out/asan/dualact" ]; then
    rm -rf "$out/asan"
    mkdir -p "$out/asan"
    (cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf -) |
        tar -xf - -C "$out/asan"
    (cd "$out/asan" && ./bootstrap >/dev/null 2>&1 &&
        ./configure -q CC="$cc" CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
            LDFLAGS="-fsanitize=address,undefined" && make -j"$(nproc)" dualact >/dev/null) || exit 2
fi
$cc -std=c11 -O1 -g "$here/fuzz_cli.c" -o "$out/fuzz_cli" -lm || exit 2
echo "run-hostile: fuzz_cli for $secs s, seed $seed"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/fuzz_cli" "$out/asan/dualact" "$secs" "$seed" | tee "$out/fuzz_cli.log" | tail -40
grep -q '^FINDING' "$out/fuzz_cli.log" && status=1
exit $status

#!/bin/sh
# run-fuzz.sh [SECONDS] -- build tests/fuzz/fuzz_expr.c with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer, and run it for SECONDS
# (default 600) on a copy of the seed corpus.
#
# Environment: CC (default clang), FUZZ_OUT (build and work directory,
# default /tmp/dualact-fuzz), FUZZ_EXTRA (extra sources to link, e.g. stubs
# for library parts not yet written), FUZZ_SKIP (library file names to leave
# out, e.g. "expr_analyze.c" while it is being written; give stubs for it in
# FUZZ_EXTRA), FUZZ_JOBS (parallel jobs, default 1).
set -eu
secs=${1:-600}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CC:-clang}
out=${FUZZ_OUT:-/tmp/dualact-fuzz}
jobs=${FUZZ_JOBS:-1}
mkdir -p "$out/corpus" "$out/artifacts"
cp -n "$here"/corpus/* "$out/corpus/" 2>/dev/null || true

# The library sources: every lib/act and lib/core file (the code under
# test), plus the library sources Makefile.am lists (lib/core refers to
# other modules, e.g. for their caches).  config.h comes from a configured
# tree if there is one.
if [ -f "$top/config.h" ]; then
    confdir=$top
else
    confdir=$out
    [ -f "$out/config.h" ] || cat > "$out/config.h" <<'CONF'
#define PACKAGE_VERSION "fuzz"
#define PACKAGE_STRING "dualact fuzz"
CONF
fi
listed=$(awk '/^libdualact(_internal)?_la_SOURCES[ \t]*=/ { f = 1 }
              f { for (i = 1; i <= NF; i++) if ($i ~ /\.c$/) print $i
                  if ($0 !~ /\\$/) f = 0 }' "$top/Makefile.am" 2>/dev/null || true)
srcs=
for f in "$top"/lib/act/*.c "$top"/lib/core/*.c $(for l in $listed; do echo "$top/$l"; done); do
    [ -f "$f" ] || continue
    case " $srcs " in *" $f "*) continue ;; esac
    case " ${FUZZ_SKIP:-} " in *" $(basename "$f") "*) continue ;; esac
    srcs="$srcs $f"
done

# Arb/FLINT as configure found them (FLINT 3: -lflint; FLINT 2 with the
# separate Arb: -lflint-arb -lflint), else the flint/arb.h test configure makes
arb_libs=$(sed -n 's/^ARB_LIBS = //p' "$top/Makefile" 2>/dev/null)
if [ -z "$arb_libs" ]; then
    if echo '#include <flint/arb.h>' | $cc -E -x c - >/dev/null 2>&1; then
        arb_libs=-lflint
    else
        arb_libs="-lflint-arb -lflint"
    fi
fi

# shellcheck disable=SC2086
$cc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -Wall -Wextra -I"$top/lib" -I"$confdir" \
    "$here/fuzz_expr.c" $srcs ${FUZZ_EXTRA:-} -o "$out/fuzz_expr" \
    -lgsl -lgslcblas $arb_libs -lmpfr -lgmp -lm -lpthread

# with -jobs, libFuzzer writes fuzz-N.log into the current directory
cd "$out"
par=
[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
echo "fuzzing for $secs s; corpus $out/corpus, crashes in $out/artifacts"
# shellcheck disable=SC2086
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
"$out/fuzz_expr" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -dict="$here/expr.dict" $par \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus"

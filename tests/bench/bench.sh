#!/bin/sh
# bench.sh -- speed of dualact against a peer (mpmath) in the same run, and
# standalone timings against the targets of the engine issue.
# Not a test: machines are noisy.  Run from the build directory:
#     sh tests/bench/bench.sh            (or: make bench)
# Figures are recorded in docs/benchmarks.md.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# the real binary, not libtool's wrapper script (which costs ~30 ms a run)
if [ -z "${DUALACT:-}" ]; then
    if [ -x .libs/dualact ]; then
        # exported, not through env(1): an extra exec would be timed too
        LD_LIBRARY_PATH=$(pwd)/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        export LD_LIBRARY_PATH
        DUALACT="$(pwd)/.libs/dualact"
    else
        DUALACT=./dualact
    fi
fi
PY=${PYTHON3:-python3}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# best of N runs of a command, in seconds
best() {
    n=$1; shift
    b=""
    i=0
    while [ $i -lt "$n" ]; do
        t0=$(now); "$@" >/dev/null; t1=$(now)
        t=$(elapsed "$t0" "$t1")
        if [ -z "$b" ] || lt "$t" "$b"; then b=$t; fi
        i=$((i + 1))
    done
    echo "$b"
}

echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
echo "dualact $($DUALACT --version | cut -d' ' -f2), mpmath $($PY -c 'import mpmath; print(mpmath.__version__)')"
echo

# 1. raw tanh a_0..a_20 to 50 digits: dualact (whole process) vs mpmath
t_da=$(best 5 $DUALACT coeffs tanh --raw --degree 20 --digits 50 --format csv)
t_mp=$($PY "$top/tests/bench/mpmath_tanh.py" 20 50)
ratio=$(awk -v a="$t_mp" -v b="$t_da" 'BEGIN { printf "%.1f", a / b }')
printf 'tanh a_0..a_20, 50 digits: dualact %.4f s, mpmath %.2f s, ratio %.0fx (target >= 1000x)\n' "$t_da" "$t_mp" "$ratio"

# 2. a Gauss-Hermite rule of 1000 nodes at 333 bits
cc -O2 -I"$top/lib" "$top/tests/bench/bench_gh.c" -o bench_gh .libs/libdualact.so -lmpfr -lgmp -lm \
    -Wl,-rpath,"$(pwd)/.libs" 2>/dev/null || cc -O2 -I"$top/lib" "$top/tests/bench/bench_gh.c" -o bench_gh -L.libs -ldualact -lmpfr -lgmp -lm
t_gh=$(./bench_gh 1000 333)
printf 'Gauss-Hermite rule n=1000, 333 bits: %.3f s (target <= 0.1 s)\n' "$t_gh"
rm -f bench_gh

# 3. relu a_0..a_1000 to 100 digits
t=$(best 3 $DUALACT coeffs relu --raw --degree 1000 --digits 100 --format csv)
printf 'relu a_0..a_1000, 100 digits: %.3f s (target <= 0.2 s)\n' "$t"

# 4. tanh a_0..a_200 to 100 digits
t=$(best 3 $DUALACT coeffs tanh --raw --degree 200 --digits 100 --format csv)
printf 'tanh a_0..a_200, 100 digits: %.3f s (target <= 1 s)\n' "$t"

# 5. the rigorous engine against its peer: Arb's acb_calc_integrate once
#    per coefficient (tests/bench/arb_peer.c), a_0..a_20 raw at 50 digits,
#    both timed as whole processes, best of 20 runs taken in turns
#    (tests/bench/runbest.c: fork, exec and wait timed directly, no shell or
#    date(1) in between); the values must agree
cc -O2 "$top/tests/bench/runbest.c" -o runbest
arb_libs="-lflint-arb -lflint"
cc -O2 -I. -I"$top" "$top/tests/bench/arb_peer.c" -o arb_peer $arb_libs -lmpfr -lgmp -lm 2>/dev/null \
    || cc -O2 -I. -I"$top" "$top/tests/bench/arb_peer.c" -o arb_peer -lflint -lmpfr -lgmp -lm
# both on one CPU when taskset(1) is there: a short process that starts
# right after the peer's 60-150 ms of work on the same core otherwise
# lands on the other, idle one, whose wake-up and cold caches cost it
# about a millisecond (measured: 4.7 ms alone, 6.1 ms alternating with a
# 57 ms busy loop, 5.0 ms with both pinned)
pin=""
if command -v taskset >/dev/null 2>&1; then
    cpu=$(($(nproc 2>/dev/null || echo 1) - 1))
    pin="taskset -c $cpu"
    echo "(the peer comparison runs on CPU $cpu only)"
fi
for act in tanh erf gelu silu; do
    set -- $($pin ./runbest 20 $DUALACT coeffs $act --raw --degree 20 --digits 50 --format csv -- ./arb_peer $act 20 50)
    t_da=$1 t_pe=$2
    # agreement to 45 digits (the peer prints 50, dualact at least 50)
    $DUALACT coeffs $act --raw --degree 20 --digits 50 --format csv | tail -n +2 | cut -d, -f2 >da.txt
    ./arb_peer $act 20 50 | cut -d, -f2 >pe.txt
    agree=$($PY -c "
import mpmath as m, sys
m.mp.dps = 80
a = [m.mpf(l) for l in open('da.txt')]; b = [m.mpf(l) for l in open('pe.txt')]
print('agree' if len(a) == len(b) and all(abs(x - y) < m.mpf(10) ** -45 for x, y in zip(a, b)) else 'DISAGREE')")
    ratio=$(awk -v a="$t_pe" -v b="$t_da" 'BEGIN { printf "%.1f", a / b }')
    printf '%-5s a_0..a_20, 50 digits, rigorous: dualact %.4f s, Arb peer %.4f s, ratio %sx (target >= 10x), values %s\n' \
        "$act" "$t_da" "$t_pe" "$ratio" "$agree"
done
rm -f arb_peer runbest da.txt pe.txt

# 6. the engine's figures at high precision and degree
t=$(best 1 $DUALACT coeffs erf --raw --degree 20 --digits 350 --format csv)
printf 'erf a_0..a_20, 350 digits: %.3f s (target < 1 s)\n' "$t"
t=$(best 1 $DUALACT coeffs tanh --raw --degree 20 --digits 1000 --format csv)
printf 'tanh a_0..a_20, 1000 digits: %.3f s (target < 3 s)\n' "$t"
t=$(best 1 $DUALACT iterate tanh --rho 0.99 --depth 1000 --digits 100 --format csv)
reached=$($DUALACT iterate tanh --rho 0.99 --depth 1000 --digits 100 --format csv >/dev/null 2>&1 && echo yes || echo no)
printf 'iterate tanh --rho 0.99 --depth 1000 --digits 100: %.3f s, 100 digits reached: %s\n' "$t" "$reached"

# 7. the double path
t=$(best 3 $DUALACT coeffs tanh --raw --degree 200 --double --format csv)
printf 'tanh a_0..a_200, double path: %.3f s\n' "$t"

# further benchmarks of later stages, when present
for extra in "$top"/tests/bench/bench_*.sh; do
    [ -f "$extra" ] || continue
    echo
    sh "$extra"
done

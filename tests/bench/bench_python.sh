#!/bin/sh
# bench_python.sh -- the Python package's numpy path against the same work
# from C (issue 12: >= 10^7 kernel evaluations/s from Python on one core
# for a 10^6-element array).  Not a test: machines are noisy.  Run from the
# build directory after make:
#     sh tests/bench/bench_python.sh
# Figures are recorded in docs/benchmarks.md.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CC:-cc}
PY=$(make -s --no-print-directory -f Makefile -f - print-python <<'MK'
print-python:
	@echo $(PYTHON)
MK
)
[ -n "$PY" ] || PY=/usr/bin/python3
[ -d python/stage/dualact ] || { echo "bench_python.sh: no python/stage (configure found no Python with numpy?)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$CC -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib" "$top/tests/bench/bench_python.c" -o "$tmp/bench_python" \
    -L.libs -ldualact -Wl,-rpath,"$(pwd)/.libs" -lmpfr -lgmp -lm
acts="relu_normalized erf tanh gelu"
echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "python: $PY ($("$PY" -c 'import sys, numpy; print(sys.version.split()[0], "numpy", numpy.__version__)'))"
# C and Python alternate, three rounds, the best of each kept: a noisy
# machine then slows both alike
: > "$tmp/c.all"
: > "$tmp/py.all"
for round in 1 2 3; do
    "$tmp/bench_python" $acts >> "$tmp/c.all"
    PYTHONPATH=python/stage "$PY" "$top/tests/bench/bench_python.py" $acts >> "$tmp/py.all"
done
awk '{ if (!($1 in b) || $2 < b[$1]) { b[$1] = $2; m[$1] = $0 } ; if (!($1 in o)) o[$1] = ++n }
     END { for (k in o) print o[k], m[k] }' "$tmp/c.all" | sort -n | cut -d' ' -f2- > "$tmp/c.out"
awk '{ k = $1; if (!(k in o)) o[k] = ++n; for (i = 2; i <= NF; i++) if (!((k, i) in b) || $i < b[k, i]) b[k, i] = $i; nf[k] = NF }
     END { for (k in o) { line = o[k] " " k; for (i = 2; i <= nf[k]; i++) line = line " " b[k, i]; print line } }' \
    "$tmp/py.all" | sort -n | cut -d' ' -f2- > "$tmp/py.out"
echo
echo "10^6 correlations, value + error bound, best of 3 x 7 (M evaluations/s):"
printf '%-16s %10s %10s %8s %14s %14s\n' activation C Python ratio depth10-NNGP depth10-NTK
while read -r act tc method; do
    line=$(grep "^$act " "$tmp/py.out")
    set -- $line
    awk -v a="$act" -v c="$tc" -v p="$2" -v p10="$3" -v n10="$4" 'BEGIN {
        printf "%-16s %10.1f %10.1f %8.2f %14.1f %14.1f\n", a, 1/c, 1/p, c/p, 10/p10, 10/n10 }'
done < "$tmp/c.out"
echo "(depth-10 columns: layer evaluations per second, M; the NTK needs f and f' and their bounds)"
echo
grep '^gram' "$tmp/py.out" | awk '{ printf "dualact.gram(relu, 2000 x 10 array, depth 10): %.2f s\n", $2 }'
if [ -x .libs/dualact ]; then
    /usr/bin/time -o "$tmp/t" -f "%e" env LD_LIBRARY_PATH="$(pwd)/.libs" .libs/dualact gram relu --sphere 2000,10 --depth 10 --format csv >/dev/null 2>&1
    echo "dualact gram relu --sphere 2000,10 --depth 10 (the CLI, same size): $(cat "$tmp/t") s"
fi

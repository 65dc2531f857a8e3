"""The Python side of tests/bench/bench_python.sh: act.dual(x) on a numpy
array of 10^6 uniform correlations (values and error bounds), best of 7;
the depth-10 NNGP and NTK iterates; dualact.gram on 2000 points.
Usage: bench_python.py ACT... ; prints "ACT seconds" lines."""
import sys
import time

import numpy as np

import dualact


def best(f, k=7):
    b = float("inf")
    for _ in range(k):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


def main(acts):
    x = np.random.default_rng(12345).uniform(-1, 1, 10 ** 6)
    for spec in acts:
        a = dualact.Activation(spec)
        a.dual(x[:10])                       # the prepared dual, once
        t1 = best(lambda: a.dual(x))
        t10 = best(lambda: a.dual(x, depth=10), 3)
        t10n = best(lambda: a.dual(x, depth=10, ntk=True), 3)
        print("%s %.6f %.6f %.6f" % (spec, t1, t10, t10n))
    X = np.random.default_rng(1).normal(size=(2000, 10))
    t = time.perf_counter()
    dualact.gram("relu", X, 10)
    print("gram %.3f" % (time.perf_counter() - t))


if __name__ == "__main__":
    main(sys.argv[1:])

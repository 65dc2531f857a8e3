#!/usr/bin/env python3
"""bench_matrix.py -- the kernel-matrix engine (dualact.kernel_fn, dualact
gram --sw2) against the peers a user would otherwise pick, in one run,
printing the ratios (docs/benchmarks.md, "Kernel matrices"):

  1. erf and ReLU networks (n = 2000, depth 10, NNGP + NTK): dualact with
     one thread against the same closed forms vectorised in numpy;
  2. tanh, GELU, SiLU (n = 1000, depth 10, raw data with unequal norms):
     dualact (one thread, and all cores beside) against a 2-D Gauss-Hermite rule of degree 25 in numpy, the
     recipe of neural-tangents' ElementwiseNumerical (timed on a block of
     rows and scaled to the whole matrix: the work per entry is the same),
     with dualact's largest error bound and the rule's actual error beside;
  3. tanh at n = 10,000, depth 10, on all cores (a fresh interpreter):
     time, CPU time, and peak memory (the process's and the call's own)
     against three n x n double matrices;
  4. dualact gram tanh --sw2 1.5 --sb2 0.1 on the iris example, depth 20.

Sampled entries of 1 and 2 are checked against an independent reference
(mpmath nested quadrature, tests/bench/mpmath_netk.py): each must lie
within dualact's error bound.  Not a test (machines are noisy).

    PYTHONPATH=python/stage /usr/bin/python3 tests/bench/bench_matrix.py [--quick]
"""
import os
import sys

# the peers single-threaded (numpy's BLAS for X @ X.T)
for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, "1")

import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import dualact  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpmath_netk  # noqa: E402

SW2, SB2, L = 1.5, 0.1, 10
QUICK = "--quick" in sys.argv
SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
DUALACT = os.environ.get("DUALACT", os.path.join(".", "dualact"))


def best(f, reps=3):
    t, out = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - t0)
    return t, out


# ---- numpy closed forms (what a user writes from the papers) ------------

def net_numpy(X, kern, dkern):
    d = X.shape[1]
    K = SW2 * X @ X.T / d + SB2
    T = K.copy()
    for _ in range(L):
        q = np.diag(K).copy()
        Q1, Q2 = q[:, None], q[None, :]
        lim = np.sqrt(Q1 * Q2)
        C = np.clip(K, -lim, lim)
        E, Ed = kern(Q1, Q2, C), dkern(Q1, Q2, C)
        K = SW2 * E + SB2
        T = K + SW2 * Ed * T
    return K, T


def erf_k(q1, q2, c):
    return 2 / np.pi * np.arcsin(np.clip(2 * c / np.sqrt((1 + 2 * q1) * (1 + 2 * q2)), -1, 1))


def erf_dk(q1, q2, c):
    return 4 / np.pi / np.sqrt(np.maximum((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c, 1e-300))


def relu_k(q1, q2, c):
    s = np.sqrt(q1 * q2)
    t = np.arccos(np.clip(c / s, -1, 1))
    return s * (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi)


def relu_dk(q1, q2, c):
    return (np.pi - np.arccos(np.clip(c / np.sqrt(q1 * q2), -1, 1))) / (2 * np.pi)


# ---- the neural-tangents recipe: a 2-D Gauss-Hermite rule -----------------

ACT_NP = {
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "gelu": (lambda x: x * 0.5 * (1 + _erf(x / np.sqrt(2))),
             lambda x: 0.5 * (1 + _erf(x / np.sqrt(2))) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
    "silu": (lambda x: x / (1 + np.exp(-x)),
             lambda x: (1 / (1 + np.exp(-x))) * (1 + x * (1 - 1 / (1 + np.exp(-x))))),
}


try:
    from scipy.special import erf as _erf   # Debian's python3-scipy (sklearn brings it)
except ImportError:  # pragma: no cover
    import math
    _erf = np.frompyfunc(math.erf, 1, 1)


def gh_net(X, act, rows, deg=25):
    """NNGP and NTK of the first `rows` rows against all, by the 2-D rule:
    E f(u, v) = sum_ab w_a w_b f(sqrt(q1) x_a, sqrt(q2)(rho x_a + sqrt(1-rho^2) x_b))."""
    s, ds = ACT_NP[act]
    x, w = np.polynomial.hermite_e.hermegauss(deg)
    w = w / w.sum()
    d = X.shape[1]
    K = SW2 * X @ X.T / d + SB2
    qd = np.diag(K).copy()
    Kr, Tr = K[:rows].copy(), K[:rows].copy()
    for _ in range(L):
        # the diagonal, 1-D
        su = s(np.sqrt(qd)[:, None] * x[None, :])
        qn = SW2 * (su * su) @ w + SB2
        q1, q2 = qd[:rows, None], qd[None, :]
        rho = np.clip(Kr / np.sqrt(q1 * q2), -1, 1)
        sr = np.sqrt(1 - rho * rho)
        E = np.zeros_like(Kr)
        D = np.zeros_like(Kr)
        for a in range(deg):
            u = np.sqrt(q1) * x[a]
            fu, dfu = s(u), ds(u)
            v = np.sqrt(q2)[..., None] * (rho[..., None] * x[a] + sr[..., None] * x[None, None, :])
            E += w[a] * fu * (s(v) @ w)
            D += w[a] * dfu * (ds(v) @ w)
        Kr = SW2 * E + SB2
        Tr = Kr + SW2 * D * Tr
        qd = qn
    return Kr, Tr


def check_sample(act, X, got, pairs, label):
    """every sampled entry within dualact's bound of the mpmath reference"""
    worst = 0.0
    for i, j in pairs:
        ref = mpmath_netk.pair(act, list(X[i]), list(X[j]), L, str(SW2), str(SB2))[-1]
        for name, val, err, r in (("nngp", got.nngp, got.nngp_err, ref[2]),
                                  ("ntk", got.ntk, got.ntk_err, ref[3])):
            dev = abs(val[i, j] - float(r))
            ok = dev <= float(err[i, j])
            worst = max(worst, dev / float(err[i, j]) if err[i, j] > 0 else (0 if dev == 0 else 1e300))
            if not ok:
                print("  MISMATCH %s %s[%d,%d]: dualact %.17g +- %.3g, mpmath %s" %
                      (label, name, i, j, val[i, j], err[i, j], mp_str(r)))
    print("  %s: %d sampled entries against mpmath nested quadrature, largest |error|/bound %.2g"
          % (label, 2 * len(pairs), worst))
    return worst <= 1


def mp_str(v):
    import mpmath as mp
    return mp.nstr(v, 20)


def rel_err(got):
    dk, dt = np.sqrt(np.diag(got.nngp)), np.sqrt(np.diag(got.ntk))
    return (np.max(got.nngp_err / np.outer(dk, dk)), np.max(got.ntk_err / np.outer(dt, dt)))


def main():
    ok = True
    rng = np.random.default_rng(20261207)
    print("machine: %s, %d cores" % (cpu_name(), os.cpu_count()))
    # 1. closed forms
    n = 500 if QUICK else 2000
    X = rng.normal(size=(n, 10))
    print("\n1. closed forms, n = %d, depth %d, NNGP + NTK, one thread" % (n, L))
    for act, k, dk in (("erf", erf_k, erf_dk), ("relu", relu_k, relu_dk)):
        fn = dualact.kernel_fn(act, L, sw2=SW2, sb2=SB2, threads=1)
        td, got = best(lambda: fn(X))
        tn, (K, T) = best(lambda: net_numpy(X, k, dk))
        dev = max(np.max(np.abs(got.nngp - K) / np.abs(K)), np.max(np.abs(got.ntk - T) / np.abs(T)))
        eb = rel_err(got)
        print("  %-5s dualact %.3f s, numpy %.3f s: numpy/dualact = %.2f; dualact's bound %.1e "
              "(nngp) %.1e (ntk) relative; numpy differs by %.1e" %
              (act, td, tn, tn / td, eb[0], eb[1], dev))
        if act == "erf":
            ok &= check_sample(act, X, got, [(0, 1), (2, 3)], act)
    # 2. activations without a closed form, raw data with unequal norms
    n = 300 if QUICK else 1000
    rows = 20 if QUICK else 50
    X = rng.normal(size=(n, 10)) * rng.uniform(0.5, 1.5, size=(n, 1))
    # two near-duplicate rows
    X[1] = X[0] * (1 + 1e-9 * rng.normal(size=10))
    print("\n2. tanh, GELU, SiLU, n = %d, depth %d, x.x/d in [%.2f, %.2f], two near-duplicate rows"
          % (n, L, np.min(np.sum(X * X, 1) / 10), np.max(np.sum(X * X, 1) / 10)))
    for act in ("tanh", "gelu", "silu"):
        # one thread against numpy's one; all cores beside
        fn = dualact.kernel_fn(act, L, sw2=SW2, sb2=SB2, threads=1)
        td, got = best(lambda: fn(X), reps=2)
        fa = dualact.kernel_fn(act, L, sw2=SW2, sb2=SB2, threads=os.cpu_count())
        ta, _ = best(lambda: fa(X), reps=2)
        if act == "gelu":
            print("  (gelu: dualact uses its closed form at general variances)")
        tg, (Kg, Tg) = best(lambda: gh_net(X, act, rows), reps=1)
        tg_full = tg * n / rows
        eb = rel_err(got)
        dk = np.sqrt(np.diag(got.nngp))
        gh_err = np.max(np.abs(Kg - got.nngp[:rows]) / np.outer(dk[:rows], dk))
        print("  %-5s dualact %.2f s (one thread; %.2f s on %d), GH-25 %.1f s (%d rows timed, "
              "scaled): ratio %.0fx; dualact's bound %.1e (nngp) %.1e (ntk) relative; GH-25's "
              "actual error %.1e"
              % (act, td, ta, os.cpu_count(), tg_full, rows, tg_full / td, eb[0], eb[1], gh_err))
        ok &= check_sample(act, X, got, [(0, 1), (2, 5)] if not QUICK else [(0, 1)], act)
    # 3. n = 10,000, in a fresh interpreter: its own peak memory
    if not QUICK:
        out = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True,
                             check=True, env=dict(os.environ, OMP_NUM_THREADS=str(os.cpu_count())))
        t, cpu, peak, before, eb, et = (float(v) for v in out.stdout.split())
        three = 3 * 10000 * 10000 * 8
        print("\n3. tanh, n = 10000, depth %d, all cores: %.1f s (%.1f s of CPU); peak memory "
              "%.2f GB, of which the call %.2f GB; three n x n double matrices %.2f GB (ratio "
              "%.3f); bound %.1e (nngp) %.1e (ntk) relative" %
              (L, t, cpu, peak / 1e9, (peak - before) / 1e9, three / 1e9, (peak - before) / three,
               eb, et))
    # 4. gram --sw2 on iris
    cmd = [DUALACT, "gram", "tanh", "--data", os.path.join(SRC, "docs/examples/iris.csv"), "--header",
           "--columns", "1-4", "--depth", "20", "--sw2", "1.5", "--sb2", "0.1"]
    t, _ = best(lambda: subprocess.run(cmd, capture_output=True, check=True))
    print("\n4. %s: %.2f s" % (" ".join(cmd[1:]), t))
    print("\nsampled entries within their bounds: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


# section 3's run: time, CPU time, peak and starting resident memory, bounds
BIG = """
import resource, time, numpy as np, dualact
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
rng = np.random.default_rng(20261207)
X = rng.normal(size=(10000, 10)) * rng.uniform(0.5, 1.5, size=(10000, 1))
fn = dualact.kernel_fn("tanh", %d, sw2=%r, sb2=%r)
before = rss()
c0 = time.process_time()
t0 = time.perf_counter()
got = fn(X)
t = time.perf_counter() - t0
cpu = time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
dk, dt = np.sqrt(np.diag(got.nngp)), np.sqrt(np.diag(got.ntk))
eb = max(np.max(got.nngp_err[i:i + 500] / np.outer(dk[i:i + 500], dk)) for i in range(0, 10000, 500))
et = max(np.max(got.ntk_err[i:i + 500] / np.outer(dt[i:i + 500], dt)) for i in range(0, 10000, 500))
print(t, cpu, peak, before, eb, et)
""" % (L, SW2, SB2)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown cpu"


if __name__ == "__main__":
    sys.exit(main())

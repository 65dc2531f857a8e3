#!/usr/bin/env python3
"""Reference network kernels for tests/cli_kernel.test, with mpmath only.

Writes tests/data/kernel_refs.csv
  (case,act,sw2,sb2,q1,q2,cov,layer,k11,k22,nngp,ntk):
the network Dense(sw2, sb2), then L blocks (act, Dense(sw2, sb2)), NTK
parameterisation (docs/numerics.md section 7), layer by layer:
  K <- sw2 K_in + sb2, Theta_0 = K_0;
  K_new = sw2 E[s(u) s(v)] + sb2,  Theta <- K_new + sw2 E[s'(u) s'(v)] Theta,
with (u, v) Gaussian of variances K11, K22 and covariance K12.

The Gaussian expectations are computed directly in two dimensions, never
through Hermite coefficients:
  relu, erf   pass A: the closed forms at general variance
              (arc-cosine kernel; Williams' arcsin form and
              (4/pi)/sqrt((1+2q1)(1+2q2) - 4c^2));
              pass B: an outer mpmath.quad over x of an inner Gaussian
              integral done in closed form (E_z relu(a + b z) = a Phi(a/b) +
              b phi(a/b), E_z erf(a + b z) = erf(a/sqrt(1+2 b^2)), ...);
  gelu        both passes the outer quadrature with the inner closed forms
              E_z[(a+bz) Phi(a+bz)] = a Phi(a/s) + b^2 phi(a/s)/s and
              E_z[Phi(a+bz) + (a+bz) phi(a+bz)] = Phi(a/s) + a phi(a/s)/s^3,
              s = sqrt(1 + b^2), at 45 and 55 digits with different splits;
  tanh, mish  the trapezoid rule in both variables on the whole line
              (geometric convergence for integrands analytic in a strip,
              docs/numerics.md section 4: error about exp(-2 pi d/h), here
              d >= pi/(2 sqrt(2.05)) ~ 1.1 for every layer), step 0.07 on
              [-14.5, 14.5] at 42 digits and step 0.058 on [-15.5, 15.5] at
              50 digits.
u = sqrt(q1) x, v = sqrt(q2)(rho x + sqrt(1 - rho^2) z).  The two passes must
agree to 1e-33 (absolute) or nothing is written.

With --series: tests/data/kernel_series_refs.csv (same columns), more
activations without a closed form, for the proved series path of
tests/check_netk.c: SiLU x/(1 + e^-x), softplus log(1 + e^x) and the
logistic sigmoid, all analytic in the strip |Im u| < pi (poles of the
logistic at u = i pi (2k+1)), by the same trapezoid sums (in x,
d = pi/sqrt(q) >= 1.37 for the variances q <= 5.2 of these networks, so
exp(-2 pi d/h) < 1e-53 at h = 0.07).

With --standard: tests/data/kernel_std_refs.csv, the standard
parameterisation of neural-tangents' stax.Dense (with biases):
  Theta_0 = dim cov + 1,  Theta <- width E[s(u) s(v)] + sw2 E[s'(u) s'(v)] Theta + 1,
the NNGP unchanged (columns dim,width before layer).

Run:  /usr/bin/python3 tests/gen/gen_kernel.py   (tens of minutes: tanh and
mish take 2-D trapezoid sums of 10^5 points per expectation)
      /usr/bin/python3 tests/gen/gen_kernel.py --standard   (seconds)
      /usr/bin/python3 tests/gen/gen_kernel.py --series     (minutes)
"""
import os
import sys
import time

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir

# (case, act, sw2, sb2, q1, q2, cov, depth)
CASES = [
    ("A", "erf", "1.5", "0.1", "1.3", "0.7", "0.4", 5),
    ("A", "relu", "1.5", "0.1", "1.3", "0.7", "0.4", 5),
    ("A", "gelu", "1.5", "0.1", "1.3", "0.7", "0.4", 5),
    ("A", "tanh", "1.5", "0.1", "1.3", "0.7", "0.4", 5),
    ("A", "mish", "1.5", "0.1", "1.3", "0.7", "0.4", 5),
    ("B", "erf", "2.3", "0.35", "0.6", "2.1", "-0.5", 4),
    ("C", "hrelu", "1", "0", "1", "1", "0.3", 5),
]


# the series path's hold-out set (--series): (case, act, sw2, sb2, q1, q2, cov, depth)
SERIES_CASES = [
    ("D", "silu", "2", "0.05", "0.9", "1.6", "-0.3", 3),
    ("D", "softplus", "1.2", "0.2", "0.5", "1.1", "0.35", 3),
    ("D", "sigmoid", "3", "0.1", "1.7", "0.8", "0.6", 3),
]


def logistic(y):
    return 1 / (1 + mpmath.exp(-y))


def Phi(x):
    return mpmath.ncdf(x)


def phi(x):
    return mpmath.npdf(x)


def act_fns(name):
    """sigma and sigma' as mpmath functions"""
    if name == "tanh":
        return mpmath.tanh, lambda y: 1 / mpmath.cosh(y) ** 2
    if name == "mish":
        def f(y):
            return y * mpmath.tanh(mpmath.log1p(mpmath.exp(y))) if y < 40 else y * mpmath.tanh(y)

        def df(y):
            sp = mpmath.log1p(mpmath.exp(y)) if y < 40 else y
            t = mpmath.tanh(sp)
            return t + y * (1 - t * t) / (1 + mpmath.exp(-y))
        return f, df
    if name == "gelu":
        return lambda y: y * Phi(y), lambda y: Phi(y) + y * phi(y)
    if name == "silu":
        return (lambda y: y * logistic(y),
                lambda y: logistic(y) * (1 + y * (1 - logistic(y))))
    if name == "softplus":
        return (lambda y: mpmath.log1p(mpmath.exp(y)) if y < 0 else y + mpmath.log1p(mpmath.exp(-y)),
                logistic)
    if name == "sigmoid":
        return logistic, lambda y: logistic(y) * (1 - logistic(y))
    if name == "erf":
        return mpmath.erf, lambda y: 2 / mpmath.sqrt(mp.pi) * mpmath.exp(-y * y)
    if name in ("relu", "hrelu"):
        return lambda y: max(y, 0), lambda y: 1 if y > 0 else 0
    raise ValueError(name)


def closed(name, q1, q2, c, m):
    """closed forms at general variance (relu, erf, hrelu = sqrt(2) relu)"""
    if name in ("relu", "hrelu"):
        s = 2 if name == "hrelu" else 1
        rho = c / mpmath.sqrt(q1 * q2)
        rho = min(max(rho, -1), 1)
        th = mpmath.acos(rho)
        if m == 0:
            return s * mpmath.sqrt(q1 * q2) * (mpmath.sin(th) + (mp.pi - th) * mpmath.cos(th)) / (2 * mp.pi)
        return s * (mp.pi - th) / (2 * mp.pi)
    if name == "erf":
        if m == 0:
            return 2 / mp.pi * mpmath.asin(2 * c / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
        return 4 / mp.pi / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c)
    raise ValueError(name)


def inner_closed(name, a, b, m):
    """E_z[g(a + b z)] for g = sigma (m = 0) or sigma' (m = 1), b > 0"""
    if name in ("relu", "hrelu"):
        s = mpmath.sqrt(2) if name == "hrelu" else 1
        if m == 0:
            return s * (a * Phi(a / b) + b * phi(a / b))
        return s * Phi(a / b)
    if name == "erf":
        if m == 0:
            return mpmath.erf(a / mpmath.sqrt(1 + 2 * b * b))
        w = 1 + 2 * b * b
        return 2 / mpmath.sqrt(mp.pi) * mpmath.exp(-a * a / w) / mpmath.sqrt(w)
    if name == "gelu":
        s = mpmath.sqrt(1 + b * b)
        if m == 0:
            return a * Phi(a / s) + b * b * phi(a / s) / s
        return Phi(a / s) + a * phi(a / s) / s ** 3
    return None


def outer_fn(name, m):
    f, df = act_fns(name)
    g = f if m == 0 else df
    if name == "hrelu":
        return lambda y: mpmath.sqrt(2) * (max(y, 0) if m == 0 else (1 if y > 0 else 0))
    return g


def trap_pair(name, q1, q2, c, m, h, T):
    """E[g(u) g(v)] by the trapezoid rule in both variables (step h on
    [-T, T]): geometric convergence, error about exp(-2 pi d/h) for
    singularities at distance d from the real axis (tanh: d = pi/(2 scale))"""
    g = outer_fn(name, m)
    r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
    rho = c / (r1 * r2)
    al, be = r2 * rho, r2 * mpmath.sqrt(1 - rho * rho)
    n = int(T / h)
    nodes = [h * j for j in range(-n, n + 1)]
    w = [h * phi(t) for t in nodes]
    tot = mpf(0)
    for xi, wx in zip(nodes, w):
        gx = g(r1 * xi)
        if gx == 0:
            continue
        base = al * xi
        inner = mpmath.fsum(wz * g(base + be * zj) for zj, wz in zip(nodes, w))
        tot += wx * gx * inner
    return tot


def trap_diag(name, q, m, h, T):
    g = outer_fn(name, m)
    r = mpmath.sqrt(q)
    n = int(T / h)
    return mpmath.fsum(h * phi(h * j) * g(r * h * j) ** 2 for j in range(-n, n + 1))


def E_pair(name, q1, q2, c, m, pts, nested):
    """E[g(u) g(v)] by the outer quadrature; inner closed when available"""
    g = outer_fn(name, m)
    r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
    rho = c / (r1 * r2)
    al, be = r2 * rho, r2 * mpmath.sqrt(1 - rho * rho)

    def inner(x):
        v = inner_closed(name, al * x, be, m) if not nested else None
        if v is None:
            z0 = -al * x / be
            zp = sorted(set([-mpmath.inf, z0] + [z0 + d for d in pts] + [mpmath.inf]))
            v = mpmath.quad(lambda z: phi(z) * g(al * x + be * z), zp)
        return v

    xp = [-mpmath.inf] + pts + [mpmath.inf]
    if name in ("relu", "hrelu"):
        xp = [-mpmath.inf, 0, mpmath.inf]
    return mpmath.quad(lambda x: phi(x) * g(r1 * x) * inner(x), xp)


def E_diag(name, q, m, pts):
    g = outer_fn(name, m)
    r = mpmath.sqrt(q)
    xp = [-mpmath.inf] + pts + [mpmath.inf]
    if name in ("relu", "hrelu"):
        xp = [-mpmath.inf, 0, mpmath.inf]
    return mpmath.quad(lambda x: phi(x) * g(r * x) ** 2, xp)


# the standard parameterisation (neural-tangents' Dense(parameterization =
# "standard"), with biases): (case, act, sw2, sb2, q1, q2, cov, depth, dim, width)
STD_CASES = [
    ("S", "relu", "1.5", "0.1", "1.3", "0.7", "0.4", 4, 3, 100),
    ("S", "erf", "2", "0.05", "0.9", "1.6", "0.2", 3, 10, 512),
]


def network(case, dps, passno):
    _, name, sw2, sb2, q1, q2, cov, depth = case[:8]
    std = len(case) > 8
    mp.dps = dps
    sw2, sb2, q1, q2, cov = map(mpf, (sw2, sb2, q1, q2, cov))
    pts = [mpf(0)] if passno == 0 else [mpf(-2), mpf(0), mpf(2)]
    K11, K22, K12 = sw2 * q1 + sb2, sw2 * q2 + sb2, sw2 * cov + sb2
    Th = K12 if not std else case[8] * cov + 1
    rows = [(0, K11, K22, K12, Th)]
    use_closed = name in ("relu", "erf", "hrelu") and passno == 0
    nested = name in ("tanh", "mish", "silu", "softplus", "sigmoid")
    for l in range(1, depth + 1):
        if use_closed:
            E11 = closed(name, K11, K11, K11, 0)
            E22 = closed(name, K22, K22, K22, 0)
            E12 = closed(name, K11, K22, K12, 0)
            D12 = closed(name, K11, K22, K12, 1)
        elif nested:
            h, T = (mpf("0.07"), mpf("14.5")) if passno == 0 else (mpf("0.058"), mpf("15.5"))
            E11 = trap_diag(name, K11, 0, h, T)
            E22 = trap_diag(name, K22, 0, h, T)
            E12 = trap_pair(name, K11, K22, K12, 0, h, T)
            D12 = trap_pair(name, K11, K22, K12, 1, h, T)
        else:
            E11 = E_diag(name, K11, 0, pts)
            E22 = E_diag(name, K22, 0, pts)
            E12 = E_pair(name, K11, K22, K12, 0, pts, nested)
            D12 = E_pair(name, K11, K22, K12, 1, pts, nested)
        K11, K22, K12 = sw2 * E11 + sb2, sw2 * E22 + sb2, sw2 * E12 + sb2
        Th = (K12 if not std else case[9] * E12 + 1) + sw2 * D12 * Th
        rows.append((l, K11, K22, K12, Th))
    return rows


def main():
    out = []
    worst = mpf(0)
    std = "--standard" in sys.argv
    series = "--series" in sys.argv
    for case in (STD_CASES if std else SERIES_CASES if series else CASES):
        t0 = time.time()
        name = case[1]
        if name in ("tanh", "mish", "silu", "softplus", "sigmoid"):
            dA, dB = 42, 50
        elif name == "gelu":
            dA, dB = 45, 55
        else:
            dA, dB = 45, 60
        A = network(case, dA, 0)
        B = network(case, dB, 1)
        mp.dps = dB
        for ra, rb in zip(A, B):
            for x, y in zip(ra[1:], rb[1:]):
                d = abs(x - y)
                if d > worst:
                    worst = d
                if d > mpf("1e-33"):
                    sys.exit("gen_kernel: passes disagree by %s in %s" % (mpmath.nstr(d, 3), case))
        for r in B:
            out.append([case[0], name] + list(case[2:7]) + [str(v) for v in case[8:]] + [str(r[0])] +
                       [mpmath.nstr(v, 40, min_fixed=-5, max_fixed=5) for v in r[1:]])
        print("%s %s: %.1f s" % (case[0], name, time.time() - t0), file=sys.stderr, flush=True)
    path = os.path.join(data_dir(), "kernel_std_refs.csv" if std else
                        "kernel_series_refs.csv" if series else "kernel_refs.csv")
    with open(path, "w") as f:
        f.write(header_line("gen_kernel.py" + (" --standard" if std else " --series" if series else ""), 40))
        f.write("case,act,sw2,sb2,q1,q2,cov,%slayer,k11,k22,nngp,ntk\n" % ("dim,width," if std else ""))
        for r in out:
            f.write(",".join(r) + "\n")
    print("gen_kernel: largest disagreement between passes %s; wrote %s"
          % (mpmath.nstr(worst, 3), path), file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference values for the learnability module (lib/learn, dualact learn).

Three independent kinds of values, all from closed forms and numerical
integration, none from the Hermite coefficients or the Gegenbauer recurrence
that the library uses:

1. kind=compose: sigma_hat^{oL}(rho) by direct iteration of the closed-form
   dual activations of relu_normalized,
       (sqrt(1-r^2) + (pi - acos r) r - 1)/(pi - 1),
   and sign, (2/pi) asin r, for L = 1..6 at a few rho.
2. kind=gegen: the Gegenbauer split t^j = sum_l c_{j,l} P_l^{(d)}(t) of the
   monomials, by quadrature:
       c_{j,l} = int t^j P_l w / int P_l^2 w,  w = (1-t^2)^{(d-3)/2},
   with P_l = C_l^{(d-2)/2}/C_l^{(d-2)/2}(1) from the explicit sum of
   C_l^alpha (cos(l acos t) for d = 2).
3. kind=eig: Funk-Hecke eigenvalues of the depth-L kernels of kind 1 on
   S^{d-1}:
       lambda_l = (Gamma(d/2)/(sqrt(pi) Gamma((d-1)/2))) int k(t) P_l(t) w dt.

Checked: everything is computed twice, at mp.dps = 40 and at mp.dps = 60
(tanh-sinh quadrature, which handles the endpoint singularities of w for
d = 2 and of asin / sqrt near t = +-1), and the two passes must agree to
1e-34; also sum_l c_{j,l} = 1 and the eigenvalues' trace
sum_l N(d,l) lambda_l <= k(1) = 1 over the degrees computed.

Writes tests/data/learn_ref.csv: kind,act,d,L,j,l,rho,value
(unused fields empty).  Run: python3 tests/gen/gen_learn.py  (about two minutes)
"""
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir, log, Timer


def shat(act, r):
    if act == "relu_normalized":
        pi = mpmath.pi
        r = min(max(r, mpf(-1)), mpf(1))
        return (mpmath.sqrt(1 - r * r) + (pi - mpmath.acos(r)) * r - 1) / (pi - 1)
    if act == "sign":
        r = min(max(r, mpf(-1)), mpf(1))
        return 2 * mpmath.asin(r) / mpmath.pi
    raise ValueError(act)


def compose(act, L, r):
    for _ in range(L):
        r = shat(act, r)
    return r


def gegen_explicit(n, a, t):
    """C_n^a(t) by its explicit sum (not by the three-term recurrence)."""
    s = 0
    for k in range(n // 2 + 1):
        s += ((-1) ** k * mpmath.gamma(n - k + a) / (mpmath.gamma(a) * mpmath.factorial(k)
              * mpmath.factorial(n - 2 * k)) * (2 * t) ** (n - 2 * k))
    return s


def P(d, l, t):
    if d == 2:
        return mpmath.cos(l * mpmath.acos(t))
    a = mpf(d - 2) / 2
    return gegen_explicit(l, a, t) / gegen_explicit(l, a, mpf(1))


def quad(f, d):
    """int_{-1}^{1} f(t) (1-t^2)^{(d-3)/2} dt, as int_0^pi f(cos th) sin^{d-2} th dth
    (t = cos th removes the endpoint singularities of the weight and of the
    kernels' sqrt(1-t^2), asin t)."""
    g = lambda th: f(mpmath.cos(th)) * mpmath.sin(th) ** (d - 2)
    return mpmath.quad(g, [0, mpmath.pi / 2, mpmath.pi], method="tanh-sinh")


COMPOSE = [(a, L, r) for a in ("relu_normalized", "sign") for L in range(1, 7)
           for r in ("0.3", "-0.5", "0.7", "0.95")]
GEGEN = [(d, j, l) for d in (2, 3, 5, 10) for j in range(0, 9) for l in range(j % 2, j + 1, 2)]
EIG = [(a, d, L, l) for a in ("relu_normalized", "sign") for d in (3, 5) for L in (1, 2, 3)
       for l in range(0, 5)]


def mult(d, l):
    if l == 0:
        return 1
    b = mpmath.binomial
    return int(b(l + d - 1, d - 1) - (b(l + d - 3, d - 1) if l + d - 3 >= d - 1 else 0))


def run(dps):
    mp.dps = dps
    out = []
    for a, L, r in COMPOSE:
        out.append(("compose", a, "", L, "", "", r, compose(a, L, mpf(r))))
    for d, j, l in GEGEN:
        num = quad(lambda t: t ** j * P(d, l, t), d)
        den = quad(lambda t: P(d, l, t) ** 2, d)
        out.append(("gegen", "", d, "", j, l, "", num / den))
    for a, d, L, l in EIG:
        c = mpmath.gamma(mpf(d) / 2) / (mpmath.sqrt(mpmath.pi) * mpmath.gamma(mpf(d - 1) / 2))
        v = c * quad(lambda t: compose(a, L, t) * P(d, l, t), d)
        out.append(("eig", a, d, L, "", l, "", v))
    return out


def main():
    tm = Timer()
    r1 = run(40)
    r2 = run(60)
    mp.dps = 60
    worst = 0
    for x, y in zip(r1, r2):
        assert x[:7] == y[:7]
        diff = abs(x[7] - y[7])
        worst = max(worst, diff)
        assert diff < mpf("1e-34"), (x, y, diff)
    # sum_l c_{j,l} = 1
    sums = {}
    for row in r2:
        if row[0] == "gegen":
            sums[(row[2], row[4])] = sums.get((row[2], row[4]), 0) + row[7]
    for key, s in sums.items():
        assert abs(s - 1) < mpf("1e-40"), (key, s)
    # partial traces
    tr = {}
    for row in r2:
        if row[0] == "eig":
            key = (row[1], row[2], row[3])
            tr[key] = tr.get(key, 0) + mult(row[2], row[5]) * row[7]
    for key, s in tr.items():
        assert s <= 1 + mpf("1e-40") and s > 0, (key, s)
    path = os.path.join(data_dir(), "learn_ref.csv")
    with open(path, "w") as f:
        f.write(header_line("gen_learn.py", 60))
        f.write("kind,act,d,L,j,l,rho,value\n")
        for row in r2:
            f.write("%s,%s,%s,%s,%s,%s,%s,%s\n" % (row[:7] + (mpmath.nstr(row[7], 45),)))
    log("wrote %s: %d rows, worst disagreement 40 vs 60 digits %s, %.1f s"
        % (path, len(r2), mpmath.nstr(worst, 3), tm()))


if __name__ == "__main__":
    main()

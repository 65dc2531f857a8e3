#!/usr/bin/env python3
"""gen_pwpoly.py -- independent references for the exact path of piecewise
polynomials (lib/hermite/exact.c) at high degree and high precision:
raw a_k = E[sigma(X) h_k(X)] (h_k = He_k / sqrt(k!)) for k = 0..40 and
selected k up to 2000, E sigma^2 and beta = E sigma'^2 / Var sigma ("inf"
where sigma jumps), for eight piecewise polynomials whose breakpoints are
given here in closed form (-1, 1, -pi, sqrt(2), n/3, 0.2 as an exact
decimal, ...), independently of dualact's analysis.

Pass A (mp.dps = 200, written with 90 significant digits): Gaussian
integration by parts (Stein's identity applied repeatedly) turns a_k into
the jumps of sigma and its derivatives at the breakpoints plus, for k up to
the pieces' degree, integrals of sigma^(k):
    sqrt(k!) a_k = sum_b phi(b) sum_r [sigma^(r)]_b He_{k-1-r}(b)
                   + sum_pieces int p^(k) phi,
with He_n(x) = 2^(-n/2) H_n(x/sqrt 2) from mpmath.hermite (hypergeometric
series, not a recurrence), phi and Phi from mpmath, and the piece
integrals, E sigma^2 and E sigma'^2 by mpmath.quad (tanh-sinh) on the
pieces.  (For hardtanh = clip(x, -1, 1) this is a_k = E[sigma' h_{k-1}]/sqrt(k)
with int_{-1}^{1} He_j phi = [-He_{j-1} phi]_{-1}^{1}; for relu the classical
a_k = phi(0) He_{k-2}(0) / sqrt(k!).)

Pass B (mp.dps = 300): the same sums with h_k(b) from the normalized
three-term recurrence (mpgen_common.hermite_row) and the piece integrals
by exact incomplete moments (mpgen_common.incomplete_moments); must agree
with pass A to 1e-150 (in units of sqrt(E sigma^2)).
Pass C (mp.dps = 120), k <= 30 only: a_k straight from its definition,
mpmath.quad (Gauss-Legendre) of sigma(x) He_k(x) phi(x) / sqrt(k!) on the
pieces, without integration by parts; must agree with pass A to 1e-80.

    python3 tests/gen/gen_pwpoly.py      (writes tests/data/coeffs_pwpoly.csv)

The CSV has act,k,value; k = -1 is E sigma^2, k = -2 is beta.
"""
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir, log, Timer, hermite_row, sqrt_table, \
    incomplete_moments

KS = list(range(0, 41)) + [50, 99, 100, 101, 150, 299, 300, 301, 302, 500, 777, 1000,
                           1001, 1500, 1999, 2000]
DIGITS_A, DIGITS_B, DIGITS_C, WRITE = 200, 300, 120, 90
INF = mpmath.inf


def acts():
    """(spec for dualact, pieces [(lo, hi, [c0, c1, ...])]) at the current precision"""
    pi, s2 = mp.pi, mpmath.sqrt(2)
    fl = [(-INF, mpf(-4) / 3, [mpf(-5)])]
    for n in range(-4, 5):
        fl.append((mpf(n) / 3, mpf(n + 1) / 3, [mpf(n)]))
    fl.append((mpf(5) / 3, INF, [mpf(5)]))
    return [
        ("relu", [(-INF, 0, [0]), (0, INF, [0, 1])]),
        ("hardtanh", [(-INF, -1, [-1]), (-1, 1, [0, 1]), (1, INF, [1])]),
        ("clip(x,-pi,sqrt(2))", [(-INF, -pi, [-pi]), (-pi, s2, [0, 1]), (s2, INF, [s2])]),
        ("floor(clip(3*x,-5,5))", fl),
        ("relu_pow(2)", [(-INF, 0, [0]), (0, INF, [0, 0, 1])]),
        ("x>1 ? x^3 : 0.5-x^2", [(-INF, 1, [mpf("0.5"), 0, -1]), (1, INF, [0, 0, 0, 1])]),
        ("leaky_relu(0.2)", [(-INF, 0, [0, mpf("0.2")]), (0, INF, [0, 1])]),
        ("abs(abs(x)-1)", [(-INF, -1, [-1, -1]), (-1, 0, [1, 1]), (0, 1, [1, -1]),
                           (1, INF, [-1, 1])]),
    ]


def pval(p, x, r=0):
    """the r-th derivative of p (ascending coefficients) at x"""
    q = [mpf(c) for c in p]
    for _ in range(r):
        q = [i * q[i] for i in range(1, len(q))] or [mpf(0)]
    return mpmath.fsum(c * x ** i for i, c in enumerate(q))


def pder(p, r):
    q = [mpf(c) for c in p]
    for _ in range(r):
        q = [i * q[i] for i in range(1, len(q))] or [mpf(0)]
    return q


def he_hyp(n, x):
    if n < 0:
        return mpf(0)
    return mpmath.hermite(n, x / mpmath.sqrt(2)) * mpf(2) ** (-mpf(n) / 2)


def jumps(pieces):
    """[(b, [J_0, J_1, ...])]: the jumps of sigma^(r) at each breakpoint"""
    out = []
    for (lo, hi, pl), (lo2, hi2, pr) in zip(pieces, pieces[1:]):
        b = mpf(hi)
        d = max(len(pl), len(pr))
        out.append((b, [pval(pr, b, r) - pval(pl, b, r) for r in range(d)]))
    return out


def quad_pieces(f, pieces, method="tanh-sinh"):
    return mpmath.fsum(mpmath.quad(lambda x: f(x, p), [lo, hi], method=method)
                       for lo, hi, p in pieces)


def has_jump(pieces):
    return any(J[0] != 0 for b, J in jumps(pieces))


def pass_a(pieces):
    """{k: a_k}, E sigma^2, beta"""
    res = {}
    J = jumps(pieces)
    maxdeg = max(len(p) for _, _, p in pieces) - 1
    for k in KS:
        s = mpf(0)
        for b, Jr in J:
            s += mpmath.npdf(b) * mpmath.fsum(Jr[r] * he_hyp(k - 1 - r, b)
                                              for r in range(len(Jr)) if k - 1 - r >= 0)
        if k <= maxdeg:
            s += quad_pieces(lambda x, p: pval(p, x, k) * mpmath.npdf(x), pieces)
        res[k] = s / mpmath.sqrt(mpmath.factorial(k))
    s2 = quad_pieces(lambda x, p: pval(p, x) ** 2 * mpmath.npdf(x), pieces)
    if has_jump(pieces):
        beta = None
    else:
        d2 = quad_pieces(lambda x, p: pval(p, x, 1) ** 2 * mpmath.npdf(x), pieces)
        beta = d2 / (s2 - res[0] ** 2)
    return res, s2, beta


def pass_b(pieces):
    res = {}
    J = jumps(pieces)
    K = max(KS)
    rsq = sqrt_table(K + 2)
    rows = [(b, Jr, hermite_row(b, K, rsq)) for b, Jr in J]
    # int p^(k) phi over the pieces by exact incomplete moments
    def moment_int(k):
        tot = mpf(0)
        for lo, hi, p in pieces:
            q = pder(p, k)
            M = incomplete_moments(lo, hi, len(q) - 1)
            tot += mpmath.fsum(c * M[i] for i, c in enumerate(q))
        return tot
    maxdeg = max(len(p) for _, _, p in pieces) - 1
    for k in KS:
        # He_{k-1-r}(b) / sqrt(k!) = h_{k-1-r}(b) sqrt((k-1-r)! / k!)
        s = mpf(0)
        for b, Jr, h in rows:
            for r in range(len(Jr)):
                n = k - 1 - r
                if n < 0:
                    continue
                ratio = mpf(1)
                for j in range(n + 1, k + 1):
                    ratio /= rsq[j]
                s += mpmath.npdf(b) * Jr[r] * h[n] * ratio
        if k <= maxdeg:
            s += moment_int(k) / mpmath.sqrt(mpmath.factorial(k))
        res[k] = s
    s2 = mpf(0)
    for lo, hi, p in pieces:
        q = [mpf(0)] * (2 * len(p) - 1)
        for i, a in enumerate(p):
            for j, c in enumerate(p):
                q[i + j] += mpf(a) * mpf(c)
        M = incomplete_moments(lo, hi, len(q) - 1)
        s2 += mpmath.fsum(c * M[i] for i, c in enumerate(q))
    return res, s2


def pass_c(pieces):
    res = {}
    for k in KS:
        if k > 30:
            continue
        v = quad_pieces(lambda x, p: pval(p, x) * he_hyp(k, x) * mpmath.npdf(x), pieces,
                        method="gauss-legendre")
        res[k] = v / mpmath.sqrt(mpmath.factorial(k))
    return res


def main():
    timer = Timer()
    out = []
    worst_b = worst_c = mpf(0)
    for i in range(len(acts())):
        mp.dps = DIGITS_A
        spec, pieces = acts()[i]
        a, s2, beta = pass_a(pieces)
        scale = mpmath.sqrt(s2)
        mp.dps = DIGITS_B
        _, pieces_b = acts()[i]
        b, s2b = pass_b(pieces_b)
        for k in KS:
            d = abs(a[k] - b[k]) / scale
            worst_b = max(worst_b, d)
            assert d < mpf(10) ** -150, (spec, k, d)
        assert abs(s2 - s2b) / s2 < mpf(10) ** -150, (spec, s2, s2b)
        mp.dps = DIGITS_C
        _, pieces_c = acts()[i]
        c = pass_c(pieces_c)
        for k, v in c.items():
            d = abs(a[k] - v) / scale
            worst_c = max(worst_c, d)
            assert d < mpf(10) ** -80, (spec, k, d)
        mp.dps = DIGITS_A
        for k in KS:
            out.append('"%s",%d,%s' % (spec, k, mpmath.nstr(a[k], WRITE, min_fixed=-mpmath.inf,
                                                             max_fixed=mpmath.inf)
                                       if abs(a[k]) > mpf(10) ** -180 else "0"))
        out.append('"%s",-1,%s' % (spec, mpmath.nstr(s2, WRITE)))
        out.append('"%s",-2,%s' % (spec, "inf" if beta is None else mpmath.nstr(beta, WRITE)))
        log("%-24s done (%.1f s)" % (spec, timer()))
    log("largest disagreement, pass A vs B: %s, A vs C: %s (units of sqrt(E sigma^2))"
        % (mpmath.nstr(worst_b, 3), mpmath.nstr(worst_c, 3)))
    path = os.path.join(data_dir(), "coeffs_pwpoly.csv")
    with open(path, "w") as f:
        f.write(header_line("gen_pwpoly.py", DIGITS_A))
        f.write("# k = -1: E sigma^2; k = -2: beta = E sigma'^2 / Var sigma (inf: sigma jumps)\n")
        f.write("act,k,value\n")
        for line in out:
            f.write(line + "\n")
    log("wrote %s (%d lines) in %.1f s" % (path, len(out), timer()))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Minimal depths of mean-field networks with weight and bias variances
(dualact depth --sw2 W --sb2 B; docs/numerics.md, "Depth with biases").

Length map q -> sw2 E[s(sqrt(q) Z)^2] + sb2 with fixed point q*; correlation
map at q*: G(c) = (sw2 E[s(u) s(v)] + sb2)/q*, (u, v) of variances q* and
covariance q* c, fixed point c*; chi_1 = sw2 E[s'(sqrt(q*) Z)^2].

Chaotic phase (chi_1 > 1): L* is the least L with
    max(|G^L(1-delta) - c*|, |G^L(-(1-delta)) - c*|) <= eps (1 - c*)/(n-1)
(the activations here are nondecreasing, so G is, and the two ends are the
worst cases).  Ordered phase (chi_1 < 1, c* = 1): rank_one_depth, the least
L with (2 - delta) chi_1^L <= eps.

How (independently of dualact's code):
- q* and chi_1: mp.quad of the Gaussian integrals (40 digits), q* by
  mp.findroot on the length map.
- tanh: G(c) = (sw2 sum_k a_k(q*)^2 c^k + sb2)/q* with a_k(q*) = E[tanh(sqrt(q*) X) h_k(X)]
  (orthonormal Hermite h_k, k <= 800) by the trapezoid rule on [-75, 75]
  (geometric convergence: the integrand is analytic in a strip).  Two
  passes, steps 1/20 and 1/25, must agree to 1e-30; the Parseval sum
  sum_k a_k^2 must equal E[tanh(sqrt(q*) Z)^2] (mp.quad) to 1e-30 (so the
  truncation, which is at most that tail, is below it), and Stein's
  sum_k k a_k^2 = q* E[tanh'(sqrt(q*) Z)^2] must hold to 1e-25.
- erf: the closed form E[erf(u) erf(v)] = (2/pi) asin(2 q c/(1 + 2 q)) (Williams 1997).
- relu: q -> sw2 q/2 + sb2, closed forms.
At the minimal depth L and at L - 1 the deviation must differ from the
threshold by more than 1e-20 (a robust answer).

Writes tests/data/depth_bias.csv:
act,sw2,sb2,delta,eps,n,phase,q_star,c_star,chi1,depth,rank_one_depth

Also the project's NTK bound (da_depth_ntk_bound, docs/numerics.md "The
theorems and what dualact proves") for normalized activations, from mu and
beta by mp.quad (relu: closed forms mu = (pi-2)/(2(pi-1)), beta = pi/(pi-1)):
r_0 = 1-delta, r <- r(1 - mu(1-r)), s = (1-mu) + r(beta-1+mu),
T_0 = r_0, T <- T s + r_new, D_0 = 1, D <- D beta + 1; the least L with
T_L <= D_L eps/(n-1) (margin checked: 1e-10 relative at L and L-1).
Writes tests/data/depth_ntk_bound.csv: act,delta,eps,n,mu,beta,bound
Run:  python3 tests/gen/gen_depth_bias.py      (about a minute and a half)
"""
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir, log, Timer

mp.dps = 40
K = 800
ROBUST = mpf("1e-20")


def gauss(f):
    """E[f(Z)], Z standard normal, by mp.quad"""
    w = 1 / mpmath.sqrt(2 * mpmath.pi)
    return mpmath.quad(lambda x: f(x) * w * mpmath.exp(-x * x / 2),
                       [-mpmath.inf, -20, -8, -3, 0, 3, 8, 20, mpmath.inf])


def hermite_coeffs(s, q, h, T=75):
    """a_k(q) = E[s(sqrt(q) X) h_k(X)], k = 0..K, trapezoid rule with step h"""
    a = [mpf(0)] * (K + 1)
    rq = mpmath.sqrt(q)
    m = int(mpmath.ceil(T / h))
    c0 = h / mpmath.sqrt(2 * mpmath.pi)
    sq = [mpmath.sqrt(k) for k in range(K + 2)]
    for i in range(-m, m + 1):
        x = i * h
        wgt = c0 * mpmath.exp(-x * x / 2) * s(rq * x)
        hp, hc = mpf(0), mpf(1)
        for k in range(K + 1):
            a[k] += wgt * hc
            hp, hc = hc, (x * hc - sq[k] * hp) / sq[k + 1]
    return a


def series_map(a, sw2, sb2, q):
    b = [x * x for x in a]

    def G(c):
        return (sw2 * mpmath.polyval(b[::-1], c) + sb2) / q

    return G


def solve_q(s, sw2, sb2, q0):
    return mpmath.findroot(lambda q: sw2 * gauss(lambda x: s(mpmath.sqrt(q) * x) ** 2) + sb2 - q, q0)


def min_depth(G, cst, delta, eps, n, lmax=5000):
    eta = mpf(eps) * (1 - cst) / (n - 1)
    A, B = -(1 - mpf(delta)), 1 - mpf(delta)
    prev = None
    for l in range(lmax + 1):
        dev = max(abs(A - cst), abs(B - cst))
        if dev <= eta:
            assert eta - dev > ROBUST * eta, "not robust at L"
            assert prev is None or prev - eta > ROBUST * eta, "not robust at L-1"
            return l
        prev = dev
        A, B = G(A), G(B)
    raise RuntimeError("not reached")


def case_tanh(sw2, sb2, deltas, eps, n, rows):
    t = Timer()
    s = mpmath.tanh
    ds = lambda x: 1 / mpmath.cosh(x) ** 2
    sw2, sb2 = mpf(sw2), mpf(sb2)
    q = solve_q(s, sw2, sb2, 1)
    chi1 = sw2 * gauss(lambda x: ds(mpmath.sqrt(q) * x) ** 2)
    a1 = hermite_coeffs(s, q, mpf(1) / 20)
    a2 = hermite_coeffs(s, q, mpf(1) / 25)
    d = max(abs(x - y) for x, y in zip(a1, a2))
    assert d < mpf("1e-30"), d
    e2 = gauss(lambda x: s(mpmath.sqrt(q) * x) ** 2)
    par = abs(sum(x * x for x in a2) - e2)
    assert par < mpf("1e-30"), par
    stein = abs(sum(k * x * x for k, x in enumerate(a2)) - q * chi1 / sw2)
    assert stein < mpf("1e-25"), stein
    G = series_map(a2, sw2, sb2, q)
    assert abs(G(1) - 1) < mpf("1e-29")
    cst = mpmath.findroot(lambda c: G(c) - c, mpf("0.5"))
    assert 0 <= cst < 1 and chi1 > 1
    log("tanh %s %s: q* = %s c* = %s chi1 = %s (two passes %s, Parseval %s, Stein %s; %.1f s)"
        % (sw2, sb2, mpmath.nstr(q, 20), mpmath.nstr(cst, 20), mpmath.nstr(chi1, 20),
           mpmath.nstr(d, 3), mpmath.nstr(par, 3), mpmath.nstr(stein, 3), t()))
    for delta in deltas:
        L = min_depth(G, cst, delta, eps, n)
        rows.append(("tanh", sw2, sb2, delta, eps, n, "chaotic", q, cst, chi1, L, ""))


def case_erf(sw2, sb2, deltas, eps, n, rows):
    sw2, sb2 = mpf(sw2), mpf(sb2)
    # E erf(sqrt(q) Z)^2 = (2/pi) asin(2q/(1+2q)); E erf'(u)^2 = (4/pi)/sqrt(1+4q)
    q = mpmath.findroot(lambda q: sw2 * 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q)) + sb2 - q, 1)
    chi1 = sw2 * 4 / mpmath.pi / mpmath.sqrt(1 + 4 * q)
    chk = sw2 * gauss(lambda x: mpmath.erf(mpmath.sqrt(q) * x) ** 2) + sb2 - q
    assert abs(chk) < mpf("1e-30"), chk

    def G(c):
        return (sw2 * 2 / mpmath.pi * mpmath.asin(2 * q * c / (1 + 2 * q)) + sb2) / q

    cst = mpmath.findroot(lambda c: G(c) - c, mpf("0.2"))
    assert chi1 > 1
    log("erf %s %s: q* = %s c* = %s chi1 = %s" % (sw2, sb2, mpmath.nstr(q, 20), mpmath.nstr(cst, 20),
                                                mpmath.nstr(chi1, 20)))
    for delta in deltas:
        L = min_depth(G, cst, delta, eps, n)
        rows.append(("erf", sw2, sb2, delta, eps, n, "chaotic", q, cst, chi1, L, ""))


def case_relu_ordered(sw2, sb2, deltas, eps, n, rows):
    sw2, sb2 = mpf(sw2), mpf(sb2)
    assert sw2 < 2
    q = sb2 / (1 - sw2 / 2)
    chi1 = sw2 / 2
    for delta in deltas:
        r = mpmath.log((2 - mpf(delta)) / mpf(eps)) / -mpmath.log(chi1)
        assert abs(r - mpmath.nint(r)) > mpf("1e-10")
        L = int(mpmath.ceil(r))
        rows.append(("relu", sw2, sb2, delta, eps, n, "ordered", q, mpf(1), chi1, "", L))


def ntk_bound(mu, beta, delta, eps, n):
    thr = mpf(eps) / (n - 1)
    r = 1 - mpf(delta)
    T, D = r, mpf(1)
    L = 0
    prev = None
    while T > D * thr:
        prev = T / (D * thr)
        s = (1 - mu) + r * (beta - 1 + mu)
        r = r * (1 - mu * (1 - r))
        T = T * s + r
        D = D * beta + 1
        L += 1
    assert 1 - T / (D * thr) > mpf("1e-10") and (prev is None or prev - 1 > mpf("1e-10"))
    return L


def normalized_mu_beta(s, ds):
    m = gauss(s)
    var = gauss(lambda x: (s(x) - m) ** 2)
    a1 = gauss(lambda x: s(x) * x)
    return 1 - a1 * a1 / var, gauss(lambda x: ds(x) ** 2) / var


def ntk_rows():
    pi = mpmath.pi
    acts = [("relu", (pi - 2) / (2 * (pi - 1)), pi / (pi - 1))]
    acts.append(("tanh",) + normalized_mu_beta(mpmath.tanh, lambda x: 1 / mpmath.cosh(x) ** 2))
    acts.append(("erf",) + normalized_mu_beta(mpmath.erf,
                                              lambda x: 2 / mpmath.sqrt(pi) * mpmath.exp(-x * x)))
    out = []
    for name, mu, beta in acts:
        for delta in ["0.1", "0.01"]:
            b = ntk_bound(mu, beta, delta, "0.01", 1000)
            out.append((name, delta, "0.01", 1000, mu, beta, b))
            log("ntk bound %s delta %s: %d" % (name, delta, b))
    return out


def main():
    nrows = ntk_rows()
    path = os.path.join(data_dir(), "depth_ntk_bound.csv")
    with open(path, "w") as f:
        f.write(header_line("gen_depth_bias.py", mp.dps))
        f.write("act,delta,eps,n,mu,beta,bound\n")
        for r in nrows:
            f.write("%s,%s,%s,%d,%s,%s,%d\n" % (r[0], r[1], r[2], r[3], mpmath.nstr(r[4], 30),
                                              mpmath.nstr(r[5], 30), r[6]))
    rows = []
    case_tanh("2.5", "0.2", ["0.1", "0.01"], "0.01", 1000, rows)
    case_erf("3", "0.05", ["0.1", "0.01"], "0.01", 1000, rows)
    case_relu_ordered("1.8", "0.1", ["0.1", "0.01"], "0.01", 1000, rows)
    path = os.path.join(data_dir(), "depth_bias.csv")
    with open(path, "w") as f:
        f.write(header_line("gen_depth_bias.py", mp.dps))
        f.write("act,sw2,sb2,delta,eps,n,phase,q_star,c_star,chi1,depth,rank_one_depth\n")
        for r in rows:
            f.write("%s,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s\n" % (
                r[0], mpmath.nstr(r[1], 10), mpmath.nstr(r[2], 10), r[3], r[4], r[5], r[6],
                mpmath.nstr(r[7], 30), mpmath.nstr(r[8], 30), mpmath.nstr(r[9], 30), r[10], r[11]))
    log("wrote %s (%d rows)" % (path, len(rows)))


if __name__ == "__main__":
    main()

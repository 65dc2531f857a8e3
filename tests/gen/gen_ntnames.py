#!/usr/bin/env python3
"""Reference kernels for neural-tangents' names Hermite, Polynomial, Gabor
and for ExpNormalized's unit-variance equivalent, with mpmath and fractions.

Writes tests/data/ntnames_refs.csv
  (case,act,sw2,sb2,q1,q2,cov,layer,k11,k22,nngp,ntk),
the format of kernel_refs.csv (tests/gen/gen_kernel.py): the network
Dense(sw2, sb2), then L blocks (act, Dense(sw2, sb2)), NTK parameterisation,
  K <- sw2 K_in + sb2, Theta_0 = K_0;
  K_new = sw2 E[s(u) s(v)] + sb2,  Theta <- K_new + sw2 E[s'(u) s'(v)] Theta.
The act column is a label (the dualact spec has commas):
  hermite3    Hermite(3)          He_3(x)/sqrt(3!) = (x^3 - 3x)/sqrt(6)
  hermite4    Hermite(4)          (x^4 - 6x^2 + 3)/sqrt(24)
  poly        Polynomial(0.5,-1,0.25,0.5)   0.5 - x + 0.25 x^2 + 0.5 x^3
  gabor       Gabor               exp(-x^2) sin(x)
  expnorm     exp(sqrt(2)*x-2)    ExpNormalized(gamma=2, shift=-1) at unit variance
  expnorm2    exp(sqrt(0.5)*x-0.1875)   ExpNormalized(gamma=0.5, shift=0.25), depth 1

Pass A is neural-tangents' own closed form for each layer (the formulas of
its stax elementwise.py, neural-tangents at commit c17e770, 2024-03-01,
transcribed as mathematics):
  Hermite(k)    at unit variances (its stated assumption): E12 = c^k,
                E11 = K11^k, E[s's'] = k c^(k-1); at general variances
                (case A) neural-tangents' Hermite kernel is not the
                Gaussian expectation of its function, so there pass A is
                its Polynomial formula for the monomial coefficients of
                He_k/sqrt(k!);
  Polynomial    Mehler's form: r_l(q) = sum_i a_(2i+l) (2i+l)!/(2^i i!
                sqrt(l!)) q^((2i+l)/2), E12 = sum_l r_l(q1) r_l(q2) t^l,
                E[s's'] = sum_l l r_l(q1) r_l(q2) t^(l-1) / sqrt(q1 q2),
                t = c/sqrt(q1 q2);
  Gabor         diff = 4(q1 q2 - c^2), den = 2(q1 + q2) + diff + 1,
                num = q1 + q2 + diff + 2c, E12 = exp(-num/(2 den))
                (exp(2c/den) - 1)/(2 sqrt(den)); E[s's'] = T/2 with
                T = exp(-num/(2 den)) (L + exp(2c/den) R)/den^(5/2),
                S = 1 + 2(q1 + q2) + 4(c^2 + q1 q2), D = 4c(diff +
                3(q1 + q2) + 2), L = S - D, R = S + D;
  ExpNormalized(gamma, shift): E12 = sqrt(q1 q2) exp(gamma (t + shift)),
                E11 = q1 exp(gamma (1 + shift)), E[s's'] = gamma exp(gamma
                (t + shift)) (its NTK factor).
Pass B is independent of neural-tangents:
  polynomials   exact rational arithmetic (fractions): E[u^i v^j] from
                v = (c/q1) u + w, w independent of variance q2 - c^2/q1,
                and E u^(2n) = (2n-1)!! q^n; the decimal inputs are exact
                fractions, so every layer is an exact rational;
  Gabor         sin u sin v = (cos(u - v) - cos(u + v))/2 and the Gaussian
                integral E[exp(-w.w + i a.w)] = det(I + 2S)^(-1/2)
                exp(-a.M a/2), M = S (I + 2S)^(-1), evaluated with mpmath
                matrices (not simplified by hand); E[s's'] =
                d/dc E[s(u)s(v)] (Price's theorem) by mpmath.diff; and a
                pass C at layer 1 by two-dimensional mpmath.quad at 20
                digits (agreement 1e-15);
  exp(b x + a0) E[s(u)s(v)] = exp(2 a0 + b^2 (q1 + q2 + 2c)/2),
                E[s's'] = b^2 times the same: the kernel of the elementwise
                function, equal to ExpNormalized's wherever the variances
                entering the layer are 1 (cases C and D: unit inputs,
                sw2 + sb2 = 1 and shift = -1 keep them at 1 at every
                layer).
Passes A and B must agree to 1e-33 (absolute, at 60 digits) or nothing is
written.

Run:  /usr/bin/python3 tests/gen/gen_ntnames.py   (seconds)
"""
import os
import sys
from fractions import Fraction
from math import factorial

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir

DPS = 60

# monomial coefficients (lowest first), as exact fractions where rational
POLY = [Fraction("0.5"), Fraction(-1), Fraction("0.25"), Fraction("0.5")]


def hermite_e(k):
    """Integer coefficients of He_k, lowest first (He_{n+1} = x He_n - n He_{n-1})."""
    a, b = [1], [0, 1]
    if k == 0:
        return a
    for n in range(1, k):
        c = [0] + b
        for i, v in enumerate(a):
            c[i] -= n * v
        a, b = b, c
    return b


# label -> (kind, data)
ACTS = {
    "hermite3": ("herm", 3),
    "hermite4": ("herm", 4),
    "poly": ("poly", POLY),
    "gabor": ("gabor", None),
    "expnorm": ("expn", ("2", "-1")),
    "expnorm2": ("expn", ("0.5", "0.25")),
}

# (case, label, sw2, sb2, q1, q2, cov, depth)
CASES = [
    ("A", "hermite3", "1.5", "0.1", "1.3", "0.7", "0.4", 2),
    ("A", "poly", "1.5", "0.1", "1.3", "0.7", "0.4", 2),
    ("A", "gabor", "1.5", "0.1", "1.3", "0.7", "0.4", 3),
    ("C", "hermite3", "1", "0", "1", "1", "0.3", 3),
    ("C", "hermite4", "1", "0", "1", "1", "-0.6", 2),
    ("C", "poly", "1", "0", "1", "1", "0.3", 1),
    ("C", "expnorm", "1", "0", "1", "1", "0.3", 3),
    ("C", "expnorm2", "1", "0", "1", "1", "-0.4", 1),
    ("D", "expnorm", "0.8", "0.2", "1", "1", "0.3", 3),
]


# ---- pass A: neural-tangents' closed forms --------------------------------

def nt_poly(coef, q1, q2, c):
    """(E[s(u)s(v)], E[s'(u)s'(v)]) by neural-tangents' Polynomial formula;
    coef: monomial coefficients (mpf), lowest first."""
    n = len(coef)

    def r(q, l):
        s = mpf(0)
        i = 0
        while 2 * i + l < n:
            m = 2 * i + l
            s += coef[m] * factorial(m) / (
                2 ** i * factorial(i) * mpmath.sqrt(factorial(l))) * mpmath.sqrt(q) ** m
            i += 1
        return s
    sp = mpmath.sqrt(q1 * q2)
    t = c / sp
    e = sum(r(q1, l) * r(q2, l) * t ** l for l in range(n))
    d = sum(l * r(q1, l) * r(q2, l) * t ** (l - 1) for l in range(1, n)) / sp
    return e, d


def herm_coef(k):
    """Monomial coefficients of He_k/sqrt(k!) as mpf (irrational for k >= 2)."""
    s = mpmath.sqrt(factorial(k))
    return [mpf(v) / s for v in hermite_e(k)]


def nt_gabor(q1, q2, c):
    diff = 4 * (q1 * q2 - c ** 2)
    sm = q1 + q2
    den = 2 * sm + diff + 1
    num = sm + diff + 2 * c
    el = mpmath.exp(-num / (2 * den))
    er = mpmath.exp(2 * c / den)
    S = 1 + 2 * sm + 4 * (c ** 2 + q1 * q2)
    D = 4 * c * (diff + 3 * sm + 2)
    T = el * ((S - D) + er * (S + D)) / den ** mpf(2.5)
    return el * (er - 1) / (2 * mpmath.sqrt(den)), T / 2


def pass_a(label, q1, q2, c, case):
    kind, data = ACTS[label]
    if kind == "herm" and case == "C":
        k = data
        return c ** k, k * c ** (k - 1) if k else mpf(0)
    if kind == "herm":
        return nt_poly(herm_coef(data), q1, q2, c)
    if kind == "poly":
        return nt_poly([tompf(a) for a in data], q1, q2, c)
    if kind == "gabor":
        return nt_gabor(q1, q2, c)
    g, s = mpf(data[0]), mpf(data[1])
    sp = mpmath.sqrt(q1 * q2)
    ex = mpmath.exp(g * (c / sp + s))
    return sp * ex, g * ex


# ---- pass B: independent ---------------------------------------------------

def gauss_moment(n, q):
    if n % 2:
        return Fraction(0)
    r = Fraction(1)
    for j in range(1, n, 2):
        r *= j
    return r * q ** (n // 2)


def exact_pair(coef1, coef2, q1, q2, c):
    """E[p1(u) p2(v)] exactly, (u, v) centred Gaussian (q1, q2, c), fractions."""
    b = c / q1
    s = q2 - c * c / q1
    tot = Fraction(0)
    for i, a1 in enumerate(coef1):
        if not a1:
            continue
        for j, a2 in enumerate(coef2):
            if not a2:
                continue
            # E[u^i (b u + w)^j] = sum_m C(j, m) b^m E u^(i+m) E w^(j-m)
            e = Fraction(0)
            for m in range(j + 1):
                e += (factorial(j) // (factorial(m) * factorial(j - m))) * b ** m * \
                    gauss_moment(i + m, q1) * gauss_moment(j - m, s)
            tot += a1 * a2 * e
    return tot


def deriv(coef):
    return [i * a for i, a in enumerate(coef)][1:]


def gabor_b(q1, q2, c):
    def e12(cc):
        S = mpmath.matrix([[q1, cc], [cc, q2]])
        A = mpmath.eye(2) + 2 * S
        M = S * mpmath.inverse(A)
        det = mpmath.det(A)
        tot = mpf(0)
        for sgn, a in ((1, mpmath.matrix([1, -1])), (-1, mpmath.matrix([1, 1]))):
            quad = (a.T * M * a)[0]
            tot += sgn * mpmath.exp(-quad / 2) / mpmath.sqrt(det)
        return tot / 2
    return e12(c), mpmath.diff(e12, c)


def gabor_quad(q1, q2, c):
    """E[s(u)s(v)] and E[s'(u)s'(v)] by 2-D quadrature (pass C, low precision)."""
    f = lambda x: mpmath.exp(-x * x) * mpmath.sin(x)
    df = lambda x: mpmath.exp(-x * x) * (mpmath.cos(x) - 2 * x * mpmath.sin(x))
    rho = c / mpmath.sqrt(q1 * q2)
    w = mpmath.sqrt(1 - rho ** 2)
    dens = lambda x, z: mpmath.exp(-(x * x + z * z) / 2) / (2 * mpmath.pi)
    out = []
    for g in (f, df):
        h = lambda x, z: g(mpmath.sqrt(q1) * x) * g(mpmath.sqrt(q2) * (rho * x + w * z)) * dens(x, z)
        out.append(mpmath.quad(h, [-10, 0, 10], [-10, 0, 10]))
    return out


def pass_b(label, q1, q2, c, exact):
    """exact: (q1, q2, c) as fractions for polynomials, else mpf."""
    kind, data = ACTS[label]
    if kind in ("herm", "poly"):
        if kind == "herm":
            # He_k has integer coefficients: E[He_k He_k]/k!, exactly
            co = [Fraction(v) for v in hermite_e(data)]
            scale = Fraction(1, factorial(data))
        else:
            co, scale = data, Fraction(1)
        return (scale * exact_pair(co, co, *exact),
                scale * exact_pair(deriv(co), deriv(co), *exact))
    if kind == "gabor":
        return gabor_b(q1, q2, c)
    g, s = mpf(data[0]), mpf(data[1])
    b2, a0 = g, g * (s - 1) / 2
    e = mpmath.exp(2 * a0 + b2 * (q1 + q2 + 2 * c) / 2)
    return e, b2 * e


# ---- the network -------------------------------------------------------------

def network(case, passno):
    cid, label, sw2, sb2, q1, q2, cov, depth = case
    mp.dps = DPS
    exact = passno == 1 and ACTS[label][0] in ("herm", "poly")
    if exact:
        sw2, sb2, q1, q2, cov = map(Fraction, (sw2, sb2, q1, q2, cov))
    else:
        sw2, sb2, q1, q2, cov = map(mpf, (sw2, sb2, q1, q2, cov))
    K11, K22, K12 = sw2 * q1 + sb2, sw2 * q2 + sb2, sw2 * cov + sb2
    Th = K12
    rows = [(0, K11, K22, K12, Th)]
    for l in range(1, depth + 1):
        if passno == 0:
            E11, _ = pass_a(label, K11, K11, K11, cid)
            E22, _ = pass_a(label, K22, K22, K22, cid)
            E12, D12 = pass_a(label, K11, K22, K12, cid)
        else:
            mk = (lambda a, b, c: (a, b, c)) if exact else (lambda a, b, c: None)
            E11, _ = pass_b(label, K11, K11, K11, mk(K11, K11, K11))
            E22, _ = pass_b(label, K22, K22, K22, mk(K22, K22, K22))
            E12, D12 = pass_b(label, K11, K22, K12, mk(K11, K22, K12))
        K11, K22, K12 = sw2 * E11 + sb2, sw2 * E22 + sb2, sw2 * E12 + sb2
        Th = K12 + sw2 * D12 * Th
        rows.append((l, K11, K22, K12, Th))
    return rows


def tompf(v):
    return mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else mpf(v)


def main():
    out = []
    worst = mpf(0)
    for case in CASES:
        A = network(case, 0)
        B = network(case, 1)
        mp.dps = DPS
        for ra, rb in zip(A, B):
            for x, y in zip(ra[1:], rb[1:]):
                d = abs(tompf(x) - tompf(y))
                worst = max(worst, d)
                if d > mpf("1e-33"):
                    sys.exit("gen_ntnames: passes disagree by %s in %s" % (mpmath.nstr(d, 3), case))
        for r in B:
            out.append([case[0], case[1]] + list(case[2:7]) + [str(r[0])] +
                       [mpmath.nstr(tompf(v), 40, min_fixed=-5, max_fixed=5) for v in r[1:]])
    # pass C: Gabor at layer 1 of case A by 2-D quadrature
    mp.dps = 20
    q1, q2, c = mpf("1.3") * mpf("1.5") + mpf("0.1"), mpf("0.7") * mpf("1.5") + mpf("0.1"), \
        mpf("0.4") * mpf("1.5") + mpf("0.1")
    qc = gabor_quad(q1, q2, c)
    mp.dps = DPS
    ga = nt_gabor(q1, q2, c)
    dq = max(abs(x - y) for x, y in zip(qc, ga))
    if dq > mpf("1e-15"):
        sys.exit("gen_ntnames: Gabor quadrature disagrees by %s" % mpmath.nstr(dq, 3))
    path = os.path.join(data_dir(), "ntnames_refs.csv")
    with open(path, "w") as f:
        f.write(header_line("gen_ntnames.py", 40))
        f.write("case,act,sw2,sb2,q1,q2,cov,layer,k11,k22,nngp,ntk\n")
        for r in out:
            f.write(",".join(r) + "\n")
    print("gen_ntnames: largest disagreement between passes %s, Gabor quadrature %s; wrote %s"
          % (mpmath.nstr(worst, 3), mpmath.nstr(dq, 3), path), file=sys.stderr)


if __name__ == "__main__":
    main()

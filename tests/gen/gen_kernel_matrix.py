#!/usr/bin/env python3
"""Reference NNGP / NTK kernel MATRICES for dualact's matrix engine, mpmath only.

Writes
  tests/data/kernel_matrix_X.csv     set,row,x1,x2,x3,x4   (the inputs)
  tests/data/kernel_matrix_refs.csv  set,act,depth,i,j,nngp,ntk  (i <= j, 25 digits)

Inputs: set `unequal` (6 rows in dimension 4, x.x/4 from 0.19 to 30.1; rows 3
and 4 differ in the 5th significant digit of one coordinate, input-kernel
correlation 1 - 4.5e-10; rows 2 and 5 point in nearly opposite directions,
data correlation -0.99994, input-kernel correlation -0.989) and set `iris`
(the first 8 rows of docs/examples/iris.csv, the four feature columns).  Row
and pair indices are 0-based.  The reference computation uses the exact
double values of the written decimals (mpf(float(s))).

Network (neural-tangents' conventions, NTK parameterisation, docs/numerics.md
section 7): K0_ij = sw2 x_i.x_j/d + sb2, Theta_0 = K0, then `depth` blocks
  E = E[s(u)s(v)],  D = E[s'(u)s'(v)],  (u, v) Gaussian, Var u = K_ii,
  Var v = K_jj, Cov = K_ij;
  K_new = sw2 E + sb2,  Theta_new = K_new + sw2 D Theta,
with sw2 = 1.5, sb2 = 0.1 (exact decimals).  Diagonal entries (u = v exactly)
are 1-D integrals.  Layer 0 is exact (rational arithmetic on the doubles,
including det_ij = K_ii K_jj - K_ij^2, so 1 - rho^2 has no cancellation);
later layers carry det at 40+ digits.

Methods (every expectation is computed twice, independently):
  ABRelu(-0.5,2), LeakyRelu(0.1): s = a x + b relu(x) (ABRelu(a',b'):
      a = a', b = b' - a'), bilinearity with E[u relu(v)] = c/2;
      pass A (50 digits): closed forms, E = a^2 c + a b c + b^2 J,
      J = (sqrt(det) + (pi - theta) c)/(2 pi), theta = atan2(sqrt(det), c),
      D = a^2 + a b + b^2 (pi - theta)/(2 pi);
      pass B (45 digits): outer quadrature in x (mpgen_common.vquad, mpmath's
      Gauss-Legendre nodes with degree doubling), u = sqrt(q1) x, cut at 0 and
      at +-(be/|al|) 4^k where the inner mean has its boundary layer; inner
      Gaussian integral in closed form, E_z s(m + be z) = a m + b (m Phi(m/be)
      + be phi(m/be)), E_z s'(m + be z) = a + b Phi(m/be).
  Rbf(0.5): s = sqrt(2) sin(a x + p), a = sqrt(2 gamma) = 1, p = pi/4;
      pass A: E = exp(-a^2 (q1 + q2 - 2c)/2) - cos(2p) exp(-a^2 (q1 + q2 + 2c)/2),
      D = a^2 (exp(-a^2 (q1 + q2 - 2c)/2) + cos(2p) exp(-a^2 (q1 + q2 + 2c)/2)),
      with cos(2p) = 0 (so K_ii = sw2 + sb2 after the first block, and
      q_i + q_j - 2 c_ij is carried as -2 sw2 expm1(-a^2 dist/2));
      pass B: outer Gauss-Legendre quadrature (vquad, 52 pieces on [-13, 13]),
      inner E_z sin(a (m + b z) + p) = sin(a m + p) exp(-a^2 b^2/2).
  tanh, gelu (x Phi(x)), mish x*tanh(log(1+exp(x))): 2-D quadrature in both
      passes, no series.  u = r1 x, v = al x + be z, r1 = sqrt(q1),
      al = c/r1, be = sqrt(det/q1) (the larger variance is taken as q1, so be
      is the smaller conditional spread).
      pass A (40 digits): the trapezoid rule on [-12, 12] in x and in z, steps
      chosen per pair from the strip of analyticity (trapezoid error about
      M(d) exp(-2 pi d/h)): poles of tanh at +-pi/2 i, of mish at
      log(sqrt 2) +- 3 pi/4 i (tanh(log y) = (y^2-1)/(y^2+1)), gelu entire
      with growth exp(R^2 y^2/2); in x d <= 0.9 (pole distance)/max(r1, |al|),
      in z d <= 0.9 (pole distance)/be; h = max_d 2 pi d/(L + R^2 d^2/2),
      L = 72, R^2 = 1 (Gaussian weight) for tanh and mish, 1 + r1^2 + al^2
      (x) and 1 + be^2 (z) for gelu.  tanh uses the symmetry (x, z) -> (-x, -z);
      mish is evaluated as v N/(N+2), N = E(E+2), E = e^v (exp factored).
      pass B (48 digits): Gauss-Legendre, 24 nodes per piece, in x on pieces
      graded geometrically (ratio 2) around the activation's feature at the
      scale min(d/r1, max(d, be)/|al|), d the pole distance (gelu: 1.5), and
      of width 3 beyond; the inner
      integral over v (not z) with the conditional density N(v; al x, be^2) as
      weight, on fixed v-pieces graded around the feature of s and of width
      3 be (gelu: at most 6) beyond, so s(v) is evaluated once per pair and
      node (cached) and only the weights exp(-(v - al x)^2/(2 be^2)) per outer
      node; where be is small (be <= pole distance/6, gelu: 1.5/6) the inner
      integral is instead a 40-node Gauss-Hermite rule in z.  Gauss-Legendre
      and Gauss-Hermite nodes are computed here (Newton at the working
      precision).  The activation is evaluated differently from pass A
      (tanh and 1/cosh^2; mpgen_acts' softplus and sigm for mish; ncdf for gelu).
      gelu also gets a third pass C (45 digits): outer quadrature (vquad,
      Gauss-Legendre) with the inner integral in closed form (as
      gen_kernel.py does), E_z[(m+bz) Phi(m+bz)] = m Phi(m/s) + b^2 phi(m/s)/s
      and E_z[Phi(m+bz) + (m+bz) phi(m+bz)] = Phi(m/s) + m phi(m/s)/s^3,
      s = sqrt(1 + b^2).
Required agreement: pass A vs pass B (and B vs C) to 1e-20 relative to
sqrt(K_ii K_jj) (nngp) and sqrt(Theta_ii Theta_jj) (ntk); nothing is written
otherwise.  Written values: pass A for the closed forms, pass B for the 2-D
quadratures.  The column act holds dualact's spec strings; those containing a
comma are in double quotes (RFC 4180).

Run:  /usr/bin/python3 tests/gen/gen_kernel_matrix.py   (2 processes; 15 minutes
      wall, 880 s CPU, on a machine loaded by builds)
      /usr/bin/python3 tests/gen/gen_kernel_matrix.py --one ACT Q1 Q2 C DET
          (one expectation pair by every pass, for testing)
"""
import concurrent.futures as cf
import os
import sys
import time
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir, vquad, hermite_row, sqrt_table, log, Timer
from mpgen_acts import softplus, sigm

SW2, SB2 = "1.5", "0.1"
DEPTH = 3
DIGITS = 25
TOL = mpf("1e-20")
MISH = "x*tanh(log(1+exp(x)))"
ACTS = ["tanh", "gelu", "ABRelu(-0.5,2)", "LeakyRelu(0.1)", "Rbf(0.5)", MISH]
KIND = {"tanh": "2d", "gelu": "2d", MISH: "2d", "ABRelu(-0.5,2)": "relu",
        "LeakyRelu(0.1)": "relu", "Rbf(0.5)": "rbf"}
AB = {"ABRelu(-0.5,2)": ("-0.5", "2"), "LeakyRelu(0.1)": ("0.1", "1")}
RBF_GAMMA = "0.5"
DPS = {("2d", "A"): 40, ("2d", "B"): 48, ("2d", "C"): 45,
       ("relu", "A"): 50, ("relu", "B"): 45, ("rbf", "A"): 50, ("rbf", "B"): 45}

UNEQUAL = [
    ("0.412", "-0.537", "0.263", "0.498"),      # x.x/4 = 0.19
    ("5.73", "-4.91", "6.08", "5.16"),          # x.x/4 = 30.1
    ("2.83", "1.74", "-4.41", "1.23"),          # x.x/4 = 8.0
    ("1.23457", "-0.86421", "1.97531", "0.51234"),
    ("1.23457", "-0.86421", "1.97543", "0.51234"),   # row 3, 5th digit of x3 changed
    ("-4.46", "-2.83", "7.09", "-1.93"),        # about -1.6 * row 2
]


def iris_rows():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(os.path.dirname(os.path.dirname(here)), "docs", "examples", "iris.csv")
    with open(path) as f:
        lines = f.read().split("\n")
    rows = []
    for ln in lines[1:9]:
        rows.append(tuple(ln.split(",")[:4]))
    return rows


def sets():
    return [("unequal", UNEQUAL), ("iris", iris_rows())]


# ---------------------------------------------------------------------------
# layer 0, exactly
# ---------------------------------------------------------------------------

def layer0(rows):
    X = [[Fraction(float(s)) for s in r] for r in rows]
    d = len(X[0])
    sw2, sb2 = Fraction(SW2), Fraction(SB2)
    n = len(X)
    K = {}
    for i in range(n):
        for j in range(i, n):
            K[i, j] = sw2 * sum(a * b for a, b in zip(X[i], X[j])) / d + sb2
    det = {}
    for i in range(n):
        for j in range(i, n):
            det[i, j] = K[i, i] * K[j, j] - K[i, j] ** 2
    return K, det


def fr2mp(q):
    return mpf(q.numerator) / q.denominator


# ---------------------------------------------------------------------------
# quadrature rules of our own: Gauss-Legendre and Gauss-Hermite (weight phi)
# ---------------------------------------------------------------------------

_rules = {}


def gl_rule(N):
    """nodes and weights on [-1, 1] at the current precision"""
    key = ("gl", N, mp.prec)
    if key in _rules:
        return _rules[key]
    prec = mp.prec
    mp.prec = prec + 30
    try:
        eps = mpf(2) ** (-prec - 10)
        xs, ws = [], []
        for k in range(1, N // 2 + 1):
            x = mpmath.cos(mp.pi * (k - mpf("0.25")) / (N + mpf("0.5")))
            for _ in range(100):
                p0, p1 = mpf(1), x
                for m in range(2, N + 1):
                    p0, p1 = p1, ((2 * m - 1) * x * p1 - (m - 1) * p0) / m
                dp = N * (x * p1 - p0) / (x * x - 1)
                dx = p1 / dp
                x -= dx
                if abs(dx) < eps:
                    break
            else:
                raise RuntimeError("gl_rule: no convergence")
            p0, p1 = mpf(1), x
            for m in range(2, N + 1):
                p0, p1 = p1, ((2 * m - 1) * x * p1 - (m - 1) * p0) / m
            dp = N * (x * p1 - p0) / (x * x - 1)
            w = 2 / ((1 - x * x) * dp * dp)
            xs += [x, -x]
            ws += [w, w]
        if N % 2:
            p0, p1 = mpf(1), mpf(0)
            for m in range(2, N + 1):
                p0, p1 = p1, (-(m - 1) * p0) / m
            # P_N'(0) = N P_{N-1}(0)
            dp = N * p0
            xs.append(mpf(0))
            ws.append(2 / (dp * dp))
    finally:
        mp.prec = prec
    r = ([+x for x in xs], [+w for w in ws])
    assert abs(mpmath.fsum(r[1]) - 2) < mpf(2) ** (-prec + 8)
    _rules[key] = r
    return r


def gh_rule(N):
    """probabilists' Gauss-Hermite: nodes, weights with sum w f(z) ~ E f(Z)"""
    key = ("gh", N, mp.prec)
    if key in _rules:
        return _rules[key]
    import numpy
    guesses = numpy.polynomial.hermite_e.hermegauss(N)[0]
    prec = mp.prec
    mp.prec = prec + 30
    try:
        rsq = sqrt_table(N)
        eps = mpf(2) ** (-prec - 10)
        xs, ws = [], []
        for g in guesses:
            if g < 0:
                continue
            x = mpf(float(g))
            for _ in range(100):
                h = hermite_row(x, N, rsq)
                dx = h[N] / (rsq[N] * h[N - 1])
                x -= dx
                if abs(dx) < eps:
                    break
            else:
                raise RuntimeError("gh_rule: no convergence")
            h = hermite_row(x, N - 1, rsq)
            w = 1 / mpmath.fsum(t * t for t in h)
            if x == 0 or abs(x) < eps:
                xs.append(mpf(0))
                ws.append(w)
            else:
                xs += [x, -x]
                ws += [w, w]
    finally:
        mp.prec = prec
    r = ([+x for x in xs], [+w for w in ws])
    assert len(r[0]) == N
    assert abs(mpmath.fsum(r[1]) - 1) < mpf(2) ** (-prec + 8)
    assert abs(mpmath.fsum(w * x * x for x, w in zip(*r)) - 1) < mpf(2) ** (-prec + 8)
    _rules[key] = r
    return r


def gl_on(breaks, N):
    xs, ws = gl_rule(N)
    X, W = [], []
    for a, b in zip(breaks[:-1], breaks[1:]):
        m, l = (a + b) / 2, (b - a) / 2
        for x, w in zip(xs, ws):
            X.append(m + l * x)
            W.append(l * w)
    return X, W


def graded(center, d, lo, hi, width):
    """breakpoints on [lo, hi]: center +- d/2 * 2^k while the step is below
    `width`, then steps of `width`"""
    pts = set([lo, hi])
    for sgn in (1, -1):
        off, step = mpf(0), d / 2
        while True:
            if step > width:
                step = width
            off += step
            p = center + sgn * off
            if (sgn > 0 and p >= hi) or (sgn < 0 and p <= lo):
                break
            pts.add(p)
            if step < width:
                step = off      # doubling: next piece as long as all before
    if lo < center < hi:
        pts.add(center)
    return sorted(pts)


# ---------------------------------------------------------------------------
# the analytic activations: feature location / pole distance (in v units)
# ---------------------------------------------------------------------------

def feature(name):
    """(Re of the nearest singularity, its distance from the real axis, growth)
    growth: R^2 coefficient of exp(R^2 y^2/2) for entire functions, else 0"""
    if name == "tanh":
        return mpf(0), mp.pi / 2, 0
    if name == MISH:
        return mpmath.log(2) / 2, 3 * mp.pi / 4, 0
    if name == "gelu":
        return mpf(0), None, 1
    raise ValueError(name)


# pass A: trapezoid; evaluation written with exp/erfc directly

def trap_step(dmax, R2, L):
    """max over 0 < d <= dmax of 2 pi d/(L + R2 d^2/2)"""
    dstar = mpmath.sqrt(2 * L / R2)
    d = dstar if dmax is None or dmax > dstar else dmax
    return min(2 * mp.pi * d / (L + R2 * d * d / 2), mpf("0.5"))


def trap_nodes(h, T):
    n = int(T / h)
    c0 = 1 / mpmath.sqrt(2 * mp.pi)
    xs = [h * k for k in range(-n, n + 1)]
    ws = [h * c0 * mpmath.exp(-x * x / 2) for x in xs]
    return xs, ws


def gdA(name):
    """v -> (s(v), s'(v)) for pass A"""
    if name == "tanh":
        def f(v):
            t = mpmath.tanh(v)
            return t, 1 - t * t
    elif name == "gelu":
        k = 1 / mpmath.sqrt(2)
        c0 = 1 / mpmath.sqrt(2 * mp.pi)

        def f(v):
            P = mpmath.erfc(-v * k) / 2
            return v * P, P + v * c0 * mpmath.exp(-v * v / 2)
    elif name == MISH:
        def f(v):
            E = mpmath.exp(v)
            N = E * (E + 2)
            Q = N + 2
            T = N / Q
            return v * T, T + 4 * v * E * (E + 1) / (Q * Q)
    return f


LA, TA = 72, 12
TB, NB, NH = mpf("12.5"), 24, 40
# pass B piece widths away from the features: outer (x) and inner (v; None:
# 3 be, the conditional density's scale).  24 Gauss-Legendre nodes integrate
# phi over pieces of width 3 to 1e-34.  gelu's continuation grows like
# exp(r^2 y^2/2) off the real axis, so its inner pieces stay narrower.
WX = {"tanh": mpf(3), MISH: mpf(3), "gelu": mpf(3)}
WV = {"tanh": None, MISH: None, "gelu": mpf(6)}


def E_trap(name, q1, q2, c, det):
    r1 = mpmath.sqrt(q1)
    al = c / r1
    be = mpmath.sqrt(det / q1)
    re, dp, gr = feature(name)
    if gr:
        hx = trap_step(None, 1 + q1 + al * al, LA)
        hz = trap_step(None, 1 + be * be, LA)
    else:
        hx = trap_step(mpf("0.9") * dp / max(r1, abs(al)), 1, LA)
        hz = trap_step(mpf("0.9") * dp / be, 1, LA)
    xs, wx = trap_nodes(hx, TA)
    zs, wz = trap_nodes(hz, TA)
    bz = [be * z for z in zs]
    W = mpmath.fsum(wz)
    f = gdA(name)
    Es, Ds = [], []
    if name == "tanh":
        # (x, z) -> (-x, -z) leaves both integrands unchanged: x >= 0 only
        for x, w in zip(xs, wx):
            if x < 0:
                continue
            tu = mpmath.tanh(r1 * x)
            du = 1 - tu * tu
            m = al * x
            sE = sD = mpf(0)
            for b, wj in zip(bz, wz):
                t = mpmath.tanh(m + b)
                p = wj * t
                sE += p
                sD += p * t
            k = w if x == 0 else 2 * w
            Es.append(k * tu * sE)
            Ds.append(k * du * (W - sD))
    elif name == MISH:
        ebz = [mpmath.exp(b) for b in bz]
        for x, w in zip(xs, wx):
            gu, du = f(r1 * x)
            m = al * x
            em = mpmath.exp(m)
            sE = sD = mpf(0)
            for b, eb, wj in zip(bz, ebz, wz):
                E = em * eb
                v = m + b
                N = E * (E + 2)
                Q = N + 2
                T = N / Q
                sE += wj * v * T
                sD += wj * (T + 4 * v * E * (E + 1) / (Q * Q))
            Es.append(w * gu * sE)
            Ds.append(w * du * sD)
    else:
        for x, w in zip(xs, wx):
            gu, du = f(r1 * x)
            m = al * x
            sE = sD = mpf(0)
            for b, wj in zip(bz, wz):
                g, d = f(m + b)
                sE += wj * g
                sD += wj * d
            Es.append(w * gu * sE)
            Ds.append(w * du * sD)
    return mpmath.fsum(Es), mpmath.fsum(Ds), (len(xs), len(zs))


def E_trap_diag(name, q):
    r = mpmath.sqrt(q)
    re, dp, gr = feature(name)
    h = trap_step(None, 1 + 2 * q, LA) if gr else trap_step(mpf("0.9") * dp / r, 1, LA)
    xs, wx = trap_nodes(h, TA)
    f = gdA(name)
    E, D = [], []
    for x, w in zip(xs, wx):
        g, d = f(r * x)
        E.append(w * g * g)
        D.append(w * d * d)
    return mpmath.fsum(E), mpmath.fsum(D), (len(xs),)


# pass B: Gauss-Legendre in x, inner over v with the conditional density

def gdB(name):
    if name == "tanh":
        return lambda v: (mpmath.tanh(v), 1 / mpmath.cosh(v) ** 2)
    if name == "gelu":
        c0 = 1 / mpmath.sqrt(2 * mp.pi)

        def g(v):
            P = mpmath.ncdf(v)
            return v * P, P + v * c0 * mpmath.exp(-v * v / 2)
        return g

    def f(v):
        T = mpmath.tanh(softplus(v))
        return v * T, T + v * (1 - T * T) * sigm(v)
    return f


def feature_scale(name):
    re, dp, gr = feature(name)
    return re, (dp if dp is not None else mpf("1.5"))


def E_gl(name, q1, q2, c, det):
    r1 = mpmath.sqrt(q1)
    al = c / r1
    be = mpmath.sqrt(det / q1)
    re, dv = feature_scale(name)
    f = gdB(name)
    c0 = 1 / mpmath.sqrt(2 * mp.pi)
    # outer pieces: graded around the feature of s(r1 x) and of the inner mean
    dx = dv / r1
    if abs(al) > 0:
        dx = min(dx, max(dv, be) / abs(al))
    xb = graded(re / r1, dx, -TB, TB, WX[name])
    xs, wx = gl_on(xb, NB)
    wx = [w * c0 * mpmath.exp(-x * x / 2) for x, w in zip(xs, wx)]
    Es, Ds = [], []
    npts = 0
    if be <= dv / 6:
        zs, wz = gh_rule(NH)
        bz = [be * z for z in zs]
        for x, w in zip(xs, wx):
            gu, du = f(r1 * x)
            m = al * x
            sE = sD = mpf(0)
            for b, wj in zip(bz, wz):
                g, d = f(m + b)
                sE += wj * g
                sD += wj * d
            npts += len(bz)
            Es.append(w * gu * sE)
            Ds.append(w * du * sD)
        return mpmath.fsum(Es), mpmath.fsum(Ds), (len(xs), "gh", npts)
    # fixed v-pieces, graded at the feature, then of width cw
    cw = 3 * be if WV[name] is None else min(3 * be, WV[name])
    # positive offsets from the feature: d/2, d, 2d, ... (< cw), then + cw
    offs = [mpf(0)]
    step = dv / 2
    while step < cw:
        offs.append(offs[-1] + step)
        step = offs[-1]
    base = offs[-1]

    def brk(k):
        """k-th breakpoint (k in Z) of the v-pieces"""
        if abs(k) < len(offs):
            o = offs[abs(k)]
        else:
            o = base + (abs(k) - len(offs) + 1) * cw
        return re + o if k >= 0 else re - o

    def index_below(v):
        """largest k with brk(k) <= v"""
        o = v - re
        a = abs(o)
        if a <= base:
            k = max(i for i in range(len(offs)) if offs[i] <= a)
            if o >= 0:
                return k
            kk = min(i for i in range(len(offs)) if offs[i] >= a)
            return -kk
        j = int(mpmath.floor((a - base) / cw))
        k = len(offs) - 1 + j
        if o >= 0:
            return k
        if base + j * cw == a:
            return -k
        return -(k + 1)

    gx, gw = gl_rule(NB)
    cache = {}

    def piece(k):
        """nodes of [brk(k), brk(k+1)]: (v, w, w s(v), w s'(v), A, B)"""
        p = cache.get(k)
        if p is None:
            a, b = brk(k), brk(k + 1)
            m, l = (a + b) / 2, (b - a) / 2
            p = []
            for x, w in zip(gx, gw):
                v = m + l * x
                g, d = f(v)
                ww = l * w
                # weight exp(-(v - mu)^2/(2 be^2)) = exp(A + B mu) exp(-mu^2/(2 be^2))
                p.append((ww * g, ww * d, -v * v / (2 * be * be), v / (be * be)))
            cache[k] = p
        return p

    norm = 1 / (be * mpmath.sqrt(2 * mp.pi))
    for x, w in zip(xs, wx):
        gu, du = f(r1 * x)
        mu = al * x
        lo, hi = mu - TB * be, mu + TB * be
        k0, k1 = index_below(lo), index_below(hi)
        sE = sD = mpf(0)
        for k in range(k0, k1 + 1):
            for wg, wd, A, B in piece(k):
                e = mpmath.exp(A + B * mu)
                sE += wg * e
                sD += wd * e
                npts += 1
        sc = norm * mpmath.exp(-mu * mu / (2 * be * be))
        Es.append(w * gu * sE * sc)
        Ds.append(w * du * sD * sc)
    return mpmath.fsum(Es), mpmath.fsum(Ds), (len(xs), len(cache) * NB, npts)


def E_gl_diag(name, q):
    r = mpmath.sqrt(q)
    re, dv = feature_scale(name)
    f = gdB(name)
    c0 = 1 / mpmath.sqrt(2 * mp.pi)
    xs, wx = gl_on(graded(re / r, dv / r, -TB, TB, mpf(1)), NB)
    E, D = [], []
    for x, w in zip(xs, wx):
        g, d = f(r * x)
        w = w * c0 * mpmath.exp(-x * x / 2)
        E.append(w * g * g)
        D.append(w * d * d)
    return mpmath.fsum(E), mpmath.fsum(D), (len(xs),)


# pass C (gelu): outer quadrature (mpmath's Gauss-Legendre with degree doubling,
# mpgen_common.vquad), inner closed form
C_METHOD = "gauss-legendre"

def E_gelu_inner(q1, q2, c, det):
    r1 = mpmath.sqrt(q1)
    al = c / r1
    be = mpmath.sqrt(det / q1)
    s = mpmath.sqrt(1 + be * be)
    Phi, phi = mpmath.ncdf, mpmath.npdf

    def F(x):
        u = r1 * x
        gu, du = u * Phi(u), Phi(u) + u * phi(u)
        a = al * x
        ie = a * Phi(a / s) + be * be * phi(a / s) / s
        idd = Phi(a / s) + a * phi(a / s) / s ** 3
        p = phi(x)
        return [p * gu * ie, p * du * idd]
    sc = 1 / r1
    pts = [-13, -8, -4, -2, -1, -sc, -sc / 4, 0, sc / 4, sc, 1, 2, 4, 8, 13]
    if abs(al) > 0:
        t = s / abs(al)
        pts += [-t, -t / 4, t / 4, t]
    pts = sorted(set(mpf(p) for p in pts if abs(p) <= 13))
    (E, D), err = vquad(F, pts, 2, mpf(10) ** (-mp.dps + 7), method=C_METHOD)
    return E, D, ()


def E_gelu_inner_diag(q):
    r = mpmath.sqrt(q)
    Phi, phi = mpmath.ncdf, mpmath.npdf

    def F(x):
        u = r * x
        g, d = u * Phi(u), Phi(u) + u * phi(u)
        return [phi(x) * g * g, phi(x) * d * d]
    sc = 1 / r
    pts = sorted(set(mpf(p) for p in [-13, -8, -4, -2, -1, -sc, -sc / 4, 0, sc / 4, sc, 1, 2, 4, 8, 13]))
    (E, D), err = vquad(F, pts, 2, mpf(10) ** (-mp.dps + 7))
    return E, D, ()


# ---------------------------------------------------------------------------
# piecewise linear (ABRelu, LeakyRelu) and Rbf
# ---------------------------------------------------------------------------

def ab_coef(name):
    a_, b_ = AB[name]
    a = mpf(a_)
    return a, mpf(b_) - a        # s = a x + b relu(x)


def E_relu_closed(name, q1, q2, c, det):
    a, b = ab_coef(name)
    sq = mpmath.sqrt(det)
    th = mpmath.atan2(sq, c)
    J = (sq + (mp.pi - th) * c) / (2 * mp.pi)
    E = a * a * c + a * b * c + b * b * J
    D = a * a + a * b + b * b * (mp.pi - th) / (2 * mp.pi)
    return E, D, ()


def E_relu_closed_diag(name, q):
    a, b = ab_coef(name)
    k = a * a + a * b + b * b / 2
    return k * q, k, ()


R_METHOD = "gauss-legendre"


def E_relu_quad(name, q1, q2, c, det):
    a, b = ab_coef(name)
    r1 = mpmath.sqrt(q1)
    al = c / r1
    be = mpmath.sqrt(det / q1)
    Phi, phi = mpmath.ncdf, mpmath.npdf

    def F(x):
        u = r1 * x
        su = a * u + (b * u if u > 0 else 0)
        du = a + (b if u > 0 else 0)
        m = al * x
        t = m / be
        ie = a * m + b * (m * Phi(t) + be * phi(t))
        idd = a + b * Phi(t)
        p = phi(x)
        return [p * su * ie, p * du * idd]
    pts = [-13, -8, -4, -2, -1, 0, 1, 2, 4, 8, 13]
    if abs(al) > 0:
        t = be / abs(al)
        for k in (1, 4, 16, 64, 256):
            if t * k < 1:
                pts += [t * k, -t * k]
    pts = sorted(set(mpf(p) for p in pts))
    (E, D), err = vquad(F, pts, 2, mpf(10) ** (-mp.dps + 7), method=R_METHOD)
    return E, D, ()


def E_relu_quad_diag(name, q):
    a, b = ab_coef(name)
    r = mpmath.sqrt(q)

    def F(x):
        u = r * x
        su = a * u + (b * u if u > 0 else 0)
        du = a + (b if u > 0 else 0)
        p = mpmath.npdf(x)
        return [p * su * su, p * du * du]
    pts = [mpf(p) for p in [-13, -8, -4, -2, -1, 0, 1, 2, 4, 8, 13]]
    (E, D), err = vquad(F, pts, 2, mpf(10) ** (-mp.dps + 7))
    return E, D, ()


def rbf_ap():
    return mpmath.sqrt(2 * mpf(RBF_GAMMA)), mp.pi / 4


def E_rbf_closed(q1, q2, c, dist):
    """dist = q1 + q2 - 2c, carried without cancellation"""
    a, p = rbf_ap()
    c2p = 0          # cos(2 p) = cos(pi/2) = 0 exactly
    em = mpmath.exp(-a * a * dist / 2)
    ep = mpmath.exp(-a * a * (q1 + q2 + 2 * c) / 2)
    return em - c2p * ep, a * a * (em + c2p * ep), ()


def E_rbf_quad(q1, q2, c, det):
    a, p = rbf_ap()
    r1 = mpmath.sqrt(q1)
    al = c / r1
    be = mpmath.sqrt(det / q1)
    damp = mpmath.exp(-a * a * be * be / 2)

    def F(x):
        ph = mpmath.npdf(x)
        u, m = a * r1 * x + p, a * al * x + p
        return [ph * 2 * mpmath.sin(u) * mpmath.sin(m) * damp,
                ph * 2 * a * a * mpmath.cos(u) * mpmath.cos(m) * damp]
    n = 52
    pts = [mpf(13) * (2 * k - n) / n for k in range(n + 1)]
    (E, D), err = vquad(F, pts, 2, mpf(10) ** (-mp.dps + 7), method="gauss-legendre")
    return E, D, ()


def E_rbf_quad_diag(q):
    a, p = rbf_ap()
    r = mpmath.sqrt(q)

    def F(x):
        ph = mpmath.npdf(x)
        u = a * r * x + p
        return [ph * 2 * mpmath.sin(u) ** 2, ph * 2 * a * a * mpmath.cos(u) ** 2]
    n = 52
    pts = [mpf(13) * (2 * k - n) / n for k in range(n + 1)]
    (E, D), err = vquad(F, pts, 2, mpf(10) ** (-mp.dps + 7), method="gauss-legendre")
    return E, D, ()


# ---------------------------------------------------------------------------
# one expectation pair: (act, pass) dispatch; runs in the worker processes
# ---------------------------------------------------------------------------

def expectation(act, pas, q1, q2, c, det, dist, diag):
    kind = KIND[act]
    if diag:
        if kind == "2d":
            return {"A": E_trap_diag, "B": E_gl_diag}[pas](act, q1) if pas != "C" \
                else E_gelu_inner_diag(q1)
        if kind == "relu":
            return (E_relu_closed_diag if pas == "A" else E_relu_quad_diag)(act, q1)
        if pas == "A":
            return E_rbf_closed(q1, q1, q1, mpf(0))
        return E_rbf_quad_diag(q1)
    if q2 > q1:
        q1, q2 = q2, q1
    if kind == "2d":
        if pas == "C":
            return E_gelu_inner(q1, q2, c, det)
        return (E_trap if pas == "A" else E_gl)(act, q1, q2, c, det)
    if kind == "relu":
        return (E_relu_closed if pas == "A" else E_relu_quad)(act, q1, q2, c, det)
    if pas == "A":
        return E_rbf_closed(q1, q2, c, dist)
    return E_rbf_quad(q1, q2, c, det)


def enc(v):
    return v._mpf_


def dec(t):
    return mpf(t)


def task(args):
    act, pas, dps, key, q1, q2, c, det, dist, diag = args
    mp.dps = dps
    t0 = time.time()
    E, D, info = expectation(act, pas, dec(q1), dec(q2), dec(c), dec(det), dec(dist), diag)
    return key, enc(E), enc(D), time.time() - t0, info


# ---------------------------------------------------------------------------
# the chains (act, set, pass): layer by layer
# ---------------------------------------------------------------------------

class Chain(object):
    def __init__(self, act, setname, rows, pas):
        self.act, self.setname, self.pas = act, setname, pas
        self.dps = DPS[KIND[act], pas]
        mp.dps = self.dps
        self.n = len(rows)
        K0, det0 = layer0(rows)
        self.K = dict((k, fr2mp(v)) for k, v in K0.items())
        self.Th = dict(self.K)
        self.det = dict((k, fr2mp(v)) for k, v in det0.items())
        # q_i + q_j - 2 c_ij (Rbf), exact at layer 0
        self.dist = dict(((i, j), fr2mp(K0[i, i] + K0[j, j] - 2 * K0[i, j])) for (i, j) in K0)
        self.layer = 0
        self.hist = [(dict(self.K), dict(self.Th))]
        self.pending = {}
        self.time = 0.0

    def tasks(self):
        mp.dps = self.dps
        out = []
        for (i, j) in sorted(self.K):
            out.append((self.act, self.pas, self.dps, (self.act, self.setname, self.pas, i, j),
                        enc(self.K[i, i]), enc(self.K[j, j]), enc(self.K[i, j]),
                        enc(self.det[i, j]), enc(self.dist[i, j]), i == j))
            self.pending[i, j] = None
        return out

    def done(self, i, j, E, D, dt):
        self.pending[i, j] = (dec(E), dec(D))
        self.time += dt
        return all(v is not None for v in self.pending.values())

    def advance(self):
        mp.dps = self.dps
        sw2, sb2 = mpf(SW2), mpf(SB2)
        K, Th = {}, {}
        for (i, j), (E, D) in self.pending.items():
            K[i, j] = sw2 * E + sb2
            Th[i, j] = K[i, j] + sw2 * D * self.Th[i, j]
        det, dist = {}, {}
        for (i, j) in K:
            if i == j:
                det[i, j] = mpf(0)
                dist[i, j] = mpf(0)
            else:
                det[i, j] = K[i, i] * K[j, j] - K[i, j] ** 2
                dist[i, j] = K[i, i] + K[j, j] - 2 * K[i, j]
                if KIND[self.act] == "rbf" and self.pas == "A":
                    # Rbf closed form: K_ij = sw2 exp(-a^2 dist/2) + sb2 and
                    # K_ii = sw2 + sb2 exactly, so dist_new = -2 sw2 expm1(-a^2 dist/2),
                    # without cancellation
                    a = rbf_ap()[0]
                    assert self.pending[i, i][0] == 1 and self.pending[j, j][0] == 1
                    dist[i, j] = -2 * sw2 * mpmath.expm1(-a * a * self.dist[i, j] / 2)
                if det[i, j] <= 0:
                    raise RuntimeError("det <= 0 in %s" % ((self.act, self.setname, i, j),))
        self.K, self.Th, self.det, self.dist = K, Th, det, dist
        self.pending = {}
        self.layer += 1
        self.hist.append((dict(K), dict(Th)))


def run_all(workers=2):
    chains = []
    for setname, rows in sets():
        for act in ACTS:
            passes = ["A", "B"] + (["C"] if act == "gelu" else [])
            for pas in passes:
                chains.append(Chain(act, setname, rows, pas))
    byname = dict(((c.act, c.setname, c.pas), c) for c in chains)
    slow = {}
    with cf.ProcessPoolExecutor(max_workers=workers) as ex:
        futs = set()
        for ch in chains:
            for t in ch.tasks():
                futs.add(ex.submit(task, t))
        while futs:
            done, futs = cf.wait(futs, return_when=cf.FIRST_COMPLETED)
            for fu in done:
                key, E, D, dt, info = fu.result()
                act, setname, pas, i, j = key
                ch = byname[act, setname, pas]
                if dt > 5:
                    slow[key + (ch.layer,)] = (dt, info)
                if ch.done(i, j, E, D, dt):
                    ch.advance()
                    log("%-22s %-8s %s layer %d done (%.0f s cpu so far)"
                        % (act, setname, pas, ch.layer, ch.time))
                    if ch.layer < DEPTH:
                        for t in ch.tasks():
                            futs.add(ex.submit(task, t))
    return chains, slow


def csvq(s):
    """RFC 4180: a field containing a comma is written in double quotes"""
    return '"%s"' % s if "," in s else s


def fmt(v):
    return mpmath.nstr(v, DIGITS, min_fixed=-5, max_fixed=6)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        act = sys.argv[2]
        q1, q2, c, det = sys.argv[3:7]
        for pas in (["A", "B"] + (["C"] if act == "gelu" else [])):
            mp.dps = DPS[KIND[act], pas]
            t0 = time.time()
            E, D, info = expectation(act, pas, mpf(q1), mpf(q2), mpf(c), mpf(det),
                                     mpf(q1) + mpf(q2) - 2 * mpf(c), False)
            print(pas, mpmath.nstr(E, 35), mpmath.nstr(D, 35), info, "%.1f s" % (time.time() - t0))
        return
    timer = Timer()
    chains, slow = run_all()
    byname = dict(((c.act, c.setname, c.pas), c) for c in chains)
    mp.dps = 50
    worst = (mpf(0), None)
    worstC = (mpf(0), None)
    out = []
    for setname, rows in sets():
        for act in ACTS:
            A, B = byname[act, setname, "A"], byname[act, setname, "B"]
            for depth in range(DEPTH + 1):
                (KA, TA_), (KB, TB_) = A.hist[depth], B.hist[depth]
                for (i, j) in sorted(KA):
                    for name, XA, XB in (("nngp", KA, KB), ("ntk", TA_, TB_)):
                        sc = mpmath.sqrt(XB[i, i] * XB[j, j])
                        d = abs(XA[i, j] - XB[i, j]) / sc
                        if d > worst[0]:
                            worst = (d, (act, setname, depth, i, j, name))
                        if act == "gelu":
                            XC = byname[act, setname, "C"].hist[depth][0 if name == "nngp" else 1]
                            dc = abs(XC[i, j] - XB[i, j]) / sc
                            if dc > worstC[0]:
                                worstC = (dc, (act, setname, depth, i, j, name))
                W = A if KIND[act] != "2d" else B
                KW, TW = W.hist[depth]
                for (i, j) in sorted(KW):
                    out.append("%s,%s,%d,%d,%d,%s,%s" % (setname, csvq(act), depth, i, j,
                                                         fmt(KW[i, j]), fmt(TW[i, j])))
    log("largest disagreement A vs B: %s at %s" % (mpmath.nstr(worst[0], 3), worst[1]))
    log("largest disagreement gelu B vs C: %s at %s" % (mpmath.nstr(worstC[0], 3), worstC[1]))
    per = {}
    for c in chains:
        per[c.act, c.pas] = per.get((c.act, c.pas), 0) + c.time
    for k in sorted(per):
        log("cpu %-22s %s %7.1f s" % (k[0], k[1], per[k]))
    for k in sorted(slow, key=lambda k: -slow[k][0])[:15]:
        log("slow task %s: %.1f s %s" % (k, slow[k][0], slow[k][1]))
    if worst[0] > TOL or worstC[0] > TOL:
        sys.exit("gen_kernel_matrix: passes disagree; nothing written")
    d = data_dir()
    with open(os.path.join(d, "kernel_matrix_X.csv"), "w") as f:
        f.write(header_line("gen_kernel_matrix.py", 50))
        f.write("set,row,x1,x2,x3,x4\n")
        for setname, rows in sets():
            for k, r in enumerate(rows):
                f.write("%s,%d,%s\n" % (setname, k, ",".join(r)))
    with open(os.path.join(d, "kernel_matrix_refs.csv"), "w") as f:
        f.write(header_line("gen_kernel_matrix.py", 48))
        f.write("set,act,depth,i,j,nngp,ntk\n")
        for ln in out:
            f.write(ln + "\n")
    log("gen_kernel_matrix: wrote %d rows; %.0f s wall" % (len(out), timer()))


if __name__ == "__main__":
    main()

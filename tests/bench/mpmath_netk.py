#!/usr/bin/env python3
"""mpmath_netk.py -- an independent reference for the network kernels of a
pair of inputs (NNGP and NTK of Dense(sw2, sb2), then L blocks (act,
Dense(sw2, sb2)), NTK parameterisation), by nested quadrature in mpmath.

Used by bench_matrix.py to check the entries it times on a sample; not a
test.  Nothing here uses Hermite series: each layer's Gaussian
expectations are the trapezoid rule in both variables on [-T, T]^2 for
    E[s(u) s(v)],  E[s'(u) s'(v)],  u = sqrt(q1) x,
    v = sqrt(q2) (rho x + sqrt(1 - rho^2) y),
geometrically convergent for integrands analytic in a strip (the error is
about exp(-2 pi d / h), d the strip's half-width: pi/(2 sqrt q) for tanh,
pi/sqrt(q) for SiLU, infinite for GELU), and the 1-D rule for the
diagonal.  1 - rho^2 is formed from q1 q2 - c^2 at the working precision
(40 digits), so near-duplicate inputs keep their digits.

    python3 tests/bench/mpmath_netk.py    # a self-check against erf's closed form
"""
import mpmath as mp

mp.mp.dps = 40

ACTS = {
    "tanh": (mp.tanh, lambda x: 1 - mp.tanh(x) ** 2, lambda q: mp.pi / (2 * mp.sqrt(q))),
    "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x), lambda q: mp.inf),
    "silu": (lambda x: x / (1 + mp.exp(-x)),
             lambda x: (1 / (1 + mp.exp(-x))) * (1 + x * (1 - 1 / (1 + mp.exp(-x)))),
             lambda q: mp.pi / mp.sqrt(q)),
    "erf": (mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x), lambda q: mp.inf),
}


def _rule(d, digits=22):
    """trapezoid nodes and weights for E f(X), X ~ N(0, 1), f analytic in
    the strip |Im x| < d"""
    T = mp.sqrt(2 * digits * mp.log(10)) + 1
    h = min(mp.mpf("0.25"), 2 * mp.pi * d / (digits * mp.log(10) + 5)) if d != mp.inf else mp.mpf("0.25")
    n = int(T / h) + 1
    xs = [h * k for k in range(-n, n + 1)]
    ws = [h * mp.npdf(x) for x in xs]
    return xs, ws


def pair(act, x, y, depth, sw2, sb2, digits=22):
    """[(K11, K22, K12, Theta12)] for layers 0..depth, inputs x, y (lists of
    floats, taken exactly), sw2, sb2 as decimal strings (exact)."""
    s, ds, strip = ACTS[act]
    sw2, sb2 = mp.mpf(sw2), mp.mpf(sb2)
    d = len(x)
    xm, ym = [mp.mpf(float(t)) for t in x], [mp.mpf(float(t)) for t in y]
    q1 = sw2 * mp.fsum(t * t for t in xm) / d + sb2
    q2 = sw2 * mp.fsum(t * t for t in ym) / d + sb2
    c = sw2 * mp.fsum(a * b for a, b in zip(xm, ym)) / d + sb2
    # q1 q2 - c^2 without cancellation at layer 0 (Lagrange's identity)
    lag = mp.fsum((xm[a] * ym[b] - xm[b] * ym[a]) ** 2 for a in range(d) for b in range(a + 1, d))
    det = (sw2 / d) ** 2 * lag + sb2 * sw2 / d * mp.fsum((a - b) ** 2 for a, b in zip(xm, ym))
    th = c
    out = [(q1, q2, c, th)]
    for _ in range(depth):
        xs, ws = _rule(strip(max(q1, q2)), digits)
        r1, r2 = mp.sqrt(q1), mp.sqrt(q2)
        rho = c / mp.sqrt(q1 * q2)
        sr = mp.sqrt(det / (q1 * q2)) if det > 0 else mp.mpf(0)
        su = [s(r1 * t) for t in xs]
        dsu = [ds(r1 * t) for t in xs]
        E = D = mp.mpf(0)
        for a, ta in enumerate(xs):
            iv = id_ = mp.mpf(0)
            for b, tb in enumerate(xs):
                v = r2 * (rho * ta + sr * tb)
                iv += ws[b] * s(v)
                id_ += ws[b] * ds(v)
            E += ws[a] * su[a] * iv
            D += ws[a] * dsu[a] * id_
        g1 = mp.fsum(w * s(r1 * t) ** 2 for t, w in zip(xs, ws))
        g2 = mp.fsum(w * s(r2 * t) ** 2 for t, w in zip(xs, ws))
        # the new det = q1' q2' - c'^2 at the working precision (no data identity here)
        q1n, q2n, cn = sw2 * g1 + sb2, sw2 * g2 + sb2, sw2 * E + sb2
        th = cn + sw2 * D * th
        q1, q2, c = q1n, q2n, cn
        det = q1 * q2 - c * c
        out.append((q1, q2, c, th))
    return out


if __name__ == "__main__":
    # self-check: erf's closed form at general variances
    x, y = [0.3, -1.2, 0.7], [0.5, -0.9, 1.4]
    rows = pair("erf", x, y, 2, "1.5", "0.1")
    q1, q2, c, th = rows[0]
    for L in (1, 2):
        e = 2 / mp.pi * mp.asin(2 * c / mp.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
        g1 = 2 / mp.pi * mp.asin(2 * q1 / (1 + 2 * q1))
        g2 = 2 / mp.pi * mp.asin(2 * q2 / (1 + 2 * q2))
        dd = 4 / mp.pi / mp.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c)
        q1, q2, c = mp.mpf("1.5") * g1 + mp.mpf("0.1"), mp.mpf("1.5") * g2 + mp.mpf("0.1"), \
            mp.mpf("1.5") * e + mp.mpf("0.1")
        th = c + mp.mpf("1.5") * dd * th
        got = rows[L]
        err = max(abs(got[2] - c), abs(got[3] - th))
        print("layer %d: nested quadrature vs closed form %.2e" % (L, err))
        assert err < 1e-18

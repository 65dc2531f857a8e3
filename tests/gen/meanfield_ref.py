#!/usr/bin/python3
"""Independent mpmath references for the mean-field quantities
(tests/data/meanfield_ref.txt, read by tests/check_meanfield.c).

Nothing here shares code with dualact: one-dimensional Gaussian integrals
by mpmath.quad split at 0, q* by iterating the length map from q = 1 and
polishing with findroot, c* by findroot on the correlation map evaluated as
a two-dimensional tensor Gauss-Legendre rule for E[s(u) s(v)] at two
resolutions (their difference, times 10, is the stated accuracy), chi_c = sw2 E[s'(u) s'(v)].
Each line: act sw2 sb2 name value abs_accuracy_of_the_reference.
Run: /usr/bin/python3 tests/gen/meanfield_ref.py > tests/data/meanfield_ref.txt
"""
import mpmath as mp


def gauss_legendre(n):
    """nodes and weights on [-1, 1] by Newton on P_n (mpmath)"""
    out = []
    for i in range(1, n + 1):
        x = mp.cos(mp.pi * (i - mp.mpf(1) / 4) / (n + mp.mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mp.mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            dx = p1 / dp
            x -= dx
            if abs(dx) < mp.mpf(10) ** (-mp.mp.dps + 2):
                break
        out.append((x, 2 / ((1 - x * x) * dp * dp)))
    return out

mp.mp.dps = 30
ACTS = {
    "tanh": (mp.tanh, lambda x: 1 / mp.cosh(x) ** 2),
    "erf": (mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    "relu": (lambda x: x if x > 0 else mp.mpf(0), lambda x: mp.mpf(1) if x > 0 else mp.mpf(0)),
    "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x)),
}


def gauss(g):
    w = lambda z: g(z) * mp.npdf(z)
    return mp.quad(w, [-mp.inf, -4, 0, 4, mp.inf])


def point(name, sw2, sb2, chaotic, c0="0.9"):
    s, d = ACTS[name]
    sw2, sb2 = mp.mpf(sw2), mp.mpf(sb2)
    f = lambda q: sw2 * gauss(lambda z: s(mp.sqrt(q) * z) ** 2) + sb2
    q = mp.mpf(1)
    for _ in range(40):
        q = f(q)
    q = mp.findroot(lambda t: f(t) - t, q)
    rq = mp.sqrt(q)
    chi1 = sw2 * gauss(lambda z: d(rq * z) ** 2)
    slope = sw2 * gauss(lambda z: s(rq * z) * d(rq * z) * z) / rq
    out = [("q", q), ("chi1", chi1), ("slope_q", slope)]
    if chaotic:
        # E[s(u) s(v)] on a tensor Gauss-Legendre rule over [-12, 12]^2
        # (standard normal x, z; u = sqrt(q) x, v = sqrt(q)(c x + r z)),
        # at two resolutions: their difference is the stated accuracy
        mp.mp.dps = 20

        def rule(panels, n):
            xs, ws = [], []
            gx, gw = zip(*[(mp.mpf(t), mp.mpf(w)) for t, w in gauss_legendre(n)])
            edges = [mp.mpf(-12) + mp.mpf(24) * i / panels for i in range(panels + 1)]
            for a, b in zip(edges, edges[1:]):
                h = (b - a) / 2
                for t, w in zip(gx, gw):
                    x = (a + b) / 2 + h * t
                    xs.append(x)
                    ws.append(h * w * mp.npdf(x))
            return xs, ws

        def two(g, c, R):
            xs, ws = R
            r = mp.sqrt(1 - c * c)
            gx = [g(rq * x) for x in xs]
            tot = mp.mpf(0)
            for x, wx, gx_ in zip(xs, ws, gx):
                tot += wx * gx_ * mp.fsum(wz * g(rq * (c * x + r * z)) for z, wz in zip(xs, ws))
            return tot

        res = []
        for R in (rule(12, 16), rule(20, 16)):
            G = lambda c: (sw2 * two(s, c, R) + sb2) / q
            c = mp.findroot(lambda t: G(t) - t, mp.mpf(c0), tol=mp.mpf(10) ** -18)
            res.append((c, sw2 * two(d, c, R)))
        (c1, x1), (c2, x2) = res
        c1, c2, x1, x2 = mp.re(c1), mp.re(c2), mp.re(x1), mp.re(x2)
        out += [("c", c2, abs(c2 - c1)), ("chic", x2, abs(x2 - x1))]
        mp.mp.dps = 30
    return out


CASES = [
    ("erf", "1.5", "0.1", False, "1e-20"),
    ("relu", "1.5", "0.1", False, "1e-20"),
    ("gelu", "1.5", "0.1", False, "1e-20"),
    ("tanh", "0.9", "0.3", False, "1e-20"),
    ("tanh", "1.765", "0.05", "0.99469751", "1e-12"),
    ("tanh", "2.5", "0.2", "0.88995", "1e-12"),
]

if __name__ == "__main__":
    print("# act sw2 sb2 name value ref_accuracy  (tests/gen/meanfield_ref.py, mpmath %s)" % mp.__version__)
    for name, sw2, sb2, ch, acc in CASES:
        for row in point(name, sw2, sb2, bool(ch), ch if isinstance(ch, str) else "0.9"):
            k, v = row[0], row[1]
            if len(row) == 3:   # 2-D rule: the two resolutions' difference, times 10, floor 1e-15
                a = mp.nstr(max(10 * row[2], mp.mpf("1e-15")), 3)
                print(name, sw2, sb2, k, mp.nstr(v, 18), a, flush=True)
            else:
                print(name, sw2, sb2, k, mp.nstr(v, 25), "1e-20", flush=True)

#!/usr/bin/env python3
"""mf_ref.py -- independent references for the mean field at 30 digits
(tests/check_meanfield.c, test_refs30), written to mf_ref.txt beside it.

mpmath only, no dualact code: Gaussian expectations by tanh-sinh quadrature
(mpmath.quad) on the real line, the two-dimensional ones by the trapezoid
rule nested (u = sqrt(q) x, v = sqrt(q) (c x + sqrt(1 - c^2) z)), at two
steps that must agree; q* and c* by
mpmath.findroot (secant) on the fixed-point equations
    q = sw2 E[tanh(sqrt(q) Z)^2] + sb2,
    c = (sw2 E[tanh(u) tanh(v)] + sb2) / q*,
chi_1 = sw2 E[sech^4(sqrt(q*) Z)], chi_c = sw2 E[sech^2(u) sech^2(v)] at c*,
the slope of the length map sw2 E[tanh(X) sech^2(X) X] / q*,
xi_q = -1/ln(slope), xi_c = -1/ln(chi_c), and the critical sw2 at
sb2 = 0.2 (chi_1 = 1) by findroot over sw2.  sw2 and sb2 are the exact
decimals.  Everything is computed twice, at 34 and at 40 decimal digits;
the accuracy column is 100 times their difference plus 1e-34.  Takes
about ten minutes of one core:
    /usr/bin/python3 tests/data/mf_ref.py > tests/data/mf_ref.txt
"""
import mpmath as mp


def E1(f, q):
    s = mp.sqrt(q)
    return mp.quad(lambda z: f(s * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])


def trap(f, h, L):
    """the trapezoid rule for int f(x) phi(x) dx on [-L, L] with step h:
    exponentially accurate for analytic f of moderate growth (Trefethen &
    Weideman, SIAM Review 2014), the tails below phi(L)"""
    n = int(mp.ceil(L / h))
    return h * mp.fsum(f(k * h) * mp.npdf(k * h) for k in range(-n, n + 1))


def E2(f, q, c):
    """E[f(u) f(v)], u = sqrt(q) x, v = sqrt(q) (c x + sqrt(1 - c^2) z):
    the trapezoid rule in x and in z (the integrands are analytic in
    strips of half-width pi/(2 sqrt(q)) and pi/(2 sqrt(q (1 - c^2))) for
    tanh and sech^2), steps H and H/2 apart by less than the accuracy
    asked (checked: AssertionError otherwise)"""
    s = mp.sqrt(q)
    r = mp.sqrt(1 - c * c)
    L = mp.mpf(15)

    def at(hx, hz):
        def inner(x):
            a = s * c * x
            return f(s * x) * trap(lambda z: f(a + s * r * z), hz, L)
        return trap(inner, hx, L)
    # exp(-2 pi d / h) < 10^-dps e^-10 with d = pi / (2 s) in x, d / r in z
    hx = mp.pi ** 2 / (s * (mp.mp.dps * mp.log(10) + 10))
    # and exp(-2 pi^2 / h^2) < 10^-dps e^-10 (the Gaussian weight itself)
    hg = mp.pi * mp.sqrt(2 / (mp.mp.dps * mp.log(10) + 10))
    hx = min(hx, hg)
    hz = min(hx / r, hg)
    v1 = at(hx, hz)
    v2 = at(hx * mp.mpf('0.8'), hz * mp.mpf('0.8'))
    assert abs(v1 - v2) < mp.mpf(10) ** (-(mp.mp.dps - 4)), (v1, v2)
    return v2


def tanh2(u):
    return mp.tanh(u) ** 2


def sech2(u):
    return mp.sech(u) ** 2


def sech4(u):
    return mp.sech(u) ** 4


def point(sw2, sb2, q0, c0):
    q = mp.findroot(lambda q: sw2 * E1(tanh2, q) + sb2 - q, mp.mpf(q0))
    chi1 = sw2 * E1(sech4, q)
    slope = sw2 * E1(lambda u: mp.tanh(u) * sech2(u) * u, q) / q
    out = {'q': q, 'chi1': chi1, 'xi_q': -1 / mp.log(slope)}
    if c0 is not None:
        c = mp.findroot(lambda c: (sw2 * E2(mp.tanh, q, c) + sb2) / q - c,
                        (mp.mpf(c0), mp.mpf(c0) - mp.mpf('1e-3')))
        chic = sw2 * E2(sech2, q, c)
        out.update({'c': c, 'chic': chic, 'xi_c': -1 / mp.log(chic)})
    return out


def critical(sb2, w0):
    def f(w):
        q = mp.findroot(lambda q: w * E1(tanh2, q) + sb2 - q, mp.mpf('0.8'))
        return w * E1(sech4, q) - 1
    return mp.findroot(f, (mp.mpf(w0), mp.mpf(w0) + mp.mpf('1e-3')))


def run(dps):
    mp.mp.dps = dps
    res = []
    for sw2, sb2, q0, c0 in (('2.5', '0.2', 1.3, 0.89), ('1.765', '0.05', 0.57, 0.9947)):
        p = point(mp.mpf(sw2), mp.mpf(sb2), q0, c0)
        for k in ('q', 'c', 'chi1', 'chic', 'xi_q', 'xi_c'):
            res.append(('tanh', sw2, sb2, k, p[k]))
    res.append(('tanh', '-', '0.2', 'sw2_crit', critical(mp.mpf('0.2'), 2.285)))
    return res


def main():
    lo = run(34)
    hi = run(40)
    print('# act sw2 sb2 name value ref_accuracy  (tests/data/mf_ref.py, mpmath %s)'
          % mp.__version__)
    for a, b in zip(lo, hi):
        mp.mp.dps = 40
        acc = 100 * abs(a[4] - b[4]) + mp.mpf('1e-34')
        print('%s %s %s %s %s %s' % (b[0], b[1], b[2], b[3], mp.nstr(b[4], 36),
                                     mp.nstr(acc, 2)))


if __name__ == '__main__':
    main()

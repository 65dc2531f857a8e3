#!/usr/bin/env python3
"""netk_vmath.py -- writes the coefficients of lib/dual/netk_vmath.h.

asin(s) = s + s t P(t), t = s^2, on 0 <= t <= 1/2 (|s| <= 1/sqrt 2).  P is
the polynomial of degree 20 interpolating P(t) = (asin sqrt t - sqrt t) /
t^(3/2) at the 21 Chebyshev points of [0, 1/2], in 80 digits (mpmath);
its coefficients are rounded to double.  The script prints them and the
largest contribution of the interpolation error (with the rounded
coefficients, evaluated exactly) to the relative error of asin(s), over
4000 points of [0, 1/2], in units of 2^-53.

Run: python3 lib/dual/netk_vmath.py   (needs python3-mpmath)
"""
import mpmath as mp

mp.mp.dps = 80
DEG = 20
A, B = mp.mpf(0), mp.mpf(1) / 2


def p_exact(t):
    if t == 0:
        return mp.mpf(1) / 6
    s = mp.sqrt(t)
    return (mp.asin(s) - s) / (t * s)


def main():
    n = DEG + 1
    nodes = [(A + B) / 2 + (B - A) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    vander = mp.matrix([[x ** j for j in range(n)] for x in nodes])
    coef = mp.lu_solve(vander, mp.matrix([p_exact(x) for x in nodes]))
    cd = [float(coef[j]) for j in range(n)]
    worst = mp.mpf(0)
    for i in range(1, 4001):
        t = B * i / 4000
        p = mp.mpf(0)
        for c in reversed(cd):
            p = p * t + mp.mpf(c)
        s = mp.sqrt(t)
        worst = max(worst, s * t * abs(p - p_exact(t)) / mp.asin(s))
    for c in cd:
        print("    %.17g," % c)
    print("/* largest contribution to asin's relative error: %s x 2^-53 */"
          % mp.nstr(worst / mp.mpf(2) ** -53, 3))


if __name__ == "__main__":
    main()

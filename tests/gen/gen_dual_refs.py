#!/usr/bin/env python3
"""Reference values for tests/check_dual.c, with mpmath only.

Writes tests/data/dual_refs.csv (kind,act,a,b,value):
  depth   relu_normalized  rho0  L   sigma_hat^{oL}(rho0), the closed form
          (sqrt(1-r^2) + (pi - acos r) r - 1)/(pi - 1) iterated L times
  ntk     relu_normalized  rho0  L   Theta_L(rho0)/Theta_L(1), with
          Theta_l = Theta_{l-1} sigma_hat'(rho_{l-1}) + rho_l,
          sigma_hat'(r) = (pi - acos r)/(pi - 1), Theta_l(1) = sum_j beta^j
  q       ACT  sw2  sb2   q* of q <- sw2 E[sigma(sqrt(q) Z)^2] + sb2
  chi1    ACT  sw2  sb2   sw2 E[sigma'(sqrt(q*) Z)^2]
for ACT in relu (closed forms), erf (E erf(sqrt(q)Z)^2 = (2/pi) asin(2q/(1+2q)),
E erf'(sqrt(q)Z)^2 = (4/pi)/sqrt(1+4q)) and tanh (mpmath.quad on the real
line, findroot).  Everything is computed twice, at 40 and at 60 digits;
the two passes must agree to 1e-35 (relative) or nothing is written.

Run:  python3 tests/gen/gen_dual_refs.py     (a few seconds)
"""
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir

DEPTH = [("0.9", 10), ("0.5", 10), ("-0.3", 3), ("0.99", 200)]
MF = [("relu", "1.5", "0.1"), ("relu", "1.9", "0.3"), ("erf", "2", "0.1"), ("erf", "1", "0.5"),
      ("tanh", "1.5", "0.05"), ("tanh", "2.5", "0.2"), ("tanh", "1", "0.5")]


def relu_n(r):
    return (mpmath.sqrt(1 - r * r) + (mpmath.pi - mpmath.acos(r)) * r - 1) / (mpmath.pi - 1)


def relu_nd(r):
    return (mpmath.pi - mpmath.acos(r)) / (mpmath.pi - 1)


def gauss_e(f, q):
    s = mpmath.sqrt(q)
    return mpmath.quad(lambda z: f(s * z) * mpmath.npdf(z), [-mpmath.inf, -5, 0, 5, mpmath.inf])


def e_sq(act, q):
    if act == "relu":
        return q / 2
    if act == "erf":
        return 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q))
    return gauss_e(lambda x: mpmath.tanh(x) ** 2, q)


def e_dsq(act, q):
    if act == "relu":
        return mpf(1) / 2
    if act == "erf":
        return 4 / mpmath.pi / mpmath.sqrt(1 + 4 * q)
    return gauss_e(lambda x: mpmath.sech(x) ** 4, q)


def compute(dps):
    mp.dps = dps
    rows = []
    for r0, L in DEPTH:
        r = mpf(r0)
        th = r
        th1 = mpf(1)
        beta = mpmath.pi / (mpmath.pi - 1)
        for _ in range(L):
            rn = relu_n(r)
            th = th * relu_nd(r) + rn
            th1 = th1 * beta + 1
            r = rn
        rows.append(("depth", "relu_normalized", r0, str(L), r))
        rows.append(("ntk", "relu_normalized", r0, str(L), th / th1))
    for act, w, b in MF:
        sw2, sb2 = mpf(w), mpf(b)
        if act == "relu":
            q = sb2 / (1 - sw2 / 2)
        else:
            q = mpmath.findroot(lambda q: sw2 * e_sq(act, q) + sb2 - q, mpf(1))
        rows.append(("q", act, w, b, q))
        rows.append(("chi1", act, w, b, sw2 * e_dsq(act, q)))
    return rows


def main():
    r1 = compute(40)
    r2 = compute(60)
    mp.dps = 60
    for a, b in zip(r1, r2):
        d = abs(a[4] - b[4])
        if d > mpf("1e-35") * max(1, abs(b[4])):
            raise SystemExit("disagreement %s: %s vs %s" % (a[:4], a[4], b[4]))
    with open(os.path.join(data_dir(), "dual_refs.csv"), "w") as fh:
        fh.write(header_line("gen_dual_refs.py", 60))
        fh.write("kind,act,a,b,value\n")
        for row in r2:
            fh.write("%s,%s,%s,%s,%s\n" % (row[0], row[1], row[2], row[3], mpmath.nstr(row[4], 45)))
    print("wrote dual_refs.csv (%d rows), passes agree to 1e-35" % len(r2))


if __name__ == "__main__":
    main()

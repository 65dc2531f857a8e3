#!/usr/bin/env python3
"""Minimal depths for normalized activations with closed-form duals other
than ReLU (docs/numerics.md sections 3 and 5), independent of dualact:

  erf:  sigma_hat(rho) = asin(2 rho/3) / asin(2/3)       (Williams 1997)
        sigma_hat'(rho) = (2/3) / sqrt(1 - 4 rho^2/9) / asin(2/3)
  sin:  sigma_hat(rho) = sinh(rho) / sinh(1)             (E sin X sin Y = e^-1 sinh rho)
        sigma_hat'(rho) = cosh(rho) / sinh(1)
  step: sigma_hat(rho) = (2/pi) asin(rho)               (normalized step = sign)
        (no NTK: sigma_hat'(1) is infinite)

nngp: minimal L with sigma_hat^{oL}(1 - delta) <= eps/(n-1);
ntk:  minimal L with Theta^(L)(rho)/Theta^(L)(1) <= eps/(n-1),
      Theta^(0) = rho, Theta^(l) = Theta^(l-1) sigma_hat'(rho_{l-1}) + rho_l,
      Theta^(l)(1) = beta Theta^(l-1)(1) + 1, beta = sigma_hat'(1).
Grid: n in {100, 1000, 10000}, eps in {0.1, 0.01}, delta in {0.5, 0.1, 0.01, 0.001}.

Checked: computed at mp.dps = 50 and at mp.dps = 80 (the depths must agree),
and at L and L-1 the quantity must differ from the threshold by more than
1e-30 relative (a robust answer).
Writes tests/data/depth_closed.csv (act,kernel,delta,eps,n,depth).
Run:  python3 tests/gen/gen_depth_closed.py     (about a second)
"""
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir, log, Timer

NS = [100, 1000, 10000]
EPSS = ["0.1", "0.01"]
DELTAS = ["0.5", "0.1", "0.01", "0.001"]
LMAX = 100000


def acts():
    a23 = mpmath.asin(mpf(2) / 3)
    s1 = mpmath.sinh(1)
    return {
        "erf": (lambda r: mpmath.asin(2 * r / 3) / a23,
                lambda r: (mpf(2) / 3) / mpmath.sqrt(1 - 4 * r * r / 9) / a23),
        "sin": (lambda r: mpmath.sinh(r) / s1, lambda r: mpmath.cosh(r) / s1),
        "step": (lambda r: 2 * mpmath.asin(r) / mpmath.pi, None),
    }


def depths(f, df, delta, eps, n):
    thr = mpf(eps) / (n - 1)
    rho = 1 - mpf(delta)
    out = {}
    hist = {"nngp": [rho]}
    if df is not None:
        beta = df(mpf(1))
        theta, theta1 = rho, mpf(1)
        hist["ntk"] = [theta / theta1]
    for l in range(1, LMAX + 1):
        rn = f(rho)
        if df is not None:
            theta = theta * df(rho) + rn
            theta1 = theta1 * beta + 1
            hist["ntk"].append(theta / theta1)
        rho = rn
        hist["nngp"].append(rho)
        for k in hist:
            if k not in out and hist[k][-1] <= thr:
                out[k] = l
        if len(out) == len(hist):
            break
    for k in hist:
        if k not in out and hist[k][0] <= thr:
            out[k] = 0
    res = {}
    for k, L in out.items():
        h = hist[k]
        m = min(abs(h[L] - thr), abs(h[L - 1] - thr) if L > 0 else mpf(1))
        assert m > mpf("1e-30") * thr, (k, delta, eps, n, L)
        res[k] = L
    return res


def main():
    t = Timer()
    res = {}
    for dps in (50, 80):
        mp.dps = dps
        A = acts()
        for name, (f, df) in A.items():
            for n in NS:
                for eps in EPSS:
                    for delta in DELTAS:
                        res[(dps, name, n, eps, delta)] = depths(f, df, delta, eps, n)
    rows = []
    for name in ("erf", "sin", "step"):
        for n in NS:
            for eps in EPSS:
                for delta in DELTAS:
                    a = res[(50, name, n, eps, delta)]
                    b = res[(80, name, n, eps, delta)]
                    assert a == b, (name, n, eps, delta, a, b)
                    for k in ("nngp", "ntk"):
                        if k in a:
                            rows.append((name, k, delta, eps, n, a[k]))
    with open(os.path.join(data_dir(), "depth_closed.csv"), "w") as fh:
        fh.write(header_line("gen_depth_closed.py", 50))
        fh.write("act,kernel,delta,eps,n,depth\n")
        for r in rows:
            fh.write("%s,%s,%s,%s,%d,%d\n" % r)
    log("%d rows; dps 50 and 80 agree; total time %.2f s" % (len(rows), t()))


if __name__ == "__main__":
    main()

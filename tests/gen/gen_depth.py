#!/usr/bin/env python3
"""Minimal depths for the normalized ReLU (docs/numerics.md section 5).

sigma_hat(rho)  = (sqrt(1-rho^2) + (pi - acos rho) rho - 1)/(pi - 1)
sigma_hat'(rho) = (pi - acos rho)/(pi - 1),  beta = sigma_hat'(1) = pi/(pi-1).

nngp: minimal L with rho_L = sigma_hat^{oL}(1-delta) <= eps/(n-1).
ntk:  minimal L with Theta^(L)(rho)/Theta^(L)(1) <= eps/(n-1), where
      Theta^(0)(rho) = rho, Theta^(l) = Theta^(l-1) sigma_hat'(rho_{l-1}) + rho_l,
      Theta^(0)(1) = 1, Theta^(l)(1) = beta Theta^(l-1)(1) + 1.
Grid n in {100,1000,10000}, eps in {0.1,0.01}, delta in {0.5,0.1,0.01,0.001}.

Checked: computed at mp.dps = 50 and again at mp.dps = 80 (the depths must be
equal); at the minimal depth L and at L-1 the quantity must differ from the
threshold by more than 1e-30 (robust answer); Theta^(l)(1) is also compared
with its closed form (beta^(l+1) - 1)/(beta - 1); and the docs/numerics.md anchors
(n = 1000, eps = 0.01: delta 0.1 -> 45/25, delta 0.01 -> 52/30) are compared
and any mismatch is reported (not forced).

Writes tests/data/depth_relu_normalized.csv (kernel,delta,eps,n,depth).
Run:  python3 tests/gen/gen_depth.py      (under a second)
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
LMAX = 10000
ROBUST = mpf("1e-30")


def shat(r):
    pi = mpmath.pi
    return (mpmath.sqrt(1 - r * r) + (pi - mpmath.acos(r)) * r - 1) / (pi - 1)


def dshat(r):
    pi = mpmath.pi
    return (pi - mpmath.acos(r)) / (pi - 1)


def depths(delta, eps, n):
    """Return ((L_nngp, margins), (L_ntk, margins)); margins = |q_L - thr|, |q_{L-1} - thr|."""
    thr = mpf(eps) / (n - 1)
    beta = mpmath.pi / (mpmath.pi - 1)
    rho = 1 - mpf(delta)
    theta = rho
    theta1 = mpf(1)
    hist_k = [rho]
    hist_t = [theta / theta1]
    Lk = Lt = None
    for l in range(1, LMAX + 1):
        rnew = shat(rho)
        theta = theta * dshat(rho) + rnew
        theta1 = theta1 * beta + 1
        closed = (beta ** (l + 1) - 1) / (beta - 1)
        assert abs(theta1 - closed) <= mpf(10) ** (-mp.dps + 5) * closed
        rho = rnew
        hist_k.append(rho)
        hist_t.append(theta / theta1)
        if Lk is None and rho <= thr:
            Lk = l
        if Lt is None and theta / theta1 <= thr:
            Lt = l
        if Lk is not None and Lt is not None:
            break
    assert Lk is not None and Lt is not None, "LMAX too small"
    mk = (abs(hist_k[Lk] - thr), abs(hist_k[Lk - 1] - thr))
    mt = (abs(hist_t[Lt] - thr), abs(hist_t[Lt - 1] - thr))
    return (Lk, mk), (Lt, mt)


def main():
    t = Timer()
    res = {}
    for dps in (50, 80):
        mp.dps = dps
        for n in NS:
            for eps in EPSS:
                for delta in DELTAS:
                    res[(dps, n, eps, delta)] = depths(delta, eps, n)
    rows = []
    minmargin = None
    minrel = None
    for n in NS:
        for eps in EPSS:
            for delta in DELTAS:
                a = res[(50, n, eps, delta)]
                b = res[(80, n, eps, delta)]
                assert a[0][0] == b[0][0] and a[1][0] == b[1][0], (n, eps, delta, a, b)
                for kern, (L, margins) in (("nngp", a[0]), ("ntk", a[1])):
                    m = min(margins)
                    assert m > ROBUST, (kern, n, eps, delta, L, margins)
                    minmargin = m if minmargin is None else min(minmargin, m)
                    mr = m / (mpf(eps) / (n - 1))
                    minrel = mr if minrel is None else min(minrel, mr)
                    rows.append((kern, delta, eps, n, L))
    d = data_dir()
    with open(os.path.join(d, "depth_relu_normalized.csv"), "w") as fh:
        fh.write(header_line("gen_depth.py", 50))
        fh.write("kernel,delta,eps,n,depth\n")
        for r in rows:
            fh.write("%s,%s,%s,%d,%d\n" % r)
    for r in rows:
        log("%-5s delta=%-6s eps=%-5s n=%-6d L=%d" % r)
    log("dps 50 and dps 80 give identical depths for all %d rows" % len(rows))
    log("smallest distance |q_L - thr| or |q_{L-1} - thr| over all rows: %s (absolute), "
        "%s (relative to thr)" % (mpmath.nstr(minmargin, 5), mpmath.nstr(minrel, 5)))
    anchors = {("nngp", "0.1"): 45, ("ntk", "0.1"): 25, ("nngp", "0.01"): 52, ("ntk", "0.01"): 30}
    bad = 0
    for (kern, delta), want in sorted(anchors.items()):
        got = [r[4] for r in rows if r[0] == kern and r[1] == delta and r[2] == "0.01"
               and r[3] == 1000][0]
        flag = "OK" if got == want else "MISMATCH"
        bad += got != want
        log("anchor n=1000 eps=0.01 delta=%s %s: docs/numerics.md says %d, computed %d  %s"
            % (delta, kern, want, got, flag))
    log("anchors: %s" % ("all agree" if not bad else "%d MISMATCH(ES) - see above" % bad))
    log("total time %.2f s" % t())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Minimal depths of networks made of a repeated block (depth --net,
da_net_block_depth; docs/numerics.md 7.4), from textbook closed forms in
mpmath, independently of the C code.

The network is dense(1,0); repeat(L){BLOCK} on unit inputs (q = 1) with
correlation rho_0 = 1 - delta.  Every block below keeps the variance at 1,
so its correlation map is a function of rho alone:

  relu_normalized (the centred, scaled ReLU, at variance 1):
      s(r)  = (sqrt(1-r^2) + (pi - acos r) r - 1)/(pi - 1)
      s'(r) = (pi - acos r)/(pi - 1)
  erf; layernorm (erf normalized by layernorm, E erf(Z)^2 = (2/pi) asin(2/3)):
      s(r)  = asin(2r/3)/asin(2/3)
      s'(r) = (2/3)/sqrt(1 - 4r^2/9)/asin(2/3)
  BODY; dense(1,0): rho <- s(rho), Theta <- s'(rho) Theta + s(rho)
  residual(a,b){BODY; dense(1,0)}:
      rho <- a rho + b s(rho), Theta <- a Theta + b (s'(rho) Theta + s(rho))
  with Theta^(0) = rho_0 and the diagonal Theta(1) by the same recursion at
  rho = 1 from Theta^(0)(1) = 1.

nngp: least L with rho_L <= eps/(n-1); ntk: least L with
Theta_L(rho)/Theta_L(1) <= eps/(n-1).  Checked: the depths are the same at
40 and at 60 digits, and at L and L-1 the value differs from the threshold
by more than 1e-25 relatively (a robust answer).  Also written: the block's
slopes C'(0) = a + b s'(0) and C'(1) = a + b s'(1) (a = 0, b = 1 for a plain
block).

Writes tests/data/net_depth_refs.csv:
  kernel,delta,eps,n,depth,value,slope_at_0,slope_at_1,block
(the block last: it holds commas).
Run:  /usr/bin/python3 tests/gen/gen_net_depth.py      (a few seconds)
"""
import os
import sys

from mpmath import mp, mpf, sqrt, acos, asin, pi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir


def relu_s(r):
    return (sqrt(1 - r * r) + (pi - acos(r)) * r - 1) / (pi - 1)


def relu_ds(r):
    return (pi - acos(r)) / (pi - 1)


def erf_s(r):
    return asin(2 * r / 3) / asin(mpf(2) / 3)


def erf_ds(r):
    return (mpf(2) / 3) / sqrt(1 - 4 * r * r / 9) / asin(mpf(2) / 3)


BODIES = {
    "relu_normalized": (relu_s, relu_ds),
    "erf; layernorm": (erf_s, erf_ds),
}

# (block spec, body, alpha, beta); alpha = None: the plain block
BLOCKS = [
    ("relu_normalized; dense(1,0)", "relu_normalized", None, None),
    ("residual(0.7,0.3){relu_normalized; dense(1,0)}", "relu_normalized", "0.7", "0.3"),
    ("residual(0.9,0.1){relu_normalized; dense(1,0)}", "relu_normalized", "0.9", "0.1"),
    ("erf; layernorm; dense(1,0)", "erf; layernorm", None, None),
    ("residual(0.7,0.3){erf; layernorm; dense(1,0)}", "erf; layernorm", "0.7", "0.3"),
]


def step(r, t, s, ds, a, b):
    """one block: (rho, Theta) -> (rho', Theta')"""
    sr, dsr = s(r), ds(r)
    if a is None:
        return sr, dsr * t + sr
    return a * r + b * sr, a * t + b * (dsr * t + sr)


def depth(body, a, b, kernel, delta, eps, n):
    s, ds = BODIES[body]
    if a is not None:
        a, b = mpf(a), mpf(b)
    thr = mpf(eps) / (n - 1)
    r, t = 1 - mpf(delta), 1 - mpf(delta)
    t1 = mpf(1)
    prev = None
    for L in range(0, 100000):
        v = r if kernel == "nngp" else t / t1
        if v <= thr:
            assert abs(v - thr) > thr * mpf("1e-25"), "not robust at L"
            assert prev is None or abs(prev - thr) > thr * mpf("1e-25"), "not robust at L-1"
            return L, v
        prev = v
        r1, t = step(r, t, s, ds, a, b)
        if kernel == "ntk":
            _, t1 = step(mpf(1), t1, s, ds, a, b)
        r = r1
    raise RuntimeError("no depth")


def slopes(body, a, b):
    _, ds = BODIES[body]
    if a is None:
        return ds(mpf(0)), ds(mpf(1))
    a, b = mpf(a), mpf(b)
    return a + b * ds(mpf(0)), a + b * ds(mpf(1))


def main():
    rows = []
    for spec, body, a, b in BLOCKS:
        for kernel in ("nngp", "ntk"):
            for delta in ("0.1", "0.01"):
                eps, n = "0.01", 1000
                mp.dps = 60
                L60, _ = depth(body, a, b, kernel, delta, eps, n)
                mp.dps = 40
                L, v = depth(body, a, b, kernel, delta, eps, n)
                assert L == L60, (spec, kernel, delta, L, L60)
                s0, s1 = slopes(body, a, b)
                rows.append("%s,%s,%s,%d,%d,%s,%s,%s,%s\n" % (
                    kernel, delta, eps, n, L, mp.nstr(v, 30), mp.nstr(s0, 30),
                    mp.nstr(s1, 30), spec))
    with open(os.path.join(data_dir(), "net_depth_refs.csv"), "w") as fh:
        fh.write(header_line("gen_net_depth.py", 40))
        fh.write("kernel,delta,eps,n,depth,value,slope_at_0,slope_at_1,block\n")
        fh.writelines(rows)


if __name__ == "__main__":
    main()

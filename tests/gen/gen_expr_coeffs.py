#!/usr/bin/env python3
"""Hermite coefficients a_k, k = 0..30, of activations given as formulas (a
hold-out set for the expression engine).  Writes tests/data/coeffs_expr.csv
(expr,k,a_k); the first column is the formula exactly as the engine will be
given it.

Same two passes as gen_coeffs.py (pass A: dps 80 tanh-sinh on the standard
cuts; pass B: dps 100 Gauss-Legendre on other cuts, tanh-sinh next to the
x^1.5 singularity), agreement to 1e-52 relative required, exact zeros written
as "0".  Third checks: the two spellings of mish must agree; closed forms for
sin(x)+0.1x^2, the piecewise polynomials (exact incomplete moments), abs(x)^1.5
(Gamma-function moments), exp(-abs(x)) (a_0 = 2 e^{1/2} Phi(-1)), and
0.5 relu + 0.5 tanh against the relu closed form and the tanh values of
tests/data/coeffs_raw.csv (run gen_coeffs.py first).

Run:  python3 tests/gen/gen_expr_coeffs.py    (about 1 minute with 2 processes)
"""
import csv
import multiprocessing
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import (header_line, data_dir, fmt, log, Timer, hermite_int_coeffs,
                          piecewise_poly_integral)
from mpgen_acts import C, softplus
import gen_coeffs
from gen_coeffs import K, DPS_B, REL_TOL, ZERO_TOL, relerr, run_pass, closed_coeff


def _odd(k):
    return k % 2 == 1


def _even(k):
    return k % 2 == 0


def mish(x):
    return x * mpmath.tanh(softplus(x))


def mish_literal(x):
    # the first spelling, evaluated literally as log(1 + exp(x)); fine in
    # mpmath (no overflow) and a slightly different evaluation path
    return x * mpmath.tanh(mpmath.log(1 + mpmath.exp(x)))


EXPRS = [
    ("x*tanh(log(1+exp(x)))", mish_literal, [], [], lambda k: False),
    ("x>0 ? x : exp(x)-1", lambda x: x if x > 0 else mpmath.exp(x) - 1, [0], [], lambda k: False),
    ("abs(x)^1.5", lambda x: abs(x) ** C("1.5"), [0], [0], _odd),
    ("atan(x)", mpmath.atan, [], [], _even),
    ("x/(1+abs(x))", lambda x: x / (1 + abs(x)), [0], [], _even),
    ("max(x,0)^3", lambda x: x ** 3 if x > 0 else mpf(0), [0], [], lambda k: k >= 5 and _odd(k)),
    ("clip(x,-2,2)", lambda x: mpf(-2) if x < -2 else (mpf(2) if x > 2 else x), [-2, 2], [], _even),
    ("abs(x) - 0.3*x", lambda x: abs(x) - C("0.3") * x, [0], [], lambda k: k >= 3 and _odd(k)),
    ("0.5*relu(x) + 0.5*tanh(x)",
     lambda x: C("0.5") * (x if x > 0 else mpf(0)) + C("0.5") * mpmath.tanh(x), [0], [],
     lambda k: False),
    ("x*tanh(softplus(x))", mish, [], [], lambda k: False),
    ("sin(x) + 0.1*x^2", lambda x: mpmath.sin(x) + C("0.1") * x * x, [], [],
     lambda k: k >= 4 and _even(k)),
    ("exp(-abs(x))", lambda x: mpmath.exp(-abs(x)), [0], [], _odd),
]
PIECES = {
    "max(x,0)^3": lambda: [(0, mpmath.inf, [0, 0, 0, 1])],
    "clip(x,-2,2)": lambda: [(-mpmath.inf, -2, [-2]), (-2, 2, [0, 1]), (2, mpmath.inf, [2])],
    "abs(x) - 0.3*x": lambda: [(-mpmath.inf, 0, [0, -1 - C("0.3")]),
                               (0, mpmath.inf, [0, 1 - C("0.3")])],
}


def act_record(i):
    name, f, bps, sing, zero = EXPRS[i]
    return dict(name=name, f=f, df=None, bps=bps, sing=sing, zero=zero)


def work(i):
    act = act_record(i)
    t = Timer()
    A, _ = run_pass(act, "A")
    tA = t()
    B, _ = run_pass(act, "B")
    tB = t() - tA
    mp.dps = DPS_B
    maxrel = mpf(0)
    maxzero = mpf(0)
    rows = []
    for k in range(K + 1):
        if act["zero"](k):
            z = max(abs(A[k]), abs(B[k]))
            assert z < ZERO_TOL, (act["name"], k, z)
            maxzero = max(maxzero, z)
            rows.append((k, "0"))
        else:
            r = relerr(A[k], B[k])
            assert r < REL_TOL, (act["name"], k, A[k], B[k])
            maxrel = max(maxrel, r)
            rows.append((k, fmt(B[k])))
    return dict(name=act["name"], tA=tA, tB=tB, maxrel=mpmath.nstr(maxrel, 3),
                maxzero=mpmath.nstr(maxzero, 3), rows=rows,
                B=[mpmath.nstr(v, 90) for v in B[:K + 1]])


def abs_pow_coeffs(p):
    """a_k of |x|^p from E|X|^(p+m) = 2^((p+m)/2) Gamma((p+m+1)/2)/sqrt(pi), m even."""
    He = hermite_int_coeffs(K)
    out = []
    for k in range(K + 1):
        s = mpf(0)
        for m, c in enumerate(He[k]):
            if c and m % 2 == 0:
                s += c * mpf(2) ** ((p + m) / 2) * mpmath.gamma((p + m + 1) / 2) / mpmath.sqrt(mpmath.pi)
        out.append(s / mpmath.sqrt(mpmath.factorial(k)))
    return out


def load_raw(act):
    path = os.path.join(data_dir(), "coeffs_raw.csv")
    vals = {}
    with open(path) as fh:
        lines = [l for l in fh if not l.startswith("#")]
    for row in csv.DictReader(lines):
        if row["act"] == act:
            vals[int(row["k"])] = mpf(row["a_k"])
    return vals


def main():
    t = Timer()
    with multiprocessing.Pool(2) as pool:
        reports = pool.map(work, range(len(EXPRS)), chunksize=1)
    mp.dps = DPS_B
    byname = dict((r["name"], [mpf(v) for v in r["B"]]) for r in reports)
    checks = {}

    def chk(label, got, want, tol=REL_TOL):
        # tol: relative; the checks against the 50-digit file use 1e-48
        if want == 0:
            r = abs(got)
            assert r < ZERO_TOL, (label, got)
        else:
            r = relerr(got, want)
            assert r < tol, (label, mpmath.nstr(got, 30), mpmath.nstr(want, 30))
        checks[label] = max(checks.get(label, mpf(0)), r)

    # two spellings of mish
    for k in range(K + 1):
        chk("mish spellings", byname["x*tanh(log(1+exp(x)))"][k], byname["x*tanh(softplus(x))"][k])
    # sin + 0.1 x^2 = sin + 0.1 (He_2 + 1)
    for k in range(K + 1):
        want = closed_coeff("sin", k)
        if k == 0:
            want += mpf("0.1")
        if k == 2:
            want += mpf("0.1") * mpmath.sqrt(2)
        chk("sin+0.1x^2 closed", byname["sin(x) + 0.1*x^2"][k], want)
    # piecewise polynomials, exact
    mp.dps = 120
    He = hermite_int_coeffs(K)
    exact = {}
    for name, pc in PIECES.items():
        exact[name] = [piecewise_poly_integral(pc(), He[k]) / mpmath.sqrt(mpmath.factorial(k))
                       for k in range(K + 1)]
    absp = abs_pow_coeffs(mpf("1.5"))
    mp.dps = DPS_B
    for name, ex in exact.items():
        for k in range(K + 1):
            chk("pieces " + name, byname[name][k], ex[k] if abs(ex[k]) > mpf(10) ** -100 else 0)
    for k in range(K + 1):
        chk("abs^1.5 Gamma", byname["abs(x)^1.5"][k], absp[k] if k % 2 == 0 else 0)
    chk("exp(-|x|) a_0", byname["exp(-abs(x))"][0], 2 * mpmath.exp(mpf(1) / 2) * mpmath.ncdf(-1))
    tanh = load_raw("tanh")
    for k in range(K + 1):
        want = closed_coeff("relu", k) / 2 + tanh[k] / 2
        chk("0.5relu+0.5tanh vs coeffs_raw", byname["0.5*relu(x) + 0.5*tanh(x)"][k], want,
            mpf("1e-48"))
    # ELU spelled as a formula vs the catalogue elu in coeffs_raw.csv
    elu = load_raw("elu")
    for k in range(K + 1):
        chk("elu formula vs coeffs_raw", byname["x>0 ? x : exp(x)-1"][k], elu[k], mpf("1e-48"))

    d = data_dir()
    with open(os.path.join(d, "coeffs_expr.csv"), "w") as fh:
        fh.write(header_line("gen_expr_coeffs.py", DPS_B))
        fh.write("expr,k,a_k\n")
        for r in reports:
            name = r["name"]
            q = '"%s"' % name if ("," in name or '"' in name) else name
            for k, v in r["rows"]:
                fh.write("%s,%d,%s\n" % (q, k, v))
    log("%-28s %7s %7s  %-9s %-9s" % ("expr", "tA[s]", "tB[s]", "rel(A,B)", "|zero|"))
    worst = mpf(0)
    for r in reports:
        log("%-28s %7.1f %7.1f  %-9s %-9s" % (r["name"], r["tA"], r["tB"], r["maxrel"], r["maxzero"]))
        worst = max(worst, mpf(r["maxrel"]))
    for label, v in checks.items():
        log("check %-32s max disagreement %s" % (label, mpmath.nstr(v, 3)))
    log("max relative disagreement pass A vs pass B: %s" % mpmath.nstr(worst, 3))
    log("total time %.1f s" % t())


if __name__ == "__main__":
    main()

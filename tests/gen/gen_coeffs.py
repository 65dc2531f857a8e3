#!/usr/bin/env python3
"""Hermite coefficients a_k = E[sigma(X) h_k(X)], k = 0..30, and the moments
E sigma, Var sigma, E[sigma'(X)^2] of the catalogue activations.

Writes tests/data/coeffs_raw.csv (act,k,a_k) and tests/data/moments_raw.csv
(act,mean,var,e_dsq).

Two independent passes per activation:
  pass A: mp.dps = 80, tanh-sinh on [-inf,-20,-10,-5,-2,0,2,5,10,20,inf] merged
          with the breakpoints; sigma' from the analytic derivative;
  pass B: mp.dps = 100, Gauss-Legendre on [-40,40] cut at a different set of
          points merged with the breakpoints (tanh-sinh on the pieces touching
          an endpoint singularity such as x^1.5 at 0; the tails beyond 40 are
          below 1e-300); sigma' by numerical differentiation (mp.diff, one-sided
          away from the nearest breakpoint).
The passes must agree to 1e-52 relative (values that vanish exactly by parity
or polynomial structure must be below 1e-65 in both passes and are written
as "0").  Third check where available: closed forms (docs/numerics.md section 3, the
Gaussian's generating function, exact incomplete-moment integration of the
piecewise polynomials).  Values written are those of pass B.

Run:  python3 tests/gen/gen_coeffs.py      (about 5 minutes with 2 processes)
"""
import multiprocessing
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import (vquad, merge_points, hermite_row, sqrt_table, header_line,
                          data_dir, fmt, log, Timer, hermite_int_coeffs, poly_der,
                          poly_mul, piecewise_poly_integral)
import mpgen_acts
from mpgen_acts import ACTS, BY_NAME

K = 30
DPS_A = 80
DPS_B = 100
DPS_EXACT = 120
REL_TOL = mpf("1e-52")
ZERO_TOL = mpf("1e-65")

SPLIT_A = [-mpmath.inf, -20, -10, -5, -2, 0, 2, 5, 10, 20, mpmath.inf]
SPLIT_B_HALF = [1.5, 3, 4.5, 6, 8, 11, 14, 18, 22, 27, 33, 40]
SPLIT_B = sorted([-t for t in SPLIT_B_HALF] + [0] + SPLIT_B_HALF)


def integrand_factory(act, deriv_mode):
    f = act["f"]
    df = act["df"]
    bps = [mpf(b) for b in act["bps"]]
    rsq = sqrt_table(K)

    def dnum(x):
        if not bps:
            return mp.diff(f, x)
        b = min(bps, key=lambda t: abs(x - t))
        return mp.diff(f, x, direction=(1 if x > b else -1))

    def g(x):
        ph = mpmath.npdf(x)
        s = f(x)
        sp = s * ph
        row = hermite_row(x, K, rsq)
        out = [sp * h for h in row]
        out.append(s * sp)
        if df is None:
            out.append(mpf(0))
        elif deriv_mode == "analytic":
            d = df(x)
            out.append(d * d * ph)
        else:
            d = dnum(x)
            out.append(d * d * ph)
        return out
    return g


def run_pass(act, which):
    if which == "A":
        mp.dps = DPS_A
        pts = merge_points(SPLIT_A, act["bps"])
        methods = None
        method = "tanh-sinh"
        mode = "analytic"
    else:
        mp.dps = DPS_B
        pts = merge_points(SPLIT_B, act["bps"])
        sing = [mpf(s) for s in act["sing"]]
        methods = []
        for i in range(len(pts) - 1):
            touch = any(pts[i] == s or pts[i + 1] == s for s in sing)
            methods.append("tanh-sinh" if touch else "gauss-legendre")
        method = None
        mode = "numeric"
    tol = mpf(10) ** (-(mp.dps - 5))
    g = integrand_factory(act, mode)
    vals, err = vquad(g, pts, K + 3, tol, method=method or "tanh-sinh", methods=methods)
    return vals, err


def closed_coeff(name, k):
    """Closed forms at the current precision, or None."""
    c0 = 1 / mpmath.sqrt(2 * mpmath.pi)
    fk = mpmath.sqrt(mpmath.factorial(k))

    def dfact(n):  # double factorial, (-1)!! = 1
        return mpmath.fac2(n) if n >= 0 else mpf(1)

    if name in ("relu", "step", "sign", "abs") or name.startswith("leaky_relu"):
        def relu(k):
            if k == 0:
                return c0
            if k == 1:
                return mpf(1) / 2
            if k % 2 == 1:
                return mpf(0)
            return (-1) ** (k // 2 + 1) * dfact(k - 3) * c0 / fk

        def step(k):
            if k == 0:
                return mpf(1) / 2
            if k % 2 == 0:
                return mpf(0)
            return (-1) ** ((k - 1) // 2) * dfact(k - 2) * c0 / fk
        ident = mpf(1) if k == 1 else mpf(0)
        if name == "relu":
            return relu(k)
        if name == "step":
            return step(k)
        if name == "sign":
            return 2 * step(k) - (1 if k == 0 else 0)
        if name == "abs":
            return 2 * relu(k) - ident
        al = mpf(name[len("leaky_relu("):-1])
        return al * ident + (1 - al) * relu(k)
    if name == "erf":
        if k % 2 == 0:
            return mpf(0)
        return 2 * (-1) ** ((k - 1) // 2) * dfact(k - 2) * (mpf(2) / 3) ** (mpf(k) / 2) * c0 / fk
    if name == "gelu":
        if k == 0:
            return 1 / (2 * mpmath.sqrt(mpmath.pi))
        if k == 1:
            return mpf(1) / 2
        if k % 2 == 1:
            return mpf(0)
        return ((-1) ** (k // 2 + 1) * (k + 1) * dfact(k - 3) * mpf(2) ** (-mpf(k + 1) / 2)
                * c0 / fk)
    if name == "sin":
        return mpf(0) if k % 2 == 0 else (-1) ** ((k - 1) // 2) * mpmath.exp(-mpf(1) / 2) / fk
    if name == "cos":
        return mpf(0) if k % 2 == 1 else (-1) ** (k // 2) * mpmath.exp(-mpf(1) / 2) / fk
    if name == "exp":
        return mpmath.exp(mpf(1) / 2) / fk
    if name == "gaussian":
        # E[e^{-X^2/2} e^{tX - t^2/2}] = e^{-t^2/4}/sqrt(2)
        if k % 2 == 1:
            return mpf(0)
        j = k // 2
        return (mpf(-1) / 4) ** j * mpmath.factorial(k) / mpmath.factorial(j) / mpmath.sqrt(2) / fk
    return None


def exact_pieces(act):
    """a_0..a_K, E sigma^2, E sigma'^2 for piecewise polynomials by incomplete moments."""
    if act["pieces"] is None:
        return None
    pieces = act["pieces"]()
    He = hermite_int_coeffs(K)
    out = []
    for k in range(K + 1):
        out.append(piecewise_poly_integral(pieces, He[k]) / mpmath.sqrt(mpmath.factorial(k)))
    esq = mpf(0)
    edsq = mpf(0)
    for a, b, p in pieces:
        esq += piecewise_poly_integral([(a, b, poly_mul(p, p))], [1])
        dp = poly_der(p)
        edsq += piecewise_poly_integral([(a, b, poly_mul(dp, dp))], [1])
    return out, esq, edsq


def closed_moments(name):
    """(mean, E sigma^2, E sigma'^2) closed forms for some smooth activations."""
    e = mpmath.e
    pi = mpmath.pi
    if name == "sin":
        return mpf(0), (1 - e ** -2) / 2, (1 + e ** -2) / 2
    if name == "cos":
        return e ** (-mpf(1) / 2), (1 + e ** -2) / 2, (1 - e ** -2) / 2
    if name == "exp":
        return mpmath.sqrt(e), e ** 2, e ** 2
    if name == "gaussian":
        return 1 / mpmath.sqrt(2), 1 / mpmath.sqrt(3), 1 / (3 * mpmath.sqrt(3))
    if name == "erf":
        return mpf(0), 2 / pi * mpmath.asin(mpf(2) / 3), 4 / pi / mpmath.sqrt(5)
    if name == "gelu":
        # E[X Phi(X)] = E[phi(X)] = 1/(2 sqrt(pi)); E[X^2 Phi(X)^2] and
        # E[(Phi + X phi)^2] checked against pass A only.
        return 1 / (2 * mpmath.sqrt(pi)), None, None
    return None


def relerr(a, b):
    if b == 0:
        return abs(a)
    return abs(a - b) / abs(b)


def work(name):
    act = BY_NAME[name]
    t = Timer()
    A, errA = run_pass(act, "A")
    tA = t()
    B, errB = run_pass(act, "B")
    tB = t() - tA
    mp.dps = DPS_B
    report = {"name": name, "tA": tA, "tB": tB, "notes": []}
    # coefficient comparison
    maxrel = mpf(0)
    maxzero = mpf(0)
    rows = []
    for k in range(K + 1):
        a, b = A[k], B[k]
        if act["zero"](k):
            z = max(abs(a), abs(b))
            maxzero = max(maxzero, z)
            assert z < ZERO_TOL, (name, k, a, b)
            rows.append((k, "0"))
        else:
            r = relerr(a, b)
            maxrel = max(maxrel, r)
            assert r < REL_TOL, (name, k, mpmath.nstr(a, 20), mpmath.nstr(b, 20), r)
            rows.append((k, fmt(b)))
    report["maxrel"] = maxrel
    report["maxzero"] = maxzero
    # closed forms
    maxcl = mpf(0)
    ncl = 0
    for k in range(K + 1):
        c = closed_coeff(name, k)
        if c is None:
            continue
        ncl += 1
        if c == 0:
            r = max(abs(A[k]), abs(B[k]))
            assert r < ZERO_TOL, (name, k, "closed form zero", r)
        else:
            r = relerr(B[k], c)
            assert r < REL_TOL, (name, k, "closed form", mpmath.nstr(B[k], 20), mpmath.nstr(c, 20))
        maxcl = max(maxcl, r)
    mp.dps = DPS_EXACT
    ex = exact_pieces(act)
    mp.dps = DPS_B
    if ex is not None:
        coeffs, esq, edsq = ex
        for k in range(K + 1):
            c = coeffs[k]
            if abs(c) < mpf(10) ** -100:
                r = max(abs(B[k]), abs(A[k]))
                assert r < ZERO_TOL, (name, k, "pieces zero", r)
                assert act["zero"](k), (name, k, "exact zero not flagged")
            else:
                r = relerr(B[k], c)
                assert r < REL_TOL, (name, k, "pieces", B[k], c)
            maxcl = max(maxcl, r)
            ncl += 1
    report["maxclosed"] = maxcl
    report["nclosed"] = ncl
    # moments
    meanA, meanB = A[0], B[0]
    esqA, esqB = A[K + 1], B[K + 1]
    varA, varB = esqA - meanA ** 2, esqB - meanB ** 2
    edA, edB = A[K + 2], B[K + 2]
    mrel = max(relerr(varA, varB), relerr(edA, edB) if act["df"] else mpf(0),
               mpf(0) if act["mean_zero"] else relerr(meanA, meanB))
    assert mrel < REL_TOL, (name, "moments", mrel)
    if act["mean_zero"]:
        assert max(abs(meanA), abs(meanB)) < ZERO_TOL
    report["mrel"] = mrel
    mcl = mpf(0)
    if ex is not None:
        _, esq, edsq = ex
        mcl = max(mcl, relerr(esqB, esq))
        if act["df"]:
            mcl = max(mcl, relerr(edB, edsq))
    cm = closed_moments(name)
    if cm is not None:
        m0, e2, d2 = cm
        mcl = max(mcl, abs(meanB - m0) if m0 == 0 else relerr(meanB, m0))
        if e2 is not None:
            mcl = max(mcl, relerr(esqB, e2), relerr(edB, d2))
    assert mcl < REL_TOL, (name, "closed moments", mcl)
    report["mclosed"] = mcl
    # Parseval sanity: the partial sum of a_k^2 must not exceed E sigma^2
    ps = mpmath.fsum(B[k] ** 2 for k in range(K + 1))
    assert ps <= esqB * (1 + mpf(10) ** -60), (name, "Parseval")
    report["parseval_tail"] = esqB - ps
    mean_s = "0" if act["mean_zero"] else fmt(meanB)
    var_s = fmt(varB)
    ed_s = fmt(edB) if act["df"] else "inf"
    report["rows"] = rows
    report["moments"] = (mean_s, var_s, ed_s)
    # make everything picklable as strings
    for key in ("maxrel", "maxzero", "maxclosed", "mrel", "mclosed", "parseval_tail"):
        report[key] = mpmath.nstr(report[key], 3)
    return report


def main():
    t = Timer()
    names = [a["name"] for a in ACTS]
    # slow ones first for better load balance
    with multiprocessing.Pool(2) as pool:
        reports = pool.map(work, names, chunksize=1)
    d = data_dir()
    hdr = header_line("gen_coeffs.py", DPS_B)
    with open(os.path.join(d, "coeffs_raw.csv"), "w") as fh:
        fh.write(hdr)
        fh.write("act,k,a_k\n")
        for r in reports:
            for k, v in r["rows"]:
                fh.write("%s,%d,%s\n" % (r["name"], k, v))
    with open(os.path.join(d, "moments_raw.csv"), "w") as fh:
        fh.write(hdr)
        fh.write("act,mean,var,e_dsq\n")
        for r in reports:
            fh.write("%s,%s,%s,%s\n" % ((r["name"],) + r["moments"]))
    log("%-16s %7s %7s  %-9s %-9s %-9s %-4s %-9s %-9s %-9s" % (
        "act", "tA[s]", "tB[s]", "rel(A,B)", "|zero|", "closed", "#cl", "mom(A,B)",
        "mom-cl", "tail"))
    worst = [mpf(0)] * 4
    for r in reports:
        log("%-16s %7.1f %7.1f  %-9s %-9s %-9s %-4d %-9s %-9s %-9s" % (
            r["name"], r["tA"], r["tB"], r["maxrel"], r["maxzero"], r["maxclosed"],
            r["nclosed"], r["mrel"], r["mclosed"], r["parseval_tail"]))
        worst = [max(worst[0], mpf(r["maxrel"])), max(worst[1], mpf(r["maxzero"])),
                 max(worst[2], mpf(r["maxclosed"])), max(worst[3], mpf(r["mrel"]))]
    log("max relative disagreement pass A vs pass B (coefficients): %s" % mpmath.nstr(worst[0], 3))
    log("max |value| of exact zeros in either pass: %s" % mpmath.nstr(worst[1], 3))
    log("max relative disagreement with closed forms: %s" % mpmath.nstr(worst[2], 3))
    log("max relative disagreement pass A vs pass B (moments): %s" % mpmath.nstr(worst[3], 3))
    log("total time %.1f s" % t())


if __name__ == "__main__":
    main()

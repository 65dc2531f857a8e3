#!/usr/bin/env python3
"""Raw dual activations sigma_hat(rho) = E[sigma(X) sigma(Y)], corr(X,Y) = rho,
and their derivatives sigma_hat'(rho) = E[sigma'(X) sigma'(Y)], by 2-D
quadrature of  E[sigma(X) sigma(rho X + sqrt(1-rho^2) Z)]  (nested
integrals, cut at the breakpoints of sigma in both variables).

Writes tests/data/duals_raw.csv (act,rho,value,deriv), 25 significant digits.
For step and sign (sigma' = J delta_0) the derivative is finite for |rho| < 1,
J^2/(2 pi sqrt(1-rho^2)); it is infinite only at rho = 1 (not in the grid).

Two passes:
  pass 1: mp.dps = 30, tanh-sinh, infinite intervals, cuts
          [-inf,-10,-5,-2,0,2,5,10,inf] + breakpoints (outer: also b +- c*s);
  pass 2: mp.dps = 40, Gauss-Legendre on [-15,15] (phi(15) < 1e-49) with other
          cuts + breakpoints.  Written values are those of pass 2.
Required: relative agreement 1e-22 (absolute 1e-25 for values that vanish).
Third checks: the closed forms of docs/numerics.md section 3 (relu, step, sign,
erf, sin, relu_normalized; derivatives relu, erf, sin, relu_normalized) to
1e-22; the GELU and erf Hermite series with closed-form coefficients (their
a_k^2 decay geometrically) to 1e-22; and for every activation the truncated
series of the 31 coefficients in tests/data/coeffs_raw.csv, which must lie
within the Parseval tail bound T_30 |rho|^31 (derivative: (beta - sum k a_k^2)
|rho|^30) of the quadrature value (run gen_coeffs.py first).

Run:  python3 tests/gen/gen_duals.py       (about 6 minutes with 2 processes)
"""
import csv
import json
import multiprocessing
import tempfile
import os
import sys

import mpmath
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpgen_common import header_line, data_dir, log, Timer
from mpgen_acts import BY_NAME

ACT_NAMES = ["relu", "step", "sign", "erf", "tanh", "sin", "gelu", "relu_normalized",
             "softplus", "elu"]
RHOS = ["-0.99", "-0.5", "0", "0.3", "0.9", "0.999"]
SAVE = os.path.join(tempfile.gettempdir(), "gen_duals_results.json")
DPS1 = 30
DPS2 = 40
DIGITS = 25
REL_TOL = mpf("1e-22")
ABS_TOL = mpf("1e-25")

# Fixed product rules: Gauss-Legendre on pieces of width 1.5 covering [-T, T],
# every piece additionally cut at the breakpoints (inner variable: at
# z_b = (b - rho x)/s, which moves with x; outer variable: at b and, when
# s = sqrt(1-rho^2) < 0.5, at b +- c*s, c = 0.25 .. 15, where the inner mean has
# features of width s).  Central pieces (|centre| <= T/2) get NC nodes, the
# others NT; a cut piece keeps its node count on both halves.
PASSES = {
    1: dict(dps=DPS1, T=12, width=mpf("1.5"), NC=24, NT=16),
    2: dict(dps=DPS2, T=15, width=mpf("1.5"), NC=32, NT=20),
}


class ProductRule(object):
    def __init__(self, which):
        p = PASSES[which]
        mp.dps = p["dps"]
        self.T = mpf(p["T"])
        npieces = int(2 * self.T / p["width"])
        self.cuts = [-self.T + i * p["width"] for i in range(npieces + 1)]
        self.cuts[-1] = self.T
        self.gl = {}
        for n in (p["NC"], p["NT"]):
            X, W = mp.gauss_quadrature(n, "legendre")
            self.gl[n] = list(zip(X, W))
        self.nnodes = []
        for a, b in zip(self.cuts[:-1], self.cuts[1:]):
            self.nnodes.append(p["NC"] if abs(a + b) / 2 <= self.T / 2 else p["NT"])
        # cached nodes with weights w*phi(t) for the uncut pieces
        self.cache = [self.piece(a, b, n) for (a, b, n) in
                      zip(self.cuts[:-1], self.cuts[1:], self.nnodes)]

    def piece(self, a, b, n):
        c = (b - a) / 2
        m = (a + b) / 2
        out = []
        for x, w in self.gl[n]:
            t = m + c * x
            out.append((t, c * w * mpmath.npdf(t)))
        return out

    def nodes(self, extra):
        """Nodes and weights (weight phi included) with extra cut points."""
        extra = sorted(e for e in extra if -self.T < e < self.T)
        if not extra:
            return [nw for pc in self.cache for nw in pc]
        out = []
        for i, (a, b) in enumerate(zip(self.cuts[:-1], self.cuts[1:])):
            inside = [e for e in extra if a < e < b]
            if not inside:
                out.extend(self.cache[i])
                continue
            pts = [a] + inside + [b]
            for u, v in zip(pts[:-1], pts[1:]):
                out.extend(self.piece(u, v, self.nnodes[i]))
        return out


_RULES = {}

# mpmath's erf is slow for large arguments (0.2 ms at |y| = 9); erfc(10.5) =
# 7e-50 is below half an ulp of 1 at 40 digits, so erf(y) rounds to +-1 there.
FAST = {"erf": lambda y: mpf(mpmath.sign(y)) if abs(y) > 10.5 else mpmath.erf(y)}


def get_rule(which):
    if which not in _RULES:
        _RULES[which] = ProductRule(which)
    return _RULES[which]


def dual_pass(name, rho_s, which, rule=None):
    """(sigma_hat(rho), E[sigma'(X) sigma'(Y)] or None) with product rule `which`."""
    act = BY_NAME[name]
    rule = rule or get_rule(which)
    mp.dps = PASSES[which]["dps"]
    rho = mpf(rho_s)
    s = mpmath.sqrt(1 - rho * rho)
    f = FAST.get(name, act["f"])
    df = act["df"]
    bps = [mpf(b) for b in act["bps"]]
    extra = list(bps)
    if s < mpf("0.5"):
        for b in bps:
            for c in ("0.25", "0.5", "1", "1.5", "2", "3", "4", "6", "8", "11", "15"):
                extra += [b - mpf(c) * s, b + mpf(c) * s]
    outer = rule.nodes(extra)
    inner_fixed = rule.nodes([]) if not bps else None
    val = mpf(0)
    der = mpf(0)
    for x, wx in outer:
        inner = inner_fixed or rule.nodes([(b - rho * x) / s for b in bps])
        Iv = mpf(0)
        Id = mpf(0)
        m = rho * x
        for z, wz in inner:
            y = m + s * z
            Iv += wz * f(y)
            if df is not None:
                Id += wz * df(y)
        val += wx * f(x) * Iv
        if df is not None:
            der += wx * df(x) * Id
    if df is None:
        # sigma' = J delta_0 (step: J = 1, sign: J = 2):
        # E[sigma'(X) sigma'(Y)] = J^2 * (density of (X, Y) at (0, 0)) = J^2/(2 pi s)
        J = {"step": 1, "sign": 2}[name]
        der = J * J / (2 * mpmath.pi * s)
    return [val, der]


def fd_check(name, rho_s):
    """4-point central difference of the pass-1 quadrature dual (for step and
    sign, whose derivative is written from the jump formula)."""
    rule = get_rule(1)
    mp.dps = DPS1
    rho = mpf(rho_s)
    h = min(mpf("1e-5"), (1 - abs(rho)) / 10000)
    f = lambda r: dual_pass(name, r, 1, rule)[0]
    return (8 * (f(rho + h) - f(rho - h)) - (f(rho + 2 * h) - f(rho - 2 * h))) / (12 * h)


def closed_dual(name, rho):
    pi = mpmath.pi
    if name == "relu":
        return ((mpmath.sqrt(1 - rho ** 2) + (pi - mpmath.acos(rho)) * rho) / (2 * pi),
                (pi - mpmath.acos(rho)) / (2 * pi))
    if name == "step":
        return (pi - mpmath.acos(rho)) / (2 * pi), None
    if name == "sign":
        return 2 / pi * mpmath.asin(rho), None
    if name == "erf":
        return (2 / pi * mpmath.asin(2 * rho / 3),
                2 / pi * (mpf(2) / 3) / mpmath.sqrt(1 - 4 * rho ** 2 / 9))
    if name == "sin":
        return mpmath.exp(-1) * mpmath.sinh(rho), mpmath.exp(-1) * mpmath.cosh(rho)
    if name == "relu_normalized":
        return ((mpmath.sqrt(1 - rho ** 2) + (pi - mpmath.acos(rho)) * rho - 1) / (pi - 1),
                (pi - mpmath.acos(rho)) / (pi - 1))
    if name in ("gelu", "erf"):
        pass
    return None


def series_dual(name, rho, N=400):
    """Hermite series with closed-form coefficients (gelu, erf): a_k^2 decays
    like 2^-k resp. (2/3)^k, so N = 400 terms is far beyond 40 digits."""
    c0 = 1 / mpmath.sqrt(2 * mpmath.pi)
    val = mpf(0)
    der = mpf(0)
    for k in range(N + 1):
        # a_k^2 computed in log form to avoid huge factorials
        if name == "gelu":
            if k == 0:
                a2 = 1 / (4 * mpmath.pi)
            elif k == 1:
                a2 = mpf(1) / 4
            elif k % 2 == 1:
                continue
            else:
                dfk = mpmath.fac2(k - 3) if k >= 3 else mpf(1)
                a2 = ((k + 1) * dfk) ** 2 * mpf(2) ** (-(k + 1)) * c0 ** 2 / mpmath.factorial(k)
        elif name == "erf":
            if k % 2 == 0:
                continue
            dfk = mpmath.fac2(k - 2) if k >= 2 else mpf(1)
            a2 = 4 * dfk ** 2 * (mpf(2) / 3) ** k * c0 ** 2 / mpmath.factorial(k)
        else:
            return None
        val += a2 * rho ** k
        if k >= 1:
            der += k * a2 * rho ** (k - 1)
    return val, der


def load_coeffs():
    d = data_dir()
    co = {}
    with open(os.path.join(d, "coeffs_raw.csv")) as fh:
        for row in csv.DictReader(l for l in fh if not l.startswith("#")):
            co.setdefault(row["act"], {})[int(row["k"])] = row["a_k"]
    mo = {}
    with open(os.path.join(d, "moments_raw.csv")) as fh:
        for row in csv.DictReader(l for l in fh if not l.startswith("#")):
            mo[row["act"]] = row
    return co, mo


def work(task):
    name, rho_s = task
    t = Timer()
    v1 = dual_pass(name, rho_s, 1)
    t1 = t()
    v2 = dual_pass(name, rho_s, 2)
    t2 = t() - t1
    fd = None
    if BY_NAME[name]["df"] is None:
        fd = mpmath.nstr(fd_check(name, rho_s), 30)
    mp.dps = DPS2
    return dict(name=name, rho=rho_s, t1=t1, t2=t2, fd=fd,
                v1=[mpmath.nstr(v, 45) for v in v1], v2=[mpmath.nstr(v, 45) for v in v2])


def agree(a, b):
    """(ok, disagreement) with relative tolerance, absolute for tiny values."""
    d = abs(a - b)
    if abs(b) < ABS_TOL * 1000:
        return d < ABS_TOL, d
    return d < REL_TOL * abs(b), d / abs(b)


def main():
    t = Timer()
    tasks = [(n, r) for n in ACT_NAMES for r in RHOS]
    reuse = os.environ.get("GEN_DUALS_REUSE")
    if reuse:
        # re-run only the checks on the raw results saved by an earlier run
        with open(reuse) as fh:
            res = json.load(fh)
    else:
        with multiprocessing.Pool(2) as pool:
            res = pool.map(work, tasks, chunksize=1)
        with open(SAVE, "w") as fh:
            json.dump(res, fh)
        log("raw results saved in %s (GEN_DUALS_REUSE=%s reruns the checks only)" % (SAVE, SAVE))
    mp.dps = DPS2
    co, mo = load_coeffs()
    stats = {"pass": mpf(0), "closed": mpf(0), "series": mpf(0), "fd": mpf(0)}
    rows = []
    failures = []
    log("%-16s %6s %7s %7s  %-9s %-9s %-9s %-9s" % ("act", "rho", "t1[s]", "t2[s]", "p1-p2",
                                                   "closed", "series", "trunc/bd"))
    for r in res:
        name, rho = r["name"], mpf(r["rho"])
        act = BY_NAME[name]
        v1 = [mpf(v) for v in r["v1"]]
        v2 = [mpf(v) for v in r["v2"]]
        worst_pass = mpf(0)
        for a, b in zip(v1, v2):
            ok, dd = agree(a, b)
            worst_pass = max(worst_pass, dd)
            if not ok:
                failures.append((name, r["rho"], "pass1 vs pass2", a, b))
        stats["pass"] = max(stats["pass"], worst_pass)
        cl = closed_dual(name, rho)
        cls = "-"
        if cl is not None:
            w = mpf(0)
            for got, want in zip(v2, cl):
                if want is None:
                    continue
                ok, dd = agree(got, want)
                w = max(w, dd)
                if not ok:
                    failures.append((name, r["rho"], "closed form", got, want))
            stats["closed"] = max(stats["closed"], w)
            cls = mpmath.nstr(w, 3)
        se = series_dual(name, rho)
        ses = "-"
        if se is not None:
            w = mpf(0)
            for got, want in zip(v2, se):
                ok, dd = agree(got, want)
                w = max(w, dd)
                if not ok:
                    failures.append((name, r["rho"], "series", got, want))
            stats["series"] = max(stats["series"], w)
            ses = mpmath.nstr(w, 3)
        if r.get("fd") is not None:
            # step / sign: jump-formula derivative vs finite difference of the quadrature
            dd = abs(mpf(r["fd"]) - v2[1]) / v2[1]
            stats["fd"] = max(stats["fd"], dd)
            if dd > mpf("1e-12"):
                failures.append((name, r["rho"], "finite difference", mpf(r["fd"]), v2[1]))
        # truncated series of the 31 file coefficients, with the Parseval bound
        a = [mpf(co[name][k]) for k in range(31)]
        m = mo[name]
        esq = mpf(m["var"]) + mpf(m["mean"]) ** 2
        T = esq - mpmath.fsum(x * x for x in a)
        part = mpmath.fsum(a[k] ** 2 * rho ** k for k in range(31))
        # + 1e-38: the quadrature values themselves carry about 40 digits
        bound = T * abs(rho) ** 31 + mpf("1e-38")
        ratio = abs(v2[0] - part) / bound
        if ratio > 1:
            failures.append((name, r["rho"], "truncated series bound", v2[0], part))
        trs = mpmath.nstr(ratio, 3)
        if act["df"] is not None:
            beta = mpf(m["e_dsq"])
            Td = beta - mpmath.fsum(k * a[k] ** 2 for k in range(31))
            partd = mpmath.fsum(k * a[k] ** 2 * rho ** (k - 1) for k in range(1, 31))
            boundd = Td * abs(rho) ** 30 + mpf("1e-38")
            ratiod = abs(v2[1] - partd) / boundd
            if ratiod > 1:
                failures.append((name, r["rho"], "truncated deriv series bound", v2[1], partd))
            trs += "/" + mpmath.nstr(ratiod, 3)
        log("%-16s %6s %7.1f %7.1f  %-9s %-9s %-9s %-9s" % (name, r["rho"], r["t1"], r["t2"],
                                                           mpmath.nstr(worst_pass, 3), cls, ses, trs))
        val = "0" if (rho == 0 and act["mean_zero"]) else mpmath.nstr(v2[0], DIGITS)
        # step/sign: finite for |rho| < 1 (jump formula, checked by finite differences)
        der = mpmath.nstr(v2[1], DIGITS)
        rows.append((name, r["rho"], val, der))
    if failures:
        for fl in failures:
            log("FAIL", fl[0], fl[1], fl[2], mpmath.nstr(fl[3], 30), mpmath.nstr(fl[4], 30))
        raise SystemExit("disagreements found; nothing written")
    with open(os.path.join(data_dir(), "duals_raw.csv"), "w") as fh:
        fh.write(header_line("gen_duals.py", DPS2))
        fh.write("act,rho,value,deriv\n")
        for row in rows:
            fh.write("%s,%s,%s,%s\n" % row)
    log("max disagreement pass 1 (dps %d) vs pass 2 (dps %d): %s" % (DPS1, DPS2,
                                                                   mpmath.nstr(stats["pass"], 3)))
    log("max disagreement with closed forms: %s" % mpmath.nstr(stats["closed"], 3))
    log("max disagreement with closed-coefficient series (gelu, erf): %s"
        % mpmath.nstr(stats["series"], 3))
    log("max relative disagreement of the step/sign derivative (jump formula) with a "
        "finite difference of the quadrature dual: %s" % mpmath.nstr(stats["fd"], 3))
    log("(trunc/bd = |quadrature - sum_{k<=30} a_k^2 rho^k| / Parseval bound, must be <= 1)")
    log("total time %.1f s" % t())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # quick test: gen_duals.py NAME RHO
        mp.dps = DPS2
        r = work((sys.argv[1], sys.argv[2]))
        print(r)
    else:
        main()

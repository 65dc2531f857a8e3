"""The analyses over depth: minimal depths, Gram matrices, degree spectra,
the paper's table; and the network-kernel function kernel_fn."""
import collections
import itertools
import math

import numpy as np

from . import _dualact
from ._ball import Ball, AccuracyError, bound_kind
from ._activation import as_activation, _dec

__all__ = ["depth", "gram", "learn", "table", "kernel_fn", "TABLE_ACTIVATIONS"]


def _listify(x):
    if isinstance(x, (str, bytes)) or np.ndim(x) == 0:
        return [x]
    return list(x)


def depth(act, delta, eps, n, kernel="nngp", digits=20, max_digits=320, max_depth=100000):
    """Proved minimal depths L* (docs/analysis.md): the least L with
    k_L(1 - delta) <= eps/(n-1) for the top-layer kernel ('nngp'), the
    normalized NTK ('ntk') or both ('both').  delta, eps, n: values or
    lists (one row per combination, in the order delta, eps, n); decimals
    are taken exactly (a float by its shortest repr: 0.1 is 1/10).

    Returns a list of dicts with the CLI's columns: kernel, delta, eps, n,
    depth (an int; math.inf for the NTK of an activation that jumps; None
    when max_depth was reached), bound_potential, bound_two_phase,
    bound_majorant (None when they do not apply), two_phase_split, mu, and
    value, previous, threshold (Balls).  Raises AccuracyError (rows in
    .result, the undecided depth being a candidate) when the enclosures
    could not decide up to max_digits."""
    a = as_activation(act)
    kernels = {"nngp": [0], "ntk": [1], "both": [0, 1]}.get(kernel)
    if kernels is None:
        raise ValueError("kernel must be 'nngp', 'ntk' or 'both'")
    combos = [(_dec(d), _dec(e), int(k)) for d, e, k in
              itertools.product(_listify(delta), _listify(eps), _listify(n))]
    mu, rows = a._depth(combos, kernels, digits=int(digits), max_digits=int(max_digits),
                        max_depth=int(max_depth))
    kind = bound_kind(all(r.get("rigorous", False) for r in rows))
    out = []
    undecided = False
    for r in rows:
        st = r.pop("status")
        if st == _dualact.EINFINITE:
            r["depth"] = math.inf
        elif r["depth"] < 0:
            r["depth"] = None
        if st == _dualact.EACCURACY:
            undecided = True
        r["proved"] = st == _dualact.OK and r["depth"] is not None
        for k in ("bound_potential", "bound_two_phase", "bound_majorant"):
            if r[k] < 0:
                r[k] = None
        if r["two_phase_split"] != r["two_phase_split"]:
            r["two_phase_split"] = None
        for k in ("value", "previous", "threshold"):
            r[k] = Ball._from_raw(r[k], kind)
        r["mu"] = Ball._from_raw(mu, kind)
        r["activation"] = a.spec
        out.append(r)
    if undecided:
        raise AccuracyError("%s: some depths could not be decided up to %d digits" % (a.spec, max_digits),
                            result=out)
    return out


def gram(act, X, depth, ntk=False, rank_k=0, spectrum=None, tol=1e-9):
    """The kernel matrix of the rows of X (an n x d numpy array; each row
    scaled to unit norm) after each depth 0..depth (the top-layer kernel,
    or the normalized NTK with ntk=True), for the normalized activation:
    a list of dicts, one per layer, with lambda_min, lambda_max, cond,
    max_offdiag, gershgorin (a lower bound on lambda_min), r0, R0 (rk, Rk
    with rank_k), entry_err (a bound on the error of every entry),
    lambda_err (an estimate for the eigenvalues), method, steps and bound
    ("estimate": double precision, libm assumed within 4 ulp).
    spectrum: True for the full spectrum at every layer, None automatic."""
    a = as_activation(act)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError("gram: X must be a 2-d array (n points x d)")
    sp = 0 if spectrum is None else (1 if spectrum else 2)
    return _dualact._gram(a, X, int(depth), ntk=bool(ntk), rank_k=int(rank_k), spectrum=sp,
                          tol=float(tol))


def learn(act, degree=1, depth=20, dim=None, threshold=0.1, terms=None, digits=30):
    """The degree spectrum of the depth-L kernel of the normalized
    activation (docs/learn.md): one dict per layer 0..depth with mass
    (W_{<=degree}(L), a Ball: on the line, or with dim=d the share of the
    kernel's trace on spherical harmonics of degree <= degree on S^{d-1}),
    tail (the mass beyond the truncation), rate_last and rate_fit (line,
    layer >= 1), eigenvalues and shares by harmonic degree 0..degree
    (sphere).  The first row also says where the mass falls below
    threshold: crossing = (lower, upper) bounds on that layer (-1: not
    within depth)."""
    a = as_activation(act)
    if terms is None:
        terms = max(degree, 200) if dim else max(degree, 1)
    st, msg, d = a._learn(int(terms), int(depth), int(digits), int(degree), dim=int(dim or 0),
                          threshold=float(threshold))
    kind = bound_kind(d.get("rigorous", 0))
    rows = []
    for r in d["layers"]:
        row = {"layer": r["layer"], "degree": int(degree)}
        for k, v in r.items():
            if k == "layer":
                continue
            if isinstance(v, list):
                row[k] = [Ball._from_raw(t, kind) for t in v]
            else:
                row[k] = Ball._from_raw(v, kind)
        rows.append(row)
    if dim:
        lo = hi = -1
        for r in rows:
            if lo < 0 and r["mass"].lower < threshold:
                lo = r["layer"]
            if hi < 0 and r["mass"].upper < threshold:
                hi = r["layer"]
        crossing = (lo, hi)
    else:
        crossing = tuple(d["crossing"])
    for r in rows:
        r["crossing"] = crossing
    if st == _dualact.EACCURACY:
        raise AccuracyError("%s: %s" % (a.spec, msg), result=rows)
    return rows


TABLE_ACTIVATIONS = (
    "relu", "leaky_relu(0.2)", "abs", "step", "sign", "hardtanh", "tanh", "sigmoid", "erf",
    "gelu", "silu", "softplus", "elu", "selu", "sin", "gaussian",
)


def table(acts=None, delta=0.1, eps=0.01, n=1000, digits=4):
    """The paper's conditioning table (`dualact table`): one dict per
    activation with activation, a1^2, mu, beta (Balls; beta math.inf when
    the activation jumps), closed_form (a name or None), L_nngp, bound,
    L_ntk (ints, math.inf, or None; with several (delta, eps, n) the keys
    get the CLI's suffix _dD_eE_nN), W3_L10 (a Ball) and chi1 (a Ball from
    the mean-field quadrature, an estimate).  pandas.DataFrame(rows) turns
    it into a frame."""
    acts = list(TABLE_ACTIVATIONS if acts is None else _listify(acts))
    objs = [as_activation(s) for s in acts]          # all parse before any work
    combos = list(itertools.product(_listify(delta), _listify(eps), _listify(n)))
    rows = []
    partial = False
    for spec, a in zip(acts, objs):
        row = {"activation": spec if isinstance(spec, str) else a.spec}
        try:
            c = a.coeffs(degree=1, digits=digits + 4)
        except AccuracyError as e:
            c, partial = e.result, True
        a1 = c[1]
        a1sq = Ball._from_raw(_sq(a1), a1.bound)
        row["a1^2"] = a1sq
        row["mu"] = c.mu
        row["beta"] = math.inf if c.beta_infinite else c.beta
        row["closed_form"] = a.closed_form()
        mu_positive = c.mu.mid > c.mu.rad
        depth_rigorous = True
        for (d, e, k) in combos:
            suffix = "" if len(combos) == 1 else "_d%s_e%s_n%s" % (_dec(d), _dec(e), k)
            row["L_nngp" + suffix] = row["bound" + suffix] = row["L_ntk" + suffix] = None
            if not mu_positive:
                continue
            try:
                rs = depth(a, d, e, k, kernel="both")
            except AccuracyError as err:
                rs, partial = err.result, True
            for r in rs:
                v = r.get("value")
                if isinstance(v, Ball) and v.bound != "rigorous":
                    depth_rigorous = False
                key = ("L_nngp" if r["kernel"] == "nngp" else "L_ntk") + suffix
                row[key] = r["depth"] if (r["proved"] or r["depth"] == math.inf) else None
                if r["kernel"] == "nngp":
                    row["bound" + suffix] = r["bound_potential"]
        try:
            sp = learn(a, degree=3, depth=10, terms=12, digits=digits + 6)
        except AccuracyError as err:
            sp, partial = err.result, True
        row["W3_L10"] = sp[10]["mass"]
        # chi_1 at sigma_w^2 = 1, sigma_b^2 = 0 is E sigma'^2 = beta (Stein),
        # as the CLI's table prints it: the proved ball
        row["chi1"] = row["beta"]
        rigorous = all(isinstance(v, Ball) and v.bound == "rigorous"
                       for v in (row["a1^2"], row["mu"], row["W3_L10"]))
        rigorous = rigorous and depth_rigorous
        row["bound_kind"] = "rigorous" if rigorous else "estimate"
        rows.append(row)
    if partial:
        raise AccuracyError("table: some entries did not reach the accuracy asked for", result=rows)
    return rows


def _sq(b):
    """a^2 for a ball a, as a raw tuple: exact midpoint, radius
    2|m| r + r^2 rounded up (with a relative margin)."""
    m = b._man
    if m is None:
        return (float(b.mid) ** 2, None, math.inf)
    mid = abs(float(b.mid))
    rad = (2 * mid * b.rad + b.rad * b.rad) * (1 + 2 ** -50)
    return (m * m, 2 * b._exp, rad)


Kernel = collections.namedtuple("Kernel", ["nngp", "ntk"])


def kernel_fn(act, depth, sw2=1.0, sb2=0.0, param="ntk", normalized=False, digits=16):
    """neural-tangents-style kernel_fn(x1, x2=None, get=('nngp', 'ntk')).

    The network Dense(sw2, sb2), then depth blocks (act, Dense(sw2, sb2)),
    in the NTK parameterisation (neural-tangents' default): x1 (n1 x d)
    and x2 (n2 x d, default x1) give the input kernels x.x'/d, and each
    layer maps them through the library's general-variance kernels
    E[s(u)s(v)], E[s'(u)s'(v)] (closed forms or the Hermite series,
    in double by da_netk_eval_fast when the activation has a closed form,
    else da_netk_eval_d, each entry to about 15-16 digits, an estimate):
        K <- sw2 E[s(u) s(v)] + sb2,   Theta <- K + sw2 E[s'(u) s'(v)] Theta.
    fn returns a Kernel(nngp, ntk) namedtuple of n1 x n2 arrays (or one
    array when get is a single name).  The recursion itself runs in double
    here, so the entries are accurate to about 1e-15 relative, not proved
    (an estimate whatever da_netk_rigorous says of the kernel's balls);
    `dualact kernel` gives balls labelled rigorous or estimate.
    Activation.kernel(...) is this function.
    param='standard' is available from the CLI (kernel --param standard)."""
    a = as_activation(act)
    if param != "ntk":
        raise ValueError("kernel_fn implements param='ntk'; the standard parameterisation is "
                         "available from the CLI: dualact kernel --param standard")
    depth = int(depth)
    if depth < 0:
        raise ValueError("depth must be >= 0")
    sw2, sb2 = float(sw2), float(sb2)

    def ev(q1, q2, c, deriv):
        q1, q2, c = np.broadcast_arrays(q1, q2, c)
        shape = c.shape
        v, e = a._netk(np.ascontiguousarray(q1, float).ravel(),
                       np.ascontiguousarray(q2, float).ravel(),
                       np.ascontiguousarray(c, float).ravel(), deriv=deriv, digits=int(digits),
                       normalized=bool(normalized), fast=True)
        return v.reshape(shape)

    def fn(x1, x2=None, get=("nngp", "ntk")):
        X1 = np.atleast_2d(np.asarray(x1, dtype=float))
        same = x2 is None
        X2 = X1 if same else np.atleast_2d(np.asarray(x2, dtype=float))
        if X1.ndim != 2 or X2.ndim != 2 or X1.shape[1] != X2.shape[1]:
            raise ValueError("x1 and x2 must be n1 x d and n2 x d arrays")
        d = X1.shape[1]
        K = sw2 * (X1 @ X2.T) / d + sb2
        q1 = sw2 * np.einsum("ij,ij->i", X1, X1) / d + sb2
        q2 = q1 if same else sw2 * np.einsum("ij,ij->i", X2, X2) / d + sb2
        T = K.copy()
        for _ in range(depth):
            Q1, Q2 = q1[:, None], q2[None, :]
            lim = np.sqrt(Q1 * Q2)
            C = np.clip(K, -lim, lim)          # rounding must not leave |c| <= sqrt(q1 q2)
            if same:
                np.fill_diagonal(C, q1)         # x = x': the diagonal entries exactly
            E = ev(Q1, Q2, C, 0)
            Ed = ev(Q1, Q2, C, 1)
            Kn = sw2 * E + sb2
            T = Kn + sw2 * Ed * T
            K = Kn
            q1n = sw2 * ev(q1, q1, q1, 0) + sb2
            q2 = q1n if same else sw2 * ev(q2, q2, q2, 0) + sb2
            q1 = q1n
        out = {"nngp": K, "ntk": T}
        if isinstance(get, str):
            return out[get]
        for g in get:
            if g not in out:
                raise ValueError("get: 'nngp' and/or 'ntk', not %r" % (g,))
        return Kernel(*(out[g] if g in get else None for g in ("nngp", "ntk")))

    return fn

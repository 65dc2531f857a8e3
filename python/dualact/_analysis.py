"""The analyses over depth: minimal depths, Gram matrices, degree spectra,
the paper's table; and the network-kernel function kernel_fn."""
import collections
import csv
import itertools
import math
import numbers
import re
import warnings

import mpmath

import numpy as np

from . import _dualact
from ._ball import Ball, AccuracyError, bound_kind
from ._activation import as_activation, _dec
from ._check import integer, real, interruptible, MAX_DEPTH, MAX_DIGITS

__all__ = ["depth", "gram", "learn", "table", "kernel_fn", "TABLE_ACTIVATIONS"]


def _listify(x):
    if isinstance(x, (str, bytes)) or np.ndim(x) == 0:
        return [x]
    return list(x)


def depth(act, delta, eps, n, kernel="nngp", digits=20, max_digits=320, max_depth=100000,
          sw2=None, sb2=None, normalized=False):
    """Proved minimal depths L* (docs/analysis.md): the least L with
    k_L(1 - delta) <= eps/(n-1) for the top-layer kernel ('nngp'), the
    normalized NTK ('ntk') or both ('both').  delta, eps, n: values or
    lists (one row per combination, in the order delta, eps, n); decimals
    are taken exactly (a float by its shortest repr: 0.1 is 1/10).

    Returns a list of dicts with the CLI's columns: kernel, delta, eps, n,
    depth (an int; math.inf for the NTK of an activation that jumps; None
    when max_depth was reached), bound_potential, bound_two_phase,
    bound_majorant (None when they do not apply; for 'ntk' only
    bound_majorant, the project's NTK bound), two_phase_split, mu, and
    value, previous, threshold (Balls).  Raises AccuracyError (rows in
    .result, the undecided depth being a candidate) when the enclosures
    could not decide up to max_digits.

    sw2, sb2 (either, the other defaulting to 1 or 0; decimals exact): the
    network Dense(sw2, sb2), (act, Dense(sw2, sb2)) x L in mean-field
    conventions (sigma as given; normalized=True for the normalized sigma),
    'nngp' only, as `dualact depth --sw2 --sb2`: inputs at the fixed point
    q* with correlations in [-(1-delta), 1-delta].  Each dict then has
    phase ('chaotic', 'ordered', 'critical', 'unbounded'), depth (L* in the
    chaotic phase: every correlation within eps (1-c*)/(n-1) of c*; None
    otherwise), minimal (no smaller depth works, proved), q_star, c_star,
    chi1 (Balls), lambda_min_lo (lambda_min(K^(L*)) >= it; None when not
    chaotic), rank_one_depth (ordered phase: a depth L with
    (2 - delta) chi1^L <= eps; None otherwise), deviation, threshold,
    proved and bound.  No fixed point of the length map (phase 'unbounded')
    or an undecided depth raises AccuracyError with the rows in .result.
    normalized=True with sw2 = 1, sb2 = 0 is the default analysis (q* = 1,
    c* = 0)."""
    a = as_activation(act)
    kernels = {"nngp": [0], "ntk": [1], "both": [0, 1]}.get(kernel)
    if kernels is None:
        raise ValueError("kernel must be 'nngp', 'ntk' or 'both'")
    combos = [(_dec(d), _dec(e), integer("n", k)) for d, e, k in
              itertools.product(_listify(delta), _listify(eps), _listify(n))]
    bias = sw2 is not None or sb2 is not None or normalized
    paper = False
    if bias:
        if kernels != [0]:
            raise ValueError("depth: sw2/sb2/normalized are for the top-layer kernel only "
                             "(the NTK with biases is not implemented)")
        sw2 = _dec(1 if sw2 is None else sw2)
        sb2 = _dec(0 if sb2 is None else sb2)
        for name, v, lo in (("sw2", sw2, 0), ("sb2", sb2, -1)):
            try:
                x = float(v)
            except ValueError:
                raise ValueError("%s: '%s' is not a number" % (name, v)) from None
            if not (x > lo) or x > 1e6:
                raise ValueError("%s: %s must be %s" % (name, v, "positive" if lo == 0 else "non-negative"))
        paper = normalized and float(sw2) == 1 and float(sb2) == 0 and \
            mpmath.mpf(sw2) == 1 and mpmath.mpf(sb2) == 0
        if not paper:
            return _depth_bias(a, combos, sw2, sb2, normalized, digits, max_digits, max_depth)
    mu, rows = interruptible(a._depth, combos, kernels, digits=integer("digits", digits),
                             max_digits=integer("max_digits", max_digits),
                             max_depth=integer("max_depth", max_depth))
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
        if paper:
            r.update(phase="chaotic", q_star=Ball(1), c_star=Ball(0), minimal=r["proved"])
        out.append(r)
    if undecided:
        raise AccuracyError("%s: some depths could not be decided up to %d digits" % (a.spec, max_digits),
                            result=out)
    return out


def _depth_bias(a, combos, sw2, sb2, normalized, digits, max_digits, max_depth):
    """depth() with sw2, sb2: the rows of da_depth_bias_find"""
    _, rows = interruptible(a._depth, combos, [0], digits=integer("digits", digits),
                            max_digits=integer("max_digits", max_digits),
                            max_depth=integer("max_depth", max_depth), sw2=sw2, sb2=sb2,
                            normalized=bool(normalized))
    out = []
    problems = []
    for r in rows:
        st = r.pop("status")
        msg = r.pop("message")
        kind = bound_kind(r["rigorous"])
        for k in ("q_star", "c_star", "chi1"):
            r[k] = Ball._from_raw(r[k], kind)
        for k in ("depth", "rank_one_depth"):
            if r[k] < 0:
                r[k] = None
        for k in ("lambda_min_lo", "deviation", "threshold"):
            if r[k] != r[k]:
                r[k] = None
        r["proved"] = st == _dualact.OK and r["rigorous"]
        r["bound"] = "none" if st != _dualact.OK else kind
        r["sw2"], r["sb2"] = sw2, sb2
        r["activation"] = a.spec
        if st != _dualact.OK:
            problems.append(msg)
        out.append(r)
    if problems:
        raise AccuracyError("%s: %s" % (a.spec, problems[0]), result=out)
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
    depth = integer("depth", depth, 0, MAX_DEPTH)
    rank_k = integer("rank_k", rank_k, 0, 100000)
    tol = real("tol", tol, 1e-15, 0.1)
    sp = 0 if spectrum is None else (1 if spectrum else 2)
    return interruptible(_dualact._gram, a, X, depth, ntk=bool(ntk), rank_k=rank_k, spectrum=sp,
                         tol=tol)


_FORMATS = {"text": 0, "csv": 1, "md": 2, "markdown": 2, "latex": 3, "json": 4}


def _format_code(format):
    if format is None:
        return None
    code = _FORMATS.get(format) if isinstance(format, str) else None
    if code is None:
        raise ValueError("format must be one of text, csv, md, latex, json (or None)")
    return code


def _csv_rows(text):
    """The rows of a CSV table as the library renders it (a first line
    '# ...' is its provenance comment): a list of dicts of strings."""
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return list(csv.DictReader(lines))


def learn(act, degree=1, depth=20, dim=None, threshold=0.1, terms=None, digits=30, format=None):
    """The degree spectrum of the depth-L kernel of the normalized
    activation (docs/learn.md): one dict per layer 0..depth with every
    column of the CLI's learn --format csv: layer, degree, mass
    (W_{<=degree}(L), a Ball: on the line, or with dim=d the share of the
    kernel's trace on spherical harmonics of degree <= degree on S^{d-1}),
    err (the CLI's bound on |printed mass - the mass|, a float), bound
    ('rigorous' or 'estimate'), and on the sphere k (an int), the effective
    ranks of Bartlett et al. (2020) r_0, R_0, r_k, R_k (Balls) at k = the
    number of eigenvalues of harmonic degree <= degree, with r_0_err,
    R_0_err, r_k_err, R_k_err (floats, as printed); besides: tail (the
    mass beyond the truncation), rate_last and rate_fit (line, layer >= 1),
    eigenvalues and shares by harmonic degree 0..degree (sphere).  The
    first row also says where the mass falls below threshold: crossing =
    (lower, upper) bounds on that layer (-1: not within depth).
    format='csv', 'json' or 'text' returns the report exactly as `dualact
    learn --format F` prints it (built by the same library function,
    da_learn_report); 'md' and 'latex' the CSV's rows as a table."""
    a = as_activation(act)
    code = _format_code(format)
    if terms is None:
        terms = max(degree, 200) if dim else max(degree, 1)
    st, msg, d = interruptible(a._learn, integer("terms", terms), integer("depth", depth),
                               integer("digits", digits), integer("degree", degree),
                               dim=integer("dim", dim or 0), threshold=float(threshold),
                               format=1 if code is None else code,
                               spec=act if isinstance(act, str) else a.spec)
    if code is not None:
        if st == _dualact.EACCURACY:
            raise AccuracyError("%s: %s" % (a.spec, msg), result=d["table"])
        return d["table"]
    kind = bound_kind(d.get("rigorous", 0))
    rows = []
    for r, c in zip(d["layers"], _csv_rows(d["table"])):
        row = {"layer": r["layer"], "degree": int(degree)}
        for k, v in r.items():
            if k == "layer":
                continue
            if isinstance(v, int):
                row[k] = v
            elif isinstance(v, list):
                row[k] = [Ball._from_raw(t, kind) for t in v]
            else:
                row[k] = Ball._from_raw(v, kind)
        # the CLI's columns that are no Balls: the printed error bounds
        # (None where the cell is empty: a rank that is undefined) and
        # the label
        for k, v in c.items():
            if k == "err" or k.endswith("_err"):
                row[k] = float(v) if v != "" else None
        row["bound"] = c["bound"]
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


_TABLE_TEXT_COLUMNS = ("activation", "closed_form", "bound_kind")
_TABLE_DEPTH_COLUMNS = ("L_nngp", "bound", "L_ntk", "bound_ntk")


def _table_cell(key, v):
    """A cell of the table's CSV as a Python value."""
    if key in _TABLE_TEXT_COLUMNS:
        return None if (key == "closed_form" and v == "-") else v
    if v in ("-", "?", ""):
        return None
    if v == "inf":
        return math.inf
    base = re.sub(r"_d[^_]*_e[^_]*_n[0-9]+$", "", key)    # one per (delta, eps, n)
    return int(v) if base in _TABLE_DEPTH_COLUMNS else float(v)


def table(acts=None, delta=0.1, eps=0.01, n=1000, digits=4, format=None, columns=None):
    """The paper's conditioning table (`dualact table`), built by the
    library as the CLI builds it (da_paper_table): one row per activation
    (the standard set TABLE_ACTIVATIONS when acts is None).

    format=None: one dict per activation keyed by the CLI's CSV columns:
    activation, a1^2, mu, beta, closed_form (a name or None), L_nngp,
    bound, L_ntk, bound_ntk (ints; math.inf for the NTK of an activation that jumps;
    None where not decided or not applicable; with several (delta, eps, n)
    the keys get the CLI's suffix _dD_eE_nN), W3_L10, chi1 (the numbers as
    the CLI prints them, floats rounded to at most digits decimals and to
    no more than their error bounds vouch for; math.inf for beta and chi1
    when the activation jumps, None for '?' or '-'), bound_kind
    ('rigorous' or 'estimate') and bound_ntk (the NTK bound beside L_ntk).  pandas.DataFrame(rows) turns it into a
    frame.  format='text', 'csv', 'md', 'latex' or 'json': the table as
    the CLI prints it with --format (LaTeX heads, provenance comment,
    $\\infty$ for the infinite cells).  columns: a list (or comma list) of
    the CLI's --columns names.  delta, eps, n: values or lists (one group
    of depth columns per combination, at most 16).

    Bad options or activations: ValueError (ParseError) with the CLI's
    message, the keyword in place of the flag; so is, before any work, an
    activation whose row alone is estimated above the CLI's work limit of
    60 s of proved quadrature.  When some cells are not
    decided: AccuracyError with the rows (or the text) in .result."""
    code = _format_code(format)
    if acts is None:
        specs = None
    else:
        specs = []
        for s in _listify(acts):
            a = as_activation(s)                 # every one parses before any work
            specs.append(s if isinstance(s, str) else a.spec)
    if columns is not None and not isinstance(columns, str):
        columns = ",".join(columns)
    dl = ",".join(_dec(d) for d in _listify(delta))
    el = ",".join(_dec(e) for e in _listify(eps))
    nl = ",".join(str(integer("n", k)) for k in _listify(n))
    st, msg, text, warns = interruptible(_dualact._table, specs, dl, el, nl,
                                         integer("digits", digits, 1, 30), columns,
                                         1 if code is None else code)
    for w in warns:
        warnings.warn(w, RuntimeWarning, stacklevel=2)
    if code is not None:
        result = text
    else:
        result = [{k: _table_cell(k, v) for k, v in r.items()} for r in _csv_rows(text)]
    if st == _dualact.EACCURACY:
        raise AccuracyError(msg, result=result)
    return result


Kernel = collections.namedtuple("Kernel", ["nngp", "ntk", "nngp_err", "ntk_err", "bound", "reason"],
                                defaults=(None, None, None, None))


def _check_depth(depth):
    """depth as an int: integers only (no 2.5, no True), >= 0."""
    if isinstance(depth, bool) or not isinstance(depth, (numbers.Integral, np.integer)):
        if isinstance(depth, (float, np.floating)) and float(depth).is_integer():
            depth = int(depth)
        else:
            raise ValueError("depth must be a non-negative integer, not %r" % (depth,))
    depth = int(depth)
    if depth < 0:
        raise ValueError("depth must be a non-negative integer, not %d" % depth)
    if depth > 100000:
        raise ValueError("depth %d is above the limit 100000" % depth)
    return depth


def _check_variance(name, v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number, not %r" % (name, v)) from None
    if not math.isfinite(f) or f < 0:
        raise ValueError("%s must be a finite number >= 0, not %r" % (name, v))
    return f


def _data(x, name):
    X = np.asarray(x, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError("%s must be an n x d array" % name)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError("%s has no rows or no columns" % name)
    if not np.all(np.isfinite(X)):
        bad = int(np.argmax(~np.all(np.isfinite(X), axis=1)))
        raise ValueError("%s: row %d has a value that is not finite" % (name, bad + 1))
    return np.ascontiguousarray(X)


class _Progress:
    """The poll callback of the matrix engine: the caller's progress(fraction),
    and a line on stderr when it is a terminal, once a call has run 2 s."""

    def __init__(self, user):
        import sys
        import time
        self.user, self.t0, self.last, self.time = user, time.monotonic(), 0.0, time
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, fraction):
        if self.user is not None:
            self.user(fraction)
        t = self.time.monotonic() - self.t0
        if self.tty and t > 2 and t - self.last > 0.5:
            import sys
            self.last = t
            self.shown = True
            sys.stderr.write("\rdualact: kernel matrix %3.0f%% (%.0f s)" % (100 * fraction, t))
            sys.stderr.flush()

    def end(self):
        if self.shown:
            import sys
            sys.stderr.write("\n")


def kernel_fn(act, depth, sw2=1.0, sb2=0.0, param="ntk", normalized=False, digits=None,
              threads=None, progress=None, width=None, bias=True):
    """neural-tangents-style kernel_fn(x1, x2=None, get=('nngp', 'ntk')).

    The network Dense(sw2, sb2), then depth blocks (act, Dense(sw2, sb2)):
    x1 (n1 x d) and x2 (n2 x d, default x1) give the input kernels x.x'/d,
    and each layer maps them (docs/numerics.md section 7):
        K <- sw2 E[s(u) s(v)] + sb2,   Theta <- K + sw2 E[s'(u) s'(v)] Theta
    (param='ntk', neural-tangents' default; param='standard' with width,
    the hidden width, as the CLI's kernel --param standard).

    fn returns a Kernel namedtuple (nngp, ntk, nngp_err, ntk_err, bound,
    reason), or one array when get is a single name.  In double (digits
    None): the kernel-matrix engine, every entry with an error bound
    (nngp_err, ntk_err, float32 arrays, rounded upwards); bound is
    'estimate' and reason says why (docs/python.md).  With digits=D: object
    arrays of Balls (every pair through the proved ball path, as the CLI's
    kernel; n up to a few hundred, slow for activations without a closed
    form), bound 'rigorous' when every ball is a proof; the err fields are
    then the balls' radii.  threads: of the engine (None: all cores).
    progress: a function of the fraction done, called between blocks.
    Ctrl-C raises KeyboardInterrupt within a fraction of a second."""
    a = as_activation(act)
    if param not in ("ntk", "standard"):
        raise ValueError("param must be 'ntk' or 'standard', not %r" % (param,))
    depth = _check_depth(depth)
    sw2 = _check_variance("sw2", sw2)
    sb2 = _check_variance("sb2", sb2)
    if param == "standard":
        if width is None or isinstance(width, bool) or int(width) != width or int(width) <= 0:
            raise ValueError("the standard parameterisation needs width, the hidden width "
                             "(a positive integer)")
        width = int(width)
    else:
        width = 0
    if not bias and param == "ntk":
        raise ValueError("bias=False applies to the standard parameterisation")
    if not bias and sb2 != 0:
        raise ValueError("bias=False needs sb2 = 0")
    if digits is not None:
        if isinstance(digits, bool) or int(digits) != digits or not 1 <= int(digits) <= 1000:
            raise ValueError("digits must be an integer in [1, 1000]")
        digits = int(digits)
    if threads is None:
        threads = 0
    elif isinstance(threads, bool) or int(threads) != threads or int(threads) < 1:
        raise ValueError("threads must be a positive integer")
    if progress is not None and not callable(progress):
        raise ValueError("progress must be a function of the fraction done")
    pcode = 0 if param == "ntk" else 1

    def fn(x1, x2=None, get=("nngp", "ntk")):
        names = (get,) if isinstance(get, str) else tuple(get)
        for g in names:
            if g not in ("nngp", "ntk"):
                raise ValueError("get: 'nngp' and/or 'ntk', not %r" % (g,))
        X1 = _data(x1, "x1")
        X2 = None if x2 is None else _data(x2, "x2")
        if X2 is not None and X2.shape[1] != X1.shape[1]:
            raise ValueError("x1 and x2 must have the same number of columns")
        p = _Progress(progress)
        try:
            if digits is None:
                K, eK, T, eT, terms, reason = a._netk_matrix(
                    X1, X2, depth, sw2, sb2, param=pcode, width=width, bias=bool(bias),
                    normalized=bool(normalized), threads=int(threads), progress=p)
                out = Kernel(K, T, eK, eT, "estimate", reason)
            else:
                Kb, Tb, rig, reason = a._netk_balls(
                    X1, X2, depth, _dec(sw2), _dec(sb2), digits, param=pcode, width=width,
                    bias=bool(bias), normalized=bool(normalized), progress=p)
                kind = bound_kind(rig)
                shape = (X1.shape[0], X1.shape[0] if X2 is None else X2.shape[0])
                K = np.empty(len(Kb), dtype=object)
                T = np.empty(len(Tb), dtype=object)
                K[:] = [Ball._from_raw(t, kind) for t in Kb]
                T[:] = [Ball._from_raw(t, kind) for t in Tb]
                K, T = K.reshape(shape), T.reshape(shape)
                eK = np.array([b.rad for b in K.ravel()], dtype=float).reshape(shape)
                eT = np.array([b.rad for b in T.ravel()], dtype=float).reshape(shape)
                out = Kernel(K, T, eK, eT, kind, reason if not rig else "")
        finally:
            p.end()
        if isinstance(get, str):
            return out.nngp if get == "nngp" else out.ntk
        if "nngp" not in names:
            out = out._replace(nngp=None, nngp_err=None)
        if "ntk" not in names:
            out = out._replace(ntk=None, ntk_err=None)
        return out

    return fn

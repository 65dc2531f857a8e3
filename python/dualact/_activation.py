"""dualact.Activation: an activation function and what the library computes
from it (Hermite coefficients, the dual activation and its iterates, the
mean-field quantities, derivatives)."""
import numbers

import mpmath
import numpy as np

from . import _dualact
from ._ball import Ball, AccuracyError, bound_kind
from ._check import integer, interruptible, MAX_DEGREE, MAX_DEPTH, MAX_DIGITS

__all__ = ["Activation", "Coefficients", "DualArrays", "as_activation"]

_METHODS = {"auto": 0, "series": 1, "closed": 2}


class Coefficients(list):
    """The Hermite coefficients a_0..a_N as a list of Balls, with the other
    numbers of the expansion as attributes: mean, var, norm2, tail, mu,
    beta (None when infinite), normalized, method, nodes, prec,
    digits_reached."""

    def __repr__(self):
        return "Coefficients(%s)" % list.__repr__(self)


class DualArrays(tuple):
    """(values, errors): numpy arrays shaped like rho, errors bounding
    |value - exact|; `bound` says whether the bounds are proved."""

    def __new__(cls, values, errors, method, bound):
        t = tuple.__new__(cls, (values, errors))
        t.method = method
        t.bound = bound
        return t

    @property
    def values(self):
        return self[0]

    @property
    def errors(self):
        return self[1]


def _dec(x):
    """A number as the decimal string the library parses exactly (floats by
    their shortest repr, so 0.1 means 1/10, as on the command line)."""
    if isinstance(x, str):
        return x
    if isinstance(x, numbers.Integral):
        return str(int(x))
    return repr(float(x))


# correlations a few ulps outside [-1, 1], as numpy gives for the Gram
# matrix of normalised rows, are set to +-1: by Cauchy-Schwarz the true
# value lies inside.  Values further out stay out of range (NaN results
# with infinite errors, as documented).
_CORR_TOL = 64 * 2.0 ** -53


def _clamp_corr(rho):
    r = np.asarray(rho, dtype=float)
    near = (np.abs(r) > 1) & (np.abs(r) <= 1 + _CORR_TOL)
    if np.any(near):
        r = np.where(near, np.sign(r), r)
        return r if np.ndim(rho) else float(r)
    return rho


def _rho_arg(r):
    if isinstance(r, Ball):
        return r._raw()
    if isinstance(r, mpmath.mpf):
        return Ball(r)._raw()
    if isinstance(r, (str, float, int)):
        return r
    if isinstance(r, numbers.Integral):
        return int(r)
    if isinstance(r, numbers.Real):
        return float(r)
    if isinstance(r, mpmath.mpf):
        return Ball(r)._raw()
    raise TypeError("rho: expected a number, a decimal string or a Ball, not %s" % type(r).__name__)


class Activation(_dualact.Activation):
    """Activation(spec): a catalogue name ("relu", "elu(0.5)") or a formula
    in x ("x*tanh(softplus(x))").  A formula that does not parse raises
    dualact.ParseError (a ValueError) whose message and `column` say where."""

    def __init__(self, spec):
        try:
            super().__init__(spec)
        except _dualact.ParseError as e:
            msg, col = str(e), getattr(e, "column", 0)
            err = _dualact.ParseError("%s (column %d)\n  %s\n  %s^" % (msg, col, spec, " " * (col - 1))
                                      if col > 0 else msg)
            err.column = col
            err.spec = spec
            err.message = msg
            raise err from None

    def __repr__(self):
        return "Activation(%r)" % self.spec

    @property
    def exact(self):
        """True when the Hermite coefficients come from exact formulas
        (polynomials, piecewise polynomials), not from quadrature."""
        return self.kind in ("polynomial", "piecewise polynomial")

    def __call__(self, x):
        """The activation at x (number or array), double precision."""
        return self.eval(x)

    def __reduce__(self):
        return (type(self), (self.spec,))

    # ---- Hermite coefficients
    def coeffs(self, degree=10, digits=30, raw=False, max_prec=0, max_nodes=0, beta=True):
        """Hermite coefficients a_0..a_degree (normalized activation unless
        raw) to absolute accuracy 10^-digits (in units of ||sigma||), as a
        Coefficients list of Balls.  digits=None: the double-precision path,
        returning (a, err) numpy arrays.  Raises AccuracyError (with the
        Coefficients reached in .result) when the caps stop the engine
        short of the target."""
        degree = integer("degree", degree, 0, MAX_DEGREE)
        if digits is None:
            st, msg, a, err = interruptible(self._coeffs_d, degree, bool(raw))
            if st == _dualact.EACCURACY:
                raise AccuracyError(msg, result=(a, err))
            return a, err
        digits = integer("digits", digits, 1, MAX_DIGITS)
        max_prec = integer("max_prec", max_prec, 0, None)
        max_nodes = integer("max_nodes", max_nodes, 0, None)
        st, msg, d = interruptible(self._coeffs, degree, digits, bool(raw), max_prec, max_nodes,
                                   not beta)
        kind = bound_kind(d["rigorous"])
        c = Coefficients(Ball._from_raw(t, kind) for t in d["a"])
        c.bound_reason = d["bound_reason"] or None
        for k in ("mean", "var", "norm2", "tail", "mu"):
            setattr(c, k, Ball._from_raw(d[k], kind))
        c.beta = None if d["beta_infinite"] or not beta else Ball._from_raw(d["beta"], kind)
        c.beta_infinite = d["beta_infinite"]
        for k in ("normalized", "method", "nodes", "prec", "digits_reached"):
            setattr(c, k, d[k])
        if st == _dualact.EACCURACY:
            raise AccuracyError("%s: %s" % (self.spec, msg),
                                result=c, digits_reached=d["digits_reached"])
        return c

    # ---- the dual activation
    def dual(self, rho, depth=1, ntk=False, derivative=0, digits=None, raw=False, method="auto",
             degree=0):
        """The dual activation sigma_hat(rho) (normalized unless raw), its
        derivative (derivative=1, 2), its depth-fold composition, or the
        normalized NTK Theta_depth(rho)/Theta_depth(1) (ntk=True).

        digits=None: the double-precision path.  rho is a number or an
        array; returns DualArrays (values, errors) shaped like rho, one C
        loop, no Python per element.

        digits=D: balls to 10^-D.  rho a number, decimal string or Ball
        (one Ball back) or a sequence of them (a list back).  Raises
        AccuracyError (the Balls in .result) when 10^-D was not reached."""
        depth = integer("depth", depth, 0, MAX_DEPTH)
        derivative = integer("derivative", derivative, 0, 2)
        degree = integer("degree", degree, 0, MAX_DEGREE)
        if digits is None:
            if method != "auto" or degree:
                raise ValueError("method and degree apply to the ball path (digits=...)")
            rho = _clamp_corr(rho)
            v, e, m = self._dual_d_chunked(rho, depth, bool(ntk), derivative, bool(raw))
            # the double path's bounds assume libm's functions accurate to
            # a few ulps (docs/dual.md): an estimate
            kind = "estimate"
            if np.ndim(v) == 0 and np.ndim(rho) == 0:
                v, e = float(v), float(e)
            return DualArrays(v, e, m, kind)
        digits = integer("digits", digits, 1, MAX_DIGITS)
        if method not in _METHODS:
            raise ValueError("method must be one of auto, series, closed")
        single = isinstance(rho, (str, Ball, numbers.Number, mpmath.mpf)) or (
            isinstance(rho, np.ndarray) and rho.ndim == 0)
        rhos = [rho] if single else list(np.asarray(rho).tolist() if isinstance(rho, np.ndarray) else rho)
        st, msg, vals, m, infs, rig = interruptible(self._dual, [_rho_arg(r) for r in rhos], depth,
                                                    bool(ntk), derivative, digits, bool(raw),
                                                    _METHODS[method], degree)
        kind = bound_kind(rig)
        out = [Ball._from_raw(t, kind) for t in vals]
        res = out[0] if single else out
        if st == _dualact.EACCURACY:
            reached = min(b.digits for b in out)
            raise AccuracyError("%s: requested %d digits, reached %.1f" % (self.spec, digits, reached),
                                result=res, digits_reached=reached)
        return res

    # the double path in chunks of about 2^16 evaluations: Python's own
    # signal check runs between them, so Ctrl-C stops a call on 10^7
    # points within a few milliseconds
    _CHUNK = 1 << 16

    def _dual_d_chunked(self, rho, depth, ntk, derivative, raw):
        r = np.asarray(rho, dtype=float) if not isinstance(rho, np.ndarray) else rho
        step = max(1, self._CHUNK // max(1, depth))
        if r.ndim == 0 or r.size <= step:
            return self._dual_d(rho, depth, ntk, derivative, raw)
        flat = np.ascontiguousarray(r, dtype=float).ravel()
        v = np.empty(flat.shape)
        e = np.empty(flat.shape)
        m = None
        for i in range(0, flat.size, step):
            vi, ei, m = self._dual_d(flat[i:i + step], depth, ntk, derivative, raw)
            v[i:i + step] = vi
            e[i:i + step] = ei
        return v.reshape(r.shape), e.reshape(r.shape), m

    def closed_form(self):
        """The name of the closed form the library knows for the dual
        (e.g. 'relu'), or None."""
        return self._closed_form()

    # ---- network kernels (issue 11)
    def kernel(self, *args, **kwargs):
        """dualact.kernel_fn(self, ...): the network kernels (NNGP and NTK)
        at general sigma_w^2, sigma_b^2 of data matrices, in double
        precision (estimates, no bound label); the proved balls are the
        CLI's `dualact kernel`."""
        from ._analysis import kernel_fn
        return kernel_fn(self, *args, **kwargs)

    # ---- mean field
    def meanfield(self, sw2=1.0, sb2=0.0, normalized=False):
        """Mean-field signal propagation at (sw2, sb2): a dict with q*, c*,
        chi_1, chi_c, the depth scales xi_q, xi_c (each with an _err
        estimate) and the phase.  sw2 and sb2 may be sequences of the same
        length (then a list of dicts)."""
        if np.ndim(sw2) == 0 and np.ndim(sb2) == 0:
            return self._meanfield(bool(normalized), [(float(sw2), float(sb2))])[0]
        sw, sb = np.broadcast_arrays(np.asarray(sw2, float), np.asarray(sb2, float))
        return self._meanfield(bool(normalized), list(zip(sw.ravel().tolist(), sb.ravel().tolist())))

    def meanfield_kernel(self, q1, q2, c, derivative=0, normalized=False):
        """E[s(u) s(v)] (derivative=0) or E[s'(u) s'(v)] (1) with Var u = q1,
        Var v = q2, Cov(u, v) = c: (value, error estimate)."""
        return self._meanfield_kernel(bool(normalized), float(q1), float(q2), float(c),
                                      integer("derivative", derivative, 0, 1))

    def critical_sw2(self, sb2=0.0, normalized=False):
        """The sw2 where chi_1 = 1 for this sb2: (sw2, error estimate)."""
        return self._meanfield_critical(bool(normalized), float(sb2))

    # ---- calculus
    def diff(self, order=1, latex=False):
        """The order-th derivative (0 <= order <= 16), simplified, as a
        formula in x (or as LaTeX)."""
        return self._diff_text(integer("order", order, 0, 16), bool(latex))

    def latex(self, order=0):
        """The activation (or its order-th derivative) as LaTeX."""
        return self._diff_text(integer("order", order, 0, 16), True)

    def derivative(self):
        """sigma' as an Activation of its own."""
        return self._derivative()


def as_activation(act):
    """An Activation from an Activation or a spec string."""
    if isinstance(act, _dualact.Activation):
        return act
    if isinstance(act, str):
        return Activation(act)
    raise TypeError("expected an Activation or a spec string, not %s" % type(act).__name__)

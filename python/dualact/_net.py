"""Networks as people build them (dualact/net.h): the kernels of a spec of
dense, activation, layernorm, residual and repeated layers on one pair of
inputs, as proved balls (docs/python.md, "Networks")."""
import math
from fractions import Fraction

from . import _dualact
from ._ball import Ball, AccuracyError, bound_kind
from ._activation import _dec
from ._check import integer, interruptible, MAX_DIGITS

__all__ = ["network_kernel", "serial", "Network", "Layer", "Dense", "LayerNorm", "Identity",
           "Residual", "Repeat", "Elementwise", "Relu", "LeakyRelu", "Abs", "ABRelu", "Sign", "Erf",
           "Sigmoid_like", "Gelu", "Sin", "Cos", "Exp", "Gaussian", "Rbf", "Monomial",
           "RectifiedMonomial", "Hermite", "Polynomial", "Gabor"]


def network_kernel(spec, q1=1, q2=1, cov=0, digits=30):
    """The NNGP and NTK after every layer of the network `spec` (the CLI's
    `kernel --net SPEC`: layers separated by ';', e.g. "dense(1.5,0.1);
    repeat(3){erf; dense(1.5,0.1)}; residual(1,0.5){relu; dense(2,0)};
    layernorm"), on two inputs given by their input kernel q1 = x.x/d,
    q2 = x'.x'/d, cov = x.x'/d (numbers or decimal strings, taken as the
    decimals they print as).  A list of dicts, row 0 the input: layer,
    name (the layer as written), q1, q2, nngp, ntk (Balls, to 10^-digits,
    labelled rigorous, estimate or none as the CLI labels them).  A bad
    spec raises ValueError with the CLI's message; accuracy not reached
    raises AccuracyError carrying the rows."""
    digits = integer("digits", digits, 1, MAX_DIGITS)
    vals = []
    for name, v in (("q1", q1), ("q2", q2), ("cov", cov)):
        if not isinstance(v, str):
            f = float(v)
            if not math.isfinite(f):
                raise ValueError("%s: '%s' is not a number" % (name, v))
        vals.append(_dec(v))
    rows, rig, reason, st, msg = interruptible(_dualact._net_kernel, str(spec), vals[0], vals[1],
                                               vals[2], digits)
    kind = bound_kind(rig)
    out = []
    for layer, name, a, b, c, t in rows:
        k = "rigorous" if layer == 0 else kind
        out.append({"layer": layer, "name": name, "q1": Ball._from_raw(a, k),
                    "q2": Ball._from_raw(b, k), "nngp": Ball._from_raw(c, k),
                    "ntk": Ball._from_raw(t, k), "bound_reason": "" if rig else reason})
    if st:
        raise AccuracyError("network: %s" % msg, result=out)
    return out


# ---- the stax-like API: layers, serial, kernel_fn over data ---------------

class Layer:
    """One layer of a network: its text in the spec language of
    `kernel --net` (docs/manual.md).  Layers are made by Dense, LayerNorm,
    Identity, Residual, Repeat, Elementwise and the neural-tangents names
    (Erf, Relu, ...), and composed by serial."""

    __slots__ = ("spec",)

    def __init__(self, spec):
        if not isinstance(spec, str) or not spec.strip():
            raise ValueError("a layer is a non-empty spec string, not %r" % (spec,))
        self.spec = spec

    def __repr__(self):
        return "Layer(%r)" % self.spec

    def __str__(self):
        return self.spec


def _num(name, v):
    """a layer parameter as the decimal it prints as (strings as given)"""
    if isinstance(v, bool):
        raise ValueError("%s must be a number, not %r" % (name, v))
    if isinstance(v, str):
        return v.strip()
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number, not %r" % (name, v)) from None
    if not math.isfinite(f):
        raise ValueError("%s must be a finite number, not %r" % (name, v))
    return str(int(v)) if isinstance(v, int) else repr(f)


def _layers(layers):
    out = []
    for x in layers:
        if isinstance(x, Layer):
            out.append(x.spec)
        elif isinstance(x, Network):
            out.append(x.spec)
        else:
            raise ValueError("not a layer: %r (use Dense(...), Erf(), Elementwise('formula'), ...)"
                             % (x,))
    if not out:
        raise ValueError("a network needs at least one layer")
    return "; ".join(out)


def Dense(sw2=1.0, sb2=0.0):
    """Dense with weight and bias VARIANCES sw2 = W_std^2, sb2 = b_std^2
    (neural-tangents' Dense(N, W_std, b_std) takes standard deviations),
    NTK parameterisation."""
    return Layer("dense(%s,%s)" % (_num("sw2", sw2), _num("sb2", sb2)))


def LayerNorm(eps=None):
    """neural-tangents' LayerNorm(axis=-1) without learned scale (eps: its
    epsilon, default 0)."""
    return Layer("layernorm" if eps is None else "layernorm(%s)" % _num("eps", eps))


def Identity():
    return Layer("identity")


def Residual(*layers, alpha=1, beta=1):
    """x + branch(x) as variances: K <- alpha K + beta branch(K) (and Theta);
    alpha = beta = 1 is neural-tangents' FanOut(2), parallel(Identity(),
    branch), FanInSum()."""
    return Layer("residual(%s,%s){%s}" % (_num("alpha", alpha), _num("beta", beta),
                                         _layers(layers)))


def Repeat(depth, *layers):
    """the layers, depth times"""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError("depth must be a non-negative integer, not %r" % (depth,))
    return Layer("repeat(%d){%s}" % (depth, _layers(layers)))


def Elementwise(fn):
    """any activation dualact accepts: a catalogue name, a formula in x
    (neural-tangents' Elementwise(fn) with fn written as a formula), or an
    Activation"""
    spec = getattr(fn, "spec", fn)
    if not isinstance(spec, str) or any(c in spec for c in ";{}"):
        raise ValueError("Elementwise: a catalogue name or a formula in x, not %r" % (fn,))
    return Layer(spec)


def _nt(name, *params):
    return Layer(name if not params else "%s(%s)" % (name, ",".join(
        _num("%s parameter" % name, p) for p in params)))


# neural-tangents' elementwise layers, with its parameters and defaults
def Relu():
    return _nt("Relu")


def LeakyRelu(alpha=0.01):
    return _nt("LeakyRelu", alpha)


def Abs():
    return _nt("Abs")


def ABRelu(a, b):
    return _nt("ABRelu", a, b)


def Sign():
    return _nt("Sign")


def Erf(a=1.0, b=1.0, c=0.0):
    return _nt("Erf", a, b, c)


def Sigmoid_like():
    return _nt("Sigmoid_like")


def Gelu():
    return _nt("Gelu")


def Sin(a=1.0, b=1.0, c=0.0):
    return _nt("Sin", a, b, c)


def Cos(a=1.0, b=1.0, c=0.0):
    return _nt("Cos", a, b, c)


def Exp(a=1.0, b=1.0):
    return _nt("Exp", a, b)


def Gaussian(a=1.0, b=-1.0):
    return _nt("Gaussian", a, b)


def Rbf(gamma=1.0):
    return _nt("Rbf", gamma)


def Monomial(degree):
    return _nt("Monomial", int(degree))


def RectifiedMonomial(degree):
    return _nt("RectifiedMonomial", int(degree))


def Hermite(degree):
    return _nt("Hermite", int(degree))


def Polynomial(coef):
    return Layer("Polynomial(%s)" % ",".join(_num("Polynomial coefficient", c) for c in coef))


def Gabor():
    return _nt("Gabor")


def _exact_ball(r, bits):
    """a (man, exp, rad) ball containing the rational r: the midpoint r
    rounded to `bits` bits below its leading bit, the radius one unit there"""
    if r == 0:
        return (0, 0, 0.0)
    e = abs(r.numerator).bit_length() - abs(r.denominator).bit_length() - bits
    m = (r / Fraction(2) ** e) if e >= 0 else r * (1 << -e)
    man = int(m)                      # towards zero: |r - man 2^e| < 2^e
    if Fraction(man) == m:
        return (man, e, 0.0)
    if e > 1000:
        raise ValueError("an input kernel x.x'/d of about 2^%d is beyond the range of the "
                         "ball path's radii" % (e + bits))
    # 2^e, or the smallest double above it when it underflows
    return (man, e, math.ldexp(1.0, max(e, -1074)))


class Network:
    """A network built by serial(...): its spec (the `kernel --net` text),
    kernel(q1, q2, cov) for one pair of inputs, and kernel_fn(x1, x2) over
    data in the manner of neural-tangents."""

    def __init__(self, spec):
        self.spec = spec

    def __repr__(self):
        return "serial(%r)" % self.spec

    def kernel(self, q1=1, q2=1, cov=0, digits=30):
        """network_kernel(self.spec, q1, q2, cov, digits): the rows of every
        layer for one input kernel"""
        return network_kernel(self.spec, q1, q2, cov, digits)

    def kernel_fn(self, x1, x2=None, get=("nngp", "ntk"), digits=None, progress=None,
                  max_pairs=100000):
        """The NNGP and NTK matrices of the network on data: x1 (n1 x d),
        x2 (n2 x d, default x1), input kernel x.x'/d.  Every entry goes
        through the proved ball path of `kernel --net` (one pair at a time:
        small data sets; refused beyond max_pairs distinct pairs).  digits
        None: double matrices, the errors the balls' radii plus the
        rounding to double; digits=D: object arrays of Balls.  Returns the
        Kernel namedtuple of kernel_fn (nngp, ntk, nngp_err, ntk_err, bound,
        reason).  progress: a function of the fraction done.  Ctrl-C raises
        KeyboardInterrupt."""
        import numpy as np
        from ._analysis import Kernel, _data, _Progress
        names = (get,) if isinstance(get, str) else tuple(get)
        for g in names:
            if g not in ("nngp", "ntk"):
                raise ValueError("get: 'nngp' and/or 'ntk', not %r" % (g,))
        X1 = _data(x1, "x1")
        X2 = X1 if x2 is None else _data(x2, "x2")
        if X2.shape[1] != X1.shape[1]:
            raise ValueError("x1 and x2 must have the same number of columns")
        same = x2 is None
        n1, n2, d = X1.shape[0], X2.shape[0], X1.shape[1]
        pairs = n1 * (n1 + 1) // 2 if same else n1 * n2
        if pairs > max_pairs:
            raise ValueError("network kernel_fn: %d pairs of inputs exceed max_pairs = %d "
                             "(every pair goes through the ball path)" % (pairs, max_pairs))
        if progress is not None and not callable(progress):
            raise ValueError("progress must be a function of the fraction done")
        dig = 17 if digits is None else integer("digits", digits, 1, MAX_DIGITS)
        bits = int(dig * 3.33) + 64
        F1 = [[Fraction(v) for v in row] for row in X1.tolist()]
        F2 = F1 if same else [[Fraction(v) for v in row] for row in X2.tolist()]

        def dot(a, b):
            return sum(p * q for p, q in zip(a, b)) / d

        q1 = [_exact_ball(dot(a, a), bits) for a in F1]
        q2 = q1 if same else [_exact_ball(dot(b, b), bits) for b in F2]
        K = np.empty((n1, n2), dtype=object)
        T = np.empty((n1, n2), dtype=object)
        rig, reason, done = True, "", 0
        p = _Progress(progress)
        try:
            for i in range(n1):
                for j in range(i if same else 0, n2):
                    c = _exact_ball(dot(F1[i], F2[j]), bits)
                    rows, r, why, st, msg = interruptible(_dualact._net_kernel, self.spec, q1[i],
                                                          q2[j], c, dig)
                    if st:
                        raise AccuracyError(msg if msg.startswith("network") else
                                            "network: %s" % msg)
                    rig = rig and bool(r)
                    reason = reason or ("" if r else why)
                    K[i, j], T[i, j] = rows[-1][4], rows[-1][5]
                    if same:
                        K[j, i], T[j, i] = K[i, j], T[i, j]
                    done += 1
                    p(done / pairs)
        finally:
            p.end()
        kind = bound_kind(rig)
        Kb = np.empty((n1, n2), dtype=object)
        Tb = np.empty((n1, n2), dtype=object)
        Kb.flat[:] = [Ball._from_raw(t, kind) for t in K.ravel()]
        Tb.flat[:] = [Ball._from_raw(t, kind) for t in T.ravel()]
        if digits is None:
            def rnd(b):
                # the midpoint to double, its rounding added to the radius
                if b._man is None:
                    return float(b.mid), math.inf
                ex = Fraction(b._man) * Fraction(2) ** b._exp
                v = float(ex)
                return v, (b.rad + float(abs(ex - Fraction(v)))) * (1 + 2 ** -50)

            def dbl(B):
                ve = [rnd(b) for b in B.ravel()]
                return (np.array([t[0] for t in ve]).reshape(B.shape),
                        np.array([t[1] for t in ve]).reshape(B.shape))
            (Kv, eK), (Tv, eT) = dbl(Kb), dbl(Tb)
            out = Kernel(Kv, Tv, eK, eT, kind, reason)
        else:
            eK = np.array([b.rad for b in Kb.ravel()]).reshape(Kb.shape)
            eT = np.array([b.rad for b in Tb.ravel()]).reshape(Tb.shape)
            out = Kernel(Kb, Tb, eK, eT, kind, reason)
        if isinstance(get, str):
            return out.nngp if get == "nngp" else out.ntk
        if "nngp" not in names:
            out = out._replace(nngp=None, nngp_err=None)
        if "ntk" not in names:
            out = out._replace(ntk=None, ntk_err=None)
        return out


def serial(*layers):
    """The network of the layers in order (neural-tangents' stax.serial):
    dualact.serial(dualact.Dense(1.5, 0.1), dualact.Erf(), dualact.Dense(1.5, 0.1))"""
    return Network(_layers(layers))

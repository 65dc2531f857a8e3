"""Networks as people build them (dualact/net.h): the kernels of a spec of
dense, activation, layernorm, residual and repeated layers on one pair of
inputs, as proved balls (docs/python.md, "Networks")."""
import math

from . import _dualact
from ._ball import Ball, AccuracyError, bound_kind
from ._activation import _dec
from ._check import integer, interruptible, MAX_DIGITS

__all__ = ["network_kernel"]


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

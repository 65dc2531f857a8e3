"""Argument checks with the command line's rules and messages: an integer
argument must be an integer (2.5 is refused, not truncated), numbers must
be finite, and both must lie in the CLI's ranges; the messages are the
CLI's with the keyword in place of the flag ("depth: '2.5' is not an
integer", "tol: -1 is out of range [1e-15, 0.1]").  And _interruptible,
which lets Ctrl-C stop a long library call."""
import math
import numbers

import numpy as np

from . import _dualact

# the CLI's ranges (tools/cli.h, tools/mapopts.c, tools/cmd_gram.c)
MAX_DIGITS = 1000
MAX_DEGREE = 20000
MAX_DEPTH = 100000


def _shown(v):
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def integer(name, v, lo=None, hi=None):
    """v as an int: an integral number (3, np.int64(3), 3.0), not a bool,
    within [lo, hi]; ValueError otherwise."""
    if isinstance(v, (bool, np.bool_)):
        raise ValueError("%s: '%s' is not an integer" % (name, v))
    if isinstance(v, (numbers.Integral, np.integer)):
        iv = int(v)
    else:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValueError("%s: '%s' is not an integer" % (name, v)) from None
        if not (math.isfinite(f) and f == math.floor(f)):
            raise ValueError("%s: '%s' is not an integer" % (name, _shown(v)))
        iv = int(f)
    if (lo is not None and iv < lo) or (hi is not None and iv > hi):
        raise ValueError("%s: %d is out of range [%s, %s]" % (name, iv, "-inf" if lo is None else lo,
                                                             "inf" if hi is None else hi))
    return iv


def real(name, v, lo, hi):
    """v as a finite float within [lo, hi]; ValueError otherwise."""
    if isinstance(v, (bool, np.bool_)):
        raise ValueError("%s: '%s' is not a number" % (name, v))
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError("%s: '%s' is not a number" % (name, v)) from None
    if not math.isfinite(f):
        raise ValueError("%s: '%s' is not a number" % (name, _shown(f)))
    if f < lo or f > hi:
        raise ValueError("%s: %g is out of range [%g, %g]" % (name, f, lo, hi))
    return f


def interruptible(fn, *args, **kw):
    """fn(*args, **kw) with Ctrl-C honoured inside the library: the
    library polls (da_poll_set) every 50 ms or so, stops once Python's
    signal handler raised, and the exception (KeyboardInterrupt) is raised
    here whatever fn returned."""
    _dualact._poll_begin()
    try:
        r = fn(*args, **kw)
    finally:
        _dualact._poll_end()
    return r

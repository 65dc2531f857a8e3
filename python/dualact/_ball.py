"""Balls: a midpoint (an exact mpmath.mpf) and a radius bounding the error."""
from fractions import Fraction
import math

import mpmath
from mpmath.libmp import from_man_exp

__all__ = ["Ball", "AccuracyError", "bound_kind"]


def bound_kind(rigorous):
    """'rigorous' or 'estimate': the kind of bound a result carries, as the
    library reports it (da_hermite.rigorous, da_dual_rigorous,
    da_depth_rigorous).  The one place that spells it.  A single Ball that
    encloses nothing (a midpoint that is not finite, or an infinite
    radius) is labelled 'none' instead, as the CLI labels such a value
    (tools/common.c, cli_ball_kind)."""
    return "rigorous" if rigorous else "estimate"


BOUNDS = ("rigorous", "estimate", "none")


def _finite(mid_is_finite, rad):
    return mid_is_finite and math.isfinite(rad)


def _mpf_exact(man, exp):
    v = mpmath.mpf(0)
    v._mpf_ = from_man_exp(int(man), int(exp))   # exact: no rounding
    return v


class Ball:
    """A number known to lie in [mid - rad, mid + rad].

    Ball(mid, rad=0.0, bound='rigorous'): mid an int or float (taken
    exactly), a decimal string or an mpmath number (rounded to mpmath's
    working precision: widen rad accordingly), or a (man, exp) pair for
    man * 2**exp.

    mid is an mpmath.mpf holding the library's midpoint exactly; rad is a
    float rounded upwards; bound is 'rigorous' (proved), 'estimate' (an
    error estimate that is not a proof, e.g. from quadrature) or 'none': a
    ball whose midpoint is not finite (nan, inf) or whose radius is
    infinite encloses nothing, proves nothing and is always 'none', as the
    command line labels such a value.
    """

    __slots__ = ("mid", "rad", "bound", "_man", "_exp")

    def __init__(self, mid, rad=0.0, bound="rigorous"):
        if bound not in BOUNDS:
            raise ValueError("bound must be 'rigorous', 'estimate' or 'none'")
        if isinstance(mid, tuple):
            man, exp = mid
            self._man, self._exp = int(man), int(exp)
            self.mid = _mpf_exact(man, exp)
        elif isinstance(mid, int):
            self._man, self._exp = int(mid), 0          # exact, however large
            self.mid = _mpf_exact(self._man, 0)
        else:
            # floats exactly; strings and other numbers through mpmath, at
            # its working precision (mpmath.mp.prec)
            m = mpmath.mpf(mid) if not isinstance(mid, float) else None
            if isinstance(mid, float) and math.isfinite(mid):
                n, d = mid.as_integer_ratio()
                self._man, self._exp = n, -(d.bit_length() - 1)
                self.mid = _mpf_exact(self._man, self._exp)
            elif isinstance(mid, float):
                self._man, self._exp = None, None
                self.mid = mpmath.mpf(mid)
            else:
                self.mid = m
                if mpmath.isfinite(m):
                    s, man, exp, _ = m._mpf_
                    self._man, self._exp = (-man if s else man), exp
                else:
                    self._man, self._exp = None, None
        self.rad = float(rad)
        self.bound = bound if _finite(self._man is not None, self.rad) else "none"

    @classmethod
    def _from_raw(cls, t, bound):
        """From the extension's (man, exp, rad) tuple."""
        man, exp, rad = t
        b = cls.__new__(cls)
        if exp is None:
            b._man = b._exp = None
            b.mid = mpmath.mpf(man)
        else:
            b._man, b._exp = man, exp
            b.mid = _mpf_exact(man, exp)
        b.rad = rad
        b.bound = bound if _finite(exp is not None, float(rad)) else "none"
        return b

    def _raw(self):
        """The (man, exp, rad) tuple the extension reads."""
        if self._man is None:
            return (float(self.mid), None, self.rad)
        return (self._man, self._exp, self.rad)

    def __float__(self):
        return float(self.mid)

    @property
    def lower(self):
        return self.mid - mpmath.mpf(self.rad)

    @property
    def upper(self):
        return self.mid + mpmath.mpf(self.rad)

    @property
    def digits(self):
        """-log10(rad): the number of correct decimals vouched for."""
        if self.rad == 0:
            return math.inf
        if not math.isfinite(self.rad):
            return -math.inf
        return -math.log10(self.rad)

    def _exact_mid(self):
        if self._man is None:
            return None
        return Fraction(self._man) * (Fraction(2) ** self._exp)

    def contains(self, x):
        """True when x (int, float, decimal string, Fraction, mpf or Ball)
        lies in the ball; decided exactly, in rational arithmetic."""
        if isinstance(x, Ball):
            if x._man is None or self._man is None:
                return False
            return abs(x._exact_mid() - self._exact_mid()) + Fraction(x.rad) <= Fraction(self.rad)
        if isinstance(x, mpmath.mpf):
            if not mpmath.isfinite(x):
                return False
            s, man, exp, _ = x._mpf_
            q = Fraction(-man if s else man) * Fraction(2) ** exp
        elif isinstance(x, float):
            if not math.isfinite(x):
                return False
            q = Fraction(x)
        else:
            q = Fraction(x)
        m = self._exact_mid()
        if m is None or not math.isfinite(self.rad):
            return m is None and self.rad == math.inf
        return abs(q - m) <= Fraction(self.rad)

    def __contains__(self, x):
        return self.contains(x)

    def _sig(self):
        """Significant digits the radius vouches for (at least 1)."""
        if self.rad == 0:
            return max(17, int(mpmath.mp.dps))
        if not math.isfinite(self.rad) or self.mid == 0:
            return 1
        mag = float(mpmath.log10(abs(self.mid))) if self.mid != 0 else 0
        return max(1, int(math.floor(mag - math.log10(self.rad))) + 1)

    def __str__(self):
        if self._man is None:
            return str(float(self.mid))
        n = min(self._sig(), 5000)
        with mpmath.workdps(n + 5):
            s = mpmath.nstr(self.mid, n, strip_zeros=False, min_fixed=-4, max_fixed=6)
        return "%s +/- %.2e" % (s, self.rad)

    def __repr__(self):
        return "Ball(%s, %s)" % (str(self), self.bound)

    def __eq__(self, other):
        if not isinstance(other, Ball):
            return NotImplemented
        return (self._man, self._exp, self.rad, self.bound) == (other._man, other._exp, other.rad, other.bound)

    def __hash__(self):
        return hash((self._man, self._exp, self.rad))


class AccuracyError(ArithmeticError):
    """The accuracy asked for was not reached.  `result` carries what was
    computed (valid, with wider bounds); `digits_reached` how far it got."""

    def __init__(self, message, result=None, digits_reached=None):
        super().__init__(message)
        self.result = result
        self.digits_reached = digits_reached

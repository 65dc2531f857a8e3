"""dualact.torch: normalized activations as PyTorch layers.

    >>> import torch, dualact.torch
    >>> layer = dualact.torch.Normalized("relu")
    >>> layer(torch.randn(5))            # (relu(x) - m) / s

Normalized(act) applies sigma normalized to mean 0 and variance 1 under a
standard Gaussian input: (sigma(x) - m) / s with m = E sigma(Z) and
s^2 = Var sigma(Z), Z ~ N(0, 1) -- the normalized activations of Agarwal,
Awasthi & Kale (ALT 2021).

Where the constants come from: m is the Hermite coefficient a_0 of sigma
and s^2 = sum_{k>=1} a_k^2 = E sigma(Z)^2 - a_0^2; both are balls that the
library computes (Activation.coeffs(raw=True): its `mean` and `var`), proved
('rigorous') for the catalogue's activations and formulas whose bound kind
says so.  For each floating dtype the layer rounds them to the nearest
number of that precision: m from the ball's two endpoints, s from the
square roots of the variance ball's endpoints (taken with directed
rounding); when both endpoints round to the same number, that number is
the correctly rounded constant (`rounding_proved`), which is the case
whenever the ball is narrower than the distance to a rounding boundary
(the balls are about 1e-30 wide).

The forward pass is computed by torch on tensors (autograd works): the
catalogue names are mapped to torch functions (TORCH_FUNCTIONS); for any
other activation dualact accepts (a formula), pass `fn`, a torch callable
computing the same function.  The layer checks fn against the library's
own evaluation at a few points before using it.

This module needs PyTorch; `import dualact` does not.
"""
import math
import re

try:
    import torch
except ImportError as _e:  # pragma: no cover - depends on the machine
    raise ImportError("dualact.torch needs PyTorch (Debian: apt-get install python3-torch; "
                      "or pip install torch): %s" % _e) from _e

import mpmath
from mpmath import libmp

from ._activation import Activation, as_activation

__all__ = ["Normalized", "torch_function", "normalization_constants", "TORCH_FUNCTIONS"]

_F = torch.nn.functional


def _softplus(x):
    # log(1 + e^x) without torch.nn.functional.softplus's threshold (which
    # returns x for x > 20, off by e^-x)
    return torch.logaddexp(x, torch.zeros((), dtype=x.dtype, device=x.device))


def _hermite(k):
    k = int(k)

    def he(x):
        # He_0 = 1, He_1 = x, He_{n+1} = x He_n - n He_{n-1}
        h0, h1 = torch.ones_like(x), x
        if k == 0:
            return h0
        for n in range(1, k):
            h0, h1 = h1, x * h1 - n * h0
        return h1
    return he


def _poly(*c):
    def p(x):
        y = torch.full_like(x, c[-1])
        for a in reversed(c[:-1]):
            y = y * x + a
        return y
    return p


_SELU_L = 1.0507009873554804934193349852946
_SELU_A = 1.6732632423543772848170429916717

# catalogue name -> (number of parameters allowed (min, max), default
# parameters, factory(params) -> torch callable)
TORCH_FUNCTIONS = {
    "identity": ((0, 0), (), lambda: (lambda x: x)),
    "relu": ((0, 0), (), lambda: torch.relu),
    "leaky_relu": ((0, 1), (0.01,), lambda a: (lambda x: _F.leaky_relu(x, a))),
    "abs": ((0, 0), (), lambda: torch.abs),
    "step": ((0, 0), (), lambda: (lambda x: (x > 0).to(x.dtype))),
    "sign": ((0, 0), (), lambda: torch.sign),
    "hardtanh": ((0, 0), (), lambda: _F.hardtanh),
    "relu_pow": ((0, 1), (2.0,), lambda p: (lambda x: torch.relu(x) ** p)),
    "tanh": ((0, 0), (), lambda: torch.tanh),
    "sigmoid": ((0, 0), (), lambda: torch.sigmoid),
    "erf": ((0, 0), (), lambda: torch.erf),
    "gelu": ((0, 0), (), lambda: (lambda x: _F.gelu(x))),
    "silu": ((0, 0), (), lambda: _F.silu),
    "swish": ((0, 1), (1.0,), lambda b: (lambda x: x * torch.sigmoid(b * x))),
    "softplus": ((0, 0), (), lambda: _softplus),
    "elu": ((0, 1), (1.0,), lambda a: (lambda x: _F.elu(x, a))),
    "selu": ((0, 0), (), lambda: (lambda x: _SELU_L * torch.where(x > 0, x, _SELU_A * torch.expm1(x)))),
    "sin": ((0, 0), (), lambda: torch.sin),
    "cos": ((0, 0), (), lambda: torch.cos),
    "exp": ((0, 0), (), lambda: torch.exp),
    "gaussian": ((0, 0), (), lambda: (lambda x: torch.exp(-0.5 * x * x))),
    "hermite": ((0, 1), (2,), _hermite),
    "poly": ((1, 64), (), _poly),
}

_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)


def torch_function(act):
    """The torch callable computing the catalogue activation `act` (a spec
    string or an Activation), e.g. torch_function("elu(0.5)").  Raises
    ValueError when act is not a catalogue name torch can evaluate (a
    formula: give Normalized a `fn`)."""
    act = as_activation(act)
    spec = act.spec
    m = _CALL.match(spec)
    name = m.group(1) if m else None
    if name not in TORCH_FUNCTIONS:
        raise ValueError("dualact.torch: no torch function for the activation '%s' (the catalogue "
                         "names torch evaluates: %s); pass fn=, a torch callable computing it"
                         % (spec.strip(), ", ".join(sorted(TORCH_FUNCTIONS))))
    (lo, hi), default, make = TORCH_FUNCTIONS[name]
    args = m.group(2)
    params = []
    if args is not None and args.strip():
        try:
            params = [float(a) for a in args.split(",")]
        except ValueError:
            raise ValueError("dualact.torch: '%s' is a formula, not a catalogue call with numeric "
                             "parameters; pass fn=, a torch callable computing it" % spec.strip()) from None
    if not lo <= len(params) <= hi:
        raise ValueError("dualact.torch: '%s' is a formula, not a catalogue call; pass fn=, "
                         "a torch callable computing it" % spec.strip())
    if name == "hermite" and params:
        if params[0] != int(params[0]):
            raise ValueError("dualact.torch: hermite(k) needs an integer k")
    return make(*(params or default))


_PREC = {torch.float64: 53, torch.float32: 24, torch.float16: 11, torch.bfloat16: 8}


def _round(v, prec):
    """The mpf v (exact) rounded to nearest with `prec` bits, as a float
    (exact: prec <= 53)."""
    return libmp.to_float(libmp.mpf_pos(v._mpf_, prec, libmp.round_nearest))


def normalization_constants(act, dtype=None, digits=30):
    """(m, s, proved) for the activation in the floating dtype (default
    torch.get_default_dtype()): m = E sigma(Z) and s = sqrt(Var sigma(Z))
    rounded to nearest in that precision (as Python floats, exact in it);
    proved is True when the constants are correctly rounded values of proved
    balls (see the module's docstring)."""
    return _Constants(as_activation(act), digits).get(dtype or torch.get_default_dtype())


class _Constants:
    def __init__(self, act, digits):
        c = act.coeffs(degree=1, digits=digits, raw=True)
        self.mean, self.var = c.mean, c.var
        self.rigorous = c.mean.bound == "rigorous" and c.var.bound == "rigorous"
        lo = self.var.lower
        if not lo > 0:
            raise ValueError("dualact.torch: %s has variance %s under N(0, 1): it cannot be "
                             "normalized" % (act.spec, self.var))
        self._cache = {}

    def get(self, dtype):
        if dtype not in _PREC:
            raise ValueError("dualact.torch: expected a floating dtype (float64, float32, float16, "
                             "bfloat16), not %s" % dtype)
        r = self._cache.get(dtype)
        if r is None:
            p = _PREC[dtype]
            m_lo, m_hi = _round(mpmath.mpf(self.mean.lower), p), _round(mpmath.mpf(self.mean.upper), p)
            wp = 256
            s_lo = libmp.mpf_sqrt(mpmath.mpf(self.var.lower)._mpf_, wp, libmp.round_floor)
            s_hi = libmp.mpf_sqrt(mpmath.mpf(self.var.upper)._mpf_, wp, libmp.round_ceiling)
            s_lo = libmp.to_float(libmp.mpf_pos(s_lo, p, libmp.round_nearest))
            s_hi = libmp.to_float(libmp.mpf_pos(s_hi, p, libmp.round_nearest))
            proved = self.rigorous and m_lo == m_hi and s_lo == s_hi
            m = _round(self.mean.mid, p)
            with mpmath.workprec(wp):
                s = _round(mpmath.sqrt(self.var.mid), p)
            r = (m, s, proved)
            self._cache[dtype] = r
        return r


# points at which a torch function is compared with the library's own
# evaluation of the activation (away from 0, where step and sign jump)
_PROBE = (-3.7, -2.3, -1.1, -0.45, -0.05, 0.07, 0.3, 0.8, 1.3, 2.2, 3.1, 4.2)


class Normalized(torch.nn.Module):
    """Normalized(act, fn=None, digits=30): the activation act (a dualact
    spec: catalogue name such as "relu", "elu(0.5)", or a formula in x)
    centred and scaled to mean 0 and variance 1 under N(0, 1) inputs,
    elementwise: (fn(x) - m) / s.

    fn: a torch callable computing act; by default the torch function of
    the catalogue name (torch_function); a formula needs one (ValueError
    otherwise).  fn is checked against the library's evaluation of act at a
    few points (ValueError when they disagree).

    Attributes: activation (the dualact.Activation), mean and var (the
    library's Balls for E sigma(Z) and Var sigma(Z)), bound ('rigorous' when
    both are proved), constants(dtype) -> (m, s, rounding_proved)."""

    def __init__(self, act, fn=None, digits=30):
        super().__init__()
        self.activation = act if isinstance(act, Activation) else as_activation(act)
        self.fn = torch_function(self.activation) if fn is None else fn
        if not callable(self.fn):
            raise ValueError("dualact.torch: fn must be a torch callable")
        self._c = _Constants(self.activation, digits)
        self.mean, self.var = self._c.mean, self._c.var
        self.bound = "rigorous" if self._c.rigorous else "estimate"
        self._check_fn()

    def _check_fn(self):
        x = torch.tensor(_PROBE, dtype=torch.float64)
        with torch.no_grad():
            try:
                y = self.fn(x)
            except Exception as e:
                raise ValueError("dualact.torch: fn failed on a float64 tensor: %s" % e) from None
        if not isinstance(y, torch.Tensor) or y.shape != x.shape:
            raise ValueError("dualact.torch: fn must map a tensor to a tensor of the same shape")
        want = self.activation.eval(list(_PROBE))
        for xi, yi, wi in zip(_PROBE, y.tolist(), list(want)):
            if not abs(yi - wi) <= 1e-9 * max(1.0, abs(wi)):
                raise ValueError("dualact.torch: fn does not compute %s: fn(%g) = %.17g, the "
                                 "activation gives %.17g" % (self.activation.spec, xi, yi, wi))

    def constants(self, dtype=None):
        """(m, s, rounding_proved) in the dtype (default: the default dtype)."""
        return self._c.get(dtype or torch.get_default_dtype())

    def forward(self, x):
        if not (isinstance(x, torch.Tensor) and x.is_floating_point()):
            raise ValueError("dualact.torch: Normalized expects a floating-point tensor")
        m, s, _ = self._c.get(x.dtype)
        return (self.fn(x) - m) / s

    def extra_repr(self):
        m, s, _ = self._c.get(torch.float64)
        return "%r, mean=%.10g, std=%.10g, %s" % (self.activation.spec, m, s, self.bound)

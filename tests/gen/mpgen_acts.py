"""The catalogue activations of tests/gen (definitions, derivatives, breakpoints,
structural zeros, piecewise-polynomial forms).  Pure mpmath; every constant
is created at the caller's working precision."""
import mpmath
from mpmath import mp, mpf

_cache = {}


def C(s):
    """Decimal constant s (a string) at the current precision, cached."""
    key = (s, mp.prec)
    v = _cache.get(key)
    if v is None:
        v = mpf(s)
        _cache[key] = v
    return v


def c0():
    key = ("c0", mp.prec)
    v = _cache.get(key)
    if v is None:
        v = 1 / mpmath.sqrt(2 * mpmath.pi)
        _cache[key] = v
    return v


def rn_scale():
    """sqrt(1/2 - 1/(2 pi)) for the normalized ReLU."""
    key = ("rns", mp.prec)
    v = _cache.get(key)
    if v is None:
        v = mpmath.sqrt(mpf(1) / 2 - 1 / (2 * mpmath.pi))
        _cache[key] = v
    return v


def sigm(x):
    if x >= 0:
        return 1 / (1 + mpmath.exp(-x))
    e = mpmath.exp(x)
    return e / (1 + e)


def softplus(x):
    if x > 0:
        return x + mpmath.log1p(mpmath.exp(-x))
    return mpmath.log1p(mpmath.exp(x))


SELU_L = "1.0507009873554804934193349852946"
SELU_A = "1.6732632423543772848170429916717"


def _odd(k):
    return k % 2 == 1


def _even(k):
    return k % 2 == 0


INF = mpmath.inf


def make_acts():
    """List of activation records (dicts).  Keys:
    name, f, df (None when E[sigma'^2] is infinite), bps (breakpoints),
    sing (breakpoints where sigma is not smooth up to the endpoint of a piece,
    e.g. x^1.5 at 0), zero(k) (a_k vanishes exactly: parity / polynomial
    structure), mean_zero, pieces (piecewise polynomial form: list of
    (a, b, coeff-thunk) or None)."""
    A = []

    def add(name, f, df, bps=(), sing=(), zero=lambda k: False, mean_zero=False, pieces=None):
        A.append(dict(name=name, f=f, df=df, bps=list(bps), sing=list(sing), zero=zero,
                      mean_zero=mean_zero, pieces=pieces))

    one = lambda: mpf(1)
    add("identity", lambda x: x, lambda x: mpf(1), zero=lambda k: k != 1, mean_zero=True,
        pieces=lambda: [(-INF, INF, [0, 1])])
    add("relu", lambda x: x if x > 0 else mpf(0), lambda x: mpf(1) if x > 0 else mpf(0), [0],
        zero=lambda k: k >= 3 and _odd(k), pieces=lambda: [(0, INF, [0, 1])])
    for a in ("0.01", "0.2"):
        add("leaky_relu(%s)" % a,
            (lambda a: lambda x: x if x > 0 else C(a) * x)(a),
            (lambda a: lambda x: mpf(1) if x > 0 else C(a))(a), [0],
            zero=lambda k: k >= 3 and _odd(k),
            pieces=(lambda a: lambda: [(-INF, 0, [0, C(a)]), (0, INF, [0, 1])])(a))
    add("abs", lambda x: abs(x), lambda x: mpf(1) if x > 0 else mpf(-1), [0], zero=_odd,
        pieces=lambda: [(-INF, 0, [0, -1]), (0, INF, [0, 1])])
    add("step", lambda x: mpf(1) if x > 0 else mpf(0), None, [0],
        zero=lambda k: k >= 2 and _even(k), pieces=lambda: [(0, INF, [1])])
    add("sign", lambda x: mpf(mpmath.sign(x)), None, [0], zero=_even, mean_zero=True,
        pieces=lambda: [(-INF, 0, [-1]), (0, INF, [1])])
    add("hardtanh", lambda x: mpf(-1) if x < -1 else (mpf(1) if x > 1 else x),
        lambda x: mpf(1) if -1 < x < 1 else mpf(0), [-1, 1], zero=_even, mean_zero=True,
        pieces=lambda: [(-INF, -1, [-1]), (-1, 1, [0, 1]), (1, INF, [1])])
    add("relu_pow(2)", lambda x: x * x if x > 0 else mpf(0), lambda x: 2 * x if x > 0 else mpf(0),
        [0], zero=lambda k: k >= 4 and _even(k), pieces=lambda: [(0, INF, [0, 0, 1])])
    add("relu_pow(1.5)", lambda x: x * mpmath.sqrt(x) if x > 0 else mpf(0),
        lambda x: C("1.5") * mpmath.sqrt(x) if x > 0 else mpf(0), [0], sing=[0])
    add("tanh", mpmath.tanh, lambda x: 1 - mpmath.tanh(x) ** 2, zero=_even, mean_zero=True)
    add("sigmoid", sigm, lambda x: sigm(x) * (1 - sigm(x)), zero=lambda k: k >= 2 and _even(k))
    add("erf", mpmath.erf, lambda x: 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x), zero=_even,
        mean_zero=True)
    add("gelu", lambda x: x * mpmath.ncdf(x), lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x),
        zero=lambda k: k >= 3 and _odd(k))
    add("silu", lambda x: x * sigm(x), lambda x: sigm(x) + x * sigm(x) * (1 - sigm(x)),
        zero=lambda k: k >= 3 and _odd(k))
    add("swish(2)", lambda x: x * sigm(2 * x),
        lambda x: sigm(2 * x) + 2 * x * sigm(2 * x) * (1 - sigm(2 * x)),
        zero=lambda k: k >= 3 and _odd(k))
    add("softplus", softplus, sigm, zero=lambda k: k >= 3 and _odd(k))
    add("elu", lambda x: x if x > 0 else mpmath.expm1(x),
        lambda x: mpf(1) if x > 0 else mpmath.exp(x), [0])
    add("elu(0.5)", lambda x: x if x > 0 else C("0.5") * mpmath.expm1(x),
        lambda x: mpf(1) if x > 0 else C("0.5") * mpmath.exp(x), [0])
    add("selu", lambda x: C(SELU_L) * (x if x > 0 else C(SELU_A) * mpmath.expm1(x)),
        lambda x: C(SELU_L) * (mpf(1) if x > 0 else C(SELU_A) * mpmath.exp(x)), [0])
    add("sin", mpmath.sin, mpmath.cos, zero=_even, mean_zero=True)
    add("cos", mpmath.cos, lambda x: -mpmath.sin(x), zero=_odd)
    add("exp", mpmath.exp, mpmath.exp)
    add("gaussian", lambda x: mpmath.exp(-x * x / 2), lambda x: -x * mpmath.exp(-x * x / 2),
        zero=_odd)
    add("hermite(3)", lambda x: x ** 3 - 3 * x, lambda x: 3 * x * x - 3, zero=lambda k: k != 3,
        mean_zero=True, pieces=lambda: [(-INF, INF, [0, -3, 0, 1])])
    add("poly(1,-2,0.5)", lambda x: 1 - 2 * x + C("0.5") * x * x, lambda x: -2 + x,
        zero=lambda k: k > 2, pieces=lambda: [(-INF, INF, [1, -2, C("0.5")])])
    add("relu_normalized", lambda x: ((x if x > 0 else mpf(0)) - c0()) / rn_scale(),
        lambda x: (mpf(1) if x > 0 else mpf(0)) / rn_scale(), [0],
        zero=lambda k: k == 0 or (k >= 3 and _odd(k)), mean_zero=True,
        pieces=lambda: [(-INF, 0, [-c0() / rn_scale()]),
                        (0, INF, [-c0() / rn_scale(), 1 / rn_scale()])])
    return A


ACTS = make_acts()
BY_NAME = dict((a["name"], a) for a in ACTS)

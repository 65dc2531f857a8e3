#!/usr/bin/env python3
"""gen_net_refs.py -- reference kernels of networks with residual and
layernorm layers (dualact/net.h), layer by layer, for tests/check_net.c.

Independent of dualact: every Gaussian expectation is either a textbook
closed form (erf: (2/pi) asin(2c/sqrt((1+2q1)(1+2q2))) and its derivative
kernel (4/pi)/sqrt((1+2q1)(1+2q2)-4c^2); ReLU: the arc-cosine kernel) or
the trapezoid rule in both variables (tanh, mish; checked against erf's
closed form and mpmath's quad when the script runs) of
    E f(u) g(v),  u = sqrt(q1) x,  v = (c/sqrt(q1)) x + sqrt(q2 - c^2/q1) y,
with x, y standard normal, at 40 digits; the values are written to 32 digits, correct to
about 1e-30 (the rule's error; tests add that to the radii).
(The step h = 0.07 and T = 12.5 are justified where they are set.)
The layer semantics are neural-tangents' (NTK parameterisation):
dense K <- w K + b, T <- w T + K; activation K <- E s s, T <- E s's' T;
layernorm K_ij <- K_ij/sqrt(K_ii K_jj), T likewise; residual(a,b){B}
K <- a K + b B(K), T likewise.

    python3 tests/gen/gen_net_refs.py > tests/data/net_refs.csv
"""
import mpmath as mp

mp.mp.dps = 40


# the trapezoid rule for E f(X), X standard normal: nodes k h, |k h| <= T;
# for f analytic in the strip |Im x| < d its error is about exp(-2 pi d/h)
# (d >= 0.7 for every integrand here at these variances, so h = 0.07 gives
# far below 1e-30), the truncation phi(T) < 1e-33 at T = 12.5
H, T = mp.mpf("0.07"), mp.mpf("12.5")
NODES = [H * k for k in range(-int(T / H), int(T / H) + 1)]
WEIGHTS = [H * mp.npdf(x) for x in NODES]


def gauss2(f, g, q1, q2, c):
    a = c / mp.sqrt(q1)
    b = mp.sqrt(q2 - c * c / q1)
    s1 = mp.sqrt(q1)
    tot = mp.mpf(0)
    for x, wx in zip(NODES, WEIGHTS):
        fx = f(s1 * x)
        if fx == 0:
            continue
        ax = a * x
        tot += wx * fx * mp.fsum(wy * g(ax + b * y) for y, wy in zip(NODES, WEIGHTS))
    return tot


def gauss1(f, q):
    s = mp.sqrt(q)
    return mp.fsum(w * f(s * x) for x, w in zip(NODES, WEIGHTS))


def act_erf(q1, q2, c):
    d = (1 + 2 * q1) * (1 + 2 * q2)
    E = 2 / mp.pi * mp.asin(2 * c / mp.sqrt(d))
    D = 4 / mp.pi / mp.sqrt(d - 4 * c * c)
    return E, D


def act_relu(q1, q2, c):
    s = mp.sqrt(q1 * q2)
    t = mp.acos(c / s)
    return s * (mp.sin(t) + (mp.pi - t) * mp.cos(t)) / (2 * mp.pi), (mp.pi - t) / (2 * mp.pi)


def quad_act(f, df):
    return lambda q1, q2, c: (gauss2(f, f, q1, q2, c), gauss2(df, df, q1, q2, c))


def mish(x):
    return x * mp.tanh(mp.log(1 + mp.exp(x)))


def dmish(x):
    sp = mp.log(1 + mp.exp(x))
    return mp.tanh(sp) + x * (1 - mp.tanh(sp) ** 2) / (1 + mp.exp(-x))


ACTS = {
    "erf": act_erf,
    "relu": act_relu,
    "tanh": quad_act(mp.tanh, lambda x: 1 - mp.tanh(x) ** 2),
    "x*tanh(log(1+exp(x)))": quad_act(mish, dmish),
}


def diag(name, q):
    return ACTS[name](q, q, q)[0] if name in ("erf", "relu") else None


def act_layer(name, st):
    K11, K22, K12, T = st
    fn = ACTS[name]
    if name in ("erf", "relu"):
        E11, E22 = fn(K11, K11, K11)[0], fn(K22, K22, K22)[0]
    else:
        f = mp.tanh if name == "tanh" else mish
        E11, E22 = gauss1(lambda x: f(x) ** 2, K11), gauss1(lambda x: f(x) ** 2, K22)
    E12, D12 = fn(K11, K22, K12)
    return (E11, E22, E12, D12 * T)


def run(layers, st, rows, top=True):
    for L in layers:
        kind = L[0]
        if kind == "dense":
            w, b = mp.mpf(L[1]), mp.mpf(L[2])
            K11, K22, K12, T = st
            K12n = w * K12 + b
            st = (w * K11 + b, w * K22 + b, K12n, w * T + K12n)
        elif kind == "act":
            st = act_layer(L[1], st)
        elif kind == "layernorm":
            K11, K22, K12, T = st
            s = mp.sqrt(K11 * K22)
            st = (mp.mpf(1), mp.mpf(1), K12 / s, T / s)
        elif kind == "residual":
            a, b = mp.mpf(L[1]), mp.mpf(L[2])
            br = run(L[3], st, None, False)
            st = tuple(a * x + b * y for x, y in zip(st, br))
        elif kind == "repeat":
            for _ in range(L[1]):
                st = run(L[2], st, rows, top)
            continue
        if top and rows is not None:
            rows.append(st)
    return st


# (spec, layers, q1, q2, c)
NETS = [
    ("dense(1.5,0.1); residual(1,0.5){tanh; dense(2,0)}; layernorm; erf; dense(1.5,0.1)",
     [("dense", "1.5", "0.1"), ("residual", "1", "0.5", [("act", "tanh"), ("dense", "2", "0")]),
      ("layernorm",), ("act", "erf"), ("dense", "1.5", "0.1")], "1.3", "0.7", "0.4"),
    ("dense(2,0); repeat(2){relu; dense(2,0.05)}; layernorm; residual(0.5,0.5){x*tanh(log(1+exp(x))); dense(1,0)}",
     [("dense", "2", "0"), ("repeat", 2, [("act", "relu"), ("dense", "2", "0.05")]), ("layernorm",),
      ("residual", "0.5", "0.5", [("act", "x*tanh(log(1+exp(x)))"), ("dense", "1", "0")])],
     "0.9", "1.6", "-0.5"),
    # the input kernel of the rows (1.5, 0.5) and (0.5, 1) (d = 2, x.x'/d exact):
    # the Python serial API's kernel_fn on that data (tests/python/test_dualact.py)
    ("dense(1.5,0.1); repeat(2){erf; dense(1.5,0.1)}; residual(1,0.5){relu; dense(2,0)}; layernorm; "
     "residual(0.7,0.3){x*tanh(log(1+exp(x))); dense(1,0.05)}; tanh; dense(1.2,0)",
     [("dense", "1.5", "0.1"), ("repeat", 2, [("act", "erf"), ("dense", "1.5", "0.1")]),
      ("residual", "1", "0.5", [("act", "relu"), ("dense", "2", "0")]), ("layernorm",),
      ("residual", "0.7", "0.3", [("act", "x*tanh(log(1+exp(x)))"), ("dense", "1", "0.05")]),
      ("act", "tanh"), ("dense", "1.2", "0")],
     "1.25", "0.625", "0.625"),
]


def selfcheck():
    """the rule against erf's closed form and the ReLU kernel's, and the
    1-D rule against E tanh(X)^2 by mpmath's own quadrature"""
    for q1, q2, c in (("1.3", "0.7", "0.4"), ("2.5", "0.9", "-1.2")):
        q1, q2, c = mp.mpf(q1), mp.mpf(q2), mp.mpf(c)
        e = abs(gauss2(mp.erf, mp.erf, q1, q2, c) - act_erf(q1, q2, c)[0])
        assert e < mp.mpf(10) ** -28, e
    ref = mp.quad(lambda x: mp.tanh(x) ** 2 * mp.npdf(x), [-mp.inf, 0, mp.inf])
    assert abs(gauss1(lambda x: mp.tanh(x) ** 2, 1) - ref) < mp.mpf(10) ** -28


def main():
    selfcheck()
    print("# spec|q1|q2|cov|layer|K11|K22|K12|Theta12  (python3 tests/gen/gen_net_refs.py)")
    for spec, layers, q1, q2, c in NETS:
        st = (mp.mpf(q1), mp.mpf(q2), mp.mpf(c), mp.mpf(0))
        rows = [st]
        run(layers, st, rows)
        for i, r in enumerate(rows):
            print("|".join([spec, q1, q2, c, str(i)] + [mp.nstr(v, 32) for v in r]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference values for kernel shaping (dualact shape): tests/data/shape_refs.csv.

Independent of the C code: the local correlation map of the transformed
activation is computed here by mpmath quadrature (the dual as a Gaussian
integral, E[s(X) s(Y)] with corr(X, Y) = c, through the one-dimensional
form E_X[s(X) E_Z s(cX + sqrt(1-c^2) Z)] where the inner expectation of
a piecewise-linear s has a closed form in Phi and phi), composed L times,
and the unknown found by mpmath.findroot.

The formulations follow deepmind/dks, dks/base/activation_transform.py
(read, not copied): TAT for leaky ReLU solves the negative slope s with
C_f(0) = eta, output scale sqrt(2/(1+s^2)); DKS for relu fixes the input
shift at +1 (-1 when the local slope target exceeds pi/(pi-1)), sets the
output shift to -E relu(alpha Z + beta) and the output scale to 1/sd, and
solves the input scale with c'(1) = zeta^(1/L) for a chain of L layers.

Checks against the public code's own test values (dks tests/
test_activation_transform.py, the modified-ResNet subnetwork maximizing
function with shortcut weight 0.6, blocks (3, 4, 23, 3)): with
c_val_0_target = 0.75 TAT gives negative_slope 0.6291800290346146 and
output_scale 1.196996549778802; with c_slope_1_target = 1.2 DKS for relu
gives input_scale 0.3685360046708044, output_shift -1.000373858553784,
output_scale 2.721729988761473.  dks finds them by bisection to a
tolerance of 1e-8 in the map: the TAT slope (closed-form map) agrees to
1e-6.  The DKS relu values agree to 1e-5 only: dks integrates the squared
derivative, an indicator, by a 100000-point Gauss-Legendre rule on
[-10, 10], which converges at first order across the jump (node spacing
about 3e-4 there), an error of the size of the difference found (7.6e-6
in alpha, 5.5e-5 in gamma).

DKS for tanh (two unknowns, input scale and shift) follows dks's
general branch: Q'(1) = 1 (dks's local_q_slope_target) and c'(1) =
zeta^(1/L), with output shift -E tanh(alpha Z + beta) (C(0) = 0) and
output scale 1/sd (Q(1) = 1); both conditions are computed here from
their definitions by quadrature, and the 2x2 system solved by
mpmath.findroot.  dks's own test value for tanh (the same modified
ResNet, c_slope_1_target 1.2: input_scale 0.07461073057540868,
input_shift 0.5566915199964182, output_shift -0.5034378768692127,
output_scale 18.002635964442558) is reproduced to 1e-7.

Run: /usr/bin/python3 tests/gen/gen_shape.py > tests/data/shape_refs.csv
"""
import sys
import mpmath as mp

mp.mp.dps = 40


def Phi(x):
    return mp.ncdf(x)


def phi(x):
    return mp.npdf(x)


# ---- leaky ReLU: s(x) = x for x > 0, a x otherwise ----
def inner_leaky(a, mu, sd):
    """E s(mu + sd Z) in closed form (a piecewise-linear s)."""
    if sd == 0:
        return mu if mu > 0 else a * mu
    t = mu / sd
    pos = mu * Phi(t) + sd * phi(t)          # E (mu+sd Z)^+
    neg = mu - pos                           # E (mu+sd Z)^-  (signed)
    return pos + a * neg


def leaky(a, x):
    return x if x > 0 else a * x


def dual_quad(s, inner, c):
    """E[s(X) s(Y)], corr c, by quadrature over X (split at the kink 0)."""
    sd = mp.sqrt(1 - c * c)
    f = lambda x: s(x) * inner(c * x, sd) * phi(x)
    return mp.quad(f, [-mp.inf, 0, mp.inf])


def tat_local(a, c):
    g2 = 2 / (1 + a * a)                     # Q(1) = 1
    return g2 * dual_quad(lambda x: leaky(a, x), lambda mu, sd: inner_leaky(a, mu, sd), c)


def tat_local_closed(a, c):
    """the closed form (arc-cosine kernel and bilinearity), for the check"""
    th = mp.acos(c)
    return ((1 - a) ** 2 * (mp.sqrt(1 - c * c) + (mp.pi - th) * c) / mp.pi + 2 * a * c) / (1 + a * a)


def compose(fn, x, L):
    for _ in range(L):
        x = fn(x)
    return x


def tat_solve(eta, L, local):
    F = lambda a: compose(lambda c: local(a, c), mp.mpf(0), L) - eta
    return mp.findroot(F, (mp.mpf('0.05'), mp.mpf('0.95')), solver='anderson')


# ---- relu(alpha x + beta) ----
def relu_moments(al, be):
    t = be / al
    m1 = be * Phi(t) + al * phi(t)
    m2 = (al * al + be * be) * Phi(t) + al * be * phi(t)
    return m1, m2


def dks_relu_slope_quad(al, be):
    """c'(1) = E[s~'(Z)^2] with s~ = gamma (relu(al x + be) + delta): by
    quadrature of the indicator's square and the variance by quadrature."""
    k = -be / al                             # the kink
    m1 = mp.quad(lambda x: max(al * x + be, 0) * phi(x), [-mp.inf, k, mp.inf])
    m2 = mp.quad(lambda x: max(al * x + be, 0) ** 2 * phi(x), [-mp.inf, k, mp.inf])
    d1 = mp.quad(lambda x: (al if al * x + be > 0 else 0) ** 2 * phi(x), [-mp.inf, k, mp.inf])
    return d1 / (m2 - m1 * m1), m1, m2


def dks_relu_solve(local_target):
    be = 1 if local_target < mp.pi / (mp.pi - 1) else -1
    F = lambda al: dks_relu_slope_quad(al, be)[0] - local_target
    al = mp.findroot(F, mp.mpf('0.5') if be > 0 else mp.mpf('5'))
    _, m1, m2 = dks_relu_slope_quad(al, be)
    return al, be, 1 / mp.sqrt(m2 - m1 * m1), -m1


# ---- tanh(alpha x + beta): DKS's two conditions on (alpha, beta) ----
def dks_tanh_conditions(al, be):
    """Q'(1) = E[s(Z) s'(Z) Z] and c'(1) = E[s'(Z)^2] (Q(1) = 1) of
    s = gamma (tanh(al x + be) + delta), delta = -E tanh, gamma = 1/sd,
    each by direct quadrature (the definitions of dks's _calc_q_slope_1
    and _calc_c_slope, not the moment identities the C code uses)."""
    E = lambda f: mp.quad(lambda x: f(x) * phi(x), [-mp.inf, -be / al, mp.inf])
    m1 = E(lambda x: mp.tanh(al * x + be))
    var = E(lambda x: (mp.tanh(al * x + be) - m1) ** 2)
    g = 1 / mp.sqrt(var)
    s = lambda x: g * (mp.tanh(al * x + be) - m1)
    ds = lambda x: g * al * mp.sech(al * x + be) ** 2
    return E(lambda x: s(x) * ds(x) * x), E(lambda x: ds(x) ** 2), g, -m1


def dks_tanh_solve(local_target, start=(mp.mpf(1), mp.mpf(1))):
    def F(al, be):
        q1, c1, _, _ = dks_tanh_conditions(al, be)
        return q1 - 1, c1 - local_target
    al, be = mp.findroot(F, start)
    if be < 0:                    # (alpha, -beta) gives the same kernel
        be = -be
    _, _, g, d = dks_tanh_conditions(al, be)
    return al, be, g, d


# ---- the checks against the public code's test values ----
def resnet_subnet_max(x, r):
    """dks tests: the modified ResNet's subnetwork maximizing function"""
    w = mp.mpf('0.6')
    res_branch = r(r(r(x)))
    for nb in (3, 4, 23, 3):
        for j in range(nb):
            res_x = r(r(r(x)))
            short = r(x) if j == 0 else x
            x = w ** 2 * short + (1 - w ** 2) * res_x
    x = r(x)
    return max(x, res_branch)


def check_public():
    old = mp.mp.dps
    mp.mp.dps = 20
    a = mp.findroot(lambda a: resnet_subnet_max(mp.mpf(0), lambda c: tat_local_closed(a, c)) - mp.mpf('0.75'),
                    (mp.mpf('0.3'), mp.mpf('0.9')), solver='anderson')
    assert abs(a - mp.mpf('0.6291800290346146')) < 1e-6, a
    assert abs(mp.sqrt(2 / (1 + a * a)) - mp.mpf('1.196996549778802')) < 1e-6
    s = mp.findroot(lambda x: resnet_subnet_max(mp.mpf(1), lambda y: x * y) - mp.mpf('1.2'),
                    (mp.mpf('1.0001'), mp.mpf('1.1')), solver='anderson')
    # tanh with the same local slope target: dks's values, to its root
    # finder's tolerance (scipy hybr, xtol 1.5e-8)
    al, be, ga, de = dks_tanh_solve(s)
    assert abs(al - mp.mpf('0.07461073057540868')) < 1e-7, al
    assert abs(be - mp.mpf('0.5566915199964182')) < 1e-7, be
    assert abs(de - mp.mpf('-0.5034378768692127')) < 1e-7, de
    assert abs(ga - mp.mpf('18.002635964442558')) < 1e-5, ga
    al, be, ga, de = dks_relu_solve(s)
    assert be == 1
    assert abs(al - mp.mpf('0.3685360046708044')) < 2e-5, al
    assert abs(de - mp.mpf('-1.000373858553784')) < 2e-5, de
    assert abs(ga - mp.mpf('2.721729988761473')) < 1e-4, ga
    mp.mp.dps = old


def main():
    check_public()
    out = sys.stdout
    out.write("# generated by tests/gen/gen_shape.py (mpmath %s, %d digits): kernel shaping references\n"
              % (mp.__version__, mp.mp.dps))
    out.write("# method,activation,depth,goal,quantity,value\n")
    out.write("method,activation,depth,goal,quantity,value\n")
    eta = mp.mpf('0.9')
    for L in (50, 100):
        a = tat_solve(eta, L, tat_local_closed)
        # the same root through the quadrature-based dual (slow: 2 Newton
        # steps from the closed-form root) must agree
        Fq = lambda a_: compose(lambda c: tat_local(a_, c), mp.mpf(0), L) - eta
        h = mp.mpf('1e-12')
        aq = a - Fq(a) / ((Fq(a + h) - Fq(a - h)) / (2 * h))
        assert abs(aq - a) < mp.mpf('1e-20'), (aq, a)
        out.write("tat,leaky_relu,%d,0.9,slope,%s\n" % (L, mp.nstr(a, 35)))
        out.write("tat,leaky_relu,%d,0.9,gamma,%s\n" % (L, mp.nstr(mp.sqrt(2 / (1 + a * a)), 35)))
    # TAT at a feasible eta for depth 10 (0.9 exceeds the ReLU network's
    # C(0) there): eta = 0.8 at 10, 50, 100
    eta = mp.mpf('0.8')
    for L in (10, 50, 100):
        a = tat_solve(eta, L, tat_local_closed)
        out.write("tat,leaky_relu,%d,0.8,slope,%s\n" % (L, mp.nstr(a, 35)))
        out.write("tat,leaky_relu,%d,0.8,gamma,%s\n" % (L, mp.nstr(mp.sqrt(2 / (1 + a * a)), 35)))
    # the ReLU network's C(0) at depth 10 (TAT's largest reachable eta)
    out.write("# the ReLU network's C(0) at depth 10 (the largest TAT reaches there): %s\n"
              % mp.nstr(compose(lambda c: tat_local_closed(0, c), mp.mpf(0), 10), 35))
    zeta = mp.mpf('1.5')
    for L in (10, 50, 100):
        al, be, ga, de = dks_tanh_solve(zeta ** (mp.mpf(1) / L))
        for name, v in (("alpha", al), ("beta", be), ("gamma", ga), ("delta", de)):
            out.write("dks,tanh,%d,1.5,%s,%s\n" % (L, name, mp.nstr(mp.mpf(v), 35)))
    for L in (1, 10, 50, 100):
        al, be, ga, de = dks_relu_solve(zeta ** (mp.mpf(1) / L))
        for name, v in (("alpha", al), ("beta", be), ("gamma", ga), ("delta", de)):
            out.write("dks,relu,%d,1.5,%s,%s\n" % (L, name, mp.nstr(mp.mpf(v), 35)))


if __name__ == "__main__":
    main()

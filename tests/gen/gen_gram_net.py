#!/usr/bin/env python3
"""gen_gram_net.py -- reference eigenvalues for tests/check_gram.c: the NNGP
and NTK Gram matrices of the ReLU network Dense(2, 0.1), (relu, Dense) x 2
(NTK parameterisation) on the 6 unit rows below, at 40 digits in mpmath,
written independently of the library (arc-cosine kernel recursion), and
their extreme eigenvalues by mpmath.eigsy.
    /usr/bin/python3 tests/gen/gen_gram_net.py > tests/data/gram_net_relu.txt"""
import mpmath as mp

mp.mp.dps = 40
ROWS = [[1, 0, 0, 0], [0.6, 0.8, 0, 0], [0, 0.6, 0.8, 0], [0.5, 0.5, 0.5, 0.5],
        [0, 0, 0.28, 0.96], [-0.48, 0, 0, 0.64]]
SW2, SB2, L = mp.mpf(2), mp.mpf("0.1"), 2


def main():
    X = [[mp.mpf(v) for v in r] for r in ROWS]
    X = [[v / mp.sqrt(sum(w * w for w in r)) for v in r] for r in X]
    n, d = len(X), len(X[0])
    K = [[SW2 * sum(a * b for a, b in zip(X[i], X[j])) / d + SB2 for j in range(n)]
         for i in range(n)]
    T = [row[:] for row in K]
    out = []
    for layer in range(L + 1):
        for name, M in (("nngp", K), ("ntk", T)):
            e = sorted(mp.eigsy(mp.matrix(M), eigvals_only=True))
            out.append("%d %s %s %s" % (layer, name, mp.nstr(e[0], 30), mp.nstr(e[-1], 30)))
        if layer == L:
            break
        q = [K[i][i] for i in range(n)]
        Kn = [[None] * n for _ in range(n)]
        Tn = [[None] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                s = mp.sqrt(q[i] * q[j])
                rho = 1 if i == j else max(-1, min(1, K[i][j] / s))
                t = mp.acos(rho)
                E = s * (mp.sin(t) + (mp.pi - t) * mp.cos(t)) / (2 * mp.pi)
                D = (mp.pi - t) / (2 * mp.pi)
                Kn[i][j] = SW2 * E + SB2
                Tn[i][j] = Kn[i][j] + SW2 * D * T[i][j]
        K, T = Kn, Tn
    print("# layer kernel lambda_min lambda_max (mpmath 40 digits, %s)" % "gen_gram_net.py")
    print("\n".join(out))


main()

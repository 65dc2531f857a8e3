"""lambda_depth.py -- the paper's lambda_min-over-depth figure from Python.

For n random delta-separated unit vectors in R^d, the smallest eigenvalue
of the depth-L kernel matrix (top-layer kernel and normalized NTK) beside
the worst-case Gershgorin bound 1 - (n-1) k_L(1 - delta), which holds for
every delta-separated set; the proved minimal depth L* marks where the
bound reaches 1 - eps.  docs/python.md walks through it.

    PYTHONPATH=python/stage /usr/bin/python3 docs/examples/lambda_depth.py docs/img/python-lambda.png
"""
import sys

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dualact

n, d, delta, eps, depth = 200, 50, 0.1, 0.01, 60


def separated(n, d, delta, seed=1):
    """n unit vectors with |<x_i, x_j>| <= 1 - delta, the first pair at
    exactly 1 - delta (the worst pair), the others uniform (rejection)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=d)
    x /= np.linalg.norm(x)
    u = rng.normal(size=d)
    u -= (u @ x) * x
    u /= np.linalg.norm(u)
    rows = [x, (1 - delta) * x + np.sqrt(1 - (1 - delta) ** 2) * u]
    while len(rows) < n:
        y = rng.normal(size=d)
        y /= np.linalg.norm(y)
        if np.all(np.abs(np.array(rows) @ y) <= 1 - delta):
            rows.append(y)
    return np.array(rows)


X = separated(n, d, delta)
layers = np.arange(depth + 1)
fig, ax = plt.subplots(figsize=(7, 4.4))
for spec, colour in (("relu", "C0"), ("gelu", "C1")):
    act = dualact.Activation(spec)
    for ntk, style in ((False, "-"), (True, ":")):
        rows = dualact.gram(act, X, depth, ntk=ntk)          # one dict per layer
        lam = np.array([r["lambda_min"] for r in rows])
        # the bound, from the double path with its error bound: one call per
        # layer (each call iterates every element of its array in C)
        k = np.array([sum(act.dual(1 - delta, depth=L, ntk=ntk)) for L in layers])
        bound = 1 - (n - 1) * k
        L_star = dualact.depth(act, delta, eps, n, kernel="ntk" if ntk else "nngp")[0]["depth"]
        kern = "NTK" if ntk else "NNGP"
        ax.plot(layers, lam, style, color=colour, label="%s %s: $\\lambda_{\\min}$" % (spec, kern))
        ax.plot(layers, bound, style, color=colour, alpha=0.45, lw=3,
                label="%s %s: bound, $L^* = %d$" % (spec, kern, L_star))
        ax.axvline(L_star, color=colour, ls=style, lw=0.6, alpha=0.6)
ax.set_ylim(0, 1.02)
ax.set_xlim(0, depth)
ax.set_xlabel("depth L")
ax.set_ylabel("$\\lambda_{\\min}$ of the kernel matrix")
ax.set_title("$\\lambda_{\\min}$: %d random $\\delta$-separated points in $d = %d$, $\\delta = %g$" % (n, d, delta))
ax.legend(fontsize=7, loc="lower right", ncol=2)
fig.tight_layout()
out = sys.argv[1] if len(sys.argv) > 1 else "python-lambda.png"
fig.savefig(out, dpi=110)
print("wrote", out)

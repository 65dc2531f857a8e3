"""Tests of dualact.torch (the Normalized layer) and of the experiment
python3 -m dualact.experiments.normalization (TAP on stdout; run by
tests/experiment.test, which skips it without torch or sklearn).

The layer's constants are checked against independent mpmath computations
(closed forms for ReLU and GELU, quadrature for tanh and ELU), its output
against a Monte Carlo sample of N(0, 1) inputs, its torch functions against
the library's own evaluation; the experiment's quick run against the
contract of its files.
"""
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

import mpmath
import torch

import dualact
import dualact.torch as dt

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


mpmath.mp.dps = 50


def moments(f):
    """(E f(Z), Var f(Z)) for Z ~ N(0, 1), by mpmath quadrature (split at 0)."""
    phi = lambda x: mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)
    m = mpmath.quad(lambda x: f(x) * phi(x), [-mpmath.inf, 0, mpmath.inf])
    m2 = mpmath.quad(lambda x: f(x) ** 2 * phi(x), [-mpmath.inf, 0, mpmath.inf])
    return m, m2 - m * m


def rounded(x, bits):
    """The mpf x rounded to nearest with `bits` bits, as a float."""
    with mpmath.workprec(bits):
        return float(+x)


# ---------------------------------------------------------------- constants

@test
def relu_constants_are_the_closed_forms():
    m = 1 / mpmath.sqrt(2 * mpmath.pi)
    v = mpmath.mpf(1) / 2 - 1 / (2 * mpmath.pi)
    L = dt.Normalized("relu")
    assert L.bound == "rigorous", L.bound
    assert L.mean.contains(m) and L.var.contains(v), (L.mean, L.var)
    assert L.mean.rad < 1e-25 and L.var.rad < 1e-25
    for dtype, bits in ((torch.float64, 53), (torch.float32, 24), (torch.float16, 11),
                        (torch.bfloat16, 8)):
        cm, cs, proved = L.constants(dtype)
        assert cm == rounded(m, bits), (dtype, cm, rounded(m, bits))
        assert cs == rounded(mpmath.sqrt(v), bits), (dtype, cs)
        assert proved


@test
def gelu_tanh_elu_constants_against_mpmath_quadrature():
    cases = {
        "gelu": lambda x: x * mpmath.ncdf(x),
        "tanh": mpmath.tanh,
        "elu(0.5)": lambda x: x if x > 0 else mpmath.mpf(1) / 2 * mpmath.expm1(x),
        "softplus": lambda x: mpmath.log1p(mpmath.exp(x)),
    }
    for spec, f in cases.items():
        m, v = moments(f)
        L = dt.Normalized(spec)
        assert abs(L.mean.mid - m) <= L.mean.rad + mpmath.mpf(10) ** -35, (spec, L.mean, m)
        assert abs(L.var.mid - v) <= L.var.rad + mpmath.mpf(10) ** -35, (spec, L.var, v)
        cm, cs, _ = L.constants(torch.float64)
        assert abs(cm - float(m)) <= 2 ** -52 * max(abs(float(m)), 1e-300), (spec, cm)
        assert abs(cs - float(mpmath.sqrt(v))) <= 2 ** -52 * float(mpmath.sqrt(v)), (spec, cs)
    # GELU's mean has a closed form: E Z Phi(Z) = E phi(Z) = 1/(2 sqrt(pi))
    assert dt.Normalized("gelu").mean.contains(1 / (2 * mpmath.sqrt(mpmath.pi)))


@test
def monte_carlo_mean_zero_variance_one():
    n = 1 << 21
    z = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(12345))
    for spec in ("relu", "gelu", "tanh", "silu", "elu", "softplus", "sigmoid", "erf", "selu",
                 "leaky_relu(0.2)", "swish(2)", "abs"):
        y = dt.Normalized(spec)(z)
        mean = float(y.mean())
        var = float(y.var())
        m4 = float(((y - mean) ** 4).mean())
        se_mean = math.sqrt(var / n)
        se_var = math.sqrt(max(m4 - var * var, 0.0) / n)
        assert abs(mean) <= 6 * se_mean, (spec, mean, se_mean)
        assert abs(var - 1) <= 6 * se_var, (spec, var, se_var)
    # the same sample is what a float32 network sees
    y = dt.Normalized("relu")(z.float())
    assert y.dtype == torch.float32
    assert abs(float(y.double().mean())) <= 6 / math.sqrt(n)


# ---------------------------------------------------------------- functions

@test
def torch_functions_agree_with_the_library():
    x = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    x = x[x.abs() > 1e-9]                     # step and sign: 0 is the jump
    for spec in ("identity", "relu", "leaky_relu", "leaky_relu(0.3)", "abs", "step", "sign",
                 "hardtanh", "relu_pow", "relu_pow(3)", "tanh", "sigmoid", "erf", "gelu", "silu",
                 "swish", "swish(1.5)", "softplus", "elu", "elu(0.5)", "selu", "sin", "cos", "exp",
                 "gaussian", "hermite(4)", "poly(1,-2,0.5)"):
        act = dualact.Activation(spec)
        got = dt.torch_function(spec)(x).tolist()
        want = act.eval(x.numpy())
        for xi, g, w in zip(x.tolist(), got, want):
            assert abs(g - w) <= 1e-12 * max(1.0, abs(w)), (spec, xi, g, w)


@test
def softplus_has_no_threshold():
    # torch's softplus returns x above 20; log(1 + e^x) - x = e^-x there
    x = torch.tensor([25.0, 30.0], dtype=torch.float64)
    y = dt.torch_function("softplus")(x) - x
    assert float(y[0]) > 0 and abs(float(y[0]) - math.exp(-25)) < 1e-14, float(y[0])


@test
def formulas_need_fn():
    try:
        dt.Normalized("x*tanh(softplus(x))")
        raise AssertionError("no ValueError")
    except ValueError as e:
        assert "fn=" in str(e), e
    mish = lambda x: x * torch.tanh(dt.torch_function("softplus")(x))
    L = dt.Normalized("x*tanh(softplus(x))", fn=mish)
    m, v = moments(lambda x: x * mpmath.tanh(mpmath.log1p(mpmath.exp(x))))
    assert abs(L.mean.mid - m) < 1e-30 and abs(L.var.mid - v) < 1e-30, (L.mean, L.var)
    # a callable that computes something else is refused
    try:
        dt.Normalized("x*tanh(x)", fn=torch.tanh)
        raise AssertionError("no ValueError")
    except ValueError as e:
        assert "does not compute" in str(e), e
    # "tanh(2*x)" is a formula, not the catalogue's tanh with a parameter
    try:
        dt.Normalized("tanh(2*x)")
        raise AssertionError("no ValueError")
    except ValueError:
        pass


@test
def bad_inputs():
    for bad in ("poly(3)",):                 # a constant: variance 0
        try:
            dt.Normalized(bad)
            raise AssertionError("no ValueError for %s" % bad)
        except ValueError as e:
            assert "variance" in str(e), e
    L = dt.Normalized("relu")
    try:
        L(torch.arange(4))
        raise AssertionError("no ValueError for an integer tensor")
    except ValueError:
        pass
    try:
        dt.Normalized("nosuch")
        raise AssertionError("no error for an unknown name")
    except ValueError:
        pass


@test
def autograd_through_the_layer():
    L = dt.Normalized("relu")
    x = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    L(x).sum().backward()
    s = L.constants(torch.float64)[1]
    assert x.grad.tolist() == [0.0, 1 / s, 1 / s], x.grad


@test
def dualact_imports_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import dualact, dualact.experiments\n"
            "try:\n    import dualact.torch\nexcept ImportError as e:\n    print('ImportError', e)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ImportError dualact.torch needs PyTorch"), p.stdout


# ---------------------------------------------------------------- the experiment

def run(*args):
    p = subprocess.run([sys.executable, "-m", "dualact.experiments.normalization"] + list(args),
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def finite(s):
    return math.isfinite(float(s))


@test
def quick_run_writes_its_files():
    d = tempfile.mkdtemp(prefix="exp-test.")
    try:
        st, out, err = run("--quick", "--out", d)
        assert st == 0, (st, err)
        with open(os.path.join(d, "results.csv"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert lines[0] == "method,depth,seed,epoch,train_loss,test_accuracy", lines[0]
        rows = list(csv.reader(lines[1:]))
        # 5 methods x depths 5, 20 x 1 seed x epochs 0..4
        assert len(rows) == 5 * 2 * 1 * 5, len(rows)
        assert {r[0] for r in rows} == {"relu", "relu_bn", "nrelu", "ngelu", "ntanh"}
        assert {r[1] for r in rows} == {"5", "20"}
        for r in rows:
            assert len(r) == 6, r
            assert finite(r[4]) and float(r[4]) >= 0, r
            assert finite(r[5]) and 0 <= float(r[5]) <= 1, r
        with open(os.path.join(d, "lr_grid.csv"), encoding="utf-8") as f:
            g = f.read().splitlines()
        assert g[0] == "method,depth,seed,lr,final_train_loss,final_test_accuracy,diverged"
        assert len(g) == 1 + 5 * 2 * 2, len(g)
        for name, head, tail in (("figure.svg", "<?xml", "</svg>"),
                                 ("table.tex", "%", "% in parentheses: the learning rate chosen")):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                t = f.read()
            assert t.startswith(head) and t.rstrip().endswith(tail), name
        with open(os.path.join(d, "table.tex"), encoding="utf-8") as f:
            t = f.read()
        for k in ("\\toprule", "\\midrule", "\\bottomrule", "normalized ReLU", "ReLU + BatchNorm"):
            assert k in t, k
        assert os.path.getsize(os.path.join(d, "run.txt")) > 0
        assert not [f for f in os.listdir(d) if f.startswith(".tmp-")]
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def runs_are_deterministic():
    outs = []
    for _ in range(2):
        d = tempfile.mkdtemp(prefix="exp-test.")
        try:
            st, _, err = run("--out", d, "--depths", "3", "--seeds", "7", "--epochs", "1",
                             "--lrs", "0.001", "--methods", "nrelu,relu_bn")
            assert st == 0, err
            with open(os.path.join(d, "results.csv"), encoding="utf-8") as f:
                outs.append(f.read())
        finally:
            shutil.rmtree(d, ignore_errors=True)
    assert outs[0] == outs[1]
    assert len(outs[0].splitlines()) == 1 + 2 * 2


@test
def bad_options_one_line_exit_2():
    d = tempfile.mkdtemp(prefix="exp-test.")
    try:
        for args in (["--depths", "0", "--out", d], ["--quick"], ["--out", d, "--epochs", "x"],
                     ["--out", d, "--methods", "relu,nosuch"], ["--out", d, "--seeds", "1,1"],
                     ["--out", d, "--lrs", "-1"], ["--out", d, "--bogus"],
                     ["--out", d, "--optimizer", "rmsprop"], ["--out", d, "--width", "0"]):
            st, out, err = run(*args)
            assert st == 2, (args, st, err)
            assert out == "", (args, out)
            assert len(err.splitlines()) == 1, (args, err)
        assert os.listdir(d) == []
        # --out a regular file: refused before any training
        f = os.path.join(d, "file")
        open(f, "w").close()
        st, out, err = run("--out", f, "--depths", "1", "--epochs", "1")
        assert st == 2 and len(err.splitlines()) == 1, (st, err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for i, t in enumerate(TESTS, 1):
        try:
            t()
            print("ok %d - %s" % (i, t.__name__))
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, t.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

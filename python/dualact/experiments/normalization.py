"""python3 -m dualact.experiments.normalization --out DIR [options]

Normalized activations against Batch Normalization in deep fully connected
networks (Agarwal, Awasthi & Kale, ALT 2021, "A Deep Conditioning Treatment
of Neural Networks": normalized ReLU as an alternative to BatchNorm), on
scikit-learn's bundled digits data (no download).  The protocol is in
docs/experiments.md.  Writes into DIR:

  results.csv   method,depth,seed,epoch,train_loss,test_accuracy (the runs
                at the best learning rate of each method and depth; epoch 0
                is the network at initialisation)
  lr_grid.csv   method,depth,seed,lr,final_train_loss,final_test_accuracy,diverged
                (every run of the grid)
  figure.svg    final test accuracy and train loss against depth
  table.tex     a booktabs table: final test accuracy at the best learning rate
  run.txt       the settings, versions and time taken
"""
import argparse
import math
import os
import sys
import tempfile
import time

PROG = "python3 -m dualact.experiments.normalization"


class _Usage(Exception):
    pass


def _fail(msg, status=2):
    sys.stderr.write("%s: %s\n" % (PROG, msg))
    sys.exit(status)


class _Parser(argparse.ArgumentParser):
    def error(self, message):           # one line, exit 2 (argparse prints usage too)
        _fail(message)


def _int_list(name, lo, hi):
    def parse(s):
        try:
            v = [int(t) for t in s.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError("%s: expected comma-separated integers, not '%s'" % (name, s))
        if not v or any(not lo <= x <= hi for x in v):
            raise argparse.ArgumentTypeError("%s: each must be between %d and %d, not '%s'" % (name, lo, hi, s))
        if len(set(v)) != len(v):
            raise argparse.ArgumentTypeError("%s: '%s' repeats a value" % (name, s))
        return v
    return parse


def _int_in(name, lo, hi):
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError("%s: expected an integer, not '%s'" % (name, s))
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError("%s: must be between %d and %d, not %d" % (name, lo, hi, v))
        return v
    return parse


def _lr_list(s):
    try:
        v = [float(t) for t in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("--lrs: expected comma-separated numbers, not '%s'" % s)
    if not v or any(not (0 < x <= 10) for x in v):
        raise argparse.ArgumentTypeError("--lrs: each must be in (0, 10], not '%s'" % s)
    return v


# method -> (label, dualact activation or None, batch norm?)
METHODS = {
    "relu": ("ReLU", None, False),
    "relu_bn": ("ReLU + BatchNorm", None, True),
    "nrelu": ("normalized ReLU", "relu", False),
    "ngelu": ("normalized GELU", "gelu", False),
    "ntanh": ("normalized tanh", "tanh", False),
}

FULL = dict(depths=[5, 10, 20, 30, 50], seeds=[0, 1], epochs=12, width=64,
            lrs=[0.0003, 0.001, 0.003])
QUICK = dict(depths=[5, 20], seeds=[0], epochs=4, width=64, lrs=[0.001, 0.003])


def parse_args(argv):
    p = _Parser(prog=PROG, description="Normalized activations vs BatchNorm in deep fully "
                "connected networks on scikit-learn's digits (docs/experiments.md).")
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the results (created)")
    p.add_argument("--quick", action="store_true",
                   help="depths 5,20, 1 seed, 4 epochs, width 64, 2 learning rates (about a minute)")
    p.add_argument("--depths", type=_int_list("--depths", 1, 200), metavar="L,L,...",
                   help="hidden layers (default 5,10,20,30,50)")
    p.add_argument("--seeds", type=_int_list("--seeds", 0, 2 ** 31 - 1), metavar="S,S,...",
                   help="seeds (default 0,1)")
    p.add_argument("--epochs", type=_int_in("--epochs", 1, 10000), help="epochs (default 12)")
    p.add_argument("--width", type=_int_in("--width", 1, 4096), help="units per layer (default 64)")
    p.add_argument("--lrs", type=_lr_list, metavar="LR,LR,...",
                   help="learning-rate grid (default 0.0003,0.001,0.003)")
    p.add_argument("--methods", metavar="M,M,...",
                   help="among %s (default all)" % ",".join(METHODS))
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam",
                   help="adam (default) or sgd (momentum 0.9)")
    p.add_argument("--threads", type=_int_in("--threads", 1, 256),
                   help="torch threads (default 1)")
    a = p.parse_args(argv)
    base = QUICK if a.quick else FULL
    for k in ("depths", "seeds", "epochs", "width", "lrs"):
        if getattr(a, k) is None:
            setattr(a, k, base[k])
    if a.methods is None:
        a.methods = list(METHODS)
    else:
        ms = a.methods.split(",")
        bad = [m for m in ms if m not in METHODS]
        if bad or not ms or len(set(ms)) != len(ms):
            _fail("--methods: expected distinct names among %s, not '%s'" % (",".join(METHODS), a.methods))
        a.methods = ms
    if a.threads is None:
        a.threads = 1
    return a


def load_data():
    """The digits (1797 8x8 images, 10 classes): a fixed split (seed 0,
    540 test), features standardised with the training set's mean and
    standard deviation."""
    import numpy as np
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(y))
    test, train = perm[:540], perm[540:]
    mu = X[train].mean(axis=0)
    sd = X[train].std(axis=0)
    sd[sd == 0] = 1.0
    X = (X - mu) / sd
    return X[train], y[train], X[test], y[test]


_LAYERS = {}


def _normalized(act):
    """One dualact.torch.Normalized per activation, shared by every layer
    (it holds no parameters): the library computes its constants once."""
    import dualact.torch as dt
    if act not in _LAYERS:
        _LAYERS[act] = dt.Normalized(act)
    return _LAYERS[act]


def build(method, depth, width, d_in, n_out, torch):
    """The network: depth hidden layers Linear (+ BatchNorm1d) + activation,
    then a linear read-out.  Weights N(0, c/fan_in) with c = 1/E sigma(Z)^2
    (2 for ReLU, 1 for the normalized activations and the read-out), biases
    0."""
    _, act, bn = METHODS[method]
    layers = []
    n = d_in
    gain = 2.0 if act is None else 1.0
    for _ in range(depth):
        lin = torch.nn.Linear(n, width)
        torch.nn.init.normal_(lin.weight, 0.0, math.sqrt(gain / n))
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if bn:
            layers.append(torch.nn.BatchNorm1d(width))
        layers.append(torch.nn.ReLU() if act is None else _normalized(act))
        n = width
    out = torch.nn.Linear(n, n_out)
    torch.nn.init.normal_(out.weight, 0.0, math.sqrt(1.0 / n))
    torch.nn.init.zeros_(out.bias)
    layers.append(out)
    return torch.nn.Sequential(*layers)


def train(method, depth, seed, lr, a, data, torch):
    """One run: Adam (or SGD with momentum 0.9), batch 64, constant
    learning rate.
    Returns ([(epoch, train_loss, test_accuracy)], diverged)."""
    Xtr, ytr, Xte, yte = data
    torch.manual_seed(seed)
    net = build(method, depth, a.width, Xtr.shape[1], 10, torch)
    if a.optimizer == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    rows = []

    def evaluate(epoch):
        net.eval()
        with torch.no_grad():
            tl = float(lossf(net(Xtr), ytr))
            acc = float((net(Xte).argmax(dim=1) == yte).double().mean())
        net.train()
        rows.append((epoch, tl, acc))
        return math.isfinite(tl)

    evaluate(0)
    n = Xtr.shape[0]
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            if len(idx) < 2:            # BatchNorm needs 2 samples
                continue
            opt.zero_grad()
            loss = lossf(net(Xtr[idx]), ytr[idx])
            if not torch.isfinite(loss):
                rows.append((epoch, float("nan"), float("nan")))
                return rows, True
            loss.backward()
            opt.step()
        if not evaluate(epoch):
            return rows, True
    return rows, False


# ------------------------------------------------------------------ output
def _write(path, text):
    """Write text to path through a temporary file beside it, renamed."""
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        mask = os.umask(0)              # mkstemp makes 0600: the mode open() would give
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _num(x):
    return "%.6g" % x if math.isfinite(x) else ("nan" if x != x else ("inf" if x > 0 else "-inf"))


def summarize(best, a):
    """{(method, depth): (lr, mean final acc, min, max, mean final loss)}."""
    out = {}
    for (m, d), (lr, runs) in best.items():
        accs = [r[-1][2] for r, _ in runs]
        losses = [r[-1][1] for r, _ in runs]
        out[m, d] = (lr, sum(accs) / len(accs), min(accs), max(accs), sum(losses) / len(losses))
    return out


def latex_table(summ, a):
    cols = a.methods
    lines = ["% final test accuracy (%) at the best learning rate (chosen by final train loss),",
             "%% mean over seeds %s; written by %s" % (",".join(map(str, a.seeds)), PROG),
             "\\begin{tabular}{r%s}" % ("c" * len(cols)),
             "\\toprule",
             "depth & " + " & ".join(METHODS[m][0].replace("+", "+") for m in cols) + " \\\\",
             "\\midrule"]
    for d in a.depths:
        vals = [summ[m, d][1] for m in cols]
        top = max((v for v in vals if v == v), default=None)
        cells = []
        for m, v in zip(cols, vals):
            if v != v:
                cells.append("--")
                continue
            s = "%.1f" % (100 * v)
            if top is not None and "%.1f" % (100 * v) == "%.1f" % (100 * top):
                s = "\\textbf{%s}" % s
            cells.append(s + " {\\scriptsize(%s)}" % ("%g" % summ[m, d][0]))
        lines.append("%d & %s \\\\" % (d, " & ".join(cells)))
    lines += ["\\bottomrule", "\\end{tabular}",
              "% in parentheses: the learning rate chosen", ""]
    return "\n".join(lines)


COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_figure(summ, a):
    """Two panels: final test accuracy (mean, min-max over seeds) and final
    train loss (log scale) against depth, one line per method."""
    W, H = 940, 420
    panels = [(60, "final test accuracy", lambda t: t[1], False),
              (530, "final train loss (log scale)", lambda t: t[4], True)]
    pw, ph, top = 360, 300, 50
    xs = a.depths
    xmin, xmax = min(xs), max(xs)
    if xmin == xmax:
        xmin, xmax = xmin - 1, xmax + 1
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="12">' % (W, H, W, H),
           '<!-- written by %s; widths %d, epochs %d, seeds %s -->' % (PROG, a.width, a.epochs,
                                                                        ",".join(map(str, a.seeds))),
           '<rect width="100%" height="100%" fill="white"/>']
    for x0, title, get, logy in panels:
        vals = [get(summ[m, d]) for m in a.methods for d in xs]
        fin = [v for v in vals if math.isfinite(v) and (v > 0 or not logy)]
        if logy:
            lo = math.floor(math.log10(min(fin))) if fin else -3
            hi = math.ceil(math.log10(max(fin))) if fin else 1
            if hi <= lo:
                hi = lo + 1
            ticks = [(t, "1e%d" % t) for t in range(lo, hi + 1)]
            ty = lambda v: math.log10(v)
        else:
            lo, hi = 0.0, 1.0
            ticks = [(t / 5, "%.1f" % (t / 5)) for t in range(6)]
            ty = lambda v: v
        X = lambda x: x0 + (x - xmin) / (xmax - xmin) * pw
        Y = lambda v: top + ph - (v - lo) / (hi - lo) * ph
        out.append('<text x="%g" y="%d" text-anchor="middle" font-size="14">%s</text>'
                   % (x0 + pw / 2, top - 15, _esc(title)))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
                   % (x0, top, pw, ph))
        for t, lab in ticks:
            y = Y(t)
            out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (x0, x0 + pw, y, y))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (x0 - 5, y + 4, lab))
        for d in xs:
            x = X(d)
            out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#ddd"/>' % (x, x, top, top + ph))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x, top + ph + 16, d))
        out.append('<text x="%g" y="%d" text-anchor="middle">depth (hidden layers)</text>'
                   % (x0 + pw / 2, top + ph + 34))
        for i, m in enumerate(a.methods):
            c = COLORS[i % len(COLORS)]
            pts = []
            for d in xs:
                v = get(summ[m, d])
                if math.isfinite(v) and (v > 0 or not logy):
                    v = min(max(ty(v), lo), hi)
                    pts.append((X(d), Y(v)))
            if len(pts) > 1:
                out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                           % (c, " ".join("%.1f,%.1f" % p for p in pts)))
            for px, py in pts:
                out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (px, py, c))
            if not logy:
                for d in xs:
                    t = summ[m, d]
                    if math.isfinite(t[2]) and math.isfinite(t[3]) and t[3] > t[2]:
                        out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>'
                                   % (X(d), X(d), Y(t[2]), Y(t[3]), c))
    ly = H - 22
    lx = 60
    for i, m in enumerate(a.methods):
        c = COLORS[i % len(COLORS)]
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>'
                   % (lx, lx + 20, ly, ly, c))
        out.append('<text x="%d" y="%d">%s</text>' % (lx + 25, ly + 4, _esc(METHODS[m][0])))
        lx += 40 + 8 * len(METHODS[m][0])
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import torch
        import numpy as np  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as e:
        _fail("needs PyTorch and scikit-learn (Debian: python3-torch, python3-sklearn): %s" % e)
    import dualact
    import dualact.torch  # noqa: F401
    try:
        os.makedirs(a.out, exist_ok=True)
    except OSError as e:
        _fail("--out %s: %s" % (a.out, e.strerror or e))
    if not os.path.isdir(a.out) or not os.access(a.out, os.W_OK):
        _fail("--out %s: not a writable directory" % a.out)
    torch.set_num_threads(a.threads)
    Xtr, ytr, Xte, yte = load_data()
    data = (torch.tensor(Xtr, dtype=torch.float32), torch.tensor(ytr, dtype=torch.long),
            torch.tensor(Xte, dtype=torch.float32), torch.tensor(yte, dtype=torch.long))
    tty = sys.stderr.isatty()
    t0 = time.time()
    total = len(a.methods) * len(a.depths) * len(a.lrs) * len(a.seeds)
    done = 0
    grid = []
    best = {}
    for m in a.methods:
        for d in a.depths:
            cand = []
            for lr in a.lrs:
                runs = []
                for s in a.seeds:
                    rows, div = train(m, d, s, lr, a, data, torch)
                    runs.append((rows, div))
                    last = rows[-1]
                    grid.append((m, d, s, lr, last[1], last[2], div))
                    done += 1
                    if tty:
                        sys.stderr.write("\r%s: %d/%d runs (%s, depth %d, lr %g), %.0f s   "
                                         % (PROG, done, total, m, d, lr, time.time() - t0))
                        sys.stderr.flush()
                losses = [r[-1][1] if not dv and math.isfinite(r[-1][1]) else math.inf
                          for r, dv in runs]
                cand.append((sum(losses) / len(losses), lr, runs))
            # the best learning rate: the lowest mean final train loss (ties:
            # the smaller rate); the test set plays no part in the choice
            cand.sort(key=lambda c: (c[0], c[1]))
            best[m, d] = (cand[0][1], cand[0][2])
    if tty:
        sys.stderr.write("\n")
    elapsed = time.time() - t0
    res = ["method,depth,seed,epoch,train_loss,test_accuracy"]
    for m in a.methods:
        for d in a.depths:
            lr, runs = best[m, d]
            for s, (rows, _) in zip(a.seeds, runs):
                for ep in range(a.epochs + 1):
                    # a diverged run: NaN from the epoch where it stopped
                    r = rows[ep] if ep < len(rows) else (ep, float("nan"), float("nan"))
                    res.append("%s,%d,%d,%d,%s,%s" % (m, d, s, ep, _num(r[1]), _num(r[2])))
    lg = ["method,depth,seed,lr,final_train_loss,final_test_accuracy,diverged"]
    for m, d, s, lr, tl, acc, div in grid:
        lg.append("%s,%d,%d,%g,%s,%s,%d" % (m, d, s, lr, _num(tl), _num(acc), int(div)))
    summ = summarize(best, a)
    info = ["%s %s" % (PROG, " ".join(sys.argv[1:] if argv is None else argv)),
            "dualact %s, torch %s, python %s" % (dualact.version(), torch.__version__,
                                                 sys.version.split()[0]),
            "methods %s; depths %s; seeds %s; epochs %d; width %d; lrs %s; threads %d"
            % (",".join(a.methods), ",".join(map(str, a.depths)), ",".join(map(str, a.seeds)),
               a.epochs, a.width, ",".join("%g" % x for x in a.lrs), a.threads),
            "%d runs in %.0f s" % (total, elapsed), "",
            "method depth lr mean_acc min_acc max_acc mean_train_loss"]
    for m in a.methods:
        for d in a.depths:
            lr, acc, lo, hi, tl = summ[m, d]
            info.append("%s %d %g %.4f %.4f %.4f %s" % (m, d, lr, acc, lo, hi, _num(tl)))
    try:
        _write(os.path.join(a.out, "results.csv"), "\n".join(res) + "\n")
        _write(os.path.join(a.out, "lr_grid.csv"), "\n".join(lg) + "\n")
        _write(os.path.join(a.out, "figure.svg"), svg_figure(summ, a))
        _write(os.path.join(a.out, "table.tex"), latex_table(summ, a))
        _write(os.path.join(a.out, "run.txt"), "\n".join(info) + "\n")
    except OSError as e:
        _fail("writing into %s: %s" % (a.out, e.strerror or e))
    sys.stdout.write("\n".join(info[3:]) + "\n")
    try:
        sys.stdout.flush()
    except OSError as e:
        _fail("standard output: %s" % (e.strerror or e))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""docs_run.py -- every command shown in README.md and docs/*.md runs, and
prints what the page shows (tests/docs.test runs this; TAP output).

    python3 tests/docs_run.py SRCDIR DUALACT

Commands: in a code block (fenced, or indented by four spaces), a line
"$ dualact ..." (its shown output: the lines after it up to the next "$ "
line or the end of the block; a line "..." stands for any lines), and in a
fenced block marked sh, a line "dualact ..." (no output shown: it must exit
0).  Other "$ " lines of the block (setup such as printf > file) run too, in
the same scratch directory, where docs/examples is the source tree's.
Usage synopses (dualact ACT [--opt X]) outside sh blocks are not commands.
The output compared is stdout then stderr; the only masking is MASKS
below.  A command that cannot run here is in SKIP with the reason: the
list is explicit, and an entry that no longer matches a page fails.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# (page, command prefix) -> reason.  The command is matched by prefix.
SKIP = {
    ('docs/dual.md', 'dualact meanfield tanh --sw2 2.5 --sb2 0.2'):
        'mean field being made rigorous (its shown output is regenerated with that work)',
    ('docs/manual.md', 'dualact gram relu --sphere 46000,2'):
        'the memory cap in the message depends on the machine (tests/cli_limits.test checks the refusal)',
    ('docs/manual.md', 'dualact simulate tanh --width 100000'):
        'the time estimate in the message depends on the machine (tests/cli_limits.test checks the refusal)',
    ('docs/analysis.md', 'zcat /usr/lib/python3/dist-packages/sklearn'):
        'needs python3-sklearn\'s data file, not a dependency; 7 s',
}
# Pages whose shown output has drifted from what the tool prints today:
# reported as TAP TODO (expected failures) until the page is regenerated
# from the tool and read; a command here whose output matches again is an
# unexpected pass, which fails the suite, so the list can only shrink.
STALE = [
    ('docs/analysis.md', 'dualact depth tanh --delta 0.01 --eps 0.01 --n 1000'),
    ('docs/analysis.md', 'dualact gram relu --data bad.csv --depth 2'),
    ('docs/analysis.md', 'dualact gram relu --data zero.txt --depth 2'),
    ('docs/analysis.md', 'dualact gram relu_normalized --separated 200,10,0.1 --depth 50 --rank-k 5'),
    ('docs/analysis.md', 'dualact gram relu --data docs/examples/iris.csv --header --columns 1-4 --depth 20 --rank-k 3'),
    ('docs/dual.md', 'dualact dual relu_normalized --rho 0.5,0.9,1 --digits 25'),
    ('docs/dual.md', 'dualact dual relu_normalized --rho 0.9 --depth 10 --digits 30 --format csv'),
    ('docs/dual.md', 'dualact dual step --raw --rho 1,0.5 --derivative 1 --format csv'),
    ('docs/dual.md', 'dualact dual tanh --rho 0.999 --digits 40 --format csv; echo "exit $?"'),
    ('docs/dual.md', 'dualact iterate relu_normalized --rho 0.9 --depth 5 --ntk --digits 15'),
    ('docs/dual.md', 'dualact meanfield erf --grid 1:3:3,0:0.2:2'),
    ('docs/learn.md', 'dualact learn sign --degree 3 --depth 8 --digits 20'),
    ('docs/learn.md', 'dualact learn relu_normalized --degree 5 --depth 40 --threshold 0.01 --digits 20'),
    ('docs/learn.md', 'dualact learn relu_normalized --dim 3 --degree 2 --depth 3 --digits 15 --format csv'),
    ('docs/manual.md', 'dualact coeffs relu --degree 4 --digits 12 --format csv'),
    ('docs/manual.md', 'dualact table relu tanh --delta 0.1,0.01 --columns activation,mu,L_nngp,L_ntk --format md'),
    ('docs/tutorial.md', 'dualact coeffs relu_normalized --degree 4 --digits 20'),
    ('docs/tutorial.md', 'dualact coeffs relu --degree 2 --digits 20'),
    ('docs/tutorial.md', 'dualact dual relu --rho -1,-0.5,0,0.5,0.9,1 --digits 15'),
    ('docs/tutorial.md', 'dualact iterate relu --rho 0.9 --depth 12 --digits 15'),
    ('docs/tutorial.md', 'dualact iterate relu --rho 0.1 --depth 40 --digits 15 --format csv'),
    ('docs/tutorial.md', 'dualact iterate relu --rho 0.999999 --depth 4 --digits 20 --format csv'),
    ('docs/tutorial.md', 'dualact depth relu --delta 0.1,0.01 --eps 0.01 --n 1000 --both'),
    ('docs/tutorial.md', 'dualact depth relu gelu tanh erf sigmoid step --delta 0.1 --eps 0.01 --n 1000'),
    ('docs/tutorial.md', 'dualact table'),
    ('docs/tutorial.md', 'dualact iterate relu --rho 0.1 --depth 30 --ntk --digits 15 --format csv'),
    ('docs/tutorial.md', 'dualact dual relu --rho 0.9 --depth 25 --ntk --digits 10'),
    ('docs/tutorial.md', 'dualact depth relu --delta 0.0000018 --eps 0.5 --n 149 --both'),
    ('docs/tutorial.md', 'dualact depth relu --delta 0.1 --eps 0.1 --n 200 --both --format csv'),
    ('docs/tutorial.md', 'dualact learn relu --depth 10'),
    ('docs/tutorial.md', 'dualact learn sign --depth 8 --digits 20'),
    ('docs/tutorial.md', 'dualact learn relu --dim 10 --depth 20 --degree 2 --digits 20 --format csv'),
    ('docs/tutorial.md', 'dualact table relu tanh gelu --format latex'),
    ('docs/tutorial.md', 'dualact table relu gelu --delta 0.1,0.01 --columns activation,mu,L_nngp,bound,L_ntk --format md'),
]
# substitutions applied to both the shown and the real output: what must vary
MASKS = [
    (re.compile(r'(dualact|libdualact) \d+\.\d+(\.\d+)?\S*'), r'\1 VERSION'),
    (re.compile(r'\b\d+(\.\d+)?(e[-+]?\d+)? ?(s|ms|seconds)\b(?! *\()'), 'TIME'),
]
TIMEOUT = 120


def mask(lines):
    out = []
    for l in lines:
        for rx, rep in MASKS:
            l = rx.sub(rep, l)
        out.append(l.rstrip())
    while out and out[-1] == '':
        out.pop()
    return out


def blocks(text):
    """(fence info or None for indented, first line number, [lines])."""
    lines = text.split('\n')
    i, n = 0, len(lines)
    while i < n:
        m = re.match(r'^(\s*)```(\S*)', lines[i])
        if m:
            ind, info = len(m.group(1)), m.group(2)
            j = i + 1
            body = []
            while j < n and not re.match(r'^\s*```\s*$', lines[j]):
                body.append(lines[j][ind:] if lines[j][:ind].strip() == '' else lines[j])
                j += 1
            yield (info, i + 2, body)
            i = j + 1
            continue
        if lines[i].startswith('    ') and (i == 0 or lines[i - 1].strip() == ''):
            j = i
            body = []
            while j < n and (lines[j].startswith('    ') or lines[j].strip() == ''):
                body.append(lines[j][4:])
                j += 1
            yield (None, i + 1, body)
            i = j
            continue
        i += 1


def commands(text):
    """(line, command, shown output or None, is_setup)."""
    for info, first, body in blocks(text):
        k = 0
        while k < len(body):
            l = body[k]
            if l.startswith('$ '):
                cmd = l[2:].strip()
                j = k + 1
                while cmd.endswith('\\') and j < len(body):
                    cmd = cmd[:-1].rstrip() + ' ' + body[j].strip()
                    j += 1
                out = []
                while j < len(body) and not body[j].startswith('$ '):
                    out.append(body[j])
                    j += 1
                is_da = cmd.startswith('dualact ')
                yield (first + k, cmd, out if is_da else None, not is_da)
                k = j
                continue
            if info in ('sh', 'bash', 'console') and l.startswith('dualact '):
                cmd = re.sub(r'\s+#.*$', '', l).strip()
                yield (first + k, cmd, None, False)
            k += 1


def match(shown, real):
    """shown may contain '...' lines (any lines)."""
    parts = [[]]
    for l in shown:
        if l.strip() == '...':
            parts.append([])
        else:
            parts[-1].append(l)
    if len(parts) == 1:
        return shown == real
    pos = 0
    for idx, p in enumerate(parts):
        if idx == 0:
            if real[:len(p)] != p:
                return False
            pos = len(p)
            continue
        if idx == len(parts) - 1:
            return len(real) - pos >= len(p) and (not p or real[len(real) - len(p):] == p)
        found = -1
        for s in range(pos, len(real) - len(p) + 1):
            if real[s:s + len(p)] == p:
                found = s
                break
        if found < 0:
            return False
        pos = found + len(p)
    return True


def main():
    src, dualact = sys.argv[1], sys.argv[2]
    pages = ['README.md'] + sorted('docs/' + f for f in os.listdir(os.path.join(src, 'docs'))
                                   if f.endswith('.md') and f != 'reference.md')
    tests = []
    for p in pages:
        with open(os.path.join(src, p), encoding='utf-8') as f:
            for c in commands(f.read()):
                tests.append((p,) + c)
    scratch = tempfile.mkdtemp(prefix='docs-test.')
    bindir = os.path.join(scratch, 'bin')
    os.makedirs(bindir)
    os.symlink(os.path.abspath(dualact), os.path.join(bindir, 'dualact'))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get('PATH', ''),
               LC_ALL='C')
    used = set()
    print('1..%d' % (len(tests) + 2))
    n = 0
    ndoc = sum(1 for t in tests if not t[4])
    n += 1
    print('%s %d - %d documented commands found in %d pages' %
          ('ok' if ndoc >= 60 else 'not ok', n, ndoc, len(pages)))
    workdirs = {}
    for page, line, cmd, shown, setup in tests:
        n += 1
        where = '%s:%d: %s' % (page, line, cmd)
        skip = [r for (pg, pre), r in SKIP.items() if pg == page and cmd.startswith(pre)]
        if skip:
            used.update((pg, pre) for (pg, pre) in SKIP if pg == page and cmd.startswith(pre))
            print('ok %d - %s # SKIP %s' % (n, where, skip[0]))
            continue
        wd = workdirs.get(page)
        if wd is None:
            wd = os.path.join(scratch, 'w%d' % len(workdirs))
            os.makedirs(os.path.join(wd, 'docs'))
            os.symlink(os.path.join(os.path.abspath(src), 'docs', 'examples'),
                       os.path.join(wd, 'docs', 'examples'))
            workdirs[page] = wd
        try:
            r = subprocess.run(['/bin/sh', '-c', cmd], cwd=wd, env=env, timeout=TIMEOUT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired:
            print('not ok %d - %s (timed out after %d s)' % (n, where, TIMEOUT))
            continue
        real = (r.stdout + r.stderr).decode('utf-8', 'replace').split('\n')
        if setup:
            print('%s %d - %s (setup, exit %d)' % ('ok' if r.returncode == 0 else 'not ok',
                                                  n, where, r.returncode))
        elif shown is None or not any(l.strip() for l in shown):
            ok = r.returncode == 0 or (shown is not None)
            print('%s %d - %s (exit %d)' % ('ok' if ok else 'not ok', n, where, r.returncode))
            if not ok:
                for l in real[:5]:
                    print('#   ' + l)
        else:
            a, b = mask(shown), mask(real)
            if match(a, b):
                todo = any(pg == page and cmd.startswith(pre) for pg, pre in STALE)
                print('ok %d - %s%s' % (n, where, ' # TODO listed as stale but matches: remove it from STALE' if todo else ''))
            else:
                todo = any(pg == page and cmd.startswith(pre) for pg, pre in STALE)
                print('not ok %d - %s: output differs from the page%s' %
                      (n, where, ' # TODO stale page: regenerate it from the tool' if todo else ''))
                import difflib
                for l in list(difflib.unified_diff(a, b, 'page', 'dualact', lineterm=''))[:40]:
                    print('#   ' + l)
    n += 1
    stale = [k for k in SKIP if k not in used]
    print('%s %d - every skip-list entry names a command on its page%s' %
          ('ok' if not stale else 'not ok', n, '' if not stale else ': stale ' + repr(stale)))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

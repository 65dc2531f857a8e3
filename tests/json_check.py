#!/usr/bin/env python3
"""json_check.py -- every JSON output of dualact is valid JSON (RFC 8259):
it parses with Python's json module made strict (NaN, Infinity and
-Infinity rejected through parse_constant; bare inf or nan are not JSON at
all).  Non-finite numbers are the strings "inf", "-inf" and "nan"
(docs/manual.md, section 3).  TAP output; tests/json.test runs it.

    python3 tests/json_check.py SRCDIR DUALACT

Checked: every command shown in README.md and docs/*.md whose command
has --format json (coeffs, dual, iterate, kernel, meanfield, depth, gram,
simulate, learn, table), run again with --format json (a pipe or a
redirection after it dropped), and the cases below, which print
non-finite values or end with exit status 3.  Each must exit 0 or 3 and
print one JSON document on stdout.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docs_run  # noqa: E402  (the pages' commands, the CPU limit)

JSONABLE = {'coeffs', 'dual', 'iterate', 'kernel', 'meanfield', 'depth', 'gram',
            'simulate', 'learn', 'table'}

# non-finite values and exit status 3 (issue 21): (arguments, exit status)
CASES = [
    # exact zero radii: digits_reached is infinite
    ("coeffs identity --raw --degree 2", 0),
    # the raw coefficients of a formula whose enclosure diverges at 0: nan +- inf
    ("coeffs 'exp(-1/x^2)' --raw --degree 2 --digits 10", 3),
    # E g'^2 of tanh(1e-150 x) not enclosed: the NTK is nan +- inf
    ("kernel tanh --q1 1e-300 --q2 1e-300 --cov 0", 3),
    ("dual sign --rho 0.5 --ntk --depth 2", 2),
    ("iterate relu --rho 0.9 --depth 3 --ntk", 0),
    ("meanfield tanh --sw2 1.5 --sb2 0.1", 0),
    ("learn sign --degree 2 --depth 4 --dim 5", 0),
    ("depth relu --delta 0.1 --eps 0.01 --n 100 --both", 0),
    ("table relu", 0),
]


def reject(token):
    raise ValueError('non-standard JSON constant %s' % token)


def check(out):
    """None when out is one strict JSON document, else the reason."""
    try:
        json.loads(out, parse_constant=reject)
    except ValueError as e:   # JSONDecodeError is a ValueError
        return str(e)
    return None


def as_json(cmd):
    """the command with --format json, or None when it has no JSON form"""
    cmd = re.split(r'\s(?:\||>|&&)\s|;', cmd)[0].strip()
    words = cmd.split()
    if len(words) < 2 or words[0] != 'dualact' or words[1] not in JSONABLE:
        return None
    if re.search(r'--format[ =]\S+', cmd):
        return re.sub(r'--format[ =]\S+', '--format json', cmd)
    return cmd + ' --format json'


def main():
    src, dualact = sys.argv[1], sys.argv[2]
    pages = ['README.md'] + sorted('docs/' + f for f in os.listdir(os.path.join(src, 'docs'))
                                   if f.endswith('.md') and f != 'reference.md')
    cmds = []
    seen = set()
    for p in pages:
        with open(os.path.join(src, p), encoding='utf-8') as f:
            for line, cmd, _shown, setup in docs_run.commands(f.read()):
                if setup:
                    # the page's files (printf ... > bad.csv), made first
                    cmds.append(('%s:%d' % (p, line), cmd, 'setup'))
                    continue
                j = as_json(cmd)
                if j and j not in seen:
                    seen.add(j)
                    cmds.append(('%s:%d' % (p, line), j, None))
    for args, code in CASES:
        cmds.append(('case', 'dualact ' + args + ' --format json', code))
    scratch = tempfile.mkdtemp(prefix='json-test.')
    bindir = os.path.join(scratch, 'bin')
    os.makedirs(bindir)
    os.symlink(os.path.abspath(dualact), os.path.join(bindir, 'dualact'))
    wd = os.path.join(scratch, 'w')
    os.makedirs(os.path.join(wd, 'docs'))
    os.symlink(os.path.join(os.path.abspath(src), 'docs', 'examples'),
               os.path.join(wd, 'docs', 'examples'))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get('PATH', ''), LC_ALL='C')
    setups = [c for c in cmds if c[2] == 'setup']
    cmds = [c for c in cmds if c[2] != 'setup']
    for _where, cmd, _ in setups:
        subprocess.run(['/bin/sh', '-c', cmd], cwd=wd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=docs_run.TIMEOUT)
    print('1..%d' % (len(cmds) + 1))
    n = 1
    ndoc = sum(1 for c in cmds if c[2] is None)
    print('%s %d - %d documented commands with a JSON form' % ('ok' if ndoc >= 40 else 'not ok', n, ndoc))
    for where, cmd, want in cmds:
        n += 1
        try:
            r = subprocess.run(['/bin/sh', '-c', cmd], cwd=wd, env=env, timeout=docs_run.TIMEOUT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=docs_run._limit_cpu)
        except subprocess.TimeoutExpired:
            print('not ok %d - %s: %s (hung)' % (n, where, cmd))
            continue
        rc = r.returncode
        out = r.stdout.decode('utf-8', 'replace')
        if want is not None and rc != want:
            why = 'exit %d, expected %d' % (rc, want)
        elif rc == 2:
            # a refusal (the pages show some on purpose): no JSON, nothing on stdout
            why = None if (want in (None, 2) and not out) else 'exit 2 with output on stdout'
        elif rc not in (0, 3):
            why = 'exit %d (only 0, 2 and 3 are statuses)' % rc
        else:
            why = check(out)
        if why:
            print('not ok %d - %s: %s: %s' % (n, where, cmd, why))
            for l in (out + r.stderr.decode('utf-8', 'replace')).split('\n')[:8]:
                print('#   ' + l)
        else:
            print('ok %d - %s: %s (exit %d)' % (n, where, cmd, rc))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

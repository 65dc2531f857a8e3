#!/usr/bin/env python3
"""docs_run.py -- every command shown in README.md and docs/*.md runs, and
prints what the page shows (tests/docs.test runs this; TAP output).

    python3 tests/docs_run.py SRCDIR DUALACT
    python3 tests/docs_run.py --write SRCDIR DUALACT   (rewrites the shown
        output of every command listed in STALE with what the tool prints;
        read the diff before committing it, then empty STALE)

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
import signal
import subprocess
import sys
import tempfile

# (page, command prefix) -> reason.  The command is matched by prefix.
SKIP = {
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
]
# substitutions applied to both the shown and the real output: what must vary
MASKS = [
    (re.compile(r'(dualact|libdualact) \d+\.\d+(\.\d+)?\S*'), r'\1 VERSION'),
    (re.compile(r'\b\d+(\.\d+)?(e[-+]?\d+)? ?(s|ms|seconds)\b(?! *\()'), 'TIME'),
]
# Each command may use CPU_LIMIT seconds of CPU time (RLIMIT_CPU in the
# shell that runs it and in each of its processes; scaled by
# DUALACT_TEST_MULTIPLIER), which a loaded machine does not use up; the
# wall-clock limit only catches a command that hangs without computing, so
# it is WALL_FACTOR times longer (a docs example under ASan on a loaded
# machine once took over 120 s of wall-clock time; it needs about 20 s of
# CPU time without sanitizers).
def _multiplier():
    try:
        m = int(os.environ.get('DUALACT_TEST_MULTIPLIER', '') or 0)
    except ValueError:
        m = 0
    if m < 1:
        h = os.environ.get('DUALACT_TEST_HEAVY', '')
        m = 10 if h not in ('', '0') else 1
    return min(m, 1000)


CPU_LIMIT = 120 * _multiplier()
if os.environ.get('DUALACT_SANITIZE', '0') == '1':
    CPU_LIMIT *= 4      # tests/sanitize.sh: ASan + UBSan cost 2-4x the CPU
WALL_FACTOR = 10
TIMEOUT = CPU_LIMIT * WALL_FACTOR


def _limit_cpu():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    want = CPU_LIMIT if hard == resource.RLIM_INFINITY else min(CPU_LIMIT, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (want, hard))


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


def regenerate(shown, real):
    """real output in the shape of shown: whole; or, where the page shows
    some rows of a table, the rows with the same first field (others
    replaced by '...'); or its head and tail around a '...' line.  The
    blank lines that close the shown output stay."""
    trail = 0
    while trail < len(shown) and shown[len(shown) - 1 - trail].strip() == '':
        trail += 1
    body = shown[:len(shown) - trail]
    while real and real[-1].strip() == '':
        real = real[:-1]
    if any(l.strip() == '...' for l in body):
        k = next(i for i, l in enumerate(body) if l.strip() == '...')
        head, tail = k, len(body) - k - 1
        out = real if head + tail >= len(real) else (
            real[:head] + ['...'] + (real[len(real) - tail:] if tail else []))
    else:
        keys = [l.split()[0] if l.split() else '' for l in body]
        out = real
        if len(real) > len(body) + 2 and len(set(keys)) == len(keys):
            kept, gap = [], False
            for l in real:
                f = l.split()[0] if l.split() else ''
                if f in keys:
                    kept.append(l)
                    gap = False
                elif not gap:
                    kept.append('...')
                    gap = True
            out = kept
    return out + [''] * trail


def main():
    write = len(sys.argv) > 1 and sys.argv[1] == '--write'
    if write:
        del sys.argv[1]
    src, dualact = sys.argv[1], sys.argv[2]
    edits = {}
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
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_limit_cpu)
        except subprocess.TimeoutExpired:
            print('not ok %d - %s (hung: no result after %d s of wall-clock time)' % (n, where, TIMEOUT))
            continue
        if r.returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
            print('not ok %d - %s (used up its %d s of CPU time)' % (n, where, CPU_LIMIT))
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
                if write and todo:
                    real_lines = [l.rstrip() for l in real]
                    edits.setdefault(page, []).append((line, cmd, shown, regenerate(shown, real_lines)))
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
    for page, eds in edits.items():
        path = os.path.join(src, page)
        with open(path, encoding='utf-8') as f:
            text = f.read().split('\n')
        for line, cmd, shown, new in sorted(eds, key=lambda e: -e[0]):
            # the command is on page line `line` (1-based); its shown output
            # follows, with the block's indentation
            i = line - 1
            while i < len(text) and not text[i].lstrip().startswith('$ '):
                i += 1
            ind = text[i][:len(text[i]) - len(text[i].lstrip())]
            j = i + 1
            while j < len(text) and text[j].rstrip().endswith('\\') is False and text[i].rstrip().endswith('\\'):
                break
            # continuation lines of the command
            k = i
            while text[k].rstrip().endswith('\\'):
                k += 1
            start = k + 1
            text[start:start + len(shown)] = [ind + l if l else l for l in new]
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(text))
        print('# rewrote %d outputs in %s' % (len(eds), page), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())

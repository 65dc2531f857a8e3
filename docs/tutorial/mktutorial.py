#!/usr/bin/env python3
"""Fill the tutorial template: every @@run line is replaced by the command
and its real output (trimmed by line ranges, gaps marked '...').

    python3 docs/tutorial/mktutorial.py docs/tutorial/tutorial.in.md > docs/tutorial.md

Run it from a built tree (the dualact binary at the top of the tree is put
first on PATH), after any change to what the commands print."""
import os, re, subprocess, sys, shlex

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
env = dict(os.environ)
env['PATH'] = TOP + ':' + env['PATH']
env['LC_ALL'] = 'C'

def keep_lines(lines, spec):
    if not spec:
        return lines
    keep = set()
    def val(t):
        if t.startswith('$'):
            return len(lines) - (int(t[2:]) if len(t) > 1 else 0)
        return int(t)
    for part in spec.split(','):
        m = re.match(r'^(\$(?:-\d+)?|\d+)(?:-(\$(?:-\d+)?|\d+))?$', part)
        a = val(m.group(1))
        b = val(m.group(2)) if m.group(2) else a
        keep.update(range(a, b + 1))
    out, gap = [], False
    for i, l in enumerate(lines, 1):
        if i in keep:
            out.append(l)
            gap = False
        elif not gap:
            out.append('...')
            gap = True
    return out

src = open(sys.argv[1]).read()
out = []
for line in src.split('\n'):
    m = re.match(r'^@@run (.*)$', line)
    if not m:
        out.append(line)
        continue
    args = m.group(1)
    cmd = re.search(r'cmd=\{(.*?)\}', args).group(1)
    km = re.search(r'keep=(\S+)', args)
    cwd = re.search(r'cwd=(\S+)', args)
    cwd = cwd.group(1) if cwd else TOP
    os.makedirs(cwd, exist_ok=True)
    p = subprocess.run(['bash', '-c', cmd + ' 2>&1'], cwd=cwd, env=env,
                       stdout=subprocess.PIPE, text=True)
    lines = p.stdout.rstrip('\n').split('\n') if p.stdout.strip() else []
    lines = keep_lines(lines, km.group(1) if km else None)
    sys.stderr.write('[%d] %s\n' % (p.returncode, cmd))
    out.append('```')
    out.append('$ ' + cmd)
    out.extend(l.rstrip() for l in lines)
    out.append('```')
sys.stdout.write('\n'.join(out))

#!/usr/bin/env python3
"""mkref.py -- the API reference of libdualact, from its header.

    python3 docs/mkref.py lib/dualact.h > docs/reference.md

(`make reference` does this.)  Reads the umbrella header and the per-stage
headers it includes (the lines #include "dualact/NAME.h", read from beside
it, in that order) and writes, in Markdown, every public declaration
(functions, types, enums, macros) with its prototype and the comment that
documents it, grouped by the headers' sections in their order, with a
table of contents.  The umbrella's leading comment is the page's
introduction; a stage header's leading comment (before its first banner)
is not repeated: each section names its header instead.

How the header is read: a section starts at a banner comment (a line of
dashes, the title, a line of dashes).  Within a paragraph (lines without a
blank line between them) a comment documents the declarations that follow
it up to the next comment or blank line; declarations that no comment
precedes form a group of their own; a comment that no declaration follows
is prose of its section.  Comments inside a declaration (struct members,
enumerators) and on the same line after it stay in the prototype.
Standard library only; deterministic output (no dates).
"""
import re
import sys

IDENT = r'[A-Za-z_][A-Za-z0-9_]*'


# ------------------------------------------------------------ tokenizer

def tokenize(text):
    """Items (kind, text, line, para): kind is 'comment', 'pp' or 'decl';
    para numbers the paragraphs (a blank line starts a new one)."""
    items = []
    i, n, line, para = 0, len(text), 1, 0
    skip_depth = 0           # inside #ifdef __cplusplus ... #endif
    cond_stack = []          # for each open #if: True when it is skipped
    at_line_start = True
    while i < n:
        c = text[i]
        if c == '\n':
            # a blank line (only white space since the last newline)?
            j = i + 1
            while j < n and text[j] in ' \t':
                j += 1
            if j < n and text[j] == '\n':
                para += 1
            line += 1
            i += 1
            at_line_start = True
            continue
        if c in ' \t\r':
            i += 1
            continue
        if c == '#' and at_line_start:
            j = i
            while True:
                k = text.find('\n', j)
                if k < 0:
                    k = n
                if k > 0 and text[k - 1] == '\\':
                    j = k + 1
                    continue
                break
            pp = text[i:k]
            word = re.match(r'#\s*(\w+)', pp)
            word = word.group(1) if word else ''
            if word in ('if', 'ifdef', 'ifndef'):
                skipped = 'cplusplus' in pp
                cond_stack.append(skipped)
                if skipped:
                    skip_depth += 1
            elif word == 'endif':
                if cond_stack and cond_stack.pop():
                    skip_depth -= 1
            elif skip_depth == 0:
                items.append(('pp', pp, line, para))
            line += pp.count('\n')
            i = k
            continue
        if skip_depth > 0:
            # C++-only lines (extern "C" { ... }): skip to the end of line
            k = text.find('\n', i)
            i = n if k < 0 else k
            continue
        at_line_start = False
        if text.startswith('/*', i):
            k = text.find('*/', i + 2)
            if k < 0:
                raise SystemExit('mkref: unterminated comment at line %d' % line)
            com = text[i:k + 2]
            if skip_depth == 0:
                items.append(('comment', com, line, para))
            line += com.count('\n')
            i = k + 2
            continue
        if text.startswith('//', i):
            k = text.find('\n', i)
            k = n if k < 0 else k
            if skip_depth == 0:
                items.append(('comment', '/* ' + text[i + 2:k].strip() + ' */', line, para))
            i = k
            continue
        # a declaration: up to ';' outside braces and parentheses, comments
        # inside kept; then a comment on the same line is kept too
        j, depth, start, start_line = i, 0, i, line
        while j < n:
            if text.startswith('/*', j):
                k = text.find('*/', j + 2)
                line += text[j:k + 2].count('\n')
                j = k + 2
                continue
            ch = text[j]
            if ch in '{(':
                depth += 1
            elif ch in '})':
                depth -= 1
            elif ch == '\n':
                line += 1
            elif ch == ';' and depth == 0:
                j += 1
                break
            j += 1
        decl = text[start:j]
        k = j
        while k < n and text[k] in ' \t':
            k += 1
        if text.startswith('/*', k):
            e = text.find('*/', k + 2)
            decl += text[j:e + 2]
            line += text[j:e + 2].count('\n')
            j = e + 2
        if skip_depth == 0:
            items.append(('decl', decl, start_line, para))
        i = j
    return items


# ------------------------------------------------------------ names

def strip_comments(s):
    return re.sub(r'/\*.*?\*/', ' ', s, flags=re.S)


def enumerators(decl):
    """The constants of an enum declaration (typedef'd or not)."""
    code = strip_comments(decl)
    m = re.search(r'\benum\b[^{]*\{(.*)\}', code, flags=re.S)
    names = []
    if m:
        for part in m.group(1).split(','):
            mm = re.match(r'\s*(' + IDENT + ')', part)
            if mm:
                names.append(mm.group(1))
    return names


def decl_names(decl):
    """(kind, [names]) of a declaration or a #define."""
    code = strip_comments(decl).strip()
    if code.startswith('#'):
        m = re.match(r'#\s*define\s+(' + IDENT + ')', code)
        return ('macro', [m.group(1)]) if m else (None, [])
    if code.startswith('typedef'):
        body = re.sub(r'\{.*\}', ' ', code, flags=re.S)
        body = re.sub(r'\[[^\]]*\]', ' ', body)
        m = re.search(r'(' + IDENT + r')\s*;\s*$', body)
        kind = 'enum' if re.match(r'typedef\s+enum\b', code) else 'type'
        return (kind, [m.group(1)]) if m else (None, [])
    if re.match(r'enum\b', code):
        m = re.search(r'\{(.*)\}', code, flags=re.S)
        names = []
        if m:
            for part in m.group(1).split(','):
                mm = re.match(r'\s*(' + IDENT + ')', part)
                if mm:
                    names.append(mm.group(1))
        return ('constants', names)
    m = re.search(r'(' + IDENT + r')\s*\(', code)
    if m:
        return ('function', [m.group(1)])
    m = re.search(r'(' + IDENT + r')\s*(?:\[[^\]]*\])?\s*;\s*$', code)
    return ('variable', [m.group(1)]) if m else (None, [])


# ------------------------------------------------------------ comments

def comment_lines(com):
    body = com.strip()
    assert body.startswith('/*') and body.endswith('*/')
    body = body[2:-2]
    lines = body.split('\n')
    out = []
    for k, l in enumerate(lines):
        if k > 0:
            l = re.sub(r'^\s*\*(?!/) ?', '', l)
        out.append(l.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    if out:
        out[0] = out[0].lstrip()
    return out


def is_banner(com):
    return bool(re.fullmatch(r'/\*\s*-{10,}\s*\*/', com.strip()))


class Linker:
    def __init__(self, known):
        self.known = known

    def inline(self, text):
        """Escape Markdown in running text; identifiers become code, linked
        when they are declared in the header."""
        out, pos = [], 0
        for m in re.finditer(r'\bdocs/([a-z0-9_-]+\.md)\b|\b(?:da|DA)_[A-Za-z0-9_]*\*?(?:\(\))?',
                             text):
            out.append(escape(text[pos:m.start()]))
            tok = m.group(0)
            if m.group(1):
                # a page of the manual, beside this one in docs/
                out.append('[%s](%s)' % (m.group(1), m.group(1)))
                pos = m.end()
                continue
            name = tok.rstrip('()*')
            if name in self.known:
                out.append('[`%s`](#%s)' % (tok, anchor(name)))
            else:
                out.append('`%s`' % tok)
            pos = m.end()
        out.append(escape(text[pos:]))
        return ''.join(out)

    def render(self, lines):
        """Comment lines -> Markdown: paragraphs flow, '- ' and '1. ' items
        become lists, column-aligned lines stay preformatted."""
        blocks, cur = [], []
        for l in lines + ['']:
            if not l.strip():
                if cur:
                    blocks.append(cur)
                cur = []
            else:
                cur.append(l)
        md = []
        for b in blocks:
            if any(re.search(r'\S {3,}\S', l) for l in b[1:]) and len(b) > 1:
                # a lead-in line, then aligned columns
                head = b[0] if not re.search(r'\S {3,}\S', b[0]) else None
                rows = b[1:] if head is not None else b
                if head is not None:
                    md.append(self.inline(head.strip()))
                    md.append('')
                ind = min(len(r) - len(r.lstrip()) for r in rows)
                md.append('```')
                md.extend(r[ind:] for r in rows)
                md.append('```')
                md.append('')
                continue
            items, text = [], None
            for l in b:
                s = l.strip()
                if re.match(r'(-|\d+\.)\s', s):
                    if text is not None:
                        items.append(text)
                    text = s
                elif text is None:
                    text = s
                else:
                    text += ' ' + s
            if text is not None:
                items.append(text)
            for t in items:
                m = re.match(r'(-|\d+\.)\s+(.*)', t)
                if m:
                    if md and md[-1] != '' and not re.match(r'(-|\d+\.) ', md[-1]):
                        md.append('')
                    md.append('%s %s' % (m.group(1), self.inline(m.group(2))))
                else:
                    if md and md[-1] != '' and re.match(r'(-|\d+\.) ', md[-1]):
                        md.append('')
                    md.append(self.inline(t))
            md.append('')
        while md and md[-1] == '':
            md.pop()
        return md


def escape(s):
    s = re.sub(r'([\\`*_\[\]<>|])', r'\\\1', s)
    return s


def anchor(name):
    return name.lower()


def slug(title):
    s = re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')
    return 'sec-' + s


# ------------------------------------------------------------ structure

def parse(text):
    items = tokenize(text)
    intro, sections = [], []
    k = 0
    sec = None
    while k < len(items):
        kind, body, line, para = items[k]
        if kind == 'comment' and is_banner(body):
            # banner: titles up to the closing dash line
            titles, k = [], k + 1
            while k < len(items) and not (items[k][0] == 'comment' and is_banner(items[k][1])):
                titles.append(' '.join(l.strip() for l in comment_lines(items[k][1])))
                k += 1
            k += 1
            sec = {'title': ' '.join(t for t in titles if t).strip(), 'entries': []}
            sections.append(sec)
            continue
        if kind == 'pp' and not re.match(r'#\s*define\s', body):
            k += 1       # #include, guards
            continue
        if kind == 'pp' and re.match(r'#\s*define\s+DUALACT(_[A-Z0-9]+)?_H\b', body):
            k += 1
            continue
        # a group: an optional comment, then declarations of the same paragraph
        doc = None
        if kind == 'comment':
            nxt = items[k + 1] if k + 1 < len(items) else None
            if nxt is None or nxt[3] != para or not is_decl(nxt):
                target = sec['entries'] if sec else intro
                target.append({'prose': comment_lines(body)})
                k += 1
                continue
            doc = comment_lines(body)
            k += 1
        decls = []
        while k < len(items):
            kk, b, ln, p = items[k]
            if p != para or not is_decl(items[k]):
                break
            decls.append((b, ln))
            k += 1
        if not decls:
            continue
        entry = {'doc': doc, 'decls': []}
        for b, ln in decls:
            kindd, names = decl_names(b)
            extra = enumerators(b) if kindd == 'enum' else []
            entry['decls'].append({'text': dedent_decl(b), 'kind': kindd,
                                   'names': names, 'extra': extra, 'line': ln})
        if sec is None:
            raise SystemExit('mkref: declaration before the first section (line %d)' % decls[0][1])
        sec['entries'].append(entry)
    return intro, sections


def is_decl(item):
    """A declaration or a public #define (not the include guard)."""
    kind, body = item[0], item[1]
    if kind == 'decl':
        return True
    return kind == 'pp' and bool(re.match(r'#\s*define\s', body)) and \
        not re.match(r'#\s*define\s+DUALACT(_[A-Z0-9]+)?_H\b', body)


def dedent_decl(s):
    lines = s.rstrip().split('\n')
    return '\n'.join(l.rstrip() for l in lines)


KIND_WORD = {'function': 'function', 'type': 'type', 'enum': 'enum type',
             'constants': 'constants', 'macro': 'macro', 'variable': 'variable'}


def entry_names(e, extra=False):
    return [nm for d in e['decls'] for nm in d['names'] + (d['extra'] if extra else [])]


def entry_title(e):
    parts = []
    for d in e['decls']:
        if d['kind'] == 'constants' and len(d['names']) > 4:
            parts.append('%s … %s' % (d['names'][0], d['names'][-1]))
        else:
            parts.extend(d['names'])
    return ', '.join(parts)


def render(src_name, intro, sections):
    """sections carry 'src' (the header path shown) and 'include' (the
    name a program includes, e.g. dualact/act.h)."""
    known = set()
    for s in sections:
        for e in s['entries']:
            if 'decls' in e:
                known.update(entry_names(e, extra=True))
    lk = Linker(known)
    out = []
    w = out.append
    w('# libdualact API reference')
    w('')
    w('Generated from `%s` and the per-stage headers it includes by '
      '`docs/mkref.py` (`make reference`); do not edit by hand. Every public '
      'declaration of the installed headers, in their order: the prototype, '
      'then the comment that documents it. A comment that precedes several '
      'declarations documents them together. `#include <dualact.h>` gives '
      'everything; each section names the stage header that declares it, '
      'which may also be included alone. The conventions (status codes, '
      'argument order, ownership, precision, balls, normalization) are '
      'explained in the [user guide](manual.md), section 7; the commands of '
      'the `dualact` tool are thin layers over these functions.' % src_name)
    w('')
    for p in intro:
        w('> ' + '\n> '.join(l if l else '' for l in lk.render(p['prose'])))
        w('')
    nfun = sum(1 for s in sections for e in s['entries'] if 'decls' in e
               for d in e['decls'] if d['kind'] == 'function')
    w('%d functions in %d sections.' % (nfun, len(sections)))
    w('')
    w('## Contents')
    w('')
    for i, s in enumerate(sections, 1):
        names = []
        for e in s['entries']:
            if 'decls' in e:
                for d in e['decls']:
                    for nm in (d['names'] if d['kind'] != 'constants' else d['names'][:1]):
                        names.append('[`%s`](#%s)' % (nm, anchor(nm)))
        w('- [%s](#%s)  ' % (s['title'], slug(s['title'])))
        w('  ' + ' · '.join(names))
    w('')
    for i, s in enumerate(sections, 1):
        w('<a id="%s"></a>' % slug(s['title']))
        w('')
        w('## ' + s['title'])
        w('')
        w('Header: `<%s>`.' % s['include'])
        w('')
        for e in s['entries']:
            if 'prose' in e:
                w('\n'.join(lk.render(e['prose'])))
                w('')
                continue
            for nm in entry_names(e, extra=True):
                w('<a id="%s"></a>' % anchor(nm))
            kinds = []
            for d in e['decls']:
                kw = KIND_WORD.get(d['kind'], 'declaration')
                if kw not in kinds:
                    kinds.append(kw)
            w('### ' + ', '.join('`%s`' % t for t in entry_title(e).split(', ')))
            w('')
            w('```c')
            for d in e['decls']:
                w(d['text'])
            w('```')
            w('')
            if e['doc']:
                w('\n'.join(lk.render(e['doc'])))
                w('')
            w('<sub>%s · %s line %s</sub>' % (', '.join(kinds), s['src'],
                                             ', '.join(str(d['line']) for d in e['decls'][:1])))
            w('')
    return '\n'.join(out).rstrip('\n') + '\n'


def main(argv):
    if len(argv) != 2 or argv[1] in ('-h', '--help'):
        sys.stderr.write('usage: mkref.py HEADER > reference.md\n')
        return 2
    path = argv[1].replace('\\', '/')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    name = 'lib/' + path.split('/')[-1]
    intro, sections = parse(text)
    for sec in sections:
        sec['src'], sec['include'] = name, name[len('lib/'):]
    base = path.rsplit('/', 1)[0] if '/' in path else '.'
    for inc in re.findall(r'^#\s*include\s+"(dualact/[a-z0-9_]+\.h)"', text, flags=re.M):
        try:
            with open(base + '/' + inc, encoding='utf-8') as f:
                sub = f.read()
        except OSError as e:
            sys.stderr.write('mkref: %s includes %s: %s\n' % (path, inc, e))
            return 1
        _, subsecs = parse(sub)
        if not subsecs:
            sys.stderr.write('mkref: no sections found in %s\n' % inc)
            return 1
        for sec in subsecs:
            sec['src'], sec['include'] = 'lib/' + inc, inc
        sections.extend(subsecs)
    if not sections:
        sys.stderr.write('mkref: no sections found in %s\n' % path)
        return 1
    sys.stdout.write(render(name, intro, sections))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

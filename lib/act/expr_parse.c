/* expr_parse.c -- the expression grammar (docs/manual.md "Expressions").
 *
 * Recursive descent, lowest precedence first:
 *
 *   cond    := or [ '?' cond ':' cond ]            right-associative
 *   or      := and { '||' and }
 *   and     := eq { '&&' eq }
 *   eq      := rel { ('==' | '!=') rel }
 *   rel     := add { ('<' | '<=' | '>' | '>=') add }
 *   add     := mul { ('+' | '-') mul }
 *   mul     := unary { ('*' | '/') unary }
 *   unary   := ('-' | '+' | '!') unary | power
 *   power   := primary [ ('^' | '**') unary ]      right-associative
 *   primary := number | 'x' | 'pi' | 'e' | '(' cond ')'
 *            | name '(' cond { ',' cond } ')'
 *
 * so -x^2 = -(x^2), 2^-x = 2^(-x), 2^3^2 = 2^9.  A minus sign written
 * directly before a number literal that is not raised to a power is folded
 * into the literal ("-2" is the number -2, "-(2)" is the negation of 2);
 * the printer relies on this to give back the same tree.
 *
 * Names that are not built-in functions are looked up in the catalogue
 * (da_catalog_expr) and expanded with their argument substituted for x.
 *
 * Limits: 65536 characters, 200 levels of syntactic nesting (parentheses,
 * calls, prefix operators, exponents, conditionals), and, so that every
 * recursive pass over the tree stays shallow and small, a tree depth of
 * 1000 and 200000 nodes after catalogue expansion. */
#include "core/core.h"
#include "act/expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEN 65536
#define MAX_NEST 200
#define MAX_TREE_DEPTH 1000
#define MAX_TREE_SIZE 200000.0
#define MAX_EXP10 10000
#define MAX_CATALOG_NEST 8
#define MAX_IDENT 64

typedef enum {
    T_END, T_NUM, T_ID, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_POW,
    T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, T_AND, T_OR, T_NOT,
    T_QUEST, T_COLON, T_LP, T_RP, T_COMMA, T_BAD
} tok_kind;

typedef struct {
    tok_kind kind;
    size_t pos;   /* offset of the first character */
    size_t len;
} token;

typedef struct {
    const char *src;
    size_t pos;       /* scan position */
    token tok;        /* current token (starts at or after pos) */
    int nest;         /* syntactic nesting */
    int catalog_nest; /* catalogue expansions in progress */
    int failed;       /* 0, or the status of the first failure */
} parser;

/* Shape of a subtree: depth and node count with multiplicity. */
typedef struct {
    int depth;
    double size;
} shape;

/* ---- errors ------------------------------------------------------- */

static da_expr *fail_at(parser *p, size_t pos, const char *msg)
{
    if (!p->failed) {
        p->failed = DA_EPARSE;
        da_fail_col(DA_EPARSE, (int)pos + 1, "%s", msg);
    }
    return NULL;
}

static da_expr *fail_nomem(parser *p)
{
    if (!p->failed) {
        p->failed = DA_ENOMEM;
        da_fail(DA_ENOMEM, "out of memory while parsing");
    }
    return NULL;
}

/* ---- lexer -------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
        || c == '\v';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static token lex_at(const char *s, size_t pos)
{
    token t;
    while (is_space(s[pos]))
        pos++;
    t.pos = pos;
    t.len = 1;
    char c = s[pos], d = c ? s[pos + 1] : '\0';
    if (c == '\0') {
        t.kind = T_END;
        t.len = 0;
        return t;
    }
    if (is_digit(c) || (c == '.' && is_digit(d))) {
        size_t i = pos;
        while (is_digit(s[i]))
            i++;
        if (s[i] == '.') {
            i++;
            while (is_digit(s[i]))
                i++;
        }
        if (s[i] == 'e' || s[i] == 'E') {
            size_t j = i + 1;
            if (s[j] == '+' || s[j] == '-')
                j++;
            if (is_digit(s[j])) {
                while (is_digit(s[j]))
                    j++;
                i = j;
            }
        }
        t.kind = T_NUM;
        t.len = i - pos;
        return t;
    }
    if (is_alpha(c)) {
        size_t i = pos;
        while (is_alpha(s[i]) || is_digit(s[i]))
            i++;
        t.kind = T_ID;
        t.len = i - pos;
        return t;
    }
    switch (c) {
    case '+': t.kind = T_PLUS; break;
    case '-': t.kind = T_MINUS; break;
    case '*':
        if (d == '*') { t.kind = T_POW; t.len = 2; }
        else t.kind = T_STAR;
        break;
    case '/': t.kind = T_SLASH; break;
    case '^': t.kind = T_POW; break;
    case '<':
        if (d == '=') { t.kind = T_LE; t.len = 2; } else t.kind = T_LT;
        break;
    case '>':
        if (d == '=') { t.kind = T_GE; t.len = 2; } else t.kind = T_GT;
        break;
    case '=':
        if (d == '=') { t.kind = T_EQ; t.len = 2; } else t.kind = T_BAD;
        break;
    case '!':
        if (d == '=') { t.kind = T_NE; t.len = 2; } else t.kind = T_NOT;
        break;
    case '&':
        if (d == '&') { t.kind = T_AND; t.len = 2; } else t.kind = T_BAD;
        break;
    case '|':
        if (d == '|') { t.kind = T_OR; t.len = 2; } else t.kind = T_BAD;
        break;
    case '?': t.kind = T_QUEST; break;
    case ':': t.kind = T_COLON; break;
    case '(': t.kind = T_LP; break;
    case ')': t.kind = T_RP; break;
    case ',': t.kind = T_COMMA; break;
    default: t.kind = T_BAD; break;
    }
    return t;
}

static void advance(parser *p)
{
    p->pos = p->tok.pos + p->tok.len;
    p->tok = lex_at(p->src, p->pos);
}

/* "unexpected ..." for the current token. */
static da_expr *fail_unexpected(parser *p)
{
    char msg[96];
    token t = p->tok;
    unsigned char c = (unsigned char)p->src[t.pos];
    if (t.kind == T_END)
        return fail_at(p, t.pos, "unexpected end of input");
    if (t.kind == T_BAD) {
        if (c >= 0x20 && c < 0x7f)
            snprintf(msg, sizeof msg, "unexpected character '%c'", c);
        else
            snprintf(msg, sizeof msg, "unexpected character '\\x%02x'", c);
        return fail_at(p, t.pos, msg);
    }
    int n = t.len > 32 ? 32 : (int)t.len;
    snprintf(msg, sizeof msg, "unexpected '%.*s%s'", n, p->src + t.pos,
             t.len > 32 ? "..." : "");
    return fail_at(p, t.pos, msg);
}

/* ---- tree helpers --------------------------------------------------- */

static da_expr *check_shape(parser *p, da_expr *e, shape *sh, size_t pos)
{
    if (!e)
        return NULL;
    if (sh->depth > MAX_TREE_DEPTH) {
        da_expr_unref(e);
        return fail_at(p, pos, "expression nested too deeply (at most 1000 levels of operators: a sum of about 1000 terms)");
    }
    if (sh->size > MAX_TREE_SIZE) {
        da_expr_unref(e);
        return fail_at(p, pos, "expression too long (at most 200000 nodes with the names expanded)");
    }
    return e;
}

static da_expr *mk(parser *p, da_op op, da_fn fn, int n, da_expr **a,
                   shape *sa, shape *out, size_t pos)
{
    out->depth = 0;
    out->size = 1;
    for (int i = 0; i < n; i++) {
        if (sa[i].depth > out->depth)
            out->depth = sa[i].depth;
        out->size += sa[i].size;
    }
    out->depth++;
    da_expr *e = da_expr_node(op, fn, n, n > 0 ? a[0] : NULL,
                              n > 1 ? a[1] : NULL, n > 2 ? a[2] : NULL);
    if (!e)
        return fail_nomem(p);
    return check_shape(p, e, out, pos);
}

static da_expr *mk2(parser *p, da_op op, da_expr *l, shape *sl, da_expr *r,
                    shape *sr, shape *out, size_t pos)
{
    da_expr *a[2] = {l, r};
    shape s[2] = {*sl, *sr};
    return mk(p, op, DA_F_COUNT, 2, a, s, out, pos);
}

static da_expr *mk1(parser *p, da_op op, da_fn fn, da_expr *l, shape *sl,
                    shape *out, size_t pos)
{
    return mk(p, op, fn, 1, &l, sl, out, pos);
}

static da_expr *leaf(parser *p, da_op op, shape *out)
{
    out->depth = 1;
    out->size = 1;
    da_expr *e = da_expr_node(op, DA_F_COUNT, 0, NULL, NULL, NULL);
    return e ? e : fail_nomem(p);
}

static int enter(parser *p, size_t pos)
{
    if (++p->nest > MAX_NEST) {
        fail_at(p, pos, "expression nested too deeply (at most 200 nested parentheses, calls and signs)");
        return 0;
    }
    return 1;
}

static void leave(parser *p) { p->nest--; }

/* ---- numbers ---------------------------------------------------------- */

/* The literal at the current token, negated when neg. */
static da_expr *number(parser *p, int neg, shape *out)
{
    token t = p->tok;
    const char *s = p->src + t.pos;
    /* decimal exponent as written */
    size_t i = 0;
    while (i < t.len && s[i] != 'e' && s[i] != 'E')
        i++;
    if (i < t.len) {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        long ex = 0;
        for (; j < t.len; j++) {
            ex = ex * 10 + (s[j] - '0');
            if (ex > MAX_EXP10)
                return fail_at(p, t.pos, "number out of range");
        }
    }
    char *buf = da_malloc(t.len + 2);
    if (!buf)
        return fail_nomem(p);
    size_t k = 0;
    if (neg)
        buf[k++] = '-';
    memcpy(buf + k, s, t.len);
    buf[k + t.len] = '\0';
    da_expr *e = da_expr_num(buf);
    free(buf);
    if (!e)
        return fail_nomem(p);
    if (isinf(e->val)) {
        da_expr_unref(e);
        return fail_at(p, t.pos, "number out of range");
    }
    out->depth = 1;
    out->size = 1;
    advance(p);
    return e;
}

/* ---- grammar ------------------------------------------------------------ */

static da_expr *p_cond(parser *p, shape *out);
static da_expr *p_unary(parser *p, shape *out);

static int lookup_fn(const char *s, size_t len, da_fn *f)
{
    for (int i = 0; i < DA_F_COUNT; i++) {
        const char *n = da_fn_name((da_fn)i);
        if (strlen(n) == len && memcmp(n, s, len) == 0) {
            *f = (da_fn)i;
            return 1;
        }
    }
    return 0;
}

/* depth of e with every x replaced by a tree of depth dx */
static int depth_with_x(const da_expr *e, int dx)
{
    if (e->op == DA_E_X)
        return dx;
    int d = 0;
    for (int i = 0; i < e->nargs; i++) {
        int di = depth_with_x(e->a[i], dx);
        if (di > d)
            d = di;
    }
    return d + 1;
}

/* size of e with every x replaced by a tree of size sx */
static double size_with_x(const da_expr *e, double sx)
{
    if (e->op == DA_E_X)
        return sx;
    double s = 1;
    for (int i = 0; i < e->nargs; i++)
        s += size_with_x(e->a[i], sx);
    return s;
}

static int parse_text(parser *outer, da_expr **out, const char *src);

/* Expand catalogue entry `name` applied to arg. */
static da_expr *expand(parser *p, const char *name, const char *text,
                       da_expr *arg, shape *sarg, shape *out, size_t pos)
{
    char msg[128];
    if (p->catalog_nest >= MAX_CATALOG_NEST) {
        da_expr_unref(arg);
        snprintf(msg, sizeof msg, "catalogue entry '%s' expands too deeply",
                 name);
        return fail_at(p, pos, msg);
    }
    da_expr *body = NULL;
    p->catalog_nest++;
    int rc = parse_text(p, &body, text);
    p->catalog_nest--;
    if (rc != DA_OK) {
        da_expr_unref(arg);
        if (rc == DA_ENOMEM)
            return fail_nomem(p);
        snprintf(msg, sizeof msg, "bad catalogue formula for '%s'", name);
        return fail_at(p, pos, msg);
    }
    out->depth = depth_with_x(body, sarg->depth);
    out->size = size_with_x(body, sarg->size);
    if (out->depth > MAX_TREE_DEPTH || out->size > MAX_TREE_SIZE) {
        da_expr_unref(body);
        da_expr_unref(arg);
        return fail_at(p, pos, out->depth > MAX_TREE_DEPTH
                                   ? "expression nested too deeply (at most 1000 levels of operators: a sum of about 1000 terms)"
                                   : "expression too long (at most 200000 nodes with the names expanded)");
    }
    da_expr *e = da_expr_subst(body, arg);
    da_expr_unref(body);
    da_expr_unref(arg);
    return e ? e : fail_nomem(p);
}

/* name '(' args ')' ; the current token is the '(' */
static da_expr *call(parser *p, token name, shape *out)
{
    const char *s = p->src + name.pos;
    char id[MAX_IDENT + 1], msg[160];
    int shown = name.len > 40 ? 40 : (int)name.len;
    da_fn fn = DA_F_COUNT;
    const char *text = NULL;
    int builtin = lookup_fn(s, name.len, &fn);
    if (!builtin) {
        if (name.len <= MAX_IDENT) {
            memcpy(id, s, name.len);
            id[name.len] = '\0';
            text = da_catalog_expr(id);
        }
        if (!text) {
            snprintf(msg, sizeof msg, "unknown function '%.*s%s'", shown, s,
                     name.len > 40 ? "..." : "");
            return fail_at(p, name.pos, msg);
        }
    }
    int arity = builtin ? da_fn_arity(fn) : 1;
    if (!enter(p, p->tok.pos))
        return NULL;
    advance(p); /* '(' */
    da_expr *a[3] = {NULL, NULL, NULL};
    shape sa[3];
    int n = 0;
    if (p->tok.kind != T_RP) {
        for (;;) {
            shape sh;
            da_expr *e = p_cond(p, &sh);
            if (!e)
                goto fail;
            if (n < 3) {
                a[n] = e;
                sa[n] = sh;
            } else {
                da_expr_unref(e);
            }
            n++;
            if (p->tok.kind == T_COMMA) {
                advance(p);
                continue;
            }
            if (p->tok.kind != T_RP) {
                if (p->tok.kind == T_BAD)
                    fail_unexpected(p);
                else
                    fail_at(p, p->tok.pos, "expected ')'");
                goto fail;
            }
            break;
        }
    }
    if (n != arity) {
        snprintf(msg, sizeof msg, "'%.*s' takes %d argument%s", shown, s,
                 arity, arity == 1 ? "" : "s");
        fail_at(p, name.pos, msg);
        goto fail;
    }
    advance(p); /* ')' */
    leave(p);
    if (builtin)
        return mk(p, DA_E_FN, fn, n, a, sa, out, name.pos);
    return expand(p, id, text, a[0], &sa[0], out, name.pos);
fail:
    for (int i = 0; i < 3; i++)
        da_expr_unref(a[i]);
    return NULL;
}

static da_expr *p_primary(parser *p, shape *out)
{
    token t = p->tok;
    char msg[128];
    switch (t.kind) {
    case T_NUM:
        return number(p, 0, out);
    case T_LP: {
        if (!enter(p, t.pos))
            return NULL;
        advance(p);
        da_expr *e = p_cond(p, out);
        if (!e)
            return NULL;
        if (p->tok.kind != T_RP) {
            da_expr_unref(e);
            if (p->tok.kind == T_BAD)
                return fail_unexpected(p);
            return fail_at(p, p->tok.pos, "expected ')'");
        }
        advance(p);
        leave(p);
        return e;
    }
    case T_ID: {
        const char *s = p->src + t.pos;
        advance(p);
        if (p->tok.kind == T_LP)
            return call(p, t, out);
        if (t.len == 1 && s[0] == 'x')
            return leaf(p, DA_E_X, out);
        if (t.len == 1 && s[0] == 'e')
            return leaf(p, DA_E_E, out);
        if (t.len == 2 && s[0] == 'p' && s[1] == 'i')
            return leaf(p, DA_E_PI, out);
        int shown = t.len > 40 ? 40 : (int)t.len;
        const char *dots = t.len > 40 ? "..." : "";
        da_fn fn;
        char id[MAX_IDENT + 1];
        int is_fn = lookup_fn(s, t.len, &fn);
        if (!is_fn && t.len <= MAX_IDENT) {
            memcpy(id, s, t.len);
            id[t.len] = '\0';
            is_fn = da_catalog_expr(id) != NULL;
        }
        if (is_fn)
            snprintf(msg, sizeof msg, "expected '(' after '%.*s'", shown, s);
        else
            snprintf(msg, sizeof msg, "unknown variable '%.*s%s'", shown, s,
                     dots);
        return fail_at(p, is_fn ? p->tok.pos : t.pos, msg);
    }
    default:
        return fail_unexpected(p);
    }
}

static da_expr *p_power(parser *p, shape *out)
{
    shape sb, se;
    da_expr *b = p_primary(p, &sb);
    if (!b)
        return NULL;
    if (p->tok.kind != T_POW) {
        *out = sb;
        return b;
    }
    size_t pos = p->tok.pos;
    if (!enter(p, pos)) {
        da_expr_unref(b);
        return NULL;
    }
    advance(p);
    da_expr *x = p_unary(p, &se);
    if (!x) {
        da_expr_unref(b);
        return NULL;
    }
    leave(p);
    return mk2(p, DA_E_POW, b, &sb, x, &se, out, pos);
}

static da_expr *p_unary(parser *p, shape *out)
{
    token t = p->tok;
    if (t.kind != T_MINUS && t.kind != T_PLUS && t.kind != T_NOT)
        return p_power(p, out);
    if (!enter(p, t.pos))
        return NULL;
    advance(p);
    if (t.kind == T_MINUS && p->tok.kind == T_NUM) {
        /* fold "-2" into a literal unless it is "-2^..." */
        token after = lex_at(p->src, p->tok.pos + p->tok.len);
        if (after.kind != T_POW) {
            leave(p);
            return number(p, 1, out);
        }
    }
    shape sa;
    da_expr *a = p_unary(p, &sa);
    if (!a)
        return NULL;
    leave(p);
    if (t.kind == T_PLUS) {
        *out = sa;
        return a;
    }
    return mk1(p, t.kind == T_MINUS ? DA_E_NEG : DA_E_NOT, DA_F_COUNT, a, &sa,
               out, t.pos);
}

typedef struct {
    tok_kind tok;
    da_op op;
} binop;

/* One left-associative level: operands parsed by sub, operators from ops. */
static da_expr *p_left(parser *p, shape *out,
                       da_expr *(*sub)(parser *, shape *),
                       const binop *ops, int nops)
{
    shape sl;
    da_expr *l = sub(p, &sl);
    if (!l)
        return NULL;
    for (;;) {
        int k = -1;
        for (int i = 0; i < nops; i++)
            if (p->tok.kind == ops[i].tok)
                k = i;
        if (k < 0)
            break;
        size_t pos = p->tok.pos;
        advance(p);
        shape sr;
        da_expr *r = sub(p, &sr);
        if (!r) {
            da_expr_unref(l);
            return NULL;
        }
        l = mk2(p, ops[k].op, l, &sl, r, &sr, &sl, pos);
        if (!l)
            return NULL;
    }
    *out = sl;
    return l;
}

static da_expr *p_mul(parser *p, shape *out)
{
    static const binop ops[] = {{T_STAR, DA_E_MUL}, {T_SLASH, DA_E_DIV}};
    return p_left(p, out, p_unary, ops, 2);
}

static da_expr *p_add(parser *p, shape *out)
{
    static const binop ops[] = {{T_PLUS, DA_E_ADD}, {T_MINUS, DA_E_SUB}};
    return p_left(p, out, p_mul, ops, 2);
}

static da_expr *p_rel(parser *p, shape *out)
{
    static const binop ops[] = {{T_LT, DA_E_LT}, {T_LE, DA_E_LE},
                                {T_GT, DA_E_GT}, {T_GE, DA_E_GE}};
    return p_left(p, out, p_add, ops, 4);
}

static da_expr *p_eq(parser *p, shape *out)
{
    static const binop ops[] = {{T_EQ, DA_E_EQ}, {T_NE, DA_E_NE}};
    return p_left(p, out, p_rel, ops, 2);
}

static da_expr *p_and(parser *p, shape *out)
{
    static const binop ops[] = {{T_AND, DA_E_AND}};
    return p_left(p, out, p_eq, ops, 1);
}

static da_expr *p_or(parser *p, shape *out)
{
    static const binop ops[] = {{T_OR, DA_E_OR}};
    return p_left(p, out, p_and, ops, 1);
}

static da_expr *p_cond(parser *p, shape *out)
{
    shape sc, sa, sb;
    da_expr *c = p_or(p, &sc);
    if (!c)
        return NULL;
    if (p->tok.kind != T_QUEST) {
        *out = sc;
        return c;
    }
    size_t pos = p->tok.pos;
    if (!enter(p, pos)) {
        da_expr_unref(c);
        return NULL;
    }
    advance(p);
    da_expr *a = p_cond(p, &sa);
    if (!a) {
        da_expr_unref(c);
        return NULL;
    }
    if (p->tok.kind != T_COLON) {
        da_expr_unref(c);
        da_expr_unref(a);
        if (p->tok.kind == T_BAD)
            return fail_unexpected(p);
        return fail_at(p, p->tok.pos, "expected ':'");
    }
    advance(p);
    da_expr *b = p_cond(p, &sb);
    if (!b) {
        da_expr_unref(c);
        da_expr_unref(a);
        return NULL;
    }
    leave(p);
    da_expr *args[3] = {c, a, b};
    shape s[3] = {sc, sa, sb};
    return mk(p, DA_E_COND, DA_F_COUNT, 3, args, s, out, pos);
}

/* ---- entry points ---------------------------------------------------------- */

static int parse_text(parser *outer, da_expr **out, const char *src)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.src = src;
    p.catalog_nest = outer ? outer->catalog_nest : 0;
    *out = NULL;
    size_t n = 0;
    while (n <= MAX_LEN && src[n])
        n++;
    if (n > MAX_LEN)
        return da_fail_col(DA_EPARSE, MAX_LEN + 1, "expression too long (at most 65536 characters)");
    p.tok = lex_at(src, 0);
    if (p.tok.kind == T_END)
        return da_fail_col(DA_EPARSE, (int)p.tok.pos + 1, "empty expression");
    shape sh;
    da_expr *e = p_cond(&p, &sh);
    if (e && p.tok.kind != T_END) {
        da_expr_unref(e);
        e = NULL;
        if (p.tok.kind == T_RP)
            fail_at(&p, p.tok.pos, "unexpected ')'");
        else
            fail_unexpected(&p);
    }
    if (!e) /* every failure went through fail_at or fail_nomem */
        return p.failed ? p.failed : DA_EPARSE;
    *out = e;
    return DA_OK;
}

int da_expr_parse(da_expr **out, const char *src)
{
    if (!out)
        return da_fail(DA_EINVAL, "da_expr_parse: no output");
    *out = NULL;
    if (!src)
        return da_fail(DA_EINVAL, "da_expr_parse: no input");
    return parse_text(NULL, out, src);
}

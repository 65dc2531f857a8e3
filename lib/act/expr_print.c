/* expr_print.c -- canonical text and LaTeX of an expression tree.
 *
 * The canonical text uses the fewest parentheses that keep the tree:
 * every operand is printed at the precedence level its position in the
 * grammar of expr_parse.c requires, and wrapped in parentheses only when
 * its own level is lower.  One extra rule keeps the parser's literal
 * folding honest: the negation of a non-negative number is printed "-(2)"
 * (a bare "-2" is the literal -2).  For readability, a negative operand on
 * the right of + - * / or under a minus sign is parenthesised ("x-(-2)",
 * "-(-x)").  Numbers are printed with their exact text. */
#include "core/core.h"
#include "act/expr.h"
#include "act/expr_fn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing string -------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int err;
} buf;

static void put_n(buf *b, const char *s, size_t n)
{
    if (b->err)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *t = da_realloc(b->s, cap);
        if (!t) {
            b->err = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void put(buf *b, const char *s) { put_n(b, s, strlen(s)); }

static char *finish(buf *b)
{
    if (!b->err && !b->s)
        put(b, "");
    if (b->err) {
        free(b->s);
        return NULL;
    }
    return b->s;
}

/* ---- precedence ------------------------------------------------------ */

enum {
    L_COND, L_OR, L_AND, L_EQ, L_REL, L_ADD, L_MUL, L_UNARY, L_POW, L_PRIM
};

static int level(const da_expr *e)
{
    switch (e->op) {
    case DA_E_NUM: return e->num[0] == '-' ? L_UNARY : L_PRIM;
    case DA_E_NEG: case DA_E_NOT: return L_UNARY;
    case DA_E_POW: return L_POW;
    case DA_E_ADD: case DA_E_SUB: return L_ADD;
    case DA_E_MUL: case DA_E_DIV: return L_MUL;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: return L_REL;
    case DA_E_EQ: case DA_E_NE: return L_EQ;
    case DA_E_AND: return L_AND;
    case DA_E_OR: return L_OR;
    case DA_E_COND: return L_COND;
    default: return L_PRIM;
    }
}

static const char *binop_text(da_op op)
{
    switch (op) {
    case DA_E_ADD: return "+";
    case DA_E_SUB: return "-";
    case DA_E_MUL: return "*";
    case DA_E_DIV: return "/";
    case DA_E_POW: return "^";
    case DA_E_LT: return "<";
    case DA_E_LE: return "<=";
    case DA_E_GT: return ">";
    case DA_E_GE: return ">=";
    case DA_E_EQ: return "==";
    case DA_E_NE: return "!=";
    case DA_E_AND: return " && ";
    case DA_E_OR: return " || ";
    default: return "?";
    }
}

static int is_arith(da_op op)
{
    return op == DA_E_ADD || op == DA_E_SUB || op == DA_E_MUL
        || op == DA_E_DIV;
}

/* ---- canonical text ----------------------------------------------------- */

static void str_rec(buf *b, const da_expr *e);

static void str_at(buf *b, const da_expr *e, int min)
{
    if (level(e) < min) {
        put(b, "(");
        str_rec(b, e);
        put(b, ")");
    } else {
        str_rec(b, e);
    }
}

static void str_rec(buf *b, const da_expr *e)
{
    if (b->err)
        return;
    switch (e->op) {
    case DA_E_NUM:
        put(b, e->num);
        return;
    case DA_E_X:
        put(b, "x");
        return;
    case DA_E_PI:
        put(b, "pi");
        return;
    case DA_E_E:
        put(b, "e");
        return;
    case DA_E_NEG:
    case DA_E_NOT:
        put(b, e->op == DA_E_NEG ? "-" : "!");
        if (e->op == DA_E_NEG && e->a[0]->op == DA_E_NUM
            && e->a[0]->num[0] != '-') {
            put(b, "(");
            put(b, e->a[0]->num);
            put(b, ")");
        } else {
            /* "-(-x)" rather than "--x" */
            str_at(b, e->a[0], level(e->a[0]) == L_UNARY ? L_UNARY + 1
                                                         : L_UNARY);
        }
        return;
    case DA_E_POW:
        str_at(b, e->a[0], L_PRIM);
        put(b, "^");
        str_at(b, e->a[1], L_UNARY);
        return;
    case DA_E_COND:
        str_at(b, e->a[0], L_OR);
        put(b, " ? ");
        str_at(b, e->a[1], L_COND);
        put(b, " : ");
        str_at(b, e->a[2], L_COND);
        return;
    case DA_E_FN:
        put(b, da_fn_name(e->fn));
        put(b, "(");
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                put(b, ", ");
            str_at(b, e->a[i], L_COND);
        }
        put(b, ")");
        return;
    default: {
        /* left-associative binary operators */
        int l = level(e);
        str_at(b, e->a[0], l);
        put(b, binop_text(e->op));
        int rmin = l + 1;
        if (is_arith(e->op) && level(e->a[1]) == L_UNARY)
            rmin = L_UNARY + 1;
        str_at(b, e->a[1], rmin);
        return;
    }
    }
}

char *da_expr_str(const da_expr *e)
{
    if (!e)
        return NULL;
    buf b = {0};
    str_rec(&b, e);
    return finish(&b);
}

/* ---- LaTeX ----------------------------------------------------------------- */

/* Levels as in the text, except that \frac and e^{} are atoms that only
 * need parentheses as the base of a power, and comparisons, conditionals
 * and bracketed forms are atoms. */
static int tex_level(const da_expr *e, int logic)
{
    switch (e->op) {
    case DA_E_NUM:
        if (e->num[0] == '-')
            return L_UNARY;
        if (strchr(e->num, 'e') || strchr(e->num, 'E'))
            return L_MUL;
        return L_PRIM;
    case DA_E_DIV:
        return L_POW;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE:
    case DA_E_EQ: case DA_E_NE: case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        return logic ? level(e) : L_PRIM;
    case DA_E_COND:
        return L_PRIM;
    case DA_E_FN:
        if (e->fn == DA_F_EXPM1)
            return L_ADD;
        if (e->fn == DA_F_EXP)
            return L_POW;
        return L_PRIM;
    default:
        return level(e);
    }
}

static void tex_rec(buf *b, const da_expr *e, int logic);

static void tex_at(buf *b, const da_expr *e, int min, int logic)
{
    if (tex_level(e, logic) < min) {
        put(b, "\\left(");
        tex_rec(b, e, logic);
        put(b, "\\right)");
    } else {
        tex_rec(b, e, logic);
    }
}

/* the LaTeX of e alone (for measuring and look-ahead) */
static char *tex_alone(const da_expr *e, int logic)
{
    buf t = {0};
    tex_rec(&t, e, logic);
    return finish(&t);
}

static void tex_num(buf *b, const char *s)
{
    const char *ep = strpbrk(s, "eE");
    if (!ep) {
        put(b, s);
        return;
    }
    const char *m = s;
    int neg = 0;
    if (*m == '-') {
        neg = 1;
        m++;
    }
    if (neg)
        put(b, "-");
    size_t mlen = (size_t)(ep - m);
    int mant_one = mlen == 1 && m[0] == '1';
    if (!mant_one) {
        put_n(b, m, mlen);
        put(b, " \\cdot ");
    }
    put(b, "10^{");
    const char *x = ep + 1;
    if (*x == '+')
        x++;
    if (*x == '-') {
        put(b, "-");
        x++;
    }
    while (x[0] == '0' && x[1])
        x++;
    put(b, x);
    put(b, "}");
}

static void tex_fn(buf *b, const da_expr *e)
{
    const da_expr *a = e->a[0];
    switch (e->fn) {
    case DA_F_EXP:
    case DA_F_EXPM1: {
        char *t = tex_alone(a, 0);
        if (!t) {
            b->err = 1;
            return;
        }
        if (strlen(t) <= 24 && !strstr(t, "\\begin")) {
            put(b, "e^{");
            put(b, t);
            put(b, "}");
        } else {
            put(b, "\\exp\\left(");
            put(b, t);
            put(b, "\\right)");
        }
        free(t);
        if (e->fn == DA_F_EXPM1)
            put(b, "-1");
        return;
    }
    case DA_F_LOG1P:
        put(b, "\\log\\left(1");
        if (a->op == DA_E_NEG) {
            put(b, "-");
            tex_at(b, a->a[0], L_MUL, 0);
        } else {
            put(b, "+");
            tex_at(b, a, L_MUL, 0);
        }
        put(b, "\\right)");
        return;
    case DA_F_STEP:
        put(b, "\\mathbb{1}[");
        tex_at(b, a, L_ADD, 1);
        put(b, " > 0]");
        return;
    default: {
        /* the table's form: opening, the arguments, closing */
        const da_fn_info *f = da_fn_get(e->fn);
        put(b, f->tex_open);
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                put(b, ", ");
            tex_rec(b, e->a[i], 0);
        }
        put(b, f->tex_close);
        return;
    }
    }
}

static void tex_cases(buf *b, const da_expr *e)
{
    put(b, "\\begin{cases}");
    while (e->op == DA_E_COND) {
        tex_rec(b, e->a[1], 0);
        put(b, " & \\text{if } ");
        tex_rec(b, e->a[0], 1);
        put(b, " \\\\ ");
        e = e->a[2];
    }
    tex_rec(b, e, 0);
    put(b, " & \\text{otherwise}\\end{cases}");
}

static void tex_rec(buf *b, const da_expr *e, int logic)
{
    if (b->err)
        return;
    switch (e->op) {
    case DA_E_NUM:
        tex_num(b, e->num);
        return;
    case DA_E_X:
        put(b, "x");
        return;
    case DA_E_PI:
        put(b, "\\pi");
        return;
    case DA_E_E:
        put(b, "e");
        return;
    case DA_E_NEG:
        put(b, "-");
        tex_at(b, e->a[0],
               tex_level(e->a[0], 0) == L_UNARY ? L_UNARY + 1 : L_UNARY, 0);
        return;
    case DA_E_ADD:
    case DA_E_SUB: {
        tex_at(b, e->a[0], L_ADD, 0);
        put(b, e->op == DA_E_ADD ? " + " : " - ");
        int rmin = tex_level(e->a[1], 0) == L_UNARY ? L_UNARY + 1 : L_MUL;
        tex_at(b, e->a[1], rmin, 0);
        return;
    }
    case DA_E_MUL: {
        tex_at(b, e->a[0], L_MUL, 0);
        int rmin = tex_level(e->a[1], 0) == L_UNARY ? L_UNARY + 1 : L_UNARY;
        char *r = NULL;
        buf t = {0};
        tex_at(&t, e->a[1], rmin, 0);
        r = finish(&t);
        if (!r) {
            b->err = 1;
            return;
        }
        int dot = (r[0] >= '0' && r[0] <= '9') || r[0] == '-' || r[0] == '.';
        put(b, dot ? " \\cdot " : " ");
        put(b, r);
        free(r);
        return;
    }
    case DA_E_DIV:
        put(b, "\\frac{");
        tex_rec(b, e->a[0], 0);
        put(b, "}{");
        tex_rec(b, e->a[1], 0);
        put(b, "}");
        return;
    case DA_E_POW:
        tex_at(b, e->a[0], L_PRIM, 0);
        put(b, "^{");
        tex_rec(b, e->a[1], 0);
        put(b, "}");
        return;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE:
    case DA_E_EQ: case DA_E_NE: case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        if (!logic) {
            put(b, "\\mathbb{1}[");
            tex_rec(b, e, 1);
            put(b, "]");
            return;
        }
        if (e->op == DA_E_NOT) {
            put(b, "\\lnot ");
            tex_at(b, e->a[0], L_UNARY, 1);
            return;
        }
        {
            static const struct { da_op op; const char *s; } rel[] = {
                {DA_E_LT, " < "}, {DA_E_LE, " \\le "}, {DA_E_GT, " > "},
                {DA_E_GE, " \\ge "}, {DA_E_EQ, " = "}, {DA_E_NE, " \\ne "},
                {DA_E_AND, " \\land "}, {DA_E_OR, " \\lor "}};
            const char *s = "?";
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
                if (rel[i].op == e->op)
                    s = rel[i].s;
            int l = level(e);
            tex_at(b, e->a[0], l, 1);
            put(b, s);
            tex_at(b, e->a[1], l + 1, 1);
        }
        return;
    case DA_E_COND:
        tex_cases(b, e);
        return;
    case DA_E_FN:
        tex_fn(b, e);
        return;
    }
}

char *da_expr_latex(const da_expr *e)
{
    if (!e)
        return NULL;
    buf b = {0};
    tex_rec(&b, e, 0);
    return finish(&b);
}

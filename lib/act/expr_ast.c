/* expr_ast.c -- expression trees: construction, reference counting,
 * substitution and structural equality.
 *
 * Trees are immutable once built and may share subtrees (a DAG): every
 * node carries a reference count, da_expr_node() takes ownership of the
 * references passed to it, and da_expr_unref() releases a node and, when
 * the count reaches zero, its children.
 *
 * A number keeps its exact decimal text ("0.01", "1e-3", "-2"); its double
 * value is the correctly rounded value of that text.  Negative numbers are
 * allowed (da_expr_int(-3), or the parser's "-2"). */
#include "core/core.h"
#include "act/expr.h"
#include "act/expr_fn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- function names and arities ---------------------------------- */

const char *da_fn_name(da_fn f)
{
    if ((int)f < 0 || f >= DA_F_COUNT)
        return "?";
    return da_fn_get(f)->name;
}

int da_fn_arity(da_fn f)
{
    if ((int)f < 0 || f >= DA_F_COUNT)
        return 0;
    return da_fn_get(f)->arity;
}

/* ---- construction ------------------------------------------------- */

static da_expr *new_node(da_op op)
{
    da_expr *e = da_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->op = op;
    e->fn = DA_F_COUNT;
    e->refs = 1;
    return e;
}

/* The double nearest to a decimal text, independent of the C locale. */
static double decimal_to_double(const char *s)
{
    mpfr_t t;
    mpfr_init2(t, 53);
    /* emin/emax of a double so that the result is what strtod would give,
     * including overflow to infinity and gradual underflow. */
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    char *end;
    int inex = mpfr_strtofr(t, s, &end, 10, MPFR_RNDN);
    double d;
    if (end == s || *end != '\0') {
        d = NAN;   /* not a decimal number */
    } else {
        inex = mpfr_check_range(t, inex, MPFR_RNDN);
        mpfr_subnormalize(t, inex, MPFR_RNDN);
        d = mpfr_get_d(t, MPFR_RNDN);
    }
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clear(t);
    return d;
}

da_expr *da_expr_num(const char *decimal)
{
    if (!decimal)
        return NULL;
    /* normalize: no leading '+'; "-+2" -> "-2" */
    int neg = 0;
    while (*decimal == '+' || *decimal == '-') {
        if (*decimal == '-')
            neg = !neg;
        decimal++;
    }
    size_t n = strlen(decimal);
    /* ".5" -> "0.5" so that the text always starts with a digit */
    int lead0 = decimal[0] == '.';
    da_expr *e = new_node(DA_E_NUM);
    if (!e)
        return NULL;
    e->num = da_malloc(n + 3);
    if (!e->num) {
        free(e);
        return NULL;
    }
    char *p = e->num;
    if (neg)
        *p++ = '-';
    if (lead0)
        *p++ = '0';
    memcpy(p, decimal, n + 1);
    e->val = decimal_to_double(e->num);
    return e;
}

da_expr *da_expr_int(long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return da_expr_num(buf);
}

da_expr *da_expr_x(void)
{
    return new_node(DA_E_X);
}

da_expr *da_expr_node(da_op op, da_fn fn, int nargs,
                      da_expr *a0, da_expr *a1, da_expr *a2)
{
    da_expr *args[3] = {a0, a1, a2};
    int ok = nargs >= 0 && nargs <= 3;
    for (int i = 0; ok && i < nargs; i++)
        if (!args[i])
            ok = 0;
    da_expr *e = ok ? new_node(op) : NULL;
    if (!e) {
        for (int i = 0; i < 3; i++)
            if (i < nargs)
                da_expr_unref(args[i]);
        return NULL;
    }
    e->fn = op == DA_E_FN ? fn : DA_F_COUNT;
    e->nargs = nargs;
    for (int i = 0; i < nargs; i++)
        e->a[i] = args[i];
    if (op == DA_E_PI || op == DA_E_E || op == DA_E_X) {
        /* leaves carry no arguments */
        for (int i = 0; i < nargs; i++)
            da_expr_unref(e->a[i]);
        e->nargs = 0;
        e->a[0] = e->a[1] = e->a[2] = NULL;
    }
    return e;
}

/* The counts are atomic: an activation's tree is shared by every thread
 * that reads the activation (a derivative, a substitution or a Hermite
 * computation takes references to its subtrees), so two threads may
 * count the same node at once.  A new reference needs no ordering; the
 * last release must see every write the other owners made before theirs
 * (acquire-release), since it frees the node. */
da_expr *da_expr_ref(da_expr *e)
{
    if (e)
        __atomic_fetch_add(&e->refs, 1u, __ATOMIC_RELAXED);
    return e;
}

void da_expr_unref(da_expr *e)
{
    /* Iterate down the last child to keep the recursion depth at the
     * depth of the non-last children (long left- or right-leaning chains
     * of one kind are then cheap). */
    while (e) {
        if (__atomic_fetch_sub(&e->refs, 1u, __ATOMIC_ACQ_REL) > 1)
            return;
        da_expr *next = NULL;
        for (int i = 0; i < e->nargs; i++) {
            if (i == e->nargs - 1)
                next = e->a[i];
            else
                da_expr_unref(e->a[i]);
        }
        if (e->rem)
            da_expr_unref(e->rem);
        free(e->num);
        free(e);
        e = next;
    }
}

/* the nodes of e counted as a tree (shared subtrees once per use), up to
 * cap + 1: the walk stops there, so it costs at most cap + 1 visits */
static size_t tree_size(const da_expr *e, size_t cap, size_t n)
{
    while (e && n <= cap) {
        n++;
        for (int i = 0; i + 1 < e->nargs && n <= cap; i++)
            n = tree_size(e->a[i], cap, n);
        e = e->nargs ? e->a[e->nargs - 1] : NULL;
    }
    return n;
}

size_t da_expr_tree_size(const da_expr *e, size_t cap)
{
    size_t n = tree_size(e, cap, 0);
    return n > cap ? cap + 1 : n;
}

int da_fn_is_switch(da_fn f)
{
    return (int)f >= 0 && f < DA_F_COUNT && da_fn_get(f)->is_switch;
}

int da_expr_has_x(const da_expr *e)
{
    if (e->op == DA_E_X)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (da_expr_has_x(e->a[i]))
            return 1;
    return 0;
}

/* ---- substitution ------------------------------------------------- */

/* e with x replaced by s; *same is set when nothing changed (then the
 * result is a new reference to e itself, and subtrees without x are
 * shared rather than copied). */
static da_expr *subst(const da_expr *e, const da_expr *s, int *same)
{
    *same = 0;
    if (e->op == DA_E_X)
        return da_expr_ref((da_expr *)s);
    *same = 1;
    if (e->nargs == 0)
        return da_expr_ref((da_expr *)e);
    da_expr *a[3] = {NULL, NULL, NULL};
    int all_same = 1;
    for (int i = 0; i < e->nargs; i++) {
        int si;
        a[i] = subst(e->a[i], s, &si);
        if (!a[i]) {
            for (int j = 0; j < i; j++)
                da_expr_unref(a[j]);
            return NULL;
        }
        all_same = all_same && si;
    }
    if (all_same) {
        for (int i = 0; i < e->nargs; i++)
            da_expr_unref(a[i]);
        return da_expr_ref((da_expr *)e);
    }
    *same = 0;
    return da_expr_node(e->op, e->fn, e->nargs, a[0], a[1], a[2]);
}

da_expr *da_expr_subst(const da_expr *e, const da_expr *s)
{
    if (!e || !s)
        return NULL;
    int same;
    return subst(e, s, &same);
}

/* ---- equality ----------------------------------------------------- */

/* A decimal text as sign, significant digits and exponent, without
 * allocating: digits are read through dec_digit(). */
typedef struct {
    int neg;
    const char *s;     /* mantissa text (digits and at most one '.') */
    size_t len;        /* mantissa length */
    size_t first, nsig; /* index of the first significant digit among the
                           mantissa digits, and how many are significant */
    long exp10;        /* value = 0.d1 d2 ... * 10^exp10 */
    int zero;
} decimal;

static int dec_parse(decimal *d, const char *t)
{
    memset(d, 0, sizeof *d);
    while (*t == '+' || *t == '-') {
        if (*t == '-')
            d->neg = !d->neg;
        t++;
    }
    d->s = t;
    size_t i = 0, ndig = 0, intdig = 0;
    int seen_dot = 0;
    for (; t[i] && (t[i] == '.' || (t[i] >= '0' && t[i] <= '9')); i++) {
        if (t[i] == '.')
            seen_dot = 1;
        else {
            ndig++;
            if (!seen_dot)
                intdig++;
        }
    }
    d->len = i;
    long ex = 0;
    if (t[i] == 'e' || t[i] == 'E') {
        char *end;
        ex = strtol(t + i + 1, &end, 10);
        if (ex > 1000000L)
            ex = 1000000L;
        if (ex < -1000000L)
            ex = -1000000L;
    }
    /* significant digits: skip leading and trailing zeros */
    size_t k = 0, first = ndig, last = 0;
    for (size_t j = 0; j < d->len; j++) {
        if (t[j] == '.')
            continue;
        if (t[j] != '0') {
            if (first == ndig)
                first = k;
            last = k;
        }
        k++;
    }
    if (first == ndig) {
        d->zero = 1;
        d->neg = 0;
        return 0;
    }
    d->first = first;
    d->nsig = last - first + 1;
    d->exp10 = ex + (long)intdig - (long)first;
    return 0;
}

/* the k-th mantissa digit (skipping the '.') */
static char dec_digit(const decimal *d, size_t k)
{
    for (size_t j = 0; j < d->len; j++) {
        if (d->s[j] == '.')
            continue;
        if (k == 0)
            return d->s[j];
        k--;
    }
    return '0';
}

static int num_equal(const da_expr *a, const da_expr *b)
{
    if (strcmp(a->num, b->num) == 0)
        return 1;
    if (a->val != b->val)
        return 0;
    decimal x, y;
    dec_parse(&x, a->num);
    dec_parse(&y, b->num);
    if (x.zero || y.zero)
        return x.zero && y.zero;
    if (x.neg != y.neg || x.exp10 != y.exp10 || x.nsig != y.nsig)
        return 0;
    for (size_t k = 0; k < x.nsig; k++)
        if (dec_digit(&x, x.first + k) != dec_digit(&y, y.first + k))
            return 0;
    return 1;
}

int da_expr_equal(const da_expr *a, const da_expr *b)
{
    while (a != b) {
        if (!a || !b)
            return 0;
        if (a->op != b->op || a->nargs != b->nargs)
            return 0;
        if (a->op == DA_E_FN && a->fn != b->fn)
            return 0;
        if (a->op == DA_E_NUM)
            return num_equal(a, b);
        if (a->nargs == 0)
            return 1;
        for (int i = 0; i + 1 < a->nargs; i++)
            if (!da_expr_equal(a->a[i], b->a[i]))
                return 0;
        a = a->a[a->nargs - 1];
        b = b->a[b->nargs - 1];
    }
    return 1;
}

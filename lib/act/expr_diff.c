/* expr_diff.c -- symbolic derivative and simplification of expression
 * trees.
 *
 * Both are built on "smart constructors" (s_add, s_mul, ...): each takes
 * ownership of its arguments, applies the local simplification rules and
 * returns a new reference, or NULL when memory ran out (a NULL argument
 * propagates, so a whole derivative can be built without checking every
 * step).  da_expr_simplify() rebuilds a tree bottom-up through them;
 * da_expr_diff() simplifies its input first and then builds the derivative
 * through them, so that the result stays readable:
 * d/dx x*tanh(x) = tanh(x) + x*(1 - tanh(x)^2).
 *
 * Constant folding is exact: numbers are folded only when their decimal
 * text is a finite decimal m * 10^k with |m| < 10^18 and the result is
 * again such a decimal (1/2 -> 0.5, 1/3 stays 1/3, 0.1 + 0.2 -> 0.3).  No
 * number is ever replaced by a rounded double.
 *
 * Rules that change the value only where the original is undefined
 * (0*a -> 0, a/a is NOT applied, a - a -> 0) follow the usual conventions
 * of computer algebra: a*0 -> 0 even if a is infinite somewhere; the
 * domain check of the analysis runs on the tree the user gave. */
#include "core/core.h"
#include "act/expr.h"
#include "act/expr_fn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact decimals ------------------------------------------------ */

typedef struct {
    int64_t m;   /* value = m * 10^e */
    int e;
} dec;

#define DEC_MAX INT64_C(999999999999999999)   /* 10^18 - 1 */

static void dec_norm(dec *d)
{
    if (d->m == 0) {
        d->e = 0;
        return;
    }
    while (d->m % 10 == 0) {
        d->m /= 10;
        d->e++;
    }
}

/* Parse a decimal text ("-12.50", "1e-3", "0.25E+2").  0 if the text is
 * not of that form or does not fit. */
static int dec_parse_text(dec *d, const char *s)
{
    int neg = 0;
    while (*s == '-' || *s == '+') {
        if (*s == '-')
            neg = !neg;
        s++;
    }
    int64_t m = 0;
    int e = 0, ndig = 0, dot = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (dot)
                return 0;
            dot = 1;
        } else if (*s >= '0' && *s <= '9') {
            int dig = *s - '0';
            if (m == 0 && dig == 0) {
                if (dot)
                    e--;
                continue;   /* leading zeros */
            }
            if (++ndig > 18)
                return 0;
            m = 10 * m + dig;
            if (dot)
                e--;
        } else {
            break;
        }
    }
    if (*s == 'e' || *s == 'E') {
        char *end;
        long x = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end != '\0' || x > 1000 || x < -1000)
            return 0;
        e += (int)x;
    } else if (*s != '\0') {
        return 0;
    }
    d->m = neg ? -m : m;
    d->e = e;
    dec_norm(d);
    if (d->e > 300 || d->e < -300)
        return 0;
    return 1;
}

static int get_dec(const da_expr *x, dec *d)
{
    if (!x)
        return 0;
    if (x->op == DA_E_NUM && x->num)
        return dec_parse_text(d, x->num);
    if (x->op == DA_E_NEG && x->a[0]->op == DA_E_NUM && x->a[0]->num &&
        dec_parse_text(d, x->a[0]->num)) {
        d->m = -d->m;
        return 1;
    }
    return 0;
}

/* m * 10^k without overflow */
static int mul_pow10(int64_t *m, int k)
{
    for (int i = 0; i < k; i++) {
        if (*m > DEC_MAX / 10 || *m < -DEC_MAX / 10)
            return 0;
        *m *= 10;
    }
    return 1;
}

static int dec_add(dec *r, dec a, dec b)
{
    if (a.m == 0) {
        *r = b;
        return 1;
    }
    if (b.m == 0) {
        *r = a;
        return 1;
    }
    if (a.e < b.e) {
        dec t = a;
        a = b;
        b = t;
    }
    /* a.e >= b.e: scale a down to b.e */
    if (a.e - b.e > 18 || !mul_pow10(&a.m, a.e - b.e))
        return 0;
    int64_t s = a.m + b.m;
    if (s > DEC_MAX || s < -DEC_MAX)
        return 0;
    r->m = s;
    r->e = b.e;
    dec_norm(r);
    return 1;
}

static int dec_mul(dec *r, dec a, dec b)
{
    int64_t p;
    if (__builtin_mul_overflow(a.m, b.m, &p) || p > DEC_MAX || p < -DEC_MAX)
        return 0;
    r->m = p;
    r->e = a.e + b.e;
    dec_norm(r);
    return r->e <= 300 && r->e >= -300;
}

/* exact quotient if it is a short decimal */
static int dec_div(dec *r, dec a, dec b)
{
    if (b.m == 0)
        return 0;
    for (int k = 0; k <= 18; k++) {
        int64_t m = a.m;
        if (!mul_pow10(&m, k))
            return 0;
        if (m % b.m == 0) {
            r->m = m / b.m;
            r->e = a.e - b.e - k;
            dec_norm(r);
            return r->e <= 300 && r->e >= -300;
        }
    }
    return 0;
}

static int dec_cmp(dec a, dec b)
{
    dec d;
    b.m = -b.m;
    if (dec_add(&d, a, b))
        return (d.m > 0) - (d.m < 0);
    /* no exact difference: compare through long double (far apart) */
    long double x = (long double)a.m, y = -(long double)b.m;
    for (int i = 0; i < a.e; i++) x *= 10;
    for (int i = 0; i > a.e; i--) x /= 10;
    for (int i = 0; i < b.e; i++) y *= 10;
    for (int i = 0; i > b.e; i--) y /= 10;
    return (x > y) - (x < y);
}

/* floor of a decimal, if it fits */
static int dec_floor(dec *r, dec a)
{
    if (a.e >= 0) {
        *r = a;
        return 1;
    }
    int64_t p = 1;
    for (int i = 0; i < -a.e; i++) {
        if (p > DEC_MAX / 10) {
            /* |a| < 1 */
            r->m = a.m < 0 ? -1 : 0;
            r->e = 0;
            return 1;
        }
        p *= 10;
    }
    int64_t q = a.m / p;
    if (a.m % p != 0 && a.m < 0)
        q--;
    r->m = q;
    r->e = 0;
    dec_norm(r);
    return 1;
}

static da_expr *dec_node(dec d)
{
    char buf[64];
    dec_norm(&d);
    int64_t m = d.m;
    int neg = m < 0;
    unsigned long long um = neg ? (unsigned long long)(-m) : (unsigned long long)m;
    char digs[32];
    int nd = snprintf(digs, sizeof digs, "%llu", um);
    if (d.e >= 0) {
        if (d.e + nd <= 21) {
            int o = snprintf(buf, sizeof buf, "%s%s", neg ? "-" : "", digs);
            for (int i = 0; i < d.e; i++)
                buf[o++] = '0';
            buf[o] = '\0';
        } else {
            snprintf(buf, sizeof buf, "%s%se%d", neg ? "-" : "", digs, d.e);
        }
    } else if (-d.e < nd) {
        int ip = nd + d.e;   /* digits before the point */
        snprintf(buf, sizeof buf, "%s%.*s.%s", neg ? "-" : "", ip, digs, digs + ip);
    } else if (-d.e - nd <= 6) {
        int o = snprintf(buf, sizeof buf, "%s0.", neg ? "-" : "");
        for (int i = 0; i < -d.e - nd; i++)
            buf[o++] = '0';
        snprintf(buf + o, sizeof buf - (size_t)o, "%s", digs);
    } else {
        snprintf(buf, sizeof buf, "%s%se%d", neg ? "-" : "", digs, d.e);
    }
    return da_expr_num(buf);
}

static da_expr *inum(long v)
{
    return da_expr_int(v);
}

/* ---- predicates ---------------------------------------------------- */

/* a number whose text has no nonzero mantissa digit */
static int is_zero(const da_expr *e)
{
    if (e->op != DA_E_NUM || !e->num)
        return 0;
    for (const char *s = e->num; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '1' && *s <= '9')
            return 0;
    return 1;
}

static int is_dec_val(const da_expr *e, int64_t v)
{
    dec d, w = {v, 0};
    dec_norm(&w);
    return get_dec(e, &d) && d.e == w.e && d.m == w.m;
}

static int is_one(const da_expr *e) { return is_dec_val(e, 1); }

/* values 0 or 1 only */
static int is_boolean(const da_expr *e)
{
    switch (e->op) {
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE:
    case DA_E_EQ: case DA_E_NE: case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        return 1;
    case DA_E_FN:
        return e->fn == DA_F_STEP;
    default:
        return is_zero(e) || is_one(e);
    }
}

/* ---- smart constructors (own their arguments) ---------------------- */

static da_expr *R(const da_expr *e)
{
    return da_expr_ref((da_expr *)e);
}

static int any_null2(da_expr *a, da_expr *b)
{
    if (a && b)
        return 0;
    da_expr_unref(a);
    da_expr_unref(b);
    return 1;
}

static da_expr *raw2(da_op op, da_expr *a, da_expr *b)
{
    return da_expr_node(op, DA_F_COUNT, 2, a, b, NULL);
}

static da_expr *s_neg(da_expr *a);
static da_expr *s_add(da_expr *a, da_expr *b);
static da_expr *s_sub(da_expr *a, da_expr *b);
static da_expr *s_mul(da_expr *a, da_expr *b);
static da_expr *s_div(da_expr *a, da_expr *b);
static da_expr *s_pow(da_expr *a, da_expr *b);

/* replace (a, b) by a new node built from the decimal r */
static da_expr *fold2(da_expr *a, da_expr *b, dec r)
{
    da_expr_unref(a);
    da_expr_unref(b);
    return dec_node(r);
}

static da_expr *s_neg(da_expr *a)
{
    if (!a)
        return NULL;
    dec d;
    if (get_dec(a, &d)) {
        da_expr_unref(a);
        d.m = -d.m;
        return dec_node(d);
    }
    if (a->op == DA_E_NEG) {
        da_expr *r = R(a->a[0]);
        da_expr_unref(a);
        return r;
    }
    if (a->op == DA_E_SUB) {            /* -(p - q) = q - p */
        da_expr *r = s_sub(R(a->a[1]), R(a->a[0]));
        da_expr_unref(a);
        return r;
    }
    if (a->op == DA_E_MUL && get_dec(a->a[0], &d)) {   /* -(c*y) = (-c)*y */
        d.m = -d.m;
        da_expr *r = s_mul(dec_node(d), R(a->a[1]));
        da_expr_unref(a);
        return r;
    }
    return da_expr_node(DA_E_NEG, DA_F_COUNT, 1, a, NULL, NULL);
}

static da_expr *s_add(da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y, r;
    int ca = get_dec(a, &x), cb = get_dec(b, &y);
    if (ca && cb && dec_add(&r, x, y))
        return fold2(a, b, r);
    if (is_zero(a)) {
        da_expr_unref(a);
        return b;
    }
    if (is_zero(b)) {
        da_expr_unref(b);
        return a;
    }
    if (cb && y.m < 0) {                 /* a + (-c) = a - c */
        y.m = -y.m;
        da_expr_unref(b);
        return s_sub(a, dec_node(y));
    }
    if (b->op == DA_E_NEG) {             /* a + (-q) = a - q */
        da_expr *q = R(b->a[0]);
        da_expr_unref(b);
        return s_sub(a, q);
    }
    if (b->op == DA_E_MUL && get_dec(b->a[0], &y) && y.m < 0) {
        y.m = -y.m;                      /* a + (-c)*q = a - c*q */
        da_expr *q = s_mul(dec_node(y), R(b->a[1]));
        da_expr_unref(b);
        return s_sub(a, q);
    }
    if (a->op == DA_E_NEG) {             /* (-p) + b = b - p */
        da_expr *p = R(a->a[0]);
        da_expr_unref(a);
        return s_sub(b, p);
    }
    if (da_expr_equal(a, b)) {           /* a + a = 2*a */
        da_expr_unref(b);
        return s_mul(inum(2), a);
    }
    return raw2(DA_E_ADD, a, b);
}

static da_expr *s_sub(da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y, r;
    int ca = get_dec(a, &x), cb = get_dec(b, &y);
    if (ca && cb) {
        y.m = -y.m;
        if (dec_add(&r, x, y))
            return fold2(a, b, r);
        y.m = -y.m;
    }
    if (is_zero(b)) {
        da_expr_unref(b);
        return a;
    }
    if (is_zero(a)) {
        da_expr_unref(a);
        return s_neg(b);
    }
    if (cb && y.m < 0) {                 /* a - (-c) = a + c */
        y.m = -y.m;
        da_expr_unref(b);
        return s_add(a, dec_node(y));
    }
    if (b->op == DA_E_NEG) {             /* a - (-q) = a + q */
        da_expr *q = R(b->a[0]);
        da_expr_unref(b);
        return s_add(a, q);
    }
    if (b->op == DA_E_MUL && get_dec(b->a[0], &y) && y.m < 0) {
        y.m = -y.m;                      /* a - (-c)*q = a + c*q */
        da_expr *q = s_mul(dec_node(y), R(b->a[1]));
        da_expr_unref(b);
        return s_add(a, q);
    }
    if (da_expr_equal(a, b)) {
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(0);
    }
    return raw2(DA_E_SUB, a, b);
}

static da_expr *s_mul(da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y, r;
    int ca = get_dec(a, &x), cb = get_dec(b, &y);
    if (ca && cb && dec_mul(&r, x, y))
        return fold2(a, b, r);
    if (is_zero(a) || is_zero(b)) {
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(0);
    }
    if (is_one(a)) {
        da_expr_unref(a);
        return b;
    }
    if (is_one(b)) {
        da_expr_unref(b);
        return a;
    }
    if (ca && x.m == -1 && x.e == 0) {
        da_expr_unref(a);
        return s_neg(b);
    }
    if (cb && y.m == -1 && y.e == 0) {
        da_expr_unref(b);
        return s_neg(a);
    }
    if (a->op == DA_E_NEG && !ca) {      /* (-p)*b = -(p*b) */
        da_expr *p = R(a->a[0]);
        da_expr_unref(a);
        return s_neg(s_mul(p, b));
    }
    if (b->op == DA_E_NEG && !cb) {      /* a*(-q) = -(a*q) */
        da_expr *q = R(b->a[0]);
        da_expr_unref(b);
        return s_neg(s_mul(a, q));
    }
    if (cb && !ca) {                     /* constant first */
        da_expr *t = a;
        a = b;
        b = t;
        ca = 1;
        cb = 0;
        x = y;
    }
    if (ca && b->op == DA_E_MUL && get_dec(b->a[0], &y) && dec_mul(&r, x, y)) {
        da_expr *q = R(b->a[1]);         /* c1*(c2*q) = (c1 c2)*q */
        da_expr_unref(a);
        da_expr_unref(b);
        return s_mul(dec_node(r), q);
    }
    if (!ca && b->op == DA_E_MUL && get_dec(b->a[0], &y)) {
        da_expr *c = R(b->a[0]);         /* p*(c*q) = c*(p*q) */
        da_expr *q = R(b->a[1]);
        da_expr_unref(b);
        return s_mul(c, s_mul(a, q));
    }
    if (!ca && a->op == DA_E_MUL && get_dec(a->a[0], &x)) {
        da_expr *c = R(a->a[0]);         /* (c*p)*b = c*(p*b) */
        da_expr *p = R(a->a[1]);
        da_expr_unref(a);
        return s_mul(c, s_mul(p, b));
    }
    if (da_expr_equal(a, b)) {           /* a*a = a^2 */
        da_expr_unref(b);
        return s_pow(a, inum(2));
    }
    return raw2(DA_E_MUL, a, b);
}

static da_expr *s_div(da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y, r;
    int ca = get_dec(a, &x), cb = get_dec(b, &y);
    if (ca && cb && dec_div(&r, x, y))
        return fold2(a, b, r);
    if (is_one(b)) {
        da_expr_unref(b);
        return a;
    }
    if (cb && y.m == -1 && y.e == 0) {
        da_expr_unref(b);
        return s_neg(a);
    }
    if (is_zero(a) && !is_zero(b)) {
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(0);
    }
    if (a->op == DA_E_NEG && !ca) {      /* (-p)/b = -(p/b) */
        da_expr *p = R(a->a[0]);
        da_expr_unref(a);
        return s_neg(s_div(p, b));
    }
    if (cb && y.m < 0) {                 /* a/(-c) = -(a/c) */
        y.m = -y.m;
        da_expr_unref(b);
        return s_neg(s_div(a, dec_node(y)));
    }
    return raw2(DA_E_DIV, a, b);
}

static da_expr *s_pow(da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y;
    int ca = get_dec(a, &x), cb = get_dec(b, &y);
    if (is_zero(b)) {                    /* a^0 = 1 */
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(1);
    }
    if (is_one(b)) {
        da_expr_unref(b);
        return a;
    }
    if (is_one(a)) {
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(1);
    }
    int64_t n = cb && y.e >= 0 && y.e <= 2 ? y.m : 0;
    for (int i = 0; i < (cb ? y.e : 0); i++)
        n *= 10;
    if (ca && cb && y.e >= 0 && n > 0 && n <= 64) {
        dec r = {1, 0};
        int ok = 1;
        for (int64_t i = 0; ok && i < n; i++)
            ok = dec_mul(&r, r, x);
        if (ok)
            return fold2(a, b, r);
    }
    if (is_zero(a) && cb && y.m > 0) {
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(0);
    }
    return raw2(DA_E_POW, a, b);
}

static da_expr *s_cmp(da_op op, da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y;
    if (get_dec(a, &x) && get_dec(b, &y)) {
        int c = dec_cmp(x, y), v = 0;
        switch (op) {
        case DA_E_LT: v = c < 0; break;
        case DA_E_LE: v = c <= 0; break;
        case DA_E_GT: v = c > 0; break;
        case DA_E_GE: v = c >= 0; break;
        case DA_E_EQ: v = c == 0; break;
        default: v = c != 0; break;
        }
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(v);
    }
    return raw2(op, a, b);
}

static da_expr *s_logic(da_op op, da_expr *a, da_expr *b)
{
    if (any_null2(a, b))
        return NULL;
    dec x, y;
    int ca = get_dec(a, &x), cb = get_dec(b, &y);
    int v = -1;
    if (op == DA_E_AND) {
        if ((ca && x.m == 0) || (cb && y.m == 0))
            v = 0;
        else if (ca && cb)
            v = 1;
        else if (ca && is_boolean(b)) {  /* nonzero && b = b */
            da_expr_unref(a);
            return b;
        } else if (cb && is_boolean(a)) {
            da_expr_unref(b);
            return a;
        }
    } else {
        if ((ca && x.m != 0) || (cb && y.m != 0))
            v = 1;
        else if (ca && cb)
            v = 0;
        else if (ca && is_boolean(b)) {  /* 0 || b = b */
            da_expr_unref(a);
            return b;
        } else if (cb && is_boolean(a)) {
            da_expr_unref(b);
            return a;
        }
    }
    if (v >= 0) {
        da_expr_unref(a);
        da_expr_unref(b);
        return inum(v);
    }
    return raw2(op, a, b);
}

static da_expr *s_not(da_expr *a)
{
    if (!a)
        return NULL;
    dec x;
    if (get_dec(a, &x)) {
        da_expr_unref(a);
        return inum(x.m == 0);
    }
    if (a->op == DA_E_NOT && is_boolean(a->a[0])) {
        da_expr *r = R(a->a[0]);
        da_expr_unref(a);
        return r;
    }
    return da_expr_node(DA_E_NOT, DA_F_COUNT, 1, a, NULL, NULL);
}

static da_expr *s_cond(da_expr *c, da_expr *a, da_expr *b)
{
    if (!c || !a || !b) {
        da_expr_unref(c);
        da_expr_unref(a);
        da_expr_unref(b);
        return NULL;
    }
    dec x;
    if (get_dec(c, &x)) {
        da_expr_unref(c);
        if (x.m != 0) {
            da_expr_unref(b);
            return a;
        }
        da_expr_unref(a);
        return b;
    }
    if (da_expr_equal(a, b)) {
        da_expr_unref(c);
        da_expr_unref(b);
        return a;
    }
    return da_expr_node(DA_E_COND, DA_F_COUNT, 3, c, a, b);
}

static da_expr *s_fn(da_fn f, da_expr *a0, da_expr *a1, da_expr *a2)
{
    int n = da_fn_arity(f);
    da_expr *arg[3] = {a0, a1, a2};
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (!arg[i])
            bad = 1;
    if (bad) {
        for (int i = 0; i < n; i++)
            da_expr_unref(arg[i]);
        return NULL;
    }
    dec x, y, z;
    int ca = get_dec(a0, &x);
    long v = 2;   /* 2: no integer result */
    if (n == 1 && ca) {
        int zero = x.m == 0, one = x.m == 1 && x.e == 0;
        /* the table's exact values at 0 and 1 */
        const char *fold = zero ? da_fn_get(f)->at0 : one ? da_fn_get(f)->at1 : NULL;
        if (fold) {
            da_expr_unref(a0);
            return da_expr_num(fold);
        }
        switch (f) {
        case DA_F_SIGN: v = (x.m > 0) - (x.m < 0); break;
        case DA_F_STEP: v = x.m > 0; break;
        case DA_F_ABS: case DA_F_RELU: case DA_F_FLOOR: case DA_F_CEIL: {
            dec r = x;
            int ok = 1;
            if (f == DA_F_ABS && r.m < 0)
                r.m = -r.m;
            if (f == DA_F_RELU && r.m < 0)
                r.m = 0;
            if (f == DA_F_FLOOR)
                ok = dec_floor(&r, x);
            if (f == DA_F_CEIL) {
                dec nx = x;
                nx.m = -nx.m;
                ok = dec_floor(&r, nx);
                r.m = -r.m;
            }
            if (ok) {
                da_expr_unref(a0);
                return dec_node(r);
            }
            break;
        }
        default:
            break;
        }
        if (v != 2) {
            da_expr_unref(a0);
            return inum(v);
        }
    }
    if ((f == DA_F_MAX || f == DA_F_MIN) && ca && get_dec(a1, &y)) {
        int c = dec_cmp(x, y);
        int first = f == DA_F_MAX ? c >= 0 : c <= 0;
        if (first) {
            da_expr_unref(a1);
            return a0;
        }
        da_expr_unref(a0);
        return a1;
    }
    if ((f == DA_F_MAX || f == DA_F_MIN) && da_expr_equal(a0, a1)) {
        da_expr_unref(a1);
        return a0;
    }
    if (f == DA_F_CLIP && ca && get_dec(a1, &y) && get_dec(a2, &z)) {
        da_expr *r;
        if (dec_cmp(x, y) < 0) {
            r = a1;
            da_expr_unref(a0);
            da_expr_unref(a2);
        } else if (dec_cmp(x, z) > 0) {
            r = a2;
            da_expr_unref(a0);
            da_expr_unref(a1);
        } else {
            r = a0;
            da_expr_unref(a1);
            da_expr_unref(a2);
        }
        return r;
    }
    return da_expr_node(DA_E_FN, f, n, a0, n > 1 ? a1 : NULL, n > 2 ? a2 : NULL);
}

static da_expr *fn1(da_fn f, da_expr *a)
{
    return s_fn(f, a, NULL, NULL);
}

/* ---- simplification ------------------------------------------------ */

static da_expr *rebuild(const da_expr *e, da_expr **a)
{
    switch (e->op) {
    case DA_E_NUM: case DA_E_X: case DA_E_PI: case DA_E_E:
        return R(e);
    case DA_E_NEG: return s_neg(a[0]);
    case DA_E_ADD: return s_add(a[0], a[1]);
    case DA_E_SUB: return s_sub(a[0], a[1]);
    case DA_E_MUL: return s_mul(a[0], a[1]);
    case DA_E_DIV: return s_div(a[0], a[1]);
    case DA_E_POW: return s_pow(a[0], a[1]);
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE:
    case DA_E_EQ: case DA_E_NE:
        return s_cmp(e->op, a[0], a[1]);
    case DA_E_AND: case DA_E_OR:
        return s_logic(e->op, a[0], a[1]);
    case DA_E_NOT: return s_not(a[0]);
    case DA_E_COND: return s_cond(a[0], a[1], a[2]);
    case DA_E_FN: return s_fn(e->fn, a[0], a[1], a[2]);
    }
    for (int i = 0; i < 3; i++)
        da_expr_unref(a[i]);
    return NULL;
}

static da_expr *simplify(const da_expr *e)
{
    da_expr *a[3] = {NULL, NULL, NULL};
    for (int i = 0; i < e->nargs; i++) {
        a[i] = simplify(e->a[i]);
        if (!a[i]) {
            for (int j = 0; j < i; j++)
                da_expr_unref(a[j]);
            return NULL;
        }
    }
    return rebuild(e, a);
}

da_expr *da_expr_simplify(const da_expr *e)
{
    if (!e)
        return NULL;
    da_expr *r = simplify(e);
    if (!r)
        da_fail(DA_ENOMEM, "out of memory");
    return r;
}

/* ---- derivative ---------------------------------------------------- */

static da_expr *diff(const da_expr *e);

/* 2/sqrt(pi) */
static da_expr *two_over_sqrtpi(void)
{
    return s_div(inum(2), fn1(DA_F_SQRT, da_expr_node(DA_E_PI, DA_F_COUNT, 0, NULL, NULL, NULL)));
}

/* f'(u) by the table's rule: its formula in x with u for x, simplified */
static da_expr *dfn_table(da_fn f, const da_expr *u)
{
    const char *dx = da_fn_get(f)->dx;
    da_expr *g = NULL;
    if (!dx || da_expr_parse(&g, dx) != DA_OK)
        return NULL;
    da_expr *h = da_expr_subst(g, u);
    da_expr_unref(g);
    if (!h)
        return NULL;
    da_expr *r = simplify(h);
    da_expr_unref(h);
    return r;
}

/* f'(u) for a function of one argument u (without the factor u') */
static da_expr *dfn1(da_fn f, const da_expr *u, const da_expr *e)
{
    switch (f) {
    case DA_F_EXP: return R(e);
    case DA_F_EXPM1: return fn1(DA_F_EXP, R(u));
    case DA_F_LOG: return s_div(inum(1), R(u));
    case DA_F_LOG1P: return s_div(inum(1), s_add(inum(1), R(u)));
    case DA_F_SQRT: return s_div(inum(1), s_mul(inum(2), R(e)));
    case DA_F_CBRT: return s_div(inum(1), s_mul(inum(3), s_pow(R(e), inum(2))));
    case DA_F_ABS: return fn1(DA_F_SIGN, R(u));
    case DA_F_SIGN: case DA_F_STEP: case DA_F_FLOOR: case DA_F_CEIL:
        return inum(0);
    case DA_F_SIN: return fn1(DA_F_COS, R(u));
    case DA_F_COS: return s_neg(fn1(DA_F_SIN, R(u)));
    case DA_F_TAN: return s_add(inum(1), s_pow(R(e), inum(2)));
    case DA_F_ASIN:
        return s_div(inum(1), fn1(DA_F_SQRT, s_sub(inum(1), s_pow(R(u), inum(2)))));
    case DA_F_ACOS:
        return s_neg(s_div(inum(1), fn1(DA_F_SQRT, s_sub(inum(1), s_pow(R(u), inum(2))))));
    case DA_F_ATAN: return s_div(inum(1), s_add(inum(1), s_pow(R(u), inum(2))));
    case DA_F_SINH: return fn1(DA_F_COSH, R(u));
    case DA_F_COSH: return fn1(DA_F_SINH, R(u));
    case DA_F_TANH: return s_sub(inum(1), s_pow(R(e), inum(2)));
    case DA_F_ASINH:
        return s_div(inum(1), fn1(DA_F_SQRT, s_add(s_pow(R(u), inum(2)), inum(1))));
    case DA_F_ACOSH:
        return s_div(inum(1), fn1(DA_F_SQRT, s_sub(s_pow(R(u), inum(2)), inum(1))));
    case DA_F_ATANH: return s_div(inum(1), s_sub(inum(1), s_pow(R(u), inum(2))));
    case DA_F_ERF:
        return s_mul(two_over_sqrtpi(), fn1(DA_F_EXP, s_neg(s_pow(R(u), inum(2)))));
    case DA_F_ERFC:
        return s_neg(s_mul(two_over_sqrtpi(), fn1(DA_F_EXP, s_neg(s_pow(R(u), inum(2))))));
    case DA_F_PHI_CDF: return fn1(DA_F_PHI_PDF, R(u));
    case DA_F_PHI_PDF: return s_neg(s_mul(R(u), R(e)));
    case DA_F_SIGMOID: return s_mul(R(e), s_sub(inum(1), R(e)));
    case DA_F_SOFTPLUS: return fn1(DA_F_SIGMOID, R(u));
    case DA_F_RELU: return fn1(DA_F_STEP, R(u));
    default:
        return dfn_table(f, u);
    }
}

static da_expr *diff_fn(const da_expr *e)
{
    const da_expr *u = e->a[0];
    if (e->fn == DA_F_MAX || e->fn == DA_F_MIN) {
        da_expr *d0 = diff(e->a[0]), *d1 = diff(e->a[1]);
        da_op op = e->fn == DA_F_MAX ? DA_E_GT : DA_E_LT;
        return s_cond(s_cmp(op, R(e->a[0]), R(e->a[1])), d0, d1);
    }
    if (e->fn == DA_F_CLIP) {
        /* inside (lo, hi): u'; at or below lo: lo'; at or above hi: hi' */
        const da_expr *lo = e->a[1], *hi = e->a[2];
        da_expr *du = diff(u), *dlo = diff(lo), *dhi = diff(hi);
        da_expr *inside = s_logic(DA_E_AND, s_cmp(DA_E_GT, R(u), R(lo)),
                                  s_cmp(DA_E_LT, R(u), R(hi)));
        da_expr *outside = s_cond(s_cmp(DA_E_LE, R(u), R(lo)), dlo, dhi);
        return s_cond(inside, du, outside);
    }
    switch (e->fn) {
    case DA_F_SIGN: case DA_F_STEP: case DA_F_FLOOR: case DA_F_CEIL:
        return inum(0);
    default:
        break;
    }
    da_expr *du = diff(u);
    if (!du)
        return NULL;
    if (is_zero(du))
        return du;
    return s_mul(dfn1(e->fn, u, e), du);
}

static da_expr *diff(const da_expr *e)
{
    const da_expr *a = e->a[0], *b = e->a[1];
    switch (e->op) {
    case DA_E_NUM: case DA_E_PI: case DA_E_E:
        return inum(0);
    case DA_E_X:
        return inum(1);
    case DA_E_NEG:
        return s_neg(diff(a));
    case DA_E_ADD:
        return s_add(diff(a), diff(b));
    case DA_E_SUB:
        return s_sub(diff(a), diff(b));
    case DA_E_MUL:
        return s_add(s_mul(diff(a), R(b)), s_mul(R(a), diff(b)));
    case DA_E_DIV:
        if (!da_expr_has_x(b))
            return s_div(diff(a), R(b));
        /* (a' b - a b') / b^2 */
        return s_div(s_sub(s_mul(diff(a), R(b)), s_mul(R(a), diff(b))),
                     s_pow(R(b), inum(2)));
    case DA_E_POW:
        if (!da_expr_has_x(b)) {
            if (!da_expr_has_x(a))
                return inum(0);
            /* c * a^(c-1) * a' */
            return s_mul(s_mul(R(b), s_pow(R(a), s_sub(R(b), inum(1)))), diff(a));
        }
        if (a->op == DA_E_E)
            return s_mul(R(e), diff(b));
        if (!da_expr_has_x(a))
            return s_mul(s_mul(R(e), fn1(DA_F_LOG, R(a))), diff(b));
        /* a^b * (b' log a + b a'/a) */
        return s_mul(R(e), s_add(s_mul(diff(b), fn1(DA_F_LOG, R(a))),
                                 s_div(s_mul(R(b), diff(a)), R(a))));
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE:
    case DA_E_EQ: case DA_E_NE: case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        return inum(0);
    case DA_E_COND:
        return s_cond(R(a), diff(b), diff(e->a[2]));
    case DA_E_FN:
        return diff_fn(e);
    }
    return NULL;
}

da_expr *da_expr_diff(const da_expr *e)
{
    if (!e)
        return NULL;
    da_expr *s = simplify(e);
    if (!s) {
        da_fail(DA_ENOMEM, "out of memory");
        return NULL;
    }
    da_expr *d = diff(s);
    da_expr_unref(s);
    if (!d)
        da_fail(DA_ENOMEM, "out of memory");
    return d;
}

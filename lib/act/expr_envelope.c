/* expr_envelope.c -- proved growth envelopes of a formula for |x| >= 1.
 *
 * For the tails of the Hermite integrals the engine needs, for |x| >= 1,
 *
 *     |f(x)| <= A |x|^m exp(c |x| + q x^2)                       (env)
 *
 * with constants that are proved, not sampled.  They come from an algebra
 * over the syntax tree.  Because |x| >= 1, a term |x|^m' e^{c'|x|+q'x^2}
 * is at most |x|^m e^{c|x|+qx^2} whenever m' <= m, c' <= c, q' <= q, so
 * sums add the A's and take the largest exponents, and products add the
 * exponents.  exp(g) needs an upper bound of g itself, not of |g|, kept
 * as a one-sided quadratic
 *
 *     g(x) <= q x^2 + c |x| + d          (up; lo is up of -g)
 *
 * which is how exp(-x^2/2) stays bounded and exp(x^2/8) gets q = 1/8.
 * Division needs a lower bound of the denominator: constants, x itself,
 * and a positive constant plus something non-negative.
 *
 * Arithmetic: constants are doubles; every sum and product is rounded
 * upwards by one ulp (IEEE operations are correctly rounded), exp, log,
 * sqrt and powers come from Arb balls and take their upper end, so every
 * constant is an upper bound of the exact one.  A node the algebra does
 * not know fails the whole envelope: the caller then has no proof of the
 * tail and must say so.
 */
#include "core/core.h"
#include "core/arbinc.h"
#include "act/expr.h"
#include "act/expr_fn.h"
#include "act/envelope.h"

#include <math.h>
#include <string.h>

static double up1(double x)
{
    return x == 0 ? 0 : nextafter(x, INFINITY);
}
/* a + b and a * b rounded upwards: exact when the operation is (the
   error term of the correctly rounded result, by TwoSum and fma, says on
   which side the exact value lies) */
static double addu(double a, double b)
{
    double s = a + b, bb = s - a;
    double err = (a - (s - bb)) + (b - bb);
    return err > 0 ? nextafter(s, INFINITY) : s;
}
static double mulu(double a, double b)
{
    double p = a * b;
    return fma(a, b, -p) > 0 ? nextafter(p, INFINITY) : p;
}

/* exp(x), log(x), x^y, rounded up, through Arb */
static double arb_up(int op, double x, double y)
{
    arb_t a, b;
    arb_init(a);
    arb_init(b);
    arb_set_d(a, x);
    arb_set_d(b, y);
    switch (op) {
    case 0: arb_exp(a, a, 64); break;
    case 1: arb_log(a, a, 64); break;
    case 2: arb_pow(a, a, b, 64); break;
    default: arb_sqrt(a, a, 64); break;
    }
    double r = INFINITY;
    if (arb_is_finite(a)) {
        arf_t u;
        arf_init(u);
        arb_get_ubound_arf(u, a, 64);
        r = arf_get_d(u, ARF_RND_UP);
        arf_clear(u);
    }
    arb_clear(a);
    arb_clear(b);
    return r;
}

static int env_ok(const da_env *e)
{
    return isfinite(e->A) && isfinite(e->m) && isfinite(e->c) && isfinite(e->q) && e->A >= 0;
}

static void env_const(da_env *e, double A)
{
    e->A = A;
    e->m = e->c = e->q = 0;
}

static void env_sum(da_env *r, const da_env *f, const da_env *g)
{
    r->A = addu(f->A, g->A);
    r->m = fmax(f->m, g->m);
    r->c = fmax(f->c, g->c);
    r->q = fmax(f->q, g->q);
}

static void env_prod(da_env *r, const da_env *f, const da_env *g)
{
    r->A = mulu(f->A, g->A);
    r->m = addu(f->m, g->m);
    r->c = addu(f->c, g->c);
    r->q = addu(f->q, g->q);
}

/* one-sided quadratic bound g <= q x^2 + c |x| + d */
typedef struct {
    double q, c, d;
} quad;

static void quad_add(quad *r, const quad *a, const quad *b)
{
    r->q = addu(a->q, b->q);
    r->c = addu(a->c, b->c);
    r->d = addu(a->d, b->d);
}

/* k * a for k in [kl, ku], 0 <= kl <= ku, rounded up: non-negative
   entries take ku, negative ones kl */
static double scale1(double kl, double ku, double a)
{
    return mulu(a >= 0 ? ku : kl, a);
}
static void quad_scale(quad *r, double kl, double ku, const quad *a)
{
    r->q = scale1(kl, ku, a->q);
    r->c = scale1(kl, ku, a->c);
    r->d = scale1(kl, ku, a->d);
}

/* |g|^p for p in [pl, pu] (0 < pl <= pu) from the envelope of g */
static int env_pow(da_env *r, const da_env *a, double pl, double pu)
{
    r->A = arb_up(2, a->A, a->A >= 1 ? pu : pl);
    r->m = mulu(a->m, a->m >= 0 ? pu : pl);
    r->c = mulu(a->c, a->c >= 0 ? pu : pl);
    r->q = mulu(a->q, a->q >= 0 ? pu : pl);
    return env_ok(r);
}

/* |g| <= env: a quadratic bound of both g and -g when the envelope is at
   most quadratic */
static int quad_from_env(quad *r, const da_env *e)
{
    if (!env_ok(e) || e->c > 0 || e->q > 0)
        return 0;
    /* e^{c|x| + q x^2} <= 1 when c, q <= 0 */
    r->q = r->c = r->d = 0;
    if (e->m <= 0)
        r->d = e->A;
    else if (e->m <= 1)
        r->c = e->A;
    else if (e->m <= 2)
        r->q = e->A;
    else
        return 0;
    return 1;
}

static int env_rec(da_env *r, const da_expr *e);
static int up_rec(quad *r, const da_expr *e, int neg);

/* a subexpression without x, in ball arithmetic; 0 when it has x or is
   not finite */
static int const_arb(arb_t r, const da_expr *e)
{
    arb_t a, b;
    int ok = 1;
    switch (e->op) {
    case DA_E_NUM: {
        mpfr_t lo, hi;
        mpfr_init2(lo, 80);
        mpfr_init2(hi, 80);
        ok = mpfr_set_str(lo, e->num, 10, MPFR_RNDD) == 0
             && mpfr_set_str(hi, e->num, 10, MPFR_RNDU) == 0 && mpfr_number_p(lo)
             && mpfr_number_p(hi);
        if (ok)
            arb_set_interval_mpfr(r, lo, hi, 80);
        mpfr_clear(lo);
        mpfr_clear(hi);
        return ok;
    }
    case DA_E_PI: arb_const_pi(r, 80); return 1;
    case DA_E_E: arb_const_e(r, 80); return 1;
    case DA_E_X: return 0;
    default: break;
    }
    if (e->op != DA_E_NEG && e->op != DA_E_ADD && e->op != DA_E_SUB && e->op != DA_E_MUL
        && e->op != DA_E_DIV && e->op != DA_E_POW && e->op != DA_E_FN)
        return 0;
    if (e->op == DA_E_FN && e->nargs != 1)
        return 0;
    arb_init(a);
    arb_init(b);
    ok = const_arb(a, e->a[0]) && (e->nargs < 2 || const_arb(b, e->a[1]));
    if (ok) {
        switch (e->op) {
        case DA_E_NEG: arb_neg(r, a); break;
        case DA_E_ADD: arb_add(r, a, b, 80); break;
        case DA_E_SUB: arb_sub(r, a, b, 80); break;
        case DA_E_MUL: arb_mul(r, a, b, 80); break;
        case DA_E_DIV: arb_div(r, a, b, 80); break;
        case DA_E_POW: arb_pow(r, a, b, 80); break;
        default:
            switch (e->fn) {
            case DA_F_SQRT: arb_sqrt(r, a, 80); break;
            case DA_F_EXP: arb_exp(r, a, 80); break;
            case DA_F_LOG: arb_log(r, a, 80); break;
            case DA_F_SIN: arb_sin(r, a, 80); break;
            case DA_F_COS: arb_cos(r, a, 80); break;
            case DA_F_TANH: arb_tanh(r, a, 80); break;
            case DA_F_ERF: arb_hypgeom_erf(r, a, 80); break;
            case DA_F_ABS: arb_abs(r, a); break;
            default: ok = 0; break;
            }
        }
    }
    arb_clear(a);
    arb_clear(b);
    return ok && arb_is_finite(r);
}

/* the value of a constant subexpression (no x), a double within 2^-48
   relative of the exact value (the callers round with that margin) */
static int const_val(const da_expr *e, double *v)
{
    if (e->op == DA_E_X || e->op == DA_E_COND || e->op == DA_E_FN) {
        if (e->op != DA_E_FN || e->nargs != 1)
            return 0;
    }
    arb_t r;
    arb_init(r);
    int ok = const_arb(r, e);
    if (ok) {
        *v = arf_get_d(arb_midref(r), ARF_RND_NEAR);
        /* the ball must be that narrow */
        mag_t t;
        mag_init(t);
        arf_get_mag(t, arb_midref(r));
        mag_mul_2exp_si(t, t, -50);
        ok = isfinite(*v) && (mag_cmp(arb_radref(r), t) <= 0 || arb_is_zero(r));
        mag_clear(t);
    }
    arb_clear(r);
    return ok;
}

/* |decimal constant| rounded up (the double may be below the text) */
static double abs_const_up(double v)
{
    return up1(fabs(v) * (1 + 0x1p-47));
}

/* g <= ... for g >= 0 known: is e non-negative everywhere? */
static int nonneg(const da_expr *e)
{
    double v;
    if (const_val(e, &v))
        return v >= 0;
    switch (e->op) {
    case DA_E_POW: {
        long n;
        double pv;
        if (const_val(e->a[1], &pv) && pv == floor(pv) && fmod(fabs(pv), 2) == 0)
            return 1;
        (void)n;
        return nonneg(e->a[0]);
    }
    case DA_E_MUL:
        return (nonneg(e->a[0]) && nonneg(e->a[1])) || da_expr_equal(e->a[0], e->a[1]);
    case DA_E_ADD:
        return nonneg(e->a[0]) && nonneg(e->a[1]);
    case DA_E_DIV:
        return nonneg(e->a[0]) && nonneg(e->a[1]);
    case DA_E_FN:
        return da_fn_get(e->fn)->nonneg;
    default:
        return 0;
    }
}

/* |e(x)| >= B |x|^mm for |x| >= 1, B > 0 */
static int lower_abs(double *B, double *mm, const da_expr *e)
{
    double v;
    if (const_val(e, &v)) {
        if (v == 0)
            return 0;
        *B = fabs(v) * (1 - 0x1p-47);
        *mm = 0;
        return 1;
    }
    if (e->op == DA_E_X) {
        *B = 1;
        *mm = 1;
        return 1;
    }
    if (e->op == DA_E_NEG)
        return lower_abs(B, mm, e->a[0]);
    if (e->op == DA_E_ADD || e->op == DA_E_SUB) {
        /* k + g with k > 0 and g >= 0 (or the other way round) */
        for (int s = 0; e->op == DA_E_ADD && s < 2; s++)
            if (const_val(e->a[s], &v) && v > 0 && nonneg(e->a[1 - s])) {
                *B = v * (1 - 0x1p-47);
                *mm = 0;
                return 1;
            }
        /* g +- k with |g| >= B1 |x|^m1, m1 >= 0, B1 > |k|: since |x|^m1 >= 1,
           |g +- k| >= (B1 - |k|) |x|^m1 (x - 0.5, 2 x + 1) */
        for (int s = 0; s < 2; s++) {
            double B1, m1;
            if (const_val(e->a[s], &v) && isfinite(v) && lower_abs(&B1, &m1, e->a[1 - s])
                && m1 >= 0) {
                double k = fabs(v) * (1 + 0x1p-47);
                if (B1 > k) {
                    *B = (B1 - k) * (1 - 0x1p-47);
                    *mm = m1;
                    return *B > 0;
                }
            }
        }
        return 0;
    }
    if (e->op == DA_E_MUL) {
        double B1, m1, B2, m2;
        if (lower_abs(&B1, &m1, e->a[0]) && lower_abs(&B2, &m2, e->a[1])) {
            *B = B1 * B2 * (1 - 0x1p-50);
            *mm = m1 + m2;
            return 1;
        }
        return 0;
    }
    if (e->op == DA_E_POW) {
        double p;
        if (const_val(e->a[1], &p) && p > 0 && lower_abs(B, mm, e->a[0])) {
            double b = *B;
            *B = b >= 1 ? 1 : b <= 0 ? 0 : exp(p * log(b)) * (1 - 0x1p-40);
            *mm *= p;
            return *B > 0;
        }
        return 0;
    }
    if (e->op == DA_E_FN && (e->fn == DA_F_EXP || e->fn == DA_F_COSH)) {
        /* exp(g) >= exp(-(up of -g)) when -g <= d (bounded below) */
        quad l;
        if (e->fn == DA_F_COSH) {
            *B = 1;
            *mm = 0;
            return 1;
        }
        if (up_rec(&l, e->a[0], 1) && l.q <= 0 && l.c <= 0) {
            *B = exp(-l.d) * (1 - 0x1p-40);
            *mm = 0;
            return *B > 0;
        }
        return 0;
    }
    if (e->op == DA_E_FN && e->fn == DA_F_ABS)
        return lower_abs(B, mm, e->a[0]);
    return 0;
}

/* up (neg = 0) or lo (neg = 1): e <= ... or -e <= ... */
static int up_rec(quad *r, const da_expr *e, int neg)
{
    double v;
    if (const_val(e, &v)) {
        r->q = r->c = 0;
        r->d = neg ? up1(-v + fabs(v) * 0x1p-47) : up1(v + fabs(v) * 0x1p-47);
        return 1;
    }
    switch (e->op) {
    case DA_E_X:
        r->q = r->d = 0;
        r->c = 1;
        return 1;
    case DA_E_NEG:
        return up_rec(r, e->a[0], !neg);
    case DA_E_ADD:
    case DA_E_SUB: {
        quad a, b;
        if (!up_rec(&a, e->a[0], neg) || !up_rec(&b, e->a[1], e->op == DA_E_SUB ? !neg : neg))
            return 0;
        quad_add(r, &a, &b);
        return 1;
    }
    case DA_E_MUL: {
        for (int s = 0; s < 2; s++)
            if (const_val(e->a[s], &v)) {
                quad a;
                if (!up_rec(&a, e->a[1 - s], v < 0 ? !neg : neg))
                    return 0;
                quad_scale(r, fabs(v) * (1 - 0x1p-47), abs_const_up(v), &a);
                return 1;
            }
        if (neg && da_expr_equal(e->a[0], e->a[1])) {
            r->q = r->c = r->d = 0;   /* -g^2 <= 0 */
            return 1;
        }
        break;
    }
    case DA_E_DIV:
        if (const_val(e->a[1], &v) && v != 0) {
            quad a;
            if (!up_rec(&a, e->a[0], v < 0 ? !neg : neg))
                return 0;
            /* 1/|v| rounded up */
            quad_scale(r, 1 / (fabs(v) * (1 + 0x1p-46)), up1(1 / (fabs(v) * (1 - 0x1p-47))), &a);
            return 1;
        }
        break;
    case DA_E_POW:
        if (neg && const_val(e->a[1], &v) && v == floor(v) && fmod(fabs(v), 2) == 0 && v > 0) {
            r->q = r->c = r->d = 0;   /* -g^(2j) <= 0 */
            return 1;
        }
        break;
    default:
        break;
    }
    if (neg && nonneg(e)) {
        r->q = r->c = r->d = 0;
        return 1;
    }
    /* from the envelope of |e| */
    da_env en;
    if (!env_rec(&en, e))
        return 0;
    return quad_from_env(r, &en);
}

static int env_fn(da_env *r, const da_expr *e)
{
    da_env a, b;
    quad u;
    /* bounded: the table's bound */
    if (da_fn_get(e->fn)->bound > 0) {
        env_const(r, da_fn_get(e->fn)->bound);
        return 1;
    }
    switch (e->fn) {
    /* |f(g)| <= |g| */
    case DA_F_ABS: case DA_F_RELU: case DA_F_ASINH:
        return env_rec(r, e->a[0]);
    case DA_F_ACOSH:
        /* acosh g <= log(2g) <= g for g >= 1 */
        return env_rec(r, e->a[0]);
    case DA_F_FLOOR: case DA_F_CEIL: {
        da_env one;
        env_const(&one, 1);
        if (!env_rec(&a, e->a[0]))
            return 0;
        env_sum(r, &a, &one);
        return 1;
    }
    case DA_F_SOFTPLUS: {
        /* log(1 + e^g) <= log 2 + |g| */
        da_env l2;
        env_const(&l2, 0.6931471805599454);
        if (!env_rec(&a, e->a[0]))
            return 0;
        env_sum(r, &a, &l2);
        return 1;
    }
    case DA_F_SQRT: case DA_F_CBRT:
        if (!env_rec(&a, e->a[0]))
            return 0;
        if (e->fn == DA_F_SQRT)
            return env_pow(r, &a, 0.5, 0.5);
        return env_pow(r, &a, 0.3333333333333333, 0.33333333333333337);
    case DA_F_EXP:
    case DA_F_EXPM1:
        if (!up_rec(&u, e->a[0], 0))
            return 0;
        r->A = arb_up(0, u.d, 0);
        r->m = 0;
        r->c = u.c;
        r->q = u.q;
        if (e->fn == DA_F_EXPM1) {
            da_env one, t = *r;
            env_const(&one, 1);
            env_sum(r, &t, &one);
        }
        return env_ok(r);
    case DA_F_SINH: case DA_F_COSH: {
        /* |sinh g|, cosh g <= e^{|g|} */
        if (!env_rec(&a, e->a[0]) || !quad_from_env(&u, &a))
            return 0;
        r->A = arb_up(0, u.d, 0);
        r->m = 0;
        r->c = u.c;
        r->q = u.q;
        return env_ok(r);
    }
    case DA_F_LOG: case DA_F_LOG1P: {
        /* log(k + exp(h)) with k >= 1 (log1p(exp(h)): k = 1), softplus
           written out: 1 <= k + e^h <= (k + 1) e^{|h|}, so
           0 <= log(k + e^h) <= log(k + 1) + |h| */
        {
            const da_expr *g = e->a[0], *h = NULL;
            arb_t k;
            arb_init(k);
            if (e->fn == DA_F_LOG1P) {
                if (g->op == DA_E_FN && g->fn == DA_F_EXP) {
                    h = g->a[0];
                    arb_one(k);
                }
            } else if (g->op == DA_E_ADD) {
                for (int s = 0; s < 2 && !h; s++)
                    if (g->a[1 - s]->op == DA_E_FN && g->a[1 - s]->fn == DA_F_EXP
                        && const_arb(k, g->a[s]))
                        h = g->a[1 - s]->a[0];
            }
            /* k >= 1 proved on the ball of the decimal constant; the
               constant log(k + 1) rounded upwards in Arb */
            arb_t one;
            arb_init(one);
            arb_one(one);
            int ok = h && arb_is_finite(k) && arb_ge(k, one);
            double kl = INFINITY;
            if (ok) {
                arb_add_ui(k, k, 1, 64);
                arb_log(k, k, 64);
                if (arb_is_finite(k)) {
                    arf_t u;
                    arf_init(u);
                    arb_get_ubound_arf(u, k, 64);
                    kl = arf_get_d(u, ARF_RND_UP);
                    arf_clear(u);
                }
            }
            arb_clear(one);
            arb_clear(k);
            if (ok && isfinite(kl)) {
                da_env c;
                if (!env_rec(&a, h))
                    return 0;
                env_const(&c, kl);
                env_sum(r, &a, &c);
                return 1;
            }
        }
        /* |log g| <= g - 1 <= |g| when g >= 1 */
        double B, mm;
        if (e->fn == DA_F_LOG && lower_abs(&B, &mm, e->a[0]) && B >= 1 && mm >= 0
            && nonneg(e->a[0]))
            return env_rec(r, e->a[0]);
        if (e->fn == DA_F_LOG1P && nonneg(e->a[0]))
            return env_rec(r, e->a[0]);
        /* log|x| style: log(abs(g)) with |g| >= |x| */
        return 0;
    }
    case DA_F_MAX: case DA_F_MIN:
        if (!env_rec(&a, e->a[0]) || !env_rec(&b, e->a[1]))
            return 0;
        env_sum(r, &a, &b);
        return 1;
    case DA_F_CLIP: {
        double lo, hi;
        if (const_val(e->a[1], &lo) && const_val(e->a[2], &hi)) {
            env_const(r, abs_const_up(fmax(fabs(lo), fabs(hi))));
            return 1;
        }
        da_env c3;
        if (!env_rec(&a, e->a[0]) || !env_rec(&b, e->a[1]) || !env_rec(&c3, e->a[2]))
            return 0;
        da_env t;
        env_sum(&t, &a, &b);
        env_sum(r, &t, &c3);
        return 1;
    }
    default:
        return 0;   /* tan, atanh: no envelope */
    }
}

static int env_rec(da_env *r, const da_expr *e)
{
    double v;
    if (const_val(e, &v)) {
        env_const(r, abs_const_up(v));
        return 1;
    }
    da_env a, b;
    switch (e->op) {
    case DA_E_X:
        r->A = 1;
        r->m = 1;
        r->c = r->q = 0;
        return 1;
    case DA_E_NEG:
        return env_rec(r, e->a[0]);
    case DA_E_ADD:
    case DA_E_SUB:
        if (!env_rec(&a, e->a[0]) || !env_rec(&b, e->a[1]))
            return 0;
        env_sum(r, &a, &b);
        return 1;
    case DA_E_MUL:
        if (!env_rec(&a, e->a[0]) || !env_rec(&b, e->a[1]))
            return 0;
        env_prod(r, &a, &b);
        return 1;
    case DA_E_DIV: {
        double B, mm;
        if (!env_rec(&a, e->a[0]) || !lower_abs(&B, &mm, e->a[1]))
            return 0;
        r->A = up1(a.A / B);
        r->m = addu(a.m, -mm);
        r->c = a.c;
        r->q = a.q;
        return env_ok(r);
    }
    case DA_E_POW: {
        double p;
        if (!const_val(e->a[1], &p))
            return 0;
        if (p < 0) {
            /* |g|^p <= (B |x|^mm)^p from a lower bound of |g| */
            double B, mm;
            if (!lower_abs(&B, &mm, e->a[0]))
                return 0;
            r->A = arb_up(2, B, p);
            r->m = mulu(mm, p);
            r->c = r->q = 0;
            return env_ok(r);
        }
        if (!env_rec(&a, e->a[0]))
            return 0;
        if (p == 0) {
            env_const(r, 1);
            return 1;
        }
        /* an integer exponent is exact (a decimal integer below 2^53 is
           its double); otherwise the decimal lies within one ulp of p */
        if (p == floor(p) && fabs(p) < 0x1p52)
            return env_pow(r, &a, p, p);
        return env_pow(r, &a, nextafter(p, 0), up1(p));
    }
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE:
    case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        env_const(r, 1);
        return 1;
    case DA_E_COND:
        if (!env_rec(&a, e->a[1]) || !env_rec(&b, e->a[2]))
            return 0;
        env_sum(r, &a, &b);
        return 1;
    case DA_E_FN:
        return env_fn(r, e);
    default:
        return 0;
    }
}

int da_expr_envelope(da_env *env, const da_expr *e)
{
    if (!env_rec(env, e) || !env_ok(env))
        return DA_EDOM;
    return DA_OK;
}

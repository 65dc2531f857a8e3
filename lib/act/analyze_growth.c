/* analyze_growth.c -- how fast a formula grows at +-infinity (symbolic rules, else a
 * numerical fit).
 * Part of the expression analysis: see expr_analyze.c. */
#include "act/analyze_impl.h"
#include "act/expr_fn.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- growth ---------------------------------------------------------- */


grow an_gr_poly(double d) { grow r = {DA_GROWTH_POLY, d, 1, NULL}; return r; }

grow an_gr_max(grow a, grow b)
{
    grow r = a.g > b.g ? a : b;
    if (a.g == b.g)
        r.p = fmax(a.p, b.p);
    r.sure = a.sure && b.sure;
    if (!r.bad)
        r.bad = a.bad ? a.bad : b.bad;
    return r;
}

static grow gr_mul(grow a, grow b)
{
    grow r = an_gr_max(a, b);
    if (a.g == b.g && a.g != DA_GROWTH_BAD)
        r.p = a.p + b.p;
    return r;
}

/* log|f| at +-20, 40, 80 (MPFR, 128 bits); 0 if some value failed */
static int log_abs_at(const da_expr *e, double L[2][3])
{
    static const double X[3] = {20, 40, 80};
    mpfr_t x, y;
    mpfr_inits2(128, x, y, (mpfr_ptr)0);
    int ok = 1;
    for (int s = 0; ok && s < 2; s++)
        for (int j = 0; ok && j < 3; j++) {
            mpfr_set_d(x, s ? X[j] : -X[j], MPFR_RNDN);
            if (an_ev_m(y, e, x, NULL)) {
                ok = 0;
                break;
            }
            if (mpfr_zero_p(y)) {
                L[s][j] = -INFINITY;
            } else {
                mpfr_abs(y, y, MPFR_RNDN);
                mpfr_log(y, y, MPFR_RNDN);
                L[s][j] = mpfr_get_d(y, MPFR_RNDN);
            }
        }
    mpfr_clears(x, y, (mpfr_ptr)0);
    return ok;
}

/* growth of e estimated from log|e| at |x| = 20, 40, 80 */
grow an_gr_numeric(const da_expr *e, int side)
{
    double L[2][3];
    grow r = an_gr_poly(0);
    r.sure = 0;
    if (!log_abs_at(e, L)) {
        r.g = DA_GROWTH_BAD;
        r.bad = e;
        return r;
    }
    for (int s = 0; s < 2; s++) {
        if (side != 0 && side != 2 * s - 1)
            continue;
        if (!isfinite(L[s][2]) || !isfinite(L[s][1]) || L[s][2] <= L[s][1] + 0.05)
            continue;   /* decaying or flat on this side */
        double d1 = isfinite(L[s][0]) ? L[s][1] - L[s][0] : 0, d2 = L[s][2] - L[s][1];
        grow q;
        if (d2 > 20 && d2 > 2.8 * fmax(d1, 1e-300)) {
            q.g = DA_GROWTH_BAD;
            q.p = 0;
            q.bad = e;
        } else if (d2 > 1.5 * fmax(d1, 0) + 0.5) {
            q.g = DA_GROWTH_EXP;
            q.p = d2 / 40 * 1.05;
            q.bad = NULL;
        } else {
            q.g = DA_GROWTH_POLY;
            q.p = fmax(0, ceil(d2 / DA_LN2 - 0.1));
            q.bad = NULL;
        }
        q.sure = 0;
        r = an_gr_max(r, q);
        r.sure = 0;
    }
    return r;
}

/* exp(u) (both = 1: cosh/sinh, i.e. exp(|u|)) */
static grow gr_exp(const da_expr *node, const da_expr *u, grow gu, int both, int side)
{
    double a, b;
    if (an_affine_d(u, &a, &b)) {
        if (a == 0 || (!both && side != 0 && a * side <= 0))
            return an_gr_poly(0);   /* constant, or decays on this side */
        grow r = {DA_GROWTH_EXP, fabs(a), 1, NULL};
        return r;
    }
    if (gu.sure && gu.g == DA_GROWTH_POLY && gu.p == 0)
        return an_gr_poly(0);   /* bounded exponent */
    /* the upward growth of u (and of -u for cosh, sinh) */
    mpfr_t x, y;
    mpfr_inits2(128, x, y, (mpfr_ptr)0);
    static const double X[3] = {20, 40, 80};
    double U[2][3];
    int ok = 1;
    for (int s = 0; ok && s < 2; s++)
        for (int j = 0; ok && j < 3; j++) {
            mpfr_set_d(x, s ? X[j] : -X[j], MPFR_RNDN);
            ok = an_ev_m(y, u, x, NULL) == 0;
            U[s][j] = mpfr_get_d(y, MPFR_RNDN);
        }
    mpfr_clears(x, y, (mpfr_ptr)0);
    grow r = an_gr_poly(0);
    if (!ok) {
        r.sure = 0;
        return r;
    }
    for (int s = 0; s < 2; s++)
        for (int sg = 0; sg < (both ? 2 : 1) && (side == 0 || side == 2 * s - 1); sg++) {
            double m = sg ? -1 : 1;
            double u0 = m * U[s][0], u1 = m * U[s][1], u2 = m * U[s][2];
            double d1 = u1 - u0, d2 = u2 - u1;
            if (d2 <= 1e-9 * (1 + fabs(u1)))
                continue;   /* bounded above on this side */
            if (d2 > 10 && d2 > 2.5 * fmax(d1, 1e-300)) {
                r.g = DA_GROWTH_BAD;
                r.bad = node;
                return r;
            }
            grow q = {DA_GROWTH_EXP, d2 / 40 * 1.05, 1, NULL};
            r = an_gr_max(r, q);
        }
    return r;
}

int an_is_poly_tree(const da_expr *e)
{
    if (!da_expr_has_x(e))
        return 1;
    switch (e->op) {
    case DA_E_X:
        return 1;
    case DA_E_NEG: case DA_E_ADD: case DA_E_SUB: case DA_E_MUL:
        for (int i = 0; i < e->nargs; i++)
            if (!an_is_poly_tree(e->a[i]))
                return 0;
        return 1;
    case DA_E_DIV:
        return !da_expr_has_x(e->a[1]) && an_is_poly_tree(e->a[0]);
    case DA_E_POW: {
        if (da_expr_has_x(e->a[1]))
            return 0;
        double v = an_const_d(e->a[1]);
        return v >= 0 && v == floor(v) && an_is_poly_tree(e->a[0]);
    }
    default:
        return 0;
    }
}

grow an_growth_rec(const da_expr *e, int side)
{
    if (!da_expr_has_x(e))
        return an_gr_poly(0);
    grow g0, g1, g2, r;
    switch (e->op) {
    case DA_E_X:
        return an_gr_poly(1);
    case DA_E_NEG:
        return an_growth_rec(e->a[0], side);
    case DA_E_ADD: case DA_E_SUB:
        return an_gr_max(an_growth_rec(e->a[0], side), an_growth_rec(e->a[1], side));
    case DA_E_MUL:
        return gr_mul(an_growth_rec(e->a[0], side), an_growth_rec(e->a[1], side));
    case DA_E_DIV:
        g0 = an_growth_rec(e->a[0], side);
        if (!da_expr_has_x(e->a[1]))
            return g0;
        g0.sure = 0;   /* 1/den may grow */
        return g0;
    case DA_E_POW:
        if (e->a[0]->op == DA_E_E)
            return gr_exp(e, e->a[1], an_growth_rec(e->a[1], side), 0, side);
        if (!da_expr_has_x(e->a[1])) {
            double c = an_const_d(e->a[1]);
            g0 = an_growth_rec(e->a[0], side);
            if (!(c >= 0)) {
                g0.sure = 0;
                return g0;
            }
            if (g0.g != DA_GROWTH_BAD)
                g0.p *= c;
            return g0;
        }
        r = an_growth_rec(e->a[0], side);
        r.sure = 0;
        return r;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ:
    case DA_E_NE: case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        return an_gr_poly(0);
    case DA_E_COND:
        return an_gr_max(an_growth_rec(e->a[1], side), an_growth_rec(e->a[2], side));
    case DA_E_FN:
        break;
    default:
        r = an_gr_poly(0);
        r.sure = 0;
        return r;
    }
    const da_expr *u = e->a[0];
    const da_fn_info *fi = da_fn_get(e->fn);
    if (fi->growth == DA_FN_GROW_BOUNDED)
        return an_gr_poly(0);
    if (fi->growth == DA_FN_GROW_LOG) {
        r = an_gr_poly(1);
        r.sure = an_is_poly_tree(u);
        return r;
    }
    switch (e->fn) {
    case DA_F_EXP: case DA_F_EXPM1:
        return gr_exp(e, u, an_growth_rec(u, side), 0, side);
    case DA_F_SINH: case DA_F_COSH:
        return gr_exp(e, u, an_growth_rec(u, side), 1, side);
    case DA_F_TAN:
        g0 = an_growth_rec(u, side);
        r = an_gr_poly(0);
        r.sure = g0.sure && g0.g == DA_GROWTH_POLY && g0.p == 0;
        return r;
    case DA_F_ATANH:
        r = an_gr_poly(0);
        r.sure = 0;
        return r;
    case DA_F_SQRT: case DA_F_CBRT:
        g0 = an_growth_rec(u, side);
        if (g0.g != DA_GROWTH_BAD)
            g0.p /= e->fn == DA_F_SQRT ? 2 : 3;
        return g0;
    case DA_F_SOFTPLUS: case DA_F_RELU: case DA_F_ABS:
        return an_growth_rec(u, side);
    case DA_F_FLOOR: case DA_F_CEIL:
        return an_gr_max(an_growth_rec(u, side), an_gr_poly(0));
    case DA_F_MAX: case DA_F_MIN:
        return an_gr_max(an_growth_rec(e->a[0], side), an_growth_rec(e->a[1], side));
    case DA_F_CLIP:
        g1 = an_growth_rec(e->a[1], side);
        g2 = an_growth_rec(e->a[2], side);
        return an_gr_max(g1, g2);
    default:
        r = an_gr_poly(0);
        r.sure = 0;
        return r;
    }
}

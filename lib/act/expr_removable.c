/* expr_removable.c -- quotients with a removable singularity, such as
 * sin(x)/x, (exp(x)-1)/x or (1-cos(x))/x^2.
 *
 * A quotient g/h is marked when the analysis can prove that its only
 * trouble at a point r is 0/0 with a finite limit:
 *
 *   - g and h are switch-free (no abs, max, comparisons, ...), so they
 *     are analytic wherever their ball evaluation is finite;
 *   - r is 0, or the root of an affine h, and is a double;
 *   - h(r) = h'(r) = ... = h^(k-1)(r) = 0 exactly in ball arithmetic at
 *     the exact point r, and the ball of h^(k)(r) excludes 0 (k <= 4);
 *   - g(r) = ... = g^(k-1)(r) = 0 exactly as well.
 *
 * Then for every z of a convex set Z' holding r and z,
 *
 *   g(z)/h(z) = int_0^1 w(t) g^(k)(r + t(z-r)) dt / int_0^1 w(t) h^(k)(..) dt
 *
 * with w(t) = (1-t)^(k-1) (k-1)!^-1 >= 0 (Taylor's formula with integral
 * remainder, for both), so the quotient lies in hull g^(k)(Z') / hull
 * h^(k)(Z') whenever the second ball excludes 0 -- which also proves that
 * h has no other zero in Z'.  The evaluators (expr_tape.c,
 * expr_tape_arb.c) use this form where the ball of h holds 0, with Z' the
 * hull of the input and r; in double and MPFR, at h = 0 exactly, they
 * return g^(k)(x)/h^(k)(x).  docs/numerics.md, "Removable
 * singularities".
 */
#include "core/core.h"
#include "act/expr.h"
#include "act/tape_ball.h"

#include <math.h>
#include <stdlib.h>

#define REM_MAXK 4
#define REM_PREC 128

/* no switch: nothing whose branch would have to be decided */
static int switch_free(const da_expr *e)
{
    switch (e->op) {
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE:
    case DA_E_AND: case DA_E_OR: case DA_E_NOT: case DA_E_COND:
        return 0;
    case DA_E_FN:
        if (da_fn_is_switch(e->fn))
            return 0;
        break;
    default:
        break;
    }
    for (int i = 0; i < e->nargs; i++)
        if (!switch_free(e->a[i]))
            return 0;
    return 1;
}

/* The ball of e at the exact point r: 0 exactly zero, 1 a ball away from
 * 0, 2 otherwise (not finite, or a ball holding 0), -1 ENOMEM. */
static int sign_at(const da_expr *e, double r)
{
    da_tape *t = da_tape_new(e);
    if (!t)
        return -1;
    da_tape_ball *w = da_tape_ball_new(t, REM_PREC);
    if (!w) {
        da_tape_free(t);
        return -1;
    }
    arb_t x, y;
    arb_init(x);
    arb_init(y);
    arb_set_d(x, r);
    int res = 2;
    if (da_tape_arb_enclose(w, y, x) == DA_BALL_OK) {
        if (arb_is_zero(y))
            res = 0;
        else if (!arb_contains_zero(y))
            res = 1;
    }
    arb_clear(x);
    arb_clear(y);
    da_tape_ball_free(w);
    da_tape_free(t);
    return res;
}

/* the root of an affine e = a x + b as a double whose value is exactly
 * the root (checked later by sign_at), or 0 */
static double affine_root(const da_expr *e)
{
    /* a x, x + b, x - b, a x + b, a x - b with numeric a, b */
    const da_expr *lin = e, *off = NULL;
    int sub = 0;
    if ((e->op == DA_E_ADD || e->op == DA_E_SUB) && !da_expr_has_x(e->a[1])) {
        lin = e->a[0];
        off = e->a[1];
        sub = e->op == DA_E_SUB;
    } else if (e->op == DA_E_ADD && !da_expr_has_x(e->a[0])) {
        lin = e->a[1];
        off = e->a[0];
    }
    double a = 1;
    if (lin->op == DA_E_MUL && !da_expr_has_x(lin->a[0]) && lin->a[0]->op == DA_E_NUM
        && lin->a[1]->op == DA_E_X)
        a = lin->a[0]->val;
    else if (lin->op != DA_E_X)
        return 0;
    if (!off)
        return 0;
    if (off->op != DA_E_NUM || !(a != 0) || !isfinite(off->val / a))
        return 0;
    return sub ? off->val / a : -off->val / a;
}

/* g/h at r: the order k, or 0 when not provably removable, -1 ENOMEM;
 * *gk, *hk the k-th derivatives (new references) when k > 0 */
static int order_at(const da_expr *g, const da_expr *h, double r, da_expr **gk,
                    da_expr **hk)
{
    *gk = *hk = NULL;
    da_expr *gd = da_expr_ref((da_expr *)g), *hd = da_expr_ref((da_expr *)h);
    int k = 0;
    for (int j = 0; j <= REM_MAXK; j++) {
        int sh = sign_at(hd, r);
        if (sh < 0) {
            k = -1;
            break;
        }
        if (sh == 1) {
            k = j;   /* h^(j)(r) != 0: order j if g vanished to order j */
            break;
        }
        if (sh == 2)
            break;   /* undecided */
        int sg = sign_at(gd, r);
        if (sg < 0) {
            k = -1;
            break;
        }
        if (sg != 0)
            break;   /* a pole, or undecided */
        da_expr *g2 = da_expr_diff(gd), *h2 = da_expr_diff(hd);
        da_expr_unref(gd);
        da_expr_unref(hd);
        gd = g2;
        hd = h2;
        if (!gd || !hd) {
            k = -1;
            break;
        }
    }
    if (k > 0) {
        *gk = gd;
        *hk = hd;
    } else {
        if (gd)
            da_expr_unref(gd);
        if (hd)
            da_expr_unref(hd);
    }
    return k;
}

static int mark(da_expr **out, const da_expr *e)
{
    *out = NULL;
    if (!da_expr_has_x(e)) {
        *out = da_expr_ref((da_expr *)e);
        return DA_OK;
    }
    da_expr *a[3] = {NULL, NULL, NULL};
    int same = 1;
    for (int i = 0; i < e->nargs; i++) {
        int st = mark(&a[i], e->a[i]);
        if (st) {
            for (int j = 0; j < i; j++)
                da_expr_unref(a[j]);
            return st;
        }
        same = same && a[i] == e->a[i];
    }
    if (e->op == DA_E_DIV && !e->rem && da_expr_has_x(e->a[1]) && switch_free(e->a[0])
        && switch_free(e->a[1])) {
        double cand[2] = {0, affine_root(e->a[1])};
        int nc = cand[1] != 0 ? 2 : 1;
        for (int c = 0; c < nc; c++) {
            da_expr *gk, *hk;
            int k = order_at(e->a[0], e->a[1], cand[c], &gk, &hk);
            if (k < 0) {
                for (int j = 0; j < e->nargs; j++)
                    da_expr_unref(a[j]);
                return DA_ENOMEM;
            }
            if (k == 0)
                continue;
            da_expr *q = da_expr_node(DA_E_DIV, DA_F_COUNT, 2, gk, hk, NULL);
            if (!q) {
                da_expr_unref(a[0]);
                da_expr_unref(a[1]);
                return DA_ENOMEM;
            }
            da_expr *d = da_expr_node(DA_E_DIV, DA_F_COUNT, 2, a[0], a[1], NULL);
            if (!d) {
                da_expr_unref(q);
                return DA_ENOMEM;
            }
            d->rem = q;
            d->rem_at = cand[c];
            d->rem_k = k;
            *out = d;
            return DA_OK;
        }
    }
    if (same) {
        for (int i = 0; i < e->nargs; i++)
            da_expr_unref(a[i]);
        *out = da_expr_ref((da_expr *)e);
        return DA_OK;
    }
    da_expr *n = da_expr_node(e->op, e->fn, e->nargs, a[0], a[1], a[2]);
    if (!n)
        return DA_ENOMEM;
    n->rem = e->rem ? da_expr_ref(e->rem) : NULL;
    n->rem_at = e->rem_at;
    n->rem_k = e->rem_k;
    *out = n;
    return DA_OK;
}

int da_expr_removable(da_expr **out, const da_expr *e)
{
    int st = mark(out, e);
    if (st == DA_ENOMEM)
        return da_fail(DA_ENOMEM, "out of memory");
    return st;
}

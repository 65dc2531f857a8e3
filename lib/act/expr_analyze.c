/* expr_analyze.c -- what the quadrature engines need to know about an
 * activation given as a formula: where it is defined, how fast it grows,
 * where it (or a derivative) jumps, how it splits into pieces, which class
 * of rule suits each piece and how far the nearest complex singularity is.
 *
 * Overview (da_expr_analyze):
 *   1. switches: every subtree at which the formula can change branch --
 *      the arguments of abs, sign, step, relu, cbrt, the differences a-b of
 *      max, min and comparisons, u-lo and u-hi of clip, the argument of
 *      floor/ceil (crossing an integer), a non-comparison condition of ?:.
 *   2. candidate breakpoints: the zeros of the switches; exact (-b/a) when a
 *      switch is affine in x (affine_m below extracts a*x+b from the tree),
 *      otherwise sign changes on a grid over [-40, 40] refined by bisection.
 *      Sorted, duplicates merged.
 *   3. domain: the formula is evaluated on the grid, at 0, at the
 *      breakpoints and near the real zeros of affine arguments of log,
 *      sqrt, division...; every non-finite value is confirmed in MPFR (whose
 *      exponent range does not overflow) and named.  Denominators and the
 *      cosine under tan are scanned for sign changes (poles between grid
 *      points).
 *   4. growth: a symbolic bound (degree, exponential rate) where the rules
 *      are sure, else a numerical fit of log|f| at |x| = 20, 40, 80.
 *   5. jump orders: e, e', e'', e''' (da_expr_diff) evaluated at 256 bits
 *      on either side of each breakpoint (offset 2^-100 relative).
 *   6. class and singularity distance: each piece (the formula with every
 *      switch decided at a point inside the interval) is polynomial, entire
 *      or has singularities off the axis; the distance is exact for f(a x+b)
 *      with f in {tanh, sigmoid, softplus, atan, asinh}, for zeros of
 *      polynomials (all roots, Durand-Kerner) and of c1 + c2 exp(a x + b)
 *      under log, sqrt, division and real powers; 0.1 (conservative)
 *      otherwise.
 *
 * Files: analyze_eval.c (predicates, evaluation), analyze_poly.c (affine
 * parts, polynomials), analyze_switch.c (switches, candidates,
 * specialisation), analyze_sing.c (singularity distance), analyze_growth.c,
 * analyze_domain.c, and this file (jump orders, the driver); their shared
 * types in analyze_impl.h.
 *
 * Evaluation goes through the expression tape (expr_tape.c), the one the
 * quadrature engines use: in double on the grids, with MPFR at 64 bits
 * where double overflows (large polynomials at |x| = 40), and in MPFR for
 * confirmation, bisection, jump orders and pieces. */
#include "act/analyze_impl.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- jump orders ----------------------------------------------------- */

/* |d(b+delta) - d(b-delta)| and the jump threshold 2^-40 max(1, |values|);
 * 1 if d cannot be evaluated on a side */
static int side_diff(const da_expr *d, const mpfr_t b, const mpfr_t delta,
                     mpfr_t diff, mpfr_t thr)
{
    mpfr_t xl, xr, yl, yr;
    mpfr_inits2(JUMP_PREC, xl, xr, yl, yr, (mpfr_ptr)0);
    mpfr_sub(xl, b, delta, MPFR_RNDN);
    mpfr_add(xr, b, delta, MPFR_RNDN);
    int bad = an_ev_m(yl, d, xl, NULL) || an_ev_m(yr, d, xr, NULL);
    if (!bad) {
        mpfr_sub(diff, yl, yr, MPFR_RNDN);
        mpfr_abs(diff, diff, MPFR_RNDN);
        mpfr_abs(yl, yl, MPFR_RNDN);
        mpfr_abs(yr, yr, MPFR_RNDN);
        mpfr_max(thr, yl, yr, MPFR_RNDN);
        if (mpfr_cmp_ui(thr, 1) < 0)
            mpfr_set_ui(thr, 1, MPFR_RNDN);
        mpfr_mul_2si(thr, thr, -40, MPFR_RNDN);
    }
    mpfr_clears(xl, xr, yl, yr, (mpfr_ptr)0);
    return bad;
}

/* Lowest k in 0..nd-1 with d^k e/dx^k jumping at b; -1 if none.  The
 * one-sided values are taken at offsets 2^-100 and 2^-120 (relative to
 * max(1, |b|)): a jump is a difference above 2^-40 of the scale that does
 * not shrink with the offset (a Hoelder-continuous cusp such as cbrt(x)
 * at 0 shrinks; a derivative that blows up on a side counts as a jump). */
static int jump_order(da_expr *const *d, int nd, const mpfr_t b)
{
    mpfr_t d1, d2, t1, t2, del1, del2;
    mpfr_inits2(JUMP_PREC, d1, d2, t1, t2, del1, del2, (mpfr_ptr)0);
    mpfr_set_ui_2exp(del1, 1, -100, MPFR_RNDN);
    mpfr_set_ui_2exp(del2, 1, -120, MPFR_RNDN);
    if (mpfr_cmpabs_ui(b, 1) > 0) {
        mpfr_mul_2si(del1, del1, mpfr_get_exp(b), MPFR_RNDN);
        mpfr_mul_2si(del2, del2, mpfr_get_exp(b), MPFR_RNDN);
    }
    int res = -1;
    for (int k = 0; k < nd && res < 0; k++) {
        if (!d[k])
            break;
        if (side_diff(d[k], b, del1, d1, t1) || side_diff(d[k], b, del2, d2, t2)) {
            res = k;
            break;
        }
        if (mpfr_greater_p(d1, t1)) {
            mpfr_div_2ui(d1, d1, 1, MPFR_RNDN);
            if (mpfr_greater_p(d2, d1))
                res = k;
        }
    }
    mpfr_clears(d1, d2, t1, t2, del1, del2, (mpfr_ptr)0);
    return res;
}

/* ---- analysis -------------------------------------------------------- */

void da_expr_info_clear(da_expr_info *info)
{
    if (!info)
        return;
    free(info->brk);
    free(info->jump_order);
    memset(info, 0, sizeof *info);
}

/* interior point of interval i of the m+1 intervals cut by b[0..m-1] */
static double interior_d(const double *b, int m, int i)
{
    if (m == 0)
        return 0.318309886183790671538;   /* 1/pi: away from special points */
    if (i == 0)
        return b[0] - 1;
    if (i == m)
        return b[m - 1] + 1;
    return 0.5 * (b[i - 1] + b[i]);
}

static int piece_tree_d(da_expr **out, const da_expr *e, double x)
{
    mpfr_t mx;
    mpfr_init2(mx, 128);
    mpfr_set_d(mx, x, MPFR_RNDN);
    *out = an_spec(e, mx);
    mpfr_clear(mx);
    return *out ? 0 : da_fail(DA_ENOMEM, "out of memory");
}

/* growth of an end piece t (side -1: x -> -inf, +1: x -> +inf, 0: both);
 * on BAD the error is raised here, while t (which g.bad points into)
 * lives */
static int end_growth(grow *g, const da_expr *t, int side)
{
    *g = an_growth_rec(t, side);
    if (g->g != DA_GROWTH_BAD && !g->sure) {
        *g = an_gr_numeric(t, side);
    } else if (g->g == DA_GROWTH_BAD) {
        /* the symbolic rules see exp(x^2/8) in exp(-x^2)*exp(x^2/8):
         * believe them only if the values agree */
        grow q = an_gr_numeric(t, side);
        if (q.g != DA_GROWTH_BAD)
            *g = q;
    }
    if (g->g == DA_GROWTH_BAD) {
        /* the proved envelope may still show square integrability:
           |t| <= A |x|^m exp(c|x| + q x^2) with q < 1/4, as for
           exp(x^2/8) (the rigorous engine's tail needs nothing more) */
        da_env en;
        if (da_expr_envelope(&en, t) == DA_OK && en.q < 0.25) {
            g->g = DA_GROWTH_EXP;
            g->p = 64;
            g->sure = 1;
            g->bad = NULL;
            return 0;
        }
    }
    if (g->g == DA_GROWTH_BAD) {
        char *s = da_expr_str(g->bad ? g->bad : t);
        int st = da_fail(DA_EDOM, "%s grows too fast: not square integrable against the Gaussian",
                         s ? s : "the activation");
        free(s);
        return st;
    }
    return 0;
}

int da_expr_analyze(const da_expr *e, da_expr_info *info)
{
    memset(info, 0, sizeof *info);
    if (!e)
        return da_fail(DA_EINVAL, "no expression");
    swlist L;
    candlist C;
    an_evc_begin();
    int st = an_find_candidates(e, &L, &C);
    /* a polynomial whose constants evaluate is defined everywhere */
    int defined = 0;
    if (!st && an_is_poly_tree(e)) {
        poly P;
        int ps = an_poly_expand(&P, e, 64);
        if (ps == 0) {
            defined = 1;
            an_poly_clear(&P);
        } else if (ps == DA_ENOMEM) {
            st = DA_ENOMEM;
        }
    }
    if (!st && !defined)
        st = an_check_domain(e, &C);
    int m = C.n;
    double *brk = NULL;
    if (!st && m > 0) {
        brk = da_malloc((size_t)m * sizeof *brk);
        if (!brk)
            st = DA_ENOMEM;
        for (int i = 0; !st && i < m; i++)
            brk[i] = C.v[i].x;
    }
    /* classes and growth of the pieces */
    grow g = an_gr_poly(0);
    if (!st) {
        int allpoly = 1, allentire = 1, maxdeg = 0, enddeg = 0;
        double sd = INFINITY;
        for (int i = 0; !st && i <= m; i++) {
            da_expr *t;
            st = piece_tree_d(&t, e, interior_d(brk, m, i));
            if (st)
                break;
            ivl iv = {i == 0 ? -INFINITY : brk[i - 1], i == m ? INFINITY : brk[i]};
            pinfo pi = {1, 1, INFINITY};
            an_piece_walk(t, &iv, &pi);
            if (pi.poly) {
                poly P;
                int ps = an_poly_expand(&P, t, 64);
                if (ps == DA_ENOMEM)
                    st = DA_ENOMEM;
                else if (ps) {
                    pi.poly = 0;   /* too large to expand: treat as entire */
                } else {
                    maxdeg = P.deg > maxdeg ? P.deg : maxdeg;
                    if ((i == 0 || i == m) && P.deg > enddeg)
                        enddeg = P.deg;
                    an_poly_clear(&P);
                }
            }
            if (!pi.poly) {
                allpoly = 0;
                if (!pi.entire)
                    allentire = 0;
                sd = fmin(sd, pi.sd);
            }
            /* growth: at -inf the first piece rules, at +inf the last */
            grow gi;
            if (!st && m == 0)
                st = end_growth(&g, e, 0);
            else if (!st && (i == 0 || i == m)) {
                st = end_growth(&gi, t, i == 0 ? -1 : 1);
                if (!st)
                    g = i == 0 ? gi : an_gr_max(g, gi);
            }
            da_expr_unref(t);
        }
        if (!st) {
            if (allpoly) {
                info->cls = m == 0 ? DA_CLASS_POLY : DA_CLASS_PWPOLY;
                info->sing_dist = INFINITY;
                info->poly_degree = maxdeg;
                g = an_gr_poly(enddeg);
            } else if (m == 0) {
                /* no singularity at finite distance found (x/exp(x)):
                 * entire */
                if (!isfinite(sd))
                    allentire = 1;
                info->cls = allentire ? DA_CLASS_ENTIRE : DA_CLASS_POLES;
                info->sing_dist = allentire ? INFINITY : sd;
            } else {
                info->cls = DA_CLASS_PIECEWISE;
                info->sing_dist = sd;
            }
            info->growth = g.g;
            info->growth_param = g.p;
        }
    }
    /* jump orders: e, e', e'', e''' on both sides of each breakpoint */
    da_expr *d[4] = {NULL, NULL, NULL, NULL};
    if (!st && m > 0) {
        info->brk = brk;
        brk = NULL;
        info->jump_order = da_malloc((size_t)m * sizeof *info->jump_order);
        if (!info->jump_order)
            st = DA_ENOMEM;
        d[0] = an_ref(e);
        for (int k = 1; !st && k < 4; k++) {
            d[k] = da_expr_diff(d[k - 1]);
            if (!d[k])
                st = DA_ENOMEM;
        }
        mpfr_t b;
        mpfr_init2(b, JUMP_PREC);
        for (int i = 0; !st && i < m; i++) {
            an_refine_cand(b, &C.v[i], &L, JUMP_PREC);
            info->jump_order[i] = jump_order(d, 4, b);
        }
        mpfr_clear(b);
        info->nbreak = m;
    }
    for (int k = 0; k < 4; k++)
        da_expr_unref(d[k]);
    free(brk);
    an_swlist_free(&L);
    free(C.v);
    an_evc_end();
    if (st) {
        da_expr_info_clear(info);
        if (st == DA_ENOMEM)
            da_fail(DA_ENOMEM, "out of memory");
    }
    return st;
}

int da_expr_breakpoints_m(const da_expr *e, const da_expr_info *info,
                          mpfr_t *pts, mpfr_prec_t prec)
{
    if (!e || !info)
        return da_fail(DA_EINVAL, "no expression");
    if (info->nbreak == 0)
        return DA_OK;
    swlist L;
    candlist C;
    an_evc_begin();
    int st = an_find_candidates(e, &L, &C);
    int j = 0;
    for (int i = 0; !st && i < info->nbreak; i++) {
        while (j < C.n && C.v[j].x < info->brk[i])
            j++;
        if (j >= C.n || C.v[j].x != info->brk[i]) {
            st = da_fail(DA_EINVAL, "breakpoints do not belong to this expression");
            break;
        }
        mpfr_t t;
        mpfr_init2(t, prec);
        an_refine_cand(t, &C.v[j], &L, prec);
        mpfr_set(pts[i], t, MPFR_RNDN);
        mpfr_clear(t);
    }
    an_swlist_free(&L);
    free(C.v);
    an_evc_end();
    if (st == DA_ENOMEM)
        da_fail(DA_ENOMEM, "out of memory");
    return st;
}

void da_pieces_free(da_piece *p, int n)
{
    if (!p)
        return;
    for (int i = 0; i < n; i++) {
        mpfr_clear(p[i].lo);
        mpfr_clear(p[i].hi);
        if (p[i].c) {
            for (int k = 0; k <= p[i].deg; k++)
                mpfr_clear(p[i].c[k]);
            free(p[i].c);
        }
    }
    free(p);
}

static int pieces_of(const da_expr *e, const da_expr_info *info,
                     mpfr_prec_t prec, da_piece **pieces, int *npieces)
{
    *pieces = NULL;
    *npieces = 0;
    if (!e || !info)
        return da_fail(DA_EINVAL, "no expression");
    if (info->cls != DA_CLASS_POLY && info->cls != DA_CLASS_PWPOLY)
        return da_fail(DA_EINVAL, "not a (piecewise) polynomial");
    int m = info->nbreak;
    mpfr_prec_t wp = prec + 32;
    mpfr_t *b = da_malloc((size_t)(m > 0 ? m : 1) * sizeof *b);
    da_piece *P = da_calloc((size_t)m + 1, sizeof *P);
    if (!b || !P) {
        free(b);
        free(P);
        return DA_ENOMEM;
    }
    for (int i = 0; i < m; i++)
        mpfr_init2(b[i], wp);
    int st = da_expr_breakpoints_m(e, info, b, wp);
    int made = 0;
    mpfr_t x;
    mpfr_init2(x, wp);
    for (int i = 0; !st && i <= m; i++) {
        da_piece *q = &P[i];
        mpfr_init2(q->lo, prec);
        mpfr_init2(q->hi, prec);
        made = i + 1;
        if (i == 0)
            mpfr_set_inf(q->lo, -1);
        else
            mpfr_set(q->lo, b[i - 1], MPFR_RNDN);
        if (i == m)
            mpfr_set_inf(q->hi, 1);
        else
            mpfr_set(q->hi, b[i], MPFR_RNDN);
        /* a point inside */
        if (m == 0)
            mpfr_set_d(x, 0.318309886183790671538, MPFR_RNDN);
        else if (i == 0)
            mpfr_sub_ui(x, b[0], 1, MPFR_RNDN);
        else if (i == m)
            mpfr_add_ui(x, b[m - 1], 1, MPFR_RNDN);
        else {
            mpfr_add(x, b[i - 1], b[i], MPFR_RNDN);
            mpfr_div_2ui(x, x, 1, MPFR_RNDN);
        }
        da_expr *t = an_spec(e, x);
        if (!t) {
            st = DA_ENOMEM;
            break;
        }
        poly A;
        int ps = an_poly_expand(&A, t, wp);
        da_expr_unref(t);
        if (ps == DA_ENOMEM) {
            st = DA_ENOMEM;
            break;
        }
        if (ps) {
            st = da_fail(DA_EINVAL, "piece %d is not a polynomial", i);
            break;
        }
        an_poly_trim(&A);
        q->c = da_malloc((size_t)(A.deg + 1) * sizeof *q->c);
        if (!q->c) {
            an_poly_clear(&A);
            st = DA_ENOMEM;
            break;
        }
        q->deg = A.deg;
        for (int k = 0; k <= A.deg; k++) {
            mpfr_init2(q->c[k], prec);
            mpfr_set(q->c[k], A.c[k], MPFR_RNDN);
        }
        an_poly_clear(&A);
    }
    mpfr_clear(x);
    for (int i = 0; i < m; i++)
        mpfr_clear(b[i]);
    free(b);
    if (st) {
        da_pieces_free(P, made);
        if (st == DA_ENOMEM)
            da_fail(DA_ENOMEM, "out of memory");
        return st;
    }
    *pieces = P;
    *npieces = m + 1;
    return DA_OK;
}

int da_expr_pieces(da_piece **out, int *npieces, const da_expr *e,
                   const da_expr_info *info, mpfr_prec_t prec)
{
    an_evc_begin();
    int st = pieces_of(e, info, prec, out, npieces);
    an_evc_end();
    return st;
}

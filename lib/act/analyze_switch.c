/* analyze_switch.c -- switches (where a formula can change branch), their zeros
 * (candidate breakpoints), and the specialisation of a formula at a point.
 * Part of the expression analysis: see expr_analyze.c. */
#include "act/analyze_impl.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- switches and candidate breakpoints ----------------------------- */



void an_swlist_free(swlist *L)
{
    for (int i = 0; i < L->n; i++)
        da_expr_unref(L->v[i].s);
    free(L->v);
    memset(L, 0, sizeof *L);
}

/* takes the reference s */
static int sw_add(swlist *L, da_expr *s, int integer)
{
    if (!s)
        return DA_ENOMEM;
    if (!da_expr_has_x(s)) {
        da_expr_unref(s);
        return 0;
    }
    for (int i = 0; i < L->n; i++)
        if (L->v[i].integer == integer && da_expr_equal(L->v[i].s, s)) {
            da_expr_unref(s);
            return 0;
        }
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 8;
        sw *v = da_realloc(L->v, (size_t)cap * sizeof *v);
        if (!v) {
            da_expr_unref(s);
            return DA_ENOMEM;
        }
        L->v = v;
        L->cap = cap;
    }
    L->v[L->n].s = s;
    L->v[L->n].integer = integer;
    L->n++;
    return 0;
}

static da_expr *mk_sub(const da_expr *a, const da_expr *b)
{
    return da_expr_node(DA_E_SUB, DA_F_COUNT, 2, da_expr_ref((da_expr *)a),
                        da_expr_ref((da_expr *)b), NULL);
}

da_expr *an_ref(const da_expr *e)
{
    return da_expr_ref((da_expr *)e);
}

static int collect_switches(swlist *L, const da_expr *e)
{
    if (!da_expr_has_x(e))
        return 0;
    for (int i = 0; i < e->nargs; i++)
        if (collect_switches(L, e->a[i]))
            return DA_ENOMEM;
    int st = 0;
    if (e->op == DA_E_FN) {
        switch (e->fn) {
        case DA_F_ABS: case DA_F_SIGN: case DA_F_STEP: case DA_F_RELU:
        case DA_F_CBRT:
            st = sw_add(L, an_ref(e->a[0]), 0);
            break;
        case DA_F_MAX: case DA_F_MIN:
            st = sw_add(L, mk_sub(e->a[0], e->a[1]), 0);
            break;
        case DA_F_CLIP:
            st = sw_add(L, mk_sub(e->a[0], e->a[1]), 0);
            if (!st)
                st = sw_add(L, mk_sub(e->a[0], e->a[2]), 0);
            break;
        case DA_F_FLOOR: case DA_F_CEIL:
            st = sw_add(L, an_ref(e->a[0]), 1);
            break;
        default:
            break;
        }
    } else if (an_is_cmp(e->op)) {
        st = sw_add(L, mk_sub(e->a[0], e->a[1]), 0);
    } else if (e->op == DA_E_COND) {
        const da_expr *c = e->a[0];
        int boolean = an_is_cmp(c->op) || c->op == DA_E_AND || c->op == DA_E_OR ||
                      c->op == DA_E_NOT ||
                      (c->op == DA_E_FN && (c->fn == DA_F_SIGN || c->fn == DA_F_STEP));
        if (!boolean)
            st = sw_add(L, an_ref(c), 0);
    } else if (e->op == DA_E_POW && !da_expr_has_x(e->a[1])) {
        double v = an_const_d(e->a[1]);
        if (v != floor(v))   /* real power: the base's zeros are singular */
            st = sw_add(L, an_ref(e->a[0]), 0);
    }
    return st;
}



/* more breakpoints than MAX_CAND: refused (dropping them would give
   confident wrong numbers) */
static int too_many_breakpoints(double want)
{
    return da_fail(DA_EINVAL, "the activation switches (floor, ceil, sign, comparisons) at "
                   "%.0f points or more in [-40, 40]; at most %d are supported", want, MAX_CAND);
}

static int cand_add(candlist *C, cand c)
{
    if (C->n >= MAX_CAND)
        return too_many_breakpoints((double)C->n + 1);
    if (C->n == C->cap) {
        int cap = C->cap ? 2 * C->cap : 16;
        cand *v = da_realloc(C->v, (size_t)cap * sizeof *v);
        if (!v)
            return DA_ENOMEM;
        C->v = v;
        C->cap = cap;
    }
    C->v[C->n++] = c;
    return 0;
}

/* the predicate bisection follows: s(x) - k < 0 */
static int below_ld(const da_expr *s, long k, long double x, int *bad)
{
    long double v = an_ev_ld(s, x) - (long double)k;
    if (isnan(v))
        *bad = 1;
    return v < 0;
}

double an_bisect_ld(const da_expr *s, long k, long double lo, long double hi)
{
    int bad = 0;
    int plo = below_ld(s, k, lo, &bad);
    for (int it = 0; it < 80; it++) {
        long double mid = 0.5L * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        if (below_ld(s, k, mid, &bad) == plo)
            lo = mid;
        else
            hi = mid;
    }
    return (double)(0.5L * (lo + hi));
}

/* zeros (or integer crossings) of switch i */
static int switch_roots(candlist *C, const swlist *L, int i,
                        long double *grid)
{
    const da_expr *s = L->v[i].s;
    int integer = L->v[i].integer;
    mpfr_t a, b, t;
    mpfr_inits2(128, a, b, t, (mpfr_ptr)0);
    int st = 0;
    if (an_affine_m(s, a, b)) {
        if (!mpfr_zero_p(a) && mpfr_number_p(a) && mpfr_number_p(b)) {
            if (!integer) {
                mpfr_div(t, b, a, MPFR_RNDN);
                mpfr_neg(t, t, MPFR_RNDN);
                if (mpfr_zero_p(t))
                    mpfr_set_zero(t, 1);
                cand c = {mpfr_get_d(t, MPFR_RNDN), i, 0, 1, 0, 0};
                st = cand_add(C, c);
            } else {
                /* integers k with (k - b)/a in [-40, 40] */
                double ad = mpfr_get_d(a, MPFR_RNDN), bd = mpfr_get_d(b, MPFR_RNDN);
                double u1 = bd - 40 * fabs(ad), u2 = bd + 40 * fabs(ad);
                double k1 = ceil(u1), k2 = floor(u2);
                if (k2 - k1 + 1 > (double)(MAX_CAND - C->n)) {
                    mpfr_clears(a, b, t, (mpfr_ptr)0);
                    return too_many_breakpoints(k2 - k1 + 1 + C->n);
                }
                for (double k = k1; !st && k <= k2; k++) {
                    mpfr_sub_d(t, b, k, MPFR_RNDN);
                    mpfr_div(t, t, a, MPFR_RNDN);
                    mpfr_neg(t, t, MPFR_RNDN);
                    cand c = {mpfr_get_d(t, MPFR_RNDN), i, (long)k, 1, 0, 0};
                    st = cand_add(C, c);
                }
            }
        }
        mpfr_clears(a, b, t, (mpfr_ptr)0);
        return st;
    }
    mpfr_clears(a, b, t, (mpfr_ptr)0);
    for (int j = 0; j <= GRID_N; j++)
        grid[j] = an_ev_ld(s, GRID_X(j));
    for (int j = 0; !st && j < GRID_N; j++) {
        long double u = grid[j], v = grid[j + 1];
        if (!isfinite(u) || !isfinite(v))
            continue;
        if (!integer) {
            if ((u < 0 && v > 0) || (u > 0 && v < 0)) {
                double x = an_bisect_ld(s, 0, GRID_X(j), GRID_X(j + 1));
                cand c = {x, i, 0, 0, (double)GRID_X(j), (double)GRID_X(j + 1)};
                st = cand_add(C, c);
            } else if (u == 0 && j > 0 && isfinite(grid[j - 1]) &&
                       ((grid[j - 1] < 0 && v > 0) || (grid[j - 1] > 0 && v < 0))) {
                cand c = {(double)GRID_X(j), i, 0, 0, (double)GRID_X(j - 1),
                          (double)GRID_X(j + 1)};
                st = cand_add(C, c);
            }
        } else {
            long double lo = u < v ? u : v, hi = u < v ? v : u;
            long double k1 = floorl(lo) + 1, k2 = floorl(hi);
            if (k2 - k1 > 1000)
                k2 = k1 + 1000;
            for (long double k = k1; !st && k <= k2; k++) {
                double x = an_bisect_ld(s, (long)k, GRID_X(j), GRID_X(j + 1));
                cand c = {x, i, (long)k, 0, (double)GRID_X(j), (double)GRID_X(j + 1)};
                st = cand_add(C, c);
            }
        }
    }
    return st;
}

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->affine != b->affine)
        return b->affine - a->affine;
    if (a->sw != b->sw)
        return a->sw - b->sw;
    return (a->k > b->k) - (a->k < b->k);
}

/* All candidate breakpoints, sorted, duplicates merged. */
int an_find_candidates(const da_expr *e, swlist *L, candlist *C)
{
    memset(L, 0, sizeof *L);
    memset(C, 0, sizeof *C);
    if (collect_switches(L, e))
        return DA_ENOMEM;
    if (L->n == 0)
        return 0;
    long double *grid = da_malloc((GRID_N + 1) * sizeof *grid);
    if (!grid)
        return DA_ENOMEM;
    int st = 0;
    for (int i = 0; !st && i < L->n; i++)
        st = switch_roots(C, L, i, grid);
    free(grid);
    if (st)
        return st;
    if (C->n > 1)
        qsort(C->v, (size_t)C->n, sizeof *C->v, cand_cmp);
    int m = 0;
    for (int i = 0; i < C->n; i++) {
        if (!isfinite(C->v[i].x))
            continue;
        if (m > 0) {
            double y = C->v[m - 1].x, x = C->v[i].x;
            if (fabs(x - y) <= 1e-12 * fmax(1.0, fabs(x)))
                continue;
        }
        C->v[m++] = C->v[i];
    }
    C->n = m;
    return 0;
}

/* MPFR predicate: s(x) - k < 0 */
static int below_m(const da_expr *s, long k, const mpfr_t x, mpfr_t t, int *bad)
{
    if (an_ev_m(t, s, x, NULL)) {
        *bad = 1;
        return 0;
    }
    mpfr_sub_si(t, t, k, MPFR_RNDN);
    return mpfr_sgn(t) < 0;
}

/* The candidate to precision prec (out has its own precision >= prec). */
void an_refine_cand(mpfr_t out, const cand *c, const swlist *L, mpfr_prec_t prec)
{
    const da_expr *s = L->v[c->sw].s;
    mpfr_prec_t wp = prec + 32;
    if (c->affine) {
        mpfr_t a, b;
        mpfr_inits2(wp, a, b, (mpfr_ptr)0);
        if (an_affine_m(s, a, b) && !mpfr_zero_p(a)) {
            mpfr_sub_si(b, b, c->k, MPFR_RNDN);
            mpfr_div(b, b, a, MPFR_RNDN);
            mpfr_neg(out, b, MPFR_RNDN);
            if (mpfr_zero_p(out))
                mpfr_set_zero(out, 1);
        } else {
            mpfr_set_d(out, c->x, MPFR_RNDN);
        }
        mpfr_clears(a, b, (mpfr_ptr)0);
        return;
    }
    mpfr_t lo, hi, mid, t;
    mpfr_inits2(wp, lo, hi, mid, t, (mpfr_ptr)0);
    mpfr_set_d(lo, c->glo, MPFR_RNDN);
    mpfr_set_d(hi, c->ghi, MPFR_RNDN);
    int bad = 0;
    int plo = below_m(s, c->k, lo, t, &bad);
    int phi = below_m(s, c->k, hi, t, &bad);
    if (bad || plo == phi) {
        mpfr_set_d(out, c->x, MPFR_RNDN);
    } else {
        for (long it = 0; it < (long)wp + 64; it++) {
            mpfr_add(mid, lo, hi, MPFR_RNDN);
            mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
            if (mpfr_lessequal_p(mid, lo) || mpfr_greaterequal_p(mid, hi))
                break;
            int pm = below_m(s, c->k, mid, t, &bad);
            if (bad)
                break;
            if (pm == plo)
                mpfr_set(lo, mid, MPFR_RNDN);
            else
                mpfr_set(hi, mid, MPFR_RNDN);
        }
        mpfr_add(mid, lo, hi, MPFR_RNDN);
        mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
        mpfr_set(out, mid, MPFR_RNDN);
    }
    mpfr_clears(lo, hi, mid, t, (mpfr_ptr)0);
}

/* ---- specialisation: decide every switch at a point ------------------ */

/* sign of a subtree at x (-1, 0, 1); 2 when it cannot be evaluated */
static int sgn_at(const da_expr *e, const mpfr_t x)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(x) + 16);
    int s = an_ev_m(t, e, x, NULL) ? 2 : mpfr_sgn(t);
    mpfr_clear(t);
    return s;
}

static int cmp_at(const da_expr *a, const da_expr *b, const mpfr_t x)
{
    mpfr_t t, u;
    mpfr_inits2(mpfr_get_prec(x) + 16, t, u, (mpfr_ptr)0);
    int s = (an_ev_m(t, a, x, NULL) || an_ev_m(u, b, x, NULL)) ? 2 : mpfr_cmp(t, u);
    mpfr_clears(t, u, (mpfr_ptr)0);
    return s > 0 ? 1 : (s < 0 ? -1 : 0);
}


static da_expr *int_node(long v)
{
    return da_expr_int(v);
}

/* e with every switch decided at x: a branch-free tree (new reference). */
da_expr *an_spec(const da_expr *e, const mpfr_t x)
{
    if (!da_expr_has_x(e) || e->rem)   /* a marked quotient is switch-free */
        return an_ref(e);
    int s;
    if (e->op == DA_E_FN && da_fn_is_switch(e->fn)) {
        const da_expr *u = e->a[0];
        switch (e->fn) {
        case DA_F_ABS:
            s = sgn_at(u, x);
            if (s < 0)
                return da_expr_node(DA_E_NEG, DA_F_COUNT, 1, an_spec(u, x), NULL, NULL);
            return an_spec(u, x);
        case DA_F_SIGN:
            s = sgn_at(u, x);
            return int_node(s == 2 ? 0 : s);
        case DA_F_STEP:
            return int_node(sgn_at(u, x) == 1);
        case DA_F_RELU:
            return sgn_at(u, x) == 1 ? an_spec(u, x) : int_node(0);
        case DA_F_MAX:
            return an_spec(e->a[cmp_at(e->a[0], e->a[1], x) >= 0 ? 0 : 1], x);
        case DA_F_MIN:
            return an_spec(e->a[cmp_at(e->a[0], e->a[1], x) <= 0 ? 0 : 1], x);
        case DA_F_CLIP:
            if (cmp_at(u, e->a[1], x) < 0)
                return an_spec(e->a[1], x);
            if (cmp_at(u, e->a[2], x) > 0)
                return an_spec(e->a[2], x);
            return an_spec(u, x);
        case DA_F_FLOOR: case DA_F_CEIL: {
            mpfr_t t;
            mpfr_init2(t, mpfr_get_prec(x) + 16);
            da_expr *r;
            if (an_ev_m(t, e, x, NULL)) {
                r = int_node(0);
            } else if (mpfr_fits_slong_p(t, MPFR_RNDN)) {
                r = int_node(mpfr_get_si(t, MPFR_RNDN));
            } else {
                char *str = NULL;
                mpfr_asprintf(&str, "%.0Rf", t);
                r = str ? da_expr_num(str) : NULL;
                mpfr_free_str(str);
            }
            mpfr_clear(t);
            return r;
        }
        default:
            break;
        }
    }
    if (an_is_cmp(e->op) || e->op == DA_E_AND || e->op == DA_E_OR || e->op == DA_E_NOT)
        return int_node(sgn_at(e, x) == 1);
    if (e->op == DA_E_COND)
        return an_spec(e->a[sgn_at(e->a[0], x) == 0 ? 2 : 1], x);
    da_expr *a[3] = {NULL, NULL, NULL};
    for (int i = 0; i < e->nargs; i++) {
        a[i] = an_spec(e->a[i], x);
        if (!a[i]) {
            for (int j = 0; j < i; j++)
                da_expr_unref(a[j]);
            return NULL;
        }
    }
    return da_expr_node(e->op, e->fn, e->nargs, a[0], a[1], a[2]);
}

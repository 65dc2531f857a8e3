/* netk_offset.c -- proved bounds for the variance offsets of the network
 * kernels' series path (netk_series.c, docs/numerics.md section 7).
 *
 * The series path computes the Hermite coefficients of g_t(x) = f(sqrt(t) x)
 * at a decimal t = q~ near the variance ball.  Moving t along a segment
 * changes g_t by
 *
 *     || g_xi - g_q~ || <= |xi - q~| sup_t || d g_t / dt ||,
 *     d g_t / dt (x) = x f'(sqrt(t) x) / (2 sqrt(t)),
 *
 * (norms in L2(phi); for every x the map t -> g_t(x) is absolutely
 * continuous, see below, and Minkowski's inequality moves the norm inside
 * the integral over t).  This file bounds
 *
 *     sup_{t in [lo, hi]} || d g_t / dt ||^2 = sup_t E[X^2 f'(sqrt(t) X)^2] / (4 t)
 *
 * from above, for f = sigma (kind 0: the NNGP kernel) and f = sigma'
 * (kind 1: the derivative kernel), so f' is sigma' or sigma''.
 *
 * The Gaussian integral.  With u = sqrt(t) x, cut x in [0, X0] into n
 * pieces J = [a, b] (both signs).  On each piece |f'(u)| <= S_J, an
 * enclosure of f' in real ball arithmetic on the ball sqrt([lo, hi]) * J
 * (da_tape_arb_enclose: undecided switches take every branch), which
 * covers every t of the segment at once.  The weights
 * int_a^b x^2 phi = (Phi(b) - Phi(a)) + a phi(a) - b phi(b) are Arb
 * balls.  Beyond X0: where |u| < 1 an enclosure of f' on
 * +-[sqrt(lo) X0, 1] times int_{X0}^inf x^2 phi = X0 phi(X0) + 1 - Phi(X0);
 * where |u| >= 1 the proved envelope |f'(u)| <= A |u|^m e^{c|u| + q u^2}
 * (expr_envelope.c; m, c, q replaced by their positive parts, which only
 * enlarges it there), so that the integrand is at most
 * A^2 hi^m x^M e^{C x - P x^2/2} / sqrt(2 pi), M = 2 + 2m, C = 2c sqrt(hi),
 * P = 1 - 4 q hi > 0, whose integral over x >= X0 is at most
 * X0^(M-1) e^{C X0 - P X0^2/2} (2/P) / sqrt(2 pi) once
 * X0 >= (C + sqrt(C^2 + 2PM))/P (then x^M e^{Cx - Px^2/4} decreases
 * beyond X0, and int_X0^inf e^{-Px^2/4} <= (2/(P X0)) e^{-P X0^2/4}).
 * Everything is rounded upwards (Arb balls, mag upper bounds).
 *
 * When t -> g_t(x) is absolutely continuous.  For x != 0 the segment
 * {sqrt(t) x} does not contain 0, so it suffices that f is continuous on
 * the real line except possibly at 0, piecewise C^1 with the formula's
 * derivative as f' off finitely many points of each bounded interval
 * (then f is Lipschitz on the segment with the constant sup |f'|, which
 * the enclosures bound).  This is checked from the syntax, not sampled:
 * every switch that can jump (comparison, step, sign, floor, ceil, a
 * condition) must have an argument of the form K x (it switches at 0
 * only) or no x at all; the continuous switches (abs, relu, max, min,
 * clip) and the elementary functions are continuous where finite, and a
 * non-finite enclosure fails the bound.  For kind 1, f = sigma' is the
 * formula's derivative, which is sigma's distributional derivative only
 * when sigma does not jump at all: sigma must then have no jumping switch,
 * or only such switches at 0 with equal one-sided limits there, computed
 * exactly in ball arithmetic (lim0 below: elu's x > 0 ? x : expm1(x)).
 * Anything else is refused with the reason, and the caller keeps an
 * estimate. */
#include "core/core.h"
#include "core/arbinc.h"
#include "dual/dual.h"
#include "act/envelope.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF_PREC 64
#define OFF_NMAX 2048     /* pieces per side, at most */
#define OFF_CACHE 8

typedef struct {
    int kind;
    double lo, hi, D;
} off_memo;

/* the Gaussian weights of one grid: int over the pieces of x^2 phi, and
   beyond X0 */
typedef struct {
    double X0;
    long n;
    mag_struct *w;            /* w[0..n-1] */
    mag_struct tail;
} off_grid;

#define OFF_GRIDS 4

struct da_netk_off {
    da_act *d1, *d2;          /* sigma', sigma'' (owned) */
    da_tape_ball *w[2];       /* ball tapes of sigma' (kind 0), sigma'' (kind 1) */
    da_env env[2];
    int ok[2];                /* 1: kind usable, 0: refused (why[kind]) */
    char why[2][200];
    char msg[200];            /* the reason of the last failed bound */
    off_memo memo[OFF_CACHE];
    int nmemo, next;
    off_grid grid[OFF_GRIDS];
    int ngrid, nextgrid;
};

/* ---- the object ---------------------------------------------------------- */

void da_netk_off_free(da_netk_off *o)
{
    if (!o)
        return;
    for (int i = 0; i < 2; i++)
        da_tape_ball_free(o->w[i]);
    for (int i = 0; i < o->ngrid; i++) {
        for (long j = 0; j < o->grid[i].n; j++)
            mag_clear(o->grid[i].w + j);
        free(o->grid[i].w);
        mag_clear(&o->grid[i].tail);
    }
    da_act_free(o->d1);
    da_act_free(o->d2);
    free(o);
}

int da_netk_off_new(da_netk_off **out, const da_act *act)
{
    *out = NULL;
    da_netk_off *o = calloc(1, sizeof *o);
    if (!o)
        return da_fail(DA_ENOMEM, "out of memory");
    int st = da_act_derivative(&o->d1, act);
    if (!st)
        st = da_act_derivative(&o->d2, o->d1);
    if (st) {
        da_netk_off_free(o);
        return st;
    }
    const da_act *f[2] = {o->d1, o->d2};
    int n = 0;
    int g_ok = da_expr_jumps_at0(act->expr, &n);
    int s_cont = da_expr_no_jump(act->expr);
    int h_ok = s_cont && (n = 0, da_expr_jumps_at0(o->d1->expr, &n));
    for (int kind = 0; kind < 2; kind++) {
        char *w = o->why[kind];
        size_t wl = sizeof o->why[kind];
        if (kind == 0 && !g_ok) {
            snprintf(w, wl, "sigma may jump away from x = 0 (a comparison, step, sign, floor "
                     "or condition on an argument other than K*x)");
            continue;
        }
        if (kind == 1 && !s_cont) {
            snprintf(w, wl, "sigma may jump (a switch away from x = 0, or one at 0 whose "
                     "one-sided limits are not proved equal): sigma' then holds a delta");
            continue;
        }
        if (kind == 1 && !h_ok) {
            snprintf(w, wl, "sigma' may jump away from x = 0 (a comparison, step, sign, floor "
                     "or condition on an argument other than K*x): h_q - h_q~ is not of first "
                     "order in L2");
            continue;
        }
        if (da_expr_envelope(&o->env[kind], f[kind]->expr) != DA_OK) {
            da_clear_error();
            snprintf(w, wl, "no proved growth envelope of %s = %s (the envelope algebra has "
                     "no rule for it)", kind ? "sigma''" : "sigma'", da_act_spec(f[kind]));
            continue;
        }
        o->w[kind] = da_tape_ball_new(f[kind]->tape, OFF_PREC);
        if (!o->w[kind]) {
            da_netk_off_free(o);
            return da_fail(DA_ENOMEM, "out of memory");
        }
        o->ok[kind] = 1;
    }
    *out = o;
    return DA_OK;
}

/* ---- the Gaussian integral ----------------------------------------------- */

/* Pbar(x) = 1 - Phi(x) and x phi(x) at x >= 0 */
static void gauss_parts(arb_t pb, arb_t xp, const arb_t x, slong prec)
{
    arb_t t;
    arb_init(t);
    arb_sqrt_ui(t, 2, prec);
    arb_div(pb, x, t, prec);
    arb_hypgeom_erfc(pb, pb, prec);
    arb_mul_2exp_si(pb, pb, -1);
    arb_sqr(t, x, prec);
    arb_mul_2exp_si(t, t, -1);
    arb_neg(t, t);
    arb_exp(t, t, prec);
    arb_mul(xp, t, x, prec);
    arb_const_pi(t, prec);
    arb_mul_2exp_si(t, t, 1);
    arb_rsqrt(t, t, prec);
    arb_mul(xp, xp, t, prec);
    arb_clear(t);
}

/* the weights of the grid x_i = i X0 / n (made once per grid) */
static const off_grid *get_grid(da_netk_off *o, double X0, long n, slong prec)
{
    for (int i = 0; i < o->ngrid; i++)
        if (o->grid[i].X0 == X0 && o->grid[i].n == n)
            return &o->grid[i];
    off_grid *g;
    if (o->ngrid < OFF_GRIDS) {
        g = &o->grid[o->ngrid++];
    } else {
        g = &o->grid[o->nextgrid++ % OFF_GRIDS];
        for (long j = 0; j < g->n; j++)
            mag_clear(g->w + j);
        free(g->w);
        mag_clear(&g->tail);
    }
    g->X0 = X0;
    g->n = 0;
    mag_init(&g->tail);
    g->w = malloc((size_t)n * sizeof *g->w);
    if (!g->w) {
        g->X0 = -1;
        return NULL;
    }
    g->n = n;
    arb_t t, pb0, xp0, pb1, xp1, W;
    arb_init(t); arb_init(pb0); arb_init(xp0); arb_init(pb1); arb_init(xp1); arb_init(W);
    arb_zero(t);
    gauss_parts(pb0, xp0, t, prec);
    for (long i = 0; i < n; i++) {
        mag_init(g->w + i);
        arb_set_d(t, X0 * (double)(i + 1) / (double)n);   /* exact: X0 < 2^20, n <= 2^11 */
        gauss_parts(pb1, xp1, t, prec);
        /* int_a^b x^2 phi = Pbar(a) - Pbar(b) + a phi(a) - b phi(b) */
        arb_sub(W, pb0, pb1, prec);
        arb_add(W, W, xp0, prec);
        arb_sub(W, W, xp1, prec);
        arb_get_mag(g->w + i, W);
        arb_swap(pb0, pb1);
        arb_swap(xp0, xp1);
    }
    /* int_X0^inf x^2 phi = Pbar(X0) + X0 phi(X0) */
    arb_add(W, pb0, xp0, prec);
    arb_get_mag(&g->tail, W);
    arb_clear(t); arb_clear(pb0); arb_clear(xp0); arb_clear(pb1); arb_clear(xp1); arb_clear(W);
    return g;
}

/* S = sup |f| on the ball u (0 when not finite) */
static int sup_on(mag_t S, da_tape_ball *w, const arb_t u)
{
    arb_t y;
    arb_init(y);
    int ok = da_tape_arb_enclose(w, y, u) == DA_BALL_OK && arb_is_finite(y);
    if (ok)
        arb_get_mag(S, y);
    arb_clear(y);
    return ok;
}

/* *out >= sup_{t in [lo, hi]} E[X^2 f(sqrt(t) X)^2] for f with ball tape w
   and envelope env (f = sigma' or sigma''); 0 on success */
static int gauss_x2f2(double *out, da_netk_off *o, int kind, double lo, double hi,
                      char *why, size_t wl)
{
    slong prec = OFF_PREC;
    da_tape_ball *w = o->w[kind];
    const da_env *env = &o->env[kind];
    int ok = 1;
    arb_t xi, sq, sqlo, J, u, P, C, t, W;
    arb_init(xi); arb_init(sq); arb_init(sqlo); arb_init(J); arb_init(u); arb_init(P);
    arb_init(C); arb_init(t); arb_init(W);
    mag_t acc, S, Wm, tm;
    mag_init(acc); mag_init(S); mag_init(Wm); mag_init(tm);
    arf_t a, b, flo, fhi;
    arf_init(a); arf_init(b); arf_init(flo); arf_init(fhi);
    arf_set_d(flo, lo);
    arf_set_d(fhi, hi);
    arb_set_interval_arf(xi, flo, fhi, prec);
    arb_sqrt(sq, xi, prec);
    arb_set_arf(t, flo);
    arb_sqrt(sqlo, t, prec);
    /* the envelope's exponents (positive parts: valid for |u| >= 1) */
    double A = env->A, m = env->m > 0 ? env->m : 0, c = env->c > 0 ? env->c : 0,
           q = env->q > 0 ? env->q : 0;
    double M = 2 + 2 * m;
    /* P = 1 - 4 q hi, C = 2 c sqrt(hi) */
    arb_set_d(t, q);
    arb_set_arf(P, fhi);
    arb_mul(P, P, t, prec);
    arb_mul_2exp_si(P, P, 2);
    arb_sub_ui(P, P, 1, prec);
    arb_neg(P, P);
    if (!arb_is_positive(P)) {
        snprintf(why, wl, "the envelope grows like exp(%g u^2): not integrable against the "
                 "Gaussian at variance %g", q, hi);
        ok = 0;
        goto out;
    }
    arb_set_arf(t, fhi);
    arb_sqrt(C, t, prec);
    arb_mul_ui(C, C, 2, prec);
    arb_set_d(t, c);
    arb_mul(C, C, t, prec);
    /* X0 >= (C + sqrt(C^2 + 2 P M)) / P, an integer >= 8 */
    arb_sqr(t, C, prec);
    arb_t pm;
    arb_init(pm);
    arb_set_d(pm, M);
    arb_mul(pm, pm, P, prec);
    arb_mul_2exp_si(pm, pm, 1);
    arb_add(t, t, pm, prec);
    arb_sqrt(t, t, prec);
    arb_add(t, t, C, prec);
    arb_div(t, t, P, prec);
    arb_clear(pm);
    arf_t up;
    arf_init(up);
    arb_get_ubound_arf(up, t, prec);
    double xthr = arf_get_d(up, ARF_RND_UP);
    arf_clear(up);
    if (!(xthr < 1e6)) {
        snprintf(why, wl, "the envelope's tail starts beyond x = 10^6");
        ok = 0;
        goto out;
    }
    double X0 = ceil(xthr) > 8 ? ceil(xthr) : 8;
    /* pieces of width h = X0 / n (n a power of 2, so the grid is exact):
       h <= 1/8 and h sqrt(hi) <= 1/16 */
    double htarget = fmin(0.125, 0.0625 / sqrt(hi));
    long n = 1;
    while (n < OFF_NMAX && X0 / (double)n > htarget)
        n *= 2;
    const off_grid *g = get_grid(o, X0, n, prec);
    if (!g) {
        snprintf(why, wl, "out of memory");
        ok = 0;
        goto out;
    }
    arf_set_d(a, 0);
    for (long i = 0; i < n && ok; i++) {
        arf_set_d(b, X0 * (double)(i + 1) / (double)n);
        for (int sgn = 0; sgn < 2 && ok; sgn++) {
            arb_set_interval_arf(J, a, b, prec);
            if (sgn)
                arb_neg(J, J);
            arb_mul(u, sq, J, prec);
            if (!sup_on(S, w, u)) {
                snprintf(why, wl, "no finite ball enclosure of the derivative near u = %.3g "
                         "(a singularity, or an unbounded derivative)",
                         (sgn ? -1 : 1) * sqrt(lo) * arf_get_d(a, ARF_RND_NEAR));
                ok = 0;
                break;
            }
            mag_mul(tm, S, S);
            mag_mul(tm, tm, g->w + i);
            mag_add(acc, acc, tm);
        }
        arf_set(a, b);
    }
    if (!ok)
        goto out;
    mag_set(Wm, &g->tail);
    /* |u| < 1 beyond X0: u in +-[sqrt(lo) X0, 1] */
    arb_set_d(t, X0);
    arb_mul(t, t, sqlo, prec);
    arf_t ulo;
    arf_init(ulo);
    arb_get_lbound_arf(ulo, t, prec);
    if (arf_cmp_si(ulo, 1) < 0) {
        mag_t SA;
        mag_init(SA);
        arf_t p0, p1;
        arf_init(p0);
        arf_init(p1);
        /* 16 pieces each side: [p_i, p_(i+1)], p_i = ulo + i (1 - ulo)/16,
           starts rounded down and ends up (the pieces overlap, never gap) */
        arf_t d;
        arf_init(d);
        arf_sub_ui(d, ulo, 1, prec, ARF_RND_DOWN);
        arf_neg(d, d);                                   /* 1 - ulo > 0, rounded up */
        for (int i = 0; i < 16 && ok; i++) {
            arf_mul_ui(p0, d, (ulong)i, prec, ARF_RND_DOWN);
            arf_div_ui(p0, p0, 16, prec, ARF_RND_DOWN);
            arf_add(p0, p0, ulo, prec, ARF_RND_DOWN);
            arf_mul_ui(p1, d, (ulong)(i + 1), prec, ARF_RND_UP);
            arf_div_ui(p1, p1, 16, prec, ARF_RND_UP);
            arf_add(p1, p1, ulo, prec, ARF_RND_UP);
            for (int sgn = 0; sgn < 2 && ok; sgn++) {
                arb_set_interval_arf(u, p0, p1, prec);
                if (sgn)
                    arb_neg(u, u);
                if (!sup_on(S, w, u)) {
                    snprintf(why, wl, "no finite ball enclosure of the derivative near |u| = %.3g",
                             arf_get_d(p0, ARF_RND_NEAR));
                    ok = 0;
                }
                mag_max(SA, SA, S);
            }
        }
        arf_clear(d);
        mag_mul(tm, SA, SA);
        mag_mul(tm, tm, Wm);
        mag_mul_2exp_si(tm, tm, 1);
        mag_add(acc, acc, tm);
        mag_clear(SA);
        arf_clear(p0);
        arf_clear(p1);
    }
    arf_clear(ulo);
    if (!ok)
        goto out;
    /* |u| >= 1: 2 A^2 hi^m X0^(M-1) exp(C X0 - P X0^2/2) (2/P) / sqrt(2 pi) */
    {
        arb_t e, x0;
        arb_init(e);
        arb_init(x0);
        arb_set_d(x0, X0);
        arb_mul(e, C, x0, prec);
        arb_sqr(t, x0, prec);
        arb_mul(t, t, P, prec);
        arb_mul_2exp_si(t, t, -1);
        arb_sub(e, e, t, prec);
        arb_exp(e, e, prec);
        arb_set_d(t, M - 1);
        arb_pow(t, x0, t, prec);
        arb_mul(e, e, t, prec);
        arb_set_d(t, m);
        arb_set_arf(W, fhi);
        arb_pow(t, W, t, prec);
        arb_mul(e, e, t, prec);
        arb_set_d(t, A);
        arb_sqr(t, t, prec);
        arb_mul(e, e, t, prec);
        arb_mul_2exp_si(e, e, 2);
        arb_div(e, e, P, prec);
        arb_const_pi(t, prec);
        arb_mul_2exp_si(t, t, 1);
        arb_rsqrt(t, t, prec);
        arb_mul(e, e, t, prec);
        if (!arb_is_finite(e)) {
            snprintf(why, wl, "the envelope's tail is not finite");
            ok = 0;
        } else {
            arb_get_mag(tm, e);
            mag_add(acc, acc, tm);
        }
        arb_clear(e);
        arb_clear(x0);
    }
    if (ok)
        *out = mag_get_d(acc);   /* rounds upwards */
out:
    arb_clear(xi); arb_clear(sq); arb_clear(sqlo); arb_clear(J); arb_clear(u); arb_clear(P);
    arb_clear(C); arb_clear(t); arb_clear(W);
    mag_clear(acc); mag_clear(S); mag_clear(Wm); mag_clear(tm);
    arf_clear(a); arf_clear(b); arf_clear(flo); arf_clear(fhi);
    return ok && isfinite(*out) ? DA_OK : DA_EDOM;
}

int da_netk_off_dnorm(double *D, da_netk_off *o, int kind, double lo, double hi,
                      const char **why)
{
    *D = INFINITY;
    *why = NULL;
    if (!o->ok[kind]) {
        *why = o->why[kind];
        return DA_EDOM;
    }
    if (!(lo > 0) || !(hi >= lo) || !isfinite(hi)) {
        *why = "the variance segment is not positive";
        return DA_EDOM;
    }
    for (int i = 0; i < o->nmemo; i++)
        if (o->memo[i].kind == kind && o->memo[i].lo == lo && o->memo[i].hi == hi) {
            *D = o->memo[i].D;
            return DA_OK;
        }
    double I = 0;
    char w[200];
    if (gauss_x2f2(&I, o, kind, lo, hi, w, sizeof w)) {
        snprintf(o->msg, sizeof o->msg, "%s", w);
        *why = o->msg;
        return DA_EDOM;
    }
    /* sqrt(I) / (2 sqrt(lo)), rounded up: (1 + 2^-50) covers the three
       correctly rounded operations */
    double d = sqrt(I) / (2 * sqrt(lo)) * (1 + 0x1p-50);
    off_memo *mm = &o->memo[o->nmemo < OFF_CACHE ? o->nmemo++ : o->next++ % OFF_CACHE];
    mm->kind = kind;
    mm->lo = lo;
    mm->hi = hi;
    mm->D = d;
    *D = d;
    return DA_OK;
}

/* coeffs.c -- Hermite coefficients to a requested accuracy.
 *
 * The engine is chosen by the activation's class (docs/numerics.md §4):
 *   polynomial, piecewise polynomial  the exact formulas in ball arithmetic
 *                                     (exact.c), proved when the pieces
 *                                     are (expr_pieces_arb.c), at any
 *                                     degree; precision raised in rounds
 *                                     until every radius meets the target;
 *                                     pieces not proved: the proved
 *                                     quadrature up to degree
 *                                     RIG_PWPOLY_MAX_DEGREE, above it the
 *                                     exact formulas on the analysis'
 *                                     pieces (an estimate, with the reason);
 *   everything the envelope algebra   the proved Gauss-Legendre engine
 *   covers                            (rigorous.c), precision rounds;
 *   the rest (estimates)              entire: Gauss-Hermite, n and 1.25 n
 *                                     nodes; singularities off the axis:
 *                                     truncated trapezoid, step halved;
 *                                     breakpoints, other pieces:
 *                                     double-exponential rule per piece,
 *                                     step halved.
 * Error of every number of the estimating quadratures (absolute):
 *   2 |difference between the last two resolutions|
 *     (the difference estimates the error of the coarser one; the finer is
 *      reported, whose error is far smaller under geometric convergence;
 *      the factor 2 covers err(finer) <= |difference| + err(coarser) with
 *      err(coarser) close to |difference|: a margin on an estimate, not a
 *      proof -- see docs/numerics.md)
 *   + rounding floor (3N + nodes + 80) 2^-wp DA_CRAMER_K mag, where wp is the
 *     working precision
 *   + evaluation error of sigma, measured at wp + 40 bits
 *   + truncation tail beyond |x| > T (tail.c).
 * Convergence is accepted only after at least two refinements and when
 * the difference has stopped growing.  When a node, precision or work cap
 * is reached first, the result is returned with DA_EACCURACY and the
 * bounds reached. */
#include "core/core.h"
#include "hermite/hermite.h"
#include "hermite/rigorous.h"
#include "hermite/exact.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>

#define DEFAULT_MAX_NODES 4000000L
/* above this degree a (piecewise) polynomial goes to the exact formulas */
#define RIG_PWPOLY_MAX_DEGREE 300

void da_hermite_opts_init(da_hermite_opts *o)
{
    o->degree = 10;
    o->digits = 30;
    o->raw = 0;
    o->max_prec = 0;
    o->max_nodes = 0;
    o->no_beta = 0;
}

/* ---- result object ------------------------------------------------- */

static da_hermite *result_new(long N, mpfr_prec_t prec)
{
    da_hermite *h = da_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->a = da_malloc((size_t)(N + 1) * sizeof *h->a);
    if (!h->a) {
        free(h);
        return NULL;
    }
    h->degree = N;
    h->prec = prec;
    for (long k = 0; k <= N; k++)
        da_ball_init2(&h->a[k], prec);
    da_ball_init2(&h->mean, prec);
    da_ball_init2(&h->var, prec);
    da_ball_init2(&h->norm2, prec);
    da_ball_init2(&h->tail, prec);
    da_ball_init2(&h->mu, prec);
    da_ball_init2(&h->beta, prec);
    return h;
}

void da_hermite_free(da_hermite *h)
{
    if (!h)
        return;
    for (long k = 0; k <= h->degree; k++)
        da_ball_clear(&h->a[k]);
    free(h->a);
    da_ball_clear(&h->mean);
    da_ball_clear(&h->var);
    da_ball_clear(&h->norm2);
    da_ball_clear(&h->tail);
    da_ball_clear(&h->mu);
    da_ball_clear(&h->beta);
    free(h);
}

/* ---- raw results of one method, before normalization ---------------- */

typedef struct {
    long N;
    mpfr_prec_t wp;
    da_ball_struct *A;   /* raw a_k (orthonormal basis) */
    da_ball_struct s2;   /* E sigma^2 */
    da_ball_struct d2;   /* E sigma'^2 */
    int d2_ok;
    long nodes;
    const char *method;
} raw_result;

static int raw_init(raw_result *r, long N, mpfr_prec_t wp)
{
    r->N = N;
    r->wp = wp;
    r->A = da_malloc((size_t)(N + 1) * sizeof *r->A);
    if (!r->A)
        return DA_ENOMEM;
    for (long k = 0; k <= N; k++)
        da_ball_init2(&r->A[k], wp);
    da_ball_init2(&r->s2, wp);
    da_ball_init2(&r->d2, wp);
    r->d2_ok = 0;
    r->nodes = 0;
    return DA_OK;
}

static void raw_clear(raw_result *r)
{
    if (!r->A)
        return;
    for (long k = 0; k <= r->N; k++)
        da_ball_clear(&r->A[k]);
    free(r->A);
    r->A = NULL;
    da_ball_clear(&r->s2);
    da_ball_clear(&r->d2);
}

/* |a - b| into rad (upward), rad += extra (a double, upward) */
static void set_rad_diff(mpfr_t rad, const mpfr_t a, const mpfr_t b, double extra)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(a) > mpfr_get_prec(b) ? mpfr_get_prec(a) : mpfr_get_prec(b));
    mpfr_sub(t, a, b, MPFR_RNDA);
    mpfr_abs(t, t, MPFR_RNDU);
    mpfr_set(rad, t, MPFR_RNDU);
    mpfr_add_d(rad, rad, extra, MPFR_RNDU);
    mpfr_clear(t);
}

/* sqrt(k!) for k = 0..N at precision wp */
static mpfr_t *sqrt_factorials(long N, mpfr_prec_t wp)
{
    mpfr_t *sf = da_malloc((size_t)(N + 1) * sizeof(mpfr_t));
    if (!sf)
        return NULL;
    mpfr_t t;
    mpfr_init2(t, wp);
    for (long k = 0; k <= N; k++) {
        mpfr_init2(sf[k], wp);
        if (k == 0)
            mpfr_set_ui(sf[k], 1, MPFR_RNDN);
        else {
            mpfr_sqrt_ui(t, (unsigned long)k, MPFR_RNDN);
            mpfr_mul(sf[k], sf[k - 1], t, MPFR_RNDN);
        }
    }
    mpfr_clear(t);
    return sf;
}

static void free_mpfr_array(mpfr_t *a, long n)
{
    if (!a)
        return;
    for (long i = 0; i < n; i++)
        mpfr_clear(a[i]);
    free(a);
}

/* rad += 2^ceil(l2) (nothing for l2 = -Inf): floors far below double's
   range stay exact powers of two */
static void rad_add_pow2(mpfr_t rad, double l2)
{
    if (l2 == -INFINITY || isnan(l2))
        return;
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    if (l2 > 1e9)
        mpfr_set_inf(t, 1);
    else
        mpfr_set_ui_2exp(t, 1, (mpfr_exp_t)ceil(l2), MPFR_RNDU);
    mpfr_add(rad, rad, t, MPFR_RNDU);
    mpfr_clear(t);
}

/* ---- exact path ---------------------------------------------------- */

static double arb_log2_rad(const arb_t x)
{
    if (!arb_is_finite(x))
        return INFINITY;
    if (mag_is_zero(arb_radref(x)))
        return -INFINITY;
    return mag_get_d_log2_approx(arb_radref(x));
}

/* Polynomials and piecewise polynomials by the exact formulas in ball
 * arithmetic (exact.c), in rounds of precision until every radius meets
 * the target.  The balls are proofs when the pieces are (*proved; with
 * need_proof set, unproved pieces give DA_EDOM at once, why[] filled);
 * otherwise they are computed on the analysis' pieces, an estimate.
 * DA_EACCURACY: the precision cap or the time limit came first; R holds
 * what was reached. */
static int run_exact(raw_result *R, const da_act *act, long N, double log2_target,
                     double log2_mag, mpfr_prec_t max_prec, int need_proof, int *proved,
                     char *why, size_t whylen)
{
    /* relative to the sums' magnitude; exact.c adds what the recurrence
       for He_k at each breakpoint needs */
    slong wp = (slong)ceil(-log2_target + log2_mag + log2((double)N + 2)) + 32;
    if (wp < 64)
        wp = 64;
    *proved = 0;
    int st = DA_EACCURACY;
    for (int round = 0; round < 8; round++) {
        if (wp > (slong)max_prec)
            wp = (slong)max_prec;
        da_exact ex;
        st = da_exact_compute(&ex, act, N, wp, need_proof);
        if (st == DA_EDOM)
            snprintf(why, whylen, "%s", ex.why);
        if (st && st != DA_EACCURACY) {
            da_exact_clear(&ex);
            return st;
        }
        *proved = ex.proved;
        if (!ex.proved)
            snprintf(why, whylen, "%s", ex.why);
        raw_clear(R);
        int stc = raw_init(R, N, (mpfr_prec_t)wp);
        if (stc) {
            da_exact_clear(&ex);
            return stc;
        }
        double worst = arb_log2_rad(ex.s2);
        for (long k = 0; k <= N; k++) {
            double l = arb_log2_rad(ex.a + k);
            if (l > worst)
                worst = l;
            da_ball_set_arb(&R->A[k], ex.a + k);
        }
        if (arb_log2_rad(ex.d2) > worst)
            worst = arb_log2_rad(ex.d2);
        da_ball_set_arb(&R->s2, ex.s2);
        da_ball_set_arb(&R->d2, ex.d2);
        R->d2_ok = 1;
        R->nodes = 0;
        R->method = act->info.cls == DA_CLASS_POLY ? "exact Gaussian moments in ball arithmetic"
                                                    : "exact jump formula in ball arithmetic";
        da_exact_clear(&ex);
        if (st == DA_EACCURACY)
            return st;   /* the time limit */
        if (worst <= log2_target)
            return DA_OK;
        if (wp >= (slong)max_prec || da_time_left() <= 0)
            return DA_EACCURACY;
        /* the radii scale like 2^-wp: ask for what is missing, and more */
        slong more = isfinite(worst) ? (slong)ceil(worst - log2_target) + 32 : wp;
        if (more < wp / 4)
            more = wp / 4;
        wp += more;
    }
    return DA_EACCURACY;
}

/* ---- quadrature paths ---------------------------------------------- */

typedef enum { Q_GH, Q_TRAP, Q_DE } qkind;

typedef struct {
    qkind kind;
    const da_act *act;
    const da_tape *ds;   /* derivative tape or NULL */
    long N;
    mpfr_prec_t wp;
    double T;
    /* GH */
    long n;
    /* trapezoid / DE */
    double h;
    int level;
    int npieces;
    mpfr_t *ends;        /* npieces + 1 endpoints (first -Inf, last +Inf) */
} qstate;

/* Compute the sums at the current resolution into acc.  For nested rules
 * (trapezoid, DE), acc holds the previous level's sums and only the new
 * nodes are added. */
static int q_level(qstate *q, da_acc *acc, long max_nodes)
{
    int st;
    if (q->kind == Q_GH) {
        if (q->n > max_nodes)
            return DA_EACCURACY;
        const mpfr_t *x, *w;
        st = da_gh_rule(&x, &w, q->n, q->wp);
        if (st)
            return st;
        /* view the non-negative half as a symmetric rule */
        long n0 = q->n / 2;
        long m = q->n - n0;
        da_rule r = {0};
        r.n = m;
        r.sym = 1;
        r.x = (mpfr_t *)(x + n0);
        r.w = (mpfr_t *)(w + n0);
        r.xd = da_malloc((size_t)m * sizeof(double));
        r.bound = da_malloc((size_t)m * sizeof(double));
        if (!r.xd || !r.bound) {
            free(r.xd);
            free(r.bound);
            return DA_ENOMEM;
        }
        for (long i = 0; i < m; i++) {
            double xv = mpfr_get_d(r.x[i], MPFR_RNDN);
            long e;
            double mm = mpfr_get_d_2exp(&e, r.w[i], MPFR_RNDU);
            double lg = log(fabs(mm)) + (double)e * M_LN2 + xv * xv / 4;
            r.xd[i] = xv;
            r.bound[i] = lg > 700 ? INFINITY : exp(lg) * (1 + 1e-12);
        }
        /* the middle node of an odd rule carries its full weight once:
           da_acc_add treats x = 0 as one-sided */
        st = da_acc_add(acc, &r, q->act, q->ds);
        free(r.xd);
        free(r.bound);
        return st;
    }
    long start = q->level == 0 ? 0 : 1, stride = q->level == 0 ? 1 : 2;
    if (q->level > 0)
        da_acc_scale_2exp(acc, -1);
    if (q->kind == Q_TRAP) {
        if (acc->nodes + 2 * (long)(q->T / q->h) > max_nodes)
            return DA_EACCURACY;
        mpfr_t h;
        mpfr_init2(h, q->wp);
        mpfr_set_d(h, q->h, MPFR_RNDN);
        da_rule r = {0};
        st = da_rule_trap(&r, h, q->T, start, stride, q->wp);
        mpfr_clear(h);
        if (st)
            return st;
        st = da_acc_add(acc, &r, q->act, q->ds);
        da_rule_clear(&r);
        return st;
    }
    for (int p = 0; p < q->npieces; p++) {
        da_rule r = {0};
        st = da_rule_de(&r, q->ends[p], q->ends[p + 1], q->h, q->T, start, stride, q->wp);
        if (st)
            return st;
        if (acc->nodes + r.n > max_nodes) {
            da_rule_clear(&r);
            return DA_EACCURACY;
        }
        st = da_acc_add(acc, &r, q->act, q->ds);
        da_rule_clear(&r);
        if (st)
            return st;
    }
    return DA_OK;
}

static void q_refine(qstate *q)
{
    if (q->kind == Q_GH)
        q->n = q->n + q->n / 4 + 4;
    else {
        q->h /= 2;
        q->level++;
    }
}

/* Step 1 of run_quad: the rule by the activation's class into q (kind,
   first step or node count, the breakpoints for DE) and R->method;
   *use_tail 0 for Gauss-Hermite (the whole line).  DA_OK or an error (q
   then holds nothing to free). */
static int q_choose_rule(qstate *q, raw_result *R, const da_act *act, double bits, int *use_tail)
{
    const da_expr_info *info = &act->info;
    long N = q->N;
    *use_tail = 1;   /* Gauss-Hermite has no truncation */
    switch (info->cls) {
    case DA_CLASS_ENTIRE:
        q->kind = Q_GH;
        q->n = (long)(0.5 * bits) + N + 8;
        R->method = "Gauss-Hermite";
        *use_tail = 0;   /* Gauss-Hermite integrates the whole line */
        break;
    case DA_CLASS_POLES: {
        q->kind = Q_TRAP;
        /* start optimistic: levels are nested, so a too-large first step
           costs little, and the analysis' distance is only an estimate
           (conservative for compositions) */
        double d = info->sing_dist > 1.0 && isfinite(info->sing_dist) ? info->sing_dist : 1.0;
        if (d > 3)
            d = 3;
        q->h = 2 * M_PI * d / (bits * M_LN2 + 8);
        double hk = 2.0 / sqrt(2.0 * N + 2);
        if (q->h > hk)
            q->h = hk;
        q->h *= 2;   /* the first level is only a reference */
        R->method = "trapezoid";
        break;
    }
    default: {
        q->kind = Q_DE;
        q->h = 0.5;
        q->npieces = info->nbreak + 1;
        q->ends = da_malloc((size_t)(q->npieces + 1) * sizeof(mpfr_t));
        if (!q->ends)
            return DA_ENOMEM;
        for (int i = 0; i <= q->npieces; i++)
            mpfr_init2(q->ends[i], q->wp);
        mpfr_set_inf(q->ends[0], -1);
        mpfr_set_inf(q->ends[q->npieces], 1);
        int st = da_expr_breakpoints_m(act->expr, info, q->ends + 1, q->wp);
        if (st) {
            free_mpfr_array(q->ends, q->npieces + 1);
            q->ends = NULL;
            return st;
        }
        R->method = "double exponential, split at breakpoints";
        break;
    }
    }
    return DA_OK;
}

/* the largest difference between two levels, |cur - prev| of the A_k
   relative to sqrt(k!) and of s2, into maxd (t1 scratch) */
static void level_diff(mpfr_t maxd, mpfr_t t1, const da_acc *cur, const da_acc *prev,
                       mpfr_t *sf, long N)
{
    mpfr_set_zero(maxd, 1);
    for (long k = 0; k <= N; k++) {
        mpfr_sub(t1, cur->A[k], prev->A[k], MPFR_RNDA);
        mpfr_div(t1, t1, sf[k], MPFR_RNDA);
        mpfr_abs(t1, t1, MPFR_RNDU);
        if (mpfr_cmp(t1, maxd) > 0)
            mpfr_set(maxd, t1, MPFR_RNDU);
    }
    mpfr_sub(t1, cur->s2, prev->s2, MPFR_RNDA);
    mpfr_abs(t1, t1, MPFR_RNDU);
    if (mpfr_cmp(t1, maxd) > 0)
        mpfr_set(maxd, t1, MPFR_RNDU);
}

/* Step 2: the levels (at most 40), refined until two successive
   differences are below lim and not growing (*converged 1: cur the last
   level, prev the one before) or the node cap (then prev == cur, the last
   good level); lastdiff the last difference seen, *have_prev 1 when
   there is a level to report.  DA_OK or an error. */
static int q_levels(qstate *q, da_acc *prev, da_acc *cur, mpfr_t *sf, mpfr_t lastdiff,
                    const mpfr_t lim, long max_nodes, int *converged, int *have_prev)
{
    long N = q->N;
    int st = DA_OK;
    mpfr_t maxd, t1;
    mpfr_init2(maxd, DA_RAD_PREC);
    mpfr_init2(t1, q->wp);
    for (int level = 0; !st && level < 40; level++) {
        if (q->kind == Q_GH) {
            /* not nested: start from zero each time */
            da_acc_clear(cur);
            st = da_acc_init(cur, N, q->wp);
            if (st)
                break;
        }
        /* the first level is always computed, so that a bound exists */
        int lst = q_level(q, cur, *have_prev ? max_nodes : LONG_MAX);
        if (lst == DA_EACCURACY)
            break;          /* node cap: report what we have */
        if (lst) {
            st = lst;
            break;
        }
        if (*have_prev) {
            level_diff(maxd, t1, cur, prev, sf, N);
            if (level >= 2 && mpfr_cmp(maxd, lim) <= 0 && mpfr_cmp(maxd, lastdiff) <= 0) {
                *converged = 1;
                break;
            }
            mpfr_set(lastdiff, maxd, MPFR_RNDU);
        }
        da_acc_set(prev, cur);
        *have_prev = 1;
        q_refine(q);
    }
    mpfr_clear(maxd);
    mpfr_clear(t1);
    return st;
}

/* Step 3: R from the final level fin (cur when converged, else prev):
   the A_k / sqrt(k!), s2 and (dact) d2 with their radii: the level
   difference doubled, the rounding floors, the function's error
   (fdiff, fdiff2) and the tail 2^log2_tail (2^taild for d2) when use_tail */
static void q_radii(raw_result *R, const qstate *q, const da_acc *cur, const da_acc *prev,
                    int converged, const mpfr_t lastdiff, mpfr_t *sf, int use_tail,
                    double log2_tail, int have_d2, double taild)
{
    long N = q->N;
    const da_acc *fin = converged ? cur : prev;
    /* the floors, added as powers of two (they may lie far below
       double's range) or in MPFR */
    double l2_round = -(double)q->wp + log2(3.0 * N + (double)fin->nodes + 80)
                      + log2(DA_CRAMER_K * fin->mag);
    double l2_round_s = -(double)q->wp + log2((double)fin->nodes + 80) + log2(fin->magd);
    mpfr_t ff;
    mpfr_init2(ff, DA_RAD_PREC);
    mpfr_mul_d(ff, fin->fdiff, 2 * DA_CRAMER_K, MPFR_RNDU);
    for (long k = 0; k <= N; k++) {
        mpfr_div(R->A[k].mid, fin->A[k], sf[k], MPFR_RNDN);
        if (converged) {
            set_rad_diff(R->A[k].rad, cur->A[k], prev->A[k], 0);
            mpfr_div(R->A[k].rad, R->A[k].rad, sf[k], MPFR_RNDU);
        } else {
            mpfr_set(R->A[k].rad, lastdiff, MPFR_RNDU);
        }
        /* doubled: err(finer) <= |difference| + err(coarser), and the
           difference is the estimate of err(coarser) (header comment) */
        mpfr_mul_2ui(R->A[k].rad, R->A[k].rad, 1, MPFR_RNDU);
        rad_add_pow2(R->A[k].rad, l2_round);
        mpfr_add(R->A[k].rad, R->A[k].rad, ff, MPFR_RNDU);
        if (use_tail)
            rad_add_pow2(R->A[k].rad, log2_tail);
    }
    mpfr_set(R->s2.mid, fin->s2, MPFR_RNDN);
    if (converged)
        set_rad_diff(R->s2.rad, cur->s2, prev->s2, 0);
    else
        mpfr_set(R->s2.rad, lastdiff, MPFR_RNDU);
    mpfr_mul_2ui(R->s2.rad, R->s2.rad, 1, MPFR_RNDU);
    rad_add_pow2(R->s2.rad, l2_round_s);
    mpfr_mul_2ui(ff, fin->fdiff2, 1, MPFR_RNDU);
    mpfr_add(R->s2.rad, R->s2.rad, ff, MPFR_RNDU);
    if (use_tail)
        rad_add_pow2(R->s2.rad, log2_tail);
    if (have_d2) {
        mpfr_set(R->d2.mid, fin->d2, MPFR_RNDN);
        if (converged)
            set_rad_diff(R->d2.rad, cur->d2, prev->d2, 0);
        else
            mpfr_set_inf(R->d2.rad, 1);
        mpfr_mul_2ui(R->d2.rad, R->d2.rad, 1, MPFR_RNDU);
        /* the derivative's own evaluation error is not measured: its
           difference between resolutions dominates in practice; add
           the rounding floor with a factor 16 */
        rad_add_pow2(R->d2.rad, l2_round_s + 4);
        if (use_tail)
            rad_add_pow2(R->d2.rad, taild);
        R->d2_ok = 1;
    }
    mpfr_clear(ff);
    R->nodes = fin->nodes;
}

/* The estimating quadrature engines: the coefficients A_0..A_N, E sigma^2
   and (want_beta) E sigma'^2 by levels of a rule until two levels agree to
   2^log2_target.  In steps: the tail radius T (the largest of the
   coefficients', E sigma^2's and E sigma'^2's), the rule by the class
   (q_choose_rule), the levels (q_levels), the balls (q_radii). */
static int run_quad(raw_result *R, const da_act *act, long N, double log2_target,
                    double log2_mag, mpfr_prec_t max_prec, long max_nodes, int want_beta)
{
    const da_expr_info *info = &act->info;
    da_act *dact = NULL;
    if (want_beta && !act->has_jump && da_act_derivative(&dact, act) != DA_OK)
        dact = NULL;   /* beta will be reported unknown */
    da_clear_error();

    qstate q = {0};
    q.act = act;
    q.ds = dact ? dact->tape : NULL;
    q.N = N;
    double bits = -log2_target;
    /* relative precision: the target below the magnitude of the sums
       (E sigma^2 for a sigma with a large mean) */
    q.wp = (mpfr_prec_t)ceil(bits + log2_mag) + 40 + (mpfr_prec_t)ceil(log2(3.0 * N + 16));
    if (q.wp > max_prec)
        q.wp = max_prec;
    double tail1, tail2, taild = -INFINITY;
    double T1 = da_tail_radius(act->tape, info->growth, info->growth_param, 1, N,
                               log2_target - 4, &tail1);
    double T2 = da_tail_radius(act->tape, info->growth, info->growth_param, 2, 0,
                               log2_target - 4, &tail2);
    q.T = T1 > T2 ? T1 : T2;
    if (dact) {
        double Td = da_tail_radius(dact->tape, dact->info.growth, dact->info.growth_param,
                                   2, 0, log2_target - 4, &taild);
        if (Td > q.T && isfinite(Td))
            q.T = Td;
    }
    if (!isfinite(q.T)) {
        da_act_free(dact);
        return da_fail(DA_EDOM, "activation '%s' grows too fast to bound its tail", act->spec);
    }
    double log2_tail = tail1 > tail2 ? tail1 : tail2;
    int use_tail;
    int st = q_choose_rule(&q, R, act, bits, &use_tail);
    if (st) {
        da_act_free(dact);
        return st;
    }

    da_acc prev = {0}, cur = {0};
    st = da_acc_init(&prev, N, q.wp);
    if (!st)
        st = da_acc_init(&cur, N, q.wp);
    mpfr_t *sf = st ? NULL : sqrt_factorials(N, q.wp);
    if (!st && !sf)
        st = DA_ENOMEM;
    /* differences between levels are compared in MPFR: targets go far
       below double's range at high precision */
    mpfr_t lastdiff, lim;
    mpfr_inits2(DA_RAD_PREC, lastdiff, lim, (mpfr_ptr)0);
    mpfr_set_inf(lastdiff, 1);
    mpfr_set_ui_2exp(lim, 1, (mpfr_exp_t)floor(log2_target), MPFR_RNDD);
    int converged = 0, have_prev = 0;
    if (!st)
        st = q_levels(&q, &prev, &cur, sf, lastdiff, lim, max_nodes, &converged, &have_prev);
    if (!st && !have_prev)
        st = da_fail(DA_EACCURACY, "node cap reached before a second resolution");
    if (!st) {
        /* if not converged, prev == cur (last good level); the error is
           then the last difference seen */
        int stc = raw_init(R, N, q.wp);
        if (stc)
            st = stc;
    }
    if (!st) {
        q_radii(R, &q, &cur, &prev, converged, lastdiff, sf, use_tail, log2_tail, dact != NULL,
                taild);
        if (!converged)
            st = DA_EACCURACY;
    }
    mpfr_clears(lastdiff, lim, (mpfr_ptr)0);
    da_acc_clear(&prev);
    da_acc_clear(&cur);
    free_mpfr_array(sf, N + 1);
    if (q.ends)
        free_mpfr_array(q.ends, q.npieces + 1);
    da_act_free(dact);
    return st;
}

/* ---- the proved engine (rigorous.c) --------------------------------- */

/* Hermite data with proved radii.  DA_OK, DA_EACCURACY (proved but wider
   than asked: the budget), DA_EDOM with why[] filled when no proof is
   possible for this activation (the caller falls back to an estimate). */
static int run_rig(raw_result *R, const da_act *act, long N, double log2_target,
                   double log2_mag, mpfr_prec_t max_prec, long max_nodes, int want_beta,
                   char *why, size_t whylen)
{
    da_act *dact = NULL;
    if (want_beta && !act->has_jump && da_act_derivative(&dact, act) != DA_OK)
        dact = NULL;
    da_clear_error();
    da_rig_opts o;
    da_rig_opts_init(&o);
    o.N = N;
    o.log2_tol = log2_target;
    o.want_d = dact != NULL;
    if (max_nodes > 0)
        o.max_nodes = max_nodes;
    /* The first working precision: the target, plus the growth of the
       radii in the He_k recurrence (ball arithmetic carries the rounding
       of He_k(x) at the size of P_k(|x|), the polynomial with positive
       coefficients, and sum w phi P_N(|x|)/sqrt(N!) ~ E P_N(|X|)/sqrt(N!)
       is about 2^(N/2 - log2(N)/4): 8.7 bits at N = 20, 97 at N = 200),
       plus log2 N for the roundings along the recurrence, plus 8.  Too
       little costs a second round at 1.5 times the precision, too much
       costs every operation (a limb more from 193 bits on). */
    double grow = N > 1 ? 0.5 * (double)N - 0.25 * log2((double)N) : 0;
    slong prec = (slong)ceil(-log2_target + log2_mag + grow + log2((double)N + 2) + 8);
    if (prec < 64)
        prec = 64;
    int st = DA_EDOM;
    da_rig_result res;
    memset(&res, 0, sizeof res);
    /* one work budget for all the rounds together */
    double t0 = da_work_clock();
    double budget = o.max_seconds;
    if (da_time_left() < budget)   /* the thread's time limit (da_set_time_limit) */
        budget = da_time_left();
    o.max_seconds = budget;
    /* one progress report for all the rounds (da_progress_set) */
    da_prog prog;
    da_prog_start(&prog);
    o.prog = &prog;
    for (int round = 0; round < 5; round++) {
        if (prec > max_prec)
            prec = max_prec;
        o.prec = prec;
        if (round > 0) {
            double used = da_work_clock() - t0;
            if (used >= budget || da_poll_check()) {
                st = DA_EACCURACY;
                snprintf(res.why, sizeof res.why, "work budget reached (%.0f s)", used);
                break;
            }
            o.max_seconds = budget - used;
        }
        da_rig_result_clear(&res);
        st = da_rig_compute(&res, act, dact, &o);
        if (st != DA_OK)
            break;
        double worst = arb_log2_rad(res.s2);
        for (long k = 0; k <= N; k++) {
            double l = arb_log2_rad(res.a + k);
            if (l > worst)
                worst = l;
        }
        if (res.d2_ok && arb_log2_rad(res.d2) > worst)
            worst = arb_log2_rad(res.d2);
        if (worst <= log2_target)
            break;
        if (prec >= max_prec) {
            st = DA_EACCURACY;
            break;
        }
        /* rounding, or the tolerance split over many intervals: more
           precision and a smaller tolerance */
        prec = prec + prec / 2 + 32;
        o.log2_tol -= 8;
    }
    da_prog_end(&prog, "quadrature intervals");
    if (st == DA_EDOM || st == DA_ENOMEM) {
        if (st == DA_EDOM)
            snprintf(why, whylen, "%s", res.why);
        da_rig_result_clear(&res);
        da_act_free(dact);
        return st;
    }
    int stc = raw_init(R, N, (mpfr_prec_t)prec);
    if (stc) {
        da_rig_result_clear(&res);
        da_act_free(dact);
        return stc;
    }
    for (long k = 0; k <= N; k++)
        da_ball_set_arb(&R->A[k], res.a + k);
    da_ball_set_arb(&R->s2, res.s2);
    if (res.d2_ok) {
        da_ball_set_arb(&R->d2, res.d2);
        R->d2_ok = 1;
    }
    R->nodes = res.nodes;
    R->method = "Gauss-Legendre in ball arithmetic (proved error), adaptive";
    if (st == DA_EACCURACY && res.why[0])
        snprintf(why, whylen, "%s", res.why);
    da_rig_result_clear(&res);
    da_act_free(dact);
    return st;
}

/* ---- normalization and the derived numbers ------------------------- */

static double max_digits_loss(const da_ball_struct *b, long n)
{
    double worst = INFINITY;
    for (long i = 0; i < n; i++) {
        double d = da_ball_digits(&b[i]);
        if (d < worst)
            worst = d;
    }
    return worst;
}

/* A rough scale of sigma in double: sqrt(E sigma^2), the standard
 * deviation (two passes, so that a large mean does not swamp it), and
 * the mean. Only used to set targets and precisions. */
static void rough_scale(const da_act *act, double *norm, double *sd, double *mean)
{
    /* in units of the largest |sigma| on the grid, so that sigma^2 does
       not overflow for sigma near 1e160 (and 1e308); sigma and the weights
       are evaluated once, the passes read them */
    enum { NG = 2801 };
    double s1 = 0, s2 = 0, h = 0.01, M = 0;
    double *fv = malloc(2 * NG * sizeof *fv), *wv = fv ? fv + NG : NULL;
    if (!fv) {
        *mean = 0;
        *sd = *norm = 1;
        return;
    }
    /* the Gaussian weights h phi(x_i) by their ratios,
       phi(x + h)/phi(x) = exp(-x h - h^2/2), which fall by exp(-h^2) per
       step: two exp for the grid (a few ulps of drift, a rough scale) */
    double wt = h * exp(-0.5 * 14.0 * 14.0) / sqrt(2 * M_PI);
    double ratio = exp(14.0 * h - 0.5 * h * h), fall = exp(-h * h);
    for (int i = 0; i < NG; i++) {
        double x = -14 + h * i;
        fv[i] = da_act_value_d(act, x);
        wv[i] = wt;
        wt *= ratio;
        ratio *= fall;
        double f = fabs(fv[i]);
        if (isfinite(f) && f > M)
            M = f;
    }
    if (!(M > 0))
        M = 1;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < NG; i++) {
            double f = fv[i] / M;
            if (!isfinite(f))
                continue;
            if (pass == 0)
                s1 += wv[i] * f;
            else
                s2 += wv[i] * (f - s1) * (f - s1);
        }
    }
    free(fv);
    *mean = s1 * M;
    *sd = sqrt(s2) * M;
    *norm = sqrt(s2 + s1 * s1) * M;
    if (!isfinite(*norm)) {
        /* beyond double's range: the scale is only a guide */
        *mean = 0;
        *sd = *norm = 1;
        return;
    }
    if (*sd > 1e-10 * *norm && *sd > 0)
        return;
    /* double arithmetic may have cancelled the variance away, as in
       (x + 1e200) - 1e200: look again in MPFR (the tape adds guard bits
       for its large constants) */
    mpfr_t x, y;
    mpfr_init2(x, 64);
    mpfr_init2(y, 64);
    da_tape_ws *w = da_tape_ws_new(act->tape, 64);
    if (!w) {
        mpfr_clears(x, y, (mpfr_ptr)0);
        return;
    }
    s1 = s2 = 0;
    h = 0.05;
    for (int pass = 0; pass < 2; pass++) {
        for (double xv = -14; xv <= 14; xv += h) {
            mpfr_set_d(x, xv, MPFR_RNDN);
            if (da_tape_eval_m(act->tape, w, y, x))
                continue;
            double f = mpfr_get_d(y, MPFR_RNDN);
            double wt = h * exp(-0.5 * xv * xv) / sqrt(2 * M_PI);
            if (pass == 0) {
                s1 += wt * f;
            } else {
                /* (f - mean) in MPFR, to keep what double would cancel */
                mpfr_sub_d(y, y, s1, MPFR_RNDN);
                double dv = mpfr_get_d(y, MPFR_RNDN);
                s2 += wt * dv * dv;
            }
        }
    }
    da_tape_ws_free(w);
    mpfr_clears(x, y, (mpfr_ptr)0);
    *mean = s1;
    *sd = sqrt(s2);
    *norm = sqrt(s2 + s1 * s1);
}

/* log2 of the variance of sigma, from the proved engine at 10, 40, 160,
 * then 700 absolute digits until it is shown positive: the grid saw no
 * variance, but it may have stepped over narrow features (sin(x) >
 * 0.9999999); a variance below double's range (1e-640 for 1e-320*x) is
 * tiny, not zero, so its sign and binary logarithm are taken in MPFR.
 * DA_EDOM (with the message) when it is exactly 0 or not separated from
 * 0, or the engine's failure */
static int probe_variance(double *log2v_out, const da_act *act, const da_hermite_opts *o)
{
    static const long probe_digits[] = {10, 40, 160, 700};
    double log2v = -INFINITY;
    int exact_zero = 0, positive = 0;
    for (size_t pi = 0; pi < sizeof probe_digits / sizeof probe_digits[0] && !positive
                        && !exact_zero; pi++) {
        da_hermite_opts o2 = *o;
        o2.raw = 1;
        o2.degree = 0;
        o2.digits = probe_digits[pi];
        o2.no_beta = 1;
        da_hermite *h0 = NULL;
        int st0 = da_hermite_compute(&h0, act, &o2);
        if (st0 != DA_OK && st0 != DA_EACCURACY) {
            da_hermite_free(h0);
            return st0;
        }
        mpfr_t lo;
        mpfr_init2(lo, DA_RAD_PREC);
        mpfr_sub(lo, h0->var.mid, h0->var.rad, MPFR_RNDD);
        if (mpfr_number_p(lo) && mpfr_sgn(lo) > 0) {
            long ex;
            double mm = mpfr_get_d_2exp(&ex, h0->var.mid, MPFR_RNDN);
            log2v = log2(mm) + (double)ex;
            positive = 1;
        }
        exact_zero = mpfr_zero_p(h0->var.mid) && mpfr_zero_p(h0->var.rad);
        mpfr_clear(lo);
        da_hermite_free(h0);
    }
    if (exact_zero)
        return da_fail(DA_EDOM, "activation '%s' has zero variance: it cannot be normalized "
                       "(set raw = 1 to use sigma itself)", act->spec);
    if (!positive)
        return da_fail(DA_EDOM, "the variance of '%s' could not be separated from 0 (it is "
                       "below 1e-700, or not enclosed): it cannot be normalized (set raw = 1 "
                       "to use sigma itself)", act->spec);
    *log2v_out = log2v;
    return DA_OK;
}

/* the raw sums R of act to degree N by the engine that fits: the exact
 * formulas for (piecewise) polynomials, the proved quadrature, and where
 * no proof is made the estimating engines (*rigorous 0 and why says so);
 * DA_OK, DA_EACCURACY (R filled) or a failure (R cleared) */
static int run_engines(raw_result *R, int *rigorous_out, char *why, size_t whylen,
                       const da_act *act, const da_hermite_opts *opts, long N, double log2_target,
                       double log2_mag, mpfr_prec_t max_prec, long max_nodes)
{
    const da_hermite_opts o = *opts;
    int st;
    int rigorous = 1;
    int pw = act->info.cls == DA_CLASS_POLY || act->info.cls == DA_CLASS_PWPOLY;
    int done = 0;
    if (pw) {
        /* the exact formulas in ball arithmetic: proved when the pieces
           are, and far cheaper than the quadrature at every degree
           (docs/benchmarks.md); pieces that cannot be proved go to the
           proved quadrature up to RIG_PWPOLY_MAX_DEGREE (its cost grows
           like N^2), and above it stay with the exact formulas on the
           analysis' pieces, an estimate */
        int proved = 0;
        char pwhy[200] = "";
        st = run_exact(R, act, N, log2_target, log2_mag, max_prec, N <= RIG_PWPOLY_MAX_DEGREE,
                       &proved, pwhy, sizeof pwhy);
        if (st == DA_OK || st == DA_EACCURACY) {
            done = 1;
            rigorous = proved;
            if (!proved)
                snprintf(why, whylen,
                         "the pieces are not proved (%.100s); degree %ld above %d: exact formulas on "
                         "the analysis' breakpoints", pwhy, N, RIG_PWPOLY_MAX_DEGREE);
        } else {
            raw_clear(R);
            if (st != DA_EDOM)
                return st;
        }
    }
    if (!done) {
        st = run_rig(R, act, N, log2_target, log2_mag, max_prec, o.max_nodes, !o.no_beta, why,
                     whylen);
        if (st == DA_EDOM) {
            /* no proof here: the estimating engines, labelled as such */
            rigorous = 0;
            raw_clear(R);
            if (pw) {
                int proved = 0;
                char pwhy[200] = "";
                st = run_exact(R, act, N, log2_target, log2_mag, max_prec, 0, &proved, pwhy,
                               sizeof pwhy);
                rigorous = proved;
            } else {
                st = run_quad(R, act, N, log2_target, log2_mag, max_prec, max_nodes, !o.no_beta);
            }
        }
    }
    if (st && st != DA_EACCURACY)
        raw_clear(R);
    *rigorous_out = rigorous;
    return st;
}

/* mu = 1 - a1^2/var, beta = E sigma'^2 / var (NaN +- Inf where not
 * known: degree 0, no proved E sigma'^2, or a variance not separated from
 * 0; beta infinite when sigma jumps); one = 1, t scratch */
static void set_mu_beta(da_hermite *h, const raw_result *R, const da_act *act, long N, int varok,
                        const da_ball one, da_ball t)
{
    if (varok) {
        if (N >= 1) {
            da_ball_mul(t, &R->A[1], &R->A[1]);
            da_ball_div(t, t, &h->var);
            da_ball_sub(&h->mu, one, t);
        } else {
            /* a_1 = E sigma' needs degree >= 1 */
            mpfr_set_nan(h->mu.mid);
            mpfr_set_inf(h->mu.rad, 1);
        }
        if (act->has_jump) {
            h->beta_infinite = 1;
            mpfr_set_inf(h->beta.mid, 1);
            mpfr_set_zero(h->beta.rad, 1);
        } else if (R->d2_ok) {
            da_ball_div(&h->beta, &R->d2, &h->var);
        } else {
            mpfr_set_nan(h->beta.mid);
            mpfr_set_inf(h->beta.rad, 1);
        }
    } else {
        mpfr_set_nan(h->mu.mid);
        mpfr_set_inf(h->mu.rad, 1);
        mpfr_set_nan(h->beta.mid);
        mpfr_set_inf(h->beta.rad, 1);
    }

}

/* One absolute target for every raw sum (a_k and E sigma^2), 10^-D in
 * units of the scale of what is reported, with a margin of 2^-4:
 *   raw:        a_k to t ||s||, E s^2 to t ||s||^2;
 *   normalized: a_k / sd needs a_k to t sd, and Var = E s^2 - a_0^2
 *               needs E s^2 to t sd^2 and a_0 to t sd^2 / (2 |mean|).
 * Its binary logarithm. */
static double target_log2(const da_hermite_opts *o, double log2sd, double mean)
{
    double t10 = -(double)o->digits * log2(10.0) - 4;
    double log2_target;
    if (o->raw) {
        /* absolute: every printed number to 10^-D */
        log2_target = t10;
    } else {
        log2_target = t10 + log2sd + fmin(0.0, log2sd);
        if (fabs(mean) > 0)
            log2_target += fmin(0.0, log2sd - log2(2 * fabs(mean)));
    }
    return isfinite(log2_target) ? log2_target : t10;
}

/* the digits reached: by the coefficients, and the tail (normalized) or
 * E sigma^2 (raw), in units of the scale */
static double digits_reached(const da_hermite *h, long N, int raw)
{
    double dr = max_digits_loss(h->a, N + 1);
    double d2 = raw ? da_ball_digits(&h->norm2) : da_ball_digits(&h->tail);
    return d2 < dr ? d2 : dr;
}

/* Step 0 of da_hermite_compute: the rough scale of sigma (refused beyond
   double's range, or with a variance too small to normalize; probed by
   the proved engine when the grid saw none), the target 2^log2_target of
   the engines and the magnitude 2^log2_mag of the largest sum (E sigma^2
   = norm^2).  DA_OK, DA_EDOM or the probe's error. */
static int scale_target(double *log2_target_out, double *log2_mag_out, const da_act *act,
                        const da_hermite_opts *o)
{
    double norm, sd, mean;
    rough_scale(act, &norm, &sd, &mean);
    /* E sigma^2 must stay within double's range for the growth bounds and
       the targets (a documented limit: docs/manual.md, Limits) */
    if (!(norm < 1e300) && isfinite(norm))
        return da_fail(DA_EDOM, "activation '%s' has a scale of about %.1e: beyond the "
                       "supported range (sqrt(E sigma^2) below 1e300)", act->spec, norm);
    if (!(norm > 0) || !isfinite(norm))
        norm = 1;
    if (!o->raw && sd > 1e-300 && !(sd > 1e-15 * norm))
        return da_fail(DA_EDOM, "activation '%s' has a variance below 1e-30 of its mean square: "
                       "normalizing it would lose every digit (set raw = 1 to use sigma itself)", act->spec);
    double log2sd = sd > 0 ? log2(sd) : -INFINITY;
    if (!o->raw && !(sd > 1e-300)) {
        double log2v = -INFINITY;
        int stv = probe_variance(&log2v, act, o);
        if (stv)
            return stv;
        log2sd = log2v / 2;
        sd = exp2(log2sd);
        if (!(norm > sd))
            norm = sd;
    }
    double log2_target = target_log2(o, log2sd, mean);
    /* the largest sum computed is E sigma^2 = norm^2 */
    double log2_mag = norm > 1 ? 2 * log2(norm) : 0;
    *log2_target_out = log2_target;
    *log2_mag_out = log2_mag;
    return DA_OK;
}

int da_hermite_compute(da_hermite **out, const da_act *act, const da_hermite_opts *opts)
{
    *out = NULL;
    da_hermite_opts o;
    if (opts)
        o = *opts;
    else
        da_hermite_opts_init(&o);
    if (!act)
        return da_fail(DA_EINVAL, "no activation");
    if (o.degree < 0 || o.degree > 100000)
        return da_fail(DA_EINVAL, "degree %ld out of range [0, 100000]", o.degree);
    if (o.digits < 1 || o.digits > 10000)
        return da_fail(DA_EINVAL, "digits %ld out of range [1, 10000]", o.digits);
    long N = o.degree;
    long max_nodes = o.max_nodes > 0 ? o.max_nodes : DEFAULT_MAX_NODES;

    double log2_target = 0, log2_mag = 0;
    int sst = scale_target(&log2_target, &log2_mag, act, &o);
    if (sst)
        return sst;
    mpfr_prec_t max_prec = o.max_prec > 0 ? o.max_prec
                                          : (mpfr_prec_t)(4 * o.digits * 3.33) + 2048;

    raw_result R = {0};
    int rigorous = 1;
    char why[200] = "";
    int st = run_engines(&R, &rigorous, why, sizeof why, act, &o, N, log2_target, log2_mag,
                         max_prec, max_nodes);
    if (st && st != DA_EACCURACY)
        return st;
    int reached = st == DA_OK;

    mpfr_prec_t prec = R.wp;
    da_hermite *h = result_new(N, prec);
    if (!h) {
        raw_clear(&R);
        return DA_ENOMEM;
    }
    h->normalized = !o.raw;
    h->digits = o.digits;
    h->method = R.method;
    h->nodes = R.nodes;
    h->rigorous = rigorous;
    snprintf(h->bound_reason, sizeof h->bound_reason, "%s", why);

    /* mean, variance */
    da_ball_set(&h->mean, &R.A[0]);
    da_ball a0sq, one;
    da_ball_init2(a0sq, prec);
    da_ball_init2(one, prec);
    mpfr_set_ui(one->mid, 1, MPFR_RNDN);
    da_ball_mul(a0sq, &R.A[0], &R.A[0]);
    da_ball_sub(&h->var, &R.s2, a0sq);
    da_ball sd_b;
    da_ball_init2(sd_b, prec);
    da_ball_sqrt(sd_b, &h->var);

    /* the sum of squares of the raw coefficients */
    da_ball sum, t;
    da_ball_init2(sum, prec);
    da_ball_init2(t, prec);
    for (long k = 0; k <= N; k++) {
        da_ball_mul(t, &R.A[k], &R.A[k]);
        da_ball_add(sum, sum, t);
    }
    int varok = 1;
    {
        mpfr_t lo;
        mpfr_init2(lo, DA_RAD_PREC);
        mpfr_sub(lo, h->var.mid, h->var.rad, MPFR_RNDD);
        varok = mpfr_sgn(lo) > 0;
        mpfr_clear(lo);
    }
    /* a variance whose ball holds 0: with the accuracy reached, the input
       cannot be normalized (DA_EDOM); when the work budget ran out first,
       the normalized balls come out as NaN +- Inf, with DA_EACCURACY */
    const char *budget_msg = NULL;
    if (!o.raw && !varok && reached) {
        int var_finite = mpfr_number_p(h->var.mid) && mpfr_number_p(h->var.rad);
        da_hermite_free(h);
        da_ball_clear(a0sq);
        da_ball_clear(one);
        da_ball_clear(sd_b);
        da_ball_clear(sum);
        da_ball_clear(t);
        raw_clear(&R);
        if (!var_finite)
            return da_fail(DA_EDOM, "the variance of '%s' is not enclosed: a ball evaluation of the "
                           "formula is not finite on some interval (a point where its enclosure "
                           "diverges, such as a branch or a quotient undecided there): nothing is proved",
                           act->spec);
        return da_fail(DA_EDOM, "the variance of '%s' could not be separated from 0: it cannot be normalized",
                       act->spec);
    }
    if (!o.raw && !varok)
        budget_msg = why[0] ? why : "accuracy not reached";

    if (o.raw) {
        for (long k = 0; k <= N; k++)
            da_ball_set(&h->a[k], &R.A[k]);
        da_ball_set(&h->norm2, &R.s2);
        da_ball_sub(&h->tail, &R.s2, sum);
    } else {
        mpfr_set_zero(h->a[0].mid, 1);
        mpfr_set_zero(h->a[0].rad, 1);
        for (long k = 1; k <= N; k++)
            da_ball_div(&h->a[k], &R.A[k], sd_b);
        da_ball_set(&h->norm2, one);
        da_ball_sub(t, &R.s2, sum);
        da_ball_div(&h->tail, t, &h->var);
    }
    set_mu_beta(h, &R, act, N, varok, one, t);

    double dr = digits_reached(h, N, o.raw);
    h->digits_reached = dr;
    if (dr < (double)o.digits)
        reached = 0;

    da_ball_clear(a0sq);
    da_ball_clear(one);
    da_ball_clear(sd_b);
    da_ball_clear(sum);
    da_ball_clear(t);
    raw_clear(&R);
    *out = h;
    if (budget_msg)
        return da_fail(DA_EACCURACY, "the variance of '%s' was not separated from 0 before the "
                       "work ran out (%s): nothing normalized is proved", act->spec, budget_msg);
    if (!reached && !(dr > -INFINITY))
        return da_fail(DA_EACCURACY, "requested %ld digits; some values are not enclosed (nan, "
                       "or an infinite error bound: nothing is proved there)", o.digits);
    if (!reached)
        return da_fail(DA_EACCURACY, "requested %ld digits, reached %.1f", o.digits, dr);
    return DA_OK;
}

/* the normalizing moments in double, from the engine (hermite.h) */
int da_hermite_moments_d(double *mean, double *sd, const da_act *act)
{
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = 1;
    ho.digits = 17;
    ho.raw = 1;
    da_hermite *h = NULL;
    int st = da_hermite_compute(&h, act, &ho);
    if (!h)
        return st;
    *mean = mpfr_get_d(h->mean.mid, MPFR_RNDN);
    double v = mpfr_get_d(h->var.mid, MPFR_RNDN);
    da_hermite_free(h);
    if (!(v > 0))
        return da_fail(DA_EDOM, "the activation has zero variance: it cannot be normalized");
    *sd = sqrt(v);
    return DA_OK;
}

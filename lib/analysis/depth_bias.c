/* depth_bias.c -- the minimal depth of a network with weight variance sw2
 * and bias variance sb2 (mean-field conventions): inputs at the fixed
 * point q* of the length map, correlations in [-(1-delta), 1-delta],
 * iterated through the correlation map G at q* in ball arithmetic until
 * every correlation is within eps (1 - c*)/(n-1) of the fixed point c*.
 * The ordered phase (c* = 1) gets its proved rate instead.  The proofs
 * are in docs/numerics.md ("Depth with biases"). */
#include "core/core.h"
#include "analysis/analysis.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BIAS_LEVELS 3   /* digits, 2 digits, 4 digits */

struct da_depth_bias {
    const da_act *act;
    da_depth_opts o;
    int normalized;
    da_ball_struct sw2, sb2;
    da_meanfield *mf;
    int level;              /* the level prepared (-1: none) */
    long digits;            /* its digits */
    da_netk *nk;            /* the kernel at general variances, at digits */
    da_mf_point pt;
    da_mf_balls b;
    int pt_status;          /* of da_meanfield_point_balls */
    mpfr_t mono_lo;         /* G' >= 0 proved on [mono_lo, 0] (0: nothing) */
};

void da_depth_bias_result_init(da_depth_bias_result *r)
{
    memset(r, 0, sizeof *r);
    da_ball_init2(&r->q_star, 64);
    da_ball_init2(&r->c_star, 64);
    da_ball_init2(&r->chi1, 64);
    r->depth = -1;
    r->rank_one_depth = -1;
    r->lambda_min_lo = NAN;
    r->deviation = NAN;
    r->threshold = NAN;
    r->phase = -1;
}

void da_depth_bias_result_clear(da_depth_bias_result *r)
{
    da_ball_clear(&r->q_star);
    da_ball_clear(&r->c_star);
    da_ball_clear(&r->chi1);
}

static void bset(da_ball_struct *dst, const da_ball_struct *src)
{
    mpfr_set_prec(dst->mid, mpfr_get_prec(src->mid));
    mpfr_set(dst->mid, src->mid, MPFR_RNDN);
    mpfr_set(dst->rad, src->rad, MPFR_RNDU);
}

static void release_level(da_depth_bias *c)
{
    if (c->level >= 0) {
        da_mf_balls_clear(&c->b);
        da_netk_free(c->nk);
        c->nk = NULL;
        c->level = -1;
    }
}

/* the mean-field point and the kernel at digits d0 * 2^level */
static int prepare(da_depth_bias *c, int level)
{
    if (c->level == level)
        return DA_OK;
    release_level(c);
    long d = c->o.digits << level;
    da_mf_balls_init(&c->b);
    c->level = level;
    c->digits = d;
    mpfr_set_zero(c->mono_lo, 1);
    c->pt_status = da_meanfield_point_balls(&c->pt, &c->b, c->mf, &c->sw2, &c->sb2, d);
    if (c->pt_status != DA_OK && c->pt_status != DA_EACCURACY)
        return c->pt_status;
    da_clear_error();
    da_netk_opts no;
    da_netk_opts_init(&no);
    no.digits = d;
    no.normalized = c->normalized;
    int st = da_netk_new(&c->nk, c->act, &no);
    if (st)
        return st;
    return DA_OK;
}

int da_depth_bias_new(da_depth_bias **out, const da_act *act, const da_ball sw2,
                      const da_ball sb2, int normalized, const da_depth_opts *o)
{
    *out = NULL;
    if (!act)
        return da_fail(DA_EINVAL, "depth: no activation");
    mpfr_t lo;
    mpfr_init2(lo, 64);
    mpfr_sub(lo, sw2->mid, sw2->rad, MPFR_RNDD);
    int bad = !(mpfr_sgn(lo) > 0);
    mpfr_sub(lo, sb2->mid, sb2->rad, MPFR_RNDD);
    bad |= !(mpfr_sgn(lo) >= 0);
    mpfr_clear(lo);
    if (bad || !mpfr_number_p(sw2->mid) || !mpfr_number_p(sb2->mid))
        return da_fail(DA_EINVAL, "depth: sw2 must be positive and sb2 non-negative");
    da_depth_bias *c = da_calloc(1, sizeof *c);
    if (!c)
        return DA_ENOMEM;
    c->act = act;
    da_depth_opts_fix(&c->o, o);   /* max_digits >= digits: the bound of depth_bias_find */
    c->normalized = normalized != 0;
    c->level = -1;
    mpfr_init2(c->mono_lo, 128);
    da_ball_init2(&c->sw2, mpfr_get_prec(sw2->mid));
    da_ball_init2(&c->sb2, mpfr_get_prec(sb2->mid));
    bset(&c->sw2, sw2);
    bset(&c->sb2, sb2);
    int st = da_meanfield_new(&c->mf, act, c->normalized);
    if (st) {
        da_depth_bias_free(c);
        return st;
    }
    *out = c;
    return DA_OK;
}

void da_depth_bias_free(da_depth_bias *c)
{
    if (!c)
        return;
    release_level(c);
    da_meanfield_free(c->mf);
    da_ball_clear(&c->sw2);
    da_ball_clear(&c->sb2);
    mpfr_clear(c->mono_lo);
    free(c);
}

/* G(x) = (sw2 E[s(u) s(v)] + sb2)/q* (deriv 0) or G'(x) = sw2 E[s'(u) s'(v)]
   (deriv 1) at Var u = Var v = q*, Cov = q* x, for every x in the ball x */
static int gmap(da_ball r, da_depth_bias *c, const da_ball x, int deriv)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid);
    da_ball cov, e;
    da_ball_init2(cov, p);
    da_ball_init2(e, p);
    da_ball_mul(cov, &c->b.q, x);
    int st = da_netk_eval(e, c->nk, &c->b.q, &c->b.q, cov, deriv);
    if (st == DA_EACCURACY) {
        da_clear_error();
        st = DA_OK;
    }
    if (!st) {
        da_ball_mul(r, e, &c->sw2);
        if (!deriv) {
            da_ball_add(r, r, &c->sb2);
            st = da_ball_div(r, r, &c->b.q);
        }
    }
    if (!st && (!mpfr_number_p(r->mid) || !mpfr_number_p(r->rad)))
        st = da_fail(DA_EACCURACY, "depth: the correlation map is not enclosed");
    da_ball_clear(cov);
    da_ball_clear(e);
    return st;
}

/* x = the ball [lo, hi] */
static void ball_interval(da_ball x, const mpfr_t lo, const mpfr_t hi)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(x->mid));
    mpfr_add(x->mid, lo, hi, MPFR_RNDN);
    mpfr_div_2ui(x->mid, x->mid, 1, MPFR_RNDN);
    mpfr_sub(t, hi, x->mid, MPFR_RNDU);
    mpfr_set(x->rad, t, MPFR_RNDU);
    mpfr_sub(t, x->mid, lo, MPFR_RNDU);
    if (mpfr_cmp(t, x->rad) > 0)
        mpfr_set(x->rad, t, MPFR_RNDU);
    mpfr_clear(t);
}

/* G' >= 0 on [a, 0] (a < 0), by bisection: 1 proved, 0 not; G is then
   nondecreasing on [a, 1] (on [0, 1] always: non-negative coefficients) */
static int prove_monotone(da_depth_bias *c, const mpfr_t a, mpfr_prec_t p)
{
    if (mpfr_sgn(c->mono_lo) < 0 && mpfr_cmp(c->mono_lo, a) <= 0)
        return 1;
    mpfr_t lo, hi, w, min_w;
    mpfr_inits2(p, lo, hi, w, min_w, (mpfr_ptr)0);
    da_ball x, g;
    da_ball_init2(x, p);
    da_ball_init2(g, p);
    /* pieces from 0 downwards, of width 1/64, halved where undecided */
    mpfr_set_zero(hi, 1);
    mpfr_set_ui_2exp(w, 1, -6, MPFR_RNDN);
    mpfr_set_ui_2exp(min_w, 1, -16, MPFR_RNDN);
    int ok = 1;
    while (mpfr_cmp(hi, a) > 0) {
        mpfr_sub(lo, hi, w, MPFR_RNDD);
        if (mpfr_cmp(lo, a) < 0)
            mpfr_set(lo, a, MPFR_RNDD);
        ball_interval(x, lo, hi);
        int st = gmap(g, c, x, 1);
        da_clear_error();
        mpfr_sub(lo, g->mid, g->rad, MPFR_RNDD);
        if (!st && mpfr_sgn(lo) >= 0) {
            mpfr_sub(hi, x->mid, x->rad, MPFR_RNDD);   /* the piece's lower end */
            mpfr_mul_2ui(w, w, 1, MPFR_RNDN);
            if (mpfr_cmp_ui_2exp(w, 1, -6) > 0)
                mpfr_set_ui_2exp(w, 1, -6, MPFR_RNDN);
            continue;
        }
        mpfr_div_2ui(w, w, 1, MPFR_RNDN);
        if (mpfr_cmp(w, min_w) < 0) {
            ok = 0;
            break;
        }
    }
    if (ok)
        mpfr_set(c->mono_lo, a, MPFR_RNDD);
    mpfr_clears(lo, hi, w, min_w, (mpfr_ptr)0);
    da_ball_clear(x);
    da_ball_clear(g);
    return ok;
}

static void lo_of(mpfr_t x, const da_ball b)
{
    mpfr_sub(x, b->mid, b->rad, MPFR_RNDD);
}
static void hi_of(mpfr_t x, const da_ball b)
{
    mpfr_add(x, b->mid, b->rad, MPFR_RNDU);
}

/* One step of the two ends: [A, B] encloses every correlation of the
   layer; A and B are the trajectories of -(1-delta) and 1-delta while
   *exact (G proved nondecreasing on [A, 1]).  Otherwise the bounds
   G(c) <= G(|c|) and G(c) >= 2 G(0) - G(|c|) of a series with
   non-negative coefficients. */
static int step_ends(da_ball A, da_ball B, int *exact, da_depth_bias *c, mpfr_prec_t p)
{
    mpfr_t alo, m, t;
    mpfr_inits2(p, alo, m, t, (mpfr_ptr)0);
    lo_of(alo, A);
    int st = DA_OK;
    if (mpfr_sgn(alo) >= 0 || prove_monotone(c, alo, p)) {
        st = gmap(A, c, A, 0);
        if (!st)
            st = gmap(B, c, B, 0);
        goto out;
    }
    *exact = 0;
    da_ball x, g, g0;
    da_ball_init2(x, p);
    da_ball_init2(g, p);
    da_ball_init2(g0, p);
    mpfr_neg(alo, alo, MPFR_RNDU);              /* |A.lo| */
    if (mpfr_cmp_ui(alo, 1) > 0)
        mpfr_set_ui(alo, 1, MPFR_RNDN);
    hi_of(m, B);
    if (mpfr_cmp(m, alo) < 0)
        mpfr_set(m, alo, MPFR_RNDU);
    if (mpfr_cmp_ui(m, 1) > 0)
        mpfr_set_ui(m, 1, MPFR_RNDN);
    ball_interval(x, m, m);
    st = gmap(B, c, x, 0);                      /* upper end G(max |c|) */
    if (!st) {
        ball_interval(x, alo, alo);
        st = gmap(g, c, x, 0);
    }
    if (!st) {
        mpfr_set_zero(x->mid, 1);
        mpfr_set_zero(x->rad, 1);
        st = gmap(g0, c, x, 0);
    }
    if (!st) {                                  /* lower end 2 G(0) - G(|A.lo|) */
        lo_of(t, g0);
        mpfr_mul_2ui(t, t, 1, MPFR_RNDD);
        hi_of(m, g);
        mpfr_sub(t, t, m, MPFR_RNDD);
        ball_interval(A, t, t);
    }
    da_ball_clear(x);
    da_ball_clear(g);
    da_ball_clear(g0);
out:
    mpfr_clears(alo, m, t, (mpfr_ptr)0);
    return st;
}

/* The chaotic phase at the prepared level.  *found: 1 decided, 0
   undecided (raise the precision), -1 not reached by max_depth. */
static int search(da_depth_bias_result *r, da_depth_bias *c, const da_ball delta,
                  const da_ball eps, long n, int *found)
{
    mpfr_prec_t p = (mpfr_prec_t)(3.33 * (double)c->digits) + 64;
    da_ball A, B, one;
    da_ball_init2(A, p);
    da_ball_init2(B, p);
    da_ball_init2(one, p);
    mpfr_t cslo, cshi, elo, ehi, x, y, dev;
    mpfr_inits2(p, cslo, cshi, elo, ehi, x, y, dev, (mpfr_ptr)0);
    int st = DA_OK, exact = 1, minimal = 1;
    *found = 0;
    lo_of(cslo, &c->b.c);
    hi_of(cshi, &c->b.c);
    /* eta = eps (1 - c*)/(n - 1), its ends */
    mpfr_ui_sub(x, 1, cshi, MPFR_RNDD);
    lo_of(elo, eps);
    mpfr_mul(elo, elo, x, MPFR_RNDD);
    mpfr_div_ui(elo, elo, (unsigned long)(n - 1), MPFR_RNDD);
    mpfr_ui_sub(x, 1, cslo, MPFR_RNDU);
    hi_of(ehi, eps);
    mpfr_mul(ehi, ehi, x, MPFR_RNDU);
    mpfr_div_ui(ehi, ehi, (unsigned long)(n - 1), MPFR_RNDU);
    if (!(mpfr_sgn(elo) > 0) || !mpfr_number_p(ehi))
        goto out;
    mpfr_set_ui(one->mid, 1, MPFR_RNDN);
    da_ball_sub(B, one, delta);
    da_ball_sub(A, delta, one);
    for (long l = 0;; l++) {
        if (!mpfr_number_p(A->mid) || !mpfr_number_p(A->rad) || !mpfr_number_p(B->mid) ||
            !mpfr_number_p(B->rad) || mpfr_cmp_ui(A->rad, 1) > 0 || mpfr_cmp_ui(B->rad, 1) > 0)
            goto out;   /* lost every digit: undecided */
        /* the largest deviation from c* over [A.lo, B.hi] */
        hi_of(x, B);
        mpfr_sub(x, x, cslo, MPFR_RNDU);
        lo_of(y, A);
        mpfr_sub(y, cshi, y, MPFR_RNDU);
        mpfr_max(dev, x, y, MPFR_RNDU);
        if (mpfr_cmp(dev, elo) <= 0) {
            r->depth = l;
            r->minimal = minimal;
            r->deviation = mpfr_get_d(dev, MPFR_RNDU);
            r->threshold = mpfr_get_d(elo, MPFR_RNDD);
            /* lambda_min >= q* ((1 - c*) - (n - 1) dev) */
            mpfr_mul_ui(dev, dev, (unsigned long)(n - 1), MPFR_RNDU);
            mpfr_ui_sub(x, 1, cshi, MPFR_RNDD);
            mpfr_sub(x, x, dev, MPFR_RNDD);
            lo_of(y, &c->b.q);
            if (mpfr_sgn(x) >= 0)
                mpfr_mul(x, x, y, MPFR_RNDD);
            else
                mpfr_mul(x, x, y, MPFR_RNDD);   /* (only for dev <= eta: x >= 0) */
            r->lambda_min_lo = mpfr_get_d(x, MPFR_RNDD);
            *found = 1;
            goto out;
        }
        /* layer l fails for a real pair: an end trajectory is farther
           than eta from c* */
        if (exact) {
            lo_of(x, B);
            mpfr_sub(x, x, cshi, MPFR_RNDD);
            hi_of(y, A);
            mpfr_sub(y, cslo, y, MPFR_RNDD);
            if (!(mpfr_cmp(x, ehi) > 0 || mpfr_cmp(y, ehi) > 0))
                goto out;   /* undecided at layer l */
        } else {
            minimal = 0;
        }
        if (l >= c->o.max_depth) {
            *found = -1;
            goto out;
        }
        st = step_ends(A, B, &exact, c, p);
        if (st == DA_EDOM || st == DA_EACCURACY) {
            /* a ball reaching outside [-1, 1] or not enclosed: undecided
               at this precision */
            da_clear_error();
            st = DA_OK;
            goto out;
        }
        if (st)
            goto out;
    }
out:
    da_ball_clear(A);
    da_ball_clear(B);
    da_ball_clear(one);
    mpfr_clears(cslo, cshi, elo, ehi, x, y, dev, (mpfr_ptr)0);
    return st;
}

/* ordered phase: the least L with (2 - delta) chi_1^L <= eps, rounded so
   that it is safe (ceil of an upper bound of the exact ratio) */
static long rank_one_depth(const da_ball chi1, const da_ball delta, const da_ball eps)
{
    mpfr_t ch, a, b;
    mpfr_inits2(128, ch, a, b, (mpfr_ptr)0);
    long L = -1;
    hi_of(ch, chi1);
    if (mpfr_sgn(ch) > 0 && mpfr_cmp_ui(ch, 1) < 0) {
        lo_of(a, delta);
        mpfr_ui_sub(a, 2, a, MPFR_RNDU);
        lo_of(b, eps);
        mpfr_div(a, a, b, MPFR_RNDU);
        if (mpfr_cmp_ui(a, 1) <= 0) {
            L = 0;
        } else {
            mpfr_log(a, a, MPFR_RNDU);
            mpfr_log(b, ch, MPFR_RNDU);      /* ln chi < 0, towards 0 */
            mpfr_neg(b, b, MPFR_RNDD);
            mpfr_div(a, a, b, MPFR_RNDU);
            if (mpfr_number_p(a) && mpfr_cmp_d(a, 1e15) < 0) {
                mpfr_ceil(a, a);
                L = mpfr_get_si(a, MPFR_RNDU);
            }
        }
    } else if (mpfr_sgn(ch) == 0) {
        L = 1;
    }
    mpfr_clears(ch, a, b, (mpfr_ptr)0);
    return L;
}

static int check_args(const da_ball delta, const da_ball eps, long n)
{
    if (n < 2)
        return da_fail(DA_EINVAL, "depth: n must be at least 2 (got %ld)", n);
    mpfr_t x;
    mpfr_init2(x, 128);
    lo_of(x, delta);
    int bad = !(mpfr_sgn(x) > 0);
    hi_of(x, delta);
    bad |= !(mpfr_cmp_ui(x, 1) <= 0);
    int bade = 0;
    lo_of(x, eps);
    bade = !(mpfr_sgn(x) > 0);
    hi_of(x, eps);
    bade |= !(mpfr_cmp_si(x, n - 1) < 0);
    mpfr_clear(x);
    if (bad)
        return da_fail(DA_EINVAL, "depth: delta must lie in (0, 1]");
    if (bade)
        return da_fail(DA_EINVAL, "depth: eps must lie in (0, n - 1)");
    return DA_OK;
}

/* the point's balls and labels into r */
static void fill_point(da_depth_bias_result *r, da_depth_bias *c)
{
    bset(&r->q_star, &c->b.q);
    bset(&r->c_star, &c->b.c);
    bset(&r->chi1, &c->b.chi1);
    r->phase = c->pt.phase;
    r->digits_used = c->digits;
    r->rigorous = c->pt.rigorous && c->nk && da_netk_rigorous(c->nk);
    if (!c->pt.rigorous)
        snprintf(r->reason, sizeof r->reason, "mean-field point: %s", c->pt.bound_reason);
    else if (!r->rigorous)
        snprintf(r->reason, sizeof r->reason, "correlation map: %s",
                 da_netk_bound_reason(c->nk));
    else
        r->reason[0] = '\0';
}

int da_depth_bias_find(da_depth_bias_result *r, da_depth_bias *c, const da_ball delta,
                       const da_ball eps, long n)
{
    int st = check_args(delta, eps, n);
    if (st)
        return st;
    r->depth = r->rank_one_depth = -1;
    r->minimal = 0;
    r->lambda_min_lo = r->deviation = r->threshold = NAN;
    long maxd = c->o.max_digits;   /* >= digits (da_depth_opts_fix) */
    for (int level = 0; level < BIAS_LEVELS && (c->o.digits << level) <= maxd; level++) {
        st = prepare(c, level);
        if (st)
            return st;
        fill_point(r, c);
        if (r->phase == DA_PHASE_UNBOUNDED || !isfinite(c->pt.q))
            return da_fail(DA_EDOM, "the length map q -> sw2 E[s(sqrt(q) Z)^2] + sb2 has no "
                           "fixed point (q grows without bound with depth): there is no q* "
                           "and no depth to find");
        if (r->phase == DA_PHASE_ORDERED) {
            r->rank_one_depth = rank_one_depth(&c->b.chi1, delta, eps);
            return DA_OK;
        }
        if (r->phase != DA_PHASE_CHAOTIC)
            continue;   /* critical within the enclosure: more digits */
        int found;
        st = search(r, c, delta, eps, n, &found);
        if (st && st != DA_EACCURACY)
            return st;
        da_clear_error();
        fill_point(r, c);   /* the series' rigour after the search */
        if (found == 1)
            return DA_OK;
        if (found == -1)
            return da_fail(DA_EACCURACY, "depth: the correlations stay farther than "
                           "eps (1 - c*)/(n-1) from c* up to depth %ld (max_depth)",
                           c->o.max_depth);
    }
    if (r->phase == DA_PHASE_CRITICAL)
        return da_fail(DA_EACCURACY, "depth: chi_1 = 1 within its enclosure (critical): "
                       "order or chaos not decided up to %ld digits", c->digits);
    return da_fail(DA_EACCURACY, "depth: the enclosures could not decide the depth up to "
                   "%ld digits", c->digits);
}

/* netkernel.c -- the dual at general variances (da_netk): the object,
 * its labels and the public evaluation, which chooses between the closed
 * forms (netk_closed.c, recognised by netk_detect.c) and the Hermite
 * series (netk_series.c); the network recursion is netk_network.c, the
 * double-precision paths netk_double.c and netk_matrix.c
 * (docs/numerics.md section 7). */
#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual/netk_impl.h"
#include "dual/netk_ball.h"


void da_netk_opts_init(da_netk_opts *o)
{
    o->digits = 30;
    o->normalized = 0;
    o->method = DA_DUAL_AUTO;
}

/* the estimate label (the first reason is kept) */
void da_netk_mark_estimate(da_netk *k, const char *what, const char *why)
{
    if (!k->rigorous)
        return;
    k->rigorous = 0;
    snprintf(k->reason, sizeof k->reason, "%s: %s", what, why);
}

/* ---- the object -------------------------------------------------------- */

int da_netk_new(da_netk **out, const da_act *act, const da_netk_opts *opts)
{
    da_netk_opts o;
    if (opts)
        o = *opts;
    else
        da_netk_opts_init(&o);
    *out = NULL;
    if (o.digits < 1 || o.digits > 3000)
        return da_fail(DA_EINVAL, "digits must lie in [1, 3000]");
    netk_box *box = da_calloc(1, sizeof *box);
    if (!box)
        return DA_ENOMEM;
    if (pthread_mutex_init(&box->lock, NULL)) {
        free(box);
        return da_fail(DA_ENOMEM, "network kernel: no mutex");
    }
    da_netk *k = &box->k;
    k->act = act;
    k->rigorous = 1;
    k->digits = o.digits;
    k->normalized = o.normalized;
    k->prec = da_digits_to_bits(o.digits + 20) + 32;
    k->jump = da_act_has_jump(act);
    b_init(&k->A, k->prec);
    b_init(&k->B, k->prec);
    b_init(&k->C, k->prec);
    b_set_si(&k->C, 0);
    b_init(&k->alpha, k->prec);
    b_init(&k->mean, k->prec);
    b_init(&k->var, k->prec);
    b_set_si(&k->A, 1);
    b_set_si(&k->B, 1);
    k->cf = NK_NONE;
    if (o.method != DA_DUAL_SERIES && !o.normalized)
        da_netk_detect(k);
    if (o.method == DA_DUAL_CLOSED && k->cf == NK_NONE) {
        da_netk_free(k);
        return da_fail(DA_EINVAL, "'%s' has no known closed form at general variances%s",
                       da_act_spec(act), o.normalized ? " when normalized" : "");
    }
    if (k->cf == NK_NONE)
        snprintf(k->method, sizeof k->method, "Hermite series of sigma(sqrt(q) x)%s",
                 o.normalized ? ", normalized sigma" : "");
    if (o.normalized) {
        da_hermite_opts ho;
        da_hermite_opts_init(&ho);
        ho.degree = 2;
        ho.digits = o.digits + 10;
        ho.raw = 1;
        ho.no_beta = 1;
        da_hermite *h = NULL;
        int st = da_hermite_compute(&h, act, &ho);
        if (!h) {
            da_netk_free(k);
            return st;
        }
        da_ball_set(&k->mean, &h->mean);
        da_ball_set(&k->var, &h->var);
        if (!h->rigorous)
            da_netk_mark_estimate(k, "the mean and variance of sigma (normalization)", h->bound_reason);
        da_hermite_free(h);
        mpfr_t lo;
        mpfr_init2(lo, DA_RAD_PREC);
        b_lo(lo, &k->var);
        int pos = mpfr_sgn(lo) > 0;
        mpfr_clear(lo);
        if (!pos) {
            da_netk_free(k);
            return da_fail(DA_EDOM, "activation '%s' has zero variance: it cannot be normalized",
                           da_act_spec(act));
        }
    }
    *out = k;
    return DA_OK;
}

void da_netk_free(da_netk *k)
{
    if (!k)
        return;
    for (int i = 0; i < k->ncache; i++) {
        da_hermite_free(k->cache[i].h);
        da_ball_clear(&k->cache[i].q);
    }
    da_ball_clear(&k->A);
    da_ball_clear(&k->B);
    da_ball_clear(&k->C);
    da_ball_clear(&k->alpha);
    da_ball_clear(&k->mean);
    da_ball_clear(&k->var);
    da_netk_off_free(k->off);
    pthread_mutex_destroy(nk_lock(k));
    free((netk_box *)(void *)k);
}

const char *da_netk_method(const da_netk *k) { return k->method; }
int da_netk_closed(const da_netk *k) { return k->cf != NK_NONE; }

int da_netk_rigorous(const da_netk *k)
{
    pthread_mutex_lock(nk_lock(k));
    int r = k->rigorous;
    pthread_mutex_unlock(nk_lock(k));
    return r;
}

/* the reason is written once, when rigorous turns 0, and never again */
const char *da_netk_bound_reason(const da_netk *k)
{
    return da_netk_rigorous(k) ? "" : k->reason;
}

/* ---- public evaluation --------------------------------------------------- */

static int check_inputs(const da_ball q1, const da_ball q2, const da_ball c)
{
    if (!mpfr_number_p(q1->mid) || !mpfr_number_p(q2->mid) || !mpfr_number_p(c->mid) ||
        !mpfr_number_p(q1->rad) || !mpfr_number_p(q2->rad) || !mpfr_number_p(c->rad))
        return da_fail(DA_EINVAL, "variances and covariance must be finite");
    if (mpfr_sgn(q1->mid) <= 0 || mpfr_sgn(q2->mid) <= 0)
        return da_fail(DA_EDOM, "variances must be positive");
    /* c^2 <= q1 q2 up to the radii */
    mpfr_t a, b;
    mpfr_inits2(DA_RAD_PREC + 64, a, b, (mpfr_ptr)0);
    mpfr_abs(a, c->mid, MPFR_RNDD);
    mpfr_sub(a, a, c->rad, MPFR_RNDD);
    if (mpfr_sgn(a) < 0) mpfr_set_zero(a, 1);
    mpfr_sqr(a, a, MPFR_RNDD);
    b_hi(b, q1);
    mpfr_t u;
    mpfr_init2(u, DA_RAD_PREC + 64);
    b_hi(u, q2);
    mpfr_mul(b, b, u, MPFR_RNDU);
    int bad = mpfr_cmp(a, b) > 0;
    mpfr_clears(a, b, u, (mpfr_ptr)0);
    if (bad)
        return da_fail(DA_EDOM, "covariance %g exceeds sqrt(q1 q2): not a covariance",
                       mpfr_get_d(c->mid, MPFR_RNDN));
    return DA_OK;
}

static int finish(da_ball r, const da_netk *k, int st)
{
    if (st == DA_EINFINITE) {
        mpfr_set_inf(r->mid, 1);
        mpfr_set_zero(r->rad, 1);
        return da_fail(DA_EINFINITE, "E[sigma'(u) sigma'(v)] is infinite here: '%s' jumps",
                       da_act_spec(k->act));
    }
    if (st)
        return st;
    if (da_ball_digits(r) < (double)k->digits)
        return DA_EACCURACY;
    return DA_OK;
}

int da_netk_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2, const da_ball c,
                 int deriv)
{
    if (deriv != 0 && deriv != 1)
        return da_fail(DA_EINVAL, "deriv must be 0 or 1");
    int st = check_inputs(q1, q2, c);
    if (st)
        return st;
    if (k->cf != NK_NONE) {
        st = da_netk_cf_scaled(r, k, q1, q2, c, 0, deriv);
        if (!st && deriv == 0 && !mpfr_zero_p(c->rad)) {
            /* the radius of c through |dF/dc| = |E[s'(u) s'(v)]| <=
               sqrt(E s'(u)^2 E s'(v)^2) (Cauchy-Schwarz, for every c): the
               closed forms evaluated on a ball of c lose to dependency
               (abs = 4 relu - x: 3 rad c instead of rad c) */
            mpfr_prec_t p = mpfr_get_prec(r->mid);
            da_ball cm, r2, d1, d2;
            b_init(cm, mpfr_get_prec(c->mid)); b_init(r2, p); b_init(d1, p); b_init(d2, p);
            mpfr_set(cm->mid, c->mid, MPFR_RNDN);
            mpfr_set_zero(cm->rad, 1);
            if (da_netk_cf_scaled(r2, k, q1, q2, cm, 0, 0) == DA_OK && da_netk_cf_scaled(d1, k, q1, q1, q1, 1, 1) == DA_OK &&
                da_netk_cf_scaled(d2, k, q2, q2, q2, 1, 1) == DA_OK) {
                /* rad c sqrt(sup d1 sup d2), rounded up in MPFR (a product
                   of doubles could underflow to 0) */
                mpfr_t e;
                mpfr_init2(e, DA_RAD_PREC);
                mpfr_set_d(e, b_up_d(d1), MPFR_RNDU);
                mpfr_mul_d(e, e, b_up_d(d2), MPFR_RNDU);
                mpfr_sqrt(e, e, MPFR_RNDU);
                mpfr_mul(e, e, c->rad, MPFR_RNDU);
                mpfr_add(r2->rad, r2->rad, e, MPFR_RNDU);
                if (mpfr_cmp(r2->rad, r->rad) < 0)
                    da_ball_set(r, r2);
                mpfr_clear(e);
            }
            da_clear_error();
            da_ball_clear(cm); da_ball_clear(r2); da_ball_clear(d1); da_ball_clear(d2);
        }
    } else {
        st = da_netk_series_eval(r, k, q1, q2, c, 0, deriv);
    }
    return finish(r, k, st);
}

int da_netk_diag(da_ball r, da_netk *k, const da_ball q, int deriv)
{
    if (deriv != 0 && deriv != 1)
        return da_fail(DA_EINVAL, "deriv must be 0 or 1");
    int st = check_inputs(q, q, q);
    if (st)
        return st;
    if (k->cf != NK_NONE)
        st = da_netk_cf_scaled(r, k, q, q, q, 1, deriv);
    else
        st = da_netk_series_eval(r, k, q, q, q, 1, deriv);
    return finish(r, k, st);
}

int da_netk_eval_d(double *r_out, double *err, da_netk *k, double q1, double q2, double c,
                   int deriv)
{
    if (!r_out || !k) {
        if (err) *err = INFINITY;
        return da_fail(DA_EINVAL, "network kernel (double): no kernel or output");
    }
    da_ball a, b, cc, r;
    mpfr_prec_t p = k->prec;
    b_init(a, p); b_init(b, p); b_init(cc, p); b_init(r, p);
    mpfr_set_d(a->mid, q1, MPFR_RNDN);
    mpfr_set_d(b->mid, q2, MPFR_RNDN);
    mpfr_set_d(cc->mid, c, MPFR_RNDN);
    int diag = q1 == q2 && c == q1;
    int st = diag ? da_netk_diag(r, k, a, deriv) : da_netk_eval(r, k, a, b, cc, deriv);
    double v;
    if (st && st != DA_EACCURACY && st != DA_EINFINITE) {
        v = NAN;
        if (err) *err = INFINITY;
    } else {
        v = mpfr_get_d(r->mid, MPFR_RNDN);
        if (err) {
            double e = mpfr_get_d(r->rad, MPFR_RNDU);
            *err = isfinite(v) ? e + fabs(v) * 0x1p-53 : 0;
        }
    }
    da_ball_clear(a); da_ball_clear(b); da_ball_clear(cc); da_ball_clear(r);
    *r_out = v;
    return st;
}


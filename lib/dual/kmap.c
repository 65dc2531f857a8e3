/* kmap.c -- kernel maps over depth: the correlation map rho_l = f(rho_{l-1}),
 * the NTK recursion, fixed points, rates and the Joudaki-Hofmann class.
 *
 * Error propagation: every layer evaluates f at the ball of the previous
 * layer with da_dual_eval, which adds f'(|rho~| + r) r (or the modulus of
 * continuity where f' is infinite) to the evaluation error; the NTK is
 * carried in ball arithmetic.  Nothing is dropped between layers, so the
 * radius printed at layer 200 bounds the error as it does at layer 1. */
#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static da_ball_struct *balls_new(size_t n, mpfr_prec_t p)
{
    da_ball_struct *b = da_malloc((n ? n : 1) * sizeof *b);
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++)
        da_ball_init2(&b[i], p);
    return b;
}

static void balls_free(da_ball_struct *b, size_t n)
{
    if (!b)
        return;
    for (size_t i = 0; i < n; i++)
        da_ball_clear(&b[i]);
    free(b);
}

void da_kmap_free(da_kmap *k)
{
    if (!k)
        return;
    size_t m = (size_t)(k->depth + 1) * k->n;
    balls_free(k->rho, m);
    balls_free(k->theta, k->has_ntk ? m : 0);
    balls_free(k->ntk, k->has_ntk ? m : 0);
    balls_free(k->theta1, k->has_ntk ? (size_t)(k->depth + 1) : 0);
    balls_free(k->ratio, m);
    balls_free(k->limit, k->n);
    free(k->has_limit);
    if (!k->has_ntk) {
        free(k->theta);
        free(k->ntk);
        free(k->theta1);
    }
    free(k);
}

static int is_bad(int st)
{
    return st && st != DA_EACCURACY;
}

/* Step 1 of da_kmap_iterate: the map's arrays, (depth + 1) n balls each
   (and the NTK's with ntk), layer 0 set to rho0 (Theta^(0) = rho0,
   Theta^(0)(1) = 1).  DA_OK or DA_ENOMEM. */
static int kmap_new(da_kmap **out, const da_ball_struct *rho0, size_t n, long depth, int ntk,
                    mpfr_prec_t p)
{
    size_t m = (size_t)(depth + 1) * n;
    da_kmap *k = da_calloc(1, sizeof *k);
    if (!k)
        return DA_ENOMEM;
    k->depth = depth;
    k->n = n;
    k->has_ntk = ntk != 0;
    k->rho = balls_new(m, p);
    k->ratio = balls_new(m, p);
    k->limit = balls_new(n, p);
    k->has_limit = da_calloc(n, sizeof(int));
    if (ntk) {
        k->theta = balls_new(m, p);
        k->ntk = balls_new(m, p);
        k->theta1 = balls_new((size_t)depth + 1, p);
    }
    if (!k->rho || !k->ratio || !k->limit || !k->has_limit ||
        (ntk && (!k->theta || !k->ntk || !k->theta1))) {
        da_kmap_free(k);
        return DA_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        da_ball_set(&k->rho[i], &rho0[i]);
        if (ntk)
            da_ball_set(&k->theta[i], &rho0[i]);
    }
    if (ntk) {
        mpfr_set_ui(k->theta1[0].mid, 1, MPFR_RNDN);
        mpfr_set_zero(k->theta1[0].rad, 1);
    }
    *out = k;
    return DA_OK;
}

/* Step 2: layer l of every point: rho_l = f(rho_{l-1}) and, with the NTK,
   Theta_l = Theta_{l-1} f'(rho_{l-1}) + rho_l (dv scratch); a point whose
   layer before encloses nothing encloses nothing.  *status becomes
   DA_EACCURACY on an inaccurate evaluation.  Returns the last status
   (DA_OK, DA_EACCURACY, or an error that stops the iteration). */
static int kmap_layer(da_kmap *k, const da_dual *d, long l, da_ball dv, int *status)
{
    size_t n = k->n;
    int ntk = k->has_ntk;
    int st = DA_OK;
    for (size_t i = 0; i < n; i++) {
        const da_ball_struct *prev = &k->rho[(size_t)(l - 1) * n + i];
        da_ball_struct *cur = &k->rho[(size_t)l * n + i];
        if (!mpfr_number_p(prev->mid) || !mpfr_number_p(prev->rad)) {
            /* the layer before encloses nothing (a time limit, or radii
               beyond the exponent range): nor does this one */
            mpfr_set_nan(cur->mid);
            mpfr_set_inf(cur->rad, 1);
            if (ntk) {
                mpfr_set_nan(k->theta[(size_t)l * n + i].mid);
                mpfr_set_inf(k->theta[(size_t)l * n + i].rad, 1);
            }
            *status = DA_EACCURACY;
            st = DA_OK;
            continue;
        }
        st = da_dual_eval(cur, d, prev, 0);
        if (is_bad(st)) {
            if (st == DA_EDOM)
                st = da_fail(DA_EDOM, "layer %ld: rho left [-1, 1]: the %s map does not keep correlations in [-1, 1]",
                             l, d->raw ? "raw" : "normalized");
            break;
        }
        if (st)
            *status = DA_EACCURACY;
        if (ntk) {
            st = da_dual_eval(dv, d, prev, 1);
            if (st == DA_EINFINITE) {
                st = da_fail(DA_EINFINITE, "layer %ld: f' is infinite: the NTK of an activation that jumps is infinite", l);
                break;
            }
            if (is_bad(st))
                break;
            if (st)
                *status = DA_EACCURACY;
            da_ball_struct *th = &k->theta[(size_t)l * n + i];
            da_ball_mul(th, &k->theta[(size_t)(l - 1) * n + i], dv);
            da_ball_add(th, th, cur);
        }
    }
    return st;
}

/* Step 3 (NTK): Theta_l(1) = Theta_{l-1}(1) f'(r1_{l-1}) + r1_l, one_l
   the image r1_{l-1} of rho = 1 (advanced to r1_l; 1 for the normalized
   map), dv scratch.  Returns the status of the evaluations. */
static int kmap_theta1(da_kmap *k, const da_dual *d, long l, da_ball one_l, da_ball dv)
{
    int st;
    da_ball r1;
    da_ball_init2(r1, d->prec);
    st = da_dual_eval(dv, d, one_l, 1);
    if (st == DA_EINFINITE)
        st = da_fail(DA_EINFINITE, "f'(1) is infinite (the activation jumps): the NTK is infinite");
    if (!is_bad(st)) {
        /* normalized: f(1) = 1 exactly, the chain stays at 1 */
        int s2 = d->raw ? da_dual_eval(r1, d, one_l, 0) : DA_OK;
        if (!d->raw) {
            mpfr_set_ui(r1->mid, 1, MPFR_RNDN);
            mpfr_set_zero(r1->rad, 1);
        }
        if (is_bad(s2))
            st = s2;
        else {
            da_ball_mul(&k->theta1[l], &k->theta1[l - 1], dv);
            da_ball_add(&k->theta1[l], &k->theta1[l], r1);
            da_ball_set(one_l, r1);
        }
    }
    da_ball_clear(r1);
    return st;
}

/* Step 4 (NTK): the normalized NTK Theta_l / Theta_l(1) of every layer
   and point; *status DA_EACCURACY where not to d->digits */
static void kmap_ntk_ratio(da_kmap *k, const da_dual *d, int *status)
{
    size_t n = k->n;
    for (long l = 0; l <= k->depth; l++)
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)l * n + i;
            if (da_ball_div(&k->ntk[j], &k->theta[j], &k->theta1[l]))
                *status = DA_EACCURACY;
            else if (da_ball_digits(&k->ntk[j]) < (double)d->digits)
                *status = DA_EACCURACY;
        }
}

/* Step 5: each point's limit, the stable fixed point nearest its last
   layer (none when the fixed points are not found; the error cleared) */
static void kmap_limits(da_kmap *k, const da_dual *d)
{
    size_t n = k->n;
    da_fixed_point *fp = NULL;
    size_t nfp = 0;
    if (da_kmap_fixed_points(&fp, &nfp, d) == DA_OK) {
        for (size_t i = 0; i < n; i++) {
            double last = mpfr_get_d(k->rho[(size_t)k->depth * n + i].mid, MPFR_RNDN);
            double best = INFINITY;
            for (size_t j = 0; j < nfp; j++) {
                if (fp[j].stability != DA_FP_STABLE)
                    continue;
                double dd = fabs(mpfr_get_d(fp[j].rho.mid, MPFR_RNDN) - last);
                if (dd < best) {
                    best = dd;
                    da_ball_set(&k->limit[i], &fp[j].rho);
                    k->has_limit[i] = 1;
                }
            }
        }
    }
    da_kmap_fixed_points_free(fp, nfp);
    da_clear_error();
}

/* Step 6: the measured rates (rho_l - limit)/(rho_{l-1} - limit), NaN +-
   Inf at layer 0, without a limit, or where the denominator holds 0 */
static void kmap_rates(da_kmap *k, mpfr_prec_t p)
{
    size_t n = k->n;
    da_ball a, b;
    da_ball_init2(a, p);
    da_ball_init2(b, p);
    for (size_t i = 0; i < n; i++)
        for (long l = 0; l <= k->depth; l++) {
            da_ball_struct *r = &k->ratio[(size_t)l * n + i];
            if (l == 0 || !k->has_limit[i]) {
                mpfr_set_nan(r->mid);
                mpfr_set_inf(r->rad, 1);
                continue;
            }
            da_ball_sub(a, &k->rho[(size_t)l * n + i], &k->limit[i]);
            da_ball_sub(b, &k->rho[(size_t)(l - 1) * n + i], &k->limit[i]);
            da_ball_div(r, a, b);   /* NaN +- Inf when b contains 0 */
        }
    da_ball_clear(a);
    da_ball_clear(b);
}

/* In steps: the arrays (kmap_new), the layers (kmap_layer, and with the
   NTK kmap_theta1 and kmap_ntk_ratio), the limits (kmap_limits), the
   rates (kmap_rates), the accuracy of the rho balls. */
int da_kmap_iterate(da_kmap **out, const da_dual *d, const da_ball_struct *rho0,
                    size_t n, long depth, int ntk)
{
    *out = NULL;
    if (depth < 0 || depth > 1000000)
        return da_fail(DA_EINVAL, "depth %ld out of range [0, 1000000]", depth);
    if (n == 0)
        return da_fail(DA_EINVAL, "no starting point");
    /* (depth + 1) n balls, each array allocated at once */
    if (n > SIZE_MAX / sizeof(da_ball_struct) / (size_t)(depth + 1))
        return da_fail(DA_EINVAL, "%zu starting points over %ld layers: more balls than memory "
                       "can address", n, depth);
    /* (after the sizes: n is then the length of rho0) */
    for (size_t i = 0; i < n; i++)
        if (!mpfr_number_p(rho0[i].mid) || !mpfr_number_p(rho0[i].rad))
            return da_fail(DA_EINVAL, "rho is not a finite ball");
    mpfr_prec_t p = d->prec;
    size_t m = (size_t)(depth + 1) * n;
    da_kmap *k = NULL;
    if (kmap_new(&k, rho0, n, depth, ntk, p))
        return DA_ENOMEM;
    int status = DA_OK, st = DA_OK;
    da_ball dv;
    da_ball_init2(dv, p);
    /* the image of rho = 1 (for the NTK normalization) */
    da_ball one_l;
    da_ball_init2(one_l, p);
    mpfr_set_ui(one_l->mid, 1, MPFR_RNDN);
    /* a report on a terminal for long iterations (da_progress_set): near
       rho = 1 at high accuracy a layer can take a second (direct.c) */
    da_prog prog;
    da_prog_start(&prog);
    for (long l = 1; l <= depth && !is_bad(st); l++) {
        da_prog_tick(&prog, "kernel-map layers", l - 1);
        st = kmap_layer(k, d, l, dv, &status);
        if (is_bad(st) || !ntk)
            continue;
        st = kmap_theta1(k, d, l, one_l, dv);
    }
    if (!is_bad(st) && ntk)
        kmap_ntk_ratio(k, d, &status);
    da_prog_end(&prog, "kernel-map layers");
    da_ball_clear(one_l);
    if (is_bad(st)) {
        da_ball_clear(dv);
        da_kmap_free(k);
        return st;
    }
    /* measured rates toward the nearest stable fixed point */
    kmap_limits(k, d);
    kmap_rates(k, p);
    da_ball_clear(dv);
    /* the accuracy of the rho balls */
    for (size_t j = 0; j < m; j++)
        if (da_ball_digits(&k->rho[j]) < (double)d->digits)
            status = DA_EACCURACY;
    k->status = status;
    *out = k;
    if (status == DA_EACCURACY)
        return da_fail(DA_EACCURACY, "requested %ld digits: not reached at every layer (see the error bounds)",
                       d->digits);
    return DA_OK;
}

/* ---- fixed points ------------------------------------------------------- */

void da_kmap_fixed_points_free(da_fixed_point *fp, size_t n)
{
    if (!fp)
        return;
    for (size_t i = 0; i < n; i++) {
        da_ball_clear(&fp[i].rho);
        da_ball_clear(&fp[i].slope);
    }
    free(fp);
}

/* g(x) = f(x) - x at an exact x: sign +1, -1, or 0 when undecided */
static int g_sign(const da_dual *d, const mpfr_t x, da_ball t)
{
    int st = da_dual_eval_point(t, d, x, 0);
    if (st && st != DA_EACCURACY)
        return 0;
    mpfr_t lo, hi;
    mpfr_prec_t p = mpfr_get_prec(t->mid) + 4;
    mpfr_inits2(p, lo, hi, (mpfr_ptr)0);
    mpfr_sub(lo, t->mid, x, MPFR_RNDD);
    mpfr_sub(lo, lo, t->rad, MPFR_RNDD);
    mpfr_sub(hi, t->mid, x, MPFR_RNDU);
    mpfr_add(hi, hi, t->rad, MPFR_RNDU);
    int s = mpfr_sgn(lo) > 0 ? 1 : mpfr_sgn(hi) < 0 ? -1 : 0;
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return s;
}

static void classify(da_fixed_point *f)
{
    if (mpfr_inf_p(f->slope.mid)) {
        f->stability = DA_FP_UNSTABLE;
        return;
    }
    mpfr_t lo, hi;
    mpfr_inits2(DA_RAD_PREC, lo, hi, (mpfr_ptr)0);
    mpfr_abs(lo, f->slope.mid, MPFR_RNDD);
    mpfr_sub(lo, lo, f->slope.rad, MPFR_RNDD);
    mpfr_abs(hi, f->slope.mid, MPFR_RNDU);
    mpfr_add(hi, hi, f->slope.rad, MPFR_RNDU);
    if (mpfr_cmp_ui(hi, 1) < 0)
        f->stability = DA_FP_STABLE;
    else if (mpfr_cmp_ui(lo, 1) > 0)
        f->stability = DA_FP_UNSTABLE;
    else
        f->stability = DA_FP_MARGINAL;
    mpfr_clears(lo, hi, (mpfr_ptr)0);
}

static int add_fp(da_fixed_point **fp, size_t *n, size_t *cap, const da_dual *d,
                  const mpfr_t mid, double rad)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        da_fixed_point *nf = da_realloc(*fp, nc * sizeof *nf);
        if (!nf)
            return DA_ENOMEM;
        *fp = nf;
        *cap = nc;
    }
    da_fixed_point *f = &(*fp)[*n];
    da_ball_init2(&f->rho, d->prec);
    da_ball_init2(&f->slope, d->prec);
    mpfr_set(f->rho.mid, mid, MPFR_RNDN);
    mpfr_set_d(f->rho.rad, rad, MPFR_RNDU);
    int st = da_dual_eval(&f->slope, d, &f->rho, 1);
    if (st == DA_EINFINITE) {
        mpfr_set_inf(f->slope.mid, 1);
        mpfr_set_zero(f->slope.rad, 1);
    }
    classify(f);
    (*n)++;
    return DA_OK;
}

int da_kmap_fixed_points(da_fixed_point **out, size_t *nout, const da_dual *d)
{
    *out = NULL;
    *nout = 0;
    da_fixed_point *fp = NULL;
    size_t n = 0, cap = 0;
    int st = DA_OK;
    mpfr_prec_t p = d->prec;
    da_ball t;
    da_ball_init2(t, p);
    mpfr_t x, a, b, c;
    mpfr_inits2(p, x, a, b, c, (mpfr_ptr)0);
    double tol = pow(10.0, -(double)d->digits);
    /* the exact candidates -1, 0, 1 */
    double exact[3] = {-1, 0, 1};
    int isfix[3];
    for (int j = 0; j < 3; j++) {
        mpfr_set_d(x, exact[j], MPFR_RNDN);
        int st = da_dual_eval_point(t, d, x, 0);
        isfix[j] = 0;
        if (st && st != DA_EACCURACY)
            continue;
        da_ball u;
        da_ball_init2(u, p);
        mpfr_set(u->mid, x, MPFR_RNDN);
        da_ball_sub(u, t, u);
        if (mpfr_cmpabs(u->mid, u->rad) <= 0 && da_ball_digits(u) >= (double)d->digits - 1)
            isfix[j] = 1;
        da_ball_clear(u);
    }
    /* sign changes of g on a grid, in double */
    const long M = 2000;
    double gprev = 0, xprev = -1;
    int sprev = 0;
    for (long i = 0; i <= M; i++) {
        double xi = -1 + 2.0 * (double)i / (double)M;
        if (i == M)
            xi = 1;
        double e, g = da_dual_value_d(d, xi, 0, &e) - xi;
        int s = !isfinite(g) ? 0 : g > e ? 1 : g < -e ? -1 : 0;
        if (i > 0 && s && sprev && s != sprev) {
            /* refine in balls on [xprev, xi] */
            mpfr_set_d(a, xprev, MPFR_RNDN);
            mpfr_set_d(b, xi, MPFR_RNDN);
            int sa = g_sign(d, a, t), sb = g_sign(d, b, t);
            if (sa && sb && sa != sb) {
                for (int it = 0; it < (int)p; it++) {
                    mpfr_add(c, a, b, MPFR_RNDN);
                    mpfr_div_2ui(c, c, 1, MPFR_RNDN);
                    if (mpfr_equal_p(c, a) || mpfr_equal_p(c, b))
                        break;
                    int sc = g_sign(d, c, t);
                    if (!sc)
                        break;
                    if (sc == sa)
                        mpfr_set(a, c, MPFR_RNDN);
                    else
                        mpfr_set(b, c, MPFR_RNDN);
                    mpfr_sub(x, b, a, MPFR_RNDU);
                    if (mpfr_get_d(x, MPFR_RNDU) < tol / 4)
                        break;
                }
                mpfr_add(c, a, b, MPFR_RNDN);
                mpfr_div_2ui(c, c, 1, MPFR_RNDN);
                mpfr_sub(x, b, a, MPFR_RNDU);
                double rad = mpfr_get_d(x, MPFR_RNDU) / 2 * (1 + 1e-15) +
                             (mpfr_zero_p(c) ? 0 : ldexp(1.0, (int)(mpfr_get_exp(c) - p)));
                double cm = mpfr_get_d(c, MPFR_RNDN);
                int dup = 0;
                for (int j = 0; j < 3; j++)
                    if (isfix[j] && fabs(cm - exact[j]) < 1e-6)
                        dup = 1;
                if (!dup && add_fp(&fp, &n, &cap, d, c, rad)) {
                    st = DA_ENOMEM;
                    goto fail;
                }
            }
        }
        if (s) {
            sprev = s;
            xprev = xi;
            gprev = g;
        }
    }
    (void)gprev;
    for (int j = 0; j < 3; j++)
        if (isfix[j]) {
            mpfr_set_d(x, exact[j], MPFR_RNDN);
            if (add_fp(&fp, &n, &cap, d, x, 0)) {
                st = DA_ENOMEM;
                goto fail;
            }
        }
    /* sort by rho */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && mpfr_cmp(fp[j - 1].rho.mid, fp[j].rho.mid) > 0; j--) {
            da_fixed_point tmp = fp[j];
            fp[j] = fp[j - 1];
            fp[j - 1] = tmp;
        }
    mpfr_clears(x, a, b, c, (mpfr_ptr)0);
    da_ball_clear(t);
    *out = fp;
    *nout = n;
    da_clear_error();
    return DA_OK;
fail:
    /* an allocation failed: nothing is returned (a partial list would
       silently miss fixed points) */
    da_kmap_fixed_points_free(fp, n);
    mpfr_clears(x, a, b, c, (mpfr_ptr)0);
    da_ball_clear(t);
    return da_fail(st, "out of memory while collecting fixed points");
}

/* ---- rates -------------------------------------------------------------- */

void da_kmap_rates_init(da_kmap_rates *r)
{
    memset(r, 0, sizeof *r);
    da_ball_init2(&r->kappa0, 64);
    da_ball_init2(&r->rate0, 64);
    da_ball_init2(&r->rate1, 64);
    r->jh_case = DA_JH_UNDECIDED;
}

void da_kmap_rates_clear(da_kmap_rates *r)
{
    da_ball_clear(&r->kappa0);
    da_ball_clear(&r->rate0);
    da_ball_clear(&r->rate1);
}

const char *da_kmap_jh_text(int c)
{
    switch (c) {
    case DA_JH_TO_ZERO: return "kappa(0) = 0: correlations converge to 0 at rate kappa'(0) per layer";
    case DA_JH_TO_ONE: return "kappa(0) > 0, kappa'(1) < 1: correlations converge to 1 at rate kappa'(1) per layer";
    case DA_JH_SLOW: return "kappa'(1) = 1: slow O(1/l) convergence to 1";
    case DA_JH_INTERIOR: return "kappa(0) > 0, kappa'(1) > 1: a unique fixed point in (0, 1)";
    default: return "undecided within the error bounds";
    }
}

/* -1, 0, 1: ball below, containing, above v */
static int cmp_ball(const da_ball b, double v)
{
    mpfr_t lo, hi;
    mpfr_inits2(mpfr_get_prec(b->mid) + 2, lo, hi, (mpfr_ptr)0);
    mpfr_sub(lo, b->mid, b->rad, MPFR_RNDD);
    mpfr_add(hi, b->mid, b->rad, MPFR_RNDU);
    int r = mpfr_cmp_d(lo, v) > 0 ? 1 : mpfr_cmp_d(hi, v) < 0 ? -1 : 0;
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return r;
}

/* q = t / f1 for a rate of kappa = f / f(1): DA_EDOM with a message when
   the ball of f(1) = E sigma^2 contains 0 (q is then NaN +- Inf) */
static int rate_div(da_ball q, const da_ball t, const da_ball f1, const char *what)
{
    if (da_ball_div(q, t, f1) == DA_OK)
        return DA_OK;
    return da_fail(DA_EDOM, "%s: sigma_hat(1) = E[sigma^2] = %.6g +- %.3g is not separated from 0, "
                   "so kappa = sigma_hat / sigma_hat(1) is undefined", what,
                   mpfr_get_d(f1->mid, MPFR_RNDN), mpfr_get_d(f1->rad, MPFR_RNDU));
}

/* the worse of two statuses where DA_OK < DA_EACCURACY (valid, wider
   bounds) < any error */
static int worse(int st, int s)
{
    return st && st != DA_EACCURACY ? st : s ? s : st;
}

int da_kmap_rates_compute(da_kmap_rates *r, const da_dual *d)
{
    mpfr_prec_t p = d->prec;
    r->rate1_infinite = 0;
    r->jh_case = DA_JH_UNDECIDED;
    /* computed in local balls (at the working precision), moved into r at
       the end: r's members are the result only when they are complete */
    da_ball x, f1, t, kappa0, rate0, rate1;
    da_ball_init2(x, p);
    da_ball_init2(f1, p);
    da_ball_init2(t, p);
    da_ball_init2(kappa0, p);
    da_ball_init2(rate0, p);
    da_ball_init2(rate1, p);
    int rate1_infinite = 0;
    /* st: DA_OK, or DA_EACCURACY once an evaluation fell short of the
       dual's digits (its ball is still an enclosure); any other status
       stops */
    int st = DA_OK, s;
    mpfr_set_ui(x->mid, 1, MPFR_RNDN);
    if ((st = worse(st, da_dual_eval(f1, d, x, 0))) && st != DA_EACCURACY)
        goto out;
    mpfr_set_ui(x->mid, 0, MPFR_RNDN);
    if ((st = worse(st, da_dual_eval(t, d, x, 0))) && st != DA_EACCURACY)
        goto out;
    if ((st = worse(st, rate_div(kappa0, t, f1, "kappa(0)"))) && st != DA_EACCURACY)
        goto out;
    if ((st = worse(st, da_dual_eval(t, d, x, 1))) && st != DA_EACCURACY)
        goto out;
    if ((st = worse(st, rate_div(rate0, t, f1, "kappa'(0)"))) && st != DA_EACCURACY)
        goto out;
    mpfr_set_ui(x->mid, 1, MPFR_RNDN);
    s = da_dual_eval(t, d, x, 1);
    if (s == DA_EINFINITE) {
        rate1_infinite = 1;
        mpfr_set_inf(rate1->mid, 1);
        mpfr_set_zero(rate1->rad, 1);
    } else {
        if ((st = worse(st, s)) && st != DA_EACCURACY)
            goto out;
        if ((st = worse(st, rate_div(rate1, t, f1, "kappa'(1)"))) && st != DA_EACCURACY)
            goto out;
    }
    {
        int k0 = cmp_ball(kappa0, 0);
        int s1 = rate1_infinite ? 1 : cmp_ball(rate1, 1);
        double tol = pow(10.0, 1 - (double)d->digits);
        int k0zero = k0 == 0 && mpfr_get_d(kappa0->rad, MPFR_RNDU) < tol;
        if (k0zero)
            r->jh_case = DA_JH_TO_ZERO;
        else if (k0 > 0 && s1 < 0)
            r->jh_case = DA_JH_TO_ONE;
        else if (k0 > 0 && s1 > 0)
            r->jh_case = DA_JH_INTERIOR;
        else if (k0 > 0 && s1 == 0 && mpfr_get_d(rate1->rad, MPFR_RNDU) < tol)
            r->jh_case = DA_JH_SLOW;
        else
            r->jh_case = DA_JH_UNDECIDED;
    }
out:
    if (st && st != DA_EACCURACY) {
        /* nothing proved: no ball of r may look like a value */
        mpfr_set_nan(kappa0->mid);
        mpfr_set_inf(kappa0->rad, 1);
        mpfr_set_nan(rate0->mid);
        mpfr_set_inf(rate0->rad, 1);
        mpfr_set_nan(rate1->mid);
        mpfr_set_inf(rate1->rad, 1);
        rate1_infinite = 0;
        r->jh_case = DA_JH_UNDECIDED;
    }
    /* the digits reached, for the message of DA_EACCURACY */
    double dg = da_ball_digits(kappa0);
    if (da_ball_digits(rate0) < dg)
        dg = da_ball_digits(rate0);
    if (!rate1_infinite && da_ball_digits(rate1) < dg)
        dg = da_ball_digits(rate1);
    /* into the result struct, whose balls take the working precision
       (mpfr_swap exchanges the precisions with the values) */
    mpfr_swap(r->kappa0.mid, kappa0->mid);
    mpfr_swap(r->kappa0.rad, kappa0->rad);
    mpfr_swap(r->rate0.mid, rate0->mid);
    mpfr_swap(r->rate0.rad, rate0->rad);
    mpfr_swap(r->rate1.mid, rate1->mid);
    mpfr_swap(r->rate1.rad, rate1->rad);
    r->rate1_infinite = rate1_infinite;
    da_ball_clear(x);
    da_ball_clear(f1);
    da_ball_clear(t);
    da_ball_clear(kappa0);
    da_ball_clear(rate0);
    da_ball_clear(rate1);
    /* DA_EACCURACY: valid balls, wider than the dual's digits (an
       evaluation fell short); the caller may use them, knowing it */
    if (st == DA_EACCURACY)
        return da_fail(DA_EACCURACY, "kappa(0), kappa'(0), kappa'(1): requested %ld digits, reached %.1f",
                       d->digits, dg);
    if (st)
        return st;
    da_clear_error();
    return DA_OK;
}

/* ---- double precision ---------------------------------------------------- */

/* f^(k)(rho) in double, rho clamped to [-1, 1] when round-off put it just
   outside */
static double kd_eval(const da_dual *d, double rho, int k)
{
    if (!isfinite(rho) || rho < -1 || rho > 1) {
        if (isfinite(rho) && fabs(rho) <= 1 + 1e-12)
            rho = rho > 0 ? 1 : -1;
        else
            return NAN;
    }
    return da_dual_value_d(d, rho, k, NULL);
}

int da_kmap_iterate_d(double *rho, double *ntk, const da_dual *d, double rho0, long depth)
{
    /* the cap of da_kmap_iterate (the caller's arrays hold depth + 1) */
    if (depth < 0 || depth > 1000000)
        return da_fail(DA_EINVAL, "depth %ld out of range [0, 1000000]", depth);
    double r = rho0, th = rho0, th1 = 1, r1 = 1;
    for (long l = 0; l <= depth; l++) {
        if (rho)
            rho[l] = r;
        if (ntk)
            ntk[l] = th / th1;
        if (l == depth)
            break;
        double fp = kd_eval(d, r, 1), fp1 = ntk ? kd_eval(d, r1, 1) : 0;
        double rn = kd_eval(d, r, 0), r1n = ntk ? kd_eval(d, r1, 0) : 0;
        th = th * fp + rn;
        th1 = th1 * fp1 + r1n;
        r = rn;
        r1 = r1n;
    }
    return DA_OK;
}

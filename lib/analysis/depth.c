/* depth.c -- the minimal depth L* at which the kernel of delta-separated
 * data is eps/(n-1)-close to the identity entrywise, proved with balls,
 * and the theoretical upper bounds on it.  See docs/analysis.md. */
#include "core/core.h"
#include "analysis/analysis.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NLEVELS 6

struct da_depth_ctx {
    const da_act *act;
    da_depth_opts o;
    da_dual *dual[NLEVELS];   /* at digits o.digits * 2^i, lazily */
    long dig[NLEVELS];
    int have_mu;
    da_ball_struct mu;
};

void da_depth_opts_init(da_depth_opts *o)
{
    o->digits = 20;
    o->max_digits = 320;
    o->max_depth = 100000;
}

void da_depth_result_init(da_depth_result *r)
{
    memset(r, 0, sizeof *r);
    da_ball_init2(&r->value, 64);
    da_ball_init2(&r->previous, 64);
    da_ball_init2(&r->threshold, 64);
    r->depth = -1;
    r->bound_potential = r->bound_two_phase = r->bound_majorant = -1;
    r->two_phase_split = NAN;
}

void da_depth_result_clear(da_depth_result *r)
{
    da_ball_clear(&r->value);
    da_ball_clear(&r->previous);
    da_ball_clear(&r->threshold);
}

void da_depth_opts_fix(da_depth_opts *dst, const da_depth_opts *o)
{
    if (o)
        *dst = *o;
    else
        da_depth_opts_init(dst);
    if (dst->digits < 5)
        dst->digits = 5;
    if (dst->max_digits < dst->digits)
        dst->max_digits = dst->digits;
    if (dst->max_depth < 1)
        dst->max_depth = 1;
}

int da_depth_ctx_new(da_depth_ctx **out, const da_act *act, const da_depth_opts *o)
{
    *out = NULL;
    if (!act)
        return da_fail(DA_EINVAL, "depth: no activation");
    da_depth_ctx *c = da_calloc(1, sizeof *c);
    if (!c)
        return DA_ENOMEM;
    c->act = act;
    da_depth_opts_fix(&c->o, o);
    long dg = c->o.digits;
    for (int i = 0; i < NLEVELS; i++) {
        c->dig[i] = dg;
        dg *= 2;
    }
    *out = c;
    return DA_OK;
}

void da_depth_ctx_free(da_depth_ctx *c)
{
    if (!c)
        return;
    for (int i = 0; i < NLEVELS; i++)
        da_dual_free(c->dual[i]);
    if (c->have_mu)
        da_ball_clear(&c->mu);
    free(c);
}

static int get_dual(da_dual **d, da_depth_ctx *c, int level)
{
    if (!c->dual[level]) {
        da_dual_opts o;
        da_dual_opts_init(&o);
        o.digits = c->dig[level];
        o.raw = 0;
        int st = da_dual_new(&c->dual[level], c->act, &o);
        if (st && st != DA_EACCURACY)
            return st;
        if (!c->dual[level])
            return da_fail(DA_EINVAL, "depth: cannot prepare the dual activation");
    }
    *d = c->dual[level];
    return DA_OK;
}

int da_depth_mu(da_ball mu, da_depth_ctx *c)
{
    if (!c->have_mu) {
        da_hermite_opts ho;
        da_hermite_opts_init(&ho);
        ho.degree = 1;
        ho.digits = 30;
        da_hermite *h = NULL;
        int st = da_hermite_compute(&h, c->act, &ho);
        if (!h)
            return st;
        da_ball_init2(&c->mu, h->prec);
        da_ball_set(&c->mu, &h->mu);
        da_hermite_free(h);
        c->have_mu = 1;
    }
    da_ball_set(mu, &c->mu);   /* at mu's own precision */
    return DA_OK;
}

int da_depth_parse_decimal(da_ball r, const char *s)
{
    if (!s || !*s)
        return da_fail(DA_EINVAL, "empty number");
    return da_ball_set_decimal(r, s);
}

/* lower and upper ends of a ball, at DA_RAD_PREC bits or more */
static void ball_lo(mpfr_t x, const da_ball b)
{
    mpfr_sub(x, b->mid, b->rad, MPFR_RNDD);
}
static void ball_hi(mpfr_t x, const da_ball b)
{
    mpfr_add(x, b->mid, b->rad, MPFR_RNDU);
}

/* ceil of an mpfr (already rounded upwards) as a long; LONG_MAX if huge */
static long ceil_long(const mpfr_t x)
{
    if (mpfr_sgn(x) <= 0)
        return 0;
    if (mpfr_cmp_d(x, 1e15) > 0 || !mpfr_number_p(x))
        return -2;   /* too large to report */
    mpfr_t y;
    mpfr_init2(y, mpfr_get_prec(x));
    mpfr_ceil(y, x);
    long v = mpfr_get_si(y, MPFR_RNDU);
    mpfr_clear(y);
    return v;
}

int da_depth_bounds(long *potential, long *two_phase, double *split, long *majorant,
                    const da_ball mu, const da_ball delta, const da_ball eps, long n)
{
    const mpfr_prec_t P = 128;
    long bp = -1, b2 = -1, bm = -1;
    double bc = NAN;
    mpfr_t mlo, dlo, elo, ehi, thr, one_m_d, a, b, x, c, r;
    mpfr_inits2(P, mlo, dlo, elo, ehi, thr, one_m_d, a, b, x, c, r, (mpfr_ptr)0);
    ball_lo(mlo, mu);
    ball_lo(dlo, delta);
    ball_lo(elo, eps);
    ball_hi(ehi, eps);
    int ok = n >= 2 && mpfr_sgn(mlo) > 0 && mpfr_sgn(dlo) > 0 && mpfr_sgn(elo) > 0 &&
             mpfr_cmp_ui(mlo, 1) <= 0;
    if (ok) {
        if (mpfr_cmp_ui(mlo, 1) > 0)
            mpfr_set_ui(mlo, 1, MPFR_RNDD);
        /* thr_lo = eps_lo / (n - 1) */
        mpfr_div_ui(thr, elo, (unsigned long)(n - 1), MPFR_RNDD);
        /* 1 - delta, upper end */
        mpfr_ui_sub(one_m_d, 1, dlo, MPFR_RNDU);
        /* potential: ln[(1-d)(n-1-e)/(d e)] / ln(1+mu) */
        mpfr_ui_sub(a, (unsigned long)(n - 1), elo, MPFR_RNDU);   /* n-1-e, up */
        mpfr_mul(a, a, one_m_d, MPFR_RNDU);
        mpfr_mul(b, dlo, elo, MPFR_RNDD);
        mpfr_div(a, a, b, MPFR_RNDU);
        if (mpfr_cmp_ui(a, 1) <= 0 || mpfr_cmp(one_m_d, thr) <= 0) {
            bp = 0;
        } else {
            mpfr_log(a, a, MPFR_RNDU);
            mpfr_log1p(b, mlo, MPFR_RNDD);
            mpfr_div(x, a, b, MPFR_RNDU);
            bp = ceil_long(x);
        }
        /* two-phase, split c = j/256 */
        for (int j = 1; j < 256; j++) {
            mpfr_set_ui_2exp(c, (unsigned long)j, -8, MPFR_RNDN);   /* exact */
            long L1 = 0, L2 = 0;
            if (mpfr_cmp(one_m_d, c) > 0) {
                /* ln((1-c)/delta) / ln(1 + mu c) */
                mpfr_ui_sub(a, 1, c, MPFR_RNDU);   /* exact */
                mpfr_div(a, a, dlo, MPFR_RNDU);
                mpfr_log(a, a, MPFR_RNDU);
                mpfr_mul(b, mlo, c, MPFR_RNDD);
                mpfr_log1p(b, b, MPFR_RNDD);
                if (mpfr_sgn(b) <= 0)
                    continue;
                mpfr_div(x, a, b, MPFR_RNDU);
                L1 = ceil_long(x);
                if (L1 < 0)
                    continue;
            }
            if (mpfr_cmp(c, thr) > 0) {
                /* ln(c/thr) / (-ln(1 - mu (1-c))) */
                mpfr_div(a, c, thr, MPFR_RNDU);
                mpfr_log(a, a, MPFR_RNDU);
                mpfr_ui_sub(b, 1, c, MPFR_RNDD);
                mpfr_mul(b, b, mlo, MPFR_RNDD);
                mpfr_neg(b, b, MPFR_RNDN);
                mpfr_log1p(b, b, MPFR_RNDU);    /* ln(1 - x) rounded up (towards 0) */
                mpfr_neg(b, b, MPFR_RNDN);       /* -ln(1 - x), rounded down */
                if (mpfr_sgn(b) <= 0)
                    continue;
                mpfr_div(x, a, b, MPFR_RNDU);
                L2 = ceil_long(x);
                if (L2 < 0)
                    continue;
            }
            if (b2 < 0 || L1 + L2 < b2) {
                b2 = L1 + L2;
                bc = (double)j / 256.0;
            }
        }
        /* majorant: iterate m(r) = r (1 - mu (1 - r)) upwards */
        mpfr_set(r, one_m_d, MPFR_RNDU);
        long cap = bp >= 0 ? bp + 16 : 10000000;
        long k = 0;
        while (mpfr_cmp(r, thr) > 0 && k <= cap) {
            mpfr_ui_sub(a, 1, r, MPFR_RNDD);
            mpfr_mul(a, a, mlo, MPFR_RNDD);
            mpfr_ui_sub(a, 1, a, MPFR_RNDU);
            mpfr_mul(r, r, a, MPFR_RNDU);
            k++;
        }
        bm = k <= cap ? k : -2;
    }
    mpfr_clears(mlo, dlo, elo, ehi, thr, one_m_d, a, b, x, c, r, (mpfr_ptr)0);
    if (potential)
        *potential = bp;
    if (two_phase)
        *two_phase = b2;
    if (split)
        *split = bc;
    if (majorant)
        *majorant = bm;
    return DA_OK;
}

int da_depth_ntk_bound(long *majorant, const da_ball mu, const da_ball beta,
                       const da_ball delta, const da_ball eps, long n)
{
    const mpfr_prec_t P = 128;
    long bm = -1;
    mpfr_t mlo, blo, bhi, dlo, elo, thr, r, s, T, D, a;
    mpfr_inits2(P, mlo, blo, bhi, dlo, elo, thr, r, s, T, D, a, (mpfr_ptr)0);
    ball_lo(mlo, mu);
    ball_lo(blo, beta);
    ball_hi(bhi, beta);
    ball_lo(dlo, delta);
    ball_lo(elo, eps);
    if (n >= 2 && mpfr_sgn(mlo) > 0 && mpfr_sgn(dlo) > 0 && mpfr_sgn(elo) > 0 &&
        mpfr_number_p(bhi) && mpfr_number_p(blo) && mpfr_sgn(blo) > 0) {
        if (mpfr_cmp_ui(mlo, 1) > 0)
            mpfr_set_ui(mlo, 1, MPFR_RNDD);
        mpfr_div_ui(thr, elo, (unsigned long)(n - 1), MPFR_RNDD);
        mpfr_ui_sub(r, 1, dlo, MPFR_RNDU);          /* r_0 = 1 - delta, up */
        mpfr_set(T, r, MPFR_RNDU);                   /* T_0 = r_0 */
        mpfr_set_ui(D, 1, MPFR_RNDN);                /* D_0 = 1 */
        long k = 0;
        const long cap = 10000000;
        for (;;) {
            mpfr_mul(a, D, thr, MPFR_RNDD);
            if (mpfr_cmp(T, a) <= 0)
                break;
            if (k >= cap)
                break;
            /* s = (1 - mu) + r (beta - 1 + mu), upwards (>= 1 - mu) */
            mpfr_sub_ui(s, bhi, 1, MPFR_RNDU);
            mpfr_add(s, s, mlo, MPFR_RNDU);
            if (mpfr_sgn(s) < 0)
                mpfr_set_zero(s, 1);
            mpfr_mul(s, s, r, MPFR_RNDU);
            mpfr_ui_sub(a, 1, mlo, MPFR_RNDU);
            mpfr_add(s, s, a, MPFR_RNDU);
            /* r <- r (1 - mu (1 - r)), upwards */
            mpfr_ui_sub(a, 1, r, MPFR_RNDD);
            mpfr_mul(a, a, mlo, MPFR_RNDD);
            mpfr_ui_sub(a, 1, a, MPFR_RNDU);
            mpfr_mul(r, r, a, MPFR_RNDU);
            /* T <- T s + r, D <- D beta + 1 (down) */
            mpfr_mul(T, T, s, MPFR_RNDU);
            mpfr_add(T, T, r, MPFR_RNDU);
            mpfr_mul(D, D, blo, MPFR_RNDD);
            mpfr_add_ui(D, D, 1, MPFR_RNDD);
            k++;
        }
        bm = k < cap ? k : -2;
    }
    mpfr_clears(mlo, blo, bhi, dlo, elo, thr, r, s, T, D, a, (mpfr_ptr)0);
    *majorant = bm;
    return DA_OK;
}

/* dst = src exactly, dst's midpoint at precision p (that of src) */
static void copy_ball(da_ball_struct *dst, const da_ball_struct *src, mpfr_prec_t p)
{
    mpfr_set_prec(dst->mid, p);
    mpfr_set(dst->mid, src->mid, MPFR_RNDN);
    mpfr_set(dst->rad, src->rad, MPFR_RNDU);
}

/* One search at a fixed working accuracy.  Returns DA_OK with *found set
 * (1 proved, 0 undecided at some layer, -1 not reached by max_depth),
 * or an error. */
__attribute__((noinline)) static int search(da_depth_result *res, int *found, long *candidate, const da_dual *d,
                  int kernel, const da_ball delta, const da_ball eps, long n, long max_depth)
{
    mpfr_prec_t p = da_dual_prec(d) + 32;
    da_ball rho, rnew, fp, theta, theta1, beta, one, v, thr, tmp;
    da_ball_init2(rho, p);
    da_ball_init2(rnew, p);
    da_ball_init2(fp, p);
    da_ball_init2(theta, p);
    da_ball_init2(theta1, p);
    da_ball_init2(beta, p);
    da_ball_init2(one, p);
    da_ball_init2(v, p);
    da_ball_init2(thr, p);
    da_ball_init2(tmp, p);
    mpfr_t lo, hi, tlo, thi;
    mpfr_inits2(p, lo, hi, tlo, thi, (mpfr_ptr)0);
    int st = DA_OK;
    *found = -1;
    *candidate = -1;
    mpfr_set_ui(one->mid, 1, MPFR_RNDN);
    da_ball_sub(rho, one, delta);
    /* threshold eps/(n-1) */
    mpfr_set_si(tmp->mid, n - 1, MPFR_RNDN);
    st = da_ball_div(thr, eps, tmp);
    if (st)
        goto out;
    ball_lo(tlo, thr);
    ball_hi(thi, thr);
    if (!mpfr_number_p(tlo) || !mpfr_number_p(thi) || !mpfr_number_p(rho->mid)
        || !mpfr_number_p(rho->rad)) {
        *found = 0;
        goto out;
    }
    if (kernel == DA_DEPTH_NTK) {
        st = da_dual_eval(beta, d, one, 1);
        if (st == DA_EINFINITE)
            goto out;
        if (st && st != DA_EACCURACY)
            goto out;
        st = DA_OK;
        if (!mpfr_number_p(beta->mid) || !mpfr_number_p(beta->rad)) {
            *found = 0;   /* f'(1) not enclosed: nothing to decide with */
            goto out;
        }
        da_ball_set(theta, rho);
        mpfr_set_ui(theta1->mid, 1, MPFR_RNDN);
    }
    int prev_set = 0;
    for (long l = 0; l <= max_depth; l++) {
        if (kernel == DA_DEPTH_NTK) {
            st = da_ball_div(v, theta, theta1);
            if (st)
                goto out;
        } else {
            da_ball_set(v, rho);
        }
        /* nothing is decided on a ball that is not finite (mpfr_cmp
           with a NaN returns 0: "below the threshold" would be read) */
        if (!mpfr_number_p(v->mid) || !mpfr_number_p(v->rad)) {
            *found = 0;
            goto out;
        }
        ball_lo(lo, v);
        ball_hi(hi, v);
        if (*candidate < 0 && mpfr_cmp(v->mid, thr->mid) <= 0)
            *candidate = l;
        if (mpfr_cmp(hi, tlo) <= 0) {
            res->depth = l;
            copy_ball(&res->value, v, p);
            if (!prev_set) {
                mpfr_set_nan(res->previous.mid);
                mpfr_set_inf(res->previous.rad, 1);
            }
            copy_ball(&res->threshold, thr, p);
            *found = 1;
            goto out;
        }
        if (!(mpfr_cmp(lo, thi) > 0)) {
            *found = 0;   /* undecided at layer l: L* is l or larger */
            if (*candidate < 0)
                *candidate = l;
            goto out;
        }
        copy_ball(&res->previous, v, p);
        prev_set = 1;
        if (l == max_depth)
            break;
        /* next layer */
        if (kernel == DA_DEPTH_NTK) {
            st = da_dual_eval(fp, d, rho, 1);
            if (st && st != DA_EACCURACY)
                goto out;
        }
        st = da_dual_eval(rnew, d, rho, 0);
        if (st && st != DA_EACCURACY)
            goto out;
        st = DA_OK;
        if (kernel == DA_DEPTH_NTK) {
            da_ball_mul(tmp, theta, fp);
            da_ball_add(theta, tmp, rnew);
            da_ball_mul(tmp, theta1, beta);
            da_ball_add(theta1, tmp, one);
        }
        da_ball_set(rho, rnew);
        /* a ball that has lost every digit will not decide anything */
        if (mpfr_cmp_d(rho->rad, 1.0) > 0) {
            *found = 0;
            goto out;
        }
    }
    *found = -1;
out:
    da_ball_clear(rho);
    da_ball_clear(rnew);
    da_ball_clear(fp);
    da_ball_clear(theta);
    da_ball_clear(theta1);
    da_ball_clear(beta);
    da_ball_clear(one);
    da_ball_clear(v);
    da_ball_clear(thr);
    da_ball_clear(tmp);
    mpfr_clears(lo, hi, tlo, thi, (mpfr_ptr)0);
    return st;
}

int da_depth_find(da_depth_result *r, da_depth_ctx *c, int kernel,
                  const da_ball delta, const da_ball eps, long n)
{
    if (kernel != DA_DEPTH_NNGP && kernel != DA_DEPTH_NTK)
        return da_fail(DA_EINVAL, "depth: kernel must be nngp or ntk");
    if (n < 2)
        return da_fail(DA_EINVAL, "depth: n must be at least 2 (got %ld)", n);
    mpfr_t x;
    mpfr_init2(x, 128);
    ball_lo(x, delta);
    int bad = mpfr_sgn(x) <= 0;
    ball_hi(x, delta);
    bad |= mpfr_cmp_ui(x, 1) > 0;
    if (bad) {
        mpfr_clear(x);
        return da_fail(DA_EINVAL, "depth: delta must lie in (0, 1]");
    }
    ball_lo(x, eps);
    bad = mpfr_sgn(x) <= 0;
    ball_hi(x, eps);
    bad |= mpfr_cmp_si(x, n - 1) >= 0;
    mpfr_clear(x);
    if (bad)
        return da_fail(DA_EINVAL, "depth: eps must lie in (0, n - 1)");
    r->kernel = kernel;
    r->depth = -1;
    r->bound_potential = r->bound_two_phase = r->bound_majorant = -1;
    r->two_phase_split = NAN;
    if (kernel == DA_DEPTH_NNGP) {
        da_ball mu;
        da_ball_init2(mu, 64);
        int st = da_depth_mu(mu, c);
        if (st) {
            da_ball_clear(mu);
            return st;
        }
        da_depth_bounds(&r->bound_potential, &r->bound_two_phase, &r->two_phase_split,
                        &r->bound_majorant, mu, delta, eps, n);
        da_ball_clear(mu);
    } else {
        /* the normalized NTK: the majorant bound, from mu and beta = f'(1) */
        da_dual *d = NULL;
        int st = get_dual(&d, c, 0);
        if (st)
            return st;
        da_ball mu, beta, one;
        da_ball_init2(mu, 64);
        da_ball_init2(beta, da_dual_prec(d));
        da_ball_init2(one, da_dual_prec(d));
        mpfr_set_ui(one->mid, 1, MPFR_RNDN);
        st = da_depth_mu(mu, c);
        int sb = st ? st : da_dual_eval(beta, d, one, 1);
        da_clear_error();
        if (!st && (sb == DA_OK || sb == DA_EACCURACY))
            da_depth_ntk_bound(&r->bound_majorant, mu, beta, delta, eps, n);
        da_ball_clear(mu);
        da_ball_clear(beta);
        da_ball_clear(one);
        if (st)
            return st;
    }
    long best = -1;
    for (int level = 0; level < NLEVELS && c->dig[level] <= c->o.max_digits; level++) {
        da_dual *d = NULL;
        int st = get_dual(&d, c, level);
        if (st)
            return st;
        int found;
        long cand;
        r->depth = -1;
        st = search(r, &found, &cand, d, kernel, delta, eps, n, c->o.max_depth);
        if (st == DA_EINFINITE)
            return da_fail(DA_EINFINITE, "the NTK of '%s' is infinite: the activation jumps, "
                           "so sigma_hat'(1) = E[sigma'^2] is infinite", da_act_spec(c->act));
        if (st)
            return st;
        r->digits_used = c->dig[level];
        if (found == 1)
            return DA_OK;
        if (found == -1) {
            r->depth = -1;
            return da_fail(DA_EACCURACY, "depth: the %s kernel stays above eps/(n-1) up to "
                           "depth %ld (max_depth)", kernel ? "NTK" : "NNGP", c->o.max_depth);
        }
        best = cand;
    }
    r->depth = best;
    return da_fail(DA_EACCURACY, "depth: the enclosures could not decide L* up to %ld digits "
                   "(candidate %ld, not proved)", c->o.max_digits, best);
}

int da_depth_rigorous(const da_depth_ctx *c)
{
    int any = 0;
    for (int i = 0; i < NLEVELS; i++)
        if (c->dual[i]) {
            any = 1;
            if (!da_dual_rigorous(c->dual[i]))
                return 0;
        }
    return any;
}

const char *da_depth_bound_reason(const da_depth_ctx *c)
{
    for (int i = 0; i < NLEVELS; i++)
        if (c->dual[i] && !da_dual_rigorous(c->dual[i]))
            return da_dual_bound_reason(c->dual[i]);
    return "";
}

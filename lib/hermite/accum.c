/* accum.c -- accumulate A_k = sum_i w_i sigma(x_i) He_k(x_i) over a rule.
 *
 * For each node the recurrence He_{k+1} = x He_k - k He_{k-1} runs once
 * (3 operations a step, plus 2 for the accumulation).  A symmetric rule
 * lists x >= 0 only: He_k(-x) = (-1)^k He_k(x), so the even part of sigma
 * feeds even k and the odd part odd k, halving the work.
 *
 * Error bookkeeping (in double, upper bounds):
 *   mag   = sum w |sigma(x)| e^{x^2/4}; by Cramer's inequality
 *           |He_k(x)| <= K sqrt(k!) e^{x^2/4} (K = DA_CRAMER_K, hermite.h),
 *           so every term of A_k / sqrt(k!) is at most K w |sigma| e^{x^2/4}, and the
 *           rounding error of a_k is at most about (3k + n) 2^-wp K mag.
 *   fdiff = sum w |sigma_wp(x) - sigma_{wp+40}(x)| e^{x^2/4}: the effect
 *           of the evaluation error of sigma on every a_k (times K). */
#include "core/core.h"
#include "hermite/hermite.h"
#include <math.h>
#include <stdlib.h>

int da_acc_init(da_acc *acc, long N, mpfr_prec_t wp)
{
    acc->N = N;
    acc->wp = wp;
    acc->A = da_malloc((size_t)(N + 1) * sizeof(mpfr_t));
    if (!acc->A)
        return DA_ENOMEM;
    for (long k = 0; k <= N; k++)
        mpfr_init2(acc->A[k], wp), mpfr_set_zero(acc->A[k], 1);
    mpfr_init2(acc->s2, wp);
    mpfr_init2(acc->d2, wp);
    mpfr_set_zero(acc->s2, 1);
    mpfr_set_zero(acc->d2, 1);
    acc->mag = acc->magd = 0.0;
    mpfr_init2(acc->fdiff, DA_RAD_PREC);
    mpfr_init2(acc->fdiff2, DA_RAD_PREC);
    mpfr_set_zero(acc->fdiff, 1);
    mpfr_set_zero(acc->fdiff2, 1);
    acc->nodes = 0;
    return DA_OK;
}

void da_acc_clear(da_acc *acc)
{
    if (!acc->A)
        return;
    for (long k = 0; k <= acc->N; k++)
        mpfr_clear(acc->A[k]);
    free(acc->A);
    acc->A = NULL;
    mpfr_clear(acc->s2);
    mpfr_clear(acc->d2);
    mpfr_clear(acc->fdiff);
    mpfr_clear(acc->fdiff2);
}

void da_acc_scale_2exp(da_acc *acc, long e)
{
    for (long k = 0; k <= acc->N; k++)
        mpfr_mul_2si(acc->A[k], acc->A[k], e, MPFR_RNDN);
    mpfr_mul_2si(acc->s2, acc->s2, e, MPFR_RNDN);
    mpfr_mul_2si(acc->d2, acc->d2, e, MPFR_RNDN);
    acc->mag = ldexp(acc->mag, (int)e);
    acc->magd = ldexp(acc->magd, (int)e);
    mpfr_mul_2si(acc->fdiff, acc->fdiff, e, MPFR_RNDU);
    mpfr_mul_2si(acc->fdiff2, acc->fdiff2, e, MPFR_RNDU);
}

void da_acc_set(da_acc *dst, const da_acc *src)
{
    for (long k = 0; k <= src->N; k++)
        mpfr_set(dst->A[k], src->A[k], MPFR_RNDN);
    mpfr_set(dst->s2, src->s2, MPFR_RNDN);
    mpfr_set(dst->d2, src->d2, MPFR_RNDN);
    dst->mag = src->mag;
    dst->magd = src->magd;
    mpfr_set(dst->fdiff, src->fdiff, MPFR_RNDU);
    mpfr_set(dst->fdiff2, src->fdiff2, MPFR_RNDU);
    dst->nodes = src->nodes;
}

/* acc += |a - b| * scale, rounded upwards; returns |a - b| in double
   (for the fdiff2 factor; it may underflow to 0, the sum does not) */
static double add_absdiff(mpfr_t acc, const mpfr_t a, const mpfr_t b, double scale, mpfr_t t)
{
    mpfr_sub(t, a, b, MPFR_RNDA);
    mpfr_abs(t, t, MPFR_RNDU);
    double d = mpfr_get_d(t, MPFR_RNDU);
    mpfr_t u;
    mpfr_init2(u, DA_RAD_PREC);
    mpfr_mul_d(u, t, scale, MPFR_RNDU);
    mpfr_add(acc, acc, u, MPFR_RNDU);
    mpfr_clear(u);
    return d;
}

int da_acc_add(da_acc *acc, const da_rule *r, const da_act *act,
               const da_tape *ds)
{
    mpfr_prec_t wp = acc->wp;
    long N = acc->N;
    int st = DA_OK;
    da_tape_ws *ws = da_tape_ws_new(act->tape, wp);
    da_tape_ws *wh = da_tape_ws_new(act->tape, wp + 40);
    da_tape_ws *wd = ds ? da_tape_ws_new(ds, wp) : NULL;
    if (!ws || !wh || (ds && !wd)) {
        st = da_fail(DA_ENOMEM, "out of memory");
        goto done;
    }
    mpfr_t x, fp, fm, fe, fo, h0, h1, h2, t, fh, dv;
    mpfr_inits2(wp, x, fp, fm, fe, fo, h0, h1, h2, t, dv, (mpfr_ptr)0);
    mpfr_init2(fh, wp + 40);

    for (long i = 0; i < r->n; i++) {
        int twosided = r->sym && !mpfr_zero_p(r->x[i]);
        double bnd = r->bound[i];
        /* sigma at x (and -x) */
        for (int side = 0; side < (twosided ? 2 : 1); side++) {
            mpfr_set(x, r->x[i], MPFR_RNDN);
            if (side)
                mpfr_neg(x, x, MPFR_RNDN);
            mpfr_ptr f = side ? fm : fp;
            if (da_tape_eval_m(act->tape, ws, f, x) ||
                da_tape_eval_m(act->tape, wh, fh, x)) {
                st = da_fail(DA_EDOM, "activation '%s' is not finite at x = %.17g",
                             act->spec, mpfr_get_d(x, MPFR_RNDN));
                goto loop_done;
            }
            double fa = fabs(mpfr_get_d(f, MPFR_RNDA));
            /* |s^2 - sh^2| = |s - sh| |s + sh| <= |s - sh| (2 |s| + |s - sh|) */
            double fd = add_absdiff(acc->fdiff, f, fh, bnd, t);
            add_absdiff(acc->fdiff2, f, fh, (2.0 * fa + fd) * bnd * (1 + 1e-15), t);
            acc->mag += fa * bnd;
            /* sigma^2 and sigma'^2 */
            mpfr_sqr(t, f, MPFR_RNDN);
            mpfr_mul(t, t, r->w[i], MPFR_RNDN);
            mpfr_add(acc->s2, acc->s2, t, MPFR_RNDN);
            double mt = fa * fa * bnd;
            if (ds) {
                if (da_tape_eval_m(ds, wd, dv, x)) {
                    st = da_fail(DA_EDOM, "derivative of '%s' is not finite at x = %.17g",
                                 act->spec, mpfr_get_d(x, MPFR_RNDN));
                    goto loop_done;
                }
                mpfr_sqr(t, dv, MPFR_RNDN);
                mpfr_mul(t, t, r->w[i], MPFR_RNDN);
                mpfr_add(acc->d2, acc->d2, t, MPFR_RNDN);
                double da = fabs(mpfr_get_d(dv, MPFR_RNDA));
                mt += da * da * bnd;
            }
            acc->magd += mt;
            acc->nodes++;
        }
        /* even and odd parts, times the weight */
        if (twosided) {
            mpfr_add(fe, fp, fm, MPFR_RNDN);
            mpfr_sub(fo, fp, fm, MPFR_RNDN);
        } else {
            mpfr_set(fe, fp, MPFR_RNDN);
            mpfr_set(fo, fp, MPFR_RNDN);
        }
        mpfr_mul(fe, fe, r->w[i], MPFR_RNDN);
        mpfr_mul(fo, fo, r->w[i], MPFR_RNDN);
        /* the recurrence */
        const mpfr_t *xi = &r->x[i];
        mpfr_add(acc->A[0], acc->A[0], fe, MPFR_RNDN);
        if (N >= 1) {
            mpfr_mul(t, fo, *xi, MPFR_RNDN);
            mpfr_add(acc->A[1], acc->A[1], t, MPFR_RNDN);
        }
        mpfr_set_ui(h0, 1, MPFR_RNDN);
        mpfr_set(h1, *xi, MPFR_RNDN);
        for (long k = 1; k < N; k++) {
            mpfr_mul(t, *xi, h1, MPFR_RNDN);
            mpfr_mul_ui(h2, h0, (unsigned long)k, MPFR_RNDN);
            mpfr_sub(h2, t, h2, MPFR_RNDN);
            mpfr_mul(t, h2, ((k + 1) & 1) ? fo : fe, MPFR_RNDN);
            mpfr_add(acc->A[k + 1], acc->A[k + 1], t, MPFR_RNDN);
            mpfr_swap(h0, h1);
            mpfr_swap(h1, h2);
        }
    }
loop_done:
    mpfr_clears(x, fp, fm, fe, fo, h0, h1, h2, t, dv, fh, (mpfr_ptr)0);
done:
    if (ws)
        da_tape_ws_free(ws);
    if (wh)
        da_tape_ws_free(wh);
    if (wd)
        da_tape_ws_free(wd);
    return st;
}

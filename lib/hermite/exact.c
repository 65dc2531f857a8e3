/* exact.c -- Hermite coefficients of polynomial and piecewise-polynomial
 * activations without quadrature.
 *
 * On a piece [l, r] carrying the polynomial p of degree m, repeated
 * integration by parts with He_k phi = -(He_{k-1} phi)' gives
 *
 *   int_l^r p He_k phi = - sum_{j=0}^{min(m,k-1)} [p^(j) He_{k-1-j} phi]_l^r
 *                        + (k <= m ? int_l^r p^(k) phi : 0),
 *
 * (docs/numerics.md section 2, the jump formula, written piece by piece; terms at
 * infinite endpoints vanish).  The remaining integrals are truncated
 * Gaussian moments M_j = int_l^r x^j phi:
 *   M_0 = Phi(r) - Phi(l),  M_1 = phi(l) - phi(r),
 *   M_j = (j-1) M_{j-2} + l^{j-1} phi(l) - r^{j-1} phi(r).
 * E sigma^2 and E sigma'^2 are sums of moments of p^2 and p'^2.
 *
 * Every operation is a correctly rounded MPFR operation at precision wp;
 * alongside each sum we carry (in log2) the sum of the absolute values of
 * its terms, which bounds the cancellation.  The caller runs this at two
 * precisions and takes the difference as the error of the lower one. */
#include "core/core.h"
#include "hermite/hermite.h"
#include <math.h>
#include <stdlib.h>

static double log2abs(const mpfr_t v)
{
    if (mpfr_zero_p(v))
        return -INFINITY;
    long e;
    double m = mpfr_get_d_2exp(&e, v, MPFR_RNDA);
    return log2(fabs(m)) + (double)e;
}

/* log2(2^a + 2^b) */
static double lse2(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    double m = a > b ? a : b;
    return m + log2(exp2(a - m) + exp2(b - m));
}

/* acc += v, mag = log2(2^mag + |v|) */
static void add_term(mpfr_t acc, double *mag, const mpfr_t v)
{
    mpfr_add(acc, acc, v, MPFR_RNDN);
    *mag = lse2(*mag, log2abs(v));
}

/* Truncated moments M_0..M_J over [l, r] (l, r may be infinite). */
static void moments(mpfr_t *M, long J, const mpfr_t l, const mpfr_t r, mpfr_prec_t wp)
{
    mpfr_t pl, pr, t, u, s2;
    mpfr_inits2(wp, pl, pr, t, u, s2, (mpfr_ptr)0);
    mpfr_sqrt_ui(s2, 2, MPFR_RNDN);
    /* phi at the endpoints (0 at infinity) */
    mpfr_ptr ends[2] = {pl, pr};
    const mpfr_srcptr xs[2] = {l, r};
    for (int e = 0; e < 2; e++) {
        if (mpfr_inf_p(xs[e])) {
            mpfr_set_zero(ends[e], 1);
            continue;
        }
        mpfr_sqr(t, xs[e], MPFR_RNDN);
        mpfr_div_2ui(t, t, 1, MPFR_RNDN);
        mpfr_neg(t, t, MPFR_RNDN);
        mpfr_exp(t, t, MPFR_RNDN);
        mpfr_const_pi(u, MPFR_RNDN);
        mpfr_mul_2ui(u, u, 1, MPFR_RNDN);
        mpfr_rec_sqrt(u, u, MPFR_RNDN);
        mpfr_mul(ends[e], t, u, MPFR_RNDN);
    }
    /* M_0 = Phi(r) - Phi(l), Phi(x) = erfc(-x/sqrt2)/2 */
    if (J >= 0) {
        mpfr_div(t, r, s2, MPFR_RNDN);
        mpfr_neg(t, t, MPFR_RNDN);
        mpfr_erfc(t, t, MPFR_RNDN);
        mpfr_div(u, l, s2, MPFR_RNDN);
        mpfr_neg(u, u, MPFR_RNDN);
        mpfr_erfc(u, u, MPFR_RNDN);
        mpfr_sub(M[0], t, u, MPFR_RNDN);
        mpfr_div_2ui(M[0], M[0], 1, MPFR_RNDN);
    }
    if (J >= 1)
        mpfr_sub(M[1], pl, pr, MPFR_RNDN);
    for (long j = 2; j <= J; j++) {
        mpfr_mul_ui(M[j], M[j - 2], (unsigned long)(j - 1), MPFR_RNDN);
        if (!mpfr_inf_p(l)) {
            mpfr_pow_ui(t, l, (unsigned long)(j - 1), MPFR_RNDN);
            mpfr_mul(t, t, pl, MPFR_RNDN);
            mpfr_add(M[j], M[j], t, MPFR_RNDN);
        }
        if (!mpfr_inf_p(r)) {
            mpfr_pow_ui(t, r, (unsigned long)(j - 1), MPFR_RNDN);
            mpfr_mul(t, t, pr, MPFR_RNDN);
            mpfr_sub(M[j], M[j], t, MPFR_RNDN);
        }
    }
    mpfr_clears(pl, pr, t, u, s2, (mpfr_ptr)0);
}

/* Coefficients of the derivative, in place: c[0..deg] -> c[0..deg-1]. */
static void poly_diff(mpfr_t *c, int deg)
{
    for (int i = 0; i < deg; i++)
        mpfr_mul_ui(c[i], c[i + 1], (unsigned long)(i + 1), MPFR_RNDN);
    if (deg >= 0)
        mpfr_set_zero(c[deg], 1);
}

/* int p*q phi over the piece, p, q given by coefficient arrays */
static void prod_integral(mpfr_t out, double *mag, const mpfr_t *p, int dp,
                          const mpfr_t *q, int dq, const mpfr_t *M, mpfr_t t)
{
    mpfr_set_zero(out, 1);
    *mag = -INFINITY;
    for (int i = 0; i <= dp; i++)
        for (int j = 0; j <= dq; j++) {
            if (mpfr_zero_p(p[i]) || mpfr_zero_p(q[j]))
                continue;
            mpfr_mul(t, p[i], q[j], MPFR_RNDN);
            mpfr_mul(t, t, M[i + j], MPFR_RNDN);
            add_term(out, mag, t);
        }
}

int da_exact_compute(da_exact *ex, const da_act *act, long N, mpfr_prec_t wp)
{
    da_piece *pc = NULL;
    int np = 0;
    int st = da_expr_pieces(&pc, &np, act->expr, &act->info, wp);
    if (st)
        return st;
    ex->N = N;
    ex->A = da_malloc((size_t)(N + 1) * sizeof(mpfr_t));
    ex->log2mag = da_malloc((size_t)(N + 1) * sizeof(double));
    if (!ex->A || !ex->log2mag) {
        free(ex->A);
        free(ex->log2mag);
        da_pieces_free(pc, np);
        return DA_ENOMEM;
    }
    for (long k = 0; k <= N; k++) {
        mpfr_init2(ex->A[k], wp);
        mpfr_set_zero(ex->A[k], 1);
        ex->log2mag[k] = -INFINITY;
    }
    mpfr_init2(ex->s2, wp);
    mpfr_init2(ex->d2, wp);
    mpfr_set_zero(ex->s2, 1);
    mpfr_set_zero(ex->d2, 1);
    ex->log2mag_s2 = ex->log2mag_d2 = -INFINITY;

    int maxdeg = 0;
    for (int i = 0; i < np; i++)
        if (pc[i].deg > maxdeg)
            maxdeg = pc[i].deg;
    long J = 2 * maxdeg + 2;
    mpfr_t *M = da_malloc((size_t)(J + 1) * sizeof(mpfr_t));
    mpfr_t *d = da_malloc((size_t)(maxdeg + 2) * sizeof(mpfr_t));   /* derivative coeffs */
    mpfr_t *dv = da_malloc((size_t)(maxdeg + 2) * sizeof(mpfr_t));  /* p^(j)(e) */
    mpfr_t *He = da_malloc((size_t)(N + 1) * sizeof(mpfr_t));
    if (!M || !d || !dv || !He) {
        free(M);
        free(d);
        free(dv);
        free(He);
        da_pieces_free(pc, np);
        da_exact_clear(ex);
        return DA_ENOMEM;
    }
    for (long j = 0; j <= J; j++)
        mpfr_init2(M[j], wp);
    for (int j = 0; j < maxdeg + 2; j++) {
        mpfr_init2(d[j], wp);
        mpfr_init2(dv[j], wp);
    }
    for (long k = 0; k <= N; k++)
        mpfr_init2(He[k], wp);
    mpfr_t t, u, ph, v;
    mpfr_inits2(wp, t, u, ph, v, (mpfr_ptr)0);

    for (int ip = 0; ip < np; ip++) {
        da_piece *P = &pc[ip];
        int m = P->deg;
        moments(M, J, P->lo, P->hi, wp);
        /* E sigma^2 and E sigma'^2 contributions */
        double mg;
        prod_integral(v, &mg, (const mpfr_t *)P->c, m, (const mpfr_t *)P->c, m,
                      (const mpfr_t *)M, t);
        mpfr_add(ex->s2, ex->s2, v, MPFR_RNDN);
        ex->log2mag_s2 = lse2(ex->log2mag_s2, mg);
        for (int j = 0; j <= m; j++)
            mpfr_set(d[j], P->c[j], MPFR_RNDN);
        poly_diff(d, m);
        if (m >= 1) {
            prod_integral(v, &mg, (const mpfr_t *)d, m - 1, (const mpfr_t *)d, m - 1,
                          (const mpfr_t *)M, t);
            mpfr_add(ex->d2, ex->d2, v, MPFR_RNDN);
            ex->log2mag_d2 = lse2(ex->log2mag_d2, mg);
        }
        /* the moment terms: A_k += int p^(k) phi for k <= m */
        for (int j = 0; j <= m; j++)
            mpfr_set(d[j], P->c[j], MPFR_RNDN);
        for (long k = 0; k <= N && k <= m; k++) {
            for (int j = 0; j <= m - k; j++) {
                if (mpfr_zero_p(d[j]))
                    continue;
                mpfr_mul(t, d[j], M[j], MPFR_RNDN);
                add_term(ex->A[k], &ex->log2mag[k], t);
            }
            poly_diff(d, (int)(m - k));
        }
        /* the boundary terms: -[sum_j p^(j) He_{k-1-j} phi]_lo^hi */
        for (int e = 0; e < 2; e++) {
            mpfr_srcptr b = e ? P->hi : P->lo;
            if (mpfr_inf_p(b))
                continue;
            int sgn = e ? -1 : 1;   /* -F(hi) + F(lo) */
            /* phi(b) */
            mpfr_sqr(t, b, MPFR_RNDN);
            mpfr_div_2ui(t, t, 1, MPFR_RNDN);
            mpfr_neg(t, t, MPFR_RNDN);
            mpfr_exp(t, t, MPFR_RNDN);
            mpfr_const_pi(u, MPFR_RNDN);
            mpfr_mul_2ui(u, u, 1, MPFR_RNDN);
            mpfr_rec_sqrt(u, u, MPFR_RNDN);
            mpfr_mul(ph, t, u, MPFR_RNDN);
            if (sgn < 0)
                mpfr_neg(ph, ph, MPFR_RNDN);
            /* p^(j)(b), j = 0..m, by Horner on successive derivatives */
            for (int j = 0; j <= m; j++)
                mpfr_set(d[j], P->c[j], MPFR_RNDN);
            for (int j = 0; j <= m; j++) {
                mpfr_set_zero(dv[j], 1);
                for (int i = m - j; i >= 0; i--) {
                    mpfr_mul(dv[j], dv[j], b, MPFR_RNDN);
                    mpfr_add(dv[j], dv[j], d[i], MPFR_RNDN);
                }
                mpfr_mul(dv[j], dv[j], ph, MPFR_RNDN);
                poly_diff(d, m - j);
            }
            /* He_i(b), i = 0..N-1 */
            if (N >= 1)
                mpfr_set_ui(He[0], 1, MPFR_RNDN);
            if (N >= 2)
                mpfr_set(He[1], b, MPFR_RNDN);
            for (long i = 1; i + 1 < N; i++) {
                mpfr_mul(t, b, He[i], MPFR_RNDN);
                mpfr_mul_ui(u, He[i - 1], (unsigned long)i, MPFR_RNDN);
                mpfr_sub(He[i + 1], t, u, MPFR_RNDN);
            }
            for (long k = 1; k <= N; k++) {
                for (int j = 0; j <= m && j <= k - 1; j++) {
                    if (mpfr_zero_p(dv[j]))
                        continue;
                    mpfr_mul(t, dv[j], He[k - 1 - j], MPFR_RNDN);
                    add_term(ex->A[k], &ex->log2mag[k], t);
                }
            }
        }
    }
    mpfr_clears(t, u, ph, v, (mpfr_ptr)0);
    for (long j = 0; j <= J; j++)
        mpfr_clear(M[j]);
    for (int j = 0; j < maxdeg + 2; j++) {
        mpfr_clear(d[j]);
        mpfr_clear(dv[j]);
    }
    for (long k = 0; k <= N; k++)
        mpfr_clear(He[k]);
    free(M);
    free(d);
    free(dv);
    free(He);
    da_pieces_free(pc, np);
    return DA_OK;
}

void da_exact_clear(da_exact *ex)
{
    if (!ex->A)
        return;
    for (long k = 0; k <= ex->N; k++)
        mpfr_clear(ex->A[k]);
    free(ex->A);
    free(ex->log2mag);
    ex->A = NULL;
    ex->log2mag = NULL;
    mpfr_clear(ex->s2);
    mpfr_clear(ex->d2);
}

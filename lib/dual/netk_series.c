/* netk_series.c -- the network kernels' series path in ball arithmetic
 * (docs/numerics.md section 7): for (u, v) Gaussian with Var u = q1,
 * Var v = q2, Cov = c and rho = c / sqrt(q1 q2),
 *
 *   F0 = E[sigma(u) sigma(v)]   = sum_k a_k(q1) a_k(q2) rho^k,
 *   F1 = E[sigma'(u) sigma'(v)] = (q1 q2)^(-1/2) sum_k k a_k(q1) a_k(q2) rho^(k-1),
 *
 * where a_k(q) are the Hermite coefficients of g_q(x) = sigma(sqrt(q) x)
 * (g_q' = sqrt(q) sigma'(sqrt(q) x) has coefficients sqrt(k+1) a_{k+1}).
 *
 * Series path.  The coefficients come from da_hermite_compute on the
 * activation sigma(sqrt(q~) x), where q~ is a decimal within
 * 10^-(digits+12) (relative) of the midpoint of the variance ball.  With
 * T_i = E g_i^2 - sum_{k<=N} a_k(q_i)^2 (the Parseval tails, upper ends)
 * and s = |rho| + rad(rho) the remainder of the truncated sums is, by
 * Cauchy-Schwarz on the tails,
 *     |sum_{k>N} k^(m) a_k a_k' rho^(k-m)| <= sqrt(T_1 T_2) max_{k>N} k^(m) s^(k-m),
 * and for m = 1 also <= sqrt(T'_1 T'_2) s^N with the derivative tails
 * T' = E g'^2 - sum_{k<=N} k a_k^2 (beta Var g from the engine), whichever
 * is smaller.  The radius of rho is propagated with the same bound one
 * order up (sum_{k<=N} k^(m+1) |a_k a_k'| s^(k-m-1) plus its tail).
 * Coefficient radii and rounding enter through ball arithmetic (Horner in
 * balls); the tails and derivative bounds are MPFR numbers rounded
 * upwards (no libm, no underflow).  N grows from 32, predicted from the
 * decay of the coefficients, until the remainder is below the target
 * (cap 4096).
 *
 * The variances.  rho is computed as c / sqrt(Xi_1 Xi_2), Xi_i the ball
 * around mid(q_i) that holds both q_i and q~_i, and cut to [-1, 1], so it
 * holds the true correlation.  At fixed |rho| <= 1 the kernel moves with
 * q_i by at most d_i D_i ||g_(q_j)|| (Cauchy-Schwarz on the coefficients,
 * then the mean value bound ||g_q - g_q~|| <= |q - q~| D), where d_i is
 * the distance of the ball q_i from q~_i and D_i a proved upper bound of
 * ||d g_t/dt|| = (E[X^2 sigma'(sqrt(t) X)^2] / (4t))^(1/2) over Xi_i
 * (netk_offset.c: ball enclosures of sigma' and the growth envelope; for
 * the derivative kernel sigma'' and h_t = sigma'(sqrt(t) x)).  Where no
 * such bound is proved (sigma may jump away from 0, no envelope, an
 * unbounded derivative) the term uses twice the norm estimated from the
 * truncated coefficients and the kernel becomes an estimate
 * (da_netk_rigorous, with the reason); so does a coefficient set the
 * engine did not prove (da_hermite.rigorous).  See series_eval_locked.
 *
 * Diagonal (x = x', rho = 1 exactly): F0 = E g^2, F1 = E g'^2 / q straight
 * from the engine's Parseval data, the variance offset d D (2 ||g|| + d D). */
#include <pthread.h>
#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual/netk_impl.h"
#include "dual/netk_ball.h"

/* the decimal q~ near the midpoint of q (digits + 12 significant digits) */
static int q_decimal(char *buf, size_t len, const da_ball q, long digits)
{
    if (mpfr_sgn(q->mid) <= 0)
        return da_fail(DA_EDOM, "variance %g is not positive", mpfr_get_d(q->mid, MPFR_RNDN));
    mpfr_exp_t ex;
    size_t nd = (size_t)digits + 12;
    if (nd > 1060)
        nd = 1060;
    char *s = mpfr_get_str(NULL, &ex, 10, nd, q->mid, MPFR_RNDN);
    if (!s)
        return DA_ENOMEM;
    snprintf(buf, len, "0.%se%ld", s, (long)ex);
    mpfr_free_str(s);
    return DA_OK;
}

/* the coefficients of sigma(sqrt(q~) x) up to degree at least N */
static int get_coefs(nk_coefs **out, da_netk *k, const char *qdec, long N)
{
    nk_coefs *c = NULL;
    for (int i = 0; i < k->ncache; i++)
        if (!strcmp(k->cache[i].qdec, qdec))
            c = &k->cache[i];
    if (c && c->N >= N) {
        c->used = ++k->clock;
        *out = c;
        return DA_OK;
    }
    /* build sigma(sqrt(q~) * x) */
    da_expr *num = da_expr_num(qdec);
    da_expr *sq = num ? da_expr_node(DA_E_FN, DA_F_SQRT, 1, num, NULL, NULL) : NULL;
    da_expr *x = sq ? da_expr_x() : NULL;
    da_expr *arg = x ? da_expr_node(DA_E_MUL, 0, 2, sq, x, NULL) : NULL;
    if (!arg) {
        if (sq && !x) da_expr_unref(sq);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    da_expr *g = da_expr_subst(k->act->expr, arg);
    da_expr_unref(arg);
    if (!g)
        return da_fail(DA_ENOMEM, "out of memory");
    da_act *ga = NULL;
    int st = da_act_from_expr(&ga, g, da_act_spec(k->act));
    if (st)
        return st;
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = N;
    ho.digits = k->digits + 8 + (long)ceil(1.5 * log10((double)N + 1));
    ho.raw = 1;
    da_hermite *h = NULL;
    st = da_hermite_compute(&h, ga, &ho);
    da_act_free(ga);
    if (!h)
        return st;
    if (!h->rigorous)
        da_netk_mark_estimate(k, "the Hermite coefficients of sigma(sqrt(q) x)", h->bound_reason);
    if (!c) {
        if (k->ncache < NK_CACHE) {
            c = &k->cache[k->ncache++];
            da_ball_init2(&c->q, k->prec);
        } else {
            c = &k->cache[0];
            for (int i = 1; i < k->ncache; i++)
                if (k->cache[i].used < c->used)
                    c = &k->cache[i];
            da_hermite_free(c->h);
            c->h = NULL;
        }
        snprintf(c->qdec, sizeof c->qdec, "%s", qdec);
        da_ball_set_decimal(&c->q, qdec);
    } else {
        da_hermite_free(c->h);
    }
    c->h = h;
    c->N = N;
    c->used = ++k->clock;
    *out = c;
    return st == DA_EACCURACY ? DA_EACCURACY : DA_OK;
}

/* ---- upper bounds in MPFR ------------------------------------------------
 *
 * The bounds of the series path (tails, derivative bounds, offsets) are
 * kept as DA_RAD_PREC-bit MPFR numbers rounded upwards: no libm function
 * enters them, and nothing underflows (at 400 digits the tails are far
 * below the smallest double). */

static void up_init(mpfr_t x)
{
    mpfr_init2(x, DA_RAD_PREC);
    mpfr_set_zero(x, 1);
}

/* x >= |b| */
static void b_abs_up(mpfr_t x, const da_ball b)
{
    mpfr_abs(x, b->mid, MPFR_RNDU);
    mpfr_add(x, x, b->rad, MPFR_RNDU);
}

/* x <= |b| (0 when the ball contains 0) */
static void b_abs_lo(mpfr_t x, const da_ball b)
{
    mpfr_abs(x, b->mid, MPFR_RNDD);
    mpfr_sub(x, x, b->rad, MPFR_RNDD);
    if (mpfr_sgn(x) < 0)
        mpfr_set_zero(x, 1);
}

/* r = a * b rounded up, with 0 * Inf = Inf (a bound, never NaN) */
static void up_mul(mpfr_t r, const mpfr_t a, const mpfr_t b)
{
    if ((mpfr_inf_p(a) && mpfr_zero_p(b)) || (mpfr_zero_p(a) && mpfr_inf_p(b)))
        mpfr_set_inf(r, 1);
    else
        mpfr_mul(r, a, b, MPFR_RNDU);
}

/* the natural log in double, for the degree prediction (-Inf at 0) */
static double ln_d(const mpfr_t x)
{
    if (mpfr_zero_p(x))
        return -INFINITY;
    if (!mpfr_number_p(x))
        return INFINITY;
    long e;
    double m = mpfr_get_d_2exp(&e, x, MPFR_RNDN);
    return log(m) + (double)e * M_LN2;
}

/* One side of the pair: coefficient balls (normalized if asked), tails
 * and norms. */
typedef struct {
    long N;
    da_ball_struct *a;    /* a[0..N] */
    mpfr_t T;             /* >= sum_{k>N} a_k^2 */
    mpfr_t Td;            /* >= sum_{k>N} k a_k^2 (+Inf when sigma jumps) */
    da_ball_struct n2;    /* E g^2 */
    da_ball_struct d2;    /* E g'^2 (mid Inf when infinite) */
    int d2inf;
    double q;             /* q~ (double, for the estimates below) */
    double dil[2];        /* estimates of ||dg/dq||, ||dh/dq|| (h = sigma'(sqrt q x)) from
                             the truncated coefficients: used only where no proof is made */
    int init;             /* n2, d2, T, Td initialized */
} side_t;

static void side_clear(side_t *s)
{
    if (!s->init)
        return;
    s->init = 0;
    if (s->a) {
        for (long i = 0; i <= s->N; i++)
            da_ball_clear(&s->a[i]);
        free(s->a);
    }
    da_ball_clear(&s->n2);
    da_ball_clear(&s->d2);
    mpfr_clears(s->T, s->Td, (mpfr_ptr)0);
}

static int side_make(side_t *s, const da_netk *k, const nk_coefs *c, long N)
{
    mpfr_prec_t p = k->prec;
    const da_hermite *h = c->h;
    memset(s, 0, sizeof *s);
    da_ball_init2(&s->n2, p);
    da_ball_init2(&s->d2, p);
    up_init(s->T);
    up_init(s->Td);
    s->init = 1;
    s->N = N;
    s->a = da_malloc((size_t)(N + 1) * sizeof *s->a);
    if (!s->a)
        return DA_ENOMEM;
    for (long i = 0; i <= N; i++) {
        da_ball_init2(&s->a[i], p);
        da_ball_set(&s->a[i], &h->a[i]);
    }
    s->q = mpfr_get_d(c->q.mid, MPFR_RNDN);
    mpfr_t v, acc;
    up_init(v);
    up_init(acc);
    /* tail beyond N: the engine's tail at its degree plus its coefficients beyond N */
    b_hi(s->T, &h->tail);
    if (mpfr_sgn(s->T) < 0)
        mpfr_set_zero(s->T, 1);
    for (long i = N + 1; i <= h->degree; i++) {
        b_abs_up(v, &h->a[i]);
        mpfr_sqr(v, v, MPFR_RNDU);
        mpfr_add(s->T, s->T, v, MPFR_RNDU);
    }
    da_ball_set(&s->n2, &h->norm2);
    /* E g'^2 = beta Var g (beta of the normalized g) */
    /* infinite only when sigma jumps; a beta that is merely not enclosed
       (the variance of g not separated from 0 at the accuracy asked: tanh
       at q = 1e-100) leaves E g'^2 unknown, NaN +- Inf, not infinite */
    s->d2inf = h->beta_infinite;
    int d2unknown = !s->d2inf && (!mpfr_number_p(h->beta.mid) || !mpfr_number_p(h->beta.rad));
    if (d2unknown) {
        mpfr_set_inf(s->Td, 1);
        mpfr_set_nan(s->d2.mid);
        mpfr_set_inf(s->d2.rad, 1);
    } else if (!s->d2inf) {
        da_ball bv, bb;
        da_ball_init2(bv, p);
        da_ball_init2(bb, p);
        da_ball_set(bv, &h->var);
        mpfr_set(bb->mid, h->beta.mid, MPFR_RNDN);
        mpfr_set(bb->rad, h->beta.rad, MPFR_RNDU);
        if (mpfr_get_prec(h->beta.mid) > p)
            da_ball_add_ulp(bb);
        da_ball_mul(&s->d2, bb, bv);
        da_ball_clear(bv);
        da_ball_clear(bb);
        /* Td = E g'^2 - sum_{k<=N} k a_k^2 (the sum from below) */
        for (long i = 1; i <= N; i++) {
            b_abs_lo(v, &h->a[i]);
            mpfr_sqr(v, v, MPFR_RNDD);
            mpfr_mul_si(v, v, i, MPFR_RNDD);
            mpfr_add(acc, acc, v, MPFR_RNDD);
        }
        b_hi(s->Td, &s->d2);
        mpfr_sub(s->Td, s->Td, acc, MPFR_RNDU);
        if (mpfr_sgn(s->Td) < 0)
            mpfr_set_zero(s->Td, 1);
    } else {
        mpfr_set_inf(s->Td, 1);
        mpfr_set_inf(s->d2.mid, 1);
    }
    if (k->normalized) {
        /* s = (sigma - m)/sd: a_0 -= m, everything / sd */
        da_ball sd, t;
        da_ball_init2(sd, p);
        da_ball_init2(t, p);
        da_ball_sqrt(sd, &k->var);
        /* n2 = (n2 - 2 m a_0 + m^2) / var */
        da_ball_mul(t, &k->mean, &s->a[0]);
        b_mul_2si(t, t, 1);
        da_ball_sub(&s->n2, &s->n2, t);
        da_ball_mul(t, &k->mean, &k->mean);
        da_ball_add(&s->n2, &s->n2, t);
        da_ball_div(&s->n2, &s->n2, &k->var);
        da_ball_sub(&s->a[0], &s->a[0], &k->mean);
        for (long i = 0; i <= N; i++)
            da_ball_div(&s->a[i], &s->a[i], sd);
        /* the tails / var, from below (positive: checked in da_netk_new) */
        b_lo(v, &k->var);
        mpfr_div(s->T, s->T, v, MPFR_RNDU);
        if (!s->d2inf) {
            mpfr_div(s->Td, s->Td, v, MPFR_RNDU);
            da_ball_div(&s->d2, &s->d2, &k->var);
        }
        da_ball_clear(sd);
        da_ball_clear(t);
    }
    mpfr_clears(v, acc, (mpfr_ptr)0);
    /* dilation norms (estimates from the truncated coefficients) */
    for (int m = 0; m < 2; m++) {
        double sum = 0;
        for (long i = 0; i + 2 + m <= N; i++) {
            double bi, bi2;
            if (m == 0) {
                bi = mpfr_get_d(s->a[i].mid, MPFR_RNDN);
                bi2 = mpfr_get_d(s->a[i + 2].mid, MPFR_RNDN);
            } else {
                bi = sqrt((double)i + 1) * mpfr_get_d(s->a[i + 1].mid, MPFR_RNDN) / sqrt(s->q);
                bi2 = sqrt((double)i + 3) * mpfr_get_d(s->a[i + 3].mid, MPFR_RNDN) / sqrt(s->q);
            }
            double d = ((double)i * bi + sqrt(((double)i + 1) * ((double)i + 2)) * bi2) / (2 * s->q);
            sum += d * d;
        }
        s->dil[m] = sqrt(sum);
    }
    return DA_OK;
}

/* r >= max_{k > N} k^m s^(k-m), 0 <= s <= 1, m = 0, 1, 2.  Over real
 * k the function is largest at k* = m / ln(1/s), where it equals
 * (m / (e ln(1/s)))^m s^(-m); when k* <= N + 1 it decreases beyond
 * N + 1 and the value there is the maximum. */
static void maxfall(mpfr_t r, long N, int m, const mpfr_t s)
{
    if (mpfr_zero_p(s)) {
        mpfr_set_ui(r, m == 0 ? 0 : (N + 1 <= m ? 1 : 0), MPFR_RNDU);
        return;
    }
    if (mpfr_cmp_ui(s, 1) >= 0) {
        if (m == 0)
            mpfr_set_ui(r, 1, MPFR_RNDU);
        else
            mpfr_set_inf(r, 1);
        return;
    }
    if (m == 0) {
        mpfr_pow_ui(r, s, (unsigned long)(N + 1), MPFR_RNDU);
        return;
    }
    mpfr_t L, t, u;
    up_init(L);
    up_init(t);
    up_init(u);
    /* L <= ln(1/s) */
    mpfr_log(L, s, MPFR_RNDU);
    mpfr_neg(L, L, MPFR_RNDN);
    if (mpfr_sgn(L) <= 0) {
        mpfr_set_inf(r, 1);
    } else {
        mpfr_ui_div(t, (unsigned long)m, L, MPFR_RNDU);   /* >= k* */
        if (mpfr_cmp_si(t, N + 1) <= 0) {
            mpfr_pow_ui(r, s, (unsigned long)(N + 1 - m), MPFR_RNDU);
            mpfr_set_si(t, N + 1, MPFR_RNDU);
            mpfr_pow_ui(t, t, (unsigned long)m, MPFR_RNDU);
            mpfr_mul(r, r, t, MPFR_RNDU);
        } else {
            mpfr_set_ui(u, 1, MPFR_RNDN);
            mpfr_exp(u, u, MPFR_RNDD);
            mpfr_mul(u, u, L, MPFR_RNDD);
            mpfr_ui_div(t, (unsigned long)m, u, MPFR_RNDU);
            mpfr_pow_ui(r, t, (unsigned long)m, MPFR_RNDU);
            mpfr_pow_ui(u, s, (unsigned long)m, MPFR_RNDD);
            mpfr_div(r, r, u, MPFR_RNDU);
        }
    }
    mpfr_clears(L, t, u, (mpfr_ptr)0);
}

/* the sum part: r = sum_{k<=N} k^(m) a_k b_k rho^(k-m) at the exact rho0,
 * with coefficient radii and rounding (ball Horner); dmag gets the
 * rho-derivative bound sum_{k=m+1}^N k^(m+1) |a_k b_k| s^(k-m-1) */
static void pair_sum(da_ball r, const side_t *x, const side_t *y, long N, const mpfr_t rho0,
                     const mpfr_t s, int m, mpfr_t dmag)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball acc, c, rb;
    b_init(acc, p); b_init(c, p); b_init(rb, p);
    mpfr_set(rb->mid, rho0, MPFR_RNDN);
    mpfr_set_zero(rb->rad, 1);
    b_set_si(acc, 0);
    /* Horner in balls: acc = acc rho + c_k, k from N down to m */
    for (long kk = N; kk >= m; kk--) {
        da_ball_mul(c, &x->a[kk], &y->a[kk]);
        if (m == 1) {
            mpfr_mul_si(c->mid, c->mid, kk, MPFR_RNDN);
            mpfr_mul_si(c->rad, c->rad, kk, MPFR_RNDU);
            da_ball_add_ulp(c);
        }
        da_ball_mul(acc, acc, rb);
        da_ball_add(acc, acc, c);
    }
    /* the derivative bound, Horner upwards */
    mpfr_t u, v;
    up_init(u);
    up_init(v);
    mpfr_set_zero(dmag, 1);
    for (long kk = N; kk >= m + 1; kk--) {
        b_abs_up(u, &x->a[kk]);
        b_abs_up(v, &y->a[kk]);
        mpfr_mul(u, u, v, MPFR_RNDU);
        mpfr_mul_si(u, u, m == 0 ? kk : kk * (kk - 1), MPFR_RNDU);
        mpfr_mul(dmag, dmag, s, MPFR_RNDU);
        mpfr_add(dmag, dmag, u, MPFR_RNDU);
    }
    mpfr_clears(u, v, (mpfr_ptr)0);
    da_ball_set(r, acc);
    da_ball_clear(acc); da_ball_clear(c); da_ball_clear(rb);
}

/* b = sqrt(X1 X2) f, the smaller of two such bounds kept by the callers */
static void cs_bound(mpfr_t b, const mpfr_t X1, const mpfr_t X2, const mpfr_t f)
{
    up_mul(b, X1, X2);
    mpfr_sqrt(b, b, MPFR_RNDU);
    up_mul(b, b, f);
}

/* r >= the truncation error of order m beyond N at |rho| <= s (Cauchy-
 * Schwarz on the tails); with dt = 1 the tail of the rho-derivative
 * (order m + 1) */
static void pair_tail(mpfr_t r, const side_t *x, const side_t *y, long N, int m,
                      const mpfr_t s, int dt)
{
    mpfr_t f, b2;
    up_init(f);
    up_init(b2);
    maxfall(f, N, m + dt, s);
    cs_bound(r, x->T, y->T, f);
    /* order 1 also: sum_{k>N} k |a_k b_k| s^(k-1) <= sqrt(Td1 Td2) s^N */
    if (m + dt == 1 && mpfr_number_p(x->Td) && mpfr_number_p(y->Td)) {
        mpfr_pow_ui(f, s, (unsigned long)N, MPFR_RNDU);
        cs_bound(b2, x->Td, y->Td, f);
        if (mpfr_cmp(b2, r) < 0)
            mpfr_set(r, b2, MPFR_RNDU);
    }
    mpfr_clears(f, b2, (mpfr_ptr)0);
}

static void rad_add(da_ball r, const mpfr_t e)
{
    if (mpfr_nan_p(e) || mpfr_sgn(e) < 0)
        mpfr_set_inf(r->rad, 1);
    else
        mpfr_add(r->rad, r->rad, e, MPFR_RNDU);
}

/* d >= distance of any point of the ball q from q~: rad(q) + |mid(q) - q~|
   + rad(q~) */
static void q_dist(mpfr_t d, const da_ball q, const da_ball qt)
{
    mpfr_sub(d, q->mid, qt->mid, MPFR_RNDA);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_add(d, d, q->rad, MPFR_RNDU);
    mpfr_add(d, d, qt->rad, MPFR_RNDU);
}

/* D >= sup over the segment xi of ||d g_t/dt|| (kind 0) or ||d h_t/dt||
 * (kind 1), from netk_offset.c, divided by sd when normalized; where no
 * proof is available, the estimate 2 est and the kernel becomes an
 * estimate (with the reason) */
static void off_bound(mpfr_t D, da_netk *k, int kind, const da_ball xi, double est)
{
    const char *why = NULL;
    if (!k->off && !k->off_tried) {
        k->off_tried = 1;
        if (da_netk_off_new(&k->off, k->act)) {
            snprintf(k->off_err, sizeof k->off_err, "sigma' or sigma'' could not be formed (%s)",
                     da_errmsg());
            da_clear_error();
        }
    }
    double d = INFINITY;
    if (!k->off)
        why = k->off_err;
    else if (da_netk_off_dnorm(&d, k->off, kind, da_ball_lo_d(xi), da_ball_hi_d(xi), &why)) {
        da_clear_error();
    } else {
        mpfr_set_d(D, d, MPFR_RNDU);
        if (k->normalized) {
            mpfr_t sd;
            up_init(sd);
            b_lo(sd, &k->var);
            mpfr_sqrt(sd, sd, MPFR_RNDD);
            mpfr_div(D, D, sd, MPFR_RNDU);
            mpfr_clear(sd);
        }
        return;
    }
    da_netk_mark_estimate(k, kind ? "the variances' radii in E[s'(u) s'(v)] (first-order estimate)"
                          : "the variances' radii in E[s(u) s(v)] (first-order estimate)",
                  why ? why : "no proof");
    mpfr_set_d(D, 2 * est, MPFR_RNDU);
}

/* xi = the ball around mid(q) that holds q and q~ (radius dist) */
static void xi_ball(da_ball xi, const da_ball q, const mpfr_t dist)
{
    mpfr_set(xi->mid, q->mid, MPFR_RNDN);
    mpfr_set(xi->rad, dist, MPFR_RNDU);
    if (mpfr_get_prec(xi->mid) < mpfr_get_prec(q->mid))
        da_ball_add_ulp(xi);
}

/* r = r intersected with [-1, 1] (the true correlation lies there) */
static void clamp_unit(da_ball r)
{
    mpfr_t lo, hi;
    mpfr_inits2(mpfr_get_prec(r->mid) + 8, lo, hi, (mpfr_ptr)0);
    b_lo(lo, r);
    b_hi(hi, r);
    if (mpfr_cmp_si(lo, -1) < 0 || mpfr_cmp_si(hi, 1) > 0) {
        if (mpfr_cmp_si(lo, -1) < 0) mpfr_set_si(lo, -1, MPFR_RNDN);
        if (mpfr_cmp_si(hi, 1) > 0) mpfr_set_si(hi, 1, MPFR_RNDN);
        if (mpfr_cmp(lo, hi) > 0) mpfr_set(lo, hi, MPFR_RNDN);
        b_from_interval(r, lo, hi);
    }
    mpfr_clears(lo, hi, (mpfr_ptr)0);
}

/* the next degree: from the decay of the tails over the second half of
 * the coefficients (at least doubling); tmp a scratch ball */
static long next_degree(const side_t *x, const side_t *y, long N, const mpfr_t s,
                        const mpfr_t tail, const mpfr_t target, da_ball tmp)
{
    long next = 2 * N;
    mpfr_t u, v;
    up_init(u); up_init(v);
    up_mul(u, x->T, y->T);
    mpfr_sqrt(u, u, MPFR_RNDN);                          /* T */
    mpfr_set(v, u, MPFR_RNDN);                           /* Th */
    for (long i = N / 2 + 1; i <= N; i++) {
        mpfr_mul(tmp->mid, x->a[i].mid, y->a[i].mid, MPFR_RNDN);
        mpfr_abs(tmp->mid, tmp->mid, MPFR_RNDN);
        mpfr_add(v, v, tmp->mid, MPFR_RNDN);
    }
    double lT = ln_d(u), lTh = ln_d(v);
    if (isfinite(lT) && lTh > lT && mpfr_cmp_ui(s, 1) < 0) {
        double lr = (lT - lTh) / (double)(N - N / 2) + ln_d(s);
        if (lr < 0) {
            double more = (ln_d(target) - ln_d(tail)) / lr;
            if (more < 1e6 && N + (long)ceil(1.25 * more) + 8 > next)
                next = N + (long)ceil(1.25 * more) + 8;
        }
    }
    mpfr_clears(u, v, (mpfr_ptr)0);
    return next > NK_NMAX ? NK_NMAX : next;
}

/* the sides x (and y, off the diagonal) of degree N, raised until the
 * tail at |rho| <= s is below target (or N = NK_NMAX); *N the degree
 * reached, *est DA_EACCURACY when a coefficient set is not proved */
static int sides_to_target(side_t *x, side_t *y, da_netk *k, const char *d1, const char *d2,
                           long *N, int diag, int m, const mpfr_t s, const mpfr_t target,
                           da_ball tmp, int *est)
{
    nk_coefs *c1 = NULL, *c2 = NULL;
    mpfr_t tail;
    up_init(tail);
    int st;
    for (;;) {
        st = get_coefs(&c1, k, d1, *N);
        if (st && st != DA_EACCURACY)
            break;
        if (st) *est = st;
        /* c1 may be evicted by the second lookup when the cache is full:
           take side x first */
        side_clear(x);
        memset(x, 0, sizeof *x);
        if ((st = side_make(x, k, c1, *N)))
            break;
        if (diag)
            break;
        st = get_coefs(&c2, k, d2, *N);
        if (st && st != DA_EACCURACY)
            break;
        if (st) *est = st;
        side_clear(y);
        memset(y, 0, sizeof *y);
        if ((st = side_make(y, k, c2, *N)))
            break;
        pair_tail(tail, x, y, *N, m, s, 0);
        if (mpfr_cmp(tail, target) <= 0 || *N >= NK_NMAX)
            break;
        *N = next_degree(x, y, *N, s, tail, target, tmp);
    }
    mpfr_clear(tail);
    return st == DA_EACCURACY ? DA_OK : st;
}

/* ||g_q~|| (m = 0) or ||h_q~|| = (E g'^2 / q~)^(1/2) (m = 1) of side x,
 * rounded upwards (+Inf where E g'^2 is) */
static void side_norm(mpfr_t Nn, const side_t *x, const da_ball qt, int m)
{
    if (m == 0) {
        b_hi(Nn, &x->n2);
    } else if (x->d2inf) {
        mpfr_set_inf(Nn, 1);
    } else {
        mpfr_t u;
        up_init(u);
        b_hi(Nn, &x->d2);
        b_lo(u, qt);
        mpfr_div(Nn, Nn, u, MPFR_RNDU);
        mpfr_clear(u);
    }
    mpfr_sqrt(Nn, Nn, MPFR_RNDU);
}

/* the diagonal: E g^2 or E g'^2 / q~, and the variance offset
 * d D (2 N + d D) */
static int diag_result(da_ball r, da_netk *k, const side_t *x, const da_ball qt1,
                       const mpfr_t dq1, const da_ball xi1, int m)
{
    if (m == 0)
        da_ball_set(r, &x->n2);
    else if (x->d2inf)
        return DA_EINFINITE;
    else
        da_ball_div(r, &x->d2, qt1);
    if (mpfr_zero_p(dq1))
        return DA_OK;
    mpfr_t N1, D1, u, v;
    up_init(N1); up_init(D1); up_init(u); up_init(v);
    side_norm(N1, x, qt1, m);
    off_bound(D1, k, m, xi1, x->dil[m]);
    up_mul(u, dq1, D1);
    mpfr_mul_2ui(v, N1, 1, MPFR_RNDU);
    mpfr_add(v, v, u, MPFR_RNDU);
    up_mul(u, u, v);
    rad_add(r, u);
    mpfr_clears(N1, D1, u, v, (mpfr_ptr)0);
    return DA_OK;
}

/* off the diagonal, (2): r = P_N(rho0) + tail + rad(rho) D.  The
 * truncation bound holds at every |rho| <= s, the true rho's included, so
 * the radius of rho moves only the partial sum P_N, whose slope on the
 * ball is at most D = sum_{k<=N} k^(m) |a_k b_k| s^(k-1-m) (pair_sum); no
 * tail of the derivative is needed (at s = 1 it may be infinite where the
 * kernel is not: the NTK near rho = 1).  For m = 1, divided by
 * sqrt(q~1 q~2). */
static void pair_result(da_ball r, const side_t *x, const side_t *y, long N, const da_ball rho,
                        const mpfr_t s, int m, const da_ball qt1, const da_ball qt2, da_ball tmp)
{
    mpfr_t D, tail, u;
    up_init(D); up_init(tail); up_init(u);
    pair_sum(r, x, y, N, rho->mid, s, m, D);
    pair_tail(tail, x, y, N, m, s, 0);
    rad_add(r, tail);
    if (!mpfr_zero_p(rho->rad)) {
        mpfr_set(u, rho->rad, MPFR_RNDU);
        up_mul(u, D, u);
        rad_add(r, u);
    }
    if (m == 1) {
        da_ball_mul(tmp, qt1, qt2);
        b_mono(tmp, tmp, MF_RSQRT);
        da_ball_mul(r, r, tmp);
    }
    mpfr_clears(D, tail, u, (mpfr_ptr)0);
}

/* (3), the variance offsets: d1 D1 (N2 + d2 D2) + N1 d2 D2 */
static void pair_offsets(da_ball r, da_netk *k, const side_t *x, const side_t *y,
                         const da_ball qt1, const da_ball qt2, const mpfr_t dq1,
                         const mpfr_t dq2, const da_ball xi1, const da_ball xi2, int m)
{
    if (mpfr_zero_p(dq1) && mpfr_zero_p(dq2))
        return;
    mpfr_t N1, N2, D1, D2, u, v;
    up_init(N1); up_init(N2); up_init(D1); up_init(D2); up_init(u); up_init(v);
    side_norm(N1, x, qt1, m);
    side_norm(N2, y, qt2, m);
    if (!mpfr_zero_p(dq1))
        off_bound(D1, k, m, xi1, x->dil[m]);
    if (!mpfr_zero_p(dq2))
        off_bound(D2, k, m, xi2, y->dil[m]);
    if (!mpfr_zero_p(dq1)) {
        mpfr_set(v, N2, MPFR_RNDU);
        if (!mpfr_zero_p(dq2)) {
            up_mul(u, dq2, D2);
            mpfr_add(v, v, u, MPFR_RNDU);
        }
        up_mul(u, dq1, D1);
        up_mul(u, u, v);
        rad_add(r, u);
    }
    if (!mpfr_zero_p(dq2)) {
        up_mul(u, dq2, D2);
        up_mul(u, u, N1);
        rad_add(r, u);
    }
    mpfr_clears(N1, N2, D1, D2, u, v, (mpfr_ptr)0);
}

/* The series path.  Writing G(t1, t2, rho) = E[g_t1(X) g_t2(Y)] (kind 0,
 * g_t = sigma(sqrt(t) .)) or E[h_t1(X) h_t2(Y)] (kind 1, h_t =
 * sigma'(sqrt(t) .)) with corr(X, Y) = rho, the result is
 * G(q1, q2, c/sqrt(q1 q2)) for the true q1, q2, c in their balls.
 * (1) rho_true = c/sqrt(q1 q2) lies in the ball c / sqrt(Xi1 Xi2), Xi_i
 *     the ball around mid(q_i) holding q_i and q~_i, and in [-1, 1];
 * (2) G(q~1, q~2, rho) is enclosed for every rho of that ball: the sum
 *     at its midpoint, the Cauchy-Schwarz tails, and rad(rho) times the
 *     bound of the rho-derivative (partial sum plus its own tail);
 * (3) |G(q1, q2, rho) - G(q~1, q~2, rho)| <= d1 D1 (N2 + d2 D2) + N1 d2 D2
 *     for |rho| <= 1 (Cauchy-Schwarz on the coefficients, then the mean
 *     value bound ||g_q - g_q~|| <= |q - q~| D), with d_i the distances,
 *     D_i >= sup ||dg_t/dt|| over Xi_i (netk_offset.c) and N_i = ||g_q~i||
 *     from the engine (E g^2, or E g'^2 / q~ for kind 1).
 * On the diagonal F = ||g_q||^2 and |F(q) - F(q~)| <= d D (2N + d D). */
static int series_eval_locked(da_ball r, da_netk *k, const da_ball q1, const da_ball q2,
                              const da_ball c, int diag, int m)
{
    char d1[1100], d2[1100];
    int st = q_decimal(d1, sizeof d1, q1, k->digits);
    if (!st && !diag)
        st = q_decimal(d2, sizeof d2, q2, k->digits);
    if (st)
        return st;
    if (diag || !strcmp(d1, d2))
        strcpy(d2, d1);
    mpfr_prec_t p = k->prec;
    da_ball rho, t, xi1, xi2, qt1, qt2;
    b_init(rho, p); b_init(t, p); b_init(xi1, p); b_init(xi2, p); b_init(qt1, p); b_init(qt2, p);
    mpfr_t target, dq1, dq2, s;
    up_init(target); up_init(dq1); up_init(dq2); up_init(s);
    mpfr_set_ui(target, 10, MPFR_RNDN);
    mpfr_pow_si(target, target, -k->digits, MPFR_RNDD);
    mpfr_div_2ui(target, target, 4, MPFR_RNDD);
    long N = k->lastN > 32 ? k->lastN : 32;
    int est = DA_OK;
    side_t x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    /* the decimals q~ as balls, the distances, the segments Xi */
    da_ball_set_decimal(qt1, d1);
    da_ball_set_decimal(qt2, d2);
    q_dist(dq1, q1, qt1);
    xi_ball(xi1, q1, dq1);
    if (!diag) {
        q_dist(dq2, q2, qt2);
        xi_ball(xi2, q2, dq2);
        /* rho = c / sqrt(Xi1 Xi2), within [-1, 1] */
        da_ball_mul(t, xi1, xi2);
        if (b_mono(t, t, MF_RSQRT)) {
            st = da_fail(DA_EDOM, "a variance ball reaches 0");
            goto out;
        }
        da_ball_mul(rho, c, t);
        clamp_unit(rho);
        b_abs_up(s, rho);
        if (mpfr_cmp_ui(s, 1) > 0)
            mpfr_set_ui(s, 1, MPFR_RNDN);
    }
    if ((st = sides_to_target(&x, &y, k, d1, d2, &N, diag, m, s, target, t, &est)))
        goto out;
    if (N > k->lastN)
        k->lastN = N;
    if (diag) {
        st = diag_result(r, k, &x, qt1, dq1, xi1, m);
    } else {
        pair_result(r, &x, &y, N, rho, s, m, qt1, qt2, t);
        pair_offsets(r, k, &x, &y, qt1, qt2, dq1, dq2, xi1, xi2, m);
    }
out:
    side_clear(&x);
    side_clear(&y);
    da_ball_clear(rho); da_ball_clear(t); da_ball_clear(xi1); da_ball_clear(xi2);
    da_ball_clear(qt1); da_ball_clear(qt2);
    mpfr_clears(target, dq1, dq2, s, (mpfr_ptr)0);
    if (st)
        return st;
    return est;
}

/* series_eval_locked under k's mutex (the cache, lastN, the offset
 * bounds and rigorous change there) */
int da_netk_series_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2,
                        const da_ball c, int diag, int m)
{
    pthread_mutex_lock(nk_lock(k));
    int st = series_eval_locked(r, k, q1, q2, c, diag, m);
    pthread_mutex_unlock(nk_lock(k));
    return st;
}


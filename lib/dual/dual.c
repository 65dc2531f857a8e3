/* dual.c -- the dual activation f = sigma_hat (raw or normalized) and its
 * first two derivatives, at a ball rho in [-1, 1], in MPFR and in double.
 *
 * Methods (chosen automatically, or forced by da_dual_opts.method):
 *   closed form  when the activation is recognized (closed.c); the
 *                normalized map is (R(rho) - R(0)) / (R(1) - R(0));
 *   series       f^(m)(rho) = sum_{k<=N} k^(m) c_k rho^(k-m) + remainder,
 *                c_k = a_k^2 (balls from da_hermite_compute).  With
 *                T = the Parseval tail sum_{k>N} c_k (a ball, its upper end
 *                used), the remainder of order m lies in
 *                    [0, T * max_{k>N} k^(m) |rho|^(k-m)]      (rho >= 0)
 *                    [-T max.., +T max..]                      (rho < 0),
 *                since c_k >= 0 and sum_{k>N} c_k = T; k^(m) is the falling
 *                factorial and k^m |rho|^(k-m) bounds it.  For m = 1 the
 *                remainder is also at most beta - sum_{k<=N} k c_k
 *                (beta = f'(1) = E sigma'^2), whichever is smaller.
 *                Rounding of Horner's rule: (2N + 4) 2^(1-p) sum k^(m) |c_k| |rho|^(k-m).
 * The degree N starts at 64 (a polynomial: its degree; a given degree:
 * that one) and grows until T |rho_max|^(N+1) is below the target: to the
 * degree predicted from the decay of the tail over the second half of the
 * coefficients, at least 2N, at most a cap by class and digits
 * (series_cap, a deterministic cost model; no timer).  At the cap,
 * evaluation reports DA_EACCURACY with the bound reached.
 *
 * Ball input rho~ +- r: with s = min(|rho~| + r, 1),
 *     |f^(m)(rho) - f^(m)(rho~)| <= f^(m+1)(s) r,
 * because |f^(m+1)(t)| <= f^(m+1)(|t|) and f^(m+1) increases on [0, 1]
 * (non-negative coefficients).  When f^(m+1)(s) is infinite (a jump or
 * kink at s = 1), the modulus of continuity f^(m)(s) - f^(m)(s - r) is used
 * instead (valid by convexity of f^(m) on [0, 1]). */
#include "core/core.h"
#include "core/arbinc.h"
#include "dual/dual.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void da_dual_opts_init(da_dual_opts *o)
{
    o->digits = 30;
    o->raw = 0;
    o->method = DA_DUAL_AUTO;
    o->degree = 0;
    o->rho_max = 1.0;
}

static double rad_d(const mpfr_t r)
{
    return mpfr_get_d(r, MPFR_RNDU);
}

static double falling(long k, int m)
{
    double f = 1;
    for (int j = 0; j < m; j++)
        f *= (double)(k - j);
    return f;
}

/* an upper bound of max_{k > N} k^(m) s^(k-m), 0 <= s <= 1 */
static double maxfall(long N, int m, double s)
{
    long k0 = N + 1 > m ? N + 1 : m;
    if (s == 0)
        return k0 == m ? falling(m, m) : 0;
    if (s >= 1)
        return m == 0 ? 1 : INFINITY;
    double ks = ceil((double)m / (1 - s)) - 1;
    double k = (double)k0 > ks ? (double)k0 : ks;
    double lg = (double)m * log(k) + (k - m) * log(s);
    return exp(lg) * (1 + 1e-9) + 0x1p-1070;
}

/* s^n for n >= 0 by squaring (relative error below 2^-48 for n < 2^20) */
static double powi(double s, long n)
{
    double r = 1, b = s;
    while (n > 0) {
        if (n & 1)
            r *= b;
        b *= b;
        n >>= 1;
    }
    return r;
}

#define NBAND 7
static const double band[NBAND] = {0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0};

/* ---- setup ----------------------------------------------------------- */

static void dual_clear_series(da_dual *d)
{
    if (d->c) {
        for (long k = 0; k <= d->N; k++)
            da_ball_clear(&d->c[k]);
        free(d->c);
        d->c = NULL;
    }
    for (int m = 0; m < 3; m++) {
        if (d->cm[m]) {
            for (long k = 0; k <= d->N; k++)
                mpfr_clear(d->cm[m][k]);
            free(d->cm[m]);
            d->cm[m] = NULL;
        }
    }
    free(d->cup);
    free(d->crad);
    free(d->cd);
    free(d->cd1);
    free(d->cd2);
    d->cup = d->crad = d->cd = d->cd1 = d->cd2 = NULL;
    da_hermite_free(d->h);
    d->h = NULL;
}

void da_dual_free(da_dual *d)
{
    if (!d)
        return;
    dual_clear_series(d);
    da_direct_clear(&d->direct);
    mpfr_clear(d->alpha);
    da_ball_clear(&d->R0);
    da_ball_clear(&d->R1);
    da_ball_clear(&d->scale);
    da_ball_clear(&d->norm2);
    da_ball_clear(&d->beta);
    free(d);
}

/* the largest automatic degree: a deterministic cost model of the
 * coefficient engine (about a second at the most on one core) */
static long series_cap(const da_act *act, long digits)
{
    switch (da_act_class(act)) {
    case DA_CLASS_PWPOLY:
        return 8192;
    case DA_CLASS_POLES:
        return digits <= 50 ? 2048 : digits <= 150 ? 512 : 128;
    case DA_CLASS_ENTIRE:
        return digits <= 50 ? 128 : 64;
    default:
        return digits <= 50 ? 256 : 128;
    }
}

/* the next degree of series_degree: predicted from the decay of the tail
   T over the second half of the coefficients of h (T_{N/2} = T_N +
   sum_{N/2<k<=N} a_k^2) for the remainder have to reach target at rmax;
   2N when no decay is seen, cap when the prediction is beyond reach */
static long next_degree(const da_hermite *h, long N, double T, double have, double target,
                        double rmax, long cap)
{
    double Th = T;
    for (long k = N / 2 + 1; k <= N; k++)
        Th += mpfr_get_d(h->a[k].mid, MPFR_RNDN) * mpfr_get_d(h->a[k].mid, MPFR_RNDN);
    long next = 2 * N;
    if (T > 0 && Th > T) {
        double lr = log(T / Th) / (double)(N - N / 2) + log(rmax);   /* log of r rho per term */
        if (lr < 0) {
            double more = log(target / have) / lr;
            if (more < 1e7) {
                long want = N + (long)ceil(1.25 * more) + 8;
                if (want > next)
                    next = want;
            } else {
                next = cap;
            }
        } else {
            next = cap;
        }
    }
    return next < cap ? next : cap;
}

/* Step 1 of setup_series: the degree N (*Nout) and the Hermite
   coefficients d->h: the polynomial's degree, the degree asked, or from
   64 up to the cap until the remainder (and the first derivative's) is
   below 10^-digits / 8 at rho_max.  *hst the status of the last
   da_hermite_compute; returns it when no coefficients came, else DA_OK. */
static int series_degree(da_dual *d, const da_dual_opts *o, int poly, long *Nout, int *hst)
{
    const da_act *act = d->act;
    long target_digits = d->digits;
    double target = pow(10.0, -(double)target_digits) / 8;
    double rmax = o->rho_max > 0 && o->rho_max <= 1 ? o->rho_max : 1;
    long N;
    if (poly)
        N = act->info.poly_degree > 3 ? act->info.poly_degree : 3;
    else
        N = o->degree > 0 ? o->degree : 64;
    long cap = o->degree > 0 ? o->degree : series_cap(act, target_digits);
    if (!poly && o->degree <= 0 && N > cap)
        N = cap;
    for (;;) {
        da_hermite_opts ho;
        da_hermite_opts_init(&ho);
        ho.degree = N;
        ho.digits = target_digits + 3 + (long)ceil(1.5 * log10((double)N + 1));
        ho.raw = d->raw;
        da_hermite *h = NULL;
        *hst = da_hermite_compute(&h, act, &ho);
        if (!h)
            return *hst;
        da_hermite_free(d->h);
        d->h = h;
        if (poly || o->degree > 0 || N >= cap)
            break;
        double T = da_ball_hi_d(&h->tail);
        if (T < 0)
            T = 0;
        /* the first derivative's remainder too (the NTK needs it):
           T max_{k>N} k rmax^(k-1); at rmax = 1 it is bounded through
           beta instead, and the value's remainder T decides */
        double have = rmax < 1 ? T * fmax(powi(rmax, N + 1), maxfall(N, 1, rmax)) : T;
        if (have <= target)
            break;
        N = next_degree(h, N, T, have, target, rmax, cap);
    }
    *Nout = N;
    return DA_OK;
}

/* Step 2: the series' coefficients c_k = a_k^2 (balls), their upper ends
   cup and radii crad in double, c_k k^(m) in MPFR (cm, m < 3), and the
   sums S_m, Rs_m of k^(m) cup_k and k^(m) crad_k (m < 4, rounded up).
   DA_OK or DA_ENOMEM. */
static int series_coeffs(da_dual *d)
{
    long N = d->N;
    da_hermite *h = d->h;
    mpfr_prec_t p = d->prec;
    d->c = da_malloc((size_t)(N + 1) * sizeof *d->c);
    d->cup = da_malloc((size_t)(N + 1) * sizeof(double));
    d->crad = da_malloc((size_t)(N + 1) * sizeof(double));
    for (int m = 0; m < 3; m++)
        d->cm[m] = da_malloc((size_t)(N + 1) * sizeof(mpfr_t));
    if (!d->c || !d->cup || !d->crad || !d->cm[0] || !d->cm[1] || !d->cm[2])
        return DA_ENOMEM;
    for (int m = 0; m < 4; m++)
        d->S[m] = d->Rs[m] = 0;
    for (long k = 0; k <= N; k++) {
        da_ball_init2(&d->c[k], p);
        da_ball_mul(&d->c[k], &h->a[k], &h->a[k]);
        d->cup[k] = da_ball_hi_d(&d->c[k]);
        if (d->cup[k] < 0)
            d->cup[k] = 0;
        d->crad[k] = rad_d(d->c[k].rad);
        for (int m = 0; m < 3; m++) {
            mpfr_init2(d->cm[m][k], p);
            mpfr_mul_d(d->cm[m][k], d->c[k].mid, falling(k, m), MPFR_RNDN);
        }
        for (int m = 0; m < 4; m++) {
            d->S[m] += falling(k, m) * d->cup[k];
            d->Rs[m] += falling(k, m) * d->crad[k];
        }
    }
    for (int m = 0; m < 4; m++) {
        d->S[m] *= 1 + 1e-12;
        d->Rs[m] *= 1 + 1e-12;
    }
    return DA_OK;
}

/* Step 3: the remainders: Tup (sum_{k>N} c_k, 0 for a polynomial), f(1)
   (norm2), f'(1) (beta, infinite when unknown) and d1tail, the bound
   beta - sum_{k<=N} k c_k on sum_{k>N} k c_k */
static void series_tails(da_dual *d, int poly)
{
    long N = d->N;
    da_hermite *h = d->h;
    d->Tup = da_ball_hi_d(&h->tail);
    if (!(d->Tup >= 0))
        d->Tup = isnan(d->Tup) ? INFINITY : 0;
    if (poly)
        d->Tup = 0;   /* the coefficients beyond the degree vanish exactly */
    /* f(1) and f'(1) */
    da_ball_set(&d->norm2, &h->norm2);
    d->beta_inf = h->beta_infinite || mpfr_nan_p(h->beta.mid) || !mpfr_number_p(h->beta.rad);
    if (!d->beta_inf) {
        if (d->raw)
            da_ball_mul(&d->beta, &h->beta, &h->var);
        else
            da_ball_set(&d->beta, &h->beta);
        /* sum_{k>N} k c_k <= beta - sum_{k<=N} k c_k */
        mpfr_t s, t;
        mpfr_inits2(DA_RAD_PREC, s, t, (mpfr_ptr)0);
        mpfr_set_zero(s, 1);
        for (long k = 1; k <= N; k++) {
            mpfr_sub(t, d->c[k].mid, d->c[k].rad, MPFR_RNDD);
            mpfr_mul_ui(t, t, (unsigned long)k, MPFR_RNDD);
            mpfr_add(s, s, t, MPFR_RNDD);
        }
        mpfr_add(t, d->beta.mid, d->beta.rad, MPFR_RNDU);
        mpfr_sub(t, t, s, MPFR_RNDU);
        d->d1tail = mpfr_get_d(t, MPFR_RNDU);
        if (d->d1tail < 0 || poly)
            d->d1tail = 0;
        mpfr_clears(s, t, (mpfr_ptr)0);
    } else {
        d->d1tail = INFINITY;
        mpfr_set_inf(d->beta.mid, 1);
        mpfr_set_zero(d->beta.rad, 1);
    }
}

/* Step 4: the double path: the degree Nd (terms summing below 2^-60 S0
   dropped into Td), the shorter degrees of the |rho| bands, the double
   coefficients of f, f', f'' and their error bounds errd.  DA_OK or
   DA_ENOMEM. */
static int series_double(da_dual *d)
{
    long N = d->N;
    long Nd = N;
    double dropped = 0;
    while (Nd > 1 && dropped + d->cup[Nd] <= 0x1p-60 * d->S[0]) {
        dropped += d->cup[Nd];
        Nd--;
    }
    d->Nd = Nd;
    d->Td = (d->Tup + dropped) * (1 + 1e-12);
    /* bands of |rho|: a shorter Horner where the dropped terms are below
       2^-60 S0 at the band's largest |rho| */
    for (int b = 0; b < NBAND; b++) {
        long nb = Nd;
        double tb = d->Td, sb = band[b];
        while (nb > 1 && (tb + d->cup[nb]) * powi(sb, nb) <= 0x1p-60 * d->S[0]) {
            tb += d->cup[nb];
            nb--;
        }
        d->Nb[b] = nb;
        d->Tb[b] = tb * (1 + 1e-12);
    }
    d->cd = da_malloc((size_t)(Nd + 1) * sizeof(double));
    d->cd1 = da_malloc((size_t)(Nd + 1) * sizeof(double));
    d->cd2 = da_malloc((size_t)(Nd + 1) * sizeof(double));
    if (!d->cd || !d->cd1 || !d->cd2)
        return DA_ENOMEM;
    double ce[3] = {0, 0, 0};
    for (long k = 0; k <= Nd; k++) {
        d->cd[k] = mpfr_get_d(d->c[k].mid, MPFR_RNDN);
        d->cd1[k] = d->cd[k] * (double)k;
        d->cd2[k] = d->cd[k] * (double)k * (double)(k ? k - 1 : 0);
        for (int m = 0; m < 3; m++)
            ce[m] += falling(k, m) * (d->crad[k] + fabs(d->cd[k]) * 0x1p-52);
    }
    for (int m = 0; m < 3; m++)
        d->errd[m] = (ce[m] + (double)(2 * Nd + 8) * 0x1p-52 * d->S[m]) * (1 + 1e-10);
    return DA_OK;
}

/* The Hermite series path of da_dual_new, in steps: the degree and the
   coefficients (series_degree), the squares c_k (series_coeffs), the
   remainders (series_tails), the double path (series_double). */
static int setup_series(da_dual *d, const da_dual_opts *o)
{
    int poly = da_act_class(d->act) == DA_CLASS_POLY;
    int hst = DA_OK;
    long N = 0;
    int st = series_degree(d, o, poly, &N, &hst);
    if (st)
        return st;
    d->N = N;
    d->poly = poly;
    if (series_coeffs(d))
        return DA_ENOMEM;
    series_tails(d, poly);
    if (series_double(d))
        return DA_ENOMEM;
    snprintf(d->method, sizeof d->method, "Hermite series, N = %ld (%s)", N, d->h->method);
    return hst == DA_EACCURACY ? DA_EACCURACY : DA_OK;
}

int da_dual_new(da_dual **out, const da_act *act, const da_dual_opts *opts)
{
    *out = NULL;
    da_dual_opts o;
    if (opts)
        o = *opts;
    else
        da_dual_opts_init(&o);
    if (!act)
        return da_fail(DA_EINVAL, "no activation");
    if (o.digits < 1 || o.digits > 3000)
        return da_fail(DA_EINVAL, "digits %ld out of range [1, 3000]", o.digits);
    if (o.degree < 0 || o.degree > 100000)
        return da_fail(DA_EINVAL, "degree %ld out of range [0, 100000]", o.degree);
    if (!(o.rho_max >= 0 && o.rho_max <= 1))
        return da_fail(DA_EINVAL, "rho_max must lie in [0, 1]");
    da_dual *d = da_calloc(1, sizeof *d);
    if (!d)
        return DA_ENOMEM;
    d->act = act;
    d->raw = o.raw != 0;
    d->digits = o.digits;
    d->prec = da_digits_to_bits(o.digits) + 32;
    d->N = -1;
    mpfr_init2(d->alpha, d->prec);
    mpfr_set_zero(d->alpha, 1);
    da_ball_init2(&d->R0, d->prec);
    da_ball_init2(&d->R1, d->prec);
    da_ball_init2(&d->scale, d->prec);
    da_ball_init2(&d->norm2, d->prec);
    da_ball_init2(&d->beta, d->prec);
    d->jump = da_act_has_jump(act);
    int st = DA_OK;
    int have_cf = o.method != DA_DUAL_SERIES && da_dual_cf_detect(d);
    if (o.method == DA_DUAL_CLOSED && !have_cf) {
        da_dual_free(d);
        return da_fail(DA_EINVAL, "no closed form known for '%s'", da_act_spec(act));
    }
    if (have_cf) {
        d->use_closed = 1;
        mpfr_t z;
        mpfr_init2(z, 2);
        mpfr_set_ui(z, 0, MPFR_RNDN);
        st = da_dual_cf_raw(&d->R0, d, z, 0, d->prec);
        mpfr_set_ui(z, 1, MPFR_RNDN);
        if (!st)
            st = da_dual_cf_raw(&d->R1, d, z, 0, d->prec);
        mpfr_clear(z);
        if (st) {
            da_dual_free(d);
            return da_fail(DA_EDOM, "closed form of '%s' failed", da_act_spec(act));
        }
        if (d->raw) {
            mpfr_set_ui(d->scale.mid, 1, MPFR_RNDN);
        } else {
            da_ball_sub(&d->scale, &d->R1, &d->R0);
            if (da_ball_lo_d(&d->scale) <= 0) {
                da_dual_free(d);
                return da_fail(DA_EDOM, "activation '%s' has zero variance: it cannot be normalized (set raw = 1 to use sigma itself)",
                               da_act_spec(act));
            }
        }
        d->R0d = mpfr_get_d(d->R0.mid, MPFR_RNDN);
        d->scaled = mpfr_get_d(d->scale.mid, MPFR_RNDN);
        snprintf(d->method, sizeof d->method, "closed form (%s)", d->cf_name);
        /* f(1) and f'(1) for the kernel maps */
        da_ball_sub(&d->norm2, &d->R1, &d->R0);
        if (d->raw)
            da_ball_set(&d->norm2, &d->R1);
        else
            mpfr_set_ui(d->norm2.mid, 1, MPFR_RNDN), mpfr_set_zero(d->norm2.rad, 1);
        *out = d;
        return DA_OK;
    }
    st = setup_series(d, &o);
    if (st && st != DA_EACCURACY) {
        da_dual_free(d);
        return st;
    }
    /* the direct quadrature near rho = 1, unless the series alone was asked for */
    if (!d->poly && d->h && d->h->rigorous && o.method != DA_DUAL_SERIES) {
        if (da_direct_setup(&d->direct, act) != DA_OK) {
            da_dual_free(d);
            return DA_ENOMEM;
        }
        if (d->direct.ok) {
            size_t l = strlen(d->method);
            snprintf(d->method + l, sizeof d->method - l, "; near rho = 1: direct two-level quadrature (proved)");
        }
    }
    *out = d;
    return DA_OK;   /* the accuracy is judged at evaluation */
}

const char *da_dual_method(const da_dual *d) { return d->method; }
const char *da_dual_closed_form(const da_dual *d) { return d->use_closed ? d->cf_name : ""; }
long da_dual_degree(const da_dual *d) { return d->use_closed ? -1 : d->N; }

int da_dual_rigorous(const da_dual *d)
{
    return d->use_closed || (d->h && d->h->rigorous);
}

const char *da_dual_bound_reason(const da_dual *d)
{
    if (da_dual_rigorous(d))
        return "";
    return d->h ? d->h->bound_reason : "no Hermite data";
}
mpfr_prec_t da_dual_prec(const da_dual *d) { return d->prec; }
int da_dual_normalized(const da_dual *d) { return !d->raw; }
long da_dual_digits(const da_dual *d) { return d->digits; }

/* ---- evaluation at a point --------------------------------------------- */

/* sign of an infinite closed-form derivative at rho = +-1 */
static int inf_sign(const da_dual *d, const mpfr_t rho, int k)
{
    double x = mpfr_get_d(rho, MPFR_RNDN) * (1 - 1e-9);
    double v = da_dual_cf_raw_d(d, x, k, NULL);
    return v < 0 ? -1 : 1;
}

static int eval_closed(da_ball r, const da_dual *d, const mpfr_t rho, int k)
{
    mpfr_prec_t pr = mpfr_get_prec(r->mid);
    da_ball t;
    da_ball_init2(t, pr + 16);
    int st = da_dual_cf_raw(t, d, rho, k, pr + 16);
    if (st == DA_EINFINITE) {
        da_ball_clear(t);
        mpfr_set_inf(r->mid, inf_sign(d, rho, k));
        mpfr_set_zero(r->rad, 1);
        return DA_EINFINITE;
    }
    if (st) {
        da_ball_clear(t);
        return st;
    }
    if (!d->raw) {
        if (k == 0)
            da_ball_sub(t, t, &d->R0);
        da_ball_div(t, t, &d->scale);
    }
    da_ball_set(r, t);
    da_ball_clear(t);
    return DA_OK;
}

/* double Horner of falling(k,m) v_k s^(k-m), k = m..N, v >= 0, s >= 0,
 * rounded so that the result is an upper bound.  With u = 2^-53, every
 * product is p(1 + d) + e with |d| <= u, |e| <= u 2^-1074 (the underflow:
 * |e| is half a subnormal unit), and every sum of two non-negative doubles
 * is exact when subnormal, (a + b)(1 + d) otherwise; falling(k, m) is
 * exact (m <= 2, k < 2^26).  Since s <= 1 and every term is non-negative,
 * the computed y is at least (1 - u)^(2(N+1)) times the true value less
 * 2(N + 1) half-units, (N + 1) 2^-1074; the last two operations round
 * relatively (1 - u)^3 once more.  The relative margin (4N + 8) u exceeds
 * the (2N + 5) u needed, and the absolute term (N + 2) 2^-1072 (an exact
 * double) exceeds the underflow, which a fixed floor of 2^-1070 only
 * covered up to N = 15 (tested by check_dual's horner_underflow). */
double da_horner_up(const double *v, long N, int m, double s)
{
    double y = 0;
    for (long k = N; k >= m; k--)
        y = y * s + falling(k, m) * v[k];
    return y * (1 + (double)(4 * N + 8) * 0x1p-53) + (double)(N + 2) * 0x1p-1072;
}

static int eval_series(da_ball r, const da_dual *d, const mpfr_t rho, int k)
{
    long N = d->N;
    /* |rho| rounded up: away from zero (RNDU would round a negative rho
       towards zero and underestimate |rho|) */
    double s = fabs(mpfr_get_d(rho, MPFR_RNDA));
    if (s > 1)
        s = 1;
    int pos = mpfr_sgn(rho) >= 0;
    if (mpfr_cmp_ui(rho, 1) == 0 && k <= 1) {
        if (k == 0) {
            da_ball_set(r, &d->norm2);
            return DA_OK;
        }
        if (d->beta_inf) {
            /* infinite when sigma jumps; otherwise unknown: NaN +- Inf, never
               a number (inf +- 0 would read as a proved infinity) */
            if (d->jump) {
                mpfr_set_inf(r->mid, 1);
                mpfr_set_zero(r->rad, 1);
                return DA_EINFINITE;
            }
            mpfr_set_nan(r->mid);
            mpfr_set_inf(r->rad, 1);
            return da_fail(DA_EACCURACY, "f'(1) unknown (E sigma'^2 not enclosed)");
        }
        da_ball_set(r, &d->beta);
        return DA_OK;
    }
    mpfr_prec_t pr = mpfr_get_prec(r->mid) + 8;
    mpfr_t y;
    mpfr_init2(y, pr);
    mpfr_set_zero(y, 1);
    for (long j = N; j >= k; j--) {
        mpfr_mul(y, y, rho, MPFR_RNDN);
        mpfr_add(y, y, d->cm[k][j], MPFR_RNDN);
    }
    double rad = da_horner_up(d->crad, N, k, s);
    /* ldexp: 2^(1 - p) itself underflows to 0 beyond p = 1075 bits */
    rad += ldexp((double)(2 * N + 6) * da_horner_up(d->cup, N, k, s),
                 1 - (int)(pr - 8 < d->prec ? pr - 8 : d->prec));
    /* a tail bound of 0 is a finite expansion (a polynomial): no tail at
       any |rho| <= 1, where maxfall may be infinite (0 * inf is NaN) */
    double tail = d->Tup > 0 ? d->Tup * maxfall(N, k, s) : 0;
    if (k == 1 && d->d1tail < tail)
        tail = d->d1tail;
    if (pos && isfinite(tail)) {
        mpfr_t h;
        mpfr_init2(h, 64);
        mpfr_set_d(h, tail / 2, MPFR_RNDN);
        mpfr_add(y, y, h, MPFR_RNDN);
        mpfr_clear(h);
        tail = tail / 2 * (1 + 1e-15) + 0x1p-1070;
    }
    /* 1e-12 covers the relative roundings of the few operations since
       da_horner_up, 2^-1071 the underflow of its three products (ldexp,
       Tup maxfall and this one), at most half a subnormal unit each */
    rad = (rad + tail) * (1 + 1e-12) + 0x1p-1071;
    mpfr_set_zero(r->rad, 1);
    mpfr_set_d(r->rad, rad, MPFR_RNDU);
    mpfr_t u;
    mpfr_init2(u, DA_RAD_PREC);
    if (!mpfr_number_p(y)) {
        /* a rho that is not a number (NaN, inf) encloses nothing */
        mpfr_set_inf(r->rad, 1);
    } else if (!mpfr_zero_p(y)) {
        /* the rounding of the additions above (pr bits, N + 4 of them) */
        mpfr_set_ui_2exp(u, (unsigned long)(N + 4), mpfr_get_exp(y) - (mpfr_exp_t)pr + 1, MPFR_RNDU);
        mpfr_add(r->rad, r->rad, u, MPFR_RNDU);
    }
    if (mpfr_set(r->mid, y, MPFR_RNDN))
        da_ball_add_ulp(r);   /* the rounding to r's precision */
    mpfr_clear(u);
    mpfr_clear(y);
    return DA_OK;
}

/* f(rho) by the direct quadrature (direct.c), when the series has not
   reached the target: raw E[sigma(X) sigma(Y)] (at |rho| for an even or
   odd sigma when rho < 0), then normalized as the series is,
   (R - mean^2) / var.  Replaces r only by a narrower ball. */
static void eval_direct(da_ball r, const da_dual *d, const mpfr_t rho)
{
    double target = pow(10.0, -(double)d->digits) / 8;
    /* rho < 0 through the parity of sigma: R(-rho) = +-R(rho) */
    int neg = mpfr_sgn(rho) < 0;
    if (!d->direct.ok || (neg && !d->direct.parity) || mpfr_cmpabs_ui(rho, 1) >= 0 ||
        !(mpfr_get_d(r->rad, MPFR_RNDU) > target))
        return;
    slong prec = (slong)mpfr_get_prec(r->mid) + 24;
    arb_t x, v, m;
    arb_init(x); arb_init(v); arb_init(m);
    arf_set_mpfr(arb_midref(x), rho);
    arb_abs(x, x);
    double scale = 1;
    if (!d->raw)
        scale = fmax(da_ball_lo_d(&d->h->var), 0);
    if (scale > 0) {
        int st = da_direct_eval(v, &d->direct, x, log2(target * scale / 2), prec);
        if (st == DA_OK && arb_is_finite(v)) {
            if (neg && d->direct.parity < 0)
                arb_neg(v, v);
            if (!d->raw) {
                da_arb_set_ball(m, &d->h->mean);
                arb_sqr(m, m, prec);
                arb_sub(v, v, m, prec);
                da_arb_set_ball(m, &d->h->var);
                arb_div(v, v, m, prec);
            }
            mpfr_t rr;
            mpfr_init2(rr, DA_RAD_PREC);
            arf_t rad;
            arf_init(rad);
            arf_set_mag(rad, arb_radref(v));
            arf_get_mpfr(rr, rad, MPFR_RNDU);
            arf_clear(rad);
            if (arb_is_finite(v) && mpfr_cmp(rr, r->rad) < 0)
                da_ball_set_arb(r, v);
            mpfr_clear(rr);
        }
    }
    arb_clear(x); arb_clear(v); arb_clear(m);
}

int da_dual_eval_point(da_ball r, const da_dual *d, const mpfr_t rho, int k)
{
    if (d->use_closed)
        return eval_closed(r, d, rho, k);
    int st = eval_series(r, d, rho, k);
    if (st == DA_OK && k == 0)
        eval_direct(r, d, rho);
    return st;
}

double da_dual_upper_d(const da_dual *d, double s, int k)
{
    if (s > 1)
        s = 1;
    if (s < 0)
        s = 0;
    if (d->use_closed) {
        da_ball t;
        da_ball_init2(t, 64);
        mpfr_t x;
        mpfr_init2(x, 53);
        mpfr_set_d(x, s, MPFR_RNDU);
        int st = da_dual_cf_raw(t, d, x, k, 64);
        double v = st ? INFINITY : da_ball_hi_d(t);
        if (!st && !d->raw) {
            if (k == 0)
                v = v - da_ball_lo_d(&d->R0);
            v = v / da_ball_lo_d(&d->scale);
            v *= 1 + 1e-14;
        }
        mpfr_clear(x);
        da_ball_clear(t);
        return v;
    }
    if (s == 1 && k == 0)
        return da_ball_hi_d(&d->norm2);
    if (s == 1 && k == 1)
        return d->beta_inf ? INFINITY : da_ball_hi_d(&d->beta);
    double v = da_horner_up(d->cup, d->N, k, s);
    double tail = d->Tup > 0 ? d->Tup * maxfall(d->N, k, s) : 0;   /* as in eval_series */
    if (k == 1 && d->d1tail < tail)
        tail = d->d1tail;
    return (v + tail) * (1 + 1e-12) + 0x1p-1071;   /* as in eval_series */
}

int da_dual_eval(da_ball r, const da_dual *d, const da_ball rho, int k)
{
    if (k < 0 || k > 2)
        return da_fail(DA_EINVAL, "derivative order %d out of range [0, 2]", k);
    if (!mpfr_number_p(rho->mid) || !mpfr_number_p(rho->rad))
        return da_fail(DA_EINVAL, "rho is not a finite ball");
    mpfr_t m;
    mpfr_init2(m, mpfr_get_prec(rho->mid));
    mpfr_set(m, rho->mid, MPFR_RNDN);
    double rr = mpfr_get_d(rho->rad, MPFR_RNDU);
    {
        mpfr_t lo;
        mpfr_init2(lo, DA_RAD_PREC);
        mpfr_abs(lo, m, MPFR_RNDD);
        mpfr_sub(lo, lo, rho->rad, MPFR_RNDD);
        int out = mpfr_cmp_ui(lo, 1) > 0;
        mpfr_clear(lo);
        if (out) {
            mpfr_clear(m);
            return da_fail(DA_EDOM, "rho = %.17g lies outside [-1, 1]", mpfr_get_d(rho->mid, MPFR_RNDN));
        }
    }
    /* the true rho lies in [-1, 1]: clamping the midpoint keeps it within rr */
    if (mpfr_cmp_ui(m, 1) > 0)
        mpfr_set_ui(m, 1, MPFR_RNDN);
    if (mpfr_cmp_si(m, -1) < 0)
        mpfr_set_si(m, -1, MPFR_RNDN);
    int st = da_dual_eval_point(r, d, m, k);
    if (st == DA_EINFINITE || (st && st != DA_EACCURACY)) {
        mpfr_clear(m);
        if (st == DA_EINFINITE)
            return da_fail(DA_EINFINITE, "derivative %d of the dual is infinite at rho = %.17g", k,
                           mpfr_get_d(rho->mid, MPFR_RNDN));
        return st;
    }
    if (rr > 0) {
        double s = fabs(mpfr_get_d(m, MPFR_RNDA)) + rr;
        s = s * (1 + 1e-15);
        if (s > 1)
            s = 1;
        double B = k + 1 <= 3 ? da_dual_upper_d(d, s, k + 1) : INFINITY;
        double add;
        if (isfinite(B)) {
            add = B * rr * (1 + 1e-15);
        } else {
            /* modulus of continuity at the working precision:
               f^(k)(S) - f^(k)(S - r), S = min(|m| + r, 1) */
            mpfr_prec_t wp = mpfr_get_prec(r->mid) + 64;
            mpfr_t S, S2;
            mpfr_inits2(wp, S, S2, (mpfr_ptr)0);
            mpfr_abs(S, m, MPFR_RNDU);
            mpfr_add(S, S, rho->rad, MPFR_RNDU);
            if (mpfr_cmp_ui(S, 1) > 0)
                mpfr_set_ui(S, 1, MPFR_RNDN);
            int twice = mpfr_cmp(S, rho->rad) < 0;
            if (twice)
                mpfr_set_zero(S2, 1);
            else
                mpfr_sub(S2, S, rho->rad, MPFR_RNDD);
            da_ball bh, bl;
            da_ball_init2(bh, wp);
            da_ball_init2(bl, wp);
            int s1 = da_dual_eval_point(bh, d, S, k);
            int s2 = da_dual_eval_point(bl, d, S2, k);
            if ((s1 && s1 != DA_EACCURACY) || (s2 && s2 != DA_EACCURACY)) {
                add = INFINITY;
            } else {
                mpfr_t hi, lo;
                mpfr_inits2(DA_RAD_PREC, hi, lo, (mpfr_ptr)0);
                mpfr_add(hi, bh->mid, bh->rad, MPFR_RNDU);
                mpfr_sub(lo, bl->mid, bl->rad, MPFR_RNDD);
                mpfr_sub(hi, hi, lo, MPFR_RNDU);
                if (twice)
                    mpfr_mul_2ui(hi, hi, 1, MPFR_RNDU);
                add = mpfr_get_d(hi, MPFR_RNDU);
                mpfr_clears(hi, lo, (mpfr_ptr)0);
            }
            da_ball_clear(bh);
            da_ball_clear(bl);
            mpfr_clears(S, S2, (mpfr_ptr)0);
        }
        if (!(add >= 0))
            add = INFINITY;
        mpfr_add_d(r->rad, r->rad, add, MPFR_RNDU);
    }
    mpfr_clear(m);
    if (!mpfr_number_p(r->rad) || !mpfr_number_p(r->mid)) {
        mpfr_set_inf(r->rad, 1);
        return da_fail(DA_EACCURACY, "the value is not enclosed (NaN, or an infinite error bound)");
    }
    if (da_ball_digits(r) < (double)d->digits)
        return da_fail(DA_EACCURACY, "requested %ld digits, reached %.1f", d->digits,
                       da_ball_digits(r));
    return DA_OK;
}

/* ---- double ------------------------------------------------------------- */

double da_dual_value_d(const da_dual *d, double rho, int k, double *err)
{
    if (!(rho >= -1 && rho <= 1) || k < 0 || k > 2) {
        if (err)
            *err = INFINITY;
        return NAN;
    }
    if (d->use_closed) {
        double e, v = da_dual_cf_raw_d(d, rho, k, err ? &e : NULL);
        if (!d->raw) {
            if (k == 0) {
                v -= d->R0d;
                if (err)
                    e += fabs(d->R0d) * 0x1p-50;
            }
            v /= d->scaled;
            if (err)
                e = e / d->scaled * (1 + 1e-10) + fabs(v) * 0x1p-50;
        }
        if (err)
            *err = isfinite(v) ? e : 0;
        return v;
    }
    const double *c = k == 0 ? d->cd : k == 1 ? d->cd1 : d->cd2;
    double ar = fabs(rho);
    int b = 0;
    while (b < NBAND - 1 && ar > band[b])
        b++;
    long N = d->Nb[b];
    if (N < k)
        N = k;
    /* four interleaved Horner chains in rho^4 */
    double x2 = rho * rho, x4 = x2 * x2;
    double y0 = 0, y1 = 0, y2 = 0, y3 = 0;
    long top = N - k;   /* powers 0..top of rho, coefficient c[j + k] */
    long j = top;
    while (j >= 0 && (j & 3) != 3) {
        /* leading partial block handled by chain (j & 3) */
        switch (j & 3) {
        case 0: y0 = c[j + k]; break;
        case 1: y1 = c[j + k]; break;
        case 2: y2 = c[j + k]; break;
        }
        j--;
    }
    for (; j >= 3; j -= 4) {
        y3 = y3 * x4 + c[j + k];
        y2 = y2 * x4 + c[j - 1 + k];
        y1 = y1 * x4 + c[j - 2 + k];
        y0 = y0 * x4 + c[j - 3 + k];
    }
    double v = y0 + rho * (y1 + rho * (y2 + rho * y3));
    if (err) {
        double s = fabs(rho);
        double t = k == 0 ? d->Tb[b] * powi(s, N + 1) * (1 + 1e-12) : d->Tb[b] * maxfall(N, k, s);
        *err = (d->errd[k] + t) * (1 + 1e-12);
    }
    return v;
}

int da_dual_eval_d(double *r, double *err, const da_dual *d, double rho, int k)
{
    if (!r || !d || k < 0 || k > 2) {
        if (r)
            *r = NAN;
        if (err)
            *err = INFINITY;
        return da_fail(DA_EINVAL, "dual (double): no dual, no output or derivative k = %d "
                       "outside 0..2", k);
    }
    *r = da_dual_value_d(d, rho, k, err);
    if (!(rho >= -1 && rho <= 1))
        return da_fail(DA_EDOM, "dual (double): rho = %.17g outside [-1, 1]", rho);
    if (isinf(*r))
        return da_fail(DA_EINFINITE, "dual (double): derivative %d is infinite at rho = %.17g",
                       k, rho);
    return DA_OK;
}

/* check_learn.c -- the learnability module: degree spectrum of
 * sigma_hat^{oL}, low-degree mass, rates, the sphere, effective ranks,
 * the Monte Carlo sampler.
 *
 * References: closed forms (p_1 of relu_normalized and sign, (1-mu)^L),
 * a second composition algorithm (Horner, F o F_{L-1}, in ball
 * arithmetic), direct iteration of sigma_hat from its series, mpmath
 * values (tests/data/learn_ref.csv, tests/gen/gen_learn.py: closed-form
 * compositions, Gegenbauer coefficients and Funk-Hecke eigenvalues by
 * quadrature), hand-computed spectra, and a simulation. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "learn/learn.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREC 256

static da_learn_spectrum *spec_of(const char *act, long K, long L, long digits)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, act), DA_OK);
    da_learn_spectrum *s = NULL;
    int st = da_learn_spectrum_new(&s, a, K, L, digits);
    ck_assert_msg(st == DA_OK, "%s: %s", act, da_errmsg());
    da_act_free(a);
    return s;
}

static double rad_d(const da_ball_struct *b) { return mpfr_get_d(b->rad, MPFR_RNDU); }
static double mid_d(const da_ball_struct *b) { return mpfr_get_d(b->mid, MPFR_RNDN); }

/* two balls intersect */
static int overlap(const da_ball_struct *a, const da_ball_struct *b)
{
    mpfr_t d, r;
    mpfr_inits2(PREC, d, r, (mpfr_ptr)0);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDD);
    mpfr_add(r, a->rad, b->rad, MPFR_RNDU);
    /* allow the rounding of d itself */
    mpfr_mul_d(r, r, 1.0 + 1e-15, MPFR_RNDU);
    int ok = mpfr_cmp(d, r) <= 0;
    mpfr_clears(d, r, (mpfr_ptr)0);
    return ok;
}

/* the ball contains the reference ref (45 digits, good to about 1e-40:
   tests/gen/gen_learn.py), allowing for the reference's own error */
static int contains_ref(const da_ball_struct *b, const char *ref)
{
    mpfr_t r, d;
    mpfr_inits2(400, r, d, (mpfr_ptr)0);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_sub(d, b->mid, r, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_sub(d, d, b->rad, MPFR_RNDN);
    int ok = mpfr_cmp_d(d, 1e-39) <= 0;
    mpfr_clears(r, d, (mpfr_ptr)0);
    return ok;
}

/* ---- the identity W_{<=1}(L) = b_1^(L) = p_1^L = (1 - mu)^L ---------- */

START_TEST(test_identity_p1)
{
    const char *acts[] = {"relu_normalized", "sign", "tanh", "gelu", "erf", "x + 0.3*x^2"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        da_learn_spectrum *s = spec_of(acts[i], 30, 60, 30);
        da_act *a = NULL;
        ck_assert_int_eq(da_act_new(&a, acts[i]), DA_OK);
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = 2;
        o.digits = 30;
        da_hermite *h = NULL;
        ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_OK);
        da_ball one_minus_mu, pw, b, w, p1;
        da_ball_init2(one_minus_mu, PREC);
        da_ball_init2(pw, PREC);
        da_ball_init2(b, PREC);
        da_ball_init2(w, PREC);
        da_ball_init2(p1, PREC);
        mpfr_set_ui(pw->mid, 1, MPFR_RNDN);
        da_ball one;
        da_ball_init2(one, PREC);
        mpfr_set_ui(one->mid, 1, MPFR_RNDN);
        da_ball_sub(one_minus_mu, one, &h->mu);
        da_learn_offspring(p1, s, 1);
        ck_assert_msg(overlap(p1, one_minus_mu), "%s: p_1 vs 1 - mu", acts[i]);
        for (long L = 0; L <= 60; L++) {
            da_learn_coef(b, s, L, 1);
            da_learn_mass(w, s, L, 1);
            ck_assert_msg(overlap(b, pw), "%s L=%ld: b_1 = %.17g +- %.3g vs (1-mu)^L = %.17g", acts[i], L,
                          mid_d(b), rad_d(b), mid_d(pw));
            ck_assert_msg(overlap(w, pw), "%s L=%ld: W_<=1", acts[i], L);
            ck_assert_msg(rad_d(w) < 1e-28, "%s L=%ld: W_<=1 radius %g", acts[i], L, rad_d(w));
            da_ball_mul(pw, pw, one_minus_mu);
        }
        da_ball_clear(one);
        da_ball_clear(one_minus_mu);
        da_ball_clear(pw);
        da_ball_clear(b);
        da_ball_clear(w);
        da_ball_clear(p1);
        da_hermite_free(h);
        da_act_free(a);
        da_learn_spectrum_free(s);
    }
    /* closed forms: relu_normalized p_1 = pi/(2(pi-1)), sign p_1 = 2/pi */
    mpfr_t pi, ref, pw;
    mpfr_inits2(400, pi, ref, pw, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    for (int which = 0; which < 2; which++) {
        da_learn_spectrum *s = spec_of(which ? "sign" : "relu_normalized", 5, 100, 30);
        if (which) {
            mpfr_ui_div(ref, 2, pi, MPFR_RNDN);
        } else {
            mpfr_sub_ui(ref, pi, 1, MPFR_RNDN);
            mpfr_mul_ui(ref, ref, 2, MPFR_RNDN);
            mpfr_div(ref, pi, ref, MPFR_RNDN);
        }
        da_ball w;
        da_ball_init2(w, PREC);
        for (long L = 0; L <= 100; L += 7) {
            mpfr_pow_ui(pw, ref, (unsigned long)L, MPFR_RNDN);
            da_learn_mass(w, s, L, 1);
            ck_assert_msg(tu_ball_contains(w, pw), "closed form p_1^%ld (%d)", L, which);
        }
        da_ball_clear(w);
        da_learn_spectrum_free(s);
    }
    mpfr_clears(pi, ref, pw, (mpfr_ptr)0);
}
END_TEST

/* ---- composition against a second algorithm -------------------------- */

/* F_L = F o F_{L-1} by Horner on truncated series, in ball arithmetic */
START_TEST(test_compose_vs_horner)
{
    const char *acts[] = {"tanh", "relu_normalized", "x*tanh(softplus(x))"};
    const long K = 14, L = 6;
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        da_learn_spectrum *s = spec_of(acts[i], K, L, 30);
        da_ball_struct p[15], f[15], acc[15], tmp[15];
        da_ball t;
        da_ball_init2(t, PREC);
        for (long k = 0; k <= K; k++) {
            da_ball_init2(&p[k], PREC);
            da_ball_init2(&f[k], PREC);
            da_ball_init2(&acc[k], PREC);
            da_ball_init2(&tmp[k], PREC);
            if (k)
                da_learn_offspring(&p[k], s, k);
        }
        mpfr_set_ui(f[1].mid, 1, MPFR_RNDN); /* F_0 = x */
        for (long layer = 1; layer <= L; layer++) {
            /* acc = p_K; acc = acc * f + p_k for k = K-1..0, truncated */
            for (long k = 0; k <= K; k++) {
                mpfr_set_zero(acc[k].mid, 1);
                mpfr_set_zero(acc[k].rad, 1);
            }
            da_ball_set(&acc[0], &p[K]);
            for (long k = K - 1; k >= 0; k--) {
                for (long n = 0; n <= K; n++) {
                    mpfr_set_zero(tmp[n].mid, 1);
                    mpfr_set_zero(tmp[n].rad, 1);
                    for (long m = 0; m <= n; m++) {
                        da_ball_mul(t, &acc[m], &f[n - m]);
                        da_ball_add(&tmp[n], &tmp[n], t);
                    }
                }
                da_ball_add(&tmp[0], &tmp[0], &p[k]);
                for (long n = 0; n <= K; n++)
                    da_ball_set(&acc[n], &tmp[n]);
            }
            for (long n = 0; n <= K; n++)
                da_ball_set(&f[n], &acc[n]);
            for (long n = 0; n <= K; n++) {
                da_learn_coef(t, s, layer, n);
                ck_assert_msg(overlap(t, &f[n]), "%s layer %ld degree %ld: %.20g +- %.3g vs Horner %.20g +- %.3g",
                              acts[i], layer, n, mid_d(t), rad_d(t), mid_d(&f[n]), rad_d(&f[n]));
                ck_assert_msg(rad_d(t) < 1e-28, "%s: radius %g", acts[i], rad_d(t));
            }
        }
        for (long k = 0; k <= K; k++) {
            da_ball_clear(&p[k]);
            da_ball_clear(&f[k]);
            da_ball_clear(&acc[k]);
            da_ball_clear(&tmp[k]);
        }
        da_ball_clear(t);
        da_learn_spectrum_free(s);
    }
}
END_TEST

/* sum_k b_k^(L) rho^k = sigma_hat^{oL}(rho): by direct iteration of
 * sigma_hat evaluated from its series p_k with the Parseval tail bound */
START_TEST(test_compose_vs_iteration)
{
    const char *acts[] = {"tanh", "gelu", "relu_normalized"};
    const char *rhos[] = {"0.3", "-0.5", "0.7", "-0.2"};
    const long K = 90, L = 8;
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        da_learn_spectrum *s = spec_of(acts[i], K, L, 30);
        da_act *a = NULL;
        ck_assert_int_eq(da_act_new(&a, acts[i]), DA_OK);
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = K;
        o.digits = 30;
        da_hermite *h = NULL;
        ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_OK);
        for (size_t r = 0; r < sizeof rhos / sizeof rhos[0]; r++) {
            da_ball x, y, pk, pw, t, e;
            da_ball_init2(x, PREC);
            da_ball_init2(y, PREC);
            da_ball_init2(pk, PREC);
            da_ball_init2(pw, PREC);
            da_ball_init2(t, PREC);
            da_ball_init2(e, PREC);
            mpfr_set_str(x->mid, rhos[r], 10, MPFR_RNDN);
            mpfr_t rho;
            mpfr_init2(rho, PREC);
            mpfr_set(rho, x->mid, MPFR_RNDN);
            for (long layer = 1; layer <= L; layer++) {
                /* y = sum_{k<=K} a_k^2 x^k + [-T|x|^{K+1}, T|x|^{K+1}] */
                mpfr_set_zero(y->mid, 1);
                mpfr_set_zero(y->rad, 1);
                mpfr_set_ui(pw->mid, 1, MPFR_RNDN);
                mpfr_set_zero(pw->rad, 1);
                for (long k = 1; k <= K; k++) {
                    da_ball_mul(pw, pw, x);
                    da_ball_mul(pk, &h->a[k], &h->a[k]);
                    da_ball_mul(t, pk, pw);
                    da_ball_add(y, y, t);
                }
                /* |x|^{K+1} T, upper bound */
                mpfr_t u;
                mpfr_init2(u, DA_RAD_PREC);
                mpfr_abs(u, x->mid, MPFR_RNDU);
                mpfr_add(u, u, x->rad, MPFR_RNDU);
                mpfr_pow_ui(u, u, (unsigned long)K + 1, MPFR_RNDU);
                mpfr_t T;
                mpfr_init2(T, DA_RAD_PREC);
                mpfr_abs(T, h->tail.mid, MPFR_RNDU);
                mpfr_add(T, T, h->tail.rad, MPFR_RNDU);
                mpfr_mul(u, u, T, MPFR_RNDU);
                mpfr_add(y->rad, y->rad, u, MPFR_RNDU);
                mpfr_clear(u);
                mpfr_clear(T);
                da_ball_set(x, y);
                da_learn_eval(e, s, layer, rho);
                ck_assert_msg(overlap(e, x), "%s rho %s layer %ld: %.20g +- %.3g vs iteration %.20g +- %.3g",
                              acts[i], rhos[r], layer, mid_d(e), rad_d(e), mid_d(x), rad_d(x));
                ck_assert_msg(rad_d(e) < 1e-12, "%s rho %s layer %ld: radius %g", acts[i], rhos[r], layer,
                              rad_d(e));
            }
            mpfr_clear(rho);
            da_ball_clear(x);
            da_ball_clear(y);
            da_ball_clear(pk);
            da_ball_clear(pw);
            da_ball_clear(t);
            da_ball_clear(e);
        }
        da_hermite_free(h);
        da_act_free(a);
        da_learn_spectrum_free(s);
    }
}
END_TEST

/* ---- reference file --------------------------------------------------- */

typedef struct {
    char kind[16], act[40], rho[16], value[80];
    long d, L, j, l;
} ref_row;

static int read_ref(FILE *f, ref_row *r)
{
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "kind,", 5))
            continue;
        line[strcspn(line, "\r\n")] = 0;
        char *fld[8];
        int n = 0;
        char *p = line;
        for (; n < 8; n++) {
            fld[n] = p;
            char *c = strchr(p, ',');
            if (!c) {
                n++;
                break;
            }
            *c = 0;
            p = c + 1;
        }
        ck_assert_int_eq(n, 8);
        snprintf(r->kind, sizeof r->kind, "%s", fld[0]);
        snprintf(r->act, sizeof r->act, "%s", fld[1]);
        r->d = atol(fld[2]);
        r->L = atol(fld[3]);
        r->j = atol(fld[4]);
        r->l = atol(fld[5]);
        snprintf(r->rho, sizeof r->rho, "%s", fld[6]);
        snprintf(r->value, sizeof r->value, "%s", fld[7]);
        return 1;
    }
    return 0;
}

START_TEST(test_compose_vs_mpmath)
{
    FILE *f = tu_open_data("learn_ref.csv");
    ck_assert_ptr_nonnull(f);
    da_learn_spectrum *relu = spec_of("relu_normalized", 200, 6, 30);
    da_learn_spectrum *sign = spec_of("sign", 200, 6, 30);
    ref_row r;
    int n = 0;
    da_ball e;
    da_ball_init2(e, PREC);
    mpfr_t rho;
    mpfr_init2(rho, PREC);
    while (read_ref(f, &r)) {
        if (strcmp(r.kind, "compose"))
            continue;
        da_learn_spectrum *s = !strcmp(r.act, "sign") ? sign : relu;
        mpfr_set_str(rho, r.rho, 10, MPFR_RNDN);
        ck_assert_int_eq(da_learn_eval(e, s, r.L, rho), DA_OK);
        ck_assert_msg(contains_ref(e, r.value), "%s L=%ld rho=%s: %.20g +- %.3g vs %s", r.act, r.L,
                      r.rho, mid_d(e), rad_d(e), r.value);
        /* the truncated series is sharp where |rho|^201 is small */
        if (fabs(atof(r.rho)) <= 0.7)
            ck_assert_msg(rad_d(e) < 1e-28, "%s L=%ld rho=%s: radius %g", r.act, r.L, r.rho, rad_d(e));
        else
            ck_assert_msg(rad_d(e) < 1e-4, "%s L=%ld rho=%s: radius %g", r.act, r.L, r.rho, rad_d(e));
        n++;
    }
    ck_assert_int_eq(n, 48);
    fclose(f);
    mpfr_clear(rho);
    da_ball_clear(e);
    da_learn_spectrum_free(relu);
    da_learn_spectrum_free(sign);
}
END_TEST

/* ---- parity ----------------------------------------------------------- */

START_TEST(test_parity)
{
    const char *odd[] = {"sign", "tanh", "erf", "sin", "x^3 + x"};
    da_ball b;
    da_ball_init2(b, PREC);
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        da_learn_spectrum *s = spec_of(odd[i], 40, 12, 30);
        for (long L = 0; L <= 12; L++)
            for (long k = 0; k <= 40; k++) {
                da_learn_coef(b, s, L, k);
                if (k % 2 == 0)
                    ck_assert_msg(fabs(mid_d(b)) + rad_d(b) < 1e-28, "%s: b_%ld^(%ld) = %g +- %g", odd[i], k, L,
                                  mid_d(b), rad_d(b));
            }
        /* and the odd degrees are really there */
        da_learn_coef(b, s, 3, 3);
        ck_assert_msg(mid_d(b) > 1e-6 && rad_d(b) < 1e-28, "%s: b_3^(3) = %g", odd[i], mid_d(b));
        da_learn_spectrum_free(s);
    }
    /* even activations: p_1 = 0, every individual has >= 2 children, so
       b_k^(L) = 0 for k < 2^L; W_{<=k} vanishes after log2(k) layers */
    const char *even[] = {"abs", "cos", "x^2"};
    for (size_t i = 0; i < sizeof even / sizeof even[0]; i++) {
        da_learn_spectrum *s = spec_of(even[i], 40, 6, 30);
        for (long L = 1; L <= 5; L++)
            for (long k = 0; k < (1L << L) && k <= 40; k++) {
                da_learn_coef(b, s, L, k);
                ck_assert_msg(fabs(mid_d(b)) + rad_d(b) < 1e-28, "%s: b_%ld^(%ld)", even[i], k, L);
            }
        /* the least degree carries p_2^(2^L - 1) */
        da_ball p2;
        da_ball_init2(p2, PREC);
        da_learn_offspring(p2, s, 2);
        da_learn_coef(b, s, 3, 8);
        double want = pow(mid_d(p2), 7);
        ck_assert_msg(fabs(mid_d(b) - want) <= 1e-14 * want + 1e-28, "%s: b_8^(3) %g vs %g", even[i],
                      mid_d(b), want);
        da_ball_clear(p2);
        da_learn_spectrum_free(s);
    }
    da_ball_clear(b);
}
END_TEST

/* ---- mass, tail, rates, crossing -------------------------------------- */

START_TEST(test_mass_rate_crossing)
{
    da_learn_spectrum *s = spec_of("relu_normalized", 20, 100, 30);
    da_ball w, w2, t, last, fit, p1;
    da_ball_init2(w, PREC);
    da_ball_init2(w2, PREC);
    da_ball_init2(t, PREC);
    da_ball_init2(last, PREC);
    da_ball_init2(fit, PREC);
    da_ball_init2(p1, PREC);
    /* W_{<=K} + tail = 1; W nonincreasing in L, nondecreasing in k;
       W_{<=0} = 0 and layer 0 is rho (W_{<=k}(0) = 1 for k >= 1) */
    for (long L = 0; L <= 100; L++) {
        da_learn_mass(w, s, L, 20);
        da_learn_tail(t, s, L);
        da_ball_add(w, w, t);
        ck_assert_msg(fabs(mid_d(w) - 1) <= rad_d(w) + 1e-30, "L=%ld: mass + tail = %.20g", L, mid_d(w));
        da_learn_mass(w, s, L, 0);
        ck_assert(mid_d(w) == 0 && rad_d(w) == 0);
        for (long k = 1; k <= 20; k++) {
            da_learn_mass(w, s, L, k);
            if (L == 0)
                ck_assert(fabs(mid_d(w) - 1) < 1e-30);
            da_learn_mass(w2, s, L, k - 1);
            ck_assert(mid_d(w2) <= mid_d(w) + 1e-30);
            if (L > 0) {
                da_learn_mass(w2, s, L - 1, k);
                ck_assert(mid_d(w) <= mid_d(w2) + 1e-30);
            }
        }
    }
    /* rates: for k = 1 the ratio is exactly p_1; for k = 5 both estimates
       approach p_1 = 1 - mu (Schroeder: W_{<=k}(L) ~ C_k p_1^L) */
    da_learn_offspring(p1, s, 1);
    ck_assert_int_eq(da_learn_rate(last, fit, s, 1, 100), DA_OK);
    ck_assert(overlap(last, p1));
    ck_assert(overlap(fit, p1));
    ck_assert_int_eq(da_learn_rate(last, fit, s, 5, 100), DA_OK);
    ck_assert_msg(fabs(mid_d(last) - mid_d(p1)) < 1e-8, "last %.17g vs %.17g", mid_d(last), mid_d(p1));
    ck_assert_msg(fabs(mid_d(fit) - mid_d(p1)) < 1e-4, "fit %.17g vs %.17g", mid_d(fit), mid_d(p1));
    ck_assert(rad_d(last) < 1e-10);
    /* crossing of W_{<=1} = p_1^L below tau: the first L with p_1^L < tau */
    double pp = mid_d(p1);
    double taus[] = {0.5, 0.1, 0.01, 1e-6};
    for (size_t i = 0; i < 4; i++) {
        long lo, hi, want = (long)ceil(log(taus[i]) / log(pp));
        if (pow(pp, (double)want) >= taus[i])
            want++;
        ck_assert_int_eq(da_learn_crossing(&lo, &hi, s, 1, taus[i]), DA_OK);
        ck_assert_int_eq(lo, want);
        ck_assert_int_eq(hi, want);
    }
    long lo, hi;
    da_learn_crossing(&lo, &hi, s, 1, 1e-300);
    ck_assert(lo == -1 && hi == -1);
    /* errors */
    ck_assert_int_eq(da_learn_mass(w, s, 101, 1), DA_EINVAL);
    ck_assert_int_eq(da_learn_rate(w, NULL, s, 1, 0), DA_EINVAL);
    ck_assert_int_eq(da_learn_crossing(&lo, &hi, s, 1, 0.0), DA_EINVAL);
    mpfr_t two;
    mpfr_init2(two, 53);
    mpfr_set_ui(two, 2, MPFR_RNDN);
    ck_assert_int_eq(da_learn_eval(w, s, 1, two), DA_EINVAL);
    mpfr_clear(two);
    da_ball_clear(w);
    da_ball_clear(w2);
    da_ball_clear(t);
    da_ball_clear(last);
    da_ball_clear(fit);
    da_ball_clear(p1);
    da_learn_spectrum_free(s);
}
END_TEST

START_TEST(test_from_law_and_errors)
{
    da_ball_struct p[4];
    for (int k = 0; k < 4; k++)
        da_ball_init2(&p[k], PREC);
    /* p_0 > 0 (an uncentred activation): refused */
    mpfr_set_d(p[0].mid, 0.1, MPFR_RNDN);
    mpfr_set_d(p[1].mid, 0.9, MPFR_RNDN);
    da_learn_spectrum *s = NULL;
    ck_assert_int_eq(da_learn_spectrum_from_law(&s, p, 3, 5, 128), DA_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert(strstr(da_errmsg(), "p_0") != NULL);
    /* the law p_1 = p_3 = 1/2: b^(1) = p, b^(2) = F(F) truncated:
       F(F(x)) = F(x)/2 + F(x)^3/2, [x^1] = 1/4, [x^3] = 1/4 + 1/16 */
    mpfr_set_zero(p[0].mid, 1);
    mpfr_set_d(p[1].mid, 0.5, MPFR_RNDN);
    mpfr_set_d(p[3].mid, 0.5, MPFR_RNDN);
    ck_assert_int_eq(da_learn_spectrum_from_law(&s, p, 3, 2, 128), DA_OK);
    da_ball b;
    da_ball_init2(b, PREC);
    da_learn_coef(b, s, 2, 1);
    ck_assert(mid_d(b) == 0.25 && rad_d(b) == 0);
    da_learn_coef(b, s, 2, 3);
    ck_assert(mid_d(b) == 0.3125 && rad_d(b) == 0);
    da_learn_tail(b, s, 2);
    ck_assert(fabs(mid_d(b) - 0.4375) < 1e-30);
    /* beyond the truncation: [0, tail] */
    da_learn_coef(b, s, 2, 9);
    ck_assert(mid_d(b) - rad_d(b) <= 1e-30 && mid_d(b) + rad_d(b) >= 0.4375);
    da_learn_spectrum_free(s);
    ck_assert_int_eq(da_learn_spectrum_from_law(&s, p, 0, 2, 128), DA_EINVAL);
    ck_assert_int_eq(da_learn_spectrum_from_law(&s, p, 3, -1, 128), DA_EINVAL);
    da_ball_clear(b);
    for (int k = 0; k < 4; k++)
        da_ball_clear(&p[k]);
}
END_TEST

/* ---- the sphere ------------------------------------------------------- */

START_TEST(test_gegenbauer)
{
    FILE *f = tu_open_data("learn_ref.csv");
    ck_assert_ptr_nonnull(f);
    ref_row r;
    int n = 0;
    da_ball c;
    da_ball_init2(c, 200);
    while (read_ref(f, &r)) {
        if (strcmp(r.kind, "gegen"))
            continue;
        ck_assert_int_eq(da_sphere_gegenbauer_coef(c, r.d, r.j, r.l), DA_OK);
        ck_assert_msg(contains_ref(c, r.value), "d=%ld j=%ld l=%ld: %.20g vs %s", r.d, r.j, r.l,
                      mid_d(c), r.value);
        ck_assert(rad_d(c) < 1e-50);
        n++;
    }
    ck_assert_int_eq(n, 4 * 25);
    fclose(f);
    /* wrong parity or l > j: exactly 0 */
    da_sphere_gegenbauer_coef(c, 5, 6, 3);
    ck_assert(mpfr_zero_p(c->mid) && mpfr_zero_p(c->rad));
    /* sum_l c_{j,l} = 1, and the closed form
       c_{j,j-2i} = j! (a+j-2i) G(a) (2a)_{j-2i} / (2^j i! G(a+j-i+1) (j-2i)!) */
    long dims[] = {3, 4, 7, 100};
    mpfr_t s, cf, t, a;
    mpfr_inits2(300, s, cf, t, a, (mpfr_ptr)0);
    for (size_t q = 0; q < 4; q++) {
        long d = dims[q], j = 21;
        mpfr_set_zero(s, 1);
        mpfr_set_ui(a, (unsigned long)d - 2, MPFR_RNDN);
        mpfr_div_ui(a, a, 2, MPFR_RNDN);
        for (long l = 1; l <= j; l += 2) {
            da_sphere_gegenbauer_coef(c, d, j, l);
            mpfr_add(s, s, c->mid, MPFR_RNDN);
            long i = (j - l) / 2;
            mpfr_fac_ui(cf, (unsigned long)j, MPFR_RNDN);
            mpfr_add_ui(t, a, (unsigned long)l, MPFR_RNDN);
            mpfr_mul(cf, cf, t, MPFR_RNDN);
            mpfr_gamma(t, a, MPFR_RNDN);
            mpfr_mul(cf, cf, t, MPFR_RNDN);
            for (long m = 0; m < l; m++) { /* (2a)_l */
                mpfr_mul_ui(t, a, 2, MPFR_RNDN);
                mpfr_add_ui(t, t, (unsigned long)m, MPFR_RNDN);
                mpfr_mul(cf, cf, t, MPFR_RNDN);
            }
            mpfr_div_2ui(cf, cf, (unsigned long)j, MPFR_RNDN);
            mpfr_fac_ui(t, (unsigned long)i, MPFR_RNDN);
            mpfr_div(cf, cf, t, MPFR_RNDN);
            mpfr_add_ui(t, a, (unsigned long)(j - i + 1), MPFR_RNDN);
            mpfr_gamma(t, t, MPFR_RNDN);
            mpfr_div(cf, cf, t, MPFR_RNDN);
            mpfr_fac_ui(t, (unsigned long)l, MPFR_RNDN);
            mpfr_div(cf, cf, t, MPFR_RNDN);
            mpfr_sub(t, cf, c->mid, MPFR_RNDN);
            ck_assert_msg(mpfr_cmpabs_ui(t, 0) == 0 || mpfr_get_d(t, MPFR_RNDN) < 1e-55 * (1 + mpfr_get_d(cf, MPFR_RNDN)),
                          "closed form d=%ld l=%ld: %g", d, l, mpfr_get_d(t, MPFR_RNDN));
        }
        mpfr_sub_ui(s, s, 1, MPFR_RNDN);
        ck_assert_msg(fabs(mpfr_get_d(s, MPFR_RNDN)) < 1e-50, "d=%ld: sum c = 1 + %g", d, mpfr_get_d(s, MPFR_RNDN));
    }
    mpfr_clears(s, cf, t, a, (mpfr_ptr)0);
    ck_assert_int_eq(da_sphere_gegenbauer_coef(c, 1, 3, 1), DA_EINVAL);
    da_ball_clear(c);
}
END_TEST

START_TEST(test_multiplicity)
{
    mpz_t n, sum, want, t;
    mpz_inits(n, sum, want, t, NULL);
    for (long l = 0; l < 50; l++) {
        da_sphere_multiplicity(n, 3, l);
        ck_assert(mpz_cmp_ui(n, (unsigned long)(2 * l + 1)) == 0);
        da_sphere_multiplicity(n, 2, l);
        ck_assert(mpz_cmp_ui(n, l ? 2 : 1) == 0);
    }
    /* sum_{l<=k} N(d,l) = C(d+k-1, k) + C(d+k-2, k-1): the polynomials of
       degree <= k restricted to the sphere */
    long dims[] = {4, 10, 1000};
    for (size_t q = 0; q < 3; q++) {
        long d = dims[q];
        mpz_set_ui(sum, 0);
        for (long k = 0; k <= 12; k++) {
            da_sphere_multiplicity(n, d, k);
            mpz_add(sum, sum, n);
            mpz_bin_uiui(want, (unsigned long)(d + k - 1), (unsigned long)k);
            if (k) {
                mpz_bin_uiui(t, (unsigned long)(d + k - 2), (unsigned long)(k - 1));
                mpz_add(want, want, t);
            }
            ck_assert_msg(mpz_cmp(sum, want) == 0, "d=%ld k=%ld", d, k);
        }
    }
    mpz_clears(n, sum, want, t, NULL);
}
END_TEST

START_TEST(test_sphere_vs_mpmath)
{
    FILE *f = tu_open_data("learn_ref.csv");
    ck_assert_ptr_nonnull(f);
    da_learn_spectrum *s[2] = {spec_of("relu_normalized", 200, 3, 30), spec_of("sign", 200, 3, 30)};
    da_sphere_spectrum *sp[2][2];
    for (int a = 0; a < 2; a++)
        for (int q = 0; q < 2; q++)
            ck_assert_int_eq(da_sphere_new(&sp[a][q], s[a], q ? 5 : 3, 200), DA_OK);
    ref_row r;
    int n = 0;
    double worst = 0;
    da_ball e;
    da_ball_init2(e, PREC);
    while (read_ref(f, &r)) {
        if (strcmp(r.kind, "eig"))
            continue;
        int a = !strcmp(r.act, "sign");
        int q = r.d == 5;
        ck_assert_int_eq(da_sphere_eigenvalue(e, sp[a][q], r.L, r.l), DA_OK);
        ck_assert_msg(contains_ref(e, r.value), "%s d=%ld L=%ld l=%ld: %.20g +- %.3g vs %s", r.act, r.d,
                      r.L, r.l, mid_d(e), rad_d(e), r.value);
        if (rad_d(e) > worst)
            worst = rad_d(e);
        n++;
    }
    ck_assert_int_eq(n, 60);
    /* the bounds are honest but not sharp on S^2: the monomials beyond
       K = 200 are only bounded; sign at depth 3 leaves the most mass there */
    ck_assert_msg(worst < 2e-3, "worst radius %g", worst);
    fclose(f);
    /* trace: sum_{l<=200} share_l + outside = 1 */
    da_ball t, o;
    da_ball_init2(t, PREC);
    da_ball_init2(o, PREC);
    for (int a = 0; a < 2; a++)
        for (long L = 0; L <= 3; L++) {
            da_sphere_mass(t, sp[a][0], L, 200);
            da_sphere_outside(o, sp[a][0], L);
            da_ball_add(t, t, o);
            ck_assert(fabs(mid_d(t) - 1) <= rad_d(t) + 1e-30);
        }
    /* odd kernels: the monomials j <= K put nothing on even degrees; the
       unknown j > K are only bounded (the library does not know the parity),
       so the even shares are balls [0, tail * c_{j0,l}] */
    for (long l = 0; l <= 6; l += 2) {
        da_sphere_share(t, sp[1][1], 3, l);
        ck_assert_msg(fabs(mid_d(t)) <= rad_d(t) * (1 + 1e-15) && rad_d(t) < 1e-2, "l=%ld %g +- %g", l, mid_d(t), rad_d(t));
        da_sphere_share(t, sp[1][1], 3, l + 1);
        ck_assert(mid_d(t) > rad_d(t));
    }
    da_ball_clear(t);
    da_ball_clear(o);
    da_ball_clear(e);
    for (int a = 0; a < 2; a++) {
        for (int q = 0; q < 2; q++)
            da_sphere_free(sp[a][q]);
        da_learn_spectrum_free(s[a]);
    }
}
END_TEST

/* as d grows the sphere spectrum tends to the Hermite one: c_{j,l} ->
   delta_{jl}, so share_l -> b_l (the deviation is O(j^2/d)) */
START_TEST(test_hermite_limit)
{
    da_learn_spectrum *s = spec_of("tanh", 60, 4, 30);
    long dims[] = {1000, 1000000, 1000000000L};
    double prev = INFINITY;
    da_ball a, b;
    da_ball_init2(a, PREC);
    da_ball_init2(b, PREC);
    for (size_t q = 0; q < 3; q++) {
        da_sphere_spectrum *sp = NULL;
        ck_assert_int_eq(da_sphere_new(&sp, s, dims[q], 10), DA_OK);
        double dev = 0;
        for (long L = 1; L <= 4; L++)
            for (long l = 0; l <= 10; l++) {
                da_sphere_share(a, sp, L, l);
                da_learn_coef(b, s, L, l);
                double x = fabs(mid_d(a) - mid_d(b));
                if (x > dev)
                    dev = x;
            }
        ck_assert_msg(dev < 1e4 / (double)dims[q], "d=%ld: deviation %g", dims[q], dev);
        ck_assert_msg(dev < prev, "d=%ld: not decreasing", dims[q]);
        prev = dev;
        da_sphere_free(sp);
    }
    da_ball_clear(a);
    da_ball_clear(b);
    da_learn_spectrum_free(s);
}
END_TEST

/* da_sphere_crossing: the first layers where the mass on degrees <= k may
 * be, and is proved, below tau, as the balls of da_sphere_mass show them */
START_TEST(test_sphere_crossing)
{
    da_learn_spectrum *s = spec_of("tanh", 40, 30, 30);
    da_sphere_spectrum *sp = NULL;
    ck_assert_int_eq(da_sphere_new(&sp, s, 5, 40), DA_OK);
    da_ball b;
    da_ball_init2(b, PREC);
    const double taus[] = {0.9, 0.5, 0.2, 1e-300};
    for (int i = 0; i < 4; i++) {
        long lo, hi, wlo = -1, whi = -1;
        ck_assert_int_eq(da_sphere_crossing(&lo, &hi, sp, 1, taus[i]), DA_OK);
        for (long L = 0; L <= 30 && whi < 0; L++) {
            ck_assert_int_eq(da_sphere_mass(b, sp, L, 1), DA_OK);
            if (wlo < 0 && mid_d(b) - rad_d(b) < taus[i])
                wlo = L;
            if (mid_d(b) + rad_d(b) < taus[i])
                whi = L;
        }
        ck_assert_msg(lo == wlo && hi == whi, "tau %g: [%ld, %ld], expected [%ld, %ld]", taus[i],
                      lo, hi, wlo, whi);
    }
    long lo, hi;
    ck_assert_int_eq(da_sphere_crossing(&lo, &hi, sp, 1, 0.0), DA_EINVAL);
    ck_assert_int_eq(da_sphere_crossing(&lo, &hi, sp, -1, 0.5), DA_EINVAL);
    da_ball_clear(b);
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
}
END_TEST

START_TEST(test_effective_ranks)
{
    /* layer 0, the linear kernel t on S^{d-1}: eigenvalue 1/d, d times */
    da_learn_spectrum *s = spec_of("tanh", 30, 1, 30);
    da_sphere_spectrum *sp = NULL;
    ck_assert_int_eq(da_sphere_new(&sp, s, 7, 30), DA_OK);
    da_ball r, R;
    da_ball_init2(r, PREC);
    da_ball_init2(R, PREC);
    mpz_t k;
    mpz_init(k);
    for (unsigned long kk = 0; kk < 7; kk++) {
        mpz_set_ui(k, kk);
        ck_assert_int_eq(da_sphere_effective_ranks(r, R, sp, 0, k), DA_OK);
        ck_assert_msg(fabs(mid_d(r) - (7.0 - kk)) <= rad_d(r) + 1e-25 && rad_d(r) < 1e-20, "r_%lu = %g +- %g", kk,
                      mid_d(r), rad_d(r));
        ck_assert(fabs(mid_d(R) - (7.0 - kk)) <= rad_d(R) + 1e-25 && rad_d(R) < 1e-20);
    }
    mpz_set_ui(k, 7);
    da_sphere_effective_ranks(r, R, sp, 0, k);
    ck_assert(mpfr_nan_p(r->mid)); /* lambda_8 = 0 */
    da_sphere_free(sp);
    da_learn_spectrum_free(s);

    /* the law p_1 = p_2 = 1/2 on S^2 at layer 1: k(t) = t/2 + t^2/2,
       t^2 = P_0/3 + 2 P_2/3, so shares 1/6, 1/2, 1/3, eigenvalues
       1/6 (x1), 1/6 (x3), 1/15 (x5): r_0 = 6, R_0 = 1/(4/36 + 5/225) = 7.5,
       r_4 = (1/3)/(1/15) = 5, R_4 = (1/9)/(5/225) = 5 */
    da_ball_struct p[3];
    for (int i = 0; i < 3; i++)
        da_ball_init2(&p[i], PREC);
    mpfr_set_d(p[1].mid, 0.5, MPFR_RNDN);
    mpfr_set_d(p[2].mid, 0.5, MPFR_RNDN);
    ck_assert_int_eq(da_learn_spectrum_from_law(&s, p, 2, 1, 200), DA_OK);
    ck_assert_int_eq(da_sphere_new(&sp, s, 3, 2), DA_OK);
    struct { unsigned long k; double r, R; } want[] = {{0, 6, 7.5}, {1, 5, 25.0 / 4 * 1.0}, {4, 5, 5}};
    /* r_1 = (5/6)/(1/6) = 5; R_1 = (5/6)^2 / (3/36 + 5/225) */
    want[1].R = (25.0 / 36) / (3.0 / 36 + 5.0 / 225);
    for (int i = 0; i < 3; i++) {
        mpz_set_ui(k, want[i].k);
        da_sphere_effective_ranks(r, R, sp, 1, k);
        ck_assert_msg(fabs(mid_d(r) - want[i].r) < 1e-12 && rad_d(r) < 1e-12, "r_%lu = %.17g", want[i].k, mid_d(r));
        ck_assert_msg(fabs(mid_d(R) - want[i].R) < 1e-12 && rad_d(R) < 1e-12, "R_%lu = %.17g", want[i].k, mid_d(R));
    }
    da_ball e;
    da_ball_init2(e, PREC);
    da_sphere_eigenvalue(e, sp, 1, 2);
    ck_assert(fabs(mid_d(e) - 1.0 / 15) < 1e-15);
    da_ball_clear(e);
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
    for (int i = 0; i < 3; i++)
        da_ball_clear(&p[i]);
    mpz_clear(k);
    da_ball_clear(r);
    da_ball_clear(R);
}
END_TEST

/* ---- Monte Carlo ------------------------------------------------------ */

static void mc_case(const char *act, long dim, long depth, long width, long networks, int test, long K)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, act), DA_OK);
    da_learn_spectrum *s = spec_of(act, K, depth, 20);
    da_sphere_spectrum *sp = NULL;
    ck_assert_int_eq(da_sphere_new(&sp, s, dim, 5), DA_OK);
    da_ball lam;
    da_ball_init2(lam, PREC);
    da_sphere_eigenvalue(lam, sp, depth, test);
    da_sim_opts o;
    da_sim_opts_init(&o);
    o.width = width;
    o.depth = depth;
    o.dim = dim;
    o.networks = networks;
    o.inputs = 100;
    o.test = test;
    o.seed = 42;
    double est, se;
    ck_assert_int_eq(da_learn_simulate(&est, &se, a, &o), DA_OK);
    double z = (est - mid_d(lam)) / se;
    fprintf(stderr, "  mc %s d=%ld L=%ld W=%ld degree %d: %.5f +- %.5f vs lambda %.5f +- %.1e (z = %+.2f)\n", act,
            dim, depth, width, test, est, se, mid_d(lam), rad_d(lam), z);
    ck_assert_msg(fabs(z) < 4, "%s degree %d: z = %g", act, test, z);
    /* the estimate is informative: its standard error is well below the
       value predicted */
    ck_assert_msg(se < 0.25 * mid_d(lam), "%s degree %d: se %g", act, test, se);
    da_ball_clear(lam);
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
    da_act_free(a);
}

START_TEST(test_simulation)
{
    /* depth 1: E_theta f(x) f(x') = sigma_hat(<x,x'>) exactly at any width */
    mc_case("relu_normalized", 3, 1, 32, 600, 1, 200);
    mc_case("relu_normalized", 3, 1, 32, 600, 2, 200);
    mc_case("sign", 3, 1, 32, 600, 3, 200);
    if (tu_heavy()) {
        /* deeper: finite-width bias O(1/width) */
        mc_case("relu_normalized", 3, 2, 256, 1000, 1, 300);
        mc_case("sign", 5, 3, 256, 1000, 1, 300);
        mc_case("relu_normalized", 3, 2, 256, 1000, 2, 300);
    }
    /* errors */
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    da_sim_opts o;
    da_sim_opts_init(&o);
    o.test = 4;
    double e, se;
    ck_assert_int_eq(da_learn_simulate(&e, &se, a, &o), DA_EINVAL);
    da_act_free(a);
}
END_TEST

/* ---- K = 200, L = 100 at 30 digits ------------------------------------
 * The largest composition of the suite reaches its digits (its CPU time is
 * a benchmark, tests/bench/bench_units.sh: no timing assertion here). */

START_TEST(test_composition_200_100)
{
    const char *acts[] = {"sign", "relu_normalized"};
    for (int i = 0; i < 2; i++) {
        da_learn_spectrum *s = spec_of(acts[i], 200, 100, 30);
        da_ball w;
        da_ball_init2(w, PREC);
        da_learn_mass(w, s, 100, 200);
        ck_assert(rad_d(w) < 1e-28);
        da_ball_clear(w);
        da_learn_spectrum_free(s);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 60, 2);
    tcase_add_test(tc, test_identity_p1);
    tcase_add_test(tc, test_compose_vs_horner);
    tcase_add_test(tc, test_compose_vs_iteration);
    tcase_add_test(tc, test_compose_vs_mpmath);
    tcase_add_test(tc, test_parity);
    tcase_add_test(tc, test_mass_rate_crossing);
    tcase_add_test(tc, test_from_law_and_errors);
    tcase_add_test(tc, test_gegenbauer);
    tcase_add_test(tc, test_multiplicity);
    tcase_add_test(tc, test_sphere_vs_mpmath);
    tcase_add_test(tc, test_hermite_limit);
    tcase_add_test(tc, test_effective_ranks);
    tcase_add_test(tc, test_sphere_crossing);
    tcase_add_test(tc, test_simulation);
    tcase_add_test(tc, test_composition_200_100);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_depth_bias.c -- minimal depths of mean-field networks with weight
 * and bias variances (da_depth_bias_*), and the project's NTK bound
 * (da_depth_ntk_bound).
 *
 * References: tests/data/depth_bias.csv and tests/data/depth_ntk_bound.csv
 * (tests/gen/gen_depth_bias.py: mpmath at 40 digits, the correlation map by
 * a Hermite series with trapezoid-rule coefficients, or closed forms); the
 * bound >= the proved NTK depth over the catalogue; a double-precision
 * iteration of the closed-form map of cos (not monotone) below the
 * sufficient depth the fallback proves. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "analysis/analysis.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static da_act *act_of(const char *s)
{
    da_act *a = NULL;
    ck_assert_msg(da_act_new(&a, s) == DA_OK, "%s: %s", s, da_errmsg());
    return a;
}

static void dec(da_ball b, const char *s)
{
    da_ball_init2(b, 512);
    ck_assert_int_eq(da_depth_parse_decimal(b, s), DA_OK);
}

/* |ref - mid| <= rad (plus the 30 digits the reference carries) */
static void ck_contains(const da_ball_struct *b, const char *ref, const char *what)
{
    mpfr_t r, d;
    mpfr_inits2(256, r, d, (mpfr_ptr)0);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_sub(d, r, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    double dd = mpfr_get_d(d, MPFR_RNDU), rad = mpfr_get_d(b->rad, MPFR_RNDU);
    ck_assert_msg(dd <= rad + 1e-28, "%s: |%s - mid| = %g > rad %g", what, ref, dd, rad);
    ck_assert_msg(rad < 1e-15, "%s: radius %g", what, rad);
    mpfr_clears(r, d, (mpfr_ptr)0);
}

START_TEST(test_bias_vs_mpmath)
{
    FILE *f = tu_open_data("depth_bias.csv");
    ck_assert_msg(f != NULL, "depth_bias.csv not found");
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "act,", 4))
            continue;
        char act[32], sw2[32], sb2[32], delta[32], eps[32], phase[16], q[64], c[64], chi[64],
            dep[16], r1[16];
        long n;
        line[strcspn(line, "\n")] = '\0';
        /* the empty fields: depth or rank_one_depth */
        char *fld[12];
        int k = 0;
        for (char *p = line; k < 12; k++) {
            fld[k] = p;
            char *comma = strchr(p, ',');
            if (!comma) {
                k++;
                break;
            }
            *comma = '\0';
            p = comma + 1;
        }
        ck_assert_int_eq(k, 12);
        snprintf(act, sizeof act, "%s", fld[0]);
        snprintf(sw2, sizeof sw2, "%s", fld[1]);
        snprintf(sb2, sizeof sb2, "%s", fld[2]);
        snprintf(delta, sizeof delta, "%s", fld[3]);
        snprintf(eps, sizeof eps, "%s", fld[4]);
        n = atol(fld[5]);
        snprintf(phase, sizeof phase, "%s", fld[6]);
        snprintf(q, sizeof q, "%s", fld[7]);
        snprintf(c, sizeof c, "%s", fld[8]);
        snprintf(chi, sizeof chi, "%s", fld[9]);
        snprintf(dep, sizeof dep, "%s", fld[10]);
        snprintf(r1, sizeof r1, "%s", fld[11]);

        da_act *a = act_of(act);
        da_ball w, b, d, e;
        dec(w, sw2);
        dec(b, sb2);
        dec(d, delta);
        dec(e, eps);
        da_depth_bias *ctx = NULL;
        ck_assert_int_eq(da_depth_bias_new(&ctx, a, w, b, 0, NULL), DA_OK);
        da_depth_bias_result r;
        da_depth_bias_result_init(&r);
        int st = da_depth_bias_find(&r, ctx, d, e, n);
        ck_assert_msg(st == DA_OK, "%s %s %s: %s", act, sw2, sb2, da_errmsg());
        ck_assert_msg(r.rigorous, "%s: %s", act, r.reason);
        ck_assert_str_eq(da_meanfield_phase_name(r.phase), phase);
        ck_contains(&r.q_star, q, "q*");
        ck_contains(&r.c_star, c, "c*");
        ck_contains(&r.chi1, chi, "chi_1");
        if (dep[0]) {
            ck_assert_msg(r.depth == atol(dep), "%s %s %s delta %s: depth %ld, mpmath %s", act,
                          sw2, sb2, delta, r.depth, dep);
            ck_assert_int_eq(r.minimal, 1);
            ck_assert(r.deviation <= r.threshold);
            /* lambda_min >= q* (1 - c*)(1 - eps) */
            double qs = strtod(q, NULL), cs = strtod(c, NULL), ev = strtod(eps, NULL);
            ck_assert_msg(r.lambda_min_lo >= qs * (1 - cs) * (1 - ev) * (1 - 1e-12) &&
                              r.lambda_min_lo <= qs * (1 - cs),
                          "lambda_min_lo %g", r.lambda_min_lo);
            ck_assert_int_eq(r.rank_one_depth, -1);
        } else {
            ck_assert_int_eq(r.depth, -1);
            ck_assert_msg(r.rank_one_depth == atol(r1), "rank_one_depth %ld, mpmath %s",
                          r.rank_one_depth, r1);
            ck_assert(isnan(r.lambda_min_lo));
        }
        da_depth_bias_result_clear(&r);
        da_depth_bias_free(ctx);
        da_ball_clear(w);
        da_ball_clear(b);
        da_ball_clear(d);
        da_ball_clear(e);
        da_act_free(a);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 6);
}
END_TEST

/* cos: G(c) = (sw2 e^-q cosh(q c) + sb2)/q is even, not monotone on
   [-1, 0]: the fallback gives a sufficient depth (minimal = 0), at least
   the true minimal depth of the closed-form iteration in double */
START_TEST(test_bias_not_monotone)
{
    da_act *a = act_of("cos");
    da_ball w, b, d, e;
    dec(w, "4");
    dec(b, "0.1");
    dec(d, "0.1");
    dec(e, "0.01");
    da_depth_bias *ctx = NULL;
    ck_assert_int_eq(da_depth_bias_new(&ctx, a, w, b, 0, NULL), DA_OK);
    da_depth_bias_result r;
    da_depth_bias_result_init(&r);
    int st = da_depth_bias_find(&r, ctx, d, e, 1000);
    ck_assert_msg(st == DA_OK, "%s", da_errmsg());
    ck_assert_int_eq(r.phase, DA_PHASE_CHAOTIC);
    ck_assert_int_eq(r.minimal, 0);
    double q = mpfr_get_d(r.q_star.mid, MPFR_RNDN), cs = mpfr_get_d(r.c_star.mid, MPFR_RNDN);
    /* the fixed point of the closed form agrees */
    double g = (4 * exp(-q) * cosh(q * cs) + 0.1) / q;
    ck_assert_msg(fabs(g - cs) < 1e-9, "G(c*) - c* = %g", g - cs);
    double eta = 0.01 * (1 - cs) / 999, A = -0.9, B = 0.9;
    long L = 0;
    while (fmax(fabs(A - cs), fabs(B - cs)) > eta * (1 + 1e-6)) {
        A = (4 * exp(-q) * cosh(q * A) + 0.1) / q;
        B = (4 * exp(-q) * cosh(q * B) + 0.1) / q;
        L++;
    }
    ck_assert_msg(r.depth >= L, "sufficient depth %ld below the true minimal %ld", r.depth, L);
    ck_assert_msg(r.depth <= L + 10, "sufficient depth %ld far above %ld", r.depth, L);
    da_depth_bias_result_clear(&r);
    da_depth_bias_free(ctx);
    da_ball_clear(w);
    da_ball_clear(b);
    da_ball_clear(d);
    da_ball_clear(e);
    da_act_free(a);
}
END_TEST

START_TEST(test_bias_errors)
{
    da_act *a = act_of("relu");
    da_ball w, b, d, e, z;
    dec(w, "2.5");
    dec(b, "0.1");
    dec(d, "0.1");
    dec(e, "0.01");
    dec(z, "0");
    da_depth_bias *ctx = NULL;
    ck_assert_int_eq(da_depth_bias_new(&ctx, a, z, b, 0, NULL), DA_EINVAL);
    ck_assert_ptr_null(ctx);
    ck_assert_int_eq(da_depth_bias_new(&ctx, a, w, b, 0, NULL), DA_OK);
    da_depth_bias_result r;
    da_depth_bias_result_init(&r);
    /* relu with sw2 = 2.5 > 2: q -> 1.25 q + 0.1 has no fixed point */
    ck_assert_int_eq(da_depth_bias_find(&r, ctx, d, e, 1000), DA_EDOM);
    ck_assert_int_eq(r.phase, DA_PHASE_UNBOUNDED);
    ck_assert_int_eq(r.depth, -1);
    ck_assert_int_eq(da_depth_bias_find(&r, ctx, z, e, 1000), DA_EINVAL);
    ck_assert_int_eq(da_depth_bias_find(&r, ctx, d, e, 1), DA_EINVAL);
    ck_assert_int_eq(da_depth_bias_find(&r, ctx, d, w, 2), DA_EINVAL);
    da_depth_bias_result_clear(&r);
    da_depth_bias_free(ctx);
    da_ball_clear(w);
    da_ball_clear(b);
    da_ball_clear(d);
    da_ball_clear(e);
    da_ball_clear(z);
    da_act_free(a);
}
END_TEST

/* the NTK bound against mpmath (hand-checkable: relu_normalized, delta 0.1,
   eps 0.01, n 1000 gives 28 from mu = (pi-2)/(2(pi-1)), beta = pi/(pi-1)) */
START_TEST(test_ntk_bound_vs_mpmath)
{
    FILE *f = tu_open_data("depth_ntk_bound.csv");
    ck_assert_msg(f != NULL, "depth_ntk_bound.csv not found");
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "act,", 4))
            continue;
        char act[32], delta[32], eps[32], mus[64], betas[64];
        long n, bound;
        ck_assert_int_eq(sscanf(line, "%31[^,],%31[^,],%31[^,],%ld,%63[^,],%63[^,],%ld", act,
                                delta, eps, &n, mus, betas, &bound),
                         7);
        da_ball d, e, mu, beta;
        dec(d, delta);
        dec(e, eps);
        dec(mu, mus);
        dec(beta, betas);
        mpfr_set_d(mu->rad, 1e-29, MPFR_RNDU);
        mpfr_set_d(beta->rad, 1e-29, MPFR_RNDU);
        long got = -5;
        ck_assert_int_eq(da_depth_ntk_bound(&got, mu, beta, d, e, n), DA_OK);
        ck_assert_msg(got == bound, "%s delta %s: %ld, mpmath %ld", act, delta, got, bound);
        /* the same through da_depth_find (mu and beta of the library) */
        char spec[48];
        snprintf(spec, sizeof spec, "%s", !strcmp(act, "relu") ? "relu_normalized" : act);
        da_act *a = act_of(spec);
        da_depth_ctx *c = NULL;
        ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
        da_depth_result r;
        da_depth_result_init(&r);
        ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NTK, d, e, n), DA_OK);
        ck_assert_int_eq(r.bound_majorant, bound);
        ck_assert_int_le(r.depth, r.bound_majorant);
        ck_assert_int_eq(r.bound_potential, -1);
        da_depth_result_clear(&r);
        da_depth_ctx_free(c);
        da_act_free(a);
        da_ball_clear(d);
        da_ball_clear(e);
        da_ball_clear(mu);
        da_ball_clear(beta);
        if (!strcmp(act, "relu") && !strcmp(delta, "0.1"))
            ck_assert_int_eq(bound, 28);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 6);
}
END_TEST

/* bound_majorant >= the proved NTK depth over the catalogue */
START_TEST(test_ntk_bound_catalogue)
{
    const char *deltas[] = {"0.5", "0.1", "0.01"};
    int checked = 0;
    for (size_t k = 0; k < da_catalog_size(); k++) {
        const da_catalog_entry *ce = da_catalog_get(k);
        da_act *a = NULL;
        if (da_act_new(&a, ce->name) != DA_OK) {
            da_clear_error();
            continue;
        }
        da_depth_ctx *c = NULL;
        ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
        for (int i = 0; i < 3; i++) {
            da_ball d, e;
            dec(d, deltas[i]);
            dec(e, "0.01");
            da_depth_result r;
            da_depth_result_init(&r);
            int st = da_depth_find(&r, c, DA_DEPTH_NTK, d, e, 1000);
            da_clear_error();
            if (st == DA_OK && r.bound_majorant >= 0) {
                ck_assert_msg(r.depth <= r.bound_majorant, "%s delta %s: L* %ld > bound %ld",
                              ce->name, deltas[i], r.depth, r.bound_majorant);
                checked++;
            }
            da_depth_result_clear(&r);
            da_ball_clear(d);
            da_ball_clear(e);
        }
        da_depth_ctx_free(c);
        da_act_free(a);
    }
    ck_assert_int_ge(checked, 30);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("depth_bias");
    TCase *tc = tcase_create("depth_bias");
    tu_limits(tc, 120, 1);
    tcase_add_test(tc, test_bias_vs_mpmath);
    tcase_add_test(tc, test_bias_not_monotone);
    tcase_add_test(tc, test_bias_errors);
    tcase_add_test(tc, test_ntk_bound_vs_mpmath);
    tcase_add_test(tc, test_ntk_bound_catalogue);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

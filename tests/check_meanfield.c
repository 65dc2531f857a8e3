/* check_meanfield.c -- the proved mean-field path (lib/dual/meanfield_arb.c).
 *
 * Oracles: mpmath references computed independently (1D and 2D quadrature,
 * tests/gen/meanfield_ref.py -> tests/data/meanfield_ref.txt): every proved
 * ball must contain the reference (containment, not a tolerance); exact
 * critical points (tanh 1, erf pi/4, ReLU 2 at sb2 = 0); the infinite depth
 * scale at criticality; chi_1 computed twice, as sw2 E[s'(sqrt(q*) Z)^2] by
 * the mean-field code and as sw2 sum_k k a_k^2 / q* from the Hermite
 * coefficients of s(sqrt(q*) x) by the Hermite engine. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "testutil.h"

static int inball(double mid, double err, double ref, double refacc)
{
    /* the reference parsed to double moves by half an ulp */
    return fabs(mid - ref) <= err + refacc + 0x1p-52 * fabs(ref);
}

/* references: act sw2 sb2 name value accuracy */
START_TEST(test_refs)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/meanfield_ref.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[512], act[64], name[32], last[160] = "";
    double sw2, sb2, val, acc;
    int checked = 0, acts_seen = 0;
    da_mf_point p;
    memset(&p, 0, sizeof p);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%63s %lf %lf %31s %lf %lf", act, &sw2, &sb2, name, &val, &acc), 6);
        char key[160];
        snprintf(key, sizeof key, "%s %.17g %.17g", act, sw2, sb2);
        if (strcmp(key, last)) {
            da_act *a = NULL;
            da_meanfield *mf = NULL;
            ck_assert_int_eq(da_act_new(&a, act), DA_OK);
            ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
            ck_assert_int_eq(da_meanfield_point(&p, mf, sw2, sb2), DA_OK);
            ck_assert_msg(p.rigorous, "%s: not proved (%s)", key, p.bound_reason);
            da_meanfield_free(mf);
            da_act_free(a);
            snprintf(last, sizeof last, "%s", key);
            acts_seen++;
        }
        double mid, err;
        if (!strcmp(name, "q")) {
            mid = p.q;
            err = p.q_err;
        } else if (!strcmp(name, "chi1")) {
            mid = p.chi1;
            err = p.chi1_err;
        } else if (!strcmp(name, "c")) {
            mid = p.c;
            err = p.c_err;
        } else if (!strcmp(name, "chic")) {
            mid = p.chic;
            err = p.chic_err;
        } else if (!strcmp(name, "slope_q")) {
            /* compare xi_q with -1/ln(slope): the reference moved through
               the log in double, a few ulp */
            mid = p.xi_q;
            err = p.xi_q_err;
            val = -1 / log(val);
            acc = 1e-14 * val;
        } else {
            ck_abort_msg("unknown quantity %s", name);
            continue;
        }
        ck_assert_msg(inball(mid, err, val, acc), "%s %s: %.17g +- %.3g misses %.17g", key, name,
                      mid, err, val);
        checked++;
    }
    fclose(f);
    ck_assert_int_ge(checked, 18);
    ck_assert_int_ge(acts_seen, 6);
}
END_TEST

static void critical_of(const char *spec, double *w, double *e, int *rig)
{
    da_act *a = NULL;
    da_meanfield *mf = NULL;
    char why[200];
    ck_assert_int_eq(da_act_new(&a, spec), DA_OK);
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    ck_assert_int_eq(da_meanfield_critical_b(w, e, rig, why, mf, 0), DA_OK);
    ck_assert_msg(*rig, "%s: critical sw2 not proved (%s)", spec, why);
    da_meanfield_free(mf);
    da_act_free(a);
}

START_TEST(test_critical)
{
    double w, e;
    int rig;
    critical_of("tanh", &w, &e, &rig);
    ck_assert_msg(fabs(w - 1) <= e && e < 1e-12, "tanh: %.17g +- %.3g", w, e);
    critical_of("erf", &w, &e, &rig);
    ck_assert_msg(fabs(w - M_PI / 4) <= e + 0x1p-53 && e < 1e-12, "erf: %.17g +- %.3g", w, e);
    critical_of("relu", &w, &e, &rig);
    ck_assert_msg(fabs(w - 2) <= e && e < 1e-12, "relu: %.17g +- %.3g", w, e);
}
END_TEST

/* at criticality the depth scale is unbounded: inf, with chi_1's ball on 1 */
START_TEST(test_inf)
{
    const char *specs[] = {"tanh", "erf"};
    double w[] = {1, 0.7853981633974483};
    for (int i = 0; i < 2; i++) {
        da_act *a = NULL;
        da_meanfield *mf = NULL;
        da_mf_point p;
        ck_assert_int_eq(da_act_new(&a, specs[i]), DA_OK);
        ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
        ck_assert_int_eq(da_meanfield_point(&p, mf, w[i], 0), DA_OK);
        ck_assert_msg(p.rigorous, "%s: %s", specs[i], p.bound_reason);
        ck_assert_int_eq(p.phase, DA_PHASE_CRITICAL);
        ck_assert_msg(isinf(p.xi_c) && p.xi_c > 0, "%s: xi_c %g", specs[i], p.xi_c);
        ck_assert_msg(p.xi_c_lo >= 0 && isfinite(p.xi_c_lo), "%s: xi_c_lo %g", specs[i], p.xi_c_lo);
        ck_assert_msg(fabs(p.chi1 - 1) <= p.chi1_err, "%s: chi1 %.17g +- %.3g", specs[i], p.chi1, p.chi1_err);
        ck_assert_msg(p.q - p.q_err <= 0, "%s: q* ball %.3g +- %.3g excludes 0", specs[i], p.q, p.q_err);
        da_meanfield_free(mf);
        da_act_free(a);
    }
    /* away from criticality the same activation has a finite xi_c */
    da_act *a = NULL;
    da_meanfield *mf = NULL;
    da_mf_point p;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    ck_assert_int_eq(da_meanfield_point(&p, mf, 0.9, 0), DA_OK);
    ck_assert(p.rigorous);
    ck_assert_msg(p.q == 0 && p.q_err == 0, "q* = 0 exactly: %g +- %g", p.q, p.q_err);
    ck_assert_msg(fabs(p.chi1 - 0.9) <= p.chi1_err + 1e-16, "chi1 %.17g", p.chi1);
    ck_assert_msg(isfinite(p.xi_c) && fabs(p.xi_c + 1 / log(0.9)) <= p.xi_c_err + 1e-13, "xi_c %.17g", p.xi_c);
    da_meanfield_free(mf);
    da_act_free(a);
}
END_TEST

/* chi_1 twice: the proved E s'^2 against sum_k k a_k(q*)^2 (Stein) from the
   Hermite engine on erf(S x), S = sqrt(q*) */
START_TEST(test_chi1_two_ways)
{
    da_act *a = NULL, *as = NULL;
    da_meanfield *mf = NULL;
    da_mf_point p;
    ck_assert_int_eq(da_act_new(&a, "erf"), DA_OK);
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    ck_assert_int_eq(da_meanfield_point(&p, mf, 1.5, 0.1), DA_OK);
    ck_assert(p.rigorous);
    char spec[128];
    snprintf(spec, sizeof spec, "erf(%.17g*x)", sqrt(p.q));
    ck_assert_int_eq(da_act_new(&as, spec), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = 120;
    o.digits = 25;
    o.raw = 1;
    da_hermite *h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, as, &o), DA_OK);
    double s = 0;
    for (long k = 1; k <= 120; k++) {
        double ak = mpfr_get_d(h->a[k].mid, MPFR_RNDN);
        s += (double)k * ak * ak;
    }
    double chi = 1.5 * s / p.q;
    /* S and q* are double roundings: 1e-13 covers them (and the series tail,
       about 120 (0.58)^120) */
    ck_assert_msg(fabs(chi - p.chi1) <= p.chi1_err + 1e-13, "two ways: %.17g vs %.17g +- %.3g", chi,
                  p.chi1, p.chi1_err);
    da_hermite_free(h);
    da_act_free(as);
    da_meanfield_free(mf);
    da_act_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("meanfield");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 300, 1);
    tcase_add_test(tc, test_refs);
    tcase_add_test(tc, test_critical);
    tcase_add_test(tc, test_inf);
    tcase_add_test(tc, test_chi1_two_ways);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_shape.c -- kernel shaping (da_shape_solve): the proved
 * parameters against the mpmath references tests/data/shape_refs.csv
 * (tests/gen/gen_shape.py: the transformed activation's dual by mpmath
 * quadrature, composed L times, roots by mpmath.findroot; the generator
 * itself checks its formulation against the values deepmind/dks's own
 * tests report: TAT leaky ReLU, c_val_0_target 0.75 on their modified
 * ResNet, negative_slope 0.6291800290346146, output_scale
 * 1.196996549778802, dks tests/test_activation_transform.py), the
 * achieved C(0), C'(1) of the printed formula against the targets, the
 * identities C'(1) = 1 (TAT) and C(0) = 0 (DKS), and bad input. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void solve(da_shape_result *r, const char *act, int method, long depth,
                  const char *goal, long digits, int expect)
{
    da_ball g;
    da_ball_init2(g, 256);
    ck_assert_int_eq(da_ball_set_decimal(g, goal), DA_OK);
    da_shape_opts o;
    da_shape_opts_init(&o);
    o.depth = depth;
    o.digits = digits;
    int st = da_shape_solve(r, act, method, g, &o);
    ck_assert_msg(st == expect, "%s L=%ld %s: status %d (%s)", act, depth, goal, st, da_errmsg());
    da_ball_clear(g);
}

/* |b - ref| <= tol + rad b, ref decimal */
static int near(const da_ball_struct *b, const char *ref, double tol)
{
    mpfr_t x;
    mpfr_init2(x, 256);
    mpfr_set_str(x, ref, 10, MPFR_RNDN);
    mpfr_sub(x, x, b->mid, MPFR_RNDN);
    int ok = fabs(mpfr_get_d(x, MPFR_RNDN)) <= tol + mpfr_get_d(b->rad, MPFR_RNDU);
    mpfr_clear(x);
    return ok;
}

START_TEST(test_shape_vs_mpmath)
{
    FILE *f = tu_open_data("shape_refs.csv");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "method,", 7))
            continue;
        char method[16], act[32], goal[32], q[32], val[128];
        long depth;
        ck_assert_int_eq(sscanf(line, "%15[^,],%31[^,],%ld,%31[^,],%31[^,],%127s", method, act,
                                &depth, goal, q, val), 6);
        int m = !strcmp(method, "tat") ? DA_SHAPE_TAT : DA_SHAPE_DKS;
        da_shape_result r;
        da_shape_result_init(&r);
        solve(&r, act, m, depth, goal, 25, DA_OK);
        ck_assert_int_eq(r.rigorous, 1);
        const da_ball_struct *b = !strcmp(q, "slope") ? &r.slope
                                  : !strcmp(q, "alpha") ? &r.alpha
                                  : !strcmp(q, "beta")  ? &r.beta
                                  : !strcmp(q, "gamma") ? &r.gamma
                                                        : &r.delta;
        /* the proved ball holds the 35-digit reference (its own error
           below 1e-33) */
        ck_assert_msg(near(b, val, 1e-33), "%s %s L=%ld %s: ball misses %s", method, act, depth,
                      q, val);
        ck_assert_msg(mpfr_get_d(b->rad, MPFR_RNDU) <= 1e-25, "%s L=%ld %s: radius %g", act,
                      depth, q, mpfr_get_d(b->rad, MPFR_RNDU));
        da_shape_result_clear(&r);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 20);
}
END_TEST

/* The printed formula meets the target: C(0) = eta within the rounding of
   its parameters to D digits (the composed map's slope in the parameter is
   below 10 here), C'(1) = 1 exactly for TAT (f'(1) = f(1) for any leaky
   ReLU); DKS: C(0) = 0 up to the squared rounding, C'(1) = zeta. */
START_TEST(test_shape_achieved)
{
    static const long depths[] = {50, 100};
    for (int i = 0; i < 2; i++) {
        da_shape_result r;
        da_shape_result_init(&r);
        solve(&r, "leaky_relu", DA_SHAPE_TAT, depths[i], "0.9", 20, DA_OK);
        ck_assert_msg(near(&r.c0, "0.9", 1e-17), "L=%ld C(0)", depths[i]);
        ck_assert(tu_ball_contains_str(&r.c1prime, "1"));
        ck_assert_msg(mpfr_get_d(r.c0.rad, MPFR_RNDU) < 1e-20, "C(0) radius");
        ck_assert_ptr_nonnull(strstr(r.formula, "(x>0 ? x : "));
        da_shape_result_clear(&r);
    }
    static const long dd[] = {1, 10, 50, 100};
    for (int i = 0; i < 4; i++) {
        da_shape_result r;
        da_shape_result_init(&r);
        solve(&r, "relu", DA_SHAPE_DKS, dd[i], "1.5", 20, DA_OK);
        ck_assert_msg(near(&r.c0, "0", 1e-30), "L=%ld C(0)", dd[i]);
        ck_assert_msg(near(&r.c1prime, "1.5", 1e-16), "L=%ld C'(1)", dd[i]);
        ck_assert(mpfr_nan_p(r.slope.mid));
        da_shape_result_clear(&r);
    }
}
END_TEST

/* A coarser printed formula moves the achieved C(0) away from eta by
   about the rounding: the achieved balls are the formula's, not the
   root's. */
START_TEST(test_shape_coarse_formula)
{
    da_shape_result r;
    da_shape_result_init(&r);
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 50, "0.9", 4, DA_OK);
    ck_assert_str_eq(r.formula, "1.299*(x>0 ? x : 0.4305*x)");
    ck_assert(near(&r.c0, "0.9", 1e-3));
    ck_assert(!near(&r.c0, "0.9", 1e-9));
    da_shape_result_clear(&r);
}
END_TEST

START_TEST(test_shape_errors)
{
    da_shape_result r;
    da_shape_result_init(&r);
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 0, "0.9", 20, DA_EINVAL);
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 10001, "0.9", 20, DA_EINVAL);
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 50, "1", 20, DA_EINVAL);
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 50, "-0.5", 20, DA_EINVAL);
    solve(&r, "relu", DA_SHAPE_DKS, 50, "-1.5", 20, DA_EINVAL);
    solve(&r, "relu", DA_SHAPE_DKS, 50, "1", 20, DA_EINVAL);
    solve(&r, "erf", DA_SHAPE_DKS, 50, "1.5", 20, DA_EINVAL);
    solve(&r, "relu", DA_SHAPE_TAT, 50, "0.9", 20, DA_EINVAL);
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 50, "0.9", 0, DA_EINVAL);
    /* ReLU itself reaches C(0) = 0.8715 at depth 10: eta = 0.9 cannot be
       reached by any slope in [0, 1] */
    solve(&r, "leaky_relu", DA_SHAPE_TAT, 10, "0.9", 20, DA_EDOM);
    ck_assert_int_eq(da_shape_solve(&r, "leaky_relu", 7, NULL, NULL), DA_EINVAL);
    da_shape_result_clear(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shape");
    TCase *tc = tcase_create("shape");
    tu_limits(tc, 60, 1);
    tcase_add_test(tc, test_shape_vs_mpmath);
    tcase_add_test(tc, test_shape_achieved);
    tcase_add_test(tc, test_shape_coarse_formula);
    tcase_add_test(tc, test_shape_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

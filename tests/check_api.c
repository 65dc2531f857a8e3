/* check_api.c -- the public API conventions (docs/manual.md section 7,
 * "Conventions"), on the functions that were brought to them: a status
 * return (DA_OK or a positive DA_E* code) with the results through output
 * arguments placed first; constructors da_X_new(&out, ...) that leave
 * *out NULL on failure; da_X_init / da_X_clear around computes; the
 * output's own precision; library messages that name no CLI flag.
 * Only the public headers, plus the allocation-failure hook of the
 * internal library (dai_test_fail_alloc) for the out-of-memory paths. */
#define _POSIX_C_SOURCE 200809L
#include <dualact.h>
#include "core/core.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static da_act *mkact(const char *spec)
{
    da_act *a = NULL;
    ck_assert_msg(da_act_new(&a, spec) == DA_OK, "%s: %s", spec, da_errmsg());
    return a;
}

static da_dual *mkdual(const da_act *a)
{
    da_dual_opts o;
    da_dual_opts_init(&o);
    o.digits = 20;
    da_dual *d = NULL;
    ck_assert_msg(da_dual_new(&d, a, &o) == DA_OK, "%s", da_errmsg());
    return d;
}

/* a message from the library names parameters, never a CLI flag */
static void no_flag(void)
{
    ck_assert_msg(strstr(da_errmsg(), "--") == NULL, "message names a flag: %s", da_errmsg());
}

START_TEST(test_statuses_positive)
{
    const int codes[] = {DA_EINVAL, DA_EPARSE, DA_EDOM, DA_EACCURACY, DA_ENOMEM, DA_EINFINITE,
                         DA_EIO};
    ck_assert_int_eq(DA_OK, 0);
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        ck_assert_int_gt(codes[i], 0);
        ck_assert_str_ne(da_strerror(codes[i]), "unknown error");
    }
}
END_TEST

START_TEST(test_nice_ticks_status)
{
    double t[16], lo = 0, hi = 1;
    int n = -1;
    ck_assert_int_eq(da_plot_nice_ticks(t, 16, &n, &lo, &hi, 6, 1), DA_OK);
    ck_assert_int_eq(n, 6);
    ck_assert_double_eq_tol(t[5], 1, 1e-12);
    /* errors are positive statuses, the count untouched */
    n = -1;
    lo = INFINITY;
    ck_assert_int_eq(da_plot_nice_ticks(t, 16, &n, &lo, &hi, 6, 1), DA_EINVAL);
    ck_assert_int_eq(n, -1);
    no_flag();
    lo = 0;
    ck_assert_int_eq(da_plot_nice_ticks(t, 16, &n, &lo, &hi, 1, 1), DA_EINVAL);
    ck_assert_int_eq(da_plot_nice_ticks(t, 16, NULL, &lo, &hi, 6, 1), DA_EINVAL);
}
END_TEST

/* LaTeX cells: numbers in math mode, the non-finite ones as TeX writes
 * them (issue 24: step's beta printed as $inf$) */
START_TEST(test_table_latex_nonfinite)
{
    static const char *head[] = {"act", "x", "y", "z", "w"};
    da_table *t = NULL;
    ck_assert_int_eq(da_table_new(&t, 5, head), DA_OK);
    const char *row[] = {"step", "inf", "-inf", "nan", "0.25"};
    ck_assert_int_eq(da_table_add_row(t, row), DA_OK);
    char *s = NULL;
    ck_assert_int_eq(da_table_render(&s, t, DA_TABLE_LATEX), DA_OK);
    ck_assert_msg(strstr(s, "\\texttt{step} & $\\infty$ & $-\\infty$ & $\\mathrm{NaN}$ & $0.25$ \\\\") != NULL,
                  "%s", s);
    ck_assert(strstr(s, "$inf$") == NULL);
    free(s);
    da_table_free(t);
}
END_TEST

START_TEST(test_constructors)
{
    static const char *head[] = {"a", "b"};
    da_table *t = (da_table *)1;
    ck_assert_int_eq(da_table_new(&t, 2, head), DA_OK);
    ck_assert_ptr_nonnull(t);
    const char *row[] = {"1", NULL};
    ck_assert_int_eq(da_table_add_row(t, row), DA_OK);
    char *s = NULL;
    ck_assert_int_eq(da_table_render(&s, t, DA_TABLE_CSV), DA_OK);
    ck_assert_str_eq(s, "a,b\n1,\n");
    free(s);
    da_table_free(t);
    /* invalid arguments: DA_EINVAL, *out NULL */
    t = (da_table *)1;
    ck_assert_int_eq(da_table_new(&t, 0, head), DA_EINVAL);
    ck_assert_ptr_null(t);
    static const char *bad[] = {"a", NULL};
    t = (da_table *)1;
    ck_assert_int_eq(da_table_new(&t, 2, bad), DA_EINVAL);
    ck_assert_ptr_null(t);
    no_flag();
    /* a table operation on no table fails cleanly */
    ck_assert_int_eq(da_table_add_row(NULL, row), DA_EINVAL);
    s = (char *)1;
    ck_assert_int_eq(da_table_render(&s, NULL, DA_TABLE_CSV), DA_EINVAL);
    ck_assert_ptr_null(s);
    /* out of memory at each allocation in turn: DA_ENOMEM and *out NULL,
       until the constructor needs no more allocations than allowed */
    int ok = 0;
    for (long k = 1; k <= 20 && !ok; k++) {
        dai_test_fail_alloc(k);
        t = (da_table *)1;
        int st = da_table_new(&t, 2, head);
        int left = dai_test_fail_alloc(0) > 0;   /* the failure was not reached */
        if (st == DA_OK) {
            ck_assert(left);
            ck_assert_ptr_nonnull(t);
            da_table_free(t);
            ok = 1;
        } else {
            ck_assert_int_eq(st, DA_ENOMEM);
            ck_assert_ptr_null(t);
        }
    }
    ck_assert(ok);
    dai_test_fail_alloc(1);
    da_plot *p = (da_plot *)1;
    ck_assert_int_eq(da_plot_new(&p), DA_ENOMEM);
    dai_test_fail_alloc(0);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(da_plot_new(&p), DA_OK);
    ck_assert_ptr_nonnull(p);
    da_plot_free(p);
    /* every _free accepts NULL */
    da_table_free(NULL);
    da_plot_free(NULL);
    da_act_free(NULL);
    da_dual_free(NULL);
    da_hermite_free(NULL);
}
END_TEST

START_TEST(test_act_outputs_first)
{
    da_act *a = mkact("relu");
    double y = -1;
    ck_assert_int_eq(da_act_eval_d(&y, a, 2.5), DA_OK);
    ck_assert_double_eq(y, 2.5);
    mpfr_t x, m;
    mpfr_init2(x, 100);
    mpfr_init2(m, 100);
    mpfr_set_d(x, 0.75, MPFR_RNDN);
    ck_assert_int_eq(da_act_eval(m, a, x), DA_OK);
    ck_assert(mpfr_cmp_d(m, 0.75) == 0);
    mpfr_clear(x);
    mpfr_clear(m);
    /* breakpoints: the count first (max = 0), then the values */
    size_t n = 99;
    ck_assert_int_eq(da_act_breakpoints(NULL, 0, &n, a), DA_OK);
    ck_assert_uint_eq(n, 1);
    double b[4] = {NAN, NAN, NAN, NAN};
    ck_assert_int_eq(da_act_breakpoints(b, 4, &n, a), DA_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_double_eq(b[0], 0);
    ck_assert(isnan(b[1]));
    ck_assert_int_eq(da_act_breakpoints(b, 4, NULL, a), DA_EINVAL);
    da_act_free(a);
    a = mkact("tanh");
    ck_assert_int_eq(da_act_breakpoints(b, 4, &n, a), DA_OK);
    ck_assert_uint_eq(n, 0);
    da_act_free(a);
}
END_TEST

START_TEST(test_dual_eval_d_status)
{
    da_act *a = mkact("relu");
    da_dual *d = mkdual(a);
    double v = 0, e = 0;
    ck_assert_int_eq(da_dual_eval_d(&v, &e, d, 0.5, 0), DA_OK);
    /* against the ball path */
    da_ball rho, r;
    da_ball_init2(rho, 128);
    da_ball_init2(r, 128);
    mpfr_set_d(rho->mid, 0.5, MPFR_RNDN);
    ck_assert_int_eq(da_dual_eval(r, d, rho, 0), DA_OK);
    ck_assert(e >= 0 && e < 1e-13);
    ck_assert(fabs(v - mpfr_get_d(r->mid, MPFR_RNDN)) <= e + 1e-17);
    /* err may be NULL */
    double w = 0;
    ck_assert_int_eq(da_dual_eval_d(&w, NULL, d, 0.5, 0), DA_OK);
    ck_assert_double_eq(v, w);
    /* outside [-1, 1]: DA_EDOM, NaN +- Inf */
    ck_assert_int_eq(da_dual_eval_d(&v, &e, d, 1.5, 0), DA_EDOM);
    ck_assert(isnan(v) && isinf(e));
    no_flag();
    ck_assert_int_eq(da_dual_eval_d(&v, &e, d, 0.5, 3), DA_EINVAL);
    da_dual_free(d);
    da_act_free(a);
    /* f'(1) of an activation that jumps: DA_EINFINITE, +Inf */
    a = mkact("step");
    d = mkdual(a);
    ck_assert_int_eq(da_dual_eval_d(&v, &e, d, 1, 1), DA_EINFINITE);
    ck_assert(isinf(v) && v > 0);
    ck_assert_int_eq(da_dual_eval_d(&v, &e, d, 0.25, 1), DA_OK);
    ck_assert(isfinite(v));
    da_dual_free(d);
    da_act_free(a);
    da_ball_clear(rho);
    da_ball_clear(r);
}
END_TEST

START_TEST(test_netk_double_paths)
{
    da_act *a = mkact("relu");
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = 20;
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, &o), DA_OK);
    ck_assert(da_netk_fast(k));
    double v = 0, e = 0, w = 0, eb = 0;
    ck_assert_int_eq(da_netk_eval_fast(&v, &e, k, 1.0, 2.0, 0.5, 0), DA_OK);
    ck_assert_int_eq(da_netk_eval_d(&w, &eb, k, 1.0, 2.0, 0.5, 0), DA_OK);
    ck_assert(fabs(v - w) <= e + eb);
    /* E[relu(u)^2] = q/2 on the diagonal */
    ck_assert_int_eq(da_netk_eval_d(&w, &eb, k, 3.0, 3.0, 3.0, 0), DA_OK);
    ck_assert(fabs(w - 1.5) <= eb + 1e-15);
    ck_assert_int_eq(da_netk_eval_fast(&v, &e, k, -1.0, 2.0, 0.5, 0), DA_EDOM);
    ck_assert(isnan(v));
    ck_assert_int_eq(da_netk_eval_fast(&v, &e, k, 1.0, 2.0, 0.5, 2), DA_EINVAL);
    da_netk_free(k);
    da_act_free(a);
    /* no closed form: the fast path says DA_EINVAL */
    a = mkact("tanh");
    ck_assert_int_eq(da_netk_new(&k, a, &o), DA_OK);
    ck_assert(!da_netk_fast(k));
    ck_assert_int_eq(da_netk_eval_fast(&v, NULL, k, 1, 1, 0.5, 0), DA_EINVAL);
    ck_assert(isnan(v));
    no_flag();
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

START_TEST(test_init_compute_clear)
{
    da_act *a = mkact("relu");
    da_dual *d = mkdual(a);
    da_kmap_rates r;
    da_kmap_rates_init(&r);
    ck_assert_int_eq(da_kmap_rates_compute(&r, d), DA_OK);
    ck_assert_int_eq(r.jh_case, DA_JH_TO_ZERO);
    /* computed again into the same struct: no leak, no re-init */
    ck_assert_int_eq(da_kmap_rates_compute(&r, d), DA_OK);
    da_kmap_rates_clear(&r);
    da_dual_free(d);
    da_act_free(a);
    /* network rows: init, compute, clear */
    a = mkact("erf");
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = 20;
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, &o), DA_OK);
    da_netk_net net;
    da_netk_net_init(&net);
    net.depth = 2;
    da_ball_init2(&net.sw2, 128);
    da_ball_init2(&net.sb2, 128);
    mpfr_set_d(net.sw2.mid, 1.5, MPFR_RNDN);
    mpfr_set_d(net.sb2.mid, 0.25, MPFR_RNDN);
    da_ball q1, q2, c;
    da_ball_init2(q1, 128);
    da_ball_init2(q2, 128);
    da_ball_init2(c, 128);
    mpfr_set_d(q1->mid, 1, MPFR_RNDN);
    mpfr_set_d(q2->mid, 0.5, MPFR_RNDN);
    mpfr_set_d(c->mid, 0.25, MPFR_RNDN);
    da_netk_layer rows[3];
    for (int l = 0; l < 3; l++)
        da_netk_layer_init(&rows[l]);
    int st = da_netk_network(rows, k, &net, q1, q2, c);
    ck_assert(st == DA_OK || st == DA_EACCURACY);
    ck_assert(da_ball_digits(&rows[2].nngp) >= 19);
    /* an error leaves the rows to the caller's clear */
    net.depth = -1;
    ck_assert_int_eq(da_netk_network(rows, k, &net, q1, q2, c), DA_EINVAL);
    for (int l = 0; l < 3; l++)
        da_netk_layer_clear(&rows[l]);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_ball_clear(q1);
    da_ball_clear(q2);
    da_ball_clear(c);
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

START_TEST(test_output_precision)
{
    /* a ball written into is kept at its own precision */
    da_ball x;
    da_ball_init2(x, 200);
    ck_assert_int_eq(da_depth_parse_decimal(x, "0.1"), DA_OK);
    ck_assert_int_eq(mpfr_get_prec(x->mid), 200);
    ck_assert(mpfr_cmp_ui(x->rad, 0) > 0);
    ck_assert_int_eq(da_depth_parse_decimal(x, "x"), DA_EINVAL);
    da_ball_clear(x);
    da_act *a = mkact("relu");
    da_depth_opts o;
    da_depth_opts_init(&o);
    da_depth_ctx *c = NULL;
    ck_assert_int_eq(da_depth_ctx_new(&c, a, &o), DA_OK);
    da_ball mu;
    da_ball_init2(mu, 80);
    ck_assert_int_eq(da_depth_mu(mu, c), DA_OK);
    ck_assert_int_eq(mpfr_get_prec(mu->mid), 80);
    /* relu: mu = (pi - 2) / (2 (pi - 1)) */
    double ref = (M_PI - 2) / (2 * (M_PI - 1));
    ck_assert(fabs(mpfr_get_d(mu->mid, MPFR_RNDN) - ref) < 1e-15);
    da_ball_clear(mu);
    da_depth_ctx_free(c);
    da_act_free(a);
}
END_TEST

START_TEST(test_json_write_status)
{
    FILE *f = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(da_json_write_str(f, "a \"b\""), DA_OK);
    fclose(f);
    f = fopen("/dev/full", "w");
    if (f) {
        setvbuf(f, NULL, _IONBF, 0);
        ck_assert_int_eq(da_json_write_str(f, "abc"), DA_EIO);
        fclose(f);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("conventions");
    tu_limits(tc, 120, 1);
    tcase_add_test(tc, test_statuses_positive);
    tcase_add_test(tc, test_nice_ticks_status);
    tcase_add_test(tc, test_constructors);
    tcase_add_test(tc, test_table_latex_nonfinite);
    tcase_add_test(tc, test_act_outputs_first);
    tcase_add_test(tc, test_dual_eval_d_status);
    tcase_add_test(tc, test_netk_double_paths);
    tcase_add_test(tc, test_init_compute_clear);
    tcase_add_test(tc, test_output_precision);
    tcase_add_test(tc, test_json_write_status);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_gram.c -- network Gram matrices and their proved eigenvalue bounds
 * (lib/analysis/gram_net.c) against tests/data/gram_net_relu.txt (mpmath
 * at 40 digits, tests/gen/gen_gram_net.py: an independent recursion and
 * eigensolver); the singular layer 0 (6 points in dimension 4) must fail
 * the proof and say estimate; above the cap, estimate; ball entries that
 * are estimates (hardtanh: the variances' radii in its NTK are not proved,
 * da_netk_rigorous) leave layers 1.. estimates, tanh's are proved. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "core/core.h"
#include "core/arbinc.h"
#include "analysis/analysis.h"
#include "testutil.h"

static const char rows_txt[] = "1,0,0,0\n0.6,0.8,0,0\n0,0.6,0.8,0\n0.5,0.5,0.5,0.5\n"
                               "0,0,0.28,0.96\n-0.48,0,0,0.64\n";

static void setup_act(da_act **act, da_gram_data **data, da_netk_net *net, const char *spec)
{
    ck_assert_int_eq(da_act_new(act, spec), DA_OK);
    ck_assert_int_eq(da_gram_data_parse(data, rows_txt, strlen(rows_txt), "rows", NULL), DA_OK);
    da_netk_net_init(net);
    net->depth = 2;
    da_ball_init2(&net->sw2, 64);
    da_ball_init2(&net->sb2, 64);
    mpfr_set_ui(net->sw2.mid, 2, MPFR_RNDN);
    mpfr_set_zero(net->sw2.rad, 1);
    mpfr_set_str(net->sb2.mid, "0.1", 10, MPFR_RNDN);
    /* 0.1 is not a double: the ball holds it */
    mpfr_set_d(net->sb2.rad, 1e-17, MPFR_RNDU);
}

static void setup(da_act **act, da_gram_data **data, da_netk_net *net)
{
    setup_act(act, data, net, "relu");
}

START_TEST(test_against_mpmath)
{
    da_act *act;
    da_gram_data *data;
    da_netk_net net;
    setup(&act, &data, &net);
    da_gram_net_opts o;
    da_gram_net_opts_init(&o);
    da_gram_net_layer rows[3];
    ck_assert_int_eq(da_gram_network(rows, act, data, &net, &o), DA_OK);
    FILE *f = tu_open_data("gram_net_relu.txt");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        long l;
        char name[16], s1[64], s2[64];
        ck_assert_int_eq(sscanf(line, "%ld %15s %63s %63s", &l, name, s1, s2), 4);
        double lmin = strtod(s1, NULL), lmax = strtod(s2, NULL);
        const da_gram_eig *e = !strcmp(name, "ntk") ? &rows[l].ntk : &rows[l].nngp;
        /* the estimates, computed twice (double path against mpmath) */
        ck_assert_msg(fabs(e->lambda_max - lmax) <= 1e-12 * lmax, "layer %ld %s lambda_max", l,
                      name);
        ck_assert_msg(fabs(e->lambda_min - lmin) <= 1e-12 * lmax, "layer %ld %s lambda_min", l,
                      name);
        if (l == 0) {
            /* singular: lambda_min = 0 cannot be proved positive */
            ck_assert(!rows[0].proved);
            ck_assert(strstr(rows[0].bound_reason, "estimate") != NULL);
            ck_assert(isnan(e->cond_lo));
        } else {
            ck_assert_msg(rows[l].proved, "layer %ld: %s", l, rows[l].bound_reason);
            /* the enclosures hold mpmath's values (the data rows differ from
               the exact ones by their double normalization, ~1e-16) */
            double slack = 1e-14 * lmax;
            ck_assert_msg(e->min_lo <= lmin + slack && lmin - slack <= e->min_hi,
                          "layer %ld %s lambda_min %.17g not in [%.17g, %.17g]", l, name, lmin,
                          e->min_lo, e->min_hi);
            ck_assert_msg(e->max_lo <= lmax + slack && lmax - slack <= e->max_hi,
                          "layer %ld %s lambda_max %.17g not in [%.17g, %.17g]", l, name, lmax,
                          e->max_lo, e->max_hi);
            double kappa = lmax / lmin;
            ck_assert_msg(e->cond_lo <= kappa * (1 + 1e-12) && kappa * (1 - 1e-12) <= e->cond_hi,
                          "layer %ld %s kappa %.17g not in [%.17g, %.17g]", l, name, kappa,
                          e->cond_lo, e->cond_hi);
            /* and the enclosure is tight */
            ck_assert(e->cond_hi - e->cond_lo <= 1e-6 * kappa);
        }
        seen++;
    }
    fclose(f);
    ck_assert_int_eq(seen, 6);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_gram_data_free(data);
    da_act_free(act);
}
END_TEST

/* above the cap: estimates, with the reason */
START_TEST(test_cap)
{
    da_act *act;
    da_gram_data *data;
    da_netk_net net;
    setup(&act, &data, &net);
    da_gram_net_opts o;
    da_gram_net_opts_init(&o);
    o.prove_max = 5;
    da_gram_net_layer rows[3];
    ck_assert_int_eq(da_gram_network(rows, act, data, &net, &o), DA_OK);
    for (int l = 0; l <= 2; l++) {
        ck_assert(!rows[l].proved);
        ck_assert(strstr(rows[l].bound_reason, "cap") != NULL);
        ck_assert(isnan(rows[l].ntk.cond_hi));
    }
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_gram_data_free(data);
    da_act_free(act);
}
END_TEST

START_TEST(test_entries_estimate)
{
    static const struct { const char *act; int proved; } cs[] = {{"hardtanh", 0}, {"tanh", 1}};
    for (size_t i = 0; i < 2; i++) {
        da_act *act;
        da_gram_data *data;
        da_netk_net net;
        setup_act(&act, &data, &net, cs[i].act);
        net.depth = 1;
        da_gram_net_opts o;
        da_gram_net_opts_init(&o);
        da_gram_net_layer rows[2];
        ck_assert_int_eq(da_gram_network(rows, act, data, &net, &o), DA_OK);
        ck_assert_msg(rows[1].proved == cs[i].proved, "%s: layer 1 proved %d (%s)", cs[i].act,
                      rows[1].proved, rows[1].bound_reason);
        if (!cs[i].proved) {
            ck_assert_msg(strstr(rows[1].bound_reason, "ball entries are estimates") != NULL,
                          "%s: %s", cs[i].act, rows[1].bound_reason);
            ck_assert(isnan(rows[1].nngp.cond_lo) && isnan(rows[1].ntk.cond_hi));
        } else {
            ck_assert(rows[1].nngp.cond_lo <= rows[1].nngp.cond && rows[1].nngp.cond <= rows[1].nngp.cond_hi);
        }
        da_ball_clear(&net.sw2);
        da_ball_clear(&net.sb2);
        da_gram_data_free(data);
        da_act_free(act);
    }
}
END_TEST

/* progress (da_progress_set) with the first report due at once: the
   proof's pairs of points and the engine's layers each report and end
   (issue 22: a deep network ran minutes without a word) */
static int pg_pairs, pg_layers, pg_end;
static void pg_hook(void *ctx, const char *what, long count, double seconds)
{
    (void)ctx;
    (void)seconds;
    if (count < 0)
        pg_end++;
    else if (strstr(what, "point pairs"))
        pg_pairs++;
    else if (strstr(what, "layers"))
        pg_layers++;
}

START_TEST(test_progress)
{
    da_act *act;
    da_gram_data *data;
    da_netk_net net;
    setup(&act, &data, &net);
    da_gram_net_opts o;
    da_gram_net_opts_init(&o);
    da_gram_net_layer rows[3];
    da_progress_set(pg_hook, NULL);
    da_progress_timing(0, 0);
    int st = da_gram_network(rows, act, data, &net, &o);
    da_progress_timing(1.0, 0.5);
    da_progress_set(NULL, NULL);
    ck_assert_int_eq(st, DA_OK);
    ck_assert_msg(pg_pairs >= 1 && pg_layers >= 1 && pg_end >= 2, "pairs %d, layers %d, ends %d",
                  pg_pairs, pg_layers, pg_end);
    da_gram_data_free(data);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_act_free(act);
}
END_TEST

/* da_poll_set: a poll function that asks to stop makes da_gram_analyze
   return DA_EINTR and the proved quadrature stop early (DA_EACCURACY, the
   results valid but wide); da_poll_set(NULL) forgets the request */
static int polls;
static int stop_poll(void *ctx)
{
    (void)ctx;
    return ++polls >= 1;
}

START_TEST(test_poll)
{
    da_act *act = NULL;
    ck_assert_int_eq(da_act_new(&act, "tanh"), DA_OK);
    da_gram_data *g = NULL;
    ck_assert_int_eq(da_gram_data_sphere(&g, 50, 3, 1), DA_OK);
    da_gram_opts o;
    da_gram_opts_init(&o);
    o.depth = 3;
    da_gram_layer rows[4];
    da_poll_set(stop_poll, NULL);
    ck_assert_int_eq(da_gram_analyze(rows, act, g, &o), DA_EINTR);
    ck_assert_int_ge(polls, 1);
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = 200;
    ho.digits = 60;
    da_hermite *h = NULL;
    int st = da_hermite_compute(&h, act, &ho);
    ck_assert_int_eq(st, DA_EACCURACY);
    ck_assert_ptr_nonnull(h);
    ck_assert(h->digits_reached < 60);
    da_hermite_free(h);
    da_poll_set(NULL, NULL);
    ck_assert_int_eq(da_gram_analyze(rows, act, g, &o), DA_OK);
    da_gram_data_free(g);
    da_act_free(act);
}
END_TEST

/* The input kernel's ball holds the exact x.y/d where the double
   products underflow (entries ~1e-162: x_t y_t ~ 1e-324, subnormal or 0):
   the relative bound (d + 2) u sum|x_t y_t|/d alone was 0 there.  The
   exact value in Arb from the exact doubles. */
START_TEST(test_dot_underflow)
{
    const double sc[] = {3e-162, 1e-160, 7e-170, 1, 1e150};
    double x[5], y[5];
    da_ball q;
    da_ball_init2(q, 64);
    arb_t e, t, u, b;
    arb_init(e); arb_init(t); arb_init(u); arb_init(b);
    int zero_rad_before = 0;
    for (size_t is = 0; is < sizeof sc / sizeof *sc; is++)
        for (size_t d = 1; d <= 5; d++) {
            for (size_t k = 0; k < d; k++) {
                x[k] = sc[is] * (1.3 + 0.7 * (double)k);
                y[k] = sc[is] * (k % 2 ? -0.45 : 1.9 - 0.3 * (double)k);
            }
            da_gram_dot_ball(q, x, y, d);
            arb_zero(e);
            double bd = 0;
            for (size_t k = 0; k < d; k++) {
                arb_set_d(t, x[k]);
                arb_set_d(u, y[k]);
                arb_addmul(e, t, u, 4096);
                bd += fabs(x[k] * y[k]);
            }
            arb_div_ui(e, e, d, 4096);
            if (0x1p-53 * (double)(d + 2) * 1.01 * bd / (double)d == 0)
                zero_rad_before++;
            da_arb_set_ball(b, q);
            ck_assert_msg(arb_contains(b, e), "x.y/d not in its ball at scale %g, d = %zu", sc[is], d);
        }
    /* the former radius was 0 in some of these cases */
    ck_assert_int_gt(zero_rad_before, 0);
    arb_clear(e); arb_clear(t); arb_clear(u); arb_clear(b);
    da_ball_clear(q);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gram");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 300, 1);
    tcase_add_test(tc, test_against_mpmath);
    tcase_add_test(tc, test_cap);
    tcase_add_test(tc, test_entries_estimate);
    tcase_add_test(tc, test_progress);
    tcase_add_test(tc, test_poll);
    tcase_add_test(tc, test_dot_underflow);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_net_block.c -- a network's repeated block (lib/net/block.c): the
 * proved minimal depth against mpmath (tests/data/net_depth_refs.csv,
 * written by tests/gen/gen_net_depth.py from closed forms), the plain
 * block against da_depth_find for one activation (a second
 * implementation: the same L*), a residual block slower than the plain
 * one, the iterated map against da_net_kernel on dense(1,0);
 * repeat(L){BLOCK}, the rates of a biased block, and the refusals. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "testutil.h"

static void dec(da_ball b, const char *s)
{
    da_ball_init2(b, 512);
    ck_assert_int_eq(da_depth_parse_decimal(b, s), DA_OK);
}

static int overlap(const da_ball_struct *a, const da_ball_struct *b)
{
    mpfr_t d, r;
    mpfr_init2(d, 1024);
    mpfr_init2(r, 64);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_add(r, a->rad, b->rad, MPFR_RNDU);
    int ok = mpfr_number_p(d) && mpfr_cmp(d, r) <= 0;
    mpfr_clear(d);
    mpfr_clear(r);
    return ok;
}

/* |b - ref| <= rad + tol: ref is a decimal rounded to some digits */
static int near(const da_ball_struct *b, const char *ref, double tol)
{
    mpfr_t r, d;
    mpfr_init2(r, 512);
    mpfr_init2(d, 512);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_sub(d, b->mid, r, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_sub(d, d, b->rad, MPFR_RNDD);
    int ok = mpfr_number_p(d) && mpfr_cmp_d(d, tol) <= 0;
    mpfr_clear(r);
    mpfr_clear(d);
    return ok;
}

/* every row of the mpmath references: the same L*, the value enclosed,
 * and the block's slopes enclosed (the 0.9/0.1 residual block, a few
 * seconds, only under DUALACT_TEST_MULTIPLIER > 1) */
START_TEST(test_refs)
{
    FILE *f = tu_open_data("net_depth_refs.csv");
    ck_assert(f);
    char line[1024];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "kernel,", 7))
            continue;
        line[strcspn(line, "\r\n")] = 0;
        char *fld[9];
        char *p = line;
        for (int i = 0; i < 8; i++) {
            fld[i] = p;
            p = strchr(p, ',');
            ck_assert(p);
            *p++ = 0;
        }
        fld[8] = p;   /* the block, with its commas */
        if (strstr(fld[8], "0.9,0.1") && !tu_heavy())
            continue;
        da_ball delta, eps;
        dec(delta, fld[1]);
        dec(eps, fld[2]);
        long n = atol(fld[3]), L = atol(fld[4]);
        int ntk = !strcmp(fld[0], "ntk");
        da_net_depth_result r;
        da_net_depth_result_init(&r);
        int st = da_net_block_depth(&r, fld[8], ntk, delta, eps, n, NULL);
        ck_assert_msg(st == DA_OK, "%s %s delta %s: status %d (%s)", fld[8], fld[0], fld[1], st,
                      da_errmsg());
        ck_assert_msg(r.depth == L, "%s %s delta %s: L* %ld, mpmath %ld", fld[8], fld[0], fld[1],
                      r.depth, L);
        ck_assert_msg(near(&r.value, fld[5], 1e-34), "%s: value", fld[8]);
        ck_assert(r.rigorous);
        /* the slopes of one block at q = 1 */
        da_net *net = NULL;
        ck_assert_int_eq(da_net_new(&net, fld[8], NULL), DA_OK);
        da_net_block_rates rt;
        da_net_block_rates_init(&rt);
        da_ball one;
        dec(one, "1");
        ck_assert_int_eq(da_net_block_rates_compute(&rt, net, one), DA_OK);
        ck_assert_msg(near(&rt.slope0, fld[6], 1e-29), "%s: slope at 0", fld[8]);
        ck_assert_msg(near(&rt.slope1, fld[7], 1e-29), "%s: slope at 1", fld[8]);
        ck_assert(tu_ball_contains_str(&rt.q_out, "1"));
        ck_assert(mpfr_cmp_d(rt.rho0.rad, 1e-25) < 0);
        ck_assert(tu_ball_contains_str(&rt.rho0, "0"));
        da_ball_clear(one);
        da_net_block_rates_clear(&rt);
        da_net_free(net);
        da_net_depth_result_clear(&r);
        da_ball_clear(delta);
        da_ball_clear(eps);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 12);
}
END_TEST

/* the plain block of a normalized activation is the network of
 * da_depth_find: the same L*, both kernels */
START_TEST(test_plain_is_depth)
{
    static const char *acts[] = {"relu", "erf", "tanh"};
    static const char *blocks[] = {"relu_normalized; dense(1,0)", "erf; layernorm; dense(1,0)",
                                   "tanh; layernorm; dense(1,0)"};
    static const char *deltas[] = {"0.5", "0.05"};
    for (int a = 0; a < 3; a++) {
        da_act *act = NULL;
        ck_assert_int_eq(da_act_new(&act, acts[a]), DA_OK);
        da_depth_ctx *c = NULL;
        ck_assert_int_eq(da_depth_ctx_new(&c, act, NULL), DA_OK);
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < 2; i++) {
                da_ball delta, eps;
                dec(delta, deltas[i]);
                dec(eps, "0.1");
                da_depth_result r1;
                da_depth_result_init(&r1);
                ck_assert_int_eq(da_depth_find(&r1, c, k, delta, eps, 100), DA_OK);
                da_net_depth_result r2;
                da_net_depth_result_init(&r2);
                ck_assert_int_eq(da_net_block_depth(&r2, blocks[a], k, delta, eps, 100, NULL),
                                 DA_OK);
                ck_assert_msg(r1.depth == r2.depth, "%s kernel %d delta %s: depth %ld, block %ld",
                              acts[a], k, deltas[i], r1.depth, r2.depth);
                ck_assert(overlap(&r1.value, &r2.value));
                da_net_depth_result_clear(&r2);
                da_depth_result_clear(&r1);
                da_ball_clear(delta);
                da_ball_clear(eps);
            }
        da_depth_ctx_free(c);
        da_act_free(act);
    }
}
END_TEST

/* a residual block decorrelates more slowly than its branch alone */
START_TEST(test_residual_slower)
{
    da_ball delta, eps;
    dec(delta, "0.2");
    dec(eps, "0.1");
    long prev = -1;
    static const char *blocks[] = {"tanh; layernorm; dense(1,0)",
                                   "residual(0.5,0.5){tanh; layernorm; dense(1,0)}",
                                   "residual(0.75,0.25){tanh; layernorm; dense(1,0)}"};
    for (int b = 0; b < 3; b++) {
        da_net_depth_result r;
        da_net_depth_result_init(&r);
        ck_assert_int_eq(da_net_block_depth(&r, blocks[b], 0, delta, eps, 100, NULL), DA_OK);
        ck_assert_msg(r.depth > prev, "%s: %ld after %ld", blocks[b], r.depth, prev);
        prev = r.depth;
        da_net_depth_result_clear(&r);
    }
    da_ball_clear(delta);
    da_ball_clear(eps);
}
END_TEST

/* da_net_block_iterate against da_net_kernel on dense(1,0); repeat(L){BLOCK}
 * (the same layers, evaluated row by row), for a block with biases, a
 * residual branch that changes the variance, and layernorm */
START_TEST(test_iterate_vs_kernel)
{
    const char *block = "residual(0.8,0.2){tanh; dense(1.2,0.05)}; layernorm(0.1)";
    const long L = 5, per = 2;
    char spec[256];
    snprintf(spec, sizeof spec, "dense(1,0); repeat(%ld){%s}", L, block);
    da_net *b = NULL, *full = NULL;
    ck_assert_int_eq(da_net_new(&b, block, NULL), DA_OK);
    ck_assert_int_eq(da_net_new(&full, spec, NULL), DA_OK);
    da_ball q, rho, c;
    dec(q, "1.5");
    dec(rho, "0.6");
    da_ball_init2(c, 512);
    da_ball_mul(c, rho, q);
    da_net_block_row rows[6];
    for (int i = 0; i <= L; i++)
        da_net_block_row_init(&rows[i]);
    ck_assert_int_eq(da_net_block_iterate(rows, b, q, rho, L), DA_OK);
    ck_assert(da_net_rigorous(b));
    long n = da_net_rows(full);
    ck_assert_int_eq(n, 2 + L * per);
    da_net_row *kr = calloc((size_t)n, sizeof *kr), *kd = calloc((size_t)n, sizeof *kd);
    for (long i = 0; i < n; i++) {
        da_net_row_init(&kr[i]);
        da_net_row_init(&kd[i]);
    }
    ck_assert_int_eq(da_net_kernel(kr, full, q, q, c), DA_OK);
    ck_assert_int_eq(da_net_kernel(kd, full, q, q, q), DA_OK);   /* x = x': Theta(x,x) */
    da_ball x;
    da_ball_init2(x, 512);
    for (long l = 0; l <= L; l++) {
        long i = 1 + l * per;
        ck_assert(overlap(&rows[l].q, &kr[i].q1));
        da_ball_div(x, &kr[i].nngp, &kr[i].q1);
        ck_assert_msg(overlap(&rows[l].rho, x), "rho at block %ld", l);
        da_ball_div(x, &kr[i].ntk, &kd[i].ntk);
        ck_assert_msg(overlap(&rows[l].ntk, x), "ntk at block %ld", l);
        ck_assert(mpfr_cmp_d(rows[l].rho.rad, 1e-20) < 0);
    }
    /* the slope d rho_L / d rho_0 against a difference quotient of two runs */
    da_ball rho2;
    dec(rho2, "0.600001");
    da_net_block_row rows2[6];
    for (int i = 0; i <= L; i++)
        da_net_block_row_init(&rows2[i]);
    ck_assert_int_eq(da_net_block_iterate(rows2, b, q, rho2, L), DA_OK);
    double dq = (mpfr_get_d(rows2[L].rho.mid, MPFR_RNDN) - mpfr_get_d(rows[L].rho.mid, MPFR_RNDN)) /
                1e-6;
    double sl = mpfr_get_d(rows[L].slope.mid, MPFR_RNDN);
    ck_assert_msg(fabs(dq - sl) < 1e-4 * fabs(sl) + 1e-6, "slope %g, quotient %g", sl, dq);
    for (int i = 0; i <= L; i++) {
        da_net_block_row_clear(&rows[i]);
        da_net_block_row_clear(&rows2[i]);
    }
    for (long i = 0; i < n; i++) {
        da_net_row_clear(&kr[i]);
        da_net_row_clear(&kd[i]);
    }
    free(kr);
    free(kd);
    da_ball_clear(x);
    da_ball_clear(q);
    da_ball_clear(rho);
    da_ball_clear(rho2);
    da_ball_clear(c);
    da_net_free(b);
    da_net_free(full);
}
END_TEST

/* the uncentred ReLU: C(0) = 1/pi, C'(0) = 1/2, C'(1) = 1; the kernel
 * never falls below eps/(n-1): not reached by max_depth, no depth */
START_TEST(test_biased)
{
    da_net *net = NULL;
    ck_assert_int_eq(da_net_new(&net, "relu; dense(1,0)", NULL), DA_OK);
    da_net_block_rates rt;
    da_net_block_rates_init(&rt);
    da_ball one;
    dec(one, "1");
    ck_assert_int_eq(da_net_block_rates_compute(&rt, net, one), DA_OK);
    ck_assert(near(&rt.rho0, "0.3183098861837906715377675267450287240689", 1e-40));
    ck_assert(tu_ball_contains_str(&rt.slope0, "0.5"));
    ck_assert(tu_ball_contains_str(&rt.slope1, "1"));
    ck_assert(tu_ball_contains_str(&rt.q_out, "0.5"));
    da_net_block_rates_clear(&rt);
    da_net_free(net);
    da_ball delta, eps;
    dec(delta, "0.1");
    dec(eps, "0.01");
    da_net_depth_opts o;
    da_net_depth_opts_init(&o);
    o.max_depth = 60;
    da_net_depth_result r;
    da_net_depth_result_init(&r);
    ck_assert_int_eq(da_net_block_depth(&r, "relu; dense(1,0)", 0, delta, eps, 1000, &o),
                     DA_EACCURACY);
    ck_assert_int_eq(r.depth, -1);
    ck_assert(strstr(da_errmsg(), "max_depth"));
    /* an activation that jumps has no NTK */
    ck_assert_int_eq(da_net_block_depth(&r, "step; dense(1,0)", 1, delta, eps, 1000, &o),
                     DA_EINFINITE);
    da_net_depth_result_clear(&r);
    da_ball_clear(one);
    da_ball_clear(delta);
    da_ball_clear(eps);
}
END_TEST

START_TEST(test_refusals)
{
    da_ball delta, eps, bad, q, rho;
    dec(delta, "0.1");
    dec(eps, "0.01");
    dec(bad, "0");
    dec(q, "1");
    dec(rho, "0.5");
    da_net_depth_result r;
    da_net_depth_result_init(&r);
    ck_assert_int_eq(da_net_block_depth(&r, "relu; dense(1,0", 0, delta, eps, 1000, NULL),
                     DA_EINVAL);
    ck_assert(strstr(da_errmsg(), "at character"));
    ck_assert_int_gt(da_errcol(), 0);
    ck_assert_int_eq(da_net_block_depth(&r, "relu_normalized", 0, bad, eps, 1000, NULL),
                     DA_EINVAL);
    ck_assert_int_eq(da_net_block_depth(&r, "relu_normalized", 0, delta, bad, 1000, NULL),
                     DA_EINVAL);
    ck_assert_int_eq(da_net_block_depth(&r, "relu_normalized", 0, delta, eps, 1, NULL),
                     DA_EINVAL);
    da_net *net = NULL;
    ck_assert_int_eq(da_net_new(&net, "relu_normalized", NULL), DA_OK);
    da_net_block_row rows[2];
    da_net_block_row_init(&rows[0]);
    da_net_block_row_init(&rows[1]);
    ck_assert_int_eq(da_net_block_iterate(rows, net, bad, rho, 1), DA_EINVAL);
    ck_assert_int_eq(da_net_block_iterate(rows, net, q, rho, -1), DA_EINVAL);
    ck_assert_int_eq(da_depth_parse_decimal(rho, "1.5"), DA_OK);   /* rho is initialised */
    ck_assert_int_eq(da_net_block_iterate(rows, net, q, rho, 1), DA_EINVAL);
    da_net_block_row_clear(&rows[0]);
    da_net_block_row_clear(&rows[1]);
    da_net_free(net);
    da_net_depth_result_clear(&r);
    da_ball_clear(delta);
    da_ball_clear(eps);
    da_ball_clear(bad);
    da_ball_clear(q);
    da_ball_clear(rho);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("net_block");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 60, 1);
    tcase_add_test(tc, test_refs);
    tcase_add_test(tc, test_plain_is_depth);
    tcase_add_test(tc, test_residual_slower);
    tcase_add_test(tc, test_iterate_vs_kernel);
    tcase_add_test(tc, test_biased);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

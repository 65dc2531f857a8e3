/* check_analysis.c -- the conditioning analyses: proved minimal depths,
 * bounds, Gram matrices over depth, effective ranks, data files, the
 * finite-width simulation.
 *
 * References: the mpmath grid tests/data/depth_relu_normalized.csv
 * (tests/gen/gen_depth.py) and the docs/numerics.md anchors; a plain
 * double-precision iteration of sigma_hat (a second method for L*);
 * hand-computed effective ranks; the full GSL spectrum against Lanczos;
 * the depth search against the Gram matrix of delta-separated data (whose
 * first pair sits exactly at 1 - delta); Gershgorin against eigenvalues;
 * simulations with fixed seeds. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "analysis/analysis.h"
#include "testutil.h"

#include <check.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_log.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static long find_depth(da_depth_ctx *c, int kernel, const char *delta, const char *eps, long n,
                       da_depth_result *out)
{
    da_ball d, e;
    dec(d, delta);
    dec(e, eps);
    da_depth_result r;
    da_depth_result_init(&r);
    int st = da_depth_find(&r, c, kernel, d, e, n);
    ck_assert_msg(st == DA_OK, "depth %s %s %ld: %s", delta, eps, n, da_errmsg());
    long L = r.depth;
    if (out)
        *out = r;
    else
        da_depth_result_clear(&r);
    da_ball_clear(d);
    da_ball_clear(e);
    return L;
}

/* ---- depth ------------------------------------------------------------- */

START_TEST(test_depth_relu_anchors)
{
    da_act *a = act_of("relu_normalized");
    da_depth_ctx *c = NULL;
    ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
    ck_assert_int_eq(find_depth(c, DA_DEPTH_NNGP, "0.1", "0.01", 1000, NULL), 45);
    ck_assert_int_eq(find_depth(c, DA_DEPTH_NTK, "0.1", "0.01", 1000, NULL), 25);
    ck_assert_int_eq(find_depth(c, DA_DEPTH_NNGP, "0.01", "0.01", 1000, NULL), 52);
    ck_assert_int_eq(find_depth(c, DA_DEPTH_NTK, "0.01", "0.01", 1000, NULL), 30);
    /* the bounds of docs/numerics.md section 5: 59 and 69 */
    da_depth_result r;
    find_depth(c, DA_DEPTH_NNGP, "0.1", "0.01", 1000, &r);
    ck_assert_int_eq(r.bound_potential, 59);
    ck_assert(r.bound_majorant >= 45 && r.bound_majorant <= 59);
    ck_assert(r.bound_two_phase >= r.bound_majorant);
    /* the proof: value <= threshold < previous */
    ck_assert(mpfr_cmp(r.value.mid, r.threshold.mid) < 0);
    ck_assert(mpfr_cmp(r.previous.mid, r.threshold.mid) > 0);
    ck_assert(mpfr_cmp_d(r.value.rad, 1e-20) < 0);
    da_depth_result_clear(&r);
    find_depth(c, DA_DEPTH_NNGP, "0.01", "0.01", 1000, &r);
    ck_assert_int_eq(r.bound_potential, 69);
    da_depth_result_clear(&r);
    /* the raw relu normalizes to the same activation */
    da_act *b = act_of("relu");
    da_depth_ctx *c2 = NULL;
    ck_assert_int_eq(da_depth_ctx_new(&c2, b, NULL), DA_OK);
    ck_assert_int_eq(find_depth(c2, DA_DEPTH_NNGP, "0.1", "0.01", 1000, NULL), 45);
    ck_assert_int_eq(find_depth(c2, DA_DEPTH_NTK, "0.01", "0.01", 1000, NULL), 30);
    da_depth_ctx_free(c2);
    da_act_free(b);
    da_depth_ctx_free(c);
    da_act_free(a);
}
END_TEST

START_TEST(test_depth_vs_mpmath_grid)
{
    FILE *f = tu_open_data("depth_relu_normalized.csv");
    ck_assert_msg(f != NULL, "depth_relu_normalized.csv not found");
    da_act *a = act_of("relu_normalized");
    da_depth_ctx *c = NULL;
    ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
    char line[256];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "kernel", 6))
            continue;
        char kern[16], delta[32], eps[32];
        long n, L;
        ck_assert_int_eq(sscanf(line, "%15[^,],%31[^,],%31[^,],%ld,%ld", kern, delta, eps, &n, &L),
                         5);
        int k = !strcmp(kern, "ntk") ? DA_DEPTH_NTK : DA_DEPTH_NNGP;
        long got = find_depth(c, k, delta, eps, n, NULL);
        ck_assert_msg(got == L, "%s delta=%s eps=%s n=%ld: got %ld, mpmath %ld", kern, delta, eps,
                      n, got, L);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 40);
    da_depth_ctx_free(c);
    da_act_free(a);
}
END_TEST

/* erf, sin, step: tests/data/depth_closed.csv (tests/gen/gen_depth_closed.py,
   mpmath on the closed-form duals) */
START_TEST(test_depth_vs_mpmath_closed)
{
    FILE *f = tu_open_data("depth_closed.csv");
    ck_assert_msg(f != NULL, "depth_closed.csv not found");
    char line[256], cur[32] = "";
    da_act *a = NULL;
    da_depth_ctx *c = NULL;
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "act,", 4))
            continue;
        char act[32], kern[16], delta[32], eps[32];
        long n, L;
        ck_assert_int_eq(sscanf(line, "%31[^,],%15[^,],%31[^,],%31[^,],%ld,%ld", act, kern, delta,
                                eps, &n, &L), 6);
        if (strcmp(act, cur)) {
            da_depth_ctx_free(c);
            da_act_free(a);
            a = act_of(act);
            ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
            snprintf(cur, sizeof cur, "%s", act);
        }
        int k = !strcmp(kern, "ntk") ? DA_DEPTH_NTK : DA_DEPTH_NNGP;
        long got = find_depth(c, k, delta, eps, n, NULL);
        ck_assert_msg(got == L, "%s %s delta=%s eps=%s n=%ld: got %ld, mpmath %ld", act, kern,
                      delta, eps, n, got, L);
        rows++;
    }
    fclose(f);
    ck_assert_int_ge(rows, 100);
    da_depth_ctx_free(c);
    da_act_free(a);
}
END_TEST

/* L* by a plain double iteration of the fast path (a second method) */
static long depth_double(const da_dual *d, int ntk, double delta, double thr)
{
    /* beta from the ball path (the double series converges slowly at 1) */
    double beta = 0;
    if (ntk) {
        da_ball one, b;
        da_ball_init2(one, 128);
        da_ball_init2(b, 128);
        mpfr_set_ui(one->mid, 1, MPFR_RNDN);
        ck_assert(da_dual_eval(b, d, one, 1) == DA_OK);
        beta = mpfr_get_d(b->mid, MPFR_RNDN);
        da_ball_clear(one);
        da_ball_clear(b);
    }
    double rho = 1 - delta, th = rho, t1 = 1;
    long L = -1;
    for (long l = 0; l < 100000; l++) {
        double v = ntk ? th / t1 : rho;
        if (v <= thr) {
            L = l;
            break;
        }
        double fp, rn;
        ck_assert_int_eq(da_dual_eval_d(&fp, NULL, d, rho, 1), DA_OK);
        ck_assert_int_eq(da_dual_eval_d(&rn, NULL, d, rho, 0), DA_OK);
        th = th * fp + rn;
        t1 = t1 * beta + 1;
        rho = rn;
    }
    return L;
}

START_TEST(test_depth_bounds_sweep)
{
    /* every catalogue activation with mu > 0 under DUALACT_TEST_HEAVY;
       a representative subset by default */
    const char *subset[] = {"relu", "leaky_relu", "abs", "step", "relu_pow", "tanh", "erf",
                            "silu", "sin", "gaussian"};
    const char *deltas[] = {"0.5", "0.1", "0.01", "0.001"};
    size_t nacts = tu_heavy() ? da_catalog_size() : sizeof subset / sizeof subset[0];
    int checked = 0;
    for (size_t i = 0; i < nacts; i++) {
        const char *name = tu_heavy() ? da_catalog_get(i)->name : subset[i];
        da_act *a = NULL;
        if (da_act_new(&a, name) != DA_OK)
            continue;   /* entries that need parameters */
        da_depth_ctx *c = NULL;
        ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
        da_ball mu;
        da_ball_init2(mu, 64);
        ck_assert_int_eq(da_depth_mu(mu, c), DA_OK);
        int pos = mpfr_cmp(mu->mid, mu->rad) > 0;
        da_ball_clear(mu);
        if (!pos) {
            da_depth_ctx_free(c);
            da_act_free(a);
            continue;
        }
        da_dual *dd = NULL;
        da_dual_opts dop;
        da_dual_opts_init(&dop);
        dop.digits = 16;
        da_dual_new(&dd, a, &dop);
        ck_assert(dd != NULL);
        for (size_t j = 0; j < 4; j++) {
            da_depth_result r;
            long L = find_depth(c, DA_DEPTH_NNGP, deltas[j], "0.01", 1000, &r);
            ck_assert_msg(r.bound_majorant >= L && r.bound_potential >= r.bound_majorant &&
                          r.bound_two_phase >= r.bound_majorant,
                          "%s delta=%s: L*=%ld majorant=%ld potential=%ld two-phase=%ld", name,
                          deltas[j], L, r.bound_majorant, r.bound_potential, r.bound_two_phase);
            da_depth_result_clear(&r);
            long Ld = depth_double(dd, 0, atof(deltas[j]), 0.01 / 999);
            ck_assert_msg(Ld == L, "%s delta=%s: balls %ld, double iteration %ld", name,
                          deltas[j], L, Ld);
            if (!da_act_has_jump(a)) {
                long Ln = find_depth(c, DA_DEPTH_NTK, deltas[j], "0.01", 1000, NULL);
                long Lnd = depth_double(dd, 1, atof(deltas[j]), 0.01 / 999);
                ck_assert_msg(Ln == Lnd, "%s ntk delta=%s: balls %ld, double %ld", name,
                              deltas[j], Ln, Lnd);
            }
            checked++;
        }
        da_dual_free(dd);
        da_depth_ctx_free(c);
        da_act_free(a);
    }
    ck_assert_int_ge(checked, 40);
}
END_TEST

START_TEST(test_depth_errors)
{
    da_act *a = act_of("step");
    da_depth_ctx *c = NULL;
    ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
    da_ball d, e;
    dec(d, "0.1");
    dec(e, "0.01");
    da_depth_result r;
    da_depth_result_init(&r);
    ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NTK, d, e, 1000), DA_EINFINITE);
    ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NNGP, d, e, 1), DA_EINVAL);
    ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NNGP, d, e, 1000), DA_OK);
    /* eps >= n - 1 */
    ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NNGP, d, e, 1000), DA_OK);
    da_ball big;
    dec(big, "5");
    ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NNGP, d, big, 3), DA_EINVAL);
    /* delta = 1: rho = 0 is already below the threshold */
    da_ball one;
    dec(one, "1");
    ck_assert_int_eq(da_depth_find(&r, c, DA_DEPTH_NNGP, one, e, 1000), DA_OK);
    ck_assert_int_eq(r.depth, 0);
    ck_assert_int_eq(r.bound_potential, 0);
    ck_assert_int_eq(r.bound_majorant, 0);
    /* the identity never decays: no bound, search stops at max_depth */
    da_act *id = act_of("identity");
    da_depth_opts o;
    da_depth_opts_init(&o);
    o.max_depth = 50;
    da_depth_ctx *ci = NULL;
    ck_assert_int_eq(da_depth_ctx_new(&ci, id, &o), DA_OK);
    ck_assert_int_eq(da_depth_find(&r, ci, DA_DEPTH_NNGP, d, e, 1000), DA_EACCURACY);
    ck_assert_int_eq(r.depth, -1);
    ck_assert_int_eq(r.bound_potential, -1);
    da_depth_ctx_free(ci);
    da_act_free(id);
    /* decimals */
    da_ball x;
    da_ball_init2(x, 64);
    ck_assert_int_eq(da_depth_parse_decimal(x, "abc"), DA_EINVAL);
    ck_assert_int_eq(da_depth_parse_decimal(x, "0.01"), DA_OK);
    ck_assert(mpfr_cmp_ui(x->rad, 0) > 0);   /* 0.01 is not binary */
    ck_assert(tu_ball_contains_str(x, "0.01"));
    ck_assert_int_eq(da_depth_parse_decimal(x, "0.5"), DA_OK);
    ck_assert(mpfr_zero_p(x->rad));
    da_ball_clear(x);
    da_ball_clear(one);
    da_ball_clear(big);
    da_ball_clear(d);
    da_ball_clear(e);
    da_depth_result_clear(&r);
    da_depth_ctx_free(c);
    da_act_free(a);
}
END_TEST

/* Issue 21: inputs that are not finite decide nothing.  With the work
 * budget spent before the work starts (da_set_time_limit, CPU time, so the
 * test does not depend on the machine's speed), the duals of tanh nested
 * 12 times come out wide or NaN +- Inf; mpfr_cmp of a NaN reads as
 * "below the threshold", which made depth 1 a proved answer (the normalized
 * a_1^2 = 0.73 alone keeps sigma_hat(0.9) above 0.66).  Whatever the
 * budget leaves, a depth returned with DA_OK must be the true one, found
 * again without the limit. */
START_TEST(test_depth_nonfinite_inputs)
{
    /* tanh nested 12 times */
    char f[128] = "";
    for (int i = 0; i < 12; i++)
        strcat(f, "tanh(");
    strcat(f, "x");
    for (int i = 0; i < 12; i++)
        strcat(f, ")");
    da_act *a = act_of(f);
    da_ball d, e;
    dec(d, "0.1");
    dec(e, "0.01");
    for (int kern = 0; kern < 2; kern++) {
        da_depth_ctx *c = NULL;
        ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
        da_depth_result r;
        da_depth_result_init(&r);
        da_set_time_limit(1e-9);
        int st = da_depth_find(&r, c, kern ? DA_DEPTH_NTK : DA_DEPTH_NNGP, d, e, 1000);
        da_set_time_limit(0);
        long limited = r.depth;
        da_depth_ctx_free(c);
        if (st == DA_OK) {
            ck_assert_int_eq(da_depth_ctx_new(&c, a, NULL), DA_OK);
            ck_assert_int_eq(da_depth_find(&r, c, kern ? DA_DEPTH_NTK : DA_DEPTH_NNGP, d, e, 1000), DA_OK);
            ck_assert_msg(r.depth == limited, "%s: depth %ld under the time limit, %ld without",
                          kern ? "ntk" : "nngp", limited, r.depth);
            da_depth_ctx_free(c);
        } else {
            ck_assert_int_ne(st, DA_EINFINITE);
        }
        da_depth_result_clear(&r);
    }
    da_ball_clear(d);
    da_ball_clear(e);
    da_act_free(a);
}
END_TEST

/* ---- effective ranks --------------------------------------------------- */

START_TEST(test_effrank_known)
{
    double lam[] = {4, 3, 2, 1};
    double r, R;
    ck_assert_int_eq(da_effrank(&r, &R, lam, 4, 0), DA_OK);
    ck_assert(fabs(r - 2.5) < 1e-15 && fabs(R - 100.0 / 30.0) < 1e-14);
    ck_assert_int_eq(da_effrank(&r, &R, lam, 4, 1), DA_OK);
    ck_assert(fabs(r - 2.0) < 1e-15 && fabs(R - 36.0 / 14.0) < 1e-14);
    ck_assert_int_eq(da_effrank(&r, &R, lam, 4, 3), DA_OK);
    ck_assert(fabs(r - 1.0) < 1e-15 && fabs(R - 1.0) < 1e-15);
    ck_assert_int_eq(da_effrank(&r, &R, lam, 4, 4), DA_EINVAL);
    /* from trace, Frobenius norm and the top k+1 */
    ck_assert_int_eq(da_effrank_partial(&r, &R, 10, 30, lam, 1), DA_OK);
    ck_assert(fabs(r - 2.0) < 1e-15 && fabs(R - 36.0 / 14.0) < 1e-14);
    /* flat spectrum: r_0 = R_0 = n; geometric 2^-i: r_0 -> 2, R_0 -> 3 */
    double flat[50], geo[60];
    for (int i = 0; i < 50; i++)
        flat[i] = 0.7;
    for (int i = 0; i < 60; i++)
        geo[i] = ldexp(1, -i);
    da_effrank(&r, &R, flat, 50, 0);
    ck_assert(fabs(r - 50) < 1e-12 && fabs(R - 50) < 1e-12);
    da_effrank(&r, &R, geo, 60, 0);
    ck_assert(fabs(r - 2) < 1e-12 && fabs(R - 3) < 1e-12);
    da_effrank(&r, &R, geo, 60, 5);
    ck_assert(fabs(r - 2) < 1e-12 && fabs(R - 3) < 1e-12);
}
END_TEST

/* ---- data -------------------------------------------------------------- */

static int parse_err(const char *text, const char *cols, const char *want)
{
    da_gram_data *d = NULL;
    int st = da_gram_data_parse(&d, text, strlen(text), "data.csv", cols);
    ck_assert_msg(st == DA_EINVAL, "accepted: %s", text);
    ck_assert_msg(strstr(da_errmsg(), want) != NULL, "message '%s' lacks '%s'", da_errmsg(), want);
    ck_assert(d == NULL);
    return 1;
}

START_TEST(test_data_files)
{
    da_gram_data *d = NULL;
    const char *good = "a,b,label\n3,4,x\n\n# comment\n0,2,y\r\n-1,0,z\n";
    ck_assert_int_eq(da_gram_data_parse(&d, good, strlen(good), "g.csv", "1-2"), DA_OK);
    ck_assert_int_eq(d->n, 3);
    ck_assert_int_eq(d->dim, 2);
    ck_assert(d->had_header);
    ck_assert(fabs(d->x[0] - 0.6) < 1e-15 && fabs(d->x[1] - 0.8) < 1e-15);
    ck_assert(fabs(d->norm[0] - 5) < 1e-15);
    ck_assert(d->x[2] == 0 && d->x[3] == 1);
    da_gram_data_free(d);
    const char *ws = "1 2 3\n  4\t5 6 \n";
    ck_assert_int_eq(da_gram_data_parse(&d, ws, strlen(ws), "w.txt", NULL), DA_OK);
    ck_assert_int_eq(d->n, 2);
    ck_assert_int_eq(d->dim, 3);
    ck_assert(!d->had_header);
    da_gram_data_free(d);
    parse_err("1,2,3\n4,5,6\n7,abc,9\n", NULL, "data.csv:3: column 2: 'abc' is not a number");
    parse_err("x,y\n1,2\n3\n", NULL, "data.csv:3: 1 fields, expected 2 as on line 2");
    parse_err("1,2\n0,0\n", NULL, "data.csv:2: the row is zero");
    parse_err("1,2,a\n0,0,b\n", "1-2", "data.csv:2: the row is zero (in the selected columns)");
    parse_err("1,,2\n", NULL, "data.csv:1: column 2: empty field");
    parse_err("# only a comment\n", NULL, "data.csv: no data rows");
    parse_err("1,2\n", "3", "column 3 does not exist");
    parse_err("1,2\n", "2-1", "columns: bad range");
    parse_err("h1,h2\nh3,h4\n", NULL, "data.csv:2: column 1: 'h3' is not a number");
    parse_err("1,2\n1,inf\n", NULL, "data.csv:2: column 2: 'inf' is not a number");
    /* a real file in a temporary directory: messages use its base name */
    char dir[] = "/tmp/dualact_test_XXXXXX";
    ck_assert(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs("x1,x2\n1,2\n3,4\n5,6\n7,8\n9,1\n2,3\n4,oops\n", f);
    fclose(f);
    ck_assert_int_eq(da_gram_data_load(&d, path, NULL), DA_EINVAL);
    ck_assert_str_eq(da_errmsg(), "bad.csv:8: column 2: 'oops' is not a number");
    unlink(path);
    ck_assert_int_eq(da_gram_data_load(&d, path, NULL), DA_EINVAL);
    ck_assert(strstr(da_errmsg(), "cannot open") != NULL);
    rmdir(dir);
}
END_TEST

/* the first row: a header only when every field is a name; anything else
   is data (or an error naming the line and column), never dropped */
static size_t parse_rows(const char *text, size_t len, const char *cols, int *header)
{
    da_gram_data *d = NULL;
    int st = da_gram_data_parse(&d, text, len, "data.csv", cols);
    ck_assert_msg(st == DA_OK, "refused '%s': %s", text, da_errmsg());
    size_t n = d->n;
    *header = d->had_header;
    da_gram_data_free(d);
    return n;
}

START_TEST(test_data_first_row)
{
    int h;
    const char bom[] = "\xEF\xBB\xBF" "1,2\n3,4\n";
    ck_assert_int_eq(parse_rows(bom, strlen(bom), NULL, &h), 2);
    ck_assert(!h);
    const char bomh[] = "\xEF\xBB\xBF" "x,y\n3,4\n";
    ck_assert_int_eq(parse_rows(bomh, strlen(bomh), NULL, &h), 1);
    ck_assert(h);
    /* CR-only line endings (old Mac), and mixed */
    ck_assert_int_eq(parse_rows("1,2\r3,4\r5,6", 11, NULL, &h), 3);
    ck_assert(!h);
    ck_assert_int_eq(parse_rows("a,b\r\n1,2\r3,4\n5,6\r\n", 18, NULL, &h), 3);
    ck_assert(h);
    ck_assert_int_eq(parse_rows("1 2\r\r\r3 4\r", 10, NULL, &h), 2);
    /* UTF-8 names are names; a label column is allowed outside --columns */
    const char utf[] = "\xCF\x81,\xCF\x83\n1,2\n";
    ck_assert_int_eq(parse_rows(utf, strlen(utf), NULL, &h), 1);
    ck_assert(h);
    ck_assert_int_eq(parse_rows("1,2,label\n3,4,x\n", 16, "1-2", &h), 2);
    ck_assert(!h);
    /* a first row that is not a header is data: an error names line and column */
    parse_err("nan,1\n1,2\n", NULL, "data.csv:1: column 1: 'nan' is not a number (NaN)");
    parse_err("1,inf\n1,2\n", NULL, "data.csv:1: column 2: 'inf' is not a number (infinite)");
    parse_err("Inf,NaN\n1,2\n", NULL, "data.csv:1: column 1: 'Inf' is not a number (infinite)");
    parse_err("1e309,1\n1,2\n", NULL, "data.csv:1: column 1: '1e309' is out of the range of double");
    parse_err("1.5.2,1\n1,2\n", NULL, "data.csv:1: column 1: '1.5.2' is not a number");
    parse_err("1,2,3 # c\n1,2,3\n", NULL, "data.csv:1: column 3: '3 # c' is not a number");
    parse_err("x,1\n1,2\n", NULL, "data.csv:1: column 1: 'x' is not a number");
    parse_err("a,,c\n1,2,3\n", NULL, "data.csv:1: column 1: 'a' is not a number");
    parse_err("\xEF\xBB\xBF" "1,2\n3,\xEF\xBB\xBF" "4\n", NULL, "data.csv:2: column 2:");
    parse_err("1,2\r3,x\r", NULL, "data.csv:2: column 2: 'x' is not a number");
    /* a 5000-digit number: read, or refused as out of range, never dropped */
    char *big = malloc(5000 + 16);
    ck_assert(big != NULL);
    memset(big, '7', 5000);
    strcpy(big + 5000, ",1\n1,2\n");
    parse_err(big, NULL, "data.csv:1: column 1: '7777777777777777777777777777777777777777...' "
              "is out of the range of double");
    big[0] = '0';
    big[1] = '.';
    ck_assert_int_eq(parse_rows(big, strlen(big), NULL, &h), 2);
    ck_assert(!h);
    free(big);
    /* control bytes in a field do not reach the one-line message */
    parse_err("1,a\x01" "b\n", NULL, "data.csv:1: column 2: 'a?b' is not a number");
}
END_TEST

/* After the library's first GSL use, GSL's aborting default handler is
   off: a GSL error (here a domain error; in the library a failed
   allocation) returns a status instead of aborting the process. */
START_TEST(test_gsl_handler_off)
{
    da_gram_data *d = NULL;
    ck_assert_int_eq(da_gram_data_sphere(&d, 3, 2, 1), DA_OK);
    da_gram_data_free(d);
    gsl_sf_result r;
    ck_assert_int_eq(gsl_sf_log_e(-1.0, &r), GSL_EDOM);
}
END_TEST

START_TEST(test_data_generated)
{
    da_gram_data *d = NULL;
    ck_assert_int_eq(da_gram_data_sphere(&d, 100, 7, 3), DA_OK);
    for (size_t i = 0; i < d->n; i++) {
        double s = 0;
        for (size_t j = 0; j < d->dim; j++)
            s += d->x[i * d->dim + j] * d->x[i * d->dim + j];
        ck_assert(fabs(s - 1) < 1e-14);
    }
    da_gram_data *e = NULL;
    ck_assert_int_eq(da_gram_data_sphere(&e, 100, 7, 3), DA_OK);
    ck_assert(!memcmp(d->x, e->x, 700 * sizeof(double)));   /* reproducible */
    da_gram_data_free(d);
    da_gram_data_free(e);
    ck_assert_int_eq(da_gram_data_separated(&d, 60, 10, 0.2, 1), DA_OK);
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = i + 1; j < d->n; j++) {
            double s = 0;
            for (size_t k = 0; k < d->dim; k++)
                s += d->x[i * d->dim + k] * d->x[j * d->dim + k];
            ck_assert(fabs(s) <= 0.8 + 1e-14);
            if (i == 0 && j == 1)
                ck_assert(fabs(s - 0.8) < 1e-14);
        }
    da_gram_data_free(d);
    ck_assert_int_eq(da_gram_data_separated(&d, 50, 2, 0.5, 1), DA_EDOM);
}
END_TEST

/* ---- Gram -------------------------------------------------------------- */

START_TEST(test_gram_gershgorin_full)
{
    da_act *a = act_of("relu_normalized");
    da_gram_data *d = NULL;
    ck_assert_int_eq(da_gram_data_separated(&d, 120, 8, 0.1, 5), DA_OK);
    da_gram_opts o;
    da_gram_opts_init(&o);
    o.depth = 50;
    o.rank_k = 3;
    da_gram_layer rows[51];
    ck_assert_int_eq(da_gram_analyze(rows, a, d, &o), DA_OK);
    /* the first pair is the worst: max_offdiag = sigma_hat^{oL}(0.9) */
    da_depth_ctx *c = NULL;
    da_depth_ctx_new(&c, a, NULL);
    da_depth_result r;
    long L = find_depth(c, DA_DEPTH_NNGP, "0.1", "0.01", 1000, &r);
    ck_assert_int_eq(L, 45);
    ck_assert(fabs(rows[45].max_offdiag - mpfr_get_d(r.value.mid, MPFR_RNDN)) < 1e-13);
    ck_assert(fabs(rows[44].max_offdiag - mpfr_get_d(r.previous.mid, MPFR_RNDN)) < 1e-13);
    da_depth_result_clear(&r);
    da_depth_ctx_free(c);
    for (int l = 0; l <= 50; l++) {
        da_gram_layer *g = &rows[l];
        ck_assert_int_eq(g->method, DA_GRAM_FULL);
        ck_assert(g->lambda_min >= g->gershgorin - g->lambda_err);
        ck_assert(g->lambda_max <= g->gershgorin_max + g->lambda_err);
        ck_assert(g->lambda_min <= 1 + g->lambda_err && g->lambda_max >= 1 - g->lambda_err);
        ck_assert(g->lambda_max >= g->max_offdiag);   /* 2x2 principal minors */
        ck_assert(g->trace == 120);
        ck_assert(g->R0 <= 120 * (1 + 1e-12) && g->r0 <= g->R0 * (1 + 1e-12));
        ck_assert(g->entry_err < 1e-12);
        if (l >= 45)   /* eps = 0.01 at n = 1000 is far stricter than n = 120 needs */
            ck_assert(g->gershgorin >= 1 - 0.01 * 119.0 / 999.0);
    }
    /* the spectrum tightens with depth */
    ck_assert(rows[50].cond < rows[10].cond && rows[10].cond < rows[1].cond);
    /* R_0 from the Frobenius norm equals R_0 from the full spectrum */
    da_gram_data *d2 = NULL;
    da_gram_data_sphere(&d2, 80, 5, 2);
    o.depth = 3;
    o.rank_k = 2;
    da_gram_layer r2[4];
    ck_assert_int_eq(da_gram_analyze(r2, a, d2, &o), DA_OK);
    ck_assert(fabs(r2[3].R0 - 80 * 80 / r2[3].frob2) < 1e-12);
    ck_assert(r2[0].lambda_min < 1e-12);   /* rank 5 < 80 points */
    ck_assert(isinf(r2[0].cond) || r2[0].cond > 1e12);
    da_gram_data_free(d2);
    da_gram_data_free(d);
    da_act_free(a);
}
END_TEST

START_TEST(test_gram_lanczos_vs_full)
{
    da_act *a = act_of("tanh");
    da_gram_data *d = NULL;
    long n = tu_heavy() ? 900 : 450;
    ck_assert_int_eq(da_gram_data_sphere(&d, (size_t)n, 20, 7), DA_OK);
    da_gram_opts o;
    da_gram_opts_init(&o);
    o.depth = 6;
    o.rank_k = 2;
    da_gram_layer lz[7], fu[7];
    ck_assert_int_eq(da_gram_analyze(lz, a, d, &o), DA_OK);
    o.spectrum = 1;
    ck_assert_int_eq(da_gram_analyze(fu, a, d, &o), DA_OK);
    for (int l = 0; l <= 6; l++) {
        ck_assert_int_eq(lz[l].method, DA_GRAM_LANCZOS);
        ck_assert_int_eq(fu[l].method, DA_GRAM_FULL);
        ck_assert(lz[l].converged);
        double tol = lz[l].lambda_err + fu[l].lambda_err;
        ck_assert_msg(fabs(lz[l].lambda_max - fu[l].lambda_max) <= tol,
                      "layer %d lambda_max %.15g vs %.15g", l, lz[l].lambda_max, fu[l].lambda_max);
        ck_assert_msg(fabs(lz[l].lambda_min - fu[l].lambda_min) <= tol,
                      "layer %d lambda_min %.15g vs %.15g (tol %g)", l, lz[l].lambda_min,
                      fu[l].lambda_min, tol);
        ck_assert(fabs(lz[l].rk - fu[l].rk) <= 1e-6 * fu[l].rk);
        ck_assert(fabs(lz[l].Rk - fu[l].Rk) <= 1e-6 * fu[l].Rk);
        ck_assert(lz[l].R0 == fu[l].R0);
        ck_assert(lz[l].max_offdiag == fu[l].max_offdiag);
    }
    da_gram_data_free(d);
    da_act_free(a);
}
END_TEST

START_TEST(test_gram_ntk)
{
    da_act *a = act_of("relu_normalized");
    da_gram_data *d = NULL;
    ck_assert_int_eq(da_gram_data_separated(&d, 40, 12, 0.1, 9), DA_OK);
    da_gram_opts o;
    da_gram_opts_init(&o);
    o.depth = 30;
    o.ntk = 1;
    da_gram_layer rows[31];
    ck_assert_int_eq(da_gram_analyze(rows, a, d, &o), DA_OK);
    da_depth_ctx *c = NULL;
    da_depth_ctx_new(&c, a, NULL);
    da_depth_result r;
    ck_assert_int_eq(find_depth(c, DA_DEPTH_NTK, "0.1", "0.01", 1000, &r), 25);
    ck_assert_msg(fabs(rows[25].max_offdiag - mpfr_get_d(r.value.mid, MPFR_RNDN)) < 1e-12,
                  "%.15g vs %.15g", rows[25].max_offdiag, mpfr_get_d(r.value.mid, MPFR_RNDN));
    ck_assert(rows[25].entry_err < 1e-10);
    da_depth_result_clear(&r);
    da_depth_ctx_free(c);
    for (int l = 0; l <= 30; l++)
        ck_assert(rows[l].lambda_min >= rows[l].gershgorin - rows[l].lambda_err);
    /* NTK of a jumping activation */
    da_act *s = act_of("sign");
    ck_assert_int_eq(da_gram_analyze(rows, s, d, &o), DA_EINFINITE);
    da_act_free(s);
    da_gram_data_free(d);
    da_act_free(a);
}
END_TEST

/* ---- simulation -------------------------------------------------------- */

START_TEST(test_sim_pair)
{
    struct { const char *act; double rho; long W, L, T; unsigned long seed; } cases[] = {
        {"tanh", 0.9, 200, 4, 100, 2},
        {"relu_normalized", 0.5, 300, 3, 60, 7},
        {"erf", -0.6, 200, 3, 80, 11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        da_act *a = act_of(cases[i].act);
        da_sim_pair_opts o;
        da_sim_pair_opts_init(&o);
        o.width = cases[i].W;
        o.depth = cases[i].L;
        o.trials = cases[i].T;
        o.seed = cases[i].seed;
        da_sim_layer rows[8], again[8];
        ck_assert_int_eq(da_sim_pair(rows, a, cases[i].rho, &o), DA_OK);
        for (long l = 0; l <= o.depth; l++) {
            ck_assert_msg(rows[l].inside, "%s layer %ld: theory %.6f, interval [%.6f, %.6f]",
                          cases[i].act, l, rows[l].theory, rows[l].ci_lo, rows[l].ci_hi);
            if (l > 0)
                ck_assert(rows[l].ci_hi - rows[l].ci_lo > 0 && rows[l].ci_hi - rows[l].ci_lo < 0.1);
        }
        ck_assert(fabs(rows[0].theory - cases[i].rho) < 1e-15);
        /* the same seed gives the same numbers; another seed others */
        o.width = 50;
        o.depth = 2;
        o.trials = 10;
        ck_assert_int_eq(da_sim_pair(rows, a, cases[i].rho, &o), DA_OK);
        ck_assert_int_eq(da_sim_pair(again, a, cases[i].rho, &o), DA_OK);
        ck_assert(again[o.depth].mean == rows[o.depth].mean);
        o.seed++;
        ck_assert_int_eq(da_sim_pair(again, a, cases[i].rho, &o), DA_OK);
        ck_assert(again[o.depth].mean != rows[o.depth].mean);
        da_act_free(a);
    }
    /* the test can fail: a wrong theory (the identity map) is rejected */
    da_act *a = act_of("relu_normalized");
    da_sim_pair_opts o;
    da_sim_pair_opts_init(&o);
    o.width = 300;
    o.depth = 3;
    o.trials = 60;
    o.seed = 7;
    da_sim_layer rows[4];
    ck_assert_int_eq(da_sim_pair(rows, a, 0.5, &o), DA_OK);
    ck_assert(!(0.5 >= rows[3].ci_lo && 0.5 <= rows[3].ci_hi));
    ck_assert_int_eq(da_sim_pair(rows, a, 1.5, &o), DA_EINVAL);
    da_act_free(a);
}
END_TEST

START_TEST(test_sim_gram)
{
    da_act *a = act_of("relu_normalized");
    da_gram_data *d = NULL;
    ck_assert_int_eq(da_gram_data_sphere(&d, 8, 5, 4), DA_OK);
    da_sim_pair_opts o;
    da_sim_pair_opts_init(&o);
    o.width = 300;
    o.depth = 3;
    o.trials = 80;
    o.seed = 3;
    da_sim_gram_layer rows[4];
    ck_assert_int_eq(da_sim_gram(rows, a, d, &o), DA_OK);
    ck_assert(rows[0].max_abs_dev < 1e-14 && rows[0].inside_share == 1);
    for (int l = 1; l <= 3; l++) {
        ck_assert_msg(rows[l].inside_share >= 0.9, "layer %d: %g inside", l, rows[l].inside_share);
        ck_assert(rows[l].max_z < 4.5);
        ck_assert(rows[l].max_abs_dev < 0.05);
    }
    da_gram_data_free(d);
    da_act_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analysis");
    struct { const char *name; const TTest *t[8]; } groups[] = {
        {"depth", {test_depth_relu_anchors, test_depth_vs_mpmath_grid, test_depth_vs_mpmath_closed,
                   test_depth_bounds_sweep, test_depth_errors, test_depth_nonfinite_inputs, NULL}},
        {"data", {test_effrank_known, test_data_files, test_data_first_row, test_data_generated,
                  test_gsl_handler_off, NULL}},
        {"gram", {test_gram_gershgorin_full, test_gram_lanczos_vs_full, test_gram_ntk, NULL}},
        {"simulate", {test_sim_pair, test_sim_gram, NULL}},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        TCase *tc = tcase_create(groups[g].name);
        tu_limits(tc, 60, 1);
        for (int i = 0; groups[g].t[i]; i++)
            tcase_add_test(tc, groups[g].t[i]);
        suite_add_tcase(s, tc);
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_netk.c -- the dual at general variances and the network kernels
 * (lib/dual/netkernel.c) against independent values: mpmath's
 * two-dimensional quadratures and closed forms layer by layer
 * (tests/data/kernel_refs.csv, kernel_std_refs.csv from
 * tests/gen/gen_kernel.py), the series path against the closed forms, and
 * the error paths.  DUALACT_TEST_HEAVY=1 adds a GELU series check at 30
 * digits (its coefficients are slow to compute). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "testutil.h"

static da_act *mkact(const char *spec)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, spec), DA_OK);
    return a;
}

static da_netk *mknetk(const da_act *a, long digits, da_dual_method_t m)
{
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = digits;
    o.method = m;
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, &o), DA_OK);
    return k;
}

static void dec(da_ball b, const char *s)
{
    da_ball_init2(b, 400);
    char *end;
    int t = mpfr_strtofr(b->mid, s, &end, 10, MPFR_RNDN);
    ck_assert(*end == '\0');
    mpfr_set_zero(b->rad, 1);
    if (t)
        mpfr_set_ui_2exp(b->rad, 1, mpfr_get_exp(b->mid) - 400, MPFR_RNDU);
}

/* the activation of a reference file's name */
static const char *spec_of(const char *name)
{
    if (!strcmp(name, "mish"))
        return "x*tanh(softplus(x))";
    if (!strcmp(name, "hrelu"))
        return "sqrt(2)*relu(x)";
    return name;
}

#define MAXL 16
typedef struct {
    char key[128], act[32], sw2[32], sb2[32], q1[32], q2[32], cov[32];
    long dim, width;
    int nl;
    char v[MAXL][4][64];
} refcase;

/* read every case of a reference file (std: with dim, width columns) */
static int read_refs(refcase *cs, int max, const char *file, int std)
{
    FILE *f = tu_open_data(file);
    ck_assert_msg(f != NULL, "cannot open %s", file);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "case,", 5))
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *fld[20];
        int nf = 0;
        for (char *p = strtok(line, ","); p && nf < 20; p = strtok(NULL, ","))
            fld[nf++] = p;
        ck_assert_int_eq(nf, std ? 14 : 12);
        char key[128];
        snprintf(key, sizeof key, "%s/%s", fld[0], fld[1]);
        refcase *c = NULL;
        for (int i = 0; i < n; i++)
            if (!strcmp(cs[i].key, key))
                c = &cs[i];
        if (!c) {
            ck_assert(n < max);
            c = &cs[n++];
            memset(c, 0, sizeof *c);
            snprintf(c->key, sizeof c->key, "%s", key);
            snprintf(c->act, sizeof c->act, "%s", fld[1]);
            snprintf(c->sw2, sizeof c->sw2, "%s", fld[2]);
            snprintf(c->sb2, sizeof c->sb2, "%s", fld[3]);
            snprintf(c->q1, sizeof c->q1, "%s", fld[4]);
            snprintf(c->q2, sizeof c->q2, "%s", fld[5]);
            snprintf(c->cov, sizeof c->cov, "%s", fld[6]);
            if (std) {
                c->dim = atol(fld[7]);
                c->width = atol(fld[8]);
            }
        }
        int o = std ? 9 : 7;
        int l = atoi(fld[o]);
        ck_assert(l < MAXL && l == c->nl);
        for (int j = 0; j < 4; j++)
            snprintf(c->v[l][j], sizeof c->v[l][j], "%s", fld[o + 1 + j]);
        c->nl++;
    }
    fclose(f);
    return n;
}

/* the ball, widened by 1e-33 (the references' own accuracy: their two
 * mpmath passes agree to that), contains ref */
static int contains_ref(const da_ball_struct *b, const char *ref)
{
    da_ball w;
    da_ball_init2(w, mpfr_get_prec(b->mid));
    da_ball_set(w, b);
    mpfr_t e;
    mpfr_init2(e, DA_RAD_PREC);
    mpfr_set_str(e, "1e-33", 10, MPFR_RNDU);
    mpfr_add(w->rad, w->rad, e, MPFR_RNDU);
    int ok = tu_ball_contains_str(w, ref);
    mpfr_clear(e);
    da_ball_clear(w);
    return ok;
}

static void run_case(const refcase *c, long digits, int std)
{
    da_act *a = mkact(spec_of(c->act));
    da_netk *k = mknetk(a, digits + 6, DA_DUAL_AUTO);
    da_netk_net net;
    da_netk_net_init(&net);
    net.depth = c->nl - 1;
    if (std) {
        net.param = DA_NETK_PARAM_STANDARD;
        net.dim = c->dim;
        net.width = c->width;
    }
    dec(&net.sw2, c->sw2);
    dec(&net.sb2, c->sb2);
    da_ball q1, q2, cv;
    dec(q1, c->q1);
    dec(q2, c->q2);
    dec(cv, c->cov);
    da_netk_layer rows[MAXL];
    int st = da_netk_network(rows, k, &net, q1, q2, cv);
    ck_assert_msg(st == DA_OK || st == DA_EACCURACY, "%s: status %d (%s)", c->key, st, da_errmsg());
    for (int l = 0; l < c->nl; l++) {
        const da_ball_struct *b[4] = {&rows[l].q1, &rows[l].q2, &rows[l].nngp, &rows[l].ntk};
        for (int j = 0; j < 4; j++) {
            ck_assert_msg(contains_ref(b[j], c->v[l][j]),
                          "%s layer %d column %d: ball %.17g +- %.3g misses %s", c->key, l, j,
                          mpfr_get_d(b[j]->mid, MPFR_RNDN), mpfr_get_d(b[j]->rad, MPFR_RNDU), c->v[l][j]);
            ck_assert_msg(da_ball_digits(b[j]) >= (double)digits, "%s layer %d column %d: %.1f digits",
                          c->key, l, j, da_ball_digits(b[j]));
        }
        da_netk_layer_clear(&rows[l]);
    }
    da_ball_clear(q1);
    da_ball_clear(q2);
    da_ball_clear(cv);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_netk_free(k);
    da_act_free(a);
}

START_TEST(test_refs_ntk)
{
    refcase cs[16];
    int n = read_refs(cs, 16, "kernel_refs.csv", 0);
    ck_assert(n >= 6);
    for (int i = 0; i < n; i++) {
        run_case(&cs[i], 30, 0);
    }
}
END_TEST

START_TEST(test_refs_standard)
{
    refcase cs[8];
    int n = read_refs(cs, 8, "kernel_std_refs.csv", 1);
    ck_assert(n >= 2);
    for (int i = 0; i < n; i++)
        run_case(&cs[i], 30, 1);
}
END_TEST

/* the series of sigma(sqrt(q) x) against the closed forms, both kernels */
START_TEST(test_series_vs_closed)
{
    static const char *acts[] = {"erf", "relu", "sin", "gaussian", "abs", "leaky_relu(0.2)",
                                 "erf(3*x)", "2.5*exp(0.5*x)", "0.5*erf(x/2.4020563531719796)+0.5",
                                 "relu(x)-0.3", "2*cos(x)+1", "1+gelu(x)"};
    static const char *pts[][3] = {{"1.3", "0.7", "0.4"}, {"0.45", "2.2", "-0.6"}, {"1", "1", "0.93"}};
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        da_act *a = mkact(acts[i]);
        da_netk *kc = mknetk(a, 25, DA_DUAL_CLOSED);
        da_netk *ks = mknetk(a, 25, DA_DUAL_SERIES);
        ck_assert_msg(da_netk_closed(kc), "%s: closed form expected", acts[i]);
        for (size_t j = 0; j < 3; j++) {
            /* erf(3 x) at rho = 0.93: the series needs thousands of terms
               (a_k^2 ~ (18/19)^k): too slow for a unit test */
            if ((!strcmp(acts[i], "erf(3*x)") && j == 2) || (!strcmp(acts[i], "1+gelu(x)") && j > 0))
                continue;   /* and gelu's coefficients take a second each */
            da_ball q1, q2, c, r1, r2;
            dec(q1, pts[j][0]);
            dec(q2, pts[j][1]);
            dec(c, pts[j][2]);
            da_ball_init2(r1, 200);
            da_ball_init2(r2, 200);
            for (int m = 0; m < 2; m++) {
                int s1 = da_netk_eval(r1, kc, q1, q2, c, m);
                int s2 = da_netk_eval(r2, ks, q1, q2, c, m);
                ck_assert_msg(s1 == DA_OK, "%s closed m=%d: %d %s", acts[i], m, s1, da_errmsg());
                ck_assert_msg(s2 == DA_OK || s2 == DA_EACCURACY, "%s series m=%d: %d %s", acts[i], m,
                              s2, da_errmsg());
                mpfr_t d;
                mpfr_init2(d, 200);
                mpfr_sub(d, r1->mid, r2->mid, MPFR_RNDN);
                mpfr_abs(d, d, MPFR_RNDN);
                mpfr_t tol;
                mpfr_init2(tol, 64);
                mpfr_add(tol, r1->rad, r2->rad, MPFR_RNDU);
                ck_assert_msg(mpfr_cmp(d, tol) <= 0, "%s at %s,%s,%s m=%d: closed %.17g series %.17g",
                              acts[i], pts[j][0], pts[j][1], pts[j][2], m, mpfr_get_d(r1->mid, MPFR_RNDN),
                              mpfr_get_d(r2->mid, MPFR_RNDN));
                if (s2 == DA_OK)
                    ck_assert(da_ball_digits(r2) >= 25);
                mpfr_clears(d, tol, (mpfr_ptr)0);
            }
            /* the diagonal */
            ck_assert_int_eq(da_netk_diag(r1, kc, q1, 0), DA_OK);
            ck_assert_int_eq(da_netk_diag(r2, ks, q1, 0), DA_OK);
            mpfr_t d;
            mpfr_init2(d, 200);
            mpfr_sub(d, r1->mid, r2->mid, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDN);
            ck_assert_msg(mpfr_cmp_d(d, 1e-24) <= 0, "%s diag", acts[i]);
            mpfr_clear(d);
            da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
            da_ball_clear(r1); da_ball_clear(r2);
        }
        da_netk_free(kc);
        da_netk_free(ks);
        da_act_free(a);
    }
}
END_TEST

/* GELU: the arctan closed form against the Hermite series of x Phi(x)
 * (the engine takes about a second per coefficient set for Phi: one point,
 * 20 digits; DUALACT_TEST_HEAVY adds a second point at 30 digits) */
START_TEST(test_gelu_series)
{
    da_act *a = mkact("gelu");
    int heavy = tu_heavy();
    da_netk *kc = mknetk(a, heavy ? 30 : 20, DA_DUAL_AUTO);
    da_netk *ks = mknetk(a, heavy ? 30 : 20, DA_DUAL_SERIES);
    ck_assert(da_netk_closed(kc) && !da_netk_closed(ks));
    static const char *pts[][3] = {{"2.05", "1.15", "0.7"}, {"0.3", "1.9", "-0.71"}};
    for (int j = 0; j < (heavy ? 2 : 1); j++) {
        da_ball q1, q2, c, r1, r2;
        dec(q1, pts[j][0]);
        dec(q2, pts[j][1]);
        dec(c, pts[j][2]);
        da_ball_init2(r1, 200);
        da_ball_init2(r2, 200);
        for (int m = 0; m < 2; m++) {
            ck_assert_int_eq(da_netk_eval(r1, kc, q1, q2, c, m), DA_OK);
            ck_assert_int_eq(da_netk_eval(r2, ks, q1, q2, c, m), DA_OK);
            mpfr_t d, tol;
            mpfr_init2(d, 200);
            mpfr_init2(tol, 64);
            mpfr_sub(d, r1->mid, r2->mid, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDN);
            mpfr_add(tol, r1->rad, r2->rad, MPFR_RNDU);
            ck_assert_msg(mpfr_cmp(d, tol) <= 0, "gelu m=%d: closed %.17g series %.17g", m,
                          mpfr_get_d(r1->mid, MPFR_RNDN), mpfr_get_d(r2->mid, MPFR_RNDN));
            mpfr_clears(d, tol, (mpfr_ptr)0);
        }
        da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
        da_ball_clear(r1); da_ball_clear(r2);
    }
    da_netk_free(kc);
    da_netk_free(ks);
    da_act_free(a);
}
END_TEST

/* identities: rho = 0 gives E s(u) E s(v); q1 = q2 = c = q is the diagonal;
 * the double path agrees with the balls */
START_TEST(test_identities)
{
    da_act *a = mkact("tanh(x) + 0.3*x^2");
    da_netk *k = mknetk(a, 25, DA_DUAL_AUTO);
    ck_assert(!da_netk_closed(k));
    da_ball q1, q2, c, r, e1, e2;
    dec(q1, "0.8");
    dec(q2, "1.7");
    dec(c, "0");
    da_ball_init2(r, 200);
    /* E[tanh(u) + 0.3 u^2] = 0.3 q */
    ck_assert_int_eq(da_netk_eval(r, k, q1, q2, c, 0), DA_OK);
    ck_assert(tu_ball_contains_str(r, "0.1224"));   /* 0.3*0.8 * 0.3*1.7 */
    double err, v = da_netk_eval_d(k, 0.8, 1.7, 0, 0, &err);
    ck_assert(fabs(v - 0.1224) <= err + 1e-15);
    (void)e1; (void)e2;
    da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c); da_ball_clear(r);
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

START_TEST(test_errors)
{
    da_act *a = mkact("tanh");
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.method = DA_DUAL_CLOSED;
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, &o), DA_EINVAL);
    k = mknetk(a, 20, DA_DUAL_AUTO);
    da_ball q1, q2, c, r;
    dec(q1, "1");
    dec(q2, "1");
    dec(c, "1.5");
    da_ball_init2(r, 100);
    ck_assert_int_eq(da_netk_eval(r, k, q1, q2, c, 0), DA_EDOM);
    mpfr_set_si(q1->mid, -1, MPFR_RNDN);
    ck_assert_int_eq(da_netk_eval(r, k, q1, q2, c, 0), DA_EDOM);
    ck_assert_int_eq(da_netk_eval(r, k, q2, q2, q2, 2), DA_EINVAL);
    da_netk_free(k);
    da_act_free(a);
    /* the derivative kernel of step on the diagonal is infinite */
    a = mkact("step");
    k = mknetk(a, 20, DA_DUAL_AUTO);
    ck_assert_int_eq(da_netk_diag(r, k, q2, 1), DA_EINFINITE);
    da_ball_clear(c);
    dec(c, "0.5");
    ck_assert_int_eq(da_netk_eval(r, k, q2, q2, c, 1), DA_OK);
    /* 1/(2 pi sqrt(1 - 1/4)) */
    ck_assert_msg(tu_ball_contains_str(r, "0.1837762984739306831704421661043231471325"), "step' kernel %.20g +- %g",
                  mpfr_get_d(r->mid, MPFR_RNDN), mpfr_get_d(r->rad, MPFR_RNDU));
    da_netk_free(k);
    da_act_free(a);
    da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c); da_ball_clear(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("netk");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_refs_ntk);
    tcase_add_test(tc, test_refs_standard);
    tcase_add_test(tc, test_series_vs_closed);
    tcase_add_test(tc, test_gelu_series);
    tcase_add_test(tc, test_identities);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

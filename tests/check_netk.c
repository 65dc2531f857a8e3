/* check_netk.c -- the dual at general variances and the network kernels
 * (lib/dual/netkernel.c) against independent values: mpmath's
 * two-dimensional quadratures and closed forms layer by layer
 * (tests/data/kernel_refs.csv, kernel_std_refs.csv, kernel_series_refs.csv
 * from tests/gen/gen_kernel.py), with every layer proved (da_netk_rigorous)
 * for the series path of tanh, mish, SiLU, softplus, sigmoid and GELU; the
 * proved variance-offset bound (lib/dual/netk_offset.c) against closed
 * forms and as an upper bound of the change between two nearby variances
 * (random cases: DUALACT_TEST_SEED, DUALACT_TEST_MULTIPLIER); what stays an
 * estimate, and why; the series path against the closed forms, and the
 * error paths.  A multiplier above 1 adds a second GELU point at 30 digits
 * to test_gelu_series. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "dual/dual.h"
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

static void da_ball_set_d(da_ball b, double x)
{
    mpfr_set_d(b->mid, x, MPFR_RNDN);
    mpfr_set_zero(b->rad, 1);
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

/* the network of a reference case through method m, layers 0..nl-1 (all
   when nl < 0): every ball contains its reference, has the digits, and
   the kernel says it is proved */
static void run_case_m(const refcase *c, long digits, int std, da_dual_method_t method, int nl)
{
    if (nl < 0 || nl > c->nl)
        nl = c->nl;
    da_act *a = mkact(spec_of(c->act));
    da_netk *k = mknetk(a, digits + 6, method);
    da_netk_net net;
    da_netk_net_init(&net);
    net.depth = nl - 1;
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
    for (int l = 0; l < MAXL; l++)
        da_netk_layer_init(&rows[l]);
    int st = da_netk_network(rows, k, &net, q1, q2, cv);
    ck_assert_msg(st == DA_OK || st == DA_EACCURACY, "%s: status %d (%s)", c->key, st, da_errmsg());
    ck_assert_msg(da_netk_rigorous(k), "%s (%s): an estimate: %s", c->key, da_netk_method(k),
                  da_netk_bound_reason(k));
    ck_assert_str_eq(da_netk_bound_reason(k), "");
    for (int l = 0; l < nl; l++) {
        const da_ball_struct *b[4] = {&rows[l].q1, &rows[l].q2, &rows[l].nngp, &rows[l].ntk};
        for (int j = 0; j < 4; j++) {
            ck_assert_msg(contains_ref(b[j], c->v[l][j]),
                          "%s layer %d column %d: ball %.17g +- %.3g misses %s", c->key, l, j,
                          mpfr_get_d(b[j]->mid, MPFR_RNDN), mpfr_get_d(b[j]->rad, MPFR_RNDU), c->v[l][j]);
            ck_assert_msg(da_ball_digits(b[j]) >= (double)digits, "%s layer %d column %d: %.1f digits",
                          c->key, l, j, da_ball_digits(b[j]));
        }
    }
    for (int l = 0; l < MAXL; l++)
        da_netk_layer_clear(&rows[l]);
    da_ball_clear(q1);
    da_ball_clear(q2);
    da_ball_clear(cv);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_netk_free(k);
    da_act_free(a);
}

static void run_case(const refcase *c, long digits, int std)
{
    run_case_m(c, digits, std, DA_DUAL_AUTO, -1);
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
    double err, v;
    ck_assert_int_eq(da_netk_eval_d(&v, &err, k, 0.8, 1.7, 0, 0), DA_OK);
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

/* the double path (da_netk_eval_fast) against the ball path at random
 * (q1, q2, c), |rho| <= 0.97, and the diagonal: relative 1e-12, and the
 * difference within the path's own error estimate */
START_TEST(test_fast_vs_ball)
{
    static const char *acts[] = {"relu", "erf", "abs", "step", "sign", "leaky_relu(0.2)",
                                 "gelu", "sin", "cos", "exp", "gaussian", "x", "2*erf(3*x)",
                                 "sqrt(2)*relu(x)"};
    unsigned long seed = 12345;
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        da_act *a = mkact(acts[i]);
        da_netk *k = mknetk(a, 20, DA_DUAL_AUTO);
        ck_assert_msg(da_netk_fast(k), "%s: fast path expected", acts[i]);
        for (int t = 0; t < 40; t++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            double u1 = (double)(seed >> 11) / 0x1p53;
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            double u2 = (double)(seed >> 11) / 0x1p53;
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            double u3 = (double)(seed >> 11) / 0x1p53;
            double q1 = 0.05 + 3 * u1, q2 = 0.05 + 3 * u2;
            double c = (t % 8 == 0) ? q1 : 0.97 * (2 * u3 - 1) * sqrt(q1 * q2);
            if (t % 8 == 0) q2 = q1;
            for (int m = 0; m <= 1; m++) {
                if (m == 1 && (t % 8 == 0) && (!strcmp(acts[i], "step") || !strcmp(acts[i], "sign")))
                    continue;                                     /* infinite */
                double e = 0, eb = 0;
                double v, w;
                ck_assert_int_eq(da_netk_eval_fast(&v, &e, k, q1, q2, c, m), DA_OK);
                int stb = da_netk_eval_d(&w, &eb, k, q1, q2, c, m);
                ck_assert(stb == DA_OK || stb == DA_EACCURACY);
                double scale = fmax(fabs(w), 1e-3 * fabs(q1 + q2));
                ck_assert_msg(fabs(v - w) <= 1e-12 * scale,
                              "%s m=%d (%g, %g, %g): fast %.17g ball %.17g", acts[i], m, q1, q2,
                              c, v, w);
                ck_assert_msg(fabs(v - w) <= e + eb,
                              "%s m=%d: |fast - ball| = %g above the estimate %g", acts[i], m,
                              fabs(v - w), e);
            }
        }
        da_netk_free(k);
        da_act_free(a);
    }
    /* no fast path: a series activation, a shifted closed form */
    static const char *slow[] = {"tanh", "relu(x)-0.3"};
    for (size_t i = 0; i < 2; i++) {
        da_act *a = mkact(slow[i]);
        da_netk *k = mknetk(a, 16, DA_DUAL_AUTO);
        ck_assert(!da_netk_fast(k));
        double v = 0;
        ck_assert_int_eq(da_netk_eval_fast(&v, NULL, k, 1, 1, 0.5, 0), DA_EINVAL);
        ck_assert(isnan(v));
        da_netk_free(k);
        da_act_free(a);
    }
}
END_TEST

/* da_netk_matrix_d against da_netk_network entry by entry (balls at 30
 * digits), both parameterisations, x1 != x2 and x2 = x1 */
START_TEST(test_matrix_vs_network)
{
    static const char *acts[] = {"relu", "erf", "tanh"};
    enum { N1 = 4, N2 = 3, D = 5, L = 4 };
    double X1[N1 * D], X2[N2 * D];
    unsigned long seed = 99;
    for (int i = 0; i < N1 * D + N2 * D; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        double u = (double)(seed >> 11) / 0x1p53 * 2 - 1;
        if (i < N1 * D) X1[i] = u; else X2[i - N1 * D] = u;
    }
    for (size_t ia = 0; ia < 3; ia++)
        for (int param = 0; param <= 1; param++)
            for (int same = 0; same <= 1; same++) {
                da_act *a = mkact(acts[ia]);
                da_netk *k = mknetk(a, 30, DA_DUAL_AUTO);
                da_netk *kd = mknetk(a, 16, DA_DUAL_AUTO);
                da_netk_net net;
                da_netk_net_init(&net);
                net.depth = L;
                net.param = param;
                net.width = 7;
                net.dim = D;
                da_ball_init2(&net.sw2, 200);
                da_ball_init2(&net.sb2, 200);
                da_ball_set_d(&net.sw2, 1.5);
                da_ball_set_d(&net.sb2, 0.125);
                const double *Y = same ? X1 : X2;
                size_t n2 = same ? N1 : N2;
                double K[N1 * N1], T[N1 * N1], err = 0;
                ck_assert_int_eq(da_netk_matrix_d(K, T, &err, kd, &net, X1, N1,
                                                  same ? NULL : X2, N2, D), DA_OK);
                ck_assert_msg(err > 0 && err < 1e-10, "%s: err %g", acts[ia], err);
                for (size_t i = 0; i < N1; i++)
                    for (size_t j = 0; j < n2; j++) {
                        da_ball q1, q2, c;
                        da_ball_init2(q1, 200); da_ball_init2(q2, 200); da_ball_init2(c, 200);
                        double s11 = 0, s22 = 0, s12 = 0;
                        for (int t = 0; t < D; t++) {
                            s11 += X1[i * D + t] * X1[i * D + t];
                            s22 += Y[j * D + t] * Y[j * D + t];
                            s12 += X1[i * D + t] * Y[j * D + t];
                        }
                        da_ball_set_d(q1, s11 / D);
                        da_ball_set_d(q2, s22 / D);
                        da_ball_set_d(c, s12 / D);
                        /* the double sums carry rounding: balls of 1e-15 */
                        mpfr_set_d(q1->rad, 1e-15, MPFR_RNDU);
                        mpfr_set_d(q2->rad, 1e-15, MPFR_RNDU);
                        mpfr_set_d(c->rad, 1e-15, MPFR_RNDU);
                        net.identical = same && i == j;
                        da_netk_layer rows[L + 1];
                        for (int l = 0; l <= L; l++)
                            da_netk_layer_init(&rows[l]);
                        int st = da_netk_network(rows, k, &net, q1, q2, c);
                        ck_assert(st == DA_OK || st == DA_EACCURACY);
                        double kb = mpfr_get_d(rows[L].nngp.mid, MPFR_RNDN);
                        double tb = mpfr_get_d(rows[L].ntk.mid, MPFR_RNDN);
                        ck_assert_msg(fabs(K[i * n2 + j] - kb) <= 1e-12 * fabs(kb),
                                      "%s param %d nngp[%zu,%zu] %.17g vs %.17g", acts[ia], param,
                                      i, j, K[i * n2 + j], kb);
                        ck_assert_msg(fabs(T[i * n2 + j] - tb) <= 1e-12 * fabs(tb),
                                      "%s param %d ntk[%zu,%zu] %.17g vs %.17g", acts[ia], param,
                                      i, j, T[i * n2 + j], tb);
                        for (int l = 0; l <= L; l++)
                            da_netk_layer_clear(&rows[l]);
                        da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
                    }
                da_ball_clear(&net.sw2);
                da_ball_clear(&net.sb2);
                da_netk_free(k);
                da_netk_free(kd);
                da_act_free(a);
            }
}
END_TEST

/* the series path of activations without a closed form, proved layer by
 * layer, against mpmath's 2-D trapezoid sums (kernel_series_refs.csv:
 * SiLU, softplus, sigmoid; tanh and mish are in test_refs_ntk) */
START_TEST(test_series_refs)
{
    refcase cs[8];
    int n = read_refs(cs, 8, "kernel_series_refs.csv", 0);
    ck_assert(n >= 3);
    for (int i = 0; i < n; i++)
        run_case_m(&cs[i], 30, 0, DA_DUAL_AUTO, -1);
}
END_TEST

/* GELU through the series, proved, against the quadrature references of
 * kernel_refs.csv (its five layers at 30 digits) */
START_TEST(test_gelu_series_network)
{
    refcase cs[16];
    int n = read_refs(cs, 16, "kernel_refs.csv", 0);
    int done = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(cs[i].act, "gelu")) {
            run_case_m(&cs[i], 30, 0, DA_DUAL_SERIES, -1);
            done++;
        }
    ck_assert(done == 1);
}
END_TEST

/* a seeded generator (DUALACT_TEST_SEED overrides the default) */
static unsigned long rng_state;
static unsigned long test_seed(void)
{
    const char *e = getenv("DUALACT_TEST_SEED");
    return e && *e ? strtoul(e, NULL, 10) : 20261203UL;
}
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(rng_state >> 11) / 0x1p53;
}

/* da_netk_off_dnorm against closed forms: for sigma = sin,
 *   ||d g_t/dt||^2 = E[X^2 cos^2(sqrt(t) X)] / (4t) = (1 + (1 - 4t) e^(-2t)) / (8t),
 *   ||d h_t/dt||^2 = E[X^2 sin^2(sqrt(t) X)] / (4t) = (1 - (1 - 4t) e^(-2t)) / (8t)
 * (E[X^2 cos(bX)] = (1 - b^2) e^(-b^2/2)); for sigma = x, 1/(2 sqrt(t))
 * and 0.  The bound must be above the value and within 25% of it. */
START_TEST(test_offset_dnorm)
{
    unsigned long seed = test_seed();
    rng_state = seed;
    da_act *s = mkact("sin"), *x = mkact("x"), *e = mkact("elu(0.5)");
    da_netk_off *os = NULL, *ox = NULL, *oe = NULL;
    ck_assert_int_eq(da_netk_off_new(&os, s), DA_OK);
    ck_assert_int_eq(da_netk_off_new(&ox, x), DA_OK);
    ck_assert_int_eq(da_netk_off_new(&oe, e), DA_OK);
    long iters = 30 * tu_multiplier();
    for (long it = 0; it < iters; it++) {
        double t = 0.02 * pow(250.0, urand()), lo = t, hi = t * (1 + 1e-9 * urand());
        double D, ex;
        const char *why = NULL;
        for (int kind = 0; kind < 2; kind++) {
            ck_assert_msg(da_netk_off_dnorm(&D, os, kind, lo, hi, &why) == DA_OK,
                          "seed %lu: sin kind %d at t = %.17g: %s", seed, kind, t, why);
            ex = sqrt((1 + (kind ? -1 : 1) * (1 - 4 * t) * exp(-2 * t)) / (8 * t));
            ck_assert_msg(D >= ex * (1 - 1e-12) && D <= 1.25 * ex,
                          "seed %lu: sin kind %d at t = %.17g: bound %.17g, value %.17g", seed,
                          kind, t, D, ex);
        }
        ck_assert_int_eq(da_netk_off_dnorm(&D, ox, 0, lo, hi, &why), DA_OK);
        ex = 1 / (2 * sqrt(t));
        ck_assert_msg(D >= ex * (1 - 1e-12) && D <= 1.01 * ex, "seed %lu: x at %.17g: %.17g", seed,
                      t, D);
        ck_assert_int_eq(da_netk_off_dnorm(&D, ox, 1, lo, hi, &why), DA_OK);
        ck_assert(D == 0);
        /* elu(0.5): sigma' jumps at 0 only, sigma is continuous there
           (proved from the one-sided limits): both kinds have a bound */
        ck_assert_msg(da_netk_off_dnorm(&D, oe, 0, lo, hi, &why) == DA_OK && D > 0, "elu: %s", why);
        ck_assert_msg(da_netk_off_dnorm(&D, oe, 1, lo, hi, &why) == DA_OK && D > 0, "elu': %s", why);
    }
    /* refused: a jump away from 0, a jump of sigma itself (its sigma' is a
       delta), a jump of sigma' away from 0 */
    static const struct { const char *act; int kind; const char *why; } no[] = {
        {"step(x - 0.5)", 0, "jump"}, {"sign(x)", 1, "jump"}, {"hardtanh", 1, "sigma' may jump"},
        {"x > 0 ? tanh(x) + 0.25 : tanh(x)", 1, "jump"}, {"floor(x)", 0, "jump"},
        {"sqrt(1 + x^2)", 0, "envelope"}};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        da_act *a = mkact(no[i].act);
        da_netk_off *o = NULL;
        ck_assert_int_eq(da_netk_off_new(&o, a), DA_OK);
        double D;
        const char *why = NULL;
        ck_assert_msg(da_netk_off_dnorm(&D, o, no[i].kind, 0.7, 0.7, &why) == DA_EDOM,
                      "%s kind %d: a bound %g", no[i].act, no[i].kind, D);
        ck_assert_msg(why && strstr(why, no[i].why), "%s: reason '%s'", no[i].act, why);
        da_netk_off_free(o);
        da_act_free(a);
    }
    da_netk_off_free(os);
    da_netk_off_free(ox);
    da_netk_off_free(oe);
    da_act_free(s);
    da_act_free(x);
    da_act_free(e);
}
END_TEST

/* b and a overlap: both contain the true value, so |mid a - mid b| <=
   rad a + rad b */
static int overlap(const da_ball_struct *a, const da_ball_struct *b)
{
    mpfr_t d, r;
    mpfr_inits2(mpfr_get_prec(a->mid) + mpfr_get_prec(b->mid), d, r, (mpfr_ptr)0);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_add(r, a->rad, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp(d, r) <= 0;
    mpfr_clears(d, r, (mpfr_ptr)0);
    return ok;
}

/* The variance offsets bound the change between nearby variances (MPFR
 * tgeneric style: random activations, variances, distances and
 * correlations; seed DUALACT_TEST_SEED, printed on failure, count scaled
 * by DUALACT_TEST_MULTIPLIER).  For an input ball Q = [a - 2 delta,
 * a + 2 delta] (delta = a 10^-u, u in [10, 22]) the result's radius is
 * dominated by the offset bound, and its ball must contain the value at
 * the exact point b = a + 2 delta (computed separately, with its own tiny
 * radius): the balls overlap.  The radius must also not exceed the
 * observed change |F(b) - F(a)| by more than a factor 20 plus the
 * computation's own floor. */
START_TEST(test_offset_upper)
{
    static const char *acts[] = {"tanh", "silu", "softplus", "sigmoid", "x*tanh(softplus(x))",
                                 "elu", "selu", "sin(x) + 0.3*x", "erf(2*x) + 0.1*x^2"};
    unsigned long seed = test_seed();
    rng_state = seed;
    long iters = 2 * tu_multiplier();
    mpfr_prec_t p = 300;
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        da_act *act = mkact(acts[i]);
        da_netk *k = mknetk(act, 22, DA_DUAL_SERIES);
        for (long it = 0; it < iters; it++) {
            double a1 = 0.2 + 2.5 * urand(), a2 = 0.2 + 2.5 * urand();
            double u = 10 + 12 * urand();
            int both = urand() < 0.5, diag = urand() < 0.3;
            double rho = 0.9 * (2 * urand() - 1);
            da_ball Q1, Q2, C, A1, A2, B1, B2, R, Ra, Rb;
            da_ball *all[] = {&Q1, &Q2, &C, &A1, &A2, &B1, &B2, &R, &Ra, &Rb};
            for (size_t j = 0; j < sizeof all / sizeof *all; j++)
                da_ball_init2(*all[j], p);
            /* the centre a (its decimal q~ is a itself: the coefficient sets are
               shared with R) and b = a + 2 delta, exact in MPFR */
            double d1 = ldexp(1, (int)floor(log2(a1 * pow(10, -u)))), d2 = both ? d1 * 0.75 : 0;
            mpfr_set_d(A1->mid, a1, MPFR_RNDN);
            mpfr_set_d(B1->mid, a1, MPFR_RNDN);
            mpfr_add_d(B1->mid, B1->mid, 2 * d1, MPFR_RNDN);
            mpfr_set_d(Q1->mid, a1, MPFR_RNDN);
            mpfr_set_d(Q1->rad, 2 * d1, MPFR_RNDU);
            mpfr_set_d(A2->mid, a2, MPFR_RNDN);
            mpfr_set_d(B2->mid, a2, MPFR_RNDN);
            mpfr_add_d(B2->mid, B2->mid, 2 * d2, MPFR_RNDN);
            mpfr_set_d(Q2->mid, a2, MPFR_RNDN);
            mpfr_set_d(Q2->rad, 2 * d2, MPFR_RNDU);
            /* c = rho sqrt(a1 a2): inside [-sqrt(q1 q2), sqrt(q1 q2)] for every point */
            mpfr_set_d(C->mid, rho * sqrt(a1 * a2), MPFR_RNDN);
            for (int m = 0; m < 2; m++) {
                int s0, sa, sb;
                if (diag) {
                    s0 = da_netk_diag(R, k, Q1, m);
                    sa = da_netk_diag(Ra, k, A1, m);
                    sb = da_netk_diag(Rb, k, B1, m);
                } else {
                    s0 = da_netk_eval(R, k, Q1, Q2, C, m);
                    sa = da_netk_eval(Ra, k, A1, A2, C, m);
                    sb = da_netk_eval(Rb, k, B1, B2, C, m);
                }
                ck_assert_msg((s0 == DA_OK || s0 == DA_EACCURACY) && (sa == DA_OK || sa == DA_EACCURACY) &&
                              (sb == DA_OK || sb == DA_EACCURACY),
                              "seed %lu: %s m=%d: status %d %d %d (%s)", seed, acts[i], m, s0, sa, sb,
                              da_errmsg());
                ck_assert_msg(da_netk_rigorous(k), "seed %lu: %s: estimate: %s", seed, acts[i],
                              da_netk_bound_reason(k));
                ck_assert_msg(overlap(R, Ra) && overlap(R, Rb),
                              "seed %lu: %s m=%d %s q1 = %.17g (+-2*%.3g) q2 = %.17g (+-2*%.3g) rho %.3f:"
                              " ball %.20g +- %.3g, ends %.20g, %.20g",
                              seed, acts[i], m, diag ? "diag" : "pair", a1, d1, a2, d2, rho,
                              mpfr_get_d(R->mid, MPFR_RNDN), mpfr_get_d(R->rad, MPFR_RNDU),
                              mpfr_get_d(Ra->mid, MPFR_RNDN), mpfr_get_d(Rb->mid, MPFR_RNDN));
                /* not absurdly wide: the radius over the change of the value */
                double ch = fabs(mpfr_get_d(Rb->mid, MPFR_RNDN) - mpfr_get_d(Ra->mid, MPFR_RNDN));
                double floor_ = 1e-24 + 4 * (mpfr_get_d(Ra->rad, MPFR_RNDU) + mpfr_get_d(Rb->rad, MPFR_RNDU));
                double scale = 2 * d1 + 2 * d2;   /* the offsets' own rounding, relative */
                ck_assert_msg(mpfr_get_d(R->rad, MPFR_RNDU) <= 20 * ch + 40 * scale + floor_,
                              "seed %lu: %s m=%d: radius %.3g for a change %.3g over %.3g", seed,
                              acts[i], m, mpfr_get_d(R->rad, MPFR_RNDU), ch, scale);
            }
            for (size_t j = 0; j < sizeof all / sizeof *all; j++)
                da_ball_clear(*all[j]);
        }
        da_netk_free(k);
        da_act_free(act);
    }
}
END_TEST

/* what stays an estimate, and says why: sigma that jumps (its sigma' is
 * a delta: step through the series), sigma' that jumps away from 0
 * (hardtanh), no growth envelope of sigma' (sqrt(1 + x^2)); the closed
 * forms and the first layer are proved */
START_TEST(test_estimates)
{
    static const struct { const char *act; da_dual_method_t m; int rig; const char *why; } cs[] = {
        {"step", DA_DUAL_SERIES, 0, "jump"},
        {"hardtanh", DA_DUAL_AUTO, 0, "sigma' may jump"},
        {"sqrt(1+x^2)", DA_DUAL_AUTO, 0, "envelope"},
        {"step", DA_DUAL_AUTO, 1, ""},
        {"tanh", DA_DUAL_AUTO, 1, ""},
        {"elu", DA_DUAL_AUTO, 1, ""},
        {"LeakyRelu(0.1)", DA_DUAL_AUTO, 1, ""}};
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
        da_act *a = mkact(cs[i].act);
        da_netk *k = mknetk(a, 20, cs[i].m);
        da_netk_net net;
        da_netk_net_init(&net);
        net.depth = 2;
        dec(&net.sw2, "1.5");
        dec(&net.sb2, "0.1");
        da_ball q1, q2, cv;
        dec(q1, "1.3");
        dec(q2, "0.7");
        dec(cv, "0.4");
        da_netk_layer rows[3];
        for (int l = 0; l < 3; l++)
            da_netk_layer_init(&rows[l]);
        int st = da_netk_network(rows, k, &net, q1, q2, cv);
        ck_assert_msg(st == DA_OK || st == DA_EACCURACY, "%s: %d %s", cs[i].act, st, da_errmsg());
        ck_assert_msg(da_netk_rigorous(k) == cs[i].rig, "%s: rigorous %d (%s)", cs[i].act,
                      da_netk_rigorous(k), da_netk_bound_reason(k));
        ck_assert_msg(strstr(da_netk_bound_reason(k), cs[i].why) != NULL, "%s: reason '%s'",
                      cs[i].act, da_netk_bound_reason(k));
        if (cs[i].rig)
            ck_assert_str_eq(da_netk_bound_reason(k), "");
        for (int l = 0; l < 3; l++)
            da_netk_layer_clear(&rows[l]);
        da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(cv);
        da_ball_clear(&net.sw2); da_ball_clear(&net.sb2);
        da_netk_free(k);
        da_act_free(a);
    }
}
END_TEST

/* The closed form's radius through c (|dF/dc| <= sqrt(E s'(u)^2 E s'(v)^2)
   times rad c) for a tiny sigma, whose E s'^2 ~ 1e-320: their product
   underflowed to 0 in double, and the ball at c = 0.5 +- 0.01 lost the
   width of c.  erf is increasing, so F is increasing in c: the ball must
   reach F(0.49) and F(0.51). */
START_TEST(test_cf_radius_underflow)
{
    da_act *a = mkact("1e-160*erf(x)");
    da_netk *k = mknetk(a, 20, DA_DUAL_AUTO);
    ck_assert(da_netk_closed(k));
    da_ball q1, q2, c, r, lo, hi;
    dec(q1, "1");
    dec(q2, "1.2");
    dec(c, "0.5");
    mpfr_set_d(c->rad, 0.01, MPFR_RNDU);
    da_ball_init2(r, 200);
    da_ball_init2(lo, 200);
    da_ball_init2(hi, 200);
    int st = da_netk_eval(r, k, q1, q2, c, 0);
    ck_assert(st == DA_OK || st == DA_EACCURACY);
    mpfr_set_str(c->mid, "0.49", 10, MPFR_RNDU);   /* inside the ball */
    mpfr_set_zero(c->rad, 1);
    ck_assert_int_eq(da_netk_eval(lo, k, q1, q2, c, 0), DA_OK);
    mpfr_set_str(c->mid, "0.51", 10, MPFR_RNDD);
    ck_assert_int_eq(da_netk_eval(hi, k, q1, q2, c, 0), DA_OK);
    mpfr_t e, f;
    mpfr_inits2(256, e, f, (mpfr_ptr)0);
    mpfr_sub(e, r->mid, r->rad, MPFR_RNDD);      /* the ball's lower end */
    mpfr_add(f, lo->mid, lo->rad, MPFR_RNDU);    /* above F(0.49) */
    ck_assert_msg(mpfr_cmp(e, f) <= 0, "the ball misses F(0.49): %.6g +- %.3g", mpfr_get_d(r->mid, MPFR_RNDN),
                  mpfr_get_d(r->rad, MPFR_RNDU));
    mpfr_add(e, r->mid, r->rad, MPFR_RNDU);
    mpfr_sub(f, hi->mid, hi->rad, MPFR_RNDD);
    ck_assert_msg(mpfr_cmp(e, f) >= 0, "the ball misses F(0.51)");
    mpfr_clears(e, f, (mpfr_ptr)0);
    da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
    da_ball_clear(r); da_ball_clear(lo); da_ball_clear(hi);
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("netk");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 600, 1);
    tcase_add_test(tc, test_refs_ntk);
    tcase_add_test(tc, test_refs_standard);
    tcase_add_test(tc, test_series_vs_closed);
    tcase_add_test(tc, test_gelu_series);
    tcase_add_test(tc, test_identities);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_fast_vs_ball);
    tcase_add_test(tc, test_matrix_vs_network);
    tcase_add_test(tc, test_series_refs);
    tcase_add_test(tc, test_gelu_series_network);
    tcase_add_test(tc, test_offset_dnorm);
    tcase_add_test(tc, test_offset_upper);
    tcase_add_test(tc, test_estimates);
    tcase_add_test(tc, test_cf_radius_underflow);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

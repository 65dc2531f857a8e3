/* check_dual.c -- dual activations, kernel maps over depth, mean field.
 *
 * Oracles: the closed forms of docs/numerics.md section 3 against the Hermite
 * series path (30+ digits); identities sigma_hat(0) = 0, sigma_hat(1) = 1;
 * derivatives against finite differences; the NTK recursion against an
 * independent recursion in double; depth-L values and mean-field q*,
 * chi_1 against mpmath (tests/data/dual_refs.csv, tests/gen/gen_dual_refs.py);
 * honesty of the error bounds over 200 layers (a 100-digit run lies inside
 * every ball of a 30-digit run, and inside the balls of a deliberately
 * truncated series). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "core/core.h"
#include "core/arbinc.h"
#include "dual/dual.h"
#include "testutil.h"

static da_act *mkact(const char *spec)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, spec), DA_OK);
    return a;
}

static da_dual *mkdual(const da_act *a, long digits, int raw, da_dual_method_t m, long degree, double rmax)
{
    da_dual_opts o;
    da_dual_opts_init(&o);
    o.digits = digits;
    o.raw = raw;
    o.method = m;
    o.degree = degree;
    o.rho_max = rmax;
    da_dual *d = NULL;
    int st = da_dual_new(&d, a, &o);
    ck_assert_msg(st == DA_OK, "da_dual_new: %s", da_errmsg());
    return d;
}

/* rho as an exact ball from a double */
static void set_rho(da_ball b, mpfr_prec_t p, double v)
{
    da_ball_init2(b, p);
    mpfr_set_d(b->mid, v, MPFR_RNDN);
}

/* the two balls intersect */
static int overlap(const da_ball_struct *a, const da_ball_struct *b)
{
    mpfr_t d, r;
    mpfr_inits2(1024, d, r, (mpfr_ptr)0);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_add(r, a->rad, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp(d, r) <= 0;
    mpfr_clears(d, r, (mpfr_ptr)0);
    return ok;
}

/* ---- closed forms against the series ---------------------------------- */

static void closed_vs_series(const char *spec, int raw, long degree, const double *rhos, int nr, int kmax)
{
    da_act *a = mkact(spec);
    da_dual *dc = mkdual(a, 32, raw, DA_DUAL_CLOSED, 0, 1);
    da_dual *ds = mkdual(a, 32, raw, DA_DUAL_SERIES, degree, 1);
    ck_assert(da_dual_degree(dc) == -1);
    ck_assert(da_dual_degree(ds) > 0);
    for (int i = 0; i < nr; i++)
        for (int k = 0; k <= kmax; k++) {
            da_ball rho, vc, vs;
            set_rho(rho, 200, rhos[i]);
            da_ball_init2(vc, 200);
            da_ball_init2(vs, 200);
            int s1 = da_dual_eval(vc, dc, rho, k);
            int s2 = da_dual_eval(vs, ds, rho, k);
            ck_assert_msg(s1 == DA_OK && s2 == DA_OK, "%s raw=%d rho=%g k=%d: status %d %d (%s)", spec, raw,
                          rhos[i], k, s1, s2, da_errmsg());
            ck_assert_msg(da_ball_digits(vc) >= 30 && da_ball_digits(vs) >= 30,
                          "%s rho=%g k=%d: digits %.1f %.1f", spec, rhos[i], k, da_ball_digits(vc),
                          da_ball_digits(vs));
            ck_assert_msg(overlap(vc, vs), "%s raw=%d rho=%g k=%d: closed %s series %s", spec, raw, rhos[i],
                          k, mpfr_get_str(NULL, NULL, 10, 35, vc->mid, MPFR_RNDN), "(differs)");
            da_ball_clear(rho);
            da_ball_clear(vc);
            da_ball_clear(vs);
        }
    da_dual_free(dc);
    da_dual_free(ds);
    da_act_free(a);
}

START_TEST(test_closed_vs_series)
{
    static const double r1[] = {-0.95, -0.5, 0, 0.3, 0.7, 0.95};
    static const double r2[] = {-0.5, 0, 0.25, 0.5};
    closed_vs_series("relu", 0, 0, r1, 6, 2);
    closed_vs_series("relu", 1, 0, r1, 6, 1);
    closed_vs_series("relu_normalized", 0, 0, r1, 6, 2);
    closed_vs_series("relu_normalized", 1, 0, r1, 6, 0);
    closed_vs_series("step", 1, 0, r1, 6, 1);
    closed_vs_series("step", 0, 0, r1, 6, 0);
    closed_vs_series("sign", 1, 0, r1, 6, 0);
    closed_vs_series("abs", 1, 0, r1, 6, 1);
    closed_vs_series("leaky_relu(0.2)", 1, 0, r1, 6, 1);
    closed_vs_series("sin", 1, 60, r1, 6, 2);
    closed_vs_series("sin", 0, 60, r1, 6, 2);
    closed_vs_series("cos", 0, 60, r1, 6, 1);
    closed_vs_series("erf", 1, 100, r2, 4, 2);
    closed_vs_series("erf", 0, 100, r2, 4, 0);
    closed_vs_series("hermite(4)", 1, 0, r1, 6, 2);
    closed_vs_series("identity", 1, 0, r1, 6, 2);
}
END_TEST

/* user formulas that canonicalize to a catalogue entry use the closed form */
START_TEST(test_recognition)
{
    da_act *a = mkact("max(x,0)");
    da_dual *d = mkdual(a, 20, 0, DA_DUAL_AUTO, 0, 1);
    ck_assert_msg(strstr(da_dual_method(d), "closed") != NULL, "%s", da_dual_method(d));
    da_dual_free(d);
    da_act_free(a);
    a = mkact("tanh");
    d = mkdual(a, 20, 0, DA_DUAL_AUTO, 0, 0.5);
    ck_assert(strstr(da_dual_method(d), "series") != NULL);
    da_dual_opts o;
    da_dual_opts_init(&o);
    o.method = DA_DUAL_CLOSED;
    da_dual *d2 = NULL;
    ck_assert_int_eq(da_dual_new(&d2, a, &o), DA_EINVAL);
    da_dual_free(d);
    da_act_free(a);
}
END_TEST

/* ---- identities, infinities, domain -------------------------------------- */

START_TEST(test_identities)
{
    static const char *acts[] = {"tanh", "relu", "softplus", "sin", "step"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        da_act *a = mkact(acts[i]);
        da_dual *d = mkdual(a, 30, 0, DA_DUAL_SERIES, 0, 0.5);
        da_ball rho, v;
        set_rho(rho, 128, 1);
        da_ball_init2(v, 128);
        ck_assert_int_eq(da_dual_eval(v, d, rho, 0), DA_OK);
        ck_assert_msg(tu_ball_contains_str(v, "1") && da_ball_digits(v) > 30, "%s: f(1)", acts[i]);
        mpfr_set_ui(rho->mid, 0, MPFR_RNDN);
        ck_assert_int_eq(da_dual_eval(v, d, rho, 0), DA_OK);
        ck_assert_msg(tu_ball_contains_str(v, "0") && da_ball_digits(v) > 30, "%s: f(0)", acts[i]);
        /* |f(rho)| <= f(|rho|), f increasing on [0, 1] (double path) */
        double prev = -1;
        for (int ir = 0; ir <= 20; ir++) {
            double r = ir / 20.0;
            double e1, e2, p, m;
            ck_assert_int_eq(da_dual_eval_d(&p, &e1, d, r, 0), DA_OK);
            ck_assert_int_eq(da_dual_eval_d(&m, &e2, d, -r, 0), DA_OK);
            ck_assert(fabs(m) <= p + e1 + e2);
            ck_assert(p >= prev - e1 - 1e-12);
            prev = p;
        }
        da_ball_clear(rho);
        da_ball_clear(v);
        da_dual_free(d);
        da_act_free(a);
    }
}
END_TEST

START_TEST(test_infinite_and_domain)
{
    da_act *a = mkact("step");
    da_dual *d = mkdual(a, 20, 0, DA_DUAL_AUTO, 0, 1);
    da_ball rho, v;
    set_rho(rho, 100, 1);
    da_ball_init2(v, 100);
    ck_assert_int_eq(da_dual_eval(v, d, rho, 1), DA_EINFINITE);
    mpfr_set_si(rho->mid, -1, MPFR_RNDN);
    ck_assert_int_eq(da_dual_eval(v, d, rho, 1), DA_EINFINITE);
    mpfr_set_d(rho->mid, 0.5, MPFR_RNDN);
    ck_assert_int_eq(da_dual_eval(v, d, rho, 1), DA_OK);
    /* sign' at 0.5, closed: (2/pi)/sqrt(1 - 1/4) / normalization: step normalized dual = (2/pi) asin */
    ck_assert(tu_ball_contains_str(v, "0.73510519389572273268176866441729258852984864048885"));
    mpfr_set_d(rho->mid, 1.5, MPFR_RNDN);
    ck_assert_int_eq(da_dual_eval(v, d, rho, 0), DA_EDOM);
    ck_assert_int_eq(da_dual_eval(v, d, rho, 3), DA_EINVAL);
    /* the series path also says infinite for beta of step at 1 */
    da_dual *ds = mkdual(a, 20, 0, DA_DUAL_SERIES, 0, 1);
    mpfr_set_ui(rho->mid, 1, MPFR_RNDN);
    ck_assert_int_eq(da_dual_eval(v, ds, rho, 1), DA_EINFINITE);
    da_dual_free(ds);
    da_ball_clear(rho);
    da_ball_clear(v);
    da_dual_free(d);
    da_act_free(a);
    /* zero variance cannot be normalized */
    a = mkact("hermite(0)");
    da_dual_opts o;
    da_dual_opts_init(&o);
    ck_assert_int_eq(da_dual_new(&d, a, &o), DA_EDOM);
    da_act_free(a);
}
END_TEST

/* ---- derivatives against finite differences ------------------------------- */

START_TEST(test_derivative_fd)
{
    static const char *acts[] = {"tanh", "gelu", "relu"};
    for (size_t i = 0; i < 3; i++) {
        da_act *a = mkact(acts[i]);
        da_dual *d = mkdual(a, 30, 0, DA_DUAL_SERIES, i == 1 ? 64 : 0, 0.6);
        const mpfr_prec_t p = 160;
        double r0 = 0.4, hh = 0x1p-30;   /* r0 + j hh is exact in 160 bits */
        da_ball rho, f[5], g;
        da_ball_init2(rho, p);
        da_ball_init2(g, p);
        for (int j = 0; j < 5; j++)
            da_ball_init2(f[j], p);
        for (int j = -2; j <= 2; j++) {
            mpfr_set_d(rho->mid, r0, MPFR_RNDN);
            mpfr_add_d(rho->mid, rho->mid, j * hh, MPFR_RNDN);
            ck_assert(da_dual_eval(f[j + 2], d, rho, 0) != DA_EINFINITE);
        }
        mpfr_t fd;
        mpfr_init2(fd, p);
        /* (f(r+h) - f(r-h)) / 2h, error ~ h^2 f''' */
        mpfr_sub(fd, f[3]->mid, f[1]->mid, MPFR_RNDN);
        mpfr_div_d(fd, fd, 2 * hh, MPFR_RNDN);
        mpfr_set_d(rho->mid, r0, MPFR_RNDN);
        da_dual_eval(g, d, rho, 1);
        mpfr_sub(fd, fd, g->mid, MPFR_RNDN);
        ck_assert_msg(fabs(mpfr_get_d(fd, MPFR_RNDN)) < 1e-15, "%s f' vs fd: %g", acts[i],
                      mpfr_get_d(fd, MPFR_RNDN));
        /* (f(r+h) - 2 f(r) + f(r-h)) / h^2 */
        mpfr_sub(fd, f[3]->mid, f[2]->mid, MPFR_RNDN);
        mpfr_sub(fd, fd, f[2]->mid, MPFR_RNDN);
        mpfr_add(fd, fd, f[1]->mid, MPFR_RNDN);
        mpfr_div_d(fd, fd, hh * hh, MPFR_RNDN);
        da_dual_eval(g, d, rho, 2);
        mpfr_sub(fd, fd, g->mid, MPFR_RNDN);
        ck_assert_msg(fabs(mpfr_get_d(fd, MPFR_RNDN)) < 1e-8, "%s f'' vs fd: %g", acts[i],
                      mpfr_get_d(fd, MPFR_RNDN));
        /* double path agrees within its bound */
        for (int k = 0; k <= 2; k++) {
            double e, v;
            ck_assert_int_eq(da_dual_eval_d(&v, &e, d, r0, k), DA_OK);
            da_dual_eval(g, d, rho, k);
            ck_assert_msg(fabs(v - mpfr_get_d(g->mid, MPFR_RNDN)) <= e + 1e-30 && e < 1e-12,
                          "%s double k=%d: %g +- %g", acts[i], k, v, e);
        }
        mpfr_clear(fd);
        da_ball_clear(rho);
        da_ball_clear(g);
        for (int j = 0; j < 5; j++)
            da_ball_clear(f[j]);
        da_dual_free(d);
        da_act_free(a);
    }
}
END_TEST

/* ---- iterated maps --------------------------------------------------------- */

static int find_ref(const char *kind, const char *act, const char *a, const char *b, char *val, size_t vl)
{
    FILE *f = tu_open_data("dual_refs.csv");
    ck_assert(f != NULL);
    char line[512];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *t[5];
        int n = 0;
        for (char *p = strtok(line, ","); p && n < 5; p = strtok(NULL, ","))
            t[n++] = p;
        if (n == 5 && !strcmp(t[0], kind) && !strcmp(t[1], act) && !strcmp(t[2], a) && !strcmp(t[3], b)) {
            snprintf(val, vl, "%s", t[4]);
            found = 1;
            break;
        }
    }
    fclose(f);
    ck_assert_msg(found, "no reference %s %s %s %s", kind, act, a, b);
    return found;
}

START_TEST(test_depth_relu_normalized)
{
    static const char *rs[] = {"0.9", "0.5", "-0.3", "0.99"};
    static const long Ls[] = {10, 10, 3, 200};
    da_act *a = mkact("relu_normalized");
    da_dual *d = mkdual(a, 30, 0, DA_DUAL_AUTO, 0, 1);
    da_dual *ds = mkdual(a, 30, 0, DA_DUAL_SERIES, 0, 1);
    for (int i = 0; i < 4; i++) {
        da_ball rho;
        da_ball_init2(rho, da_dual_prec(d));
        mpfr_set_str(rho->mid, rs[i], 10, MPFR_RNDN);
        mpfr_set_ui_2exp(rho->rad, 1, mpfr_get_exp(rho->mid) - (mpfr_exp_t)da_dual_prec(d), MPFR_RNDU);
        for (int path = 0; path < 2; path++) {
            da_kmap *k = NULL;
            int st = da_kmap_iterate(&k, path ? ds : d, rho, 1, Ls[i], 1);
            ck_assert_msg(st == DA_OK || (path == 1 && st == DA_EACCURACY), "status %d: %s", st, da_errmsg());
            char ref[128], lstr[16];
            snprintf(lstr, sizeof lstr, "%ld", Ls[i]);
            find_ref("depth", "relu_normalized", rs[i], lstr, ref, sizeof ref);
            ck_assert_msg(tu_ball_contains_str(&k->rho[Ls[i]], ref), "depth %s L=%ld path %d", rs[i], Ls[i], path);
            if (path == 0)
                ck_assert(da_ball_digits(&k->rho[Ls[i]]) >= 30);
            find_ref("ntk", "relu_normalized", rs[i], lstr, ref, sizeof ref);
            ck_assert_msg(tu_ball_contains_str(&k->ntk[Ls[i]], ref), "ntk %s L=%ld path %d", rs[i], Ls[i], path);
            if (path == 0)
                ck_assert(da_ball_digits(&k->ntk[Ls[i]]) >= 30);
            da_kmap_free(k);
        }
        da_ball_clear(rho);
    }
    da_dual_free(d);
    da_dual_free(ds);
    da_act_free(a);
}
END_TEST

/* NTK recursion against an independent recursion in double */
START_TEST(test_ntk_double)
{
    static const char *acts[] = {"tanh", "relu", "erf"};
    for (int i = 0; i < 3; i++) {
        da_act *a = mkact(acts[i]);
        da_dual *d = mkdual(a, 25, 0, DA_DUAL_AUTO, 0, 1);
        da_ball rho;
        set_rho(rho, da_dual_prec(d), 0.8);
        da_kmap *k = NULL;
        int st = da_kmap_iterate(&k, d, rho, 1, 12, 1);
        ck_assert(st == DA_OK || st == DA_EACCURACY);
        double r = 0.8, th = 0.8, th1 = 1, e, beta;
        ck_assert_int_eq(da_dual_eval_d(&beta, &e, d, 1, 1), DA_OK);
        for (int l = 1; l <= 12; l++) {
            double dr, rn;
            ck_assert_int_eq(da_dual_eval_d(&dr, &e, d, r, 1), DA_OK);
            ck_assert_int_eq(da_dual_eval_d(&rn, &e, d, r, 0), DA_OK);
            th = th * dr + rn;
            th1 = th1 * beta + 1;
            r = rn;
            ck_assert_msg(fabs(mpfr_get_d(k->rho[l].mid, MPFR_RNDN) - r) < 1e-9, "%s rho layer %d", acts[i], l);
            ck_assert_msg(fabs(mpfr_get_d(k->ntk[l].mid, MPFR_RNDN) - th / th1) < 1e-9, "%s ntk layer %d",
                          acts[i], l);
        }
        da_kmap_free(k);
        da_ball_clear(rho);
        da_dual_free(d);
        da_act_free(a);
    }
}
END_TEST

/* every 30-digit ball contains the 100-digit midpoint, over 200 layers; and
 * a deliberately short series (degree 12) gives wide but honest balls */
static void honesty(const char *spec, double r0, long L, int ntk, long lowdeg)
{
    da_act *a = mkact(spec);
    da_dual *hi = mkdual(a, 100, 0, DA_DUAL_AUTO, 0, r0);
    da_dual *lo = mkdual(a, 30, 0, DA_DUAL_AUTO, 0, r0);
    da_dual *bad = lowdeg ? mkdual(a, 30, 0, DA_DUAL_SERIES, lowdeg, 1) : NULL;
    da_ball rh, rl;
    set_rho(rh, da_dual_prec(hi), r0);
    set_rho(rl, da_dual_prec(lo), r0);
    da_kmap *kh = NULL, *kl = NULL, *kb = NULL;
    int st = da_kmap_iterate(&kh, hi, rh, 1, L, ntk);
    ck_assert(st == DA_OK || st == DA_EACCURACY);
    st = da_kmap_iterate(&kl, lo, rl, 1, L, ntk);
    ck_assert(st == DA_OK || st == DA_EACCURACY);
    if (bad) {
        st = da_kmap_iterate(&kb, bad, rl, 1, L, ntk);
        ck_assert_msg(st == DA_EACCURACY, "a degree-%ld series cannot reach 30 digits", lowdeg);
    }
    for (long l = 0; l <= L; l++) {
        ck_assert_msg(da_ball_digits(&kh->rho[l]) >= 90, "%s: the 100-digit run reached %.1f at layer %ld",
                      spec, da_ball_digits(&kh->rho[l]), l);
        ck_assert_msg(tu_ball_contains(&kl->rho[l], kh->rho[l].mid), "%s rho layer %ld", spec, l);
        if (ntk)
            ck_assert_msg(tu_ball_contains(&kl->ntk[l], kh->ntk[l].mid), "%s ntk layer %ld", spec, l);
        if (kb) {
            ck_assert_msg(tu_ball_contains(&kb->rho[l], kh->rho[l].mid), "%s degree %ld rho layer %ld", spec,
                          lowdeg, l);
            if (ntk)
                ck_assert_msg(tu_ball_contains(&kb->ntk[l], kh->ntk[l].mid), "%s degree %ld ntk layer %ld",
                              spec, lowdeg, l);
        }
    }
    da_kmap_free(kh);
    da_kmap_free(kl);
    da_kmap_free(kb);
    da_ball_clear(rh);
    da_ball_clear(rl);
    da_dual_free(hi);
    da_dual_free(lo);
    da_dual_free(bad);
    da_act_free(a);
}

START_TEST(test_honesty_200)
{
    honesty("relu_normalized", 0.99, 200, 1, 12);
    honesty("step", 0.9, 200, 0, 12);
    honesty("tanh", 0.4, 200, 0, 12);
    if (tu_heavy())
        honesty("tanh", 0.4, 200, 1, 20);
}
END_TEST

/* ---- fixed points and rates ---------------------------------------------------- */

/* every allocation of da_kmap_fixed_points failing in turn: DA_ENOMEM and
   nothing returned, or the full answer; never DA_OK with fixed points
   missing (it dropped them all and returned DA_OK, and could then write
   through NULL) */
START_TEST(test_fixed_points_alloc_failure)
{
    da_act *a = mkact("relu");
    da_dual *d = mkdual(a, 30, 0, DA_DUAL_AUTO, 0, 1);
    da_fixed_point *fp = NULL;
    size_t n0 = 0, n = 0;
    ck_assert_int_eq(da_kmap_fixed_points(&fp, &n0, d), DA_OK);
    ck_assert(n0 >= 2);
    da_kmap_fixed_points_free(fp, n0);
    int failures = 0;
    for (long k = 1; k < 10000; k++) {
        dai_test_fail_alloc(k);
        int st = da_kmap_fixed_points(&fp, &n, d);
        /* the countdown still running: fewer than k allocations, done */
        int untouched = dai_test_fail_alloc(0) > 0;
        if (st == DA_OK) {
            ck_assert_msg(n == n0, "allocation %ld failed: DA_OK with %zu of %zu fixed points",
                          k, n, n0);
            da_kmap_fixed_points_free(fp, n);
        } else {
            ck_assert_int_eq(st, DA_ENOMEM);
            ck_assert(fp == NULL && n == 0);
            failures++;
        }
        if (untouched)
            break;
    }
    ck_assert(failures > 0);
    da_dual_free(d);
    da_act_free(a);
}
END_TEST

/* da_kmap_rates_compute checks its divisions (issue 21: a ball of f(1)
 * containing 0 gave kappa = NaN +- Inf with DA_OK).  The raw tanh dual
 * prepared after its time limit has passed (spent before the work starts,
 * so the test does not depend on the machine's speed) has f(1) = E tanh^2
 * as a wide ball around 0: DA_EDOM, a message, no ball that looks like a
 * value, the class undecided.  The same dual with time: DA_OK. */
START_TEST(test_rates_status)
{
    da_act *a = mkact("tanh");
    da_set_time_limit(1e-9);
    da_dual *bad = mkdual(a, 30, 1, DA_DUAL_SERIES, 12, 1);
    da_set_time_limit(0);
    da_kmap_rates r;
    da_kmap_rates_init(&r);
    int st = da_kmap_rates_compute(&r, bad);
    ck_assert_msg(st == DA_EDOM, "status %d (%s)", st, da_errmsg());
    ck_assert_msg(strstr(da_errmsg(), "not separated from 0") != NULL, "%s", da_errmsg());
    ck_assert(mpfr_nan_p(r.kappa0.mid) && mpfr_inf_p(r.kappa0.rad));
    ck_assert(mpfr_nan_p(r.rate0.mid) && mpfr_inf_p(r.rate0.rad));
    ck_assert(mpfr_nan_p(r.rate1.mid) && mpfr_inf_p(r.rate1.rad) && !r.rate1_infinite);
    ck_assert_int_eq(r.jh_case, DA_JH_UNDECIDED);
    da_dual *good = mkdual(a, 30, 1, DA_DUAL_AUTO, 0, 1);
    ck_assert_int_eq(da_kmap_rates_compute(&r, good), DA_OK);
    ck_assert(mpfr_number_p(r.kappa0.mid) && mpfr_number_p(r.rate0.mid) && mpfr_number_p(r.rate1.mid));
    ck_assert_int_eq(mpfr_get_prec(r.kappa0.mid), da_dual_prec(good));
    da_kmap_rates_clear(&r);
    da_dual_free(bad);
    da_dual_free(good);
    da_act_free(a);
}
END_TEST

START_TEST(test_fixed_points)
{
    da_act *a = mkact("relu");
    /* normalized: 0 stable (slope a_1^2 = pi/(2(pi-1))), 1 unstable (beta = pi/(pi-1)) */
    da_dual *d = mkdual(a, 30, 0, DA_DUAL_AUTO, 0, 1);
    da_fixed_point *fp = NULL;
    size_t n = 0;
    ck_assert_int_eq(da_kmap_fixed_points(&fp, &n, d), DA_OK);
    int have0 = 0, have1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (tu_ball_contains_str(&fp[i].rho, "0")) {
            have0 = 1;
            ck_assert_int_eq(fp[i].stability, DA_FP_STABLE);
            ck_assert(tu_ball_contains_str(&fp[i].slope, "0.73347110346212992999169740661683378657160"));
        }
        if (tu_ball_contains_str(&fp[i].rho, "1")) {
            have1 = 1;
            ck_assert_int_eq(fp[i].stability, DA_FP_UNSTABLE);
            ck_assert(tu_ball_contains_str(&fp[i].slope, "1.4669422069242598599833948132336675731432684067432"));
        }
    }
    ck_assert(have0 && have1);
    da_kmap_fixed_points_free(fp, n);
    da_kmap_rates r;
    da_kmap_rates_init(&r);
    ck_assert_int_eq(da_kmap_rates_compute(&r, d), DA_OK);
    ck_assert_int_eq(r.jh_case, DA_JH_TO_ZERO);
    da_kmap_rates_clear(&r);
    da_dual_free(d);
    /* raw ReLU: kappa'(1) = 1, the slow case; kappa(0) = 1/pi */
    d = mkdual(a, 30, 1, DA_DUAL_AUTO, 0, 1);
    da_kmap_rates_init(&r);
    ck_assert_int_eq(da_kmap_rates_compute(&r, d), DA_OK);
    ck_assert_int_eq(r.jh_case, DA_JH_SLOW);
    ck_assert(tu_ball_contains_str(&r.kappa0, "0.31830988618379067153776752674502872406891929148091"));
    da_kmap_rates_clear(&r);
    da_dual_free(d);
    da_act_free(a);
    /* raw erf: f(1) < 1, an interior fixed point... erf raw map: 0 fixed,
       stable since f'(0) = 4/(3 pi) < 1; tanh normalized: 0 stable, 1 unstable */
    a = mkact("erf");
    d = mkdual(a, 30, 1, DA_DUAL_AUTO, 0, 1);
    ck_assert_int_eq(da_kmap_fixed_points(&fp, &n, d), DA_OK);
    have0 = 0;
    for (size_t i = 0; i < n; i++)
        if (tu_ball_contains_str(&fp[i].rho, "0")) {
            have0 = 1;
            ck_assert_int_eq(fp[i].stability, DA_FP_STABLE);
            ck_assert(tu_ball_contains_str(&fp[i].slope, "0.42441318157838756205035670232670496542522572197455"));
        }
    ck_assert(have0);
    da_kmap_fixed_points_free(fp, n);
    da_dual_free(d);
    da_act_free(a);
    /* an interior fixed point: the normalized map of sigma = relu + x has
       kappa'(1) > 1 ... use sigma = cos (raw): f(rho) = e^-1 cosh(rho),
       kappa = cosh(rho)/cosh(1): kappa(0) > 0, kappa'(1) = tanh(1) < 1 -> to one */
    a = mkact("cos");
    d = mkdual(a, 30, 1, DA_DUAL_AUTO, 0, 1);
    da_kmap_rates_init(&r);
    ck_assert_int_eq(da_kmap_rates_compute(&r, d), DA_OK);
    ck_assert_int_eq(r.jh_case, DA_JH_TO_ONE);
    ck_assert(tu_ball_contains_str(&r.rate1, "0.76159415595576488811945828260479359041276859725794"));
    da_kmap_rates_clear(&r);
    /* raw cos map: the fixed point of e^-1 cosh(rho) = rho in (0, 1) */
    ck_assert_int_eq(da_kmap_fixed_points(&fp, &n, d), DA_OK);
    int interior = 0;
    for (size_t i = 0; i < n; i++) {
        double v = mpfr_get_d(fp[i].rho.mid, MPFR_RNDN);
        if (v > 0 && v < 1) {
            interior = 1;
            /* check e^-1 cosh(v) = v to the ball's accuracy */
            mpfr_t t;
            mpfr_init2(t, 200);
            mpfr_cosh(t, fp[i].rho.mid, MPFR_RNDN);
            mpfr_div(t, t, fp[i].rho.mid, MPFR_RNDN);
            mpfr_log(t, t, MPFR_RNDN);
            ck_assert(fabs(mpfr_get_d(t, MPFR_RNDN) - 1) < 1e-25);
            mpfr_clear(t);
            ck_assert(da_ball_digits(&fp[i].rho) > 28);
        }
    }
    ck_assert(interior);
    da_kmap_fixed_points_free(fp, n);
    da_dual_free(d);
    da_act_free(a);
}
END_TEST

/* ---- mean field ----------------------------------------------------------------- */

START_TEST(test_meanfield)
{
    static const struct { const char *act, *w, *b; } cases[] = {
        {"relu", "1.5", "0.1"}, {"relu", "1.9", "0.3"}, {"erf", "2", "0.1"}, {"erf", "1", "0.5"},
        {"tanh", "1.5", "0.05"}, {"tanh", "2.5", "0.2"}, {"tanh", "1", "0.5"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        da_act *a = mkact(cases[i].act);
        da_meanfield *mf = NULL;
        ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
        da_mf_point p;
        ck_assert_int_eq(da_meanfield_point(&p, mf, atof(cases[i].w), atof(cases[i].b)), DA_OK);
        char ref[128];
        find_ref("q", cases[i].act, cases[i].w, cases[i].b, ref, sizeof ref);
        double q = atof(ref);
        ck_assert_msg(fabs(p.q - q) <= p.q_err + 1e-15 * q && p.q_err < 1e-7, "%s q* %.17g +- %g vs %s",
                      cases[i].act, p.q, p.q_err, ref);
        find_ref("chi1", cases[i].act, cases[i].w, cases[i].b, ref, sizeof ref);
        double c = atof(ref);
        ck_assert_msg(fabs(p.chi1 - c) <= p.chi1_err + 1e-15 && p.chi1_err < 1e-6, "%s chi1 %.17g +- %g vs %s",
                      cases[i].act, p.chi1, p.chi1_err, ref);
        ck_assert_int_eq(p.phase, c < 1 ? DA_PHASE_ORDERED : DA_PHASE_CHAOTIC);
        if (p.phase == DA_PHASE_ORDERED)
            ck_assert(p.c == 1);
        else
            ck_assert(p.c < 1 && p.chic < 1);
        da_meanfield_free(mf);
        da_act_free(a);
    }
    /* the kernel against the closed forms: relu arc-cosine with variances,
       erf (Williams) */
    da_act *a = mkact("erf");
    da_meanfield *mf = NULL;
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    double v, e, q1 = 0.7, q2 = 1.9, c = 0.5;
    ck_assert_int_eq(da_meanfield_kernel(&v, &e, mf, q1, q2, c, 0), DA_OK);
    double want = 2 / M_PI * asin(2 * c / sqrt((1 + 2 * q1) * (1 + 2 * q2)));
    ck_assert_msg(fabs(v - want) <= e + 1e-15 && e < 1e-8, "erf kernel %g vs %g (+- %g)", v, want, e);
    ck_assert_int_eq(da_meanfield_kernel(&v, &e, mf, q1, q2, c, 1), DA_OK);
    want = 4 / M_PI / sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c * c);
    ck_assert_msg(fabs(v - want) <= e + 1e-15 && e < 1e-8, "erf' kernel %g vs %g (+- %g)", v, want, e);
    double sw2;
    /* erf, sb2 = 0: q* = 0 in the ordered phase, chi_1 = sw2 (2/sqrt(pi))^2 = 1 at sw2 = pi/4 */
    ck_assert_int_eq(da_meanfield_critical(&sw2, &e, mf, 0), DA_OK);
    ck_assert_msg(fabs(sw2 - M_PI / 4) <= e && e < 1e-6, "critical %g +- %g", sw2, e);
    da_meanfield_free(mf);
    da_act_free(a);
    a = mkact("relu");
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    q1 = 1.3, q2 = 0.4, c = -0.3;
    ck_assert_int_eq(da_meanfield_kernel(&v, &e, mf, q1, q2, c, 0), DA_OK);
    double r = c / sqrt(q1 * q2);
    want = sqrt(q1 * q2) * (sqrt(1 - r * r) + (M_PI - acos(r)) * r) / (2 * M_PI);
    ck_assert_msg(fabs(v - want) <= e + 1e-15 && e < 1e-6, "relu kernel %g vs %g (+- %g)", v, want, e);
    /* relu: chi_1 = sw2/2, critical at sw2 = 2 for every sb2 */
    ck_assert_int_eq(da_meanfield_critical(&sw2, &e, mf, 0.1), DA_OK);
    ck_assert_msg(fabs(sw2 - 2) <= e && e < 1e-5, "relu critical %g +- %g", sw2, e);
    da_meanfield_free(mf);
    da_act_free(a);
    /* step: chi_1 infinite */
    a = mkact("step");
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    ck_assert_int_eq(da_meanfield_kernel(&v, &e, mf, 1, 1, 0.5, 1), DA_EINFINITE);
    da_meanfield_free(mf);
    da_act_free(a);
    /* the paper's setting (normalized, sw2 = 1, sb2 = 0): q* = 1, where the
       length map only touches the diagonal for the normalized ReLU, and
       chi_1 = beta = pi/(pi - 1); correlations go to c* = 0 */
    a = mkact("relu");
    ck_assert_int_eq(da_meanfield_new(&mf, a, 1), DA_OK);
    da_mf_point pp;
    ck_assert_int_eq(da_meanfield_point(&pp, mf, 1.0, 0.0), DA_OK);
    ck_assert_msg(fabs(pp.q - 1) <= pp.q_err && pp.q_err < 1e-4, "q* %.17g +- %g", pp.q, pp.q_err);
    ck_assert_msg(fabs(pp.chi1 - M_PI / (M_PI - 1)) <= pp.chi1_err + 1e-15, "chi1 %.17g", pp.chi1);
    ck_assert_msg(fabs(pp.c) <= pp.c_err + 1e-15, "c* %.17g", pp.c);
    da_meanfield_free(mf);
    da_act_free(a);
}
END_TEST

/* duals_raw.csv (gen_duals.py): every ball contains the reference */
START_TEST(test_duals_raw_file)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/duals_raw.csv", top ? top : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[1024];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "act,", 4))
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *t[4];
        int n = 0;
        for (char *p = strtok(line, ","); p && n < 4; p = strtok(NULL, ","))
            t[n++] = p;
        if (n != 4)
            continue;
        /* the quick pass: closed forms and the fast series; all with HEAVY */
        int quick = !strcmp(t[0], "relu") || !strcmp(t[0], "step") || !strcmp(t[0], "sign") ||
                    !strcmp(t[0], "sin") || !strcmp(t[0], "relu_normalized") || !strcmp(t[0], "erf");
        if (!quick && !tu_heavy())
            continue;
        da_act *a = mkact(t[0]);
        da_dual *d = mkdual(a, 22, 1, DA_DUAL_AUTO, 0, fabs(atof(t[1])));
        da_ball rho, v;
        da_ball_init2(rho, 128);
        da_ball_init2(v, 128);
        mpfr_set_str(rho->mid, t[1], 10, MPFR_RNDN);
        for (int k = 0; k <= 1; k++) {
            int st = da_dual_eval(v, d, rho, k);
            if (!strcmp(t[2 + k], "inf")) {
                if (fabs(atof(t[1])) == 1)
                    ck_assert_int_eq(st, DA_EINFINITE);
                continue;
            }
            if (st == DA_EINFINITE)
                continue;
            /* the reference has 25 significant digits */
            mpfr_add_d(v->rad, v->rad, 1e-24 * (1 + fabs(atof(t[2 + k]))), MPFR_RNDU);
            ck_assert_msg(tu_ball_contains_str(v, t[2 + k]), "%s rho=%s k=%d", t[0], t[1], k);
            checked++;
        }
        da_ball_clear(rho);
        da_ball_clear(v);
        da_dual_free(d);
        da_act_free(a);
    }
    fclose(f);
    ck_assert(checked > 0);
}
END_TEST


/* ---- the direct quadrature near rho = 1 (lib/dual/direct.c) ---------- */

/* the raw dual of spec at rho by the direct quadrature, 2^-bits */
static int direct_raw(arb_t r, const char *spec, const char *rho, long bits)
{
    da_act *a = mkact(spec);
    da_direct dd;
    ck_assert_int_eq(da_direct_setup(&dd, a), DA_OK);
    arb_t x;
    arb_init(x);
    arb_set_str(x, rho, bits + 64);
    int st = dd.ok ? da_direct_eval(r, &dd, x, -(double)bits, bits + 24) : DA_EDOM;
    arb_clear(x);
    da_direct_clear(&dd);
    da_act_free(a);
    return st;
}

/* ball b contains the decimal ref (known to about 10^-refdig) */
static int arb_contains_dec(const arb_t b, const char *ref, long refdig)
{
    arb_t t;
    arb_init(t);
    arb_set_str(t, ref, 4 * refdig + 64);
    mag_t e;
    mag_init(e);
    mag_set_d(e, pow(10.0, -(double)refdig));
    arb_add_error_mag(t, e);
    int ok = arb_overlaps(b, t);
    mag_clear(e);
    arb_clear(t);
    return ok;
}

START_TEST(test_direct)
{
    arb_t r, c, t;
    arb_init(r);
    arb_init(c);
    arb_init(t);
    /* erf against its closed form (2/pi) asin(2 rho/3), near 1 (one point
       at 60 digits in the quick pass, three at 110 digits with HEAVY) */
    const char *erf_rhos[] = {"0.95", "0.999", "0.3"};
    long eb = tu_heavy() ? 370 : 200;
    for (int i = 0; i < (tu_heavy() ? 3 : 1); i++) {
        ck_assert_int_eq(direct_raw(r, "erf", erf_rhos[i], eb), DA_OK);
        arb_set_str(c, erf_rhos[i], 500);
        arb_mul_ui(c, c, 2, 500);
        arb_div_ui(c, c, 3, 500);
        arb_asin(c, c, 500);
        arb_const_pi(t, 500);
        arb_div(c, c, t, 500);
        arb_mul_ui(c, c, 2, 500);
        ck_assert_msg(arb_overlaps(r, c), "erf at %s: direct misses the closed form", erf_rhos[i]);
        ck_assert(mag_cmp_2exp_si(arb_radref(r), -(eb - 10)) < 0);
    }
    /* tanh against mpmath's other split of the plane (tests/gen/gen_direct_ref.py) */
    FILE *f = tu_open_data("direct_ref.csv");
    ck_assert_msg(f != NULL, "cannot open tests/data/direct_ref.csv");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "act,", 4))
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *act = strtok(line, ","), *rho = strtok(NULL, ","), *val = strtok(NULL, ",");
        ck_assert(act && rho && val);
        if (n > 0 && !tu_heavy())
            break;   /* the first row in the quick pass */
        ck_assert_int_eq(direct_raw(r, act, rho, 340), DA_OK);
        ck_assert_msg(arb_contains_dec(r, val, 104), "%s at %s: direct misses mpmath", act, rho);
        ck_assert(mag_cmp_2exp_si(arb_radref(r), -330) < 0);
        n++;
    }
    fclose(f);
    ck_assert_int_ge(n, 1);
    /* a growing activation (the sqrt(E sigma^4) tail) against the series */
    ck_assert_int_eq(direct_raw(r, "gelu", "0.9", 64), DA_OK);
    {
        da_act *a = mkact("gelu");
        da_dual *d = mkdual(a, 20, 1, DA_DUAL_SERIES, 0, 1);
        da_ball rho, v;
        da_ball_init2(rho, 200);
        da_ball_init2(v, 200);
        mpfr_set_str(rho->mid, "0.9", 10, MPFR_RNDN);   /* the decimal, as direct_raw */
        mpfr_set_zero(rho->rad, 1);
        ck_assert_int_eq(da_dual_eval(v, d, rho, 0), DA_OK);
        da_arb_set_ball(c, v);
        ck_assert_msg(arb_overlaps(r, c), "gelu at 0.9: direct and series disagree");
        da_ball_clear(rho);
        da_ball_clear(v);
        da_dual_free(d);
        da_act_free(a);
    }
    /* where it does not apply: a kink, a growth beyond the envelope's
       reach, rho outside [0, 1) */
    ck_assert_int_eq(direct_raw(r, "relu", "0.9", 100), DA_EDOM);
    ck_assert_int_eq(direct_raw(r, "exp(x^2/8)", "0.9", 100), DA_EDOM);
    ck_assert_int_eq(direct_raw(r, "tanh", "1", 100), DA_EDOM);
    ck_assert_int_eq(direct_raw(r, "tanh", "-0.5", 100), DA_EDOM);
    arb_clear(r);
    arb_clear(c);
    arb_clear(t);
}
END_TEST

/* through the public API: the dual of tanh at 0.99 to 60 digits, which
   the series (N = 512) cannot give, against the 25-digit mpmath data */
START_TEST(test_direct_public)
{
    da_act *a = mkact("tanh");
    da_dual *d = mkdual(a, 60, 1, DA_DUAL_AUTO, 0, 1);
    da_ball rho, v;
    da_ball_init2(rho, 240);
    da_ball_init2(v, 240);
    mpfr_set_str(rho->mid, "0.999", 10, MPFR_RNDN);
    mpfr_set_zero(rho->rad, 1);
    ck_assert_int_eq(da_dual_eval(v, d, rho, 0), DA_OK);
    ck_assert(da_ball_digits(v) >= 60);
    /* 0.999 as a binary number differs from the decimal by < 2^-240 */
    arb_t b;
    arb_init(b);
    da_arb_set_ball(b, v);
    ck_assert(arb_contains_dec(b, "0.3938302374248965103133487", 25));
    /* rho < 0 by the parity of tanh: f(-rho) = -f(rho), both proved */
    da_ball w;
    da_ball_init2(w, 240);
    mpfr_neg(rho->mid, rho->mid, MPFR_RNDN);
    ck_assert_int_eq(da_dual_eval(w, d, rho, 0), DA_OK);
    ck_assert(da_ball_digits(w) >= 60);
    mpfr_neg(w->mid, w->mid, MPFR_RNDN);
    ck_assert(tu_ball_contains(w, v->mid) || tu_ball_contains(v, w->mid));
    da_ball_clear(w);
    arb_clear(b);
    da_ball_clear(rho);
    da_ball_clear(v);
    da_dual_free(d);
    da_act_free(a);
}
END_TEST

/* progress of the kernel-map iteration and of the direct quadrature
   (da_progress_set), with the first report due at once: each reports and
   ends once; the timing is set, not measured */
static int pg_layers, pg_cells, pg_end, pg_bad;
static void pg_hook(void *ctx, const char *what, long count, double seconds)
{
    (void)ctx;
    if (!what || !(seconds >= 0.0))
        pg_bad++;
    else if (count < 0)
        pg_end++;
    else if (!strcmp(what, "kernel-map layers"))
        pg_layers++;
    else if (!strcmp(what, "direct quadrature cells"))
        pg_cells++;
}

START_TEST(test_progress)
{
    da_act *a = mkact("tanh");
    /* at 60 digits the series (degree 512) falls short at 0.999 */
    da_dual *d = mkdual(a, 60, 0, DA_DUAL_AUTO, 0, 1);
    da_ball rho;
    da_ball_init2(rho, da_dual_prec(d));
    mpfr_set_str(rho->mid, "0.999", 10, MPFR_RNDN);
    mpfr_set_zero(rho->rad, 1);
    da_progress_set(pg_hook, NULL);
    da_progress_timing(0, 0);
    da_kmap *k = NULL;
    int st = da_kmap_iterate(&k, d, rho, 1, 3, 0);
    da_progress_timing(1.0, 0.5);
    da_progress_set(NULL, NULL);
    ck_assert(st == DA_OK || st == DA_EACCURACY);
    ck_assert_msg(pg_layers >= 1 && pg_cells >= 1, "layers %d, cells %d", pg_layers, pg_cells);
    ck_assert(pg_end >= 2);
    ck_assert_int_eq(pg_bad, 0);
    da_kmap_free(k);
    da_ball_clear(rho);
    da_dual_free(d);
    da_act_free(a);
}
END_TEST

/* da_horner_up against the exact sum (Arb, exact dyadics) where Horner's
   products underflow: v_k = 2^-1074, v_N = 600 2^-1074, s = 1 - 2^-10,
   N = 1000, so y s loses up to half a subnormal unit at each of the
   thousand steps (about 265 units in all): the former fixed floor of
   2^-1070 (16 units) was below the loss.  Also the normal range, where
   the relative margin must do, and m = 1, 2. */
START_TEST(horner_underflow)
{
    const long N = 1000;
    double *v = malloc((size_t)(N + 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    arb_t y, t, sb;
    arb_init(y);
    arb_init(t);
    arb_init(sb);
    const double ss[] = {1 - 0x1p-10, 0.5, 0.999, 1, 0.3};
    for (int sc = 0; sc < 2; sc++)
        for (size_t is = 0; is < sizeof ss / sizeof *ss; is++)
            for (int m = 0; m <= 2; m++) {
                double s = ss[is];
                for (long k = 0; k <= N; k++)
                    v[k] = (sc ? 0x1p-30 * (1 + (double)(k % 7) / 3) : 0x1p-1074);
                v[N] = sc ? 0.75 : 600 * 0x1p-1074;
                double h = da_horner_up(v, N, m, s);
                /* exact: Horner in Arb at a precision that loses nothing */
                arb_zero(y);
                arb_set_d(sb, s);
                for (long k = N; k >= m; k--) {
                    arb_mul(y, y, sb, 4096);
                    arb_set_d(t, v[k]);
                    double f = 1;
                    for (int j = 0; j < m; j++)
                        f *= (double)(k - j);
                    arb_mul_ui(t, t, (ulong)f, 4096);
                    arb_add(y, y, t, 4096);
                }
                arb_set_d(t, h);
                ck_assert_msg(arb_ge(t, y), "da_horner_up below the sum (s = %.17g, m = %d, %s)", s,
                              m, sc ? "normal" : "subnormal");
            }
    /* the former floor does fail there */
    {
        double yy = 0, s = 1 - 0x1p-10;
        for (long k = 0; k <= N; k++)
            v[k] = 0x1p-1074;
        v[N] = 600 * 0x1p-1074;
        for (long k = N; k >= 0; k--)
            yy = yy * s + v[k];
        yy = yy * (1 + (double)(4 * N + 8) * 0x1p-53) + 0x1p-1070;
        arb_zero(y);
        arb_set_d(sb, s);
        for (long k = N; k >= 0; k--) {
            arb_mul(y, y, sb, 4096);
            arb_set_d(t, v[k]);
            arb_add(y, y, t, 4096);
        }
        arb_set_d(t, yy);
        ck_assert(arb_lt(t, y));
    }
    arb_clear(y);
    arb_clear(t);
    arb_clear(sb);
    free(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dual");
    TCase *tc = tcase_create("dual");
    tu_limits(tc, 120, 1);
    tcase_add_test(tc, test_closed_vs_series);
    tcase_add_test(tc, test_recognition);
    tcase_add_test(tc, test_identities);
    tcase_add_test(tc, test_infinite_and_domain);
    tcase_add_test(tc, test_derivative_fd);
    tcase_add_test(tc, test_depth_relu_normalized);
    tcase_add_test(tc, test_ntk_double);
    tcase_add_test(tc, test_honesty_200);
    tcase_add_test(tc, test_fixed_points);
    tcase_add_test(tc, test_rates_status);
    tcase_add_test(tc, test_fixed_points_alloc_failure);
    tcase_add_test(tc, test_meanfield);
    tcase_add_test(tc, test_duals_raw_file);
    tcase_add_test(tc, test_direct);
    tcase_add_test(tc, test_direct_public);
    tcase_add_test(tc, test_progress);
    tcase_add_test(tc, horner_underflow);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    da_free_cache();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_meanfield.c -- the proved mean-field path (lib/dual/meanfield_arb.c).
 *
 * Oracles: mpmath references computed independently (1D and 2D quadrature,
 * tests/gen/meanfield_ref.py -> tests/data/meanfield_ref.txt): every proved
 * ball must contain the reference (containment, not a tolerance); exact
 * critical points (tanh 1, erf pi/4, ReLU 2 at sb2 = 0); the infinite depth
 * scale at criticality; chi_1 computed twice, as sw2 E[s'(sqrt(q*) Z)^2] by
 * the mean-field code and as sw2 sum_k k a_k^2 / q* from the Hermite
 * coefficients of s(sqrt(q*) x) by the Hermite engine.  Any precision:
 * tests/data/mf_ref.py -> tests/data/mf_ref.txt (mpmath, 30 digits) by
 * containment and radius; a second precision gives a ball inside the
 * first; the honest DA_EACCURACY at criticality. */
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

/* ---- any precision ------------------------------------------------------- */

/* |ball - ref| <= acc, i.e. the ball contains the reference up to its own
   accuracy: |mid - ref| <= rad + acc (in MPFR, upwards) */
static int ball_has(const da_ball_struct *b, const char *ref, const char *acc)
{
    mpfr_t r, a, d;
    mpfr_inits2(256, r, a, d, (mpfr_ptr)0);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_set_str(a, acc, 10, MPFR_RNDU);
    mpfr_sub(d, b->mid, r, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDU);
    /* the reference parsed at 256 bits: 2^-250 relative */
    mpfr_sub(d, d, b->rad, MPFR_RNDU);
    mpfr_sub(d, d, a, MPFR_RNDU);
    mpfr_set_ui_2exp(a, 1, mpfr_get_exp(r) - 250, MPFR_RNDU);
    int in = mpfr_cmp(d, a) <= 0;
    mpfr_clears(r, a, d, (mpfr_ptr)0);
    return in;
}

static const da_ball_struct *pick(const da_mf_balls *b, const char *name)
{
    if (!strcmp(name, "q")) return &b->q;
    if (!strcmp(name, "c")) return &b->c;
    if (!strcmp(name, "chi1")) return &b->chi1;
    if (!strcmp(name, "chic")) return &b->chic;
    if (!strcmp(name, "xi_q")) return &b->xi_q;
    if (!strcmp(name, "xi_c")) return &b->xi_c;
    return NULL;
}

/* tests/data/mf_ref.txt (tests/data/mf_ref.py, mpmath at 34 and 40
   digits): every column at 30 digits, each ball holding the reference and
   of radius <= 1e-30; the critical sw2 at sb2 = 0.2 likewise */
START_TEST(test_refs30)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/mf_ref.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    da_act *a = NULL;
    da_meanfield *mf = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    char line[512], act[64], sw2[64], sb2[64], name[32], val[128], acc[64], last[160] = "";
    int checked = 0;
    da_mf_point p;
    da_mf_balls b;
    da_mf_balls_init(&b);
    da_ball w, bb, crit;
    da_ball_init2(w, 256);
    da_ball_init2(bb, 256);
    da_ball_init2(crit, 64);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%63s %63s %63s %31s %127s %63s", act, sw2, sb2, name, val, acc), 6);
        ck_assert_str_eq(act, "tanh");
        ck_assert_int_eq(da_depth_parse_decimal(bb, sb2), DA_OK);
        const da_ball_struct *x;
        if (!strcmp(name, "sw2_crit")) {
            int rig = 0;
            char why[200];
            ck_assert_int_eq(da_meanfield_critical_ball(crit, &rig, why, mf, bb, 30), DA_OK);
            ck_assert_msg(rig, "critical sw2 at %s not proved: %s", sb2, why);
            x = crit;
        } else {
            char key[160];
            snprintf(key, sizeof key, "%s %s", sw2, sb2);
            if (strcmp(key, last)) {
                ck_assert_int_eq(da_depth_parse_decimal(w, sw2), DA_OK);
                ck_assert_int_eq(da_meanfield_point_balls(&p, &b, mf, w, bb, 30), DA_OK);
                ck_assert_msg(p.rigorous, "%s: not proved (%s)", key, p.bound_reason);
                snprintf(last, sizeof last, "%s", key);
            }
            x = pick(&b, name);
            ck_assert_msg(x != NULL, "unknown quantity %s", name);
        }
        ck_assert_msg(da_ball_digits(x) >= 30, "%s %s %s: %.1f digits", sw2, sb2, name,
                      da_ball_digits(x));
        ck_assert_msg(ball_has(x, val, acc), "%s %s %s: the ball misses %s", sw2, sb2, name, val);
        checked++;
    }
    fclose(f);
    ck_assert_int_ge(checked, 13);
    da_mf_balls_clear(&b);
    da_ball_clear(w);
    da_ball_clear(bb);
    da_ball_clear(crit);
    da_meanfield_free(mf);
    da_act_free(a);
}
END_TEST

/* two precisions: the 40-digit balls lie inside the 12-digit ones (both
   proved: they must intersect; the second is narrower); the double API
   agrees with both; odd sigma with sb2 = 0 has c* = 0 in both */
START_TEST(test_two_precisions)
{
    const char *specs[] = {"tanh", "erf"};
    const char *pts[][2] = {{"2.5", "0.2"}, {"2", "0"}};
    for (int i = 0; i < 2; i++) {
        da_act *a = NULL;
        da_meanfield *mf = NULL;
        ck_assert_int_eq(da_act_new(&a, specs[i]), DA_OK);
        ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
        da_ball w, bb;
        da_ball_init2(w, 256);
        da_ball_init2(bb, 256);
        ck_assert_int_eq(da_depth_parse_decimal(w, pts[i][0]), DA_OK);
        ck_assert_int_eq(da_depth_parse_decimal(bb, pts[i][1]), DA_OK);
        da_mf_point p1, p2, pd;
        da_mf_balls b1, b2;
        da_mf_balls_init(&b1);
        da_mf_balls_init(&b2);
        ck_assert_int_eq(da_meanfield_point_balls(&p1, &b1, mf, w, bb, 12), DA_OK);
        ck_assert_int_eq(da_meanfield_point_balls(&p2, &b2, mf, w, bb, 40), DA_OK);
        ck_assert_int_eq(da_meanfield_point(&pd, mf, atof(pts[i][0]), atof(pts[i][1])), DA_OK);
        ck_assert(p1.rigorous && p2.rigorous && pd.rigorous);
        ck_assert_int_eq(p2.phase, DA_PHASE_CHAOTIC);
        const char *names[] = {"q", "c", "chi1", "chic", "xi_q", "xi_c"};
        double dd[] = {pd.q, pd.c, pd.chi1, pd.chic, pd.xi_q, pd.xi_c};
        double de[] = {pd.q_err, pd.c_err, pd.chi1_err, pd.chic_err, pd.xi_q_err, pd.xi_c_err};
        for (int k = 0; k < 6; k++) {
            const da_ball_struct *x1 = pick(&b1, names[k]), *x2 = pick(&b2, names[k]);
            mpfr_t d, t;
            mpfr_inits2(256, d, t, (mpfr_ptr)0);
            mpfr_sub(d, x1->mid, x2->mid, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDU);
            mpfr_add(t, d, x2->rad, MPFR_RNDU);
            ck_assert_msg(mpfr_cmp(t, x1->rad) <= 0, "%s %s: the 40-digit ball is not inside the 12-digit one",
                          specs[i], names[k]);
            ck_assert_msg(mpfr_cmp(x2->rad, x1->rad) <= 0, "%s %s: not narrower", specs[i], names[k]);
            ck_assert_msg(da_ball_digits(x2) >= 40, "%s %s: %.1f digits", specs[i], names[k],
                          da_ball_digits(x2));
            /* the double point: its ball meets the 40-digit one */
            mpfr_set_d(t, dd[k], MPFR_RNDN);
            mpfr_sub(d, t, x2->mid, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDU);
            ck_assert_msg(mpfr_get_d(d, MPFR_RNDU) <= de[k] + mpfr_get_d(x2->rad, MPFR_RNDU) + 0x1p-52 * fabs(dd[k]),
                          "%s %s: the double point %.17g +- %.3g misses", specs[i], names[k], dd[k], de[k]);
            mpfr_clears(d, t, (mpfr_ptr)0);
        }
        if (i == 1) {   /* erf, sb2 = 0: c* = 0, the ball [0, r] */
            ck_assert(mpfr_cmp_ui(b2.c.rad, 1) < 0);
            ck_assert_msg(da_ball_digits(&b2.c) >= 40, "erf c* = 0: %.1f digits", da_ball_digits(&b2.c));
        }
        da_mf_balls_clear(&b1);
        da_mf_balls_clear(&b2);
        da_ball_clear(w);
        da_ball_clear(bb);
        da_meanfield_free(mf);
        da_act_free(a);
    }
}
END_TEST

/* what cannot be proved is said: tanh at criticality (q* only enclosed in
   [0, C 2^-j]) is DA_EACCURACY with valid balls; bad digits DA_EINVAL */
START_TEST(test_short)
{
    da_act *a = NULL;
    da_meanfield *mf = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    ck_assert_int_eq(da_meanfield_new(&mf, a, 0), DA_OK);
    da_ball w, bb;
    da_ball_init2(w, 128);
    da_ball_init2(bb, 128);
    ck_assert_int_eq(da_depth_parse_decimal(w, "1"), DA_OK);
    ck_assert_int_eq(da_depth_parse_decimal(bb, "0"), DA_OK);
    da_mf_point p;
    da_mf_balls b;
    da_mf_balls_init(&b);
    ck_assert_int_eq(da_meanfield_point_balls(&p, &b, mf, w, bb, 12), DA_EACCURACY);
    ck_assert(p.rigorous);
    ck_assert_int_eq(p.phase, DA_PHASE_CRITICAL);
    /* q* = 0 lies in the ball */
    ck_assert(mpfr_cmpabs(b.q.mid, b.q.rad) <= 0);
    ck_assert(mpfr_inf_p(b.xi_c.mid));
    ck_assert_int_eq(da_meanfield_point_balls(&p, &b, mf, w, bb, 0), DA_EINVAL);
    da_mf_balls_clear(&b);
    da_ball_clear(w);
    da_ball_clear(bb);
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
    tcase_add_test(tc, test_refs30);
    tcase_add_test(tc, test_two_precisions);
    tcase_add_test(tc, test_short);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

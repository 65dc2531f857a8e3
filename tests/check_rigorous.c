/* check_rigorous.c -- the proved Hermite engine (lib/hermite/rigorous.c)
 * against what it must withstand:
 *
 *   adversarial   narrow bumps, poles at distance 0.1 from the axis,
 *                 breakpoints that are roots of non-affine switches,
 *                 jumps off the origin, endpoint singularities, Gaussian
 *                 growth, large constants: every ball is proved and holds
 *                 the independent mpmath value of tests/data/adversarial.csv
 *                 (tests/gen/gen_adversarial.py), or the engine says it
 *                 could not reach the accuracy (DA_EACCURACY), with balls
 *                 that still hold it;
 *   two precisions in the manner of MPFR's tgeneric: random formulas of
 *                 the grammar at random precisions D and D + 20: the ball
 *                 at D holds the midpoint at D + 20 and the balls overlap.
 *                 Seeded (DUALACT_TEST_SEED), the seed and formula printed
 *                 on failure; DUALACT_TEST_MULTIPLIER multiplies the iterations;
 *   the derived numbers: E sigma^2 >= sum a_k^2 (Parseval) inside the
 *                 balls, and mu, beta proved for the catalogue.
 */
#include <check.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dualact.h"
#include "testutil.h"

/* the iteration multiplier (tests/testutil.h: DUALACT_TEST_MULTIPLIER) */
static long heavy_factor(void)
{
    return tu_multiplier();
}

/* CPU time of the process (the test's, under Check's fork), seconds: the
   bounds below are on the work done, which a loaded machine does not
   stretch as it does the wall clock */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compute(da_hermite **h, const char *spec, long degree, long digits)
{
    da_act *a = NULL;
    int st = da_act_new(&a, spec);
    ck_assert_msg(st == DA_OK, "%s: %s", spec, da_errmsg());
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = degree;
    o.digits = digits;
    o.raw = 1;
    *h = NULL;
    st = da_hermite_compute(h, a, &o);
    da_act_free(a);
    return st;
}

/* the ball holds the reference within the reference's own accuracy:
   60 digits of a 70-digit quadrature (tests/gen/gen_adversarial.py), about
   1e-60 in absolute terms for these integrands; a coefficient that is
   exactly 0, as a_3 of x^6 - 3x, comes out of that quadrature as 1.6e-75,
   and the exact formulas give it as the ball 0 +- 0 */
static int holds_ref(const da_ball_struct *b, const char *val)
{
    if (tu_ball_contains_str(b, val))
        return 1;
    mpfr_t r, d;
    mpfr_init2(r, 400);
    mpfr_init2(d, 400);
    mpfr_set_str(r, val, 10, MPFR_RNDN);
    mpfr_sub(d, b->mid, r, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_sub(d, d, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp_d(d, 1e-60) <= 0;
    mpfr_clears(r, d, (mpfr_ptr)0);
    return ok;
}

START_TEST(adversarial)
{
    FILE *f = tu_open_data("adversarial.csv");
    ck_assert_ptr_nonnull(f);
    char key[512], cur[512] = "", val[256];
    long k;
    da_hermite *h = NULL;
    int st = DA_OK, count = 0, cases = 0;
    double t0 = 0;
    while (tu_read_kv(f, key, sizeof key, &k, val, sizeof val)) {
        /* the key is quoted in the file */
        char *p = key;
        size_t n = strlen(p);
        if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
            p[n - 1] = '\0';
            p++;
        }
        if (strcmp(p, cur) != 0) {
            da_hermite_free(h);
            snprintf(cur, sizeof cur, "%s", p);
            t0 = now();
            st = compute(&h, p, 6, 30);
            double dt = now() - t0;
            ck_assert_msg(st == DA_OK || st == DA_EACCURACY, "%s: status %d (%s)", p, st,
                          da_errmsg());
            ck_assert_msg(h != NULL, "%s: no result", p);
            ck_assert_msg(h->rigorous, "%s: estimate (%s)", p, h->bound_reason);
            /* the work budget keeps every case well within a minute */
            ck_assert_msg(dt < 90, "%s: %.1f s of CPU time", p, dt);
            cases++;
        }
        ck_assert_msg(holds_ref(&h->a[k], val), "%s: a_%ld = %s outside the ball", p, k, val);
        if (st == DA_OK)
            ck_assert_msg(da_ball_digits(&h->a[k]) >= 30, "%s: a_%ld only %.1f digits", p, k,
                          da_ball_digits(&h->a[k]));
        count++;
    }
    da_hermite_free(h);
    fclose(f);
    ck_assert_int_ge(cases, 22);
    ck_assert_int_ge(count, 22 * 7);
}
END_TEST

/* ---- random formulas ----------------------------------------------- */

static unsigned long rng_state;
static unsigned long rnd(void)
{
    /* xorshift64 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int rndint(int n) { return (int)(rnd() % (unsigned long)n); }

/* snprintf into the formula buffer: a formula cut short at the end of it
   does not parse and is skipped (refused up front), which is all the
   generator needs (through vsnprintf: GCC's -Wformat-truncation warned of
   the cut, which is intended) */
static void put(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static void gen(char *buf, size_t len, int depth)
{
    static const char *consts[] = {"0.37", "1.5", "2", "-0.8", "3", "0.05"};
    static const char *fns[] = {"tanh", "sin", "cos", "erf", "atan", "sigmoid", "softplus",
                                "relu", "abs", "gelu", "silu", "elu"};
    char a[400], b[400];
    int c = depth <= 0 ? rndint(2) : rndint(9);
    switch (c) {
    case 0:
        put(buf, len, "x");
        break;
    case 1:
        put(buf, len, "%s*x", consts[rndint(6)]);
        break;
    case 2: case 3: case 4:
        gen(a, sizeof a, depth - 1);
        put(buf, len, "%s(%s)", fns[rndint(12)], a);
        break;
    case 5:
        gen(a, sizeof a, depth - 1);
        gen(b, sizeof b, depth - 1);
        put(buf, len, "(%s)+(%s)", a, b);
        break;
    case 6:
        gen(a, sizeof a, depth - 1);
        gen(b, sizeof b, depth - 1);
        put(buf, len, "(%s)*(%s)", a, b);
        break;
    case 7:
        gen(a, sizeof a, depth - 1);
        put(buf, len, "max(%s,%s)", a, consts[rndint(6)]);
        break;
    default:
        gen(a, sizeof a, depth - 1);
        put(buf, len, "exp(-(%s)^2/2)", a);
        break;
    }
}

/* a ball contains the midpoint of another / the two intersect */
static int contains_mid(const da_ball_struct *a, const da_ball_struct *b)
{
    mpfr_t d;
    mpfr_init2(d, 2048);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDU);
    int ok = mpfr_cmp(d, a->rad) <= 0;
    mpfr_clear(d);
    return ok;
}

START_TEST(two_precisions_random)
{
    const char *s = getenv("DUALACT_TEST_SEED");
    unsigned long seed = s && *s ? strtoul(s, NULL, 10) : 20261201UL;
    rng_state = seed * 2654435761UL + 1;
    long iters = 12 * heavy_factor();
    int tried = 0, done = 0;
    double t0 = now();
    for (long it = 0; it < iters; it++) {
        char f[400];
        gen(f, sizeof f, 1 + rndint(3));
        da_act *a = NULL;
        if (da_act_new(&a, f) != DA_OK)
            continue;   /* refused up front: not this test's subject */
        da_act_free(a);
        tried++;
        long D = 8 + rndint(30);
        da_hermite *lo = NULL, *hi = NULL;
        double tf = now();
        int s1 = compute(&lo, f, 4, D);
        int s2 = compute(&hi, f, 4, D + 20);
        if (now() - tf > 5)
            fprintf(stderr, "two_precisions_random: '%s' at %ld digits took %.1f s of CPU time\n", f, D, now() - tf);
        if (!lo || !hi || !lo->rigorous || !hi->rigorous || (s1 && s1 != DA_EACCURACY)
            || (s2 && s2 != DA_EACCURACY)) {
            da_hermite_free(lo);
            da_hermite_free(hi);
            continue;
        }
        for (long k = 0; k <= 4; k++)
            ck_assert_msg(contains_mid(&lo->a[k], &hi->a[k]),
                          "seed %lu: '%s' a_%ld at %ld digits does not hold the value at %ld digits",
                          seed, f, k, D, D + 20);
        ck_assert_msg(contains_mid(&lo->norm2, &hi->norm2), "seed %lu: '%s' E s^2", seed, f);
        da_hermite_free(lo);
        da_hermite_free(hi);
        done++;
    }
    fprintf(stderr, "two_precisions_random: seed %lu, %d formulas, %d proved at two precisions\n", seed, tried, done);
    ck_assert_msg(done >= tried / 2, "seed %lu: only %d of %d formulas proved", seed, done, tried);
    ck_assert_msg(now() - t0 < 200.0 * (double)heavy_factor(), "seed %lu: %.0f s of CPU time", seed, now() - t0);
}
END_TEST

/* every catalogue entry: proved, Parseval holds inside the balls, mu and
   beta come with proved radii */
START_TEST(catalogue_proved)
{
    for (size_t i = 0; i < da_catalog_size(); i++) {
        const char *name = da_catalog_get(i)->name;
        if (!strcmp(name, "poly"))
            continue;
        da_act *a = NULL;
        if (da_act_new(&a, name) != DA_OK)
            continue;
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = 12;
        o.digits = 25;
        o.raw = 1;
        da_hermite *h = NULL;
        int st = da_hermite_compute(&h, a, &o);
        ck_assert_msg(st == DA_OK, "%s: %s", name, da_errmsg());
        ck_assert_msg(h->rigorous, "%s: %s", name, h->bound_reason);
        /* tail = E s^2 - sum a_k^2 >= 0: its ball reaches 0 or above */
        mpfr_t up;
        mpfr_init2(up, 128);
        mpfr_add(up, h->tail.mid, h->tail.rad, MPFR_RNDU);
        ck_assert_msg(mpfr_sgn(up) >= 0, "%s: negative Parseval tail", name);
        mpfr_clear(up);
        if (!h->beta_infinite && strcmp(name, "identity") != 0)
            ck_assert_msg(da_ball_digits(&h->beta) > 15, "%s: beta %.1f digits", name,
                          da_ball_digits(&h->beta));
        da_hermite_free(h);
        da_act_free(a);
    }
}
END_TEST

/* scales near double's limits: sigma^2 overflows double from |sigma| ~ 1e154
   (these aborted in MPFR before: issue 13); the normalized coefficients of
   1e160*tanh are tanh's, and E[1e200 exp(-X^2)] = 1e200/sqrt(3) */
START_TEST(large_scales)
{
    da_act *a = NULL, *b = NULL;
    ck_assert_int_eq(da_act_new(&a, "1e160*tanh(x)"), DA_OK);
    ck_assert_int_eq(da_act_new(&b, "tanh"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = 5;
    o.digits = 30;
    da_hermite *h = NULL, *r = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_OK);
    ck_assert_int_eq(da_hermite_compute(&r, b, &o), DA_OK);
    ck_assert(h->rigorous);
    for (long k = 0; k <= 5; k++) {
        mpfr_t d;
        mpfr_init2(d, 400);
        mpfr_sub(d, h->a[k].mid, r->a[k].mid, MPFR_RNDN);
        mpfr_abs(d, d, MPFR_RNDN);
        mpfr_sub(d, d, h->a[k].rad, MPFR_RNDN);
        mpfr_sub(d, d, r->a[k].rad, MPFR_RNDN);
        ck_assert_msg(mpfr_sgn(d) <= 0, "1e160*tanh: a_%ld", k);
        mpfr_clear(d);
    }
    da_hermite_free(h);
    da_hermite_free(r);
    da_act_free(a);
    da_act_free(b);
    ck_assert_int_eq(da_act_new(&a, "exp(-x^2)*1e200"), DA_OK);
    o.raw = 1;
    o.degree = 2;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_OK);
    ck_assert(h->rigorous);
    /* the ball is far tighter than 1e-30 (its midpoint has 1400 bits):
       compare at 4096 bits */
    mpfr_t ref, e200, d;
    mpfr_inits2(4096, ref, e200, d, (mpfr_ptr)0);
    mpfr_set_ui(ref, 3, MPFR_RNDN);
    mpfr_rec_sqrt(ref, ref, MPFR_RNDN);
    mpfr_set_str(e200, "1e200", 10, MPFR_RNDN);
    mpfr_mul(ref, ref, e200, MPFR_RNDN);
    mpfr_sub(d, h->a[0].mid, ref, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    ck_assert_msg(mpfr_cmp(d, h->a[0].rad) <= 0, "1e200 exp(-x^2): a_0");
    mpfr_clear(d);
    mpfr_clears(ref, e200, (mpfr_ptr)0);
    da_hermite_free(h);
    da_act_free(a);
}
END_TEST

/* |mid - ref| <= rad + 2^-280 (ref is good to about 2^-295) */
static int holds(const da_ball_struct *b, const mpfr_t ref)
{
    mpfr_t d;
    mpfr_init2(d, 400);
    mpfr_sub(d, b->mid, ref, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_sub(d, d, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp_d(d, 0x1p-280) <= 0;
    mpfr_clear(d);
    return ok;
}

/* An odd or even formula: the a_k of the other parity are exact zeros
   (the parity is proved from the syntax, da_expr_parity), the others are
   proved non-zero, and they hold the closed forms where there are any
   (x^3: a_1 = 3, a_3 = sqrt(6); cos: a_2k = (-1)^k e^{-1/2}/sqrt((2k)!));
   tanh, erf and the rest of the catalogue hold mpmath's values in
   check_coeffs.  Each runs through the central piece [-b, b] as well. */
START_TEST(parity_zeros)
{
    static const struct { const char *f; int odd; } c[] = {
        {"tanh", 1}, {"erf", 1}, {"x^3", 1}, {"sin(3*x)", 1}, {"x*exp(-x^2)", 1},
        {"cos", 0}, {"gaussian", 0}, {"abs", 0}, {"x^2*tanh(x)^2", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        da_hermite *h = NULL;
        int st = compute(&h, c[i].f, 9, 40);
        ck_assert_msg(st == DA_OK, "%s: status %d", c[i].f, st);
        ck_assert_msg(h->rigorous, "%s: estimate", c[i].f);
        for (long k = 0; k <= 9; k++) {
            int zero = (k % 2 == 0) == c[i].odd;
            if (zero)
                ck_assert_msg(mpfr_zero_p(h->a[k].mid) && mpfr_zero_p(h->a[k].rad),
                              "%s: a_%ld not an exact zero", c[i].f, k);
            else if (strcmp(c[i].f, "x^3") != 0 || k <= 3)
                ck_assert_msg(!mpfr_zero_p(h->a[k].mid) && mpfr_cmpabs(h->a[k].mid, h->a[k].rad) > 0,
                              "%s: a_%ld not proved non-zero", c[i].f, k);
        }
        if (strcmp(c[i].f, "x^3") == 0) {
            /* x^3 = He_3 + 3 He_1: a_1 = 3, a_3 = sqrt(3!) */
            mpfr_t r;
            mpfr_init2(r, 300);
            mpfr_set_ui(r, 3, MPFR_RNDN);
            ck_assert_msg(holds(&h->a[1], r), "x^3: a_1");
            mpfr_sqrt_ui(r, 6, MPFR_RNDN);
            ck_assert_msg(holds(&h->a[3], r), "x^3: a_3");
            mpfr_clear(r);
        }
        if (strcmp(c[i].f, "cos") == 0) {
            /* a_2k = (-1)^k e^{-1/2} / sqrt((2k)!) */
            mpfr_t r, f;
            mpfr_inits2(300, r, f, (mpfr_ptr)0);
            for (long k = 0; k <= 9; k += 2) {
                mpfr_set_si(r, -1, MPFR_RNDN);
                mpfr_div_2ui(r, r, 1, MPFR_RNDN);
                mpfr_exp(r, r, MPFR_RNDN);
                mpfr_fac_ui(f, (unsigned long)k, MPFR_RNDN);
                mpfr_sqrt(f, f, MPFR_RNDN);
                mpfr_div(r, r, f, MPFR_RNDN);
                if ((k / 2) % 2)
                    mpfr_neg(r, r, MPFR_RNDN);
                ck_assert_msg(holds(&h->a[k], r), "cos: a_%ld outside its ball", k);
            }
            mpfr_clears(r, f, (mpfr_ptr)0);
        }
        da_hermite_free(h);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rigorous");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 600, 1);
    tcase_add_test(tc, adversarial);
    tcase_add_test(tc, two_precisions_random);
    tcase_add_test(tc, catalogue_proved);
    tcase_add_test(tc, large_scales);
    tcase_add_test(tc, parity_zeros);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int nf = srunner_ntests_failed(r);
    srunner_free(r);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

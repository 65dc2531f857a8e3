/* check_coeffs.c -- Hermite coefficients: closed forms, independent
 * mpmath references, identities, two precisions, the double path, and
 * every error path. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"
#include "core/core.h"
#include "core/arbinc.h"
#include "hermite/rigorous.h"
#include "hermite/hermite.h"

static da_hermite *coeffs(const char *spec, long N, long digits, int raw, int expect)
{
    da_act *a = NULL;
    ck_assert_msg(da_act_new(&a, spec) == DA_OK, "%s: %s", spec, da_errmsg());
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = N;
    o.digits = digits;
    o.raw = raw;
    da_hermite *h = NULL;
    int st = da_hermite_compute(&h, a, &o);
    ck_assert_msg(st == expect, "%s: status %d (%s)", spec, st, da_errmsg());
    da_act_free(a);
    return h;
}

/* the ball is within 10^-digits (in absolute terms) */
static void assert_tight(const da_ball_struct *b, double digits, const char *what, long k)
{
    ck_assert_msg(da_ball_digits(b) >= digits, "%s a_%ld: only %.1f digits", what, k, da_ball_digits(b));
}

/* ---- closed forms of docs/numerics.md section 3, computed here in MPFR ---- */

typedef void (*closed_fn)(mpfr_t r, long k);

static void c0(mpfr_t r)
{
    mpfr_const_pi(r, MPFR_RNDN);
    mpfr_mul_2ui(r, r, 1, MPFR_RNDN);
    mpfr_rec_sqrt(r, r, MPFR_RNDN);
}

static void dfact(mpfr_t r, long n) /* n!!, (-1)!! = 1 */
{
    mpfr_set_ui(r, 1, MPFR_RNDN);
    for (long j = n; j > 1; j -= 2)
        mpfr_mul_ui(r, r, (unsigned long)j, MPFR_RNDN);
}

static void div_sqrt_fact(mpfr_t r, long k)
{
    mpfr_t f;
    mpfr_init2(f, mpfr_get_prec(r));
    mpfr_fac_ui(f, (unsigned long)k, MPFR_RNDN);
    mpfr_sqrt(f, f, MPFR_RNDN);
    mpfr_div(r, r, f, MPFR_RNDN);
    mpfr_clear(f);
}

static void cf_relu(mpfr_t r, long k)
{
    if (k == 0) { c0(r); return; }
    if (k == 1) { mpfr_set_d(r, 0.5, MPFR_RNDN); return; }
    if (k % 2) { mpfr_set_zero(r, 1); return; }
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(r));
    dfact(r, k - 3);
    c0(t);
    mpfr_mul(r, r, t, MPFR_RNDN);
    if ((k / 2 + 1) % 2)
        mpfr_neg(r, r, MPFR_RNDN);
    div_sqrt_fact(r, k);
    mpfr_clear(t);
}

static void cf_step(mpfr_t r, long k)
{
    if (k == 0) { mpfr_set_d(r, 0.5, MPFR_RNDN); return; }
    if (k % 2 == 0) { mpfr_set_zero(r, 1); return; }
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(r));
    dfact(r, k - 2);
    c0(t);
    mpfr_mul(r, r, t, MPFR_RNDN);
    if (((k - 1) / 2) % 2)
        mpfr_neg(r, r, MPFR_RNDN);
    div_sqrt_fact(r, k);
    mpfr_clear(t);
}

static void cf_erf(mpfr_t r, long k)
{
    if (k % 2 == 0) { mpfr_set_zero(r, 1); return; }
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(r));
    dfact(r, k - 2);
    mpfr_set_ui(t, 2, MPFR_RNDN);
    mpfr_div_ui(t, t, 3, MPFR_RNDN);
    mpfr_set_d(r, 0, MPFR_RNDN);
    mpfr_t p;
    mpfr_init2(p, mpfr_get_prec(r));
    mpfr_set_ui(p, (unsigned long)k, MPFR_RNDN);
    mpfr_div_2ui(p, p, 1, MPFR_RNDN);
    mpfr_pow(t, t, p, MPFR_RNDN);      /* (2/3)^(k/2) */
    dfact(r, k - 2);
    mpfr_mul(r, r, t, MPFR_RNDN);
    c0(t);
    mpfr_mul(r, r, t, MPFR_RNDN);
    mpfr_mul_2ui(r, r, 1, MPFR_RNDN);
    if (((k - 1) / 2) % 2)
        mpfr_neg(r, r, MPFR_RNDN);
    div_sqrt_fact(r, k);
    mpfr_clears(t, p, (mpfr_ptr)0);
}

static void cf_gelu(mpfr_t r, long k)
{
    if (k == 0) {
        mpfr_const_pi(r, MPFR_RNDN);
        mpfr_rec_sqrt(r, r, MPFR_RNDN);
        mpfr_div_2ui(r, r, 1, MPFR_RNDN);
        return;
    }
    if (k == 1) { mpfr_set_d(r, 0.5, MPFR_RNDN); return; }
    if (k % 2) { mpfr_set_zero(r, 1); return; }
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(r));
    dfact(r, k - 3);
    mpfr_mul_ui(r, r, (unsigned long)(k + 1), MPFR_RNDN);
    mpfr_set_ui(t, 2, MPFR_RNDN);
    mpfr_set_d(t, -(double)(k + 1) / 2, MPFR_RNDN);
    mpfr_exp2(t, t, MPFR_RNDN);
    mpfr_mul(r, r, t, MPFR_RNDN);
    c0(t);
    mpfr_mul(r, r, t, MPFR_RNDN);
    if ((k / 2 + 1) % 2)
        mpfr_neg(r, r, MPFR_RNDN);
    div_sqrt_fact(r, k);
    mpfr_clear(t);
}

static void em_half(mpfr_t r, int sign) /* e^(sign/2) */
{
    mpfr_set_d(r, sign * 0.5, MPFR_RNDN);
    mpfr_exp(r, r, MPFR_RNDN);
}

static void cf_sin(mpfr_t r, long k)
{
    if (k % 2 == 0) { mpfr_set_zero(r, 1); return; }
    em_half(r, -1);
    if (((k - 1) / 2) % 2)
        mpfr_neg(r, r, MPFR_RNDN);
    div_sqrt_fact(r, k);
}

static void cf_cos(mpfr_t r, long k)
{
    if (k % 2) { mpfr_set_zero(r, 1); return; }
    em_half(r, -1);
    if ((k / 2) % 2)
        mpfr_neg(r, r, MPFR_RNDN);
    div_sqrt_fact(r, k);
}

static void cf_exp(mpfr_t r, long k)
{
    em_half(r, 1);
    div_sqrt_fact(r, k);
}

static void check_closed(const char *spec, closed_fn f, long N, long digits)
{
    da_hermite *h = coeffs(spec, N, digits, 1, DA_OK);
    mpfr_t r;
    mpfr_init2(r, 4 * digits * 4 + 200);
    for (long k = 0; k <= N; k++) {
        f(r, k);
        ck_assert_msg(tu_ball_contains(&h->a[k], r), "%s: a_%ld outside its ball", spec, k);
        assert_tight(&h->a[k], (double)digits, spec, k);
    }
    mpfr_clear(r);
    da_hermite_free(h);
}

START_TEST(closed_forms)
{
    int heavy = tu_heavy();
    long D = heavy ? 100 : 55;
    check_closed("relu", cf_relu, heavy ? 1000 : 200, D);
    check_closed("step", cf_step, heavy ? 1000 : 200, D);
    check_closed("erf", cf_erf, heavy ? 120 : 50, D);
    check_closed("gelu", cf_gelu, heavy ? 120 : 30, heavy ? D : 40);
    check_closed("sin", cf_sin, heavy ? 200 : 60, D);
    check_closed("cos", cf_cos, heavy ? 200 : 60, D);
    check_closed("exp", cf_exp, heavy ? 200 : 60, D);
}
END_TEST

/* normalization removes affine changes: 1000 + tanh, tanh/1000 and
   1e-9*tanh have the normalized coefficients of tanh, and (x + 1e200) -
   1e200 those of x (where double arithmetic cancels x away entirely);
   every ball must contain the reference midpoint */
START_TEST(affine_invariance)
{
    /* the reference 25 digits further than the variants: its midpoint is
       then exact at their scale */
    da_hermite *ref = coeffs("tanh", 8, 60, 0, DA_OK);
    const char *variants[] = {"1000+tanh(x)", "tanh(x)/1000", "1e-9*tanh(x)", "tanh(x)*3-7"};
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        da_hermite *h = coeffs(variants[i], 8, 35, 0, DA_OK);
        for (long k = 0; k <= 8; k++) {
            ck_assert_msg(tu_ball_contains(&h->a[k], ref->a[k].mid), "%s: a_%ld", variants[i], k);
            assert_tight(&h->a[k], 35, variants[i], k);
        }
        da_hermite_free(h);
    }
    da_hermite_free(ref);
    da_hermite *h = coeffs("(x+1e200)-1e200", 3, 30, 0, DA_OK);
    mpfr_t one;
    mpfr_init2(one, 64);
    mpfr_set_ui(one, 1, MPFR_RNDN);
    ck_assert(tu_ball_contains(&h->a[1], one));
    ck_assert(mpfr_cmp_d(h->a[1].rad, 1e-30) < 0);
    mpfr_clear(one);
    da_hermite_free(h);
    /* a variance far below the mean square is refused, not garbled */
    da_act *a;
    ck_assert_int_eq(da_act_new(&a, "tanh(x)+1e30"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EDOM);
    da_act_free(a);
}
END_TEST

/* error bounds far below double's range (1e-308): every floor and
   comparison must stay in MPFR */
START_TEST(beyond_double_range)
{
    check_closed("relu", cf_relu, 12, 350);
    check_closed("sin", cf_sin, 5, 320);
    if (tu_heavy()) {
        check_closed("erf", cf_erf, 5, 350);
        check_closed("exp", cf_exp, 9, 600);
    }
}
END_TEST

/* ---- independent mpmath references (tests/gen/gen_*.py) ------------ */

static void check_reference_file(const char *file, long digits, int want_rigorous)
{
    FILE *f = tu_open_data(file);
    ck_assert_ptr_nonnull(f);
    char key[512], cur[512] = "", val[256];
    long k;
    da_hermite *h = NULL;
    int count = 0;
    while (tu_read_kv(f, key, sizeof key, &k, val, sizeof val)) {
        if (strcmp(key, cur) != 0) {
            da_hermite_free(h);
            snprintf(cur, sizeof cur, "%s", key);
            h = coeffs(key, 30, digits, 1, DA_OK);
            if (want_rigorous)
                ck_assert_msg(h->rigorous, "%s: bound is an estimate (%s)", key, h->bound_reason);
        }
        if (k > 30)
            continue;
        ck_assert_msg(tu_ball_contains_str(&h->a[k], val), "%s: a_%ld = %s outside the ball", key, k, val);
        /* the accuracy is absolute */
        assert_tight(&h->a[k], (double)digits, key, k);
        count++;
    }
    da_hermite_free(h);
    fclose(f);
    ck_assert_int_gt(count, 300);
}

START_TEST(reference_catalogue)
{
    /* every catalogue entry: proved balls that hold the mpmath values */
    check_reference_file("coeffs_raw.csv", tu_heavy() ? 60 : 40, 1);
}
END_TEST

START_TEST(reference_expressions)
{
    check_reference_file("coeffs_expr.csv", tu_heavy() ? 45 : 32, 1);
}
END_TEST

START_TEST(reference_moments)
{
    FILE *f = tu_open_data("moments_raw.csv");
    ck_assert_ptr_nonnull(f);
    char line[2048];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "act,", 4))
            continue;
        /* act may contain commas: the last three fields are numbers */
        line[strcspn(line, "\r\n")] = '\0';
        char *c3 = strrchr(line, ',');
        *c3 = '\0';
        char *c2 = strrchr(line, ',');
        *c2 = '\0';
        char *c1 = strrchr(line, ',');
        *c1 = '\0';
        const char *act = line, *mean = c1 + 1, *var = c2 + 1, *edsq = c3 + 1;
        da_hermite *h = coeffs(act, 3, 30, 1, DA_OK);
        ck_assert_msg(tu_ball_contains_str(&h->mean, mean), "%s mean", act);
        ck_assert_msg(tu_ball_contains_str(&h->var, var), "%s var", act);
        assert_tight(&h->var, 29, act, -1);
        if (!strcmp(edsq, "inf")) {
            ck_assert_msg(h->beta_infinite, "%s: beta should be infinite", act);
        } else if (strcmp(act, "relu_pow(1.5)") != 0) {
            /* beta = E sigma'^2 / Var */
            mpfr_t b;
            mpfr_init2(b, 300);
            mpfr_set_str(b, edsq, 10, MPFR_RNDN);
            mpfr_t v;
            mpfr_init2(v, 300);
            mpfr_set_str(v, var, 10, MPFR_RNDN);
            mpfr_div(b, b, v, MPFR_RNDN);
            mpfr_t d;
            mpfr_init2(d, 300);
            mpfr_sub(d, b, h->beta.mid, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDN);
            /* the reference (mpmath at 100 digits, divided at 300 bits)
               is far inside any 30-digit radius: the ball must contain it */
            ck_assert_msg(mpfr_cmp(d, h->beta.rad) <= 0,
                          "%s: beta off by %g, outside its ball (rad %g)", act,
                          mpfr_get_d(d, MPFR_RNDN), mpfr_get_d(h->beta.rad, MPFR_RNDN));
            mpfr_clears(b, v, d, (mpfr_ptr)0);
        }
        da_hermite_free(h);
        count++;
    }
    fclose(f);
    ck_assert_int_ge(count, 20);
}
END_TEST

/* ---- identities ----------------------------------------------------- */

/* normalized: a_0 = 0, sum a_k^2 + tail = 1, the tail decreases with N,
   mu = 1 - a_1^2 */
START_TEST(parseval)
{
    const char *acts[] = {"tanh", "relu", "gelu", "selu", "hardtanh", "silu"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        da_hermite *h1 = coeffs(acts[i], 15, 30, 0, DA_OK);
        da_hermite *h2 = coeffs(acts[i], 40, 30, 0, DA_OK);
        ck_assert(mpfr_zero_p(h1->a[0].mid));
        double t1 = mpfr_get_d(h1->tail.mid, MPFR_RNDN), t2 = mpfr_get_d(h2->tail.mid, MPFR_RNDN);
        ck_assert_msg(t2 <= t1 + 1e-29, "%s: tail grew", acts[i]);
        ck_assert_msg(t2 >= -1e-29, "%s: negative tail", acts[i]);
        double a1 = mpfr_get_d(h1->a[1].mid, MPFR_RNDN);
        ck_assert(fabs(mpfr_get_d(h1->mu.mid, MPFR_RNDN) - (1 - a1 * a1)) < 1e-15);
        /* same coefficients at both degrees */
        for (long k = 0; k <= 15; k++)
            ck_assert_msg((mpfr_cmp_d(h1->a[k].rad, 1e-30) <= 0 && tu_ball_contains(&h1->a[k], h2->a[k].mid) == 1)
                          || fabs(mpfr_get_d(h1->a[k].mid, MPFR_RNDN) - mpfr_get_d(h2->a[k].mid, MPFR_RNDN)) < 2e-30,
                          "%s: a_%ld differs between degrees", acts[i], k);
        da_hermite_free(h1);
        da_hermite_free(h2);
    }
}
END_TEST

/* the paper's normalized ReLU: closed-form mu and beta */
START_TEST(relu_normalized_constants)
{
    da_hermite *h = coeffs("relu", 2, 50, 0, DA_OK);
    mpfr_t pi, v;
    mpfr_inits2(400, pi, v, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    /* mu = (pi - 2) / (2 (pi - 1)) */
    mpfr_sub_ui(v, pi, 2, MPFR_RNDN);
    mpfr_t d;
    mpfr_init2(d, 400);
    mpfr_sub_ui(d, pi, 1, MPFR_RNDN);
    mpfr_div(v, v, d, MPFR_RNDN);
    mpfr_div_2ui(v, v, 1, MPFR_RNDN);
    ck_assert(tu_ball_contains(&h->mu, v));
    /* beta = pi / (pi - 1) */
    mpfr_div(v, pi, d, MPFR_RNDN);
    ck_assert(tu_ball_contains(&h->beta, v));
    ck_assert_int_eq(h->beta_infinite, 0);
    da_hermite_free(h);
    /* relu_normalized is already normalized: raw = normalized */
    da_hermite *r = coeffs("relu_normalized", 10, 40, 1, DA_OK);
    da_hermite *n = coeffs("relu", 10, 40, 0, DA_OK);
    for (long k = 0; k <= 10; k++)
        ck_assert(fabs(mpfr_get_d(r->a[k].mid, MPFR_RNDN) - mpfr_get_d(n->a[k].mid, MPFR_RNDN)) < 1e-39);
    da_hermite_free(r);
    da_hermite_free(n);
    mpfr_clears(pi, v, d, (mpfr_ptr)0);
    /* step jumps: beta infinite */
    h = coeffs("step", 4, 20, 0, DA_OK);
    ck_assert_int_eq(h->beta_infinite, 1);
    da_hermite_free(h);
}
END_TEST

/* The three-term recurrence: x He_k = He_{k+1} + k He_{k-1} gives
 * a_k[x s] = sqrt(k) a_{k-1}[s] + sqrt(k+1) a_{k+1}[s], and Stein's lemma
 * a_k[s'] = sqrt(k+1) a_{k+1}[s]: both checked between activations that
 * go through different quadrature paths. */
static void check_recurrence(const char *s, const char *xs, const char *ds, long N)
{
    da_hermite *hs = coeffs(s, N + 2, 35, 1, DA_OK);
    da_hermite *hx = coeffs(xs, N, 35, 1, DA_OK);
    da_hermite *hd = ds ? coeffs(ds, N, 35, 1, DA_OK) : NULL;
    /* ball checks: |left - right| at most the sum of the radii involved
       (scaled like the midpoints) plus 2^-280, the rounding of this check
       itself at 300 bits on numbers below 1 */
    mpfr_t v, t, r, q;
    mpfr_inits2(300, v, t, r, q, (mpfr_ptr)0);
    for (long k = 0; k <= N; k++) {
        mpfr_set_zero(v, 1);
        mpfr_set_ui_2exp(r, 1, -280, MPFR_RNDU);
        if (k >= 1) {
            mpfr_sqrt_ui(t, (unsigned long)k, MPFR_RNDN);
            mpfr_mul(q, t, hs->a[k - 1].rad, MPFR_RNDU);
            mpfr_add(r, r, q, MPFR_RNDU);
            mpfr_mul(t, t, hs->a[k - 1].mid, MPFR_RNDN);
            mpfr_add(v, v, t, MPFR_RNDN);
        }
        mpfr_sqrt_ui(t, (unsigned long)(k + 1), MPFR_RNDN);
        mpfr_mul(q, t, hs->a[k + 1].rad, MPFR_RNDU);
        mpfr_mul(t, t, hs->a[k + 1].mid, MPFR_RNDN);
        mpfr_add(v, v, t, MPFR_RNDN);
        mpfr_sub(t, v, hx->a[k].mid, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_add(v, r, q, MPFR_RNDU);
        mpfr_add(v, v, hx->a[k].rad, MPFR_RNDU);
        ck_assert_msg(mpfr_cmp(t, v) <= 0, "%s: recurrence at k=%ld: off by %g, radii %g", xs, k,
                      mpfr_get_d(t, MPFR_RNDN), mpfr_get_d(v, MPFR_RNDN));
        if (hd) {
            mpfr_sqrt_ui(t, (unsigned long)(k + 1), MPFR_RNDN);
            mpfr_mul(t, t, hs->a[k + 1].mid, MPFR_RNDN);
            mpfr_sub(t, t, hd->a[k].mid, MPFR_RNDN);
            mpfr_abs(t, t, MPFR_RNDN);
            mpfr_set_ui_2exp(r, 1, -280, MPFR_RNDU);
            mpfr_add(r, r, q, MPFR_RNDU);
            mpfr_add(r, r, hd->a[k].rad, MPFR_RNDU);
            ck_assert_msg(mpfr_cmp(t, r) <= 0, "%s: Stein at k=%ld: off by %g, radii %g", ds, k,
                          mpfr_get_d(t, MPFR_RNDN), mpfr_get_d(r, MPFR_RNDN));
        }
    }
    mpfr_clears(v, t, r, q, (mpfr_ptr)0);
    da_hermite_free(hs);
    da_hermite_free(hx);
    da_hermite_free(hd);
}

START_TEST(recurrence)
{
    check_recurrence("tanh", "x*tanh(x)", "1-tanh(x)^2", 20);
    check_recurrence("relu", "x*max(x,0)", "step(x)", 20);
    check_recurrence("gelu", "x*x*Phi(x)", "Phi(x)+x*phi(x)", 20);
    check_recurrence("elu", "x*(x>0 ? x : exp(x)-1)", "x>0 ? 1 : exp(x)", 20);
}
END_TEST

/* two precisions: every 30-digit ball contains the 60-digit midpoint */
START_TEST(two_precisions)
{
    const char *acts[] = {"tanh", "erf", "elu", "relu_pow(1.5)", "sigmoid", "x*tanh(softplus(x))"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        da_hermite *lo = coeffs(acts[i], 25, 30, 0, DA_OK);
        da_hermite *hi = coeffs(acts[i], 25, 60, 0, DA_OK);
        for (long k = 0; k <= 25; k++)
            ck_assert_msg(tu_ball_contains(&lo->a[k], hi->a[k].mid), "%s: a_%ld", acts[i], k);
        ck_assert(tu_ball_contains(&lo->beta, hi->beta.mid));
        ck_assert(tu_ball_contains(&lo->tail, hi->tail.mid));
        da_hermite_free(lo);
        da_hermite_free(hi);
    }
}
END_TEST

/* the double path agrees with the MPFR path within its bound, which is
   about 1e-14 or better */
START_TEST(double_path)
{
    for (size_t i = 0; i < da_catalog_size(); i++) {
        const char *name = da_catalog_get(i)->name;
        if (!strcmp(name, "poly"))
            continue;
        int raw = !strcmp(name, "hermite") ? 1 : 0;
        da_act *a;
        ck_assert_int_eq(da_act_new(&a, name), DA_OK);
        double ad[21], ed[21];
        int st = da_hermite_compute_d(ad, ed, 20, a, raw);
        ck_assert_msg(st == DA_OK, "%s: double path status %d (%s)", name, st, da_errmsg());
        da_hermite *h = coeffs(name, 20, 25, raw, DA_OK);
        for (long k = 0; k <= 20; k++) {
            double m = mpfr_get_d(h->a[k].mid, MPFR_RNDN);
            ck_assert_msg(fabs(ad[k] - m) <= ed[k] + 1e-24, "%s a_%ld: %.17g vs %.17g (err %g)", name, k,
                          ad[k], m, ed[k]);
            ck_assert_msg(ed[k] < 1e-13, "%s a_%ld: double bound %g too wide", name, k, ed[k]);
        }
        da_hermite_free(h);
        da_act_free(a);
    }
}
END_TEST

/* a formula that double arithmetic cancels away must not give confident
   wrong numbers on the double path: (exp(x) + 1e20) - 1e20 has
   a_k = e^{1/2}/sqrt(k!) */
START_TEST(double_path_cancellation)
{
    da_act *a;
    ck_assert_int_eq(da_act_new(&a, "(exp(x)+1e20)-1e20"), DA_OK);
    double ad[4], ed[4];
    int st = da_hermite_compute_d(ad, ed, 3, a, 1);
    ck_assert_int_eq(st, DA_OK);
    double f = 1;
    for (long k = 0; k <= 3; k++) {
        if (k)
            f *= (double)k;
        /* the reference itself is rounded in double: a few ulps */
        double ref = exp(0.5) / sqrt(f);
        ck_assert_msg(fabs(ad[k] - ref) <= ed[k] + 4e-16 * ref, "a_%ld = %.17g +- %g vs %.17g", k, ad[k],
                      ed[k], ref);
    }
    da_act_free(a);
}
END_TEST

/* the caps: too few nodes gives DA_EACCURACY, and the bounds still hold */
START_TEST(caps_report_honestly)
{
    da_act *a;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = 10;
    o.digits = 60;
    o.raw = 1;
    o.max_nodes = 120;
    da_hermite *h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EACCURACY);
    ck_assert_ptr_nonnull(h);
    ck_assert(h->digits_reached < 60);
    da_hermite *ref = coeffs("tanh", 10, 60, 1, DA_OK);
    for (long k = 0; k <= 10; k++)
        ck_assert_msg(tu_ball_contains(&h->a[k], ref->a[k].mid), "a_%ld outside the reported ball", k);
    da_hermite_free(h);
    da_hermite_free(ref);
    da_act_free(a);
}
END_TEST

START_TEST(error_paths)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanhh"), DA_EPARSE);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(da_act_new(&a, "leaky_relu(1.2.3)"), DA_EINVAL);
    ck_assert_int_eq(da_act_new(&a, "leaky_relu(abc"), DA_EPARSE);
    ck_assert_int_eq(da_act_new(&a, "leaky_relu(0.1,0.2)"), DA_EINVAL);
    ck_assert_int_eq(da_act_new(&a, "hermite(2.5)"), DA_EINVAL);
    ck_assert_int_eq(da_act_new(&a, "relu_pow(-1)"), DA_EINVAL);
    ck_assert_int_eq(da_act_new(&a, "log(x)"), DA_EDOM);
    ck_assert_int_eq(da_act_new(&a, "exp(x^2)"), DA_EDOM);
    ck_assert_int_eq(da_act_new(&a, "x+"), DA_EPARSE);
    ck_assert_int_gt(da_errcol(), 0);
    ck_assert_int_eq(da_act_new(&a, NULL), DA_EINVAL);

    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    da_hermite *h = NULL;
    o.degree = -1;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EINVAL);
    o.degree = 100001;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EINVAL);
    o.degree = 3;
    o.digits = 0;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EINVAL);
    ck_assert_ptr_null(h);
    da_act_free(a);
    /* a constant cannot be normalized */
    ck_assert_int_eq(da_act_new(&a, "poly(3)"), DA_OK);
    da_hermite_opts_init(&o);
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EDOM);
    ck_assert(strlen(da_errmsg()) > 0);
    o.raw = 1;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_OK);
    ck_assert(tu_ball_contains_str(&h->a[0], "3"));
    da_hermite_free(h);
    da_act_free(a);
}
END_TEST

START_TEST(polynomials_exact)
{
    /* He_k has a_k = sqrt(k!) and nothing else, at any degree */
    da_hermite *h = coeffs("hermite(12)", 14, 80, 1, DA_OK);
    mpfr_t f;
    mpfr_init2(f, 500);
    mpfr_fac_ui(f, 12, MPFR_RNDN);
    mpfr_sqrt(f, f, MPFR_RNDN);
    for (long k = 0; k <= 14; k++) {
        if (k == 12)
            ck_assert(tu_ball_contains(&h->a[k], f));
        else
            ck_assert(mpfr_cmp_d(h->a[k].rad, 1e-80) <= 0 && fabs(mpfr_get_d(h->a[k].mid, MPFR_RNDN)) < 1e-80);
    }
    mpfr_clear(f);
    da_hermite_free(h);
    /* a large Hermite polynomial: heavy cancellation in the monomial basis */
    h = coeffs("hermite(150)", 152, 30, 1, DA_OK);
    ck_assert(fabs(mpfr_get_d(h->a[149].mid, MPFR_RNDN)) < 1e-30);
    ck_assert(da_ball_digits(&h->a[150]) > 30 - 132); /* sqrt(150!) ~ 1e131: relative accuracy */
    da_hermite_free(h);
}
END_TEST

/* ---- the exact path of piecewise polynomials (exact.c) -------------- */

/* |mid - ref| <= rad + 1e-86 max(1, |ref|): the references of
   tests/data/coeffs_pwpoly.csv carry 90 significant digits */
static int holds90(const da_ball_struct *b, const char *ref)
{
    mpfr_t r, d, s;
    mpfr_init2(r, 700);
    mpfr_init2(d, 700);
    mpfr_init2(s, 64);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_sub(d, b->mid, r, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_abs(s, r, MPFR_RNDU);
    if (mpfr_cmp_ui(s, 1) < 0)
        mpfr_set_ui(s, 1, MPFR_RNDU);
    mpfr_mul_d(s, s, 1e-86, MPFR_RNDU);
    mpfr_add(s, s, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp(d, s) <= 0;
    mpfr_clears(r, d, s, (mpfr_ptr)0);
    return ok;
}

/* Piecewise polynomials at degree 2000 and 60 digits (85 in the heavier
 * pass): every ball proved (rigorous, by the exact path), within 10^-D, and
 * holding the references of tests/gen/gen_pwpoly.py (Stein's identity with
 * mpmath's hypergeometric Hermite polynomials; checked there against a
 * recurrence and against direct quadrature): a_k, E sigma^2 and beta. */
START_TEST(pwpoly_high_degree)
{
    long N = 2000, D = tu_heavy() ? 85 : 60;
    FILE *f = tu_open_data("coeffs_pwpoly.csv");
    ck_assert_ptr_nonnull(f);
    char key[512], cur[512] = "", val[256];
    long k;
    da_hermite *h = NULL;
    int count = 0, acts = 0;
    while (tu_read_kv(f, key, sizeof key, &k, val, sizeof val)) {
        if (strcmp(key, cur) != 0) {
            da_hermite_free(h);
            snprintf(cur, sizeof cur, "%s", key);
            h = coeffs(key, N, D, 1, DA_OK);
            ck_assert_msg(h->rigorous, "%s: estimate (%s)", key, h->bound_reason);
            ck_assert_msg(strstr(h->method, "exact") != NULL, "%s: method %s", key, h->method);
            acts++;
        }
        if (k >= 0) {
            ck_assert_msg(holds90(&h->a[k], val), "%s: a_%ld = %s outside the ball", key, k, val);
            assert_tight(&h->a[k], (double)D, key, k);
        } else if (k == -1) {
            ck_assert_msg(holds90(&h->norm2, val), "%s: E sigma^2 outside the ball", key);
            assert_tight(&h->norm2, (double)D, key, k);
        } else if (!strcmp(val, "inf")) {
            ck_assert_msg(h->beta_infinite, "%s: beta should be infinite", key);
        } else {
            ck_assert_msg(holds90(&h->beta, val), "%s: beta outside the ball", key);
            ck_assert(da_ball_digits(&h->beta) > (double)D - 2);
        }
        count++;
    }
    da_hermite_free(h);
    fclose(f);
    ck_assert_int_eq(acts, 8);
    ck_assert_int_ge(count, 8 * 59);
}
END_TEST

/* two proofs of the same numbers overlap */
static void assert_overlap(const da_ball_struct *a, const arb_t b, const char *what, long k)
{
    arb_t x;
    arb_init(x);
    da_arb_set_ball(x, a);
    ck_assert_msg(arb_overlaps(x, b), "%s: a_%ld, the two balls are disjoint", what, k);
    arb_clear(x);
}

/* The boundary RIG_PWPOLY_MAX_DEGREE = 300 of coeffs.c: on both sides the
 * exact path gives proved balls that overlap, and at degree 300 the proved
 * quadrature (rigorous.c, called directly) overlaps them too.  A piecewise
 * polynomial whose pieces cannot be proved (x^2 > 2: a switching argument
 * of degree 2) is proved by the quadrature at 300 and is an estimate, with
 * the reason, at 301; the two agree within their radii. */
START_TEST(pwpoly_boundary)
{
    const char *acts[] = {"hardtanh", "clip(x,-pi,sqrt(2))", "x>1 ? x^3 : 0.5-x^2"};
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        da_hermite *h300 = coeffs(acts[i], 300, 40, 1, DA_OK);
        da_hermite *h301 = coeffs(acts[i], 301, 40, 1, DA_OK);
        ck_assert(h300->rigorous && h301->rigorous);
        ck_assert(strstr(h300->method, "exact") && strstr(h301->method, "exact"));
        da_act *a = NULL;
        ck_assert_int_eq(da_act_new(&a, acts[i]), DA_OK);
        da_rig_opts o;
        da_rig_opts_init(&o);
        o.N = 300;
        o.prec = 200;
        o.log2_tol = -40 * 3.33 - 4;
        o.want_d = 0;
        da_rig_result r;
        memset(&r, 0, sizeof r);
        int st = da_rig_compute(&r, a, NULL, &o);
        ck_assert_msg(st == DA_OK || st == DA_EACCURACY, "%s: quadrature status %d", acts[i], st);
        arb_t x;
        arb_init(x);
        for (long k = 0; k <= 300; k++) {
            da_arb_set_ball(x, &h301->a[k]);
            assert_overlap(&h300->a[k], x, acts[i], k);
            assert_overlap(&h300->a[k], r.a + k, acts[i], k);
        }
        da_arb_set_ball(x, &h300->norm2);
        ck_assert(arb_overlaps(x, r.s2));
        arb_clear(x);
        da_rig_result_clear(&r);
        da_act_free(a);
        da_hermite_free(h300);
        da_hermite_free(h301);
    }
    da_hermite *h300 = coeffs("x^2>2 ? 1 : 0", 300, 30, 1, DA_OK);
    da_hermite *h301 = coeffs("x^2>2 ? 1 : 0", 301, 30, 1, DA_OK);
    ck_assert_msg(h300->rigorous, "%s", h300->bound_reason);
    ck_assert(strstr(h300->method, "Gauss-Legendre") != NULL);
    ck_assert(!h301->rigorous);
    ck_assert_msg(strstr(h301->bound_reason, "not proved") && strstr(h301->bound_reason, "degree 2"),
                  "reason: %s", h301->bound_reason);
    arb_t x;
    arb_init(x);
    for (long k = 0; k <= 300; k++) {
        da_arb_set_ball(x, &h301->a[k]);
        assert_overlap(&h300->a[k], x, "x^2>2", k);
    }
    arb_clear(x);
    da_hermite_free(h300);
    da_hermite_free(h301);
}
END_TEST

/* The caps of the exact path: a precision cap below what 60 digits need,
 * and a time limit already spent, give DA_EACCURACY with balls that are
 * still proofs (wider, or infinite) and still hold the references. */
START_TEST(pwpoly_caps)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "hardtanh"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = 2000;
    o.digits = 60;
    o.raw = 1;
    o.max_prec = 120;
    da_hermite *h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EACCURACY);
    ck_assert_ptr_nonnull(h);
    ck_assert(h->rigorous);
    ck_assert(h->digits_reached < 60 && h->digits_reached > 10);
    FILE *f = tu_open_data("coeffs_pwpoly.csv");
    char key[512], val[256];
    long k;
    int count = 0;
    while (tu_read_kv(f, key, sizeof key, &k, val, sizeof val))
        if (!strcmp(key, "hardtanh") && k >= 0) {
            ck_assert_msg(holds90(&h->a[k], val), "a_%ld outside the capped ball", k);
            count++;
        }
    fclose(f);
    ck_assert_int_ge(count, 50);
    da_hermite_free(h);
    o.max_prec = 0;
    da_set_time_limit(1e-9);
    h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EACCURACY);
    da_set_time_limit(0);
    ck_assert_ptr_nonnull(h);
    ck_assert(h->rigorous);
    da_hermite_free(h);
    da_act_free(a);
}
END_TEST

/* every allocation of a piecewise polynomial's computation failing in
 * turn (the proof of its pieces, the tapes of its constants, the exact
 * formulas, the result): DA_ENOMEM and nothing returned, or the full
 * answer, never a wrong or unproved one */
START_TEST(pwpoly_alloc_failure)
{
    const char *acts[] = {"clip(x,-pi,sqrt(2))", "relu(relu(x)-50)"};
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        da_act *a = NULL;
        ck_assert_int_eq(da_act_new(&a, acts[i]), DA_OK);
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = 20;
        o.digits = 30;
        o.raw = 1;
        da_hermite *h0 = NULL;
        ck_assert_int_eq(da_hermite_compute(&h0, a, &o), DA_OK);
        ck_assert(h0->rigorous);
        int failures = 0, done = 0;
        for (long k = 1; k < 100000 && !done; k++) {
            dai_test_fail_alloc(k);
            da_hermite *h = NULL;
            int st = da_hermite_compute(&h, a, &o);
            done = dai_test_fail_alloc(0) > 0;   /* fewer than k allocations */
            if (st == DA_OK) {
                ck_assert_msg(h->rigorous, "%s: allocation %ld failed: an estimate (%s)", acts[i], k,
                              h->bound_reason);
                for (long j = 0; j <= 20; j++)
                    ck_assert_msg(tu_ball_contains(&h->a[j], h0->a[j].mid),
                                  "%s: allocation %ld failed: a_%ld differs", acts[i], k, j);
                da_hermite_free(h);
            } else {
                ck_assert_msg(st == DA_ENOMEM, "%s: allocation %ld failed: status %d (%s)", acts[i],
                              k, st, da_errmsg());
                ck_assert_ptr_null(h);
                failures++;
            }
        }
        ck_assert(done && failures > 10);
        da_hermite_free(h0);
        da_act_free(a);
    }
}
END_TEST

/* da_progress_set: with the first report due at once, a computation
 * reports (counts >= 0) and ends with count -1 once; with the default
 * delay of a second, a computation of milliseconds says nothing; the
 * timing is set, not measured, so the test does not depend on the
 * machine's speed. */
static int prog_calls, prog_end, prog_bad;
static long prog_last;
static void prog_hook(void *ctx, const char *what, long count, double seconds)
{
    (void)ctx;
    if (!what || !(seconds >= 0.0))
        prog_bad++;
    if (count < 0) {
        prog_end++;
    } else {
        prog_last = count;
        prog_calls++;
    }
}

START_TEST(progress_hook)
{
    da_progress_set(prog_hook, NULL);
    da_progress_timing(0, 0);
    da_hermite *h = coeffs("tanh", 20, 30, 1, DA_OK);
    da_hermite_free(h);
    ck_assert_msg(prog_calls >= 1, "no progress report in %d calls", prog_calls);
    ck_assert_int_eq(prog_end, 1);
    ck_assert_int_eq(prog_bad, 0);
    prog_calls = prog_end = 0;
    prog_last = 0;
    da_progress_timing(1.0, 0.5);
    h = coeffs("tanh", 10, 20, 1, DA_OK);
    da_hermite_free(h);
    ck_assert_int_eq(prog_calls + prog_end, 0);
    da_progress_set(NULL, NULL);
}
END_TEST

/* da_ball_get_str (and da_ball_get_upper_str): only vouched-for digits, an error bound that covers
 * the printing, fixed point without "-0" */
START_TEST(ball_text)
{
    da_ball b;
    da_ball_init2(b, 128);
    char v[64], e[32];
    mpfr_set_str(b->mid, "0.980403662421234", 10, MPFR_RNDN);
    mpfr_set_d(b->rad, 5e-12, MPFR_RNDU);
    da_ball_get_str(v, sizeof v, e, sizeof e, b, 10, DA_BALL_SCI);
    ck_assert_str_eq(v, "9.8040366242e-01");
    /* the radius plus half a unit of the last printed place (>= the 1.2e-13 it moved) */
    ck_assert(strtod(e, NULL) >= 5e-12 + 1.2e-13 && strtod(e, NULL) <= 1.02e-11);
    /* the radius rules: 11 decimals vouched for (5e-12 + 5e-13 < 1e-11) */
    da_ball_get_str(v, sizeof v, e, sizeof e, b, 30, DA_BALL_SCI);
    ck_assert_str_eq(v, "9.80403662421e-01");
    mpfr_set_d(b->rad, 1e-5, MPFR_RNDU);
    da_ball_get_str(v, sizeof v, NULL, 0, b, 4, DA_BALL_FIXED);
    ck_assert_str_eq(v, "0.9804");
    mpfr_set_d(b->rad, 2e-4, MPFR_RNDU);   /* 4 decimals not vouched for */
    da_ball_get_str(v, sizeof v, NULL, 0, b, 4, DA_BALL_FIXED);
    ck_assert_str_eq(v, "0.980");
    mpfr_set_d(b->mid, -1e-6, MPFR_RNDN);
    mpfr_set_d(b->rad, 1e-7, MPFR_RNDU);
    da_ball_get_str(v, sizeof v, NULL, 0, b, 4, DA_BALL_FIXED);
    ck_assert_str_eq(v, "0.0000");
    /* the upper end, rounded upwards: 0.125 + 2^-30 = 0.12500000093... */
    mpfr_set_d(b->mid, 0.125, MPFR_RNDN);
    mpfr_set_ui_2exp(b->rad, 1, -30, MPFR_RNDU);
    da_ball_get_upper_str(v, sizeof v, b, 6);
    ck_assert_str_eq(v, "1.250001e-01");
    mpfr_set_zero(b->rad, 1);
    mpfr_set_si(b->mid, -2, MPFR_RNDN);
    da_ball_get_upper_str(v, sizeof v, b, 3);
    ck_assert_str_eq(v, "-2.000e+00");
    mpfr_set_nan(b->mid);
    da_ball_get_upper_str(v, sizeof v, b, 6);
    ck_assert_str_eq(v, "nan");
    da_ball_get_str(v, sizeof v, e, sizeof e, b, 4, DA_BALL_SCI);
    ck_assert_str_eq(v, "nan");
    ck_assert_str_eq(e, "inf");
    da_ball_clear(b);
}
END_TEST

/* a work budget that runs out before the variance is separated from 0:
 * DA_EACCURACY (exit 3 in the CLI, not 2), a result whose normalized
 * balls are NaN +- Inf, and a message that says why */
START_TEST(budget_before_variance)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = 3;
    o.digits = 30;
    o.max_nodes = 50;
    da_hermite *h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EACCURACY);
    ck_assert_ptr_nonnull(h);
    ck_assert(strstr(da_errmsg(), "work") != NULL);
    for (int k = 1; k <= 3; k++)
        ck_assert(mpfr_nan_p(h->a[k].mid) || mpfr_inf_p(h->a[k].rad) || da_ball_digits(&h->a[k]) < 30);
    da_hermite_free(h);
    da_act_free(a);
}
END_TEST

/* da_set_time_limit: a computation started after its limit has passed
 * stops at once with DA_EACCURACY and a proved (wide) result, and the same
 * computation without the limit reaches its digits (the limit is spent
 * before the work starts, so the test does not depend on the machine's
 * speed) */
START_TEST(time_limit)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = 100;
    o.digits = 300;
    o.raw = 1;
    o.no_beta = 1;
    da_set_time_limit(1e-9);
    /* "at once" measured in CPU time, which a loaded machine does not
       stretch as it does the wall clock */
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    da_hermite *h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_EACCURACY);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    ck_assert_msg(dt < 1.0, "stopped after %.2f s of CPU time", dt);
    ck_assert_ptr_nonnull(h);
    ck_assert(h->rigorous);
    da_hermite_free(h);
    da_set_time_limit(0);
    h = NULL;
    ck_assert_int_eq(da_hermite_compute(&h, a, &o), DA_OK);
    da_hermite_free(h);
    da_act_free(a);
}
END_TEST

/* DA_CRAMER_K against Cramer's inequality in the normalisation the code
   uses, |h_k(x)| e^{-x^2/4} <= K for h_k = He_k/sqrt(k!), in Arb on a grid
   (k <= 300, |x| <= 45): every value is below the stored double, and not
   above 1 either (Indritz's sharper constant, attained by h_0 at 0). */
START_TEST(cramer_bound)
{
    /* the recurrence's balls grow like P_k(|x|)/sqrt(k!), up to ~2^150 at
       k = 300 (docs/numerics.md §4.2): 640 bits keep them narrow */
    const slong P = 640;
    arb_t x, h0, h1, h2, g, t, K, one;
    arb_init(x); arb_init(h0); arb_init(h1); arb_init(h2);
    arb_init(g); arb_init(t); arb_init(K); arb_init(one);
    arb_set_d(K, DA_CRAMER_K);
    arb_one(one);
    double worst = 0;
    for (int i = 0; i <= 1800; i++) {
        arb_set_d(x, i * 0.025);   /* h_k(-x) = (-1)^k h_k(x) */
        arb_mul(g, x, x, P);
        arb_mul_2exp_si(g, g, -2);
        arb_neg(g, g);
        arb_exp(g, g, P);          /* e^{-x^2/4} */
        arb_one(h0);
        arb_set(h1, x);
        for (long k = 0; k <= 300; k++) {
            /* h0 = h_k */
            arb_mul(t, h0, g, P);
            arb_abs(t, t);
            ck_assert_msg(arb_lt(t, K), "|h_%ld(%g)| e^{-x^2/4} not below %.17g", k, i * 0.025,
                          DA_CRAMER_K);
            ck_assert_msg(!arb_gt(t, one), "|h_%ld(%g)| e^{-x^2/4} above 1", k, i * 0.025);
            double v = arf_get_d(arb_midref(t), ARF_RND_NEAR);
            if (v > worst)
                worst = v;
            /* h_{k+2} = (x h_{k+1} - sqrt(k+1) h_k)/sqrt(k+2) */
            arb_sqrt_ui(t, (ulong)k + 1, P);
            arb_mul(h2, h0, t, P);
            arb_mul(t, x, h1, P);
            arb_sub(h2, t, h2, P);
            arb_sqrt_ui(t, (ulong)k + 2, P);
            arb_div(h2, h2, t, P);
            arb_swap(h0, h1);
            arb_swap(h1, h2);
        }
    }
    ck_assert(worst > 0.99);   /* h_0(0) = 1: the grid reaches the maximum */
    arb_clear(x); arb_clear(h0); arb_clear(h1); arb_clear(h2);
    arb_clear(g); arb_clear(t); arb_clear(K); arb_clear(one);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("coeffs");
    TCase *tc = tcase_create("coeffs");
    tu_limits(tc, 30, 1);
    tcase_add_test(tc, closed_forms);
    tcase_add_test(tc, beyond_double_range);
    tcase_add_test(tc, affine_invariance);
    tcase_add_test(tc, reference_catalogue);
    tcase_add_test(tc, reference_expressions);
    tcase_add_test(tc, reference_moments);
    tcase_add_test(tc, parseval);
    tcase_add_test(tc, relu_normalized_constants);
    tcase_add_test(tc, recurrence);
    tcase_add_test(tc, two_precisions);
    tcase_add_test(tc, double_path);
    tcase_add_test(tc, double_path_cancellation);
    tcase_add_test(tc, caps_report_honestly);
    tcase_add_test(tc, error_paths);
    tcase_add_test(tc, polynomials_exact);
    tcase_add_test(tc, pwpoly_high_degree);
    tcase_add_test(tc, pwpoly_boundary);
    tcase_add_test(tc, pwpoly_caps);
    tcase_add_test(tc, pwpoly_alloc_failure);
    tcase_add_test(tc, progress_hook);
    tcase_add_test(tc, ball_text);
    tcase_add_test(tc, cramer_bound);
    tcase_add_test(tc, budget_before_variance);
    tcase_add_test(tc, time_limit);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    da_free_cache();
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* closed.c -- closed forms of the raw dual activations R(rho) =
 * E[sigma(X) sigma(Y)], corr(X, Y) = rho, and of their derivatives up to
 * order 3 (docs/numerics.md section 3):
 *
 *   step      1/4 + asin(rho)/(2 pi)          sign   (2/pi) asin(rho)
 *   erf       (2/pi) asin(2 rho/3)            relu   rho/4 + (sqrt(1-rho^2) + rho asin rho)/(2 pi)
 *   abs       4 R_relu - rho                  leaky  alpha rho + (1-alpha)^2 R_relu
 *   relu_normalized  (2 pi R_relu - 1)/(pi - 1)
 *   sin, cos  e^-1 sinh rho, e^-1 cosh rho    exp    e^(1+rho)
 *   gaussian exp(-x^2/2): (4 - rho^2)^(-1/2)  He_k   k! rho^k     identity  rho
 *
 * R_relu' = R_step, and for c + A asin(b rho):
 *   f' = A b w^(-1/2), f'' = A b^3 rho w^(-3/2), f''' = A b^3 (1 + 2 b^2 rho^2) w^(-5/2),
 *   w = 1 - b^2 rho^2.
 * Evaluation is ball arithmetic in MPFR: every elementary function is
 * correctly rounded (one ulp added to the radius), and a function of a
 * ball adds radius * (a bound of its derivative on the ball). */
#include "core/core.h"
#include "dual/dual.h"
#include "act/expr.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- recognition ----------------------------------------------------- */

static const struct {
    const char *name;
    da_cf cf;
} names[] = {
    {"identity", DA_CF_IDENTITY}, {"relu", DA_CF_RELU},
    {"relu_normalized", DA_CF_RELU_NORMALIZED}, {"abs", DA_CF_ABS},
    {"step", DA_CF_STEP}, {"sign", DA_CF_SIGN}, {"erf", DA_CF_ERF},
    {"sin", DA_CF_SIN}, {"cos", DA_CF_COS}, {"exp", DA_CF_EXP},
    {"gaussian", DA_CF_GAUSSIAN},
};
#define NNAMES (sizeof names / sizeof names[0])

/* "name" or "name(arg)" with surrounding blanks; writes arg ("" if none) */
static int split_spec(const char *spec, char *name, size_t nl, char *arg, size_t al)
{
    while (isspace((unsigned char)*spec))
        spec++;
    size_t n = strcspn(spec, "( \t");
    if (n == 0 || n >= nl)
        return 0;
    memcpy(name, spec, n);
    name[n] = '\0';
    const char *p = spec + n;
    while (isspace((unsigned char)*p))
        p++;
    arg[0] = '\0';
    if (*p == '(') {
        const char *close = strchr(p, ')');
        if (!close)
            return 0;
        const char *a = p + 1, *b = close;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if ((size_t)(b - a) >= al)
            return 0;
        memcpy(arg, a, (size_t)(b - a));
        arg[b - a] = '\0';
        p = close + 1;
        while (isspace((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

int da_dual_cf_detect(da_dual *d)
{
    char name[64], arg[80];
    d->cf = DA_CF_NONE;
    if (split_spec(da_act_spec(d->act), name, sizeof name, arg, sizeof arg)) {
        for (size_t i = 0; i < NNAMES; i++)
            if (!strcmp(name, names[i].name) && !arg[0]) {
                d->cf = names[i].cf;
                snprintf(d->cf_name, sizeof d->cf_name, "%s", name);
                return 1;
            }
        if (!strcmp(name, "leaky_relu")) {
            const char *a = arg[0] ? arg : "0.01";
            d->alpha_inexact = mpfr_set_str(d->alpha, a, 10, MPFR_RNDN) != 0;
            d->cf = DA_CF_LEAKY;
            snprintf(d->cf_name, sizeof d->cf_name, "leaky_relu(%s)", a);
            return 1;
        }
        if (!strcmp(name, "hermite")) {
            char *end;
            long k = arg[0] ? strtol(arg, &end, 10) : 2;
            if (arg[0] && *end)
                return 0;
            d->cf = DA_CF_HERMITE;
            d->herm_k = k;
            snprintf(d->cf_name, sizeof d->cf_name, "hermite(%ld)", k);
            return 1;
        }
    }
    /* a formula that canonicalizes to a catalogue entry (its formula
       parsed and printed: no activation is built for the comparison) */
    const char *ex = da_act_expr(d->act);
    for (size_t i = 0; i < NNAMES; i++) {
        const char *f = da_catalog_expr(names[i].name);
        da_expr *e = NULL;
        if (!f || da_expr_parse(&e, f) != DA_OK)
            continue;
        char *c = da_expr_str(e);
        da_expr_unref(e);
        int same = c && !strcmp(ex, c);
        free(c);
        if (same) {
            d->cf = names[i].cf;
            snprintf(d->cf_name, sizeof d->cf_name, "%s", names[i].name);
            return 1;
        }
    }
    da_clear_error();
    return 0;
}

/* ---- ball helpers ------------------------------------------------------ */

static void bset_si(da_ball r, long v)
{
    mpfr_set_si(r->mid, v, MPFR_RNDN);
    mpfr_set_zero(r->rad, 1);
}

static void bset_mpfr(da_ball r, const mpfr_t x)
{
    mpfr_set_zero(r->rad, 1);
    if (mpfr_set(r->mid, x, MPFR_RNDN))
        da_ball_add_ulp(r);
}

static void bpi(da_ball r)
{
    mpfr_set_zero(r->rad, 1);
    mpfr_const_pi(r->mid, MPFR_RNDN);
    da_ball_add_ulp(r);
}

/* r = (2/3) */
static void btwothirds(da_ball r)
{
    mpfr_set_zero(r->rad, 1);
    mpfr_set_ui(r->mid, 2, MPFR_RNDN);
    mpfr_div_ui(r->mid, r->mid, 3, MPFR_RNDN);
    da_ball_add_ulp(r);
}

/* |m| + r, rounded up, in a DA_RAD_PREC number */
static void absplus(mpfr_t t, const da_ball a)
{
    mpfr_abs(t, a->mid, MPFR_RNDU);
    mpfr_add(t, t, a->rad, MPFR_RNDU);
}

static void basin(da_ball r, const da_ball a)
{
    mpfr_t t, u;
    mpfr_inits2(DA_RAD_PREC, t, u, (mpfr_ptr)0);
    absplus(t, a);
    if (mpfr_zero_p(a->rad)) {
        mpfr_set_zero(u, 1);
    } else if (mpfr_cmp_ui(t, 1) < 0) {
        mpfr_sqr(t, t, MPFR_RNDU);
        mpfr_ui_sub(t, 1, t, MPFR_RNDD);
        mpfr_sqrt(t, t, MPFR_RNDD);
        mpfr_div(u, a->rad, t, MPFR_RNDU);
    } else {
        mpfr_const_pi(u, MPFR_RNDU);
    }
    mpfr_asin(r->mid, a->mid, MPFR_RNDN);
    mpfr_set(r->rad, u, MPFR_RNDU);
    da_ball_add_ulp(r);
    mpfr_clears(t, u, (mpfr_ptr)0);
}

/* which: 0 exp, 1 sinh, 2 cosh */
static void bexpfam(da_ball r, const da_ball a, int which)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    if (which == 0) {
        mpfr_add(t, a->mid, a->rad, MPFR_RNDU);
        mpfr_exp(t, t, MPFR_RNDU);
    } else {
        absplus(t, a);
        mpfr_cosh(t, t, MPFR_RNDU);
    }
    mpfr_mul(t, t, a->rad, MPFR_RNDU);
    if (which == 0)
        mpfr_exp(r->mid, a->mid, MPFR_RNDN);
    else if (which == 1)
        mpfr_sinh(r->mid, a->mid, MPFR_RNDN);
    else
        mpfr_cosh(r->mid, a->mid, MPFR_RNDN);
    mpfr_set(r->rad, t, MPFR_RNDU);
    da_ball_add_ulp(r);
    mpfr_clear(t);
}

/* r = w^(-j/2), j odd >= 1; DA_EINFINITE when w may be <= 0 */
static int bpow_mhalf(da_ball r, const da_ball w, int j)
{
    mpfr_t lo;
    mpfr_init2(lo, DA_RAD_PREC);
    mpfr_sub(lo, w->mid, w->rad, MPFR_RNDD);
    int pos = mpfr_sgn(lo) > 0;
    mpfr_clear(lo);
    if (!pos)
        return DA_EINFINITE;
    da_ball s, p, one;
    mpfr_prec_t pr = mpfr_get_prec(r->mid);
    da_ball_init2(s, pr);
    da_ball_init2(p, pr);
    da_ball_init2(one, pr);
    da_ball_sqrt(s, w);
    da_ball_set(p, s);
    for (int i = 1; i < j; i++)
        da_ball_mul(p, p, s);
    bset_si(one, 1);
    int st = da_ball_div(r, one, p);
    da_ball_clear(s);
    da_ball_clear(p);
    da_ball_clear(one);
    return st ? DA_EINFINITE : DA_OK;
}

/* c + A asin(b rho) and derivatives; b == NULL means b = 1 */
static int asin_family(da_ball r, const da_ball c, const da_ball A, const da_ball b,
                       const mpfr_t rho, int k, mpfr_prec_t pr)
{
    da_ball x, w, t, u;
    da_ball_init2(x, pr);
    da_ball_init2(w, pr);
    da_ball_init2(t, pr);
    da_ball_init2(u, pr);
    int st = DA_OK;
    bset_mpfr(x, rho);
    if (b)
        da_ball_mul(x, x, b);      /* x = b rho */
    if (k == 0) {
        basin(t, x);
        da_ball_mul(t, t, A);
        da_ball_add(r, t, c);
        goto out;
    }
    /* w = 1 - x^2 = (1 - x)(1 + x) */
    bset_si(u, 1);
    da_ball_sub(t, u, x);
    da_ball_add(u, u, x);
    da_ball_mul(w, t, u);
    if (mpfr_zero_p(w->mid) && mpfr_zero_p(w->rad)) {
        st = DA_EINFINITE;
        goto out;
    }
    st = bpow_mhalf(t, w, 2 * k - 1);
    if (st)
        goto out;
    /* A b^(1 or 3) */
    da_ball_set(u, A);
    if (b) {
        da_ball_mul(u, u, b);
        if (k >= 2) {
            da_ball_mul(u, u, b);
            da_ball_mul(u, u, b);
        }
    }
    da_ball_mul(t, t, u);
    if (k == 2) {
        bset_mpfr(u, rho);
        da_ball_mul(t, t, u);
    } else if (k == 3) {
        /* 1 + 2 x^2 */
        da_ball_mul(u, x, x);
        mpfr_mul_2ui(u->mid, u->mid, 1, MPFR_RNDN);
        mpfr_mul_2ui(u->rad, u->rad, 1, MPFR_RNDU);
        da_ball one;
        da_ball_init2(one, pr);
        bset_si(one, 1);
        da_ball_add(u, u, one);
        da_ball_clear(one);
        da_ball_mul(t, t, u);
    }
    da_ball_set(r, t);
out:
    da_ball_clear(x);
    da_ball_clear(w);
    da_ball_clear(t);
    da_ball_clear(u);
    return st;
}

static int step_raw(da_ball r, const mpfr_t rho, int k, mpfr_prec_t pr)
{
    da_ball c, A;
    da_ball_init2(c, pr);
    da_ball_init2(A, pr);
    mpfr_set_ui_2exp(c->mid, 1, -2, MPFR_RNDN);   /* 1/4 */
    bpi(A);
    mpfr_mul_2ui(A->mid, A->mid, 1, MPFR_RNDN);
    mpfr_mul_2ui(A->rad, A->rad, 1, MPFR_RNDU);
    da_ball one;
    da_ball_init2(one, pr);
    bset_si(one, 1);
    da_ball_div(A, one, A);                       /* 1/(2 pi) */
    da_ball_clear(one);
    int st = asin_family(r, c, A, NULL, rho, k, pr);
    da_ball_clear(c);
    da_ball_clear(A);
    return st;
}

static int relu_raw(da_ball r, const mpfr_t rho, int k, mpfr_prec_t pr)
{
    if (k >= 1)
        return step_raw(r, rho, k - 1, pr);
    da_ball x, s, t, u;
    da_ball_init2(x, pr);
    da_ball_init2(s, pr);
    da_ball_init2(t, pr);
    da_ball_init2(u, pr);
    bset_mpfr(x, rho);
    /* sqrt((1 - rho)(1 + rho)) + rho asin(rho) */
    bset_si(u, 1);
    da_ball_sub(t, u, x);
    da_ball_add(u, u, x);
    da_ball_mul(t, t, u);
    da_ball_sqrt(s, t);
    basin(t, x);
    da_ball_mul(t, t, x);
    da_ball_add(s, s, t);
    bpi(u);
    mpfr_mul_2ui(u->mid, u->mid, 1, MPFR_RNDN);
    mpfr_mul_2ui(u->rad, u->rad, 1, MPFR_RNDU);
    da_ball_div(s, s, u);
    /* + rho/4 (exact) */
    mpfr_div_2ui(x->mid, x->mid, 2, MPFR_RNDN);
    mpfr_div_2ui(x->rad, x->rad, 2, MPFR_RNDU);
    da_ball_add(r, s, x);
    da_ball_clear(x);
    da_ball_clear(s);
    da_ball_clear(t);
    da_ball_clear(u);
    return DA_OK;
}

/* The families of da_dual_cf_raw: each sets t to the k-th derivative of
   the raw dual at rho (u, v scratch balls at precision pr) and returns
   DA_OK, DA_EINFINITE or an error. */

/* sign and erf: the arcsine family, 2/pi asin(...) (erf with b = 2/3) */
static int cf_asin(da_ball t, da_ball u, const da_dual *d, const mpfr_t rho, int k,
                   mpfr_prec_t pr)
{
    da_ball c, A, b;
    da_ball_init2(c, pr);
    da_ball_init2(A, pr);
    da_ball_init2(b, pr);
    bpi(A);
    bset_si(u, 2);
    da_ball_div(A, u, A);                 /* 2/pi */
    btwothirds(b);
    int st = asin_family(t, c, A, d->cf == DA_CF_ERF ? b : NULL, rho, k, pr);
    da_ball_clear(c);
    da_ball_clear(A);
    da_ball_clear(b);
    return st;
}

/* |x|, leaky ReLU and the normalized ReLU from the ReLU's R = relu_raw */
static int cf_relu_family(da_ball t, da_ball u, da_ball v, const da_dual *d, const mpfr_t rho,
                          int k, mpfr_prec_t pr)
{
    int st = relu_raw(t, rho, k, pr);
    if (st)
        return st;
    if (d->cf == DA_CF_ABS) {
        mpfr_mul_2ui(t->mid, t->mid, 2, MPFR_RNDN);
        mpfr_mul_2ui(t->rad, t->rad, 2, MPFR_RNDU);
        if (k <= 1) {
            if (k == 0)
                bset_mpfr(u, rho);
            else
                bset_si(u, 1);
            da_ball_sub(t, t, u);
        }
    } else if (d->cf == DA_CF_LEAKY) {
        /* alpha rho + (1 - alpha)^2 R */
        bset_mpfr(v, d->alpha);
        if (d->alpha_inexact)
            da_ball_add_ulp(v);
        bset_si(u, 1);
        da_ball_sub(u, u, v);
        da_ball_mul(u, u, u);
        da_ball_mul(t, t, u);
        if (k <= 1) {
            if (k == 0) {
                bset_mpfr(u, rho);
                da_ball_mul(v, v, u);
            }
            da_ball_add(t, t, v);
        }
    } else {
        /* (2 pi R - [k == 0]) / (pi - 1) */
        bpi(u);
        mpfr_mul_2ui(u->mid, u->mid, 1, MPFR_RNDN);
        mpfr_mul_2ui(u->rad, u->rad, 1, MPFR_RNDU);
        da_ball_mul(t, t, u);
        if (k == 0) {
            bset_si(v, 1);
            da_ball_sub(t, t, v);
        }
        bpi(u);
        bset_si(v, 1);
        da_ball_sub(u, u, v);
        da_ball_div(t, t, u);
    }
    return DA_OK;
}

/* sin, cos, exp: e^(rho + 1), or e^-1 times sinh or cosh of rho */
static void cf_exp_family(da_ball t, da_ball u, da_ball v, const da_dual *d, const mpfr_t rho,
                          int k)
{
    bset_mpfr(u, rho);
    if (d->cf == DA_CF_EXP) {
        bset_si(v, 1);
        da_ball_add(u, u, v);
        bexpfam(t, u, 0);
        return;
    }
    int sinh_ = (d->cf == DA_CF_SIN) == (k % 2 == 0);
    bexpfam(t, u, sinh_ ? 1 : 2);
    bset_si(v, -1);
    bexpfam(u, v, 0);
    da_ball_mul(t, t, u);
}

/* the Gaussian exp(-x^2/2): (4 - rho^2)^(-(2k+1)/2) times a polynomial */
static int cf_gaussian(da_ball t, da_ball u, da_ball v, const mpfr_t rho, int k,
                       mpfr_prec_t pr)
{
    /* w = 4 - rho^2 */
    da_ball x;
    da_ball_init2(x, pr);
    bset_mpfr(x, rho);
    da_ball_mul(u, x, x);
    bset_si(v, 4);
    da_ball_sub(u, v, u);                 /* w */
    int st = bpow_mhalf(t, u, 2 * k + 1);
    if (!st) {
        da_ball_mul(v, x, x);             /* rho^2 */
        if (k == 1) {
            da_ball_mul(t, t, x);
        } else if (k == 2) {
            /* 4 + 2 rho^2 */
            mpfr_mul_2ui(v->mid, v->mid, 1, MPFR_RNDN);
            mpfr_mul_2ui(v->rad, v->rad, 1, MPFR_RNDU);
            bset_si(u, 4);
            da_ball_add(v, v, u);
            da_ball_mul(t, t, v);
        } else if (k == 3) {
            /* 36 rho + 6 rho^3 = rho (36 + 6 rho^2) */
            bset_si(u, 6);
            da_ball_mul(v, v, u);
            bset_si(u, 36);
            da_ball_add(v, v, u);
            da_ball_mul(v, v, x);
            da_ball_mul(t, t, v);
        }
    }
    da_ball_clear(x);
    return st;
}

/* the Hermite polynomial He_n (raw dual n! rho^n): its k-th derivative
   n! n (n-1) ... (n-k+1) rho^(n-k), 0 beyond k = n */
static void cf_hermite(da_ball t, da_ball u, const da_dual *d, const mpfr_t rho, int k)
{
    long n = d->herm_k;
    if (k > n) {
        bset_si(t, 0);
        return;
    }
    mpz_t z;
    mpz_init(z);
    mpz_fac_ui(z, (unsigned long)n);
    for (long j = 0; j < k; j++)
        mpz_mul_ui(z, z, (unsigned long)(n - j));
    mpfr_set_zero(t->rad, 1);
    if (mpfr_set_z(t->mid, z, MPFR_RNDN))
        da_ball_add_ulp(t);
    mpz_clear(z);
    mpfr_set_zero(u->rad, 1);
    if (mpfr_pow_ui(u->mid, rho, (unsigned long)(n - k), MPFR_RNDN))
        da_ball_add_ulp(u);
    da_ball_mul(t, t, u);
}

/* the closed form of d->cf by family (16 guard bits); an infinite value
   is +inf with radius 0 */
int da_dual_cf_raw(da_ball r, const da_dual *d, const mpfr_t rho, int k, mpfr_prec_t pr)
{
    pr += 16;
    da_ball t, u, v;
    da_ball_init2(t, pr);
    da_ball_init2(u, pr);
    da_ball_init2(v, pr);
    int st = DA_OK;
    switch (d->cf) {
    case DA_CF_IDENTITY:
        if (k == 0)
            bset_mpfr(t, rho);
        else
            bset_si(t, k == 1 ? 1 : 0);
        break;
    case DA_CF_STEP:
        st = step_raw(t, rho, k, pr);
        break;
    case DA_CF_SIGN:
    case DA_CF_ERF:
        st = cf_asin(t, u, d, rho, k, pr);
        break;
    case DA_CF_RELU:
        st = relu_raw(t, rho, k, pr);
        break;
    case DA_CF_ABS:
    case DA_CF_LEAKY:
    case DA_CF_RELU_NORMALIZED:
        st = cf_relu_family(t, u, v, d, rho, k, pr);
        break;
    case DA_CF_SIN:
    case DA_CF_COS:
    case DA_CF_EXP:
        cf_exp_family(t, u, v, d, rho, k);
        break;
    case DA_CF_GAUSSIAN:
        st = cf_gaussian(t, u, v, rho, k, pr);
        break;
    case DA_CF_HERMITE:
        cf_hermite(t, u, d, rho, k);
        break;
    default:
        st = da_fail(DA_EINVAL, "no closed form");
    }
    if (st == DA_EINFINITE) {
        mpfr_set_inf(r->mid, 1);
        mpfr_set_zero(r->rad, 1);
    } else if (!st) {
        da_ball_set(r, t);
    }
    da_ball_clear(t);
    da_ball_clear(u);
    da_ball_clear(v);
    return st;
}

/* ---- double -------------------------------------------------------------- */

static double asin_fam_d(double c, double A, double b, double rho, int k, double *mag)
{
    double x = b * rho;
    if (k == 0) {
        *mag = fabs(c) + fabs(A * asin(x));
        return c + A * asin(x);
    }
    double w = b == 1 ? (1 - rho) * (1 + rho) : 1 - x * x;
    if (w <= 0)
        return INFINITY;
    double v;
    if (k == 1)
        v = A * b / sqrt(w);
    else if (k == 2)
        v = A * b * b * b * rho / (w * sqrt(w));
    else
        v = A * b * b * b * (1 + 2 * x * x) / (w * w * sqrt(w));
    *mag = fabs(v);
    return v;
}

static double relu_d(double rho, int k, double *mag)
{
    if (k >= 1)
        return asin_fam_d(0.25, 1 / (2 * M_PI), 1, rho, k - 1, mag);
    double s = sqrt((1 - rho) * (1 + rho)), a = rho * asin(rho);
    *mag = (s + fabs(a)) / (2 * M_PI) + fabs(rho) / 4;
    return rho / 4 + (s + a) / (2 * M_PI);
}

double da_dual_cf_raw_d(const da_dual *d, double rho, int k, double *err)
{
    double v = 0, mag = 0;
    switch (d->cf) {
    case DA_CF_IDENTITY:
        v = k == 0 ? rho : k == 1 ? 1 : 0;
        mag = fabs(v);
        break;
    case DA_CF_STEP:
        v = asin_fam_d(0.25, 1 / (2 * M_PI), 1, rho, k, &mag);
        break;
    case DA_CF_SIGN:
        v = asin_fam_d(0, 2 / M_PI, 1, rho, k, &mag);
        break;
    case DA_CF_ERF:
        v = asin_fam_d(0, 2 / M_PI, 2.0 / 3.0, rho, k, &mag);
        break;
    case DA_CF_RELU:
        v = relu_d(rho, k, &mag);
        break;
    case DA_CF_ABS:
        v = 4 * relu_d(rho, k, &mag) - (k == 0 ? rho : k == 1 ? 1 : 0);
        mag = 4 * mag + 1;
        break;
    case DA_CF_LEAKY: {
        double al = mpfr_get_d(d->alpha, MPFR_RNDN);
        v = (1 - al) * (1 - al) * relu_d(rho, k, &mag) + (k == 0 ? al * rho : k == 1 ? al : 0);
        mag = (1 + fabs(al)) * (1 + fabs(al)) * mag + fabs(al);
        break;
    }
    case DA_CF_RELU_NORMALIZED:
        v = (2 * M_PI * relu_d(rho, k, &mag) - (k == 0)) / (M_PI - 1);
        mag = (2 * M_PI * mag + 1) / (M_PI - 1);
        break;
    case DA_CF_SIN:
    case DA_CF_COS: {
        int sh = (d->cf == DA_CF_SIN) == (k % 2 == 0);
        v = exp(-1.0) * (sh ? sinh(rho) : cosh(rho));
        mag = exp(-1.0) * cosh(rho);
        break;
    }
    case DA_CF_EXP:
        v = exp(1 + rho);
        mag = v;
        break;
    case DA_CF_GAUSSIAN: {
        double w = 4 - rho * rho, s = 1 / sqrt(w);
        if (k == 0) v = s;
        else if (k == 1) v = rho * s * s * s;
        else if (k == 2) v = (4 + 2 * rho * rho) * s * s * s * s * s;
        else v = (36 * rho + 6 * rho * rho * rho) * s * s * s * s * s * s * s;
        mag = fabs(v) + 1;
        break;
    }
    case DA_CF_HERMITE: {
        long n = d->herm_k;
        if (k > n) {
            v = 0;
            break;
        }
        double c = exp(da_lgamma((double)n + 1));
        for (long j = 0; j < k; j++)
            c *= (double)(n - j);
        v = c * pow(rho, (double)(n - k));
        mag = fabs(v);
        break;
    }
    default:
        v = NAN;
    }
    if (err)
        *err = isfinite(v) ? 64 * 0x1p-53 * (mag + fabs(v)) + 0x1p-1070 : 0;
    return v;
}

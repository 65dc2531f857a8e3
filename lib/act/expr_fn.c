/* expr_fn.c -- the table of the expression language's functions: one row
 * per function (expr_fn.h).  Internal to libdualact. */
#include "act/expr_fn.h"
#include <math.h>

#define SQRT1_2_D 0.70710678118654752440084436210484903
#define INV_SQRT2PI_D 0.39894228040143267793994605993438187
#define R MPFR_RNDN

/* ---- evaluators made from one library call ------------------------------ */

/* f_d_NAME, f_m_NAME, f_arb_NAME, f_acb_NAME for a function that is one
   call in libm, MPFR, Arb and Arb's complex balls */
#define ONE_CALL(NAME, DFN, MFN, AFN, CFN)                                                  \
    static double f_d_##NAME(double x, double y, double z)                                  \
    {                                                                                       \
        (void)y;                                                                            \
        (void)z;                                                                            \
        return DFN(x);                                                                      \
    }                                                                                       \
    static void f_m_##NAME(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,        \
                           const da_fn_mpfr *k)                                             \
    {                                                                                       \
        (void)y;                                                                            \
        (void)z;                                                                            \
        (void)k;                                                                            \
        MFN(d, x, R);                                                                       \
    }                                                                                       \
    static int f_arb_##NAME(arb_t d, const arb_t x, const arb_t y, const arb_t z,           \
                            const da_fn_ball *k, slong p)                                   \
    {                                                                                       \
        (void)y;                                                                            \
        (void)z;                                                                            \
        (void)k;                                                                            \
        AFN(d, x, p);                                                                       \
        return 1;                                                                           \
    }                                                                                       \
    static void f_acb_##NAME(acb_t d, const acb_t x, const da_fn_ball *k, slong p)          \
    {                                                                                       \
        (void)k;                                                                            \
        CFN(d, x, p);                                                                       \
    }

static void acb_log_branch(acb_t d, const acb_t x, slong p)
{
    acb_log_analytic(d, x, 1, p);
}

static void acb_sqrt_branch(acb_t d, const acb_t x, slong p)
{
    acb_sqrt_analytic(d, x, 1, p);
}

/* the box keeps |Im| < 1 (atan, asinh) */
static int im_below_one(const acb_t z)
{
    arb_t t;
    arb_init(t);
    arb_abs(t, acb_imagref(z));
    arb_sub_ui(t, t, 1, 53);
    int ok = arb_is_negative(t);
    arb_clear(t);
    return ok;
}

/* the box keeps lo < Re < hi */
static int re_between(const acb_t z, double lo, double hi)
{
    arb_t t;
    arb_init(t);
    arb_sub_si(t, acb_realref(z), (slong)lo, 53);
    int ok = arb_is_positive(t);
    arb_sub_si(t, acb_realref(z), (slong)hi, 53);
    ok = ok && arb_is_negative(t);
    arb_clear(t);
    return ok;
}

/* the inverse functions, accepted on boxes away from their cuts */
#define ACB_CUT(NAME, TEST, CFN)                                                          \
    static void acb_cut_##NAME(acb_t d, const acb_t x, slong p)                           \
    {                                                                                     \
        if (!(TEST))                                                                      \
            acb_indeterminate(d);                                                         \
        else                                                                              \
            CFN(d, x, p);                                                                 \
    }
ACB_CUT(asin, re_between(x, -1, 1), acb_asin)
ACB_CUT(acos, re_between(x, -1, 1), acb_acos)
ACB_CUT(atanh, re_between(x, -1, 1), acb_atanh)
ACB_CUT(acosh, re_between(x, 1, 1e18), acb_acosh)
ACB_CUT(atan, im_below_one(x), acb_atan)
ACB_CUT(asinh, im_below_one(x), acb_asinh)

ONE_CALL(exp, exp, mpfr_exp, arb_exp, acb_exp)
ONE_CALL(expm1, expm1, mpfr_expm1, arb_expm1, acb_expm1)
ONE_CALL(log, log, mpfr_log, arb_log, acb_log_branch)
ONE_CALL(sqrt, sqrt, mpfr_sqrt, arb_sqrt, acb_sqrt_branch)
ONE_CALL(sin, sin, mpfr_sin, arb_sin, acb_sin)
ONE_CALL(cos, cos, mpfr_cos, arb_cos, acb_cos)
ONE_CALL(tan, tan, mpfr_tan, arb_tan, acb_tan)
ONE_CALL(asin, asin, mpfr_asin, arb_asin, acb_cut_asin)
ONE_CALL(acos, acos, mpfr_acos, arb_acos, acb_cut_acos)
ONE_CALL(atan, atan, mpfr_atan, arb_atan, acb_cut_atan)
ONE_CALL(sinh, sinh, mpfr_sinh, arb_sinh, acb_sinh)
ONE_CALL(cosh, cosh, mpfr_cosh, arb_cosh, acb_cosh)
ONE_CALL(tanh, tanh, mpfr_tanh, arb_tanh, acb_tanh)
ONE_CALL(asinh, asinh, mpfr_asinh, arb_asinh, acb_cut_asinh)
ONE_CALL(acosh, acosh, mpfr_acosh, arb_acosh, acb_cut_acosh)
ONE_CALL(atanh, atanh, mpfr_atanh, arb_atanh, acb_cut_atanh)
ONE_CALL(erf, erf, mpfr_erf, arb_hypgeom_erf, acb_hypgeom_erf)
ONE_CALL(erfc, erfc, mpfr_erfc, arb_hypgeom_erfc, acb_hypgeom_erfc)

/* sech x = 2 t / (1 + t^2), t = e^-|x|: no overflow, and subnormal
   rather than 0 where 1/cosh x would overflow to 1/inf */
static double sech_d(double x)
{
    double t = exp(-fabs(x));
    return 2 * t / (1 + t * t);
}
ONE_CALL(sech, sech_d, mpfr_sech, arb_sech, acb_sech)

/* ---- log1p ----------------------------------------------------------- */

static double f_d_log1p(double x, double y, double z)
{
    (void)y;
    (void)z;
    return log1p(x);
}

static void f_m_log1p(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                      const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    mpfr_log1p(d, x, R);
}

static int f_arb_log1p(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                       const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    (void)k;
    arb_log1p(d, x, p);
    return 1;
}

static void f_acb_log1p(acb_t d, const acb_t x, const da_fn_ball *k, slong p)
{
    acb_add_ui(k->z1, x, 1, p);
    acb_log_analytic(d, k->z1, 1, p);
}

/* ---- Phi, phi, sigmoid, softplus ------------------------------------------- */

static double f_d_phi_cdf(double x, double y, double z)
{
    (void)y;
    (void)z;
    return 0.5 * erfc(-x * SQRT1_2_D);
}

static void f_m_phi_cdf(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                        const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    /* Phi(x) = erfc(-x/sqrt 2)/2, the quotient with 64 extra bits */
    mpfr_div(k->h1, x, k->sqrt2, R);
    mpfr_neg(k->h1, k->h1, R);
    mpfr_erfc(d, k->h1, R);
    mpfr_div_2ui(d, d, 1, R);
}

static int f_arb_phi_cdf(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                         const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    arb_div(k->s1, x, k->sqrt2, p);
    arb_neg(k->s1, k->s1);
    arb_hypgeom_erfc(d, k->s1, p);
    arb_mul_2exp_si(d, d, -1);
    return 1;
}

static void f_acb_phi_cdf(acb_t d, const acb_t x, const da_fn_ball *k, slong p)
{
    acb_div_arb(k->z1, x, k->sqrt2, p);
    acb_neg(k->z1, k->z1);
    acb_hypgeom_erfc(d, k->z1, p);
    acb_mul_2exp_si(d, d, -1);
}

static double f_d_phi_pdf(double x, double y, double z)
{
    (void)y;
    (void)z;
    return exp(-0.5 * x * x) * INV_SQRT2PI_D;
}

static void f_m_phi_pdf(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                        const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    /* exp(-x^2/2)/sqrt(2 pi), x^2/2 with 64 extra bits */
    mpfr_sqr(k->h1, x, R);
    mpfr_div_2ui(k->h1, k->h1, 1, R);
    mpfr_neg(k->h1, k->h1, R);
    mpfr_exp(d, k->h1, R);
    mpfr_div(d, d, k->sqrt2pi, R);
}

static int f_arb_phi_pdf(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                         const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    arb_sqr(k->s1, x, p);
    arb_mul_2exp_si(k->s1, k->s1, -1);
    arb_neg(k->s1, k->s1);
    arb_exp(k->s1, k->s1, p);
    arb_div(d, k->s1, k->sqrt2pi, p);
    return 1;
}

static void f_acb_phi_pdf(acb_t d, const acb_t x, const da_fn_ball *k, slong p)
{
    acb_sqr(k->z1, x, p);
    acb_mul_2exp_si(k->z1, k->z1, -1);
    acb_neg(k->z1, k->z1);
    acb_exp(k->z1, k->z1, p);
    acb_div_arb(d, k->z1, k->sqrt2pi, p);
}

static double f_d_sigmoid(double x, double y, double z)
{
    (void)y;
    (void)z;
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    if (x < 0) {
        double u = exp(x);
        return u / (1.0 + u);
    }
    return x;
}

static void f_m_sigmoid(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                        const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    if (mpfr_nan_p(x)) {
        mpfr_set_nan(d);
        return;
    }
    if (mpfr_sgn(x) >= 0) {
        mpfr_neg(k->s1, x, R);
        mpfr_exp(k->s1, k->s1, R);
        mpfr_add_ui(k->s1, k->s1, 1, R);
        mpfr_ui_div(d, 1, k->s1, R);
    } else {
        mpfr_exp(k->s1, x, R);
        mpfr_add_ui(k->s2, k->s1, 1, R);
        mpfr_div(d, k->s1, k->s2, R);
    }
}

static int f_arb_sigmoid(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                         const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    arb_neg(k->s1, x);
    arb_exp(k->s1, k->s1, p);
    arb_add_ui(k->s1, k->s1, 1, p);
    arb_inv(d, k->s1, p);
    return 1;
}

static void f_acb_sigmoid(acb_t d, const acb_t x, const da_fn_ball *k, slong p)
{
    acb_neg(k->z1, x);
    acb_exp(k->z1, k->z1, p);
    acb_add_ui(k->z1, k->z1, 1, p);
    acb_inv(d, k->z1, p);
}

static double f_d_softplus(double x, double y, double z)
{
    (void)y;
    (void)z;
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static void f_m_softplus(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                         const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    if (mpfr_nan_p(x)) {
        mpfr_set_nan(d);
        return;
    }
    if (mpfr_sgn(x) > 0) {
        mpfr_neg(k->s1, x, R);
        mpfr_exp(k->s1, k->s1, R);
        mpfr_log1p(k->s1, k->s1, R);
        mpfr_add(d, x, k->s1, R);
    } else {
        mpfr_exp(k->s1, x, R);
        mpfr_log1p(d, k->s1, R);
    }
}

static int f_arb_softplus(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                          const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    arb_exp(k->s1, x, p);
    arb_log1p(d, k->s1, p);
    return 1;
}

static void f_acb_softplus(acb_t d, const acb_t x, const da_fn_ball *k, slong p)
{
    acb_exp(k->z1, x, p);
    acb_add_ui(k->z1, k->z1, 1, p);
    acb_log_analytic(d, k->z1, 1, p);
}

/* ---- cbrt and the switches: plain evaluations (the interpreters decide
   their branches themselves) ------------------------------------------- */

static double f_d_cbrt(double x, double y, double z)
{
    (void)y;
    (void)z;
    return cbrt(x);
}

static void f_m_cbrt(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                     const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    mpfr_cbrt(d, x, R);
}

static int f_arb_cbrt(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                      const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    (void)k;
    if (arb_is_nonnegative(x))
        arb_root_ui(d, x, 3, p);
    else if (arb_is_negative(x)) {
        arb_neg(d, x);
        arb_root_ui(d, d, 3, p);
        arb_neg(d, d);
    } else
        return 0;
    return 1;
}

static double f_d_abs(double x, double y, double z)
{
    (void)y;
    (void)z;
    return fabs(x);
}

static void f_m_abs(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                    const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    mpfr_abs(d, x, R);
}

static int f_arb_abs(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                     const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    (void)k;
    (void)p;
    arb_abs(d, x);
    return 1;
}

static double sign_d(double x)
{
    return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : NAN;
}

static double f_d_sign(double x, double y, double z)
{
    (void)y;
    (void)z;
    return sign_d(x);
}

static void f_m_sign(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                     const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    if (mpfr_nan_p(x))
        mpfr_set_nan(d);
    else
        mpfr_set_si(d, mpfr_sgn(x), R);
}

static double f_d_step(double x, double y, double z)
{
    (void)y;
    (void)z;
    return x > 0 ? 1.0 : x <= 0 ? 0.0 : NAN;
}

static void f_m_step(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                     const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    if (mpfr_nan_p(x))
        mpfr_set_nan(d);
    else
        mpfr_set_ui(d, mpfr_sgn(x) > 0, R);
}

/* sign and step go by the sign of their argument, which a ball alone
   does not settle at a switch point */
static int f_arb_by_sign(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                         const da_fn_ball *k, slong p)
{
    (void)x;
    (void)y;
    (void)z;
    (void)k;
    (void)p;
    arb_indeterminate(d);
    return 0;
}

static double f_d_floor(double x, double y, double z)
{
    (void)y;
    (void)z;
    return floor(x);
}

static void f_m_floor(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                      const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    mpfr_floor(d, x);
}

static int f_arb_floor(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                       const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    (void)k;
    arb_floor(d, x, p);
    return arb_is_exact(d);
}

static double f_d_ceil(double x, double y, double z)
{
    (void)y;
    (void)z;
    return ceil(x);
}

static void f_m_ceil(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                     const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    mpfr_ceil(d, x);
}

static int f_arb_ceil(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                      const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    (void)k;
    arb_ceil(d, x, p);
    return arb_is_exact(d);
}

static double f_d_relu(double x, double y, double z)
{
    (void)y;
    (void)z;
    return x > 0 ? x : x <= 0 ? 0.0 : x;
}

static void f_m_relu(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                     const da_fn_mpfr *k)
{
    (void)y;
    (void)z;
    (void)k;
    if (mpfr_nan_p(x))
        mpfr_set_nan(d);
    else if (mpfr_sgn(x) > 0)
        mpfr_set(d, x, R);
    else
        mpfr_set_zero(d, 1);
}

static int f_arb_relu(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                      const da_fn_ball *k, slong p)
{
    (void)y;
    (void)z;
    arb_zero(k->s1);
    arb_max(d, x, k->s1, p);
    return 1;
}

static double f_d_max(double x, double y, double z)
{
    (void)z;
    if (isnan(x) || isnan(y))
        return NAN;
    return x >= y ? x : y;
}

static void f_m_max(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                    const da_fn_mpfr *k)
{
    (void)z;
    (void)k;
    if (mpfr_nan_p(x) || mpfr_nan_p(y))
        mpfr_set_nan(d);
    else
        mpfr_max(d, x, y, R);
}

static int f_arb_max(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                     const da_fn_ball *k, slong p)
{
    (void)z;
    (void)k;
    arb_max(d, x, y, p);
    return 1;
}

static double f_d_min(double x, double y, double z)
{
    (void)z;
    if (isnan(x) || isnan(y))
        return NAN;
    return x <= y ? x : y;
}

static void f_m_min(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                    const da_fn_mpfr *k)
{
    (void)z;
    (void)k;
    if (mpfr_nan_p(x) || mpfr_nan_p(y))
        mpfr_set_nan(d);
    else
        mpfr_min(d, x, y, R);
}

static int f_arb_min(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                     const da_fn_ball *k, slong p)
{
    (void)z;
    (void)k;
    arb_min(d, x, y, p);
    return 1;
}

static double f_d_clip(double x, double y, double z)
{
    if (isnan(x) || isnan(y) || isnan(z))
        return NAN;
    x = x >= y ? x : y;
    return x <= z ? x : z;
}

static void f_m_clip(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z,
                     const da_fn_mpfr *k)
{
    (void)k;
    if (mpfr_nan_p(x) || mpfr_nan_p(y) || mpfr_nan_p(z)) {
        mpfr_set_nan(d);
        return;
    }
    mpfr_max(d, x, y, R);
    mpfr_min(d, d, z, R);
}

static int f_arb_clip(arb_t d, const arb_t x, const arb_t y, const arb_t z,
                      const da_fn_ball *k, slong p)
{
    (void)k;
    arb_max(d, x, y, p);
    arb_min(d, d, z, p);
    return 1;
}

/* ---- why a value is not a number ------------------------------------------ */

static const char *why_log(mpfr_srcptr a)
{
    if (mpfr_zero_p(a))
        return "log of 0 (sigma is unbounded there: an unbounded singularity, even a "
               "square-integrable one such as log|x|, is not supported)";
    return mpfr_sgn(a) < 0 ? "log of a non-positive number" : NULL;
}

static const char *why_log1p(mpfr_srcptr a)
{
    return mpfr_cmp_si(a, -1) <= 0 ? "log1p of a number <= -1" : NULL;
}

static const char *why_sqrt(mpfr_srcptr a)
{
    return mpfr_sgn(a) < 0 ? "sqrt of a negative number" : NULL;
}

static const char *why_asin(mpfr_srcptr a)
{
    return mpfr_cmpabs_ui(a, 1) > 0 ? "asin of a number outside [-1, 1]" : NULL;
}

static const char *why_acos(mpfr_srcptr a)
{
    return mpfr_cmpabs_ui(a, 1) > 0 ? "acos of a number outside [-1, 1]" : NULL;
}

static const char *why_acosh(mpfr_srcptr a)
{
    return mpfr_cmp_ui(a, 1) < 0 ? "acosh of a number below 1" : NULL;
}

static const char *why_atanh(mpfr_srcptr a)
{
    return mpfr_cmpabs_ui(a, 1) >= 0 ? "atanh of a number outside (-1, 1)" : NULL;
}

/* ---- the table ------------------------------------------------------------ */

/* a function of one argument that the ball interpreters evaluate without
   branches: its name, the opening of its LaTeX form, the rest of the row
   as designated initializers */
#define SMOOTH(NAME, TEXT, TEXOPEN, ...)                                                  \
    {.name = TEXT, .arity = 1, .tex_open = TEXOPEN, .tex_close = "\\right)",              \
     .d = f_d_##NAME, .m = f_m_##NAME, .arb = f_arb_##NAME, .acb = f_acb_##NAME,           \
     __VA_ARGS__}

/* a function whose branch the interpreters decide */
#define BRANCH(NAME, TEXT, N, TEXOPEN, TEXCLOSE, ARB, ...)                                \
    {.name = TEXT, .arity = N, .branch = 1, .tex_open = TEXOPEN, .tex_close = TEXCLOSE,   \
     .d = f_d_##NAME, .m = f_m_##NAME, .arb = ARB, __VA_ARGS__}

#define PI_D 3.14159265358979323846
#define GROW_B .growth = DA_FN_GROW_BOUNDED
#define GROW_L .growth = DA_FN_GROW_LOG

static const da_fn_info fn_table[DA_F_COUNT] = {
    [DA_F_EXP] = SMOOTH(exp, "exp", NULL, .at0 = "1", .entire = 1, .nonneg = 1),
    [DA_F_EXPM1] = SMOOTH(expm1, "expm1", NULL, .at0 = "0", .entire = 1),
    [DA_F_LOG] = SMOOTH(log, "log", "\\log\\left(", .at1 = "0", .why = why_log, GROW_L),
    [DA_F_LOG1P] = SMOOTH(log1p, "log1p", NULL, .at0 = "0", .why = why_log1p, GROW_L),
    [DA_F_SQRT] = {.name = "sqrt", .arity = 1, .tex_open = "\\sqrt{", .tex_close = "}",
                   .d = f_d_sqrt, .m = f_m_sqrt, .arb = f_arb_sqrt, .acb = f_acb_sqrt,
                   .why = why_sqrt, .nonneg = 1, .at0 = "0", .at1 = "1"},
    [DA_F_CBRT] = BRANCH(cbrt, "cbrt", 1, "\\sqrt[3]{", "}", f_arb_cbrt, .at0 = "0", .at1 = "1", .parity = -1),
    [DA_F_ABS] = BRANCH(abs, "abs", 1, "\\left|", "\\right|", f_arb_abs, .is_switch = 1,
                        .parity = 1, .nonneg = 1),
    [DA_F_SIGN] = BRANCH(sign, "sign", 1, "\\operatorname{sign}\\left(", "\\right)",
                         f_arb_by_sign, .is_switch = 1, .parity = -1, .bound = 1, GROW_B),
    [DA_F_STEP] = BRANCH(step, "step", 1, NULL, NULL, f_arb_by_sign, .is_switch = 1,
                         .bound = 1, .nonneg = 1, GROW_B),
    [DA_F_FLOOR] = BRANCH(floor, "floor", 1, "\\left\\lfloor ", "\\right\\rfloor", f_arb_floor,
                          .is_switch = 1),
    [DA_F_CEIL] = BRANCH(ceil, "ceil", 1, "\\left\\lceil ", "\\right\\rceil", f_arb_ceil,
                         .is_switch = 1),
    [DA_F_SIN] = SMOOTH(sin, "sin", "\\sin\\left(", .at0 = "0", .parity = -1, .bound = 1, .entire = 1,
                        GROW_B),
    [DA_F_COS] = SMOOTH(cos, "cos", "\\cos\\left(", .at0 = "1", .parity = 1, .bound = 1, .entire = 1,
                        GROW_B),
    [DA_F_TAN] = SMOOTH(tan, "tan", "\\tan\\left(", .at0 = "0", .parity = -1),
    [DA_F_ASIN] = SMOOTH(asin, "asin", "\\arcsin\\left(", .at0 = "0", .parity = -1, .why = why_asin,
                         .bound = 3.1415926535897936, GROW_B),
    [DA_F_ACOS] = SMOOTH(acos, "acos", "\\arccos\\left(", .at1 = "0", .why = why_acos,
                         .bound = 3.1415926535897936, GROW_B),
    [DA_F_ATAN] = SMOOTH(atan, "atan", "\\arctan\\left(", .at0 = "0", .parity = -1,
                         .bound = 1.5707963267948968, .strip = 1, GROW_B),
    [DA_F_SINH] = SMOOTH(sinh, "sinh", "\\sinh\\left(", .at0 = "0", .parity = -1, .entire = 1),
    [DA_F_COSH] = SMOOTH(cosh, "cosh", "\\cosh\\left(", .at0 = "1", .parity = 1, .entire = 1, .nonneg = 1),
    [DA_F_TANH] = SMOOTH(tanh, "tanh", "\\tanh\\left(", .at0 = "0", .parity = -1, .bound = 1,
                         .strip = PI_D / 2, GROW_B),
    [DA_F_ASINH] = SMOOTH(asinh, "asinh", "\\operatorname{arsinh}\\left(", .at0 = "0", .parity = -1,
                          .strip = 1, GROW_L),
    [DA_F_ACOSH] = SMOOTH(acosh, "acosh", "\\operatorname{arcosh}\\left(", .at1 = "0", .why = why_acosh,
                          GROW_L),
    [DA_F_ATANH] = SMOOTH(atanh, "atanh", "\\operatorname{artanh}\\left(", .at0 = "0", .parity = -1,
                          .why = why_atanh),
    [DA_F_ERF] = SMOOTH(erf, "erf", "\\operatorname{erf}\\left(", .at0 = "0", .parity = -1, .bound = 1,
                        .entire = 1, GROW_B),
    [DA_F_ERFC] = SMOOTH(erfc, "erfc", "\\operatorname{erfc}\\left(", .at0 = "1", .bound = 2, .nonneg = 1,
                         .entire = 1, GROW_B),
    [DA_F_PHI_CDF] = SMOOTH(phi_cdf, "Phi", "\\Phi\\left(", .at0 = "0.5", .bound = 1, .nonneg = 1,
                            .entire = 1, GROW_B),
    [DA_F_PHI_PDF] = SMOOTH(phi_pdf, "phi", "\\varphi\\left(", .parity = 1,
                            .bound = 0.3989422804014328, .nonneg = 1, .entire = 1, GROW_B),
    [DA_F_SIGMOID] = SMOOTH(sigmoid, "sigmoid", "\\operatorname{sigmoid}\\left(", .at0 = "0.5", .bound = 1,
                            .nonneg = 1, .strip = PI_D, GROW_B),
    [DA_F_SOFTPLUS] = SMOOTH(softplus, "softplus", "\\operatorname{softplus}\\left(",
                             .nonneg = 1, .strip = PI_D),
    [DA_F_RELU] = BRANCH(relu, "relu", 1, "\\operatorname{ReLU}\\left(", "\\right)", f_arb_relu,
                         .is_switch = 1, .nonneg = 1),
    [DA_F_MAX] = BRANCH(max, "max", 2, "\\max\\left(", "\\right)", f_arb_max, .is_switch = 1),
    [DA_F_MIN] = BRANCH(min, "min", 2, "\\min\\left(", "\\right)", f_arb_min, .is_switch = 1),
    /* sech: even, 0 < sech <= 1, poles at +-i pi/2 */
    [DA_F_SECH] = SMOOTH(sech, "sech", "\\operatorname{sech}\\left(", .at0 = "1", .parity = 1, .bound = 1,
                         .nonneg = 1, .strip = PI_D / 2, GROW_B, .dx = "-sech(x)*tanh(x)"),
    [DA_F_CLIP] = BRANCH(clip, "clip", 3, "\\operatorname{clip}\\left(", "\\right)", f_arb_clip,
                         .is_switch = 1),
};

const da_fn_info *da_fn_get(da_fn f)
{
    return &fn_table[f];
}

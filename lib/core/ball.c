/* ball.c -- midpoint-radius numbers; radii are rounded upwards. */
#include "core.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void da_ball_init2(da_ball b, mpfr_prec_t prec)
{
    mpfr_init2(b->mid, prec);
    mpfr_init2(b->rad, DA_RAD_PREC);
    mpfr_set_zero(b->mid, 1);
    mpfr_set_zero(b->rad, 1);
}

void da_ball_clear(da_ball b)
{
    mpfr_clear(b->mid);
    mpfr_clear(b->rad);
}

void da_ball_set(da_ball dst, const da_ball src)
{
    /* rounding the midpoint to dst's precision widens the radius */
    int inexact = mpfr_set(dst->mid, src->mid, MPFR_RNDN) != 0;
    mpfr_set(dst->rad, src->rad, MPFR_RNDU);
    if (inexact)
        da_ball_add_ulp(dst);
}

double da_ball_digits(const da_ball b)
{
    if (mpfr_zero_p(b->rad))
        return INFINITY;
    if (mpfr_inf_p(b->rad) || mpfr_nan_p(b->rad))
        return -INFINITY;
    long e;
    double m = mpfr_get_d_2exp(&e, b->rad, MPFR_RNDU);
    return -(log10(m) + (double)e * log10(2.0));
}

void da_ball_set_exact_mid(da_ball b, const mpfr_t mid)
{
    mpfr_set(b->mid, mid, MPFR_RNDN);
    mpfr_set_zero(b->rad, 1);
}

void da_rad_add(mpfr_t rad, const mpfr_t x)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    mpfr_abs(t, x, MPFR_RNDU);
    mpfr_add(rad, rad, t, MPFR_RNDU);
    mpfr_clear(t);
}

void da_rad_add_d(mpfr_t rad, double x)
{
    mpfr_add_d(rad, rad, fabs(x), MPFR_RNDU);
}

double da_ball_hi_d(const da_ball b)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    mpfr_add(t, b->mid, b->rad, MPFR_RNDU);
    double v = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    return v;
}

double da_ball_lo_d(const da_ball b)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    mpfr_sub(t, b->mid, b->rad, MPFR_RNDD);
    double v = mpfr_get_d(t, MPFR_RNDD);
    mpfr_clear(t);
    return v;
}

mpfr_prec_t da_digits_to_bits(long digits)
{
    /* log2(10) = 3.3219..., rounded up */
    return (mpfr_prec_t)ceil((double)digits * 3.32192809488736235) + 1;
}

/* ---- ball arithmetic: results contain every value the inputs allow ---- */

void da_ball_add_ulp(da_ball r)
{
    if (mpfr_zero_p(r->mid) || !mpfr_number_p(r->mid))
        return;
    mpfr_t u;
    mpfr_init2(u, DA_RAD_PREC);
    mpfr_set_ui_2exp(u, 1, mpfr_get_exp(r->mid) - (mpfr_exp_t)mpfr_get_prec(r->mid), MPFR_RNDU);
    mpfr_add(r->rad, r->rad, u, MPFR_RNDU);
    mpfr_clear(u);
}

int da_ball_set_decimal(da_ball r, const char *s)
{
    char *end = NULL;
    int t = mpfr_strtofr(r->mid, s, &end, 10, MPFR_RNDN);
    if (!end || *end || !mpfr_number_p(r->mid))
        return da_fail(DA_EINVAL, "'%s' is not a number", s);
    mpfr_set_zero(r->rad, 1);
    /* |error| <= half an ulp; take a whole ulp */
    if (t && mpfr_zero_p(r->mid))
        mpfr_set_ui_2exp(r->rad, 1, mpfr_get_emin(), MPFR_RNDU);
    else if (t)
        da_ball_add_ulp(r);
    return DA_OK;
}

/* a + b, or a - b when sub: the radii add (r may be a or b) */
static void add_or_sub(da_ball r, const da_ball a, const da_ball b, int sub)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    mpfr_add(t, a->rad, b->rad, MPFR_RNDU);
    if (sub)
        mpfr_sub(r->mid, a->mid, b->mid, MPFR_RNDN);
    else
        mpfr_add(r->mid, a->mid, b->mid, MPFR_RNDN);
    mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_clear(t);
    da_ball_add_ulp(r);
}

void da_ball_add(da_ball r, const da_ball a, const da_ball b)
{
    add_or_sub(r, a, b, 0);
}

void da_ball_sub(da_ball r, const da_ball a, const da_ball b)
{
    add_or_sub(r, a, b, 1);
}

void da_ball_mul(da_ball r, const da_ball a, const da_ball b)
{
    /* |ab - a~b~| <= |a~| rb + |b~| ra + ra rb */
    mpfr_t t, u;
    mpfr_inits2(DA_RAD_PREC, t, u, (mpfr_ptr)0);
    mpfr_abs(t, a->mid, MPFR_RNDU);
    mpfr_mul(t, t, b->rad, MPFR_RNDU);
    mpfr_abs(u, b->mid, MPFR_RNDU);
    mpfr_mul(u, u, a->rad, MPFR_RNDU);
    mpfr_add(t, t, u, MPFR_RNDU);
    mpfr_mul(u, a->rad, b->rad, MPFR_RNDU);
    mpfr_add(t, t, u, MPFR_RNDU);
    mpfr_mul(r->mid, a->mid, b->mid, MPFR_RNDN);
    mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_clears(t, u, (mpfr_ptr)0);
    da_ball_add_ulp(r);
}

int da_ball_div(da_ball r, const da_ball a, const da_ball b)
{
    /* |a/b - a~/b~| <= (ra + |a~/b~| rb) / (|b~| - rb), needs |b~| > rb */
    mpfr_t t, u, q;
    mpfr_inits2(DA_RAD_PREC, t, u, q, (mpfr_ptr)0);
    mpfr_abs(u, b->mid, MPFR_RNDD);
    mpfr_sub(u, u, b->rad, MPFR_RNDD);
    if (mpfr_sgn(u) <= 0) {
        mpfr_clears(t, u, q, (mpfr_ptr)0);
        mpfr_set_nan(r->mid);
        mpfr_set_inf(r->rad, 1);
        return DA_EDOM;
    }
    mpfr_abs(q, a->mid, MPFR_RNDU);
    mpfr_abs(t, b->mid, MPFR_RNDD);
    mpfr_div(q, q, t, MPFR_RNDU);
    mpfr_mul(q, q, b->rad, MPFR_RNDU);
    mpfr_add(q, q, a->rad, MPFR_RNDU);
    mpfr_div(t, q, u, MPFR_RNDU);
    mpfr_div(r->mid, a->mid, b->mid, MPFR_RNDN);
    mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_clears(t, u, q, (mpfr_ptr)0);
    da_ball_add_ulp(r);
    return DA_OK;
}

void da_ball_sqrt(da_ball r, const da_ball a)
{
    mpfr_t lo, t;
    mpfr_inits2(DA_RAD_PREC, lo, t, (mpfr_ptr)0);
    mpfr_sub(lo, a->mid, a->rad, MPFR_RNDD);
    if (mpfr_sgn(lo) > 0) {
        /* |sqrt a - sqrt a~| <= ra / (sqrt(a~ - ra) + sqrt(a~)) */
        mpfr_sqrt(lo, lo, MPFR_RNDD);
        mpfr_set(t, a->mid, MPFR_RNDD);
        mpfr_sqrt(t, t, MPFR_RNDD);
        mpfr_add(lo, lo, t, MPFR_RNDD);
        mpfr_div(t, a->rad, lo, MPFR_RNDU);
        mpfr_sqrt(r->mid, a->mid, MPFR_RNDN);
        mpfr_set(r->rad, t, MPFR_RNDU);
    } else {
        /* the ball touches 0: [0, sqrt(a~ + ra)] */
        mpfr_add(t, a->mid, a->rad, MPFR_RNDU);
        if (mpfr_sgn(t) < 0)
            mpfr_set_zero(t, 1);
        mpfr_sqrt(t, t, MPFR_RNDU);
        if (mpfr_sgn(a->mid) > 0)
            mpfr_sqrt(r->mid, a->mid, MPFR_RNDN);
        else
            mpfr_set_zero(r->mid, 1);
        mpfr_set(r->rad, t, MPFR_RNDU);
    }
    mpfr_clears(lo, t, (mpfr_ptr)0);
    da_ball_add_ulp(r);
}

/* ---- text ------------------------------------------------------------ */

static void get_fixed(char *val, size_t vlen, const da_ball b, long digits)
{
    double rad = mpfr_get_d(b->rad, MPFR_RNDU);
    long d = digits < 0 ? 0 : digits;
    /* honest when rad + 0.5 10^-d <= 10^-d */
    while (d > 0 && rad > 0.5 * pow(10.0, (double)-d))
        d--;
    mpfr_snprintf(val, vlen, "%.*Rf", (int)d, b->mid);
    if (val[0] == '-') {
        int allzero = 1;
        for (const char *p = val + 1; *p; p++)
            if (*p != '0' && *p != '.')
                allzero = 0;
        if (allzero)
            memmove(val, val + 1, strlen(val));
    }
}

static void get_sci(char *val, size_t vlen, char *err, size_t elen, const da_ball b,
                    long digits)
{
    /* decimals vouched for: d = min(digits, floor(-log10 rad)) */
    double dr = da_ball_digits(b);
    long d = digits;
    if (dr < (double)d)
        d = (long)floor(dr);
    mpfr_t e, half;
    mpfr_init2(e, DA_RAD_PREC);
    mpfr_init2(half, DA_RAD_PREC);
    mpfr_set(e, b->rad, MPFR_RNDU);
    if (mpfr_zero_p(b->mid) || d < -300) {
        snprintf(val, vlen, "0");
        mpfr_abs(half, b->mid, MPFR_RNDU);
        mpfr_add(e, e, half, MPFR_RNDU);
    } else {
        long ex;
        double m = mpfr_get_d_2exp(&ex, b->mid, MPFR_RNDN);
        long e10 = (long)floor(log10(fabs(m)) + (double)ex * 0.30102999566398120);
        long sig = d + 2 + e10;   /* significant digits down to 10^-(d+2) */
        if (sig <= 0 || vlen < 20) {
            snprintf(val, vlen, "0");
            mpfr_abs(half, b->mid, MPFR_RNDU);
            mpfr_add(e, e, half, MPFR_RNDU);
        } else {
            if ((size_t)sig + 16 > vlen)
                sig = (long)vlen - 16;
            mpfr_snprintf(val, vlen, "%.*Re", (int)(sig - 1), b->mid);
            /* the printed value differs from mid by at most half a unit in
               its last place, 0.5 * 10^(E - sig + 1), E its printed exponent */
            const char *ep = strchr(val, 'e');
            long E = ep ? strtol(ep + 1, NULL, 10) : e10;
            mpfr_set_ui(half, 10, MPFR_RNDU);
            mpfr_pow_si(half, half, E - sig + 1, MPFR_RNDU);
            mpfr_div_2ui(half, half, 1, MPFR_RNDU);
            mpfr_add(e, e, half, MPFR_RNDU);
        }
    }
    if (err && elen)
        mpfr_snprintf(err, elen, "%.2RUe", e);
    mpfr_clear(e);
    mpfr_clear(half);
}

void da_ball_get_upper_str(char *val, size_t vlen, const da_ball b, long digits)
{
    if (!val || !vlen)
        return;
    if (mpfr_nan_p(b->mid) || mpfr_nan_p(b->rad)) {
        snprintf(val, vlen, "nan");
        return;
    }
    mpfr_t hi;
    mpfr_init2(hi, mpfr_get_prec(b->mid));
    mpfr_add(hi, b->mid, b->rad, MPFR_RNDU);
    mpfr_snprintf(val, vlen, "%.*RUe", (int)(digits < 0 ? 0 : digits), hi);
    mpfr_clear(hi);
}

void da_ball_get_str(char *val, size_t vlen, char *err, size_t elen, const da_ball b,
                     long digits, int style)
{
    if (!val || !vlen)
        return;
    if (mpfr_nan_p(b->mid) || mpfr_inf_p(b->rad) || mpfr_nan_p(b->rad)) {
        snprintf(val, vlen, "nan");
        if (err && elen)
            snprintf(err, elen, "inf");
        return;
    }
    if (mpfr_inf_p(b->mid)) {
        snprintf(val, vlen, mpfr_sgn(b->mid) > 0 ? "inf" : "-inf");
        if (err && elen)
            snprintf(err, elen, "0");
        return;
    }
    if (style == DA_BALL_FIXED) {
        get_fixed(val, vlen, b, digits);
        if (err && elen)
            mpfr_snprintf(err, elen, "%.2RUe", b->rad);
        return;
    }
    get_sci(val, vlen, err, elen, b, digits);
}

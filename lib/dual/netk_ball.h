/* netk_ball.h -- small ball helpers of the network kernels' ball path
 * (internal): directed rounding of monotone functions, intervals to balls,
 * upper bounds as doubles.  Shared by netk_closed.c, netk_series.c,
 * netk_network.c and netkernel.c. */
#ifndef DA_NETK_BALL_H
#define DA_NETK_BALL_H

#include "core/core.h"
#include <math.h>


static inline void b_init(da_ball b, mpfr_prec_t p) { da_ball_init2(b, p); }

static inline void b_set_si(da_ball r, long v)
{
    mpfr_set_si(r->mid, v, MPFR_RNDN);
    mpfr_set_zero(r->rad, 1);
}

static inline void b_pi(da_ball r)
{
    mpfr_const_pi(r->mid, MPFR_RNDN);
    mpfr_set_zero(r->rad, 1);
    da_ball_add_ulp(r);
}

static inline void b_mul_2si(da_ball r, const da_ball a, long e)
{
    mpfr_mul_2si(r->mid, a->mid, e, MPFR_RNDN);
    mpfr_mul_2si(r->rad, a->rad, e, MPFR_RNDU);
}

static inline int b_finite(const da_ball b) { return mpfr_number_p(b->mid) && mpfr_number_p(b->rad); }
static inline void b_lo(mpfr_t x, const da_ball b) { mpfr_sub(x, b->mid, b->rad, MPFR_RNDD); }
static inline void b_hi(mpfr_t x, const da_ball b) { mpfr_add(x, b->mid, b->rad, MPFR_RNDU); }

/* r = the ball holding the interval [lo, hi] */
static inline void b_from_interval(da_ball r, const mpfr_t lo, const mpfr_t hi)
{
    mpfr_add(r->mid, lo, hi, MPFR_RNDN);
    mpfr_div_2ui(r->mid, r->mid, 1, MPFR_RNDN);
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(lo) + 8);
    mpfr_sub(t, hi, r->mid, MPFR_RNDU);
    mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_sub(t, r->mid, lo, MPFR_RNDU);
    if (mpfr_cmp(t, r->rad) > 0)
        mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_clear(t);
}

/* u, an enclosure of a q1 + ... - c^2-type quantity that is at least
 * 1 + a q1 + a q2 at every true (q1, q2, c), since c^2 <= q1 q2
 * (Cauchy-Schwarz): its lower end raised to that bound.  Wide radii at
 * depth can leave the plain enclosure reaching 0, where 1/sqrt(u) would
 * then be unbounded for no reason. */
static inline void b_floor_cs(da_ball u, const da_ball q1, const da_ball q2, long a)
{
    mpfr_prec_t p = mpfr_get_prec(u->mid) + 8;
    mpfr_t lo, hi, t;
    mpfr_inits2(p, lo, hi, t, (mpfr_ptr)0);
    b_lo(t, q1);
    if (mpfr_sgn(t) < 0)
        mpfr_set_zero(t, 1);
    mpfr_mul_si(lo, t, a, MPFR_RNDD);
    b_lo(t, q2);
    if (mpfr_sgn(t) < 0)
        mpfr_set_zero(t, 1);
    mpfr_mul_si(t, t, a, MPFR_RNDD);
    mpfr_add(lo, lo, t, MPFR_RNDD);
    mpfr_add_ui(lo, lo, 1, MPFR_RNDD);
    b_lo(t, u);
    b_hi(hi, u);
    if (mpfr_cmp(t, lo) < 0 && mpfr_cmp(hi, lo) >= 0)
        b_from_interval(u, lo, hi);
    mpfr_clears(lo, hi, t, (mpfr_ptr)0);
}

/* monotone functions by directed rounding of the end points */
typedef enum { MF_ASIN, MF_EXP, MF_SINH, MF_COSH, MF_RSQRT, MF_ATAN } mono_fn;

static inline int b_mono(da_ball r, const da_ball a, mono_fn f)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 8;
    mpfr_t lo, hi, flo, fhi;
    mpfr_inits2(p, lo, hi, flo, fhi, (mpfr_ptr)0);
    b_lo(lo, a);
    b_hi(hi, a);
    int st = DA_OK;
    switch (f) {
    case MF_ASIN:
        /* the argument is a correlation: its true value lies in [-1, 1] */
        if (mpfr_cmp_si(lo, -1) < 0) mpfr_set_si(lo, -1, MPFR_RNDN);
        if (mpfr_cmp_si(hi, 1) > 0) mpfr_set_si(hi, 1, MPFR_RNDN);
        if (mpfr_cmp(lo, hi) > 0) mpfr_set(lo, hi, MPFR_RNDN);
        /* asin is increasing on [-1, 1] */
        /* fall through */
    case MF_ATAN:
    case MF_EXP:
    case MF_SINH: {
        /* increasing: the ends go to the ends */
        int (*g)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t) = f == MF_ASIN   ? mpfr_asin
                                                      : f == MF_ATAN ? mpfr_atan
                                                      : f == MF_EXP  ? mpfr_exp
                                                                     : mpfr_sinh;
        g(flo, lo, MPFR_RNDD);
        g(fhi, hi, MPFR_RNDU);
        break;
    }
    case MF_COSH:
        if (mpfr_sgn(lo) >= 0) {
            mpfr_cosh(flo, lo, MPFR_RNDD);
            mpfr_cosh(fhi, hi, MPFR_RNDU);
        } else if (mpfr_sgn(hi) <= 0) {
            mpfr_cosh(flo, hi, MPFR_RNDD);
            mpfr_cosh(fhi, lo, MPFR_RNDU);
        } else {
            mpfr_set_ui(flo, 1, MPFR_RNDN);
            mpfr_abs(lo, lo, MPFR_RNDN);
            if (mpfr_cmp(lo, hi) > 0)
                mpfr_set(hi, lo, MPFR_RNDN);
            mpfr_cosh(fhi, hi, MPFR_RNDU);
        }
        break;
    case MF_RSQRT:
        if (!mpfr_number_p(lo) || !mpfr_number_p(hi)) {
            /* an enclosure that is not finite (radii grown past the
               exponent range deep in a network): nothing is enclosed */
            st = DA_EACCURACY;
            break;
        }
        if (mpfr_sgn(lo) <= 0) {
            st = DA_EINFINITE;
            break;
        }
        mpfr_rec_sqrt(flo, hi, MPFR_RNDD);
        mpfr_rec_sqrt(fhi, lo, MPFR_RNDU);
        break;
    }
    if (!st)
        b_from_interval(r, flo, fhi);
    mpfr_clears(lo, hi, flo, fhi, (mpfr_ptr)0);
    return st;
}

/* 1/sqrt(a) for an a known to be positive at the true point (a product of
 * variances, 1 + 2 q1 + 2 q2 - ...): a ball that reaches 0 only because
 * its radius is wide encloses nothing, DA_EACCURACY, not an infinity */
static inline int b_rsqrt_pos(da_ball r, const da_ball a)
{
    int st = b_mono(r, a, MF_RSQRT);
    return st == DA_EINFINITE ? DA_EACCURACY : st;
}

static inline double b_up_d(const da_ball b)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    mpfr_abs(t, b->mid, MPFR_RNDU);
    mpfr_add(t, t, b->rad, MPFR_RNDU);
    double v = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    return v;
}

#endif

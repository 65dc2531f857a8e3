/* ball_arb.c -- between da_ball (MPFR) and Arb balls.  Internal. */
#include "core.h"
#include "core/arbinc.h"

void da_ball_set_arb(da_ball_struct *b, const arb_t x)
{
    if (!arb_is_finite(x)) {
        mpfr_set_nan(b->mid);
        mpfr_set_inf(b->rad, 1);
        return;
    }
    int inex = arf_get_mpfr(b->mid, arb_midref(x), MPFR_RNDN);
    arf_t r;
    arf_init(r);
    arf_set_mag(r, arb_radref(x));
    arf_get_mpfr(b->rad, r, MPFR_RNDU);
    arf_clear(r);
    if (inex)
        da_ball_add_ulp(b);   /* |rounding| <= ulp(mid) */
}

void da_arb_set_ball(arb_t x, const da_ball_struct *b)
{
    arf_t r;
    arf_init(r);
    arf_set_mpfr(arb_midref(x), b->mid);
    arf_set_mpfr(r, b->rad);
    arf_get_mag(arb_radref(x), r);
    arf_clear(r);
}

void da_arb_phi(arb_t r, const arb_t x, slong prec)
{
    arb_t t;
    arb_init(t);
    arb_sqr(r, x, prec);
    arb_mul_2exp_si(r, r, -1);
    arb_neg(r, r);
    arb_exp(r, r, prec);
    arb_const_pi(t, prec);
    arb_mul_2exp_si(t, t, 1);
    arb_rsqrt(t, t, prec);
    arb_mul(r, r, t, prec);
    arb_clear(t);
}

/* arbinc.h -- the Arb headers, wherever this system keeps them: inside
 * FLINT 3 (flint/arb.h) or as the separate Arb 2 of Debian 12 (arb.h).
 * Internal; see configure.ac. */
#ifndef DA_ARBINC_H
#define DA_ARBINC_H

#include "config.h"
#ifdef HAVE_FLINT_ARB_H
#include <flint/arb.h>
#include <flint/acb.h>
#include <flint/arb_hypgeom.h>
#include <flint/acb_hypgeom.h>
#else
#include <arb.h>
#include <acb.h>
#include <arb_hypgeom.h>
#include <acb_hypgeom.h>
#endif

#include "dualact.h"

/* b = x at b's precision: the midpoint rounded, the rounding added to the
 * radius (upwards); NaN +- Inf when x is not finite (ball.c). */
void da_ball_set_arb(da_ball_struct *b, const arb_t x);
/* x = b exactly (the radius rounded upwards to a mag) (ball_arb.c). */
void da_arb_set_ball(arb_t x, const da_ball_struct *b);
/* r = phi(x) = exp(-x^2/2)/sqrt(2 pi), a ball (ball_arb.c); r may be x. */
void da_arb_phi(arb_t r, const arb_t x, slong prec);

#endif

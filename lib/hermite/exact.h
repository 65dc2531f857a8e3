/* exact.h -- Hermite data of polynomial and piecewise-polynomial
 * activations by exact formulas in ball arithmetic (exact.c).  Internal. */
#ifndef DA_EXACT_H
#define DA_EXACT_H

#include "core/arbinc.h"
#include "act/act.h"

typedef struct {
    long N;
    slong prec;       /* working precision, bits */
    arb_ptr a;        /* a_k = E[sigma h_k] (orthonormal), k = 0..N */
    arb_t s2, d2;     /* E sigma^2, E sigma'^2 (sigma' of the pieces) */
    int proved;       /* the pieces are proved (pieces_arb.h): every ball is */
    char why[200];    /* why they are not */
} da_exact;

/* Every ball of ex contains the exact value when the pieces are proved
 * (ex->proved; da_expr_pieces_arb), whatever the precision: Arb accounts
 * for every rounding and cancellation, so a low precision only widens
 * the balls.  With need_proof set, pieces that cannot be proved give
 * DA_EDOM at once (ex->why says why) and nothing is computed; without it
 * the analysis' pieces (MPFR breakpoints and coefficients, taken as balls
 * of a few ulps) are used instead, an estimate.  DA_EACCURACY: the work
 * budget (da_set_time_limit) ran out, and the unfinished balls are
 * infinite.  DA_ENOMEM.  da_exact_clear frees ex (also after a failure). */
int da_exact_compute(da_exact *ex, const da_act *act, long N, slong prec, int need_proof);
void da_exact_clear(da_exact *ex);

#endif

/* pieces_arb.h -- the polynomial pieces of a (piecewise) polynomial
 * formula in ball arithmetic, with a proof that they are its pieces
 * (expr_pieces_arb.c).  Internal to libdualact.
 *
 * The pieces are consecutive intervals (lo, hi) whose endpoints are
 * enclosed by balls (lo of the first piece is -Inf, hi of the last +Inf;
 * the hi of a piece and the lo of the next are the same ball), each with
 * the monomial coefficients of a polynomial as balls.  DA_OK means proved:
 * for every real x strictly between the true endpoints of a piece, the
 * formula equals that piece's polynomial at x (so the pieces determine
 * every integral of the formula against a density).  Otherwise DA_EDOM
 * with the reason in why[] (nothing is returned): the formula is not a
 * polynomial on a piece, or a switch could not be settled by the proof
 * (a switching argument of degree 2 or more on a piece, a slope not
 * separated from 0, floor or ceil of an unbounded affine argument, a root
 * not separated from a breakpoint), or the pieces are too many. */
#ifndef DA_PIECES_ARB_H
#define DA_PIECES_ARB_H

#include "core/arbinc.h"
#include "act/expr.h"

typedef struct {
    arb_t lo, hi;   /* endpoint enclosures (+-Inf at the ends) */
    slong len;      /* number of coefficients; 0: the zero polynomial */
    arb_ptr c;      /* c[0..len-1] */
} da_apiece;

int da_expr_pieces_arb(da_apiece **pieces, int *npieces, const da_expr *e,
                       const da_expr_info *info, slong prec, char *why, size_t whylen);
void da_apieces_free(da_apiece *p, int n);

#endif

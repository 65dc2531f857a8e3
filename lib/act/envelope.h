/* envelope.h -- proved growth envelopes (expr_envelope.c).  Internal. */
#ifndef DA_ENVELOPE_H
#define DA_ENVELOPE_H

#include "act/expr.h"

/* For |x| >= 1:  |f(x)| <= A |x|^m exp(c |x| + q x^2), every constant an
 * upper bound of the exact one. */
typedef struct {
    double A, m, c, q;
} da_env;

/* DA_OK, or DA_EDOM when the algebra has no rule for some node (no
 * message is recorded: the caller says what it means). */
int da_expr_envelope(da_env *env, const da_expr *e);

#endif

/* tape_ball.h -- evaluation of a compiled tape in real and complex ball
 * arithmetic (Arb), the evaluators behind the rigorous quadrature.
 * Internal to libdualact.
 *
 * Three ways to evaluate sigma on a ball X (an interval of the real line):
 *
 *   enclose   a ball that contains sigma(x) for every x in X.  Where a
 *             switch (comparison, abs, max, step, a ? b : c, ...) is not
 *             decided on X, every branch is taken and the results are
 *             joined.  Never "undecided"; fails only where sigma is not
 *             finite.  Used for slivers around breakpoints and for bounds.
 *
 *   decide    the same, but every switch must be decided on X: the
 *             outcomes are written to a decision log, in the order of
 *             execution.  A decision is "strict" when it holds at every
 *             point of X.  A discontinuous switch (comparison, step,
 *             sign, a condition) may also be decided "almost everywhere":
 *             its argument g is >= 0 on X (or <= 0) and, in the run at the
 *             centre of X given as the reference log, strictly positive
 *             (negative).  Then g is analytic on X (all switches before it
 *             are decided), not identically zero, so its zeros in X are
 *             isolated and the outcome holds except on a null set, which
 *             an integral does not see.  Continuous switches (abs, relu,
 *             max, min, clip) are decided when their argument is >= 0 (or
 *             <= 0) on X: both branches agree where it vanishes.
 *
 *   complex   sigma on a complex box Z around X, following the decisions
 *             taken on X: the analytic continuation of the branch of
 *             sigma that holds on X.  Logarithms, roots and non-integer
 *             powers use their analytic variants (indeterminate when the
 *             box touches the branch cut); atan, asinh, asin, acos, atanh
 *             and acosh are accepted only on boxes that keep away from
 *             their cuts.  A non-finite result means: not analytic (or
 *             not bounded) on Z.
 */
#ifndef DA_TAPE_BALL_H
#define DA_TAPE_BALL_H

#include "core/arbinc.h"
#include "act/expr.h"

enum {
    DA_BALL_OK = 0,
    DA_BALL_NONFINITE = 1,   /* a non-finite (or indeterminate) value */
    DA_BALL_UNDECIDED = 2,   /* decide: a switch not decided on X */
    DA_BALL_LOG = 3          /* complex: the log does not match the tape */
};

/* Outcomes of the switches of one run. */
typedef struct {
    int *v;             /* outcome, with bit 30 set when strict */
    int n, cap;
    int overflow;       /* a run needed more than the log holds */
} da_declog;

int da_declog_init(da_declog *l, int cap);
void da_declog_clear(da_declog *l);

typedef struct da_tape_ball da_tape_ball;

/* Registers for tape t at precision prec (plus the tape's guard bits). */
da_tape_ball *da_tape_ball_new(const da_tape *t, slong prec);
void da_tape_ball_free(da_tape_ball *w);
/* Evaluate at another precision (at most the one it was made with: the
   constants keep theirs). */
void da_tape_ball_set_prec(da_tape_ball *w, slong prec);

int da_tape_arb_enclose(da_tape_ball *w, arb_t y, const arb_t x);
/* ref may be NULL (then only strict decisions are accepted). */
int da_tape_arb_decide(da_tape_ball *w, arb_t y, const arb_t x, da_declog *log,
                       const da_declog *ref);
int da_tape_acb_follow(da_tape_ball *w, acb_ptr y, acb_srcptr z, const da_declog *log);

#endif

/* expr_fn.h -- one description per function of the expression language:
 * its name, arity, parity, LaTeX form and its evaluators in double, MPFR,
 * real balls and complex balls (expr_fn.c).  Internal to libdualact.
 *
 * The stages ask this table instead of switching on da_fn: the parser
 * reads the names and arities, the printers the LaTeX form, the parity
 * rule the parity, the tapes (expr_tape.c, expr_tape_arb.c) and the
 * one-sided limits (expr_jump.c) the evaluators.  What a switch does with
 * its branches (abs, relu, sign, step, floor, ceil, max, min, clip, and
 * cbrt, whose ball evaluation goes by the sign of its argument) stays in
 * the interpreters, which decide branches; those rows carry no complex
 * evaluator and their `branch' flag set.  How to add a function:
 * docs/manual.md, "Adding a function to the expression language". */
#ifndef DA_EXPR_FN_H
#define DA_EXPR_FN_H

#include "act/expr.h"
#include "core/arbinc.h"

/* Scratch registers and constants lent to the MPFR evaluators by a
   workspace of the MPFR tape: s1, s2 at the working precision, h1 and
   sqrt2 = sqrt(2) at 64 bits more, sqrt2pi = sqrt(2 pi). */
typedef struct {
    mpfr_ptr s1, s2, h1;
    mpfr_srcptr sqrt2, sqrt2pi;
} da_fn_mpfr;

/* The same for the ball evaluators: one real and one complex scratch
   ball, sqrt(2) and sqrt(2 pi) as balls. */
typedef struct {
    arb_ptr s1;
    acb_ptr z1;
    arb_srcptr sqrt2, sqrt2pi;
} da_fn_ball;

typedef struct {
    const char *name;   /* as parsed and printed */
    int arity;          /* 1, 2 or 3 */
    /* 1 for the switches, whose branch depends on their argument (abs,
       sign, step, relu, max, min, clip, floor, ceil; da_fn_is_switch) */
    int is_switch;
    /* 1 when the ball interpreters decide a branch for it (the switches
       and cbrt): then `arb' is the plain enclosure without decisions and
       `acb' is NULL */
    int branch;
    /* for one argument: f(-x) = parity f(x) (1 even, -1 odd), 0 neither */
    int parity;
    /* LaTeX: tex_open, the arguments separated by ", ", tex_close; NULL
       when expr_print.c lays the function out itself (exp, expm1, log1p,
       step) */
    const char *tex_open, *tex_close;
    /* x [, y, z] in double; NaN where undefined */
    double (*d)(double x, double y, double z);
    /* d = f(x [, y, z]) rounded to nearest at d's precision; d is distinct
       from x, y, z; NaN where undefined */
    void (*m)(mpfr_ptr d, mpfr_srcptr x, mpfr_srcptr y, mpfr_srcptr z, const da_fn_mpfr *k);
    /* d = an enclosure of f on the balls x [, y, z]; d distinct from them.
       Returns 0 when no finite enclosure can be given this way (cbrt of a
       ball around 0, floor of a ball across an integer, sign and step,
       which go by the sign of their argument); a non-finite d otherwise
       says undefined or unbounded. */
    int (*arb)(arb_t d, const arb_t x, const arb_t y, const arb_t z, const da_fn_ball *k,
               slong prec);
    /* d = the analytic continuation of f from the real line to the box x,
       indeterminate where the box touches a branch cut (or leaves the
       region where the continuation is proved); NULL for branch rows. */
    void (*acb)(acb_t d, const acb_t x, const da_fn_ball *k, slong prec);
    /* why f(a) is not a number for a number a (the analysis's words), or
       NULL for "not finite" */
    const char *(*why)(mpfr_srcptr a);
    /* f'(x) as a formula in x, e.g. "-sech(x)*tanh(x)": the derivative
       rule (expr_diff.c applies the chain rule); NULL for the functions
       whose rule expr_diff.c writes out itself */
    const char *dx;
    /* f(0) and f(1) when they are exact decimals ("1", "0.5"), which the
       simplifier folds; NULL otherwise */
    const char *at0, *at1;
    /* ---- what the analysis may assume (a proof: each is a theorem about
       f on the real line) ---- */
    /* |f(x)| <= bound for every real x where f is defined; 0: no such
       bound given (the growth envelope, expr_envelope.c) */
    double bound;
    /* f >= 0 wherever it is defined */
    int nonneg;
    /* f is entire (no singularity in the complex plane) */
    int entire;
    /* f(a x + b) is analytic in the strip |Im x| < strip / |a|; 0: not
       given here (real singularities, or a rule of analyze_sing.c) */
    double strip;
    /* growth of f(g) for |x| -> inf: DA_FN_GROW_BOUNDED (bounded whatever
       g), DA_FN_GROW_LOG (at most logarithmic in |g|, sure when g is a
       polynomial), 0: a rule of analyze_growth.c */
    int growth;
} da_fn_info;

enum { DA_FN_GROW_BOUNDED = 1, DA_FN_GROW_LOG = 2 };

/* The row of f (f < DA_F_COUNT). */
const da_fn_info *da_fn_get(da_fn f);

#endif

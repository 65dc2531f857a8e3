/* expr.h -- activations as formulas in x: syntax tree, parser, printers,
 * compiled tapes (double and MPFR), symbolic derivative, and the analysis
 * the quadrature engines need (class, singularities, growth, breakpoints,
 * polynomial pieces).  Internal to libdualact; not installed.
 *
 * Files:
 *   expr_ast.c      construction, reference counting, substitution
 *   expr_fn.c       the functions: one row each (name, arity, evaluators in
 *                   double, MPFR and balls, parity, LaTeX, derivative
 *                   rule, the analysis's facts; expr_fn.h)
 *   expr_parse.c    the grammar (docs/manual.md "Expressions")
 *   expr_print.c    canonical text and LaTeX
 *   expr_tape.c     compiled form and evaluation in double and MPFR
 *   expr_diff.c     symbolic derivative and simplification
 *   expr_analyze.c  the analysis: class, jump orders, breakpoints, pieces;
 *                   its parts in analyze_eval.c (evaluation through the
 *                   tape), analyze_poly.c, analyze_switch.c,
 *                   analyze_sing.c, analyze_growth.c, analyze_domain.c
 *                   (shared types: analyze_impl.h)
 *   expr_removable.c quotients with removable singularities
 *   expr_envelope.c proved growth envelopes (envelope.h)
 *   expr_jump.c     where a formula may jump, one-sided limits at 0
 *   expr_tape_arb.c the tape in real and complex balls (tape_ball.h)
 *   expr_pieces_arb.c the pieces of a piecewise polynomial in balls, proved
 *                   (pieces_arb.h)
 */
#ifndef DA_EXPR_H
#define DA_EXPR_H

#include "dualact.h"

/* ---- syntax tree ------------------------------------------------- */

typedef enum {
    DA_E_NUM,   /* a constant; exact decimal text in ->num */
    DA_E_X,     /* the variable */
    DA_E_PI,
    DA_E_E,
    DA_E_NEG,   /* -a0 */
    DA_E_ADD, DA_E_SUB, DA_E_MUL, DA_E_DIV, DA_E_POW,
    DA_E_LT, DA_E_LE, DA_E_GT, DA_E_GE, DA_E_EQ, DA_E_NE, /* 0 or 1 */
    DA_E_AND, DA_E_OR, DA_E_NOT,                          /* 0 or 1 */
    DA_E_COND,  /* a0 ? a1 : a2   (a0 != 0 selects a1) */
    DA_E_FN     /* ->fn applied to nargs arguments */
} da_op;

typedef enum {
    /* one argument */
    DA_F_EXP, DA_F_EXPM1, DA_F_LOG, DA_F_LOG1P, DA_F_SQRT, DA_F_CBRT,
    DA_F_ABS, DA_F_SIGN, DA_F_STEP, DA_F_FLOOR, DA_F_CEIL,
    DA_F_SIN, DA_F_COS, DA_F_TAN, DA_F_ASIN, DA_F_ACOS, DA_F_ATAN,
    DA_F_SINH, DA_F_COSH, DA_F_TANH, DA_F_ASINH, DA_F_ACOSH, DA_F_ATANH,
    DA_F_ERF, DA_F_ERFC,
    DA_F_PHI_CDF,  /* Phi(x) = P(X <= x), written "Phi" */
    DA_F_PHI_PDF,  /* phi(x) = exp(-x^2/2)/sqrt(2 pi), written "phi" */
    DA_F_SIGMOID, DA_F_SOFTPLUS, DA_F_RELU,
    DA_F_SECH,     /* 1/cosh(x); its row in expr_fn.c is all it needs */
    /* two arguments */
    DA_F_MAX, DA_F_MIN,
    /* three arguments */
    DA_F_CLIP,     /* clip(x, lo, hi) */
    DA_F_COUNT
} da_fn;

/* sign(0) = 0, step(0) = 0 (step is 1{x > 0}), relu = max(x, 0). */

typedef struct da_expr da_expr;
struct da_expr {
    da_op op;
    da_fn fn;            /* DA_E_FN only */
    int nargs;           /* 0..3 */
    da_expr *a[3];
    char *num;           /* DA_E_NUM: decimal text, e.g. "0.01", "2", "1e-3" */
    double val;          /* DA_E_NUM: its double value */
    unsigned refs;       /* atomic (da_expr_ref, da_expr_unref): trees are shared across threads */
    /* DA_E_DIV only, set by da_expr_removable(): the quotient a0/a1 has a
     * removable singularity at the double rem_at, where a0 and a1 both
     * vanish to order rem_k or more, a1 exactly to order rem_k; rem is
     * the quotient of their rem_k-th derivatives, which the evaluators
     * use where a1 vanishes (docs/numerics.md, "Removable
     * singularities").  NULL elsewhere.  Printing, equality and the
     * symbolic derivative ignore it. */
    da_expr *rem;
    double rem_at;
    int rem_k;
};

/* Constructors return a new reference (refs = 1) or NULL on ENOMEM.
 * da_expr_node takes ownership of the argument references. */
da_expr *da_expr_num(const char *decimal);
da_expr *da_expr_int(long v);
da_expr *da_expr_x(void);
da_expr *da_expr_node(da_op op, da_fn fn, int nargs,
                      da_expr *a0, da_expr *a1, da_expr *a2);
da_expr *da_expr_ref(da_expr *e);
void da_expr_unref(da_expr *e);
/* e with x replaced by s (new reference). */
da_expr *da_expr_subst(const da_expr *e, const da_expr *s);
/* abs, sign, step, relu, max, min, clip, floor, ceil: functions whose
 * branch depends on their argument. */
int da_fn_is_switch(da_fn f);
/* The size of e as a tree, what printing writes out (a subtree shared k
 * times counts k times), or cap + 1 when above cap; at most cap + 1
 * steps. */
size_t da_expr_tree_size(const da_expr *e, size_t cap);
/* Does e depend on x? */
int da_expr_has_x(const da_expr *e);
/* Structural equality. */
int da_expr_equal(const da_expr *a, const da_expr *b);
const char *da_fn_name(da_fn f);
int da_fn_arity(da_fn f);

/* ---- parsing and printing ---------------------------------------- */

/* Parse src.  On error returns DA_EPARSE through da_fail_col() with the
 * 1-based column and a message such as "expected ')'".  Catalogue names
 * used as functions of one argument ("relu(x)", "gelu(2*x)") are expanded
 * through da_catalog_expr() below. */
int da_expr_parse(da_expr **out, const char *src);

/* Canonical text that parses back to an equal tree (malloc'd). */
char *da_expr_str(const da_expr *e);
/* LaTeX (malloc'd), e.g. "x \\tanh\\left(\\log\\left(1+e^{x}\\right)\\right)". */
char *da_expr_latex(const da_expr *e);

/* Provided by the catalogue (catalog.c): the formula of a catalogue entry
 * with default parameters, as text; NULL if name is not in the catalogue. */
const char *da_catalog_expr(const char *name);

/* ---- compiled tapes ----------------------------------------------- */

typedef struct da_tape da_tape;
typedef struct da_tape_ws da_tape_ws;   /* MPFR registers of one tape */

da_tape *da_tape_new(const da_expr *e);
void da_tape_free(da_tape *t);
/* NaN where undefined (log of a negative, 0/0, ...). Never allocates. */
double da_tape_eval_d(const da_tape *t, double x);
/* Workspace of MPFR registers at precision prec (plus the tape's own
 * guard bits). */
da_tape_ws *da_tape_ws_new(const da_tape *t, mpfr_prec_t prec);
void da_tape_ws_free(da_tape_ws *w);
/* y = e(x) at the workspace precision, rounded to y.  Returns 0, or
 * nonzero when the value is NaN or infinite.  Never allocates. */
int da_tape_eval_m(const da_tape *t, da_tape_ws *w, mpfr_t y, const mpfr_t x);
/* The same, and when the value is not a number, *why says which
 * operation first made one from numbers, in the analysis's words
 * ("division by zero", "log of a non-positive number", ...; "not finite"
 * for an overflow).  *why = NULL when the value is a number. */
int da_tape_eval_m_why(const da_tape *t, da_tape_ws *w, mpfr_t y, const mpfr_t x,
                       const char **why);

/* ---- symbolic calculus -------------------------------------------- */

/* d/dx e, simplified (new reference; NULL on ENOMEM).  Derivatives of
 * sign, step, floor, ceil and comparisons are 0 (their jumps are
 * breakpoints, reported by the analysis). */
da_expr *da_expr_diff(const da_expr *e);
/* Constant folding on exact integers, x+0, x*1, x*0, x^1, --x, ... */
da_expr *da_expr_simplify(const da_expr *e);

/* e with every quotient g/h that has a provable removable singularity
 * marked (->rem, see above): h switch-free and vanishing exactly at a
 * double r (0, or the root of an affine h), its first nonvanishing
 * derivative h^(k)(r) (k <= 4) a ball away from 0, and g switch-free with
 * g(r) = ... = g^(k-1)(r) = 0 exactly in ball arithmetic.  Anything else
 * is left alone (a pole stays a pole for the domain check).  New
 * reference in *out; DA_ENOMEM. */
int da_expr_removable(da_expr **out, const da_expr *e);

/* 1 when e(-x) = e(x) for every x, -1 when e(-x) = -e(x), 0 when the
 * syntax does not tell: a proof by structural rules (constants are even, x
 * is odd, odd and even functions of odd and even arguments, sums of equal
 * parities, products and quotients, integer powers), exact whatever the
 * arithmetic, so that an evaluator may take sigma(-x) = +-sigma(x)
 * (expr_parity.c). */
int da_expr_parity(const da_expr *e);

/* Where e may jump, from its syntax (expr_jump.c).  1 when every switch
 * of e that can jump (comparison, step, sign, floor, ceil, a condition)
 * has an argument of the form K x (it switches at x = 0 only) or no x at
 * all; *n is increased by the number of such switches with x in their
 * argument. */
int da_expr_jumps_at0(const da_expr *e, int *n);
/* 1 when e does not jump anywhere: no jumping switch with x, or only
 * switches at 0 whose one-sided limits at 0, computed in real balls, are
 * exact and equal. */
int da_expr_no_jump(const da_expr *e);

/* ---- analysis for the quadrature ----------------------------------- */

typedef enum {
    DA_GROWTH_POLY = 0,   /* |e(x)| <= C (1 + |x|)^param */
    DA_GROWTH_EXP = 1,    /* |e(x)| <= C exp(param |x|) */
    DA_GROWTH_BAD = 2     /* not square integrable against phi */
} da_growth;

typedef struct {
    da_class cls;
    double sing_dist;     /* nearest singularity off the axis; INFINITY if none */
    da_growth growth;
    double growth_param;
    int poly_degree;      /* DA_CLASS_POLY / PWPOLY: the largest piece degree */
    int nbreak;
    double *brk;          /* sorted breakpoints (double approximations) */
    int *jump_order;      /* per breakpoint: lowest derivative order that jumps
                             (0: e itself jumps, 1: a kink, ...), -1 unknown */
} da_expr_info;

/* Fill info (free with da_expr_info_clear).  Fails with DA_EDOM and a
 * message naming the problem when e is undefined somewhere on the real
 * line ("log of a negative number near x = -1") or not in L2(phi)
 * ("exp(x^2) grows too fast to be square integrable"). */
int da_expr_analyze(const da_expr *e, da_expr_info *info);
void da_expr_info_clear(da_expr_info *info);

/* Breakpoints at precision prec (exact solve when the switching argument
 * is affine in x, MPFR bisection otherwise); pts must hold info->nbreak
 * initialized mpfr_t, written in the same order as info->brk. */
int da_expr_breakpoints_m(const da_expr *e, const da_expr_info *info,
                          mpfr_t *pts, mpfr_prec_t prec);

/* Polynomial pieces of a POLY or PWPOLY expression at precision prec:
 * consecutive intervals [lo, hi] (lo of the first is -Inf, hi of the last
 * +Inf) covering R, each with the monomial coefficients c[0..deg]. */
typedef struct {
    mpfr_t lo, hi;
    int deg;
    mpfr_t *c;
} da_piece;
int da_expr_pieces(da_piece **pieces, int *npieces, const da_expr *e,
                   const da_expr_info *info, mpfr_prec_t prec);
void da_pieces_free(da_piece *p, int n);

#endif

/* dualact.h -- the one installed header of libdualact.
 *
 * dualact computes Hermite expansions and dual activations (kernel maps)
 * of activation functions, in double and in arbitrary precision (MPFR),
 * with an absolute error bound on every number.
 *
 * The path through the library, one section per stage:
 *   1. activations      (catalogue names or formulas in x)      da_act_*
 *   2. Hermite expansion (quadrature engines, exact formulas)   da_hermite_*
 *   3. dual activation and kernel maps over depth               da_dual_*, da_kmap_*
 *   4. analyses (depth, Gram matrices, learnability)            da_depth_*, ...
 *
 * Conventions (see docs/manual.md):
 *   - functions return an int status: DA_OK (0) or one of the DA_E* codes;
 *     on error a one-line description is available from da_errmsg();
 *   - the library never prints and never exits;
 *   - every numerical result is a ball: a midpoint and a radius that bounds
 *     the absolute error from above (radius rounded upwards).
 */
#ifndef DUALACT_H
#define DUALACT_H

#include <stddef.h>
#include <mpfr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Core: version, status codes, errors, balls                         */
/* ------------------------------------------------------------------ */

const char *da_version(void);

enum {
    DA_OK = 0,
    DA_EINVAL = 1,     /* invalid argument or input (bad name, parameter, range) */
    DA_EPARSE = 2,     /* expression does not parse */
    DA_EDOM = 3,       /* activation undefined on the line, non-finite, or not in L2(phi) */
    DA_EACCURACY = 4,  /* requested accuracy not reached: results are valid, bounds wider */
    DA_ENOMEM = 5,
    DA_EINFINITE = 6   /* the requested quantity is infinite */
};

/* A short fixed description of a status code. */
const char *da_strerror(int status);

/* The detailed one-line message of the last error raised in this thread
 * ("" when none).  Valid until the next failing call in the same thread. */
const char *da_errmsg(void);

/* The column (1-based) of the last parse error in this thread, 0 if none. */
int da_errcol(void);

/* A ball: |true value - mid| <= rad.  rad has DA_RAD_PREC bits and is
 * always rounded upwards. */
#define DA_RAD_PREC 53
typedef struct {
    mpfr_t mid;
    mpfr_t rad;
} da_ball_struct;
typedef da_ball_struct da_ball[1];

void da_ball_init2(da_ball b, mpfr_prec_t prec);
void da_ball_clear(da_ball b);
void da_ball_set(da_ball dst, const da_ball src);
/* -log10(rad): the number of correct decimals the ball vouches for. */
double da_ball_digits(const da_ball b);
/* Ball arithmetic: the result contains every value the inputs allow
 * (midpoint at r's precision, radius rounded upwards). */
void da_ball_add(da_ball r, const da_ball a, const da_ball b);
void da_ball_sub(da_ball r, const da_ball a, const da_ball b);
void da_ball_mul(da_ball r, const da_ball a, const da_ball b);
/* DA_EDOM (r = NaN +- Inf) when b contains 0. */
int da_ball_div(da_ball r, const da_ball a, const da_ball b);
/* The square root of the non-negative part of a. */
void da_ball_sqrt(da_ball r, const da_ball a);

/* ------------------------------------------------------------------ */
/* 1. Activations                                                     */
/* ------------------------------------------------------------------ */

/* How the quadrature must treat an activation. */
typedef enum {
    DA_CLASS_POLY = 0,      /* a polynomial: coefficients exact */
    DA_CLASS_PWPOLY = 1,    /* piecewise polynomial: exact by the jump formula */
    DA_CLASS_ENTIRE = 2,    /* entire: Gauss-Hermite converges geometrically */
    DA_CLASS_POLES = 3,     /* analytic on R, singularities off the axis: trapezoid */
    DA_CLASS_PIECEWISE = 4  /* breakpoints with non-polynomial pieces: split + DE rule */
} da_class;

typedef struct da_act da_act;

/* Make an activation from a catalogue name ("relu", "elu(0.5)",
 * "poly(0,1,0.5)") or a formula in x ("x*tanh(softplus(x))").
 * Errors: DA_EINVAL (unknown name, bad parameter), DA_EPARSE, DA_EDOM. */
int da_act_new(da_act **act, const char *spec);
void da_act_free(da_act *act);

const char *da_act_spec(const da_act *act);   /* as given */
const char *da_act_expr(const da_act *act);   /* canonical formula in x */
da_class da_act_class(const da_act *act);
const char *da_act_class_name(da_class cls);
/* Distance from the real axis of the nearest complex singularity
 * (INFINITY for entire or piecewise-polynomial activations). */
double da_act_pole_distance(const da_act *act);
/* Breakpoints (where the activation or a derivative jumps), sorted;
 * returns their number, writes at most max of them. */
size_t da_act_breakpoints(const da_act *act, double *out, size_t max);
/* 1 when the activation itself jumps somewhere (step, sign): then
 * E[sigma'^2] and hence beta are infinite. */
int da_act_has_jump(const da_act *act);

/* Evaluation.  The MPFR form evaluates at the precision of y (plus guard
 * bits) and returns DA_EDOM if the value is not finite. */
double da_act_eval_d(const da_act *act, double x);
int da_act_eval(const da_act *act, mpfr_t y, const mpfr_t x);

/* The derivative sigma' as an activation of its own. */
int da_act_derivative(da_act **out, const da_act *act);

/* The catalogue. */
typedef struct {
    const char *name;        /* "leaky_relu" */
    const char *params;      /* "alpha=0.01" or "" */
    const char *description; /* one line */
} da_catalog_entry;
size_t da_catalog_size(void);
const da_catalog_entry *da_catalog_get(size_t i);

/* ------------------------------------------------------------------ */
/* 2. Hermite expansion                                               */
/* ------------------------------------------------------------------ */

/* sigma = sum_k a_k h_k with h_k = He_k / sqrt(k!) orthonormal for the
 * standard Gaussian; a_k = E[sigma(X) h_k(X)]. */

typedef struct {
    long degree;          /* N: coefficients a_0 .. a_N (default 10) */
    long digits;          /* target absolute error 10^-digits, in units of
                             ||sigma|| = sqrt(E sigma^2) (default 30) */
    int raw;              /* 0: normalized (E sigma = 0, E sigma^2 = 1), the
                             paper's convention; 1: sigma itself */
    mpfr_prec_t max_prec; /* cap on the working precision, bits (0: default) */
    long max_nodes;       /* cap on quadrature nodes per piece (0: default) */
} da_hermite_opts;

void da_hermite_opts_init(da_hermite_opts *opts);

typedef struct {
    long degree;            /* N */
    int normalized;         /* 1 when the coefficients are of sigma_n */
    long digits;            /* the target asked for */
    mpfr_prec_t prec;       /* precision of the midpoints */
    da_ball_struct *a;      /* a[0..N] */
    da_ball_struct mean;    /* E sigma of the raw activation */
    da_ball_struct var;     /* Var sigma of the raw activation */
    da_ball_struct norm2;   /* E[s^2] of the reported s (1 if normalized) */
    da_ball_struct tail;    /* Parseval tail E[s^2] - sum_{k<=N} a_k^2 */
    da_ball_struct mu;      /* 1 - a_1^2 / Var (nonlinearity, normalized) */
    da_ball_struct beta;    /* E[s'^2] / E[s^2] of the normalized s; see beta_infinite */
    int beta_infinite;      /* 1 when the activation jumps */
    double digits_reached;  /* min over the reported numbers of -log10(rad) */
    const char *method;     /* quadrature or formula used */
    long nodes;             /* quadrature nodes used in the final pass (0 if exact) */
} da_hermite;

/* Compute a_0..a_N to absolute accuracy 10^-digits * ||sigma||.
 * Returns DA_OK, or DA_EACCURACY with *out filled with the best bounds
 * reached under the caps; other codes leave *out NULL. */
int da_hermite_compute(da_hermite **out, const da_act *act,
                       const da_hermite_opts *opts);
void da_hermite_free(da_hermite *h);

/* Double-precision path: about 15 digits, fast.  a and err have N+1
 * entries; err[k] bounds |a[k] - a_k|.  Same normalization rule as above.
 * Returns DA_OK or DA_EACCURACY (when 1e-13 relative to ||sigma|| was not
 * reached). */
int da_hermite_compute_d(double *a, double *err, long N, const da_act *act,
                         int raw);

/* ------------------------------------------------------------------ */
/* Quadrature rules (exposed for testing and reuse)                   */
/* ------------------------------------------------------------------ */

/* Gauss-Hermite rule for the weight phi (weights sum to 1): n nodes at
 * precision prec, ascending.  Rules are cached; the returned arrays are
 * owned by the cache and valid until da_gh_cache_clear(). */
int da_gh_rule(const mpfr_t **nodes, const mpfr_t **weights, long n,
               mpfr_prec_t prec);
void da_gh_cache_clear(void);
/* The same in double (computed fresh; caller frees nothing: arrays are
 * written into x[0..n-1], w[0..n-1]). */
int da_gh_rule_d(double *x, double *w, long n);

/* Release every cache the library holds (rules, constants). */
void da_free_cache(void);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_H */

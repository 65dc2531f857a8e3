/* dualact/hermite.h -- stage 2: Hermite expansions of activations, and the
 * quadrature rules behind them.
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_HERMITE_H
#define DUALACT_HERMITE_H

#include "dualact/act.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 2. Hermite expansion                                               */
/* ------------------------------------------------------------------ */

/* sigma = sum_k a_k h_k with h_k = He_k / sqrt(k!) orthonormal for the
 * standard Gaussian; a_k = E[sigma(X) h_k(X)]. */

typedef struct {
    long degree;          /* N: coefficients a_0 .. a_N (default 10) */
    long digits;          /* target absolute error 10^-digits of every number
                             reported (of the normalized sigma, or of sigma
                             itself when raw = 1; default 30) */
    int raw;              /* 0: normalized (E sigma = 0, E sigma^2 = 1), the
                             paper's convention; 1: sigma itself */
    mpfr_prec_t max_prec; /* cap on the working precision, bits (0: default) */
    long max_nodes;       /* cap on quadrature nodes per piece (0: default) */
    int no_beta;          /* 1: skip beta (saves the derivative's quadrature;
                             beta is then reported unknown: NaN +- Inf) */
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
    int rigorous;           /* 1: every radius is a proof (ball arithmetic,
                               proved quadrature and tail bounds); 0: an
                               estimate, for the reason in bound_reason */
    char bound_reason[200]; /* why an estimate ("" when rigorous), or why a
                               proved result is wider than asked */
} da_hermite;

/* Compute a_0..a_N to absolute accuracy 10^-digits (opts NULL: defaults).
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
/* 2. Hermite expansion: quadrature rules                             */
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

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_HERMITE_H */

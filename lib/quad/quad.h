/* quad.h -- quadrature rules for the Gaussian weight (internal).
 *
 *   gh.c      Gauss-Hermite rules in MPFR (Newton from a double start,
 *             precision doubled as Newton converges), cached.
 *   gh_d.c    the same in double; the symmetric tridiagonal eigenvalue
 *             solver that seeds both.
 *   rules.c   node/weight generators for the truncated trapezoid rule on R
 *             and the double-exponential rules on intervals and half-lines,
 *             in MPFR and double, with the weight phi folded in.
 */
#ifndef DA_QUAD_H
#define DA_QUAD_H

#include "dualact.h"

/* Eigenvalues of the Jacobi matrix of He_n (diagonal 0, off-diagonal
 * sqrt(k)): the n roots of He_n, ascending, to double accuracy. */
int da_gh_roots_d(double *x, long n);
/* The n-point Gauss-Hermite rule in double (weights sum to 1), from a
 * process-wide cache (thread-safe; the arrays stay valid until
 * da_gh_d_cache_clear, which da_free_cache calls). */
int da_gh_rule_d_cached(const double **x, const double **w, long n);
void da_gh_d_cache_clear(void);

/* One node-weight list; weights include phi(x) and the Jacobian, so
 * integral f(x) phi(x) dx ~ sum w_i f(x_i). */
typedef struct {
    long n;
    int sym;         /* 1: only x >= 0 listed; the rule also has -x with the
                        same weight (x = 0, if listed, only once) */
    mpfr_t *x;
    mpfr_t *w;
    double *xd;      /* double copies of the nodes */
    double *bound;   /* w_i * exp(x_i^2/4), in double (for error floors) */
} da_rule;

void da_rule_clear(da_rule *r);

/* Trapezoid rule on [-T, T] with step h, only the nodes j*h with
 * j = start, start+stride, ... (start=0, stride=1: all nodes; start=1,
 * stride=2: the nodes new at h when h was halved).  Weights h*phi(x).
 * Symmetric (sym = 1). */
int da_rule_trap(da_rule *r, const mpfr_t h, double T, long start, long stride,
                 mpfr_prec_t prec);

/* Double-exponential rule on [a, b] (a, b may be -Inf/+Inf), step h in
 * the t variable, t = j*h with j = start, start+stride, ...; truncated
 * where the node reaches an endpoint to working precision or where the
 * weight times exp(x^2/4) falls below 2^-(prec+20), or |x| > T. */
int da_rule_de(da_rule *r, const mpfr_t a, const mpfr_t b, double h,
               double T, long start, long stride, mpfr_prec_t prec);

/* Double versions: arrays malloc'd into *x, *w; returns the count or -1. */
long da_rule_trap_d(double **x, double **w, double h, double T, long start, long stride);
long da_rule_de_d(double **x, double **w, double a, double b, double h, double T,
                  long start, long stride);

#endif

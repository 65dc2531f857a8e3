/* hermite.h -- the Hermite-expansion engine (internal).
 *
 *   accum.c     sums  A_k = sum_i w_i sigma(x_i) He_k(x_i)  over a rule
 *   exact.c     polynomial and piecewise-polynomial activations: the jump
 *               formula of docs/numerics.md section 2, with exact moments,
 *               in ball arithmetic (exact.h)
 *   tail.c      truncation radius T and the bound on what lies beyond it
 *   coeffs.c    da_hermite_compute: class dispatch, the Ziv loop,
 *               normalization, mu, beta, tail
 *   coeffs_d.c  the double-precision path
 *
 * Internally the engine works with the probabilists' He_k; the orthonormal
 * coefficients are a_k = A_k / sqrt(k!). */
#ifndef DA_HERMITE_H
#define DA_HERMITE_H

#include "dualact.h"
#include "act/act.h"
#include "quad/quad.h"

/* Cramer's inequality in the probabilists' normalisation: for real x and
 * every k >= 0,
 *     |He_k(x)| e^{-x^2/4} <= DA_CRAMER_K sqrt(k!),
 * i.e. |h_k(x)| <= DA_CRAMER_K e^{x^2/4} for h_k = He_k / sqrt(k!).  It is
 * |H_n(y)| e^{-y^2/2} <= K sqrt(2^n n!) (Abramowitz & Stegun 22.14.17,
 * Cramer, K = 1.086435) at y = x/sqrt 2, He_k(x) = 2^{-k/2} H_k(x/sqrt 2);
 * Indritz (1961; DLMF §18.14) proved it with K = 1.  The double 1.0865
 * exceeds both (docs/numerics.md, "Constants"); check_coeffs' cramer_bound
 * tests it on a grid in Arb.  The one definition of the constant. */
#define DA_CRAMER_K 1.0865

/* Raw sums over the rules used so far (midpoints) and the magnitudes that
 * bound rounding errors. */
typedef struct {
    long N;
    mpfr_prec_t wp;
    mpfr_t *A;       /* A[0..N] = sum w sigma He_k */
    mpfr_t s2;       /* sum w sigma^2 */
    mpfr_t d2;       /* sum w sigma'^2 (when a derivative tape is given) */
    double mag;      /* sum w |sigma| exp(x^2/4): bounds |terms| / sqrt(k!) */
    double magd;     /* the same for sigma^2 and sigma'^2 */
    mpfr_t fdiff;    /* sum w |sigma(wp) - sigma(wp+40)| exp(x^2/4)  (MPFR:
                        far below double's range at high precision; RNDU) */
    mpfr_t fdiff2;   /* sum w |sigma^2(wp) - sigma^2(wp+40)| exp(x^2/4) */
    long nodes;
} da_acc;

int da_acc_init(da_acc *acc, long N, mpfr_prec_t wp);
void da_acc_clear(da_acc *acc);
/* Multiply every sum by 2^e (halving the step of a nested rule). */
void da_acc_scale_2exp(da_acc *acc, long e);
void da_acc_set(da_acc *dst, const da_acc *src);
/* Add the contribution of rule r.  ds may be NULL.  Returns DA_EDOM when
 * sigma is not finite at a node. */
int da_acc_add(da_acc *acc, const da_rule *r, const da_act *act,
               const da_tape *ds);

/* The truncation radius T such that the part beyond |x| > T of
 * int |f|^p |h_k| phi, for every k <= N, is at most 2^log2_target (tail.c:
 * Cramer's envelope of h_k or a polynomial one, whichever is smaller),
 * where f is the tape (sigma or sigma'), with growth class g (param gp)
 * from the analysis; the constant of the growth law is estimated from
 * samples of |f| at |x| in [T/2, 2T] (times 4 for safety).  Writes the
 * bound reached (log2) into *log2_tail.  The same bound covers every a_k
 * (Cramer's inequality) and, with p = 2, E f^2. */
double da_tail_radius(const da_tape *f, da_growth g, double gp, int p, long N,
                      double log2_target, double *log2_tail);

/* coeffs.c: mean and standard deviation (double) of the raw activation,
 * from the Hermite engine: the one computation of the normalizing moments
 * of the double paths (simulations, mean field).  DA_EDOM (with a
 * message) when the variance is not positive. */
int da_hermite_moments_d(double *mean, double *sd, const da_act *act);

/* rigorous.c: log2 of max_{0 <= k <= kmax} P_k(R)/sqrt(k!), in double,
 * where P_k(t) = i^-k He_k(i t) is He_k with its coefficients made
 * positive (P_{k+1} = t P_k + k P_{k-1}; |He_k(z)| <= P_k(|z|)).  By the
 * normalized recurrence, rescaled against overflow.  A guide for
 * precisions and node counts, not a bound. */
double da_pk_log2max(double R, long kmax);

#endif

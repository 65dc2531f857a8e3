/* dualact/learn.h -- stage 5: learnability, the degree spectrum of deep random
 * networks and its harmonics on the sphere (see docs/learn.md).
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_LEARN_H
#define DUALACT_LEARN_H

#include "dualact/act.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 5. Learnability: degree spectrum                                   */
/* ------------------------------------------------------------------ */

/* For a normalized activation sigma_hat(rho) = sum_k p_k rho^k with
 * p_k = a_k^2, p_0 = 0, sum p_k = 1: the generating function of a
 * Galton-Watson offspring law.  The depth-L kernel sigma_hat^{oL}(rho) =
 * sum_k b_k^(L) rho^k has b_k^(L) = P(Z_L = k), the degree spectrum;
 * W_{<=k}(L) = sum_{j<=k} b_j^(L) is the share of a random depth-L
 * network's variance that polynomials of degree <= k capture, and
 * W_{<=1}(L) = (1 - mu)^L.  Layer 0 is the identity map rho.
 * See docs/learn.md. */
typedef struct da_learn_spectrum da_learn_spectrum;

/* b_k^(L) for k <= terms, L <= depth, from the normalized coefficients
 * a_1..a_terms computed to 10^-digits.  The truncation at degree terms is
 * exact (p_0 = 0); the balls carry the coefficients' errors and rounding.
 * Returns DA_OK, or DA_EACCURACY with *out filled (wider bounds). */
int da_learn_spectrum_new(da_learn_spectrum **out, const da_act *act, long terms,
                          long depth, long digits);
/* The same from an offspring law given as balls p[0..terms] (p[0] must
 * contain 0; the caller vouches that sum_k p_k = 1 over all k). */
int da_learn_spectrum_from_law(da_learn_spectrum **out, const da_ball_struct *p,
                               long terms, long depth, mpfr_prec_t prec);
void da_learn_spectrum_free(da_learn_spectrum *s);
long da_learn_terms(const da_learn_spectrum *s);
/* 1 when every radius the spectrum gives is a proof (its coefficients
 * were rigorous: da_hermite.rigorous) */
int da_learn_rigorous(const da_learn_spectrum *s);
long da_learn_depth(const da_learn_spectrum *s);
/* wall-clock seconds of the composition (both endpoints) */
double da_learn_seconds(const da_learn_spectrum *s);
/* The CPU seconds (both threads) that da_learn_spectrum_new(terms, depth,
 * digits) spends composing, plus, when dim >= 2, da_sphere_new with
 * max_degree = terms: an estimate from the operation counts (K^3/6 from
 * depth 2 on, and L K^2/2, per endpoint; (L+1)(K+1)(K/2+1) more per
 * endpoint on the sphere) and a cost per multiply-add that grows with the
 * working precision (about 6e-8 s at 30 digits, 1e-6 s at 1000), measured
 * on a 2-core machine; good to a factor of about 3.  *bytes (unless NULL)
 * gets the memory the numbers of both take.  Without the Hermite
 * coefficients (their own budget, da_hermite_compute).  For callers that
 * refuse work up front (the CLI's and Python's learn). */
double da_learn_cost(long terms, long depth, long digits, long dim, double *bytes);

/* p_k (k <= terms) */
int da_learn_offspring(da_ball r, const da_learn_spectrum *s, long k);
/* b_k^(layer); for k > terms the ball [0, tail] */
int da_learn_coef(da_ball r, const da_learn_spectrum *s, long layer, long k);
/* W_{<=k}(layer) */
int da_learn_mass(da_ball r, const da_learn_spectrum *s, long layer, long k);
/* 1 - sum_{k<=terms} b_k^(layer): the mass beyond the truncation */
int da_learn_tail(da_ball r, const da_learn_spectrum *s, long layer);
/* sigma_hat^{o layer}(rho), |rho| <= 1, from the spectrum and its tail */
int da_learn_eval(da_ball r, const da_learn_spectrum *s, long layer, const mpfr_t rho);
/* Per-layer decay of W_{<=k}: last = W(layer)/W(layer-1) and
 * fit = (W(layer)/W(h))^{1/(layer-h)}, h = floor(layer/2), the geometric
 * mean ratio over the second half (either pointer may be NULL).  layer >= 1.
 * As layer grows both tend to p_1 = 1 - mu when p_1 > 0 (a NaN +- Inf ball
 * when W can vanish). */
int da_learn_rate(da_ball last, da_ball fit, const da_learn_spectrum *s, long k, long layer);
/* The first layer L with W_{<=k}(L) < tau lies in [*lower, *upper];
 * -1 for a bound not reached within the depth computed. */
int da_learn_crossing(long *lower, long *upper, const da_learn_spectrum *s, long k, double tau);

/* ------------------------------------------------------------------ */
/* 5. Learnability: spherical harmonics                               */
/* ------------------------------------------------------------------ */

/* On the sphere S^{d-1}, inputs uniform: the Mercer eigenvalues of the
 * depth-L kernel k(<x,x'>) = sum_j b_j^(L) <x,x'>^j by degree l of
 * spherical harmonics (Funk-Hecke), through the Gegenbauer split
 * t^j = sum_l c_{j,l} P_l^{(d)}(t) (P_l(1) = 1).  share_l = N(d,l) lambda_l,
 * sum_l share_l = 1 (the trace).  Monomials beyond terms are bounded, not
 * dropped. */
typedef struct da_sphere_spectrum da_sphere_spectrum;

/* c_{j,l} at the precision of r (d >= 2) */
int da_sphere_gegenbauer_coef(da_ball r, long dim, long j, long l);
/* N(d, l), the dimension of the degree-l spherical harmonics on S^{d-1} */
int da_sphere_multiplicity(mpz_t r, long dim, long l);
/* harmonic degrees 0..max_degree (<= terms) for every layer of s */
int da_sphere_new(da_sphere_spectrum **out, const da_learn_spectrum *s, long dim,
                  long max_degree);
void da_sphere_free(da_sphere_spectrum *sp);
long da_sphere_dim(const da_sphere_spectrum *sp);
long da_sphere_max_degree(const da_sphere_spectrum *sp);
int da_sphere_share(da_ball r, const da_sphere_spectrum *sp, long layer, long l);
int da_sphere_eigenvalue(da_ball r, const da_sphere_spectrum *sp, long layer, long l);
/* the share of the trace on degrees <= k */
int da_sphere_mass(da_ball r, const da_sphere_spectrum *sp, long layer, long k);
/* As da_learn_crossing, for the sphere's masses: the first layer where
 * the share on degrees <= k may be (lower) and is proved (upper) below
 * tau, -1 where none up to the spectrum's depth. */
int da_sphere_crossing(long *lower, long *upper, const da_sphere_spectrum *sp, long k,
                       double tau);
/* the share of the trace on degrees > max_degree */
int da_sphere_outside(da_ball r, const da_sphere_spectrum *sp, long layer);
/* Effective ranks (Bartlett et al. 2020) of the spectrum counted with
 * multiplicity and sorted decreasingly: r_k = sum_{i>k} lambda_i /
 * lambda_{k+1}, R_k = (sum_{i>k} lambda_i)^2 / sum_{i>k} lambda_i^2
 * (NaN +- Inf when a denominator may vanish).  Either pointer may be NULL. */
int da_sphere_effective_ranks(da_ball rk, da_ball Rk, const da_sphere_spectrum *sp,
                              long layer, const mpz_t k);

/* ------------------------------------------------------------------ */
/* 5. Learnability: Monte Carlo                                       */
/* ------------------------------------------------------------------ */

/* Monte Carlo: the expected squared correlation E_theta[(E_x f g)^2] of
 * random networks f (width, depth, inputs on S^{d-1}, weights
 * N(0, 1/fan_in), normalized activation, GSL mt19937 with seed) with a
 * unit-norm harmonic g of degree test (1: x_1, 2: x_1 x_2,
 * 3: x_1^3 - 3 x_1 x_2^2, scaled), which tends to lambda_test as the width
 * grows (exact at depth 1).  *stderror is the statistical standard error,
 * not a rigorous bound. */
typedef struct {
    long width, depth, dim, networks, inputs;
    int test;
    unsigned long seed;
} da_sim_opts;
void da_sim_opts_init(da_sim_opts *o);
int da_learn_simulate(double *estimate, double *stderror, const da_act *act,
                      const da_sim_opts *opts);

/* ------------------------------------------------------------------ */
/* 5. Learnability: the cost of a simulation                          */
/* ------------------------------------------------------------------ */

/* The CPU seconds of one da_learn_simulate(opts) (one test function), an
 * estimate for callers that refuse work up front (the CLI's and Python's
 * learn --simulate, three test functions): per network and layer
 * width x fan_in weights drawn at about 1e-8 s each, and inputs x width x
 * fan_in multiply-adds at about 7e-10 s each (measured on a 2-core
 * machine), i.e. networks x width (dim + (depth - 1) width)
 * (1e-8 + inputs 7e-10).  *bytes (unless NULL) gets the memory it takes:
 * the width x max(width, dim) weights and the activations of the inputs,
 * in doubles.  Cannot fail. */
double da_sim_cost(const da_sim_opts *opts, double *bytes);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_LEARN_H */

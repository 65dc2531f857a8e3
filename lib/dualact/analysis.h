/* dualact/analysis.h -- stage 4: analyses over the dual: minimal depth, Gram
 * matrices and effective ranks, finite-width simulation
 * (see docs/analysis.md).
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_ANALYSIS_H
#define DUALACT_ANALYSIS_H

#include "dualact/dual.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 4. Analyses: minimal depth                                         */
/* ------------------------------------------------------------------ */

/* Minimal depth.  For a normalized activation with dual f and
 * delta-separated unit inputs (|<x_i, x_j>| <= 1 - delta), the worst pair
 * is rho = 1 - delta; L* is the least L with k_L(1 - delta) <= eps/(n-1),
 * where k_L = f^{oL} (NNGP, the top-layer kernel) or the normalized NTK
 * Theta^(L)(rho)/Theta^(L)(1).  Then every off-diagonal entry of the depth-L*
 * kernel matrix of n such points is at most eps/(n-1) in absolute value
 * and Gershgorin gives 1 - eps <= lambda_min <= lambda_max <= 1 + eps. */
enum { DA_DEPTH_NNGP = 0, DA_DEPTH_NTK = 1 };

typedef struct {
    long digits;       /* first working accuracy of the enclosures (default 30) */
    long max_digits;   /* raised (doubling) up to this when undecided (default 240) */
    long max_depth;    /* search limit when no bound applies (default 100000) */
} da_depth_opts;
void da_depth_opts_init(da_depth_opts *o);

/* A search context: the activation's dual at increasing precisions,
 * reused across (delta, eps, n).  act must outlive it. */
typedef struct da_depth_ctx da_depth_ctx;
int da_depth_ctx_new(da_depth_ctx **c, const da_act *act, const da_depth_opts *o);
void da_depth_ctx_free(da_depth_ctx *c);
/* mu = 1 - a_1^2 as a ball (from the dual's Hermite data or closed form),
 * rounded to mu's precision */
int da_depth_mu(da_ball mu, da_depth_ctx *c);
/* 1 when every dual the context has used so far is rigorous
 * (da_dual_rigorous): only then is a depth it found proved; the reason
 * otherwise ("" when rigorous) */
int da_depth_rigorous(const da_depth_ctx *c);
const char *da_depth_bound_reason(const da_depth_ctx *c);

typedef struct {
    int kernel;                /* DA_DEPTH_NNGP or DA_DEPTH_NTK */
    long depth;                /* L*, proved; -1 when not reached by max_depth */
    da_ball_struct value;      /* k_{L*}(1 - delta): its upper end <= threshold */
    da_ball_struct previous;   /* k_{L*-1}(1 - delta): lower end > threshold
                                  (NaN when L* = 0) */
    da_ball_struct threshold;  /* eps/(n-1) */
    long digits_used;          /* working accuracy that decided it */
    /* theoretical upper bounds on L* for the NNGP (-1: does not apply,
       i.e. for the NTK or when mu may be 0) */
    long bound_potential;      /* ceil(ln[(1-d)(n-1-e)/(d e)] / ln(1+mu)) */
    long bound_two_phase;      /* min over the split c of L1(c) + L2(c) */
    double two_phase_split;    /* the split c attaining it */
    long bound_majorant;       /* iterations of m(r) = r(1 - mu(1-r)) */
} da_depth_result;
void da_depth_result_init(da_depth_result *r);
void da_depth_result_clear(da_depth_result *r);

/* Decimal string -> ball containing the decimal number exactly
 * ("0.01" is not a binary number), at r's precision.  DA_EINVAL if not a
 * number. */
int da_depth_parse_decimal(da_ball r, const char *s);

/* L* for delta in (0, 1], eps in (0, n-1), n >= 2.  Returns DA_OK (proved),
 * DA_EACCURACY (the enclosures could not decide up to max_digits: r->depth
 * is then the best candidate and not proved), DA_EINFINITE (NTK of an
 * activation that jumps: Theta(1) is infinite), DA_EINVAL, DA_EDOM. */
int da_depth_find(da_depth_result *r, da_depth_ctx *c, int kernel,
                  const da_ball delta, const da_ball eps, long n);

/* The three NNGP bounds alone, computed with directed rounding from the
 * lower end of mu (each -1 when mu may be 0).  See docs/analysis.md for
 * the two-phase argument. */
int da_depth_bounds(long *potential, long *two_phase, double *split, long *majorant,
                    const da_ball mu, const da_ball delta, const da_ball eps, long n);

/* The normalized-NTK bound (the project's own; docs/numerics.md, "The
 * theorems and what dualact proves"): with r_0 = 1 - delta,
 * r_{l+1} = r_l (1 - mu (1 - r_l)) (the NNGP majorant),
 * s_l = (1 - mu) + r_l (beta - 1 + mu) (a majorant of |f'(rho_l)|, f' being
 * convex on [0, 1]), T_0 = r_0, T_{l+1} = T_l s_l + r_{l+1} (a majorant of
 * |Theta^(l+1)(rho)|) and D_l = 1 + beta + ... + beta^l = Theta^(l)(1),
 * *majorant is the least L with T_L <= D_L eps/(n-1), so L* <= *majorant
 * for the normalized NTK of delta-separated data.  Directed rounding from
 * the lower end of mu, the upper end of beta (for s) and its lower end
 * (for D).  beta = f'(1) = E[s'(X)^2] of the normalized activation.
 * *majorant = -1 when mu may be 0 or beta is not finite, -2 when the
 * iteration passes 10^7 layers.  DA_OK. */
int da_depth_ntk_bound(long *majorant, const da_ball mu, const da_ball beta,
                       const da_ball delta, const da_ball eps, long n);

/* ------------------------------------------------------------------ */
/* 4. Analyses: minimal depth with weight and bias variances          */
/* ------------------------------------------------------------------ */

/* Depth of a network Dense(sw2, sb2), (act, Dense(sw2, sb2)) x L in the
 * mean-field conventions (da_meanfield_point_balls; s is sigma as given,
 * or the normalized sigma when normalized = 1): every input enters with
 * the variance q* of the fixed point of the length map
 * q -> sw2 E[s(sqrt(q) Z)^2] + sb2, so every layer keeps it, and the
 * correlations c = K_ij/q* of the inputs lie in [-(1-delta), 1-delta].
 * Each layer maps a correlation by G(c) = (sw2 E[s(u) s(v)] + sb2)/q*
 * ((u, v) of variances q*, covariance q* c; da_netk_eval), whose stable
 * fixed point is c* (c* < 1: chaotic phase, chi_1 > 1; c* = 1: ordered
 * phase, chi_1 < 1; chi_1 = sw2 E[s'(sqrt(q*) Z)^2] = G'(1)).
 *
 * Chaotic phase: L* is the least L such that every correlation of layer L
 * lies within eta = eps (1 - c*)/(n-1) of c*; then the kernel matrix of n
 * such inputs satisfies lambda_min >= q* (1 - c*)(1 - eps) (Weyl, with the
 * perturbation's 2-norm bounded by its largest absolute row sum).  The
 * two ends -(1-delta) and 1-delta are iterated in ball arithmetic; G is
 * nondecreasing on [0, 1] (a series with non-negative coefficients) and
 * is proved nondecreasing on the negative part reached (G' >= 0 in balls
 * on a bisection), so the ends are the worst cases and L* is minimal
 * (minimal = 1).  Where G' >= 0 cannot be proved the bounds
 * 2 G(0) - G(|c|) <= G(c) <= G(|c|) are iterated instead: L* is then a
 * proved sufficient depth (minimal = 0).
 * Ordered phase: no depth conditions the matrix; every correlation obeys
 * 1 - c_L <= (2 - delta) chi_1^L (|G'(c)| <= G'(1) = chi_1 on [-1, 1]), so
 * lambda_min of K^(L) <= q* (1 - c_L) <= q* (2 - delta) chi_1^L (a 2 x 2
 * principal minor): the matrix tends to rank one at rate chi_1;
 * rank_one_depth is a depth L (ceil of the proved ratio) with
 * (2 - delta) chi_1^L <= eps.  See docs/numerics.md, "Depth with biases". */
typedef struct da_depth_bias da_depth_bias;
typedef struct {
    int phase;                 /* DA_PHASE_* of the mean-field point (-1: none) */
    long depth;                /* L* (chaotic phase), -1 otherwise or undecided */
    int minimal;               /* 1: no smaller depth works (proved); 0: sufficient only */
    da_ball_struct q_star, c_star, chi1;   /* the point's balls */
    double deviation;          /* proved max |c_{L*} - c*| (upper bound) */
    double threshold;          /* eta, lower bound */
    double lambda_min_lo;      /* proved: lambda_min of K^(L*) >= this (NaN: none) */
    long rank_one_depth;       /* ordered phase (see above), -1 otherwise */
    int rigorous;              /* the point and the map's balls are proofs */
    char reason[240];          /* why not ("" when rigorous) */
    long digits_used;
} da_depth_bias_result;
void da_depth_bias_result_init(da_depth_bias_result *r);
void da_depth_bias_result_clear(da_depth_bias_result *r);
/* A context for (act, sw2, sb2): the mean-field point and the kernel are
 * prepared at o->digits, doubled (at most twice, up to o->max_digits) when
 * undecided.  DA_EINVAL unless sw2 > 0 and sb2 >= 0 (ball ends). */
int da_depth_bias_new(da_depth_bias **c, const da_act *act, const da_ball sw2,
                      const da_ball sb2, int normalized, const da_depth_opts *o);
void da_depth_bias_free(da_depth_bias *c);
/* DA_OK: chaotic phase with L* found, or ordered phase (depth -1, the
 * rate in chi1 and rank_one_depth); r->rigorous says whether it is
 * proved.  DA_EDOM: the length map has no fixed point (r->phase =
 * DA_PHASE_UNBOUNDED).  DA_EACCURACY: undecided (critical within the
 * enclosures, or L* not decided, or max_depth reached).  DA_EINVAL for
 * delta outside (0, 1], eps outside (0, n-1), n < 2. */
int da_depth_bias_find(da_depth_bias_result *r, da_depth_bias *c, const da_ball delta,
                       const da_ball eps, long n);

/* ------------------------------------------------------------------ */
/* 4. Analyses: Gram matrices, effective ranks                        */
/* ------------------------------------------------------------------ */

/* Data sets: n unit rows of dimension dim, row-major. */
typedef struct {
    size_t n, dim;
    double *x;            /* n * dim, rows of unit norm */
    double *norm;         /* the original row norms (files), or NULL */
    int had_header;       /* a header line was skipped (files) */
    char source[256];     /* "iris.csv", "sphere(100,3,seed=1)", ... */
} da_gram_data;

/* Parse rows of numbers separated by commas (when the line has one) or
 * white space from text[0..len-1] (LF, CR LF or CR line ends; a UTF-8 byte
 * order mark skipped); a first line whose selected fields are all names
 * (beginning with a letter, '_' or a non-ASCII byte, and not "nan", "inf")
 * is a header, any other first line is data; empty lines and lines
 * starting with '#' are skipped.  columns: NULL (all) or a list of 1-based columns and
 * ranges "1-4,7" (the other fields need not be numbers).  Every row must
 * have the same number of fields.  Errors (DA_EINVAL) name the line and
 * column: "data.csv:7: column 3: 'abc' is not a number"; a zero row is
 * refused.  name labels the messages. */
int da_gram_data_parse(da_gram_data **out, const char *text, size_t len, const char *name,
                       const char *columns);
/* The same from a file (messages use its base name). */
int da_gram_data_load(da_gram_data **out, const char *path, const char *columns);
/* n points uniform on S^{dim-1} (GSL mt19937 with seed). */
int da_gram_data_sphere(da_gram_data **out, size_t n, size_t dim, unsigned long seed);
/* n delta-separated points on S^{dim-1}: the first two at exactly
 * <x_1, x_2> = 1 - delta (up to rounding), the others uniform and kept
 * only when |<x_i, x_j>| <= 1 - delta for all earlier j (rejection; DA_EDOM
 * when 10^6 draws in a row fail). */
int da_gram_data_separated(da_gram_data **out, size_t n, size_t dim, double delta,
                           unsigned long seed);
void da_gram_data_free(da_gram_data *d);

typedef struct {
    long depth;           /* layers 0..depth */
    int ntk;              /* 0: NNGP K^(l); 1: normalized NTK Theta^(l)/Theta^(l)(1) */
    long rank_k;          /* also r_k, R_k for this k (0: only r_0, R_0) */
    int spectrum;         /* 1: full GSL spectrum at every layer; 0: automatic
                             (full when n <= 400, Lanczos otherwise) */
    double lanczos_tol;   /* Lanczos target: estimated eigenvalue error <= tol * lambda_max
                             (default 1e-9) */
    /* called before each layer (layer, depth), e.g. to show progress;
       NULL: none.  The library itself never prints. */
    void (*progress)(void *ctx, long layer, long depth);
    void *progress_ctx;
} da_gram_opts;
void da_gram_opts_init(da_gram_opts *o);

enum { DA_GRAM_FULL = 0, DA_GRAM_LANCZOS = 1 };
typedef struct {
    long layer;
    double lambda_min, lambda_max;  /* extreme eigenvalues of the computed matrix */
    double cond;                    /* lambda_max / lambda_min (Inf if lambda_min <= lambda_err) */
    double max_offdiag;             /* max_{i != j} |K_ij| */
    double gershgorin;              /* 1 - max_i sum_{j != i} |K_ij| <= lambda_min */
    double gershgorin_max;          /* 1 + max_i sum_{j != i} |K_ij| >= lambda_max */
    double trace, frob2;            /* tr K = n, ||K||_F^2 */
    double r0, R0;                  /* effective ranks (Bartlett et al. 2020) */
    double rk, Rk;                  /* for k = rank_k (NaN when rank_k = 0) */
    double entry_err;               /* bound on |computed - exact| of every entry */
    double lambda_err;              /* error estimate of the eigenvalue figures:
                                       (n-1) entry_err (Weyl) + solver residual */
    int method;                     /* DA_GRAM_FULL or DA_GRAM_LANCZOS */
    int converged;                  /* Lanczos reached its tolerance */
    long iterations;                /* Lanczos steps (0 for full) */
} da_gram_layer;

/* The kernel matrix of the data after each depth 0..depth; rows has
 * depth + 1 entries.  Entries by the double path (da_dual_eval_d); the
 * diagonal is 1 exactly.  Memory: two n x n matrices (three with the
 * full spectrum).  act is normalized.  DA_EINFINITE: NTK of an
 * activation that jumps. */
int da_gram_analyze(da_gram_layer *rows, const da_act *act, const da_gram_data *data,
                    const da_gram_opts *o);

/* The NNGP and NTK Gram matrices of the network of da_netk_network
 * (sw2, sb2, param, width, bias, depth of net; dim is the data's) on a
 * data set (rows of unit norm, input kernel x.x'/d), after each layer
 * 0..depth.  The figures lambda_min, lambda_max, cond come from the double
 * matrices (the matrix engine da_netk_matrix, one run for all layers) and
 * GSL: estimates.  When n <= prove_max
 * the entries are recomputed as balls (da_netk_network) and the extreme
 * eigenvalues enclosed: lambda_min in [min_lo, min_hi], lambda_max in
 * [max_lo, max_hi], kappa in [cond_lo, cond_hi] (Cholesky of A - sI in
 * Arb for the lower bound, a Rayleigh quotient for the upper one;
 * docs/analysis.md); proved = 1 then, else NaN bounds and bound_reason
 * says why (n above the cap, a Cholesky that failed). */
typedef struct {
    size_t prove_max;     /* largest n for the proof (default 40) */
    long digits;          /* of the ball entries (default 20) */
    int threads;          /* of the matrix engine (da_netk_mopts; default 0: all) */
    int (*poll)(void *ctx, double fraction);   /* as in da_netk_mopts; default NULL */
    void *ctx;
} da_gram_net_opts;
void da_gram_net_opts_init(da_gram_net_opts *o);
typedef struct {
    double lambda_min, lambda_max, cond;      /* estimates */
    double min_lo, min_hi, max_lo, max_hi;    /* proved (NaN when not) */
    double cond_lo, cond_hi;
} da_gram_eig;
typedef struct {
    long layer;
    da_gram_eig nngp, ntk;
    double entry_err;     /* estimated relative error of the double entries */
    int proved;           /* both matrices' bounds proved */
    char bound_reason[256];
} da_gram_net_layer;
/* rows has net->depth + 1 entries.  DA_EINVAL for a depth above 100000,
 * more than 46000 points, or sizes whose products overflow. */
int da_gram_network(da_gram_net_layer *rows, const da_act *act, const da_gram_data *data,
                    const da_netk_net *net, const da_gram_net_opts *o);

/* Effective ranks of a spectrum lambda[0..n-1] sorted decreasingly:
 * r_k = sum_{i>k} lambda_i / lambda_{k+1}, R_k = (sum_{i>k} lambda_i)^2 /
 * sum_{i>k} lambda_i^2 (0-based: the sums run over lambda[k..n-1]).
 * NaN when a denominator vanishes.  Either pointer may be NULL. */
int da_effrank(double *rk, double *Rk, const double *lambda, size_t n, size_t k);
/* The same from the trace, the squared Frobenius norm and the top k+1
 * eigenvalues top[0..k] only. */
int da_effrank_partial(double *rk, double *Rk, double trace, double frob2,
                       const double *top, size_t k);

/* ------------------------------------------------------------------ */
/* 4. Analyses: finite-width simulation                               */
/* ------------------------------------------------------------------ */

/* Finite-width simulation: random fully connected networks, weights
 * N(0, 1/fan_in), no biases, the normalized activation, GSL mt19937. */
typedef struct {
    long width;           /* W (default 500) */
    long depth;           /* layers 1..depth (default 5) */
    long dim;             /* input dimension (0: = width) */
    long trials;          /* independent networks (default 100) */
    unsigned long seed;   /* default 1 */
    double level;         /* confidence level of the intervals (default 0.99) */
} da_sim_pair_opts;
void da_sim_pair_opts_init(da_sim_pair_opts *o);

typedef struct {
    long layer;
    double theory, theory_err;  /* f^{o layer}(rho) (ball midpoint and radius) */
    double mean, sd;            /* cosine of the layer representations over trials */
    double ci_lo, ci_hi;        /* normal-approximation interval at level */
    int inside;                 /* theory within [ci_lo - err, ci_hi + err] */
} da_sim_layer;

/* Two unit inputs with correlation rho; rows has depth + 1 entries
 * (layer 0 is the input). */
int da_sim_pair(da_sim_layer *rows, const da_act *act, double rho,
                const da_sim_pair_opts *o);

typedef struct {
    long layer;
    double max_abs_dev;     /* max_{i<j} |mean_ij - theory_ij| */
    double rms_dev;         /* root mean square of the same */
    double max_z;           /* max_{i<j} |mean_ij - theory_ij| / standard error */
    double inside_share;    /* share of the pairs whose interval holds the theory */
} da_sim_gram_layer;

/* The empirical Gram matrix (cosines of the layer representations) of a
 * data set at finite width, averaged over trials, beside the
 * infinite-width NNGP matrix; rows has depth + 1 entries. */
int da_sim_gram(da_sim_gram_layer *rows, const da_act *act, const da_gram_data *data,
                const da_sim_pair_opts *o);

/* ------------------------------------------------------------------ */
/* 4. Analyses: kernel shaping                                        */
/* ------------------------------------------------------------------ */

/* Kernel shaping (docs/analysis.md, "Kernel shaping"): a transformed
 * activation gamma (sigma(alpha x + beta) + delta) chosen so that the
 * correlation map C of the whole network, L layers of Dense(1, 0) and
 * the transformed activation with Q(1) = E[sigma~(Z)^2] = 1 (so that
 * q stays 1), is the composition c^{oL} of the local map c and meets
 * the targets of
 *   TAT (Zhang et al. 2022) for leaky ReLU: sigma~ = gamma leaky_s with
 *     gamma = sqrt(2/(1 + s^2)) and the negative slope s in (0, 1) such
 *     that C(0) = eta (the unknown is s; alpha = 1, beta = delta = 0);
 *     C'(1) = 1 exactly for every s
 *     (s in [0, 1) as deepmind/dks: C(0) decreases in s from the ReLU
 *     network's value, the refusal bound);
 *   DKS (Martens et al. 2021) for relu: sigma~ = gamma (relu(alpha x + 1)
 *     + delta) (beta = 1 fixed, as deepmind/dks does for ReLU when
 *     zeta^(1/L) < 1.4669), delta = -E relu(alpha Z + 1) (C(0) = 0),
 *     gamma = 1/sd relu(alpha Z + 1) (Q(1) = 1) and alpha > 0 such that
 *     c'(1) = zeta^(1/L), i.e. C'(1) = zeta;
 *   DKS for tanh: sigma~ = gamma (tanh(alpha x + beta) + delta), delta
 *     and gamma as for relu, and the two unknowns alpha > 0, beta > 0
 *     with Q'(1) = 1 and c'(1) = zeta^(1/L) (deepmind/dks's conditions;
 *     (alpha, -beta) gives the same kernel).
 * The unknown is proved by a Krawczyk step in Arb ball arithmetic over
 * the closed-form local map and its derivative in the unknown (tanh: a
 * 2x2 Krawczyk step over Gaussian moments of tanh enclosed by
 * acb_calc_integrate; docs/numerics.md, "Kernel shaping"): a unique root
 * in the ball.  The
 * formula rounds the parameters to opts.digits significant digits, and
 * the achieved C(0), C'(1) are those of that printed formula, computed
 * through its dual (da_dual, raw, or da_netk at the layers' variances)
 * composed L times. */
enum { DA_SHAPE_TAT = 0, DA_SHAPE_DKS = 1 };
typedef struct {
    long depth;        /* L >= 1, at most 10000 (default 10; about 1 s of
                          CPU per 1000 layers for TAT) */
    long digits;       /* radius goal 10^-digits of the parameters, and the
                          significant digits of the formula's (default 20,
                          1 to 100) */
} da_shape_opts;
void da_shape_opts_init(da_shape_opts *o);

typedef struct {
    int method;                  /* DA_SHAPE_TAT or DA_SHAPE_DKS */
    long depth;
    da_ball_struct target;       /* eta (TAT) or zeta (DKS) */
    da_ball_struct slope;        /* TAT: the negative slope s; DKS: NaN */
    da_ball_struct alpha, beta;  /* input scale and shift */
    da_ball_struct gamma, delta; /* output scale and shift */
    char formula[512];           /* the transformed activation, a formula in x
                                    with the parameters rounded */
    da_ball_struct c0, c1prime;  /* C(0), C'(1) of the printed formula's network */
    int rigorous;                /* 1: every ball above is proved */
    char bound_reason[200];      /* why not, "" when rigorous */
} da_shape_result;
/* init sets every ball to NaN +- Inf (precision 64); clear frees them. */
void da_shape_result_init(da_shape_result *r);
void da_shape_result_clear(da_shape_result *r);
/* Solve method for act ("leaky_relu" with TAT, "relu" or "tanh" with
 * DKS) at the target ball (eta in (0, 1); zeta > 1).  DA_OK;
 * DA_EACCURACY when a radius exceeds 10^-digits (the balls are valid,
 * wider); DA_EINVAL (an activation the method does not shape, depth or
 * digits out of range, a target outside its range); DA_EDOM when the
 * target is not reachable at this depth (TAT: eta proved at least the
 * C(0) of the plain ReLU network; DKS relu: no alpha in [0.01, 1e6]
 * reaches zeta^(1/L)); DA_EACCURACY with rigorous = 0 when the Krawczyk
 * test failed (the parameters are then estimates), or with an empty
 * formula and the reason in bound_reason when nothing was solved (TAT:
 * eta too close to the ReLU network's C(0) to decide; tanh: Newton's
 * method found no root). */
int da_shape_solve(da_shape_result *r, const char *act, int method, const da_ball target,
                   const da_shape_opts *o);
/* "tat", "dks" */
const char *da_shape_method_name(int method);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_ANALYSIS_H */

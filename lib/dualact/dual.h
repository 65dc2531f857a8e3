/* dualact/dual.h -- stage 3: dual activations, kernel maps over depth, network
 * kernels at general variances, mean-field signal propagation.
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_DUAL_H
#define DUALACT_DUAL_H

#include "dualact/act.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 3. Dual activation                                                 */
/* ------------------------------------------------------------------ */

/* The dual activation f(rho) = E[s(X) s(Y)], corr(X, Y) = rho, of s = the
 * normalized activation (default) or of sigma itself (raw), and its
 * derivatives, by a closed form when the activation has one (relu, step,
 * sign, abs, leaky_relu, relu_normalized, erf, sin, cos, exp, gaussian,
 * identity, hermite(k); polynomials exactly by their finite series), by
 * the Hermite series with the Parseval tail bound otherwise.  See
 * docs/dual.md. */
typedef struct da_dual da_dual;

typedef enum {
    DA_DUAL_AUTO = 0,     /* closed form when known, else the series, and near
                             rho = 1 the direct quadrature where the series
                             falls short */
    DA_DUAL_SERIES = 1,   /* always the Hermite series alone (no closed form,
                             no direct quadrature near rho = 1) */
    DA_DUAL_CLOSED = 2    /* closed form or DA_EINVAL */
} da_dual_method_t;

typedef struct {
    long digits;            /* target absolute error 10^-digits (default 30) */
    int raw;                /* 0: normalized sigma (default); 1: sigma itself */
    da_dual_method_t method;
    long degree;            /* series degree N; 0: automatic (default) */
    double rho_max;         /* the series aims at the digits for |rho| <= rho_max
                               (default 1; lower it to save time) */
} da_dual_opts;

void da_dual_opts_init(da_dual_opts *o);
/* Prepare the dual of act (which must outlive *d).  DA_EINVAL, DA_EDOM
 * (zero variance when normalized), DA_ENOMEM.  The accuracy actually
 * reached is judged at each evaluation. */
int da_dual_new(da_dual **d, const da_act *act, const da_dual_opts *opts);
void da_dual_free(da_dual *d);
const char *da_dual_method(const da_dual *d);  /* "closed form (relu)", ... */
/* The closed form in use ("relu", "leaky_relu(0.2)", "hermite(3)", ...),
 * or "" when the series is. */
const char *da_dual_closed_form(const da_dual *d);
long da_dual_degree(const da_dual *d);         /* series degree, -1 if closed */
mpfr_prec_t da_dual_prec(const da_dual *d);    /* working precision, bits */
int da_dual_normalized(const da_dual *d);
long da_dual_digits(const da_dual *d);
/* 1 when every radius da_dual_eval returns is a proof: a closed form, or
 * the series over rigorous Hermite coefficients (da_hermite.rigorous);
 * 0 for an estimate, with the reason in da_dual_bound_reason(). */
int da_dual_rigorous(const da_dual *d);
const char *da_dual_bound_reason(const da_dual *d);   /* "" when rigorous */

/* r = f^(k)(rho), k = 0, 1, 2, for a ball rho (|rho| <= 1 up to its
 * radius); the input radius is propagated.  Returns DA_OK;
 * DA_EACCURACY when the radius of r exceeds 10^-digits (r still valid),
 * also when r is not enclosed (NaN +- Inf, or an infinite radius: f'(1)
 * of an activation whose E sigma'^2 was not enclosed, for instance);
 * DA_EINFINITE when the derivative is infinite (sigma' of an activation
 * that jumps, at rho = +-1), r = +-Inf; DA_EDOM when rho lies outside
 * [-1, 1]; DA_EINVAL. */
int da_dual_eval(da_ball r, const da_dual *d, const da_ball rho, int k);
/* Double precision, fast (Horner on the truncated series or the closed
 * form): *r = f^(k)(rho).  *err (if err is not NULL) bounds the absolute
 * error: the series bound is rigorous; for closed forms it assumes libm's
 * functions are accurate to 4 ulp.  DA_OK; DA_EDOM for rho outside
 * [-1, 1] (*r NaN, *err Inf); DA_EINFINITE when infinite (*r +-Inf);
 * DA_EINVAL (k outside 0..2). */
int da_dual_eval_d(double *r, double *err, const da_dual *d, double rho, int k);

/* ------------------------------------------------------------------ */
/* 3. Kernel maps over depth                                          */
/* ------------------------------------------------------------------ */

/* Iterated kernel maps: rho_l = f(rho_{l-1}) (NNGP / conjugate kernel),
 * and the NTK Theta_l = Theta_{l-1} f'(rho_{l-1}) + rho_l, Theta_0 = rho_0,
 * normalized ntk_l = Theta_l(rho) / Theta_l(1).  Every entry is a ball;
 * errors are propagated through the layers. */
typedef struct {
    long depth;
    size_t n;                  /* starting points */
    int has_ntk;
    da_ball_struct *rho;       /* (depth+1) * n, entry [l * n + i] */
    da_ball_struct *theta;     /* Theta_l(rho_0,i), same layout (has_ntk) */
    da_ball_struct *theta1;    /* Theta_l(1), depth+1 (has_ntk) */
    da_ball_struct *ntk;       /* theta / theta1, same layout (has_ntk) */
    da_ball_struct *limit;     /* n: the stable fixed point nearest rho_depth */
    int *has_limit;            /* n */
    da_ball_struct *ratio;     /* (rho_l - limit)/(rho_{l-1} - limit), l >= 1;
                                  NaN +- Inf where undefined */
    int status;                /* DA_OK or DA_EACCURACY (some radius above target) */
} da_kmap;

int da_kmap_iterate(da_kmap **out, const da_dual *d, const da_ball_struct *rho0,
                    size_t n, long depth, int ntk);
/* The same in double for one starting point (da_dual_eval_d; no error
 * figure: for plots): rho[l] = rho_l and ntk[l] = Theta_l(rho0)/Theta_l(1),
 * l = 0..depth (either may be NULL).  DA_EINVAL for depth outside
 * [0, 1000000], before anything is written. */
int da_kmap_iterate_d(double *rho, double *ntk, const da_dual *d, double rho0, long depth);
void da_kmap_free(da_kmap *k);

/* Fixed points of f in [-1, 1] (sign changes of f(rho) - rho on a grid of
 * 2000 cells, refined by ball bisection, plus -1, 0, 1 when f(rho) - rho
 * vanishes there within the error bound; tangential roots between grid
 * points are not seen). */
enum { DA_FP_STABLE = 0, DA_FP_UNSTABLE = 1, DA_FP_MARGINAL = 2 };
typedef struct {
    da_ball_struct rho;
    da_ball_struct slope;      /* f'(rho*) (+Inf when infinite) */
    int stability;             /* |slope| < 1, > 1, or undecided / = 1 */
} da_fixed_point;
int da_kmap_fixed_points(da_fixed_point **fp, size_t *n, const da_dual *d);
void da_kmap_fixed_points_free(da_fixed_point *fp, size_t n);

/* Asymptotic rates and the Joudaki-Hofmann class of kappa = f / f(1). */
enum {
    DA_JH_TO_ZERO = 0,   /* kappa(0) = 0: rho -> 0 at rate kappa'(0) */
    DA_JH_TO_ONE = 1,    /* kappa(0) > 0, kappa'(1) < 1: rho -> 1 at rate kappa'(1) */
    DA_JH_SLOW = 2,      /* kappa'(1) = 1: O(1/l) convergence to 1 */
    DA_JH_INTERIOR = 3,  /* kappa(0) > 0, kappa'(1) > 1: a unique fixed point in (0, 1) */
    DA_JH_UNDECIDED = 4  /* the bounds do not separate the cases */
};
typedef struct {
    da_ball_struct kappa0;     /* kappa(0) = f(0)/f(1) */
    da_ball_struct rate0;      /* kappa'(0) = f'(0)/f(1)  (a_1^2 when normalized) */
    da_ball_struct rate1;      /* kappa'(1) = f'(1)/f(1)  (beta when normalized) */
    int rate1_infinite;
    int jh_case;
} da_kmap_rates;
/* r initialised with da_kmap_rates_init (its balls take the dual's working
 * precision) and cleared with da_kmap_rates_clear, whatever the status.
 * DA_OK; DA_EACCURACY when an evaluation of the dual fell short of its
 * digits (the balls are valid, wider); DA_EDOM when the ball of
 * f(1) = E[sigma^2] contains 0, so kappa = f / f(1) is undefined, and the
 * other errors of da_dual_eval: then the balls are NaN +- Inf and jh_case
 * is DA_JH_UNDECIDED. */
void da_kmap_rates_init(da_kmap_rates *r);
int da_kmap_rates_compute(da_kmap_rates *r, const da_dual *d);
void da_kmap_rates_clear(da_kmap_rates *r);
const char *da_kmap_jh_text(int jh_case);

/* ------------------------------------------------------------------ */
/* 3. Network kernels at general variances                            */
/* ------------------------------------------------------------------ */

/* The dual at general variances (docs/numerics.md section 7): for (u, v)
 * Gaussian with Var u = q1, Var v = q2, Cov(u, v) = c,
 *     E[s(u) s(v)]   = sum_k a_k(q1) a_k(q2) rho^k,        rho = c/sqrt(q1 q2),
 *     E[s'(u) s'(v)] = sum_k k a_k(q1) a_k(q2) rho^(k-1) / sqrt(q1 q2),
 * with a_k(q) the Hermite coefficients of x -> s(sqrt(q) x) (from
 * da_hermite_compute), truncated with the proved Cauchy-Schwarz bound
 * sqrt(T1 T2) |rho|^(N+1) on the Parseval tails.  s is sigma as given
 * (default) or the normalized sigma of the paper (normalized = 1).
 * Closed forms (ball arithmetic) for identity, relu, step, sign, abs,
 * leaky_relu, erf, gelu, sin, cos, exp, gaussian and any A f(B x) + C
 * of them (sqrt(2)*relu(x), erf(3*x), 0.5*erf(x/2.4)+0.5).  The radii of the variance balls
 * are carried by a proved mean-value bound on the series path (docs/dual.md;
 * an estimate, said by da_netk_rigorous, where sigma may jump away from 0
 * or has no growth envelope), by ball arithmetic in the closed forms. */
typedef struct da_netk da_netk;
typedef struct {
    long digits;              /* target absolute error 10^-digits (default 30) */
    int normalized;           /* 1: the normalized sigma (default 0: sigma as given) */
    da_dual_method_t method;  /* auto (default), series, closed */
} da_netk_opts;
void da_netk_opts_init(da_netk_opts *o);
/* act must outlive *k.  DA_EINVAL (no closed form when method = closed),
 * DA_EDOM (zero variance when normalized). */
int da_netk_new(da_netk **k, const da_act *act, const da_netk_opts *o);
void da_netk_free(da_netk *k);
const char *da_netk_method(const da_netk *k);
/* 1 when a closed form is used */
int da_netk_closed(const da_netk *k);
/* 1 when every radius k has returned so far is a proof: the closed
 * forms, and the series over rigorous Hermite coefficients
 * (da_hermite.rigorous) with the proved bound of the variances' radii
 * (docs/dual.md); 0 for an estimate, with the reason in
 * da_netk_bound_reason() ("" when rigorous).  Once 0, it stays 0 for k. */
int da_netk_rigorous(const da_netk *k);
const char *da_netk_bound_reason(const da_netk *k);
/* r = E[s(u) s(v)] (deriv = 0) or E[s'(u) s'(v)] (deriv = 1) for balls
 * q1, q2 > 0 and c with c^2 <= q1 q2.  DA_OK, DA_EACCURACY (r valid,
 * radius above 10^-digits), DA_EINFINITE (deriv = 1 of an activation that
 * jumps, on the diagonal; r = +Inf), DA_EDOM, DA_EINVAL. */
int da_netk_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2, const da_ball c,
                 int deriv);
/* The diagonal u = v, Var u = q: E[s(u)^2] or E[s'(u)^2]. */
int da_netk_diag(da_ball r, da_netk *k, const da_ball q, int deriv);
/* Double precision (through the ball path at 10^-digits): *r the value,
 * *err (if not NULL) a bound on its error.  q1 == q2 == c is the
 * diagonal.  The statuses of da_netk_eval; *r is NaN (*err Inf) on an
 * error other than DA_EACCURACY and DA_EINFINITE. */
int da_netk_eval_d(double *r, double *err, da_netk *k, double q1, double q2, double c,
                   int deriv);

/* Network kernels of Dense(sw2, sb2), then depth blocks (activation,
 * Dense(sw2, sb2)), on two inputs given by their input kernel
 * q1 = x.x/d, q2 = x'.x'/d, c = x.x'/d.  Layer 0 is after the first Dense.
 * NNGP: K <- sw2 K_in + sb2, then K <- sw2 E[s(u) s(v)] + sb2 per block.
 * NTK parameterisation (Jacot et al. 2018, neural-tangents' default):
 * Theta_0 = K_0, Theta <- K_new + sw2 E[s'(u) s'(v)] Theta.  Standard
 * parameterisation as neural-tangents' stax.Dense(parameterization =
 * "standard") defines it: Theta_0 = dim c + bias, Theta <- width E[s(u) s(v)]
 * + sw2 E[s'(u) s'(v)] Theta + bias (bias = 1 when the layers have
 * biases); the NNGP is the same in both. */
enum { DA_NETK_PARAM_NTK = 0, DA_NETK_PARAM_STANDARD = 1 };
typedef struct {
    long depth;               /* blocks L (default 1) */
    da_ball_struct sw2, sb2;  /* initialized by the caller */
    int param;                /* DA_NETK_PARAM_NTK (default) or _STANDARD */
    long width;               /* hidden width (standard only) */
    long dim;                 /* input dimension d (standard only) */
    int bias;                 /* 1 (default): the Dense layers have biases */
    int identical;            /* 1: x = x' (c = q1 = q2 exactly, whatever the
                                 radii); also assumed when the three balls are
                                 exact and equal (default 0) */
} da_netk_net;
/* Sets everything but sw2 and sb2. */
void da_netk_net_init(da_netk_net *n);
typedef struct {
    long layer;
    da_ball_struct q1, q2;    /* K(x, x), K(x', x') */
    da_ball_struct nngp;      /* K(x, x') */
    da_ball_struct ntk;       /* Theta(x, x') */
} da_netk_layer;
/* rows has depth + 1 entries, each initialised with da_netk_layer_init
 * and cleared with da_netk_layer_clear, whatever the status; their balls
 * take the kernel's working precision.  DA_EINVAL for a depth outside
 * [0, 100000] (the engine's cap), before anything is written. */
void da_netk_layer_init(da_netk_layer *row);
int da_netk_network(da_netk_layer *rows, da_netk *k, const da_netk_net *n,
                    const da_ball q1, const da_ball q2, const da_ball c);
void da_netk_layer_clear(da_netk_layer *row);

/* The double-precision path (an estimate: double rounding, no proof).
 * da_netk_fast: 1 when the activation has a closed form this path knows
 * (every closed form of da_netk_eval without a shift C).
 * da_netk_eval_fast: *r = E[s(u) s(v)] or E[s'(u) s'(v)] as da_netk_eval_d,
 * by the closed form in double (about 50 ns); *err an estimate (32 ulp of
 * the magnitudes, plus asin's condition near |rho| = 1).  DA_EINVAL (*r
 * NaN) when !fast or deriv is not 0 or 1, DA_EDOM for a negative variance. */
int da_netk_fast(const da_netk *k);
int da_netk_eval_fast(double *r, double *err, const da_netk *k, double q1, double q2, double c,
                      int deriv);
/* The NNGP and NTK matrices (n1 x n2, row-major) of the network of
 * da_netk_network (sw2, sb2 midpoints; param, width, bias; dim is the
 * column count of X1 and X2, rows unnormalized) on X1 (n1 x dim) and X2
 * (n2 x dim; NULL: X2 = X1, the diagonal then exactly x = x'), in double:
 * the closed form when da_netk_fast, else da_netk_eval_d per entry.
 * ntk may be NULL.  *err (if not NULL) is an ESTIMATE of the error of
 * the entries relative to sqrt(K(x,x) K(x',x')): (depth + 1) times the
 * largest error estimate of one layer's kernel evaluations relative to
 * sqrt(E s(u)^2 E s(v)^2) (it ignores growth through sw2 E[s'(u)s'(v)] > 1).  DA_EINVAL, DA_ENOMEM, DA_EDOM (NaN). */
int da_netk_matrix_d(double *nngp, double *ntk, double *err, da_netk *k, const da_netk_net *n,
                     const double *X1, size_t n1, const double *X2, size_t n2, size_t dim);

/* The kernel-matrix engine (docs/numerics.md section 7.2): the NNGP and
 * NTK matrices (n1 x n2, row-major) of the network of da_netk_network
 * (sw2, sb2 midpoints; param, width, bias; depth blocks) on the rows of
 * X1 (n1 x dim) and X2 (n2 x dim; NULL: X2 = X1, the diagonal then
 * exactly x = x'), in double, every entry with an error bound.  Per
 * layer the Hermite coefficients of x -> s(sqrt(q_i) x) are computed once
 * for each of the n variances q_i (the diagonal; interpolated in q when
 * there are 48 or more), and every entry is a
 * series sum_k a_k(q_i) a_k(q_j) rho^k truncated where the tails say;
 * activations with a closed form at general variances (da_netk_fast) use
 * it.  nngp_err and ntk_err (either may be NULL; ntk and ntk_err may be
 * NULL together) get per-entry error bounds, rounded upwards to single
 * precision.  They are ESTIMATES (docs/numerics.md 7.2: the quadrature
 * and interpolation errors of the coefficients are estimated, their
 * rounding follows a probabilistic model); info->reason says so.  For
 * X2 = NULL and no layer callback the error arrays are written only at
 * the end, so the memory of a call is the two value matrices (and the
 * coefficient tables) until then.  Threads: OpenMP over
 * blocks of rows (threads = 0: OpenMP's default, 1: none); the results do
 * not depend on the thread count.  poll (if not NULL) is called by the
 * calling thread between blocks with the fraction done; a nonzero return
 * stops the work with DA_EINTR (the outputs are then incomplete).
 * DA_EINVAL (sizes, depth above 100000, data not finite, sw2 or sb2
 * negative), DA_EDOM (a zero variance, sigma not square integrable),
 * DA_ENOMEM, DA_EINTR.  k is only read: one da_netk may serve several
 * threads calling this function at once. */
typedef struct {
    int threads;                              /* 0 (default): all; 1: one */
    int (*poll)(void *ctx, double fraction);  /* NULL (default) */
    void *ctx;
    /* NULL (default), or called after every layer l = 0 .. depth with the
       matrices of that layer (ntk and its error NULL when not asked for);
       a nonzero return stops the work with that status */
    int (*layer)(void *ctx, long l, const double *nngp, const float *nngp_err,
                 const double *ntk, const float *ntk_err);
} da_netk_mopts;
void da_netk_mopts_init(da_netk_mopts *o);
typedef struct {
    int rigorous;          /* 0: the bounds are estimates */
    char reason[240];      /* why they are not proofs */
    long terms;            /* the longest series summed (0: closed form) */
    double max_rel_err;    /* the largest nngp_err / sqrt(K(x,x) K(x',x')) */
} da_netk_minfo;
int da_netk_matrix(double *nngp, float *nngp_err, double *ntk, float *ntk_err,
                   da_netk_minfo *info, const da_netk *k, const da_netk_net *n,
                   const double *X1, size_t n1, const double *X2, size_t n2, size_t dim,
                   const da_netk_mopts *o);

/* ------------------------------------------------------------------ */
/* 3. Mean-field signal propagation                                   */
/* ------------------------------------------------------------------ */

/* Mean-field signal propagation (Poole et al. 2016, Schoenholz et al.
 * 2017): proved enclosures where the proof goes through (rigorous = 1),
 * otherwise double precision with error estimates (see docs/dual.md):
 * weights N(0, sw2/width), biases N(0, sb2); sigma as given, or the
 * normalized sigma when normalized = 1. */
typedef struct da_meanfield da_meanfield;
int da_meanfield_new(da_meanfield **mf, const da_act *act, int normalized);
void da_meanfield_free(da_meanfield *mf);
/* E[s(u) s(v)] (deriv = 0) or E[s'(u) s'(v)] (deriv = 1), Var u = q1,
 * Var v = q2, Cov(u, v) = c.  DA_EINFINITE for deriv = 1 when s jumps. */
int da_meanfield_kernel(double *val, double *err, const da_meanfield *mf,
                        double q1, double q2, double c, int deriv);
enum { DA_PHASE_ORDERED = 0, DA_PHASE_CHAOTIC = 1, DA_PHASE_CRITICAL = 2,
       DA_PHASE_UNBOUNDED = 3 };
typedef struct {
    double sw2, sb2;
    double q, q_err;           /* q* (INFINITY when the length map diverges) */
    double c, c_err;           /* c*, the stable fixed point of the correlation map */
    double chi1, chi1_err;     /* sw2 E[s'(sqrt(q*) Z)^2] */
    double chic, chic_err;     /* slope of the correlation map at c* */
    double xi_q, xi_q_err;     /* -1/ln(slope of the length map at q*) */
    double xi_c, xi_c_err;     /* -1/ln chic (INFINITY at criticality) */
    int phase;
    /* 1: every ball above is a proved enclosure; 0: double estimates, for
       the reason in bound_reason */
    int rigorous;
    char bound_reason[200];
    double xi_q_lo, xi_c_lo;   /* proved lower bounds when xi is INFINITY */
} da_mf_point;
int da_meanfield_point(da_mf_point *r, const da_meanfield *mf, double sw2, double sb2);
/* The same to an absolute accuracy of 10^-digits in every ball, for sw2
 * and sb2 given as balls (e.g. exact decimals, da_depth_parse_decimal): the
 * proofs of da_meanfield_point run at a working precision chosen from
 * digits (and the conditioning of c* and the depth scales), raised once
 * when the first try falls short.  b (initialised with
 * da_mf_balls_init, cleared with da_mf_balls_clear) gets q*, c*, chi_1,
 * chi_c, xi_q, xi_c; a depth scale that is unbounded has an infinite
 * midpoint (r->xi_*_lo its lower bound), one that does not exist NaN.
 * r is as da_meanfield_point (its doubles rounded from b when
 * r->rigorous; otherwise the double estimates, which b then holds too).
 * DA_OK when every finite ball of b has radius <= 10^-digits,
 * DA_EACCURACY otherwise (the balls are valid, wider), DA_EINVAL for bad
 * input. */
typedef struct {
    da_ball_struct q, c, chi1, chic, xi_q, xi_c;
} da_mf_balls;
void da_mf_balls_init(da_mf_balls *b);
void da_mf_balls_clear(da_mf_balls *b);
int da_meanfield_point_balls(da_mf_point *r, da_mf_balls *b, const da_meanfield *mf,
                             const da_ball sw2, const da_ball sb2, long digits);
/* The sw2 where chi_1 = 1 for this sb2 (searched in [1e-3, 1e3]), by the
 * double path: an estimate, fast (plots); DA_EDOM when there is none. */
int da_meanfield_critical(double *sw2, double *err, const da_meanfield *mf, double sb2);
/* The same with its bound kind: *rigorous = 1 when [sw2 - err, sw2 + err]
 * is a proved bracket of the critical point; otherwise reason (if not
 * NULL, at least 200 bytes) names the piece that is an estimate. */
int da_meanfield_critical_b(double *sw2, double *err, int *rigorous, char *reason,
                            const da_meanfield *mf, double sb2);
/* The critical sw2 at the sb2 ball to an absolute accuracy of
 * 10^-digits, as a ball (initialised by the caller, any precision):
 * *rigorous = 1 when it is a proved bracket; otherwise the double
 * estimate, with the reason (reason at least 200 bytes, or NULL).
 * DA_OK, DA_EACCURACY (the ball is wider than asked), DA_EDOM (no
 * critical point found). */
int da_meanfield_critical_ball(da_ball sw2, int *rigorous, char *reason,
                               const da_meanfield *mf, const da_ball sb2, long digits);
/* "ordered", "chaotic", "critical", "unbounded" (DA_PHASE_*) */
const char *da_meanfield_phase_name(int phase);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_DUAL_H */

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
#include <stdio.h>
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
/* b as text, printing only what it vouches for.  val gets the midpoint
 * rounded to at most `digits` decimals after the point (absolute
 * accuracy 10^-digits), fewer when the radius is larger: in scientific
 * notation with DA_BALL_SCI ("9.8040366242e-01", "0" when the ball
 * holds nothing but noise at that accuracy), with the decimals as fixed
 * point with DA_BALL_FIXED ("0.9804", never "-0.0000").  err (unless
 * NULL) gets an upper bound, in three digits ("5.09e-12"), of |printed
 * value - any point of b| with DA_BALL_SCI, of the radius with
 * DA_BALL_FIXED.  Non-numbers print as "nan"
 * (err "inf") and infinite midpoints as "inf" / "-inf".  Outputs are
 * truncated to their lengths (vlen >= 32 keeps every style intact). */
enum { DA_BALL_SCI = 0, DA_BALL_FIXED = 1 };
void da_ball_get_str(char *val, size_t vlen, char *err, size_t elen, const da_ball b,
                     long digits, int style);
/* An upper bound of every point of b as text: mid + rad rounded upwards,
 * in scientific notation with `digits` digits after the point, also
 * rounded upwards ("1.234568e-03" for 6).  Non-numbers print as "nan".
 * Truncated to vlen. */
void da_ball_get_upper_str(char *val, size_t vlen, const da_ball b, long digits);

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
/* The order-th derivative (0 <= order <= 16), simplified, as a formula in
 * x (latex = 0) or as LaTeX (latex = 1); *out is malloc'd. */
int da_act_diff_text(char **out, const da_act *act, int order, int latex);

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

/* Release every cache the library holds (rules, constants; MPFR's caches
 * of the calling thread).  Call it only while no other thread is inside a
 * libdualact function (e.g. after joining the workers): it frees rules
 * that a running computation may be reading.  The library may be used
 * again afterwards.  Threads that used the library release their MPFR
 * caches when they exit, without a call. */
void da_free_cache(void);

/* Progress of long computations in the calling thread: once one has run
 * for a second, fn(ctx, what, count, seconds) is called at most twice a
 * second (what names the work, e.g. "quadrature intervals"; count is how
 * much is done; seconds since it started), and once more with count = -1
 * when it ends.  fn = NULL (the default) turns it off.  The library never
 * prints; the command-line tool's fn writes to a terminal. */
typedef void (*da_progress_fn)(void *ctx, const char *what, long count, double seconds);
void da_progress_set(da_progress_fn fn, void *ctx);
/* A time limit for the calling thread: the proved computations that run
 * after this call stop once `seconds` have passed (each also has its own
 * budget of 60 s), returning DA_EACCURACY with proved but wider results.
 * seconds <= 0 removes the limit. */
void da_set_time_limit(double seconds);

/* ------------------------------------------------------------------ */
/* Reports: tables                                                    */
/* ------------------------------------------------------------------ */

/* A table of strings, rendered for papers (LaTeX booktabs), READMEs
 * (Markdown), scripts (CSV, JSON) or the terminal. */
typedef struct da_table da_table;
typedef enum {
    DA_TABLE_TEXT = 0,
    DA_TABLE_CSV = 1,
    DA_TABLE_MARKDOWN = 2,
    DA_TABLE_LATEX = 3,
    DA_TABLE_JSON = 4
} da_table_format;

da_table *da_table_new(int ncols, const char *const *head);
void da_table_free(da_table *t);
/* cells: ncols strings (NULL for an empty cell), copied */
int da_table_add_row(da_table *t, const char *const *cells);
/* the header of column col in LaTeX output (used verbatim, e.g. "$\\mu$");
 * NULL returns to the escaped plain header */
int da_table_set_head_tex(da_table *t, int col, const char *tex);
/* provenance line: a comment in CSV/LaTeX/text, a field in JSON */
int da_table_set_comment(da_table *t, const char *comment);
/* *out is malloc'd; the caller frees it */
int da_table_render(char **out, const da_table *t, da_table_format fmt);
/* s as a JSON string, quotes included, to f: '"', '\\' and control
 * characters escaped, bytes that are not UTF-8 written as U+FFFD.
 * Returns 0, or nonzero when a write failed. */
int da_json_write_str(FILE *f, const char *s);

/* ------------------------------------------------------------------ */
/* Learnability: degree spectrum of deep random networks              */
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
/* 3. Dual activation and kernel maps                                 */
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
    DA_DUAL_AUTO = 0,     /* closed form when known, else series */
    DA_DUAL_SERIES = 1,   /* always the Hermite series */
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
 * DA_EACCURACY when the radius of r exceeds 10^-digits (r still valid);
 * DA_EINFINITE when the derivative is infinite (sigma' of an activation
 * that jumps, at rho = +-1), r = +-Inf; DA_EDOM when rho lies outside
 * [-1, 1]; DA_EINVAL. */
int da_dual_eval(da_ball r, const da_dual *d, const da_ball rho, int k);
/* Double precision, fast (Horner on the truncated series or the closed
 * form).  *err (if err is not NULL) bounds the absolute error: the series
 * bound is rigorous; for closed forms it assumes libm's functions are
 * accurate to 4 ulp.  NaN for rho outside [-1, 1]; Inf when infinite. */
double da_dual_eval_d(const da_dual *d, double rho, int k, double *err);

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
 * l = 0..depth (either may be NULL). */
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
int da_kmap_rates_compute(da_kmap_rates *r, const da_dual *d);
void da_kmap_rates_clear(da_kmap_rates *r);
const char *da_kmap_jh_text(int jh_case);

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
 * of them (sqrt(2)*relu(x), erf(3*x), 0.5*erf(x/2.4)+0.5).  The radii of the variance balls are
 * propagated to first order with estimated derivatives on the series
 * path (see docs/dual.md); the closed forms propagate them rigorously. */
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
/* r = E[s(u) s(v)] (deriv = 0) or E[s'(u) s'(v)] (deriv = 1) for balls
 * q1, q2 > 0 and c with c^2 <= q1 q2.  DA_OK, DA_EACCURACY (r valid,
 * radius above 10^-digits), DA_EINFINITE (deriv = 1 of an activation that
 * jumps, on the diagonal; r = +Inf), DA_EDOM, DA_EINVAL. */
int da_netk_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2, const da_ball c,
                 int deriv);
/* The diagonal u = v, Var u = q: E[s(u)^2] or E[s'(u)^2]. */
int da_netk_diag(da_ball r, da_netk *k, const da_ball q, int deriv);
/* Double precision (through the ball path at 10^-digits): NaN on error;
 * *err (if not NULL) bounds the error.  q1 == q2 == c is the diagonal. */
double da_netk_eval_d(da_netk *k, double q1, double q2, double c, int deriv, double *err);

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
/* rows has depth + 1 entries, initialized here (clear each with
 * da_netk_layer_clear) unless an error other than DA_EACCURACY is
 * returned. */
int da_netk_network(da_netk_layer *rows, da_netk *k, const da_netk_net *n,
                    const da_ball q1, const da_ball q2, const da_ball c);
void da_netk_layer_clear(da_netk_layer *row);

/* The double-precision path (an estimate: double rounding, no proof).
 * da_netk_fast: 1 when the activation has a closed form this path knows
 * (every closed form of da_netk_eval without a shift C).
 * da_netk_eval_fast: E[s(u) s(v)] or E[s'(u) s'(v)] as da_netk_eval_d, by
 * the closed form in double (about 50 ns); *err an estimate (32 ulp of the
 * magnitudes, plus asin's condition near |rho| = 1).  NaN when !fast. */
int da_netk_fast(const da_netk *k);
double da_netk_eval_fast(const da_netk *k, double q1, double q2, double c, int deriv,
                         double *err);
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
/* The sw2 where chi_1 = 1 for this sb2 (searched in [1e-3, 1e3]), by the
 * double path: an estimate, fast (plots); DA_EDOM when there is none. */
int da_meanfield_critical(double *sw2, double *err, const da_meanfield *mf, double sb2);
/* The same with its bound kind: *rigorous = 1 when [sw2 - err, sw2 + err]
 * is a proved bracket of the critical point; otherwise reason (if not
 * NULL, at least 200 bytes) names the piece that is an estimate. */
int da_meanfield_critical_b(double *sw2, double *err, int *rigorous, char *reason,
                            const da_meanfield *mf, double sb2);
const char *da_meanfield_phase_name(int phase);

/* ------------------------------------------------------------------ */
/* Reports: figures                                                   */
/* ------------------------------------------------------------------ */

/* A figure: one pair of axes (linear x; linear or log-scale y), line
 * series with a legend, text notes; rendered to SVG (drawn by the library,
 * no run-time dependency), to pgfplots code (a tikzpicture to \input) or
 * to a gnuplot script carrying its data.  Plot values are doubles, meant
 * for the eye: they carry no error bounds.
 *
 * Labels are UTF-8 with a small markup, "^{..}" superscript and "_{..}"
 * subscript; each setter also takes an optional LaTeX form used by the
 * pgfplots renderer (NULL: the text, escaped for LaTeX).  Points with a
 * non-finite coordinate (or y <= 0 on a log axis) break a line.  See
 * docs/plot.md. */
typedef struct da_plot da_plot;
typedef enum {
    DA_PLOT_SVG = 0,
    DA_PLOT_PGF = 1,      /* pgfplots: \begin{tikzpicture} ... */
    DA_PLOT_GNUPLOT = 2   /* data blocks + script: gnuplot FILE */
} da_plot_format;
enum {
    DA_PLOT_LEGEND_AUTO = 0,  /* the inside corner hiding no curve, else outside */
    DA_PLOT_LEGEND_NE, DA_PLOT_LEGEND_NW, DA_PLOT_LEGEND_SE, DA_PLOT_LEGEND_SW,
    DA_PLOT_LEGEND_OUTSIDE,   /* right of the axes */
    DA_PLOT_LEGEND_NONE
};
/* series style: a palette index >= 0 (colour, dash pattern, marker shape,
 * distinct for the first 8), or the thin grey dashed reference line */
#define DA_PLOT_STYLE_AUTO (-1)
#define DA_PLOT_STYLE_REF (-2)

da_plot *da_plot_new(void);          /* NULL when out of memory */
void da_plot_free(da_plot *p);
int da_plot_set_title(da_plot *p, const char *text, const char *tex);
int da_plot_set_xlabel(da_plot *p, const char *text, const char *tex);
int da_plot_set_ylabel(da_plot *p, const char *text, const char *tex);
/* provenance line: an XML comment in SVG, a comment in pgfplots/gnuplot */
int da_plot_set_comment(da_plot *p, const char *comment);
/* the file the gnuplot script writes by default (default "dualact-plot.svg") */
int da_plot_set_gnuplot_output(da_plot *p, const char *file);
/* fixed ranges; NAN for an automatic end (nice tick values).  DA_EINVAL
 * for an empty range or a non-positive one on a log axis. */
int da_plot_set_xrange(da_plot *p, double lo, double hi);
int da_plot_set_yrange(da_plot *p, double lo, double hi);
int da_plot_set_ylog(da_plot *p, int on);
int da_plot_set_legend(da_plot *p, int pos);
/* SVG size in pixels (default 640 x 440; pgfplots scales it to cm / 64) */
int da_plot_set_size(da_plot *p, int width, int height);
/* A line through (x[i], y[i]), copied; text NULL or "" keeps it out of
 * the legend.  Series are numbered 0, 1, ... in the order added; each
 * takes the next palette entry. */
int da_plot_add_series(da_plot *p, const char *text, const char *tex,
                       const double *x, const double *y, size_t n);
/* style: DA_PLOT_STYLE_AUTO (keep), DA_PLOT_STYLE_REF or a palette index;
 * markers: 1 to mark every point */
int da_plot_series_style(da_plot *p, int index, int style, int markers);
int da_plot_series_count(const da_plot *p);
/* a text at data coordinates (centred), e.g. a region's name */
int da_plot_add_note(da_plot *p, double x, double y, const char *text, const char *tex);
/* *out is malloc'd; the caller frees it */
int da_plot_render(char **out, const da_plot *p, da_plot_format fmt);
/* "Nice" ticks (1, 2, 5 times a power of 10, about target of them) for
 * [*lo, *hi]; expand = 1 widens the range to the outer ticks.  Writes at
 * most max ticks, returns their number (negative status on error). */
int da_plot_nice_ticks(double *ticks, int max, double *lo, double *hi, int target,
                       int expand);

/* ------------------------------------------------------------------ */
/* 4. Analyses: minimal depth, Gram matrices, effective ranks,        */
/*    finite-width simulation (see docs/analysis.md)                  */
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
/* mu = 1 - a_1^2 as a ball (from the dual's Hermite data or closed form) */
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
 * ("0.01" is not a binary number). prec bits.  DA_EINVAL if not a number. */
int da_depth_parse_decimal(da_ball r, const char *s, mpfr_prec_t prec);

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
 * matrices (da_netk_matrix_d) and GSL: estimates.  When n <= prove_max
 * the entries are recomputed as balls (da_netk_network) and the extreme
 * eigenvalues enclosed: lambda_min in [min_lo, min_hi], lambda_max in
 * [max_lo, max_hi], kappa in [cond_lo, cond_hi] (Cholesky of A - sI in
 * Arb for the lower bound, a Rayleigh quotient for the upper one;
 * docs/analysis.md); proved = 1 then, else NaN bounds and bound_reason
 * says why (n above the cap, a Cholesky that failed). */
typedef struct {
    size_t prove_max;     /* largest n for the proof (default 40) */
    long digits;          /* of the ball entries (default 20) */
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
/* rows has net->depth + 1 entries. */
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

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_H */

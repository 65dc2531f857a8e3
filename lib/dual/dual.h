/* dual.h -- dual activations and kernel maps over depth (internal).
 *
 *   dual.c       the da_dual object: choice of method, the Hermite series
 *                path (MPFR balls and double), ball-input propagation
 *   closed.c     closed forms of the raw duals and their derivatives,
 *                recognition of the activations that have one
 *   kmap.c       iterated correlation map and NTK, fixed points, rates
 *   meanfield.c  mean-field signal propagation in double precision
 *   direct.c     the raw dual at one rho in [0, 1) by a proved two-level
 *                quadrature, where the series converges too slowly
 *   netkernel.c  the dual at general variances (da_netk): the object and
 *                the public evaluation; its parts netk_detect.c (A f(B x)
 *                + C), netk_closed.c (closed forms in balls), netk_series.c
 *                (the Hermite series in balls), netk_network.c (NNGP and
 *                NTK layer by layer), netk_double.c and netk_matrix.c
 *                (double precision, kernel matrices) (netk_impl.h)
 *   netk_offset.c  proved bounds of || d g_t / dt || for the variance
 *                offsets of netk_series.c
 *
 * Throughout, f denotes the map being evaluated: the raw dual
 * R(rho) = E[sigma(X) sigma(Y)] or the normalized one
 * (R(rho) - R(0)) / (R(1) - R(0)); both are power series in rho with
 * non-negative coefficients, so |f^(m)(t)| <= f^(m)(|t|) and f^(m) is
 * increasing on [0, 1]. */
#ifndef DA_DUAL_INTERNAL_H
#define DA_DUAL_INTERNAL_H

#include "dualact.h"
#include "act/act.h"
#include "act/tape_ball.h"

/* direct.c: what the direct quadrature needs of sigma, made once */
typedef struct {
    const da_act *act;
    int ok;             /* 1: sigma is one analytic branch on [-60, 60] with
                           a growth envelope the tails can use */
    double M;           /* sup |sigma| on the line (upper), or INFINITY */
    double m4;          /* E sigma^4 (upper) */
    int parity;         /* 1 even, -1 odd (proved from the syntax), 0 unknown */
    da_declog log;      /* the branch (decisions of the switches) */
} da_direct;

int da_direct_setup(da_direct *dd, const da_act *act);
void da_direct_clear(da_direct *dd);
/* E[sigma(X) sigma(Y)], corr(X, Y) = rho in [0, 1) (a ball inside), into
 * r with error about 2^log2_tol; DA_OK, DA_EACCURACY (r indeterminate:
 * the time limit or no rule fitted), DA_EDOM (not applicable), DA_ENOMEM. */
int da_direct_eval(arb_t r, const da_direct *dd, const arb_t rho, double log2_tol, slong prec);

/* netk_offset.c: for g_t(x) = f(sqrt(t) x) with f = sigma (kind 0) or
 * sigma' (kind 1), an upper bound *D of sup_{t in [lo, hi]} ||d g_t/dt||
 * in L2(phi), that is of sqrt(E[X^2 f'(sqrt(t) X)^2] / (4t)), valid as a
 * Lipschitz constant of t -> g_t on [lo, hi] (the file's comment says
 * when).  DA_EDOM with *why (owned by o, valid until the next call) when
 * no proof is available for this activation or segment. */
typedef struct da_netk_off da_netk_off;
int da_netk_off_new(da_netk_off **out, const da_act *act);
void da_netk_off_free(da_netk_off *o);
int da_netk_off_dnorm(double *D, da_netk_off *o, int kind, double lo, double hi,
                      const char **why);

/* closed forms */
typedef enum {
    DA_CF_NONE = 0,
    DA_CF_IDENTITY,
    DA_CF_RELU,
    DA_CF_RELU_NORMALIZED,
    DA_CF_LEAKY,        /* alpha x + (1 - alpha) relu */
    DA_CF_ABS,
    DA_CF_STEP,
    DA_CF_SIGN,
    DA_CF_ERF,
    DA_CF_SIN,
    DA_CF_COS,
    DA_CF_EXP,
    DA_CF_GAUSSIAN,     /* exp(-x^2/2) */
    DA_CF_HERMITE       /* He_k */
} da_cf;

struct da_dual {
    const da_act *act;
    int raw;
    long digits;
    mpfr_prec_t prec;        /* working precision of midpoints */
    int use_closed;          /* evaluate by the closed form */
    da_cf cf;
    char cf_name[128];
    char method[192];
    int jump;                /* sigma jumps: f'(+-1) infinite */
    /* closed-form data */
    mpfr_t alpha;            /* leaky ReLU slope (exact decimal, rounded) */
    int alpha_inexact;
    long herm_k;
    da_ball_struct R0, R1;   /* raw R(0), R(1) */
    da_ball_struct scale;    /* R(1) - R(0) (normalized) or 1 */
    double R0d, scaled;      /* double copies */
    /* series data (N < 0 when absent) */
    long N;
    da_hermite *h;
    da_ball_struct *c;       /* c_k = a_k^2, k = 0..N */
    mpfr_t *cm[3];           /* falling(k, m) * mid(c_k), m = 0..2 */
    double *cup;             /* upper bound of c_k, double */
    double *crad;            /* radius of c_k, double (upward) */
    double S[4], Rs[4];      /* sums of falling(k,m) cup_k, of falling(k,m) crad_k */
    double Tup;              /* upper bound of the Parseval tail T_N (>= 0) */
    double d1tail;           /* upper bound of sum_{k>N} k c_k (INFINITY if unknown) */
    da_ball_struct norm2;    /* f(1) for the series: sum c_k + tail */
    da_ball_struct beta;     /* f'(1); beta_inf when infinite or unknown */
    int beta_inf;
    int poly;                /* sigma is a polynomial: the series is exact */
    /* double path */
    long Nd;                 /* terms used in double */
    double *cd;              /* c_k rounded to double, k = 0..Nd */
    double *cd1;             /* k c_k, for f' */
    double *cd2;             /* k (k-1) c_k, for f'' */
    double Td;               /* tail beyond Nd (upper) */
    long Nb[8];              /* per band |rho| <= da_dual_band[b]: degree used */
    double Tb[8];            /* and the tail beyond it (upper) */
    double errd[3];          /* coefficient error + rounding constant, per order */
    da_direct direct;        /* the direct quadrature for rho near 1 */
};

/* closed.c */
/* Recognize an activation with a closed-form dual; fills d->cf and the
 * parameters.  Returns 1 when found. */
int da_dual_cf_detect(da_dual *d);
/* Raw closed form R^(k)(rho), k = 0..3, at an exact rho in [-1, 1], as a
 * ball at precision prec.  DA_EINFINITE when the derivative is infinite. */
int da_dual_cf_raw(da_ball r, const da_dual *d, const mpfr_t rho, int k,
                   mpfr_prec_t prec);
/* The same in double with an error estimate (libm assumed within 4 ulp). */
double da_dual_cf_raw_d(const da_dual *d, double rho, int k, double *err);
/* da_dual_eval_d without a status, for the library's inner loops: the
 * value (NaN outside [-1, 1], Inf when infinite), *err unless NULL. */
double da_dual_value_d(const da_dual *d, double rho, int k, double *err);

/* dual.c */
/* f^(k)(rho) at an exact rho, k = 0..2, into r (precision of r). */
int da_dual_eval_point(da_ball r, const da_dual *d, const mpfr_t rho, int k);
/* An upper bound of f^(k)(s) for s in [0, 1], k = 0..3, in double
 * (INFINITY when infinite or unknown). */
double da_dual_upper_d(const da_dual *d, double s, int k);
/* An upper bound of sum_{k=m..N} k(k-1)..(k-m+1) v_k s^(k-m) for v_k >= 0,
 * 0 <= s <= 1, m <= 2, N < 2^26, evaluated by Horner in double: the
 * relative margin covers the rounding of the 2(N - m + 1) operations and
 * an absolute term the underflow of the products (docs/numerics.md §4.6). */
double da_horner_up(const double *v, long N, int m, double s);


#endif

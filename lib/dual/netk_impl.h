/* netk_impl.h -- the da_netk object, shared by the files of the network
 * kernels (internal):
 *   netkernel.c    the object, its labels, the public evaluation
 *   netk_detect.c  recognition of A f(B x) + C
 *   netk_closed.c  the closed forms at general variances, in balls
 *   netk_series.c  the Hermite series at general variances, in balls
 *   netk_network.c the network recursion (da_netk_network)
 *   netk_double.c  the closed forms in double (da_netk_eval_fast)
 *   netk_matrix.c  kernel matrices of whole data sets in double, every
 *                  entry with its error (da_netk_matrix) */
#ifndef DA_NETK_IMPL_H
#define DA_NETK_IMPL_H

#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <pthread.h>

#define NK_CACHE 256
#define NK_NMAX 4096

typedef enum {
    NK_NONE = 0, NK_IDENTITY, NK_RELU, NK_STEP, NK_SIGN, NK_ABS, NK_LEAKY,
    NK_ERF, NK_SIN, NK_COS, NK_EXP, NK_GAUSSIAN, NK_GELU
} nk_cf;

typedef struct {
    char qdec[1100];      /* the decimal q~ */
    da_ball_struct q;     /* q~ as a ball (contains it exactly) */
    da_hermite *h;        /* coefficients of sigma(sqrt(q~) x) (raw) */
    long N;
    long used;            /* LRU stamp */
} nk_coefs;

struct da_netk {
    const da_act *act;
    long digits;
    mpfr_prec_t prec;
    int normalized;
    nk_cf cf;
    da_ball_struct A, B;   /* sigma = A f(B x) + C */
    da_ball_struct C;
    da_ball_struct alpha;  /* leaky slope */
    da_ball_struct mean, var;  /* of sigma(X), for the normalization */
    int jump;
    char method[192];
    nk_coefs cache[NK_CACHE];
    int ncache;
    long clock;
    long lastN;           /* the largest degree the series needed so far */
    int rigorous;         /* every radius returned so far is a proof */
    char reason[320];     /* why not ("" when rigorous) */
    da_netk_off *off;     /* the proved variance-offset bounds (made when first needed) */
    int off_tried;
    char off_err[240];
};


/* Threads.  A kernel's closed form and constants are fixed by da_netk_new;
 * what the series path changes afterwards (the coefficient cache and its
 * clock, lastN, the offset bounds, rigorous and reason) changes under the
 * kernel's own mutex, held for the whole of one series evaluation (the
 * cache entries it reads may be evicted by another thread's lookup
 * otherwise).  The mutex lives next to the struct in one allocation, so
 * struct da_netk itself (netk_impl.h, shared with the matrix engine, which
 * only reads the constants) does not change. */
typedef struct {
    struct da_netk k;      /* first: a da_netk * is a netk_box * */
    pthread_mutex_t lock;
} netk_box;

static inline pthread_mutex_t *nk_lock(const da_netk *k)
{
    return &((netk_box *)(void *)k)->lock;
}

/* netkernel.c: the estimate label (the first reason is kept) */
void da_netk_mark_estimate(da_netk *k, const char *what, const char *why);
/* netk_detect.c: recognise sigma = A f(B x) + C, setting k->cf, A, B, C */
int da_netk_detect(da_netk *k);
/* netk_closed.c: the closed form of k at (q1, q2, c), m = 0 the value
 * kernel, 1 the derivative kernel; diag: x = x' */
int da_netk_cf_scaled(da_ball r, const da_netk *k, const da_ball q1, const da_ball q2,
                      const da_ball c, int diag, int m);
/* netk_series.c: the series path, under k's mutex */
int da_netk_series_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2,
                        const da_ball c, int diag, int m);

/* netk_double.c: the closed form f of k (no A, B, C) at (q1, q2, c) in
 * double, m = 0 the value kernel, 1 the derivative kernel; diag: x = x'.
 * *err an estimate of its error.  NaN when k has no closed form here. */
double da_netk_cf_d(const da_netk *k, double q1, double q2, double c, int diag, int m,
                    double *err);

/* GELU's kernels at unit scale, for da_netk_cf_d and the engine: with
 * P = q1 q2, P1 = (1 + q1)(1 + q2), d2 = P1 - c^2 >= 1 + q1 + q2,
 *   E = ((c^2 + P d2)/(P1 sqrt d2) + c atan(c/sqrt d2))/(2 pi) + c/4,
 *   D = (1/d2 + (1 - P)/P1 + 1) c/(2 pi sqrt d2) + 1/4 + atan(c/sqrt d2)/(2 pi);
 * mE, mD the magnitudes of their terms, kap = P1/d2 (d2 loses 3 kap ulp
 * to cancellation, sqrt d2 1.5 kap, and so on: E and D are within
 * (4.5 kap + 12) ulp of their magnitudes, libm's atan and sqrt within
 * an ulp) */
static inline void da_netk_gelu_ed(double P, double P1, double C, double *E, double *D,
                                   double *mE, double *mD, double *kap)
{
    const double w = 2 * M_PI;
    double d2 = P1 - C * C, id = 1 / sqrt(d2), a = atan(C * id);
    double t1 = (C * C + P * d2) * id / P1, t2 = C * a;
    *E = (t1 + t2) / w + C / 4;
    *mE = (fabs(t1) + fabs(t2)) / w + fabs(C) / 4;
    *D = (1 / d2 + (1 - P) / P1 + 1) * C * id / w + 0.25 + a / w;
    *mD = (1 / d2 + (1 + P) / P1 + 1) * fabs(C) * id / w + 0.25 + fabs(a) / w;
    *kap = P1 / d2;
}

#endif

/* netk_sides.h -- the sides of a kernel matrix (internal): for each
 * variance q_i of a layer, the Hermite coefficients of
 * g_i(x) = sigma(sqrt(q_i) x) and what the entries need to know of them
 * (netk_sides.c; used by netk_matrix.c; docs/numerics.md section 7.2). */
#ifndef DA_NETK_SIDES_H
#define DA_NETK_SIDES_H

#include "dual/netk_impl.h"
#include <math.h>
#include <stddef.h>

#define MX_U 0x1p-53
#define MX_MMIN 64
#define MX_MMAX 4096
#define MX_NRULES 13        /* 64, 92, 128, 180, ..., 4096 nodes (ratio sqrt 2) */

typedef struct {
    long M, K;              /* nodes; coefficients k < K = 3M/4 */
    const double *x, *w;    /* nodes, weights (sum w = 1), from the cache */
    double *sw;             /* sqrt(w) */
} mx_rule;

/* one variance: coefficients by the smallest rule that resolves g (the
 * rules are made on demand; rules[j] has 64 2^j nodes) */
typedef struct {
    mx_rule rules[MX_NRULES];
    double *sk, *isk;       /* sqrt(k), 1/sqrt(k), k <= MX_MMAX */
} mx_rules;

/* what a worker needs to evaluate sigma (normalized or not) */
typedef struct {
    const da_tape *t, *td;   /* sigma, sigma' (td may be NULL) */
    double pole;             /* distance of sigma's nearest singularity from the real axis */
    int kinks;               /* 1 when sigma or a derivative jumps somewhere (breakpoints) */
    double mu, isd;          /* normalization: (s - mu) isd */
    int series;              /* 1: coefficients wanted (no closed form) */
} mx_fun;

typedef struct {
    size_t n;
    long K;             /* coefficients stored per variance (common) */
    double **raw;       /* raw[i]: a_k(q_i), k < Kr[i] (the coefficient pass) */
    long *Kr;
    int *rj;            /* the rule index each row used last */
    double *AT;         /* AT[k ld + i] = a_k(q_i), packed coefficient-major, zeros
                           beyond n (ld = n rounded up to a multiple of 4) */
    size_t ld;
    size_t cap;         /* the tables' capacity, in coefficients per variance */
    float *tA, *tD;     /* tails relative to E g^2 and E g'^2: tA[i K + k] =
                           (sum_{k' > k} a_k'^2 + C^2) / E g^2, tD the same with
                           k' a_k'^2 / E g'^2, rounded upwards to single precision */
    double *g2, *gd2;   /* E g^2, E g'^2 = q E s'(sqrt q X)^2 */
    double *eg2, *egd2; /* their errors */
    double *C;          /* the quadrature error estimate of the kept vector */
    double *Ca;         /* its aliasing part (l2 norm) */
    double *cM;         /* the summation's rounding of one coefficient, every k: cM + 2 sqrt(k) u ||g|| */
    double *cMt;        /* the plain sums' rounding of one coefficient k >= kc (more, beside cM) */
    long kc;            /* the coefficients k < kc are summed compensated (0: none) */
    double *cE;         /* sigma's own error: a bound on the l2 norm (and so on each
                           component) of the error it makes in the vector a */
    double *T2;         /* the tail beyond the kept coefficients, squared (estimate) */
    double *x2d;        /* E X^2 s'(sqrt q X)^2 */
    double *nz;         /* the recurrence's rounding of the coefficients, in units of 2 sqrt(k) u ||g||
                           (1 from a rule; more when interpolated in q) */
    double *L;          /* q ||d g/dq|| / ||g|| */
    double *sD;         /* q |dD/dq| / D at the diagonal, D = E s'(sqrt q X)^2: an
                           estimate of the relative sensitivity (2 L + 1 without s') */
    double *sg;         /* sqrt(E g^2) */
    double *nA, *nD;    /* ||a||, ||sqrt(k) a|| */
    double *nE, *nH;    /* ||k a||, ||sqrt(k (k - 1)) a|| (with the tail's share) */
    double *nT;         /* ||sqrt(k (k - 1) (k - 2)) a|| (with the tail's share) */
    double *l0, *l1, *l2, *l3; /* sum k^(p/2) |a_k|, p = 0 .. 3 */
    double *l0t, *l2t;  /* sum |a_k|, sum k |a_k| over k >= kc */
} mx_side;

/* an error as a float, rounded upwards (infinite when not >= 0): (float)
 * rounds to nearest, within 2^-24 relative, so e (1 + 2^-22) rounds to at
 * least e above the smallest normal float, and below it that normal;
 * without branches, for the vectorised loops */
static inline float da_mx_up_f(double e)
{
    double v = e * (1 + 0x1p-22);
    v = v < 0x1p-126 ? 0x1p-126 : v;
    v = e >= 0 ? v : INFINITY;
    return (float)v;
}
void da_mx_rule_free(mx_rule *r);
int da_mx_side_alloc(mx_side *s, size_t n);
void da_mx_side_free(mx_side *s);
/* the coefficient tables with K coefficients per variance (AT, tA, tD) */
int da_mx_side_pack(mx_side *s, long K);
int da_mx_side_fill(mx_side *S, const double *Q, size_t n, const mx_fun *f, const da_netk *cf,
                    mx_rules *R, int threads, long layer);

#endif

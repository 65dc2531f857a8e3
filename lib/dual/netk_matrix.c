/* netk_matrix.c -- the NNGP and NTK matrices of a whole data set in double,
 * every entry with an error estimate (docs/numerics.md section 7.2).
 *
 * A kernel matrix has, per layer, n distinct variances (its diagonal) and
 * n^2 correlations.  For each variance q_i the sides (netk_sides.c) give
 * the Hermite coefficients a_k(q_i) of g_i(x) = sigma(sqrt(q_i) x), and
 * every entry is then a short series
 *     E_ij = E[s(u) s(v)]   = sum_k a_k(q_i) a_k(q_j) rho^k,
 *     D_ij = E[s'(u) s'(v)] = sum_k k a_k(q_i) a_k(q_j) rho^(k-1) / sqrt(q_i q_j),
 * both from one Horner recurrence on 4 x 4 tiles of a block of 16 x 256
 * entries, the length of the series chosen per block from the largest
 * |rho| in it and the tails of the coefficient vectors.  Where sigma has a
 * closed form at general variances (da_netk_fast), the entries are that
 * closed form instead (erf and a x + b relu(x) inline in cf_pair, the
 * others through da_netk_eval_fast).
 *
 * The error of an entry (absolute, propagated from layer to layer) is the
 * sum of the truncation, the coefficients' aliasing and rounding, Horner's
 * rounding (a worst-case bound) and the inputs' errors (series_row says
 * how each is formed).  These are estimates, labelled so: the quadrature
 * and interpolation errors are estimated, not proved, and the rounding of
 * the coefficients follows a probabilistic model.  Proved values come from
 * the ball path (da_netk_network, digits).
 *
 * Memory: for x = x' the errors of a layer live in the lower triangles of
 * the value matrices (mx_err), and the caller's error arrays are written
 * at the end, after the coefficient tables are gone. */
#define _POSIX_C_SOURCE 200809L
#include "dual/netk_sides.h"
#include "dual/netk_vmath.h"
#include "quad/quad.h"
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef _OPENMP
static int omp_get_max_threads(void) { return 1; }
#endif

#define MX_BI 16            /* rows per block */
#define MX_BJ 256           /* columns per block */
#define MX_TOL 1e-16        /* relative truncation target of a series */

void da_netk_mopts_init(da_netk_mopts *o)
{
    o->threads = 0;
    o->poll = NULL;
    o->ctx = NULL;
    o->layer = NULL;
}

/* ---- the engine ------------------------------------------------------------ */

/* the closed forms the engine evaluates inline (value, derivative and
 * their errors together): erf(B x), a x + b relu(B x) and gelu(B x),
 * times A */
enum { MX_FAM_OTHER = 0, MX_FAM_ERF, MX_FAM_LIN, MX_FAM_GELU };

typedef struct {
    const da_netk *k;
    mx_fun f;
    int series;
    int fam;             /* MX_FAM_* */
    double A2, b2;       /* A^2, B^2 */
    double lin, rel;     /* MX_FAM_LIN: sigma = A (lin x + rel relu(x)) at scale B */
    long Kmax;           /* coefficients stored per variance */
    double sw2, sb2;
    int param;
    double width;
    int bias;
} mx_ctx;


/* E = E[s(u) s(v)], D = E[s'(u) s'(v)] and their errors at (q1, q2, c) for
 * the inline families, e the error of c (docs/numerics.md 7.2): the value's
 * own rounding (32 ulp of the magnitudes; asin by mx_asin, within 2 ulp,
 * netk_vmath.h), then the covariance's error through dE/dc = D exactly and
 * a bound on the change of D over [c - e, c + e].  The same formulas as
 * da_netk_eval_fast, with the arccos of the relu family as
 * 2 asin(sqrt((1 -+ rho)/2)), accurate at |rho| -> 1.  erf and relu are
 * straight-line code (selects, no branches), so that cf_row's loop over a
 * row of entries is vectorised. */
#define MX_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MX_MAX(a, b) ((a) > (b) ? (a) : (b))

/* erf(B x) times A */
static inline __attribute__((always_inline)) void
cf_erf(const mx_ctx *c, double q1, double q2, double cc, int dg, double e, double *E, double *D,
       double *eE, double *eD)
{
    const double pi = M_PI, u = MX_U, b2 = c->b2, A2 = c->A2;
    const double Q1 = b2 * q1, Q2 = b2 * q2, C = b2 * cc, ec = b2 * e;
    const double Dd = (1 + 2 * Q1) * (1 + 2 * Q2), det = dg ? 1 + 4 * Q1 : Dd - 4 * C * C;
    double r2 = dg ? 2 * Q1 / (1 + 2 * Q1) : 2 * C / sqrt(Dd);
    r2 = MX_MIN(MX_MAX(r2, -1), 1);
    const double E0 = 2 / pi * mx_asin(r2), D0 = 4 / pi / sqrt(det);
    const double s1 = 1 - r2 * r2;
    const double ea = dg ? 0 : MX_MIN(4 * u / sqrt(MX_MAX(s1, 1e-300)), sqrt(8 * u));
    const double Ev = A2 * E0, Dv = A2 * b2 * D0;
    double vE = A2 * (32 * u + ea) + 4 * u * fabs(Ev);
    double vD = A2 * b2 * 32 * u * D0 * Dd / det + 4 * u * fabs(Dv);
    /* the covariance's error: |dD/dc| = A^2 b2^2 (4/pi) 4 |C| det^(-3/2),
       largest at |C| + ec */
    const double Cm = fabs(C) + ec, dm = Dd - 4 * Cm * Cm;
    const double dDdc = dm > 0 ? A2 * b2 * b2 * 16 / pi * Cm / (dm * sqrt(dm)) : INFINITY;
    const double dD = MX_MIN(dDdc * e, 2 * fabs(Dv) + 1e300);
    const int ce = !dg && e > 0;
    vE += ce ? fabs(Dv) * e + 0.5 * dD * e : 0;
    vD += ce ? dD : 0;
    *E = Ev;
    *D = Dv;
    *eE = vE;
    *eD = vD;
}

/* a x + b relu(x) at scale B, times A: E = (a^2 + a b) c + b^2 R,
 * D = a^2 + a b + b^2 S */
static inline __attribute__((always_inline)) void
cf_lin(const mx_ctx *c, double q1, double q2, double cc, int dg, double e, double *E, double *D,
       double *eE, double *eD)
{
    const double pi = M_PI, u = MX_U, b2 = c->b2, A2 = c->A2;
    const double Q1 = b2 * q1, Q2 = b2 * q2, C = b2 * cc, ec = b2 * e;
    const double a = c->lin, b = c->rel, ab = a * a + a * b, bb = b * b;
    const double P = Q1 * Q2, sP = sqrt(P), isP = sP > 0 ? 1 / sP : 0;
    /* 1 - rho and 1 + rho: the small one, x, from (sP - |C|)/sP, the other
       as 2 - x (at least 1, so exact to an ulp) */
    double x = sP > 0 ? (sP - fabs(C)) * isP : 1;
    x = MX_MIN(MX_MAX(x, 0), 1);
    const double th0 = 2 * mx_asin(sqrt(x / 2));
    const int pos = C >= 0;
    const double om = dg ? 0 : pos ? x : 2 - x, op = dg ? 2 : pos ? 2 - x : x;
    const double th = dg ? 0 : pos ? th0 : pi - th0;
    const double sn = sqrt(om * op), rho = dg ? 1 : C * isP;
    const double S = (pi - th) / (2 * pi);
    const double R = dg ? sP / 2 : sP * (sn + (pi - th) * rho) / (2 * pi);
    const double eth = dg ? 0 : MX_MIN(8 * u / MX_MAX(sn, 1e-300), sqrt(16 * u)) + 8 * u * th;
    const double eS = eth / (2 * pi), eR = sP * (pi - th) * MX_MIN(sn * eth, 8 * u) / (2 * pi);
    const double Cv = dg ? Q1 : C;
    const double Ev = A2 * (ab * Cv + bb * R), Dv = A2 * b2 * (ab + bb * S);
    double vE = A2 * (32 * u * (fabs(ab * Cv) + bb * sP) + bb * eR) + 4 * u * fabs(Ev);
    double vD = A2 * b2 * (32 * u * (fabs(ab) + bb) + bb * eS) + 4 * u * fabs(Dv);
    /* the covariance's error: dE/dc = D, and the change of S over
       [c - e, c + e]: d theta = dC/(sqrt P sin theta) while sin theta stays
       above half its value, else the 1/2-Hoelder bound of arccos
       (|arccos x - arccos y| <= 1.2 sqrt(2 |x - y|)) */
    const double de = sP > 0 ? ec / sP : INFINITY;
    const double dth = de <= 0.25 * sn * sn ? 2 * de / MX_MAX(sn, 1e-300) : 1.2 * sqrt(2 * de);
    const double dS = MX_MIN(dth / (2 * pi), 1.0);
    const int ce = !dg && e > 0;
    const double hS = ce && bb > 0 ? A2 * b2 * bb * dS : 0;
    vE += ce ? fabs(Dv) * e + hS * e : 0;
    vD += hS;
    *E = Ev;
    *D = Dv;
    *eE = vE;
    *eD = vD;
}

/* GELU's first-order sensitivities to the variances at fixed covariance,
 * sv = {q1 |dE/dq1|, q2 |dE/dq2|, q1 |dD/dq1|, q2 |dD/dq2|} (scaled Q = b2 q
 * as the closed form is; the caller multiplies by A2, A2 b2): forward
 * differences over Q (1 + h) and Q (1 + 2h), h = 2^-20, which keep the pair
 * a covariance (|C| <= sqrt(P) still); each the larger of the two, plus
 * their difference (the truncation), plus the values' errors over the step */
static void gelu_sens(double Q1, double Q2, double C, double E0, double D0, double fE,
                      double fD, double *sv)
{
    const double h = 0x1p-20, u = MX_U;
    for (int a = 0; a < 2; a++) {
        double s[2][2];
        for (int t = 0; t < 2; t++) {
            double m = 1 + (t + 1) * h, R1 = a ? Q1 : Q1 * m, R2 = a ? Q2 * m : Q2;
            double E2, D2, mE2, mD2, k2;
            da_netk_gelu_ed(R1 * R2, (1 + R1) * (1 + R2), C, &E2, &D2, &mE2, &mD2, &k2);
            double f2 = (4.5 * k2 + 12) * u, st = (t + 1) * h;
            s[t][0] = (fabs(E2 - E0) + f2 * mE2 + fE) / st;
            s[t][1] = (fabs(D2 - D0) + f2 * mD2 + fD) / st;
        }
        for (int v = 0; v < 2; v++)
            sv[a + 2 * v] = MX_MAX(s[0][v], s[1][v]) + fabs(s[1][v] - s[0][v]);
    }
}

static inline __attribute__((always_inline)) void
cf_pair(const mx_ctx *c, double q1, double q2, double cc, int dg, double e, double *E, double *D,
        double *eE, double *eD, double *sv)
{
    const double u = MX_U, b2 = c->b2, A2 = c->A2;
    if (c->fam == MX_FAM_ERF) {
        cf_erf(c, q1, q2, cc, dg, e, E, D, eE, eD);
        return;
    }
    if (c->fam == MX_FAM_LIN) {
        cf_lin(c, q1, q2, cc, dg, e, E, D, eE, eD);
        return;
    }
    /* gelu(B x) times A */
    double Q1 = b2 * q1, Q2 = b2 * q2, C = b2 * cc, ec = b2 * e;
    double P = Q1 * Q2, P1 = (1 + Q1) * (1 + Q2), E0, D0, mE, mD, kap;
    if (dg)
        C = Q1;
    da_netk_gelu_ed(P, P1, C, &E0, &D0, &mE, &mD, &kap);
    double f = (4.5 * kap + 12) * u;
    *E = A2 * E0;
    *D = A2 * b2 * D0;
    *eE = A2 * (f * mE + u * fabs(D0 * C)) + 2 * u * fabs(*E);
    *eD = A2 * b2 * f * mD + 2 * u * fabs(*D);
    if (!dg && sv) {
        gelu_sens(Q1, Q2, C, E0, D0, f * mE, f * mD, sv);
        sv[0] *= A2, sv[1] *= A2, sv[2] *= A2 * b2, sv[3] *= A2 * b2;
    }
    if (!dg && e > 0) {
        /* the covariance's error: dE/dc = D, and D's change over
           [c - e, c + e] from its values at the ends */
        double dD = 0;
        for (int sg = -1; sg <= 1; sg += 2) {
            double C2 = C + sg * ec, E2, D2, mE2, mD2, k2;
            if (C2 * C2 > P)
                C2 = sg * sqrt(P);
            da_netk_gelu_ed(P, P1, C2, &E2, &D2, &mE2, &mD2, &k2);
            dD = MX_MAX(dD, fabs(D2 - D0) + (4.5 * k2 + 12) * u * mD2);
        }
        *eE += fabs(*D) * e + A2 * b2 * dD * e;
        *eD += A2 * b2 * dD;
    }
}

/* ---- where the errors live ------------------------------------------------- */

/* The errors of the current layer: float arrays (row-major, leading
 * dimension ld: the caller's or the engine's own), or, for x = x' without
 * a layer callback, doubles in the lower triangle of the value matrix
 * itself: the blocks compute j >= i, so the error of (i, j), i < j, is
 * kept at (j, i) and the diagonal's apart.  The caller's error arrays are
 * then written once, at the end (mx_unpack), and until then the memory of
 * the call is the two value matrices and the coefficient tables. */
typedef struct {
    float *f;         /* float storage, or NULL */
    double *low;      /* the value matrix (lower-triangle storage) */
    double *diag;     /* the diagonal's errors (lower-triangle storage) */
    size_t ld;
} mx_err;

/* the error of (i, j), j >= i in lower-triangle storage */
static inline double err_get(const mx_err *e, size_t i, size_t j)
{
    if (e->f)
        return e->f[i * e->ld + j];
    return i == j ? e->diag[i] : e->low[j * e->ld + i];
}

static inline void err_put(const mx_err *e, size_t i, size_t j, double v)
{
    if (e->f) {
        e->f[i * e->ld + j] = da_mx_up_f(v);
        return;
    }
    if (!(v >= 0))
        v = INFINITY;
    if (i == j)
        e->diag[i] = v;
    else
        e->low[j * e->ld + i] = v;
}

/* the off-diagonal entries t in [ta, tb) of row i from column j0 (j > i
 * in lower-triangle storage): values and errors into v and ve, and back;
 * the branch on the storage out of the loops */
static void row_get(const mx_err *e, size_t i, size_t j0, size_t ta, size_t tb, const double *row,
                    double *v, double *ve)
{
    for (size_t t = ta; t < tb; t++)
        v[t] = row[j0 + t];
    if (e->f) {
        const float *f = e->f + i * e->ld + j0;
        for (size_t t = ta; t < tb; t++)
            ve[t] = f[t];
    } else {
        const double *low = e->low + j0 * e->ld + i;
        for (size_t t = ta; t < tb; t++)
            ve[t] = low[t * e->ld];
    }
}

static void row_put(const mx_err *e, size_t i, size_t j0, size_t ta, size_t tb, double *row,
                    const double *v, const double *ve)
{
    for (size_t t = ta; t < tb; t++)
        row[j0 + t] = v[t];
    if (e->f) {
        float *f = e->f + i * e->ld + j0;
        for (size_t t = ta; t < tb; t++)
            f[t] = da_mx_up_f(ve[t]);
    } else {
        double *low = e->low + j0 * e->ld + i;
        for (size_t t = ta; t < tb; t++)
            low[t * e->ld] = ve[t] >= 0 ? ve[t] : INFINITY;   /* NaN: as err_put */
    }
}

/* ---- one block of entries -------------------------------------------------- */

/* the degree K < Kmax of the series for a block (terms k = 0..K; the
 * coefficient tables hold k < Kmax): the smallest with
 * rmax^(K+1) sqrt(tA_i(K) tA_j(K)) <= tol for every row and column of the
 * block (the tails are relative to E g^2), the same for the derivative
 * tails with rmax^K.  Both sides of the test fall with K: bisection. */
static int block_ok(const mx_side *S1, size_t i0, size_t i1, const mx_side *S2, size_t j0,
                    size_t j1, double lr, long K)
{
    double t1 = 0, t2 = 0, d1 = 0, d2 = 0;
    for (size_t i = i0; i < i1; i++) {
        double a = S1->tA[i * (size_t)S1->K + (size_t)K], d = S1->tD[i * (size_t)S1->K + (size_t)K];
        t1 = a > t1 ? a : t1;
        d1 = d > d1 ? d : d1;
    }
    for (size_t j = j0; j < j1; j++) {
        double a = S2->tA[j * (size_t)S2->K + (size_t)K], d = S2->tD[j * (size_t)S2->K + (size_t)K];
        t2 = a > t2 ? a : t2;
        d2 = d > d2 ? d : d2;
    }
    double pe = exp((double)(K + 1) * lr) * sqrt(t1 * t2);
    double pd = exp((double)K * lr) * sqrt(d1 * d2);
    return pe <= MX_TOL && pd <= MX_TOL;
}

static long block_terms(const mx_side *S1, size_t i0, size_t i1, const mx_side *S2, size_t j0,
                        size_t j1, double rmax, long Kmax)
{
    if (rmax <= 0 || Kmax <= 2)
        return Kmax > 1 ? 1 : 0;
    double lr = log(rmax);
    long lo = 1, hi = Kmax - 1;   /* hi: the answer when nothing smaller passes */
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (block_ok(S1, i0, i1, S2, j0, j1, lr, mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    return hi;
}

/* The series of a block: E = sum_{k <= Kb} a_k(q_i) a_k(q_j) rho^k and its
 * derivative in rho, D = sum k a_k(q_i) a_k(q_j) rho^(k-1), both by one
 * Horner recurrence (d <- d rho + e; e <- e rho + c_k), on tiles of 4 rows
 * x 4 columns held in registers through the whole sum.  A1, A2: the
 * coefficient tables from row i0 and column j0 (leading dimensions ld1,
 * ld2, zeros beyond the data), rho[r][c] for the block (zeros beyond it),
 * rows and columns rounded up to 4. */
#define MX_BJP (MX_BJ + 4)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MX_SERIES_HOT __attribute__((target_clones("arch=x86-64-v3", "default"), \
                                     optimize("fp-contract=fast")))
#else
#define MX_SERIES_HOT
#endif
#if defined(__GNUC__)
typedef double mx_v4 __attribute__((vector_size(32)));
#define MX_STEP(t)                                \
    d##t = d##t * r##t + e##t;                     \
    e##t = e##t * r##t + a[t] * b;
MX_SERIES_HOT static void block_series(const double *A1, size_t ld1, const double *A2, size_t ld2,
                                       long Kb, size_t ni, size_t nj, double (*rho)[MX_BJP],
                                       double (*E)[MX_BJP], double (*D)[MX_BJP])
{
    for (size_t g = 0; g < ni; g += 4)
        for (size_t c = 0; c < nj; c += 4) {
            mx_v4 r0, r1, r2, r3, e0 = {0}, e1 = {0}, e2 = {0}, e3 = {0};
            mx_v4 d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0};
            memcpy(&r0, &rho[g][c], sizeof r0);
            memcpy(&r1, &rho[g + 1][c], sizeof r1);
            memcpy(&r2, &rho[g + 2][c], sizeof r2);
            memcpy(&r3, &rho[g + 3][c], sizeof r3);
            for (long k = Kb; k >= 0; k--) {
                mx_v4 b;
                memcpy(&b, A2 + (size_t)k * ld2 + c, sizeof b);
                const double *a = A1 + (size_t)k * ld1 + g;
                MX_STEP(0)
                MX_STEP(1)
                MX_STEP(2)
                MX_STEP(3)
            }
            memcpy(&E[g][c], &e0, sizeof e0);
            memcpy(&E[g + 1][c], &e1, sizeof e1);
            memcpy(&E[g + 2][c], &e2, sizeof e2);
            memcpy(&E[g + 3][c], &e3, sizeof e3);
            memcpy(&D[g][c], &d0, sizeof d0);
            memcpy(&D[g + 1][c], &d1, sizeof d1);
            memcpy(&D[g + 2][c], &d2, sizeof d2);
            memcpy(&D[g + 3][c], &d3, sizeof d3);
        }
}
#undef MX_STEP
#else
static void block_series(const double *A1, size_t ld1, const double *A2, size_t ld2, long Kb,
                         size_t ni, size_t nj, double (*rho)[MX_BJP], double (*E)[MX_BJP],
                         double (*D)[MX_BJP])
{
    for (size_t i = 0; i < ni; i++)
        for (size_t j = 0; j < nj; j++) {
            double e = 0, d = 0, r = rho[i][j];
            for (long k = Kb; k >= 0; k--) {
                d = d * r + e;
                e = e * r + A1[(size_t)k * ld1 + i] * A2[(size_t)k * ld2 + j];
            }
            E[i][j] = e;
            D[i][j] = d;
        }
}
#endif

/* the values and errors of one layer, and where the block is */
typedef struct {
    double *K, *T;       /* row-major, leading dimension ld (T may be NULL) */
    mx_err eK, eT;
    size_t ld;
    int same;            /* x = x': the blocks keep j >= i */
} mx_mats;

/* What the error of an off-diagonal series entry needs of its row or
 * column (docs/numerics.md 7.2), gathered per block so that the loop over
 * a row of the block is straight-line arithmetic the compiler vectorises */
enum { F_N, F_CA, F_L0, F_CM, F_L1, F_SG, F_M, F_P, F_L2, F_L3, F_H, F_TE, F_TD, F_ISQ, F_RQ,
       F_L, F_R, F_T, F_CE, F_CMT, F_L0T, F_L2T, F_NF };

static void factors(const mx_side *S, size_t i, const double *Q, const double *eQ, double tE,
                    double tD, double *f, size_t stride)
{
    double q = Q[i];
    f[F_N * stride] = S->nA[i];
    f[F_CA * stride] = S->Ca[i];
    f[F_L0 * stride] = S->l0[i];
    f[F_CM * stride] = S->cM[i];
    f[F_L1 * stride] = S->l1[i];
    f[F_SG * stride] = S->sg[i];
    f[F_M * stride] = S->nD[i];
    f[F_P * stride] = S->nE[i];
    f[F_L2 * stride] = S->l2[i];
    f[F_L3 * stride] = S->l3[i];
    f[F_H * stride] = S->nH[i];
    f[F_TE * stride] = tE;
    f[F_TD * stride] = tD;
    f[F_ISQ * stride] = q > 0 ? 1 / sqrt(q) : 1;
    f[F_RQ * stride] = eQ[i] / (q > 0 ? q : 1);
    f[F_L * stride] = S->L[i];
    f[F_R * stride] = S->nz[i] * S->sg[i];
    f[F_T * stride] = S->nT[i];
    f[F_CE * stride] = S->cE[i];
    f[F_CMT * stride] = S->cMt[i];
    f[F_L0T * stride] = S->l0t[i];
    f[F_L2T * stride] = S->l2t[i];
}

/* The off-diagonal series entries t in [ta, tb) of row r of a block: the
 * values E, D (the series sums eB, dB), their errors, the next layer's K
 * and Theta and theirs (docs/numerics.md 7.2):
 *   truncation   rmax^(Kb+1) sqrt(T_i T_j) (rkE: the block's rmax^(Kb+1)),
 *                rmax^Kb for D;
 *   coefficients ||a_i|| Ca_j + Ca_i ||a_j|| (aliasing, Cauchy-Schwarz)
 *                + sum_k |a_ik| (cM_j + [k >= kc] cMt_j + 2 sqrt(k) u ||g_j||)
 *                + (i <-> j)
 *                (the summation and the recurrence, per coefficient)
 *                + ||a_i|| cE_j + cE_i ||a_j|| (sigma's error, an l2 norm
 *                by Bessel's inequality), with k |a_k| and ||k a|| for D;
 *   rounding     Horner's, u sum (2k + 1) |a_k a'_k| <= u (2 ||sqrt k a||
 *                ||sqrt k a'|| + ||a|| ||a'||), and for D u (2 ||k a||
 *                ||k a'|| + ||sqrt k a|| ||sqrt k a'||), times 1.01;
 *   inputs       the variances' errors: the smaller of the bound through L
 *                and rho, and Price's |dE/dq_i| = |E s''(u) s(v)| / 2 <=
 *                ||sqrt(k(k-1)) a_i|| ||g_j|| / (2 q_i) (for D with s''',
 *                ||sqrt(k(k-1)(k-2)) a_i||); rho's rounding (3 ulp); the
 *                covariance's error e: |D| e + h e^2 / 2 for E, h e for D,
 *                h = ||sqrt(k(k-1)) a_i|| ||...a_j|| / (q_i q_j) a bound
 *                on |dD/dc|.
 * fi: the row's factors; fc[F_x][t]: the columns'; cin, ec, Tin, eTin the
 * layer's input (values and errors gathered), overwritten by the output. */
static void series_row(const mx_ctx *c, const double *fi, double (*fc)[MX_BJP], const double *eB,
                       const double *dB, double rkE, double rkD, size_t ta, size_t tb,
                       double *cin, double *ec, double *Tin, double *eTin, int ntk)
{
    const double u = MX_U, sw2 = c->sw2, sb2 = c->sb2;
    const double n1 = fi[F_N], Ca1 = fi[F_CA], l01 = fi[F_L0], cM1 = fi[F_CM], l11 = fi[F_L1];
    const double g1 = fi[F_SG], m1 = fi[F_M], p1 = fi[F_P], l21 = fi[F_L2], l31 = fi[F_L3];
    const double h1 = fi[F_H], tE1 = rkE * fi[F_TE], tD1 = rkD * fi[F_TD], is1 = fi[F_ISQ];
    const double rq1 = fi[F_RQ], L1 = fi[F_L], R1 = fi[F_R], nT1 = fi[F_T], cE1 = fi[F_CE];
    const double cMt1 = fi[F_CMT], l0t1 = fi[F_L0T], l2t1 = fi[F_L2T];
    const int pntk = c->param == DA_NETK_PARAM_NTK;
    const double wdt = c->width, bias = c->bias ? 1 : 0;
#pragma omp simd
    for (size_t t = ta; t < tb; t++) {
        const double n2 = fc[F_N][t], Ca2 = fc[F_CA][t], g2 = fc[F_SG][t], m2 = fc[F_M][t];
        const double p2 = fc[F_P][t], isq = is1 * fc[F_ISQ][t], rq2 = fc[F_RQ][t];
        const double L2 = fc[F_L][t], cc = cin[t], e = ec[t];
        const double E = eB[t], D = dB[t] * isq, dd = fabs(D);
        /* series_err: truncation, coefficients, Horner's rounding */
        const double cE2 = fc[F_CE][t];
        double eE = tE1 * fc[F_TE][t] + (n1 * Ca2 + Ca1 * n2) + (fc[F_CM][t] * l01 + cM1 * fc[F_L0][t]) +
                    (fc[F_CMT][t] * l0t1 + cMt1 * fc[F_L0T][t]) +
                    (cE2 * n1 + cE1 * n2) + 2 * u * (fc[F_R][t] * l11 + R1 * fc[F_L1][t]) +
                    1.01 * u * (2 * m1 * m2 + n1 * n2);
        double eD = (tD1 * fc[F_TD][t] + (p1 * Ca2 + Ca1 * p2) + (fc[F_CM][t] * l21 + cM1 * fc[F_L2][t]) +
                     (fc[F_CMT][t] * l2t1 + cMt1 * fc[F_L2T][t]) +
                     (cE2 * p1 + cE1 * p2) + 2 * u * (fc[F_R][t] * l31 + R1 * fc[F_L3][t]) +
                     1.01 * u * (2 * p1 * p2 + m1 * m2)) * isq +
                    3 * u * dd;
        /* the inputs: the variances (the smaller of two bounds), rho's
           rounding, the covariance */
        const double h = h1 * fc[F_H][t] * isq * isq;
        const double vE1 = (L1 * rq1 + L2 * rq2) * g1 * g2 + dd * fabs(cc) * (rq1 + rq2) / 2;
        const double vE2 = 0.5 * (h1 * g2 * rq1 + g1 * fc[F_H][t] * rq2);
        const double vD1 = dd * (rq1 + rq2) * (1 + L1 + L2);
        const double vD2 = 0.5 * (nT1 * m2 * rq1 + m1 * fc[F_T][t] * rq2) * isq;
        eE += (vE1 < vE2 ? vE1 : vE2) + 3 * u * dd * fabs(cc) + dd * e + 0.5 * h * e * e;
        eD += (vD1 < vD2 ? vD1 : vD2) + h * (e + 3 * u * fabs(cc));
        const double Kn = sw2 * E + sb2;
        const double eKn = sw2 * eE + 2 * u * (fabs(sw2 * E) + fabs(Kn));
        if (ntk) {
            const double ti = Tin[t], eti = eTin[t];
            const double add = pntk ? Kn : wdt * E + bias, eadd = pntk ? eKn : wdt * eE;
            double Tn = add + sw2 * D * ti;
            double eTn = eadd + sw2 * (dd * eti + eD * fabs(ti)) + 3 * u * (fabs(add) + fabs(sw2 * D * ti));
            /* a jump: E[s'(u)^2] is infinite, and so is the NTK (exactly) */
            const int fin = isfinite(D) && isfinite(ti);
            Tin[t] = fin ? Tn : INFINITY;
            eTin[t] = fin ? eTn : 0;
        }
        cin[t] = Kn;
        ec[t] = eKn;
    }
}

/* The layer's output at one entry from E, D and their errors: the inputs'
 * errors (the variances' relative errors rq1, rq2 through L and D, the
 * covariance's rounding), then K = sw2 E + sb2 and Theta (shared by the
 * scalar path and cf_row) */
static inline __attribute__((always_inline)) void
entry_out(const mx_ctx *c, double E, double D, double eE, double eD, double cin, double rq1,
          double rq2, double L1, double L2, double sD1, double sg12, const double *sv, int dg,
          int ntk, double *Kv, double *eKv, double *Tv, double *eTv)
{
    const double sw2 = c->sw2, sb2 = c->sb2, u = MX_U;
    const double dd = fabs(D);
    if (!dg && sv) {
        /* the sensitivities to the variances at fixed covariance, given */
        eE += 1.01 * (sv[0] * rq1 + sv[1] * rq2) + 3 * u * dd * fabs(cin);
        eD += 1.01 * (sv[2] * rq1 + sv[3] * rq2);
    } else if (!dg) {
        eE += (L1 * rq1 + L2 * rq2) * sg12 + dd * fabs(cin) * (rq1 + rq2) / 2 + 3 * u * dd * fabs(cin);
        eD += dd * (rq1 + rq2) * (1 + L1 + L2);
    } else {
        eE += 2 * L1 * rq1 * fabs(E);
        eD += sD1 * rq1 * dd;
    }
    const double Kn = sw2 * E + sb2;
    const double eKn = sw2 * eE + 2 * u * (fabs(sw2 * E) + fabs(Kn));
    if (ntk) {
        const double Tin = *Tv, eTin = *eTv;
        const int pntk = c->param == DA_NETK_PARAM_NTK;
        const double add = pntk ? Kn : c->width * E + (c->bias ? 1 : 0);
        const double eadd = pntk ? eKn : c->width * eE;
        const double Tn = add + sw2 * D * Tin;
        const double eTn = eadd + sw2 * (dd * eTin + eD * fabs(Tin)) +
                           3 * u * (fabs(add) + fabs(sw2 * D * Tin));
        /* a jump: E[s'(u)^2] is infinite, and so is the NTK (exactly) */
        const int fin = isfinite(D) && isfinite(Tin);
        *Tv = fin ? Tn : INFINITY;
        *eTv = fin ? eTn : 0;
    }
    *Kv = Kn;
    *eKv = eKn;
}

/* One entry by the scalar path: the closed forms, and the diagonal of the
 * series path; the layer's input at (i, jj) in, the output out */
static inline __attribute__((always_inline)) void
entry_scalar(const mx_ctx *c, const mx_side *S1, const mx_side *S2, const double *Q1,
             const double *eQ1, const double *Q2, const double *eQ2, size_t i, size_t jj, int dg,
             double *Kv, double *eKv, double *Tv, double *eTv)
{
    double q1 = Q1[i], q2 = Q2[jj], sq = sqrt(q1 * q2), cin = *Kv;
    double ecin = *eKv;
    double E, D, eE, eD, sv[4] = {-1, -1, -1, -1};
    if (c->series) {
        /* only the diagonal comes here */
        E = S1->g2[i];
        D = S1->gd2[i] / q1;
        eE = S1->eg2[i];
        eD = S1->egd2[i] / q1;
    } else {
        /* the covariance, cut to [-sqrt(q1 q2), sqrt(q1 q2)] (Cauchy-Schwarz) */
        double cc = dg ? q1 : cin > sq ? sq : cin < -sq ? -sq : cin;
        if (c->fam != MX_FAM_OTHER) {
            cf_pair(c, q1, q2, cc, dg, ecin, &E, &D, &eE, &eD, sv);
        } else {
            double e0 = 0, e1 = 0;
            (void)da_netk_eval_fast(&E, &e0, c->k, q1, q2, cc, 0);
            (void)da_netk_eval_fast(&D, &e1, c->k, q1, q2, cc, 1);
            eE = e0;
            eD = e1;
            if (!dg && ecin > 0) {
                /* the covariance's error: the closed forms at c -+ e(c) */
                double dE = 0, dD = 0;
                for (int sg = -1; sg <= 1; sg += 2) {
                    double c2 = cc + sg * ecin, v0, v1, f0, f1;
                    if (c2 > sq) c2 = sq;
                    if (c2 < -sq) c2 = -sq;
                    (void)da_netk_eval_fast(&v0, &f0, c->k, q1, q2, c2, 0);
                    (void)da_netk_eval_fast(&v1, &f1, c->k, q1, q2, c2, 1);
                    dE = fmax(dE, fabs(v0 - E) + f0);
                    dD = fmax(dD, fabs(v1 - D) + f1);
                }
                eE += 1.01 * dE;
                eD += 1.01 * dD;
            }
        }
    }
    /* the inputs' errors */
    double rq1 = eQ1[i] / (q1 > 0 ? q1 : 1), rq2 = eQ2[jj] / (q2 > 0 ? q2 : 1);
    entry_out(c, E, D, eE, eD, cin, rq1, rq2, S1->L[i], S2->L[jj], S1->sD[i], S1->sg[i] * S2->sg[jj],
              sv[0] >= 0 ? sv : NULL, dg, Tv != NULL, Kv, eKv, Tv, eTv);
}

/* The off-diagonal entries t in [ta, tb) of row i of a block of the erf
 * and relu families (columns from j0): straight-line code over the row,
 * vectorised (cf_erf, cf_lin, entry_out; the same arithmetic as the
 * scalar path).  vK, vE, vT, vF: the row's input, overwritten by its
 * output; Theta is computed whether or not it is wanted (vT and vF are
 * then scratch), so that the loop has no conditional stores. */
MX_SERIES_HOT static void cf_row(const mx_ctx *c, const mx_side *S1, const mx_side *S2,
                                 const double *Q1, const double *eQ1, const double *Q2,
                                 const double *eQ2, size_t i, size_t j0, size_t ta, size_t tb,
                                 double *vK, double *vE, double *vT, double *vF)
{
    const double q1 = Q1[i], rq1 = eQ1[i] / (q1 > 0 ? q1 : 1), L1 = S1->L[i], g1 = S1->sg[i];
    const double *q2 = Q2 + j0, *eq2 = eQ2 + j0, *L2 = S2->L + j0, *g2 = S2->sg + j0;
#define MX_CF_ROW(fun)                                                                         \
    _Pragma("omp simd")                                                                        \
    for (size_t t = ta; t < tb; t++) {                                                         \
        const double qj = q2[t], sq = sqrt(q1 * qj), cin = vK[t], e = vE[t];                   \
        const double cc = cin > sq ? sq : cin < -sq ? -sq : cin;                               \
        double E, D, eE, eD;                                                                   \
        fun(c, q1, qj, cc, 0, e, &E, &D, &eE, &eD);                                            \
        entry_out(c, E, D, eE, eD, cin, rq1, eq2[t] / (qj > 0 ? qj : 1), L1, L2[t], 0, g1 * g2[t], \
                  NULL, 0, 1, &vK[t], &vE[t], &vT[t], &vF[t]);                                 \
    }
    if (c->fam == MX_FAM_ERF) {
        MX_CF_ROW(cf_erf)
    } else {
        MX_CF_ROW(cf_lin)
    }
#undef MX_CF_ROW
}

/* One block of entries: rows [i0, i1) of side 1, columns [j0, j1) of side
 * 2 (j >= i only when x = x'); the values and errors of m are updated in
 * place, from this layer's input to its output. */
static void do_block(const mx_ctx *c, const mx_side *S1, const mx_side *S2, const double *Q1,
                     const double *eQ1, const double *Q2, const double *eQ2, const mx_mats *m,
                     size_t i0, size_t i1, size_t j0, size_t j1, long *terms_used)
{
    const size_t ni = i1 - i0, nj = j1 - j0, ld = m->ld;
    static _Thread_local double rB_[MX_BI][MX_BJP], eB_[MX_BI][MX_BJP], dB_[MX_BI][MX_BJP];
    static _Thread_local double fc_[F_NF][MX_BJP];
    static _Thread_local double vK_[MX_BJP], vE_[MX_BJP], vT_[MX_BJP], vF_[MX_BJP];
    /* the thread's scratch, its address taken once (in a shared library
       each use of a thread-local is a call otherwise) */
    double (*const rB)[MX_BJP] = rB_, (*const eB)[MX_BJP] = eB_, (*const dB)[MX_BJP] = dB_;
    double (*const fc)[MX_BJP] = fc_;
    double *const vK = vK_, *const vE = vE_, *const vT = vT_, *const vF = vF_;
    double fi[F_NF], rkE = 0, rkD = 0, rmax = 0;
    long Kb = 0;
    const int ntk = m->T != NULL;
    if (c->series) {
        /* rho of the block (zero where nothing is computed), its largest |rho| */
        const size_t ni4 = (ni + 3) / 4 * 4, nj4 = (nj + 3) / 4 * 4;
        for (size_t r = 0; r < ni4; r++) {
            size_t i = i0 + r;
            for (size_t t = 0; t < nj4; t++) {
                size_t j = j0 + t;
                double v = 0;
                if (r < ni && t < nj && !(m->same && j <= i)) {
                    double lim = sqrt(Q1[i] * Q2[j]);
                    v = lim > 0 ? m->K[i * ld + j] / lim : 0;
                    v = v > 1 ? 1 : v < -1 ? -1 : v;
                    rmax = fabs(v) > rmax ? fabs(v) : rmax;
                }
                rB[r][t] = v;
            }
        }
        Kb = block_terms(S1, i0, i1, S2, j0, j1, rmax, c->Kmax);
        if (Kb > *terms_used)
            *terms_used = Kb;
        block_series(S1->AT + i0, S1->ld, S2->AT + j0, S2->ld, Kb, ni4, nj4, rB, eB, dB);
        /* the truncation rmax^(Kb+1) sqrt(T_i T_j) by rows and columns */
        rkD = rmax > 0 ? pow(rmax, (double)Kb) : 0;
        rkE = rkD * rmax;
        for (size_t t = 0; t < nj; t++) {
            size_t j = j0 + t, o = j * (size_t)S2->K + (size_t)Kb;
            double tE = sqrt((double)S2->tA[o] * (S2->g2[j] > 0 ? S2->g2[j] : 1));
            double tD = sqrt((double)S2->tD[o] * (S2->gd2[j] > 0 ? S2->gd2[j] : 1));
            factors(S2, j, Q2, eQ2, tE, tD, &fc[0][t], MX_BJP);
        }
    }
    for (size_t r = 0; r < ni; r++) {
        const size_t i = i0 + r;
        double *Krow = m->K + i * ld, *Trow = m->T ? m->T + i * ld : NULL;
        /* x = x': the entries j >= i; the diagonal by the scalar path */
        const size_t t0 = m->same && j0 < i ? i - j0 : 0;
        size_t ta = t0;
        if (m->same && i >= j0 && i < j1) {
            size_t jj = i;
            double Kv = Krow[jj], eKv = err_get(&m->eK, i, jj), Tv = ntk ? Trow[jj] : 0;
            double eTv = ntk ? err_get(&m->eT, i, jj) : 0;
            entry_scalar(c, S1, S2, Q1, eQ1, Q2, eQ2, i, jj, 1, &Kv, &eKv, ntk ? &Tv : NULL, &eTv);
            Krow[jj] = Kv;
            err_put(&m->eK, i, jj, eKv);
            if (ntk) {
                Trow[jj] = Tv;
                err_put(&m->eT, i, jj, eTv);
            }
            ta = i - j0 + 1;
        }
        if (ta >= nj)
            continue;
        /* the row's input, gathered: values contiguous, errors from their
           storage (the off-diagonal entries, j > i where x = x') */
        row_get(&m->eK, i, j0, ta, nj, Krow, vK, vE);
        if (ntk)
            row_get(&m->eT, i, j0, ta, nj, Trow, vT, vF);
        if (c->series) {
            size_t oi = i * (size_t)S1->K + (size_t)Kb;
            factors(S1, i, Q1, eQ1, sqrt((double)S1->tA[oi] * (S1->g2[i] > 0 ? S1->g2[i] : 1)),
                    sqrt((double)S1->tD[oi] * (S1->gd2[i] > 0 ? S1->gd2[i] : 1)), fi, 1);
            series_row(c, fi, fc, eB[r], dB[r], rkE, rkD, ta, nj, vK, vE, vT, vF, ntk);
        } else if (c->fam == MX_FAM_ERF || c->fam == MX_FAM_LIN) {
            cf_row(c, S1, S2, Q1, eQ1, Q2, eQ2, i, j0, ta, nj, vK, vE, vT, vF);
        } else {
            for (size_t t = ta; t < nj; t++)
                entry_scalar(c, S1, S2, Q1, eQ1, Q2, eQ2, i, j0 + t, 0, &vK[t], &vE[t],
                             ntk ? &vT[t] : NULL, &vF[t]);
        }
        row_put(&m->eK, i, j0, ta, nj, Krow, vK, vE);
        if (ntk)
            row_put(&m->eT, i, j0, ta, nj, Trow, vT, vF);
    }
}

/* the blocks of one layer, over threads; 0 or the status */
static int layer_entries(const mx_ctx *c, const mx_side *S1, const mx_side *S2, const double *Q1,
                         const double *eQ1, const double *Q2, const double *eQ2, const mx_mats *m,
                         size_t n1, size_t n2, int threads, const da_netk_mopts *o, double done0,
                         double share, long *terms, da_prog *prog, long *blocks)
{
    size_t nbi = (n1 + MX_BI - 1) / MX_BI;
    int stop = 0;
    long tmax = 0;
    long next = 0;   /* blocks finished, for the progress (thread 0) */
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads()) reduction(max : tmax)
    {
#pragma omp for schedule(dynamic, 1)
        for (size_t bi = 0; bi < nbi; bi++) {
            int stopped;
#pragma omp atomic read
            stopped = stop;
            if (stopped)
                continue;
            size_t i0 = bi * MX_BI, i1 = i0 + MX_BI < n1 ? i0 + MX_BI : n1;
            /* the same data: only j >= i (the rest is mirrored or holds errors) */
            size_t jstart = m->same ? (i0 / MX_BJ) * MX_BJ : 0;
            for (size_t j0 = jstart; j0 < n2; j0 += MX_BJ) {
                size_t j1 = j0 + MX_BJ < n2 ? j0 + MX_BJ : n2;
                do_block(c, S1, S2, Q1, eQ1, Q2, eQ2, m, i0, i1, j0, j1, &tmax);
            }
#pragma omp atomic
            next++;
#ifdef _OPENMP
            if (omp_get_thread_num() == 0)
#endif
            {
                /* the calling thread: the progress hook (a terminal line in
                   the tool) and the caller's poll */
                long dn0;
#pragma omp atomic read
                dn0 = next;
                da_prog_tick(prog, "kernel matrix row blocks", *blocks + dn0);
                if (o && o->poll) {
                    long dn;
#pragma omp atomic read
                    dn = next;
                    if (o->poll(o->ctx, done0 + share * (double)dn / (double)nbi)) {
#pragma omp atomic write
                        stop = 1;
                    }
                }
            }
        }
    }
    *terms = tmax > *terms ? tmax : *terms;
    *blocks += (long)nbi;
    if (stop)
        return da_fail(DA_EINTR, "kernel matrix: interrupted");
    return DA_OK;
}

/* a hint that the pages of a large array be huge ones (Linux's transparent
 * huge pages, where enabled on request): a matrix of 10^4 x 10^4 doubles
 * is 200,000 page faults otherwise, several seconds in a virtual machine */
static void huge_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t H = (uintptr_t)2 << 20;
    if (!p || bytes < 4 * H)
        return;
    uintptr_t a = ((uintptr_t)p + H - 1) & ~(H - 1), b = ((uintptr_t)p + bytes) & ~(H - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* the lower triangle from the upper one (float error storage; the blocks
 * compute j >= i) */
static void mirror(double *K, float *eK, double *T, float *eT, size_t n)
{
    /* by tiles of 64 x 64, for the caches */
    for (size_t i0 = 0; i0 < n; i0 += 64)
        for (size_t j0 = 0; j0 <= i0; j0 += 64)
            for (size_t i = i0; i < i0 + 64 && i < n; i++)
                for (size_t j = j0; j < j0 + 64 && j < i; j++) {
                    K[i * n + j] = K[j * n + i];
                    eK[i * n + j] = eK[j * n + i];
                    T[i * n + j] = T[j * n + i];
                    eT[i * n + j] = eT[j * n + i];
                }
}

/* the end of lower-triangle storage: the errors to the caller's float
 * arrays (either may be NULL), rounded upwards, then the lower triangles
 * of the values mirrored from the upper ones */
static void unpack(double *K, const double *dK, float *eK, double *T, const double *dT, float *eT,
                   size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 64)
        for (size_t j0 = 0; j0 <= i0; j0 += 64)
            for (size_t i = i0; i < i0 + 64 && i < n; i++)
                for (size_t j = j0; j < j0 + 64 && j < i; j++) {
                    /* (i, j), j < i: the error of (j, i) is at (i, j) */
                    float a = da_mx_up_f(K[i * n + j]), b = da_mx_up_f(T[i * n + j]);
                    if (eK) {
                        eK[i * n + j] = a;
                        eK[j * n + i] = a;
                    }
                    if (eT) {
                        eT[i * n + j] = b;
                        eT[j * n + i] = b;
                    }
                    K[i * n + j] = K[j * n + i];
                    T[i * n + j] = T[j * n + i];
                }
    for (size_t i = 0; i < n; i++) {
        if (eK)
            eK[i * n + i] = da_mx_up_f(dK[i]);
        if (eT)
            eT[i * n + i] = da_mx_up_f(dT[i]);
    }
}

/* ---- the engine: arguments, layer 0, the layers, the variances ------------ */

/* the arguments; same: X2 is X1 */
static int check_args(const double *nngp, const da_netk *k, const da_netk_net *n,
                      const double *X1, size_t n1, const double *X2, size_t n2, size_t dim)
{
    if (!nngp || !k || !n || !X1)
        return da_fail(DA_EINVAL, "kernel matrix: no output, kernel, network or data");
    if (n->depth < 0 || dim == 0 || n1 == 0)
        return da_fail(DA_EINVAL, "kernel matrix: depth must be >= 0, the dimension and the "
                                  "number of rows > 0");
    if (n->depth > 100000)
        return da_fail(DA_EINVAL, "kernel matrix: depth %ld is above the limit 100000", n->depth);
    if (n->param == DA_NETK_PARAM_STANDARD && n->width <= 0)
        return da_fail(DA_EINVAL, "the standard parameterisation needs the hidden width");
    if (n2 == 0)
        return da_fail(DA_EINVAL, "kernel matrix: the second data set has no rows");
    /* sizes: n1 n2 entries, n dim data, without overflow */
    if (n1 > SIZE_MAX / n2 || n1 * n2 > (SIZE_MAX / 16) || n1 > SIZE_MAX / dim / 8 ||
        n2 > SIZE_MAX / dim / 8 || n1 > SIZE_MAX / 8 / MX_MMAX || n2 > SIZE_MAX / 8 / MX_MMAX)
        return da_fail(DA_EINVAL, "kernel matrix: %zu x %zu entries do not fit in memory", n1, n2);
    for (size_t t = 0; t < n1 * dim; t++)
        if (!isfinite(X1[t]))
            return da_fail(DA_EINVAL, "kernel matrix: the data have a value that is not finite "
                                      "(row %zu)", t / dim + 1);
    if (X2 != X1)
        for (size_t t = 0; t < n2 * dim; t++)
            if (!isfinite(X2[t]))
                return da_fail(DA_EINVAL, "kernel matrix: the second data set has a value that "
                                          "is not finite (row %zu)", t / dim + 1);
    return DA_OK;
}

/* the network's numbers in double, the closed-form family, sigma's tapes
 * (*der: sigma', to be freed by the caller) */
static int ctx_init(mx_ctx *c, const da_netk *k, const da_netk_net *n, da_act **der)
{
    memset(c, 0, sizeof *c);
    c->k = k;
    c->sw2 = mpfr_get_d(n->sw2.mid, MPFR_RNDN);
    c->sb2 = mpfr_get_d(n->sb2.mid, MPFR_RNDN);
    if (!(c->sw2 >= 0) || !(c->sb2 >= 0) || !isfinite(c->sw2) || !isfinite(c->sb2))
        return da_fail(DA_EINVAL, "kernel matrix: sw2 and sb2 must be finite and >= 0");
    c->param = n->param;
    c->width = (double)n->width;
    c->bias = n->bias;
    c->series = !da_netk_fast(k);
    c->fam = MX_FAM_OTHER;
    if (!c->series) {
        double A = mpfr_get_d(k->A.mid, MPFR_RNDN), B = mpfr_get_d(k->B.mid, MPFR_RNDN);
        c->A2 = A * A;
        c->b2 = B * B;
        switch (k->cf) {
        case NK_ERF: c->fam = MX_FAM_ERF; break;
        case NK_GELU: c->fam = MX_FAM_GELU; break;
        case NK_IDENTITY: c->fam = MX_FAM_LIN; c->lin = 1; c->rel = 0; break;
        case NK_RELU: c->fam = MX_FAM_LIN; c->lin = 0; c->rel = 1; break;
        case NK_ABS: c->fam = MX_FAM_LIN; c->lin = -1; c->rel = 2; break;
        case NK_LEAKY: {
            double al = mpfr_get_d(k->alpha.mid, MPFR_RNDN);
            c->fam = MX_FAM_LIN;
            c->lin = al;
            c->rel = 1 - al;
            break;
        }
        default: break;
        }
        if (!(c->b2 > 0) || !isfinite(c->A2))
            c->fam = MX_FAM_OTHER;
    }
    c->f.t = k->act->tape;
    c->f.pole = da_act_pole_distance(k->act);
    {
        size_t nb = 0;
        c->f.kinks = da_act_breakpoints(NULL, 0, &nb, k->act) != DA_OK || nb > 0;
        da_clear_error();
    }
    c->f.mu = 0;
    c->f.isd = 1;
    if (k->normalized) {
        double v = mpfr_get_d(k->var.mid, MPFR_RNDN);
        c->f.mu = mpfr_get_d(k->mean.mid, MPFR_RNDN);
        c->f.isd = v > 0 ? 1 / sqrt(v) : 1;
    }
    /* sigma' for the diagonal of the NTK and the variance sensitivities */
    *der = NULL;
    if (da_act_derivative(der, k->act) == DA_OK && *der)
        c->f.td = (*der)->tape;
    else
        da_clear_error();
    return DA_OK;
}

/* one call's state */
typedef struct {
    mx_ctx c;
    mx_mats mm;
    size_t n1, n2;
    int same;
    double *Q1, *Q2, *eQ1, *eQ2;   /* the variances of the layer's input, their errors */
    mx_side S1, S2;
    mx_rules R;
} mx_run;

/* sqrt(x.x/d) of the rows */
static void row_norms(double *nr, const double *X, size_t n, size_t dim)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t t = 0; t < dim; t++)
            s += X[i * dim + t] * X[i * dim + t];
        nr[i] = sqrt(s / (double)dim);
    }
}

/* layer 0, the first Dense on x.x'/d, with the dot products' own bound
 * gamma ||x_i|| ||x_j|| / d, gamma = 2 sqrt(d) u; then the variances */
static int layer0(mx_run *r, const da_netk_net *n, const double *X1, const double *X2,
                  size_t dim, double *nr1, double *nr2)
{
    const mx_ctx *c = &r->c;
    const size_t n1 = r->n1, n2 = r->n2;
    const double dd = (double)dim, gd = 2 * sqrt(dd) * MX_U;
    row_norms(nr1, X1, n1, dim);
    if (r->same)
        memcpy(nr2, nr1, n1 * sizeof *nr1);
    else
        row_norms(nr2, X2, n2, dim);
    for (size_t i = 0; i < n1; i++) {
        const double *xi = X1 + i * dim;
        for (size_t j = r->same ? i : 0; j < n2; j++) {
            const double *xj = X2 + j * dim;
            double s = 0;
            for (size_t t = 0; t < dim; t++)
                s += xi[t] * xj[t];
            double cv = s / dd, Kv = c->sw2 * cv + c->sb2;
            double e = c->sw2 * gd * nr1[i] * nr2[j] + 2 * MX_U * (fabs(c->sw2 * cv) + fabs(Kv));
            size_t ij = i * n2 + j;
            r->mm.K[ij] = Kv;
            err_put(&r->mm.eK, i, j, e);
            if (n->param == DA_NETK_PARAM_NTK) {
                r->mm.T[ij] = Kv;
                err_put(&r->mm.eT, i, j, e);
            } else {
                r->mm.T[ij] = s + (n->bias ? 1 : 0);
                err_put(&r->mm.eT, i, j, dd * gd * nr1[i] * nr2[j] + 2 * MX_U * fabs(r->mm.T[ij]));
            }
        }
    }
    for (size_t i = 0; i < n1; i++) {
        r->Q1[i] = r->same ? r->mm.K[i * n2 + i] : c->sw2 * nr1[i] * nr1[i] + c->sb2;
        r->eQ1[i] = r->same ? err_get(&r->mm.eK, i, i)
                            : c->sw2 * (gd + 2 * MX_U) * nr1[i] * nr1[i] + 2 * MX_U * r->Q1[i];
    }
    for (size_t j = 0; j < n2; j++) {
        r->Q2[j] = r->same ? r->Q1[j] : c->sw2 * nr2[j] * nr2[j] + c->sb2;
        r->eQ2[j] = r->same ? r->eQ1[j]
                            : c->sw2 * (gd + 2 * MX_U) * nr2[j] * nr2[j] + 2 * MX_U * r->Q2[j];
    }
    for (size_t i = 0; i < n1 && n->depth > 0; i++)
        if (!(r->Q1[i] > 0))
            return da_fail(DA_EDOM, "kernel matrix: row %zu has zero variance after the first "
                                    "Dense layer (a zero row with sb2 = 0)", i + 1);
    for (size_t j = 0; j < n2 && !r->same && n->depth > 0; j++)
        if (!(r->Q2[j] > 0))
            return da_fail(DA_EDOM, "kernel matrix: row %zu of the second data set has zero "
                                    "variance after the first Dense layer", j + 1);
    return DA_OK;
}

/* the sides of layer l + 1 and their tables (one length for both sides:
 * the longest vector) */
static int layer_sides(mx_run *r, const da_netk *k, int threads, long l)
{
    int st = DA_OK;
    for (int side = 0; side < (r->same ? 1 : 2) && !st; side++)
        st = da_mx_side_fill(side ? &r->S2 : &r->S1, side ? r->Q2 : r->Q1, side ? r->n2 : r->n1,
                             &r->c.f, r->c.series ? NULL : k, &r->R, threads, l + 1);
    if (st || !r->c.series)
        return st;
    long Kst = 1;
    for (size_t i = 0; i < r->n1; i++)
        Kst = r->S1.Kr[i] > Kst ? r->S1.Kr[i] : Kst;
    for (size_t j = 0; !r->same && j < r->n2; j++)
        Kst = r->S2.Kr[j] > Kst ? r->S2.Kr[j] : Kst;
    if (da_mx_side_pack(&r->S1, Kst) || (!r->same && da_mx_side_pack(&r->S2, Kst)))
        return da_fail(DA_ENOMEM, "kernel matrix: coefficient tables (%ld coefficients)", Kst);
    r->c.Kmax = Kst;
    return DA_OK;
}

/* the variances of the next layer's input: the diagonal (x = x') or the
 * sides' E g^2 */
static int next_variances(mx_run *r, long l)
{
    const mx_ctx *c = &r->c;
    for (size_t i = 0; i < r->n1; i++) {
        if (r->same) {
            r->Q1[i] = r->mm.K[i * r->n2 + i];
            r->eQ1[i] = err_get(&r->mm.eK, i, i);
        } else {
            double Kn = c->sw2 * r->S1.g2[i] + c->sb2;
            r->eQ1[i] = c->sw2 * r->S1.eg2[i] + 2 * MX_U * Kn;
            r->Q1[i] = Kn;
        }
    }
    for (size_t j = 0; j < r->n2; j++) {
        if (r->same) {
            r->Q2[j] = r->Q1[j];
            r->eQ2[j] = r->eQ1[j];
        } else {
            double Kn = c->sw2 * r->S2.g2[j] + c->sb2;
            r->eQ2[j] = c->sw2 * r->S2.eg2[j] + 2 * MX_U * Kn;
            r->Q2[j] = Kn;
        }
    }
    for (size_t i = 0; i < r->n1; i++)
        if (!(r->Q1[i] > 0) || !isfinite(r->Q1[i]))
            return da_fail(DA_EDOM, "kernel matrix: the variance of row %zu is %g at layer %ld",
                           i + 1, r->Q1[i], l + 1);
    return DA_OK;
}

/* the largest error relative to sqrt(K(x,x) K(x',x')), and why an estimate */
static void run_info(const mx_run *r, da_netk_minfo *info, long terms)
{
    info->terms = terms;
    info->rigorous = 0;
    double mx = 0;
    for (size_t i = 0; i < r->n1; i++)
        for (size_t j = r->same ? i : 0; j < r->n2; j++) {
            double s = sqrt(fabs(r->Q1[i] * r->Q2[j])), e = err_get(&r->mm.eK, i, j);
            double q = s > 0 ? e / s : e;
            if (!(q <= mx)) mx = q;
        }
    info->max_rel_err = mx;
    snprintf(info->reason, sizeof info->reason, "%s",
             r->c.series ? "double-precision Gauss-Hermite coefficients, interpolated in q "
                           "for many rows (quadrature and interpolation errors estimated from "
                           "the decay of the computed coefficients), and a probabilistic model "
                           "of their rounding"
                         : "double-precision closed forms (libm assumed within a few ulp) and a "
                           "probabilistic rounding model");
}

/* the layers 1 .. depth, with the callbacks */
static int run_layers(mx_run *r, const da_netk *k, const da_netk_net *n, const da_netk_mopts *o,
                      int threads, int want_ntk, long *terms)
{
    int st = DA_OK;
    long blocks = 0;
    float *eK = r->mm.eK.f, *eT = r->mm.eT.f;
    da_prog prog;
    da_prog_start(&prog);
    for (long l = 0; l < n->depth && !st; l++) {
        double done0 = (double)l / (double)n->depth, share = 1.0 / (double)n->depth;
        if ((st = layer_sides(r, k, threads, l)))
            break;
        st = layer_entries(&r->c, &r->S1, r->same ? &r->S1 : &r->S2, r->Q1, r->eQ1, r->Q2, r->eQ2,
                           &r->mm, r->n1, r->n2, threads, o, done0, share, terms, &prog, &blocks);
        if (st)
            break;
        /* the blocks compute j >= i: the lower triangle only when asked */
        if (r->same && o && o->layer)
            mirror(r->mm.K, eK, r->mm.T, eT, r->n1);
        if (o && o->layer && (st = o->layer(o->ctx, l + 1, r->mm.K, eK, want_ntk ? r->mm.T : NULL,
                                            want_ntk ? eT : NULL)))
            break;
        /* every layer ends with a poll, whatever the blocks' threads did */
        if (o && o->poll && o->poll(o->ctx, (double)(l + 1) / (double)n->depth)) {
            st = da_fail(DA_EINTR, "kernel matrix: interrupted");
            break;
        }
        st = next_variances(r, l);
    }
    da_prog_end(&prog, "kernel matrix row blocks");
    return st;
}

int da_netk_matrix(double *nngp, float *nngp_err, double *ntk, float *ntk_err,
                   da_netk_minfo *info, const da_netk *k, const da_netk_net *n, const double *X1,
                   size_t n1, const double *X2, size_t n2, size_t dim, const da_netk_mopts *o)
{
    if (info)
        memset(info, 0, sizeof *info);
    const int same = X2 == NULL;
    if (same) {
        X2 = X1;
        n2 = n1;
    }
    int st = check_args(nngp, k, n, X1, n1, X2, n2, dim);
    if (st)
        return st;
    mx_run r;
    memset(&r, 0, sizeof r);
    da_act *der = NULL;
    if ((st = ctx_init(&r.c, k, n, &der)))
        return st;
    r.n1 = n1;
    r.n2 = n2;
    r.same = same;
    const int threads = o && o->threads > 0 ? o->threads : 0;

    /* the errors: in the lower triangles of the values (x = x', no layer
       callback), else in float arrays (the caller's or the engine's) */
    const int tri = same && !(o && o->layer);
    float *eK = nngp_err, *eT = ntk_err;
    double *T = ntk;
    float *eKo = NULL, *eTo = NULL;
    double *To = NULL, *dK = NULL, *dT = NULL;
    const size_t N = n1 * n2;
    if (!T) T = To = malloc(N * sizeof *T);
    if (tri) {
        dK = malloc((n1 + 1) * sizeof *dK);
        dT = malloc((n1 + 1) * sizeof *dT);
    } else {
        if (!eK) eK = eKo = malloc(N * sizeof *eK);
        if (!eT) eT = eTo = malloc(N * sizeof *eT);
    }
    huge_pages(nngp, N * sizeof *nngp);
    huge_pages(T, N * sizeof *T);
    huge_pages(eK, N * sizeof *eK);
    huge_pages(eT, N * sizeof *eT);
    if (tri) {
        huge_pages(nngp_err, N * sizeof *nngp_err);
        huge_pages(ntk_err, N * sizeof *ntk_err);
    }
    r.mm = (mx_mats){nngp, T, {tri ? NULL : eK, nngp, dK, n2}, {tri ? NULL : eT, T, dT, n2}, n2,
                     same};
    r.Q1 = malloc((n1 + 1) * sizeof *r.Q1);
    r.Q2 = malloc((n2 + 1) * sizeof *r.Q2);
    r.eQ1 = malloc((n1 + 1) * sizeof *r.eQ1);
    r.eQ2 = malloc((n2 + 1) * sizeof *r.eQ2);
    double *nr1 = malloc((n1 + 1) * sizeof *nr1), *nr2 = malloc((n2 + 1) * sizeof *nr2);
    r.R.sk = malloc((MX_MMAX + 1) * sizeof *r.R.sk);
    r.R.isk = malloc((MX_MMAX + 1) * sizeof *r.R.isk);
    long terms = 0;
    if ((tri ? !dK || !dT : !eK || !eT) || !T || !r.Q1 || !r.Q2 || !r.eQ1 || !r.eQ2 || !nr1 ||
        !nr2 || !r.R.sk || !r.R.isk) {
        st = da_fail(DA_ENOMEM, "kernel matrix: %zu x %zu entries", n1, n2);
        goto out;
    }
    for (long t = 0; t <= MX_MMAX; t++) {
        r.R.sk[t] = sqrt((double)t);
        r.R.isk[t] = t ? 1 / r.R.sk[t] : 0;
    }
    st = layer0(&r, n, X1, X2, dim, nr1, nr2);
    if (!st && same && !tri)
        mirror(nngp, eK, T, eT, n1);
    if (!st && o && o->layer)
        st = o->layer(o->ctx, 0, nngp, eK, ntk ? T : NULL, ntk ? eT : NULL);
    if (!st && n->depth > 0 &&
        (da_mx_side_alloc(&r.S1, n1) || (!same && da_mx_side_alloc(&r.S2, n2))))
        st = da_fail(DA_ENOMEM, "kernel matrix: coefficient tables");
    if (!st)
        st = run_layers(&r, k, n, o, threads, ntk != NULL, &terms);
    if (!st && info)
        run_info(&r, info, terms);
out:
    for (int j = 0; j < MX_NRULES; j++)
        da_mx_rule_free(&r.R.rules[j]);
    free(r.R.sk);
    free(r.R.isk);
    da_mx_side_free(&r.S1);
    da_mx_side_free(&r.S2);
#ifdef __GLIBC__
    /* the tables' pages back to the system before the error arrays are
       written (the peak of a large call) */
    if (tri)
        malloc_trim(0);
#endif
    /* the tables are gone: now the caller's error arrays */
    if (!st && tri)
        unpack(nngp, dK, nngp_err, T, dT, ntk_err, n1);
    if (der)
        da_act_free(der);
    free(r.Q1); free(r.Q2); free(r.eQ1); free(r.eQ2); free(nr1); free(nr2);
    free(eKo); free(eTo); free(To); free(dK); free(dT);
    return st;
}

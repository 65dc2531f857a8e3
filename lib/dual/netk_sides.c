/* netk_sides.c -- the sides of a kernel matrix: per variance q_i of a
 * layer, the Hermite coefficients a_k(q_i) of g_i(x) = sigma(sqrt(q_i) x)
 * by Gauss-Hermite quadrature in double, their error estimates, and the
 * norms and sums the entries' errors are made of (docs/numerics.md 7.2).
 *
 * Coefficients: Gauss-Hermite quadrature in double with M nodes,
 *     a_k = sum_m w_m h_k(x_m) g(x_m),   k < 3M/4,
 * M on the ladder 64 2^(j/2) ... 4096 (cached rules, even/odd halves), up
 * to the first rule whose band M/2 <= k < 3M/4 is below 1e-16 ||g|| or the
 * rounding floor.  From the last two bands: Ca, the aliasing error of the
 * kept coefficients, and T2, the tail beyond them (side_one).  The diagonal
 * E g^2 and q E sigma'(sqrt(q) X)^2 are 1-D sums on the same nodes. */
#define _POSIX_C_SOURCE 200809L
#include "dual/netk_sides.h"
#include "quad/quad.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef _OPENMP
static int omp_get_max_threads(void) { return 1; }
#endif

/* ---- Gauss-Hermite rules ------------------------------------------------- */

void da_mx_rule_free(mx_rule *r)
{
    free(r->sw);
    memset(r, 0, sizeof *r);
}

static int rule_make(mx_rule *r, long M)
{
    int st = da_gh_rule_d_cached(&r->x, &r->w, M);
    if (st)
        return st;
    r->sw = malloc((size_t)M * sizeof *r->sw);
    if (!r->sw)
        return da_fail(DA_ENOMEM, "kernel matrix: Gauss-Hermite rule of %ld nodes", M);
    for (long m = 0; m < M; m++)
        r->sw[m] = sqrt(r->w[m]);
    r->M = M;
    r->K = 3 * M / 4;
    return DA_OK;
}

/* a_k = sum_m w_m g_m h_k(x_m), k < K: the normalized recurrence for
 * sqrt(w_m) h_k(x_m) (bounded by Cramer's inequality, so nothing
 * overflows), MX_LANES nodes at a time so that the loop over the lanes
 * vectorises.  The sums of k < kc are compensated (Ogita, Rump and Oishi's
 * Dot2: the product's error by an FMA, the addition's by TwoSum, both
 * gathered in a second accumulator), so such a coefficient is within
 * u |a_k| + 2 g_n^2 sum |terms| of the exact sum of the computed terms,
 * n = M/16 + 8, whatever M (docs/numerics.md 7.2); the others are plain
 * (MX_KC, below).  acc holds 2 K MX_LANES partial sums.  sk[k] =
 * sqrt(k), isk[k] = 1/sqrt(k). */
#define MX_LANES 8
/* the hot loop is compiled twice, for the baseline and for AVX2, chosen at
 * load time (GCC's target_clones; the same operations, the same results:
 * fma() is the correctly rounded fused operation in both) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MX_HOT __attribute__((target_clones("avx2", "default")))
#else
#define MX_HOT
#endif

/* s + c += x y, exactly up to c's own rounding: TwoProduct and TwoSum */
#define MX_DOT2(s, c, x, y)                                          \
    do {                                                             \
        const double p_ = (x) * (y), pe_ = fma((x), (y), -p_);       \
        const double t_ = (s) + p_, z_ = t_ - (s);                   \
        (c) += (((s) - (t_ - z_)) + (p_ - z_)) + pe_;                \
        (s) = t_;                                                    \
    } while (0)
/* s += x y, plainly (c untouched) */
#define MX_PLAIN(s, c, x, y) ((void)(c), (s) += (x) * (y))

/* the sums over the positive nodes: the terms of k < KA added by LO, the
 * others by HI (one pass over the nodes; KA even or K) */
#define MX_COEF_LOOP(LO, HI)                                                                  \
    for (long m0 = H; m0 < M; m0 += MX_LANES) {                                               \
        double h0[MX_LANES], h1[MX_LANES], ge[MX_LANES], go[MX_LANES], x[MX_LANES];           \
        for (int l = 0; l < MX_LANES; l++) {                                                  \
            long m = m0 + l;                                                                  \
            int in = m < M;                                                                   \
            double s = in ? r->sw[m] : 0;                                                     \
            x[l] = in ? r->x[m] : 0;                                                          \
            ge[l] = in ? s * (g[m] + g[M - 1 - m]) : 0;                                       \
            go[l] = in ? s * (g[m] - g[M - 1 - m]) : 0;                                       \
            h0[l] = s;                                                                        \
            h1[l] = x[l] * s;                                                                 \
        }                                                                                     \
        if (KA > 0) {                                                                         \
            for (int l = 0; l < MX_LANES; l++)                                                \
                LO(acc[l], cmp[l], ge[l], h0[l]);                                             \
            if (K > 1)                                                                        \
                for (int l = 0; l < MX_LANES; l++)                                            \
                    LO(acc[MX_LANES + l], cmp[MX_LANES + l], go[l], h1[l]);                   \
        } else {                                                                              \
            for (int l = 0; l < MX_LANES; l++)                                                \
                HI(acc[l], cmp[l], ge[l], h0[l]);                                             \
            if (K > 1)                                                                        \
                for (int l = 0; l < MX_LANES; l++)                                            \
                    HI(acc[MX_LANES + l], cmp[MX_LANES + l], go[l], h1[l]);                   \
        }                                                                                     \
        long k = 2;                                                                           \
        MX_COEF_PAIRS(LO, KA)                                                                 \
        MX_COEF_PAIRS(HI, K)                                                                  \
        if (k < K) {                                                                          \
            const double a0 = sk[k - 1], b0 = isk[k];                                         \
            double *restrict ak = acc + k * MX_LANES, *restrict ck = cmp + k * MX_LANES;      \
            if (k < KA)                                                                       \
                for (int l = 0; l < MX_LANES; l++)                                            \
                    LO(ak[l], ck[l], ge[l], ((x[l] * h1[l] - a0 * h0[l]) * b0));              \
            else                                                                              \
                for (int l = 0; l < MX_LANES; l++)                                            \
                    HI(ak[l], ck[l], ge[l], ((x[l] * h1[l] - a0 * h0[l]) * b0));              \
        }                                                                                     \
    }
/* the pairs (k, k + 1) while k + 1 < END, added by ADD */
#define MX_COEF_PAIRS(ADD, END)                                                               \
        for (; k + 1 < (END); k += 2) {                                                       \
            const double a0 = sk[k - 1], b0 = isk[k], a1 = sk[k], b1 = isk[k + 1];            \
            double *restrict ak = acc + k * MX_LANES, *restrict ck = cmp + k * MX_LANES;      \
            _Pragma("omp simd")                                                               \
            for (int l = 0; l < MX_LANES; l++) {                                              \
                double he = (x[l] * h1[l] - a0 * h0[l]) * b0;      /* h_k, k even */          \
                double ho = (x[l] * he - a1 * h1[l]) * b1;         /* h_{k+1} */              \
                ADD(ak[l], ck[l], ge[l], he);                                                 \
                ADD(ak[MX_LANES + l], ck[MX_LANES + l], go[l], ho);                           \
                h0[l] = he;                                                                   \
                h1[l] = ho;                                                                   \
            }                                                                                 \
        }

/* The first kc coefficients (kc even) are summed compensated: they carry
 * the weight of the entries (a_k decays); the rest plainly, whose rounding
 * is the probabilistic model u ||g|| sqrt(M/16 + 4) of Higham and Mary
 * (side_stats), at a quarter of the compensated sums' work.  kc = 0 for
 * activations with breakpoints, whose coefficients decay algebraically
 * (the ladder climbs to its largest rules, and the aliasing and tail
 * estimates dwarf the rounding anyway). */
#define MX_KC 64

MX_HOT static void coef_sum(double *coef, const mx_rule *r, const double *g, long K, const double *sk,
                            const double *isk, double *acc, long kc)
{
    /* the rule is symmetric (x_{M-1-m} = -x_m, M even) and h_k(-x) = (-1)^k h_k(x):
       the even k see g(x) + g(-x), the odd k g(x) - g(-x), on the M/2 nodes x > 0 */
    const long M = r->M, H = M / 2, KA = kc < K ? kc : K;
    double *cmp = acc + (size_t)K * MX_LANES;
    memset(acc, 0, 2 * (size_t)K * MX_LANES * sizeof *acc);
    MX_COEF_LOOP(MX_DOT2, MX_PLAIN)
    /* the lanes, compensated as well; then the gathered errors */
    for (long k = 0; k < K; k++) {
        double t = 0, c = 0;
        for (int l = 0; l < MX_LANES; l++) {
            const double a = acc[k * MX_LANES + l], v = t + a, z = v - t;
            c += ((t - (v - z)) + (a - z)) + cmp[k * MX_LANES + l];
            t = v;
        }
        coef[k] = t + c;
    }
}

/* ---- one side: the coefficient vectors of g_i(x) = s(sqrt(q_i) x) -------- */


static void side_unpack(mx_side *s)
{
    free(s->AT); free(s->tA); free(s->tD);
    s->AT = NULL;
    s->tA = s->tD = NULL;
    s->K = 0;
    s->cap = 0;
}

void da_mx_side_free(mx_side *s)
{
    side_unpack(s);
    if (s->raw)
        for (size_t i = 0; i < s->n; i++)
            free(s->raw[i]);
    free(s->raw); free(s->Kr); free(s->rj);
    free(s->g2); free(s->gd2); free(s->eg2); free(s->egd2);
    free(s->C); free(s->Ca); free(s->cM); free(s->cMt); free(s->l0t); free(s->l2t); free(s->cE); free(s->T2); free(s->L); free(s->sD); free(s->sg); free(s->nA);
    free(s->nD); free(s->nE); free(s->nH); free(s->l0); free(s->l1); free(s->l2); free(s->l3);
    free(s->x2d); free(s->nz); free(s->nT);
    memset(s, 0, sizeof *s);
}

/* pack the raw vectors with K coefficients each (zeros beyond Kr[i]) */
int da_mx_side_pack(mx_side *s, long K)
{
    size_t n = s->n, nK = n * (size_t)K, ld = (n + 3) / 4 * 4;
    /* the tables of the previous layer are reused when they are large
       enough (their padding, i >= n, is never written: still zero) */
    if ((size_t)K > s->cap) {
        side_unpack(s);
        s->AT = calloc(ld * (size_t)K, sizeof *s->AT);
        s->tA = malloc(nK * sizeof *s->tA);
        s->tD = malloc(nK * sizeof *s->tD);
        if (!s->AT || !s->tA || !s->tD) {
            side_unpack(s);
            return DA_ENOMEM;
        }
        s->cap = (size_t)K;
    }
    s->ld = ld;
    s->K = K;
    for (size_t i = 0; i < n; i++) {
        const double *a = s->raw[i];
        long Kr = s->Kr[i];
        float *tA = s->tA + i * (size_t)K, *tD = s->tD + i * (size_t)K;
        const double ga = s->g2[i] > 0 ? s->g2[i] : 1, gd = s->gd2[i] > 0 ? s->gd2[i] : 1;
        /* beyond K: the kept coefficients, their error and the tail beyond */
        double C2 = s->C[i] * s->C[i] + s->T2[i], ta = C2, td = (double)(Kr > 0 ? Kr : 1) * C2;
        for (long k = K - 1; k >= 0; k--) {
            double v = k < Kr ? a[k] : 0;
            s->AT[(size_t)k * ld + i] = v;
            tA[k] = da_mx_up_f(ta / ga);
            tD[k] = da_mx_up_f(td / gd);
            ta += v * v;
            td += (double)k * v * v;
        }
    }
    /* the raw vectors are made anew at every layer */
    for (size_t i = 0; i < n; i++) {
        free(s->raw[i]);
        s->raw[i] = NULL;
    }
    return DA_OK;
}



/* the ladder of rule sizes: 64 2^(j/2), rounded to a multiple of 4 */
static long rule_size(int j)
{
    long M = (long)MX_MMIN << (j / 2);
    if (j % 2)
        M = (long)(M * 1.41421356 / 4 + 0.5) * 4;
    return M;
}

/* shared by the threads of one call: made once, under a lock, then only read */
static int rules_get(mx_rule **out, mx_rules *R, int j)
{
    int st = DA_OK;
#pragma omp critical(da_mx_rules)
    {
        if (!R->rules[j].M)
            st = rule_make(&R->rules[j], rule_size(j));
    }
    *out = &R->rules[j];
    return st;
}

/* s + c += t, compensated (Neumaier): the sum of M positive terms is then
 * within 2u of the exact sum of the computed terms, whatever M */
static inline void csum(double *s, double *c, double t)
{
    double v = *s + t;
    *c += fabs(*s) >= fabs(t) ? (*s - v) + t : (t - v) + *s;
    *s = v;
}

/* the 1-D sums of one variance: E g^2, q E s'^2, E X^2 s'^2, and for
 * their errors E|g| G, E|s'| G' and ||G||, G(x) the largest |g| on the
 * nodes between -|x| and |x| (G' the same for s') */
typedef struct {
    double g2, gd2, x2d;
    double eg, ed, nG;
    double hd, hdm;     /* sum w (x^2 - 1) s'^2, and its largest |term| */
} mx_sums;

/* g on the nodes of rule r and the sums, compensated, from the origin
 * outwards (the nodes are symmetric, ascending); work: M evaluations of
 * sigma and sigma' */
static void side_sums(const mx_fun *f, const mx_rule *r, double q, double *gv, mx_sums *o)
{
    const long M = r->M, H = M / 2;
    double sq = sqrt(q), s2 = 0, d2 = 0, xd = 0, c2 = 0, cd = 0, cx = 0;
    double eg = 0, ed = 0, nG = 0, Gg = 0, Gd = 0, hd = 0, ch = 0, hdm = 0;
    for (long p = 0; p < H; p++) {
        long ms[2] = {H + p, H - 1 - p};
        double y[2], d[2] = {0, 0};
        for (int t = 0; t < 2; t++) {
            double x = r->x[ms[t]];
            y[t] = (da_tape_eval_d(f->t, sq * x) - f->mu) * f->isd;
            gv[ms[t]] = y[t];
            Gg = fabs(y[t]) > Gg ? fabs(y[t]) : Gg;
            if (f->td) {
                d[t] = da_tape_eval_d(f->td, sq * x) * f->isd;
                Gd = fabs(d[t]) > Gd ? fabs(d[t]) : Gd;
            }
        }
        for (int t = 0; t < 2; t++) {
            double x = r->x[ms[t]], w = r->w[ms[t]];
            csum(&s2, &c2, w * y[t] * y[t]);
            eg += w * fabs(y[t]) * Gg;
            nG += w * Gg * Gg;
            if (f->td) {
                csum(&d2, &cd, w * d[t] * d[t]);
                csum(&xd, &cx, w * x * x * d[t] * d[t]);
                double hv = w * (x * x - 1) * d[t] * d[t];
                csum(&hd, &ch, hv);
                hdm = fabs(hv) > hdm ? fabs(hv) : hdm;
                ed += w * fabs(d[t]) * Gd;
            }
        }
    }
    o->g2 = s2 + c2;
    o->gd2 = f->td ? q * (d2 + cd) : NAN;
    o->x2d = f->td ? xd + cx : NAN;
    o->eg = eg;
    o->ed = ed;
    o->nG = sqrt(nG);
    o->hd = f->td ? hd + ch : NAN;
    o->hdm = hdm;
}

/* q |dD/dq| / D at the diagonal, D(q) = E s'(sqrt q X)^2, from the nodes:
 * Stein's identity E[X f'(X)] = E[(X^2 - 1) f(X)] with f = s'(sqrt q X)^2
 * gives q dD/dq = E[(X^2 - 1) s'(sqrt q X)^2] / 2.  Where s is smooth the
 * rule that resolves g resolves this too; where s or a derivative jumps
 * (the activation has breakpoints) a node's term is added, the error of a
 * jump between two nodes.  Without
 * s', the bound through L, 2 L + 1. */
static double side_sens_d(const mx_sums *sm, const mx_fun *f, double q, double L)
{
    const double d2 = sm->gd2 / q;
    if (!isfinite(sm->hd) || !(d2 > 0))
        return 2 * L + 1;
    double h = fabs(sm->hd) + (f->kinks ? sm->hdm : 0);
    double s = 1.01 * h / (2 * d2) + 1e-3;
    return s < 2 * L + 1 ? s : 2 * L + 1;
}

/* What the entries need to know of the vector a = raw[i] (Kr
 * coefficients, from an M-node rule): the norms, the weighted l1 sums, the
 * diagonal sums and their errors.
 *   The rounding of one coefficient (docs/numerics.md 7.2):
 *   a_k = sum over the M/2 nodes x > 0 of sqrt(w) h_k(x) sqrt(w) (g(x) +- g(-x)),
 * the sum of whose absolute values is at most ||g|| (Cauchy-Schwarz, the
 * rule exact for h_k^2); summed in MX_LANES lanes of M/16 terms,
 * compensated for k < kc (coef_sum), the recurrence of h_k within
 * 2 sqrt(k) ulp of its scale:
 *   |da_k| <= cM + [k >= kc] cMt + 2 sqrt(k) u ||g||,  cM = 2 g_n^2 ||g||,
 *   n = M/16 + 8, cMt = u ||g|| sqrt(M/16 + 4) (Higham and Mary's model);
 * the perturbations of the values on the nodes, by Bessel's inequality
 * (the vectors sqrt(w_m) h_k(x_m), k < M, are orthonormal) at most
 * ||dg||_w in l2 norm over k: sigma within 8 ulp of itself plus 4 ulp of
 * G(x), its largest magnitude between -|x| and |x| (cancellation in a
 * formula: its terms are of that size), the terms' roundings and the
 * weights' errors 4 u, the final rounding u |a_k|: cE = u (13 ||g|| +
 * 8 ||G||).  The aliasing error Ca is an l2 norm (the two last bands).
 * E g^2 and q E s'^2 are compensated sums of positive terms, each within
 * 24 ulp of itself and 8 u G |g| (sigma's error, squared, weighted). */
/* the norms and weighted l1 sums of raw[i] (Kr coefficients; tail: the
 * squared l2 error and tail beyond them); returns sum k a_k^2 */
static double side_norms(mx_side *s, size_t i, long Kr, double tail)
{
    const double *a = s->raw[i];
    double na = 0, nd = 0, ne = 0, nh = 0, nt = 0, l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    double l0t = 0, l2t = 0;
    for (long k = 0; k < Kr; k++) {
        double ak = a[k], aa = fabs(ak), kk = (double)k, sk = sqrt(kk);
        if (k >= s->kc) {
            l0t += aa;
            l2t += kk * aa;
        }
        na += ak * ak;
        nd += kk * ak * ak;
        ne += kk * kk * ak * ak;
        nh += kk * (kk - 1) * ak * ak;
        nt += kk * (kk - 1) * (kk - 2) * ak * ak;
        l0 += aa;
        l1 += sk * aa;
        l2 += kk * aa;
        l3 += kk * sk * aa;
    }
    double K2 = (double)Kr * (double)Kr;
    s->Kr[i] = Kr;
    s->nA[i] = sqrt(na);
    s->nD[i] = sqrt(nd);
    s->nE[i] = sqrt(ne + K2 * tail);
    s->nH[i] = sqrt(nh + K2 * tail);
    s->nT[i] = sqrt(nt + K2 * (double)Kr * tail);
    s->l0[i] = l0;
    s->l0t[i] = l0t;
    s->l2t[i] = l2t;
    s->l1[i] = l1;
    s->l2[i] = l2;
    s->l3[i] = l3;
    return nd;
}

static void side_stats(mx_side *s, size_t i, double q, long Kr, long M, const mx_sums *sm,
                       const mx_fun *f, double Ca, double Cr, double T2)
{
    double g2 = sm->g2, gd2 = sm->gd2, x2d = sm->x2d;
    double C = Ca + Cr, tail = C * C + T2;
    double nd = side_norms(s, i, Kr, tail);
    const double l2 = s->l2[i], l3 = s->l3[i];
    s->nz[i] = 1;
    s->x2d[i] = x2d;
    s->g2[i] = g2;
    s->sg[i] = sqrt(fabs(g2));
    const double fl = 24 * MX_U + (double)M * MX_U * MX_U;
    s->eg2[i] = fl * g2 + 8 * MX_U * sm->eg + 2 * Ca * sqrt(fabs(g2));
    s->C[i] = C;
    s->Ca[i] = Ca;
    {
        /* the compensated sum: 2 g_n^2 ||g|| per coefficient, n = M/16 + 8;
           its final rounding u |a_k| (l2 norm u ||a|| <= u ||g||) and the
           terms' own roundings (sqrt w twice, g(x) +- g(-x), the product:
           within 2.5 u relative on each node's value, and the rule's
           weights within 1.5 u) are perturbations of the vector a of l2
           norm at most 5 u ||g|| (Bessel), added to sigma's */
        const double gn = ((double)M / 16 + 8) * MX_U / (1 - ((double)M / 16 + 8) * MX_U);
        s->cM[i] = 2 * gn * gn * sqrt(fabs(g2));
        s->cMt[i] = MX_U * sqrt(fabs(g2)) * sqrt((double)M / 16 + 4);
        s->cE[i] = MX_U * (13 * sqrt(fabs(g2)) + 8 * sm->nG);
    }
    s->T2[i] = T2;
    if (isfinite(gd2) && isfinite(sm->ed)) {
        s->gd2[i] = gd2;
        s->egd2[i] = fl * gd2 + 8 * MX_U * q * sm->ed + 2 * sqrt((double)Kr) * Ca * sqrt(gd2 + 1e-300);
    } else {
        /* no sigma' (or not finite on the nodes): the series' own sum
           sum k a_k^2, with its coefficients' errors and the tail */
        gd2 = nd + (double)Kr * tail;
        s->gd2[i] = gd2;
        s->egd2[i] = 2 * (s->cM[i] * l2 + s->cMt[i] * s->l2t[i] + s->cE[i] * s->nE[i] +
                          2 * MX_U * s->sg[i] * l3) +
                     (double)Kr * tail +
                     2 * sqrt((double)Kr) * Ca * sqrt(gd2 + 1e-300) + 4 * MX_U * gd2;
    }
    if (isfinite(x2d))
        s->L[i] = g2 > 0 ? sqrt(q * x2d / 4) / sqrt(g2) : 0;
    else
        s->L[i] = 1 + q;  /* no sigma': a generous guess */
    s->sD[i] = isfinite(sm->gd2) ? side_sens_d(sm, f, q, s->L[i]) : 2 * s->L[i] + 1;
}

/* the coefficients of variance i of side s, by the smallest Gauss-Hermite
 * rule that resolves g, climbing the ladder from one below the rule this
 * row used at the previous layer (s->rj[i]: a function of the row alone, so
 * the result does not depend on which thread did what before; at the first
 * layer a guess from the pole distance).  With M
 * nodes the a_k, k < 3M/4, are kept; the rule resolves g when the band
 * M/2 <= k < 3M/4 has a norm below the rounding floor (or 1e-16 ||g||);
 * C, the estimate of the error of the whole vector, is twice that norm
 * plus the floor. */
static int side_one(mx_side *s, size_t i, double q, const mx_fun *f, mx_rules *R,
                    double *gv, double *coef, double *acc)
{
    int j = s->rj[i] > 0 ? s->rj[i] - 1 : s->rj[i], st;
    if (j < 0) {
        /* the first layer: from the decay exp(-tau sqrt k) of the coefficients
           of a function analytic in the strip |Im x| < tau = d / sqrt q (d
           the activation's pole distance), about (37/tau)^2 of them reach
           1e-16; start a step below the rule that keeps that many */
        j = 0;
        if (isfinite(f->pole) && f->pole > 0) {
            double tau = f->pole / sqrt(q), need = 0.8 * (37 / tau) * (37 / tau);
            while (j < MX_NRULES - 1 && 3 * rule_size(j + 1) / 4 < need)
                j++;
        }
    }
    mx_rule *r = NULL;
    double g2 = 0, Cq = INFINITY, Cprev = INFINITY, b1 = 0, b2 = 0, Cr = 0;
    mx_sums sm;
    long Kr = 0;
    int stalled = 0, resolved = 0;
    for (;;) {
        if ((st = rules_get(&r, R, j)))
            return st;
        side_sums(f, r, q, gv, &sm);
        g2 = sm.g2;
        if (!isfinite(g2))
            return da_fail(DA_EDOM, "kernel matrix: E sigma(sqrt(q) X)^2 is not finite at q = %.17g", q);
        Kr = r->K;
        coef_sum(coef, r, gv, Kr, R->sk, R->isk, acc, s->kc);
        /* the norms of the bands M/4 <= k < M/2 and M/2 <= k < 3M/4 */
        b1 = b2 = 0;
        for (long k = r->M / 4; k < r->M / 2; k++)
            b1 += coef[k] * coef[k];
        for (long k = r->M / 2; k < Kr; k++)
            b2 += coef[k] * coef[k];
        b1 = sqrt(b1);
        b2 = sqrt(b2);
        Cr = 4 * sqrt((double)r->M) * MX_U * sqrt(g2);   /* the rounding floor */
        Cq = 2 * b2;
        resolved = Cq <= 1e-16 * sqrt(g2) || Cq <= Cr || g2 == 0;
        /* algebraic decay (a kink): the band falls by about 2^(-3/8) or less
           per step of sqrt 2 in M, where an analytic g's falls faster and
           faster; beyond 1024 nodes that no longer pays */
        stalled = r->M >= 1024 && Cq > 0.7 * Cprev;
        if (resolved || stalled || j == MX_NRULES - 1)
            break;
        Cprev = Cq;
        j++;
    }
    s->rj[i] = j;
    /* What the rule leaves: the ratio rb of the two bands extrapolates the
       decay.  The aliasing error of the kept a_k (k < 3M/4) is of the order
       of the coefficients beyond 5M/4: b2 rb^3; the tail beyond the kept
       ones, squared, 4 b2^2 rb^2/(1 - rb^2) (the factor 4 covers algebraic
       decay, where the geometric extrapolation is short), 100 b2^2 when
       the decay stalled.  Where the decay stalled, the extrapolation is
       not trusted: the aliasing is then taken as 4 b2, twice the last
       band's own error estimate. */
    double rb = b1 > 0 ? fmin(b2 / b1, 0.99) : (b2 > 0 ? 0.99 : 0);
    double Ca = stalled && !resolved ? 4 * b2 : 2 * b2 * rb * rb * rb;
    double T2 = stalled ? 100 * b2 * b2 : 4 * b2 * b2 * rb * rb / (1 - rb * rb);
    /* drop the trailing coefficients below the rounding floor (into the tail) */
    {
        double t = 0, fl = MX_U * MX_U * g2;
        while (Kr > 1 && t + coef[Kr - 1] * coef[Kr - 1] <= fl) {
            t += coef[Kr - 1] * coef[Kr - 1];
            Kr--;
        }
        T2 += t;
    }
    double *v = malloc((size_t)Kr * sizeof *v);
    if (!v)
        return DA_ENOMEM;
    free(s->raw[i]);
    s->raw[i] = v;
    memcpy(v, coef, (size_t)Kr * sizeof *v);
    side_stats(s, i, q, Kr, r->M, &sm, f, Ca, Cr, T2);
    return DA_OK;
}

/* the closed-form side: E_ii, D_ii from the closed form; L from 64 nodes */
static int side_one_cf(mx_side *s, size_t i, double q, const da_netk *k, const mx_fun *f,
                       mx_rules *R, double *gv)
{
    mx_rule *r;
    int st = rules_get(&r, R, 0);
    if (st)
        return st;
    double e0 = 0, e1 = 0, v0, v1;
    mx_sums sm;
    side_sums(f, r, q, gv, &sm);
    const double x2d = sm.x2d;
    (void)da_netk_eval_fast(&v0, &e0, k, q, q, q, 0);
    (void)da_netk_eval_fast(&v1, &e1, k, q, q, q, 1);
    s->g2[i] = v0;
    s->sg[i] = sqrt(fabs(v0));
    s->eg2[i] = e0;
    s->gd2[i] = q * v1;
    s->egd2[i] = q * e1;
    s->L[i] = isfinite(x2d) && v0 > 0 ? sqrt(q * x2d / 4) / sqrt(v0) : 1 + q;
    /* D's sensitivity to q from the closed form itself: a central difference
       over q (1 -+ 2^-10), with its truncation (1e-3) and rounding (the
       values' errors over the step) added */
    {
        const double h = 0x1p-10 * q, top = 2 * s->L[i] + 1;
        double dp = 0, dm = 0, fp = 0, fm = 0;
        (void)da_netk_eval_fast(&dp, &fp, k, q + h, q + h, q + h, 1);
        (void)da_netk_eval_fast(&dm, &fm, k, q - h, q - h, q - h, 1);
        double sd = (1.01 * fabs(dp - dm) + fp + fm) * q / (2 * h * fabs(v1)) + 1e-3;
        s->sD[i] = isfinite(sd) && sd < top ? sd : top;
    }
    return DA_OK;
}

int da_mx_side_alloc(mx_side *s, size_t n)
{
    s->n = n;
    s->K = 0;
    s->raw = calloc(n + 1, sizeof *s->raw);
    s->Kr = calloc(n + 1, sizeof *s->Kr);
    s->rj = malloc((n + 1) * sizeof *s->rj);
    for (size_t i = 0; s->rj && i <= n; i++)
        s->rj[i] = -1;
    double **v[] = {&s->g2, &s->gd2, &s->eg2, &s->egd2, &s->C, &s->Ca, &s->cM, &s->cMt, &s->l0t, &s->l2t, &s->cE, &s->T2,
                    &s->L, &s->sD, &s->sg, &s->nA, &s->nD, &s->nE, &s->nH, &s->l0, &s->l1, &s->l2, &s->l3,
                    &s->x2d, &s->nz, &s->nT};
    int ok = s->raw && s->Kr && s->rj;
    for (size_t t = 0; t < sizeof v / sizeof v[0]; t++) {
        *v[t] = calloc(n + 1, sizeof **v[t]);
        ok = ok && *v[t];
    }
    if (!ok) {
        da_mx_side_free(s);
        return DA_ENOMEM;
    }
    return DA_OK;
}

/* side_one (or side_one_cf with cf) for rows ix[t] (t < cnt; ix NULL: t)
 * of S at the variances q[t], over threads; 0 or the status */
static int fill_rows(mx_side *S, const size_t *ix, const double *q, size_t cnt, const mx_fun *f,
                     const da_netk *cf, mx_rules *R, int threads)
{
    volatile int bad = 0;
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
    {
        double *gv = malloc(MX_MMAX * sizeof *gv), *coef = malloc(MX_MMAX * sizeof *coef);
        double *acc = malloc(2 * (size_t)MX_MMAX * MX_LANES * sizeof *acc);
        if (!gv || !coef || !acc)
            bad = DA_ENOMEM;
#pragma omp for schedule(dynamic, 1)
        for (size_t t = 0; t < cnt; t++) {
            if (bad)
                continue;
            size_t i = ix ? ix[t] : t;
            int s2 = !cf ? side_one(S, i, q[t], f, R, gv, coef, acc)
                         : side_one_cf(S, i, q[t], cf, f, R, gv);
            if (s2 == DA_ENOMEM)
                da_clear_error();
            if (s2)
                bad = s2;
        }
        free(gv);
        free(coef);
        free(acc);
    }
    return bad;
}

/* ---- interpolation in q ------------------------------------------------------
 *
 * A layer of n variances has n coefficient vectors a(q_i), each a smooth
 * function of q.  When n is large they come from an interpolant: on
 * pieces [qa, qb] of the range (qb <= 2 qa), the vectors at the m
 * Chebyshev-Lobatto points (m = 17, then 33 reusing those) by the rules
 * as above, and the barycentric formula at every q_i of the piece.  The
 * interpolant is accepted when the last two Chebyshev coefficients of
 * every a_k (and of E g^2, q E s'^2) are below the rounding level of the
 * nodes' own coefficients (tau <= 1 below); else 33 points, else the
 * piece is halved.  An interpolated row's errors:
 *   aliasing  Ca = sum_l |lambda_l| Ca_l (lambda the Lagrange weights);
 *   rounding  per coefficient sqrt(sum lambda_l^2) (cM + 2 sqrt(k) u ||g||)
 *             + tau (cM + cE + 2 sqrt(k) u ||g||), and sigma's error
 *             sqrt(sum lambda_l^2) cE in l2, with the nodes' largest cM
 *             and cE (their rounding errors independent; tau the
 *             interpolation error, per coefficient);
 *   E g^2     sqrt(sum lambda_l^2) max e_l + 2 (its last two Chebyshev
 *             coefficients) + 2 (sum |lambda_l| + 1) u E g^2 (the sum's own
 *             rounding), the same for q E s'^2.
 * Pieces with few rows, or narrower than 1e-12 relative, use the rules per
 * row. */
#define MX_IMIN 48          /* a side of at least this many rows is interpolated */
#define MX_IM 33            /* the largest interpolant's points */

typedef struct {
    double q;
    size_t i;
} mx_qi;

static int qi_cmp(const void *a, const void *b)
{
    double x = ((const mx_qi *)a)->q, y = ((const mx_qi *)b)->q;
    return (x > y) - (x < y);
}

/* tau of the m-point interpolant (nodes N rows 0, st, 2st, ... of the
 * 33-point grid, st = 32/(m - 1)): the largest ratio of the last two
 * Chebyshev coefficients to the nodes' rounding level */
static double interp_tau(const mx_side *N, int m, long K, double *eg2t, double *egd2t)
{
    const int st = (MX_IM - 1) / (m - 1);
    double cs[MX_IM], cmax = 0, gmax = 0, tau = 0;
    for (int l = 0; l < m; l++) {
        cs[l] = cos(M_PI * (double)(m - 2) * (double)l / (double)(m - 1));
        double cl = N->cM[l * st] + N->cMt[l * st] + N->cE[l * st];
        cmax = cl > cmax ? cl : cmax;
        gmax = N->sg[l * st] > gmax ? N->sg[l * st] : gmax;
    }
    /* component k, scalars after the vector (k = K: E g^2, K + 1: q E s'^2) */
    for (long k = 0; k < K + 2; k++) {
        double c1 = 0, c2 = 0, lev = INFINITY;
        for (int l = 0; l < m; l++) {
            size_t r = (size_t)(l * st);
            double v = k < K ? (k < N->Kr[r] ? N->raw[r][k] : 0) : k == K ? N->g2[r] : N->gd2[r];
            double h = l == 0 || l == m - 1 ? 0.5 : 1;
            c1 += h * v * (l % 2 ? -1 : 1);
            c2 += h * v * cs[l];
        }
        c1 = fabs(c1) / (double)(m - 1);
        c2 = 2 * fabs(c2) / (double)(m - 1);
        if (k < K) {
            lev = cmax + 2 * sqrt((double)k) * MX_U * gmax;
        } else {
            double e = INFINITY;
            for (int l = 0; l < m; l++) {
                double el = k == K ? N->eg2[l * st] : N->egd2[l * st];
                e = el < e ? el : e;
            }
            lev = e;
            if (k == K)
                *eg2t = c1 + c2;
            else
                *egd2t = c1 + c2;
        }
        double t = (c1 + c2) / lev;
        if (!(t <= tau))
            tau = isnan(t) ? INFINITY : t;
    }
    return tau;
}

/* row i of S from the m-point interpolant on [qa, qb] */
static int interp_row(mx_side *S, size_t i, double q, const mx_side *N, int m, double qa,
                      double qb, long K, double tau, double eg2t, double egd2t)
{
    const int st = (MX_IM - 1) / (m - 1);
    double lam[MX_IM], sl = 0;
    int at = -1;
    for (int l = 0; l < m; l++) {
        double x = 0.5 * (qa + qb) + 0.5 * (qb - qa) * cos(M_PI * (double)l / (double)(m - 1));
        if (q == x)
            at = l;
        double w = (l % 2 ? -1.0 : 1.0) * (l == 0 || l == m - 1 ? 0.5 : 1);
        lam[l] = w / (q - x);
    }
    if (at >= 0)
        for (int l = 0; l < m; l++)
            lam[l] = l == at;
    for (int l = 0; l < m; l++)
        sl += lam[l];
    double s2 = 0, s1 = 0;
    for (int l = 0; l < m; l++) {
        lam[l] /= sl;
        s2 += lam[l] * lam[l];
        s1 += fabs(lam[l]);
    }
    double *v = malloc((size_t)(K > 0 ? K : 1) * sizeof *v);
    if (!v)
        return DA_ENOMEM;
    double g2 = 0, gd2 = 0, x2d = 0, eg2 = 0, egd2 = 0, Ca = 0, C = 0, T2 = 0, cM = 0, cE = 0;
    double cMt = 0;
    for (long k = 0; k < K; k++)
        v[k] = 0;
    for (int l = 0; l < m; l++) {
        size_t r = (size_t)(l * st);
        const double *a = N->raw[r], w = lam[l], aw = fabs(w);
        for (long k = 0; k < N->Kr[r]; k++)
            v[k] += w * a[k];
        g2 += w * N->g2[r];
        gd2 += w * N->gd2[r];
        x2d += w * N->x2d[r];
        eg2 = N->eg2[r] > eg2 ? N->eg2[r] : eg2;
        egd2 = N->egd2[r] > egd2 ? N->egd2[r] : egd2;
        Ca += aw * N->Ca[r];
        C += aw * N->C[r];
        T2 = N->T2[r] > T2 ? N->T2[r] : T2;
        cM = N->cM[r] > cM ? N->cM[r] : cM;
        cMt = N->cMt[r] > cMt ? N->cMt[r] : cMt;
        cE = N->cE[r] > cE ? N->cE[r] : cE;
    }
    /* the trailing coefficients below the rounding floor go to the tail */
    long Kr = K;
    double tt = 0, fl = MX_U * MX_U * g2;
    while (Kr > 1 && tt + v[Kr - 1] * v[Kr - 1] <= fl) {
        tt += v[Kr - 1] * v[Kr - 1];
        Kr--;
    }
    T2 += tt;
    free(S->raw[i]);
    S->raw[i] = v;
    side_norms(S, i, Kr, C * C + T2);
    S->nz[i] = sqrt(s2) + tau;
    S->g2[i] = g2;
    S->sg[i] = sqrt(fabs(g2));
    S->eg2[i] = sqrt(s2) * eg2 + 2 * eg2t + 2 * (s1 + 1) * MX_U * fabs(g2);
    S->gd2[i] = gd2;
    S->egd2[i] = sqrt(s2) * egd2 + 2 * egd2t + 2 * (s1 + 1) * MX_U * fabs(gd2);
    S->x2d[i] = x2d;
    S->Ca[i] = Ca;
    S->C[i] = C;
    S->T2[i] = T2;
    /* independent errors of the nodes combine as sqrt(sum lambda^2); the
       interpolation error tau is per coefficient, in units of the nodes'
       whole bound cM + cE */
    S->cM[i] = sqrt(s2) * cM + tau * (cM + cMt + cE);
    S->cMt[i] = sqrt(s2) * cMt;
    S->cE[i] = sqrt(s2) * cE;
    S->L[i] = g2 > 0 && isfinite(x2d) ? sqrt(fabs(q * x2d) / 4) / sqrt(g2) : 1 + q;
    /* D's sensitivity: the nodes' largest, with a tenth more for the
       change between them (q_b <= 2 q_a), and never above 2 L + 1 */
    {
        double sd = 0, top = 2 * S->L[i] + 1;
        for (int l = 0; l < m; l++)
            sd = N->sD[l * st] > sd ? N->sD[l * st] : sd;
        sd = 1.1 * sd;
        S->sD[i] = sd < top ? sd : top;
    }
    return DA_OK;
}

/* row d of S a copy of row s */
static int side_copy(mx_side *S, size_t d, size_t s)
{
    double *v = malloc((size_t)(S->Kr[s] > 0 ? S->Kr[s] : 1) * sizeof *v);
    if (!v)
        return DA_ENOMEM;
    memcpy(v, S->raw[s], (size_t)S->Kr[s] * sizeof *v);
    free(S->raw[d]);
    S->raw[d] = v;
    S->Kr[d] = S->Kr[s];
    S->rj[d] = S->rj[s];
    double *f[] = {S->g2, S->gd2, S->eg2, S->egd2, S->C, S->Ca, S->cM, S->cMt, S->l0t, S->l2t, S->cE, S->T2, S->L, S->sD, S->sg,
                   S->nA, S->nD, S->nE, S->nH, S->l0, S->l1, S->l2, S->l3, S->x2d, S->nz,
                   S->nT};
    for (size_t t = 0; t < sizeof f / sizeof f[0]; t++)
        f[t][d] = f[t][s];
    return DA_OK;
}

/* the rows of one side by interpolation in q (a side of nn >= MX_IMIN rows) */
static int fill_interp(mx_side *S, const double *Q, size_t nn, const mx_fun *f, mx_rules *R,
                       int threads)
{
    mx_qi *o = malloc(nn * sizeof *o);
    double (*pc)[2] = malloc(64 * sizeof *pc);   /* the pieces still to do, a stack */
    mx_side N;
    memset(&N, 0, sizeof N);
    int st = DA_OK, np = 0;
    if (!o || !pc || da_mx_side_alloc(&N, MX_IM)) {
        free(o);
        free(pc);
        return DA_ENOMEM;
    }
    N.kc = S->kc;
    for (size_t i = 0; i < nn; i++) {
        o[i].q = Q[i];
        o[i].i = i;
    }
    qsort(o, nn, sizeof *o, qi_cmp);
    /* the pieces, popped from the top of the range down: a fixed order, so
       a row on the boundary of two pieces always goes to the same one */
    {
        double qa = o[0].q, qb = o[nn - 1].q;
        double cut[64];
        int nc = 0;
        cut[nc++] = qb;
        while (nc < 60 && cut[nc - 1] > 2 * qa)
            cut[nc] = cut[nc - 1] / 2, nc++;
        cut[nc++] = qa;
        for (int t = nc - 1; t > 0; t--) {
            pc[np][0] = cut[t];
            pc[np][1] = cut[t - 1];
            np++;
        }
    }
    size_t *ix = malloc(nn * sizeof *ix);
    double *qv = malloc(nn * sizeof *qv);
    char *done = calloc(nn, 1);
    if (!ix || !qv || !done)
        st = DA_ENOMEM;
    while (!st && np > 0) {
        double qa = pc[np - 1][0], qb = pc[np - 1][1];
        np--;
        /* the rows of the piece: qa <= q <= qb, not yet done (sorted: a range) */
        size_t lo = 0, hi = nn;
        {
            size_t a = 0, b = nn;
            while (a < b) {
                size_t mid = a + (b - a) / 2;
                if (o[mid].q < qa) a = mid + 1; else b = mid;
            }
            lo = a;
            a = lo, b = nn;
            while (a < b) {
                size_t mid = a + (b - a) / 2;
                if (o[mid].q <= qb) a = mid + 1; else b = mid;
            }
            hi = a;
        }
        /* a row on a boundary belongs to the piece that takes it first */
        size_t cnt = 0;
        for (size_t t = lo; t < hi; t++)
            if (!done[t]) {
                ix[cnt] = o[t].i;
                qv[cnt] = o[t].q;
                cnt++;
            }
        if (cnt == 0)
            continue;
        if (cnt <= 17) {
            st = fill_rows(S, ix, qv, cnt, f, NULL, R, threads);
        } else if (qb - qa <= 1e-12 * qb) {
            /* equal variances (up to 1e-12): each distinct one once */
            size_t nd = 0;
            for (size_t t = 0; t < cnt; t++)
                if (t == 0 || qv[t] != qv[t - 1]) {
                    ix[nd] = ix[t];
                    qv[nd] = qv[t];
                    nd++;
                }
            if (!(st = fill_rows(S, ix, qv, nd, f, NULL, R, threads))) {
                size_t src = 0;
                for (size_t t = lo; t < hi && !st; t++) {
                    if (done[t])
                        continue;
                    while (src + 1 < nd && qv[src] != o[t].q)
                        src++;
                    if (o[t].i != ix[src])
                        st = side_copy(S, o[t].i, ix[src]);
                }
            }
        } else {
            int m = 17, ok = 0;
            double tau = 0, eg2t = 0, egd2t = 0;
            long K = 0;
            for (;;) {
                /* the new nodes of the m-point grid (33-grid rows) */
                size_t nix[MX_IM];
                double nq[MX_IM];
                int nn2 = 0, st2 = (MX_IM - 1) / (m - 1);
                for (int l = 0; l < m; l++)
                    if (m == 17 || l % 2) {
                        nix[nn2] = (size_t)(l * st2);
                        nq[nn2] = 0.5 * (qa + qb) + 0.5 * (qb - qa) * cos(M_PI * (double)l / (double)(m - 1));
                        N.rj[nix[nn2]] = -1;
                        nn2++;
                    }
                if ((st = fill_rows(&N, nix, nq, (size_t)nn2, f, NULL, R, threads)))
                    break;
                K = 0;
                for (int l = 0; l < m; l++)
                    K = N.Kr[l * st2] > K ? N.Kr[l * st2] : K;
                tau = interp_tau(&N, m, K, &eg2t, &egd2t);
                if (tau <= 1) {
                    ok = 1;
                    break;
                }
                if (m == MX_IM)
                    break;
                m = MX_IM;
            }
            if (st)
                break;
            if (ok) {
                volatile int bad = 0;
#pragma omp parallel for num_threads(threads > 0 ? threads : omp_get_max_threads()) schedule(dynamic, 16)
                for (size_t t = 0; t < cnt; t++)
                    if (!bad && interp_row(S, ix[t], qv[t], &N, m, qa, qb, K, tau, eg2t, egd2t))
                        bad = DA_ENOMEM;
                st = bad;
            } else if (np + 2 <= 64) {
                double mid = 0.5 * (qa + qb);
                pc[np][0] = mid; pc[np][1] = qb; np++;
                pc[np][0] = qa; pc[np][1] = mid; np++;
                continue;
            } else {
                st = fill_rows(S, ix, qv, cnt, f, NULL, R, threads);
            }
        }
        for (size_t t = lo; t < hi; t++)
            done[t] = 1;
    }
    free(ix);
    free(qv);
    free(done);
    free(o);
    free(pc);
    da_mx_side_free(&N);
    return st;
}

/* the side of one layer: the coefficient vectors (cf == NULL) or the
 * closed-form diagonals (cf: the kernel) of the n variances Q, over
 * threads (interpolated in q when many); 0 or the status (layer: for the
 * message) */
int da_mx_side_fill(mx_side *S, const double *Q, size_t nn, const mx_fun *f, const da_netk *cf,
                    mx_rules *R, int threads, long layer)
{
    S->kc = f->kinks ? 0 : MX_KC;
    int bad = !cf && nn >= MX_IMIN ? fill_interp(S, Q, nn, f, R, threads)
                                   : fill_rows(S, NULL, Q, nn, f, cf, R, threads);
    if (bad)
        return bad == DA_ENOMEM ? da_fail(DA_ENOMEM, "kernel matrix: coefficients")
                                : da_fail(bad, "kernel matrix: sigma(sqrt(q) x) is not finite in "
                                               "the mean square at layer %ld", layer);
    return DA_OK;
}

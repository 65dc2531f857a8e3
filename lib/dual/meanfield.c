/* meanfield.c -- mean-field signal propagation in double precision.
 *
 * da_meanfield_kernel is a view of the general-variance maps (netkernel.c)
 * when the raw activation has a closed form there (relu, erf, gelu, ...):
 * the value and its proved bound come from da_netk_eval_d.  Otherwise,
 * and for the one-dimensional moments,
 * integrals against the Gaussian are done with composite Gauss-Legendre
 * rules on [-10, 10] (in units of the standard deviation), cut into
 * pieces of length at most 2.5 and at the breakpoints of the activation
 * (for the two-dimensional kernel, the inner variable is cut where the
 * second argument crosses a breakpoint).  Each integral is computed with
 * 20 and with 10 nodes per piece; the error estimate is their difference
 * (the error of the coarser rule, a generous estimate for the finer one,
 * which is returned) plus 64 ulp of the sum of absolute values of the
 * terms and 1e-20 for the truncation at 10 standard deviations (phi(10)
 * ~ 8e-23 times the activation's growth).  These are estimates, not
 * proofs: the mean-field numbers are double precision by design.
 *
 * Fixed points: q* is the limit of the length map q <- q + h(q),
 * h(q) = sw2 E[s(sqrt(q) Z)^2] + sb2 - q, iterated from q = 1 (unit inputs)
 * when it settles within 4000 steps; otherwise a scan of q = 1e-10 4^j
 * for the first sign change of h from + to -, then bisection;
 * c* = 1 when chi_1 < 1 (ordered), otherwise the first sign change of
 * G(c) = (sw2 K(c q*) + sb2)/q* - c below 1, by a scan of step 0.05 and
 * bisection.  The slope of the length map is sw2 E[s(X) s'(X) X]/q*
 * (= chi_1 + sw2 E[s'' s] by Stein's lemma, without needing s''). */
#include "core/core.h"
#include "dual/dual.h"
#include "hermite/hermite.h"
#include "dual/mf_arb.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MF_L 10.0
#define MF_PIECE 2.5
#define MAXCUT 512

struct da_meanfield {
    const da_act *act;
    da_act *dact;       /* sigma' (NULL if sigma jumps) */
    int jump;
    double shift, scale;
    int nbrk;
    double brk[64];
    double x20[20], w20[20], x10[10], w10[10];
    da_netk *nk;        /* the closed form at general variances, if any (raw sigma) */
    da_mfa *mfa;        /* the proved path (NULL: why_est says why not) */
    char why_est[200];
};

/* Gauss-Legendre on [-1, 1] by Newton on P_n */
static void gauss_legendre(int n, double *x, double *w)
{
    for (int i = 0; i < n; i++) {
        double z = cos(M_PI * (i + 0.75) / (n + 0.5)), pp = 0;
        for (int it = 0; it < 100; it++) {
            double p1 = 1, p2 = 0;
            for (int j = 1; j <= n; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1) * z * p2 - (j - 1.0) * p3) / j;
            }
            pp = n * (z * p1 - p2) / (z * z - 1);
            double dz = p1 / pp;
            z -= dz;
            if (fabs(dz) < 1e-16)
                break;
        }
        x[i] = z;
        w[i] = 2 / ((1 - z * z) * pp * pp);
    }
}

int da_meanfield_new(da_meanfield **out, const da_act *act, int normalized)
{
    *out = NULL;
    if (!da_act_double_ok(act))
        return da_fail(DA_EDOM, "'%s' cannot be evaluated accurately in double precision "
                       "(cancellation), which the mean-field computation uses", da_act_spec(act));
    da_meanfield *mf = da_calloc(1, sizeof *mf);
    if (!mf)
        return DA_ENOMEM;
    mf->act = act;
    mf->jump = da_act_has_jump(act);
    mf->shift = 0;
    mf->scale = 1;
    size_t nb = 0;
    da_act_breakpoints(mf->brk, 64, &nb, act);
    mf->nbrk = nb > 64 ? 64 : (int)nb;
    gauss_legendre(20, mf->x20, mf->w20);
    gauss_legendre(10, mf->x10, mf->w10);
    if (!mf->jump && da_act_derivative(&mf->dact, act) != DA_OK) {
        da_meanfield_free(mf);
        return da_fail(DA_EDOM, "cannot differentiate '%s'", da_act_spec(act));
    }
    *out = mf;
    if (normalized)
        snprintf(mf->why_est, sizeof mf->why_est,
                 "normalized sigma: the proved path covers sigma as given only");
    else
        mf->mfa = da_mfa_new(act, mf->dact, mf->why_est, sizeof mf->why_est);
    if (!normalized) {
        /* the kernel is a view of the general-variance maps when a closed
           form applies (rigorous balls, evaluated at 20 digits) */
        da_netk_opts no;
        da_netk_opts_init(&no);
        no.digits = 20;
        if (da_netk_new(&mf->nk, act, &no) == DA_OK && !da_netk_closed(mf->nk)) {
            da_netk_free(mf->nk);
            mf->nk = NULL;
        }
        da_clear_error();
    }
    if (normalized) {
        /* the moments of the raw sigma, from the Hermite engine */
        double mean, sd;
        if (da_hermite_moments_d(&mean, &sd, act) != DA_OK || !(sd > 1e-150)) {
            da_meanfield_free(mf);
            *out = NULL;
            return da_fail(DA_EDOM, "activation '%s' has zero variance: it cannot be normalized",
                           da_act_spec(act));
        }
        mf->shift = mean;
        mf->scale = sd;
    }
    return DA_OK;
}

void da_meanfield_free(da_meanfield *mf)
{
    if (!mf)
        return;
    da_mfa_free(mf->mfa);
    da_act_free(mf->dact);
    da_netk_free(mf->nk);
    free(mf);
}

static double sv(const da_meanfield *mf, double x)
{
    return (da_act_value_d(mf->act, x) - mf->shift) / mf->scale;
}

static double dsv(const da_meanfield *mf, double x)
{
    return da_act_value_d(mf->dact, x) / mf->scale;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* cut points of [-L, L]: pieces of length <= MF_PIECE plus extra points */
static int make_cuts(double *cut, const double *extra, int nextra)
{
    int n = 0;
    int np = (int)ceil(2 * MF_L / MF_PIECE);
    for (int i = 0; i <= np; i++)
        cut[n++] = -MF_L + 2 * MF_L * i / np;
    for (int i = 0; i < nextra && n < MAXCUT; i++)
        if (extra[i] > -MF_L && extra[i] < MF_L)
            cut[n++] = extra[i];
    qsort(cut, (size_t)n, sizeof *cut, cmpd);
    return n;
}

static const double PHI0 = 0.398942280401432677939946059934;

/* the 1D integrand family: which 0: s(a z)^2, 1: s'(a z)^2, 2: s(az) s'(az) az,
 * 3: s(a z), 4: s(a z) s(b z), 5: s'(az) s'(bz) */
static double f1(const da_meanfield *mf, int which, double a, double b, double z)
{
    double x = a * z;
    switch (which) {
    case 0: { double s = sv(mf, x); return s * s; }
    case 1: { double s = dsv(mf, x); return s * s; }
    case 2: return sv(mf, x) * dsv(mf, x) * x;
    case 3: return sv(mf, x);
    case 4: return sv(mf, x) * sv(mf, b * z);
    default: return dsv(mf, x) * dsv(mf, b * z);
    }
}

static void int1(const da_meanfield *mf, int which, double a, double b, double *val, double *err)
{
    double extra[130];
    int ne = 0;
    for (int i = 0; i < mf->nbrk; i++) {
        if (a != 0)
            extra[ne++] = mf->brk[i] / a;
        if ((which == 4 || which == 5) && b != 0)
            extra[ne++] = mf->brk[i] / b;
    }
    double cut[MAXCUT];
    int nc = make_cuts(cut, extra, ne);
    double s20 = 0, s10 = 0, mag = 0;
    for (int p = 0; p + 1 < nc; p++) {
        double lo = cut[p], hi = cut[p + 1], h = (hi - lo) / 2, c = (hi + lo) / 2;
        if (h <= 0)
            continue;
        for (int i = 0; i < 20; i++) {
            double z = c + h * mf->x20[i];
            double t = h * mf->w20[i] * PHI0 * exp(-z * z / 2) * f1(mf, which, a, b, z);
            s20 += t;
            mag += fabs(t);
        }
        for (int i = 0; i < 10; i++) {
            double z = c + h * mf->x10[i];
            s10 += h * mf->w10[i] * PHI0 * exp(-z * z / 2) * f1(mf, which, a, b, z);
        }
    }
    *val = s20;
    *err = fabs(s20 - s10) + 64 * 0x1p-53 * mag + 1e-20;
}

int da_meanfield_kernel(double *val, double *err, const da_meanfield *mf,
                        double q1, double q2, double c, int deriv)
{
    if (!(q1 >= 0 && q2 >= 0) || !isfinite(q1) || !isfinite(q2) || !isfinite(c))
        return da_fail(DA_EINVAL, "variances must be finite and non-negative");
    if (c * c > q1 * q2 * (1 + 1e-12))
        return da_fail(DA_EINVAL, "covariance %g exceeds sqrt(q1 q2)", c);
    if (deriv && mf->jump) {
        *val = INFINITY;
        *err = 0;
        return da_fail(DA_EINFINITE, "E[sigma'(u) sigma'(v)] is infinite: the activation jumps");
    }
    int w2 = deriv ? 5 : 4;
    if (mf->nk && q1 > 0 && q2 > 0 && c * c <= q1 * q2) {
        double e, v;
        da_netk_eval_d(&v, &e, (da_netk *)mf->nk, q1, q2, c, deriv);
        if (isfinite(v) && isfinite(e)) {
            *val = v;
            *err = e;
            return DA_OK;
        }
        da_clear_error();
    }
    if (q1 == 0 || q2 == 0) {
        /* one argument is the constant 0 */
        double v0 = deriv ? dsv(mf, 0) : sv(mf, 0), v, e;
        double q = q1 == 0 ? q2 : q1;
        if (q == 0) {
            *val = v0 * v0;
            *err = 0;
            return DA_OK;
        }
        /* E[s(sqrt(q) Z)] or E[s'(sqrt(q) Z)] */
        double extra[64];
        int ne = 0;
        for (int i = 0; i < mf->nbrk; i++)
            extra[ne++] = mf->brk[i] / sqrt(q);
        double cut[MAXCUT];
        int nc = make_cuts(cut, extra, ne);
        double s20 = 0, s10 = 0, mag = 0;
        for (int p = 0; p + 1 < nc; p++) {
            double lo = cut[p], hi = cut[p + 1], h = (hi - lo) / 2, cc = (hi + lo) / 2;
            for (int i = 0; i < 20; i++) {
                double z = cc + h * mf->x20[i];
                double f = deriv ? dsv(mf, sqrt(q) * z) : sv(mf, sqrt(q) * z);
                double t = h * mf->w20[i] * PHI0 * exp(-z * z / 2) * f;
                s20 += t;
                mag += fabs(t);
            }
            for (int i = 0; i < 10; i++) {
                double z = cc + h * mf->x10[i];
                double f = deriv ? dsv(mf, sqrt(q) * z) : sv(mf, sqrt(q) * z);
                s10 += h * mf->w10[i] * PHI0 * exp(-z * z / 2) * f;
            }
        }
        v = v0 * s20;
        e = fabs(v0) * (fabs(s20 - s10) + 64 * 0x1p-53 * mag + 1e-20);
        *val = v;
        *err = e;
        return DA_OK;
    }
    double rho = c / sqrt(q1 * q2);
    if (rho > 1)
        rho = 1;
    if (rho < -1)
        rho = -1;
    double a = sqrt(q1);
    if (1 - fabs(rho) < 1e-13) {
        int1(mf, w2, a, rho > 0 ? sqrt(q2) : -sqrt(q2), val, err);
        return DA_OK;
    }
    /* u = a x, v = al x + be z */
    double al = rho * sqrt(q2), be = sqrt(q2) * sqrt((1 - rho) * (1 + rho));
    double extra[64];
    int ne = 0;
    for (int i = 0; i < mf->nbrk; i++)
        extra[ne++] = mf->brk[i] / a;
    double cut[MAXCUT];
    int nc = make_cuts(cut, extra, ne);
    double o20 = 0, o10 = 0, mag = 0;
    for (int p = 0; p + 1 < nc; p++) {
        double lo = cut[p], hi = cut[p + 1], h = (hi - lo) / 2, cc = (hi + lo) / 2;
        for (int order = 0; order < 2; order++) {
            int n = order ? 10 : 20;
            const double *xs = order ? mf->x10 : mf->x20, *ws = order ? mf->w10 : mf->w20;
            for (int i = 0; i < n; i++) {
                double x = cc + h * xs[i];
                double fu = deriv ? dsv(mf, a * x) : sv(mf, a * x);
                /* inner integral over z at the same order */
                double ex2[64];
                int ne2 = 0;
                for (int j = 0; j < mf->nbrk; j++)
                    ex2[ne2++] = (mf->brk[j] - al * x) / be;
                double cut2[MAXCUT];
                int nc2 = make_cuts(cut2, ex2, ne2);
                double in = 0, inmag = 0;
                for (int q = 0; q + 1 < nc2; q++) {
                    double lo2 = cut2[q], hi2 = cut2[q + 1], h2 = (hi2 - lo2) / 2, c2 = (hi2 + lo2) / 2;
                    if (h2 <= 0)
                        continue;
                    for (int k = 0; k < n; k++) {
                        double z = c2 + h2 * xs[k];
                        double y = al * x + be * z;
                        double t = h2 * ws[k] * PHI0 * exp(-z * z / 2) * (deriv ? dsv(mf, y) : sv(mf, y));
                        in += t;
                        inmag += fabs(t);
                    }
                }
                double wt = h * ws[i] * PHI0 * exp(-x * x / 2);
                if (order) {
                    o10 += wt * fu * in;
                } else {
                    o20 += wt * fu * in;
                    mag += fabs(wt * fu) * inmag;
                }
            }
        }
    }
    *val = o20;
    *err = fabs(o20 - o10) + 64 * 0x1p-53 * mag + 1e-20;
    return DA_OK;
}

/* ---- fixed points ------------------------------------------------------- */

static double hq(const da_meanfield *mf, double sw2, double sb2, double q, double *err)
{
    double v, e;
    int1(mf, 0, sqrt(q), 0, &v, &e);
    *err = sw2 * e;
    return sw2 * v + sb2 - q;
}

const char *da_meanfield_phase_name(int p)
{
    switch (p) {
    case DA_PHASE_ORDERED: return "ordered";
    case DA_PHASE_CHAOTIC: return "chaotic";
    case DA_PHASE_CRITICAL: return "critical";
    default: return "unbounded";
    }
}

static void find_q(const da_meanfield *mf, double sw2, double sb2, double *q, double *qerr, double *ie)
{
    double e;
    /* the length map iterated from q = 1 (unit inputs): its limit is the
       fixed point the signal actually reaches, including a point where
       h only touches 0 (the normalized ReLU at sw2 = 1, sb2 = 0: h(q) >= 0
       with h(1) = 0, which no sign change reveals) */
    {
        double ql = 1.0;
        for (int it = 0; it < 4000; it++) {
            double h = hq(mf, sw2, sb2, ql, &e);
            double qn = ql + h;
            if (!isfinite(qn) || qn > 1e12)
                break;
            if (fabs(h) <= 1e-14 * (ql > 1 ? ql : 1) + 4 * e) {
                /* the residual |h| (and the integration error) becomes a
                   distance to the root in da_meanfield_point, divided by
                   |1 - slope| (or its square root at a tangency) */
                *q = qn;
                *qerr = 0;
                *ie = fabs(h) + 4 * e;
                return;
            }
            ql = qn > 0 ? qn : 0;
        }
    }
    double qprev = 0, hprev = hq(mf, sw2, sb2, 0, &e);
    *ie = e;
    if (hprev < 0) {
        *q = 0;
        *qerr = 0;
        return;
    }
    for (int j = 0; j <= 32; j++) {
        double qj = 1e-10 * pow(4.0, j);
        double h = hq(mf, sw2, sb2, qj, &e);
        if (h < 0) {
            double lo = qprev, hi = qj;
            for (int it = 0; it < 200 && hi - lo > 1e-16 * hi; it++) {
                double mid = 0.5 * (lo + hi);
                if (hq(mf, sw2, sb2, mid, &e) >= 0)
                    lo = mid;
                else
                    hi = mid;
            }
            *q = 0.5 * (lo + hi);
            hq(mf, sw2, sb2, *q, ie);
            *qerr = 0.5 * (hi - lo);
            return;
        }
        qprev = qj;
        hprev = h;
    }
    *q = INFINITY;
    *qerr = 0;
}

static void chi1_at(const da_meanfield *mf, double sw2, double q, double *chi, double *err)
{
    if (mf->jump) {
        *chi = INFINITY;
        *err = 0;
        return;
    }
    double v, e;
    int1(mf, 1, sqrt(q), 0, &v, &e);
    *chi = sw2 * v;
    *err = sw2 * e;
}

static int point_d(da_mf_point *r, const da_meanfield *mf, double sw2, double sb2)
{
    memset(r, 0, sizeof *r);
    if (!(sw2 > 0) || !(sb2 >= 0) || !isfinite(sw2) || !isfinite(sb2))
        return da_fail(DA_EINVAL, "need sw2 > 0 and sb2 >= 0");
    r->sw2 = sw2;
    r->sb2 = sb2;
    double ie;
    find_q(mf, sw2, sb2, &r->q, &r->q_err, &ie);
    if (!isfinite(r->q)) {
        r->phase = DA_PHASE_UNBOUNDED;
        r->c = r->chi1 = r->chic = r->xi_q = r->xi_c = NAN;
        r->c_err = r->chi1_err = r->chic_err = r->xi_q_err = r->xi_c_err = INFINITY;
        return DA_OK;
    }
    double q = r->q;
    chi1_at(mf, sw2, q, &r->chi1, &r->chi1_err);
    /* slope of the length map */
    double qe = q > 1e-12 ? q : 1e-12, v, e;
    if (mf->jump) {
        v = NAN;
        e = INFINITY;
    } else {
        int1(mf, 2, sqrt(qe), 0, &v, &e);
        v /= qe;
        e /= qe;
    }
    double slope = sw2 * v, slope_err = sw2 * e;
    /* an integration error ie moves the root of h by ie/|1 - slope|; where
       h only touches 0 (slope 1) by about sqrt(ie) instead */
    double denom = isfinite(slope) ? fabs(1 - slope) : 0;
    if (denom < sqrt(ie))
        denom = sqrt(ie);
    r->q_err += denom > 0 ? ie / denom : ie;
    if (isfinite(slope) && fabs(1 - slope) <= slope_err + 1e-12) {
        /* the slope cannot be separated from 1: no finite depth scale */
        r->xi_q = INFINITY;
        r->xi_q_err = 0;
    } else if (isfinite(slope) && fabs(slope) < 1 && slope != 0) {
        double L = log(fabs(slope));
        r->xi_q = -1 / L;
        r->xi_q_err = slope_err / (fabs(slope) * L * L);
    } else {
        r->xi_q = isfinite(slope) ? INFINITY : NAN;
        r->xi_q_err = INFINITY;
    }
    /* phase */
    double tolc = r->chi1_err + 1e-12;
    if (fabs(r->chi1 - 1) <= tolc)
        r->phase = DA_PHASE_CRITICAL;
    else
        r->phase = r->chi1 < 1 ? DA_PHASE_ORDERED : DA_PHASE_CHAOTIC;
    if (r->phase != DA_PHASE_CHAOTIC || q == 0) {
        r->c = 1;
        r->c_err = 0;
        r->chic = r->chi1;
        r->chic_err = r->chi1_err;
    } else {
        /* G(c) = (sw2 K(c q) + sb2)/q - c */
        double cprev = 1, c = 1, lo = 0, hi = 0, Ke = 0;
        int found = 0;
        for (int j = 1; j <= 40; j++) {
            c = 1 - 0.05 * j;
            if (c < -1)
                c = -1;
            double K;
            da_meanfield_kernel(&K, &Ke, mf, q, q, c * q, 0);
            double G = (sw2 * K + sb2) / q - c;
            if (G > 0) {
                lo = c;
                hi = cprev;
                found = 1;
                break;
            }
            cprev = c;
        }
        if (!found) {
            r->c = -1;
            r->c_err = 0;
        } else {
            for (int it = 0; it < 60 && hi - lo > 1e-15; it++) {
                double m = 0.5 * (lo + hi), K;
                da_meanfield_kernel(&K, &Ke, mf, q, q, m * q, 0);
                if ((sw2 * K + sb2) / q - m > 0)
                    lo = m;
                else
                    hi = m;
            }
            r->c = 0.5 * (lo + hi);
            r->c_err = 0.5 * (hi - lo);
        }
        double D, De;
        if (da_meanfield_kernel(&D, &De, mf, q, q, r->c * q, 1) == DA_OK) {
            r->chic = sw2 * D;
            r->chic_err = sw2 * De;
            if (fabs(1 - r->chic) > 1e-6)
                r->c_err += sw2 * Ke / q / fabs(1 - r->chic);
            else
                r->c_err = INFINITY;
            /* the error of q* moves c* and chi_c too: d c* / d q = -(dG/dq)/(dG/dc)
               with dG/dc = chi_c - 1, dG/dq and dchi_c/dq by central
               differences (step 1e-4 q*, doubled) */
            if (isfinite(r->c_err) && r->q_err > 0 && isfinite(r->q_err)) {
                double h = 1e-4 * q, Kp, Km, Dp, Dm, e;
                if (da_meanfield_kernel(&Kp, &e, mf, q + h, q + h, r->c * (q + h), 0) == DA_OK &&
                    da_meanfield_kernel(&Km, &e, mf, q - h, q - h, r->c * (q - h), 0) == DA_OK &&
                    da_meanfield_kernel(&Dp, &e, mf, q + h, q + h, r->c * (q + h), 1) == DA_OK &&
                    da_meanfield_kernel(&Dm, &e, mf, q - h, q - h, r->c * (q - h), 1) == DA_OK) {
                    double Gp = (sw2 * Kp + sb2) / (q + h), Gm = (sw2 * Km + sb2) / (q - h);
                    double dGdq = (Gp - Gm) / (2 * h), dchi = sw2 * (Dp - Dm) / (2 * h);
                    r->c_err += 2 * fabs(dGdq) * r->q_err / fabs(1 - r->chic);
                    r->chic_err += 2 * fabs(dchi) * r->q_err;
                } else {
                    da_clear_error();
                }
            }
        } else {
            da_clear_error();
            r->chic = NAN;
            r->chic_err = INFINITY;
        }
    }
    if (isfinite(r->chic) && r->chic > 0 && r->chic < 1) {
        double L = log(r->chic);
        r->xi_c = -1 / L;
        r->xi_c_err = r->chic_err / (r->chic * L * L);
    } else if (r->phase == DA_PHASE_CRITICAL) {
        r->xi_c = INFINITY;
        r->xi_c_err = INFINITY;
    } else {
        r->xi_c = NAN;
        r->xi_c_err = INFINITY;
    }
    return DA_OK;
}

static int critical_d(double *sw2, double *err, const da_meanfield *mf, double sb2)
{
    if (mf->jump)
        return da_fail(DA_EDOM, "chi_1 is infinite for an activation that jumps: no critical line");
    if (!(sb2 >= 0))
        return da_fail(DA_EINVAL, "need sb2 >= 0");
    double prev = 0, fprev = 0;
    for (int j = 0; j <= 60; j++) {
        double w = 1e-3 * pow(10.0, j / 10.0), q, qe, ie, chi, ce;
        find_q(mf, w, sb2, &q, &qe, &ie);
        if (!isfinite(q)) {
            /* the length map diverges beyond some sw2: chi_1 may reach 1
               exactly there (ReLU: sw2 = 2); locate the threshold */
            if (j == 0)
                break;
            double lo = prev, hi = w;
            for (int it = 0; it < 100 && hi - lo > 1e-15 * hi; it++) {
                double m = sqrt(lo * hi);
                find_q(mf, m, sb2, &q, &qe, &ie);
                if (isfinite(q))
                    lo = m;
                else
                    hi = m;
            }
            find_q(mf, lo, sb2, &q, &qe, &ie);
            chi1_at(mf, lo, q, &chi, &ce);
            if (isfinite(q) && fabs(chi - 1) <= 1e-6) {
                *sw2 = lo;
                *err = (hi - lo) + lo * (fabs(chi - 1) + ce) * 2;
                return DA_OK;
            }
            break;
        }
        chi1_at(mf, w, q, &chi, &ce);
        double f = chi - 1;
        if (j > 0 && fprev < 0 && f >= 0) {
            double lo = prev, hi = w;
            for (int it = 0; it < 100 && hi - lo > 1e-15 * hi; it++) {
                double m = sqrt(lo * hi);
                find_q(mf, m, sb2, &q, &qe, &ie);
                chi1_at(mf, m, q, &chi, &ce);
                if (chi < 1)
                    lo = m;
                else
                    hi = m;
            }
            double r = sqrt(lo * hi);
            *sw2 = r;
            /* error: the bracket, plus the error of chi_1 (its integration
               error and the effect of the error of q*) divided by the
               smaller one-sided slope of chi_1(sw2) at the root */
            find_q(mf, r, sb2, &q, &qe, &ie);
            chi1_at(mf, r, q, &chi, &ce);
            double dq = q > 0 ? 1e-4 * q : 1e-8, c1, c2, e1;
            chi1_at(mf, r, q + dq, &c1, &e1);
            double dchidq = fabs(c1 - chi) / dq;
            double slope_len = 0, v, e;
            if (q > 0) {
                int1(mf, 2, sqrt(q), 0, &v, &e);
                slope_len = r * v / q;
            }
            double qerr = qe + ie / (fabs(1 - slope_len) > 1e-8 ? fabs(1 - slope_len) : 1e-8);
            double chierr = ce + dchidq * qerr + 1e-15;
            double del = 1e-4 * r, sl = INFINITY;
            for (int side = -1; side <= 1; side += 2) {
                double ws = r + side * del, qs, qse, ies;
                find_q(mf, ws, sb2, &qs, &qse, &ies);
                chi1_at(mf, ws, qs, &c2, &e1);
                double sv_ = fabs(c2 - chi) / del;
                if (sv_ < sl)
                    sl = sv_;
            }
            if (!(sl > 0))
                sl = 1e-300;
            *err = (hi - lo) + chierr / sl;
            if (*err > del && chierr / sl > del)
                *err = chierr / sl;   /* the slope estimate is itself rough here */
            return DA_OK;
        }
        prev = w;
        fprev = f;
    }
    return da_fail(DA_EDOM, "no critical point (chi_1 = 1) for sw2 in [1e-3, 1e3] at sb2 = %g", sb2);
}

/* ---- the proved path first, the double estimates as the fallback ------- */

int da_meanfield_point(da_mf_point *r, const da_meanfield *mf, double sw2, double sb2)
{
    int st = point_d(r, mf, sw2, sb2);
    if (st)
        return st;
    r->rigorous = 0;
    r->xi_q_lo = r->xi_c_lo = 0;
    if (!mf->mfa) {
        snprintf(r->bound_reason, sizeof r->bound_reason, "%s", mf->why_est);
        return DA_OK;
    }
    char why[200] = "";
    da_mf_point est = *r;
    if (da_mfa_point(r, mf->mfa, sw2, sb2, &est, why, sizeof why) != DA_OK) {
        *r = est;
        snprintf(r->bound_reason, sizeof r->bound_reason, "%s", why);
    }
    da_clear_error();
    return DA_OK;
}

typedef struct {
    const da_meanfield *mf;
    double sb2;
} qarg;

static double q_estimate(void *p, double w)
{
    qarg *a = p;
    double q, qe, ie;
    find_q(a->mf, w, a->sb2, &q, &qe, &ie);
    return q;
}

int da_meanfield_critical_b(double *sw2, double *err, int *rigorous, char *reason,
                            const da_meanfield *mf, double sb2)
{
    *rigorous = 0;
    char why[200] = "";
    if (mf->mfa) {
        /* sb2 = 0 with sigma(0) = 0 needs no estimate to start from */
        qarg a = {mf, sb2};
        double w0 = NAN, e0 = 0;
        int st = critical_d(&w0, &e0, mf, sb2);
        da_clear_error();
        if (da_mfa_critical(sw2, err, mf->mfa, sb2, w0, e0, q_estimate, &a, why,
                            sizeof why) == DA_OK) {
            *rigorous = 1;
            if (reason)
                reason[0] = '\0';
            return DA_OK;
        }
        da_clear_error();
        (void)st;
    } else {
        snprintf(why, sizeof why, "%s", mf->why_est);
    }
    if (reason)
        snprintf(reason, 200, "%s", why);
    return critical_d(sw2, err, mf, sb2);
}

/* the double estimate only: fast, for plots (da_meanfield_critical_b
   tries the proof first) */
int da_meanfield_critical(double *sw2, double *err, const da_meanfield *mf, double sb2)
{
    return critical_d(sw2, err, mf, sb2);
}

/* ---- any precision -------------------------------------------------------- */

void da_mf_balls_init(da_mf_balls *b)
{
    da_ball_struct *v[6] = {&b->q, &b->c, &b->chi1, &b->chic, &b->xi_q, &b->xi_c};
    for (int i = 0; i < 6; i++) {
        da_ball_init2(v[i], 64);
        mpfr_set_nan(v[i]->mid);
        mpfr_set_inf(v[i]->rad, 1);
    }
}

void da_mf_balls_clear(da_mf_balls *b)
{
    da_ball_struct *v[6] = {&b->q, &b->c, &b->chi1, &b->chic, &b->xi_q, &b->xi_c};
    for (int i = 0; i < 6; i++)
        da_ball_clear(v[i]);
}

/* a double and its error as a ball (the double path's figures) */
static void ball_from_d(da_ball b, double v, double e)
{
    if (isnan(v) || isnan(e)) {
        mpfr_set_nan(b->mid);
        mpfr_set_inf(b->rad, 1);
        return;
    }
    mpfr_set_d(b->mid, v, MPFR_RNDN);
    if (isinf(v))
        mpfr_set_zero(b->rad, 1);
    else
        mpfr_set_d(b->rad, e, MPFR_RNDU);
}

static void balls_from_point(da_mf_balls *b, const da_mf_point *r)
{
    ball_from_d(&b->q, r->q, r->q_err);
    ball_from_d(&b->c, r->c, r->c_err);
    ball_from_d(&b->chi1, r->chi1, r->chi1_err);
    ball_from_d(&b->chic, r->chic, r->chic_err);
    ball_from_d(&b->xi_q, r->xi_q, r->xi_q_err);
    ball_from_d(&b->xi_c, r->xi_c, r->xi_c_err);
}

/* the decimals reached by the finite balls of b (+inf when all exact) */
static double balls_digits(const da_mf_balls *b)
{
    const da_ball_struct *v[6] = {&b->q, &b->c, &b->chi1, &b->chic, &b->xi_q, &b->xi_c};
    double d = INFINITY;
    for (int i = 0; i < 6; i++) {
        if (mpfr_inf_p(v[i]->mid) && mpfr_zero_p(v[i]->rad))
            continue;   /* an unbounded depth scale: nothing more to reach */
        double x = mpfr_nan_p(v[i]->mid) ? -INFINITY : da_ball_digits(v[i]);
        if (x < d)
            d = x;
    }
    return d;
}

/* digits lost to the conditioning of c* (1/|1 - chi_c|) and of the depth
   scales (d xi / d slope = xi^2 / slope), from the estimates */
static long cond_digits(const da_mf_point *e)
{
    double k = 1;
    if (isfinite(e->chic) && fabs(1 - e->chic) > 1e-300)
        k = fmax(k, 1 / fabs(1 - e->chic));
    if (isfinite(e->xi_c))
        k = fmax(k, e->xi_c * e->xi_c);
    if (isfinite(e->xi_q))
        k = fmax(k, e->xi_q * e->xi_q);
    if (isfinite(e->chi1) && fabs(1 - e->chi1) > 1e-300)
        k = fmax(k, 1 / fabs(1 - e->chi1));
    double l = log10(k);
    return l > 300 ? 300 : (long)ceil(l);
}

static long prec_of_digits(long wd)
{
    return (long)ceil((double)wd * 3.3219280948873623) + 32;
}

int da_meanfield_point_balls(da_mf_point *r, da_mf_balls *b, const da_meanfield *mf,
                             const da_ball sw2, const da_ball sb2, long digits)
{
    if (digits < 1 || digits > 100000)
        return da_fail(DA_EINVAL, "digits must be in [1, 100000]");
    if (!mpfr_number_p(sw2->mid) || !mpfr_number_p(sb2->mid) || !mpfr_number_p(sw2->rad) ||
        !mpfr_number_p(sb2->rad))
        return da_fail(DA_EINVAL, "need finite sw2 and sb2");
    double w = mpfr_get_d(sw2->mid, MPFR_RNDN), bb = mpfr_get_d(sb2->mid, MPFR_RNDN);
    int st = point_d(r, mf, w, bb);
    if (st)
        return st;
    r->rigorous = 0;
    r->xi_q_lo = r->xi_c_lo = 0;
    da_mf_point est = *r;
    balls_from_point(b, r);
    if (!mf->mfa) {
        snprintf(r->bound_reason, sizeof r->bound_reason, "%s", mf->why_est);
    } else {
        char why[200] = "";
        long wd = digits + 12 + cond_digits(&est);
        for (int attempt = 0; attempt < 2; attempt++) {
            why[0] = '\0';
            da_mfa *m = da_mfa_new_prec(mf->act, mf->dact, prec_of_digits(wd), why, sizeof why);
            da_mf_point o;
            int s2 = m ? da_mfa_point_b(&o, b, m, sw2, sb2, &est, why, sizeof why) : DA_EDOM;
            da_mfa_free(m);
            da_clear_error();
            if (s2 != DA_OK) {
                if (attempt == 0) {
                    *r = est;
                    snprintf(r->bound_reason, sizeof r->bound_reason, "%s", why);
                }
                break;
            }
            *r = o;
            double got = balls_digits(b);
            if (got >= (double)digits)
                break;
            /* short: once more with the digits missing and a margin */
            wd += (long)ceil((double)digits - (isfinite(got) ? got : 0)) + 10;
        }
    }
    return balls_digits(b) >= (double)digits ? DA_OK : DA_EACCURACY;
}

int da_meanfield_critical_ball(da_ball sw2, int *rigorous, char *reason,
                               const da_meanfield *mf, const da_ball sb2, long digits)
{
    *rigorous = 0;
    if (reason)
        reason[0] = '\0';
    if (digits < 1 || digits > 100000)
        return da_fail(DA_EINVAL, "digits must be in [1, 100000]");
    if (!mpfr_number_p(sb2->mid) || !mpfr_number_p(sb2->rad) || mpfr_sgn(sb2->mid) < 0)
        return da_fail(DA_EINVAL, "need sb2 >= 0");
    double b = mpfr_get_d(sb2->mid, MPFR_RNDN), w0 = NAN, e0 = 0;
    int st = critical_d(&w0, &e0, mf, b);
    da_clear_error();
    char why[200] = "";
    if (mf->mfa) {
        qarg a = {mf, b};
        long wd = digits + 12;
        for (int attempt = 0; attempt < 2; attempt++) {
            why[0] = '\0';
            da_mfa *m = da_mfa_new_prec(mf->act, mf->dact, prec_of_digits(wd), why, sizeof why);
            int s2 = m ? da_mfa_critical_b(sw2, m, sb2, w0, e0, q_estimate, &a, why, sizeof why)
                       : DA_EDOM;
            da_mfa_free(m);
            da_clear_error();
            if (s2 != DA_OK)
                break;
            *rigorous = 1;
            double got = da_ball_digits(sw2);
            if (got >= (double)digits)
                return DA_OK;
            wd += (long)ceil((double)digits - got) + 10;
        }
        if (*rigorous)
            return DA_EACCURACY;
    } else {
        snprintf(why, sizeof why, "%s", mf->why_est);
    }
    if (reason)
        snprintf(reason, 200, "%s", why[0] ? why : "no proof");
    if (st)
        return critical_d(&w0, &e0, mf, b);   /* the error again, for the caller */
    ball_from_d(sw2, w0, e0);
    return da_ball_digits(sw2) >= (double)digits ? DA_OK : DA_EACCURACY;
}

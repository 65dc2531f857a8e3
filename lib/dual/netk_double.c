/* netk_double.c -- the closed forms of the network kernels in double
 * (da_netk_eval_fast), and the old per-entry matrix interface
 * da_netk_matrix_d, now a front end of the matrix engine (netk_matrix.c). */
#include "dual/netk_impl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the double-precision path ----------------------------------------------
 *
 * The closed forms of cf_eval again, in double: no balls, no proof.  The
 * error figure is an estimate: 32 ulp of the magnitudes that enter (libm's
 * asin, sqrt, exp, atan within a few ulp, a dozen roundings), plus the
 * condition of asin near |rho| = 1 (1/sqrt(1 - rho^2) times the rounding
 * of rho, capped by the size of the term).  DA_EINVAL (NaN) when the
 * activation has no closed form here (series path, a shift C != 0): the
 * caller falls back to da_netk_eval_d. */

#define ND_EPS 0x1p-52

static double nd_asin_err(double rho, double mag, int diag)
{
    if (diag)
        return 0;
    /* a rounding delta of rho moves asin by <= delta/sqrt(1 - rho^2),
       and by <= sqrt(2 delta) near |rho| = 1 (delta up to 4 ulp) */
    double s = 1 - rho * rho, cap = sqrt(8 * ND_EPS);
    double e = s > 0 ? fmin(4 * ND_EPS / sqrt(s), cap) : cap;
    return e * mag;
}

double da_netk_cf_d(const da_netk *k, double q1, double q2, double c, int diag, int m,
                      double *err)
{
    const double pi = M_PI;
    double P = q1 * q2, sP = sqrt(P);
    double rho = diag ? 1 : (sP > 0 ? c / sP : 0);
    if (rho > 1) rho = 1;
    if (rho < -1) rho = -1;
    /* theta = arccos(rho) from 1 - rho and 1 + rho, formed as (sP -+ c)/sP
       (no cancellation beyond the rounding of c and sP): accurate at |rho|
       -> 1 where asin(rho) is not.  Its error: the two ratios are within 4
       ulp, and d theta = d(1 - rho)/sin(theta), at most sqrt(2 d) near 0 */
    double om = diag ? 0 : sP > 0 ? (sP - c) / sP : 1, op = diag ? 2 : sP > 0 ? (sP + c) / sP : 1;
    om = fmin(fmax(om, 0), 2);
    op = fmin(fmax(op, 0), 2);
    double th = 2 * atan2(sqrt(om), sqrt(op)), sn = sqrt(om * op);
    double eth = diag ? 0 : fmin(8 * ND_EPS / fmax(sn, 1e-300), sqrt(16 * ND_EPS)) + 8 * ND_EPS * th;
    double as = pi / 2 - th;                                    /* asin(rho) */
    double S = (pi - th) / (2 * pi);                            /* E step step */
    double R = diag ? P > 0 ? sP / 2 : 0 : sP * (sn + (pi - th) * rho) / (2 * pi);
    /* their errors from theta's (J' = -(pi - theta) sin theta), the rest in the 32 ulp below */
    double eS = eth / (2 * pi), eR = sP * (pi - th) * fmin(sn * eth, 8 * ND_EPS) / (2 * pi);
    double v = NAN, mag = 0, ea = 0, ulps = 64;   /* the error: ulps u mag + ea */
    switch (k->cf) {
    case NK_IDENTITY:
        v = m == 0 ? c : 1;
        mag = fabs(v);
        break;
    case NK_RELU:
        v = m == 0 ? R : S;
        mag = m == 0 ? sP : 1;
        ea = m == 0 ? eR : eS;
        break;
    case NK_STEP:
    case NK_SIGN: {
        double f = k->cf == NK_SIGN ? 4 : 1;
        if (m == 0) {
            v = k->cf == NK_SIGN ? 2 * as / pi : S;
            mag = 1;
            ea = k->cf == NK_SIGN ? 4 * eS : eS;
        } else {
            double det = P - c * c;
            if (diag || !(det > 0))
                v = INFINITY;
            else
                v = f / (2 * pi * sqrt(det));
            mag = fabs(v) * (1 + (det > 0 ? P / det : 0));
        }
        break;
    }
    case NK_ABS:
        if (m == 0)
            v = diag ? q1 : 4 * R - c;
        else
            v = 2 * as / pi;
        mag = m == 0 ? 4 * sP : 1;
        ea = m == 0 ? 4 * eR : 4 * eS;
        break;
    case NK_LEAKY: {
        double al = mpfr_get_d(k->alpha.mid, MPFR_RNDN), b = (1 - al) * (1 - al);
        if (m == 0)
            v = diag ? (al + b / 2) * q1 : al * c + b * R;
        else
            v = al + b * S;
        mag = m == 0 ? (fabs(al) + b) * sP : fabs(al) + b;
        ea = b * (m == 0 ? eR : eS);
        break;
    }
    case NK_ERF: {
        double D = (1 + 2 * q1) * (1 + 2 * q2);
        if (m == 0) {
            double r2 = diag ? 2 * q1 / (1 + 2 * q1) : 2 * c / sqrt(D);
            if (r2 > 1) r2 = 1;
            if (r2 < -1) r2 = -1;
            v = 2 / pi * asin(r2);
            mag = 1;
            ea = nd_asin_err(r2, 1, diag);
        } else {
            double det = diag ? 1 + 4 * q1 : D - 4 * c * c;
            v = 4 / pi / sqrt(det);
            mag = v * D / det;
        }
        break;
    }
    case NK_SIN:
    case NK_COS:
    case NK_EXP: {
        double h = (q1 + q2) / 2;
        if (k->cf == NK_EXP) {
            v = exp(h + c);
            mag = v * (1 + fabs(h) + fabs(c));
        } else {
            int sh = (k->cf == NK_SIN) == (m == 0);
            double e = exp(-h);
            v = e * (sh ? sinh(c) : cosh(c));
            mag = e * cosh(c) * (1 + h + fabs(c));
        }
        break;
    }
    case NK_GAUSSIAN: {
        double D = (1 + q1) * (1 + q2) - c * c, t = 1 / sqrt(D);
        v = m == 0 ? t : c * t * t * t;
        mag = fabs(v) * (1 + (1 + q1) * (1 + q2) / D);
        break;
    }
    case NK_GELU: {
        /* (4.5 kap + 12) ulp of the terms' magnitudes (numerics 7.2) */
        double E, D, mE, mD, kap;
        da_netk_gelu_ed(P, (1 + q1) * (1 + q2), c, &E, &D, &mE, &mD, &kap);
        v = m == 0 ? E : D;
        mag = m == 0 ? mE : mD;
        ulps = 4.5 * kap + 12;
        break;
    }
    default:
        return NAN;
    }
    if (err)
        *err = isfinite(v) ? ulps * (ND_EPS / 2) * mag + ea : 0;
    return v;
}

int da_netk_fast(const da_netk *k)
{
    return k->cf != NK_NONE && mpfr_zero_p(k->C.mid);
}

int da_netk_eval_fast(double *r, double *err, const da_netk *k, double q1, double q2, double c,
                      int deriv)
{
    if (!r || !k || !da_netk_fast(k) || (deriv != 0 && deriv != 1)) {
        if (r) *r = NAN;
        if (err) *err = INFINITY;
        return da_fail(DA_EINVAL, "network kernel (fast double path): %s",
                       !r || !k ? "no kernel or output"
                       : deriv != 0 && deriv != 1 ? "deriv must be 0 or 1"
                                                  : "no closed form this path knows");
    }
    if (!(q1 >= 0) || !(q2 >= 0)) {
        *r = NAN;
        if (err) *err = INFINITY;
        return da_fail(DA_EDOM, "network kernel (fast double path): variances %g, %g not >= 0",
                       q1, q2);
    }
    double A = mpfr_get_d(k->A.mid, MPFR_RNDN), B = mpfr_get_d(k->B.mid, MPFR_RNDN);
    double b2 = B * B, e = 0;
    int diag = q1 == q2 && c == q1;
    double v = da_netk_cf_d(k, b2 * q1, b2 * q2, b2 * c, diag, deriv, &e);
    double f = A * A * (deriv ? b2 : 1);
    if (err)
        *err = f * e + fabs(f * v) * 4 * ND_EPS;
    *r = f * v;
    return DA_OK;
}

int da_netk_matrix_d(double *nngp, double *ntk, double *err, da_netk *k, const da_netk_net *n,
                     const double *X1, size_t n1, const double *X2, size_t n2, size_t dim)
{
    /* the engine, its per-entry errors folded into one relative figure */
    da_netk_minfo info;
    int st = da_netk_matrix(nngp, NULL, ntk, NULL, &info, k, n, X1, n1, X2, n2, dim, NULL);
    if (err)
        *err = st ? INFINITY : info.max_rel_err;
    return st;
}

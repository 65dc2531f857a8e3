/* analyze_sing.c -- the distance from the real axis to the nearest complex
 * singularity of a branch-free piece.
 * Part of the expression analysis: see expr_analyze.c. */
#include "act/analyze_impl.h"
#include "act/expr_fn.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- singularity distance of a branch-free piece --------------------- */

/* Roots of a real polynomial c[0..n] (c[n] != 0) by Durand-Kerner. */
static void poly_roots(const double *c, int n, double complex *z)
{
    double complex w = 0.4 + 0.9 * _Complex_I, p = 1;
    double scale = 1;
    for (int i = 0; i < n; i++)   /* Cauchy bound on the roots */
        scale = fmax(scale, 1 + fabs(c[i] / c[n]));
    for (int i = 0; i < n; i++) {
        p *= w;
        z[i] = p * scale * 0.5;
    }
    for (int it = 0; it < 1000; it++) {
        double change = 0;
        for (int i = 0; i < n; i++) {
            double complex v = c[n];
            for (int k = n - 1; k >= 0; k--)
                v = v * z[i] + c[k];
            double complex d = c[n];
            for (int j = 0; j < n; j++)
                if (j != i)
                    d *= z[i] - z[j];
            if (d == 0)
                d = 1e-300;
            double complex dz = v / d;
            z[i] -= dz;
            change = fmax(change, cabs(dz) / (1 + cabs(z[i])));
        }
        if (change < 1e-15)
            break;
    }
}


/* distance from a real point r to an interval, 0 inside */
static double dist_to_ivl(double r, const ivl *iv)
{
    if (r < iv->lo)
        return iv->lo - r;
    if (r > iv->hi)
        return r - iv->hi;
    return 0;
}

/* c1 + c2*exp(a*x + b) recognised on the tree (c1 from constants added);
 * returns 1 and fills c1, c2, a. */
static int match_exp_term(const da_expr *t, double *c2, double *a)
{
    double sgn = 1;
    while (t->op == DA_E_NEG) {
        sgn = -sgn;
        t = t->a[0];
    }
    double k = 1;
    if (t->op == DA_E_MUL && !da_expr_has_x(t->a[0])) {
        k = an_const_d(t->a[0]);
        t = t->a[1];
    } else if (t->op == DA_E_MUL && !da_expr_has_x(t->a[1])) {
        k = an_const_d(t->a[1]);
        t = t->a[0];
    } else if (t->op == DA_E_DIV && !da_expr_has_x(t->a[1])) {
        k = 1 / an_const_d(t->a[1]);
        t = t->a[0];
    }
    double b;
    if (t->op == DA_E_FN && t->fn == DA_F_EXP && an_affine_d(t->a[0], a, &b)) {
        *c2 = sgn * k * exp(b);
        return isfinite(*c2);
    }
    if (t->op == DA_E_POW && t->a[0]->op == DA_E_E && an_affine_d(t->a[1], a, &b)) {
        *c2 = sgn * k * exp(b);
        return isfinite(*c2);
    }
    return 0;
}

static int match_exp_sum(const da_expr *g, double *c1, double *c2, double *a)
{
    if (match_exp_term(g, c2, a)) {
        *c1 = 0;
        return 1;
    }
    if (g->op != DA_E_ADD && g->op != DA_E_SUB)
        return 0;
    double s = g->op == DA_E_SUB ? -1 : 1;
    if (!da_expr_has_x(g->a[0]) && match_exp_term(g->a[1], c2, a)) {
        *c1 = an_const_d(g->a[0]);
        *c2 *= s;
        return isfinite(*c1);
    }
    if (!da_expr_has_x(g->a[1]) && match_exp_term(g->a[0], c2, a)) {
        *c1 = s * an_const_d(g->a[1]);
        return isfinite(*c1);
    }
    return 0;
}

/* Distance from the real axis of the nearest zero of g + shift (g depends
 * on x).  Real zeros are domain problems or breakpoints (handled
 * elsewhere); inside a piece they count by their distance to the piece. */
static double zeros_dist(const da_expr *g, double shift, const ivl *iv)
{
    poly P;
    int st = an_poly_expand(&P, g, 64);
    if (st == 0) {
        int n = P.deg;
        double res = INFINITY;
        if (n >= 1 && n <= 64) {
            double c[65];
            double complex z[64];
            for (int i = 0; i <= n; i++)
                c[i] = mpfr_get_d(P.c[i], MPFR_RNDN);
            c[0] += shift;
            int ok = c[n] != 0 && isfinite(c[n]);
            for (int i = 0; i < n; i++)
                ok = ok && isfinite(c[i]);
            if (ok) {
                poly_roots(c, n, z);
                for (int i = 0; i < n; i++) {
                    double im = fabs(cimag(z[i])), re = creal(z[i]);
                    double d;
                    if (im <= 1e-7 * (1 + fabs(re))) {
                        /* a real zero: at an end of the piece it is the
                         * breakpoint's business; inside it is a zero the
                         * function survives (sqrt(x^2)): not analytic
                         * there, so be conservative */
                        double tol = 1e-9 * (1 + fabs(re));
                        if (fabs(re - iv->lo) <= tol || fabs(re - iv->hi) <= tol)
                            d = INFINITY;
                        else if (re > iv->lo && re < iv->hi)
                            d = CONSERVATIVE_SD;
                        else
                            d = dist_to_ivl(re, iv);
                    } else
                        d = im;                  /* distance from the axis */
                    if (d > 0 && d < res)
                        res = d;
                }
            } else {
                res = CONSERVATIVE_SD;
            }
        } else if (n > 64) {
            res = CONSERVATIVE_SD;
        }
        an_poly_clear(&P);
        return res;
    }
    double c1, c2, a;
    if (match_exp_sum(g, &c1, &c2, &a)) {
        c1 += shift;
        if (c1 == 0 || a == 0)
            return INFINITY;
        if (c1 * c2 > 0)
            return DA_PI / fabs(a);   /* exp(a x + b) = -c1/c2 < 0 */
        return INFINITY;             /* a real zero */
    }
    /* e.g. 1/(2 + cos(x)), log(x^2 + exp(x)): conservative guess; the
     * engine checks convergence and only loses time for it */
    return CONSERVATIVE_SD;
}


void an_piece_walk(const da_expr *e, const ivl *iv, pinfo *pi)
{
    if (!da_expr_has_x(e))
        return;
    for (int i = 0; i < e->nargs; i++)
        an_piece_walk(e->a[i], iv, pi);
    double a, b, d;
    switch (e->op) {
    case DA_E_X: case DA_E_NEG: case DA_E_ADD: case DA_E_SUB: case DA_E_MUL:
        return;
    case DA_E_DIV:
        if (da_expr_has_x(e->a[1])) {
            pi->poly = pi->entire = 0;
            /* a removable singularity on the axis is none; the zeros of
               the denominator elsewhere are not located here */
            pi->sd = fmin(pi->sd, e->rem ? CONSERVATIVE_SD : zeros_dist(e->a[1], 0, iv));
        }
        return;
    case DA_E_POW:
        if (!da_expr_has_x(e->a[1])) {
            double v = an_const_d(e->a[1]);
            if (v >= 0 && v == floor(v))
                return;
            pi->poly = pi->entire = 0;
            pi->sd = fmin(pi->sd, zeros_dist(e->a[0], 0, iv));
            return;
        }
        pi->poly = 0;
        if (!da_expr_has_x(e->a[0])) {
            if (!(an_const_d(e->a[0]) > 0)) {
                pi->entire = 0;
                pi->sd = fmin(pi->sd, CONSERVATIVE_SD);
            }
            return;
        }
        pi->entire = 0;
        pi->sd = fmin(pi->sd, zeros_dist(e->a[0], 0, iv));
        return;
    case DA_E_FN:
        break;
    default:
        /* switches left over (should not happen after an_spec()) */
        pi->poly = pi->entire = 0;
        pi->sd = fmin(pi->sd, CONSERVATIVE_SD);
        return;
    }
    pi->poly = 0;
    if (an_is_entire_fn(e->fn))
        return;
    pi->entire = 0;
    const da_expr *u = e->a[0];
    int aff = an_affine_d(u, &a, &b) && a != 0;
    switch (e->fn) {
    case DA_F_LOG: case DA_F_SQRT: case DA_F_CBRT:
        pi->sd = fmin(pi->sd, zeros_dist(u, 0, iv));
        return;
    case DA_F_LOG1P:
        pi->sd = fmin(pi->sd, zeros_dist(u, 1, iv));
        return;
    default:
        /* the table's strip (tanh, sigmoid, softplus, atan, asinh, ...);
         * none for tan, asin, acos, acosh, atanh (real singularities: a
         * domain matter) and leftover switches */
        d = da_fn_get(e->fn)->strip;
        if (d <= 0) {
            d = 0;
            aff = 0;
        }
        break;
    }
    /* f(a x + b): singularities at Im(a z + b) = +-d.  A non-affine inner
     * argument: conservative estimate. */
    pi->sd = fmin(pi->sd, aff ? d / fabs(a) : CONSERVATIVE_SD);
}

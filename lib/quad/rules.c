/* rules.c -- truncated trapezoid and double-exponential rules for
 * integrals against the Gaussian weight, in MPFR and in double.
 *
 * Trapezoid on R (Trefethen & Weideman 2014): for an integrand analytic in
 * the strip |Im x| < d the error is about exp(-2 pi d / h); truncation at
 * |x| = T costs the tail, which the engine bounds separately.
 *
 * Double-exponential rules (Takahasi & Mori): on [a, b]
 *     x = c + r tanh(pi/2 sinh t),
 * on [a, +Inf)  x = a + exp(pi/2 sinh t), on (-Inf, b]  x = b - exp(pi/2 sinh t).
 * They converge geometrically in 1/h even with an algebraic endpoint
 * singularity (|x|^1.5 at a breakpoint).  Distances to the endpoints are
 * computed directly (1 - tanh u = 2/(1 + e^{2u})) so that nodes close to
 * an endpoint keep their relative accuracy.
 *
 * Weights include phi(x) and the Jacobian. */
#include "core/core.h"
#include "quad/quad.h"
#include <math.h>
#include <stdlib.h>

void da_rule_clear(da_rule *r)
{
    if (r->x) {
        for (long i = 0; i < r->n; i++) {
            mpfr_clear(r->x[i]);
            mpfr_clear(r->w[i]);
        }
    }
    free(r->x);
    free(r->w);
    free(r->xd);
    free(r->bound);
    r->x = r->w = NULL;
    r->xd = r->bound = NULL;
    r->n = 0;
}

static int rule_alloc(da_rule *r, long cap)
{
    r->n = 0;
    r->x = da_malloc((size_t)cap * sizeof(mpfr_t));
    r->w = da_malloc((size_t)cap * sizeof(mpfr_t));
    r->xd = da_malloc((size_t)cap * sizeof(double));
    r->bound = da_malloc((size_t)cap * sizeof(double));
    if (!r->x || !r->w || !r->xd || !r->bound) {
        free(r->x);
        free(r->w);
        free(r->xd);
        free(r->bound);
        r->x = r->w = NULL;
        r->xd = r->bound = NULL;
        return DA_ENOMEM;
    }
    return DA_OK;
}

/* phi(x) * scale into w, at w's precision */
static void mul_phi(mpfr_t w, const mpfr_t x, mpfr_t t)
{
    mpfr_sqr(t, x, MPFR_RNDN);
    mpfr_div_2ui(t, t, 1, MPFR_RNDN);
    mpfr_neg(t, t, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_mul(w, w, t, MPFR_RNDN);
    mpfr_const_pi(t, MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    mpfr_rec_sqrt(t, t, MPFR_RNDN);
    mpfr_mul(w, w, t, MPFR_RNDN);
}

static void set_bound(da_rule *r, long i)
{
    double x = mpfr_get_d(r->x[i], MPFR_RNDN);
    r->xd[i] = x;
    /* w * exp(x^2/4), computed through logs to avoid overflow */
    long e;
    double m = mpfr_get_d_2exp(&e, r->w[i], MPFR_RNDU);
    if (m == 0.0) {
        r->bound[i] = 0.0;
        return;
    }
    double lg = log(fabs(m)) + (double)e * M_LN2 + x * x / 4.0;
    r->bound[i] = lg > 700 ? INFINITY : exp(lg) * (1 + 1e-12);
}

int da_rule_trap(da_rule *r, const mpfr_t h, double T, long start, long stride,
                 mpfr_prec_t prec)
{
    double hd = mpfr_get_d(h, MPFR_RNDN);
    if (!(hd > 0) || !(T > 0) || stride < 1 || start < 0)
        return da_fail(DA_EINVAL, "trapezoid rule: bad step or range");
    long jmax = (long)floor(T / hd);
    long cap = jmax / stride + 2;
    if (cap > 50000000)
        return da_fail(DA_EINVAL, "trapezoid rule: too many nodes (%ld)", cap);
    int st = rule_alloc(r, cap);
    if (st)
        return st;
    r->sym = 1;
    /* w_j = h phi(j h).  Between listed nodes j and j + s (s = stride),
       w_{j+s} = w_j R_j with R_j = exp(-(2 j s + s^2) h^2 / 2) and
       R_{j+s} = R_j Q, Q = exp(-s^2 h^2): two multiplications instead of
       an exponential per node.  Every 32nd node is computed afresh, so the
       relative error of a weight stays below about 70 ulps (the engine's
       rounding floor allows for it). */
    mpfr_t t, R, Q, u;
    mpfr_inits2(prec, t, R, Q, u, (mpfr_ptr)0);
    mpfr_mul_si(Q, h, stride, MPFR_RNDN);
    mpfr_sqr(Q, Q, MPFR_RNDN);
    mpfr_neg(Q, Q, MPFR_RNDN);
    mpfr_exp(Q, Q, MPFR_RNDN);
    long count = 0;
    for (long j = start; j <= jmax; j += stride, count++) {
        long i = r->n++;
        mpfr_init2(r->x[i], prec);
        mpfr_init2(r->w[i], prec);
        mpfr_mul_si(r->x[i], h, j, MPFR_RNDN);
        if (count % 32 == 0) {
            mpfr_set(r->w[i], h, MPFR_RNDN);
            mul_phi(r->w[i], r->x[i], t);
            /* R = exp(-(2 j s + s^2) h^2 / 2) */
            mpfr_sqr(u, h, MPFR_RNDN);
            mpfr_mul_si(u, u, -(2 * j * stride + stride * stride), MPFR_RNDN);
            mpfr_div_2ui(u, u, 1, MPFR_RNDN);
            mpfr_exp(R, u, MPFR_RNDN);
        } else {
            mpfr_mul(r->w[i], r->w[i - 1], R, MPFR_RNDN);
            mpfr_mul(R, R, Q, MPFR_RNDN);
        }
        set_bound(r, i);
    }
    mpfr_clears(t, R, Q, u, (mpfr_ptr)0);
    return DA_OK;
}

/* One DE node at t: writes x and w.  kind 0: [a,b]; 1: [a,+Inf);
 * 2: (-Inf,b].  Returns the distance to the nearest finite endpoint in
 * dist (for truncation). */
static void de_node(mpfr_t x, mpfr_t w, mpfr_t dist, int kind, const mpfr_t a,
                    const mpfr_t b, double t, mpfr_t u, mpfr_t v, mpfr_t s)
{
    /* u = pi/2 sinh t ; s = pi/2 cosh t */
    mpfr_set_d(v, t, MPFR_RNDN);
    mpfr_sinh(u, v, MPFR_RNDN);
    mpfr_cosh(s, v, MPFR_RNDN);
    mpfr_const_pi(v, MPFR_RNDN);
    mpfr_div_2ui(v, v, 1, MPFR_RNDN);
    mpfr_mul(u, u, v, MPFR_RNDN);
    mpfr_mul(s, s, v, MPFR_RNDN);
    if (kind == 0) {
        /* r = (b-a)/2; distance to the near endpoint r*2/(1+e^{2|u|});
           dx/dt = r s / cosh^2 u */
        mpfr_sub(v, b, a, MPFR_RNDN);
        mpfr_div_2ui(v, v, 1, MPFR_RNDN);          /* r */
        mpfr_mul(w, v, s, MPFR_RNDN);
        mpfr_cosh(s, u, MPFR_RNDN);
        mpfr_sqr(s, s, MPFR_RNDN);
        mpfr_div(w, w, s, MPFR_RNDN);
        int neg = mpfr_sgn(u) < 0;
        mpfr_abs(u, u, MPFR_RNDN);
        mpfr_mul_2ui(u, u, 1, MPFR_RNDN);
        mpfr_exp(u, u, MPFR_RNDN);
        mpfr_add_ui(u, u, 1, MPFR_RNDN);
        mpfr_mul_2ui(v, v, 1, MPFR_RNDN);
        mpfr_div(dist, v, u, MPFR_RNDN);           /* 2r/(1+e^{2|u|}) */
        if (neg)
            mpfr_add(x, a, dist, MPFR_RNDN);
        else
            mpfr_sub(x, b, dist, MPFR_RNDN);
    } else {
        mpfr_exp(dist, u, MPFR_RNDN);              /* e^u */
        mpfr_mul(w, dist, s, MPFR_RNDN);           /* dx/dt */
        if (kind == 1)
            mpfr_add(x, a, dist, MPFR_RNDN);
        else
            mpfr_sub(x, b, dist, MPFR_RNDN);
    }
}

int da_rule_de(da_rule *r, const mpfr_t a, const mpfr_t b, double h,
               double T, long start, long stride, mpfr_prec_t prec)
{
    int kind;
    if (mpfr_inf_p(a) && mpfr_inf_p(b))
        return da_fail(DA_EINVAL, "DE rule: the whole line needs the trapezoid rule");
    kind = mpfr_inf_p(b) ? 1 : mpfr_inf_p(a) ? 2 : 0;
    if (!(h > 0) || stride < 1)
        return da_fail(DA_EINVAL, "DE rule: bad step");
    /* t range: far enough that a node reaches the endpoints to working
       precision (distance about e^{-(pi/2) sinh t} < 2^-(prec+40)), so that
       no piece of the interval is silently left out; the loop stops earlier
       at negligible weights */
    double tmax = asinh(2.0 * ((double)prec + 40.0) * M_LN2 / M_PI) + 1.0;
    long jmax = (long)ceil(tmax / h);
    long cap = (2 * jmax + 1) / stride + 2;
    int st = rule_alloc(r, cap);
    if (st)
        return st;
    r->sym = 0;
    mpfr_t u, v, s, dist, x, w, t2;
    mpfr_inits2(prec, u, v, s, dist, x, w, t2, (mpfr_ptr)0);
    /* stop when w * phi(x) * exp(x^2/4) < 2^-(prec+30) * h, or x beyond T,
       or the node hits the endpoint at this precision */
    double cutoff_log2 = -(double)prec - 30.0 + log2(h);
    for (int dir = -1; dir <= 1; dir += 2) {
        for (long j = (dir < 0 ? -1 : 0); labs(j) <= jmax; j += dir) {
            long jj = j;
            /* keep only j = start (mod stride) */
            long m = ((jj - start) % stride + stride) % stride;
            if (m != 0)
                continue;
            double t = (double)jj * h;
            de_node(x, w, dist, kind, a, b, t, u, v, s);
            mpfr_mul_d(w, w, h, MPFR_RNDN);
            /* endpoint reached at this precision? */
            if (mpfr_zero_p(dist) || (kind == 0 && (mpfr_cmp(x, a) <= 0 || mpfr_cmp(x, b) >= 0)))
                break;
            if (kind == 1 && mpfr_cmp(x, a) <= 0)
                break;
            if (kind == 2 && mpfr_cmp(x, b) >= 0)
                break;
            double xd = mpfr_get_d(x, MPFR_RNDN);
            if (fabs(xd) > T)
                break;
            mpfr_set(t2, w, MPFR_RNDN);
            mul_phi(t2, x, v);
            long e;
            double mm = mpfr_get_d_2exp(&e, t2, MPFR_RNDN);
            double lg2 = (mm != 0 ? log2(fabs(mm)) + (double)e : -1e300) + xd * xd / 4.0 / M_LN2;
            if (lg2 < cutoff_log2 && fabs(t) > 1.0)
                break;
            long i = r->n++;
            if (i >= cap) {
                r->n--;
                break;
            }
            mpfr_init2(r->x[i], prec);
            mpfr_init2(r->w[i], prec);
            mpfr_set(r->x[i], x, MPFR_RNDN);
            mpfr_set(r->w[i], t2, MPFR_RNDN);
            set_bound(r, i);
        }
    }
    mpfr_clears(u, v, s, dist, x, w, t2, (mpfr_ptr)0);
    return DA_OK;
}

static const double inv_sqrt_2pi = 0.39894228040143267793994605993438;

long da_rule_trap_d(double **xo, double **wo, double h, double T, long start, long stride)
{
    long jmax = (long)floor(T / h);
    long cap = jmax / stride + 2;
    double *x = da_malloc((size_t)cap * sizeof *x), *w = da_malloc((size_t)cap * sizeof *w);
    if (!x || !w) {
        free(x);
        free(w);
        return -1;
    }
    long n = 0;
    for (long j = start; j <= jmax; j += stride) {
        double xv = (double)j * h;
        x[n] = xv;
        w[n] = h * inv_sqrt_2pi * exp(-0.5 * xv * xv);
        n++;
    }
    *xo = x;
    *wo = w;
    return n;
}

long da_rule_de_d(double **xo, double **wo, double a, double b, double h, double T,
                  long start, long stride)
{
    int kind = isinf(b) ? 1 : isinf(a) ? 2 : 0;
    long jmax = (long)ceil(6.0 / h);
    long cap = (2 * jmax + 1) / stride + 2;
    double *x = da_malloc((size_t)cap * sizeof *x), *w = da_malloc((size_t)cap * sizeof *w);
    if (!x || !w) {
        free(x);
        free(w);
        return -1;
    }
    long n = 0;
    for (int dir = -1; dir <= 1; dir += 2) {
        for (long j = (dir < 0 ? -1 : 0); labs(j) <= jmax; j += dir) {
            long m = ((j - start) % stride + stride) % stride;
            if (m != 0)
                continue;
            double t = (double)j * h;
            double u = M_PI_2 * sinh(t), s = M_PI_2 * cosh(t);
            double xv, wv, dist;
            if (kind == 0) {
                double r = 0.5 * (b - a);
                double cu = cosh(u);
                wv = r * s / (cu * cu);
                dist = 2.0 * r / (1.0 + exp(2.0 * fabs(u)));
                xv = u < 0 ? a + dist : b - dist;
                if (xv <= a || xv >= b)
                    break;
            } else {
                dist = exp(u);
                wv = dist * s;
                xv = kind == 1 ? a + dist : b - dist;
                if (kind == 1 ? xv <= a : xv >= b)
                    break;
            }
            if (dist == 0.0 || fabs(xv) > T)
                break;
            wv *= h * inv_sqrt_2pi * exp(-0.5 * xv * xv);
            if (wv * exp(0.25 * xv * xv) < 1e-40 * h && fabs(t) > 1.0)
                break;
            if (n >= cap)
                break;
            x[n] = xv;
            w[n] = wv;
            n++;
        }
    }
    *xo = x;
    *wo = w;
    return n;
}

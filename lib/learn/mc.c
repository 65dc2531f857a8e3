/* mc.c -- Monte Carlo check of the sphere spectrum with finite-width
 * random networks (the layers are the simulator's, da_sim_net_layer in
 * lib/analysis/simulate.c, and so are the normalizing moments).
 *
 * Network: input x uniform on S^{d-1}; h_1 = W_1 x with W_1 entries
 * N(0, 1) (i.e. N(0, 1/fan_in) applied to sqrt(d) x, so every h_1
 * coordinate is exactly N(0, 1) and two inputs give correlation <x, x'>);
 * h_l = W_l s(h_{l-1}) with W_l entries N(0, 1/width); output
 * f(x) = v . s(h_L) / sqrt(width), v entries N(0, 1); s the normalized
 * activation (sigma - E sigma)/sd sigma.  Then E_theta[f(x) f(x')] tends to
 * sigma_hat^{oL}(<x, x'>) as the width grows, and equals it at every width
 * when L = 1.
 *
 * Statistic: for a test function g that is a unit-norm spherical harmonic
 * of degree l, E_theta[(E_x f(x) g(x))^2] = lambda_l (Funk-Hecke), the
 * Mercer eigenvalue of the kernel on degree l: the expected squared
 * correlation of a random network with g.  For each network, with n inputs
 * and z_i = f(x_i) g(x_i), ((sum z)^2 - sum z^2)/(n(n-1)) is an unbiased
 * estimate of (E_x f g)^2; the estimate is the mean over networks and its
 * standard error the sample standard deviation / sqrt(networks).  These are
 * statistical figures, not rigorous bounds.
 *
 * Test functions (unit norm under the uniform measure on S^{d-1}):
 *   1: sqrt(d) x_1                                        (degree 1)
 *   2: sqrt(d (d+2)) x_1 x_2                              (degree 2)
 *   3: sqrt(d (d+2) (d+4) / 24) (x_1^3 - 3 x_1 x_2^2)     (degree 3) */
#include "core/core.h"
#include "hermite/hermite.h"
#include "learn/learn.h"
#include "analysis/analysis.h"
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void da_sim_opts_init(da_sim_opts *o)
{
    o->width = 128;
    o->depth = 1;
    o->dim = 3;
    o->networks = 300;
    o->inputs = 100;
    o->test = 1;
    o->seed = 1;
}

static double test_fn(int test, long d, const double *x)
{
    double dd = (double)d;
    switch (test) {
    case 1:
        return sqrt(dd) * x[0];
    case 2:
        return sqrt(dd * (dd + 2)) * x[0] * x[1];
    default:
        return sqrt(dd * (dd + 2) * (dd + 4) / 24.0) * (x[0] * x[0] * x[0] - 3 * x[0] * x[1] * x[1]);
    }
}

int da_learn_simulate(double *estimate, double *stderror, const da_act *act, const da_sim_opts *opts)
{
    da_sim_opts o;
    if (opts)
        o = *opts;
    else
        da_sim_opts_init(&o);
    if (o.width < 1 || o.width > 100000)
        return da_fail(DA_EINVAL, "simulate: width %ld out of range [1, 100000]", o.width);
    if (o.depth < 1 || o.depth > 1000)
        return da_fail(DA_EINVAL, "simulate: depth %ld out of range [1, 1000]", o.depth);
    if (o.dim < 2 || o.dim > 100000)
        return da_fail(DA_EINVAL, "simulate: dimension %ld out of range [2, 100000]", o.dim);
    if (o.networks < 2 || o.inputs < 2)
        return da_fail(DA_EINVAL, "simulate: need at least 2 networks and 2 inputs");
    /* the layer of every input at once: inputs x max(width, dim) doubles */
    if ((unsigned long)o.inputs > SIZE_MAX / sizeof(double) / (unsigned long)(o.width > o.dim ? o.width : o.dim))
        return da_fail(DA_EINVAL, "simulate: %ld inputs of width %ld are more doubles than memory "
                       "can address", o.inputs, o.width > o.dim ? o.width : o.dim);
    if (o.test < 1 || o.test > 3)
        return da_fail(DA_EINVAL, "simulate: test function %d is not 1, 2 or 3", o.test);
    /* mean and standard deviation of sigma, to normalize */
    double mean, sd;
    int st = da_hermite_moments_d(&mean, &sd, act);
    if (st)
        return st;

    long W = o.width, d = o.dim, n = o.inputs;
    size_t wmax = (size_t)(W > d ? W : d);
    double *cur = da_malloc((size_t)n * wmax * sizeof *cur);  /* one row per input */
    double *nxt = da_malloc((size_t)n * wmax * sizeof *nxt);
    double *X = da_malloc((size_t)n * (size_t)d * sizeof *X);
    double *wrow = da_malloc(wmax * sizeof *wrow);
    double *v = da_malloc((size_t)W * sizeof *v);
    gsl_rng *rng = da_rng_new(o.seed);
    if (!cur || !nxt || !X || !wrow || !v || !rng) {
        free(cur);
        free(nxt);
        free(X);
        free(wrow);
        free(v);
        if (rng)
            gsl_rng_free(rng);
        return da_fail(DA_ENOMEM, "simulate: out of memory");
    }
    double sum = 0, sum2 = 0;
    int bad = 0;
    for (long net = 0; net < o.networks && !bad; net++) {
        /* inputs, uniform on the sphere */
        for (long b = 0; b < n; b++) {
            double *x = X + (size_t)b * (size_t)d, r2 = 0;
            do {
                r2 = 0;
                for (long m = 0; m < d; m++) {
                    x[m] = gsl_ran_gaussian_ziggurat(rng, 1.0);
                    r2 += x[m] * x[m];
                }
            } while (r2 == 0);
            double r = sqrt(r2);
            for (long m = 0; m < d; m++)
                x[m] /= r;
        }
        memcpy(cur, X, (size_t)n * (size_t)d * sizeof *cur);
        long fan = d;
        for (long layer = 1; layer <= o.depth; layer++) {
            /* unit inputs: N(0, 1) weights make N(0, 1) preactivations;
               later layers N(0, 1/fan) */
            double sw = layer == 1 ? 1.0 : 1.0 / sqrt((double)fan);
            da_sim_net_layer(nxt, cur, n, fan, W, rng, wrow, act, mean, sd, sw);
            double *t = cur;
            cur = nxt;
            nxt = t;
            for (size_t i = 0; i < (size_t)n * (size_t)W; i++)
                if (!isfinite(cur[i]))
                    bad = 1;
            fan = W;
        }
        for (long i = 0; i < W; i++)
            v[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        double zs = 0, zz = 0;
        for (long b = 0; b < n; b++) {
            const double *a = cur + (size_t)b * (size_t)W;
            double f = 0;
            for (long i = 0; i < W; i++)
                f += v[i] * a[i];
            f /= sqrt((double)W);
            double z = f * test_fn(o.test, d, X + (size_t)b * (size_t)d);
            zs += z;
            zz += z * z;
        }
        double u = (zs * zs - zz) / ((double)n * (double)(n - 1));
        sum += u;
        sum2 += u * u;
    }
    free(cur);
    free(nxt);
    free(X);
    free(wrow);
    free(v);
    gsl_rng_free(rng);
    if (bad)
        return da_fail(DA_EDOM, "simulate: the activation is not finite on a sample");
    double m = sum / (double)o.networks;
    double var_u = (sum2 - (double)o.networks * m * m) / (double)(o.networks - 1);
    if (var_u < 0)
        var_u = 0;
    *estimate = m;
    *stderror = sqrt(var_u / (double)o.networks);
    return DA_OK;
}

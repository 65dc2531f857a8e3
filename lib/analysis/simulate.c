/* simulate.c -- finite-width random networks beside the infinite-width
 * kernel: the cosine of the layer representations of two inputs, and the
 * empirical Gram matrix of a small data set.  Weights N(0, 1/fan_in), no
 * biases, the normalized activation (sigma - E sigma)/sd sigma, GSL
 * mt19937 seeded by the caller: the same seed gives the same numbers. */
#include "core/core.h"
#include "analysis/analysis.h"
#include "hermite/hermite.h"
#include "act/act.h"
#include "dual/dual.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

void da_sim_pair_opts_init(da_sim_pair_opts *o)
{
    o->width = 500;
    o->depth = 5;
    o->dim = 0;
    o->trials = 100;
    o->seed = 1;
    o->level = 0.99;
}

/* what a simulation is compared with: the normalizing moments of act and
   its dual at digits */
static int sim_setup(double *mean, double *sd, da_dual **d, const da_act *act, long digits)
{
    int st = da_hermite_moments_d(mean, sd, act);
    if (st)
        return st;
    da_dual_opts dop;
    da_dual_opts_init(&dop);
    dop.digits = digits;
    st = da_dual_new(d, act, &dop);
    if (!*d)
        return st ? st : DA_EINVAL;
    return DA_OK;
}

static int check_opts(const da_sim_pair_opts *o, long dim)
{
    if (o->width < 1 || o->width > 100000)
        return da_fail(DA_EINVAL, "simulate: width must lie in [1, 100000]");
    if (o->depth < 0 || o->depth > 10000)
        return da_fail(DA_EINVAL, "simulate: depth must lie in [0, 10000]");
    if (o->trials < 2 || o->trials > 100000000)
        return da_fail(DA_EINVAL, "simulate: need at least 2 trials");
    if (dim < 1 || dim > 1000000)
        return da_fail(DA_EINVAL, "simulate: bad input dimension %ld", dim);
    if (!(o->level > 0 && o->level < 1))
        return da_fail(DA_EINVAL, "simulate: the confidence level must lie in (0, 1)");
    return DA_OK;
}

void da_sim_net_layer(double *out, const double *in, long m, long fan, long W, gsl_rng *r,
                  double *wrow, const da_act *act, double mean, double sd, double scale)
{
    for (long i = 0; i < W; i++) {
        for (long j = 0; j < fan; j++)
            wrow[j] = gsl_ran_gaussian_ziggurat(r, scale);
        for (long p = 0; p < m; p++) {
            const double *x = in + p * fan;
            double h = 0;
            for (long j = 0; j < fan; j++)
                h += wrow[j] * x[j];
            out[p * W + i] = (da_act_value_d(act, h) - mean) / sd;
        }
    }
}

static double cosv(const double *a, const double *b, long n)
{
    double ab = 0, aa = 0, bb = 0;
    for (long i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return ab / sqrt(aa * bb);
}

int da_sim_pair(da_sim_layer *rows, const da_act *act, double rho, const da_sim_pair_opts *opts)
{
    da_sim_pair_opts o;
    if (opts)
        o = *opts;
    else
        da_sim_pair_opts_init(&o);
    long W = o.width, dim = o.dim > 0 ? o.dim : o.width;
    int st = check_opts(&o, dim);
    if (st)
        return st;
    if (!(rho >= -1 && rho <= 1))
        return da_fail(DA_EINVAL, "simulate: rho must lie in [-1, 1]");
    if (dim < 2)
        return da_fail(DA_EINVAL, "simulate: the input dimension must be at least 2");
    /* theory: balls through the layers */
    double mean, sd;
    da_dual *d = NULL;
    st = sim_setup(&mean, &sd, &d, act, 20);
    if (st)
        return st;
    da_ball b, bn;
    da_ball_init2(b, 128);
    da_ball_init2(bn, 128);
    mpfr_set_d(b->mid, rho, MPFR_RNDN);
    for (long l = 0; l <= o.depth; l++) {
        memset(&rows[l], 0, sizeof rows[l]);
        rows[l].layer = l;
        rows[l].theory = mpfr_get_d(b->mid, MPFR_RNDN);
        rows[l].theory_err = mpfr_get_d(b->rad, MPFR_RNDU) +
                             fabs(rows[l].theory) * 0x1p-52;
        if (l < o.depth) {
            int e = da_dual_eval(bn, d, b, 0);
            if (e && e != DA_EACCURACY) {
                da_ball_clear(b);
                da_ball_clear(bn);
                da_dual_free(d);
                return e;
            }
            da_ball_set(b, bn);
        }
    }
    da_ball_clear(b);
    da_ball_clear(bn);
    da_dual_free(d);
    long fanmax = dim > W ? dim : W;
    double *in = da_malloc((size_t)(2 * fanmax) * sizeof(double));
    double *out = da_malloc((size_t)(2 * fanmax) * sizeof(double));
    double *wrow = da_malloc((size_t)fanmax * sizeof(double));
    double *sum = da_calloc((size_t)o.depth + 1, sizeof(double));
    double *sum2 = da_calloc((size_t)o.depth + 1, sizeof(double));
    gsl_rng *r = da_rng_new(o.seed);
    if (!in || !out || !wrow || !sum || !sum2 || !r) {
        st = DA_ENOMEM;
        goto done;
    }
    for (long t = 0; t < o.trials; t++) {
        /* unit inputs scaled to norm sqrt(dim), so that the pre-activations
           of every layer, weights N(0, 1/fan_in), have variance 1 */
        double sc = sqrt((double)dim);
        memset(in, 0, (size_t)(2 * dim) * sizeof(double));
        in[0] = sc;
        in[dim] = rho * sc;
        in[dim + 1] = sqrt(1 - rho * rho) * sc;
        long fan = dim;
        for (long l = 1; l <= o.depth; l++) {
            da_sim_net_layer(out, in, 2, fan, W, r, wrow, act, mean, sd, 1 / sqrt((double)fan));
            double c = cosv(out, out + W, W);
            if (!isfinite(c)) {
                st = da_fail(DA_EDOM, "simulate: a layer representation vanished or overflowed "
                             "(trial %ld, layer %ld)", t + 1, l);
                goto done;
            }
            sum[l] += c;
            sum2[l] += c * c;
            memcpy(in, out, (size_t)(2 * W) * sizeof(double));
            fan = W;
        }
    }
    double z = gsl_cdf_ugaussian_Pinv(0.5 + o.level / 2);
    for (long l = 0; l <= o.depth; l++) {
        da_sim_layer *g = &rows[l];
        if (l == 0) {
            g->mean = rho;
            g->sd = 0;
            g->ci_lo = g->ci_hi = rho;
        } else {
            double T = (double)o.trials;
            g->mean = sum[l] / T;
            double v = (sum2[l] - T * g->mean * g->mean) / (T - 1);
            g->sd = v > 0 ? sqrt(v) : 0;
            double hw = z * g->sd / sqrt(T);
            g->ci_lo = g->mean - hw;
            g->ci_hi = g->mean + hw;
        }
        g->inside = g->theory + g->theory_err >= g->ci_lo && g->theory - g->theory_err <= g->ci_hi;
    }
done:
    free(in);
    free(out);
    free(wrow);
    free(sum);
    free(sum2);
    if (r)
        gsl_rng_free(r);
    return st;
}

int da_sim_gram(da_sim_gram_layer *rows, const da_act *act, const da_gram_data *data,
                const da_sim_pair_opts *opts)
{
    da_sim_pair_opts o;
    if (opts)
        o = *opts;
    else
        da_sim_pair_opts_init(&o);
    long W = o.width, dim = (long)data->dim, m = (long)data->n;
    int st = check_opts(&o, dim);
    if (st)
        return st;
    if (m < 2 || m > 2000)
        return da_fail(DA_EINVAL, "simulate: the data set must have 2 to 2000 points (has %ld)", m);
    double mean, sd;
    da_dual *d = NULL;
    st = sim_setup(&mean, &sd, &d, act, 17);
    if (st)
        return st;
    size_t np = (size_t)m * (size_t)(m - 1) / 2;
    long L = o.depth;
    long fanmax = dim > W ? dim : W;
    double *theory = da_malloc(np * (size_t)(L + 1) * sizeof(double));
    double *sum = da_calloc(np * (size_t)(L + 1), sizeof(double));
    double *sum2 = da_calloc(np * (size_t)(L + 1), sizeof(double));
    double *in = da_malloc((size_t)m * (size_t)fanmax * sizeof(double));
    double *out = da_malloc((size_t)m * (size_t)fanmax * sizeof(double));
    double *wrow = da_malloc((size_t)fanmax * sizeof(double));
    gsl_rng *r = da_rng_new(o.seed);
    if (!theory || !sum || !sum2 || !in || !out || !wrow || !r) {
        st = DA_ENOMEM;
        goto done;
    }
    /* infinite width: K^(l) entrywise */
    {
        size_t p = 0;
        for (long i = 0; i < m; i++)
            for (long j = i + 1; j < m; j++, p++) {
                double v = cosv(data->x + i * dim, data->x + j * dim, dim);
                for (long l = 0; l <= L; l++) {
                    theory[(size_t)l * np + p] = v;
                    v = da_dual_value_d(d, v > 1 ? 1 : v < -1 ? -1 : v, 0, NULL);
                }
            }
    }
    for (long t = 0; t < o.trials; t++) {
        double sc = sqrt((double)dim);
        for (size_t q = 0; q < (size_t)m * (size_t)dim; q++)
            in[q] = data->x[q] * sc;
        long fan = dim;
        for (long l = 0; l <= L; l++) {
            if (l > 0) {
                da_sim_net_layer(out, in, m, fan, W, r, wrow, act, mean, sd, 1 / sqrt((double)fan));
                memcpy(in, out, (size_t)m * (size_t)W * sizeof(double));
                fan = W;
            }
            size_t p = 0;
            for (long i = 0; i < m; i++)
                for (long j = i + 1; j < m; j++, p++) {
                    double c = cosv(in + i * fan, in + j * fan, fan);
                    sum[(size_t)l * np + p] += c;
                    sum2[(size_t)l * np + p] += c * c;
                }
        }
    }
    double z = gsl_cdf_ugaussian_Pinv(0.5 + o.level / 2);
    double T = (double)o.trials;
    for (long l = 0; l <= L; l++) {
        da_sim_gram_layer *g = &rows[l];
        memset(g, 0, sizeof *g);
        g->layer = l;
        double mx = 0, ss = 0, mz = 0;
        size_t in_ = 0;
        for (size_t p = 0; p < np; p++) {
            double mu = sum[(size_t)l * np + p] / T;
            double v = (sum2[(size_t)l * np + p] - T * mu * mu) / (T - 1);
            double se = v > 0 ? sqrt(v / T) : 0;
            double dev = fabs(mu - theory[(size_t)l * np + p]);
            double tol = 4e-15 + 1e-12 * fabs(mu);   /* rounding of the exact layer 0 */
            if (dev > mx)
                mx = dev;
            ss += dev * dev;
            double zz = se > 0 ? dev / se : (dev <= tol ? 0 : INFINITY);
            if (zz > mz)
                mz = zz;
            if (dev <= z * se + tol)
                in_++;
        }
        g->max_abs_dev = mx;
        g->rms_dev = sqrt(ss / (double)np);
        g->max_z = mz;
        g->inside_share = (double)in_ / (double)np;
    }
done:
    free(theory);
    free(sum);
    free(sum2);
    free(in);
    free(out);
    free(wrow);
    if (r)
        gsl_rng_free(r);
    da_dual_free(d);
    return st;
}

/* coeffs_d.c -- the double-precision path (about 15 digits, fast).
 *
 * Smooth activations (entire, or singularities off the axis): truncated
 * trapezoid rule on R with the step halved until two levels agree.
 * Breakpoints with non-polynomial pieces: double-exponential rule per
 * piece, halved likewise.  Polynomial and piecewise-polynomial
 * activations, and formulas whose evaluation in double is not within 16
 * ulps of the MPFR tape on a grid (cancellation): the MPFR path at 17
 * digits, rounded.
 * The orthonormal recurrence h_{k+1} = (x h_k - sqrt(k) h_{k-1})/sqrt(k+1)
 * keeps every value below 1.09 e^{x^2/4}, so nothing overflows.
 * Sums and the recurrence run in long double.
 * Error bound: twice the difference of the last two levels, plus the
 * rounding floor (see rounding_floor) times sum w |sigma| e^{x^2/4}, plus
 * the tail beyond |x| > T; normalization propagated to first order with a
 * factor 2 of safety. */
#include "core/core.h"
#include "hermite/hermite.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long double *A;   /* sum w sigma h_k (orthonormal) */
    long double s2, d2;
    double mag;
    long nodes;
} dacc;

static void dacc_add(dacc *c, const double *x, const double *w, long n, const da_act *act,
                     const da_tape *ds, long N, const long double *r1, const long double *r2)
{
    for (long i = 0; i < n; i++) {
        long double xi = x[i], f = da_act_value_d(act, x[i]);
        long double wf = w[i] * f;
        c->s2 += wf * f;
        if (ds) {
            long double dv = da_tape_eval_d(ds, x[i]);
            c->d2 += w[i] * dv * dv;
        }
        c->mag += fabs((double)wf) * exp(0.25 * x[i] * x[i]);
        long double h0 = 1.0, h1 = xi;
        c->A[0] += wf;
        if (N >= 1)
            c->A[1] += wf * xi;
        for (long k = 1; k < N; k++) {
            long double h2 = (xi * h1 - r2[k] * h0) * r1[k];
            c->A[k + 1] += wf * h2;
            h0 = h1;
            h1 = h2;
        }
        c->nodes++;
    }
}

static void dacc_scale(dacc *c, long N, long double s)
{
    for (long k = 0; k <= N; k++)
        c->A[k] *= s;
    c->s2 *= s;
    c->d2 *= s;
    c->mag *= s;
}

/* Rounding: accumulation in long double (64-bit significand) over
 * 3N + n operations per coefficient, and the evaluation of sigma in
 * double, taken as at most 16 ulps of |sigma| (libm's functions are
 * within a few ulps; compositions add a few more). */
static double rounding_floor(long N, long nodes, double mag)
{
    return (ldexp(3.0 * N + (double)nodes + 64, -63) + ldexp(16.0, -53)) * DA_CRAMER_K * mag;
}

int da_hermite_compute_d(double *a, double *err, long N, const da_act *act, int raw)
{
    if (N < 0 || N > 100000)
        return da_fail(DA_EINVAL, "degree %ld out of range [0, 100000]", N);
    /* polynomial pieces, and formulas that double arithmetic evaluates
       badly: the MPFR engine at 17 digits, rounded */
    if (act->info.cls == DA_CLASS_POLY || act->info.cls == DA_CLASS_PWPOLY ||
        !da_act_double_ok(act)) {
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = N;
        o.digits = 17;
        o.raw = raw;
        da_hermite *h = NULL;
        int st = da_hermite_compute(&h, act, &o);
        if (!h)
            return st;
        for (long k = 0; k <= N; k++) {
            a[k] = mpfr_get_d(h->a[k].mid, MPFR_RNDN);
            /* rounding to double adds half an ulp */
            err[k] = mpfr_get_d(h->a[k].rad, MPFR_RNDU) + fabs(a[k]) * 0x1p-53;
        }
        da_hermite_free(h);
        return st;
    }

    da_act *dact = NULL;
    if (!act->has_jump && da_act_derivative(&dact, act) != DA_OK)
        dact = NULL;
    da_clear_error();
    const da_tape *ds = dact ? dact->tape : NULL;
    long double *r1 = da_malloc((size_t)(N + 2) * sizeof *r1);
    long double *r2 = da_malloc((size_t)(N + 2) * sizeof *r2);
    dacc cur = {0}, prev = {0};
    cur.A = da_calloc((size_t)N + 1, sizeof(long double));
    prev.A = da_calloc((size_t)N + 1, sizeof(long double));
    int st = DA_OK;
    if (!r1 || !r2 || !cur.A || !prev.A) {
        st = DA_ENOMEM;
        goto out;
    }
    for (long k = 0; k <= N; k++) {
        r1[k] = 1.0L / sqrtl((long double)k + 1.0L);
        r2[k] = sqrtl((long double)k);
    }
    const da_expr_info *info = &act->info;
    double lt1, lt2;
    double T1 = da_tail_radius(act->tape, info->growth, info->growth_param, 1, N, -60, &lt1);
    double T2 = da_tail_radius(act->tape, info->growth, info->growth_param, 2, 0, -60, &lt2);
    double T = T1 > T2 ? T1 : T2;
    if (!isfinite(T)) {
        st = da_fail(DA_EDOM, "activation '%s' grows too fast to bound its tail", act->spec);
        goto out;
    }
    double tail = exp2(lt1 > lt2 ? lt1 : lt2);
    int de = info->cls == DA_CLASS_PIECEWISE;
    int nb = info->nbreak;
    double h = de ? 0.5 : 0.5;
    double lastdiff = INFINITY, maxd = INFINITY;
    int converged = 0;
    for (int level = 0; level < 14; level++) {
        long start = level ? 1 : 0, stride = level ? 2 : 1;
        if (level)
            dacc_scale(&cur, N, 0.5);
        if (!de) {
            double *x, *w;
            long n = da_rule_trap_d(&x, &w, h, T, start, stride);
            if (n < 0) {
                st = DA_ENOMEM;
                goto out;
            }
            /* symmetric: add -x (not 0 twice) */
            dacc_add(&cur, x, w, n, act, ds, N, r1, r2);
            for (long i = 0; i < n; i++)
                x[i] = -x[i];
            long skip = (start == 0) ? 1 : 0;  /* x = 0 is first when start = 0 */
            dacc_add(&cur, x + skip, w + skip, n - skip, act, ds, N, r1, r2);
            free(x);
            free(w);
        } else {
            for (int p = 0; p <= nb; p++) {
                double lo = p == 0 ? -INFINITY : info->brk[p - 1];
                double hi = p == nb ? INFINITY : info->brk[p];
                double *x, *w;
                long n = da_rule_de_d(&x, &w, lo, hi, h, T, start, stride);
                if (n < 0) {
                    st = DA_ENOMEM;
                    goto out;
                }
                dacc_add(&cur, x, w, n, act, ds, N, r1, r2);
                free(x);
                free(w);
            }
        }
        if (level > 0) {
            maxd = (double)fabsl(cur.s2 - prev.s2);
            for (long k = 0; k <= N; k++)
                if ((double)fabsl(cur.A[k] - prev.A[k]) > maxd)
                    maxd = (double)fabsl(cur.A[k] - prev.A[k]);
            double floor = rounding_floor(N, cur.nodes, cur.mag);
            if (level >= 2 && maxd <= 4 * floor + 1e-300 && maxd <= lastdiff * 1.01 + floor) {
                converged = 1;
                break;
            }
            if (level >= 3 && maxd <= 1e-15 * sqrt((double)cur.s2) && maxd <= lastdiff) {
                converged = 1;
                break;
            }
            lastdiff = maxd;
        }
        memcpy(prev.A, cur.A, (size_t)(N + 1) * sizeof(long double));
        prev.s2 = cur.s2;
        prev.d2 = cur.d2;
        prev.mag = cur.mag;
        prev.nodes = cur.nodes;
        h /= 2;
    }
    {
        double floor = rounding_floor(N, cur.nodes, cur.mag);
        double e = 2 * maxd + floor + tail;
        double mean = (double)cur.A[0], var = (double)(cur.s2 - cur.A[0] * cur.A[0]);
        double evar = e * (1 + 2 * fabs(mean)) + ldexp((double)cur.s2, -50);
        if (raw) {
            for (long k = 0; k <= N; k++) {
                a[k] = (double)cur.A[k];
                err[k] = e + fabs(a[k]) * 0x1p-53;
            }
        } else {
            if (!(var > 2 * evar)) {
                st = da_fail(DA_EDOM, "activation '%s' has zero variance: it cannot be normalized",
                             act->spec);
                goto out;
            }
            double s = sqrt(var), es = evar / (2 * s);
            a[0] = 0;
            err[0] = 0;
            for (long k = 1; k <= N; k++) {
                a[k] = (double)(cur.A[k] / s);
                err[k] = 2 * (e / s + fabs(a[k]) * es / s) + fabs(a[k]) * 0x1p-52;
            }
        }
        double scale = raw ? sqrt((double)cur.s2) : 1.0;
        double worst = 0;
        for (long k = 0; k <= N; k++)
            if (err[k] > worst)
                worst = err[k];
        if (!converged || worst > 1e-13 * scale)
            st = da_fail(DA_EACCURACY, "double path reached %.1f digits",
                         -log10(worst / scale));
    }
out:
    free(r1);
    free(r2);
    free(cur.A);
    free(prev.A);
    da_act_free(dact);
    return st;
}

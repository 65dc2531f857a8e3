/* gram.c -- kernel matrices of a data set over depth (NNGP K^(l) and the
 * normalized NTK), their extreme eigenvalues, Gershgorin bounds and
 * effective ranks.  See docs/analysis.md for the choice of algorithm per
 * figure:
 *   trace, ||K||_F^2, max |K_ij|, Gershgorin, R_0  exact sums, O(n^2)
 *   lambda_max, lambda_min, top k+1 eigenvalues     Lanczos with full
 *        reorthogonalization (n > 400), or the full GSL spectrum
 *        (n <= 400, or when asked), skipped when the Gershgorin interval
 *        is already narrower than the tolerance. */
#include "core/core.h"
#include "analysis/analysis.h"
#include "dual/dual.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#define U53 0x1p-53

void da_gram_opts_init(da_gram_opts *o)
{
    o->depth = 10;
    o->ntk = 0;
    o->rank_k = 0;
    o->spectrum = 0;
    o->lanczos_tol = 1e-9;
    o->progress = NULL;
    o->progress_ctx = NULL;
}

/* ---- effective ranks ---------------------------------------------------- */

int da_effrank(double *rk, double *Rk, const double *lambda, size_t n, size_t k)
{
    if (n > SIZE_MAX / sizeof *lambda) {
        if (rk)
            *rk = NAN;
        if (Rk)
            *Rk = NAN;
        return da_fail(DA_EINVAL, "effective rank: %zu eigenvalues are more doubles than memory "
                       "can address", n);
    }
    if (k >= n) {
        if (rk)
            *rk = NAN;
        if (Rk)
            *Rk = NAN;
        return da_fail(DA_EINVAL, "effective rank: k = %zu needs more than %zu eigenvalues", k, n);
    }
    long double s = 0, s2 = 0;
    for (size_t i = k; i < n; i++) {
        s += lambda[i];
        s2 += (long double)lambda[i] * lambda[i];
    }
    if (rk)
        *rk = lambda[k] != 0 ? (double)(s / lambda[k]) : NAN;
    if (Rk)
        *Rk = s2 != 0 ? (double)(s * s / s2) : NAN;
    return DA_OK;
}

int da_effrank_partial(double *rk, double *Rk, double trace, double frob2,
                       const double *top, size_t k)
{
    /* top holds k + 1 doubles */
    if (k >= SIZE_MAX / sizeof *top) {
        if (rk)
            *rk = NAN;
        if (Rk)
            *Rk = NAN;
        return da_fail(DA_EINVAL, "effective rank: k = %zu: k + 1 eigenvalues are more doubles "
                       "than memory can address", k);
    }
    long double s = trace, s2 = frob2;
    for (size_t i = 0; i < k; i++) {
        s -= top[i];
        s2 -= (long double)top[i] * top[i];
    }
    if (rk)
        *rk = top[k] != 0 ? (double)(s / top[k]) : NAN;
    if (Rk)
        *Rk = s2 > 0 ? (double)(s * s / s2) : NAN;
    return DA_OK;
}

/* ---- dense symmetric eigenvalues --------------------------------------- */

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

int da_gram_eigen_full(double *ev, double *a, size_t n)
{
    da_gsl_quiet();
    gsl_matrix_view m = gsl_matrix_view_array(a, n, n);
    gsl_vector_view e = gsl_vector_view_array(ev, n);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
    if (!w)
        return da_fail(DA_ENOMEM, "out of memory (eigenvalue workspace)");
    int st = gsl_eigen_symm(&m.matrix, &e.vector, w);
    gsl_eigen_symm_free(w);
    if (st)
        return da_fail(DA_EDOM, "gsl_eigen_symm failed (status %d)", st);
    qsort(ev, n, sizeof *ev, cmp_desc);
    return DA_OK;
}

/* ---- Lanczos ------------------------------------------------------------ */

static void matvec(double *y, const double *a, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double *r = a + i * n;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t j = 0;
        for (; j + 4 <= n; j += 4) {
            s0 += r[j] * x[j];
            s1 += r[j + 1] * x[j + 1];
            s2 += r[j + 2] * x[j + 2];
            s3 += r[j + 3] * x[j + 3];
        }
        for (; j < n; j++)
            s0 += r[j] * x[j];
        y[i] = (s0 + s1) + (s2 + s3);
    }
}

static double dotv(const double *a, const double *b, size_t n)
{
    double s0 = 0, s1 = 0;
    size_t j = 0;
    for (; j + 2 <= n; j += 2) {
        s0 += a[j] * b[j];
        s1 += a[j + 1] * b[j + 1];
    }
    for (; j < n; j++)
        s0 += a[j] * b[j];
    return s0 + s1;
}

typedef struct {
    double lmin, lmax;
    double *top;      /* kneed values, decreasing */
    double resid;     /* max residual of the Ritz pairs reported */
    long steps;
    int converged;
} lanczos_out;

/* Ritz values of the m x m tridiagonal (alpha, beta) with residuals
 * beta_m |s_{m,i}|; returns 0 or an error. */
static int ritz(double *theta, double *res, double *sext, const double *alpha,
                const double *beta, long m, double bm)
{
    da_gsl_quiet();
    gsl_matrix *T = gsl_matrix_calloc((size_t)m, (size_t)m);
    gsl_matrix *S = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_vector *e = gsl_vector_alloc((size_t)m);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)m);
    if (!T || !S || !e || !w) {
        gsl_matrix_free(T);
        gsl_matrix_free(S);
        gsl_vector_free(e);
        if (w)
            gsl_eigen_symmv_free(w);
        return da_fail(DA_ENOMEM, "out of memory (Lanczos)");
    }
    for (long i = 0; i < m; i++) {
        gsl_matrix_set(T, (size_t)i, (size_t)i, alpha[i]);
        if (i + 1 < m) {
            gsl_matrix_set(T, (size_t)i, (size_t)i + 1, beta[i]);
            gsl_matrix_set(T, (size_t)i + 1, (size_t)i, beta[i]);
        }
    }
    gsl_eigen_symmv(T, e, S, w);
    gsl_eigen_symmv_sort(e, S, GSL_EIGEN_SORT_VAL_DESC);
    for (long i = 0; i < m; i++) {
        theta[i] = gsl_vector_get(e, (size_t)i);
        res[i] = fabs(bm * gsl_matrix_get(S, (size_t)m - 1, (size_t)i));
        /* s_max + s_min: the start of the next layer's iteration */
        sext[i] = gsl_matrix_get(S, (size_t)i, 0) +
                  (m > 1 ? gsl_matrix_get(S, (size_t)i, (size_t)m - 1) : 0);
    }
    gsl_eigen_symmv_free(w);
    gsl_matrix_free(T);
    gsl_matrix_free(S);
    gsl_vector_free(e);
    return DA_OK;
}

/* warm[0..n-1]: on entry a start vector (all zero: none), on exit the
 * sum of the extreme Ritz vectors, a good start for the next layer. */
static int lanczos(lanczos_out *lo, const double *a, size_t n, long kneed, double tol,
                   double *warm)
{
    long mmax = (long)n < 1000 ? (long)n : 1000;
    double *V = da_malloc((size_t)(mmax + 1) * n * sizeof(double));
    double *alpha = da_malloc((size_t)(mmax + 1) * sizeof(double));
    double *beta = da_malloc((size_t)(mmax + 1) * sizeof(double));
    double *theta = da_malloc((size_t)(mmax + 1) * sizeof(double));
    double *res = da_malloc((size_t)(mmax + 1) * sizeof(double));
    double *sext = da_malloc((size_t)(mmax + 1) * sizeof(double));
    int st = DA_OK;
    long mlast = 0;
    if (!V || !alpha || !beta || !theta || !res || !sext) {
        st = DA_ENOMEM;
        goto out;
    }
    /* deterministic pseudo-random start */
    unsigned long long s = 0x9E3779B97F4A7C15ULL;
    double nrm = 0;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        V[i] = (double)(s >> 11) * 0x1p-53 - 0.5;
        nrm += V[i] * V[i];
    }
    nrm = sqrt(nrm);
    double wn = sqrt(dotv(warm, warm, n));
    if (wn > 0) {
        /* the previous layer's extreme Ritz vectors, plus a little noise so
           that no direction is missing */
        for (size_t i = 0; i < n; i++)
            V[i] = warm[i] / wn + 1e-3 * V[i] / nrm;
        nrm = sqrt(dotv(V, V, n));
    }
    for (size_t i = 0; i < n; i++)
        V[i] /= nrm;
    long next_check = mmax < 20 ? mmax : 20;
    lo->converged = 0;
    for (long j = 0; j < mmax; j++) {
        if (da_poll_check()) {
            st = da_fail(DA_EINTR, "gram: interrupted in the Lanczos iteration");
            goto out;
        }
        double *v = V + (size_t)j * n, *w = V + (size_t)(j + 1) * n;
        matvec(w, a, v, n);
        alpha[j] = dotv(v, w, n);
        /* three-term recurrence, then one full reorthogonalization pass
           (modified Gram-Schmidt against every earlier vector) */
        for (size_t t = 0; t < n; t++)
            w[t] -= alpha[j] * v[t];
        if (j > 0) {
            const double *vp = V + (size_t)(j - 1) * n;
            for (size_t t = 0; t < n; t++)
                w[t] -= beta[j - 1] * vp[t];
        }
        for (long i = j; i >= 0; i--) {
            const double *vi = V + (size_t)i * n;
            double c = dotv(vi, w, n);
            for (size_t t = 0; t < n; t++)
                w[t] -= c * vi[t];
            if (i == j)
                alpha[j] += c;
        }
        beta[j] = sqrt(dotv(w, w, n));
        long m = j + 1;
        double scale = fabs(alpha[0]) + 1e-300;
        for (long i = 0; i < m; i++)
            if (fabs(alpha[i]) > scale)
                scale = fabs(alpha[i]);
        int breakdown = beta[j] <= 1e-13 * scale;
        if (m == next_check || m == mmax || breakdown) {
            st = ritz(theta, res, sext, alpha, beta, m, breakdown ? 0 : beta[j]);
            if (st)
                goto out;
            mlast = m;
            double sc = fabs(theta[0]) > fabs(theta[m - 1]) ? fabs(theta[0]) : fabs(theta[m - 1]);
            /* error estimate of a top Ritz value: min(res, res^2 / gap), the
               gap to the nearest other Ritz value standing in for the gap to
               the rest of the spectrum (Kato-Temple).  Not for the bottom one:
               the small eigenvalues of a kernel matrix come in dense clusters
               whose Ritz gaps overstate the true gap, so lambda_min keeps the
               plain residual. */
            for (long i = 0; i < m - 1; i++) {
                double gap = INFINITY;
                if (i > 0 && theta[i - 1] - theta[i] < gap)
                    gap = theta[i - 1] - theta[i];
                if (theta[i] - theta[i + 1] < gap)
                    gap = theta[i] - theta[i + 1];
                if (gap > 0 && res[i] * res[i] / gap < res[i])
                    res[i] = res[i] * res[i] / gap;
            }
            double r = res[m - 1];
            long kk = kneed < m ? kneed : m;
            for (long i = 0; i < kk; i++)
                if (res[i] > r)
                    r = res[i];
            lo->lmax = theta[0];
            lo->lmin = theta[m - 1];
            for (long i = 0; i < kneed; i++)
                lo->top[i] = i < m ? theta[i] : NAN;
            lo->resid = r;
            lo->steps = m;
            if ((r <= tol * sc && kneed <= m) || breakdown || m == (long)n) {
                lo->converged = 1;
                break;
            }
            if (m == mmax)
                break;
            next_check = (long)(next_check * 1.25) + 1;
            if (next_check > mmax)
                next_check = mmax;
        }
        for (size_t t = 0; t < n; t++)
            w[t] /= beta[j];
    }
    if (mlast > 0) {
        memset(warm, 0, n * sizeof(double));
        for (long i = 0; i < mlast; i++) {
            const double *vi = V + (size_t)i * n;
            for (size_t t = 0; t < n; t++)
                warm[t] += sext[i] * vi[t];
        }
    }
out:
    free(sext);
    free(V);
    free(alpha);
    free(beta);
    free(theta);
    free(res);
    return st;
}

/* ---- the analysis ------------------------------------------------------- */

/* f^(k) upper bound on [0, s] (f^(k) increases there): the value at
 * min(s, 1) plus its error; f^(k)(1) may be infinite. */
static double fup(const da_dual *d, double s, int k)
{
    if (!(s < 1))
        s = 1;
    double e, v = da_dual_value_d(d, s, k, &e);
    if (!isfinite(v) || !isfinite(e))
        return INFINITY;
    return v + e;
}

/* beta = f'(1) from the ball path (the truncated double series of k c_k
 * converges slowly at rho = 1 for piecewise activations) and its error;
 * DA_EINFINITE when sigma jumps, DA_EACCURACY when not enclosed */
static int gram_beta(double *beta, double *beta_err, const da_dual *d, const da_act *act)
{
    da_ball one, fb;
    da_ball_init2(one, 128);
    da_ball_init2(fb, 128);
    mpfr_set_ui(one->mid, 1, MPFR_RNDN);
    int e = da_dual_eval(fb, d, one, 1);
    *beta = e == DA_EINFINITE ? INFINITY : mpfr_get_d(fb->mid, MPFR_RNDN);
    *beta_err = e == DA_EINFINITE ? INFINITY : mpfr_get_d(fb->rad, MPFR_RNDU) +
                fabs(*beta) * U53;
    da_ball_clear(one);
    da_ball_clear(fb);
    if (e == DA_EINFINITE)
        return da_fail(DA_EINFINITE, "the NTK of '%s' is infinite: the activation jumps, "
                       "so sigma_hat'(1) = E[sigma'^2] is infinite", da_act_spec(act));
    if (!isfinite(*beta) || !isfinite(*beta_err))
        /* not infinite: not enclosed (nothing to build the NTK on) */
        return da_fail(DA_EACCURACY, "the NTK of '%s' needs sigma_hat'(1) = E[sigma'^2], "
                       "which was not enclosed", da_act_spec(act));
    return DA_OK;
}

/* one layer on the upper triangles: K <- f(K), and T <- T f'(K) q + f(K) w
 * (the normalized NTK); the largest errors of f and f' in *maxe0, *maxe1;
 * DA_EINTR when the caller's poll function asks */
static int gram_map_layer(double *K, double *T, size_t n, const da_dual *d, double q, double w,
                          long l, double *maxe0, double *maxe1)
{
    for (size_t i = 0; i < n; i++) {
        if (da_poll_check())
            return da_fail(DA_EINTR, "gram: interrupted at layer %ld", l);
        double *kr = K + i * n, *tr = T ? T + i * n : NULL;
        for (size_t j = i + 1; j < n; j++) {
            double r = kr[j], e0;
            double fr = da_dual_value_d(d, r, 0, &e0);
            if (e0 > *maxe0)
                *maxe0 = e0;
            if (tr) {
                double e1;
                double f1 = da_dual_value_d(d, r, 1, &e1);
                if (e1 > *maxe1)
                    *maxe1 = e1;
                tr[j] = tr[j] * f1 * q + fr * w;
            }
            kr[j] = fr;
        }
    }
    return DA_OK;
}

/* the extreme eigenvalues of the n x n matrix M (and the kneed largest in
 * top): the full symmetric solver (A, ev its scratch), or Lanczos (warm
 * its start), or the Gershgorin interval when it is narrower than tol;
 * *solver_err the solver's error estimate */
static int gram_spectrum(da_gram_layer *g, double *solver_err, const double *M, double *A,
                         double *ev, double *top, double *warm, size_t n, long kneed, int full,
                         double gmax, double tol)
{
    int st;
    if (full) {
        memcpy(A, M, n * n * sizeof(double));
        st = da_gram_eigen_full(ev, A, n);
        if (st)
            return st;
        g->lambda_max = ev[0];
        g->lambda_min = ev[n - 1];
        for (long i = 0; i < kneed; i++)
            top[i] = ev[i];
        g->method = DA_GRAM_FULL;
        g->converged = 1;
        /* backward-stable solver: a few n u ||M||_2 */
        *solver_err = 4.0 * (double)n * U53 * fabs(ev[0]);
    } else if (gmax <= tol && kneed == 1) {
        /* the Gershgorin interval is already narrower than the tolerance */
        g->lambda_max = 1 + gmax;
        g->lambda_min = 1 - gmax;
        top[0] = 1;
        g->method = DA_GRAM_LANCZOS;
        g->converged = 1;
        g->iterations = 0;
        *solver_err = gmax;
    } else {
        lanczos_out lo;
        memset(&lo, 0, sizeof lo);
        lo.top = top;
        st = lanczos(&lo, M, n, kneed, tol, warm);
        if (st)
            return st;
        g->lambda_max = lo.lmax;
        g->lambda_min = lo.lmin;
        g->method = DA_GRAM_LANCZOS;
        g->converged = lo.converged;
        g->iterations = lo.steps;
        *solver_err = lo.resid + 4.0 * (double)n * U53 * fabs(lo.lmax);
    }
    return DA_OK;
}

/* the off-diagonal sums of M: row sums (rowsum), the largest |entry|
 * (*moff), the largest row sum (*gmax), the sum of squares (*f2); and the
 * largest |entry| of K's upper triangle when K is not M (K non-NULL),
 * else *moff (*mK) */
static void gram_sums(const double *M, const double *K, size_t n, double *rowsum, double *moff,
                      double *gmax, long double *f2, double *mK)
{
    *moff = *gmax = 0;
    *f2 = 0;
    for (size_t i = 0; i < n; i++) {
        const double *r = M + i * n;
        double rs = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double a = fabs(r[j]);
            rs += a;
            *f2 += (long double)a * a;
            if (a > *moff)
                *moff = a;
        }
        rowsum[i] = rs;
        if (rs > *gmax)
            *gmax = rs;
    }
    *mK = 0;
    if (K) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (fabs(K[i * n + j]) > *mK)
                    *mK = fabs(K[i * n + j]);
    } else {
        *mK = *moff;
    }
}

/* K^(0) = X X^T of the unit rows of data (upper triangle, clamped to
   [-1, 1], diagonal 1), copied into T (the NTK) when T is not NULL */
static void gram_k0(double *K, double *T, const da_gram_data *data)
{
    size_t n = data->n, dim = data->dim;
    for (size_t i = 0; i < n; i++) {
        const double *xi = data->x + i * dim;
        K[i * n + i] = 1;
        for (size_t j = i + 1; j < n; j++) {
            double v = dotv(xi, data->x + j * dim, dim);
            if (v > 1)
                v = 1;
            if (v < -1)
                v = -1;
            K[i * n + j] = v;
        }
    }
    if (T)
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++)
                T[i * n + j] = K[i * n + j];
}

/* the upper triangle of M mirrored (in tiles), its diagonal 1; K's
   diagonal 1 too when K is given (not mirrored: only its upper half is
   read) */
static void gram_mirror(double *M, double *K, size_t n)
{
    const size_t B = 64;
    for (size_t ib = 0; ib < n; ib += B)
        for (size_t jb = ib; jb < n; jb += B)
            for (size_t i = ib; i < ib + B && i < n; i++)
                for (size_t j = (jb > i + 1 ? jb : i + 1); j < jb + B && j < n; j++)
                    M[j * n + i] = M[i * n + j];
    for (size_t i = 0; i < n; i++)
        M[i * n + i] = 1;
    if (K) {
        /* keep K's diagonal too (not mirrored: only its upper half is read) */
        for (size_t i = 0; i < n; i++)
            K[i * n + i] = 1;
    }
}

/* a layer's derived numbers: the eigenvalue error, the condition number,
   the effective ranks r_0, R_0 (and r_k, R_k: from the spectrum ev when
   full, else from the top k + 1 eigenvalues) */
static void gram_ranks(da_gram_layer *g, double solver_err, size_t n, long rank_k, int full,
                       const double *ev, const double *top)
{
    g->lambda_err = (double)(n - 1) * g->entry_err + solver_err;
    /* a lambda_min within its error estimate of 0 cannot be told from a
       singular matrix: the condition number is then reported infinite */
    g->cond = g->lambda_min > g->lambda_err ? g->lambda_max / g->lambda_min : INFINITY;
    g->r0 = g->lambda_max != 0 ? g->trace / g->lambda_max : NAN;
    g->R0 = g->trace * g->trace / g->frob2;
    g->rk = g->Rk = NAN;
    if (rank_k > 0) {
        if (full)
            da_effrank(&g->rk, &g->Rk, ev, n, (size_t)rank_k);
        else
            da_effrank_partial(&g->rk, &g->Rk, g->trace, g->frob2, top, (size_t)rank_k);
    }
}

int da_gram_analyze(da_gram_layer *rows, const da_act *act, const da_gram_data *data,
                    const da_gram_opts *opts)
{
    da_gram_opts o;
    if (opts)
        o = *opts;
    else
        da_gram_opts_init(&o);
    size_t n = data->n, dim = data->dim;
    if (n < 2)
        return da_fail(DA_EINVAL, "gram: need at least 2 points");
    if (o.depth < 0 || o.depth > 100000)
        return da_fail(DA_EINVAL, "gram: depth must lie in [0, 100000]");
    if (o.rank_k < 0 || (size_t)o.rank_k >= n)
        return da_fail(DA_EINVAL, "gram: rank_k must lie in [0, n-1] = [0, %zu]", n - 1);
    if (n > 46000)
        return da_fail(DA_EINVAL, "gram: %zu points need %.1f GB per matrix", n,
                       (double)n * (double)n * 8 / 1e9);
    if (!(o.lanczos_tol > 0))
        o.lanczos_tol = 1e-9;
    int full = o.spectrum == 1 || n <= 400;
    da_dual *d = NULL;
    da_dual_opts dopt;
    da_dual_opts_init(&dopt);
    dopt.digits = 17;
    int st = da_dual_new(&d, act, &dopt);
    if (!d)
        return st ? st : DA_EINVAL;
    double beta = 0, beta_err = 0;
    if (o.ntk && (st = gram_beta(&beta, &beta_err, d, act))) {
        da_dual_free(d);
        return st;
    }
    size_t nn = n * n;
    double *K = da_malloc(nn * sizeof(double));
    double *T = o.ntk ? da_malloc(nn * sizeof(double)) : NULL;
    double *A = full ? da_malloc(nn * sizeof(double)) : NULL;
    double *ev = da_malloc(n * sizeof(double));
    double *rowsum = da_malloc(n * sizeof(double));
    long kneed = o.rank_k + 1;
    double *top = da_malloc((size_t)kneed * sizeof(double));
    double *warm = full ? NULL : da_calloc(n, sizeof(double));
    if (!K || (o.ntk && !T) || (full && !A) || !ev || !rowsum || !top || (!full && !warm)) {
        st = DA_ENOMEM;
        goto out;
    }
    gram_k0(K, T, data);
    double EK = (double)(dim + 4) * U53 * 1.01;   /* entry error of K^(0) */
    double ET = EK;
    double theta1 = 1;
    double mK = 0, mT = 0;   /* max |offdiag| of K and T at the previous layer */
    for (long l = 0; l <= o.depth; l++) {
        if (o.progress)
            o.progress(o.progress_ctx, l, o.depth);
        /* the caller's poll function (da_poll_set), at every layer and row */
        if (da_poll_check()) {
            st = da_fail(DA_EINTR, "gram: interrupted at layer %ld", l);
            goto out;
        }
        if (l > 0) {
            double maxe0 = 0, maxe1 = 0;
            double th1 = theta1 * beta + 1;
            double q = theta1 / th1, w = 1 / th1;
            if ((st = gram_map_layer(K, T, n, d, q, w, l, &maxe0, &maxe1)))
                goto out;
            /* entry errors (see docs/analysis.md) */
            double s = mK + EK;
            double f1s = fup(d, s, 1);
            double EKn = EK * f1s + maxe0 + 2 * U53;
            if (T) {
                double f2s = fup(d, s, 2);
                double dF = f2s * EK + maxe1;    /* error of f'(K) */
                if (EK == 0)
                    dF = maxe1;
                ET = (ET * f1s + (mT + ET) * dF) * q + EKn * w +
                     (mT * f1s * q + (mK + EKn) * w) *
                     ((double)(l + 6) * 2 * U53 + 2 * (double)l * beta_err / beta);
            }
            EK = EKn;
            theta1 = th1;
            if (!isfinite(EK))
                EK = INFINITY;
            if (!isfinite(ET))
                ET = INFINITY;
        }
        /* the matrix analyzed, mirrored */
        double *M = T ? T : K;
        gram_mirror(M, T ? K : NULL, n);
        /* sums */
        double moff, gmax, mKnow;
        long double f2;
        gram_sums(M, T ? K : NULL, n, rowsum, &moff, &gmax, &f2, &mKnow);
        mK = mKnow;
        mT = moff;
        da_gram_layer *g = &rows[l];
        memset(g, 0, sizeof *g);
        g->layer = l;
        g->max_offdiag = moff;
        g->gershgorin = 1 - gmax;
        g->gershgorin_max = 1 + gmax;
        g->trace = (double)n;
        g->frob2 = (double)(f2 + (long double)n);
        g->entry_err = T ? ET : EK;
        double solver_err;
        if ((st = gram_spectrum(g, &solver_err, M, A, ev, top, warm, n, kneed, full, gmax,
                                o.lanczos_tol)))
            goto out;
        gram_ranks(g, solver_err, n, o.rank_k, full, ev, top);
    }
out:
    free(K);
    free(T);
    free(A);
    free(ev);
    free(rowsum);
    free(top);
    free(warm);
    da_dual_free(d);
    return st;
}

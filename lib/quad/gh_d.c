/* gh_d.c -- Gauss-Hermite rules in double, and the double-precision roots
 * of He_n that seed the MPFR rules.
 *
 * The roots of He_n are the eigenvalues of the symmetric tridiagonal
 * Jacobi matrix with zero diagonal and off-diagonal sqrt(1), ..., sqrt(n-1).
 * They are found by the implicit QL iteration with Wilkinson shifts
 * (eigenvalues only, O(n^2) in all), then polished by one Newton step on
 * the normalized recurrence. */
#include "core/core.h"
#include "quad/quad.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Eigenvalues of the symmetric tridiagonal matrix (d on the diagonal,
 * e[i] coupling i and i+1, e[n-1] unused), in place into d. */
static int tridiag_eigenvalues(double *d, double *e, long n)
{
    e[n - 1] = 0.0;
    for (long l = 0; l < n; l++) {
        int iter = 0;
        for (;;) {
            long m;
            for (m = l; m < n - 1; m++) {
                double dd = fabs(d[m]) + fabs(d[m + 1]);
                if (fabs(e[m]) <= 0x1p-53 * dd)
                    break;
            }
            if (m == l)
                break;
            if (++iter > 100)
                return -1;
            /* Wilkinson shift from the leading 2x2 block */
            double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            double r = sqrt(g * g + 1.0);
            g = d[m] - d[l] + e[l] / (g + copysign(r, g));
            double s = 1.0, c = 1.0, p = 0.0;
            long i;
            int deflated = 0;
            for (i = m - 1; i >= l; i--) {
                double f = s * e[i], b = c * e[i];
                r = sqrt(f * f + g * g); /* entries are O(sqrt n): no overflow */
                e[i + 1] = r;
                if (r == 0.0) {
                    /* underflow: split the matrix here and start over */
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = 1;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
            }
            if (deflated)
                continue;
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* h_{n-1}(x) and h_n(x) (orthonormal), scaled by 2^(-*scale). */
static void hermite_pair(double x, long n, double *hn1, double *hn, long *scale)
{
    double h0 = 1.0, h1 = x;
    long sc = 0;
    if (n == 1) {
        *hn1 = h0;
        *hn = h1;
        *scale = 0;
        return;
    }
    for (long k = 1; k < n; k++) {
        double h2 = (x * h1 - sqrt((double)k) * h0) / sqrt((double)k + 1.0);
        h0 = h1;
        h1 = h2;
        if (fabs(h1) > 0x1p500) {
            h0 = ldexp(h0, -500);
            h1 = ldexp(h1, -500);
            sc += 500;
        }
    }
    *hn1 = h0;
    *hn = h1;
    *scale = sc;
}

int da_gh_roots_d(double *x, long n)
{
    if (n < 1)
        return da_fail(DA_EINVAL, "Gauss-Hermite rule needs n >= 1");
    /* x (the caller's) and e hold n doubles */
    if ((unsigned long)n > SIZE_MAX / sizeof(double))
        return da_fail(DA_EINVAL, "Gauss-Hermite rule: %ld nodes are more doubles than memory "
                       "can address", n);
    double *e = da_malloc((size_t)n * sizeof *e);
    if (!e)
        return DA_ENOMEM;
    for (long i = 0; i < n; i++) {
        x[i] = 0.0;
        e[i] = sqrt((double)(i + 1));
    }
    int st = tridiag_eigenvalues(x, e, n);
    free(e);
    if (st)
        return da_fail(DA_EINVAL, "Gauss-Hermite rule: eigenvalue iteration failed for n = %ld", n);
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    /* symmetrize: the roots come in pairs +-x, and 0 for odd n */
    for (long i = 0; i < n / 2; i++) {
        double v = 0.5 * (x[n - 1 - i] - x[i]);
        x[i] = -v;
        x[n - 1 - i] = v;
    }
    if (n % 2)
        x[n / 2] = 0.0;
    return DA_OK;
}

int da_gh_rule_d(double *x, double *w, long n)
{
    int st = da_gh_roots_d(x, n);
    if (st)
        return st;
    for (long i = 0; i < n; i++) {
        double hn1, hn;
        long sc;
        /* one Newton step: h_n' = sqrt(n) h_{n-1} */
        hermite_pair(x[i], n, &hn1, &hn, &sc);
        if (hn1 != 0.0 && x[i] != 0.0)
            x[i] -= hn / (sqrt((double)n) * hn1);
        hermite_pair(x[i], n, &hn1, &hn, &sc);
        /* w = 1 / (n h_{n-1}^2), h_{n-1} = hn1 * 2^sc */
        int ex;
        double m = frexp(fabs(hn1), &ex);
        w[i] = ldexp(1.0 / ((double)n * m * m), -2 * (ex + (int)sc));
    }
    return DA_OK;
}

/* ---- a process-wide cache of the double rules --------------------------
 *
 * The kernel-matrix engine asks for the same few sizes (64 ... 4096) in
 * every call, and a rule of 4096 nodes costs O(n^2) to make.  The rules
 * are kept (at most GHD_CACHE sizes, 16 n bytes each) under a mutex and
 * handed out read-only; da_gh_d_cache_clear() (through da_free_cache)
 * releases them, under the same contract as the other caches: no other
 * thread inside the library. */
#include <pthread.h>

#define GHD_CACHE 32
static struct {
    long n;
    double *x, *w;
} ghd_cache[GHD_CACHE];
static int ghd_count;
static pthread_mutex_t ghd_lock = PTHREAD_MUTEX_INITIALIZER;

int da_gh_rule_d_cached(const double **x, const double **w, long n)
{
    int st = DA_OK;
    *x = *w = NULL;
    pthread_mutex_lock(&ghd_lock);
    for (int i = 0; i < ghd_count; i++)
        if (ghd_cache[i].n == n) {
            *x = ghd_cache[i].x;
            *w = ghd_cache[i].w;
            break;
        }
    if (!*x) {
        double *xs = da_malloc((size_t)n * sizeof *xs), *ws = da_malloc((size_t)n * sizeof *ws);
        if (!xs || !ws) {
            st = DA_ENOMEM;
        } else if ((st = da_gh_rule_d(xs, ws, n)) == DA_OK) {
            if (ghd_count < GHD_CACHE) {
                ghd_cache[ghd_count].n = n;
                ghd_cache[ghd_count].x = xs;
                ghd_cache[ghd_count].w = ws;
                ghd_count++;
                (void)da_register_cleanup(da_gh_d_cache_clear, 0);
                *x = xs;
                *w = ws;
                xs = ws = NULL;
            } else {
                st = da_fail(DA_EINVAL, "Gauss-Hermite cache: more than %d rule sizes", GHD_CACHE);
            }
        }
        free(xs);
        free(ws);
    }
    pthread_mutex_unlock(&ghd_lock);
    return st;
}

void da_gh_d_cache_clear(void)
{
    pthread_mutex_lock(&ghd_lock);
    for (int i = 0; i < ghd_count; i++) {
        free(ghd_cache[i].x);
        free(ghd_cache[i].w);
    }
    ghd_count = 0;
    pthread_mutex_unlock(&ghd_lock);
}

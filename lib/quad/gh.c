/* gh.c -- Gauss-Hermite rules for the weight phi in MPFR, cached.
 *
 * Nodes: the roots of He_n, from double-precision eigenvalues refined by
 * Halley's method on He_{k+1} = x He_k - k He_{k-1}, the working precision
 * tripled at each step (cubic convergence), the last step at the full
 * working precision wp = prec + 16 + log2(n) bits.
 * Weights: w_i = n! / (n^2 He_{n-1}(x_i)^2); He_{n-1} at the final node is
 * obtained from its value at the previous iterate by a second-order Taylor
 * step, so no extra pass is needed; the neglected term is O(d^3) where d,
 * the last correction, is about 2^-(wp/3) relative.
 * Only the non-negative nodes are computed; the rule is symmetric.
 * The properties are checked in tests/check_quad.c (ordering, sum of
 * weights, exactness on polynomials of degree <= 2n-1). */
#include "core/core.h"
#include "quad/quad.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct cached {
    long n;
    mpfr_prec_t prec;
    mpfr_t *x, *w;
    struct cached *next;
} cached;

static cached *cache_head;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* He_n(x), He_{n-1}(x), He_{n-2}(x) at the precision of the outputs. */
static void he_eval(mpfr_t hn, mpfr_t hn1, mpfr_t hn2, const mpfr_t x, long n,
                    mpfr_t t)
{
    /* hn2 <- He_0, hn1 <- He_1, then roll forward */
    mpfr_set_ui(hn2, 1, MPFR_RNDN);
    mpfr_set(hn1, x, MPFR_RNDN);
    if (n == 1) {
        mpfr_set(hn, x, MPFR_RNDN);
        mpfr_set_ui(hn1, 1, MPFR_RNDN);
        mpfr_set_zero(hn2, 1);
        return;
    }
    for (long k = 1; k < n; k++) {
        mpfr_mul(t, x, hn1, MPFR_RNDN);
        mpfr_mul_ui(hn, hn2, (unsigned long)k, MPFR_RNDN);
        mpfr_sub(hn, t, hn, MPFR_RNDN);
        if (k < n - 1) {
            mpfr_swap(hn2, hn1);
            mpfr_swap(hn1, hn);
        } else {
            /* hn = He_n, hn1 = He_{n-1}, hn2 = He_{n-2} */
        }
    }
}

static int build_rule(mpfr_t *X, mpfr_t *W, long n, mpfr_prec_t prec)
{
    double *xd = da_malloc((size_t)n * sizeof *xd);
    if (!xd)
        return DA_ENOMEM;
    int st = da_gh_roots_d(xd, n);
    if (st) {
        free(xd);
        return st;
    }
    mpfr_prec_t wp = prec + 16 + (mpfr_prec_t)ceil(log2((double)n + 1));
    mpfr_t x, hn, hn1, hn2, t, d, nfac;
    mpfr_inits2(wp, x, hn, hn1, hn2, t, d, nfac, (mpfr_ptr)0);
    mpfr_fac_ui(nfac, (unsigned long)n, MPFR_RNDN);
    mpfr_div_ui(nfac, nfac, (unsigned long)n, MPFR_RNDN);
    mpfr_div_ui(nfac, nfac, (unsigned long)n, MPFR_RNDN);

    for (long i = n / 2; i < n; i++) {
        if (n % 2 && i == n / 2) {
            /* the root 0; He_{n-1}(0) = (-1)^((n-1)/2) (n-2)!! */
            mpfr_set_zero(X[i], 1);
            mpfr_set_ui(hn1, 1, MPFR_RNDN);
            for (long j = n - 2; j > 1; j -= 2)
                mpfr_mul_ui(hn1, hn1, (unsigned long)j, MPFR_RNDN);
            mpfr_sqr(t, hn1, MPFR_RNDN);
            mpfr_div(W[i], nfac, t, MPFR_RNDN);
            continue;
        }
        /* Halley's method (cubic convergence; He_n'' = x He_n' - n He_n
           comes free from the differential equation), the precision
           tripled at each step: the schedule is built backwards from wp
           and starts from the ~45 correct bits of the double seed. */
        mpfr_prec_t sched[64];
        int ns = 0;
        sched[ns++] = wp;
        while (ns < 64 && sched[ns - 1] / 3 + 12 > 60)
            sched[ns] = sched[ns - 1] / 3 + 12, ns++;
        mpfr_set_prec(x, 64);
        mpfr_set_d(x, xd[i], MPFR_RNDN);
        for (int s = ns - 1; s >= 0; s--) {
            mpfr_prec_t p = sched[s];
            mpfr_prec_round(x, p, MPFR_RNDN);
            mpfr_set_prec(hn, p);
            mpfr_set_prec(hn1, p);
            mpfr_set_prec(hn2, p);
            mpfr_set_prec(t, p);
            mpfr_set_prec(d, p);
            he_eval(hn, hn1, hn2, x, n, t);
            /* u = He_n / He_n' = He_n / (n He_{n-1});
               d = u / (1 - u (x - n u) / 2) */
            mpfr_mul_ui(d, hn1, (unsigned long)n, MPFR_RNDN);
            mpfr_div(d, hn, d, MPFR_RNDN);
            mpfr_mul_ui(t, d, (unsigned long)n, MPFR_RNDN);
            mpfr_sub(t, x, t, MPFR_RNDN);
            mpfr_mul(t, t, d, MPFR_RNDN);
            mpfr_div_2ui(t, t, 1, MPFR_RNDN);
            mpfr_ui_sub(t, 1, t, MPFR_RNDN);
            mpfr_div(d, d, t, MPFR_RNDN);
            mpfr_sub(x, x, d, MPFR_RNDN);
        }
        /* He_{n-1} at the new node by Taylor from the old one x0 = x + d:
           He_{n-1}(x0 - d) = H - d H' + d^2/2 H'' + O(d^3), with
           H' = (n-1) He_{n-2}, H'' = x0 H' - (n-1) H. */
        {
            mpfr_t h1, h2;
            mpfr_init2(h1, wp);
            mpfr_init2(h2, wp);
            mpfr_mul_ui(h1, hn2, (unsigned long)(n - 1), MPFR_RNDN); /* H' */
            mpfr_add(t, x, d, MPFR_RNDN);                            /* x0 */
            mpfr_mul(h2, t, h1, MPFR_RNDN);
            mpfr_mul_ui(t, hn1, (unsigned long)(n - 1), MPFR_RNDN);
            mpfr_sub(h2, h2, t, MPFR_RNDN);                          /* H'' */
            mpfr_mul(h2, h2, d, MPFR_RNDN);
            mpfr_div_2ui(h2, h2, 1, MPFR_RNDN);
            mpfr_sub(h2, h2, h1, MPFR_RNDN);                         /* -H' + d H''/2 */
            mpfr_mul(h2, h2, d, MPFR_RNDN);
            mpfr_add(hn1, hn1, h2, MPFR_RNDN);
            mpfr_clear(h1);
            mpfr_clear(h2);
        }
        mpfr_set(X[i], x, MPFR_RNDN);
        mpfr_sqr(t, hn1, MPFR_RNDN);
        mpfr_div(W[i], nfac, t, MPFR_RNDN);
    }
    for (long i = 0; i < n / 2; i++) {
        mpfr_neg(X[i], X[n - 1 - i], MPFR_RNDN);
        mpfr_set(W[i], W[n - 1 - i], MPFR_RNDN);
    }
    mpfr_clears(x, hn, hn1, hn2, t, d, nfac, (mpfr_ptr)0);
    free(xd);
    return DA_OK;
}

int da_gh_rule(const mpfr_t **nodes, const mpfr_t **weights, long n,
               mpfr_prec_t prec)
{
    if (n < 1 || n > 1000000)
        return da_fail(DA_EINVAL, "Gauss-Hermite rule: n = %ld out of range [1, 1000000]", n);
    if (prec < MPFR_PREC_MIN || prec > 1000000)
        return da_fail(DA_EINVAL, "Gauss-Hermite rule: precision %ld out of range", (long)prec);
    pthread_mutex_lock(&cache_lock);
    for (cached *c = cache_head; c; c = c->next) {
        if (c->n == n && c->prec == prec) {
            *nodes = (const mpfr_t *)c->x;
            *weights = (const mpfr_t *)c->w;
            pthread_mutex_unlock(&cache_lock);
            return DA_OK;
        }
    }
    cached *c = da_calloc(1, sizeof *c);
    if (c) {
        c->x = da_malloc((size_t)n * sizeof(mpfr_t));
        c->w = da_malloc((size_t)n * sizeof(mpfr_t));
    }
    if (!c || !c->x || !c->w) {
        if (c) {
            free(c->x);
            free(c->w);
        }
        free(c);
        pthread_mutex_unlock(&cache_lock);
        return DA_ENOMEM;
    }
    c->n = n;
    c->prec = prec;
    for (long i = 0; i < n; i++) {
        mpfr_init2(c->x[i], prec);
        mpfr_init2(c->w[i], prec);
    }
    int st = build_rule(c->x, c->w, n, prec);
    if (st) {
        for (long i = 0; i < n; i++) {
            mpfr_clear(c->x[i]);
            mpfr_clear(c->w[i]);
        }
        free(c->x);
        free(c->w);
        free(c);
        pthread_mutex_unlock(&cache_lock);
        return st;
    }
    c->next = cache_head;
    cache_head = c;
    *nodes = (const mpfr_t *)c->x;
    *weights = (const mpfr_t *)c->w;
    pthread_mutex_unlock(&cache_lock);
    return DA_OK;
}

void da_gh_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    while (cache_head) {
        cached *c = cache_head;
        cache_head = c->next;
        for (long i = 0; i < c->n; i++) {
            mpfr_clear(c->x[i]);
            mpfr_clear(c->w[i]);
        }
        free(c->x);
        free(c->w);
        free(c);
    }
    pthread_mutex_unlock(&cache_lock);
}

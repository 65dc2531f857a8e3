/* gh.c -- Gauss-Hermite rules for the weight phi in MPFR, cached.
 *
 * Nodes: the roots of He_n, from double-precision eigenvalues refined by
 * one Halley step in double-double arithmetic (cubic convergence: from a
 * double seed, about 100 bits), then by
 * fourth-order steps in MPFR on He_{k+1} = x He_k - k He_{k-1} (one step
 * at the working precision wp = prec + 16 + log2(n) bits suffices up to
 * about 350 bits; lower-precision steps before it are scheduled backwards
 * from wp).
 * Weights: w_i = n! / (n^2 He_{n-1}(x_i)^2); He_{n-1} at the final node is
 * obtained from its value at the previous iterate by a third-order Taylor
 * step, so no extra pass is needed; the neglected term is O(d^4) where d,
 * the last correction, is about 2^-(wp/4) relative.
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

/* an entry, with its c->n initialized nodes and weights (NULL: nothing) */
static void cached_free(cached *c)
{
    if (!c)
        return;
    for (long i = 0; i < c->n; i++) {
        mpfr_clear(c->x[i]);
        mpfr_clear(c->w[i]);
    }
    free(c->x);
    free(c->w);
    free(c);
}
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

/* ---- double-double arithmetic (about 106 bits) for the seeds --------- */

typedef struct {
    double hi, lo;
} dd;

static dd dd_quick(double a, double b)
{
    double s = a + b;
    dd r = {s, b - (s - a)};
    return r;
}

static dd dd_add(dd a, dd b)
{
    double s = a.hi + b.hi;
    double bb = s - a.hi;
    double e = (a.hi - (s - bb)) + (b.hi - bb);
    e += a.lo + b.lo;
    return dd_quick(s, e);
}

static dd dd_neg(dd a)
{
    dd r = {-a.hi, -a.lo};
    return r;
}

static dd dd_mul(dd a, dd b)
{
    double p = a.hi * b.hi;
    double e = fma(a.hi, b.hi, -p);
    e += a.hi * b.lo + a.lo * b.hi;
    return dd_quick(p, e);
}

static dd dd_mul_d(dd a, double b)
{
    double p = a.hi * b;
    double e = fma(a.hi, b, -p);
    e += a.lo * b;
    return dd_quick(p, e);
}

static dd dd_div(dd a, dd b)
{
    double q1 = a.hi / b.hi;
    dd r = dd_add(a, dd_neg(dd_mul_d(b, q1)));
    double q2 = r.hi / b.hi;
    r = dd_add(r, dd_neg(dd_mul_d(b, q2)));
    double q3 = r.hi / b.hi;
    dd q = dd_quick(q1, q2);
    dd c = {q3, 0.0};
    return dd_add(q, c);
}

/* Halley steps on He_n in double-double from a double seed: the ratio
 * He_n / He_{n-1} is all that is needed, so the recurrence is rescaled
 * by exact powers of two whenever it grows large. */
static dd dd_refine(double x0, long n, int steps)
{
    dd x = {x0, 0.0};
    const dd one = {1.0, 0.0};
    for (int it = 0; it < steps; it++) {
        dd h0 = one, h1 = x;
        for (long k = 1; k < n; k++) {
            dd h2 = dd_add(dd_mul(x, h1), dd_neg(dd_mul_d(h0, (double)k)));
            h0 = h1;
            h1 = h2;
            if (fabs(h1.hi) > 0x1p600) {
                h0.hi = ldexp(h0.hi, -600);
                h0.lo = ldexp(h0.lo, -600);
                h1.hi = ldexp(h1.hi, -600);
                h1.lo = ldexp(h1.lo, -600);
            }
        }
        if (n == 1) {
            h1 = x;
            h0 = one;
        }
        /* h1 = He_n, h0 = He_{n-1} (scaled alike); d = u / (1 - u (x - n u) / 2) */
        dd u = dd_div(h1, dd_mul_d(h0, (double)n));
        dd t = dd_mul(u, dd_add(x, dd_neg(dd_mul_d(u, (double)n))));
        t = dd_add(one, dd_neg(dd_mul_d(t, 0.5)));
        x = dd_add(x, dd_neg(dd_div(u, t)));
    }
    return x;
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
        /* Seeds: the double-precision eigenvalue refined by one Halley
           step in double-double (about 100 correct bits: the step is cubic).  Then steps of
           fourth order in MPFR: with u = f/f', a = f''/f', b = f'''/f',
           the root is x - d, d = u + (a/2) u^2 + (a^2/2 - b/6) u^3 + O(u^4),
           and every derivative comes from the differential equation:
           f = He_n, f' = n He_{n-1}, a = x - n u, b = x a - (n - 1).
           The precisions are built backwards from wp (each step may
           quadruple the correct bits, less a margin); after the last step
           the size of its correction is checked, and the step is repeated
           when convergence was slower than assumed. */
        dd seed = dd_refine(xd[i], n, 1);
        mpfr_prec_t sched[64];
        int ns = 0;
        sched[ns++] = wp;
        while (ns < 64 && sched[ns - 1] / 4 + 8 > 100)
            sched[ns] = sched[ns - 1] / 4 + 8, ns++;
        mpfr_set_prec(x, 128);
        mpfr_set_d(x, seed.hi, MPFR_RNDN);
        mpfr_add_d(x, x, seed.lo, MPFR_RNDN);
        mpfr_t a, b;
        mpfr_init2(a, wp);
        mpfr_init2(b, wp);
        for (int s = ns - 1, extra = 0; s >= 0; s--) {
            mpfr_prec_t p = sched[s];
            mpfr_prec_round(x, p, MPFR_RNDN);
            mpfr_set_prec(hn, p);
            mpfr_set_prec(hn1, p);
            mpfr_set_prec(hn2, p);
            mpfr_set_prec(t, p);
            mpfr_set_prec(d, p);
            mpfr_set_prec(a, p);
            mpfr_set_prec(b, p);
            he_eval(hn, hn1, hn2, x, n, t);
            /* u = He_n / (n He_{n-1}), into d */
            mpfr_mul_ui(d, hn1, (unsigned long)n, MPFR_RNDN);
            mpfr_div(d, hn, d, MPFR_RNDN);
            /* a = x - n u ; b = x a - (n - 1) */
            mpfr_mul_ui(a, d, (unsigned long)n, MPFR_RNDN);
            mpfr_sub(a, x, a, MPFR_RNDN);
            mpfr_mul(b, x, a, MPFR_RNDN);
            mpfr_sub_ui(b, b, (unsigned long)(n - 1), MPFR_RNDN);
            /* t = (a^2/2 - b/6) u + a/2 ;  d = u + u^2 t */
            mpfr_sqr(t, a, MPFR_RNDN);
            mpfr_div_2ui(t, t, 1, MPFR_RNDN);
            mpfr_div_ui(b, b, 6, MPFR_RNDN);
            mpfr_sub(t, t, b, MPFR_RNDN);
            mpfr_mul(t, t, d, MPFR_RNDN);
            mpfr_div_2ui(b, a, 1, MPFR_RNDN);
            mpfr_add(t, t, b, MPFR_RNDN);
            mpfr_mul(t, t, d, MPFR_RNDN);
            mpfr_mul(t, t, d, MPFR_RNDN);
            mpfr_add(d, d, t, MPFR_RNDN);
            mpfr_sub(x, x, d, MPFR_RNDN);
            if (s == 0 && extra < 3) {
                /* the next error is about K d^4 with K ~ |x|^3 + n: it
                   must lie below 2^-wp |x|, or the step is repeated */
                double dl = fabs(mpfr_get_d(d, MPFR_RNDU));
                double xl = fabs(mpfr_get_d(x, MPFR_RNDN));
                double K = xl * xl * xl + (double)n + 1;
                if (dl > 0 && 4 * log2(dl) + log2(K) > -(double)wp + log2(xl > 1 ? xl : 1)) {
                    s++;
                    extra++;
                }
            }
        }
        /* He_{n-1} at the new node by Taylor from the old one x0 = x + d,
           to third order: with H = He_{n-1}, H' = (n-1) He_{n-2},
           H'' = x0 H' - (n-1) H, H''' = x0 H'' - (n-2) H',
           H(x0 - d) = H - d H' + d^2 H''/2 - d^3 H'''/6 + O(d^4). */
        {
            mpfr_t h1, h2, h3, x0;
            mpfr_inits2(wp, h1, h2, h3, x0, (mpfr_ptr)0);
            mpfr_mul_ui(h1, hn2, (unsigned long)(n - 1), MPFR_RNDN); /* H' */
            mpfr_add(x0, x, d, MPFR_RNDN);
            mpfr_mul(h2, x0, h1, MPFR_RNDN);
            mpfr_mul_ui(t, hn1, (unsigned long)(n - 1), MPFR_RNDN);
            mpfr_sub(h2, h2, t, MPFR_RNDN);                          /* H'' */
            mpfr_mul(h3, x0, h2, MPFR_RNDN);
            mpfr_mul_ui(t, h1, (unsigned long)(n > 1 ? n - 2 : 0), MPFR_RNDN);
            mpfr_sub(h3, h3, t, MPFR_RNDN);                          /* H''' */
            /* ((H''/2 - d H'''/6) d - H') d */
            mpfr_div_ui(h3, h3, 6, MPFR_RNDN);
            mpfr_mul(h3, h3, d, MPFR_RNDN);
            mpfr_div_2ui(h2, h2, 1, MPFR_RNDN);
            mpfr_sub(h3, h2, h3, MPFR_RNDN);
            mpfr_mul(h3, h3, d, MPFR_RNDN);
            mpfr_sub(h3, h3, h1, MPFR_RNDN);
            mpfr_mul(h3, h3, d, MPFR_RNDN);
            mpfr_add(hn1, hn1, h3, MPFR_RNDN);
            mpfr_clears(h1, h2, h3, x0, (mpfr_ptr)0);
        }
        mpfr_clear(a);
        mpfr_clear(b);
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
        cached_free(c);
        pthread_mutex_unlock(&cache_lock);
        return DA_ENOMEM;
    }
    c->prec = prec;
    for (long i = 0; i < n; i++) {
        mpfr_init2(c->x[i], prec);
        mpfr_init2(c->w[i], prec);
    }
    c->n = n;
    int st = build_rule(c->x, c->w, n, prec);
    if (st) {
        cached_free(c);
        pthread_mutex_unlock(&cache_lock);
        return st;
    }
    c->next = cache_head;
    cache_head = c;
    (void)da_register_cleanup(da_gh_cache_clear, 0);   /* da_free_cache releases it */
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
        cached_free(c);
    }
    pthread_mutex_unlock(&cache_lock);
}

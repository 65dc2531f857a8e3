/* spectrum.c -- the degree spectrum of sigma_hat^{oL}.
 *
 * For a normalized activation, sigma_hat(rho) = sum_k p_k rho^k with
 * p_k = a_k^2, p_0 = 0 and sum_k p_k = 1: the probability generating
 * function of an offspring law.  Its L-fold composition F_L is the
 * generating function of generation L of the Galton-Watson process, and
 * its coefficients b_k^(L) = P(Z_L = k) are the degree spectrum of the
 * depth-L kernel.
 *
 * Composition.  F_L = F_{L-1} o F, so b^(L) = M b^(L-1) with the fixed
 * lower-triangular matrix M_{kj} = [x^k] F(x)^j (the law of the sum of j
 * independent offspring counts).  Because p_0 = 0, F^j starts at x^j, so
 * b_k^(L) for k <= K depends on p_1..p_K only: the truncation at degree K
 * is exact.  Cost: the columns F^j (j = 1..K, degrees j..K) take about
 * K^3/6 multiply-adds, each layer K^2/2 more; for K = 200 and L = 100 that
 * is 1.3e6 + 2.0e6, done twice (lower and upper endpoints).  (Iterating
 * b^(L) = sigma_hat(b^(L-1)) by Horner on truncated series instead costs
 * about K^3/6 per layer, L times more.)
 *
 * Bounds.  Everything is a polynomial with non-negative coefficients in
 * the non-negative p_k, so lower endpoints computed in RNDD from lower
 * endpoints of p_k, and upper endpoints in RNDU, enclose the true values.
 * The mass beyond K, 1 - sum_{k<=K} b_k^(L), follows from sum_k b_k = 1. */
#include "core/core.h"
#include "learn/learn.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

void da_learn_ball_endpoints(mpfr_t lo, mpfr_t hi, const da_ball_struct *b)
{
    mpfr_sub(lo, b->mid, b->rad, MPFR_RNDD);
    mpfr_add(hi, b->mid, b->rad, MPFR_RNDU);
}

void da_learn_ball_from_endpoints(da_ball_struct *r, const mpfr_t lo, const mpfr_t hi)
{
    if (mpfr_nan_p(lo) || mpfr_nan_p(hi) || mpfr_inf_p(lo) || mpfr_inf_p(hi)) {
        /* no finite enclosure: NaN +- Inf */
        mpfr_set_nan(r->mid);
        mpfr_set_inf(r->rad, 1);
        return;
    }
    mpfr_add(r->mid, lo, hi, MPFR_RNDN);
    mpfr_div_2ui(r->mid, r->mid, 1, MPFR_RNDN);
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    /* rad = max(hi - mid, mid - lo), rounded upwards */
    mpfr_t d;
    mpfr_init2(d, mpfr_get_prec(r->mid) + 2);
    mpfr_sub(d, hi, r->mid, MPFR_RNDU);
    mpfr_set(r->rad, d, MPFR_RNDU);
    mpfr_sub(d, r->mid, lo, MPFR_RNDU);
    mpfr_set(t, d, MPFR_RNDU);
    if (mpfr_cmp(t, r->rad) > 0)
        mpfr_set(r->rad, t, MPFR_RNDU);
    if (mpfr_sgn(r->rad) < 0)
        mpfr_set_zero(r->rad, 1);
    mpfr_clear(d);
    mpfr_clear(t);
}

static mpfr_t *vec_new(size_t n, mpfr_prec_t prec)
{
    mpfr_t *v = da_malloc(n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        mpfr_init2(v[i], prec);
        mpfr_set_zero(v[i], 1);
    }
    return v;
}

static void vec_free(mpfr_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mpfr_clear(v[i]);
    free(v);
}

void da_learn_spectrum_free(da_learn_spectrum *s)
{
    if (!s)
        return;
    size_t K1 = (size_t)s->K + 1, L1 = (size_t)s->Lmax + 1;
    vec_free(s->plo, K1);
    vec_free(s->phi, K1);
    vec_free(s->blo, K1 * L1);
    vec_free(s->bhi, K1 * L1);
    vec_free(s->tlo, L1);
    vec_free(s->thi, L1);
    free(s);
}

/* b^(L) = M b^(L-1) for L = 1..Lmax, one endpoint (rnd RNDD or RNDU). */
static int compose(mpfr_t *b, const mpfr_t *p, long K, long Lmax, mpfr_prec_t prec,
                   mpfr_rnd_t rnd)
{
    size_t K1 = (size_t)K + 1;
    /* column j (1..K) holds [x^k] F^j for k = j..K at off[j] + k - j */
    size_t *off = da_malloc((K1 + 1) * sizeof *off);
    if (!off)
        return DA_ENOMEM;
    /* depth 1 needs column 1 only (b^(1) = p): the K^3/6 of the other
       columns only from depth 2 on */
    long jmax = Lmax >= 2 ? K : (K >= 1 ? 1 : 0);
    size_t n = 0;
    for (long j = 1; j <= K; j++) {
        off[j] = n;
        if (j <= jmax)
            n += (size_t)(K - j + 1);
    }
    mpfr_t *M = n ? vec_new(n, prec) : NULL;
    if (n && !M) {
        free(off);
        return DA_ENOMEM;
    }
    mpfr_t t, acc;
    mpfr_init2(t, prec);
    mpfr_init2(acc, prec);
    if (K >= 1)
        for (long k = 1; k <= K; k++)
            mpfr_set(M[off[1] + (size_t)(k - 1)], p[k], rnd);
    /* progress (da_progress_set: the hook of the calling thread, so only
       the thread that has one reports) and the caller's poll */
    da_prog prog;
    da_prog_start(&prog);
    for (long j = 2; j <= jmax; j++) {
        da_prog_tick(&prog, "learn: columns of the composition", j);
        const mpfr_t *prev = M + off[j - 1];   /* index k - (j - 1) */
        mpfr_t *col = M + off[j];
        for (long k = j; k <= K; k++) {
            mpfr_set_zero(acc, 1);
            /* sum_{i=1}^{k-j+1} p_i [x^{k-i}] F^{j-1} */
            for (long i = 1; i <= k - j + 1; i++) {
                if (mpfr_zero_p(p[i]))
                    continue;
                mpfr_mul(t, p[i], prev[k - i - (j - 1)], rnd);
                mpfr_add(acc, acc, t, rnd);
            }
            mpfr_set(col[k - j], acc, rnd);
        }
    }
    for (long L = 1; L <= Lmax; L++) {
        da_prog_tick(&prog, "learn: layers composed", L);
        const mpfr_t *bp = b + (size_t)(L - 1) * K1;
        mpfr_t *bn = b + (size_t)L * K1;
        for (long k = 1; k <= K; k++) {
            mpfr_set_zero(acc, 1);
            for (long j = 1; j <= k; j++) {
                if (mpfr_zero_p(bp[j]))
                    continue;
                mpfr_mul(t, M[off[j] + (size_t)(k - j)], bp[j], rnd);
                mpfr_add(acc, acc, t, rnd);
            }
            mpfr_set(bn[k], acc, rnd);
        }
    }
    da_prog_end(&prog, "learn: layers composed");
    mpfr_clear(t);
    mpfr_clear(acc);
    vec_free(M, n);
    free(off);
    return DA_OK;
}

typedef struct {
    mpfr_t *b;
    const mpfr_t *p;
    long K, Lmax;
    mpfr_prec_t prec;
    mpfr_rnd_t rnd;
    int status;
} compose_job;

static void *compose_thread(void *arg)
{
    compose_job *j = arg;
    j->status = compose(j->b, j->p, j->K, j->Lmax, j->prec, j->rnd);
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    return NULL;
}

int da_learn_spectrum_from_law(da_learn_spectrum **out, const da_ball_struct *p,
                               long terms, long depth, mpfr_prec_t prec)
{
    *out = NULL;
    if (terms < 1 || terms > 100000)
        return da_fail(DA_EINVAL, "learn: terms %ld out of range [1, 100000]", terms);
    if (depth < 0 || depth > 1000000)
        return da_fail(DA_EINVAL, "learn: depth %ld out of range [0, 1000000]", depth);
    if ((double)(terms + 1) * (double)(depth + 1) > 5e7)
        return da_fail(DA_EINVAL, "learn: (terms + 1) * (depth + 1) = %.3g exceeds 5e7 stored numbers",
                       (double)(terms + 1) * (double)(depth + 1));
    if (prec < 16 || prec > 1000000)
        return da_fail(DA_EINVAL, "learn: precision %ld bits out of range", (long)prec);
    /* p_0 must be 0: with p_0 > 0 the truncation at K is no longer exact
       (every b_k^(L) depends on every p_j) */
    {
        mpfr_t lo, hi;
        mpfr_inits2(prec, lo, hi, (mpfr_ptr)0);
        da_learn_ball_endpoints(lo, hi, &p[0]);
        int bad = !mpfr_number_p(lo) || !mpfr_number_p(hi) || mpfr_sgn(lo) > 0 || mpfr_sgn(hi) < 0;
        mpfr_clears(lo, hi, (mpfr_ptr)0);
        if (bad)
            return da_fail(DA_EINVAL, "learn: the offspring law needs p_0 = 0 (a centred activation)");
    }
    da_learn_spectrum *s = da_calloc(1, sizeof *s);
    if (!s)
        return DA_ENOMEM;
    s->K = terms;
    s->Lmax = depth;
    s->prec = prec;
    size_t K1 = (size_t)terms + 1, L1 = (size_t)depth + 1;
    s->plo = vec_new(K1, prec);
    s->phi = vec_new(K1, prec);
    s->blo = vec_new(K1 * L1, prec);
    s->bhi = vec_new(K1 * L1, prec);
    s->tlo = vec_new(L1, prec);
    s->thi = vec_new(L1, prec);
    if (!s->plo || !s->phi || !s->blo || !s->bhi || !s->tlo || !s->thi) {
        da_learn_spectrum_free(s);
        return DA_ENOMEM;
    }
    for (long k = 1; k <= terms; k++) {
        if (!mpfr_number_p(p[k].mid) || !mpfr_number_p(p[k].rad)) {
            da_learn_spectrum_free(s);
            return da_fail(DA_EINVAL, "learn: p_%ld is not a finite ball", k);
        }
        da_learn_ball_endpoints(s->plo[k], s->phi[k], &p[k]);
        /* p_k >= 0 and p_k <= 1 for a probability law */
        if (mpfr_sgn(s->plo[k]) < 0)
            mpfr_set_zero(s->plo[k], 1);
        if (mpfr_sgn(s->phi[k]) < 0) {
            da_learn_spectrum_free(s);
            return da_fail(DA_EINVAL, "learn: p_%ld is negative", k);
        }
        if (mpfr_cmp_ui(s->phi[k], 1) > 0)
            mpfr_set_ui(s->phi[k], 1, MPFR_RNDU);
    }
    /* layer 0: the identity map rho */
    mpfr_set_ui(s->blo[1], 1, MPFR_RNDN);
    mpfr_set_ui(s->bhi[1], 1, MPFR_RNDN);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* the two endpoints are independent: the upper one in a second thread
       (when a thread cannot be made, in this one) */
    compose_job up = {s->bhi, (const mpfr_t *)s->phi, terms, depth, prec, MPFR_RNDU, DA_OK};
    pthread_t th;
    int threaded = (terms + 1) * (depth + 1) >= 1000 && pthread_create(&th, NULL, compose_thread, &up) == 0;
    int st = compose(s->blo, (const mpfr_t *)s->plo, terms, depth, prec, MPFR_RNDD);
    if (threaded)
        pthread_join(th, NULL);
    else
        compose_thread(&up);
    if (!st)
        st = up.status;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (st) {
        da_learn_spectrum_free(s);
        return st;
    }
    /* b_k <= 1 and the tail 1 - sum_{k<=K} b_k, within [0, 1] */
    mpfr_t slo, shi;
    mpfr_inits2(prec, slo, shi, (mpfr_ptr)0);
    for (size_t L = 0; L < L1; L++) {
        mpfr_set_zero(slo, 1);
        mpfr_set_zero(shi, 1);
        for (size_t k = 0; k < K1; k++) {
            if (mpfr_cmp_ui(s->bhi[L * K1 + k], 1) > 0)
                mpfr_set_ui(s->bhi[L * K1 + k], 1, MPFR_RNDU);
            mpfr_add(slo, slo, s->blo[L * K1 + k], MPFR_RNDD);
            mpfr_add(shi, shi, s->bhi[L * K1 + k], MPFR_RNDU);
        }
        mpfr_ui_sub(s->tlo[L], 1, shi, MPFR_RNDD);
        mpfr_ui_sub(s->thi[L], 1, slo, MPFR_RNDU);
        if (mpfr_sgn(s->tlo[L]) < 0)
            mpfr_set_zero(s->tlo[L], 1);
        if (mpfr_sgn(s->thi[L]) < 0)
            mpfr_set_zero(s->thi[L], 1);
        if (mpfr_cmp_ui(s->thi[L], 1) > 0)
            mpfr_set_ui(s->thi[L], 1, MPFR_RNDU);
    }
    mpfr_clears(slo, shi, (mpfr_ptr)0);
    s->status = DA_OK;
    s->rigorous = 1;   /* the caller vouches for the law */
    *out = s;
    return DA_OK;
}

/* the working precision of da_learn_spectrum_new (below) */
static mpfr_prec_t work_prec(long terms, long depth, long digits)
{
    double lg = log2((double)(terms + 1) * (double)(depth + 1) + 1.0);
    return da_digits_to_bits(digits) + 8 + (mpfr_prec_t)ceil(lg);
}

double da_learn_cost(long terms, long depth, long digits, long dim, double *bytes)
{
    if (terms < 0)
        terms = 0;
    if (depth < 0)
        depth = 0;
    if (digits < 1)
        digits = 1;
    if (digits > 1000000)
        digits = 1000000;
    double K = (double)terms, L = (double)depth;
    /* limbs of the working precision; one MPFR multiply-add with directed
       rounding, both threads' CPU time on a loaded 2-core machine: about
       6e-8 s at 3 limbs (relu --depth 20000 --dim 10: 1.6e9 of them in
       102 s), 2e-7 s at 16, 7e-7 s at 53 */
    double n = ceil((double)work_prec(terms, depth, digits) / 64.0);
    double op = 1.5e-8 * (1 + n) + 6e-11 * n * n;
    /* per endpoint: the columns F^j (K^3/6, only from depth 2 on) and the
       layers (L K^2/2); on the sphere the Gegenbauer triangle (J^2/2, 4
       products per entry) and the shares (L+1)(K+1)(K/2+1); two endpoints */
    double ops = (depth >= 2 ? K * K * K / 6 : 0) + L * K * K / 2;
    if (dim >= 2)
        ops += 2 * (K + 3) * (K + 3) + (L + 1) * (K + 1) * (K / 2 + 1);
    /* memory: an mpfr_t and its limbs per number, two endpoints of every
       b_k^(L) and of the columns of M (K^2/2), on the sphere also of every
       share and of the triangle */
    double num = sizeof(mpfr_t) + 8 * n;
    double count = 2 * (K + 1) * (L + 1) + (depth >= 2 ? 2 * (K * K / 2 + K) : 0);
    if (dim >= 2)
        count += 2 * (K + 1) * (L + 1) + 2 * (K + 3) * (K + 1);
    if (bytes)
        *bytes = count * num;
    return 2 * ops * op;
}

int da_learn_spectrum_new(da_learn_spectrum **out, const da_act *act, long terms,
                          long depth, long digits)
{
    *out = NULL;
    if (!act)
        return da_fail(DA_EINVAL, "learn: no activation");
    if (digits < 1 || digits > 10000)
        return da_fail(DA_EINVAL, "learn: digits %ld out of range [1, 10000]", digits);
    if (terms < 1 || terms > 100000)
        return da_fail(DA_EINVAL, "learn: terms %ld out of range [1, 100000]", terms);
    /* before the coefficients: the working precision below grows with
       log2 of (terms + 1) (depth + 1) */
    if (depth < 0 || depth > 1000000)
        return da_fail(DA_EINVAL, "learn: depth %ld out of range [0, 1000000]", depth);
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = terms;
    o.digits = digits;
    o.raw = 0;
    da_hermite *h = NULL;
    int st = da_hermite_compute(&h, act, &o);
    if (st != DA_OK && st != DA_EACCURACY)
        return st;
    /* p_k = a_k^2; p_0 = 0 exactly for the normalized activation */
    /* Working precision: the coefficients carry absolute errors of about
       10^-digits, so more bits than that buy nothing; the directed
       roundings add a relative error of about 2^-wp per operation along
       chains of at most (K+1)(L+1) operations.  (At 30 digits, K = 200,
       L = 100 this is 124 bits: two limbs, MPFR's fastest path.) */
    mpfr_prec_t wp = work_prec(terms, depth, digits);
    da_ball_struct *p = da_malloc(((size_t)terms + 1) * sizeof *p);
    if (!p) {
        da_hermite_free(h);
        return DA_ENOMEM;
    }
    for (long k = 0; k <= terms; k++) {
        da_ball_init2(&p[k], wp);
        if (k > 0)
            da_ball_mul(&p[k], &h->a[k], &h->a[k]);
    }
    int st2 = da_learn_spectrum_from_law(out, p, terms, depth, wp);
    for (long k = 0; k <= terms; k++)
        da_ball_clear(&p[k]);
    free(p);
    int rig = h->rigorous;
    da_hermite_free(h);
    if (st2)
        return st2;
    (*out)->rigorous = rig;
    (*out)->status = st;
    if (st == DA_EACCURACY)
        return da_fail(DA_EACCURACY, "learn: the Hermite coefficients did not reach 10^-%ld; bounds are wider",
                       digits);
    return DA_OK;
}

long da_learn_terms(const da_learn_spectrum *s) { return s->K; }
long da_learn_depth(const da_learn_spectrum *s) { return s->Lmax; }
double da_learn_seconds(const da_learn_spectrum *s) { return s->seconds; }

static int check_layer(const da_learn_spectrum *s, long layer)
{
    if (layer < 0 || layer > s->Lmax)
        return da_fail(DA_EINVAL, "learn: layer %ld out of range [0, %ld]", layer, s->Lmax);
    return DA_OK;
}

int da_learn_offspring(da_ball r, const da_learn_spectrum *s, long k)
{
    if (k < 0 || k > s->K)
        return da_fail(DA_EINVAL, "learn: degree %ld out of range [0, %ld]", k, s->K);
    da_learn_ball_from_endpoints(r, s->plo[k], s->phi[k]);
    return DA_OK;
}

int da_learn_coef(da_ball r, const da_learn_spectrum *s, long layer, long k)
{
    if (check_layer(s, layer))
        return DA_EINVAL;
    if (k < 0)
        return da_fail(DA_EINVAL, "learn: negative degree %ld", k);
    if (k > s->K) {
        /* beyond the truncation: 0 <= b_k <= tail */
        mpfr_t z;
        mpfr_init2(z, s->prec);
        mpfr_set_zero(z, 1);
        da_learn_ball_from_endpoints(r, z, s->thi[layer]);
        mpfr_clear(z);
        return DA_OK;
    }
    size_t i = (size_t)layer * ((size_t)s->K + 1) + (size_t)k;
    da_learn_ball_from_endpoints(r, s->blo[i], s->bhi[i]);
    return DA_OK;
}

/* W_{<=k}(L) as endpoints. */
static void mass_endpoints(mpfr_t lo, mpfr_t hi, const da_learn_spectrum *s, long layer, long k)
{
    size_t K1 = (size_t)s->K + 1;
    const mpfr_t *bl = (const mpfr_t *)s->blo + (size_t)layer * K1;
    const mpfr_t *bh = (const mpfr_t *)s->bhi + (size_t)layer * K1;
    if (k >= s->K) {
        /* sum_{j<=K} b_j, plus at most the tail when k > K */
        mpfr_ui_sub(lo, 1, s->thi[layer], MPFR_RNDD);
        mpfr_ui_sub(hi, 1, s->tlo[layer], MPFR_RNDU);
        if (k > s->K)
            mpfr_set_ui(hi, 1, MPFR_RNDU);
        if (mpfr_sgn(lo) < 0)
            mpfr_set_zero(lo, 1);
        return;
    }
    mpfr_t h2;
    mpfr_init2(h2, mpfr_get_prec(hi));
    mpfr_set_zero(lo, 1);
    mpfr_set_zero(hi, 1);
    for (long j = 0; j <= k; j++) {
        mpfr_add(lo, lo, bl[j], MPFR_RNDD);
        mpfr_add(hi, hi, bh[j], MPFR_RNDU);
    }
    /* also hi <= 1 - sum_{k<j<=K} b_j */
    mpfr_set_zero(h2, 1);
    for (long j = k + 1; j <= s->K; j++)
        mpfr_add(h2, h2, bl[j], MPFR_RNDD);
    mpfr_ui_sub(h2, 1, h2, MPFR_RNDU);
    if (mpfr_cmp(h2, hi) < 0)
        mpfr_set(hi, h2, MPFR_RNDU);
    mpfr_clear(h2);
}

int da_learn_mass(da_ball r, const da_learn_spectrum *s, long layer, long k)
{
    if (check_layer(s, layer))
        return DA_EINVAL;
    if (k < 0)
        return da_fail(DA_EINVAL, "learn: negative degree %ld", k);
    mpfr_t lo, hi;
    mpfr_inits2(s->prec, lo, hi, (mpfr_ptr)0);
    mass_endpoints(lo, hi, s, layer, k);
    da_learn_ball_from_endpoints(r, lo, hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return DA_OK;
}

int da_learn_tail(da_ball r, const da_learn_spectrum *s, long layer)
{
    if (check_layer(s, layer))
        return DA_EINVAL;
    da_learn_ball_from_endpoints(r, s->tlo[layer], s->thi[layer]);
    return DA_OK;
}

int da_learn_eval(da_ball r, const da_learn_spectrum *s, long layer, const mpfr_t rho)
{
    if (check_layer(s, layer))
        return DA_EINVAL;
    if (!mpfr_number_p(rho) || mpfr_cmpabs_ui(rho, 1) > 0)
        return da_fail(DA_EINVAL, "learn: rho must lie in [-1, 1]");
    mpfr_prec_t prec = s->prec;
    size_t K1 = (size_t)s->K + 1;
    const mpfr_t *bl = (const mpfr_t *)s->blo + (size_t)layer * K1;
    const mpfr_t *bh = (const mpfr_t *)s->bhi + (size_t)layer * K1;
    mpfr_t x, plo, phi, t, elo, ehi, olo, ohi, lo, hi;
    mpfr_inits2(prec, plo, phi, t, elo, ehi, olo, ohi, lo, hi, (mpfr_ptr)0);
    mpfr_init2(x, mpfr_get_prec(rho) > prec ? mpfr_get_prec(rho) : prec);
    mpfr_abs(x, rho, MPFR_RNDN); /* exact */
    mpfr_set_ui(plo, 1, MPFR_RNDN);
    mpfr_set_ui(phi, 1, MPFR_RNDN);
    mpfr_set_zero(elo, 1);
    mpfr_set_zero(ehi, 1);
    mpfr_set_zero(olo, 1);
    mpfr_set_zero(ohi, 1);
    for (size_t k = 0; k < K1; k++) {
        if (k) {
            mpfr_mul(plo, plo, x, MPFR_RNDD);
            mpfr_mul(phi, phi, x, MPFR_RNDU);
        }
        int odd = (k & 1) && mpfr_sgn(rho) < 0;
        mpfr_mul(t, bl[k], plo, MPFR_RNDD);
        mpfr_add(odd ? olo : elo, odd ? olo : elo, t, MPFR_RNDD);
        mpfr_mul(t, bh[k], phi, MPFR_RNDU);
        mpfr_add(odd ? ohi : ehi, odd ? ohi : ehi, t, MPFR_RNDU);
    }
    mpfr_sub(lo, elo, ohi, MPFR_RNDD);
    mpfr_sub(hi, ehi, olo, MPFR_RNDU);
    /* remainder: sum_{k>K} b_k rho^k, |.| <= tail |rho|^{K+1}, >= 0 if rho >= 0 */
    mpfr_mul(t, phi, x, MPFR_RNDU);
    mpfr_mul(t, t, s->thi[layer], MPFR_RNDU);
    mpfr_add(hi, hi, t, MPFR_RNDU);
    if (mpfr_sgn(rho) < 0)
        mpfr_sub(lo, lo, t, MPFR_RNDD);
    da_learn_ball_from_endpoints(r, lo, hi);
    mpfr_clears(x, plo, phi, t, elo, ehi, olo, ohi, lo, hi, (mpfr_ptr)0);
    return DA_OK;
}

int da_learn_rate(da_ball last, da_ball fit, const da_learn_spectrum *s, long k, long layer)
{
    if (check_layer(s, layer))
        return DA_EINVAL;
    if (layer < 1)
        return da_fail(DA_EINVAL, "learn: a rate needs layer >= 1");
    if (k < 0)
        return da_fail(DA_EINVAL, "learn: negative degree %ld", k);
    mpfr_prec_t prec = s->prec;
    mpfr_t alo, ahi, blo, bhi, lo, hi;
    mpfr_inits2(prec, alo, ahi, blo, bhi, lo, hi, (mpfr_ptr)0);
    mass_endpoints(alo, ahi, s, layer, k);
    for (int pass = 0; pass < 2; pass++) {
        long h = pass == 0 ? layer - 1 : layer / 2;
        da_ball_struct *r = pass == 0 ? last : fit;
        if (!r)
            continue;
        mass_endpoints(blo, bhi, s, h, k);
        if (mpfr_sgn(blo) <= 0) {
            /* W(h) may be 0: no finite upper bound */
            mpfr_set_nan(r->mid);
            mpfr_set_inf(r->rad, 1);
            continue;
        }
        mpfr_div(lo, alo, bhi, MPFR_RNDD);
        mpfr_div(hi, ahi, blo, MPFR_RNDU);
        unsigned long m = (unsigned long)(layer - h);
        if (m > 1) {
            mpfr_rootn_ui(lo, lo, m, MPFR_RNDD);
            mpfr_rootn_ui(hi, hi, m, MPFR_RNDU);
        }
        da_learn_ball_from_endpoints(r, lo, hi);
    }
    mpfr_clears(alo, ahi, blo, bhi, lo, hi, (mpfr_ptr)0);
    return DA_OK;
}

static void spectrum_ends(mpfr_t lo, mpfr_t hi, const void *ctx, long layer, long k)
{
    mass_endpoints(lo, hi, ctx, layer, k);
}

int da_learn_crossing(long *lower, long *upper, const da_learn_spectrum *s, long k, double tau)
{
    return da_learn_scan_crossing(lower, upper, spectrum_ends, s, s->Lmax, k, tau, s->prec,
                                  "learn");
}

int da_learn_scan_crossing(long *lower, long *upper, da_learn_mass_ends *ends, const void *ctx,
                           long Lmax, long k, double tau, mpfr_prec_t prec, const char *who)
{
    if (k < 0)
        return da_fail(DA_EINVAL, "%s: negative degree %ld", who, k);
    if (!(tau > 0 && tau <= 1))
        return da_fail(DA_EINVAL, "%s: threshold %g out of range (0, 1]", who, tau);
    *lower = *upper = -1;
    mpfr_t lo, hi;
    mpfr_inits2(prec, lo, hi, (mpfr_ptr)0);
    for (long L = 0; L <= Lmax; L++) {
        ends(lo, hi, ctx, L, k);
        /* an end that is not a number decides nothing: the mass may be
           below tau there (lower), and is not shown below (upper);
           mpfr_cmp of a NaN returns 0 */
        if (*lower < 0 && (!mpfr_number_p(lo) || mpfr_cmp_d(lo, tau) < 0))
            *lower = L;
        if (*upper < 0 && mpfr_number_p(hi) && mpfr_cmp_d(hi, tau) < 0) {
            *upper = L;
            break;
        }
    }
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return DA_OK;
}

int da_learn_rigorous(const da_learn_spectrum *s)
{
    return s->rigorous;
}

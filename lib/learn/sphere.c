/* sphere.c -- the depth-L kernel on the sphere S^{d-1}.
 *
 * For inputs uniform on S^{d-1} (d >= 2), a dot-product kernel
 * k(<x,x'>) = sum_j b_j t^j acts on L2 of the uniform measure with the
 * spherical harmonics as eigenfunctions (Funk-Hecke): on the harmonics of
 * degree l, eigenvalue
 *     lambda_l = (|S^{d-2}|/|S^{d-1}|) int_{-1}^{1} k(t) P_l(t) (1-t^2)^{(d-3)/2} dt,
 * with multiplicity N(d, l), where P_l = P_l^{(d)} is the Legendre
 * (Gegenbauer, alpha = (d-2)/2) polynomial of dimension d normalized by
 * P_l(1) = 1.  By the addition theorem k(t) = sum_l N(d,l) lambda_l P_l(t),
 * so the share of the trace on degree l is s_l = N(d,l) lambda_l, and
 * sum_l s_l = k(1) = sum_j b_j = 1.
 *
 * Gegenbauer split of the monomials.  t^j = sum_l c_{j,l} P_l(t), l <= j,
 * l = j mod 2.  From the three-term recurrence of the normalized P_l,
 *     t P_l = A_l P_{l+1} + B_l P_{l-1},
 *     A_l = (l + d - 2)/(2l + d - 2),  B_l = l/(2l + d - 2)   (A_0 = 1),
 * (A_l + B_l = 1: evaluate at t = 1) follows
 *     c_{0,0} = 1,   c_{j+1,m} = A_{m-1} c_{j,m-1} + B_{m+1} c_{j,m+1}.
 * All terms are non-negative and sum_l c_{j,l} = 1.  In closed form, with
 * alpha = (d-2)/2,
 *     c_{j,j-2i} = j! (alpha + j - 2i) Gamma(alpha) (2 alpha)_{j-2i}
 *                  / (2^j i! Gamma(alpha + j - i + 1) (j-2i)!)
 * (the classical expansion of x^j in C_l^alpha, times C_l^alpha(1)); the
 * tests compare the recurrence with mpmath quadrature of t^j P_l w.
 * As d -> infinity, A_l -> 1 and B_l -> 0: c_{j,l} -> delta_{jl}, and the
 * shares tend to the Hermite spectrum b_l.
 *
 * Tail over j > K.  By Rodrigues' formula c_{j,l} is proportional to
 * j!/(j-l)! int t^{j-l} (1-t^2)^{l+alpha-1/2} dt, whence
 *     c_{j+2,l}/c_{j,l} = (j+2)(j+1) / ((j+2-l)(j+l+d)),
 * which is <= 1 iff j(d-1) + 2(l+d-1) >= l(l+d).  When that holds at the
 * first j0 > K with j0 = l mod 2, every c_{j,l} with j > K is at most
 * c_{j0,l}, so the unknown monomials add at most tail * c_{j0,l} to s_l
 * (else at most tail * 1).
 *
 * Multiplicities: N(d,0) = 1, N(d,l) = C(l+d-1, d-1) - C(l+d-3, d-1),
 * exact in GMP integers. */
#include "core/core.h"
#include "learn/learn.h"
#include <stdlib.h>

static void rec_coefs(mpfr_t Alo, mpfr_t Ahi, mpfr_t Blo, mpfr_t Bhi, long d, long l)
{
    if (l == 0) {
        mpfr_set_ui(Alo, 1, MPFR_RNDN);
        mpfr_set_ui(Ahi, 1, MPFR_RNDN);
        mpfr_set_zero(Blo, 1);
        mpfr_set_zero(Bhi, 1);
        return;
    }
    unsigned long den = (unsigned long)(2 * l + d - 2);
    mpfr_set_ui(Alo, (unsigned long)(l + d - 2), MPFR_RNDD);
    mpfr_div_ui(Alo, Alo, den, MPFR_RNDD);
    mpfr_set_ui(Ahi, (unsigned long)(l + d - 2), MPFR_RNDU);
    mpfr_div_ui(Ahi, Ahi, den, MPFR_RNDU);
    mpfr_set_ui(Blo, (unsigned long)l, MPFR_RNDD);
    mpfr_div_ui(Blo, Blo, den, MPFR_RNDD);
    mpfr_set_ui(Bhi, (unsigned long)l, MPFR_RNDU);
    mpfr_div_ui(Bhi, Bhi, den, MPFR_RNDU);
}

/* Rows j = 0..J of the triangle c_{j,l}; calls keep(j, row_lo, row_hi, ctx)
 * for each row (l = 0..j). */
typedef void (*row_fn)(long j, const mpfr_t *lo, const mpfr_t *hi, void *ctx);

static int gegen_rows(long d, long J, mpfr_prec_t prec, row_fn keep, void *ctx)
{
    size_t n = (size_t)J + 3;
    mpfr_t *A = da_malloc(4 * n * sizeof *A);
    mpfr_t *row = da_malloc(4 * n * sizeof *row);
    if (!A || !row) {
        free(A);
        free(row);
        return DA_ENOMEM;
    }
    mpfr_t *Alo = A, *Ahi = A + n, *Blo = A + 2 * n, *Bhi = A + 3 * n;
    mpfr_t *clo = row, *chi = row + n, *nlo = row + 2 * n, *nhi = row + 3 * n;
    for (size_t i = 0; i < 4 * n; i++) {
        mpfr_init2(A[i], prec);
        mpfr_init2(row[i], prec);
        mpfr_set_zero(row[i], 1);
    }
    for (size_t l = 0; l < n; l++)
        rec_coefs(Alo[l], Ahi[l], Blo[l], Bhi[l], d, (long)l);
    mpfr_t t;
    mpfr_init2(t, prec);
    mpfr_set_ui(clo[0], 1, MPFR_RNDN);
    mpfr_set_ui(chi[0], 1, MPFR_RNDN);
    keep(0, (const mpfr_t *)clo, (const mpfr_t *)chi, ctx);
    for (long j = 0; j < J; j++) {
        for (long m = 0; m <= j + 1; m++) {
            mpfr_set_zero(nlo[m], 1);
            mpfr_set_zero(nhi[m], 1);
            if (m >= 1) {
                mpfr_mul(nlo[m], Alo[m - 1], clo[m - 1], MPFR_RNDD);
                mpfr_mul(nhi[m], Ahi[m - 1], chi[m - 1], MPFR_RNDU);
            }
            if (m + 1 <= j) {
                mpfr_mul(t, Blo[m + 1], clo[m + 1], MPFR_RNDD);
                mpfr_add(nlo[m], nlo[m], t, MPFR_RNDD);
                mpfr_mul(t, Bhi[m + 1], chi[m + 1], MPFR_RNDU);
                mpfr_add(nhi[m], nhi[m], t, MPFR_RNDU);
            }
        }
        for (long m = 0; m <= j + 1; m++) {
            mpfr_swap(clo[m], nlo[m]);
            mpfr_swap(chi[m], nhi[m]);
        }
        keep(j + 1, (const mpfr_t *)clo, (const mpfr_t *)chi, ctx);
    }
    mpfr_clear(t);
    for (size_t i = 0; i < 4 * n; i++) {
        mpfr_clear(A[i]);
        mpfr_clear(row[i]);
    }
    free(A);
    free(row);
    return DA_OK;
}

typedef struct {
    long j, l;
    da_ball_struct *r;
} one_ctx;

static void keep_one(long j, const mpfr_t *lo, const mpfr_t *hi, void *ctx)
{
    one_ctx *c = ctx;
    if (j == c->j)
        da_learn_ball_from_endpoints(c->r, lo[c->l], hi[c->l]);
}

int da_sphere_gegenbauer_coef(da_ball r, long dim, long j, long l)
{
    if (dim < 2 || dim > 1000000000L)
        return da_fail(DA_EINVAL, "sphere: dimension %ld out of range [2, 1e9]", dim);
    if (j < 0 || j > 100000 || l < 0)
        return da_fail(DA_EINVAL, "sphere: degrees j = %ld, l = %ld out of range", j, l);
    if (l > j || (j - l) % 2) {
        mpfr_set_zero(r->mid, 1);
        mpfr_set_zero(r->rad, 1);
        return DA_OK;
    }
    one_ctx c = {j, l, r};
    return gegen_rows(dim, j, mpfr_get_prec(r->mid) + 32, keep_one, &c);
}

int da_sphere_multiplicity(mpz_t r, long dim, long l)
{
    if (dim < 2 || dim > 1000000000L)
        return da_fail(DA_EINVAL, "sphere: dimension %ld out of range [2, 1e9]", dim);
    if (l < 0)
        return da_fail(DA_EINVAL, "sphere: negative degree %ld", l);
    if (l == 0) {
        mpz_set_ui(r, 1);
        return DA_OK;
    }
    mpz_t t;
    mpz_init(t);
    mpz_bin_uiui(r, (unsigned long)(l + dim - 1), (unsigned long)(dim - 1));
    if (l + dim - 3 >= dim - 1)
        mpz_bin_uiui(t, (unsigned long)(l + dim - 3), (unsigned long)(dim - 1));
    else
        mpz_set_ui(t, 0);
    mpz_sub(r, r, t);
    mpz_clear(t);
    return DA_OK;
}

void da_sphere_free(da_sphere_spectrum *sp)
{
    if (!sp)
        return;
    size_t n = ((size_t)sp->Lmax + 1) * ((size_t)sp->lmax + 1);
    if (sp->slo)
        for (size_t i = 0; i < n; i++)
            mpfr_clear(sp->slo[i]);
    if (sp->shi)
        for (size_t i = 0; i < n; i++)
            mpfr_clear(sp->shi[i]);
    if (sp->mult)
        for (long l = 0; l <= sp->lmax + 1; l++)
            mpz_clear(sp->mult[l]);
    if (sp->rlo)
        for (long L = 0; L <= sp->Lmax; L++) {
            mpfr_clear(sp->rlo[L]);
            mpfr_clear(sp->rhi[L]);
        }
    free(sp->slo);
    free(sp->shi);
    free(sp->mult);
    free(sp->rlo);
    free(sp->rhi);
    free(sp);
}

/* the table c_{j,l}, j = 0..K+2, l = 0..lmax */
typedef struct {
    long lmax;
    mpfr_t *lo, *hi; /* [j*(lmax+1)+l] */
} table_ctx;

static void keep_table(long j, const mpfr_t *lo, const mpfr_t *hi, void *ctx)
{
    table_ctx *c = ctx;
    size_t w = (size_t)c->lmax + 1;
    for (long l = 0; l <= c->lmax && l <= j; l++) {
        mpfr_set(c->lo[(size_t)j * w + (size_t)l], lo[l], MPFR_RNDD);
        mpfr_set(c->hi[(size_t)j * w + (size_t)l], hi[l], MPFR_RNDU);
    }
}

int da_sphere_new(da_sphere_spectrum **out, const da_learn_spectrum *s, long dim, long lmax)
{
    *out = NULL;
    if (dim < 2 || dim > 1000000000L)
        return da_fail(DA_EINVAL, "sphere: dimension %ld out of range [2, 1e9]", dim);
    if (lmax < 0 || lmax > s->K)
        return da_fail(DA_EINVAL, "sphere: harmonic degree %ld out of range [0, %ld]", lmax, s->K);
    long K = s->K, J = s->K + 2;
    mpfr_prec_t prec = s->prec;
    size_t w = (size_t)lmax + 1, K1 = (size_t)K + 1;
    table_ctx tc = {lmax, NULL, NULL};
    size_t nt = ((size_t)J + 1) * w;
    tc.lo = da_malloc(nt * sizeof *tc.lo);
    tc.hi = da_malloc(nt * sizeof *tc.hi);
    da_sphere_spectrum *sp = da_calloc(1, sizeof *sp);
    if (!tc.lo || !tc.hi || !sp) {
        free(tc.lo);
        free(tc.hi);
        free(sp);
        return DA_ENOMEM;
    }
    for (size_t i = 0; i < nt; i++) {
        mpfr_init2(tc.lo[i], prec);
        mpfr_init2(tc.hi[i], prec);
        mpfr_set_zero(tc.lo[i], 1);
        mpfr_set_zero(tc.hi[i], 1);
    }
    int st = gegen_rows(dim, J, prec, keep_table, &tc);
    sp->dim = dim;
    sp->K = K;
    sp->lmax = lmax;
    sp->Lmax = s->Lmax;
    sp->prec = prec;
    size_t n = ((size_t)s->Lmax + 1) * w;
    if (!st) {
        sp->slo = da_malloc(n * sizeof *sp->slo);
        sp->shi = da_malloc(n * sizeof *sp->shi);
        sp->mult = da_malloc((w + 1) * sizeof *sp->mult);
        sp->rlo = da_malloc(((size_t)s->Lmax + 1) * sizeof *sp->rlo);
        sp->rhi = da_malloc(((size_t)s->Lmax + 1) * sizeof *sp->rhi);
        if (!sp->slo || !sp->shi || !sp->mult || !sp->rlo || !sp->rhi) {
            free(sp->slo);
            free(sp->shi);
            free(sp->mult);
            free(sp->rlo);
            free(sp->rhi);
            sp->slo = sp->shi = sp->rlo = sp->rhi = NULL;
            sp->mult = NULL;
            st = DA_ENOMEM;
        }
    }
    if (st) {
        for (size_t i = 0; i < nt; i++) {
            mpfr_clear(tc.lo[i]);
            mpfr_clear(tc.hi[i]);
        }
        free(tc.lo);
        free(tc.hi);
        free(sp);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        mpfr_init2(sp->slo[i], prec);
        mpfr_init2(sp->shi[i], prec);
    }
    for (size_t l = 0; l <= w; l++) {
        mpz_init(sp->mult[l]);
        da_sphere_multiplicity(sp->mult[l], dim, (long)l);
    }
    for (long L = 0; L <= s->Lmax; L++) {
        mpfr_init2(sp->rlo[L], prec);
        mpfr_init2(sp->rhi[L], prec);
    }
    /* the bound on c_{j,l} over j > K, per l */
    mpfr_t *cb = da_malloc(w * sizeof *cb);
    mpfr_t t, sum_lo, sum_hi;
    mpfr_inits2(prec, t, sum_lo, sum_hi, (mpfr_ptr)0);
    for (long l = 0; l <= lmax; l++) {
        mpfr_init2(cb[l], prec);
        long j0 = (K + 1 - l) % 2 == 0 ? K + 1 : K + 2;
        double lhs = (double)j0 * (double)(dim - 1) + 2.0 * (double)(l + dim - 1);
        double rhs = (double)l * (double)(l + dim);
        /* exact in doubles for the ranges allowed (< 2^53) */
        if (lhs >= rhs)
            mpfr_set(cb[l], tc.hi[(size_t)j0 * w + (size_t)l], MPFR_RNDU);
        else
            mpfr_set_ui(cb[l], 1, MPFR_RNDU);
    }
    da_prog prog;   /* progress on the layers (da_progress_set) */
    da_prog_start(&prog);
    for (long L = 0; L <= s->Lmax; L++) {
        da_prog_tick(&prog, "learn: layers on the sphere", L);
        const mpfr_t *bl = (const mpfr_t *)s->blo + (size_t)L * K1;
        const mpfr_t *bh = (const mpfr_t *)s->bhi + (size_t)L * K1;
        mpfr_set_zero(sum_lo, 1);
        mpfr_set_zero(sum_hi, 1);
        for (long l = 0; l <= lmax; l++) {
            mpfr_ptr lo = sp->slo[(size_t)L * w + (size_t)l];
            mpfr_ptr hi = sp->shi[(size_t)L * w + (size_t)l];
            mpfr_set_zero(lo, 1);
            mpfr_set_zero(hi, 1);
            for (long j = l; j <= K; j += 2) {
                mpfr_mul(t, bl[j], tc.lo[(size_t)j * w + (size_t)l], MPFR_RNDD);
                mpfr_add(lo, lo, t, MPFR_RNDD);
                mpfr_mul(t, bh[j], tc.hi[(size_t)j * w + (size_t)l], MPFR_RNDU);
                mpfr_add(hi, hi, t, MPFR_RNDU);
            }
            mpfr_mul(t, s->thi[L], cb[l], MPFR_RNDU);
            mpfr_add(hi, hi, t, MPFR_RNDU);
            if (mpfr_cmp_ui(hi, 1) > 0)
                mpfr_set_ui(hi, 1, MPFR_RNDU);
            mpfr_add(sum_lo, sum_lo, lo, MPFR_RNDD);
            mpfr_add(sum_hi, sum_hi, hi, MPFR_RNDU);
        }
        mpfr_ui_sub(sp->rlo[L], 1, sum_hi, MPFR_RNDD);
        mpfr_ui_sub(sp->rhi[L], 1, sum_lo, MPFR_RNDU);
        if (mpfr_sgn(sp->rlo[L]) < 0)
            mpfr_set_zero(sp->rlo[L], 1);
        if (mpfr_sgn(sp->rhi[L]) < 0)
            mpfr_set_zero(sp->rhi[L], 1);
    }
    da_prog_end(&prog, "learn: layers on the sphere");
    for (long l = 0; l <= lmax; l++)
        mpfr_clear(cb[l]);
    free(cb);
    mpfr_clears(t, sum_lo, sum_hi, (mpfr_ptr)0);
    for (size_t i = 0; i < nt; i++) {
        mpfr_clear(tc.lo[i]);
        mpfr_clear(tc.hi[i]);
    }
    free(tc.lo);
    free(tc.hi);
    *out = sp;
    return DA_OK;
}

static int check_args(const da_sphere_spectrum *sp, long layer, long l)
{
    if (layer < 0 || layer > sp->Lmax)
        return da_fail(DA_EINVAL, "sphere: layer %ld out of range [0, %ld]", layer, sp->Lmax);
    if (l < 0 || l > sp->lmax)
        return da_fail(DA_EINVAL, "sphere: harmonic degree %ld out of range [0, %ld]", l, sp->lmax);
    return DA_OK;
}

long da_sphere_dim(const da_sphere_spectrum *sp) { return sp->dim; }
long da_sphere_max_degree(const da_sphere_spectrum *sp) { return sp->lmax; }

int da_sphere_share(da_ball r, const da_sphere_spectrum *sp, long layer, long l)
{
    if (check_args(sp, layer, l))
        return DA_EINVAL;
    size_t i = (size_t)layer * ((size_t)sp->lmax + 1) + (size_t)l;
    da_learn_ball_from_endpoints(r, sp->slo[i], sp->shi[i]);
    return DA_OK;
}

int da_sphere_eigenvalue(da_ball r, const da_sphere_spectrum *sp, long layer, long l)
{
    if (check_args(sp, layer, l))
        return DA_EINVAL;
    size_t i = (size_t)layer * ((size_t)sp->lmax + 1) + (size_t)l;
    mpfr_t lo, hi;
    mpfr_inits2(sp->prec, lo, hi, (mpfr_ptr)0);
    mpfr_div_z(lo, sp->slo[i], sp->mult[l], MPFR_RNDD);
    mpfr_div_z(hi, sp->shi[i], sp->mult[l], MPFR_RNDU);
    da_learn_ball_from_endpoints(r, lo, hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return DA_OK;
}

int da_sphere_outside(da_ball r, const da_sphere_spectrum *sp, long layer)
{
    if (check_args(sp, layer, 0))
        return DA_EINVAL;
    da_learn_ball_from_endpoints(r, sp->rlo[layer], sp->rhi[layer]);
    return DA_OK;
}

/* lower and upper ends (at sp->prec) of the share of degrees <= k at a
   layer in range */
static void mass_ends(mpfr_t lo, mpfr_t hi, const da_sphere_spectrum *sp, long layer, long k)
{
    size_t w = (size_t)sp->lmax + 1, base = (size_t)layer * w;
    mpfr_t h2;
    mpfr_init2(h2, sp->prec);
    mpfr_set_zero(lo, 1);
    mpfr_set_zero(hi, 1);
    mpfr_set_zero(h2, 1);
    for (long l = 0; l <= sp->lmax; l++) {
        if (l <= k) {
            mpfr_add(lo, lo, sp->slo[base + (size_t)l], MPFR_RNDD);
            mpfr_add(hi, hi, sp->shi[base + (size_t)l], MPFR_RNDU);
        } else {
            mpfr_add(h2, h2, sp->slo[base + (size_t)l], MPFR_RNDD);
        }
    }
    /* hi <= 1 - (shares of the degrees above k that are known) */
    mpfr_ui_sub(h2, 1, h2, MPFR_RNDU);
    if (mpfr_cmp(h2, hi) < 0)
        mpfr_set(hi, h2, MPFR_RNDU);
    if (k > sp->lmax)
        mpfr_add(hi, hi, sp->rhi[layer], MPFR_RNDU);
    if (mpfr_cmp_ui(hi, 1) > 0)
        mpfr_set_ui(hi, 1, MPFR_RNDU);
    mpfr_clear(h2);
}

int da_sphere_mass(da_ball r, const da_sphere_spectrum *sp, long layer, long k)
{
    if (k < 0)
        return da_fail(DA_EINVAL, "sphere: negative degree %ld", k);
    if (check_args(sp, layer, k > sp->lmax ? sp->lmax : k))
        return DA_EINVAL;
    mpfr_t lo, hi;
    mpfr_inits2(sp->prec, lo, hi, (mpfr_ptr)0);
    mass_ends(lo, hi, sp, layer, k);
    da_learn_ball_from_endpoints(r, lo, hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return DA_OK;
}

static void sphere_ends(mpfr_t lo, mpfr_t hi, const void *ctx, long layer, long k)
{
    mass_ends(lo, hi, ctx, layer, k);
}

int da_sphere_crossing(long *lower, long *upper, const da_sphere_spectrum *sp, long k, double tau)
{
    return da_learn_scan_crossing(lower, upper, sphere_ends, sp, sp->Lmax, k, tau, sp->prec,
                                  "sphere");
}

/* ---- effective ranks ------------------------------------------------ */

typedef struct {
    mpfr_ptr v;   /* value (eigenvalue endpoint) */
    mpz_srcptr n; /* count; NULL = infinitely many (the unknown degrees) */
} group;

static int cmp_desc(const void *a, const void *b)
{
    const group *x = a, *y = b;
    return -mpfr_cmp(x->v, y->v);
}

/* Walk the groups sorted decreasingly: top = sum of the k largest values,
 * next = the (k+1)-th largest (0 if none), rest2 = sum of the squares of
 * the values beyond the k-th (the infinite group contributes tail2 instead
 * of its squares; its values count as beyond k once reached).  rnd is the
 * rounding direction of the endpoint being computed. */
static void walk(mpfr_t top, mpfr_t next, mpfr_t rest2, group *g, size_t ng, const mpz_t k,
                 const mpfr_t tail2, mpfr_rnd_t rnd)
{
    qsort(g, ng, sizeof *g, cmp_desc);
    mpz_t left, use;
    mpz_init_set(left, k);
    mpz_init(use);
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(top));
    mpfr_set_zero(top, 1);
    mpfr_set_zero(next, 1);
    mpfr_set_zero(rest2, 1);
    int have_next = 0;
    for (size_t i = 0; i < ng; i++) {
        if (g[i].n == NULL) {
            /* infinitely many values v: they fill the rest of the top k */
            if (mpz_sgn(left) > 0) {
                mpfr_mul_z(t, g[i].v, left, rnd);
                mpfr_add(top, top, t, rnd);
                mpz_set_ui(left, 0);
            }
            if (!have_next) {
                mpfr_set(next, g[i].v, rnd);
                have_next = 1;
            }
            if (tail2)
                mpfr_add(rest2, rest2, tail2, rnd);
            continue;
        }
        if (mpz_cmp(g[i].n, left) <= 0)
            mpz_set(use, g[i].n);
        else
            mpz_set(use, left);
        if (mpz_sgn(use) > 0) {
            mpfr_mul_z(t, g[i].v, use, rnd);
            mpfr_add(top, top, t, rnd);
            mpz_sub(left, left, use);
        }
        /* what this group puts beyond the k-th place */
        mpz_sub(use, g[i].n, use);
        if (mpz_sgn(use) > 0) {
            if (!have_next) {
                mpfr_set(next, g[i].v, rnd);
                have_next = 1;
            }
            mpfr_sqr(t, g[i].v, rnd);
            mpfr_mul_z(t, t, use, rnd);
            mpfr_add(rest2, rest2, t, rnd);
        }
    }
    mpfr_clear(t);
    mpz_clear(left);
    mpz_clear(use);
}

int da_sphere_effective_ranks(da_ball rk, da_ball Rk, const da_sphere_spectrum *sp, long layer,
                              const mpz_t k)
{
    if (check_args(sp, layer, 0))
        return DA_EINVAL;
    if (mpz_sgn(k) < 0)
        return da_fail(DA_EINVAL, "sphere: negative index k");
    mpfr_prec_t prec = sp->prec;
    size_t w = (size_t)sp->lmax + 1, base = (size_t)layer * w;
    group *g = da_malloc((w + 1) * sizeof *g);
    mpfr_t *vl = da_malloc((w + 1) * sizeof *vl);
    mpfr_t *vh = da_malloc((w + 1) * sizeof *vh);
    if (!g || !vl || !vh) {
        free(g);
        free(vl);
        free(vh);
        return DA_ENOMEM;
    }
    for (size_t l = 0; l <= w; l++) {
        mpfr_init2(vl[l], prec);
        mpfr_init2(vh[l], prec);
    }
    for (size_t l = 0; l < w; l++) {
        mpfr_div_z(vl[l], sp->slo[base + l], sp->mult[l], MPFR_RNDD);
        mpfr_div_z(vh[l], sp->shi[base + l], sp->mult[l], MPFR_RNDU);
    }
    /* the degrees above lmax: each eigenvalue <= outside / N(d, lmax+1)
       (N(d, l) is non-decreasing in l), and their squares sum to at most
       that bound times the outside mass */
    mpfr_t u, u2, toplo, tophi, nlo, nhi, s2lo, s2hi, a, b;
    mpfr_inits2(prec, u, u2, toplo, tophi, nlo, nhi, s2lo, s2hi, a, b, (mpfr_ptr)0);
    mpfr_div_z(u, sp->rhi[layer], sp->mult[w], MPFR_RNDU);
    mpfr_mul(u2, u, sp->rhi[layer], MPFR_RNDU);

    /* lower endpoints: the unknown degrees have lower bound 0, so they
       play no part */
    for (size_t l = 0; l < w; l++) {
        g[l].v = vl[l];
        g[l].n = sp->mult[l];
    }
    walk(toplo, nlo, s2lo, g, w, k, NULL, MPFR_RNDD);
    for (size_t l = 0; l < w; l++) {
        g[l].v = vh[l];
        g[l].n = sp->mult[l];
    }
    g[w].v = u;
    g[w].n = NULL;
    walk(tophi, nhi, s2hi, g, w + 1, k, u2, MPFR_RNDU);
    if (mpfr_cmp_ui(tophi, 1) > 0)
        mpfr_set_ui(tophi, 1, MPFR_RNDU);

    /* S1 = sum_{i>k} lambda_i = 1 - top_k (the trace is exactly 1) */
    mpfr_t S1lo, S1hi;
    mpfr_inits2(prec, S1lo, S1hi, (mpfr_ptr)0);
    mpfr_ui_sub(S1lo, 1, tophi, MPFR_RNDD);
    mpfr_ui_sub(S1hi, 1, toplo, MPFR_RNDU);
    if (mpfr_sgn(S1lo) < 0)
        mpfr_set_zero(S1lo, 1);
    /* r_k = S1 / lambda_{k+1} */
    if (rk) {
        if (mpfr_sgn(nlo) <= 0) {
            mpfr_set_nan(rk->mid);
            mpfr_set_inf(rk->rad, 1);
        } else {
            mpfr_div(a, S1lo, nhi, MPFR_RNDD);
            mpfr_div(b, S1hi, nlo, MPFR_RNDU);
            da_learn_ball_from_endpoints(rk, a, b);
        }
    }
    /* R_k = S1^2 / S2 */
    if (Rk) {
        if (mpfr_sgn(s2lo) <= 0) {
            mpfr_set_nan(Rk->mid);
            mpfr_set_inf(Rk->rad, 1);
        } else {
            mpfr_sqr(a, S1lo, MPFR_RNDD);
            mpfr_div(a, a, s2hi, MPFR_RNDD);
            mpfr_sqr(b, S1hi, MPFR_RNDU);
            mpfr_div(b, b, s2lo, MPFR_RNDU);
            da_learn_ball_from_endpoints(Rk, a, b);
        }
    }
    mpfr_clears(S1lo, S1hi, (mpfr_ptr)0);
    mpfr_clears(u, u2, toplo, tophi, nlo, nhi, s2lo, s2hi, a, b, (mpfr_ptr)0);
    for (size_t l = 0; l <= w; l++) {
        mpfr_clear(vl[l]);
        mpfr_clear(vh[l]);
    }
    free(g);
    free(vl);
    free(vh);
    return DA_OK;
}

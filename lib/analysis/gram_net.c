/* gram_net.c -- the NNGP and NTK Gram matrices of a network Dense(sw2, sb2),
 * (act, Dense(sw2, sb2)) x L over a data set, and proved bounds on their
 * extreme eigenvalues (docs/analysis.md, "Network Gram matrices").
 *
 * Estimates: the matrices by da_netk_matrix_d (double), the spectrum by
 * GSL's symmetric eigensolver.
 *
 * Proof (n <= prove_max): every entry again as a ball through
 * da_netk_network (the input kernel x.x'/d as a ball holding the double
 * dot product's rounding), the matrix A as Arb balls (midpoints M, radii
 * R).  With the GSL figures as guesses,
 *   lambda_min(A) > s  when arb_mat_cho proves A - s I positive definite
 *                      (for every symmetric matrix in the balls: this is
 *                      Weyl's perturbation by R included);
 *   lambda_max(A) < t  when it proves t I - A positive definite;
 *   lambda_min(A) <= v'Av / v'v, lambda_max(A) >= w'Aw / w'w (Rayleigh, in
 *                      balls, upper and lower ends) for the GSL eigenvectors.
 * A failed Cholesky (e.g. lambda_min below the entry radii), or ball
 * entries that are estimates (da_netk_rigorous: an activation without the
 * proved variance-offset bound), leaves the layer an estimate, with the
 * reason. */
#include "core/core.h"
#include "core/arbinc.h"
#include "analysis/analysis.h"
#ifdef HAVE_FLINT_ARB_H
#include <flint/arb_mat.h>
#else
#include <arb_mat.h>
#endif
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GN_PREC 128

void da_gram_net_opts_init(da_gram_net_opts *o)
{
    memset(o, 0, sizeof *o);
    o->prove_max = 40;
    o->digits = 20;
}

/* smallest and largest eigenvalues of the n x n matrix a (destroyed) and
   their unit eigenvectors */
static int eig_ends(double *lmin, double *lmax, double *vmin, double *vmax, double *a, size_t n)
{
    da_gsl_quiet();
    gsl_matrix_view m = gsl_matrix_view_array(a, n, n);
    if (!vmin && !vmax) {
        /* the values alone: several times cheaper than with the vectors */
        gsl_vector *e = gsl_vector_alloc(n);
        gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
        if (!e || !w) {
            gsl_vector_free(e); gsl_eigen_symm_free(w);
            return da_fail(DA_ENOMEM, "out of memory (eigenvalue workspace)");
        }
        int st = gsl_eigen_symm(&m.matrix, e, w);
        if (!st) {
            *lmin = gsl_vector_min(e);
            *lmax = gsl_vector_max(e);
        }
        gsl_vector_free(e); gsl_eigen_symm_free(w);
        return st ? da_fail(DA_EDOM, "gsl_eigen_symm failed (status %d)", st) : DA_OK;
    }
    gsl_vector *e = gsl_vector_alloc(n);
    gsl_matrix *V = gsl_matrix_alloc(n, n);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
    if (!e || !V || !w) {
        gsl_vector_free(e); gsl_matrix_free(V); gsl_eigen_symmv_free(w);
        return da_fail(DA_ENOMEM, "out of memory (eigenvalue workspace)");
    }
    int st = gsl_eigen_symmv(&m.matrix, e, V, w);
    if (!st) {
        gsl_eigen_symmv_sort(e, V, GSL_EIGEN_SORT_VAL_ASC);
        *lmin = gsl_vector_get(e, 0);
        *lmax = gsl_vector_get(e, n - 1);
        for (size_t i = 0; i < n; i++) {
            if (vmin) vmin[i] = gsl_matrix_get(V, i, 0);
            if (vmax) vmax[i] = gsl_matrix_get(V, i, n - 1);
        }
    }
    gsl_vector_free(e); gsl_matrix_free(V); gsl_eigen_symmv_free(w);
    return st ? da_fail(DA_EDOM, "gsl_eigen_symmv failed (status %d)", st) : DA_OK;
}

/* Cholesky of sign (A - s I), sign = +1 or -1: 1 when proved positive definite */
static int cho_shift(const arb_mat_t A, double s, int sign, size_t n)
{
    arb_mat_t B, L;
    arb_mat_init(B, n, n);
    arb_mat_init(L, n, n);
    arb_t t;
    arb_init(t);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            arb_set(arb_mat_entry(B, i, j), arb_mat_entry(A, i, j));
            if (i == j) {
                arb_set_d(t, s);
                arb_sub(arb_mat_entry(B, i, j), arb_mat_entry(B, i, j), t, GN_PREC);
            }
            if (sign < 0)
                arb_neg(arb_mat_entry(B, i, j), arb_mat_entry(B, i, j));
        }
    int ok = arb_mat_cho(L, B, GN_PREC);
    arb_clear(t);
    arb_mat_clear(B);
    arb_mat_clear(L);
    return ok;
}

/* v'Av / v'v as a ball, lower (lo = 1) or upper end */
static double rayleigh(const arb_mat_t A, const double *v, size_t n, int lo)
{
    arb_t num, den, s, vi, vj;
    arb_init(num); arb_init(den); arb_init(s); arb_init(vi); arb_init(vj);
    for (size_t i = 0; i < n; i++) {
        arb_set_d(vi, v[i]);
        arb_addmul(den, vi, vi, GN_PREC);
        for (size_t j = 0; j < n; j++) {
            arb_set_d(vj, v[j]);
            arb_mul(s, vi, vj, GN_PREC);
            arb_addmul(num, s, arb_mat_entry(A, i, j), GN_PREC);
        }
    }
    arb_div(num, num, den, GN_PREC);
    arf_t x;
    arf_init(x);
    if (lo)
        arb_get_lbound_arf(x, num, GN_PREC);
    else
        arb_get_ubound_arf(x, num, GN_PREC);
    double r = arf_get_d(x, lo ? ARF_RND_FLOOR : ARF_RND_CEIL);
    arf_clear(x);
    arb_clear(num); arb_clear(den); arb_clear(s); arb_clear(vi); arb_clear(vj);
    return r;
}

/* The ball of x.y/d, from the double sum s of the d products x_t y_t and
   b, the double sum of their absolute values.  With u = 2^-53, every
   product is p(1 + e) + h, |e| <= u, |h| <= 2^-1075 (underflow: half a
   subnormal unit), and every sum rounds relatively, so
   |s - x.y| <= gamma_d sum |x_t y_t| + d 2^-1075 (1 + gamma_d), and b
   underestimates sum |x_t y_t| by the same amounts; the division by d
   rounds at the midpoint's precision (>= 53 bits), u |s|/d at most.
   Hence the radius (d + 2) 1.01 u b/d (rounded up in MPFR) plus the
   absolute term 2^-1073 > 2^-1075 (1 + gamma_d) + u (...): the relative
   bound alone was 0 for data whose products underflow. */
void da_gram_dot_ball(da_ball q, const double *x, const double *y, size_t d)
{
    double s = 0, b = 0;
    for (size_t t = 0; t < d; t++) {
        s += x[t] * y[t];
        b += fabs(x[t] * y[t]);
    }
    mpfr_set_d(q->mid, s, MPFR_RNDN);
    mpfr_div_ui(q->mid, q->mid, d, MPFR_RNDN);
    mpfr_set_d(q->rad, b, MPFR_RNDU);
    mpfr_mul_d(q->rad, q->rad, 0x1p-53 * 1.01, MPFR_RNDU);
    mpfr_mul_ui(q->rad, q->rad, (unsigned long)d + 2, MPFR_RNDU);
    mpfr_div_ui(q->rad, q->rad, d, MPFR_RNDU);
    mpfr_t t;
    mpfr_init2(t, 32);
    mpfr_set_ui_2exp(t, 1, -1073, MPFR_RNDU);
    mpfr_add(q->rad, q->rad, t, MPFR_RNDU);
    mpfr_clear(t);
}

/* a ball as a double midpoint m and a radius r >= rad + |mid - m|, formed
   in MPFR with upward rounding (a midpoint rounded to a subnormal double
   moves by an absolute amount, which no relative margin covers) */
static void ball_d(double *m, double *r, const da_ball b)
{
    *m = mpfr_get_d(b->mid, MPFR_RNDN);
    if (!isfinite(*m) || !mpfr_number_p(b->rad)) {
        *r = INFINITY;
        return;
    }
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(b->mid) + 64);
    mpfr_sub_d(t, b->mid, *m, MPFR_RNDA);
    mpfr_abs(t, t, MPFR_RNDU);
    mpfr_add(t, t, b->rad, MPFR_RNDU);
    *r = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
}

/* the proved enclosure of one matrix's extreme eigenvalues; 0 with a
   reason when a step fails */
static int prove(da_gram_eig *g, const double *mid, const double *rad, size_t n, char *why,
                 size_t wl, const char *name)
{
    double *a = malloc(n * n * sizeof *a), *vmin = malloc(n * sizeof *vmin),
           *vmax = malloc(n * sizeof *vmax);
    arb_mat_t A;
    arb_mat_init(A, n, n);
    int ok = 0;
    if (!a || !vmin || !vmax)
        goto out;
    double frob = 0;
    arb_t b1, b2;
    arb_init(b1);
    arb_init(b2);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            /* symmetric: the hull of (i, j) and (j, i), in Arb (outward) */
            arb_set_d(b1, mid[i * n + j]);
            mag_set_d(arb_radref(b1), rad[i * n + j]);   /* rounds up */
            arb_set_d(b2, mid[j * n + i]);
            mag_set_d(arb_radref(b2), rad[j * n + i]);
            arb_union(arb_mat_entry(A, i, j), b1, b2, GN_PREC);
            /* the midpoint and radius in double only guide the guesses */
            a[i * n + j] = arf_get_d(arb_midref(arb_mat_entry(A, i, j)), ARF_RND_NEAR);
            double r = mag_get_d(arb_radref(arb_mat_entry(A, i, j)));
            frob += r * r;
        }
    arb_clear(b1);
    arb_clear(b2);
    double lmin, lmax;
    if (eig_ends(&lmin, &lmax, vmin, vmax, a, n)) {
        da_clear_error();
        snprintf(why, wl, "%s: the eigensolver failed", name);
        goto out;
    }
    /* shifts: the guesses moved by the entry radii (Weyl) and a margin */
    double gap = 2 * sqrt(frob) + 1e-12 * fabs(lmax) + 1e-300;
    double s = lmin - gap, t = lmax + gap;
    g->min_lo = g->min_hi = g->max_lo = g->max_hi = NAN;
    if (!cho_shift(A, s, +1, n)) {
        snprintf(why, wl, "%s: Cholesky of A - s I failed (lambda_min %.3g not separated from "
                 "the entry radii %.2g)", name, lmin, sqrt(frob));
        goto out;
    }
    if (!cho_shift(A, t, -1, n)) {
        snprintf(why, wl, "%s: Cholesky of t I - A failed", name);
        goto out;
    }
    g->min_lo = s;
    g->max_hi = t;
    g->min_hi = rayleigh(A, vmin, n, 0);
    g->max_lo = rayleigh(A, vmax, n, 1);
    if (!(s > 0)) {
        snprintf(why, wl, "%s: lambda_min is not proved positive (> %.3g only)", name, s);
        goto out;
    }
    /* kappa = lambda_max / lambda_min, rounded outwards */
    g->cond_lo = nextafter(g->max_lo / g->min_hi, 0);
    g->cond_hi = nextafter(g->max_hi / g->min_lo, INFINITY);
    ok = 1;
out:
    arb_mat_clear(A);
    free(a); free(vmin); free(vmax);
    return ok;
}

/* the per-layer work of the estimates (and the proof's verdict), called
 * by the matrix engine after every layer */
typedef struct {
    da_gram_net_layer *rows;
    double *a;               /* n x n scratch */
    size_t n;
    int prove_on;
    size_t prove_max;
    const double *km, *kr, *tm, *tr;
    int balls_rigorous;
    const char *balls_why;
    long L;
    int (*poll)(void *ctx, double fraction);
    void *poll_ctx;
    da_prog prog;            /* progress of the layers (da_progress_set) */
} gn_cb;

static int poll_cb(void *ctx, double fraction)
{
    gn_cb *c = ctx;
    return c->poll(c->poll_ctx, fraction);
}

static int layer_cb(void *ctx, long l, const double *K, const float *eK, const double *T,
                    const float *eT)
{
    gn_cb *c = ctx;
    size_t n = c->n;
    da_gram_net_layer *g = &c->rows[l];
    da_prog_tick(&c->prog, "Gram matrices: layers", l);
    memset(g, 0, sizeof *g);
    g->layer = l;
    /* the largest entry error relative to sqrt(K_ii K_jj) */
    double err = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = sqrt(fabs(K[i * n + i] * K[j * n + j]));
            double r = s > 0 ? (double)eK[i * n + j] / s : (double)eK[i * n + j];
            if (!(r <= err))
                err = r;
        }
    (void)eT;
    g->entry_err = err;
    int st;
    for (int w = 0; w < 2; w++) {
        da_gram_eig *e = w ? &g->ntk : &g->nngp;
        memcpy(c->a, w ? T : K, n * n * sizeof *c->a);
        if ((st = eig_ends(&e->lambda_min, &e->lambda_max, NULL, NULL, c->a, n)))
            return st;
        e->cond = e->lambda_min > 0 ? e->lambda_max / e->lambda_min : INFINITY;
        e->cond_lo = e->cond_hi = e->min_lo = e->min_hi = e->max_lo = e->max_hi = NAN;
    }
    if (!c->prove_on) {
        snprintf(g->bound_reason, sizeof g->bound_reason,
                 "estimate: %zu points above the proof's cap %zu (double entries, GSL "
                 "eigenvalues, not proved)", n, c->prove_max);
        return DA_OK;
    }
    char why[200] = "";
    size_t off = (size_t)l * n * n;
    int ok = prove(&g->nngp, c->km + off, c->kr + off, n, why, sizeof why, "NNGP");
    if (ok)
        ok = prove(&g->ntk, c->tm + off, c->tr + off, n, why, sizeof why, "NTK");
    /* the ball entries of the layers after the first Dense are proved
       only when every kernel evaluation was (da_netk_rigorous) */
    if (ok && l > 0 && !c->balls_rigorous) {
        ok = 0;
        snprintf(why, sizeof why, "the ball entries are estimates (%s)", c->balls_why);
    }
    g->proved = ok;
    if (!ok) {
        snprintf(g->bound_reason, sizeof g->bound_reason, "estimate: %s", why);
        da_gram_eig *e2[2] = {&g->nngp, &g->ntk};
        for (int w = 0; w < 2; w++)
            e2[w]->cond_lo = e2[w]->cond_hi = e2[w]->min_lo = e2[w]->min_hi =
                e2[w]->max_lo = e2[w]->max_hi = NAN;
    }
    return DA_OK;
}

int da_gram_network(da_gram_net_layer *rows, const da_act *act, const da_gram_data *data,
                    const da_netk_net *net0, const da_gram_net_opts *o)
{
    size_t n = data->n, d = data->dim;
    long L = net0->depth;
    if (L < 0 || n == 0)
        return da_fail(DA_EINVAL, "depth must be >= 0 and the data non-empty");
    /* the caps of the kernel-matrix engine and of da_gram_analyze: n^2
       and (L + 1) n^2 below then stay far from overflow */
    if (L > 100000)
        return da_fail(DA_EINVAL, "depth %ld out of range [0, 100000]", L);
    if (n > 46000)
        return da_fail(DA_EINVAL, "%zu points need %.1f GB per matrix (at most 46000 points)", n,
                       (double)n * (double)n * 8 / 1e9);
    if (d == 0 || d > SIZE_MAX / sizeof(double) / n)
        return da_fail(DA_EINVAL, "%zu points of dimension %zu: not a data set", n, d);
    if (n <= o->prove_max && (size_t)(L + 1) > SIZE_MAX / sizeof(double) / (n * n))
        return da_fail(DA_EINVAL, "the proof's %ld layers of %zu x %zu matrices: more than memory "
                       "can address", L + 1, n, n);
    da_netk_opts ko;
    da_netk_opts_init(&ko);
    ko.digits = o->digits;
    da_netk *k = NULL;
    int st = da_netk_new(&k, act, &ko);
    if (st)
        return st;
    da_netk_net net = *net0;
    net.dim = (long)d;
    double *K = malloc(n * n * sizeof *K), *T = malloc(n * n * sizeof *T);
    double *a = malloc(n * n * sizeof *a);
    int prove_on = n <= o->prove_max;
    int balls_rigorous = 0;       /* the ball entries' kernel evaluations were all proved */
    char balls_why[160] = "";
    size_t nb = prove_on ? (size_t)(L + 1) * n * n : 1;   /* checked above */
    double *km = malloc(nb * sizeof *km), *kr = malloc(nb * sizeof *kr);
    double *tm = malloc(nb * sizeof *tm), *tr = malloc(nb * sizeof *tr);
    if (!K || !T || !a || !km || !kr || !tm || !tr) {
        st = da_fail(DA_ENOMEM, "out of memory (network Gram matrices)");
        goto out;
    }
    /* the proof's ball entries, every layer at once */
    if (prove_on) {
        mpfr_prec_t p = 200;
        da_ball q1, q2, c;
        da_ball_init2(q1, p); da_ball_init2(q2, p); da_ball_init2(c, p);
        da_netk_layer *lr = malloc((size_t)(L + 1) * sizeof *lr);
        if (!lr) {
            st = da_fail(DA_ENOMEM, "out of memory");
            goto out;
        }
        /* progress: the pairs of points, each through every layer */
        da_prog prog;
        da_prog_start(&prog);
        long pairs = 0;
        for (size_t i = 0; i < n && !st; i++)
            for (size_t j = i; j < n; j++) {
                da_prog_tick(&prog, "Gram proof: point pairs", pairs++);
                const double *xi = data->x + i * d, *xj = data->x + j * d;
                da_gram_dot_ball(q1, xi, xi, d);
                da_gram_dot_ball(q2, xj, xj, d);
                da_gram_dot_ball(c, xi, xj, d);
                net.identical = i == j;
                for (long l = 0; l <= L; l++)
                    da_netk_layer_init(&lr[l]);
                int s2 = da_netk_network(lr, k, &net, q1, q2, c);
                if (s2 && s2 != DA_EACCURACY) {
                    for (long l = 0; l <= L; l++)
                        da_netk_layer_clear(&lr[l]);
                    st = s2;
                    break;
                }
                da_clear_error();
                for (long l = 0; l <= L; l++) {
                    size_t ij = (size_t)l * n * n + i * n + j, ji = (size_t)l * n * n + j * n + i;
                    double m, r;
                    ball_d(&m, &r, &lr[l].nngp);
                    km[ij] = km[ji] = m;
                    kr[ij] = kr[ji] = r;
                    ball_d(&m, &r, &lr[l].ntk);
                    tm[ij] = tm[ji] = m;
                    tr[ij] = tr[ji] = r;
                    da_netk_layer_clear(&lr[l]);
                }
            }
        da_prog_end(&prog, "Gram proof: point pairs");
        free(lr);
        da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
        if (st)
            goto out;
        balls_rigorous = da_netk_rigorous(k);
        snprintf(balls_why, sizeof balls_why, "%s", da_netk_bound_reason(k));
    }
    /* the estimates: one run of the matrix engine, each layer's spectrum
       taken as it passes (layer_cb) */
    gn_cb cb = {rows, a, n, prove_on, o->prove_max, km, kr, tm, tr, balls_rigorous, balls_why, L,
                NULL, NULL, {0, 0, 0}};
    da_prog_start(&cb.prog);
    da_netk_mopts mo;
    da_netk_mopts_init(&mo);
    mo.layer = layer_cb;
    mo.ctx = &cb;
    mo.poll = o->poll;
    mo.threads = o->threads;
    if (o->poll) {
        /* the poll function wants its own context: chain through ours */
        cb.poll = o->poll;
        cb.poll_ctx = o->ctx;
        mo.poll = poll_cb;
    }
    net.depth = L;
    da_netk_minfo info;
    st = da_netk_matrix(K, NULL, T, NULL, &info, k, &net, data->x, n, NULL, n, d, &mo);
    da_prog_end(&cb.prog, "Gram matrices: layers");
out:
    free(K); free(T); free(a); free(km); free(kr); free(tm); free(tr);
    da_netk_free(k);
    return st;
}

/* shape.c -- kernel shaping (TAT for leaky ReLU, DKS for ReLU and
 * tanh): the parameters of the transformed activation solved in floating
 * point, then proved by a Krawczyk step in Arb ball arithmetic (tanh: two
 * unknowns over Gaussian moments enclosed by acb_calc_integrate); the
 * achieved C(0) and C'(1) of the printed formula through its proved dual
 * (da_dual, raw).
 * See docs/analysis.md, "Kernel shaping", and docs/numerics.md. */
#include "core/core.h"
#include "core/arbinc.h"
#include "analysis/analysis.h"
#ifdef HAVE_FLINT_ARB_H
#include <flint/acb_calc.h>
#else
#include <acb_calc.h>
#endif
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define SHAPE_MAX_DEPTH 10000
#define SHAPE_MAX_DIGITS 100

void da_shape_opts_init(da_shape_opts *o)
{
    o->depth = 10;
    o->digits = 20;
}

static void ball_nan(da_ball_struct *b)
{
    mpfr_set_nan(b->mid);
    mpfr_set_inf(b->rad, 1);
}

void da_shape_result_init(da_shape_result *r)
{
    memset(r, 0, sizeof *r);
    da_ball_struct *b[] = {&r->target, &r->slope, &r->alpha, &r->beta, &r->gamma,
                           &r->delta, &r->c0, &r->c1prime};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        da_ball_init2(b[i], 64);
        ball_nan(b[i]);
    }
}

void da_shape_result_clear(da_shape_result *r)
{
    da_ball_struct *b[] = {&r->target, &r->slope, &r->alpha, &r->beta, &r->gamma,
                           &r->delta, &r->c0, &r->c1prime};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        da_ball_clear(b[i]);
}

const char *da_shape_method_name(int method)
{
    return method == DA_SHAPE_TAT ? "tat" : method == DA_SHAPE_DKS ? "dks" : "unknown";
}

/* ---- jets: a value and its derivative in the unknown, both balls ---- */
typedef struct {
    arb_t v, d;
} jet;

static void jet_init(jet *a)
{
    arb_init(a->v);
    arb_init(a->d);
}

static void jet_clear(jet *a)
{
    arb_clear(a->v);
    arb_clear(a->d);
}

/* r = a * b */
static void jet_mul(jet *r, const jet *a, const jet *b, slong prec)
{
    arb_t t;
    arb_init(t);
    arb_mul(t, a->d, b->v, prec);
    arb_addmul(t, a->v, b->d, prec);
    arb_mul(r->v, a->v, b->v, prec);
    arb_swap(r->d, t);
    arb_clear(t);
}

/* r = a / b */
static void jet_div(jet *r, const jet *a, const jet *b, slong prec)
{
    arb_t q, t;
    arb_init(q);
    arb_init(t);
    arb_div(q, a->v, b->v, prec);
    arb_mul(t, q, b->d, prec);
    arb_sub(t, a->d, t, prec);
    arb_div(r->d, t, b->v, prec);
    arb_swap(r->v, q);
    arb_clear(q);
    arb_clear(t);
}

/* ---- the residuals F(u) = condition(u) - target, with F'(u) ---- */
typedef struct {
    int method;
    long depth;
    arb_t target;    /* eta (TAT) or zeta^(1/L) (DKS) */
    double beta;     /* DKS: the input shift, +1 or -1 */
} shape_problem;

/* TAT, one layer: c <- [(1-s)^2 g(c)/pi + 2 s c]/(1 + s^2),
 * g(c) = sqrt(1 - c^2) + (pi - acos c) c, g'(c) = pi - acos c: the
 * local correlation map of sqrt(2/(1+s^2)) leaky_s (numerics 7: ReLU's
 * arc-cosine kernel and bilinearity).  c and s are jets in s. */
static void tat_layer(jet *c, const jet *s, slong prec)
{
    arb_t pi, ac, g, gp, t;
    jet a, n, den, tmp;
    arb_init(pi);
    arb_init(ac);
    arb_init(g);
    arb_init(gp);
    arb_init(t);
    jet_init(&a);
    jet_init(&n);
    jet_init(&den);
    jet_init(&tmp);
    arb_const_pi(pi, prec);
    /* c may exceed 1 by its radius: acos and sqrt of the part in [-1, 1]
       (the true c lies there) */
    arb_t cc;
    arb_init(cc);
    arb_set(cc, c->v);
    {
        arb_t one;
        arb_init(one);
        arb_one(one);
        arb_min(cc, cc, one, prec);
        arb_neg(one, one);
        arb_max(cc, cc, one, prec);
        arb_clear(one);
    }
    /* g by the mean-value form g(m) + g'(C)(C - m), m the midpoint: the
       direct form counts c's radius three times (sqrt(1 - c^2) and
       (pi - acos c) c separately) and doubles it from layer to layer */
    arb_t mc, dc;
    arb_init(mc);
    arb_init(dc);
    arb_get_mid_arb(mc, cc);
    arb_sub(dc, cc, mc, prec);              /* C - m */
    arb_acos(ac, mc, prec);
    arb_sub(ac, pi, ac, prec);              /* g'(m) */
    arb_mul(t, mc, mc, prec);
    arb_sub_ui(t, t, 1, prec);
    arb_neg(t, t);
    arb_sqrtpos(g, t, prec);
    arb_addmul(g, ac, mc, prec);            /* g(m) */
    arb_acos(gp, cc, prec);
    arb_sub(gp, pi, gp, prec);              /* g'(C), in [0, pi] */
    arb_addmul(g, gp, dc, prec);            /* g(C) */
    arb_clear(mc);
    arb_clear(dc);
    arb_clear(cc);
    /* g as a jet: (g, g'(c) c') */
    jet gj;
    jet_init(&gj);
    arb_set(gj.v, g);
    arb_mul(gj.d, gp, c->d, prec);
    /* a = (1 - s)^2 / pi */
    arb_sub_ui(a.v, s->v, 1, prec);
    arb_neg(a.v, a.v);
    arb_neg(a.d, s->d);
    jet_mul(&a, &a, &a, prec);
    arb_div(a.v, a.v, pi, prec);
    arb_div(a.d, a.d, pi, prec);
    /* n = a g + 2 s c */
    jet_mul(&n, &a, &gj, prec);
    jet_mul(&tmp, s, c, prec);
    arb_addmul_ui(n.v, tmp.v, 2, prec);
    arb_addmul_ui(n.d, tmp.d, 2, prec);
    /* den = 1 + s^2 */
    jet_mul(&den, s, s, prec);
    arb_add_ui(den.v, den.v, 1, prec);
    jet_div(c, &n, &den, prec);
    jet_clear(&gj);
    arb_clear(pi);
    arb_clear(ac);
    arb_clear(g);
    arb_clear(gp);
    arb_clear(t);
    jet_clear(&a);
    jet_clear(&n);
    jet_clear(&den);
    jet_clear(&tmp);
}

/* DKS for relu(alpha x + beta), beta = +-1: with t = beta/alpha,
 *   m1 = E relu = beta Phi(t) + alpha phi(t),
 *   m2 = E relu^2 = (alpha^2 + beta^2) Phi(t) + alpha beta phi(t),
 *   var = m2 - m1^2, local c'(1) = alpha^2 Phi(t)/var.
 * The jets are in alpha.  m1, var: outputs (values only; may be NULL). */
static void dks_relu(jet *slope, arb_t m1out, arb_t varout, const jet *al, double beta,
                     slong prec)
{
    jet t, Phi, phi, m1, m2, tmp, a2;
    jet_init(&t);
    jet_init(&Phi);
    jet_init(&phi);
    jet_init(&m1);
    jet_init(&m2);
    jet_init(&tmp);
    jet_init(&a2);
    arb_t b, u;
    arb_init(b);
    arb_init(u);
    arb_set_d(b, beta);
    /* t = beta / alpha, t' = -beta alpha'/alpha^2 */
    arb_div(t.v, b, al->v, prec);
    arb_mul(u, al->v, al->v, prec);
    arb_div(t.d, b, u, prec);
    arb_mul(t.d, t.d, al->d, prec);
    arb_neg(t.d, t.d);
    /* phi(t), Phi(t) = erfc(-t/sqrt 2)/2; Phi' = phi, phi' = -t phi */
    da_arb_phi(phi.v, t.v, prec);
    arb_sqrt_ui(u, 2, prec);
    arb_div(u, t.v, u, prec);
    arb_neg(u, u);
    arb_hypgeom_erfc(Phi.v, u, prec);
    arb_mul_2exp_si(Phi.v, Phi.v, -1);
    arb_mul(Phi.d, phi.v, t.d, prec);
    arb_mul(phi.d, t.v, phi.v, prec);
    arb_mul(phi.d, phi.d, t.d, prec);
    arb_neg(phi.d, phi.d);
    /* m1 = beta Phi + alpha phi */
    jet_mul(&tmp, al, &phi, prec);
    arb_mul(m1.v, b, Phi.v, prec);
    arb_mul(m1.d, b, Phi.d, prec);
    arb_add(m1.v, m1.v, tmp.v, prec);
    arb_add(m1.d, m1.d, tmp.d, prec);
    /* m2 = (alpha^2 + beta^2) Phi + alpha beta phi */
    jet_mul(&a2, al, al, prec);
    arb_mul(u, b, b, prec);
    arb_add(a2.v, a2.v, u, prec);
    jet_mul(&m2, &a2, &Phi, prec);
    arb_addmul(m2.v, b, tmp.v, prec);
    arb_addmul(m2.d, b, tmp.d, prec);
    /* var = m2 - m1^2 */
    jet_mul(&tmp, &m1, &m1, prec);
    arb_sub(m2.v, m2.v, tmp.v, prec);
    arb_sub(m2.d, m2.d, tmp.d, prec);
    if (m1out)
        arb_set(m1out, m1.v);
    if (varout)
        arb_set(varout, m2.v);
    /* slope = alpha^2 Phi / var */
    jet_mul(&a2, al, al, prec);
    jet_mul(&tmp, &a2, &Phi, prec);
    jet_div(slope, &tmp, &m2, prec);
    arb_clear(b);
    arb_clear(u);
    jet_clear(&t);
    jet_clear(&Phi);
    jet_clear(&phi);
    jet_clear(&m1);
    jet_clear(&m2);
    jet_clear(&tmp);
    jet_clear(&a2);
}

/* F(u) and F'(u) for a ball u (F' over all of u). */
static void residual(arb_t F, arb_t dF, const shape_problem *p, const arb_t u, slong prec)
{
    jet s, c;
    jet_init(&s);
    jet_init(&c);
    arb_set(s.v, u);
    arb_one(s.d);
    if (p->method == DA_SHAPE_TAT) {
        arb_zero(c.v);
        arb_zero(c.d);
        for (long l = 0; l < p->depth; l++)
tat_layer(&c, &s, prec);
    } else {
        dks_relu(&c, NULL, NULL, &s, p->beta, prec);
    }
    arb_sub(F, c.v, p->target, prec);
    if (dF)
        arb_set(dF, c.d);
    jet_clear(&s);
    jet_clear(&c);
}

/* F at the point x (double), for the bracketing in floating point. */
static double residual_d(const shape_problem *p, double x)
{
    arb_t u, F;
    arb_init(u);
    arb_init(F);
    arb_set_d(u, x);
    residual(F, NULL, p, u, 64);
    double r = arf_get_d(arb_midref(F), ARF_RND_NEAR);
    arb_clear(u);
    arb_clear(F);
    return r;
}

/* Bisection for a sign change of the increasing or decreasing F on
 * [lo, hi] (geometric in the unknown when geo), then Newton at prec.
 * The midpoint of root gets the estimate.  DA_EDOM when F has one sign
 * at both ends. */
static int solve_float(arb_t root, const shape_problem *p, double lo, double hi, int geo,
                       slong prec)
{
    double flo = residual_d(p, lo), fhi = residual_d(p, hi);
    if (!(flo * fhi < 0))
        return DA_EDOM;
    for (int i = 0; i < 200 && hi - lo > 1e-15 * fabs(hi); i++) {
        double m = geo ? sqrt(lo * hi) : 0.5 * (lo + hi);
        double fm = residual_d(p, m);
        if ((fm < 0) == (flo < 0)) {
            lo = m;
            flo = fm;
        } else {
            hi = m;
        }
    }
    /* Newton on midpoints at the working precision */
    arb_t x, F, dF;
    arb_init(x);
    arb_init(F);
    arb_init(dF);
    arb_set_d(x, 0.5 * (lo + hi));
    for (int i = 0; i < 40; i++) {
        residual(F, dF, p, x, prec);
        arb_get_mid_arb(F, F);
        arb_get_mid_arb(dF, dF);
        if (arb_is_zero(dF))
            break;
        arb_div(F, F, dF, prec);
        arb_sub(x, x, F, prec);
        arb_get_mid_arb(x, x);
        if (arb_is_zero(F) || arf_cmpabs_2exp_si(arb_midref(F), arf_abs_bound_lt_2exp_si(
                                                                   arb_midref(x)) - prec + 8) < 0)
            break;
    }
    arb_set(root, x);
    arb_clear(x);
    arb_clear(F);
    arb_clear(dF);
    return DA_OK;
}

/* Krawczyk: with m the estimate and y = 1/F'(m) (a midpoint),
 * K(X) = m - y F(m) + (1 - y F'(X))(X - m).  K inside the interior of
 * X proves a unique root of F in X, and the root lies in K.  Returns 1
 * with root = K. */
static int krawczyk(arb_t root, const shape_problem *p, const arb_t est, slong prec)
{
    arb_t m, y, Fm, dFm, X, FX, dFX, K, t;
    mag_t r, floor_r;
    arb_init(m);
    arb_init(y);
    arb_init(Fm);
    arb_init(dFm);
    arb_init(X);
    arb_init(FX);
    arb_init(dFX);
    arb_init(K);
    arb_init(t);
    mag_init(r);
    mag_init(floor_r);
    int ok = 0;
    arb_get_mid_arb(m, est);
    residual(Fm, dFm, p, m, prec);
    if (!arb_is_finite(dFm) || arb_contains_zero(dFm))
        goto done;
    arb_get_mid_arb(y, dFm);
    arb_inv(y, y, prec);
    arb_get_mid_arb(y, y);
    /* the radius of X: a few times the Newton step, at least a few ulp */
    arb_mul(t, y, Fm, prec);
    arb_get_mag(r, t);
    mag_mul_2exp_si(r, r, 2);
    mag_set_ui_2exp_si(floor_r, 1, arf_abs_bound_lt_2exp_si(arb_midref(m)) - prec + 16);
    mag_max(r, r, floor_r);
    for (int attempt = 0; attempt < 12 && !ok; attempt++) {
        arb_set(X, m);
        mag_set(arb_radref(X), r);
        residual(FX, dFX, p, X, prec);
        /* K = m - y F(m) + (1 - y F'(X)) (X - m) */
        arb_mul(t, y, dFX, prec);
        arb_sub_ui(t, t, 1, prec);
        arb_neg(t, t);
        arb_zero(K);
        mag_set(arb_radref(K), r);     /* X - m */
        arb_mul(K, K, t, prec);
        arb_submul(K, y, Fm, prec);
        arb_add(K, K, m, prec);
        if (arb_is_finite(K) && arb_contains_interior(X, K)) {
            ok = 1;
            arb_set(root, K);
        }
        mag_mul_2exp_si(r, r, 4);
    }
done:
    arb_clear(m);
    arb_clear(y);
    arb_clear(Fm);
    arb_clear(dFm);
    arb_clear(X);
    arb_clear(FX);
    arb_clear(dFX);
    arb_clear(K);
    arb_clear(t);
    mag_clear(r);
    mag_clear(floor_r);
    return ok;
}

/* ---- DKS for tanh: two unknowns (alpha, beta) ----
 * With t = tanh(alpha Z + beta), M_k = E t^k (M_0 = 1), the transformed
 * gamma (t + delta) with delta = -M_1, gamma = 1/sqrt(V), V = M_2 - M_1^2
 * has Q(1) = 1 and C(0) = 0, and (Stein's lemma for Q'(1) = E[s s' Z])
 *   Q'(1) = alpha^2 A / V, A = 1 - 4 M_2 + 3 M_4 + 2 M_1^2 - 2 M_1 M_3,
 *   c'(1) = alpha^2 B / V, B = 1 - 2 M_2 + M_4.
 * deepmind/dks asks Q'(1) = 1 and c'(1) = zeta^(1/L): the residuals
 *   F_1 = alpha^2 A - V,  F_2 = alpha^2 B - zeta^(1/L) V
 * (the same roots, V > 0).  Their derivatives are again moments:
 *   dM_k/dbeta = k (M_{k-1} - M_{k+1}),
 *   dM_k/dalpha = E[Z (t^k)'] = alpha E[(t^k)''] (Stein)
 *               = alpha k ((k-1) M_{k-2} - 2k M_k + (k+1) M_{k+2}). */
typedef struct {
    const arb_struct *al, *be;
    int k;
} tanh_par;

/* t^k exp(-z^2/2) with t = tanh(alpha z + beta); non-finite where the
 * ball may meet a pole of tanh (|Im(alpha z)| >= 1.5 < pi/2), which is
 * what acb_calc_integrate needs of a meromorphic integrand */
static int tanh_integrand(acb_ptr out, const acb_t z, void *param, slong order, slong prec)
{
    const tanh_par *p = param;
    (void)order;
    acb_t u, w;
    acb_init(u);
    acb_init(w);
    acb_mul_arb(u, z, p->al, prec);
    arb_t im;
    arb_init(im);
    arb_abs(im, acb_imagref(u));
    arb_set_d(acb_imagref(w), 1.5);
    int bad = !arb_lt(im, acb_imagref(w));
    arb_clear(im);
    if (bad) {
        acb_indeterminate(out);
        goto done;
    }
    acb_add_arb(u, u, p->be, prec);
    acb_tanh(u, u, prec);
    acb_pow_ui(u, u, (ulong)p->k, prec);
    acb_sqr(w, z, prec);
    acb_mul_2exp_si(w, w, -1);
    acb_neg(w, w);
    acb_exp(w, w, prec);
    acb_mul(out, u, w, prec);
done:
    acb_clear(u);
    acb_clear(w);
    return 0;
}

/* M[0..6] = E tanh(alpha Z + beta)^k for all alpha, beta in the balls:
 * acb_calc_integrate on [-T, T], T = 1 + sqrt(2 prec log 2), and the
 * tail |t^k| <= 1 outside, at most erfc(T/sqrt 2). */
static int tanh_moments(arb_ptr M, const arb_t al, const arb_t be, slong prec)
{
    arb_t T, norm;
    acb_t a, b, r;
    mag_t tail, tol;
    arb_init(T);
    arb_init(norm);
    acb_init(a);
    acb_init(b);
    acb_init(r);
    mag_init(tail);
    mag_init(tol);
    int st = DA_OK;
    arb_set_ui(T, (ulong)ceil(sqrt(2.0 * (double)prec * log(2.0))) + 1);
    /* tail = erfc(T/sqrt 2), an upper bound */
    arb_sqrt_ui(norm, 2, prec);
    arb_div(norm, T, norm, prec);
    arb_hypgeom_erfc(norm, norm, prec);
    arb_get_mag(tail, norm);
    /* 1/sqrt(2 pi) */
    arb_const_pi(norm, prec);
    arb_mul_2exp_si(norm, norm, 1);
    arb_rsqrt(norm, norm, prec);
    acb_zero(a);
    acb_zero(b);
    arb_neg(acb_realref(a), T);
    arb_set(acb_realref(b), T);
    mag_set_ui_2exp_si(tol, 1, -prec);
    acb_calc_integrate_opt_t opt;
    acb_calc_integrate_opt_init(opt);
    opt->eval_limit = 200000;
    arb_one(M + 0);
    for (int k = 1; k <= 6; k++) {
        tanh_par p = {al, be, k};
        acb_calc_integrate(r, tanh_integrand, &p, a, b, prec, tol, opt, prec);
        if (!acb_is_finite(r) || !arb_is_finite(acb_realref(r))) {
            st = DA_EDOM;
            break;
        }
        arb_mul(M + k, acb_realref(r), norm, prec);
        arb_add_error_mag(M + k, tail);
    }
    arb_clear(T);
    arb_clear(norm);
    acb_clear(a);
    acb_clear(b);
    acb_clear(r);
    mag_clear(tail);
    mag_clear(tol);
    return st;
}

/* F[0..1] and, when J is not NULL, the Jacobian J[0..3] (row-major,
 * columns alpha, beta) over the balls al, be; M[0..6] returned too */
static int tanh_residual(arb_ptr F, arb_ptr J, arb_ptr M, const arb_t al, const arb_t be,
                         const arb_t zl, slong prec)
{
    int st = tanh_moments(M, al, be, prec);
    if (st)
        return st;
    arb_t A, B, V, t, a2;
    arb_init(A);
    arb_init(B);
    arb_init(V);
    arb_init(t);
    arb_init(a2);
    arb_mul(a2, al, al, prec);
    /* A, B, V */
    arb_mul(t, M + 1, M + 1, prec);
    arb_sub(V, M + 2, t, prec);
    arb_mul_2exp_si(A, t, 1);
    arb_add_ui(A, A, 1, prec);
    arb_submul_ui(A, M + 2, 4, prec);
    arb_addmul_ui(A, M + 4, 3, prec);
    arb_mul(t, M + 1, M + 3, prec);
    arb_submul_ui(A, t, 2, prec);
    arb_one(B);
    arb_submul_ui(B, M + 2, 2, prec);
    arb_add(B, B, M + 4, prec);
    arb_mul(F + 0, a2, A, prec);
    arb_sub(F + 0, F + 0, V, prec);
    arb_mul(F + 1, a2, B, prec);
    arb_submul(F + 1, zl, V, prec);
    if (J) {
        /* dM[v][k], v = 0 (alpha), 1 (beta), k = 1..4 */
        arb_ptr dM = _arb_vec_init(10);
        for (int k = 1; k <= 4; k++) {
            arb_ptr da = dM + k, db = dM + 5 + k;
            /* beta: k (M_{k-1} - M_{k+1}) */
            arb_sub(db, M + k - 1, M + k + 1, prec);
            arb_mul_ui(db, db, (ulong)k, prec);
            /* alpha: alpha k ((k-1) M_{k-2} - 2k M_k + (k+1) M_{k+2}) */
            arb_zero(da);
            if (k >= 2)
                arb_mul_ui(da, M + k - 2, (ulong)(k - 1), prec);
            arb_submul_ui(da, M + k, (ulong)(2 * k), prec);
            arb_addmul_ui(da, M + k + 2, (ulong)(k + 1), prec);
            arb_mul_ui(da, da, (ulong)k, prec);
            arb_mul(da, da, al, prec);
        }
        arb_t dA, dB, dV;
        arb_init(dA);
        arb_init(dB);
        arb_init(dV);
        for (int v = 0; v < 2; v++) {
            arb_srcptr d = dM + 5 * v;
            /* dV = dM2 - 2 M1 dM1 */
            arb_mul(t, M + 1, d + 1, prec);
            arb_mul_2exp_si(t, t, 1);
            arb_sub(dV, d + 2, t, prec);
            /* dA = -4 dM2 + 3 dM4 + 4 M1 dM1 - 2 (dM1 M3 + M1 dM3) */
            arb_mul_2exp_si(dA, t, 1);
            arb_submul_ui(dA, d + 2, 4, prec);
            arb_addmul_ui(dA, d + 4, 3, prec);
            arb_mul(t, d + 1, M + 3, prec);
            arb_addmul(t, M + 1, d + 3, prec);
            arb_submul_ui(dA, t, 2, prec);
            /* dB = -2 dM2 + dM4 */
            arb_mul_2exp_si(dB, d + 2, 1);
            arb_sub(dB, d + 4, dB, prec);
            /* dF1 = a2 dA - dV (+ 2 alpha A for alpha); dF2 likewise */
            arb_mul(J + v, a2, dA, prec);
            arb_sub(J + v, J + v, dV, prec);
            arb_mul(J + 2 + v, a2, dB, prec);
            arb_submul(J + 2 + v, zl, dV, prec);
            if (v == 0) {
                arb_mul(t, al, A, prec);
                arb_addmul_ui(J + 0, t, 2, prec);
                arb_mul(t, al, B, prec);
                arb_addmul_ui(J + 2, t, 2, prec);
            }
        }
        arb_clear(dA);
        arb_clear(dB);
        arb_clear(dV);
        _arb_vec_clear(dM, 10);
    }
    arb_clear(A);
    arb_clear(B);
    arb_clear(V);
    arb_clear(t);
    arb_clear(a2);
    return DA_OK;
}

/* the inverse of the midpoint of the 2x2 J, as midpoints (Y); 0 when singular */
static int inv2_mid(arb_ptr Y, arb_srcptr J, slong prec)
{
    arb_t det, t;
    arb_init(det);
    arb_init(t);
    arb_ptr m = _arb_vec_init(4);
    for (int i = 0; i < 4; i++)
        arb_get_mid_arb(m + i, J + i);
    arb_mul(det, m + 0, m + 3, prec);
    arb_submul(det, m + 1, m + 2, prec);
    int ok = arb_is_finite(det) && !arb_contains_zero(det);
    if (ok) {
        arb_div(Y + 0, m + 3, det, prec);
        arb_div(Y + 3, m + 0, det, prec);
        arb_div(Y + 1, m + 1, det, prec);
        arb_neg(Y + 1, Y + 1);
        arb_div(Y + 2, m + 2, det, prec);
        arb_neg(Y + 2, Y + 2);
        for (int i = 0; i < 4; i++)
            arb_get_mid_arb(Y + i, Y + i);
    }
    _arb_vec_clear(m, 4);
    arb_clear(det);
    arb_clear(t);
    return ok;
}

/* Damped Newton on midpoints from (a0, b0): first at 64 bits, then at
 * prec.  1 with x[0..1] the estimate (beta made positive: (alpha, -beta)
 * gives the same kernel). */
static int tanh_newton(arb_ptr x, double a0, double b0, const arb_t zl, slong prec)
{
    arb_ptr F = _arb_vec_init(2), J = _arb_vec_init(4), Y = _arb_vec_init(4),
            M = _arb_vec_init(7), s = _arb_vec_init(2), xn = _arb_vec_init(2),
            Fn = _arb_vec_init(2);
    arb_t nrm, nrmn, t;
    arb_init(nrm);
    arb_init(nrmn);
    arb_init(t);
    arb_set_d(x + 0, a0);
    arb_set_d(x + 1, b0);
    int ok = 0;
    slong wp = 64;
    for (int it = 0; it < 80; it++) {
        if (tanh_residual(F, J, M, x + 0, x + 1, zl, wp) || !inv2_mid(Y, J, wp))
            break;
        arb_get_mid_arb(F + 0, F + 0);
        arb_get_mid_arb(F + 1, F + 1);
        arb_mul(s + 0, Y + 0, F + 0, wp);
        arb_addmul(s + 0, Y + 1, F + 1, wp);
        arb_mul(s + 1, Y + 2, F + 0, wp);
        arb_addmul(s + 1, Y + 3, F + 1, wp);
        arb_get_mid_arb(s + 0, s + 0);
        arb_get_mid_arb(s + 1, s + 1);
        /* converged at this precision: a step below 2^(8 - wp) |x| */
        double sn = fabs(arf_get_d(arb_midref(s + 0), ARF_RND_NEAR)) +
                    fabs(arf_get_d(arb_midref(s + 1), ARF_RND_NEAR));
        double xs = fabs(arf_get_d(arb_midref(x + 0), ARF_RND_NEAR)) +
                    fabs(arf_get_d(arb_midref(x + 1), ARF_RND_NEAR));
        if (!(sn == sn) || sn > 1e6)
            break;
        arb_sqr(nrm, F + 0, wp);
        arb_addmul(nrm, F + 1, F + 1, wp);
        /* damping: halve the step while alpha would not stay positive or
           the residual grows */
        double lam = 1;
        for (int h = 0; h < 30; h++, lam /= 2) {
            arb_set_d(t, lam);
            arb_mul(xn + 0, s + 0, t, wp);
            arb_sub(xn + 0, x + 0, xn + 0, wp);
            arb_mul(xn + 1, s + 1, t, wp);
            arb_sub(xn + 1, x + 1, xn + 1, wp);
            arb_get_mid_arb(xn + 0, xn + 0);
            arb_get_mid_arb(xn + 1, xn + 1);
            if (!arb_is_positive(xn + 0))
                continue;
            if (sn < 1e-3 * (xs + 1))
                break;   /* near the root: full steps */
            if (tanh_residual(Fn, NULL, M, xn + 0, xn + 1, zl, wp))
                continue;
            arb_get_mid_arb(Fn + 0, Fn + 0);
            arb_get_mid_arb(Fn + 1, Fn + 1);
            arb_sqr(nrmn, Fn + 0, wp);
            arb_addmul(nrmn, Fn + 1, Fn + 1, wp);
            if (arf_cmp(arb_midref(nrmn), arb_midref(nrm)) < 0)
                break;
        }
        arb_swap(x + 0, xn + 0);
        arb_swap(x + 1, xn + 1);
        if (sn <= ldexp(xs, wp == prec ? 24 - (int)wp : -40)) {
            if (wp == prec) {
                ok = 1;
                break;
            }
            wp = prec;
        }
    }
    if (ok && arb_is_negative(x + 1))
        arb_neg(x + 1, x + 1);
    _arb_vec_clear(F, 2);
    _arb_vec_clear(J, 4);
    _arb_vec_clear(Y, 4);
    _arb_vec_clear(M, 7);
    _arb_vec_clear(s, 2);
    _arb_vec_clear(xn, 2);
    _arb_vec_clear(Fn, 2);
    arb_clear(nrm);
    arb_clear(nrmn);
    arb_clear(t);
    return ok;
}

/* Two-dimensional Krawczyk: m the estimate, Y = midpoint inverse of
 * F'(m), X = m + [-r, r]^2 (r_i four times the Newton step, enlarged
 * 16-fold up to eight times): K = m - Y F(m) + (I - Y F'(X))(X - m)
 * inside the interior of X proves a unique root in X, lying in K.  1
 * with root = K. */
static int tanh_krawczyk(arb_ptr root, const arb_srcptr est, const arb_t zl, slong prec)
{
    arb_ptr m = _arb_vec_init(2), F = _arb_vec_init(2), J = _arb_vec_init(4),
            Y = _arb_vec_init(4), M = _arb_vec_init(7), X = _arb_vec_init(2),
            FX = _arb_vec_init(2), JX = _arb_vec_init(4), K = _arb_vec_init(2),
            C = _arb_vec_init(4);
    arb_t t, d;
    arb_init(t);
    arb_init(d);
    mag_t r[2], fl;
    mag_init(r[0]);
    mag_init(r[1]);
    mag_init(fl);
    int ok = 0;
    arb_get_mid_arb(m + 0, est + 0);
    arb_get_mid_arb(m + 1, est + 1);
    if (tanh_residual(F, J, M, m + 0, m + 1, zl, prec) || !inv2_mid(Y, J, prec))
        goto done;
    for (int i = 0; i < 2; i++) {
        arb_mul(t, Y + 2 * i, F + 0, prec);
        arb_addmul(t, Y + 2 * i + 1, F + 1, prec);
        arb_get_mag(r[i], t);
        mag_mul_2exp_si(r[i], r[i], 2);
        mag_set_ui_2exp_si(fl, 1, arf_abs_bound_lt_2exp_si(arb_midref(m + i)) - prec + 16);
        mag_max(r[i], r[i], fl);
    }
    for (int attempt = 0; attempt < 8 && !ok; attempt++) {
        for (int i = 0; i < 2; i++) {
            arb_set(X + i, m + i);
            mag_set(arb_radref(X + i), r[i]);
        }
        if (tanh_residual(FX, JX, M, X + 0, X + 1, zl, prec))
            break;
        /* C = I - Y JX */
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                arb_mul(C + 2 * i + j, Y + 2 * i, JX + j, prec);
                arb_addmul(C + 2 * i + j, Y + 2 * i + 1, JX + 2 + j, prec);
                arb_neg(C + 2 * i + j, C + 2 * i + j);
                if (i == j)
                    arb_add_ui(C + 2 * i + j, C + 2 * i + j, 1, prec);
            }
        int inside = 1;
        for (int i = 0; i < 2; i++) {
            /* K_i = m_i - (Y F(m))_i + sum_j C_ij (X_j - m_j) */
            arb_set(K + i, m + i);
            arb_submul(K + i, Y + 2 * i, F + 0, prec);
            arb_submul(K + i, Y + 2 * i + 1, F + 1, prec);
            for (int j = 0; j < 2; j++) {
                arb_zero(d);
                mag_set(arb_radref(d), r[j]);
                arb_addmul(K + i, C + 2 * i + j, d, prec);
            }
            if (!arb_is_finite(K + i) || !arb_contains_interior(X + i, K + i))
                inside = 0;
        }
        if (inside) {
            ok = 1;
            arb_set(root + 0, K + 0);
            arb_set(root + 1, K + 1);
        }
        mag_mul_2exp_si(r[0], r[0], 4);
        mag_mul_2exp_si(r[1], r[1], 4);
    }
done:
    _arb_vec_clear(m, 2);
    _arb_vec_clear(F, 2);
    _arb_vec_clear(J, 4);
    _arb_vec_clear(Y, 4);
    _arb_vec_clear(M, 7);
    _arb_vec_clear(X, 2);
    _arb_vec_clear(FX, 2);
    _arb_vec_clear(JX, 4);
    _arb_vec_clear(K, 2);
    _arb_vec_clear(C, 4);
    arb_clear(t);
    arb_clear(d);
    mag_clear(r[0]);
    mag_clear(r[1]);
    mag_clear(fl);
    return ok;
}

/* x as a decimal with `digits` significant digits ("%.{d}Rg" rounded to
 * nearest): the text of a parameter in the formula. */
static void decimal(char *buf, size_t len, const arb_t x, long digits)
{
    mpfr_t v;
    mpfr_init2(v, 2 * arf_bits(arb_midref(x)) + 64);
    arf_get_mpfr(v, arb_midref(x), MPFR_RNDN);
    mpfr_snprintf(buf, len, "%.*Rg", (int)digits, v);
    mpfr_clear(v);
}

/* dst = src exactly, at src's precision */
static void store(da_ball_struct *dst, const da_ball_struct *src)
{
    mpfr_set_prec(dst->mid, mpfr_get_prec(src->mid));
    mpfr_set(dst->mid, src->mid, MPFR_RNDN);
    mpfr_set(dst->rad, src->rad, MPFR_RNDU);
}

/* The achieved C(0) and C'(1) of the printed formula: its C map as
 * DKS defines it (each layer's input at q = 1): the local map
 * c -> f(c)/f(1), f the dual of the formula as given (da_dual, raw),
 * composed L times from c = 0, and C'(1) = (f'(1)/f(1))^L.  For the
 * positively homogeneous TAT activation this is exactly the network's
 * correlation map at any q. */
static int achieved(da_shape_result *r, long digits, int *rig)
{
    da_act *act = NULL;
    da_dual *d = NULL;
    int st = da_act_new(&act, r->formula);
    if (st)
        return st;
    da_dual_opts dop;
    da_dual_opts_init(&dop);
    dop.raw = 1;
    dop.digits = digits + 10;
    st = da_dual_new(&d, act, &dop);
    if (st) {
        da_act_free(act);
        return st;
    }
    mpfr_prec_t prec = (mpfr_prec_t)((digits + 20) * 3.33) + 64;
    da_ball c, f1, d1, t, one;
    da_ball *all[] = {&c, &f1, &d1, &t, &one};
    for (size_t i = 0; i < 5; i++)
        da_ball_init2(*all[i], prec);
    mpfr_set_ui(one->mid, 1, MPFR_RNDN);
    mpfr_set_zero(one->rad, 1);
    mpfr_set_zero(c->mid, 1);
    mpfr_set_zero(c->rad, 1);
    int worst = DA_OK;
    int s1 = da_dual_eval(f1, d, one, 0);
    int s2 = da_dual_eval(d1, d, one, 1);
    if ((s1 != DA_OK && s1 != DA_EACCURACY) || (s2 != DA_OK && s2 != DA_EACCURACY)) {
        st = s1 != DA_OK && s1 != DA_EACCURACY ? s1 : s2;
        goto out;
    }
    if (s1 || s2)
        worst = DA_EACCURACY;
    for (long l = 0; l < r->depth; l++) {
        int s = da_dual_eval(t, d, c, 0);
        if (s != DA_OK && s != DA_EACCURACY) {
            st = s;
            goto out;
        }
        if (s)
            worst = DA_EACCURACY;
        if (da_ball_div(c, t, f1)) {
            st = DA_EDOM;
            goto out;
        }
        /* the true c lies in [-1, 1]: clip the ball's midpoint there so
           that the next evaluation is not refused for a radius */
        if (mpfr_cmp_ui(c->mid, 1) > 0)
            mpfr_set_ui(c->mid, 1, MPFR_RNDN), da_rad_add_d(c->rad, 0);
    }
    store(&r->c0, c);
    /* (f'(1)/f(1))^L by repeated multiplication */
    if (da_ball_div(t, d1, f1)) {
        st = DA_EDOM;
        goto out;
    }
    da_ball_set(d1, one);
    for (long l = 0; l < r->depth; l++)
        da_ball_mul(d1, d1, t);
    store(&r->c1prime, d1);
    *rig = da_dual_rigorous(d);
    if (!*rig)
        snprintf(r->bound_reason, sizeof r->bound_reason, "achieved C: %s",
                 da_dual_bound_reason(d));
    st = worst;
out:
    for (size_t i = 0; i < 5; i++)
        da_ball_clear(*all[i]);
    da_dual_free(d);
    da_act_free(act);
    return st;
}

/* x > 0 rounded up to 3 significant digits, for a "%.2e" that stays an
   upper bound */
static double up3(double x)
{
    if (!(x > 0) || !isfinite(x))
        return x;
    double u = pow(10.0, floor(log10(x)) - 2);
    return ceil(x / u * (1 + 1e-12)) * u;
}

static void set_ball(da_ball_struct *b, const arb_t x, slong prec)
{
    mpfr_set_prec(b->mid, prec);
    da_ball_set_arb(b, x);
}

/* DKS for tanh at the local target zl = zeta^(1/L): Newton from
 * deepmind/dks's first starting points, then the two-dimensional
 * Krawczyk proof; the parameters and the formula into r.  DA_OK (r->
 * rigorous set), or DA_EACCURACY with an empty formula when no estimate
 * was found (not a proof that there is none). */
static int solve_dks_tanh(da_shape_result *r, const arb_t zl, long digits, slong prec)
{
    static const double starts[][2] = {{1, 1}, {0.5, 0.5}, {0.2, 0.5}, {0.1, 0.5}, {2, 1}, {1, 0.1}};
    arb_ptr est = _arb_vec_init(2), root = _arb_vec_init(2), M = _arb_vec_init(7),
            F = _arb_vec_init(2);
    arb_t t;
    arb_init(t);
    int st = DA_OK, found = 0;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0] && !found; i++)
        found = tanh_newton(est, starts[i][0], starts[i][1], zl, prec);
    if (!found) {
        r->rigorous = 0;
        snprintf(r->bound_reason, sizeof r->bound_reason,
                 "DKS for tanh: Newton's method found no (alpha, beta) from its starting "
                 "points (not a proof that there is none)");
        st = DA_EACCURACY;
        goto out;
    }
    if (tanh_krawczyk(root, est, zl, prec)) {
        r->rigorous = 1;
        r->bound_reason[0] = 0;
    } else {
        arb_get_mid_arb(root + 0, est + 0);
        arb_get_mid_arb(root + 1, est + 1);
        r->rigorous = 0;
        snprintf(r->bound_reason, sizeof r->bound_reason,
                 "the Krawczyk test did not prove the root; parameters are estimates");
    }
    /* M over the root's box: delta = -M_1, gamma = 1/sqrt(M_2 - M_1^2) */
    if (tanh_residual(F, NULL, M, root + 0, root + 1, zl, prec)) {
        st = da_fail(DA_EDOM, "shape: DKS for tanh: the moments at the root are not finite");
        goto out;
    }
    set_ball(&r->alpha, root + 0, prec);
    set_ball(&r->beta, root + 1, prec);
    arb_neg(t, M + 1);
    set_ball(&r->delta, t, prec);
    arb_sqr(t, M + 1, prec);
    arb_sub(t, M + 2, t, prec);
    arb_rsqrt(t, t, prec);
    set_ball(&r->gamma, t, prec);
    char a[96], b[96], g[96], d[96];
    decimal(a, sizeof a, root + 0, digits);
    decimal(b, sizeof b, root + 1, digits);
    decimal(g, sizeof g, t, digits);
    decimal(d, sizeof d, M + 1, digits);
    snprintf(r->formula, sizeof r->formula, "%s*(tanh(%s*x + %s) - %s)", g, a, b, d);
out:
    _arb_vec_clear(est, 2);
    _arb_vec_clear(root, 2);
    _arb_vec_clear(M, 7);
    _arb_vec_clear(F, 2);
    arb_clear(t);
    return st;
}

int da_shape_solve(da_shape_result *r, const char *act, int method, const da_ball target,
                   const da_shape_opts *o)
{
    da_shape_opts def;
    if (!o) {
        da_shape_opts_init(&def);
        o = &def;
    }
    if (!r || !act || !target)
        return da_fail(DA_EINVAL, "shape: NULL argument");
    if (method != DA_SHAPE_TAT && method != DA_SHAPE_DKS)
        return da_fail(DA_EINVAL, "shape: unknown method %d", method);
    if (o->depth < 1 || o->depth > SHAPE_MAX_DEPTH)
        return da_fail(DA_EINVAL, "shape: depth %ld outside [1, %d]", o->depth,
                       SHAPE_MAX_DEPTH);
    if (o->digits < 1 || o->digits > SHAPE_MAX_DIGITS)
        return da_fail(DA_EINVAL, "shape: digits %ld outside [1, %d]", o->digits,
                       SHAPE_MAX_DIGITS);
    if (method == DA_SHAPE_TAT && strcmp(act, "leaky_relu"))
        return da_fail(DA_EINVAL, "shape: TAT shapes 'leaky_relu' (its negative slope), not '%s'",
                       act);
    if (method == DA_SHAPE_DKS && strcmp(act, "relu") && strcmp(act, "tanh"))
        return da_fail(DA_EINVAL, "shape: DKS is implemented for 'relu' and 'tanh', not '%s'",
                       act);
    int is_tanh = !strcmp(act, "tanh");
    if (!mpfr_number_p(target->mid) || !mpfr_number_p(target->rad))
        return da_fail(DA_EINVAL, "shape: the target is not a finite number");

    /* working precision: the digits, the depth's rounding, guard bits */
    slong prec = (slong)(o->digits * 3.33) + 64 + 2 * (slong)ceil(log2((double)o->depth + 1));
    shape_problem p;
    p.method = method;
    p.depth = o->depth;
    arb_init(p.target);
    arb_t tgt, root, est, tmp, one;
    arb_init(tgt);
    arb_init(root);
    arb_init(est);
    arb_init(tmp);
    arb_init(one);
    arb_one(one);
    da_arb_set_ball(tgt, target);
    int st = DA_OK;
    double lo, hi;
    int geo;
    if (method == DA_SHAPE_TAT) {
        /* eta in (0, 1) */
        if (!(arb_is_positive(tgt) && arb_lt(tgt, one))) {
            st = da_fail(DA_EINVAL, "shape: TAT target eta must lie in (0, 1)");
            goto out;
        }
        arb_set(p.target, tgt);
        p.beta = 0;
        lo = 0;
        hi = 1;
        geo = 0;
        /* reachable iff C(0) at s = 0 (the ReLU network) exceeds eta: C(0)
           decreases in s on [0, 1] (docs/analysis.md), from the ReLU value
           to 0 at s = 1; the comparison decided in ball arithmetic */
        arb_zero(tmp);
        residual(root, NULL, &p, tmp, prec);
        if (arb_is_nonpositive(root)) {
            arb_add(tmp, root, tgt, prec);
            st = da_fail(DA_EDOM, "shape: TAT: eta is not reachable at depth %ld with a "
                                  "slope in [0, 1): the largest C(0), at slope 0 (ReLU), is "
                                  "%.6f..., not above eta (take eta below it, or more layers)",
                         o->depth, floor(arf_get_d(arb_midref(tmp), ARF_RND_DOWN) * 1e6) / 1e6);
            goto out;
        }
        if (!arb_is_positive(root)) {
            r->method = method;
            r->depth = o->depth;
            store(&r->target, target);
            r->rigorous = 0;
            /* |C_ReLU(0) - eta| <= |F(0)|'s upper bound (the ball holds 0) */
            mag_t e;
            mag_init(e);
            arb_get_mag(e, root);
            snprintf(r->bound_reason, sizeof r->bound_reason,
                     "TAT: eta is within %.2e of the ReLU network's C(0) at depth %ld: "
                     "whether it is reachable is not decided at this precision (more --digits)",
                     up3(mag_get_d(e)), o->depth);
            mag_clear(e);
            st = DA_EACCURACY;
            goto out;
        }
    } else {
        /* zeta > 1; local target zeta^(1/L) */
        if (!arb_gt(tgt, one)) {
            st = da_fail(DA_EINVAL, "shape: DKS target zeta must be greater than 1");
            goto out;
        }
        arb_root_ui(p.target, tgt, (ulong)o->depth, prec);
        if (is_tanh) {
            r->method = method;
            r->depth = o->depth;
            store(&r->target, target);
            st = solve_dks_tanh(r, p.target, o->digits, prec);
            if (st != DA_OK || !r->formula[0])
                goto out;
            goto achieve;
        }
        /* deepmind/dks: input shift +1 when the local slope target is below
           pi/(pi - 1) (the limit of the slope as alpha -> inf), else -1 */
        arb_const_pi(tmp, prec);
        arb_sub_ui(one, tmp, 1, prec);
        arb_div(tmp, tmp, one, prec);
        if (arb_lt(p.target, tmp))
            p.beta = 1;
        else if (arb_gt(p.target, tmp))
            p.beta = -1;
        else {
            st = da_fail(DA_EDOM, "shape: DKS for relu: zeta^(1/L) = pi/(pi-1) cannot be "
                                  "separated from the limit of the slope");
            goto out;
        }
        arb_one(one);
        lo = 1e-2;
        hi = 1e6;
        geo = 1;
    }
    st = solve_float(est, &p, lo, hi, geo, prec);
    if (st) {
        if (method == DA_SHAPE_TAT)
            st = da_fail(DA_EDOM, "shape: TAT: eta is not reachable at depth %ld (the ReLU "
                                  "network, slope 0, has a smaller C(0))", o->depth);
        else
            st = da_fail(DA_EDOM, "shape: DKS for relu: no input scale alpha in [%g, %g] "
                                  "reaches zeta^(1/L) at depth %ld", lo, hi, o->depth);
        goto out;
    }
    r->method = method;
    r->depth = o->depth;
    store(&r->target, target);
    int proved = krawczyk(root, &p, est, prec);
    if (!proved) {
        /* the estimate, not a proof */
        arb_set(root, est);
        mag_zero(arb_radref(root));
        r->rigorous = 0;
        snprintf(r->bound_reason, sizeof r->bound_reason,
                 "the Krawczyk test did not prove the root; parameters are estimates");
    } else {
        r->rigorous = 1;
        r->bound_reason[0] = 0;
    }
    /* the parameters */
    char a[96], g[96], d[96];
    if (method == DA_SHAPE_TAT) {
        set_ball(&r->slope, root, prec);
        arb_one(tmp);
        set_ball(&r->alpha, tmp, prec);
        arb_zero(tmp);
        set_ball(&r->beta, tmp, prec);
        set_ball(&r->delta, tmp, prec);
        /* gamma = sqrt(2/(1 + s^2)) */
        arb_mul(tmp, root, root, prec);
        arb_add_ui(tmp, tmp, 1, prec);
        arb_ui_div(tmp, 2, tmp, prec);
        arb_sqrtpos(tmp, tmp, prec);
        set_ball(&r->gamma, tmp, prec);
        decimal(a, sizeof a, root, o->digits);
        decimal(g, sizeof g, tmp, o->digits);
        snprintf(r->formula, sizeof r->formula, "%s*(x>0 ? x : %s*x)", g, a);
    } else {
        jet al, sl;
        arb_t m1, var;
        jet_init(&al);
        jet_init(&sl);
        arb_init(m1);
        arb_init(var);
        arb_set(al.v, root);
        arb_one(al.d);
        dks_relu(&sl, m1, var, &al, p.beta, prec);
        set_ball(&r->alpha, root, prec);
        arb_set_d(tmp, p.beta);
        set_ball(&r->beta, tmp, prec);
        arb_neg(tmp, m1);
        set_ball(&r->delta, tmp, prec);
        arb_rsqrt(tmp, var, prec);
        set_ball(&r->gamma, tmp, prec);
        decimal(a, sizeof a, root, o->digits);
        decimal(g, sizeof g, tmp, o->digits);
        decimal(d, sizeof d, m1, o->digits);
        /* relu(alpha x + beta) with beta = +-1 */
        snprintf(r->formula, sizeof r->formula, "%s*((%s*x%s1>0 ? %s*x%s1 : 0) - %s)", g, a,
                 p.beta > 0 ? "+" : "-", a, p.beta > 0 ? "+" : "-", d);
        jet_clear(&al);
        jet_clear(&sl);
        arb_clear(m1);
        arb_clear(var);
    }
    if (strlen(r->formula) + 1 >= sizeof r->formula) {
        st = da_fail(DA_EINVAL, "shape: the formula does not fit in %zu bytes",
                     sizeof r->formula);
        goto out;
    }
achieve:;
    /* the achieved C(0), C'(1) of the printed formula */
    int rig = 1;
    int sa = achieved(r, o->digits, &rig);
    if (sa != DA_OK && sa != DA_EACCURACY) {
        st = sa;
        goto out;
    }
    if (!rig && r->rigorous) {
        r->rigorous = 0;
    }
    if (!r->rigorous)
        st = DA_EACCURACY;
    else {
        /* the radii asked: 10^-digits for every parameter */
        double goal = pow(10.0, -(double)o->digits);
        da_ball_struct *b[] = {&r->slope, &r->alpha, &r->beta, &r->gamma, &r->delta};
        for (int i = 0; i < 5; i++)
            if (mpfr_number_p(b[i]->mid) && mpfr_get_d(b[i]->rad, MPFR_RNDU) > goal)
                st = DA_EACCURACY;
        if (sa == DA_EACCURACY)
            st = DA_EACCURACY;
    }
out:
    arb_clear(p.target);
    arb_clear(tgt);
    arb_clear(root);
    arb_clear(est);
    arb_clear(tmp);
    arb_clear(one);
    return st;
}

/* direct.c -- the dual activation at one correlation by a proved two-level
 * Gauss-Legendre quadrature, for correlations near 1, where the Hermite
 * series sum_k a_k^2 rho^k converges too slowly to be summed (tanh needs
 * about 5700 coefficients for 10^-100 at rho = 0.99).  Internal.
 *
 * With s = sqrt(1 - rho) and W, U, V independent standard Gaussians,
 * X = sqrt(rho) W + s U and Y = sqrt(rho) W + s V have correlation rho, so
 *
 *     E[sigma(X) sigma(Y)] = E_W[h(W)^2],  h(w) = E_U[sigma(sqrt(rho) w + s U)],
 *
 * a one-dimensional integral of a one-dimensional integral.  Both are
 * taken over [-T, T] (docs/numerics.md, "The dual by direct quadrature"):
 *
 *   - tails: what the truncation leaves out is E[sigma(X) sigma(Y) 1_A]
 *     with P(A) <= P := erfc(T/sqrt 2) + 2 erfc(T/sqrt 2); it is at most
 *     M^2 P when |sigma| <= M on the line, and sqrt(E sigma^4) sqrt(P)
 *     otherwise, E sigma^4 bounded from the growth envelope (act/envelope.h);
 *   - the inner integral: for the outer interval J, the u-line is cut into
 *     cells, each with an n-point Gauss-Legendre rule whose error is
 *     bounded on a Bernstein ellipse (64 M / 15) r rho^-2n / (rho^2 - 1),
 *     M >= |phi(z) sigma(sqrt(rho) w + s z)| for every w in J and z on the
 *     ellipse, from one complex ball evaluation of the tape per box;
 *   - the outer integral: the same bound for phi(w) h_T(w)^2 on an ellipse
 *     around J, with |h_T| there bounded cell by cell (sup |sigma| on the
 *     box times the Gaussian mass of the cell); a finite bound also proves
 *     h_T analytic there.
 * Every node value is a ball; the inner error of J is added to the radius
 * of h at each node of J, so the result is a proved enclosure. */
#include "core/arbinc.h"
#include "core/core.h"
#include "act/act.h"
#include "act/envelope.h"
#include "act/tape_ball.h"
#include "quad/gl_arb.h"
#include "dual/dual.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIR_TMAX 40.0      /* the largest truncation point tried */
#define DIR_RANGE (1.5 * DIR_TMAX)   /* sigma is decided on [-R, R] */

static const long dsizes[] = {2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384};
static const double drhos[] = {1.1, 1.2, 1.3, 1.4, 1.6, 1.8, 2.1, 2.5, 3.0, 3.5, 4.2, 5.0, 6.5, 8.0, 11.0, 14.0, 25.0};

void da_direct_clear(da_direct *dd)
{
    da_declog_clear(&dd->log);
    memset(dd, 0, sizeof *dd);
}

/* the bounds that do not depend on rho: eligibility, sup |sigma|,
   E sigma^4 */
int da_direct_setup(da_direct *dd, const da_act *act)
{
    memset(dd, 0, sizeof *dd);
    dd->act = act;
    dd->parity = da_expr_parity(act->expr);
    if (da_declog_init(&dd->log, 16))
        return DA_ENOMEM;
    da_env env;
    if (da_expr_envelope(&env, act->expr) != DA_OK || env.q > 0 || !(env.A >= 0) ||
        !isfinite(env.A) || !isfinite(env.m) || !isfinite(env.c) || env.m > 50 || env.c > 50)
        return DA_OK;   /* no proved growth bound that the tails can use */
    da_tape_ball *w = da_tape_ball_new(act->tape, 64);
    if (!w)
        return DA_ENOMEM;
    arb_t x, y;
    arb_init(x);
    arb_init(y);
    /* one branch on the whole range: every switch decided strictly, the
       same way on every piece of [-R, R] (a wide ball makes ball
       arithmetic overflow, so the range is taken in unit pieces) */
    int ok = 1;
    da_declog pl;
    if (da_declog_init(&pl, 16)) {
        arb_clear(x);
        arb_clear(y);
        da_tape_ball_free(w);
        return DA_ENOMEM;
    }
    for (int j = -(int)DIR_RANGE; j < (int)DIR_RANGE && ok; j++) {
        arb_set_d(x, j + 0.5);
        mag_set_d(arb_radref(x), 0.5);
        da_declog *l = j == -(int)DIR_RANGE ? &dd->log : &pl;
        if (da_tape_arb_decide(w, y, x, l, NULL) != DA_BALL_OK || l->overflow)
            ok = 0;
        else if (l == &pl && (pl.n != dd->log.n ||
                              memcmp(pl.v, dd->log.v, (size_t)pl.n * sizeof *pl.v)))
            ok = 0;
    }
    da_declog_clear(&pl);
    /* sup |sigma| on [-1, 1], in 16 pieces */
    double B0 = ok ? 0 : INFINITY;
    for (int j = 0; j < 16 && ok; j++) {
        arb_set_d(x, -1 + (j + 0.5) / 8);
        mag_set_d(arb_radref(x), 1.0 / 16);
        if (da_tape_arb_enclose(w, y, x) == DA_BALL_OK && arb_is_finite(y)) {
            mag_t t;
            mag_init(t);
            arb_get_mag(t, y);
            B0 = fmax(B0, mag_get_d(t));
            mag_clear(t);
        } else {
            B0 = INFINITY;
        }
    }
    if (ok && isfinite(B0)) {
        dd->ok = 1;
        if (env.m <= 0 && env.c <= 0) {
            /* |sigma| <= A |x|^m <= A for |x| >= 1 */
            dd->M = fmax(B0, env.A);   /* both upper bounds (mag_get_d rounds up) */
        } else {
            dd->M = INFINITY;
        }
        /* E sigma^4 <= B0^4 + A^4 E[|X|^4m e^{4c|X|}]
                     <= B0^4 + A^4 sqrt(E|X|^8m) sqrt(E e^{8c|X|}),
           E|X|^p = 2^{p/2} Gamma((p+1)/2)/sqrt(pi), E e^{g|X|} <= 2 e^{g^2/2} */
        arb_t t, u;
        arb_init(t);
        arb_init(u);
        double p = 8 * fmax(env.m, 0);
        arb_set_d(t, (p + 1) / 2);
        arb_gamma(t, t, 64);
        arb_set_d(u, p / 2);
        arb_set_ui(y, 2);
        arb_pow(u, y, u, 64);
        arb_mul(t, t, u, 64);
        arb_const_sqrt_pi(u, 64);
        arb_div(t, t, u, 64);
        arb_sqrt(t, t, 64);                        /* sqrt(E|X|^8m) */
        double g = 8 * fmax(env.c, 0);
        arb_set_d(u, g);
        arb_mul(u, u, u, 64);
        arb_mul_2exp_si(u, u, -1);
        arb_exp(u, u, 64);
        arb_mul_2exp_si(u, u, 1);
        arb_sqrt(u, u, 64);                        /* sqrt(E e^{8c|X|}) */
        arb_mul(t, t, u, 64);
        arb_set_d(u, env.A);
        arb_pow_ui(u, u, 4, 64);
        arb_mul(t, t, u, 64);
        arb_set_d(u, B0);
        arb_pow_ui(u, u, 4, 64);
        arb_add(t, t, u, 64);
        mag_t m;
        mag_init(m);
        arb_get_mag(m, t);
        dd->m4 = mag_get_d(m);
        mag_clear(m);
        arb_clear(t);
        arb_clear(u);
        if (!isfinite(dd->m4))
            dd->ok = 0;
    }
    arb_clear(x);
    arb_clear(y);
    da_tape_ball_free(w);
    return DA_OK;
}

/* ---- one evaluation ------------------------------------------------- */

typedef struct {
    const da_direct *dd;
    slong prec;
    da_tape_ball *w;
    arb_t sr, s;            /* sqrt(rho), sqrt(1 - rho) */
    double srd, sd;         /* upper bounds in double */
    double T;
    long ncells;            /* the coarse cells of the u-line for |h| bounds */
    double *clo, *chi;
    arb_ptr iu, iw;         /* the inner rule of the current J: nodes, weights */
    slong *ip;              /* and the precision each node needs */
    long ni, capi;
    long nodes;
    double inner_width, outer_width;
    acb_t z, fz, b;
    arb_t t1, t2, y, h, acc;
} dq;

/* sup phi(x) for x in [lo, hi], in double: an estimate, which only sets
   a working precision (the bounds of the proof are da_phi_box_sup's) */
static double phi_sup(double lo, double hi)
{
    double xmin = (lo <= 0 && hi >= 0) ? 0 : fmin(fabs(lo), fabs(hi));
    return exp(-xmin * xmin / 2) * 0.3989422804014328;
}

/* |sigma| on the box sqrt(rho) Zw + s Zu: 0 when not analytic / bounded */
static int sig_box(dq *q, mag_t out, const acb_t Zw, const acb_t Zu)
{
    acb_mul_arb(q->b, Zw, q->sr, 64);
    acb_mul_arb(q->z, Zu, q->s, 64);
    acb_add(q->b, q->b, q->z, 64);
    if (da_tape_acb_follow(q->w, q->fz, q->b, &q->dd->log))
        return 0;
    acb_get_mag(out, q->fz);
    return mag_is_finite(out);
}

/* the real ball holding [lo, hi] (Arb, outward) */
static void interval_set(arb_t x, double lo, double hi)
{
    arf_t a, b;
    arf_init(a);
    arf_init(b);
    arf_set_d(a, lo);
    arf_set_d(b, hi);
    arb_set_interval_arf(x, a, b, 64);
    arf_clear(a);
    arf_clear(b);
}

/* the box [lo, hi] on the real axis */
static void box_set(acb_t Z, double lo, double hi)
{
    interval_set(acb_realref(Z), lo, hi);
    arb_zero(acb_imagref(Z));
}

/* sup |h_T(w)| for w in the box Zw: sum over the coarse cells of
   sup |sigma(sqrt(rho) Zw + s cell)| times the cell's Gaussian mass */
static int h_bound(dq *q, mag_t out, const acb_t Zw)
{
    acb_t Zu;
    acb_init(Zu);
    mag_t t, sum;
    mag_init(t);
    mag_init(sum);
    int ok = 1;
    for (long j = 0; j < q->ncells && ok; j++) {
        double lo = q->clo[j], hi = q->chi[j];
        box_set(Zu, lo, hi);
        if (!sig_box(q, t, Zw, Zu)) {
            ok = 0;
            break;
        }
        /* the cell's mass <= its width (2 rad >= hi - lo) sup phi */
        mag_t mm;
        mag_init(mm);
        da_phi_box_sup(mm, Zu);
        mag_mul(t, t, mm);
        mag_mul(t, t, arb_radref(acb_realref(Zu)));
        mag_mul_2exp_si(t, t, 1);
        mag_clear(mm);
        mag_add(sum, sum, t);
    }
    mag_set(out, sum);
    mag_clear(t);
    mag_clear(sum);
    acb_clear(Zu);
    return ok;
}

/* the smallest n of the list with (64/15) r M rho^-2n / (rho^2 - 1) <= tol,
   over the ellipses tried; bound(...) gives M for the ellipse E_rho of
   [c - r, c + r].  -1 when none fits under the cap. */
typedef int (*ell_bound_fn)(dq *q, mag_t M, double c, double r, double rho, void *ctx);

static long pick_n(dq *q, double *rbest, double c, double r, double ltol, double bemax,
                   ell_bound_fn fn, void *ctx)
{
    long best = -1;
    mag_t M;
    mag_init(M);
    for (size_t j = 0; j < sizeof drhos / sizeof *drhos; j++) {
        double rho = drhos[j];
        double be = r * (rho - 1 / rho) / 2;   /* only compared with bemax */
        if (be > bemax)
            break;
        if (!fn(q, M, c, r, rho, ctx))
            break;
        double lM = mag_get_d_log2_approx(M);
        double need = log2(64.0 / 15 * r) + lM - log2(rho * rho - 1) - ltol;
        long n = need <= 0 ? 2 : (long)ceil(need / (2 * log2(rho))) + 1;
        long nn = -1;
        for (size_t k = 0; k < sizeof dsizes / sizeof *dsizes; k++)
            if (dsizes[k] >= n) {
                nn = dsizes[k];
                break;
            }
        if (nn > 0 && (best < 0 || nn < best)) {
            best = nn;
            *rbest = rho;
        }
    }
    mag_clear(M);
    return best;
}

/* the proved error scale of an n-point rule on an ellipse rho */
static void gl_err(mag_t err, const mag_t M, double r, double rho, long n)
{
    mag_t c;
    mag_init(c);
    mag_set_d(c, r);
    da_gl_err_scale(err, c, rho, n);   /* in Arb, any rho */
    mag_mul(err, err, M);
    mag_clear(c);
}

/* sup of phi(z) g(z) over the Bernstein ellipse E_rho of [c - r, c + r]
   (semi-axes al, be >= r (rho +- 1/rho)/2 formed in Arb), covered by four
   boxes side by side along the real axis (box K: real parts
   c + al [u0, u1], |Im| <= be sqrt(1 - umin^2), da_gl_ellipse_box); gbox
   bounds |g| on a box, 0 when g is not analytic or bounded there */
typedef int (*box_bound_fn)(dq *q, mag_t out, const acb_t Z, void *ctx);

static int strip_bound(dq *q, mag_t M, double c, double r, double rho, box_bound_fn gbox,
                       void *ctx)
{
    acb_t Z;
    acb_init(Z);
    mag_t t, f, al, be;
    mag_init(t);
    mag_init(f);
    mag_init(al);
    mag_init(be);
    arf_t m;
    arf_init(m);
    arf_set_d(m, c);
    da_gl_ellipse_axes(al, be, r, rho);
    mag_zero(M);
    int ok = 1;
    for (int K = 0; K < 4 && ok; K++) {
        da_gl_ellipse_box(Z, m, al, be, K, 4);
        ok = gbox(q, t, Z, ctx);
        if (!ok)
            break;
        da_phi_box_sup(f, Z);
        mag_mul(t, t, f);
        mag_max(M, M, t);
    }
    arf_clear(m);
    mag_clear(t);
    mag_clear(f);
    mag_clear(al);
    mag_clear(be);
    acb_clear(Z);
    return ok;
}

/* |sigma(sqrt(rho) J + s Zu)|, J a real ball (ctx) */
static int inner_box(dq *q, mag_t out, const acb_t Zu, void *ctx)
{
    acb_t Zw;
    acb_init(Zw);
    acb_set_arb(Zw, (const arb_struct *)ctx);
    int ok = sig_box(q, out, Zw, Zu);
    acb_clear(Zw);
    return ok;
}

/* |h_T(Zw)|^2 */
static int outer_box(dq *q, mag_t out, const acb_t Zw, void *ctx)
{
    (void)ctx;
    if (!h_bound(q, out, Zw))
        return 0;
    mag_mul(out, out, out);
    return 1;
}

/* inner ellipse bound: |phi(z) sigma(sqrt(rho) J + s z)| on the ellipse
   around the cell, J a real ball (ctx) */
static int inner_bound(dq *q, mag_t M, double c, double r, double rho, void *ctx)
{
    return strip_bound(q, M, c, r, rho, inner_box, ctx);
}

/* outer ellipse bound: phi(w) |h_T(w)|^2 */
static int outer_bound(dq *q, mag_t M, double c, double r, double rho, void *ctx)
{
    return strip_bound(q, M, c, r, rho, outer_box, ctx);
}

/* the rule of the cell [lo, hi] for the bound fn: n (> 0) with the
   ellipse *rb and the proved error err of the rule; 0 when no rule fits
   and the cell has been split onto the stack (stk, *ns, cap entries);
   -1 when it can be split no further */
static long cell_rule(dq *q, double *rb, mag_t err, double *stk, long *ns, long cap,
                      double lo, double hi, double lt, ell_bound_fn fn, void *ctx)
{
    double c = (lo + hi) / 2, r = (hi - lo) / 2;
    long n = pick_n(q, rb, c, r, lt, 1e300, fn, ctx);
    if (n < 0) {
        if (r < 1.0 / 64 || *ns + 4 > cap)
            return -1;
        stk[(*ns)++] = lo;
        stk[(*ns)++] = c;
        stk[(*ns)++] = c;
        stk[(*ns)++] = hi;
        return 0;
    }
    mag_t M;
    mag_init(M);
    if (!fn(q, M, c, r, *rb, ctx))
        mag_inf(M);   /* (pick_n had a finite bound there) */
    gl_err(err, M, r, *rb, n);
    mag_clear(M);
    return n;
}

static int push_node(dq *q, const arb_t u, const arb_t wt)
{
    if (q->ni == q->capi) {
        long cap = q->capi ? 2 * q->capi : 256;
        arb_ptr nu = _arb_vec_init(cap), nw = _arb_vec_init(cap);
        for (long i = 0; i < q->ni; i++) {
            arb_swap(nu + i, q->iu + i);
            arb_swap(nw + i, q->iw + i);
        }
        if (q->capi) {
            _arb_vec_clear(q->iu, q->capi);
            _arb_vec_clear(q->iw, q->capi);
        }
        q->iu = nu;
        q->iw = nw;
        slong *np = realloc(q->ip, (size_t)cap * sizeof *np);
        if (!np)
            return DA_ENOMEM;
        q->ip = np;
        q->capi = cap;
    }
    arb_set(q->iu + q->ni, u);
    arb_set(q->iw + q->ni, wt);
    slong p = q->prec;
    if (arb_is_finite(wt) && !arb_contains_zero(wt)) {
        slong e = arf_abs_bound_lt_2exp_si(arb_midref(wt));   /* |wt| < 2^e */
        if (e < 0)
            p = q->prec + (e / 32) * 32;
        if (p < 64)
            p = 64;
    }
    q->ip[q->ni] = p;
    q->ni++;
    return DA_OK;
}

/* r = a * d, r = a + d for a double d (exact as an arb) */
static void mul_dbl(arb_t r, const arb_t a, double d, slong prec)
{
    arb_t t;
    arb_init(t);
    arb_set_d(t, d);
    arb_mul(r, a, t, prec);
    arb_clear(t);
}

static void add_dbl(arb_t r, const arb_t a, double d, slong prec)
{
    arb_t t;
    arb_init(t);
    arb_set_d(t, d);
    arb_add(r, a, t, prec);
    arb_clear(t);
}

/* the inner rule for the outer interval J = [a, b]: nodes u and weights
   (GL weight times phi(u)) of cells covering [-T, T], with the proved
   error err of h_T at every w in J; tolerance tol for that error.
   DA_OK, DA_EACCURACY (a cell does not fit) or DA_ENOMEM */
static int inner_rule(dq *q, mag_t err, double a, double b, double ltol)
{
    arb_t J, u, wt;
    arb_init(J);
    arb_init(u);
    arb_init(wt);
    interval_set(J, a, b);
    q->ni = 0;
    mag_zero(err);
    int st = DA_OK;
    /* cells of width 1, bisected when no rule fits */
    double stk[2048];
    long ns = 0;
    {
        double wd = q->inner_width;
        for (double c = -q->T; c < q->T - 1e-9; c += wd) {
            stk[ns++] = c;
            stk[ns++] = fmin(c + wd, q->T);
        }
    }
    mag_t e1;
    mag_init(e1);
    while (ns > 0 && st == DA_OK) {
        double hi = stk[--ns], lo = stk[--ns];
        double c = (lo + hi) / 2, r = (hi - lo) / 2;
        double rb = 0;
        /* this cell's share of the tolerance: its width over the line */
        double lt = ltol + log2(fmax(2 * r / (2 * q->T), 1.0 / 4096));
        long n = cell_rule(q, &rb, e1, stk, &ns, (long)(sizeof stk / sizeof *stk), lo, hi, lt,
                           inner_bound, J);
        if (n < 0) {
            st = DA_EACCURACY;
            break;
        }
        if (n == 0)
            continue;
        mag_add(err, err, e1);
        arb_srcptr gx, gw;
        if (da_gl_rule(&gx, &gw, n, q->prec)) {
            st = DA_ENOMEM;
            break;
        }
        for (long i = 0; i < n; i++) {
            mul_dbl(u, gx + i, r, q->prec);
            add_dbl(u, u, c, q->prec);
            da_arb_phi(wt, u, q->prec);
            arb_mul(wt, wt, gw + i, q->prec);
            mul_dbl(wt, wt, r, q->prec);
            if (push_node(q, u, wt)) {
                st = DA_ENOMEM;
                break;
            }
        }
    }
    mag_clear(e1);
    arb_clear(J);
    arb_clear(u);
    arb_clear(wt);
    return st;
}

/* Step 1 of da_direct_eval: the workspace, with sr = sqrt(rho) and
   s = sqrt(1 - rho).  DA_OK or DA_ENOMEM (nothing to free). */
static int dq_start(dq *q, const da_direct *dd, const arb_t rho, slong prec)
{
    memset(q, 0, sizeof *q);
    q->dd = dd;
    q->prec = prec;
    q->w = da_tape_ball_new(dd->act->tape, prec);
    if (!q->w)
        return DA_ENOMEM;
    acb_init(q->z);
    acb_init(q->fz);
    acb_init(q->b);
    arb_init(q->sr);
    arb_init(q->s);
    arb_init(q->t1);
    arb_init(q->t2);
    arb_init(q->y);
    arb_init(q->h);
    arb_init(q->acc);
    arb_sqrt(q->sr, rho, prec);
    arb_one(q->s);
    arb_sub(q->s, q->s, rho, prec);
    arb_sqrt(q->s, q->s, prec);
    return DA_OK;
}

/* the last step: the workspace freed */
static void dq_finish(dq *q)
{
    free(q->clo);
    free(q->chi);
    free(q->ip);
    if (q->capi) {
        _arb_vec_clear(q->iu, q->capi);
        _arb_vec_clear(q->iw, q->capi);
    }
    acb_clear(q->z);
    acb_clear(q->fz);
    acb_clear(q->b);
    arb_clear(q->sr);
    arb_clear(q->s);
    arb_clear(q->t1);
    arb_clear(q->t2);
    arb_clear(q->y);
    arb_clear(q->h);
    arb_clear(q->acc);
    da_tape_ball_free(q->w);
}

/* Step 2: the truncation point q->T (from 4 by halves) where the tail
   bound (into tail) is below tol/4.  DA_OK, or DA_EACCURACY at DIR_TMAX
   (q->T and tail then those of DIR_TMAX). */
static int truncation_point(dq *q, mag_t tail, const mag_t tol)
{
    const da_direct *dd = q->dd;
    int st = DA_OK;
    double T = 4;
    for (;; T += 0.5) {
        arb_set_d(q->t1, T);
        arb_sqrt_ui(q->t2, 2, 64);
        arb_div(q->t1, q->t1, q->t2, 64);
        arb_hypgeom_erfc(q->t1, q->t1, 64);
        arb_mul_ui(q->t1, q->t1, 3, 64);          /* P */
        arb_get_mag(tail, q->t1);
        mag_t a, bq;
        mag_init(a);
        mag_init(bq);
        mag_set_d(bq, dd->m4);
        mag_mul(bq, bq, tail);
        mag_sqrt(bq, bq);
        if (isfinite(dd->M)) {
            mag_set_d(a, dd->M);
            mag_mul(a, a, a);
            mag_mul(a, a, tail);
            mag_min(bq, bq, a);
        }
        mag_set(tail, bq);
        mag_clear(a);
        mag_clear(bq);
        mag_t t4;
        mag_init(t4);
        mag_mul_2exp_si(t4, tol, -2);
        int fits = mag_cmp(tail, t4) <= 0;
        mag_clear(t4);
        if (fits)
            break;
        if (T >= DIR_TMAX) {
            st = DA_EACCURACY;
            break;
        }
    }
    q->T = T;
    return st;
}

/* Step 3: the coarse cells [clo, chi] of the u-line for the bounds of
   |h_T| (width 1/2 near 0, 1 beyond 4, 4 beyond 8).  DA_OK or DA_ENOMEM. */
static int coarse_cells(dq *q)
{
    double T = q->T;
    long cap = (long)(8 * T) + 8;
    q->clo = malloc((size_t)cap * sizeof(double));
    q->chi = malloc((size_t)cap * sizeof(double));
    if (!q->clo || !q->chi)
        return DA_ENOMEM;
    long n = 0;
    for (double c = -T; c < T - 1e-9;) {
        double ac = fmin(fabs(c), fabs(c + 0.5));
        double wd = ac < 4 ? 0.5 : ac < 8 ? 1.0 : 4.0;
        double e = c + wd > T ? T : c + wd;
        q->clo[n] = c;
        q->chi[n] = e;
        n++;
        c = e;
    }
    q->ncells = n;
    return DA_OK;
}

/* the working precision of an outer cell [lo, hi] whose terms are at most
   phi(J) |h|^2, |h| <= 2^lh: prec lowered by the bits below 1, not under 64 */
static slong cell_prec(double lo, double hi, double lh, slong prec)
{
    slong pJ = prec;
    double lJ = log2(phi_sup(lo, hi)) + 2 * fmax(lh, -4);
    if (lJ < 0)
        pJ = prec + (slong)ceil(lJ / 32) * 32;
    if (pJ < 64)
        pJ = 64;
    return pJ;
}

/* Step 4b: the n outer nodes of the cell of centre c and half-width rr
   (GL nodes gx, weights gw): each h_T(w) by the inner rule (nodes q->iu,
   weights q->iw, error ein), squared, times phi(w) and the weight, added
   to q->acc.  DA_OK, or DA_EDOM when sigma is not enclosed at a node. */
static int outer_cell_terms(dq *q, arb_srcptr gx, arb_srcptr gw, long n, double c, double rr,
                            slong pJ, const mag_t ein)
{
    const da_direct *dd = q->dd;
    slong prec = q->prec;
    int st = DA_OK;
    for (long i = 0; i < n; i++) {
        arb_t w, x, f;
        arb_init(w);
        arb_init(x);
        arb_init(f);
        mul_dbl(w, gx + i, rr, prec);
        add_dbl(w, w, c, prec);
        arb_zero(q->h);
        slong pcur = -1;
        for (long k = 0; k < q->ni; k++) {
            /* a term of weight 2^-e needs e fewer bits than the
               largest: the precision of each node follows its
               weight (in steps of 32 bits), the radii stay proved */
            slong pk = q->ip[k] < pJ ? q->ip[k] : pJ;
            if (pk != pcur) {
                da_tape_ball_set_prec(q->w, pk);
                pcur = pk;
            }
            arb_mul(x, q->sr, w, pk);
            arb_addmul(x, q->s, q->iu + k, pk);
            if (da_tape_arb_enclose(q->w, f, x) || !arb_is_finite(f)) {
                st = DA_EDOM;
                break;
            }
            arb_addmul(q->h, f, q->iw + k, prec);
        }
        da_tape_ball_set_prec(q->w, prec);
        q->nodes += q->ni;
        if (st == DA_OK) {
            arb_add_error_mag(q->h, ein);
            arb_sqr(q->h, q->h, prec);
            da_arb_phi(f, w, prec);
            arb_mul(q->h, q->h, f, prec);
            arb_mul(q->h, q->h, gw + i, prec);
            mul_dbl(q->h, q->h, dd->parity ? 2 * rr : rr, prec);
            arb_add(q->acc, q->acc, q->h, prec);
        }
        arb_clear(w);
        arb_clear(x);
        arb_clear(f);
        if (st)
            break;
    }
    return st;
}

/* Step 4: the outer rule, cells of width q->outer_width over [-T, T]
   ([0, T] twice when sigma is even or odd), bisected when needed: the
   sum into q->acc, the proved quadrature errors into err, tolerance tol
   (tol/4 for the outer rules).  Runs only while st (given) is DA_OK;
   returns the status. */
static int outer_sum(dq *q, mag_t err, const mag_t tol, int st)
{
    const da_direct *dd = q->dd;
    slong prec = q->prec;
    double T = q->T;
    mag_t e1, ein;
    mag_init(e1);
    mag_init(ein);
    double stk[2048];
    long ns = 0;
    /* with sigma even or odd, h^2 is even: [0, T] twice */
    double lo0 = dd->parity ? 0 : -T;
    for (double c = T; c > lo0 + 1e-9; c -= q->outer_width) {
        stk[ns++] = fmax(c - q->outer_width, lo0);
        stk[ns++] = c;
    }
    double ltol = mag_get_d_log2_approx(tol) - 2;   /* tol/4 for the outer rules */
    double lti = mag_get_d_log2_approx(tol) - 4;    /* inner: scaled by 1/|2 h| below */
    /* the strip of analyticity is not known: the ellipses grow until a
       bound fails */
    da_prog prog;
    long cells = 0;
    da_prog_start(&prog);
    while (ns > 0 && st == DA_OK) {
        if (da_time_left() <= 0) {
            st = DA_EACCURACY;
            break;
        }
        da_prog_tick(&prog, "direct quadrature cells", cells++);
        double hi = stk[--ns], lo = stk[--ns];
        double c = (lo + hi) / 2, rr = (hi - lo) / 2;
        double rb = 0;
        double lt = ltol + log2(fmax(2 * rr / (2 * T), 1.0 / 4096));
        if (dd->parity)
            lt -= 1;   /* each cell counts twice */
        long n = cell_rule(q, &rb, e1, stk, &ns, (long)(sizeof stk / sizeof *stk), lo, hi, lt,
                           outer_bound, NULL);
        if (n < 0) {
            st = DA_EACCURACY;
            break;
        }
        if (n == 0)
            continue;
        if (dd->parity)
            mag_mul_2exp_si(e1, e1, 1);
        mag_add(err, err, e1);
        /* |h_T| on J bounds the effect of the inner error: |h^2 - g^2|
           <= (2|h| + e) e; the inner tolerance is scaled by it */
        acb_t Zw;
        acb_init(Zw);
        box_set(Zw, lo, hi);
        mag_t hJ;
        mag_init(hJ);
        int hok = h_bound(q, hJ, Zw);
        acb_clear(Zw);
        double lh = hok ? mag_get_d_log2_approx(hJ) : 0;
        mag_clear(hJ);
        double lin = lti + log2(fmax(2 * rr / (2 * T), 1.0 / 4096)) - fmax(lh + 1, 0);
        /* this cell's terms are at most phi(J) |h|^2: its precision */
        slong pJ = cell_prec(lo, hi, lh, prec);
        st = inner_rule(q, ein, lo, hi, lin);
        if (st)
            break;
        arb_srcptr gx, gw;
        if (da_gl_rule(&gx, &gw, n, prec)) {
            st = DA_ENOMEM;
            break;
        }
        st = outer_cell_terms(q, gx, gw, n, c, rr, pJ, ein);
    }
    da_prog_end(&prog, "direct quadrature cells");
    mag_clear(e1);
    mag_clear(ein);
    return st;
}

/* E[sigma(X) sigma(Y)] at corr(X, Y) = rho, 0 <= rho < 1 exact, into r,
   with error at most 2^log2_tol if the work allows.  DA_OK, DA_EACCURACY
   (r proved but wider: the time limit or a cell without a fitting rule),
   DA_EDOM (not applicable), DA_ENOMEM.  In steps: the workspace
   (dq_start), the truncation point (truncation_point), the coarse cells
   for the bounds of h (coarse_cells), the outer rule with an inner rule
   per outer cell (outer_sum); r is the sum with the quadrature and the
   tail errors. */
int da_direct_eval(arb_t r, const da_direct *dd, const arb_t rho, double log2_tol, slong prec)
{
    if (!dd->ok)
        return DA_EDOM;
    {
        arb_t one;
        arb_init(one);
        arb_one(one);
        int bad = !arb_is_nonnegative(rho) || !arb_lt(rho, one);
        arb_clear(one);
        if (bad)
            return DA_EDOM;
    }
    dq Q;
    dq *q = &Q;
    if (dq_start(q, dd, rho, prec))
        return DA_ENOMEM;
    mag_t tol, tail, err;
    mag_init(tol); mag_init(tail); mag_init(err);
    mag_set_ui_2exp_si(tol, 1, (slong)floor(log2_tol));
    /* the truncation point: the tail bound below tol/4 */
    int st = truncation_point(q, tail, tol);
    /* measured on tanh at 100 digits: one inner cell over the whole line
       (bisected when no rule of at most 384 nodes fits) and outer cells
       of width 2 cost the fewest evaluations */
    q->inner_width = 2 * q->T;
    q->outer_width = 2;
    q->srd = arf_get_d(arb_midref(q->sr), ARF_RND_UP);
    q->sd = arf_get_d(arb_midref(q->s), ARF_RND_UP);
    if (coarse_cells(q))
        st = DA_ENOMEM;
    else
        st = outer_sum(q, err, tol, st);
    if (st == DA_OK || st == DA_EACCURACY) {
        if (st == DA_EACCURACY)
            arb_indeterminate(r);
        else {
            arb_set(r, q->acc);
            arb_add_error_mag(r, err);
            arb_add_error_mag(r, tail);
        }
    }
    mag_clear(tol); mag_clear(tail); mag_clear(err);
    dq_finish(q);
    return st;
}

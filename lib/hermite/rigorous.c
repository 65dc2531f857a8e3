/* rigorous.c -- Hermite coefficients with proved error bounds (Arb).
 *
 * a_k = E[sigma(X) h_k(X)] = int sigma(x) He_k(x) phi(x) dx / sqrt(k!)
 * is split as the integral over [-T, T] plus the two tails, and every
 * part gets a proved bound (docs/numerics.md, "The rigorous engine"):
 *
 * Tails.  An envelope |sigma(x)| <= A |x|^m e^{c|x| + q x^2} (|x| >= 1)
 * proved by the algebra of expr_envelope.c, Cramer-free: with
 * P_k(t) = i^-k He_k(i t) (the Hermite polynomial with its coefficients
 * made positive), |He_k(x)| <= P_k(|x|) and P_k(x) <= P_k(T)(x/T)^k for
 * x >= T, and for h(x) = p log x + c x - b x^2 concave,
 * int_T^oo e^h <= e^{h(T)} / -h'(T).  Hence, with b = 1/2 - q,
 *     |tail of a_k| <= 2 A P_k(T) T^m e^{cT - bT^2}
 *                      / (sqrt(2 pi) sqrt(k!) (2bT - c - max(m+k,0)/T)),
 * and the same with the squared envelope for E sigma^2 and E sigma'^2.
 *
 * Interior.  [-T, T] is cut at 0 and at the breakpoints the analysis
 * suggests (approximations: correctness does not depend on them), then
 * bisected adaptively.  On an interval I = [m - r, m + r]:
 *   - the switches of sigma are decided on I in real ball arithmetic
 *     (tape_ball.h); sigma is then the analytic branch that holds on I;
 *   - for a few rho, the box around the Bernstein ellipse E_rho of I is
 *     evaluated in complex ball arithmetic along that branch, giving
 *     S >= |sigma|, F >= |phi| and R >= |z| there; |He_k| <= P_k(R);
 *   - the n-point Gauss-Legendre rule then has, for g analytic in E_rho
 *     with |g| <= M (Trefethen, ATAP Thm 19.3),
 *         |int_I g - Q_n(g)| <= r (64/15) M rho^{-2n} / (rho^2 - 1),
 *     applied with M = F S P_k(R) / sqrt(k!) for a_k, F S^2 for E sigma^2,
 *     F S'^2 for E sigma'^2: one pass over the nodes serves every k;
 *   - where no rho gives a finite bound with an affordable n, I is
 *     bisected; an interval on which sigma cannot be decided (it holds a
 *     breakpoint) becomes a sliver once it is narrow: its contribution is
 *     the ball 0 +- |I| sup|sigma| sup phi P_k(sup|x|) / sqrt(k!), from
 *     the enclosure mode.  Poles near the axis, narrow bumps and
 *     endpoint singularities are localised by the same bisection.
 * The rule's nodes and weights are Arb balls, and the sums are ball sums:
 * rounding is accounted for by Arb.
 *
 * Work budget: intervals, nodes and wall time.  When it runs out, the
 * intervals left are closed as slivers (a proved, possibly huge, bound)
 * and the caller reports DA_EACCURACY with what was proved.
 */
#include "core/core.h"
#include "hermite/hermite.h"
#include "hermite/rigorous.h"
#include "act/envelope.h"
#include "act/tape_ball.h"
#include "quad/gl_arb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

void da_rig_opts_init(da_rig_opts *o)
{
    o->N = 10;
    o->prec = 128;
    o->log2_tol = -100;
    o->want_d = 1;
    o->max_intervals = 400000;
    o->max_nodes = 40000000;
    o->max_seconds = 60;
    o->progress = NULL;
    o->progress_ctx = NULL;
    o->prog = NULL;
}

void da_rig_result_clear(da_rig_result *r)
{
    if (r->a)
        _arb_vec_clear(r->a, r->N + 1);
    r->a = NULL;
    if (r->init) {
        arb_clear(r->s2);
        arb_clear(r->d2);
        r->init = 0;
    }
}

static double now_seconds(void)
{
    return da_work_clock();
}

/* ---- the state of one computation ---------------------------------- */

typedef struct {
    arf_t a, b;
    int depth;
} ivl;

typedef struct {
    const da_rig_opts *o;
    long N;
    slong prec;
    da_tape_ball *ws, *wd;      /* sigma, sigma' (wd NULL: no E sigma'^2) */
    int par, pard;              /* parities of sigma, sigma' (da_expr_parity): 1 even,
                                   -1 odd, 0 unknown; sigma(-x) = par sigma(x) */
    da_declog lg, lgd, lgn, lgdn, ref, refd;   /* logs of the +side, the -side */
    arb_ptr A;                  /* int sigma He_k phi over what is done */
    arb_t s2, d2;
    mag_ptr err;                /* error of a_k (already / sqrt(k!)) */
    mag_t errs2, errd2;
    mag_ptr invsf;              /* >= 1/sqrt(k!) */
    mag_ptr pk;                 /* scratch P_k(R) */
    mag_ptr fp;                 /* sup |phi(z)| P_k(|z|) over an ellipse (fp_bounds) */
    double T;
    mag_t tol, tol_sliver;      /* per-interval tolerances (tol for the whole line) */
    double log2_tol;
    long nodes, intervals, slivers;
    double t0;
    da_prog own;                /* progress for da_progress_set's hook */
    da_prog *prog;              /* the caller's or own */
    int budget_hit;
    int stopped;             /* the poll asked to stop inside an interval */
    /* stack */
    ivl *st;
    long nst, capst;
    /* scratch */
    arb_t x, y, yd, ph, h0, h1, h2, v, t1, t2;
    acb_t z, fz;
} eng;

static int push(eng *e, const arf_t a, const arf_t b, int depth)
{
    if (e->nst == e->capst) {
        long cap = e->capst ? 2 * e->capst : 64;
        ivl *q = realloc(e->st, (size_t)cap * sizeof *q);
        if (!q)
            return da_fail(DA_ENOMEM, "out of memory (interval stack)");
        for (long i = e->capst; i < cap; i++) {
            arf_init(q[i].a);
            arf_init(q[i].b);
        }
        e->st = q;
        e->capst = cap;
    }
    arf_set(e->st[e->nst].a, a);
    arf_set(e->st[e->nst].b, b);
    e->st[e->nst].depth = depth;
    e->nst++;
    return DA_OK;
}

/* P_k(R) for k = 0..N into e->pk; returns max_k P_k(R)/sqrt(k!) in hmax */
static void pk_bounds(eng *e, mag_t hmax, const mag_t R)
{
    mag_t t;
    mag_init(t);
    mag_one(e->pk + 0);
    if (e->N >= 1)
        mag_set(e->pk + 1, R);
    for (long k = 1; k < e->N; k++) {
        mag_mul(e->pk + k + 1, R, e->pk + k);
        mag_mul_ui(t, e->pk + k - 1, (ulong)k);
        mag_add(e->pk + k + 1, e->pk + k + 1, t);
    }
    mag_zero(hmax);
    for (long k = 0; k <= e->N; k++) {
        mag_mul(t, e->pk + k, e->invsf + k);
        mag_max(hmax, hmax, t);
    }
    mag_clear(t);
}

/* sup phi over real parts in [m - al, m + al], imaginary |y| <= be:
   exp((be^2 - xmin^2)/2)/sqrt(2 pi), xmin = max(0, |m| - al) */
static void phi_bound(mag_t F, const arf_t m, const mag_t al, const mag_t be)
{
    arb_t t, u;
    arb_init(t);
    arb_init(u);
    arf_abs(arb_midref(t), m);
    arb_set_arf(t, arb_midref(t));
    arf_t alf;
    arf_init(alf);
    arf_set_mag(alf, al);
    arb_sub_arf(t, t, alf, 64);          /* |m| - al (exact-ish ball) */
    arf_clear(alf);
    /* lower end, clamped at 0 */
    arf_t lo;
    arf_init(lo);
    arb_get_lbound_arf(lo, t, 64);
    if (arf_sgn(lo) < 0)
        arf_zero(lo);
    arb_set_arf(t, lo);
    arf_clear(lo);
    arb_sqr(t, t, 64);                   /* xmin^2 */
    arf_t bf;
    arf_init(bf);
    arf_set_mag(bf, be);
    arb_set_arf(u, bf);
    arf_clear(bf);
    arb_sqr(u, u, 64);                   /* be^2 */
    arb_sub(t, u, t, 64);
    arb_mul_2exp_si(t, t, -1);
    arb_exp(t, t, 64);
    arb_const_pi(u, 64);
    arb_mul_2exp_si(u, u, 1);
    arb_rsqrt(u, u, 64);
    arb_mul(t, t, u, 64);
    arb_get_mag(F, t);
    arb_clear(t);
    arb_clear(u);
}

/* x = [a, b] exactly when (b - a)/2 has at most 30 significant bits
   (the grid of the driver sees to it); otherwise a ball around it */
static void set_interval_exact(arb_t x, const arf_t a, const arf_t b, slong prec)
{
    arf_t m, r;
    arf_init(m);
    arf_init(r);
    arf_add(m, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_mul_2exp_si(m, m, -1);
    arf_sub(r, b, a, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_mul_2exp_si(r, r, -1);
    fmpz_t man, ex;
    fmpz_init(man);
    fmpz_init(ex);
    arf_get_fmpz_2exp(man, ex, r);
    if (fmpz_sgn(man) >= 0 && fmpz_bits(man) <= 30 && fmpz_fits_si(ex)) {
        arf_set(arb_midref(x), m);
        mag_set_ui_2exp_si(arb_radref(x), fmpz_get_ui(man), fmpz_get_si(ex));
    } else {
        arb_set_interval_arf(x, a, b, prec);
    }
    fmpz_clear(man);
    fmpz_clear(ex);
    arf_clear(m);
    arf_clear(r);
}

/* sigma (and sigma') decided on [a, b]: logs into lg, lgd */
static int decide(eng *e, const arf_t a, const arf_t b, const arf_t m, da_declog *lg,
                  da_declog *lgd)
{
    arb_set_arf(e->x, m);
    if (da_tape_arb_decide(e->ws, e->y, e->x, &e->ref, NULL))
        return 0;
    if (e->wd && da_tape_arb_decide(e->wd, e->yd, e->x, &e->refd, NULL))
        return 0;
    set_interval_exact(e->x, a, b, e->prec);
    if (da_tape_arb_decide(e->ws, e->y, e->x, lg, &e->ref))
        return 0;
    if (e->wd && da_tape_arb_decide(e->wd, e->yd, e->x, lgd, &e->refd))
        return 0;
    return 1;
}

/* upper bound of |sigma| (or |sigma'|) on the Bernstein ellipse with
   centre m and semi-axes al, be: the ellipse is covered by K boxes side
   by side along the real axis (K = 1, 2, 4, ..., 16: more only when the
   fewer do not give a finite bound; one wide box makes ball arithmetic
   wrap, e.g. exp on a box of width 2 is a disc about e times too wide).
   Box j covers real parts m + al [u_j, u_{j+1}], u_j = -1 + 2j/K, and
   |Im| <= be max sqrt(1 - u^2) over that range.  A finite bound on every
   box also proves sigma analytic on the ellipse. */
static int box_bound(eng *e, mag_t S, da_tape_ball *w, const da_declog *lg,
                     const arf_t m, const mag_t al, const mag_t be)
{
    mag_t t;
    mag_init(t);
    int ok = 0;
    for (int K = 1; K <= 16 && !ok; K *= 2) {
        ok = 1;
        mag_zero(S);
        for (int j = 0; j < K && ok; j++) {
            /* the box in Arb: m + al [u_j, u_j+1], |Im| <= be sqrt(1 - umin^2) */
            da_gl_ellipse_box(e->z, m, al, be, j, K);
            if (da_tape_acb_follow(w, e->fz, e->z, lg)) {
                ok = 0;
                break;
            }
            acb_get_mag(t, e->fz);
            mag_max(S, S, t);
        }
    }
    mag_clear(t);
    return ok;
}

/* the larger of the bounds on the two mirrored boxes (centres m, -m) */
static int box_bound2(eng *e, mag_t S, da_tape_ball *w, const da_declog *lp,
                      const da_declog *ln, const arf_t m, const mag_t al, const mag_t be)
{
    /* an even or odd sigma has |sigma(-z)| = |sigma(z)| (also off the axis:
       the identity holds for the analytic continuation) */
    if (w == e->ws ? e->par : e->pard)
        return box_bound(e, S, w, lp, m, al, be);
    mag_t t;
    mag_init(t);
    arf_t mn;
    arf_init(mn);
    arf_neg(mn, m);
    int ok = box_bound(e, S, w, lp, m, al, be) && box_bound(e, t, w, ln, mn, al, be);
    if (ok)
        mag_max(S, S, t);
    arf_clear(mn);
    mag_clear(t);
    return ok;
}

static const long nsizes[] = {2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 72, 80, 96, 112,
                              128, 144, 160, 192, 256, 384, 512, 768, 1024};

/* sigma at a node of an interval whose switches are decided: the decide
   mode at the point, or the branch of the interval when the point sits on
   a switch */
static int eval_node(eng *e, arb_t y, da_tape_ball *w, const da_declog *lg, const arb_t x,
                     da_declog *scratch)
{
    if (da_tape_arb_decide(w, y, x, scratch, NULL) == DA_BALL_OK)
        return 1;
    acb_set_arb(e->z, x);
    if (da_tape_acb_follow(w, e->fz, e->z, lg))
        return 0;
    arb_set(y, acb_realref(e->fz));
    return arb_is_finite(y);
}

/* sigma at -x: par sigma(x) when sigma is even (par = 1) or odd (-1),
   evaluated otherwise */
static int mirror_node(eng *e, arb_t yn, const arb_t y, int par, da_tape_ball *w,
                       const da_declog *lg, const arb_t xn, da_declog *scratch)
{
    if (par > 0) {
        arb_set(yn, y);
        return 1;
    }
    if (par < 0) {
        arb_neg(yn, y);
        return 1;
    }
    return eval_node(e, yn, w, lg, xn, scratch);
}

/* sup |phi(z)| P_k(|z|) over the Bernstein ellipse with centre m >= 0 and
   semi-axes al, be, for k = 0..N, into e->fp; F = fp[0] = sup |phi| and
   H = max_k fp[k]/sqrt(k!).  phi and P_k are bounded jointly on FP_BOXES
   boxes side by side along the real axis (the cover of box_bound): phi is
   largest near the imaginary axis and P_k(|z|) far from it, and the
   product of the two separate suprema overstates an interval far out
   (|x| ~ 10, where phi ~ 1e-22) by dozens of bits.  The same bound holds
   on the mirror image -E (phi(-z) = phi(z), P_k(|-z|) = P_k(|z|)). */
#define FP_BOXES 8
static void fp_bounds(eng *e, mag_t F, mag_t H, const arf_t m, const mag_t al, const mag_t be)
{
    mag_t Fj, Rj, t;
    mag_init(Fj);
    mag_init(Rj);
    mag_init(t);
    acb_t Z;
    acb_init(Z);
    for (long k = 0; k <= e->N; k++)
        mag_zero(e->fp + k);
    for (int j = 0; j < FP_BOXES; j++) {
        /* the box of box_bound's cover, in Arb (outward) */
        da_gl_ellipse_box(Z, m, al, be, j, FP_BOXES);
        /* sup |phi| on the box <= exp((h^2 - xmin^2)/2)/sqrt(2 pi), xmin
           the smallest |Re|, h the largest |Im|, in mag arithmetic */
        da_phi_box_sup(Fj, Z);
        /* |z| <= Rj on the box */
        acb_get_mag(Rj, Z);
        pk_bounds(e, t, Rj);   /* e->pk: P_k(R_j) */
        for (long k = 0; k <= e->N; k++) {
            mag_mul(t, Fj, e->pk + k);
            mag_max(e->fp + k, e->fp + k, t);
        }
    }
    mag_set(F, e->fp + 0);
    mag_zero(H);
    for (long k = 0; k <= e->N; k++) {
        mag_mul(t, e->fp + k, e->invsf + k);
        mag_max(H, H, t);
    }
    acb_clear(Z);
    mag_clear(Fj);
    mag_clear(Rj);
    mag_clear(t);
}

/* The bounds on the Bernstein ellipse E_rho of [m - r, m + r] (lr >= r)
   and, unless sym (the interval is [-r, r] itself, m = 0), its mirror:
   semi-axes al, be; S >= |sigma|, Sd >= |sigma'| there, and fp_bounds'
   F >= |phi|, H >= max_k |phi(z)| P_k(|z|)/sqrt(k!) (e->fp filled).
   0 when sigma (or sigma') is not bounded there. */
static int ellipse_sigma(eng *e, mag_t al, mag_t be, mag_t S, mag_t Sd, const arf_t m,
                         double lr, double rho, int sym)
{
    /* upper bounds of lr (rho +- 1/rho)/2 formed in Arb: rho - 1/rho
       cancels as rho -> 1, and no lower limit of rho is assumed */
    da_gl_ellipse_axes(al, be, lr, rho);
    if (sym) {
        if (!box_bound(e, S, e->ws, &e->lg, m, al, be))
            return 0;
        if (e->wd && !box_bound(e, Sd, e->wd, &e->lgd, m, al, be))
            return 0;
    } else {
        if (!box_bound2(e, S, e->ws, &e->lg, &e->lgn, m, al, be))
            return 0;
        if (e->wd && !box_bound2(e, Sd, e->wd, &e->lgd, &e->lgdn, m, al, be))
            return 0;
    }
    return 1;
}

static int ellipse_bounds(eng *e, mag_t al, mag_t be, mag_t S, mag_t Sd, mag_t F, mag_t H,
                          const arf_t m, double lr, double rho, int sym)
{
    if (!ellipse_sigma(e, al, be, S, Sd, m, lr, rho, sym))
        return 0;
    fp_bounds(e, F, H, m, al, be);
    return 1;
}

double da_pk_log2max(double R, long kmax)
{
    /* q_k = P_k(R)/sqrt(k!): q_{k+1} = (R q_k + sqrt(k) q_{k-1})/sqrt(k+1) */
    double q0 = 0, q1 = 1, best = 1, sc = 0;   /* q = true / 2^sc */
    for (long k = 0; k < kmax; k++) {
        double q2 = (R * q1 + sqrt((double)k) * q0) / sqrt((double)k + 1);
        q0 = q1;
        q1 = q2;
        if (q1 > 0x1p600) {
            q0 *= 0x1p-600;
            q1 *= 0x1p-600;
            best *= 0x1p-600;
            sc += 600;
        }
        if (q1 > best)
            best = q1;
    }
    return log2(best) + sc;
}

/* fp_bounds' F and H, as log2, in double: for choosing rho and n only
   (the error is then bounded with fp_bounds) */
static void fp_estimate(const eng *e, double *lF, double *lH, double md, double ald, double bed)
{
    *lF = -INFINITY;
    *lH = -INFINITY;
    for (int j = 0; j < FP_BOXES; j++) {
        double u0 = -1 + 2.0 * j / FP_BOXES, u1 = -1 + 2.0 * (j + 1) / FP_BOXES;
        double umin = (u0 <= 0 && u1 >= 0) ? 0 : fmin(fabs(u0), fabs(u1));
        double cd = md + ald * (u0 + u1) / 2, hw = ald * (u1 - u0) / 2;
        double h = bed * sqrt(1 - umin * umin);
        double xl = fmax(fabs(cd) - hw, 0);
        double lf = ((h * h - xl * xl) / 2) / M_LN2 - 1.3257480647361593;   /* log2 1/sqrt(2 pi) */
        double lh = lf + da_pk_log2max(fabs(cd) + hw + h, e->N);
        if (lf > *lF)
            *lF = lf;
        if (lh > *lH)
            *lH = lh;
    }
}

/* M = max(S H, F S^2, F Sd^2): the largest integrand of the a_k, E sigma^2
   and E sigma'^2 (Sd ignored without sigma') */
static void worst_integrand(eng *e, mag_t M, const mag_t S, const mag_t Sd, const mag_t F,
                            const mag_t H)
{
    mag_t t, u;
    mag_init(t);
    mag_init(u);
    mag_mul(t, S, S);
    if (e->wd) {
        mag_mul(u, Sd, Sd);
        mag_max(t, t, u);
    }
    mag_mul(M, t, F);
    mag_mul(t, S, H);
    mag_max(M, M, t);
    mag_clear(t);
    mag_clear(u);
}

/* a_k = 0 exactly: k even for an odd sigma, odd for an even one (the
   parity is proved from the formula, da_expr_parity) */
static int vanishes(const eng *e, long k)
{
    return (e->par < 0 && k % 2 == 0) || (e->par > 0 && k % 2 == 1);
}

/* the nodes n of a rule on [m - lr, m + lr] whose error (Trefethen, ATAP
   Thm 19.3) is below 2^ltol when the integrands are at most 2^lM on E_rho */
static long nodes_for(double lM, double lr, double rho, double ltol)
{
    double need = log2(64.0 / 15 * lr) + lM - log2(rho * rho - 1) - ltol;
    return need <= 0 ? 2 : (long)ceil(need / (2 * log2(rho))) + 1;
}

/* the same with fp_estimate for phi and He_k (sigma's bound S is proved,
   it decides analyticity): the choice of rho and n, not the proof */
static long gl_nodes_estimate(eng *e, mag_t al, mag_t be, mag_t S, mag_t Sd, const arf_t m,
                              double lr, double rho, int sym, double ltol)
{
    if (!ellipse_sigma(e, al, be, S, Sd, m, lr, rho, sym))
        return -1;
    if (mag_is_inf(S) || (e->wd && mag_is_inf(Sd)))
        return -1;
    double lF, lH;
    fp_estimate(e, &lF, &lH, arf_get_d(m, ARF_RND_NEAR), mag_get_d(al), mag_get_d(be));
    double lS = mag_get_d_log2_approx(S);
    double lS2 = 2 * lS;
    if (e->wd)
        lS2 = fmax(lS2, 2 * mag_get_d_log2_approx(Sd));
    double lM = fmax(lS + lH, lF + lS2);
    if (!isfinite(lM))
        return lM < 0 ? 2 : -1;
    return nodes_for(lM, lr, rho, ltol);
}

/* Gauss-Legendre with a proved error on the mirrored pair [a, b] and
   [-b, -a] (0 <= a < b): the two share their nodes +-x, hence phi(x) and
   He_k(x) (He_k(-x) = (-1)^k He_k(x)), which halves the work of a node.
   When a = 0 and sigma is one branch on [-b, b], the pair is that one
   interval instead (sym): its rule of n nodes (n even) is n/2 pairs +-x,
   and its Bernstein ellipse, centred at 0, reaches further than the two
   ellipses of [0, b] and [-b, 0] (for tanh, poles at +-i pi/2, the
   central interval needs about half the nodes).
   1 when done, 0 when the pair must be split, < 0 on error. */
#define BOUND_PREC 64   /* precision of the ellipse bounds (any is rigorous) */
/* the ellipse parameter rho of the Gauss-Legendre error bound: a coarse
 * scan of rho until the estimated node count n stops falling, then the
 * geometric midpoints on either side of the best; *rbest the best rho,
 * the return its n (-1 when sigma is unbounded on every ellipse tried).
 * al, be, S, Sd: scratch */
static long gl_scan_rho(eng *e, mag_t al, mag_t be, mag_t S, mag_t Sd, const arf_t m, double lr,
                        int sym, double ltol, double *rbest)
{
    static const double rhos[] = {1.25, 1.6, 2.2, 3.2, 5.0, 8.0, 14.0, 25.0, 50.0};
    const int nr = (int)(sizeof rhos / sizeof *rhos);
    long nbest = -1;
    int jbest = -1, jlast = -1;
    for (int j = 0; j < nr + 2; j++) {
        double rho;
        if (j < nr) {
            rho = rhos[j];
        } else {
            /* refinement: between the best and its left, then right, neighbour */
            if (jbest < 0)
                break;
            int jn = j == nr ? jbest - 1 : jbest + 1;
            if (jn < 0 || jn >= nr || jn > jlast + 1)   /* jlast + 1: where the scan stopped */
                continue;
            rho = sqrt(rhos[jbest] * rhos[jn]);
        }
        long n = gl_nodes_estimate(e, al, be, S, Sd, m, lr, rho, sym, ltol);
        if (n < 0) {
            if (j < nr)
                j = nr - 1;   /* sigma unbounded there: on to the refinement */
            continue;
        }
        if (nbest < 0 || n < nbest) {
            nbest = n;
            *rbest = rho;
            if (j < nr)
                jbest = j;
        }
        if (j < nr) {
            jlast = j;
            if (j > jbest)
                j = nr - 1;   /* n rose: on to the refinement */
        }
    }
    return nbest;
}

/* the pair's sums over the nloop nodes of the rule (gx, gw) mapped to
 * m + r x: phi-weighted E sigma^2, E sigma'^2 into s2l, d2l and the
 * Hermite sums into Al, at precision p; 0 when a node could not be
 * evaluated or a poll stopped the work */
static int gl_node_sums(eng *e, arb_srcptr gx, arb_srcptr gw, long nloop, const arf_t m,
                        const arf_t r, slong p, arb_ptr Al, arb_t s2l, arb_t d2l)
{
    arb_t mm, rr, xn, yn, ydn, ue, uo;
    arb_init(mm);
    arb_init(rr);
    arb_init(xn);
    arb_init(yn);
    arb_init(ydn);
    arb_init(ue);
    arb_init(uo);
    arb_set_arf(mm, m);
    arb_set_arf(rr, r);
    int okn = 1;
    for (long i = 0; i < nloop && okn; i++) {
        /* a poll per node: at degree 4000 and 100 digits one interval's
           nodes take seconds, and Ctrl-C (the Python package's poll
           function) should not wait for them; the interval is then left
           unfinished, as when the budget runs out */
        if (da_poll_check()) {
            e->budget_hit = e->stopped = 1;
            okn = 0;
            break;
        }
        arb_mul(e->x, rr, gx + i, p);
        arb_add(e->x, e->x, mm, p);
        arb_neg(xn, e->x);
        /* sigma(-x) = par sigma(x) when sigma is even or odd: one evaluation */
        okn = eval_node(e, e->y, e->ws, &e->lg, e->x, &e->ref) &&
              mirror_node(e, yn, e->y, e->par, e->ws, &e->lgn, xn, &e->ref);
        if (okn && e->wd)
            okn = eval_node(e, e->yd, e->wd, &e->lgd, e->x, &e->refd) &&
                  mirror_node(e, ydn, e->yd, e->pard, e->wd, &e->lgdn, xn, &e->refd);
        if (!okn)
            break;
        /* w r phi(x), shared by +-x */
        arb_sqr(e->ph, e->x, p);
        arb_mul_2exp_si(e->ph, e->ph, -1);
        arb_neg(e->ph, e->ph);
        arb_exp(e->ph, e->ph, p);
        arb_mul(e->v, gw + i, rr, p);
        arb_mul(e->ph, e->ph, e->v, p);
        /* E sigma^2, E sigma'^2 (an even or odd sigma: sigma(-x)^2 = sigma(x)^2) */
        arb_sqr(e->t1, e->y, p);
        if (e->par) {
            arb_mul_2exp_si(e->t1, e->t1, 1);
        } else {
            arb_sqr(e->t2, yn, p);
            arb_add(e->t1, e->t1, e->t2, p);
        }
        arb_addmul(s2l, e->t1, e->ph, p);
        if (e->wd) {
            arb_sqr(e->t1, e->yd, p);
            if (e->pard) {
                arb_mul_2exp_si(e->t1, e->t1, 1);
            } else {
                arb_sqr(e->t2, ydn, p);
                arb_add(e->t1, e->t1, e->t2, p);
            }
            arb_addmul(d2l, e->t1, e->ph, p);
        }
        /* sum phi (sigma(x) He_k(x) + sigma(-x) He_k(-x)): the even and
           odd combinations; an odd sigma has no even part (its even a_k
           are 0, see da_rig_compute), an even one no odd part */
        if (e->par) {
            arb_mul_2exp_si(e->t1, e->y, 1);
            arb_mul(e->par > 0 ? ue : uo, e->t1, e->ph, p);
        } else {
            arb_add(ue, e->y, yn, p);
            arb_sub(uo, e->y, yn, p);
            arb_mul(ue, ue, e->ph, p);
            arb_mul(uo, uo, e->ph, p);
        }
        arb_one(e->h0);
        if (e->par >= 0)
            arb_add(Al + 0, Al + 0, ue, p);
        if (e->N >= 1) {
            arb_set(e->h1, e->x);
            if (e->par <= 0)
                arb_addmul(Al + 1, uo, e->h1, p);
        }
        for (long k = 1; k < e->N; k++) {
            arb_mul(e->h2, e->x, e->h1, p);
            arb_submul_ui(e->h2, e->h0, (ulong)k, p);
            if ((k + 1) % 2 ? e->par <= 0 : e->par >= 0)
                arb_addmul(Al + k + 1, (k + 1) % 2 ? uo : ue, e->h2, p);
            arb_swap(e->h0, e->h1);
            arb_swap(e->h1, e->h2);
        }
    }
    arb_clear(mm);
    arb_clear(rr);
    arb_clear(xn);
    arb_clear(yn);
    arb_clear(ydn);
    arb_clear(ue);
    arb_clear(uo);
    return okn;
}

/* Steps of try_gl. */

/* the tolerance tolI of the piece of half-width r: its share of [0, T],
   at least 1/4096 of it, over 4 (over 8 for a pair: the pair's error is
   twice a side's) */
static void gl_piece_tol(eng *e, mag_t tolI, const arf_t r, int sym)
{
    mag_t t;
    mag_init(t);
    double share = arf_get_d(r, ARF_RND_UP) * (sym ? 1 : 2) / e->T;
    if (share < 1.0 / 4096)
        share = 1.0 / 4096;
    mag_set_d_lower(t, share / (sym ? 4 : 8));
    mag_mul_lower(tolI, e->tol, t);
    mag_clear(t);
}

/* n rounded up to the next size of the Gauss-Legendre cache (n itself
   beyond the largest) */
static long gl_round_n(long n)
{
    for (size_t j = 0; j < sizeof nsizes / sizeof *nsizes; j++)
        if (nsizes[j] >= n)
            return nsizes[j];
    return n;
}

/* The working precision of a piece: its terms are at most M (the box
   contains the interval), the target is 2^ltol, and each of the ~4N
   operations per node rounds at 2^-p relative; so p = log2(M n N /
   tolI) + 16 bits suffice, and the far tails, where phi is tiny, run at
   a fraction of the full precision.  (The balls stay rigorous at any p:
   this only decides how wide they come out.) */
static slong gl_piece_prec(const eng *e, const mag_t M, double ltol, long n)
{
    slong p = e->prec;
    double need = mag_get_d_log2_approx(M) - ltol + log2((double)n * (double)(e->N + 4)) + 16;
    if (need < (double)p)
        p = need < 64 ? 64 : (slong)ceil(need);
    return p;
}

/* the piece's sums Al, s2l, d2l times 1/sqrt(2 pi) into e->A, e->s2,
   e->d2 at full precision, with their errors: scale S sup|phi P_k| /
   sqrt(k!) for a_k, scale F S^2 for E sigma^2, scale F Sd^2 for E
   sigma'^2 */
static void gl_add_piece(eng *e, arb_srcptr Al, const arb_t s2l, const arb_t d2l,
                         const mag_t scale, const mag_t S, const mag_t Sd, const mag_t F)
{
    mag_t t;
    mag_init(t);
    /* the 1/sqrt(2 pi) of phi, once, into the sums at full precision */
    arb_const_pi(e->t2, e->prec);
    arb_mul_2exp_si(e->t2, e->t2, 1);
    arb_rsqrt(e->t2, e->t2, e->prec);
    for (long k = 0; k <= e->N; k++) {
        if (vanishes(e, k))
            continue;
        arb_addmul(e->A + k, Al + k, e->t2, e->prec);
        /* error of a_k: scale S sup|phi P_k| / sqrt(k!) */
        mag_mul(t, scale, S);
        mag_mul(t, t, e->fp + k);
        mag_mul(t, t, e->invsf + k);
        mag_add(e->err + k, e->err + k, t);
    }
    arb_addmul(e->s2, s2l, e->t2, e->prec);
    mag_mul(t, scale, F);
    mag_mul(t, t, S);
    mag_mul(t, t, S);
    mag_add(e->errs2, e->errs2, t);
    if (e->wd) {
        arb_addmul(e->d2, d2l, e->t2, e->prec);
        mag_mul(t, scale, F);
        mag_mul(t, t, Sd);
        mag_mul(t, t, Sd);
        mag_add(e->errd2, e->errd2, t);
    }
    mag_clear(t);
}

/* One Gauss-Legendre piece [a, b] (with its mirror [-b, -a], or [-b, b]
   at once when sigma is decided there): the ellipse (gl_scan_rho, then
   the proved bounds), the node count (gl_round_n) within the budget, the
   error scale, the precision (gl_piece_prec), the node sums
   (gl_node_sums) added in (gl_add_piece).  1 done, 0 not (the caller
   splits), -status on an error. */
static int try_gl(eng *e, const arf_t a, const arf_t b)
{
    arf_t m, r, an, bn, mn;
    arf_init(m);
    arf_init(r);
    arf_init(an);
    arf_init(bn);
    arf_init(mn);
    arf_neg(an, b);
    arf_neg(bn, a);
    int done = 0;
    mag_t al, be, S, Sd, F, H, M, best_err_scale;
    mag_init(al); mag_init(be); mag_init(S); mag_init(Sd); mag_init(F);
    mag_init(H); mag_init(M); mag_init(best_err_scale);
    mag_t tolI;
    mag_init(tolI);
    /* sigma decided on [-b, b] at once (sym), or on each side */
    int sym = arf_is_zero(a) && decide(e, an, b, a, &e->lg, &e->lgd)
              && decide(e, an, b, a, &e->lgn, &e->lgdn);
    if (sym) {
        arf_zero(m);
        arf_set(r, b);
    } else {
        arf_add(m, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_mul_2exp_si(m, m, -1);
        arf_sub(r, b, a, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_mul_2exp_si(r, r, -1);
        arf_neg(mn, m);
        if (!decide(e, a, b, m, &e->lg, &e->lgd) || !decide(e, an, bn, mn, &e->lgn, &e->lgdn))
            goto out;
    }
    /* the tolerance of this piece: its share b - a of [0, T] */
    gl_piece_tol(e, tolI, r, sym);
    da_tape_ball_set_prec(e->ws, BOUND_PREC);
    if (e->wd)
        da_tape_ball_set_prec(e->wd, BOUND_PREC);

    /* the ellipse */
    double rbest = 0;
    double lr = arf_get_d(r, ARF_RND_UP);
    double ltol = mag_get_d_log2_approx(tolI);
    long ncap = (long)e->prec + 24;
    if (ncap > 1024)
        ncap = 1024;
    long nbest = gl_scan_rho(e, al, be, S, Sd, m, lr, sym, ltol, &rbest);
    if (nbest < 0 || nbest > ncap)
        goto out;
    /* the proved bounds at rbest: they decide n when they ask for more
       than the estimate did */
    double rho = rbest;
    if (!ellipse_bounds(e, al, be, S, Sd, F, H, m, lr, rho, sym))
        goto out;
    worst_integrand(e, M, S, Sd, F, H);
    if (mag_is_inf(M))
        goto out;
    {
        long nrig = nodes_for(mag_get_d_log2_approx(M), lr, rho, ltol);
        if (nrig > nbest)
            nbest = nrig;
    }
    if (nbest > ncap)
        goto out;
    long n = gl_round_n(nbest);
    long cost = sym ? n : 2 * n;   /* evaluations of the pair's integrand */
    if (e->nodes + cost > e->o->max_nodes) {
        e->budget_hit = 1;
        goto out;
    }
    /* scale = r (64/15) rho^{-2n} / (rho^2 - 1), twice for a pair; the
       error of a_k is scale S sup|phi P_k| / sqrt(k!), of E sigma^2
       scale F S^2 */
    {
        mag_t c;
        mag_init(c);
        arf_get_mag(c, r);
        da_gl_err_scale(best_err_scale, c, rho, n);   /* in Arb, any rho */
        if (!sym)
            mag_mul_2exp_si(best_err_scale, best_err_scale, 1);
        mag_clear(c);
    }
    /* the working precision of this piece (M at rbest) */
    worst_integrand(e, M, S, Sd, F, H);
    slong p = gl_piece_prec(e, M, ltol, n);
    da_tape_ball_set_prec(e->ws, p);
    if (e->wd)
        da_tape_ball_set_prec(e->wd, p);
    /* the nodes: all n of [a, b] (each with its mirror), or the n/2
       positive ones of [-b, b] */
    arb_srcptr gx, gw;
    int st = da_gl_rule(&gx, &gw, n, p + 8);
    if (st) {
        done = -st;
        goto out;
    }
    arb_ptr Al = _arb_vec_init(e->N + 1);
    arb_t s2l, d2l;
    arb_init(s2l);
    arb_init(d2l);
    int okn = gl_node_sums(e, gx, gw, sym ? n / 2 : n, m, r, p, Al, s2l, d2l);
    if (okn) {
        gl_add_piece(e, Al, s2l, d2l, best_err_scale, S, Sd, F);
        e->nodes += cost;
        done = 1;
    }
    _arb_vec_clear(Al, e->N + 1);
    arb_clear(s2l);
    arb_clear(d2l);
out:
    da_tape_ball_set_prec(e->ws, e->prec);
    if (e->wd)
        da_tape_ball_set_prec(e->wd, e->prec);
    mag_clear(tolI);
    mag_clear(al); mag_clear(be); mag_clear(S); mag_clear(Sd); mag_clear(F);
    mag_clear(H); mag_clear(M); mag_clear(best_err_scale);
    arf_clear(m);
    arf_clear(r);
    arf_clear(an);
    arf_clear(bn);
    arf_clear(mn);
    return done;
}

/* sup |sigma| and sup |sigma'| on [a, b] by the enclosure mode (inf when
   not finite there) */
static void enclose_sup(eng *e, mag_t S, mag_t Sd, const arf_t a, const arf_t b)
{
    set_interval_exact(e->x, a, b, e->prec);
    if (da_tape_arb_enclose(e->ws, e->y, e->x))
        mag_inf(S);
    else
        arb_get_mag(S, e->y);
    if (e->wd) {
        if (da_tape_arb_enclose(e->wd, e->yd, e->x))
            mag_inf(Sd);
        else
            arb_get_mag(Sd, e->yd);
    }
}

/* Close the pair [a, b], [-b, -a] as slivers:
   0 +- |b - a| sup|sigma| sup phi P_k(sup|x|)/sqrt(k!) on each side.
   force = 0: only when within the sliver tolerance (returns 1 if closed) */
static int sliver(eng *e, const arf_t a, const arf_t b, int force)
{
    int closed = 0;
    mag_t w, S, Sd, S2, Sd2, F, R, H, t, zero;
    mag_init(w); mag_init(S); mag_init(Sd); mag_init(S2); mag_init(Sd2); mag_init(F);
    mag_init(R); mag_init(H); mag_init(t); mag_init(zero);
    arf_t d, m, an, bn;
    arf_init(d);
    arf_init(m);
    arf_init(an);
    arf_init(bn);
    arf_neg(an, b);
    arf_neg(bn, a);
    arf_sub(d, b, a, ARF_PREC_EXACT, ARF_RND_UP);
    arf_get_mag(w, d);
    enclose_sup(e, S, Sd, a, b);
    enclose_sup(e, S2, Sd2, an, bn);
    /* both sides together: S^2 and S'^2 summed, S (for a_k) summed */
    mag_t Ssum, S2sum, Sd2sum;
    mag_init(Ssum);
    mag_init(S2sum);
    mag_init(Sd2sum);
    mag_add(Ssum, S, S2);
    mag_mul(S2sum, S, S);
    mag_addmul(S2sum, S2, S2);
    mag_mul(Sd2sum, Sd, Sd);
    mag_addmul(Sd2sum, Sd2, Sd2);
    arf_add(m, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_mul_2exp_si(m, m, -1);
    arf_sub(d, b, a, ARF_PREC_EXACT, ARF_RND_UP);
    arf_mul_2exp_si(d, d, -1);
    mag_t hw;
    mag_init(hw);
    arf_get_mag(hw, d);
    phi_bound(F, m, hw, zero);
    arf_get_mag(R, m);
    mag_add(R, R, hw);
    mag_clear(hw);
    pk_bounds(e, H, R);
    /* worst of the three */
    mag_t M;
    mag_init(M);
    mag_mul(M, Ssum, H);
    mag_max(M, M, S2sum);
    if (e->wd)
        mag_max(M, M, Sd2sum);
    mag_mul(M, M, F);
    mag_mul(M, M, w);
    if (force || mag_cmp(M, e->tol_sliver) <= 0) {
        mag_mul(w, w, F);
        for (long k = 0; k <= e->N; k++) {
            mag_mul(t, w, Ssum);
            mag_mul(t, t, e->pk + k);
            mag_mul(t, t, e->invsf + k);
            mag_add(e->err + k, e->err + k, t);
        }
        mag_mul(t, w, S2sum);
        mag_add(e->errs2, e->errs2, t);
        if (e->wd) {
            mag_mul(t, w, Sd2sum);
            mag_add(e->errd2, e->errd2, t);
        }
        e->slivers++;
        closed = 1;
    }
    mag_clear(M);
    mag_clear(Ssum);
    mag_clear(S2sum);
    mag_clear(Sd2sum);
    mag_clear(w); mag_clear(S); mag_clear(Sd); mag_clear(S2); mag_clear(Sd2); mag_clear(F);
    mag_clear(R); mag_clear(H); mag_clear(t); mag_clear(zero);
    arf_clear(d);
    arf_clear(m);
    arf_clear(an);
    arf_clear(bn);
    return closed;
}

/* ---- tails ----------------------------------------------------------- */

/* the part of the bound shared by every k: C >= 2 A T^m e^{cT - bT^2} /
   sqrt(2 pi) and D0 = 2bT - c (a ball); 0 when b <= 0 (no bound) */
static int tail_pre(mag_t C, arb_t D0, const da_env *en, int sqA, double T)
{
    arb_t b, t, u, Tb;
    arb_init(b); arb_init(t); arb_init(u); arb_init(Tb);
    arb_set_d(Tb, T);
    arb_set_d(b, 0.5);
    arb_sub(b, b, (arb_set_d(t, en->q), t), 64);
    int ok = arb_is_positive(b);
    if (ok) {
        arb_mul(D0, b, Tb, 64);
        arb_mul_2exp_si(D0, D0, 1);
        arb_set_d(t, en->c);
        arb_sub(D0, D0, t, 64);
        /* e^{cT - bT^2} */
        arb_set_d(t, en->c);
        arb_mul(t, t, Tb, 64);
        arb_sqr(u, Tb, 64);
        arb_mul(u, u, b, 64);
        arb_sub(t, t, u, 64);
        arb_exp(t, t, 64);
        /* T^m */
        arb_set_d(u, en->m);
        arb_pow(u, Tb, u, 64);
        arb_mul(t, t, u, 64);
        arb_set_d(u, en->A);
        if (sqA)
            arb_sqr(u, u, 64);
        arb_mul(t, t, u, 64);
        arb_mul_2exp_si(t, t, 1);
        arb_const_pi(u, 64);
        arb_mul_2exp_si(u, u, 1);
        arb_rsqrt(u, u, 64);
        arb_mul(t, t, u, 64);
        arb_get_mag(C, t);
    }
    arb_clear(b); arb_clear(t); arb_clear(u); arb_clear(Tb);
    return ok;
}

/* out >= C P / (D0 - p/T), p = max(m + k, 0); inf when that is not positive */
static void tail_k(mag_t out, const mag_t C, const arb_t D0, const da_env *en, double T, long k,
                   const mag_t P)
{
    double p = en->m + (double)k;
    if (p < 0)
        p = 0;
    arb_t D, t;
    arb_init(D);
    arb_init(t);
    arb_set_d(t, p);
    arb_div(t, t, (arb_set_d(D, T), D), 64);
    arb_sub(D, D0, t, 64);
    if (!arb_is_positive(D)) {
        mag_inf(out);
    } else {
        mag_t lo;
        mag_init(lo);
        arb_get_mag_lower(lo, D);
        mag_mul(out, C, P);
        mag_div(out, out, lo);
        mag_clear(lo);
    }
    arb_clear(D);
    arb_clear(t);
}

/* 2 A P T^m e^{cT - bT^2} / (sqrt(2 pi) (2bT - c - max(m + k, 0)/T)) with
   b = 1/2 - q, as an upper bound; inf when the bound does not apply.
   sqA = 1: the envelope's A is to be squared (done here in Arb: A^2
   overflows double from A = 1.4e154 on) */
static void tail_one(mag_t out, const da_env *en, int sqA, double T, long k, const mag_t P)
{
    mag_t C;
    arb_t D0;
    mag_init(C);
    arb_init(D0);
    if (tail_pre(C, D0, en, sqA, T))
        tail_k(out, C, D0, en, T, k, P);
    else
        mag_inf(out);
    mag_clear(C);
    arb_clear(D0);
}

/* the envelope of f^2, but for A, which tail_one squares (sqA = 1) */
static void env_square(da_env *r, const da_env *a)
{
    /* doubling is exact */
    r->A = a->A;
    r->m = 2 * a->m;
    r->c = 2 * a->c;
    r->q = 2 * a->q;
}

/* the tails beyond |x| > T for every k, E s^2, E s'^2; 1 if all <= bound */
static int tails(eng *e, const da_env *env, const da_env *envd, double T, const mag_t bound,
                 mag_ptr tk, mag_t ts2, mag_t td2)
{
    mag_t R, H, one;
    mag_init(R);
    mag_init(H);
    mag_init(one);
    mag_one(one);
    mag_set_d(R, T);
    pk_bounds(e, H, R);
    int ok = 1;
    mag_t C;
    arb_t D0;
    mag_init(C);
    arb_init(D0);
    int pre = tail_pre(C, D0, env, 0, T);
    for (long k = 0; k <= e->N; k++) {
        mag_mul(R, e->pk + k, e->invsf + k);
        if (pre)
            tail_k(tk + k, C, D0, env, T, k, R);
        else
            mag_inf(tk + k);
        if (mag_cmp(tk + k, bound) > 0)
            ok = 0;
    }
    mag_clear(C);
    arb_clear(D0);
    da_env sq;
    env_square(&sq, env);
    tail_one(ts2, &sq, 1, T, 0, one);
    if (mag_cmp(ts2, bound) > 0)
        ok = 0;
    if (envd) {
        env_square(&sq, envd);
        tail_one(td2, &sq, 1, T, 0, one);
        if (mag_cmp(td2, bound) > 0)
            ok = 0;
    }
    mag_clear(R);
    mag_clear(H);
    mag_clear(one);
    return ok;
}

/* ---- the driver ------------------------------------------------------- */

/* the engine's state for act (and dact, its derivative, or NULL) at the
 * options o; DA_ENOMEM when the ball tapes cannot be made (nothing to
 * clear then) */
static int eng_init(eng *e, const da_act *act, const da_act *dact, const da_rig_opts *o)
{
    memset(e, 0, sizeof *e);
    e->o = o;
    e->N = o->N;
    e->prec = o->prec;
    e->log2_tol = o->log2_tol;
    e->t0 = now_seconds();
    e->prog = o->prog ? o->prog : &e->own;
    e->ws = da_tape_ball_new(act->tape, o->prec);
    e->wd = dact ? da_tape_ball_new(dact->tape, o->prec) : NULL;
    e->par = da_expr_parity(act->expr);
    e->pard = dact ? da_expr_parity(dact->expr) : 0;
    if (!e->ws || (dact && !e->wd)) {
        da_tape_ball_free(e->ws);
        da_tape_ball_free(e->wd);
        return DA_ENOMEM;
    }
    da_declog_init(&e->lg, 16);
    da_declog_init(&e->lgd, 16);
    da_declog_init(&e->lgn, 16);
    da_declog_init(&e->lgdn, 16);
    da_declog_init(&e->ref, 16);
    da_declog_init(&e->refd, 16);
    const long N = o->N;
    e->A = _arb_vec_init(N + 1);
    e->err = _mag_vec_init(N + 1);
    e->invsf = _mag_vec_init(N + 1);
    e->pk = _mag_vec_init(N + 1);
    e->fp = _mag_vec_init(N + 1);
    arb_init(e->s2);
    arb_init(e->d2);
    mag_init(e->errs2);
    mag_init(e->errd2);
    mag_init(e->tol);
    mag_init(e->tol_sliver);
    arb_init(e->x); arb_init(e->y); arb_init(e->yd); arb_init(e->ph); arb_init(e->h0);
    arb_init(e->h1); arb_init(e->h2); arb_init(e->v); arb_init(e->t1); arb_init(e->t2);
    acb_init(e->z);
    acb_init(e->fz);
    for (long k = 0; k <= N; k++) {
        mag_rfac_ui(e->invsf + k, (ulong)k);
        mag_sqrt(e->invsf + k, e->invsf + k);
    }
    mag_set_ui_2exp_si(e->tol, 1, (slong)floor(o->log2_tol));
    mag_mul_2exp_si(e->tol_sliver, e->tol, -7);

    return DA_OK;
}

static void eng_clear(eng *e)
{
    const long N = e->N;
    for (long i = 0; i < e->capst; i++) {
        arf_clear(e->st[i].a);
        arf_clear(e->st[i].b);
    }
    free(e->st);
    _arb_vec_clear(e->A, N + 1);
    _mag_vec_clear(e->err, N + 1);
    _mag_vec_clear(e->invsf, N + 1);
    _mag_vec_clear(e->pk, N + 1);
    _mag_vec_clear(e->fp, N + 1);
    arb_clear(e->s2);
    arb_clear(e->d2);
    mag_clear(e->errs2);
    mag_clear(e->errd2);
    mag_clear(e->tol);
    mag_clear(e->tol_sliver);
    arb_clear(e->x); arb_clear(e->y); arb_clear(e->yd); arb_clear(e->ph); arb_clear(e->h0);
    arb_clear(e->h1); arb_clear(e->h2); arb_clear(e->v); arb_clear(e->t1); arb_clear(e->t2);
    acb_clear(e->z);
    acb_clear(e->fz);
    da_declog_clear(&e->lg);
    da_declog_clear(&e->lgd);
    da_declog_clear(&e->lgn);
    da_declog_clear(&e->lgdn);
    da_declog_clear(&e->ref);
    da_declog_clear(&e->refd);
    da_tape_ball_free(e->ws);
    da_tape_ball_free(e->wd);
}

/* the first intervals of [0, T] (each stands for itself and its mirror
 * image) on the grid 2^-g: 0, T, and |b| for the activation's suggested
 * breakpoints b; DA_OK or DA_ENOMEM */
static int rig_split_points(eng *e, const da_act *act, double T, int g)
{
    int status = DA_OK;
    {
        int nb = act->info.nbreak;
        arf_struct *pts = flint_malloc((size_t)(nb + 3) * sizeof(arf_struct));
        int np = 0;
        for (int i = 0; i < nb + 3; i++)
            arf_init(pts + i);
        arf_zero(pts + np++);
        arf_set_d(pts + np++, T);
        if (nb > 0) {
            mpfr_t *bp = malloc((size_t)nb * sizeof(mpfr_t));
            if (bp) {
                for (int i = 0; i < nb; i++)
                    mpfr_init2(bp[i], e->prec);
                if (da_expr_breakpoints_m(act->expr, &act->info, bp, e->prec) == DA_OK) {
                    for (int i = 0; i < nb; i++)
                        if (mpfr_number_p(bp[i]) && fabs(mpfr_get_d(bp[i], MPFR_RNDN)) < T
                            && !mpfr_zero_p(bp[i]))
                        {
                            /* to the grid (a breakpoint off the grid is
                               found by bisection around it) */
                            arf_set_mpfr(pts + np, bp[i]);
                            arf_abs(pts + np, pts + np);
                            arf_mul_2exp_si(pts + np, pts + np, g);
                            arf_set_round(pts + np, pts + np, 64, ARF_RND_NEAR);
                            arf_floor(pts + np, pts + np);
                            arf_mul_2exp_si(pts + np, pts + np, -g);
                            np++;
                        }
                }
                for (int i = 0; i < nb; i++)
                    mpfr_clear(bp[i]);
                free(bp);
            }
            da_clear_error();
        }
        /* sort (few points) */
        for (int i = 1; i < np; i++)
            for (int j = i; j > 0 && arf_cmp(pts + j - 1, pts + j) > 0; j--)
                arf_swap(pts + j - 1, pts + j);
        for (int i = np - 1; i > 0; i--)
            if (arf_cmp(pts + i - 1, pts + i) < 0)
                if (push(e, pts + i - 1, pts + i, 0)) {
                    status = DA_ENOMEM;
                    break;
                }
        for (int i = 0; i < nb + 3; i++)
            arf_clear(pts + i);
        flint_free(pts);
    }
    return status;

}

/* the adaptive loop: the intervals on the stack by Gauss-Legendre rules
 * (try_gl), bisected when a rule cannot meet the tolerance, slivers
 * bounded whole when the budget is hit, a poll stops or the depth runs
 * out; DA_OK or the status of a failure */
static int rig_adaptive(eng *e)
{
    const da_rig_opts *o = e->o;
    int status = DA_OK;
    int maxdepth = (int)e->prec + 200;
    arf_t a, b, mid;
    arf_init(a);
    arf_init(b);
    arf_init(mid);
    while (e->nst > 0) {
        e->nst--;
        arf_set(a, e->st[e->nst].a);
        arf_set(b, e->st[e->nst].b);
        int depth = e->st[e->nst].depth;
        e->intervals++;
        /* the clock at every interval: one interval of a deep formula
           (199 nested tanh) can take a second */
        if (!e->budget_hit && (e->intervals > o->max_intervals
                               || now_seconds() - e->t0 > o->max_seconds || da_poll_check()))
            e->budget_hit = 1;
        if (o->progress && (e->intervals & 1023) == 0)
            o->progress(o->progress_ctx, e->intervals, e->nodes);
        da_prog_tick(e->prog, "quadrature intervals", e->intervals);
        if (e->budget_hit || depth >= maxdepth) {
            sliver(e, a, b, 1);
            continue;
        }
        int r = try_gl(e, a, b);
        if (r < 0) {
            status = -r;
            break;
        }
        if (r)
            continue;
        if (e->stopped) {
            /* stopped inside the interval: bound it, do not split it (an
               interval refused for the node budget is split as before:
               near an endpoint singularity its halves are far tighter) */
            sliver(e, a, b, 1);
            continue;
        }
        if (sliver(e, a, b, 0))
            continue;
        arf_add(mid, a, b, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_mul_2exp_si(mid, mid, -1);
        if (push(e, mid, b, depth + 1) || push(e, a, mid, depth + 1)) {
            status = DA_ENOMEM;
            break;
        }
    }
    arf_clear(a);
    arf_clear(b);
    arf_clear(mid);
    return status;

}

/* the result from the engine's sums: a_k = A_k/sqrt(k!) with the
 * quadrature errors and the tails tk, E sigma^2 and E sigma'^2 likewise;
 * DA_EACCURACY when the budget was hit */
static int rig_assemble(da_rig_result *res, eng *e, const da_act *dact, mag_srcptr tk,
                        const mag_t ts2, const mag_t td2)
{
    const long N = e->N;
    res->a = _arb_vec_init(N + 1);
    arb_init(res->s2);
    arb_init(res->d2);
    res->init = 1;
    {
        arb_t sf;
        arb_init(sf);
        for (long k = 0; k <= N; k++) {
            arb_fac_ui(sf, (ulong)k, e->prec);
            arb_sqrt(sf, sf, e->prec);
            if (vanishes(e, k)) {
                arb_zero(res->a + k);
                continue;
            }
            arb_div(res->a + k, e->A + k, sf, e->prec);
            arb_add_error_mag(res->a + k, e->err + k);
            arb_add_error_mag(res->a + k, tk + k);
        }
        arb_clear(sf);
    }
    arb_set(res->s2, e->s2);
    arb_add_error_mag(res->s2, e->errs2);
    arb_add_error_mag(res->s2, ts2);
    res->d2_ok = dact != NULL;
    if (dact) {
        arb_set(res->d2, e->d2);
        arb_add_error_mag(res->d2, e->errd2);
        arb_add_error_mag(res->d2, td2);
    }
    res->nodes = e->nodes;
    res->intervals = e->intervals;
    res->slivers = e->slivers;
    res->budget_hit = e->budget_hit;
    if (e->budget_hit)
        snprintf(res->why, sizeof res->why,
                 "work budget reached (%ld intervals, %ld nodes, %.0f s)", e->intervals,
                 e->nodes, now_seconds() - e->t0);
    return e->budget_hit ? DA_EACCURACY : DA_OK;

}

int da_rig_compute(da_rig_result *res, const da_act *act, const da_act *dact,
                   const da_rig_opts *o)
{
    memset(res, 0, sizeof *res);
    res->N = o->N;
    da_env env, envd;
    if (da_expr_envelope(&env, act->expr) != DA_OK) {
        snprintf(res->why, sizeof res->why,
                 "no proved growth envelope for '%s' (tail beyond the quadrature range)",
                 act->spec);
        return DA_EDOM;
    }
    if (dact && da_expr_envelope(&envd, dact->expr) != DA_OK)
        dact = NULL;   /* E sigma'^2 left out: beta unknown */

    eng E, *e = &E;
    if (eng_init(e, act, dact, o))
        return DA_ENOMEM;
    if (!o->prog)
        da_prog_start(e->prog);
    int status = DA_OK;
    const long N = o->N;

    /* T: every tail below tol/8 */
    mag_ptr tk = _mag_vec_init(N + 1);
    mag_t ts2, td2, tb;
    mag_init(ts2);
    mag_init(td2);
    mag_init(tb);
    mag_mul_2exp_si(tb, e->tol, -3);
    double T = o->log2_tol < -2 ? sqrt(-2 * o->log2_tol * M_LN2) : 2;
    if (T < 2)
        T = 2;
    int found = 0;
    for (int it = 0; it < 600 && T < 1e5; it++) {
        if (tails(e, &env, dact ? &envd : NULL, T, tb, tk, ts2, td2)) {
            found = 1;
            break;
        }
        T *= 1.02;
    }
    if (!found) {
        snprintf(res->why, sizeof res->why,
                 "the proved envelope of '%s' grows too fast to bound its tail", act->spec);
        status = DA_EDOM;
        goto cleanup;
    }
    /* Every interval must be exactly a ball m +- r, with r a mag of 30
       bits: then "x >= 0 on [0, r]" is decided.  Endpoints on the grid
       2^-g with 2T < 2^(29 - g) keep every width (and every width after
       bisection) within 30 significant bits. */
    int g = 29 - (int)ceil(log2(2 * T + 1));
    T = ldexp(ceil(ldexp(T, g)), -g);
    e->T = T;
    res->T = T;

    if ((status = rig_split_points(e, act, T, g)))
        goto cleanup;
    if ((status = rig_adaptive(e)))
        goto cleanup;
    status = rig_assemble(res, e, dact, tk, ts2, td2);

cleanup:
    if (!o->prog)
        da_prog_end(e->prog, "quadrature intervals");
    _mag_vec_clear(tk, N + 1);
    mag_clear(ts2);
    mag_clear(td2);
    mag_clear(tb);
    eng_clear(e);
    return status;
}

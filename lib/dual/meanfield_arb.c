/* meanfield_arb.c -- the mean-field quantities as proved enclosures.
 *
 * Gaussian expectations.  E[g(X)], X ~ N(0, v), is the integral of g times
 * the Gaussian weight over [-T, T], cut at the breakpoints of sigma, by
 * Arb's acb_calc_integrate (Gauss-Legendre with error bounds from complex
 * ball evaluation on Bernstein ellipses; Johansson 2018).  On each piece
 * the switches of sigma and sigma' are decided on the real segment
 * (da_tape_arb_decide) and the integrand is the analytic continuation of
 * that branch (da_tape_acb_follow), which reports non-analyticity by a
 * non-finite value.  The tails |x| > T are bounded from the proved growth
 * envelope |sigma(u)| <= A (1 + |u|)^m e^{c |u|} for all u (expr_envelope.c
 * for |u| >= 1, a ball enclosure of sigma on [-1, 1] below): with
 * |g(x)| <= B |x|^M e^{C |x|} e^{-x^2/(2V)} / sqrt(2 pi v) for |x| >= T,
 * T >= V C and T^2 >= 2 V (M + C T), the two tails together are at most
 * 4 B V T^(M-1) e^{C T - T^2/(2V)} / sqrt(2 pi v).  (x^M e^{Cx - x^2/(4V)}
 * decreases beyond T, and int_T^inf e^{-x^2/(4V)} <= (2V/T) e^{-T^2/(4V)}.)
 *
 * Fixed point q* (the limit of the length map f from q = 1):
 *   q* > 0  Krawczyk on h(q) = f(q) - q, with f'(q) = sw2 E[s s'(X) X]/q,
 *           proves a unique root in a ball Q; then on the segment between
 *           1 and Q, f(q) - q keeps the sign of f(1) - 1 and f' >= 0
 *           (ball evaluation on subintervals, bisected where undecided).
 *           f increasing there keeps the iterates between q* and 1, and
 *           they move monotonically, so they converge to the root in Q.
 *   q* = 0  (s(0) = 0, sb2 = 0): f(q) < q on [d, 1] (d = 2^-40) by the same
 *           subdivision; on (0, d], by Cauchy-Schwarz,
 *           s(x)^2 <= x^2 int_0^1 s'(tx)^2 dt, so f(q) <= C q with
 *           C = sw2 sup_{s in [0, d]} E[Z^2 s'(sqrt(s) Z)^2].  C < 1 proves
 *           q* = 0; otherwise (at criticality) the iterates end in
 *           [0, C d], which is what is reported as q*.
 *   chi_1 = sw2 E[s'(X)^2] over the ball Q (at q* = 0 the limit q -> 0+,
 *   enclosed over s in [0, 2^-(prec - 36)] in the z-form), and the slope of the
 *   length map (at q* = 0 it equals chi_1: f(q)/q -> chi_1).
 * Correlation map: in the ordered phase (chi_1 < 1) c* = 1 and chi_c =
 * chi_1 are exact consequences of convexity (the coefficients a_k(q)^2 are
 * non-negative, G(1) = 1, G'(1) = chi_1 < 1 give G(c) > c on [0, 1)).  In
 * the chaotic phase c* < 1 is proved by Newton's method and a Krawczyk
 * step on the Hermite series G(c) = (sw2 sum_k a_k(q*)^2 c^k + sb2)/q*,
 * with the Parseval tails bounding the truncation of G and G' (the
 * general-variance kernel of netkernel.c, da_netk_eval, over the ball of
 * q*; a closed form where sigma has one); convexity again shows that c* is
 * the only fixed point in [0, 1) (corr_fixed).
 *
 * Precision.  Every ball is computed at m->prec bits (da_mfa_new_prec;
 * 96 for the double API), the integration tolerances and the kernel's
 * digits follow it, and the Krawczyk steps for q* and c* are repeated on
 * balls around the enclosure until it stops shrinking, so the radii reach
 * about 2^-(prec - 40) relative however rough the double estimates that
 * start them.  meanfield.c chooses prec from the digits asked.
 */
#include "core/core.h"
#include "dual/dual.h"
#include "hermite/hermite.h"   /* DA_CRAMER_K */
#include "dual/mf_arb.h"
#include "act/act.h"
#include "act/tape_ball.h"
#include "act/envelope.h"
#ifdef HAVE_FLINT_ARB_H
#include <flint/acb_calc.h>
#else
#include <acb_calc.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define MFA_PREC 96
#define MFA_KMAX 400

struct da_mfa {
    const da_act *act, *dact;
    da_tape_ball *ws, *wd;
    da_declog lgs, lgd, refs, refd, scratch;
    double A[2], m[2], c[2];      /* envelopes of sigma, sigma' for all u */
    int nbrk;
    arf_struct brk[64];           /* breakpoints (on a dyadic grid) */
    int zero_brk_only;            /* every breakpoint is 0 */
    int sigma0_zero;              /* sigma(0) = 0 exactly */
    arb_ptr sq;                   /* sqrt(k), k = 0..MFA_KMAX + 1 */
    long budget;                  /* integrals left for this point */
    da_netk *nk;                  /* the correlation map (made on first use) */
    slong prec;                   /* the working precision of every ball */
};

/* value tolerances relative to the working precision (at 96 bits: 2^-60
   and 2^-70, the figures of the first version) */
#define VTOL(m) (-(double)(m)->prec + 36)
#define VTOL2(m) (-(double)(m)->prec + 26)

/* ---- small helpers ---------------------------------------------------- */

/* x = [a, b'] with b' >= b (or [a', 0] with a' <= a when b = 0), as an exact ball (the decide mode needs the
   segment itself, not a ball around it, to decide "u >= 0 on [0, b]") */
static void exact_interval(arb_t x, const arf_t a, const arf_t b)
{
    /* keep a; widen b so that b - a has 28 significant bits: then the
       midpoint a + (b - a)/2 is exact and the radius fits a mag exactly */
    arf_t w;
    arf_init(w);
    arf_sub(w, b, a, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_set_round(w, w, 28, ARF_RND_UP);
    arf_mul_2exp_si(w, w, -1);
    if (arf_is_zero(b))   /* keep the end at 0, widen the other one */
        arf_neg(arb_midref(x), w);
    else
        arf_add(arb_midref(x), a, w, ARF_PREC_EXACT, ARF_RND_DOWN);
    /* exact: w has <= 28 bits (arf_get_mag would add an ulp) */
    fmpz_t man, e;
    fmpz_init(man);
    fmpz_init(e);
    arf_get_fmpz_2exp(man, e, w);
    if (fmpz_is_zero(man))
        mag_zero(arb_radref(x));
    else
        mag_set_ui_2exp_si(arb_radref(x), fmpz_get_ui(man), fmpz_get_si(e));
    fmpz_clear(man);
    fmpz_clear(e);
    arf_clear(w);
}

/* decide sigma (and sigma') on the segment u (an exact ball) */
static int decide_piece(da_mfa *m, const arb_t u, int need_d)
{
    arb_t c, y;
    arb_init(c);
    arb_init(y);
    int ok = 1;
    arb_set_arf(c, arb_midref(u));
    if (da_tape_arb_decide(m->ws, y, c, &m->refs, NULL) ||
        da_tape_arb_decide(m->ws, y, u, &m->lgs, &m->refs))
        ok = 0;
    if (ok && need_d && (da_tape_arb_decide(m->wd, y, c, &m->refd, NULL) ||
                         da_tape_arb_decide(m->wd, y, u, &m->lgd, &m->refd)))
        ok = 0;
    arb_clear(c);
    arb_clear(y);
    return ok;
}

/* ---- construction ------------------------------------------------------ */

/* sup |f| on [-1, 1] by enclosures on 64 pieces */
static int sup_unit(double *S, da_tape_ball *w)
{
    arb_t x, y;
    arb_init(x);
    arb_init(y);
    mag_t t, s;
    mag_init(t);
    mag_init(s);
    int ok = 1;
    for (int i = 0; i < 64 && ok; i++) {
        arf_t a, b;
        arf_init(a);
        arf_init(b);
        arf_set_si_2exp_si(a, i - 32, -5);
        arf_set_si_2exp_si(b, i - 31, -5);
        exact_interval(x, a, b);
        if (da_tape_arb_enclose(w, y, x) || !arb_is_finite(y))
            ok = 0;
        arb_get_mag(t, y);
        mag_max(s, s, t);
        arf_clear(a);
        arf_clear(b);
    }
    *S = ok ? mag_get_d(s) : INFINITY;   /* mag_get_d rounds up */
    arb_clear(x);
    arb_clear(y);
    mag_clear(t);
    mag_clear(s);
    return ok && isfinite(*S);
}

void da_mfa_free(da_mfa *m)
{
    if (!m)
        return;
    da_tape_ball_free(m->ws);
    da_tape_ball_free(m->wd);
    da_declog_clear(&m->lgs);
    da_declog_clear(&m->lgd);
    da_declog_clear(&m->refs);
    da_declog_clear(&m->refd);
    da_declog_clear(&m->scratch);
    for (int i = 0; i < 64; i++)
        arf_clear(m->brk + i);
    if (m->sq)
        _arb_vec_clear(m->sq, MFA_KMAX + 2);
    da_netk_free(m->nk);
    free(m);
}

da_mfa *da_mfa_new(const da_act *act, const da_act *dact, char *why, size_t wl)
{
    return da_mfa_new_prec(act, dact, MFA_PREC, why, wl);
}

da_mfa *da_mfa_new_prec(const da_act *act, const da_act *dact, long prec, char *why, size_t wl)
{
    if (!dact) {
        snprintf(why, wl, "sigma jumps, so sigma' is a delta: chi_1 and the slopes have no "
                 "proved path (double estimates)");
        return NULL;
    }
    da_env e[2];
    if (da_expr_envelope(&e[0], act->expr) != DA_OK ||
        da_expr_envelope(&e[1], dact->expr) != DA_OK || e[0].q != 0 || e[1].q != 0) {
        da_clear_error();
        snprintf(why, wl, "no proved growth envelope of sigma or sigma' for the Gaussian tails");
        return NULL;
    }
    da_mfa *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    for (int i = 0; i < 64; i++)
        arf_init(m->brk + i);
    m->act = act;
    m->dact = dact;
    m->prec = prec < MFA_PREC ? MFA_PREC : prec;
    m->ws = da_tape_ball_new(act->tape, m->prec);
    m->wd = da_tape_ball_new(dact->tape, m->prec);
    da_declog_init(&m->lgs, 16);
    da_declog_init(&m->lgd, 16);
    da_declog_init(&m->refs, 16);
    da_declog_init(&m->refd, 16);
    da_declog_init(&m->scratch, 16);
    m->sq = _arb_vec_init(MFA_KMAX + 2);
    for (long k = 0; k <= MFA_KMAX + 1; k++) {
        arb_set_ui(m->sq + k, (ulong)k);
        arb_sqrt(m->sq + k, m->sq + k, m->prec);
    }
    if (!m->ws || !m->wd) {
        snprintf(why, wl, "out of memory");
        da_mfa_free(m);
        return NULL;
    }
    da_tape_ball *w[2] = {m->ws, m->wd};
    for (int i = 0; i < 2; i++) {
        double S;
        if (!sup_unit(&S, w[i])) {
            snprintf(why, wl, "sigma%s is not bounded on [-1, 1] in ball arithmetic",
                     i ? "'" : "");
            da_mfa_free(m);
            return NULL;
        }
        /* (1+|u|)^m' e^{c|u|} >= 1 everywhere and >= |u|^m for |u| >= 1 */
        m->A[i] = (e[i].A + S) * (1 + 1e-15);
        m->m[i] = e[i].m > 0 ? e[i].m : 0;
        m->c[i] = e[i].c > 0 ? e[i].c : 0;
    }
    /* breakpoints, at 64 bits on a grid of 2^-32 (one that is not exact
       there makes the pieces next to it undecided: no proof, said so) */
    m->zero_brk_only = 1;
    int nb = act->info.nbreak;
    if (nb > 64)
        nb = 64;
    for (int i = 0; i < nb; i++) {
        double b = act->info.brk[i];
        arf_set_d(m->brk + m->nbrk, ldexp(nearbyint(ldexp(b, 32)), -32));
        if (!arf_is_zero(m->brk + m->nbrk))
            m->zero_brk_only = 0;
        m->nbrk++;
    }
    if (nb > 0) {
        mpfr_t *bp = malloc((size_t)nb * sizeof(mpfr_t));
        if (bp) {
            for (int i = 0; i < nb; i++)
                mpfr_init2(bp[i], 128);
            if (da_expr_breakpoints_m(act->expr, &act->info, bp, 128) == DA_OK)
                for (int i = 0; i < nb; i++)
                    if (mpfr_number_p(bp[i]))
                        arf_set_mpfr(m->brk + i, bp[i]);
            for (int i = 0; i < nb; i++)
                mpfr_clear(bp[i]);
            free(bp);
        }
        da_clear_error();
    }
    arb_t z, y;
    arb_init(z);
    arb_init(y);
    m->sigma0_zero = da_tape_arb_enclose(m->ws, y, z) == 0 && arb_is_zero(y);
    arb_clear(z);
    arb_clear(y);
    return m;
}

/* A ball's radius over its midpoint, through a function that takes the
   whole arb_t: read in place beside a call that takes the ball itself
   (arb_mul(.., L->sw2, ..) in solve_q), GCC 12 took the ball's address for
   its 32-byte midpoint and warned of a 48-byte read
   (-Wstringop-overread), falsely. */
static double ball_relrad_d(const arb_t x)
{
    return mag_get_d(arb_radref(x)) / arf_get_d(arb_midref(x), ARF_RND_NEAR);
}

/* ---- the integrand ----------------------------------------------------- */

typedef struct {
    da_mfa *m;
    int kind;
    long k;
    arb_t alpha;   /* u = alpha z */
    arb_t v;       /* weight variance */
    arb_t beta;    /* h_k argument beta z (HK) */
    arb_t norm;    /* 1/sqrt(2 pi v) */
} mfa_par;

static int integrand(acb_ptr out, const acb_t z, void *param, slong order, slong prec)
{
    mfa_par *p = param;
    da_mfa *m = p->m;
    (void)order;
    acb_t u, s, d, w, t;
    acb_init(u);
    acb_init(s);
    acb_init(d);
    acb_init(w);
    acb_init(t);
    acb_mul_arb(u, z, p->alpha, prec);
    int bad = da_tape_acb_follow(m->ws, s, u, &m->lgs) != 0;
    if (!bad && p->kind != MFA_S2 && p->kind != MFA_HK)
        bad = da_tape_acb_follow(m->wd, d, u, &m->lgd) != 0;
    if (bad) {
        acb_indeterminate(out);
        goto done;
    }
    /* weight */
    acb_sqr(w, z, prec);
    acb_div_arb(w, w, p->v, prec);
    acb_mul_2exp_si(w, w, -1);
    acb_neg(w, w);
    acb_exp(w, w, prec);
    acb_mul_arb(w, w, p->norm, prec);
    switch (p->kind) {
    case MFA_S2:
        acb_sqr(t, s, prec);
        break;
    case MFA_D2:
        acb_sqr(t, d, prec);
        break;
    case MFA_SDU:
        acb_mul(t, s, d, prec);
        acb_mul(t, t, u, prec);
        break;
    case MFA_Z2D2:
        acb_mul(t, d, z, prec);
        acb_sqr(t, t, prec);
        break;
    default: {   /* HK: h_k(beta z) by the three-term recurrence */
        acb_t y, h0, h1, h2;
        acb_init(y);
        acb_init(h0);
        acb_init(h1);
        acb_init(h2);
        acb_mul_arb(y, z, p->beta, prec);
        acb_one(h0);
        acb_set(h1, y);
        if (p->k == 0)
            acb_set(h1, h0);
        for (long j = 1; j < p->k; j++) {
            /* h_{j+1} = (y h_j - sqrt(j) h_{j-1}) / sqrt(j+1) */
            acb_mul(h2, y, h1, prec);
            acb_submul_arb(h2, h0, m->sq + j, prec);
            acb_div_arb(h2, h2, m->sq + j + 1, prec);
            acb_swap(h0, h1);
            acb_swap(h1, h2);
        }
        acb_mul(t, s, h1, prec);
        acb_clear(y);
        acb_clear(h0);
        acb_clear(h1);
        acb_clear(h2);
        break;
    }
    }
    acb_mul(out, t, w, prec);
done:
    acb_clear(u);
    acb_clear(s);
    acb_clear(d);
    acb_clear(w);
    acb_clear(t);
    return 0;
}

/* upper bound of both Gaussian tails |z| > T of the integrand, or +inf */
static void tail_bound(mag_t out, const mfa_par *p, const arb_t T, slong prec)
{
    da_mfa *m = p->m;
    int is = 0, id = 1;
    double B0, M, C0;   /* B = B0 * (1+alpha)^(...) handled in arb */
    double ms = m->m[is], md = m->m[id];
    arb_t B, C, V, a1, t, u;
    arb_init(B);
    arb_init(C);
    arb_init(V);
    arb_init(a1);
    arb_init(t);
    arb_init(u);
    /* alpha upper bound */
    arb_get_ubound_arf(arb_midref(a1), p->alpha, prec);
    mag_zero(arb_radref(a1));
    arb_add_ui(t, a1, 1, prec);   /* 1 + alpha */
    double ea;                    /* exponent of (1 + alpha) */
    double B1;   /* B = B0 * B1 in ball arithmetic (a double product could round down) */
    switch (p->kind) {
    case MFA_S2: B0 = m->A[is]; B1 = m->A[is]; M = 2 * ms; C0 = 2 * m->c[is]; ea = 2 * ms; break;
    case MFA_D2: B0 = m->A[id]; B1 = m->A[id]; M = 2 * md; C0 = 2 * m->c[id]; ea = 2 * md; break;
    case MFA_SDU: B0 = m->A[is]; B1 = m->A[id]; M = ms + md + 1; C0 = m->c[is] + m->c[id]; ea = ms + md; break;
    case MFA_Z2D2: B0 = m->A[id]; B1 = m->A[id]; M = 2 * md + 2; C0 = 2 * m->c[id]; ea = 2 * md; break;
    default: B0 = m->A[is]; B1 = DA_CRAMER_K; M = ms; C0 = m->c[is]; ea = ms; break;
    }
    arb_set_d(B, B0);
    arb_set_d(u, B1);
    arb_mul(B, B, u, prec);
    arb_set_d(u, ea);
    arb_pow(u, t, u, prec);
    arb_mul(B, B, u, prec);
    if (p->kind == MFA_SDU)
        arb_mul(B, B, a1, prec);
    arb_set_d(C, C0);
    arb_mul(C, C, a1, prec);
    arb_get_ubound_arf(arb_midref(V), p->v, prec);
    mag_zero(arb_radref(V));
    if (p->kind == MFA_HK)
        arb_mul_2exp_si(V, V, 1);
    /* conditions T >= V C, T^2 >= 2 V (M + C T) */
    arb_mul(t, V, C, prec);
    int ok = arb_le(t, T);
    arb_mul(t, C, T, prec);
    arb_add_ui(t, t, 0, prec);
    arb_set_d(u, M);
    arb_add(t, t, u, prec);
    arb_mul(t, t, V, prec);
    arb_mul_2exp_si(t, t, 1);
    arb_sqr(u, T, prec);
    ok = ok && arb_le(t, u);
    if (!ok) {
        mag_inf(out);
        goto done;
    }
    /* 4 B V T^(M-1) e^{C T - T^2/(2V)} * norm */
    arb_set_d(u, M - 1);
    arb_pow(t, T, u, prec);
    arb_mul(t, t, B, prec);
    arb_mul(t, t, V, prec);
    arb_mul_2exp_si(t, t, 2);
    arb_sqr(u, T, prec);
    arb_div(u, u, V, prec);
    arb_mul_2exp_si(u, u, -1);
    arb_neg(u, u);
    arb_addmul(u, C, T, prec);
    arb_exp(u, u, prec);
    arb_mul(t, t, u, prec);
    arb_mul(t, t, p->norm, prec);
    arb_get_mag(out, t);
done:
    arb_clear(B);
    arb_clear(C);
    arb_clear(V);
    arb_clear(a1);
    arb_clear(t);
    arb_clear(u);
}

/* E over the weight of p (set up by the caller), to absolute tolerance
   2^log2tol.  DA_OK or DA_EDOM (why filled). */
static int expect(arb_t res, mfa_par *p, double log2tol, char *why, size_t wl)
{
    da_mfa *m = p->m;
    slong prec = m->prec;
    if (m->budget-- <= 0) {
        snprintf(why, wl, "work cap reached");
        return DA_EDOM;
    }
    arb_t T;
    arb_init(T);
    mag_t tb, tol;
    mag_init(tb);
    mag_init(tol);
    mag_set_d(tol, ldexp(1.0, (int)floor(log2tol)));
    /* T: from sqrt(2 V ln(1/tol)) upwards until the tail is below tol/4 */
    /* an upper bound of V in double (rounded upwards: arb_get_ubound_arf,
       not p->v's midpoint and radius read apart, which GCC 12 mistook for
       a 32-byte object beside tail_bound's arb_get_ubound_arf(.., p->v, ..):
       -Wstringop-overread, falsely) */
    arf_t vu;
    arf_init(vu);
    arb_get_ubound_arf(vu, p->v, prec);
    double vv = arf_get_d(vu, ARF_RND_UP);
    arf_clear(vu);
    double Vd = (p->kind == MFA_HK ? 2 : 1) * vv;
    double T0 = sqrt(2 * Vd * (-log2tol * M_LN2 + 10)) + 1;
    int found = 0;
    for (int it = 0; it < 80; it++) {
        arb_set_d(T, ldexp(ceil(ldexp(T0, 4)), -4));
        tail_bound(tb, p, T, prec);
        mag_mul_2exp_si(tb, tb, 2);
        if (mag_cmp(tb, tol) <= 0) {
            found = 1;
            break;
        }
        T0 *= 1.1;
    }
    mag_mul_2exp_si(tb, tb, -2);
    if (!found) {
        snprintf(why, wl, "Gaussian tail not bounded by the envelope");
        goto fail;
    }
    /* cut points in the integration variable */
    arf_struct cuts[70];
    int nc = 0;
    arf_init(cuts + nc);
    arf_neg(cuts + nc, arb_midref(T));
    nc++;
    int zform = !(arb_is_one(p->alpha));
    if (zform && !m->zero_brk_only) {
        snprintf(why, wl, "breakpoint away from 0 with a variance ball containing 0");
        arf_clear(cuts);
        goto fail;
    }
    if (zform || m->nbrk == 0) {
        arf_init(cuts + nc);
        arf_zero(cuts + nc);
        nc++;
    } else {
        for (int i = 0; i < m->nbrk; i++)
            if (arf_cmpabs(m->brk + i, arb_midref(T)) < 0) {
                arf_init(cuts + nc);
                arf_set(cuts + nc, m->brk + i);
                nc++;
            }
    }
    arf_init(cuts + nc);
    arf_set(cuts + nc, arb_midref(T));
    nc++;
    /* sort */
    for (int i = 1; i < nc; i++)
        for (int j = i; j > 0 && arf_cmp(cuts + j - 1, cuts + j) > 0; j--)
            arf_swap(cuts + j - 1, cuts + j);
    acb_t a, b, r;
    acb_init(a);
    acb_init(b);
    acb_init(r);
    arb_t seg, su;
    arb_init(seg);
    arb_init(su);
    arb_zero(res);
    acb_calc_integrate_opt_t opt;
    acb_calc_integrate_opt_init(opt);
    opt->eval_limit = 200000;
    int st = DA_OK;
    for (int i = 0; i + 1 < nc && st == DA_OK; i++) {
        if (arf_equal(cuts + i, cuts + i + 1))
            continue;
        /* the segment of u: alpha [a, b], endpoints rounded outwards */
        arf_t lo, hi;
        arf_init(lo);
        arf_init(hi);
        arb_t al;
        arb_init(al);
        arb_get_lbound_arf(lo, p->alpha, prec);   /* alpha >= 0 */
        arb_get_ubound_arf(hi, p->alpha, prec);
        if (arf_sgn(lo) < 0)
            arf_zero(lo);
        arf_t ul, uh;
        arf_init(ul);
        arf_init(uh);
        arf_mul(ul, cuts + i, arf_sgn(cuts + i) >= 0 ? lo : hi, prec, ARF_RND_FLOOR);
        arf_mul(uh, cuts + i + 1, arf_sgn(cuts + i + 1) >= 0 ? hi : lo, prec, ARF_RND_CEIL);
        exact_interval(su, ul, uh);
        int ok = decide_piece(m, su, p->kind != MFA_S2 && p->kind != MFA_HK);
        arf_clear(ul);
        arf_clear(uh);
        arf_clear(lo);
        arf_clear(hi);
        arb_clear(al);
        if (!ok) {
            snprintf(why, wl, "switches of sigma not decided on a piece [%g, %g]",
                     arf_get_d(cuts + i, ARF_RND_NEAR), arf_get_d(cuts + i + 1, ARF_RND_NEAR));
            st = DA_EDOM;
            break;
        }
        acb_zero(a);
        acb_zero(b);
        arb_set_arf(acb_realref(a), cuts + i);
        arb_set_arf(acb_realref(b), cuts + i + 1);
        acb_calc_integrate(r, integrand, p, a, b, (slong)(-log2tol) + 10, tol, opt, prec);
        if (!acb_is_finite(r)) {
            snprintf(why, wl, "integrand not bounded on a piece");
            st = DA_EDOM;
            break;
        }
        arb_add(res, res, acb_realref(r), prec);
    }
    arb_add_error_mag(res, tb);
    for (int i = 0; i < nc; i++)
        arf_clear(cuts + i);
    acb_clear(a);
    acb_clear(b);
    acb_clear(r);
    arb_clear(seg);
    arb_clear(su);
    arb_clear(T);
    mag_clear(tb);
    mag_clear(tol);
    return st;
fail:
    arb_clear(T);
    mag_clear(tb);
    mag_clear(tol);
    return DA_EDOM;
}

/* E[g(X)], X ~ N(0, q) (x-form; q > 0) */
static int ex(arb_t res, da_mfa *m, int kind, const arb_t q, long k, double lt, char *why, size_t wl)
{
    mfa_par p;
    p.m = m;
    p.kind = kind;
    p.k = k;
    arb_init(p.alpha);
    arb_init(p.v);
    arb_init(p.beta);
    arb_init(p.norm);
    arb_one(p.alpha);
    arb_set(p.v, q);
    arb_rsqrt(p.beta, q, m->prec);
    arb_const_pi(p.norm, m->prec);
    arb_mul(p.norm, p.norm, q, m->prec);
    arb_mul_2exp_si(p.norm, p.norm, 1);
    arb_rsqrt(p.norm, p.norm, m->prec);
    arf_t ql;
    arf_init(ql);
    arb_get_lbound_arf(ql, q, m->prec);
    int pos = arf_sgn(ql) > 0;
    arf_clear(ql);
    int st = pos ? expect(res, &p, lt, why, wl) : DA_EDOM;
    if (!pos)
        snprintf(why, wl, "variance ball not positive");
    arb_clear(p.alpha);
    arb_clear(p.v);
    arb_clear(p.beta);
    arb_clear(p.norm);
    return st;
}

/* E[g(sqrt(s) Z)] (z-form; s >= 0, may contain 0) */
static int ez(arb_t res, da_mfa *m, int kind, const arb_t s, double lt, char *why, size_t wl)
{
    mfa_par p;
    p.m = m;
    p.kind = kind;
    p.k = 0;
    arb_init(p.alpha);
    arb_init(p.v);
    arb_init(p.beta);
    arb_init(p.norm);
    arb_sqrtpos(p.alpha, s, m->prec);
    if (arb_is_one(p.alpha)) {   /* keep the z-form recognisable */
        arb_set_d(p.alpha, 1);
        mag_set_d(arb_radref(p.alpha), 1e-300);
    }
    arb_one(p.v);
    arb_one(p.beta);
    arb_const_pi(p.norm, m->prec);
    arb_mul_2exp_si(p.norm, p.norm, 1);
    arb_rsqrt(p.norm, p.norm, m->prec);
    int st = expect(res, &p, lt, why, wl);
    arb_clear(p.alpha);
    arb_clear(p.v);
    arb_clear(p.beta);
    arb_clear(p.norm);
    return st;
}

/* ---- the length map ------------------------------------------------------ */

typedef struct {
    da_mfa *m;
    arb_t sw2, sb2;
    char *why;
    size_t wl;
} lenmap;

/* the length map of m at (sw2, sb2), messages into why */
static void lenmap_init(lenmap *L, da_mfa *m, double sw2, double sb2, char *why, size_t wl)
{
    L->m = m;
    L->why = why;
    L->wl = wl;
    arb_init(L->sw2);
    arb_init(L->sb2);
    arb_set_d(L->sw2, sw2);
    arb_set_d(L->sb2, sb2);
}

/* the same with sw2, sb2 balls */
static void lenmap_init_arb(lenmap *L, da_mfa *m, const arb_t sw2, const arb_t sb2, char *why,
                            size_t wl)
{
    lenmap_init(L, m, 0, 0, why, wl);
    arb_set(L->sw2, sw2);
    arb_set(L->sb2, sb2);
}

static void lenmap_clear(lenmap *L)
{
    arb_clear(L->sw2);
    arb_clear(L->sb2);
}

/* f(q) = sw2 E[s^2] + sb2 */
static int fq(arb_t y, lenmap *L, const arb_t q, double lt)
{
    if (ex(y, L->m, MFA_S2, q, 0, lt, L->why, L->wl))
        return DA_EDOM;
    arb_mul(y, y, L->sw2, L->m->prec);
    arb_add(y, y, L->sb2, L->m->prec);
    return DA_OK;
}

/* f'(q) = sw2 E[s s'(X) X] / q */
static int dfq(arb_t y, lenmap *L, const arb_t q, double lt)
{
    if (ex(y, L->m, MFA_SDU, q, 0, lt, L->why, L->wl))
        return DA_EDOM;
    arb_mul(y, y, L->sw2, L->m->prec);
    arb_div(y, y, q, L->m->prec);
    return DA_OK;
}

static void set_lohi(arb_t x, const arf_t lo, const arf_t hi)
{
    exact_interval(x, lo, hi);
}

/* prove sgn (f(q) - q) > 0 on [lo, hi] (and f' >= 0 there when mono) */
static int prove_sign(lenmap *L, const arf_t lo, const arf_t hi, int sgn, int mono, int depth)
{
    slong prec = L->m->prec;
    arb_t P, F, D, pt, t;
    arb_init(P);
    arb_init(F);
    arb_init(D);
    arb_init(pt);
    arb_init(t);
    int ok = 0, st = DA_OK;
    set_lohi(P, lo, hi);
    /* tolerances relative to the size of q: f - id has a margin of order
       q^2 near q = 0 */
    double l2 = log2(arf_get_d(lo, ARF_RND_NEAR));
    double cap = -(double)L->m->prec + 8;
    double lt = l2 - 40 > cap ? l2 - 40 : cap;
    double ltd = fmin(2 * l2 - 6, l2 - 40), ltp = fmin(2 * l2 - 12, l2 - 60);
    ltd = ltd > cap ? ltd : cap;
    ltp = ltp > cap ? ltp : cap;
    int sign_ok = 0, mono_ok = !mono;
    if (fq(F, L, P, lt) == DA_OK) {
        arb_sub(t, F, P, prec);
        /* direct: f(P) entirely on one side of P */
        arb_t lo_b, hi_b;
        arb_init(lo_b);
        arb_init(hi_b);
        arb_set_arf(lo_b, lo);
        arb_set_arf(hi_b, hi);
        if (sgn < 0) {
            arb_sub(t, F, lo_b, prec);
            sign_ok = arb_is_negative(t);
        } else {
            arb_sub(t, F, hi_b, prec);
            sign_ok = arb_is_positive(t);
        }
        if (!sign_ok || mono) {
            if (dfq(D, L, P, ltd) == DA_OK) {
                if (mono)
                    mono_ok = arb_is_nonnegative(D);
                if (!sign_ok) {
                    arb_sub_ui(t, D, 1, prec);
                    /* f - id monotone on P: its sign at one end decides */
                    int dec = arb_is_nonpositive(t), inc = arb_is_nonnegative(t);
                    const arf_struct *e = NULL;
                    if (sgn < 0 && dec)
                        e = lo;
                    else if (sgn < 0 && inc)
                        e = hi;
                    else if (sgn > 0 && dec)
                        e = hi;
                    else if (sgn > 0 && inc)
                        e = lo;
                    if (e) {
                        arb_set_arf(pt, e);
                        if (fq(F, L, pt, ltp) == DA_OK) {
                            arb_sub(t, F, pt, prec);
                            sign_ok = sgn < 0 ? arb_is_negative(t) : arb_is_positive(t);
                        } else {
                            st = DA_EDOM;
                        }
                    }
                }
            } else {
                st = DA_EDOM;
            }
        }
        arb_clear(lo_b);
        arb_clear(hi_b);
    } else {
        st = DA_EDOM;
    }
    if (sign_ok && mono_ok) {
        ok = 1;
    } else if (st == DA_OK && depth < 48) {
        arf_t mid;
        arf_init(mid);
        /* geometric midpoint, rounded to a few bits */
        double ml = sqrt(arf_get_d(lo, ARF_RND_NEAR) * arf_get_d(hi, ARF_RND_NEAR));
        if (!(ml > 0))
            ml = 0.5 * (arf_get_d(lo, ARF_RND_NEAR) + arf_get_d(hi, ARF_RND_NEAR));
        int e;
        frexp(ml, &e);
        arf_set_d(mid, ldexp(nearbyint(ldexp(ml, 12 - e)), e - 12));
        if (arf_cmp(mid, lo) > 0 && arf_cmp(mid, hi) < 0)
            ok = prove_sign(L, lo, mid, sgn, mono, depth + 1) &&
                 prove_sign(L, mid, hi, sgn, mono, depth + 1);
        arf_clear(mid);
    }
    arb_clear(P);
    arb_clear(F);
    arb_clear(D);
    arb_clear(pt);
    arb_clear(t);
    return ok;
}

/* One Krawczyk step for g(x) = 0 on the ball X around its midpoint m,
   from gm = g(m) and dg, a ball of g' over X:
       K = m - Y g(m) + (1 - Y g'(X)) (X - m),   Y = 1/mid g'(X).
   Returns 1 when K lies strictly inside X (X then holds exactly one root,
   and K holds it), 0 when not, -1 when mid g'(X) = 0 (no step).  xl, xh
   (when not NULL) get the ends of X at prec. */
static int krawczyk_step(arb_t K, arf_t xl, arf_t xh, const arb_t X, const arb_t m,
                         const arb_t gm, const arb_t dg, slong prec)
{
    if (arf_is_zero(arb_midref(dg)) || !arf_is_finite(arb_midref(dg)))
        return -1;
    arb_t Y, t;
    arb_init(Y);
    arb_init(t);
    /* Y a point at the working precision (any Y is valid) */
    arf_ui_div(arb_midref(Y), 1, arb_midref(dg), prec, ARF_RND_NEAR);
    mag_zero(arb_radref(Y));
    arb_mul(t, Y, dg, prec);
    arb_sub_ui(t, t, 1, prec);
    arb_neg(t, t);
    arb_sub(K, X, m, prec);
    arb_mul(K, K, t, prec);
    arb_submul(K, Y, gm, prec);
    arb_add(K, K, m, prec);
    /* strict interior: both ends of K inside those of X */
    arf_t kl, kh, l, h;
    arf_init(kl);
    arf_init(kh);
    arf_init(l);
    arf_init(h);
    arb_get_lbound_arf(kl, K, prec);
    arb_get_ubound_arf(kh, K, prec);
    arb_get_lbound_arf(l, X, prec);
    arb_get_ubound_arf(h, X, prec);
    int in = arf_cmp(kl, l) > 0 && arf_cmp(kh, h) < 0;
    if (xl)
        arf_set(xl, l);
    if (xh)
        arf_set(xh, h);
    arf_clear(kl);
    arf_clear(kh);
    arf_clear(l);
    arf_clear(h);
    arb_clear(Y);
    arb_clear(t);
    return in;
}

/* Krawczyk on h(q) = f(q) - q around q0: Q on success, Xo the ball where
   the root is proved unique.  Then the step again on balls around the
   enclosure (inside Xo), each with h at a point of the working precision,
   until the radius stops shrinking: the enclosure reaches the working
   precision, however rough q0. */
static int krawczyk_q(arb_t Q, arb_t Xo, lenmap *L, double q0, double r0)
{
    slong prec = L->m->prec;
    arb_t X, mq, hm, D, K;
    arb_init(X);
    arb_init(mq);
    arb_init(hm);
    arb_init(D);
    arb_init(K);
    int ok = 0;
    double r = r0;
    for (int tries = 0; tries < 8 && !ok; tries++, r *= 16) {
        if (r >= q0)
            break;
        arb_set_d(X, q0);
        mag_set_d(arb_radref(X), r);
        arb_set_d(mq, q0);
        if (fq(hm, L, mq, -(double)prec + 20) || dfq(D, L, X, -(double)prec + 20))
            break;
        arb_sub(hm, hm, mq, prec);
        arb_sub_ui(D, D, 1, prec);
        int in = krawczyk_step(K, NULL, NULL, X, mq, hm, D, prec);
        if (in < 0)
            break;
        if (in) {
            ok = 1;
            arb_set(Q, K);
            arb_set(Xo, X);
        }
    }
    for (int it = 0; ok && it < 12; it++) {
        /* X: the enclosure, doubled, plus a few ulp at the working precision */
        mag_t rr, u;
        mag_init(rr);
        mag_init(u);
        arb_get_mag(u, Q);
        mag_mul_2exp_si(u, u, -(prec - 8));
        mag_mul_2exp_si(rr, arb_radref(Q), 1);
        mag_add(rr, rr, u);
        arf_set_round(arb_midref(X), arb_midref(Q), prec, ARF_RND_NEAR);
        mag_set(arb_radref(X), rr);
        mag_clear(rr);
        mag_clear(u);
        if (!arb_contains(Xo, X))
            break;
        arb_set_arf(mq, arb_midref(X));
        if (fq(hm, L, mq, -(double)prec + 20) || dfq(D, L, X, -(double)prec + 20))
            break;
        arb_sub(hm, hm, mq, prec);
        arb_sub_ui(D, D, 1, prec);
        if (krawczyk_step(K, NULL, NULL, X, mq, hm, D, prec) <= 0)
            break;
        /* keep the narrower of the two enclosures */
        int better = mag_cmp(arb_radref(K), arb_radref(Q)) < 0;
        mag_t half;
        mag_init(half);
        mag_mul_2exp_si(half, arb_radref(Q), -1);
        int fast = mag_cmp(arb_radref(K), half) < 0;
        mag_clear(half);
        if (better)
            arb_set(Q, K);
        if (!fast)
            break;
    }
    arb_clear(X);
    arb_clear(mq);
    arb_clear(hm);
    arb_clear(D);
    arb_clear(K);
    return ok;
}

/* ---- output -------------------------------------------------------------- */

/* midpoint and an upper bound of the distance to any point of x */
static void to_d(double *mid, double *err, const arb_t x)
{
    arb_t t;
    arb_init(t);
    *mid = arf_get_d(arb_midref(x), ARF_RND_NEAR);
    arb_set_d(t, *mid);
    arb_sub(t, x, t, 128);
    mag_t e;
    mag_init(e);
    arb_get_mag(e, t);
    *err = mag_get_d(e);
    mag_clear(e);
    arb_clear(t);
}

/* xi = -1/ln|slope|: finite ball, or lower bound + inf when |slope| may be 1 */
static void set_xi(double *xi, double *xe, double *lo, const arb_t slope)
{
    arb_t a, L;
    arb_init(a);
    arb_init(L);
    arb_abs(a, slope);
    *lo = 0;
    arb_sub_ui(L, a, 1, 128);
    if (arb_is_negative(L) && arb_is_positive(a)) {
        arb_log(L, a, 128);
        arb_inv(L, L, 128);
        arb_neg(L, L);
        to_d(xi, xe, L);
        *lo = *xi - *xe;
    } else if (arb_contains_zero(L) || !arb_is_finite(a)) {
        /* the slope may be 1: xi unbounded; its lower bound from the
           lower end of |slope| (when below 1) */
        *xi = INFINITY;
        *xe = 0;
        arf_t l;
        arf_init(l);
        arb_get_lbound_arf(l, a, 128);
        if (arf_sgn(l) > 0 && arf_cmp_si(l, 1) < 0) {
            arb_set_arf(L, l);
            arb_log(L, L, 128);
            arb_inv(L, L, 128);
            arb_neg(L, L);
            arf_t v;
            arf_init(v);
            arb_get_lbound_arf(v, L, 128);
            *lo = arf_get_d(v, ARF_RND_DOWN);
            arf_clear(v);
        }
        arf_clear(l);
    } else {
        /* |slope| > 1: no decay, no depth scale */
        *xi = NAN;
        *xe = INFINITY;
    }
    arb_clear(a);
    arb_clear(L);
}

/* ---- the correlation map (chaotic phase) ------------------------------- */

/* x (an Arb ball) as a da_ball at b's precision, containment kept */
static void arb_to_ball(da_ball b, const arb_t x)
{
    if (!arb_is_finite(x)) {
        mpfr_set_nan(b->mid);
        mpfr_set_inf(b->rad, 1);
        return;
    }
    arf_t d, t;
    arf_init(d);
    arf_init(t);
    mag_t e;
    mag_init(e);
    slong need = arf_bits(arb_midref(x));
    if (need > (slong)mpfr_get_prec(b->mid))
        mpfr_set_prec(b->mid, (mpfr_prec_t)need);
    arf_get_mpfr(b->mid, arb_midref(x), MPFR_RNDN);
    arf_set_mpfr(t, b->mid);
    arf_sub(d, t, arb_midref(x), ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_get_mag(e, d);
    mag_add(e, e, arb_radref(x));
    arf_set_mag(t, e);
    arf_get_mpfr(b->rad, t, MPFR_RNDU);
    arf_clear(d);
    arf_clear(t);
    mag_clear(e);
}

/* b as an Arb ball */
static void ball_to_arb(arb_t x, const da_ball b)
{
    if (!mpfr_number_p(b->mid) || !mpfr_number_p(b->rad)) {
        arb_indeterminate(x);
        return;
    }
    arf_set_mpfr(arb_midref(x), b->mid);
    arf_t t;
    arf_init(t);
    arf_set_mpfr(t, b->rad);
    arf_get_mag(arb_radref(x), t);
    arf_clear(t);
}

/* the working digits of the kernel engine at precision prec */
static long nk_digits(slong prec)
{
    return (long)floor((double)(prec - 32) * 0.30102999566398120);
}

/* The correlation map G(c) = (sw2 E[s(u) s(v)] + sb2)/q at Var u = Var v = q,
   Cov = c q, for every q in Q and c in C, and (dG not NULL) its slope
   G'(c) = sw2 E[s'(u) s'(v)] (Price: dE[s(u)s(v)]/dCov = E[s'(u)s'(v)]),
   from the Hermite series of s(sqrt(q) x) with the proved Parseval tails
   (netkernel.c, da_netk_eval; a closed form where the activation has
   one). */
static int corr_eval(arb_t G, arb_t dG, da_mfa *m, const arb_t sw2, const arb_t sb2,
                     const arb_t Q, const arb_t C, char *why, size_t wl)
{
    slong prec = m->prec;
    if (!m->nk) {
        da_netk_opts o;
        da_netk_opts_init(&o);
        o.digits = nk_digits(prec);
        if (da_netk_new(&m->nk, m->act, &o) != DA_OK) {
            snprintf(why, wl, "c*: %s", da_errmsg());
            da_clear_error();
            m->nk = NULL;
            return DA_EDOM;
        }
    }
    da_ball bq, bc, r;
    da_ball_init2(bq, prec);
    da_ball_init2(bc, prec);
    da_ball_init2(r, prec);
    arb_t cov, F;
    arb_init(cov);
    arb_init(F);
    int st = DA_OK;
    arb_mul(cov, C, Q, prec);
    arb_to_ball(bq, Q);
    arb_to_ball(bc, cov);
    for (int deriv = 0; deriv <= (dG ? 1 : 0) && st == DA_OK; deriv++) {
        int s = da_netk_eval(r, m->nk, bq, bq, bc, deriv);
        if (s != DA_OK && s != DA_EACCURACY) {
            snprintf(why, wl, "c*: the correlation map: %s", da_errmsg());
            st = DA_EDOM;
            break;
        }
        da_clear_error();
        ball_to_arb(F, r);
        if (deriv == 0) {
            arb_mul(G, F, sw2, prec);
            arb_add(G, G, sb2, prec);
            arb_div(G, G, Q, prec);
        } else {
            arb_mul(dG, F, sw2, prec);
        }
    }
    if (st == DA_OK && !da_netk_rigorous(m->nk)) {
        snprintf(why, wl, "c*: %s", da_netk_bound_reason(m->nk));
        st = DA_EDOM;
    }
    da_ball_clear(bq);
    da_ball_clear(bc);
    da_ball_clear(r);
    arb_clear(cov);
    arb_clear(F);
    return st;
}

/* c* in the chaotic phase: Newton's method on G(c) - c at the working
   precision from the estimate c0, then a Krawczyk step on a ball X around
   the last iterate, with G'(X) from the same series.  G is convex on
   [0, 1] (non-negative coefficients) with G(1) = 1 and G'(1) = chi_1 > 1,
   so G - id has exactly one zero in [0, 1) (G(0) >= 0): the one in X when
   X lies in (0, 1); when X reaches below 0 (c* = 0 or nearly, an odd
   sigma with sb2 = 0), G' < 1 on X makes G - id decrease there, so its
   zero in X is >= 0 and is that one, and the enclosure is cut at 0.
   chi_c = G'(c*) over the ball of c*. */
static int corr_fixed(arb_t cst, arb_t chic, da_mfa *m, const arb_t sw2, const arb_t sb2,
                      const arb_t Q, double c0, char *why, size_t wl)
{
    slong prec = m->prec;
    if (!(c0 > -0.5 && c0 < 1)) {
        snprintf(why, wl, "c*: the estimate is not inside [0, 1)");
        return DA_EDOM;
    }
    if (c0 < 0)
        c0 = 0;   /* c* >= 0 (G(0) >= 0): a rounding of the estimate */
    arb_t c, g, d, X, K, t;
    arb_init(c); arb_init(g); arb_init(d); arb_init(X); arb_init(K); arb_init(t);
    arf_t step, xl, xh;
    arf_init(step); arf_init(xl); arf_init(xh);
    mag_t r, e;
    mag_init(r); mag_init(e);
    int st = DA_EDOM, ok = 0;
    arb_set_d(c, c0);
    /* Newton on midpoints (the last step is kept as the size of the error) */
    for (int it = 0; it < 40; it++) {
        if (corr_eval(g, d, m, sw2, sb2, Q, c, why, wl))
            goto done;
        arb_sub(g, g, c, prec);
        arb_sub_ui(d, d, 1, prec);
        if (arf_is_zero(arb_midref(d)) || !arb_is_finite(g))
            break;
        arf_div(step, arb_midref(g), arb_midref(d), prec, ARF_RND_NEAR);
        arf_sub(arb_midref(c), arb_midref(c), step, prec, ARF_RND_NEAR);
        if ((arf_sgn(arb_midref(c)) < 0 && arf_cmpabs_2exp_si(arb_midref(c), -1) > 0) ||
            arf_cmp_si(arb_midref(c), 1) >= 0)
            break;   /* left [-1/2, 1) */
        /* stop once the step is below the accuracy of G (the radius of g
           over |G' - 1|) or the precision */
        mag_t sm, gm;
        mag_init(sm);
        mag_init(gm);
        arf_get_mag(sm, step);
        arb_get_mag_lower(gm, d);
        mag_div(gm, arb_radref(g), gm);
        mag_mul_2exp_si(gm, gm, 1);
        int small = mag_cmp(sm, gm) <= 0 || mag_cmp_2exp_si(sm, -(prec - 8)) <= 0;
        mag_clear(sm);
        mag_clear(gm);
        if (small)
            break;
    }
    /* the Krawczyk ball: 8 times the last step and the accuracy of G */
    arf_get_mag(r, step);
    mag_mul_2exp_si(r, r, 3);
    arb_get_mag_lower(e, d);
    if (mag_is_zero(e)) {
        snprintf(why, wl, "c*: G'(c) - 1 not separated from 0");
        goto done;
    }
    mag_div(e, arb_radref(g), e);
    mag_mul_2exp_si(e, e, 2);
    mag_add(r, r, e);
    mag_set_ui_2exp_si(e, 1, -(prec - 16));
    mag_add(r, r, e);
    for (int tries = 0; tries < 8 && !ok; tries++, mag_mul_2exp_si(r, r, 4)) {
        arf_set(arb_midref(X), arb_midref(c));
        mag_set(arb_radref(X), r);
        arb_get_lbound_arf(xl, X, prec);
        arb_get_ubound_arf(xh, X, prec);
        if (arf_cmp_si(xh, 1) >= 0 || (arf_sgn(xl) < 0 && arf_cmpabs_2exp_si(xl, -1) > 0))
            break;
        arb_set_arf(t, arb_midref(c));
        if (corr_eval(g, NULL, m, sw2, sb2, Q, t, why, wl) ||
            corr_eval(K, d, m, sw2, sb2, Q, X, why, wl))
            goto done;
        arb_sub(g, g, t, prec);
        arb_sub_ui(d, d, 1, prec);
        int in = krawczyk_step(K, NULL, NULL, X, t, g, d, prec);
        if (in < 0)
            break;
        ok = in > 0;
        if (ok && arf_sgn(xl) <= 0) {
            /* X reaches below 0 (c* = 0 or tiny: G(0) = (sw2 a_0^2 + sb2)/q
               >= 0).  With G' - 1 < 0 on X, G - id decreases on X and is
               >= 0 at 0, so its zero in X is >= 0: K cut at 0 */
            if (!arb_is_negative(d)) {
                ok = 0;
                continue;
            }
            arb_get_ubound_arf(xh, K, prec);
            arb_get_lbound_arf(xl, K, prec);
            if (arf_sgn(xl) < 0)
                arf_zero(xl);
            arb_set_interval_arf(K, xl, xh, prec);
        }
    }
    if (!ok) {
        snprintf(why, wl, "c*: Krawczyk step failed on the correlation map");
        goto done;
    }
    arb_set(cst, K);
    if (corr_eval(g, chic, m, sw2, sb2, Q, K, why, wl))
        goto done;
    st = DA_OK;
done:
    arb_clear(c); arb_clear(g); arb_clear(d); arb_clear(X); arb_clear(K); arb_clear(t);
    arf_clear(step); arf_clear(xl); arf_clear(xh);
    mag_clear(r); mag_clear(e);
    return st;
}

/* ---- the point ------------------------------------------------------------ */

/* q*, chi_1 and the length slope, for sw2 a ball (exact for a point).
   zero: 1 q* = 0 proved, 2 q* in [0, C d] (critical), 0 q* > 0. */
static int solve_q(arb_t Q, arb_t chi1, arb_t slope, int *zero, lenmap *L, double q0)
{
    da_mfa *m = L->m;
    slong prec = m->prec;
    int st = DA_EDOM;
    arb_t t, s;
    arb_init(t);
    arb_init(s);
    arf_t one, lo, hi;
    arf_init(one);
    arf_init(lo);
    arf_init(hi);
    arf_one(one);
    *zero = 0;
    if (m->sigma0_zero && arb_is_zero(L->sb2) && q0 < 1e-6) {
        /* f(q) < q on [d, 1] */
        /* on the pieces [2^-j-1, 2^-j] (balls wide relative to their
           centre lose their sign in Arb's tests), down to 2^-40 or as far
           as a work cap allows: near criticality f(q) - q ~ -c q^2 and the
           pieces must shrink with q */
        long budget0 = m->budget;
        m->budget = 800;
        int j;
        for (j = 0; j < 40; j++) {
            arf_set_si_2exp_si(lo, 1, -j - 1);
            arf_set_si_2exp_si(hi, 1, -j);
            if (!prove_sign(L, lo, hi, -1, 0, 0))
                break;
        }
        m->budget = budget0;
        if (j == 0) {
            snprintf(L->why, L->wl, "q* = 0: f(q) < q on [1/2, 1] not proved");
            goto done;
        }
        arf_set_si_2exp_si(lo, 1, -j);
        /* C = sw2 sup E[Z^2 s'(sqrt(s) Z)^2] over s in [0, d], d = 2^-j */
        arf_zero(hi);
        exact_interval(s, hi, lo);
        if (ez(t, m, MFA_Z2D2, s, VTOL(m), L->why, L->wl))
            goto done;
        arb_mul(t, t, L->sw2, prec);
        arb_sub_ui(s, t, 1, prec);
        if (arb_is_negative(s)) {
            *zero = 1;
            arb_zero(Q);
            arf_set_si_2exp_si(lo, 1, -(prec - 36));
        } else {
            /* q* in [0, C d] */
            *zero = 2;
            arf_t u;
            arf_init(u);
            arb_get_ubound_arf(u, t, prec);
            arf_mul_2exp_si(u, u, -j);
            arf_zero(hi);
            exact_interval(Q, hi, u);
            arf_set(lo, u);
            arf_clear(u);
        }
        /* chi_1 = sw2 E[s'(sqrt(s) Z)^2] over s in [0, lo] */
        arf_zero(hi);
        exact_interval(s, hi, lo);
        if (ez(chi1, m, MFA_D2, s, VTOL(m), L->why, L->wl))
            goto done;
        arb_mul(chi1, chi1, L->sw2, prec);
        if (*zero == 1)
            arb_set(slope, chi1);
        else
            arb_indeterminate(slope);
        st = DA_OK;
        goto done;
    }
    if (!(q0 > 0) || !isfinite(q0)) {
        snprintf(L->why, L->wl, "q*: no finite positive estimate to start from");
        goto done;
    }
    /* the radius of the start: the q-width the sw2 ball causes, and more */
    double rw = ball_relrad_d(L->sw2);
    arb_t X;
    arb_init(X);
    int kok = krawczyk_q(Q, X, L, q0, q0 * (1e-9 + 64 * rw));
    /* global: from 1 to X (the root in X is unique, and it is in Q: h
       keeps one sign on each side of Q within X) */
    arb_get_lbound_arf(lo, X, prec);
    arb_get_ubound_arf(hi, X, prec);
    arb_swap(X, Q);   /* the checks below run on the Krawczyk domain */
    if (!kok) {
        arb_clear(X);
        snprintf(L->why, L->wl, "q*: Krawczyk step failed");
        goto done;
    }
    if (arf_cmp(hi, one) < 0) {
        arb_t D;
        arb_init(D);
        int mono = dfq(D, L, Q, -60) == DA_OK && arb_is_nonnegative(D);
        arb_clear(D);
        if (!mono || !prove_sign(L, hi, one, -1, 1, 0)) {
            snprintf(L->why, L->wl, "q*: could not prove that the iteration from q = 1 reaches Q");
            arb_swap(X, Q);
            arb_clear(X);
            goto done;
        }
    } else if (arf_cmp(lo, one) > 0) {
        arb_t D;
        arb_init(D);
        int mono = dfq(D, L, Q, -60) == DA_OK && arb_is_nonnegative(D);
        arb_clear(D);
        if (!mono || !prove_sign(L, one, lo, +1, 1, 0)) {
            snprintf(L->why, L->wl, "q*: could not prove that the iteration from q = 1 reaches Q");
            arb_swap(X, Q);
            arb_clear(X);
            goto done;
        }
    }
    /* (1 in Q: the start is the fixed point's ball itself; Q holds q* by
       uniqueness once the iterates stay in Q, which f' >= 0 on Q and the
       sign of h at the ends of Q give.) */
    else {
        /* 1 in X: 0 <= f' < 1 on X keeps the iterates in X, moving
           monotonically towards the root */
        arb_t D;
        arb_init(D);
        int mono = dfq(D, L, Q, -60) == DA_OK && arb_is_nonnegative(D);
        arb_sub_ui(D, D, 1, prec);
        mono = mono && arb_is_negative(D);
        arb_clear(D);
        if (!mono) {
            arb_swap(X, Q);
            arb_clear(X);
            snprintf(L->why, L->wl, "q*: 0 <= f' < 1 on the Krawczyk ball not proved");
            goto done;
        }
    }
    arb_swap(X, Q);
    arb_clear(X);
    if (ex(chi1, m, MFA_D2, Q, 0, VTOL(m), L->why, L->wl) || dfq(slope, L, Q, VTOL(m)))
        goto done;
    arb_mul(chi1, chi1, L->sw2, prec);
    st = DA_OK;
done:
    arb_clear(t);
    arb_clear(s);
    arf_clear(one);
    arf_clear(lo);
    arf_clear(hi);
    return st;
}

/* xi = -1/ln|slope| as a ball (b not NULL) and in double: a finite ball,
   or +inf (with a proved lower bound *lo) when |slope| may be 1, or NaN */
static void set_xi_b(da_ball b, double *xi, double *xe, double *lo, const arb_t slope,
                     slong prec)
{
    set_xi(xi, xe, lo, slope);
    if (!b)
        return;
    arb_t a, L;
    arb_init(a);
    arb_init(L);
    arb_abs(a, slope);
    arb_sub_ui(L, a, 1, prec);
    if (arb_is_negative(L) && arb_is_positive(a)) {
        arb_log(L, a, prec);
        arb_inv(L, L, prec);
        arb_neg(L, L);
        arb_to_ball(b, L);
    } else if (isinf(*xi)) {
        mpfr_set_inf(b->mid, 1);
        mpfr_set_zero(b->rad, 1);
    } else {
        mpfr_set_nan(b->mid);
        mpfr_set_inf(b->rad, 1);
    }
    arb_clear(a);
    arb_clear(L);
}

int da_mfa_point_b(da_mf_point *r, da_mf_balls *bo, da_mfa *m, const da_ball bsw2,
                   const da_ball bsb2, const da_mf_point *est, char *why, size_t wl)
{
    slong prec = m->prec;
    arb_t asw2, asb2;
    arb_init(asw2);
    arb_init(asb2);
    ball_to_arb(asw2, bsw2);
    ball_to_arb(asb2, bsb2);
    lenmap L;
    lenmap_init_arb(&L, m, asw2, asb2, why, wl);
    arb_clear(asw2);
    arb_clear(asb2);
    m->budget = 3000;
    arb_t Q, chi1, slope, c, chic, t;
    arb_init(Q); arb_init(chi1); arb_init(slope); arb_init(c); arb_init(chic); arb_init(t);
    int zero, st = DA_EDOM;
    if (!isfinite(est->q)) {
        snprintf(why, wl, "the length map diverges (estimate): no fixed point to prove");
        goto done;
    }
    if (solve_q(Q, chi1, slope, &zero, &L, est->q))
        goto done;
    da_mf_point o = *est;
    to_d(&o.q, &o.q_err, Q);
    to_d(&o.chi1, &o.chi1_err, chi1);
    arb_sub_ui(t, chi1, 1, prec);
    if (zero && arb_is_positive(t)) {
        /* chi_1 > 1 with q* enclosed near 0: c* = 1 is not proved */
        snprintf(why, wl, "q* near 0 with chi_1 > 1: c* not proved");
        goto done;
    }
    if (arb_is_negative(t) || zero) {
        /* ordered, or q* in [0, d] at criticality: c* = 1 (at q* = 0 all
           inputs collapse to one point: c* = 1 by convention) */
        o.phase = arb_is_negative(t) ? DA_PHASE_ORDERED : DA_PHASE_CRITICAL;
        arb_one(c);
        arb_set(chic, chi1);
    } else if (arb_is_positive(t)) {
        o.phase = DA_PHASE_CHAOTIC;
        if (corr_fixed(c, chic, m, L.sw2, L.sb2, Q, est->c, why, wl))
            goto done;
    } else {
        o.phase = DA_PHASE_CRITICAL;
        arb_one(c);
        arb_set(chic, chi1);
    }
    to_d(&o.c, &o.c_err, c);
    to_d(&o.chic, &o.chic_err, chic);
    if (bo) {
        arb_to_ball(&bo->q, Q);
        arb_to_ball(&bo->c, c);
        arb_to_ball(&bo->chi1, chi1);
        arb_to_ball(&bo->chic, chic);
    }
    if (zero == 2) {
        o.xi_q = INFINITY;
        o.xi_q_err = 0;
        o.xi_q_lo = 0;
        if (bo) {
            mpfr_set_inf(bo->xi_q.mid, 1);
            mpfr_set_zero(bo->xi_q.rad, 1);
        }
    } else {
        set_xi_b(bo ? &bo->xi_q : NULL, &o.xi_q, &o.xi_q_err, &o.xi_q_lo, slope, prec);
    }
    set_xi_b(bo ? &bo->xi_c : NULL, &o.xi_c, &o.xi_c_err, &o.xi_c_lo, chic, prec);
    o.rigorous = 1;
    o.bound_reason[0] = '\0';
    *r = o;
    st = DA_OK;
done:
    arb_clear(Q); arb_clear(chi1); arb_clear(slope); arb_clear(c); arb_clear(chic); arb_clear(t);
    lenmap_clear(&L);
    return st;
}

int da_mfa_point(da_mf_point *r, da_mfa *m, double sw2, double sb2, const da_mf_point *est,
                 char *why, size_t wl)
{
    da_ball a, b;
    da_ball_init2(a, 64);
    da_ball_init2(b, 64);
    mpfr_set_d(a->mid, sw2, MPFR_RNDN);
    mpfr_set_zero(a->rad, 1);
    mpfr_set_d(b->mid, sb2, MPFR_RNDN);
    mpfr_set_zero(b->rad, 1);
    int st = da_mfa_point_b(r, NULL, m, a, b, est, why, wl);
    da_ball_clear(a);
    da_ball_clear(b);
    return st;
}

/* chi_1(w) - 1 sign at an exact w (+1, -1, 0 unknown) */
static int chi_sign(da_mfa *m, double w, double sb2, double q0, char *why, size_t wl)
{
    lenmap L;
    lenmap_init(&L, m, w, sb2, why, wl);
    arb_t Q, chi1, slope;
    arb_init(Q); arb_init(chi1); arb_init(slope);
    int zero, sg = 0;
    if (solve_q(Q, chi1, slope, &zero, &L, q0) == DA_OK) {
        arb_sub_ui(chi1, chi1, 1, m->prec);
        sg = arb_is_positive(chi1) ? 1 : arb_is_negative(chi1) ? -1 : 0;
    }
    arb_clear(Q); arb_clear(chi1); arb_clear(slope);
    lenmap_clear(&L);
    return sg;
}

int da_mfa_critical(double *sw2, double *err, da_mfa *m, double sb2, double w0, double e0,
                    double (*qest)(void *, double), void *qarg, char *why, size_t wl)
{
    slong prec = m->prec;
    m->budget = 6000;
    if (m->sigma0_zero && sb2 == 0) {
        /* q* = 0 loses stability where sw2 lim_{q->0+} E s'(sqrt(q) Z)^2 = 1 */
        arb_t s, t;
        arb_init(s);
        arb_init(t);
        arf_t a, b;
        arf_init(a);
        arf_init(b);
        arf_set_si_2exp_si(b, 1, -(prec - 36));
        exact_interval(s, a, b);
        int st = ez(t, m, MFA_D2, s, VTOL2(m), why, wl);
        if (st == DA_OK && arb_is_positive(t)) {
            arb_inv(t, t, prec);
            to_d(sw2, err, t);
        } else if (st == DA_OK) {
            snprintf(why, wl, "sigma'(0) = 0: no critical line at sb2 = 0");
            st = DA_EDOM;
        }
        arb_clear(s);
        arb_clear(t);
        arf_clear(a);
        arf_clear(b);
        return st;
    }
    /* a bracket [w0 - r, w0 + r] with chi_1 - 1 of opposite signs at the
       ends, and q* proved for the whole sw2 ball (unique and continuous in
       sw2 there, by the Krawczyk step with sw2 as a ball) */
    double r = fmax(4 * e0, 1e-12 * w0);
    for (int tries = 0; tries < 4; tries++, r *= 8) {
        double wl_ = w0 - r, wh = w0 + r;
        int s1 = chi_sign(m, wl_, sb2, qest(qarg, wl_), why, wl);
        int s2 = chi_sign(m, wh, sb2, qest(qarg, wh), why, wl);
        if (s1 * s2 >= 0)
            continue;
        lenmap L;
        lenmap_init(&L, m, w0, sb2, why, wl);
        mag_set_d(arb_radref(L.sw2), r);
        arb_t Q, chi1, slope;
        arb_init(Q); arb_init(chi1); arb_init(slope);
        int zero;
        int st = solve_q(Q, chi1, slope, &zero, &L, qest(qarg, w0));
        arb_clear(Q); arb_clear(chi1); arb_clear(slope);
        lenmap_clear(&L);
        if (st == DA_OK && !zero) {
            *sw2 = w0;
            *err = r * (1 + 1e-15);
            return DA_OK;
        }
    }
    if (!why[0])
        snprintf(why, wl, "critical sw2: no proved sign change of chi_1 - 1 around the estimate");
    return DA_EDOM;
}

/* chi_1(w) at sw2 = w (a ball), sb2: DA_OK with q* > 0 proved */
static int chi_at(arb_t chi1, da_mfa *m, const arb_t w, const arb_t sb2, double q0, char *why,
                  size_t wl)
{
    lenmap L;
    lenmap_init_arb(&L, m, w, sb2, why, wl);
    arb_t Q, slope;
    arb_init(Q);
    arb_init(slope);
    int zero = 0;
    int st = solve_q(Q, chi1, slope, &zero, &L, q0);
    if (st == DA_OK && zero)
        st = DA_EDOM;
    arb_clear(Q);
    arb_clear(slope);
    lenmap_clear(&L);
    return st;
}

int da_mfa_critical_b(da_ball out, da_mfa *m, const da_ball bsb2, double w0, double e0,
                      double (*qest)(void *, double), void *qarg, char *why, size_t wl)
{
    slong prec = m->prec;
    m->budget = 1000000;
    arb_t sb2, w, wa, wb, fa, fb, t, X;
    arb_init(sb2); arb_init(w); arb_init(wa); arb_init(wb); arb_init(fa); arb_init(fb);
    arb_init(t); arb_init(X);
    arf_t step;
    arf_init(step);
    ball_to_arb(sb2, bsb2);
    int st = DA_EDOM;
    if (m->sigma0_zero && arb_is_zero(sb2)) {
        /* q* = 0 loses stability where sw2 lim_{q->0+} E s'(sqrt(q) Z)^2 = 1 */
        arf_t a, b;
        arf_init(a);
        arf_init(b);
        arf_set_si_2exp_si(b, 1, -(prec - 36));
        exact_interval(X, a, b);
        st = ez(t, m, MFA_D2, X, VTOL2(m), why, wl);
        if (st == DA_OK && arb_is_positive(t)) {
            arb_inv(t, t, prec);
            arb_to_ball(out, t);
        } else if (st == DA_OK) {
            snprintf(why, wl, "sigma'(0) = 0: no critical line at sb2 = 0");
            st = DA_EDOM;
        }
        arf_clear(a);
        arf_clear(b);
        goto done;
    }
    if (!(w0 > 0) || !isfinite(w0)) {
        snprintf(why, wl, "critical sw2: no estimate to start from");
        goto done;
    }
    /* the secant method on chi_1(w) - 1 at the working precision */
    arb_set_d(wa, w0);
    arb_set_d(wb, w0 + fmax(e0, 1e-9 * w0));
    if (chi_at(fa, m, wa, sb2, qest(qarg, w0), why, wl) ||
        chi_at(fb, m, wb, sb2, qest(qarg, arf_get_d(arb_midref(wb), ARF_RND_NEAR)), why, wl))
        goto done;
    arb_sub_ui(fa, fa, 1, prec);
    arb_sub_ui(fb, fb, 1, prec);
    arf_zero(step);
    for (int it = 0; it < 40; it++) {
        arf_t df, dw;
        arf_init(df);
        arf_init(dw);
        arf_sub(df, arb_midref(fb), arb_midref(fa), prec, ARF_RND_NEAR);
        arf_sub(dw, arb_midref(wb), arb_midref(wa), prec, ARF_RND_NEAR);
        int stop = arf_is_zero(df);
        if (!stop) {
            arf_mul(step, arb_midref(fb), dw, prec, ARF_RND_NEAR);
            arf_div(step, step, df, prec, ARF_RND_NEAR);
        }
        arf_clear(df);
        arf_clear(dw);
        if (stop)
            break;
        arb_swap(wa, wb);
        arb_swap(fa, fb);
        arf_sub(arb_midref(wb), arb_midref(wa), step, prec, ARF_RND_NEAR);
        mag_zero(arb_radref(wb));
        mag_t sm, lim;
        mag_init(sm);
        mag_init(lim);
        arf_get_mag(sm, step);
        arb_get_mag(lim, wb);
        mag_mul_2exp_si(lim, lim, -(prec - 24));
        int small = mag_cmp(sm, lim) <= 0;
        mag_clear(sm);
        mag_clear(lim);
        if (small)
            break;
        if (chi_at(fb, m, wb, sb2, qest(qarg, arf_get_d(arb_midref(wb), ARF_RND_NEAR)), why, wl))
            goto done;
        arb_sub_ui(fb, fb, 1, prec);
    }
    /* a bracket [w - r, w + r]: chi_1 - 1 of opposite proved signs at the
       ends, q* proved (unique, so continuous in sw2) over the whole ball */
    arb_set(w, wb);
    mag_t r, u;
    mag_init(r);
    mag_init(u);
    arf_get_mag(r, step);
    mag_mul_2exp_si(r, r, 2);
    arb_get_mag(u, w);
    mag_mul_2exp_si(u, u, -(prec - 28));
    mag_add(r, r, u);
    for (int tries = 0; tries < 5 && st != DA_OK; tries++, mag_mul_2exp_si(r, r, 4)) {
        arb_set(wa, w);
        arb_set(wb, w);
        arf_t rf;
        arf_init(rf);
        arf_set_mag(rf, r);
        arf_sub(arb_midref(wa), arb_midref(w), rf, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_add(arb_midref(wb), arb_midref(w), rf, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_clear(rf);
        double wd = arf_get_d(arb_midref(w), ARF_RND_NEAR);
        if (chi_at(fa, m, wa, sb2, qest(qarg, wd), why, wl) ||
            chi_at(fb, m, wb, sb2, qest(qarg, wd), why, wl))
            continue;
        arb_sub_ui(fa, fa, 1, prec);
        arb_sub_ui(fb, fb, 1, prec);
        if (!((arb_is_negative(fa) && arb_is_positive(fb)) ||
              (arb_is_positive(fa) && arb_is_negative(fb))))
            continue;
        arb_set(X, w);
        mag_set(arb_radref(X), r);
        if (chi_at(t, m, X, sb2, qest(qarg, wd), why, wl))
            continue;
        arb_to_ball(out, X);
        st = DA_OK;
    }
    mag_clear(r);
    mag_clear(u);
    if (st != DA_OK && !why[0])
        snprintf(why, wl, "critical sw2: no proved sign change of chi_1 - 1 around the estimate");
done:
    arb_clear(sb2); arb_clear(w); arb_clear(wa); arb_clear(wb); arb_clear(fa); arb_clear(fb);
    arb_clear(t); arb_clear(X);
    arf_clear(step);
    return st;
}

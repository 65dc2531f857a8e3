/* exact.c -- Hermite coefficients, E sigma^2 and E sigma'^2 of polynomial
 * and piecewise-polynomial activations by exact formulas, in ball
 * arithmetic (exact.h; docs/numerics.md §4.5).
 *
 * The pieces [l, r], each with its polynomial p of degree m, come from
 * da_expr_pieces_arb: balls for the endpoints and the coefficients, with
 * the proof that they are sigma's pieces.  Repeated integration by parts
 * with He_k phi = -(He_{k-1} phi)' gives
 *
 *   int_l^r p He_k phi = - sum_{j=0}^{min(m,k-1)} [p^(j) He_{k-1-j} phi]_l^r
 *                        + (k <= m ? int_l^r p^(k) phi : 0);
 *
 * summed over the pieces, the brackets meet at each breakpoint b as the
 * jump formula of docs/numerics.md §2 (terms at infinite ends vanish):
 *
 *   A_k = sum_b phi(b) sum_j J^(j)(b) He_{k-1-j}(b) + sum_pieces int p^(k) phi,
 *
 * J = p_right - p_left the jump polynomial at b.  The integrals left are
 * truncated Gaussian moments M_j = int_l^r x^j phi:
 *   M_0 = Phi(r) - Phi(l),  M_1 = phi(l) - phi(r),
 *   M_j = (j-1) M_{j-2} + l^{j-1} phi(l) - r^{j-1} phi(r);
 * E sigma^2 and E sigma'^2 are sums of moments against p^2 and p'^2, and
 * a_k = A_k / sqrt(k!).
 *
 * Every quantity is an Arb ball computed from the endpoint balls: phi by
 * arb_exp, Phi by arb_hypgeom_erfc, He_j(b) by the three-term recurrence
 * in balls (one pass per breakpoint serves every k).  A ball operation on
 * balls contains its value at every point of them, in particular at the
 * exact breakpoint with the exact coefficients, so the results contain
 * the exact values.  Rounding and cancellation only widen the balls: He_k(b)
 * grows like sqrt(k!) while the sums do not, and the recurrence in balls
 * amplifies its radii like the recurrence of i^-k He_k(i|b|) (he_growth:
 * up to about |b| sqrt(N) bits, less the Gaussian's b^2/2 nats), which
 * the breakpoints and the recurrence get as extra precision; the caller
 * raises the base precision until the radii meet its target (coeffs.c,
 * run_exact).
 */
#include "core/core.h"
#include "hermite/exact.h"
#include "hermite/hermite.h"
#include "act/pieces_arb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* phi(x), 0 at +-Inf */
static void gauss_pdf(arb_t y, const arb_t x, const arb_t rs2pi, slong prec)
{
    if (arf_is_inf(arb_midref(x))) {
        arb_zero(y);
        return;
    }
    arb_sqr(y, x, prec);
    arb_mul_2exp_si(y, y, -1);
    arb_neg(y, y);
    arb_exp(y, y, prec);
    arb_mul(y, y, rs2pi, prec);
}

/* Q(x) = P(X > x) = erfc(x / sqrt 2) / 2 (sgn -1: Q(-x)) */
static void gauss_sf(arb_t y, const arb_t x, int sgn, const arb_t sqrt2, slong prec)
{
    if (arf_is_inf(arb_midref(x))) {
        if ((arf_sgn(arb_midref(x)) > 0) == (sgn > 0))
            arb_zero(y);
        else
            arb_one(y);
        return;
    }
    arb_div(y, x, sqrt2, prec);
    if (sgn < 0)
        arb_neg(y, y);
    arb_hypgeom_erfc(y, y, prec);
    arb_mul_2exp_si(y, y, -1);
}

/* M[0..J] = int_l^r x^j phi (l may be -Inf, r +Inf) */
static void moments(arb_ptr M, slong J, const arb_t l, const arb_t r, const arb_t rs2pi,
                    const arb_t sqrt2, slong prec)
{
    arb_t pl, pr, q1, q2;
    arb_init(pl);
    arb_init(pr);
    arb_init(q1);
    arb_init(q2);
    int linf = arf_is_inf(arb_midref(l)), rinf = arf_is_inf(arb_midref(r));
    gauss_pdf(pl, l, rs2pi, prec);
    gauss_pdf(pr, r, rs2pi, prec);
    /* M_0 from the tails that keep it accurate */
    if (linf && rinf) {
        arb_one(M);
    } else if (linf) {
        gauss_sf(M, r, -1, sqrt2, prec);                  /* Phi(r) = Q(-r) */
    } else if (rinf) {
        gauss_sf(M, l, 1, sqrt2, prec);                   /* Q(l) */
    } else if (arf_sgn(arb_midref(l)) >= 0) {
        gauss_sf(q1, l, 1, sqrt2, prec);
        gauss_sf(q2, r, 1, sqrt2, prec);
        arb_sub(M, q1, q2, prec);                         /* Q(l) - Q(r) */
    } else if (arf_sgn(arb_midref(r)) <= 0) {
        gauss_sf(q1, r, -1, sqrt2, prec);
        gauss_sf(q2, l, -1, sqrt2, prec);
        arb_sub(M, q1, q2, prec);                         /* Q(-r) - Q(-l) */
    } else {
        gauss_sf(q1, l, -1, sqrt2, prec);
        gauss_sf(q2, r, 1, sqrt2, prec);
        arb_add(q1, q1, q2, prec);
        arb_sub_ui(M, q1, 1, prec);
        arb_neg(M, M);                                    /* 1 - Q(-l) - Q(r) */
    }
    if (J >= 1)
        arb_sub(M + 1, pl, pr, prec);
    /* pl, pr become l^(j-1) phi(l), r^(j-1) phi(r) */
    for (slong j = 2; j <= J; j++) {
        if (!linf)
            arb_mul(pl, pl, l, prec);
        if (!rinf)
            arb_mul(pr, pr, r, prec);
        arb_mul_ui(M + j, M + j - 2, (ulong)(j - 1), prec);
        arb_add(M + j, M + j, pl, prec);
        arb_sub(M + j, M + j, pr, prec);
    }
    arb_clear(pl);
    arb_clear(pr);
    arb_clear(q1);
    arb_clear(q2);
}

/* log2 of max_{k < N} P_k(|b|) phi(b) sqrt(2 pi) / sqrt(k!), P_k = i^-k He_k(i x)
 * (He_k with its coefficients made positive): the factor by which the
 * recurrence for He_k(b) in balls amplifies the radii it starts from and
 * the roundings it makes (their propagation is P's recurrence,
 * P_{k+1} = x P_k + k P_{k-1}), relative to the terms' scale phi(b) sqrt(k!).
 * A guide to the precision only: the balls are right at any precision. */
static double he_growth(double b, long N)
{
    double x = fabs(b);
    double g = da_pk_log2max(x, N - 1) - M_LOG2E * x * x / 2;
    return g > 0 ? g : 0;
}

/* the precision for the recurrence at breakpoint b: the base precision
   plus what the recurrence amplifies, and the k roundings */
static slong he_prec(slong prec, double b, long N)
{
    double extra = he_growth(b, N) + log2((double)N + 2) + 8;
    if (!(extra < 1e7))
        extra = 1e7;
    return prec + (slong)ceil(extra);
}

/* c[0..len-1] -> its derivative c[0..len-2] in place */
static void poly_diff(arb_ptr c, slong len, slong prec)
{
    for (slong i = 0; i + 1 < len; i++)
        arb_mul_ui(c + i, c + i + 1, (ulong)(i + 1), prec);
    if (len > 0)
        arb_zero(c + len - 1);
}

/* The analysis' pieces (MPFR, not proved), as balls of a few ulps: the
   estimate used when the proof fails */
static int pieces_from_analysis(da_apiece **out, int *nout, const da_act *act, slong prec)
{
    da_piece *mp = NULL;
    int n = 0;
    int st = da_expr_pieces(&mp, &n, act->expr, &act->info, (mpfr_prec_t)prec);
    if (st)
        return st;
    da_apiece *P = da_calloc((size_t)n, sizeof *P);
    if (!P) {
        da_pieces_free(mp, n);
        return DA_ENOMEM;
    }
    arf_t e;
    arf_init(e);
    for (int i = 0; i < n; i++) {
        arb_init(P[i].lo);
        arb_init(P[i].hi);
        arb_ptr ends[2] = {P[i].lo, P[i].hi};
        mpfr_srcptr src[2] = {mp[i].lo, mp[i].hi};
        for (int s = 0; s < 2; s++) {
            if (mpfr_inf_p(src[s])) {
                if (mpfr_sgn(src[s]) < 0)
                    arb_neg_inf(ends[s]);
                else
                    arb_pos_inf(ends[s]);
                continue;
            }
            arf_set_mpfr(arb_midref(ends[s]), src[s]);
            arf_mul_2exp_si(e, arb_midref(ends[s]), -prec + 2);
            arf_abs(e, e);
            arb_add_error_arf(ends[s], e);
        }
        P[i].len = mp[i].deg + 1;
        P[i].c = _arb_vec_init(P[i].len);
        for (slong k = 0; k < P[i].len; k++) {
            arf_set_mpfr(arb_midref(P[i].c + k), mp[i].c[k]);
            arf_mul_2exp_si(e, arb_midref(P[i].c + k), -prec + 2);
            arf_abs(e, e);
            arb_add_error_arf(P[i].c + k, e);
        }
    }
    arf_clear(e);
    da_pieces_free(mp, n);
    *out = P;
    *nout = n;
    return DA_OK;
}

/* Steps of da_exact_compute. */

/* Step 1: the pieces of sigma with the breakpoints to the precision their
   recurrences will use (the analysis' approximations as the guide):
   proved (ex->proved, else ex->why says why not and, unless need_proof,
   the analysis' pieces are used).  DA_OK, DA_EDOM or an error. */
static int exact_pieces(da_exact *ex, const da_act *act, long N, slong prec, int need_proof,
                        da_apiece **pc, int *np)
{
    slong pprec = prec;
    for (int i = 0; i < act->info.nbreak; i++) {
        slong p = he_prec(prec, act->info.brk[i], N);
        if (p > pprec)
            pprec = p;
    }
    int st = da_expr_pieces_arb(pc, np, act->expr, &act->info, pprec, ex->why, sizeof ex->why);
    if (st == DA_ENOMEM)
        return st;
    ex->proved = st == DA_OK;
    if (!ex->proved) {
        if (need_proof)
            return DA_EDOM;
        st = pieces_from_analysis(pc, np, act, pprec);
        if (st)
            return st;
    }
    return DA_OK;
}

/* Step 2: one polynomial piece's share of E sigma^2, E sigma'^2 (into
   ex->s2, ex->d2) and of A_k = int p^(k) phi, k <= deg (into ex->a), from
   the Gaussian moments over the piece (M, d scratch of 2 len + 1 and
   len + 1 balls) */
static void exact_piece_moments(da_exact *ex, const da_apiece *P, arb_ptr M, arb_ptr d,
                                const arb_t rs2pi, const arb_t sqrt2, slong prec)
{
    slong len = P->len;
    long N = ex->N;
    arb_ptr A = ex->a;
    arb_t t;
    arb_init(t);
    slong m = len - 1;
    moments(M, 2 * m, P->lo, P->hi, rs2pi, sqrt2, prec);
    for (slong i = 0; i < len; i++)
        for (slong j = 0; j < len; j++) {
            arb_mul(t, P->c + i, P->c + j, prec);
            arb_addmul(ex->s2, t, M + i + j, prec);
            if (i >= 1 && j >= 1) {
                arb_mul_ui(t, t, (ulong)(i * j), prec);
                arb_addmul(ex->d2, t, M + i + j - 2, prec);
            }
        }
    /* A_k += int p^(k) phi for k <= m */
    for (slong i = 0; i < len; i++)
        arb_set(d + i, P->c + i);
    for (slong k = 0; k <= m && k <= N; k++) {
        for (slong i = 0; i <= m - k; i++)
            arb_addmul(A + k, d + i, M + i, prec);
        poly_diff(d, m - k + 1, prec);
    }
    arb_clear(t);
}

/* Step 3: the jump J = R - L at the breakpoint b between two pieces: with
   g_j = phi(b) J^(j)(b), A_{i+1+j} += g_j He_i(b) (d, g scratch of
   max(len) + 1 balls) */
static void exact_jump(da_exact *ex, const da_apiece *L, const da_apiece *R, arb_ptr d,
                       arb_ptr g, const arb_t rs2pi, slong prec)
{
    long N = ex->N;
    arb_ptr A = ex->a;
    arb_srcptr b = R->lo;
    slong len = L->len > R->len ? L->len : R->len;
    for (slong i = 0; i < len; i++) {
        if (i < R->len)
            arb_set(d + i, R->c + i);
        else
            arb_zero(d + i);
        if (i < L->len)
            arb_sub(d + i, d + i, L->c + i, prec);
    }
    while (len > 0 && arb_is_zero(d + len - 1))
        len--;
    if (len == 0)
        return;
    arb_t t, u, ph, h0, h1;
    arb_init(t);
    arb_init(u);
    arb_init(ph);
    arb_init(h0);
    arb_init(h1);
    /* g_j = phi(b) J^(j)(b) */
    gauss_pdf(ph, b, rs2pi, prec);
    for (slong j = 0; j < len; j++) {
        arb_zero(t);
        for (slong i = len - 1 - j; i >= 0; i--) {
            arb_mul(t, t, b, prec);
            arb_add(t, t, d + i, prec);
        }
        arb_mul(g + j, t, ph, prec);
        poly_diff(d, len - j, prec);
    }
    /* He_i(b) for i = 0..N-1, each added to A_{i+1+j} with g_j */
    slong hp = he_prec(prec, arf_get_d(arb_midref(b), ARF_RND_NEAR), N);
    arb_zero(h0);   /* He_{i-1} */
    arb_one(h1);    /* He_i */
    for (long i = 0; i < N; i++) {
        for (slong j = 0; j < len && i + 1 + j <= N; j++)
            if (!arb_is_zero(g + j))
                arb_addmul(A + i + 1 + j, g + j, h1, prec);
        if (i + 1 == N)
            break;
        arb_mul(t, b, h1, hp);
        arb_mul_ui(u, h0, (ulong)i, hp);
        arb_sub(h0, t, u, hp);
        arb_swap(h0, h1);
    }
    arb_clear(t);
    arb_clear(u);
    arb_clear(ph);
    arb_clear(h0);
    arb_clear(h1);
}

/* Step 4: a_k = A_k / sqrt(k!): indeterminate when the budget ran out
   (st DA_EACCURACY), the coefficients of the other parity exactly 0 when
   sigma is odd or even by the formula's structure (expr_parity.c) */
static void exact_finish(da_exact *ex, const da_act *act, int st, slong prec)
{
    long N = ex->N;
    arb_ptr A = ex->a;
    if (st == DA_EACCURACY) {
        /* the budget ran out: nothing proved beyond infinite balls */
        for (long k = 0; k <= N; k++)
            arb_indeterminate(A + k);
    }
    /* odd or even by the formula's structure (expr_parity.c): the other
       coefficients are exactly 0 */
    int par = da_expr_parity(act->expr);
    if (st == DA_OK && par != 0)
        for (long k = par > 0 ? 1 : 0; k <= N; k += 2)
            arb_zero(A + k);
    /* a_k = A_k / sqrt(k!) */
    arb_t t, u;
    arb_init(t);
    arb_init(u);
    arb_one(u);
    for (long k = 1; k <= N; k++) {
        arb_sqrt_ui(t, (ulong)k, prec);
        arb_mul(u, u, t, prec);
        arb_div(A + k, A + k, u, prec);
    }
    arb_clear(t);
    arb_clear(u);
}

/* In steps: the pieces (exact_pieces), the moment terms piece by piece
   (exact_piece_moments), the jumps at the breakpoints (exact_jump, within
   the time limit), the normalization (exact_finish). */
int da_exact_compute(da_exact *ex, const da_act *act, long N, slong prec, int need_proof)
{
    memset(ex, 0, sizeof *ex);
    ex->N = N;
    ex->prec = prec;
    da_apiece *pc = NULL;
    int np = 0;
    int st = exact_pieces(ex, act, N, prec, need_proof, &pc, &np);
    if (st)
        return st;
    ex->a = _arb_vec_init(N + 1);
    arb_init(ex->s2);
    arb_init(ex->d2);

    slong maxlen = 1;
    for (int i = 0; i < np; i++)
        if (pc[i].len > maxlen)
            maxlen = pc[i].len;
    arb_ptr M = _arb_vec_init(2 * maxlen + 1);
    arb_ptr d = _arb_vec_init(maxlen + 1);
    arb_ptr g = _arb_vec_init(maxlen + 1);
    arb_t rs2pi, sqrt2;
    arb_init(rs2pi);
    arb_init(sqrt2);
    arb_const_pi(rs2pi, prec + 16);
    arb_mul_2exp_si(rs2pi, rs2pi, 1);
    arb_rsqrt(rs2pi, rs2pi, prec + 16);
    arb_sqrt_ui(sqrt2, 2, prec + 16);

    /* the moment terms, E sigma^2, E sigma'^2, piece by piece */
    for (int ip = 0; ip < np; ip++)
        if (pc[ip].len != 0)
            exact_piece_moments(ex, &pc[ip], M, d, rs2pi, sqrt2, prec);

    /* the jumps at the breakpoints */
    for (int ib = 1; ib < np && !st; ib++) {
        if (da_time_left() <= 0) {
            st = DA_EACCURACY;
            break;
        }
        exact_jump(ex, &pc[ib - 1], &pc[ib], d, g, rs2pi, prec);
    }
    exact_finish(ex, act, st, prec);

    arb_clear(rs2pi);
    arb_clear(sqrt2);
    _arb_vec_clear(M, 2 * maxlen + 1);
    _arb_vec_clear(d, maxlen + 1);
    _arb_vec_clear(g, maxlen + 1);
    da_apieces_free(pc, np);
    return st;
}

void da_exact_clear(da_exact *ex)
{
    if (!ex->a)
        return;
    _arb_vec_clear(ex->a, ex->N + 1);
    ex->a = NULL;
    arb_clear(ex->s2);
    arb_clear(ex->d2);
}

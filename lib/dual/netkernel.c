/* netkernel.c -- the dual at general variances and the network kernels
 * (NNGP, NTK) of fully connected networks, docs/numerics.md section 7.
 *
 * For (u, v) Gaussian with Var u = q1, Var v = q2, Cov = c and
 * rho = c / sqrt(q1 q2):
 *
 *   F0 = E[sigma(u) sigma(v)]   = sum_k a_k(q1) a_k(q2) rho^k,
 *   F1 = E[sigma'(u) sigma'(v)] = (q1 q2)^(-1/2) sum_k k a_k(q1) a_k(q2) rho^(k-1),
 *
 * where a_k(q) are the Hermite coefficients of g_q(x) = sigma(sqrt(q) x)
 * (g_q' = sqrt(q) sigma'(sqrt(q) x) has coefficients sqrt(k+1) a_{k+1}).
 *
 * Series path.  The coefficients come from da_hermite_compute on the
 * activation sigma(sqrt(q~) x), where q~ is a decimal within
 * 10^-(digits+12) (relative) of the midpoint of the variance ball.  With
 * T_i = E g_i^2 - sum_{k<=N} a_k(q_i)^2 (the Parseval tails, upper ends)
 * and s = |rho| + rad(rho) the remainder of the truncated sums is, by
 * Cauchy-Schwarz on the tails,
 *     |sum_{k>N} k^(m) a_k a_k' rho^(k-m)| <= sqrt(T_1 T_2) max_{k>N} k^(m) s^(k-m),
 * and for m = 1 also <= sqrt(T'_1 T'_2) s^N with the derivative tails
 * T' = E g'^2 - sum_{k<=N} k a_k^2 (beta Var g from the engine), whichever
 * is smaller.  The radius of rho is propagated with the same bound one
 * order up (sum_{k<=N} k^(m+1) |a_k a_k'| s^(k-m-1) plus its tail).
 * Coefficient radii and rounding enter through ball arithmetic (Horner in
 * balls); the tails and derivative bounds are MPFR numbers rounded
 * upwards (no libm, no underflow).  N grows from 32, predicted from the
 * decay of the coefficients, until the remainder is below the target
 * (cap 4096).
 *
 * The variances.  rho is computed as c / sqrt(Xi_1 Xi_2), Xi_i the ball
 * around mid(q_i) that holds both q_i and q~_i, and cut to [-1, 1], so it
 * holds the true correlation.  At fixed |rho| <= 1 the kernel moves with
 * q_i by at most d_i D_i ||g_(q_j)|| (Cauchy-Schwarz on the coefficients,
 * then the mean value bound ||g_q - g_q~|| <= |q - q~| D), where d_i is
 * the distance of the ball q_i from q~_i and D_i a proved upper bound of
 * ||d g_t/dt|| = (E[X^2 sigma'(sqrt(t) X)^2] / (4t))^(1/2) over Xi_i
 * (netk_offset.c: ball enclosures of sigma' and the growth envelope; for
 * the derivative kernel sigma'' and h_t = sigma'(sqrt(t) x)).  Where no
 * such bound is proved (sigma may jump away from 0, no envelope, an
 * unbounded derivative) the term uses twice the norm estimated from the
 * truncated coefficients and the kernel becomes an estimate
 * (da_netk_rigorous, with the reason); so does a coefficient set the
 * engine did not prove (da_hermite.rigorous).  See series_eval.
 *
 * Diagonal (x = x', rho = 1 exactly): F0 = E g^2, F1 = E g'^2 / q straight
 * from the engine's Parseval data, the variance offset d D (2 ||g|| + d D).
 *
 * Closed forms (ball arithmetic in q1, q2, c, every elementary function
 * by directed rounding of its monotone pieces): identity, relu, step,
 * sign, abs, leaky_relu, erf, sin, cos, exp, gaussian, gelu (the arctan
 * form of neural-tangents' Gelu), and any
 * A * f(B * x) of them (E[f(Bu) f(Bv)] is the kernel of f at B^2 (q1, q2, c);
 * the derivative kernel gains (A B)^2). */
#include "core/core.h"
#include "dual/dual.h"
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual/netk_impl.h"

/* Threads.  A kernel's closed form and constants are fixed by da_netk_new;
 * what the series path changes afterwards (the coefficient cache and its
 * clock, lastN, the offset bounds, rigorous and reason) changes under the
 * kernel's own mutex, held for the whole of one series evaluation (the
 * cache entries it reads may be evicted by another thread's lookup
 * otherwise).  The mutex lives next to the struct in one allocation, so
 * struct da_netk itself (netk_impl.h, shared with the matrix engine, which
 * only reads the constants) does not change. */
typedef struct {
    struct da_netk k;      /* first: a da_netk * is a netk_box * */
    pthread_mutex_t lock;
} netk_box;

static pthread_mutex_t *nk_lock(const da_netk *k)
{
    return &((netk_box *)(void *)k)->lock;
}

void da_netk_opts_init(da_netk_opts *o)
{
    o->digits = 30;
    o->normalized = 0;
    o->method = DA_DUAL_AUTO;
}

/* the estimate label (the first reason is kept) */
static void mark_estimate(da_netk *k, const char *what, const char *why)
{
    if (!k->rigorous)
        return;
    k->rigorous = 0;
    snprintf(k->reason, sizeof k->reason, "%s: %s", what, why);
}

/* ---- small ball helpers ------------------------------------------------ */

static void b_init(da_ball b, mpfr_prec_t p) { da_ball_init2(b, p); }

static void b_set_si(da_ball r, long v)
{
    mpfr_set_si(r->mid, v, MPFR_RNDN);
    mpfr_set_zero(r->rad, 1);
}

static void b_pi(da_ball r)
{
    mpfr_const_pi(r->mid, MPFR_RNDN);
    mpfr_set_zero(r->rad, 1);
    da_ball_add_ulp(r);
}

static void b_mul_2si(da_ball r, const da_ball a, long e)
{
    mpfr_mul_2si(r->mid, a->mid, e, MPFR_RNDN);
    mpfr_mul_2si(r->rad, a->rad, e, MPFR_RNDU);
}

static int b_finite(const da_ball b) { return mpfr_number_p(b->mid) && mpfr_number_p(b->rad); }
static void b_lo(mpfr_t x, const da_ball b) { mpfr_sub(x, b->mid, b->rad, MPFR_RNDD); }
static void b_hi(mpfr_t x, const da_ball b) { mpfr_add(x, b->mid, b->rad, MPFR_RNDU); }

/* r = the ball holding the interval [lo, hi] */
static void b_from_interval(da_ball r, const mpfr_t lo, const mpfr_t hi)
{
    mpfr_add(r->mid, lo, hi, MPFR_RNDN);
    mpfr_div_2ui(r->mid, r->mid, 1, MPFR_RNDN);
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(lo) + 8);
    mpfr_sub(t, hi, r->mid, MPFR_RNDU);
    mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_sub(t, r->mid, lo, MPFR_RNDU);
    if (mpfr_cmp(t, r->rad) > 0)
        mpfr_set(r->rad, t, MPFR_RNDU);
    mpfr_clear(t);
}

/* u, an enclosure of a q1 + ... - c^2-type quantity that is at least
 * 1 + a q1 + a q2 at every true (q1, q2, c), since c^2 <= q1 q2
 * (Cauchy-Schwarz): its lower end raised to that bound.  Wide radii at
 * depth can leave the plain enclosure reaching 0, where 1/sqrt(u) would
 * then be unbounded for no reason. */
static void b_floor_cs(da_ball u, const da_ball q1, const da_ball q2, long a)
{
    mpfr_prec_t p = mpfr_get_prec(u->mid) + 8;
    mpfr_t lo, hi, t;
    mpfr_inits2(p, lo, hi, t, (mpfr_ptr)0);
    b_lo(t, q1);
    if (mpfr_sgn(t) < 0)
        mpfr_set_zero(t, 1);
    mpfr_mul_si(lo, t, a, MPFR_RNDD);
    b_lo(t, q2);
    if (mpfr_sgn(t) < 0)
        mpfr_set_zero(t, 1);
    mpfr_mul_si(t, t, a, MPFR_RNDD);
    mpfr_add(lo, lo, t, MPFR_RNDD);
    mpfr_add_ui(lo, lo, 1, MPFR_RNDD);
    b_lo(t, u);
    b_hi(hi, u);
    if (mpfr_cmp(t, lo) < 0 && mpfr_cmp(hi, lo) >= 0)
        b_from_interval(u, lo, hi);
    mpfr_clears(lo, hi, t, (mpfr_ptr)0);
}

/* monotone functions by directed rounding of the end points */
typedef enum { MF_ASIN, MF_EXP, MF_SINH, MF_COSH, MF_RSQRT, MF_ATAN } mono_fn;

static int b_mono(da_ball r, const da_ball a, mono_fn f)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 8;
    mpfr_t lo, hi, flo, fhi;
    mpfr_inits2(p, lo, hi, flo, fhi, (mpfr_ptr)0);
    b_lo(lo, a);
    b_hi(hi, a);
    int st = DA_OK;
    switch (f) {
    case MF_ASIN:
        /* the argument is a correlation: its true value lies in [-1, 1] */
        if (mpfr_cmp_si(lo, -1) < 0) mpfr_set_si(lo, -1, MPFR_RNDN);
        if (mpfr_cmp_si(hi, 1) > 0) mpfr_set_si(hi, 1, MPFR_RNDN);
        if (mpfr_cmp(lo, hi) > 0) mpfr_set(lo, hi, MPFR_RNDN);
        /* asin is increasing on [-1, 1] */
        /* fall through */
    case MF_ATAN:
    case MF_EXP:
    case MF_SINH: {
        /* increasing: the ends go to the ends */
        int (*g)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t) = f == MF_ASIN   ? mpfr_asin
                                                      : f == MF_ATAN ? mpfr_atan
                                                      : f == MF_EXP  ? mpfr_exp
                                                                     : mpfr_sinh;
        g(flo, lo, MPFR_RNDD);
        g(fhi, hi, MPFR_RNDU);
        break;
    }
    case MF_COSH:
        if (mpfr_sgn(lo) >= 0) {
            mpfr_cosh(flo, lo, MPFR_RNDD);
            mpfr_cosh(fhi, hi, MPFR_RNDU);
        } else if (mpfr_sgn(hi) <= 0) {
            mpfr_cosh(flo, hi, MPFR_RNDD);
            mpfr_cosh(fhi, lo, MPFR_RNDU);
        } else {
            mpfr_set_ui(flo, 1, MPFR_RNDN);
            mpfr_abs(lo, lo, MPFR_RNDN);
            if (mpfr_cmp(lo, hi) > 0)
                mpfr_set(hi, lo, MPFR_RNDN);
            mpfr_cosh(fhi, hi, MPFR_RNDU);
        }
        break;
    case MF_RSQRT:
        if (!mpfr_number_p(lo) || !mpfr_number_p(hi)) {
            /* an enclosure that is not finite (radii grown past the
               exponent range deep in a network): nothing is enclosed */
            st = DA_EACCURACY;
            break;
        }
        if (mpfr_sgn(lo) <= 0) {
            st = DA_EINFINITE;
            break;
        }
        mpfr_rec_sqrt(flo, hi, MPFR_RNDD);
        mpfr_rec_sqrt(fhi, lo, MPFR_RNDU);
        break;
    }
    if (!st)
        b_from_interval(r, flo, fhi);
    mpfr_clears(lo, hi, flo, fhi, (mpfr_ptr)0);
    return st;
}

/* 1/sqrt(a) for an a known to be positive at the true point (a product of
 * variances, 1 + 2 q1 + 2 q2 - ...): a ball that reaches 0 only because
 * its radius is wide encloses nothing, DA_EACCURACY, not an infinity */
static int b_rsqrt_pos(da_ball r, const da_ball a)
{
    int st = b_mono(r, a, MF_RSQRT);
    return st == DA_EINFINITE ? DA_EACCURACY : st;
}

static double b_up_d(const da_ball b)
{
    mpfr_t t;
    mpfr_init2(t, DA_RAD_PREC);
    mpfr_abs(t, b->mid, MPFR_RNDU);
    mpfr_add(t, t, b->rad, MPFR_RNDU);
    double v = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    return v;
}

/* ---- recognition of A f(B x) ------------------------------------------- */

/* a constant expression as a ball at precision p */
static int const_ball(da_ball r, const da_expr *e, mpfr_prec_t p)
{
    da_tape *t = da_tape_new(e);
    if (!t)
        return DA_ENOMEM;
    da_tape_ws *w = da_tape_ws_new(t, p + 32);
    if (!w) {
        da_tape_free(t);
        return DA_ENOMEM;
    }
    mpfr_t x, y;
    mpfr_init2(x, p + 32);
    mpfr_init2(y, p + 32);
    mpfr_set_zero(x, 1);
    int bad = da_tape_eval_m(t, w, y, x);
    if (!bad) {
        /* the tape evaluates at p + 32 bits with its own guard bits; allow
           2^-(p+16) relative, far above its rounding */
        mpfr_set(r->mid, y, MPFR_RNDN);
        mpfr_abs(r->rad, y, MPFR_RNDU);
        mpfr_mul_2si(r->rad, r->rad, -(long)p - 16, MPFR_RNDU);
        da_ball_add_ulp(r);
    }
    mpfr_clears(x, y, (mpfr_ptr)0);
    da_tape_ws_free(w);
    da_tape_free(t);
    return bad ? DA_EDOM : DA_OK;
}

/* match a template in x against e, binding the argument scale: x in the
 * template may stand for x, K*x, x*K or x/K with K constant (the same
 * everywhere). */
typedef struct {
    const da_expr *k;   /* NULL: bound to 1 */
    int kind;           /* 0 unbound, 1 times k (or 1), 2 divided by k */
} bind_t;

static int match(const da_expr *t, const da_expr *e, bind_t *b)
{
    if (t->op == DA_E_X) {
        const da_expr *k = NULL;
        int kind;
        /* a phase that is exactly 0 (neural-tangents' Sin(a, b, 0)) */
        if (e->op == DA_E_ADD && e->a[1]->op == DA_E_NUM && e->a[1]->val == 0)
            e = e->a[0];
        if (e->op == DA_E_X) {
            kind = 1;
        } else if (e->op == DA_E_MUL && e->a[1]->op == DA_E_X && !da_expr_has_x(e->a[0])) {
            k = e->a[0], kind = 1;
        } else if (e->op == DA_E_MUL && e->a[0]->op == DA_E_X && !da_expr_has_x(e->a[1])) {
            k = e->a[1], kind = 1;
        } else if (e->op == DA_E_DIV && e->a[0]->op == DA_E_X && !da_expr_has_x(e->a[1])) {
            k = e->a[1], kind = 2;
        } else {
            return 0;
        }
        if (!b->kind) {
            b->k = k;
            b->kind = kind;
            return 1;
        }
        if (b->kind != kind || (!b->k) != (!k))
            return 0;
        return !k || da_expr_equal(b->k, k);
    }
    if (t->op != e->op || t->nargs != e->nargs)
        return 0;
    if (t->op == DA_E_FN && t->fn != e->fn)
        return 0;
    if (t->op == DA_E_NUM)
        return t->val == e->val && !strcmp(t->num, e->num);
    for (int i = 0; i < t->nargs; i++)
        if (!match(t->a[i], e->a[i], b))
            return 0;
    return 1;
}

static const struct {
    const char *tmpl;
    nk_cf cf;
    const char *name;
} templates[] = {
    {"x", NK_IDENTITY, "identity"}, {"max(x, 0)", NK_RELU, "relu"}, {"max(0, x)", NK_RELU, "relu"},
    {"relu(x)", NK_RELU, "relu"}, {"step(x)", NK_STEP, "step"}, {"sign(x)", NK_SIGN, "sign"},
    {"abs(x)", NK_ABS, "abs"}, {"erf(x)", NK_ERF, "erf"}, {"sin(x)", NK_SIN, "sin"},
    {"cos(x)", NK_COS, "cos"}, {"exp(x)", NK_EXP, "exp"}, {"exp(-x^2/2)", NK_GAUSSIAN, "gaussian"},
    {"x*Phi(x)", NK_GELU, "gelu"},
};
#define NTEMPL (sizeof templates / sizeof templates[0])

/* k->B from the argument scale a match bound (1 when none): K for K*x,
 * 1/K for x/K.  0 when the constant cannot be evaluated or divided by. */
static int bind_scale(da_netk *k, const bind_t *b)
{
    b_set_si(&k->B, 1);
    if (!b->k)
        return 1;
    da_ball c;
    b_init(c, k->prec);
    int ok = const_ball(c, b->k, k->prec) == DA_OK;
    if (ok && b->kind == 1)
        da_ball_set(&k->B, c);
    else if (ok)
        ok = da_ball_div(&k->B, &k->B, c) == DA_OK;
    da_ball_clear(c);
    return ok;
}

/* sigma = lin x + rel relu(x) written as a sum of constant multiples of x,
 * max(x, 0), min(x, 0), relu(x) and abs(x) (neural-tangents' ABRelu and
 * LeakyRelu, a*x + b*relu(x), ...), every x with the same argument scale
 * (bound in b).  sgn is +1 or -1 for the term's sign.  Returns 1 when e is
 * such a sum. */
static int lin_relu_terms(const da_expr *e, double sgn, da_ball lin, da_ball rel, bind_t *b,
                          mpfr_prec_t p)
{
    if (e->op == DA_E_ADD || e->op == DA_E_SUB)
        return lin_relu_terms(e->a[0], sgn, lin, rel, b, p) &&
               lin_relu_terms(e->a[1], e->op == DA_E_SUB ? -sgn : sgn, lin, rel, b, p);
    if (e->op == DA_E_NEG)
        return lin_relu_terms(e->a[0], -sgn, lin, rel, b, p);
    int ok = 1;
    da_ball c;
    b_init(c, p);
    b_set_si(c, 1);
    const da_expr *f = e;
    if (e->op == DA_E_MUL && !da_expr_has_x(e->a[0]) && da_expr_has_x(e->a[1])) {
        ok = const_ball(c, e->a[0], p) == DA_OK;
        f = e->a[1];
    } else if (e->op == DA_E_MUL && !da_expr_has_x(e->a[1]) && da_expr_has_x(e->a[0])) {
        ok = const_ball(c, e->a[1], p) == DA_OK;
        f = e->a[0];
    } else if (e->op == DA_E_DIV && !da_expr_has_x(e->a[1]) && da_expr_has_x(e->a[0])) {
        da_ball d;
        b_init(d, p);
        ok = const_ball(d, e->a[1], p) == DA_OK && da_ball_div(c, c, d) == DA_OK;
        da_ball_clear(d);
        f = e->a[0];
    }
    if (sgn < 0)
        mpfr_neg(c->mid, c->mid, MPFR_RNDN);
    /* which piece: 0 x, 1 relu, 2 min(x, 0) = x - relu, 3 abs = 2 relu - x */
    static const struct { const char *t; int kind; } pieces[] = {
        {"x", 0}, {"max(x, 0)", 1}, {"max(0, x)", 1}, {"relu(x)", 1},
        {"min(x, 0)", 2}, {"min(0, x)", 2}, {"abs(x)", 3}};
    int kind = -1;
    for (size_t i = 0; ok && kind < 0 && i < sizeof pieces / sizeof pieces[0]; i++) {
        da_expr *t = NULL;
        if (da_expr_parse(&t, pieces[i].t) != DA_OK)
            continue;
        bind_t b2 = *b;
        if (match(t, f, &b2)) {
            kind = pieces[i].kind;
            *b = b2;
        }
        da_expr_unref(t);
    }
    ok = ok && kind >= 0;
    if (ok) {
        da_ball c2;
        b_init(c2, p);
        switch (kind) {
        case 0: da_ball_add(lin, lin, c); break;
        case 1: da_ball_add(rel, rel, c); break;
        case 2: da_ball_add(lin, lin, c); da_ball_sub(rel, rel, c); break;
        default:
            da_ball_sub(lin, lin, c);
            b_mul_2si(c2, c, 1);
            da_ball_add(rel, rel, c2);
        }
        da_ball_clear(c2);
    }
    da_ball_clear(c);
    return ok;
}

/* sigma = lin x + rel relu(x) with rel != 0: as A leaky_relu(alpha) with
 * A = lin + rel, alpha = lin/A, or, when lin + rel = 0, lin min(x, 0) =
 * -lin relu(-x), whose kernels are lin^2 those of relu (symmetry) */
static int detect_lin_relu(da_netk *k, const da_expr *e)
{
    if (e->op != DA_E_ADD && e->op != DA_E_SUB)
        return 0;
    mpfr_prec_t p = k->prec;
    da_ball lin, rel, A;
    b_init(lin, p); b_init(rel, p); b_init(A, p);
    b_set_si(lin, 0);
    b_set_si(rel, 0);
    bind_t b = {NULL, 0};
    int found = 0;
    if (lin_relu_terms(e, 1, lin, rel, &b, p) && mpfr_cmpabs(rel->mid, rel->rad) > 0) {
        da_ball_add(A, lin, rel);
        int ok = bind_scale(k, &b);
        /* lin min(x, 0) alone: lin and rel are the same ball, negated */
        mpfr_t t;
        mpfr_init2(t, mpfr_get_prec(rel->mid));
        mpfr_neg(t, rel->mid, MPFR_RNDN);
        int opposite = mpfr_equal_p(t, lin->mid) && mpfr_equal_p(lin->rad, rel->rad);
        mpfr_clear(t);
        if (ok && opposite) {
            k->cf = NK_RELU;
            da_ball_set(&k->A, lin);
            mpfr_neg(k->A.mid, k->A.mid, MPFR_RNDN);
            /* relu(-B x): the kernels of relu at B^2 (q1, q2, c); the mean
               through A (sign kept) */
            found = 1;
        } else if (ok && mpfr_sgn(A->mid) != 0 && (mpfr_cmpabs(A->mid, A->rad) > 0)) {
            k->cf = NK_LEAKY;
            da_ball_set(&k->A, A);
            if (da_ball_div(&k->alpha, lin, A) == DA_OK)
                found = 1;
            else
                k->cf = NK_NONE;
        }
        if (found) {
            char *txt = da_expr_str(k->act->expr);
            snprintf(k->method, sizeof k->method, "closed form (a x + b relu(x), as %s)",
                     txt ? txt : "?");
            free(txt);
        }
    }
    da_ball_clear(lin); da_ball_clear(rel); da_ball_clear(A);
    da_clear_error();
    return found;
}

static int detect(da_netk *k)
{
    mpfr_prec_t p = k->prec;
    const char *spec = da_act_spec(k->act);
    /* leaky_relu(alpha) by name (its formula is a conditional) */
    while (isspace((unsigned char)*spec))
        spec++;
    if (!strncmp(spec, "leaky_relu", 10)) {
        const char *s = spec + 10;
        char arg[64] = "0.01";
        while (isspace((unsigned char)*s)) s++;
        if (*s == '(') {
            const char *close = strchr(s, ')');
            if (!close || (size_t)(close - s - 1) >= sizeof arg)
                return 0;
            memcpy(arg, s + 1, (size_t)(close - s - 1));
            arg[close - s - 1] = '\0';
            s = close + 1;
            while (isspace((unsigned char)*s)) s++;
        }
        if (*s == '\0' && da_ball_set_decimal(&k->alpha, arg) == DA_OK) {
            k->cf = NK_LEAKY;
            b_set_si(&k->A, 1);
            b_set_si(&k->B, 1);
            snprintf(k->method, sizeof k->method, "closed form (leaky_relu(%s))", arg);
            return 1;
        }
        da_clear_error();
        return 0;
    }
    const da_expr *e = k->act->expr;
    da_ball c;
    b_init(c, p);
    b_set_si(&k->A, 1);
    /* an additive constant: sigma = g + C (C + g, g - C) */
    if ((e->op == DA_E_ADD || e->op == DA_E_SUB) && da_expr_has_x(e->a[0]) && !da_expr_has_x(e->a[1])) {
        if (const_ball(c, e->a[1], p) == DA_OK) {
            da_ball_set(&k->C, c);
            if (e->op == DA_E_SUB)
                mpfr_neg(k->C.mid, k->C.mid, MPFR_RNDN);
            e = e->a[0];
        }
    } else if (e->op == DA_E_ADD && !da_expr_has_x(e->a[0]) && da_expr_has_x(e->a[1])) {
        if (const_ball(c, e->a[0], p) == DA_OK) {
            da_ball_set(&k->C, c);
            e = e->a[1];
        }
    }
    /* peel constant factors */
    for (;;) {
        if (e->op == DA_E_NEG) {
            mpfr_neg(k->A.mid, k->A.mid, MPFR_RNDN);
            e = e->a[0];
        } else if (e->op == DA_E_MUL && !da_expr_has_x(e->a[0]) && da_expr_has_x(e->a[1])) {
            if (const_ball(c, e->a[0], p)) break;
            da_ball_mul(&k->A, &k->A, c);
            e = e->a[1];
        } else if (e->op == DA_E_MUL && !da_expr_has_x(e->a[1]) && da_expr_has_x(e->a[0])) {
            if (const_ball(c, e->a[1], p)) break;
            da_ball_mul(&k->A, &k->A, c);
            e = e->a[0];
        } else if (e->op == DA_E_DIV && !da_expr_has_x(e->a[1]) && da_expr_has_x(e->a[0])) {
            if (const_ball(c, e->a[1], p)) break;
            if (da_ball_div(&k->A, &k->A, c)) break;
            e = e->a[0];
        } else {
            break;
        }
    }
    int found = 0;
    if (mpfr_zero_p(k->C.mid) && (e->op == DA_E_ADD || e->op == DA_E_SUB)) {
        /* a x + b relu(x) (a constant factor may have been peeled into A) */
        da_ball A0;
        b_init(A0, p);
        da_ball_set(A0, &k->A);
        if (detect_lin_relu(k, e)) {
            da_ball_mul(&k->A, &k->A, A0);
            found = 1;
        } else {
            da_ball_set(&k->A, A0);
        }
        da_ball_clear(A0);
    }
    for (size_t i = 0; i < NTEMPL && !found; i++) {
        da_expr *t = NULL;
        if (da_expr_parse(&t, templates[i].tmpl) != DA_OK)
            continue;
        bind_t b = {NULL, 0};
        if (match(t, e, &b)) {
            int ok = bind_scale(k, &b);
            if (ok) {
                k->cf = templates[i].cf;
                found = 1;
                char *txt = da_expr_str(k->act->expr);
                snprintf(k->method, sizeof k->method, "closed form (%s, as %s)", templates[i].name,
                         txt ? txt : "?");
                free(txt);
            }
        }
        da_expr_unref(t);
    }
    da_ball_clear(c);
    da_clear_error();
    return found;
}

/* ---- closed forms at general variance ----------------------------------- */

/* J(x) = sqrt(1 - x^2) + (pi/2 + asin x) x at an exact x in [-1, 1], as a ball */
static void relu_J_point(da_ball r, const mpfr_t x, const da_ball pi)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid);
    da_ball bx, t, u;
    b_init(bx, p); b_init(t, p); b_init(u, p);
    mpfr_set(bx->mid, x, MPFR_RNDN);
    mpfr_set_zero(bx->rad, 1);
    if (mpfr_get_prec(x) > p)
        da_ball_add_ulp(bx);
    b_set_si(u, 1);
    da_ball_sub(t, u, bx);
    da_ball_add(u, u, bx);
    da_ball_mul(t, t, u);
    da_ball_sqrt(t, t);                   /* sqrt((1 - x)(1 + x)) */
    b_mono(u, bx, MF_ASIN);
    da_ball add;
    b_init(add, p);
    b_mul_2si(add, pi, -1);
    da_ball_add(u, u, add);
    da_ball_mul(u, u, bx);
    da_ball_add(r, t, u);
    da_ball_clear(add);
    da_ball_clear(bx); da_ball_clear(t); da_ball_clear(u);
}

/* J on the ball rho (clamped to [-1, 1], where the true correlation lies):
 * J is increasing (J' = pi/2 + asin x >= 0), so its end points bound it
 * without the loss of sqrt(1 - rho^2) near rho = 1 */
static void relu_J(da_ball r, const da_ball rho, const da_ball pi)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid);
    mpfr_t lo, hi;
    mpfr_inits2(p + 8, lo, hi, (mpfr_ptr)0);
    b_lo(lo, rho);
    b_hi(hi, rho);
    if (mpfr_cmp_si(lo, -1) < 0) mpfr_set_si(lo, -1, MPFR_RNDN);
    if (mpfr_cmp_si(hi, 1) > 0) mpfr_set_si(hi, 1, MPFR_RNDN);
    if (mpfr_cmp(lo, hi) > 0) mpfr_set(lo, hi, MPFR_RNDN);
    da_ball jl, jh;
    b_init(jl, p + 8);
    b_init(jh, p + 8);
    relu_J_point(jl, lo, pi);
    relu_J_point(jh, hi, pi);
    b_lo(lo, jl);
    b_hi(hi, jh);
    b_from_interval(r, lo, hi);
    da_ball_clear(jl);
    da_ball_clear(jh);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
}

/* K_f or K_f' (m = 1) at (q1, q2, c), diag: rho = 1 exactly (q1 = q2 = c) */
static int cf_eval(da_ball r, const da_netk *k, const da_ball q1, const da_ball q2,
                   const da_ball c, int diag, int m)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball rho, det, t, u, v, pi;
    b_init(rho, p); b_init(det, p); b_init(t, p); b_init(u, p); b_init(v, p); b_init(pi, p);
    int st = DA_OK;
    b_pi(pi);
    /* rho and det = q1 q2 - c^2 */
    if (diag) {
        b_set_si(rho, 1);
        b_set_si(det, 0);
    } else {
        da_ball_mul(t, q1, q2);
        if ((st = b_rsqrt_pos(u, t)))
            goto out;
        da_ball_mul(rho, c, u);
        da_ball_mul(u, c, c);
        da_ball_sub(det, t, u);
    }
    nk_cf cf = k->cf;
    /* relu-family pieces */
    /* S = (pi/2 + asin rho)/(2 pi) = E[step(u) step(v)] */
#define STEP_K(dst) do { b_mono(u, rho, MF_ASIN); b_mul_2si(v, pi, -1); da_ball_add(u, u, v); \
        b_mul_2si(v, pi, 1); da_ball_div(dst, u, v); } while (0)
    /* R = sqrt(q1 q2) J(rho)/(2 pi) = (sqrt(det) + (pi/2 + asin rho) c)/(2 pi)
       = E[relu(u) relu(v)] */
#define RELU_K(dst) do { relu_J(u, rho, pi); da_ball_mul(v, q1, q2); da_ball_sqrt(v, v); \
        da_ball_mul(u, u, v); b_mul_2si(v, pi, 1); da_ball_div(dst, u, v); } while (0)
    switch (cf) {
    case NK_IDENTITY:
        if (m == 0) da_ball_set(t, c); else b_set_si(t, 1);
        break;
    case NK_RELU:
        if (m == 0) RELU_K(t); else STEP_K(t);
        break;
    case NK_STEP:
    case NK_SIGN:
        if (m == 0) {
            if (cf == NK_STEP) {
                STEP_K(t);
            } else {
                /* (2/pi) asin rho */
                b_mono(u, rho, MF_ASIN);
                b_mul_2si(u, u, 1);
                da_ball_div(t, u, pi);
            }
        } else {
            /* 1/(2 pi sqrt(det)), times 4 for sign */
            if (diag || (st = b_mono(u, det, MF_RSQRT))) {
                st = DA_EINFINITE;
                goto out;
            }
            b_mul_2si(v, pi, 1);
            da_ball_div(t, u, v);
            if (cf == NK_SIGN)
                b_mul_2si(t, t, 2);
        }
        break;
    case NK_ABS:
        if (m == 0 && diag) {
            da_ball_set(t, q1);               /* E u^2, without 4 (q/2) - q */
        } else if (m == 0) {
            RELU_K(t);
            b_mul_2si(t, t, 2);
            da_ball_sub(t, t, c);
        } else {
            b_mono(u, rho, MF_ASIN);
            b_mul_2si(u, u, 1);
            da_ball_div(t, u, pi);
        }
        break;
    case NK_LEAKY: {
        /* alpha c + (1 - alpha)^2 R ;  alpha + (1 - alpha)^2 S */
        da_ball w;
        b_init(w, p);
        if (m == 0 && diag) {
            /* (alpha + (1 - alpha)^2/2) q, one product (no dependency) */
            b_set_si(u, 1);
            da_ball_sub(u, u, &k->alpha);
            da_ball_mul(u, u, u);
            b_mul_2si(u, u, -1);
            da_ball_add(u, u, &k->alpha);
            da_ball_mul(t, u, q1);
            da_ball_clear(w);
            break;
        }
        if (m == 0) RELU_K(w); else STEP_K(w);
        b_set_si(u, 1);
        da_ball_sub(u, u, &k->alpha);
        da_ball_mul(u, u, u);
        da_ball_mul(w, w, u);
        if (m == 0) da_ball_mul(u, &k->alpha, c); else da_ball_set(u, &k->alpha);
        da_ball_add(t, w, u);
        da_ball_clear(w);
        break;
    }
    case NK_ERF:
        /* 1 + 2 q_i */
        b_mul_2si(u, q1, 1);
        b_set_si(v, 1);
        da_ball_add(u, u, v);
        b_mul_2si(t, q2, 1);
        da_ball_add(t, t, v);
        da_ball_mul(u, u, t);                 /* (1+2q1)(1+2q2) */
        if (m == 0) {
            b_floor_cs(u, q1, q2, 2);         /* >= 1 + 2 q1 + 2 q2 */
            if ((st = b_rsqrt_pos(t, u)))
                goto out;
            da_ball_mul(t, t, c);
            b_mul_2si(t, t, 1);               /* 2c / sqrt(..) */
            b_mono(u, t, MF_ASIN);
            b_mul_2si(u, u, 1);
            da_ball_div(t, u, pi);
        } else {
            da_ball_mul(t, c, c);
            b_mul_2si(t, t, 2);
            da_ball_sub(u, u, t);
            b_floor_cs(u, q1, q2, 2);         /* >= 1 + 2 q1 + 2 q2 */
            if ((st = b_rsqrt_pos(t, u)))
                goto out;
            b_mul_2si(t, t, 2);
            da_ball_div(t, t, pi);            /* (4/pi) (..)^(-1/2) */
        }
        break;
    case NK_SIN:
    case NK_COS:
    case NK_EXP:
        da_ball_add(u, q1, q2);
        b_mul_2si(u, u, -1);
        if (cf == NK_EXP) {
            da_ball_add(u, u, c);
            b_mono(t, u, MF_EXP);
        } else {
            mpfr_neg(u->mid, u->mid, MPFR_RNDN);
            b_mono(t, u, MF_EXP);
            int sh = (cf == NK_SIN) == (m == 0);
            b_mono(v, c, sh ? MF_SINH : MF_COSH);
            da_ball_mul(t, t, v);
        }
        break;
    case NK_GAUSSIAN:
        /* D = (1 + q1)(1 + q2) - c^2 ; D^(-1/2) ; c D^(-3/2) */
        b_set_si(v, 1);
        da_ball_add(u, q1, v);
        da_ball_add(t, q2, v);
        da_ball_mul(u, u, t);
        da_ball_mul(t, c, c);
        da_ball_sub(u, u, t);
        b_floor_cs(u, q1, q2, 1);             /* >= 1 + q1 + q2 */
        if ((st = b_rsqrt_pos(t, u)))
            goto out;
        if (m == 1) {
            da_ball_mul(u, t, t);
            da_ball_mul(t, t, u);
            da_ball_mul(t, t, c);
        }
        break;
    case NK_GELU: {
        /* x Phi(x), the arctan form of neural-tangents' Gelu:
         * P = q1 q2, P1 = (1+q1)(1+q2), d = sqrt(P1 - c^2), a = atan(c/d),
         * K  = ((c^2 + P d^2)/(P1 d) + c a)/(2 pi) + c/4,
         * K' = (1/d^2 + (1 - P)/P1 + 1) c/(2 pi d) + 1/4 + a/(2 pi).
         * d^2 >= 1 + q1 + q2 > 1 since c^2 <= q1 q2. */
        da_ball P, P1, d2, id, a, w;
        b_init(P, p); b_init(P1, p); b_init(d2, p); b_init(id, p); b_init(a, p); b_init(w, p);
        da_ball_mul(P, q1, q2);
        b_set_si(v, 1);
        da_ball_add(u, q1, v);
        da_ball_add(t, q2, v);
        da_ball_mul(P1, u, t);
        da_ball_mul(u, c, c);
        da_ball_sub(d2, P1, u);
        b_floor_cs(d2, q1, q2, 1);                        /* >= 1 + q1 + q2 */
        if ((st = b_rsqrt_pos(id, d2)) == DA_OK) {     /* id = 1/d */
            da_ball_mul(t, c, id);
            b_mono(a, t, MF_ATAN);
            b_mul_2si(w, pi, 1);                          /* 2 pi */
            if (m == 0) {
                da_ball_mul(t, c, c);
                da_ball_mul(u, P, d2);
                da_ball_add(t, t, u);
                da_ball_mul(t, t, id);
                da_ball_div(t, t, P1);                    /* (c^2 + P d^2)/(P1 d) */
                da_ball_mul(u, c, a);
                da_ball_add(t, t, u);
                da_ball_div(t, t, w);
                b_mul_2si(u, c, -2);
                da_ball_add(t, t, u);
            } else {
                b_set_si(v, 1);
                da_ball_div(t, v, d2);                    /* 1/d^2 */
                da_ball_sub(u, v, P);
                da_ball_div(u, u, P1);                    /* (1 - P)/P1 */
                da_ball_add(t, t, u);
                da_ball_add(t, t, v);
                da_ball_mul(t, t, c);
                da_ball_mul(t, t, id);
                da_ball_div(t, t, w);
                da_ball_div(u, a, w);
                da_ball_add(t, t, u);
                mpfr_set_ui_2exp(u->mid, 1, -2, MPFR_RNDN);
                mpfr_set_zero(u->rad, 1);
                da_ball_add(t, t, u);
            }
        }
        da_ball_clear(P); da_ball_clear(P1); da_ball_clear(d2); da_ball_clear(id);
        da_ball_clear(a); da_ball_clear(w);
        break;
    }
    default:
        st = da_fail(DA_EINVAL, "no closed form");
    }
#undef STEP_K
#undef RELU_K
    if (!st)
        da_ball_set(r, t);
out:
    if (st == DA_EACCURACY) {
        /* not enclosed: NaN +- inf, never a number */
        mpfr_set_nan(r->mid);
        mpfr_set_inf(r->rad, 1);
    }
    da_ball_clear(rho); da_ball_clear(det); da_ball_clear(t); da_ball_clear(u);
    da_ball_clear(v); da_ball_clear(pi);
    return st;
}

/* m(q) = E f(u), Var u = q (for the shift C); DA_EINVAL when unknown */
static int cf_mean(da_ball r, nk_cf cf, const da_ball q, const da_netk *k)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball t, u, pi;
    b_init(t, p); b_init(u, p); b_init(pi, p);
    b_pi(pi);
    int st = DA_OK;
    switch (cf) {
    case NK_IDENTITY: case NK_ERF: case NK_SIN: case NK_SIGN:
        b_set_si(t, 0);
        break;
    case NK_STEP:
        mpfr_set_ui_2exp(t->mid, 1, -1, MPFR_RNDN);
        mpfr_set_zero(t->rad, 1);
        break;
    case NK_RELU: case NK_ABS: case NK_LEAKY:
        /* E relu = sqrt(q/(2 pi)); abs: twice that; leaky: (1 - alpha) times */
        b_mul_2si(u, pi, 1);
        da_ball_div(t, q, u);
        da_ball_sqrt(t, t);
        if (cf == NK_ABS)
            b_mul_2si(t, t, 1);
        if (cf == NK_LEAKY) {
            b_set_si(u, 1);
            da_ball_sub(u, u, &k->alpha);
            da_ball_mul(t, t, u);
        }
        break;
    case NK_COS: case NK_EXP:
        /* e^(-q/2), e^(q/2) */
        b_mul_2si(u, q, -1);
        if (cf == NK_COS)
            mpfr_neg(u->mid, u->mid, MPFR_RNDN);
        b_mono(t, u, MF_EXP);
        break;
    case NK_GAUSSIAN:
        b_set_si(u, 1);
        da_ball_add(u, u, q);
        st = b_mono(t, u, MF_RSQRT);
        break;
    case NK_GELU:
        /* q / sqrt(2 pi (1 + q)) */
        b_set_si(u, 1);
        da_ball_add(u, u, q);
        da_ball_mul(u, u, pi);
        b_mul_2si(u, u, 1);
        if ((st = b_mono(t, u, MF_RSQRT)) == DA_OK)
            da_ball_mul(t, t, q);
        break;
    default:
        st = DA_EINVAL;
    }
    if (!st)
        da_ball_set(r, t);
    da_ball_clear(t); da_ball_clear(u); da_ball_clear(pi);
    return st;
}

/* A^2 K_f(B^2 q1, B^2 q2, B^2 c) and (A B)^2 K_f'(...); with the shift C
 * the value kernel gains A C (m(B^2 q1) + m(B^2 q2)) + C^2 */
static int cf_scaled(da_ball r, const da_netk *k, const da_ball q1, const da_ball q2,
                     const da_ball c, int diag, int m)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball b2, Q1, Q2, C, f;
    b_init(b2, p); b_init(Q1, p); b_init(Q2, p); b_init(C, p); b_init(f, p);
    da_ball_mul(b2, &k->B, &k->B);
    da_ball_mul(Q1, q1, b2);
    da_ball_mul(Q2, q2, b2);
    if (diag)
        da_ball_set(C, Q1);
    else
        da_ball_mul(C, c, b2);
    int st = cf_eval(r, k, Q1, diag ? Q1 : Q2, C, diag, m);
    if (!st) {
        da_ball_mul(f, &k->A, &k->A);
        if (m == 1)
            da_ball_mul(f, f, b2);
        da_ball_mul(r, r, f);
    }
    if (!st && m == 0 && !mpfr_zero_p(k->C.mid)) {
        da_ball m1, m2;
        b_init(m1, p);
        b_init(m2, p);
        st = cf_mean(m1, k->cf, Q1, k);
        if (!st)
            st = cf_mean(m2, k->cf, diag ? Q1 : Q2, k);
        if (!st) {
            da_ball_add(m1, m1, m2);
            da_ball_mul(m1, m1, &k->A);
            da_ball_mul(m1, m1, &k->C);
            da_ball_add(r, r, m1);
            da_ball_mul(m1, &k->C, &k->C);
            da_ball_add(r, r, m1);
        }
        da_ball_clear(m1);
        da_ball_clear(m2);
    }
    da_ball_clear(b2); da_ball_clear(Q1); da_ball_clear(Q2); da_ball_clear(C); da_ball_clear(f);
    return st;
}

/* ---- the object -------------------------------------------------------- */

int da_netk_new(da_netk **out, const da_act *act, const da_netk_opts *opts)
{
    da_netk_opts o;
    if (opts)
        o = *opts;
    else
        da_netk_opts_init(&o);
    *out = NULL;
    if (o.digits < 1 || o.digits > 3000)
        return da_fail(DA_EINVAL, "digits must lie in [1, 3000]");
    netk_box *box = da_calloc(1, sizeof *box);
    if (!box)
        return DA_ENOMEM;
    if (pthread_mutex_init(&box->lock, NULL)) {
        free(box);
        return da_fail(DA_ENOMEM, "network kernel: no mutex");
    }
    da_netk *k = &box->k;
    k->act = act;
    k->rigorous = 1;
    k->digits = o.digits;
    k->normalized = o.normalized;
    k->prec = da_digits_to_bits(o.digits + 20) + 32;
    k->jump = da_act_has_jump(act);
    b_init(&k->A, k->prec);
    b_init(&k->B, k->prec);
    b_init(&k->C, k->prec);
    b_set_si(&k->C, 0);
    b_init(&k->alpha, k->prec);
    b_init(&k->mean, k->prec);
    b_init(&k->var, k->prec);
    b_set_si(&k->A, 1);
    b_set_si(&k->B, 1);
    k->cf = NK_NONE;
    if (o.method != DA_DUAL_SERIES && !o.normalized)
        detect(k);
    if (o.method == DA_DUAL_CLOSED && k->cf == NK_NONE) {
        da_netk_free(k);
        return da_fail(DA_EINVAL, "'%s' has no known closed form at general variances%s",
                       da_act_spec(act), o.normalized ? " when normalized" : "");
    }
    if (k->cf == NK_NONE)
        snprintf(k->method, sizeof k->method, "Hermite series of sigma(sqrt(q) x)%s",
                 o.normalized ? ", normalized sigma" : "");
    if (o.normalized) {
        da_hermite_opts ho;
        da_hermite_opts_init(&ho);
        ho.degree = 2;
        ho.digits = o.digits + 10;
        ho.raw = 1;
        ho.no_beta = 1;
        da_hermite *h = NULL;
        int st = da_hermite_compute(&h, act, &ho);
        if (!h) {
            da_netk_free(k);
            return st;
        }
        da_ball_set(&k->mean, &h->mean);
        da_ball_set(&k->var, &h->var);
        if (!h->rigorous)
            mark_estimate(k, "the mean and variance of sigma (normalization)", h->bound_reason);
        da_hermite_free(h);
        mpfr_t lo;
        mpfr_init2(lo, DA_RAD_PREC);
        b_lo(lo, &k->var);
        int pos = mpfr_sgn(lo) > 0;
        mpfr_clear(lo);
        if (!pos) {
            da_netk_free(k);
            return da_fail(DA_EDOM, "activation '%s' has zero variance: it cannot be normalized",
                           da_act_spec(act));
        }
    }
    *out = k;
    return DA_OK;
}

void da_netk_free(da_netk *k)
{
    if (!k)
        return;
    for (int i = 0; i < k->ncache; i++) {
        da_hermite_free(k->cache[i].h);
        da_ball_clear(&k->cache[i].q);
    }
    da_ball_clear(&k->A);
    da_ball_clear(&k->B);
    da_ball_clear(&k->C);
    da_ball_clear(&k->alpha);
    da_ball_clear(&k->mean);
    da_ball_clear(&k->var);
    da_netk_off_free(k->off);
    pthread_mutex_destroy(nk_lock(k));
    free((netk_box *)(void *)k);
}

const char *da_netk_method(const da_netk *k) { return k->method; }
int da_netk_closed(const da_netk *k) { return k->cf != NK_NONE; }

int da_netk_rigorous(const da_netk *k)
{
    pthread_mutex_lock(nk_lock(k));
    int r = k->rigorous;
    pthread_mutex_unlock(nk_lock(k));
    return r;
}

/* the reason is written once, when rigorous turns 0, and never again */
const char *da_netk_bound_reason(const da_netk *k)
{
    return da_netk_rigorous(k) ? "" : k->reason;
}

/* ---- series data -------------------------------------------------------- */

/* the decimal q~ near the midpoint of q (digits + 12 significant digits) */
static int q_decimal(char *buf, size_t len, const da_ball q, long digits)
{
    if (mpfr_sgn(q->mid) <= 0)
        return da_fail(DA_EDOM, "variance %g is not positive", mpfr_get_d(q->mid, MPFR_RNDN));
    mpfr_exp_t ex;
    size_t nd = (size_t)digits + 12;
    if (nd > 1060)
        nd = 1060;
    char *s = mpfr_get_str(NULL, &ex, 10, nd, q->mid, MPFR_RNDN);
    if (!s)
        return DA_ENOMEM;
    snprintf(buf, len, "0.%se%ld", s, (long)ex);
    mpfr_free_str(s);
    return DA_OK;
}

/* the coefficients of sigma(sqrt(q~) x) up to degree at least N */
static int get_coefs(nk_coefs **out, da_netk *k, const char *qdec, long N)
{
    nk_coefs *c = NULL;
    for (int i = 0; i < k->ncache; i++)
        if (!strcmp(k->cache[i].qdec, qdec))
            c = &k->cache[i];
    if (c && c->N >= N) {
        c->used = ++k->clock;
        *out = c;
        return DA_OK;
    }
    /* build sigma(sqrt(q~) * x) */
    da_expr *num = da_expr_num(qdec);
    da_expr *sq = num ? da_expr_node(DA_E_FN, DA_F_SQRT, 1, num, NULL, NULL) : NULL;
    da_expr *x = sq ? da_expr_x() : NULL;
    da_expr *arg = x ? da_expr_node(DA_E_MUL, 0, 2, sq, x, NULL) : NULL;
    if (!arg) {
        if (sq && !x) da_expr_unref(sq);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    da_expr *g = da_expr_subst(k->act->expr, arg);
    da_expr_unref(arg);
    if (!g)
        return da_fail(DA_ENOMEM, "out of memory");
    da_act *ga = NULL;
    int st = da_act_from_expr(&ga, g, da_act_spec(k->act));
    if (st)
        return st;
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = N;
    ho.digits = k->digits + 8 + (long)ceil(1.5 * log10((double)N + 1));
    ho.raw = 1;
    da_hermite *h = NULL;
    st = da_hermite_compute(&h, ga, &ho);
    da_act_free(ga);
    if (!h)
        return st;
    if (!h->rigorous)
        mark_estimate(k, "the Hermite coefficients of sigma(sqrt(q) x)", h->bound_reason);
    if (!c) {
        if (k->ncache < NK_CACHE) {
            c = &k->cache[k->ncache++];
            da_ball_init2(&c->q, k->prec);
        } else {
            c = &k->cache[0];
            for (int i = 1; i < k->ncache; i++)
                if (k->cache[i].used < c->used)
                    c = &k->cache[i];
            da_hermite_free(c->h);
            c->h = NULL;
        }
        snprintf(c->qdec, sizeof c->qdec, "%s", qdec);
        da_ball_set_decimal(&c->q, qdec);
    } else {
        da_hermite_free(c->h);
    }
    c->h = h;
    c->N = N;
    c->used = ++k->clock;
    *out = c;
    return st == DA_EACCURACY ? DA_EACCURACY : DA_OK;
}

/* ---- upper bounds in MPFR ------------------------------------------------
 *
 * The bounds of the series path (tails, derivative bounds, offsets) are
 * kept as DA_RAD_PREC-bit MPFR numbers rounded upwards: no libm function
 * enters them, and nothing underflows (at 400 digits the tails are far
 * below the smallest double). */

static void up_init(mpfr_t x)
{
    mpfr_init2(x, DA_RAD_PREC);
    mpfr_set_zero(x, 1);
}

/* x >= |b| */
static void b_abs_up(mpfr_t x, const da_ball b)
{
    mpfr_abs(x, b->mid, MPFR_RNDU);
    mpfr_add(x, x, b->rad, MPFR_RNDU);
}

/* x <= |b| (0 when the ball contains 0) */
static void b_abs_lo(mpfr_t x, const da_ball b)
{
    mpfr_abs(x, b->mid, MPFR_RNDD);
    mpfr_sub(x, x, b->rad, MPFR_RNDD);
    if (mpfr_sgn(x) < 0)
        mpfr_set_zero(x, 1);
}

/* r = a * b rounded up, with 0 * Inf = Inf (a bound, never NaN) */
static void up_mul(mpfr_t r, const mpfr_t a, const mpfr_t b)
{
    if ((mpfr_inf_p(a) && mpfr_zero_p(b)) || (mpfr_zero_p(a) && mpfr_inf_p(b)))
        mpfr_set_inf(r, 1);
    else
        mpfr_mul(r, a, b, MPFR_RNDU);
}

/* the natural log in double, for the degree prediction (-Inf at 0) */
static double ln_d(const mpfr_t x)
{
    if (mpfr_zero_p(x))
        return -INFINITY;
    if (!mpfr_number_p(x))
        return INFINITY;
    long e;
    double m = mpfr_get_d_2exp(&e, x, MPFR_RNDN);
    return log(m) + (double)e * M_LN2;
}

/* One side of the pair: coefficient balls (normalized if asked), tails
 * and norms. */
typedef struct {
    long N;
    da_ball_struct *a;    /* a[0..N] */
    mpfr_t T;             /* >= sum_{k>N} a_k^2 */
    mpfr_t Td;            /* >= sum_{k>N} k a_k^2 (+Inf when sigma jumps) */
    da_ball_struct n2;    /* E g^2 */
    da_ball_struct d2;    /* E g'^2 (mid Inf when infinite) */
    int d2inf;
    double q;             /* q~ (double, for the estimates below) */
    double dil[2];        /* estimates of ||dg/dq||, ||dh/dq|| (h = sigma'(sqrt q x)) from
                             the truncated coefficients: used only where no proof is made */
    int init;             /* n2, d2, T, Td initialized */
} side_t;

static void side_clear(side_t *s)
{
    if (!s->init)
        return;
    s->init = 0;
    if (s->a) {
        for (long i = 0; i <= s->N; i++)
            da_ball_clear(&s->a[i]);
        free(s->a);
    }
    da_ball_clear(&s->n2);
    da_ball_clear(&s->d2);
    mpfr_clears(s->T, s->Td, (mpfr_ptr)0);
}

static int side_make(side_t *s, const da_netk *k, const nk_coefs *c, long N)
{
    mpfr_prec_t p = k->prec;
    const da_hermite *h = c->h;
    memset(s, 0, sizeof *s);
    da_ball_init2(&s->n2, p);
    da_ball_init2(&s->d2, p);
    up_init(s->T);
    up_init(s->Td);
    s->init = 1;
    s->N = N;
    s->a = da_malloc((size_t)(N + 1) * sizeof *s->a);
    if (!s->a)
        return DA_ENOMEM;
    for (long i = 0; i <= N; i++) {
        da_ball_init2(&s->a[i], p);
        da_ball_set(&s->a[i], &h->a[i]);
    }
    s->q = mpfr_get_d(c->q.mid, MPFR_RNDN);
    mpfr_t v, acc;
    up_init(v);
    up_init(acc);
    /* tail beyond N: the engine's tail at its degree plus its coefficients beyond N */
    b_hi(s->T, &h->tail);
    if (mpfr_sgn(s->T) < 0)
        mpfr_set_zero(s->T, 1);
    for (long i = N + 1; i <= h->degree; i++) {
        b_abs_up(v, &h->a[i]);
        mpfr_sqr(v, v, MPFR_RNDU);
        mpfr_add(s->T, s->T, v, MPFR_RNDU);
    }
    da_ball_set(&s->n2, &h->norm2);
    /* E g'^2 = beta Var g (beta of the normalized g) */
    /* infinite only when sigma jumps; a beta that is merely not enclosed
       (the variance of g not separated from 0 at the accuracy asked: tanh
       at q = 1e-100) leaves E g'^2 unknown, NaN +- Inf, not infinite */
    s->d2inf = h->beta_infinite;
    int d2unknown = !s->d2inf && (!mpfr_number_p(h->beta.mid) || !mpfr_number_p(h->beta.rad));
    if (d2unknown) {
        mpfr_set_inf(s->Td, 1);
        mpfr_set_nan(s->d2.mid);
        mpfr_set_inf(s->d2.rad, 1);
    } else if (!s->d2inf) {
        da_ball bv, bb;
        da_ball_init2(bv, p);
        da_ball_init2(bb, p);
        da_ball_set(bv, &h->var);
        mpfr_set(bb->mid, h->beta.mid, MPFR_RNDN);
        mpfr_set(bb->rad, h->beta.rad, MPFR_RNDU);
        if (mpfr_get_prec(h->beta.mid) > p)
            da_ball_add_ulp(bb);
        da_ball_mul(&s->d2, bb, bv);
        da_ball_clear(bv);
        da_ball_clear(bb);
        /* Td = E g'^2 - sum_{k<=N} k a_k^2 (the sum from below) */
        for (long i = 1; i <= N; i++) {
            b_abs_lo(v, &h->a[i]);
            mpfr_sqr(v, v, MPFR_RNDD);
            mpfr_mul_si(v, v, i, MPFR_RNDD);
            mpfr_add(acc, acc, v, MPFR_RNDD);
        }
        b_hi(s->Td, &s->d2);
        mpfr_sub(s->Td, s->Td, acc, MPFR_RNDU);
        if (mpfr_sgn(s->Td) < 0)
            mpfr_set_zero(s->Td, 1);
    } else {
        mpfr_set_inf(s->Td, 1);
        mpfr_set_inf(s->d2.mid, 1);
    }
    if (k->normalized) {
        /* s = (sigma - m)/sd: a_0 -= m, everything / sd */
        da_ball sd, t;
        da_ball_init2(sd, p);
        da_ball_init2(t, p);
        da_ball_sqrt(sd, &k->var);
        /* n2 = (n2 - 2 m a_0 + m^2) / var */
        da_ball_mul(t, &k->mean, &s->a[0]);
        b_mul_2si(t, t, 1);
        da_ball_sub(&s->n2, &s->n2, t);
        da_ball_mul(t, &k->mean, &k->mean);
        da_ball_add(&s->n2, &s->n2, t);
        da_ball_div(&s->n2, &s->n2, &k->var);
        da_ball_sub(&s->a[0], &s->a[0], &k->mean);
        for (long i = 0; i <= N; i++)
            da_ball_div(&s->a[i], &s->a[i], sd);
        /* the tails / var, from below (positive: checked in da_netk_new) */
        b_lo(v, &k->var);
        mpfr_div(s->T, s->T, v, MPFR_RNDU);
        if (!s->d2inf) {
            mpfr_div(s->Td, s->Td, v, MPFR_RNDU);
            da_ball_div(&s->d2, &s->d2, &k->var);
        }
        da_ball_clear(sd);
        da_ball_clear(t);
    }
    mpfr_clears(v, acc, (mpfr_ptr)0);
    /* dilation norms (estimates from the truncated coefficients) */
    for (int m = 0; m < 2; m++) {
        double sum = 0;
        for (long i = 0; i + 2 + m <= N; i++) {
            double bi, bi2;
            if (m == 0) {
                bi = mpfr_get_d(s->a[i].mid, MPFR_RNDN);
                bi2 = mpfr_get_d(s->a[i + 2].mid, MPFR_RNDN);
            } else {
                bi = sqrt((double)i + 1) * mpfr_get_d(s->a[i + 1].mid, MPFR_RNDN) / sqrt(s->q);
                bi2 = sqrt((double)i + 3) * mpfr_get_d(s->a[i + 3].mid, MPFR_RNDN) / sqrt(s->q);
            }
            double d = ((double)i * bi + sqrt(((double)i + 1) * ((double)i + 2)) * bi2) / (2 * s->q);
            sum += d * d;
        }
        s->dil[m] = sqrt(sum);
    }
    return DA_OK;
}

/* r >= max_{k > N} k^m s^(k-m), 0 <= s <= 1, m = 0, 1, 2.  Over real
 * k the function is largest at k* = m / ln(1/s), where it equals
 * (m / (e ln(1/s)))^m s^(-m); when k* <= N + 1 it decreases beyond
 * N + 1 and the value there is the maximum. */
static void maxfall(mpfr_t r, long N, int m, const mpfr_t s)
{
    if (mpfr_zero_p(s)) {
        mpfr_set_ui(r, m == 0 ? 0 : (N + 1 <= m ? 1 : 0), MPFR_RNDU);
        return;
    }
    if (mpfr_cmp_ui(s, 1) >= 0) {
        if (m == 0)
            mpfr_set_ui(r, 1, MPFR_RNDU);
        else
            mpfr_set_inf(r, 1);
        return;
    }
    if (m == 0) {
        mpfr_pow_ui(r, s, (unsigned long)(N + 1), MPFR_RNDU);
        return;
    }
    mpfr_t L, t, u;
    up_init(L);
    up_init(t);
    up_init(u);
    /* L <= ln(1/s) */
    mpfr_log(L, s, MPFR_RNDU);
    mpfr_neg(L, L, MPFR_RNDN);
    if (mpfr_sgn(L) <= 0) {
        mpfr_set_inf(r, 1);
    } else {
        mpfr_ui_div(t, (unsigned long)m, L, MPFR_RNDU);   /* >= k* */
        if (mpfr_cmp_si(t, N + 1) <= 0) {
            mpfr_pow_ui(r, s, (unsigned long)(N + 1 - m), MPFR_RNDU);
            mpfr_set_si(t, N + 1, MPFR_RNDU);
            mpfr_pow_ui(t, t, (unsigned long)m, MPFR_RNDU);
            mpfr_mul(r, r, t, MPFR_RNDU);
        } else {
            mpfr_set_ui(u, 1, MPFR_RNDN);
            mpfr_exp(u, u, MPFR_RNDD);
            mpfr_mul(u, u, L, MPFR_RNDD);
            mpfr_ui_div(t, (unsigned long)m, u, MPFR_RNDU);
            mpfr_pow_ui(r, t, (unsigned long)m, MPFR_RNDU);
            mpfr_pow_ui(u, s, (unsigned long)m, MPFR_RNDD);
            mpfr_div(r, r, u, MPFR_RNDU);
        }
    }
    mpfr_clears(L, t, u, (mpfr_ptr)0);
}

/* the sum part: r = sum_{k<=N} k^(m) a_k b_k rho^(k-m) at the exact rho0,
 * with coefficient radii and rounding (ball Horner); dmag gets the
 * rho-derivative bound sum_{k=m+1}^N k^(m+1) |a_k b_k| s^(k-m-1) */
static void pair_sum(da_ball r, const side_t *x, const side_t *y, long N, const mpfr_t rho0,
                     const mpfr_t s, int m, mpfr_t dmag)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball acc, c, rb;
    b_init(acc, p); b_init(c, p); b_init(rb, p);
    mpfr_set(rb->mid, rho0, MPFR_RNDN);
    mpfr_set_zero(rb->rad, 1);
    b_set_si(acc, 0);
    /* Horner in balls: acc = acc rho + c_k, k from N down to m */
    for (long kk = N; kk >= m; kk--) {
        da_ball_mul(c, &x->a[kk], &y->a[kk]);
        if (m == 1) {
            mpfr_mul_si(c->mid, c->mid, kk, MPFR_RNDN);
            mpfr_mul_si(c->rad, c->rad, kk, MPFR_RNDU);
            da_ball_add_ulp(c);
        }
        da_ball_mul(acc, acc, rb);
        da_ball_add(acc, acc, c);
    }
    /* the derivative bound, Horner upwards */
    mpfr_t u, v;
    up_init(u);
    up_init(v);
    mpfr_set_zero(dmag, 1);
    for (long kk = N; kk >= m + 1; kk--) {
        b_abs_up(u, &x->a[kk]);
        b_abs_up(v, &y->a[kk]);
        mpfr_mul(u, u, v, MPFR_RNDU);
        mpfr_mul_si(u, u, m == 0 ? kk : kk * (kk - 1), MPFR_RNDU);
        mpfr_mul(dmag, dmag, s, MPFR_RNDU);
        mpfr_add(dmag, dmag, u, MPFR_RNDU);
    }
    mpfr_clears(u, v, (mpfr_ptr)0);
    da_ball_set(r, acc);
    da_ball_clear(acc); da_ball_clear(c); da_ball_clear(rb);
}

/* b = sqrt(X1 X2) f, the smaller of two such bounds kept by the callers */
static void cs_bound(mpfr_t b, const mpfr_t X1, const mpfr_t X2, const mpfr_t f)
{
    up_mul(b, X1, X2);
    mpfr_sqrt(b, b, MPFR_RNDU);
    up_mul(b, b, f);
}

/* r >= the truncation error of order m beyond N at |rho| <= s (Cauchy-
 * Schwarz on the tails); with dt = 1 the tail of the rho-derivative
 * (order m + 1) */
static void pair_tail(mpfr_t r, const side_t *x, const side_t *y, long N, int m,
                      const mpfr_t s, int dt)
{
    mpfr_t f, b2;
    up_init(f);
    up_init(b2);
    maxfall(f, N, m + dt, s);
    cs_bound(r, x->T, y->T, f);
    /* order 1 also: sum_{k>N} k |a_k b_k| s^(k-1) <= sqrt(Td1 Td2) s^N */
    if (m + dt == 1 && mpfr_number_p(x->Td) && mpfr_number_p(y->Td)) {
        mpfr_pow_ui(f, s, (unsigned long)N, MPFR_RNDU);
        cs_bound(b2, x->Td, y->Td, f);
        if (mpfr_cmp(b2, r) < 0)
            mpfr_set(r, b2, MPFR_RNDU);
    }
    mpfr_clears(f, b2, (mpfr_ptr)0);
}

static void rad_add(da_ball r, const mpfr_t e)
{
    if (mpfr_nan_p(e) || mpfr_sgn(e) < 0)
        mpfr_set_inf(r->rad, 1);
    else
        mpfr_add(r->rad, r->rad, e, MPFR_RNDU);
}

/* d >= distance of any point of the ball q from q~: rad(q) + |mid(q) - q~|
   + rad(q~) */
static void q_dist(mpfr_t d, const da_ball q, const da_ball qt)
{
    mpfr_sub(d, q->mid, qt->mid, MPFR_RNDA);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_add(d, d, q->rad, MPFR_RNDU);
    mpfr_add(d, d, qt->rad, MPFR_RNDU);
}

/* D >= sup over the segment xi of ||d g_t/dt|| (kind 0) or ||d h_t/dt||
 * (kind 1), from netk_offset.c, divided by sd when normalized; where no
 * proof is available, the estimate 2 est and the kernel becomes an
 * estimate (with the reason) */
static void off_bound(mpfr_t D, da_netk *k, int kind, const da_ball xi, double est)
{
    const char *why = NULL;
    if (!k->off && !k->off_tried) {
        k->off_tried = 1;
        if (da_netk_off_new(&k->off, k->act)) {
            snprintf(k->off_err, sizeof k->off_err, "sigma' or sigma'' could not be formed (%s)",
                     da_errmsg());
            da_clear_error();
        }
    }
    double d = INFINITY;
    if (!k->off)
        why = k->off_err;
    else if (da_netk_off_dnorm(&d, k->off, kind, da_ball_lo_d(xi), da_ball_hi_d(xi), &why)) {
        da_clear_error();
    } else {
        mpfr_set_d(D, d, MPFR_RNDU);
        if (k->normalized) {
            mpfr_t sd;
            up_init(sd);
            b_lo(sd, &k->var);
            mpfr_sqrt(sd, sd, MPFR_RNDD);
            mpfr_div(D, D, sd, MPFR_RNDU);
            mpfr_clear(sd);
        }
        return;
    }
    mark_estimate(k, kind ? "the variances' radii in E[s'(u) s'(v)] (first-order estimate)"
                          : "the variances' radii in E[s(u) s(v)] (first-order estimate)",
                  why ? why : "no proof");
    mpfr_set_d(D, 2 * est, MPFR_RNDU);
}

/* xi = the ball around mid(q) that holds q and q~ (radius dist) */
static void xi_ball(da_ball xi, const da_ball q, const mpfr_t dist)
{
    mpfr_set(xi->mid, q->mid, MPFR_RNDN);
    mpfr_set(xi->rad, dist, MPFR_RNDU);
    if (mpfr_get_prec(xi->mid) < mpfr_get_prec(q->mid))
        da_ball_add_ulp(xi);
}

/* r = r intersected with [-1, 1] (the true correlation lies there) */
static void clamp_unit(da_ball r)
{
    mpfr_t lo, hi;
    mpfr_inits2(mpfr_get_prec(r->mid) + 8, lo, hi, (mpfr_ptr)0);
    b_lo(lo, r);
    b_hi(hi, r);
    if (mpfr_cmp_si(lo, -1) < 0 || mpfr_cmp_si(hi, 1) > 0) {
        if (mpfr_cmp_si(lo, -1) < 0) mpfr_set_si(lo, -1, MPFR_RNDN);
        if (mpfr_cmp_si(hi, 1) > 0) mpfr_set_si(hi, 1, MPFR_RNDN);
        if (mpfr_cmp(lo, hi) > 0) mpfr_set(lo, hi, MPFR_RNDN);
        b_from_interval(r, lo, hi);
    }
    mpfr_clears(lo, hi, (mpfr_ptr)0);
}

/* The series path.  Writing G(t1, t2, rho) = E[g_t1(X) g_t2(Y)] (kind 0,
 * g_t = sigma(sqrt(t) .)) or E[h_t1(X) h_t2(Y)] (kind 1, h_t =
 * sigma'(sqrt(t) .)) with corr(X, Y) = rho, the result is
 * G(q1, q2, c/sqrt(q1 q2)) for the true q1, q2, c in their balls.
 * (1) rho_true = c/sqrt(q1 q2) lies in the ball c / sqrt(Xi1 Xi2), Xi_i
 *     the ball around mid(q_i) holding q_i and q~_i, and in [-1, 1];
 * (2) G(q~1, q~2, rho) is enclosed for every rho of that ball: the sum
 *     at its midpoint, the Cauchy-Schwarz tails, and rad(rho) times the
 *     bound of the rho-derivative (partial sum plus its own tail);
 * (3) |G(q1, q2, rho) - G(q~1, q~2, rho)| <= d1 D1 (N2 + d2 D2) + N1 d2 D2
 *     for |rho| <= 1 (Cauchy-Schwarz on the coefficients, then the mean
 *     value bound ||g_q - g_q~|| <= |q - q~| D), with d_i the distances,
 *     D_i >= sup ||dg_t/dt|| over Xi_i (netk_offset.c) and N_i = ||g_q~i||
 *     from the engine (E g^2, or E g'^2 / q~ for kind 1).
 * On the diagonal F = ||g_q||^2 and |F(q) - F(q~)| <= d D (2N + d D). */
static int series_eval_locked(da_ball r, da_netk *k, const da_ball q1, const da_ball q2,
                              const da_ball c, int diag, int m)
{
    char d1[1100], d2[1100];
    int st = q_decimal(d1, sizeof d1, q1, k->digits);
    if (!st && !diag)
        st = q_decimal(d2, sizeof d2, q2, k->digits);
    if (st)
        return st;
    if (diag || !strcmp(d1, d2))
        strcpy(d2, d1);
    mpfr_prec_t p = k->prec;
    da_ball rho, t, xi1, xi2, qt1, qt2;
    b_init(rho, p); b_init(t, p); b_init(xi1, p); b_init(xi2, p); b_init(qt1, p); b_init(qt2, p);
    mpfr_t target, tail, D, dq1, dq2, s, u, v, Dq1, Dq2, N1, N2;
    up_init(target); up_init(tail); up_init(D); up_init(dq1); up_init(dq2);
    up_init(s); up_init(u); up_init(v); up_init(Dq1); up_init(Dq2); up_init(N1); up_init(N2);
    mpfr_set_ui(target, 10, MPFR_RNDN);
    mpfr_pow_si(target, target, -k->digits, MPFR_RNDD);
    mpfr_div_2ui(target, target, 4, MPFR_RNDD);
    long N = k->lastN > 32 ? k->lastN : 32;
    int est = DA_OK;
    side_t x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    nk_coefs *c1 = NULL, *c2 = NULL;
    /* the decimals q~ as balls, the distances, the segments Xi */
    da_ball_set_decimal(qt1, d1);
    da_ball_set_decimal(qt2, d2);
    q_dist(dq1, q1, qt1);
    xi_ball(xi1, q1, dq1);
    if (!diag) {
        q_dist(dq2, q2, qt2);
        xi_ball(xi2, q2, dq2);
        /* rho = c / sqrt(Xi1 Xi2), within [-1, 1] */
        da_ball_mul(t, xi1, xi2);
        if (b_mono(t, t, MF_RSQRT)) {
            st = da_fail(DA_EDOM, "a variance ball reaches 0");
            goto out;
        }
        da_ball_mul(rho, c, t);
        clamp_unit(rho);
        b_abs_up(s, rho);
        if (mpfr_cmp_ui(s, 1) > 0)
            mpfr_set_ui(s, 1, MPFR_RNDN);
    }
    for (;;) {
        st = get_coefs(&c1, k, d1, N);
        if (st && st != DA_EACCURACY)
            goto out;
        if (st) est = st;
        /* c1 may be evicted by the second lookup when the cache is full:
           take side x first */
        side_clear(&x);
        memset(&x, 0, sizeof x);
        if ((st = side_make(&x, k, c1, N)))
            goto out;
        if (!diag) {
            st = get_coefs(&c2, k, d2, N);
            if (st && st != DA_EACCURACY)
                goto out;
            if (st) est = st;
            side_clear(&y);
            memset(&y, 0, sizeof y);
            if ((st = side_make(&y, k, c2, N)))
                goto out;
        }
        if (diag)
            break;
        pair_tail(tail, &x, &y, N, m, s, 0);
        if (mpfr_cmp(tail, target) <= 0 || N >= NK_NMAX)
            break;
        /* predict the degree from the decay of the tails over the second
           half of the coefficients (at least doubling) */
        long next = 2 * N;
        up_mul(u, x.T, y.T);
        mpfr_sqrt(u, u, MPFR_RNDN);                          /* T */
        mpfr_set(v, u, MPFR_RNDN);                           /* Th */
        for (long i = N / 2 + 1; i <= N; i++) {
            mpfr_mul(t->mid, x.a[i].mid, y.a[i].mid, MPFR_RNDN);
            mpfr_abs(t->mid, t->mid, MPFR_RNDN);
            mpfr_add(v, v, t->mid, MPFR_RNDN);
        }
        double lT = ln_d(u), lTh = ln_d(v);
        if (isfinite(lT) && lTh > lT && mpfr_cmp_ui(s, 1) < 0) {
            double lr = (lT - lTh) / (double)(N - N / 2) + ln_d(s);
            if (lr < 0) {
                double more = (ln_d(target) - ln_d(tail)) / lr;
                if (more < 1e6 && N + (long)ceil(1.25 * more) + 8 > next)
                    next = N + (long)ceil(1.25 * more) + 8;
            }
        }
        N = next > NK_NMAX ? NK_NMAX : next;
    }
    if (N > k->lastN)
        k->lastN = N;
    if (diag) {
        /* E g^2, E g'^2 / q~ */
        if (m == 0) {
            da_ball_set(r, &x.n2);
            b_hi(N1, &x.n2);
        } else {
            if (x.d2inf) {
                st = DA_EINFINITE;
                goto out;
            }
            da_ball_div(r, &x.d2, qt1);
            b_hi(N1, &x.d2);
            b_lo(u, qt1);
            mpfr_div(N1, N1, u, MPFR_RNDU);
        }
        mpfr_sqrt(N1, N1, MPFR_RNDU);
        if (!mpfr_zero_p(dq1)) {
            /* d D (2 N + d D) */
            off_bound(Dq1, k, m, xi1, x.dil[m]);
            up_mul(u, dq1, Dq1);
            mpfr_mul_2ui(v, N1, 1, MPFR_RNDU);
            mpfr_add(v, v, u, MPFR_RNDU);
            up_mul(u, u, v);
            rad_add(r, u);
        }
    } else {
        mpfr_t rr;
        up_init(rr);
        /* r = P_N(rho0) + tail + rad(rho) D: the truncation bound holds at
           every |rho| <= s, the true rho's included, so the radius of rho
           moves only the partial sum P_N, whose slope on the ball is at
           most D = sum_{k<=N} k^(m) |a_k b_k| s^(k-1-m) (pair_sum); no
           tail of the derivative is needed (at s = 1 it may be infinite
           where the kernel is not: the NTK near rho = 1) */
        pair_sum(r, &x, &y, N, rho->mid, s, m, D);
        pair_tail(tail, &x, &y, N, m, s, 0);
        rad_add(r, tail);
        mpfr_set(rr, rho->rad, MPFR_RNDU);
        if (!mpfr_zero_p(rr)) {
            up_mul(u, D, rr);
            rad_add(r, u);
        }
        mpfr_clear(rr);
        if (m == 1) {
            /* divide by sqrt(q~1 q~2) */
            da_ball_mul(t, qt1, qt2);
            b_mono(t, t, MF_RSQRT);
            da_ball_mul(r, r, t);
        }
        /* the variance offsets (3) */
        if (!mpfr_zero_p(dq1) || !mpfr_zero_p(dq2)) {
            side_t *sd[2] = {&x, &y};
            mpfr_ptr Nn[2] = {N1, N2};
            da_ball_struct *qt[2] = {qt1, qt2};
            for (int i = 0; i < 2; i++) {
                if (m == 0) {
                    b_hi(Nn[i], &sd[i]->n2);
                } else if (sd[i]->d2inf) {
                    mpfr_set_inf(Nn[i], 1);
                } else {
                    b_hi(Nn[i], &sd[i]->d2);
                    b_lo(u, qt[i]);
                    mpfr_div(Nn[i], Nn[i], u, MPFR_RNDU);
                }
                mpfr_sqrt(Nn[i], Nn[i], MPFR_RNDU);
            }
            mpfr_set_zero(Dq1, 1);
            mpfr_set_zero(Dq2, 1);
            if (!mpfr_zero_p(dq1))
                off_bound(Dq1, k, m, xi1, x.dil[m]);
            if (!mpfr_zero_p(dq2))
                off_bound(Dq2, k, m, xi2, y.dil[m]);
            /* d1 D1 (N2 + d2 D2) + N1 d2 D2 */
            if (!mpfr_zero_p(dq1)) {
                mpfr_set(v, N2, MPFR_RNDU);
                if (!mpfr_zero_p(dq2)) {
                    up_mul(u, dq2, Dq2);
                    mpfr_add(v, v, u, MPFR_RNDU);
                }
                up_mul(u, dq1, Dq1);
                up_mul(u, u, v);
                rad_add(r, u);
            }
            if (!mpfr_zero_p(dq2)) {
                up_mul(u, dq2, Dq2);
                up_mul(u, u, N1);
                rad_add(r, u);
            }
        }
    }
out:
    side_clear(&x);
    side_clear(&y);
    da_ball_clear(rho); da_ball_clear(t); da_ball_clear(xi1); da_ball_clear(xi2);
    da_ball_clear(qt1); da_ball_clear(qt2);
    mpfr_clears(target, tail, D, dq1, dq2, s, u, v, Dq1, Dq2, N1, N2, (mpfr_ptr)0);
    if (st)
        return st;
    return est;
}

/* series_eval_locked under k's mutex (the cache, lastN, the offset
 * bounds and rigorous change there) */
static int series_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2,
                       const da_ball c, int diag, int m)
{
    pthread_mutex_lock(nk_lock(k));
    int st = series_eval_locked(r, k, q1, q2, c, diag, m);
    pthread_mutex_unlock(nk_lock(k));
    return st;
}

/* ---- public evaluation --------------------------------------------------- */

static int check_inputs(const da_ball q1, const da_ball q2, const da_ball c)
{
    if (!mpfr_number_p(q1->mid) || !mpfr_number_p(q2->mid) || !mpfr_number_p(c->mid) ||
        !mpfr_number_p(q1->rad) || !mpfr_number_p(q2->rad) || !mpfr_number_p(c->rad))
        return da_fail(DA_EINVAL, "variances and covariance must be finite");
    if (mpfr_sgn(q1->mid) <= 0 || mpfr_sgn(q2->mid) <= 0)
        return da_fail(DA_EDOM, "variances must be positive");
    /* c^2 <= q1 q2 up to the radii */
    mpfr_t a, b;
    mpfr_inits2(DA_RAD_PREC + 64, a, b, (mpfr_ptr)0);
    mpfr_abs(a, c->mid, MPFR_RNDD);
    mpfr_sub(a, a, c->rad, MPFR_RNDD);
    if (mpfr_sgn(a) < 0) mpfr_set_zero(a, 1);
    mpfr_sqr(a, a, MPFR_RNDD);
    b_hi(b, q1);
    mpfr_t u;
    mpfr_init2(u, DA_RAD_PREC + 64);
    b_hi(u, q2);
    mpfr_mul(b, b, u, MPFR_RNDU);
    int bad = mpfr_cmp(a, b) > 0;
    mpfr_clears(a, b, u, (mpfr_ptr)0);
    if (bad)
        return da_fail(DA_EDOM, "covariance %g exceeds sqrt(q1 q2): not a covariance",
                       mpfr_get_d(c->mid, MPFR_RNDN));
    return DA_OK;
}

static int finish(da_ball r, const da_netk *k, int st)
{
    if (st == DA_EINFINITE) {
        mpfr_set_inf(r->mid, 1);
        mpfr_set_zero(r->rad, 1);
        return da_fail(DA_EINFINITE, "E[sigma'(u) sigma'(v)] is infinite here: '%s' jumps",
                       da_act_spec(k->act));
    }
    if (st)
        return st;
    if (da_ball_digits(r) < (double)k->digits)
        return DA_EACCURACY;
    return DA_OK;
}

int da_netk_eval(da_ball r, da_netk *k, const da_ball q1, const da_ball q2, const da_ball c,
                 int deriv)
{
    if (deriv != 0 && deriv != 1)
        return da_fail(DA_EINVAL, "deriv must be 0 or 1");
    int st = check_inputs(q1, q2, c);
    if (st)
        return st;
    if (k->cf != NK_NONE) {
        st = cf_scaled(r, k, q1, q2, c, 0, deriv);
        if (!st && deriv == 0 && !mpfr_zero_p(c->rad)) {
            /* the radius of c through |dF/dc| = |E[s'(u) s'(v)]| <=
               sqrt(E s'(u)^2 E s'(v)^2) (Cauchy-Schwarz, for every c): the
               closed forms evaluated on a ball of c lose to dependency
               (abs = 4 relu - x: 3 rad c instead of rad c) */
            mpfr_prec_t p = mpfr_get_prec(r->mid);
            da_ball cm, r2, d1, d2;
            b_init(cm, mpfr_get_prec(c->mid)); b_init(r2, p); b_init(d1, p); b_init(d2, p);
            mpfr_set(cm->mid, c->mid, MPFR_RNDN);
            mpfr_set_zero(cm->rad, 1);
            if (cf_scaled(r2, k, q1, q2, cm, 0, 0) == DA_OK && cf_scaled(d1, k, q1, q1, q1, 1, 1) == DA_OK &&
                cf_scaled(d2, k, q2, q2, q2, 1, 1) == DA_OK) {
                /* rad c sqrt(sup d1 sup d2), rounded up in MPFR (a product
                   of doubles could underflow to 0) */
                mpfr_t e;
                mpfr_init2(e, DA_RAD_PREC);
                mpfr_set_d(e, b_up_d(d1), MPFR_RNDU);
                mpfr_mul_d(e, e, b_up_d(d2), MPFR_RNDU);
                mpfr_sqrt(e, e, MPFR_RNDU);
                mpfr_mul(e, e, c->rad, MPFR_RNDU);
                mpfr_add(r2->rad, r2->rad, e, MPFR_RNDU);
                if (mpfr_cmp(r2->rad, r->rad) < 0)
                    da_ball_set(r, r2);
                mpfr_clear(e);
            }
            da_clear_error();
            da_ball_clear(cm); da_ball_clear(r2); da_ball_clear(d1); da_ball_clear(d2);
        }
    } else {
        st = series_eval(r, k, q1, q2, c, 0, deriv);
    }
    return finish(r, k, st);
}

int da_netk_diag(da_ball r, da_netk *k, const da_ball q, int deriv)
{
    if (deriv != 0 && deriv != 1)
        return da_fail(DA_EINVAL, "deriv must be 0 or 1");
    int st = check_inputs(q, q, q);
    if (st)
        return st;
    if (k->cf != NK_NONE)
        st = cf_scaled(r, k, q, q, q, 1, deriv);
    else
        st = series_eval(r, k, q, q, q, 1, deriv);
    return finish(r, k, st);
}

int da_netk_eval_d(double *r_out, double *err, da_netk *k, double q1, double q2, double c,
                   int deriv)
{
    if (!r_out || !k) {
        if (err) *err = INFINITY;
        return da_fail(DA_EINVAL, "network kernel (double): no kernel or output");
    }
    da_ball a, b, cc, r;
    mpfr_prec_t p = k->prec;
    b_init(a, p); b_init(b, p); b_init(cc, p); b_init(r, p);
    mpfr_set_d(a->mid, q1, MPFR_RNDN);
    mpfr_set_d(b->mid, q2, MPFR_RNDN);
    mpfr_set_d(cc->mid, c, MPFR_RNDN);
    int diag = q1 == q2 && c == q1;
    int st = diag ? da_netk_diag(r, k, a, deriv) : da_netk_eval(r, k, a, b, cc, deriv);
    double v;
    if (st && st != DA_EACCURACY && st != DA_EINFINITE) {
        v = NAN;
        if (err) *err = INFINITY;
    } else {
        v = mpfr_get_d(r->mid, MPFR_RNDN);
        if (err) {
            double e = mpfr_get_d(r->rad, MPFR_RNDU);
            *err = isfinite(v) ? e + fabs(v) * 0x1p-53 : 0;
        }
    }
    da_ball_clear(a); da_ball_clear(b); da_ball_clear(cc); da_ball_clear(r);
    *r_out = v;
    return st;
}

/* ---- the network ---------------------------------------------------------- */

void da_netk_net_init(da_netk_net *n)
{
    memset(n, 0, sizeof *n);
    n->depth = 1;
    n->param = DA_NETK_PARAM_NTK;
    n->width = 0;
    n->dim = 0;
    n->bias = 1;
}

static void b_set_double_ball(da_ball dst, const da_ball src) { da_ball_set(dst, src); }

int da_netk_network(da_netk_layer *rows, da_netk *k, const da_netk_net *n,
                    const da_ball q1, const da_ball q2, const da_ball c)
{
    /* the cap of the kernel-matrix engine (rows holds depth + 1 layers) */
    if (n->depth < 0 || n->depth > 100000)
        return da_fail(DA_EINVAL, "depth %ld out of range [0, 100000]", n->depth);
    if (n->param == DA_NETK_PARAM_STANDARD && (n->width <= 0 || n->dim <= 0))
        return da_fail(DA_EINVAL, "the standard parameterisation needs the input dimension "
                       "and the hidden width");
    mpfr_prec_t p = k->prec;
    da_ball K11, K22, K12, Th, E11, E22, E12, D12, t, u;
    b_init(K11, p); b_init(K22, p); b_init(K12, p); b_init(Th, p); b_init(E11, p);
    b_init(E22, p); b_init(E12, p); b_init(D12, p); b_init(t, p); b_init(u, p);
    int same = mpfr_equal_p(q1->mid, q2->mid) && mpfr_equal_p(q1->rad, q2->rad);
    /* identical inputs (c = q1 = q2 exactly): K(x, x') = K(x, x) in every
       layer, so the off-diagonal entries are the diagonal ones (rho = 1,
       where the series' bounds in rho would not close) */
    int ident = n->identical ||
                (same && mpfr_zero_p(q1->rad) && mpfr_zero_p(c->rad) && mpfr_equal_p(c->mid, q1->mid));
    /* layer 0: the first Dense */
    da_ball_mul(K11, &n->sw2, q1);
    da_ball_add(K11, K11, &n->sb2);
    da_ball_mul(K22, &n->sw2, q2);
    da_ball_add(K22, K22, &n->sb2);
    da_ball_mul(K12, &n->sw2, c);
    da_ball_add(K12, K12, &n->sb2);
    if (n->param == DA_NETK_PARAM_NTK) {
        da_ball_set(Th, K12);
    } else {
        /* neural-tangents' standard Dense: input_width nngp + W_std^2 ntk (+1 with a
           bias); the input's ntk is 0 and its nngp is x.x'/d */
        b_set_si(t, n->dim);
        da_ball_mul(Th, t, c);
        if (n->bias) {
            b_set_si(t, 1);
            da_ball_add(Th, Th, t);
        }
    }
    int worst = DA_OK;
    for (long l = 0;; l++) {
        da_netk_layer *row = &rows[l];
        row->layer = l;
        /* a result struct: its balls take the working precision */
        mpfr_set_prec(row->q1.mid, p);
        mpfr_set_prec(row->q2.mid, p);
        mpfr_set_prec(row->nngp.mid, p);
        mpfr_set_prec(row->ntk.mid, p);
        b_set_double_ball(&row->q1, K11);
        b_set_double_ball(&row->q2, K22);
        b_set_double_ball(&row->nngp, K12);
        b_set_double_ball(&row->ntk, Th);
        if (l == n->depth)
            break;
        if (!b_finite(K11) || !b_finite(K22) || !b_finite(K12) || !b_finite(Th)) {
            /* the radii outgrew the exponent range: nothing deeper is
               enclosed (the rows below are NaN +- inf) */
            for (long m = l + 1; m <= n->depth; m++) {
                da_netk_layer *rw = &rows[m];
                rw->layer = m;
                da_ball_struct *bs[] = {&rw->q1, &rw->q2, &rw->nngp, &rw->ntk};
                for (int z = 0; z < 4; z++) {
                    mpfr_set_nan(bs[z]->mid);
                    mpfr_set_inf(bs[z]->rad, 1);
                }
            }
            worst = da_fail(DA_EACCURACY, "the enclosures are not finite beyond layer %ld (their "
                                          "radii grow with depth)", l);
            goto fail;
        }
        int st = da_netk_diag(E11, k, K11, 0);
        if (st && st != DA_EACCURACY) { worst = st; goto fail; }
        if (same) {
            da_ball_set(E22, E11);
        } else {
            st = da_netk_diag(E22, k, K22, 0);
            if (st && st != DA_EACCURACY) { worst = st; goto fail; }
        }
        if (ident) {
            da_ball_set(E12, E11);
            st = da_netk_diag(D12, k, K11, 1);
        } else {
            st = da_netk_eval(E12, k, K11, K22, K12, 0);
            if (st && st != DA_EACCURACY) { worst = st; goto fail; }
            st = da_netk_eval(D12, k, K11, K22, K12, 1);
        }
        if (st && st != DA_EACCURACY) { worst = st; goto fail; }
        /* NTK */
        da_ball_mul(t, &n->sw2, D12);
        da_ball_mul(Th, Th, t);
        if (n->param == DA_NETK_PARAM_NTK) {
            da_ball_mul(u, &n->sw2, E12);
            da_ball_add(u, u, &n->sb2);
            da_ball_add(Th, Th, u);
        } else {
            b_set_si(u, n->width);
            da_ball_mul(u, u, E12);
            da_ball_add(Th, Th, u);
            if (n->bias) {
                b_set_si(u, 1);
                da_ball_add(Th, Th, u);
            }
        }
        da_ball_mul(K11, &n->sw2, E11);
        da_ball_add(K11, K11, &n->sb2);
        da_ball_mul(K22, &n->sw2, E22);
        da_ball_add(K22, K22, &n->sb2);
        da_ball_mul(K12, &n->sw2, E12);
        da_ball_add(K12, K12, &n->sb2);
        continue;
    fail:
        break;
    }
    da_ball_clear(K11); da_ball_clear(K22); da_ball_clear(K12); da_ball_clear(Th);
    da_ball_clear(E11); da_ball_clear(E22); da_ball_clear(E12); da_ball_clear(D12);
    da_ball_clear(t); da_ball_clear(u);
    if (worst)
        return worst;
    for (long l = 0; l <= n->depth; l++) {
        double d = fmin(fmin(da_ball_digits(&rows[l].q1), da_ball_digits(&rows[l].q2)),
                        fmin(da_ball_digits(&rows[l].nngp), da_ball_digits(&rows[l].ntk)));
        if (d < (double)k->digits)
            return DA_EACCURACY;
    }
    return DA_OK;
}

void da_netk_layer_init(da_netk_layer *row)
{
    row->layer = 0;
    da_ball_init2(&row->q1, 64);
    da_ball_init2(&row->q2, 64);
    da_ball_init2(&row->nngp, 64);
    da_ball_init2(&row->ntk, 64);
}

void da_netk_layer_clear(da_netk_layer *row)
{
    da_ball_clear(&row->q1);
    da_ball_clear(&row->q2);
    da_ball_clear(&row->nngp);
    da_ball_clear(&row->ntk);
}


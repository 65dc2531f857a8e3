/* expr_tape_arb.c -- a compiled tape evaluated in real and complex ball
 * arithmetic (Arb): the enclose, decide and complex modes of tape_ball.h.
 *
 * Every instruction is an Arb ball operation, so each result contains the
 * exact value for every point of the input ball: no error analysis is
 * needed beyond Arb's own.  The working precision is the one asked for
 * plus the tape's guard bits (which cover its largest constant: in
 * (x + 1e200) - 1e200 the value of x survives only if the precision spans
 * both magnitudes).  Decimal constants enter as the balls [RNDD, RNDU]
 * of their text, so "0.1" is enclosed exactly.
 */
#include "core/core.h"
#include "act/tape_impl.h"
#include "act/tape_ball.h"
#include "act/expr_fn.h"

#include <stdlib.h>
#include <string.h>

struct da_tape_ball {
    const da_tape *t;
    slong prec;       /* working precision now */
    slong prec0;      /* the one it was made with */
    int nreg;
    arb_ptr r;        /* [nreg] real registers; r[0] is x */
    acb_ptr c;        /* [nreg] complex registers */
    arb_ptr k;        /* [nconst] constants */
    arb_t s1, s2;     /* scratch */
    acb_t z1, z2;
    arb_t sqrt2, sqrt2pi;
    da_fn_ball fk;      /* s1, z1 and the constants, lent to the table's evaluators */
    da_tape_ball **sub; /* [2 nrem]: the removable quotients' g^(k), h^(k) */
    arb_t rh, rg;       /* their scratch */
    acb_t ch, cg;
};

/* ---- decision logs ------------------------------------------------- */

#define STRICT 0x40000000
#define VALUE(e) ((e) & ~STRICT)

int da_declog_init(da_declog *l, int cap)
{
    l->n = 0;
    l->overflow = 0;
    l->cap = cap > 0 ? cap : 16;
    l->v = da_malloc((size_t)l->cap * sizeof *l->v);
    return l->v ? DA_OK : DA_ENOMEM;
}

void da_declog_clear(da_declog *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int log_push(da_declog *l, int outcome, int strict)
{
    if (l->n == l->cap) {
        int cap = 2 * l->cap;
        void *q = realloc(l->v, (size_t)cap * sizeof *l->v);
        if (!q) {
            l->overflow = 1;
            return 0;
        }
        l->v = q;
        l->cap = cap;
    }
    l->v[l->n++] = outcome | (strict ? STRICT : 0);
    return 1;
}

/* ---- workspace ------------------------------------------------------ */

void da_tape_ball_free(da_tape_ball *w)
{
    if (!w)
        return;
    if (w->r)
        _arb_vec_clear(w->r, w->nreg);
    if (w->c)
        _acb_vec_clear(w->c, w->nreg);
    if (w->k)
        _arb_vec_clear(w->k, w->t->nconst > 0 ? w->t->nconst : 1);
    arb_clear(w->s1);
    arb_clear(w->s2);
    acb_clear(w->z1);
    acb_clear(w->z2);
    arb_clear(w->sqrt2);
    arb_clear(w->sqrt2pi);
    arb_clear(w->rh);
    arb_clear(w->rg);
    acb_clear(w->ch);
    acb_clear(w->cg);
    if (w->sub) {
        for (int i = 0; i < 2 * w->t->nrem; i++)
            da_tape_ball_free(w->sub[i]);
        free(w->sub);
    }
    free(w);
}

static void set_decimal(arb_t c, const char *text, slong prec)
{
    mpfr_t lo, hi;
    mpfr_init2(lo, prec);
    mpfr_init2(hi, prec);
    if (mpfr_set_str(lo, text, 10, MPFR_RNDD) != 0 || mpfr_set_str(hi, text, 10, MPFR_RNDU) != 0
        || !mpfr_number_p(lo) || !mpfr_number_p(hi))
        arb_indeterminate(c);
    else
        arb_set_interval_mpfr(c, lo, hi, prec);
    mpfr_clear(lo);
    mpfr_clear(hi);
}

da_tape_ball *da_tape_ball_new(const da_tape *t, slong prec)
{
    if (!t || prec < 2 || prec > (1L << 28)) {
        da_fail(DA_EINVAL, "tape ball workspace: bad tape or precision");
        return NULL;
    }
    da_tape_ball *w = da_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->t = t;
    w->prec = prec + t->guard;
    w->prec0 = w->prec;
    w->nreg = t->nreg;
    arb_init(w->s1);
    arb_init(w->s2);
    acb_init(w->z1);
    acb_init(w->z2);
    arb_init(w->sqrt2);
    arb_init(w->sqrt2pi);
    arb_init(w->rh);
    arb_init(w->rg);
    acb_init(w->ch);
    acb_init(w->cg);
    w->r = _arb_vec_init(t->nreg);
    w->c = _acb_vec_init(t->nreg);
    w->k = _arb_vec_init(t->nconst > 0 ? t->nconst : 1);
    arb_sqrt_ui(w->sqrt2, 2, w->prec + 64);
    w->fk = (da_fn_ball){w->s1, w->z1, w->sqrt2, w->sqrt2pi};
    arb_const_pi(w->sqrt2pi, w->prec + 64);
    arb_mul_2exp_si(w->sqrt2pi, w->sqrt2pi, 1);
    arb_sqrt(w->sqrt2pi, w->sqrt2pi, w->prec + 64);
    for (int i = 0; i < t->nconst; i++) {
        switch (t->cdefs[i].kind) {
        case C_NUM: set_decimal(w->k + i, t->cdefs[i].text, w->prec); break;
        case C_PI: arb_const_pi(w->k + i, w->prec); break;
        case C_E: arb_const_e(w->k + i, w->prec); break;
        }
    }
    if (t->nrem) {
        w->sub = da_calloc((size_t)(2 * t->nrem), sizeof *w->sub);
        if (!w->sub) {
            da_tape_ball_free(w);
            return NULL;
        }
        for (int i = 0; i < t->nrem; i++) {
            w->sub[2 * i] = da_tape_ball_new(t->rems[i].gk, prec);
            w->sub[2 * i + 1] = da_tape_ball_new(t->rems[i].hk, prec);
            if (!w->sub[2 * i] || !w->sub[2 * i + 1]) {
                da_tape_ball_free(w);
                return NULL;
            }
        }
    }
    return w;
}

void da_tape_ball_set_prec(da_tape_ball *w, slong prec)
{
    slong p = prec + w->t->guard;
    w->prec = p < w->prec0 ? p : w->prec0;
    for (int i = 0; w->sub && i < 2 * w->t->nrem; i++)
        da_tape_ball_set_prec(w->sub[i], prec);
}

/* The removable quotient n where its denominator's ball holds 0: the
 * ratio of the hulls of g^(k) and h^(k) over the hull of x and r
 * (expr_removable.c).  0 when that ratio is not finite. */
static int rdiv_real(da_tape_ball *w, arb_t d, const arb_t x, long n)
{
    const remdef *rd = &w->t->rems[n];
    arb_set_d(w->rh, rd->r);
    arb_union(w->rh, w->rh, x, w->prec);
    if (da_tape_arb_enclose(w->sub[2 * n + 1], w->rg, w->rh) != DA_BALL_OK
        || arb_contains_zero(w->rg))
        return 0;
    arb_set(d, w->rg);
    if (da_tape_arb_enclose(w->sub[2 * n], w->rg, w->rh) != DA_BALL_OK)
        return 0;
    arb_div(d, w->rg, d, w->prec);
    return arb_is_finite(d);
}

static int rdiv_complex(da_tape_ball *w, acb_t d, const acb_t z, long n)
{
    const remdef *rd = &w->t->rems[n];
    acb_set_d(w->ch, rd->r);
    acb_union(w->ch, w->ch, z, w->prec);
    if (da_tape_acb_follow(w->sub[2 * n + 1], w->cg, w->ch, NULL) != DA_BALL_OK
        || acb_contains_zero(w->cg))
        return 0;
    acb_set(d, w->cg);
    if (da_tape_acb_follow(w->sub[2 * n], w->cg, w->ch, NULL) != DA_BALL_OK)
        return 0;
    acb_div(d, w->cg, d, w->prec);
    return acb_is_finite(d);
}

/* ---- the real modes -------------------------------------------------- */

enum { M_ENCLOSE, M_DECIDE };

typedef struct {
    da_tape_ball *w;
    int mode;
    da_declog *log;
    const da_declog *ref;
    int undecided;
} rctx;

/* Sign of g on X: +1 (> 0 strictly), -1, 0 (exactly zero), +2 (>= 0,
 * touching 0), -2 (<= 0, touching), 3 (both signs). */
static int ball_sign(const arb_t g)
{
    if (arb_is_zero(g))
        return 0;
    if (arb_is_positive(g))
        return 1;
    if (arb_is_negative(g))
        return -1;
    if (arb_is_nonnegative(g))
        return 2;
    if (arb_is_nonpositive(g))
        return -2;
    return 3;
}

/* A discontinuous switch on g: returns the side (-1, 0, +1) taken, or 3
 * when undecided (decide mode) or not decided (enclose mode: the caller
 * joins).  In decide mode the outcome is logged. */
static int switch_disc(rctx *c, const arb_t g)
{
    int s = ball_sign(g);
    if (c->mode == M_ENCLOSE)
        return (s == 2 || s == -2) ? 3 : s;
    int side;
    int strict = 1;
    if (s == 3) {
        c->undecided = 1;
        return 3;
    }
    if (s == 2 || s == -2) {
        /* almost everywhere, if the centre run was strictly on that side */
        side = s / 2;
        strict = 0;
        int idx = c->log->n;
        if (!c->ref || idx >= c->ref->n || !(c->ref->v[idx] & STRICT)
            || VALUE(c->ref->v[idx]) != side + 1) {
            c->undecided = 1;
            return 3;
        }
    } else {
        side = s;
    }
    log_push(c->log, side + 1, strict);
    return side;
}

/* A continuous switch on g (both branches agree where g = 0): +1 for the
 * g >= 0 branch, -1 for g <= 0, 3 undecided. */
static int switch_cont(rctx *c, const arb_t g)
{
    int s = ball_sign(g);
    int side = s == 3 ? 3 : s >= 0 ? 1 : -1;
    if (c->mode == M_ENCLOSE)
        return side;
    if (side == 3) {
        c->undecided = 1;
        return 3;
    }
    log_push(c->log, side + 1, s == 1 || s == -1);
    return side;
}

/* [0, 1] or [-1, 1] */
static void set_unit(arb_t d, int lo)
{
    if (lo == 0) {
        arb_set_d(d, 0.5);
        mag_set_d(arb_radref(d), 0.5);
    } else {
        arb_zero(d);
        mag_one(arb_radref(d));
    }
}

static int fn_arb(rctx *c, da_fn f, arb_t d, const arb_t x, const arb_t y, const arb_t z)
{
    da_tape_ball *w = c->w;
    slong p = w->prec;
    int side;
    const da_fn_info *fi = da_fn_get(f);
    if (!fi->branch) {
        fi->arb(d, x, y, z, &w->fk, p);
        return 1;
    }
    switch (f) {
    case DA_F_CBRT:
        side = switch_cont(c, x);
        if (side == 3) {
            if (c->mode != M_ENCLOSE)
                return 0;
            /* |cbrt(x)| <= cbrt(max |x|) */
            arf_t u;
            arf_init(u);
            arb_get_abs_ubound_arf(u, x, p);
            arb_set_arf(w->s1, u);
            arb_root_ui(w->s1, w->s1, 3, p);
            arb_get_ubound_arf(u, w->s1, p);
            arb_zero(d);
            arf_get_mag(arb_radref(d), u);
            arf_clear(u);
        } else if (side > 0) {
            arb_root_ui(d, x, 3, p);
        } else {
            arb_neg(w->s1, x);
            arb_root_ui(d, w->s1, 3, p);
            arb_neg(d, d);
        }
        break;
    case DA_F_ABS:
        side = switch_cont(c, x);
        if (side == 3 && c->mode != M_ENCLOSE)
            return 0;
        if (side == 3) {
            /* |x| >= 0: the ball of |x| cut to [0, inf), so that roots
               and powers of it stay finite where x touches 0 */
            arb_abs(d, x);
            arb_nonnegative_part(d, d);
        } else if (side > 0)
            arb_set(d, x);
        else
            arb_neg(d, x);
        break;
    case DA_F_RELU:
        side = switch_cont(c, x);
        if (side == 3 && c->mode != M_ENCLOSE)
            return 0;
        if (side == 3) {
            arb_zero(w->s1);
            arb_max(d, x, w->s1, p);
        } else if (side > 0)
            arb_set(d, x);
        else
            arb_zero(d);
        break;
    case DA_F_SIGN:
    case DA_F_STEP:
        side = switch_disc(c, x);
        if (side == 3) {
            if (c->mode != M_ENCLOSE)
                return 0;
            set_unit(d, f == DA_F_STEP ? 0 : -1);
        } else if (f == DA_F_SIGN)
            arb_set_si(d, side);
        else
            arb_set_si(d, side > 0);
        break;
    case DA_F_FLOOR:
    case DA_F_CEIL: {
        /* decided when the floor (ceiling) is one integer on X */
        if (f == DA_F_FLOOR)
            arb_floor(d, x, p);
        else
            arb_ceil(d, x, p);
        int one = arb_is_exact(d) && arf_is_int(arb_midref(d))
                  && arf_cmpabs_2exp_si(arb_midref(d), 29) < 0;
        if (c->mode == M_DECIDE) {
            if (!one) {
                c->undecided = 1;
                return 0;
            }
            log_push(c->log, (int)arf_get_si(arb_midref(d), ARF_RND_NEAR) + (1 << 29), 1);
        }
        break;
    }
    case DA_F_MAX:
    case DA_F_MIN:
        arb_sub(w->s1, x, y, p);
        side = switch_cont(c, w->s1);
        if (side == 3) {
            if (c->mode != M_ENCLOSE)
                return 0;
            if (f == DA_F_MAX)
                arb_max(d, x, y, p);
            else
                arb_min(d, x, y, p);
        } else if ((side > 0) == (f == DA_F_MAX))
            arb_set(d, x);
        else
            arb_set(d, y);
        break;
    case DA_F_CLIP:
        /* min(max(x, lo), hi): two switches */
        arb_sub(w->s1, x, y, p);
        side = switch_cont(c, w->s1);
        if (side == 3) {
            if (c->mode != M_ENCLOSE)
                return 0;
            arb_max(w->s2, x, y, p);
        } else
            arb_set(w->s2, side > 0 ? x : y);
        arb_sub(w->s1, w->s2, z, p);
        side = switch_cont(c, w->s1);
        if (side == 3) {
            if (c->mode != M_ENCLOSE)
                return 0;
            arb_min(d, w->s2, z, p);
        } else
            arb_set(d, side > 0 ? z : w->s2);
        break;
    default:
        arb_indeterminate(d);
        break;
    }
    return 1;
}

/* the switch of a comparison: outcome 0/1 (3 when not decided) */
static int compare(rctx *c, iop op, const arb_t a, const arb_t b)
{
    da_tape_ball *w = c->w;
    arb_sub(w->s1, a, b, w->prec);
    int s = switch_disc(c, w->s1);
    if (s == 3)
        return 3;
    switch (op) {
    case I_LT: return s < 0;
    case I_LE: return s <= 0;
    case I_GT: return s > 0;
    case I_GE: return s >= 0;
    case I_EQ: return s == 0;
    default: return s != 0;
    }
}

static int run_real(rctx *c, int from, int stop);

/* A condition "x OP k" (k a preloaded constant, or one loaded by I_CONST
 * just before) computed by the instruction right before the jump at pc
 * into the register it tests.  Returns 1 and *above_true (1: the condition
 * holds only where x >= lo(k); 0: only where x <= hi(k)) and *kreg, or 0. */
static int cond_on_x(const da_tape *t, int pc, int *above_true, int *kreg)
{
    if (pc < 1)
        return 0;
    const ins *j = &t->code[pc], *cmp = &t->code[pc - 1];
    if (cmp->dst != j->a)
        return 0;
    if (cmp->op != I_LT && cmp->op != I_LE && cmp->op != I_GT && cmp->op != I_GE)
        return 0;
    int xa = cmp->a == 0, xb = cmp->b == 0;
    if (xa == xb)
        return 0;
    int k = xa ? cmp->b : cmp->a;
    int isconst = k >= 1 && k <= t->npre;
    if (!isconst && pc >= 2 && t->code[pc - 2].op == I_CONST && t->code[pc - 2].dst == k)
        isconst = 1;
    if (!isconst)
        return 0;
    int gt = cmp->op == I_GT || cmp->op == I_GE;   /* a > b */
    *above_true = xa ? gt : !gt;
    *kreg = k;
    return 1;
}

/* out = X cut to [lo(k), inf) (above) or (-inf, hi(k)]; 0 when empty */
static int cut_half(arb_t out, const arb_t X, const arb_t k, int above, slong p)
{
    arf_t xl, xh, kb;
    arf_init(xl);
    arf_init(xh);
    arf_init(kb);
    arb_get_lbound_arf(xl, X, p);
    arb_get_ubound_arf(xh, X, p);
    int ok;
    if (above) {
        arb_get_lbound_arf(kb, k, p);
        if (arf_cmp(kb, xl) > 0)
            arf_set(xl, kb);
    } else {
        arb_get_ubound_arf(kb, k, p);
        if (arf_cmp(kb, xh) < 0)
            arf_set(xh, kb);
    }
    ok = arf_is_finite(xl) && arf_is_finite(xh) && arf_cmp(xl, xh) <= 0;
    if (ok) {
        arb_set_interval_arf(out, xl, xh, p);
        /* the ball of [xl, xh] may reach a little beyond its ends: keep
           the sign of a half-line that starts or ends at 0 */
        if (arf_sgn(xl) >= 0) {
            arb_nonnegative_part(out, out);
        } else if (arf_sgn(xh) <= 0) {
            arb_neg(out, out);
            arb_nonnegative_part(out, out);
            arb_neg(out, out);
        }
    }
    arf_clear(xl);
    arf_clear(xh);
    arf_clear(kb);
    return ok;
}

/* Run [from, stop) with x cut to the half-line where a branch is taken
 * (restored after): the value of a branch matters only there. 0 when that
 * part of X is empty (*skipped = 1, nothing run). */
static int run_cut(rctx *c, int from, int stop, int above, int kreg, int *skipped)
{
    da_tape_ball *w = c->w;
    arb_t keep;
    arb_init(keep);
    arb_set(keep, w->r);
    *skipped = 0;
    int st = DA_BALL_OK;
    if (!cut_half(w->r, keep, w->r + kreg, above, w->prec))
        *skipped = 1;
    else
        st = run_real(c, from, stop);
    arb_swap(w->r, keep);
    arb_clear(keep);
    return st;
}

static int run_real(rctx *c, int from, int stop)
{
    da_tape_ball *w = c->w;
    const da_tape *t = w->t;
    arb_ptr r = w->r;
    slong p = w->prec;
    for (int pc = from; pc < stop; pc++) {
        const ins *i = &t->code[pc];
        arb_ptr d = r + i->dst;
        arb_srcptr a = r + i->a;
        int v;
        switch (i->op) {
        case I_MOV: arb_set(d, a); break;
        case I_NEG: arb_neg(d, a); break;
        case I_ADD: arb_add(d, a, r + i->b, p); break;
        case I_SUB: arb_sub(d, a, r + i->b, p); break;
        case I_MUL: arb_mul(d, a, r + i->b, p); break;
        case I_DIV: arb_div(d, a, r + i->b, p); break;
        case I_RDIV:
            if (!arb_contains_zero(r + i->b))
                arb_div(d, a, r + i->b, p);
            else if (!rdiv_real(w, d, r, i->n))
                arb_indeterminate(d);
            break;
        case I_POW:
            if (c->mode == M_ENCLOSE && arb_is_nonnegative(a) && arb_is_positive(r + i->b)
                && !arb_is_positive(a)) {
                /* a touches 0: [0, max(a)^b] (b > 0), with the upper end of
                   b when max(a) >= 1 and its lower end otherwise */
                arf_t u, v;
                arf_init(u);
                arf_init(v);
                arb_get_ubound_arf(u, a, p);
                if (arf_cmp_2exp_si(u, 0) < 0)
                    arb_get_lbound_arf(v, r + i->b, p);
                else
                    arb_get_ubound_arf(v, r + i->b, p);
                arb_set_arf(w->s1, u);
                arb_set_arf(w->s2, v);
                arb_pow(w->s1, w->s1, w->s2, p);
                arb_get_ubound_arf(u, w->s1, p);
                arb_zero(d);
                arf_get_mag(arb_radref(d), u);
                arf_clear(u);
                arf_clear(v);
            } else
                arb_pow(d, a, r + i->b, p);
            break;
        case I_POWI:
            if (i->n >= 0) {
                arb_pow_ui(d, a, (ulong)i->n, p);
                if (i->n % 2 == 0)
                    arb_nonnegative_part(d, d);   /* an even power is >= 0 */
            } else {
                arb_pow_ui(d, a, (ulong)(-i->n), p);
                arb_inv(d, d, p);
            }
            break;
        case I_LT: case I_LE: case I_GT: case I_GE: case I_EQ: case I_NE:
            v = compare(c, i->op, a, r + i->b);
            if (v == 3) {
                if (c->mode != M_ENCLOSE)
                    return DA_BALL_UNDECIDED;
                set_unit(d, 0);
            } else
                arb_set_ui(d, (ulong)v);
            break;
        case I_NOT:
        case I_BOOL:
            v = switch_disc(c, a);
            if (v == 3) {
                if (c->mode != M_ENCLOSE)
                    return DA_BALL_UNDECIDED;
                set_unit(d, 0);
            } else
                arb_set_ui(d, (ulong)((v == 0) == (i->op == I_NOT)));
            break;
        case I_FN:
            if (!fn_arb(c, i->fn, d, a, r + i->b, r + i->c))
                return DA_BALL_UNDECIDED;
            break;
        case I_JZ:
        case I_JNZ: {
            if (!arb_is_finite(a))
                return DA_BALL_NONFINITE;
            v = switch_disc(c, a);
            if (v == 3) {
                if (c->mode != M_ENCLOSE)
                    return DA_BALL_UNDECIDED;
                /* both paths, joined where they meet (at c); when the
                   condition is x OP k, each path sees only the x where it
                   is taken (x > 0 ? sqrt(x) : 0 stays finite) */
                int above, kreg, sk1 = 0, sk2 = 0, st;
                int cut = cond_on_x(t, pc, &above, &kreg);
                /* the fall-through path: the condition nonzero for JZ */
                int ft_above = i->op == I_JZ ? above : !above;
                if (cut)
                    st = run_cut(c, pc + 1, i->c, ft_above, kreg, &sk1);
                else
                    st = run_real(c, pc + 1, i->c);
                if (st)
                    return st;
                arb_t keep;
                arb_init(keep);
                arb_set(keep, d);
                if (cut)
                    st = run_cut(c, i->b, i->c, !ft_above, kreg, &sk2);
                else
                    st = run_real(c, i->b, i->c);
                if (sk2)
                    arb_set(d, keep);
                else if (!sk1)
                    arb_union(d, d, keep, p);
                arb_clear(keep);
                if (st)
                    return st;
                if (sk1 && sk2)
                    return DA_BALL_NONFINITE;
                pc = i->c - 1;
            } else if ((v == 0) == (i->op == I_JZ)) {
                pc = i->b - 1;
            }
            break;
        }
        case I_JMP:
            if (i->b >= stop)
                return DA_BALL_OK;
            pc = i->b - 1;
            break;
        case I_CONST:
            arb_set(d, w->k + i->n);
            break;
        }
        if (c->log && c->log->overflow)
            return DA_BALL_UNDECIDED;
    }
    return DA_BALL_OK;
}

static void load_consts(da_tape_ball *w)
{
    for (int k = 0; k < w->t->npre; k++)
        arb_set(w->r + 1 + k, w->k + k);
}

static int real_eval(da_tape_ball *w, arb_t y, const arb_t x, int mode, da_declog *log,
                     const da_declog *ref)
{
    arb_set(w->r, x);
    load_consts(w);
    rctx c = {w, mode, log, ref, 0};
    if (log)
        log->n = 0, log->overflow = 0;
    int st = run_real(&c, 0, w->t->ncode);
    if (st == DA_BALL_OK && c.undecided)
        st = DA_BALL_UNDECIDED;
    if (st == DA_BALL_OK) {
        arb_set(y, w->r + w->t->res);
        if (!arb_is_finite(y))
            st = DA_BALL_NONFINITE;
    }
    if (st)
        arb_indeterminate(y);
    return st;
}

int da_tape_arb_enclose(da_tape_ball *w, arb_t y, const arb_t x)
{
    return real_eval(w, y, x, M_ENCLOSE, NULL, NULL);
}

int da_tape_arb_decide(da_tape_ball *w, arb_t y, const arb_t x, da_declog *log,
                       const da_declog *ref)
{
    return real_eval(w, y, x, M_DECIDE, log, ref);
}

/* ---- the complex mode ------------------------------------------------ */

typedef struct {
    const da_declog *log;
    int next;
} cctx;

static int next_dec(cctx *c, int *v)
{
    if (!c->log || c->next >= c->log->n)
        return 0;
    *v = VALUE(c->log->v[c->next++]);
    return 1;
}

static int fn_acb(da_tape_ball *w, cctx *c, da_fn f, acb_t d, const acb_t x, const acb_t y,
                  const acb_t z)
{
    slong p = w->prec;
    int v;
    const da_fn_info *fi = da_fn_get(f);
    if (!fi->branch) {
        fi->acb(d, x, &w->fk, p);
        return 1;
    }
    switch (f) {
    case DA_F_CBRT:
        if (!next_dec(c, &v))
            return 0;
        {
            /* z^(1/3) on the branch of the sign decided on the interval */
            acb_t third;
            acb_init(third);
            arb_set_ui(acb_realref(third), 1);
            arb_div_ui(acb_realref(third), acb_realref(third), 3, p);
            if (v == 2) {
                acb_pow_analytic(d, x, third, 1, p);
            } else {
                acb_neg(w->z1, x);
                acb_pow_analytic(d, w->z1, third, 1, p);
                acb_neg(d, d);
            }
            acb_clear(third);
        }
        break;
    case DA_F_ABS:
        if (!next_dec(c, &v))
            return 0;
        if (v == 2)
            acb_set(d, x);
        else
            acb_neg(d, x);
        break;
    case DA_F_RELU:
        if (!next_dec(c, &v))
            return 0;
        if (v == 2)
            acb_set(d, x);
        else
            acb_zero(d);
        break;
    case DA_F_SIGN:
        if (!next_dec(c, &v))
            return 0;
        acb_set_si(d, v - 1);
        break;
    case DA_F_STEP:
        if (!next_dec(c, &v))
            return 0;
        acb_set_si(d, v == 2);
        break;
    case DA_F_FLOOR:
    case DA_F_CEIL:
        if (!next_dec(c, &v))
            return 0;
        acb_set_si(d, (slong)v - (1 << 29));
        break;
    case DA_F_MAX:
    case DA_F_MIN:
        if (!next_dec(c, &v))
            return 0;
        if ((v == 2) == (f == DA_F_MAX))
            acb_set(d, x);
        else
            acb_set(d, y);
        break;
    case DA_F_CLIP:
        if (!next_dec(c, &v))
            return 0;
        acb_set(w->z1, v == 2 ? x : y);
        if (!next_dec(c, &v))
            return 0;
        acb_set(d, v == 2 ? z : w->z1);
        break;
    default:
        acb_indeterminate(d);
        break;
    }
    return 1;
}

int da_tape_acb_follow(da_tape_ball *w, acb_ptr y, acb_srcptr z, const da_declog *log)
{
    const da_tape *t = w->t;
    acb_ptr r = w->c;
    slong p = w->prec;
    cctx c = {log, 0};
    acb_set(r, z);
    for (int k = 0; k < t->npre; k++)
        acb_set_arb(r + 1 + k, w->k + k);
    for (int pc = 0; pc < t->ncode; pc++) {
        const ins *i = &t->code[pc];
        acb_ptr d = r + i->dst;
        acb_srcptr a = r + i->a;
        int v;
        switch (i->op) {
        case I_MOV: acb_set(d, a); break;
        case I_NEG: acb_neg(d, a); break;
        case I_ADD: acb_add(d, a, r + i->b, p); break;
        case I_SUB: acb_sub(d, a, r + i->b, p); break;
        case I_MUL: acb_mul(d, a, r + i->b, p); break;
        case I_DIV: acb_div(d, a, r + i->b, p); break;
        case I_RDIV:
            if (!acb_contains_zero(r + i->b))
                acb_div(d, a, r + i->b, p);
            else if (!rdiv_complex(w, d, r, i->n))
                acb_indeterminate(d);
            break;
        case I_POW:
            /* 0^b = 0 for Re b > 0 (a branch that is identically 0) */
            if (acb_is_zero(a) && arb_is_positive(acb_realref(r + i->b)))
                acb_zero(d);
            else
                acb_pow_analytic(d, a, r + i->b, 1, p);
            break;
        case I_POWI: acb_pow_si(d, a, i->n, p); break;
        case I_LT: case I_LE: case I_GT: case I_GE: case I_EQ: case I_NE:
        case I_NOT: case I_BOOL:
            if (!next_dec(&c, &v)) {
                acb_indeterminate(y);
                return DA_BALL_LOG;
            }
            {
                int s = v - 1, res;
                switch (i->op) {
                case I_LT: res = s < 0; break;
                case I_LE: res = s <= 0; break;
                case I_GT: res = s > 0; break;
                case I_GE: res = s >= 0; break;
                case I_EQ: res = s == 0; break;
                case I_NE: res = s != 0; break;
                case I_NOT: res = s == 0; break;
                default: res = s != 0; break;
                }
                acb_set_ui(d, (ulong)res);
            }
            break;
        case I_FN:
            if (!fn_acb(w, &c, i->fn, d, a, r + i->b, r + i->c)) {
                acb_indeterminate(y);
                return DA_BALL_LOG;
            }
            break;
        case I_JZ:
        case I_JNZ:
            if (!next_dec(&c, &v)) {
                acb_indeterminate(y);
                return DA_BALL_LOG;
            }
            if (((v - 1) == 0) == (i->op == I_JZ))
                pc = i->b - 1;
            break;
        case I_JMP:
            pc = i->b - 1;
            break;
        case I_CONST:
            acb_set_arb(d, w->k + i->n);
            break;
        }
    }
    acb_set(y, r + t->res);
    if (!acb_is_finite(y)) {
        acb_indeterminate(y);
        return DA_BALL_NONFINITE;
    }
    return DA_BALL_OK;
}

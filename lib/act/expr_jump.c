/* expr_jump.c -- where a formula may jump, read from its syntax, and its
 * one-sided limits at x = 0 in real balls.  Internal to libdualact.
 *
 * Served to the variance-offset bound of the network kernels
 * (lib/dual/netk_offset.c, which states why these are the conditions it
 * needs): every switch that can jump (comparison, step, sign, floor, ceil,
 * a condition) must have an argument of the form K x (it switches at 0
 * only) or no x at all; and for sigma' to be sigma's distributional
 * derivative, the one-sided limits of sigma at 0 must be proved equal,
 * exactly, in ball arithmetic (elu's x > 0 ? x : expm1(x)). */
#include "act/expr.h"
#include "act/expr_fn.h"
#include "core/arbinc.h"

#define JUMP_PREC 64


static int is_bool_node(const da_expr *e)
{
    return (e->op >= DA_E_LT && e->op <= DA_E_NOT);
}

/* a constant expression (no x) in a ball; 0 when not finite */
static int lim0(arb_t y, const da_expr *e, int side, slong prec);

/* e = K x for a constant K (x, K x, x K, x / K, -e, e1 +- e2, or a
   constant that is exactly 0): 1 and K in *K, else 0 */
static int hlin(arb_t K, const da_expr *e, slong prec)
{
    arb_t a, b;
    int ok = 0;
    if (!da_expr_has_x(e)) {
        /* only the constant 0 is homogeneous */
        arb_init(a);
        ok = lim0(a, e, 1, prec) && arb_is_zero(a);
        arb_clear(a);
        if (ok)
            arb_zero(K);
        return ok;
    }
    arb_init(a);
    arb_init(b);
    switch (e->op) {
    case DA_E_X:
        arb_one(K);
        ok = 1;
        break;
    case DA_E_NEG:
        ok = hlin(K, e->a[0], prec);
        arb_neg(K, K);
        break;
    case DA_E_ADD:
    case DA_E_SUB:
        ok = hlin(a, e->a[0], prec) && hlin(b, e->a[1], prec);
        if (ok) {
            if (e->op == DA_E_ADD)
                arb_add(K, a, b, prec);
            else
                arb_sub(K, a, b, prec);
        }
        break;
    case DA_E_MUL:
        if (!da_expr_has_x(e->a[0]))
            ok = lim0(a, e->a[0], 1, prec) && hlin(b, e->a[1], prec);
        else if (!da_expr_has_x(e->a[1]))
            ok = hlin(b, e->a[0], prec) && lim0(a, e->a[1], 1, prec);
        if (ok)
            arb_mul(K, a, b, prec);
        break;
    case DA_E_DIV:
        if (!da_expr_has_x(e->a[1]))
            ok = hlin(b, e->a[0], prec) && lim0(a, e->a[1], 1, prec) && !arb_contains_zero(a);
        if (ok)
            arb_div(K, b, a, prec);
        break;
    default:
        break;
    }
    arb_clear(a);
    arb_clear(b);
    return ok && arb_is_finite(K);
}

/* the switch "g != 0" (or the sign of g) jumps at 0 only, or never */
static int switch_at0(const da_expr *g)
{
    if (!da_expr_has_x(g) || is_bool_node(g))
        return 1;
    arb_t K;
    arb_init(K);
    int ok = hlin(K, g, JUMP_PREC);
    arb_clear(K);
    return ok;
}

/* a0 - a1 of a comparison (a new reference; NULL on ENOMEM) */
static da_expr *cmp_diff(const da_expr *e)
{
    return da_expr_node(DA_E_SUB, 0, 2, da_expr_ref(e->a[0]), da_expr_ref(e->a[1]), NULL);
}

/* 1 when every switch of e that can jump does so at x = 0 only; *n counts
   those (with x in their argument) */
int da_expr_jumps_at0(const da_expr *e, int *n)
{
    int ok = 1;
    switch (e->op) {
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE:
        if (da_expr_has_x(e)) {
            (*n)++;
            da_expr *d = cmp_diff(e);
            ok = d && switch_at0(d);
            da_expr_unref(d);
        }
        break;
    case DA_E_NOT: case DA_E_AND: case DA_E_OR: case DA_E_COND:
        if (da_expr_has_x(e->a[0])) {
            (*n)++;
            ok = switch_at0(e->a[0]);
            if (e->op == DA_E_AND || e->op == DA_E_OR)
                ok = ok && switch_at0(e->a[1]);
        }
        break;
    case DA_E_FN:
        if ((e->fn == DA_F_SIGN || e->fn == DA_F_STEP) && da_expr_has_x(e->a[0])) {
            (*n)++;
            ok = switch_at0(e->a[0]);
        } else if ((e->fn == DA_F_FLOOR || e->fn == DA_F_CEIL) && da_expr_has_x(e->a[0])) {
            (*n)++;
            ok = 0;
        }
        break;
    default:
        break;
    }
    for (int i = 0; ok && i < e->nargs; i++)
        ok = da_expr_jumps_at0(e->a[i], n);
    return ok;
}

/* The one-sided limit of e at x -> 0 (side +1: from the right, -1: from
 * the left), for an e whose jumping switches all switch at 0 (jumps_at0):
 * then near 0, on each side, every switch is decided by the side and
 * everything else is continuous, so the limit is the value with the
 * switches so decided.  1 with a finite ball, 0 when it cannot be
 * decided (a switch argument whose value contains 0 without being K x,
 * a value that is not finite). */
static int truth0(int *v, const da_expr *g, int side, slong prec)
{
    arb_t y, K;
    arb_init(y);
    arb_init(K);
    int ok = lim0(y, g, side, prec);
    if (ok) {
        if (is_bool_node(g))
            *v = !arb_is_zero(y);
        else if (!arb_contains_zero(y))
            *v = 1;
        else if (arb_is_zero(y) && !da_expr_has_x(g))
            *v = 0;
        else if (hlin(K, g, prec) && (arb_is_zero(K) || !arb_contains_zero(K)))
            *v = !arb_is_zero(K);
        else
            ok = 0;
    }
    arb_clear(y);
    arb_clear(K);
    return ok;
}

/* the sign of g near 0 on the side: -1, 0, 1; 2 when not decided */
static int sign0(const da_expr *g, int side, slong prec)
{
    arb_t y, K;
    arb_init(y);
    arb_init(K);
    int s = 2;
    if (lim0(y, g, side, prec)) {
        if (arb_is_positive(y))
            s = 1;
        else if (arb_is_negative(y))
            s = -1;
        else if (hlin(K, g, prec)) {
            if (arb_is_zero(K))
                s = 0;
            else if (arb_is_positive(K))
                s = side;
            else if (arb_is_negative(K))
                s = -side;
        } else if (arb_is_zero(y) && !da_expr_has_x(g))
            s = 0;
    }
    arb_clear(y);
    arb_clear(K);
    return s;
}

/* y = f(a [, b, c]) by the table's ball evaluator; 0 when it gives none */
static int fn_ball(arb_t y, da_fn f, const arb_t a, const arb_t b, const arb_t c, slong prec)
{
    arb_t s1, sqrt2, sqrt2pi;
    arb_init(s1);
    arb_init(sqrt2);
    arb_init(sqrt2pi);
    arb_sqrt_ui(sqrt2, 2, prec + 64);
    arb_const_pi(sqrt2pi, prec + 64);
    arb_mul_2exp_si(sqrt2pi, sqrt2pi, 1);
    arb_sqrt(sqrt2pi, sqrt2pi, prec + 64);
    da_fn_ball k = {s1, NULL, sqrt2, sqrt2pi};
    int ok = da_fn_get(f)->arb(y, a, b, c, &k, prec);
    arb_clear(s1);
    arb_clear(sqrt2);
    arb_clear(sqrt2pi);
    return ok;
}

static int lim0(arb_t y, const da_expr *e, int side, slong prec)
{
    arb_t a, b, c;
    arb_init(a);
    arb_init(b);
    arb_init(c);
    int ok = 1, s, v;
    for (int i = 0; ok && i < e->nargs && i < 3; i++) {
        /* the arguments of comparisons and switches are read by sign0 and
           truth0; the others are evaluated here */
        if (e->op == DA_E_COND || e->op == DA_E_AND || e->op == DA_E_OR || e->op == DA_E_NOT)
            break;
        if (e->op == DA_E_FN && (e->fn == DA_F_SIGN || e->fn == DA_F_STEP))
            break;
        if (e->op >= DA_E_LT && e->op <= DA_E_NE)
            break;
        ok = lim0(i == 0 ? a : i == 1 ? b : c, e->a[i], side, prec);
    }
    if (!ok)
        goto out;
    switch (e->op) {
    case DA_E_NUM:
        ok = arb_set_str(y, e->num, prec) == 0;
        break;
    case DA_E_X: arb_zero(y); break;
    case DA_E_PI: arb_const_pi(y, prec); break;
    case DA_E_E: arb_const_e(y, prec); break;
    case DA_E_NEG: arb_neg(y, a); break;
    case DA_E_ADD: arb_add(y, a, b, prec); break;
    case DA_E_SUB: arb_sub(y, a, b, prec); break;
    case DA_E_MUL: arb_mul(y, a, b, prec); break;
    case DA_E_DIV: arb_div(y, a, b, prec); break;
    case DA_E_POW:
        if (arb_is_exact(b) && arf_is_int(arb_midref(b)) &&
            arf_cmpabs_2exp_si(arb_midref(b), 20) < 0) {
            slong n = arf_get_si(arb_midref(b), ARF_RND_NEAR);
            if (n >= 0)
                arb_pow_ui(y, a, (ulong)n, prec);
            else {
                arb_pow_ui(y, a, (ulong)(-n), prec);
                arb_inv(y, y, prec);
            }
        } else if (arb_is_zero(a) && arb_is_positive(b))
            arb_zero(y);
        else
            arb_pow(y, a, b, prec);
        break;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE: {
        /* the sign of a0 - a1 */
        da_expr *d = cmp_diff(e);
        if (!d) {
            ok = 0;
            break;
        }
        s = sign0(d, side, prec);
        da_expr_unref(d);
        if (s == 2) {
            ok = 0;
            break;
        }
        v = e->op == DA_E_LT ? s < 0 : e->op == DA_E_LE ? s <= 0 : e->op == DA_E_GT ? s > 0
            : e->op == DA_E_GE ? s >= 0 : e->op == DA_E_EQ ? s == 0 : s != 0;
        arb_set_ui(y, (ulong)v);
        break;
    }
    case DA_E_NOT:
        ok = truth0(&v, e->a[0], side, prec);
        arb_set_ui(y, (ulong)!v);
        break;
    case DA_E_AND:
    case DA_E_OR: {
        int v1 = 0;
        ok = truth0(&v, e->a[0], side, prec) && truth0(&v1, e->a[1], side, prec);
        arb_set_ui(y, (ulong)(e->op == DA_E_AND ? v && v1 : v || v1));
        break;
    }
    case DA_E_COND:
        ok = truth0(&v, e->a[0], side, prec) && lim0(y, e->a[v ? 1 : 2], side, prec);
        break;
    case DA_E_FN:
        switch (e->fn) {
        case DA_F_SIGN:
        case DA_F_STEP:
            s = sign0(e->a[0], side, prec);
            if (s == 2)
                ok = 0;
            else
                arb_set_si(y, e->fn == DA_F_SIGN ? s : s > 0);
            break;
        default:
            ok = fn_ball(y, e->fn, a, b, c, prec);
            break;
        }
        break;
    default:
        ok = 0;
        break;
    }
    ok = ok && arb_is_finite(y);
out:
    arb_clear(a);
    arb_clear(b);
    arb_clear(c);
    return ok;
}

/* sigma does not jump anywhere: no jumping switch with x, or only such
   switches at 0 and the one-sided limits there exactly equal */
int da_expr_no_jump(const da_expr *e)
{
    int n = 0;
    if (!da_expr_jumps_at0(e, &n))
        return 0;
    if (n == 0)
        return 1;
    arb_t l, r;
    arb_init(l);
    arb_init(r);
    int ok = lim0(l, e, -1, 4 * JUMP_PREC) && lim0(r, e, 1, 4 * JUMP_PREC) && arb_is_exact(l) &&
             arb_is_exact(r) && arb_equal(l, r);
    arb_clear(l);
    arb_clear(r);
    return ok;
}

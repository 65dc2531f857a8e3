/* netk_detect.c -- recognition of sigma = A f(B x) + C for the closed forms
 * of the network kernels (docs/numerics.md section 7): the activation's
 * expression is matched against templates of the catalogue's closed-form
 * functions, A, B, C taken as constant balls; a x + b relu(x) forms
 * (leaky ReLU, abs, ABRelu) are recognised term by term. */
#include <ctype.h>
#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual/netk_impl.h"
#include "dual/netk_ball.h"

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

int da_netk_detect(da_netk *k)
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


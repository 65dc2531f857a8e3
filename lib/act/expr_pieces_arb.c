/* expr_pieces_arb.c -- the pieces of a piecewise polynomial formula in
 * ball arithmetic, with the proof that they are its pieces (pieces_arb.h;
 * docs/numerics.md §4.5).
 *
 * The analysis (expr_analyze.c) proposes breakpoints b_1 < ... < b_m as
 * doubles.  In each proposed piece we take a sample point s and walk the
 * formula, computing in ball arithmetic the polynomial that each subtree
 * is near s.  At a switch (comparison, abs, sign, step, relu, max, min,
 * clip, floor, ceil, a ? b : c, &&, ||, !) the polynomial q of its
 * argument is computed first and the switch is decided by the sign of
 * q(s), which the ball must settle; q is recorded as a *condition* of the
 * piece (floor and ceil record q - k and q - k - 1, or q - k and
 * q - k + 1, whose signs say that floor q = k, ceil q = k).
 *
 * Claim: on an open interval I that contains s and on which no condition
 * has a root, the formula equals the walked polynomial p.  By induction
 * over the tree: a switch's argument equals its q on I (the switches
 * inside the argument are decided the same way on all of I), q is
 * continuous without a root on I, so its sign on I is its sign at s, the
 * switch decides on I as it did at s, and its value is the branch walked.
 *
 * The proof made here: every condition must be constant or affine with a
 * slope ball that excludes 0, so that it has one root r = -c0/c1 (a
 * ball).  Each boundary between proposed pieces is *defined* as the root
 * of one affine condition of the pieces next to it (a proposal where no
 * condition vanishes is dropped: nothing switches there).  A piece with
 * endpoints L, R (balls; -Inf, +Inf at the ends) is proved when L < s < R
 * and every condition's root satisfies r <= L or r >= R in ball
 * arithmetic, or is L or R: the same condition (the same switch node, the
 * same decisions inside its argument; or switch-free arguments that are
 * structurally equal), an affine polynomial with exact coefficients and
 * the same root (c0 d1 = d0 c1, in exact products), or the same exact
 * point (balls of radius 0).  The
 * pieces then cover the line but for their endpoints, a null set.  A root
 * strictly inside a piece is a breakpoint the analysis missed (it solves
 * affine switching arguments exactly but finds the others on a grid of
 * [-40, 40]): it joins the proposals and the walk starts again.  Anything
 * else is refused with the reason: a condition of degree 2 or more, a
 * slope not separated from 0, floor or ceil of a non-constant argument on
 * an unbounded piece (infinitely many breakpoints), a root not separated
 * from a breakpoint.
 *
 * Constants are evaluated by the tape's ball evaluator (decimal text
 * enclosed exactly, pi and e by Arb), so every coefficient ball contains
 * the exact coefficient and every endpoint ball the exact root.
 */
#include "core/core.h"
#include "act/pieces_arb.h"
#include "act/tape_ball.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PIECES 10000   /* proposals beyond this: no proof attempted */
#define MAX_ROUNDS 24      /* rounds of added breakpoints */
#define MAX_DEG 20000      /* as the analysis' POLY_MAX_DEG */
#define AGAIN (-1)         /* internal: new breakpoints, walk again */

/* ---- polynomials with ball coefficients ----------------------------- */

typedef struct {
    arb_ptr c;
    slong len, alloc;
} apoly;

static void ap_init(apoly *p)
{
    p->c = NULL;
    p->len = p->alloc = 0;
}

static void ap_clear(apoly *p)
{
    if (p->alloc)
        _arb_vec_clear(p->c, p->alloc);
    ap_init(p);
}

static void ap_fit(apoly *p, slong n)
{
    if (n <= p->alloc)
        return;
    arb_ptr c = _arb_vec_init(n);
    for (slong i = 0; i < p->len; i++)
        arb_swap(c + i, p->c + i);
    if (p->alloc)
        _arb_vec_clear(p->c, p->alloc);
    p->c = c;
    p->alloc = n;
}

/* drop exactly zero leading coefficients */
static void ap_norm(apoly *p)
{
    while (p->len > 0 && arb_is_zero(p->c + p->len - 1))
        p->len--;
}

static void ap_set_arb(apoly *p, const arb_t v)
{
    ap_fit(p, 1);
    arb_set(p->c, v);
    p->len = 1;
    ap_norm(p);
}

static void ap_set_si(apoly *p, slong v)
{
    ap_fit(p, 1);
    arb_set_si(p->c, v);
    p->len = 1;
    ap_norm(p);
}

static void ap_set(apoly *d, const apoly *s)
{
    ap_fit(d, s->len);
    for (slong i = 0; i < s->len; i++)
        arb_set(d->c + i, s->c + i);
    d->len = s->len;
}

static void ap_neg(apoly *p)
{
    for (slong i = 0; i < p->len; i++)
        arb_neg(p->c + i, p->c + i);
}

/* a = a + b, or a - b */
static void ap_add(apoly *a, const apoly *b, int sub, slong prec)
{
    ap_fit(a, b->len);
    for (slong i = a->len; i < b->len; i++)
        arb_zero(a->c + i);
    if (b->len > a->len)
        a->len = b->len;
    for (slong i = 0; i < b->len; i++) {
        if (sub)
            arb_sub(a->c + i, a->c + i, b->c + i, prec);
        else
            arb_add(a->c + i, a->c + i, b->c + i, prec);
    }
    ap_norm(a);
}

/* r = a b (r distinct from a and b) */
static void ap_mul(apoly *r, const apoly *a, const apoly *b, slong prec)
{
    if (a->len == 0 || b->len == 0) {
        r->len = 0;
        return;
    }
    slong n = a->len + b->len - 1;
    ap_fit(r, n);
    for (slong i = 0; i < n; i++)
        arb_zero(r->c + i);
    for (slong i = 0; i < a->len; i++) {
        if (arb_is_zero(a->c + i))
            continue;
        for (slong j = 0; j < b->len; j++)
            arb_addmul(r->c + i + j, a->c + i, b->c + j, prec);
    }
    r->len = n;
    ap_norm(r);
}

static void ap_eval(arb_t y, const apoly *p, const arb_t x, slong prec)
{
    arb_zero(y);
    for (slong i = p->len - 1; i >= 0; i--) {
        arb_mul(y, y, x, prec);
        arb_add(y, y, p->c + i, prec);
    }
}

/* ---- the walk ------------------------------------------------------- */

typedef struct {
    const da_expr *node;   /* the switch */
    int slot;              /* which of its conditions */
    const da_expr *u, *v;  /* q = P(u) - P(v) - k, v NULL: P(u) - k */
    long k;
    int swfree;            /* u and v hold no switch */
    int integer;           /* floor or ceil */
    int d0, d1;            /* decisions taken while computing q */
    apoly q;
} cond;

typedef struct {
    const da_expr *e;
    arb_t v;
} kconst;

typedef struct {
    kconst *v;
    int n, cap;
} kcache;

typedef struct {
    slong prec;
    double xd;        /* the sample point */
    arb_t x;
    cond *cv;
    int nc, capc;
    long *dec;        /* decisions, in the order taken */
    int nd, capd;
    kcache *kc;
    char *why;
    size_t whylen;
    apoly p;          /* the formula near the sample point */
} walk;

static int wfail(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int wfail(walk *w, const char *fmt, ...)
{
    if (w->why && w->whylen && !w->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->why, w->whylen, fmt, ap);
        va_end(ap);
    }
    return DA_EDOM;
}

static void walk_init(walk *w, slong prec, double x, kcache *kc, char *why, size_t whylen)
{
    memset(w, 0, sizeof *w);
    w->prec = prec;
    w->xd = x;
    arb_init(w->x);
    arb_set_d(w->x, x);
    w->kc = kc;
    w->why = why;
    w->whylen = whylen;
    ap_init(&w->p);
}

static void walk_clear(walk *w)
{
    for (int i = 0; i < w->nc; i++)
        ap_clear(&w->cv[i].q);
    free(w->cv);
    free(w->dec);
    arb_clear(w->x);
    ap_clear(&w->p);
}

static int push_dec(walk *w, long d)
{
    if (w->nd == w->capd) {
        int cap = w->capd ? 2 * w->capd : 16;
        long *v = da_realloc(w->dec, (size_t)cap * sizeof *v);
        if (!v)
            return DA_ENOMEM;
        w->dec = v;
        w->capd = cap;
    }
    w->dec[w->nd++] = d;
    return DA_OK;
}

static int has_switch(const da_expr *e)
{
    if (!e || !da_expr_has_x(e))
        return 0;
    if (e->op == DA_E_FN && da_fn_is_switch(e->fn))
        return 1;
    switch (e->op) {
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE:
    case DA_E_AND: case DA_E_OR: case DA_E_NOT: case DA_E_COND:
        return 1;
    default:
        break;
    }
    for (int i = 0; i < e->nargs; i++)
        if (has_switch(e->a[i]))
            return 1;
    return 0;
}

/* The sign of q at the sample point, which the ball must settle. */
static int sign_at(walk *w, int *s, const apoly *q)
{
    arb_t y;
    arb_init(y);
    ap_eval(y, q, w->x, w->prec);
    int st = DA_OK;
    if (arb_is_zero(y))
        *s = 0;
    else if (arb_is_positive(y))
        *s = 1;
    else if (arb_is_negative(y))
        *s = -1;
    else
        st = wfail(w, "a switch of the formula could not be decided at x = %.17g", w->xd);
    arb_clear(y);
    return st;
}

/* Record the condition q (taken over: *q is left empty) and its sign at
 * the sample point, which is also pushed as a decision. */
static int push_cond(walk *w, const da_expr *node, int slot, const da_expr *u, const da_expr *v,
                     long k, int integer, int d0, apoly *q, int *s)
{
    int st = sign_at(w, s, q);
    if (st)
        return st;
    if (w->nc == w->capc) {
        int cap = w->capc ? 2 * w->capc : 8;
        cond *c = da_realloc(w->cv, (size_t)cap * sizeof *c);
        if (!c)
            return DA_ENOMEM;
        w->cv = c;
        w->capc = cap;
    }
    cond *c = &w->cv[w->nc++];
    c->node = node;
    c->slot = slot;
    c->u = u;
    c->v = v;
    c->k = k;
    c->integer = integer;
    c->swfree = !has_switch(u) && !has_switch(v);
    c->d0 = d0;
    c->d1 = w->nd;
    c->q = *q;
    ap_init(q);
    return push_dec(w, *s);
}

static int const_eval(walk *w, arb_t v, const da_expr *e)
{
    kcache *kc = w->kc;
    for (int i = 0; i < kc->n; i++)
        if (kc->v[i].e == e) {
            arb_set(v, kc->v[i].v);
            return DA_OK;
        }
    da_tape *t = da_tape_new(e);
    if (!t)
        return DA_ENOMEM;
    da_tape_ball *b = da_tape_ball_new(t, w->prec);
    if (!b) {
        da_tape_free(t);
        return DA_ENOMEM;
    }
    arb_t z;
    arb_init(z);
    int bs = da_tape_arb_enclose(b, v, z);
    arb_clear(z);
    da_tape_ball_free(b);
    da_tape_free(t);
    if (bs != DA_BALL_OK)
        return wfail(w, "a constant of the formula is not finite");
    if (kc->n == kc->cap) {
        int cap = kc->cap ? 2 * kc->cap : 16;
        kconst *q = da_realloc(kc->v, (size_t)cap * sizeof *q);
        if (!q)
            return DA_ENOMEM;
        kc->v = q;
        kc->cap = cap;
    }
    kc->v[kc->n].e = e;
    arb_init(kc->v[kc->n].v);
    arb_set(kc->v[kc->n].v, v);
    kc->n++;
    return DA_OK;
}

static void kcache_clear(kcache *kc)
{
    for (int i = 0; i < kc->n; i++)
        arb_clear(kc->v[i].v);
    free(kc->v);
    memset(kc, 0, sizeof *kc);
}

static int wk(walk *w, apoly *out, const da_expr *e);

/* the condition P(u) (- P(v)) with its sign; U (if not NULL) gets P(u),
   V (if not NULL) P(v) */
static int cond_of(walk *w, const da_expr *node, int slot, const da_expr *u, const da_expr *v,
                   apoly *U, apoly *V, int *s)
{
    apoly a, b, q;
    ap_init(&a);
    ap_init(&b);
    ap_init(&q);
    int d0 = w->nd;
    int st = wk(w, &a, u);
    if (!st && v)
        st = wk(w, &b, v);
    if (!st) {
        ap_set(&q, &a);
        if (v)
            ap_add(&q, &b, 1, w->prec);
        st = push_cond(w, node, slot, u, v, 0, 0, d0, &q, s);
    }
    if (!st && U)
        ap_set(U, &a);
    if (!st && V)
        ap_set(V, &b);
    ap_clear(&a);
    ap_clear(&b);
    ap_clear(&q);
    return st;
}

/* floor (dir = -1) or ceil (dir = 1) of u */
static int wk_round(walk *w, apoly *out, const da_expr *node, const da_expr *u, int dir)
{
    apoly a, q;
    ap_init(&a);
    ap_init(&q);
    arb_t y, t;
    arb_init(y);
    arb_init(t);
    arf_t kf;
    arf_init(kf);
    int d0 = w->nd;
    int st = wk(w, &a, u);
    int du = w->nd;
    long k = 0;
    if (!st) {
        ap_eval(y, &a, w->x, w->prec);
        if (!arb_is_finite(y) || arf_cmpabs_2exp_si(arb_midref(y), 60) >= 0) {
            st = wfail(w, "%s of a huge argument", dir < 0 ? "floor" : "ceil");
        } else {
            if (dir < 0)
                arf_floor(kf, arb_midref(y));
            else
                arf_ceil(kf, arb_midref(y));
            k = arf_get_si(kf, ARF_RND_NEAR);
            /* floor: k <= y < k + 1;  ceil: k - 1 < y <= k */
            arb_sub_si(t, y, k, w->prec);
            int ok = dir < 0 ? arb_is_nonnegative(t) : arb_is_nonpositive(t);
            arb_sub_si(t, y, k - dir, w->prec);
            ok = ok && (dir < 0 ? arb_is_negative(t) : arb_is_positive(t));
            if (!ok)
                st = wfail(w, "%s could not be decided at x = %.17g", dir < 0 ? "floor" : "ceil",
                           w->xd);
        }
    }
    for (int j = 0; !st && j < 2; j++) {
        long kk = j == 0 ? k : k - dir;
        ap_set(&q, &a);
        apoly c;
        ap_init(&c);
        ap_set_si(&c, kk);
        ap_add(&q, &c, 1, w->prec);
        ap_clear(&c);
        int s;
        st = push_cond(w, node, 0, u, NULL, kk, 1, d0, &q, &s);
        if (!st)   /* both computed from u alone: the same record */
            w->cv[w->nc - 1].d1 = du;
    }
    /* the value k decides what follows: part of the record */
    if (!st)
        st = push_dec(w, k);
    if (!st)
        ap_set_si(out, k);
    arf_clear(kf);
    arb_clear(y);
    arb_clear(t);
    ap_clear(&a);
    ap_clear(&q);
    return st;
}

static int wk_fn(walk *w, apoly *out, const da_expr *e)
{
    apoly A, B;
    ap_init(&A);
    ap_init(&B);
    int s = 0, st;
    switch (e->fn) {
    case DA_F_ABS:
        st = cond_of(w, e, 0, e->a[0], NULL, &A, NULL, &s);
        if (!st) {
            ap_set(out, &A);
            if (s < 0)
                ap_neg(out);
        }
        break;
    case DA_F_SIGN:
        st = cond_of(w, e, 0, e->a[0], NULL, NULL, NULL, &s);
        if (!st)
            ap_set_si(out, s);
        break;
    case DA_F_STEP:
        st = cond_of(w, e, 0, e->a[0], NULL, NULL, NULL, &s);
        if (!st)
            ap_set_si(out, s > 0);
        break;
    case DA_F_RELU:
        st = cond_of(w, e, 0, e->a[0], NULL, &A, NULL, &s);
        if (!st) {
            if (s > 0)
                ap_set(out, &A);
            else
                out->len = 0;
        }
        break;
    case DA_F_MAX:   /* a >= b ? a : b (the tape's rule) */
    case DA_F_MIN:   /* a <= b ? a : b */
        st = cond_of(w, e, 0, e->a[0], e->a[1], &A, &B, &s);
        if (!st) {
            int first = e->fn == DA_F_MAX ? s >= 0 : s <= 0;
            ap_set(out, first ? &A : &B);
        }
        break;
    case DA_F_CLIP: {
        /* the tape: t = max(u, lo), then min(t, hi) */
        int d0 = w->nd;
        st = cond_of(w, e, 0, e->a[0], e->a[1], &A, &B, &s);
        if (st)
            break;
        const da_expr *chosen = s >= 0 ? e->a[0] : e->a[1];
        apoly *T = s >= 0 ? &A : &B;
        apoly H, q;
        ap_init(&H);
        ap_init(&q);
        st = wk(w, &H, e->a[2]);
        if (!st) {
            ap_set(&q, T);
            ap_add(&q, &H, 1, w->prec);
            st = push_cond(w, e, 1, chosen, e->a[2], 0, 0, d0, &q, &s);
        }
        if (!st)
            ap_set(out, s <= 0 ? T : &H);
        ap_clear(&H);
        ap_clear(&q);
        break;
    }
    case DA_F_FLOOR:
        st = wk_round(w, out, e, e->a[0], -1);
        break;
    case DA_F_CEIL:
        st = wk_round(w, out, e, e->a[0], 1);
        break;
    default:
        st = wfail(w, "%s of x is not a polynomial", da_fn_name(e->fn));
        break;
    }
    ap_clear(&A);
    ap_clear(&B);
    return st;
}

/* out = the polynomial that e is near the sample point */
static int wk(walk *w, apoly *out, const da_expr *e)
{
    int st = DA_OK, s = 0;
    if (!da_expr_has_x(e)) {
        arb_t v;
        arb_init(v);
        st = const_eval(w, v, e);
        if (!st)
            ap_set_arb(out, v);
        arb_clear(v);
        return st;
    }
    apoly A, B;
    ap_init(&A);
    ap_init(&B);
    arb_t c;
    arb_init(c);
    switch (e->op) {
    case DA_E_X:
        ap_fit(out, 2);
        arb_zero(out->c);
        arb_one(out->c + 1);
        out->len = 2;
        break;
    case DA_E_NEG:
        st = wk(w, out, e->a[0]);
        if (!st)
            ap_neg(out);
        break;
    case DA_E_ADD:
    case DA_E_SUB:
        st = wk(w, out, e->a[0]);
        if (!st)
            st = wk(w, &A, e->a[1]);
        if (!st)
            ap_add(out, &A, e->op == DA_E_SUB, w->prec);
        break;
    case DA_E_MUL:
        st = wk(w, &A, e->a[0]);
        if (!st)
            st = wk(w, &B, e->a[1]);
        if (!st && A.len + B.len - 2 > MAX_DEG)
            st = wfail(w, "a piece of degree above %d", MAX_DEG);
        if (!st)
            ap_mul(out, &A, &B, w->prec);
        break;
    case DA_E_DIV:
        if (e->rem)
            st = wfail(w, "a quotient with a removable singularity is not a polynomial");
        else if (da_expr_has_x(e->a[1]))
            st = wfail(w, "a quotient by a function of x is not a polynomial");
        if (!st)
            st = const_eval(w, c, e->a[1]);
        if (!st && arb_contains_zero(c))
            st = wfail(w, "a division by a constant not separated from 0");
        if (!st)
            st = wk(w, out, e->a[0]);
        for (slong i = 0; !st && i < out->len; i++)
            arb_div(out->c + i, out->c + i, c, w->prec);
        break;
    case DA_E_POW: {
        if (da_expr_has_x(e->a[1])) {
            st = wfail(w, "a power with x in the exponent is not a polynomial");
            break;
        }
        st = const_eval(w, c, e->a[1]);
        if (st)
            break;
        if (!arb_is_exact(c) || !arf_is_int(arb_midref(c)) || arf_sgn(arb_midref(c)) < 0
            || arf_cmp_si(arb_midref(c), MAX_DEG) > 0) {
            st = wfail(w, "a power whose exponent is not a non-negative integer");
            break;
        }
        slong n = arf_get_si(arb_midref(c), ARF_RND_NEAR);
        st = wk(w, &A, e->a[0]);
        if (st)
            break;
        if (A.len > 1 && (A.len - 1) * n > MAX_DEG) {
            st = wfail(w, "a piece of degree above %d", MAX_DEG);
            break;
        }
        /* binary powering: out = A^n */
        apoly R, T;
        ap_init(&R);
        ap_init(&T);
        ap_set_si(&R, 1);
        while (n > 0) {
            if (n & 1) {
                ap_mul(&T, &R, &A, w->prec);
                apoly x = R;
                R = T;
                T = x;
            }
            n >>= 1;
            if (n > 0) {
                ap_mul(&T, &A, &A, w->prec);
                apoly x = A;
                A = T;
                T = x;
            }
        }
        ap_set(out, &R);
        ap_clear(&R);
        ap_clear(&T);
        break;
    }
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE: {
        st = cond_of(w, e, 0, e->a[0], e->a[1], NULL, NULL, &s);
        if (st)
            break;
        int v = 0;
        switch (e->op) {
        case DA_E_LT: v = s < 0; break;
        case DA_E_LE: v = s <= 0; break;
        case DA_E_GT: v = s > 0; break;
        case DA_E_GE: v = s >= 0; break;
        case DA_E_EQ: v = s == 0; break;
        default: v = s != 0; break;
        }
        ap_set_si(out, v);
        break;
    }
    case DA_E_AND:
    case DA_E_OR: {
        /* the tape: a && b is 0 when a is 0, else (b != 0); a || b is 1
           when a is not 0, else (b != 0) */
        st = cond_of(w, e, 0, e->a[0], NULL, NULL, NULL, &s);
        if (st)
            break;
        if (e->op == DA_E_AND ? s == 0 : s != 0) {
            ap_set_si(out, e->op == DA_E_OR);
            break;
        }
        st = cond_of(w, e, 1, e->a[1], NULL, NULL, NULL, &s);
        if (!st)
            ap_set_si(out, s != 0);
        break;
    }
    case DA_E_NOT:
        st = cond_of(w, e, 0, e->a[0], NULL, NULL, NULL, &s);
        if (!st)
            ap_set_si(out, s == 0);
        break;
    case DA_E_COND:
        st = cond_of(w, e, 0, e->a[0], NULL, NULL, NULL, &s);
        if (!st)
            st = wk(w, out, e->a[s != 0 ? 1 : 2]);
        break;
    case DA_E_FN:
        st = wk_fn(w, out, e);
        break;
    default:
        st = wfail(w, "the formula is not a polynomial on a piece");
        break;
    }
    arb_clear(c);
    ap_clear(&A);
    ap_clear(&B);
    return st;
}

/* ---- the proof ------------------------------------------------------ */

static int same_tree(const da_expr *a, const da_expr *b)
{
    if (!a || !b)
        return a == b;
    return da_expr_equal(a, b);
}

/* The two conditions are the same polynomial: the same computation (node,
 * slot, offset, decisions inside), or switch-free arguments that are
 * structurally equal (q and -q have the same root). */
static int same_cond(const walk *wa, const cond *a, const walk *wb, const cond *b)
{
    int na = a->d1 - a->d0, nb = b->d1 - b->d0;
    if (a->node == b->node && a->slot == b->slot && a->k == b->k && na == nb
        && (na == 0 || !memcmp(wa->dec + a->d0, wb->dec + b->d0, (size_t)na * sizeof *wa->dec)))
        return 1;
    if (!a->swfree || !b->swfree || a->k != b->k)
        return 0;
    if (same_tree(a->u, b->u) && same_tree(a->v, b->v))
        return 1;
    return a->k == 0 && a->v && b->v && same_tree(a->u, b->v) && same_tree(a->v, b->u);
}

/* two affine conditions with exact coefficients and the same root,
   decided exactly: c0 d1 = d0 c1 in exact floating-point products */
static int same_exact_root(const cond *a, const cond *b)
{
    if (a->q.len != 2 || b->q.len != 2)
        return 0;
    for (int i = 0; i < 2; i++)
        if (!arb_is_exact(a->q.c + i) || !arb_is_exact(b->q.c + i))
            return 0;
    arf_t p, q;
    arf_init(p);
    arf_init(q);
    arf_mul(p, arb_midref(a->q.c), arb_midref(b->q.c + 1), ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_mul(q, arb_midref(b->q.c), arb_midref(a->q.c + 1), ARF_PREC_EXACT, ARF_RND_DOWN);
    int eq = arf_equal(p, q);
    arf_clear(p);
    arf_clear(q);
    return eq;
}

static int affine_root(arb_t r, const cond *c, slong prec)
{
    if (c->q.len != 2 || arb_contains_zero(c->q.c + 1))
        return 0;
    arb_div(r, c->q.c, c->q.c + 1, prec);
    arb_neg(r, r);
    return 1;
}

typedef struct {
    const walk *w;    /* NULL: infinite */
    const cond *c;
    arb_t r;
} bdef;

static int exact_same(const arb_t a, const arb_t b)
{
    return arb_is_exact(a) && arb_is_exact(b) && arb_equal(a, b);
}

static char *node_text(const da_expr *e)
{
    char *s = da_expr_str(e);
    return s;
}

/* A piece (L, R) with the walk w: DA_OK, DA_EDOM (why), AGAIN with the
 * roots found inside appended to add[]. */
static int verify(const walk *w, const bdef *L, const bdef *R, double *add, int *nadd, int maxadd,
                  char *why, size_t whylen)
{
    if ((L->w && !arb_lt(L->r, w->x)) || (R->w && !arb_lt(w->x, R->r))) {
        snprintf(why, whylen, "breakpoints near x = %.17g that are not separated", w->xd);
        return DA_EDOM;
    }
    int again = 0;
    arb_t r;
    arb_init(r);
    int st = DA_OK;
    for (int i = 0; i < w->nc && !st; i++) {
        const cond *c = &w->cv[i];
        if (c->q.len <= 1)
            continue;
        if (c->integer && (!L->w || !R->w)) {
            char *t = node_text(c->node);
            snprintf(why, whylen, "'%s' switches infinitely often on an unbounded piece",
                     t ? t : "floor");
            free(t);
            st = DA_EDOM;
            break;
        }
        if (c->q.len > 2 || !affine_root(r, c, w->prec)) {
            char *t = node_text(c->node);
            if (c->q.len > 2)
                snprintf(why, whylen, "the switch '%s' has an argument of degree %ld near x = %.6g: "
                         "its roots are not proved", t ? t : "?", (long)(c->q.len - 1), w->xd);
            else
                snprintf(why, whylen, "the switch '%s' has an argument whose slope is not "
                         "separated from 0", t ? t : "?");
            free(t);
            st = DA_EDOM;
            break;
        }
        if (L->w && (same_cond(w, c, L->w, L->c) || same_exact_root(c, L->c)
                     || exact_same(r, L->r) || arb_le(r, L->r)))
            continue;
        if (R->w && (same_cond(w, c, R->w, R->c) || same_exact_root(c, R->c)
                     || exact_same(r, R->r) || arb_ge(r, R->r)))
            continue;
        if ((!L->w || arb_gt(r, L->r)) && (!R->w || arb_lt(r, R->r))) {
            /* a breakpoint the proposals missed */
            if (*nadd < maxadd)
                add[(*nadd)++] = arf_get_d(arb_midref(r), ARF_RND_NEAR);
            again = 1;
            continue;
        }
        char *t = node_text(c->node);
        snprintf(why, whylen, "the switch '%s' changes at x = %.17g, not separated from a "
                 "breakpoint", t ? t : "?", arf_get_d(arb_midref(r), ARF_RND_NEAR));
        free(t);
        st = DA_EDOM;
    }
    arb_clear(r);
    if (!st && again)
        st = AGAIN;
    return st;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One attempt with the proposals bp[0..m-1] (sorted).  DA_OK with the
 * pieces, DA_EDOM, DA_ENOMEM, or AGAIN with new proposals in add[]. */
static int attempt(da_apiece **out, int *nout, const da_expr *e, const double *bp, int m,
                   slong prec, kcache *kc, double *add, int *nadd, int maxadd, char *why,
                   size_t whylen)
{
    int n = m + 1;
    walk *W = da_calloc((size_t)n, sizeof *W);
    bdef *D = da_calloc((size_t)(m + 2), sizeof *D);
    int *keep = da_malloc((size_t)(m + 2) * sizeof *keep);
    int made = 0, st = DA_OK;
    if (!W || !D || !keep) {
        free(W);
        free(D);
        free(keep);
        return DA_ENOMEM;
    }
    for (int j = 0; j < m + 2; j++)
        arb_init(D[j].r);
    for (int i = 0; i < n && !st; i++) {
        double x;
        if (m == 0)
            x = 0.31830988618379067;
        else if (i == 0)
            x = bp[0] - fmax(1.0, fabs(bp[0]));
        else if (i == m)
            x = bp[m - 1] + fmax(1.0, fabs(bp[m - 1]));
        else
            x = 0.5 * bp[i - 1] + 0.5 * bp[i];
        walk_init(&W[i], prec, x, kc, why, whylen);
        made = i + 1;
        st = wk(&W[i], &W[i].p, e);
    }
    /* the boundaries: D[0] = -Inf, D[1 + j] for proposal j, D[m + 1] = +Inf;
       keep[] lists the ones defined by a root */
    int nk = 0;
    keep[nk++] = 0;
    arb_t r;
    arb_init(r);
    for (int j = 0; j < m && !st; j++) {
        double best = INFINITY, tol = 1e-9 * fmax(1.0, fabs(bp[j]));
        for (int side = j; side <= j + 1; side++)
            for (int i = 0; i < W[side].nc; i++) {
                const cond *c = &W[side].cv[i];
                if (!affine_root(r, c, prec))
                    continue;
                double d = fabs(arf_get_d(arb_midref(r), ARF_RND_NEAR) - bp[j]);
                if (d <= tol && (d < best || (d == best && arb_is_exact(r) && !arb_is_exact(D[1 + j].r)))) {
                    best = d;
                    D[1 + j].w = &W[side];
                    D[1 + j].c = c;
                    arb_set(D[1 + j].r, r);
                }
            }
        /* two proposals at one root (the analysis merges only within
           1e-12): the second adds nothing */
        const bdef *prev = &D[keep[nk - 1]];
        if (D[1 + j].w && prev->w
            && (same_cond(D[1 + j].w, D[1 + j].c, prev->w, prev->c)
                || same_exact_root(D[1 + j].c, prev->c) || exact_same(D[1 + j].r, prev->r)))
            D[1 + j].w = NULL;
        if (D[1 + j].w)
            keep[nk++] = 1 + j;
    }
    arb_clear(r);
    keep[nk++] = m + 1;
    /* the pieces between kept boundaries, each proved with the walk of its
       first proposed piece */
    int again = 0;
    for (int t = 0; t + 1 < nk && !st; t++) {
        const walk *w = &W[keep[t]];   /* proposed piece keep[t] starts at boundary keep[t] */
        st = verify(w, &D[keep[t]], &D[keep[t + 1]], add, nadd, maxadd, why, whylen);
        if (st == AGAIN) {
            again = 1;
            st = DA_OK;
        }
    }
    if (!st && again)
        st = AGAIN;
    if (!st) {
        int np = nk - 1;
        da_apiece *P = da_calloc((size_t)np, sizeof *P);
        if (!P) {
            st = DA_ENOMEM;
        } else {
            for (int t = 0; t < np; t++) {
                da_apiece *q = &P[t];
                const walk *w = &W[keep[t]];
                arb_init(q->lo);
                arb_init(q->hi);
                if (t == 0)
                    arb_neg_inf(q->lo);
                else
                    arb_set(q->lo, D[keep[t]].r);
                if (t == np - 1)
                    arb_pos_inf(q->hi);
                else
                    arb_set(q->hi, D[keep[t + 1]].r);
                q->len = w->p.len;
                q->c = q->len ? _arb_vec_init(q->len) : NULL;
                for (slong i = 0; i < q->len; i++)
                    arb_set(q->c + i, w->p.c + i);
            }
            *out = P;
            *nout = np;
        }
    }
    for (int i = 0; i < made; i++)
        walk_clear(&W[i]);
    for (int j = 0; j < m + 2; j++)
        arb_clear(D[j].r);
    free(W);
    free(D);
    free(keep);
    return st;
}

int da_expr_pieces_arb(da_apiece **out, int *nout, const da_expr *e, const da_expr_info *info,
                       slong prec, char *why, size_t whylen)
{
    *out = NULL;
    *nout = 0;
    char dummy[8];
    if (!why || !whylen) {
        why = dummy;
        whylen = sizeof dummy;
    }
    why[0] = '\0';
    if (!e || !info || (info->cls != DA_CLASS_POLY && info->cls != DA_CLASS_PWPOLY)) {
        snprintf(why, whylen, "not a (piecewise) polynomial");
        return DA_EDOM;
    }
    int m = info->nbreak;
    if (m + 1 > MAX_PIECES) {
        snprintf(why, whylen, "more than %d pieces", MAX_PIECES);
        return DA_EDOM;
    }
    int cap = m + 64;
    double *bp = da_malloc((size_t)cap * sizeof *bp);
    double *add = da_malloc(64 * sizeof *add);
    if (!bp || !add) {
        free(bp);
        free(add);
        return DA_ENOMEM;
    }
    for (int i = 0; i < m; i++)
        bp[i] = info->brk[i];
    kcache kc = {0};
    int st = DA_EDOM;
    for (int round = 0; round < MAX_ROUNDS; round++) {
        int nadd = 0;
        why[0] = '\0';
        st = attempt(out, nout, e, bp, m, prec, &kc, add, &nadd, 64, why, whylen);
        if (st != AGAIN)
            break;
        /* the new proposals, sorted in; none new: no progress */
        int before = m;
        if (m + nadd > MAX_PIECES) {
            snprintf(why, whylen, "more than %d pieces", MAX_PIECES);
            st = DA_EDOM;
            break;
        }
        if (m + nadd > cap) {
            cap = 2 * (m + nadd);
            double *q = da_realloc(bp, (size_t)cap * sizeof *q);
            if (!q) {
                st = DA_ENOMEM;
                break;
            }
            bp = q;
        }
        for (int i = 0; i < nadd; i++) {
            int dup = 0;
            for (int j = 0; j < m && !dup; j++)
                dup = bp[j] == add[i];
            if (!dup && isfinite(add[i]))
                bp[m++] = add[i];
        }
        if (m == before) {
            snprintf(why, whylen, "the breakpoints could not be separated");
            st = DA_EDOM;
            break;
        }
        qsort(bp, (size_t)m, sizeof *bp, dbl_cmp);
    }
    if (st == AGAIN) {
        snprintf(why, whylen, "the breakpoints were not settled in %d rounds", MAX_ROUNDS);
        st = DA_EDOM;
    }
    if (st == DA_OK)
        why[0] = '\0';
    kcache_clear(&kc);
    free(bp);
    free(add);
    return st;
}

void da_apieces_free(da_apiece *p, int n)
{
    if (!p)
        return;
    for (int i = 0; i < n; i++) {
        arb_clear(p[i].lo);
        arb_clear(p[i].hi);
        if (p[i].c)
            _arb_vec_clear(p[i].c, p[i].len);
    }
    free(p);
}

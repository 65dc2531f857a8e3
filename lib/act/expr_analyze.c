/* expr_analyze.c -- what the quadrature engines need to know about an
 * activation given as a formula: where it is defined, how fast it grows,
 * where it (or a derivative) jumps, how it splits into pieces, which class
 * of rule suits each piece and how far the nearest complex singularity is.
 *
 * Overview (da_expr_analyze):
 *   1. switches: every subtree at which the formula can change branch --
 *      the arguments of abs, sign, step, relu, cbrt, the differences a-b of
 *      max, min and comparisons, u-lo and u-hi of clip, the argument of
 *      floor/ceil (crossing an integer), a non-comparison condition of ?:.
 *   2. candidate breakpoints: the zeros of the switches; exact (-b/a) when a
 *      switch is affine in x (affine_m below extracts a*x+b from the tree),
 *      otherwise sign changes on a grid over [-40, 40] refined by bisection.
 *      Sorted, duplicates merged.
 *   3. domain: the formula is evaluated on the grid, at 0, at the
 *      breakpoints and near the real zeros of affine arguments of log,
 *      sqrt, division...; every non-finite value is confirmed in MPFR (whose
 *      exponent range does not overflow) and named.  Denominators and the
 *      cosine under tan are scanned for sign changes (poles between grid
 *      points).
 *   4. growth: a symbolic bound (degree, exponential rate) where the rules
 *      are sure, else a numerical fit of log|f| at |x| = 20, 40, 80.
 *   5. jump orders: e, e', e'', e''' (da_expr_diff) evaluated at 256 bits
 *      on either side of each breakpoint (offset 2^-100 relative).
 *   6. class and singularity distance: each piece (the formula with every
 *      switch decided at a point inside the interval) is polynomial, entire
 *      or has singularities off the axis; the distance is exact for f(a x+b)
 *      with f in {tanh, sigmoid, softplus, atan, asinh}, for zeros of
 *      polynomials (all roots, Durand-Kerner) and of c1 + c2 exp(a x + b)
 *      under log, sqrt, division and real powers; 0.1 (conservative)
 *      otherwise.
 *
 * Evaluation goes through the expression tape (expr_tape.c), the one the
 * quadrature engines use: in double on the grids, with MPFR at 64 bits
 * where double overflows (large polynomials at |x| = 40), and in MPFR for
 * confirmation, bisection, jump orders and pieces. */
#include "core/core.h"
#include "act/expr.h"
#include "act/envelope.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GRID_N 8000            /* grid step 0.01 on [-40, 40] */
#define GRID_X(i) ((long double)((i) - GRID_N / 2) / 100.0L)
#define MAX_CAND 100000        /* cap on breakpoints (floor(1000*x) ...) */
#define JUMP_PREC 256
#define CONSERVATIVE_SD 0.1    /* singularity distance when we cannot tell */
#define DA_PI 3.14159265358979323846
#define DA_LN2 0.69314718055994530942

/* ---- tree predicates ------------------------------------------------ */

static int is_cmp(da_op op)
{
    return op == DA_E_LT || op == DA_E_LE || op == DA_E_GT || op == DA_E_GE ||
           op == DA_E_EQ || op == DA_E_NE;
}

static int is_entire_fn(da_fn f)
{
    switch (f) {
    case DA_F_EXP: case DA_F_EXPM1: case DA_F_SIN: case DA_F_COS:
    case DA_F_SINH: case DA_F_COSH: case DA_F_ERF: case DA_F_ERFC:
    case DA_F_PHI_CDF: case DA_F_PHI_PDF:
        return 1;
    default:
        return 0;
    }
}

/* ---- evaluation: the expression tape -------------------------------- */

/* Every subtree the analysis evaluates (a switch argument, a denominator,
 * the formula itself, a derivative) is compiled once to a tape
 * (expr_tape.c), the evaluator the quadrature engines use, so that the
 * analysis and the engines agree on every value.  The tapes live in a
 * per-thread cache for the duration of one public call (evc_begin /
 * evc_end); each entry holds a reference to its node, so that no node
 * is freed, and no address reused, while it is cached. */

#define EVC_WS 4    /* MPFR workspaces per tape, by precision */

typedef struct {
    const da_expr *node;
    da_tape *t;
    da_tape_ws *ws[EVC_WS];
    mpfr_prec_t wsprec[EVC_WS];
} evc_entry;

typedef struct {
    evc_entry *v;
    size_t n, cap;     /* open addressing, cap a power of 2 */
    int depth;
    mpfr_t y;          /* scratch for the double path's fallback */
} evcache;

static _Thread_local evcache evc;

static void evc_begin(void)
{
    if (evc.depth++ == 0)
        mpfr_init2(evc.y, 64);
}

static void evc_end(void)
{
    if (--evc.depth > 0)
        return;
    for (size_t i = 0; i < evc.cap; i++) {
        evc_entry *en = &evc.v[i];
        if (!en->node)
            continue;
        for (int j = 0; j < EVC_WS; j++)
            da_tape_ws_free(en->ws[j]);
        da_tape_free(en->t);
        da_expr_unref((da_expr *)en->node);
    }
    free(evc.v);
    mpfr_clear(evc.y);
    memset(&evc, 0, sizeof evc);
}

static size_t evc_hash(const da_expr *e, size_t cap)
{
    uintptr_t h = (uintptr_t)e;
    h ^= h >> 17;
    h *= (uintptr_t)0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 7) & (cap - 1);
}

/* the entry of e, compiled on first use; NULL on ENOMEM */
static evc_entry *evc_get(const da_expr *e)
{
    if (evc.cap) {
        for (size_t i = evc_hash(e, evc.cap);; i = (i + 1) & (evc.cap - 1)) {
            if (evc.v[i].node == e)
                return &evc.v[i];
            if (!evc.v[i].node)
                break;
        }
    }
    if (2 * (evc.n + 1) > evc.cap) {
        size_t cap = evc.cap ? 2 * evc.cap : 64;
        evc_entry *v = da_calloc(cap, sizeof *v);
        if (!v)
            return NULL;
        for (size_t i = 0; i < evc.cap; i++) {
            if (!evc.v[i].node)
                continue;
            size_t j = evc_hash(evc.v[i].node, cap);
            while (v[j].node)
                j = (j + 1) & (cap - 1);
            v[j] = evc.v[i];
        }
        free(evc.v);
        evc.v = v;
        evc.cap = cap;
    }
    da_tape *t = da_tape_new(e);
    if (!t)
        return NULL;
    size_t i = evc_hash(e, evc.cap);
    while (evc.v[i].node)
        i = (i + 1) & (evc.cap - 1);
    evc_entry *en = &evc.v[i];
    memset(en, 0, sizeof *en);
    en->node = da_expr_ref((da_expr *)e);
    en->t = t;
    evc.n++;
    return en;
}

static da_tape_ws *evc_ws(evc_entry *en, mpfr_prec_t p)
{
    for (int j = 0; j < EVC_WS; j++)
        if (en->ws[j] && en->wsprec[j] == p)
            return en->ws[j];
    int j = 0;
    while (j < EVC_WS && en->ws[j])
        j++;
    if (j == EVC_WS) {   /* full: replace the last */
        j = EVC_WS - 1;
        da_tape_ws_free(en->ws[j]);
        en->ws[j] = NULL;
    }
    en->ws[j] = da_tape_ws_new(en->t, p);
    en->wsprec[j] = p;
    return en->ws[j];
}

/* r = e(x) at the precision of r.  Returns 0, or 1 when the value is NaN
 * or infinite; then *why (if why is given and not yet set) names the
 * operation that first made a non-number. */
static int ev_m(mpfr_t r, const da_expr *e, const mpfr_t x, const char **why)
{
    evc_entry *en = evc_get(e);
    da_tape_ws *w = en ? evc_ws(en, mpfr_get_prec(r)) : NULL;
    if (!w) {
        mpfr_set_nan(r);
        if (why && !*why)
            *why = "out of memory";
        return 1;
    }
    const char *wh = NULL;
    int bad = why ? da_tape_eval_m_why(en->t, w, r, x, &wh) : da_tape_eval_m(en->t, w, r, x);
    if (bad && why && !*why)
        *why = wh;
    return bad;
}

/* e(x) in double; where double overflows (large polynomials at |x| = 40,
 * constants beyond 1e308) the value in MPFR at 64 bits, as a long double
 * (whose exponent range holds it), or +-inf. */
static long double ev_ld(const da_expr *e, long double x)
{
    evc_entry *en = evc_get(e);
    if (!en)
        return NAN;
    double v = da_tape_eval_d(en->t, (double)x);
    if (isfinite(v))
        return v;
    da_tape_ws *w = evc_ws(en, 64);
    if (!w)
        return v;
    mpfr_t mx;
    mpfr_init2(mx, 64);
    mpfr_set_ld(mx, x, MPFR_RNDN);
    long double r = da_tape_eval_m(en->t, w, evc.y, mx) ? (long double)NAN
                                                          : mpfr_get_ld(evc.y, MPFR_RNDN);
    mpfr_clear(mx);
    return r;
}

/* value of a constant subtree */
static int const_m(mpfr_t r, const da_expr *e)
{
    mpfr_t z;
    mpfr_init2(z, 2);
    mpfr_set_zero(z, 1);
    int st = ev_m(r, e, z, NULL);
    mpfr_clear(z);
    return st;
}

static double const_d(const da_expr *e)
{
    mpfr_t r;
    mpfr_init2(r, 64);
    double v = const_m(r, e) ? NAN : mpfr_get_d(r, MPFR_RNDN);
    mpfr_clear(r);
    return v;
}

/* ---- affine extraction: e = a*x + b ------------------------------- */

/* 1 if e is affine in x by its structure (x, constants, +, -, negation,
 * products and quotients by constant subtrees); a, b at their precision. */
static int affine_m(const da_expr *e, mpfr_t a, mpfr_t b)
{
    mpfr_prec_t p = mpfr_get_prec(a);
    if (!da_expr_has_x(e)) {
        mpfr_set_zero(a, 1);
        return const_m(b, e) == 0;
    }
    mpfr_t a2, b2, c;
    int ok = 0;
    switch (e->op) {
    case DA_E_X:
        mpfr_set_ui(a, 1, MPFR_RNDN);
        mpfr_set_zero(b, 1);
        return 1;
    case DA_E_NEG:
        if (!affine_m(e->a[0], a, b))
            return 0;
        mpfr_neg(a, a, MPFR_RNDN);
        mpfr_neg(b, b, MPFR_RNDN);
        return 1;
    case DA_E_ADD: case DA_E_SUB:
        mpfr_inits2(p, a2, b2, (mpfr_ptr)0);
        ok = affine_m(e->a[0], a, b) && affine_m(e->a[1], a2, b2);
        if (ok) {
            if (e->op == DA_E_ADD) {
                mpfr_add(a, a, a2, MPFR_RNDN);
                mpfr_add(b, b, b2, MPFR_RNDN);
            } else {
                mpfr_sub(a, a, a2, MPFR_RNDN);
                mpfr_sub(b, b, b2, MPFR_RNDN);
            }
        }
        mpfr_clears(a2, b2, (mpfr_ptr)0);
        return ok;
    case DA_E_MUL: case DA_E_DIV: {
        int k = -1;   /* the constant factor */
        if (!da_expr_has_x(e->a[1]))
            k = 1;
        else if (e->op == DA_E_MUL && !da_expr_has_x(e->a[0]))
            k = 0;
        if (k < 0)
            return 0;
        mpfr_init2(c, p);
        ok = const_m(c, e->a[k]) == 0 && affine_m(e->a[1 - k], a, b);
        if (ok && e->op == DA_E_DIV) {
            if (mpfr_zero_p(c))
                ok = 0;
            else {
                mpfr_div(a, a, c, MPFR_RNDN);
                mpfr_div(b, b, c, MPFR_RNDN);
            }
        } else if (ok) {
            mpfr_mul(a, a, c, MPFR_RNDN);
            mpfr_mul(b, b, c, MPFR_RNDN);
        }
        mpfr_clear(c);
        return ok;
    }
    default:
        return 0;
    }
}

/* double slope and intercept; 1 if affine */
static int affine_d(const da_expr *e, double *a, double *b)
{
    mpfr_t ma, mb;
    mpfr_inits2(128, ma, mb, (mpfr_ptr)0);
    int ok = affine_m(e, ma, mb);
    if (ok) {
        *a = mpfr_get_d(ma, MPFR_RNDN);
        *b = mpfr_get_d(mb, MPFR_RNDN);
        ok = isfinite(*a) && isfinite(*b);
    }
    mpfr_clears(ma, mb, (mpfr_ptr)0);
    return ok;
}

/* ---- polynomials in MPFR -------------------------------------------- */

typedef struct {
    int deg;        /* -1: not yet initialised */
    mpfr_t *c;
} poly;

#define POLY_MAX_DEG 20000

static int poly_init(poly *P, int deg, mpfr_prec_t p)
{
    P->c = da_malloc((size_t)(deg + 1) * sizeof *P->c);
    if (!P->c) {
        P->deg = -1;
        return DA_ENOMEM;
    }
    P->deg = deg;
    for (int i = 0; i <= deg; i++) {
        mpfr_init2(P->c[i], p);
        mpfr_set_zero(P->c[i], 1);
    }
    return 0;
}

static void poly_clear(poly *P)
{
    if (P->c) {
        for (int i = 0; i <= P->deg; i++)
            mpfr_clear(P->c[i]);
        free(P->c);
    }
    P->c = NULL;
    P->deg = -1;
}

static void poly_trim(poly *P)
{
    while (P->deg > 0 && mpfr_zero_p(P->c[P->deg])) {
        mpfr_clear(P->c[P->deg]);
        P->deg--;
    }
}

/* R = A * B (R distinct from A, B) */
static int poly_mul(poly *R, const poly *A, const poly *B, mpfr_prec_t p)
{
    if (A->deg + B->deg > POLY_MAX_DEG)
        return 1;
    if (poly_init(R, A->deg + B->deg, p))
        return DA_ENOMEM;
    mpfr_t t;
    mpfr_init2(t, p);
    for (int i = 0; i <= A->deg; i++) {
        if (mpfr_zero_p(A->c[i]))
            continue;
        for (int j = 0; j <= B->deg; j++) {
            if (mpfr_zero_p(B->c[j]))
                continue;
            mpfr_mul(t, A->c[i], B->c[j], MPFR_RNDN);
            mpfr_add(R->c[i + j], R->c[i + j], t, MPFR_RNDN);
        }
    }
    mpfr_clear(t);
    poly_trim(R);
    return 0;
}

/* A = A +- B */
static int poly_addto(poly *A, const poly *B, int sub, mpfr_prec_t p)
{
    if (B->deg > A->deg) {
        mpfr_t *c = da_realloc(A->c, (size_t)(B->deg + 1) * sizeof *c);
        if (!c)
            return DA_ENOMEM;
        A->c = c;
        for (int i = A->deg + 1; i <= B->deg; i++) {
            mpfr_init2(A->c[i], p);
            mpfr_set_zero(A->c[i], 1);
        }
        A->deg = B->deg;
    }
    for (int i = 0; i <= B->deg; i++) {
        if (sub)
            mpfr_sub(A->c[i], A->c[i], B->c[i], MPFR_RNDN);
        else
            mpfr_add(A->c[i], A->c[i], B->c[i], MPFR_RNDN);
    }
    poly_trim(A);
    return 0;
}

/* Expand a branch-free tree into monomial coefficients at precision p.
 * Returns 0, 1 if the tree is not a polynomial (or too large), or
 * DA_ENOMEM (5). */
static int poly_expand(poly *P, const da_expr *e, mpfr_prec_t p)
{
    P->deg = -1;
    P->c = NULL;
    int st;
    if (!da_expr_has_x(e)) {
        if ((st = poly_init(P, 0, p)))
            return st;
        if (const_m(P->c[0], e)) {
            poly_clear(P);
            return 1;
        }
        return 0;
    }
    poly A, B;
    switch (e->op) {
    case DA_E_X:
        if ((st = poly_init(P, 1, p)))
            return st;
        mpfr_set_ui(P->c[1], 1, MPFR_RNDN);
        return 0;
    case DA_E_NEG:
        if ((st = poly_expand(P, e->a[0], p)))
            return st;
        for (int i = 0; i <= P->deg; i++)
            mpfr_neg(P->c[i], P->c[i], MPFR_RNDN);
        return 0;
    case DA_E_ADD: case DA_E_SUB:
        if ((st = poly_expand(P, e->a[0], p)))
            return st;
        if ((st = poly_expand(&B, e->a[1], p))) {
            poly_clear(P);
            return st;
        }
        st = poly_addto(P, &B, e->op == DA_E_SUB, p);
        poly_clear(&B);
        if (st)
            poly_clear(P);
        return st;
    case DA_E_MUL:
        if ((st = poly_expand(&A, e->a[0], p)))
            return st;
        if ((st = poly_expand(&B, e->a[1], p))) {
            poly_clear(&A);
            return st;
        }
        st = poly_mul(P, &A, &B, p);
        poly_clear(&A);
        poly_clear(&B);
        return st;
    case DA_E_DIV: {
        if (da_expr_has_x(e->a[1]))
            return 1;
        mpfr_t c;
        mpfr_init2(c, p);
        if (const_m(c, e->a[1]) || mpfr_zero_p(c)) {
            mpfr_clear(c);
            return 1;
        }
        if ((st = poly_expand(P, e->a[0], p))) {
            mpfr_clear(c);
            return st;
        }
        for (int i = 0; i <= P->deg; i++)
            mpfr_div(P->c[i], P->c[i], c, MPFR_RNDN);
        mpfr_clear(c);
        return 0;
    }
    case DA_E_POW: {
        if (da_expr_has_x(e->a[1]))
            return 1;
        double v = const_d(e->a[1]);
        if (!(v >= 0) || v != floor(v) || v > POLY_MAX_DEG)
            return 1;
        long n = (long)v;
        if ((st = poly_expand(&A, e->a[0], p)))
            return st;
        /* a monomial c x^k: c^n x^(kn) directly */
        int nz = 0, k = 0;
        for (int i = 0; i <= A.deg; i++)
            if (!mpfr_zero_p(A.c[i])) {
                nz++;
                k = i;
            }
        if (nz <= 1) {
            if ((long)k * n > POLY_MAX_DEG) {
                poly_clear(&A);
                return 1;
            }
            if ((st = poly_init(P, (int)(k * n), p))) {
                poly_clear(&A);
                return st;
            }
            mpfr_pow_ui(P->c[k * n], A.c[k], (unsigned long)n, MPFR_RNDN);
            poly_clear(&A);
            poly_trim(P);
            return 0;
        }
        if ((long)A.deg * n > POLY_MAX_DEG) {
            poly_clear(&A);
            return 1;
        }
        /* binary powering */
        if ((st = poly_init(P, 0, p))) {
            poly_clear(&A);
            return st;
        }
        mpfr_set_ui(P->c[0], 1, MPFR_RNDN);
        while (n > 0) {
            if (n & 1) {
                st = poly_mul(&B, P, &A, p);
                poly_clear(P);
                if (st) {
                    poly_clear(&A);
                    return st;
                }
                *P = B;
            }
            n >>= 1;
            if (n > 0) {
                st = poly_mul(&B, &A, &A, p);
                poly_clear(&A);
                if (st) {
                    poly_clear(P);
                    return st;
                }
                A = B;
            }
        }
        poly_clear(&A);
        return 0;
    }
    default:
        return 1;
    }
}

/* ---- switches and candidate breakpoints ----------------------------- */

typedef struct {
    da_expr *s;     /* switching argument (owned) */
    int integer;    /* 1: floor/ceil -- breaks where s crosses an integer */
} sw;

typedef struct {
    sw *v;
    int n, cap;
} swlist;

static void swlist_free(swlist *L)
{
    for (int i = 0; i < L->n; i++)
        da_expr_unref(L->v[i].s);
    free(L->v);
    memset(L, 0, sizeof *L);
}

/* takes the reference s */
static int sw_add(swlist *L, da_expr *s, int integer)
{
    if (!s)
        return DA_ENOMEM;
    if (!da_expr_has_x(s)) {
        da_expr_unref(s);
        return 0;
    }
    for (int i = 0; i < L->n; i++)
        if (L->v[i].integer == integer && da_expr_equal(L->v[i].s, s)) {
            da_expr_unref(s);
            return 0;
        }
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 8;
        sw *v = da_realloc(L->v, (size_t)cap * sizeof *v);
        if (!v) {
            da_expr_unref(s);
            return DA_ENOMEM;
        }
        L->v = v;
        L->cap = cap;
    }
    L->v[L->n].s = s;
    L->v[L->n].integer = integer;
    L->n++;
    return 0;
}

static da_expr *mk_sub(const da_expr *a, const da_expr *b)
{
    return da_expr_node(DA_E_SUB, DA_F_COUNT, 2, da_expr_ref((da_expr *)a),
                        da_expr_ref((da_expr *)b), NULL);
}

static da_expr *ref(const da_expr *e)
{
    return da_expr_ref((da_expr *)e);
}

static int collect_switches(swlist *L, const da_expr *e)
{
    if (!da_expr_has_x(e))
        return 0;
    for (int i = 0; i < e->nargs; i++)
        if (collect_switches(L, e->a[i]))
            return DA_ENOMEM;
    int st = 0;
    if (e->op == DA_E_FN) {
        switch (e->fn) {
        case DA_F_ABS: case DA_F_SIGN: case DA_F_STEP: case DA_F_RELU:
        case DA_F_CBRT:
            st = sw_add(L, ref(e->a[0]), 0);
            break;
        case DA_F_MAX: case DA_F_MIN:
            st = sw_add(L, mk_sub(e->a[0], e->a[1]), 0);
            break;
        case DA_F_CLIP:
            st = sw_add(L, mk_sub(e->a[0], e->a[1]), 0);
            if (!st)
                st = sw_add(L, mk_sub(e->a[0], e->a[2]), 0);
            break;
        case DA_F_FLOOR: case DA_F_CEIL:
            st = sw_add(L, ref(e->a[0]), 1);
            break;
        default:
            break;
        }
    } else if (is_cmp(e->op)) {
        st = sw_add(L, mk_sub(e->a[0], e->a[1]), 0);
    } else if (e->op == DA_E_COND) {
        const da_expr *c = e->a[0];
        int boolean = is_cmp(c->op) || c->op == DA_E_AND || c->op == DA_E_OR ||
                      c->op == DA_E_NOT ||
                      (c->op == DA_E_FN && (c->fn == DA_F_SIGN || c->fn == DA_F_STEP));
        if (!boolean)
            st = sw_add(L, ref(c), 0);
    } else if (e->op == DA_E_POW && !da_expr_has_x(e->a[1])) {
        double v = const_d(e->a[1]);
        if (v != floor(v))   /* real power: the base's zeros are singular */
            st = sw_add(L, ref(e->a[0]), 0);
    }
    return st;
}

typedef struct {
    double x;       /* double approximation */
    int sw;         /* index of the switch */
    long k;         /* integer crossed (floor/ceil switches) */
    int affine;     /* exact solve */
    double glo, ghi;/* bracket (non-affine) */
} cand;

typedef struct {
    cand *v;
    int n, cap;
} candlist;

/* more breakpoints than MAX_CAND: refused (dropping them would give
   confident wrong numbers) */
static int too_many_breakpoints(double want)
{
    return da_fail(DA_EINVAL, "the activation switches (floor, ceil, sign, comparisons) at "
                   "%.0f points or more in [-40, 40]; at most %d are supported", want, MAX_CAND);
}

static int cand_add(candlist *C, cand c)
{
    if (C->n >= MAX_CAND)
        return too_many_breakpoints((double)C->n + 1);
    if (C->n == C->cap) {
        int cap = C->cap ? 2 * C->cap : 16;
        cand *v = da_realloc(C->v, (size_t)cap * sizeof *v);
        if (!v)
            return DA_ENOMEM;
        C->v = v;
        C->cap = cap;
    }
    C->v[C->n++] = c;
    return 0;
}

/* the predicate bisection follows: s(x) - k < 0 */
static int below_ld(const da_expr *s, long k, long double x, int *bad)
{
    long double v = ev_ld(s, x) - (long double)k;
    if (isnan(v))
        *bad = 1;
    return v < 0;
}

static double bisect_ld(const da_expr *s, long k, long double lo, long double hi)
{
    int bad = 0;
    int plo = below_ld(s, k, lo, &bad);
    for (int it = 0; it < 80; it++) {
        long double mid = 0.5L * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        if (below_ld(s, k, mid, &bad) == plo)
            lo = mid;
        else
            hi = mid;
    }
    return (double)(0.5L * (lo + hi));
}

/* zeros (or integer crossings) of switch i */
static int switch_roots(candlist *C, const swlist *L, int i,
                        long double *grid)
{
    const da_expr *s = L->v[i].s;
    int integer = L->v[i].integer;
    mpfr_t a, b, t;
    mpfr_inits2(128, a, b, t, (mpfr_ptr)0);
    int st = 0;
    if (affine_m(s, a, b)) {
        if (!mpfr_zero_p(a) && mpfr_number_p(a) && mpfr_number_p(b)) {
            if (!integer) {
                mpfr_div(t, b, a, MPFR_RNDN);
                mpfr_neg(t, t, MPFR_RNDN);
                if (mpfr_zero_p(t))
                    mpfr_set_zero(t, 1);
                cand c = {mpfr_get_d(t, MPFR_RNDN), i, 0, 1, 0, 0};
                st = cand_add(C, c);
            } else {
                /* integers k with (k - b)/a in [-40, 40] */
                double ad = mpfr_get_d(a, MPFR_RNDN), bd = mpfr_get_d(b, MPFR_RNDN);
                double u1 = bd - 40 * fabs(ad), u2 = bd + 40 * fabs(ad);
                double k1 = ceil(u1), k2 = floor(u2);
                if (k2 - k1 + 1 > (double)(MAX_CAND - C->n)) {
                    mpfr_clears(a, b, t, (mpfr_ptr)0);
                    return too_many_breakpoints(k2 - k1 + 1 + C->n);
                }
                for (double k = k1; !st && k <= k2; k++) {
                    mpfr_sub_d(t, b, k, MPFR_RNDN);
                    mpfr_div(t, t, a, MPFR_RNDN);
                    mpfr_neg(t, t, MPFR_RNDN);
                    cand c = {mpfr_get_d(t, MPFR_RNDN), i, (long)k, 1, 0, 0};
                    st = cand_add(C, c);
                }
            }
        }
        mpfr_clears(a, b, t, (mpfr_ptr)0);
        return st;
    }
    mpfr_clears(a, b, t, (mpfr_ptr)0);
    for (int j = 0; j <= GRID_N; j++)
        grid[j] = ev_ld(s, GRID_X(j));
    for (int j = 0; !st && j < GRID_N; j++) {
        long double u = grid[j], v = grid[j + 1];
        if (!isfinite(u) || !isfinite(v))
            continue;
        if (!integer) {
            if ((u < 0 && v > 0) || (u > 0 && v < 0)) {
                double x = bisect_ld(s, 0, GRID_X(j), GRID_X(j + 1));
                cand c = {x, i, 0, 0, (double)GRID_X(j), (double)GRID_X(j + 1)};
                st = cand_add(C, c);
            } else if (u == 0 && j > 0 && isfinite(grid[j - 1]) &&
                       ((grid[j - 1] < 0 && v > 0) || (grid[j - 1] > 0 && v < 0))) {
                cand c = {(double)GRID_X(j), i, 0, 0, (double)GRID_X(j - 1),
                          (double)GRID_X(j + 1)};
                st = cand_add(C, c);
            }
        } else {
            long double lo = u < v ? u : v, hi = u < v ? v : u;
            long double k1 = floorl(lo) + 1, k2 = floorl(hi);
            if (k2 - k1 > 1000)
                k2 = k1 + 1000;
            for (long double k = k1; !st && k <= k2; k++) {
                double x = bisect_ld(s, (long)k, GRID_X(j), GRID_X(j + 1));
                cand c = {x, i, (long)k, 0, (double)GRID_X(j), (double)GRID_X(j + 1)};
                st = cand_add(C, c);
            }
        }
    }
    return st;
}

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->affine != b->affine)
        return b->affine - a->affine;
    if (a->sw != b->sw)
        return a->sw - b->sw;
    return (a->k > b->k) - (a->k < b->k);
}

/* All candidate breakpoints, sorted, duplicates merged. */
static int find_candidates(const da_expr *e, swlist *L, candlist *C)
{
    memset(L, 0, sizeof *L);
    memset(C, 0, sizeof *C);
    if (collect_switches(L, e))
        return DA_ENOMEM;
    if (L->n == 0)
        return 0;
    long double *grid = da_malloc((GRID_N + 1) * sizeof *grid);
    if (!grid)
        return DA_ENOMEM;
    int st = 0;
    for (int i = 0; !st && i < L->n; i++)
        st = switch_roots(C, L, i, grid);
    free(grid);
    if (st)
        return st;
    if (C->n > 1)
        qsort(C->v, (size_t)C->n, sizeof *C->v, cand_cmp);
    int m = 0;
    for (int i = 0; i < C->n; i++) {
        if (!isfinite(C->v[i].x))
            continue;
        if (m > 0) {
            double y = C->v[m - 1].x, x = C->v[i].x;
            if (fabs(x - y) <= 1e-12 * fmax(1.0, fabs(x)))
                continue;
        }
        C->v[m++] = C->v[i];
    }
    C->n = m;
    return 0;
}

/* MPFR predicate: s(x) - k < 0 */
static int below_m(const da_expr *s, long k, const mpfr_t x, mpfr_t t, int *bad)
{
    if (ev_m(t, s, x, NULL)) {
        *bad = 1;
        return 0;
    }
    mpfr_sub_si(t, t, k, MPFR_RNDN);
    return mpfr_sgn(t) < 0;
}

/* The candidate to precision prec (out has its own precision >= prec). */
static void refine_cand(mpfr_t out, const cand *c, const swlist *L, mpfr_prec_t prec)
{
    const da_expr *s = L->v[c->sw].s;
    mpfr_prec_t wp = prec + 32;
    if (c->affine) {
        mpfr_t a, b;
        mpfr_inits2(wp, a, b, (mpfr_ptr)0);
        if (affine_m(s, a, b) && !mpfr_zero_p(a)) {
            mpfr_sub_si(b, b, c->k, MPFR_RNDN);
            mpfr_div(b, b, a, MPFR_RNDN);
            mpfr_neg(out, b, MPFR_RNDN);
            if (mpfr_zero_p(out))
                mpfr_set_zero(out, 1);
        } else {
            mpfr_set_d(out, c->x, MPFR_RNDN);
        }
        mpfr_clears(a, b, (mpfr_ptr)0);
        return;
    }
    mpfr_t lo, hi, mid, t;
    mpfr_inits2(wp, lo, hi, mid, t, (mpfr_ptr)0);
    mpfr_set_d(lo, c->glo, MPFR_RNDN);
    mpfr_set_d(hi, c->ghi, MPFR_RNDN);
    int bad = 0;
    int plo = below_m(s, c->k, lo, t, &bad);
    int phi = below_m(s, c->k, hi, t, &bad);
    if (bad || plo == phi) {
        mpfr_set_d(out, c->x, MPFR_RNDN);
    } else {
        for (long it = 0; it < (long)wp + 64; it++) {
            mpfr_add(mid, lo, hi, MPFR_RNDN);
            mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
            if (mpfr_lessequal_p(mid, lo) || mpfr_greaterequal_p(mid, hi))
                break;
            int pm = below_m(s, c->k, mid, t, &bad);
            if (bad)
                break;
            if (pm == plo)
                mpfr_set(lo, mid, MPFR_RNDN);
            else
                mpfr_set(hi, mid, MPFR_RNDN);
        }
        mpfr_add(mid, lo, hi, MPFR_RNDN);
        mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
        mpfr_set(out, mid, MPFR_RNDN);
    }
    mpfr_clears(lo, hi, mid, t, (mpfr_ptr)0);
}

/* ---- specialisation: decide every switch at a point ------------------ */

/* sign of a subtree at x (-1, 0, 1); 2 when it cannot be evaluated */
static int sgn_at(const da_expr *e, const mpfr_t x)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(x) + 16);
    int s = ev_m(t, e, x, NULL) ? 2 : mpfr_sgn(t);
    mpfr_clear(t);
    return s;
}

static int cmp_at(const da_expr *a, const da_expr *b, const mpfr_t x)
{
    mpfr_t t, u;
    mpfr_inits2(mpfr_get_prec(x) + 16, t, u, (mpfr_ptr)0);
    int s = (ev_m(t, a, x, NULL) || ev_m(u, b, x, NULL)) ? 2 : mpfr_cmp(t, u);
    mpfr_clears(t, u, (mpfr_ptr)0);
    return s > 0 ? 1 : (s < 0 ? -1 : 0);
}

static da_expr *spec(const da_expr *e, const mpfr_t x);

static da_expr *int_node(long v)
{
    return da_expr_int(v);
}

/* e with every switch decided at x: a branch-free tree (new reference). */
static da_expr *spec(const da_expr *e, const mpfr_t x)
{
    if (!da_expr_has_x(e) || e->rem)   /* a marked quotient is switch-free */
        return ref(e);
    int s;
    if (e->op == DA_E_FN && da_fn_is_switch(e->fn)) {
        const da_expr *u = e->a[0];
        switch (e->fn) {
        case DA_F_ABS:
            s = sgn_at(u, x);
            if (s < 0)
                return da_expr_node(DA_E_NEG, DA_F_COUNT, 1, spec(u, x), NULL, NULL);
            return spec(u, x);
        case DA_F_SIGN:
            s = sgn_at(u, x);
            return int_node(s == 2 ? 0 : s);
        case DA_F_STEP:
            return int_node(sgn_at(u, x) == 1);
        case DA_F_RELU:
            return sgn_at(u, x) == 1 ? spec(u, x) : int_node(0);
        case DA_F_MAX:
            return spec(e->a[cmp_at(e->a[0], e->a[1], x) >= 0 ? 0 : 1], x);
        case DA_F_MIN:
            return spec(e->a[cmp_at(e->a[0], e->a[1], x) <= 0 ? 0 : 1], x);
        case DA_F_CLIP:
            if (cmp_at(u, e->a[1], x) < 0)
                return spec(e->a[1], x);
            if (cmp_at(u, e->a[2], x) > 0)
                return spec(e->a[2], x);
            return spec(u, x);
        case DA_F_FLOOR: case DA_F_CEIL: {
            mpfr_t t;
            mpfr_init2(t, mpfr_get_prec(x) + 16);
            da_expr *r;
            if (ev_m(t, e, x, NULL)) {
                r = int_node(0);
            } else if (mpfr_fits_slong_p(t, MPFR_RNDN)) {
                r = int_node(mpfr_get_si(t, MPFR_RNDN));
            } else {
                char *str = NULL;
                mpfr_asprintf(&str, "%.0Rf", t);
                r = str ? da_expr_num(str) : NULL;
                mpfr_free_str(str);
            }
            mpfr_clear(t);
            return r;
        }
        default:
            break;
        }
    }
    if (is_cmp(e->op) || e->op == DA_E_AND || e->op == DA_E_OR || e->op == DA_E_NOT)
        return int_node(sgn_at(e, x) == 1);
    if (e->op == DA_E_COND)
        return spec(e->a[sgn_at(e->a[0], x) == 0 ? 2 : 1], x);
    da_expr *a[3] = {NULL, NULL, NULL};
    for (int i = 0; i < e->nargs; i++) {
        a[i] = spec(e->a[i], x);
        if (!a[i]) {
            for (int j = 0; j < i; j++)
                da_expr_unref(a[j]);
            return NULL;
        }
    }
    return da_expr_node(e->op, e->fn, e->nargs, a[0], a[1], a[2]);
}

/* ---- singularity distance of a branch-free piece --------------------- */

/* Roots of a real polynomial c[0..n] (c[n] != 0) by Durand-Kerner. */
static void poly_roots(const double *c, int n, double complex *z)
{
    double complex w = 0.4 + 0.9 * _Complex_I, p = 1;
    double scale = 1;
    for (int i = 0; i < n; i++)   /* Cauchy bound on the roots */
        scale = fmax(scale, 1 + fabs(c[i] / c[n]));
    for (int i = 0; i < n; i++) {
        p *= w;
        z[i] = p * scale * 0.5;
    }
    for (int it = 0; it < 1000; it++) {
        double change = 0;
        for (int i = 0; i < n; i++) {
            double complex v = c[n];
            for (int k = n - 1; k >= 0; k--)
                v = v * z[i] + c[k];
            double complex d = c[n];
            for (int j = 0; j < n; j++)
                if (j != i)
                    d *= z[i] - z[j];
            if (d == 0)
                d = 1e-300;
            double complex dz = v / d;
            z[i] -= dz;
            change = fmax(change, cabs(dz) / (1 + cabs(z[i])));
        }
        if (change < 1e-15)
            break;
    }
}

typedef struct {
    double lo, hi;   /* the piece's interval (may be infinite) */
} ivl;

/* distance from a real point r to an interval, 0 inside */
static double dist_to_ivl(double r, const ivl *iv)
{
    if (r < iv->lo)
        return iv->lo - r;
    if (r > iv->hi)
        return r - iv->hi;
    return 0;
}

/* c1 + c2*exp(a*x + b) recognised on the tree (c1 from constants added);
 * returns 1 and fills c1, c2, a. */
static int match_exp_term(const da_expr *t, double *c2, double *a)
{
    double sgn = 1;
    while (t->op == DA_E_NEG) {
        sgn = -sgn;
        t = t->a[0];
    }
    double k = 1;
    if (t->op == DA_E_MUL && !da_expr_has_x(t->a[0])) {
        k = const_d(t->a[0]);
        t = t->a[1];
    } else if (t->op == DA_E_MUL && !da_expr_has_x(t->a[1])) {
        k = const_d(t->a[1]);
        t = t->a[0];
    } else if (t->op == DA_E_DIV && !da_expr_has_x(t->a[1])) {
        k = 1 / const_d(t->a[1]);
        t = t->a[0];
    }
    double b;
    if (t->op == DA_E_FN && t->fn == DA_F_EXP && affine_d(t->a[0], a, &b)) {
        *c2 = sgn * k * exp(b);
        return isfinite(*c2);
    }
    if (t->op == DA_E_POW && t->a[0]->op == DA_E_E && affine_d(t->a[1], a, &b)) {
        *c2 = sgn * k * exp(b);
        return isfinite(*c2);
    }
    return 0;
}

static int match_exp_sum(const da_expr *g, double *c1, double *c2, double *a)
{
    if (match_exp_term(g, c2, a)) {
        *c1 = 0;
        return 1;
    }
    if (g->op != DA_E_ADD && g->op != DA_E_SUB)
        return 0;
    double s = g->op == DA_E_SUB ? -1 : 1;
    if (!da_expr_has_x(g->a[0]) && match_exp_term(g->a[1], c2, a)) {
        *c1 = const_d(g->a[0]);
        *c2 *= s;
        return isfinite(*c1);
    }
    if (!da_expr_has_x(g->a[1]) && match_exp_term(g->a[0], c2, a)) {
        *c1 = s * const_d(g->a[1]);
        return isfinite(*c1);
    }
    return 0;
}

/* Distance from the real axis of the nearest zero of g + shift (g depends
 * on x).  Real zeros are domain problems or breakpoints (handled
 * elsewhere); inside a piece they count by their distance to the piece. */
static double zeros_dist(const da_expr *g, double shift, const ivl *iv)
{
    poly P;
    int st = poly_expand(&P, g, 64);
    if (st == 0) {
        int n = P.deg;
        double res = INFINITY;
        if (n >= 1 && n <= 64) {
            double c[65];
            double complex z[64];
            for (int i = 0; i <= n; i++)
                c[i] = mpfr_get_d(P.c[i], MPFR_RNDN);
            c[0] += shift;
            int ok = c[n] != 0 && isfinite(c[n]);
            for (int i = 0; i < n; i++)
                ok = ok && isfinite(c[i]);
            if (ok) {
                poly_roots(c, n, z);
                for (int i = 0; i < n; i++) {
                    double im = fabs(cimag(z[i])), re = creal(z[i]);
                    double d;
                    if (im <= 1e-7 * (1 + fabs(re))) {
                        /* a real zero: at an end of the piece it is the
                         * breakpoint's business; inside it is a zero the
                         * function survives (sqrt(x^2)): not analytic
                         * there, so be conservative */
                        double tol = 1e-9 * (1 + fabs(re));
                        if (fabs(re - iv->lo) <= tol || fabs(re - iv->hi) <= tol)
                            d = INFINITY;
                        else if (re > iv->lo && re < iv->hi)
                            d = CONSERVATIVE_SD;
                        else
                            d = dist_to_ivl(re, iv);
                    } else
                        d = im;                  /* distance from the axis */
                    if (d > 0 && d < res)
                        res = d;
                }
            } else {
                res = CONSERVATIVE_SD;
            }
        } else if (n > 64) {
            res = CONSERVATIVE_SD;
        }
        poly_clear(&P);
        return res;
    }
    double c1, c2, a;
    if (match_exp_sum(g, &c1, &c2, &a)) {
        c1 += shift;
        if (c1 == 0 || a == 0)
            return INFINITY;
        if (c1 * c2 > 0)
            return DA_PI / fabs(a);   /* exp(a x + b) = -c1/c2 < 0 */
        return INFINITY;             /* a real zero */
    }
    /* e.g. 1/(2 + cos(x)), log(x^2 + exp(x)): conservative guess; the
     * engine checks convergence and only loses time for it */
    return CONSERVATIVE_SD;
}

typedef struct {
    int poly;      /* no non-polynomial operation */
    int entire;    /* no singularity at finite distance */
    double sd;
} pinfo;

static void piece_walk(const da_expr *e, const ivl *iv, pinfo *pi)
{
    if (!da_expr_has_x(e))
        return;
    for (int i = 0; i < e->nargs; i++)
        piece_walk(e->a[i], iv, pi);
    double a, b, d;
    switch (e->op) {
    case DA_E_X: case DA_E_NEG: case DA_E_ADD: case DA_E_SUB: case DA_E_MUL:
        return;
    case DA_E_DIV:
        if (da_expr_has_x(e->a[1])) {
            pi->poly = pi->entire = 0;
            /* a removable singularity on the axis is none; the zeros of
               the denominator elsewhere are not located here */
            pi->sd = fmin(pi->sd, e->rem ? CONSERVATIVE_SD : zeros_dist(e->a[1], 0, iv));
        }
        return;
    case DA_E_POW:
        if (!da_expr_has_x(e->a[1])) {
            double v = const_d(e->a[1]);
            if (v >= 0 && v == floor(v))
                return;
            pi->poly = pi->entire = 0;
            pi->sd = fmin(pi->sd, zeros_dist(e->a[0], 0, iv));
            return;
        }
        pi->poly = 0;
        if (!da_expr_has_x(e->a[0])) {
            if (!(const_d(e->a[0]) > 0)) {
                pi->entire = 0;
                pi->sd = fmin(pi->sd, CONSERVATIVE_SD);
            }
            return;
        }
        pi->entire = 0;
        pi->sd = fmin(pi->sd, zeros_dist(e->a[0], 0, iv));
        return;
    case DA_E_FN:
        break;
    default:
        /* switches left over (should not happen after spec()) */
        pi->poly = pi->entire = 0;
        pi->sd = fmin(pi->sd, CONSERVATIVE_SD);
        return;
    }
    pi->poly = 0;
    if (is_entire_fn(e->fn))
        return;
    pi->entire = 0;
    const da_expr *u = e->a[0];
    int aff = affine_d(u, &a, &b) && a != 0;
    switch (e->fn) {
    case DA_F_TANH: d = DA_PI / 2; break;
    case DA_F_SIGMOID: case DA_F_SOFTPLUS: d = DA_PI; break;
    case DA_F_ATAN: case DA_F_ASINH: d = 1; break;
    case DA_F_LOG: case DA_F_SQRT: case DA_F_CBRT:
        pi->sd = fmin(pi->sd, zeros_dist(u, 0, iv));
        return;
    case DA_F_LOG1P:
        pi->sd = fmin(pi->sd, zeros_dist(u, 1, iv));
        return;
    default:
        /* tan, asin, acos, acosh, atanh (real singularities: a domain
         * matter) and leftover switches */
        d = 0;
        aff = 0;
        break;
    }
    /* f(a x + b): singularities at Im(a z + b) = +-d.  A non-affine inner
     * argument: conservative estimate. */
    pi->sd = fmin(pi->sd, aff ? d / fabs(a) : CONSERVATIVE_SD);
}

/* ---- growth ---------------------------------------------------------- */

typedef struct {
    da_growth g;
    double p;
    int sure;
    const da_expr *bad;   /* the subtree that grows too fast */
} grow;

static grow gr_poly(double d) { grow r = {DA_GROWTH_POLY, d, 1, NULL}; return r; }

static grow gr_max(grow a, grow b)
{
    grow r = a.g > b.g ? a : b;
    if (a.g == b.g)
        r.p = fmax(a.p, b.p);
    r.sure = a.sure && b.sure;
    if (!r.bad)
        r.bad = a.bad ? a.bad : b.bad;
    return r;
}

static grow gr_mul(grow a, grow b)
{
    grow r = gr_max(a, b);
    if (a.g == b.g && a.g != DA_GROWTH_BAD)
        r.p = a.p + b.p;
    return r;
}

/* log|f| at +-20, 40, 80 (MPFR, 128 bits); 0 if some value failed */
static int log_abs_at(const da_expr *e, double L[2][3])
{
    static const double X[3] = {20, 40, 80};
    mpfr_t x, y;
    mpfr_inits2(128, x, y, (mpfr_ptr)0);
    int ok = 1;
    for (int s = 0; ok && s < 2; s++)
        for (int j = 0; ok && j < 3; j++) {
            mpfr_set_d(x, s ? X[j] : -X[j], MPFR_RNDN);
            if (ev_m(y, e, x, NULL)) {
                ok = 0;
                break;
            }
            if (mpfr_zero_p(y)) {
                L[s][j] = -INFINITY;
            } else {
                mpfr_abs(y, y, MPFR_RNDN);
                mpfr_log(y, y, MPFR_RNDN);
                L[s][j] = mpfr_get_d(y, MPFR_RNDN);
            }
        }
    mpfr_clears(x, y, (mpfr_ptr)0);
    return ok;
}

/* growth of e estimated from log|e| at |x| = 20, 40, 80 */
static grow gr_numeric(const da_expr *e, int side)
{
    double L[2][3];
    grow r = gr_poly(0);
    r.sure = 0;
    if (!log_abs_at(e, L)) {
        r.g = DA_GROWTH_BAD;
        r.bad = e;
        return r;
    }
    for (int s = 0; s < 2; s++) {
        if (side != 0 && side != 2 * s - 1)
            continue;
        if (!isfinite(L[s][2]) || !isfinite(L[s][1]) || L[s][2] <= L[s][1] + 0.05)
            continue;   /* decaying or flat on this side */
        double d1 = isfinite(L[s][0]) ? L[s][1] - L[s][0] : 0, d2 = L[s][2] - L[s][1];
        grow q;
        if (d2 > 20 && d2 > 2.8 * fmax(d1, 1e-300)) {
            q.g = DA_GROWTH_BAD;
            q.p = 0;
            q.bad = e;
        } else if (d2 > 1.5 * fmax(d1, 0) + 0.5) {
            q.g = DA_GROWTH_EXP;
            q.p = d2 / 40 * 1.05;
            q.bad = NULL;
        } else {
            q.g = DA_GROWTH_POLY;
            q.p = fmax(0, ceil(d2 / DA_LN2 - 0.1));
            q.bad = NULL;
        }
        q.sure = 0;
        r = gr_max(r, q);
        r.sure = 0;
    }
    return r;
}

/* exp(u) (both = 1: cosh/sinh, i.e. exp(|u|)) */
static grow gr_exp(const da_expr *node, const da_expr *u, grow gu, int both, int side)
{
    double a, b;
    if (affine_d(u, &a, &b)) {
        if (a == 0 || (!both && side != 0 && a * side <= 0))
            return gr_poly(0);   /* constant, or decays on this side */
        grow r = {DA_GROWTH_EXP, fabs(a), 1, NULL};
        return r;
    }
    if (gu.sure && gu.g == DA_GROWTH_POLY && gu.p == 0)
        return gr_poly(0);   /* bounded exponent */
    /* the upward growth of u (and of -u for cosh, sinh) */
    mpfr_t x, y;
    mpfr_inits2(128, x, y, (mpfr_ptr)0);
    static const double X[3] = {20, 40, 80};
    double U[2][3];
    int ok = 1;
    for (int s = 0; ok && s < 2; s++)
        for (int j = 0; ok && j < 3; j++) {
            mpfr_set_d(x, s ? X[j] : -X[j], MPFR_RNDN);
            ok = ev_m(y, u, x, NULL) == 0;
            U[s][j] = mpfr_get_d(y, MPFR_RNDN);
        }
    mpfr_clears(x, y, (mpfr_ptr)0);
    grow r = gr_poly(0);
    if (!ok) {
        r.sure = 0;
        return r;
    }
    for (int s = 0; s < 2; s++)
        for (int sg = 0; sg < (both ? 2 : 1) && (side == 0 || side == 2 * s - 1); sg++) {
            double m = sg ? -1 : 1;
            double u0 = m * U[s][0], u1 = m * U[s][1], u2 = m * U[s][2];
            double d1 = u1 - u0, d2 = u2 - u1;
            if (d2 <= 1e-9 * (1 + fabs(u1)))
                continue;   /* bounded above on this side */
            if (d2 > 10 && d2 > 2.5 * fmax(d1, 1e-300)) {
                r.g = DA_GROWTH_BAD;
                r.bad = node;
                return r;
            }
            grow q = {DA_GROWTH_EXP, d2 / 40 * 1.05, 1, NULL};
            r = gr_max(r, q);
        }
    return r;
}

static int is_poly_tree(const da_expr *e)
{
    if (!da_expr_has_x(e))
        return 1;
    switch (e->op) {
    case DA_E_X:
        return 1;
    case DA_E_NEG: case DA_E_ADD: case DA_E_SUB: case DA_E_MUL:
        for (int i = 0; i < e->nargs; i++)
            if (!is_poly_tree(e->a[i]))
                return 0;
        return 1;
    case DA_E_DIV:
        return !da_expr_has_x(e->a[1]) && is_poly_tree(e->a[0]);
    case DA_E_POW: {
        if (da_expr_has_x(e->a[1]))
            return 0;
        double v = const_d(e->a[1]);
        return v >= 0 && v == floor(v) && is_poly_tree(e->a[0]);
    }
    default:
        return 0;
    }
}

static grow growth_rec(const da_expr *e, int side)
{
    if (!da_expr_has_x(e))
        return gr_poly(0);
    grow g0, g1, g2, r;
    switch (e->op) {
    case DA_E_X:
        return gr_poly(1);
    case DA_E_NEG:
        return growth_rec(e->a[0], side);
    case DA_E_ADD: case DA_E_SUB:
        return gr_max(growth_rec(e->a[0], side), growth_rec(e->a[1], side));
    case DA_E_MUL:
        return gr_mul(growth_rec(e->a[0], side), growth_rec(e->a[1], side));
    case DA_E_DIV:
        g0 = growth_rec(e->a[0], side);
        if (!da_expr_has_x(e->a[1]))
            return g0;
        g0.sure = 0;   /* 1/den may grow */
        return g0;
    case DA_E_POW:
        if (e->a[0]->op == DA_E_E)
            return gr_exp(e, e->a[1], growth_rec(e->a[1], side), 0, side);
        if (!da_expr_has_x(e->a[1])) {
            double c = const_d(e->a[1]);
            g0 = growth_rec(e->a[0], side);
            if (!(c >= 0)) {
                g0.sure = 0;
                return g0;
            }
            if (g0.g != DA_GROWTH_BAD)
                g0.p *= c;
            return g0;
        }
        r = growth_rec(e->a[0], side);
        r.sure = 0;
        return r;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ:
    case DA_E_NE: case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        return gr_poly(0);
    case DA_E_COND:
        return gr_max(growth_rec(e->a[1], side), growth_rec(e->a[2], side));
    case DA_E_FN:
        break;
    default:
        r = gr_poly(0);
        r.sure = 0;
        return r;
    }
    const da_expr *u = e->a[0];
    switch (e->fn) {
    case DA_F_EXP: case DA_F_EXPM1:
        return gr_exp(e, u, growth_rec(u, side), 0, side);
    case DA_F_SINH: case DA_F_COSH:
        return gr_exp(e, u, growth_rec(u, side), 1, side);
    case DA_F_TANH: case DA_F_SIGMOID: case DA_F_ERF: case DA_F_ERFC:
    case DA_F_SIN: case DA_F_COS: case DA_F_PHI_CDF: case DA_F_PHI_PDF:
    case DA_F_ATAN: case DA_F_SIGN: case DA_F_STEP: case DA_F_ASIN: case DA_F_ACOS:
        return gr_poly(0);
    case DA_F_TAN:
        g0 = growth_rec(u, side);
        r = gr_poly(0);
        r.sure = g0.sure && g0.g == DA_GROWTH_POLY && g0.p == 0;
        return r;
    case DA_F_LOG: case DA_F_LOG1P: case DA_F_ASINH: case DA_F_ACOSH:
        r = gr_poly(1);
        r.sure = is_poly_tree(u);
        return r;
    case DA_F_ATANH:
        r = gr_poly(0);
        r.sure = 0;
        return r;
    case DA_F_SQRT: case DA_F_CBRT:
        g0 = growth_rec(u, side);
        if (g0.g != DA_GROWTH_BAD)
            g0.p /= e->fn == DA_F_SQRT ? 2 : 3;
        return g0;
    case DA_F_SOFTPLUS: case DA_F_RELU: case DA_F_ABS:
        return growth_rec(u, side);
    case DA_F_FLOOR: case DA_F_CEIL:
        return gr_max(growth_rec(u, side), gr_poly(0));
    case DA_F_MAX: case DA_F_MIN:
        return gr_max(growth_rec(e->a[0], side), growth_rec(e->a[1], side));
    case DA_F_CLIP:
        g1 = growth_rec(e->a[1], side);
        g2 = growth_rec(e->a[2], side);
        return gr_max(g1, g2);
    default:
        r = gr_poly(0);
        r.sure = 0;
        return r;
    }
}

/* ---- domain ---------------------------------------------------------- */

/* value at x: long double, confirmed in MPFR when not finite. */
static int check_point(const da_expr *e, double x, int exact)
{
    long double v = ev_ld(e, x);
    if (isfinite(v))
        return 0;
    mpfr_t mx, y;
    mpfr_inits2(64, mx, y, (mpfr_ptr)0);
    mpfr_set_d(mx, x, MPFR_RNDN);
    const char *why = NULL;
    int bad = ev_m(y, e, mx, &why);
    mpfr_clears(mx, y, (mpfr_ptr)0);
    if (!bad)
        return 0;
    if (!why)
        why = "not finite";
    if (strcmp(why, "division by zero") == 0 || exact)
        return da_fail(DA_EDOM, "%s at x = %.17g", why, x);
    return da_fail(DA_EDOM, "%s near x = %.6g", why, x);
}

/* |e| at x in MPFR (64 bits); INFINITY if not finite */
static double abs_at(const da_expr *e, double x)
{
    mpfr_t mx, y;
    mpfr_inits2(64, mx, y, (mpfr_ptr)0);
    mpfr_set_d(mx, x, MPFR_RNDN);
    double v = ev_m(y, e, mx, NULL) ? INFINITY : fabs(mpfr_get_d(y, MPFR_RNDN));
    mpfr_clears(mx, y, (mpfr_ptr)0);
    return v;
}

/* Is e unbounded near r (a zero of a denominator)? */
static int pole_at(const da_expr *e, double r)
{
    double d = 1e-9 * fmax(1, fabs(r));
    double near = fmax(abs_at(e, r - d), abs_at(e, r + d));
    double far = fmax(abs_at(e, r - 0.05), abs_at(e, r + 0.05));
    if (!isfinite(near))
        return 1;
    return near > 1e6 && near > 1e4 * (1 + (isfinite(far) ? far : 0));
}

/* poles between grid points: sign changes of denominators and of cos
 * under tan; and real zeros of affine arguments of log, sqrt, ... (also
 * outside the grid).  Adds check points to *pts. */
typedef struct {
    double *v;
    int n, cap;
} dlist;

static int dl_add(dlist *L, double x)
{
    if (!isfinite(x))
        return 0;
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 32;
        double *v = da_realloc(L->v, (size_t)cap * sizeof *v);
        if (!v)
            return DA_ENOMEM;
        L->v = v;
        L->cap = cap;
    }
    L->v[L->n++] = x;
    return 0;
}

static int pole_scan(const da_expr *root, const da_expr *den, const char *what, long double *grid)
{
    double a, b;
    if (affine_d(den, &a, &b)) {
        double r = a != 0 ? -b / a : 0;
        if (r == 0)
            r = 0;   /* not -0 */
        if (a != 0 && pole_at(root, r))
            return da_fail(DA_EDOM, "%s at x = %.17g", what, r);
        return 0;
    }
    for (int j = 0; j <= GRID_N; j++)
        grid[j] = ev_ld(den, GRID_X(j));
    /* intervals from 0 outwards, so that the pole nearest 0 is named */
    for (int q = 0; q < GRID_N; q++) {
        int j = q % 2 ? GRID_N / 2 - 1 - q / 2 : GRID_N / 2 + q / 2;
        long double u = grid[j], v = grid[j + 1];
        if (!isfinite(u) || !isfinite(v) || !((u < 0 && v > 0) || (u > 0 && v < 0)))
            continue;
        double r = bisect_ld(den, 0, GRID_X(j), GRID_X(j + 1));
        if (pole_at(root, r))
            return da_fail(DA_EDOM, "%s near x = %.6g", what, r);
    }
    return 0;
}

static int domain_walk(const da_expr *root, const da_expr *e,
                       long double *grid, dlist *pts)
{
    if (!da_expr_has_x(e))
        return 0;
    for (int i = 0; i < e->nargs; i++) {
        int st = domain_walk(root, e->a[i], grid, pts);
        if (st)
            return st;
    }
    double a, b;
    const da_expr *u = NULL;
    double crit[2];
    int ncrit = 0;
    if (e->op == DA_E_DIV && da_expr_has_x(e->a[1])) {
        int st = pole_scan(root, e->a[1], "division by zero", grid);
        if (st)
            return st;
        u = e->a[1];
        crit[ncrit++] = 0;
    } else if (e->op == DA_E_POW && da_expr_has_x(e->a[0])) {
        u = e->a[0];
        crit[ncrit++] = 0;
    } else if (e->op == DA_E_FN) {
        u = e->a[0];
        switch (e->fn) {
        case DA_F_TAN: {
            da_expr *c = da_expr_node(DA_E_FN, DA_F_COS, 1, ref(u), NULL, NULL);
            if (!c)
                return DA_ENOMEM;
            int st = pole_scan(root, c, "tan has a pole", grid);
            da_expr_unref(c);
            if (st)
                return st;
            break;
        }
        case DA_F_LOG: case DA_F_SQRT: crit[ncrit++] = 0; break;
        case DA_F_LOG1P: crit[ncrit++] = -1; break;
        case DA_F_ASIN: case DA_F_ACOS: case DA_F_ATANH:
            crit[ncrit++] = -1;
            crit[ncrit++] = 1;
            break;
        case DA_F_ACOSH: crit[ncrit++] = 1; break;
        default: break;
        }
    }
    if (ncrit && affine_d(u, &a, &b) && a != 0) {
        for (int i = 0; i < ncrit; i++) {
            double r = (crit[i] - b) / a;
            if (r == 0)
                r = 0;   /* not -0 */
            if (dl_add(pts, r) || dl_add(pts, r - 1) || dl_add(pts, r + 1))
                return DA_ENOMEM;
        }
    }
    return 0;
}

static int check_domain(const da_expr *e, const candlist *C)
{
    dlist pts = {NULL, 0, 0};
    int st = 0;
    long double *grid = da_malloc((GRID_N + 1) * sizeof *grid);
    if (!grid)
        return DA_ENOMEM;
    st = dl_add(&pts, 0);
    for (int i = 0; !st && i < C->n; i++)
        st = dl_add(&pts, C->v[i].x);
    /* the grid, from 0 outwards, so that the problem nearest 0 is named */
    for (int j = 1; !st && j <= GRID_N / 2; j++) {
        double x = (double)j / 100;
        st = check_point(e, x, 0);
        if (!st)
            st = check_point(e, -x, 0);
    }
    if (!st)
        st = domain_walk(e, e, grid, &pts);
    for (int i = 0; !st && i < pts.n; i++)
        st = check_point(e, pts.v[i], 1);
    free(pts.v);
    free(grid);
    return st;
}

/* ---- jump orders ----------------------------------------------------- */

/* |d(b+delta) - d(b-delta)| and the jump threshold 2^-40 max(1, |values|);
 * 1 if d cannot be evaluated on a side */
static int side_diff(const da_expr *d, const mpfr_t b, const mpfr_t delta,
                     mpfr_t diff, mpfr_t thr)
{
    mpfr_t xl, xr, yl, yr;
    mpfr_inits2(JUMP_PREC, xl, xr, yl, yr, (mpfr_ptr)0);
    mpfr_sub(xl, b, delta, MPFR_RNDN);
    mpfr_add(xr, b, delta, MPFR_RNDN);
    int bad = ev_m(yl, d, xl, NULL) || ev_m(yr, d, xr, NULL);
    if (!bad) {
        mpfr_sub(diff, yl, yr, MPFR_RNDN);
        mpfr_abs(diff, diff, MPFR_RNDN);
        mpfr_abs(yl, yl, MPFR_RNDN);
        mpfr_abs(yr, yr, MPFR_RNDN);
        mpfr_max(thr, yl, yr, MPFR_RNDN);
        if (mpfr_cmp_ui(thr, 1) < 0)
            mpfr_set_ui(thr, 1, MPFR_RNDN);
        mpfr_mul_2si(thr, thr, -40, MPFR_RNDN);
    }
    mpfr_clears(xl, xr, yl, yr, (mpfr_ptr)0);
    return bad;
}

/* Lowest k in 0..nd-1 with d^k e/dx^k jumping at b; -1 if none.  The
 * one-sided values are taken at offsets 2^-100 and 2^-120 (relative to
 * max(1, |b|)): a jump is a difference above 2^-40 of the scale that does
 * not shrink with the offset (a Hoelder-continuous cusp such as cbrt(x)
 * at 0 shrinks; a derivative that blows up on a side counts as a jump). */
static int jump_order(da_expr *const *d, int nd, const mpfr_t b)
{
    mpfr_t d1, d2, t1, t2, del1, del2;
    mpfr_inits2(JUMP_PREC, d1, d2, t1, t2, del1, del2, (mpfr_ptr)0);
    mpfr_set_ui_2exp(del1, 1, -100, MPFR_RNDN);
    mpfr_set_ui_2exp(del2, 1, -120, MPFR_RNDN);
    if (mpfr_cmpabs_ui(b, 1) > 0) {
        mpfr_mul_2si(del1, del1, mpfr_get_exp(b), MPFR_RNDN);
        mpfr_mul_2si(del2, del2, mpfr_get_exp(b), MPFR_RNDN);
    }
    int res = -1;
    for (int k = 0; k < nd && res < 0; k++) {
        if (!d[k])
            break;
        if (side_diff(d[k], b, del1, d1, t1) || side_diff(d[k], b, del2, d2, t2)) {
            res = k;
            break;
        }
        if (mpfr_greater_p(d1, t1)) {
            mpfr_div_2ui(d1, d1, 1, MPFR_RNDN);
            if (mpfr_greater_p(d2, d1))
                res = k;
        }
    }
    mpfr_clears(d1, d2, t1, t2, del1, del2, (mpfr_ptr)0);
    return res;
}

/* ---- analysis -------------------------------------------------------- */

void da_expr_info_clear(da_expr_info *info)
{
    if (!info)
        return;
    free(info->brk);
    free(info->jump_order);
    memset(info, 0, sizeof *info);
}

/* interior point of interval i of the m+1 intervals cut by b[0..m-1] */
static double interior_d(const double *b, int m, int i)
{
    if (m == 0)
        return 0.318309886183790671538;   /* 1/pi: away from special points */
    if (i == 0)
        return b[0] - 1;
    if (i == m)
        return b[m - 1] + 1;
    return 0.5 * (b[i - 1] + b[i]);
}

static int piece_tree_d(da_expr **out, const da_expr *e, double x)
{
    mpfr_t mx;
    mpfr_init2(mx, 128);
    mpfr_set_d(mx, x, MPFR_RNDN);
    *out = spec(e, mx);
    mpfr_clear(mx);
    return *out ? 0 : da_fail(DA_ENOMEM, "out of memory");
}

/* growth of an end piece t (side -1: x -> -inf, +1: x -> +inf, 0: both);
 * on BAD the error is raised here, while t (which g.bad points into)
 * lives */
static int end_growth(grow *g, const da_expr *t, int side)
{
    *g = growth_rec(t, side);
    if (g->g != DA_GROWTH_BAD && !g->sure) {
        *g = gr_numeric(t, side);
    } else if (g->g == DA_GROWTH_BAD) {
        /* the symbolic rules see exp(x^2/8) in exp(-x^2)*exp(x^2/8):
         * believe them only if the values agree */
        grow q = gr_numeric(t, side);
        if (q.g != DA_GROWTH_BAD)
            *g = q;
    }
    if (g->g == DA_GROWTH_BAD) {
        /* the proved envelope may still show square integrability:
           |t| <= A |x|^m exp(c|x| + q x^2) with q < 1/4, as for
           exp(x^2/8) (the rigorous engine's tail needs nothing more) */
        da_env en;
        if (da_expr_envelope(&en, t) == DA_OK && en.q < 0.25) {
            g->g = DA_GROWTH_EXP;
            g->p = 64;
            g->sure = 1;
            g->bad = NULL;
            return 0;
        }
    }
    if (g->g == DA_GROWTH_BAD) {
        char *s = da_expr_str(g->bad ? g->bad : t);
        int st = da_fail(DA_EDOM, "%s grows too fast: not square integrable against the Gaussian",
                         s ? s : "the activation");
        free(s);
        return st;
    }
    return 0;
}

int da_expr_analyze(const da_expr *e, da_expr_info *info)
{
    memset(info, 0, sizeof *info);
    if (!e)
        return da_fail(DA_EINVAL, "no expression");
    swlist L;
    candlist C;
    evc_begin();
    int st = find_candidates(e, &L, &C);
    /* a polynomial whose constants evaluate is defined everywhere */
    int defined = 0;
    if (!st && is_poly_tree(e)) {
        poly P;
        int ps = poly_expand(&P, e, 64);
        if (ps == 0) {
            defined = 1;
            poly_clear(&P);
        } else if (ps == DA_ENOMEM) {
            st = DA_ENOMEM;
        }
    }
    if (!st && !defined)
        st = check_domain(e, &C);
    int m = C.n;
    double *brk = NULL;
    if (!st && m > 0) {
        brk = da_malloc((size_t)m * sizeof *brk);
        if (!brk)
            st = DA_ENOMEM;
        for (int i = 0; !st && i < m; i++)
            brk[i] = C.v[i].x;
    }
    /* classes and growth of the pieces */
    grow g = gr_poly(0);
    if (!st) {
        int allpoly = 1, allentire = 1, maxdeg = 0, enddeg = 0;
        double sd = INFINITY;
        for (int i = 0; !st && i <= m; i++) {
            da_expr *t;
            st = piece_tree_d(&t, e, interior_d(brk, m, i));
            if (st)
                break;
            ivl iv = {i == 0 ? -INFINITY : brk[i - 1], i == m ? INFINITY : brk[i]};
            pinfo pi = {1, 1, INFINITY};
            piece_walk(t, &iv, &pi);
            if (pi.poly) {
                poly P;
                int ps = poly_expand(&P, t, 64);
                if (ps == DA_ENOMEM)
                    st = DA_ENOMEM;
                else if (ps) {
                    pi.poly = 0;   /* too large to expand: treat as entire */
                } else {
                    maxdeg = P.deg > maxdeg ? P.deg : maxdeg;
                    if ((i == 0 || i == m) && P.deg > enddeg)
                        enddeg = P.deg;
                    poly_clear(&P);
                }
            }
            if (!pi.poly) {
                allpoly = 0;
                if (!pi.entire)
                    allentire = 0;
                sd = fmin(sd, pi.sd);
            }
            /* growth: at -inf the first piece rules, at +inf the last */
            grow gi;
            if (!st && m == 0)
                st = end_growth(&g, e, 0);
            else if (!st && (i == 0 || i == m)) {
                st = end_growth(&gi, t, i == 0 ? -1 : 1);
                if (!st)
                    g = i == 0 ? gi : gr_max(g, gi);
            }
            da_expr_unref(t);
        }
        if (!st) {
            if (allpoly) {
                info->cls = m == 0 ? DA_CLASS_POLY : DA_CLASS_PWPOLY;
                info->sing_dist = INFINITY;
                info->poly_degree = maxdeg;
                g = gr_poly(enddeg);
            } else if (m == 0) {
                /* no singularity at finite distance found (x/exp(x)):
                 * entire */
                if (!isfinite(sd))
                    allentire = 1;
                info->cls = allentire ? DA_CLASS_ENTIRE : DA_CLASS_POLES;
                info->sing_dist = allentire ? INFINITY : sd;
            } else {
                info->cls = DA_CLASS_PIECEWISE;
                info->sing_dist = sd;
            }
            info->growth = g.g;
            info->growth_param = g.p;
        }
    }
    /* jump orders: e, e', e'', e''' on both sides of each breakpoint */
    da_expr *d[4] = {NULL, NULL, NULL, NULL};
    if (!st && m > 0) {
        info->brk = brk;
        brk = NULL;
        info->jump_order = da_malloc((size_t)m * sizeof *info->jump_order);
        if (!info->jump_order)
            st = DA_ENOMEM;
        d[0] = ref(e);
        for (int k = 1; !st && k < 4; k++) {
            d[k] = da_expr_diff(d[k - 1]);
            if (!d[k])
                st = DA_ENOMEM;
        }
        mpfr_t b;
        mpfr_init2(b, JUMP_PREC);
        for (int i = 0; !st && i < m; i++) {
            refine_cand(b, &C.v[i], &L, JUMP_PREC);
            info->jump_order[i] = jump_order(d, 4, b);
        }
        mpfr_clear(b);
        info->nbreak = m;
    }
    for (int k = 0; k < 4; k++)
        da_expr_unref(d[k]);
    free(brk);
    swlist_free(&L);
    free(C.v);
    evc_end();
    if (st) {
        da_expr_info_clear(info);
        if (st == DA_ENOMEM)
            da_fail(DA_ENOMEM, "out of memory");
    }
    return st;
}

int da_expr_breakpoints_m(const da_expr *e, const da_expr_info *info,
                          mpfr_t *pts, mpfr_prec_t prec)
{
    if (!e || !info)
        return da_fail(DA_EINVAL, "no expression");
    if (info->nbreak == 0)
        return DA_OK;
    swlist L;
    candlist C;
    evc_begin();
    int st = find_candidates(e, &L, &C);
    int j = 0;
    for (int i = 0; !st && i < info->nbreak; i++) {
        while (j < C.n && C.v[j].x < info->brk[i])
            j++;
        if (j >= C.n || C.v[j].x != info->brk[i]) {
            st = da_fail(DA_EINVAL, "breakpoints do not belong to this expression");
            break;
        }
        mpfr_t t;
        mpfr_init2(t, prec);
        refine_cand(t, &C.v[j], &L, prec);
        mpfr_set(pts[i], t, MPFR_RNDN);
        mpfr_clear(t);
    }
    swlist_free(&L);
    free(C.v);
    evc_end();
    if (st == DA_ENOMEM)
        da_fail(DA_ENOMEM, "out of memory");
    return st;
}

void da_pieces_free(da_piece *p, int n)
{
    if (!p)
        return;
    for (int i = 0; i < n; i++) {
        mpfr_clear(p[i].lo);
        mpfr_clear(p[i].hi);
        if (p[i].c) {
            for (int k = 0; k <= p[i].deg; k++)
                mpfr_clear(p[i].c[k]);
            free(p[i].c);
        }
    }
    free(p);
}

static int pieces_of(const da_expr *e, const da_expr_info *info,
                     mpfr_prec_t prec, da_piece **pieces, int *npieces)
{
    *pieces = NULL;
    *npieces = 0;
    if (!e || !info)
        return da_fail(DA_EINVAL, "no expression");
    if (info->cls != DA_CLASS_POLY && info->cls != DA_CLASS_PWPOLY)
        return da_fail(DA_EINVAL, "not a (piecewise) polynomial");
    int m = info->nbreak;
    mpfr_prec_t wp = prec + 32;
    mpfr_t *b = da_malloc((size_t)(m > 0 ? m : 1) * sizeof *b);
    da_piece *P = da_calloc((size_t)m + 1, sizeof *P);
    if (!b || !P) {
        free(b);
        free(P);
        return DA_ENOMEM;
    }
    for (int i = 0; i < m; i++)
        mpfr_init2(b[i], wp);
    int st = da_expr_breakpoints_m(e, info, b, wp);
    int made = 0;
    mpfr_t x;
    mpfr_init2(x, wp);
    for (int i = 0; !st && i <= m; i++) {
        da_piece *q = &P[i];
        mpfr_init2(q->lo, prec);
        mpfr_init2(q->hi, prec);
        made = i + 1;
        if (i == 0)
            mpfr_set_inf(q->lo, -1);
        else
            mpfr_set(q->lo, b[i - 1], MPFR_RNDN);
        if (i == m)
            mpfr_set_inf(q->hi, 1);
        else
            mpfr_set(q->hi, b[i], MPFR_RNDN);
        /* a point inside */
        if (m == 0)
            mpfr_set_d(x, 0.318309886183790671538, MPFR_RNDN);
        else if (i == 0)
            mpfr_sub_ui(x, b[0], 1, MPFR_RNDN);
        else if (i == m)
            mpfr_add_ui(x, b[m - 1], 1, MPFR_RNDN);
        else {
            mpfr_add(x, b[i - 1], b[i], MPFR_RNDN);
            mpfr_div_2ui(x, x, 1, MPFR_RNDN);
        }
        da_expr *t = spec(e, x);
        if (!t) {
            st = DA_ENOMEM;
            break;
        }
        poly A;
        int ps = poly_expand(&A, t, wp);
        da_expr_unref(t);
        if (ps == DA_ENOMEM) {
            st = DA_ENOMEM;
            break;
        }
        if (ps) {
            st = da_fail(DA_EINVAL, "piece %d is not a polynomial", i);
            break;
        }
        poly_trim(&A);
        q->c = da_malloc((size_t)(A.deg + 1) * sizeof *q->c);
        if (!q->c) {
            poly_clear(&A);
            st = DA_ENOMEM;
            break;
        }
        q->deg = A.deg;
        for (int k = 0; k <= A.deg; k++) {
            mpfr_init2(q->c[k], prec);
            mpfr_set(q->c[k], A.c[k], MPFR_RNDN);
        }
        poly_clear(&A);
    }
    mpfr_clear(x);
    for (int i = 0; i < m; i++)
        mpfr_clear(b[i]);
    free(b);
    if (st) {
        da_pieces_free(P, made);
        if (st == DA_ENOMEM)
            da_fail(DA_ENOMEM, "out of memory");
        return st;
    }
    *pieces = P;
    *npieces = m + 1;
    return DA_OK;
}

int da_expr_pieces(const da_expr *e, const da_expr_info *info,
                   mpfr_prec_t prec, da_piece **out, int *npieces)
{
    evc_begin();
    int st = pieces_of(e, info, prec, out, npieces);
    evc_end();
    return st;
}

/* analyze_eval.c -- tree predicates and the evaluation of subtrees through the
 * expression tape (a per-call cache of compiled subtrees).
 * Part of the expression analysis: see expr_analyze.c. */
#include "act/analyze_impl.h"
#include "act/expr_fn.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- tree predicates ------------------------------------------------ */

int an_is_cmp(da_op op)
{
    return op == DA_E_LT || op == DA_E_LE || op == DA_E_GT || op == DA_E_GE ||
           op == DA_E_EQ || op == DA_E_NE;
}

int an_is_entire_fn(da_fn f)
{
    return da_fn_get(f)->entire;
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

void an_evc_begin(void)
{
    if (evc.depth++ == 0)
        mpfr_init2(evc.y, 64);
}

void an_evc_end(void)
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
int an_ev_m(mpfr_t r, const da_expr *e, const mpfr_t x, const char **why)
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
long double an_ev_ld(const da_expr *e, long double x)
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
int an_const_m(mpfr_t r, const da_expr *e)
{
    mpfr_t z;
    mpfr_init2(z, 2);
    mpfr_set_zero(z, 1);
    int st = an_ev_m(r, e, z, NULL);
    mpfr_clear(z);
    return st;
}

double an_const_d(const da_expr *e)
{
    mpfr_t r;
    mpfr_init2(r, 64);
    double v = an_const_m(r, e) ? NAN : mpfr_get_d(r, MPFR_RNDN);
    mpfr_clear(r);
    return v;
}

/* gl_arb.c -- cached Gauss-Legendre rules in ball arithmetic.
 *
 * The k-th root of P_n and its weight come from
 * arb_hypgeom_legendre_p_ui_root, which encloses both rigorously: a rule
 * made of these balls integrates polynomials of degree <= 2n - 1 with
 * balls that contain the exact integral.  Only the error of the rule on a
 * non-polynomial integrand has to be bounded by the caller.
 *
 * The cache is per thread (no locks, no sharing): a list of rules keyed
 * by (n, precision rounded up to a multiple of 64 bits), so that results
 * are reproducible whatever was computed before.  da_gl_cache_clear
 * frees the calling thread's rules.
 */
#include "core/core.h"
#include "quad/gl_arb.h"

#include <stdlib.h>

typedef struct glrule {
    long n;
    slong prec;
    arb_ptr x, w;
    struct glrule *next;
} glrule;

static _Thread_local glrule *cache;

int da_gl_rule(arb_srcptr *x, arb_srcptr *w, long n, slong prec)
{
    /* the precision rounded up to a multiple of 64, and only that one
       reused: a result then depends on its own request alone, never on
       what the thread computed before (a rule kept at a higher precision
       would give other midpoints: equally proved, but not reproducible) */
    prec = (prec + 63) / 64 * 64;
    for (glrule *r = cache; r; r = r->next)
        if (r->n == n && r->prec == prec) {
            *x = r->x;
            *w = r->w;
            return DA_OK;
        }
    glrule *r = da_calloc(1, sizeof *r);
    if (!r)
        return DA_ENOMEM;
    r->n = n;
    r->prec = prec;
    r->x = _arb_vec_init(n);
    r->w = _arb_vec_init(n);
    /* the roots come in pairs +-x: make half, mirror the rest */
    for (long k = 0; k < (n + 1) / 2; k++) {
        arb_hypgeom_legendre_p_ui_root(r->x + k, r->w + k, (ulong)n, (ulong)k, prec);
        if (n - 1 - k != k) {
            arb_neg(r->x + (n - 1 - k), r->x + k);
            arb_set(r->w + (n - 1 - k), r->w + k);
        }
    }
    r->next = cache;
    cache = r;
    *x = r->x;
    *w = r->w;
    return DA_OK;
}

void da_gl_cache_clear(void)
{
    while (cache) {
        glrule *r = cache;
        cache = r->next;
        _arb_vec_clear(r->x, r->n);
        _arb_vec_clear(r->w, r->n);
        free(r);
    }
}

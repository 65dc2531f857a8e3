/* gl_arb.h -- Gauss-Legendre rules in ball arithmetic (gl_arb.c).
 * Internal. */
#ifndef DA_GL_ARB_H
#define DA_GL_ARB_H

#include "core/arbinc.h"

/* The n-point Gauss-Legendre rule on [-1, 1] at precision prec: nodes
 * x[0..n-1] and weights w[0..n-1] as balls that contain the exact ones
 * (Arb's arb_hypgeom_legendre_p_ui_root), at prec rounded up to a
 * multiple of 64.  Rules are cached per thread for (n, that precision);
 * the arrays belong to the cache and stay valid until da_gl_cache_clear()
 * in the same thread.  DA_OK or DA_ENOMEM. */
int da_gl_rule(arb_srcptr *x, arb_srcptr *w, long n, slong prec);
void da_gl_cache_clear(void);

/* A ball of the rules kept as data (gl_table.h), exactly. */
#include "quad/gl_table.h"
void da_gl_table_ball(arb_t y, const da_gl_tball *b);

#endif

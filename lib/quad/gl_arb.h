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

/* The error bound of the n-point rule on an interval of half-width r for
 * g analytic inside the Bernstein ellipse E_rho with |g| <= 1 there:
 * s >= r (64/15) rho^{-2n} / (rho^2 - 1) (Trefethen, ATAP Thm 19.3),
 * formed in Arb for any rho; infinite when rho <= 1 or not finite. */
void da_gl_err_scale(mag_t s, const mag_t r, double rho, long n);

/* Upper bounds al >= r (rho + 1/rho)/2 and be >= r (rho - 1/rho)/2 of
 * the semi-axes of E_rho for an interval of half-width r >= 0, formed in
 * Arb (no cancellation assumed: any rho > 1; infinite otherwise). */
void da_gl_ellipse_axes(mag_t al, mag_t be, double r, double rho);

/* Box j of K (0 <= j < K, K a power of 2 up to 2^20) of the cover of the
 * ellipse with centre m and semi-axes al, be by boxes side by side along
 * the real axis: real parts the ball m + al [u_j, u_{j+1}],
 * u_j = -1 + 2j/K, and |Im| <= be sqrt(1 - umin^2) with umin the smallest
 * |u| on [u_j, u_{j+1}], every bound rounded outwards by Arb (the real
 * midpoint exact, so that the box is no wider than the ellipse's range). */
void da_gl_ellipse_box(acb_t Z, const arf_t m, const mag_t al, const mag_t be, int j, int K);

/* F >= sup |phi(z)| = exp((y^2 - x^2)/2)/sqrt(2 pi) over the box
 * z = x + iy in Z, in mag arithmetic (directed roundings). */
void da_phi_box_sup(mag_t F, const acb_t Z);

/* A ball of the rules kept as data (gl_table.h), exactly. */
#include "quad/gl_table.h"
void da_gl_table_ball(arb_t y, const da_gl_tball *b);

#endif

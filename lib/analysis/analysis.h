/* analysis.h -- the conditioning analyses (internal).
 *
 *   depth.c     minimal depth L* with proved enclosures, and the
 *               theoretical bounds (potential, two-phase, majorant)
 *   data.c      data sets: files (CSV / whitespace), random points on the
 *               sphere, delta-separated points; rows scaled to unit norm
 *   gram.c      kernel matrices over depth (NNGP, normalized NTK):
 *               extreme eigenvalues (full GSL spectrum or Lanczos),
 *               Gershgorin, effective ranks
 *   simulate.c  finite-width random networks against the infinite-width
 *               prediction
 *
 * See docs/analysis.md. */
#ifndef DA_ANALYSIS_INTERNAL_H
#define DA_ANALYSIS_INTERNAL_H

#include "dualact.h"
#include <gsl/gsl_rng.h>

/* The options of a depth search (depth.c, depth_bias.c): *o copied into
 * *dst (the defaults when o is NULL), then digits raised to 5,
 * max_digits to digits and max_depth to 1. */
void da_depth_opts_fix(da_depth_opts *dst, const da_depth_opts *o);

/* One random layer of a finite-width network, for m inputs at once: out
 * (m x W, row-major) = (sigma(h) - mean)/sd with h = Wmat in, in (m x
 * fan), Wmat a fresh W x fan matrix of N(0, scale^2) entries drawn row
 * by row from r; wrow is scratch of fan doubles.  The simulator of
 * `simulate` and of the learnability check (lib/learn/mc.c). */

void da_sim_net_layer(double *out, const double *in, long m, long fan, long W, gsl_rng *r,
                  double *wrow, const da_act *act, double mean, double sd, double scale);

/* Eigenvalues of the symmetric n x n matrix a (row-major, destroyed),
 * sorted decreasingly into ev[0..n-1] (GSL gsl_eigen_symm). */
int da_gram_eigen_full(double *ev, double *a, size_t n);

/* The input kernel x.y/d of two data points as a ball holding the double
 * dot product's rounding and underflow (gram_net.c). */
void da_gram_dot_ball(da_ball q, const double *x, const double *y, size_t d);

#endif

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

/* Mean and standard deviation (double) of the raw activation, for the
 * normalized activation (sigma - mean)/sd used by the simulations. */
int da_sim_moments(double *mean, double *sd, const da_act *act);

/* Eigenvalues of the symmetric n x n matrix a (row-major, destroyed),
 * sorted decreasingly into ev[0..n-1] (GSL gsl_eigen_symm). */
int da_gram_eigen_full(double *ev, double *a, size_t n);

#endif

/* dualact.h -- the umbrella header of libdualact.
 *
 * dualact computes Hermite expansions and dual activations (kernel maps)
 * of activation functions, in double and in arbitrary precision (MPFR),
 * with an absolute error bound on every number.
 *
 * One header per stage of the path through the library, included here in
 * that order; each may also be included alone, as <dualact/NAME.h>.
 *
 *   dualact/core.h      version, status codes, errors, balls, caches    da_ball_*, ...
 *   dualact/act.h       1. activations (catalogue names, formulas in x) da_act_*
 *   dualact/hermite.h   2. Hermite expansion, quadrature rules          da_hermite_*, da_gh_*
 *   dualact/dual.h      3. dual activation, kernel maps, network        da_dual_*, da_kmap_*,
 *                          kernels, mean field                          da_netk_*, da_meanfield_*
 *   dualact/net.h       3b. networks: dense, activations, layernorm,    da_net_*
 *                          residual and repeated blocks
 *   dualact/analysis.h  4. minimal depth, Gram matrices, simulation     da_depth_*, da_gram_*, da_sim_*
 *   dualact/learn.h     5. learnability: degree and harmonic spectra    da_learn_*, da_sphere_*
 *   dualact/report.h    6. tables, JSON strings, figures                da_table_*, da_plot_*
 *
 * Conventions (docs/manual.md, section 7, "Conventions"):
 *   - a function that can fail returns an int status: DA_OK (0) or one of
 *     the positive DA_E* codes; on error a one-line description is
 *     available from da_errmsg();
 *   - arguments come in the order outputs, inputs, options, precision;
 *   - the library never prints and never exits;
 *   - every numerical result is a ball: a midpoint and a radius that bounds
 *     the absolute error from above (radius rounded upwards).
 */
#ifndef DUALACT_H
#define DUALACT_H

#include "dualact/core.h"
#include "dualact/act.h"
#include "dualact/hermite.h"
#include "dualact/dual.h"
#include "dualact/net.h"
#include "dualact/analysis.h"
#include "dualact/learn.h"
#include "dualact/report.h"

#endif /* DUALACT_H */

/* sim_cost.c -- the work and memory of da_learn_simulate, estimated before
 * any is done (for callers that refuse work up front). */
#include "core/core.h"

/* Per network and layer the simulation draws W x fan_in weights (about
 * 1e8 per second, GSL's mt19937 and Box-Muller) and makes n W fan_in
 * multiply-adds for the n inputs (about 1.5e9 per second): 1e-8 s per
 * weight plus 7e-10 s per weight and input, measured on a 2-core
 * machine.  In memory: the W x max(W, d) weight matrix, the activations
 * of the n inputs (n max(W, d) and n W), the inputs (n d) and the output
 * weights (W), in doubles. */
double da_sim_cost(const da_sim_opts *o, double *bytes)
{
    double W = (double)o->width, d = (double)o->dim, n = (double)o->inputs;
    double wmax = W > d ? W : d;
    double depth = o->depth >= 1 ? (double)o->depth : 1;
    if (bytes)
        *bytes = 8 * (W * wmax + n * wmax + n * W + n * d + W);
    double per = W * (d + (depth - 1) * W);
    return (double)o->networks * per * (1e-8 + n * 7e-10);
}

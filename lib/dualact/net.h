/* dualact/net.h -- networks as people build them (stage 3b: after the
 * kernel maps of one activation, before the analyses).
 *
 * A network is a sequence of layers in neural-tangents' conventions (NTK
 * parameterisation), written as a spec string, layers separated by ';':
 *     dense(SW2,SB2)          K <- SW2 K + SB2;  Theta <- SW2 Theta + K_new
 *     ACT                     any activation (catalogue name, stax name or
 *                             formula in x): K <- E[s(u) s(v)],
 *                             Theta <- E[s'(u) s'(v)] Theta
 *     layernorm | layernorm(EPS)
 *                             K_ij <- K_ij / sqrt((K_ii + EPS)(K_jj + EPS)),
 *                             Theta_ij likewise (EPS default 0)
 *     residual(ALPHA,BETA){LAYERS}
 *                             K <- ALPHA K + BETA branch_K(K),
 *                             Theta <- ALPHA Theta + BETA branch_Theta
 *     repeat(L){LAYERS}       the layers L times (0 <= L <= 100000)
 *     identity                nothing
 * e.g. "dense(1.5,0.1); repeat(3){erf; dense(1.5,0.1)};
 *       residual(1,0.5){relu; dense(2,0)}; layernorm".
 * Blocks nest at most 64 deep.  Keywords are case-insensitive (Dense, LayerNorm, Identity as in
 * neural-tangents); numbers are decimals, taken as balls.  The inputs
 * enter through their kernel q1 = x.x/d, q2 = x'.x'/d, c = x.x'/d, and
 * Theta starts at 0 (docs/manual.md, "Networks"; docs/numerics.md 7.3). */
#ifndef DUALACT_NET_H
#define DUALACT_NET_H

#include "dualact/core.h"

/* ------------------------------------------------------------------ */
/* 3b. Networks: dense, activations, layernorm, residual blocks       */
/* ------------------------------------------------------------------ */

typedef struct da_net da_net;
typedef struct {
    long digits;   /* target absolute error 10^-digits of every layer (default 30) */
} da_net_opts;
void da_net_opts_init(da_net_opts *o);
/* Parses spec.  DA_EINVAL with a one-line message naming the character
 * position ("network: at character 17: ..."; da_errcol() gives it), also
 * for more than 100000 layers in all (repeat unrolled). */
int da_net_new(da_net **net, const char *spec, const da_net_opts *o);
void da_net_free(da_net *net);
/* The number of rows da_net_kernel writes: the input, then one per layer
 * of the top level (repeat unrolled; a residual block is one row). */
long da_net_rows(const da_net *net);

typedef struct {
    long layer;               /* 0: the input */
    const char *name;         /* the layer as written ("input" for row 0);
                                 valid while the network lives */
    da_ball_struct q1, q2;    /* K(x, x), K(x', x') */
    da_ball_struct nngp;      /* K(x, x') */
    da_ball_struct ntk;       /* Theta(x, x') */
} da_net_row;
void da_net_row_init(da_net_row *row);
void da_net_row_clear(da_net_row *row);
/* The kernels after every layer, on the input kernel q1 > 0, q2 > 0,
 * c^2 <= q1 q2 (balls; equal exact balls q1 = q2 = c mean x = x').
 * rows: da_net_rows(net) entries, initialised.  DA_OK; DA_EACCURACY
 * (every row valid, some radius above 10^-digits, or not finite beyond
 * some layer: those rows are NaN +- Inf); the statuses of da_netk_eval.
 * A network is used by one thread at a time. */
int da_net_kernel(da_net_row *rows, da_net *net, const da_ball q1, const da_ball q2,
                  const da_ball c);
/* 1 when every radius of the last da_net_kernel is a proof (every
 * activation's kernel rigorous, da_netk_rigorous); 0 with the reason. */
int da_net_rigorous(const da_net *net);
const char *da_net_bound_reason(const da_net *net);

#endif

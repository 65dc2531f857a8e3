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

/* ------------------------------------------------------------------ */
/* 3b. Blocks: a network's repeated block, its correlation map, depth  */
/* ------------------------------------------------------------------ */

/* A block is a network (da_net_new) read as the layers that repeat: the
 * depth-L network is the input layer dense(1,0), so that Theta^(0) =
 * K^(0), then the block L times (in kernel --net's words "dense(1,0);
 * repeat(L){BLOCK}").  Two inputs of equal variance q (K(x,x) = K(x',x')
 * = q, K(x,x') = rho q) keep equal variances through every layer; the
 * variance q_l is carried along (it is not assumed fixed), and the
 * block's correlation map is rho_l = K_l(x,x')/q_l, its normalized NTK
 * Theta_l(x,x')/Theta_l(x,x) (docs/numerics.md 7.4). */
typedef struct {
    long layer;                /* l = 0 .. depth: blocks applied */
    da_ball_struct q;          /* K_l(x,x) = K_l(x',x') */
    da_ball_struct rho;        /* K_l(x,x') / q_l */
    da_ball_struct ntk;        /* Theta_l(x,x') / Theta_l(x,x) */
    da_ball_struct slope;      /* d rho_l / d rho_0 */
} da_net_block_row;
void da_net_block_row_init(da_net_block_row *row);
void da_net_block_row_clear(da_net_block_row *row);
/* rows: depth + 1 entries, initialised (0 <= depth <= 100000), the
 * block applied to q > 0 and rho in [-1, 1] (balls).  DA_OK;
 * DA_EACCURACY (some value not finite beyond some layer: those rows are
 * NaN +- Inf); DA_EINVAL; the statuses of da_netk_eval.  The values are
 * proved when da_net_rigorous(block) is 1 afterwards. */
int da_net_block_iterate(da_net_block_row *rows, da_net *block, const da_ball q,
                         const da_ball rho, long depth);

/* The rates of one block at input variance q: q_out = q_1; rho0 = the
 * correlation C(0) of orthogonal inputs after it, slope0 = C'(0);
 * slope1 = C'(1), the slope at identical inputs (C the block's
 * correlation map at variance q).  A residual block alpha K + beta
 * branch with a normalized branch sigma_hat has slope0 = alpha + beta
 * a_1^2, slope1 = alpha + beta sigma_hat'(1). */
typedef struct {
    da_ball_struct q_out, rho0, slope0, slope1;
} da_net_block_rates;
void da_net_block_rates_init(da_net_block_rates *r);
void da_net_block_rates_clear(da_net_block_rates *r);
int da_net_block_rates_compute(da_net_block_rates *r, da_net *block, const da_ball q);

/* The minimal depth of a block, as da_depth_find for one activation: for
 * delta-separated unit inputs (q = 1, |rho| <= 1 - delta) the worst pair
 * is rho = 1 - delta (every layer's map is nondecreasing on [0, q] and
 * |C(rho)| <= C(|rho|): docs/numerics.md 7.4); L* is the least L with
 * k_L(1 - delta) <= eps/(n-1), k_L = rho_L (ntk = 0) or the normalized
 * NTK (ntk = 1); every l < L* is shown above the threshold. */
typedef struct {
    long digits;       /* first working accuracy (default 30) */
    long max_digits;   /* doubled up to this when undecided (default 480) */
    long max_depth;    /* search limit (default 100000) */
} da_net_depth_opts;
void da_net_depth_opts_init(da_net_depth_opts *o);
typedef struct {
    long depth;                /* L*, proved when DA_OK; the candidate or -1 otherwise */
    da_ball_struct value;      /* k_{L*}(1 - delta) */
    da_ball_struct previous;   /* k_{L*-1}(1 - delta) (NaN when L* = 0) */
    da_ball_struct threshold;  /* eps/(n-1) */
    long digits_used;
    int rigorous;              /* every activation's kernel rigorous (da_net_rigorous) */
    char reason[512];          /* why not, "" when rigorous */
} da_net_depth_result;
void da_net_depth_result_init(da_net_depth_result *r);
void da_net_depth_result_clear(da_net_depth_result *r);
/* delta in (0, 1], eps in (0, n - 1), n >= 2.  DA_OK (proved),
 * DA_EACCURACY (undecided up to max_digits, or above the threshold up to
 * max_depth: r->depth the candidate or -1, da_errmsg says which),
 * DA_EINVAL (a bad spec: the message has the position), DA_EINFINITE
 * (ntk = 1 through an activation that jumps). */
int da_net_block_depth(da_net_depth_result *r, const char *block, int ntk, const da_ball delta,
                       const da_ball eps, long n, const da_net_depth_opts *o);

#endif

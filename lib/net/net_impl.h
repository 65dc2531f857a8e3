/* net_impl.h -- the parsed network (spec.c) that kernel.c evaluates. */
#ifndef DA_NET_IMPL_H
#define DA_NET_IMPL_H

#include "dualact/act.h"
#include "dualact/dual.h"
#include "dualact/net.h"

typedef enum { NL_DENSE, NL_ACT, NL_LAYERNORM, NL_RESIDUAL, NL_REPEAT, NL_IDENTITY } nl_kind;

struct nl_seq;
typedef struct {
    nl_kind kind;
    char *text;              /* the layer as written */
    da_ball_struct a, b;     /* dense: sw2, sb2; residual: alpha, beta; layernorm: eps (a) */
    long count;              /* repeat */
    da_act *act;             /* activation */
    da_netk *k;
    struct nl_seq *body;     /* residual, repeat */
} nl_layer;

typedef struct nl_seq {
    size_t n;
    nl_layer *v;
} nl_seq;

struct da_net {
    nl_seq top;
    long rows;               /* da_net_rows */
    long digits;
    mpfr_prec_t prec;
    int rigorous;
    char reason[512];
};

#define DA_NET_MAX_LAYERS 100000L

/* The state of two inputs carried through layers (kernel.c): K(x,x),
 * K(x',x'), K(x,x'), Theta(x,x'), and D = dK(x,x')/dc, the derivative
 * with respect to the input covariance c at fixed variances. */
typedef struct {
    da_ball K11, K22, K12, T, D;
} nl_state_t;
void da_net_state_init(nl_state_t *s, mpfr_prec_t p);
void da_net_state_clear(nl_state_t *s);
/* The top-level layers of net once on s; mode 0: two inputs, 1:
 * identical inputs (K11 = K22 = K12 exactly), 2: equal variances (K22
 * is taken equal to K11).  DA_OK, DA_EACCURACY (not finite), the
 * statuses of da_netk_eval.  net->rigorous is cleared, never set. */
int da_net_step(da_net *net, nl_state_t *s, int mode);

#endif

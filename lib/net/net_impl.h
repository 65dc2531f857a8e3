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

#endif

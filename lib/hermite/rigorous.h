/* rigorous.h -- the proved Hermite engine (rigorous.c).  Internal. */
#ifndef DA_RIGOROUS_H
#define DA_RIGOROUS_H

#include "core/arbinc.h"
#include "act/act.h"
#include "core/core.h"

typedef struct {
    long N;                 /* a_0 .. a_N */
    slong prec;             /* working precision, bits */
    double log2_tol;        /* absolute target of every a_k, E s^2, E s'^2 */
    int want_d;             /* also E sigma'^2 (needs the derivative) */
    long max_intervals;     /* work budget */
    long max_nodes;
    double max_seconds;
    void (*progress)(void *ctx, long intervals, long nodes);
    void *progress_ctx;
    da_prog *prog;          /* the caller's progress report, or NULL: own */
} da_rig_opts;

void da_rig_opts_init(da_rig_opts *o);

typedef struct {
    long N;
    int init;
    arb_ptr a;              /* a_k = E[sigma h_k] (orthonormal), proved balls */
    arb_t s2, d2;           /* E sigma^2, E sigma'^2 */
    int d2_ok;
    long nodes, intervals, slivers;
    double T;
    int budget_hit;
    char why[200];          /* why no proof (DA_EDOM) or why wide (budget) */
} da_rig_result;

void da_rig_result_clear(da_rig_result *r);

/* DA_OK: every ball is proved and (normally) within 2^log2_tol;
 * DA_EACCURACY: proved, but the budget ran out (wider balls);
 * DA_EDOM: no proof possible here (res->why says which piece; no message
 * is recorded); DA_ENOMEM.  dact: the derivative, or NULL. */
int da_rig_compute(da_rig_result *res, const da_act *act, const da_act *dact,
                   const da_rig_opts *o);

#endif

/* block.c -- a network's repeated block (dualact/net.h): its correlation
 * map iterated in ball arithmetic, its slopes at 0 and 1, and the proved
 * minimal depth L* of delta-separated inputs, as lib/analysis/depth.c for
 * one activation (docs/numerics.md 7.4, docs/analysis.md).
 *
 * Two inputs of equal variance are carried as two states through
 * da_net_step: the pair (K11 = K22 = q_l, K12, Theta12, D = dK12/drho_0)
 * with equal variances, and the diagonal (x = x': K11 = K12 = q_l,
 * Theta11) for the normalized NTK.  The depth-0 state is that of the
 * input layer dense(1,0): K = the input kernel, Theta = K. */
#define _POSIX_C_SOURCE 200809L
#include "net/net_impl.h"
#include "core/core.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int finite_ball(const da_ball_struct *b)
{
    return mpfr_number_p(b->mid) && mpfr_number_p(b->rad);
}

static void nan_ball(da_ball_struct *b)
{
    mpfr_set_nan(b->mid);
    mpfr_set_inf(b->rad, 1);
}

void da_net_block_row_init(da_net_block_row *row)
{
    row->layer = 0;
    da_ball_init2(&row->q, 64);
    da_ball_init2(&row->rho, 64);
    da_ball_init2(&row->ntk, 64);
    da_ball_init2(&row->slope, 64);
}

void da_net_block_row_clear(da_net_block_row *row)
{
    da_ball_clear(&row->q);
    da_ball_clear(&row->rho);
    da_ball_clear(&row->ntk);
    da_ball_clear(&row->slope);
}

/* the walk: pair and diagonal states, started at (q, rho) */
typedef struct {
    nl_state_t pair, diag;
    int pair_mode;            /* 2: equal variances; 1: rho = 1 exactly (x = x') */
    mpfr_prec_t prec;
} walk;

static void zero(da_ball b)
{
    mpfr_set_zero(b->mid, 1);
    mpfr_set_zero(b->rad, 1);
}

static int exact_one(const da_ball b)
{
    return mpfr_zero_p(b->rad) && mpfr_cmp_ui(b->mid, 1) == 0;
}

static void walk_init(walk *w, const da_net *net, const da_ball q, const da_ball rho)
{
    w->prec = net->prec;
    da_net_state_init(&w->pair, w->prec);
    da_net_state_init(&w->diag, w->prec);
    w->pair_mode = exact_one(rho) ? 1 : 2;
    /* pair: K11 = K22 = q, K12 = rho q, Theta = K12, D = dK12/drho = q */
    da_ball_set(w->pair.K11, q);
    da_ball_set(w->pair.K22, q);
    if (w->pair_mode == 1)
        da_ball_set(w->pair.K12, q);
    else
        da_ball_mul(w->pair.K12, rho, q);
    da_ball_set(w->pair.T, w->pair.K12);
    da_ball_set(w->pair.D, q);
    /* diagonal: K = q, Theta = q */
    da_ball_set(w->diag.K11, q);
    da_ball_set(w->diag.K22, q);
    da_ball_set(w->diag.K12, q);
    da_ball_set(w->diag.T, q);
    zero(w->diag.D);
}

static void walk_clear(walk *w)
{
    da_net_state_clear(&w->pair);
    da_net_state_clear(&w->diag);
}

/* one block; want_ntk: the diagonal too */
static int walk_step(walk *w, da_net *net, int want_ntk)
{
    int st = da_net_step(net, &w->pair, w->pair_mode);
    if (!st && want_ntk)
        st = da_net_step(net, &w->diag, 1);
    return st;
}

/* rho = K12/K11, ntk = T/Tdiag, slope = D/K11 at the walk's precision */
static void walk_read(da_ball rho, da_ball ntk, da_ball slope, const walk *w)
{
    if (rho && da_ball_div(rho, w->pair.K12, w->pair.K11) != DA_OK)
        nan_ball(rho);
    if (ntk && da_ball_div(ntk, w->pair.T, w->diag.T) != DA_OK)
        nan_ball(ntk);
    if (slope && da_ball_div(slope, w->pair.D, w->pair.K11) != DA_OK)
        nan_ball(slope);
}

static void set_at(da_ball_struct *d, const da_ball_struct *s, mpfr_prec_t p)
{
    mpfr_set_prec(d->mid, p);
    da_ball_set(d, s);
}

static int check_inputs(const da_ball q, const da_ball rho)
{
    if (!finite_ball(q) || !finite_ball(rho) || mpfr_sgn(q->mid) <= 0 ||
        mpfr_cmp(q->rad, q->mid) >= 0)
        return da_fail(DA_EINVAL, "block: the input variance q must be a positive number");
    if (mpfr_cmpabs_ui(rho->mid, 1) > 0)
        return da_fail(DA_EINVAL, "block: rho must lie in [-1, 1]");
    return DA_OK;
}

int da_net_block_iterate(da_net_block_row *rows, da_net *block, const da_ball q,
                         const da_ball rho, long depth)
{
    if (depth < 0 || depth > DA_NET_MAX_LAYERS)
        return da_fail(DA_EINVAL, "block: depth %ld outside 0 .. 100000", depth);
    int st = check_inputs(q, rho);
    if (st)
        return st;
    block->rigorous = 1;
    block->reason[0] = 0;
    walk w;
    walk_init(&w, block, q, rho);
    long l = 0;
    for (;; l++) {
        da_net_block_row *r = &rows[l];
        r->layer = l;
        set_at(&r->q, w.pair.K11, w.prec);
        mpfr_set_prec(r->rho.mid, w.prec);
        mpfr_set_prec(r->ntk.mid, w.prec);
        mpfr_set_prec(r->slope.mid, w.prec);
        walk_read(&r->rho, &r->ntk, &r->slope, &w);
        if (l == depth)
            break;
        st = walk_step(&w, block, 1);
        if (st)
            break;
    }
    walk_clear(&w);
    if (st == DA_EACCURACY || (st == DA_OK && l < depth)) {
        for (long i = l + 1; i <= depth; i++) {
            rows[i].layer = i;
            nan_ball(&rows[i].q);
            nan_ball(&rows[i].rho);
            nan_ball(&rows[i].ntk);
            nan_ball(&rows[i].slope);
        }
        return da_fail(DA_EACCURACY, "block: the enclosures are not finite beyond block %ld", l);
    }
    return st;
}

void da_net_block_rates_init(da_net_block_rates *r)
{
    da_ball_init2(&r->q_out, 64);
    da_ball_init2(&r->rho0, 64);
    da_ball_init2(&r->slope0, 64);
    da_ball_init2(&r->slope1, 64);
}

void da_net_block_rates_clear(da_net_block_rates *r)
{
    da_ball_clear(&r->q_out);
    da_ball_clear(&r->rho0);
    da_ball_clear(&r->slope0);
    da_ball_clear(&r->slope1);
}

int da_net_block_rates_compute(da_net_block_rates *r, da_net *block, const da_ball q)
{
    da_ball rho;
    da_ball_init2(rho, 64);
    zero(rho);
    int st = check_inputs(q, rho);
    if (st) {
        da_ball_clear(rho);
        return st;
    }
    block->rigorous = 1;
    block->reason[0] = 0;
    mpfr_prec_t p = block->prec;
    da_ball_struct *all[4] = {&r->q_out, &r->rho0, &r->slope0, &r->slope1};
    for (int j = 0; j < 4; j++) {
        mpfr_set_prec(all[j]->mid, p);
        nan_ball(all[j]);
    }
    /* at rho = 0 (equal variances) and at rho = 1 (identical inputs) */
    walk w0, w1;
    walk_init(&w0, block, q, rho);
    mpfr_set_ui(rho->mid, 1, MPFR_RNDN);
    walk_init(&w1, block, q, rho);
    st = walk_step(&w0, block, 0);
    if (!st) {
        da_ball_set(&r->q_out, w0.pair.K11);
        walk_read(&r->rho0, NULL, &r->slope0, &w0);
        st = walk_step(&w1, block, 0);
        if (!st)
            walk_read(NULL, NULL, &r->slope1, &w1);
    }
    walk_clear(&w0);
    walk_clear(&w1);
    da_ball_clear(rho);
    if (st == DA_EACCURACY)
        return da_fail(DA_EACCURACY, "block: the rates are not enclosed (not finite)");
    return st;
}

/* ---------------------------------------------------------------- */
/* the minimal depth                                                  */
/* ---------------------------------------------------------------- */

void da_net_depth_opts_init(da_net_depth_opts *o)
{
    o->digits = 30;
    o->max_digits = 480;
    o->max_depth = 100000;
}

void da_net_depth_result_init(da_net_depth_result *r)
{
    memset(r, 0, sizeof *r);
    da_ball_init2(&r->value, 64);
    da_ball_init2(&r->previous, 64);
    da_ball_init2(&r->threshold, 64);
    r->depth = -1;
}

void da_net_depth_result_clear(da_net_depth_result *r)
{
    da_ball_clear(&r->value);
    da_ball_clear(&r->previous);
    da_ball_clear(&r->threshold);
}

static void lo_end(mpfr_t x, const da_ball b) { mpfr_sub(x, b->mid, b->rad, MPFR_RNDD); }
static void hi_end(mpfr_t x, const da_ball b) { mpfr_add(x, b->mid, b->rad, MPFR_RNDU); }

/* one search at the block's precision: *found 1 proved, 0 undecided at
 * some layer (candidate set), -1 above the threshold up to max_depth;
 * or an error status */
static int search(da_net_depth_result *res, int *found, long *cand, da_net *net, int ntk,
                  const da_ball delta, const da_ball eps, long n, long max_depth)
{
    mpfr_prec_t p = net->prec + 32;
    da_ball q, rho, thr, v, tmp;
    da_ball_init2(q, p);
    da_ball_init2(rho, p);
    da_ball_init2(thr, p);
    da_ball_init2(v, p);
    da_ball_init2(tmp, p);
    mpfr_t lo, hi, tlo, thi;
    mpfr_inits2(p, lo, hi, tlo, thi, (mpfr_ptr)0);
    *found = -1;
    *cand = -1;
    mpfr_set_ui(q->mid, 1, MPFR_RNDN);
    mpfr_set_zero(q->rad, 1);
    mpfr_set_ui(tmp->mid, 1, MPFR_RNDN);
    mpfr_set_zero(tmp->rad, 1);
    da_ball_sub(rho, tmp, delta);
    mpfr_set_si(tmp->mid, n - 1, MPFR_RNDN);
    int st = da_ball_div(thr, eps, tmp);
    walk w;
    walk_init(&w, net, q, rho);
    if (st)
        goto out;
    lo_end(tlo, thr);
    hi_end(thi, thr);
    int prev_set = 0;
    for (long l = 0; l <= max_depth; l++) {
        walk_read(ntk ? NULL : v, ntk ? v : NULL, NULL, &w);
        if (!finite_ball(v)) {
            *found = 0;
            break;
        }
        lo_end(lo, v);
        hi_end(hi, v);
        if (*cand < 0 && mpfr_cmp(v->mid, thr->mid) <= 0)
            *cand = l;
        if (mpfr_cmp(hi, tlo) <= 0) {
            res->depth = l;
            set_at(&res->value, v, p);
            if (!prev_set)
                nan_ball(&res->previous);
            set_at(&res->threshold, thr, p);
            *found = 1;
            break;
        }
        if (!(mpfr_cmp(lo, thi) > 0)) {
            *found = 0;   /* undecided at layer l */
            if (*cand < 0)
                *cand = l;
            break;
        }
        set_at(&res->previous, v, p);
        prev_set = 1;
        if (l == max_depth)
            break;
        st = walk_step(&w, net, ntk);
        if (st == DA_EACCURACY) {
            st = DA_OK;
            *found = 0;
            if (*cand < 0)
                *cand = l + 1;
            break;
        }
        if (st)
            break;
        /* a ball that has lost every digit will not decide anything */
        if (mpfr_cmp_d(w.pair.K12->rad, 1e300) > 0) {
            *found = 0;
            break;
        }
    }
out:
    walk_clear(&w);
    da_ball_clear(q);
    da_ball_clear(rho);
    da_ball_clear(thr);
    da_ball_clear(v);
    da_ball_clear(tmp);
    mpfr_clears(lo, hi, tlo, thi, (mpfr_ptr)0);
    return st;
}

int da_net_block_depth(da_net_depth_result *r, const char *block, int ntk, const da_ball delta,
                       const da_ball eps, long n, const da_net_depth_opts *o)
{
    da_net_depth_opts d;
    if (!o) {
        da_net_depth_opts_init(&d);
        o = &d;
    }
    if (n < 2)
        return da_fail(DA_EINVAL, "depth: n must be at least 2 (got %ld)", n);
    mpfr_t x;
    mpfr_init2(x, 128);
    lo_end(x, delta);
    int bad = !finite_ball(delta) || mpfr_sgn(x) <= 0;
    hi_end(x, delta);
    bad |= mpfr_cmp_ui(x, 1) > 0;
    if (bad) {
        mpfr_clear(x);
        return da_fail(DA_EINVAL, "depth: delta must lie in (0, 1]");
    }
    lo_end(x, eps);
    bad = !finite_ball(eps) || mpfr_sgn(x) <= 0;
    hi_end(x, eps);
    bad |= mpfr_cmp_si(x, n - 1) >= 0;
    mpfr_clear(x);
    if (bad)
        return da_fail(DA_EINVAL, "depth: eps must lie in (0, n - 1)");
    long dig = o->digits < 5 ? 5 : o->digits;
    long maxd = o->max_digits < dig ? dig : o->max_digits;
    long max_depth = o->max_depth < 1 ? 1 : o->max_depth;
    r->depth = -1;
    r->rigorous = 1;
    r->reason[0] = 0;
    long best = -1;
    for (; dig <= maxd; dig *= 2) {
        da_net_opts no;
        da_net_opts_init(&no);
        no.digits = dig;
        da_net *net = NULL;
        int st = da_net_new(&net, block, &no);
        if (st)
            return st;
        net->rigorous = 1;
        net->reason[0] = 0;
        int found;
        long cand;
        r->depth = -1;
        st = search(r, &found, &cand, net, ntk, delta, eps, n, max_depth);
        if (!net->rigorous && r->rigorous) {
            r->rigorous = 0;
            snprintf(r->reason, sizeof r->reason, "%s", net->reason);
        }
        da_net_free(net);
        if (st == DA_EINFINITE)
            return da_fail(DA_EINFINITE, "the NTK of the block is infinite: an activation jumps, "
                           "so E[sigma'(u)^2] is infinite");
        if (st)
            return st;
        r->digits_used = dig;
        if (found == 1)
            return DA_OK;
        if (found == -1) {
            r->depth = -1;
            return da_fail(DA_EACCURACY, "depth: the %s kernel stays above eps/(n-1) up to "
                           "depth %ld (max_depth)", ntk ? "NTK" : "NNGP", max_depth);
        }
        best = cand;
    }
    r->depth = best;
    return da_fail(DA_EACCURACY, "depth: the enclosures could not decide L* up to %ld digits "
                   "(candidate %ld, not proved)", maxd, best);
}

/* netk_network.c -- the NNGP and NTK of a fully connected network layer by
 * layer in ball arithmetic (da_netk_network; docs/numerics.md section 7):
 * Dense(sw2, sb2), then depth blocks (activation, Dense), in the NTK or
 * the standard parameterisation. */
#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual/netk_impl.h"
#include "dual/netk_ball.h"

void da_netk_net_init(da_netk_net *n)
{
    memset(n, 0, sizeof *n);
    n->depth = 1;
    n->param = DA_NETK_PARAM_NTK;
    n->width = 0;
    n->dim = 0;
    n->bias = 1;
}

static void b_set_double_ball(da_ball dst, const da_ball src) { da_ball_set(dst, src); }

int da_netk_network(da_netk_layer *rows, da_netk *k, const da_netk_net *n,
                    const da_ball q1, const da_ball q2, const da_ball c)
{
    /* the cap of the kernel-matrix engine (rows holds depth + 1 layers) */
    if (n->depth < 0 || n->depth > 100000)
        return da_fail(DA_EINVAL, "depth %ld out of range [0, 100000]", n->depth);
    if (n->param == DA_NETK_PARAM_STANDARD && (n->width <= 0 || n->dim <= 0))
        return da_fail(DA_EINVAL, "the standard parameterisation needs the input dimension "
                       "and the hidden width");
    mpfr_prec_t p = k->prec;
    da_ball K11, K22, K12, Th, E11, E22, E12, D12, t, u;
    b_init(K11, p); b_init(K22, p); b_init(K12, p); b_init(Th, p); b_init(E11, p);
    b_init(E22, p); b_init(E12, p); b_init(D12, p); b_init(t, p); b_init(u, p);
    int same = mpfr_equal_p(q1->mid, q2->mid) && mpfr_equal_p(q1->rad, q2->rad);
    /* identical inputs (c = q1 = q2 exactly): K(x, x') = K(x, x) in every
       layer, so the off-diagonal entries are the diagonal ones (rho = 1,
       where the series' bounds in rho would not close) */
    int ident = n->identical ||
                (same && mpfr_zero_p(q1->rad) && mpfr_zero_p(c->rad) && mpfr_equal_p(c->mid, q1->mid));
    /* layer 0: the first Dense */
    da_ball_mul(K11, &n->sw2, q1);
    da_ball_add(K11, K11, &n->sb2);
    da_ball_mul(K22, &n->sw2, q2);
    da_ball_add(K22, K22, &n->sb2);
    da_ball_mul(K12, &n->sw2, c);
    da_ball_add(K12, K12, &n->sb2);
    if (n->param == DA_NETK_PARAM_NTK) {
        da_ball_set(Th, K12);
    } else {
        /* neural-tangents' standard Dense: input_width nngp + W_std^2 ntk (+1 with a
           bias); the input's ntk is 0 and its nngp is x.x'/d */
        b_set_si(t, n->dim);
        da_ball_mul(Th, t, c);
        if (n->bias) {
            b_set_si(t, 1);
            da_ball_add(Th, Th, t);
        }
    }
    int worst = DA_OK;
    for (long l = 0;; l++) {
        da_netk_layer *row = &rows[l];
        row->layer = l;
        /* a result struct: its balls take the working precision */
        mpfr_set_prec(row->q1.mid, p);
        mpfr_set_prec(row->q2.mid, p);
        mpfr_set_prec(row->nngp.mid, p);
        mpfr_set_prec(row->ntk.mid, p);
        b_set_double_ball(&row->q1, K11);
        b_set_double_ball(&row->q2, K22);
        b_set_double_ball(&row->nngp, K12);
        b_set_double_ball(&row->ntk, Th);
        if (l == n->depth)
            break;
        if (!b_finite(K11) || !b_finite(K22) || !b_finite(K12) || !b_finite(Th)) {
            /* the radii outgrew the exponent range: nothing deeper is
               enclosed (the rows below are NaN +- inf) */
            for (long m = l + 1; m <= n->depth; m++) {
                da_netk_layer *rw = &rows[m];
                rw->layer = m;
                da_ball_struct *bs[] = {&rw->q1, &rw->q2, &rw->nngp, &rw->ntk};
                for (int z = 0; z < 4; z++) {
                    mpfr_set_nan(bs[z]->mid);
                    mpfr_set_inf(bs[z]->rad, 1);
                }
            }
            worst = da_fail(DA_EACCURACY, "the enclosures are not finite beyond layer %ld (their "
                                          "radii grow with depth)", l);
            goto fail;
        }
        int st = da_netk_diag(E11, k, K11, 0);
        if (st && st != DA_EACCURACY) { worst = st; goto fail; }
        if (same) {
            da_ball_set(E22, E11);
        } else {
            st = da_netk_diag(E22, k, K22, 0);
            if (st && st != DA_EACCURACY) { worst = st; goto fail; }
        }
        if (ident) {
            da_ball_set(E12, E11);
            st = da_netk_diag(D12, k, K11, 1);
        } else {
            st = da_netk_eval(E12, k, K11, K22, K12, 0);
            if (st && st != DA_EACCURACY) { worst = st; goto fail; }
            st = da_netk_eval(D12, k, K11, K22, K12, 1);
        }
        if (st && st != DA_EACCURACY) { worst = st; goto fail; }
        /* NTK */
        da_ball_mul(t, &n->sw2, D12);
        da_ball_mul(Th, Th, t);
        if (n->param == DA_NETK_PARAM_NTK) {
            da_ball_mul(u, &n->sw2, E12);
            da_ball_add(u, u, &n->sb2);
            da_ball_add(Th, Th, u);
        } else {
            b_set_si(u, n->width);
            da_ball_mul(u, u, E12);
            da_ball_add(Th, Th, u);
            if (n->bias) {
                b_set_si(u, 1);
                da_ball_add(Th, Th, u);
            }
        }
        da_ball_mul(K11, &n->sw2, E11);
        da_ball_add(K11, K11, &n->sb2);
        da_ball_mul(K22, &n->sw2, E22);
        da_ball_add(K22, K22, &n->sb2);
        da_ball_mul(K12, &n->sw2, E12);
        da_ball_add(K12, K12, &n->sb2);
        continue;
    fail:
        break;
    }
    da_ball_clear(K11); da_ball_clear(K22); da_ball_clear(K12); da_ball_clear(Th);
    da_ball_clear(E11); da_ball_clear(E22); da_ball_clear(E12); da_ball_clear(D12);
    da_ball_clear(t); da_ball_clear(u);
    if (worst)
        return worst;
    for (long l = 0; l <= n->depth; l++) {
        double d = fmin(fmin(da_ball_digits(&rows[l].q1), da_ball_digits(&rows[l].q2)),
                        fmin(da_ball_digits(&rows[l].nngp), da_ball_digits(&rows[l].ntk)));
        if (d < (double)k->digits)
            return DA_EACCURACY;
    }
    return DA_OK;
}

void da_netk_layer_init(da_netk_layer *row)
{
    row->layer = 0;
    da_ball_init2(&row->q1, 64);
    da_ball_init2(&row->q2, 64);
    da_ball_init2(&row->nngp, 64);
    da_ball_init2(&row->ntk, 64);
}

void da_netk_layer_clear(da_netk_layer *row)
{
    da_ball_clear(&row->q1);
    da_ball_clear(&row->q2);
    da_ball_clear(&row->nngp);
    da_ball_clear(&row->ntk);
}



/* kernel.c -- the NNGP and NTK of a network (dualact/net.h) on two inputs,
 * layer by layer, in ball arithmetic (docs/numerics.md 7.3).  The state
 * is (K(x,x), K(x',x'), K(x,x'), Theta(x,x')); each layer maps it as the
 * header says, the activations through da_netk_diag and da_netk_eval,
 * the rest by ball arithmetic, so every radius is carried exactly as
 * the balls allow.  Identical inputs (x = x') stay identical through
 * every layer: the off-diagonal entries are then the diagonal ones. */
#define _POSIX_C_SOURCE 200809L
#include "net/net_impl.h"
#include "core/core.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the state (net_impl.h): K11, K22, K12, T, and D = dK12/dc of the
 * input covariance c (carried only when run.want_d) */
typedef nl_state_t nl_state;

void da_net_state_init(nl_state *s, mpfr_prec_t p)
{
    da_ball_init2(s->K11, p);
    da_ball_init2(s->K22, p);
    da_ball_init2(s->K12, p);
    da_ball_init2(s->T, p);
    da_ball_init2(s->D, p);
}

void da_net_state_clear(nl_state *s)
{
    da_ball_clear(s->K11);
    da_ball_clear(s->K22);
    da_ball_clear(s->K12);
    da_ball_clear(s->T);
    da_ball_clear(s->D);
}

#define st_init da_net_state_init
#define st_clear da_net_state_clear

static void st_copy(nl_state *d, const nl_state *s)
{
    da_ball_set(d->K11, s->K11);
    da_ball_set(d->K22, s->K22);
    da_ball_set(d->K12, s->K12);
    da_ball_set(d->T, s->T);
    da_ball_set(d->D, s->D);
}

static int b_finite(const da_ball b) { return mpfr_number_p(b->mid) && mpfr_number_p(b->rad); }

static int st_finite(const nl_state *s)
{
    return b_finite(s->K11) && b_finite(s->K22) && b_finite(s->K12) && b_finite(s->T) &&
           b_finite(s->D);
}

static void b_nan(da_ball_struct *b)
{
    mpfr_set_nan(b->mid);
    mpfr_set_inf(b->rad, 1);
}

typedef struct {
    da_net *net;
    int ident;               /* x = x' */
    int eqvar;               /* K(x,x) = K(x',x'): K22 is K11 (da_net_step) */
    int want_d;              /* carry D = dK12/dc */
    da_net_row *rows;
    long next;               /* the next row to write */
    mpfr_prec_t prec;
} run;

static void emit(run *r, const nl_state *s, const char *name)
{
    da_net_row *w = &r->rows[r->next];
    w->layer = r->next;
    w->name = name;
    da_ball_struct *d[4] = {&w->q1, &w->q2, &w->nngp, &w->ntk};
    const da_ball_struct *f[4] = {s->K11, s->K22, s->K12, s->T};
    for (int j = 0; j < 4; j++) {
        mpfr_set_prec(d[j]->mid, r->prec);
        da_ball_set(d[j], f[j]);
    }
    r->next++;
}

/* dense(a, b): K <- a K + b; Theta <- a Theta + K(x, x') */
static void do_dense(nl_state *s, const nl_layer *l)
{
    da_ball_mul(s->K11, &l->a, s->K11);
    da_ball_add(s->K11, s->K11, &l->b);
    da_ball_mul(s->K22, &l->a, s->K22);
    da_ball_add(s->K22, s->K22, &l->b);
    da_ball_mul(s->K12, &l->a, s->K12);
    da_ball_add(s->K12, s->K12, &l->b);
    da_ball_mul(s->T, &l->a, s->T);
    da_ball_add(s->T, s->T, s->K12);
    da_ball_mul(s->D, &l->a, s->D);
}

/* an activation: K <- E[s(u) s(v)], Theta <- E[s'(u) s'(v)] Theta */
static int do_act(run *r, nl_state *s, const nl_layer *l)
{
    da_ball E11, E22, E12, D12;
    mpfr_prec_t p = r->prec;
    da_ball_init2(E11, p); da_ball_init2(E22, p); da_ball_init2(E12, p); da_ball_init2(D12, p);
    int st = da_netk_diag(E11, l->k, s->K11, 0);
    if (!st || st == DA_EACCURACY) {
        if (r->ident) {
            da_ball_set(E22, E11);
            da_ball_set(E12, E11);
            st = da_netk_diag(D12, l->k, s->K11, 1);
        } else {
            if (r->eqvar)
                da_ball_set(E22, E11);
            else
                st = da_netk_diag(E22, l->k, s->K22, 0);
            if (!st || st == DA_EACCURACY)
                st = da_netk_eval(E12, l->k, s->K11, s->K22, s->K12, 0);
            if (!st || st == DA_EACCURACY)
                st = da_netk_eval(D12, l->k, s->K11, s->K22, s->K12, 1);
        }
    }
    if (!st || st == DA_EACCURACY) {
        da_ball_set(s->K11, E11);
        da_ball_set(s->K22, E22);
        da_ball_set(s->K12, E12);
        da_ball_mul(s->T, s->T, D12);
        /* d/dc E[s(u) s(v)] = E[s'(u) s'(v)] at fixed variances (Price) */
        da_ball_mul(s->D, s->D, D12);
        st = DA_OK;
    }
    da_ball_clear(E11); da_ball_clear(E22); da_ball_clear(E12); da_ball_clear(D12);
    if (!da_netk_rigorous(l->k) && r->net->rigorous) {
        r->net->rigorous = 0;
        snprintf(r->net->reason, sizeof r->net->reason, "%s: %s", l->text,
                 da_netk_bound_reason(l->k));
    }
    return st;
}

/* layernorm(eps): K_ij / sqrt((K_ii + eps)(K_jj + eps)), Theta likewise; a
 * divisor ball that reaches 0 leaves NaN +- Inf (nothing enclosed) */
static void do_layernorm(run *r, nl_state *s, const nl_layer *l)
{
    da_ball d1, d2, t;
    mpfr_prec_t p = r->prec;
    da_ball_init2(d1, p); da_ball_init2(d2, p); da_ball_init2(t, p);
    da_ball_add(d1, s->K11, &l->a);
    int bad = 0;
    if (r->ident) {
        /* x = x': every entry is K(x, x), so K <- K/(K + eps) */
        bad |= da_ball_div(s->K11, s->K11, d1) != DA_OK;
        bad |= da_ball_div(s->T, s->T, d1) != DA_OK;
        bad |= da_ball_div(s->D, s->D, d1) != DA_OK;
        da_ball_set(s->K22, s->K11);
        da_ball_set(s->K12, s->K11);
    } else {
        da_ball_add(d2, s->K22, &l->a);
        da_ball_mul(t, d1, d2);
        da_ball_sqrt(t, t);
        bad |= da_ball_div(s->K12, s->K12, t) != DA_OK;
        bad |= da_ball_div(s->T, s->T, t) != DA_OK;
        bad |= da_ball_div(s->D, s->D, t) != DA_OK;
        bad |= da_ball_div(s->K11, s->K11, d1) != DA_OK;
        bad |= da_ball_div(s->K22, s->K22, d2) != DA_OK;
    }
    if (bad) {
        b_nan(s->K11);
        b_nan(s->K22);
        b_nan(s->K12);
        b_nan(s->T);
        b_nan(s->D);
    }
    da_ball_clear(d1); da_ball_clear(d2); da_ball_clear(t);
}

static int do_seq(run *r, nl_state *s, const nl_seq *q, int top);

/* residual(alpha, beta){branch}: K <- alpha K + beta branch(K), Theta likewise */
static int do_residual(run *r, nl_state *s, const nl_layer *l)
{
    nl_state b;
    st_init(&b, r->prec);
    st_copy(&b, s);
    int st = do_seq(r, &b, l->body, 0);
    if (!st) {
        da_ball_struct *x[5] = {s->K11, s->K22, s->K12, s->T, s->D};
        da_ball_struct *y[5] = {b.K11, b.K22, b.K12, b.T, b.D};
        for (int j = 0; j < 5; j++) {
            da_ball_mul(x[j], &l->a, x[j]);
            da_ball_mul(y[j], &l->b, y[j]);
            da_ball_add(x[j], x[j], y[j]);
        }
    }
    st_clear(&b);
    return st;
}

static int do_layer(run *r, nl_state *s, const nl_layer *l, int top)
{
    int st = DA_OK;
    switch (l->kind) {
    case NL_DENSE: do_dense(s, l); break;
    case NL_ACT: st = do_act(r, s, l); break;
    case NL_LAYERNORM: do_layernorm(r, s, l); break;
    case NL_RESIDUAL: st = do_residual(r, s, l); break;
    case NL_IDENTITY: break;
    case NL_REPEAT:
        for (long i = 0; i < l->count && !st; i++)
            st = do_seq(r, s, l->body, top);
        return st;
    }
    if (!st && top)
        emit(r, s, l->text);
    if (!st && !st_finite(s))
        st = DA_EACCURACY;   /* nothing is enclosed from here on */
    return st;
}

static int do_seq(run *r, nl_state *s, const nl_seq *q, int top)
{
    for (size_t i = 0; i < q->n; i++) {
        int st = do_layer(r, s, &q->v[i], top);
        if (st)
            return st;
    }
    return DA_OK;
}

void da_net_row_init(da_net_row *row)
{
    row->layer = 0;
    row->name = "";
    da_ball_init2(&row->q1, 64);
    da_ball_init2(&row->q2, 64);
    da_ball_init2(&row->nngp, 64);
    da_ball_init2(&row->ntk, 64);
}

void da_net_row_clear(da_net_row *row)
{
    da_ball_clear(&row->q1);
    da_ball_clear(&row->q2);
    da_ball_clear(&row->nngp);
    da_ball_clear(&row->ntk);
}

int da_net_rigorous(const da_net *net) { return net->rigorous; }

const char *da_net_bound_reason(const da_net *net) { return net->rigorous ? "" : net->reason; }

int da_net_kernel(da_net_row *rows, da_net *net, const da_ball q1, const da_ball q2,
                  const da_ball c)
{
    if (mpfr_sgn(q1->mid) <= 0 || mpfr_sgn(q2->mid) <= 0 || !b_finite(q1) || !b_finite(q2) ||
        !b_finite(c))
        return da_fail(DA_EINVAL, "network: the input variances must be positive numbers");
    run r = {net, 0, 0, 0, rows, 0, net->prec};
    net->rigorous = 1;
    net->reason[0] = 0;
    r.ident = mpfr_zero_p(q1->rad) && mpfr_zero_p(q2->rad) && mpfr_zero_p(c->rad) &&
              mpfr_equal_p(q1->mid, q2->mid) && mpfr_equal_p(q1->mid, c->mid);
    nl_state s;
    st_init(&s, r.prec);
    da_ball_set(s.K11, q1);
    da_ball_set(s.K22, q2);
    da_ball_set(s.K12, c);
    mpfr_set_zero(s.T->mid, 1);
    mpfr_set_zero(s.T->rad, 1);
    mpfr_set_zero(s.D->mid, 1);
    mpfr_set_zero(s.D->rad, 1);
    emit(&r, &s, "input");
    int st = do_seq(&r, &s, &net->top, 1);
    st_clear(&s);
    if (st == DA_EACCURACY) {
        /* not finite: the rows not reached enclose nothing */
        for (long i = r.next; i < net->rows; i++) {
            rows[i].layer = i;
            rows[i].name = "";
            b_nan(&rows[i].q1);
            b_nan(&rows[i].q2);
            b_nan(&rows[i].nngp);
            b_nan(&rows[i].ntk);
        }
        return da_fail(DA_EACCURACY, "network: the enclosures are not finite beyond layer %ld",
                       r.next - 1);
    }
    if (st)
        return st;
    for (long i = 0; i < net->rows; i++) {
        double d = da_ball_digits(&rows[i].q1);
        d = fmin(d, da_ball_digits(&rows[i].q2));
        d = fmin(d, da_ball_digits(&rows[i].nngp));
        d = fmin(d, da_ball_digits(&rows[i].ntk));
        if (d < (double)net->digits)
            return DA_EACCURACY;
    }
    return DA_OK;
}

/* The top-level layers once on s (net_impl.h).  mode 0: two inputs,
 * 1: identical inputs (K11 = K22 = K12), 2: equal variances (K22 = K11).
 * D is carried.  net->rigorous is cleared (never set) here. */
int da_net_step(da_net *net, nl_state_t *s, int mode)
{
    run r = {net, mode == 1, mode == 2, 1, NULL, 0, net->prec};
    int st = do_seq(&r, s, &net->top, 0);
    if (!st && !st_finite(s))
        st = DA_EACCURACY;
    return st;
}

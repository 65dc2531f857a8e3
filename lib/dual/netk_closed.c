/* netk_closed.c -- the network kernels' closed forms at general variances,
 * in ball arithmetic (docs/numerics.md section 7).
 *
 * Closed forms (ball arithmetic in q1, q2, c, every elementary function
 * by directed rounding of its monotone pieces): identity, relu, step,
 * sign, abs, leaky_relu, erf, sin, cos, exp, gaussian, gelu (the arctan
 * form of neural-tangents' Gelu), and any
 * A * f(B * x) of them (E[f(Bu) f(Bv)] is the kernel of f at B^2 (q1, q2, c);
 * the derivative kernel gains (A B)^2). */
#include "core/core.h"
#include "dual/dual.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dual/netk_impl.h"
#include "dual/netk_ball.h"

/* J(x) = sqrt(1 - x^2) + (pi/2 + asin x) x at an exact x in [-1, 1], as a ball */
static void relu_J_point(da_ball r, const mpfr_t x, const da_ball pi)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid);
    da_ball bx, t, u;
    b_init(bx, p); b_init(t, p); b_init(u, p);
    mpfr_set(bx->mid, x, MPFR_RNDN);
    mpfr_set_zero(bx->rad, 1);
    if (mpfr_get_prec(x) > p)
        da_ball_add_ulp(bx);
    b_set_si(u, 1);
    da_ball_sub(t, u, bx);
    da_ball_add(u, u, bx);
    da_ball_mul(t, t, u);
    da_ball_sqrt(t, t);                   /* sqrt((1 - x)(1 + x)) */
    b_mono(u, bx, MF_ASIN);
    da_ball add;
    b_init(add, p);
    b_mul_2si(add, pi, -1);
    da_ball_add(u, u, add);
    da_ball_mul(u, u, bx);
    da_ball_add(r, t, u);
    da_ball_clear(add);
    da_ball_clear(bx); da_ball_clear(t); da_ball_clear(u);
}

/* J on the ball rho (clamped to [-1, 1], where the true correlation lies):
 * J is increasing (J' = pi/2 + asin x >= 0), so its end points bound it
 * without the loss of sqrt(1 - rho^2) near rho = 1 */
static void relu_J(da_ball r, const da_ball rho, const da_ball pi)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid);
    mpfr_t lo, hi;
    mpfr_inits2(p + 8, lo, hi, (mpfr_ptr)0);
    b_lo(lo, rho);
    b_hi(hi, rho);
    if (mpfr_cmp_si(lo, -1) < 0) mpfr_set_si(lo, -1, MPFR_RNDN);
    if (mpfr_cmp_si(hi, 1) > 0) mpfr_set_si(hi, 1, MPFR_RNDN);
    if (mpfr_cmp(lo, hi) > 0) mpfr_set(lo, hi, MPFR_RNDN);
    da_ball jl, jh;
    b_init(jl, p + 8);
    b_init(jh, p + 8);
    relu_J_point(jl, lo, pi);
    relu_J_point(jh, hi, pi);
    b_lo(lo, jl);
    b_hi(hi, jh);
    b_from_interval(r, lo, hi);
    da_ball_clear(jl);
    da_ball_clear(jh);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
}

/* the inputs of one closed-form evaluation (rho and det = q1 q2 - c^2
 * made once) and its scratch balls u, v */
typedef struct {
    const da_ball_struct *q1, *q2, *c;
    da_ball rho, det, pi, u, v;
    mpfr_prec_t p;
    int diag, m;
} cf_in;

/* S = (pi/2 + asin rho)/(2 pi) = E[step(u) step(v)] */
static void cf_step(da_ball dst, cf_in *in)
{
    b_mono(in->u, in->rho, MF_ASIN);
    b_mul_2si(in->v, in->pi, -1);
    da_ball_add(in->u, in->u, in->v);
    b_mul_2si(in->v, in->pi, 1);
    da_ball_div(dst, in->u, in->v);
}

/* R = sqrt(q1 q2) J(rho)/(2 pi) = (sqrt(det) + (pi/2 + asin rho) c)/(2 pi)
 * = E[relu(u) relu(v)] */
static void cf_relu(da_ball dst, cf_in *in)
{
    relu_J(in->u, in->rho, in->pi);
    da_ball_mul(in->v, in->q1, in->q2);
    da_ball_sqrt(in->v, in->v);
    da_ball_mul(in->u, in->u, in->v);
    b_mul_2si(in->v, in->pi, 1);
    da_ball_div(dst, in->u, in->v);
}

/* (2/pi) asin x (x = rho: E[sign(u) sign(v)]) */
static void cf_asin2(da_ball dst, const da_ball x, cf_in *in)
{
    b_mono(in->u, x, MF_ASIN);
    b_mul_2si(in->u, in->u, 1);
    da_ball_div(dst, in->u, in->pi);
}

/* the leaky family: alpha c + (1 - alpha)^2 R, and alpha + (1 - alpha)^2 S */
static void cf_leaky(da_ball t, const da_netk *k, cf_in *in)
{
    if (in->m == 0 && in->diag) {
        /* (alpha + (1 - alpha)^2/2) q, one product (no dependency) */
        b_set_si(in->u, 1);
        da_ball_sub(in->u, in->u, &k->alpha);
        da_ball_mul(in->u, in->u, in->u);
        b_mul_2si(in->u, in->u, -1);
        da_ball_add(in->u, in->u, &k->alpha);
        da_ball_mul(t, in->u, in->q1);
        return;
    }
    da_ball w;
    b_init(w, in->p);
    if (in->m == 0) cf_relu(w, in); else cf_step(w, in);
    b_set_si(in->u, 1);
    da_ball_sub(in->u, in->u, &k->alpha);
    da_ball_mul(in->u, in->u, in->u);
    da_ball_mul(w, w, in->u);
    if (in->m == 0) da_ball_mul(in->u, &k->alpha, in->c); else da_ball_set(in->u, &k->alpha);
    da_ball_add(t, w, in->u);
    da_ball_clear(w);
}

/* identity, relu, step, sign, abs, leaky relu */
static int cf_relu_family(da_ball t, const da_netk *k, cf_in *in)
{
    const int m = in->m;
    switch (k->cf) {
    case NK_IDENTITY:
        if (m == 0) da_ball_set(t, in->c); else b_set_si(t, 1);
        return DA_OK;
    case NK_RELU:
        if (m == 0) cf_relu(t, in); else cf_step(t, in);
        return DA_OK;
    case NK_STEP:
    case NK_SIGN:
        if (m == 0) {
            if (k->cf == NK_STEP) cf_step(t, in); else cf_asin2(t, in->rho, in);
            return DA_OK;
        }
        /* 1/(2 pi sqrt(det)), times 4 for sign */
        if (in->diag || b_mono(in->u, in->det, MF_RSQRT))
            return DA_EINFINITE;
        b_mul_2si(in->v, in->pi, 1);
        da_ball_div(t, in->u, in->v);
        if (k->cf == NK_SIGN)
            b_mul_2si(t, t, 2);
        return DA_OK;
    case NK_ABS:
        if (m == 0 && in->diag) {
            da_ball_set(t, in->q1);                   /* E u^2, without 4 (q/2) - q */
        } else if (m == 0) {
            cf_relu(t, in);
            b_mul_2si(t, t, 2);
            da_ball_sub(t, t, in->c);
        } else {
            cf_asin2(t, in->rho, in);
        }
        return DA_OK;
    default:
        cf_leaky(t, k, in);
        return DA_OK;
    }
}

/* erf: (2/pi) asin(2c/sqrt((1+2q1)(1+2q2))), (4/pi)((1+2q1)(1+2q2) - 4c^2)^(-1/2) */
static int cf_erf(da_ball t, cf_in *in)
{
    int st;
    b_mul_2si(in->u, in->q1, 1);
    b_set_si(in->v, 1);
    da_ball_add(in->u, in->u, in->v);
    b_mul_2si(t, in->q2, 1);
    da_ball_add(t, t, in->v);
    da_ball_mul(in->u, in->u, t);                     /* (1+2q1)(1+2q2) */
    if (in->m == 0) {
        b_floor_cs(in->u, in->q1, in->q2, 2);         /* >= 1 + 2 q1 + 2 q2 */
        if ((st = b_rsqrt_pos(t, in->u)))
            return st;
        da_ball_mul(t, t, in->c);
        b_mul_2si(t, t, 1);                           /* 2c / sqrt(..) */
        cf_asin2(t, t, in);
    } else {
        da_ball_mul(t, in->c, in->c);
        b_mul_2si(t, t, 2);
        da_ball_sub(in->u, in->u, t);
        b_floor_cs(in->u, in->q1, in->q2, 2);         /* >= 1 + 2 q1 + 2 q2 */
        if ((st = b_rsqrt_pos(t, in->u)))
            return st;
        b_mul_2si(t, t, 2);
        da_ball_div(t, t, in->pi);                    /* (4/pi) (..)^(-1/2) */
    }
    return DA_OK;
}

/* sin, cos, exp: exp(-(q1 + q2)/2) sinh c or cosh c, exp((q1 + q2)/2 + c) */
static void cf_sincosexp(da_ball t, nk_cf cf, cf_in *in)
{
    da_ball_add(in->u, in->q1, in->q2);
    b_mul_2si(in->u, in->u, -1);
    if (cf == NK_EXP) {
        da_ball_add(in->u, in->u, in->c);
        b_mono(t, in->u, MF_EXP);
    } else {
        mpfr_neg(in->u->mid, in->u->mid, MPFR_RNDN);
        b_mono(t, in->u, MF_EXP);
        int sh = (cf == NK_SIN) == (in->m == 0);
        b_mono(in->v, in->c, sh ? MF_SINH : MF_COSH);
        da_ball_mul(t, t, in->v);
    }
}

/* the Gaussian: D = (1 + q1)(1 + q2) - c^2 ; D^(-1/2) ; c D^(-3/2) */
static int cf_gaussian(da_ball t, cf_in *in)
{
    int st;
    b_set_si(in->v, 1);
    da_ball_add(in->u, in->q1, in->v);
    da_ball_add(t, in->q2, in->v);
    da_ball_mul(in->u, in->u, t);
    da_ball_mul(t, in->c, in->c);
    da_ball_sub(in->u, in->u, t);
    b_floor_cs(in->u, in->q1, in->q2, 1);             /* >= 1 + q1 + q2 */
    if ((st = b_rsqrt_pos(t, in->u)))
        return st;
    if (in->m == 1) {
        da_ball_mul(in->u, t, t);
        da_ball_mul(t, t, in->u);
        da_ball_mul(t, t, in->c);
    }
    return DA_OK;
}

/* x Phi(x), the arctan form of neural-tangents' Gelu:
 * P = q1 q2, P1 = (1+q1)(1+q2), d = sqrt(P1 - c^2), a = atan(c/d),
 * K  = ((c^2 + P d^2)/(P1 d) + c a)/(2 pi) + c/4,
 * K' = (1/d^2 + (1 - P)/P1 + 1) c/(2 pi d) + 1/4 + a/(2 pi).
 * d^2 >= 1 + q1 + q2 > 1 since c^2 <= q1 q2. */
static int cf_gelu(da_ball t, cf_in *in)
{
    const da_ball_struct *q1 = in->q1, *q2 = in->q2, *c = in->c;
    da_ball_struct *u = in->u, *v = in->v;
    da_ball P, P1, d2, id, a, w;
    const mpfr_prec_t p = in->p;
    b_init(P, p); b_init(P1, p); b_init(d2, p); b_init(id, p); b_init(a, p); b_init(w, p);
    da_ball_mul(P, q1, q2);
    b_set_si(v, 1);
    da_ball_add(u, q1, v);
    da_ball_add(t, q2, v);
    da_ball_mul(P1, u, t);
    da_ball_mul(u, c, c);
    da_ball_sub(d2, P1, u);
    b_floor_cs(d2, q1, q2, 1);                        /* >= 1 + q1 + q2 */
    int st = b_rsqrt_pos(id, d2);                     /* id = 1/d */
    if (st == DA_OK) {
        da_ball_mul(t, c, id);
        b_mono(a, t, MF_ATAN);
        b_mul_2si(w, in->pi, 1);                      /* 2 pi */
        if (in->m == 0) {
            da_ball_mul(t, c, c);
            da_ball_mul(u, P, d2);
            da_ball_add(t, t, u);
            da_ball_mul(t, t, id);
            da_ball_div(t, t, P1);                    /* (c^2 + P d^2)/(P1 d) */
            da_ball_mul(u, c, a);
            da_ball_add(t, t, u);
            da_ball_div(t, t, w);
            b_mul_2si(u, c, -2);
            da_ball_add(t, t, u);
        } else {
            b_set_si(v, 1);
            da_ball_div(t, v, d2);                    /* 1/d^2 */
            da_ball_sub(u, v, P);
            da_ball_div(u, u, P1);                    /* (1 - P)/P1 */
            da_ball_add(t, t, u);
            da_ball_add(t, t, v);
            da_ball_mul(t, t, c);
            da_ball_mul(t, t, id);
            da_ball_div(t, t, w);
            da_ball_div(u, a, w);
            da_ball_add(t, t, u);
            mpfr_set_ui_2exp(u->mid, 1, -2, MPFR_RNDN);
            mpfr_set_zero(u->rad, 1);
            da_ball_add(t, t, u);
        }
    }
    da_ball_clear(P); da_ball_clear(P1); da_ball_clear(d2); da_ball_clear(id);
    da_ball_clear(a); da_ball_clear(w);
    return st;
}

/* the closed form of k's f (no A, B, C) at (q1, q2, c): m = 0 the value
 * kernel E[f(u) f(v)], 1 the derivative kernel E[f'(u) f'(v)]; diag: x = x' */
static int cf_eval(da_ball r, const da_netk *k, const da_ball q1, const da_ball q2,
                   const da_ball c, int diag, int m)
{
    cf_in in = {.q1 = q1, .q2 = q2, .c = c, .p = mpfr_get_prec(r->mid) + 16, .diag = diag, .m = m};
    da_ball t;
    b_init(t, in.p); b_init(in.rho, in.p); b_init(in.det, in.p); b_init(in.u, in.p);
    b_init(in.v, in.p); b_init(in.pi, in.p);
    int st = DA_OK;
    b_pi(in.pi);
    /* rho and det = q1 q2 - c^2 */
    if (diag) {
        b_set_si(in.rho, 1);
        b_set_si(in.det, 0);
    } else {
        da_ball_mul(t, q1, q2);
        st = b_rsqrt_pos(in.u, t);
        if (!st) {
            da_ball_mul(in.rho, c, in.u);
            da_ball_mul(in.u, c, c);
            da_ball_sub(in.det, t, in.u);
        }
    }
    if (!st) {
        switch (k->cf) {
        case NK_IDENTITY: case NK_RELU: case NK_STEP: case NK_SIGN: case NK_ABS: case NK_LEAKY:
            st = cf_relu_family(t, k, &in);
            break;
        case NK_ERF:
            st = cf_erf(t, &in);
            break;
        case NK_SIN: case NK_COS: case NK_EXP:
            cf_sincosexp(t, k->cf, &in);
            break;
        case NK_GAUSSIAN:
            st = cf_gaussian(t, &in);
            break;
        case NK_GELU:
            st = cf_gelu(t, &in);
            break;
        default:
            st = da_fail(DA_EINVAL, "no closed form");
        }
    }
    if (!st)
        da_ball_set(r, t);
    if (st == DA_EACCURACY) {
        /* not enclosed: NaN +- inf, never a number */
        mpfr_set_nan(r->mid);
        mpfr_set_inf(r->rad, 1);
    }
    da_ball_clear(t); da_ball_clear(in.rho); da_ball_clear(in.det); da_ball_clear(in.u);
    da_ball_clear(in.v); da_ball_clear(in.pi);
    return st;
}

/* m(q) = E f(u), Var u = q (for the shift C); DA_EINVAL when unknown */
static int cf_mean(da_ball r, nk_cf cf, const da_ball q, const da_netk *k)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball t, u, pi;
    b_init(t, p); b_init(u, p); b_init(pi, p);
    b_pi(pi);
    int st = DA_OK;
    switch (cf) {
    case NK_IDENTITY: case NK_ERF: case NK_SIN: case NK_SIGN:
        b_set_si(t, 0);
        break;
    case NK_STEP:
        mpfr_set_ui_2exp(t->mid, 1, -1, MPFR_RNDN);
        mpfr_set_zero(t->rad, 1);
        break;
    case NK_RELU: case NK_ABS: case NK_LEAKY:
        /* E relu = sqrt(q/(2 pi)); abs: twice that; leaky: (1 - alpha) times */
        b_mul_2si(u, pi, 1);
        da_ball_div(t, q, u);
        da_ball_sqrt(t, t);
        if (cf == NK_ABS)
            b_mul_2si(t, t, 1);
        if (cf == NK_LEAKY) {
            b_set_si(u, 1);
            da_ball_sub(u, u, &k->alpha);
            da_ball_mul(t, t, u);
        }
        break;
    case NK_COS: case NK_EXP:
        /* e^(-q/2), e^(q/2) */
        b_mul_2si(u, q, -1);
        if (cf == NK_COS)
            mpfr_neg(u->mid, u->mid, MPFR_RNDN);
        b_mono(t, u, MF_EXP);
        break;
    case NK_GAUSSIAN:
        b_set_si(u, 1);
        da_ball_add(u, u, q);
        st = b_mono(t, u, MF_RSQRT);
        break;
    case NK_GELU:
        /* q / sqrt(2 pi (1 + q)) */
        b_set_si(u, 1);
        da_ball_add(u, u, q);
        da_ball_mul(u, u, pi);
        b_mul_2si(u, u, 1);
        if ((st = b_mono(t, u, MF_RSQRT)) == DA_OK)
            da_ball_mul(t, t, q);
        break;
    default:
        st = DA_EINVAL;
    }
    if (!st)
        da_ball_set(r, t);
    da_ball_clear(t); da_ball_clear(u); da_ball_clear(pi);
    return st;
}

/* A^2 K_f(B^2 q1, B^2 q2, B^2 c) and (A B)^2 K_f'(...); with the shift C
 * the value kernel gains A C (m(B^2 q1) + m(B^2 q2)) + C^2 */
int da_netk_cf_scaled(da_ball r, const da_netk *k, const da_ball q1, const da_ball q2,
                      const da_ball c, int diag, int m)
{
    mpfr_prec_t p = mpfr_get_prec(r->mid) + 16;
    da_ball b2, Q1, Q2, C, f;
    b_init(b2, p); b_init(Q1, p); b_init(Q2, p); b_init(C, p); b_init(f, p);
    da_ball_mul(b2, &k->B, &k->B);
    da_ball_mul(Q1, q1, b2);
    da_ball_mul(Q2, q2, b2);
    if (diag)
        da_ball_set(C, Q1);
    else
        da_ball_mul(C, c, b2);
    int st = cf_eval(r, k, Q1, diag ? Q1 : Q2, C, diag, m);
    if (!st) {
        da_ball_mul(f, &k->A, &k->A);
        if (m == 1)
            da_ball_mul(f, f, b2);
        da_ball_mul(r, r, f);
    }
    if (!st && m == 0 && !mpfr_zero_p(k->C.mid)) {
        da_ball m1, m2;
        b_init(m1, p);
        b_init(m2, p);
        st = cf_mean(m1, k->cf, Q1, k);
        if (!st)
            st = cf_mean(m2, k->cf, diag ? Q1 : Q2, k);
        if (!st) {
            da_ball_add(m1, m1, m2);
            da_ball_mul(m1, m1, &k->A);
            da_ball_mul(m1, m1, &k->C);
            da_ball_add(r, r, m1);
            da_ball_mul(m1, &k->C, &k->C);
            da_ball_add(r, r, m1);
        }
        da_ball_clear(m1);
        da_ball_clear(m2);
    }
    da_ball_clear(b2); da_ball_clear(Q1); da_ball_clear(Q2); da_ball_clear(C); da_ball_clear(f);
    return st;
}


/* arb_peer.c -- the peer of the rigorous engine's benchmark: Hermite
 * coefficients computed the plain way with Arb, one rigorous
 * acb_calc_integrate per coefficient.
 *
 *     arb_peer ACT N DIGITS        ACT: tanh, erf, gelu, silu
 *
 * a_k = int_{-T}^{T} f(z) He_k(z) phi(z) dz / sqrt(k!), He_k by its
 * three-term recurrence in complex balls, T with phi(T) T^N below the
 * target (the tail is not bounded here: the peer is a timing reference,
 * its values are checked against dualact's by the benchmark script).
 * Prints k,a_k lines.  Not part of the library or the tests. */
#include "config.h"
#ifdef HAVE_FLINT_ARB_H
#include <flint/acb_calc.h>
#include <flint/acb_hypgeom.h>
#else
#include <acb_calc.h>
#include <acb_hypgeom.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int act;
    ulong k;
} param;

static int integrand(acb_ptr out, const acb_t z, void *vp, slong order, slong prec)
{
    const param *p = vp;
    if (order > 1)
        flint_abort();
    acb_t f, h0, h1, h2, t;
    acb_init(f);
    acb_init(h0);
    acb_init(h1);
    acb_init(h2);
    acb_init(t);
    /* f(z); order 1 asks for analyticity: tanh and silu have poles */
    switch (p->act) {
    case 0:
        acb_tanh(f, z, prec);
        break;
    case 1:
        acb_hypgeom_erf(f, z, prec);
        break;
    case 2: /* z Phi(z) = z erfc(-z/sqrt 2)/2; h0 = 1/sqrt 2 */
        acb_set_ui(h0, 2);
        acb_sqrt(h0, h0, prec);
        acb_inv(h0, h0, prec);
        acb_mul(t, z, h0, prec);
        acb_neg(t, t);
        acb_hypgeom_erfc(f, t, prec);
        acb_mul(f, f, z, prec);
        acb_mul_2exp_si(f, f, -1);
        break;
    default: /* z / (1 + e^-z) */
        acb_neg(t, z);
        acb_exp(t, t, prec);
        acb_add_ui(t, t, 1, prec);
        acb_div(f, z, t, prec);
        break;
    }
    /* He_k(z) */
    acb_one(h0);
    acb_set(h1, z);
    if (p->k == 0)
        acb_set(h1, h0);
    for (ulong j = 1; j < p->k; j++) {
        acb_mul(h2, z, h1, prec);
        acb_submul_ui(h2, h0, j, prec);
        acb_swap(h0, h1);
        acb_swap(h1, h2);
    }
    /* phi(z) */
    acb_sqr(t, z, prec);
    acb_mul_2exp_si(t, t, -1);
    acb_neg(t, t);
    acb_exp(t, t, prec);
    acb_mul(out, f, h1, prec);
    acb_mul(out, out, t, prec);
    acb_clear(f);
    acb_clear(h0);
    acb_clear(h1);
    acb_clear(h2);
    acb_clear(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: arb_peer tanh|erf|gelu|silu N DIGITS\n");
        return 2;
    }
    static const char *names[] = {"tanh", "erf", "gelu", "silu"};
    int act = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(argv[1], names[i]))
            act = i;
    long N = atol(argv[2]), D = atol(argv[3]);
    if (act < 0 || N < 0 || D < 1)
        return 2;
    slong prec = (slong)(D * 3.33) + 32;
    /* T: phi(T) (T + sqrt N)^N below 10^-(D+2) */
    double T = 2;
    while (-T * T / 2 + N * log(T + sqrt((double)N)) > -(double)(D + 2) * log(10.0))
        T += 0.25;
    acb_t a, b, s;
    acb_init(a);
    acb_init(b);
    acb_init(s);
    arb_t c, fac;
    arb_init(c);
    arb_init(fac);
    mag_t tol;
    mag_init(tol);
    mag_set_ui_2exp_si(tol, 1, -prec);
    acb_set_d(a, -T);
    acb_set_d(b, T);
    /* 1 / sqrt(2 pi) */
    arb_const_pi(c, prec);
    arb_mul_2exp_si(c, c, 1);
    arb_rsqrt(c, c, prec);
    acb_calc_integrate_opt_t opt;
    acb_calc_integrate_opt_init(opt);
    for (long k = 0; k <= N; k++) {
        param p = {act, (ulong)k};
        acb_calc_integrate(s, integrand, &p, a, b, prec, tol, opt, prec);
        acb_mul_arb(s, s, c, prec);
        arb_fac_ui(fac, (ulong)k, prec);
        arb_rsqrt(fac, fac, prec);
        acb_mul_arb(s, s, fac, prec);
        printf("%ld,", k);
        arb_printn(acb_realref(s), (slong)D, ARB_STR_NO_RADIUS);
        printf("\n");
    }
    acb_clear(a);
    acb_clear(b);
    acb_clear(s);
    arb_clear(c);
    arb_clear(fac);
    mag_clear(tol);
    flint_cleanup();
    return 0;
}

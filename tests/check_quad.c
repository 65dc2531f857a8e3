/* check_quad.c -- quadrature rules: Gauss-Hermite in MPFR and double,
 * trapezoid and double-exponential rules.  Each property is checked
 * against an exact value (moments of the Gaussian, known integrals). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include "testutil.h"
#include "core/core.h"
#include "quad/quad.h"
#include "quad/gl_arb.h"
#include "quad/gl_table.h"

/* (2m-1)!! = E X^(2m) */
static void dfact(mpfr_t r, long m)
{
    mpfr_set_ui(r, 1, MPFR_RNDN);
    for (long j = 2 * m - 1; j > 1; j -= 2)
        mpfr_mul_ui(r, r, (unsigned long)j, MPFR_RNDN);
}

static void check_gh(long n, mpfr_prec_t prec)
{
    const mpfr_t *x, *w;
    ck_assert_int_eq(da_gh_rule(&x, &w, n, prec), DA_OK);
    mpfr_t s, t, m, tol;
    mpfr_inits2(prec + 64, s, t, m, tol, (mpfr_ptr)0);
    /* strictly ascending, symmetric, positive weights */
    for (long i = 0; i + 1 < n; i++)
        ck_assert_msg(mpfr_cmp(x[i], x[i + 1]) < 0, "nodes not ascending at %ld (n=%ld)", i, n);
    for (long i = 0; i < n; i++) {
        ck_assert(mpfr_sgn(w[i]) > 0);
        mpfr_add(t, x[i], x[n - 1 - i], MPFR_RNDN);
        ck_assert(mpfr_zero_p(t));
    }
    /* each node is a root of He_n: |He_n(x)| small relative to n He_{n-1}
       times the spacing, i.e. Newton's correction is below 2^-(prec-8) */
    for (long i = 0; i < n; i += (n > 40 ? n / 17 : 1)) {
        mpfr_t h0, h1, h2;
        mpfr_inits2(prec + 64, h0, h1, h2, (mpfr_ptr)0);
        mpfr_set_ui(h0, 1, MPFR_RNDN);
        mpfr_set(h1, x[i], MPFR_RNDN);
        for (long k = 1; k < n; k++) {
            mpfr_mul(h2, x[i], h1, MPFR_RNDN);
            mpfr_mul_ui(t, h0, (unsigned long)k, MPFR_RNDN);
            mpfr_sub(h2, h2, t, MPFR_RNDN);
            mpfr_swap(h0, h1);
            mpfr_swap(h1, h2);
        }
        if (n == 1) {
            mpfr_set(h1, x[i], MPFR_RNDN);
            mpfr_set_ui(h0, 1, MPFR_RNDN);
        }
        /* h1 = He_n, h0 = He_{n-1} */
        mpfr_mul_ui(h0, h0, (unsigned long)n, MPFR_RNDN);
        mpfr_div(t, h1, h0, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_set_ui_2exp(tol, 1, -(long)prec + 8, MPFR_RNDN);
        ck_assert_msg(mpfr_cmp(t, tol) <= 0, "node %ld of n=%ld is not a root", i, n);
        mpfr_clears(h0, h1, h2, (mpfr_ptr)0);
    }
    /* exactness: E X^(2m) = (2m-1)!! for 2m <= 2n-1; odd moments 0 */
    for (long mm = 0; 2 * mm <= 2 * n - 1; mm += (n > 30 ? n / 11 + 1 : 1)) {
        mpfr_set_zero(s, 1);
        for (long i = 0; i < n; i++) {
            mpfr_pow_ui(t, x[i], (unsigned long)(2 * mm), MPFR_RNDN);
            mpfr_mul(t, t, w[i], MPFR_RNDN);
            mpfr_add(s, s, t, MPFR_RNDN);
        }
        dfact(m, mm);
        mpfr_div(s, s, m, MPFR_RNDN);
        mpfr_sub_ui(s, s, 1, MPFR_RNDN);
        mpfr_abs(s, s, MPFR_RNDN);
        mpfr_set_ui_2exp(tol, 1, -(long)prec + 12 + (long)log2((double)n + 1) * 2, MPFR_RNDN);
        ck_assert_msg(mpfr_cmp(s, tol) <= 0, "moment %ld wrong for n=%ld prec=%ld", 2 * mm, n, (long)prec);
    }
    mpfr_clears(s, t, m, tol, (mpfr_ptr)0);
}

START_TEST(gh_small)
{
    check_gh(1, 64);
    check_gh(2, 100);
    check_gh(3, 100);
    check_gh(10, 200);
    check_gh(31, 333);
    check_gh(64, 1000);
}
END_TEST

START_TEST(gh_large)
{
    check_gh(200, 333);
    if (tu_heavy())
        check_gh(1000, 333);
}
END_TEST

START_TEST(gh_cache)
{
    const mpfr_t *x1, *w1, *x2, *w2;
    ck_assert_int_eq(da_gh_rule(&x1, &w1, 17, 128), DA_OK);
    ck_assert_int_eq(da_gh_rule(&x2, &w2, 17, 128), DA_OK);
    ck_assert_ptr_eq(x1, x2);
    ck_assert_int_eq(da_gh_rule(&x2, &w2, 17, 129), DA_OK);
    ck_assert_ptr_ne(x1, x2);
    ck_assert_int_eq(da_gh_rule(&x2, &w2, 0, 128), DA_EINVAL);
    da_gh_cache_clear();
}
END_TEST

START_TEST(gh_double_vs_mpfr)
{
    long n = 90;
    double x[90], w[90];
    ck_assert_int_eq(da_gh_rule_d(x, w, n), DA_OK);
    const mpfr_t *xm, *wm;
    ck_assert_int_eq(da_gh_rule(&xm, &wm, n, 200), DA_OK);
    double sw = 0;
    for (long i = 0; i < n; i++) {
        double xr = mpfr_get_d(xm[i], MPFR_RNDN), wr = mpfr_get_d(wm[i], MPFR_RNDN);
        ck_assert_msg(fabs(x[i] - xr) <= 1e-13 * (1 + fabs(xr)), "node %ld", i);
        ck_assert_msg(fabs(w[i] - wr) <= 1e-11 * wr + 1e-300, "weight %ld: %g vs %g", i, w[i], wr);
        sw += w[i];
    }
    ck_assert(fabs(sw - 1) < 1e-14);
}
END_TEST

/* sum w f over a rule, with f(x) = x^p or exp(x) */
static double rule_sum(const da_rule *r, int what)
{
    mpfr_t s, t;
    mpfr_inits2(300, s, t, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    for (long i = 0; i < r->n; i++) {
        for (int side = 0; side < (r->sym && !mpfr_zero_p(r->x[i]) ? 2 : 1); side++) {
            mpfr_set(t, r->x[i], MPFR_RNDN);
            if (side)
                mpfr_neg(t, t, MPFR_RNDN);
            if (what == 0)
                mpfr_set_ui(t, 1, MPFR_RNDN);
            else if (what == 2)
                mpfr_sqr(t, t, MPFR_RNDN);
            else
                mpfr_exp(t, t, MPFR_RNDN);
            mpfr_mul(t, t, r->w[i], MPFR_RNDN);
            mpfr_add(s, s, t, MPFR_RNDN);
        }
    }
    double v = mpfr_get_d(s, MPFR_RNDN);
    mpfr_clears(s, t, (mpfr_ptr)0);
    return v;
}

START_TEST(trap_rule)
{
    mpfr_t h;
    mpfr_init2(h, 200);
    mpfr_set_d(h, 0.25, MPFR_RNDN);
    da_rule r = {0};
    ck_assert_int_eq(da_rule_trap(&r, h, 14.0, 0, 1, 200), DA_OK);
    ck_assert(fabs(rule_sum(&r, 0) - 1) < 1e-15);
    ck_assert(fabs(rule_sum(&r, 2) - 1) < 1e-15);
    ck_assert(fabs(rule_sum(&r, 3) - exp(0.5)) < 1e-14);
    da_rule_clear(&r);
    /* nested: the new nodes at h/2 are the odd multiples */
    ck_assert_int_eq(da_rule_trap(&r, h, 14.0, 1, 2, 200), DA_OK);
    ck_assert(fabs(mpfr_get_d(r.x[0], MPFR_RNDN) - 0.25) < 1e-30);
    ck_assert(fabs(mpfr_get_d(r.x[1], MPFR_RNDN) - 0.75) < 1e-30);
    da_rule_clear(&r);
    mpfr_clear(h);
}
END_TEST

START_TEST(de_rule)
{
    mpfr_t a, b;
    mpfr_inits2(200, a, b, (mpfr_ptr)0);
    da_rule r = {0};
    /* [0, inf): 1/2, x^2: 1/2 */
    mpfr_set_zero(a, 1);
    mpfr_set_inf(b, 1);
    ck_assert_int_eq(da_rule_de(&r, a, b, 0.05, 40, 0, 1, 200), DA_OK);
    ck_assert_msg(fabs(rule_sum(&r, 0) - 0.5) < 1e-15, "%.17g", rule_sum(&r, 0));
    ck_assert(fabs(rule_sum(&r, 2) - 0.5) < 1e-15);
    da_rule_clear(&r);
    /* (-inf, -1]: Phi(-1) */
    mpfr_set_inf(a, -1);
    mpfr_set_si(b, -1, MPFR_RNDN);
    ck_assert_int_eq(da_rule_de(&r, a, b, 0.05, 40, 0, 1, 200), DA_OK);
    ck_assert(fabs(rule_sum(&r, 0) - 0.15865525393145705142) < 1e-15);
    da_rule_clear(&r);
    /* [-1, 2]: Phi(2) - Phi(-1) */
    mpfr_set_si(a, -1, MPFR_RNDN);
    mpfr_set_si(b, 2, MPFR_RNDN);
    ck_assert_int_eq(da_rule_de(&r, a, b, 0.05, 40, 0, 1, 200), DA_OK);
    ck_assert(fabs(rule_sum(&r, 0) - (0.97724986805182079282 - 0.15865525393145705142)) < 1e-15);
    da_rule_clear(&r);
    /* both infinite is refused */
    mpfr_set_inf(a, -1);
    mpfr_set_inf(b, 1);
    ck_assert_int_eq(da_rule_de(&r, a, b, 0.05, 40, 0, 1, 200), DA_EINVAL);
    mpfr_clears(a, b, (mpfr_ptr)0);
}
END_TEST

/* The Gauss-Legendre table (lib/quad/gl_table.c) proves what it says:
 * every ball contains Arb's enclosure at 512 bits of the same root and
 * weight, and is tight (radius below 2^-300); da_gl_rule serves it at
 * 64..320 bits with balls that still contain Arb's, and computes the
 * rest (n = 256, or 384 bits) with Arb. */
START_TEST(gl_table)
{
    arb_t x, w, y;
    arb_init(x);
    arb_init(w);
    arb_init(y);
    int rules = 0;
    for (const da_gl_tentry *t = da_gl_table; t->n; t++, rules++) {
        long n = t->n;
        for (long k = 0; k < (n + 1) / 2; k++) {
            arb_hypgeom_legendre_p_ui_root(x, w, (ulong)n, (ulong)k, 512);
            for (int j = 0; j < 2; j++) {
                da_gl_table_ball(y, &t->b[k][j]);
                ck_assert_msg(arb_contains(y, j ? w : x), "n = %ld, k = %ld, %s", n, k,
                              j ? "weight" : "node");
                ck_assert(mag_cmp_2exp_si(arb_radref(y), -300) < 0);
            }
        }
        for (slong prec = 64; prec <= 384; prec += 64) {
            arb_srcptr gx, gw;
            ck_assert_int_eq(da_gl_rule(&gx, &gw, n, prec), DA_OK);
            for (long k = 0; k < n; k++) {
                arb_hypgeom_legendre_p_ui_root(x, w, (ulong)n, (ulong)k, 512);
                ck_assert(arb_contains(gx + k, x) && arb_contains(gw + k, w));
                ck_assert(arb_rel_accuracy_bits(gx + k) > prec - 12 || arb_is_zero(x));
            }
        }
    }
    ck_assert_int_ge(rules, 12);
    arb_clear(x);
    arb_clear(w);
    arb_clear(y);
    da_gl_cache_clear();
}
END_TEST

START_TEST(rules_double)
{
    double *x, *w;
    long n = da_rule_trap_d(&x, &w, 0.2, 12, 0, 1);
    ck_assert(n > 0);
    double s = w[0];
    for (long i = 1; i < n; i++)
        s += 2 * w[i];
    ck_assert(fabs(s - 1) < 1e-14);
    free(x);
    free(w);
    n = da_rule_de_d(&x, &w, 0.0, INFINITY, 0.05, 30, 0, 1);
    s = 0;
    for (long i = 0; i < n; i++)
        s += w[i];
    ck_assert(fabs(s - 0.5) < 1e-14);
    free(x);
    free(w);
}
END_TEST

/* z = x d for a double d */
static void mul_d(arb_t z, const arb_t x, double d, slong prec)
{
    arb_t t;
    arb_init(t);
    arb_set_d(t, d);
    arb_mul(z, x, t, prec);
    arb_clear(t);
}

/* 1 when the mag m is >= every point of the ball x (x at high precision
   encloses the exact value): the bound holds */
static int mag_above(const mag_t m, const arb_t x)
{
    arf_t a, u;
    arf_init(a);
    arf_init(u);
    arf_set_mag(a, m);
    arb_get_ubound_arf(u, x, 512);
    int ok = arf_cmp(a, u) >= 0;
    arf_clear(a);
    arf_clear(u);
    return ok;
}

/* The Bernstein ellipse's bounds (da_gl_ellipse_axes, da_gl_err_scale,
   da_gl_ellipse_box, da_phi_box_sup) against the exact values at 512 bits,
   with rho down to 1 + 2^-50, where rho - 1/rho loses all but a few bits
   in double: the semi-axis r (rho - 1/rho)/2 (1 + 1e-15) formed in double,
   as the engine did (then rounded up to 30 bits by mag_set_d), falls
   below the exact one at rho = 1.00000000748 and 1.00000000799 (by 1.8e-9
   and 1.2e-9 relative). */
START_TEST(ellipse_bounds)
{
    const slong P = 512;
    const double rhos[] = {1 + 0x1p-50, 1 + 3 * 0x1p-45, 1 + 0x1p-30, 1 + 7e-13, 1.00000000748,
                           1.00000000799, 1.0000456, 1.0001, 1.01, 1.1, 1.25, 2.2, 50};
    const double rs[] = {1, 0.3, 0x1p-10, 37.5};
    arb_t p, q, t, u, x, y;
    arb_init(p); arb_init(q); arb_init(t); arb_init(u); arb_init(x); arb_init(y);
    acb_t Z, z, f;
    acb_init(Z); acb_init(z); acb_init(f);
    mag_t al, be, s, one, F;
    mag_init(al); mag_init(be); mag_init(s); mag_init(one); mag_init(F);
    arf_t m;
    arf_init(m);
    int below_double = 0;
    for (size_t i = 0; i < sizeof rhos / sizeof *rhos; i++)
        for (size_t k = 0; k < sizeof rs / sizeof *rs; k++) {
            double rho = rhos[i], r = rs[k];
            da_gl_ellipse_axes(al, be, r, rho);
            ck_assert(mag_is_finite(al) && mag_is_finite(be));
            arb_set_d(p, rho);
            arb_inv(q, p, P);
            arb_add(t, p, q, P);
            arb_mul_2exp_si(t, t, -1);
            mul_d(t, t, r, P);                 /* the exact al */
            arb_sub(u, p, q, P);
            arb_mul_2exp_si(u, u, -1);
            mul_d(u, u, r, P);                 /* the exact be */
            ck_assert_msg(mag_above(al, t), "al below r (rho + 1/rho)/2 at rho = %.17g", rho);
            ck_assert_msg(mag_above(be, u), "be below r (rho - 1/rho)/2 at rho = %.17g", rho);
            /* and not far above: within 2^-20 relative */
            mul_d(x, u, 1 + 0x1p-20, P);
            ck_assert(!mag_above(be, x));
            /* the former double formula: below the exact be for some rho */
            {
                mag_t bd;
                mag_init(bd);
                mag_set_d(bd, r * (rho - 1 / rho) / 2 * (1 + 1e-15));
                if (!mag_above(bd, u))
                    below_double++;
                mag_clear(bd);
            }
            /* the error scale r (64/15) rho^-2n / (rho^2 - 1) */
            for (long n = 2; n <= 1024; n *= 8) {
                mag_set_d(one, r);
                da_gl_err_scale(s, one, rho, n);
                arb_mul(t, p, p, P);
                arb_sub_ui(t, t, 1, P);
                arb_pow_ui(x, p, (ulong)(2 * n), P);
                arb_mul(t, t, x, P);
                arb_set_ui(x, 64);
                arb_div_ui(x, x, 15, P);
                mul_d(x, x, r, P);
                arb_div(x, x, t, P);
                ck_assert_msg(mag_is_finite(s) && mag_above(s, x), "error scale at rho = %.17g, n = %ld",
                              rho, n);
            }
            /* the boxes cover the ellipse (boundary and inside), and
               da_phi_box_sup bounds |phi| at its points */
            arf_set_d(m, k % 2 ? -3.25 : 0.5);
            for (int K = 1; K <= 16; K *= 2)
                for (int a = 0; a < 64; a++) {
                    double th = 2 * M_PI * (a + 0.5) / 64;
                    double sc = a % 3 == 0 ? 0.5 : 1;   /* some points inside */
                    arb_set_d(x, cos(th) * sc);
                    arb_set_d(y, sin(th) * sc);
                    /* z = m + al_exact x + i be_exact y */
                    arb_set_d(p, rho);
                    arb_inv(q, p, P);
                    arb_add(t, p, q, P);
                    arb_mul_2exp_si(t, t, -1);
                    mul_d(t, t, r, P);
                    arb_mul(acb_realref(z), t, x, P);
                    arb_add_arf(acb_realref(z), acb_realref(z), m, P);
                    arb_sub(t, p, q, P);
                    arb_mul_2exp_si(t, t, -1);
                    mul_d(t, t, r, P);
                    arb_mul(acb_imagref(z), t, y, P);
                    /* the box of u = cos(th) sc */
                    int j = (int)floor((cos(th) * sc + 1) * K / 2);
                    if (j >= K)
                        j = K - 1;
                    da_gl_ellipse_box(Z, m, al, be, j, K);
                    ck_assert_msg(acb_contains(Z, z), "box %d of %d misses a point at rho = %.17g",
                                  j, K, rho);
                    /* |phi(z)| = exp(Re(-z^2/2))/sqrt(2 pi) */
                    acb_mul(f, z, z, P);
                    acb_mul_2exp_si(f, f, -1);
                    acb_neg(f, f);
                    acb_exp(f, f, P);
                    acb_abs(t, f, P);
                    arb_const_pi(x, P);
                    arb_mul_2exp_si(x, x, 1);
                    arb_rsqrt(x, x, P);
                    arb_mul(t, t, x, P);
                    da_phi_box_sup(F, Z);
                    ck_assert_msg(mag_above(F, t), "phi bound at rho = %.17g", rho);
                }
        }
    /* the test sees the failure it guards against */
    ck_assert_int_gt(below_double, 0);
    /* a box of an interval of width 2^-100 beside a singularity at 1/4
       (the engine's refinement towards |x - 1/4|^p): the real part stays
       off 1/4 (a midpoint rounded to 64 bits would reach it) */
    {
        arf_set_d(m, 0.25);
        arf_t d;
        arf_init(d);
        arf_set_ui_2exp_si(d, 3, -102);              /* 1.5 2^-101 */
        arf_add(m, m, d, ARF_PREC_EXACT, ARF_RND_DOWN);
        mag_set_ui_2exp_si(al, 1, -101);
        mag_set_ui_2exp_si(be, 1, -110);
        arb_set_d(t, 0.25);
        for (int K = 1; K <= 16; K *= 2) {
            da_gl_ellipse_box(Z, m, al, be, 0, K);
            ck_assert_msg(arb_gt(acb_realref(Z), t), "box 0 of %d reaches the singularity", K);
        }
        arf_clear(d);
    }
    /* rho <= 1: no ellipse, infinite bounds */
    da_gl_ellipse_axes(al, be, 1, 1.0);
    ck_assert(mag_is_inf(be));
    mag_one(one);
    da_gl_err_scale(s, one, 1.0, 4);
    ck_assert(mag_is_inf(s));
    arf_clear(m);
    mag_clear(al); mag_clear(be); mag_clear(s); mag_clear(one); mag_clear(F);
    acb_clear(Z); acb_clear(z); acb_clear(f);
    arb_clear(p); arb_clear(q); arb_clear(t); arb_clear(u); arb_clear(x); arb_clear(y);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("quad");
    TCase *tc = tcase_create("rules");
    tu_limits(tc, 120, 1);
    tcase_add_test(tc, gh_small);
    tcase_add_test(tc, gh_large);
    tcase_add_test(tc, gh_cache);
    tcase_add_test(tc, gh_double_vs_mpfr);
    tcase_add_test(tc, trap_rule);
    tcase_add_test(tc, de_rule);
    tcase_add_test(tc, rules_double);
    tcase_add_test(tc, gl_table);
    tcase_add_test(tc, ellipse_bounds);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    da_free_cache();
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

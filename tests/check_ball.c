/* check_ball.c -- the ball helpers of lib/core (da_ball_add, sub, mul, div,
 * sqrt, set, set_decimal) in the manner of MPFR's tgeneric and Arb's
 * tests: random balls at random precisions, random points of them, and
 * the exact image of those points (MPFR at a precision where +, -, * are
 * exact; / and sqrt rounded down and up) must lie in the computed ball;
 * the aliasing forms (r = a, r = b, a = b) must give the same ball bit for
 * bit; and the edge cases by hand (a divisor ball holding 0, a ball
 * touching 0 under sqrt, exact results). */
#include <check.h>
#include <gmp.h>
#include <mpfr.h>
#include <stdlib.h>
#include "testutil.h"
#include "core/core.h"

/* exponents stay within +-60 and precisions below 320 bits, so every
 * exact sum or product fits in BIG bits */
#define BIG 2048

static gmp_randstate_t rs;

static long rnd_int(long lo, long hi)   /* uniform in [lo, hi] */
{
    return lo + (long)gmp_urandomm_ui(rs, (unsigned long)(hi - lo + 1));
}

/* a random ball of precision p: midpoint random (zero one time in eight),
 * radius zero one time in four, else of any size from far below the
 * midpoint's ulp to above the midpoint itself */
static void rnd_ball(da_ball b, mpfr_prec_t p)
{
    da_ball_init2(b, p);
    long e = rnd_int(-40, 40);
    if (rnd_int(0, 7) == 0) {
        mpfr_set_zero(b->mid, 1);
    } else {
        mpfr_urandomb(b->mid, rs);
        if (mpfr_zero_p(b->mid))
            mpfr_set_ui(b->mid, 1, MPFR_RNDN);
        mpfr_mul_2si(b->mid, b->mid, e, MPFR_RNDN);
        if (rnd_int(0, 1))
            mpfr_neg(b->mid, b->mid, MPFR_RNDN);
    }
    if (rnd_int(0, 3) == 0) {
        mpfr_set_zero(b->rad, 1);
    } else {
        mpfr_urandomb(b->rad, rs);
        mpfr_mul_2si(b->rad, b->rad, e - rnd_int(-2, 3 * (long)p / 2 + 4), MPFR_RNDU);
    }
}

/* x = mid + t rad, t = -1, 1 or random in [-1, 1] (exact at BIG bits) */
static void rnd_point(mpfr_t x, const da_ball b)
{
    mpfr_t t;
    mpfr_init2(t, 64);
    long k = rnd_int(0, 3);
    if (k == 0)
        mpfr_set_si(t, -1, MPFR_RNDN);
    else if (k == 1)
        mpfr_set_si(t, 1, MPFR_RNDN);
    else {
        mpfr_urandomb(t, rs);
        mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
        mpfr_sub_ui(t, t, 1, MPFR_RNDN);
    }
    ck_assert_int_eq(mpfr_mul(x, t, b->rad, MPFR_RNDN), 0);
    ck_assert_int_eq(mpfr_add(x, x, b->mid, MPFR_RNDN), 0);
    mpfr_clear(t);
}

static int same_ball(const da_ball a, const da_ball b)
{
    return mpfr_equal_p(a->mid, b->mid) && mpfr_equal_p(a->rad, b->rad) &&
           mpfr_get_prec(a->mid) == mpfr_get_prec(b->mid);
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_N };
static const char *op_name[] = {"add", "sub", "mul", "div", "sqrt"};

static int apply(int op, da_ball r, const da_ball a, const da_ball b)
{
    switch (op) {
    case OP_ADD: da_ball_add(r, a, b); return DA_OK;
    case OP_SUB: da_ball_sub(r, a, b); return DA_OK;
    case OP_MUL: da_ball_mul(r, a, b); return DA_OK;
    case OP_DIV: return da_ball_div(r, a, b);
    default: da_ball_sqrt(r, a); return DA_OK;
    }
}

/* the image of the points x of a, y of b: [lo, hi] */
static void exact_image(int op, mpfr_t lo, mpfr_t hi, const mpfr_t x, const mpfr_t y)
{
    switch (op) {
    case OP_ADD:
        ck_assert_int_eq(mpfr_add(lo, x, y, MPFR_RNDN), 0);
        mpfr_set(hi, lo, MPFR_RNDN);
        break;
    case OP_SUB:
        ck_assert_int_eq(mpfr_sub(lo, x, y, MPFR_RNDN), 0);
        mpfr_set(hi, lo, MPFR_RNDN);
        break;
    case OP_MUL:
        ck_assert_int_eq(mpfr_mul(lo, x, y, MPFR_RNDN), 0);
        mpfr_set(hi, lo, MPFR_RNDN);
        break;
    case OP_DIV:
        mpfr_div(lo, x, y, MPFR_RNDD);
        mpfr_div(hi, x, y, MPFR_RNDU);
        break;
    default:
        mpfr_sqrt(lo, x, MPFR_RNDD);
        mpfr_sqrt(hi, x, MPFR_RNDU);
        break;
    }
}

static int holds(const da_ball r, const mpfr_t lo, const mpfr_t hi)
{
    return tu_ball_contains(r, lo) && tu_ball_contains(r, hi);
}

START_TEST(random_points_lie_in_the_result)
{
    long n = 4000 * tu_multiplier(), checked[OP_N] = {0};
    mpfr_t x, y, lo, hi;
    mpfr_inits2(BIG, x, y, lo, hi, (mpfr_ptr)0);
    for (long it = 0; it < n; it++) {
        int op = (int)(it % OP_N);
        da_ball a, b, r;
        rnd_ball(a, rnd_int(2, 300));
        rnd_ball(b, rnd_int(2, 300));
        if (op == OP_SQRT && rnd_int(0, 1))
            mpfr_abs(a->mid, a->mid, MPFR_RNDN);   /* mostly non-negative */
        da_ball_init2(r, rnd_int(2, 300));
        int st = apply(op, r, a, b);
        for (int k = 0; k < 8; k++) {
            rnd_point(x, a);
            rnd_point(y, b);
            if (op == OP_DIV && (st || mpfr_zero_p(y)))
                continue;
            if (op == OP_SQRT && mpfr_sgn(x) < 0)
                continue;   /* the square root of the non-negative part */
            exact_image(op, lo, hi, x, y);
            if (!holds(r, lo, hi))
                ck_abort_msg("%s: the image of a point is outside the result "
                             "(iteration %ld, precisions %ld %ld %ld)",
                             op_name[op], it, (long)mpfr_get_prec(a->mid),
                             (long)mpfr_get_prec(b->mid), (long)mpfr_get_prec(r->mid));
            checked[op]++;
        }
        if (op == OP_DIV) {
            /* refused exactly when b reaches 0 */
            mpfr_t m;
            mpfr_init2(m, BIG);
            mpfr_abs(m, b->mid, MPFR_RNDN);
            int touches = mpfr_cmp(m, b->rad) <= 0;
            mpfr_clear(m);
            ck_assert_int_eq(st, touches ? DA_EDOM : DA_OK);
            if (st)
                ck_assert(mpfr_nan_p(r->mid) && mpfr_inf_p(r->rad));
        }
        da_ball_clear(a); da_ball_clear(b); da_ball_clear(r);
    }
    for (int op = 0; op < OP_N; op++)
        ck_assert_msg(checked[op] > n / (OP_N * 4), "%s: only %ld points checked", op_name[op],
                      checked[op]);
    mpfr_clears(x, y, lo, hi, (mpfr_ptr)0);
}
END_TEST

/* r = a, r = b and a = b give the ball the separate arguments give */
START_TEST(aliasing_gives_the_same_ball)
{
    long n = 2000 * tu_multiplier();
    for (long it = 0; it < n; it++) {
        int op = (int)(it % OP_N);
        mpfr_prec_t p = rnd_int(2, 300);
        da_ball a, b, r, s;
        rnd_ball(a, p);
        rnd_ball(b, p);
        da_ball_init2(r, p);
        int st = apply(op, r, a, b);
        /* r = a */
        da_ball_init2(s, p);
        da_ball_set(s, a);
        ck_assert_int_eq(apply(op, s, s, b), st);
        ck_assert_msg(st || same_ball(s, r), "%s(r = a): another ball", op_name[op]);
        /* r = b */
        da_ball_set(s, b);
        ck_assert_int_eq(apply(op, s, a, s), st);
        ck_assert_msg(st || same_ball(s, r), "%s(r = b): another ball", op_name[op]);
        /* a = b, and r = a = b */
        st = apply(op, r, a, a);
        da_ball_set(s, a);
        ck_assert_int_eq(apply(op, s, s, s), st);
        ck_assert_msg(st || same_ball(s, r), "%s(r = a = b): another ball", op_name[op]);
        da_ball_clear(a); da_ball_clear(b); da_ball_clear(r); da_ball_clear(s);
    }
}
END_TEST

static void set_ball(da_ball b, mpfr_prec_t p, const char *mid, const char *rad)
{
    da_ball_init2(b, p);
    mpfr_set_str(b->mid, mid, 10, MPFR_RNDN);
    mpfr_set_str(b->rad, rad, 10, MPFR_RNDU);
}

START_TEST(edge_cases)
{
    da_ball a, b, r;
    /* exact operations keep a radius of at most one ulp */
    set_ball(a, 53, "1", "0");
    set_ball(b, 53, "2", "0");
    da_ball_init2(r, 53);
    da_ball_add(r, a, b);
    ck_assert(mpfr_cmp_ui(r->mid, 3) == 0 && mpfr_cmp_d(r->rad, 0x1p-51) <= 0);
    /* a divisor ball that reaches 0, at either end or across */
    da_ball_clear(b);
    set_ball(b, 53, "0.5", "0.5");
    ck_assert_int_eq(da_ball_div(r, a, b), DA_EDOM);
    ck_assert(mpfr_nan_p(r->mid) && mpfr_inf_p(r->rad));
    da_ball_clear(b);
    set_ball(b, 53, "-1", "3");
    ck_assert_int_eq(da_ball_div(r, a, b), DA_EDOM);
    /* 1 / [0.5 +- 0.25] holds [4/3, 4] */
    da_ball_clear(b);
    set_ball(b, 53, "0.5", "0.25");
    ck_assert_int_eq(da_ball_div(r, a, b), DA_OK);
    ck_assert(tu_ball_contains_str(r, "4") && tu_ball_contains_str(r, "1.3333333333333333333"));
    /* sqrt of a ball touching 0 holds [0, sqrt(hi)] */
    da_ball_clear(a);
    set_ball(a, 80, "0.25", "1");
    da_ball_sqrt(r, a);
    ck_assert(tu_ball_contains_str(r, "0") &&
              tu_ball_contains_str(r, "1.1180339887498948482045868343656"));
    /* sqrt of a ball wholly below 0: its non-negative part is empty; the
       result is a finite ball (it holds 0) */
    da_ball_clear(a);
    set_ball(a, 53, "-1", "0.5");
    da_ball_sqrt(r, a);
    ck_assert(mpfr_number_p(r->mid) && mpfr_number_p(r->rad));
    /* sqrt(4 +- 0) = 2 within an ulp */
    da_ball_clear(a);
    set_ball(a, 53, "4", "0");
    da_ball_sqrt(r, a);
    ck_assert(mpfr_cmp_ui(r->mid, 2) == 0 && mpfr_cmp_d(r->rad, 0x1p-50) <= 0);
    /* da_ball_set to a lower precision widens by the rounding */
    da_ball_clear(a);
    set_ball(a, 200, "0.1", "0");
    da_ball b2;
    da_ball_init2(b2, 20);
    da_ball_set(b2, a);
    ck_assert(tu_ball_contains(b2, a->mid));
    da_ball_clear(b2);
    da_ball_clear(a); da_ball_clear(b); da_ball_clear(r);
}
END_TEST

/* da_ball_set_decimal holds the decimal exactly, at every precision */
START_TEST(decimals_are_held_exactly)
{
    const char *dec[] = {"0.1", "-1e-300", "123456789.123456789", "1e+300", "0", "2.5",
                         "0.30000000000000000000000000000000000001"};
    for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++)
        for (mpfr_prec_t p = 2; p <= 400; p += 37) {
            da_ball b;
            da_ball_init2(b, p);
            ck_assert_int_eq(da_ball_set_decimal(b, dec[i]), DA_OK);
            ck_assert_msg(tu_ball_contains_str(b, dec[i]), "%s at %ld bits", dec[i], (long)p);
            da_ball_clear(b);
        }
    da_ball b;
    da_ball_init2(b, 53);
    ck_assert_int_eq(da_ball_set_decimal(b, "1.5x"), DA_EINVAL);
    ck_assert_int_eq(da_ball_set_decimal(b, "nan"), DA_EINVAL);
    da_ball_clear(b);
}
END_TEST

int main(void)
{
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 20261207);
    Suite *s = suite_create("ball");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 30, 1);
    tcase_add_test(tc, random_points_lie_in_the_result);
    tcase_add_test(tc, aliasing_gives_the_same_ball);
    tcase_add_test(tc, edge_cases);
    tcase_add_test(tc, decimals_are_held_exactly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    gmp_randclear(rs);
    return nf ? 1 : 0;
}

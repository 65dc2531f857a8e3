/* check_expr_fn.c -- the table of expression functions (lib/act/expr_fn.c):
 * every row complete and consistent with the rest of the library, and sech,
 * the function added by one row, against mpmath (tests/data/sech_refs.csv,
 * written by tests/gen/gen_sech.py).
 *
 * Per row: the name parses back to the function, prints and prints in
 * LaTeX; double and MPFR evaluations agree at sample points of the
 * domain; the real-ball evaluation (plain enclosure for the branch rows)
 * contains the 256-bit MPFR value; the complex evaluation at a real point
 * contains it too; the declared parity, bound and sign hold at the sample
 * points; a table derivative rule agrees with central differences of the
 * MPFR tape. */
#include "core/core.h"
#include "act/expr.h"
#include "act/expr_fn.h"
#include "act/tape_ball.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static const double SAMPLES[] = {-3.5, -1.25, -0.75, -0.3, -0.01, 0.2, 0.45, 0.9, 1.7, 4.0};
#define NS (sizeof SAMPLES / sizeof SAMPLES[0])

/* "name(x)", "name(x, 0.5)" or "name(x, -0.5, 0.5)" */
static void call_text(char *buf, size_t n, da_fn f)
{
    int a = da_fn_arity(f);
    snprintf(buf, n, "%s(x%s)", da_fn_name(f),
             a == 1 ? "" : a == 2 ? ", 0.5" : ", -0.5, 0.5");
}

static da_expr *parse_ok(const char *s)
{
    da_expr *e = NULL;
    ck_assert_msg(da_expr_parse(&e, s) == DA_OK, "parse '%s': %s", s, da_errmsg());
    return e;
}

/* f(x) in MPFR at prec bits through the tape; nonzero when not a number */
static int tape_m(mpfr_t y, const da_expr *e, double x, mpfr_prec_t prec)
{
    da_tape *t = da_tape_new(e);
    ck_assert_ptr_nonnull(t);
    da_tape_ws *w = da_tape_ws_new(t, prec);
    ck_assert_ptr_nonnull(w);
    mpfr_t xm;
    mpfr_init2(xm, 64);
    mpfr_set_d(xm, x, MPFR_RNDN);
    int rc = da_tape_eval_m(t, w, y, xm);
    mpfr_clear(xm);
    da_tape_ws_free(w);
    da_tape_free(t);
    return rc;
}

START_TEST(test_rows)
{
    for (int i = 0; i < DA_F_COUNT; i++) {
        const da_fn f = (da_fn)i;
        const da_fn_info *r = da_fn_get(f);
        ck_assert_msg(r->name && r->arity >= 1 && r->arity <= 3, "row %d", i);
        ck_assert_msg(r->d && r->m && r->arb, "%s: an evaluator is missing", r->name);
        ck_assert_msg(r->branch || (r->acb && r->arity == 1), "%s: no complex evaluator",
                      r->name);
        ck_assert_msg(!r->is_switch || r->branch, "%s: a switch must be a branch row", r->name);
        ck_assert_int_eq(da_fn_is_switch(f), r->is_switch);
        char text[64];
        call_text(text, sizeof text, f);
        da_expr *e = parse_ok(text);
        ck_assert_msg(e->op == DA_E_FN && e->fn == f, "%s parses to another function", text);
        char *s = da_expr_str(e), *l = da_expr_latex(e);
        ck_assert_msg(s && l && *l, "%s: printing", text);
        da_expr *back = parse_ok(s);
        ck_assert_msg(da_expr_equal(back, e), "%s prints as '%s'", text, s);
        da_expr_unref(back);
        free(s);
        free(l);
        da_expr_unref(e);
    }
}
END_TEST

START_TEST(test_evaluators)
{
    arb_t xb, yb, yr, yc, sq2, sq2pi;
    acb_t zc, wc, z1;
    mpfr_t ym, yneg;
    arb_init(xb);
    arb_init(yb);
    arb_init(yr);
    arb_init(yc);
    arb_init(sq2);
    arb_init(sq2pi);
    acb_init(zc);
    acb_init(wc);
    acb_init(z1);
    mpfr_init2(ym, 256);
    mpfr_init2(yneg, 256);
    arb_sqrt_ui(sq2, 2, 320);
    arb_const_pi(sq2pi, 320);
    arb_mul_2exp_si(sq2pi, sq2pi, 1);
    arb_sqrt(sq2pi, sq2pi, 320);
    da_fn_ball k = {yc, z1, sq2, sq2pi};
    for (int i = 0; i < DA_F_COUNT; i++) {
        const da_fn f = (da_fn)i;
        const da_fn_info *r = da_fn_get(f);
        char text[64];
        call_text(text, sizeof text, f);
        da_expr *e = parse_ok(text);
        da_tape *t = da_tape_new(e);
        ck_assert_ptr_nonnull(t);
        for (size_t j = 0; j < NS; j++) {
            double x = SAMPLES[j];
            if (tape_m(ym, e, x, 256))
                continue;   /* outside the domain */
            double d = da_tape_eval_d(t, x), m = mpfr_get_d(ym, MPFR_RNDN);
            ck_assert_msg(fabs(d - m) <= 1e-13 * fabs(m) + 1e-300, "%s at %g: double %.17g, "
                          "MPFR %.17g", r->name, x, d, m);
            /* the ball evaluation (one argument: the point x; the others
               the constants of call_text) contains the MPFR value */
            arb_set_d(xb, x);
            arb_t a1, a2;
            arb_init(a1);
            arb_init(a2);
            arb_set_d(a1, r->arity == 2 ? 0.5 : -0.5);
            arb_set_d(a2, 0.5);
            if (r->arb(yr, xb, a1, a2, &k, 256)) {
                arb_set_interval_mpfr(yb, ym, ym, 256);
                mag_set_d(arb_radref(yb), ldexp(fabs(m), -240) + 1e-300);
                ck_assert_msg(arb_overlaps(yr, yb), "%s at %g: ball misses the MPFR value",
                              r->name, x);
            }
            if (r->acb) {
                acb_set_d(zc, x);
                r->acb(wc, zc, &k, 256);
                ck_assert_msg(arb_overlaps(acb_realref(wc), yb) &&
                              arb_contains_zero(acb_imagref(wc)),
                              "%s at %g: complex value misses the MPFR value", r->name, x);
            }
            arb_clear(a1);
            arb_clear(a2);
            if (r->bound > 0)
                ck_assert_msg(fabs(m) <= r->bound, "%s at %g above its bound", r->name, x);
            if (r->nonneg)
                ck_assert_msg(m >= 0, "%s at %g negative", r->name, x);
            if (r->parity && !tape_m(yneg, e, -x, 256)) {
                if (r->parity < 0)
                    mpfr_neg(yneg, yneg, MPFR_RNDN);
                ck_assert_msg(mpfr_equal_p(ym, yneg), "%s: parity at %g", r->name, x);
            }
        }
        /* the folded values at 0 and 1 are the function's */
        for (int at = 0; at < 2; at++) {
            const char *v = at ? r->at1 : r->at0;
            if (!v)
                continue;
            ck_assert_int_eq(tape_m(ym, e, at, 256), 0);
            mpfr_set_str(yneg, v, 10, MPFR_RNDN);
            ck_assert_msg(mpfr_equal_p(ym, yneg), "%s(%d) is not %s", r->name, at, v);
        }
        da_tape_free(t);
        da_expr_unref(e);
    }
    arb_clear(xb);
    arb_clear(yb);
    arb_clear(yr);
    arb_clear(yc);
    arb_clear(sq2);
    arb_clear(sq2pi);
    acb_clear(zc);
    acb_clear(wc);
    acb_clear(z1);
    mpfr_clear(ym);
    mpfr_clear(yneg);
}
END_TEST

/* the table's derivative rules against central differences of the tape
   (256 bits, step 2^-60) */
START_TEST(test_dx_rules)
{
    mpfr_t a, b, d, h;
    mpfr_init2(a, 256);
    mpfr_init2(b, 256);
    mpfr_init2(d, 256);
    mpfr_init2(h, 256);
    int n = 0;
    for (int i = 0; i < DA_F_COUNT; i++) {
        const da_fn_info *r = da_fn_get((da_fn)i);
        if (!r->dx)
            continue;
        n++;
        char text[64];
        call_text(text, sizeof text, (da_fn)i);
        da_expr *e = parse_ok(text), *g = parse_ok(r->dx), *de = da_expr_diff(e);
        ck_assert_ptr_nonnull(g);
        ck_assert_msg(de != NULL, "%s: no derivative", r->name);
        for (size_t j = 0; j < NS; j++) {
            double x = SAMPLES[j];
            if (tape_m(d, de, x, 256))
                continue;
            da_tape *t = da_tape_new(e);
            da_tape_ws *w = da_tape_ws_new(t, 256);
            mpfr_set_d(h, x, MPFR_RNDN);
            mpfr_add_d(h, h, ldexp(1, -60), MPFR_RNDN);
            da_tape_eval_m(t, w, a, h);
            mpfr_set_d(h, x, MPFR_RNDN);
            mpfr_sub_d(h, h, ldexp(1, -60), MPFR_RNDN);
            da_tape_eval_m(t, w, b, h);
            mpfr_sub(a, a, b, MPFR_RNDN);
            mpfr_mul_2si(a, a, 59, MPFR_RNDN);
            mpfr_sub(a, a, d, MPFR_RNDN);
            ck_assert_msg(fabs(mpfr_get_d(a, MPFR_RNDN)) < 1e-25, "%s: derivative at %g", r->name, x);
            da_tape_ws_free(w);
            da_tape_free(t);
        }
        da_expr_unref(e);
        da_expr_unref(g);
        da_expr_unref(de);
    }
    ck_assert_int_ge(n, 1);
    mpfr_clear(a);
    mpfr_clear(b);
    mpfr_clear(d);
    mpfr_clear(h);
}
END_TEST

/* ---- sech against mpmath --------------------------------------------- */

typedef struct {
    char kind[8], x[32], v[80];
} ref_row;

static int read_refs(ref_row *rows, int cap)
{
    FILE *f = tu_open_data("sech_refs.csv");
    ck_assert_msg(f != NULL, "tests/data/sech_refs.csv");
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "kind,", 5))
            continue;
        ck_assert_int_lt(n, cap);
        ck_assert_int_eq(sscanf(line, "%7[^,],%31[^,],%79s", rows[n].kind, rows[n].x, rows[n].v),
                         3);
        n++;
    }
    fclose(f);
    return n;
}

/* |y - ref| <= tol |ref| (<= tol for ref = 0), in MPFR (no underflow) */
static int close_to(const mpfr_t y, const char *ref, double tol)
{
    mpfr_t r, d;
    mpfr_init2(r, 300);
    mpfr_init2(d, 300);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_sub(d, r, y, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_abs(r, r, MPFR_RNDN);
    if (mpfr_zero_p(r))
        mpfr_set_ui(r, 1, MPFR_RNDN);
    mpfr_mul_d(r, r, tol, MPFR_RNDN);
    int ok = mpfr_lessequal_p(d, r);
    mpfr_clear(r);
    mpfr_clear(d);
    return ok;
}

START_TEST(test_sech_refs)
{
    ref_row rows[64];
    int n = read_refs(rows, 64);
    ck_assert_int_ge(n, 40);
    da_expr *e = parse_ok("sech(x)"), *de = da_expr_diff(e);
    ck_assert_ptr_nonnull(de);
    da_tape *t = da_tape_new(e), *td = da_tape_new(de);
    da_tape_ws *w = da_tape_ws_new(t, 200), *wd = da_tape_ws_new(td, 200);
    da_tape_ball *wb = da_tape_ball_new(t, 200);
    ck_assert(t && td && w && wd && wb);
    mpfr_t x, y;
    mpfr_init2(x, 200);
    mpfr_init2(y, 200);
    arb_t xb, yb, rb, s1, sq2, sq2pi;
    acb_t z, wz, z1;
    arb_init(xb);
    arb_init(yb);
    arb_init(rb);
    arb_init(s1);
    arb_init(sq2);
    arb_init(sq2pi);
    acb_init(z);
    acb_init(wz);
    acb_init(z1);
    da_fn_ball k = {s1, z1, sq2, sq2pi};
    int seen[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        const ref_row *r = rows + i;
        mpfr_set_str(x, r->x, 10, MPFR_RNDN);   /* the decimals of the file are exact here
                                                   up to 200 bits; the tolerances cover it */
        double xd = mpfr_get_d(x, MPFR_RNDN);
        /* the reference as a ball of radius 1e-38 relative (40 digits) */
        ck_assert_msg(arb_set_str(rb, r->v, 256) == 0, "reference '%s'", r->v);
        mag_t m;
        mag_init(m);
        arb_get_mag(m, rb);
        mag_mul_2exp_si(m, m, -125);
        mag_add(arb_radref(rb), arb_radref(rb), m);
        mag_clear(m);
        if (!strcmp(r->kind, "f")) {
            seen[0]++;
            /* double: 4 ulp */
            double d = da_tape_eval_d(t, xd);
            mpfr_set_d(y, d, MPFR_RNDN);
            ck_assert_msg(close_to(y, r->v, 4 * 0x1p-52), "sech(%s) in double: %.17g", r->x, d);
            /* MPFR at 200 bits */
            ck_assert_int_eq(da_tape_eval_m(t, w, y, x), 0);
            ck_assert_msg(close_to(y, r->v, 1e-38), "sech(%s) in MPFR", r->x);
            /* the ball tape on the ball of the decimal x */
            arb_set_str(xb, r->x, 200);
            ck_assert_int_eq(da_tape_arb_enclose(wb, yb, xb), DA_BALL_OK);
            ck_assert_msg(arb_overlaps(yb, rb) && arb_rel_accuracy_bits(yb) > 120,
                          "sech(%s) in balls", r->x);
        } else if (!strcmp(r->kind, "df")) {
            seen[1]++;
            ck_assert_int_eq(da_tape_eval_m(td, wd, y, x), 0);
            ck_assert_msg(close_to(y, r->v, 1e-36), "sech'(%s)", r->x);
        } else if (!strcmp(r->kind, "re") || !strcmp(r->kind, "im")) {
            seen[2]++;
            arb_set_str(acb_realref(z), r->x, 256);
            arb_set_str(acb_imagref(z), "0.25", 256);
            arb_sqrt_ui(sq2, 2, 256);
            da_fn_get(DA_F_SECH)->acb(wz, z, &k, 256);
            arb_srcptr part = r->kind[0] == 'r' ? acb_realref(wz) : acb_imagref(wz);
            ck_assert_msg(arb_overlaps(part, rb) && arb_rel_accuracy_bits(part) > 120,
                          "sech(%s + 0.25i), %s part", r->x, r->kind);
        } else if (!strcmp(r->kind, "dual")) {
            seen[3]++;
            da_act *a = NULL;
            ck_assert_int_eq(da_act_new(&a, "sech(x)"), DA_OK);
            da_dual_opts o;
            da_dual_opts_init(&o);
            da_dual *dd = NULL;
            ck_assert_msg(da_dual_new(&dd, a, &o) == DA_OK, "%s", da_errmsg());
            ck_assert(da_dual_rigorous(dd));
            da_ball rho, v;
            da_ball_init2(rho, 128);
            da_ball_init2(v, 128);
            mpfr_set_str(rho->mid, r->x, 10, MPFR_RNDN);   /* exact: 0.5, -0.375 */
            mpfr_set_zero(rho->rad, 1);
            ck_assert_int_eq(da_dual_eval(v, dd, rho, 0), DA_OK);
            /* the ball is proved to 30 digits; the reference has 20 */
            mpfr_set(y, v->mid, MPFR_RNDN);
            ck_assert_msg(close_to(y, r->v, 1e-18) && da_ball_digits(v) > 29,
                          "%s of sech at rho = %s", r->kind, r->x);
            da_ball_clear(rho);
            da_ball_clear(v);
            da_dual_free(dd);
            da_act_free(a);
        }
    }
    ck_assert(seen[0] >= 10 && seen[1] >= 10 && seen[2] >= 20 && seen[3] >= 2);
    /* printing and parity */
    char *s = da_expr_str(e), *l = da_expr_latex(e);
    ck_assert_str_eq(s, "sech(x)");
    ck_assert_str_eq(l, "\\operatorname{sech}\\left(x\\right)");
    ck_assert_int_eq(da_expr_parity(e), 1);
    free(s);
    free(l);
    mpfr_clear(x);
    mpfr_clear(y);
    arb_clear(xb);
    arb_clear(yb);
    arb_clear(rb);
    arb_clear(s1);
    arb_clear(sq2);
    arb_clear(sq2pi);
    acb_clear(z);
    acb_clear(wz);
    acb_clear(z1);
    da_tape_ball_free(wb);
    da_tape_ws_free(w);
    da_tape_ws_free(wd);
    da_tape_free(t);
    da_tape_free(td);
    da_expr_unref(e);
    da_expr_unref(de);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("expr_fn");
    TCase *tc = tcase_create("table");
    tu_limits(tc, 60, 1);
    tcase_add_test(tc, test_rows);
    tcase_add_test(tc, test_evaluators);
    tcase_add_test(tc, test_dx_rules);
    tcase_add_test(tc, test_sech_refs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}

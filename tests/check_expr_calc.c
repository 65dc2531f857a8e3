/* check_expr_calc.c -- symbolic derivative, simplification and the
 * analysis the quadrature needs (breakpoints, jump orders, classes,
 * singularity distances, growth, domain errors, polynomial pieces).
 *
 * Derivatives are checked against central differences of the compiled
 * tape (an evaluator independent of the analysis) in MPFR at 256 bits,
 * step 2^-60: truncation error about 2^-120 |f'''|, far below the 1e-25
 * tolerance.  Breakpoints and piece coefficients are checked to 50
 * digits against values computed here from their closed forms; the proved
 * pieces in ball arithmetic must contain those closed forms. */
#include "core/core.h"
#include "act/expr.h"
#include "act/pieces_arb.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* ---- helpers -------------------------------------------------------- */

static da_expr *parse_ok(const char *s)
{
    da_expr *e = NULL;
    int rc = da_expr_parse(&e, s);
    ck_assert_msg(rc == DA_OK, "parse '%s' failed: %s", s, da_errmsg());
    return e;
}

/* value of e at x (decimal text or mpfr) at prec bits through the tape */
static int tape_at(mpfr_t y, const da_expr *e, const mpfr_t x, mpfr_prec_t prec)
{
    da_tape *t = da_tape_new(e);
    ck_assert_ptr_nonnull(t);
    da_tape_ws *w = da_tape_ws_new(t, prec);
    ck_assert_ptr_nonnull(w);
    int rc = da_tape_eval_m(t, w, y, x);
    da_tape_ws_free(w);
    da_tape_free(t);
    return rc;
}

static void analyze_ok(const char *s, da_expr **e, da_expr_info *info)
{
    *e = parse_ok(s);
    int rc = da_expr_analyze(*e, info);
    ck_assert_msg(rc == DA_OK, "analyze '%s' failed: %s", s, da_errmsg());
}

/* |a - b| <= tol * max(1, |b|) */
static int close_m(const mpfr_t a, const mpfr_t b, double tol)
{
    mpfr_t d, s;
    mpfr_inits2(mpfr_get_prec(a), d, s, (mpfr_ptr)0);
    mpfr_sub(d, a, b, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_abs(s, b, MPFR_RNDN);
    if (mpfr_cmp_ui(s, 1) < 0)
        mpfr_set_ui(s, 1, MPFR_RNDN);
    mpfr_mul_d(s, s, tol, MPFR_RNDN);
    int ok = mpfr_lessequal_p(d, s);
    mpfr_clears(d, s, (mpfr_ptr)0);
    return ok;
}

/* ---- derivatives against finite differences ------------------------- */

typedef struct {
    const char *f;
    double pts[4];   /* NAN: unused */
} dcase;

static const dcase dcases[] = {
    {"x*tanh(x)", {0.37, -0.85, 1.3, 2.2}},
    {"exp(2*x) - expm1(x)", {0.37, -0.85, 1.3, 2.2}},
    {"log(1 + x^2) + log1p(x^2/3)", {0.37, -0.85, 1.3, 2.2}},
    {"sqrt(2 + x) * cbrt(x + 5)", {0.37, -0.85, 1.3, 2.2}},
    {"abs(x - 0.3)*x + sign(x)*x^2 + step(x) + relu(x)^3", {0.37, -0.85, 1.3, 2.2}},
    {"floor(x)*x + ceil(x) + x^3", {0.37, -0.85, 1.3, 2.2}},
    {"sin(3*x)*cos(x) + tan(x/3)", {0.37, -0.85, 1.3, 2.2}},
    {"asin(x/4) + acos(x/3) + atan(2*x)", {0.37, -0.85, 1.3, 2.2}},
    {"sinh(x)/cosh(x) + tanh(x^2)", {0.37, -0.85, 1.3, 2.2}},
    {"asinh(x) + acosh(x^2 + 2) + atanh(x/4)", {0.37, -0.85, 1.3, 2.2}},
    {"erf(x)*erfc(x)", {0.37, -0.85, 1.3, 2.2}},
    {"Phi(x)*phi(x) + phi(2*x - 1)", {0.37, -0.85, 1.3, 2.2}},
    {"sigmoid(2*x) + softplus(x)", {0.37, -0.85, 1.3, 2.2}},
    {"x*sigmoid(x)", {0.37, -0.85, 1.3, 2.2}},
    {"max(x, 0.5*x) + min(x^2, 1)", {0.37, -0.85, 1.3, 2.2}},
    {"clip(x, -1, 2)*x + clip(3*x, x - 1, x^2)", {0.37, -0.85, 1.3, 2.2}},
    {"x > 0.7 ? x^2 : sin(x)", {0.37, -0.85, 1.3, 2.2}},
    {"(x > -1 && x < 1) || x == 3 ? exp(x) : x", {0.37, -0.85, 1.3, 2.2}},
    {"!(x < 0)*x + (x >= 1)*x^2 + (x <= 2) + (x != 5)", {0.37, -0.85, 1.3, 2.2}},
    {"x^x", {0.37, 1.3, 2.2, NAN}},
    {"2^x + e^x*pi", {0.37, -0.85, 1.3, 2.2}},
    {"x^2.5 + x^(1/3)", {0.37, 1.3, 2.2, NAN}},
    {"(1 + x^2)^(-1.5)", {0.37, -0.85, 1.3, 2.2}},
    {"x/(1 + x^2)", {0.37, -0.85, 1.3, 2.2}},
    {"1/(2 + cos(x))^2", {0.37, -0.85, 1.3, 2.2}},
    {"x^3/3 - x + 7", {0.37, -0.85, 1.3, 2.2}},
    {"-x*exp(-x^2/2)", {0.37, -0.85, 1.3, 2.2}},
    {"(max(x,0) - 1/sqrt(2*pi))/sqrt(1/2 - 1/(2*pi))", {0.37, -0.85, 1.3, 2.2}},
    {"1.0507*(x > 0 ? x : 1.6733*expm1(x))", {0.37, -0.85, 1.3, 2.2}},
    {"x*tanh(softplus(x))", {0.37, -0.85, 1.3, 2.2}},
    {"exp(sin(x))^2 * log(2 + x)", {0.37, -0.85, 1.3, 2.2}},
};

START_TEST(test_diff_fd)
{
    const dcase *c = &dcases[_i];
    const mpfr_prec_t P = 256;
    da_expr *e = parse_ok(c->f);
    da_expr *d = da_expr_diff(e);
    ck_assert_ptr_nonnull(d);
    mpfr_t x, h, xp, xm, yp, ym, fd, yd;
    mpfr_inits2(P, x, h, xp, xm, yp, ym, fd, yd, (mpfr_ptr)0);
    mpfr_set_ui_2exp(h, 1, -60, MPFR_RNDN);
    for (int k = 0; k < 4; k++) {
        if (isnan(c->pts[k]))
            continue;
        mpfr_set_d(x, c->pts[k], MPFR_RNDN);
        mpfr_add(xp, x, h, MPFR_RNDN);
        mpfr_sub(xm, x, h, MPFR_RNDN);
        ck_assert_int_eq(tape_at(yp, e, xp, P), 0);
        ck_assert_int_eq(tape_at(ym, e, xm, P), 0);
        /* (f(x+h) - f(x-h)) / (2h) = (f(x+h) - f(x-h)) 2^59 */
        mpfr_sub(fd, yp, ym, MPFR_RNDN);
        mpfr_mul_2ui(fd, fd, 59, MPFR_RNDN);
        ck_assert_int_eq(tape_at(yd, d, x, P), 0);
        if (!close_m(yd, fd, 1e-25)) {
            char *ds = da_expr_str(d), *msg = NULL;
            mpfr_asprintf(&msg, "d/dx %s = %s wrong at x = %g: %.30Rg, differences say %.30Rg",
                          c->f, ds, c->pts[k], yd, fd);
            ck_abort_msg("%s", msg);
        }
    }
    mpfr_clears(x, h, xp, xm, yp, ym, fd, yd, (mpfr_ptr)0);
    da_expr_unref(d);
    da_expr_unref(e);
}
END_TEST

/* ---- readable output -------------------------------------------------- */

static void expect_str(da_expr *r, const char *want, const char *what)
{
    ck_assert_ptr_nonnull(r);
    char *s = da_expr_str(r);
    ck_assert_msg(strcmp(s, want) == 0, "%s: got '%s', want '%s'", what, s, want);
    free(s);
    da_expr_unref(r);
}

START_TEST(test_simplify)
{
    static const char *cases[][2] = {
        {"2*3 + x*1 - 0", "6+x"},
        {"0.1 + 0.2", "0.3"},
        {"1/2", "0.5"},
        {"1/3", "1/3"},
        {"2^10", "1024"},
        {"--x", "x"},
        {"x^1", "x"},
        {"x^0", "1"},
        {"0 - x", "-x"},
        {"x/1", "x"},
        {"x*0", "0"},
        {"0 + sin(x)", "sin(x)"},
        {"x - 0", "x"},
        {"1.5*4", "6"},
        {"2*x*3", "6*x"},
        {"x*2", "2*x"},
        {"0.5 - 1", "-0.5"},
        {"2 < 1", "0"},
        {"3 >= 3", "1"},
        {"3 > 2 ? x : 1", "x"},
        {"x > 0 ? cos(x) : cos(x)", "cos(x)"},
        {"exp(0) + log(1)*x", "1"},
        {"max(2, 3) + abs(-4)", "7"},
        /* decimals are never turned into doubles */
        {"0.1*x + 0.2*x", "0.1*x+0.2*x"},
        {"1.0507009873554804934193349852946*x", "1.0507009873554804934193349852946*x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        da_expr *e = parse_ok(cases[i][0]);
        expect_str(da_expr_simplify(e), cases[i][1], cases[i][0]);
        da_expr_unref(e);
    }
}
END_TEST

START_TEST(test_diff_readable)
{
    static const char *cases[][2] = {
        {"x*tanh(x)", "tanh(x)+x*(1-tanh(x)^2)"},
        {"x^3 - x", "3*x^2-1"},
        {"tanh(2*x)", "2*(1-tanh(2*x)^2)"},
        {"relu(x)", "step(x)"},
        {"abs(x)", "sign(x)"},
        {"max(x, 0)", "x>0 ? 1 : 0"},
        {"x > 0 ? x : exp(x) - 1", "x>0 ? 1 : exp(x)"},
        {"softplus(x)", "sigmoid(x)"},
        {"Phi(x)", "phi(x)"},
        {"sigmoid(x)", "sigmoid(x)*(1-sigmoid(x))"},
        {"sign(x) + step(x) + floor(x) + ceil(x) + (x > 1)", "0"},
        {"x^0.5", "0.5*x^-0.5"},
        {"5", "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        da_expr *e = parse_ok(cases[i][0]);
        expect_str(da_expr_diff(e), cases[i][1], cases[i][0]);
        da_expr_unref(e);
    }
}
END_TEST

/* ---- breakpoints ------------------------------------------------------ */

static void check_breaks(const char *f, int n, const char *const *want)
{
    da_expr *e;
    da_expr_info info;
    analyze_ok(f, &e, &info);
    ck_assert_msg(info.nbreak == n, "%s: %d breakpoints, want %d", f, info.nbreak, n);
    mpfr_t *pts = malloc((size_t)n * sizeof *pts);
    for (int i = 0; i < n; i++)
        mpfr_init2(pts[i], 200);
    ck_assert_int_eq(da_expr_breakpoints_m(e, &info, pts, 200), DA_OK);
    mpfr_t w;
    mpfr_init2(w, 200);
    for (int i = 0; i < n; i++) {
        mpfr_set_str(w, want[i], 10, MPFR_RNDN);
        if (!close_m(pts[i], w, 1e-50)) {
            char *msg = NULL;
            mpfr_asprintf(&msg, "%s: breakpoint %d is %.60Rg, want %s", f, i, pts[i], want[i]);
            ck_abort_msg("%s", msg);
        }
        ck_assert(fabs(info.brk[i] - mpfr_get_d(w, MPFR_RNDN)) <= 1e-15 * fmax(1, fabs(info.brk[i])));
        mpfr_clear(pts[i]);
    }
    mpfr_clear(w);
    free(pts);
    da_expr_info_clear(&info);
    da_expr_unref(e);
}

START_TEST(test_breakpoints)
{
    check_breaks("relu(x)", 1, (const char *[]){"0"});
    check_breaks("abs(x - 0.3)", 1, (const char *[]){"0.3"});
    check_breaks("clip(x, -2, 2)", 2, (const char *[]){"-2", "2"});
    check_breaks("max(x, 0.5*x)", 1, (const char *[]){"0"});
    check_breaks("x > 1 ? x : exp(x - 1)", 1, (const char *[]){"1"});
    check_breaks("abs(x - 1/3) + relu(x - 0.3)", 2, (const char *[]){"0.3",
        "0.33333333333333333333333333333333333333333333333333333333333"});
    check_breaks("abs(tanh(x) - 0.5)", 1,
                 (const char *[]){"0.5493061443340548456976226184612628523237452789113747"});
    /* the same point from two switches is reported once */
    check_breaks("relu(x) + abs(2*x) + (tanh(x) > 0 ? 1 : 0)", 1, (const char *[]){"0"});
    /* non-affine: x^3 = 2 */
    check_breaks("step(x^3 - 2)", 1,
                 (const char *[]){"1.259921049894873164767210607278228350570251464701507980"});
}
END_TEST

START_TEST(test_floor_breaks)
{
    da_expr *e;
    da_expr_info info;
    analyze_ok("floor(x)", &e, &info);
    ck_assert_int_eq(info.nbreak, 81);   /* -40 .. 40 */
    ck_assert(info.brk[0] == -40 && info.brk[40] == 0 && info.brk[80] == 40);
    for (int i = 0; i < info.nbreak; i++)
        ck_assert_int_eq(info.jump_order[i], 0);
    ck_assert_int_eq(info.cls, DA_CLASS_PWPOLY);
    da_expr_info_clear(&info);
    da_expr_unref(e);
    analyze_ok("ceil(x/2 + 0.25)", &e, &info);
    ck_assert_int_eq(info.nbreak, 40);   /* x = 2k - 0.5, |x| <= 40 */
    ck_assert(info.brk[0] == -38.5 && info.brk[39] == 39.5);
    da_expr_info_clear(&info);
    da_expr_unref(e);
}
END_TEST

START_TEST(test_jump_orders)
{
    static const struct {
        const char *f;
        int order;
    } cases[] = {
        {"step(x)", 0},
        {"sign(x - 1)", 0},
        {"relu(x)", 1},
        {"abs(x)", 1},
        {"max(x, 0)^2", 2},
        {"max(x, 0)^3", 3},
        {"x > 1 ? x : exp(x - 1)", 2},
        {"x > 0 ? x : exp(x) - 1", 2},
        {"x > 0 ? x : 0.01*x", 1},
        {"clip(x, -1, 1)", 1},
        {"max(x, 0)^5", -1},          /* the jump is in the 5th derivative */
        {"max(x, 0)^0.5", 1},         /* continuous, derivative infinite on one side */
        {"x > 0 ? log(x) : 0", 0},    /* unbounded on one side */
        {"floor(x/3 + 0.5)", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        da_expr *e;
        da_expr_info info;
        analyze_ok(cases[i].f, &e, &info);
        ck_assert_msg(info.nbreak >= 1, "%s: no breakpoint", cases[i].f);
        ck_assert_msg(info.jump_order[0] == cases[i].order, "%s: jump order %d, want %d",
                      cases[i].f, info.jump_order[0], cases[i].order);
        da_expr_info_clear(&info);
        da_expr_unref(e);
    }
    /* a Hoelder cusp is continuous: cbrt(x) and |x|^1.5 do not jump */
    static const char *cont[] = {"cbrt(x)", "abs(x)^1.5", "abs(x)^0.25"};
    for (size_t i = 0; i < sizeof cont / sizeof *cont; i++) {
        da_expr *e;
        da_expr_info info;
        analyze_ok(cont[i], &e, &info);
        ck_assert_int_eq(info.nbreak, 1);
        ck_assert_msg(info.jump_order[0] != 0, "%s: reported as jumping", cont[i]);
        da_expr_info_clear(&info);
        da_expr_unref(e);
    }
}
END_TEST

/* ---- classes and singularity distances -------------------------------- */

START_TEST(test_classes)
{
    const double pi = 3.14159265358979323846;
    static const struct {
        const char *f;
        da_class cls;
        double sd;   /* 0: INFINITY expected */
    } cases[] = {
        {"relu(x)", DA_CLASS_PWPOLY, 0},
        {"x^3 - x", DA_CLASS_POLY, 0},
        {"(x^2 - 1)/sqrt(2)", DA_CLASS_POLY, 0},
        {"abs(x) - 0.3*x", DA_CLASS_PWPOLY, 0},
        {"clip(x, -1, 1)", DA_CLASS_PWPOLY, 0},
        {"step(x)", DA_CLASS_PWPOLY, 0},
        {"max(x, 0)^3", DA_CLASS_PWPOLY, 0},
        {"x > 0 ? x : 0.01*x", DA_CLASS_PWPOLY, 0},
        {"(max(x,0) - 1/sqrt(2*pi))/sqrt(1/2 - 1/(2*pi))", DA_CLASS_PWPOLY, 0},
        {"tanh(x)", DA_CLASS_POLES, pi / 2},
        {"tanh(2*x)", DA_CLASS_POLES, pi / 4},
        {"tanh(x/2 + 1)", DA_CLASS_POLES, pi},
        {"x*sigmoid(x)", DA_CLASS_POLES, pi},
        {"softplus(x)", DA_CLASS_POLES, pi},
        {"log(1 + exp(x))", DA_CLASS_POLES, pi},
        {"1/(1 + exp(-2*x))", DA_CLASS_POLES, pi / 2},
        {"atan(x)", DA_CLASS_POLES, 1},
        {"asinh(3*x)", DA_CLASS_POLES, 1.0 / 3},
        {"x/(1 + x^2)", DA_CLASS_POLES, 1},
        {"1/(x^2 + 2*x + 5)", DA_CLASS_POLES, 2},
        {"sqrt(1 + x^2/4)", DA_CLASS_POLES, 2},
        {"erf(x)", DA_CLASS_ENTIRE, 0},
        {"x*Phi(x)", DA_CLASS_ENTIRE, 0},
        {"sin(x) + cos(2*x)*exp(-x^2/2)", DA_CLASS_ENTIRE, 0},
        {"exp(x)", DA_CLASS_ENTIRE, 0},
        {"x > 0 ? x : exp(x) - 1", DA_CLASS_PIECEWISE, 0},
        {"x > 0 ? tanh(x) : x", DA_CLASS_PIECEWISE, pi / 2},
        {"abs(x)^1.5", DA_CLASS_PIECEWISE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        da_expr *e;
        da_expr_info info;
        analyze_ok(cases[i].f, &e, &info);
        ck_assert_msg(info.cls == cases[i].cls, "%s: class %d, want %d", cases[i].f,
                      info.cls, cases[i].cls);
        if (cases[i].sd == 0)
            ck_assert_msg(isinf(info.sing_dist), "%s: sing_dist %g, want inf", cases[i].f,
                          info.sing_dist);
        else
            ck_assert_msg(fabs(info.sing_dist - cases[i].sd) < 1e-9 * cases[i].sd,
                          "%s: sing_dist %.17g, want %.17g", cases[i].f, info.sing_dist,
                          cases[i].sd);
        da_expr_info_clear(&info);
        da_expr_unref(e);
    }
}
END_TEST

START_TEST(test_growth)
{
    static const struct {
        const char *f;
        da_growth g;
        double p;
    } cases[] = {
        {"x^3 - x", DA_GROWTH_POLY, 3},
        {"relu(x)", DA_GROWTH_POLY, 1},
        {"clip(x, -1, 1)", DA_GROWTH_POLY, 0},
        {"tanh(x)", DA_GROWTH_POLY, 0},
        {"x*tanh(x)", DA_GROWTH_POLY, 1},
        {"exp(-x^2)", DA_GROWTH_POLY, 0},
        {"exp(x)", DA_GROWTH_EXP, 1},
        {"cosh(3*x)", DA_GROWTH_EXP, 3},
        {"x*exp(-2*x)", DA_GROWTH_EXP, 2},
        {"x > 1 ? x : exp(x - 1)", DA_GROWTH_POLY, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        da_expr *e;
        da_expr_info info;
        analyze_ok(cases[i].f, &e, &info);
        ck_assert_msg(info.growth == cases[i].g && fabs(info.growth_param - cases[i].p) < 1e-9,
                      "%s: growth %d %g, want %d %g", cases[i].f, info.growth,
                      info.growth_param, cases[i].g, cases[i].p);
        da_expr_info_clear(&info);
        da_expr_unref(e);
    }
}
END_TEST

/* ---- domain ------------------------------------------------------------ */

START_TEST(test_domain)
{
    static const struct {
        const char *f;
        const char *msg;
    } bad[] = {
        {"log(x)", "log of "},
        {"log(abs(x))", "log of 0 (sigma is unbounded there"},
        {"1/x", "division by zero at x = 0"},
        {"1/(x - 0.5)", "division by zero at x = 0.5"},
        {"1/(x - 100)", "division by zero at x = 100"},
        {"1/(x^3 - 2)", "division by zero near x = 1.25992"},
        {"sqrt(x)", "sqrt of a negative number"},
        {"log(x + 100)", "log of "},
        {"asin(x)", "asin of a number outside [-1, 1]"},
        {"x^0.5", "power of a negative number"},
        {"tan(x)", "tan has a pole near x = 1.5708"},
        {"exp(x^2)", "exp(x^2) grows too fast: not square integrable against the Gaussian"},
        {"cosh(x^2/4)", "grows too fast"},   /* cosh(x^2/8) is in L2: E cosh^2 < oo */
        {"exp(x)^x", "grows too fast"},
        /* total functions, but not finite on the grid: the shortcut of
           an_check_domain (a bound on |sigma| over |x| <= 40) must not
           take them */
        {"exp(exp(x))", "not finite near x = 20.4"},
        {"exp(20*tanh(x))*exp(exp(0.5*x))", "grows too fast"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        da_expr *e = parse_ok(bad[i].f);
        da_expr_info info;
        int rc = da_expr_analyze(e, &info);
        ck_assert_msg(rc == DA_EDOM, "%s: status %d, want DA_EDOM", bad[i].f, rc);
        ck_assert_msg(strstr(da_errmsg(), bad[i].msg) != NULL, "%s: message '%s', want '%s'",
                      bad[i].f, da_errmsg(), bad[i].msg);
        ck_assert_int_eq(info.nbreak, 0);
        ck_assert_ptr_null(info.brk);
        da_expr_unref(e);
    }
    static const char *good[] = {
        "x > 0 ? log(x) : 0", "max(x, 0)^0.5", "sqrt(x^2 + 1)", "log(1 + x^2)",
        "x > 1 ? 1/x : 1", "tan(sin(x))", "exp(-x^2)*x^40", "abs(x)^0.25",
        /* total, bounded on |x| <= 40 (no scan needed) */
        "tanh(x)", "x*Phi(x)", "x*sigmoid(x)", "exp(15*x)", "cosh(3*tanh(x))*softplus(x)",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        da_expr *e;
        da_expr_info info;
        analyze_ok(good[i], &e, &info);
        da_expr_info_clear(&info);
        da_expr_unref(e);
    }
}
END_TEST

/* ---- pieces ------------------------------------------------------------ */

/* f must have n pieces cut at brk[0..n-2] (decimal text), piece i of
 * degree deg[i] with the coefficients coef[i][0..deg[i]] (decimal text) */
static void check_pieces(const char *f, int n, const char *const *brk,
                         const int *deg, const char *const *const *coef)
{
    const mpfr_prec_t P = 200;
    da_expr *e;
    da_expr_info info;
    analyze_ok(f, &e, &info);
    da_piece *p;
    int np;
    ck_assert_int_eq(da_expr_pieces(&p, &np, e, &info, P), DA_OK);
    ck_assert_msg(np == n, "%s: %d pieces, want %d", f, np, n);
    mpfr_t w;
    mpfr_init2(w, P);
    for (int i = 0; i < n; i++) {
        if (i == 0)
            ck_assert(mpfr_inf_p(p[i].lo) && mpfr_sgn(p[i].lo) < 0);
        else {
            mpfr_set_str(w, brk[i - 1], 10, MPFR_RNDN);
            ck_assert(close_m(p[i].lo, w, 1e-50));
            ck_assert(mpfr_equal_p(p[i].lo, p[i - 1].hi));
        }
        if (i == n - 1)
            ck_assert(mpfr_inf_p(p[i].hi) && mpfr_sgn(p[i].hi) > 0);
        ck_assert_msg(p[i].deg == deg[i], "%s: piece %d degree %d, want %d", f, i, p[i].deg,
                      deg[i]);
        for (int k = 0; k <= deg[i]; k++) {
            mpfr_set_str(w, coef[i][k], 10, MPFR_RNDN);
            if (!close_m(p[i].c[k], w, 1e-50)) {
                char *msg = NULL;
                mpfr_asprintf(&msg, "%s: piece %d c%d = %.40Rg, want %s", f, i, k, p[i].c[k],
                              coef[i][k]);
                ck_abort_msg("%s", msg);
            }
        }
    }
    mpfr_clear(w);
    da_pieces_free(p, np);
    da_expr_info_clear(&info);
    da_expr_unref(e);
}

START_TEST(test_pieces)
{
    check_pieces("clip(x, -2, 2)", 3, (const char *[]){"-2", "2"}, (const int[]){0, 1, 0},
                 (const char *const *[]){(const char *[]){"-2"}, (const char *[]){"0", "1"},
                                         (const char *[]){"2"}});
    check_pieces("abs(x) - 0.3*x", 2, (const char *[]){"0"}, (const int[]){1, 1},
                 (const char *const *[]){(const char *[]){"0", "-1.3"},
                                         (const char *[]){"0", "0.7"}});
    check_pieces("max(x, 0)^3", 2, (const char *[]){"0"}, (const int[]){0, 3},
                 (const char *const *[]){(const char *[]){"0"},
                                         (const char *[]){"0", "0", "0", "1"}});
    check_pieces("(x - 1)^2*(x > 1) + 3", 2, (const char *[]){"1"}, (const int[]){0, 2},
                 (const char *const *[]){(const char *[]){"3"},
                                         (const char *[]){"4", "-2", "1"}});
    check_pieces("x^3 - x", 1, NULL, (const int[]){3},
                 (const char *const *[]){(const char *[]){"0", "-1", "0", "1"}});

    /* the paper's normalized ReLU: (max(x,0) - m)/s, m = 1/sqrt(2 pi),
     * s = sqrt(1/2 - 1/(2 pi)) */
    const mpfr_prec_t P = 200;
    mpfr_t m, s, c0, c1, t;
    mpfr_inits2(P + 40, m, s, c0, c1, t, (mpfr_ptr)0);
    mpfr_const_pi(t, MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    mpfr_sqrt(m, t, MPFR_RNDN);
    mpfr_ui_div(m, 1, m, MPFR_RNDN);
    /* 1/2 - 1/(2 pi) = (1 - 1/pi)/2 */
    mpfr_const_pi(t, MPFR_RNDN);
    mpfr_ui_div(t, 1, t, MPFR_RNDN);
    mpfr_ui_sub(s, 1, t, MPFR_RNDN);
    mpfr_div_2ui(s, s, 1, MPFR_RNDN);
    mpfr_sqrt(s, s, MPFR_RNDN);
    mpfr_div(c0, m, s, MPFR_RNDN);
    mpfr_neg(c0, c0, MPFR_RNDN);
    mpfr_ui_div(c1, 1, s, MPFR_RNDN);
    char *a0 = NULL, *a1 = NULL;
    mpfr_asprintf(&a0, "%.70Re", c0);
    mpfr_asprintf(&a1, "%.70Re", c1);
    check_pieces("(max(x,0) - 1/sqrt(2*pi))/sqrt(1/2 - 1/(2*pi))", 2, (const char *[]){"0"},
                 (const int[]){0, 1},
                 (const char *const *[]){(const char *[]){a0}, (const char *[]){a0, a1}});
    mpfr_free_str(a0);
    mpfr_free_str(a1);
    mpfr_clears(m, s, c0, c1, t, (mpfr_ptr)0);

    /* not a polynomial: refused */
    da_expr *e;
    da_expr_info info;
    analyze_ok("tanh(x)", &e, &info);
    da_piece *p;
    int np;
    ck_assert_int_eq(da_expr_pieces(&p, &np, e, &info, 64), DA_EINVAL);
    da_expr_info_clear(&info);
    da_expr_unref(e);
}
END_TEST

/* ---- pieces in ball arithmetic, proved (expr_pieces_arb.c) ------------ */

/* the ball holds the value v (400 bits) */
static int arb_holds(const arb_t b, const mpfr_t v)
{
    arb_t t;
    arb_init(t);
    arf_set_mpfr(arb_midref(t), v);
    int ok = arb_contains(b, t);
    arb_clear(t);
    return ok;
}

/* f is proved to have n pieces; brk(i, v) writes breakpoint i (closed
 * form, 400 bits), val(i, v) the constant of piece i, or the piece is
 * checked against the polynomial coefficients coef[i] (decimal text) */
typedef void (*closed_fn)(int i, mpfr_t v);

static da_apiece *proved_pieces(const char *f, int n, closed_fn brk, int *npout)
{
    da_expr *e;
    da_expr_info info;
    analyze_ok(f, &e, &info);
    da_apiece *p = NULL;
    int np = 0;
    char why[200];
    int st = da_expr_pieces_arb(&p, &np, e, &info, 200, why, sizeof why);
    ck_assert_msg(st == DA_OK, "%s: not proved (%s)", f, why);
    ck_assert_msg(np == n, "%s: %d pieces, want %d", f, np, n);
    mpfr_t v;
    mpfr_init2(v, 400);
    for (int i = 0; i < n; i++) {
        if (i == 0)
            ck_assert(arf_is_neg_inf(arb_midref(p[i].lo)));
        else
            ck_assert(arb_equal(p[i].lo, p[i - 1].hi));
        if (i == n - 1) {
            ck_assert(arf_is_pos_inf(arb_midref(p[i].hi)));
        } else {
            brk(i, v);
            ck_assert_msg(arb_holds(p[i].hi, v), "%s: breakpoint %d outside its ball", f, i);
            /* a proof, not a guess: tight */
            ck_assert(arb_rel_accuracy_bits(p[i].hi) > 150 || arb_is_exact(p[i].hi));
        }
    }
    mpfr_clear(v);
    da_expr_info_clear(&info);
    da_expr_unref(e);
    *npout = np;
    return p;
}

static void b_clip(int i, mpfr_t v)   /* -pi, sqrt(2) */
{
    if (i == 0) {
        mpfr_const_pi(v, MPFR_RNDN);
        mpfr_neg(v, v, MPFR_RNDN);
    } else {
        mpfr_sqrt_ui(v, 2, MPFR_RNDN);
    }
}

static void b_thirds(int i, mpfr_t v)   /* (i - 5)/3 */
{
    mpfr_set_si(v, i - 5, MPFR_RNDN);
    mpfr_div_ui(v, v, 3, MPFR_RNDN);
}

static void b_relu50(int i, mpfr_t v)   /* 0, 50 */
{
    mpfr_set_si(v, i == 0 ? 0 : 50, MPFR_RNDN);
}

static void b_abs(int i, mpfr_t v)   /* -1, 0, 1 */
{
    mpfr_set_si(v, i - 1, MPFR_RNDN);
}

static void b_pi(int i, mpfr_t v)
{
    (void)i;
    mpfr_const_pi(v, MPFR_RNDN);
}

static void b_zero(int i, mpfr_t v)
{
    (void)i;
    mpfr_set_zero(v, 1);
}

/* the piece's polynomial has coefficients c[0..len-1] (closed forms) */
static void piece_is(const da_apiece *p, int len, const mpfr_t *c, const char *f, int i)
{
    ck_assert_msg(p->len == len, "%s: piece %d has %ld coefficients, want %d", f, i,
                  (long)p->len, len);
    for (int k = 0; k < len; k++)
        ck_assert_msg(arb_holds(p->c + k, c[k]), "%s: piece %d, c%d outside its ball", f, i, k);
}

START_TEST(test_pieces_arb)
{
    int np;
    mpfr_t c[2];
    mpfr_init2(c[0], 400);
    mpfr_init2(c[1], 400);
    /* irrational breakpoints and constants: enclosures, not roundings */
    da_apiece *p = proved_pieces("clip(x,-pi,sqrt(2))", 3, b_clip, &np);
    b_clip(0, c[0]);
    piece_is(&p[0], 1, c, "clip", 0);
    mpfr_set_zero(c[0], 1);
    mpfr_set_ui(c[1], 1, MPFR_RNDN);
    piece_is(&p[1], 2, c, "clip", 1);
    b_clip(1, c[0]);
    piece_is(&p[2], 1, c, "clip", 2);
    da_apieces_free(p, np);
    /* floor of a bounded affine argument: breakpoints n/3, n = -5..5, the
       roots of floor's own conditions and of clip's (at -5/3 only clip
       switches: the value is -5 on both sides) */
    p = proved_pieces("floor(clip(3*x,-5,5))", 12, b_thirds, &np);
    for (int i = 0; i < 12; i++) {
        mpfr_set_si(c[0], i == 0 ? -5 : i - 6, MPFR_RNDN);
        piece_is(&p[i], i == 6 ? 0 : 1, c, "floor", i);
    }
    da_apieces_free(p, np);
    /* a breakpoint beyond the analysis' grid of [-40, 40] (the switch
       relu(x) - 50 is not affine in x): found by the proof */
    da_expr *e;
    da_expr_info info;
    analyze_ok("relu(relu(x)-50)", &e, &info);
    ck_assert_int_eq(info.nbreak, 1);
    da_expr_info_clear(&info);
    da_expr_unref(e);
    p = proved_pieces("relu(relu(x)-50)", 3, b_relu50, &np);
    mpfr_set_si(c[0], -50, MPFR_RNDN);
    mpfr_set_ui(c[1], 1, MPFR_RNDN);
    piece_is(&p[2], 2, c, "relu50", 2);
    ck_assert_int_eq(p[0].len, 0);
    ck_assert_int_eq(p[1].len, 0);
    da_apieces_free(p, np);
    /* breakpoints of non-affine switches (abs(x) - 1), settled exactly */
    p = proved_pieces("abs(abs(x)-1)", 4, b_abs, &np);
    for (int i = 0; i < 3; i++)
        ck_assert(arb_is_exact(p[i].hi));
    da_apieces_free(p, np);
    /* one irrational root from two switches with equal arguments */
    p = proved_pieces("max(x,pi)+(x>pi)", 2, b_pi, &np);
    da_apieces_free(p, np);
    /* a proposal where nothing switches (max in the branch not taken):
       dropped */
    p = proved_pieces("x>0 ? x : max(x,1)", 2, b_zero, &np);
    da_apieces_free(p, np);
    mpfr_clears(c[0], c[1], (mpfr_ptr)0);

    /* refused, with the reason */
    const char *bad[][2] = {
        {"x^2>2 ? 1 : 0", "degree 2"},
        {"x*(x^2+1>0)", "degree 2"},
        {"floor(x)", "infinitely often"},
        {"max(x,0.1)+(10*x>1)", "not separated"},
        {"tanh(x)", "not a (piecewise) polynomial"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        analyze_ok(bad[i][0], &e, &info);
        char why[200];
        p = NULL;
        int st = da_expr_pieces_arb(&p, &np, e, &info, 200, why, sizeof why);
        ck_assert_msg(st == DA_EDOM, "%s: status %d", bad[i][0], st);
        ck_assert_ptr_null(p);
        ck_assert_msg(strstr(why, bad[i][1]) != NULL, "%s: reason '%s'", bad[i][0], why);
        da_expr_info_clear(&info);
        da_expr_unref(e);
    }
}
END_TEST

START_TEST(test_poly_degree)
{
    da_expr *e;
    da_expr_info info;
    analyze_ok("(x + 1)^2 - x^2", &e, &info);   /* cancels to degree 1 */
    ck_assert_int_eq(info.cls, DA_CLASS_POLY);
    ck_assert_int_eq(info.poly_degree, 1);
    da_expr_info_clear(&info);
    da_expr_unref(e);
    analyze_ok("x > 0 ? x^4 : x", &e, &info);
    ck_assert_int_eq(info.cls, DA_CLASS_PWPOLY);
    ck_assert_int_eq(info.poly_degree, 4);
    ck_assert_int_eq(info.growth, DA_GROWTH_POLY);
    ck_assert(info.growth_param == 4);
    da_expr_info_clear(&info);
    da_expr_unref(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("expr_calc");
    TCase *tc = tcase_create("calc");
    tu_limits(tc, 60, 1);
    tcase_add_loop_test(tc, test_diff_fd, 0, (int)(sizeof dcases / sizeof *dcases));
    tcase_add_test(tc, test_simplify);
    tcase_add_test(tc, test_diff_readable);
    tcase_add_test(tc, test_breakpoints);
    tcase_add_test(tc, test_floor_breaks);
    tcase_add_test(tc, test_jump_orders);
    tcase_add_test(tc, test_classes);
    tcase_add_test(tc, test_growth);
    tcase_add_test(tc, test_domain);
    tcase_add_test(tc, test_pieces);
    tcase_add_test(tc, test_pieces_arb);
    tcase_add_test(tc, test_poly_degree);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

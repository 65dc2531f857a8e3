/* check_expr.c -- the expression front end: parser, printers, tapes.
 *
 * Round trips through the canonical text, precedence, every parse error
 * with its column, double against MPFR on grids for every function, MPFR
 * at two precisions, values against constants computed independently
 * (mpmath, 70 digits), short-circuit evaluation, LaTeX, speed. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "act/expr.h"
#include "act/tape_ball.h"

#include <complex.h>

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
    ck_assert_msg(rc == DA_OK, "parse '%s' failed: %s (col %d)", s,
                  da_errmsg(), da_errcol());
    ck_assert_ptr_nonnull(e);
    return e;
}

static double eval_d(const char *s, double x)
{
    da_expr *e = parse_ok(s);
    da_tape *t = da_tape_new(e);
    ck_assert_ptr_nonnull(t);
    double y = da_tape_eval_d(t, x);
    da_tape_free(t);
    da_expr_unref(e);
    return y;
}

/* e(x) at prec bits into y; returns the status of da_tape_eval_m */
static int eval_m(mpfr_t y, const char *s, const char *xs, mpfr_prec_t prec)
{
    da_expr *e = parse_ok(s);
    da_tape *t = da_tape_new(e);
    ck_assert_ptr_nonnull(t);
    da_tape_ws *w = da_tape_ws_new(t, prec);
    ck_assert_ptr_nonnull(w);
    mpfr_t x;
    mpfr_init2(x, prec + 64);
    mpfr_set_str(x, xs, 10, MPFR_RNDN);
    int rc = da_tape_eval_m(t, w, y, x);
    mpfr_clear(x);
    da_tape_ws_free(w);
    da_tape_free(t);
    da_expr_unref(e);
    return rc;
}

static char *str_of(const char *s)
{
    da_expr *e = parse_ok(s);
    char *p = da_expr_str(e);
    ck_assert_ptr_nonnull(p);
    da_expr_unref(e);
    return p;
}

static char *latex_of(const char *s)
{
    da_expr *e = parse_ok(s);
    char *p = da_expr_latex(e);
    ck_assert_ptr_nonnull(p);
    da_expr_unref(e);
    return p;
}

/* ---- round trips --------------------------------------------------------- */

static const char *const roundtrip[] = {
    "x", "-x", "x^2", "-x^2", "(-x)^2", "2^3^2", "(2^3)^2", "1-2-3",
    "1-(2-3)", "x/2/3", "x/(2/3)", "2^-x", "x^-2", "x**3",
    "-2", "-(2)", "--x", "- -2", "x- -2", "x*-1", "(-2)^x", "-2^x",
    "0.5*x*(1+erf(x/sqrt(2)))", "x*tanh(softplus(x))", "x*sigmoid(1.702*x)",
    "x>0 ? x : 0.01*x", "x>0 ? 1 : x<0 ? -1 : 0", "(x>0 ? 1 : 2) ? 3 : 4",
    "x>0 && x<1", "x<0 || x>1 && x<2", "(x<0 || x>1) && x<2", "!(x>0)",
    "!x", "x==1 != 0", "x<=1 >= 0", "(x>0)+(x<0)*2",
    "max(x, 0)+min(x, 0)*0.1", "clip(x, -1, 1)", "relu(x)-relu(-x)",
    "exp(-x^2/2)/sqrt(2*pi)", "e^x - exp(x)", "log1p(exp(-abs(x)))+max(x,0)",
    "sign(x)*step(x)+floor(x)-ceil(x)", "cbrt(x)*abs(x)",
    "sin(x)+cos(x)+tan(x)+asin(x/9)+acos(x/9)+atan(x)",
    "sinh(x)*cosh(x)*tanh(x)+asinh(x)+acosh(1+x^2)+atanh(x/9)",
    "erfc(x)*Phi(x)*phi(x)", "expm1(x)/x", "1.5e-3*x + 2E+2 + .25",
    "x ? 1 : 0", "1/(1+exp(-x))", "((((x))))", "  x  *  2  ",
    "0.1000000000000000000000000000001*x",
};

START_TEST(test_roundtrip)
{
    for (size_t i = 0; i < sizeof roundtrip / sizeof roundtrip[0]; i++) {
        da_expr *e = parse_ok(roundtrip[i]);
        char *s = da_expr_str(e);
        ck_assert_ptr_nonnull(s);
        da_expr *f = NULL;
        int rc = da_expr_parse(&f, s);
        ck_assert_msg(rc == DA_OK, "reparse of '%s' -> '%s' failed: %s",
                      roundtrip[i], s, da_errmsg());
        ck_assert_msg(da_expr_equal(e, f), "'%s' -> '%s' not equal",
                      roundtrip[i], s);
        /* the canonical text is a fixed point */
        char *s2 = da_expr_str(f);
        ck_assert_str_eq(s, s2);
        free(s);
        free(s2);
        da_expr_unref(e);
        da_expr_unref(f);
    }
}
END_TEST

START_TEST(test_canonical_text)
{
    static const struct { const char *in, *out; } c[] = {
        {"x**2", "x^2"},
        {"((x))", "x"},
        {"-(x^2)", "-x^2"},
        {"(-x)^2", "(-x)^2"},
        {"2^(3^2)", "2^3^2"},
        {"(2^3)^2", "(2^3)^2"},
        {"1-(2-3)", "1-(2-3)"},
        {"(1-2)-3", "1-2-3"},
        {"x- -2", "x-(-2)"},
        {"--x", "-(-x)"},
        {"-(2)", "-(2)"},
        {"+x", "x"},
        {"+2.5", "2.5"},
        {".5", "0.5"},
        {"x>0?x:0", "x>0 ? x : 0"},
        {"max(x,0)", "max(x, 0)"},
        {"x  &&  x", "x && x"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *s = str_of(c[i].in);
        ck_assert_msg(strcmp(s, c[i].out) == 0, "'%s' printed '%s', want '%s'",
                      c[i].in, s, c[i].out);
        free(s);
    }
}
END_TEST

/* ---- precedence ------------------------------------------------------------ */

START_TEST(test_precedence)
{
    da_expr *e = parse_ok("-x^2");
    ck_assert_int_eq(e->op, DA_E_NEG);
    ck_assert_int_eq(e->a[0]->op, DA_E_POW);
    da_expr_unref(e);

    e = parse_ok("x>0 ? 1 : x<0 ? -1 : 0");
    ck_assert_int_eq(e->op, DA_E_COND);
    ck_assert_int_eq(e->a[0]->op, DA_E_GT);
    ck_assert_int_eq(e->a[2]->op, DA_E_COND);
    ck_assert_int_eq(e->a[2]->a[0]->op, DA_E_LT);
    ck_assert_int_eq(e->a[2]->a[1]->op, DA_E_NUM);
    ck_assert_str_eq(e->a[2]->a[1]->num, "-1");
    da_expr_unref(e);

    e = parse_ok("x>0&&x<1");
    ck_assert_int_eq(e->op, DA_E_AND);
    ck_assert_int_eq(e->a[0]->op, DA_E_GT);
    ck_assert_int_eq(e->a[1]->op, DA_E_LT);
    da_expr_unref(e);

    e = parse_ok("x<0 || x>1 && x<2");
    ck_assert_int_eq(e->op, DA_E_OR);
    ck_assert_int_eq(e->a[1]->op, DA_E_AND);
    da_expr_unref(e);

    /* "-2" is a literal, "-(2)" a negation, "-2^2" the negation of 2^2 */
    e = parse_ok("-2");
    ck_assert_int_eq(e->op, DA_E_NUM);
    ck_assert_str_eq(e->num, "-2");
    da_expr_unref(e);
    e = parse_ok("-(2)");
    ck_assert_int_eq(e->op, DA_E_NEG);
    da_expr_unref(e);
    e = parse_ok("2^-x");
    ck_assert_int_eq(e->op, DA_E_POW);
    ck_assert_int_eq(e->a[1]->op, DA_E_NEG);
    da_expr_unref(e);

    static const struct { const char *s; double x, y; } v[] = {
        {"-x^2", 3, -9},
        {"2^3^2", 0, 512},
        {"2**3**2", 0, 512},
        {"(2^3)^2", 0, 64},
        {"1-2-3", 0, -4},
        {"24/4/2", 0, 3},
        {"1+2*3", 0, 7},
        {"2*3^2", 0, 18},
        {"-2^2", 0, -4},
        {"(-2)^2", 0, 4},
        {"2^-1", 0, 0.5},
        {"2^-1^2", 0, 0.5},
        {"-x", 2, -2},
        {"x*-x", 3, -9},
        {"1+x>2", 1.5, 1},
        {"1<2==1", 0, 1},
        {"!0+1", 0, 2},
        {"!x>0", 0, 1},
        {"x>0 ? 1 : x<0 ? -1 : 0", -5, -1},
        {"x>0 ? 1 : x<0 ? -1 : 0", 0, 0},
        {"x>0 ? 1 : x<0 ? -1 : 0", 5, 1},
        {"x>0&&x<1", 0.5, 1},
        {"x>0&&x<1", 1.5, 0},
        {"x<0||x>1", 1.5, 1},
        {"x<0||x>1", 0.5, 0},
        {"1 ? 2 : 3 ? 4 : 5", 0, 2},
        {"0 ? 2 : 0 ? 4 : 5", 0, 5},
        {"x == 2", 2, 1},
        {"x != 2", 2, 0},
        {"x >= 2", 2, 1},
        {"x <= 1", 2, 0},
        {"e", 0, 2.718281828459045},
        {"pi", 0, 3.141592653589793},
        {"1e2 + 1.5E-1 + .5", 0, 100.65},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        double y = eval_d(v[i].s, v[i].x);
        ck_assert_msg(fabs(y - v[i].y) <= 1e-15 * fabs(v[i].y),
                      "%s at %g = %.17g, want %.17g", v[i].s, v[i].x, y,
                      v[i].y);
    }
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_errors)
{
    static const struct { const char *s; int col; const char *msg; } c[] = {
        {"", 1, "empty expression"},
        {"   ", 4, "empty expression"},
        {"(", 2, "unexpected end of input"},
        {"x+", 3, "unexpected end of input"},
        {"(x", 3, "expected ')'"},
        {"max(x, 1", 9, "expected ')'"},
        {"tanhh(x)", 1, "unknown function 'tanhh'"},
        {"2*tanhh(x)", 3, "unknown function 'tanhh'"},
        {"max(x)", 1, "'max' takes 2 arguments"},
        {"tanh(x, 1)", 1, "'tanh' takes 1 argument"},
        {"clip(x, 1)", 1, "'clip' takes 3 arguments"},
        {"exp()", 1, "'exp' takes 1 argument"},
        {"1e99999", 1, "number out of range"},
        {"x+1e-10001", 3, "number out of range"},
        {"1e400", 1, "number out of range"},
        {"y", 1, "unknown variable 'y'"},
        {"x*xx", 3, "unknown variable 'xx'"},
        {"x #", 3, "unexpected character '#'"},
        {"x = 1", 3, "unexpected character '='"},
        {"x & 1", 3, "unexpected character '&'"},
        {"x ? 1", 6, "expected ':'"},
        {"x )", 3, "unexpected ')'"},
        {"x 2", 3, "unexpected '2'"},
        {"*x", 1, "unexpected '*'"},
        {"tanh", 5, "expected '(' after 'tanh'"},
        {"2e", 2, "unexpected 'e'"},
        {"x\x01", 2, "unexpected character '\\x01'"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        da_expr *e = (da_expr *)1;
        int rc = da_expr_parse(&e, c[i].s);
        ck_assert_msg(rc == DA_EPARSE, "'%s' parsed", c[i].s);
        ck_assert_ptr_null(e);
        ck_assert_msg(strcmp(da_errmsg(), c[i].msg) == 0,
                      "'%s': message '%s', want '%s'", c[i].s, da_errmsg(),
                      c[i].msg);
        ck_assert_msg(da_errcol() == c[i].col, "'%s': column %d, want %d",
                      c[i].s, da_errcol(), c[i].col);
    }
}
END_TEST

/* more breakpoints than the analysis keeps: refused, not truncated (the
   truncated piece list gave mean -17002 for floor(3000*x), whose mean is
   -1/2) */
START_TEST(test_breakpoint_cap)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "floor(3000*x)"), DA_EINVAL);
    ck_assert_msg(strstr(da_errmsg(), "at most 100000") != NULL, "%s", da_errmsg());
    ck_assert(a == NULL);
    ck_assert_int_eq(da_act_new(&a, "sign(x) + floor(1250*x)"), DA_EINVAL);
    ck_assert(a == NULL);
    ck_assert_int_eq(da_act_new(&a, "floor(100*x)"), DA_OK);
    da_act_free(a);
}
END_TEST

START_TEST(test_limits)
{
    da_expr *e;
    /* 300 nested parentheses: the 201st is too deep */
    char buf[1000];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        buf[n++] = '(';
    buf[n++] = 'x';
    for (int i = 0; i < 300; i++)
        buf[n++] = ')';
    buf[n] = '\0';
    ck_assert_int_eq(da_expr_parse(&e, buf), DA_EPARSE);
    ck_assert_str_eq(da_errmsg(), "expression nested too deeply (at most 200 nested parentheses, calls and signs)");
    ck_assert_int_eq(da_errcol(), 201);
    /* 200 are fine */
    n = 0;
    for (int i = 0; i < 200; i++)
        buf[n++] = '(';
    buf[n++] = 'x';
    for (int i = 0; i < 200; i++)
        buf[n++] = ')';
    buf[n] = '\0';
    ck_assert_int_eq(da_expr_parse(&e, buf), DA_OK);
    ck_assert_int_eq(e->op, DA_E_X);
    da_expr_unref(e);
    /* 300 minus signs */
    n = 0;
    for (int i = 0; i < 300; i++)
        buf[n++] = '-';
    buf[n++] = 'x';
    buf[n] = '\0';
    ck_assert_int_eq(da_expr_parse(&e, buf), DA_EPARSE);
    ck_assert_str_eq(da_errmsg(), "expression nested too deeply (at most 200 nested parentheses, calls and signs)");

    /* a 100 kB string */
    size_t big = 100000;
    char *s = malloc(big + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < big; i += 2) {
        s[i] = 'x';
        s[i + 1] = '+';
    }
    s[big - 1] = 'x';
    s[big] = '\0';
    ck_assert_int_eq(da_expr_parse(&e, s), DA_EPARSE);
    ck_assert_str_eq(da_errmsg(), "expression too long (at most 65536 characters)");
    ck_assert_int_eq(da_errcol(), 65537);
    /* 65535 characters "x+x+...+x" are within the length limit but make a
     * tree too deep to be worked with */
    s[65535] = '\0';
    ck_assert_int_eq(da_expr_parse(&e, s), DA_EPARSE);
    ck_assert_str_eq(da_errmsg(), "expression nested too deeply (at most 1000 levels of operators: a sum of about 1000 terms)");
    /* 999 terms are fine */
    s[2 * 999 - 1] = '\0';
    ck_assert_int_eq(da_expr_parse(&e, s), DA_OK);
    da_tape *t = da_tape_new(e);
    ck_assert_ptr_nonnull(t);
    ck_assert_double_eq(da_tape_eval_d(t, 0.5), 499.5);
    da_tape_free(t);
    da_expr_unref(e);
    free(s);
}
END_TEST

/* ---- catalogue names, substitution, equality ------------------------------ */

START_TEST(test_catalogue)
{
    const char *gelu = da_catalog_expr("gelu");
    ck_assert_ptr_nonnull(gelu);
    da_expr *body = parse_ok(gelu);
    da_expr *arg = parse_ok("2*x+1");
    da_expr *want = da_expr_subst(body, arg);
    da_expr *got = parse_ok("gelu(2*x+1)");
    ck_assert(da_expr_equal(want, got));
    da_expr_unref(body);
    da_expr_unref(arg);
    da_expr_unref(want);
    da_expr_unref(got);

    /* nested, and the catalogue relu agrees with the built-in */
    ck_assert_double_eq_tol(eval_d("gelu(gelu(x))", 1.3),
                            eval_d("(x*Phi(x))*Phi(x*Phi(x))", 1.3), 1e-15);
    da_expr *e;
    ck_assert_int_eq(da_expr_parse(&e, "gelu(x, 1)"), DA_EPARSE);
    ck_assert_str_eq(da_errmsg(), "'gelu' takes 1 argument");
    ck_assert_int_eq(da_expr_parse(&e, "gelu"), DA_EPARSE);
    ck_assert_str_eq(da_errmsg(), "expected '(' after 'gelu'");
}
END_TEST

START_TEST(test_ast)
{
    da_expr *a = da_expr_num("0.10"), *b = da_expr_num("1e-1");
    da_expr *c = da_expr_num("+0.1"), *d = da_expr_num("0.11");
    ck_assert_str_eq(c->num, "0.1");
    ck_assert(da_expr_equal(a, b));
    ck_assert(da_expr_equal(a, c));
    ck_assert(!da_expr_equal(a, d));
    da_expr *z1 = da_expr_num("0"), *z2 = da_expr_num("0.000e5");
    ck_assert(da_expr_equal(z1, z2));
    da_expr *i = da_expr_int(-3);
    ck_assert_str_eq(i->num, "-3");
    ck_assert_double_eq(i->val, -3.0);
    ck_assert_int_eq(da_fn_arity(DA_F_CLIP), 3);
    ck_assert_int_eq(da_fn_arity(DA_F_MAX), 2);
    ck_assert_int_eq(da_fn_arity(DA_F_TANH), 1);
    ck_assert_str_eq(da_fn_name(DA_F_PHI_CDF), "Phi");
    ck_assert_str_eq(da_fn_name(DA_F_PHI_PDF), "phi");
    /* substitution shares subtrees and keeps references straight */
    da_expr *e = parse_ok("x*tanh(x)+1");
    da_expr *s = parse_ok("x^2");
    da_expr *f = da_expr_subst(e, s);
    da_expr *g = parse_ok("x^2*tanh(x^2)+1");
    ck_assert(da_expr_equal(f, g));
    ck_assert(!da_expr_equal(e, g));
    da_expr *r = da_expr_ref(f);
    ck_assert_ptr_eq(r, f);
    ck_assert_uint_eq(f->refs, 2);
    da_expr_unref(r);
    /* the negative integer prints as a literal and parses back */
    da_expr *n = da_expr_node(DA_E_MUL, DA_F_COUNT, 2, da_expr_x(),
                              da_expr_int(-3), NULL);
    char *t = da_expr_str(n);
    ck_assert_str_eq(t, "x*(-3)");
    da_expr *n2 = parse_ok(t);
    ck_assert(da_expr_equal(n, n2));
    free(t);
    da_expr *objs[] = {a, b, c, d, z1, z2, i, e, s, f, g, n, n2};
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
        da_expr_unref(objs[k]);
}
END_TEST

/* ---- double against MPFR ------------------------------------------------- */

typedef struct {
    const char *f;
    double lo, hi;
    double tol;   /* relative */
} fcase;

static const fcase fcases[] = {
    {"exp(x)", -20, 20, 2e-15}, {"expm1(x)", -3, 3, 2e-15},
    {"log(x)", 0.01, 50, 2e-15}, {"log1p(x)", -0.9, 10, 2e-15},
    {"sqrt(x)", 0, 50, 2e-15}, {"cbrt(x)", -30, 30, 2e-15},
    {"abs(x)", -4, 4, 0}, {"sign(x)", -4, 4, 0}, {"step(x)", -4, 4, 0},
    {"floor(x)", -4, 4, 0}, {"ceil(x)", -4, 4, 0},
    {"sin(x)", -4, 4, 2e-15}, {"cos(x)", -4, 4, 2e-15},
    {"tan(x)", -1.5, 1.5, 2e-15}, {"asin(x)", -0.99, 0.99, 2e-15},
    {"acos(x)", -0.99, 0.99, 2e-15}, {"atan(x)", -10, 10, 2e-15},
    {"sinh(x)", -10, 10, 2e-15}, {"cosh(x)", -10, 10, 2e-15},
    {"tanh(x)", -10, 10, 2e-15}, {"asinh(x)", -10, 10, 2e-15},
    {"acosh(x)", 1.01, 20, 2e-15}, {"atanh(x)", -0.99, 0.99, 2e-15},
    {"erf(x)", -4, 4, 2e-15}, {"erfc(x)", -4, 5, 4e-15},
    {"Phi(x)", -5, 5, 1e-14}, {"phi(x)", -6, 6, 4e-15},
    {"sigmoid(x)", -30, 30, 2e-15}, {"softplus(x)", -30, 30, 2e-15},
    {"relu(x)", -4, 4, 0}, {"max(x, 0.3)", -4, 4, 0},
    {"min(x, 0.3)", -4, 4, 0}, {"clip(x, -0.7, 1.3)", -4, 4, 0},
    {"x^2.5", 0, 10, 2e-15}, {"x^3", -10, 10, 2e-15},
    {"x^-2", 0.1, 10, 2e-15}, {"2^x", -10, 10, 2e-15},
    {"x/3 - x*0.1 + 1", -4, 4, 1e-15},
    {"x*tanh(softplus(x))", -8, 8, 4e-15},
    {"0.5*x*(1+erf(x/sqrt(2)))", -2, 4, 1e-14}, /* 1+erf cancels below */
    {"x>0 ? x : 0.01*x", -4, 4, 1e-15},
};

START_TEST(test_double_vs_mpfr)
{
    const int N = 97;
    mpfr_t x, y;
    mpfr_init2(x, 53);
    mpfr_init2(y, 53);
    for (size_t k = 0; k < sizeof fcases / sizeof fcases[0]; k++) {
        const fcase *c = &fcases[k];
        da_expr *e = parse_ok(c->f);
        da_tape *t = da_tape_new(e);
        da_tape_ws *w = da_tape_ws_new(t, 53);
        ck_assert_ptr_nonnull(w);
        for (int i = 0; i < N; i++) {
            double xd = c->lo + (c->hi - c->lo) * (i + 0.3183) / N;
            mpfr_set_d(x, xd, MPFR_RNDN);
            int rc = da_tape_eval_m(t, w, y, x);
            double ym = mpfr_get_d(y, MPFR_RNDN);
            double yd = da_tape_eval_d(t, xd);
            ck_assert_msg(rc == 0, "%s at %.17g: MPFR status %d", c->f, xd, rc);
            double err = fabs(yd - ym);
            ck_assert_msg(err <= c->tol * fabs(ym) + 1e-300,
                          "%s at %.17g: double %.17g, MPFR %.17g (rel %.3g)",
                          c->f, xd, yd, ym, err / fabs(ym));
        }
        da_tape_ws_free(w);
        da_tape_free(t);
        da_expr_unref(e);
    }
    mpfr_clear(x);
    mpfr_clear(y);
}
END_TEST

START_TEST(test_mpfr_precisions)
{
    static const char *const f[] = {
        "x*tanh(softplus(x))", "0.5*x*(1+erf(x/sqrt(2)))", "x*Phi(x)",
        "phi(x)*x^3 - Phi(-x)", "x*sigmoid(1.702*x)", "exp(-x^2/2)/sqrt(2*pi)",
        "log1p(exp(-abs(x)))+max(x,0)", "asinh(x)+atan(x)+cbrt(x)+e^x",
        "x>0 ? x : expm1(x)", "sigmoid(x)-1/(1+exp(-x))+1",
    };
    const int N = 41;
    mpfr_t x, y1, y2, d;
    mpfr_inits2(400, x, y1, y2, d, (mpfr_ptr)0);
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        da_expr *e = parse_ok(f[k]);
        da_tape *t = da_tape_new(e);
        da_tape_ws *w1 = da_tape_ws_new(t, 200), *w2 = da_tape_ws_new(t, 400);
        ck_assert_ptr_nonnull(w1);
        ck_assert_ptr_nonnull(w2);
        mpfr_set_prec(y1, 200);
        for (int i = 0; i < N; i++) {
            /* x = -6 + 12 (i + 1/3) / N, exactly the same in both */
            mpfr_set_ui(x, 3 * i + 1, MPFR_RNDN);
            mpfr_mul_ui(x, x, 12, MPFR_RNDN);
            mpfr_div_ui(x, x, 3 * N, MPFR_RNDN);
            mpfr_sub_ui(x, x, 6, MPFR_RNDN);
            ck_assert_int_eq(da_tape_eval_m(t, w1, y1, x), 0);
            ck_assert_int_eq(da_tape_eval_m(t, w2, y2, x), 0);
            mpfr_sub(d, y1, y2, MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDN);
            mpfr_t tol;
            mpfr_init2(tol, 64);
            mpfr_abs(tol, y2, MPFR_RNDN);
            mpfr_mul_d(tol, tol, 1e-55, MPFR_RNDN);
            ck_assert_msg(mpfr_lessequal_p(d, tol) || mpfr_zero_p(y2),
                          "%s: 200 and 400 bits differ at x = %g", f[k],
                          mpfr_get_d(x, MPFR_RNDN));
            mpfr_clear(tol);
        }
        da_tape_ws_free(w1);
        da_tape_ws_free(w2);
        da_tape_free(t);
        da_expr_unref(e);
    }
    mpfr_clears(x, y1, y2, d, (mpfr_ptr)0);
}
END_TEST

/* |y - ref| <= rel |ref| */
static void assert_close(const mpfr_t y, const char *ref, double rel,
                         const char *what)
{
    mpfr_t r, d;
    mpfr_init2(r, 300);
    mpfr_init2(d, 300);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    mpfr_sub(d, y, r, MPFR_RNDN);
    mpfr_div(d, d, r, MPFR_RNDN);
    double e = fabs(mpfr_get_d(d, MPFR_RNDN));
    ck_assert_msg(e <= rel, "%s: relative error %g > %g", what, e, rel);
    mpfr_clear(r);
    mpfr_clear(d);
}

START_TEST(test_known_values)
{
    mpfr_t y;
    mpfr_init2(y, 200);
    /* references: mpmath at 70 digits */
    ck_assert_int_eq(eval_m(y, "Phi(x)", "1", 200), 0);
    assert_close(y, "0.8413447460685429485852325456320379224779129667266043909873944502429914",
                 1e-58, "Phi(1)");
    ck_assert_int_eq(eval_m(y, "Phi(x)", "-3", 200), 0);
    assert_close(y, "0.001349898031630094526651814767594977377829368158380649364221985355805721",
                 1e-58, "Phi(-3)");
    ck_assert_int_eq(eval_m(y, "phi(x)", "1", 200), 0);
    assert_close(y, "0.2419707245191433497978301929355606548286719707374350254875550842811001",
                 1e-58, "phi(1)");
    ck_assert_int_eq(eval_m(y, "erf(x)", "0.5", 200), 0);
    assert_close(y, "0.5204998778130465376827466538919645287364515757579637000588057256471935",
                 1e-58, "erf(0.5)");
    ck_assert_int_eq(eval_m(y, "x*tanh(softplus(x))", "1.5", 200), 0);
    assert_close(y, "1.40337826639580258498550906509666424797876318399846010926553762747421",
                 1e-58, "mish(1.5)");
    ck_assert_int_eq(eval_m(y, "sigmoid(x)", "-800", 200), 0);
    ck_assert(mpfr_sgn(y) > 0);
    assert_close(y, "3.667874584177687213455495654260798215469634226612640705069151310903542e-348",
                 1e-58, "sigmoid(-800)");
    /* softplus(1000) = 1000 + log1p(exp(-1000)) = 1000 + 5.07e-435 */
    mpfr_set_prec(y, 1600);
    ck_assert_int_eq(eval_m(y, "softplus(x)", "1000", 1600), 0);
    ck_assert(mpfr_cmp_ui(y, 1000) > 0);
    mpfr_sub_ui(y, y, 1000, MPFR_RNDN);
    assert_close(y, "5.075958897549456765291809479574336919305599282892837361832393845410541e-435",
                 1e-30, "softplus(1000) - 1000");
    ck_assert_double_eq(eval_d("softplus(x)", 1000), 1000.0);
    ck_assert_double_eq(eval_d("sigmoid(x)", -800), 0.0);
    ck_assert_double_eq(eval_d("sigmoid(x)", 800), 1.0);
    ck_assert_double_eq_tol(eval_d("Phi(x)", 1), 0.8413447460685429, 2e-16);

    /* decimal constants are exact in MPFR: 0.1*3 - 0.3 = 0 to 200 bits */
    mpfr_set_prec(y, 200);
    ck_assert_int_eq(eval_m(y, "(0.1*3 - 0.3)*1e50", "0", 200), 0);
    ck_assert(mpfr_cmpabs_ui(y, 1) < 0);
    /* pi and e */
    ck_assert_int_eq(eval_m(y, "pi - 4*atan(1) + e - exp(1)", "0", 200), 0);
    ck_assert(mpfr_zero_p(y) || mpfr_get_exp(y) < -200);

    /* integer powers of negative numbers are exact; real powers NaN */
    ck_assert_int_eq(eval_m(y, "x^3", "-2", 200), 0);
    ck_assert(mpfr_cmp_si(y, -8) == 0);
    ck_assert_int_eq(eval_m(y, "x^-3", "-2", 200), 0);
    ck_assert(mpfr_cmp_d(y, -0.125) == 0);
    ck_assert_int_ne(eval_m(y, "x^2.5", "-2", 200), 0);
    ck_assert(mpfr_nan_p(y));
    ck_assert(isnan(eval_d("x^2.5", -2)));
    ck_assert_double_eq(eval_d("x^3", -2), -8);
    ck_assert_int_eq(eval_m(y, "x^(1+2)", "-2", 200), 0); /* real path */
    ck_assert(mpfr_cmp_si(y, -8) == 0);

    /* step(0) = sign(0) = 0 */
    ck_assert_int_eq(eval_m(y, "step(x) + sign(x)", "0", 200), 0);
    ck_assert(mpfr_zero_p(y));
    ck_assert_double_eq(eval_d("step(x) + sign(x)", 0), 0);
    ck_assert_double_eq(eval_d("sign(x)", -0.5), -1);

    /* NaN and infinity are reported */
    ck_assert_int_ne(eval_m(y, "log(x)", "-1", 200), 0);
    ck_assert_int_ne(eval_m(y, "1/x", "0", 200), 0);
    ck_assert_int_ne(eval_m(y, "max(log(x), 0)", "-1", 200), 0);
    ck_assert(isnan(eval_d("max(log(x), 0)", -1)));
    ck_assert(isnan(eval_d("log(x) > 0", -1)));
    mpfr_clear(y);
}
END_TEST

/* ---- conditionals and short circuits ------------------------------------ */

START_TEST(test_no_nan_leak)
{
    static const struct { const char *s; double x, y; } c[] = {
        {"x>0 ? sqrt(x) : 0", -1, 0},
        {"x<=0 ? 0 : log(x)", -1, 0},
        {"x>0 && log(x)>0", -1, 0},
        {"x<0 || log(x)>0", -1, 1},
        {"x>0 ? (x>1 ? log(x-1) : sqrt(x)) : 1", -2, 1},
        {"x>0 ? (x>1 ? log(x-1) : sqrt(x)) : 1", 0.25, 0.5},
        {"abs(x)<1 ? atanh(x) : 0", 3, 0},
        {"1 + (x>0 ? asin(x) : 0)", -3, 1},
    };
    mpfr_t y;
    mpfr_init2(y, 100);
    char xs[32];
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double yd = eval_d(c[i].s, c[i].x);
        ck_assert_msg(yd == c[i].y, "%s at %g: %g", c[i].s, c[i].x, yd);
        snprintf(xs, sizeof xs, "%.17g", c[i].x);
        ck_assert_int_eq(eval_m(y, c[i].s, xs, 100), 0);
        ck_assert_msg(mpfr_cmp_d(y, c[i].y) == 0, "%s at %g (MPFR)", c[i].s,
                      c[i].x);
    }
    /* a NaN condition gives NaN */
    ck_assert(isnan(eval_d("log(x) ? 1 : 2", -1)));
    ck_assert_int_ne(eval_m(y, "log(x) ? 1 : 2", "-1", 100), 0);
    mpfr_clear(y);
}
END_TEST

START_TEST(test_many_constants)
{
    /* more constants than are preloaded into registers */
    char buf[4096];
    size_t n = 0;
    double want = 0;
    for (int i = 1; i <= 150; i++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d.5*x", i > 1 ? "+" : "",
                              i);
        want += i + 0.5;
    }
    ck_assert_double_eq_tol(eval_d(buf, 2.0), 2 * want, 1e-9);
    mpfr_t y;
    mpfr_init2(y, 80);
    ck_assert_int_eq(eval_m(y, buf, "2", 80), 0);
    ck_assert(mpfr_cmp_d(y, 2 * want) == 0);
    mpfr_clear(y);
}
END_TEST

/* A tape of many constants allocates each constant's text once and its
   arrays geometrically: the array of constant values was reallocated for
   every constant (free under glibc at an unchanged size, but a copy under
   ASan, where the expression fuzzer timed out on a 581-byte input whose
   expansion has tens of thousands of constants).  The allocations are
   counted with the fault-injection countdown. */
START_TEST(test_many_constants_allocations)
{
    enum { NC = 3000 };
    char *buf = malloc(16 * NC);
    ck_assert_ptr_nonnull(buf);
    size_t n = 0;
    /* sums of 50 terms in parentheses: within the parser's nesting limit */
    for (int i = 1; i <= NC; i++)
        n += (size_t)snprintf(buf + n, 16 * NC - n, "%s%d.5*x%s",
                              i == 1 ? "(" : i % 50 == 1 ? ")+(" : "+", i, i == NC ? ")" : "");
    da_expr *e = parse_ok(buf);
    const long big = 1000000000L;
    dai_test_fail_alloc(big);
    da_tape *t = da_tape_new(e);
    long used = big - dai_test_fail_alloc(0);
    ck_assert_ptr_nonnull(t);
    /* NC texts, then O(log NC) for the code, constants and free list */
    ck_assert_msg(used <= NC + 100, "da_tape_new of %d constants: %ld allocations", NC, used);
    da_tape_free(t);
    da_expr_unref(e);
    free(buf);
}
END_TEST

/* ---- LaTeX ------------------------------------------------------------------- */

START_TEST(test_latex)
{
    static const struct { const char *in, *out; } c[] = {
        {"x*tanh(log(1+exp(x)))",
         "x \\tanh\\left(\\log\\left(1 + e^{x}\\right)\\right)"},
        {"x*tanh(softplus(x))",
         "x \\tanh\\left(\\operatorname{softplus}\\left(x\\right)\\right)"},
        {"x/(1+exp(-x))", "\\frac{x}{1 + e^{-x}}"},
        {"x*sigmoid(x)", "x \\operatorname{sigmoid}\\left(x\\right)"},
        {"x*Phi(x) + phi(x)", "x \\Phi\\left(x\\right) + \\varphi\\left(x\\right)"},
        {"max(x, 0)", "\\max\\left(x, 0\\right)"},
        {"x>0", "\\mathbb{1}[x > 0]"},
        {"(x>=0)*x", "\\mathbb{1}[x \\ge 0] x"},
        {"x>0 ? x : 0.01*x",
         "\\begin{cases}x & \\text{if } x > 0 \\\\ 0.01 x & \\text{otherwise}\\end{cases}"},
        {"abs(x)", "\\left|x\\right|"},
        {"sqrt(1+x^2)", "\\sqrt{1 + x^{2}}"},
        {"(1+x)^2", "\\left(1 + x\\right)^{2}"},
        {"2*x^3", "2 x^{3}"},
        {"x*2", "x \\cdot 2"},
        {"-x^2/2", "\\frac{-x^{2}}{2}"},
        {"-(x^2/2)", "-\\frac{x^{2}}{2}"},
        {"1e-3*x", "10^{-3} x"},
        {"2.5e+10", "2.5 \\cdot 10^{10}"},
        {"exp(-x^2/2)/sqrt(2*pi)", "\\frac{e^{\\frac{-x^{2}}{2}}}{\\sqrt{2 \\pi}}"},
        {"log1p(-x)", "\\log\\left(1-x\\right)"},
        {"x>0 && x<1", "\\mathbb{1}[x > 0 \\land x < 1]"},
        {"step(x-1)", "\\mathbb{1}[x - 1 > 0]"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *s = latex_of(c[i].in);
        ck_assert_msg(strcmp(s, c[i].out) == 0, "latex of '%s':\n  got  %s\n  want %s",
                      c[i].in, s, c[i].out);
        free(s);
    }
}
END_TEST

/* ---- a million evaluations ------------------------------------------------
 * The tape in double over a million points agrees with libm's formula (the
 * speed of the same loop is a benchmark, tests/bench/bench_units.sh: no
 * wall-clock assertion here). */

START_TEST(test_million_evals)
{
    da_expr *e = parse_ok("x*tanh(softplus(x))");
    da_tape *t = da_tape_new(e);
    double s = 0, worst = 0;
    for (int i = 0; i < 1000000; i++) {
        double x = -8.0 + 16.0 * i / 1e6;
        double y = da_tape_eval_d(t, x);
        s += y;
        if (i % 997 == 0) {
            double ref = x * tanh(log1p(exp(x)));
            double d = fabs(y - ref) / (fabs(ref) + 1e-300);
            if (d > worst)
                worst = d;
        }
    }
    ck_assert(isfinite(s));
    ck_assert_msg(worst < 1e-13, "relative difference from libm's formula %.3g", worst);
    da_tape_free(t);
    da_expr_unref(e);
}
END_TEST

/* ---- removable singularities ------------------------------------------ */

static da_expr *marked(const char *s)
{
    da_expr *e = parse_ok(s), *m = NULL;
    ck_assert_int_eq(da_expr_removable(&m, e), DA_OK);
    da_expr_unref(e);
    return m;
}

START_TEST(test_removable)
{
    /* marked, with the order and the point */
    static const struct { const char *s; int k; double r; double v; } yes[] = {
        {"sin(x)/x", 1, 0, 1}, {"(1-cos(x))/x^2", 2, 0, 0.5}, {"(exp(x)-1)/x", 1, 0, 1},
        {"sin(2*x-1)/(x-0.5)", 1, 0.5, 2}, {"x/sin(x)", 1, 0, 1}, {"tanh(3*x)/x", 1, 0, 3},
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        da_expr *m = marked(yes[i].s);
        ck_assert_msg(m->op == DA_E_DIV && m->rem, "%s: not marked", yes[i].s);
        ck_assert_int_eq(m->rem_k, yes[i].k);
        ck_assert(m->rem_at == yes[i].r);
        /* the limit at r, in double and in MPFR (the closed form by hand) */
        da_tape *t = da_tape_new(m);
        ck_assert_ptr_nonnull(t);
        ck_assert_msg(fabs(da_tape_eval_d(t, yes[i].r) - yes[i].v) < 1e-15, "%s: %g", yes[i].s,
                      da_tape_eval_d(t, yes[i].r));
        da_tape_ws *w = da_tape_ws_new(t, 100);
        mpfr_t x, y;
        mpfr_inits2(100, x, y, (mpfr_ptr)0);
        mpfr_set_d(x, yes[i].r, MPFR_RNDN);
        ck_assert_int_eq(da_tape_eval_m(t, w, y, x), 0);
        ck_assert(fabs(mpfr_get_d(y, MPFR_RNDN) - yes[i].v) < 1e-15);
        mpfr_clears(x, y, (mpfr_ptr)0);
        da_tape_ws_free(w);
        da_tape_free(t);
        da_expr_unref(m);
    }
    /* left alone: poles, switches, undecidable zeros */
    static const char *no[] = {"1/x", "sin(x)/x^2", "abs(x)/x", "sin(x)/(x-1)",
                               "sin(pi*x)/(x-1)", "(x>0)/x", "1/(1+x^2)"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        da_expr *m = marked(no[i]);
        ck_assert_msg(!(m->op == DA_E_DIV && m->rem), "%s: marked", no[i]);
        da_expr_unref(m);
    }
    /* balls holding the point: the enclosure of sin(x)/x on [-1e-3, 1e-3]
       and on a complex box of half-width 0.5 contain sampled values */
    da_expr *m = marked("sin(x)/x");
    da_tape *t = da_tape_new(m);
    da_tape_ball *w = da_tape_ball_new(t, 80);
    arb_t X, Y;
    arb_init(X);
    arb_init(Y);
    arb_set_d(X, 0);
    mag_set_d(arb_radref(X), 1e-3);
    ck_assert_int_eq(da_tape_arb_enclose(w, Y, X), DA_BALL_OK);
    for (int j = -10; j <= 10; j++) {
        double u = j * 1e-4, v = j ? sin(u) / u : 1;
        arb_t V;
        arb_init(V);
        arb_set_d(V, v);
        ck_assert(arb_overlaps(Y, V));
        arb_clear(V);
    }
    ck_assert(mag_cmp_2exp_si(arb_radref(Y), -10) < 0);   /* and it is tight */
    acb_t Z, W;
    acb_init(Z);
    acb_init(W);
    acb_zero(Z);
    mag_set_d(arb_radref(acb_realref(Z)), 0.5);
    mag_set_d(arb_radref(acb_imagref(Z)), 0.5);
    ck_assert_int_eq(da_tape_acb_follow(w, W, Z, NULL), DA_BALL_OK);
    for (int a = -5; a <= 5; a++)
        for (int b = -5; b <= 5; b++) {
            double complex z = 0.1 * a + 0.1 * b * I, v = (a || b) ? csin(z) / z : 1;
            acb_t V;
            acb_init(V);
            acb_set_d_d(V, creal(v), cimag(v));
            ck_assert(acb_overlaps(W, V));
            acb_clear(V);
        }
    acb_clear(Z);
    acb_clear(W);
    arb_clear(X);
    arb_clear(Y);
    da_tape_ball_free(w);
    da_tape_free(t);
    da_expr_unref(m);
}
END_TEST


/* da_expr_parity: the structural proof, and the identity it claims checked
   on random points (a wrong rule would show as f(-x) != +-f(x)) */
START_TEST(test_parity)
{
    static const struct { const char *s; int p; } c[] = {
        {"tanh(x)", -1}, {"x", -1}, {"3", 1}, {"x^2", 1}, {"x^3", -1}, {"x^-1", -1},
        {"x*sin(x)", 1}, {"x + 1", 0}, {"exp(x)", 0}, {"abs(x)^1.5", 1},
        {"sigmoid(x)", 0}, {"erf(x)^3", -1}, {"cos(x)*x", -1}, {"sin(x)/x", 1},
        {"exp(-x^2/2)", 1}, {"x*Phi(x)", 0}, {"tanh(sin(x))", -1}, {"cos(tanh(x))", 1},
        {"x - tanh(x)", -1}, {"x^2 - 1", 1}, {"max(x, 0)", 0}, {"x > 0", 0},
        {"abs(x) > 1", 1}, {"floor(x)", 0}, {"sign(x)*x^2", -1}, {"-x", -1},
        {"atan(x) + asinh(x)", -1}, {"softplus(x)", 0}, {"phi(x)", 1}, {"pi*x", -1},
    };
    unsigned long seed = 12345;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        da_expr *e = parse_ok(c[i].s);
        int p = da_expr_parity(e);
        ck_assert_msg(p == c[i].p, "parity of %s: %d, expected %d", c[i].s, p, c[i].p);
        if (p) {
            da_tape *t = da_tape_new(e);
            ck_assert_ptr_nonnull(t);
            for (int j = 0; j < 100; j++) {
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                double x = ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * 8;
                double a = da_tape_eval_d(t, x), b = da_tape_eval_d(t, -x);
                if (isfinite(a))
                    ck_assert_msg(fabs(b - p * a) <= 1e-14 * (1 + fabs(a)), "%s at %g", c[i].s, x);
            }
            da_tape_free(t);
        }
        da_expr_unref(e);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("expr");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 60, 1);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_canonical_text);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_breakpoint_cap);
    tcase_add_test(tc, test_catalogue);
    tcase_add_test(tc, test_ast);
    tcase_add_test(tc, test_removable);
    tcase_add_test(tc, test_double_vs_mpfr);
    tcase_add_test(tc, test_mpfr_precisions);
    tcase_add_test(tc, test_known_values);
    tcase_add_test(tc, test_no_nan_leak);
    tcase_add_test(tc, test_many_constants);
    tcase_add_test(tc, test_many_constants_allocations);
    tcase_add_test(tc, test_latex);
    tcase_add_test(tc, test_parity);
    tcase_add_test(tc, test_million_evals);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* act.c -- activations: catalogue or formula, compiled and analysed. */
#include "core/core.h"
#include "act/act.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int da_act_from_expr(da_act **out, da_expr *e, const char *spec)
{
    *out = NULL;
    da_act *a = da_calloc(1, sizeof *a);
    if (!a) {
        da_expr_unref(e);
        return DA_ENOMEM;
    }
    /* quotients such as sin(x)/x: mark their removable singularities
       (expr_removable.c) before the tape and the analysis see them */
    da_expr *m = NULL;
    int st = da_expr_removable(&m, e);
    da_expr_unref(e);
    if (st) {
        free(a);
        return st;
    }
    e = m;
    a->expr = e;
    a->spec = da_strdup(spec);
    a->formula = da_expr_str(e);
    a->tape = da_tape_new(e);
    if (!a->spec || !a->formula || !a->tape) {
        da_act_free(a);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    st = da_expr_analyze(e, &a->info);
    if (st) {
        da_act_free(a);
        return st;
    }
    for (int i = 0; i < a->info.nbreak; i++)
        if (a->info.jump_order[i] == 0)
            a->has_jump = 1;
    *out = a;
    return DA_OK;
}

int da_act_new(da_act **out, const char *spec)
{
    *out = NULL;
    if (!spec)
        return da_fail(DA_EINVAL, "no activation given");
    da_clear_error();
    char *formula = NULL;
    int st = da_catalog_formula(&formula, spec);
    if (st > 0)
        return st;
    da_expr *e = NULL;
    int is_catalog = st == 0;
    st = da_expr_parse(&e, st == 0 ? formula : spec);
    free(formula);
    if (st)
        return st;
    /* a formula must depend on x (catalogue entries such as hermite(0) = 1
       are what they say) */
    if (!is_catalog && !da_expr_has_x(e)) {
        da_expr_unref(e);
        return da_fail(DA_EINVAL, "'%s' does not depend on x: an activation is a function of x "
                       "(inside a formula a catalogue name is a function of its argument, so "
                       "hermite(3) there is the default hermite evaluated at 3; parameters go in "
                       "the catalogue spec alone, as 'hermite(3)')", spec);
    }
    return da_act_from_expr(out, e, spec);
}

void da_act_free(da_act *a)
{
    if (!a)
        return;
    free(a->spec);
    free(a->formula);
    if (a->tape)
        da_tape_free(a->tape);
    if (a->expr) {
        da_expr_info_clear(&a->info);
        da_expr_unref(a->expr);
    }
    free(a);
}

const char *da_act_spec(const da_act *a) { return a->spec; }
const char *da_act_expr(const da_act *a) { return a->formula; }
da_class da_act_class(const da_act *a) { return a->info.cls; }
double da_act_pole_distance(const da_act *a) { return a->info.sing_dist; }
int da_act_has_jump(const da_act *a) { return a->has_jump; }

const char *da_act_class_name(da_class c)
{
    switch (c) {
    case DA_CLASS_POLY: return "polynomial";
    case DA_CLASS_PWPOLY: return "piecewise polynomial";
    case DA_CLASS_ENTIRE: return "entire";
    case DA_CLASS_POLES: return "analytic, singularities off the axis";
    case DA_CLASS_PIECEWISE: return "piecewise analytic";
    }
    return "unknown";
}

int da_act_breakpoints(double *out, size_t max, size_t *count, const da_act *a)
{
    if (!a || !count || (max > 0 && !out))
        return da_fail(DA_EINVAL, "breakpoints: no activation, count or output array");
    size_t n = (size_t)a->info.nbreak;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = a->info.brk[i];
    *count = n;
    return DA_OK;
}

int da_act_eval_d(double *y, const da_act *a, double x)
{
    if (!y || !a)
        return da_fail(DA_EINVAL, "evaluation: no activation or output");
    *y = da_tape_eval_d(a->tape, x);
    if (!isfinite(*y))
        return da_fail(DA_EDOM, "activation '%s' is not finite at x = %.17g", a->spec, x);
    return DA_OK;
}

int da_act_eval(mpfr_t y, const da_act *a, const mpfr_t x)
{
    da_tape_ws *w = da_tape_ws_new(a->tape, mpfr_get_prec(y));
    if (!w)
        return da_fail(DA_ENOMEM, "out of memory");
    int bad = da_tape_eval_m(a->tape, w, y, x);
    da_tape_ws_free(w);
    if (bad)
        return da_fail(DA_EDOM, "activation '%s' is not finite at x = %.17g",
                       a->spec, mpfr_get_d(x, MPFR_RNDN));
    return DA_OK;
}

int da_act_derivative(da_act **out, const da_act *a)
{
    *out = NULL;
    da_expr *d = da_expr_diff(a->expr);
    if (!d)
        return da_fail(DA_ENOMEM, "out of memory");
    char *s = da_expr_str(d);
    if (!s) {
        da_expr_unref(d);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    int st = da_act_from_expr(out, d, s);
    free(s);
    return st;
}

int da_act_diff_text(char **out, const da_act *a, int order, int latex)
{
    *out = NULL;
    if (order < 0 || order > 16)
        return da_fail(DA_EINVAL, "derivative order %d out of range [0, 16]", order);
    /* Each derivative is a tree that shares its subtrees (d(uv) = u'v +
     * uv' uses u and v twice), so the printed text can grow about
     * fivefold per order (tanh: 24 kB at order 8, 3 MB at 11, 17 MB at
     * 12) while the trees stay small.  The text is refused past the size
     * of a formula dualact accepts back (DIFF_MAX_NODES nodes), checked
     * after every order: each step works on a tree within that size, so
     * time and memory stay bounded (a fraction of a second). */
    enum { DIFF_MAX_NODES = 200000 };
    da_expr *e = da_expr_ref(a->expr);
    for (int i = 0; i < order; i++) {
        da_expr *d = da_expr_diff(e);
        da_expr_unref(e);
        if (!d)
            return da_fail(DA_ENOMEM, "out of memory");
        e = d;
        if (da_expr_tree_size(e, DIFF_MAX_NODES) > DIFF_MAX_NODES) {
            da_expr_unref(e);
            return da_fail(DA_EINVAL, "the derivative of order %d has more than %d nodes written "
                           "out (the size limit of a formula; its text would run to megabytes): "
                           "ask for order %d or lower", i + 1, (int)DIFF_MAX_NODES, i);
        }
    }
    *out = latex ? da_expr_latex(e) : da_expr_str(e);
    da_expr_unref(e);
    if (!*out)
        return da_fail(DA_ENOMEM, "out of memory");
    return DA_OK;
}

int da_act_double_ok(const da_act *a)
{
    /* double against the MPFR tape at 128 bits on a grid of [-10, 10]:
     * within 16 ulps of the value, or of 1e-6 times the largest value on
     * the grid.  The second allowance admits values that are tiny next to
     * the activation's scale and only relatively ill-conditioned, such as
     * x Phi(x) = x erfc(-x/sqrt 2)/2 near x = -10 (the rounding of
     * x/sqrt 2 costs about 2 t^2 ulps of erfc(t)): the double paths
     * integrate against the Gaussian, where only absolute errors on the
     * activation's scale matter.  A formula that cancels away, such as
     * (exp(x) + 1e20) - 1e20, still fails by many orders of magnitude. */
    enum { NGRID = 65 };
    double fdv[NGRID], fmv[NGRID], fmax = 0;
    int have[NGRID];
    mpfr_t x, y;
    mpfr_init2(x, 128);
    mpfr_init2(y, 128);
    da_tape_ws *w = da_tape_ws_new(a->tape, 128);
    int ok = w != NULL;
    for (int i = 0; ok && i < NGRID; i++) {
        double xv = -10 + 0.3125 * i;
        fdv[i] = da_tape_eval_d(a->tape, xv);
        mpfr_set_d(x, xv, MPFR_RNDN);
        have[i] = !da_tape_eval_m(a->tape, w, y, x);
        fmv[i] = have[i] ? mpfr_get_d(y, MPFR_RNDN) : 0;
        if (have[i] && fabs(fmv[i]) > fmax)
            fmax = fabs(fmv[i]);
    }
    for (int i = 0; ok && i < NGRID; i++)
        if (have[i] && !(fabs(fdv[i] - fmv[i]) <=
                         ldexp(16.0, -53) * (fabs(fmv[i]) + 1e-6 * fmax) + 0x1p-1000))
            ok = 0;
    if (w)
        da_tape_ws_free(w);
    mpfr_clears(x, y, (mpfr_ptr)0);
    return ok;
}

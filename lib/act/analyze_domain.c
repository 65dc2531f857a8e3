/* analyze_domain.c -- where a formula is defined: the grid, the breakpoints, poles
 * of denominators and of tan.
 * Part of the expression analysis: see expr_analyze.c. */
#include "act/analyze_impl.h"
#include "act/expr_fn.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- domain ---------------------------------------------------------- */

/* value at x: long double, confirmed in MPFR when not finite. */
static int check_point(const da_expr *e, double x, int exact)
{
    long double v = an_ev_ld(e, x);
    if (isfinite(v))
        return 0;
    mpfr_t mx, y;
    mpfr_inits2(64, mx, y, (mpfr_ptr)0);
    mpfr_set_d(mx, x, MPFR_RNDN);
    const char *why = NULL;
    int bad = an_ev_m(y, e, mx, &why);
    mpfr_clears(mx, y, (mpfr_ptr)0);
    if (!bad)
        return 0;
    if (!why)
        why = "not finite";
    if (strcmp(why, "division by zero") == 0 || exact)
        return da_fail(DA_EDOM, "%s at x = %.17g", why, x);
    return da_fail(DA_EDOM, "%s near x = %.6g", why, x);
}

/* |e| at x in MPFR (64 bits); INFINITY if not finite */
static double abs_at(const da_expr *e, double x)
{
    mpfr_t mx, y;
    mpfr_inits2(64, mx, y, (mpfr_ptr)0);
    mpfr_set_d(mx, x, MPFR_RNDN);
    double v = an_ev_m(y, e, mx, NULL) ? INFINITY : fabs(mpfr_get_d(y, MPFR_RNDN));
    mpfr_clears(mx, y, (mpfr_ptr)0);
    return v;
}

/* Is e unbounded near r (a zero of a denominator)? */
static int pole_at(const da_expr *e, double r)
{
    double d = 1e-9 * fmax(1, fabs(r));
    double near = fmax(abs_at(e, r - d), abs_at(e, r + d));
    double far = fmax(abs_at(e, r - 0.05), abs_at(e, r + 0.05));
    if (!isfinite(near))
        return 1;
    return near > 1e6 && near > 1e4 * (1 + (isfinite(far) ? far : 0));
}

/* poles between grid points: sign changes of denominators and of cos
 * under tan; and real zeros of affine arguments of log, sqrt, ... (also
 * outside the grid).  Adds check points to *pts. */
typedef struct {
    double *v;
    int n, cap;
} dlist;

static int dl_add(dlist *L, double x)
{
    if (!isfinite(x))
        return 0;
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 32;
        double *v = da_realloc(L->v, (size_t)cap * sizeof *v);
        if (!v)
            return DA_ENOMEM;
        L->v = v;
        L->cap = cap;
    }
    L->v[L->n++] = x;
    return 0;
}

static int pole_scan(const da_expr *root, const da_expr *den, const char *what, long double *grid)
{
    double a, b;
    if (an_affine_d(den, &a, &b)) {
        double r = a != 0 ? -b / a : 0;
        if (r == 0)
            r = 0;   /* not -0 */
        if (a != 0 && pole_at(root, r))
            return da_fail(DA_EDOM, "%s at x = %.17g", what, r);
        return 0;
    }
    for (int j = 0; j <= GRID_N; j++)
        grid[j] = an_ev_ld(den, GRID_X(j));
    /* intervals from 0 outwards, so that the pole nearest 0 is named */
    for (int q = 0; q < GRID_N; q++) {
        int j = q % 2 ? GRID_N / 2 - 1 - q / 2 : GRID_N / 2 + q / 2;
        long double u = grid[j], v = grid[j + 1];
        if (!isfinite(u) || !isfinite(v) || !((u < 0 && v > 0) || (u > 0 && v < 0)))
            continue;
        double r = an_bisect_ld(den, 0, GRID_X(j), GRID_X(j + 1));
        if (pole_at(root, r))
            return da_fail(DA_EDOM, "%s near x = %.6g", what, r);
    }
    return 0;
}

static int domain_walk(const da_expr *root, const da_expr *e,
                       long double *grid, dlist *pts)
{
    if (!da_expr_has_x(e))
        return 0;
    for (int i = 0; i < e->nargs; i++) {
        int st = domain_walk(root, e->a[i], grid, pts);
        if (st)
            return st;
    }
    double a, b;
    const da_expr *u = NULL;
    double crit[2];
    int ncrit = 0;
    if (e->op == DA_E_DIV && da_expr_has_x(e->a[1])) {
        int st = pole_scan(root, e->a[1], "division by zero", grid);
        if (st)
            return st;
        u = e->a[1];
        crit[ncrit++] = 0;
    } else if (e->op == DA_E_POW && da_expr_has_x(e->a[0])) {
        u = e->a[0];
        crit[ncrit++] = 0;
    } else if (e->op == DA_E_FN) {
        u = e->a[0];
        switch (e->fn) {
        case DA_F_TAN: {
            da_expr *c = da_expr_node(DA_E_FN, DA_F_COS, 1, an_ref(u), NULL, NULL);
            if (!c)
                return DA_ENOMEM;
            int st = pole_scan(root, c, "tan has a pole", grid);
            da_expr_unref(c);
            if (st)
                return st;
            break;
        }
        case DA_F_LOG: case DA_F_SQRT: crit[ncrit++] = 0; break;
        case DA_F_LOG1P: crit[ncrit++] = -1; break;
        case DA_F_ASIN: case DA_F_ACOS: case DA_F_ATANH:
            crit[ncrit++] = -1;
            crit[ncrit++] = 1;
            break;
        case DA_F_ACOSH: crit[ncrit++] = 1; break;
        default: break;
        }
    }
    if (ncrit && an_affine_d(u, &a, &b) && a != 0) {
        for (int i = 0; i < ncrit; i++) {
            double r = (crit[i] - b) / a;
            if (r == 0)
                r = 0;   /* not -0 */
            if (dl_add(pts, r) || dl_add(pts, r - 1) || dl_add(pts, r + 1))
                return DA_ENOMEM;
        }
    }
    return 0;
}

/* An upper bound of |e(x)| over |x| <= 40 (the grid's range), by
   propagating bounds through total functions only; INFINITY when some
   node is partial (division, powers, log, sqrt, tan, asin, ...) or has
   no rule here.  A finite result below 1e300 proves that e is defined
   and finite at every point of the grid, in long double as in double:
   the scan would find nothing. */
static double total_bound(const da_expr *e)
{
    double b[3] = {0, 0, 0};
    for (int i = 0; i < e->nargs; i++) {
        b[i] = total_bound(e->a[i]);
        if (!(b[i] < 1e300))
            return INFINITY;
    }
    double r;
    switch (e->op) {
    case DA_E_NUM: return fabs(e->val);
    case DA_E_X: return 40;
    case DA_E_PI: return 3.2;
    case DA_E_E: return 2.8;
    case DA_E_NEG: return b[0];
    case DA_E_ADD: case DA_E_SUB: r = b[0] + b[1]; break;
    case DA_E_MUL: r = b[0] * b[1]; break;
    case DA_E_LT: case DA_E_LE: case DA_E_GT: case DA_E_GE: case DA_E_EQ: case DA_E_NE:
    case DA_E_AND: case DA_E_OR: case DA_E_NOT:
        return 1;
    case DA_E_COND: return fmax(b[1], b[2]);
    case DA_E_FN:
        switch (e->fn) {
        case DA_F_PHI_PDF: return 1;
        case DA_F_ATAN: return 1.6;
        case DA_F_ASIN: case DA_F_ACOS: return INFINITY;
        case DA_F_ABS: case DA_F_RELU: case DA_F_ASINH: case DA_F_CBRT:
            r = fmax(b[0], 1);
            break;
        case DA_F_FLOOR: case DA_F_CEIL: r = b[0] + 1; break;
        case DA_F_SOFTPLUS: r = b[0] + 1; break;   /* <= max(x, 0) + log 2 */
        case DA_F_MAX: case DA_F_MIN: case DA_F_CLIP:
            r = fmax(fmax(b[0], b[1]), b[2]);
            break;
        case DA_F_EXP: case DA_F_EXPM1: case DA_F_SINH: case DA_F_COSH:
            /* e^b: finite in double below 709 */
            if (!(b[0] < 600))
                return INFINITY;
            r = exp(b[0]) + 1;
            break;
        default:
            /* the table's bound (tanh, erf, sin, cos, sigmoid, sign, step,
               Phi: 1; erfc: 2; ...) */
            return da_fn_get(e->fn)->bound > 0 ? da_fn_get(e->fn)->bound : INFINITY;
        }
        break;
    default:
        return INFINITY;
    }
    /* one ulp and more of slack on every rounding of the bound itself */
    return r * (1 + 1e-12) + 1e-300;
}

int an_check_domain(const da_expr *e, const candlist *C)
{
    if (total_bound(e) < 1e300)
        return 0;   /* defined and finite everywhere on the grid */
    dlist pts = {NULL, 0, 0};
    int st = 0;
    long double *grid = da_malloc((GRID_N + 1) * sizeof *grid);
    if (!grid)
        return DA_ENOMEM;
    st = dl_add(&pts, 0);
    for (int i = 0; !st && i < C->n; i++)
        st = dl_add(&pts, C->v[i].x);
    /* the grid, from 0 outwards, so that the problem nearest 0 is named */
    for (int j = 1; !st && j <= GRID_N / 2; j++) {
        double x = (double)j / 100;
        st = check_point(e, x, 0);
        if (!st)
            st = check_point(e, -x, 0);
    }
    if (!st)
        st = domain_walk(e, e, grid, &pts);
    for (int i = 0; !st && i < pts.n; i++)
        st = check_point(e, pts.v[i], 1);
    free(pts.v);
    free(grid);
    return st;
}

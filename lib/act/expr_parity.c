/* expr_parity.c -- even and odd formulas, by their syntax.  Internal. */
#include "act/expr.h"
#include "act/expr_fn.h"
#include <math.h>

/* see expr.h */
/* 1 when e(-x) = e(x) for every x, -1 when e(-x) = -e(x), 0 when the
   syntax does not tell (a proof by the rules f(-x) = f(x) for even
   functions and constants, f(-x) = -f(x) for odd ones, and the parities
   of sums, products, quotients and integer powers) */
int da_expr_parity(const da_expr *e)
{
    int p0 = e->nargs > 0 ? da_expr_parity(e->a[0]) : 0;
    int p1 = e->nargs > 1 ? da_expr_parity(e->a[1]) : 0;
    int all_even = 1;
    for (int i = 0; i < e->nargs; i++)
        if ((i == 0 ? p0 : i == 1 ? p1 : da_expr_parity(e->a[i])) != 1)
            all_even = 0;
    switch (e->op) {
    case DA_E_NUM:
    case DA_E_PI:
    case DA_E_E:
        return 1;
    case DA_E_X:
        return -1;
    case DA_E_NEG:
        return p0;
    case DA_E_ADD:
    case DA_E_SUB:
        return p0 && p0 == p1 ? p0 : 0;
    case DA_E_MUL:
    case DA_E_DIV:
        return p0 * p1;
    case DA_E_POW:
        if (p0 && e->a[1]->op == DA_E_NUM && e->a[1]->val == floor(e->a[1]->val) &&
            fabs(e->a[1]->val) < 1e15)
            return fmod(fabs(e->a[1]->val), 2) == 0 ? 1 : p0;
        return all_even;
    case DA_E_FN:
        if (all_even)
            return 1;
        if (e->nargs != 1 || p0 != -1)
            return 0;
        return da_fn_get(e->fn)->parity;
    default:
        return all_even;
    }
}

/* act.h -- the activation object shared by the stages (internal). */
#ifndef DA_ACT_H
#define DA_ACT_H

#include "dualact.h"
#include "act/expr.h"

struct da_act {
    char *spec;          /* as given */
    char *formula;       /* canonical formula text */
    da_expr *expr;
    da_tape *tape;
    da_expr_info info;
    int has_jump;
};

/* Catalogue lookup: on a catalogue spec ("elu(0.5)") sets *formula
 * (malloc'd) and returns 0; returns -1 if spec is not a catalogue spec;
 * otherwise an error code (bad parameters). */
int da_catalog_formula(char **formula, const char *spec);

/* 1 when double arithmetic evaluates the activation within 16 ulps of the
 * MPFR tape on a grid of [-10, 10]; 0 when it does not, as for
 * (exp(x) + 1e20) - 1e20, which cancels away in double.  The double-
 * precision paths check it before trusting their own evaluations. */
int da_act_double_ok(const da_act *act);

/* sigma(x) in double without a status (NaN or Inf pass through), for the
 * library's inner loops; the public form is da_act_eval_d. */
static inline double da_act_value_d(const da_act *a, double x)
{
    return da_tape_eval_d(a->tape, x);
}

/* Make an activation from a parsed expression (takes a reference). */
int da_act_from_expr(da_act **out, da_expr *e, const char *spec);

#endif

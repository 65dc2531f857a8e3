/* dualact/act.h -- stage 1: activations (catalogue names or formulas in x).
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_ACT_H
#define DUALACT_ACT_H

#include "dualact/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 1. Activations                                                     */
/* ------------------------------------------------------------------ */

/* How the quadrature must treat an activation. */
typedef enum {
    DA_CLASS_POLY = 0,      /* a polynomial: coefficients exact */
    DA_CLASS_PWPOLY = 1,    /* piecewise polynomial: exact by the jump formula */
    DA_CLASS_ENTIRE = 2,    /* entire: Gauss-Hermite converges geometrically */
    DA_CLASS_POLES = 3,     /* analytic on R, singularities off the axis: trapezoid */
    DA_CLASS_PIECEWISE = 4  /* breakpoints with non-polynomial pieces: split + DE rule */
} da_class;

typedef struct da_act da_act;

/* Make an activation from a catalogue name ("relu", "elu(0.5)",
 * "poly(0,1,0.5)") or a formula in x ("x*tanh(softplus(x))").
 * Errors: DA_EINVAL (unknown name, bad parameter), DA_EPARSE, DA_EDOM. */
int da_act_new(da_act **act, const char *spec);
void da_act_free(da_act *act);

const char *da_act_spec(const da_act *act);   /* as given */
const char *da_act_expr(const da_act *act);   /* canonical formula in x */
da_class da_act_class(const da_act *act);
const char *da_act_class_name(da_class cls);
/* Distance from the real axis of the nearest complex singularity
 * (INFINITY for entire or piecewise-polynomial activations). */
double da_act_pole_distance(const da_act *act);
/* Breakpoints (where the activation or a derivative jumps), sorted:
 * *count gets their number, out[0 .. min(*count, max) - 1] the first of
 * them (out may be NULL when max = 0, to ask for the number). */
int da_act_breakpoints(double *out, size_t max, size_t *count, const da_act *act);
/* 1 when the activation itself jumps somewhere (step, sign): then
 * E[sigma'^2] and hence beta are infinite. */
int da_act_has_jump(const da_act *act);

/* Evaluation: *y = sigma(x) in double, y = sigma(x) at the precision of y
 * (plus guard bits).  DA_EDOM when the value is not finite (*y / y is
 * then the NaN or infinity computed). */
int da_act_eval_d(double *y, const da_act *act, double x);
int da_act_eval(mpfr_t y, const da_act *act, const mpfr_t x);

/* The derivative sigma' as an activation of its own. */
int da_act_derivative(da_act **out, const da_act *act);
/* The order-th derivative (0 <= order <= 16), simplified, as a formula in
 * x (latex = 0) or as LaTeX (latex = 1); *out is malloc'd. */
int da_act_diff_text(char **out, const da_act *act, int order, int latex);

/* The catalogue. */
typedef struct {
    const char *name;        /* "leaky_relu" */
    const char *params;      /* "alpha=0.01" or "" */
    const char *description; /* one line */
} da_catalog_entry;
size_t da_catalog_size(void);
const da_catalog_entry *da_catalog_get(size_t i);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_ACT_H */

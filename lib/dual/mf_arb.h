/* mf_arb.h -- proved Gaussian expectations and fixed points for the
 * mean-field maps (meanfield_arb.c).  Internal to libdualact.
 *
 * E[g] is over X ~ N(0, v) for one of the integrands below, with v an
 * Arb ball (every value of the ball is covered).  Two forms:
 *   x-form  the argument of sigma is the integration variable x and the
 *           weight is exp(-x^2/(2v))/sqrt(2 pi v): breakpoints of sigma
 *           stay where they are, for any ball v > 0;
 *   z-form  the argument is sqrt(s) z with weight phi(z): s may be a
 *           ball containing 0 (used at q* = 0); only a breakpoint at 0
 *           is supported there. */
#ifndef DA_MF_ARB_H
#define DA_MF_ARB_H

#include "core/arbinc.h"
#include "dualact.h"

enum {
    MFA_S2 = 0,    /* sigma(u)^2 */
    MFA_D2 = 1,    /* sigma'(u)^2 */
    MFA_SDU = 2,   /* sigma(u) sigma'(u) u */
    MFA_HK = 3,    /* sigma(x) h_k(x / sqrt(v))  (x-form only) */
    MFA_Z2D2 = 4   /* z^2 sigma'(u)^2           (z-form only) */
};

typedef struct da_mfa da_mfa;

/* NULL with why filled when no proof is possible for this activation
   (no derivative, no proved envelope, ...). */
da_mfa *da_mfa_new(const da_act *act, const da_act *dact, char *why, size_t whylen);
/* the same at a working precision of prec bits (at least 96) */
da_mfa *da_mfa_new_prec(const da_act *act, const da_act *dact, long prec, char *why,
                        size_t whylen);
void da_mfa_free(da_mfa *m);

/* The rigorous mean-field point: on success (DA_OK) r holds proved
   enclosures (r->rigorous = 1); on DA_EDOM r is untouched and why says
   which piece could not be proved.  est holds the double estimates
   (initial guesses). */
int da_mfa_point(da_mf_point *r, da_mfa *m, double sw2, double sb2,
                 const da_mf_point *est, char *why, size_t whylen);

/* The same for sw2, sb2 balls (every value in them), the balls of the
   point into b when not NULL (initialised by the caller). */
int da_mfa_point_b(da_mf_point *r, da_mf_balls *b, da_mfa *m, const da_ball sw2,
                   const da_ball sb2, const da_mf_point *est, char *why, size_t whylen);

/* Critical sw2 at the sb2 ball, as a ball at the working precision (a
   proved bracket), from the estimate w0 +- e0. */
int da_mfa_critical_b(da_ball sw2, da_mfa *m, const da_ball sb2, double w0, double e0,
                      double (*qest)(void *, double), void *qarg, char *why, size_t whylen);

/* Critical sw2 at sb2 (proved bracket), from the estimate w0 +- e0. */
int da_mfa_critical(double *sw2, double *err, da_mfa *m, double sb2,
                    double w0, double e0, double (*qest)(void *, double), void *qarg,
                    char *why, size_t whylen);

#endif

/* learn.h -- the learnability stage (internal).
 *
 *   spectrum.c  degree spectrum b_k^(L) of sigma_hat^{oL}: the law of
 *               generation L of the Galton-Watson process with offspring
 *               law p_k = a_k^2; low-degree mass, rates, crossing depths
 *   sphere.c    the same kernel on the sphere S^{d-1}: Gegenbauer split
 *               of the monomials, Mercer eigenvalues, multiplicities,
 *               effective ranks
 *   mc.c        Monte Carlo: finite-width random networks on the sphere
 *
 * Bounds.  Every quantity here is a polynomial with non-negative
 * coefficients in non-negative inputs (p_k, the Gegenbauer coefficients
 * c_{j,l}, the three-term recurrence coefficients), so the library carries
 * a lower and an upper endpoint for each number, computed with MPFR's
 * directed roundings (RNDD for the lower, RNDU for the upper endpoint).
 * Monotonicity makes the pair an enclosure of the true value; no radius
 * bookkeeping is needed, and the cost is twice that of plain MPFR. */
#ifndef DA_LEARN_H
#define DA_LEARN_H

#include "dualact.h"

struct da_learn_spectrum {
    long K;             /* terms: degrees 0..K */
    long Lmax;          /* layers 0..Lmax */
    mpfr_prec_t prec;   /* working precision of the endpoints */
    int status;         /* DA_OK or DA_EACCURACY (inherited from the coefficients) */
    int rigorous;       /* the offspring law is proved (da_hermite.rigorous, or
                           given by the caller) */
    mpfr_t *plo, *phi;  /* offspring law p_0..p_K (p_0 = 0) */
    mpfr_t *blo, *bhi;  /* b[L*(K+1)+k] */
    mpfr_t *tlo, *thi;  /* tail[L] = 1 - sum_{k<=K} b_k^(L), within [0, 1] */
    double seconds;     /* time of the composition itself */
};

/* Lower and upper endpoint of a ball (lo rounded down, hi rounded up). */
void da_learn_ball_endpoints(mpfr_t lo, mpfr_t hi, const da_ball_struct *b);
/* The ball with midpoint (lo+hi)/2 and a radius covering [lo, hi]. */
void da_learn_ball_from_endpoints(da_ball_struct *r, const mpfr_t lo, const mpfr_t hi);
/* da_learn_crossing and da_sphere_crossing: the scan over layers 0..Lmax,
 * ends(lo, hi, ctx, layer, k) giving the ends of the mass on degrees <= k
 * (at prec bits); who names the caller in the messages (k < 0, tau
 * outside (0, 1]: DA_EINVAL). */
typedef void da_learn_mass_ends(mpfr_t lo, mpfr_t hi, const void *ctx, long layer, long k);
int da_learn_scan_crossing(long *lower, long *upper, da_learn_mass_ends *ends, const void *ctx,
                           long Lmax, long k, double tau, mpfr_prec_t prec, const char *who);

struct da_sphere_spectrum {
    long dim;           /* d: inputs on S^{d-1} */
    long K;             /* monomial degrees j <= K from the spectrum */
    long lmax;          /* harmonic degrees l <= lmax */
    long Lmax;
    mpfr_prec_t prec;
    mpfr_t *slo, *shi;  /* share of the trace on degree l: s[L*(lmax+1)+l] */
    mpz_t *mult;        /* multiplicities N(d, l), l = 0..lmax+1, exact */
    mpfr_t *rlo, *rhi;  /* trace outside degrees <= lmax, per layer */
};

#endif

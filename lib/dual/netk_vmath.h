/* netk_vmath.h -- elementary functions the matrix engine evaluates inside
 * its vectorised loops: straight-line code (no calls, no branches the
 * compiler cannot turn into selects), so that a loop over a row of
 * closed-form entries runs on SIMD lanes.  libm's asin is a call per entry
 * and was the largest single cost of the erf and ReLU kernels.
 *
 * mx_asin: asin(s) = s + s t P(t), t = s^2, for |s| <= 1/sqrt 2, P the
 * interpolant of degree 20 written by netk_vmath.py (which also prints its
 * error: 0.03 units of 2^-53 relative); beyond, asin x = pi/2 - 2 asin s
 * with s = sqrt((1 - |x|)/2) (1 - |x| exact by Sterbenz's lemma, s within
 * half an ulp).  Tested against long double asinl in check_matrix: within
 * 2 ulp of the result (docs/numerics.md 7.2 uses 4 ulp).  NaN gives NaN,
 * |x| > 1 gives NaN as libm's does. */
#ifndef DA_NETK_VMATH_H
#define DA_NETK_VMATH_H

#include <math.h>

static inline __attribute__((always_inline)) double mx_asin(double x)
{
    static const double P[21] = {
        /* python3 lib/dual/netk_vmath.py */
        0.16666666666666666,    0.074999999999999512,  0.044642857143001605,
        0.030381944427692806,   0.022372160117263836,  0.017352726024309848,
        0.01396579994333858,    0.011535038067185874,  0.0099765805166009275,
        0.0063188947893678569,  0.022590995265603334,  -0.080868512919163693,
        0.39501949854385587,    -1.3511038928399033,   3.6840505900060943,
        -7.6914548623923187,    12.185779191199606,    -14.134310058365019,
        11.38375538949475,      -5.7024894521521885,   1.359066042424514,
    };
    /* pi/2 = PIO2_HI + PIO2_LO to about 2^-107 */
    const double PIO2_HI = 1.5707963267948966, PIO2_LO = 6.123233995736766e-17;
    const double a = fabs(x);
    const int big = a * a > 0.5;
    const double t = big ? 0.5 * (1 - a) : a * a;
    const double s = big ? sqrt(t) : a;
    /* Horner, written out: a loop here would be an inner loop, and the
       caller's loop over entries would not be vectorised */
#define MX_H(k) p = p * t + P[k];
    double p = P[20];
    MX_H(19) MX_H(18) MX_H(17) MX_H(16) MX_H(15) MX_H(14) MX_H(13) MX_H(12) MX_H(11) MX_H(10)
    MX_H(9) MX_H(8) MX_H(7) MX_H(6) MX_H(5) MX_H(4) MX_H(3) MX_H(2) MX_H(1) MX_H(0)
#undef MX_H
    const double r = s + s * t * p;
    const double v = big ? PIO2_HI - (2 * r - PIO2_LO) : r;
    return copysign(v, x);
}

#endif

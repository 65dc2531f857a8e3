/* tail.c -- where to truncate the line, and what is left beyond.
 *
 * Every quantity the engine integrates has the form int g(x) phi(x) dx
 * with |g| <= |f|^p |h_k| for some k <= N (p = 1: the a_k; p = 2, N = 0:
 * E f^2), and two envelopes bound |h_k|: Cramer's inequality
 * |h_k(x)| <= DA_CRAMER_K e^{x^2/4} (hermite.h), and |He_k(x)| <= (|x| + sqrt k)^k (by
 * induction on the three-term recurrence), which is the tighter one for
 * small N.  So the part beyond |x| > T is at most the smaller of
 *     (DA_CRAMER_K/sqrt(2 pi)) int_{|x|>T} |f|^p e^{-x^2/4} dx,
 *     (1/(sqrt(N!) sqrt(2 pi))) int_{|x|>T} |f|^p (|x| + sqrt N)^N e^{-x^2/2} dx,
 * each bounded through the growth law below (the second with the factor
 * 1/(T - (p m + N)/T) for the integral of the decaying integrand).
 * With |f(x)| <= C (1+|x|)^m:
 *     int_T^inf (1+x)^{pm} e^{-x^2/4} <= (1+T)^{pm} e^{-T^2/4} / (T/2 - pm/(1+T));
 * with |f(x)| <= C e^{c|x|}:
 *     int_T^inf e^{pcx - x^2/4} <= e^{pcT - T^2/4} / (T/2 - pc).
 * C is not known symbolically: it is estimated from samples of |f| at
 * |x| in [T/2, 2T] and multiplied by 4.  This is the one heuristic
 * ingredient of the tail bound; it is harmless for the growth laws the
 * analysis reports (monotone envelopes), and documented in the manual. */
#include "core/core.h"
#include "hermite/hermite.h"
#include <math.h>

static double log_growth(da_growth g, double gp, double x)
{
    x = fabs(x);
    return g == DA_GROWTH_EXP ? gp * x : gp * log1p(x);
}

double da_tail_radius(const da_tape *f, da_growth g, double gp, int p, long N,
                      double log2_target, double *log2_tail)
{
    if (g == DA_GROWTH_BAD) {
        *log2_tail = INFINITY;
        return INFINITY;
    }
    if (!(gp >= 0))
        gp = 0;
    double T = 4.0;
    for (int iter = 0; iter < 4000; iter++, T += 0.25) {
        /* log C from samples */
        double logC = -INFINITY;
        static const double s[] = {0.5, 0.75, 1.0, 1.25, 1.5, 2.0};
        for (int i = 0; i < 6; i++)
            for (int sg = -1; sg <= 1; sg += 2) {
                double x = sg * s[i] * T;
                double v = fabs(da_tape_eval_d(f, x));
                if (!isfinite(v))
                    continue; /* overflow in double far out: skip */
                if (v == 0)
                    continue;
                double lc = log(v) - log_growth(g, gp, x);
                if (lc > logC)
                    logC = lc;
            }
        if (logC == -INFINITY)
            logC = 0.0;
        logC += log(4.0);
        double pg = p * gp, denom;
        double lg;
        if (g == DA_GROWTH_EXP) {
            denom = T / 2 - pg;
            lg = pg * T;
        } else {
            denom = T / 2 - pg / (1 + T);
            lg = pg * log1p(T);
        }
        if (denom <= 0.5)
            continue;
        double lt = p * logC + lg - T * T / 4 - log(denom)
                    + log(2.0 * DA_CRAMER_K / sqrt(2 * M_PI));
        /* the polynomial envelope |h_k(x)| <= (|x| + sqrt k)^k / sqrt(k!),
           largest at k = N for |x| >= 1: tighter for small N and high
           precision (e^{-x^2/2} instead of e^{-x^2/4}) */
        double denom2 = T - (pg + (double)N) / T - (g == DA_GROWTH_EXP ? pg : 0);
        if (denom2 > 0.5) {
            double lpoly = p * logC + lg + (double)N * log(T + sqrt((double)N)) - T * T / 2
                           - log(denom2) - 0.5 * da_lgamma((double)N + 1) + log(2.0 / sqrt(2 * M_PI));
            if (lpoly < lt)
                lt = lpoly;
        }
        double l2 = lt / M_LN2;
        if (l2 <= log2_target) {
            *log2_tail = l2;
            return T;
        }
    }
    *log2_tail = INFINITY;
    return INFINITY;
}
